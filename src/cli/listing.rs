//! What `dyadsim check` and `dyadsim params` print.

use std::fmt;
use std::path::Path;

use crate::model::params::{PARAM_SPECS, ParamKind};
use crate::scenario::Scenario;
use crate::science::hypothesis::Hypothesis;

/// What `dyadsim check` prints: the scenario, its design, its hypotheses and patterns.
pub struct CheckListing<'a> {
    /// The file as named on the command line.
    pub path: &'a Path,
    /// The validated scenario.
    pub scenario: &'a Scenario,
    /// Its validated hypotheses.
    pub hypotheses: &'a [Hypothesis],
    /// Number of validated patterns.
    pub patterns: usize,
}

/// Design points listed before the rest is summarised.
const LISTED_POINTS: usize = 50;

impl fmt::Display for CheckListing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.scenario;
        writeln!(
            f,
            "{}: scenario `{}` is valid: {} design point(s) x {} replications = {} runs, {} months, seed {}, design {:?}",
            self.path.display(),
            s.name,
            s.points.len(),
            s.replications,
            s.total_runs(),
            s.base.months,
            s.seed,
            s.design
        )?;
        for fac in &s.factors {
            writeln!(f, "  factor {} = {:?}", fac.path, fac.values)?;
            for (i, d) in fac.dists.iter().enumerate() {
                if let Some(d) = d {
                    // The level's distribution; the factor's value above is its typical value.
                    let text = serde_json::to_string(d).unwrap_or_default();
                    writeln!(f, "    level {i} drawn ~ {text}")?;
                }
            }
        }
        for (spec, d) in s.population.iter() {
            // The distribution as written in a scenario file, e.g. {"dist":"beta","a":2.0,"b":5.0}.
            let text = serde_json::to_string(d).unwrap_or_default();
            writeln!(f, "  drawn {} ~ {text}", spec.path)?;
        }
        for (i, p) in s.points.iter().enumerate().take(LISTED_POINTS) {
            let vals: Vec<String> = s
                .factors
                .iter()
                .zip(&p.values)
                .map(|(fac, v)| format!("{}={v}", fac.path))
                .collect();
            match s.labels.get(i) {
                Some(l) => writeln!(f, "  point {i} ({l}): {}", vals.join(", "))?,
                None => writeln!(f, "  point {i}: {}", vals.join(", "))?,
            }
        }
        if s.points.len() > LISTED_POINTS {
            writeln!(f, "  ... {} more points", s.points.len() - LISTED_POINTS)?;
        }
        for h in self.hypotheses {
            writeln!(
                f,
                "  hypothesis {}: {} {:?} -> {} ({})",
                h.id,
                h.factor.path,
                h.levels,
                h.metric,
                h.expect.as_str()
            )?;
        }
        if self.patterns > 0 {
            writeln!(f, "  {} validation pattern(s)", self.patterns)?;
        }
        Ok(())
    }
}

/// What `dyadsim params` prints: every parameter with its default, range, unit and
/// meaning.
pub struct ParamTable;

impl fmt::Display for ParamTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let width = PARAM_SPECS
            .iter()
            .map(|s| s.path.len())
            .max()
            .unwrap_or(0)
            .max(36);
        writeln!(
            f,
            "{:<w$} {:>9} {:>21}  {:<16} meaning",
            "parameter",
            "default",
            "range",
            "unit",
            w = width
        )?;
        for s in PARAM_SPECS {
            let (default, range) = match s.kind {
                ParamKind::Switch => (
                    (if s.default == 1.0 { "true" } else { "false" }).to_string(),
                    "true/false".to_string(),
                ),
                _ => (format!("{}", s.default), format!("{} ..= {}", s.min, s.max)),
            };
            writeln!(
                f,
                "{:<w$} {:>9} {:>21}  {:<16} {}",
                s.path,
                default,
                range,
                s.unit,
                s.doc,
                w = width
            )?;
        }
        Ok(())
    }
}
