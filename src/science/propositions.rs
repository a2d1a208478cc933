//! Running sets of hypotheses: the shipped battery (`dyadsim propositions`), the blocks of
//! one scenario file (`dyadsim run`), and the verdict × ablated-mechanism table.

use std::path::{Path, PathBuf};

use thiserror::Error;

use super::battery::BATTERY;
use super::hypothesis::{self, Hypothesis, HypothesisError, HypothesisResult};
use super::robustness::Robustness;
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

/// `sets` with mechanism `name` ablated in every scenario's base parameters and population
/// ([`ablated`]).
pub fn ablated_sets(sets: &[HypothesisSet], name: &str) -> Vec<HypothesisSet> {
    sets.iter()
        .map(|set| {
            let (base, population) = ablated(&set.scenario.base, &set.scenario.population, name);
            let mut set = set.clone();
            set.scenario.base = base;
            set.scenario.population = population;
            set
        })
        .collect()
}

/// Run every hypothesis of `sets`, with mechanism `ablate` ablated in the base parameters
/// if given (switched to the opposite of its default: off, or on for a rival mechanism). Each set uses its own seed and replications.
pub fn run_sets(
    sets: &[HypothesisSet],
    ablate: Option<&str>,
) -> Result<Vec<HypothesisResult>, PropositionError> {
    check_mechanism(ablate)?;
    let ablated;
    let sets = match ablate {
        Some(m) => {
            ablated = ablated_sets(sets, m);
            &ablated[..]
        }
        None => sets,
    };
    let mut out = Vec::new();
    for set in sets {
        for h in &set.hypotheses {
            out.push(hypothesis::test(
                h,
                &set.scenario.base,
                &set.scenario.population,
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
    write_results_with(dir, results, None, title, note)
}

/// [`write_results`], with the robustness of each verdict (`--robustness`) in the markdown
/// table and in `robustness.csv` and `robustness_sets.csv`.
pub fn write_results_with(
    dir: &Path,
    results: &[HypothesisResult],
    robustness: Option<&Robustness>,
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
    f.write(markdown_with(results, robustness, title, note).as_bytes())?;
    f.commit()?;
    let mut files = vec![csv_path, md_path];
    if let Some(rob) = robustness {
        files.extend(write_robustness(dir, results, rob)?);
    }
    Ok(files)
}

/// `robustness.csv` (per hypothesis: the shares of verdicts across the parameter sets with
/// Wilson 95% intervals, the predictors of a flip and the region) and `robustness_sets.csv`
/// (per scenario file and set: the drawn parameters and each hypothesis's verdict).
fn write_robustness(
    dir: &Path,
    results: &[HypothesisResult],
    rob: &Robustness,
) -> Result<Vec<PathBuf>, PropositionError> {
    let path = dir.join("robustness.csv");
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&[
        "id",
        "encoding",
        "verdict_at_defaults",
        "sets",
        "pairs_per_set",
        "supported",
        "supported_lo",
        "supported_hi",
        "contradicted",
        "contradicted_lo",
        "contradicted_hi",
        "inconclusive",
        "inconclusive_lo",
        "inconclusive_hi",
        "in_direction",
        "in_direction_lo",
        "in_direction_hi",
        "class",
        "predictor_1",
        "r_1",
        "predictor_2",
        "r_2",
        "predictor_3",
        "r_3",
        "region",
        "supported_in_region",
        "sets_in_region",
        "supported_outside",
    ])?;
    for (k, (h, r)) in rob.summary.iter().zip(results).enumerate() {
        let mut row = vec![
            h.id.clone(),
            h.encoding
                .map(|e| e.as_str().to_string())
                .unwrap_or_default(),
            r.verdict.as_str().to_string(),
            h.sets().to_string(),
            rob.reps[rob.file_of[k]].to_string(),
        ];
        for v in 0..3 {
            let (p, lo, hi) = h.share(v);
            row.extend([num(p), num(lo), num(hi)]);
        }
        let (p, lo, hi) = h.direction_share();
        row.extend([num(p), num(lo), num(hi)]);
        row.push(h.class().to_string());
        for j in 0..3 {
            match h.predictors.get(j) {
                Some(p) => row.extend([p.path.to_string(), num(p.r)]),
                None => row.extend([String::new(), String::new()]),
            }
        }
        match &h.region {
            Some(g) => row.extend([
                format!(
                    "{} {} {}",
                    g.path,
                    if g.above { ">" } else { "<=" },
                    sig(g.cut)
                ),
                num(g.share_in),
                g.n_in.to_string(),
                num(g.share_out),
            ]),
            None => row.extend([String::new(), String::new(), String::new(), String::new()]),
        }
        f.csv_row(&row)?;
    }
    f.commit()?;
    let sets_path = dir.join("robustness_sets.csv");
    let mut f = AtomicFile::create(&sets_path)?;
    let mut header = vec![
        "file".to_string(),
        "set".to_string(),
        "attempts".to_string(),
    ];
    header.extend(rob.params.iter().map(|s| s.path.to_string()));
    header.extend(
        results
            .iter()
            .map(|r| format!("verdict_{}", r.hypothesis.id)),
    );
    f.csv_row(&header)?;
    for (fi, draws) in rob.draws.iter().enumerate() {
        for (i, (values, attempts)) in draws.iter().enumerate() {
            let mut row = vec![rob.files[fi].clone(), i.to_string(), attempts.to_string()];
            row.extend(values.iter().map(|v| num(*v)));
            for (k, vs) in rob.verdicts.iter().enumerate() {
                row.push(if rob.file_of[k] == fi {
                    vs[i].as_str().to_string()
                } else {
                    String::new()
                });
            }
            f.csv_row(&row)?;
        }
    }
    f.commit()?;
    Ok(vec![path, sets_path])
}

/// The results as a markdown document.
pub fn markdown(results: &[HypothesisResult], title: &str, note: &str) -> String {
    markdown_with(results, None, title, note)
}

/// [`markdown`], with a column of each verdict's robustness across parameter sets.
pub fn markdown_with(
    results: &[HypothesisResult],
    robustness: Option<&Robustness>,
    title: &str,
    note: &str,
) -> String {
    let mut s = format!("# {title}\n\n{note}\n\n");
    let rob_head = robustness.map_or(String::new(), |r| {
        format!(
            " share of {} parameter sets: supported / contradicted / inconclusive (95% CI of supported) |",
            r.sets
        )
    });
    s.push_str(&format!("| id | statement | factor (first → last level) | metric | mean at first | mean at last | effect | 95% CI | d_z | p | n | verdict | encoding |{rob_head}\n"));
    s.push_str(&format!(
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|{}\n",
        if robustness.is_some() { "---|" } else { "" }
    ));
    for (k, r) in results.iter().enumerate() {
        let rob_cell = robustness
            .and_then(|rob| rob.summary.get(k))
            .map_or(String::new(), |h| {
                let pct = |v: usize| format!("{:.0}%", 100.0 * h.share(v).0);
                let (_, lo, hi) = h.share(0);
                format!(
                    " {} / {} / {} ({:.0}–{:.0}%), {} |",
                    pct(0),
                    pct(1),
                    pct(2),
                    100.0 * lo,
                    100.0 * hi,
                    h.class()
                )
            });
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
            "| {} | {} | `{}` {} → {} | {} | {} | {} | {} | [{}, {}] | {} | {} | {} | **{}** | {} |{}\n",
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
            r.verdict.as_str(),
            h.encoding
                .as_ref()
                .map_or("—".to_string(), |(e, why)| format!("{}: {why}", e.as_str())),
            rob_cell
        ));
    }
    let conditioned: Vec<&HypothesisResult> = results
        .iter()
        .filter(|r| r.hypothesis.condition.is_some() || r.dropped > 0)
        .collect();
    if !conditioned.is_empty() {
        s.push_str(
            "\n**Pairs kept.** A pair counts only when the metric is defined at both levels and the \
             condition (if any) holds at both. Where the factor itself changes whether it holds, \
             the estimate is the effect among the dyads that meet it at both levels (survivors), \
             not the average effect over the population:\n\n",
        );
        for r in conditioned {
            let h = &r.hypothesis;
            let total = r.test.n + r.dropped;
            let why = match (&h.condition, h.at) {
                (Some(c), _) => format!("both runs with {c}"),
                (None, At::End) => "the metric defined in both runs".to_string(),
                (None, at) => format!("both runs reaching {at}"),
            };
            s.push_str(&format!(
                "- {}: {} of {} pairs ({:.1}%) kept ({why}).\n",
                h.id,
                r.test.n,
                total,
                100.0 * r.test.n as f64 / total.max(1) as f64
            ));
        }
    }
    if let Some(rob) = robustness {
        s.push_str(&robustness_section(results, rob));
    }
    s
}

/// The robustness section of the markdown: per hypothesis, its class and what predicts a
/// flip.
fn robustness_section(results: &[HypothesisResult], rob: &Robustness) -> String {
    let mut s = format!(
        "\n## Robustness across {} parameter sets\n\n\
         Each hypothesis's paired test was repeated at {} parameter sets drawn from the prior \
         (docs/PROPOSITIONS.md, Robustness), with the same dyads at every set. **robust**: \
         supported in at least 90% of sets (CI lower bound at least 80%); **fails**: supported \
         in under 10% (and not sign robust); **sign robust**: the effect has the expected \
         direction (CI excluding 0) in at least 90% of sets (CI lower bound at least 80%) but \
         reaches its smallest effect of interest less often; **too few sets**: the CI of the supported share spans more than 30 \
         points; **regional**: a region of one parameter where it is supported at least \
         twice as often as outside and in at least half the sets there (checked before sign \
         robust); **mixed**: none of \
         these. Predictors: the point-biserial correlation r of a parameter with \"supported\" \
         across sets; * marks |r| above the Bonferroni-corrected 5% threshold.\n\n\
         \"In direction\" counts the sets whose CI excludes 0 in the expected direction \
         whatever the effect's size: where it is far above \"supported\", the direction holds \
         and what fails is the size against the smallest effect of interest.\n\n\
         | id | encoding | verdict at defaults | supported | contradicted | inconclusive | in direction | class | predictors of a flip (r) | region where it holds more often |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
        rob.sets, rob.sets
    );
    for (h, r) in rob.summary.iter().zip(results) {
        let share = |v: usize| {
            let (p, lo, hi) = h.share(v);
            format!("{:.1}% [{:.1}, {:.1}]", 100.0 * p, 100.0 * lo, 100.0 * hi)
        };
        let preds = if h.predictors.is_empty() {
            "—".to_string()
        } else {
            h.predictors
                .iter()
                .map(|p| {
                    format!(
                        "`{}` {}{}",
                        p.path,
                        sig(p.r),
                        if p.significant { "*" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join("; ")
        };
        let region = h.region.as_ref().map_or("—".to_string(), |g| {
            format!(
                "`{}` {} {}: {:.0}% of {} sets supported, {:.0}% outside",
                g.path,
                if g.above { ">" } else { "≤" },
                sig(g.cut),
                100.0 * g.share_in,
                g.n_in,
                100.0 * g.share_out
            )
        });
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | **{}** | {} | {} |\n",
            h.id,
            h.encoding.map_or("—", |e| e.as_str()),
            r.verdict.as_str(),
            share(0),
            share(1),
            share(2),
            {
                let (p, lo, hi) = h.direction_share();
                format!("{:.1}% [{:.1}, {:.1}]", 100.0 * p, 100.0 * lo, 100.0 * hi)
            },
            h.class(),
            preds,
            region
        ));
    }
    s
}
