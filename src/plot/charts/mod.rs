//! The charts, each written once against a generic [`DrawingArea`] so that the same code
//! draws the PNG and the SVG.
//!
//! Layout of every figure ([`WIDTH`] × [`HEIGHT`] px): a title (and a subtitle) across the
//! top, the plot on the left, and a legend panel [`LEGEND_WIDTH`] px wide on the right (a
//! colour scale for heatmaps).

use std::ops::Range;

use plotters::chart::{ChartContext, MeshStyle};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{AsRangedCoord, Ranged};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

mod outcomes;
mod time;

pub(crate) use outcomes::{Bars, Forest, ForestRow, Heatmap, Histograms, Sweep};
use outcomes::{draw_bars, draw_forest, draw_heatmap, draw_histograms, draw_sweep};
pub(crate) use time::{Asymmetry, AsymmetryLine, Phases, Trajectories, TrajectoryPanel};
use time::{draw_asymmetry, draw_phases, draw_trajectories};

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
    /// A thin solid line.
    Thin(RGBColor),
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
            Swatch::Thin(c) => side.draw(&PathElement::new(
                vec![(8, mid), (38, mid)],
                c.stroke_width(1),
            ))?,
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

/// A figure ready to draw.
pub(crate) enum Figure {
    /// Asymmetry over time.
    Asymmetry(Asymmetry),
    /// Stacked phase shares.
    Phases(Phases),
    /// Individual runs over the spread of the population.
    Trajectories(Trajectories),
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
            Figure::Trajectories(d) => draw_trajectories(root, d),
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
    use super::outcomes::viridis;
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
