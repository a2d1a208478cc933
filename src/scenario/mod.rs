//! Scenario files: a raw TOML mirror (`deny_unknown_fields`) validated into a typed
//! [`Scenario`] that the experiment runner alone consumes.
//!
//! Errors name the file, the line and column, the key, and the nearest valid key for a typo.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;
use toml::Spanned;

mod blocks;
mod calibration;
mod design;
mod dist;
mod sensitivity;
mod set;

pub use blocks::BlockError;
pub(crate) use blocks::{Block, did_you_mean, toml_number, value_as_f64};
use blocks::{Locator, key_hint, set_nested, sweep_candidates, unknown_key};
pub use calibration::{CALIBRATION_KEYS, CalibrationMethod, CalibrationPlan, calibration_plan};
pub use design::Points;
use design::{collect_factors, expand};
pub use sensitivity::{
    DEFAULT_METRICS, Input, MAX_SENSITIVITY_POINTS, MAX_SOBOL_PARAMS, MAX_SOBOL_SAMPLES, Method,
    SENSITIVITY_KEYS, SensitivityParam, SensitivityPlan, check_metric, parse_plan,
    sensitivity_plan,
};
pub use set::apply as apply_sets;

use crate::model::params::{ParamSpec, check_value, spec};
use crate::model::{Dist, Params, Population};

/// Most design points a scenario may expand to.
pub const MAX_POINTS: u64 = 1_000_000;
/// Designs of more design points than this write no per-point monthly time series
/// (`timeseries.csv`) unless the scenario sets `[output] timeseries = true` itself, and
/// draw no figures unless it sets `plots = true`.
pub const TIMESERIES_POINTS: u64 = 500;
/// Most runs (design points x replications) a scenario may ask for.
pub const MAX_RUNS: u64 = 1_000_000_000_000;

/// The baseline scenario compiled into the binary.
pub const BASELINE_TOML: &str = include_str!("../../scenarios/baseline.toml");

/// A scenario problem, located in its file (line 0: the whole file, or a command-line
/// argument named in `file`).
#[derive(Debug, Error)]
#[error("{}", located(file, *line, *column, message))]
pub struct ScenarioError {
    /// File name (or `<embedded baseline>`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// What is wrong.
    pub message: String,
}

fn located(file: &str, line: usize, column: usize, message: &str) -> String {
    let message = shorten_words(message);
    // A file's path may be long; a `--set` argument named as the file may be anything.
    let file = shorten_to(file, 4 * LONGEST_WORD);
    if line == 0 {
        format!("{file}: {message}")
    } else {
        format!("{file}:{line}:{column}: {message}")
    }
}

/// Longest word of an error message shown whole: a message quotes what it rejects, and a
/// name or value of thousands of characters would bury the explanation.
const LONGEST_WORD: usize = 120;

/// `message` with every word (run of non-blank characters) longer than [`LONGEST_WORD`]
/// characters cut to its start and end around a count of what was left out.
pub(crate) fn shorten_words(message: &str) -> std::borrow::Cow<'_, str> {
    shorten_to(message, LONGEST_WORD)
}

/// [`shorten_words`] with words of up to `longest` characters shown whole.
fn shorten_to(message: &str, longest: usize) -> std::borrow::Cow<'_, str> {
    if message.len() <= longest {
        return message.into();
    }
    let mut out = String::with_capacity(message.len().min(4 * longest));
    let mut changed = false;
    for piece in message.split_inclusive(char::is_whitespace) {
        let word = piece.trim_end_matches(char::is_whitespace);
        let n = word.chars().count();
        if n > longest {
            changed = true;
            let (head, tail) = (longest / 2, longest / 6);
            out.extend(word.chars().take(head));
            out.push_str(&format!("…({} characters left out)…", n - head - tail));
            out.extend(word.chars().skip(n - tail));
            out.push_str(&piece[word.len()..]);
        } else {
            out.push_str(piece);
        }
    }
    if changed { out.into() } else { message.into() }
}

/// Design of a sweep.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Design {
    /// Every combination of the factors' values.
    Grid,
    /// A seeded Latin hypercube of `samples` points.
    Lhs,
    /// The base point, then each factor's values with the others at base.
    OneAtATime,
    /// A listed population: point i takes the i-th value of every factor (all factors
    /// list the same number of values).
    Zip,
}

/// One swept parameter and its levels.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Factor {
    /// Parameter path.
    pub path: String,
    /// The parameter.
    #[serde(skip)]
    pub spec: &'static ParamSpec,
    /// The levels (for LHS: the range ends are `from` and `to`); a level given as a
    /// distribution holds its typical value ([`Dist::typical`]).
    pub values: Vec<f64>,
    /// Which levels are distributions, one entry per level (empty when none is): at such a
    /// level the parameter is drawn once per run, like a distribution in `[params]`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dists: Vec<Option<Dist>>,
    /// `(from, to)` when given as a range.
    pub range: Option<(f64, f64)>,
    /// Offset of the factor's key in the scenario text (for messages).
    #[serde(skip)]
    pub(crate) at: usize,
}

impl Factor {
    /// The distribution of level `i`, if that level is one.
    pub fn dist(&self, i: usize) -> Option<&Dist> {
        self.dists.get(i).and_then(Option::as_ref)
    }
}

/// Output switches.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OutputOptions {
    /// Write one row per run to `runs.csv`.
    pub runs: bool,
    /// Write per-month aggregates to `timeseries.csv`.
    pub timeseries: bool,
    /// Draw plots and the HTML report.
    pub plots: bool,
    /// File format of the tables.
    pub format: OutputFormat,
    /// Layout of the `summary` table.
    pub summary: SummaryLayout,
}

/// Layout of the `summary` table (`[output] summary`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SummaryLayout {
    /// One row per design point and outcome, with the outcome's mean, SD, 95% CI and
    /// count (the default up to [`TIMESERIES_POINTS`] design points).
    #[default]
    Long,
    /// One row per design point: the number of runs and each outcome's mean (the default
    /// beyond [`TIMESERIES_POINTS`] design points, where the long layout's 41 rows a point,
    /// each repeating the point's swept values, would dwarf the simulation).
    Wide,
}

impl SummaryLayout {
    /// The accepted names, in order.
    pub const NAMES: [&str; 2] = ["long", "wide"];

    /// Whether this is the default layout (what the scenario hash leaves out).
    pub fn is_long(&self) -> bool {
        *self == SummaryLayout::Long
    }
}

/// An `[output]` key that names one of a few choices: its default when absent, else the
/// choice, or an error located at the value.
fn output_choice<T>(v: &Option<Spanned<String>>, loc: &Locator) -> Result<T, ScenarioError>
where
    T: std::str::FromStr<Err = String> + Default,
{
    match v {
        None => Ok(T::default()),
        Some(f) => f
            .get_ref()
            .parse()
            .map_err(|e| loc.at(f.span().start, format!("[output] {e}"))),
    }
}

impl std::str::FromStr for SummaryLayout {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "long" => Ok(SummaryLayout::Long),
            "wide" => Ok(SummaryLayout::Wide),
            _ => Err(format!("summary `{s}` must be \"long\" or \"wide\"")),
        }
    }
}

/// File format of the output tables (`[output] format`, `dyadsim run --format`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OutputFormat {
    /// CSV files only (the default).
    #[default]
    Csv,
    /// Parquet files only.
    Parquet,
    /// CSV and Parquet files of the same run.
    Both,
}

impl OutputFormat {
    /// The accepted names, in order.
    pub const NAMES: [&str; 3] = ["csv", "parquet", "both"];

    /// Whether CSV files are written.
    pub fn csv(self) -> bool {
        matches!(self, OutputFormat::Csv | OutputFormat::Both)
    }
    /// Whether Parquet files are written.
    pub fn parquet(self) -> bool {
        matches!(self, OutputFormat::Parquet | OutputFormat::Both)
    }
    /// The name used in scenario files and on the command line.
    pub fn as_str(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

impl std::str::FromStr for OutputFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "csv" => Ok(OutputFormat::Csv),
            "parquet" => Ok(OutputFormat::Parquet),
            "both" => Ok(OutputFormat::Both),
            _ => Err(format!(
                "format `{s}` must be one of \"csv\", \"parquet\", \"both\""
            )),
        }
    }
}

/// A validated scenario: what the runner executes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scenario {
    /// Name (output folder).
    pub name: String,
    /// Description.
    pub description: String,
    /// Master seed.
    pub seed: u64,
    /// Replications per design point.
    pub replications: u64,
    /// Base parameters (defaults plus `[params]`; a distributed parameter holds its
    /// typical value, see [`crate::model::Dist::typical`]).
    pub base: Params,
    /// The distributed parameters of `[params]`, drawn once per run (swept parameters
    /// excluded: the sweep's value wins; a sweep level that is a distribution is in its
    /// design point's population, [`DesignPoint::population`]).
    #[serde(skip_serializing_if = "Population::is_empty")]
    pub population: Population,
    /// `[prior]`: distributions over parameters that robustness analysis draws parameter
    /// sets from (empty: the default prior of `dyadsim propositions --robustness`). Runs
    /// do not use it.
    #[serde(skip)]
    pub prior: Population,
    /// Sweep design (grid with no factors = a single point).
    pub design: Design,
    /// Swept factors, in path order.
    pub factors: Vec<Factor>,
    /// Output switches.
    pub output: OutputOptions,
    /// The design points, validated, generated on demand.
    #[serde(skip)]
    pub points: Points,
    /// The TOML text the scenario was parsed from.
    #[serde(skip)]
    pub source: String,
    /// The file the scenario came from (for messages).
    #[serde(skip)]
    pub file: String,
    /// Command-line overrides applied.
    pub overrides: Overrides,
    /// `[sweep] labels`: one name per design point, in point order (empty: the points are
    /// named `point_0`, `point_1`, ...; see [`Scenario::point_name`]). Names only: runs do
    /// not depend on them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// `[coding]`: the asymmetry thresholds of the levels high, medium and low that
    /// `[[pattern]]` blocks name with `level`.
    #[serde(skip)]
    pub coding: Coding,
}

/// The `[coding]` table: lower bounds of the asymmetry levels that patterns name with
/// `level` (high: `[high, inf)`, medium: `[medium, high)`, low: `[low, medium)`, reversed:
/// below `low`). Fixed by the scenario, never estimated: the studies give levels in words.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Coding {
    /// Lower bound of high asymmetry.
    pub high: f64,
    /// Lower bound of medium asymmetry.
    pub medium: f64,
    /// Lower bound of low asymmetry (below it: reversed).
    pub low: f64,
}

impl Default for Coding {
    /// The bounds the case packs used as ranges before `[coding]` existed.
    fn default() -> Self {
        Coding {
            high: 0.35,
            medium: 0.15,
            low: -0.05,
        }
    }
}

/// The levels a pattern's `level` can name.
pub const LEVELS: [&str; 4] = ["high", "medium", "low", "reversed"];

impl Coding {
    /// `[lo, hi)` of the level `name` (one of [`LEVELS`]).
    pub fn range(&self, name: &str) -> Option<(f64, f64)> {
        match name {
            "high" => Some((self.high, f64::INFINITY)),
            "medium" => Some((self.medium, self.high)),
            "low" => Some((self.low, self.medium)),
            "reversed" => Some((f64::NEG_INFINITY, self.low)),
            _ => None,
        }
    }
}

/// Values given on the command line that replace the file's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overrides {
    /// Master seed.
    pub seed: Option<u64>,
    /// Replications per design point.
    pub replications: Option<u64>,
}

/// One design point: the swept values, the full parameters and the distributed ones.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DesignPoint {
    /// Swept values in factor order (a level that is a distribution: its typical value).
    pub values: Vec<f64>,
    /// Full parameters (distributed ones at their typical values).
    #[serde(skip)]
    pub params: Params,
    /// The parameters drawn once per run: the scenario's population plus the swept
    /// parameters whose level at this point is a distribution.
    #[serde(skip)]
    pub population: Population,
}

impl DesignPoint {
    /// The parameters of the run with seed `run_seed` at this point: [`DesignPoint::params`]
    /// with the population drawn ([`Population::realise`]).
    pub fn realise(&self, run_seed: u64) -> Params {
        self.population.realise(&self.params, run_seed)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    scenario: Spanned<RawHeader>,
    #[serde(default)]
    params: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    sweep: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    output: Option<RawOutput>,
    #[serde(default)]
    prior: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    hypothesis: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    pattern: Vec<Spanned<toml::Table>>,
    #[serde(default)]
    coding: Option<Spanned<toml::Table>>,
    /// Read by [`sensitivity_plan`] for `dyadsim sensitivity`; other commands ignore it.
    #[serde(default, rename = "sensitivity")]
    _sensitivity: Option<serde::de::IgnoredAny>,
    /// Read by [`calibration_plan`] for `dyadsim calibrate`; other commands ignore it.
    #[serde(default, rename = "calibration")]
    _calibration: Option<serde::de::IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHeader {
    name: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default = "default_seed")]
    seed: u64,
    #[serde(default = "default_reps")]
    replications: Spanned<u64>,
    #[serde(default)]
    months: Option<Spanned<i64>>,
}

fn default_seed() -> u64 {
    42
}
fn default_reps() -> Spanned<u64> {
    Spanned::new(0..0, 1000)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    #[serde(default = "yes")]
    runs: bool,
    #[serde(default)]
    timeseries: Option<bool>,
    #[serde(default)]
    plots: Option<bool>,
    #[serde(default)]
    format: Option<Spanned<String>>,
    #[serde(default)]
    summary: Option<Spanned<String>>,
}

fn yes() -> bool {
    true
}

const TOP_KEYS: [&str; 9] = [
    "scenario",
    "coding",
    "params",
    "sweep",
    "output",
    "hypothesis",
    "pattern",
    "sensitivity",
    "calibration",
];
pub(crate) const SCENARIO_KEYS: [&str; 5] =
    ["name", "description", "seed", "replications", "months"];
/// Keys of the `[output]` table.
pub const OUTPUT_KEYS: [&str; 5] = ["runs", "timeseries", "plots", "format", "summary"];
pub(crate) const SWEEP_KEYS: [&str; 3] = ["design", "samples", "labels"];
/// Keys of the `[coding]` table.
pub const CODING_KEYS: [&str; 3] = ["high", "medium", "low"];

/// Extra `[[hypothesis]]` and `[[pattern]]` tables, passed through with their locations
/// for the modules that interpret them.
#[derive(Clone, Debug, Default)]
pub struct Extras {
    /// Notes on what the scenario's defaults decided (printed by the command line).
    pub notes: Vec<String>,
    /// `[[hypothesis]]` tables with their starting line.
    pub hypotheses: Vec<(usize, toml::Table)>,
    /// `[[pattern]]` tables with their starting line.
    pub patterns: Vec<(usize, toml::Table)>,
}

/// Load and validate a scenario file.
pub fn load(path: &Path, ov: Overrides) -> Result<(Scenario, Extras), ScenarioError> {
    load_with(Some(path), ov, &[])
}

/// Load a scenario file (or the embedded baseline when `path` is `None`), apply the
/// `--set path=value` overrides `sets`, and validate it.
pub fn load_with(
    path: Option<&Path>,
    ov: Overrides,
    sets: &[String],
) -> Result<(Scenario, Extras), ScenarioError> {
    let (file, text) = match path {
        Some(p) => {
            let file = p.display().to_string();
            let text = std::fs::read_to_string(p).map_err(|e| ScenarioError {
                file: file.clone(),
                line: 0,
                column: 0,
                message: format!("cannot read the scenario file: {e}"),
            })?;
            (file, text)
        }
        None => ("<embedded baseline>".to_string(), BASELINE_TOML.to_string()),
    };
    let text = set::apply(&text, &file, sets)?;
    parse(&text, &file, ov)
}

/// Parse and validate scenario text; `file` names it in errors.
pub fn parse(text: &str, file: &str, ov: Overrides) -> Result<(Scenario, Extras), ScenarioError> {
    let loc = Locator { file, text };
    let raw: RawScenario = toml::from_str(text).map_err(|e| toml_error(&loc, &e))?;
    let header = raw.scenario.get_ref();
    let name = header.name.get_ref().trim().to_string();
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(loc.at(
            header.name.span().start,
            format!(
                "[scenario] name = {name:?} must be non-empty and use only letters, digits, '_' and '-' (it names the output folder)"
            ),
        ));
    }
    let reps = ov.replications.unwrap_or(*header.replications.get_ref());
    if reps == 0 {
        let what = if ov.replications.is_some() {
            "--reps 0"
        } else {
            "[scenario] replications = 0"
        };
        return Err(loc.at(
            header.replications.span().start,
            format!("{what} is out of range: at least 1 replication is needed"),
        ));
    }
    let mut base = Params::default();
    let mut dists = Vec::new();
    for (section, value) in &raw.params {
        set_nested(&loc, &mut base, &mut dists, "params", section, value)?;
    }
    if let Some((_, _, at)) = dists.iter().find(|(s, _, _)| s.path == "months") {
        return Err(loc.at(
            *at,
            "[params] `months` cannot be a distribution: the horizon fixes the length of a design point's time series; sweep it instead",
        ));
    }
    if let Some(m) = &header.months {
        let s = spec("months").expect("months is a parameter");
        let v = *m.get_ref() as f64;
        check_value(s, v).map_err(|e| loc.at(m.span().start, format!("[scenario] {e}")))?;
        base.months = v as u32;
    }
    let dist_at: Vec<(&'static str, usize)> =
        dists.iter().map(|(s, _, at)| (s.path, *at)).collect();
    let mut population =
        Population::new(dists.into_iter().map(|(s, d, _)| (s, d))).map_err(|e| {
            let at = match &e {
                crate::model::population::PopulationError::Dist { path, .. }
                | crate::model::population::PopulationError::Duplicate(path) => {
                    dist_at.iter().find(|(p, _)| p == path).map_or(0, |x| x.1)
                }
                _ => 0,
            };
            loc.at(at, format!("[params] {e}"))
        })?;
    population.set_typical(&mut base);
    base.validate()
        .map_err(|e| loc.at(0, format!("[params] {e}")))?;
    let prior = parse_prior(&loc, &raw.prior, &population)?;

    // Sweep.
    let mut design = Design::Grid;
    let mut samples: Option<(usize, u64)> = None;
    let mut labels: Option<(usize, Vec<String>)> = None;
    let mut factors = Vec::new();
    for (key, value) in &raw.sweep {
        match key.get_ref().as_str() {
            "design" => {
                design = match value.get_ref().as_str() {
                    Some("grid") => Design::Grid,
                    Some("lhs") => Design::Lhs,
                    Some("one-at-a-time") => Design::OneAtATime,
                    Some("zip") => Design::Zip,
                    _ => {
                        return Err(loc.at(
                            value.span().start,
                            "[sweep] design must be one of \"grid\", \"lhs\", \"one-at-a-time\", \"zip\"",
                        ));
                    }
                }
            }
            "samples" => match value.get_ref().as_integer() {
                Some(n) if n >= 1 => samples = Some((value.span().start, n as u64)),
                _ => {
                    return Err(loc.at(
                        value.span().start,
                        "[sweep] samples must be a whole number >= 1",
                    ));
                }
            },
            "labels" => labels = Some((value.span().start, parse_labels(&loc, value)?)),
            _ => {
                let toml::Value::Table(t) = value.get_ref() else {
                    return Err(unknown_key(&loc, key, "sweep", &sweep_candidates()));
                };
                collect_factors(&loc, text, key, t, &mut factors)?;
            }
        }
    }
    factors.sort_by(|a, b| a.path.cmp(&b.path));
    // A swept parameter takes the sweep's values, not its distribution.
    for f in &factors {
        population = population.without(f.spec);
    }
    population.check_corners(&base).map_err(|e| {
        let at = population
            .iter()
            .next()
            .and_then(|(s, _)| dist_at.iter().find(|(p, _)| *p == s.path))
            .map_or(0, |x| x.1);
        loc.at(at, format!("[params] {e}"))
    })?;
    if design == Design::Zip {
        let lens: Vec<usize> = factors.iter().map(|f| f.values.len()).collect();
        if lens.windows(2).any(|w| w[0] != w[1]) {
            return Err(loc.at(
                0,
                format!(
                    "[sweep] design = \"zip\" needs every factor to list the same number of values; got {}",
                    factors
                        .iter()
                        .map(|f| format!("{} has {}", f.path, f.values.len()))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    if design == Design::Lhs {
        if let Some(f) = factors.iter().find(|f| !f.dists.is_empty()) {
            return Err(loc.at(
                f.at,
                format!(
                    "[sweep] `{}`: a Latin hypercube samples numbers between the levels; distributions among `values` need design = \"grid\", \"zip\" or \"one-at-a-time\"",
                    f.path
                ),
            ));
        }
        if samples.is_none() {
            return Err(loc.at(0, "[sweep] design = \"lhs\" needs samples = N"));
        }
        if factors.is_empty() {
            return Err(loc.at(0, "[sweep] design = \"lhs\" needs at least one factor"));
        }
    }
    let explicit = raw.output.as_ref().map_or((false, false, false), |o| {
        (
            o.timeseries.is_some(),
            o.plots.is_some(),
            o.summary.is_some(),
        )
    });
    let output = match raw.output {
        None => OutputOptions {
            runs: true,
            timeseries: true,
            plots: true,
            format: OutputFormat::Csv,
            summary: SummaryLayout::Long,
        },
        Some(o) => OutputOptions {
            runs: o.runs,
            timeseries: o.timeseries.unwrap_or(true),
            plots: o.plots.unwrap_or(true),
            format: output_choice(&o.format, &loc)?,
            summary: output_choice(&o.summary, &loc)?,
        },
    };
    let coding = match &raw.coding {
        None => Coding::default(),
        Some(t) => parse_coding(&loc, text, t)?,
    };
    let seed = ov.seed.unwrap_or(header.seed);
    let mut scenario = Scenario {
        name,
        description: header.description.clone(),
        seed,
        replications: reps,
        base,
        population,
        prior,
        design,
        factors,
        output,
        points: Points::default(),
        source: text.to_string(),
        file: file.to_string(),
        overrides: ov,
        labels: Vec::new(),
        coding,
    };
    let n_points: Option<u64> = match design {
        Design::Grid => scenario
            .factors
            .iter()
            .try_fold(1u64, |acc, f| acc.checked_mul(f.values.len() as u64)),
        Design::OneAtATime => Some(
            1 + scenario
                .factors
                .iter()
                .map(|f| f.values.len() as u64)
                .sum::<u64>(),
        ),
        Design::Zip => Some(
            scenario
                .factors
                .first()
                .map_or(1, |f| f.values.len() as u64),
        ),
        Design::Lhs => samples.map(|s| s.1),
    };
    match n_points {
        Some(p) if p <= MAX_POINTS => {}
        _ => {
            return Err(loc.at(
                0,
                format!(
                    "[sweep] the design has more than {MAX_POINTS} points; split it into several scenarios"
                ),
            ));
        }
    }
    if n_points
        .unwrap_or(1)
        .checked_mul(reps)
        .is_none_or(|r| r > MAX_RUNS)
    {
        return Err(loc.at(
            header.replications.span().start,
            format!(
                "{} design point(s) x {reps} replications exceeds the limit of {MAX_RUNS} runs per scenario{}",
                n_points.unwrap_or(1),
                if ov.replications.is_some() { " (replications set by --reps)" } else { "" }
            ),
        ));
    }
    scenario.points = expand(&scenario, samples.map(|s| s.1))
        .map_err(|m| loc.at(samples.map_or(0, |s| s.0), m))?;
    if let Some((at, names)) = labels {
        if names.len() != scenario.points.len() {
            return Err(loc.at(
                at,
                format!(
                    "[sweep] labels lists {} name(s) but the design has {} point(s): give one label per design point, in point order",
                    names.len(),
                    scenario.points.len()
                ),
            ));
        }
        scenario.labels = names;
    }
    let mut notes = Vec::new();
    let n = scenario.points.len() as u64;
    if n > TIMESERIES_POINTS {
        // Per-point monthly time series, and figures and a report that read every point,
        // are opt-in for large designs, and their summary has one row a point.
        let mut off = Vec::new();
        if !explicit.0 && scenario.output.timeseries {
            scenario.output.timeseries = false;
            off.push((
                "per-point monthly time series (timeseries.csv)",
                "timeseries = true",
            ));
        }
        if !explicit.1 && scenario.output.plots {
            scenario.output.plots = false;
            off.push(("figures and report.html", "plots = true"));
        }
        let mut what = Vec::new();
        if !off.is_empty() {
            let items: Vec<&str> = off.iter().map(|o| o.0).collect();
            what.push(format!("{} are off", items.join(" and ")));
        }
        let mut keys: Vec<&str> = off.iter().map(|o| o.1).collect();
        if !explicit.2 {
            scenario.output.summary = SummaryLayout::Wide;
            what.push(
                "summary.csv has one row a point with each outcome's mean (summary = \"wide\")"
                    .into(),
            );
            keys.push("summary = \"long\"");
        }
        if !what.is_empty() {
            notes.push(format!(
                "{file}: {n} design points: {} for designs of more than {TIMESERIES_POINTS} points; set [output] {} to change this",
                what.join(", and "),
                keys.join(" and ")
            ));
        }
    }
    let extras = Extras {
        notes,
        hypotheses: raw
            .hypothesis
            .into_iter()
            .map(|t| (loc.line_of(t.span().start), t.into_inner()))
            .collect(),
        patterns: raw
            .pattern
            .into_iter()
            .map(|t| (loc.line_of(t.span().start), t.into_inner()))
            .collect(),
    };
    Ok((scenario, extras))
}

fn toml_error(loc: &Locator, e: &toml::de::Error) -> ScenarioError {
    let msg = e.message().to_string();
    let offset = e.span().map_or(0, |s| s.start);
    // serde reports unknown fields as "unknown field `x`, expected one of `a`, `b`".
    if let Some(rest) = msg.strip_prefix("unknown field `")
        && let Some((field, _)) = rest.split_once('`')
    {
        {
            let all: Vec<&str> = TOP_KEYS
                .iter()
                .chain(SCENARIO_KEYS.iter())
                .chain(OUTPUT_KEYS.iter())
                .copied()
                .collect();
            let expected: Vec<&str> = msg
                .split("expected ")
                .nth(1)
                .map(|s| {
                    s.split('`')
                        .enumerate()
                        .filter(|(i, _)| i % 2 == 1)
                        .map(|(_, x)| x)
                        .collect()
                })
                .unwrap_or_default();
            let pool = if expected.is_empty() { all } else { expected };
            let hint = key_hint(field, &pool);
            return loc.at(offset, format!("unknown key `{field}`{hint}"));
        }
    }
    loc.at(offset, msg.trim_end().to_string())
}

/// `[prior]`: a distribution for each parameter it names (a plain value is an error: a
/// prior ranges over values), none of them a dyad attribute drawn per run in `[params]`.
fn parse_prior(
    loc: &Locator,
    raw: &BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    population: &Population,
) -> Result<Population, ScenarioError> {
    let mut scratch = Params::default();
    let mut dists = Vec::new();
    for (section, value) in raw {
        let before = dists.len();
        set_nested(loc, &mut scratch, &mut dists, "prior", section, value)?;
        // A leaf that is not a table (`dist = …`) is a plain value.
        let plain = match value.get_ref() {
            toml::Value::Table(t) if !t.contains_key("dist") => {
                blocks::leaves(section.get_ref(), t)
                    .into_iter()
                    .find(|(_, _, v)| !v.is_table())
                    .map(|(path, key, _)| {
                        let at = blocks::find_key(loc.text, section.span().start, key)
                            .unwrap_or(section.span().start);
                        (path, at)
                    })
            }
            toml::Value::Table(_) => None,
            _ => Some((section.get_ref().clone(), section.span().start)),
        };
        if let Some((path, at)) = plain {
            return Err(loc.at(
                at,
                format!(
                    "[prior] `{path}` must be a distribution (a prior ranges over values; a fixed value belongs in [params])"
                ),
            ));
        }
        if let Some((s, _, at)) = dists[before..]
            .iter()
            .find(|(s, _, _)| population.contains(s))
        {
            return Err(loc.at(
                *at,
                format!(
                    "[prior] `{}` is a dyad attribute drawn per run in [params]; a prior cannot also set it",
                    s.path
                ),
            ));
        }
        if let Some((_, _, at)) = dists[before..].iter().find(|(s, _, _)| s.path == "months") {
            return Err(loc.at(
                *at,
                "[prior] `months` cannot have a prior: set the horizon in [scenario]",
            ));
        }
    }
    let at_of: Vec<(&'static str, usize)> = dists.iter().map(|(s, _, at)| (s.path, *at)).collect();
    Population::new(dists.into_iter().map(|(s, d, _)| (s, d))).map_err(|e| {
        let at = match &e {
            crate::model::population::PopulationError::Dist { path, .. }
            | crate::model::population::PopulationError::Duplicate(path) => {
                at_of.iter().find(|(p, _)| p == path).map_or(0, |x| x.1)
            }
            _ => 0,
        };
        loc.at(at, format!("[prior] {e}"))
    })
}

/// A stable 64-bit FNV-1a hash, written as 16 hex digits.
pub fn fnv1a_hex(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// `[sweep] labels = ["a", "b", ...]`: non-empty, unique names of letters, digits, '_'
/// and '-' (the count is checked against the design once it is expanded).
fn parse_labels(loc: &Locator, value: &Spanned<toml::Value>) -> Result<Vec<String>, ScenarioError> {
    let at = value.span().start;
    let toml::Value::Array(a) = value.get_ref() else {
        return Err(loc.at(
            at,
            "[sweep] labels must be an array of names, one per design point",
        ));
    };
    let mut names: Vec<String> = Vec::with_capacity(a.len());
    for (i, v) in a.iter().enumerate() {
        let Some(name) = v.as_str() else {
            return Err(loc.at(
                at,
                format!("[sweep] labels: item {} must be a string", i + 1),
            ));
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            return Err(loc.at(
                at,
                format!(
                    "[sweep] labels: {name:?} (item {}) must be non-empty and use only letters, digits, '_' and '-'",
                    i + 1
                ),
            ));
        }
        if let Some(j) = names.iter().position(|n| n == name) {
            return Err(loc.at(
                at,
                format!(
                    "[sweep] labels: {name:?} is given twice (items {} and {}); labels must be unique",
                    j + 1,
                    i + 1
                ),
            ));
        }
        names.push(name.to_string());
    }
    Ok(names)
}

/// The `[coding]` table: `high`, `medium` and `low`, each optional (default
/// [`Coding::default`]), finite and with `low < medium < high`.
fn parse_coding(
    loc: &Locator,
    text: &str,
    t: &Spanned<toml::Table>,
) -> Result<Coding, ScenarioError> {
    let start = t.span().start;
    let at_key = |k: &str| blocks::find_key(text, start, k).unwrap_or(start);
    let mut c = Coding::default();
    for (k, v) in t.get_ref() {
        let slot = match k.as_str() {
            "high" => &mut c.high,
            "medium" => &mut c.medium,
            "low" => &mut c.low,
            _ => {
                let hint = key_hint(k, &CODING_KEYS);
                return Err(loc.at(at_key(k), format!("[coding] unknown key `{k}`{hint}")));
            }
        };
        match value_as_f64(v).filter(|x| x.is_finite()) {
            Some(x) => *slot = x,
            None => {
                return Err(loc.at(
                    at_key(k),
                    format!("[coding] `{k}` must be a number (a lower bound of asymmetry)"),
                ));
            }
        }
    }
    if !(c.low < c.medium && c.medium < c.high) {
        return Err(loc.at(
            start,
            format!(
                "[coding] needs low < medium < high; got low = {}, medium = {}, high = {}",
                c.low, c.medium, c.high
            ),
        ));
    }
    Ok(c)
}

impl Scenario {
    /// The name of design point `i`: its `[sweep] labels` entry, or `point_<i>` (0-based,
    /// as the `point` column of the outputs).
    pub fn point_name(&self, i: usize) -> String {
        self.labels
            .get(i)
            .cloned()
            .unwrap_or_else(|| format!("point_{i}"))
    }

    /// The design point named `name` (a label, or `point_N` when there are no labels).
    pub fn point_index(&self, name: &str) -> Option<usize> {
        point_index(&self.labels, Some(self.points.len()), name)
    }

    /// Hash of the resolved scenario (parameters, design, seed-independent of the output
    /// switches), used to refuse merging or resuming different scenarios.
    pub fn hash(&self) -> String {
        #[derive(Serialize)]
        struct Key<'a> {
            name: &'a str,
            replications: u64,
            base: &'a Params,
            #[serde(skip_serializing_if = "Population::is_empty")]
            population: &'a Population,
            design: Design,
            factors: &'a [Factor],
            /// Number of design points.
            points: usize,
            /// The sampled values of a Latin hypercube (a digest).
            #[serde(skip_serializing_if = "Option::is_none")]
            sampled: Option<String>,
            runs: bool,
            timeseries: bool,
            #[serde(skip_serializing_if = "SummaryLayout::is_long")]
            summary: SummaryLayout,
        }
        let key = Key {
            name: &self.name,
            replications: self.replications,
            base: &self.base,
            population: &self.population,
            design: self.design,
            factors: &self.factors,
            points: self.points.len(),
            sampled: self.points.digest(),
            runs: self.output.runs,
            timeseries: self.output.timeseries,
            summary: self.output.summary,
        };
        let json = serde_json::to_vec(&key).unwrap_or_default();
        fnv1a_hex(&json)
    }

    /// The parameters drawn once per run at some design point, in parameter-table order:
    /// those of [`Scenario::population`] and the swept ones with a distribution among
    /// their levels (each has a column of `runs`).
    pub fn drawn_params(&self) -> impl Iterator<Item = &'static ParamSpec> + '_ {
        crate::model::PARAM_SPECS.iter().filter(move |sp| {
            self.population.contains(sp)
                || self
                    .factors
                    .iter()
                    .any(|f| f.spec == *sp && !f.dists.is_empty())
        })
    }

    /// Total number of runs (capped at parse time by [`MAX_RUNS`]).
    pub fn total_runs(&self) -> u64 {
        (self.points.len() as u64).saturating_mul(self.replications)
    }
}

/// The design point named `name` among `labels` (or, with no labels, `point_N` for the
/// 0-based index `N < points` when the number of points is known, as in the outputs'
/// `point` column).
pub fn point_index(labels: &[String], points: Option<usize>, name: &str) -> Option<usize> {
    if !labels.is_empty() {
        return labels.iter().position(|l| l == name);
    }
    let n: usize = name.strip_prefix("point_")?.parse().ok()?;
    (points.is_none_or(|p| n < p) && name == format!("point_{n}")).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlong_words_are_shortened_around_a_count() {
        let short = "unknown key `champoin`; did you mean `champion`?";
        assert_eq!(shorten_words(short), short);
        let long = format!("unknown key `{}` in [buyer]", "k".repeat(1000));
        let s = shorten_words(&long);
        assert!(s.len() < 200, "{s}");
        assert!(s.contains("characters left out"), "{s}");
        assert!(s.ends_with(" in [buyer]"), "{s}");
        let e = ScenarioError {
            file: format!("--set {}", "x".repeat(5000)),
            line: 0,
            column: 0,
            message: "unknown parameter".into(),
        };
        assert!(e.to_string().len() < 600);
    }

    fn err(text: &str) -> String {
        parse(text, "t.toml", Overrides::default())
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn prior_blocks_take_distributions_of_known_parameters_within_range() {
        let head = "[scenario]\nname = \"x\"\n";
        let (s, _) = parse(
            &format!("{head}[prior.coefficients.trust]\nbroken_promise = {{ dist = \"uniform\", from = 0.1, to = 0.3 }}\n"),
            "t.toml",
            Overrides::default(),
        )
        .unwrap();
        assert_eq!(s.prior.len(), 1);
        let e = err(&format!(
            "{head}[prior.buyer]\nchampoin = {{ dist = \"uniform\", from = 0, to = 1 }}\n"
        ));
        assert!(
            e.contains("t.toml:4") && e.contains("did you mean `buyer.champion`"),
            "{e}"
        );
        let e = err(&format!(
            "{head}[prior.buyer]\nchampion = {{ dist = \"uniform\", from = 0, to = 2 }}\n"
        ));
        assert!(e.contains("t.toml:4") && e.contains("champion"), "{e}");
        let e = err(&format!("{head}[prior.buyer]\nchampion = 0.5\n"));
        assert!(e.contains("must be a distribution"), "{e}");
        let e = err(&format!(
            "{head}[params.buyer]\nchampion = {{ dist = \"beta\", a = 2, b = 2 }}\n[prior.buyer]\nchampion = {{ dist = \"uniform\", from = 0, to = 1 }}\n"
        ));
        assert!(e.contains("dyad attribute drawn per run"), "{e}");
    }

    #[test]
    fn baseline_parses() {
        let (s, _) = parse(BASELINE_TOML, "baseline.toml", Overrides::default()).unwrap();
        assert_eq!(s.name, "baseline");
        assert_eq!(s.points.len(), 1);
    }

    #[test]
    fn unknown_param_names_line_column_and_suggestion() {
        let e = err("[scenario]\nname = \"x\"\n[params.supplier]\ncapabilty = 0.3\n");
        assert!(e.starts_with("t.toml:4:1:"), "{e}");
        assert!(e.contains("did you mean `supplier.capability`"), "{e}");
    }

    #[test]
    fn unknown_header_key_suggests() {
        let e = err("[scenario]\nname = \"x\"\nreplicatons = 3\n");
        assert!(e.contains("t.toml:3:1"), "{e}");
        assert!(e.contains("did you mean `replications`"), "{e}");
    }

    #[test]
    fn output_format_defaults_to_csv_and_names_its_choices() {
        let parse_ok = |t: &str| parse(t, "t.toml", Overrides::default()).unwrap().0;
        let s = parse_ok("[scenario]\nname = \"x\"\n");
        assert_eq!(s.output.format, OutputFormat::Csv);
        let s = parse_ok("[scenario]\nname = \"x\"\n[output]\nruns = false\n");
        assert_eq!(s.output.format, OutputFormat::Csv);
        for (name, f) in OutputFormat::NAMES.iter().zip([
            OutputFormat::Csv,
            OutputFormat::Parquet,
            OutputFormat::Both,
        ]) {
            let s = parse_ok(&format!(
                "[scenario]\nname = \"x\"\n[output]\nformat = \"{name}\"\n"
            ));
            assert_eq!(s.output.format, f);
            assert_eq!(f.as_str(), *name);
            assert_eq!(name.parse::<OutputFormat>(), Ok(f));
        }
        let e = err("[scenario]\nname = \"x\"\n[output]\nformat = \"parqet\"\n");
        assert!(e.starts_with("t.toml:4:10:"), "{e}");
        assert!(e.contains("\"csv\", \"parquet\", \"both\""), "{e}");
        let e = err("[scenario]\nname = \"x\"\n[output]\nfromat = \"csv\"\n");
        assert!(e.contains("did you mean `format`"), "{e}");
    }

    #[test]
    fn out_of_range_names_range() {
        let e = err("[scenario]\nname = \"x\"\n[params.buyer]\nengagement = 1.5\n");
        assert!(e.contains("t.toml:4:1"), "{e}");
        assert!(e.contains("allowed 0 ..= 1"), "{e}");
    }

    #[test]
    fn syntax_error_shows_line() {
        let e = err("[scenario]\nname = \"x\"\n[params.buyer\n");
        assert!(e.starts_with("t.toml:3:"), "{e}");
    }

    #[test]
    fn grid_and_oat_and_lhs_expand() {
        let grid = "[scenario]\nname = \"g\"\n[sweep]\ndesign = \"grid\"\n[sweep.buyer]\nengagement = { values = [0.2, 0.8] }\n[sweep.supplier]\nexperience = { range = { from = 0.0, to = 1.0, steps = 3 } }\n";
        let (s, _) = parse(grid, "g", Overrides::default()).unwrap();
        assert_eq!(s.points.len(), 6);
        assert_eq!(s.factors[0].path, "buyer.engagement");
        assert_eq!(s.points.values(1), vec![0.2, 0.5]);
        let oat = grid.replace("\"grid\"", "\"one-at-a-time\"");
        let (s, _) = parse(&oat, "o", Overrides::default()).unwrap();
        // Base (0.4, 0.3) + 2 engagement levels + 3 experience levels.
        assert_eq!(s.points.len(), 6);
        let lhs = grid.replace("\"grid\"", "\"lhs\"\nsamples = 10");
        let (s, _) = parse(&lhs, "l", Overrides::default()).unwrap();
        assert_eq!(s.points.len(), 10);
        // Each stratum of engagement in [0.2, 0.8] is hit exactly once.
        let mut strata: Vec<usize> = s
            .points
            .iter()
            .map(|p| ((p.values[0] - 0.2) / 0.6 * 10.0) as usize)
            .collect();
        strata.sort();
        assert_eq!(strata, (0..10).collect::<Vec<_>>());
        let (s2, _) = parse(&lhs, "l", Overrides::default()).unwrap();
        assert_eq!(s.points, s2.points, "LHS is seeded");
        let zip = "[scenario]\nname = \"z\"\n[sweep]\ndesign = \"zip\"\n[sweep.buyer]\nengagement = { values = [0.2, 0.8, 0.5] }\n[sweep.supplier]\nexperience = { values = [0.0, 1.0, 0.5] }\n";
        let (s, _) = parse(zip, "z", Overrides::default()).unwrap();
        assert_eq!(s.points.len(), 3);
        assert_eq!(s.points.values(1), vec![0.8, 1.0]);
        let bad = zip.replace("[0.0, 1.0, 0.5]", "[0.0, 1.0]");
        let e = parse(&bad, "z", Overrides::default())
            .unwrap_err()
            .to_string();
        assert!(e.contains("same number of values"), "{e}");
    }

    #[test]
    fn oversized_designs_are_refused_before_expansion() {
        let t = "[scenario]\nname = \"x\"\n[sweep.buyer]\nengagement = { range = { from = 0.0, to = 1.0, steps = 100000 } }\nchampion = { range = { from = 0.0, to = 1.0, steps = 100000 } }\n";
        assert!(err(t).contains("more than 1000000 points"), "{}", err(t));
        let t = "[scenario]\nname = \"x\"\nreplications = 10000000000000\n";
        assert!(err(t).contains("exceeds the limit"), "{}", err(t));
        let zero_reps = Overrides {
            seed: None,
            replications: Some(0),
        };
        let e = parse("[scenario]\nname = \"x\"\n", "t.toml", zero_reps)
            .unwrap_err()
            .to_string();
        assert!(e.contains("--reps 0"), "{e}");
    }

    #[test]
    fn time_series_are_off_by_default_beyond_the_threshold() {
        let lhs = |n: u64, output: &str| {
            let t = format!(
                "[scenario]\nname = \"x\"\n[sweep]\ndesign = \"lhs\"\nsamples = {n}\n[sweep.buyer]\nengagement = {{ range = {{ from = 0.1, to = 0.9 }} }}\n{output}"
            );
            parse(&t, "t.toml", Overrides::default()).unwrap()
        };
        let n = TIMESERIES_POINTS;
        let (s, e) = lhs(n, "");
        assert!(s.output.timeseries && e.notes.is_empty());
        let (s, e) = lhs(n + 1, "[output]\nruns = false\n");
        assert!(!s.output.timeseries && !s.output.plots);
        assert_eq!(e.notes.len(), 1);
        assert!(e.notes[0].contains(&format!("{} design points", n + 1)));
        assert!(e.notes[0].contains("timeseries = true and plots = true"));
        assert!(e.notes[0].contains("summary.csv has one row a point"));
        assert!(e.notes[0].ends_with(
            "set [output] timeseries = true and plots = true and summary = \"long\" to change this"
        ));
        assert_eq!(s.output.summary, SummaryLayout::Wide);
        let (s, e) = lhs(n, "");
        assert_eq!(s.output.summary, SummaryLayout::Long);
        assert!(e.notes.is_empty());
        let (s, e) = lhs(
            n + 1,
            "[output]\ntimeseries = true\nplots = true\nsummary = \"long\"\n",
        );
        assert!(s.output.timeseries && s.output.plots && e.notes.is_empty());
        assert_eq!(s.output.summary, SummaryLayout::Long);
        let (s, e) = lhs(n + 1, "[output]\ntimeseries = true\nplots = true\n");
        assert!(s.output.timeseries && s.output.plots);
        assert_eq!(s.output.summary, SummaryLayout::Wide);
        assert!(
            e.notes[0].contains(": summary.csv has one row a point")
                && e.notes[0].ends_with("set [output] summary = \"long\" to change this"),
            "{e:?}"
        );
        let (s, e) = lhs(n + 1, "[output]\ntimeseries = false\nsummary = \"wide\"\n");
        assert!(!s.output.timeseries && !s.output.plots);
        assert!(
            e.notes[0].contains(": figures and report.html are off for designs"),
            "{e:?}"
        );
        assert!(!e.notes[0].contains("timeseries"), "{e:?}");
        // The points are built on demand, the same each time.
        assert_eq!(s.points.len() as u64, n + 1);
        assert_eq!(s.points.at(7), s.points.get(7).unwrap());
        assert!(s.points.get(n as usize + 1).is_none());
        // A small design may ask for the wide layout; a bad layout is located.
        let (s, _) = lhs(3, "[output]\nsummary = \"wide\"\n");
        assert_eq!(s.output.summary, SummaryLayout::Wide);
        let t = "[scenario]\nname = \"x\"\n[output]\nsummary = \"tall\"\n";
        let err = parse(t, "t.toml", Overrides::default()).unwrap_err();
        assert_eq!(err.line, 4, "{err}");
        assert!(
            err.message
                .contains("summary `tall` must be \"long\" or \"wide\""),
            "{err}"
        );
    }

    #[test]
    fn an_invalid_lhs_point_is_named() {
        // The box of the levels breaks `level_low < level_high`, so every point is checked
        // and the first invalid one is named.
        let t = "[scenario]\nname = \"x\"\n[sweep]\ndesign = \"lhs\"\nsamples = 20\n[sweep.power]\nlevel_low = { range = { from = 0.05, to = 0.6 } }\n";
        let e = err(t);
        assert!(
            e.contains("design point") && e.contains("power.level_low="),
            "{e}"
        );
    }

    #[test]
    fn invalid_design_point_is_rejected() {
        let t = "[scenario]\nname = \"x\"\n[sweep.power]\nlevel_low = { values = [0.1, 0.5] }\n";
        let e = err(t);
        assert!(e.contains("power.level_low"), "{e}");
    }
}
