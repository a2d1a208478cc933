//! The `[calibration]` block: how `dyadsim calibrate` fits the scenario's `[prior]` to its
//! `[[pattern]]`s, read into a validated [`CalibrationPlan`] with every problem located.
//!
//! ```toml
//! [calibration]
//! method = "smc"              # or "rejection"
//! targets = ["E1", "D4_exec_entry"]   # pattern ids fitted (default: all not held out)
//! held_out = ["E3", "D13_integ_exit"] # pattern ids kept out of the fit and predicted
//! particles = 200             # SMC: particles per generation; rejection: draws kept
//! simulations = 20000         # budget: most simulations of the pack in all
//! replications = 10           # runs per design point in one simulation of the pack
//! quantile = 0.5              # SMC: next tolerance = this quantile of the distances
//! min_acceptance = 0.02       # SMC: stop after a generation accepting fewer
//! generations = 12            # SMC: most generations (generation 0 included)
//! tolerance = 0.0             # SMC: stop once the tolerance is at or below this
//! pilot = 100                 # prior simulations that set the distance's scales
//! predictive_draws = 100      # posterior draws in the predictive check
//! predictive_replications = 20 # runs per design point and draw in that check
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::blocks::{Locator, did_you_mean, find_key, key_hint};
use super::{Scenario, ScenarioError};
use crate::model::{Dist, ParamKind};

/// Keys of the `[calibration]` table.
pub const CALIBRATION_KEYS: [&str; 13] = [
    "method",
    "targets",
    "held_out",
    "particles",
    "simulations",
    "replications",
    "quantile",
    "min_acceptance",
    "generations",
    "tolerance",
    "pilot",
    "predictive_draws",
    "predictive_replications",
];

/// The ABC method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CalibrationMethod {
    /// Rejection ABC.
    Rejection,
    /// ABC-SMC with adaptive tolerances.
    Smc,
}

impl CalibrationMethod {
    /// `"rejection"` or `"smc"`.
    pub fn name(self) -> &'static str {
        match self {
            CalibrationMethod::Rejection => "rejection",
            CalibrationMethod::Smc => "smc",
        }
    }
}

/// A validated `[calibration]` block.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CalibrationPlan {
    /// The method.
    pub method: CalibrationMethod,
    /// Pattern ids in the distance, in the pack's order.
    pub targets: Vec<String>,
    /// Pattern ids held out of the fit, in the pack's order.
    pub held_out: Vec<String>,
    /// SMC: particles per generation; rejection: draws kept.
    pub particles: usize,
    /// Most simulations of the pack in all (pilot included).
    pub simulations: u64,
    /// Runs per design point in one simulation of the pack.
    pub replications: u64,
    /// SMC: the quantile of the previous distances that becomes the next tolerance.
    pub quantile: f64,
    /// SMC: stop after a generation that accepted fewer than this share.
    pub min_acceptance: f64,
    /// SMC: most generations.
    pub generations: usize,
    /// SMC: stop once the tolerance is at or below this.
    pub tolerance: f64,
    /// Prior simulations that set the scales of the distance.
    pub pilot: u64,
    /// Posterior draws in the predictive check.
    pub predictive_draws: usize,
    /// Runs per design point and draw in the predictive check.
    pub predictive_replications: u64,
}

#[derive(Deserialize)]
struct Top {
    #[serde(default)]
    calibration: Option<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
}

impl CalibrationPlan {
    /// Whether the budget pays for the pilot and one generation of particles.
    pub fn affordable(&self) -> bool {
        self.simulations >= self.pilot + self.particles as u64
    }
}

/// The `[calibration]` block of `s`, checked against its `[prior]`, its design and the
/// ids of its patterns (`pattern_ids`, in the pack's order); `None` when it has none.
pub fn calibration_plan(
    s: &Scenario,
    pattern_ids: &[String],
) -> Result<Option<CalibrationPlan>, ScenarioError> {
    let text = s.source.as_str();
    let loc = Locator {
        file: &s.file,
        text,
    };
    let top: Top = toml::from_str(text).map_err(|e| {
        loc.at(
            e.span().map_or(0, |s| s.start),
            e.message().trim_end().to_string(),
        )
    })?;
    let Some(block) = top.calibration else {
        return Ok(None);
    };
    let header = block.span().start;
    let mut method = CalibrationMethod::Smc;
    let mut targets: Option<(usize, Vec<(usize, String)>)> = None;
    let mut held: Vec<(usize, String)> = Vec::new();
    let mut ints: BTreeMap<&str, (usize, u64)> = BTreeMap::new();
    let mut reals: BTreeMap<&str, (usize, f64)> = BTreeMap::new();
    for (key, value) in block.get_ref() {
        let at = key.span().start;
        let vat = value.span().start;
        let k = key.get_ref().as_str();
        match k {
            "method" => match value.get_ref().as_str() {
                Some("smc") => method = CalibrationMethod::Smc,
                Some("rejection") => method = CalibrationMethod::Rejection,
                _ => {
                    return Err(
                        loc.at(vat, "[calibration] method must be \"smc\" or \"rejection\"")
                    );
                }
            },
            "targets" | "held_out" => {
                let list = ids(&loc, k, vat, value.get_ref(), pattern_ids)?;
                if k == "targets" {
                    if list.is_empty() {
                        return Err(loc.at(vat, "[calibration] targets is empty: name at least one pattern id (or leave targets out to fit every pattern not held out)"));
                    }
                    targets = Some((vat, list));
                } else {
                    held = list;
                }
            }
            "particles"
            | "simulations"
            | "replications"
            | "generations"
            | "pilot"
            | "predictive_draws"
            | "predictive_replications" => match value.get_ref().as_integer() {
                Some(n) if n >= 1 => {
                    ints.insert(k, (vat, n as u64));
                }
                _ => {
                    return Err(loc.at(
                        vat,
                        format!("[calibration] {k} must be a whole number >= 1"),
                    ));
                }
            },
            "quantile" | "min_acceptance" | "tolerance" => {
                let x = super::toml_number(value.get_ref());
                let ok = match (k, x) {
                    ("quantile", Some(q)) => q > 0.0 && q < 1.0,
                    ("min_acceptance", Some(a)) => (0.0..1.0).contains(&a),
                    ("tolerance", Some(t)) => t >= 0.0 && t.is_finite(),
                    _ => false,
                };
                let Some(x) = x.filter(|_| ok) else {
                    let range = match k {
                        "quantile" => "a number between 0 and 1 (exclusive)",
                        "min_acceptance" => "a number in [0, 1)",
                        _ => "a number >= 0",
                    };
                    return Err(loc.at(vat, format!("[calibration] {k} must be {range}")));
                };
                reals.insert(k, (vat, x));
            }
            other => {
                let hint = key_hint(other, &CALIBRATION_KEYS);
                return Err(loc.at(at, format!("[calibration] unknown key `{other}`{hint}")));
            }
        }
    }
    // A held-out pattern cannot also be a target.
    if let Some((_, t)) = &targets
        && let Some((at, id)) = held.iter().find(|(_, h)| t.iter().any(|(_, x)| x == h))
    {
        return Err(loc.at(
            *at,
            format!(
                "[calibration] pattern `{id}` is both a target and held out; a held-out pattern must stay out of the fit"
            ),
        ));
    }
    let held_ids: Vec<&str> = held.iter().map(|(_, h)| h.as_str()).collect();
    let target_ids: Vec<String> = match &targets {
        Some((_, t)) => t.iter().map(|(_, x)| x.clone()).collect(),
        None => pattern_ids
            .iter()
            .filter(|p| !held_ids.contains(&p.as_str()))
            .cloned()
            .collect(),
    };
    if target_ids.is_empty() {
        return Err(loc.at(
            header,
            "[calibration] no pattern is left to fit: the scenario needs [[pattern]] blocks that are not held out",
        ));
    }
    // The prior: continuous distributions over real parameters that the design does not
    // set per point.
    if s.prior.is_empty() {
        return Err(loc.at(
            header,
            "[calibration] needs a [prior] block: the distributions of the parameters to calibrate, e.g. [prior.dynamics] skip_threshold = { dist = \"uniform\", from = 0.4, to = 0.7 }",
        ));
    }
    for (spec, dist) in s.prior.iter() {
        let at = prior_key(text, spec.path);
        if spec.kind != ParamKind::Real || matches!(dist, Dist::Choice { .. }) {
            return Err(loc.at(
                at,
                format!(
                    "[prior] `{}`: calibration needs a continuous prior over a real parameter (not a choice or a switch)",
                    spec.path
                ),
            ));
        }
        if s.factors.iter().any(|f| std::ptr::eq(f.spec, spec)) {
            return Err(loc.at(
                at,
                format!(
                    "[prior] `{}` is swept in [sweep]: its value differs by design point, so a prior cannot also set it",
                    spec.path
                ),
            ));
        }
    }
    let order = |list: &[String]| -> Vec<String> {
        pattern_ids
            .iter()
            .filter(|p| list.contains(p))
            .cloned()
            .collect()
    };
    let int = |k: &str, d: u64| ints.get(k).map_or(d, |x| x.1);
    let real = |k: &str, d: f64| reals.get(k).map_or(d, |x| x.1);
    let particles = int("particles", 200) as usize;
    if particles < 2 {
        let at = ints.get("particles").map_or(header, |x| x.0);
        return Err(loc.at(at, "[calibration] particles must be at least 2"));
    }
    let simulations = int("simulations", 20_000);
    let pilot = int("pilot", 100);
    let replications = int("replications", 10);
    let plan = CalibrationPlan {
        method,
        targets: order(&target_ids),
        held_out: order(&held.iter().map(|(_, h)| h.clone()).collect::<Vec<_>>()),
        particles,
        simulations,
        replications,
        quantile: real("quantile", 0.5),
        min_acceptance: real("min_acceptance", 0.02),
        generations: int("generations", 12) as usize,
        tolerance: real("tolerance", 0.0),
        pilot,
        predictive_draws: int("predictive_draws", 100) as usize,
        predictive_replications: int("predictive_replications", 2 * replications),
    };
    if !plan.affordable() {
        let at = ints.get("simulations").map_or(header, |x| x.0);
        return Err(loc.at(
            at,
            format!(
                "[calibration] simulations = {simulations} cannot even pay for the pilot ({pilot}) and one generation of {particles} particles"
            ),
        ));
    }
    Ok(Some(plan))
}

/// The pattern ids of a `targets` or `held_out` list, each known and named once, with the
/// offset of each in the text.
fn ids(
    loc: &Locator,
    key: &str,
    at: usize,
    v: &toml::Value,
    known: &[String],
) -> Result<Vec<(usize, String)>, ScenarioError> {
    let Some(list) = v.as_array() else {
        return Err(loc.at(
            at,
            format!("[calibration] {key} must be a list of pattern ids, e.g. [\"E1\", \"E3\"]"),
        ));
    };
    let mut out: Vec<(usize, String)> = Vec::new();
    for (i, x) in list.iter().enumerate() {
        let Some(id) = x.as_str() else {
            return Err(loc.at(at, format!("[calibration] {key}[{i}] must be a string")));
        };
        let pos = loc.text[at..]
            .find(&format!("\"{id}\""))
            .map_or(at, |p| at + p);
        if !known.iter().any(|k| k == id) {
            let hint = did_you_mean(
                id,
                known.iter().map(String::as_str),
                "; the ids are those of the scenario's [[pattern]] blocks",
            );
            return Err(loc.at(
                pos,
                format!("[calibration] {key}: unknown pattern id `{id}`{hint}"),
            ));
        }
        if out.iter().any(|(_, o)| o == id) {
            return Err(loc.at(
                pos,
                format!("[calibration] {key}: pattern `{id}` is named twice"),
            ));
        }
        out.push((pos, id.to_string()));
    }
    Ok(out)
}

/// Offset of a `[prior]` parameter's key in the text (its leaf key after the `[prior`
/// header that holds it, else the first `[prior` header).
fn prior_key(text: &str, path: &str) -> usize {
    let start = text.find("[prior").unwrap_or(0);
    let (section, leaf) = path.rsplit_once('.').unwrap_or(("", path));
    let from = text[start..]
        .find(&format!("[prior.{section}]"))
        .map_or(start, |i| start + i);
    find_key(text, from, leaf)
        .or_else(|| find_key(text, start, &format!("\"{path}\"")))
        .unwrap_or(start)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Overrides, parse};

    const HEAD: &str = r#"[scenario]
name = "c"
replications = 4
months = 24

[sweep]
design = "zip"

[sweep.supplier]
experience = { values = [0.2, 0.6] }

[[pattern]]
id = "A1"
source = "test"
description = "Knowledge is created"
metric = "knowledge"
rule = "mean_above"
threshold = 0.0

[[pattern]]
id = "A2"
source = "test"
description = "Few go insolvent"
metric = "supplier_insolvency"
rule = "mean_below"
threshold = 0.5
"#;

    const PRIOR: &str =
        "\n[prior.dynamics]\nskip_threshold = { dist = \"uniform\", from = 0.4, to = 0.7 }\n";

    fn plan(text: &str) -> Result<Option<CalibrationPlan>, ScenarioError> {
        let (s, _) = parse(text, "c.toml", Overrides::default())?;
        calibration_plan(&s, &["A1".to_string(), "A2".to_string()])
    }

    fn err(text: &str) -> String {
        plan(text).unwrap_err().to_string()
    }

    fn line_of(text: &str, needle: &str) -> usize {
        text[..text.find(needle).unwrap()].matches('\n').count() + 1
    }

    #[test]
    fn a_valid_block_gets_its_defaults_and_the_other_patterns_as_targets() {
        let text = format!("{HEAD}{PRIOR}\n[calibration]\nheld_out = [\"A2\"]\n");
        let p = plan(&text).unwrap().unwrap();
        assert_eq!(p.method, CalibrationMethod::Smc);
        assert_eq!(p.targets, vec!["A1"]);
        assert_eq!(p.held_out, vec!["A2"]);
        assert_eq!(
            (p.particles, p.simulations, p.replications),
            (200, 20_000, 10)
        );
        assert_eq!(p.predictive_replications, 20);
        assert!(plan(&format!("{HEAD}{PRIOR}")).unwrap().is_none());
    }

    #[test]
    fn bad_blocks_give_located_errors() {
        let cases: Vec<(String, &str, &str)> = vec![
            (
                format!("{HEAD}{PRIOR}\n[calibration]\ntargets = [\"A1\", \"B7\"]\n"),
                "\"B7\"",
                "unknown pattern id `B7`",
            ),
            (
                format!("{HEAD}{PRIOR}\n[calibration]\nheld_out = [\"A3\"]\n"),
                "\"A3\"",
                "unknown pattern id `A3`",
            ),
            (
                format!(
                    "{HEAD}{PRIOR}\n[calibration]\ntargets = [\"A1\", \"A2\"]\nheld_out = [\"A2\"]\n"
                ),
                "held_out",
                "both a target and held out",
            ),
            (
                format!("{HEAD}{PRIOR}\n[calibration]\nparticle = 10\n"),
                "particle =",
                "did you mean `particles`",
            ),
            (
                format!("{HEAD}{PRIOR}\n[calibration]\nmethod = \"mcmc\"\n"),
                "\"mcmc\"",
                "method must be",
            ),
            (
                format!("{HEAD}{PRIOR}\n[calibration]\nquantile = 1.5\n"),
                "1.5",
                "quantile must be",
            ),
            (
                format!("{HEAD}\n[calibration]\nparticles = 10\n"),
                "[calibration]",
                "needs a [prior] block",
            ),
            (
                format!(
                    "{HEAD}\n[prior.supplier]\nexperience = {{ dist = \"uniform\", from = 0.1, to = 0.3 }}\n\n[calibration]\n"
                ),
                "experience = { dist",
                "is swept in [sweep]",
            ),
            (
                format!(
                    "{HEAD}\n[prior.mechanisms]\ntrust = {{ dist = \"choice\", values = [true, false] }}\n\n[calibration]\n"
                ),
                "trust = {",
                "continuous prior over a real parameter",
            ),
            (
                format!("{HEAD}{PRIOR}\n[calibration]\nsimulations = 50\n"),
                "50",
                "cannot even pay for the pilot",
            ),
        ];
        for (text, at, message) in cases {
            let e = err(&text);
            assert!(e.contains(message), "{e}");
            let want = format!("c.toml:{}:", line_of(&text, at));
            assert!(e.starts_with(&want), "{e} (wanted {want})");
        }
    }

    #[test]
    fn bad_priors_are_refused_where_they_are_written() {
        // An unknown parameter and a prior outside the parameter's range: the [prior]
        // parser locates them before the [calibration] block is read.
        let unknown = format!(
            "{HEAD}\n[prior.dynamics]\nskip_treshold = {{ dist = \"uniform\", from = 0.4, to = 0.7 }}\n\n[calibration]\n"
        );
        let e = err(&unknown);
        assert!(e.contains("skip_threshold"), "{e}");
        assert!(
            e.starts_with(&format!("c.toml:{}:", line_of(&unknown, "skip_treshold"))),
            "{e}"
        );
        let outside = format!(
            "{HEAD}\n[prior.dynamics]\nskip_threshold = {{ dist = \"uniform\", from = 0.4, to = 1.7 }}\n\n[calibration]\n"
        );
        let e = err(&outside);
        assert!(e.contains("skip_threshold"), "{e}");
        assert!(
            e.starts_with(&format!("c.toml:{}:", line_of(&outside, "skip_threshold"))),
            "{e}"
        );
    }
}
