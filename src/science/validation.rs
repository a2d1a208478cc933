//! Pattern-oriented validation: scenario packs calibrated from the case studies declare
//! `[[pattern]]`s that the simulated data must reproduce; each is measured with a 95% CI
//! and judged pass, fail or inconclusive.
//!
//! Rules:
//! - `mean_above` / `mean_below` with `threshold`: the metric's mean (at `at`).
//! - `share_above` / `share_below` with `threshold` and `range = [lo, hi]`: the share of
//!   runs whose value lies in `[lo, hi)` (default `[0.5, inf)`, i.e. a flag that is set).
//! - `falls` / `rises` with `from` and `to`: the within-run change from one point in time
//!   to another.
//! - `dips_then_recovers` with `from`, `mid` and `to`: falls from `from` to `mid` and rises
//!   from `mid` to `to`.
//!
//! A pattern passes when the 95% CI lies on the required side of the threshold (or of 0 for
//! changes), fails when it lies on the other side, and is inconclusive when it straddles.
//!
//! Scope and levels:
//! - `point = "name"` restricts a pattern to the runs of one design point, named by the
//!   scenario's `[sweep] labels` (or `point_0`, `point_1`, ... by 0-based index, as in the
//!   outputs' `point` column, when it has none); without
//!   it the pattern pools every point.
//! - `level = "high" | "medium" | "low" | "reversed"` (share rules only) is the range of
//!   that asymmetry level under the scenario's `[coding]` table, instead of `range`.
//! - Pattern ids are unique within a pack.

use rayon::prelude::*;
use thiserror::Error;

use crate::model::{ParamSpec, run_seed};
use crate::output::{AtomicFile, OutputError, num, sig};
use crate::probe::{At, Metric, RunTrace};
use crate::scenario::{
    self, Block, BlockError, Coding, LEVELS, Overrides, Scenario, ScenarioError, did_you_mean,
    toml_number,
};
use crate::stats::{ExactAcc, share_stats};

/// The shipped packs: `(file name, TOML text)`.
pub const PACKS: &[(&str, &str)] = &[
    (
        "success_case.toml",
        include_str!("../../scenarios/cases/success_case.toml"),
    ),
    (
        "failure_case.toml",
        include_str!("../../scenarios/cases/failure_case.toml"),
    ),
    (
        "eighteen_dyads.toml",
        include_str!("../../scenarios/cases/eighteen_dyads.toml"),
    ),
];

/// Errors of validation.
#[derive(Debug, Error)]
pub enum ValidationError {
    /// A pack's scenario is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// A `[[pattern]]` block is invalid.
    #[error(transparent)]
    Pattern(#[from] BlockError),
    /// Writing results failed.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// No pack of that name.
    #[error(
        "unknown pack `{0}`; packs: success_case, failure_case, eighteen_dyads, or a file path"
    )]
    UnknownPack(String),
}

/// What a pattern checks.
#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    /// Mean above the threshold.
    MeanAbove(f64),
    /// Mean below the threshold.
    MeanBelow(f64),
    /// Share of runs with a value in `[lo, hi)` above the threshold.
    ShareAbove {
        /// Required share.
        share: f64,
        /// Lower end of the range.
        lo: f64,
        /// Upper end of the range.
        hi: f64,
    },
    /// Share of runs with a value in `[lo, hi)` below the threshold.
    ShareBelow {
        /// Required share.
        share: f64,
        /// Lower end of the range.
        lo: f64,
        /// Upper end of the range.
        hi: f64,
    },
    /// The value falls from one time to another.
    Falls(At, At),
    /// The value rises from one time to another.
    Rises(At, At),
    /// The value falls from the first time to the second, then rises to the third.
    DipsThenRecovers(At, At, At),
}

/// A declared pattern.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Identifier.
    pub id: String,
    /// Source passage.
    pub source: String,
    /// The pattern in words.
    pub description: String,
    /// Metric.
    pub metric: Metric,
    /// When the metric is read (for mean and share rules).
    pub at: At,
    /// Optional outcome that must be above 0 for a run to count.
    pub condition: Option<Metric>,
    /// The rule.
    pub rule: Rule,
    /// What the model does here (an explanation written after running, shown in the
    /// report; it never changes the verdict).
    pub note: Option<String>,
    /// The design point the pattern is restricted to (`None`: all points pooled).
    pub point: Option<PointRef>,
    /// The asymmetry level named by `level` (its range is in the rule).
    pub level: Option<&'static str>,
}

/// A design point named by a pattern's `point` key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PointRef {
    /// Index of the design point (0-based, in design order).
    pub index: usize,
    /// Its name: a `[sweep] labels` entry, or `point_N`.
    pub name: String,
}

/// What patterns are resolved against: the names of the design points and the `[coding]`
/// of asymmetry levels.
#[derive(Clone, Debug, Default)]
pub struct PatternContext {
    /// `[sweep] labels` (empty: points are named `point_N`, N 0-based).
    pub labels: Vec<String>,
    /// Number of design points (`None`: unknown, any `point_N` is accepted).
    pub points: Option<usize>,
    /// Levels of asymmetry.
    pub coding: Coding,
}

impl PatternContext {
    /// The context of a parsed scenario.
    pub fn of(s: &Scenario) -> Self {
        PatternContext {
            labels: s.labels.clone(),
            points: Some(s.points.len()),
            coding: s.coding,
        }
    }
}

/// Pass, fail or inconclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The CI lies on the required side.
    Pass,
    /// The CI lies on the other side.
    Fail,
    /// The CI straddles the threshold, or too few runs.
    Inconclusive,
}

impl Outcome {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Inconclusive => "inconclusive",
        }
    }
}

/// A measured pattern.
#[derive(Clone, Debug)]
pub struct PatternResult {
    /// Pack file.
    pub pack: String,
    /// The pattern.
    pub pattern: Pattern,
    /// Measured value (mean, share or mean change; for dips, the fall then the rise).
    pub value: Vec<f64>,
    /// 95% CI of each measured value.
    pub ci: Vec<(f64, f64)>,
    /// Runs that counted.
    pub n: u64,
    /// The verdict.
    pub outcome: Outcome,
}

pub(crate) const KEYS: [&str; 15] = [
    "id",
    "point",
    "level",
    "note",
    "source",
    "description",
    "metric",
    "at",
    "condition",
    "rule",
    "threshold",
    "range",
    "from",
    "mid",
    "to",
];
pub(crate) const RULES: [&str; 7] = [
    "mean_above",
    "mean_below",
    "share_above",
    "share_below",
    "falls",
    "rises",
    "dips_then_recovers",
];

/// Validate the `[[pattern]]` tables of a scenario (with their starting lines) without
/// the scenario: `point` may only name `point_N` and `level` uses the default coding. Use
/// [`parse_patterns_in`] with [`PatternContext::of`] to resolve a scenario's labels and
/// `[coding]` (as [`parse_pack`] does).
pub fn parse_patterns(
    file: &str,
    blocks: &[(usize, toml::Table)],
) -> Result<Vec<Pattern>, ValidationError> {
    parse_patterns_in(file, blocks, &PatternContext::default())
}

/// Validate the `[[pattern]]` tables of a scenario against its design points and coding.
pub fn parse_patterns_in(
    file: &str,
    blocks: &[(usize, toml::Table)],
    ctx: &PatternContext,
) -> Result<Vec<Pattern>, ValidationError> {
    let mut out: Vec<(usize, Pattern)> = Vec::with_capacity(blocks.len());
    for (i, (line, t)) in blocks.iter().enumerate() {
        let p = parse_pattern(file, *line, i, t, ctx)?;
        if let Some((first, _)) = out.iter().find(|(_, q)| q.id == p.id) {
            let block = Block::open("pattern", file, *line, i, t, &KEYS)?;
            return Err(ValidationError::Pattern(block.err(format!(
                "`id` = {:?} is already used by the pattern at line {first}; ids must be unique within a pack",
                p.id
            ))));
        }
        out.push((*line, p));
    }
    Ok(out.into_iter().map(|(_, p)| p).collect())
}

fn parse_pattern(
    file: &str,
    line: usize,
    index: usize,
    t: &toml::Table,
    ctx: &PatternContext,
) -> Result<Pattern, ValidationError> {
    let block = Block::open("pattern", file, line, index, t, &KEYS)?;
    let err = |message: String| ValidationError::Pattern(block.err(message));
    let string = |k: &str| -> Result<String, ValidationError> {
        t.get(k)
            .and_then(|v| v.as_str())
            .map(str::to_string)
            .ok_or_else(|| err(format!("`{k}` must be a string")))
    };
    let number = |k: &str| -> Result<f64, ValidationError> {
        t.get(k)
            .and_then(toml_number)
            .ok_or_else(|| err(format!("`{k}` must be a number")))
    };
    let time = |k: &str| -> Result<At, ValidationError> {
        let s = string(k)?;
        At::parse(&s).ok_or_else(|| {
            err(format!(
                "`{k}` = {s:?} must be end, month:N, crisis:±N, or <phase>:entry / <phase>:exit"
            ))
        })
    };
    let metric = Metric::parse(&string("metric")?).map_err(&err)?;
    let at = if t.contains_key("at") {
        time("at")?
    } else {
        At::End
    };
    let level = match t.get("level") {
        None => None,
        Some(toml::Value::String(l)) => match LEVELS.iter().find(|x| **x == l) {
            Some(x) => Some(*x),
            None => {
                let hint = did_you_mean(l, LEVELS.iter().copied(), "");
                return Err(err(format!(
                    "`level` = {l:?} must be one of {}{hint}",
                    LEVELS.join(", ")
                )));
            }
        },
        Some(_) => return Err(err("`level` must be a string".into())),
    };
    let range = match (t.get("range"), level) {
        (Some(_), Some(_)) => {
            return Err(err(
                "give either `level` or `range`, not both (a level is a range under [coding])"
                    .into(),
            ));
        }
        (None, Some(l)) => ctx.coding.range(l).unwrap_or((f64::NAN, f64::NAN)),
        (None, None) => (0.5, f64::INFINITY),
        (Some(toml::Value::Array(a)), None) if a.len() == 2 => {
            match (toml_number(&a[0]), toml_number(&a[1])) {
                (Some(lo), Some(hi)) if lo < hi => (lo, hi),
                _ => return Err(err("`range` must be [lo, hi] with lo < hi".into())),
            }
        }
        (Some(_), None) => return Err(err("`range` must be [lo, hi]".into())),
    };
    let rule_name = string("rule")?;
    if level.is_some() && !matches!(rule_name.as_str(), "share_above" | "share_below") {
        return Err(err(format!(
            "`level` needs rule = \"share_above\" or \"share_below\", not {rule_name:?}"
        )));
    }
    let rule = match rule_name.as_str() {
        "mean_above" => Rule::MeanAbove(number("threshold")?),
        "mean_below" => Rule::MeanBelow(number("threshold")?),
        "share_above" => Rule::ShareAbove {
            share: number("threshold")?,
            lo: range.0,
            hi: range.1,
        },
        "share_below" => Rule::ShareBelow {
            share: number("threshold")?,
            lo: range.0,
            hi: range.1,
        },
        "falls" => Rule::Falls(time("from")?, time("to")?),
        "rises" => Rule::Rises(time("from")?, time("to")?),
        "dips_then_recovers" => Rule::DipsThenRecovers(time("from")?, time("mid")?, time("to")?),
        other => {
            let hint = did_you_mean(other, RULES.iter().copied(), "");
            return Err(err(format!(
                "`rule` = {other:?} must be one of {}{hint}",
                RULES.join(", ")
            )));
        }
    };
    let point = match t.get("point") {
        None => None,
        Some(toml::Value::String(name)) => {
            match scenario::point_index(&ctx.labels, ctx.points, name) {
                Some(index) => Some(PointRef {
                    index,
                    name: name.clone(),
                }),
                None => {
                    let what = if ctx.labels.is_empty() {
                        match ctx.points {
                            Some(n) => format!(
                                "the scenario has no [sweep] labels, so its {n} design point(s) are point_0 ... point_{}", n.saturating_sub(1)
                            ),
                            None => "without the scenario's labels, points are named point_0, point_1, ...".to_string(),
                        }
                    } else {
                        format!(
                            "the design points are named by [sweep] labels ({} of them)",
                            ctx.labels.len()
                        )
                    };
                    let hint = did_you_mean(name, ctx.labels.iter().map(String::as_str), "");
                    return Err(err(format!(
                        "`point` = {name:?} is not a design point: {what}{hint}"
                    )));
                }
            }
        }
        Some(_) => return Err(err("`point` must be a design point's name".into())),
    };
    let condition = match t.get("condition") {
        None => None,
        Some(toml::Value::String(c)) => Some(
            Metric::parse_outcome(c).map_err(|_| err("`condition` must name an outcome".into()))?,
        ),
        Some(_) => return Err(err("`condition` must name an outcome".into())),
    };
    Ok(Pattern {
        id: string("id")?,
        source: string("source")?,
        description: string("description")?,
        metric,
        at,
        condition,
        rule,
        note: t.get("note").and_then(|v| v.as_str()).map(str::to_string),
        point,
        level,
    })
}

/// A pack: its scenario and patterns.
#[derive(Clone, Debug)]
pub struct Pack {
    /// File name.
    pub file: String,
    /// Scenario (a pattern pools all its design points unless it names one with `point`).
    pub scenario: Scenario,
    /// Patterns.
    pub patterns: Vec<Pattern>,
}

/// Parse a pack from its text.
pub fn parse_pack(text: &str, file: &str, ov: Overrides) -> Result<Pack, ValidationError> {
    let (s, extras) = scenario::parse(text, file, ov)?;
    let patterns = parse_patterns_in(file, &extras.patterns, &PatternContext::of(&s))?;
    Ok(Pack {
        file: file.to_string(),
        scenario: s,
        patterns,
    })
}

/// Load packs by name (`success_case`, …) or path; all shipped packs when `names` is empty.
pub fn load_packs(names: &[String], ov: Overrides) -> Result<Vec<Pack>, ValidationError> {
    if names.is_empty() {
        return PACKS.iter().map(|(f, t)| parse_pack(t, f, ov)).collect();
    }
    names
        .iter()
        .map(|n| {
            let stem = n.trim_end_matches(".toml");
            if let Some((f, t)) = PACKS
                .iter()
                .find(|(f, _)| f.trim_end_matches(".toml") == stem)
            {
                return parse_pack(t, f, ov);
            }
            let path = std::path::Path::new(n);
            if path.exists() {
                let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
                    file: n.clone(),
                    line: 0,
                    column: 0,
                    message: format!("cannot read the pack: {e}"),
                })?;
                return parse_pack(&text, n, ov);
            }
            Err(ValidationError::UnknownPack(n.clone()))
        })
        .collect()
}

/// Values a pattern needs from one run (NaN = undefined).
fn observe(p: &Pattern, run: &RunTrace) -> [f64; 3] {
    if p.condition.is_some_and(|c| !run.holds(c)) {
        return [f64::NAN; 3];
    }
    let v = |at: At| run.value(p.metric, at);
    match p.rule {
        Rule::MeanAbove(_) | Rule::MeanBelow(_) => [v(p.at), 0.0, 0.0],
        Rule::ShareAbove { lo, hi, .. } | Rule::ShareBelow { lo, hi, .. } => {
            let x = v(p.at);
            if x.is_nan() {
                [f64::NAN; 3]
            } else {
                [f64::from(u8::from(x >= lo && x < hi)), 0.0, 0.0]
            }
        }
        Rule::Falls(a, b) | Rule::Rises(a, b) => [v(b) - v(a), 0.0, 0.0],
        Rule::DipsThenRecovers(a, m, b) => {
            let (x, y, z) = (v(a), v(m), v(b));
            [y - x, z - y, 0.0]
        }
    }
}

fn side(ci: (f64, f64), above: bool, threshold: f64) -> Outcome {
    let (lo, hi) = ci;
    if !lo.is_finite() || !hi.is_finite() {
        return Outcome::Inconclusive;
    }
    match (above, lo > threshold, hi < threshold) {
        (true, true, _) | (false, _, true) => Outcome::Pass,
        (true, _, true) | (false, true, _) => Outcome::Fail,
        _ => Outcome::Inconclusive,
    }
}

/// Run a pack: every design point × replications, and judge every pattern (on all points
/// pooled, or on its own point's runs when it names one).
pub fn run_pack(pack: &Pack) -> Vec<PatternResult> {
    let s = &pack.scenario;
    measure(pack, &[], s.replications, s.seed, true)
}

/// Fixed values for some parameters, set at every design point of a pack before its
/// per-run draws (a parameter set of a prior or a posterior).
pub type Setting = [(&'static ParamSpec, f64)];

/// The observations of every run of a pack (design point × `reps`, master seed `seed`)
/// with `setting` applied at every point: per run, one entry per pattern. In parallel
/// when `parallel` (the order of the result never depends on it). A pattern scoped to a
/// design point (`point`) observes NaN (undefined: not counted) in the runs of the other
/// points.
pub fn observe_pack(
    pack: &Pack,
    setting: &Setting,
    reps: u64,
    seed: u64,
    parallel: bool,
) -> Vec<Vec<[f64; 3]>> {
    let s = &pack.scenario;
    let points: Vec<crate::scenario::DesignPoint> = (0..s.points.len())
        .map(|i| {
            let mut d = s.points.at(i);
            for (spec, v) in setting {
                spec.set(&mut d.params, *v);
            }
            d
        })
        .collect();
    let one = |unit: u64| {
        let (point, rep) = ((unit / reps.max(1)) as usize, unit % reps.max(1));
        let seed = run_seed(seed, point, rep);
        let run = RunTrace::simulate(&points[point].realise(seed), seed);
        pack.patterns
            .iter()
            .map(|p| {
                // A pattern scoped to another design point does not see this run.
                if p.point.as_ref().is_some_and(|q| q.index != point) {
                    [f64::NAN; 3]
                } else {
                    observe(p, &run)
                }
            })
            .collect()
    };
    let n = points.len() as u64 * reps;
    if parallel {
        (0..n).into_par_iter().map(one).collect()
    } else {
        (0..n).map(one).collect()
    }
}

/// Run a pack with `setting` applied (see [`observe_pack`]) and judge every pattern.
pub fn measure(
    pack: &Pack,
    setting: &Setting,
    reps: u64,
    seed: u64,
    parallel: bool,
) -> Vec<PatternResult> {
    let obs = observe_pack(pack, setting, reps, seed, parallel);
    judge(pack, &obs)
}

/// Judge every pattern of `pack` on the observations of its runs (as from
/// [`observe_pack`]).
pub fn judge(pack: &Pack, obs: &[Vec<[f64; 3]>]) -> Vec<PatternResult> {
    pack.patterns
        .iter()
        .enumerate()
        .map(|(k, p)| {
            let mut a = ExactAcc::default();
            let mut b = ExactAcc::default();
            let (mut count, mut total) = (0u64, 0u64);
            for o in obs {
                let [x, y, _] = o[k];
                match p.rule {
                    Rule::ShareAbove { .. } | Rule::ShareBelow { .. } => {
                        if !x.is_nan() {
                            total += 1;
                            count += u64::from(x == 1.0);
                        }
                    }
                    Rule::DipsThenRecovers(..) => {
                        if x.is_finite() && y.is_finite() {
                            a.push(x);
                            b.push(y);
                        }
                    }
                    _ => a.push(x),
                }
            }
            let (value, ci, n, outcome) = match p.rule {
                Rule::MeanAbove(t) | Rule::MeanBelow(t) if p.metric.binary() => {
                    // A mean of a 0/1 outcome is a share of runs: Wilson's interval.
                    let above = matches!(p.rule, Rule::MeanAbove(_));
                    let (m, _, lo, hi) = a.share();
                    (vec![m], vec![(lo, hi)], a.n, side((lo, hi), above, t))
                }
                Rule::MeanAbove(t) | Rule::MeanBelow(t) => {
                    let above = matches!(p.rule, Rule::MeanAbove(_));
                    (
                        vec![a.mean()],
                        vec![a.ci95()],
                        a.n,
                        side(a.ci95(), above, t),
                    )
                }
                Rule::ShareAbove { share, .. } | Rule::ShareBelow { share, .. } => {
                    let (m, _, lo, hi) = share_stats(count, total);
                    let above = matches!(p.rule, Rule::ShareAbove { .. });
                    (vec![m], vec![(lo, hi)], total, side((lo, hi), above, share))
                }
                Rule::Falls(..) | Rule::Rises(..) => {
                    let up = matches!(p.rule, Rule::Rises(..));
                    (vec![a.mean()], vec![a.ci95()], a.n, side(a.ci95(), up, 0.0))
                }
                Rule::DipsThenRecovers(..) => {
                    let fall = side(a.ci95(), false, 0.0);
                    let rise = side(b.ci95(), true, 0.0);
                    let o = match (fall, rise) {
                        (Outcome::Pass, Outcome::Pass) => Outcome::Pass,
                        (Outcome::Fail, _) | (_, Outcome::Fail) => Outcome::Fail,
                        _ => Outcome::Inconclusive,
                    };
                    (vec![a.mean(), b.mean()], vec![a.ci95(), b.ci95()], a.n, o)
                }
            };
            PatternResult {
                pack: pack.file.clone(),
                pattern: p.clone(),
                value,
                ci,
                n,
                outcome,
            }
        })
        .collect()
}

/// The rule in words.
pub fn rule_str(p: &Pattern) -> String {
    let at = if p.at == At::End {
        String::new()
    } else {
        format!(" at {}", p.at)
    };
    let range = |lo: f64, hi: f64| {
        let r = if hi.is_infinite() {
            format!("≥ {}", num(lo))
        } else if lo.is_infinite() {
            format!("< {}", num(hi))
        } else {
            format!("in [{}, {})", num(lo), num(hi))
        };
        match p.level {
            Some(l) => format!("{l} ({r})"),
            None => r,
        }
    };
    let cond = p
        .condition
        .as_ref()
        .map(|c| format!(" (runs with {c})"))
        .unwrap_or_default();
    let body = match &p.rule {
        Rule::MeanAbove(t) => format!("mean {}{at} > {}", p.metric, num(*t)),
        Rule::MeanBelow(t) => format!("mean {}{at} < {}", p.metric, num(*t)),
        Rule::ShareAbove { share, lo, hi } => format!(
            "share of runs with {}{at} {} > {}",
            p.metric,
            range(*lo, *hi),
            num(*share)
        ),
        Rule::ShareBelow { share, lo, hi } => format!(
            "share of runs with {}{at} {} < {}",
            p.metric,
            range(*lo, *hi),
            num(*share)
        ),
        Rule::Falls(a, b) => format!("{} falls from {} to {}", p.metric, a, b),
        Rule::Rises(a, b) => format!("{} rises from {} to {}", p.metric, a, b),
        Rule::DipsThenRecovers(a, m, b) => format!(
            "{} falls from {} to {}, then rises to {}",
            p.metric, a, m, b
        ),
    };
    format!("{body}{cond}")
}

fn value_str(r: &PatternResult) -> (String, String) {
    let v: Vec<String> = r.value.iter().map(|x| sig(*x)).collect();
    let c: Vec<String> =
        r.ci.iter()
            .map(|(lo, hi)| format!("[{}, {}]", sig(*lo), sig(*hi)))
            .collect();
    (v.join(" then "), c.join(" then "))
}

/// The name of a pattern's design point, or `all` when it pools every point.
pub fn point_str(p: &Pattern) -> &str {
    p.point.as_ref().map_or("all", |q| q.name.as_str())
}

/// A terminal table of results.
pub fn table(results: &[PatternResult]) -> String {
    let mut s = format!(
        "{:<22} {:<22} {:<10} {:<58} {:>22} {:>34} {:>13}\n",
        "pack", "id", "point", "pattern", "measured", "95% CI", "verdict"
    );
    for r in results {
        let (v, c) = value_str(r);
        let mut d = r.pattern.description.clone();
        if d.chars().count() > 58 {
            d = d.chars().take(55).collect::<String>() + "...";
        }
        s.push_str(&format!(
            "{:<22} {:<22} {:<10} {:<58} {:>22} {:>34} {:>13}\n",
            r.pack.trim_end_matches(".toml"),
            r.pattern.id,
            point_str(&r.pattern),
            d,
            v,
            c,
            r.outcome.as_str()
        ));
    }
    s
}

/// Write `validation.csv` into `dir`.
pub fn write_csv(
    dir: &std::path::Path,
    results: &[PatternResult],
) -> Result<std::path::PathBuf, ValidationError> {
    std::fs::create_dir_all(dir).map_err(crate::output::io_err(dir))?;
    let path = dir.join("validation.csv");
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&[
        "pack",
        "id",
        "point",
        "source",
        "description",
        "rule",
        "value",
        "ci_lo",
        "ci_hi",
        "value2",
        "ci2_lo",
        "ci2_hi",
        "n",
        "verdict",
    ])?;
    for r in results {
        let second = |i: usize| {
            r.value.get(1).map_or(String::new(), |_| match i {
                0 => num(r.value[1]),
                1 => num(r.ci[1].0),
                _ => num(r.ci[1].1),
            })
        };
        f.csv_row(&[
            r.pack.clone(),
            r.pattern.id.clone(),
            r.pattern
                .point
                .as_ref()
                .map_or(String::new(), |q| q.name.clone()),
            r.pattern.source.clone(),
            r.pattern.description.clone(),
            rule_str(&r.pattern),
            num(r.value[0]),
            num(r.ci[0].0),
            num(r.ci[0].1),
            second(0),
            second(1),
            second(2),
            r.n.to_string(),
            r.outcome.as_str().to_string(),
        ])?;
    }
    f.commit()?;
    Ok(path)
}

/// The per-point summary of a pack whose patterns name design points: one row per point
/// with a scoped pattern, its verdict counts and each pattern's verdict and value.
fn per_point(pack: &Pack, results: &[&PatternResult]) -> String {
    let mut s = String::from(
        "Per design point (patterns with `point`; the pooled patterns follow in the full table):\n\n| point | patterns | pass | fail | inconclusive | verdicts (measured) |\n|---|---|---|---|---|---|\n",
    );
    for i in 0..pack.scenario.points.len() {
        let rs: Vec<&&PatternResult> = results
            .iter()
            .filter(|r| r.pattern.point.as_ref().is_some_and(|q| q.index == i))
            .collect();
        if rs.is_empty() {
            continue;
        }
        let count = |o: Outcome| rs.iter().filter(|r| r.outcome == o).count();
        let verdicts: Vec<String> = rs
            .iter()
            .map(|r| {
                format!(
                    "`{}` {} ({})",
                    r.pattern.id,
                    r.outcome.as_str(),
                    value_str(r).0
                )
            })
            .collect();
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            pack.scenario.point_name(i),
            rs.len(),
            count(Outcome::Pass),
            count(Outcome::Fail),
            count(Outcome::Inconclusive),
            verdicts.join("; ")
        ));
    }
    s.push('\n');
    s
}

/// The results as markdown, one table per pack.
pub fn markdown(packs: &[Pack], results: &[PatternResult], note: &str) -> String {
    let mut s = format!(
        "# Validation against the case studies\n\n{note}\n\nA pattern **passes** when the 95% CI of the measured value lies on the required side of the threshold (of 0 for changes over time), **fails** when it lies on the other side, and is **inconclusive** when the CI straddles it.\n"
    );
    let mut notes = Vec::new();
    for p in packs {
        let sc = &p.scenario;
        s.push_str(&format!(
            "\n## `{}` — {}\n\n{} design point(s) × {} replications, {} months, master seed {}.\n\n",
            p.file, sc.description, sc.points.len(), sc.replications, sc.base.months, sc.seed
        ));
        let mine: Vec<&PatternResult> = results.iter().filter(|r| r.pack == p.file).collect();
        if mine.iter().any(|r| r.pattern.point.is_some()) {
            s.push_str(&per_point(p, &mine));
            s.push_str("All patterns of the pack:\n\n");
        }
        s.push_str("| id | point | pattern | source | rule | measured | 95% CI | n | verdict |\n|---|---|---|---|---|---|---|---|---|\n");
        for r in mine {
            let (v, c) = value_str(r);
            s.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | **{}** |\n",
                r.pattern.id,
                point_str(&r.pattern),
                r.pattern.description,
                r.pattern.source,
                rule_str(&r.pattern),
                v,
                c,
                r.n,
                r.outcome.as_str()
            ));
            if r.outcome != Outcome::Pass
                && let Some(n) = &r.pattern.note
            {
                notes.push(format!(
                    "- **{} ({})**: {n}",
                    r.pattern.id,
                    r.outcome.as_str()
                ));
            }
        }
    }
    if !notes.is_empty() {
        s.push_str("\n## Patterns not reproduced, and why\n\n");
        s.push_str(&notes.join("\n"));
        s.push('\n');
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mean_of_a_binary_outcome_gets_a_wilson_interval() {
        let text = r#"
[scenario]
name = "w"
seed = 3
replications = 60
months = 24

[[pattern]]
id = "W1"
source = "test"
description = "Few suppliers go insolvent"
metric = "supplier_insolvency"
rule = "mean_below"
threshold = 0.5

[[pattern]]
id = "W2"
source = "test"
description = "Knowledge is created"
metric = "knowledge"
rule = "mean_above"
threshold = 0.0
"#;
        let pack = parse_pack(text, "w.toml", Overrides::default()).unwrap();
        let r = run_pack(&pack);
        let (m, (lo, hi)) = (r[0].value[0], r[0].ci[0]);
        let ones = (m * r[0].n as f64).round() as u64;
        let (_, _, wlo, whi) = share_stats(ones, r[0].n);
        assert_eq!((lo, hi), (wlo, whi));
        assert!(0.0 <= lo && lo <= m && m <= hi && hi <= 1.0 && hi > 0.0);
        // A continuous metric keeps the t interval of the mean.
        assert!(r[1].ci[0].0 < r[1].value[0] && r[1].value[0] < r[1].ci[0].1);
    }

    /// A two-point zip design whose points differ only in the supplier's capability, with
    /// labels `lo` and `hi`, and `patterns` appended.
    fn two_points(labels: &str, patterns: &str) -> String {
        format!(
            r#"
[scenario]
name = "two"
seed = 5
replications = 30
months = 24

[sweep]
design = "zip"
{labels}

[sweep.supplier]
capability = {{ values = [0.2, 0.8] }}
{patterns}"#
        )
    }

    const CAPABILITY_LO: &str = r#"
[[pattern]]
id = "C_lo"
point = "lo"
source = "test"
description = "low-capability point"
metric = "knowledge"
rule = "mean_above"
threshold = -1
"#;

    fn err_of(text: &str) -> String {
        match parse_pack(text, "p.toml", Overrides::default()) {
            Ok(_) => panic!("expected an error"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn a_scoped_pattern_counts_only_its_points_runs() {
        let pooled = CAPABILITY_LO.replace("id = \"C_lo\"\npoint = \"lo\"\n", "id = \"C_all\"\n");
        let hi = CAPABILITY_LO
            .replace("C_lo", "C_hi")
            .replace("\"lo\"", "\"hi\"");
        let text = two_points(
            "labels = [\"lo\", \"hi\"]",
            &format!("{CAPABILITY_LO}\n{hi}\n{pooled}"),
        );
        let pack = parse_pack(&text, "two.toml", Overrides::default()).unwrap();
        assert_eq!(
            pack.patterns[0].point,
            Some(PointRef {
                index: 0,
                name: "lo".into()
            })
        );
        let obs = observe_pack(&pack, &[], 30, 5, false);
        assert_eq!(obs.len(), 60);
        // Runs 0..30 are point 0, 30..60 point 1: each scoped pattern sees only its own.
        for (i, o) in obs.iter().enumerate() {
            assert_eq!(o[0][0].is_nan(), i >= 30, "run {i}");
            assert_eq!(o[1][0].is_nan(), i < 30, "run {i}");
            assert!(!o[2][0].is_nan(), "run {i}");
        }
        let r = judge(&pack, &obs);
        assert_eq!((r[0].n, r[1].n, r[2].n), (30, 30, 60));
        // The pooled mean is the mean of the two points' means (equal counts).
        let pooled_mean = (r[0].value[0] + r[1].value[0]) / 2.0;
        assert!((r[2].value[0] - pooled_mean).abs() < 1e-9);
        // The same numbers as running each point on its own.
        let alone = measure(&pack, &[], 30, 5, true);
        assert_eq!(alone[0].value, r[0].value);
        assert_eq!(alone[1].n, 30);
    }

    #[test]
    fn without_labels_points_are_point_n_from_zero() {
        let text = two_points("", &CAPABILITY_LO.replace("\"lo\"", "\"point_1\""));
        let pack = parse_pack(&text, "two.toml", Overrides::default()).unwrap();
        assert_eq!(pack.patterns[0].point.as_ref().map(|p| p.index), Some(1));
        assert_eq!(pack.scenario.point_name(1), "point_1");
        let e = err_of(&two_points(
            "",
            &CAPABILITY_LO.replace("\"lo\"", "\"point_2\""),
        ));
        assert!(
            e.contains("p.toml:") && e.contains("`point` = \"point_2\""),
            "{e}"
        );
        assert!(e.contains("point_0 ... point_1"), "{e}");
    }

    #[test]
    fn an_unknown_point_is_a_located_error_with_a_suggestion() {
        let text = two_points(
            "labels = [\"lo\", \"hi\"]",
            &CAPABILITY_LO.replace("\"lo\"", "\"hii\""),
        );
        let e = err_of(&text);
        assert!(e.starts_with("p.toml:"), "{e}");
        assert!(e.contains("[[pattern]] `C_lo`"), "{e}");
        assert!(e.contains("did you mean `hi`?"), "{e}");
        let e = err_of(&two_points("", &CAPABILITY_LO.replace("\"lo\"", "3")));
        assert!(e.contains("`point` must be"), "{e}");
    }

    #[test]
    fn labels_must_match_the_design_and_be_unique() {
        let e = err_of(&two_points("labels = [\"a\", \"b\", \"c\"]", ""));
        assert!(e.starts_with("p.toml:10:"), "{e}");
        assert!(e.contains("3 name(s) but the design has 2 point(s)"), "{e}");
        let e = err_of(&two_points("labels = [\"a\", \"a\"]", ""));
        assert!(
            e.starts_with("p.toml:10:") && e.contains("given twice"),
            "{e}"
        );
        let e = err_of(&two_points("labels = [\"a\", 1]", ""));
        assert!(e.contains("item 2 must be a string"), "{e}");
        let e = err_of(&two_points("labels = [\"a\", \"b c\"]", ""));
        assert!(e.contains("letters, digits"), "{e}");
        let e = err_of(&two_points("labels = \"a\"", ""));
        assert!(e.contains("must be an array"), "{e}");
        let e = err_of(&two_points("lables = [\"a\", \"b\"]", ""));
        assert!(e.contains("did you mean `labels`"), "{e}");
    }

    #[test]
    fn duplicate_pattern_ids_are_rejected_at_the_second_block() {
        let text = two_points(
            "labels = [\"lo\", \"hi\"]",
            &format!("{CAPABILITY_LO}\n{CAPABILITY_LO}"),
        );
        let e = err_of(&text);
        // The error names the line where the second block starts.
        let second = text
            .lines()
            .enumerate()
            .filter(|(_, l)| *l == "[[pattern]]")
            .nth(1)
            .map(|(i, _)| i + 1)
            .unwrap();
        assert!(e.starts_with(&format!("p.toml:{second}:")), "{e}");
        assert!(e.contains("already used"), "{e}");
    }

    const LEVEL: &str = r#"
[[pattern]]
id = "L1"
source = "test"
description = "level"
metric = "asymmetry"
at = "preparation:entry"
rule = "share_above"
level = "medium"
threshold = 0.5
"#;

    #[test]
    fn a_level_is_a_range_under_the_coding() {
        let pack = parse_pack(&two_points("", LEVEL), "p.toml", Overrides::default()).unwrap();
        assert_eq!(pack.patterns[0].level, Some("medium"));
        assert_eq!(
            pack.patterns[0].rule,
            Rule::ShareAbove {
                share: 0.5,
                lo: 0.15,
                hi: 0.35
            }
        );
        assert!(rule_str(&pack.patterns[0]).contains("medium (in [0.15, 0.35))"));
        let coded = format!(
            "{}\n[coding]\nhigh = 0.5\nmedium = 0.2\nlow = 0\n",
            two_points("", LEVEL)
        );
        let pack = parse_pack(&coded, "p.toml", Overrides::default()).unwrap();
        assert_eq!(
            pack.patterns[0].rule,
            Rule::ShareAbove {
                share: 0.5,
                lo: 0.2,
                hi: 0.5
            }
        );
        let rev = LEVEL.replace("\"medium\"", "\"reversed\"");
        let pack = parse_pack(&two_points("", &rev), "p.toml", Overrides::default()).unwrap();
        assert!(
            matches!(pack.patterns[0].rule, Rule::ShareAbove { lo, hi, .. } if lo == f64::NEG_INFINITY && hi == -0.05)
        );
        // The share counts the runs at that level.
        let r = run_pack(&pack);
        assert!(r[0].n > 0 && r[0].value[0] >= 0.0 && r[0].value[0] <= 1.0);
    }

    #[test]
    fn bad_levels_and_codings_are_located_errors() {
        let e = err_of(&two_points("", &LEVEL.replace("\"medium\"", "\"meduim\"")));
        assert!(
            e.contains("[[pattern]] `L1`") && e.contains("did you mean `medium`"),
            "{e}"
        );
        let e = err_of(&two_points(
            "",
            &LEVEL.replace("threshold", "range = [0, 1]\nthreshold"),
        ));
        assert!(e.contains("either `level` or `range`"), "{e}");
        let e = err_of(&two_points("", &LEVEL.replace("share_above", "mean_above")));
        assert!(e.contains("`level` needs rule"), "{e}");
        let text = format!(
            "{}\n[coding]\nhigh = 0.1\nmedium = 0.2\n",
            two_points("", "")
        );
        let e = err_of(&text);
        assert!(
            e.starts_with("p.toml:") && e.contains("low < medium < high"),
            "{e}"
        );
        let text = format!("{}\n[coding]\nhihg = 0.5\n", two_points("", ""));
        let e = err_of(&text);
        let line = text.lines().position(|l| l.starts_with("hihg")).unwrap() + 1;
        assert!(e.starts_with(&format!("p.toml:{line}:1:")), "{e}");
        assert!(e.contains("did you mean `high`"), "{e}");
        let text = format!("{}\n[coding]\nhigh = \"x\"\n", two_points("", ""));
        assert!(err_of(&text).contains("must be a number"));
    }

    #[test]
    fn the_report_has_a_point_column_and_a_per_point_section() {
        let text = two_points("labels = [\"lo\", \"hi\"]", CAPABILITY_LO);
        let pack = parse_pack(&text, "two.toml", Overrides::default()).unwrap();
        let r = run_pack(&pack);
        let md = markdown(std::slice::from_ref(&pack), &r, "note");
        assert!(
            md.contains("| point | patterns | pass | fail | inconclusive |"),
            "{md}"
        );
        assert!(md.contains("| lo | 1 | 1 | 0 | 0 | `C_lo` pass"), "{md}");
        assert!(md.contains("| C_lo | lo |"), "{md}");
        assert!(table(&r).contains(" lo "));
    }
}
