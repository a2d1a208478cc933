//! Experiments: a [`Scenario`] becomes design points × replications, run in parallel on
//! rayon, aggregated while running, streamed to disk, checkpointed and resumable.
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
    POINTS, POINTS_PARQUET, RUNS, RUNS_PARQUET, SUMMARY, SUMMARY_PARQUET, TIMESERIES,
    TIMESERIES_PARQUET, run_row, runs_header, write_aggregate_files,
};
use crate::output::manifest::{MANIFEST, Manifest, RunFacts};
use crate::output::{self, AtomicFile, OutputError, io_err, spill};
use crate::scenario::{OutputFormat, Scenario};
use crate::stats::{ChunkSums, PointAgg};

/// Replications per chunk: the unit of parallel work, checkpointing and sharding.
pub const CHUNK: u64 = 250;

/// Chunks the workers may run ahead of the thread that writes the results (at least one
/// batch), so that they need not wait while it writes rows or checkpoints.
const AHEAD: u64 = 32;

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
}

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
    aggs: A,
}

/// The saved state of a shard, which [`merge`] combines.
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
    /// Per-point aggregates of this shard.
    pub aggs: Vec<PointAgg>,
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
}

struct ChunkResult {
    point: usize,
    agg: PointAgg,
    /// `runs.csv` rows.
    rows: Vec<u8>,
    /// Spill rows for `runs.parquet`.
    spill: Vec<u8>,
}

/// Which per-run rows a chunk writes.
#[derive(Clone, Copy)]
struct RowKinds {
    csv: bool,
    spill: bool,
}

fn run_chunk(s: &Scenario, c: Chunk, kinds: RowKinds) -> ChunkResult {
    let dp = &s.points[c.point];
    let mut sums = ChunkSums::new(dp.params.months);
    let n = (c.rep_end - c.rep_start) as usize;
    // One allocation per chunk (about 1 kB per CSV row) instead of repeated growth.
    let capacity = if kinds.csv { n * 1024 } else { 0 };
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(capacity));
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
        let o = simulate_with(params, seed, |r| sums.month(r));
        sums.run(&o);
        if kinds.csv {
            // Writing to a Vec cannot fail.
            let _ = run_row(s, c.point, rep, seed, params, &o, &mut w);
        }
        if kinds.spill {
            spill::encode(c.point, rep, seed, &o, &params.power, &mut spill_rows);
        }
    }
    let agg = sums.finish();
    let rows = w.into_inner().unwrap_or_default();
    ChunkResult {
        point: c.point,
        agg,
        rows,
        spill: spill_rows,
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
    let dp = &s.points[point];
    let params = dp.realise(seed);
    (seed, simulate_with(&params, seed, f))
}

/// The aggregates of replications `0..reps` of design point `point` of `s`, computed in
/// memory on the current rayon pool: what [`run`] aggregates for that point when the
/// scenario has `reps` replications (the same seeds and the same exact sums), without
/// writing anything. Callers bound `reps`.
pub fn aggregate_point(s: &Scenario, point: usize, reps: u64) -> PointAgg {
    let months = s.points[point].params.months;
    let chunks = reps.div_ceil(CHUNK);
    let kinds = RowKinds {
        csv: false,
        spill: false,
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
    let ckpt_path = dir.join("checkpoint.json");
    let runs_partial = dir.join("runs.csv.partial");
    let spill_path = dir.join(spill::SPILL);
    let kinds = RowKinds {
        csv: s.output.runs && format.csv(),
        spill: s.output.runs && format.parquet(),
    };

    // Load or start state.
    let mut aggs: Vec<PointAgg> = s
        .points
        .iter()
        .map(|p| PointAgg::new(p.params.months))
        .collect();
    let mut next = 0u64;
    let mut runs_done = 0u64;
    let mut runs_bytes = 0u64;
    let mut spill_bytes = 0u64;
    let mut resumed = false;
    if opts.resume && ckpt_path.exists() {
        let text = std::fs::read_to_string(&ckpt_path).map_err(io_err(&ckpt_path))?;
        let c: Checkpoint<Vec<PointAgg>> =
            serde_json::from_str(&text).map_err(|e| OutputError::Format {
                path: ckpt_path.clone(),
                message: e.to_string(),
            })?;
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
        aggs = c.aggs;
        next = c.next_chunk;
        runs_done = c.runs_done;
        runs_bytes = c.runs_bytes;
        spill_bytes = c.spill_bytes;
        resumed = true;
    } else {
        // A fresh start: nothing from an earlier run may look complete.
        for f in [&manifest_path, &ckpt_path, &spill_path] {
            if f.exists() {
                std::fs::remove_file(f).map_err(io_err(f))?;
            }
        }
        remove_other_format(dir, format)?;
    }

    let header = runs_header(s);
    let mut runs_file = if kinds.csv {
        Some(output::open_partial_runs(
            &runs_partial,
            &header,
            resumed.then_some(runs_bytes),
        )?)
    } else {
        None
    };
    if let Some(f) = &runs_file {
        runs_bytes = f.len;
    }
    let mut spill_file = if kinds.spill {
        Some(output::open_partial(
            &spill_path,
            &spill::header(),
            resumed.then_some(spill_bytes),
        )?)
    } else {
        None
    };
    if let Some(f) = &spill_file {
        spill_bytes = f.len;
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

    let batch = (opts.threads * 4).max(1) as u64;
    let in_flight_max = (AHEAD / batch).max(1) as usize;
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
    // The workers simulate one batch of chunks while this thread writes the previous
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
            for r in &results {
                aggs[r.point].merge(&r.agg);
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
            }
            drop(results);
            next = end;
            let stop = report(runs_done, next).is_break() && next < mine_len;
            if stop || last_ckpt.elapsed().as_secs_f64() > 2.0 {
                if let Some(f) = runs_file.as_mut() {
                    f.sync()?;
                    runs_bytes = f.len;
                }
                if let Some(f) = spill_file.as_mut() {
                    f.sync()?;
                    spill_bytes = f.len;
                }
                let c = Checkpoint {
                    scenario_hash: hash.clone(),
                    seed: s.seed,
                    shard: opts.shard,
                    next_chunk: next,
                    runs_bytes,
                    spill_bytes,
                    format,
                    runs_done,
                    aggs: &aggs,
                };
                output::write_json_atomic(&ckpt_path, &c, false)?;
                last_ckpt = Instant::now();
            }
            if stop {
                // The batches in flight finish before the scope ends; their rows are dropped.
                return Err(ExperimentError::Stopped(runs_done));
            }
        }
        Ok(())
    })?;
    if let Some(metric) = aggs.iter().find_map(PointAgg::overflowed) {
        return Err(ExperimentError::Overflow(metric));
    }

    // Final files: each written under a temporary name and renamed when complete.
    let mut files = Vec::new();
    if let Some(f) = runs_file.take() {
        let path = dir.join(RUNS);
        f.finish(&path)?;
        files.push(path);
    }
    if let Some(f) = spill_file.take() {
        f.close()?;
    }
    if let Some(w) = parquet_runs.take() {
        files.push(w.finish(&pool)?);
    }
    files.extend(pool.install(|| write_aggregate_files(s, &aggs, dir))?);
    if n > 1 {
        let st = ShardState {
            source: s.source.clone(),
            file: s.file.clone(),
            overrides: s.overrides,
            scenario_hash: hash.clone(),
            seed: s.seed,
            shard: opts.shard,
            format,
            runs: runs_done,
            aggs: aggs.clone(),
        };
        let p = dir.join("shard.json");
        output::write_json_atomic(&p, &st, true)?;
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
    };
    Manifest::new(s, &facts, dir, &files)?.write(dir)?;
    // The checkpoint goes first: a spill left behind by a crash here is harmless in a
    // complete folder, a checkpoint without its spill is not.
    for f in [&ckpt_path, &spill_path] {
        if f.exists() {
            std::fs::remove_file(f).map_err(io_err(f))?;
        }
    }
    Ok(RunReport {
        runs: runs_done,
        wall_seconds: wall,
        resumed,
    })
}

/// Merge shard outputs (`dyadsim run --shard k/n`) into `out`, refusing shards of different
/// scenarios, seeds or splits. The result equals an unsharded run byte for byte.
pub fn merge(dirs: &[PathBuf], out: &Path) -> Result<RunReport, ExperimentError> {
    let started = Instant::now();
    let started_at = output::now_utc();
    let mut states = Vec::new();
    for d in dirs {
        let p = d.join("shard.json");
        let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
        let st: ShardState = serde_json::from_str(&text).map_err(|e| OutputError::Format {
            path: p.clone(),
            message: format!("not a dyadsim shard state: {e}"),
        })?;
        states.push((d.clone(), st));
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
    let ks: Vec<u64> = states.iter().map(|(_, st)| st.shard.0).collect();
    if ks != (1..=n).collect::<Vec<_>>() {
        return Err(ExperimentError::Mismatch(format!(
            "shards present: {ks:?}; need each of 1..={n} exactly once"
        )));
    }
    let (mut s, _) =
        crate::scenario::parse(&first.source, &first.file, first.overrides).map_err(|e| {
            OutputError::Format {
                path: first_dir.join("shard.json"),
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
        for (i, (d, _)) in states.iter().enumerate() {
            let p = d.join(RUNS);
            let bytes = std::fs::read(&p).map_err(io_err(&p))?;
            let body = if i == 0 {
                &bytes[..]
            } else {
                let nl = bytes
                    .iter()
                    .position(|b| *b == b'\n')
                    .map_or(bytes.len(), |i| i + 1);
                &bytes[nl..]
            };
            f.write(body)?;
        }
        f.commit()?;
        files.push(path);
    }
    if s.output.runs && s.output.format.parquet() {
        let path = out.join(RUNS_PARQUET);
        let inputs: Vec<PathBuf> = states.iter().map(|(d, _)| d.join(RUNS_PARQUET)).collect();
        files.push(output::parquet::merge_runs(&s, &inputs, &path)?);
    }
    let mut aggs: Vec<PointAgg> = s
        .points
        .iter()
        .map(|p| PointAgg::new(p.params.months))
        .collect();
    let mut runs = 0;
    for (_, st) in &states {
        if st.aggs.len() != aggs.len() {
            return Err(ExperimentError::Mismatch(
                "shard aggregates do not match the design".into(),
            ));
        }
        for (a, b) in aggs.iter_mut().zip(&st.aggs) {
            a.merge(b);
        }
        runs += st.runs;
    }
    files.extend(write_aggregate_files(&s, &aggs, out)?);
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
    };
    Manifest::new(&s, &facts, out, &files)?.write(out)?;
    Ok(RunReport {
        runs,
        wall_seconds: wall,
        resumed: false,
    })
}
