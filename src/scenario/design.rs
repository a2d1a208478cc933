//! Sweep designs: the `[sweep]` factors and their expansion into design points (grid,
//! Latin hypercube, one at a time, zip).

use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use toml::Spanned;

use super::blocks::{
    Locator, did_you_mean, find_key, leaves, sections, sweep_candidates, unknown_key,
    unknown_param, value_as_f64,
};
use super::{Design, DesignPoint, Factor, Scenario, ScenarioError};
use crate::model::mix_seed;
use crate::model::params::{ParamKind, check_value, spec};

pub(crate) fn collect_factors(
    loc: &Locator,
    text: &str,
    section: &Spanned<String>,
    t: &toml::Table,
    out: &mut Vec<Factor>,
) -> Result<(), ScenarioError> {
    let sec = section.get_ref();
    if !sections().contains(&sec.as_str()) {
        return Err(unknown_key(loc, section, "sweep", &sweep_candidates()));
    }
    for (path, key, v) in leaves(sec, t) {
        let offset = find_key(text, section.span().start, key).unwrap_or(section.span().start);
        let Some(s) = spec(&path) else {
            return Err(unknown_param(loc, offset, &path, "sweep"));
        };
        let toml::Value::Table(ft) = v else {
            return Err(loc.at(
                offset,
                format!("[sweep] `{path}` must be {{ values = [...] }} or {{ range = {{ from, to, steps }} }}"),
            ));
        };
        let bad = |m: String| loc.at(offset, format!("[sweep] `{path}`: {m}"));
        for key in ft.keys() {
            if key != "values" && key != "range" {
                let hint = did_you_mean(key, ["values", "range"].into_iter(), "");
                return Err(bad(format!("unknown key `{key}`{hint}")));
            }
        }
        let factor = match (ft.get("values"), ft.get("range")) {
            (Some(toml::Value::Array(a)), None) => {
                let mut values = Vec::new();
                for x in a {
                    let v = value_as_f64(x).ok_or_else(|| bad("values must be numbers".into()))?;
                    values.push(v);
                }
                if values.is_empty() {
                    return Err(bad("values is empty".into()));
                }
                Factor {
                    path: path.clone(),
                    spec: s,
                    values,
                    range: None,
                }
            }
            (None, Some(toml::Value::Table(r))) => {
                for key in r.keys() {
                    if !["from", "to", "steps"].contains(&key.as_str()) {
                        let hint = did_you_mean(key, ["from", "to", "steps"].into_iter(), "");
                        return Err(bad(format!("unknown range key `{key}`{hint}")));
                    }
                }
                let from = r.get("from").and_then(value_as_f64);
                let to = r.get("to").and_then(value_as_f64);
                let (Some(from), Some(to)) = (from, to) else {
                    return Err(bad("range needs numeric `from` and `to`".into()));
                };
                let steps = match r.get("steps") {
                    Some(toml::Value::Integer(n)) if *n >= 2 => *n as usize,
                    Some(toml::Value::Integer(1)) => 1,
                    None => 2,
                    _ => return Err(bad("range steps must be a whole number >= 1".into())),
                };
                let values = if steps == 1 {
                    vec![from]
                } else {
                    (0..steps)
                        .map(|i| from + (to - from) * i as f64 / (steps - 1) as f64)
                        .collect()
                };
                Factor {
                    path: path.clone(),
                    spec: s,
                    values,
                    range: Some((from, to)),
                }
            }
            _ => {
                return Err(bad(
                    "give either values = [...] or range = { from, to, steps }".into(),
                ));
            }
        };
        for &v in &factor.values {
            check_value(s, v).map_err(|e| bad(e.to_string()))?;
        }
        if let Some((a, b)) = factor.range {
            check_value(s, a).map_err(|e| bad(e.to_string()))?;
            check_value(s, b).map_err(|e| bad(e.to_string()))?;
        }
        out.push(factor);
    }
    Ok(())
}

pub(crate) fn expand(s: &Scenario, samples: Option<u64>) -> Result<Vec<DesignPoint>, String> {
    let make = |values: Vec<f64>| -> Result<DesignPoint, String> {
        let mut p = s.base.clone();
        for (f, &v) in s.factors.iter().zip(&values) {
            let sp = f.spec;
            let v = match sp.kind {
                ParamKind::Real => v,
                _ => v.round(),
            };
            sp.set(&mut p, v);
        }
        let invalid = |e: &dyn std::fmt::Display| {
            format!(
                "design point {:?} is invalid: {e}",
                s.factors
                    .iter()
                    .zip(&values)
                    .map(|(f, v)| format!("{}={v}", f.path))
                    .collect::<Vec<_>>()
            )
        };
        p.validate().map_err(|e| invalid(&e))?;
        if !s.population.is_empty() && !s.factors.is_empty() {
            s.population.check_corners(&p).map_err(|e| invalid(&e))?;
        }
        Ok(DesignPoint {
            values,
            params: p,
            population: s.population.clone(),
        })
    };
    let base_values: Vec<f64> = s.factors.iter().map(|f| f.spec.get(&s.base)).collect();
    let mut out = Vec::new();
    match s.design {
        Design::Grid => {
            let mut idx = vec![0usize; s.factors.len()];
            loop {
                out.push(make(
                    s.factors
                        .iter()
                        .zip(&idx)
                        .map(|(f, &i)| f.values[i])
                        .collect(),
                )?);
                // Odometer with the last factor fastest.
                let mut k = s.factors.len();
                loop {
                    if k == 0 {
                        return Ok(out);
                    }
                    k -= 1;
                    idx[k] += 1;
                    if idx[k] < s.factors[k].values.len() {
                        break;
                    }
                    idx[k] = 0;
                }
            }
        }
        Design::OneAtATime => {
            out.push(make(base_values.clone())?);
            for (i, f) in s.factors.iter().enumerate() {
                for &v in &f.values {
                    if v == base_values[i] {
                        continue;
                    }
                    let mut vals = base_values.clone();
                    vals[i] = v;
                    out.push(make(vals)?);
                }
            }
            Ok(out)
        }
        Design::Zip => {
            let n = s.factors.first().map_or(1, |f| f.values.len());
            for i in 0..n {
                out.push(make(s.factors.iter().map(|f| f.values[i]).collect())?);
            }
            Ok(out)
        }
        Design::Lhs => {
            let n = samples.unwrap_or(1) as usize;

            let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(s.seed, 0x004c_4853, 0));
            let mut columns = Vec::new();
            for f in &s.factors {
                let mut strata: Vec<usize> = (0..n).collect();
                strata.shuffle(&mut rng);
                let (lo, hi) = f.range.unwrap_or_else(|| {
                    let lo = f.values.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = f.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (lo, hi)
                });
                let col: Vec<f64> = strata
                    .iter()
                    .map(|&k| {
                        let u: f64 = rng.random();
                        lo + (hi - lo) * (k as f64 + u) / n as f64
                    })
                    .collect();
                columns.push(col);
            }
            for i in 0..n {
                out.push(make(columns.iter().map(|c| c[i]).collect())?);
            }
            Ok(out)
        }
    }
}
