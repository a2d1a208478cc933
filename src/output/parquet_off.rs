//! Parquet output is not part of this build (Cargo feature `parquet` off): every function
//! says so. The experiment runner refuses a Parquet format before writing anything.

use std::path::{Path, PathBuf};

use super::OutputError;
use super::files::ReadError;
use crate::scenario::Scenario;

/// What every function of this module answers.
pub const UNSUPPORTED: &str = "this dyadsim was built without Parquet support (Cargo feature `parquet`); use format = \"csv\"";

fn unsupported(path: &Path) -> OutputError {
    OutputError::Format {
        path: path.to_path_buf(),
        message: UNSUPPORTED.into(),
    }
}

/// Refused: no Parquet support.
pub fn table_from_csv(
    _s: &Scenario,
    _t: super::files::Table,
    _csv: &Path,
    out: &Path,
) -> Result<PathBuf, OutputError> {
    Err(unsupported(out))
}

/// Refused: no Parquet support.
pub struct RunsWriter<'a>(std::marker::PhantomData<&'a Scenario>);

impl<'a> RunsWriter<'a> {
    /// Refused: no Parquet support.
    pub fn create(_s: &'a Scenario, out: &Path) -> Result<RunsWriter<'a>, OutputError> {
        Err(unsupported(out))
    }
    /// Refused: no Parquet support.
    pub fn push(&mut self, _rows: &[u8], _pool: &rayon::ThreadPool) -> Result<(), OutputError> {
        Err(unsupported(Path::new(super::files::RUNS_PARQUET)))
    }
    /// Refused: no Parquet support.
    pub fn push_spill(
        &mut self,
        spill: &Path,
        _len: u64,
        _pool: &rayon::ThreadPool,
    ) -> Result<(), OutputError> {
        Err(unsupported(spill))
    }
    /// Refused: no Parquet support.
    pub fn finish(self, _pool: &rayon::ThreadPool) -> Result<PathBuf, OutputError> {
        Err(unsupported(Path::new(super::files::RUNS_PARQUET)))
    }
}

/// Refused: no Parquet support.
pub fn merge_runs(_s: &Scenario, _inputs: &[PathBuf], out: &Path) -> Result<PathBuf, OutputError> {
    Err(unsupported(out))
}

/// Refused: no Parquet support.
pub fn column_names(file: &Path) -> Result<Vec<String>, ReadError> {
    Err(ReadError::Invalid {
        file: file.to_path_buf(),
        message: UNSUPPORTED.into(),
    })
}

/// Refused: no Parquet support.
pub fn for_each_record(
    file: &Path,
    _wanted: &[bool],
    _f: impl FnMut(u64, &csv::StringRecord) -> Result<(), ReadError>,
) -> Result<(), ReadError> {
    Err(ReadError::Invalid {
        file: file.to_path_buf(),
        message: UNSUPPORTED.into(),
    })
}
