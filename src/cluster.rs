//! Cluster jobs: a scenario as a SLURM array job of shards and a merge job.
//!
//! [`SlurmJob::new`] checks the options and makes every path absolute;
//! [`SlurmJob::scripts`] turns the job into the text of two batch scripts (a pure
//! function: the same job gives the same bytes); [`write_scripts`] puts them on disk. The layout
//! under the output root `OUT`, for a scenario named `NAME` split into `N` tasks:
//!
//! ```text
//! OUT/NAME-slurm/array.sh          array 1-N: task K runs `dyadsim run --shard K/N --resume`
//! OUT/NAME-slurm/merge.sh          `dyadsim merge --overwrite` of the N shards (re-runnable)
//! OUT/NAME-slurm/logs/             array-<job>_<task>.out, merge-<job>.out
//! OUT/NAME-slurm/shards/K/NAME/    shard K, as `dyadsim run --out OUT/NAME-slurm/shards/K`
//! OUT/NAME/                        the merged output, as `dyadsim run --out OUT` would write
//! ```
//!
//! Every array task passes `--resume`: a task that starts in an empty directory runs from
//! the beginning (resume only applies when a checkpoint exists), and a task that failed
//! continues from its checkpoint when it is submitted again (`sbatch --array=K array.sh`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::experiment::CHUNK;
use crate::output::{OutputError, io_err, write_text_atomic};
use crate::scenario::Scenario;

/// Array indices the default SLURM configuration accepts (`MaxArraySize` = 1001).
pub const DEFAULT_MAX_ARRAY_INDEX: u64 = 1000;

/// Errors of preparing cluster jobs.
#[derive(Debug, Error)]
pub enum ClusterError {
    /// An option cannot be used.
    #[error("{0}")]
    Invalid(String),
    /// A script could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// What each task asks of SLURM; the values are passed to `#SBATCH` lines as given.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlurmResources {
    /// Array tasks, one shard each (>= 1).
    pub tasks: u64,
    /// CPUs per task, which are also the task's worker threads (>= 1).
    pub cpus_per_task: u64,
    /// `--partition` of both jobs.
    pub partition: Option<String>,
    /// `--time` of each job (e.g. `02:00:00` or `1-00:00:00`).
    pub time: Option<String>,
    /// `--mem` of each job (e.g. `4G`).
    pub mem: Option<String>,
}

/// A scenario prepared as SLURM jobs: every path absolute.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlurmJob {
    /// The `dyadsim` executable on the compute nodes.
    pub dyadsim: String,
    /// The scenario file.
    pub scenario: String,
    /// The scenario's name (letters, digits, `_` and `-`).
    pub name: String,
    /// The output root: the merged output goes to `<out>/<name>`.
    pub out: String,
    /// Chunks of the scenario (the unit of sharding).
    pub chunks: u64,
    /// What each task asks for.
    pub resources: SlurmResources,
    /// `--set PATH=VALUE` overrides every task applies (validated before the scripts are
    /// written).
    pub sets: Vec<String>,
}

/// The two batch scripts of a [`SlurmJob`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlurmScripts {
    /// The array job: task K runs shard K of N.
    pub array: String,
    /// The merge job, to be submitted with `--dependency=afterok:<array job id>`.
    pub merge: String,
}

/// A path as text, absolute (relative to the current directory).
fn absolute_text(path: &Path, what: &str) -> Result<String, ClusterError> {
    let abs = std::path::absolute(path).map_err(|e| {
        ClusterError::Invalid(format!(
            "cannot make the {what} path {} absolute: {e}",
            path.display()
        ))
    })?;
    abs.to_str().map(str::to_string).ok_or_else(|| {
        ClusterError::Invalid(format!(
            "the {what} path {} is not valid UTF-8; batch scripts need it as text",
            abs.display()
        ))
    })
}

/// An `#SBATCH` value passed through as given: it must not be empty, and must not hold
/// what would end or split the directive (whitespace, quotes, `#`, backslash, control
/// characters).
fn directive_value(option: &str, value: &Option<String>) -> Result<(), ClusterError> {
    let Some(v) = value else { return Ok(()) };
    if v.is_empty() {
        return Err(ClusterError::Invalid(format!("{option} must not be empty")));
    }
    if let Some(c) = v
        .chars()
        .find(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '\'' | '#' | '\\'))
    {
        return Err(ClusterError::Invalid(format!(
            "{option} {v:?} must not contain {c:?} (whitespace, quotes, '#', backslashes and control characters would break the #SBATCH line)"
        )));
    }
    Ok(())
}

impl SlurmJob {
    /// Prepare `scenario` (read from `file`) for `resources.tasks` array tasks writing under
    /// the output root `out`. `dyadsim` is the executable the scripts call: by default the
    /// running one; a bare name (no `/`) is kept as given, to be found on the compute
    /// nodes' `PATH`; any other path is made absolute.
    pub fn new(
        scenario: &Scenario,
        file: &Path,
        out: &Path,
        dyadsim: Option<&Path>,
        resources: SlurmResources,
    ) -> Result<Self, ClusterError> {
        if resources.tasks == 0 {
            return Err(ClusterError::Invalid("--tasks must be at least 1".into()));
        }
        if resources.cpus_per_task == 0 {
            return Err(ClusterError::Invalid(
                "--cpus-per-task must be at least 1".into(),
            ));
        }
        directive_value("--partition", &resources.partition)?;
        directive_value("--time", &resources.time)?;
        directive_value("--mem", &resources.mem)?;
        let dyadsim = match dyadsim {
            Some(p) => match p.to_str() {
                Some(bare) if !bare.is_empty() && !bare.contains('/') => bare.to_string(),
                _ => absolute_text(p, "--dyadsim")?,
            },
            None => {
                let exe = std::env::current_exe().map_err(|e| {
                    ClusterError::Invalid(format!(
                        "cannot find the running dyadsim executable ({e}); name it with --dyadsim"
                    ))
                })?;
                absolute_text(&exe, "dyadsim executable")?
            }
        };
        let out = absolute_text(out, "--out")?;
        // The log directory appears in `#SBATCH --output`, where a backslash escapes and
        // `%` starts a file name pattern.
        if let Some(c) = out
            .chars()
            .find(|c| c.is_control() || matches!(c, '\\' | '%'))
        {
            return Err(ClusterError::Invalid(format!(
                "the output path {out:?} must not contain {c:?} (it names the SLURM log files)"
            )));
        }
        Ok(SlurmJob {
            dyadsim,
            scenario: absolute_text(file, "scenario")?,
            name: scenario.name.clone(),
            out,
            chunks: (scenario.points.len() as u64)
                .saturating_mul(scenario.replications.div_ceil(CHUNK)),
            resources,
            sets: Vec::new(),
        })
    }

    /// The same job with `--set` overrides (already validated on the scenario).
    pub fn with_sets(mut self, sets: &[String]) -> Self {
        self.sets = sets.to_vec();
        self
    }

    /// The folder of the scripts, logs and shards: `<out>/<name>-slurm`.
    pub fn job_dir(&self) -> String {
        format!("{}/{}-slurm", self.out.trim_end_matches('/'), self.name)
    }

    /// The folder of the merged output: `<out>/<name>`.
    pub fn merged_dir(&self) -> String {
        format!("{}/{}", self.out.trim_end_matches('/'), self.name)
    }

    /// Notes on options that work but are probably not meant.
    pub fn warnings(&self) -> Vec<String> {
        let n = self.resources.tasks;
        let mut w = Vec::new();
        if n > self.chunks {
            w.push(format!(
                "{n} tasks but the scenario has only {} chunks of up to {CHUNK} replications: {} tasks will have no runs",
                self.chunks,
                n - self.chunks
            ));
        }
        if n > DEFAULT_MAX_ARRAY_INDEX {
            w.push(format!(
                "array indices up to {n}: SLURM's default MaxArraySize allows up to {DEFAULT_MAX_ARRAY_INDEX} (ask `scontrol show config | grep MaxArraySize`)"
            ));
        }
        w
    }

    /// The `#SBATCH` lines both jobs share.
    fn resource_lines(&self, s: &mut String) {
        let r = &self.resources;
        let _ = writeln!(s, "#SBATCH --cpus-per-task={}", r.cpus_per_task);
        for (option, value) in [
            ("partition", &r.partition),
            ("time", &r.time),
            ("mem", &r.mem),
        ] {
            if let Some(v) = value {
                let _ = writeln!(s, "#SBATCH --{option}={v}");
            }
        }
    }

    /// The text of both scripts: deterministic, paths quoted for `sh` (and for the
    /// `#SBATCH` lines, which sbatch reads with the same quoting).
    pub fn scripts(&self) -> SlurmScripts {
        let n = self.resources.tasks;
        let name = &self.name;
        let job = self.job_dir();
        let exe = sh_quote(&self.dyadsim);
        let shards = sh_quote(&format!("{job}/shards"));

        let mut a = String::new();
        let _ = writeln!(a, "#!/bin/sh");
        let _ = writeln!(
            a,
            "# dyadsim scenario `{name}` as a SLURM array job: task K runs shard K of {n}."
        );
        let _ = writeln!(
            a,
            "# Written by `dyadsim slurm`. Submit with the merge job, from this folder:"
        );
        let _ = writeln!(a, "#   jid=$(sbatch --parsable array.sh)");
        let _ = writeln!(a, "#   sbatch --dependency=afterok:$jid merge.sh");
        let _ = writeln!(
            a,
            "# Every task runs with --resume: a fresh task starts from the beginning, and a"
        );
        let _ = writeln!(
            a,
            "# failed task K continues from its checkpoint when submitted again with"
        );
        let _ = writeln!(a, "#   jid=$(sbatch --parsable --array=K array.sh)");
        let _ = writeln!(a, "#   sbatch --dependency=afterok:$jid merge.sh");
        let _ = writeln!(a, "#SBATCH --job-name=dyadsim-{name}");
        let _ = writeln!(a, "#SBATCH --array=1-{n}");
        self.resource_lines(&mut a);
        let _ = writeln!(
            a,
            "#SBATCH --output={}",
            sh_quote(&format!("{job}/logs/array-%A_%a.out"))
        );
        let _ = writeln!(a, "set -eu");
        let _ = writeln!(a, "exec {exe} run {} \\", sh_quote(&self.scenario));
        let _ = writeln!(a, "  --shard \"$SLURM_ARRAY_TASK_ID/{n}\" \\");
        let _ = writeln!(a, "  --out {shards}/\"$SLURM_ARRAY_TASK_ID\" \\");
        for set in &self.sets {
            let _ = writeln!(a, "  --set {} \\", sh_quote(set));
        }
        // No --quiet: plain progress lines reach the task's log every 10 s.
        let _ = writeln!(a, "  --threads \"${{SLURM_CPUS_PER_TASK:-1}}\" --resume");

        let mut m = String::new();
        let _ = writeln!(m, "#!/bin/sh");
        let _ = writeln!(
            m,
            "# dyadsim scenario `{name}`: merges the {n} shards of array.sh into one output,"
        );
        let _ = writeln!(
            m,
            "# equal byte for byte to an unsharded run. Written by `dyadsim slurm`; submit it"
        );
        let _ = writeln!(m, "# once every array task has succeeded:");
        let _ = writeln!(m, "#   sbatch --dependency=afterok:<array job id> merge.sh");
        let _ = writeln!(m, "#SBATCH --job-name=dyadsim-{name}-merge");
        self.resource_lines(&mut m);
        let _ = writeln!(
            m,
            "#SBATCH --output={}",
            sh_quote(&format!("{job}/logs/merge-%j.out"))
        );
        let _ = writeln!(m, "set -eu");
        let _ = writeln!(m, "shards={shards}");
        let _ = writeln!(m, "set --");
        let _ = writeln!(m, "k=1");
        let _ = writeln!(m, "while [ \"$k\" -le {n} ]; do");
        let _ = writeln!(m, "  set -- \"$@\" \"$shards/$k/{name}\"");
        let _ = writeln!(m, "  k=$((k + 1))");
        let _ = writeln!(m, "done");
        let _ = writeln!(
            m,
            "exec {exe} merge \"$@\" --overwrite --out {}",
            sh_quote(&self.merged_dir())
        );
        SlurmScripts { array: a, merge: m }
    }

    /// What `dyadsim slurm` prints: where the scripts are, how to submit them, and how to
    /// resume a failed task.
    pub fn instructions(&self) -> String {
        let n = self.resources.tasks;
        let job = self.job_dir();
        let mut s = String::new();
        let _ = writeln!(
            s,
            "SLURM jobs for `{}`: {n} array tasks (shard K of {n} each), then one merge job.",
            self.name
        );
        let _ = writeln!(s, "  scripts  {job}/array.sh, {job}/merge.sh");
        let _ = writeln!(s, "  shards   {job}/shards/K/{}", self.name);
        let _ = writeln!(s, "  logs     {job}/logs");
        let _ = writeln!(s, "  merged   {}", self.merged_dir());
        let _ = writeln!(
            s,
            "Submit both (the merge runs once every task has succeeded):"
        );
        let _ = writeln!(s, "  cd {}", sh_quote(&job));
        let _ = writeln!(s, "  jid=$(sbatch --parsable array.sh)");
        let _ = writeln!(s, "  sbatch --dependency=afterok:$jid merge.sh");
        let _ = writeln!(
            s,
            "If task K fails, the merge job never starts (scancel it). Resubmit that task, which"
        );
        let _ = writeln!(
            s,
            "resumes from its checkpoint (every task runs with --resume), and the merge:"
        );
        let _ = writeln!(s, "  jid=$(sbatch --parsable --array=K array.sh)");
        let _ = writeln!(s, "  sbatch --dependency=afterok:$jid merge.sh");
        s
    }
}

/// The files [`write_scripts`] created.
#[derive(Clone, Debug)]
pub struct SlurmFiles {
    /// The array script.
    pub array: PathBuf,
    /// The merge script.
    pub merge: PathBuf,
}

/// Write the job's scripts (executable, each complete or not at all) and create its log
/// folder, which SLURM needs before a job starts.
pub fn write_scripts(job: &SlurmJob) -> Result<SlurmFiles, ClusterError> {
    let scripts = job.scripts();
    let dir = PathBuf::from(job.job_dir());
    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).map_err(io_err(&logs))?;
    let files = SlurmFiles {
        array: dir.join("array.sh"),
        merge: dir.join("merge.sh"),
    };
    for (path, text) in [
        (&files.array, &scripts.array),
        (&files.merge, &scripts.merge),
    ] {
        write_text_atomic(path, text)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))
                .map_err(io_err(path))?;
        }
    }
    Ok(files)
}

/// `s` as one `sh` word: unchanged when it only holds characters that need no quoting,
/// otherwise in single quotes (a single quote inside becomes `'\''`).
pub fn sh_quote(s: &str) -> String {
    let plain = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "_-./:=@%+,".contains(c));
    if plain {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_keeps_plain_words_and_quotes_the_rest() {
        assert_eq!(
            sh_quote("/opt/dyadsim/bin/dyadsim"),
            "/opt/dyadsim/bin/dyadsim"
        );
        assert_eq!(sh_quote("/a b/c"), "'/a b/c'");
        assert_eq!(sh_quote("it's"), r"'it'\''s'");
        assert_eq!(sh_quote(""), "''");
        assert_eq!(sh_quote("$HOME"), "'$HOME'");
    }

    #[test]
    fn directive_values_refuse_what_would_break_the_line() {
        assert!(directive_value("--time", &Some("1-00:00:00".into())).is_ok());
        assert!(directive_value("--time", &None).is_ok());
        for bad in ["", "1:00\n", "4 G", "4G#", "\"4G\""] {
            assert!(
                directive_value("--mem", &Some(bad.into())).is_err(),
                "{bad:?}"
            );
        }
    }
}
