//! `dyadsim calibrate`, and the `--posterior` modes of `validate` and `propositions`.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result, bail};
use clap::Args;

use crate::calibration::{
    self, CHECKPOINT_FILE, Options, POSTERIOR_FILE, PosteriorFile, REPORT_FILE,
};
use crate::output::lock::FolderLock;
use crate::output::{self, manifest};
use crate::scenario::{self, Overrides};
use crate::science::{propositions, robustness, validation};

/// Arguments of `dyadsim calibrate`.
#[derive(Args, Clone, Debug)]
pub struct CalibrateArgs {
    /// The pack to calibrate: eighteen_dyads, success_case, failure_case, or a pack file
    /// with `[prior]` and `[calibration]` blocks.
    pub pack: String,
    /// Output folder.
    #[arg(long, default_value = "output/calibration")]
    pub out: PathBuf,
    /// Master seed (replaces the pack's).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Most simulations of the pack (replaces the block's `simulations`).
    #[arg(long)]
    pub simulations: Option<u64>,
    /// Particles (replaces the block's `particles`).
    #[arg(long)]
    pub particles: Option<usize>,
    /// Method (replaces the block's `method`).
    #[arg(long, value_parser = ["smc", "rejection"])]
    pub method: Option<String>,
    /// Continue an interrupted calibration in --out from its last finished generation.
    #[arg(long, conflicts_with = "overwrite")]
    pub resume: bool,
    /// Replace a calibration already in --out.
    #[arg(long)]
    pub overwrite: bool,
    /// Also run the proposition battery at this many posterior draws and add the verdict
    /// shares to the report.
    #[arg(long, value_name = "DRAWS")]
    pub propositions: Option<u64>,
    /// Pairs per hypothesis at each draw of --propositions.
    #[arg(long, default_value_t = 1000)]
    pub propositions_reps: u64,
    /// Where to write the markdown report (default: <OUT>/CALIBRATION.md).
    #[arg(long)]
    pub markdown: Option<PathBuf>,
    /// Worker threads (default: all cores); the results do not depend on it.
    #[arg(long)]
    pub threads: Option<usize>,
    /// No progress bar and no summary.
    #[arg(long)]
    pub quiet: bool,
}

fn bar(quiet: bool) -> indicatif::ProgressBar {
    let b = if quiet {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new_spinner()
    };
    b.set_style(
        indicatif::ProgressStyle::with_template("calibrate {spinner} {msg} [{elapsed}]")
            .expect("a valid template"),
    );
    b
}

/// Run `dyadsim calibrate`.
pub fn calibrate(a: &CalibrateArgs, out: &mut dyn Write) -> Result<()> {
    let started = Instant::now();
    let started_at = output::now_utc();
    let packs = validation::load_packs(std::slice::from_ref(&a.pack), Overrides::default())?;
    let pack = &packs[0];
    let ids: Vec<String> = pack.patterns.iter().map(|p| p.id.clone()).collect();
    let Some(mut plan) = scenario::calibration_plan(&pack.scenario, &ids)? else {
        bail!(
            "{}: no [calibration] block; add one (and a [prior]) as docs/CALIBRATION.md shows",
            pack.file
        );
    };
    if let Some(n) = a.simulations {
        plan.simulations = n;
    }
    if let Some(n) = a.particles {
        if n < 2 {
            bail!("--particles needs at least 2");
        }
        plan.particles = n;
    }
    if let Some(m) = &a.method {
        plan.method = if m == "rejection" {
            scenario::CalibrationMethod::Rejection
        } else {
            scenario::CalibrationMethod::Smc
        };
    }
    if !plan.affordable() {
        bail!(
            "--simulations {} cannot pay for the pilot ({}) and one generation of {} particles",
            plan.simulations,
            plan.pilot,
            plan.particles
        );
    }
    if a.propositions == Some(0) {
        bail!("--propositions needs at least 1 draw");
    }
    let seed = a.seed.unwrap_or(pack.scenario.seed);
    std::fs::create_dir_all(&a.out).with_context(|| format!("creating {}", a.out.display()))?;
    let _lock = FolderLock::acquire(&a.out, "dyadsim calibrate")?;
    let ckpt = a.out.join(CHECKPOINT_FILE);
    if !a.resume && !a.overwrite {
        if ckpt.exists() {
            bail!(
                "{}: an interrupted calibration is here; continue it with --resume, or replace it with --overwrite",
                a.out.display()
            );
        }
        if a.out.join(POSTERIOR_FILE).exists() {
            bail!(
                "{}: holds a finished calibration; replace it with --overwrite, or write elsewhere with --out",
                a.out.display()
            );
        }
    }
    if a.overwrite && ckpt.exists() {
        std::fs::remove_file(&ckpt).with_context(|| format!("removing {}", ckpt.display()))?;
    }
    let b = bar(a.quiet);
    let progress = |phase: &str, done: u64, total: u64| {
        if total > 0 {
            b.set_message(format!("{phase}: {done}/{total} simulations"));
        } else {
            b.set_message(format!("{phase}: {done} simulations"));
        }
        b.tick();
    };
    let cal = calibration::calibrate(
        pack,
        &plan,
        seed,
        &Options {
            dir: &a.out,
            resume: a.resume,
            progress: &progress,
        },
    )?;
    // The propositions in the posterior region.
    let extra = match a.propositions {
        None => String::new(),
        Some(n) => {
            b.set_message(format!("propositions at {n} posterior draws"));
            let post = cal.posterior_file(a.out.join(POSTERIOR_FILE));
            let draws = post.draws(n as usize, seed);
            let sets = propositions::battery(Overrides::default())?;
            let rob = robustness::run_from(
                &sets,
                robustness::Source::Given(&draws),
                n,
                Some(a.propositions_reps),
                seed,
                &|| b.tick(),
            );
            let dir = a.out.join("propositions");
            let results = propositions::run_sets(&sets, None)?;
            propositions::write_results_with(
                &dir,
                &results,
                Some(&rob),
                "Proposition battery over the calibration's posterior",
                &format!(
                    "dyadsim {}: robustness over {n} draws of the posterior, {} pairs per hypothesis per draw.",
                    env!("CARGO_PKG_VERSION"),
                    a.propositions_reps
                ),
            )?;
            posterior_propositions_markdown(&rob, &results, n, a.propositions_reps)
        }
    };
    b.finish_and_clear();
    let command = command_line(a);
    let mut files = calibration::write(&a.out, pack, &cal, &command, &extra)?;
    if let Some(md) = &a.markdown {
        let mut text = std::fs::read_to_string(a.out.join(REPORT_FILE))
            .with_context(|| format!("reading {}", a.out.join(REPORT_FILE).display()))?;
        // The figures go beside the copy, in img/, under names of their own.
        let img = md.parent().unwrap_or(Path::new(".")).join("img");
        std::fs::create_dir_all(&img).with_context(|| format!("creating {}", img.display()))?;
        for stem in ["marginals", "pairs"] {
            let to = img.join(format!("calibration_{stem}.png"));
            std::fs::copy(a.out.join(format!("{stem}.png")), &to)
                .with_context(|| format!("writing {}", to.display()))?;
            text = text.replace(
                &format!("]({stem}.png)"),
                &format!("](img/calibration_{stem}.png)"),
            );
        }
        output::write_text_atomic(md, &text)?;
    }
    calibration::finish(&a.out)?;
    files.retain(|f| f.parent() == Some(a.out.as_path()));
    manifest::write_batch(
        &a.out,
        started_at,
        started.elapsed().as_secs_f64(),
        vec![pack.file.clone()],
        &files,
    )?;
    if !a.quiet {
        let held: Vec<_> = cal
            .predictive
            .iter()
            .filter(|p| p.role == "held out")
            .collect();
        writeln!(
            out,
            "{} simulations, {} generation(s), final tolerance {}, posterior ESS {:.0}",
            cal.simulations(),
            cal.generations.len(),
            crate::output::sig(cal.generations.last().map_or(f64::NAN, |g| g.epsilon)),
            cal.generations.last().map_or(0.0, |g| g.ess())
        )?;
        for m in &cal.movement {
            writeln!(
                out,
                "  {:<45} prior {:>9} ({:>8})  posterior {:>9} ({:>8})  {}",
                m.path,
                crate::output::sig(m.prior.0),
                crate::output::sig(m.prior.1),
                crate::output::sig(m.posterior.0),
                crate::output::sig(m.posterior.1),
                if m.constrained() {
                    "constrained"
                } else {
                    "not constrained"
                }
            )?;
        }
        for p in held {
            writeln!(
                out,
                "  held out {:<22} {}",
                p.posterior.pattern.id,
                p.posterior.outcome.as_str()
            )?;
        }
    }
    eprintln!(
        "calibration in {:.0} s -> {}",
        started.elapsed().as_secs_f64(),
        a.out.join(REPORT_FILE).display()
    );
    Ok(())
}

/// The command that regenerates a calibration (for its report).
fn command_line(a: &CalibrateArgs) -> String {
    let mut s = format!("dyadsim calibrate {} --out {}", a.pack, a.out.display());
    if let Some(m) = &a.markdown {
        s.push_str(&format!(" --markdown {}", m.display()));
    }
    if let Some(x) = a.seed {
        s.push_str(&format!(" --seed {x}"));
    }
    if let Some(x) = a.simulations {
        s.push_str(&format!(" --simulations {x}"));
    }
    if let Some(x) = a.particles {
        s.push_str(&format!(" --particles {x}"));
    }
    if let Some(x) = &a.method {
        s.push_str(&format!(" --method {x}"));
    }
    if let Some(x) = a.propositions {
        s.push_str(&format!(
            " --propositions {x} --propositions-reps {}",
            a.propositions_reps
        ));
    }
    s
}

fn posterior_propositions_markdown(
    rob: &robustness::Robustness,
    results: &[crate::science::hypothesis::HypothesisResult],
    n: u64,
    reps: u64,
) -> String {
    let mut s = format!(
        "## The propositions in the posterior region\n\nEvery hypothesis of the battery tested at {n} parameter sets drawn from the posterior by weight ({reps} pairs each): the share of sets in which it is supported, contradicted or inconclusive, with a Wilson 95% interval for the share supported, and its verdict at the hand-set defaults for comparison. Files: `propositions/robustness.csv`, `propositions/robustness_sets.csv`.\n\n| id | verdict at the defaults | supported | contradicted | inconclusive | class |\n|---|---|---|---|---|---|\n"
    );
    for (h, r) in rob.summary.iter().zip(results) {
        let (sup, lo, hi) = h.share(0);
        let (con, _, _) = h.share(1);
        let (inc, _, _) = h.share(2);
        s.push_str(&format!(
            "| {} | {} | {:.0}% [{:.0}, {:.0}] | {:.0}% | {:.0}% | {} |\n",
            h.id,
            r.verdict.as_str(),
            100.0 * sup,
            100.0 * lo,
            100.0 * hi,
            100.0 * con,
            100.0 * inc,
            h.class()
        ));
    }
    // A draw that breaks a constraint between parameters in a battery file is replaced by
    // that file's base parameters there (robustness::run_from); say how often.
    let replaced: Vec<String> = rob
        .files
        .iter()
        .zip(&rob.draws)
        .filter_map(|(f, d)| {
            let k = d.iter().filter(|(_, a)| *a >= robustness::ATTEMPTS).count();
            (k > 0).then(|| format!("`{f}` {k}"))
        })
        .collect();
    s.push_str(&if replaced.is_empty() {
        "\nEvery posterior draw satisfied the constraints between parameters in every battery file.\n\n".to_string()
    } else {
        format!(
            "\nDraws that broke a constraint between parameters in a battery file, and were replaced there by the file's base parameters (attempts = {} in `robustness_sets.csv`): {}.\n\n",
            robustness::ATTEMPTS,
            replaced.join(", ")
        )
    });
    // In words: which verdicts at the defaults hold in the posterior region.
    let mut hold = Vec::new();
    let mut lost = Vec::new();
    let mut gained = Vec::new();
    for (h, r) in rob.summary.iter().zip(results) {
        let (sup, lo, hi) = h.share(0);
        let supported_here = r.verdict == crate::stats::Verdict::Supported;
        if supported_here && lo > 0.5 {
            hold.push(h.id.clone());
        } else if supported_here && hi < 0.5 {
            lost.push(format!("{} ({:.0}%)", h.id, 100.0 * sup));
        } else if !supported_here && lo > 0.5 {
            gained.push(format!("{} ({:.0}%)", h.id, 100.0 * sup));
        }
    }
    let list = |v: &[String]| {
        if v.is_empty() {
            "none".to_string()
        } else {
            v.join(", ")
        }
    };
    s.push_str(&format!(
        "
Supported at the defaults and in most of the posterior region (lower end of the 95% interval above one half): {}.

Supported at the defaults but in fewer than half of the posterior draws (upper end below one half): {}.

Not supported at the defaults but supported in most posterior draws: {}.
",
        list(&hold),
        list(&lost),
        list(&gained)
    ));
    s
}

/// `dyadsim validate --posterior FILE`.
pub fn validate_posterior(
    a: &super::ValidateArgs,
    packs: &[validation::Pack],
    post_path: &Path,
    out: &mut dyn Write,
) -> Result<()> {
    let (draws, reps, quiet) = (a.draws, a.reps, a.quiet);
    let seed = a.seed.unwrap_or(robustness::DEFAULT_SEED);
    let out_dir = a.out.as_path();
    let markdown = a.markdown.as_deref();
    let started = Instant::now();
    let started_at = output::now_utc();
    if draws == 0 {
        bail!("--draws needs at least 1");
    }
    let post = PosteriorFile::read(post_path)?;
    let sets = post.draws(draws, seed);
    let b = bar(quiet);
    let mut rows = Vec::new();
    for p in packs {
        let reps = reps.unwrap_or(p.scenario.replications.min(50));
        b.set_message(format!("{}: {draws} posterior draws", p.file));
        let stream = crate::model::mix_seed(seed, calibration::posterior::STREAM, 0);
        let r = calibration::posterior::run(p, &sets, reps, stream, &|| b.tick());
        rows.extend(r.into_iter().map(|x| (p.file.clone(), x)));
    }
    b.finish_and_clear();
    let csv = calibration::posterior::write_csv(out_dir, &rows)?;
    let note = format!(
        "Generated by `dyadsim validate --posterior` (dyadsim {}): {draws} draws, seed {seed}.",
        env!("CARGO_PKG_VERSION")
    );
    let md = calibration::posterior::markdown(&post, packs, &rows, &note);
    let md_path = markdown.map_or_else(
        || out_dir.join("VALIDATION_POSTERIOR.md"),
        Path::to_path_buf,
    );
    output::write_text_atomic(&md_path, &md)?;
    let mut files = vec![csv.clone()];
    if md_path.parent() == Some(out_dir) {
        files.push(md_path.clone());
    }
    manifest::write_batch(
        out_dir,
        started_at,
        started.elapsed().as_secs_f64(),
        packs.iter().map(|p| p.file.clone()).collect(),
        &files,
    )?;
    if !quiet {
        writeln!(
            out,
            "{:<22} {:<24} {:>22} {:>8} {:>13}",
            "pack", "id", "draws passing", "failing", "pooled"
        )?;
        for (f, r) in &rows {
            let n = r.draws();
            let (m, _, lo, hi) = crate::stats::share_stats(r.counts[0], n);
            writeln!(
                out,
                "{:<22} {:<24} {:>22} {:>7.0}% {:>13}",
                f.trim_end_matches(".toml"),
                r.pooled.pattern.id,
                format!("{:.0}% [{:.0}, {:.0}]", 100.0 * m, 100.0 * lo, 100.0 * hi),
                100.0 * r.counts[1] as f64 / n.max(1) as f64,
                r.pooled.outcome.as_str()
            )?;
        }
    }
    eprintln!(
        "{} patterns at {draws} posterior draws in {:.1} s -> {} and {}",
        rows.len(),
        started.elapsed().as_secs_f64(),
        csv.display(),
        md_path.display()
    );
    Ok(())
}
