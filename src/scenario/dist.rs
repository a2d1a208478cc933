//! Distributions in `[params]`: `capability = { dist = "beta", a = 2, b = 5 }` read into a
//! [`Dist`], every problem located at the key it is about.

use super::ScenarioError;
use super::blocks::{Locator, did_you_mean, find_key, key_hint, toml_number};
use crate::model::params::{ParamKind, ParamSpec};
use crate::model::population::{Dist, DistError};

/// Where a distribution's table is: the parameter's key in the text.
pub(crate) struct DistSite<'a> {
    pub(crate) loc: &'a Locator<'a>,
    /// Table name for messages (`params`).
    pub(crate) table: &'a str,
    pub(crate) spec: &'static ParamSpec,
    /// Offset of the parameter's key.
    pub(crate) offset: usize,
}

impl DistSite<'_> {
    /// An error at `key` of the distribution's table (or at the parameter when not found).
    pub(crate) fn err(&self, key: Option<&str>, message: impl std::fmt::Display) -> ScenarioError {
        let at = key
            .and_then(|k| find_key(self.loc.text, self.offset, k))
            .filter(|at| {
                // Only inside the parameter's own table (before the next table header).
                !self.loc.text[self.offset..*at].contains("\n[")
            })
            .unwrap_or(self.offset);
        self.loc.at(
            at,
            format!("[{}] `{}`: {message}", self.table, self.spec.path),
        )
    }

    /// The error of [`Dist::check`].
    pub(crate) fn check_err(&self, e: &DistError) -> ScenarioError {
        self.err(e.key, &e.message)
    }
}

/// Read the distribution table `t` of parameter `site.spec` (not yet checked against the
/// parameter's range: see [`Dist::check`]).
pub(crate) fn parse_dist(site: &DistSite, t: &toml::Table) -> Result<Dist, ScenarioError> {
    let spec = site.spec;
    let name = match t.get("dist") {
        Some(toml::Value::String(s)) => s.as_str(),
        Some(_) => return Err(site.err(Some("dist"), "`dist` must be a string naming the distribution")),
        None => {
            let hint = t
                .keys()
                .find_map(|k| crate::model::params::nearest(k, ["dist"].into_iter()))
                .map(|_| "; did you mean `dist`?")
                .unwrap_or("");
            return Err(site.err(
                None,
                format!(
                    "must be a {} or a distribution such as {{ dist = \"{}\", ... }}{hint}",
                    super::blocks::kind_word(spec.kind),
                    if spec.kind == ParamKind::Real { "beta" } else { "choice" }
                ),
            ));
        }
    };
    if !Dist::NAMES.contains(&name) {
        let hint = did_you_mean(
            name,
            Dist::NAMES.iter().copied(),
            &format!("; known distributions: {}", Dist::NAMES.join(", ")),
        );
        return Err(site.err(Some("dist"), format!("unknown distribution `{name}`{hint}")));
    }
    let keys = Dist::keys(name);
    for k in t.keys() {
        if k != "dist" && !keys.contains(&k.as_str()) {
            let mut all = vec!["dist"];
            all.extend(keys);
            let hint = key_hint(k, &all);
            return Err(site.err(
                Some(k),
                format!("unknown key `{k}` of a {name} distribution{hint}"),
            ));
        }
    }
    let num = |k: &str| -> Result<Option<f64>, ScenarioError> {
        match t.get(k) {
            None => Ok(None),
            Some(v) => toml_number(v)
                .map(Some)
                .ok_or_else(|| site.err(Some(k), format!("{name} `{k}` must be a number"))),
        }
    };
    let need = |k: &str| -> Result<f64, ScenarioError> {
        num(k)?.ok_or_else(|| {
            site.err(
                None,
                format!("a {name} distribution needs `{k}` (keys: {})", keys.join(", ")),
            )
        })
    };
    let list = |k: &str, switch: bool| -> Result<Option<Vec<f64>>, ScenarioError> {
        let Some(v) = t.get(k) else { return Ok(None) };
        let toml::Value::Array(a) = v else {
            return Err(site.err(Some(k), format!("choice `{k}` must be an array")));
        };
        a.iter()
            .map(|x| match (x, switch) {
                (toml::Value::Boolean(b), true) => Ok(if *b { 1.0 } else { 0.0 }),
                (_, true) => Err(site.err(
                    Some(k),
                    format!("choice `{k}` of a switch must be true or false"),
                )),
                (x, false) => toml_number(x)
                    .ok_or_else(|| site.err(Some(k), format!("choice `{k}` must be numbers"))),
            })
            .collect::<Result<Vec<f64>, _>>()
            .map(Some)
    };
    Ok(match name {
        "beta" => Dist::Beta {
            a: need("a")?,
            b: need("b")?,
        },
        "normal" => Dist::Normal {
            mean: need("mean")?,
            sd: need("sd")?,
            min: num("min")?,
            max: num("max")?,
        },
        "uniform" => Dist::Uniform {
            from: need("from")?,
            to: need("to")?,
        },
        "triangular" => Dist::Triangular {
            min: need("min")?,
            mode: need("mode")?,
            max: need("max")?,
        },
        "lognormal" => Dist::LogNormal {
            mu: need("mu")?,
            sigma: need("sigma")?,
        },
        _ => {
            let switch = spec.kind == ParamKind::Switch;
            let values = list("values", switch)?.ok_or_else(|| {
                site.err(None, "a choice distribution needs `values` (keys: values, weights)")
            })?;
            Dist::Choice {
                values,
                weights: list("weights", false)?,
            }
        }
    })
}
