//! The readers of the output files (for figures and the report): lenient about what
//! they do not need, precise about where a value cannot be used.

#[allow(unused_imports)]
use super::*;

/// Why an output file could not be read.
#[derive(Debug, Error)]
pub enum ReadError {
    /// A file could not be read.
    #[error("{}: cannot read", file.display())]
    Read {
        /// The file.
        file: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A CSV row could not be parsed or holds an unusable value.
    #[error("{}: line {line}: {message}", file.display())]
    Csv {
        /// The file.
        file: PathBuf,
        /// 1-based line number (0 if unknown).
        line: u64,
        /// What is wrong.
        message: String,
    },
    /// A Parquet row holds an unusable value, or the file cannot be decoded (row 0).
    #[error("{}: row {row}: {message}", file.display())]
    Parquet {
        /// The file.
        file: PathBuf,
        /// 1-based row number (0 if unknown).
        row: u64,
        /// What is wrong.
        message: String,
    },
    /// A table lacks a required column.
    #[error("{}: no column `{column}`", file.display())]
    MissingColumn {
        /// The file.
        file: PathBuf,
        /// The missing column.
        column: String,
    },
    /// A file is readable but its content cannot be used.
    #[error("{}: {message}", file.display())]
    Invalid {
        /// The file.
        file: PathBuf,
        /// What is wrong.
        message: String,
    },
}

/// Largest magnitude accepted in a CSV cell: far beyond any value of the model, small
/// enough that axis arithmetic stays finite.
const MAX_ABS: f64 = 1e15;

/// The file to read for the table `csv_name` (e.g. `summary.csv`) in `dir`: the CSV file
/// when present, else its Parquet twin (`summary.parquet`) when present; `None` when
/// neither exists.
pub fn find_table(dir: &Path, csv_name: &str) -> Option<PathBuf> {
    let csv = dir.join(csv_name);
    if csv.exists() {
        return Some(csv);
    }
    let parquet = csv.with_extension("parquet");
    (cfg!(feature = "parquet") && parquet.exists()).then_some(parquet)
}

/// Where the rows of a table come from.
enum Source {
    /// A CSV file.
    Csv(csv::Reader<File>),
    /// A Parquet file (read when iterated).
    Parquet,
}

/// A table opened for reading, with its header: a CSV file, or a Parquet file whose cells
/// read exactly as the CSV file of the same run would (numbers in the shortest round-trip
/// form, nulls as `NA`). Only the columns asked for with [`Table::col`] or
/// [`Table::opt_col`] are read from a Parquet file.
struct Table {
    file: PathBuf,
    source: Source,
    headers: Vec<String>,
    wanted: std::cell::RefCell<Vec<bool>>,
}

/// One record of a [`Table`], with the means to read typed cells.
struct Row<'a> {
    file: &'a Path,
    /// 1-based line of a CSV file, or 1-based row of a Parquet file.
    line: u64,
    parquet: bool,
    rec: &'a csv::StringRecord,
    headers: &'a [String],
}

impl Table {
    /// Open `file`: Parquet when its name ends in `.parquet`, else CSV.
    fn open(file: PathBuf) -> Result<Table, ReadError> {
        if file.extension().is_some_and(|e| e == "parquet") {
            let headers = crate::output::parquet::column_names(&file)?;
            let wanted = std::cell::RefCell::new(vec![false; headers.len()]);
            return Ok(Table {
                file,
                source: Source::Parquet,
                headers,
                wanted,
            });
        }
        let f = File::open(&file).map_err(|source| ReadError::Read {
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
            return Err(ReadError::Invalid {
                file,
                message: "empty file (no header line)".into(),
            });
        }
        let wanted = std::cell::RefCell::new(vec![true; headers.len()]);
        Ok(Table {
            file,
            source: Source::Csv(reader),
            headers,
            wanted,
        })
    }

    fn col(&self, name: &str) -> Result<usize, ReadError> {
        self.opt_col(name).ok_or_else(|| ReadError::MissingColumn {
            file: self.file.clone(),
            column: name.to_string(),
        })
    }

    fn opt_col(&self, name: &str) -> Option<usize> {
        let i = self.headers.iter().position(|h| h == name)?;
        self.wanted.borrow_mut()[i] = true;
        Some(i)
    }

    /// Call `f` on every record in order.
    fn for_each(
        self,
        mut f: impl FnMut(&Row<'_>) -> Result<(), ReadError>,
    ) -> Result<(), ReadError> {
        let Table {
            file,
            source,
            headers,
            wanted,
        } = self;
        match source {
            Source::Csv(mut reader) => {
                let mut rec = csv::StringRecord::new();
                loop {
                    match reader.read_record(&mut rec) {
                        Ok(false) => return Ok(()),
                        Ok(true) => {
                            let line = rec.position().map_or(0, csv::Position::line);
                            f(&Row {
                                file: &file,
                                line,
                                parquet: false,
                                rec: &rec,
                                headers: &headers,
                            })?;
                        }
                        Err(e) => return Err(csv_err(&file, &e)),
                    }
                }
            }
            Source::Parquet => {
                let wanted = wanted.into_inner();
                crate::output::parquet::for_each_record(&file, &wanted, |row, rec| {
                    f(&Row {
                        file: &file,
                        line: row,
                        parquet: true,
                        rec,
                        headers: &headers,
                    })
                })
            }
        }
    }
}

fn csv_err(file: &Path, e: &csv::Error) -> ReadError {
    ReadError::Csv {
        file: file.to_path_buf(),
        line: e.position().map_or(0, csv::Position::line),
        message: e.to_string(),
    }
}

impl Row<'_> {
    fn text(&self, col: usize) -> &str {
        self.rec.get(col).map_or("", str::trim)
    }

    fn bad(&self, col: usize, what: &str) -> ReadError {
        let message = format!(
            "column `{}`: `{}` is not {what}",
            self.headers.get(col).map_or("?", String::as_str),
            self.text(col)
        );
        if self.parquet {
            ReadError::Parquet {
                file: self.file.to_path_buf(),
                row: self.line,
                message,
            }
        } else {
            ReadError::Csv {
                file: self.file.to_path_buf(),
                line: self.line,
                message,
            }
        }
    }

    /// A number; `NA`, empty, NaN and infinities read as NaN.
    fn num(&self, col: usize) -> Result<f64, ReadError> {
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
    fn index(&self, col: usize) -> Result<usize, ReadError> {
        self.text(col)
            .parse()
            .map_err(|_| self.bad(col, "a design point index"))
    }
}

/// `points.csv`: the factor paths and each design point's factor values.
#[derive(Clone, Debug, Default)]
pub struct Points {
    /// Factor paths, in column order.
    pub factors: Vec<String>,
    /// `(point index, factor values)`, in file order.
    pub rows: Vec<(usize, Vec<f64>)>,
}

impl Points {
    /// Read `dir/points.csv` (or `points.parquet`).
    pub fn load(dir: &Path) -> Result<Points, ReadError> {
        let csv = Table::open(find_table(dir, POINTS).unwrap_or_else(|| dir.join(POINTS)))?;
        let point = csv.col("point")?;
        let cols: Vec<usize> = (0..csv.headers.len())
            .filter(|&c| c != point)
            .filter_map(|c| csv.opt_col(&csv.headers[c].clone()))
            .collect();
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
}

/// Mean and 95% confidence interval of one statistic.
#[derive(Clone, Copy, Debug)]
pub struct Stat {
    /// Mean.
    pub mean: f64,
    /// Lower end of the 95% CI.
    pub lo: f64,
    /// Upper end of the 95% CI.
    pub hi: f64,
}

/// `summary.csv`: outcome statistics per design point.
#[derive(Clone, Debug, Default)]
pub struct Summary {
    map: HashMap<(usize, String), Stat>,
    /// Read from the wide layout (means only).
    pub wide: bool,
}

impl Summary {
    /// Read `dir/summary.csv` (or `summary.parquet`) in either layout; the swept
    /// parameters' columns are not needed (they repeat `points.csv`). The wide layout
    /// holds means only: its statistics have a NaN interval.
    pub fn load(dir: &Path) -> Result<Summary, ReadError> {
        let csv = Table::open(find_table(dir, SUMMARY).unwrap_or_else(|| dir.join(SUMMARY)))?;
        let point = csv.col("point")?;
        if csv.opt_col("outcome").is_none() && csv.opt_col(super::WIDE_RUNS).is_some() {
            let cols: Vec<(usize, &str)> = OUTCOME_METRICS
                .iter()
                .filter_map(|o| Some((csv.opt_col(o)?, *o)))
                .collect();
            let mut map = HashMap::new();
            csv.for_each(|r| {
                let p = r.index(point)?;
                for &(c, o) in &cols {
                    let stat = Stat {
                        mean: r.num(c)?,
                        lo: f64::NAN,
                        hi: f64::NAN,
                    };
                    map.insert((p, o.to_string()), stat);
                }
                Ok(())
            })?;
            return Ok(Summary { map, wide: true });
        }
        let outcome = csv.col("outcome")?;
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
        Ok(Summary { map, wide: false })
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

/// One metric's monthly mean, CI and percentiles at one design point, sorted by month.
#[derive(Clone, Debug, Default)]
pub struct Series {
    /// Months.
    pub month: Vec<f64>,
    /// Means.
    pub mean: Vec<f64>,
    /// Lower ends of the 95% CIs.
    pub lo: Vec<f64>,
    /// Upper ends of the 95% CIs.
    pub hi: Vec<f64>,
    /// 10th, 50th and 90th percentiles across the runs (NaN where not written, e.g. by an
    /// older version).
    pub pct: [Vec<f64>; 3],
}

impl Series {
    /// The last finite mean.
    pub fn final_mean(&self) -> Option<f64> {
        self.mean.iter().rev().copied().find(|x| x.is_finite())
    }
    /// Whether any month has a percentile band (both the 10th and the 90th).
    pub fn has_band(&self) -> bool {
        self.pct[0]
            .iter()
            .zip(&self.pct[2])
            .any(|(a, b)| a.is_finite() && b.is_finite())
    }
}

/// The metrics of `timeseries.csv` the figures need.
pub const TS_METRICS: [&str; 6] = [
    "asymmetry",
    "supplier_share",
    "phase_preparation",
    "phase_execution",
    "phase_integration",
    "phase_dissolved",
];

/// `timeseries.csv`, restricted to [`TS_METRICS`].
#[derive(Clone, Debug, Default)]
pub struct Timeseries {
    map: HashMap<(usize, String), Series>,
}

impl Timeseries {
    /// Read `dir/timeseries.csv` (or `timeseries.parquet`); `Ok(None)` when neither exists.
    pub fn load(dir: &Path) -> Result<Option<Timeseries>, ReadError> {
        let Some(file) = find_table(dir, TIMESERIES) else {
            return Ok(None);
        };
        let csv = Table::open(file)?;
        let (point, month, metric) = (csv.col("point")?, csv.col("month")?, csv.col("metric")?);
        let (mean, lo, hi) = (csv.col("mean")?, csv.col("ci_lo")?, csv.col("ci_hi")?);
        // Percentiles are optional: files of earlier versions have none.
        let pct = PERCENTILES.map(|c| csv.opt_col(c));
        let mut rows: HashMap<(usize, String), Vec<[f64; 7]>> = HashMap::new();
        csv.for_each(|r| {
            let m = r.text(metric);
            if TS_METRICS.contains(&m) {
                let month = r.num(month)?;
                if month.is_finite() {
                    let mut p = [f64::NAN; 3];
                    for (v, c) in p.iter_mut().zip(pct) {
                        if let Some(c) = c {
                            *v = r.num(c)?;
                        }
                    }
                    rows.entry((r.index(point)?, m.to_string()))
                        .or_default()
                        .push([
                            month,
                            r.num(mean)?,
                            r.num(lo)?,
                            r.num(hi)?,
                            p[0],
                            p[1],
                            p[2],
                        ]);
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
                    pct: [4, 5, 6].map(|k| v.iter().map(|r| r[k]).collect()),
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

/// One run of `trajectories.csv`: its replication, seed and monthly values.
#[derive(Clone, Debug, Default)]
pub struct SampleRun {
    /// Replication within design point 0.
    pub replication: u64,
    /// The run's seed, as written (the `seed` column of `runs.csv`).
    pub seed: String,
    /// Months, in order.
    pub month: Vec<f64>,
    /// Per requested metric, the values of the months.
    pub values: Vec<Vec<f64>>,
}

/// Read the runs of `dir/trajectories.csv` with the values of `metrics`, in file order;
/// `Ok(None)` when the file does not exist.
pub fn load_sample_runs(dir: &Path, metrics: &[&str]) -> Result<Option<Vec<SampleRun>>, ReadError> {
    let file = dir.join(TRAJECTORIES);
    if !file.exists() {
        return Ok(None);
    }
    let csv = Table::open(file)?;
    let (rep, seed, month) = (csv.col("replication")?, csv.col("seed")?, csv.col("month")?);
    let cols = metrics
        .iter()
        .map(|m| csv.col(m))
        .collect::<Result<Vec<_>, _>>()?;
    let mut runs: Vec<SampleRun> = Vec::new();
    csv.for_each(|r| {
        let k: u64 = r
            .text(rep)
            .parse()
            .map_err(|_| r.bad(rep, "a replication number"))?;
        if runs.last().is_none_or(|l| l.replication != k) {
            runs.push(SampleRun {
                replication: k,
                seed: r.text(seed).to_string(),
                month: Vec::new(),
                values: vec![Vec::new(); cols.len()],
            });
        }
        if let Some(run) = runs.last_mut() {
            run.month.push(r.num(month)?);
            for (v, c) in run.values.iter_mut().zip(&cols) {
                v.push(r.num(*c)?);
            }
        }
        Ok(())
    })?;
    Ok(Some(runs))
}

/// Number of histogram bins.
pub const BINS: usize = 30;

/// Histograms of the value appropriated by supplier and buyer in one design point of
/// `runs.csv`, built in two streaming passes (extent, then counts), so memory does not grow
/// with the number of runs.
#[derive(Clone, Debug)]
pub struct RunHistograms {
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
    /// Build from `dir/runs.csv` (or `runs.parquet`); `Ok(None)` when neither exists or the
    /// file holds no finite value for the point.
    pub fn load(dir: &Path, point: usize) -> Result<Option<RunHistograms>, ReadError> {
        let Some(file) = find_table(dir, RUNS) else {
            return Ok(None);
        };
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
    fn scan(file: &Path, point: usize, mut f: impl FnMut(usize, f64)) -> Result<(), ReadError> {
        let csv = Table::open(file.to_path_buf())?;
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
pub struct Proposition {
    /// Hypothesis id.
    pub id: String,
    /// What the hypothesis says.
    pub statement: String,
    /// The factor moved.
    pub factor: String,
    /// The metric compared.
    pub metric: String,
    /// When the metric is measured (e.g. `end`, `preparation:exit`); may be empty.
    pub at: String,
    /// Which runs the metric is measured on; may be empty.
    pub condition: String,
    /// First level of the factor.
    pub level_a: String,
    /// Last level of the factor.
    pub level_b: String,
    /// Mean at the first level.
    pub mean_a: f64,
    /// Mean at the last level.
    pub mean_b: f64,
    /// Paired effect (last minus first level).
    pub effect: f64,
    /// Lower end of the effect's 95% CI.
    pub ci_lo: f64,
    /// Upper end of the effect's 95% CI.
    pub ci_hi: f64,
    /// Standardised effect d_z.
    pub effect_size: f64,
    /// Two-sided p value.
    pub p_value: f64,
    /// Smallest effect of interest.
    pub smallest_effect: f64,
    /// Runs (pairs) behind the test.
    pub n: f64,
    /// Expected direction.
    pub expect: String,
    /// Verdict, lower case.
    pub verdict: String,
}

/// Read `dir/propositions.csv`; `Ok(None)` when the file does not exist. Requires the
/// columns `id`, `effect`, `ci_lo`, `ci_hi` and `verdict`; the others may be absent.
pub(crate) fn load_propositions(dir: &Path) -> Result<Option<Vec<Proposition>>, ReadError> {
    let file = dir.join(PROPOSITIONS);
    if !file.exists() {
        return Ok(None);
    }
    let csv = Table::open(file)?;
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
