//! Running sets of hypotheses: the shipped battery (`dyadsim propositions`), the blocks of
//! one scenario file (`dyadsim run`), and the verdict × ablated-mechanism table.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::battery::BATTERY;
use super::hypothesis::{self, Hypothesis, HypothesisError, HypothesisResult};
use crate::model::params::{ablated_value, mechanism_names, spec};
use crate::model::{Params, Population};
use crate::output::files::PROPOSITIONS_COLUMNS;
use crate::output::{AtomicFile, OutputError, num, sig};
use crate::probe::At;
use crate::scenario::{self, Overrides, Scenario, ScenarioError};

/// Errors of proposition runs.
#[derive(Debug, Error)]
pub enum PropositionError {
    /// A battery or scenario file is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A hypothesis block is invalid.
    #[error(transparent)]
    Hypothesis(#[from] HypothesisError),
    /// Writing results failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// An unknown mechanism was named.
    #[error("unknown mechanism `{0}`{1}; mechanisms: {2}")]
    Mechanism(String, String, String),
}

/// A scenario with its hypotheses.
#[derive(Clone, Debug)]
pub struct HypothesisSet {
    /// File name.
    pub file: String,
    /// The scenario (its base parameters, seed and replications are used).
    pub scenario: Scenario,
    /// Its hypotheses.
    pub hypotheses: Vec<Hypothesis>,
}

/// Parse the shipped battery, applying command-line overrides.
pub fn battery(ov: Overrides) -> Result<Vec<HypothesisSet>, PropositionError> {
    BATTERY
        .iter()
        .map(|(name, text)| {
            let (s, extras) = scenario::parse(text, name, ov)?;
            let hypotheses = hypothesis::parse_all(name, &extras.hypotheses)?;
            Ok(HypothesisSet {
                file: (*name).to_string(),
                scenario: s,
                hypotheses,
            })
        })
        .collect()
}

/// Check a mechanism name (or `None`).
pub fn check_mechanism(m: Option<&str>) -> Result<(), PropositionError> {
    if let Some(m) = m
        && !mechanism_names().any(|n| n == m)
    {
        let hint = crate::model::params::nearest(m, mechanism_names())
            .map(|s| format!(" (did you mean `{s}`?)"))
            .unwrap_or_default();
        return Err(PropositionError::Mechanism(
            m.to_string(),
            hint,
            mechanism_names().collect::<Vec<_>>().join(", "),
        ));
    }
    Ok(())
}

/// `base` and `population` with mechanism `name` ablated: switched to the opposite of its
/// default (off, or on for a rival mechanism) and no longer drawn. An unknown name leaves
/// both unchanged (callers check names first).
pub fn ablated(base: &Params, population: &Population, name: &str) -> (Params, Population) {
    let path = format!("mechanisms.{name}");
    let mut p = base.clone();
    match (spec(&path), ablated_value(name)) {
        (Some(s), Some(v)) => {
            s.set(&mut p, v);
            (p, population.without(s))
        }
        _ => (p, population.clone()),
    }
}

/// Run every hypothesis of `sets`, with mechanism `ablate` ablated in the base parameters
/// if given (switched to the opposite of its default: off, or on for a rival mechanism). Each set uses its own seed and replications.
pub fn run_sets(
    sets: &[HypothesisSet],
    ablate: Option<&str>,
) -> Result<Vec<HypothesisResult>, PropositionError> {
    check_mechanism(ablate)?;
    let mut out = Vec::new();
    for set in sets {
        let (base, population) = match ablate {
            Some(m) => ablated(&set.scenario.base, &set.scenario.population, m),
            None => (set.scenario.base.clone(), set.scenario.population.clone()),
        };
        for h in &set.hypotheses {
            out.push(hypothesis::test(
                h,
                &base,
                &population,
                set.scenario.replications,
                set.scenario.seed,
            ));
        }
    }
    Ok(out)
}

/// A plain-text table of results for the terminal.
pub fn table(results: &[HypothesisResult]) -> String {
    let mut s = format!(
        "{:<6} {:<64} {:>11} {:>25} {:>12}\n",
        "id", "statement", "effect", "95% CI", "verdict"
    );
    for r in results {
        let mut st = r.hypothesis.statement.clone();
        if st.chars().count() > 64 {
            st = st.chars().take(61).collect::<String>() + "...";
        }
        s.push_str(&format!(
            "{:<6} {:<64} {:>11} {:>25} {:>12}\n",
            r.hypothesis.id,
            st,
            sig(r.test.diff_mean),
            format!("[{}, {}]", sig(r.test.ci_lo), sig(r.test.ci_hi)),
            r.verdict.as_str()
        ));
    }
    s
}

/// Write `propositions.csv` and `propositions.md` into `dir`.
pub fn write_results(
    dir: &Path,
    results: &[HypothesisResult],
    title: &str,
    note: &str,
) -> Result<Vec<PathBuf>, PropositionError> {
    std::fs::create_dir_all(dir).map_err(crate::output::io_err(dir))?;
    let csv_path = dir.join("propositions.csv");
    let mut f = AtomicFile::create(&csv_path)?;
    f.csv_row(&PROPOSITIONS_COLUMNS)?;
    for r in results {
        f.csv_row(&hypothesis::csv_record(r))?;
    }
    f.commit()?;
    let md_path = dir.join("propositions.md");
    let mut f = AtomicFile::create(&md_path)?;
    f.write(markdown(results, title, note).as_bytes())?;
    f.commit()?;
    Ok(vec![csv_path, md_path])
}

/// The results as a markdown document.
pub fn markdown(results: &[HypothesisResult], title: &str, note: &str) -> String {
    let mut s = format!("# {title}\n\n{note}\n\n");
    s.push_str("| id | statement | factor (first → last level) | metric | mean at first | mean at last | effect | 95% CI | d_z | p | n | verdict |\n");
    s.push_str("|---|---|---|---|---|---|---|---|---|---|---|---|\n");
    for r in results {
        let h = &r.hypothesis;
        let t = &r.test;
        let metric = match h.at {
            At::End => h.metric.to_string(),
            at => format!("{} at {at}", h.metric),
        };
        let metric = match &h.condition {
            Some(c) => format!("{metric} (runs with {c})"),
            None => metric,
        };
        s.push_str(&format!(
            "| {} | {} | `{}` {} → {} | {} | {} | {} | {} | [{}, {}] | {} | {} | {} | **{}** |\n",
            h.id,
            h.statement,
            h.factor.path,
            num(h.levels[0]),
            num(h.levels[h.levels.len() - 1]),
            metric,
            sig(t.mean_a),
            sig(t.mean_b),
            sig(t.diff_mean),
            sig(t.ci_lo),
            sig(t.ci_hi),
            sig(t.effect_size),
            if t.p_value < 1e-4 {
                "<1e-4".to_string()
            } else {
                sig(t.p_value)
            },
            t.n,
            r.verdict.as_str()
        ));
    }
    s
}
