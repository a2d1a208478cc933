//! Sweep designs: the `[sweep]` factors and their expansion into design points (grid,
//! Latin hypercube, one at a time, zip).

use rand::rngs::Xoshiro256PlusPlus;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use toml::Spanned;

use super::blocks::{
    Locator, did_you_mean, find_key, kind_word, leaves, sections, sweep_candidates, unknown_key,
    unknown_param, value_as_f64,
};
use super::dist::{DistSite, parse_dist};
use super::{Design, DesignPoint, Factor, Scenario, ScenarioError};
use crate::model::Dist;
use crate::model::mix_seed;
use crate::model::params::{ParamKind, ParamSpec, check_value, spec};

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
                let (values, dists) = levels(loc, text, offset, s, a, &bad)?;
                Factor {
                    path: path.clone(),
                    spec: s,
                    values,
                    dists,
                    range: None,
                    at: offset,
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
                    dists: Vec::new(),
                    range: Some((from, to)),
                    at: offset,
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

/// The levels of the `values` array `a` of the factor `s` whose key is at `offset`: each
/// level's number (a distribution's typical value) and, when some level is a distribution,
/// which levels are (empty otherwise). `bad` makes an error of the factor.
fn levels(
    loc: &Locator,
    text: &str,
    offset: usize,
    s: &'static ParamSpec,
    a: &[toml::Value],
    bad: &dyn Fn(String) -> ScenarioError,
) -> Result<(Vec<f64>, Vec<Option<Dist>>), ScenarioError> {
    let mut values = Vec::new();
    let mut dists = Vec::new();
    let mut tables = 0;
    for (i, x) in a.iter().enumerate() {
        if let toml::Value::Table(t) = x {
            // A distribution: this level is a population of its own.
            let site = DistSite {
                loc,
                table: "sweep",
                spec: s,
                offset: level_table(text, offset, tables).unwrap_or(offset),
                item: Some(i),
            };
            tables += 1;
            let d = parse_dist(&site, t)?;
            d.check(s).map_err(|e| site.check_err(&e))?;
            values.push(d.typical(s));
            dists.push(Some(d));
            continue;
        }
        let example = if s.kind == ParamKind::Real {
            "beta"
        } else {
            "choice"
        };
        let v = value_as_f64(x).ok_or_else(|| {
            bad(format!(
                "values must be {}s or distributions such as {{ dist = \"{example}\", ... }}",
                kind_word(s.kind)
            ))
        })?;
        values.push(v);
        dists.push(None);
    }
    if values.is_empty() {
        return Err(bad("values is empty".into()));
    }
    if dists.iter().all(Option::is_none) {
        dists.clear();
    }
    Ok((values, dists))
}

/// Offset of the `k`-th inline table (0-based) in the `values` array of the factor whose key
/// is at `from`: where the `k`-th distribution among its levels starts.
fn level_table(text: &str, from: usize, k: usize) -> Option<usize> {
    let at = find_key(text, from, "values")?;
    let open = at + text[at..].find('[')?;
    text[open..]
        .match_indices('{')
        .nth(k)
        .map(|(i, _)| open + i)
}

pub(crate) fn expand(s: &Scenario, samples: Option<u64>) -> Result<Vec<DesignPoint>, String> {
    // `values` are the levels (a distribution's typical value), `dists` the levels that are
    // distributions (drawn once per run at this point, on top of the scenario's population).
    let make = |values: Vec<f64>, dists: &[Option<&Dist>]| -> Result<DesignPoint, String> {
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
                    .zip(dists.iter().chain(std::iter::repeat(&None)))
                    .map(|((f, v), d)| match d {
                        Some(d) => format!(
                            "{}~{}",
                            f.path,
                            serde_json::to_string(d).unwrap_or_default()
                        ),
                        None => format!("{}={v}", f.path),
                    })
                    .collect::<Vec<_>>()
            )
        };
        p.validate().map_err(|e| invalid(&e))?;
        let own: Vec<(&'static ParamSpec, Dist)> = s
            .factors
            .iter()
            .zip(dists)
            .filter_map(|(f, d)| d.map(|d| (f.spec, d.clone())))
            .collect();
        let population = if own.is_empty() {
            s.population.clone()
        } else {
            s.population.with(own).map_err(|e| invalid(&e))?
        };
        if !population.is_empty() && !s.factors.is_empty() {
            population.check_corners(&p).map_err(|e| invalid(&e))?;
        }
        Ok(DesignPoint {
            values,
            params: p,
            population,
        })
    };
    let base_values: Vec<f64> = s.factors.iter().map(|f| f.spec.get(&s.base)).collect();
    let fixed = vec![None; s.factors.len()];
    let mut out = Vec::new();
    match s.design {
        Design::Grid => {
            let mut idx = vec![0usize; s.factors.len()];
            loop {
                let dists: Vec<Option<&Dist>> = s
                    .factors
                    .iter()
                    .zip(&idx)
                    .map(|(f, &i)| f.dist(i))
                    .collect();
                out.push(make(
                    s.factors
                        .iter()
                        .zip(&idx)
                        .map(|(f, &i)| f.values[i])
                        .collect(),
                    &dists,
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
            out.push(make(base_values.clone(), &fixed)?);
            for (i, f) in s.factors.iter().enumerate() {
                for (j, &v) in f.values.iter().enumerate() {
                    let d = f.dist(j);
                    if d.is_none() && v == base_values[i] {
                        continue;
                    }
                    let mut vals = base_values.clone();
                    vals[i] = v;
                    let mut dists = fixed.clone();
                    dists[i] = d;
                    out.push(make(vals, &dists)?);
                }
            }
            Ok(out)
        }
        Design::Zip => {
            let n = s.factors.first().map_or(1, |f| f.values.len());
            for i in 0..n {
                let dists: Vec<Option<&Dist>> = s.factors.iter().map(|f| f.dist(i)).collect();
                out.push(make(
                    s.factors.iter().map(|f| f.values[i]).collect(),
                    &dists,
                )?);
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
                out.push(make(columns.iter().map(|c| c[i]).collect(), &fixed)?);
            }
            Ok(out)
        }
    }
}
