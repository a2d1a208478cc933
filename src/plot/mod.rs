//! Figures of an experiment's output directory, as PNG and SVG.
//!
//! [`render`] reads `manifest.json`, `points.csv`, `summary.csv` and, when present,
//! `timeseries.csv`, `runs.csv` and `propositions.csv` from an output directory and writes
//! each figure twice into its `plots/` folder: `<name>.png` (bitmap) and `<name>.svg`
//! (vector). Every figure is [`WIDTH`] × [`HEIGHT`] px (1000 × 600) and has a title, axis
//! labels with units and a legend panel on its right.
//!
//! | file stem | when | shows |
//! |---|---|---|
//! | `asymmetry` | `timeseries.csv` | power asymmetry per month, per design point the mean (solid) with its 95% CI band, the median (dashed) and the 10–90% band of the dyads (its edges as thin lines with more than two points), over the low/medium/high bands of the scenario's `power.level_low`/`level_high`; with more than [`MAX_LINES`] points only the most different ones (see below) |
//! | `trajectories` | `timeseries.csv` and `trajectories.csv` | asymmetry and supplier share per month for design point 0: the 10–90% band of the dyads, median, mean with 95% CI, and the individual runs of `trajectories.csv` as thin lines, labelled with replication and seed |
//! | `phases` | `timeseries.csv` | stacked shares of runs in preparation, execution, integration and dissolved per month, design point 0 |
//! | `phases_last` | `timeseries.csv`, > 1 point | the same for the last design point |
//! | `appropriation` | always | histograms of the value appropriated by supplier and buyer in the runs of design point 0 (from `runs.csv`); without `runs.csv` bars of their means with 95% CIs (from `summary.csv`); the mean dual-appropriation index in the title |
//! | `sweep_<outcome>` | exactly one factor | the outcome's mean and 95% CI against the factor, for each of [`KEY_OUTCOMES`] present |
//! | `heatmap_<outcome>` | two factors on a grid | the outcome's mean over the two factors' levels, with a colour scale |
//! | `forest` | `propositions.csv` | each proposition's effect and 95% CI, coloured by verdict, with a zero line; in the metric's units when all propositions share one metric, else divided by each one's `smallest_effect` (reference lines at ±1), else by its largest absolute CI bound; the unscaled numbers are written on the rows when there is room |
//!
//! A directory with `propositions.csv` but no `points.csv` (the output of
//! `dyadsim propositions`) gets the `forest` figure only.
//!
//! Which asymmetry lines are drawn when there are many design points: the point with the
//! highest final-month mean, then the lowest, then repeatedly the point whose final mean is
//! farthest from those already chosen (ties to the lower point index), up to
//! [`MAX_LINES`]. The choice is deterministic.
//!
//! Text is drawn with DejaVu Sans, compiled into the crate (`assets/fonts/`, Bitstream Vera
//! licence), so no system fonts are needed. SVG files name the `sans-serif` family and
//! leave the glyphs to the viewer.
//!
//! Figures of an earlier [`render`] of the same directory that this one does not produce
//! (e.g. `forest` after `propositions.csv` was removed) are deleted, so that the folder and
//! [`crate::report`] always agree with the data.

mod charts;
pub(crate) mod data;

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;
use thiserror::Error;

use crate::output::files::ReadError;

use charts::{
    Asymmetry, AsymmetryLine, Bars, Figure, Forest, ForestRow, Heatmap, Histograms, Phases, Sweep,
    Trajectories, TrajectoryPanel, extent,
};
pub use charts::{HEIGHT, WIDTH};
use data::{Meta, Points, RunHistograms, Summary, Timeseries, load_propositions};

/// At most this many design points are drawn in the `asymmetry` figure.
pub const MAX_LINES: usize = 5;

/// The outcomes drawn against swept factors (`sweep_<outcome>` or `heatmap_<outcome>`).
pub const KEY_OUTCOMES: [&str; 6] = [
    "value_created",
    "value_supplier",
    "value_buyer",
    "dual_index",
    "dissolved",
    "knowledge",
];

/// Name of the folder the figures are written to, inside the output directory.
pub const PLOTS_DIR: &str = "plots";

/// The bundled font (DejaVu Sans; licence in `assets/fonts/LICENSE-DejaVu.txt`).
const FONT_BYTES: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const FONT_FILE: &str = "assets/fonts/DejaVuSans.ttf";

/// Errors of [`render`] and [`crate::report::write_report`]; each names the file concerned.
#[derive(Debug, Error)]
pub enum PlotError {
    /// An output file could not be read or used.
    #[error(transparent)]
    File(#[from] ReadError),
    /// A file or folder could not be written.
    #[error("{}: cannot write", file.display())]
    Write {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// `manifest.json` is not valid JSON.
    #[error("{}: invalid JSON", file.display())]
    Json {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: serde_json::Error,
    },
    /// Drawing or encoding a figure failed.
    #[error("{}: cannot draw: {message}", file.display())]
    Draw {
        /// The figure file.
        file: PathBuf,
        /// The cause.
        message: String,
    },
    /// The bundled font could not be loaded.
    #[error("{file}: the bundled font could not be loaded")]
    Font {
        /// The font file, relative to the crate root.
        file: &'static str,
    },
}

/// Register the bundled font as `sans-serif` (once per process).
pub(crate) fn ensure_font() -> Result<(), PlotError> {
    static OK: OnceLock<bool> = OnceLock::new();
    let ok = *OK.get_or_init(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT_BYTES).is_ok()
    });
    if ok {
        Ok(())
    } else {
        Err(PlotError::Font { file: FONT_FILE })
    }
}

/// Draw every figure the files in `dir` support into `dir/plots/`, as PNG and SVG.
///
/// Returns the files written. Requires `manifest.json`, `points.csv` and `summary.csv`;
/// `timeseries.csv`, `runs.csv` and `propositions.csv` are used when present. A directory
/// with `propositions.csv` but no `points.csv` (the output of `dyadsim propositions`)
/// gets the `forest` figure only. See the [module documentation](self) for the figures.
pub fn render(dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    let figures = plan(dir)?;
    let plots = dir.join(PLOTS_DIR);
    std::fs::create_dir_all(&plots).map_err(|source| PlotError::Write {
        file: plots.clone(),
        source,
    })?;
    let mut written = Vec::new();
    for (stem, fig) in &figures {
        let png = plots.join(format!("{stem}.png"));
        save(
            BitMapBackend::new(&png, (WIDTH, HEIGHT)).into_drawing_area(),
            fig,
            &png,
        )?;
        written.push(png);
        let svg = plots.join(format!("{stem}.svg"));
        save(
            SVGBackend::new(&svg, (WIDTH, HEIGHT)).into_drawing_area(),
            fig,
            &svg,
        )?;
        written.push(svg);
    }
    remove_stale(&plots, &written)?;
    Ok(written)
}

/// Draw `fig` on `root` and write it out; on failure remove the partial file.
fn save<DB: DrawingBackend>(
    root: DrawingArea<DB, Shift>,
    fig: &Figure,
    file: &Path,
) -> Result<(), PlotError> {
    let result = fig.draw(&root).and_then(|()| root.present());
    drop(root);
    result.map_err(|e| {
        let _ = std::fs::remove_file(file);
        PlotError::Draw {
            file: file.to_path_buf(),
            message: e.to_string(),
        }
    })
}

/// Whether `stem` names a figure [`render`] may write.
pub(crate) fn is_figure(stem: &str) -> bool {
    matches!(
        stem,
        "asymmetry" | "trajectories" | "phases" | "phases_last" | "appropriation" | "forest"
    ) || KEY_OUTCOMES.iter().any(|o| {
        stem.strip_prefix("sweep_")
            .or_else(|| stem.strip_prefix("heatmap_"))
            == Some(o)
    })
}

/// Delete figures of an earlier render that this one did not write.
fn remove_stale(plots: &Path, written: &[PathBuf]) -> Result<(), PlotError> {
    let entries = std::fs::read_dir(plots).map_err(|source| ReadError::Read {
        file: plots.to_path_buf(),
        source,
    })?;
    for e in entries.flatten() {
        let path = e.path();
        let ours = path.extension().is_some_and(|x| x == "png" || x == "svg")
            && path
                .file_stem()
                .and_then(|s| s.to_str())
                .is_some_and(is_figure);
        if ours && !written.contains(&path) {
            std::fs::remove_file(&path).map_err(|source| PlotError::Write {
                file: path.clone(),
                source,
            })?;
        }
    }
    Ok(())
}

/// The order of figures in the report, and what to look for in each.
pub(crate) fn caption(stem: &str) -> Option<(usize, String)> {
    let c = match stem {
        "asymmetry" => (
            0,
            "Power asymmetry (supplier dependence minus buyer dependence) per month: mean over \
             the runs alive with its 95% confidence band (solid line, darker band), the median \
             (dashed) and the band from the 10th to the 90th percentile of the dyads (light), on \
             the low (L), medium (M) and high (H) asymmetry bands set by the scenario's power \
             thresholds. Look for when and whether the supplier's dependence falls into the \
             medium or low band, how widely the dyads spread around the mean, and how far the \
             design points drift apart."
                .to_string(),
        ),
        "trajectories" => (
            0,
            "A handful of individual dyads (the first replications of design point 0, the \
             first rows of runs.csv; replay one with `dyadsim trace --point 0 --rep R`) over \
             the population they come from: the light band holds the middle 80% of the dyads \
             alive in each month (10th to 90th percentile), the dashed line is the median, the \
             solid line the mean with its 95% confidence band. Look for how far single dyads \
             wander from the average path: the mean can be smooth while each relationship \
             jumps between phases, and a dot marks a relationship that ended."
                .to_string(),
        ),
        "phases" => (
            1,
            "Share of runs in each phase per month, for design point 0. Look for how quickly \
             runs leave preparation, whether execution gives way to integration, and how large \
             the dissolved share at the top grows."
                .to_string(),
        ),
        "phases_last" => (
            2,
            "The same for the last design point: compare with design point 0 to see how the \
             swept factors move the phase timing and dissolution."
                .to_string(),
        ),
        "appropriation" => (
            3,
            "Value appropriated by the supplier and by the buyer over the run (design point 0): \
             per-run distributions, or means with 95% CIs when runs were not written. The \
             dual-appropriation index is total appropriation over value created (1 = zero-sum, \
             2 = both keep all of it). Look for the gap between the two sides and for a spike \
             at zero from dissolved relationships."
                .to_string(),
        ),
        "forest" => (
            50,
            "Effect of each proposition's factor change on its metric (mean at level B minus \
             mean at level A) with its 95% CI, coloured by verdict; the unscaled effect and CI \
             are written above each marker. When the propositions measure different metrics the \
             effects are drawn relative to each one's smallest effect of interest (dotted lines \
             at ±1), as the subtitle says. Look for intervals that stay clear of the dashed zero \
             line in the expected direction, and beyond the smallest effect of interest."
                .to_string(),
        ),
        _ => {
            let (kind, outcome) = stem
                .strip_prefix("sweep_")
                .map(|o| ("sweep", o))
                .or_else(|| stem.strip_prefix("heatmap_").map(|o| ("heatmap", o)))?;
            let rank = KEY_OUTCOMES.iter().position(|o| *o == outcome)?;
            let what = data::outcome_label(outcome);
            if kind == "sweep" {
                (
                    10 + rank,
                    format!(
                        "{what}: mean and 95% CI at each level of the swept factor. Look for the \
                         direction and shape of the response (monotone, threshold, peak) and \
                         whether neighbouring intervals overlap."
                    ),
                )
            } else {
                (
                    20 + rank,
                    format!(
                        "{what}: mean over the grid of the two swept factors (numbers in the \
                         cells). Look for the gradient's direction: one factor dominating shows \
                         as stripes, an interaction as a diagonal or corner pattern."
                    ),
                )
            }
        }
    };
    Some(c)
}

/// Whether `dir` holds proposition tests but no run (as `dyadsim propositions` writes
/// them): `propositions.csv` without the `points.csv` every run writes.
pub(crate) fn propositions_only(dir: &Path) -> bool {
    dir.join(data::PROPOSITIONS).is_file() && !dir.join(data::POINTS).exists()
}

/// Load the data and decide which figures to draw.
fn plan(dir: &Path) -> Result<Vec<(String, Figure)>, PlotError> {
    if propositions_only(dir) {
        let props = load_propositions(dir)?.unwrap_or_default();
        return Ok(if props.is_empty() {
            Vec::new()
        } else {
            vec![("forest".to_string(), Figure::Forest(forest(props)))]
        });
    }
    let meta = Meta::load(dir)?;
    let points = Points::load(dir)?;
    let summary = Summary::load(dir)?;
    let ts = Timeseries::load(dir)?;
    let mut figs = Vec::new();
    let ids: Vec<usize> = points.rows.iter().map(|(i, _)| *i).collect();
    let first = ids.iter().copied().min().unwrap_or(0);
    let last = ids.iter().copied().max().unwrap_or(0);
    // With more than two factors the values do not fit a legend; the report's table has them.
    let label = |p: usize| {
        let d = points.describe(p);
        if d.is_empty() || points.factors.len() > 2 {
            format!("point {p}")
        } else {
            format!("point {p}: {d}")
        }
    };

    if let Some(ts) = &ts {
        if let Some(fig) = asymmetry(&meta, ts, &ids, &label) {
            figs.push(("asymmetry".to_string(), fig));
        }
        if let Some(fig) = trajectories(dir, ts, first, &label)? {
            figs.push(("trajectories".to_string(), fig));
        }
        if let Some(fig) = phases(ts, first, &label) {
            figs.push(("phases".to_string(), fig));
        }
        if last != first
            && let Some(fig) = phases(ts, last, &label)
        {
            figs.push(("phases_last".to_string(), fig));
        }
    }

    let subtitle = format!("design point {}", label(first).trim_start_matches("point "));
    let dual = summary.get(first, "dual_index");
    match RunHistograms::load(dir, first)? {
        Some(runs) => {
            figs.push((
                "appropriation".to_string(),
                Figure::Histograms(Histograms {
                    subtitle: format!("{subtitle}, distribution over runs"),
                    runs,
                    dual,
                }),
            ));
        }
        _ => {
            let bars: Vec<(String, data::Stat)> =
                [("supplier", "value_supplier"), ("buyer", "value_buyer")]
                    .iter()
                    .filter_map(|(name, o)| Some((name.to_string(), summary.get(first, o)?)))
                    .collect();
            if !bars.is_empty() {
                figs.push((
                    "appropriation".to_string(),
                    Figure::Bars(Bars {
                        subtitle: format!("{subtitle}, means over runs (runs.csv not written)"),
                        bars,
                        dual,
                    }),
                ));
            }
        }
    }

    let reps = meta
        .replications
        .map_or_else(String::new, |r| format!(", {r} replications per point"));
    match points.factors.as_slice() {
        [f] => {
            for o in KEY_OUTCOMES.iter().filter(|o| summary.has(o)) {
                let mut pts: Vec<(f64, data::Stat)> = points
                    .rows
                    .iter()
                    .filter_map(|(i, v)| Some((*v.first()?, summary.get(*i, o)?)))
                    .filter(|(x, _)| x.is_finite())
                    .collect();
                pts.sort_by(|a, b| a.0.total_cmp(&b.0));
                if pts.is_empty() {
                    continue;
                }
                let (what, short) = outcome_labels(o);
                figs.push((
                    format!("sweep_{o}"),
                    Figure::Sweep(Sweep {
                        title: format!("{} against {f}", capitalise(&short)),
                        subtitle: format!("mean and 95% CI per design point{reps}"),
                        x_desc: data::param_label(f),
                        y_desc: what,
                        points: pts,
                    }),
                ));
            }
        }
        [fx, fy] if meta.design == "grid" => {
            let levels = |k: usize| {
                let mut v: Vec<f64> = points
                    .rows
                    .iter()
                    .filter_map(|(_, vals)| vals.get(k).copied())
                    .filter(|x| x.is_finite())
                    .collect();
                v.sort_by(f64::total_cmp);
                v.dedup_by(|a, b| (*a - *b).abs() <= 1e-12);
                v
            };
            let (xs, ys) = (levels(0), levels(1));
            let index = |lv: &[f64], x: f64| lv.iter().position(|l| (l - x).abs() <= 1e-12);
            for o in KEY_OUTCOMES.iter().filter(|o| summary.has(o)) {
                let cells: Vec<(usize, usize, f64)> = points
                    .rows
                    .iter()
                    .filter_map(|(p, v)| {
                        let i = index(&xs, *v.first()?)?;
                        let j = index(&ys, *v.get(1)?)?;
                        Some((i, j, summary.get(*p, o).map_or(f64::NAN, |s| s.mean)))
                    })
                    .collect();
                if cells.is_empty() {
                    continue;
                }
                let (what, short) = outcome_labels(o);
                figs.push((
                    format!("heatmap_{o}"),
                    Figure::Heatmap(Heatmap {
                        title: format!("{} over {fx} × {fy}", capitalise(&short)),
                        subtitle: format!("mean per design point{reps}"),
                        x_desc: data::param_label(fx),
                        y_desc: data::param_label(fy),
                        z_desc: what,
                        xs: xs.clone(),
                        ys: ys.clone(),
                        cells,
                    }),
                ));
            }
        }
        _ => {}
    }

    if let Some(props) = load_propositions(dir)?
        && !props.is_empty()
    {
        figs.push(("forest".to_string(), Figure::Forest(forest(props))));
    }
    Ok(figs)
}

/// The forest plot of `props`. Effects are drawn in the metric's units when all
/// propositions share one metric; otherwise divided by each proposition's smallest effect
/// of interest when all have one, or else by each row's largest absolute CI bound, so that
/// rows of different units stay readable. The unscaled effect is written on each row.
fn forest(props: Vec<data::Proposition>) -> Forest {
    let one_metric = props.windows(2).all(|w| w[0].metric == w[1].metric);
    let by_smallest = props
        .iter()
        .all(|p| p.smallest_effect.is_finite() && p.smallest_effect != 0.0);
    let (x_desc, subtitle) = if one_metric {
        let m = props.first().map_or("", |p| p.metric.as_str());
        (
            format!("effect on {}", data::outcome_label(m)),
            "effect = mean at level B − mean at level A".to_string(),
        )
    } else if by_smallest {
        (
            "effect ÷ smallest effect of interest".to_string(),
            "effect = mean at level B − mean at level A, in units of each proposition's \
             smallest effect of interest"
                .to_string(),
        )
    } else {
        (
            "effect ÷ largest |CI bound| of its row".to_string(),
            "effect = mean at level B − mean at level A, each row scaled to its largest \
             |CI bound| (values on the rows)"
                .to_string(),
        )
    };
    let rows = props
        .into_iter()
        .map(|p| {
            let scale = if one_metric {
                1.0
            } else if by_smallest {
                p.smallest_effect.abs()
            } else {
                extent([p.effect, p.ci_lo, p.ci_hi].map(f64::abs))
                    .map_or(1.0, |e| e.1)
                    .max(f64::MIN_POSITIVE)
            };
            let label = match (p.metric.as_str(), p.at.as_str()) {
                ("", _) => p.id.clone(),
                (m, "" | "end") => format!("{} ({m})", p.id),
                (m, at) => format!("{} ({m} at {at})", p.id),
            };
            ForestRow {
                label,
                effect: p.effect / scale,
                lo: p.ci_lo / scale,
                hi: p.ci_hi / scale,
                note: format!(
                    "{} [{}, {}]",
                    data::fmt_num(p.effect),
                    data::fmt_num(p.ci_lo),
                    data::fmt_num(p.ci_hi)
                ),
                verdict: p.verdict,
            }
        })
        .collect();
    Forest {
        rows,
        x_desc,
        subtitle,
        unit_lines: !one_metric && by_smallest,
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map_or_else(String::new, |f| f.to_uppercase().chain(c).collect())
}

/// The `asymmetry` figure, if any point has an asymmetry series.
fn asymmetry(
    meta: &Meta,
    ts: &Timeseries,
    ids: &[usize],
    label: &dyn Fn(usize) -> String,
) -> Option<Figure> {
    let have: Vec<(usize, f64)> = ids
        .iter()
        .filter_map(|&p| {
            let s = ts.get(p, "asymmetry")?;
            Some((p, s.final_mean().unwrap_or(f64::NAN)))
        })
        .collect();
    if have.is_empty() {
        return None;
    }
    let chosen = most_different(&have, MAX_LINES);
    let subtitle = if chosen.len() < have.len() {
        format!(
            "{} of {} design points: those most different in final-month mean",
            chosen.len(),
            have.len()
        )
    } else {
        "mean over runs with 95% CI, median and 10–90% of dyads, by design point".to_string()
    };
    Some(Figure::Asymmetry(Asymmetry {
        lines: chosen
            .iter()
            .filter_map(|&p| {
                Some(AsymmetryLine {
                    label: label(p),
                    series: ts.get(p, "asymmetry")?.clone(),
                })
            })
            .collect(),
        level_low: meta.level_low,
        level_high: meta.level_high,
        subtitle,
    }))
}

/// Pick up to `k` of `(point, final value)`: the highest, the lowest, then repeatedly the one
/// farthest from those picked; ties go to the lower point. Points with a non-finite value
/// come last. Returns the picked points in ascending order.
pub(crate) fn most_different(points: &[(usize, f64)], k: usize) -> Vec<usize> {
    if points.len() <= k {
        let mut all: Vec<usize> = points.iter().map(|p| p.0).collect();
        all.sort_unstable();
        return all;
    }
    let mut finite: Vec<(usize, f64)> =
        points.iter().copied().filter(|p| p.1.is_finite()).collect();
    finite.sort_by_key(|p| p.0);
    let mut chosen: Vec<(usize, f64)> = Vec::new();
    let extreme = |cmp: fn(f64, f64) -> bool| {
        finite
            .iter()
            .copied()
            .reduce(|a, b| if cmp(b.1, a.1) { b } else { a })
    };
    if let Some(hi) = extreme(|b, a| b > a) {
        chosen.push(hi);
    }
    if let Some(lo) = extreme(|b, a| b < a)
        && chosen.iter().all(|c| c.0 != lo.0)
        && k > 1
    {
        chosen.push(lo);
    }
    while chosen.len() < k {
        let next = finite
            .iter()
            .filter(|p| chosen.iter().all(|c| c.0 != p.0))
            .map(|p| {
                let d = chosen
                    .iter()
                    .map(|c| (c.1 - p.1).abs())
                    .fold(f64::INFINITY, f64::min);
                (*p, d)
            })
            .reduce(|a, b| if b.1 > a.1 { b } else { a });
        match next {
            Some((p, _)) => chosen.push(p),
            None => break,
        }
    }
    let mut rest: Vec<usize> = points
        .iter()
        .filter(|p| !p.1.is_finite())
        .map(|p| p.0)
        .collect();
    rest.sort_unstable();
    let mut out: Vec<usize> = chosen.into_iter().map(|c| c.0).collect();
    out.extend(rest.into_iter().take(k.saturating_sub(out.len())));
    out.sort_unstable();
    out
}

/// The metrics of the `trajectories` figure: name, axis label and fixed range.
const TRAJECTORY_PANELS: [(&str, &str, (f64, f64)); 2] = [
    ("asymmetry", "asymmetry (−1…1)", (-1.0, 1.0)),
    ("supplier_share", "supplier share (0–1)", (0.0, 1.0)),
];

/// The `trajectories` figure of design point `p` (the point of `trajectories.csv`), if
/// `trajectories.csv` holds runs and the time series have the panels' metrics.
fn trajectories(
    dir: &Path,
    ts: &Timeseries,
    p: usize,
    label: &dyn Fn(usize) -> String,
) -> Result<Option<Figure>, PlotError> {
    let names = TRAJECTORY_PANELS.map(|(m, _, _)| m);
    let Some(runs) = data::load_sample_runs(dir, &names)? else {
        return Ok(None);
    };
    if runs.is_empty() || p != 0 {
        return Ok(None);
    }
    let mut panels = Vec::new();
    for (k, (m, y_desc, y)) in TRAJECTORY_PANELS.iter().enumerate() {
        let Some(series) = ts.get(p, m) else {
            return Ok(None);
        };
        panels.push(TrajectoryPanel {
            y_desc: y_desc.to_string(),
            y: *y,
            series: series.clone(),
            runs: runs.iter().map(|r| r.values[k].clone()).collect(),
        });
    }
    // The horizon of the point: its time series run to it.
    let months = extent(panels[0].series.month.iter().copied()).map_or(1.0, |e| e.1);
    Ok(Some(Figure::Trajectories(Trajectories {
        subtitle: format!(
            "design {}: {} runs of trajectories.csv over the dyads of timeseries.csv",
            label(p),
            runs.len()
        ),
        panels,
        runs,
        months,
    })))
}

/// A `phases` figure for design point `p`, if its four phase series exist.
fn phases(ts: &Timeseries, p: usize, label: &dyn Fn(usize) -> String) -> Option<Figure> {
    let names = [
        "phase_preparation",
        "phase_execution",
        "phase_integration",
        "phase_dissolved",
    ];
    let series: Vec<&data::Series> = names.iter().map(|n| ts.get(p, n)).collect::<Option<_>>()?;
    // Align the four series on the months of the first.
    let month = series[0].month.clone();
    let at = |s: &data::Series, m: f64| {
        s.month
            .iter()
            .position(|x| *x == m)
            .and_then(|i| s.mean.get(i).copied())
            .unwrap_or(0.0)
    };
    let shares = [0, 1, 2, 3].map(|k| month.iter().map(|m| at(series[k], *m)).collect());
    if month.is_empty() {
        return None;
    }
    Some(Figure::Phases(Phases {
        subtitle: format!("design {}, share of runs in each phase", label(p)),
        month,
        shares,
    }))
}

/// An outcome's axis label (with unit) and its short name (without).
fn outcome_labels(outcome: &str) -> (String, String) {
    let what = data::outcome_label(outcome);
    let short = what.split(" (").next().unwrap_or(&what).to_string();
    (what, short)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn most_different_is_deterministic_and_spread() {
        let pts: Vec<(usize, f64)> = (0..25).map(|i| (i, (i % 5) as f64 * 0.1)).collect();
        let a = most_different(&pts, 5);
        assert_eq!(a, most_different(&pts, 5));
        assert_eq!(a.len(), 5);
        let mut finals: Vec<f64> = a.iter().map(|&i| pts[i].1).collect();
        finals.sort_by(f64::total_cmp);
        finals.dedup();
        assert_eq!(finals.len(), 5, "five distinct final values: {a:?}");
        assert_eq!(most_different(&pts[..3], 5), vec![0, 1, 2]);
        let with_nan = [(0, f64::NAN), (1, 1.0), (2, 2.0), (3, 3.0)];
        assert_eq!(most_different(&with_nan, 2), vec![1, 3]);
    }

    #[test]
    fn figure_names() {
        assert!(is_figure("sweep_value_created"));
        assert!(is_figure("heatmap_dissolved"));
        assert!(!is_figure("sweep_other"));
        assert!(!is_figure("notes"));
        assert!(caption("heatmap_knowledge").is_some());
    }
}
