//! The `dyadsim` command line: parse, call the library, print the error chain.
//!
//! Process control lives here and nowhere else: the exit status, a closed standard
//! output, and two test aids:
//! - `DYADSIM_ABORT_AFTER_CHUNKS=N` stops a run after `N` chunks (once its checkpoint is
//!   written) and aborts the process as a crash would, so that tests can resume it;
//! - `DYADSIM_CHECKPOINT_SECONDS=S` writes a run's checkpoint every `S` seconds instead of
//!   every 2, so that tests which kill a run land in checkpoint writes too.

use std::ops::ControlFlow;

use clap::Parser;

use dyadsim::cli::{self, Cli, Command};
use dyadsim::experiment::ExperimentError;

fn main() {
    let mut command = Cli::parse().command.unwrap_or_default();
    if let Command::Run(a) = &mut command
        && let Some(s) = std::env::var("DYADSIM_CHECKPOINT_SECONDS")
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
    {
        a.checkpoint_seconds = s;
    }
    let abort_after: Option<u64> = std::env::var("DYADSIM_ABORT_AFTER_CHUNKS")
        .ok()
        .and_then(|v| v.parse().ok());
    let mut control = |p: &dyadsim::experiment::Progress| {
        if abort_after.is_some_and(|a| p.chunks_done >= a) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let stdout = std::io::stdout();
    let result = cli::execute(command, &mut stdout.lock(), &mut control);
    let Err(e) = result else {
        return;
    };
    if e.chain().any(|c| {
        matches!(
            c.downcast_ref::<ExperimentError>(),
            Some(ExperimentError::Stopped(_))
        )
    }) {
        // Only the test aid stops a run: end as a crash would, with no cleanup.
        std::process::abort();
    }
    let broken_pipe = e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        // The reader went away (`| head`): nothing is wrong with the work.
        std::process::exit(0);
    }
    eprintln!("Error: {e:#}");
    std::process::exit(1);
}
