//! Designs in the unit cube — Morris trajectories and Saltelli's A, AB_i, B rows on a
//! scrambled Sobol' sequence — and the map from a unit coordinate to a parameter value.

use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use statrs::distribution::{Beta, ContinuousCDF};

use crate::model::Dist;
use crate::model::mix_seed;
use crate::model::params::{ParamKind, ParamSpec};
use crate::model::population::truncated_quantile;
use crate::scenario::Input;

/// Stream id of the Morris trajectories (the model uses 1 to 3).
const MORRIS_STREAM: u64 = 0x4d4f_5252;
/// Stream id of the Sobol' scrambling seed.
const SOBOL_STREAM: u64 = 0x534f_424c;

/// Morris' step in the unit cube for `levels` levels: p / (2 (p − 1)).
pub fn morris_delta(levels: usize) -> f64 {
    levels as f64 / (2.0 * (levels as f64 - 1.0))
}

/// One trajectory: D+1 points as level indices (0..p).
type Trajectory = Vec<Vec<u32>>;

/// The Morris design for `d` parameters: `r` trajectories of `d + 1` points each on the
/// `p`-level grid {0, 1/(p−1), …, 1}, rows in trajectory order. Each trajectory starts at a
/// random grid point whose coordinates can all move by Δ = p/(2(p−1)), then moves one
/// coordinate at a time by ±Δ in a random order (Morris 1991). With `candidates = Some(m)`,
/// `m` trajectories are drawn and the `r` most spread are kept (Campolongo et al. 2007),
/// chosen greedily: first the farthest pair, then each time the candidate that most raises
/// the root of the summed squared distances of the chosen set. Seeded by `seed`.
pub fn morris(d: usize, r: usize, p: usize, candidates: Option<usize>, seed: u64) -> Vec<Vec<f64>> {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(seed, MORRIS_STREAM, 0));
    let half = (p / 2) as u32;
    let draw = |rng: &mut Xoshiro256PlusPlus| -> Trajectory {
        let mut low = Vec::with_capacity(d);
        let mut x = Vec::with_capacity(d);
        for _ in 0..d {
            let k = rng.random_range(0..half);
            low.push(k);
            x.push(if rng.random::<bool>() { k + half } else { k });
        }
        let mut order: Vec<usize> = (0..d).collect();
        order.shuffle(rng);
        let mut rows = Vec::with_capacity(d + 1);
        rows.push(x.clone());
        for &i in &order {
            x[i] = if x[i] == low[i] {
                low[i] + half
            } else {
                low[i]
            };
            rows.push(x.clone());
        }
        rows
    };
    let m = candidates.unwrap_or(r).max(r);
    let pool: Vec<Trajectory> = (0..m).map(|_| draw(&mut rng)).collect();
    let chosen: Vec<usize> = if m == r {
        (0..r).collect()
    } else {
        spread_most(&pool, r)
    };
    let scale = 1.0 / (p as f64 - 1.0);
    chosen
        .iter()
        .flat_map(|&t| pool[t].iter())
        .map(|row| row.iter().map(|&k| f64::from(k) * scale).collect())
        .collect()
}

/// Distance of two trajectories: the sum over all pairs of their points of the Euclidean
/// distance (Campolongo et al. 2007, eq. 3), in level steps.
fn distance(a: &Trajectory, b: &Trajectory) -> f64 {
    let mut s = 0.0;
    for x in a {
        for y in b {
            let sq: f64 = x
                .iter()
                .zip(y)
                .map(|(&u, &v)| {
                    let t = f64::from(u) - f64::from(v);
                    t * t
                })
                .sum();
            s += sq.sqrt();
        }
    }
    s
}

/// Indices of `r` of the trajectories in `pool`, chosen greedily for spread (ascending).
fn spread_most(pool: &[Trajectory], r: usize) -> Vec<usize> {
    let m = pool.len();
    let mut dist = vec![0.0; m * m];
    for i in 0..m {
        for j in i + 1..m {
            let x = distance(&pool[i], &pool[j]);
            dist[i * m + j] = x;
            dist[j * m + i] = x;
        }
    }
    let (mut bi, mut bj, mut best) = (0, 1, f64::NEG_INFINITY);
    for i in 0..m {
        for j in i + 1..m {
            if dist[i * m + j] > best {
                (bi, bj, best) = (i, j, dist[i * m + j]);
            }
        }
    }
    let mut chosen = vec![bi, bj];
    // Summed squared distance from each candidate to the chosen set.
    let mut to_set: Vec<f64> = (0..m)
        .map(|k| dist[k * m + bi].powi(2) + dist[k * m + bj].powi(2))
        .collect();
    while chosen.len() < r {
        let next = (0..m)
            .filter(|k| !chosen.contains(k))
            .fold(None::<usize>, |acc, k| match acc {
                Some(a) if to_set[a] >= to_set[k] => Some(a),
                _ => Some(k),
            })
            .expect("more candidates than trajectories");
        chosen.push(next);
        for (k, t) in to_set.iter_mut().enumerate() {
            *t += dist[k * m + next].powi(2);
        }
    }
    chosen.sort_unstable();
    chosen
}

/// Saltelli's design for `d` parameters and `n` base samples (a power of two): for each
/// base row i the rows A_i, AB_i^(1), …, AB_i^(d), B_i, where A and B are the first and the
/// last `d` coordinates of point i of a `2d`-dimensional Owen-scrambled Sobol' sequence and
/// AB^(j) is A with its column j taken from B; `n (d + 2)` rows in all, the order SALib's
/// `sobol.analyze` (calc_second_order = false) reads. Seeded by `seed`.
///
/// The sequence gives multiples of 2⁻²⁴; each coordinate is moved to the middle of its cell
/// (+2⁻²⁵), so that no coordinate is exactly 0 and inverse CDFs stay finite.
pub fn sobol(d: usize, n: usize, seed: u64) -> Vec<Vec<f64>> {
    let scramble = (mix_seed(seed, SOBOL_STREAM, 0) >> 32) as u32;
    let half_cell = 2f64.powi(-25);
    let mut rows = Vec::with_capacity(n * (d + 2));
    for i in 0..n as u32 {
        let point =
            |dim: usize| f64::from(sobol_burley::sample(i, dim as u32, scramble)) + half_cell;
        let a: Vec<f64> = (0..d).map(point).collect();
        let b: Vec<f64> = (d..2 * d).map(point).collect();
        rows.push(a.clone());
        for j in 0..d {
            let mut ab = a.clone();
            ab[j] = b[j];
            rows.push(ab);
        }
        rows.push(b);
    }
    rows
}

/// The value of parameter `spec` with range or distribution `input` at unit coordinate `u`:
/// a range maps linearly (a whole-number parameter or switch takes the
/// `⌊u · (to − from + 1)⌋`-th whole value from `from`, each with equal probability); a
/// distribution maps through its inverse CDF. Kept inside the parameter's range.
pub fn value(input: &Input, spec: &ParamSpec, u: f64) -> f64 {
    let u = u.clamp(0.0, 1.0);
    let v = match input {
        Input::Range { from, to } => {
            if spec.kind == ParamKind::Real {
                from + u * (to - from)
            } else {
                (from + (u * (to - from + 1.0)).floor()).min(*to)
            }
        }
        Input::Dist(d) => quantile(d, u),
    };
    v.clamp(spec.min, spec.max)
}

/// The inverse CDF of `d` at `u` in [0, 1].
pub fn quantile(d: &Dist, u: f64) -> f64 {
    let inner = u.clamp(1e-12, 1.0 - 1e-12);
    match d {
        Dist::Beta { a, b } => Beta::new(*a, *b)
            .map(|beta| beta.inverse_cdf(inner))
            .unwrap_or(f64::NAN),
        Dist::Normal { mean, sd, min, max } => {
            let alpha = (min.unwrap_or(f64::NEG_INFINITY) - mean) / sd;
            let beta = (max.unwrap_or(f64::INFINITY) - mean) / sd;
            mean + sd * truncated_quantile(alpha, beta, inner)
        }
        Dist::Uniform { from, to } => from + u * (to - from),
        Dist::Triangular { min, mode, max } => {
            let (a, c, b) = (*min, *mode, *max);
            let fc = (c - a) / (b - a);
            if u < fc {
                a + (u * (b - a) * (c - a)).sqrt()
            } else {
                b - ((1.0 - u) * (b - a) * (b - c)).sqrt()
            }
        }
        Dist::LogNormal { mu, sigma } => {
            (mu + sigma * truncated_quantile(f64::NEG_INFINITY, f64::INFINITY, inner)).exp()
        }
        Dist::Choice { values, weights } => {
            let w = |i: usize| weights.as_ref().map_or(1.0, |w| w[i]);
            let total: f64 = (0..values.len()).map(w).sum();
            let target = u * total;
            let mut acc = 0.0;
            for (i, v) in values.iter().enumerate() {
                acc += w(i);
                if target < acc {
                    return *v;
                }
            }
            values[values.len() - 1]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::params::spec;

    #[test]
    fn morris_trajectories_move_one_coordinate_by_delta() {
        for (p, cand) in [(4, None), (6, None), (4, Some(30))] {
            let rows = morris(5, 10, p, cand, 7);
            assert_eq!(rows.len(), 10 * 6);
            let delta = morris_delta(p);
            for t in rows.chunks(6) {
                let mut moved = [false; 5];
                for w in t.windows(2) {
                    let changed: Vec<usize> = (0..5).filter(|&i| w[0][i] != w[1][i]).collect();
                    assert_eq!(changed.len(), 1, "{w:?}");
                    let i = changed[0];
                    assert!(((w[1][i] - w[0][i]).abs() - delta).abs() < 1e-12);
                    assert!(!moved[i], "a coordinate moves once");
                    moved[i] = true;
                }
                for x in t.iter().flatten() {
                    let k = x * (p as f64 - 1.0);
                    assert!((k - k.round()).abs() < 1e-9 && (0.0..=1.0).contains(x));
                }
            }
            assert_eq!(rows, morris(5, 10, p, cand, 7), "seeded");
            assert_ne!(rows, morris(5, 10, p, cand, 8));
        }
    }

    #[test]
    fn chosen_trajectories_are_more_spread_than_the_first_drawn() {
        let spread = |rows: &[Vec<f64>]| {
            let t: Vec<Trajectory> = rows
                .chunks(4)
                .map(|c| {
                    c.iter()
                        .map(|r| r.iter().map(|x| (x * 3.0).round() as u32).collect())
                        .collect()
                })
                .collect();
            let mut s = 0.0;
            for i in 0..t.len() {
                for j in i + 1..t.len() {
                    s += distance(&t[i], &t[j]).powi(2);
                }
            }
            s.sqrt()
        };
        let plain = morris(3, 8, 4, None, 3);
        let chosen = morris(3, 8, 4, Some(100), 3);
        assert!(
            spread(&chosen) > spread(&plain),
            "{} vs {}",
            spread(&chosen),
            spread(&plain)
        );
    }

    #[test]
    fn sobol_rows_follow_saltelli_order() {
        let rows = sobol(3, 8, 1);
        assert_eq!(rows.len(), 8 * 5);
        for block in rows.chunks(5) {
            let (a, b) = (&block[0], &block[4]);
            for j in 0..3 {
                for k in 0..3 {
                    let want = if k == j { b[k] } else { a[k] };
                    assert_eq!(block[1 + j][k], want);
                }
            }
            assert!(block.iter().flatten().all(|&x| x > 0.0 && x < 1.0));
        }
        // Each coordinate of A is balanced: one point in each of the 8 strata.
        for j in 0..3 {
            let mut strata: Vec<usize> = rows.chunks(5).map(|b| (b[0][j] * 8.0) as usize).collect();
            strata.sort_unstable();
            assert_eq!(strata, (0..8).collect::<Vec<_>>());
        }
    }

    #[test]
    fn values_map_ranges_and_distributions() {
        let s = spec("buyer.champion").unwrap();
        let r = Input::Range { from: 0.2, to: 0.6 };
        assert!((value(&r, s, 0.5) - 0.4).abs() < 1e-12);
        let beta = Input::Dist(Dist::Beta { a: 2.0, b: 2.0 });
        assert!((value(&beta, s, 0.5) - 0.5).abs() < 1e-9);
        let tri = Dist::Triangular {
            min: 0.0,
            mode: 0.5,
            max: 1.0,
        };
        assert!((quantile(&tri, 0.125) - 0.25).abs() < 1e-12);
        let n = Dist::Normal {
            mean: 0.5,
            sd: 0.1,
            min: Some(0.0),
            max: Some(1.0),
        };
        assert!((quantile(&n, 0.975) - (0.5 + 0.1 * 1.959963984540054)).abs() < 1e-6);
        let m = spec("months").unwrap();
        let months = Input::Range {
            from: 10.0,
            to: 13.0,
        };
        let got: Vec<f64> = [0.0, 0.2, 0.3, 0.6, 0.99, 1.0]
            .iter()
            .map(|&u| value(&months, m, u))
            .collect();
        assert_eq!(got, vec![10.0, 10.0, 11.0, 12.0, 13.0, 13.0]);
        let sw = spec("mechanisms.champion").unwrap();
        let on_off = Input::Range { from: 0.0, to: 1.0 };
        assert_eq!(
            (value(&on_off, sw, 0.0), value(&on_off, sw, 2.0 / 3.0)),
            (0.0, 1.0)
        );
        let choice = Dist::Choice {
            values: vec![1.0, 2.0, 3.0],
            weights: Some(vec![1.0, 2.0, 1.0]),
        };
        assert_eq!(
            [0.2, 0.3, 0.7, 0.8].map(|u| quantile(&choice, u)),
            [1.0, 2.0, 2.0, 3.0]
        );
    }
}
