//! Ablation: each mechanism switched off in turn (a rival mechanism, off by default, on), with common random numbers. Two views:
//! which outcomes move ([`ablation`], on one parameter set) and which verdicts of a set of
//! hypotheses change ([`ablation_matrix`]).

use rayon::prelude::*;

use crate::model::params::{ablation_label, mechanism_names};
use crate::model::run_seed;
use crate::model::{OUTCOME_METRICS, Params, Population, RunOutcome, simulate};
use crate::stats::ExactAcc;

use super::propositions::{HypothesisSet, PropositionError, ablated, run_sets};

/// Means with 95% CIs of every outcome of [`OUTCOME_METRICS`] over `runs` runs, seeds
/// derived from `seed` (the same seeds for any `params`: common random numbers), with the
/// parameters of `population` drawn for each run on top of `params`.
pub fn outcome_stats(
    params: &Params,
    population: &Population,
    runs: u64,
    seed: u64,
) -> Vec<ExactAcc> {
    (0..runs)
        .into_par_iter()
        .fold(
            || vec![ExactAcc::default(); OUTCOME_METRICS.len()],
            |mut acc, r| {
                let s = run_seed(seed, 0, r);
                let o = simulate(&population.realise(params, s), s);
                for (a, v) in acc.iter_mut().zip(o.metrics()) {
                    a.push(v);
                }
                acc
            },
        )
        .reduce(
            || vec![ExactAcc::default(); OUTCOME_METRICS.len()],
            |mut a, b| {
                for (x, y) in a.iter_mut().zip(&b) {
                    x.merge(y);
                }
                a
            },
        )
}

/// One row of the ablation table: a mechanism ablated (off, or on for a rival mechanism).
#[derive(Clone, Debug)]
pub struct AblationRow {
    /// Mechanism name.
    pub mechanism: &'static str,
    /// Outcomes whose mean moved beyond the baseline's 95% CI, with (baseline mean,
    /// ablated mean), largest relative change first.
    pub changed: Vec<(&'static str, f64, f64)>,
}

/// Turn off each mechanism of `base` in turn and list the outcomes whose mean leaves the
/// baseline's 95% confidence interval (and whose own CI does not overlap it). The
/// parameters of `population` are drawn for each run (a switched-off mechanism is off
/// whatever its distribution).
pub fn ablation(base: &Params, population: &Population, runs: u64, seed: u64) -> Vec<AblationRow> {
    let reference = outcome_stats(base, population, runs, seed);
    mechanism_names()
        .map(|name| {
            let (p, pop) = ablated(base, population, name);
            let ablated = outcome_stats(&p, &pop, runs, seed);
            let mut changed: Vec<(&'static str, f64, f64)> = OUTCOME_METRICS
                .iter()
                .zip(reference.iter().zip(&ablated))
                .zip(RunOutcome::BINARY)
                .filter_map(|((metric, (r, a)), binary)| {
                    // Shares of runs (0/1 outcomes) with Wilson's interval.
                    let (_, _, rlo, rhi) = r.stats(binary);
                    let (_, _, alo, ahi) = a.stats(binary);
                    let apart = a.mean() > rhi && alo > rhi || a.mean() < rlo && ahi < rlo;
                    apart.then_some((*metric, r.mean(), a.mean()))
                })
                .collect();
            changed.sort_by(|x, y| {
                let rel = |(_, b, a): &(&str, f64, f64)| ((a - b) / b.abs().max(1e-9)).abs();
                rel(y).total_cmp(&rel(x))
            });
            AblationRow {
                mechanism: name,
                changed,
            }
        })
        .collect()
}

/// One row of the verdict × ablated-mechanism table: hypothesis id, then the verdict with
/// every mechanism on followed by the verdict with each mechanism off.
pub type AblationMatrixRow = (String, Vec<&'static str>);

/// Verdicts of every hypothesis with each mechanism switched off in turn. Returns the
/// mechanism names (column order) and the rows.
pub fn ablation_matrix(
    sets: &[HypothesisSet],
) -> Result<(Vec<&'static str>, Vec<AblationMatrixRow>), PropositionError> {
    let mechs: Vec<&'static str> = mechanism_names().collect();
    let base = run_sets(sets, None)?;
    let mut cols = Vec::new();
    for m in &mechs {
        cols.push(run_sets(sets, Some(m))?);
    }
    let rows = base
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let mut v = vec![r.verdict.as_str()];
            v.extend(cols.iter().map(|c| c[i].verdict.as_str()));
            (r.hypothesis.id.clone(), v)
        })
        .collect();
    Ok((mechs, rows))
}

/// The ablation matrix as markdown (S = supported, C = contradicted, · = inconclusive).
pub fn ablation_markdown(mechs: &[&str], rows: &[AblationMatrixRow]) -> String {
    let abbrev = |v: &str| match v {
        "supported" => "S",
        "contradicted" => "C",
        _ => "·",
    };
    let mut s = String::from("| id | all on |");
    for m in mechs {
        s.push_str(&format!(" {m} {} |", ablation_label(m)));
    }
    s.push_str("\n|---|---|");
    for _ in mechs {
        s.push_str("---|");
    }
    s.push('\n');
    for (id, v) in rows {
        s.push_str(&format!("| {id} |"));
        for x in v {
            s.push_str(&format!(" {} |", abbrev(x)));
        }
        s.push('\n');
    }
    s
}
