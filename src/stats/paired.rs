//! Streaming statistics and hypothesis tests.
//!
//! * [`Welford`] accumulates count, mean and variance in one pass and can be
//!   merged across threads or chunks (Chan et al. parallel combination).
//! * [`PairedAccumulator`] streams paired observations `(a, b)` and
//!   [`PairedAccumulator::finish`] produces a paired Student-t test
//!   ([`PairedTest`]) of the difference `b - a`.
//! * [`tost_p`] / [`equivalent_90ci`] test equivalence (two one-sided tests)
//!   for "no effect" hypotheses, and [`verdict`] turns a test plus a
//!   pre-registered [`Expect`]ation into a [`Verdict`].
//!
//! No function here panics; undefined quantities are reported as `NaN`.

use serde::{Deserialize, Serialize};
use statrs::distribution::{Continuous, StudentsT};
use statrs::function::{beta::checked_beta_reg, erf::erfc};

/// One-pass accumulator of count, mean and sum of squared deviations
/// (Welford's algorithm).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Welford {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Welford {
    /// Adds one observation.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        self.m2 += delta * (x - self.mean);
    }

    /// Combines `other` into `self` (Chan et al.). The result is a
    /// deterministic function of the two operands, but not necessarily
    /// bit-identical to pushing all observations in order.
    pub fn merge(&mut self, other: &Welford) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = na + nb;
        let delta = other.mean - self.mean;
        self.mean += delta * nb / n;
        self.m2 += other.m2 + delta * delta * na * nb / n;
        self.n += other.n;
    }

    /// Number of observations.
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Sample mean; `NaN` if no observations.
    pub fn mean(&self) -> f64 {
        if self.n == 0 { f64::NAN } else { self.mean }
    }

    /// Sample variance with denominator `n - 1`; `NaN` if `n < 2`.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }

    /// Sample standard deviation; `NaN` if `n < 2`.
    pub fn sd(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Standard error of the mean, `sd / sqrt(n)`; `NaN` if `n < 2`.
    pub fn sem(&self) -> f64 {
        self.sd() / (self.n as f64).sqrt()
    }

    /// Two-sided 95% Student-t confidence interval for the mean,
    /// `mean ± t(0.975, n-1) * sem`. `(NaN, NaN)` if `n < 2`;
    /// `(mean, mean)` if the standard deviation is zero.
    pub fn ci95(&self) -> (f64, f64) {
        if self.n < 2 {
            return (f64::NAN, f64::NAN);
        }
        t_ci(self.mean, self.sd(), self.n, 0.95)
    }
}

/// Two-sided `level` t interval around `mean` given sample `sd` and `n >= 2`.
fn t_ci(mean: f64, sd: f64, n: u64, level: f64) -> (f64, f64) {
    if sd == 0.0 {
        return (mean, mean);
    }
    let half = t_quantile(0.5 + level / 2.0, (n - 1) as f64) * sd / (n as f64).sqrt();
    (mean - half, mean + half)
}

/// Above this many degrees of freedom statrs' incomplete-beta t CDF loses
/// accuracy (and its inverse can hang or panic), so the Peizer-Pratt
/// normalising transform is used instead. Measured against mpmath, tail
/// probabilities have relative error below 5e-9 for every `df` (≈1e-15
/// for `df <= 10`).
const DF_ASYMPTOTIC: f64 = 1e6;

/// Standard Student-t distribution, if `df` is finite and > 0.
fn students_t(df: f64) -> Option<StudentsT> {
    (df.is_finite() && df > 0.0)
        .then(|| StudentsT::new(0.0, 1.0, df).ok())
        .flatten()
}

/// `P(T >= x)` for finite `x`. For `df > DF_ASYMPTOTIC` this is `Q(z)` with
/// `z = sign(x) (df - 2/3 + 1/(10 df)) sqrt(ln(1 + x^2/df) / (df - 5/6))`,
/// evaluated as `x c sqrt(g)`, `g = ln(1 + u) / u`, `u = x^2/df`, to avoid
/// underflow for huge `df`.
fn sf_finite(d: &StudentsT, x: f64) -> f64 {
    let df = d.freedom();
    let p = if df <= DF_ASYMPTOTIC {
        // P(T >= |x|) = I_h(df/2, 1/2) / 2, h = df / (df + x^2). Evaluate
        // through whichever incomplete-beta form statrs does not internally
        // reflect (its `1 - h` reflection loses precision near x = 0).
        let (a, x2) = (df / 2.0, x * x);
        let h = df / (df + x2);
        let upper = if h < (a + 1.0) / (a + 2.5) {
            0.5 * checked_beta_reg(a, 0.5, h).unwrap_or(f64::NAN)
        } else {
            0.5 - 0.5 * checked_beta_reg(0.5, a, x2 / (df + x2)).unwrap_or(f64::NAN)
        };
        if x >= 0.0 { upper } else { 1.0 - upper }
    } else {
        let u = x * x / df;
        let g = if u == 0.0 { 1.0 } else { u.ln_1p() / u };
        let c = (df - 2.0 / 3.0 + 0.1 / df) / (df.sqrt() * (df - 5.0 / 6.0).sqrt());
        let z = if u.is_finite() { x * c * g.sqrt() } else { x };
        0.5 * erfc(z / std::f64::consts::SQRT_2)
    };
    p.clamp(0.0, 1.0)
}

/// Quantile (inverse CDF) of the standard Student-t distribution.
///
/// Returns `NaN` if `p` is outside `[0, 1]` or `NaN`, or if `df` is not a
/// finite positive number; `p = 0` and `p = 1` give `-inf` and `+inf`.
/// Computed by safeguarded Newton iteration on the CDF (statrs' own inverse
/// is inaccurate for large `df` and can hang for tiny `p`). Quantiles whose
/// magnitude would exceed ~1e154 (absurdly small tails at `df <= 2`)
/// saturate there.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    let Some(d) = students_t(df).filter(|_| (0.0..=1.0).contains(&p)) else {
        return f64::NAN;
    };
    // Solve P(T >= x) = tail for x >= 0; `1 - p` is exact for p >= 0.5.
    let tail = if p < 0.5 { p } else { 1.0 - p };
    let x = if tail == 0.5 {
        0.0
    } else if tail == 0.0 {
        f64::INFINITY
    } else {
        let (mut lo, mut hi) = (0.0, 1.0);
        while sf_finite(&d, hi) > tail {
            (lo, hi) = (hi, 2.0 * hi);
            if hi.is_infinite() {
                break;
            }
        }
        let mut x = 0.5 * (lo + hi);
        for _ in 0..200 {
            let f = sf_finite(&d, x) - tail;
            if f == 0.0 {
                break;
            } else if f > 0.0 {
                lo = x;
            } else {
                hi = x;
            }
            let newton = x + f / d.pdf(x);
            let next = if newton > lo && newton < hi {
                newton
            } else {
                0.5 * (lo + hi)
            };
            let done = (next - x).abs() <= 1e-15 * x || hi - lo <= 1e-15 * hi;
            x = next;
            if done {
                break;
            }
        }
        x
    };
    if p < 0.5 { -x } else { x }
}

/// Upper-tail probability `P(T >= t)`; `NaN` for `NaN` `t` or invalid `df`.
fn t_upper_tail(t: f64, df: f64) -> f64 {
    match students_t(df) {
        Some(_) if t == f64::INFINITY => 0.0,
        Some(_) if t == f64::NEG_INFINITY => 1.0,
        Some(d) if t.is_finite() => sf_finite(&d, t),
        _ => f64::NAN,
    }
}

/// Two-sided p-value `P(|T| >= |t|)` for a Student-t statistic.
///
/// Returns `NaN` if `t` is `NaN` or `df` is not a finite positive number;
/// `t = ±inf` gives `0`.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    (2.0 * t_upper_tail(t.abs(), df)).clamp(0.0, 1.0)
}

/// Result of a paired t-test of the difference `b - a`.
///
/// All statistics are `NaN` when `n < 2` (means are `NaN` only when `n == 0`).
/// When every difference is identical (`diff_sd == 0`), the test is
/// degenerate but defined: `t` and `effect_size` are `0` if
/// `diff_mean == 0` and `±inf` (sign of `diff_mean`) otherwise; `p_value` is
/// then `1` or `0`, and the confidence interval collapses to `diff_mean`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedTest {
    /// Number of pairs.
    pub n: u64,
    /// Mean of level `a`.
    pub mean_a: f64,
    /// Mean of level `b`.
    pub mean_b: f64,
    /// Mean of the differences `b - a`.
    pub diff_mean: f64,
    /// Sample standard deviation of the differences.
    pub diff_sd: f64,
    /// Lower bound of the 95% confidence interval of `diff_mean`.
    pub ci_lo: f64,
    /// Upper bound of the 95% confidence interval of `diff_mean`.
    pub ci_hi: f64,
    /// t statistic, `diff_mean / (diff_sd / sqrt(n))`, with `n - 1` df.
    pub t: f64,
    /// Two-sided p-value for H0: mean difference is zero.
    pub p_value: f64,
    /// Cohen's d_z, `diff_mean / diff_sd`.
    pub effect_size: f64,
}

impl PairedTest {
    /// Standard error of `diff_mean`.
    fn se(&self) -> f64 {
        self.diff_sd / (self.n as f64).sqrt()
    }
}

/// Streaming accumulator for paired observations `(a, b)`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PairedAccumulator {
    a: Welford,
    b: Welford,
    diff: Welford,
}

impl PairedAccumulator {
    /// Adds one pair: `a` from level A, `b` from level B (difference `b - a`).
    pub fn push(&mut self, a: f64, b: f64) {
        self.a.push(a);
        self.b.push(b);
        self.diff.push(b - a);
    }

    /// Combines another accumulator into this one.
    pub fn merge(&mut self, other: &PairedAccumulator) {
        self.a.merge(&other.a);
        self.b.merge(&other.b);
        self.diff.merge(&other.diff);
    }

    /// Number of pairs pushed so far.
    pub fn n(&self) -> u64 {
        self.diff.n()
    }

    /// Runs the paired t-test on the pairs accumulated so far.
    pub fn finish(&self) -> PairedTest {
        let n = self.diff.n();
        let diff_mean = self.diff.mean();
        let diff_sd = self.diff.sd();
        let (ci_lo, ci_hi) = self.diff.ci95();
        let (t, effect_size) = if n < 2 {
            (f64::NAN, f64::NAN)
        } else if diff_sd == 0.0 {
            let s = if diff_mean == 0.0 {
                0.0
            } else {
                f64::INFINITY.copysign(diff_mean)
            };
            (s, s)
        } else {
            (diff_mean / self.diff.sem(), diff_mean / diff_sd)
        };
        PairedTest {
            n,
            mean_a: self.a.mean(),
            mean_b: self.b.mean(),
            diff_mean,
            diff_sd,
            ci_lo,
            ci_hi,
            t,
            p_value: t_two_sided_p(t, n.saturating_sub(1) as f64),
            effect_size,
        }
    }
}

/// TOST (two one-sided tests) p-value for equivalence within `±margin`.
///
/// Returns the larger of the one-sided p-values for H0: `diff <= -margin`
/// and H0: `diff >= +margin`; a small value supports `|diff| < margin`.
/// `NaN` if `n < 2` or `margin` is `NaN`/negative. With `diff_sd == 0` each
/// one-sided p-value is `0` if the mean lies strictly inside, else `1`.
pub fn tost_p(test: &PairedTest, margin: f64) -> f64 {
    if test.n < 2 || margin.is_nan() || margin < 0.0 {
        return f64::NAN;
    }
    let df = (test.n - 1) as f64;
    let (d, se) = (test.diff_mean, test.se());
    let (p_lower, p_upper) = if se == 0.0 {
        let p = |inside: bool| if inside { 0.0 } else { 1.0 };
        (p(d > -margin), p(d < margin))
    } else {
        (
            t_upper_tail((d + margin) / se, df),
            t_upper_tail(-(d - margin) / se, df),
        )
    };
    p_lower.max(p_upper)
}

/// Whether the two-sided 90% confidence interval of the mean difference lies
/// strictly inside `(-margin, margin)`.
///
/// This is the TOST equivalence decision at alpha = 0.05: it holds exactly
/// when `tost_p(test, margin) < 0.05` (up to rounding at the boundary).
/// `false` if `n < 2` or `margin` is `NaN`.
pub fn equivalent_90ci(test: &PairedTest, margin: f64) -> bool {
    if test.n < 2 {
        return false;
    }
    let (lo, hi) = t_ci(test.diff_mean, test.diff_sd, test.n, 0.90);
    lo > -margin && hi < margin
}

/// Pre-registered expected direction of the effect of `b` relative to `a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    /// `b - a` is expected to be positive.
    Increase,
    /// `b - a` is expected to be negative.
    Decrease,
    /// No practically relevant effect is expected.
    None,
}

impl Expect {
    /// Lower-case name: `"increase"`, `"decrease"` or `"none"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Expect::Increase => "increase",
            Expect::Decrease => "decrease",
            Expect::None => "none",
        }
    }
}

/// Outcome of checking an [`Expect`]ation against a [`PairedTest`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// The data support the expectation.
    Supported,
    /// The data contradict the expectation.
    Contradicted,
    /// The data do not decide either way.
    Inconclusive,
}

impl Verdict {
    /// Lower-case name: `"supported"`, `"contradicted"` or `"inconclusive"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Verdict::Supported => "supported",
            Verdict::Contradicted => "contradicted",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// Decides whether `test` supports `expect`, given the smallest effect of
/// interest `smallest_effect` (absolute, in the metric's units; its absolute
/// value is used). Rules, with the 95% CI `[ci_lo, ci_hi]` of `b - a`:
///
/// * `Increase`: supported iff `ci_lo > 0` and `diff_mean >= smallest_effect`;
///   contradicted iff `ci_hi < 0`.
/// * `Decrease`: supported iff `ci_hi < 0` and `diff_mean <= -smallest_effect`;
///   contradicted iff `ci_lo > 0`.
/// * `None`: supported iff equivalent at alpha 0.05 ([`equivalent_90ci`]
///   with margin `smallest_effect`); contradicted iff the 95% CI excludes 0
///   and `|diff_mean| >= smallest_effect`.
///
/// Everything else (including `NaN` statistics) is inconclusive.
pub fn verdict(test: &PairedTest, expect: Expect, smallest_effect: f64) -> Verdict {
    let sesoi = smallest_effect.abs();
    let (d, lo, hi) = (test.diff_mean, test.ci_lo, test.ci_hi);
    let (supported, contradicted) = match expect {
        Expect::Increase => (lo > 0.0 && d >= sesoi, hi < 0.0),
        Expect::Decrease => (hi < 0.0 && d <= -sesoi, lo > 0.0),
        Expect::None => (
            equivalent_90ci(test, sesoi),
            (lo > 0.0 || hi < 0.0) && d.abs() >= sesoi,
        ),
    };
    if supported {
        Verdict::Supported
    } else if contradicted {
        Verdict::Contradicted
    } else {
        Verdict::Inconclusive
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(x: f64, y: f64, tol: f64) {
        assert!((x - y).abs() <= tol, "{x} vs {y} (tol {tol})");
    }

    #[test]
    fn welford_matches_two_pass_and_merge() {
        let xs = [
            3.5, -1.25, 8.0, 2.75, 1e3, 0.5, -7.0, 4.25, 6.0, 12.5, -0.125,
        ];
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        let mut w = Welford::default();
        xs.iter().for_each(|&x| w.push(x));
        assert_eq!(w.n(), xs.len() as u64);
        close(w.mean(), mean, 1e-12);
        close(w.variance(), var, 1e-9 * var);
        close(w.sem(), (var / n).sqrt(), 1e-9);
        let (mut h1, mut h2) = (Welford::default(), Welford::default());
        xs[..4].iter().for_each(|&x| h1.push(x));
        xs[4..].iter().for_each(|&x| h2.push(x));
        h1.merge(&h2);
        assert_eq!(h1.n(), w.n());
        close(h1.mean(), w.mean(), 1e-12);
        close(h1.variance(), w.variance(), 1e-12 * w.variance());
        let mut empty = Welford::default();
        empty.merge(&w);
        assert_eq!(empty, w);
        assert!(Welford::default().mean().is_nan());
        let mut one = Welford::default();
        one.push(2.0);
        assert_eq!(one.mean(), 2.0);
        assert!(one.variance().is_nan() && one.ci95().0.is_nan());
    }

    #[test]
    fn paired_worked_example() {
        let a = [12.1, 14.3, 11.8, 13.5, 12.9, 15.2, 13.0, 12.4];
        let b = [13.0, 15.1, 12.0, 14.9, 13.4, 15.8, 14.1, 12.9];
        let (mut whole, mut h1, mut h2) = Default::default();
        for (i, (&x, &y)) in a.iter().zip(&b).enumerate() {
            PairedAccumulator::push(&mut whole, x, y);
            PairedAccumulator::push(if i < 3 { &mut h1 } else { &mut h2 }, x, y);
        }
        let r = whole.finish();
        // Reference values from exact rational arithmetic (Python `fractions`)
        // plus mpmath at 40 digits: d = b - a = [.9,.8,.2,1.4,.5,.6,1.1,.5],
        // mean 3/4, var 51/350, sem = sd/sqrt(8), t = mean/sem,
        // CI = mean ± 2.364624251592785 * sem. p = 2*(1 - F7(t)) with
        // F7 from mpmath.betainc (0.000853433515738), confirmed by Simpson
        // integration of the t(7) density (0.000853433515747).
        assert_eq!(r.n, 8);
        close(r.mean_a, 13.15, 1e-9);
        close(r.mean_b, 13.9, 1e-9);
        close(r.diff_mean, 0.75, 1e-6);
        close(r.diff_sd, 0.381_725_406_168_211, 1e-6);
        close(r.ci_lo, 0.430_869_574_125_776, 1e-6);
        close(r.ci_hi, 1.069_130_425_874_224, 1e-6);
        close(r.t, 5.557_189_302_262_113, 1e-6);
        close(r.p_value, 0.000_853_433_515_738, 1e-4);
        close(r.effect_size, 1.964_763_119_983_439, 1e-6);
        // TOST, margin 1: 90% CI is (0.494307, 1.005693), so not equivalent;
        // the larger one-sided p (mpmath) is F7(-1.852396434) = 0.0531961415.
        close(tost_p(&r, 1.0), 0.053_196_141_541_671, 1e-6);
        assert!(!equivalent_90ci(&r, 1.0) && equivalent_90ci(&r, 1.01));
        h1.merge(&h2);
        let m = h1.finish();
        for (x, y) in [
            (m.diff_mean, r.diff_mean),
            (m.diff_sd, r.diff_sd),
            (m.t, r.t),
        ] {
            close(x, y, 1e-12);
        }
    }

    #[test]
    fn t_distribution_values_and_edge_cases() {
        close(t_quantile(0.975, 7.0), 2.364_624, 1e-6);
        close(t_quantile(0.975, 1e6), 1.959_966, 1e-6);
        close(t_quantile(0.025, 7.0), -2.364_624, 1e-6);
        // mpmath (50 digits) references; statrs' own inverse CDF hangs on the
        // first, returns 1.8266 for df = 1e7 and panics for df >= 1e8.
        close(t_quantile(1e-12, 7.0), -104.021_829_262_647_2, 1e-9);
        close(t_quantile(0.975, 1e9), 1.959_963_986_912_325, 1e-9);
        close(t_quantile(0.5 + 1e-9, 7.0), 2.597_460_202_184_457e-9, 1e-15);
        close(t_two_sided_p(3.0, 2.5), 0.072_576_095_549_031_84, 1e-12);
        close(
            t_two_sided_p(5.0, 1e8) / 5.733_041_101_267_286e-7,
            1.0,
            1e-8,
        );
        for df in [1.0, 4.0, 99.0, 5e6] {
            for p in [0.9, 0.999, 1e-6] {
                let q = t_quantile(1.0 - p / 2.0, df);
                close(t_two_sided_p(q, df) / p, 1.0, 1e-9);
            }
        }
        assert_eq!(t_quantile(1.0, 5.0), f64::INFINITY);
        assert_eq!(t_quantile(0.0, 5e7), f64::NEG_INFINITY);
        assert_eq!(t_two_sided_p(0.0, 7.0), 1.0);
        assert_eq!(t_two_sided_p(f64::NEG_INFINITY, 7.0), 0.0);
        for (p, df) in [
            (1.5, 7.0),
            (f64::NAN, 7.0),
            (0.5, 0.0),
            (0.5, -1.0),
            (0.5, f64::NAN),
            (0.5, f64::INFINITY),
        ] {
            assert!(t_quantile(p, df).is_nan(), "{p} {df}");
        }
        for (t, df) in [(f64::NAN, 7.0), (1.0, 0.0), (1.0, f64::INFINITY)] {
            assert!(t_two_sided_p(t, df).is_nan(), "{t} {df}");
        }
    }

    #[test]
    fn zero_variance_differences_are_defined() {
        let mut acc = PairedAccumulator::default();
        (0..5).for_each(|i| acc.push(i as f64, i as f64 - 0.5));
        let r = acc.finish();
        assert_eq!(
            (r.t, r.effect_size, r.p_value),
            (f64::NEG_INFINITY, f64::NEG_INFINITY, 0.0)
        );
        assert_eq!((r.ci_lo, r.ci_hi), (-0.5, -0.5));
        assert_eq!(verdict(&r, Expect::Decrease, 0.4), Verdict::Supported);
        let mut same = PairedAccumulator::default();
        (0..5).for_each(|i| same.push(i as f64, i as f64));
        let r = same.finish();
        assert_eq!((r.t, r.effect_size, r.p_value), (0.0, 0.0, 1.0));
        assert_eq!(tost_p(&r, 0.1), 0.0);
        assert_eq!(verdict(&r, Expect::None, 0.1), Verdict::Supported);
        assert!(PairedAccumulator::default().finish().t.is_nan());
    }

    /// Paired test whose differences are `center + spread * pattern`
    /// (pattern sd ≈ 0.612, so the 95% CI half-width ≈ 0.512 * spread).
    fn test_of(center: f64, spread: f64) -> PairedTest {
        let mut acc = PairedAccumulator::default();
        for k in [-1.0, 1.0, -0.5, 0.5, -0.25, 0.25, 0.0, 0.0] {
            acc.push(10.0, 10.0 + center + spread * k);
        }
        acc.finish()
    }

    #[test]
    fn verdict_truth_table() {
        use Expect::{Decrease, Increase, None};
        use Verdict::{Contradicted as C, Inconclusive as I, Supported as S};
        let cases = [
            (1.0, 0.2, Increase, S),
            (0.1, 0.1, Increase, I), // CI excludes 0, but effect below 0.5
            (-1.0, 0.2, Increase, C),
            (0.0, 4.0, Increase, I),
            (-1.0, 0.2, Decrease, S),
            (-0.1, 0.1, Decrease, I),
            (1.0, 0.2, Decrease, C),
            (0.0, 4.0, Decrease, I),
            (0.1, 0.1, None, S), // 90% CI ≈ (0.059, 0.141) within ±0.5
            (1.0, 0.2, None, C), // CI excludes 0 and |d| >= 0.5
            (0.0, 4.0, None, I), // wide CI
            (0.4, 0.4, None, I), // CI excludes 0, |d| < 0.5, 90% CI crosses 0.5
        ];
        for (center, spread, expect, want) in cases {
            let t = test_of(center, spread);
            let got = verdict(&t, expect, 0.5);
            assert_eq!(got, want, "{center} {spread} {expect:?} {t:?}");
        }
        let t = test_of(0.1, 0.1);
        assert!(t.ci_lo > 0.0 && t.p_value < 0.05);
        assert_eq!(verdict(&t, Increase, 0.05), S);
        assert_eq!(Increase.as_str(), "increase");
        assert_eq!(Decrease.as_str(), "decrease");
        assert_eq!(None.as_str(), "none");
        assert_eq!(
            (S.as_str(), C.as_str(), I.as_str()),
            ("supported", "contradicted", "inconclusive")
        );
    }

    #[test]
    fn tost_equivalence() {
        let tight = test_of(0.01, 0.002);
        assert!(tost_p(&tight, 0.1) < 1e-6 && equivalent_90ci(&tight, 0.1));
        let wide = test_of(0.01, 2.0);
        assert!(tost_p(&wide, 0.1) > 0.4 && !equivalent_90ci(&wide, 0.1));
        // TOST at alpha .05 agrees with the 90% CI rule across margins.
        let r = test_of(0.3, 0.5);
        for m in [0.2, 0.4, 0.5, 0.6, 0.7, 1.0, 2.0] {
            assert_eq!(tost_p(&r, m) < 0.05, equivalent_90ci(&r, m), "margin {m}");
        }
        assert!(tost_p(&r, f64::NAN).is_nan());
    }
}
