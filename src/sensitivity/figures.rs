//! Figures (PNG and SVG in `plots/`) and `report.html` of a sensitivity analysis.
//!
//! | file stem | design | shows |
//! |---|---|---|
//! | `morris_<metric>` | Morris | the μ*–σ plane: each parameter at (μ*, σ) with μ*'s 95% CI as a horizontal bar, labelled, with the line σ = μ* (above it, interactions or non-linearity dominate the parameter's effect) |
//! | `sobol_<metric>` | Sobol | S1 and ST per parameter as horizontal bars with their 95% CIs |

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::files::{
    NOISE_FILE, OUTPUTS_FILE, PROBLEM_FILE, SAMPLES_FILE, SENSITIVITY_FILE, status,
};
use super::{Indices, Results, SensitivityError, Study};
use crate::plot::data::fmt_num;
use crate::plot::{PLOTS_DIR, PlotError, ensure_font};
use crate::report::{REPORT_FILE, escape_html};
use crate::scenario::{Input, Method};

const W: u32 = 1000;
const H: u32 = 600;
const BLUE: RGBColor = RGBColor(0x4E, 0x79, 0xA7);
const ORANGE: RGBColor = RGBColor(0xF2, 0x8E, 0x2B);
const GREY: RGBColor = RGBColor(0x70, 0x70, 0x70);

type Res<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font()).color(&BLACK)
}

/// The span `[lo, hi]` of `values` padded by 8%, always containing 0.
fn span(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((0.0f64, 0.0f64), |(a, b), v| (a.min(v), b.max(v)));
    let pad = ((hi - lo) * 0.08).max(1e-9);
    (if lo < 0.0 { lo - pad } else { 0.0 }, hi + pad)
}

fn morris_plane<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    metric: &str,
    subtitle: &str,
    names: &[String],
    ix: &[super::analyze::MorrisIndex],
) -> Res<DB> {
    root.fill(&WHITE)?;
    // One scale on both axes, so that the line σ = μ* is the diagonal and a metric whose
    // effects are all exact (σ = 0) still gets a readable axis.
    let (_, x1) = span(ix.iter().map(|i| i.mu_star + i.mu_star_conf));
    let (_, y1) = span(ix.iter().map(|i| i.sigma));
    let top = x1.max(y1);
    let mut chart = ChartBuilder::on(root)
        .caption(format!("Morris screening of {metric}"), font(24.0))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size(80)
        .build_cartesian_2d(0.0..top * 1.2, 0.0..top * 1.05)?;
    chart
        .configure_mesh()
        .x_desc(format!(
            "μ* (mean |elementary effect| of {metric} per range of the parameter) — {subtitle}"
        ))
        .y_desc("σ (SD of the elementary effects)")
        .axis_desc_style(font(15.0))
        .label_style(font(13.0))
        .draw()?;
    chart.draw_series(LineSeries::new(
        [(0.0, 0.0), (top * 1.05, top * 1.05)],
        GREY.stroke_width(1),
    ))?;
    // Parameters close to the origin are drawn but not labelled; a note counts them.
    let small = |i: &super::analyze::MorrisIndex| i.mu_star.max(i.sigma) < 0.03 * top;
    for (n, i) in names.iter().zip(ix) {
        let (lo, hi) = (i.mu_star - i.mu_star_conf, i.mu_star + i.mu_star_conf);
        chart.draw_series(LineSeries::new(
            [(lo.max(0.0), i.sigma), (hi, i.sigma)],
            BLUE.mix(0.6).stroke_width(2),
        ))?;
        chart.draw_series(std::iter::once(Circle::new(
            (i.mu_star, i.sigma),
            5,
            BLUE.filled(),
        )))?;
        if !small(i) {
            chart.draw_series(std::iter::once(Text::new(
                n.clone(),
                (i.mu_star, i.sigma),
                font(13.0),
            )))?;
        }
    }
    let near: Vec<&str> = names
        .iter()
        .zip(ix)
        .filter(|(_, i)| small(i))
        .map(|(n, _)| n.as_str())
        .collect();
    if !near.is_empty() {
        let note = if near.len() <= 3 {
            format!("near the origin: {}", near.join(", "))
        } else {
            format!("{} parameters near the origin (see the table)", near.len())
        };
        chart.draw_series(std::iter::once(Text::new(
            note,
            (top * 0.02, top * 1.0),
            font(13.0).color(&GREY),
        )))?;
    }
    Ok(())
}

fn sobol_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    metric: &str,
    subtitle: &str,
    names: &[String],
    ix: &[super::analyze::SobolIndex],
) -> Res<DB> {
    root.fill(&WHITE)?;
    let (x0, x1) = span(ix.iter().flat_map(|i| {
        [
            i.s1 - i.s1_conf,
            i.s1 + i.s1_conf,
            i.st + i.st_conf,
            i.st - i.st_conf,
        ]
    }));
    let n = names.len();
    let longest = names.iter().map(|s| s.chars().count()).max().unwrap_or(4);
    let mut chart = ChartBuilder::on(root)
        .caption(format!("Sobol indices of {metric}"), font(24.0))
        .margin(20)
        .x_label_area_size(55)
        .y_label_area_size((longest as u32 * 8 + 20).min(420))
        .build_cartesian_2d(x0.min(0.0)..x1.max(1e-3), -0.5..n as f64 - 0.5)?;
    let labels = names.to_vec();
    chart
        .configure_mesh()
        .x_desc(format!("share of the variance of {metric} — {subtitle}"))
        .axis_desc_style(font(15.0))
        .label_style(font(13.0))
        .y_labels(n.max(1))
        .y_label_formatter(&move |y: &f64| {
            let k = y.round();
            if (y - k).abs() < 1e-6 && k >= 0.0 && (k as usize) < labels.len() {
                labels[labels.len() - 1 - k as usize].clone()
            } else {
                String::new()
            }
        })
        .disable_y_mesh()
        .draw()?;
    for (p, i) in ix.iter().enumerate() {
        let y = (n - 1 - p) as f64;
        for (off, v, c, col) in [
            (0.18, i.st, i.st_conf, ORANGE),
            (-0.18, i.s1, i.s1_conf, BLUE),
        ] {
            let yc = y + off;
            chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, yc - 0.16), (v, yc + 0.16)],
                col.mix(0.8).filled(),
            )))?;
            chart.draw_series(LineSeries::new(
                [(v - c, yc), (v + c, yc)],
                BLACK.stroke_width(2),
            ))?;
            for end in [v - c, v + c] {
                chart.draw_series(LineSeries::new(
                    [(end, yc - 0.08), (end, yc + 0.08)],
                    BLACK.stroke_width(2),
                ))?;
            }
        }
    }
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, -0.5), (0.0, -0.5)],
            BLUE.filled(),
        )))?
        .label("S1 (first order)")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], BLUE.mix(0.8).filled()));
    chart
        .draw_series(std::iter::once(Rectangle::new(
            [(0.0, -0.5), (0.0, -0.5)],
            ORANGE.filled(),
        )))?
        .label("ST (total)")
        .legend(|(x, y)| Rectangle::new([(x, y - 5), (x + 14, y + 5)], ORANGE.mix(0.8).filled()));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::LowerRight)
        .background_style(WHITE.mix(0.9))
        .border_style(GREY)
        .label_font(font(14.0))
        .draw()?;
    Ok(())
}

/// File stem of `metric`'s figure.
fn stem(method: &Method, metric: &str) -> String {
    format!("{}_{metric}", method.name())
}

/// Draw on a PNG and an SVG backend; remove a partial file on failure.
fn both(
    plots: &Path,
    stem: &str,
    png: impl for<'a> Fn(&DrawingArea<BitMapBackend<'a>, Shift>) -> Res<BitMapBackend<'a>>,
    svg: impl for<'a> Fn(&DrawingArea<SVGBackend<'a>, Shift>) -> Res<SVGBackend<'a>>,
) -> Result<Vec<PathBuf>, PlotError> {
    let fail = |file: &Path, e: String| {
        let _ = std::fs::remove_file(file);
        PlotError::Draw {
            file: file.to_path_buf(),
            message: e,
        }
    };
    let p = plots.join(format!("{stem}.png"));
    {
        let root = BitMapBackend::new(&p, (W, H)).into_drawing_area();
        png(&root)
            .and_then(|()| root.present())
            .map_err(|e| fail(&p, e.to_string()))?;
    }
    let s = plots.join(format!("{stem}.svg"));
    {
        let root = SVGBackend::new(&s, (W, H)).into_drawing_area();
        svg(&root)
            .and_then(|()| root.present())
            .map_err(|e| fail(&s, e.to_string()))?;
    }
    Ok(vec![p, s])
}

/// Draw the figures and write `report.html`; returns the files written.
pub(super) fn draw(
    dir: &Path,
    study: &Study,
    results: &Results,
) -> Result<Vec<PathBuf>, SensitivityError> {
    ensure_font()?;
    let plots = dir.join(PLOTS_DIR);
    std::fs::create_dir_all(&plots).map_err(|source| PlotError::Write {
        file: plots.clone(),
        source,
    })?;
    let subtitle = subtitle(study);
    let mut written = Vec::new();
    let mut figures = Vec::new();
    for (m, a) in study.metrics.iter().zip(&results.analyses) {
        let st = stem(&study.method, m);
        match &a.indices {
            Indices::Morris(ix) => {
                written.extend(both(
                    &plots,
                    &st,
                    |r| morris_plane(r, m, &subtitle, &study.names, ix),
                    |r| morris_plane(r, m, &subtitle, &study.names, ix),
                )?);
                figures.push(st);
            }
            Indices::Sobol(ix) => {
                written.extend(both(
                    &plots,
                    &st,
                    |r| sobol_bars(r, m, &subtitle, &study.names, ix),
                    |r| sobol_bars(r, m, &subtitle, &study.names, ix),
                )?);
                figures.push(st);
            }
            _ => {}
        }
    }
    let report = dir.join(REPORT_FILE);
    crate::output::write_text_atomic(&report, &html(study, results, &figures))?;
    written.push(report);
    Ok(written)
}

fn subtitle(study: &Study) -> String {
    let size = match study.method {
        Method::Morris {
            trajectories,
            levels,
            ..
        } => format!("r = {trajectories}, p = {levels}"),
        Method::Sobol { samples } => format!("N = {samples}"),
    };
    format!("{size}, R = {}", study.replications)
}

fn html(study: &Study, results: &Results, figures: &[String]) -> String {
    let e = escape_html;
    let mut h = String::new();
    let (what, size) = match study.method {
        Method::Morris {
            trajectories,
            levels,
            candidates,
        } => (
            "Morris elementary effects",
            format!(
                "{trajectories} trajectories on a {levels}-level grid{}",
                candidates.map_or(String::new(), |m| format!(
                    ", the most spread of {m} candidates (Campolongo et al. 2007)"
                ))
            ),
        ),
        Method::Sobol { samples } => (
            "Sobol indices (Saltelli 2010 first order, Jansen total order)",
            format!(
                "N = {samples} base samples of a scrambled Sobol' sequence, N·(D+2) = {} points",
                results.x.len()
            ),
        ),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <title>dyadsim sensitivity: {name}</title>\n<style>\
         body{{font-family:system-ui,'DejaVu Sans',sans-serif;margin:0 auto;max-width:1100px;padding:1.5rem 2rem;color:#1d1d1f;line-height:1.45}}\
         table{{border-collapse:collapse;font-size:.9rem;margin:.6rem 0}}\
         th,td{{padding:.25rem .6rem;border-bottom:1px solid #e4e4e7;text-align:left}}\
         th{{background:#f4f4f5}} td.num{{text-align:right;font-variant-numeric:tabular-nums}}\
         figure img{{max-width:100%;border:1px solid #e4e4e7}} code{{background:#f4f4f5;padding:0 .25em}}\
         </style>\n</head>\n<body>\n<h1>Sensitivity of <code>{name}</code></h1>\n\
         <p>{what}: {size}; {reps} replication(s) per point{crn}; master seed {seed}; {runs} runs. \
         Intervals are 95% bootstrap intervals ({boot} resamples), shown as estimate ± half-width.</p>\n\
         <p>Files: <a href=\"{SAMPLES_FILE}\">{SAMPLES_FILE}</a>, <a href=\"{OUTPUTS_FILE}\">{OUTPUTS_FILE}</a>, \
         <a href=\"{SENSITIVITY_FILE}\">{SENSITIVITY_FILE}</a>, <a href=\"{NOISE_FILE}\">{NOISE_FILE}</a>, \
         <a href=\"{PROBLEM_FILE}\">{PROBLEM_FILE}</a>.</p>\n",
        name = e(&study.name),
        reps = study.replications,
        crn = if study.common_random_numbers {
            ", common random numbers across points"
        } else {
            ""
        },
        seed = study.seed,
        runs = results.x.len() as u64 * study.replications,
        boot = study.bootstrap,
    );
    h.push_str(
        "<h2>Parameters</h2>\n<table><tr><th>parameter</th><th>range or distribution</th></tr>\n",
    );
    for (n, i) in study.names.iter().zip(&study.inputs) {
        let r = match i {
            Input::Range { from, to } => format!("{from} to {to}"),
            Input::Dist(d) => serde_json::to_string(d).unwrap_or_default(),
        };
        let _ = writeln!(
            h,
            "<tr><td><code>{}</code></td><td>{}</td></tr>",
            e(n),
            e(&r)
        );
    }
    h.push_str("</table>\n<h2>Replication noise</h2>\n<p>Noise share: the replication-noise variance of a point's mean (mean within-point variance / R) over the variance of the point means. Near 0: the indices measure the parameters; near 1: the model's own noise.</p>\n<table><tr><th>metric</th><th>status</th><th>variance of point means</th><th>noise variance</th><th>noise share</th></tr>\n");
    for (m, a) in study.metrics.iter().zip(&results.analyses) {
        let (b, n, s) = a.noise.unwrap_or((f64::NAN, f64::NAN, f64::NAN));
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            e(m),
            e(&status(a)),
            fmt_num(b),
            fmt_num(n),
            fmt_num(s)
        );
    }
    h.push_str("</table>\n");
    for (m, a) in study.metrics.iter().zip(&results.analyses) {
        let _ = writeln!(h, "<h2>{}</h2>", e(m));
        let st = stem(&study.method, m);
        if figures.contains(&st) {
            let _ = writeln!(
                h,
                "<figure><a href=\"{PLOTS_DIR}/{st}.svg\"><img src=\"{PLOTS_DIR}/{st}.png\" alt=\"{}\"></a></figure>",
                e(m)
            );
        }
        match &a.indices {
            Indices::Morris(ix) => {
                h.push_str("<table><tr><th>parameter</th><th>μ</th><th>μ*</th><th>σ</th></tr>\n");
                let mut order: Vec<usize> = (0..ix.len()).collect();
                order.sort_by(|&x, &y| ix[y].mu_star.total_cmp(&ix[x].mu_star));
                for k in order {
                    let i = &ix[k];
                    let _ = writeln!(
                        h,
                        "<tr><td><code>{}</code></td><td class=\"num\">{} ± {}</td><td class=\"num\">{} ± {}</td><td class=\"num\">{} ± {}</td></tr>",
                        e(&study.names[k]),
                        fmt_num(i.mu),
                        fmt_num(i.mu_conf),
                        fmt_num(i.mu_star),
                        fmt_num(i.mu_star_conf),
                        fmt_num(i.sigma),
                        fmt_num(i.sigma_conf)
                    );
                }
                h.push_str("</table>\n");
            }
            Indices::Sobol(ix) => {
                h.push_str("<table><tr><th>parameter</th><th>S1</th><th>ST</th></tr>\n");
                let mut order: Vec<usize> = (0..ix.len()).collect();
                order.sort_by(|&x, &y| ix[y].st.total_cmp(&ix[x].st));
                for k in order {
                    let i = &ix[k];
                    let _ = writeln!(
                        h,
                        "<tr><td><code>{}</code></td><td class=\"num\">{} ± {}</td><td class=\"num\">{} ± {}</td></tr>",
                        e(&study.names[k]),
                        fmt_num(i.s1),
                        fmt_num(i.s1_conf),
                        fmt_num(i.st),
                        fmt_num(i.st_conf)
                    );
                }
                h.push_str("</table>\n");
            }
            other => {
                let _ = writeln!(
                    h,
                    "<p>Not analysed: {}.</p>",
                    e(&status(&super::Analysis {
                        indices: other.clone(),
                        noise: None,
                    }))
                );
            }
        }
    }
    let _ = writeln!(
        h,
        "<footer><p>Written by dyadsim {}. Figures are PNG; click one for its SVG.</p></footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
    h
}
