//! Parameters at the corners of their ranges (docs/RELIABILITY.md): every parameter at its
//! minimum and at its maximum (money without an upper bound at 10⁹ kEUR), all of them at
//! once, and horizons of 1 and 1,200 months. No month record, outcome or output file may
//! hold a NaN or an infinity, and nothing panics.

mod common;

use common::{dyadsim, write};
use dyadsim::model::{
    OUTCOME_METRICS, PARAM_SPECS, ParamKind, ParamSpec, Params, TRAJECTORY_METRICS, simulate_with,
};

/// The value a corner puts a parameter at: its bound, or 10⁹ where it has none.
fn corner(spec: &ParamSpec, high: bool) -> f64 {
    let v = if high { spec.max } else { spec.min };
    if v.is_finite() {
        v
    } else if high {
        1e9
    } else {
        -1e9
    }
}

/// Simulate `runs` runs of `p` and check every month's metrics and every outcome.
fn assert_finite(p: &Params, runs: u64, what: &str) {
    for seed in 0..runs {
        let o = simulate_with(p, seed, |r| {
            for (name, v) in TRAJECTORY_METRICS.iter().zip(r.metrics()) {
                assert!(
                    v.is_finite(),
                    "{what}, seed {seed}, month {}: {name} = {v}",
                    r.month
                );
            }
        });
        for (name, v) in OUTCOME_METRICS.iter().zip(o.metrics()) {
            // Outcomes that need a phase the run never reached are missing by definition
            // (NA in the files); nothing may be infinite.
            assert!(
                !v.is_infinite(),
                "{what}, seed {seed}: outcome {name} = {v}"
            );
        }
    }
}

#[test]
fn every_parameter_at_each_bound() {
    let mut checked = 0;
    for spec in PARAM_SPECS.iter() {
        for high in [false, true] {
            let mut p = Params {
                months: 120,
                ..Params::default()
            };
            let v = corner(spec, high);
            spec.set(&mut p, v);
            if p.validate().is_err() {
                // A documented constraint between parameters (e.g. the level bands) rules
                // this corner out; the scenario parser rejects it with a message.
                continue;
            }
            assert_finite(&p, 8, &format!("{} = {v}", spec.path));
            checked += 1;
        }
    }
    assert!(
        checked >= 2 * PARAM_SPECS.len() - 20,
        "only {checked} corners were valid"
    );
}

#[test]
fn all_parameters_at_once_and_money_at_a_billion() {
    for high in [false, true] {
        let mut p = Params::default();
        for spec in PARAM_SPECS.iter() {
            if spec.path == "months" {
                continue;
            }
            let before = p.clone();
            spec.set(&mut p, corner(spec, high));
            if p.validate().is_err() {
                p = before;
            }
        }
        p.months = 240;
        p.validate().unwrap();
        assert_finite(
            &p,
            20,
            if high {
                "all at maximum"
            } else {
                "all at minimum"
            },
        );
    }
    // Money at 10⁹ kEUR in every money parameter, the rest at defaults.
    let mut p = Params::default();
    for spec in PARAM_SPECS
        .iter()
        .filter(|s| s.unit.contains("EUR") && s.kind == ParamKind::Real)
    {
        let before = p.clone();
        spec.set(&mut p, 1e9_f64.min(spec.max));
        if p.validate().is_err() {
            p = before;
        }
    }
    p.validate().unwrap();
    assert_finite(&p, 20, "money at 1e9");
}

/// The horizons 1 and 1,200 months through the binary, every output file scanned.
#[test]
fn horizons_of_one_and_1200_months_write_no_nan() {
    let dir = tempfile::tempdir().unwrap();
    for months in [1, 1200] {
        let scn = write(
            dir.path(),
            &format!("h{months}.toml"),
            &format!(
                "[scenario]\nname = \"h{months}\"\nreplications = 40\nmonths = {months}\nseed = 5\n\
                 [params.supplier]\ncash = 1e9\n[output]\nruns = true\ntimeseries = true\nplots = false\n"
            ),
        );
        let out = dir.path().join("out");
        dyadsim()
            .arg("run")
            .arg(&scn)
            .arg("--out")
            .arg(&out)
            .arg("--quiet")
            .arg("--threads")
            .arg("2")
            .assert()
            .success();
        let folder = out.join(format!("h{months}"));
        let mut scanned = 0;
        for e in std::fs::read_dir(&folder).unwrap() {
            let path = e.unwrap().path();
            if path.extension().is_some_and(|x| x == "csv") {
                let text = std::fs::read_to_string(&path).unwrap();
                for (i, line) in text.lines().enumerate() {
                    for cell in line.split(',') {
                        let c = cell.trim_matches('"').to_ascii_lowercase();
                        assert!(
                            !matches!(c.as_str(), "nan" | "inf" | "-inf" | "+inf" | "infinity"),
                            "{}:{}: {cell}",
                            path.display(),
                            i + 1
                        );
                    }
                }
                scanned += 1;
            }
        }
        assert!(scanned >= 4, "{months} months: only {scanned} CSV files");
    }
}
