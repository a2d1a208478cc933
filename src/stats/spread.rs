//! The spread of key trajectory metrics across dyads: per month, a fixed-bin histogram of
//! each metric of [`SPREAD`] over the runs alive in that month, and its 10th, 50th and 90th
//! percentiles.
//!
//! The bins are fixed per metric (never fitted to the data), so a histogram is a vector of
//! integer counts: chunks, shards and resumed runs add up to the same counts in any order,
//! and the percentiles read from them are the same bits whatever the thread count. Each
//! metric has its inner bins on a fixed range plus an underflow and an overflow bin, so no
//! value is lost or silently moved; a percentile that falls into the underflow or overflow
//! bin is not known and reads as NaN (`NA` in the files). Inside a bin a percentile is
//! interpolated linearly, on the grid's scale, between the bin's edges or the smallest and
//! largest value counted where those lie inside the bin (they are kept beside the counts and
//! merge order-free too), so a percentile never leaves the range of the values: a metric
//! that is the same in every run has that value as every percentile.

use std::f64::consts::{LN_10, LOG10_E};

use serde::{Deserialize, Serialize};

use crate::model::TRAJECTORY_METRICS;

/// How a metric's values are cut into bins.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Grid {
    /// Equal bins of the value on `[lo, hi]`.
    Linear {
        /// Lower edge of the first inner bin.
        lo: f64,
        /// Upper edge of the last inner bin.
        hi: f64,
    },
    /// Equal bins of `t = sign(x) · log10(1 + |x| / scale)` on `[lo, hi]` (in `t`): about
    /// linear for `|x|` below `scale`, logarithmic (constant relative width) above it.
    SignedLog {
        /// Where the grid turns from linear to logarithmic, in the metric's unit.
        scale: f64,
        /// Lower edge of the first inner bin, in `t`.
        lo: f64,
        /// Upper edge of the last inner bin, in `t`.
        hi: f64,
    },
}

impl Grid {
    /// The grid coordinate of a value.
    #[inline(always)]
    pub fn forward(self, x: f64) -> f64 {
        match self {
            Grid::Linear { .. } => x,
            Grid::SignedLog { scale, .. } => (x.abs() / scale).ln_1p().copysign(x) * LOG10_E,
        }
    }
    /// The value of a grid coordinate.
    pub fn inverse(self, t: f64) -> f64 {
        match self {
            Grid::Linear { .. } => t,
            Grid::SignedLog { scale, .. } => (scale * (t.abs() * LN_10).exp_m1()).copysign(t),
        }
    }
    /// The range of the inner bins, in grid coordinates.
    pub fn range(self) -> (f64, f64) {
        match self {
            Grid::Linear { lo, hi } | Grid::SignedLog { lo, hi, .. } => (lo, hi),
        }
    }
}

/// A trajectory metric whose spread is kept.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SpreadMetric {
    /// Its name in [`TRAJECTORY_METRICS`].
    pub name: &'static str,
    /// Its index in [`TRAJECTORY_METRICS`].
    pub traj: usize,
    /// The bins.
    pub grid: Grid,
    /// Number of inner bins.
    pub bins: usize,
    /// Inner bins per unit of the grid coordinate.
    per_unit: f64,
}

/// Index of `name` in [`TRAJECTORY_METRICS`]; a name that is not there fails the build.
const fn traj_index(name: &str) -> usize {
    let mut i = 0;
    while i < TRAJECTORY_METRICS.len() {
        let (a, b) = (TRAJECTORY_METRICS[i].as_bytes(), name.as_bytes());
        if a.len() == b.len() {
            let mut k = 0;
            while k < a.len() && a[k] == b[k] {
                k += 1;
            }
            if k == a.len() {
                return i;
            }
        }
        i += 1;
    }
    panic!("a spread metric is not a trajectory metric")
}

const fn linear(name: &'static str, lo: f64, hi: f64) -> SpreadMetric {
    SpreadMetric {
        name,
        traj: traj_index(name),
        grid: Grid::Linear { lo, hi },
        bins: 200,
        per_unit: 200.0 / (hi - lo),
    }
}

const fn signed_log(name: &'static str, scale: f64, lo: f64, hi: f64) -> SpreadMetric {
    SpreadMetric {
        name,
        traj: traj_index(name),
        grid: Grid::SignedLog { scale, lo, hi },
        bins: 200,
        per_unit: 200.0 / (hi - lo),
    }
}

/// The metrics whose percentiles `timeseries` reports, with their bins (documented in
/// `docs/OUTPUTS.md`): shares, trust and dependence in 200 bins of 0.005 on [0, 1],
/// asymmetry in 200 bins of 0.01 on [−1, 1]; knowledge and cash, which have no upper
/// bound, in 200 bins of a signed log scale.
pub const SPREAD: [SpreadMetric; 9] = [
    linear("asymmetry", -1.0, 1.0),
    linear("supplier_dependence", 0.0, 1.0),
    linear("buyer_dependence", 0.0, 1.0),
    linear("supplier_trust", 0.0, 1.0),
    linear("buyer_trust", 0.0, 1.0),
    linear("supplier_share", 0.0, 1.0),
    linear("buyer_power_use", 0.0, 1.0),
    // 0 to 10^4 units; 0.035 in t: a bin at x is 8.4% of (|x| + 0.001 units) wide.
    signed_log("knowledge", 0.001, 0.0, 7.0),
    // −10^4 to 10^6 kEUR; 0.05 in t: a bin at x is 12.2% of (|x| + 1 kEUR) wide.
    signed_log("supplier_cash", 1.0, -4.0, 6.0),
];

/// The percentiles reported, as fractions.
pub const QUANTILES: [f64; 3] = [0.1, 0.5, 0.9];

/// Counts per metric: the inner bins plus underflow (first) and overflow (last).
const fn slots(m: &SpreadMetric) -> usize {
    m.bins + 2
}

/// Where each metric's counts start within a month, and (last) the counts per month.
const OFFSETS: [usize; SPREAD.len() + 1] = {
    let mut o = [0; SPREAD.len() + 1];
    let mut i = 0;
    while i < SPREAD.len() {
        o[i + 1] = o[i] + slots(&SPREAD[i]);
        i += 1;
    }
    o
};

/// Counts per month of all metrics of [`SPREAD`].
pub const PER_MONTH: usize = OFFSETS[SPREAD.len()];

/// For each trajectory metric, its index in [`SPREAD`] if its spread is kept.
pub const SPREAD_OF: [Option<usize>; TRAJECTORY_METRICS.len()] = {
    let mut v = [None; TRAJECTORY_METRICS.len()];
    let mut i = 0;
    while i < SPREAD.len() {
        v[SPREAD[i].traj] = Some(i);
        i += 1;
    }
    v
};

impl SpreadMetric {
    /// The count index of a finite value: 0 below the range, `bins + 1` above it, else
    /// 1 + its inner bin (the upper edge belongs to the last inner bin).
    pub fn slot(&self, x: f64) -> usize {
        let i = SPREAD.iter().position(|m| m == self);
        self.slot_in(x, i.map_or(&[][..], |i| &edges()[i]))
    }

    /// [`SpreadMetric::slot`] with the metric's inner-bin edges (see [`edges`]; only log
    /// grids use them). A log grid's bin is guessed from a cheap approximation of the
    /// logarithm and settled against the exact edges, so the counts are those of the
    /// documented grid at a fraction of the cost of a logarithm.
    #[inline(always)]
    fn slot_in(&self, x: f64, e: &[f64]) -> usize {
        let bins = self.bins;
        match self.grid {
            Grid::Linear { lo, .. } => {
                let u = (x - lo) * self.per_unit;
                if u < 0.0 {
                    0
                } else if u > bins as f64 {
                    bins + 1
                } else {
                    1 + (u as usize).min(bins - 1)
                }
            }
            Grid::SignedLog { scale, lo, .. } => {
                if e.len() != bins + 1 {
                    return self.slot_exact(x);
                }
                if x < e[0] {
                    return 0;
                }
                if x > e[bins] {
                    return bins + 1;
                }
                // The guess is off by at most one bin (the approximation's error is below
                // a bin's width); settled without branches, checked, and searched for in
                // the (never expected) other case.
                let t = approx_log10_1p(x.abs() / scale).copysign(x);
                let mut k = (((t - lo) * self.per_unit).max(0.0) as usize).min(bins - 1);
                k += usize::from(k + 1 < bins && x >= e[k + 1]);
                k -= usize::from(k > 0 && x < e[k]);
                if !(e[k] <= x && (k + 1 == bins || x < e[k + 1])) {
                    k = e[1..bins].partition_point(|edge| *edge <= x);
                }
                1 + k
            }
        }
    }

    /// The slot from the grid coordinate itself (reference for [`SpreadMetric::slot_in`]).
    fn slot_exact(&self, x: f64) -> usize {
        let t = self.grid.forward(x);
        let (lo, hi) = self.grid.range();
        if t < lo {
            0
        } else if t > hi {
            self.bins + 1
        } else {
            1 + (((t - lo) * self.per_unit) as usize).min(self.bins - 1)
        }
    }

    /// Width of an inner bin, in grid coordinates.
    pub fn width(&self) -> f64 {
        1.0 / self.per_unit
    }

    /// The `q` quantile (0..=1) of the values counted in `counts` (this metric's slots),
    /// whose smallest and largest are `range`: the bin where the cumulative count reaches
    /// `q · n`, interpolated linearly inside it on the grid's scale (within `range`). NaN
    /// without values, or when the quantile falls into the underflow or overflow bin.
    pub fn quantile(&self, counts: &[u32], q: f64, range: (f64, f64)) -> f64 {
        let n: u64 = counts.iter().map(|&c| u64::from(c)).sum();
        if n == 0 {
            return f64::NAN;
        }
        let target = q * n as f64;
        let mut below = 0u64;
        for (k, &c) in counts.iter().enumerate() {
            if c == 0 {
                continue;
            }
            let upto = below + u64::from(c);
            if upto as f64 >= target || k + 1 == counts.len() {
                if k == 0 || k == self.bins + 1 {
                    return f64::NAN;
                }
                let frac = ((target - below as f64) / f64::from(c)).clamp(0.0, 1.0);
                let a = self.grid.range().0 + (k - 1) as f64 * self.width();
                let b = a + self.width();
                let (lo, hi) = (range.0.min(range.1), range.1.max(range.0));
                let (a, b) = (a.max(self.grid.forward(lo)), b.min(self.grid.forward(hi)));
                // A bin whose values are all one value (a constant) collapses to it.
                let t = if a < b { a + frac * (b - a) } else { a };
                return self.grid.inverse(t).clamp(lo, hi);
            }
            below = upto;
        }
        f64::NAN
    }
}

/// log10(1 + a) for a ≥ 0 to within 0.027: the binary exponent plus the mantissa as a
/// straight line (exact at powers of two).
#[inline(always)]
fn approx_log10_1p(a: f64) -> f64 {
    let bits = (1.0 + a).to_bits();
    let exponent = ((bits >> 52) & 0x7ff) as f64 - 1023.0;
    let mantissa = f64::from_bits((bits & 0x000f_ffff_ffff_ffff) | 0x3ff0_0000_0000_0000) - 1.0;
    (exponent + mantissa) * std::f64::consts::LOG10_2
}

/// Per metric of [`SPREAD`], the edges of its inner bins in the metric's unit (`bins + 1`
/// of them, from the grid: `inverse(lo + k · width)`), for log grids; empty for linear
/// grids. Computed once.
pub fn edges() -> &'static [Vec<f64>; SPREAD.len()] {
    static EDGES: std::sync::OnceLock<[Vec<f64>; SPREAD.len()]> = std::sync::OnceLock::new();
    EDGES.get_or_init(|| {
        SPREAD.map(|m| match m.grid {
            Grid::Linear { .. } => Vec::new(),
            Grid::SignedLog { lo, .. } => (0..=m.bins)
                .map(|k| m.grid.inverse(lo + k as f64 * m.width()))
                .collect(),
        })
    })
}

/// The range of no values, the start of a minimum and maximum.
pub const EMPTY: (f64, f64) = (f64::INFINITY, f64::NEG_INFINITY);

/// Count a month's values (`values`: one group per run, one value per metric of [`SPREAD`]
/// in each) into that month's counts (`month`, [`PER_MONTH`] long) and smallest and
/// largest values (`range`, one per metric of [`SPREAD`]); non-finite values are skipped,
/// as in the means. One metric at a time, so that its counts and range stay at hand; runs
/// alternate between four partial counts, since runs of a month often fall into the same
/// bin and one counter would make each addition wait for the previous one.
pub fn count(month: &mut [u32], range: &mut [(f64, f64)], values: &[f64]) {
    const LANES: usize = 4;
    const MAX_SLOTS: usize = 256;
    let e = edges();
    let ns = SPREAD.len();
    let mut part = [[0u32; MAX_SLOTS]; LANES];
    for ((i, m), r) in SPREAD.iter().enumerate().zip(range) {
        let slots = m.bins + 2;
        let counts = &mut month[OFFSETS[i]..OFFSETS[i + 1]];
        if slots > MAX_SLOTS {
            // Not reached with the grids above; kept correct for any grid.
            for x in values.iter().skip(i).step_by(ns) {
                if x.is_finite() {
                    counts[m.slot_in(*x, &e[i])] += 1;
                    merge_range(r, (*x, *x));
                }
            }
            continue;
        }
        for p in part.iter_mut() {
            p[..slots].fill(0);
        }
        let (mut lo, mut hi) = *r;
        for (k, run) in values.chunks_exact(ns).enumerate() {
            let x = run[i];
            if x.is_finite() {
                part[k % LANES][m.slot_in(x, &e[i])] += 1;
                lo = if x < lo { x } else { lo };
                hi = if x > hi { x } else { hi };
            }
        }
        *r = (lo, hi);
        for (j, c) in counts.iter_mut().enumerate() {
            *c += part.iter().map(|p| p[j]).sum::<u32>();
        }
    }
}

/// Merge the smallest and largest values of `b` into `a` (order-free).
pub fn merge_range(a: &mut (f64, f64), b: (f64, f64)) {
    a.0 = a.0.min(b.0);
    a.1 = a.1.max(b.1);
}

/// The counts of metric `i` of [`SPREAD`] within one month's counts.
pub fn metric_counts(month: &[u32], i: usize) -> &[u32] {
    &month[OFFSETS[i]..OFFSETS[i + 1]]
}

/// Floats stored by their bits, so that a checkpoint or shard file restores them exactly
/// (infinities included).
pub(crate) mod range_bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<S: Serializer>(v: &[(f64, f64)], s: S) -> Result<S::Ok, S::Error> {
        let bits: Vec<(u64, u64)> = v.iter().map(|(a, b)| (a.to_bits(), b.to_bits())).collect();
        bits.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(f64, f64)>, D::Error> {
        let bits = Vec::<(u64, u64)>::deserialize(d)?;
        Ok(bits
            .into_iter()
            .map(|(a, b)| (f64::from_bits(a), f64::from_bits(b)))
            .collect())
    }
}

/// Serialised as the non-zero counts only (`len` and `[index, count]` pairs), so that a
/// checkpoint or shard file stays small; restores the same counts exactly.
pub(crate) mod sparse {
    use super::*;
    use serde::{Deserializer, Serializer};

    #[derive(Serialize, Deserialize)]
    struct Sparse {
        len: usize,
        counts: Vec<(usize, u32)>,
    }

    pub fn serialize<S: Serializer>(v: &[u32], s: S) -> Result<S::Ok, S::Error> {
        let counts = v
            .iter()
            .enumerate()
            .filter(|(_, c)| **c != 0)
            .map(|(i, c)| (i, *c))
            .collect();
        Sparse {
            len: v.len(),
            counts,
        }
        .serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u32>, D::Error> {
        let sp = Sparse::deserialize(d)?;
        let mut v = vec![0u32; sp.len];
        for (i, c) in sp.counts {
            *v.get_mut(i)
                .ok_or_else(|| serde::de::Error::custom("histogram index out of range"))? = c;
        }
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hist(m: &SpreadMetric, xs: &[f64]) -> (Vec<u32>, (f64, f64)) {
        let mut h = vec![0u32; slots(m)];
        let mut r = EMPTY;
        for x in xs {
            h[m.slot(*x)] += 1;
            merge_range(&mut r, (*x, *x));
        }
        (h, r)
    }

    /// The exact `q` quantile: the smallest value with at least `q · n` values at or
    /// below it.
    fn exact(xs: &[f64], q: f64) -> f64 {
        let mut v = xs.to_vec();
        v.sort_by(f64::total_cmp);
        let k = ((q * v.len() as f64).ceil() as usize).clamp(1, v.len());
        v[k - 1]
    }

    #[test]
    fn table_is_consistent() {
        for (i, m) in SPREAD.iter().enumerate() {
            assert_eq!(TRAJECTORY_METRICS[m.traj], m.name);
            assert_eq!(SPREAD_OF[m.traj], Some(i));
            assert_eq!(metric_counts(&[0; PER_MONTH], i).len(), m.bins + 2);
            let (lo, hi) = m.grid.range();
            for t in [lo, hi, 0.5 * (lo + hi)] {
                let x = m.grid.inverse(t);
                assert!((m.grid.forward(x) - t).abs() < 1e-9, "{}: {t}", m.name);
            }
        }
        const { assert!(PER_MONTH <= 9 * 202) };
    }

    #[test]
    fn percentiles_match_the_exact_ones_within_a_bin() {
        // A skewed sample of shares, and cash spread over four decades.
        let shares: Vec<f64> = (0..5000)
            .map(|i| (((i * 7919) % 5000) as f64 / 5000.0).powi(3))
            .collect();
        let cash: Vec<f64> = (0..5000)
            .map(|i| 10f64.powf(((i * 7919) % 5000) as f64 / 1250.0) - 50.0)
            .collect();
        for (m, xs) in [(&SPREAD[5], &shares), (&SPREAD[8], &cash)] {
            let (h, r) = hist(m, xs);
            for q in QUANTILES {
                let (got, want) = (m.quantile(&h, q, r), exact(xs, q));
                let err = (m.grid.forward(got) - m.grid.forward(want)).abs();
                assert!(
                    err <= m.width(),
                    "{} q{q}: {got} vs exact {want} ({err} > {})",
                    m.name,
                    m.width()
                );
            }
        }
        // Bounded metric: the bin width is the value resolution.
        assert!((SPREAD[5].width() - 0.005).abs() < 1e-15);
        assert!((SPREAD[0].width() - 0.01).abs() < 1e-15);
    }

    #[test]
    fn a_constant_reads_inside_its_bin_and_outside_the_range_reads_nan() {
        let m = &SPREAD[3];
        let (h, r) = hist(m, &[0.42; 10]);
        for q in QUANTILES {
            assert_eq!(m.quantile(&h, q, r), 0.42);
        }
        // Close values in one bin: the percentiles stay between them.
        let (h, r) = hist(m, &[0.4205, 0.4231, 0.4232, 0.4242]);
        let ps = QUANTILES.map(|q| m.quantile(&h, q, r));
        assert!(ps.iter().all(|p| (0.4205..=0.4242).contains(p)), "{ps:?}");
        assert!(ps[0] <= ps[1] && ps[1] <= ps[2]);
        assert!(m.quantile(&vec![0; slots(m)], 0.5, EMPTY).is_nan());
        // Most values above the range: the median is unknown, not the edge.
        let (h, r) = hist(m, &[0.5, 1.5, 2.0]);
        assert!(m.quantile(&h, 0.5, r).is_nan());
        assert!((0.5..0.505).contains(&m.quantile(&h, 0.1, r)));
        // The edges of the range are inside it.
        assert_eq!(m.slot(0.0), 1);
        assert_eq!(m.slot(1.0), m.bins);
        assert_eq!(m.slot(-1e-9), 0);
        assert_eq!(m.slot(1.0 + 1e-9), m.bins + 1);
    }

    #[test]
    fn the_fast_log_bins_are_the_grid_bins() {
        for (i, m) in SPREAD.iter().enumerate() {
            let e = &edges()[i];
            let (lo, hi) = m.grid.range();
            let (a, b) = (m.grid.inverse(lo), m.grid.inverse(hi));
            let span = b - a;
            // Values across the range and beyond, the edges themselves and their
            // neighbours.
            let mut xs: Vec<f64> = (0..20_000)
                .map(|k| a - 0.01 * span + 1.02 * span * (k as f64 / 20_000.0).powi(5))
                .collect();
            xs.extend((-3000..3000).map(|k| f64::from(k) * 1e-3));
            for x in e {
                xs.extend([*x, x.next_down(), x.next_up()]);
            }
            for x in xs {
                let (fast, exact) = (m.slot(x), m.slot_exact(x));
                if e.is_empty() {
                    assert_eq!(fast, exact, "{} {x}", m.name);
                    continue;
                }
                // The fast slot follows the edge table; the grid coordinate agrees up to
                // rounding at an edge.
                assert!(fast.abs_diff(exact) <= 1, "{} {x}: {fast} {exact}", m.name);
                match fast {
                    0 => assert!(x < e[0]),
                    s if s == m.bins + 1 => assert!(x > e[m.bins]),
                    s => assert!(e[s - 1] <= x && (x < e[s] || s == m.bins), "{} {x}", m.name),
                }
            }
        }
        assert!((approx_log10_1p(999.0) - 3.0).abs() < 0.027);
        assert_eq!(approx_log10_1p(0.0), 0.0);
    }

    #[test]
    fn sparse_form_round_trips() {
        let mut v = vec![0u32; 3 * PER_MONTH];
        v[7] = 3;
        v[PER_MONTH + 100] = u32::MAX;
        #[derive(Serialize, Deserialize)]
        struct W(#[serde(with = "sparse")] Vec<u32>);
        let text = serde_json::to_string(&W(v.clone())).unwrap();
        let back: W = serde_json::from_str(&text).unwrap();
        assert_eq!(back.0, v);
        assert!(serde_json::from_str::<W>(r#"{"len":2,"counts":[[5,1]]}"#).is_err());
    }

    proptest! {
        #[test]
        fn merging_counts_is_order_free(
            xs in proptest::collection::vec(-2.0f64..2.0, 0..300),
            cut in 0usize..300,
            cut2 in 0usize..300,
        ) {
            let vals = |x: f64| SPREAD.map(|m| x * 10f64.powi(m.traj as i32 % 4));
            let flat = |xs: &[f64]| -> Vec<f64> { xs.iter().flat_map(|x| vals(*x)).collect() };
            let whole = {
                let mut h = vec![0u32; PER_MONTH];
                let mut r = [EMPTY; SPREAD.len()];
                count(&mut h, &mut r, &flat(&xs));
                (h, r)
            };
            let (a, b) = (cut.min(xs.len()), cut2.min(xs.len()));
            let (a, b) = (a.min(b), a.max(b));
            type Part = (Vec<u32>, [(f64, f64); SPREAD.len()]);
            let mut parts: Vec<Part> =
                [&xs[..a], &xs[a..b], &xs[b..]]
                    .iter()
                    .map(|part| {
                        let mut h = vec![0u32; PER_MONTH];
                        let mut r = [EMPTY; SPREAD.len()];
                        count(&mut h, &mut r, &flat(part));
                        (h, r)
                    })
                    .collect();
            parts.reverse();
            let mut merged = (vec![0u32; PER_MONTH], [EMPTY; SPREAD.len()]);
            for (h, r) in &parts {
                for (m, c) in merged.0.iter_mut().zip(h) { *m += c; }
                for (m, c) in merged.1.iter_mut().zip(r) { merge_range(m, *c); }
            }
            prop_assert_eq!(&merged.0, &whole.0);
            for (i, m) in SPREAD.iter().enumerate() {
                prop_assert_eq!(merged.1[i].0.to_bits(), whole.1[i].0.to_bits());
                prop_assert_eq!(merged.1[i].1.to_bits(), whole.1[i].1.to_bits());
                for q in QUANTILES {
                    let (x, y) = (
                        m.quantile(metric_counts(&merged.0, i), q, merged.1[i]),
                        m.quantile(metric_counts(&whole.0, i), q, whole.1[i]),
                    );
                    prop_assert_eq!(x.to_bits(), y.to_bits());
                }
            }
        }
    }
}
