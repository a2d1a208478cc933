//! Figures over time: asymmetry with its L/M/H bands, and phase occupancy.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{
    DrawResult, GREY, LegendItem, SERIES, Swatch, chart, extent, finite_runs, header, house, item,
    legend, padded, plot_and_side,
};
use crate::plot::data::{Series, fmt_level};

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

pub(super) fn draw_asymmetry<DB: DrawingBackend>(
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

pub(super) fn draw_phases<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Phases,
) -> DrawResult<DB> {
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
