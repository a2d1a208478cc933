//! `dyadsim validate --posterior FILE`: every pattern of the packs judged at draws of a
//! calibration's posterior, reported as the share of draws in which it passes, fails or
//! is inconclusive (the counterpart of the robustness analysis of the propositions).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;

use super::{CalibrationError, PosteriorFile};
use crate::model::{ParamSpec, mix_seed};
use crate::output::{AtomicFile, num, sig};
use crate::science::validation::{Outcome, Pack, PatternResult, judge, observe_pack, rule_str};
use crate::stats::share_stats;

/// Seed stream of the draws' runs in `validate --posterior`: draw `d`'s runs are seeded
/// from `mix_seed(mix_seed(seed, STREAM, 0), d, 0)`.
pub const STREAM: u64 = 31;

/// Whether every design point of `pack` accepts `setting` (the constraints between
/// parameters).
pub fn valid_in(pack: &Pack, setting: &[(&'static ParamSpec, f64)]) -> bool {
    let s = &pack.scenario;
    (0..s.points.len()).all(|i| {
        let mut p = s.points.at(i).params;
        for (spec, v) in setting {
            spec.set(&mut p, *v);
        }
        p.validate().is_ok()
    })
}

/// One pattern over the posterior draws.
#[derive(Clone, Debug)]
pub struct PosteriorPattern {
    /// Pooled over every run at every draw.
    pub pooled: PatternResult,
    /// Draws at which it passes, fails, is inconclusive.
    pub counts: [u64; 3],
    /// Draws skipped because they break a constraint between parameters in this pack.
    pub skipped: u64,
}

impl PosteriorPattern {
    /// Draws in all.
    pub fn draws(&self) -> u64 {
        self.counts.iter().sum()
    }
}

/// The parameters of the posterior that `pack` cannot take from it: swept per design
/// point or drawn per run (they keep the pack's own values).
pub fn not_applied(pack: &Pack, post: &PosteriorFile) -> Vec<&'static str> {
    let s = &pack.scenario;
    post.params
        .iter()
        .filter(|p| {
            s.population.contains(p)
                || s.factors.iter().any(|f| std::ptr::eq(f.spec, **p))
                || (0..s.points.len()).any(|i| s.points.at(i).population.contains(p))
        })
        .map(|p| p.path)
        .collect()
}

/// The observations of one draw and its verdicts.
type DrawResult = (Vec<Vec<[f64; 3]>>, Vec<Outcome>);

/// Judge every pattern of `pack` at `draws` (each with `reps` runs per design point, those
/// of draw `d` seeded by `mix_seed(seed, d, 0)`); draws that break a constraint between
/// parameters at some design point are skipped and counted.
pub fn run(
    pack: &Pack,
    draws: &[Vec<(&'static ParamSpec, f64)>],
    reps: u64,
    seed: u64,
    tick: &(dyn Fn() + Sync),
) -> Vec<PosteriorPattern> {
    let per: Vec<Option<DrawResult>> = draws
        .par_iter()
        .enumerate()
        .map(|(d, setting)| {
            let r = valid_in(pack, setting).then(|| {
                let obs = observe_pack(pack, setting, reps, mix_seed(seed, d as u64, 0), false);
                let v = judge(pack, &obs).into_iter().map(|r| r.outcome).collect();
                (obs, v)
            });
            tick();
            r
        })
        .collect();
    let skipped = per.iter().filter(|p| p.is_none()).count() as u64;
    let per: Vec<DrawResult> = per.into_iter().flatten().collect();
    let mut counts = vec![[0u64; 3]; pack.patterns.len()];
    for (_, v) in &per {
        for (k, o) in v.iter().enumerate() {
            let i = match o {
                Outcome::Pass => 0,
                Outcome::Fail => 1,
                Outcome::Inconclusive => 2,
            };
            counts[k][i] += 1;
        }
    }
    let all: Vec<Vec<[f64; 3]>> = per.into_iter().flat_map(|(o, _)| o).collect();
    judge(pack, &all)
        .into_iter()
        .zip(counts)
        .map(|(pooled, counts)| PosteriorPattern {
            pooled,
            counts,
            skipped,
        })
        .collect()
}

fn pct(c: u64, n: u64) -> String {
    let (m, _, lo, hi) = share_stats(c, n);
    format!("{:.0}% [{:.0}, {:.0}]", 100.0 * m, 100.0 * lo, 100.0 * hi)
}

/// Write `validation_posterior.csv` into `dir`.
pub fn write_csv(
    dir: &Path,
    rows: &[(String, PosteriorPattern)],
) -> Result<PathBuf, CalibrationError> {
    std::fs::create_dir_all(dir).map_err(crate::output::io_err(dir))?;
    let path = dir.join("validation_posterior.csv");
    let mut f = AtomicFile::create(&path)?;
    f.csv_row(&[
        "pack",
        "id",
        "rule",
        "draws",
        "pass",
        "fail",
        "inconclusive",
        "pass_share",
        "pass_ci_lo",
        "pass_ci_hi",
        "pooled_value",
        "pooled_ci_lo",
        "pooled_ci_hi",
        "pooled_verdict",
    ])?;
    for (pack, r) in rows {
        let n = r.draws();
        let (m, _, lo, hi) = share_stats(r.counts[0], n);
        f.csv_row(&[
            pack.clone(),
            r.pooled.pattern.id.clone(),
            rule_str(&r.pooled.pattern),
            n.to_string(),
            r.counts[0].to_string(),
            r.counts[1].to_string(),
            r.counts[2].to_string(),
            num(m),
            num(lo),
            num(hi),
            num(r.pooled.value[0]),
            num(r.pooled.ci[0].0),
            num(r.pooled.ci[0].1),
            r.pooled.outcome.as_str().to_string(),
        ])?;
    }
    f.commit()?;
    Ok(path)
}

/// The markdown report.
pub fn markdown(
    post: &PosteriorFile,
    packs: &[Pack],
    rows: &[(String, PosteriorPattern)],
    note: &str,
) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "# Validation over a calibration's posterior\n\n{note}\n\nPosterior: `{}` ({} particles over {}). Each pattern is judged at every posterior draw on that draw's own runs (pass, fail or inconclusive as `dyadsim validate` judges); the shares are of draws, with a Wilson 95% interval for the share passing. The pooled column judges all runs of all draws together.\n",
        post.path.display(),
        post.particles.len(),
        post.params
            .iter()
            .map(|p| format!("`{}`", p.path))
            .collect::<Vec<_>>()
            .join(", ")
    );
    for p in packs {
        let na = not_applied(p, post);
        if let Some((_, r)) = rows.iter().find(|(f, _)| *f == p.file)
            && r.skipped > 0
        {
            let _ = writeln!(
                s,
                "{} of the draws break a constraint between parameters at some design point of this pack and were skipped; the shares are of the other {}.\n",
                r.skipped,
                r.draws()
            );
        }
        let _ = writeln!(s, "\n## `{}`\n", p.file);
        if !na.is_empty() {
            let _ = writeln!(
                s,
                "Not applied in this pack (swept per design point or drawn per run, so the pack keeps its own values): {}.\n",
                na.iter()
                    .map(|x| format!("`{x}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        let _ = writeln!(
            s,
            "| id | pattern | rule | draws passing [95% CI] | failing | inconclusive | pooled: measured [95% CI] | pooled verdict |\n|---|---|---|---|---|---|---|---|"
        );
        for (_, r) in rows.iter().filter(|(f, _)| *f == p.file) {
            let n = r.draws();
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {:.0}% | {:.0}% | {} [{}, {}] | **{}** |",
                r.pooled.pattern.id,
                r.pooled.pattern.description,
                rule_str(&r.pooled.pattern),
                pct(r.counts[0], n),
                100.0 * r.counts[1] as f64 / n.max(1) as f64,
                100.0 * r.counts[2] as f64 / n.max(1) as f64,
                sig(r.pooled.value[0]),
                sig(r.pooled.ci[0].0),
                sig(r.pooled.ci[0].1),
                r.pooled.outcome.as_str()
            );
        }
    }
    s
}
