//! Figures of outcomes: appropriation histograms and bars, sweeps over one or two
//! factors, and the forest plot of proposition tests.

use std::ops::Range;

use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{
    CONTRADICTED, DrawResult, GREY, INCONCLUSIVE, SERIES, SUPPORTED, Swatch, chart, error_bar,
    extent, header, house, item, legend, padded, plot_and_side, text, wrap,
};
use crate::plot::data::{BINS, RunHistograms, Stat, fmt_level, fmt_num};

// ---------------------------------------------------------------------------------------
// Appropriation
// ---------------------------------------------------------------------------------------

/// Data of the `appropriation` figure from per-run values.
pub(crate) struct Histograms {
    /// Which design point.
    pub subtitle: String,
    /// Binned per-run values appropriated by supplier and buyer.
    pub runs: RunHistograms,
    /// The mean dual-appropriation index.
    pub dual: Option<Stat>,
}

fn dual_text(dual: Option<Stat>) -> String {
    match dual {
        Some(s) if s.mean.is_finite() => format!(
            "mean dual-appropriation index {} [{}, {}]",
            fmt_num(s.mean),
            fmt_num(s.lo),
            fmt_num(s.hi)
        ),
        _ => "dual-appropriation index not available".into(),
    }
}

pub(super) fn draw_histograms<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Histograms,
) -> DrawResult<DB> {
    let title = format!("Value appropriated per run — {}", dual_text(d.dual));
    let body = header(root, &title, &d.subtitle)?;
    let (plot, side) = plot_and_side(&body);
    let (start, width) = (d.runs.start, d.runs.width);
    let counts = *d.runs.counts;
    let top = counts.iter().flatten().copied().max().unwrap_or(1).max(1) as f64 * 1.08;
    let x = padded(Some((start, start + width * BINS as f64)), 0.02);
    let mut chart = chart(&plot, x, 0.0..top, 70)?;
    house(
        &mut chart.configure_mesh(),
        "value appropriated over the run (kEUR)",
        "number of runs",
    )
    .draw()?;
    let colors = [SERIES[0], SERIES[1]];
    for (c, col) in counts.iter().zip(colors) {
        chart.draw_series(c.iter().enumerate().filter(|(_, n)| **n > 0).map(|(b, n)| {
            let x0 = start + width * b as f64;
            Rectangle::new([(x0, 0.0), (x0 + width, *n as f64)], col.mix(0.5).filled())
        }))?;
    }
    let mut items = Vec::new();
    for (k, (name, col)) in [("supplier", colors[0]), ("buyer", colors[1])]
        .into_iter()
        .enumerate()
    {
        if d.runs.n[k] == 0 {
            continue;
        }
        let m = d.runs.mean[k];
        chart.draw_series(DashedLineSeries::new(
            [(m, 0.0), (m, top)],
            8,
            5,
            col.stroke_width(2),
        ))?;
        items.push(item(
            Swatch::Fill(col.mix(0.5)),
            format!("{name} (n = {} runs)", d.runs.n[k]),
        ));
        items.push(item(
            Swatch::Dashed(col),
            format!("{name} mean: {} kEUR", fmt_num(m)),
        ));
    }
    items.push(item(Swatch::None, dual_text(d.dual)));
    legend(&side, "Value appropriated by", &items)
}

/// Data of the `appropriation` figure from summary means (when there is no `runs.csv`).
pub(crate) struct Bars {
    /// Which design point.
    pub subtitle: String,
    /// `(label, statistic)` per bar.
    pub bars: Vec<(String, Stat)>,
    /// The mean dual-appropriation index.
    pub dual: Option<Stat>,
}

/// A categorical axis: `-0.5..n-0.5` with a key point (label, grid line) at every
/// integer, i.e. at every category.
#[derive(Clone)]
struct Categories(usize);

impl Ranged for Categories {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        let r = self.range();
        let f = (value - r.start) / (r.end - r.start);
        (f64::from(limit.0) + f * f64::from(limit.1 - limit.0)).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.max_num_points() == 0 || hint.weight().allow_light_points() {
            return Vec::new();
        }
        (0..self.0).map(|i| i as f64).collect()
    }

    fn range(&self) -> Range<f64> {
        -0.5..self.0.max(1) as f64 - 0.5
    }
}

fn categories(n: usize) -> Categories {
    Categories(n)
}

/// The category at key point `x` of `names`.
fn category(names: &[String], x: f64) -> String {
    let i = x.round();
    if (x - i).abs() < 1e-6 && i >= 0.0 {
        names.get(i as usize).cloned().unwrap_or_default()
    } else {
        String::new()
    }
}

pub(super) fn draw_bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Bars,
) -> DrawResult<DB> {
    let title = format!("Mean value appropriated — {}", dual_text(d.dual));
    let body = header(root, &title, &d.subtitle)?;
    let (plot, side) = plot_and_side(&body);
    let n = d.bars.len().max(1);
    let ys = d.bars.iter().flat_map(|(_, s)| [s.mean, s.lo, s.hi]);
    let (lo, hi) = extent(ys.chain([0.0])).unwrap_or((0.0, 1.0));
    let y = padded(Some((lo, hi)), 0.08);
    // Bars grow from zero: no padding below a zero baseline.
    let y = if lo >= 0.0 { 0.0..y.end } else { y };
    let names: Vec<String> = d.bars.iter().map(|(l, _)| l.clone()).collect();
    let mut chart = chart(&plot, categories(n), y, 70)?;
    house(
        &mut chart.configure_mesh(),
        "appropriated by",
        "mean value appropriated over the run (kEUR)",
    )
    .x_label_formatter(&|x| category(&names, *x))
    .disable_x_mesh()
    .draw()?;
    let mut items = Vec::new();
    for (i, (label, s)) in d.bars.iter().enumerate() {
        let c = SERIES[i % SERIES.len()];
        let x = i as f64;
        if s.mean.is_finite() {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x - 0.3, 0.0), (x + 0.3, s.mean)],
                c.mix(0.75).filled(),
            )))?;
        }
        error_bar(&mut chart, (x, s.lo), (x, s.hi), BLACK.stroke_width(2))?;
        items.push(item(
            Swatch::Fill(c.mix(0.75)),
            format!(
                "{label}: {} [{}, {}] kEUR",
                fmt_num(s.mean),
                fmt_num(s.lo),
                fmt_num(s.hi)
            ),
        ));
    }
    items.push(item(Swatch::ErrorBar(BLACK), "95% CI of the mean"));
    items.push(item(Swatch::None, dual_text(d.dual)));
    legend(&side, "Mean over runs", &items)
}

// ---------------------------------------------------------------------------------------
// One-factor sweep
// ---------------------------------------------------------------------------------------

/// Data of a `sweep_<outcome>` figure.
pub(crate) struct Sweep {
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: String,
    /// x axis label (the factor with its unit).
    pub x_desc: String,
    /// y axis label (the outcome with its unit).
    pub y_desc: String,
    /// `(factor value, statistic)`, sorted by factor value.
    pub points: Vec<(f64, Stat)>,
}

pub(super) fn draw_sweep<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Sweep,
) -> DrawResult<DB> {
    let body = header(root, &d.title, &d.subtitle)?;
    let (plot, side) = plot_and_side(&body);
    let x = padded(extent(d.points.iter().map(|p| p.0)), 0.05);
    let ys = d.points.iter().flat_map(|(_, s)| [s.mean, s.lo, s.hi]);
    let y = padded(extent(ys), 0.1);
    let mut chart = chart(&plot, x, y, 80)?;
    house(&mut chart.configure_mesh(), &d.x_desc, &d.y_desc).draw()?;
    let c = SERIES[0];
    let means: Vec<(f64, f64)> = d
        .points
        .iter()
        .filter(|(x, s)| x.is_finite() && s.mean.is_finite())
        .map(|(x, s)| (*x, s.mean))
        .collect();
    chart.draw_series(LineSeries::new(means.iter().copied(), c.stroke_width(2)))?;
    for (x, s) in &d.points {
        error_bar(&mut chart, (*x, s.lo), (*x, s.hi), BLACK.stroke_width(2))?;
    }
    chart.draw_series(means.iter().map(|p| Circle::new(*p, 6, c.filled())))?;
    let items = [
        item(Swatch::Marker(c), "mean over replications"),
        item(Swatch::ErrorBar(BLACK), "95% CI of the mean"),
    ];
    legend(&side, "Per design point", &items)
}

// ---------------------------------------------------------------------------------------
// Two-factor heatmap
// ---------------------------------------------------------------------------------------

/// Data of a `heatmap_<outcome>` figure.
pub(crate) struct Heatmap {
    /// Title.
    pub title: String,
    /// Subtitle.
    pub subtitle: String,
    /// x axis label.
    pub x_desc: String,
    /// y axis label.
    pub y_desc: String,
    /// Colour scale label (the outcome with its unit).
    pub z_desc: String,
    /// Levels of the x factor.
    pub xs: Vec<f64>,
    /// Levels of the y factor.
    pub ys: Vec<f64>,
    /// `(x level index, y level index, mean)`.
    pub cells: Vec<(usize, usize, f64)>,
}

/// Viridis, sampled at nine points.
const VIRIDIS: [(u8, u8, u8); 9] = [
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
];

/// The viridis colour at `t` in `[0, 1]`.
pub(crate) fn viridis(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let pos = t * (VIRIDIS.len() - 1) as f64;
    let i = (pos.floor() as usize).min(VIRIDIS.len() - 2);
    let f = pos - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (f64::from(p) + (f64::from(q) - f64::from(p)) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

pub(super) fn draw_heatmap<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Heatmap,
) -> DrawResult<DB> {
    let body = header(root, &d.title, &d.subtitle)?;
    let (plot, side) = plot_and_side(&body);
    let (nx, ny) = (d.xs.len().max(1), d.ys.len().max(1));
    let x_names: Vec<String> = d.xs.iter().map(|v| fmt_level(*v)).collect();
    let y_names: Vec<String> = d.ys.iter().map(|v| fmt_level(*v)).collect();
    let mut chart = chart(&plot, categories(nx), categories(ny), 70)?;
    house(&mut chart.configure_mesh(), &d.x_desc, &d.y_desc)
        .x_label_formatter(&|x| category(&x_names, *x))
        .y_label_formatter(&|y| category(&y_names, *y))
        .disable_mesh()
        .draw()?;
    let (zlo, zhi) = extent(d.cells.iter().map(|c| c.2)).unwrap_or((0.0, 1.0));
    let scale = |z: f64| {
        if zhi > zlo {
            (z - zlo) / (zhi - zlo)
        } else {
            0.5
        }
    };
    let cell_px = plot.dim_in_pixel();
    let cell_w = cell_px.0 / nx as u32;
    let cell_h = cell_px.1 / ny as u32;
    let label_size = f64::from(cell_w.min(cell_h) / 4).clamp(10.0, 16.0);
    for &(i, j, z) in &d.cells {
        let (x, y) = (i as f64, j as f64);
        let fill = if z.is_finite() {
            viridis(scale(z))
        } else {
            RGBColor(0xDD, 0xDD, 0xDD)
        };
        chart.draw_series(std::iter::once(Rectangle::new(
            [(x - 0.5, y - 0.5), (x + 0.5, y + 0.5)],
            fill.filled(),
        )))?;
        if cell_w >= 40 && cell_h >= 22 {
            let ink = if z.is_finite() && scale(z) < 0.6 {
                WHITE
            } else {
                BLACK
            };
            let style = text(label_size)
                .color(&ink)
                .pos(Pos::new(HPos::Center, VPos::Center));
            chart.draw_series(std::iter::once(Text::new(fmt_num(z), (x, y), style)))?;
        }
    }
    colour_bar(&side, &d.z_desc, zlo, zhi)
}

/// A vertical colour scale with five tick labels in the side panel.
fn colour_bar<DB: DrawingBackend>(
    side: &DrawingArea<DB, Shift>,
    label: &str,
    lo: f64,
    hi: f64,
) -> DrawResult<DB> {
    let (w, h) = side.dim_in_pixel();
    let mut y = 16;
    for line in wrap(side, &format!("Colour scale: {label}"), &text(15.0), w - 16)? {
        side.draw_text(&line, &text(15.0), (8, y))?;
        y += 19;
    }
    let (top, bottom) = (y + 16, h as i32 - 40);
    if bottom <= top + 10 {
        return Ok(());
    }
    let steps = 100;
    let span = f64::from(bottom - top);
    for k in 0..steps {
        let y0 = top + (span * k as f64 / steps as f64) as i32;
        let y1 = top + (span * (k + 1) as f64 / steps as f64).ceil() as i32;
        let c = viridis(1.0 - (k as f64 + 0.5) / steps as f64);
        side.draw(&Rectangle::new([(20, y0), (50, y1)], c.filled()))?;
    }
    side.draw(&Rectangle::new([(20, top), (50, bottom)], BLACK.mix(0.6)))?;
    let ticks = if hi > lo { 5 } else { 1 };
    for k in 0..ticks {
        let f = if ticks > 1 {
            k as f64 / (ticks - 1) as f64
        } else {
            0.5
        };
        let yy = bottom - (span * f) as i32;
        side.draw(&PathElement::new(vec![(50, yy), (56, yy)], BLACK))?;
        let v = lo + (hi - lo) * f;
        side.draw_text(
            &fmt_num(v),
            &text(13.0).pos(Pos::new(HPos::Left, VPos::Center)),
            (60, yy),
        )?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Proposition forest plot
// ---------------------------------------------------------------------------------------

/// One row of the forest plot.
pub(crate) struct ForestRow {
    /// Axis label (proposition id and metric).
    pub label: String,
    /// Effect (level B minus level A), on the figure's scale.
    pub effect: f64,
    /// Lower end of the 95% CI, on the figure's scale.
    pub lo: f64,
    /// Upper end of the 95% CI, on the figure's scale.
    pub hi: f64,
    /// The effect and CI in the metric's units, written next to the marker.
    pub note: String,
    /// `supported`, `contradicted` or anything else (inconclusive).
    pub verdict: String,
}

/// Data of the `forest` figure.
pub(crate) struct Forest {
    /// Rows, top to bottom.
    pub rows: Vec<ForestRow>,
    /// What the x axis measures.
    pub x_desc: String,
    /// How the effects are scaled.
    pub subtitle: String,
    /// Draw dotted reference lines at ±1 (the smallest effect of interest).
    pub unit_lines: bool,
}

fn verdict_colour(v: &str) -> RGBColor {
    match v {
        "supported" => SUPPORTED,
        "contradicted" => CONTRADICTED,
        _ => INCONCLUSIVE,
    }
}

pub(super) fn draw_forest<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Forest,
) -> DrawResult<DB> {
    let body = header(root, "Proposition tests: effect and 95% CI", &d.subtitle)?;
    let (plot, side) = plot_and_side(&body);
    let n = d.rows.len().max(1);
    // Row k is drawn at y = n - 1 - k so the first proposition is on top.
    let names: Vec<String> = (0..n)
        .map(|y| {
            d.rows
                .get(n - 1 - y)
                .map_or_else(String::new, |r| r.label.clone())
        })
        .collect();
    let mut widest = 0;
    for s in &names {
        widest = widest.max(plot.estimate_text_size(s, &text(13.0))?.0);
    }
    let mut xs: Vec<f64> = d.rows.iter().flat_map(|r| [r.effect, r.lo, r.hi]).collect();
    xs.push(0.0);
    if d.unit_lines {
        xs.extend([-1.0, 1.0]);
    }
    let x = padded(extent(xs), 0.08);
    let mut chart = chart(&plot, x, categories(n), (widest + 48).clamp(80, 320))?;
    house(&mut chart.configure_mesh(), &d.x_desc, "proposition")
        .y_label_formatter(&|y| category(&names, *y))
        .disable_y_mesh()
        .draw()?;
    let span = (-0.5, n as f64 - 0.5);
    chart.draw_series(DashedLineSeries::new(
        [(0.0, span.0), (0.0, span.1)],
        8,
        5,
        BLACK.stroke_width(2),
    ))?;
    if d.unit_lines {
        for v in [-1.0, 1.0] {
            chart.draw_series(DashedLineSeries::new(
                [(v, span.0), (v, span.1)],
                2,
                4,
                GREY.stroke_width(1),
            ))?;
        }
    }
    let row_px = plot.dim_in_pixel().1 / n as u32;
    for (k, r) in d.rows.iter().enumerate() {
        let y = (n - 1 - k) as f64;
        let c = verdict_colour(&r.verdict);
        error_bar(&mut chart, (r.lo, y), (r.hi, y), c.stroke_width(3))?;
        if r.effect.is_finite() {
            let radius = (row_px / 4).clamp(3, 7);
            chart.draw_series(std::iter::once(Circle::new(
                (r.effect, y),
                radius,
                c.filled(),
            )))?;
            if row_px >= 34 {
                let style = text(12.0)
                    .color(&GREY)
                    .pos(Pos::new(HPos::Center, VPos::Bottom));
                let half = plot.estimate_text_size(&r.note, &style)?.0 as i32 / 2 + 3;
                chart.draw_series(std::iter::once(
                    EmptyElement::at((r.effect, y))
                        + Rectangle::new([(-half, -25), (half, -9)], WHITE.mix(0.85).filled())
                        + Text::new(r.note.clone(), (0, -10), style),
                ))?;
            }
        } else {
            let style = text(12.0)
                .color(&GREY)
                .pos(Pos::new(HPos::Left, VPos::Center));
            chart.draw_series(std::iter::once(
                EmptyElement::at((0.0, y)) + Text::new("no estimate", (8, 0), style),
            ))?;
        }
    }
    let mut items = vec![
        item(Swatch::Marker(SUPPORTED), "supported"),
        item(Swatch::Marker(CONTRADICTED), "contradicted"),
        item(Swatch::Marker(INCONCLUSIVE), "inconclusive"),
        item(Swatch::Line(INCONCLUSIVE), "bar: 95% CI of the effect"),
        item(Swatch::Dashed(BLACK), "0: no effect"),
    ];
    if d.unit_lines {
        items.push(item(
            Swatch::Dashed(GREY),
            "±1: smallest effect of interest",
        ));
    }
    legend(&side, "Verdict", &items)
}
