//! Hypotheses as experiments: `[[hypothesis]]` blocks in scenario files, run with common
//! random numbers across the factor's levels, judged by a paired test with a 95% CI.
//!
//! A hypothesis names a factor (a parameter path) and its levels, a metric (an outcome, or
//! a trajectory metric read at a month or a phase boundary), an optional condition (an
//! outcome that must be above 0 in both runs of a pair), the expected direction of the effect of
//! moving the factor from its first to its last level, and the smallest effect of interest.

use rayon::prelude::*;

use crate::model::params::{PARAM_SPECS, ParamKind, ParamSpec, check_value, spec};
use crate::model::{Params, Population, run_seed};
use crate::probe::{At, Metric, RunTrace};
use crate::scenario::{Block, BlockError, did_you_mean, toml_number, value_as_f64};
use crate::stats::{ExactAcc, Expect, PairedAccumulator, PairedTest, Verdict, verdict};

/// A bad `[[hypothesis]]` block.
pub type HypothesisError = BlockError;

/// A validated hypothesis.
#[derive(Clone, Debug)]
pub struct Hypothesis {
    /// Identifier, e.g. `P2`.
    pub id: String,
    /// The hypothesis in words.
    pub statement: String,
    /// Factor: a parameter.
    pub factor: &'static ParamSpec,
    /// Levels of the factor; the effect is last minus first.
    pub levels: Vec<f64>,
    /// Metric (outcome or trajectory metric).
    pub metric: Metric,
    /// When the metric is read.
    pub at: At,
    /// Optional outcome that must be above 0 in both runs of a pair (a flag equal to 1 or a
    /// count above 0).
    pub condition: Option<Metric>,
    /// Expected direction.
    pub expect: Expect,
    /// Smallest effect of interest, in the metric's units.
    pub smallest_effect: f64,
    /// Why that effect is the smallest that matters (optional).
    pub smallest_effect_reason: Option<String>,
    /// How the model produces the effect, with a one-line reason (optional for a user's
    /// hypothesis; every hypothesis of the shipped battery has one).
    pub encoding: Option<(Encoding, String)>,
}

/// How the model produces a hypothesis's effect, so that a reader never takes a verdict that
/// a rule guarantees for a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Encoding {
    /// A definition or accounting identity makes it true.
    Tautological,
    /// One rule writes the effect's direction in; only its size is a result.
    BuiltIn,
    /// No single rule states it: it arises from several mechanisms together.
    Emergent,
}

impl Encoding {
    /// The word used in files.
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Tautological => "tautological",
            Encoding::BuiltIn => "built in",
            Encoding::Emergent => "emergent",
        }
    }
    const ALL: [Encoding; 3] = [
        Encoding::Tautological,
        Encoding::BuiltIn,
        Encoding::Emergent,
    ];
}

pub(crate) const KEYS: [&str; 12] = [
    "id",
    "statement",
    "factor",
    "levels",
    "metric",
    "at",
    "condition",
    "expect",
    "smallest_effect",
    "smallest_effect_reason",
    "encoding",
    "encoding_reason",
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

fn parse_one(
    file: &str,
    line: usize,
    index: usize,
    t: &toml::Table,
) -> Result<Hypothesis, HypothesisError> {
    let block = Block::open("hypothesis", file, line, index, t, &KEYS)?;
    let err = |message: String| block.err(message);
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
        let hint = did_you_mean(&factor, PARAM_SPECS.iter().map(|s| s.path), "");
        return Err(err(format!("`factor`: unknown parameter `{factor}`{hint}")));
    };
    let levels: Vec<f64> = match t.get("levels") {
        Some(toml::Value::Array(a)) => a
            .iter()
            .map(|v| {
                value_as_f64(v).ok_or_else(|| err("`levels` must be numbers or booleans".into()))
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
    let metric = Metric::parse(&string("metric")?).map_err(&err)?;
    let at = match t.get("at") {
        None => At::End,
        Some(toml::Value::String(s)) => At::parse(s).ok_or_else(|| {
            err(format!(
                "`at` = {s:?} must be \"end\", \"month:N\", \"crisis:+N\"/\"crisis:-N\" or \"<phase>:entry\"/\"<phase>:exit\" with phase preparation, execution or integration"
            ))
        })?,
        Some(_) => return Err(err("`at` must be a string".into())),
    };
    if metric.outcome_only() && at != At::End {
        return Err(err(format!(
            "`at` applies to trajectory metrics; `{metric}` is a run outcome"
        )));
    }
    let condition = match t.get("condition") {
        None => None,
        Some(toml::Value::String(c)) => Some(
            Metric::parse_outcome(c)
                .map_err(|hint| err(format!("`condition`: unknown outcome `{c}`{hint}")))?,
        ),
        Some(_) => return Err(err("`condition` must be a string".into())),
    };
    let expect = match string("expect")?.as_str() {
        "increase" => Expect::Increase,
        "decrease" => Expect::Decrease,
        "none" => Expect::None,
        other => {
            let hint = did_you_mean(other, ["increase", "decrease", "none"].into_iter(), "");
            return Err(err(format!(
                "`expect` = {other:?} must be \"increase\", \"decrease\" or \"none\"{hint}"
            )));
        }
    };
    let smallest_effect = match t.get("smallest_effect") {
        Some(v) => toml_number(v)
            .filter(|x| x.is_finite() && *x >= 0.0)
            .ok_or_else(|| err("`smallest_effect` must be a number >= 0".into()))?,
        None => return Err(err("`smallest_effect` is missing".into())),
    };
    let optional = |k: &str| -> Result<Option<String>, HypothesisError> {
        match t.get(k) {
            Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
            Some(toml::Value::String(_)) => Err(err(format!("`{k}` must not be empty"))),
            Some(_) => Err(err(format!("`{k}` must be a string"))),
            None => Ok(None),
        }
    };
    let smallest_effect_reason = optional("smallest_effect_reason")?;
    let encoding = match (optional("encoding")?, optional("encoding_reason")?) {
        (None, None) => None,
        (Some(e), Some(why)) => {
            let Some(kind) = Encoding::ALL.into_iter().find(|k| k.as_str() == e) else {
                let hint = did_you_mean(&e, Encoding::ALL.iter().map(|k| k.as_str()), "");
                return Err(err(format!(
                    "`encoding` = {e:?} must be \"tautological\", \"built in\" or \"emergent\"{hint}"
                )));
            };
            Some((kind, why))
        }
        (Some(_), None) => {
            return Err(err(
                "`encoding` needs `encoding_reason`, one line on why".into()
            ));
        }
        (None, Some(_)) => {
            return Err(err("`encoding_reason` without `encoding`".into()));
        }
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
        factor: fspec,
        levels,
        metric,
        at,
        condition,
        expect,
        smallest_effect,
        smallest_effect_reason,
        encoding,
    })
}

/// The result of testing one hypothesis.
#[derive(Clone, Debug)]
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

fn read_metric(h: &Hypothesis, params: &Params, seed: u64) -> (f64, bool) {
    let run = RunTrace::simulate(params, seed);
    let cond = h.condition.is_none_or(|c| run.holds(c));
    (run.value(h.metric, h.at), cond)
}

/// Run one hypothesis: `reps` pairs (common random numbers: replication r uses the same
/// seed at every level) on top of `base`, with the parameters of `population` drawn once
/// per replication. The factor is fixed at each level (a distribution of the factor itself
/// is overridden); every other parameter is drawn from the replication's seed, so both
/// arms of a pair get the same draws.
pub fn test(
    h: &Hypothesis,
    base: &Params,
    population: &Population,
    reps: u64,
    seed: u64,
) -> HypothesisResult {
    let population = population.without(h.factor);
    // Each replication's values at every level, collected in order (deterministic).
    let rows: Vec<Vec<(f64, bool)>> = (0..reps)
        .into_par_iter()
        .map(|r| {
            let s = run_seed(seed, 0, r);
            let mut row = Vec::with_capacity(h.levels.len());
            arms(h, base, &population, s, |p| row.push(read_metric(h, p, s)));
            row
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

/// Call `f` with the parameters of each arm (level) of the pair with run seed `s`: the
/// population drawn from `s` once, then the factor set to each level in turn (overriding
/// its own distribution, if any).
fn arms(
    h: &Hypothesis,
    base: &Params,
    population: &Population,
    s: u64,
    mut f: impl FnMut(&Params),
) {
    let mut p = population.realise(base, s);
    for &l in &h.levels {
        h.factor.set(&mut p, l);
        f(&p);
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
        h.factor.path.to_string(),
        h.metric.to_string(),
        h.at.to_string(),
        h.condition.map(|c| c.to_string()).unwrap_or_default(),
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
        h.encoding
            .as_ref()
            .map(|(e, _)| e.as_str().to_string())
            .unwrap_or_default(),
        h.encoding
            .as_ref()
            .map(|(_, why)| why.clone())
            .unwrap_or_default(),
        r.dropped.to_string(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Phase;

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    fn parse(text: &str) -> Result<Hypothesis, HypothesisError> {
        parse_one("h.toml", 3, 0, &table(text))
    }

    const OK: &str = "id = \"X\"\nstatement = \"s\"\nfactor = \"buyer.engagement\"\nlevels = [0.2, 0.8]\nmetric = \"sunk_costs\"\nexpect = \"decrease\"\nsmallest_effect = 1.0\n";

    #[test]
    fn encoding_is_one_of_three_with_a_reason() {
        let h = parse(&format!(
            "{OK}encoding = \"built in\"\nencoding_reason = \"a rule\"\nsmallest_effect_reason = \"one unit\"\n"
        ))
        .unwrap();
        assert_eq!(h.encoding, Some((Encoding::BuiltIn, "a rule".to_string())));
        assert_eq!(h.smallest_effect_reason.as_deref(), Some("one unit"));
        let e = parse(&format!(
            "{OK}encoding = \"builtin\"\nencoding_reason = \"r\"\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(
            e.contains("h.toml:3") && e.contains("did you mean `built in`"),
            "{e}"
        );
        let e = parse(&format!("{OK}encoding = \"emergent\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("needs `encoding_reason`"), "{e}");
        let e = parse(&format!("{OK}encoding_reason = \"r\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("without `encoding`"), "{e}");
    }

    #[test]
    fn both_arms_of_a_pair_get_the_same_draws() {
        use crate::model::Dist;
        use crate::model::params::spec;
        let h = parse(OK).unwrap();
        let pop = Population::new([
            (
                spec("buyer.engagement").unwrap(),
                Dist::Beta { a: 2.0, b: 2.0 },
            ),
            (
                spec("supplier.capability").unwrap(),
                Dist::Beta { a: 2.0, b: 5.0 },
            ),
            (
                spec("buyer.champion").unwrap(),
                Dist::Uniform { from: 0.1, to: 0.9 },
            ),
        ])
        .unwrap();
        let base = Params::default();
        for s in 0..50 {
            let mut got = Vec::new();
            arms(&h, &base, &pop, s, |p| got.push(p.clone()));
            assert_eq!(got.len(), 2);
            // The factor is at its level in each arm, whatever its distribution.
            assert_eq!(got[0].buyer.engagement, 0.2);
            assert_eq!(got[1].buyer.engagement, 0.8);
            // Everything else is drawn identically in both arms.
            let mut b = got[1].clone();
            b.buyer.engagement = 0.2;
            assert_eq!(got[0], b);
            assert_eq!(got[0].supplier.capability, pop.draw(0, s));
            assert_ne!(got[0].supplier.capability, base.supplier.capability);
        }
    }

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
        let r = test(&h, &Params::default(), &Population::default(), 200, 5);
        assert_eq!(r.verdict, Verdict::Inconclusive);
        assert_eq!(r.test.diff_mean, 0.0);
        let mut none = h.clone();
        none.expect = Expect::None;
        let r = test(&none, &Params::default(), &Population::default(), 200, 5);
        assert_eq!(
            r.verdict,
            Verdict::Supported,
            "equivalent within the margin"
        );
    }

    #[test]
    fn trajectory_metrics_are_read_at_months_and_phases() {
        let mut h = parse(OK).unwrap();
        h.metric = Metric::parse("supplier_trust").unwrap();
        h.at = At::Month(6);
        let r = test(&h, &Params::default(), &Population::default(), 50, 1);
        assert_eq!(r.test.n + r.dropped, 50);
        assert!(r.test.mean_a > 0.0 && r.test.mean_a < 1.0);
        h.metric = Metric::parse("asymmetry").unwrap();
        h.at = At::Exit(Phase::Preparation);
        let r = test(&h, &Params::default(), &Population::default(), 50, 1);
        assert!(r.test.n > 0);
    }

    #[test]
    fn results_are_deterministic() {
        let h = parse(OK).unwrap();
        let a = test(&h, &Params::default(), &Population::default(), 100, 9);
        let b = test(&h, &Params::default(), &Population::default(), 100, 9);
        assert_eq!(a.test, b.test);
    }
}
