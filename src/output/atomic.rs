//! Files that appear complete or not at all: each is written under `<name>.partial` and
//! renamed into place when complete, so a crash leaves complete files or none.

use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{OutputError, io_err};

fn partial_name(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(".partial");
    PathBuf::from(s)
}

/// A file written under `<path>.partial` and renamed to `path` by [`AtomicFile::commit`].
pub struct AtomicFile {
    path: PathBuf,
    tmp: PathBuf,
    pub(crate) w: BufWriter<File>,
}

impl AtomicFile {
    /// Start writing `path`.
    pub fn create(path: &Path) -> Result<Self, OutputError> {
        let tmp = partial_name(path);
        let f = File::create(&tmp).map_err(io_err(&tmp))?;
        Ok(AtomicFile {
            path: path.to_path_buf(),
            tmp,
            w: BufWriter::new(f),
        })
    }
    /// Write raw bytes.
    pub fn write(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.w.write_all(bytes).map_err(io_err(&self.tmp))
    }
    /// Write one CSV record.
    pub fn csv_row<S: AsRef<str>>(&mut self, fields: &[S]) -> Result<(), OutputError> {
        let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
        let _ = w.write_record(fields.iter().map(|s| s.as_ref()));
        let bytes = w.into_inner().unwrap_or_default();
        self.write(&bytes)
    }
    /// Flush, sync and rename into place.
    pub fn commit(self) -> Result<(), OutputError> {
        let AtomicFile { path, tmp, w } = self;
        let f = w.into_inner().map_err(|e| OutputError::Io {
            path: tmp.clone(),
            source: e.into_error(),
        })?;
        f.sync_all().map_err(io_err(&tmp))?;
        drop(f);
        std::fs::rename(&tmp, &path).map_err(io_err(&path))
    }
}

/// Bytes written to an [`AtomicFile`] go to its temporary file (for writers that take any
/// [`Write`], such as the Parquet writer).
impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.w.write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.w.flush()
    }
}

/// The growing `runs.csv.partial` (or spill file `runs.bin.partial`, or an aggregate
/// table) of a running experiment.
pub struct PartialRuns {
    path: PathBuf,
    w: BufWriter<File>,
    /// Bytes written so far.
    pub len: u64,
    /// SHA-256 of the bytes so far (files that become outputs; the manifest records it).
    hash: Option<sha2::Sha256>,
}

/// SHA-256 as 64 hex digits.
fn hex(h: sha2::Sha256) -> String {
    use sha2::Digest;
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Open `runs.csv.partial`: fresh with a header, or truncated to `resume_len` bytes.
pub fn open_partial_runs(
    path: &Path,
    header: &[String],
    resume_len: Option<u64>,
) -> Result<PartialRuns, OutputError> {
    let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
    let _ = w.write_record(header);
    open_partial(path, &w.into_inner().unwrap_or_default(), resume_len)
}

/// Open a growing file: fresh, starting with `header`, or truncated to `resume_len` bytes
/// (the length a checkpoint recorded). The file's SHA-256 is kept as it grows (a resumed
/// file's first `resume_len` bytes are read once), so that a checkpoint can record the
/// digest of what it holds ([`PartialRuns::digest`]) and a resume can check it
/// ([`PartialRuns::verify`]).
pub fn open_partial(
    path: &Path,
    header: &[u8],
    resume_len: Option<u64>,
) -> Result<PartialRuns, OutputError> {
    match resume_len {
        Some(len) => {
            let mut f = OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
                .map_err(io_err(path))?;
            let actual = f.metadata().map_err(io_err(path))?.len();
            if actual < len {
                return Err(OutputError::Format {
                    path: path.to_path_buf(),
                    message: format!(
                        "holds {actual} bytes but the checkpoint recorded {len}; run without --resume"
                    ),
                });
            }
            f.set_len(len).map_err(io_err(path))?;
            f.seek(SeekFrom::End(0)).map_err(io_err(path))?;
            let mut p = PartialRuns {
                path: path.to_path_buf(),
                w: BufWriter::with_capacity(1 << 20, f),
                len,
                hash: None,
            };
            p.start_hash()?;
            Ok(p)
        }
        None => {
            let f = File::create(path).map_err(io_err(path))?;
            let mut p = PartialRuns {
                path: path.to_path_buf(),
                w: BufWriter::with_capacity(1 << 20, f),
                len: 0,
                hash: None,
            };
            p.hash = Some(sha2::Digest::new());
            p.append(header)?;
            Ok(p)
        }
    }
}

/// Before a resume opens a growing file: when a crash came after the file was renamed to
/// its final name `done` but before the run finished (its checkpoint still there), take it
/// back under its partial name, where the resume cuts it to the checkpoint's length and
/// checks its digest.
pub fn reclaim_finished(partial: &Path, done: &Path) -> Result<(), OutputError> {
    if !partial.exists() && done.is_file() {
        std::fs::rename(done, partial).map_err(io_err(partial))?;
    }
    Ok(())
}

impl PartialRuns {
    /// Keep the SHA-256 of the file from here on, starting with the bytes it holds (a
    /// resumed file's first `len` bytes are read once).
    fn start_hash(&mut self) -> Result<(), OutputError> {
        use sha2::Digest;
        use std::io::Read;
        self.w.flush().map_err(io_err(&self.path))?;
        let mut h = sha2::Sha256::new();
        let f = File::open(&self.path).map_err(io_err(&self.path))?;
        let mut r = std::io::BufReader::with_capacity(1 << 20, f.take(self.len));
        let mut buf = vec![0u8; 1 << 20];
        loop {
            let n = r.read(&mut buf).map_err(io_err(&self.path))?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        self.hash = Some(h);
        Ok(())
    }
    /// SHA-256 of the bytes written so far (what a checkpoint records with the length).
    pub fn digest(&self) -> String {
        self.hash.clone().map(hex).unwrap_or_default()
    }
    /// Check that the bytes the file holds are those a checkpoint recorded (`expected`,
    /// from [`PartialRuns::digest`]); called right after a resumed file is opened.
    pub fn verify(&self, expected: &str) -> Result<(), OutputError> {
        if self.digest() == expected {
            return Ok(());
        }
        Err(OutputError::Format {
            path: self.path.clone(),
            message: format!(
                "damaged since the checkpoint: its first {} bytes do not match the checksum the checkpoint recorded; run without --resume to start afresh",
                self.len
            ),
        })
    }
    /// Append rows.
    pub fn append(&mut self, bytes: &[u8]) -> Result<(), OutputError> {
        self.w.write_all(bytes).map_err(io_err(&self.path))?;
        self.len += bytes.len() as u64;
        if let Some(h) = self.hash.as_mut() {
            sha2::Digest::update(h, bytes);
        }
        Ok(())
    }
    /// Flush to disk (before a checkpoint records the length).
    pub fn sync(&mut self) -> Result<(), OutputError> {
        self.w.flush().map_err(io_err(&self.path))?;
        self.w.get_ref().sync_data().map_err(io_err(&self.path))
    }
    /// Flush and sync, and close the file (which stays under its partial name); returns
    /// its SHA-256 when it was kept.
    pub fn close(mut self) -> Result<Option<String>, OutputError> {
        self.sync()?;
        Ok(self.hash.take().map(hex))
    }
    /// Complete: sync and rename to `final_path`; returns the file's SHA-256 when it was
    /// kept.
    pub fn finish(mut self, final_path: &Path) -> Result<Option<String>, OutputError> {
        self.sync()?;
        std::fs::rename(&self.path, final_path).map_err(io_err(final_path))?;
        Ok(self.hash.take().map(hex))
    }
}

/// Write `text` to `path` atomically, creating the parent folder if needed.
pub fn write_text_atomic(path: &Path, text: &str) -> Result<(), OutputError> {
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
) -> Result<(), OutputError> {
    let mut f = AtomicFile::create(path)?;
    let written = if pretty {
        serde_json::to_writer_pretty(&mut f.w, value)
    } else {
        serde_json::to_writer(&mut f.w, value)
    };
    written.map_err(|e| OutputError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    f.write(b"\n")?;
    f.commit()
}

/// The first line of a sealed state file: the version that wrote it and the SHA-256 of the
/// bytes after the line.
#[derive(Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Seal {
    dyadsim_version: String,
    sha256: String,
}

/// SHA-256 of `bytes` as 64 hex digits.
fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex(sha2::Sha256::new_with_prefix(bytes))
}

/// Write `value` as a sealed state file (a checkpoint, a shard's state), atomically: a
/// first line `{"dyadsim_version": "…", "sha256": "…"}` with the digest of the bytes after
/// it, then the JSON (pretty or compact). [`read_json_sealed`] reads it back and refuses
/// a file whose bytes or version do not match its seal.
pub fn write_json_sealed<T: Serialize>(
    path: &Path,
    value: &T,
    pretty: bool,
) -> Result<(), OutputError> {
    let body = if pretty {
        serde_json::to_vec_pretty(value)
    } else {
        serde_json::to_vec(value)
    };
    let mut body = body.map_err(|e| OutputError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    body.push(b'\n');
    let seal = Seal {
        dyadsim_version: env!("CARGO_PKG_VERSION").to_string(),
        sha256: sha256_hex(&body),
    };
    let mut f = AtomicFile::create(path)?;
    let line = serde_json::to_vec(&seal).map_err(|e| OutputError::Format {
        path: path.to_path_buf(),
        message: e.to_string(),
    })?;
    f.write(&line)?;
    f.write(b"\n")?;
    f.write(&body)?;
    f.commit()
}

/// Read a state file written by [`write_json_sealed`]: check its digest, then the version
/// that wrote it, then parse it. `what` names the file's kind ("checkpoint") and `remedy`
/// says what to do when it cannot be used ("run without --resume to start afresh"); every
/// error names the file.
pub fn read_json_sealed<T: DeserializeOwned>(
    path: &Path,
    what: &str,
    remedy: &str,
) -> Result<T, OutputError> {
    let bytes = std::fs::read(path).map_err(io_err(path))?;
    let bad = |message: String| OutputError::Format {
        path: path.to_path_buf(),
        message,
    };
    let Some(cut) = bytes.iter().position(|&b| b == b'\n') else {
        return Err(bad(format!(
            "damaged: it has no seal line (cut short, or not a {what} of dyadsim); {remedy}"
        )));
    };
    let seal: Seal = serde_json::from_slice(&bytes[..cut]).map_err(|_| {
        bad(format!(
            "damaged: its first line is not the seal of a dyadsim {what}; {remedy}"
        ))
    })?;
    let body = &bytes[cut + 1..];
    if sha256_hex(body) != seal.sha256 {
        return Err(bad(format!(
            "damaged: its content does not match its checksum; {remedy}"
        )));
    }
    let this = env!("CARGO_PKG_VERSION");
    if seal.dyadsim_version != this {
        return Err(bad(format!(
            "written by dyadsim {}; this is {this}; {remedy}",
            seal.dyadsim_version
        )));
    }
    serde_json::from_slice(body).map_err(|e| {
        bad(format!(
            "not a {what} of this dyadsim version ({e}); {remedy}"
        ))
    })
}
