//! Output: atomic files, CSV formatting, the manifest, and the month-by-month trace.
//!
//! Every file is written under a temporary name (`<name>.partial`) and renamed into place
//! only when complete, so a crash leaves complete files or none.

pub mod trace;

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::experiment::{ExactAcc, ExperimentError, io_err};
use crate::scenario::Scenario;

/// Format a number for CSV: the shortest decimal that reads back to the same float
/// (scientific notation below 1e-4 or from 1e16 in magnitude); `NA` for NaN or infinity.
pub fn num(x: f64) -> String {
    if !x.is_finite() {
        return "NA".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let a = x.abs();
    if !(1e-4..1e16).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// Four significant digits, for tables people read (`NA` for NaN or infinity).
pub fn sig(x: f64) -> String {
    if !x.is_finite() {
        return num(x);
    }
    if x == 0.0 {
        return "0".into();
    }
    let digits = (3 - x.abs().log10().floor() as i32).clamp(0, 8) as usize;
    format!("{x:.digits$}")
}

fn partial_name(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

/// A file written under `<path>.partial` and renamed to `path` by [`AtomicFile::commit`].
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    w: BufWriter<File>,
}

impl AtomicFile {
    /// Start writing `path`.
    pub fn create(path: &Path) -> Result<Self, ExperimentError> {
        let tmp = partial_name(path);
        let f = File::create(&tmp).map_err(io_err(&tmp))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            w: BufWriter::new(f),
        })
    }
    /// Write raw bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), ExperimentError> {
        self.w.write_all(bytes).map_err(io_err(&self.tmp))
    }
    /// Write one CSV record.
    pub fn csv_row<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<(), ExperimentError> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let _ = w.write_record(fields.iter().map(|s| s.as_ref()));
        let bytes = w.into_inner().unwrap_or_default();
        self.write(&bytes)
    }
    /// Write `point,[month,]metric,mean,sd,ci_lo,ci_hi,n`.
    pub fn stat_row(
        &mut self,
        point: usize,
        month: Option<usize>,
        name: &str,
        a: &ExactAcc,
    ) -> Result<(), ExperimentError> {
        let (lo, hi) = a.ci95();
        let mut row = vec![point.to_string()];
        if let Some(m) = month {
            row.push(m.to_string());
        }
        row.extend([
            name.to_string(),
            num(a.mean()),
            num(a.sd()),
            num(lo),
            num(hi),
            a.n.to_string(),
        ]);
        self.csv_row(&row)
    }
    /// Write a share row (`count` of `total` runs) with a Wilson 95% interval.
    pub fn share_row(
        &mut self,
        point: usize,
        month: usize,
        name: &str,
        count: u64,
        total: u64,
    ) -> Result<(), ExperimentError> {
        let (mean, sd, lo, hi) = share_stats(count, total);
        self.csv_row(&[
            point.to_string(),
            month.to_string(),
            name.to_string(),
            num(mean),
            num(sd),
            num(lo),
            num(hi),
            total.to_string(),
        ])
    }
    /// Flush, sync and rename into place.
    pub fn commit(self) -> Result<(), ExperimentError> {
        let AtomicFile { path, tmp, w } = self;
        let f = w.into_inner().map_err(|e| ExperimentError::Io {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
        f.sync_all().map_err(io_err(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io_err(&path))
    }
}

/// Mean, SD and Wilson 95% interval of a share.
pub fn share_stats(count: u64, total: u64) -> (f64, f64, f64, f64) {
    if total == 0 {
        return (f64::NAN, f64::NAN, f64::NAN, f64::NAN);
    }
    let n = total as f64;
    let p = count as f64 / n;
    let sd = if total > 1 {
        (p * (1.0 - p) * n / (n - 1.0)).sqrt()
    } else {
        f64::NAN
    };
    let z = 1.959_963_984_540_054_f64;
    let denom = 1.0 + z * z / n;
    let centre = (p + z * z / (2.0 * n)) / denom;
    let half = z * (p * (1.0 - p) / n + z * z / (4.0 * n * n)).sqrt() / denom;
    (p, sd, (centre - half).max(0.0), (centre + half).min(1.0))
}

/// The growing `runs.csv.partial` of a running experiment.
pub struct PartialRuns {
    path: PathBuf,
    w: BufWriter<File>,
    /// Bytes written so far.
    pub len: u64,
}

/// Open `runs.csv.partial`: fresh with a header, or truncated to `resume_len` bytes.
pub fn open_partial_runs(
    path: &Path,
    header: &[String],
    resume_len: Option<u64>,
) -> Result<PartialRuns, ExperimentError> {
    match resume_len {
        Some(len) => {
            let mut f = OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .map_err(io_err(path))?;
            let actual = f.metadata().map_err(io_err(path))?.len();
            if actual < len {
                return Err(ExperimentError::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "holds {actual} bytes but the checkpoint recorded {len}; run without --resume"
                    ),
                });
            }
            f.set_len(len).map_err(io_err(path))?;
            f.seek(SeekFrom::End(0)).map_err(io_err(path))?;
            Ok(PartialRuns {
                path: path.to_path_buf(),
                w: BufWriter::new(f),
                len,
            })
        }
        None => {
            let f = File::create(path).map_err(io_err(path))?;
            let mut p = PartialRuns {
                path: path.to_path_buf(),
                w: BufWriter::with_capacity(1 << 20, f),
                len: 0,
            };
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            let _ = w.write_record(header);
            p.append(&w.into_inner().unwrap_or_default())?;
            Ok(p)
        }
    }
}

impl PartialRuns {
    /// Append rows.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), ExperimentError> {
        self.w.write_all(bytes).map_err(io_err(&self.path))?;
        self.len += bytes.len() as u64;
        Ok(())
    }
    /// Flush to disk (before a checkpoint records the length).
    pub fn sync(&mut self) -> Result<(), ExperimentError> {
        self.w.flush().map_err(io_err(&self.path))?;
        self.w.get_ref().sync_data().map_err(io_err(&self.path))
    }
    /// Complete: sync and rename to `final_path`.
    pub fn finish(mut self, final_path: &Path) -> Result<(), ExperimentError> {
        self.sync()?;
        std::fs::rename(&self.path, final_path).map_err(io_err(final_path))
    }
}

/// Write `text` to `path` atomically, creating the parent folder if needed.
pub fn write_text_atomic(path: &Path, text: &str) -> Result<(), ExperimentError> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io_err(parent))?;
    }
    let mut f = AtomicFile::create(path)?;
    f.write(text.as_bytes())?;
    f.commit()
}

/// Write `value` as JSON straight into the file (no in-memory copy), atomically; pretty
/// for files people read (the manifest), compact for machine state (checkpoints).
pub fn write_json_atomic<T: Serialize>(
    path: &Path,
    value: &T,
    pretty: bool,
) -> Result<(), ExperimentError> {
    let mut f = AtomicFile::create(path)?;
    let written = if pretty {
        serde_json::to_writer_pretty(&mut f.w, value)
    } else {
        serde_json::to_writer(&mut f.w, value)
    };
    written.map_err(|e| ExperimentError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    f.write(b"\n")?;
    f.commit()
}

/// The current UTC time as RFC 3339 (seconds).
pub fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil-from-days (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `manifest.json`: what was run, how, and when.
#[derive(Serialize)]
pub struct Manifest<'a> {
    /// dyadsim version.
    pub dyadsim_version: &'static str,
    /// Scenario name.
    pub scenario_name: &'a str,
    /// Hash of the resolved scenario.
    pub scenario_hash: &'a str,
    /// Master seed.
    pub master_seed: u64,
    /// Worker threads.
    pub threads: usize,
    /// Shard as `k/n`.
    pub shard: String,
    /// Start time (UTC).
    pub started: String,
    /// End time (UTC).
    pub finished: String,
    /// Wall time, seconds.
    pub wall_seconds: f64,
    /// Runs aggregated in this output.
    pub runs: u64,
    /// Design points.
    pub points: usize,
    /// Replications per point.
    pub replications: u64,
    /// Whether this execution resumed from a checkpoint.
    pub resumed: bool,
    /// Files of this output (names).
    pub files: Vec<String>,
    /// The resolved scenario.
    pub scenario: &'a Scenario,
}

impl<'a> Manifest<'a> {
    /// Build the manifest.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        s: &'a Scenario,
        hash: &'a str,
        threads: usize,
        shard: (u64, u64),
        started: String,
        runs: u64,
        wall_seconds: f64,
        resumed: bool,
        files: &[PathBuf],
    ) -> Self {
        Manifest {
            dyadsim_version: env!("CARGO_PKG_VERSION"),
            scenario_name: &s.name,
            scenario_hash: hash,
            master_seed: s.seed,
            threads,
            shard: format!("{}/{}", shard.0, shard.1),
            started,
            finished: now_utc(),
            wall_seconds,
            runs,
            points: s.points.len(),
            replications: s.replications,
            resumed,
            files: files
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .chain(std::iter::once("manifest.json".to_string()))
                .collect(),
            scenario: s,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_shortest_round_trip_and_na() {
        assert_eq!(num(0.1), "0.1");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(f64::NAN), "NA");
        assert_eq!(num(1e-7), "1e-7");
        assert_eq!(num(1.5e-300), "1.5e-300");
        assert_eq!(num(0.00012), "0.00012");
        for x in [1e-7, 1.234_567_890_123e-200, 0.1 + 0.2, 123_456.789, 3e20] {
            assert_eq!(num(x).parse::<f64>().unwrap(), x);
        }
    }

    #[test]
    fn wilson_interval_brackets_share() {
        let (p, _, lo, hi) = share_stats(30, 100);
        assert_eq!(p, 0.3);
        assert!(lo > 0.21 && lo < 0.3 && hi > 0.3 && hi < 0.4, "{lo} {hi}");
        let (_, _, lo0, _) = share_stats(0, 50);
        assert!(lo0 < 1e-12);
    }

    #[test]
    fn utc_format() {
        let s = now_utc();
        assert_eq!(s.len(), 20);
        assert!(s.starts_with("20"));
    }
}
