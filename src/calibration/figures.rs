//! Figures of a calibration (PNG and SVG in the output folder):
//!
//! | file stem | shows |
//! |---|---|
//! | `marginals` | per parameter, the prior (grey outline, from prior draws) and the posterior (blue, weighted) as densities on the prior's range |
//! | `pairs` | the posterior particles for each pair of the (at most four) parameters that moved most, drawn with opacity by weight |

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use super::Calibration;
use crate::plot::{PlotError, ensure_font};

const BLUE: RGBColor = RGBColor(0x4E, 0x79, 0xA7);
const GREY: RGBColor = RGBColor(0x70, 0x70, 0x70);
const BINS: usize = 30;
/// Parameters in the pairs figure.
pub const PAIRS: usize = 4;

type Res<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

fn font(size: f64) -> TextStyle<'static> {
    TextStyle::from(("sans-serif", size).into_font()).color(&BLACK)
}

/// The range of parameter `j` over the prior sample and the posterior.
fn range(cal: &Calibration, j: usize) -> (f64, f64) {
    let xs = cal
        .prior_sample
        .iter()
        .map(|t| t[j])
        .chain(cal.posterior().iter().map(|p| p.theta[j]));
    let (lo, hi) = xs
        .filter(|x| x.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
    if lo < hi {
        (lo, hi)
    } else {
        (lo - 0.5, lo + 0.5)
    }
}

/// Weighted histogram densities of `(value, weight)` over `BINS` bins of `[lo, hi]`.
fn density(values: impl Iterator<Item = (f64, f64)>, lo: f64, hi: f64) -> Vec<f64> {
    let w = (hi - lo) / BINS as f64;
    let mut h = vec![0.0; BINS];
    let mut total = 0.0;
    for (x, wt) in values {
        if !x.is_finite() {
            continue;
        }
        let b = (((x - lo) / w) as usize).min(BINS - 1);
        h[b] += wt;
        total += wt;
    }
    if total > 0.0 {
        for v in &mut h {
            *v /= total * w;
        }
    }
    h
}

fn marginals<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, cal: &Calibration) -> Res<DB> {
    root.fill(&WHITE)?;
    let d = cal.params.len();
    let cols = d.clamp(1, 3);
    let rows = d.div_ceil(cols).max(1);
    let (title, body) = root.split_vertically(50);
    title.draw(&Text::new(
        "Prior (grey outline) and posterior (blue) of each calibrated parameter",
        (20, 15),
        font(22.0),
    ))?;
    let panels = body.split_evenly((rows, cols));
    for (j, area) in panels.iter().enumerate().take(d) {
        let (lo, hi) = range(cal, j);
        let prior = density(cal.prior_sample.iter().map(|t| (t[j], 1.0)), lo, hi);
        let post = density(
            cal.posterior().iter().map(|p| (p.theta[j], p.weight)),
            lo,
            hi,
        );
        let top = prior
            .iter()
            .chain(&post)
            .copied()
            .fold(0.0f64, f64::max)
            .max(1e-12)
            * 1.1;
        let m = &cal.movement[j];
        let mut chart = ChartBuilder::on(area)
            .caption(
                format!(
                    "{}{}",
                    m.path,
                    if m.constrained() {
                        ""
                    } else {
                        " (not constrained)"
                    }
                ),
                font(15.0),
            )
            .margin(8)
            .x_label_area_size(28)
            .y_label_area_size(40)
            .build_cartesian_2d(lo..hi, 0.0..top)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .label_style(font(11.0))
            .y_labels(3)
            .x_labels(4)
            .draw()?;
        let w = (hi - lo) / BINS as f64;
        chart.draw_series(post.iter().enumerate().map(|(b, v)| {
            let x0 = lo + b as f64 * w;
            Rectangle::new([(x0, 0.0), (x0 + w, *v)], BLUE.mix(0.55).filled())
        }))?;
        let outline: Vec<(f64, f64)> = prior
            .iter()
            .enumerate()
            .flat_map(|(b, v)| {
                let x0 = lo + b as f64 * w;
                [(x0, *v), (x0 + w, *v)]
            })
            .collect();
        chart.draw_series(LineSeries::new(outline, GREY.stroke_width(2)))?;
    }
    Ok(())
}

/// The parameters that moved most (by contraction plus shift), at most [`PAIRS`].
pub fn top_params(cal: &Calibration) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..cal.params.len()).collect();
    let score = |j: usize| cal.movement[j].contraction.max(0.0) + cal.movement[j].shift;
    idx.sort_by(|a, b| score(*b).total_cmp(&score(*a)).then(a.cmp(b)));
    idx.truncate(PAIRS);
    idx
}

fn pairs<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, cal: &Calibration) -> Res<DB> {
    root.fill(&WHITE)?;
    let top = top_params(cal);
    let pairs: Vec<(usize, usize)> = top
        .iter()
        .enumerate()
        .flat_map(|(a, &i)| top[a + 1..].iter().map(move |&j| (i, j)))
        .collect();
    let (title, body) = root.split_vertically(50);
    title.draw(&Text::new(
        "Posterior particles for pairs of the parameters that moved most (darker: heavier)",
        (20, 15),
        font(22.0),
    ))?;
    if pairs.is_empty() {
        body.draw(&Text::new(
            "Only one parameter was calibrated: no pairs to show.",
            (20, 20),
            font(16.0),
        ))?;
        return Ok(());
    }
    let cols = pairs.len().clamp(1, 3);
    let rows = pairs.len().div_ceil(cols);
    let panels = body.split_evenly((rows, cols));
    let wmax = cal
        .posterior()
        .iter()
        .map(|p| p.weight)
        .fold(0.0f64, f64::max)
        .max(1e-300);
    for (area, &(i, j)) in panels.iter().zip(&pairs) {
        let (xl, xh) = range(cal, i);
        let (yl, yh) = range(cal, j);
        let mut chart = ChartBuilder::on(area)
            .margin(8)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(xl..xh, yl..yh)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(cal.params[i].path)
            .y_desc(cal.params[j].path)
            .axis_desc_style(font(12.0))
            .label_style(font(11.0))
            .x_labels(4)
            .y_labels(4)
            .draw()?;
        chart.draw_series(cal.posterior().iter().map(|p| {
            let a = 0.15 + 0.85 * (p.weight / wmax);
            Circle::new((p.theta[i], p.theta[j]), 3, BLUE.mix(a).filled())
        }))?;
    }
    Ok(())
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    stem: &str,
    cal: &Calibration,
) -> Res<DB> {
    if stem == "marginals" {
        marginals(root, cal)
    } else {
        pairs(root, cal)
    }
}

/// Draw `marginals` and `pairs` into `dir` as PNG and SVG.
pub fn write(dir: &Path, cal: &Calibration) -> Result<Vec<PathBuf>, PlotError> {
    ensure_font()?;
    let d = cal.params.len().max(1);
    let rows = d.div_ceil(d.clamp(1, 3)) as u32;
    let mut out = Vec::new();
    let fail = |file: &Path, e: String| {
        let _ = std::fs::remove_file(file);
        PlotError::Draw {
            file: file.to_path_buf(),
            message: e,
        }
    };
    for (stem, size) in [
        ("marginals", (1200u32, 60 + 260 * rows)),
        ("pairs", (1200u32, 660u32)),
    ] {
        let png = dir.join(format!("{stem}.png"));
        {
            let root = BitMapBackend::new(&png, size).into_drawing_area();
            draw(&root, stem, cal)
                .and_then(|()| root.present())
                .map_err(|e| fail(&png, e.to_string()))?;
        }
        let svg = dir.join(format!("{stem}.svg"));
        {
            let root = SVGBackend::new(&svg, size).into_drawing_area();
            draw(&root, stem, cal)
                .and_then(|()| root.present())
                .map_err(|e| fail(&svg, e.to_string()))?;
        }
        out.push(png);
        out.push(svg);
    }
    Ok(out)
}
