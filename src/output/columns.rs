//! Units and meanings of every output column, read from `docs/OUTPUTS.md`, which is
//! compiled into the binary: the document people read is the one source, and the tests
//! check that it covers every column the writers produce (so neither can drift).
//!
//! The document's tables have the header `| column | unit | meaning |` (columns of a file,
//! under the `## `-heading that names the file), `| outcome | unit | meaning |` (outcomes:
//! the metric columns of `runs.csv` and the rows of `summary.csv`) or
//! `| metric | unit | meaning |` (the metrics of `timeseries.csv`). The first cell names one
//! or more columns in backticks; `<phase>` stands for `preparation`, `execution` and
//! `integration` (in the name and in the meaning). Rows without a backticked name (the swept
//! and the drawn parameters, whose unit and meaning come from the parameter table of
//! `dyadsim params`) are skipped.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::model::ParamSpec;
use crate::scenario::Factor;

/// The document the units and meanings are read from.
const DOC: &str = include_str!("../../docs/OUTPUTS.md");

/// Unit and meaning of one column.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ColumnDoc {
    /// Unit (e.g. `kEUR`, `0–1`, `index`).
    pub unit: String,
    /// What the column holds.
    pub meaning: String,
}

/// Which of the document's tables a name belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    /// A column of the file (`runs.csv`, `timeseries.csv`, ...).
    Column,
    /// An outcome.
    Outcome,
    /// A trajectory metric or phase share.
    Metric,
}

#[derive(Default)]
struct Docs {
    /// `(file, kind, name)` to unit and meaning; `file` is empty for outcomes and metrics.
    map: HashMap<(String, Kind, String), ColumnDoc>,
}

fn docs() -> &'static Docs {
    static DOCS: OnceLock<Docs> = OnceLock::new();
    DOCS.get_or_init(|| parse(DOC))
}

/// Markdown cell text as plain text: no backticks or emphasis, single spaces.
fn plain(cell: &str) -> String {
    cell.replace(['`', '*'], "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The backticked names of a cell, `<phase>` expanded (with the phase it stands for).
fn names(cell: &str) -> Vec<(String, Option<&'static str>)> {
    let mut out = Vec::new();
    for (i, part) in cell.split('`').enumerate() {
        if i % 2 == 0 || part.is_empty() {
            continue;
        }
        if part.contains("<phase>") {
            for ph in ["preparation", "execution", "integration"] {
                out.push((part.replace("<phase>", ph), Some(ph)));
            }
        } else {
            out.push((part.to_string(), None));
        }
    }
    out
}

fn cells(line: &str) -> Vec<&str> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = t.strip_suffix('|').unwrap_or(t);
    t.split('|').map(str::trim).collect()
}

fn parse(doc: &str) -> Docs {
    let mut d = Docs::default();
    let mut file = String::new();
    let mut kind: Option<Kind> = None;
    for line in doc.lines() {
        let t = line.trim();
        if let Some(h) = t.strip_prefix("## ") {
            // The file a level-2 heading names, e.g. "## `runs.csv` — one row per run".
            file = names(h)
                .into_iter()
                .next()
                .map(|(n, _)| n.trim_end_matches(".csv").to_string())
                .unwrap_or_default();
            kind = None;
            continue;
        }
        if !t.starts_with('|') {
            kind = None;
            continue;
        }
        let c = cells(t);
        if c.len() != 3 {
            kind = None;
            continue;
        }
        if c[1] == "unit" && c[2] == "meaning" {
            kind = match c[0] {
                "column" => Some(Kind::Column),
                "outcome" => Some(Kind::Outcome),
                "metric" => Some(Kind::Metric),
                _ => None,
            };
            continue;
        }
        let Some(k) = kind else { continue };
        let table_file = if k == Kind::Column {
            file.clone()
        } else {
            String::new()
        };
        for (n, phase) in names(c[0]) {
            let meaning = match phase {
                Some(ph) => c[2].replace("<phase>", ph),
                None => c[2].to_string(),
            };
            let doc = ColumnDoc {
                unit: plain(c[1]),
                meaning: plain(&meaning),
            };
            d.map.insert((table_file.clone(), k, n), doc);
        }
    }
    d
}

fn get(file: &str, kind: Kind, name: &str) -> Option<ColumnDoc> {
    docs()
        .map
        .get(&(file.to_string(), kind, name.to_string()))
        .cloned()
}

/// A column of output table `file` (`runs`, `timeseries`, `summary`, `points`) other than
/// the swept parameters and the outcomes.
pub fn column(file: &str, name: &str) -> Option<ColumnDoc> {
    get(file, Kind::Column, name)
}

/// An outcome (a metric column of `runs`, a row of `summary`).
pub fn outcome(name: &str) -> Option<ColumnDoc> {
    get("", Kind::Outcome, name)
}

/// A metric of `timeseries` (trajectory metric or phase share).
pub fn metric(name: &str) -> Option<ColumnDoc> {
    get("", Kind::Metric, name)
}

/// A swept parameter's column: the parameter's unit and meaning.
pub fn factor(f: &Factor) -> ColumnDoc {
    ColumnDoc {
        unit: f.spec.unit.to_string(),
        meaning: f.spec.doc.to_string(),
    }
}

/// A drawn parameter's column of `runs` (a parameter with a distribution in `[params]`):
/// the parameter's unit and meaning, marked as drawn once per run.
pub fn drawn(spec: &ParamSpec) -> ColumnDoc {
    ColumnDoc {
        unit: spec.unit.to_string(),
        meaning: format!("drawn once per run from its distribution: {}", spec.doc),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{OUTCOME_METRICS, TRAJECTORY_METRICS};
    use crate::output::files::{PHASE_SHARES, STATS};

    #[test]
    fn every_outcome_and_metric_is_documented() {
        for m in OUTCOME_METRICS {
            let d = outcome(m).unwrap_or_else(|| panic!("outcome `{m}` not in docs/OUTPUTS.md"));
            assert!(!d.unit.is_empty() && !d.meaning.is_empty(), "{m}: {d:?}");
        }
        for m in TRAJECTORY_METRICS.iter().chain(PHASE_SHARES.iter()) {
            let d = metric(m).unwrap_or_else(|| panic!("metric `{m}` not in docs/OUTPUTS.md"));
            assert!(!d.unit.is_empty() && !d.meaning.is_empty(), "{m}: {d:?}");
        }
        // Nothing documented that no longer exists.
        for (_, k, n) in docs().map.keys() {
            match k {
                Kind::Outcome => assert!(OUTCOME_METRICS.contains(&n.as_str()), "{n}"),
                Kind::Metric => assert!(
                    TRAJECTORY_METRICS.contains(&n.as_str()) || PHASE_SHARES.contains(&n.as_str()),
                    "{n}"
                ),
                Kind::Column => {}
            }
        }
    }

    #[test]
    fn every_fixed_column_is_documented() {
        let runs = ["point", "replication", "seed", "final_phase", "end_reason"];
        let levels = ["level_preparation_entry", "level_integration_exit"];
        for c in runs
            .iter()
            .chain(levels.iter())
            .chain(["phase_path"].iter())
        {
            assert!(column("runs", c).is_some(), "runs: {c}");
        }
        for c in ["point", "month", "metric"].iter().chain(STATS.iter()) {
            assert!(column("timeseries", c).is_some(), "timeseries: {c}");
        }
        for c in ["point", "outcome"].iter().chain(STATS.iter()) {
            assert!(column("summary", c).is_some(), "summary: {c}");
        }
        assert!(column("points", "point").is_some());
        for c in ["point", "replication", "seed", "month", "phase"] {
            assert!(column("trajectories", c).is_some(), "trajectories: {c}");
        }
        for c in crate::output::files::PERCENTILES {
            assert!(column("timeseries", c).is_some(), "timeseries: {c}");
        }
        let d = column("runs", "phase_path").unwrap();
        assert_eq!(d.unit, "phase letters");
        assert!(
            d.meaning.starts_with("phases visited in order: P, E, I, D"),
            "{d:?}"
        );
    }
}
