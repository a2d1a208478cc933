//! Progress of a run on standard error: a bar on a terminal, plain lines in logs.

use std::fmt;
use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::experiment::Progress;

/// Progress of a run on standard error: a bar on a terminal, plain lines every
/// `DYADSIM_PROGRESS_SECONDS` seconds (default 10) otherwise (batch logs), nothing when
/// quiet.
pub enum Reporter {
    /// An interactive bar.
    Bar(ProgressBar),
    /// Plain lines for logs.
    Lines {
        /// When the run started.
        started: Instant,
        /// When the last line was written.
        last: Instant,
        /// Time between lines.
        every: Duration,
    },
    /// Nothing.
    Silent,
}

/// A count with thousands separators, e.g. `1,250,000`.
fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl Reporter {
    /// The reporter of a run of `total` runs.
    pub fn new(total: u64, quiet: bool) -> Self {
        if quiet {
            return Reporter::Silent;
        }
        if !std::io::stderr().is_terminal() {
            let every = std::env::var("DYADSIM_PROGRESS_SECONDS")
                .ok()
                .and_then(|v| v.parse::<f64>().ok())
                .filter(|x| x.is_finite() && *x >= 0.0)
                .map_or(Duration::from_secs(10), Duration::from_secs_f64);
            let now = Instant::now();
            return Reporter::Lines {
                started: now,
                last: now,
                every,
            };
        }
        let b = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
        let style = ProgressStyle::with_template(
            "{bar:40} {human_pos}/{human_len} runs  {rate}  ETA {eta}",
        )
        .map(|st| {
            st.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn fmt::Write| {
                    let _ = write!(w, "{:.0} runs/s", state.per_sec());
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar());
        b.set_style(style);
        Reporter::Bar(b)
    }

    /// Report how far the run has come.
    pub fn update(&mut self, p: &Progress) {
        match self {
            Reporter::Bar(b) => {
                b.set_length(p.runs_total);
                b.set_position(p.runs_done);
            }
            Reporter::Lines {
                started,
                last,
                every,
            } => {
                let first = p.chunks_done == 0;
                let done = p.chunks_done == p.chunks_total;
                if !first && !done && last.elapsed() < *every {
                    return;
                }
                *last = Instant::now();
                let secs = started.elapsed().as_secs_f64();
                let rate = if secs > 0.0 {
                    p.runs_done as f64 / secs
                } else {
                    0.0
                };
                let left = p.runs_total.saturating_sub(p.runs_done);
                let eta = if rate > 0.0 {
                    format!("{:.0} s", left as f64 / rate)
                } else {
                    "unknown".into()
                };
                let pct = if p.runs_total > 0 {
                    100.0 * p.runs_done as f64 / p.runs_total as f64
                } else {
                    100.0
                };
                eprintln!(
                    "progress: {}/{} runs ({pct:.1}%), {} runs/s, ETA {eta}",
                    thousands(p.runs_done),
                    thousands(p.runs_total),
                    thousands(rate as u64)
                );
            }
            Reporter::Silent => {}
        }
    }

    /// The run is over.
    pub fn finish(self) {
        if let Reporter::Bar(b) = self {
            b.finish_and_clear();
        }
    }
}
