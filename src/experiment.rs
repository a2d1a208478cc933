//! Experiments: a [`Scenario`] becomes design points × replications, run in parallel on
//! rayon, aggregated while running, streamed to disk, checkpointed and resumable.
//!
//! Determinism: every run's seed is derived from (master seed, point, replication); work is
//! cut into fixed chunks of [`CHUNK`] replications of one design point; per-run rows are
//! written in run order; within a chunk, trajectory cells are summed in replication order,
//! and chunk results are added as exact fixed-point sums ([`ExactAcc`]) whose total does
//! not depend on the order in which chunks finish.
//! So the thread count, the shard split and the resume point cannot change a byte of
//! `runs.csv`, `timeseries.csv` or `summary.csv`.

use std::path::{Path, PathBuf};
use std::time::Instant;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::model::{
    Level, OUTCOME_METRICS, Phase, RunOutcome, TRAJECTORY_METRICS, run_seed, simulate_with,
};
use crate::output::{self, AtomicFile};
use crate::scenario::Scenario;
use crate::stats::t_quantile;

/// Replications per chunk: the unit of parallel work, checkpointing and sharding.
pub const CHUNK: u64 = 250;

/// Errors of the experiment layer.
#[derive(Debug, Error)]
pub enum ExperimentError {
    /// A file could not be read or written (the cause is the error's source).
    #[error("{path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A checkpoint or shard does not belong to this experiment.
    #[error("{0}")]
    Mismatch(String),
    /// A file had unexpected content.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// The thread pool could not be built.
    #[error("cannot start {0} worker threads")]
    Threads(usize),
    /// A value was too large for exact aggregation.
    #[error(
        "metric `{0}` has values too large to aggregate exactly (sums of squares must stay below 1e25 per chunk of 250 runs); reduce the money or time scale of the scenario"
    )]
    Overflow(&'static str),
}

pub(crate) fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> ExperimentError + '_ {
    move |source| ExperimentError::Io {
        path: path.to_path_buf(),
        source,
    }
}

const SCALE: f64 = 1_099_511_627_776.0; // 2^40
/// Largest magnitude of a sum of squares that still fits the fixed-point range.
const SUMSQ_LIMIT: f64 = 1.0e25;

/// An exact streaming accumulator: count, sum and sum of squares as 2^-40 fixed-point
/// integers (i128), plus the exact minimum and maximum where they are tracked (outcomes).
/// Sums are formed in `f64` over a fixed group of values (one value, or one chunk of runs in
/// replication order) and only then rounded and added exactly, so merging in any order
/// gives the same bits. A constant outcome has exactly its value as mean and 0 as SD.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ExactAcc {
    /// Number of finite values.
    pub n: u64,
    #[serde(with = "i128_str")]
    sum: i128,
    #[serde(with = "i128_str")]
    sumsq: i128,
    #[serde(with = "range_bits")]
    range: Option<(f64, f64)>,
    overflow: bool,
}

/// Floats are stored by their bits, so that a checkpoint or shard file restores them
/// exactly.
mod range_bits {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    pub fn serialize<S: Serializer>(v: &Option<(f64, f64)>, s: S) -> Result<S::Ok, S::Error> {
        v.map(|(a, b)| (a.to_bits(), b.to_bits())).serialize(s)
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<(f64, f64)>, D::Error> {
        let v = Option::<(u64, u64)>::deserialize(d)?;
        Ok(v.map(|(a, b)| (f64::from_bits(a), f64::from_bits(b))))
    }
}

mod i128_str {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &i128, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&v.to_string())
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<i128, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// Float sums of a group of values, summed in a fixed order; turned into an exact
/// [`ExactAcc`] contribution by [`ExactAcc::add`].
#[derive(Clone, Copy, Debug)]
pub struct GroupSums {
    n: u32,
    sum: f64,
    sumsq: f64,
    min: f64,
    max: f64,
}

impl Default for GroupSums {
    fn default() -> Self {
        GroupSums {
            n: 0,
            sum: 0.0,
            sumsq: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl GroupSums {
    /// Add a value; NaN and infinities are skipped.
    #[inline(always)]
    pub fn push(&mut self, x: f64) {
        if !x.is_finite() {
            return;
        }
        // Plain comparisons (x is finite) compile to branch-free min/max instructions.
        self.min = if x < self.min { x } else { self.min };
        self.max = if x > self.max { x } else { self.max };
        self.n += 1;
        self.sum += x;
        self.sumsq += x * x;
    }
}

/// Float sums of one trajectory cell within a chunk: the hot loop of aggregation, so no
/// minimum and maximum are kept (a constant cell's SD is then tiny rather than exactly 0).
#[derive(Clone, Copy, Debug, Default)]
struct CellSums {
    n: u32,
    sum: f64,
    sumsq: f64,
}

impl CellSums {
    #[inline(always)]
    fn push(&mut self, x: f64) {
        if x.is_finite() {
            self.n += 1;
            self.sum += x;
            self.sumsq += x * x;
        }
    }
    fn group(&self) -> GroupSums {
        GroupSums {
            n: self.n,
            sum: self.sum,
            sumsq: self.sumsq,
            // An unknown range: never taken for a constant.
            min: f64::NEG_INFINITY,
            max: f64::INFINITY,
        }
    }
}

impl ExactAcc {
    /// Add a value; NaN and infinities are skipped (not counted).
    pub fn push(&mut self, x: f64) {
        let mut g = GroupSums::default();
        g.push(x);
        self.add(&g);
    }
    /// Add a group's float sums: rounded to fixed point once and added exactly, so the
    /// result depends only on the group's contents.
    pub fn add(&mut self, g: &GroupSums) {
        if g.n == 0 {
            return;
        }
        self.n += u64::from(g.n);
        self.range = Some(match self.range {
            None => (g.min, g.max),
            Some((lo, hi)) => (lo.min(g.min), hi.max(g.max)),
        });
        if g.sumsq >= SUMSQ_LIMIT {
            self.overflow = true;
            return;
        }
        let (a, b) = (
            (g.sum * SCALE).round() as i128,
            (g.sumsq * SCALE).round() as i128,
        );
        match (self.sum.checked_add(a), self.sumsq.checked_add(b)) {
            (Some(x), Some(y)) => {
                self.sum = x;
                self.sumsq = y;
            }
            _ => self.overflow = true,
        }
    }
    /// Add another accumulator (exact, order-free).
    pub fn merge(&mut self, o: &ExactAcc) {
        self.n += o.n;
        self.overflow |= o.overflow;
        self.range = match (self.range, o.range) {
            (Some((a, b)), Some((c, d))) => Some((a.min(c), b.max(d))),
            (r, None) | (None, r) => r,
        };
        match (self.sum.checked_add(o.sum), self.sumsq.checked_add(o.sumsq)) {
            (Some(a), Some(b)) => {
                self.sum = a;
                self.sumsq = b;
            }
            _ => self.overflow = true,
        }
    }
    /// Whether a value was too large to aggregate exactly.
    pub fn overflowed(&self) -> bool {
        self.overflow
    }
    /// Mean (NaN when empty or overflowed).
    pub fn mean(&self) -> f64 {
        match self.range {
            _ if self.n == 0 || self.overflow => f64::NAN,
            Some((lo, hi)) if lo == hi => lo,
            _ => self.sum as f64 / SCALE / self.n as f64,
        }
    }
    /// Sample standard deviation (NaN when n < 2; exactly 0 for a constant).
    pub fn sd(&self) -> f64 {
        if self.n < 2 || self.overflow {
            return f64::NAN;
        }
        if let Some((lo, hi)) = self.range
            && lo == hi
        {
            return 0.0;
        }
        let n = self.n as f64;
        let mean = self.mean();
        let var = (self.sumsq as f64 / SCALE - n * mean * mean) / (n - 1.0);
        var.max(0.0).sqrt()
    }
    /// 95% confidence interval of the mean (Student t).
    pub fn ci95(&self) -> (f64, f64) {
        let sd = self.sd();
        if !sd.is_finite() {
            return (f64::NAN, f64::NAN);
        }
        let half = t_quantile(0.975, (self.n - 1) as f64) * sd / (self.n as f64).sqrt();
        let m = self.mean();
        (m - half, m + half)
    }
}

/// Aggregates of one design point.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PointAgg {
    /// `[month][metric]`, months 1..=horizon, metrics of [`TRAJECTORY_METRICS`]; alive runs.
    pub traj: Vec<ExactAcc>,
    /// `[month][phase]` run counts, phases preparation, execution, integration, dissolved.
    pub phases: Vec<[u64; 4]>,
    /// Outcomes of [`OUTCOME_METRICS`].
    pub outcomes: Vec<ExactAcc>,
    /// Runs aggregated.
    pub runs: u64,
}

const NT: usize = TRAJECTORY_METRICS.len();

impl PointAgg {
    /// Empty aggregates for a horizon of `months`.
    pub fn new(months: u32) -> Self {
        let m = months as usize;
        PointAgg {
            traj: vec![ExactAcc::default(); m * NT],
            phases: vec![[0; 4]; m],
            outcomes: vec![ExactAcc::default(); OUTCOME_METRICS.len()],
            runs: 0,
        }
    }
    /// Add another point's aggregates.
    pub fn merge(&mut self, o: &PointAgg) {
        for (a, b) in self.traj.iter_mut().zip(&o.traj) {
            a.merge(b);
        }
        for (a, b) in self.phases.iter_mut().zip(&o.phases) {
            for k in 0..4 {
                a[k] += b[k];
            }
        }
        for (a, b) in self.outcomes.iter_mut().zip(&o.outcomes) {
            a.merge(b);
        }
        self.runs += o.runs;
    }
    /// Months covered.
    pub fn months(&self) -> usize {
        self.phases.len()
    }
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
    /// Testing aid: stop abruptly (as a crash would) after this many chunks.
    pub abort_after_chunks: Option<u64>,
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
    /// Files written.
    pub files: Vec<PathBuf>,
}

#[derive(Serialize, Deserialize)]
struct Checkpoint<A> {
    scenario_hash: String,
    seed: u64,
    shard: (u64, u64),
    next_chunk: u64,
    runs_bytes: u64,
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
    h
}

fn level_str(x: f64, p: &crate::model::PowerParams) -> String {
    if x.is_finite() {
        Level::of(x, p).letter().to_string()
    } else {
        "NA".into()
    }
}

fn run_row(
    s: &Scenario,
    point: usize,
    rep: u64,
    seed: u64,
    o: &RunOutcome,
    w: &mut csv::Writer<Vec<u8>>,
) -> csv::Result<()> {
    let dp = &s.points[point];
    let mut rec: Vec<String> = vec![point.to_string(), rep.to_string(), seed.to_string()];
    rec.extend(dp.values.iter().map(|v| output::num(*v)));
    rec.push(o.final_phase.as_str().into());
    rec.push(o.end_reason.as_str().into());
    rec.push(o.path.code());
    rec.extend(o.metrics().iter().map(|v| output::num(*v)));
    for k in 0..3 {
        rec.push(level_str(o.boundaries.entry[k], &dp.params.power));
        rec.push(level_str(o.boundaries.exit[k], &dp.params.power));
    }
    w.write_record(&rec)
}

struct ChunkResult {
    point: usize,
    agg: PointAgg,
    rows: Vec<u8>,
}

fn run_chunk(s: &Scenario, c: Chunk, write_rows: bool) -> ChunkResult {
    let dp = &s.points[c.point];
    let months = dp.params.months;
    let mut agg = PointAgg::new(months);
    let mut cells = vec![CellSums::default(); months as usize * NT];
    let mut outcomes = [GroupSums::default(); OUTCOME_METRICS.len()];
    // One allocation per chunk (about 1 kB per row) instead of repeated growth.
    let capacity = if write_rows {
        (c.rep_end - c.rep_start) as usize * 1024
    } else {
        0
    };
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::with_capacity(capacity));
    for rep in c.rep_start..c.rep_end {
        let seed = run_seed(s.seed, c.point, rep);
        let mut last_month = 0usize;
        let o = simulate_with(&dp.params, seed, |r| {
            let m = (r.month - 1) as usize;
            last_month = m;
            if let Some(row) = cells.get_mut(m * NT..(m + 1) * NT) {
                for (cell, v) in row.iter_mut().zip(r.metrics()) {
                    cell.push(v);
                }
            }
            agg.phases[m][r.phase as usize] += 1;
        });
        // A dissolved relationship stays dissolved to the horizon.
        for m in (last_month + 1)..(months as usize) {
            agg.phases[m][Phase::Dissolved as usize] += 1;
        }
        for (g, v) in outcomes.iter_mut().zip(o.metrics()) {
            g.push(v);
        }
        agg.runs += 1;
        if write_rows {
            // Writing to a Vec cannot fail.
            let _ = run_row(s, c.point, rep, seed, &o, &mut w);
        }
    }
    for (acc, c) in agg.traj.iter_mut().zip(&cells) {
        acc.add(&c.group());
    }
    for (acc, g) in agg.outcomes.iter_mut().zip(&outcomes) {
        acc.add(g);
    }
    let rows = w.into_inner().unwrap_or_default();
    ChunkResult {
        point: c.point,
        agg,
        rows,
    }
}

/// Execute a scenario (or one shard of it) into `opts.out_dir`.
///
/// `progress(done, total)` is called after every batch of chunks.
pub fn run(
    s: &Scenario,
    opts: &RunOptions,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Result<RunReport, ExperimentError> {
    let started = Instant::now();
    let started_at = output::now_utc();
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

    let manifest_path = dir.join("manifest.json");
    let ckpt_path = dir.join("checkpoint.json");
    let runs_partial = dir.join("runs.csv.partial");

    // Load or start state.
    let mut aggs: Vec<PointAgg> = s
        .points
        .iter()
        .map(|p| PointAgg::new(p.params.months))
        .collect();
    let mut next = 0u64;
    let mut runs_done = 0u64;
    let mut runs_bytes = 0u64;
    let mut resumed = false;
    if opts.resume && ckpt_path.exists() {
        let text = std::fs::read_to_string(&ckpt_path).map_err(io_err(&ckpt_path))?;
        let c: Checkpoint<Vec<PointAgg>> =
            serde_json::from_str(&text).map_err(|e| ExperimentError::Format {
                path: ckpt_path.clone(),
                message: e.to_string(),
            })?;
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
        resumed = true;
    } else {
        // A fresh start: nothing from an earlier run may look complete.
        for f in [&manifest_path, &ckpt_path] {
            if f.exists() {
                std::fs::remove_file(f).map_err(io_err(f))?;
            }
        }
    }

    let header = runs_header(s);
    let mut runs_file = if s.output.runs {
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

    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(opts.threads)
        .build()
        .map_err(|_| ExperimentError::Threads(opts.threads))?;
    let batch = (opts.threads * 4).max(1) as u64;
    let mut last_ckpt = Instant::now();
    progress(runs_done, total_runs);
    while next < mine_len {
        let end = (next + batch).min(mine_len);
        let work: Vec<Chunk> = (lo + next..lo + end).map(|i| chunks.get(i)).collect();
        let write_rows = s.output.runs;
        let results: Vec<ChunkResult> = pool.install(|| {
            work.par_iter()
                .map(|c| run_chunk(s, *c, write_rows))
                .collect()
        });
        for r in &results {
            aggs[r.point].merge(&r.agg);
            runs_done += r.agg.runs;
            if let Some(f) = runs_file.as_mut() {
                f.append(&r.rows)?;
            }
        }
        next = end;
        progress(runs_done, total_runs);
        let abort = opts.abort_after_chunks.is_some_and(|a| next >= a);
        if abort || last_ckpt.elapsed().as_secs_f64() > 2.0 {
            if let Some(f) = runs_file.as_mut() {
                f.sync()?;
                runs_bytes = f.len;
            }
            let c = Checkpoint {
                scenario_hash: hash.clone(),
                seed: s.seed,
                shard: opts.shard,
                next_chunk: next,
                runs_bytes,
                runs_done,
                aggs: &aggs,
            };
            output::write_json_atomic(&ckpt_path, &c, false)?;
            last_ckpt = Instant::now();
        }
        if abort && next < mine_len {
            // Simulate a crash: no cleanup, no final files.
            std::process::abort();
        }
    }
    for a in &aggs {
        if let Some(j) = a.outcomes.iter().position(ExactAcc::overflowed) {
            return Err(ExperimentError::Overflow(OUTCOME_METRICS[j]));
        }
        if let Some(k) = a.traj.iter().position(ExactAcc::overflowed) {
            return Err(ExperimentError::Overflow(TRAJECTORY_METRICS[k % NT]));
        }
    }

    // Final files: each written under a temporary name and renamed when complete.
    let mut files = Vec::new();
    if let Some(f) = runs_file.take() {
        let path = dir.join("runs.csv");
        f.finish(&path)?;
        files.push(path);
    }
    files.extend(write_aggregate_files(s, &aggs, dir)?);
    if n > 1 {
        let st = ShardState {
            source: s.source.clone(),
            file: s.file.clone(),
            overrides: s.overrides,
            scenario_hash: hash.clone(),
            seed: s.seed,
            shard: opts.shard,
            runs: runs_done,
            aggs: aggs.clone(),
        };
        let p = dir.join("shard.json");
        output::write_json_atomic(&p, &st, true)?;
        files.push(p);
    }
    let wall = started.elapsed().as_secs_f64();
    let manifest = output::Manifest::new(
        s,
        &hash,
        opts.threads,
        opts.shard,
        started_at,
        runs_done,
        wall,
        resumed,
        &files,
    );
    output::write_json_atomic(&manifest_path, &manifest, true)?;
    files.push(manifest_path);
    if ckpt_path.exists() {
        std::fs::remove_file(&ckpt_path).map_err(io_err(&ckpt_path))?;
    }
    Ok(RunReport {
        runs: runs_done,
        wall_seconds: wall,
        resumed,
        files,
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
        let st: ShardState = serde_json::from_str(&text).map_err(|e| ExperimentError::Format {
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
    let (s, _) =
        crate::scenario::parse(&first.source, &first.file, first.overrides).map_err(|e| {
            ExperimentError::Format {
                path: first_dir.join("shard.json"),
                message: e.to_string(),
            }
        })?;
    if s.hash() != first.scenario_hash {
        return Err(ExperimentError::Mismatch(
            "the stored scenario no longer resolves to the shards' hash (different dyadsim version?)".into(),
        ));
    }
    std::fs::create_dir_all(out).map_err(io_err(out))?;
    let manifest_path = out.join("manifest.json");
    if manifest_path.exists() {
        std::fs::remove_file(&manifest_path).map_err(io_err(&manifest_path))?;
    }
    let mut files = Vec::new();
    if s.output.runs {
        let path = out.join("runs.csv");
        let mut f = AtomicFile::create(&path)?;
        for (i, (d, _)) in states.iter().enumerate() {
            let p = d.join("runs.csv");
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
    let manifest =
        output::Manifest::new(&s, &hash, 0, (1, 1), started_at, runs, wall, false, &files);
    output::write_json_atomic(&manifest_path, &manifest, true)?;
    files.push(manifest_path);
    Ok(RunReport {
        runs,
        wall_seconds: wall,
        resumed: false,
        files,
    })
}

/// Write `points.csv`, `timeseries.csv` and `summary.csv` from aggregates.
pub fn write_aggregate_files(
    s: &Scenario,
    aggs: &[PointAgg],
    dir: &Path,
) -> Result<Vec<PathBuf>, ExperimentError> {
    let mut files = Vec::new();
    // points.csv
    let path = dir.join("points.csv");
    let mut f = AtomicFile::create(&path)?;
    let mut header = vec!["point".to_string()];
    header.extend(s.factors.iter().map(|f| f.path.clone()));
    f.csv_row(&header)?;
    for (i, p) in s.points.iter().enumerate() {
        let mut row = vec![i.to_string()];
        row.extend(p.values.iter().map(|v| output::num(*v)));
        f.csv_row(&row)?;
    }
    f.commit()?;
    files.push(path);
    // timeseries.csv
    if s.output.timeseries {
        let path = dir.join("timeseries.csv");
        let mut f = AtomicFile::create(&path)?;
        f.csv_row(&[
            "point", "month", "metric", "mean", "sd", "ci_lo", "ci_hi", "n",
        ])?;
        for (i, a) in aggs.iter().enumerate() {
            for m in 0..a.months() {
                for (j, name) in TRAJECTORY_METRICS.iter().enumerate() {
                    let acc = &a.traj[m * NT + j];
                    f.stat_row(i, Some(m + 1), name, acc)?;
                }
                let total: u64 = a.phases[m].iter().sum();
                for (ph, name) in [
                    "phase_preparation",
                    "phase_execution",
                    "phase_integration",
                    "phase_dissolved",
                ]
                .iter()
                .enumerate()
                {
                    f.share_row(i, m + 1, name, a.phases[m][ph], total)?;
                }
            }
        }
        f.commit()?;
        files.push(path);
    }
    // summary.csv
    let path = dir.join("summary.csv");
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&["point", "outcome", "mean", "sd", "ci_lo", "ci_hi", "n"])?;
    for (i, a) in aggs.iter().enumerate() {
        for (j, name) in OUTCOME_METRICS.iter().enumerate() {
            f.stat_row(i, None, name, &a.outcomes[j])?;
        }
    }
    f.commit()?;
    files.push(path);
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_acc_is_order_free_and_matches_two_pass() {
        let xs: Vec<f64> = (0..1000)
            .map(|i| ((i * 7919) % 1000) as f64 / 37.0 - 5.0)
            .collect();
        let mut a = ExactAcc::default();
        for x in &xs {
            a.push(*x);
        }
        let mut b = ExactAcc::default();
        for x in xs.iter().rev() {
            b.push(*x);
        }
        assert_eq!(a, b);
        let (mut c, mut d) = (ExactAcc::default(), ExactAcc::default());
        for x in &xs[..300] {
            c.push(*x);
        }
        for x in &xs[300..] {
            d.push(*x);
        }
        d.merge(&c);
        assert_eq!(a, d);
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        assert!((a.mean() - mean).abs() < 1e-9);
        assert!((a.sd() - var.sqrt()).abs() < 1e-6);
        let (lo, hi) = a.ci95();
        assert!(lo < mean && mean < hi);
    }

    #[test]
    fn exact_acc_skips_nan_and_flags_huge() {
        let mut a = ExactAcc::default();
        a.push(f64::NAN);
        a.push(1.0);
        assert_eq!(a.n, 1);
        a.push(1e13);
        assert!(a.mean().is_nan());
    }

    #[test]
    fn a_constant_has_its_exact_mean_and_zero_sd() {
        let mut a = ExactAcc::default();
        let mut g = GroupSums::default();
        for _ in 0..250 {
            g.push(0.42);
        }
        a.add(&g);
        a.push(0.42);
        assert_eq!(a.mean(), 0.42);
        assert_eq!(a.sd(), 0.0);
        assert_eq!(a.ci95(), (0.42, 0.42));
    }

    #[test]
    fn small_spreads_keep_their_sd() {
        // Values near 1.9 with SD about 0.0018: the fixed-point sums must not blur it.
        let xs: Vec<f64> = (0..1000)
            .map(|i| 1.9 + 0.003 * (((i * 37) % 100) as f64 / 100.0 - 0.5))
            .collect();
        let mut a = ExactAcc::default();
        for chunk in xs.chunks(250) {
            let mut g = GroupSums::default();
            for x in chunk {
                g.push(*x);
            }
            a.add(&g);
        }
        let n = xs.len() as f64;
        let mean = xs.iter().sum::<f64>() / n;
        let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
        assert!((a.sd() / sd - 1.0).abs() < 1e-6, "{} vs {sd}", a.sd());
    }

    #[test]
    fn fast_and_wide_paths_agree() {
        // Values on both sides of the fast-path bound aggregate consistently.
        let xs = [1.5, -2.25, 3.0e6, -4.0e6, 0.1, 2.0e6];
        let mut a = ExactAcc::default();
        for x in xs {
            a.push(x);
        }
        let mean = xs.iter().sum::<f64>() / xs.len() as f64;
        assert!((a.mean() - mean).abs() < 1e-5, "{} vs {mean}", a.mean());
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (xs.len() - 1) as f64;
        assert!((a.sd() / var.sqrt() - 1.0).abs() < 1e-9);
    }
}
