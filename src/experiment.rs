//! Experiments: a [`Scenario`] becomes design points × replications, run in parallel on
//! rayon, aggregated while running, streamed to disk, checkpointed and resumable.
//!
//! Design points stream: chunks run in order in a bounded window of batches, a point's
//! rows of `points`, `summary` and `timeseries` are written as soon as its last chunk is in
//! (see `Assembler`), and a checkpoint or a shard keeps only the points begun and not
//! finished, so memory does not grow with the number of points.
//!
//! Determinism: every run's seed is derived from (master seed, point, replication); work is
//! cut into fixed chunks of [`CHUNK`] replications of one design point; per-run rows are
//! written in run order; within a chunk, trajectory cells are summed in replication order,
//! and chunk results are added as exact fixed-point sums ([`ExactAcc`](crate::stats::ExactAcc)) whose total does
//! not depend on the order in which chunks finish.
//! So the thread count, the shard split and the resume point cannot change a byte of
//! `runs.csv`, `timeseries.csv` or `summary.csv`, nor of their Parquet twins: per-run rows
//! for `runs.parquet` go to a fixed-width spill file ([`crate::output::spill`]) in the same
//! run order, truncated on resume like `runs.csv.partial`, and the Parquet files are written
//! at the end in fixed row groups.

use std::collections::VecDeque;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{MonthRecord, RunOutcome, run_seed, simulate_with};
use crate::output::files::{
    POINTS, POINTS_PARQUET, PointRows, RUNS, RUNS_PARQUET, SUMMARY, SUMMARY_PARQUET, TIMESERIES,
    TIMESERIES_PARQUET, Table, TableLens, TableSums, Tables, run_row, runs_header,
};
use crate::output::manifest::{MANIFEST, Manifest, RunFacts};
use crate::output::{self, AtomicFile, OutputError, io_err, spill};
use crate::scenario::{OutputFormat, Scenario};
use crate::stats::{ChunkSums, PointAgg};

/// Replications per chunk: the unit of parallel work, checkpointing and sharding.
pub const CHUNK: u64 = 250;

/// Chunks the workers may run ahead of the thread that writes the results (at least one
/// batch), so that they need not wait while it writes rows or checkpoints; with chunks of
/// a few replications, batches of up to [`MAX_BATCH`] chunks.
const AHEAD: u64 = 32;

/// Most chunks in a batch (when chunks are a few replications each).
const MAX_BATCH: u64 = 512;

/// Errors of the experiment layer.
#[derive(Debug, Error)]
pub enum ExperimentError {
    /// An output file could not be read or written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A checkpoint or shard does not belong to this experiment.
    #[error("{0}")]
    Mismatch(String),
    /// The progress callback asked to stop; a checkpoint was written, so `--resume`
    /// continues the run.
    #[error("stopped after {0} runs; the checkpoint lets `--resume` continue")]
    Stopped(u64),
    /// The thread pool could not be built.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
    /// The build cannot write the requested format.
    #[error("{0}")]
    Unsupported(&'static str),
    /// A value was too large for exact aggregation.
    #[error(
        "metric `{0}` has values too large to aggregate exactly (sums of squares must stay below 1e25 per chunk of 250 runs); reduce the money or time scale of the scenario"
    )]
    Overflow(&'static str),
}

/// Options of one experiment execution.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// Output directory (the scenario's folder).
    pub out_dir: PathBuf,
    /// Worker threads (>= 1).
    pub threads: usize,
    /// Shard `(k, n)`, 1-based: run the k-th of n contiguous parts of the chunks.
    pub shard: (u64, u64),
    /// Continue from a checkpoint if one exists.
    pub resume: bool,
    /// Seconds between checkpoints ([`CHECKPOINT_SECONDS`] unless a test asks for more
    /// frequent ones).
    pub checkpoint_seconds: f64,
}

/// Seconds between checkpoints of a run.
pub const CHECKPOINT_SECONDS: f64 = 2.0;

/// The checkpoint of an interrupted run, in its output folder.
pub const CHECKPOINT: &str = "checkpoint.json";

/// The state of a finished shard, in its output folder.
pub const SHARD_STATE: &str = "shard.json";

/// How far an execution has come; passed to the progress callback after every batch of
/// chunks.
#[derive(Clone, Copy, Debug)]
pub struct Progress {
    /// Runs done by this execution's shard (including resumed ones).
    pub runs_done: u64,
    /// Runs of this shard.
    pub runs_total: u64,
    /// Chunks done by this shard.
    pub chunks_done: u64,
    /// Chunks of this shard.
    pub chunks_total: u64,
}

/// What a finished execution reports.
#[derive(Clone, Debug)]
pub struct RunReport {
    /// Runs executed by this shard (including resumed ones).
    pub runs: u64,
    /// Wall time of this execution, seconds.
    pub wall_seconds: f64,
    /// Whether it continued from a checkpoint.
    pub resumed: bool,
}

#[derive(Serialize, Deserialize)]
struct Checkpoint<A> {
    scenario_hash: String,
    seed: u64,
    shard: (u64, u64),
    next_chunk: u64,
    runs_bytes: u64,
    /// Length of the spill file `runs.bin.partial` (Parquet rows).
    #[serde(default)]
    spill_bytes: u64,
    /// Table format of the run (resuming needs the same partial files).
    #[serde(default)]
    format: OutputFormat,
    runs_done: u64,
    /// Lengths of the growing aggregate tables (`points`, `timeseries`, `summary`).
    tables: TableLens,
    /// SHA-256 of the first `runs_bytes` bytes of `runs.csv.partial` (when written).
    runs_sha256: Option<String>,
    /// SHA-256 of the first `spill_bytes` bytes of the spill file (when written).
    spill_sha256: Option<String>,
    /// SHA-256 of the recorded bytes of the aggregate tables.
    tables_sha256: TableSums,
    /// The design point being aggregated: begun, not yet finished.
    open: Option<(usize, A)>,
    /// A shard's first design point when the shard before it began that point.
    head: Option<(usize, A)>,
    /// Design points written whole so far.
    whole: u64,
}

/// The saved state of a shard, which [`merge`] combines. The shard's own files hold the
/// rows of the design points all of whose chunks it ran; the points it shares with the
/// shards before and after it are here, as partial aggregates.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShardState {
    /// The scenario's TOML text.
    pub source: String,
    /// The scenario's file name.
    pub file: String,
    /// Command-line overrides of the shard's run.
    pub overrides: crate::scenario::Overrides,
    /// Scenario hash.
    pub scenario_hash: String,
    /// Master seed.
    pub seed: u64,
    /// Shard `(k, n)`.
    pub shard: (u64, u64),
    /// Table format of the shard's files (`--format` may differ from the scenario file's).
    #[serde(default)]
    pub format: OutputFormat,
    /// Runs in this shard.
    pub runs: u64,
    /// The design points whose rows the shard's tables hold, `from..to`.
    pub whole: (u64, u64),
    /// The shard's first design point, begun by the shard before it: its aggregates over
    /// this shard's runs.
    pub head: Option<(usize, PointAgg)>,
    /// The shard's last design point, finished by the shard after it: its aggregates over
    /// this shard's runs.
    pub tail: Option<(usize, PointAgg)>,
}

/// A chunk of work: replications `reps` of design point `point`.
#[derive(Clone, Copy, Debug)]
struct Chunk {
    point: usize,
    rep_start: u64,
    rep_end: u64,
}

/// The work of a scenario as numbered chunks, computed on demand (no list is kept, so
/// memory does not grow with the number of runs).
struct Chunks {
    per_point: u64,
    reps: u64,
    count: u64,
}

impl Chunks {
    fn of(s: &Scenario) -> Self {
        let per_point = s.replications.div_ceil(CHUNK);
        Chunks {
            per_point,
            reps: s.replications,
            // The scenario parser caps points x replications, so this cannot overflow.
            count: s.points.len() as u64 * per_point,
        }
    }
    fn get(&self, i: u64) -> Chunk {
        let rep_start = (i % self.per_point) * CHUNK;
        Chunk {
            point: (i / self.per_point) as usize,
            rep_start,
            rep_end: (rep_start + CHUNK).min(self.reps),
        }
    }
    /// The design points all of whose chunks lie in `lo..hi`.
    fn whole(&self, lo: u64, hi: u64) -> (u64, u64) {
        let from = lo.div_ceil(self.per_point);
        (from, (hi / self.per_point).max(from))
    }
}

struct ChunkResult {
    point: usize,
    agg: PointAgg,
    /// The point's rows in the aggregate tables, formatted by the worker when the chunk is
    /// the whole point (a few replications per point: formatting is then a large part of
    /// the work, and it runs in parallel).
    table_rows: Option<PointRows>,
    /// `runs.csv` rows.
    rows: Vec<u8>,
    /// Spill rows for `runs.parquet`.
    spill: Vec<u8>,
}

/// Which per-run rows a chunk writes, and whether it aggregates months.
#[derive(Clone, Copy)]
struct RowKinds {
    csv: bool,
    spill: bool,
    /// Monthly aggregates (for `timeseries`); without them only outcomes are aggregated.
    months: bool,
}

fn run_chunk(s: &Scenario, c: Chunk, kinds: RowKinds) -> ChunkResult {
    let dp = s.points.at(c.point);
    let mut sums = if kinds.months {
        ChunkSums::new(dp.params.months)
    } else {
        ChunkSums::outcomes_only()
    };
    let n = (c.rep_end - c.rep_start) as usize;
    // One allocation per chunk (about 1 kB per CSV row) instead of repeated growth.
    let mut w = kinds.csv.then(|| {
        csv::WriterBuilder::new()
            .has_headers(false)
            .from_writer(Vec::with_capacity(n * 1024))
    });
    let mut spill_rows = Vec::with_capacity(if kinds.spill { n * spill::ROW_BYTES } else { 0 });
    for rep in c.rep_start..c.rep_end {
        let seed = run_seed(s.seed, c.point, rep);
        // The point's parameters with the population drawn for this run (no copy when
        // nothing is drawn).
        let drawn;
        let params = if dp.population.is_empty() {
            &dp.params
        } else {
            drawn = dp.realise(seed);
            &drawn
        };
        let o = if kinds.months {
            simulate_with(params, seed, |r| sums.month(r))
        } else {
            simulate_with(params, seed, |_| {})
        };
        sums.run(&o);
        if let Some(w) = w.as_mut() {
            // Writing to a Vec cannot fail.
            let _ = run_row(s, &dp.values, c.point, rep, seed, params, &o, w);
        }
        if kinds.spill {
            spill::encode(c.point, rep, seed, &o, &params.power, &mut spill_rows);
        }
    }
    let agg = sums.finish();
    let rows = w.and_then(|w| w.into_inner().ok()).unwrap_or_default();
    let whole = c.rep_start == 0 && c.rep_end == s.replications;
    let table_rows = (whole && agg.overflowed().is_none())
        .then(|| PointRows::format_with(s, c.point, &dp.values, &agg));
    ChunkResult {
        point: c.point,
        agg,
        table_rows,
        rows,
        spill: spill_rows,
    }
}

/// Design points assembled from their chunks, which arrive in order: a point is written to
/// the tables as soon as its last chunk is in and then dropped, so only one point's
/// aggregates are held (and, in a shard, the first point when the shard before began it).
struct Assembler<'a> {
    s: &'a Scenario,
    tables: Tables,
    /// First chunk of this shard.
    lo: u64,
    per_point: u64,
    open: Option<(usize, PointAgg)>,
    head: Option<(usize, PointAgg)>,
    whole: u64,
}

impl Assembler<'_> {
    /// A point all of whose runs are in one chunk, with its rows formatted.
    fn add_rows(&mut self, rows: &PointRows) -> Result<(), ExperimentError> {
        if let Some((q, a)) = self.open.take() {
            self.close(q, a)?;
        }
        self.tables.append_rows(rows)?;
        self.whole += 1;
        Ok(())
    }
    fn add(&mut self, point: usize, agg: PointAgg) -> Result<(), ExperimentError> {
        if let Some((q, a)) = self.open.as_mut()
            && *q == point
        {
            a.merge(&agg);
            return Ok(());
        }
        if let Some((q, a)) = self.open.take() {
            self.close(q, a)?;
        }
        self.open = Some((point, agg));
        Ok(())
    }
    /// Point `q` has all its chunks of this shard: write it, or keep it as the head.
    fn close(&mut self, q: usize, a: PointAgg) -> Result<(), ExperimentError> {
        if (q as u64) * self.per_point < self.lo {
            self.head = Some((q, a));
            return Ok(());
        }
        if let Some(metric) = a.overflowed() {
            return Err(ExperimentError::Overflow(metric));
        }
        self.tables.point(self.s, q, &a)?;
        self.whole += 1;
        Ok(())
    }
    /// The shard is done (its last chunk is `hi - 1`): close the open point, or keep it
    /// as the tail when the shard after finishes it.
    fn end(&mut self, hi: u64) -> Result<Option<(usize, PointAgg)>, ExperimentError> {
        let Some((q, a)) = self.open.take() else {
            return Ok(None);
        };
        let begun_before = (q as u64) * self.per_point < self.lo;
        if !begun_before && (q as u64 + 1) * self.per_point > hi {
            return Ok(Some((q, a)));
        }
        self.close(q, a)?;
        Ok(None)
    }
}

/// Simulate run `(point, rep)` of `s` again, exactly as [`run`] ran it (the seed of the
/// `seed` column of `runs.csv`), calling `f` on every month's record; returns the seed and
/// the outcome. The one place outside the runner that re-creates a run: it must realise a
/// run the way `run_chunk` does.
pub fn replay(
    s: &Scenario,
    point: usize,
    rep: u64,
    f: impl FnMut(&MonthRecord),
) -> (u64, RunOutcome) {
    let seed = run_seed(s.seed, point, rep);
    let dp = s.points.at(point);
    let params = dp.realise(seed);
    (seed, simulate_with(&params, seed, f))
}

/// The aggregates of replications `0..reps` of design point `point` of `s`, computed in
/// memory on the current rayon pool: what [`run`] aggregates for that point when the
/// scenario has `reps` replications (the same seeds and the same exact sums), without
/// writing anything. Callers bound `reps`.
pub fn aggregate_point(s: &Scenario, point: usize, reps: u64) -> PointAgg {
    let months = s.points.at(point).params.months;
    let chunks = reps.div_ceil(CHUNK);
    let kinds = RowKinds {
        csv: false,
        spill: false,
        months: true,
    };
    let parts: Vec<PointAgg> = (0..chunks)
        .into_par_iter()
        .map(|i| {
            let c = Chunk {
                point,
                rep_start: i * CHUNK,
                rep_end: ((i + 1) * CHUNK).min(reps),
            };
            run_chunk(s, c, kinds).agg
        })
        .collect();
    let mut agg = PointAgg::new(months);
    for p in &parts {
        agg.merge(p);
    }
    agg
}

/// Remove the tables of the format this output does not write (left by an earlier run in
/// the other format), so that nothing reads them as this run's.
fn remove_other_format(dir: &Path, format: OutputFormat) -> Result<(), OutputError> {
    let csv = [RUNS, POINTS, TIMESERIES, SUMMARY];
    let parquet = [
        RUNS_PARQUET,
        POINTS_PARQUET,
        TIMESERIES_PARQUET,
        SUMMARY_PARQUET,
    ];
    let stale = match format {
        OutputFormat::Csv => &parquet[..],
        OutputFormat::Parquet => &csv[..],
        OutputFormat::Both => &[],
    };
    for f in stale {
        let p = dir.join(f);
        if p.exists() {
            std::fs::remove_file(&p).map_err(io_err(&p))?;
        }
    }
    Ok(())
}

/// Execute a scenario (or one shard of it) into `opts.out_dir`.
///
/// `progress` is called before the first and after every batch of chunks; when it returns
/// [`ControlFlow::Break`], a checkpoint is written and the run stops with
/// [`ExperimentError::Stopped`] (the caller decides what stopping means: a test aid, a
/// signal).
///
/// Design points stream through: chunks are run in order in a bounded window of batches,
/// and a point's rows are written to the tables as soon as its last chunk is in, so memory
/// does not grow with the number of points; a checkpoint records the next chunk, the
/// lengths of the growing files and the aggregates of the one point begun.
pub fn run(
    s: &Scenario,
    opts: &RunOptions,
    progress: &mut dyn FnMut(Progress) -> ControlFlow<()>,
) -> Result<RunReport, ExperimentError> {
    let started = Instant::now();
    let started_at = output::now_utc();
    let format = s.output.format;
    if format.parquet() && !cfg!(feature = "parquet") {
        return Err(ExperimentError::Unsupported(
            "this dyadsim was built without Parquet support (Cargo feature `parquet`); use format = \"csv\"",
        ));
    }
    let dir = &opts.out_dir;
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let hash = s.hash();
    let chunks = Chunks::of(s);
    let (k, n) = opts.shard;
    let share = |k: u64| (u128::from(k) * u128::from(chunks.count) / u128::from(n)) as u64;
    let (lo, hi) = (share(k - 1), share(k));
    let mine_len = hi - lo;
    let total_runs: u64 = (lo..hi)
        .map(|i| {
            let c = chunks.get(i);
            c.rep_end - c.rep_start
        })
        .sum();

    let manifest_path = dir.join(MANIFEST);
    let ckpt_path = dir.join(CHECKPOINT);
    let runs_partial = dir.join("runs.csv.partial");
    let spill_path = dir.join(spill::SPILL);
    let kinds = RowKinds {
        csv: s.output.runs && format.csv(),
        spill: s.output.runs && format.parquet(),
        months: s.output.timeseries,
    };

    // Load or start state.
    let mut next = 0u64;
    let mut runs_done = 0u64;
    let mut runs_bytes = 0u64;
    let mut spill_bytes = 0u64;
    let mut resumed = false;
    let mut restored: Option<Checkpoint<PointAgg>> = None;
    if opts.resume && ckpt_path.exists() {
        let c: Checkpoint<PointAgg> = output::read_json_sealed(
            &ckpt_path,
            "checkpoint",
            "run without --resume to start afresh",
        )?;
        if c.format != format {
            return Err(ExperimentError::Mismatch(format!(
                "{}: the interrupted run wrote format \"{}\", this one asks for \"{}\"; resume with --format {} or run without --resume to start afresh.",
                ckpt_path.display(),
                c.format.as_str(),
                format.as_str(),
                c.format.as_str()
            )));
        }
        if c.scenario_hash != hash || c.seed != s.seed || c.shard != opts.shard {
            return Err(ExperimentError::Mismatch(format!(
                "{}: the checkpoint belongs to another experiment (scenario hash {}, seed {}, shard {}/{}); this one is hash {hash}, seed {}, shard {k}/{n}. Run without --resume to start afresh.",
                ckpt_path.display(),
                c.scenario_hash,
                c.seed,
                c.shard.0,
                c.shard.1,
                s.seed
            )));
        }
        next = c.next_chunk;
        runs_done = c.runs_done;
        runs_bytes = c.runs_bytes;
        spill_bytes = c.spill_bytes;
        resumed = true;
        restored = Some(c);
    } else {
        // A fresh start: nothing from an earlier run may look complete.
        for f in [
            &manifest_path,
            &ckpt_path,
            &spill_path,
            &dir.join(SHARD_STATE),
        ] {
            if f.exists() {
                std::fs::remove_file(f).map_err(io_err(f))?;
            }
        }
        remove_other_format(dir, format)?;
    }

    let header = runs_header(s);
    if resumed && kinds.csv {
        output::reclaim_finished(&runs_partial, &dir.join(RUNS))?;
    }
    let mut runs_file = if kinds.csv {
        Some(output::open_partial_runs(
            &runs_partial,
            &header,
            resumed.then_some(runs_bytes),
        )?)
    } else {
        None
    };
    let mut spill_file = if kinds.spill {
        Some(output::open_partial(
            &spill_path,
            &spill::header(),
            resumed.then_some(spill_bytes),
        )?)
    } else {
        None
    };
    let tables = Tables::open(s, dir, restored.as_ref().map(|c| c.tables))?;
    // The growing files must hold the very bytes the checkpoint recorded.
    if let Some(c) = &restored {
        for (f, want) in [(&runs_file, &c.runs_sha256), (&spill_file, &c.spill_sha256)] {
            if let Some(f) = f {
                f.verify(want.as_deref().unwrap_or_default())?;
            }
        }
        tables.verify(&c.tables_sha256)?;
    }
    let mut asm = Assembler {
        s,
        tables,
        lo,
        per_point: chunks.per_point,
        open: None,
        head: None,
        whole: 0,
    };
    if let Some(c) = restored {
        asm.open = c.open;
        asm.head = c.head;
        asm.whole = c.whole;
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|_| ExperimentError::Threads(opts.threads))?;
    // runs.parquet is encoded while the run goes; a resumed run first encodes the rows the
    // spill already holds.
    let runs_parquet = dir.join(RUNS_PARQUET);
    let mut parquet_runs = if kinds.spill {
        let mut w = output::parquet::RunsWriter::create(s, &runs_parquet)?;
        if resumed {
            w.push_spill(&spill_path, spill_bytes, &pool)?;
        }
        Some(w)
    } else {
        None
    };

    // A batch holds about `threads × 4` chunks' worth of runs: more chunks when a chunk
    // is a few replications (many design points), so that the batches, not the
    // bookkeeping, take the time. Chunks that aggregate months carry their histograms,
    // so their batches stay small.
    let threads = opts.threads.max(1) as u64;
    let per_chunk = s.replications.clamp(1, CHUNK);
    let batch = if kinds.months {
        threads * 4
    } else {
        (threads * 4 * CHUNK / per_chunk).clamp(threads * 4, MAX_BATCH.max(threads * 4))
    };
    let in_flight_max = (AHEAD / (threads * 4)).max(1) as usize;
    let mut last_ckpt = Instant::now();
    let mut report = |runs_done, chunks_done| {
        progress(Progress {
            runs_done,
            runs_total: total_runs,
            chunks_done,
            chunks_total: mine_len,
        })
    };
    // Stopping before any work would lose nothing, so the first call only reports.
    let _ = report(runs_done, next);
    // The workers simulate batches of chunks while this thread writes the previous
    // batch's rows, encodes Parquet row groups and checkpoints. Batches are taken in order,
    // so the files and the aggregates do not depend on the overlap.
    let compute = |from: u64, to: u64| -> Vec<ChunkResult> {
        (lo + from..lo + to)
            .into_par_iter()
            .map(|i| run_chunk(s, chunks.get(i), kinds))
            .collect()
    };
    pool.in_place_scope(|scope| -> Result<(), ExperimentError> {
        // Batches in flight, in order: where each ends and where its results arrive.
        let mut in_flight = VecDeque::new();
        let mut launched = next;
        let mut launch = |in_flight: &mut VecDeque<_>| {
            while in_flight.len() < in_flight_max && launched < mine_len {
                let (from, to) = (launched, (launched + batch).min(mine_len));
                let (tx, rx) = std::sync::mpsc::channel::<Vec<ChunkResult>>();
                let compute = &compute;
                scope.spawn(move |_| {
                    let _ = tx.send(compute(from, to));
                });
                in_flight.push_back((to, rx));
                launched = to;
            }
        };
        launch(&mut in_flight);
        while let Some((end, rx)) = in_flight.pop_front() {
            // A batch that does not arrive has panicked; the scope passes the panic on.
            let Ok(results) = rx.recv() else {
                return Ok(());
            };
            launch(&mut in_flight);
            for r in results {
                runs_done += r.agg.runs;
                if let Some(f) = runs_file.as_mut() {
                    f.append(&r.rows)?;
                }
                if let Some(f) = spill_file.as_mut() {
                    f.append(&r.spill)?;
                }
                if let Some(w) = parquet_runs.as_mut() {
                    w.push(&r.spill, &pool)?;
                }
                match &r.table_rows {
                    Some(rows) => asm.add_rows(rows)?,
                    None => asm.add(r.point, r.agg)?,
                }
            }
            next = end;
            let stop = report(runs_done, next).is_break() && next < mine_len;
            if stop || last_ckpt.elapsed().as_secs_f64() > opts.checkpoint_seconds {
                if let Some(f) = runs_file.as_mut() {
                    f.sync()?;
                    runs_bytes = f.len;
                }
                if let Some(f) = spill_file.as_mut() {
                    f.sync()?;
                    spill_bytes = f.len;
                }
                asm.tables.sync()?;
                let c = Checkpoint {
                    scenario_hash: hash.clone(),
                    seed: s.seed,
                    shard: opts.shard,
                    next_chunk: next,
                    runs_bytes,
                    spill_bytes,
                    format,
                    runs_done,
                    tables: asm.tables.lens(),
                    runs_sha256: runs_file.as_ref().map(|f| f.digest()),
                    spill_sha256: spill_file.as_ref().map(|f| f.digest()),
                    tables_sha256: asm.tables.sums(),
                    open: asm.open.as_ref().map(|(p, a)| (*p, a)),
                    head: asm.head.as_ref().map(|(p, a)| (*p, a)),
                    whole: asm.whole,
                };
                output::write_json_sealed(&ckpt_path, &c, false)?;
                last_ckpt = Instant::now();
            }
            if stop {
                // The batches in flight finish before the scope ends; their rows are dropped.
                return Err(ExperimentError::Stopped(runs_done));
            }
        }
        Ok(())
    })?;
    let tail = asm.end(hi)?;

    // Final files: each written under a temporary name and renamed when complete.
    let mut files = Vec::new();
    let mut sha256 = Vec::new();
    if let Some(f) = runs_file.take() {
        let path = dir.join(RUNS);
        if let Some(sum) = f.finish(&path)? {
            sha256.push((path.clone(), sum));
        }
        files.push(path);
    }
    if let Some(f) = spill_file.take() {
        f.close()?;
    }
    if let Some(w) = parquet_runs.take() {
        files.push(w.finish(&pool)?);
    }
    let Assembler {
        tables,
        head,
        whole,
        ..
    } = asm;
    files.extend(pool.install(|| tables.finish(s, dir, &mut sha256))?);
    if n > 1 {
        let range = chunks.whole(lo, hi);
        if range.1 - range.0 != whole {
            return Err(ExperimentError::Mismatch(format!(
                "{}: the shard wrote {whole} whole design points but its chunks hold {}; run it again without --resume",
                dir.display(),
                range.1 - range.0
            )));
        }
        let st = ShardState {
            source: s.source.clone(),
            file: s.file.clone(),
            overrides: s.overrides,
            scenario_hash: hash.clone(),
            seed: s.seed,
            shard: opts.shard,
            format,
            runs: runs_done,
            whole: range,
            head,
            tail,
        };
        let p = dir.join(SHARD_STATE);
        output::write_json_sealed(&p, &st, true)?;
        files.push(p);
    }
    let wall = started.elapsed().as_secs_f64();
    let facts = RunFacts {
        hash: &hash,
        threads: opts.threads,
        shard: opts.shard,
        started: started_at,
        runs: runs_done,
        wall_seconds: wall,
        resumed,
        sha256: &sha256,
    };
    Manifest::new(s, &facts, dir, &files)?.write(dir)?;
    // The checkpoint goes first: a spill left behind by a crash here is harmless in a
    // complete folder (and `tidy_finished` removes it), a checkpoint without its spill is
    // not.
    if ckpt_path.exists() {
        std::fs::remove_file(&ckpt_path).map_err(io_err(&ckpt_path))?;
    }
    tidy_finished(dir)?;
    Ok(RunReport {
        runs: runs_done,
        wall_seconds: wall,
        resumed,
    })
}

/// Remove what a finished run in `dir` no longer needs and a crash may have left: the
/// spill, the partial CSV text of Parquet-only tables, and a checkpoint cut short by a kill
/// while it was written (`checkpoint.json.partial`). Called at the end of a run, and when
/// `--resume` finds the run finished.
pub fn tidy_finished(dir: &Path) -> Result<(), ExperimentError> {
    for f in [
        dir.join(spill::SPILL),
        dir.join(format!("{CHECKPOINT}.partial")),
    ] {
        if f.exists() {
            std::fs::remove_file(&f).map_err(io_err(&f))?;
        }
    }
    output::files::remove_partials(dir)?;
    Ok(())
}

/// Copy the rows of the table file `path` (all but its header line) to `out` (a
/// streaming copy: nothing is held but a buffer).
fn copy_rows(
    path: &Path,
    out: &mut dyn FnMut(&[u8]) -> Result<(), OutputError>,
) -> Result<(), OutputError> {
    use std::io::{BufRead, BufReader};
    let f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut header = Vec::new();
    r.read_until(b'\n', &mut header).map_err(io_err(path))?;
    loop {
        let buf = r.fill_buf().map_err(io_err(path))?;
        if buf.is_empty() {
            return Ok(());
        }
        let len = buf.len();
        out(buf)?;
        r.consume(len);
    }
}

/// Merge shard outputs (`dyadsim run --shard k/n`) into `out`, refusing shards of different
/// scenarios, seeds or splits. The result equals an unsharded run byte for byte.
///
/// The merge streams: each shard's rows are copied in shard order, and the design points
/// shared by neighbouring shards are completed from their partial aggregates
/// ([`ShardState::head`], [`ShardState::tail`]) and written between them, so memory does
/// not grow with the number of points.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<RunReport, ExperimentError> {
    let started = Instant::now();
    let started_at = output::now_utc();
    let mut states = Vec::new();
    for d in dirs {
        states.push((d.clone(), read_shard(d)?));
    }
    states.sort_by_key(|(_, st)| st.shard.0);
    let Some((first_dir, first)) = states.first() else {
        return Err(ExperimentError::Mismatch(
            "merge needs at least one shard directory".into(),
        ));
    };
    for (d, st) in &states {
        if st.scenario_hash != first.scenario_hash {
            return Err(ExperimentError::Mismatch(format!(
                "{} is from another scenario (hash {}) than {} (hash {}); shards of different scenarios cannot be merged",
                d.display(),
                st.scenario_hash,
                first_dir.display(),
                first.scenario_hash
            )));
        }
        if st.seed != first.seed {
            return Err(ExperimentError::Mismatch(format!(
                "{} used master seed {} but {} used {}; shards of different seeds cannot be merged",
                d.display(),
                st.seed,
                first_dir.display(),
                first.seed
            )));
        }
        if st.format != first.format {
            return Err(ExperimentError::Mismatch(format!(
                "{} holds format \"{}\" but {} holds \"{}\"; shards of different formats cannot be merged",
                d.display(),
                st.format.as_str(),
                first_dir.display(),
                first.format.as_str()
            )));
        }
        if st.shard.1 != first.shard.1 {
            return Err(ExperimentError::Mismatch(format!(
                "{} is shard {}/{} but {} is shard {}/{}: the shards come from different splits",
                d.display(),
                st.shard.0,
                st.shard.1,
                first_dir.display(),
                first.shard.0,
                first.shard.1
            )));
        }
    }
    let n = first.shard.1;
    for pair in states.windows(2) {
        let ((a, x), (b, y)) = (&pair[0], &pair[1]);
        if x.shard.0 == y.shard.0 {
            return Err(ExperimentError::Mismatch(format!(
                "{} and {} are both shard {}/{n}; give each shard once",
                a.display(),
                b.display(),
                x.shard.0
            )));
        }
    }
    let ks: Vec<u64> = states.iter().map(|(_, st)| st.shard.0).collect();
    if let Some(k) = (1..=n).find(|k| !ks.contains(k)) {
        let given: Vec<String> = states
            .iter()
            .map(|(d, st)| format!("{} ({}/{n})", d.display(), st.shard.0))
            .collect();
        return Err(ExperimentError::Mismatch(format!(
            "shard {k}/{n} is missing (given: {}); run it with `dyadsim run --shard {k}/{n}` and merge all {n}",
            given.join(", ")
        )));
    }
    let (mut s, _) =
        crate::scenario::parse(&first.source, &first.file, first.overrides).map_err(|e| {
            OutputError::Format {
                path: first_dir.join(SHARD_STATE),
                message: e.to_string(),
            }
        })?;
    s.output.format = first.format;
    if s.output.format.parquet() && !cfg!(feature = "parquet") {
        return Err(ExperimentError::Unsupported(
            "this dyadsim was built without Parquet support (Cargo feature `parquet`); the shards hold Parquet files",
        ));
    }
    if s.hash() != first.scenario_hash {
        return Err(ExperimentError::Mismatch(
            "the stored scenario no longer resolves to the shards' hash (different dyadsim version?)".into(),
        ));
    }
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    let manifest_path = out.join(MANIFEST);
    if manifest_path.exists() {
        std::fs::remove_file(&manifest_path).map_err(io_err(&manifest_path))?;
    }
    remove_other_format(out, s.output.format)?;
    let mut files = Vec::new();
    if s.output.runs && s.output.format.csv() {
        let path = out.join(RUNS);
        let mut f = AtomicFile::create(&path)?;
        f.csv_row(&runs_header(&s))?;
        for (d, _) in &states {
            copy_rows(&d.join(RUNS), &mut |b| f.write(b))?;
        }
        f.commit()?;
        files.push(path);
    }
    if s.output.runs && s.output.format.parquet() {
        let path = out.join(RUNS_PARQUET);
        let inputs: Vec<PathBuf> = states.iter().map(|(d, _)| d.join(RUNS_PARQUET)).collect();
        files.push(output::parquet::merge_runs(&s, &inputs, &path)?);
    }
    // The tables, in point order: each shard's whole points, and between them the points
    // neighbouring shards share, completed from their partial aggregates.
    let mut tables = Tables::open(&s, out, None)?;
    let mut pending: Option<(usize, PointAgg)> = None;
    let mut written = 0u64;
    let mut runs = 0;
    let flush = |pending: &mut Option<(usize, PointAgg)>,
                 tables: &mut Tables,
                 written: &mut u64|
     -> Result<(), ExperimentError> {
        if let Some((p, a)) = pending.take() {
            if p as u64 != *written {
                return Err(ExperimentError::Mismatch(format!(
                    "the shards do not cover the design: design point {p} follows {written} written points"
                )));
            }
            if let Some(metric) = a.overflowed() {
                return Err(ExperimentError::Overflow(metric));
            }
            tables.point(&s, p, &a)?;
            *written += 1;
        }
        Ok(())
    };
    for (d, st) in &states {
        runs += st.runs;
        if let Some((p, a)) = &st.head {
            match pending.as_mut() {
                Some((q, b)) if q == p => b.merge(a),
                _ => {
                    flush(&mut pending, &mut tables, &mut written)?;
                    pending = Some((*p, a.clone()));
                }
            }
        }
        let (from, to) = st.whole;
        if to > from {
            flush(&mut pending, &mut tables, &mut written)?;
            if from != written {
                return Err(ExperimentError::Mismatch(format!(
                    "{}: the shard's points begin at {from}, but {written} points come before it",
                    d.display()
                )));
            }
            for t in Table::ALL.into_iter().filter(|t| t.written(&s)) {
                copy_table(&s, d, t, &mut tables)?;
            }
            written = to;
        }
        if let Some((p, a)) = &st.tail {
            flush(&mut pending, &mut tables, &mut written)?;
            pending = Some((*p, a.clone()));
        }
    }
    flush(&mut pending, &mut tables, &mut written)?;
    if written != s.points.len() as u64 {
        return Err(ExperimentError::Mismatch(format!(
            "the shards hold {written} of the design's {} points",
            s.points.len()
        )));
    }
    let mut sha256 = Vec::new();
    files.extend(tables.finish(&s, out, &mut sha256)?);
    output::files::remove_partials(out)?;
    let hash = s.hash();
    let wall = started.elapsed().as_secs_f64();
    let facts = RunFacts {
        hash: &hash,
        threads: 0,
        shard: (1, 1),
        started: started_at,
        runs,
        wall_seconds: wall,
        resumed: false,
        sha256: &sha256,
    };
    Manifest::new(&s, &facts, out, &files)?.write(out)?;
    Ok(RunReport {
        runs,
        wall_seconds: wall,
        resumed: false,
    })
}

/// The state of the finished shard in `dir`, or an error that says why there is none.
fn read_shard(dir: &Path) -> Result<ShardState, ExperimentError> {
    let p = dir.join(SHARD_STATE);
    if !p.is_file() {
        let why = if dir.join(CHECKPOINT).is_file() {
            "the shard is unfinished (it has a checkpoint but no shard.json); finish it with `dyadsim run --shard K/N --resume` and merge again"
        } else {
            "not the folder of a finished shard (no shard.json; `dyadsim run --shard K/N` writes it)"
        };
        return Err(OutputError::Format {
            path: dir.to_path_buf(),
            message: why.into(),
        }
        .into());
    }
    Ok(output::read_json_sealed(
        &p,
        "shard state",
        "run the shard again",
    )?)
}

/// Append the rows of table `t` of the shard in `dir` to `tables`: from its CSV file, or
/// from its Parquet twin (read back as the CSV file would hold it) when the shard wrote
/// Parquet only.
fn copy_table(
    s: &Scenario,
    dir: &Path,
    t: Table,
    tables: &mut Tables,
) -> Result<(), ExperimentError> {
    if s.output.format.csv() {
        copy_rows(&dir.join(t.csv()), &mut |b| tables.append(t, b))?;
        return Ok(());
    }
    let file = dir.join(t.parquet());
    let width = t.header(s).len();
    let writer = || csv::WriterBuilder::new().from_writer(Vec::with_capacity(1 << 16));
    let mut w = writer();
    let mut err = None;
    let read = output::parquet::for_each_record(&file, &vec![true; width], |_, rec| {
        let _ = w.write_record(rec);
        if w.get_ref().len() >= 1 << 16 {
            let full = std::mem::replace(&mut w, writer());
            let bytes = full.into_inner().unwrap_or_default();
            if let Err(e) = tables.append(t, &bytes) {
                err.get_or_insert(e);
            }
        }
        Ok(())
    });
    read.map_err(|e| OutputError::Format {
        path: file.clone(),
        message: e.to_string(),
    })?;
    if let Some(e) = err {
        return Err(e.into());
    }
    tables.append(t, &w.into_inner().unwrap_or_default())?;
    Ok(())
}
