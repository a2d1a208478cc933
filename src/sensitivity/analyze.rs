//! The estimators, written to give SALib's numbers on the same samples (SALib 1.6,
//! `morris.analyze` and `sobol.analyze` with `calc_second_order = False`), with our own
//! seeded bootstrap for the confidence intervals.
//!
//! **Morris.** The elementary effect of the coordinate that moves between consecutive rows
//! of a trajectory is `(y_next − y_prev) / Δ` when it moved up and `(y_prev − y_next) / Δ`
//! when it moved down, Δ = p/(2(p−1)) in the unit cube (not in the parameter's units).
//! μ is the mean of a parameter's r effects, μ* the mean of their absolute values, σ their
//! standard deviation (divisor r − 1).
//!
//! **Sobol.** The outputs are first standardised by their mean and standard deviation
//! (divisor n) over all rows, as SALib does. With f_A, f_B, f_ABj the standardised outputs
//! of the A, B and AB^(j) rows and V the variance (divisor 2N) of f_A and f_B together,
//! S1_j = mean(f_B (f_ABj − f_A)) / V (Saltelli et al. 2010) and
//! ST_j = mean((f_A − f_ABj)²) / (2V) (Jansen 1999).
//!
//! **Confidence intervals.** Half-widths z₀.₉₇₅ · SD of the index over bootstrap resamples
//! (divisor B − 1), as SALib reports them: for Morris each parameter's effects are
//! resampled with replacement; for Sobol the base rows (A_i, AB_i, B_i together), the same
//! resample for every parameter.

use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// z of a two-sided 95% interval.
pub const Z95: f64 = 1.959_963_984_540_054;

/// Morris indices of one parameter, each with the half-width of its 95% bootstrap CI.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MorrisIndex {
    /// Mean elementary effect.
    pub mu: f64,
    /// Its CI half-width.
    pub mu_conf: f64,
    /// Mean absolute elementary effect.
    pub mu_star: f64,
    /// Its CI half-width.
    pub mu_star_conf: f64,
    /// SD of the elementary effects.
    pub sigma: f64,
    /// Its CI half-width.
    pub sigma_conf: f64,
}

/// Sobol indices of one parameter, each with the half-width of its 95% bootstrap CI.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SobolIndex {
    /// First-order index.
    pub s1: f64,
    /// Its CI half-width.
    pub s1_conf: f64,
    /// Total-order index.
    pub st: f64,
    /// Its CI half-width.
    pub st_conf: f64,
}

fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Sample SD (divisor n − 1); NaN for fewer than two values.
fn sd(x: &[f64]) -> f64 {
    if x.len() < 2 {
        return f64::NAN;
    }
    let m = mean(x);
    (x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (x.len() - 1) as f64).sqrt()
}

/// The elementary effects, one vector of `r` per parameter: `unit` are the design's rows in
/// the unit cube (trajectories of `d + 1` rows), `y` the outputs.
pub fn elementary_effects(unit: &[Vec<f64>], y: &[f64], d: usize, delta: f64) -> Vec<Vec<f64>> {
    let mut ee = vec![Vec::new(); d];
    for (rows, ys) in unit.chunks(d + 1).zip(y.chunks(d + 1)) {
        for k in 0..d {
            let (a, b) = (&rows[k], &rows[k + 1]);
            if let Some(j) = (0..d).find(|&j| a[j] != b[j]) {
                let dy = if b[j] > a[j] {
                    ys[k + 1] - ys[k]
                } else {
                    ys[k] - ys[k + 1]
                };
                ee[j].push(dy / delta);
            }
        }
    }
    ee
}

/// μ, μ* and σ of each parameter's elementary effects `ee`, with bootstrap CIs from
/// `resamples` resamples drawn from `seed`.
pub fn morris(ee: &[Vec<f64>], resamples: usize, seed: u64) -> Vec<MorrisIndex> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    ee.iter()
        .map(|e| {
            let abs: Vec<f64> = e.iter().map(|x| x.abs()).collect();
            let r = e.len();
            let mut mus = Vec::with_capacity(resamples);
            let mut stars = Vec::with_capacity(resamples);
            let mut sigmas = Vec::with_capacity(resamples);
            let mut pick = Vec::with_capacity(r);
            for _ in 0..resamples {
                pick.clear();
                pick.extend((0..r).map(|_| e[rng.random_range(0..r)]));
                mus.push(mean(&pick));
                stars.push(pick.iter().map(|x| x.abs()).sum::<f64>() / r as f64);
                sigmas.push(sd(&pick));
            }
            MorrisIndex {
                mu: mean(e),
                mu_conf: Z95 * sd(&mus),
                mu_star: mean(&abs),
                mu_star_conf: Z95 * sd(&stars),
                sigma: sd(e),
                sigma_conf: Z95 * sd(&sigmas),
            }
        })
        .collect()
}

/// S1 and ST of `d` parameters from the outputs `y` of a Saltelli design
/// ([`super::sample::sobol`]: N blocks of A, AB^(1..d), B), with bootstrap CIs from
/// `resamples` resamples drawn from `seed`. `None` when the outputs are constant.
pub fn sobol(y: &[f64], d: usize, resamples: usize, seed: u64) -> Option<Vec<SobolIndex>> {
    let step = d + 2;
    let n = y.len() / step;
    let m = mean(y);
    let s = (y.iter().map(|v| (v - m).powi(2)).sum::<f64>() / y.len() as f64).sqrt();
    let (lo, hi) = y
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if n == 0 || hi - lo <= f64::EPSILON || s == 0.0 {
        return None;
    }
    let z: Vec<f64> = y.iter().map(|v| (v - m) / s).collect();
    let a: Vec<f64> = (0..n).map(|i| z[i * step]).collect();
    let b: Vec<f64> = (0..n).map(|i| z[i * step + step - 1]).collect();
    let ab = |j: usize, i: usize| z[i * step + 1 + j];
    // The indices on the base rows `rows` (all of them, or a resample).
    let indices = |rows: &mut dyn Iterator<Item = usize>, j: usize| -> (f64, f64) {
        let (mut sum, mut sq, mut first, mut total, mut k) = (0.0, 0.0, 0.0, 0.0, 0usize);
        for i in rows {
            let (fa, fb, fab) = (a[i], b[i], ab(j, i));
            sum += fa + fb;
            sq += fa * fa + fb * fb;
            first += fb * (fab - fa);
            total += (fa - fab).powi(2);
            k += 1;
        }
        let kk = k as f64;
        let mean_ab = sum / (2.0 * kk);
        let var = sq / (2.0 * kk) - mean_ab * mean_ab;
        if var <= f64::EPSILON {
            return (0.0, 0.0);
        }
        (first / kk / var, 0.5 * total / kk / var)
    };
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let draws: Vec<Vec<usize>> = (0..resamples)
        .map(|_| (0..n).map(|_| rng.random_range(0..n)).collect())
        .collect();
    Some(
        (0..d)
            .map(|j| {
                let (s1, st) = indices(&mut (0..n), j);
                let (boot1, boot_t): (Vec<f64>, Vec<f64>) = draws
                    .iter()
                    .map(|r| indices(&mut r.iter().copied(), j))
                    .unzip();
                SobolIndex {
                    s1,
                    s1_conf: Z95 * sd(&boot1),
                    st,
                    st_conf: Z95 * sd(&boot_t),
                }
            })
            .collect(),
    )
}

/// The share of the variance of the point means that replication noise accounts for:
/// the mean over points of (within-point variance / runs at the point) divided by the
/// variance of the point means (both with divisor n − 1). `None` with fewer than two
/// runs at some point or two points, or when the point means do not vary.
pub fn noise_share(
    point_means: &[f64],
    within_var: &[f64],
    runs: &[u64],
) -> Option<(f64, f64, f64)> {
    if point_means.len() < 2 || runs.iter().any(|&r| r < 2) {
        return None;
    }
    let between = sd(point_means).powi(2);
    let noise = within_var
        .iter()
        .zip(runs)
        .map(|(v, &r)| v / r as f64)
        .sum::<f64>()
        / within_var.len() as f64;
    if between <= 0.0 || !between.is_finite() {
        return None;
    }
    Some((between, noise, noise / between))
}
