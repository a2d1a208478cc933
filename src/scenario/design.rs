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
use crate::model::mix_seed;
use crate::model::params::{ParamKind, ParamSpec, check_value, spec};
use crate::model::{Dist, Params, Population};

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

/// The design points of a scenario, generated on demand from the design: no list of
/// points is kept, so a design of 10⁶ points holds only its Latin hypercube table (one
/// number per point and factor) and each point's parameters are built when it runs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Points {
    base: Params,
    population: Population,
    factors: Vec<Factor>,
    kind: Kind,
    n: usize,
}

#[derive(Clone, Debug, Default, PartialEq)]
enum Kind {
    /// Every combination, the last factor fastest.
    #[default]
    Grid,
    /// The base point, then `(factor, level)` in order.
    OneAtATime(Vec<(usize, usize)>),
    /// Level `i` of every factor.
    Zip,
    /// The sampled values, point-major (`n × factors`).
    Lhs(Vec<f64>),
}

impl Points {
    /// Number of design points.
    pub fn len(&self) -> usize {
        self.n
    }
    /// No design point (never the case for a parsed scenario).
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }
    /// The swept values of point `i` (in factor order; a level that is a distribution:
    /// its typical value) and the levels that are distributions. `i` must be below
    /// [`Points::len`].
    fn levels(&self, i: usize) -> (Vec<f64>, Vec<Option<&Dist>>) {
        let k = self.factors.len();
        let base = || -> Vec<f64> {
            self.factors
                .iter()
                .map(|f| f.spec.get(&self.base))
                .collect()
        };
        match &self.kind {
            Kind::Grid => {
                let mut idx = vec![0usize; k];
                let mut rest = i;
                for (j, f) in self.factors.iter().enumerate().rev() {
                    let len = f.values.len().max(1);
                    idx[j] = rest % len;
                    rest /= len;
                }
                let values = self
                    .factors
                    .iter()
                    .zip(&idx)
                    .map(|(f, &l)| f.values[l])
                    .collect();
                let dists = self
                    .factors
                    .iter()
                    .zip(&idx)
                    .map(|(f, &l)| f.dist(l))
                    .collect();
                (values, dists)
            }
            Kind::OneAtATime(list) => {
                let mut values = base();
                let mut dists = vec![None; k];
                if let Some(&(j, l)) = i.checked_sub(1).and_then(|x| list.get(x)) {
                    values[j] = self.factors[j].values[l];
                    dists[j] = self.factors[j].dist(l);
                }
                (values, dists)
            }
            Kind::Zip => (
                // Beyond the design (never asked for), the base values.
                self.factors
                    .iter()
                    .map(|f| f.values.get(i).copied().unwrap_or(f.spec.get(&self.base)))
                    .collect(),
                self.factors.iter().map(|f| f.dist(i)).collect(),
            ),
            Kind::Lhs(table) => (
                table
                    .get(i * k..(i + 1) * k)
                    .map_or_else(base, <[f64]>::to_vec),
                vec![None; k],
            ),
        }
    }
    /// The swept values of point `i` (see [`DesignPoint::values`]).
    pub fn values(&self, i: usize) -> Vec<f64> {
        self.levels(i).0
    }
    /// Design point `i` (`None` beyond the design).
    pub fn get(&self, i: usize) -> Option<DesignPoint> {
        (i < self.n).then(|| self.at(i))
    }
    /// Design point `i`, which must be below [`Points::len`]. The scenario was validated
    /// when it was parsed, so building a point cannot fail.
    pub fn at(&self, i: usize) -> DesignPoint {
        let (values, dists) = self.levels(i);
        let (params, own) = self.params_of(&values, &dists);
        let population = if own.is_empty() {
            self.population.clone()
        } else {
            self.population
                .with(own)
                .unwrap_or_else(|_| self.population.clone())
        };
        DesignPoint {
            values,
            params,
            population,
        }
    }
    /// Every design point, in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = DesignPoint> + '_ {
        (0..self.n).map(|i| self.at(i))
    }
    /// A digest of the points beyond what the scenario's factors say (the sampled values
    /// of a Latin hypercube), for the scenario hash.
    pub(crate) fn digest(&self) -> Option<String> {
        match &self.kind {
            Kind::Lhs(table) => {
                let mut h = Fnv::default();
                for v in table {
                    h.write(&v.to_bits().to_le_bytes());
                }
                Some(h.hex())
            }
            _ => None,
        }
    }
    /// The base parameters with `values` set, and the levels' own distributions.
    fn params_of(
        &self,
        values: &[f64],
        dists: &[Option<&Dist>],
    ) -> (Params, Vec<(&'static ParamSpec, Dist)>) {
        let mut p = self.base.clone();
        for (f, &v) in self.factors.iter().zip(values) {
            let sp = f.spec;
            let v = match sp.kind {
                ParamKind::Real => v,
                _ => v.round(),
            };
            sp.set(&mut p, v);
        }
        let own = self
            .factors
            .iter()
            .zip(dists)
            .filter_map(|(f, d)| d.map(|d| (f.spec, d.clone())))
            .collect();
        (p, own)
    }
    /// Check point `i` as a run would use it: its parameters, and every draw of its
    /// population on top of them.
    fn check(&self, i: usize) -> Result<(), String> {
        let (values, dists) = self.levels(i);
        let invalid = |e: &dyn std::fmt::Display| {
            format!(
                "design point {:?} is invalid: {e}",
                self.factors
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
        let (p, own) = self.params_of(&values, &dists);
        p.validate().map_err(|e| invalid(&e))?;
        let population = if own.is_empty() {
            self.population.clone()
        } else {
            self.population.with(own).map_err(|e| invalid(&e))?
        };
        if !population.is_empty() && !self.factors.is_empty() {
            population.check_corners(&p).map_err(|e| invalid(&e))?;
        }
        Ok(())
    }
    /// Whether every point is valid, judged at once: the rules between parameters are
    /// monotone in each parameter and involve two of them (see
    /// [`Population::check_corners`]), so it is enough that they hold at the corners of the
    /// box spanned by every factor's levels (a distribution's support) and the population's
    /// supports. `false` means only that some corner breaks a rule.
    fn box_is_valid(&self) -> bool {
        let mut ends: Vec<(&'static ParamSpec, f64, f64)> = Vec::new();
        for f in &self.factors {
            let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
            for (l, &v) in f.values.iter().enumerate() {
                let (a, b) = f.dist(l).map_or((v, v), Dist::support);
                lo = lo.min(a.max(f.spec.min));
                hi = hi.max(b.min(f.spec.max));
            }
            if let Kind::OneAtATime(_) = self.kind {
                let v = f.spec.get(&self.base);
                lo = lo.min(v);
                hi = hi.max(v);
            }
            if let (Kind::Lhs(_), Some((a, b))) = (&self.kind, f.range) {
                lo = lo.min(a.min(b));
                hi = hi.max(a.max(b));
            }
            ends.push((f.spec, lo, hi));
        }
        for (spec, d) in self.population.iter() {
            let (lo, hi) = d.support();
            ends.push((spec, lo.max(spec.min), hi.min(spec.max)));
        }
        let mut p = self.base.clone();
        let set = |p: &mut Params, flip: Option<usize>, high: bool| {
            for (j, (spec, lo, hi)) in ends.iter().enumerate() {
                let up = if Some(j) == flip { !high } else { high };
                let v = if up { *hi } else { *lo };
                let v = match spec.kind {
                    ParamKind::Real => v,
                    _ => v.round(),
                };
                spec.set(p, v);
            }
        };
        for high in [false, true] {
            set(&mut p, None, high);
            if p.validate().is_err() {
                return false;
            }
            for j in 0..ends.len() {
                set(&mut p, Some(j), high);
                if p.validate().is_err() {
                    return false;
                }
            }
        }
        true
    }
}

/// FNV-1a, 64 bits, fed piece by piece.
struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Fnv {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= u64::from(*b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn hex(&self) -> String {
        format!("{:016x}", self.0)
    }
}

/// The design points of `s` (`samples` for a Latin hypercube), validated: a point that
/// breaks a rule between parameters is named.
pub(crate) fn expand(s: &Scenario, samples: Option<u64>) -> Result<Points, String> {
    let n_levels = |f: &Factor| f.values.len();
    let (kind, n) = match s.design {
        Design::Grid => (Kind::Grid, s.factors.iter().map(n_levels).product()),
        Design::OneAtATime => {
            let mut list = Vec::new();
            for (i, f) in s.factors.iter().enumerate() {
                let base = f.spec.get(&s.base);
                for (j, &v) in f.values.iter().enumerate() {
                    if f.dist(j).is_none() && v == base {
                        continue;
                    }
                    list.push((i, j));
                }
            }
            let n = 1 + list.len();
            (Kind::OneAtATime(list), n)
        }
        Design::Zip => (Kind::Zip, s.factors.first().map_or(1, n_levels)),
        Design::Lhs => {
            let n = samples.unwrap_or(1) as usize;
            let k = s.factors.len();
            let mut rng = Xoshiro256PlusPlus::seed_from_u64(mix_seed(s.seed, 0x004c_4853, 0));
            let mut table = vec![0.0; n * k];
            let mut strata: Vec<u32> = Vec::with_capacity(n);
            for (j, f) in s.factors.iter().enumerate() {
                strata.clear();
                strata.extend(0..n as u32);
                strata.shuffle(&mut rng);
                let (lo, hi) = f.range.unwrap_or_else(|| {
                    let lo = f.values.iter().copied().fold(f64::INFINITY, f64::min);
                    let hi = f.values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    (lo, hi)
                });
                for (i, &st) in strata.iter().enumerate() {
                    let u: f64 = rng.random();
                    table[i * k + j] = lo + (hi - lo) * (f64::from(st) + u) / n as f64;
                }
            }
            (Kind::Lhs(table), n)
        }
    };
    let points = Points {
        base: s.base.clone(),
        population: s.population.clone(),
        factors: s.factors.clone(),
        kind,
        n,
    };
    if !points.box_is_valid() {
        for i in 0..n {
            points.check(i)?;
        }
    }
    Ok(points)
}
