//! The charts, each written once against a generic [`DrawingArea`] so that the same code
//! draws the PNG and the SVG.
//!
//! Layout of every figure ([`WIDTH`] × [`HEIGHT`] px): a title (and a subtitle) across the
//! top, the plot on the left, and a legend panel [`LEGEND_WIDTH`] px wide on the right (a
//! colour scale for heatmaps).

use std::ops::Range;

use plotters::chart::{ChartContext, MeshStyle};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::data::{BINS, RunHistograms, Series, Stat, fmt_level, fmt_num};

/// Width of every figure, px.
pub const WIDTH: u32 = 1000;
/// Height of every figure, px.
pub const HEIGHT: u32 = 600;
/// Width of the legend panel on the right of every figure, px.
const LEGEND_WIDTH: u32 = 250;
/// The bundled font's family name (see [`super::ensure_font`]).
const FONT: &str = "sans-serif";

/// The result of drawing on backend `DB`.
pub(crate) type DrawResult<DB, T = ()> =
    Result<T, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;
type Chart<'a, DB, X, Y> = ChartContext<'a, DB, Cartesian2d<X, Y>>;

/// Colours of lines and series (Tableau 10).
pub(crate) const SERIES: [RGBColor; 8] = [
    RGBColor(0x4E, 0x79, 0xA7),
    RGBColor(0xF2, 0x8E, 0x2B),
    RGBColor(0xE1, 0x57, 0x59),
    RGBColor(0x59, 0xA1, 0x4F),
    RGBColor(0xB0, 0x7A, 0xA1),
    RGBColor(0x76, 0xB7, 0xB2),
    RGBColor(0x9C, 0x75, 0x5F),
    RGBColor(0xED, 0xC9, 0x48),
];
const GREY: RGBColor = RGBColor(0x70, 0x70, 0x70);
const SUPPORTED: RGBColor = RGBColor(0x2E, 0x8B, 0x3E);
const CONTRADICTED: RGBColor = RGBColor(0xC6, 0x28, 0x28);
const INCONCLUSIVE: RGBColor = RGBColor(0x8A, 0x8A, 0x8A);

/// A text style of the bundled font.
fn text(size: f64) -> TextStyle<'static> {
    TextStyle::from((FONT, size).into_font()).color(&BLACK)
}

/// The mark drawn in front of a legend entry.
pub(crate) enum Swatch {
    /// A solid line.
    Line(RGBColor),
    /// A dashed line.
    Dashed(RGBColor),
    /// A filled box.
    Fill(RGBAColor),
    /// A dot.
    Marker(RGBColor),
    /// A vertical bar with caps.
    ErrorBar(RGBColor),
    /// Nothing (a note).
    None,
}

/// One legend entry.
pub(crate) struct LegendItem {
    swatch: Swatch,
    label: String,
}

fn item(swatch: Swatch, label: impl Into<String>) -> LegendItem {
    LegendItem {
        swatch,
        label: label.into(),
    }
}

/// Greedy word wrap of `s` to `width` px.
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    style: &TextStyle,
    width: u32,
) -> DrawResult<DB, Vec<String>> {
    let mut lines: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in s.split_whitespace() {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if !cur.is_empty() && area.estimate_text_size(&candidate, style)?.0 > width {
            lines.push(std::mem::replace(&mut cur, word.to_string()));
        } else {
            cur = candidate;
        }
    }
    if !cur.is_empty() {
        lines.push(cur);
    }
    Ok(lines)
}

/// The largest font size (down to 11 px) at which `s` fits in `width` px.
fn fitted<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    s: &str,
    size: f64,
    width: u32,
) -> DrawResult<DB, TextStyle<'static>> {
    let mut size = size;
    while size > 11.0 && area.estimate_text_size(s, &text(size))?.0 > width {
        size -= 1.0;
    }
    Ok(text(size))
}

/// Draw the title and subtitle; return the remaining area.
fn header<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    subtitle: &str,
) -> DrawResult<DB, DrawingArea<DB, Shift>> {
    root.fill(&WHITE)?;
    let (w, _) = root.dim_in_pixel();
    let (top, body) = root.split_vertically(if subtitle.is_empty() { 50 } else { 76 });
    let centre = Pos::new(HPos::Center, VPos::Top);
    let style = fitted(&top, title, 26.0, w - 20)?;
    top.draw_text(title, &style.pos(centre), (w as i32 / 2, 12))?;
    if !subtitle.is_empty() {
        let style = fitted(&top, subtitle, 16.0, w - 20)?;
        top.draw_text(
            subtitle,
            &style.color(&GREY).pos(centre),
            (w as i32 / 2, 48),
        )?;
    }
    Ok(body)
}

/// Split the body into the plot (left) and the legend panel (right).
fn plot_and_side<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, _) = body.dim_in_pixel();
    body.split_horizontally(w.saturating_sub(LEGEND_WIDTH))
}

/// Draw a legend with a heading in the side panel.
fn legend<DB: DrawingBackend>(
    side: &DrawingArea<DB, Shift>,
    heading: &str,
    items: &[LegendItem],
) -> DrawResult<DB> {
    let (w, h) = side.dim_in_pixel();
    let bottom = h as i32 - 20;
    let style = text(14.0);
    let mut y = 16;
    for line in wrap(side, heading, &text(16.0), w - 16)? {
        side.draw_text(&line, &text(16.0), (8, y))?;
        y += 20;
    }
    y += 8;
    for (k, it) in items.iter().enumerate() {
        let lines = wrap(side, &it.label, &style, w - 56)?;
        if y + 17 * lines.len() as i32 > bottom {
            let more = format!("… {} more", items.len() - k);
            side.draw_text(&more, &style.color(&GREY), (46, y))?;
            break;
        }
        let mid = y + 8;
        match &it.swatch {
            Swatch::Line(c) => side.draw(&PathElement::new(
                vec![(8, mid), (38, mid)],
                c.stroke_width(3),
            ))?,
            Swatch::Dashed(c) => {
                for x in [8, 20, 32] {
                    side.draw(&PathElement::new(
                        vec![(x, mid), (x + 7, mid)],
                        c.stroke_width(2),
                    ))?;
                }
            }
            Swatch::Fill(c) => {
                side.draw(&Rectangle::new([(8, y + 1), (38, y + 15)], c.filled()))?;
                side.draw(&Rectangle::new([(8, y + 1), (38, y + 15)], GREY.mix(0.5)))?;
            }
            Swatch::Marker(c) => side.draw(&Circle::new((23, mid), 5, c.filled()))?,
            Swatch::None => {}
            Swatch::ErrorBar(c) => {
                let st = c.stroke_width(2);
                side.draw(&PathElement::new(vec![(23, y), (23, y + 16)], st))?;
                side.draw(&PathElement::new(vec![(17, y), (29, y)], st))?;
                side.draw(&PathElement::new(vec![(17, y + 16), (29, y + 16)], st))?;
            }
        }
        for (k, line) in lines.iter().enumerate() {
            side.draw_text(line, &style, (46, y + 17 * k as i32))?;
        }
        y += 17 * lines.len().max(1) as i32 + 10;
    }
    Ok(())
}

/// Build a chart with the house margins on `area`.
fn chart<'a, DB: DrawingBackend, X: AsRangedCoord, Y: AsRangedCoord>(
    area: &'a DrawingArea<DB, Shift>,
    x: X,
    y: Y,
    y_label_width: u32,
) -> DrawResult<DB, Chart<'a, DB, X::CoordDescType, Y::CoordDescType>> {
    ChartBuilder::on(area)
        .margin_left(10)
        .margin_right(20)
        .margin_top(6)
        .margin_bottom(10)
        .x_label_area_size(56)
        .y_label_area_size(y_label_width)
        .build_cartesian_2d(x, y)
}

/// A tick label: at most six decimals, trailing zeros trimmed, no negative zero; scientific
/// notation for very small and very large magnitudes.
fn tick(v: &f64) -> String {
    let v = *v;
    if v.abs() < 1e-9 {
        // Rounding noise of a zero tick.
        return "0".into();
    }
    if v.abs() < 1e-4 || v.abs() >= 1e7 {
        return format!("{v:.1e}");
    }
    let s = format!("{v:.6}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// The house style of the axes and grid (numeric tick labels by [`tick`]).
fn house<'m, 'a, 'b, X, Y, DB>(
    m: &'m mut MeshStyle<'a, 'b, X, Y, DB>,
    x_desc: &str,
    y_desc: &str,
) -> &'m mut MeshStyle<'a, 'b, X, Y, DB>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
    DB: DrawingBackend,
{
    m.x_desc(x_desc.to_string())
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .y_desc(y_desc.to_string())
        .axis_desc_style(text(16.0))
        .label_style(text(13.0))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(TRANSPARENT)
        .axis_style(BLACK.mix(0.6))
}

/// Finite minimum and maximum of `xs`.
pub(crate) fn extent(xs: impl IntoIterator<Item = f64>) -> Option<(f64, f64)> {
    xs.into_iter()
        .filter(|x| x.is_finite())
        .fold(None, |acc, x| match acc {
            None => Some((x, x)),
            Some((lo, hi)) => Some((lo.min(x), hi.max(x))),
        })
}

/// `lo..hi` widened by `frac` of its span on both sides; never empty or non-finite.
fn padded(e: Option<(f64, f64)>, frac: f64) -> Range<f64> {
    let (lo, hi) = e.unwrap_or((0.0, 1.0));
    let span = hi - lo;
    let pad = if span > 0.0 {
        span * frac
    } else {
        lo.abs().max(1.0) * 0.1
    };
    (lo - pad)..(hi + pad)
}

/// Runs of consecutive indices at which all of `cols` are finite.
fn finite_runs(len: usize, cols: &[&[f64]]) -> Vec<Range<usize>> {
    let ok = |i: usize| cols.iter().all(|c| c.get(i).is_some_and(|x| x.is_finite()));
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=len {
        match (start, i < len && ok(i)) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                out.push(s..i);
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// An error bar from `a` to `b` with 12 px caps across it (vertical when `a.0 == b.0`).
fn error_bar<DB: DrawingBackend, X, Y>(
    chart: &mut Chart<'_, DB, X, Y>,
    a: (f64, f64),
    b: (f64, f64),
    style: ShapeStyle,
) -> DrawResult<DB>
where
    X: Ranged<ValueType = f64>,
    Y: Ranged<ValueType = f64>,
{
    if ![a.0, a.1, b.0, b.1].iter().all(|v| v.is_finite()) {
        return Ok(());
    }
    let cap = if a.0 == b.0 {
        vec![(-6, 0), (6, 0)]
    } else {
        vec![(0, -6), (0, 6)]
    };
    chart.draw_series(std::iter::once(PathElement::new(vec![a, b], style)))?;
    chart
        .draw_series([a, b].map(|p| EmptyElement::at(p) + PathElement::new(cap.clone(), style)))?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Asymmetry over time
// ---------------------------------------------------------------------------------------

/// One design point's asymmetry trajectory.
pub(crate) struct AsymmetryLine {
    /// Legend label.
    pub label: String,
    /// Monthly mean and CI.
    pub series: Series,
}

/// Data of the `asymmetry` figure.
pub(crate) struct Asymmetry {
    /// The lines, at most [`SERIES`]`.len()`.
    pub lines: Vec<AsymmetryLine>,
    /// `power.level_low`.
    pub level_low: f64,
    /// `power.level_high`.
    pub level_high: f64,
    /// Which points are shown.
    pub subtitle: String,
}

const BAND_L: RGBColor = RGBColor(0xDD, 0xEB, 0xF7);
const BAND_M: RGBColor = RGBColor(0xFF, 0xF3, 0xD1);
const BAND_H: RGBColor = RGBColor(0xFB, 0xDE, 0xDC);

fn draw_asymmetry<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Asymmetry,
) -> DrawResult<DB> {
    let body = header(root, "Power asymmetry over time", &d.subtitle)?;
    let (plot, side) = plot_and_side(&body);
    let x = padded(
        extent(d.lines.iter().flat_map(|l| l.series.month.iter().copied())),
        0.0,
    );
    let ys = d.lines.iter().flat_map(|l| {
        let s = &l.series;
        s.mean.iter().chain(&s.lo).chain(&s.hi).copied()
    });
    let (lo, hi) = extent(ys.chain([d.level_low, d.level_high])).unwrap_or((-1.0, 1.0));
    let y = padded(Some((lo.max(-1.0), hi.min(1.0))), 0.08);
    let mut chart = chart(&plot, x.clone(), y.clone(), 70)?;
    let bands = [
        (y.start, d.level_low, BAND_L),
        (d.level_low, d.level_high, BAND_M),
        (d.level_high, y.end, BAND_H),
    ];
    for (b0, b1, c) in bands {
        let (b0, b1) = (b0.max(y.start), b1.min(y.end));
        if b1 > b0 {
            chart.draw_series(std::iter::once(Rectangle::new(
                [(x.start, b0), (x.end, b1)],
                c.filled(),
            )))?;
        }
    }
    house(
        &mut chart.configure_mesh(),
        "month",
        "asymmetry (supplier − buyer dependence)",
    )
    .draw()?;
    if y.start < 0.0 && y.end > 0.0 {
        chart.draw_series(DashedLineSeries::new(
            [(x.start, 0.0), (x.end, 0.0)],
            6,
            4,
            GREY.stroke_width(1),
        ))?;
    }
    // The y axis stops at ±1 (plus padding); keep wilder values at its edges.
    let clip = |v: f64| v.clamp(y.start, y.end);
    for (k, line) in d.lines.iter().enumerate() {
        let c = SERIES[k % SERIES.len()];
        let s = &line.series;
        for r in finite_runs(s.month.len(), &[&s.month, &s.lo, &s.hi]) {
            let upper = r.clone().map(|i| (s.month[i], clip(s.hi[i])));
            let lower = r.rev().map(|i| (s.month[i], clip(s.lo[i])));
            chart.draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                c.mix(0.2),
            )))?;
        }
        for r in finite_runs(s.month.len(), &[&s.month, &s.mean]) {
            chart.draw_series(LineSeries::new(
                r.map(|i| (s.month[i], clip(s.mean[i]))),
                c.stroke_width(3),
            ))?;
        }
    }
    let mut items: Vec<LegendItem> = d
        .lines
        .iter()
        .enumerate()
        .map(|(k, l)| item(Swatch::Line(SERIES[k % SERIES.len()]), l.label.clone()))
        .collect();
    items.push(item(Swatch::Fill(GREY.mix(0.25)), "95% CI of the mean"));
    let (lo, hi) = (fmt_level(d.level_low), fmt_level(d.level_high));
    items.push(item(
        Swatch::Fill(BAND_H.into()),
        format!("H: asymmetry ≥ {hi}"),
    ));
    items.push(item(
        Swatch::Fill(BAND_M.into()),
        format!("M: {lo} ≤ asymmetry < {hi}"),
    ));
    items.push(item(
        Swatch::Fill(BAND_L.into()),
        format!("L: asymmetry < {lo}"),
    ));
    items.push(item(Swatch::Dashed(GREY), "0: equal dependence"));
    legend(&side, "Design point (mean)", &items)
}

// ---------------------------------------------------------------------------------------
// Phase occupancy
// ---------------------------------------------------------------------------------------

/// Names and colours of the four phase states, bottom to top of the stack.
pub(crate) const PHASES: [(&str, RGBColor); 4] = [
    ("preparation", RGBColor(0xED, 0xC9, 0x48)),
    ("execution", RGBColor(0x4E, 0x79, 0xA7)),
    ("integration", RGBColor(0x59, 0xA1, 0x4F)),
    ("dissolved", RGBColor(0xB8, 0x5C, 0x5C)),
];

/// Data of a `phases` figure.
pub(crate) struct Phases {
    /// Which design point.
    pub subtitle: String,
    /// Months.
    pub month: Vec<f64>,
    /// Share of runs in each of [`PHASES`] per month (non-finite read as 0).
    pub shares: [Vec<f64>; 4],
}

fn draw_phases<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Phases) -> DrawResult<DB> {
    let body = header(root, "Phase occupancy over time", &d.subtitle)?;
    let (plot, side) = plot_and_side(&body);
    let x = padded(extent(d.month.iter().copied()), 0.0);
    let mut chart = chart(&plot, x, 0.0..1.0, 70)?;
    let n = d.month.len();
    let mut below = vec![0.0; n];
    for (k, (_, c)) in PHASES.iter().enumerate() {
        let above: Vec<f64> = (0..n)
            .map(|i| {
                let s = d.shares[k].get(i).copied().unwrap_or(0.0);
                (below[i] + if s.is_finite() { s.max(0.0) } else { 0.0 }).min(1.0)
            })
            .collect();
        let upper = (0..n).map(|i| (d.month[i], above[i]));
        let lower = (0..n).rev().map(|i| (d.month[i], below[i]));
        chart.draw_series(std::iter::once(Polygon::new(
            upper.chain(lower).collect::<Vec<_>>(),
            c.mix(0.85),
        )))?;
        below = above;
    }
    house(&mut chart.configure_mesh(), "month", "share of runs (0–1)").draw()?;
    let items: Vec<LegendItem> = PHASES
        .iter()
        .rev()
        .map(|(name, c)| item(Swatch::Fill(c.mix(0.85)), *name))
        .collect();
    legend(&side, "Phase (stacked, top to bottom)", &items)
}

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

fn draw_histograms<DB: DrawingBackend>(
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

fn draw_bars<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Bars) -> DrawResult<DB> {
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

fn draw_sweep<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Sweep) -> DrawResult<DB> {
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

fn draw_heatmap<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Heatmap) -> DrawResult<DB> {
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

fn draw_forest<DB: DrawingBackend>(root: &DrawingArea<DB, Shift>, d: &Forest) -> DrawResult<DB> {
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

/// A figure ready to draw.
pub(crate) enum Figure {
    /// Asymmetry over time.
    Asymmetry(Asymmetry),
    /// Stacked phase shares.
    Phases(Phases),
    /// Appropriation histograms.
    Histograms(Histograms),
    /// Appropriation bars (fallback).
    Bars(Bars),
    /// One-factor sweep.
    Sweep(Sweep),
    /// Two-factor heatmap.
    Heatmap(Heatmap),
    /// Proposition forest plot.
    Forest(Forest),
}

impl Figure {
    /// Draw on `root` (of [`WIDTH`] × [`HEIGHT`] px).
    pub(crate) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        match self {
            Figure::Asymmetry(d) => draw_asymmetry(root, d),
            Figure::Phases(d) => draw_phases(root, d),
            Figure::Histograms(d) => draw_histograms(root, d),
            Figure::Bars(d) => draw_bars(root, d),
            Figure::Sweep(d) => draw_sweep(root, d),
            Figure::Heatmap(d) => draw_heatmap(root, d),
            Figure::Forest(d) => draw_forest(root, d),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks() {
        assert_eq!(tick(&10.0), "10");
        assert_eq!(tick(&-0.0), "0");
        assert_eq!(tick(&-1.1e-16), "0");
        assert_eq!(tick(&0.30000000000000004), "0.3");
        assert_eq!(tick(&2.5e-5), "2.5e-5");
        assert_eq!(tick(&-9e14), "-9.0e14");
    }

    #[test]
    fn viridis_ends() {
        assert_eq!(viridis(0.0), RGBColor(68, 1, 84));
        assert_eq!(viridis(1.0), RGBColor(253, 231, 37));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
    }

    #[test]
    fn finite_runs_split_at_gaps() {
        let a = [1.0, f64::NAN, 2.0, 3.0];
        assert_eq!(finite_runs(4, &[&a]), vec![0..1, 2..4]);
    }
}
