//! Global sensitivity analysis of the model: Morris screening and Sobol indices over the
//! parameters of a scenario's `[sensitivity]` block (or over a test function with known
//! indices), each design point evaluated with R replications.
//!
//! A [`Study`] is built from a scenario ([`Study::from_scenario`]) or a test function
//! ([`Study::from_function`]); [`Study::run`] makes the design ([`sample`]), evaluates every
//! point in parallel — the same numbers whatever the thread count: each point's R runs are
//! summed in replication order and the points are collected in design order — and
//! analyses each metric ([`analyze`]); [`write()`] writes the files that let anyone recompute
//! the indices (`samples.csv`, `outputs.csv`), the indices (`sensitivity.csv`), the noise
//! shares (`noise.csv`), the problem (`problem.json`), the figures and `report.html`.
//!
//! Seeds: replication j of point k runs with `run_seed(seed, k, j)`, or with common random
//! numbers `run_seed(seed, 0, j)` at every point, so that the points differ only in their
//! parameters. The scenario's own distributed parameters (`[params]`) are drawn per run as
//! in `dyadsim run`, except those the block varies.
//!
//! The value of a metric at a point is its mean over the point's runs where it is defined
//! (asymmetry at a boundary the run never reached is not). A metric with no value at some
//! point, or the same value at every point, is not analysed, and `noise.csv` says so.

pub mod analyze;
mod figures;
mod files;
pub mod functions;
pub mod sample;

use rayon::prelude::*;
use thiserror::Error;

use crate::model::params::ParamSpec;
use crate::model::{OUTCOME_METRICS, Params, Population, mix_seed, run_seed, simulate};
use crate::output::OutputError;
use crate::plot::PlotError;
use crate::scenario::{Input, Method, Scenario, ScenarioError, SensitivityPlan};
use analyze::{MorrisIndex, SobolIndex};
pub use files::status as status_of;
pub use files::{NOISE_FILE, OUTPUTS_FILE, PROBLEM_FILE, SAMPLES_FILE, SENSITIVITY_FILE, write};
use functions::TestFunction;

/// Name of the folder, inside a scenario's output folder, that the analysis is written to.
pub const SENSITIVITY_DIR: &str = "sensitivity";

/// Stream id of the bootstrap resamples.
const BOOTSTRAP_STREAM: u64 = 0x424f_4f54;

/// Why a study could not be run or written.
#[derive(Debug, Error)]
pub enum SensitivityError {
    /// The scenario or its `[sensitivity]` block is invalid.
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    /// The scenario has no `[sensitivity]` block.
    #[error("{file}: the scenario has no [sensitivity] block (see docs/SCENARIOS.md)")]
    NoBlock {
        /// The scenario file.
        file: String,
    },
    /// A design point breaks a rule between parameters.
    #[error("{file}: [sensitivity] design point {point} is invalid: {message}")]
    Point {
        /// The scenario file.
        file: String,
        /// The point (0-based row of samples.csv).
        point: usize,
        /// What is wrong, with the point's values.
        message: String,
    },
    /// The worker threads could not be started.
    #[error("cannot start the worker threads: {0}")]
    Threads(String),
    /// A file could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A figure or the report could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
}

/// What is evaluated at each design point.
#[derive(Clone, Debug)]
pub enum Model {
    /// The dyad model: the base parameters with the varied ones set, the scenario's other
    /// distributed parameters drawn per run.
    Dyad {
        /// Base parameters.
        base: Box<Params>,
        /// Distributed parameters not varied by the design.
        population: Population,
        /// The varied parameters.
        specs: Vec<&'static ParamSpec>,
        /// Index in [`OUTCOME_METRICS`] of each analysed metric.
        metric_index: Vec<usize>,
    },
    /// A test function of the unit cube mapped to its ranges (metric `y`).
    Function(TestFunction),
}

/// A sensitivity study, ready to run.
#[derive(Clone, Debug)]
pub struct Study {
    /// Scenario (or function) name.
    pub name: String,
    /// Scenario file, or `--function NAME`.
    pub file: String,
    /// Master seed.
    pub seed: u64,
    /// Design and size.
    pub method: Method,
    /// Names of the varied parameters, in column order.
    pub names: Vec<String>,
    /// Their ranges or distributions.
    pub inputs: Vec<Input>,
    /// Runs per point.
    pub replications: u64,
    /// Common random numbers across points.
    pub common_random_numbers: bool,
    /// Metric names, in column order.
    pub metrics: Vec<String>,
    /// Bootstrap resamples.
    pub bootstrap: usize,
    /// What is evaluated.
    pub model: Model,
}

/// Values given on the command line that replace the block's.
#[derive(Clone, Debug, Default)]
pub struct StudyOverrides {
    /// `design`.
    pub design: Option<String>,
    /// `samples`.
    pub samples: Option<usize>,
    /// `trajectories`.
    pub trajectories: Option<usize>,
    /// `levels`.
    pub levels: Option<usize>,
    /// `candidates`.
    pub candidates: Option<usize>,
    /// `replications`.
    pub replications: Option<u64>,
    /// `metrics`.
    pub metrics: Option<Vec<String>>,
    /// `bootstrap`.
    pub bootstrap: Option<usize>,
}

fn arg_err(arg: &str, message: String) -> ScenarioError {
    ScenarioError {
        file: arg.to_string(),
        line: 0,
        column: 0,
        message,
    }
}

/// `method` with the command line's design and sizes applied, checked for `d` parameters.
fn override_method(method: Method, ov: &StudyOverrides, d: usize) -> Result<Method, ScenarioError> {
    let design = ov.design.as_deref().unwrap_or(method.name());
    let m = match (design, method) {
        (
            "morris",
            Method::Morris {
                trajectories,
                levels,
                candidates,
            },
        ) => Method::Morris {
            trajectories: ov.trajectories.unwrap_or(trajectories),
            levels: ov.levels.unwrap_or(levels),
            candidates: ov.candidates.or(candidates),
        },
        ("morris", _) => Method::Morris {
            trajectories: ov.trajectories.unwrap_or(20),
            levels: ov.levels.unwrap_or(4),
            candidates: ov.candidates,
        },
        ("sobol", Method::Sobol { samples }) => Method::Sobol {
            samples: ov.samples.unwrap_or(samples),
        },
        ("sobol", _) => Method::Sobol {
            samples: ov.samples.ok_or_else(|| {
                arg_err(
                    "--design sobol",
                    "a Sobol design needs --samples N (a power of two)".into(),
                )
            })?,
        },
        (other, _) => {
            return Err(arg_err(
                "--design",
                format!("`{other}` must be \"morris\" or \"sobol\""),
            ));
        }
    };
    let foreign = match m {
        Method::Morris { .. } => ov.samples.map(|_| "--samples"),
        Method::Sobol { .. } => ov
            .trajectories
            .map(|_| "--trajectories")
            .or(ov.levels.map(|_| "--levels"))
            .or(ov.candidates.map(|_| "--candidates")),
    };
    if let Some(flag) = foreign {
        return Err(arg_err(
            flag,
            format!("does not apply to design = \"{}\"", m.name()),
        ));
    }
    m.check(d)
        .map_err(|(k, msg)| arg_err(&format!("--{k}"), msg))?;
    Ok(m)
}

impl Study {
    /// The study of scenario `s`'s `[sensitivity]` block, with `ov` applied.
    pub fn from_scenario(s: &Scenario, ov: &StudyOverrides) -> Result<Study, SensitivityError> {
        let Some(plan) = crate::scenario::sensitivity_plan(s)? else {
            return Err(SensitivityError::NoBlock {
                file: s.file.clone(),
            });
        };
        let SensitivityPlan {
            method,
            params,
            replications,
            common_random_numbers,
            metrics,
            bootstrap,
        } = plan;
        let method = override_method(method, ov, params.len())?;
        let metrics = match &ov.metrics {
            Some(m) => {
                for name in m {
                    crate::scenario::check_metric(name).map_err(|e| arg_err("--metrics", e))?;
                }
                if m.is_empty() {
                    return Err(arg_err("--metrics", "is empty".into()).into());
                }
                m.clone()
            }
            None => metrics,
        };
        let replications = ov.replications.unwrap_or(replications);
        if replications == 0 {
            return Err(arg_err(
                "--reps",
                "0 is out of range: at least 1 replication is needed".into(),
            )
            .into());
        }
        let bootstrap = ov.bootstrap.unwrap_or(bootstrap);
        if bootstrap < 2 {
            return Err(arg_err("--bootstrap", "must be at least 2".into()).into());
        }
        let mut population = s.population.clone();
        for p in &params {
            population = population.without(p.spec);
        }
        let metric_index = metrics
            .iter()
            .map(|m| OUTCOME_METRICS.iter().position(|x| x == m).unwrap_or(0))
            .collect();
        Ok(Study {
            name: s.name.clone(),
            file: s.file.clone(),
            seed: s.seed,
            method,
            names: params.iter().map(|p| p.path.clone()).collect(),
            inputs: params.iter().map(|p| p.input.clone()).collect(),
            replications,
            common_random_numbers,
            metrics,
            bootstrap,
            model: Model::Dyad {
                base: Box::new(s.base.clone()),
                population,
                specs: params.iter().map(|p| p.spec).collect(),
                metric_index,
            },
        })
    }

    /// The study of test function `f` (inputs `x1`, `x2`, …; one metric `y`; one run per
    /// point); `ov` gives the design (Sobol with `--samples` by default).
    pub fn from_function(
        f: TestFunction,
        seed: u64,
        ov: &StudyOverrides,
    ) -> Result<Study, SensitivityError> {
        let default = Method::Sobol {
            samples: ov.samples.unwrap_or(1024),
        };
        let method = override_method(default, ov, f.dims())?;
        let (from, to) = f.range();
        Ok(Study {
            name: f.name().to_string(),
            file: format!("--function {}", f.name()),
            seed,
            method,
            names: (1..=f.dims()).map(|i| format!("x{i}")).collect(),
            inputs: vec![Input::Range { from, to }; f.dims()],
            replications: 1,
            common_random_numbers: false,
            metrics: vec!["y".into()],
            bootstrap: ov.bootstrap.unwrap_or(1000),
            model: Model::Function(f),
        })
    }

    /// Number of design points.
    pub fn points(&self) -> usize {
        self.method.points(self.names.len())
    }

    /// Number of runs (points × replications).
    pub fn runs(&self) -> u64 {
        self.points() as u64 * self.replications
    }

    /// Make the design, evaluate it on `threads` worker threads and analyse every metric.
    pub fn run(&self, threads: usize) -> Result<Results, SensitivityError> {
        let d = self.names.len();
        let unit = match self.method {
            Method::Morris {
                trajectories,
                levels,
                candidates,
            } => sample::morris(d, trajectories, levels, candidates, self.seed),
            Method::Sobol { samples } => sample::sobol(d, samples, self.seed),
        };
        let x: Vec<Vec<f64>> = unit
            .iter()
            .map(|row| {
                row.iter()
                    .enumerate()
                    .map(|(i, &u)| match (&self.model, &self.inputs[i]) {
                        (Model::Dyad { specs, .. }, input) => sample::value(input, specs[i], u),
                        (Model::Function(_), Input::Range { from, to }) => from + u * (to - from),
                        (Model::Function(_), Input::Dist(d)) => sample::quantile(d, u),
                    })
                    .collect()
            })
            .collect();
        let params: Vec<Params> = match &self.model {
            Model::Dyad { base, specs, .. } => x
                .iter()
                .enumerate()
                .map(|(k, row)| {
                    let mut p = (**base).clone();
                    for (s, &v) in specs.iter().zip(row) {
                        s.set(&mut p, v);
                    }
                    p.validate()
                        .map(|()| p)
                        .map_err(|e| SensitivityError::Point {
                            file: self.file.clone(),
                            point: k,
                            message: format!(
                                "{e} (at {})",
                                self.names
                                    .iter()
                                    .zip(row)
                                    .map(|(n, v)| format!("{n}={v}"))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        })
                })
                .collect::<Result<_, _>>()?,
            Model::Function(_) => Vec::new(),
        };
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads.max(1))
            .build()
            .map_err(|e| SensitivityError::Threads(e.to_string()))?;
        let cells: Vec<Vec<Cell>> = pool.install(|| {
            (0..x.len())
                .into_par_iter()
                .map(|k| self.evaluate(k, &x[k], params.get(k)))
                .collect()
        });
        let analyses = (0..self.metrics.len())
            .map(|m| self.analyse(m, &unit, &cells))
            .collect();
        Ok(Results {
            unit,
            x,
            cells,
            analyses,
        })
    }

    /// The metrics at point `k` (values `x`, parameters `p` for the dyad model).
    fn evaluate(&self, k: usize, x: &[f64], p: Option<&Params>) -> Vec<Cell> {
        match (&self.model, p) {
            (
                Model::Dyad {
                    population,
                    metric_index,
                    ..
                },
                Some(p),
            ) => {
                let mut acc = vec![Cell::default(); metric_index.len()];
                for rep in 0..self.replications {
                    let seed = if self.common_random_numbers {
                        run_seed(self.seed, 0, rep)
                    } else {
                        run_seed(self.seed, k, rep)
                    };
                    let outcome = if population.is_empty() {
                        simulate(p, seed)
                    } else {
                        simulate(&population.realise(p, seed), seed)
                    };
                    let all = outcome.metrics();
                    for (c, &i) in acc.iter_mut().zip(metric_index) {
                        c.push(all[i]);
                    }
                }
                acc
            }
            (Model::Function(f), _) => {
                let mut c = Cell::default();
                c.push(f.eval(x));
                vec![c]
            }
            (Model::Dyad { .. }, None) => Vec::new(),
        }
    }

    fn analyse(&self, m: usize, unit: &[Vec<f64>], cells: &[Vec<Cell>]) -> Analysis {
        let y: Vec<f64> = cells.iter().map(|c| c[m].mean).collect();
        let undefined = y.iter().filter(|v| !v.is_finite()).count();
        let noise = if undefined == 0 {
            let within: Vec<f64> = cells.iter().map(|c| c[m].variance()).collect();
            let runs: Vec<u64> = cells.iter().map(|c| c[m].n).collect();
            analyze::noise_share(&y, &within, &runs)
        } else {
            None
        };
        let seed = mix_seed(self.seed, BOOTSTRAP_STREAM, m as u64);
        let d = self.names.len();
        let indices = if undefined > 0 {
            Indices::Undefined(undefined)
        } else {
            match self.method {
                Method::Morris { levels, .. } => {
                    let first = y[0];
                    if y.iter().all(|v| *v == first) {
                        Indices::Constant
                    } else {
                        let ee =
                            analyze::elementary_effects(unit, &y, d, sample::morris_delta(levels));
                        Indices::Morris(analyze::morris(&ee, self.bootstrap, seed))
                    }
                }
                Method::Sobol { .. } => match analyze::sobol(&y, d, self.bootstrap, seed) {
                    Some(s) => Indices::Sobol(s),
                    None => Indices::Constant,
                },
            }
        };
        Analysis { indices, noise }
    }
}

/// Running mean and variance (Welford) of one metric's defined values at one point.
#[derive(Clone, Copy, Debug, Default)]
pub struct Cell {
    /// Runs where the metric was defined.
    pub n: u64,
    /// Their mean (NaN with none).
    pub mean: f64,
    m2: f64,
}

impl Cell {
    fn push(&mut self, v: f64) {
        if self.n == 0 {
            self.mean = 0.0;
        }
        if !v.is_finite() {
            if self.n == 0 {
                self.mean = f64::NAN;
            }
            return;
        }
        self.n += 1;
        let d = v - self.mean;
        self.mean += d / self.n as f64;
        self.m2 += d * (v - self.mean);
    }
    /// Sample variance (divisor n − 1); NaN with fewer than two values.
    pub fn variance(&self) -> f64 {
        if self.n < 2 {
            f64::NAN
        } else {
            self.m2 / (self.n - 1) as f64
        }
    }
}

/// The indices of one metric.
#[derive(Clone, Debug, PartialEq)]
pub enum Indices {
    /// Morris indices per parameter.
    Morris(Vec<MorrisIndex>),
    /// Sobol indices per parameter.
    Sobol(Vec<SobolIndex>),
    /// Not analysed: the metric has no value at this many points.
    Undefined(usize),
    /// Not analysed: the metric takes the same value at every point.
    Constant,
}

/// One metric's analysis.
#[derive(Clone, Debug, PartialEq)]
pub struct Analysis {
    /// Its indices.
    pub indices: Indices,
    /// `(variance of the point means, replication-noise variance of a point mean, noise
    /// share)`, when it can be estimated (R ≥ 2 and defined at every point).
    pub noise: Option<(f64, f64, f64)>,
}

/// A study's design, its outputs and the analysis of each metric.
#[derive(Clone, Debug)]
pub struct Results {
    /// The design in the unit cube, one row per point.
    pub unit: Vec<Vec<f64>>,
    /// The design in the parameters' units.
    pub x: Vec<Vec<f64>>,
    /// Per point, per metric: the mean over the point's runs.
    pub cells: Vec<Vec<Cell>>,
    /// Per metric.
    pub analyses: Vec<Analysis>,
}

#[cfg(test)]
mod tests;
