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

use serde::{Deserialize, Serialize};

use super::{AtomicFile, OutputError, PartialRuns, num};
use crate::model::{
    Level, MonthRecord, OUTCOME_METRICS, PowerParams, RunOutcome, TRAJECTORY_METRICS,
};
use crate::scenario::{Scenario, SummaryLayout};
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

/// Header of `summary`: `point`, the swept parameters, then `outcome` and [`STATS`] in
/// the long layout, or [`WIDE_RUNS`] and the outcomes ([`OUTCOME_METRICS`]) in the wide one.
pub fn summary_header(s: &Scenario) -> Vec<String> {
    let mut after = Vec::new();
    match s.output.summary {
        SummaryLayout::Long => {
            after.push("outcome");
            after.extend(STATS);
        }
        SummaryLayout::Wide => {
            after.push(WIDE_RUNS);
            after.extend(OUTCOME_METRICS);
        }
    }
    with_factors(s, &["point"], &after)
}

/// The column of the wide `summary` that counts the design point's runs.
pub const WIDE_RUNS: &str = "runs";

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
/// point's, with the population drawn) and outcome `o`; `values` are the point's swept
/// values.
#[allow(clippy::too_many_arguments)]
pub fn run_row(
    s: &Scenario,
    values: &[f64],
    point: usize,
    rep: u64,
    seed: u64,
    params: &crate::model::Params,
    o: &RunOutcome,
    w: &mut csv::Writer<Vec<u8>>,
) -> csv::Result<()> {
    let mut rec: Vec<String> = vec![point.to_string(), rep.to_string(), seed.to_string()];
    rec.extend(values.iter().map(|v| num(*v)));
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

/// The aggregate tables, in order: `points`, `timeseries`, `summary`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// `points.csv`.
    Points,
    /// `timeseries.csv`.
    Timeseries,
    /// `summary.csv`.
    Summary,
}

impl Table {
    /// All three, in order.
    pub const ALL: [Table; 3] = [Table::Points, Table::Timeseries, Table::Summary];
    /// The CSV file's name.
    pub fn csv(self) -> &'static str {
        match self {
            Table::Points => POINTS,
            Table::Timeseries => TIMESERIES,
            Table::Summary => SUMMARY,
        }
    }
    /// The Parquet twin's name.
    pub fn parquet(self) -> &'static str {
        match self {
            Table::Points => POINTS_PARQUET,
            Table::Timeseries => TIMESERIES_PARQUET,
            Table::Summary => SUMMARY_PARQUET,
        }
    }
    /// The header of the table of `s`.
    pub fn header(self, s: &Scenario) -> Vec<String> {
        match self {
            Table::Points => points_header(s),
            Table::Timeseries => timeseries_header(s),
            Table::Summary => summary_header(s),
        }
    }
    /// Whether `s` writes this table.
    pub fn written(self, s: &Scenario) -> bool {
        self != Table::Timeseries || s.output.timeseries
    }
    fn index(self) -> usize {
        self as usize
    }
}

/// Bytes written so far to the growing aggregate tables (what a checkpoint records).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableLens {
    /// `points.csv.partial`.
    pub points: u64,
    /// `timeseries.csv.partial` (0 when no time series are written).
    pub timeseries: u64,
    /// `summary.csv.partial`.
    pub summary: u64,
}

/// SHA-256 of the bytes of the growing aggregate tables whose lengths [`TableLens`]
/// records (what a checkpoint records, so that a resume can tell a damaged table).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableSums {
    /// `points.csv.partial`.
    pub points: Option<String>,
    /// `timeseries.csv.partial` (none when no time series are written).
    pub timeseries: Option<String>,
    /// `summary.csv.partial`.
    pub summary: Option<String>,
}

/// The partial name of a growing table.
pub fn partial(dir: &Path, t: Table) -> PathBuf {
    dir.join(format!("{}.partial", t.csv()))
}

/// The rows of one design point in the aggregate tables, as CSV text, one buffer per
/// [`Table`] (formatted by [`PointRows::format`], where the point's runs were simulated,
/// and appended by [`Tables::append_rows`]).
#[derive(Debug, Default)]
pub struct PointRows {
    bufs: [Vec<u8>; 3],
    cur: usize,
    row_start: bool,
    /// `point` and the factor values, as the first cells of every row.
    key: Vec<u8>,
}

impl PointRows {
    /// The rows of design point `i` of `s` with aggregates `a`: its `points` row, its
    /// `timeseries` rows (when `s` writes time series) and its `summary` rows. The text is
    /// what the `csv` crate writes for the same cells.
    pub fn format(s: &Scenario, i: usize, a: &PointAgg) -> PointRows {
        Self::format_with(s, i, &s.points.values(i), a)
    }

    /// [`PointRows::format`] of a point whose swept `values` are at hand.
    pub fn format_with(s: &Scenario, i: usize, values: &[f64], a: &PointAgg) -> PointRows {
        let mut r = PointRows::default();
        r.fill(s, i, values, a);
        r
    }

    /// The rows of table `t`.
    pub fn table(&self, t: Table) -> &[u8] {
        &self.bufs[t.index()]
    }

    fn fill(&mut self, s: &Scenario, i: usize, values: &[f64], a: &PointAgg) {
        for b in &mut self.bufs {
            b.clear();
        }
        self.row_start = true;
        self.key.clear();
        self.key
            .extend_from_slice(itoa::Buffer::new().format(i).as_bytes());
        for &v in values {
            // Numbers never need quoting.
            self.key.push(b',');
            super::push_num(&mut self.key, v);
        }
        // Room for the rows (about 80 bytes after the key), so that they are not copied
        // as they grow.
        let row = self.key.len() + 80;
        self.bufs[Table::Points.index()].reserve(self.key.len() + 1);
        if s.output.timeseries {
            let rows = a.months() * (TRAJECTORY_METRICS.len() + PHASE_SHARES.len());
            self.bufs[Table::Timeseries.index()].reserve(rows * (row + 40));
        }
        self.bufs[Table::Summary.index()].reserve(match s.output.summary {
            SummaryLayout::Long => OUTCOME_METRICS.len() * row,
            SummaryLayout::Wide => row + OUTCOME_METRICS.len() * 20,
        });
        // points
        self.cur = Table::Points.index();
        self.key_fields();
        self.end_row();
        // timeseries
        if s.output.timeseries {
            self.cur = Table::Timeseries.index();
            for m in 0..a.months() {
                let month = m as u64 + 1;
                for (j, name) in TRAJECTORY_METRICS.iter().enumerate() {
                    self.key_fields();
                    self.int(month);
                    self.text(name);
                    self.stats(a.cell(m, j), MonthRecord::BINARY[j]);
                    for v in a.percentiles(m, j) {
                        self.field(v);
                    }
                    self.end_row();
                }
                let total: u64 = a.phases[m].iter().sum();
                for (ph, name) in PHASE_SHARES.iter().enumerate() {
                    self.key_fields();
                    self.int(month);
                    self.text(name);
                    let (mean, sd, lo, hi) = share_stats(a.phases[m][ph], total);
                    for v in [mean, sd, lo, hi] {
                        self.field(v);
                    }
                    self.int(total);
                    for _ in PERCENTILES {
                        self.field(f64::NAN);
                    }
                    self.end_row();
                }
            }
        }
        // summary
        self.cur = Table::Summary.index();
        match s.output.summary {
            SummaryLayout::Long => {
                for (j, name) in OUTCOME_METRICS.iter().enumerate() {
                    self.key_fields();
                    self.text(name);
                    self.stats(&a.outcomes[j], RunOutcome::BINARY[j]);
                    self.end_row();
                }
            }
            SummaryLayout::Wide => {
                // The same means as the long layout's `mean` column.
                self.key_fields();
                self.int(a.runs);
                for (acc, &binary) in a.outcomes.iter().zip(&RunOutcome::BINARY) {
                    self.field(if binary { acc.share().0 } else { acc.mean() });
                }
                self.end_row();
            }
        }
    }

    fn sep(&mut self) {
        if !self.row_start {
            self.bufs[self.cur].push(b',');
        }
        self.row_start = false;
    }

    /// One cell, quoted as the `csv` crate quotes (only a cell with a comma, a quote or a
    /// line break needs it; names and numbers never do).
    fn text(&mut self, x: &str) {
        self.sep();
        let b = &mut self.bufs[self.cur];
        if x.contains([',', '"', '\n', '\r']) {
            b.push(b'"');
            b.extend_from_slice(x.replace('"', "\"\"").as_bytes());
            b.push(b'"');
        } else {
            b.extend_from_slice(x.as_bytes());
        }
    }

    fn field(&mut self, x: f64) {
        self.sep();
        super::push_num(&mut self.bufs[self.cur], x);
    }

    fn int(&mut self, x: u64) {
        self.sep();
        self.bufs[self.cur].extend_from_slice(itoa::Buffer::new().format(x).as_bytes());
    }

    fn key_fields(&mut self) {
        self.sep();
        self.bufs[self.cur].extend_from_slice(&self.key);
    }

    fn end_row(&mut self) {
        self.bufs[self.cur].push(b'\n');
        self.row_start = true;
    }

    /// `mean,sd,ci_lo,ci_hi,n` of `a` (Wilson's interval for a `binary` metric).
    fn stats(&mut self, a: &ExactAcc, binary: bool) {
        let (mean, sd, lo, hi) = a.stats(binary);
        for v in [mean, sd, lo, hi] {
            self.field(v);
        }
        self.int(a.n);
    }
}

/// The aggregate tables `points`, `timeseries` (when the scenario writes time series) and
/// `summary`, written design point by design point as points finish: each grows as
/// `<name>.csv.partial` (cut back to a checkpoint's length on resume, like
/// `runs.csv.partial`) and becomes the CSV file, its Parquet twin or both at the end
/// ([`Tables::finish`]). Memory does not grow with the number of points.
pub struct Tables {
    files: [Option<PartialRuns>; 3],
    rows: PointRows,
}

impl Tables {
    /// Open the tables of `s` in `dir`: fresh with their headers, or cut back to the
    /// lengths `resume` of a checkpoint.
    pub fn open(s: &Scenario, dir: &Path, resume: Option<TableLens>) -> Result<Self, OutputError> {
        let mut files: [Option<PartialRuns>; 3] = [None, None, None];
        for t in Table::ALL {
            let path = partial(dir, t);
            if !t.written(s) {
                if path.exists() {
                    std::fs::remove_file(&path).map_err(super::io_err(&path))?;
                }
                continue;
            }
            let len = resume.map(|l| [l.points, l.timeseries, l.summary][t.index()]);
            if len.is_some() {
                super::reclaim_finished(&path, &dir.join(t.csv()))?;
            }
            files[t.index()] = Some(super::open_partial_runs(&path, &t.header(s), len)?);
        }
        Ok(Tables {
            files,
            rows: PointRows::default(),
        })
    }

    /// The bytes written so far.
    pub fn lens(&self) -> TableLens {
        let len = |t: Table| self.files[t.index()].as_ref().map_or(0, |f| f.len);
        TableLens {
            points: len(Table::Points),
            timeseries: len(Table::Timeseries),
            summary: len(Table::Summary),
        }
    }

    /// The digests of the bytes written so far.
    pub fn sums(&self) -> TableSums {
        let sum = |t: Table| self.files[t.index()].as_ref().map(|f| f.digest());
        TableSums {
            points: sum(Table::Points),
            timeseries: sum(Table::Timeseries),
            summary: sum(Table::Summary),
        }
    }

    /// Check that the tables, just opened for a resume, hold the bytes a checkpoint
    /// recorded (`sums`, from [`Tables::sums`]).
    pub fn verify(&self, sums: &TableSums) -> Result<(), OutputError> {
        for (t, want) in Table::ALL
            .into_iter()
            .zip([&sums.points, &sums.timeseries, &sums.summary])
        {
            if let Some(f) = self.files[t.index()].as_ref() {
                f.verify(want.as_deref().unwrap_or_default())?;
            }
        }
        Ok(())
    }

    /// Append raw rows (whole CSV records) to table `t` (a merge copies a shard's rows).
    pub fn append(&mut self, t: Table, bytes: &[u8]) -> Result<(), OutputError> {
        match self.files[t.index()].as_mut() {
            Some(f) => f.append(bytes),
            None => Ok(()),
        }
    }

    /// Append the rows of one design point, formatted by [`PointRows::format`].
    pub fn append_rows(&mut self, rows: &PointRows) -> Result<(), OutputError> {
        for t in Table::ALL {
            if let Some(f) = self.files[t.index()].as_mut() {
                f.append(rows.table(t))?;
            }
        }
        Ok(())
    }

    /// Append the rows of design point `i` of `s` with aggregates `a` to every table.
    pub fn point(&mut self, s: &Scenario, i: usize, a: &PointAgg) -> Result<(), OutputError> {
        let mut rows = std::mem::take(&mut self.rows);
        rows.fill(s, i, &s.points.values(i), a);
        let done = self.append_rows(&rows);
        self.rows = rows;
        done
    }

    /// Flush the tables to disk (before a checkpoint records their lengths).
    pub fn sync(&mut self) -> Result<(), OutputError> {
        for f in self.files.iter_mut().flatten() {
            f.sync()?;
        }
        Ok(())
    }

    /// Complete the tables in the scenario's formats: rename the CSV files into place,
    /// and write the Parquet twins from them. When only Parquet is asked for, the CSV text
    /// stays under its partial name ([`partial`]) for a resume; the caller removes it
    /// ([`remove_partials`]) once nothing can resume from it. Returns the files written (`trajectories.csv` too, with time series);
    /// adds the SHA-256 of the CSV files, kept while they were written, to `sha256`.
    pub fn finish(
        self,
        s: &Scenario,
        dir: &Path,
        sha256: &mut Vec<(PathBuf, String)>,
    ) -> Result<Vec<PathBuf>, OutputError> {
        let format = s.output.format;
        let (mut files, mut twins) = (Vec::new(), Vec::new());
        for (t, f) in Table::ALL.into_iter().zip(self.files) {
            let Some(f) = f else { continue };
            let part = partial(dir, t);
            let sum = f.close()?;
            if format.parquet() {
                twins.push(super::parquet::table_from_csv(
                    s,
                    t,
                    &part,
                    &dir.join(t.parquet()),
                )?);
            }
            if format.csv() {
                let path = dir.join(t.csv());
                std::fs::rename(&part, &path).map_err(super::io_err(&path))?;
                if let Some(sum) = sum {
                    sha256.push((path.clone(), sum));
                }
                files.push(path);
            }
        }
        files.append(&mut twins);
        if s.output.timeseries && !s.points.is_empty() {
            files.push(write_trajectories(s, dir)?);
        }
        Ok(files)
    }
}

/// Remove the partial CSV text of the tables left in `dir` ([`Tables::finish`] with only
/// Parquet asked for).
pub fn remove_partials(dir: &Path) -> Result<(), OutputError> {
    for t in Table::ALL {
        let p = partial(dir, t);
        if p.exists() {
            std::fs::remove_file(&p).map_err(super::io_err(&p))?;
        }
    }
    Ok(())
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

mod read;
pub use read::*;
