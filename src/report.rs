//! A one-page HTML report of an experiment's output directory.
//!
//! [`write_report`] writes `report.html` next to the CSV files: the scenario, the facts of
//! the run from the manifest, a table of key outcomes per design point, every figure that
//! [`crate::plot::render`] left in `plots/` with a caption on what to look for, and, when
//! `propositions.csv` exists, the table of proposition verdicts. The page is self-contained
//! apart from the figures, which it links relatively (`plots/<name>.png`, each opening its
//! SVG when clicked), so the directory can be moved or archived as a whole. It refers only
//! to files that exist when it is written.
//!
//! A directory with `propositions.csv` but no `points.csv` (what `dyadsim propositions`
//! writes) gets a report of the proposition tests alone: the `forest` figure and the table.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::output::OutputError;
use crate::output::files::ReadError;
use crate::plot::data::{
    MANIFEST, Meta, POINTS, PROPOSITIONS, Points, Proposition, RUNS, SUMMARY, Summary, TIMESERIES,
    TRAJECTORIES, fmt_level, fmt_num, load_propositions,
};
use crate::plot::{HEIGHT, PLOTS_DIR, PlotError, WIDTH, caption, propositions_only};

/// Name of the report file in the output directory.
pub const REPORT_FILE: &str = "report.html";

/// The outcomes of the key summary table with their column headings, in column order
/// (those present in `summary.csv` are shown).
const TABLE_OUTCOMES: [(&str, &str); 7] = [
    ("value_created", "value created (kEUR)"),
    ("value_supplier", "supplier's value (kEUR)"),
    ("value_buyer", "buyer's value (kEUR)"),
    ("dual_index", "dual index"),
    ("dissolved", "dissolved (share)"),
    ("supplier_survived", "supplier survived (share)"),
    ("knowledge", "knowledge (units)"),
];

/// At most this many design points are listed in the summary table.
const MAX_TABLE_ROWS: usize = 200;

const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;
 margin:0 auto;max-width:1200px;padding:1.5rem 2rem 3rem;color:#1d1d1f;line-height:1.45}
h1{font-size:1.7rem;margin:.2rem 0}
h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:2px solid #e4e4e7;padding-bottom:.25rem}
p.lead{font-size:1.05rem;color:#3f3f46;margin-top:.3rem}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:0 2rem}
@media (max-width:800px){.grid{grid-template-columns:1fr}}
table{border-collapse:collapse;font-size:.9rem;margin:.6rem 0}
th,td{padding:.3rem .6rem;border-bottom:1px solid #e4e4e7;text-align:left;vertical-align:top}
th{background:#f4f4f5;font-weight:600}
table.facts th{background:none;color:#52525b;font-weight:500;white-space:nowrap}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td small{display:block;color:#71717a}
table.props{font-size:.84rem}
table.props td.statement{min-width:13rem;max-width:22rem}
table.props td.test{max-width:15rem}
table.props code{overflow-wrap:anywhere}
.scroll{overflow-x:auto}
figure{margin:1.5rem 0 2rem}
figure img{max-width:100%;height:auto;border:1px solid #e4e4e7}
figcaption{color:#3f3f46;font-size:.92rem;margin-top:.4rem;max-width:60rem}
code{font-size:.9em;background:#f4f4f5;padding:0 .25em;border-radius:3px}
.verdict{font-weight:600;padding:.05rem .45rem;border-radius:.6rem;white-space:nowrap}
.supported{background:#dcf2e0;color:#1d6b2d}
.contradicted{background:#fbdcdc;color:#9b1c1c}
.inconclusive{background:#ececec;color:#52525b}
p.files{font-size:.9rem;color:#52525b}
footer{margin-top:3rem;color:#71717a;font-size:.85rem}
";

/// Escape `s` for HTML text and attribute values.
pub(crate) fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Write `dir/report.html` from the files in `dir`; returns its path.
///
/// Requires `manifest.json`, `points.csv` and `summary.csv`; shows the figures found in
/// `dir/plots/` (run [`crate::plot::render`] first) and the propositions of
/// `propositions.csv` when it exists. The file is written under a temporary name and
/// renamed into place.
pub fn write_report(dir: &Path) -> Result<PathBuf, PlotError> {
    let props = load_propositions(dir)?;
    let run = if propositions_only(dir) {
        None
    } else {
        Some((Meta::load(dir)?, Points::load(dir)?, Summary::load(dir)?))
    };
    let figures = figures(dir)?;

    let mut h = String::new();
    let e = escape_html;
    let (title, heading, lead) = match &run {
        Some((meta, _, _)) => (
            meta.name.clone(),
            format!("Scenario <code>{}</code>", e(&meta.name)),
            meta.description.clone(),
        ),
        None => (
            "propositions".to_string(),
            "Proposition tests".to_string(),
            "Verdicts of the propositions in propositions.csv.".to_string(),
        ),
    };
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>dyadsim report: {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n\
         <header>\n<h1>{heading}</h1>\n<p class=\"lead\">{}</p>\n{}</header>\n",
        e(&title),
        e(&lead),
        data_files(dir)
    );
    if let Some((meta, points, summary)) = &run {
        h.push_str("<div class=\"grid\">\n");
        scenario_section(&mut h, meta);
        run_section(&mut h, meta);
        h.push_str("</div>\n");
        summary_section(&mut h, points, summary);
    }
    figure_section(&mut h, &figures);
    if let Some(props) = &props {
        propositions_section(&mut h, props);
    }
    let version = run.as_ref().and_then(|r| r.0.version.clone());
    let _ = write!(
        h,
        "<footer>Written by dyadsim {}. Values in kEUR; intervals are 95% confidence \
         intervals of the mean over replications (Wilson's interval for shares of runs); \
         bands of the dyads run from the 10th to the 90th percentile. Figures are {WIDTH}&times;{HEIGHT} px PNG; \
         click one for its SVG.</footer>\n</body>\n</html>\n",
        e(version.as_deref().unwrap_or(env!("CARGO_PKG_VERSION")))
    );

    let path = dir.join(REPORT_FILE);
    crate::output::write_text_atomic(&path, &h).map_err(|e| match e {
        OutputError::Io { path, source } => PlotError::Write { file: path, source },
        other => PlotError::Write {
            file: path.clone(),
            source: std::io::Error::other(other.to_string()),
        },
    })?;
    Ok(path)
}

/// A figure found in `plots/`: its stem, whether its SVG exists, and its caption.
struct FigureFile {
    stem: String,
    svg: bool,
    caption: String,
}

/// The figures in `dir/plots/` that [`crate::plot::render`] writes, in report order.
fn figures(dir: &Path) -> Result<Vec<FigureFile>, PlotError> {
    let plots = dir.join(PLOTS_DIR);
    if !plots.is_dir() {
        return Ok(Vec::new());
    }
    let entries = std::fs::read_dir(&plots).map_err(|source| ReadError::Read {
        file: plots.clone(),
        source,
    })?;
    let mut found: Vec<(usize, FigureFile)> = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().is_none_or(|x| x != "png") || !path.is_file() {
            continue;
        }
        let Some(stem) = path.file_stem().and_then(|s| s.to_str()) else {
            continue;
        };
        if let Some((rank, caption)) = caption(stem) {
            found.push((
                rank,
                FigureFile {
                    stem: stem.to_string(),
                    svg: plots.join(format!("{stem}.svg")).is_file(),
                    caption,
                },
            ));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.stem.cmp(&b.1.stem)));
    Ok(found.into_iter().map(|f| f.1).collect())
}

fn fact(h: &mut String, key: &str, value: &str) {
    let _ = writeln!(
        h,
        "<tr><th>{}</th><td>{}</td></tr>",
        escape_html(key),
        escape_html(value)
    );
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map_or_else(|| "—".into(), ToString::to_string)
}

fn scenario_section(h: &mut String, m: &Meta) {
    h.push_str("<section>\n<h2>Scenario</h2>\n<table class=\"facts\">\n");
    fact(h, "name", &m.name);
    fact(h, "seed", &opt(&m.seed));
    fact(h, "design", &m.design);
    fact(h, "months", &opt(&m.months));
    fact(h, "replications per point", &opt(&m.replications));
    fact(
        h,
        "asymmetry levels",
        &format!(
            "L < {} ≤ M < {} ≤ H",
            fmt_level(m.level_low),
            fmt_level(m.level_high)
        ),
    );
    if m.factors.is_empty() {
        fact(h, "factors", "none (a single design point)");
    }
    for f in &m.factors {
        let levels = match (f.range, m.design.as_str()) {
            (Some((a, b)), "lhs") => format!("range {} to {}", fmt_level(a), fmt_level(b)),
            _ => f
                .values
                .iter()
                .map(|v| fmt_level(*v))
                .collect::<Vec<_>>()
                .join(", "),
        };
        fact(h, &format!("factor {}", f.path), &levels);
    }
    h.push_str("</table>\n</section>\n");
}

/// Links to the data files of `dir` that exist.
fn data_files(dir: &Path) -> String {
    let files: Vec<String> = [
        MANIFEST,
        POINTS,
        SUMMARY,
        TIMESERIES,
        TRAJECTORIES,
        RUNS,
        PROPOSITIONS,
        "propositions.md",
    ]
    .iter()
    .filter(|f| dir.join(f).is_file())
    .map(|f| {
        let f = escape_html(f);
        format!("<a href=\"{f}\">{f}</a>")
    })
    .collect();
    if files.is_empty() {
        String::new()
    } else {
        format!("<p class=\"files\">Data: {}</p>\n", files.join(" · "))
    }
}

fn run_section(h: &mut String, m: &Meta) {
    h.push_str("<section>\n<h2>Run</h2>\n<table class=\"facts\">\n");
    fact(h, "dyadsim version", &opt(&m.version));
    fact(h, "scenario hash", &opt(&m.hash));
    fact(h, "runs", &opt(&m.runs));
    fact(h, "design points", &opt(&m.points));
    fact(h, "threads", &opt(&m.threads));
    fact(
        h,
        "wall time",
        &m.wall_seconds
            .map_or_else(|| "—".into(), |s| format!("{s:.2} s")),
    );
    fact(h, "started", &opt(&m.started));
    fact(h, "finished", &opt(&m.finished));
    fact(h, "shard", &opt(&m.shard));
    fact(h, "resumed", &opt(&m.resumed));
    h.push_str("</table>\n</section>\n");
}

fn summary_section(h: &mut String, points: &Points, summary: &Summary) {
    let outcomes: Vec<(&str, &str)> = TABLE_OUTCOMES
        .iter()
        .copied()
        .filter(|(o, _)| summary.has(o))
        .collect();
    h.push_str("<section>\n<h2>Key outcomes</h2>\n");
    if outcomes.is_empty() || points.rows.is_empty() {
        h.push_str("<p>No key outcomes in <code>summary.csv</code>.</p>\n</section>\n");
        return;
    }
    h.push_str(if summary.wide {
        "<p>Mean over replications at the horizon (this run's <code>summary.csv</code> is \
         wide and holds means only; <code>[output] summary = \"long\"</code> adds the 95% \
         confidence intervals). "
    } else {
        "<p>Mean over replications at the horizon, with the 95% confidence interval below \
         (Wilson's interval for the shares of runs dissolved and survived). "
    });
    h.push_str(
        "The dual index is total appropriation over value created (1 = zero-sum, 2 = both \
         sides keep all of it).</p>\n\
         <div class=\"scroll\"><table>\n<thead><tr><th>point</th>",
    );
    for f in &points.factors {
        let _ = write!(h, "<th>{}</th>", escape_html(f));
    }
    for (o, heading) in &outcomes {
        let _ = write!(
            h,
            "<th title=\"{}\">{}</th>",
            escape_html(o),
            escape_html(heading)
        );
    }
    h.push_str("</tr></thead>\n<tbody>\n");
    for (p, vals) in points.rows.iter().take(MAX_TABLE_ROWS) {
        let _ = write!(h, "<tr><td>{p}</td>");
        for v in vals {
            let _ = write!(h, "<td class=\"num\">{}</td>", escape_html(&fmt_level(*v)));
        }
        for (o, _) in &outcomes {
            match summary.get(*p, o) {
                // A wide summary holds means only.
                Some(s) if s.lo.is_nan() && s.hi.is_nan() => {
                    let _ = write!(
                        h,
                        "<td class=\"num\">{}</td>",
                        escape_html(&fmt_num(s.mean))
                    );
                }
                Some(s) => {
                    let _ = write!(
                        h,
                        "<td class=\"num\">{}<small>[{}, {}]</small></td>",
                        escape_html(&fmt_num(s.mean)),
                        escape_html(&fmt_num(s.lo)),
                        escape_html(&fmt_num(s.hi))
                    );
                }
                None => h.push_str("<td class=\"num\">—</td>"),
            }
        }
        h.push_str("</tr>\n");
    }
    h.push_str("</tbody></table></div>\n");
    if points.rows.len() > MAX_TABLE_ROWS {
        let _ = writeln!(
            h,
            "<p>Showing the first {MAX_TABLE_ROWS} of {} design points; all are in \
             <code>summary.csv</code>.</p>",
            points.rows.len()
        );
    }
    h.push_str("</section>\n");
}

fn figure_section(h: &mut String, figures: &[FigureFile]) {
    h.push_str("<section>\n<h2>Figures</h2>\n");
    if figures.is_empty() {
        h.push_str(
            "<p>No figures: run the plotting step to draw them into <code>plots/</code>.</p>\n",
        );
    }
    for f in figures {
        let stem = escape_html(&f.stem);
        let img = format!(
            "<img src=\"{PLOTS_DIR}/{stem}.png\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
             alt=\"figure {stem}\">"
        );
        let img = if f.svg {
            format!("<a href=\"{PLOTS_DIR}/{stem}.svg\">{img}</a>")
        } else {
            img
        };
        let _ = write!(
            h,
            "<figure id=\"fig-{stem}\">\n{img}\n<figcaption><b>{stem}.</b> {}</figcaption>\n</figure>\n",
            escape_html(&f.caption)
        );
    }
    h.push_str("</section>\n");
}

fn propositions_section(h: &mut String, props: &[Proposition]) {
    h.push_str(
        "<section>\n<h2>Propositions</h2>\n<p>Each proposition compares its metric between \
         two levels of a factor; the effect is the mean at level B minus the mean at level A, \
         with its 95% confidence interval, against the smallest effect of interest.</p>\n\
         <div class=\"scroll\"><table class=\"props\">\n<thead><tr><th>id</th><th>verdict</th>\
         <th>statement</th><th>test</th><th>mean A → B</th><th>effect [95% CI]</th>\
         <th>smallest effect</th><th>effect size</th><th>p</th></tr></thead>\n<tbody>\n",
    );
    for p in props {
        let e = escape_html;
        let class = match p.verdict.as_str() {
            "supported" => "supported",
            "contradicted" => "contradicted",
            _ => "inconclusive",
        };
        let expect = match p.expect.as_str() {
            "" => String::new(),
            "none" => ", no effect expected".to_string(),
            dir @ ("increase" | "decrease") => format!(", expected to {dir}"),
            other => format!(", expected: {other}"),
        };
        let mut when = String::new();
        if !matches!(p.at.as_str(), "" | "end") {
            when.push_str(&format!("at {}; ", p.at));
        }
        if !p.condition.is_empty() {
            when.push_str(&format!("runs with {}; ", p.condition));
        }
        let n = if p.n.is_finite() {
            format!("; n = {}", p.n)
        } else {
            String::new()
        };
        let _ = writeln!(
            h,
            "<tr><td>{}</td><td><span class=\"verdict {class}\">{}</span></td>\
             <td class=\"statement\">{}</td>\
             <td class=\"test\"><code>{}</code><small>{}{}: {} → {}{}{}</small></td>\
             <td class=\"num\">{} → {}</td>\
             <td class=\"num\">{}<small>[{}, {}]</small></td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            e(&p.id),
            e(&p.verdict),
            e(&p.statement),
            e(&p.metric),
            e(&when),
            e(&p.factor),
            e(&p.level_a),
            e(&p.level_b),
            e(&expect),
            e(&n),
            e(&fmt_num(p.mean_a)),
            e(&fmt_num(p.mean_b)),
            e(&fmt_num(p.effect)),
            e(&fmt_num(p.ci_lo)),
            e(&fmt_num(p.ci_hi)),
            e(&fmt_num(p.smallest_effect)),
            e(&fmt_num(p.effect_size)),
            e(&fmt_p(p.p_value)),
        );
    }
    h.push_str("</tbody></table></div>\n</section>\n");
}

fn fmt_p(p: f64) -> String {
    if !p.is_finite() {
        "NA".into()
    } else if p < 0.001 {
        "< 0.001".into()
    } else {
        format!("{p:.3}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape_html("<a href=\"x\">&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;"
        );
    }
}
