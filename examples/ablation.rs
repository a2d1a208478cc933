//! Ablation table for the baseline: each mechanism switched off in turn over 10,000 runs
//! (common random numbers), listing the outcomes whose mean leaves the baseline's 95% CI.
//!
//! `cargo run --release --example ablation [RUNS]`

use dyadsim::scenario::{BASELINE_TOML, Overrides, parse};
use dyadsim::science::ablation::ablation;

fn main() -> anyhow::Result<()> {
    let runs: u64 = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(10_000);
    let (s, _) = parse(BASELINE_TOML, "baseline", Overrides::default())?;
    println!(
        "| mechanism off | outcomes moved beyond the baseline 95% CI (baseline -> ablated), largest first |"
    );
    println!("|---|---|");
    for row in ablation(&s.base, &s.population, runs, s.seed) {
        let moved: Vec<String> = row
            .changed
            .iter()
            .take(4)
            .map(|(m, b, a)| format!("{m} {b:.3} -> {a:.3}"))
            .collect();
        println!(
            "| {} | {} ({} outcomes) |",
            row.mechanism,
            if moved.is_empty() {
                "NONE".to_string()
            } else {
                moved.join("; ")
            },
            row.changed.len()
        );
    }
    Ok(())
}
