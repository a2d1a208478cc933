//! Hypotheses as experiments: `[[hypothesis]]` blocks in scenario files, run with common
//! random numbers across the factor's levels, judged by a paired test with a 95% CI.
//!
//! A hypothesis names a factor (a parameter path) and its levels, a metric (an outcome, or
//! a trajectory metric read at a month or a phase boundary), an optional condition (an
//! outcome that must be above 0 in both runs of a pair), the expected direction of the effect of
//! moving the factor from its first to its last level, and the smallest effect of interest.

use rayon::prelude::*;
use serde::Serialize;
use thiserror::Error;

use crate::model::params::{ParamKind, check_value, nearest, spec};
use crate::model::run_seed;
use crate::model::{
    MonthRecord, OUTCOME_METRICS, Params, Phase, RunOutcome, TRAJECTORY_METRICS, simulate_with,
};
use crate::stats::ExactAcc;
use crate::stats::{Expect, PairedAccumulator, PairedTest, Verdict, verdict};

/// A bad `[[hypothesis]]` block.
#[derive(Debug, Error)]
#[error("{file}:{line}: [[hypothesis]] {block}: {message}")]
pub struct HypothesisError {
    /// Scenario file.
    pub file: String,
    /// Line where the block starts.
    pub line: usize,
    /// The block's id, or its position when it has none.
    pub block: String,
    /// What is wrong, naming the key.
    pub message: String,
}

/// When a trajectory metric is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum At {
    /// The outcome itself (outcome metrics) or the last month lived (trajectories).
    End,
    /// At the end of this month (1-based); runs that ended earlier are excluded.
    Month(u32),
    /// In the first month of the first spell of a phase.
    Entry(Phase),
    /// In the last month of the first spell of a phase.
    Exit(Phase),
    /// This many months after (negative: before) the start of the first performance
    /// crisis; runs without a crisis are excluded.
    Crisis(i32),
}

/// A validated hypothesis.
#[derive(Clone, Debug, Serialize)]
pub struct Hypothesis {
    /// Identifier, e.g. `P2`.
    pub id: String,
    /// The hypothesis in words.
    pub statement: String,
    /// Factor: a parameter path.
    pub factor: String,
    /// Levels of the factor; the effect is last minus first.
    pub levels: Vec<f64>,
    /// Metric name (outcome or trajectory metric).
    pub metric: String,
    /// When the metric is read.
    pub at: At,
    /// Optional outcome that must be above 0 in both runs of a pair (a flag equal to 1 or a
    /// count above 0).
    pub condition: Option<String>,
    /// Expected direction.
    pub expect: Expect,
    /// Smallest effect of interest, in the metric's units.
    pub smallest_effect: f64,
}

const KEYS: [&str; 9] = [
    "id",
    "statement",
    "factor",
    "levels",
    "metric",
    "at",
    "condition",
    "expect",
    "smallest_effect",
];

/// Validate the `[[hypothesis]]` tables of a scenario.
pub fn parse_all(
    file: &str,
    blocks: &[(usize, toml::Table)],
) -> Result<Vec<Hypothesis>, HypothesisError> {
    blocks
        .iter()
        .enumerate()
        .map(|(i, (line, t))| parse_one(file, *line, i, t))
        .collect()
}

/// How a `[[…]]` block is named in errors: its `id`, or its position.
pub(crate) fn block_name(t: &toml::Table, index: usize) -> String {
    t.get("id")
        .and_then(|v| v.as_str())
        .map_or_else(|| format!("#{}", index + 1), |s| format!("`{s}`"))
}

/// `; did you mean `x`?` for the candidate nearest to `word`, or `otherwise`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl Iterator<Item = &'a str>,
    otherwise: &str,
) -> String {
    nearest(word, candidates)
        .map(|s| format!("; did you mean `{s}`?"))
        .unwrap_or_else(|| otherwise.to_string())
}

/// An error message for the first key of `t` not in `keys`.
pub(crate) fn unknown_key(t: &toml::Table, keys: &[&str]) -> Option<String> {
    t.keys().find(|k| !keys.contains(&k.as_str())).map(|k| {
        let hint = did_you_mean(
            k,
            keys.iter().copied(),
            &format!("; valid keys: {}", keys.join(", ")),
        );
        format!("unknown key `{k}`{hint}")
    })
}

/// An error message if `metric` is neither an outcome nor a trajectory metric.
pub(crate) fn unknown_metric(metric: &str) -> Option<String> {
    if OUTCOME_METRICS.contains(&metric) || TRAJECTORY_METRICS.contains(&metric) {
        return None;
    }
    let all = OUTCOME_METRICS
        .iter()
        .chain(TRAJECTORY_METRICS.iter())
        .copied();
    let hint = did_you_mean(metric, all, "; the metrics are listed in docs/OUTPUTS.md");
    Some(format!("`metric`: unknown metric `{metric}`{hint}"))
}

fn parse_one(
    file: &str,
    line: usize,
    index: usize,
    t: &toml::Table,
) -> Result<Hypothesis, HypothesisError> {
    let block = block_name(t, index);
    let err = |message: String| HypothesisError {
        file: file.to_string(),
        line,
        block: block.clone(),
        message,
    };
    if let Some(m) = unknown_key(t, &KEYS) {
        return Err(err(m));
    }
    let string = |k: &str| -> Result<String, HypothesisError> {
        match t.get(k) {
            Some(toml::Value::String(s)) => Ok(s.clone()),
            Some(_) => Err(err(format!("`{k}` must be a string"))),
            None => Err(err(format!("`{k}` is missing"))),
        }
    };
    let id = string("id")?;
    let statement = string("statement")?;
    let factor = string("factor")?;
    let Some(fspec) = spec(&factor) else {
        let hint = crate::model::params::nearest_path(&factor)
            .map(|s| format!("; did you mean `{s}`?"))
            .unwrap_or_default();
        return Err(err(format!("`factor`: unknown parameter `{factor}`{hint}")));
    };
    let levels: Vec<f64> = match t.get("levels") {
        Some(toml::Value::Array(a)) => a
            .iter()
            .map(|v| match v {
                toml::Value::Float(f) => Ok(*f),
                toml::Value::Integer(i) => Ok(*i as f64),
                toml::Value::Boolean(b) => Ok(f64::from(u8::from(*b))),
                _ => Err(err("`levels` must be numbers or booleans".into())),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(err("`levels` must be an array".into())),
        None => return Err(err("`levels` is missing".into())),
    };
    if levels.len() < 2 {
        return Err(err(format!(
            "`levels` needs at least two levels to compare, got {}",
            levels.len()
        )));
    }
    for &l in &levels {
        check_value(fspec, l).map_err(|e| err(format!("`levels`: {e}")))?;
    }
    let metric = string("metric")?;
    if let Some(m) = unknown_metric(&metric) {
        return Err(err(m));
    }
    let is_outcome = OUTCOME_METRICS.contains(&metric.as_str());
    let is_traj = TRAJECTORY_METRICS.contains(&metric.as_str());
    let at = match t.get("at") {
        None => At::End,
        Some(toml::Value::String(s)) => parse_at(s).ok_or_else(|| {
            err(format!(
                "`at` = {s:?} must be \"end\", \"month:N\", \"crisis:+N\"/\"crisis:-N\" or \"<phase>:entry\"/\"<phase>:exit\" with phase preparation, execution or integration"
            ))
        })?,
        Some(_) => return Err(err("`at` must be a string".into())),
    };
    if is_outcome && !is_traj && at != At::End {
        return Err(err(format!(
            "`at` applies to trajectory metrics; `{metric}` is a run outcome"
        )));
    }
    let condition = match t.get("condition") {
        None => None,
        Some(toml::Value::String(c)) => {
            if !OUTCOME_METRICS.contains(&c.as_str()) {
                let hint = nearest(c, OUTCOME_METRICS.iter().copied())
                    .map(|s| format!("; did you mean `{s}`?"))
                    .unwrap_or_default();
                return Err(err(format!("`condition`: unknown outcome `{c}`{hint}")));
            }
            Some(c.clone())
        }
        Some(_) => return Err(err("`condition` must be a string".into())),
    };
    let expect = match string("expect")?.as_str() {
        "increase" => Expect::Increase,
        "decrease" => Expect::Decrease,
        "none" => Expect::None,
        other => {
            let hint = nearest(other, ["increase", "decrease", "none"].into_iter())
                .map(|s| format!("; did you mean `{s}`?"))
                .unwrap_or_default();
            return Err(err(format!(
                "`expect` = {other:?} must be \"increase\", \"decrease\" or \"none\"{hint}"
            )));
        }
    };
    let smallest_effect = match t.get("smallest_effect") {
        Some(toml::Value::Float(f)) if f.is_finite() && *f >= 0.0 => *f,
        Some(toml::Value::Integer(i)) if *i >= 0 => *i as f64,
        Some(_) => return Err(err("`smallest_effect` must be a number >= 0".into())),
        None => return Err(err("`smallest_effect` is missing".into())),
    };
    let levels = levels
        .into_iter()
        .map(|l| {
            if fspec.kind == ParamKind::Real {
                l
            } else {
                l.round()
            }
        })
        .collect();
    Ok(Hypothesis {
        id,
        statement,
        factor,
        levels,
        metric,
        at,
        condition,
        expect,
        smallest_effect,
    })
}

/// Parse `end`, `month:N`, `<phase>:entry`, `<phase>:exit` or `crisis:±N`.
pub fn parse_at(s: &str) -> Option<At> {
    if s == "end" {
        return Some(At::End);
    }
    let (a, b) = s.split_once(':')?;
    if a == "month" {
        return b.parse().ok().filter(|m| *m >= 1).map(At::Month);
    }
    if a == "crisis" {
        return b.trim_start_matches('+').parse().ok().map(At::Crisis);
    }
    let phase = match a {
        "preparation" => Phase::Preparation,
        "execution" => Phase::Execution,
        "integration" => Phase::Integration,
        _ => return None,
    };
    match b {
        "entry" => Some(At::Entry(phase)),
        "exit" => Some(At::Exit(phase)),
        _ => None,
    }
}

/// The result of testing one hypothesis.
#[derive(Clone, Debug, Serialize)]
pub struct HypothesisResult {
    /// The hypothesis.
    pub hypothesis: Hypothesis,
    /// Mean of the metric at each level (over the pairs kept).
    pub level_means: Vec<f64>,
    /// Paired test of last level minus first level.
    pub test: PairedTest,
    /// Pairs dropped because the metric was undefined or the condition failed.
    pub dropped: u64,
    /// The verdict.
    pub verdict: Verdict,
}

/// A run's month records and outcome, for reading metrics at points in time.
pub struct RunTrace {
    /// Every month's record, in order.
    pub records: Vec<MonthRecord>,
    /// The outcome.
    pub outcome: RunOutcome,
}

impl RunTrace {
    /// Simulate a run and keep its records.
    pub fn simulate(params: &Params, seed: u64) -> Self {
        let mut records = Vec::with_capacity(params.months as usize);
        let outcome = simulate_with(params, seed, |r| records.push(*r));
        RunTrace { records, outcome }
    }

    /// Whether outcome `name` is above 0 (a flag set or a count above 0); `false` for
    /// unknown names.
    pub fn holds(&self, name: &str) -> bool {
        OUTCOME_METRICS
            .iter()
            .position(|m| *m == name)
            .is_some_and(|k| self.outcome.metrics()[k] > 0.0)
    }

    /// The month index (0-based) that `at` designates, if the run has it.
    fn index(&self, at: At) -> Option<usize> {
        let rs = &self.records;
        match at {
            At::End => rs.len().checked_sub(1),
            At::Month(m) => (m as usize).checked_sub(1).filter(|i| *i < rs.len()),
            At::Entry(ph) => rs.iter().position(|r| r.phase == ph),
            At::Exit(ph) => {
                let start = rs.iter().position(|r| r.phase == ph)?;
                let len = rs[start..].iter().take_while(|r| r.phase == ph).count();
                Some(start + len - 1)
            }
            At::Crisis(offset) => {
                let start = rs
                    .iter()
                    .position(|r| r.events.has(crate::model::Events::CRISIS_START))?;
                let i = start as i64 + i64::from(offset);
                usize::try_from(i).ok().filter(|i| *i < rs.len())
            }
        }
    }

    /// The value of `metric` (an outcome, or a trajectory metric) at `at`; NaN where
    /// undefined. Outcomes are only read at [`At::End`].
    pub fn value(&self, metric: &str, at: At) -> f64 {
        if let Some(j) = TRAJECTORY_METRICS.iter().position(|m| *m == metric)
            && (at != At::End || !OUTCOME_METRICS.contains(&metric))
        {
            return self
                .index(at)
                .map_or(f64::NAN, |i| self.records[i].metrics()[j]);
        }
        match OUTCOME_METRICS.iter().position(|m| *m == metric) {
            Some(k) if at == At::End => self.outcome.metrics()[k],
            _ => f64::NAN,
        }
    }
}

fn read_metric(h: &Hypothesis, params: &Params, seed: u64) -> (f64, bool) {
    let run = RunTrace::simulate(params, seed);
    let cond = h.condition.as_ref().is_none_or(|c| run.holds(c));
    (run.value(&h.metric, h.at), cond)
}

/// Run one hypothesis: `reps` pairs (common random numbers: replication r uses the same
/// seed at every level) on top of `base`.
pub fn test(h: &Hypothesis, base: &Params, reps: u64, seed: u64) -> HypothesisResult {
    let fspec = spec(&h.factor).expect("validated factor");
    let level_params: Vec<Params> = h
        .levels
        .iter()
        .map(|&l| {
            let mut p = base.clone();
            fspec.set(&mut p, l);
            p
        })
        .collect();
    // Each replication's values at every level, collected in order (deterministic).
    let rows: Vec<Vec<(f64, bool)>> = (0..reps)
        .into_par_iter()
        .map(|r| {
            let s = run_seed(seed, 0, r);
            level_params.iter().map(|p| read_metric(h, p, s)).collect()
        })
        .collect();
    let mut acc = PairedAccumulator::default();
    let mut means = vec![ExactAcc::default(); h.levels.len()];
    let mut dropped = 0;
    for row in &rows {
        let ok = row.iter().all(|(v, c)| v.is_finite() && *c);
        if !ok {
            dropped += 1;
            continue;
        }
        for (m, (v, _)) in means.iter_mut().zip(row) {
            m.push(*v);
        }
        acc.push(row[0].0, row[row.len() - 1].0);
    }
    let t = acc.finish();
    let v = if t.n < 2 {
        Verdict::Inconclusive
    } else {
        verdict(&t, h.expect, h.smallest_effect)
    };
    HypothesisResult {
        hypothesis: h.clone(),
        level_means: means.iter().map(|m| m.mean()).collect(),
        test: t,
        dropped,
        verdict: v,
    }
}

/// Header of `propositions.csv`.
pub const CSV_HEADER: [&str; 19] = [
    "id",
    "statement",
    "factor",
    "metric",
    "at",
    "condition",
    "level_a",
    "level_b",
    "mean_a",
    "mean_b",
    "effect",
    "ci_lo",
    "ci_hi",
    "effect_size",
    "p_value",
    "n",
    "smallest_effect",
    "expect",
    "verdict",
];

/// `at` as written in scenario files.
pub fn at_str(at: At) -> String {
    match at {
        At::End => "end".into(),
        At::Month(m) => format!("month:{m}"),
        At::Entry(p) => format!("{}:entry", p.as_str()),
        At::Exit(p) => format!("{}:exit", p.as_str()),
        At::Crisis(o) => format!("crisis:{o:+}"),
    }
}

/// One CSV record of a result.
pub fn csv_record(r: &HypothesisResult) -> Vec<String> {
    use crate::output::num;
    let h = &r.hypothesis;
    let t = &r.test;
    vec![
        h.id.clone(),
        h.statement.clone(),
        h.factor.clone(),
        h.metric.clone(),
        at_str(h.at),
        h.condition.clone().unwrap_or_default(),
        num(h.levels[0]),
        num(h.levels[h.levels.len() - 1]),
        num(t.mean_a),
        num(t.mean_b),
        num(t.diff_mean),
        num(t.ci_lo),
        num(t.ci_hi),
        num(t.effect_size),
        num(t.p_value),
        t.n.to_string(),
        num(h.smallest_effect),
        h.expect.as_str().to_string(),
        r.verdict.as_str().to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    fn parse(text: &str) -> Result<Hypothesis, HypothesisError> {
        parse_one("h.toml", 3, 0, &table(text))
    }

    const OK: &str = "id = \"X\"\nstatement = \"s\"\nfactor = \"buyer.engagement\"\nlevels = [0.2, 0.8]\nmetric = \"sunk_costs\"\nexpect = \"decrease\"\nsmallest_effect = 1.0\n";

    #[test]
    fn a_valid_block_parses() {
        let h = parse(OK).unwrap();
        assert_eq!(h.levels, vec![0.2, 0.8]);
        assert_eq!(h.at, At::End);
    }

    #[test]
    fn bad_blocks_name_the_block_and_key() {
        let e = parse(&OK.replace("sunk_costs", "sunk_cost"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("h.toml:3: [[hypothesis]] `X`")
                && e.contains("`metric`")
                && e.contains("did you mean `sunk_costs`"),
            "{e}"
        );
        let e = parse(&OK.replace("buyer.engagement", "buyer.engagment"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`factor`") && e.contains("buyer.engagement"),
            "{e}"
        );
        let e = parse(&OK.replace("[0.2, 0.8]", "[0.2]"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("`levels`") && e.contains("two levels"), "{e}");
        let e = parse(&OK.replace("\"decrease\"", "\"decreases\""))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("`expect`") && e.contains("did you mean `decrease`"),
            "{e}"
        );
        let e = parse(&OK.replace("[0.2, 0.8]", "[0.2, 1.8]"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("out of range"), "{e}");
        let e = parse(&format!(
            "{}at = \"month:12\"\n",
            OK.replace("sunk_costs", "investment")
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("`at` applies to trajectory metrics"), "{e}");
        let e = parse(&format!("{OK}levle = 3\n")).unwrap_err().to_string();
        assert!(e.contains("unknown key `levle`"), "{e}");
    }

    #[test]
    fn a_factor_the_model_ignores_is_never_supported() {
        // The L/M/H thresholds only code asymmetry; they do not move value creation.
        let h = parse(
            "id = \"null\"\nstatement = \"s\"\nfactor = \"power.level_low\"\nlevels = [0.0, 0.3]\nmetric = \"value_created\"\nexpect = \"increase\"\nsmallest_effect = 1.0\n",
        )
        .unwrap();
        let r = test(&h, &Params::default(), 200, 5);
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert_eq!(r.test.diff_mean, 0.0);
        let mut none = h.clone();
        none.expect = Expect::None;
        let r = test(&none, &Params::default(), 200, 5);
        assert_eq!(
            r.verdict,
            Verdict::Supported,
            "equivalent within the margin"
        );
    }

    #[test]
    fn trajectory_metrics_are_read_at_months_and_phases() {
        let mut h = parse(OK).unwrap();
        h.metric = "supplier_trust".into();
        h.at = At::Month(6);
        let r = test(&h, &Params::default(), 50, 1);
        assert_eq!(r.test.n + r.dropped, 50);
        assert!(r.test.mean_a > 0.0 && r.test.mean_a < 1.0);
        h.metric = "asymmetry".into();
        h.at = At::Exit(Phase::Preparation);
        let r = test(&h, &Params::default(), 50, 1);
        assert!(r.test.n > 0);
    }

    #[test]
    fn results_are_deterministic() {
        let h = parse(OK).unwrap();
        let a = test(&h, &Params::default(), 100, 9);
        let b = test(&h, &Params::default(), 100, 9);
        assert_eq!(a.test, b.test);
    }
}
