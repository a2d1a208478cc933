//! `manifest.json`: what was run, how and when. One struct is written by the runner and
//! read back by the figures and the report, so the two cannot drift apart.
//!
//! The struct is generic over the scenario it describes: the runner writes the full
//! resolved [`Scenario`]; readers take the few facts they need
//! ([`ScenarioFacts`]). Every field may be missing when reading (hand-made or older
//! directories), so readers decide what they require.

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
    /// Files of this output (names), the manifest last.
    pub files: Vec<String>,
    /// The scenario.
    pub scenario: S,
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
}

impl<'a> Manifest<&'a Scenario> {
    /// The manifest of an output directory holding `files` (the manifest is added last).
    pub fn new(s: &'a Scenario, run: &RunFacts<'_>, files: &[PathBuf]) -> Self {
        Manifest {
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
            files: files
                .iter()
                .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                .chain(std::iter::once(MANIFEST.to_string()))
                .collect(),
            scenario: s,
        }
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
