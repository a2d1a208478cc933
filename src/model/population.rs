//! A population of dyads: parameters drawn once per run from distributions.
//!
//! A scenario may give any parameter a distribution instead of a number ([`Dist`]); the
//! [`Population`] holds them in [`PARAM_SPECS`] order and [`Population::realise`] turns the
//! base parameters of a design point and a run seed into the run's parameters, with every
//! distributed parameter drawn. The model kernel is unchanged: it sees plain [`Params`].
//!
//! Common random numbers: each distributed parameter draws from its own Xoshiro256++
//! stream, seeded with `mix_seed(run_seed, POPULATION_STREAM, i)` where `i` is the
//! parameter's index in [`PARAM_SPECS`]. A parameter's draw therefore depends only on the
//! run seed and its own distribution, not on which other parameters are distributed, and
//! two runs with the same seed (the levels of a paired hypothesis) draw the same values.
//!
//! Every distribution is checked against its parameter's range when it is built
//! ([`Dist::check`]): its support must lie inside `[min, max]`, so every draw is a valid
//! value, and the corners of the supports are checked against the cross-parameter rules of
//! [`Params::validate`] ([`Population::check_corners`]).

use std::sync::Arc;

use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Beta, Distribution, LogNormal, Normal, Triangular, Uniform};
use serde::Serialize;
use statrs::function::erf::{erfc, erfc_inv};

use super::params::{PARAM_SPECS, ParamError, ParamKind, ParamSpec, Params, check_value};
use super::seed::mix_seed;

/// Stream id of the population draws (1 = events, 2 = noise; see `docs/MODEL.md`).
pub const POPULATION_STREAM: u64 = 3;

/// Smallest probability a truncated normal may put inside its bounds; below this the
/// scenario is rejected (rejection sampling would almost never accept).
pub const MIN_ACCEPTANCE: f64 = 1e-6;

/// Most upper-tail probability a lognormal may put above its parameter's maximum.
pub const MAX_LOGNORMAL_TAIL: f64 = 1e-9;

/// Rejection-sampling tries before a truncated draw falls back to the inverse CDF.
pub const MAX_TRIES: usize = 1000;

/// A distribution of one parameter, drawn once per run.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "dist", rename_all = "lowercase")]
pub enum Dist {
    /// Beta(a, b) on [0, 1].
    Beta {
        /// Shape a > 0.
        a: f64,
        /// Shape b > 0.
        b: f64,
    },
    /// Normal(mean, sd), truncated to `[min, max]` when given (by rejection).
    Normal {
        /// Mean of the untruncated normal.
        mean: f64,
        /// Standard deviation of the untruncated normal, > 0.
        sd: f64,
        /// Lower truncation bound.
        #[serde(skip_serializing_if = "Option::is_none")]
        min: Option<f64>,
        /// Upper truncation bound.
        #[serde(skip_serializing_if = "Option::is_none")]
        max: Option<f64>,
    },
    /// Uniform on [from, to).
    Uniform {
        /// Lower end.
        from: f64,
        /// Upper end (> from).
        to: f64,
    },
    /// Triangular on [min, max] with its peak at `mode`.
    Triangular {
        /// Lower end.
        min: f64,
        /// Most likely value.
        mode: f64,
        /// Upper end.
        max: f64,
    },
    /// LogNormal: `exp(N(mu, sigma))`, on (0, ∞).
    #[serde(rename = "lognormal")]
    LogNormal {
        /// Mean of the logarithm.
        mu: f64,
        /// Standard deviation of the logarithm, > 0.
        sigma: f64,
    },
    /// One of `values`, with probabilities proportional to `weights` (equal when absent).
    Choice {
        /// The values.
        values: Vec<f64>,
        /// Non-negative weights, one per value.
        #[serde(skip_serializing_if = "Option::is_none")]
        weights: Option<Vec<f64>>,
    },
}

/// Why a distribution was rejected: the message, and the key of the distribution's table
/// it is about (for locating it in a file), if one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DistError {
    /// The key of the distribution's table at fault (`a`, `sd`, `values`, ...), if one.
    pub key: Option<&'static str>,
    /// What is wrong.
    pub message: String,
}

fn dist_err(key: Option<&'static str>, message: impl Into<String>) -> DistError {
    DistError {
        key,
        message: message.into(),
    }
}

/// Φ, the standard normal CDF.
fn phi(x: f64) -> f64 {
    0.5 * erfc(-x / std::f64::consts::SQRT_2)
}
/// Q = 1 − Φ, the standard normal upper tail.
fn q(x: f64) -> f64 {
    0.5 * erfc(x / std::f64::consts::SQRT_2)
}
/// The standard normal density.
fn density(x: f64) -> f64 {
    if x.is_finite() {
        (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt()
    } else {
        0.0
    }
}
/// P(α ≤ Z ≤ β) for a standard normal Z, without cancellation in the upper tail.
fn mass(alpha: f64, beta: f64) -> f64 {
    if alpha > 0.0 {
        q(alpha) - q(beta)
    } else {
        phi(beta) - phi(alpha)
    }
}
/// The standard normal quantile of `u` restricted to [α, β] (inverse CDF of the truncated
/// standard normal at `u` in [0, 1)).
pub(crate) fn truncated_quantile(alpha: f64, beta: f64, u: f64) -> f64 {
    let z = if alpha > 0.0 {
        // Work in the upper tail: Q(z) = Q(α) − u·mass.
        let t = q(alpha) - u * mass(alpha, beta);
        std::f64::consts::SQRT_2 * erfc_inv(2.0 * t)
    } else {
        let t = phi(alpha) + u * mass(alpha, beta);
        -std::f64::consts::SQRT_2 * erfc_inv(2.0 * t)
    };
    // Rounding only: the exact quantile lies in [α, β].
    z.clamp(alpha, beta)
}

impl Dist {
    /// The names accepted for `dist`.
    pub const NAMES: [&str; 6] = [
        "beta",
        "normal",
        "uniform",
        "triangular",
        "lognormal",
        "choice",
    ];

    /// The keys of distribution `name`'s table besides `dist` (required ones first).
    pub fn keys(name: &str) -> &'static [&'static str] {
        match name {
            "beta" => &["a", "b"],
            "normal" => &["mean", "sd", "min", "max"],
            "uniform" => &["from", "to"],
            "triangular" => &["min", "mode", "max"],
            "lognormal" => &["mu", "sigma"],
            "choice" => &["values", "weights"],
            _ => &[],
        }
    }

    /// The name used for `dist`.
    pub fn name(&self) -> &'static str {
        match self {
            Dist::Beta { .. } => "beta",
            Dist::Normal { .. } => "normal",
            Dist::Uniform { .. } => "uniform",
            Dist::Triangular { .. } => "triangular",
            Dist::LogNormal { .. } => "lognormal",
            Dist::Choice { .. } => "choice",
        }
    }

    /// The smallest and largest value a draw can take.
    pub fn support(&self) -> (f64, f64) {
        match self {
            Dist::Beta { .. } => (0.0, 1.0),
            Dist::Normal { min, max, .. } => (
                min.unwrap_or(f64::NEG_INFINITY),
                max.unwrap_or(f64::INFINITY),
            ),
            Dist::Uniform { from, to } => (*from, *to),
            Dist::Triangular { min, max, .. } => (*min, *max),
            Dist::LogNormal { .. } => (0.0, f64::INFINITY),
            Dist::Choice { values, .. } => values
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                    (lo.min(*v), hi.max(*v))
                }),
        }
    }

    /// The analytic mean (a truncated normal's mean is that of the truncated distribution;
    /// a lognormal's ignores the negligible tail above its parameter's maximum).
    pub fn mean(&self) -> f64 {
        match self {
            Dist::Beta { a, b } => a / (a + b),
            Dist::Normal { mean, sd, min, max } => {
                let alpha = (min.unwrap_or(f64::NEG_INFINITY) - mean) / sd;
                let beta = (max.unwrap_or(f64::INFINITY) - mean) / sd;
                mean + sd * (density(alpha) - density(beta)) / mass(alpha, beta)
            }
            Dist::Uniform { from, to } => 0.5 * (from + to),
            Dist::Triangular { min, mode, max } => (min + mode + max) / 3.0,
            Dist::LogNormal { mu, sigma } => (mu + 0.5 * sigma * sigma).exp(),
            Dist::Choice { values, weights } => {
                let w = |i: usize| weights.as_ref().map_or(1.0, |w| w[i]);
                let total: f64 = (0..values.len()).map(w).sum();
                values
                    .iter()
                    .enumerate()
                    .map(|(i, v)| w(i) * v)
                    .sum::<f64>()
                    / total
            }
        }
    }

    /// The value the base parameters hold where one value stands for the distribution (the
    /// base point of a one-at-a-time sweep, `dyadsim check`): the mean, or for a choice the
    /// most likely value (the first of equals), kept inside the parameter's range.
    pub fn typical(&self, spec: &ParamSpec) -> f64 {
        let v = match self {
            Dist::Choice { values, weights } => {
                let w = |i: usize| weights.as_ref().map_or(1.0, |w| w[i]);
                let mut best = 0;
                for i in 1..values.len() {
                    if w(i) > w(best) {
                        best = i;
                    }
                }
                values[best]
            }
            other => other.mean(),
        };
        v.clamp(spec.min, spec.max)
    }

    /// Check the distribution's own parameters, and that its support lies inside `spec`'s
    /// range (whole-number parameters and switches take only `choice`).
    pub fn check(&self, spec: &'static ParamSpec) -> Result<(), DistError> {
        let range = format!("{} ..= {}", spec.min, spec.max);
        let finite = |key: &'static str, v: f64| {
            if v.is_finite() {
                Ok(())
            } else {
                Err(dist_err(
                    Some(key),
                    format!("`{key}` = {v} is not a finite number"),
                ))
            }
        };
        if spec.kind != ParamKind::Real && !matches!(self, Dist::Choice { .. }) {
            let what = match spec.kind {
                ParamKind::Integer => "a whole-number parameter",
                _ => "a switch",
            };
            return Err(dist_err(
                Some("dist"),
                format!(
                    "{what} takes only dist = \"choice\" (or a plain value), not \"{}\"",
                    self.name()
                ),
            ));
        }
        let inside = |key: &'static str, v: f64| {
            if v < spec.min || v > spec.max {
                Err(dist_err(
                    Some(key),
                    format!("`{key}` = {v} is outside the parameter's range: allowed {range}"),
                ))
            } else {
                Ok(())
            }
        };
        match self {
            Dist::Beta { a, b } => {
                for (k, v) in [("a", *a), ("b", *b)] {
                    finite(k, v)?;
                    if v <= 0.0 {
                        return Err(dist_err(Some(k), format!("beta `{k}` = {v} must be > 0")));
                    }
                }
                if spec.min > 0.0 || spec.max < 1.0 {
                    return Err(dist_err(
                        Some("dist"),
                        format!(
                            "a beta takes values in 0 ..= 1, outside the parameter's range: allowed {range}"
                        ),
                    ));
                }
            }
            Dist::Normal { mean, sd, min, max } => {
                finite("mean", *mean)?;
                finite("sd", *sd)?;
                if *sd <= 0.0 {
                    return Err(dist_err(
                        Some("sd"),
                        format!("normal `sd` = {sd} must be > 0"),
                    ));
                }
                for (k, bound, need) in [("min", *min, spec.min), ("max", *max, spec.max)] {
                    match bound {
                        Some(v) => {
                            finite(k, v)?;
                            inside(k, v)?;
                        }
                        None if need.is_finite() => {
                            return Err(dist_err(
                                Some(k),
                                format!(
                                    "an untruncated normal puts values outside the parameter's range (allowed {range}); truncate it with `min` and `max` inside that range"
                                ),
                            ));
                        }
                        None => {}
                    }
                }
                let (lo, hi) = self.support();
                if lo >= hi {
                    return Err(dist_err(
                        Some("max"),
                        format!("normal `min` = {lo} must be below `max` = {hi}"),
                    ));
                }
                let p = mass((lo - mean) / sd, (hi - mean) / sd);
                if p.is_nan() || p < MIN_ACCEPTANCE {
                    return Err(dist_err(
                        Some("mean"),
                        format!(
                            "a normal with `mean` = {mean} and `sd` = {sd} puts only {p:.1e} of its probability in {lo} ..= {hi} (at least {MIN_ACCEPTANCE:e} is needed); move the mean or widen the bounds"
                        ),
                    ));
                }
            }
            Dist::Uniform { from, to } => {
                finite("from", *from)?;
                finite("to", *to)?;
                if from >= to {
                    return Err(dist_err(
                        Some("to"),
                        format!("uniform `from` = {from} must be below `to` = {to}"),
                    ));
                }
                inside("from", *from)?;
                inside("to", *to)?;
            }
            Dist::Triangular { min, mode, max } => {
                for (k, v) in [("min", *min), ("mode", *mode), ("max", *max)] {
                    finite(k, v)?;
                }
                if min >= max {
                    return Err(dist_err(
                        Some("max"),
                        format!("triangular `min` = {min} must be below `max` = {max}"),
                    ));
                }
                if mode < min || mode > max {
                    return Err(dist_err(
                        Some("mode"),
                        format!(
                            "triangular `mode` = {mode} must lie in `min` ..= `max` ({min} ..= {max})"
                        ),
                    ));
                }
                inside("min", *min)?;
                inside("max", *max)?;
            }
            Dist::LogNormal { mu, sigma } => {
                finite("mu", *mu)?;
                finite("sigma", *sigma)?;
                if *sigma <= 0.0 {
                    return Err(dist_err(
                        Some("sigma"),
                        format!("lognormal `sigma` = {sigma} must be > 0"),
                    ));
                }
                if spec.min > 0.0 {
                    return Err(dist_err(
                        Some("dist"),
                        format!(
                            "a lognormal takes values near 0, below the parameter's range (allowed {range}); use a truncated normal, a uniform or a triangular"
                        ),
                    ));
                }
                let tail = q((spec.max.ln() - mu) / sigma);
                if tail.is_nan() || tail >= MAX_LOGNORMAL_TAIL {
                    return Err(dist_err(
                        Some("mu"),
                        format!(
                            "a lognormal with `mu` = {mu} and `sigma` = {sigma} puts {tail:.1e} of its probability above the parameter's maximum ({}; at most {MAX_LOGNORMAL_TAIL:e} is allowed); lower mu or sigma",
                            spec.max
                        ),
                    ));
                }
            }
            Dist::Choice { values, weights } => {
                if values.is_empty() {
                    return Err(dist_err(Some("values"), "choice `values` is empty"));
                }
                for v in values {
                    check_value(spec, *v)
                        .map_err(|e| dist_err(Some("values"), format!("choice `values`: {e}")))?;
                }
                if let Some(w) = weights {
                    if w.len() != values.len() {
                        return Err(dist_err(
                            Some("weights"),
                            format!(
                                "choice has {} `weights` for {} values; give one weight per value",
                                w.len(),
                                values.len()
                            ),
                        ));
                    }
                    if let Some(x) = w.iter().find(|x| !x.is_finite() || **x < 0.0) {
                        return Err(dist_err(
                            Some("weights"),
                            format!("choice `weights`: {x} must be a finite number >= 0"),
                        ));
                    }
                    let total: f64 = w.iter().sum();
                    if !(total > 0.0 && total.is_finite()) {
                        return Err(dist_err(
                            Some("weights"),
                            "choice `weights` must have a positive, finite sum",
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

/// A distribution ready to draw from (built from a checked [`Dist`]).
#[derive(Clone, Debug)]
enum Sampler {
    Beta(Beta<f64>),
    Normal {
        normal: Normal<f64>,
        lo: f64,
        hi: f64,
        alpha: f64,
        beta: f64,
        mean: f64,
        sd: f64,
    },
    Uniform(Uniform<f64>),
    Triangular(Triangular<f64>),
    LogNormal {
        dist: LogNormal<f64>,
        max: f64,
        mu: f64,
        sigma: f64,
    },
    /// Values and their cumulative weights.
    Choice(Vec<f64>, Vec<f64>),
}

impl Sampler {
    /// `None` for a distribution that [`Dist::check`] rejects.
    fn new(d: &Dist, spec: &ParamSpec) -> Option<Sampler> {
        Some(match d {
            Dist::Beta { a, b } => Sampler::Beta(Beta::new(*a, *b).ok()?),
            Dist::Normal { mean, sd, .. } => {
                let (lo, hi) = d.support();
                Sampler::Normal {
                    normal: Normal::new(*mean, *sd).ok()?,
                    lo,
                    hi,
                    alpha: (lo - mean) / sd,
                    beta: (hi - mean) / sd,
                    mean: *mean,
                    sd: *sd,
                }
            }
            Dist::Uniform { from, to } => Sampler::Uniform(Uniform::new(*from, *to).ok()?),
            Dist::Triangular { min, mode, max } => {
                Sampler::Triangular(Triangular::new(*min, *max, *mode).ok()?)
            }
            Dist::LogNormal { mu, sigma } => Sampler::LogNormal {
                dist: LogNormal::new(*mu, *sigma).ok()?,
                max: spec.max,
                mu: *mu,
                sigma: *sigma,
            },
            Dist::Choice { values, weights } => {
                let mut acc = 0.0;
                let cum = (0..values.len())
                    .map(|i| {
                        acc += weights.as_ref().map_or(1.0, |w| w[i]);
                        acc
                    })
                    .collect();
                Sampler::Choice(values.clone(), cum)
            }
        })
    }

    fn sample(&self, rng: &mut Xoshiro256PlusPlus) -> f64 {
        use rand::RngExt;
        match self {
            Sampler::Beta(d) => d.sample(rng),
            Sampler::Normal {
                normal,
                lo,
                hi,
                alpha,
                beta,
                mean,
                sd,
            } => {
                // Rejection from the untruncated normal; after MAX_TRIES (likely only when
                // little probability lies in the bounds) an exact inverse-CDF draw.
                for _ in 0..MAX_TRIES {
                    let x = normal.sample(rng);
                    if x >= *lo && x <= *hi {
                        return x;
                    }
                }
                let u: f64 = rng.random();
                (mean + sd * truncated_quantile(*alpha, *beta, u)).clamp(*lo, *hi)
            }
            Sampler::Uniform(d) => d.sample(rng),
            Sampler::Triangular(d) => d.sample(rng),
            Sampler::LogNormal {
                dist,
                max,
                mu,
                sigma,
            } => {
                // A draw above the parameter's maximum (probability below
                // MAX_LOGNORMAL_TAIL) is drawn again, as for the truncated normal.
                for _ in 0..MAX_TRIES {
                    let x = dist.sample(rng);
                    if x <= *max {
                        return x;
                    }
                }
                let u: f64 = rng.random();
                let z = truncated_quantile(f64::NEG_INFINITY, (max.ln() - mu) / sigma, u);
                (mu + sigma * z).exp().min(*max)
            }
            Sampler::Choice(values, cum) => {
                let total = cum.last().copied().unwrap_or(1.0);
                let u: f64 = rng.random::<f64>() * total;
                // The first value whose cumulative weight exceeds u: a zero weight never wins.
                let i = cum
                    .iter()
                    .position(|c| u < *c)
                    .or_else(|| cum.iter().position(|c| *c >= total))
                    .unwrap_or(0);
                values[i]
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Entry {
    spec: &'static ParamSpec,
    /// Index of the parameter in [`PARAM_SPECS`] (its stream).
    index: u64,
    dist: Dist,
    sampler: Sampler,
}

/// Why a population was rejected.
#[derive(Clone, Debug, PartialEq)]
pub enum PopulationError {
    /// A distribution is invalid for its parameter.
    Dist {
        /// Parameter path.
        path: &'static str,
        /// What is wrong.
        error: DistError,
    },
    /// The same parameter has two distributions.
    Duplicate(&'static str),
    /// Some draws break a rule between parameters (e.g. `power.level_low` below
    /// `power.level_high`).
    Corner(ParamError),
}

impl std::fmt::Display for PopulationError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PopulationError::Dist { path, error } => write!(f, "`{path}`: {}", error.message),
            PopulationError::Duplicate(p) => write!(f, "`{p}` has two distributions"),
            PopulationError::Corner(e) => write!(
                f,
                "the distributions can draw invalid parameters: {e} (at the ends of their supports)"
            ),
        }
    }
}

impl std::error::Error for PopulationError {}

/// The distributed parameters of a scenario, in [`PARAM_SPECS`] order. Cheap to clone (the
/// list is shared).
#[derive(Clone, Debug, Default)]
pub struct Population {
    entries: Arc<[Entry]>,
}

impl PartialEq for Population {
    fn eq(&self, other: &Self) -> bool {
        self.entries.len() == other.entries.len()
            && self
                .entries
                .iter()
                .zip(other.entries.iter())
                .all(|(a, b)| a.spec == b.spec && a.dist == b.dist)
    }
}

/// Serialised as `{ path: distribution, ... }` (part of the scenario hash and manifest).
impl Serialize for Population {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.entries.len()))?;
        for e in self.entries.iter() {
            m.serialize_entry(e.spec.path, &e.dist)?;
        }
        m.end()
    }
}

impl Population {
    /// A population of the distributions `dists`, each checked against its parameter
    /// ([`Dist::check`]); kept in [`PARAM_SPECS`] order.
    pub fn new(
        dists: impl IntoIterator<Item = (&'static ParamSpec, Dist)>,
    ) -> Result<Population, PopulationError> {
        let mut entries: Vec<Entry> = Vec::new();
        for (spec, dist) in dists {
            dist.check(spec).map_err(|error| PopulationError::Dist {
                path: spec.path,
                error,
            })?;
            if entries.iter().any(|e| e.spec == spec) {
                return Err(PopulationError::Duplicate(spec.path));
            }
            let index = PARAM_SPECS
                .iter()
                .position(|s| s == spec)
                .unwrap_or(PARAM_SPECS.len()) as u64;
            let sampler = Sampler::new(&dist, spec).ok_or_else(|| PopulationError::Dist {
                path: spec.path,
                error: dist_err(None, "invalid distribution parameters"),
            })?;
            entries.push(Entry {
                spec,
                index,
                dist,
                sampler,
            });
        }
        entries.sort_by_key(|e| e.index);
        Ok(Population {
            entries: entries.into(),
        })
    }

    /// No parameter is distributed.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Number of distributed parameters.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// The distributed parameters and their distributions, in [`PARAM_SPECS`] order.
    pub fn iter(&self) -> impl Iterator<Item = (&'static ParamSpec, &Dist)> {
        self.entries.iter().map(|e| (e.spec, &e.dist))
    }

    /// Whether `spec` is distributed.
    pub fn contains(&self, spec: &ParamSpec) -> bool {
        self.entries.iter().any(|e| e.spec == spec)
    }

    /// This population without `spec` (when it is fixed instead, e.g. swept).
    pub fn without(&self, spec: &ParamSpec) -> Population {
        if !self.contains(spec) {
            return self.clone();
        }
        let entries: Vec<Entry> = self
            .entries
            .iter()
            .filter(|e| e.spec != spec)
            .cloned()
            .collect();
        Population {
            entries: entries.into(),
        }
    }

    /// This population with the distributions `more` added (each checked as by
    /// [`Population::new`]; a parameter already distributed here is refused).
    pub fn with(
        &self,
        more: impl IntoIterator<Item = (&'static ParamSpec, Dist)>,
    ) -> Result<Population, PopulationError> {
        Population::new(
            self.entries
                .iter()
                .map(|e| (e.spec, e.dist.clone()))
                .chain(more),
        )
    }

    /// The draw of parameter `spec` for the run with seed `run_seed`, or `None` when it is
    /// not distributed here.
    pub fn draw_of(&self, spec: &ParamSpec, run_seed: u64) -> Option<f64> {
        let i = self.entries.iter().position(|e| e.spec == spec)?;
        Some(self.draw(i, run_seed))
    }

    /// The `i`-th distributed parameter's draw for the run with seed `run_seed`.
    pub fn draw(&self, i: usize, run_seed: u64) -> f64 {
        let e = &self.entries[i];
        let mut rng =
            Xoshiro256PlusPlus::seed_from_u64(mix_seed(run_seed, POPULATION_STREAM, e.index));
        e.sampler.sample(&mut rng)
    }

    /// The run's parameters: `base` with every distributed parameter drawn for `run_seed`
    /// (no heap allocation).
    pub fn realise(&self, base: &Params, run_seed: u64) -> Params {
        let mut p = base.clone();
        for i in 0..self.entries.len() {
            self.entries[i].spec.set(&mut p, self.draw(i, run_seed));
        }
        p
    }

    /// `(path, value)` of every draw of the run with seed `run_seed`.
    pub fn draws(&self, run_seed: u64) -> impl Iterator<Item = (&'static str, f64)> + '_ {
        (0..self.entries.len()).map(move |i| (self.entries[i].spec.path, self.draw(i, run_seed)))
    }

    /// Set every distributed parameter of `p` to its typical value ([`Dist::typical`]).
    pub fn set_typical(&self, p: &mut Params) {
        for e in self.entries.iter() {
            e.spec.set(p, e.dist.typical(e.spec));
        }
    }

    /// Check that every draw on top of `base` passes [`Params::validate`]: each draw is in
    /// its range by construction, and the rules between parameters (which are monotone in
    /// each parameter and involve two of them) are checked at the ends of the supports: all
    /// low, all high, and each parameter at one end with the others at the other.
    pub fn check_corners(&self, base: &Params) -> Result<(), PopulationError> {
        let mut p = base.clone();
        let n = self.entries.len();
        if n == 0 {
            return base.validate().map_err(PopulationError::Corner);
        }
        let set = |p: &mut Params, high_except: Option<usize>, high: bool| {
            for (j, e) in self.entries.iter().enumerate() {
                let (lo, hi) = e.dist.support();
                let (lo, hi) = (lo.max(e.spec.min), hi.min(e.spec.max));
                let up = if Some(j) == high_except { !high } else { high };
                e.spec.set(p, if up { hi } else { lo });
            }
        };
        for high in [false, true] {
            set(&mut p, None, high);
            p.validate().map_err(PopulationError::Corner)?;
            for i in 0..n {
                set(&mut p, Some(i), high);
                p.validate().map_err(PopulationError::Corner)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "population_tests.rs"]
mod tests;
