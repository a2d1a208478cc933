//! The page's presets: the baseline, the success and the failure case, and the dyads of
//! the 18-dyad pack, each as parameter overrides of the embedded baseline.
//!
//! A preset fixes the parameters its pack sets (at the pack's typical value where the pack
//! draws them from a distribution: the mean, [`crate::model::Dist::typical`]); every other
//! parameter keeps the baseline population's distribution and is drawn from the run's seed,
//! as `dyadsim trace --set path=value` does.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use crate::model::params::spec;
use crate::scenario::{self, Overrides, Scenario};
use crate::science::validation::PACKS;

/// One preset.
#[derive(Clone, Debug)]
pub struct Preset {
    /// Identifier, e.g. `failure_case` or `dyad_07`.
    pub id: String,
    /// Short name for a button.
    pub name: String,
    /// One line saying what it is.
    pub description: String,
    /// Horizon, months.
    pub months: u32,
    /// `(parameter path, value)` overrides, in the order of the parameter table.
    pub params: Vec<(&'static str, f64)>,
}

/// Paths of the parameters a scenario file sets in `[params]` or sweeps in `[sweep]`.
fn set_paths(text: &str) -> BTreeSet<&'static str> {
    fn walk(prefix: &str, t: &toml::Table, out: &mut BTreeSet<&'static str>) {
        for (k, v) in t {
            let path = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            if let Some(s) = spec(&path) {
                out.insert(s.path);
            } else if let toml::Value::Table(sub) = v {
                walk(&path, sub, out);
            }
        }
    }
    let mut out = BTreeSet::new();
    if let Ok(t) = text.parse::<toml::Table>() {
        for section in ["params", "sweep"] {
            if let Some(toml::Value::Table(sub)) = t.get(section) {
                walk("", sub, &mut out);
            }
        }
    }
    out.remove("months");
    out
}

/// Four significant decimals: what a slider shows and a TOML file reads well.
fn tidy(x: f64) -> f64 {
    (x * 1e4).round() / 1e4
}

fn overrides(
    s: &Scenario,
    point: usize,
    paths: &BTreeSet<&'static str>,
) -> Vec<(&'static str, f64)> {
    let p = &s.points.at(point).params;
    crate::model::PARAM_SPECS
        .iter()
        .filter(|sp| paths.contains(sp.path))
        .map(|sp| (sp.path, tidy(sp.get(p))))
        .collect()
}

fn pack(name: &str) -> (&'static str, Scenario) {
    let (_, text) = PACKS
        .iter()
        .find(|(n, _)| n.strip_suffix(".toml") == Some(name))
        .expect("the shipped packs include the case packs");
    let (s, _) = scenario::parse(text, name, Overrides::default())
        .expect("the shipped packs are valid (a test checks them)");
    (text, s)
}

fn build() -> Vec<Preset> {
    let (base, _) = scenario::parse(scenario::BASELINE_TOML, "baseline", Overrides::default())
        .expect("the embedded baseline is valid");
    let mut out = vec![Preset {
        id: "baseline".into(),
        name: "Baseline".into(),
        description: format!(
            "{} Every parameter without a slider is drawn from this population for each seed.",
            base.description
        ),
        months: base.base.months,
        params: Vec::new(),
    }];
    for (id, name) in [
        ("success_case", "Success case"),
        ("failure_case", "Failure case"),
    ] {
        let (text, s) = pack(id);
        out.push(Preset {
            id: id.into(),
            name: name.into(),
            description: s.description.clone(),
            months: s.base.months,
            params: overrides(&s, 0, &set_paths(text)),
        });
    }
    let (text, s) = pack("eighteen_dyads");
    let paths = set_paths(text);
    for (i, point) in s.points.iter().enumerate() {
        let params = overrides(&s, i, &paths);
        let get = |path: &str| point.params.get(path).unwrap_or(f64::NAN);
        let quick = if get("dynamics.exec_rate") > 0.1 {
            "; a distributing buyer with a quicker execution"
        } else {
            ""
        };
        out.push(Preset {
            id: format!("dyad_{:02}", i + 1),
            name: format!("Dyad {}", i + 1),
            description: format!(
                "Dyad {} of the 18-dyad study: supplier experience {:.2}, capability {:.2}, cash {:.0} kEUR, {:.0}% of sales with the buyer, complementarity {:.2}{quick}.",
                i + 1,
                get("supplier.experience"),
                get("supplier.capability"),
                get("supplier.cash"),
                100.0 * get("supplier.sales_concentration"),
                get("relationship.complementarity"),
            ),
            months: point.params.months,
            params,
        });
    }
    out
}

/// Every preset, built once from the shipped packs.
pub fn presets() -> &'static [Preset] {
    static PRESETS: OnceLock<Vec<Preset>> = OnceLock::new();
    PRESETS.get_or_init(build)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cases_fix_what_their_packs_set() {
        let all = presets();
        assert_eq!(all.len(), 3 + 18);
        let failure = all.iter().find(|p| p.id == "failure_case").unwrap();
        assert_eq!(failure.months, 36);
        let get = |k: &str| failure.params.iter().find(|(p, _)| *p == k).map(|x| x.1);
        assert_eq!(get("buyer.champion"), Some(0.0));
        assert_eq!(get("supplier.fixed_costs"), Some(8.0));
        // beta(2, 18): mean 0.1.
        assert_eq!(get("supplier.outside_options"), Some(0.1));
        assert_eq!(get("dynamics.noise_sd"), None);
        let d7 = all.iter().find(|p| p.id == "dyad_07").unwrap();
        assert_eq!(d7.months, 96);
        assert!(d7.params.contains(&("dynamics.exec_rate", 0.12)));
        assert!(d7.description.contains("quicker"));
        for p in all {
            for (path, v) in &p.params {
                let s = spec(path).unwrap();
                crate::model::params::check_value(s, *v).unwrap();
            }
        }
    }
}
