//! Robustness of verdicts: each hypothesis's paired test repeated at many parameter sets
//! drawn from a prior, and the share of sets in which it is supported, contradicted or
//! inconclusive (`dyadsim propositions --robustness N`).
//!
//! **The prior.** A scenario's `[prior]` block, or by default every real-valued parameter
//! that the scenario neither draws per run (the dyad attributes of its population stay a
//! population) nor sets in `[params]` (that is its operationalisation), uniform on ±50% of
//! its default, cut to its allowed range. Parameters whose
//! default is 0, switches and whole numbers stay fixed. Set `i` is drawn with the run seed
//! `mix_seed(seed, PRIOR_STREAM, i)` (each parameter from its own stream, as a population
//! draws), so set `i` is the same parameter set in every scenario file that shares the
//! prior; a draw that breaks a constraint between parameters is drawn again from the next
//! attempt's seed. Every set runs the file's own replications with the file's seed: the
//! dyads are the same at every set (common random numbers across sets), so verdicts differ
//! between sets because of the parameters, not because of luck in the dyads.
//!
//! **What predicts a flip.** For each hypothesis and each parameter of the prior, the
//! point-biserial correlation r between the parameter's value and "supported" (1) or not
//! (0) across the sets; the three largest |r| are reported, each flagged when |r| exceeds
//! the two-sided 5% threshold Bonferroni-corrected for the number of parameters
//! (z/√N). For the strongest one, the single cut at a decile of its values that separates
//! the supported share most: the region (parameter above or below the cut) where the
//! hypothesis holds more often, with the shares inside and outside, a one-dimensional
//! box in the manner of PRIM.

use rayon::prelude::*;

use super::hypothesis::{self, Encoding};
use super::propositions::HypothesisSet;
use crate::model::{Dist, PARAM_SPECS, ParamKind, ParamSpec, Params, Population, mix_seed};
use crate::stats::aggregate::share_stats;
use crate::stats::{Expect, Verdict};

/// Stream of the parameter sets drawn from a prior (next to the run streams 1–3).
pub const PRIOR_STREAM: u64 = 4;

/// Seed of the parameter sets when `--seed` is not given.
pub const DEFAULT_SEED: u64 = 2024;

/// Largest relative distance from the default in the default prior.
pub const DEFAULT_SPREAD: f64 = 0.5;

/// Attempts at drawing a set that satisfies the constraints between parameters.
pub const ATTEMPTS: u64 = 100;

/// The default prior of a scenario whose dyad attributes are drawn from `population` and
/// whose fixed values are `base`: every real parameter neither in the population nor set
/// away from its default in `base`, with a default other than 0, uniform on
/// `default · (1 ± DEFAULT_SPREAD)` within its allowed range.
pub fn default_prior(population: &Population, base: &Params) -> Population {
    let d = Params::default();
    let entries = PARAM_SPECS.iter().filter_map(|s| {
        let v = s.get(&d);
        // A value the scenario sets in [params] is part of its operationalisation (e.g. only
        // favourable events): it stays fixed.
        let set_by_file = s.get(base) != v;
        if s.kind != ParamKind::Real
            || v == 0.0
            || population.contains(s)
            || set_by_file
            || s.path == "months"
        {
            return None;
        }
        let (a, b) = (v * (1.0 - DEFAULT_SPREAD), v * (1.0 + DEFAULT_SPREAD));
        let (lo, hi) = (a.min(b).max(s.min), a.max(b).min(s.max));
        (lo < hi).then_some((s, Dist::Uniform { from: lo, to: hi }))
    });
    Population::new(entries).expect("the default prior lies within every parameter's range")
}

/// The prior of a scenario file: its `[prior]`, else the default.
pub fn prior_of(set: &HypothesisSet) -> Population {
    if set.scenario.prior.is_empty() {
        default_prior(&set.scenario.population, &set.scenario.base)
    } else {
        set.scenario.prior.clone()
    }
}

/// Parameter set `i` of `prior` on top of `base`: drawn again (next attempt) while it breaks
/// a constraint between parameters. Returns the parameters and the attempts it took.
pub fn draw_set(prior: &Population, base: &Params, seed: u64, i: u64) -> (Params, u64) {
    for attempt in 0..ATTEMPTS {
        let s = mix_seed(mix_seed(seed, PRIOR_STREAM, i), attempt, 0);
        let p = prior.realise(base, s);
        if p.validate().is_ok() {
            return (p, attempt + 1);
        }
    }
    (base.clone(), ATTEMPTS)
}

/// One parameter's association with a verdict.
#[derive(Clone, Debug, PartialEq)]
pub struct Predictor {
    /// Parameter path.
    pub path: &'static str,
    /// Point-biserial correlation with "supported".
    pub r: f64,
    /// Whether |r| exceeds the Bonferroni-corrected 5% threshold.
    pub significant: bool,
}

/// Where a hypothesis holds more often: one parameter above or below a cut.
#[derive(Clone, Debug, PartialEq)]
pub struct Region {
    /// Parameter path.
    pub path: &'static str,
    /// The cut.
    pub cut: f64,
    /// The region is `parameter > cut` (else `parameter <= cut`).
    pub above: bool,
    /// Share of sets supported inside the region, and how many sets it holds.
    pub share_in: f64,
    /// Sets in the region.
    pub n_in: u64,
    /// Share of sets supported outside it.
    pub share_out: f64,
}

/// The robustness of one hypothesis.
#[derive(Clone, Debug)]
pub struct HypothesisRobustness {
    /// Hypothesis id.
    pub id: String,
    /// Its encoding, if declared.
    pub encoding: Option<Encoding>,
    /// Sets with each verdict: supported, contradicted, inconclusive.
    pub counts: [u64; 3],
    /// Sets in which the 95% CI excludes 0 in the expected direction, whatever the size of
    /// the effect (for `expect = "none"`: sets supported).
    pub in_direction: u64,
    /// The strongest predictors of "supported" (up to three).
    pub predictors: Vec<Predictor>,
    /// The region of the strongest predictor, when the verdict varies.
    pub region: Option<Region>,
}

impl HypothesisRobustness {
    /// Sets analysed.
    pub fn sets(&self) -> u64 {
        self.counts.iter().sum()
    }
    /// Share of sets with verdict `k` (0 supported, 1 contradicted, 2 inconclusive) and its
    /// Wilson 95% interval.
    pub fn share(&self, k: usize) -> (f64, f64, f64) {
        let (p, _, lo, hi) = share_stats(self.counts[k], self.sets());
        (p, lo, hi)
    }
    /// Share of sets with the effect in the expected direction (CI excluding 0), and its
    /// Wilson 95% interval.
    pub fn direction_share(&self) -> (f64, f64, f64) {
        let (p, _, lo, hi) = share_stats(self.in_direction, self.sets());
        (p, lo, hi)
    }
    /// How the hypothesis fares across the prior, in words: too few sets (the CI of the
    /// supported share is wider than 30 points), robust (supported in at least 90% of sets,
    /// CI lower bound at least 80%), regional (a region of one parameter where it is supported
    /// at least twice as often as outside, and in at least half of the sets there), sign
    /// robust (the effect has the expected direction in at least 90% of sets, CI lower bound
    /// at least 80%, but reaches its smallest effect of interest less often), fails
    /// (supported in under 10%), or mixed.
    pub fn class(&self) -> &'static str {
        let (p, lo, hi) = self.share(0);
        let (d, d_lo, _) = self.direction_share();
        if hi - lo > 0.3 {
            "too few sets"
        } else if p >= 0.9 && lo >= 0.8 {
            "robust"
        } else if self
            .region
            .as_ref()
            .is_some_and(|r| r.share_in >= 2.0 * r.share_out && r.share_in >= 0.5)
        {
            "regional"
        } else if d >= 0.9 && d_lo >= 0.8 {
            "sign robust"
        } else if p < 0.1 {
            "fails"
        } else {
            "mixed"
        }
    }
}

/// One parameter set as drawn: the value of each varied parameter (NaN when the file's
/// prior does not vary it) and the attempts the draw took.
pub type SetDraw = (Vec<f64>, u64);

/// The robustness analysis of a battery.
#[derive(Clone, Debug)]
pub struct Robustness {
    /// Parameter sets per file.
    pub sets: u64,
    /// The scenario files, in battery order.
    pub files: Vec<String>,
    /// Pairs per hypothesis per set.
    pub reps: Vec<u64>,
    /// The parameters varied (union over the files' priors), in `PARAM_SPECS` order.
    pub params: Vec<&'static ParamSpec>,
    /// Per file, per set: the draw.
    pub draws: Vec<Vec<SetDraw>>,
    /// Per hypothesis (battery order), per set: the verdict.
    pub verdicts: Vec<Vec<Verdict>>,
    /// Per hypothesis (battery order): the file it belongs to.
    pub file_of: Vec<usize>,
    /// Per hypothesis: the summary.
    pub summary: Vec<HypothesisRobustness>,
}

/// Run every hypothesis of `sets` at `n` parameter sets drawn from each file's prior with
/// `reps` pairs each (the file's own replications when `None`), calling `tick` after each
/// (file, set). The result does not depend on the thread count.
pub fn run(
    sets: &[HypothesisSet],
    n: u64,
    reps: Option<u64>,
    seed: u64,
    tick: &(dyn Fn() + Sync),
) -> Robustness {
    run_from(sets, Source::Prior, n, reps, seed, tick)
}

/// Where the parameter sets come from.
#[derive(Clone, Copy, Debug)]
pub enum Source<'a> {
    /// Each file's prior ([`prior_of`]).
    Prior,
    /// Given sets (e.g. draws of a calibration's posterior), the same for every file: set
    /// `i` is `sets[i]` on top of the file's base parameters.
    Given(&'a [Vec<(&'static ParamSpec, f64)>]),
}

/// [`run`] with the parameter sets from `source` (for [`Source::Given`], `n` is the number
/// of sets given). A given set that breaks a constraint between parameters in a file is
/// replaced by the file's base parameters there (counted as attempts = 100 in
/// `robustness_sets.csv`).
pub fn run_from(
    sets: &[HypothesisSet],
    source: Source,
    n: u64,
    reps: Option<u64>,
    seed: u64,
    tick: &(dyn Fn() + Sync),
) -> Robustness {
    let priors: Vec<Population> = match source {
        Source::Prior => sets.iter().map(prior_of).collect(),
        Source::Given(_) => Vec::new(),
    };
    // Per file: the parameters the sets vary.
    let varied: Vec<Vec<&'static ParamSpec>> = match source {
        Source::Prior => priors
            .iter()
            .map(|p| p.iter().map(|(s, _)| s).collect())
            .collect(),
        Source::Given(g) => {
            let v: Vec<&'static ParamSpec> = g
                .first()
                .map(|x| x.iter().map(|(s, _)| *s).collect())
                .unwrap_or_default();
            vec![v; sets.len()]
        }
    };
    let varies = |f: usize, s: &ParamSpec| varied[f].iter().any(|x| std::ptr::eq(*x, s));
    let n = match source {
        Source::Prior => n,
        Source::Given(g) => g.len() as u64,
    };
    let draw = |f: usize, i: u64| -> (Params, u64) {
        match source {
            Source::Prior => draw_set(&priors[f], &sets[f].scenario.base, seed, i),
            Source::Given(g) => {
                let mut p = sets[f].scenario.base.clone();
                for (s, v) in &g[i as usize] {
                    s.set(&mut p, *v);
                }
                if p.validate().is_ok() {
                    (p, 1)
                } else {
                    (sets[f].scenario.base.clone(), ATTEMPTS)
                }
            }
        }
    };
    let params: Vec<&'static ParamSpec> = PARAM_SPECS
        .iter()
        .filter(|s| (0..sets.len()).any(|f| varies(f, s)))
        .collect();
    let reps: Vec<u64> = sets
        .iter()
        .map(|s| reps.unwrap_or(s.scenario.replications))
        .collect();
    let tasks: Vec<(usize, u64)> = (0..sets.len())
        .flat_map(|f| (0..n).map(move |i| (f, i)))
        .collect();
    // Per (file, set): the draws and the verdict of each of the file's hypotheses.
    let results: Vec<(SetDraw, Vec<(Verdict, bool)>)> = tasks
        .par_iter()
        .map(|&(f, i)| {
            let set = &sets[f];
            let (p, attempts) = draw(f, i);
            let drawn = params
                .iter()
                .map(|s| if varies(f, s) { s.get(&p) } else { f64::NAN })
                .collect();
            let verdicts = set
                .hypotheses
                .iter()
                .map(|h| {
                    let r = hypothesis::test(
                        h,
                        &p,
                        &set.scenario.population,
                        reps[f],
                        set.scenario.seed,
                    );
                    (r.verdict, in_direction(&r))
                })
                .collect();
            tick();
            ((drawn, attempts), verdicts)
        })
        .collect();
    let mut draws = vec![Vec::with_capacity(n as usize); sets.len()];
    let mut verdicts: Vec<Vec<Verdict>> = Vec::new();
    let mut directions: Vec<Vec<bool>> = Vec::new();
    let mut file_of = Vec::new();
    for (f, set) in sets.iter().enumerate() {
        for _ in &set.hypotheses {
            verdicts.push(Vec::with_capacity(n as usize));
            directions.push(Vec::with_capacity(n as usize));
            file_of.push(f);
        }
    }
    let first_h: Vec<usize> = sets
        .iter()
        .scan(0, |acc, s| {
            let at = *acc;
            *acc += s.hypotheses.len();
            Some(at)
        })
        .collect();
    for (&(f, _), (d, vs)) in tasks.iter().zip(results) {
        draws[f].push(d);
        for (k, (v, d)) in vs.into_iter().enumerate() {
            verdicts[first_h[f] + k].push(v);
            directions[first_h[f] + k].push(d);
        }
    }
    let mut summary = Vec::new();
    let mut k = 0;
    for (f, set) in sets.iter().enumerate() {
        for h in &set.hypotheses {
            let vs = &verdicts[k];
            let mut counts = [0u64; 3];
            for v in vs {
                counts[verdict_index(*v)] += 1;
            }
            let supported: Vec<f64> = vs
                .iter()
                .map(|v| f64::from(u8::from(*v == Verdict::Supported)))
                .collect();
            let columns: Vec<(&'static str, Vec<f64>)> = params
                .iter()
                .enumerate()
                .filter(|(_, s)| varies(f, s) && **s != h.factor)
                .map(|(j, s)| (s.path, draws[f].iter().map(|(d, _)| d[j]).collect()))
                .collect();
            let (predictors, region) = flip_predictors(&supported, &columns);
            summary.push(HypothesisRobustness {
                id: h.id.clone(),
                encoding: h.encoding.as_ref().map(|(e, _)| *e),
                counts,
                in_direction: directions[k].iter().filter(|d| **d).count() as u64,
                predictors,
                region,
            });
            k += 1;
        }
    }
    Robustness {
        sets: n,
        files: sets.iter().map(|s| s.file.clone()).collect(),
        reps,
        params,
        draws,
        verdicts,
        file_of,
        summary,
    }
}

/// Whether a result's 95% CI excludes 0 in the expected direction (for `expect = "none"`,
/// whether it is supported).
fn in_direction(r: &hypothesis::HypothesisResult) -> bool {
    match r.hypothesis.expect {
        Expect::Increase => r.test.ci_lo > 0.0,
        Expect::Decrease => r.test.ci_hi < 0.0,
        Expect::None => r.verdict == Verdict::Supported,
    }
}

/// 0 supported, 1 contradicted, 2 inconclusive.
pub fn verdict_index(v: Verdict) -> usize {
    match v {
        Verdict::Supported => 0,
        Verdict::Contradicted => 1,
        Verdict::Inconclusive => 2,
    }
}

/// The strongest predictors of `y` (0/1) among `columns`, and the region of the strongest.
/// Nothing when `y` is constant.
fn flip_predictors(
    y: &[f64],
    columns: &[(&'static str, Vec<f64>)],
) -> (Vec<Predictor>, Option<Region>) {
    let n = y.len();
    let ones = y.iter().filter(|v| **v > 0.5).count();
    if ones == 0 || ones == n || columns.is_empty() {
        return (Vec::new(), None);
    }
    // Two-sided 5%, Bonferroni over the parameters: z for 1 − 0.025/P.
    let z = normal_quantile(1.0 - 0.025 / columns.len() as f64);
    let threshold = z / (n as f64).sqrt();
    let mut ranked: Vec<Predictor> = columns
        .iter()
        .filter_map(|(path, x)| {
            let r = correlation(x, y)?;
            Some(Predictor {
                path,
                r,
                significant: r.abs() > threshold,
            })
        })
        .collect();
    // Largest |r| first; ties by path, so the order never depends on anything else.
    ranked.sort_by(|a, b| {
        b.r.abs()
            .total_cmp(&a.r.abs())
            .then_with(|| a.path.cmp(b.path))
    });
    ranked.truncate(3);
    let region = ranked.first().and_then(|best| {
        let x = &columns.iter().find(|(p, _)| *p == best.path)?.1;
        best_cut(best.path, x, y)
    });
    (ranked, region)
}

/// Pearson correlation of `x` and `y`; `None` when either is constant.
fn correlation(x: &[f64], y: &[f64]) -> Option<f64> {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    (sxx > 0.0 && syy > 0.0).then(|| sxy / (sxx * syy).sqrt())
}

/// The cut at a decile of `x` that separates the share of `y` most (each side at least a
/// tenth of the sets).
fn best_cut(path: &'static str, x: &[f64], y: &[f64]) -> Option<Region> {
    let mut sorted: Vec<f64> = x.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = x.len();
    let mut best: Option<Region> = None;
    for d in 1..10 {
        let cut = sorted[d * n / 10];
        let (mut n_above, mut s_above, mut s_below) = (0u64, 0.0, 0.0);
        for (a, b) in x.iter().zip(y) {
            if *a > cut {
                n_above += 1;
                s_above += b;
            } else {
                s_below += b;
            }
        }
        let n_below = n as u64 - n_above;
        if n_above * 10 < n as u64 || n_below * 10 < n as u64 {
            continue;
        }
        let (pa, pb) = (s_above / n_above as f64, s_below / n_below as f64);
        let above = pa >= pb;
        let r = Region {
            path,
            cut,
            above,
            share_in: if above { pa } else { pb },
            n_in: if above { n_above } else { n_below },
            share_out: if above { pb } else { pa },
        };
        if best
            .as_ref()
            .is_none_or(|b| r.share_in - r.share_out > b.share_in - b.share_out)
        {
            best = Some(r);
        }
    }
    best
}

/// The standard normal quantile.
fn normal_quantile(p: f64) -> f64 {
    use statrs::distribution::{ContinuousCDF, Normal};
    Normal::standard().inverse_cdf(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_prior_spans_half_the_default_each_way_within_range() {
        let pop = Population::default();
        let prior = default_prior(&pop, &Params::default());
        assert!(prior.len() > 50, "{}", prior.len());
        let d = Params::default();
        for (s, dist) in prior.iter() {
            let (lo, hi) = dist.support();
            let v = s.get(&d);
            assert!(lo >= s.min && hi <= s.max, "{}", s.path);
            assert!(lo <= v && v <= hi, "{}: {v} outside [{lo}, {hi}]", s.path);
            assert!(
                hi - lo <= v.abs() * 2.0 * DEFAULT_SPREAD + 1e-12,
                "{}",
                s.path
            );
        }
        assert!(!prior.iter().any(|(s, _)| s.kind != ParamKind::Real));
    }

    #[test]
    fn dyad_attributes_stay_a_population() {
        let spec = crate::model::params::spec("buyer.champion").unwrap();
        let pop = Population::new([(spec, Dist::Uniform { from: 0.0, to: 1.0 })]).unwrap();
        assert!(default_prior(&Population::default(), &Params::default()).contains(spec));
        assert!(!default_prior(&pop, &Params::default()).contains(spec));
        // A value the scenario fixes stays fixed.
        let mut base = Params::default();
        spec.set(&mut base, 0.9);
        assert!(!default_prior(&Population::default(), &base).contains(spec));
    }

    #[test]
    fn sets_are_valid_and_reproducible() {
        let prior = default_prior(&Population::default(), &Params::default());
        let base = Params::default();
        for i in 0..50 {
            let (a, _) = draw_set(&prior, &base, 9, i);
            let (b, _) = draw_set(&prior, &base, 9, i);
            assert!(a.validate().is_ok());
            assert_eq!(a, b);
        }
        assert_ne!(
            draw_set(&prior, &base, 9, 0).0,
            draw_set(&prior, &base, 9, 1).0
        );
    }

    #[test]
    fn a_planted_predictor_is_found_with_its_region() {
        // y = 1 exactly when the second column is above 0.6.
        let n = 400;
        let noise: Vec<f64> = (0..n).map(|i| ((i * 7919) % 400) as f64 / 400.0).collect();
        let key: Vec<f64> = (0..n)
            .map(|i| ((i * 104_729) % 400) as f64 / 400.0)
            .collect();
        let y: Vec<f64> = key.iter().map(|k| f64::from(u8::from(*k > 0.6))).collect();
        let (p, region) = flip_predictors(&y, &[("a.noise", noise), ("b.key", key)]);
        assert_eq!(p[0].path, "b.key");
        assert!(p[0].r > 0.7 && p[0].significant, "{p:?}");
        assert!(!p[1].significant, "{p:?}");
        let r = region.unwrap();
        assert_eq!(r.path, "b.key");
        assert!(r.above && (r.cut - 0.6).abs() < 0.011, "{r:?}");
        assert_eq!(r.share_in, 1.0);
        assert_eq!(r.share_out, 0.0);
    }

    #[test]
    fn classes_follow_the_shares() {
        let h = |counts: [u64; 3], region: Option<Region>| HypothesisRobustness {
            id: "x".into(),
            encoding: None,
            counts,
            in_direction: counts[0],
            predictors: Vec::new(),
            region,
        };
        assert_eq!(h([3, 0, 0], None).class(), "too few sets");
        assert_eq!(h([490, 0, 10], None).class(), "robust");
        assert_eq!(h([20, 30, 450], None).class(), "fails");
        let mut sign = h([20, 0, 480], None);
        sign.in_direction = 470;
        assert_eq!(sign.class(), "sign robust");
        assert_eq!(h([250, 0, 250], None).class(), "mixed");
        let region = Region {
            path: "a",
            cut: 0.5,
            above: true,
            share_in: 0.8,
            n_in: 200,
            share_out: 0.3,
        };
        assert_eq!(h([250, 0, 250], Some(region)).class(), "regional");
    }

    #[test]
    fn a_constant_verdict_has_no_predictor() {
        let y = vec![1.0; 20];
        let x: Vec<f64> = (0..20).map(f64::from).collect();
        assert_eq!(flip_predictors(&y, &[("x", x)]), (Vec::new(), None));
    }
}
