//! The figures Model 2 was accepted on, measured on the shipped baseline population and the
//! 18-dyad pack (docs/MODEL.md §5.1, §7). Statistical: release mode
//! (`cargo test --release -- --ignored`), run by CI.

use std::path::Path;

use dyadsim::model::params::spec;
use dyadsim::model::{EndReason, MonthRecord, Params, Phase, Population, run_seed, simulate_with};
use dyadsim::scenario::{BASELINE_TOML, Overrides, load, parse};

const RUNS: u64 = 4000;

fn baseline() -> (Params, Population, u64) {
    let (s, _) = parse(BASELINE_TOML, "baseline", Overrides::default()).unwrap();
    (s.base, s.population, s.seed)
}

/// Run `RUNS` dyads of the population; `f` sees each run's month records and outcome.
fn each_run(
    base: &Params,
    pop: &Population,
    seed: u64,
    mut f: impl FnMut(&[MonthRecord], &dyadsim::model::RunOutcome),
) {
    let mut months = Vec::new();
    for r in 0..RUNS {
        let s = run_seed(seed, 0, r);
        months.clear();
        let o = simulate_with(&pop.realise(base, s), s, |m| months.push(*m));
        f(&months, &o);
    }
}

fn mean_sd(x: &[f64]) -> (f64, f64) {
    let n = x.len() as f64;
    let m = x.iter().sum::<f64>() / n;
    let v = x.iter().map(|v| (v - m).powi(2)).sum::<f64>() / (n - 1.0);
    (m, v.sqrt())
}

#[test]
#[ignore = "statistical; run with cargo test --release -- --ignored"]
fn baseline_population_varies_between_dyads() {
    let (base, pop, seed) = baseline();
    let (mut prep, mut share) = (Vec::new(), Vec::new());
    each_run(&base, &pop, seed, |_, o| {
        prep.push(f64::from(o.months_in[0]));
        share.push(o.supplier_share);
    });
    let (_, prep_sd) = mean_sd(&prep);
    let (share_mean, share_sd) = mean_sd(&share);
    assert!(prep_sd >= 1.0, "SD of preparation length {prep_sd}");
    assert!(
        share_sd / share_mean >= 0.15,
        "CV of the final share {}",
        share_sd / share_mean
    );
}

#[test]
#[ignore = "statistical; run with cargo test --release -- --ignored"]
fn initial_sales_concentration_matters_at_month_60() {
    let (base, pop, seed) = baseline();
    let s0 = spec("supplier.sales_concentration").unwrap();
    let pop = pop.without(s0);
    let at_60 = |sigma: f64| {
        let mut p = base.clone();
        p.supplier.sales_concentration = sigma;
        let mut v = vec![f64::NAN; RUNS as usize];
        let mut i = 0;
        each_run(&p, &pop, seed, |months, _| {
            if let Some(m) = months.iter().find(|m| m.month == 60) {
                v[i] = m.supplier_dependence;
            }
            i += 1;
        });
        v
    };
    let (lo, hi) = (at_60(0.3), at_60(0.9));
    // Paired: the same population draws and luck at both levels.
    let d: Vec<f64> = lo
        .iter()
        .zip(&hi)
        .filter(|(a, b)| a.is_finite() && b.is_finite())
        .map(|(a, b)| b - a)
        .collect();
    let (m, sd) = mean_sd(&d);
    let half = 1.96 * sd / (d.len() as f64).sqrt();
    assert!(d.len() > 1000, "{} pairs alive at month 60", d.len());
    assert!(m >= 0.1 && m - half > 0.0, "effect {m} ± {half}");
}

#[test]
#[ignore = "statistical; run with cargo test --release -- --ignored"]
fn knowledge_saturates_at_long_horizons() {
    let (mut base, pop, seed) = baseline();
    base.months = 240;
    let (mut k120, mut k240) = (Vec::new(), Vec::new());
    each_run(&base, &pop, seed, |months, _| {
        if let Some(m) = months.get(119) {
            k120.push(m.knowledge);
        }
        if let Some(m) = months.get(239) {
            k240.push(m.knowledge);
        }
    });
    let (a, _) = mean_sd(&k120);
    let (b, _) = mean_sd(&k240);
    assert!(b < 1.5 * a, "mean knowledge {a} at 120 months, {b} at 240");
}

#[test]
#[ignore = "statistical; run with cargo test --release -- --ignored"]
fn exit_is_smooth_and_continues_after_three_years() {
    let (base, pop, seed) = baseline();
    let alt = spec("buyer.alternatives").unwrap();
    let pop_fixed = pop.without(alt);
    let dissolution = |a: f64| {
        let mut p = base.clone();
        p.buyer.alternatives = a;
        let mut n = 0;
        each_run(&p, &pop_fixed, seed, |_, o| {
            n += u32::from(o.final_phase == Phase::Dissolved);
        });
        f64::from(n) / RUNS as f64
    };
    let (d5, d8) = (dissolution(0.5), dissolution(0.8));
    assert!(d8 > d5 && d8 - d5 < 0.4, "dissolution {d5} -> {d8}");
    let (mut late, mut supplier) = (0, 0);
    each_run(&base, &pop, seed, |_, o| {
        late += u32::from(o.final_phase == Phase::Dissolved && o.months > 36);
        supplier += u32::from(o.end_reason == EndReason::SupplierExit);
    });
    assert!(
        late > 0 && supplier > 0,
        "{late} late dissolutions, {supplier} supplier exits"
    );
}

#[test]
#[ignore = "statistical; run with cargo test --release -- --ignored"]
fn eighteen_dyads_rarely_reverse_by_the_end_of_integration() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/cases/eighteen_dyads.toml");
    let (s, _) = load(&file, Overrides::default()).unwrap();
    let (mut exits, mut reversed) = (0u32, 0u32);
    for (i, dp) in s.points.iter().enumerate() {
        for r in 0..s.replications {
            let seed = run_seed(s.seed, i, r);
            let o = simulate_with(&dp.realise(seed), seed, |_| {});
            let x = o.boundaries.exit[Phase::Integration as usize];
            if x.is_finite() {
                exits += 1;
                reversed += u32::from(x < -0.05);
            }
        }
    }
    let share = f64::from(reversed) / f64::from(exits);
    assert!(
        share <= 0.10,
        "{reversed} of {exits} integration exits below -0.05 ({share})"
    );
}
