//! Parquet twins of the output tables: `runs.parquet`, `points.parquet`,
//! `timeseries.parquet` and `summary.parquet`, with the same columns as the CSV files,
//! typed, and each column's unit and meaning as Arrow field metadata (keys `unit` and
//! `meaning`, from [`super::columns`]).
//!
//! Determinism: the same rows give the same bytes. Every row group holds exactly
//! [`ROW_GROUP_ROWS`] rows (the last one the rest) and is encoded from one array per
//! column in a single write, whatever the thread count, the shard split or the resume
//! point; compression, encodings and statistics are fixed here; the file carries no time
//! and `created_by` names only the parquet library's version. Each column chunk is encoded
//! on its own, in parallel on the current rayon pool, so the thread count cannot change a
//! byte.
//!
//! `runs.parquet` is written while the run goes ([`RunsWriter`]): the runner hands over each
//! batch's spill rows (see [`super::spill`]) and every [`ROW_GROUP_ROWS`] of them become a
//! row group, encoded as a job on the run's thread pool beside the simulation and written
//! in order. The half-written file cannot survive a crash, but the spill does: a resumed
//! run encodes the spill's rows again before it goes on.

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::{
    Array, ArrayRef, Float64Array, RecordBatch, StringArray, UInt32Array, UInt64Array,
};
use arrow_schema::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::arrow::ProjectionMask;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::arrow_writer::{
    ArrowColumnChunk, ArrowColumnWriter, ArrowLeafColumn, ArrowRowGroupWriterFactory,
    ArrowWriterOptions, compute_leaves,
};
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::{
    DEFAULT_CREATED_BY, EnabledStatistics, WriterProperties, WriterVersion,
};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::types::ColumnPath;
use rayon::prelude::*;

use super::columns::{self, ColumnDoc};
use super::files::{PERCENTILES, PHASE_SHARES, ReadError, STATS, Table};
use super::spill::{self, ROW_BYTES, SpillRow};
use super::{AtomicFile, OutputError, io_err, num};
use crate::model::params::ParamSpec;
use crate::model::{OUTCOME_METRICS, TRAJECTORY_METRICS};
use crate::scenario::Scenario;

/// Rows per row group (the last row group of a file holds the rest).
pub const ROW_GROUP_ROWS: usize = 32_768;

fn format_err(path: &Path, e: impl std::fmt::Display) -> OutputError {
    OutputError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

mod schema;
pub use schema::*;

// ---------------------------------------------------------------------------------------
// Writer

/// A Parquet file written under `<name>.partial`, in row groups of exactly
/// [`ROW_GROUP_ROWS`] rows, and renamed when finished.
struct TableWriter {
    path: PathBuf,
    schema: SchemaRef,
    writer: SerializedFileWriter<AtomicFile>,
    factory: ArrowRowGroupWriterFactory,
    pending: Vec<RecordBatch>,
    pending_rows: usize,
    groups: usize,
    /// Rows per row group: [`ROW_GROUP_ROWS`] (smaller in tests).
    group_rows: usize,
}

impl TableWriter {
    fn create(path: &Path, schema: SchemaRef) -> Result<TableWriter, OutputError> {
        Self::with_group_rows(path, schema, ROW_GROUP_ROWS)
    }

    fn with_group_rows(
        path: &Path,
        schema: SchemaRef,
        group_rows: usize,
    ) -> Result<TableWriter, OutputError> {
        let file = AtomicFile::create(path)?;
        let options = ArrowWriterOptions::new().with_properties(properties(&schema));
        let (writer, factory) =
            ArrowWriter::try_new_with_options(file, Arc::clone(&schema), options)
                .and_then(ArrowWriter::into_serialized_writer)
                .map_err(|e| format_err(path, e))?;
        Ok(TableWriter {
            path: path.to_path_buf(),
            schema,
            writer,
            factory,
            pending: Vec::new(),
            pending_rows: 0,
            groups: 0,
            group_rows,
        })
    }

    /// Add rows; every [`ROW_GROUP_ROWS`] rows make a row group, however the rows come in.
    fn push(&mut self, batch: RecordBatch) -> Result<(), OutputError> {
        let g = self.group_rows;
        if batch.num_rows() == 0 {
            return Ok(());
        }
        if self.pending.is_empty() && batch.num_rows() == g {
            return self.write_group(&batch);
        }
        self.pending_rows += batch.num_rows();
        self.pending.push(batch);
        while self.pending_rows >= g {
            let all = self.take_pending()?;
            self.write_group(&all.slice(0, g))?;
            let rest = all.num_rows() - g;
            if rest > 0 {
                self.pending_rows = rest;
                self.pending.push(all.slice(g, rest));
            }
        }
        Ok(())
    }

    /// The pending rows as one batch (a fresh copy when they came in several).
    fn take_pending(&mut self) -> Result<RecordBatch, OutputError> {
        let batches = std::mem::take(&mut self.pending);
        self.pending_rows = 0;
        if batches.len() == 1 {
            return Ok(batches
                .into_iter()
                .next()
                .unwrap_or_else(|| RecordBatch::new_empty(Arc::clone(&self.schema))));
        }
        arrow_select::concat::concat_batches(&self.schema, &batches)
            .map_err(|e| format_err(&self.path, e))
    }

    /// Encode `batch` as one row group and write it.
    fn write_group(&mut self, batch: &RecordBatch) -> Result<(), OutputError> {
        let writers = self.next_writers()?;
        let chunks =
            encode_group(&self.schema, batch, writers).map_err(|e| format_err(&self.path, e))?;
        self.append_group(chunks)
    }

    /// The column writers of the next row group.
    fn next_writers(&mut self) -> Result<Vec<ArrowColumnWriter>, OutputError> {
        let writers = self
            .factory
            .create_column_writers(self.groups)
            .map_err(|e| format_err(&self.path, e))?;
        self.groups += 1;
        Ok(writers)
    }

    /// Write an encoded row group (the next in order).
    fn append_group(&mut self, chunks: Vec<ArrowColumnChunk>) -> Result<(), OutputError> {
        let path = self.path.clone();
        let err = |e: parquet::errors::ParquetError| format_err(&path, e);
        let mut rg = self.writer.next_row_group().map_err(err)?;
        for c in chunks {
            c.append_to_row_group(&mut rg).map_err(err)?;
        }
        rg.close().map_err(err)?;
        Ok(())
    }

    /// Write the last row group and the footer, and rename the file into place.
    fn finish(mut self) -> Result<PathBuf, OutputError> {
        if self.pending_rows > 0 {
            let rest = self.take_pending()?;
            self.write_group(&rest)?;
        }
        let path = self.path.clone();
        let file = self.writer.into_inner().map_err(|e| format_err(&path, e))?;
        file.commit()?;
        Ok(path)
    }
}

/// Encode the columns of `batch` with the row group's column `writers`, in parallel on the
/// current rayon pool. Each column chunk is encoded on its own, so the result does not
/// depend on the thread count.
fn encode_group(
    schema: &SchemaRef,
    batch: &RecordBatch,
    writers: Vec<ArrowColumnWriter>,
) -> Result<Vec<ArrowColumnChunk>, ParquetError> {
    let mut leaves = Vec::with_capacity(writers.len());
    for (f, a) in schema.fields().iter().zip(batch.columns()) {
        leaves.extend(compute_leaves(f, a)?);
    }
    let encode = |(mut w, leaf): (ArrowColumnWriter, ArrowLeafColumn)| {
        w.write(&leaf)?;
        w.close()
    };
    writers
        .into_par_iter()
        .zip(leaves.into_par_iter())
        .map(encode)
        .collect()
}

/// Floats as Parquet holds them: non-finite values (`NA` in the CSV files) as nulls, and
/// −0 as 0 (the CSV files write both as `0`).
fn f64_array(mut values: Vec<f64>) -> ArrayRef {
    let mut all_finite = true;
    for x in &mut values {
        // Adding 0 turns −0 into 0 and leaves every other number as it is.
        *x += 0.0;
        all_finite &= x.is_finite();
    }
    if all_finite {
        return Arc::new(Float64Array::from(values));
    }
    Arc::new(
        values
            .into_iter()
            .map(|x| x.is_finite().then_some(x))
            .collect::<Float64Array>(),
    )
}

/// Column buffers of a table built row by row.
enum Buf {
    U32(Vec<u32>),
    U64(Vec<u64>),
    F64(Vec<f64>),
    Str(Vec<&'static str>),
}

/// Rows of a table built one cell at a time, in column order, flushed to a
/// [`TableWriter`] every [`ROW_GROUP_ROWS`] rows.
struct Rows {
    schema: SchemaRef,
    bufs: Vec<Buf>,
    col: usize,
    rows: usize,
}

impl Rows {
    fn new(schema: SchemaRef) -> Rows {
        let bufs = schema
            .fields()
            .iter()
            .map(|f| match f.data_type() {
                DataType::UInt32 => Buf::U32(Vec::new()),
                DataType::UInt64 => Buf::U64(Vec::new()),
                DataType::Utf8 => Buf::Str(Vec::new()),
                _ => Buf::F64(Vec::new()),
            })
            .collect();
        Rows {
            schema,
            bufs,
            col: 0,
            rows: 0,
        }
    }
    fn next(&mut self) -> &mut Buf {
        let i = self.col;
        self.col += 1;
        &mut self.bufs[i]
    }
    fn u32(&mut self, v: u32) {
        if let Buf::U32(b) = self.next() {
            b.push(v);
        }
    }
    fn u64(&mut self, v: u64) {
        if let Buf::U64(b) = self.next() {
            b.push(v);
        }
    }
    fn f64(&mut self, v: f64) {
        if let Buf::F64(b) = self.next() {
            b.push(v);
        }
    }
    fn str(&mut self, v: &'static str) {
        if let Buf::Str(b) = self.next() {
            b.push(v);
        }
    }
    /// End a row; hand a full row group to `w`.
    fn end_row(&mut self, w: &mut TableWriter) -> Result<(), OutputError> {
        self.col = 0;
        self.rows += 1;
        if self.rows == ROW_GROUP_ROWS {
            self.flush(w)?;
        }
        Ok(())
    }
    fn flush(&mut self, w: &mut TableWriter) -> Result<(), OutputError> {
        if self.rows == 0 {
            return Ok(());
        }
        let arrays: Vec<ArrayRef> = self
            .bufs
            .iter_mut()
            .map(|b| -> ArrayRef {
                match b {
                    Buf::U32(v) => Arc::new(UInt32Array::from(std::mem::take(v))),
                    Buf::U64(v) => Arc::new(UInt64Array::from(std::mem::take(v))),
                    Buf::F64(v) => f64_array(std::mem::take(v)),
                    Buf::Str(v) => Arc::new(StringArray::from(std::mem::take(v))),
                }
            })
            .collect();
        self.rows = 0;
        let batch = RecordBatch::try_new(Arc::clone(&self.schema), arrays)
            .map_err(|e| format_err(&w.path, e))?;
        w.push(batch)
    }
    fn finish(mut self, mut w: TableWriter) -> Result<PathBuf, OutputError> {
        self.flush(&mut w)?;
        w.finish()
    }
}

/// Write `out`, the Parquet twin of the aggregate table `t`, from its CSV text `csv` (as
/// [`Tables`](super::files::Tables) writes it): the same rows, typed. Every number reads
/// back to the float it was written from (the CSV files hold shortest round-trip
/// decimals) and `NA` becomes null, so the rows are those the aggregates give, and the
/// file is read and written in a single streaming pass.
pub fn table_from_csv(
    s: &Scenario,
    t: Table,
    csv: &Path,
    out: &Path,
) -> Result<PathBuf, OutputError> {
    let schema = match t {
        Table::Points => points_schema(s),
        Table::Timeseries => timeseries_schema(s),
        Table::Summary => summary_schema(s),
    };
    let types: Vec<DataType> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().clone())
        .collect();
    let f = File::open(csv).map_err(io_err(csv))?;
    let mut rdr = ::csv::ReaderBuilder::new().from_reader(BufReader::with_capacity(1 << 16, f));
    let mut w = TableWriter::create(out, Arc::clone(&schema))?;
    let mut r = Rows::new(schema);
    let mut rec = ::csv::ByteRecord::new();
    let mut line = 1u64;
    let names = || {
        TRAJECTORY_METRICS
            .iter()
            .chain(PHASE_SHARES.iter())
            .chain(OUTCOME_METRICS.iter())
    };
    loop {
        let more = rdr
            .read_byte_record(&mut rec)
            .map_err(|e| format_err(csv, e))?;
        if !more {
            break;
        }
        line += 1;
        let bad = |m: &str| format_err(csv, format!("line {line}: {m}"));
        if rec.len() != types.len() {
            return Err(bad("wrong number of columns"));
        }
        for (cell, dt) in rec.iter().zip(&types) {
            let text = std::str::from_utf8(cell).map_err(|_| bad("not UTF-8"))?;
            match dt {
                DataType::UInt32 => r.u32(text.parse().map_err(|_| bad(text))?),
                DataType::UInt64 => r.u64(text.parse().map_err(|_| bad(text))?),
                DataType::Utf8 => r.str(names().find(|n| **n == text).ok_or_else(|| bad(text))?),
                _ if text == "NA" => r.f64(f64::NAN),
                _ => r.f64(text.parse().map_err(|_| bad(text))?),
            }
        }
        r.end_row(&mut w)?;
    }
    r.finish(w)
}

/// The arrays of `runs.parquet` for spill rows `bytes` (whole rows), read in one pass.
fn runs_batch(s: &Scenario, schema: &SchemaRef, bytes: &[u8]) -> Result<RecordBatch, String> {
    let n = bytes.len() / ROW_BYTES;
    let nf = s.factors.len();
    let n_out = OUTCOME_METRICS.len();
    let mut point = Vec::with_capacity(n);
    let mut rep = Vec::with_capacity(n);
    let mut seed = Vec::with_capacity(n);
    let mut factors = vec![Vec::with_capacity(n); nf];
    let mut metrics = vec![Vec::with_capacity(n); n_out];
    let mut text: [Vec<Option<&str>>; 9] = std::array::from_fn(|_| Vec::with_capacity(n));
    // The drawn parameters are not in the spill: they follow from the run's seed (at a
    // point where a parameter is fixed, its column holds the fixed value).
    let drawn_params: Vec<&ParamSpec> = s.drawn_params().collect();
    let mut drawn = vec![Vec::with_capacity(n); drawn_params.len()];
    // Rows come in point order: each point is built once.
    let mut cur: Option<(u32, crate::scenario::DesignPoint)> = None;
    for r in bytes.chunks_exact(ROW_BYTES).map(SpillRow) {
        let p = r.point();
        if cur.as_ref().is_none_or(|c| c.0 != p) {
            let Some(dp) = s.points.get(p as usize) else {
                return Err(format!(
                    "the spill names design point {p} of {}",
                    s.points.len()
                ));
            };
            cur = Some((p, dp));
        }
        let Some((_, dp)) = cur.as_ref() else {
            continue;
        };
        point.push(p);
        rep.push(r.replication());
        seed.push(r.seed());
        for (col, v) in factors.iter_mut().zip(&dp.values) {
            col.push(*v);
        }
        for (j, col) in metrics.iter_mut().enumerate() {
            col.push(r.metric(j));
        }
        text[0].push(Some(r.final_phase()));
        text[1].push(Some(r.end_reason()));
        text[2].push(Some(r.path()));
        for k in 0..6 {
            text[3 + k].push(r.level(k));
        }
        for (spec, col) in drawn_params.iter().zip(drawn.iter_mut()) {
            let v = dp.population.draw_of(spec, r.seed());
            col.push(v.unwrap_or_else(|| spec.get(&dp.params)));
        }
    }
    let strs = |v: &Vec<Option<&str>>| -> ArrayRef {
        Arc::new(v.iter().copied().collect::<StringArray>())
    };
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(UInt32Array::from(point)),
        Arc::new(UInt64Array::from(rep)),
        Arc::new(UInt64Array::from(seed)),
    ];
    columns.extend(factors.into_iter().map(f64_array));
    columns.extend(text[..3].iter().map(strs));
    columns.extend(metrics.into_iter().map(f64_array));
    columns.extend(text[3..].iter().map(strs));
    columns.extend(drawn.into_iter().map(f64_array));
    RecordBatch::try_new(Arc::clone(schema), columns).map_err(|e| e.to_string())
}

/// Fill `buf` from `r` as far as the input goes; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// Row groups of `runs.parquet` being encoded at once, at most.
const GROUPS_IN_FLIGHT: usize = 2;

/// An encoded row group, when it is ready.
type GroupResult = std::sync::mpsc::Receiver<Result<Vec<ArrowColumnChunk>, ParquetError>>;

/// `runs.parquet` written while the run goes: spill rows in, in run order. Every
/// [`ROW_GROUP_ROWS`] rows make a row group, encoded as a job on the run's thread pool
/// (its columns in parallel) while the caller goes on; encoded row groups are written in
/// order.
pub struct RunsWriter<'a> {
    s: &'a Scenario,
    schema: SchemaRef,
    w: TableWriter,
    /// Spill rows not yet in a row group (fewer than [`ROW_GROUP_ROWS`]).
    pending: Vec<u8>,
    /// Row groups being encoded, in order.
    in_flight: std::collections::VecDeque<GroupResult>,
}

impl<'a> RunsWriter<'a> {
    /// Start `out` (written as `out.partial`, renamed by [`RunsWriter::finish`]).
    pub fn create(s: &'a Scenario, out: &Path) -> Result<RunsWriter<'a>, OutputError> {
        let schema = runs_schema(s);
        let w = TableWriter::create(out, Arc::clone(&schema))?;
        Ok(RunsWriter {
            s,
            schema,
            w,
            pending: Vec::new(),
            in_flight: std::collections::VecDeque::new(),
        })
    }

    /// Add spill rows (whole rows, in run order); full row groups are encoded on `pool`.
    pub fn push(&mut self, rows: &[u8], pool: &rayon::ThreadPool) -> Result<(), OutputError> {
        let group = ROW_GROUP_ROWS * ROW_BYTES;
        let mut rows = rows;
        while !rows.is_empty() {
            if self.pending.is_empty() && rows.len() >= group {
                // A whole row group straight from the input.
                self.encode(&rows[..group], pool)?;
                rows = &rows[group..];
                continue;
            }
            // Fill the pending rows up to a row group; the buffer keeps its capacity.
            let take = (group - self.pending.len()).min(rows.len());
            if self.pending.capacity() < group {
                self.pending.reserve_exact(group - self.pending.len());
            }
            self.pending.extend_from_slice(&rows[..take]);
            rows = &rows[take..];
            if self.pending.len() == group {
                let pending = std::mem::take(&mut self.pending);
                self.encode(&pending, pool)?;
                self.pending = pending;
                self.pending.clear();
            }
        }
        self.write_ready(false)
    }

    /// Add the rows of the spill file `spill` up to byte `len` (a resumed run's rows).
    pub fn push_spill(
        &mut self,
        spill_path: &Path,
        len: u64,
        pool: &rayon::ThreadPool,
    ) -> Result<(), OutputError> {
        let f = File::open(spill_path).map_err(io_err(spill_path))?;
        let mut r = BufReader::with_capacity(1 << 16, f.take(len));
        let header = spill::header();
        let mut got = vec![0u8; header.len()];
        let n = read_full(&mut r, &mut got).map_err(io_err(spill_path))?;
        if n != header.len() || got != header {
            return Err(format_err(
                spill_path,
                "not a spill file of this dyadsim version; run without --resume",
            ));
        }
        let mut buf = vec![0u8; 4096 * ROW_BYTES];
        loop {
            let n = read_full(&mut r, &mut buf).map_err(io_err(spill_path))?;
            if !n.is_multiple_of(ROW_BYTES) {
                return Err(format_err(spill_path, "ends inside a row"));
            }
            self.push(&buf[..n], pool)?;
            if n < buf.len() {
                return Ok(());
            }
        }
    }

    /// Start encoding `rows` as the next row group on `pool`, first writing (or waiting
    /// for) the oldest row group when too many are in flight.
    fn encode(&mut self, rows: &[u8], pool: &rayon::ThreadPool) -> Result<(), OutputError> {
        while self.in_flight.len() >= GROUPS_IN_FLIGHT {
            self.write_oldest()?;
        }
        let batch =
            runs_batch(self.s, &self.schema, rows).map_err(|e| format_err(&self.w.path, e))?;
        let writers = self.w.next_writers()?;
        let schema = Arc::clone(&self.schema);
        let (tx, rx) = std::sync::mpsc::channel();
        pool.spawn(move || {
            let _ = tx.send(encode_group(&schema, &batch, writers));
        });
        self.in_flight.push_back(rx);
        Ok(())
    }

    /// Write the oldest row group in flight, waiting for it.
    fn write_oldest(&mut self) -> Result<(), OutputError> {
        let Some(rx) = self.in_flight.pop_front() else {
            return Ok(());
        };
        let path = self.w.path.clone();
        let chunks = rx
            .recv()
            .map_err(|_| format_err(&path, "a row group was not encoded"))?
            .map_err(|e| format_err(&path, e))?;
        self.w.append_group(chunks)
    }

    /// Write the row groups that are ready, in order (all of them, waiting, with `all`).
    fn write_ready(&mut self, all: bool) -> Result<(), OutputError> {
        while let Some(rx) = self.in_flight.front() {
            if !all {
                match rx.try_recv() {
                    Ok(r) => {
                        self.in_flight.pop_front();
                        let path = self.w.path.clone();
                        let chunks = r.map_err(|e| format_err(&path, e))?;
                        self.w.append_group(chunks)?;
                        continue;
                    }
                    Err(std::sync::mpsc::TryRecvError::Empty) => return Ok(()),
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => {}
                }
            }
            self.write_oldest()?;
        }
        Ok(())
    }

    /// Encode the last rows, write the footer and rename the file into place.
    pub fn finish(mut self, pool: &rayon::ThreadPool) -> Result<PathBuf, OutputError> {
        let pending = std::mem::take(&mut self.pending);
        if !pending.is_empty() {
            self.encode(&pending, pool)?;
        }
        self.write_ready(true)?;
        self.w.finish()
    }
}

/// Write `runs.parquet` (`out`) from the `runs.parquet` files of shards, in shard order:
/// the same bytes as the unsharded run's file.
pub fn merge_runs(s: &Scenario, inputs: &[PathBuf], out: &Path) -> Result<PathBuf, OutputError> {
    let schema = runs_schema(s);
    let mut w = TableWriter::create(out, Arc::clone(&schema))?;
    for p in inputs {
        let f = File::open(p).map_err(io_err(p))?;
        let reader = ParquetRecordBatchReaderBuilder::try_new(f)
            .and_then(|b| b.with_batch_size(ROW_GROUP_ROWS).build())
            .map_err(|e| format_err(p, e))?;
        for batch in reader {
            let batch = batch.map_err(|e| format_err(p, e))?;
            let batch = RecordBatch::try_new(Arc::clone(&schema), batch.columns().to_vec())
                .map_err(|e| format_err(p, format!("not a runs table of this scenario: {e}")))?;
            w.push(batch)?;
        }
    }
    w.finish()
}

mod read;
pub use read::*;

#[cfg(test)]
mod tests {
    use super::*;

    fn schema() -> SchemaRef {
        Arc::new(Schema::new(vec![
            field("point", DataType::UInt32, false, None),
            field("x", DataType::Float64, true, None),
            field("level", DataType::Utf8, true, None),
        ]))
    }

    fn batch(schema: &SchemaRef, rows: std::ops::Range<u32>) -> RecordBatch {
        let p: UInt32Array = rows.clone().collect();
        let x = f64_array(
            rows.clone()
                .map(|i| {
                    if i.is_multiple_of(17) {
                        f64::NAN
                    } else {
                        f64::from(i) / 7.0
                    }
                })
                .collect(),
        );
        let l: StringArray = rows
            .map(|i| ["L", "M", "H"].get((i % 4) as usize).copied())
            .collect();
        RecordBatch::try_new(Arc::clone(schema), vec![Arc::new(p), x, Arc::new(l)]).unwrap()
    }

    /// Write rows 0..n, handed over in pieces cut at `cuts`, with row groups of 128 rows.
    fn write(dir: &Path, name: &str, n: u32, cuts: &[u32]) -> Vec<u8> {
        let schema = schema();
        let path = dir.join(name);
        let mut w = TableWriter::with_group_rows(&path, Arc::clone(&schema), 128).unwrap();
        let mut start = 0;
        for &c in cuts.iter().chain(std::iter::once(&n)) {
            w.push(batch(&schema, start..c)).unwrap();
            start = c;
        }
        w.finish().unwrap();
        std::fs::read(path).unwrap()
    }

    #[test]
    fn bytes_do_not_depend_on_how_rows_arrive() {
        let tmp = tempfile::tempdir().unwrap();
        let whole = write(tmp.path(), "a.parquet", 1000, &[]);
        let pieces = write(tmp.path(), "b.parquet", 1000, &[1, 7, 128, 300, 301, 999]);
        let groups = write(tmp.path(), "c.parquet", 1000, &[128, 256, 384, 512]);
        assert!(whole == pieces, "pieces give other bytes");
        assert!(whole == groups, "row groups give other bytes");
        let meta = ParquetRecordBatchReaderBuilder::try_new(
            File::open(tmp.path().join("a.parquet")).unwrap(),
        )
        .unwrap()
        .metadata()
        .clone();
        let rows: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
        assert_eq!(rows, [128, 128, 128, 128, 128, 128, 128, 104]);
    }

    #[test]
    fn values_read_back_as_the_csv_writes_them() {
        let tmp = tempfile::tempdir().unwrap();
        write(tmp.path(), "a.parquet", 300, &[100]);
        let file = tmp.path().join("a.parquet");
        assert_eq!(column_names(&file).unwrap(), ["point", "x", "level"]);
        let mut seen = 0;
        for_each_record(&file, &[true, true, false], |row, rec| {
            let i = row as u32 - 1;
            assert_eq!(&rec[0], i.to_string());
            let x = if i.is_multiple_of(17) {
                "NA".to_string()
            } else {
                num(f64::from(i) / 7.0)
            };
            assert_eq!(&rec[1], x);
            assert_eq!(&rec[2], "");
            seen += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, 300);
    }

    #[test]
    fn negative_zero_is_zero_and_non_finite_is_null() {
        let a = f64_array(vec![-0.0, 1.5, f64::INFINITY, f64::NAN]);
        let a = a.as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(a.value(0).to_bits(), 0.0f64.to_bits());
        assert_eq!(a.value(1), 1.5);
        assert!(a.is_null(2) && a.is_null(3));
        let b = f64_array(vec![-0.0]);
        let b = b.as_any().downcast_ref::<Float64Array>().unwrap();
        assert_eq!(b.value(0).to_bits(), 0.0f64.to_bits());
        assert_eq!(b.null_count(), 0);
    }
}
