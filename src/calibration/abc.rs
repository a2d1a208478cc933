//! Approximate Bayesian computation, independent of the dyad model: rejection ABC and
//! ABC-SMC with adaptive tolerances, over any [`Model`] that can draw from its prior, give
//! its prior density, and simulate a distance to the data.
//!
//! - **Rejection** (Pritchard et al. 1999): `simulations` prior draws, the `keep` closest
//!   accepted (ties by draw index); the tolerance is the largest accepted distance.
//! - **ABC-SMC** (Beaumont, Cornuet, Marin & Robert 2009, "Adaptive approximate Bayesian
//!   computation", Biometrika 96:983; the population Monte Carlo scheme of Toni et al.
//!   2009): generation 0 is `particles` prior draws with every distance accepted; the
//!   tolerance of generation t is the `quantile` of generation t−1's distances (the
//!   adaptive schedule of Drovandi & Pettitt 2011, and in spirit Del Moral, Doucet & Jasra
//!   2012); a proposal picks an ancestor by weight and moves it with a Gaussian kernel whose
//!   variance is twice the weighted variance of the previous generation, per parameter;
//!   proposals outside the prior's support are rejected without a simulation; the weight
//!   of an accepted particle is `π(θ) / Σ_j w_j K(θ | θ_j)`. It stops when the tolerance
//!   reaches `target`, when a generation accepts fewer than `min_acceptance` of its
//!   simulations, after `generations` generations, or when the simulation budget would be
//!   exceeded (the generation in progress is then dropped, and said to be).
//!
//! **Determinism.** Draw `k` of generation `t` uses seeds made from `(seed, t, k)` only;
//! draws are evaluated in fixed-size batches in parallel and taken in draw order, so the
//! result is the same for any number of threads, and a run resumed from the last finished
//! generation gives the same bytes as one that was never interrupted.

use rand::RngExt;
use rand::SeedableRng;
use rand::rngs::Xoshiro256PlusPlus;
use rand_distr::{Distribution, StandardNormal};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::model::mix_seed;

/// What ABC needs of a model.
pub trait Model: Sync {
    /// A draw from the prior for `seed`, or `None` when none could be made (e.g. a
    /// constraint between parameters broken at every attempt).
    fn prior_sample(&self, seed: u64) -> Option<Vec<f64>>;
    /// The log prior density up to a constant (`-inf` outside the support).
    fn prior_ln_pdf(&self, theta: &[f64]) -> f64;
    /// Simulate at `theta` with `seed` and return the distance to the data (NaN is read as
    /// infinitely far).
    fn distance(&self, theta: &[f64], seed: u64) -> f64;
}

/// A weighted sample.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Particle {
    /// Parameter values, in the model's order.
    pub theta: Vec<f64>,
    /// Normalised weight.
    pub weight: f64,
    /// Its simulated distance (an infinite one is `null` in JSON).
    #[serde(with = "infinite_as_null")]
    pub distance: f64,
}

/// One generation (rejection: the only one).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Generation {
    /// 0, 1, …
    pub index: usize,
    /// The tolerance (`inf` for SMC's generation 0; `null` in JSON).
    #[serde(with = "infinite_as_null")]
    pub epsilon: f64,
    /// Simulations run in this generation.
    pub simulations: u64,
    /// Proposals made (SMC: including those outside the prior, which are not simulated).
    pub proposals: u64,
    /// The accepted particles, weights summing to 1.
    pub particles: Vec<Particle>,
}

/// JSON has no infinity: an infinite tolerance is written as `null`.
mod infinite_as_null {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        if v.is_finite() {
            s.serialize_f64(*v)
        } else {
            s.serialize_none()
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::INFINITY))
    }
}

impl Generation {
    /// Share of simulations accepted.
    pub fn acceptance(&self) -> f64 {
        if self.simulations == 0 {
            return f64::NAN;
        }
        self.particles.len() as f64 / self.simulations as f64
    }
    /// Effective sample size `1 / Σ w²`.
    pub fn ess(&self) -> f64 {
        ess(self.particles.iter().map(|p| p.weight))
    }
}

/// Effective sample size of normalised weights.
pub fn ess(weights: impl Iterator<Item = f64>) -> f64 {
    let s: f64 = weights.map(|w| w * w).sum();
    if s > 0.0 { 1.0 / s } else { 0.0 }
}

/// Settings of ABC-SMC.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct SmcSettings {
    /// Particles per generation.
    pub particles: usize,
    /// Quantile of the previous generation's distances that becomes the next tolerance.
    pub quantile: f64,
    /// Stop after a generation that accepted fewer than this share of its simulations.
    pub min_acceptance: f64,
    /// Most generations (including generation 0).
    pub generations: usize,
    /// Most simulations in all.
    pub budget: u64,
    /// Stop once the tolerance is at or below this.
    pub target: f64,
}

/// Why SMC stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stop {
    /// The tolerance reached the target.
    Target,
    /// A generation accepted too few of its simulations.
    Acceptance,
    /// The most generations were run.
    Generations,
    /// The next generation could not finish within the budget; it was dropped.
    Budget,
    /// The previous generation has no particle to move (no prior draw could be made).
    NoParticles,
    /// Not stopped yet.
    Running,
}

impl Stop {
    /// In words.
    pub fn describe(self) -> &'static str {
        match self {
            Stop::Target => "the tolerance reached its target",
            Stop::Acceptance => {
                "the last generation accepted fewer than min_acceptance of its simulations"
            }
            Stop::Generations => "the largest number of generations was reached",
            Stop::Budget => {
                "the next generation could not finish within the simulation budget, or within 10^9 proposals (it was dropped)"
            }
            Stop::NoParticles => "no particle could be drawn from the prior",
            Stop::Running => "not finished",
        }
    }
}

/// Draws evaluated per parallel batch (fixed, so that results never depend on threads).
pub const BATCH: u64 = 64;

/// Seed streams.
const PROPOSAL: u64 = 11;
const SIMULATION: u64 = 12;

fn finite_or_inf(d: f64) -> f64 {
    if d.is_nan() { f64::INFINITY } else { d }
}

/// Rejection ABC: `simulations` prior draws, the `keep` closest accepted. `tick` is called
/// with the number of simulations done after each batch.
pub fn rejection(
    model: &dyn Model,
    simulations: u64,
    keep: usize,
    seed: u64,
    tick: &(dyn Fn(u64) + Sync),
) -> Generation {
    let mut best: Vec<(f64, u64, Vec<f64>)> = Vec::new();
    let mut done = 0u64;
    let mut proposals = 0u64;
    let mut start = 0u64;
    while start < simulations {
        let end = (start + BATCH * 16).min(simulations);
        let batch: Vec<Option<(f64, u64, Vec<f64>)>> = (start..end)
            .into_par_iter()
            .map(|k| {
                let theta = model.prior_sample(mix_seed(seed, PROPOSAL, k))?;
                let d = finite_or_inf(model.distance(&theta, mix_seed(seed, SIMULATION, k)));
                Some((d, k, theta))
            })
            .collect();
        proposals += end - start;
        for b in batch.into_iter().flatten() {
            done += 1;
            best.push(b);
        }
        best.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        best.truncate(keep);
        start = end;
        tick(done);
    }
    let epsilon = best.last().map_or(f64::INFINITY, |b| b.0);
    let w = 1.0 / best.len().max(1) as f64;
    Generation {
        index: 0,
        epsilon,
        simulations: done,
        proposals,
        particles: best
            .into_iter()
            .map(|(distance, _, theta)| Particle {
                theta,
                weight: w,
                distance,
            })
            .collect(),
    }
}

/// The tolerance after `g`: the `q`-quantile of its distances (the smallest distance `d`
/// with at least `q` of the particles at or below `d`).
pub fn next_epsilon(g: &Generation, q: f64) -> f64 {
    let mut d: Vec<f64> = g.particles.iter().map(|p| p.distance).collect();
    d.sort_by(f64::total_cmp);
    if d.is_empty() {
        return f64::INFINITY;
    }
    let k = ((q * d.len() as f64).ceil() as usize).clamp(1, d.len()) - 1;
    d[k]
}

/// Twice the weighted variance of each parameter (Beaumont et al. 2009); a parameter
/// without spread gets a small positive variance so that it can still move.
pub fn kernel_variances(g: &Generation) -> Vec<f64> {
    let dim = g.particles.first().map_or(0, |p| p.theta.len());
    (0..dim)
        .map(|j| {
            let m: f64 = g.particles.iter().map(|p| p.weight * p.theta[j]).sum();
            let v: f64 = g
                .particles
                .iter()
                .map(|p| p.weight * (p.theta[j] - m).powi(2))
                .sum();
            let v = 2.0 * v;
            if v > 0.0 && v.is_finite() {
                v
            } else {
                (1e-6 * m.abs()).max(1e-12)
            }
        })
        .collect()
}

/// The next SMC generation after `prev` (index `t`), or `Err(simulations run)` when the
/// budget `left` (or 10⁹ proposals) does not allow finishing it. `tick` is called with the
/// simulations done in this generation. `prev` must have particles.
pub fn smc_generation(
    model: &dyn Model,
    prev: &Generation,
    epsilon: f64,
    particles: usize,
    seed: u64,
    left: u64,
    tick: &(dyn Fn(u64) + Sync),
) -> Result<Generation, u64> {
    let t = prev.index as u64 + 1;
    let var = kernel_variances(prev);
    let sd: Vec<f64> = var.iter().map(|v| v.sqrt()).collect();
    let mut cum = Vec::with_capacity(prev.particles.len());
    let mut acc = 0.0;
    for p in &prev.particles {
        acc += p.weight;
        cum.push(acc);
    }
    let total = acc;
    let propose = |k: u64| -> Option<(Vec<f64>, f64)> {
        let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(seed, PROPOSAL + 16 * t, k));
        let u: f64 = rng.random::<f64>() * total;
        let i = cum.partition_point(|c| *c <= u).min(cum.len() - 1);
        let theta: Vec<f64> = prev.particles[i]
            .theta
            .iter()
            .zip(&sd)
            .map(|(x, s)| {
                let z: f64 = StandardNormal.sample(&mut rng);
                x + s * z
            })
            .collect();
        let lp = model.prior_ln_pdf(&theta);
        lp.is_finite().then_some((theta, lp))
    };
    let mut accepted: Vec<(Vec<f64>, f64, f64)> = Vec::with_capacity(particles);
    let mut sims = 0u64;
    let mut proposals = 0u64;
    let mut k = 0u64;
    while accepted.len() < particles {
        let batch: Vec<Option<(Vec<f64>, f64, f64)>> = (k..k + BATCH)
            .into_par_iter()
            .map(|j| {
                let (theta, lp) = propose(j)?;
                let d =
                    finite_or_inf(model.distance(&theta, mix_seed(seed, SIMULATION + 16 * t, j)));
                Some((theta, lp, d))
            })
            .collect();
        k += BATCH;
        proposals += BATCH;
        for (theta, lp, d) in batch.into_iter().flatten() {
            sims += 1;
            if d <= epsilon && accepted.len() < particles {
                accepted.push((theta, lp, d));
            }
        }
        tick(sims);
        if sims > left || proposals > 1_000_000_000 {
            return Err(sims);
        }
    }
    // Weights: π(θ) / Σ_j w_j K(θ | θ_j), in logs.
    let ln_norm: f64 = sd
        .iter()
        .map(|s| -(s * (2.0 * std::f64::consts::PI).sqrt()).ln())
        .sum();
    let ln_w: Vec<f64> = accepted
        .par_iter()
        .map(|(theta, lp, _)| {
            let terms: Vec<f64> = prev
                .particles
                .iter()
                .map(|q| {
                    let e: f64 = theta
                        .iter()
                        .zip(&q.theta)
                        .zip(&sd)
                        .map(|((a, b), s)| -0.5 * ((a - b) / s).powi(2))
                        .sum();
                    q.weight.ln() + e + ln_norm
                })
                .collect();
            lp - log_sum_exp(&terms)
        })
        .collect();
    let weights = normalise_ln(&ln_w);
    Ok(Generation {
        index: prev.index + 1,
        epsilon,
        simulations: sims,
        proposals,
        particles: accepted
            .into_iter()
            .zip(weights)
            .map(|((theta, _, distance), weight)| Particle {
                theta,
                weight,
                distance,
            })
            .collect(),
    })
}

/// SMC's generation 0: `particles` prior draws, all accepted (tolerance infinite).
pub fn smc_start(
    model: &dyn Model,
    particles: usize,
    seed: u64,
    tick: &(dyn Fn(u64) + Sync),
) -> Generation {
    let mut g = rejection(model, particles as u64, particles, seed, tick);
    g.epsilon = f64::INFINITY;
    g
}

/// Whether SMC stops after `gens` (given the settings), and why.
pub fn stop_reason(gens: &[Generation], s: &SmcSettings, used: u64) -> Stop {
    let Some(last) = gens.last() else {
        return Stop::Running;
    };
    if last.epsilon <= s.target {
        return Stop::Target;
    }
    if last.index > 0 && last.acceptance() < s.min_acceptance {
        return Stop::Acceptance;
    }
    if gens.len() >= s.generations {
        return Stop::Generations;
    }
    if used >= s.budget {
        return Stop::Budget;
    }
    Stop::Running
}

/// Run ABC-SMC from `gens` (empty: from the start; otherwise resumed after its last
/// generation), calling `done` after each finished generation (for checkpoints). Returns
/// the generations, why it stopped, and the simulations of a generation dropped for the
/// budget (0 if none).
pub fn smc<E>(
    model: &dyn Model,
    s: &SmcSettings,
    seed: u64,
    mut gens: Vec<Generation>,
    tick: &(dyn Fn(u64, u64) + Sync),
    done: &mut dyn FnMut(&[Generation]) -> Result<(), E>,
) -> Result<(Vec<Generation>, Stop, u64), E> {
    if gens.is_empty() {
        let g = smc_start(model, s.particles, seed, &|n| tick(0, n));
        gens.push(g);
        done(&gens)?;
    }
    loop {
        let used: u64 = gens.iter().map(|g| g.simulations).sum();
        let why = stop_reason(&gens, s, used);
        if why != Stop::Running {
            return Ok((gens, why, 0));
        }
        let last = gens.last().expect("generation 0 exists");
        if last.particles.is_empty() {
            return Ok((gens, Stop::NoParticles, 0));
        }
        let mut eps = next_epsilon(last, s.quantile).max(s.target);
        if eps >= last.epsilon {
            // Ties at the tolerance (distances that take few values): the largest distance
            // below it, else the same tolerance again (never a looser one).
            eps = last
                .particles
                .iter()
                .map(|p| p.distance)
                .filter(|d| *d < last.epsilon)
                .fold(f64::NEG_INFINITY, f64::max)
                .max(s.target);
            if !eps.is_finite() || eps < s.target {
                eps = last.epsilon;
            }
        }
        let t = last.index as u64 + 1;
        match smc_generation(model, last, eps, s.particles, seed, s.budget - used, &|n| {
            tick(t, n)
        }) {
            Ok(g) => {
                gens.push(g);
                done(&gens)?;
            }
            Err(sims) => return Ok((gens, Stop::Budget, sims)),
        }
    }
}

/// `ln Σ exp(x)`.
pub fn log_sum_exp(x: &[f64]) -> f64 {
    let m = x.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !m.is_finite() {
        return m;
    }
    m + x.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

fn normalise_ln(ln_w: &[f64]) -> Vec<f64> {
    let z = log_sum_exp(ln_w);
    ln_w.iter().map(|l| (l - z).exp()).collect()
}

/// Weighted mean and standard deviation of parameter `j`.
pub fn weighted_moments(particles: &[Particle], j: usize) -> (f64, f64) {
    let w: f64 = particles.iter().map(|p| p.weight).sum();
    if w <= 0.0 {
        return (f64::NAN, f64::NAN);
    }
    let m = particles.iter().map(|p| p.weight * p.theta[j]).sum::<f64>() / w;
    let v = particles
        .iter()
        .map(|p| p.weight * (p.theta[j] - m).powi(2))
        .sum::<f64>()
        / w;
    (m, v.sqrt())
}

/// Weighted quantile `q` of parameter `j`.
pub fn weighted_quantile(particles: &[Particle], j: usize, q: f64) -> f64 {
    let mut v: Vec<(f64, f64)> = particles.iter().map(|p| (p.theta[j], p.weight)).collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let total: f64 = v.iter().map(|x| x.1).sum();
    let mut acc = 0.0;
    for (x, w) in &v {
        acc += w;
        if acc >= q * total {
            return *x;
        }
    }
    v.last().map_or(f64::NAN, |x| x.0)
}

/// `n` indices drawn by systematic resampling of the weights (deterministic for `seed`).
pub fn resample(particles: &[Particle], n: usize, seed: u64) -> Vec<usize> {
    if particles.is_empty() || n == 0 {
        return Vec::new();
    }
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(seed, 13, 0));
    let u0: f64 = rng.random::<f64>() / n as f64;
    let total: f64 = particles.iter().map(|p| p.weight).sum();
    let mut out = Vec::with_capacity(n);
    let mut acc = particles[0].weight / total;
    let mut i = 0;
    for k in 0..n {
        let u = u0 + k as f64 / n as f64;
        while u > acc && i + 1 < particles.len() {
            i += 1;
            acc += particles[i].weight / total;
        }
        out.push(i);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// θ ~ Beta(a, b); data: k successes in n trials; distance |k_sim − k|.
    struct BetaBinomial {
        a: f64,
        b: f64,
        n: u64,
        k: u64,
    }

    impl Model for BetaBinomial {
        fn prior_sample(&self, seed: u64) -> Option<Vec<f64>> {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let d = rand_distr::Beta::new(self.a, self.b).ok()?;
            Some(vec![d.sample(&mut rng)])
        }
        fn prior_ln_pdf(&self, t: &[f64]) -> f64 {
            let x = t[0];
            if !(0.0..=1.0).contains(&x) {
                return f64::NEG_INFINITY;
            }
            (self.a - 1.0) * x.ln() + (self.b - 1.0) * (1.0 - x).ln()
        }
        fn distance(&self, t: &[f64], seed: u64) -> f64 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let k = (0..self.n).filter(|_| rng.random::<f64>() < t[0]).count() as f64;
            (k - self.k as f64).abs()
        }
    }

    /// θ ~ N(μ0, τ²); data: the mean of n draws N(θ, σ²) equals `xbar`; distance
    /// |x̄_sim − x̄|, simulated through its exact law N(θ, σ²/n).
    struct NormalMean {
        mu0: f64,
        tau: f64,
        sigma: f64,
        n: f64,
        xbar: f64,
    }

    impl Model for NormalMean {
        fn prior_sample(&self, seed: u64) -> Option<Vec<f64>> {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let z: f64 = StandardNormal.sample(&mut rng);
            Some(vec![self.mu0 + self.tau * z])
        }
        fn prior_ln_pdf(&self, t: &[f64]) -> f64 {
            -0.5 * ((t[0] - self.mu0) / self.tau).powi(2)
        }
        fn distance(&self, t: &[f64], seed: u64) -> f64 {
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
            let z: f64 = StandardNormal.sample(&mut rng);
            (t[0] + self.sigma / self.n.sqrt() * z - self.xbar).abs()
        }
    }

    fn none(_: u64) {}

    #[test]
    fn rejection_recovers_the_beta_binomial_posterior() {
        // Beta(2, 3) prior, 7 of 20: posterior Beta(9, 16), mean 0.36, sd 0.0941.
        let m = BetaBinomial {
            a: 2.0,
            b: 3.0,
            n: 20,
            k: 7,
        };
        let g = rejection(&m, 40_000, 1_000_000, 5, &none);
        // Keep exactly the draws at distance 0 (an exact posterior sample).
        let exact: Vec<Particle> = g
            .particles
            .iter()
            .filter(|p| p.distance == 0.0)
            .cloned()
            .collect();
        assert!(exact.len() > 1500, "{}", exact.len());
        let (mean, sd) = weighted_moments(&exact, 0);
        let (em, esd) = (9.0 / 25.0, (9.0 * 16.0 / (25.0 * 25.0 * 26.0_f64)).sqrt());
        // Standard errors: sd/sqrt(n) ≈ 0.0024 for the mean.
        assert!((mean - em).abs() < 0.01, "mean {mean} vs {em}");
        assert!((sd / esd - 1.0).abs() < 0.08, "sd {sd} vs {esd}");
    }

    #[test]
    fn smc_recovers_the_beta_binomial_posterior() {
        let m = BetaBinomial {
            a: 2.0,
            b: 3.0,
            n: 20,
            k: 7,
        };
        let s = SmcSettings {
            particles: 2000,
            quantile: 0.5,
            min_acceptance: 0.0,
            generations: 20,
            budget: 2_000_000,
            target: 0.0,
        };
        let (gens, why, _) =
            smc(&m, &s, 9, Vec::new(), &|_, _| {}, &mut |_| Ok::<(), ()>(())).unwrap();
        assert_eq!(why, Stop::Target);
        let last = gens.last().unwrap();
        assert_eq!(last.epsilon, 0.0);
        let (mean, sd) = weighted_moments(&last.particles, 0);
        let (em, esd) = (9.0 / 25.0, (9.0 * 16.0 / (25.0 * 25.0 * 26.0_f64)).sqrt());
        assert!((mean - em).abs() < 0.012, "mean {mean} vs {em}");
        assert!((sd / esd - 1.0).abs() < 0.1, "sd {sd} vs {esd}");
        assert!(last.ess() > 500.0, "ess {}", last.ess());
    }

    fn normal_case() -> (NormalMean, f64, f64) {
        // Prior N(0, 2²); n = 10 draws with σ = 1, mean 1.3: posterior precision
        // 1/4 + 10 = 10.25, mean 1.3·10/10.25.
        let m = NormalMean {
            mu0: 0.0,
            tau: 2.0,
            sigma: 1.0,
            n: 10.0,
            xbar: 1.3,
        };
        let prec = 1.0 / 4.0 + 10.0;
        (m, 13.0 / prec, (1.0 / prec).sqrt())
    }

    #[test]
    fn rejection_recovers_the_normal_mean_posterior() {
        let (m, em, esd) = normal_case();
        // Keep the closest 1% of 200,000: tolerance ≈ 0.02, far below the posterior sd.
        let g = rejection(&m, 200_000, 2_000, 3, &none);
        assert!(g.epsilon < 0.05, "epsilon {}", g.epsilon);
        let (mean, sd) = weighted_moments(&g.particles, 0);
        assert!((mean - em).abs() < 0.02, "mean {mean} vs {em}");
        assert!((sd / esd - 1.0).abs() < 0.08, "sd {sd} vs {esd}");
    }

    #[test]
    fn smc_recovers_the_normal_mean_posterior() {
        let (m, em, esd) = normal_case();
        let s = SmcSettings {
            particles: 2000,
            quantile: 0.5,
            min_acceptance: 0.0,
            generations: 30,
            budget: 5_000_000,
            target: 0.01,
        };
        let (gens, why, _) =
            smc(&m, &s, 4, Vec::new(), &|_, _| {}, &mut |_| Ok::<(), ()>(())).unwrap();
        assert_eq!(why, Stop::Target);
        let last = gens.last().unwrap();
        let (mean, sd) = weighted_moments(&last.particles, 0);
        assert!((mean - em).abs() < 0.02, "mean {mean} vs {em}");
        assert!((sd / esd - 1.0).abs() < 0.1, "sd {sd} vs {esd}");
        // Tolerances fall generation after generation.
        assert!(gens.windows(2).all(|w| w[1].epsilon <= w[0].epsilon));
    }

    #[test]
    fn smc_is_the_same_resumed_and_across_thread_counts() {
        let (m, _, _) = normal_case();
        let s = SmcSettings {
            particles: 300,
            quantile: 0.5,
            min_acceptance: 0.0,
            generations: 6,
            budget: 1_000_000,
            target: 0.0,
        };
        let run = |threads: usize, from: Vec<Generation>| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    smc(&m, &s, 8, from, &|_, _| {}, &mut |_| Ok::<(), ()>(()))
                        .unwrap()
                        .0
                })
        };
        let one = run(1, Vec::new());
        let two = run(2, Vec::new());
        assert_eq!(one, two);
        let resumed = run(2, one[..3].to_vec());
        assert_eq!(one, resumed);
        assert_eq!(one.len(), 6);
    }

    #[test]
    fn the_budget_drops_an_unfinished_generation() {
        let (m, _, _) = normal_case();
        let s = SmcSettings {
            particles: 200,
            quantile: 0.2,
            min_acceptance: 0.0,
            generations: 50,
            budget: 3_000,
            target: 0.0,
        };
        let (gens, why, dropped) =
            smc(&m, &s, 1, Vec::new(), &|_, _| {}, &mut |_| Ok::<(), ()>(())).unwrap();
        assert_eq!(why, Stop::Budget);
        let used: u64 = gens.iter().map(|g| g.simulations).sum();
        assert!(used <= 3_000, "{used}");
        // The dropped generation's simulations are counted; they overran the budget.
        assert!(dropped > 0 && used + dropped > 3_000, "{used} + {dropped}");
        assert!(gens.iter().all(|g| g.particles.len() == 200));
    }

    #[test]
    fn systematic_resampling_follows_the_weights() {
        let p = |w: f64| Particle {
            theta: vec![w],
            weight: w,
            distance: 0.0,
        };
        let ps = vec![p(0.1), p(0.6), p(0.3)];
        let idx = resample(&ps, 1000, 3);
        let count = |i: usize| idx.iter().filter(|x| **x == i).count();
        assert_eq!((count(0), count(1), count(2)), (100, 600, 300));
    }
}
