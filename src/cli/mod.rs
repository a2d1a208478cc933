//! The commands of the `dyadsim` binary as library calls: the command-line definitions
//! (clap), one function per command, the progress bar, and the listings of `check` and
//! `params`. The binary parses, calls [`execute`], and turns errors into an exit status;
//! whether a run may be stopped is its decision, passed in as a [`Control`].

// Doc comments of the argument structs are the help text, which names values as <OUT>.
#![allow(rustdoc::invalid_html_tags)]

use std::io::Write;
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Args, CommandFactory, Parser, Subcommand};

use crate::experiment::{self, Progress, RunOptions};

mod calibrate;
mod listing;
mod progress;
mod sensitivity;

use crate::model::run_seed;
use crate::output::lock::FolderLock;
use crate::output::{self, manifest, trace};
use crate::scenario::{self, Overrides, Scenario};
use crate::science::hypothesis::{self};
use crate::science::{ablation, propositions, robustness, validation};
use crate::stats::Verdict;
use crate::{cluster, plot, report, scaffold};
pub use calibrate::CalibrateArgs;
pub use listing::{CheckListing, ParamTable};
pub use progress::Reporter;
pub use sensitivity::SensitivityArgs;

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
    /// Write a commented template scenario NAME.toml to start from.
    Init(InitArgs),
    /// Print a JSON Schema of scenario files (for editors' completion and checking).
    Schema,
    /// Print a shell completion script (e.g. `dyadsim completions bash > dyadsim.bash`).
    Completions(CompletionsArgs),
    /// Print the manual page (roff), e.g. `dyadsim man > dyadsim.1`.
    Man,
    /// Write SLURM batch scripts: an array job of shards and a merge job after it.
    Slurm(SlurmArgs),
    /// Morris or Sobol sensitivity analysis of a scenario's `[sensitivity]` block.
    Sensitivity(SensitivityArgs),
    /// Calibrate a pack's `[prior]` against its patterns (ABC rejection or ABC-SMC), with
    /// a posterior predictive check of the held-out patterns.
    Calibrate(CalibrateArgs),
    /// Serve the classroom page (one dyad month by month, side by side, against its
    /// ensemble, class experiments) on this machine.
    Classroom(ClassroomArgs),
}

/// Arguments of `dyadsim classroom`.
#[derive(Args, Clone, Debug)]
pub struct ClassroomArgs {
    /// Port to listen on (0: a free port chosen by the system).
    #[arg(long, default_value_t = 8000)]
    pub port: u16,
    /// Address to listen on (default 127.0.0.1, this machine only). Any other address
    /// lets other machines reach the page; a warning says so.
    #[arg(long)]
    pub bind: Option<std::net::IpAddr>,
    /// Open the page in the system's web browser.
    #[arg(long)]
    pub open: bool,
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
    /// Continue an interrupted run from its checkpoint (a folder that already holds this
    /// finished run is left as it is).
    #[arg(long)]
    pub resume: bool,
    /// Replace a finished run in the output folder (without it, such a folder is refused;
    /// its files are removed when the new run starts).
    #[arg(long)]
    pub overwrite: bool,
    /// Override a parameter or scenario key, e.g. `--set buyer.champion=0.8` or
    /// `--set scenario.seed=7` (repeatable; validated like the file).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
    /// Table format: csv, parquet or both (replaces the file's `[output] format`).
    #[arg(long)]
    pub format: Option<scenario::OutputFormat>,
    /// No progress bar or progress lines.
    #[arg(long)]
    pub quiet: bool,
    /// Seconds between checkpoints (not an option: the binary sets it from the test aid
    /// `DYADSIM_CHECKPOINT_SECONDS`).
    #[arg(skip = experiment::CHECKPOINT_SECONDS)]
    pub checkpoint_seconds: f64,
}

/// Arguments of `dyadsim trace`.
#[derive(Args, Clone, Debug)]
pub struct TraceArgs {
    /// Scenario TOML file (default: the embedded baseline).
    pub scenario: Option<PathBuf>,
    /// Seed of the run (default 1).
    #[arg(long, conflicts_with = "rep")]
    pub seed: Option<u64>,
    /// Replay replication R of the design point, as `dyadsim run` ran it (its seed comes
    /// from the scenario's master seed, the point and R: the `seed` column of runs.csv).
    #[arg(long)]
    pub rep: Option<u64>,
    /// Design point of a sweep (0-based).
    #[arg(long, default_value_t = 0)]
    pub point: usize,
    /// Print the full per-month trajectory as CSV instead.
    #[arg(long)]
    pub csv: bool,
    /// Override a parameter or scenario key, e.g. `--set buyer.champion=0.8` or
    /// `--set scenario.seed=7` (repeatable; validated like the file).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Arguments of `dyadsim check`.
#[derive(Args, Clone, Debug)]
pub struct CheckArgs {
    /// Scenario TOML file.
    pub scenario: PathBuf,
    /// Override a parameter or scenario key, e.g. `--set buyer.champion=0.8` or
    /// `--set scenario.seed=7` (repeatable; validated like the file).
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// Arguments of `dyadsim init`.
#[derive(Args, Clone, Debug)]
pub struct InitArgs {
    /// Scenario name: letters, digits, `_` and `-`; the file is NAME.toml.
    pub name: String,
    /// Folder to write the file to.
    #[arg(long, default_value = ".")]
    pub dir: PathBuf,
}

/// Arguments of `dyadsim completions`.
#[derive(Args, Clone, Debug)]
pub struct CompletionsArgs {
    /// The shell.
    pub shell: clap_complete::Shell,
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
    /// Ablate one mechanism (see `dyadsim params`, mechanisms.*): switch it off, or switch a
    /// rival mechanism (off by default) on; `all` for the verdict x ablated-mechanism table.
    #[arg(long)]
    pub ablate: Option<String>,
    /// Exit with status 1 when a hypothesis is contradicted (for scripts).
    #[arg(long)]
    pub strict: bool,
    /// Also test every hypothesis at N parameter sets drawn from each file's prior (its
    /// `[prior]`, else every real parameter ±50% around its default) and report the share of
    /// sets in which it is supported, contradicted or inconclusive.
    #[arg(long, value_name = "N")]
    pub robustness: Option<u64>,
    /// Pairs per hypothesis at each parameter set of `--robustness`.
    #[arg(long, value_name = "R", default_value_t = 1000)]
    pub robustness_reps: u64,
    /// Draw the parameter sets of `--robustness` (default 200 sets) from a calibration's
    /// posterior (a posterior.csv of `dyadsim calibrate`) instead of each file's prior.
    #[arg(long, value_name = "FILE")]
    pub posterior: Option<PathBuf>,
    /// Worker threads (default: all cores); the results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No table on the terminal.
    #[arg(long)]
    pub quiet: bool,
}

/// Run command `f` printing to `out`, on a pool of `threads` worker threads when given
/// (else on rayon's global pool). The terminal is not shared with the pool's threads: what
/// the command prints is kept and written after it (progress goes to standard error as it
/// comes).
fn on_threads(
    threads: Option<usize>,
    out: &mut dyn Write,
    f: impl FnOnce(&mut dyn Write) -> Result<()> + Send,
) -> Result<()> {
    let n = match threads {
        None => return f(out),
        Some(0) => bail!("--threads must be at least 1"),
        Some(n) => n,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .build()
        .map_err(|e| anyhow::anyhow!("cannot start {n} worker threads: {e}"))?;
    let mut buf = Vec::new();
    let done = pool.install(|| f(&mut buf));
    out.write_all(&buf)?;
    done
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
    /// Exit with status 1 when a pattern fails (for scripts).
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (default: all cores); the results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No table on the terminal.
    #[arg(long)]
    pub quiet: bool,
    /// Judge every pattern at draws of a calibration's posterior (a posterior.csv of
    /// `dyadsim calibrate`) and report the share of draws in which it passes.
    #[arg(long, value_name = "FILE")]
    pub posterior: Option<PathBuf>,
    /// Posterior draws for --posterior.
    #[arg(long, default_value_t = 100, requires = "posterior")]
    pub draws: usize,
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
    /// Replace a finished output in `--out` (without it, such a folder is refused).
    #[arg(long)]
    pub overwrite: bool,
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
            overwrite: false,
            set: Vec::new(),
            format: None,
            quiet: false,
            checkpoint_seconds: experiment::CHECKPOINT_SECONDS,
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
        Command::Propositions(a) => on_threads(a.threads, out, |o| propositions_cmd(&a, o)),
        Command::Validate(a) => on_threads(a.threads, out, |o| validate(&a, o)),
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
        Command::Init(a) => init(&a),
        Command::Schema => Ok(writeln!(out, "{:#}", scaffold::schema())?),
        Command::Completions(a) => {
            let mut cmd = Cli::command();
            clap_complete::generate(a.shell, &mut cmd, "dyadsim", out);
            Ok(())
        }
        Command::Man => Ok(clap_mangen::Man::new(Cli::command()).render(out)?),
        Command::Merge(a) => {
            if let Some(d) = a.dirs.iter().find(|d| same_folder(d, &a.out)) {
                bail!(
                    "--out {} is one of the shards to merge ({}); write the merged output elsewhere",
                    a.out.display(),
                    d.display()
                );
            }
            std::fs::create_dir_all(&a.out)
                .with_context(|| format!("creating {}", a.out.display()))?;
            let _lock = lock_folder(&a.out)?;
            if finished_run(&a.out) && !a.overwrite {
                bail!(
                    "{} already holds a finished output (manifest.json); pass --overwrite to replace it, or choose another --out",
                    a.out.display()
                );
            }
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
        Command::Slurm(a) => slurm(&a, out),
        Command::Classroom(a) => classroom_cmd(&a, out),
        Command::Sensitivity(a) => sensitivity::sensitivity(&a, out),
        Command::Calibrate(a) => on_threads(a.threads, out, |o| calibrate::calibrate(&a, o)),
    }
}

/// A scenario file, or the embedded baseline without one, with `--set` overrides.
pub fn load(
    path: Option<&Path>,
    ov: Overrides,
    sets: &[String],
) -> Result<(Scenario, scenario::Extras)> {
    Ok(scenario::load_with(path, ov, sets)?)
}

/// Draw the figures and the report of an output directory and record them in its
/// manifest; returns the number of figure files written.
pub fn draw(dir: &Path) -> Result<usize> {
    let mut files =
        plot::render(dir).with_context(|| format!("drawing the figures in {}", dir.display()))?;
    let figures = files.len();
    files.push(
        report::write_report(dir)
            .with_context(|| format!("writing the report in {}", dir.display()))?,
    );
    manifest::add_files(dir, &files)?;
    Ok(figures)
}

/// `dyadsim run`: a scenario end to end. Its runs, then (unsharded only) its
/// `[[hypothesis]]` blocks, then (unsharded, with `plots = true`) figures and report.
pub fn run(a: &RunArgs, out: &mut dyn Write, control: Control<'_>) -> Result<()> {
    let ov = Overrides {
        seed: a.seed,
        replications: a.reps,
    };
    let (mut s, extras) = load(a.scenario.as_deref(), ov, &a.set)?;
    s.output.format = a.format.unwrap_or(s.output.format);
    for note in &extras.notes {
        eprintln!("note: {note}");
    }
    // Validate hypothesis blocks (and pattern blocks, which `validate` uses) before
    // anything is written.
    let hyps = hypothesis::parse_all(&s.file, &extras.hypotheses)?;
    validation::parse_patterns_in(
        &s.file,
        &extras.patterns,
        &validation::PatternContext::of(&s),
    )?;
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
        checkpoint_seconds: a.checkpoint_seconds,
    };
    let whole = opts.shard == (1, 1);
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    // One writer per folder, for the whole command (runs, hypotheses, figures).
    let _lock = lock_folder(&dir)?;
    if finished_run(&dir) && !a.overwrite {
        if a.resume && same_experiment(&dir, &s, opts.shard) {
            experiment::tidy_finished(&dir)?;
            if !a.quiet {
                eprintln!(
                    "{} already holds this finished run; nothing to resume",
                    dir.display()
                );
            }
            return Ok(());
        }
        bail!(
            "{} already holds a finished run (manifest.json); pass --overwrite to replace it (its files are removed when the new run starts), or choose another --out",
            dir.display()
        );
    }
    let mut progress = Reporter::new(s.total_runs(), a.quiet);
    let report = experiment::run(&s, &opts, &mut |p| {
        progress.update(&p);
        control(&p)
    })
    .with_context(|| format!("running scenario `{}`", s.name))?;
    progress.finish();
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
        let files = propositions::write_results(
            &dir,
            &results,
            &format!("Hypotheses of `{}`", s.name),
            &format!(
                "{} replications per level, master seed {}, common random numbers across levels.",
                s.replications, s.seed
            ),
        )?;
        manifest::add_files(&dir, &files)?;
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

/// Lock an output folder for this process; a lock left by a process that ended without
/// releasing it is taken over, with a note.
fn lock_folder(dir: &Path) -> Result<FolderLock> {
    let command: Vec<String> = std::env::args().collect();
    let lock = FolderLock::acquire(dir, &command.join(" "))?;
    if let Some(previous) = &lock.taken_over {
        eprintln!(
            "note: {} was left by {previous}, which ended without finishing; taken over",
            lock.path().display()
        );
    }
    Ok(lock)
}

/// Whether `dir` holds a finished run or merge: its manifest, and no checkpoint of an
/// interrupted run.
fn finished_run(dir: &Path) -> bool {
    dir.join(manifest::MANIFEST).is_file() && !dir.join(experiment::CHECKPOINT).exists()
}

/// Whether the finished run in `dir` is the run of `s` and `shard` (same scenario hash,
/// seed and shard).
fn same_experiment(dir: &Path, s: &scenario::Scenario, shard: (u64, u64)) -> bool {
    manifest::read(dir).is_ok_and(|m| {
        m.scenario_hash.as_deref() == Some(s.hash().as_str())
            && m.master_seed == Some(s.seed)
            && m.shard.as_deref().unwrap_or("1/1") == format!("{}/{}", shard.0, shard.1)
    })
}

/// Whether two paths name the same existing folder.
fn same_folder(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => false,
    }
}

fn trace_run(a: &TraceArgs, out: &mut dyn Write) -> Result<()> {
    let (s, _) = load(a.scenario.as_deref(), Overrides::default(), &a.set)?;
    let Some(dp) = s.points.get(a.point) else {
        bail!(
            "--point {} does not exist: `{}` has {} design points (0..={})",
            a.point,
            s.name,
            s.points.len(),
            s.points.len() - 1
        );
    };
    let seed = match a.rep {
        Some(rep) => run_seed(s.seed, a.point, rep),
        None => a.seed.unwrap_or(1),
    };
    // The point's parameters with the population drawn for this run's seed.
    let params = dp.realise(seed);
    if a.csv {
        // The CSV stays a plain table; the draws go to standard error.
        if !dp.population.is_empty() {
            let mut err = std::io::stderr().lock();
            trace::draws(&dp.population, seed, &mut err)?;
        }
        trace::csv(&params, seed, out)?;
    } else {
        trace::draws(&dp.population, seed, out)?;
        trace::narrate(&params, seed, out)?;
    }
    out.flush()?;
    Ok(())
}

fn check(a: &CheckArgs, out: &mut dyn Write) -> Result<()> {
    let (s, extras) = load(Some(&a.scenario), Overrides::default(), &a.set)?;
    // Validate every block before saying the file is valid.
    let hypotheses = hypothesis::parse_all(&s.file, &extras.hypotheses)?;
    let parsed = validation::parse_patterns_in(
        &s.file,
        &extras.patterns,
        &validation::PatternContext::of(&s),
    )?;
    let patterns = parsed.len();
    let ids: Vec<String> = parsed.iter().map(|p| p.id.clone()).collect();
    let calibration = scenario::calibration_plan(&s, &ids)?;
    let plan = scenario::sensitivity_plan(&s)?;
    let listing = CheckListing {
        path: &a.scenario,
        scenario: &s,
        hypotheses: &hypotheses,
        patterns,
    };
    write!(out, "{listing}")?;
    if let Some(p) = plan {
        writeln!(
            out,
            "[sensitivity]: {} design over {} parameters, {} points x {} replications (run it with `dyadsim sensitivity`)",
            p.method.name(),
            p.params.len(),
            p.method.points(p.params.len()),
            p.replications
        )?;
    }
    if let Some(c) = calibration {
        writeln!(
            out,
            "[calibration]: {} over {} parameters, {} target and {} held-out patterns, at most {} simulations of {} runs per design point (run it with `dyadsim calibrate`)",
            c.method.name(),
            s.prior.len(),
            c.targets.len(),
            c.held_out.len(),
            c.simulations,
            c.replications
        )?;
    }
    Ok(())
}

fn propositions_cmd(a: &PropositionsArgs, out: &mut dyn Write) -> Result<()> {
    let ov = Overrides {
        seed: a.seed,
        replications: a.reps,
    };
    let sets = propositions::battery(ov)?;
    let started = std::time::Instant::now();
    let started_at = output::now_utc();
    if a.ablate.as_deref() == Some("all") {
        let (mechs, rows) = ablation::ablation_matrix(&sets)?;
        let md = ablation::ablation_markdown(&mechs, &rows);
        let path = a.out.join("propositions_ablation.md");
        output::write_text_atomic(&path, &md)?;
        manifest::write_batch(
            &a.out,
            started_at,
            started.elapsed().as_secs_f64(),
            sets.iter().map(|s| s.file.clone()).collect(),
            std::slice::from_ref(&path),
        )?;
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
    let posterior = match &a.posterior {
        Some(p) => Some(crate::calibration::PosteriorFile::read(p)?),
        None => None,
    };
    let robustness_n = match (&posterior, a.robustness) {
        (Some(_), None) => Some(200),
        (_, n) => n,
    };
    let robustness = match robustness_n {
        None => None,
        Some(0) => bail!("--robustness needs at least 1 parameter set"),
        Some(_) if a.robustness_reps < 2 => {
            bail!("--robustness-reps needs at least 2 pairs per set")
        }
        Some(n) => {
            let files = sets.len() as u64;
            let bar = if a.quiet {
                indicatif::ProgressBar::hidden()
            } else {
                indicatif::ProgressBar::new(n * files)
            };
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "robustness {bar:30} {pos}/{len} (file, set) [{elapsed} < {eta}]",
                )
                .expect("a valid template"),
            );
            // With --ablate, the parameter sets are drawn around the ablated model.
            let ablated_sets;
            let sets_run: &[propositions::HypothesisSet] = match a.ablate.as_deref() {
                Some(m) => {
                    ablated_sets = propositions::ablated_sets(&sets, m);
                    &ablated_sets
                }
                None => &sets,
            };
            let seed = a.seed.unwrap_or(robustness::DEFAULT_SEED);
            let given = posterior.as_ref().map(|p| p.draws(n as usize, seed));
            let source = match &given {
                Some(g) => robustness::Source::Given(g),
                None => robustness::Source::Prior,
            };
            let rob =
                robustness::run_from(sets_run, source, n, Some(a.robustness_reps), seed, &|| {
                    bar.inc(1)
                });
            bar.finish_and_clear();
            Some(rob)
        }
    };
    let reps_note = match a.reps {
        Some(r) => format!("{r} replications per level"),
        None => "each file's replications per level".to_string(),
    };
    let seed_note = match a.seed {
        Some(s) => format!("master seed {s}"),
        None => "each file's master seed".to_string(),
    };
    let ablate_note = match &a.ablate {
        Some(m) => format!(
            " Mechanism `{m}` switched {}.",
            crate::model::params::ablation_label(m)
        ),
        None => String::new(),
    };
    let rob_note = robustness.as_ref().map_or(String::new(), |r| {
        format!(
            " Robustness: {} parameter sets per file from {}, {} pairs per hypothesis per set, seed {}.",
            r.sets,
            match &posterior {
                Some(p) => format!("the posterior `{}` (drawn by weight)", p.path.display()),
                None => "each file's prior".to_string(),
            },
            a.robustness_reps,
            a.seed.unwrap_or(robustness::DEFAULT_SEED)
        )
    });
    let files = propositions::write_results_with(
        &a.out,
        &results,
        robustness.as_ref(),
        "Proposition battery",
        &format!(
            "dyadsim {}: {reps_note}, {seed_note}, common random numbers across levels.{ablate_note}{rob_note}",
            env!("CARGO_PKG_VERSION")
        ),
    )?;
    manifest::write_batch(
        &a.out,
        started_at,
        started.elapsed().as_secs_f64(),
        sets.iter().map(|s| s.file.clone()).collect(),
        &files,
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
    let contradicted: Vec<&str> = results
        .iter()
        .filter(|r| r.verdict == Verdict::Contradicted)
        .map(|r| r.hypothesis.id.as_str())
        .collect();
    if a.strict && !contradicted.is_empty() {
        bail!(
            "--strict: {} hypothesis(es) contradicted: {}",
            contradicted.len(),
            contradicted.join(", ")
        );
    }
    Ok(())
}

fn validate(a: &ValidateArgs, out: &mut dyn Write) -> Result<()> {
    let ov = Overrides {
        seed: a.seed,
        replications: a.reps,
    };
    let started = std::time::Instant::now();
    let started_at = output::now_utc();
    let packs = validation::load_packs(&a.packs, ov)?;
    if let Some(post) = &a.posterior {
        if a.strict {
            bail!("--strict applies to one parameter point, not to --posterior");
        }
        return calibrate::validate_posterior(a, &packs, post, out);
    }
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
    let mut files = vec![csv.clone()];
    if md_path.parent() == Some(a.out.as_path()) {
        files.push(md_path.clone());
    }
    manifest::write_batch(
        &a.out,
        started_at,
        started.elapsed().as_secs_f64(),
        packs.iter().map(|p| p.file.clone()).collect(),
        &files,
    )?;
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
    let failures: Vec<&str> = results
        .iter()
        .filter(|r| r.outcome == validation::Outcome::Fail)
        .map(|r| r.pattern.id.as_str())
        .collect();
    if a.strict && !failures.is_empty() {
        bail!(
            "--strict: {} pattern(s) failed: {}",
            failures.len(),
            failures.join(", ")
        );
    }
    Ok(())
}

/// `dyadsim init`: a commented template scenario that runs as it is.
fn init(a: &InitArgs) -> Result<()> {
    let text = scaffold::template(&a.name)?;
    let path = a.dir.join(format!("{}.toml", a.name));
    if path.exists() {
        bail!(
            "{} exists; choose another name or remove it first",
            path.display()
        );
    }
    output::write_text_atomic(&path, &text)?;
    eprintln!(
        "wrote {}; check it with `dyadsim check {0}` and run it with `dyadsim run {0}`",
        path.display()
    );
    Ok(())
}

/// Arguments of `dyadsim slurm`.
#[derive(Args, Clone, Debug)]
pub struct SlurmArgs {
    /// Scenario TOML file.
    pub scenario: PathBuf,
    /// Array tasks: task K runs shard K of N.
    #[arg(long)]
    pub tasks: u64,
    /// CPUs per task, used as its worker threads.
    #[arg(long, default_value_t = 1)]
    pub cpus_per_task: u64,
    /// SLURM partition of both jobs.
    #[arg(long)]
    pub partition: Option<String>,
    /// Time limit of each job, as SLURM takes it (e.g. 02:00:00).
    #[arg(long)]
    pub time: Option<String>,
    /// Memory of each job, as SLURM takes it (e.g. 4G).
    #[arg(long)]
    pub mem: Option<String>,
    /// Output root: the merged output goes to OUT/NAME/, scripts, logs and shards to
    /// OUT/NAME-slurm/ (NAME: the scenario's name).
    #[arg(long, default_value = "output")]
    pub out: PathBuf,
    /// The dyadsim executable the jobs run (default: this one).
    #[arg(long)]
    pub dyadsim: Option<PathBuf>,
    /// Override a parameter or scenario key in every task, as `dyadsim run --set`.
    #[arg(long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,
}

/// `dyadsim slurm`: validate the scenario as `run` does, then write the batch scripts and
/// print how to submit them.
fn slurm(a: &SlurmArgs, out: &mut dyn Write) -> Result<()> {
    let (s, extras) = load(Some(&a.scenario), Overrides::default(), &a.set)?;
    let hyps = hypothesis::parse_all(&s.file, &extras.hypotheses)?;
    let resources = cluster::SlurmResources {
        tasks: a.tasks,
        cpus_per_task: a.cpus_per_task,
        partition: a.partition.clone(),
        time: a.time.clone(),
        mem: a.mem.clone(),
    };
    let job = cluster::SlurmJob::new(&s, &a.scenario, &a.out, a.dyadsim.as_deref(), resources)?
        .with_sets(&a.set);
    for w in job.warnings() {
        eprintln!("warning: {w}");
    }
    if !hyps.is_empty() {
        eprintln!(
            "note: the scenario's [[hypothesis]] blocks are not run in shards; run them with `dyadsim run` on the whole scenario"
        );
    }
    cluster::write_scripts(&job)?;
    write!(out, "{}", job.instructions())?;
    Ok(())
}

/// `dyadsim classroom`: bind, print the URL, optionally open a browser, serve until the
/// process is stopped.
fn classroom_cmd(a: &ClassroomArgs, out: &mut dyn Write) -> Result<()> {
    let ip = a
        .bind
        .unwrap_or(std::net::IpAddr::V4(std::net::Ipv4Addr::LOCALHOST));
    let server = crate::classroom::Classroom::bind(ip, a.port)?;
    if crate::classroom::is_exposed(ip) {
        eprintln!(
            "warning: listening on {ip}: other machines that can reach this address can use the page and its API (there is no login); use the default 127.0.0.1 to keep it on this machine"
        );
    }
    let url = server.url();
    writeln!(out, "dyadsim classroom: {url}")?;
    out.flush()?;
    eprintln!("serving the classroom page; stop with Ctrl-C");
    if a.open
        && let Err(e) = opener::open_browser(&url)
    {
        eprintln!("warning: could not open a browser ({e}); open {url} yourself");
    }
    // Ctrl-C (or SIGTERM): answer the requests in progress, then stop.
    let stop = server.stopper();
    ctrlc::set_handler(move || {
        eprintln!("stopping: finishing the requests in progress");
        stop();
    })
    .context("installing the Ctrl-C handler")?;
    server.serve();
    eprintln!("dyadsim classroom stopped");
    Ok(())
}
