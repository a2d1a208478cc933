//! `--set path=value`: command-line overrides of any parameter or scenario key, applied to
//! the scenario's text before it is parsed. The edited text is what the run records (in
//! shard states and the scenario hash), so a merge or a resume sees the same scenario, and
//! every value goes through the same validation as one written in the file.

use toml_edit::{DocumentMut, Item, Table, Value};

use super::blocks::{Locator, did_you_mean};
use super::dist::{DistSite, parse_dist};
use super::{OUTPUT_KEYS, SCENARIO_KEYS, SWEEP_KEYS, ScenarioError};
use crate::model::params::{PARAM_SPECS, ParamKind, ParamSpec, check_value, spec};

/// Tables a `--set` path may start with; any other path is a parameter (`buyer.champion`
/// means `params.buyer.champion`).
const TABLES: [&str; 4] = ["scenario", "params", "sweep", "output"];

fn set_error(arg: &str, message: String) -> ScenarioError {
    ScenarioError {
        file: format!("--set {arg}"),
        line: 0,
        column: 0,
        message,
    }
}

/// Every path `--set` accepts, for suggestions.
fn known_paths() -> Vec<String> {
    let mut v: Vec<String> = PARAM_SPECS.iter().map(|s| s.path.to_string()).collect();
    v.extend(SCENARIO_KEYS.iter().map(|k| format!("scenario.{k}")));
    v.extend(OUTPUT_KEYS.iter().map(|k| format!("output.{k}")));
    v.extend(SWEEP_KEYS.iter().map(|k| format!("sweep.{k}")));
    v
}

/// The TOML path and value of one `path=value` argument, checked against the parameter
/// table.
fn parse_one(arg: &str) -> Result<(Vec<String>, Value), ScenarioError> {
    let Some((path, raw)) = arg.split_once('=') else {
        return Err(set_error(
            arg,
            "expected PATH=VALUE, e.g. buyer.champion=0.8 or scenario.seed=7".into(),
        ));
    };
    let (path, raw) = (path.trim(), raw.trim());
    // A TOML value as written in a file; anything else is taken as a string.
    let value: Value = raw.parse().unwrap_or_else(|_| Value::from(raw));
    let first = path.split('.').next().unwrap_or_default();
    let param = if TABLES.contains(&first) {
        path.strip_prefix("params.")
    } else {
        Some(path)
    };
    if let Some(p) = param {
        let Some(s) = spec(p) else {
            let known = known_paths();
            let hint = did_you_mean(path, known.iter().map(String::as_str), "");
            return Err(set_error(arg, format!("unknown parameter `{p}`{hint}")));
        };
        if let Value::InlineTable(_) = &value {
            check_dist(arg, s, raw)?;
            let mut full = vec!["params".to_string()];
            full.extend(p.split('.').map(str::to_string));
            return Ok((full, value));
        }
        let x = match (&value, s.kind) {
            (Value::Boolean(b), ParamKind::Switch) => f64::from(u8::from(*b.value())),
            (Value::Integer(i), ParamKind::Real | ParamKind::Integer) => *i.value() as f64,
            (Value::Float(f), ParamKind::Real | ParamKind::Integer) => *f.value(),
            _ => {
                let want = match s.kind {
                    ParamKind::Switch => "true or false",
                    ParamKind::Integer => "a whole number",
                    ParamKind::Real => "a number",
                };
                return Err(set_error(arg, format!("`{p}` must be {want}, not `{raw}`")));
            }
        };
        check_value(s, x).map_err(|e| set_error(arg, e.to_string()))?;
        let mut full = vec!["params".to_string()];
        full.extend(p.split('.').map(str::to_string));
        return Ok((full, value));
    }
    if !known_paths().iter().any(|k| k == path) {
        let known = known_paths();
        let hint = did_you_mean(path, known.iter().map(String::as_str), "");
        return Err(set_error(arg, format!("unknown key `{path}`{hint}")));
    }
    Ok((path.split('.').map(str::to_string).collect(), value))
}

/// Check the distribution `raw` (an inline table) of parameter `s` given by `--set arg`,
/// as the scenario parser would, so that its errors name the argument.
fn check_dist(arg: &str, s: &'static ParamSpec, raw: &str) -> Result<(), ScenarioError> {
    if s.path == "months" {
        return Err(set_error(
            arg,
            "`months` cannot be a distribution: the horizon fixes the length of a design point's time series".into(),
        ));
    }
    let text = format!("x = {raw}\n");
    let t: toml::Table =
        toml::from_str(&text).map_err(|e| set_error(arg, e.message().to_string()))?;
    let Some(toml::Value::Table(d)) = t.get("x") else {
        return Err(set_error(arg, "expected a distribution table".into()));
    };
    let loc = Locator {
        file: "",
        text: &text,
    };
    let site = DistSite {
        loc: &loc,
        table: "params",
        spec: s,
        offset: 0,
        item: None,
    };
    let dist = parse_dist(&site, d).map_err(|e| set_error(arg, e.message))?;
    dist.check(s)
        .map_err(|e| set_error(arg, site.check_err(&e).message))
}

/// Apply `sets` (each `path=value`) to the scenario text `text` of `file`.
pub fn apply(text: &str, file: &str, sets: &[String]) -> Result<String, ScenarioError> {
    if sets.is_empty() {
        return Ok(text.to_string());
    }
    let mut doc: DocumentMut = text
        .parse()
        .map_err(|e: toml_edit::TomlError| ScenarioError {
            file: file.to_string(),
            line: 0,
            column: 0,
            message: e.message().to_string(),
        })?;
    for arg in sets {
        let (path, value) = parse_one(arg)?;
        let (last, parents) = path.split_last().expect("a path has a segment");
        let mut table = doc.as_table_mut() as &mut dyn toml_edit::TableLike;
        for seg in parents {
            let item = table.entry(seg).or_insert(Item::Table(Table::new()));
            if let Some(t) = item.as_table_mut() {
                t.set_implicit(true);
            }
            table = item
                .as_table_like_mut()
                .ok_or_else(|| set_error(arg, format!("`{seg}` is not a table in {file}")))?;
        }
        table.insert(last, Item::Value(value));
    }
    Ok(doc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "[scenario]\nname = \"x\"\nseed = 3\n\n[params.buyer]\nchampion = 0.2\n";

    #[test]
    fn sets_replace_and_add_keys() {
        let sets = [
            "buyer.champion=0.9".to_string(),
            "supplier.capability=0.5".to_string(),
            "scenario.seed=11".to_string(),
            "output.plots=false".to_string(),
        ];
        let t = apply(TEXT, "t.toml", &sets).unwrap();
        let (s, _) = super::super::parse(&t, "t.toml", Default::default()).unwrap();
        assert_eq!(s.base.buyer.champion, 0.9);
        assert_eq!(s.base.supplier.capability, 0.5);
        assert_eq!(s.seed, 11);
        assert!(!s.output.plots);
    }

    #[test]
    fn coefficients_three_levels_deep() {
        let t = apply(
            "[scenario]\nname = \"x\"\n[params.coefficients.trust]\ndamping = 0.4\n\n[sweep.coefficients]\ncommunication.champion = { values = [0.1, 0.2] }\n",
            "t.toml",
            &["coefficients.reciprocity.signal_rate=0.2".to_string()],
        )
        .unwrap();
        let (s, _) = super::super::parse(&t, "t.toml", Default::default()).unwrap();
        assert_eq!(s.base.coefficients.trust.damping, 0.4);
        assert_eq!(s.base.coefficients.reciprocity.signal_rate, 0.2);
        assert_eq!(s.factors[0].path, "coefficients.communication.champion");
        assert_eq!(
            s.points.at(1).params.coefficients.communication.champion,
            0.2
        );
    }

    #[test]
    fn bad_sets_name_the_argument() {
        let e = |a: &str| {
            apply(TEXT, "t.toml", &[a.to_string()])
                .unwrap_err()
                .to_string()
        };
        let m = e("buyer.champoin=0.9");
        assert!(m.starts_with("--set buyer.champoin=0.9: "), "{m}");
        assert!(m.contains("did you mean `buyer.champion`"), "{m}");
        assert!(e("buyer.champion=2").contains("out of range"));
        assert!(e("buyer.champion=high").contains("must be a number"));
        assert!(e("buyer.champion").contains("PATH=VALUE"));
        assert!(e("scenario.sede=3").contains("did you mean `scenario.seed`"));
        let m = e("buyer.champion={ dist = \"beta\", a = 2, bb = 5 }");
        assert!(m.starts_with("--set buyer.champion="), "{m}");
        assert!(m.contains("did you mean `b`?"), "{m}");
        assert!(e("buyer.champion={ dist = \"beta\", a = 0, b = 5 }").contains("> 0"));
        assert!(e("months={ dist = \"choice\", values = [12] }").contains("`months`"));
    }

    #[test]
    fn a_set_may_give_a_distribution() {
        let t = apply(
            TEXT,
            "t.toml",
            &["buyer.champion={ dist = \"uniform\", from = 0.1, to = 0.3 }".to_string()],
        )
        .unwrap();
        let (s, _) = super::super::parse(&t, "t.toml", Default::default()).unwrap();
        let paths: Vec<&str> = s.population.iter().map(|(p, _)| p.path).collect();
        assert_eq!(paths, ["buyer.champion"]);
    }
}
