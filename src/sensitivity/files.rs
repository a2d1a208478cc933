//! The files of a sensitivity analysis, written atomically into one folder.
//!
//! | file | rows | columns |
//! |---|---|---|
//! | `samples.csv` | one per design point, in the order SALib's `morris.analyze` and `sobol.analyze` (calc_second_order = False) read | `point`, then each parameter in its own units |
//! | `outputs.csv` | the same points, same order | `point`, then each metric's mean over the point's runs (`NA` where no run defines it) |
//! | `sensitivity.csv` | one per analysed metric and parameter | Morris: `metric,parameter,mu,mu_conf,mu_star,mu_star_conf,sigma,sigma_conf`; Sobol: `metric,parameter,S1,S1_conf,ST,ST_conf` (`_conf`: half-width of the 95% bootstrap CI) |
//! | `noise.csv` | one per metric | `metric,status,points,replications,variance_between,variance_noise,noise_share` |
//! | `problem.json` | | the design, its parameters with ranges or distributions, seed, replications, metrics |
//!
//! Numbers are written in Rust's shortest round-trip form, so the files recompute the
//! indices exactly.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::json;

use super::{Analysis, Indices, Results, SensitivityError, Study};
use crate::output::write_text_atomic;
use crate::scenario::{Input, Method};

/// The design, one row per point.
pub const SAMPLES_FILE: &str = "samples.csv";
/// The metric values per point.
pub const OUTPUTS_FILE: &str = "outputs.csv";
/// The indices.
pub const SENSITIVITY_FILE: &str = "sensitivity.csv";
/// The noise shares.
pub const NOISE_FILE: &str = "noise.csv";
/// The problem.
pub const PROBLEM_FILE: &str = "problem.json";

/// A number as written: shortest round-trip, `NA` when not finite.
pub(crate) fn num(x: f64) -> String {
    if x.is_finite() {
        format!("{x}")
    } else {
        "NA".into()
    }
}

/// Write the files, figures and report of `study`'s `results` into `dir`; returns the
/// files written.
pub fn write(
    dir: &Path,
    study: &Study,
    results: &Results,
) -> Result<Vec<PathBuf>, SensitivityError> {
    std::fs::create_dir_all(dir).map_err(crate::output::io_err(dir))?;
    let mut written = Vec::new();
    let mut put = |name: &str, text: String| -> Result<(), SensitivityError> {
        let path = dir.join(name);
        write_text_atomic(&path, &text)?;
        written.push(path);
        Ok(())
    };

    let mut s = String::from("point");
    for n in &study.names {
        let _ = write!(s, ",{n}");
    }
    s.push('\n');
    for (k, row) in results.x.iter().enumerate() {
        let _ = write!(s, "{k}");
        for v in row {
            let _ = write!(s, ",{}", num(*v));
        }
        s.push('\n');
    }
    put(SAMPLES_FILE, s)?;

    let mut s = String::from("point");
    for m in &study.metrics {
        let _ = write!(s, ",{m}");
    }
    s.push('\n');
    for (k, row) in results.cells.iter().enumerate() {
        let _ = write!(s, "{k}");
        for c in row {
            let _ = write!(s, ",{}", num(c.mean));
        }
        s.push('\n');
    }
    put(OUTPUTS_FILE, s)?;

    let mut s = match study.method {
        Method::Morris { .. } => {
            String::from("metric,parameter,mu,mu_conf,mu_star,mu_star_conf,sigma,sigma_conf\n")
        }
        Method::Sobol { .. } => String::from("metric,parameter,S1,S1_conf,ST,ST_conf\n"),
    };
    for (m, a) in study.metrics.iter().zip(&results.analyses) {
        match &a.indices {
            Indices::Morris(ix) => {
                for (p, i) in study.names.iter().zip(ix) {
                    let _ = writeln!(
                        s,
                        "{m},{p},{},{},{},{},{},{}",
                        num(i.mu),
                        num(i.mu_conf),
                        num(i.mu_star),
                        num(i.mu_star_conf),
                        num(i.sigma),
                        num(i.sigma_conf)
                    );
                }
            }
            Indices::Sobol(ix) => {
                for (p, i) in study.names.iter().zip(ix) {
                    let _ = writeln!(
                        s,
                        "{m},{p},{},{},{},{}",
                        num(i.s1),
                        num(i.s1_conf),
                        num(i.st),
                        num(i.st_conf)
                    );
                }
            }
            Indices::Undefined(_) | Indices::Constant => {}
        }
    }
    put(SENSITIVITY_FILE, s)?;

    let mut s = String::from(
        "metric,status,points,replications,variance_between,variance_noise,noise_share\n",
    );
    for (m, a) in study.metrics.iter().zip(&results.analyses) {
        let (b, n, share) = a.noise.unwrap_or((f64::NAN, f64::NAN, f64::NAN));
        let _ = writeln!(
            s,
            "{m},{},{},{},{},{},{}",
            status(a),
            results.x.len(),
            study.replications,
            num(b),
            num(n),
            num(share)
        );
    }
    put(NOISE_FILE, s)?;

    put(PROBLEM_FILE, format!("{:#}\n", problem(study, results)))?;
    written.extend(super::figures::draw(dir, study, results)?);
    Ok(written)
}

/// `analysed`, `undefined at K points` or `constant`.
pub fn status(a: &Analysis) -> String {
    match a.indices {
        Indices::Morris(_) | Indices::Sobol(_) => "analysed".into(),
        Indices::Undefined(k) => format!("undefined at {k} points"),
        Indices::Constant => "constant".into(),
    }
}

/// The problem as JSON: what SALib's `problem` dict and `num_levels` need, and the rest of
/// the study's settings.
fn problem(study: &Study, results: &Results) -> serde_json::Value {
    let params: Vec<serde_json::Value> = study
        .names
        .iter()
        .zip(&study.inputs)
        .map(|(n, input)| match input {
            Input::Range { from, to } => json!({ "name": n, "from": from, "to": to }),
            Input::Dist(d) => json!({ "name": n, "dist": d }),
        })
        .collect();
    let design = match study.method {
        Method::Morris {
            trajectories,
            levels,
            candidates,
        } => {
            json!({ "design": "morris", "trajectories": trajectories, "levels": levels, "candidates": candidates })
        }
        Method::Sobol { samples } => {
            json!({ "design": "sobol", "samples": samples, "calc_second_order": false })
        }
    };
    json!({
        "name": study.name,
        "source": study.file,
        "dyadsim": env!("CARGO_PKG_VERSION"),
        "method": design,
        "seed": study.seed,
        "points": results.x.len(),
        "replications": study.replications,
        "common_random_numbers": study.common_random_numbers,
        "bootstrap": study.bootstrap,
        "confidence": 0.95,
        "parameters": params,
        "metrics": study.metrics,
    })
}
