//! Each output file in one place: its name, its columns (declared once), its writer and
//! its reader. Writers produce exactly the bytes documented in `docs/OUTPUTS.md` (the
//! Parquet twins of the tables are written by [`super::parquet`] with the same columns);
//! readers (for figures and the report) take the CSV file, or its Parquet twin when there
//! is no CSV file, find their columns by name (so the swept parameters' columns of the
//! tidy `summary` and `timeseries` tables are simply not read), are lenient about what they
//! do not need and name the file and line (or row) of anything they cannot use: `NA`,
//! null, empty cells, `NaN` and infinities all read as `NaN`; anything else that is not a
//! number, or a number beyond ±1e15, is an error.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use thiserror::Error;

use super::{AtomicFile, OutputError, num};
use crate::model::{
    Level, MonthRecord, OUTCOME_METRICS, PowerParams, RunOutcome, TRAJECTORY_METRICS,
};
use crate::scenario::Scenario;
use crate::stats::{ExactAcc, PointAgg, share_stats};

/// One row per run.
pub const RUNS: &str = "runs.csv";
/// The design points and their factor values.
pub const POINTS: &str = "points.csv";
/// Monthly statistics of the trajectory metrics and phase shares per design point.
pub const TIMESERIES: &str = "timeseries.csv";
/// Outcome statistics per design point.
pub const SUMMARY: &str = "summary.csv";
/// Hypothesis tests with verdicts.
pub const PROPOSITIONS: &str = "propositions.csv";
/// A few individual runs month by month (the first replications of design point 0).
pub const TRAJECTORIES: &str = "trajectories.csv";
/// Runs in `trajectories.csv`: replications 0 to `SAMPLE_RUNS - 1` of design point 0.
pub const SAMPLE_RUNS: u64 = 5;

/// One row per run, as Parquet.
pub const RUNS_PARQUET: &str = "runs.parquet";
/// The design points, as Parquet.
pub const POINTS_PARQUET: &str = "points.parquet";
/// The trajectories, as Parquet.
pub const TIMESERIES_PARQUET: &str = "timeseries.parquet";
/// The outcome statistics, as Parquet.
pub const SUMMARY_PARQUET: &str = "summary.parquet";

/// The statistics columns of `timeseries` and `summary`, after the metric or outcome.
pub const STATS: [&str; 5] = ["mean", "sd", "ci_lo", "ci_hi", "n"];
/// The percentile columns of `timeseries`, after [`STATS`]: the 10th, 50th and 90th
/// percentiles across the runs ([`crate::stats::QUANTILES`]).
pub const PERCENTILES: [&str; 3] = ["p10", "p50", "p90"];
/// The phase-share metrics of `timeseries.csv`, in phase order (preparation, execution,
/// integration, dissolved).
pub const PHASE_SHARES: [&str; 4] = [
    "phase_preparation",
    "phase_execution",
    "phase_integration",
    "phase_dissolved",
];
/// Columns of `propositions.csv`.
pub const PROPOSITIONS_COLUMNS: [&str; 22] = [
    "id",
    "statement",
    "factor",
    "metric",
    "at",
    "condition",
    "level_a",
    "level_b",
    "mean_a",
    "mean_b",
    "effect",
    "ci_lo",
    "ci_hi",
    "effect_size",
    "p_value",
    "n",
    "smallest_effect",
    "expect",
    "verdict",
    "encoding",
    "encoding_reason",
    "pairs_dropped",
];

// ---------------------------------------------------------------------------------------
// Writers

/// `before`, the swept parameters' paths, then `after`.
fn with_factors(s: &Scenario, before: &[&str], after: &[&str]) -> Vec<String> {
    let mut h: Vec<String> = before.iter().map(|x| x.to_string()).collect();
    h.extend(s.factors.iter().map(|f| f.path.clone()));
    h.extend(after.iter().map(|x| x.to_string()));
    h
}

/// Header of `points`: `point` and the swept parameters.
pub fn points_header(s: &Scenario) -> Vec<String> {
    with_factors(s, &["point"], &[])
}

/// Header of `timeseries`: `point`, the swept parameters, `month`, `metric`, [`STATS`] and
/// [`PERCENTILES`].
pub fn timeseries_header(s: &Scenario) -> Vec<String> {
    let mut after = vec!["month", "metric"];
    after.extend(STATS);
    after.extend(PERCENTILES);
    with_factors(s, &["point"], &after)
}

/// Header of `summary`: `point`, the swept parameters, `outcome` and [`STATS`].
pub fn summary_header(s: &Scenario) -> Vec<String> {
    let mut after = vec!["outcome"];
    after.extend(STATS);
    with_factors(s, &["point"], &after)
}

/// Header of `trajectories.csv`: the run, the month, its phase and the trajectory metrics.
pub fn trajectories_header() -> Vec<String> {
    let mut h: Vec<String> = ["point", "replication", "seed", "month", "phase"]
        .iter()
        .map(|x| x.to_string())
        .collect();
    h.extend(TRAJECTORY_METRICS.iter().map(|x| x.to_string()));
    h
}

/// Header of `runs.csv`.
pub fn runs_header(s: &Scenario) -> Vec<String> {
    let mut h: Vec<String> = ["point", "replication", "seed"]
        .iter()
        .map(|x| x.to_string())
        .collect();
    h.extend(s.factors.iter().map(|f| f.path.clone()));
    h.extend(
        ["final_phase", "end_reason", "phase_path"]
            .iter()
            .map(|x| x.to_string()),
    );
    h.extend(OUTCOME_METRICS.iter().map(|x| x.to_string()));
    for ph in ["preparation", "execution", "integration"] {
        h.push(format!("level_{ph}_entry"));
        h.push(format!("level_{ph}_exit"));
    }
    h.extend(drawn_columns(s));
    h
}

/// The columns of the parameters drawn once per run (the scenario's population and the
/// swept parameters with a distribution among their levels), last in `runs.csv`: one per
/// such parameter, in parameter-table order, named by [`drawn_column`].
pub fn drawn_columns(s: &Scenario) -> impl Iterator<Item = String> + '_ {
    s.drawn_params().map(|spec| drawn_column(s, spec))
}

/// The name of the drawn column of `spec`: its path, or `<path>_drawn` for a swept
/// parameter (whose column by its path holds the design point's value).
pub fn drawn_column(s: &Scenario, spec: &crate::model::ParamSpec) -> String {
    if s.factors.iter().any(|f| f.spec == spec) {
        format!("{}_drawn", spec.path)
    } else {
        spec.path.to_string()
    }
}

fn level_str(x: f64, p: &PowerParams) -> String {
    if x.is_finite() {
        Level::of(x, p).letter().to_string()
    } else {
        "NA".into()
    }
}

/// Append the `runs.csv` row of run `(point, rep)` with `seed`, parameters `params` (the
/// point's, with the population drawn) and outcome `o`.
pub fn run_row(
    s: &Scenario,
    point: usize,
    rep: u64,
    seed: u64,
    params: &crate::model::Params,
    o: &RunOutcome,
    w: &mut csv::Writer<Vec<u8>>,
) -> csv::Result<()> {
    let dp = &s.points[point];
    let mut rec: Vec<String> = vec![point.to_string(), rep.to_string(), seed.to_string()];
    rec.extend(dp.values.iter().map(|v| num(*v)));
    rec.push(o.final_phase.as_str().into());
    rec.push(o.end_reason.as_str().into());
    rec.push(o.path.code());
    rec.extend(o.metrics().iter().map(|v| num(*v)));
    for k in 0..3 {
        rec.push(level_str(o.boundaries.entry[k], &params.power));
        rec.push(level_str(o.boundaries.exit[k], &params.power));
    }
    rec.extend(s.drawn_params().map(|spec| num(spec.get(params))));
    w.write_record(&rec)
}

/// Write `point,<factors>,[month,]metric,mean,sd,ci_lo,ci_hi,n[,p10,p50,p90]`; `key`
/// holds the point and its formatted factor values. A `binary` (0/1) metric gets Wilson's
/// interval; `pct` are the percentiles of a `timeseries` row.
fn stat_row(
    f: &mut AtomicFile,
    key: &[String],
    month: Option<usize>,
    name: &str,
    a: &ExactAcc,
    binary: bool,
    pct: Option<[f64; 3]>,
) -> Result<(), OutputError> {
    let (mean, sd, lo, hi) = a.stats(binary);
    let mut row = key.to_vec();
    if let Some(m) = month {
        row.push(m.to_string());
    }
    row.extend([
        name.to_string(),
        num(mean),
        num(sd),
        num(lo),
        num(hi),
        a.n.to_string(),
    ]);
    row.extend(pct.iter().flatten().map(|v| num(*v)));
    f.csv_row(&row)
}
/// Write a share row (`count` of `total` runs) with a Wilson 95% interval.
fn share_row(
    f: &mut AtomicFile,
    key: &[String],
    month: usize,
    name: &str,
    count: u64,
    total: u64,
) -> Result<(), OutputError> {
    let (mean, sd, lo, hi) = share_stats(count, total);
    let mut row = key.to_vec();
    row.extend([
        month.to_string(),
        name.to_string(),
        num(mean),
        num(sd),
        num(lo),
        num(hi),
        total.to_string(),
    ]);
    row.extend(PERCENTILES.map(|_| num(f64::NAN)));
    f.csv_row(&row)
}

/// Write `points`, `timeseries` and `summary` from aggregates, in the scenario's formats
/// (CSV, Parquet or both); returns the files written.
pub fn write_aggregate_files(
    s: &Scenario,
    aggs: &[PointAgg],
    dir: &Path,
) -> Result<Vec<PathBuf>, OutputError> {
    let mut files = Vec::new();
    if s.output.format.csv() {
        files.extend(write_aggregate_csv(s, aggs, dir)?);
    }
    if s.output.format.parquet() {
        files.extend(super::parquet::write_aggregates(s, aggs, dir)?);
    }
    if s.output.timeseries && !s.points.is_empty() {
        files.push(write_trajectories(s, dir)?);
    }
    Ok(files)
}

/// Write `trajectories.csv`: the first [`SAMPLE_RUNS`] replications of design point 0,
/// simulated again from their seeds (the same runs as in `runs.csv`).
fn write_trajectories(s: &Scenario, dir: &Path) -> Result<PathBuf, OutputError> {
    let path = dir.join(TRAJECTORIES);
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&trajectories_header())?;
    for rep in 0..SAMPLE_RUNS.min(s.replications) {
        let mut rows: Vec<Vec<String>> = Vec::new();
        let (seed, _) = crate::experiment::replay(s, 0, rep, |r| {
            let mut row = vec![
                "0".to_string(),
                rep.to_string(),
                String::new(),
                r.month.to_string(),
                r.phase.as_str().to_string(),
            ];
            row.extend(r.metrics().iter().map(|v| num(*v)));
            rows.push(row);
        });
        for mut row in rows {
            row[2] = seed.to_string();
            f.csv_row(&row)?;
        }
    }
    f.commit()?;
    Ok(path)
}

/// `point` and its formatted factor values: the first cells of every row of point `i`.
fn point_key(s: &Scenario, i: usize) -> Vec<String> {
    let mut key = vec![i.to_string()];
    key.extend(s.points[i].values.iter().map(|v| num(*v)));
    key
}

fn write_aggregate_csv(
    s: &Scenario,
    aggs: &[PointAgg],
    dir: &Path,
) -> Result<Vec<PathBuf>, OutputError> {
    let mut files = Vec::new();
    // points.csv
    let path = dir.join(POINTS);
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&points_header(s))?;
    for i in 0..s.points.len() {
        f.csv_row(&point_key(s, i))?;
    }
    f.commit()?;
    files.push(path);
    // timeseries.csv
    if s.output.timeseries {
        let path = dir.join(TIMESERIES);
        let mut f = AtomicFile::create(&path)?;
        f.csv_row(&timeseries_header(s))?;
        for (i, a) in aggs.iter().enumerate() {
            let key = point_key(s, i);
            for m in 0..a.months() {
                for (j, name) in TRAJECTORY_METRICS.iter().enumerate() {
                    let (acc, pct) = (a.cell(m, j), a.percentiles(m, j));
                    let binary = MonthRecord::BINARY[j];
                    stat_row(&mut f, &key, Some(m + 1), name, acc, binary, Some(pct))?;
                }
                let total: u64 = a.phases[m].iter().sum();
                for (ph, name) in PHASE_SHARES.iter().enumerate() {
                    share_row(&mut f, &key, m + 1, name, a.phases[m][ph], total)?;
                }
            }
        }
        f.commit()?;
        files.push(path);
    }
    // summary.csv
    let path = dir.join(SUMMARY);
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&summary_header(s))?;
    for (i, a) in aggs.iter().enumerate() {
        let key = point_key(s, i);
        for (j, name) in OUTCOME_METRICS.iter().enumerate() {
            let binary = RunOutcome::BINARY[j];
            stat_row(&mut f, &key, None, name, &a.outcomes[j], binary, None)?;
        }
    }
    f.commit()?;
    files.push(path);
    Ok(files)
}

mod read;
pub use read::*;
