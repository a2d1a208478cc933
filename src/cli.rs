//! The commands of the `dyadsim` binary as library calls: the command-line definitions
//! (clap), one function per command, the progress bar, and the listings of `check` and
//! `params`. The binary parses, calls [`execute`], and turns errors into an exit status;
//! whether a run may be stopped is its decision, passed in as a [`Control`].

// Doc comments of the argument structs are the help text, which names values as <OUT>.
#![allow(rustdoc::invalid_html_tags)]

use std::fmt;
use std::io::{IsTerminal, Write};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::experiment::{self, Progress, RunOptions};
use crate::model::params::{PARAM_SPECS, ParamKind};
use crate::output::{self, trace};
use crate::scenario::{self, Overrides, Scenario};
use crate::science::hypothesis::{self, Hypothesis};
use crate::science::{ablation, propositions, validation};
use crate::{plot, report};

/// Decides after every batch of chunks whether a run goes on.
pub type Control<'a> = &'a mut dyn FnMut(&Progress) -> ControlFlow<()>;

/// Simulate power-asymmetric buyer–supplier relationships.
#[derive(Parser, Clone, Debug)]
#[command(name = "dyadsim", version, about, long_about = None)]
pub struct Cli {
    /// The command (default: `run` on the embedded baseline).
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The commands.
#[derive(Subcommand, Clone, Debug)]
pub enum Command {
    /// Run a scenario (the embedded baseline without a file) and write its outputs.
    Run(RunArgs),
    /// Tell one run month by month.
    Trace(TraceArgs),
    /// Validate a scenario and print its expanded design, without running it.
    Check(CheckArgs),
    /// List every model parameter with its default, range, unit and meaning.
    Params,
    /// Test the propositions: run the shipped battery and print verdicts.
    Propositions(PropositionsArgs),
    /// Run the case-study packs and check their declared patterns.
    Validate(ValidateArgs),
    /// Redraw the figures and report.html of an output directory from its CSV files.
    Plot(PlotArgs),
    /// Merge shard outputs into one output equal to an unsharded run.
    Merge(MergeArgs),
}

/// Arguments of `dyadsim run`.
#[derive(Args, Clone, Debug)]
pub struct RunArgs {
    /// Scenario TOML file.
    pub scenario: Option<PathBuf>,
    /// Output root; results go to <OUT>/<scenario name>/.
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// Worker threads (default: all cores).
    #[arg(long)]
    pub threads: Option<usize>,
    /// Master seed (replaces the file's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Replications per design point (replaces the file's).
    #[arg(long)]
    pub reps: Option<u64>,
    /// Run only shard K of N (e.g. 2/4); merge the shards with `dyadsim merge`.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Continue an interrupted run from its checkpoint.
    #[arg(long)]
    pub resume: bool,
    /// Table format: csv, parquet or both (replaces the file's `[output] format`).
    #[arg(long)]
    pub format: Option<scenario::OutputFormat>,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `dyadsim trace`.
#[derive(Args, Clone, Debug)]
pub struct TraceArgs {
    /// Scenario TOML file (default: the embedded baseline).
    pub scenario: Option<PathBuf>,
    /// Seed of the run.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Design point of a sweep (0-based).
    #[arg(long, default_value_t = 0)]
    pub point: usize,
    /// Print the full per-month trajectory as CSV instead.
    #[arg(long)]
    pub csv: bool,
}

/// Arguments of `dyadsim check`.
#[derive(Args, Clone, Debug)]
pub struct CheckArgs {
    /// Scenario TOML file.
    pub scenario: PathBuf,
}

/// Arguments of `dyadsim propositions`.
#[derive(Args, Clone, Debug)]
pub struct PropositionsArgs {
    /// Replications per hypothesis level (replaces each file's).
    #[arg(long)]
    pub reps: Option<u64>,
    /// Master seed (replaces each file's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory.
    #[arg(long, default_value = "output/propositions")]
    pub out: PathBuf,
    /// Switch one mechanism off (see `dyadsim params`, mechanisms.*), or `all` for the
    /// verdict x ablated-mechanism table.
    #[arg(long)]
    pub ablate: Option<String>,
    /// No table on the terminal.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `dyadsim validate`.
#[derive(Args, Clone, Debug)]
pub struct ValidateArgs {
    /// Packs: success_case, failure_case, eighteen_dyads, or pack files (default: all).
    pub packs: Vec<String>,
    /// Replications per design point (replaces each pack's).
    #[arg(long)]
    pub reps: Option<u64>,
    /// Master seed (replaces each pack's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output directory for validation.csv.
    #[arg(long, default_value = "output/validation")]
    pub out: PathBuf,
    /// Where to write the markdown report (default: <OUT>/VALIDATION.md).
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// No table on the terminal.
    #[arg(long)]
    pub quiet: bool,
}

/// Arguments of `dyadsim plot`.
#[derive(Args, Clone, Debug)]
pub struct PlotArgs {
    /// Output directory (e.g. output/baseline).
    pub dir: PathBuf,
}

/// Arguments of `dyadsim merge`.
#[derive(Args, Clone, Debug)]
pub struct MergeArgs {
    /// Shard output directories.
    #[arg(required = true)]
    pub dirs: Vec<PathBuf>,
    /// Output directory.
    #[arg(long)]
    pub out: PathBuf,
}

/// Parse `K/N` (1 <= K <= N).
pub fn parse_shard(s: &str) -> Result<(u64, u64), String> {
    let (k, n) = s
        .split_once('/')
        .ok_or_else(|| format!("shard `{s}` must look like K/N, e.g. 1/4"))?;
    let k: u64 = k
        .parse()
        .map_err(|_| format!("shard `{s}`: K is not a number"))?;
    let n: u64 = n
        .parse()
        .map_err(|_| format!("shard `{s}`: N is not a number"))?;
    if n == 0 || k == 0 || k > n {
        return Err(format!("shard `{s}`: need 1 <= K <= N"));
    }
    Ok((k, n))
}

impl Default for Command {
    /// `dyadsim` alone runs the embedded baseline.
    fn default() -> Self {
        Command::Run(RunArgs {
            scenario: None,
            out: PathBuf::from("output"),
            threads: None,
            seed: None,
            reps: None,
            shard: None,
            resume: false,
            format: None,
            quiet: false,
        })
    }
}

/// Run one command, writing what it prints to `out`.
pub fn execute(cmd: Command, out: &mut dyn Write, control: Control<'_>) -> Result<()> {
    match cmd {
        Command::Run(a) => run(&a, out, control),
        Command::Trace(a) => trace_run(&a, out),
        Command::Check(a) => check(&a, out),
        Command::Params => Ok(write!(out, "{}", ParamTable)?),
        Command::Propositions(a) => propositions_cmd(&a, out),
        Command::Validate(a) => validate(&a, out),
        Command::Plot(a) => {
            if !a.dir.is_dir() {
                bail!("{} is not a directory", a.dir.display());
            }
            let figures = draw(&a.dir)?;
            eprintln!(
                "{} figures and report.html -> {}",
                figures / 2,
                a.dir.display()
            );
            Ok(())
        }
        Command::Merge(a) => {
            let r = experiment::merge(&a.dirs, &a.out)?;
            draw(&a.out)?;
            eprintln!(
                "merged {} shards ({} runs) -> {}",
                a.dirs.len(),
                r.runs,
                a.out.display()
            );
            Ok(())
        }
    }
}

/// A scenario file, or the embedded baseline without one.
pub fn load(path: Option<&Path>, ov: Overrides) -> Result<(Scenario, scenario::Extras)> {
    Ok(match path {
        Some(p) => scenario::load(p, ov)?,
        None => scenario::parse(scenario::BASELINE_TOML, "<embedded baseline>", ov)?,
    })
}

/// The progress bar of a run of `total` runs: hidden when quiet or when standard error is
/// not a terminal.
pub fn progress_bar(total: u64, quiet: bool) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    let style =
        ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} runs  {rate}  ETA {eta}")
            .map(|st| {
                st.with_key(
                    "rate",
                    |state: &indicatif::ProgressState, w: &mut dyn fmt::Write| {
                        let _ = write!(w, "{:.0} runs/s", state.per_sec());
                    },
                )
            })
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    b.set_style(style);
    b
}

/// Draw the figures and the report of an output directory; returns the number of figure
/// files written.
pub fn draw(dir: &Path) -> Result<usize> {
    let figures =
        plot::render(dir).with_context(|| format!("drawing the figures in {}", dir.display()))?;
    report::write_report(dir)
        .with_context(|| format!("writing the report in {}", dir.display()))?;
    Ok(figures.len())
}

/// `dyadsim run`: a scenario end to end. Its runs, then (unsharded only) its
/// `[[hypothesis]]` blocks, then (unsharded, with `plots = true`) figures and report.
pub fn run(a: &RunArgs, out: &mut dyn Write, control: Control<'_>) -> Result<()> {
    let ov = Overrides {
        seed: a.seed,
        replications: a.reps,
    };
    let (mut s, extras) = load(a.scenario.as_deref(), ov)?;
    s.output.format = a.format.unwrap_or(s.output.format);
    // Validate hypothesis blocks before anything is written.
    let hyps = hypothesis::parse_all(&s.file, &extras.hypotheses)?;
    let threads = a
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if threads == 0 {
        bail!("--threads must be at least 1");
    }
    let dir = a.out.join(&s.name);
    let opts = RunOptions {
        out_dir: dir.clone(),
        threads,
        shard: a.shard.unwrap_or((1, 1)),
        resume: a.resume,
    };
    let whole = opts.shard == (1, 1);
    let bar = progress_bar(s.total_runs(), a.quiet);
    let report = experiment::run(&s, &opts, &mut |p| {
        bar.set_length(p.runs_total);
        bar.set_position(p.runs_done);
        control(&p)
    })
    .with_context(|| format!("running scenario `{}`", s.name))?;
    bar.finish_and_clear();
    if !hyps.is_empty() && !whole {
        eprintln!(
            "note: the scenario's [[hypothesis]] blocks are not run in a shard; run them with `dyadsim run` on the whole scenario"
        );
    }
    if !hyps.is_empty() && whole {
        let set = propositions::HypothesisSet {
            file: s.file.clone(),
            scenario: s.clone(),
            hypotheses: hyps,
        };
        let results = propositions::run_sets(std::slice::from_ref(&set), None)?;
        propositions::write_results(
            &dir,
            &results,
            &format!("Hypotheses of `{}`", s.name),
            &format!(
                "{} replications per level, master seed {}, common random numbers across levels.",
                s.replications, s.seed
            ),
        )?;
        if !a.quiet {
            write!(out, "{}", propositions::table(&results))?;
        }
    }
    if s.output.plots && whole {
        let figures = draw(&dir)?;
        if !a.quiet {
            eprintln!("{} figures and report.html", figures / 2);
        }
    }
    if !a.quiet {
        eprintln!(
            "{} runs of `{}` in {:.2} s{} -> {}",
            report.runs,
            s.name,
            report.wall_seconds,
            if report.resumed { " (resumed)" } else { "" },
            dir.display()
        );
    }
    Ok(())
}

fn trace_run(a: &TraceArgs, out: &mut dyn Write) -> Result<()> {
    let (s, _) = load(a.scenario.as_deref(), Overrides::default())?;
    let Some(dp) = s.points.get(a.point) else {
        bail!(
            "--point {} does not exist: `{}` has {} design points (0..={})",
            a.point,
            s.name,
            s.points.len(),
            s.points.len() - 1
        );
    };
    if a.csv {
        trace::csv(&dp.params, a.seed, out)?;
    } else {
        trace::narrate(&dp.params, a.seed, out)?;
    }
    out.flush()?;
    Ok(())
}

/// What `dyadsim check` prints: the scenario, its design, its hypotheses and patterns.
pub struct CheckListing<'a> {
    /// The file as named on the command line.
    pub path: &'a Path,
    /// The validated scenario.
    pub scenario: &'a Scenario,
    /// Its validated hypotheses.
    pub hypotheses: &'a [Hypothesis],
    /// Number of validated patterns.
    pub patterns: usize,
}

/// Design points listed before the rest is summarised.
const LISTED_POINTS: usize = 50;

impl fmt::Display for CheckListing<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.scenario;
        writeln!(
            f,
            "{}: scenario `{}` is valid: {} design point(s) x {} replications = {} runs, {} months, seed {}, design {:?}",
            self.path.display(),
            s.name,
            s.points.len(),
            s.replications,
            s.total_runs(),
            s.base.months,
            s.seed,
            s.design
        )?;
        for fac in &s.factors {
            writeln!(f, "  factor {} = {:?}", fac.path, fac.values)?;
        }
        for (i, p) in s.points.iter().enumerate().take(LISTED_POINTS) {
            let vals: Vec<String> = s
                .factors
                .iter()
                .zip(&p.values)
                .map(|(fac, v)| format!("{}={v}", fac.path))
                .collect();
            writeln!(f, "  point {i}: {}", vals.join(", "))?;
        }
        if s.points.len() > LISTED_POINTS {
            writeln!(f, "  ... {} more points", s.points.len() - LISTED_POINTS)?;
        }
        for h in self.hypotheses {
            writeln!(
                f,
                "  hypothesis {}: {} {:?} -> {} ({})",
                h.id,
                h.factor.path,
                h.levels,
                h.metric,
                h.expect.as_str()
            )?;
        }
        if self.patterns > 0 {
            writeln!(f, "  {} validation pattern(s)", self.patterns)?;
        }
        Ok(())
    }
}

fn check(a: &CheckArgs, out: &mut dyn Write) -> Result<()> {
    let (s, extras) = load(Some(&a.scenario), Overrides::default())?;
    // Validate every block before saying the file is valid.
    let hypotheses = hypothesis::parse_all(&s.file, &extras.hypotheses)?;
    let patterns = if extras.patterns.is_empty() {
        0
    } else {
        validation::parse_pack(&s.source, &s.file, Overrides::default())?
            .patterns
            .len()
    };
    let listing = CheckListing {
        path: &a.scenario,
        scenario: &s,
        hypotheses: &hypotheses,
        patterns,
    };
    write!(out, "{listing}")?;
    Ok(())
}

/// What `dyadsim params` prints: every parameter with its default, range, unit and
/// meaning.
pub struct ParamTable;

impl fmt::Display for ParamTable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{:<36} {:>9} {:>21}  {:<16} meaning",
            "parameter", "default", "range", "unit"
        )?;
        for s in PARAM_SPECS {
            let (default, range) = match s.kind {
                ParamKind::Switch => (
                    (if s.default == 1.0 { "true" } else { "false" }).to_string(),
                    "true/false".to_string(),
                ),
                _ => (format!("{}", s.default), format!("{} ..= {}", s.min, s.max)),
            };
            writeln!(
                f,
                "{:<36} {:>9} {:>21}  {:<16} {}",
                s.path, default, range, s.unit, s.doc
            )?;
        }
        Ok(())
    }
}

fn propositions_cmd(a: &PropositionsArgs, out: &mut dyn Write) -> Result<()> {
    let ov = Overrides {
        seed: a.seed,
        replications: a.reps,
    };
    let sets = propositions::battery(ov)?;
    let started = std::time::Instant::now();
    if a.ablate.as_deref() == Some("all") {
        let (mechs, rows) = ablation::ablation_matrix(&sets)?;
        let md = ablation::ablation_markdown(&mechs, &rows);
        let path = a.out.join("propositions_ablation.md");
        output::write_text_atomic(&path, &md)?;
        if !a.quiet {
            write!(out, "{md}")?;
        }
        eprintln!(
            "verdict x ablated-mechanism table in {:.1} s -> {}",
            started.elapsed().as_secs_f64(),
            path.display()
        );
        return Ok(());
    }
    let results = propositions::run_sets(&sets, a.ablate.as_deref())?;
    let reps_note = match a.reps {
        Some(r) => format!("{r} replications per level"),
        None => "each file's replications per level".to_string(),
    };
    let seed_note = match a.seed {
        Some(s) => format!("master seed {s}"),
        None => "each file's master seed".to_string(),
    };
    let ablate_note = match &a.ablate {
        Some(m) => format!(" Mechanism `{m}` switched off."),
        None => String::new(),
    };
    let files = propositions::write_results(
        &a.out,
        &results,
        "Proposition battery",
        &format!(
            "dyadsim {}: {reps_note}, {seed_note}, common random numbers across levels.{ablate_note}",
            env!("CARGO_PKG_VERSION")
        ),
    )?;
    draw(&a.out)?;
    if !a.quiet {
        write!(out, "{}", propositions::table(&results))?;
    }
    eprintln!(
        "{} hypotheses in {:.1} s -> {}",
        results.len(),
        started.elapsed().as_secs_f64(),
        files[0].display()
    );
    Ok(())
}

fn validate(a: &ValidateArgs, out: &mut dyn Write) -> Result<()> {
    let ov = Overrides {
        seed: a.seed,
        replications: a.reps,
    };
    let started = std::time::Instant::now();
    let packs = validation::load_packs(&a.packs, ov)?;
    let mut results = Vec::new();
    for p in &packs {
        results.extend(validation::run_pack(p));
    }
    let csv = validation::write_csv(&a.out, &results)?;
    let md_path = a
        .markdown
        .clone()
        .unwrap_or_else(|| a.out.join("VALIDATION.md"));
    let note = format!(
        "Generated by `dyadsim validate` (dyadsim {}){}{}.",
        env!("CARGO_PKG_VERSION"),
        a.reps
            .map(|r| format!(", {r} replications per design point"))
            .unwrap_or_default(),
        a.seed
            .map(|s| format!(", master seed {s}"))
            .unwrap_or_default()
    );
    let md = validation::markdown(&packs, &results, &note);
    output::write_text_atomic(&md_path, &md)?;
    if !a.quiet {
        write!(out, "{}", validation::table(&results))?;
    }
    let failed = results
        .iter()
        .filter(|r| r.outcome != validation::Outcome::Pass)
        .count();
    eprintln!(
        "{} patterns, {} not passed, in {:.1} s -> {} and {}",
        results.len(),
        failed,
        started.elapsed().as_secs_f64(),
        csv.display(),
        md_path.display()
    );
    Ok(())
}
