//! Reading an output directory: `manifest.json` and the CSV files, leniently typed.
//!
//! Every reader names the file (and the line, for CSV rows) in its errors. `NA`, empty
//! cells, `NaN` and infinities all read as `NaN`; anything else that is not a number, or a
//! number beyond ±1e15, is an error.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::PlotError;

/// Manifest file name.
pub(crate) const MANIFEST: &str = "manifest.json";
/// Design points file name.
pub(crate) const POINTS: &str = "points.csv";
/// Summary file name.
pub(crate) const SUMMARY: &str = "summary.csv";
/// Monthly aggregates file name.
pub(crate) const TIMESERIES: &str = "timeseries.csv";
/// Per-run file name.
pub(crate) const RUNS: &str = "runs.csv";
/// Proposition tests file name.
pub(crate) const PROPOSITIONS: &str = "propositions.csv";

/// Largest magnitude accepted in a CSV cell: far beyond any value of the model, small
/// enough that axis arithmetic stays finite.
const MAX_ABS: f64 = 1e15;

/// One swept factor as the manifest describes it.
#[derive(Clone, Debug)]
pub(crate) struct FactorInfo {
    /// Parameter path, e.g. `buyer.engagement`.
    pub path: String,
    /// Levels (for LHS: the range ends).
    pub values: Vec<f64>,
    /// `(from, to)` when given as a range.
    pub range: Option<(f64, f64)>,
}

/// The facts of `manifest.json` the figures and the report use.
#[derive(Clone, Debug)]
pub(crate) struct Meta {
    pub name: String,
    pub description: String,
    pub seed: Option<u64>,
    pub design: String,
    pub factors: Vec<FactorInfo>,
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

fn get_str(v: &Value, ptr: &str) -> Option<String> {
    match v.pointer(ptr)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

impl Meta {
    /// Read `dir/manifest.json`. Only the power-level thresholds are required.
    pub fn load(dir: &Path) -> Result<Meta, PlotError> {
        let file = dir.join(MANIFEST);
        let text = std::fs::read_to_string(&file).map_err(|source| PlotError::Read {
            file: file.clone(),
            source,
        })?;
        let v: Value = serde_json::from_str(&text).map_err(|source| PlotError::Json {
            file: file.clone(),
            source,
        })?;
        let threshold = |key: &str| -> Result<f64, PlotError> {
            let ptr = format!("/scenario/base/power/{key}");
            v.pointer(&ptr)
                .and_then(Value::as_f64)
                .filter(|x| x.is_finite())
                .ok_or_else(|| PlotError::Invalid {
                    file: file.clone(),
                    message: format!("no number at `scenario.base.power.{key}`"),
                })
        };
        let level_low = threshold("level_low")?;
        let level_high = threshold("level_high")?;
        if level_low > level_high {
            return Err(PlotError::Invalid {
                file,
                message: format!(
                    "power.level_low ({level_low}) is above power.level_high ({level_high})"
                ),
            });
        }
        let factors = v
            .pointer("/scenario/factors")
            .and_then(Value::as_array)
            .map(|fs| {
                fs.iter()
                    .map(|f| FactorInfo {
                        path: get_str(f, "/path").unwrap_or_default(),
                        values: f
                            .get("values")
                            .and_then(Value::as_array)
                            .map(|a| a.iter().filter_map(Value::as_f64).collect())
                            .unwrap_or_default(),
                        range: f
                            .get("range")
                            .and_then(Value::as_array)
                            .and_then(|r| Some((r.first()?.as_f64()?, r.get(1)?.as_f64()?))),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let u = |ptr: &str| v.pointer(ptr).and_then(Value::as_u64);
        Ok(Meta {
            name: get_str(&v, "/scenario/name")
                .or_else(|| get_str(&v, "/scenario_name"))
                .unwrap_or_else(|| "unnamed".into()),
            description: get_str(&v, "/scenario/description").unwrap_or_default(),
            seed: u("/scenario/seed").or_else(|| u("/master_seed")),
            design: get_str(&v, "/scenario/design").unwrap_or_else(|| "grid".into()),
            factors,
            months: u("/scenario/base/months"),
            level_low,
            level_high,
            version: get_str(&v, "/dyadsim_version"),
            hash: get_str(&v, "/scenario_hash"),
            runs: u("/runs"),
            points: u("/points"),
            replications: u("/replications"),
            threads: u("/threads"),
            wall_seconds: v.pointer("/wall_seconds").and_then(Value::as_f64),
            started: get_str(&v, "/started"),
            finished: get_str(&v, "/finished"),
            shard: get_str(&v, "/shard"),
            resumed: v.pointer("/resumed").and_then(Value::as_bool),
        })
    }
}

/// A CSV file opened for reading, with its header.
struct Csv {
    file: PathBuf,
    reader: csv::Reader<File>,
    headers: Vec<String>,
}

/// One record of a [`Csv`], with the means to read typed cells.
struct Row<'a> {
    file: &'a Path,
    line: u64,
    rec: &'a csv::StringRecord,
    headers: &'a [String],
}

impl Csv {
    fn open(file: PathBuf) -> Result<Csv, PlotError> {
        let f = File::open(&file).map_err(|source| PlotError::Read {
            file: file.clone(),
            source,
        })?;
        let mut reader = csv::ReaderBuilder::new().has_headers(true).from_reader(f);
        let headers = reader
            .headers()
            .map_err(|e| csv_err(&file, &e))?
            .iter()
            .map(|h| h.trim().to_string())
            .collect::<Vec<_>>();
        if headers.iter().all(String::is_empty) {
            return Err(PlotError::Invalid {
                file,
                message: "empty file (no header line)".into(),
            });
        }
        Ok(Csv {
            file,
            reader,
            headers,
        })
    }

    fn col(&self, name: &str) -> Result<usize, PlotError> {
        self.opt_col(name).ok_or_else(|| PlotError::MissingColumn {
            file: self.file.clone(),
            column: name.to_string(),
        })
    }

    fn opt_col(&self, name: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == name)
    }

    /// Call `f` on every record in order.
    fn for_each(
        mut self,
        mut f: impl FnMut(&Row<'_>) -> Result<(), PlotError>,
    ) -> Result<(), PlotError> {
        let mut rec = csv::StringRecord::new();
        loop {
            match self.reader.read_record(&mut rec) {
                Ok(false) => return Ok(()),
                Ok(true) => {
                    let line = rec.position().map_or(0, csv::Position::line);
                    f(&Row {
                        file: &self.file,
                        line,
                        rec: &rec,
                        headers: &self.headers,
                    })?;
                }
                Err(e) => return Err(csv_err(&self.file, &e)),
            }
        }
    }
}

fn csv_err(file: &Path, e: &csv::Error) -> PlotError {
    PlotError::Csv {
        file: file.to_path_buf(),
        line: e.position().map_or(0, csv::Position::line),
        message: e.to_string(),
    }
}

impl Row<'_> {
    fn text(&self, col: usize) -> &str {
        self.rec.get(col).map_or("", str::trim)
    }

    fn bad(&self, col: usize, what: &str) -> PlotError {
        PlotError::Csv {
            file: self.file.to_path_buf(),
            line: self.line,
            message: format!(
                "column `{}`: `{}` is not {what}",
                self.headers.get(col).map_or("?", String::as_str),
                self.text(col)
            ),
        }
    }

    /// A number; `NA`, empty, NaN and infinities read as NaN.
    fn num(&self, col: usize) -> Result<f64, PlotError> {
        let s = self.text(col);
        if s.is_empty() || s.eq_ignore_ascii_case("na") {
            return Ok(f64::NAN);
        }
        let x: f64 = s.parse().map_err(|_| self.bad(col, "a number"))?;
        if !x.is_finite() {
            return Ok(f64::NAN);
        }
        if x.abs() > MAX_ABS {
            return Err(self.bad(col, "a number within ±1e15"));
        }
        Ok(x)
    }

    /// A design point index.
    fn index(&self, col: usize) -> Result<usize, PlotError> {
        self.text(col)
            .parse()
            .map_err(|_| self.bad(col, "a design point index"))
    }
}

/// `points.csv`: the factor paths and each design point's factor values.
#[derive(Clone, Debug, Default)]
pub(crate) struct Points {
    /// Factor paths, in column order.
    pub factors: Vec<String>,
    /// `(point index, factor values)`, in file order.
    pub rows: Vec<(usize, Vec<f64>)>,
}

impl Points {
    /// Read `dir/points.csv`.
    pub fn load(dir: &Path) -> Result<Points, PlotError> {
        let csv = Csv::open(dir.join(POINTS))?;
        let point = csv.col("point")?;
        let cols: Vec<usize> = (0..csv.headers.len()).filter(|&c| c != point).collect();
        let factors = cols.iter().map(|&c| csv.headers[c].clone()).collect();
        let mut rows = Vec::new();
        csv.for_each(|r| {
            let values = cols.iter().map(|&c| r.num(c)).collect::<Result<_, _>>()?;
            rows.push((r.index(point)?, values));
            Ok(())
        })?;
        Ok(Points { factors, rows })
    }

    /// The factor values of design point `p`.
    pub fn values(&self, p: usize) -> Option<&[f64]> {
        self.rows
            .iter()
            .find(|(i, _)| *i == p)
            .map(|(_, v)| v.as_slice())
    }

    /// Short factor names: the last path segment, or the full path where that is ambiguous.
    pub fn short_names(&self) -> Vec<String> {
        let last = |p: &str| p.rsplit('.').next().unwrap_or(p).to_string();
        self.factors
            .iter()
            .map(|f| {
                let s = last(f);
                let clashes = self.factors.iter().filter(|g| last(g) == s).count();
                if clashes > 1 { f.clone() } else { s }
            })
            .collect()
    }

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

/// Mean and 95% confidence interval of one statistic.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Stat {
    pub mean: f64,
    pub lo: f64,
    pub hi: f64,
}

/// `summary.csv`: outcome statistics per design point.
#[derive(Clone, Debug, Default)]
pub(crate) struct Summary {
    map: HashMap<(usize, String), Stat>,
}

impl Summary {
    /// Read `dir/summary.csv`.
    pub fn load(dir: &Path) -> Result<Summary, PlotError> {
        let csv = Csv::open(dir.join(SUMMARY))?;
        let (point, outcome) = (csv.col("point")?, csv.col("outcome")?);
        let (mean, lo, hi) = (csv.col("mean")?, csv.col("ci_lo")?, csv.col("ci_hi")?);
        let mut map = HashMap::new();
        csv.for_each(|r| {
            let stat = Stat {
                mean: r.num(mean)?,
                lo: r.num(lo)?,
                hi: r.num(hi)?,
            };
            map.insert((r.index(point)?, r.text(outcome).to_string()), stat);
            Ok(())
        })?;
        Ok(Summary { map })
    }

    /// The statistic of `outcome` at design point `point`.
    pub fn get(&self, point: usize, outcome: &str) -> Option<Stat> {
        self.map.get(&(point, outcome.to_string())).copied()
    }

    /// Whether any point has `outcome`.
    pub fn has(&self, outcome: &str) -> bool {
        self.map.keys().any(|(_, o)| o == outcome)
    }
}

/// One metric's monthly mean and CI at one design point, sorted by month.
#[derive(Clone, Debug, Default)]
pub(crate) struct Series {
    pub month: Vec<f64>,
    pub mean: Vec<f64>,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

impl Series {
    /// The last finite mean.
    pub fn final_mean(&self) -> Option<f64> {
        self.mean.iter().rev().copied().find(|x| x.is_finite())
    }
}

/// The metrics of `timeseries.csv` the figures need.
pub(crate) const TS_METRICS: [&str; 5] = [
    "asymmetry",
    "phase_preparation",
    "phase_execution",
    "phase_integration",
    "phase_dissolved",
];

/// `timeseries.csv`, restricted to [`TS_METRICS`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Timeseries {
    map: HashMap<(usize, String), Series>,
}

impl Timeseries {
    /// Read `dir/timeseries.csv`; `Ok(None)` when the file does not exist.
    pub fn load(dir: &Path) -> Result<Option<Timeseries>, PlotError> {
        let file = dir.join(TIMESERIES);
        if !file.exists() {
            return Ok(None);
        }
        let csv = Csv::open(file)?;
        let (point, month, metric) = (csv.col("point")?, csv.col("month")?, csv.col("metric")?);
        let (mean, lo, hi) = (csv.col("mean")?, csv.col("ci_lo")?, csv.col("ci_hi")?);
        let mut rows: HashMap<(usize, String), Vec<[f64; 4]>> = HashMap::new();
        csv.for_each(|r| {
            let m = r.text(metric);
            if TS_METRICS.contains(&m) {
                let month = r.num(month)?;
                if month.is_finite() {
                    rows.entry((r.index(point)?, m.to_string()))
                        .or_default()
                        .push([month, r.num(mean)?, r.num(lo)?, r.num(hi)?]);
                }
            }
            Ok(())
        })?;
        let map = rows
            .into_iter()
            .map(|(k, mut v)| {
                v.sort_by(|a, b| a[0].total_cmp(&b[0]));
                let s = Series {
                    month: v.iter().map(|r| r[0]).collect(),
                    mean: v.iter().map(|r| r[1]).collect(),
                    lo: v.iter().map(|r| r[2]).collect(),
                    hi: v.iter().map(|r| r[3]).collect(),
                };
                (k, s)
            })
            .collect();
        Ok(Some(Timeseries { map }))
    }

    /// `metric` at design point `point`.
    pub fn get(&self, point: usize, metric: &str) -> Option<&Series> {
        self.map.get(&(point, metric.to_string()))
    }
}

/// Number of histogram bins.
pub(crate) const BINS: usize = 30;

/// Histograms of the value appropriated by supplier and buyer in one design point of
/// `runs.csv`, built in two streaming passes (extent, then counts), so memory does not grow
/// with the number of runs.
#[derive(Clone, Debug)]
pub(crate) struct RunHistograms {
    /// Left edge of the first bin, kEUR.
    pub start: f64,
    /// Bin width, kEUR.
    pub width: f64,
    /// Counts per bin: supplier, buyer.
    pub counts: Box<[[u64; BINS]; 2]>,
    /// Finite values counted: supplier, buyer.
    pub n: [u64; 2],
    /// Means: supplier, buyer (NaN without values).
    pub mean: [f64; 2],
}

impl RunHistograms {
    /// Build from `dir/runs.csv`; `Ok(None)` when the file does not exist or holds no
    /// finite value for the point.
    pub fn load(dir: &Path, point: usize) -> Result<Option<RunHistograms>, PlotError> {
        let file = dir.join(RUNS);
        if !file.exists() {
            return Ok(None);
        }
        // Pass 1: extent, counts and sums.
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        let mut n = [0u64; 2];
        let mut sum = [0.0f64; 2];
        Self::scan(&file, point, |k, x| {
            lo = lo.min(x);
            hi = hi.max(x);
            n[k] += 1;
            sum[k] += x;
        })?;
        if n == [0, 0] {
            return Ok(None);
        }
        let (start, width) = if hi > lo {
            (lo, (hi - lo) / BINS as f64)
        } else {
            // All values equal: centre one bin on them.
            let w = lo.abs().max(1.0) * 0.02;
            (lo - w * (BINS / 2) as f64 - w / 2.0, w)
        };
        // Pass 2: bin counts.
        let mut counts = Box::new([[0u64; BINS]; 2]);
        Self::scan(&file, point, |k, x| {
            let b = ((x - start) / width).floor().clamp(0.0, (BINS - 1) as f64) as usize;
            counts[k][b] += 1;
        })?;
        let mean = [0, 1].map(|k| {
            if n[k] > 0 {
                sum[k] / n[k] as f64
            } else {
                f64::NAN
            }
        });
        Ok(Some(RunHistograms {
            start,
            width,
            counts,
            n,
            mean,
        }))
    }

    /// Call `f(0, supplier value)` and `f(1, buyer value)` for every finite value of the
    /// design point.
    fn scan(file: &Path, point: usize, mut f: impl FnMut(usize, f64)) -> Result<(), PlotError> {
        let csv = Csv::open(file.to_path_buf())?;
        let p = csv.col("point")?;
        let (vs, vb) = (csv.col("value_supplier")?, csv.col("value_buyer")?);
        csv.for_each(|r| {
            if r.index(p)? == point {
                for (k, c) in [(0, vs), (1, vb)] {
                    let x = r.num(c)?;
                    if x.is_finite() {
                        f(k, x);
                    }
                }
            }
            Ok(())
        })
    }
}

/// One row of `propositions.csv`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Proposition {
    pub id: String,
    pub statement: String,
    pub factor: String,
    pub metric: String,
    /// When the metric is measured (e.g. `end`, `preparation:exit`); may be empty.
    pub at: String,
    /// Which runs the metric is measured on; may be empty.
    pub condition: String,
    pub level_a: String,
    pub level_b: String,
    pub mean_a: f64,
    pub mean_b: f64,
    pub effect: f64,
    pub ci_lo: f64,
    pub ci_hi: f64,
    pub effect_size: f64,
    pub p_value: f64,
    pub smallest_effect: f64,
    /// Runs (pairs) behind the test.
    pub n: f64,
    pub expect: String,
    pub verdict: String,
}

/// Read `dir/propositions.csv`; `Ok(None)` when the file does not exist. Requires the
/// columns `id`, `effect`, `ci_lo`, `ci_hi` and `verdict`; the others may be absent.
pub(crate) fn load_propositions(dir: &Path) -> Result<Option<Vec<Proposition>>, PlotError> {
    let file = dir.join(PROPOSITIONS);
    if !file.exists() {
        return Ok(None);
    }
    let csv = Csv::open(file)?;
    let id = csv.col("id")?;
    let (effect, lo, hi) = (csv.col("effect")?, csv.col("ci_lo")?, csv.col("ci_hi")?);
    let verdict = csv.col("verdict")?;
    let opt = |name: &str| csv.opt_col(name);
    let (statement, factor, metric) = (opt("statement"), opt("factor"), opt("metric"));
    let (level_a, level_b, expect) = (opt("level_a"), opt("level_b"), opt("expect"));
    let (mean_a, mean_b, es) = (opt("mean_a"), opt("mean_b"), opt("effect_size"));
    let (p_value, smallest) = (opt("p_value"), opt("smallest_effect"));
    let (at, condition, n) = (opt("at"), opt("condition"), opt("n"));
    let mut out = Vec::new();
    csv.for_each(|r| {
        let text = |c: Option<usize>| c.map_or_else(String::new, |c| r.text(c).to_string());
        let num = |c: Option<usize>| c.map_or(Ok(f64::NAN), |c| r.num(c));
        out.push(Proposition {
            id: r.text(id).to_string(),
            statement: text(statement),
            factor: text(factor),
            metric: text(metric),
            at: text(at),
            condition: text(condition),
            level_a: text(level_a),
            level_b: text(level_b),
            mean_a: num(mean_a)?,
            mean_b: num(mean_b)?,
            effect: r.num(effect)?,
            ci_lo: r.num(lo)?,
            ci_hi: r.num(hi)?,
            effect_size: num(es)?,
            p_value: num(p_value)?,
            smallest_effect: num(smallest)?,
            n: num(n)?,
            expect: text(expect),
            verdict: r.text(verdict).to_ascii_lowercase(),
        });
        Ok(())
    })?;
    Ok(Some(out))
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
