//! The `dyadsim` command line: parse, call the library, print the error chain.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use dyadsim::experiment::{self, RunOptions};
use dyadsim::model::params::{PARAM_SPECS, ParamKind};
use dyadsim::output::{self, trace};
use dyadsim::scenario::{self, Overrides, Scenario};
use dyadsim::{hypothesis, plot, propositions, report, validation};

/// Write to standard output; a closed pipe (e.g. `dyadsim params | head`) ends the
/// command quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {
        write!(std::io::stdout().lock(), $($arg)*).map_err(anyhow::Error::from)?
    };
}
macro_rules! outln {
    ($($arg:tt)*) => {
        writeln!(std::io::stdout().lock(), $($arg)*).map_err(anyhow::Error::from)?
    };
}

/// Simulate power-asymmetric buyer–supplier relationships.
#[derive(Parser)]
#[command(name = "dyadsim", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (the embedded baseline without a file) and write its outputs.
    Run {
        /// Scenario TOML file.
        scenario: Option<PathBuf>,
        /// Output root; results go to <OUT>/<scenario name>/.
        #[arg(long, default_value = "output")]
        out: PathBuf,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Master seed (replaces the file's).
        #[arg(long)]
        seed: Option<u64>,
        /// Replications per design point (replaces the file's).
        #[arg(long)]
        reps: Option<u64>,
        /// Run only shard K of N (e.g. 2/4); merge the shards with `dyadsim merge`.
        #[arg(long, value_parser = parse_shard)]
        shard: Option<(u64, u64)>,
        /// Continue an interrupted run from its checkpoint.
        #[arg(long)]
        resume: bool,
        /// No progress bar.
        #[arg(long)]
        quiet: bool,
    },
    /// Tell one run month by month.
    Trace {
        /// Scenario TOML file (default: the embedded baseline).
        scenario: Option<PathBuf>,
        /// Seed of the run.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Design point of a sweep (0-based).
        #[arg(long, default_value_t = 0)]
        point: usize,
        /// Print the full per-month trajectory as CSV instead.
        #[arg(long)]
        csv: bool,
    },
    /// Validate a scenario and print its expanded design, without running it.
    Check {
        /// Scenario TOML file.
        scenario: PathBuf,
    },
    /// List every model parameter with its default, range, unit and meaning.
    Params,
    /// Test the propositions: run the shipped battery and print verdicts.
    Propositions {
        /// Replications per hypothesis level (replaces each file's).
        #[arg(long)]
        reps: Option<u64>,
        /// Master seed (replaces each file's).
        #[arg(long)]
        seed: Option<u64>,
        /// Output directory.
        #[arg(long, default_value = "output/propositions")]
        out: PathBuf,
        /// Switch one mechanism off (see `dyadsim params`, mechanisms.*), or `all` for the
        /// verdict x ablated-mechanism table.
        #[arg(long)]
        ablate: Option<String>,
        /// No table on the terminal.
        #[arg(long)]
        quiet: bool,
    },
    /// Run the case-study packs and check their declared patterns.
    Validate {
        /// Packs: success_case, failure_case, eighteen_dyads, or pack files (default: all).
        packs: Vec<String>,
        /// Replications per design point (replaces each pack's).
        #[arg(long)]
        reps: Option<u64>,
        /// Master seed (replaces each pack's).
        #[arg(long)]
        seed: Option<u64>,
        /// Output directory for validation.csv.
        #[arg(long, default_value = "output/validation")]
        out: PathBuf,
        /// Where to write the markdown report (default: <OUT>/VALIDATION.md).
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// No table on the terminal.
        #[arg(long)]
        quiet: bool,
    },
    /// Redraw the figures and report.html of an output directory from its CSV files.
    Plot {
        /// Output directory (e.g. output/baseline).
        dir: PathBuf,
    },
    /// Merge shard outputs into one output equal to an unsharded run.
    Merge {
        /// Shard output directories.
        #[arg(required = true)]
        dirs: Vec<PathBuf>,
        /// Output directory.
        #[arg(long)]
        out: PathBuf,
    },
}

fn parse_shard(s: &str) -> Result<(u64, u64), String> {
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

fn load(path: Option<&Path>, ov: Overrides) -> Result<(Scenario, scenario::Extras)> {
    Ok(match path {
        Some(p) => scenario::load(p, ov)?,
        None => scenario::parse(scenario::BASELINE_TOML, "<embedded baseline>", ov)?,
    })
}

/// Draw the figures and the report of an output directory; returns the number of figure
/// files written.
fn draw(dir: &Path) -> Result<usize> {
    let figures =
        plot::render(dir).with_context(|| format!("drawing the figures in {}", dir.display()))?;
    report::write_report(dir)
        .with_context(|| format!("writing the report in {}", dir.display()))?;
    Ok(figures.len())
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = dispatch(cli.command.unwrap_or(Command::Run {
        scenario: None,
        out: PathBuf::from("output"),
        threads: None,
        seed: None,
        reps: None,
        shard: None,
        resume: false,
        quiet: false,
    })) {
        let broken_pipe = e.chain().any(|c| {
            c.downcast_ref::<std::io::Error>()
                .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
        });
        if broken_pipe {
            // The reader went away (`| head`): nothing is wrong with the work.
            std::process::exit(0);
        }
        eprintln!("Error: {e:#}");
        std::process::exit(1);
    }
}

fn dispatch(cmd: Command) -> Result<()> {
    match cmd {
        Command::Run {
            scenario,
            out,
            threads,
            seed,
            reps,
            shard,
            resume,
            quiet,
        } => {
            let (s, extras) = load(
                scenario.as_deref(),
                Overrides {
                    seed,
                    replications: reps,
                },
            )?;
            // Validate hypothesis blocks before anything is written.
            let hyps = hypothesis::parse_all(&s.file, &extras.hypotheses)?;
            let threads = threads
                .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
            if threads == 0 {
                bail!("--threads must be at least 1");
            }
            let dir = out.join(&s.name);
            let abort_after_chunks = std::env::var("DYADSIM_ABORT_AFTER_CHUNKS")
                .ok()
                .and_then(|v| v.parse().ok());
            let opts = RunOptions {
                out_dir: dir.clone(),
                threads,
                shard: shard.unwrap_or((1, 1)),
                resume,
                abort_after_chunks,
            };
            let bar = if quiet || !std::io::stderr().is_terminal() {
                ProgressBar::hidden()
            } else {
                let b = ProgressBar::with_draw_target(
                    Some(s.total_runs()),
                    ProgressDrawTarget::stderr(),
                );
                b.set_style(
                    ProgressStyle::with_template(
                        "{bar:40} {human_pos}/{human_len} runs  {rate}  ETA {eta}",
                    )
                    .map(|st| {
                        st.with_key(
                            "rate",
                            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = write!(w, "{:.0} runs/s", state.per_sec());
                            },
                        )
                    })
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
                );
                b
            };
            let report = experiment::run(&s, &opts, &|done, total| {
                bar.set_length(total);
                bar.set_position(done);
            })
            .with_context(|| format!("running scenario `{}`", s.name))?;
            bar.finish_and_clear();
            if !hyps.is_empty() && opts.shard != (1, 1) {
                eprintln!(
                    "note: the scenario's [[hypothesis]] blocks are not run in a shard; run them with `dyadsim run` on the whole scenario"
                );
            }
            if !hyps.is_empty() && opts.shard == (1, 1) {
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
                if !quiet {
                    out!("{}", propositions::table(&results));
                }
            }
            if s.output.plots && opts.shard == (1, 1) {
                let figures = draw(&dir)?;
                if !quiet {
                    eprintln!("{} figures and report.html", figures / 2);
                }
            }
            if !quiet {
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
        Command::Trace {
            scenario,
            seed,
            point,
            csv,
        } => {
            let (s, _) = load(scenario.as_deref(), Overrides::default())?;
            let Some(dp) = s.points.get(point) else {
                bail!(
                    "--point {point} does not exist: `{}` has {} design points (0..={})",
                    s.name,
                    s.points.len(),
                    s.points.len() - 1
                );
            };
            let stdout = std::io::stdout();
            let mut w = stdout.lock();
            if csv {
                trace::csv(&dp.params, seed, &mut w)?;
            } else {
                trace::narrate(&dp.params, seed, &mut w)?;
            }
            w.flush()?;
            Ok(())
        }
        Command::Check { scenario } => {
            let (s, extras) = load(Some(&scenario), Overrides::default())?;
            // Validate every block before saying the file is valid.
            let hyps = hypothesis::parse_all(&s.file, &extras.hypotheses)?;
            let patterns = if extras.patterns.is_empty() {
                0
            } else {
                validation::parse_pack(&s.source, &s.file, Overrides::default())?
                    .patterns
                    .len()
            };
            outln!(
                "{}: scenario `{}` is valid: {} design point(s) x {} replications = {} runs, {} months, seed {}, design {:?}",
                scenario.display(),
                s.name,
                s.points.len(),
                s.replications,
                s.total_runs(),
                s.base.months,
                s.seed,
                s.design
            );
            for f in &s.factors {
                outln!("  factor {} = {:?}", f.path, f.values);
            }
            for (i, p) in s.points.iter().enumerate().take(50) {
                let vals: Vec<String> = s
                    .factors
                    .iter()
                    .zip(&p.values)
                    .map(|(f, v)| format!("{}={v}", f.path))
                    .collect();
                outln!("  point {i}: {}", vals.join(", "));
            }
            if s.points.len() > 50 {
                outln!("  ... {} more points", s.points.len() - 50);
            }
            for h in &hyps {
                outln!(
                    "  hypothesis {}: {} {:?} -> {} ({})",
                    h.id,
                    h.factor,
                    h.levels,
                    h.metric,
                    h.expect.as_str()
                );
            }
            if patterns > 0 {
                outln!("  {patterns} validation pattern(s)");
            }
            Ok(())
        }
        Command::Params => {
            outln!(
                "{:<36} {:>9} {:>21}  {:<16} meaning",
                "parameter",
                "default",
                "range",
                "unit"
            );
            for s in PARAM_SPECS {
                let default = match s.kind {
                    ParamKind::Switch => {
                        (if s.default == 1.0 { "true" } else { "false" }).to_string()
                    }
                    _ => format!("{}", s.default),
                };
                let range = match s.kind {
                    ParamKind::Switch => "true/false".to_string(),
                    _ => format!("{} ..= {}", s.min, s.max),
                };
                outln!(
                    "{:<36} {:>9} {:>21}  {:<16} {}",
                    s.path,
                    default,
                    range,
                    s.unit,
                    s.doc
                );
            }
            Ok(())
        }
        Command::Propositions {
            reps,
            seed,
            out,
            ablate,
            quiet,
        } => {
            let ov = Overrides {
                seed,
                replications: reps,
            };
            let sets = propositions::battery(ov)?;
            let started = std::time::Instant::now();
            if ablate.as_deref() == Some("all") {
                let (mechs, rows) = propositions::ablation_matrix(&sets)?;
                let md = propositions::ablation_markdown(&mechs, &rows);
                let path = out.join("propositions_ablation.md");
                output::write_text_atomic(&path, &md)?;
                if !quiet {
                    out!("{md}");
                }
                eprintln!(
                    "verdict x ablated-mechanism table in {:.1} s -> {}",
                    started.elapsed().as_secs_f64(),
                    path.display()
                );
                return Ok(());
            }
            let results = propositions::run_sets(&sets, ablate.as_deref())?;
            let reps_note = match reps {
                Some(r) => format!("{r} replications per level"),
                None => "each file's replications per level".to_string(),
            };
            let seed_note = match seed {
                Some(s) => format!("master seed {s}"),
                None => "each file's master seed".to_string(),
            };
            let ablate_note = match &ablate {
                Some(m) => format!(" Mechanism `{m}` switched off."),
                None => String::new(),
            };
            let files = propositions::write_results(
                &out,
                &results,
                "Proposition battery",
                &format!(
                    "dyadsim {}: {reps_note}, {seed_note}, common random numbers across levels.{ablate_note}",
                    env!("CARGO_PKG_VERSION")
                ),
            )?;
            draw(&out)?;
            if !quiet {
                out!("{}", propositions::table(&results));
            }
            eprintln!(
                "{} hypotheses in {:.1} s -> {}",
                results.len(),
                started.elapsed().as_secs_f64(),
                files[0].display()
            );
            Ok(())
        }
        Command::Validate {
            packs,
            reps,
            seed,
            out,
            markdown,
            quiet,
        } => {
            let ov = Overrides {
                seed,
                replications: reps,
            };
            let started = std::time::Instant::now();
            let packs = validation::load_packs(&packs, ov)?;
            let mut results = Vec::new();
            for p in &packs {
                results.extend(validation::run_pack(p));
            }
            let csv = validation::write_csv(&out, &results)?;
            let md_path = markdown.unwrap_or_else(|| out.join("VALIDATION.md"));
            let note = format!(
                "Generated by `dyadsim validate` (dyadsim {}){}{}.",
                env!("CARGO_PKG_VERSION"),
                reps.map(|r| format!(", {r} replications per design point"))
                    .unwrap_or_default(),
                seed.map(|s| format!(", master seed {s}"))
                    .unwrap_or_default()
            );
            let md = validation::markdown(&packs, &results, &note);
            output::write_text_atomic(&md_path, &md)?;
            if !quiet {
                out!("{}", validation::table(&results));
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
        Command::Plot { dir } => {
            if !dir.is_dir() {
                bail!("{} is not a directory", dir.display());
            }
            let figures = draw(&dir)?;
            eprintln!(
                "{} figures and report.html -> {}",
                figures / 2,
                dir.display()
            );
            Ok(())
        }
        Command::Merge { dirs, out } => {
            let r = experiment::merge(&dirs, &out)?;
            draw(&out)?;
            eprintln!(
                "merged {} shards ({} runs) -> {}",
                dirs.len(),
                r.runs,
                out.display()
            );
            Ok(())
        }
    }
}
