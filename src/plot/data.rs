//! What the figures and the report read from an output directory: the manifest's facts
//! (through [`crate::output::manifest`]), the files (through [`crate::output::files`]),
//! and the label formats.

use std::path::Path;

use super::PlotError;
use crate::output::OutputError;
use crate::output::files::ReadError;
pub(crate) use crate::output::files::{
    BINS, POINTS, PROPOSITIONS, Points, Proposition, RUNS, RunHistograms, SUMMARY, SampleRun,
    Series, Stat, Summary, TIMESERIES, TRAJECTORIES, Timeseries, load_propositions,
    load_sample_runs,
};
pub(crate) use crate::output::manifest::MANIFEST;
use crate::output::manifest::{self, FactorFacts};

/// The facts of `manifest.json` the figures and the report use.
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    pub name: String,
    pub description: String,
    pub seed: Option<u64>,
    pub design: String,
    pub factors: Vec<FactorFacts>,
    pub months: Option<u64>,
    pub level_low: f64,
    pub level_high: f64,
    pub version: Option<String>,
    pub hash: Option<String>,
    pub runs: Option<u64>,
    pub points: Option<u64>,
    pub replications: Option<u64>,
    pub threads: Option<u64>,
    pub wall_seconds: Option<f64>,
    pub started: Option<String>,
    pub finished: Option<String>,
    pub shard: Option<String>,
    pub resumed: Option<bool>,
}

impl Meta {
    /// Read `dir/manifest.json`. Only the power-level thresholds are required.
    pub fn load(dir: &Path) -> Result<Meta, PlotError> {
        let file = dir.join(MANIFEST);
        let m = manifest::read(dir).map_err(|e| match e {
            manifest::ReadError::Io(OutputError::Io { path, source }) => {
                PlotError::File(ReadError::Read { file: path, source })
            }
            manifest::ReadError::Io(OutputError::Format { path, message }) => {
                PlotError::File(ReadError::Invalid {
                    file: path,
                    message,
                })
            }
            manifest::ReadError::Json(file, source) => PlotError::Json { file, source },
        })?;
        let threshold = |key: &str, v: Option<f64>| -> Result<f64, PlotError> {
            v.filter(|x| x.is_finite()).ok_or_else(|| {
                PlotError::File(ReadError::Invalid {
                    file: file.clone(),
                    message: format!("no number at `scenario.base.power.{key}`"),
                })
            })
        };
        let power = &m.scenario.base.power;
        let level_low = threshold("level_low", power.level_low)?;
        let level_high = threshold("level_high", power.level_high)?;
        if level_low > level_high {
            return Err(PlotError::File(ReadError::Invalid {
                file,
                message: format!(
                    "power.level_low ({level_low}) is above power.level_high ({level_high})"
                ),
            }));
        }
        let s = m.scenario;
        Ok(Meta {
            name: s
                .name
                .or(m.scenario_name)
                .unwrap_or_else(|| "unnamed".into()),
            description: s.description.unwrap_or_default(),
            seed: s.seed.or(m.master_seed),
            design: s.design.unwrap_or_else(|| "grid".into()),
            factors: s.factors,
            months: s.base.months,
            level_low,
            level_high,
            version: m.dyadsim_version,
            hash: m.scenario_hash,
            runs: m.runs,
            points: m.points,
            replications: m.replications,
            threads: m.threads,
            wall_seconds: m.wall_seconds,
            started: m.started,
            finished: m.finished,
            shard: m.shard,
            resumed: m.resumed,
        })
    }
}

impl Points {
    /// `name=value, ...` for design point `p` (empty without factors).
    pub fn describe(&self, p: usize) -> String {
        let Some(vals) = self.values(p) else {
            return String::new();
        };
        self.short_names()
            .iter()
            .zip(vals)
            .map(|(n, v)| format!("{n}={}", fmt_level(*v)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// A factor level for labels: at most four decimals, trailing zeros trimmed.
pub(crate) fn fmt_level(x: f64) -> String {
    if !x.is_finite() {
        return "NA".into();
    }
    let s = format!("{x:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" { "0".into() } else { s.to_string() }
}

/// A statistic for tables and legends: about four significant digits; `NA` when not finite.
pub(crate) fn fmt_num(x: f64) -> String {
    if !x.is_finite() {
        return "NA".into();
    }
    let a = x.abs();
    let s = if a >= 1000.0 {
        format!("{x:.0}")
    } else if a >= 100.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else if a >= 0.001 || a == 0.0 {
        format!("{x:.3}")
    } else {
        format!("{x:.2e}")
    };
    if s.trim_start_matches('-')
        .chars()
        .all(|c| c == '0' || c == '.')
    {
        s.trim_start_matches('-').to_string()
    } else {
        s
    }
}

/// Unit of an outcome or metric of this crate's output files, for axis labels.
pub(crate) fn outcome_label(outcome: &str) -> String {
    let s = match outcome {
        "value_created" => "value created (kEUR)",
        "value_supplier" => "value appropriated by supplier (kEUR)",
        "value_buyer" => "value appropriated by buyer (kEUR)",
        "dual_index" => "dual-appropriation index ((supplier + buyer) / created)",
        "dissolved" => "share of runs dissolved (0–1)",
        "supplier_survived" => "share of runs the supplier survived (0–1)",
        "knowledge" => "joint knowledge at the horizon (units)",
        "asymmetry" => "power asymmetry (supplier − buyer dependence, −1…1)",
        "investment" => "specific investment (kEUR)",
        "supplier_cash" => "supplier cash at the horizon (kEUR)",
        other => return other.replace('_', " "),
    };
    s.to_string()
}

/// Axis label of a parameter path: the path and its unit from the parameter table.
pub(crate) fn param_label(path: &str) -> String {
    match crate::model::params::PARAM_SPECS
        .iter()
        .find(|s| s.path == path)
    {
        Some(s) if !s.unit.is_empty() => format!("{path} ({})", s.unit),
        _ => path.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats() {
        assert_eq!(fmt_level(0.25), "0.25");
        assert_eq!(fmt_level(1.0), "1");
        assert_eq!(fmt_level(-0.0), "0");
        assert_eq!(fmt_num(2428.83), "2429");
        assert_eq!(fmt_num(1.19751), "1.20");
        assert_eq!(fmt_num(-0.0001), "-1.00e-4");
        assert_eq!(fmt_num(0.009), "0.009");
        assert_eq!(fmt_num(-0.0), "0.000");
        assert_eq!(fmt_num(f64::NAN), "NA");
    }
}
