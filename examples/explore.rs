//! Quick look at outcome means for a parameter override: `cargo run --release --example explore -- path=value ...`.
use dyadsim::model::{OUTCOME_METRICS, Params, simulate, simulate_with};

fn main() {
    let mut p = Params::default();
    let mut n = 2000u64;
    let mut trace = false;
    for a in std::env::args().skip(1) {
        if a == "trace" {
            trace = true;
            continue;
        }
        let (k, v) = a.split_once('=').expect("path=value");
        if k == "n" {
            n = v.parse().unwrap();
            continue;
        }
        let v = match v {
            "true" => 1.0,
            "false" => 0.0,
            v => v.parse().unwrap(),
        };
        p.set(k, v).unwrap();
    }
    p.validate().unwrap();
    if trace {
        simulate_with(&p, 1, |r| {
            println!(
                "{:>3} {:?} asym {:.2} ds {:.2} db {:.2} ts {:.2} tb {:.2} sh {:.2} pu {:.2} k {:.2} cash {:.0} m {:.1} perf {:.2} eng {:.2} ev {:b}",
                r.month,
                r.phase,
                r.asymmetry,
                r.supplier_dependence,
                r.buyer_dependence,
                r.supplier_trust,
                r.buyer_trust,
                r.supplier_share,
                r.buyer_power_use,
                r.knowledge,
                r.supplier_cash,
                r.supplier_margin,
                r.performance,
                r.engagement,
                r.events.0
            )
        });
    }
    let mut sums = [0.0; 37];
    let mut cnt = [0u64; 37];
    let mut paths = std::collections::BTreeMap::new();
    for s in 0..n {
        let o = simulate(&p, s);
        *paths
            .entry(format!("{} {}", o.path.code(), o.end_reason.as_str()))
            .or_insert(0) += 1;
        for (i, v) in o.metrics().iter().enumerate() {
            if v.is_finite() {
                sums[i] += v;
                cnt[i] += 1;
            }
        }
    }
    for (i, name) in OUTCOME_METRICS.iter().enumerate() {
        println!("{name:>28} {:>10.3}", sums[i] / cnt[i].max(1) as f64);
    }
    let mut v: Vec<_> = paths.into_iter().collect();
    v.sort_by_key(|x| std::cmp::Reverse(x.1));
    for (k, c) in v.iter().take(12) {
        println!("{c:>6} {k}");
    }
}
