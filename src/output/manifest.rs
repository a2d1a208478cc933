//! `manifest.json`: what was run, how and when. One struct is written by the runner and
//! read back by the figures and the report, so the two cannot drift apart.
//!
//! The struct is generic over the scenario it describes: the runner writes the full
//! resolved [`Scenario`]; readers take the few facts they need
//! ([`ScenarioFacts`]). Every field may be missing when reading (hand-made or older
//! directories), so readers decide what they require.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{OutputError, io_err, now_utc, write_json_atomic};
use crate::scenario::Scenario;

/// The manifest's file name.
pub const MANIFEST: &str = "manifest.json";

/// `manifest.json`. Written with `S = &Scenario`, read with `S = ScenarioFacts`.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Manifest<S> {
    /// dyadsim version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dyadsim_version: Option<String>,
    /// Scenario name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario_name: Option<String>,
    /// Hash of the resolved scenario.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario_hash: Option<String>,
    /// Master seed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub master_seed: Option<u64>,
    /// Worker threads.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threads: Option<u64>,
    /// Shard as `k/n`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard: Option<String>,
    /// Start time (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started: Option<String>,
    /// End time (UTC).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub finished: Option<String>,
    /// Wall time, seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wall_seconds: Option<f64>,
    /// Runs aggregated in this output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runs: Option<u64>,
    /// Design points.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub points: Option<u64>,
    /// Replications per point.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replications: Option<u64>,
    /// Whether this execution resumed from a checkpoint.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resumed: Option<bool>,
    /// Files of this output (paths relative to its directory), the manifest last.
    pub files: Vec<String>,
    /// SHA-256 (hex) of every file of the output but the manifest, by relative path.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub sha256: BTreeMap<String, String>,
    /// How this dyadsim was built and called.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<Provenance>,
    /// Scenario files read by a command that runs several (propositions, validation).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inputs: Vec<String>,
    /// The scenario (absent for commands that run several).
    #[serde(skip_serializing_if = "is_null")]
    pub scenario: S,
}

fn is_null<S: Serialize>(s: &S) -> bool {
    serde_json::to_value(s).is_ok_and(|v| v.is_null())
}

/// How the program that wrote an output was built and called.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Provenance {
    /// Git commit of the source it was built from (`unknown` outside a checkout).
    pub git_commit: String,
    /// Whether the work tree had uncommitted changes to tracked files at build time
    /// (absent when unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub git_dirty: Option<bool>,
    /// `rustc --version` of the compiler.
    pub rustc: String,
    /// Target triple.
    pub target: String,
    /// Operating system it ran on.
    pub os: String,
    /// The full command line, one argument per element.
    pub command_line: Vec<String>,
}

impl Provenance {
    /// The provenance of this process.
    pub fn current() -> Self {
        Provenance {
            git_commit: env!("DYADSIM_GIT_COMMIT").to_string(),
            git_dirty: match env!("DYADSIM_GIT_DIRTY") {
                "true" => Some(true),
                "false" => Some(false),
                _ => None,
            },
            rustc: env!("DYADSIM_RUSTC").to_string(),
            target: env!("DYADSIM_TARGET").to_string(),
            os: std::env::consts::OS.to_string(),
            command_line: std::env::args().collect(),
        }
    }
}

/// SHA-256 of a file's bytes, as 64 hex digits (streamed: memory does not grow with the
/// file).
pub fn sha256_file(path: &Path) -> Result<String, OutputError> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    let mut f = std::fs::File::open(path).map_err(io_err(path))?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io_err(path))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Relative names and SHA-256 of `files` inside `dir`.
fn hashed(
    dir: &Path,
    files: &[PathBuf],
) -> Result<(Vec<String>, BTreeMap<String, String>), OutputError> {
    hashed_with(dir, files, &[])
}

/// Relative names and SHA-256 of `files` inside `dir`, taking the digests in `known` as
/// they are.
fn hashed_with(
    dir: &Path,
    files: &[PathBuf],
    known: &[(PathBuf, String)],
) -> Result<(Vec<String>, BTreeMap<String, String>), OutputError> {
    let mut names = Vec::new();
    let mut sums = BTreeMap::new();
    for f in files {
        let name = f
            .strip_prefix(dir)
            .unwrap_or(f)
            .to_string_lossy()
            .replace('\\', "/");
        let sum = match known.iter().find(|(p, _)| p == f) {
            Some((_, sum)) => sum.clone(),
            None => sha256_file(f)?,
        };
        sums.insert(name.clone(), sum);
        names.push(name);
    }
    Ok((names, sums))
}

/// Add `files` (inside `dir`, written after the manifest, e.g. figures) to the manifest of
/// `dir`, with their SHA-256; the rest of the manifest is kept as it is. Does nothing when
/// `dir` has no manifest.
pub fn add_files(dir: &Path, files: &[PathBuf]) -> Result<(), OutputError> {
    let path = dir.join(MANIFEST);
    if !path.exists() {
        return Ok(());
    }
    let text = std::fs::read_to_string(&path).map_err(io_err(&path))?;
    let mut m: Manifest<serde_json::Value> =
        serde_json::from_str(&text).map_err(|e| OutputError::Format {
            path: path.clone(),
            message: e.to_string(),
        })?;
    let (names, sums) = hashed(dir, files)?;
    m.files.retain(|f| f != MANIFEST && !names.contains(f));
    m.files.extend(names);
    m.files.push(MANIFEST.to_string());
    m.sha256.extend(sums);
    write_json_atomic(&path, &m, true)
}

/// The manifest of a command that runs several scenarios (propositions, validation) into
/// `dir`: what it read, how it was called, and every file it wrote.
pub fn write_batch(
    dir: &Path,
    started: String,
    wall_seconds: f64,
    inputs: Vec<String>,
    files: &[PathBuf],
) -> Result<PathBuf, OutputError> {
    let (mut names, sha256) = hashed(dir, files)?;
    names.push(MANIFEST.to_string());
    let m = Manifest::<()> {
        dyadsim_version: Some(env!("CARGO_PKG_VERSION").to_string()),
        started: Some(started),
        finished: Some(now_utc()),
        wall_seconds: Some(wall_seconds),
        files: names,
        sha256,
        provenance: Some(Provenance::current()),
        inputs,
        ..Manifest::default()
    };
    let path = dir.join(MANIFEST);
    write_json_atomic(&path, &m, true)?;
    Ok(path)
}

/// How an output directory was produced: the facts of a run that the manifest records.
#[derive(Clone, Debug)]
pub struct RunFacts<'a> {
    /// Hash of the resolved scenario.
    pub hash: &'a str,
    /// Worker threads (0 for a merge).
    pub threads: usize,
    /// Shard `(k, n)`.
    pub shard: (u64, u64),
    /// Start time (UTC).
    pub started: String,
    /// Runs aggregated.
    pub runs: u64,
    /// Wall time, seconds.
    pub wall_seconds: f64,
    /// Whether the execution resumed from a checkpoint.
    pub resumed: bool,
    /// SHA-256 of files already known (computed while they were written), which are then
    /// not read again.
    pub sha256: &'a [(PathBuf, String)],
}

impl<'a> Manifest<&'a Scenario> {
    /// The manifest of an output directory holding `files` (the manifest is added last).
    pub fn new(
        s: &'a Scenario,
        run: &RunFacts<'_>,
        dir: &Path,
        files: &[PathBuf],
    ) -> Result<Self, OutputError> {
        let (mut names, sha256) = hashed_with(dir, files, run.sha256)?;
        names.push(MANIFEST.to_string());
        Ok(Manifest {
            dyadsim_version: Some(env!("CARGO_PKG_VERSION").to_string()),
            scenario_name: Some(s.name.clone()),
            scenario_hash: Some(run.hash.to_string()),
            master_seed: Some(s.seed),
            threads: Some(run.threads as u64),
            shard: Some(format!("{}/{}", run.shard.0, run.shard.1)),
            started: Some(run.started.clone()),
            finished: Some(now_utc()),
            wall_seconds: Some(run.wall_seconds),
            runs: Some(run.runs),
            points: Some(s.points.len() as u64),
            replications: Some(s.replications),
            resumed: Some(run.resumed),
            files: names,
            sha256,
            provenance: Some(Provenance::current()),
            inputs: Vec::new(),
            scenario: s,
        })
    }
    /// Write `dir/manifest.json` atomically.
    pub fn write(&self, dir: &Path) -> Result<PathBuf, OutputError> {
        let path = dir.join(MANIFEST);
        write_json_atomic(&path, self, true)?;
        Ok(path)
    }
}

/// The facts of the scenario that readers of a manifest use.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ScenarioFacts {
    /// Name.
    pub name: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Master seed.
    pub seed: Option<u64>,
    /// Design (`grid`, `lhs`, `one-at-a-time`, `zip`).
    pub design: Option<String>,
    /// Swept factors.
    pub factors: Vec<FactorFacts>,
    /// Base parameters (only what readers use).
    pub base: BaseFacts,
}

/// One swept factor.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FactorFacts {
    /// Parameter path.
    pub path: String,
    /// Levels (for LHS: the range ends).
    pub values: Vec<f64>,
    /// `(from, to)` when given as a range.
    pub range: Option<(f64, f64)>,
}

/// The base parameters that readers use.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct BaseFacts {
    /// Horizon, months.
    pub months: Option<u64>,
    /// Power-level thresholds.
    pub power: PowerFacts,
}

/// The L/M/H thresholds of asymmetry.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PowerFacts {
    /// Below this, asymmetry is low.
    pub level_low: Option<f64>,
    /// Above this, asymmetry is high.
    pub level_high: Option<f64>,
}

/// Why a manifest could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// The file could not be read.
    Io(OutputError),
    /// The file is not a manifest.
    Json(PathBuf, serde_json::Error),
}

/// Read `dir/manifest.json`.
pub fn read(dir: &Path) -> Result<Manifest<ScenarioFacts>, ReadError> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .map_err(io_err(&path))
        .map_err(ReadError::Io)?;
    serde_json::from_str(&text).map_err(|e| ReadError::Json(path, e))
}
