//! Reading a metric from a run at a point in time, for hypotheses and patterns.
//!
//! A [`Metric`] is resolved against the model's metric tables once, when a block is
//! validated; reading it from a [`RunTrace`] is then an index, never a look-up by name.

use std::fmt;

use crate::model::{
    Events, MonthRecord, OUTCOME_METRICS, Params, Phase, RunOutcome, TRAJECTORY_METRICS,
    simulate_with,
};
use crate::scenario::did_you_mean;

/// When a trajectory metric is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum At {
    /// The outcome itself (outcome metrics) or the last month lived (trajectories).
    End,
    /// At the end of this month (1-based); runs that ended earlier are excluded.
    Month(u32),
    /// In the first month of the first spell of a phase.
    Entry(Phase),
    /// In the last month of the first spell of a phase.
    Exit(Phase),
    /// This many months after (negative: before) the start of the first performance
    /// crisis; runs without a crisis are excluded.
    Crisis(i32),
}

impl At {
    /// Parse `end`, `month:N`, `<phase>:entry`, `<phase>:exit` or `crisis:±N`.
    pub fn parse(s: &str) -> Option<At> {
        if s == "end" {
            return Some(At::End);
        }
        let (a, b) = s.split_once(':')?;
        if a == "month" {
            return b.parse().ok().filter(|m| *m >= 1).map(At::Month);
        }
        if a == "crisis" {
            return b.trim_start_matches('+').parse().ok().map(At::Crisis);
        }
        let phase = match a {
            "preparation" => Phase::Preparation,
            "execution" => Phase::Execution,
            "integration" => Phase::Integration,
            _ => return None,
        };
        match b {
            "entry" => Some(At::Entry(phase)),
            "exit" => Some(At::Exit(phase)),
            _ => None,
        }
    }
}

/// `at` as written in scenario files.
impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::End => write!(f, "end"),
            At::Month(m) => write!(f, "month:{m}"),
            At::Entry(p) => write!(f, "{}:entry", p.as_str()),
            At::Exit(p) => write!(f, "{}:exit", p.as_str()),
            At::Crisis(o) => write!(f, "crisis:{o:+}"),
        }
    }
}

/// A metric resolved against the model's tables: a run outcome, a monthly trajectory
/// metric, or both (read as the outcome at [`At::End`], as the trajectory elsewhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    name: &'static str,
    trajectory: Option<usize>,
    outcome: Option<usize>,
}

impl Metric {
    /// Resolve `name`; the error names the nearest metric.
    pub fn parse(name: &str) -> Result<Metric, String> {
        let trajectory = TRAJECTORY_METRICS.iter().position(|m| *m == name);
        let outcome = OUTCOME_METRICS.iter().position(|m| *m == name);
        let table_name = trajectory
            .map(|j| TRAJECTORY_METRICS[j])
            .or(outcome.map(|k| OUTCOME_METRICS[k]));
        match table_name {
            Some(name) => Ok(Metric {
                name,
                trajectory,
                outcome,
            }),
            None => {
                let all = OUTCOME_METRICS.iter().chain(TRAJECTORY_METRICS.iter());
                let hint = did_you_mean(
                    name,
                    all.copied(),
                    "; the metrics are listed in docs/OUTPUTS.md",
                );
                Err(format!("`metric`: unknown metric `{name}`{hint}"))
            }
        }
    }
    /// Resolve `name` as a run outcome; the error names the nearest outcome.
    pub fn parse_outcome(name: &str) -> Result<Metric, String> {
        match OUTCOME_METRICS.iter().position(|m| *m == name) {
            Some(k) => Ok(Metric {
                name: OUTCOME_METRICS[k],
                trajectory: None,
                outcome: Some(k),
            }),
            None => Err(did_you_mean(name, OUTCOME_METRICS.iter().copied(), "")),
        }
    }
    /// The metric's name.
    pub fn name(&self) -> &'static str {
        self.name
    }
    /// Whether the metric is only a run outcome (no monthly trajectory).
    pub fn outcome_only(&self) -> bool {
        self.trajectory.is_none()
    }
    /// Whether the metric is a 0/1 run outcome (marked binary in the outcome table): its
    /// mean is a share of runs, with a Wilson interval.
    pub fn binary(&self) -> bool {
        self.trajectory.is_none() && self.outcome.is_some_and(|k| RunOutcome::BINARY[k])
    }
}

impl fmt::Display for Metric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name)
    }
}

/// A run's month records and outcome, for reading metrics at points in time.
pub struct RunTrace {
    /// Every month's record, in order.
    pub records: Vec<MonthRecord>,
    /// The outcome.
    pub outcome: RunOutcome,
}

impl RunTrace {
    /// Simulate a run and keep its records.
    pub fn simulate(params: &Params, seed: u64) -> Self {
        let mut records = Vec::with_capacity(params.months as usize);
        let outcome = simulate_with(params, seed, |r| records.push(*r));
        RunTrace { records, outcome }
    }

    /// Whether the outcome `m` is above 0 (a flag set or a count above 0); `false` for a
    /// metric that is not an outcome.
    pub fn holds(&self, m: Metric) -> bool {
        m.outcome.is_some_and(|k| self.outcome.metrics()[k] > 0.0)
    }

    /// The month index (0-based) that `at` designates, if the run has it.
    fn index(&self, at: At) -> Option<usize> {
        let rs = &self.records;
        match at {
            At::End => rs.len().checked_sub(1),
            At::Month(m) => (m as usize).checked_sub(1).filter(|i| *i < rs.len()),
            At::Entry(ph) => rs.iter().position(|r| r.phase == ph),
            At::Exit(ph) => {
                let start = rs.iter().position(|r| r.phase == ph)?;
                let len = rs[start..].iter().take_while(|r| r.phase == ph).count();
                Some(start + len - 1)
            }
            At::Crisis(offset) => {
                let start = rs.iter().position(|r| r.events.has(Events::CRISIS_START))?;
                let i = start as i64 + i64::from(offset);
                usize::try_from(i).ok().filter(|i| *i < rs.len())
            }
        }
    }

    /// The value of `m` at `at`; NaN where undefined. Outcomes are only read at
    /// [`At::End`].
    pub fn value(&self, m: Metric, at: At) -> f64 {
        if let Some(j) = m.trajectory
            && (at != At::End || m.outcome.is_none())
        {
            return self
                .index(at)
                .map_or(f64::NAN, |i| self.records[i].metrics()[j]);
        }
        match m.outcome {
            Some(k) if at == At::End => self.outcome.metrics()[k],
            _ => f64::NAN,
        }
    }
}
