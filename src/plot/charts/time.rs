//! Figures over time: asymmetry with its L/M/H bands, individual runs over the spread of
//! the population, and phase occupancy. Where `timeseries` has percentiles, a metric is
//! drawn as the 10–90% band of the dyads (light), the mean with its 95% CI (solid line and
//! darker band) and the median (dashed).

use plotters::coord::Shift;
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use super::{
    Chart, DrawResult, GREY, LegendItem, SERIES, Swatch, chart, extent, finite_runs, header, house,
    item, legend, padded, plot_and_side,
};
use crate::plot::data::{SampleRun, Series, fmt_level};

/// Opacity of the 10–90% band of the dyads.
const SPREAD_ALPHA: f64 = 0.13;
/// Opacity of the 95% CI band of the mean.
const CI_ALPHA: f64 = 0.3;

/// Legend labels of the statistics drawn for a series.
pub(crate) const SPREAD_LABEL: &str = "10–90% of dyads";
/// Legend label of the median.
pub(crate) const MEDIAN_LABEL: &str = "median";
/// Legend label of the mean and its CI.
pub(crate) const MEAN_LABEL: &str = "mean ± 95% CI";

/// Fill between `lo` and `hi` (where both are finite), clipped by `clip`.
fn band<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB, RangedCoordf64, RangedCoordf64>,
    month: &[f64],
    lo: &[f64],
    hi: &[f64],
    clip: &dyn Fn(f64) -> f64,
    colour: RGBAColor,
) -> DrawResult<DB> {
    for r in finite_runs(month.len(), &[month, lo, hi]) {
        let upper = r.clone().map(|i| (month[i], clip(hi[i])));
        let lower = r.rev().map(|i| (month[i], clip(lo[i])));
        chart.draw_series(std::iter::once(Polygon::new(
            upper.chain(lower).collect::<Vec<_>>(),
            colour,
        )))?;
    }
    Ok(())
}

/// A line through `(month, y)` where both are finite; dashed when `dashed`.
fn line<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB, RangedCoordf64, RangedCoordf64>,
    month: &[f64],
    y: &[f64],
    clip: &dyn Fn(f64) -> f64,
    style: ShapeStyle,
    dashed: bool,
) -> DrawResult<DB> {
    for r in finite_runs(month.len(), &[month, y]) {
        let pts: Vec<(f64, f64)> = r.map(|i| (month[i], clip(y[i]))).collect();
        if dashed {
            chart.draw_series(DashedLineSeries::new(pts, 7, 5, style))?;
        } else {
            chart.draw_series(LineSeries::new(pts, style))?;
        }
    }
    Ok(())
}

/// How the 10–90% spread of the dyads is drawn.
#[derive(Clone, Copy, PartialEq, Eq)]
enum SpreadStyle {
    /// A light band (one or two series).
    Band,
    /// Its edges as thin lines (several series, whose bands would hide each other).
    Edges,
}

/// The spread (band or edges), the CI band, the median and the mean of `s` in `c`.
fn population<DB: DrawingBackend>(
    chart: &mut Chart<'_, DB, RangedCoordf64, RangedCoordf64>,
    s: &Series,
    clip: &dyn Fn(f64) -> f64,
    c: RGBColor,
    spread: SpreadStyle,
) -> DrawResult<DB> {
    match spread {
        SpreadStyle::Band => band(
            chart,
            &s.month,
            &s.pct[0],
            &s.pct[2],
            clip,
            c.mix(SPREAD_ALPHA),
        )?,
        SpreadStyle::Edges => {
            for p in [&s.pct[0], &s.pct[2]] {
                line(chart, &s.month, p, clip, c.mix(0.7).stroke_width(1), false)?;
            }
        }
    }
    band(chart, &s.month, &s.lo, &s.hi, clip, c.mix(CI_ALPHA))?;
    line(chart, &s.month, &s.pct[1], clip, c.stroke_width(2), true)?;
    line(chart, &s.month, &s.mean, clip, c.stroke_width(3), false)
}

/// The legend entries of [`population`] (the spread ones only when there are
/// percentiles).
fn population_items(c: RGBColor, spread: Option<SpreadStyle>) -> Vec<LegendItem> {
    let mut v = Vec::new();
    match spread {
        Some(SpreadStyle::Band) => v.push(item(Swatch::Fill(c.mix(SPREAD_ALPHA)), SPREAD_LABEL)),
        Some(SpreadStyle::Edges) => v.push(item(
            Swatch::Thin(c),
            format!("{SPREAD_LABEL} (thin lines: 10th and 90th percentile)"),
        )),
        None => {}
    }
    if spread.is_some() {
        v.push(item(Swatch::Dashed(c), MEDIAN_LABEL));
    }
    v.push(item(Swatch::Fill(c.mix(CI_ALPHA)), MEAN_LABEL));
    v
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
        s.mean
            .iter()
            .chain(&s.lo)
            .chain(&s.hi)
            .chain(&s.pct[0])
            .chain(&s.pct[2])
            .copied()
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
        chart.draw_series(LineSeries::new(
            [(x.start, 0.0), (x.end, 0.0)],
            GREY.stroke_width(1),
        ))?;
    }
    // The y axis stops at ±1 (plus padding); keep wilder values at its edges.
    let clip = |v: f64| v.clamp(y.start, y.end);
    let style = if d.lines.len() > 2 {
        SpreadStyle::Edges
    } else {
        SpreadStyle::Band
    };
    for (k, line) in d.lines.iter().enumerate() {
        population(
            &mut chart,
            &line.series,
            &clip,
            SERIES[k % SERIES.len()],
            style,
        )?;
    }
    let mut items: Vec<LegendItem> = d
        .lines
        .iter()
        .enumerate()
        .map(|(k, l)| item(Swatch::Line(SERIES[k % SERIES.len()]), l.label.clone()))
        .collect();
    let spread = d.lines.iter().any(|l| l.series.has_band());
    items.extend(population_items(GREY, spread.then_some(style)));
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
    items.push(item(Swatch::Thin(GREY), "0: equal dependence"));
    legend(&side, "Design point (mean)", &items)
}

// ---------------------------------------------------------------------------------------
// Individual runs over the population
// ---------------------------------------------------------------------------------------

/// One panel of the `trajectories` figure: a metric of the population and of the runs.
pub(crate) struct TrajectoryPanel {
    /// Y axis label with unit.
    pub y_desc: String,
    /// The metric's possible range (the axis shows what the data use of it).
    pub y: (f64, f64),
    /// The population's monthly statistics.
    pub series: Series,
    /// Per run of [`Trajectories::runs`], its values of this metric.
    pub runs: Vec<Vec<f64>>,
}

/// Data of the `trajectories` figure.
pub(crate) struct Trajectories {
    /// Which design point and runs.
    pub subtitle: String,
    /// The panels, top to bottom.
    pub panels: Vec<TrajectoryPanel>,
    /// The runs drawn (replication, seed, months).
    pub runs: Vec<SampleRun>,
    /// The horizon, months.
    pub months: f64,
}

/// Colour of the population in the `trajectories` figure.
const POPULATION: RGBColor = RGBColor(0x4E, 0x79, 0xA7);

pub(super) fn draw_trajectories<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &Trajectories,
) -> DrawResult<DB> {
    let body = header(root, "Individual dyads over the population", &d.subtitle)?;
    let (plot, side) = plot_and_side(&body);
    let panels = plot.split_evenly((d.panels.len().max(1), 1));
    let x = padded(Some((1.0, d.months.max(2.0))), 0.0);
    // Runs take the colours after the population's.
    let run_colour = |k: usize| SERIES[1 + k % (SERIES.len() - 1)];
    let last = d.panels.len().saturating_sub(1);
    for (k, (area, p)) in panels.iter().zip(&d.panels).enumerate() {
        let s = &p.series;
        let ys = s
            .mean
            .iter()
            .chain(&s.lo)
            .chain(&s.hi)
            .chain(&s.pct[0])
            .chain(&s.pct[2]);
        let ys = ys.chain(p.runs.iter().flatten()).copied();
        let (lo, hi) = extent(ys).unwrap_or(p.y);
        let y = padded(Some((lo.max(p.y.0), hi.min(p.y.1))), 0.06);
        let mut chart = chart(area, x.clone(), y.clone(), 70)?;
        let x_desc = if k == last { "month" } else { "" };
        house(&mut chart.configure_mesh(), x_desc, &p.y_desc).draw()?;
        let clip = |v: f64| v.clamp(y.start, y.end);
        population(&mut chart, &p.series, &clip, POPULATION, SpreadStyle::Band)?;
        for (k, (run, values)) in d.runs.iter().zip(&p.runs).enumerate() {
            let c = run_colour(k);
            line(
                &mut chart,
                &run.month,
                values,
                &clip,
                c.stroke_width(1),
                false,
            )?;
            // A dot where the relationship ended before the horizon.
            let last = run.month.len().checked_sub(1);
            if let Some(i) = last.filter(|&i| run.month[i] < d.months)
                && values[i].is_finite()
            {
                chart.draw_series(std::iter::once(Circle::new(
                    (run.month[i], clip(values[i])),
                    3,
                    c.filled(),
                )))?;
            }
        }
    }
    let spread = d.panels.iter().any(|p| p.series.has_band());
    let mut items = population_items(POPULATION, spread.then_some(SpreadStyle::Band));
    items.extend(d.runs.iter().enumerate().map(|(k, r)| {
        item(
            Swatch::Thin(run_colour(k)),
            format!("replication {}, seed {}", r.replication, r.seed),
        )
    }));
    items.push(item(Swatch::Marker(GREY), "relationship ended"));
    legend(&side, "Population and individual runs", &items)
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
