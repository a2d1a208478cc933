//! No dead mechanism: ablating any mechanism (switching it off, or a rival mechanism on) moves at least one outcome's mean beyond
//! the baseline's 95% CI over 10,000 runs. Release mode (`cargo test --release -- --ignored`).

use dyadsim::scenario::{BASELINE_TOML, Overrides, parse};
use dyadsim::science::ablation::ablation;

#[test]
#[ignore = "statistical; run with cargo test --release -- --ignored"]
fn every_mechanism_changes_some_outcome() {
    let (s, _) = parse(BASELINE_TOML, "baseline", Overrides::default()).unwrap();
    let rows = ablation(&s.base, &s.population, 10_000, s.seed);
    assert_eq!(rows.len(), 21);
    let dead: Vec<&str> = rows
        .iter()
        .filter(|r| r.changed.is_empty())
        .map(|r| r.mechanism)
        .collect();
    assert!(dead.is_empty(), "mechanisms with no effect: {dead:?}");
}
