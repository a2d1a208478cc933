//! Calibration against the case packs: approximate Bayesian computation over a scenario's
//! `[prior]`, with a distance made of the pack's target patterns, a posterior predictive
//! check of the held-out patterns, and the posterior's use by `validate --posterior` and
//! `propositions --posterior` (docs/CALIBRATION.md).
//!
//! **The distance.** One simulation of the pack at parameter set θ runs every design point
//! `replications` times and measures every pattern as `dyadsim validate` does. Target
//! pattern k then has a *deficit*: how far its measured value lies on the wrong side of
//! what the pattern requires (0 when it is on the right side):
//!
//! | rule | deficit |
//! |---|---|
//! | `mean_above t` / `mean_below t` | `max(0, t − v)` / `max(0, v − t)`, divided by the scale |
//! | `share_above s` / `share_below s` | `max(0, s − v)` / `max(0, v − s)` (a share; scale 1) |
//! | `falls` / `rises` | `max(0, v)` / `max(0, −v)` for the mean change v, divided by the scale |
//! | `dips_then_recovers` | `√(max(0, fall)² + max(0, −rise)²)`, divided by the scale |
//!
//! A pattern that cannot be measured in a simulation (no run reached the phase it reads)
//! has deficit 1. The scale of a pattern on a continuous metric is the median absolute
//! deviation (×1.4826) of its measured value over `pilot` simulations at prior draws, so
//! that one scale unit is a typical prior spread; a mean of a 0/1 outcome is a share and
//! has scale 1. The distance is the root mean square of the deficits: 0 exactly when every
//! target pattern's measured value is on its required side.

pub mod abc;
pub mod figures;
pub mod posterior;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::params::spec;
use crate::model::{Dist, ParamSpec, Population, mix_seed};
use crate::output::{AtomicFile, OutputError, num, read_json_sealed, write_json_sealed};
use crate::scenario::{CalibrationMethod, CalibrationPlan, ScenarioError};
use crate::science::validation::{
    Outcome, Pack, PatternResult, Rule, ValidationError, judge, observe_pack, rule_str,
};
use crate::stats::share_stats;
use abc::{Generation, Model, Particle, SmcSettings, Stop};

/// Seed streams of calibration (apart from the ABC draws).
const PILOT: u64 = 21;
const PRIOR_DRAWS: u64 = 22;
const PREDICTIVE: u64 = 23;
const RESAMPLE: u64 = 24;
/// Draws of the prior that describe it (no simulation) in the parameter table and figures.
pub const PRIOR_SAMPLE: usize = 4000;
/// Attempts at a prior draw that every design point accepts.
const ATTEMPTS: u64 = 100;

/// Files written by `dyadsim calibrate`.
pub const POSTERIOR_FILE: &str = "posterior.csv";
/// Per generation: tolerance, simulations, acceptance, ESS.
pub const GENERATIONS_FILE: &str = "generations.csv";
/// Per parameter: prior and posterior summaries and how far the posterior moved.
pub const PARAMETERS_FILE: &str = "parameters.csv";
/// Per pattern: its role, scale, and the prior and posterior predictive checks.
pub const PREDICTIVE_FILE: &str = "predictive.csv";
/// The checkpoint, removed when the calibration finishes.
pub const CHECKPOINT_FILE: &str = "calibration.checkpoint.json";
/// The report.
pub const REPORT_FILE: &str = "CALIBRATION.md";

/// Errors of calibration.
#[derive(Debug, Error)]
pub enum CalibrationError {
    /// The scenario or its blocks are invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The pack is invalid.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// Writing or reading a file failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// Anything else, in words.
    #[error("{0}")]
    Other(String),
}

/// The pack as an ABC model: θ is the `[prior]`'s parameters, the distance is made of the
/// target patterns (see the module documentation).
pub struct PackModel<'a> {
    /// The pack.
    pub pack: &'a Pack,
    /// The prior.
    pub prior: Population,
    /// The prior's parameters, in its order.
    pub specs: Vec<&'static ParamSpec>,
    /// Their distributions.
    pub dists: Vec<Dist>,
    /// Indices of the target patterns in the pack.
    pub targets: Vec<usize>,
    /// Scale of each target's deficit.
    pub scales: Vec<f64>,
    /// Runs per design point in one simulation.
    pub reps: u64,
}

impl<'a> PackModel<'a> {
    /// The model of `pack` with `plan`'s targets (scales 1 until [`PackModel::set_scales`]).
    pub fn new(pack: &'a Pack, plan: &CalibrationPlan) -> PackModel<'a> {
        let prior = pack.scenario.prior.clone();
        let (specs, dists): (Vec<_>, Vec<_>) = prior.iter().map(|(s, d)| (s, d.clone())).unzip();
        let targets = plan
            .targets
            .iter()
            .filter_map(|t| pack.patterns.iter().position(|p| &p.id == t))
            .collect::<Vec<_>>();
        let scales = vec![1.0; targets.len()];
        PackModel {
            pack,
            prior,
            specs,
            dists,
            targets,
            scales,
            reps: plan.replications,
        }
    }

    /// The setting of θ.
    pub fn setting(&self, theta: &[f64]) -> Vec<(&'static ParamSpec, f64)> {
        self.specs
            .iter()
            .copied()
            .zip(theta.iter().copied())
            .collect()
    }

    /// Whether every design point accepts θ (the constraints between parameters).
    fn valid(&self, theta: &[f64]) -> bool {
        posterior::valid_in(self.pack, &self.setting(theta))
    }

    /// Every pattern measured in one simulation at θ.
    pub fn measure(&self, theta: &[f64], reps: u64, seed: u64) -> Vec<PatternResult> {
        let obs = observe_pack(self.pack, &self.setting(theta), reps, seed, false);
        judge(self.pack, &obs)
    }

    /// The deficits of the targets in `results`.
    pub fn deficits(&self, results: &[PatternResult]) -> Vec<f64> {
        self.targets
            .iter()
            .zip(&self.scales)
            .map(|(&k, &s)| deficit(&results[k], s))
            .collect()
    }

    /// Set the scales from pilot measurements (`pilot[i]` = every pattern at draw i).
    pub fn set_scales(&mut self, pilot: &[Vec<PatternResult>]) {
        self.scales = self
            .targets
            .iter()
            .map(|&k| {
                let p = &self.pack.patterns[k];
                if !continuous(p) {
                    return 1.0;
                }
                let v: Vec<f64> = pilot
                    .iter()
                    .map(|r| r[k].value[0])
                    .filter(|x| x.is_finite())
                    .collect();
                scale_of(&v)
            })
            .collect();
    }
}

/// Whether a pattern's measured value is on a continuous scale (else a share).
fn continuous(p: &crate::science::validation::Pattern) -> bool {
    match p.rule {
        Rule::ShareAbove { .. } | Rule::ShareBelow { .. } => false,
        Rule::MeanAbove(_) | Rule::MeanBelow(_) => !p.metric.binary(),
        _ => true,
    }
}

/// 1.4826 × the median absolute deviation of `v` (the mean absolute value, else 1, when
/// that is 0).
pub fn scale_of(v: &[f64]) -> f64 {
    let med = |x: &mut Vec<f64>| -> f64 {
        if x.is_empty() {
            return f64::NAN;
        }
        x.sort_by(f64::total_cmp);
        let n = x.len();
        if n % 2 == 1 {
            x[n / 2]
        } else {
            0.5 * (x[n / 2 - 1] + x[n / 2])
        }
    };
    let mut a = v.to_vec();
    let m = med(&mut a);
    let mut dev: Vec<f64> = v.iter().map(|x| (x - m).abs()).collect();
    let mad = 1.4826 * med(&mut dev);
    if mad.is_finite() && mad > 0.0 {
        return mad;
    }
    let mean_abs = v.iter().map(|x| x.abs()).sum::<f64>() / v.len().max(1) as f64;
    if mean_abs.is_finite() && mean_abs > 0.0 {
        mean_abs
    } else {
        1.0
    }
}

/// The deficit of a measured pattern (see the module documentation).
pub fn deficit(r: &PatternResult, scale: f64) -> f64 {
    let v = r.value[0];
    let rise = r.value.get(1).copied().unwrap_or(f64::NAN);
    // Not measurable (no run reached what the pattern reads): a full miss. Checked first,
    // because `f64::max` would turn a NaN into 0, i.e. into a pass.
    if v.is_nan() || (matches!(r.pattern.rule, Rule::DipsThenRecovers(..)) && rise.is_nan()) {
        return 1.0;
    }
    let d = match r.pattern.rule {
        Rule::MeanAbove(t) => (t - v).max(0.0),
        Rule::MeanBelow(t) => (v - t).max(0.0),
        Rule::ShareAbove { share, .. } => (share - v).max(0.0),
        Rule::ShareBelow { share, .. } => (v - share).max(0.0),
        Rule::Falls(..) => v.max(0.0),
        Rule::Rises(..) => (-v).max(0.0),
        Rule::DipsThenRecovers(..) => (v.max(0.0).powi(2) + (-rise).max(0.0).powi(2)).sqrt(),
    };
    d / scale
}

/// Root mean square.
pub fn rms(d: &[f64]) -> f64 {
    if d.is_empty() {
        return 0.0;
    }
    (d.iter().map(|x| x * x).sum::<f64>() / d.len() as f64).sqrt()
}

/// Log density (up to a constant) of `x` under `d` (`-inf` outside the support).
pub fn ln_pdf(d: &Dist, x: f64) -> f64 {
    if !x.is_finite() {
        return f64::NEG_INFINITY;
    }
    match d {
        Dist::Beta { a, b } => {
            if !(0.0..=1.0).contains(&x) {
                return f64::NEG_INFINITY;
            }
            let v = (a - 1.0) * x.ln() + (b - 1.0) * (1.0 - x).ln();
            if v.is_nan() { f64::NEG_INFINITY } else { v }
        }
        Dist::Normal { mean, sd, min, max } => {
            if min.is_some_and(|m| x < m) || max.is_some_and(|m| x > m) {
                return f64::NEG_INFINITY;
            }
            -0.5 * ((x - mean) / sd).powi(2)
        }
        Dist::Uniform { from, to } => {
            if x >= *from && x <= *to {
                0.0
            } else {
                f64::NEG_INFINITY
            }
        }
        Dist::Triangular { min, mode, max } => {
            let p = if x < *min || x > *max {
                0.0
            } else if x <= *mode {
                if mode > min {
                    (x - min) / (mode - min)
                } else {
                    1.0
                }
            } else if max > mode {
                (max - x) / (max - mode)
            } else {
                1.0
            };
            p.ln()
        }
        Dist::LogNormal { mu, sigma } => {
            if x <= 0.0 {
                return f64::NEG_INFINITY;
            }
            -x.ln() - 0.5 * ((x.ln() - mu) / sigma).powi(2)
        }
        Dist::Choice { .. } => f64::NEG_INFINITY,
    }
}

impl Model for PackModel<'_> {
    fn prior_sample(&self, seed: u64) -> Option<Vec<f64>> {
        (0..ATTEMPTS).find_map(|a| {
            let s = mix_seed(seed, a, 0);
            let theta: Vec<f64> = (0..self.specs.len())
                .map(|i| self.prior.draw(i, s))
                .collect();
            self.valid(&theta).then_some(theta)
        })
    }
    fn prior_ln_pdf(&self, theta: &[f64]) -> f64 {
        let lp: f64 = self
            .dists
            .iter()
            .zip(theta)
            .zip(&self.specs)
            .map(|((d, x), s)| {
                if *x < s.min || *x > s.max {
                    f64::NEG_INFINITY
                } else {
                    ln_pdf(d, *x)
                }
            })
            .sum();
        if lp.is_finite() && self.valid(theta) {
            lp
        } else {
            f64::NEG_INFINITY
        }
    }
    fn distance(&self, theta: &[f64], seed: u64) -> f64 {
        rms(&self.deficits(&self.measure(theta, self.reps, seed)))
    }
}

/// What was decided before the first generation: the pilot's scales.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Pilot {
    /// Simulations run.
    pub simulations: u64,
    /// Scale per target, in the plan's order.
    pub scales: Vec<f64>,
}

/// The state saved after every generation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
struct Checkpoint {
    /// Identifies the calibration: scenario hash, plan and seed.
    key: String,
    pilot: Pilot,
    generations: Vec<Generation>,
}

/// The result of a calibration.
#[derive(Clone, Debug)]
pub struct Calibration {
    /// The parameters, in θ's order.
    pub params: Vec<&'static ParamSpec>,
    /// Their prior distributions.
    pub dists: Vec<Dist>,
    /// The plan.
    pub plan: CalibrationPlan,
    /// The master seed.
    pub seed: u64,
    /// The pilot.
    pub pilot: Pilot,
    /// The generations (rejection: one).
    pub generations: Vec<Generation>,
    /// Why it stopped.
    pub stop: Stop,
    /// Simulations of a generation dropped for the budget.
    pub dropped: u64,
    /// Draws of the prior (for the parameter table and figures).
    pub prior_sample: Vec<Vec<f64>>,
    /// Per parameter: how far the posterior moved.
    pub movement: Vec<Movement>,
    /// Per pattern (pack order): the predictive checks.
    pub predictive: Vec<Predictive>,
    /// Wall time in seconds.
    pub seconds: f64,
}

impl Calibration {
    /// The posterior: the last generation's particles.
    pub fn posterior(&self) -> &[Particle] {
        self.generations.last().map_or(&[], |g| &g.particles)
    }
    /// The posterior as `validate --posterior` and `propositions --posterior` read it from
    /// `path`.
    pub fn posterior_file(&self, path: PathBuf) -> PosteriorFile {
        PosteriorFile {
            path,
            params: self.params.clone(),
            particles: self.posterior().to_vec(),
        }
    }
    /// Simulations run in all (pilot and a dropped generation included; the predictive
    /// checks not).
    pub fn simulations(&self) -> u64 {
        self.pilot.simulations
            + self.dropped
            + self.generations.iter().map(|g| g.simulations).sum::<u64>()
    }
}

/// How far the posterior of one parameter moved from its prior.
#[derive(Clone, Debug, PartialEq)]
pub struct Movement {
    /// Parameter path.
    pub path: &'static str,
    /// Prior mean and sd (from the prior sample).
    pub prior: (f64, f64),
    /// Posterior weighted mean and sd.
    pub posterior: (f64, f64),
    /// Posterior 5% and 95% quantiles.
    pub interval: (f64, f64),
    /// `1 − var_post / var_prior`.
    pub contraction: f64,
    /// `|mean_post − mean_prior| / sd_prior`.
    pub shift: f64,
}

/// Contraction at which a parameter counts as constrained by the patterns.
pub const CONSTRAINED_CONTRACTION: f64 = 0.2;
/// Shift (in prior sds) at which a parameter counts as constrained.
pub const CONSTRAINED_SHIFT: f64 = 0.5;

impl Movement {
    /// Whether the patterns constrain the parameter: its posterior variance is at least
    /// 20% below the prior's, or its mean moved by at least half a prior sd.
    pub fn constrained(&self) -> bool {
        self.contraction >= CONSTRAINED_CONTRACTION || self.shift >= CONSTRAINED_SHIFT
    }
}

/// The predictive check of one pattern.
#[derive(Clone, Debug)]
pub struct Predictive {
    /// Its role: `target`, `held out` or `not used`.
    pub role: &'static str,
    /// Its scale in the distance (targets only).
    pub scale: Option<f64>,
    /// Pooled over every run at the posterior draws, judged as `validate` judges.
    pub posterior: PatternResult,
    /// Pooled over every run at the prior draws.
    pub prior: PatternResult,
    /// Draws (posterior) at which the pattern passes on its own runs, and draws.
    pub posterior_draws: (u64, u64),
    /// Draws (prior) at which the pattern passes, and draws.
    pub prior_draws: (u64, u64),
}

/// Options of a calibration run.
pub struct Options<'a> {
    /// The output folder (created; locked by the caller).
    pub dir: &'a Path,
    /// Continue from the checkpoint in `dir`.
    pub resume: bool,
    /// Progress: `(phase, done, total)` — phase is `pilot`, `generation N`, `predictive`.
    pub progress: &'a (dyn Fn(&str, u64, u64) + Sync),
}

/// What identifies a calibration: the pack's whole text (its prior, patterns, coding and
/// design), its resolved scenario, the plan as run (with command-line changes) and the seed.
fn key_of(pack: &Pack, plan: &CalibrationPlan, seed: u64) -> String {
    let plan_json = serde_json::to_string(plan).unwrap_or_default();
    crate::scenario::fnv1a_hex(
        format!(
            "{}|{}|{}|{}|{}",
            pack.scenario.hash(),
            crate::scenario::fnv1a_hex(pack.scenario.source.as_bytes()),
            plan_json,
            seed,
            pack.file
        )
        .as_bytes(),
    )
}

/// Calibrate `pack` by `plan` with master seed `seed`.
pub fn calibrate(
    pack: &Pack,
    plan: &CalibrationPlan,
    seed: u64,
    opt: &Options,
) -> Result<Calibration, CalibrationError> {
    let start = std::time::Instant::now();
    let mut model = PackModel::new(pack, plan);
    let key = key_of(pack, plan, seed);
    let ckpt_path = opt.dir.join(CHECKPOINT_FILE);
    let resumed: Option<Checkpoint> = if opt.resume {
        if !ckpt_path.exists() {
            return Err(CalibrationError::Other(format!(
                "{}: no checkpoint to resume from (the calibration finished, or never started here); run without --resume",
                opt.dir.display()
            )));
        }
        let c: Checkpoint = read_json_sealed(
            &ckpt_path,
            "checkpoint",
            "run without --resume to start afresh",
        )?;
        if c.key != key {
            return Err(CalibrationError::Other(format!(
                "{}: the checkpoint is of another calibration (the pack file, the calibration options or the seed differ); run without --resume to start afresh",
                ckpt_path.display()
            )));
        }
        Some(c)
    } else {
        None
    };
    // The pilot: prior draws that set the scales.
    let pilot = match &resumed {
        Some(c) => c.pilot.clone(),
        None => {
            let n = plan.pilot;
            let done = std::sync::atomic::AtomicU64::new(0);
            let runs: Vec<Vec<PatternResult>> = (0..n)
                .into_par_iter()
                .filter_map(|i| {
                    let theta = model.prior_sample(mix_seed(seed, PILOT, i))?;
                    let r =
                        model.measure(&theta, plan.replications, mix_seed(seed, PILOT + 100, i));
                    let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                    (opt.progress)("pilot", d, n);
                    Some(r)
                })
                .collect();
            if runs.is_empty() {
                return Err(CalibrationError::Other(
                    "no draw of the [prior] satisfies the constraints between parameters at every design point".into(),
                ));
            }
            model.set_scales(&runs);
            Pilot {
                simulations: runs.len() as u64,
                scales: model.scales.clone(),
            }
        }
    };
    model.scales = pilot.scales.clone();
    let budget = plan.simulations.saturating_sub(pilot.simulations);
    let save = |gens: &[Generation]| -> Result<(), OutputError> {
        write_json_sealed(
            &ckpt_path,
            &Checkpoint {
                key: key.clone(),
                pilot: pilot.clone(),
                generations: gens.to_vec(),
            },
            false,
        )
    };
    let (generations, stop, dropped) = match plan.method {
        CalibrationMethod::Rejection => {
            let g = match resumed
                .as_ref()
                .and_then(|c| c.generations.first().cloned())
            {
                Some(g) => g,
                None => {
                    let g = abc::rejection(&model, budget, plan.particles, seed, &|n| {
                        (opt.progress)("rejection", n, budget)
                    });
                    save(std::slice::from_ref(&g))?;
                    g
                }
            };
            (vec![g], Stop::Target, 0)
        }
        CalibrationMethod::Smc => {
            let s = SmcSettings {
                particles: plan.particles,
                quantile: plan.quantile,
                min_acceptance: plan.min_acceptance,
                generations: plan.generations,
                budget,
                target: plan.tolerance,
            };
            let from = resumed.map(|c| c.generations).unwrap_or_default();
            abc::smc(
                &model,
                &s,
                seed,
                from,
                &|t, n| (opt.progress)(&format!("generation {t}"), n, 0),
                &mut |g| save(g),
            )?
        }
    };
    let prior_sample: Vec<Vec<f64>> = (0..PRIOR_SAMPLE as u64)
        .into_par_iter()
        .filter_map(|i| model.prior_sample(mix_seed(seed, PRIOR_DRAWS, i)))
        .collect();
    let posterior = &generations.last().expect("one generation").particles;
    if posterior.is_empty() {
        return Err(CalibrationError::Other(
            "no particle could be drawn from the [prior]: every draw broke a constraint between parameters at some design point".into(),
        ));
    }
    let movement = movement(&model.specs, &prior_sample, posterior);
    let predictive = predictive(&model, plan, seed, &prior_sample, posterior, opt.progress);
    let cal = Calibration {
        params: model.specs.clone(),
        dists: model.dists.clone(),
        plan: plan.clone(),
        seed,
        pilot,
        generations,
        stop,
        dropped,
        prior_sample,
        movement,
        predictive,
        seconds: start.elapsed().as_secs_f64(),
    };
    Ok(cal)
}

/// Remove the checkpoint (after the results are written).
pub fn finish(dir: &Path) -> Result<(), OutputError> {
    let p = dir.join(CHECKPOINT_FILE);
    if p.exists() {
        std::fs::remove_file(&p).map_err(crate::output::io_err(&p))?;
    }
    Ok(())
}

fn movement(
    specs: &[&'static ParamSpec],
    prior: &[Vec<f64>],
    posterior: &[Particle],
) -> Vec<Movement> {
    specs
        .iter()
        .enumerate()
        .map(|(j, s)| {
            let n = prior.len().max(1) as f64;
            let pm = prior.iter().map(|t| t[j]).sum::<f64>() / n;
            let psd = (prior.iter().map(|t| (t[j] - pm).powi(2)).sum::<f64>() / n).sqrt();
            let (qm, qsd) = abc::weighted_moments(posterior, j);
            let contraction = if psd > 0.0 {
                1.0 - (qsd * qsd) / (psd * psd)
            } else {
                0.0
            };
            let shift = if psd > 0.0 {
                (qm - pm).abs() / psd
            } else {
                0.0
            };
            Movement {
                path: s.path,
                prior: (pm, psd),
                posterior: (qm, qsd),
                interval: (
                    abc::weighted_quantile(posterior, j, 0.05),
                    abc::weighted_quantile(posterior, j, 0.95),
                ),
                contraction,
                shift,
            }
        })
        .collect()
}

fn predictive(
    model: &PackModel,
    plan: &CalibrationPlan,
    seed: u64,
    prior_sample: &[Vec<f64>],
    posterior: &[Particle],
    progress: &(dyn Fn(&str, u64, u64) + Sync),
) -> Vec<Predictive> {
    let n = plan.predictive_draws;
    let post: Vec<Vec<f64>> = abc::resample(posterior, n, mix_seed(seed, RESAMPLE, 0))
        .into_iter()
        .map(|i| posterior[i].theta.clone())
        .collect();
    let pri: Vec<Vec<f64>> = prior_sample.iter().take(n).cloned().collect();
    let total = (post.len() + pri.len()) as u64;
    let done = std::sync::atomic::AtomicU64::new(0);
    let tick = || {
        let d = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        progress("predictive", d, total);
    };
    let reps = plan.predictive_replications;
    let settings = |d: &[Vec<f64>]| -> Vec<Vec<(&'static ParamSpec, f64)>> {
        d.iter().map(|t| model.setting(t)).collect()
    };
    let check = |d: &[Vec<f64>], stream: u64| {
        posterior::run(
            model.pack,
            &settings(d),
            reps,
            mix_seed(seed, stream, 0),
            &tick,
        )
    };
    let post_r = check(&post, PREDICTIVE);
    let pri_r = check(&pri, PREDICTIVE + 1);
    model
        .pack
        .patterns
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let t = model.targets.iter().position(|&x| x == k);
            let role = if t.is_some() {
                "target"
            } else if plan.held_out.contains(&p.id) {
                "held out"
            } else {
                "not used"
            };
            Predictive {
                role,
                scale: t.map(|i| model.scales[i]),
                posterior: post_r[k].pooled.clone(),
                prior: pri_r[k].pooled.clone(),
                posterior_draws: (post_r[k].counts[0], post_r[k].draws()),
                prior_draws: (pri_r[k].counts[0], pri_r[k].draws()),
            }
        })
        .collect()
}

/// Write `posterior.csv`, `generations.csv`, `parameters.csv`, `predictive.csv`, the
/// figures and `CALIBRATION.md` into `dir`; returns the files written.
pub fn write(
    dir: &Path,
    pack: &Pack,
    cal: &Calibration,
    command: &str,
    extra: &str,
) -> Result<Vec<PathBuf>, CalibrationError> {
    let mut files = Vec::new();
    // posterior.csv
    let path = dir.join(POSTERIOR_FILE);
    let mut f = AtomicFile::create(&path)?;
    let mut head = vec!["particle".to_string(), "weight".into(), "distance".into()];
    head.extend(cal.params.iter().map(|p| p.path.to_string()));
    f.csv_row(&head)?;
    for (i, p) in cal.posterior().iter().enumerate() {
        let mut row = vec![i.to_string(), num(p.weight), num(p.distance)];
        row.extend(p.theta.iter().map(|x| num(*x)));
        f.csv_row(&row)?;
    }
    f.commit()?;
    files.push(path);
    // generations.csv
    let path = dir.join(GENERATIONS_FILE);
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&[
        "generation",
        "epsilon",
        "simulations",
        "proposals",
        "accepted",
        "acceptance",
        "ess",
    ])?;
    for g in &cal.generations {
        f.csv_row(&[
            g.index.to_string(),
            if g.epsilon.is_infinite() {
                "inf".to_string()
            } else {
                num(g.epsilon)
            },
            g.simulations.to_string(),
            g.proposals.to_string(),
            g.particles.len().to_string(),
            num(g.acceptance()),
            num(g.ess()),
        ])?;
    }
    f.commit()?;
    files.push(path);
    // parameters.csv
    let path = dir.join(PARAMETERS_FILE);
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&[
        "parameter",
        "prior",
        "prior_mean",
        "prior_sd",
        "posterior_mean",
        "posterior_sd",
        "posterior_q05",
        "posterior_q95",
        "contraction",
        "shift",
        "constrained",
    ])?;
    for (m, d) in cal.movement.iter().zip(&cal.dists) {
        f.csv_row(&[
            m.path.to_string(),
            dist_str(d),
            num(m.prior.0),
            num(m.prior.1),
            num(m.posterior.0),
            num(m.posterior.1),
            num(m.interval.0),
            num(m.interval.1),
            num(m.contraction),
            num(m.shift),
            m.constrained().to_string(),
        ])?;
    }
    f.commit()?;
    files.push(path);
    // predictive.csv
    let path = dir.join(PREDICTIVE_FILE);
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&[
        "id",
        "role",
        "rule",
        "scale",
        "posterior_value",
        "posterior_ci_lo",
        "posterior_ci_hi",
        "posterior_n",
        "posterior_verdict",
        "posterior_draws_passing",
        "posterior_draws",
        "prior_value",
        "prior_ci_lo",
        "prior_ci_hi",
        "prior_verdict",
        "prior_draws_passing",
        "prior_draws",
    ])?;
    for p in &cal.predictive {
        let r = &p.posterior;
        f.csv_row(&[
            r.pattern.id.clone(),
            p.role.to_string(),
            rule_str(&r.pattern),
            p.scale.map_or(String::new(), num),
            num(r.value[0]),
            num(r.ci[0].0),
            num(r.ci[0].1),
            r.n.to_string(),
            r.outcome.as_str().to_string(),
            p.posterior_draws.0.to_string(),
            p.posterior_draws.1.to_string(),
            num(p.prior.value[0]),
            num(p.prior.ci[0].0),
            num(p.prior.ci[0].1),
            p.prior.outcome.as_str().to_string(),
            p.prior_draws.0.to_string(),
            p.prior_draws.1.to_string(),
        ])?;
    }
    f.commit()?;
    files.push(path);
    files.extend(figures::write(dir, cal).map_err(|e| CalibrationError::Other(e.to_string()))?);
    let path = dir.join(REPORT_FILE);
    crate::output::write_text_atomic(&path, &markdown(pack, cal, command, extra))?;
    files.push(path);
    Ok(files)
}

/// A distribution in words.
pub fn dist_str(d: &Dist) -> String {
    match d {
        Dist::Beta { a, b } => format!("beta({}, {})", num(*a), num(*b)),
        Dist::Normal { mean, sd, min, max } => {
            let mut s = format!("normal({}, {})", num(*mean), num(*sd));
            if min.is_some() || max.is_some() {
                s.push_str(&format!(
                    " on [{}, {}]",
                    min.map_or("-inf".into(), num),
                    max.map_or("inf".into(), num)
                ));
            }
            s
        }
        Dist::Uniform { from, to } => format!("uniform({}, {})", num(*from), num(*to)),
        Dist::Triangular { min, mode, max } => {
            format!("triangular({}, {}, {})", num(*min), num(*mode), num(*max))
        }
        Dist::LogNormal { mu, sigma } => format!("lognormal({}, {})", num(*mu), num(*sigma)),
        Dist::Choice { values, .. } => format!("choice of {}", values.len()),
    }
}

/// `share (lo–hi)` of a count.
fn share_str(c: (u64, u64)) -> String {
    let (m, _, lo, hi) = share_stats(c.0, c.1);
    format!("{:.0}% [{:.0}, {:.0}]", 100.0 * m, 100.0 * lo, 100.0 * hi)
}

fn g3(x: f64) -> String {
    crate::output::sig(x)
}

/// The report.
pub fn markdown(pack: &Pack, cal: &Calibration, command: &str, extra: &str) -> String {
    let plan = &cal.plan;
    let mut s = String::new();
    let w = &mut s;
    let _ = writeln!(w, "# Calibration of `{}`\n", pack.file);
    let _ = writeln!(
        w,
        "Generated by `{command}` (dyadsim {}). Do not edit by hand: run the command again.\n",
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(
        w,
        "Method **{}**; {} parameters with a prior; {} target patterns, {} held out; {} runs per design point in each simulation of the pack ({} design points); master seed {}. {} simulations of the pack in {:.0} s ({} for the pilot that set the scales). The search stopped because {}.\n",
        match plan.method {
            CalibrationMethod::Smc => "ABC-SMC with adaptive tolerances",
            CalibrationMethod::Rejection => "rejection ABC",
        },
        cal.params.len(),
        plan.targets.len(),
        plan.held_out.len(),
        plan.replications,
        pack.scenario.points.len(),
        cal.seed,
        cal.simulations(),
        cal.seconds,
        cal.pilot.simulations,
        match plan.method {
            CalibrationMethod::Rejection =>
                "rejection ABC runs its whole budget once and keeps the closest draws",
            CalibrationMethod::Smc => cal.stop.describe(),
        }
    );
    let _ = writeln!(
        w,
        "The distance is the root mean square of the target patterns' deficits: how far each measured value lies on the wrong side of what the pattern requires (0 on the right side), shares as they are, continuous values in units of their spread over the pilot's prior draws (see `src/calibration/mod.rs`). A distance of 0 means every target pattern's measured value is on its required side.\n"
    );
    let _ = writeln!(w, "## Generations\n");
    let _ = writeln!(
        w,
        "| generation | tolerance | simulations | accepted | acceptance | ESS |\n|---|---|---|---|---|---|"
    );
    for g in &cal.generations {
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {:.3} | {:.0} |",
            g.index,
            if g.epsilon.is_finite() {
                g3(g.epsilon)
            } else {
                "∞".into()
            },
            g.simulations,
            g.particles.len(),
            g.acceptance(),
            g.ess()
        );
    }
    let post = cal.posterior();
    let zero = post.iter().filter(|p| p.distance == 0.0).count();
    let _ = writeln!(
        w,
        "\nThe posterior sample has {} particles (ESS {:.0}); {} of them at distance 0. Distances range from {} to {}.\n",
        post.len(),
        abc::ess(post.iter().map(|p| p.weight)),
        zero,
        g3(post
            .iter()
            .map(|p| p.distance)
            .fold(f64::INFINITY, f64::min)),
        g3(post.iter().map(|p| p.distance).fold(0.0, f64::max)),
    );
    let ess_post = abc::ess(post.iter().map(|p| p.weight));
    if !post.is_empty() && ess_post < 0.2 * post.len() as f64 {
        let wmax = post.iter().map(|p| p.weight).fold(0.0, f64::max);
        let _ = writeln!(
            w,
            "**Low effective sample size.** The posterior's ESS is {ess_post:.0} of {} particles: a few particles carry much of the weight (the heaviest {:.1}%), typically proposals that landed where the previous generation had few particles. Posterior summaries and the marginal figures are correspondingly noisy (single tall bars). A larger `particles` reduces this.\n",
            post.len(),
            100.0 * wmax
        );
    }
    let _ = writeln!(w, "## Parameters: prior and posterior\n");
    let _ = writeln!(
        w,
        "A parameter counts as **constrained** by the patterns when its posterior variance is at least {:.0}% below the prior's (contraction) or its mean moved by at least {} prior sd (shift); otherwise the patterns do not constrain it, and its posterior stays close to its prior.\n\n![Prior and posterior of each parameter](marginals.png)\n\n![Posterior particles for pairs of the parameters that moved most](pairs.png)\n",
        100.0 * CONSTRAINED_CONTRACTION,
        CONSTRAINED_SHIFT
    );
    let _ = writeln!(
        w,
        "| parameter | prior | prior mean (sd) | posterior mean (sd) | posterior 90% interval | contraction | shift | constrained? |\n|---|---|---|---|---|---|---|---|"
    );
    for (m, d) in cal.movement.iter().zip(&cal.dists) {
        let _ = writeln!(
            w,
            "| `{}` | {} | {} ({}) | {} ({}) | [{}, {}] | {:.2} | {:.2} | {} |",
            m.path,
            dist_str(d),
            g3(m.prior.0),
            g3(m.prior.1),
            g3(m.posterior.0),
            g3(m.posterior.1),
            g3(m.interval.0),
            g3(m.interval.1),
            m.contraction,
            m.shift,
            if m.constrained() {
                "**yes**"
            } else {
                "no: not constrained by the patterns"
            }
        );
    }
    for (title, role, intro) in [
        (
            "Held-out patterns: posterior predictive check",
            "held out",
            "These patterns were kept out of the fit. Each is measured over every run at the posterior draws (pooled) and judged as `dyadsim validate` judges; the share of posterior draws at which it passes on its own runs is given with a Wilson 95% interval, next to the same at prior draws.",
        ),
        (
            "Target patterns: fit",
            "target",
            "The patterns the distance is made of, measured the same way: how well the posterior reproduces what it was fitted to.",
        ),
        (
            "Other patterns",
            "not used",
            "Patterns of the pack neither fitted nor held out.",
        ),
    ] {
        let rows: Vec<&Predictive> = cal.predictive.iter().filter(|p| p.role == role).collect();
        if rows.is_empty() {
            continue;
        }
        let _ = writeln!(w, "\n## {title}\n\n{intro}\n");
        let _ = writeln!(
            w,
            "| id | pattern | rule | posterior: measured [95% CI] | verdict | draws passing (posterior) | prior: measured | verdict | draws passing (prior) |\n|---|---|---|---|---|---|---|---|---|"
        );
        for p in rows {
            let r = &p.posterior;
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} [{}, {}] | **{}** | {} | {} | {} | {} |",
                r.pattern.id,
                r.pattern.description,
                rule_str(&r.pattern),
                g3(r.value[0]),
                g3(r.ci[0].0),
                g3(r.ci[0].1),
                r.outcome.as_str(),
                share_str(p.posterior_draws),
                g3(p.prior.value[0]),
                p.prior.outcome.as_str(),
                share_str(p.prior_draws),
            );
        }
        if role == "held out" {
            let pass = cal
                .predictive
                .iter()
                .filter(|p| p.role == role && p.posterior.outcome == Outcome::Pass)
                .count();
            let n = cal.predictive.iter().filter(|p| p.role == role).count();
            let _ = writeln!(
                w,
                "\n{pass} of {n} held-out patterns pass at the posterior ({} prior and {} posterior draws, {} runs per design point each).",
                cal.plan.predictive_draws.min(cal.prior_sample.len()),
                cal.plan.predictive_draws,
                cal.plan.predictive_replications
            );
        }
    }
    // What the calibration did, in words.
    let count = |role: &str, o: Outcome, prior: bool| {
        cal.predictive
            .iter()
            .filter(|p| p.role == role)
            .filter(|p| {
                if prior {
                    p.prior.outcome == o
                } else {
                    p.posterior.outcome == o
                }
            })
            .count()
    };
    let n_t = cal.predictive.iter().filter(|p| p.role == "target").count();
    let _ = writeln!(
        w,
        "\n## Summary\n\n- Target patterns passing: {} of {n_t} at the posterior draws, {} at the prior draws (pooled over each set of draws).",
        count("target", Outcome::Pass, false),
        count("target", Outcome::Pass, true)
    );
    let n_h = cal
        .predictive
        .iter()
        .filter(|p| p.role == "held out")
        .count();
    if n_h > 0 {
        let _ = writeln!(
            w,
            "- Held-out patterns passing: {} of {n_h} at the posterior draws, {} at the prior draws.",
            count("held out", Outcome::Pass, false),
            count("held out", Outcome::Pass, true)
        );
    }
    let free: Vec<String> = cal
        .movement
        .iter()
        .filter(|m| !m.constrained())
        .map(|m| format!("`{}`", m.path))
        .collect();
    let _ = writeln!(
        w,
        "- Parameters the patterns do not constrain (their posterior stays close to their prior): {}.",
        if free.is_empty() {
            "none".to_string()
        } else {
            free.join(", ")
        }
    );
    let still: Vec<&Predictive> = cal
        .predictive
        .iter()
        .filter(|p| p.role != "not used" && p.posterior.outcome != Outcome::Pass)
        .collect();
    if !still.is_empty() {
        let _ = writeln!(
            w,
            "\n### Patterns not reproduced in the posterior region\n\nMeasured over the posterior draws; no pattern was removed or loosened after the fit. The note is the pack's explanation of the same pattern at the hand-set defaults (docs/VALIDATION.md).\n"
        );
        for p in still {
            let r = &p.posterior;
            let _ = writeln!(
                w,
                "- **{}** ({}, {}): {} measured {} [{}, {}].{}",
                r.pattern.id,
                p.role,
                r.outcome.as_str(),
                rule_str(&r.pattern),
                g3(r.value[0]),
                g3(r.ci[0].0),
                g3(r.ci[0].1),
                r.pattern
                    .note
                    .as_ref()
                    .map_or(String::new(), |n| format!(" At the defaults: {n}"))
            );
        }
    }
    if !extra.is_empty() {
        let _ = writeln!(w, "\n{extra}");
    }
    s
}

/// A posterior read back from `posterior.csv`: parameter paths and weighted samples.
#[derive(Clone, Debug)]
pub struct PosteriorFile {
    /// The file.
    pub path: PathBuf,
    /// Parameters, in the file's column order.
    pub params: Vec<&'static ParamSpec>,
    /// The particles.
    pub particles: Vec<Particle>,
}

impl PosteriorFile {
    /// Read `posterior.csv` (as `dyadsim calibrate` writes it), checking every cell.
    pub fn read(path: &Path) -> Result<PosteriorFile, CalibrationError> {
        let bad = |m: String| {
            CalibrationError::Output(OutputError::Format {
                path: path.to_path_buf(),
                message: m,
            })
        };
        let mut r = csv::Reader::from_path(path).map_err(|e| bad(format!("cannot read: {e}")))?;
        let head = r
            .headers()
            .map_err(|e| bad(format!("cannot read the header: {e}")))?
            .clone();
        if head.len() < 4
            || &head[0] != "particle"
            || &head[1] != "weight"
            || &head[2] != "distance"
        {
            return Err(bad(
                "not a posterior.csv of dyadsim calibrate: the header must start with particle,weight,distance and name at least one parameter".into(),
            ));
        }
        let mut params = Vec::new();
        for h in head.iter().skip(3) {
            let s = spec(h).ok_or_else(|| {
                bad(format!(
                    "column `{h}` is not a parameter of this version of dyadsim"
                ))
            })?;
            params.push(s);
        }
        let mut particles = Vec::new();
        for (i, rec) in r.records().enumerate() {
            let rec = rec.map_err(|e| bad(format!("row {}: {e}", i + 2)))?;
            let cell = |j: usize| -> Result<f64, CalibrationError> {
                rec.get(j)
                    .and_then(|c| c.parse::<f64>().ok())
                    .ok_or_else(|| {
                        bad(format!(
                            "row {}, column `{}`: not a number",
                            i + 2,
                            &head[j]
                        ))
                    })
            };
            let weight = cell(1)?;
            if !(weight.is_finite() && weight >= 0.0) {
                return Err(bad(format!("row {}: weight {weight} is not >= 0", i + 2)));
            }
            let theta = (3..head.len()).map(&cell).collect::<Result<Vec<_>, _>>()?;
            for (s, v) in params.iter().zip(&theta) {
                crate::model::params::check_value(s, *v)
                    .map_err(|e| bad(format!("row {}: {e}", i + 2)))?;
            }
            particles.push(Particle {
                theta,
                weight,
                distance: cell(2)?,
            });
        }
        let total: f64 = particles.iter().map(|p| p.weight).sum();
        if particles.is_empty() || total <= 0.0 {
            return Err(bad("no particle with a positive weight".into()));
        }
        for p in &mut particles {
            p.weight /= total;
        }
        Ok(PosteriorFile {
            path: path.to_path_buf(),
            params,
            particles,
        })
    }

    /// `n` parameter sets drawn from the posterior by systematic resampling (deterministic
    /// for `seed`).
    pub fn draws(&self, n: usize, seed: u64) -> Vec<Vec<(&'static ParamSpec, f64)>> {
        abc::resample(&self.particles, n, mix_seed(seed, RESAMPLE, 1))
            .into_iter()
            .map(|i| {
                self.params
                    .iter()
                    .copied()
                    .zip(self.particles[i].theta.iter().copied())
                    .collect()
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::Overrides;
    use crate::science::validation::parse_pack;

    const PACK: &str = r#"
[scenario]
name = "d"
replications = 4
months = 24

[[pattern]]
id = "M"
source = "test"
description = "a mean above 0.2"
metric = "knowledge"
rule = "mean_above"
threshold = 0.2

[[pattern]]
id = "S"
source = "test"
description = "a share below 0.3"
metric = "skipped_execution"
rule = "share_below"
threshold = 0.3

[[pattern]]
id = "F"
source = "test"
description = "a fall"
metric = "asymmetry"
rule = "falls"
from = "preparation:entry"
to = "preparation:exit"

[[pattern]]
id = "D"
source = "test"
description = "a dip"
metric = "asymmetry"
rule = "dips_then_recovers"
from = "preparation:entry"
mid = "preparation:exit"
to = "integration:exit"
"#;

    fn result(k: usize, value: Vec<f64>) -> PatternResult {
        let pack = parse_pack(PACK, "d.toml", Overrides::default()).unwrap();
        PatternResult {
            pack: pack.file.clone(),
            pattern: pack.patterns[k].clone(),
            ci: value.iter().map(|v| (*v, *v)).collect(),
            value,
            n: 1,
            outcome: Outcome::Inconclusive,
        }
    }

    #[test]
    fn deficits_measure_the_wrong_side_and_count_the_unmeasurable_as_a_full_miss() {
        // On the required side: 0.
        assert_eq!(deficit(&result(0, vec![0.5]), 0.1), 0.0);
        assert_eq!(deficit(&result(1, vec![0.1]), 1.0), 0.0);
        assert_eq!(deficit(&result(2, vec![-0.2]), 0.5), 0.0);
        assert_eq!(deficit(&result(3, vec![-0.1, 0.2]), 1.0), 0.0);
        // On the wrong side: the distance, scaled.
        assert!((deficit(&result(0, vec![0.1]), 0.05) - 2.0).abs() < 1e-12);
        assert!((deficit(&result(1, vec![0.5]), 1.0) - 0.2).abs() < 1e-12);
        assert!((deficit(&result(2, vec![0.3]), 0.1) - 3.0).abs() < 1e-12);
        assert!((deficit(&result(3, vec![0.3, -0.4]), 1.0) - 0.5).abs() < 1e-12);
        // Not measurable: 1, whatever the rule (f64::max would have made it 0).
        for k in 0..3 {
            assert_eq!(deficit(&result(k, vec![f64::NAN]), 0.1), 1.0);
        }
        assert_eq!(deficit(&result(3, vec![-0.1, f64::NAN]), 1.0), 1.0);
        assert_eq!(rms(&[0.0, 1.0, 1.0, 0.0]), (0.5f64).sqrt());
    }

    #[test]
    fn scales_are_robust_spreads_with_fallbacks() {
        let s = scale_of(&[1.0, 2.0, 3.0, 4.0, 100.0]);
        assert!((s - 1.4826).abs() < 1e-12, "{s}");
        assert_eq!(scale_of(&[0.5, 0.5, 0.5]), 0.5);
        assert_eq!(scale_of(&[0.0, 0.0]), 1.0);
        assert_eq!(scale_of(&[]), 1.0);
    }
}
