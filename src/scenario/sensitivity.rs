//! The `[sensitivity]` block: a Morris or Sobol design over chosen parameters, read into a
//! validated [`SensitivityPlan`] with every problem located at its key.
//!
//! ```toml
//! [sensitivity]
//! design = "morris"            # or "sobol"
//! trajectories = 20            # Morris: r trajectories
//! levels = 4                   # Morris: p grid levels (even)
//! candidates = 200             # Morris, optional: pick the r most spread of this many
//! samples = 1024               # Sobol: N base samples (a power of two)
//! replications = 10            # runs per design point
//! common_random_numbers = true # replication j uses the same seed at every point
//! metrics = ["dissolved", "supplier_share"]
//! bootstrap = 1000             # bootstrap resamples for the confidence intervals
//!
//! [sensitivity.buyer]
//! champion = { from = 0.1, to = 0.9 }        # a range: uniform over it
//! engagement = { dist = "beta", a = 2, b = 5 } # a distribution: through its inverse CDF
//! ```
//!
//! The block is its own table rather than a `design` of `[sweep]` because its points are
//! not sweep points: they are made and evaluated by `dyadsim sensitivity` (each point R
//! times, the outputs analysed as a whole), and `dyadsim run` ignores the block.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use super::blocks::{
    Locator, did_you_mean, find_key, key_hint, leaves, sections, unknown_param, value_as_f64,
};
use super::dist::{DistSite, parse_dist};
use super::{Scenario, ScenarioError};
use crate::model::params::{ParamKind, ParamSpec, check_value, spec};
use crate::model::{Dist, OUTCOME_METRICS};

/// Keys of the `[sensitivity]` table besides parameter sections.
pub const SENSITIVITY_KEYS: [&str; 9] = [
    "design",
    "trajectories",
    "levels",
    "candidates",
    "samples",
    "replications",
    "common_random_numbers",
    "metrics",
    "bootstrap",
];

/// The metrics analysed when the block names none.
pub const DEFAULT_METRICS: [&str; 9] = [
    "dissolved",
    "supplier_share",
    "value_supplier",
    "dual_index",
    "knowledge",
    "asymmetry_preparation_exit",
    "asymmetry_execution_entry",
    "asymmetry_execution_exit",
    "asymmetry_integration_entry",
];

/// Largest Sobol base sample N (the length of the scrambled sequence used).
pub const MAX_SOBOL_SAMPLES: usize = 1 << 16;
/// Most parameters of a Sobol design (the sequence has 256 dimensions; A and B take 2D).
pub const MAX_SOBOL_PARAMS: usize = 128;
/// Most design points (before replications).
pub const MAX_SENSITIVITY_POINTS: usize = 10_000_000;

/// The design and its size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "design", rename_all = "lowercase")]
pub enum Method {
    /// Morris' elementary effects: `trajectories` trajectories of D+1 points on a
    /// `levels`-level grid; with `candidates`, the trajectories are the `trajectories` most
    /// spread of that many (Campolongo et al. 2007).
    Morris {
        /// r.
        trajectories: usize,
        /// p (even).
        levels: usize,
        /// Candidate trajectories to choose from, if any.
        candidates: Option<usize>,
    },
    /// Saltelli's scheme with the Saltelli (2010) first-order and Jansen total-order
    /// estimators on a scrambled Sobol' sequence: N·(D+2) points.
    Sobol {
        /// N, a power of two.
        samples: usize,
    },
}

impl Method {
    /// `"morris"` or `"sobol"`.
    pub fn name(&self) -> &'static str {
        match self {
            Method::Morris { .. } => "morris",
            Method::Sobol { .. } => "sobol",
        }
    }

    /// Number of design points for `d` parameters.
    pub fn points(&self, d: usize) -> usize {
        match *self {
            Method::Morris { trajectories, .. } => trajectories.saturating_mul(d + 1),
            Method::Sobol { samples } => samples.saturating_mul(d + 2),
        }
    }

    /// Check the design's size for `d` parameters: `Err((key, message))` naming the key at
    /// fault.
    pub fn check(&self, d: usize) -> Result<(), (&'static str, String)> {
        if d == 0 {
            return Err((
                "design",
                "a sensitivity design needs at least one parameter, e.g. [sensitivity.buyer] champion = { from = 0.1, to = 0.9 }".into(),
            ));
        }
        match *self {
            Method::Morris {
                trajectories,
                levels,
                candidates,
            } => {
                if trajectories < 2 {
                    return Err((
                        "trajectories",
                        format!(
                            "trajectories = {trajectories} is too few: at least 2 are needed for sigma"
                        ),
                    ));
                }
                if levels < 2 || levels % 2 == 1 {
                    return Err((
                        "levels",
                        format!(
                            "levels = {levels} must be an even number >= 2 (Morris' step p/(2(p-1)) keeps every level reachable only for an even p)"
                        ),
                    ));
                }
                if let Some(m) = candidates
                    && m <= trajectories
                {
                    return Err((
                        "candidates",
                        format!(
                            "candidates = {m} must exceed trajectories = {trajectories} (the trajectories are chosen among the candidates)"
                        ),
                    ));
                }
            }
            Method::Sobol { samples } => {
                if samples < 2 || !samples.is_power_of_two() || samples > MAX_SOBOL_SAMPLES {
                    return Err((
                        "samples",
                        format!(
                            "samples = {samples} must be a power of two from 2 to {MAX_SOBOL_SAMPLES} (the balance of the Sobol' sequence holds for powers of two)"
                        ),
                    ));
                }
                if d > MAX_SOBOL_PARAMS {
                    return Err((
                        "design",
                        format!(
                            "a Sobol design takes at most {MAX_SOBOL_PARAMS} parameters; {d} are named"
                        ),
                    ));
                }
            }
        }
        if self.points(d) > MAX_SENSITIVITY_POINTS {
            return Err((
                "design",
                format!(
                    "the design has {} points, more than {MAX_SENSITIVITY_POINTS}",
                    self.points(d)
                ),
            ));
        }
        Ok(())
    }
}

/// How a parameter's unit-cube coordinate becomes its value.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Input {
    /// Uniform over `[from, to]` (whole-number parameters and switches: each whole value
    /// in the range with equal probability).
    Range {
        /// Lower end.
        from: f64,
        /// Upper end.
        to: f64,
    },
    /// A distribution, through its inverse CDF.
    Dist(Dist),
}

/// One parameter of a sensitivity design.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SensitivityParam {
    /// Its path, e.g. `buyer.champion`.
    pub path: String,
    /// The parameter.
    #[serde(skip)]
    pub spec: &'static ParamSpec,
    /// Its range or distribution.
    pub input: Input,
}

/// A validated `[sensitivity]` block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SensitivityPlan {
    /// The design and its size.
    pub method: Method,
    /// The parameters, in path order.
    pub params: Vec<SensitivityParam>,
    /// Runs per design point.
    pub replications: u64,
    /// Whether replication j has the same seed at every point.
    pub common_random_numbers: bool,
    /// The metrics analysed (names of [`OUTCOME_METRICS`]).
    pub metrics: Vec<String>,
    /// Bootstrap resamples.
    pub bootstrap: usize,
}

#[derive(Deserialize)]
struct Top {
    #[serde(default)]
    sensitivity: Option<Spanned<BTreeMap<Spanned<String>, Spanned<toml::Value>>>>,
}

/// The `[sensitivity]` block of scenario `s` (parsed from its source text), or `None` when
/// it has none.
pub fn sensitivity_plan(s: &Scenario) -> Result<Option<SensitivityPlan>, ScenarioError> {
    parse_plan(&s.source, &s.file)
}

/// The `[sensitivity]` block of the scenario text `text` from `file`.
pub fn parse_plan(text: &str, file: &str) -> Result<Option<SensitivityPlan>, ScenarioError> {
    let loc = Locator { file, text };
    let top: Top = toml::from_str(text).map_err(|e| {
        loc.at(
            e.span().map_or(0, |s| s.start),
            e.message().trim_end().to_string(),
        )
    })?;
    let Some(block) = top.sensitivity else {
        return Ok(None);
    };
    let header = block.span().start;
    let mut design: Option<(usize, &str)> = None;
    let mut ints: BTreeMap<&str, (usize, i64)> = BTreeMap::new();
    let mut crn = true;
    let mut metrics: Option<Vec<String>> = None;
    let mut params: Vec<(SensitivityParam, usize)> = Vec::new();
    let mut candidates: Vec<&str> = SENSITIVITY_KEYS.to_vec();
    candidates.extend(sections());
    for (key, value) in block.get_ref() {
        let at = value.span().start;
        let k = key.get_ref().as_str();
        match k {
            "design" => match value.get_ref().as_str() {
                Some(d @ ("morris" | "sobol")) => design = Some((at, d)),
                _ => {
                    return Err(loc.at(at, "[sensitivity] design must be \"morris\" or \"sobol\""));
                }
            },
            "trajectories" | "levels" | "candidates" | "samples" | "replications" | "bootstrap" => {
                match value.get_ref().as_integer() {
                    Some(n) if n >= 1 => {
                        ints.insert(k, (at, n));
                    }
                    _ => {
                        return Err(
                            loc.at(at, format!("[sensitivity] {k} must be a whole number >= 1"))
                        );
                    }
                }
            }
            "common_random_numbers" => match value.get_ref().as_bool() {
                Some(b) => crn = b,
                None => {
                    return Err(loc.at(
                        at,
                        "[sensitivity] common_random_numbers must be true or false",
                    ));
                }
            },
            "metrics" => {
                let Some(list) = value.get_ref().as_array() else {
                    return Err(loc.at(
                        at,
                        "[sensitivity] metrics must be a list of outcome names, e.g. [\"dissolved\", \"supplier_share\"]",
                    ));
                };
                let mut names = Vec::new();
                for (i, m) in list.iter().enumerate() {
                    let Some(name) = m.as_str() else {
                        return Err(
                            loc.at(at, format!("[sensitivity] metrics[{i}] must be a string"))
                        );
                    };
                    let pos = text[at..]
                        .find(&format!("\"{name}\""))
                        .map_or(at, |p| at + p);
                    check_metric(name).map_err(|m| loc.at(pos, format!("[sensitivity] {m}")))?;
                    if names.iter().any(|n| n == name) {
                        return Err(loc.at(
                            pos,
                            format!("[sensitivity] metric `{name}` is named twice in metrics"),
                        ));
                    }
                    names.push(name.to_string());
                }
                if names.is_empty() {
                    return Err(loc.at(at, "[sensitivity] metrics is empty"));
                }
                metrics = Some(names);
            }
            _ => {
                let section_start = key.span().start;
                if let Some(s) = spec(k) {
                    // A parameter named by its full path: "buyer.champion" = { ... }.
                    let p = param(&loc, s, section_start, value.get_ref())?;
                    push_unique(&loc, &mut params, p, section_start)?;
                    continue;
                }
                let toml::Value::Table(t) = value.get_ref() else {
                    let hint = key_hint(k, &candidates);
                    return Err(loc.at(
                        section_start,
                        format!("unknown key `{k}` in [sensitivity]{hint}"),
                    ));
                };
                if !sections().contains(&k) {
                    let hint = key_hint(k, &candidates);
                    return Err(loc.at(
                        section_start,
                        format!("unknown key `{k}` in [sensitivity]{hint}"),
                    ));
                }
                for (path, leaf, v) in leaves(k, t) {
                    let offset = find_key(text, section_start, leaf).unwrap_or(section_start);
                    let Some(s) = spec(&path) else {
                        return Err(unknown_param(&loc, offset, &path, "sensitivity"));
                    };
                    let p = param(&loc, s, offset, v)?;
                    push_unique(&loc, &mut params, p, offset)?;
                }
            }
        }
    }
    let Some((design_at, design)) = design else {
        return Err(loc.at(
            header,
            "[sensitivity] needs design = \"morris\" or \"sobol\"",
        ));
    };
    let get = |k: &str| ints.get(k).map(|&(_, n)| n as usize);
    let at_of = |k: &str| ints.get(k).map_or(design_at, |&(at, _)| at);
    let foreign: &[&str] = if design == "morris" {
        &["samples"]
    } else {
        &["trajectories", "levels", "candidates"]
    };
    if let Some(k) = foreign.iter().find(|k| ints.contains_key(*k)) {
        return Err(loc.at(
            at_of(k),
            format!("[sensitivity] `{k}` does not apply to design = \"{design}\""),
        ));
    }
    let method = if design == "morris" {
        Method::Morris {
            trajectories: get("trajectories").unwrap_or(20),
            levels: get("levels").unwrap_or(4),
            candidates: get("candidates"),
        }
    } else {
        let Some(samples) = get("samples") else {
            return Err(loc.at(
                design_at,
                "[sensitivity] design = \"sobol\" needs samples = N (a power of two)",
            ));
        };
        Method::Sobol { samples }
    };
    params.sort_by(|a, b| a.0.path.cmp(&b.0.path));
    method
        .check(params.len())
        .map_err(|(k, m)| loc.at(at_of(k), format!("[sensitivity] {m}")))?;
    let bootstrap = get("bootstrap").unwrap_or(1000);
    if bootstrap < 2 {
        return Err(loc.at(
            at_of("bootstrap"),
            "[sensitivity] bootstrap must be at least 2",
        ));
    }
    Ok(Some(SensitivityPlan {
        method,
        params: params.into_iter().map(|(p, _)| p).collect(),
        replications: get("replications").unwrap_or(10) as u64,
        common_random_numbers: crn,
        metrics: metrics.unwrap_or_else(|| DEFAULT_METRICS.iter().map(|s| s.to_string()).collect()),
        bootstrap,
    }))
}

/// `Err` naming the nearest outcome metric unless `name` is one.
pub fn check_metric(name: &str) -> Result<(), String> {
    if OUTCOME_METRICS.contains(&name) {
        return Ok(());
    }
    let hint = did_you_mean(
        name,
        OUTCOME_METRICS.iter().copied(),
        "; `dyadsim params` and docs/OUTPUTS.md list the outcome metrics",
    );
    Err(format!("unknown metric `{name}`{hint}"))
}

fn push_unique(
    loc: &Locator,
    params: &mut Vec<(SensitivityParam, usize)>,
    p: SensitivityParam,
    at: usize,
) -> Result<(), ScenarioError> {
    if let Some(&(_, other)) = params.iter().find(|(q, _)| q.path == p.path) {
        let (first, second) = (other.min(at), other.max(at));
        return Err(loc.at(
            second,
            format!(
                "[sensitivity] parameter `{}` is named twice (first at line {})",
                p.path,
                loc.line_of(first)
            ),
        ));
    }
    params.push((p, at));
    Ok(())
}

/// The parameter `s` whose key is at `offset`, given `v`: `{ from, to }` or a distribution.
fn param(
    loc: &Locator,
    s: &'static ParamSpec,
    offset: usize,
    v: &toml::Value,
) -> Result<SensitivityParam, ScenarioError> {
    let path = s.path;
    let bad = |m: String| loc.at(offset, format!("[sensitivity] `{path}`: {m}"));
    let toml::Value::Table(t) = v else {
        return Err(bad(
            "must be a range { from = .., to = .. } or a distribution { dist = \"beta\", .. }"
                .into(),
        ));
    };
    if t.contains_key("dist") {
        let site = DistSite {
            loc,
            table: "sensitivity",
            spec: s,
            offset,
            item: None,
        };
        let d = parse_dist(&site, t)?;
        d.check(s).map_err(|e| site.check_err(&e))?;
        if let Dist::Normal { min: None, .. } | Dist::Normal { max: None, .. } = d {
            return Err(site.err(
                Some("dist"),
                "a normal in [sensitivity] must be truncated with `min` and `max`",
            ));
        }
        return Ok(SensitivityParam {
            path: path.to_string(),
            spec: s,
            input: Input::Dist(d),
        });
    }
    for key in t.keys() {
        if key != "from" && key != "to" {
            let hint = did_you_mean(key, ["from", "to", "dist"].into_iter(), "");
            let at = find_key(loc.text, offset, key).unwrap_or(offset);
            return Err(loc.at(
                at,
                format!("[sensitivity] `{path}`: unknown key `{key}`{hint}"),
            ));
        }
    }
    let (Some(from), Some(to)) = (
        t.get("from").and_then(value_as_f64),
        t.get("to").and_then(value_as_f64),
    ) else {
        return Err(bad(
            "a range needs numbers `from` and `to` (or give a distribution with `dist`)".into(),
        ));
    };
    for (k, x) in [("from", from), ("to", to)] {
        check_value(s, x).map_err(|e| {
            let at = find_key(loc.text, offset, k).unwrap_or(offset);
            loc.at(at, format!("[sensitivity] {e} (`{k}` of the range)"))
        })?;
    }
    if from >= to {
        let at = find_key(loc.text, offset, "to").unwrap_or(offset);
        return Err(loc.at(
            at,
            format!("[sensitivity] `{path}`: `from` = {from} must be below `to` = {to}"),
        ));
    }
    if s.kind != ParamKind::Real && (from.fract() != 0.0 || to.fract() != 0.0) {
        return Err(bad(format!(
            "a whole-number parameter or switch takes whole `from` and `to`; got {from} and {to}"
        )));
    }
    Ok(SensitivityParam {
        path: path.to_string(),
        spec: s,
        input: Input::Range { from, to },
    })
}
