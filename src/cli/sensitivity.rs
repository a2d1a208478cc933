//! `dyadsim sensitivity`: a Morris or Sobol analysis of a scenario's `[sensitivity]` block
//! (or of a test function with known indices).

use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::scenario::Overrides;
use crate::sensitivity::functions::TestFunction;
use crate::sensitivity::{Indices, SENSITIVITY_DIR, Study, StudyOverrides, write};

/// Arguments of `dyadsim sensitivity`.
#[derive(Args, Clone, Debug)]
pub struct SensitivityArgs {
    /// Scenario TOML file with a `[sensitivity]` block.
    #[arg(required_unless_present = "function")]
    pub scenario: Option<PathBuf>,
    /// Metrics to analyse, comma-separated (replaces the block's `metrics`).
    #[arg(long, value_delimiter = ',')]
    pub metrics: Option<Vec<String>>,
    /// Analyse a test function with known indices instead of a scenario: ishigami
    /// (a = 7, b = 0.1) or gfunction (a = 0, 1, 4.5, 9, 99, 99, 99, 99).
    #[arg(long, conflicts_with = "scenario", value_parser = TestFunction::NAMES)]
    pub function: Option<String>,
    /// Design: morris or sobol (replaces the block's `design`).
    #[arg(long)]
    pub design: Option<String>,
    /// Sobol base samples N, a power of two (replaces the block's `samples`).
    #[arg(long)]
    pub samples: Option<usize>,
    /// Morris trajectories r (replaces the block's `trajectories`).
    #[arg(long)]
    pub trajectories: Option<usize>,
    /// Morris grid levels p, even (replaces the block's `levels`).
    #[arg(long)]
    pub levels: Option<usize>,
    /// Morris: choose the trajectories among this many candidates (Campolongo et al. 2007).
    #[arg(long)]
    pub candidates: Option<usize>,
    /// Replications per design point (replaces the block's `replications`).
    #[arg(long)]
    pub reps: Option<u64>,
    /// Bootstrap resamples for the confidence intervals (replaces the block's `bootstrap`).
    #[arg(long)]
    pub bootstrap: Option<usize>,
    /// Master seed (replaces the file's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Worker threads (default: all cores); the output is the same whatever the number.
    #[arg(long)]
    pub threads: Option<usize>,
    /// Output root; results go to <OUT>/<scenario name>/sensitivity/.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Override a parameter or scenario key, e.g. `--set months=24` (repeatable).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// No table on the terminal.
    #[arg(long)]
    pub quiet: bool,
}

/// Run `dyadsim sensitivity`.
pub fn sensitivity(a: &SensitivityArgs, out: &mut dyn Write) -> Result<()> {
    let ov = StudyOverrides {
        design: a.design.clone(),
        samples: a.samples,
        trajectories: a.trajectories,
        levels: a.levels,
        candidates: a.candidates,
        replications: a.reps,
        metrics: a.metrics.clone(),
        bootstrap: a.bootstrap,
    };
    let study = match &a.function {
        Some(name) => {
            if a.reps.is_some() || a.metrics.is_some() || !a.set.is_empty() {
                bail!("--reps, --metrics and --set apply to scenarios, not to --function");
            }
            let f = TestFunction::from_name(name)
                .with_context(|| format!("--function `{name}` is not a test function"))?;
            Study::from_function(f, a.seed.unwrap_or(42), &ov)?
        }
        None => {
            let path = a.scenario.as_deref();
            let ov_s = Overrides {
                seed: a.seed,
                replications: None,
            };
            let (s, _) = super::load(path, ov_s, &a.set)?;
            Study::from_scenario(&s, &ov)?
        }
    };
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let dir = a.out.join(&study.name).join(SENSITIVITY_DIR);
    let start = Instant::now();
    let results = study
        .run(threads)
        .with_context(|| format!("sensitivity analysis of `{}`", study.name))?;
    let secs = start.elapsed().as_secs_f64();
    write(&dir, &study, &results).with_context(|| format!("writing {}", dir.display()))?;
    if !a.quiet {
        for (m, an) in study.metrics.iter().zip(&results.analyses) {
            let mut rows: Vec<(String, f64, f64)> = match &an.indices {
                Indices::Morris(ix) => study
                    .names
                    .iter()
                    .zip(ix)
                    .map(|(n, i)| (n.clone(), i.mu_star, i.mu_star_conf))
                    .collect(),
                Indices::Sobol(ix) => study
                    .names
                    .iter()
                    .zip(ix)
                    .map(|(n, i)| (n.clone(), i.st, i.st_conf))
                    .collect(),
                _ => {
                    writeln!(out, "{m}: {}", crate::sensitivity::status_of(an))?;
                    continue;
                }
            };
            rows.sort_by(|x, y| y.1.total_cmp(&x.1));
            let what = if matches!(an.indices, Indices::Morris(_)) {
                "mu*"
            } else {
                "ST"
            };
            let noise = an
                .noise
                .map_or_else(|| "NA".to_string(), |n| format!("{:.3}", n.2));
            let top: Vec<String> = rows
                .iter()
                .take(3)
                .map(|(n, v, c)| format!("{n} {v:.3}±{c:.3}"))
                .collect();
            writeln!(out, "{m} (noise share {noise}): {what} {}", top.join(", "))?;
        }
        eprintln!(
            "{} runs at {} points in {secs:.2} s -> {}",
            study.runs(),
            study.points(),
            dir.display()
        );
    }
    Ok(())
}
