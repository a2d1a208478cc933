//! A population of dyads through the real binary: parameters with distributions in
//! `[params]` are drawn once per run, written to `runs.csv` and told by `dyadsim trace`; bad
//! distributions are refused with a located error before anything is written; the thread
//! count cannot change a byte.

use std::path::Path;

use tempfile::TempDir;

mod common;
use common::{dyadsim, run, write};

const POPULATION: &str = r#"
[scenario]
name = "pop"
seed = 11
replications = 300
months = 24

[output]
plots = false

[params.supplier]
capability = { dist = "beta", a = 2, b = 5 }
experience = { dist = "normal", mean = 0.3, sd = 0.2, min = 0.0, max = 0.8 }
cash = { dist = "lognormal", mu = 5, sigma = 0.5 }

[params.buyer]
engagement = { dist = "uniform", from = 0.2, to = 0.6 }
champion = { dist = "triangular", min = 0.0, mode = 0.2, max = 1.0 }

[params.mechanisms]
lock_in = { dist = "choice", values = [true, false], weights = [3, 1] }

[sweep.buyer]
engagement = { values = [0.2, 0.8] }
"#;

/// The drawn columns of `runs.csv`, in parameter-table order (`buyer.engagement` is swept,
/// so the sweep's values win and it is not drawn).
const DRAWN: [&str; 5] = [
    "supplier.capability",
    "supplier.experience",
    "supplier.cash",
    "buyer.champion",
    "mechanisms.lock_in",
];

fn runs_csv(dir: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let rows = lines
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect();
    (header, rows)
}

#[test]
fn drawn_parameters_are_columns_of_runs_csv_and_told_by_trace() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "pop.toml", POPULATION);
    run(&scn, tmp.path(), &[]);
    let (header, rows) = runs_csv(&tmp.path().join("pop"));
    assert_eq!(rows.len(), 600);
    let n = header.len();
    assert_eq!(&header[n - DRAWN.len()..], DRAWN);
    assert_eq!(header[3], "buyer.engagement");
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let values = |name: &str| -> Vec<f64> {
        rows.iter()
            .map(|r| r[col(name)].parse::<f64>().unwrap())
            .collect()
    };
    let bounds = [
        ("supplier.capability", 0.0, 1.0),
        ("supplier.experience", 0.0, 0.8),
        ("supplier.cash", 0.0, 1e9),
        ("buyer.champion", 0.0, 1.0),
        ("mechanisms.lock_in", 0.0, 1.0),
    ];
    for (name, lo, hi) in bounds {
        let v = values(name);
        assert!(v.iter().all(|x| *x >= lo && *x <= hi), "{name}");
        let distinct = v
            .iter()
            .map(|x| x.to_bits())
            .collect::<std::collections::BTreeSet<_>>();
        assert!(distinct.len() > 1, "{name} is not drawn per run");
    }
    assert!(
        values("mechanisms.lock_in")
            .iter()
            .all(|x| *x == 0.0 || *x == 1.0)
    );
    let mean_cap = values("supplier.capability").iter().sum::<f64>() / 600.0;
    assert!((mean_cap - 2.0 / 7.0).abs() < 0.03, "{mean_cap}");

    // `dyadsim trace --point P --rep R` tells the same draws as the row of that run.
    let row = &rows[300 + 7];
    assert_eq!(row[0], "1");
    assert_eq!(row[1], "7");
    let out = dyadsim()
        .arg("trace")
        .arg(&scn)
        .args(["--point", "1", "--rep", "7"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.starts_with("Drawn for this run:\n"), "{text}");
    for name in DRAWN {
        let line = format!("  {name} = {}\n", row[col(name)]);
        assert!(text.contains(&line), "{line:?} not in {text}");
    }
    assert!(text.contains(&format!("seed {}", row[2])), "{text}");
    // The CSV trace stays a plain table; the draws go to standard error.
    let out = dyadsim()
        .arg("trace")
        .arg(&scn)
        .args(["--point", "1", "--rep", "7", "--csv"])
        .assert()
        .success();
    let csv = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let plain = dyadsim()
        .args(["trace", "--seed", "1", "--csv"])
        .assert()
        .success();
    let plain = String::from_utf8_lossy(&plain.get_output().stdout).to_string();
    assert_eq!(csv.lines().next(), plain.lines().next());
    let width = csv.lines().next().unwrap().split(',').count();
    assert!(csv.lines().all(|l| l.split(',').count() == width));
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("Drawn for this run:"), "{err}");

    // `dyadsim check` lists the distributions.
    let out = dyadsim().arg("check").arg(&scn).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        text.contains("drawn supplier.capability ~ {\"dist\":\"beta\",\"a\":2.0,\"b\":5.0}"),
        "{text}"
    );
    assert!(!text.contains("drawn buyer.engagement"), "{text}");
}

#[test]
fn thread_count_does_not_change_a_byte_with_distributions() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "pop.toml", POPULATION);
    run(&scn, &tmp.path().join("one"), &["--threads", "1"]);
    run(&scn, &tmp.path().join("two"), &["--threads", "2"]);
    for f in ["runs.csv", "timeseries.csv", "summary.csv", "points.csv"] {
        let a = std::fs::read(tmp.path().join("one/pop").join(f)).unwrap();
        let b = std::fs::read(tmp.path().join("two/pop").join(f)).unwrap();
        assert!(a == b, "{f} differs between thread counts");
    }
    // A distribution is part of the scenario: changing it changes the hash.
    let other = write(
        tmp.path(),
        "other.toml",
        &POPULATION.replace("a = 2, b = 5", "a = 2, b = 4"),
    );
    run(&other, &tmp.path().join("three"), &[]);
    let hash = |d: &str| {
        let m: serde_json::Value = serde_json::from_slice(
            &std::fs::read(tmp.path().join(d).join("pop/manifest.json")).unwrap(),
        )
        .unwrap();
        m["scenario_hash"].as_str().unwrap().to_string()
    };
    assert_eq!(hash("one"), hash("two"));
    assert_ne!(hash("one"), hash("three"));
}

/// `text` (a `[params.supplier]` line) is refused: exit 1, an error naming the file, the
/// line and `words`, and no output directory.
fn refused(line: &str, words: &[&str]) {
    let tmp = TempDir::new().unwrap();
    let text = format!("[scenario]\nname = \"x\"\n\n[params.supplier]\n{line}\n");
    let path = write(tmp.path(), "bad.toml", &text);
    let out = dyadsim()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .failure();
    assert_eq!(out.get_output().status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    assert!(err.contains("bad.toml:5:"), "{err}");
    assert!(err.contains("`supplier.capability`"), "{err}");
    for w in words {
        assert!(err.contains(w), "expected {w:?} in: {err}");
    }
    assert!(
        !tmp.path().join("out").exists(),
        "no output may be written for bad input"
    );
}

#[test]
fn bad_distributions_are_refused_before_anything_is_written() {
    refused(
        "capability = { dist = \"beta\", a = 2, bb = 5 }",
        &["bad.toml:5:38:", "`bb`", "did you mean `b`?"],
    );
    refused(
        "capability = { dist = \"beta\", a = 0, b = 5 }",
        &["bad.toml:5:31:", "`a` = 0", "> 0"],
    );
    refused(
        "capability = { dist = \"normal\", mean = 0.5, sd = 0.1 }",
        &["`min`", "`max`", "0 ..= 1"],
    );
    refused(
        "capability = { dist = \"gauss\", mean = 0.5, sd = 0.1 }",
        &["unknown distribution `gauss`"],
    );
}

/// A zip sweep whose first and last levels of `supplier.experience` are distributions: a
/// case pack giving each design point its own population.
const ZIP: &str = r#"
[scenario]
name = "zip"
seed = 3
replications = 120
months = 12

[output]
plots = false

[params.supplier]
capability = { dist = "beta", a = 2, b = 5 }

[sweep]
design = "zip"

[sweep.supplier]
experience = { values = [{ dist = "beta", a = 3, b = 7 }, 0.5, { dist = "uniform", from = 0.6, to = 0.95 }] }
"#;

#[test]
fn a_sweep_level_that_is_a_distribution_is_drawn_per_run_at_its_point() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "zip.toml", ZIP);
    run(&scn, &tmp.path().join("one"), &["--threads", "1"]);
    run(&scn, &tmp.path().join("two"), &["--threads", "2"]);
    for f in ["runs.csv", "timeseries.csv", "summary.csv", "points.csv"] {
        let a = std::fs::read(tmp.path().join("one/zip").join(f)).unwrap();
        let b = std::fs::read(tmp.path().join("two/zip").join(f)).unwrap();
        assert!(a == b, "{f} differs between thread counts");
    }
    let dir = tmp.path().join("one/zip");
    let (header, rows) = runs_csv(&dir);
    assert_eq!(rows.len(), 360);
    let n = header.len();
    // The swept column holds the point's value; the drawn one, last, the run's draw.
    assert_eq!(header[3], "supplier.experience");
    assert_eq!(
        &header[n - 2..],
        ["supplier.capability", "supplier.experience_drawn"]
    );
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let at = |point: &str, name: &str| -> Vec<f64> {
        rows.iter()
            .filter(|r| r[0] == point)
            .map(|r| r[col(name)].parse::<f64>().unwrap())
            .collect()
    };
    let distinct = |v: &[f64]| {
        v.iter()
            .map(|x| x.to_bits())
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    // Point 0: Beta(3, 7), mean 0.3, in the swept column.
    let drawn = at("0", "supplier.experience_drawn");
    assert!(distinct(&drawn) > 100, "drawn per run");
    assert!(drawn.iter().all(|x| (0.0..=1.0).contains(x)));
    let mean = drawn.iter().sum::<f64>() / drawn.len() as f64;
    assert!((mean - 0.3).abs() < 0.05, "{mean}");
    assert!(at("0", "supplier.experience").iter().all(|x| *x == 0.3));
    // Point 1: a plain number stays fixed.
    assert!(
        at("1", "supplier.experience_drawn")
            .iter()
            .all(|x| *x == 0.5)
    );
    assert!(at("1", "supplier.experience").iter().all(|x| *x == 0.5));
    // Point 2: Uniform(0.6, 0.95).
    let drawn = at("2", "supplier.experience_drawn");
    assert!(distinct(&drawn) > 100, "drawn per run");
    assert!(drawn.iter().all(|x| (0.6..0.95).contains(x)));
    // The scenario's own distributions are drawn at every point.
    for point in ["0", "1", "2"] {
        assert!(distinct(&at(point, "supplier.capability")) > 100, "{point}");
    }
    // points.csv gives each point the typical value of its level.
    let points = std::fs::read_to_string(dir.join("points.csv")).unwrap();
    let typical: Vec<f64> = points
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap().parse().unwrap())
        .collect();
    assert_eq!(points.lines().next(), Some("point,supplier.experience"));
    assert_eq!(typical.len(), 3);
    for (got, want) in typical.iter().zip([0.3, 0.5, 0.775]) {
        assert!((got - want).abs() < 1e-12, "{points}");
    }
    // The manifest records the levels' distributions.
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let dists = &m["scenario"]["factors"][0]["dists"];
    assert_eq!(dists[0]["dist"], "beta");
    assert!(dists[1].is_null());
    assert_eq!(dists[2]["dist"], "uniform");

    // `dyadsim trace` tells a point's draw as its row of runs.csv does.
    let row = rows.iter().find(|r| r[0] == "2" && r[1] == "5").unwrap();
    let out = dyadsim()
        .arg("trace")
        .arg(&scn)
        .args(["--point", "2", "--rep", "5"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let line = format!(
        "  supplier.experience = {}\n",
        row[col("supplier.experience_drawn")]
    );
    assert!(text.contains(&line), "{line:?} not in {text}");
}

#[test]
fn a_bad_distribution_among_sweep_values_is_refused_before_anything_is_written() {
    let tmp = TempDir::new().unwrap();
    let text = ZIP.replace("b = 7", "bb = 7");
    let path = write(tmp.path(), "bad.toml", &text);
    let out = dyadsim()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .failure();
    assert_eq!(out.get_output().status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    let line = text.lines().position(|l| l.contains("bb = 7")).unwrap() + 1;
    let col = text.lines().nth(line - 1).unwrap().find("bb").unwrap() + 1;
    assert!(err.contains(&format!("bad.toml:{line}:{col}:")), "{err}");
    assert!(err.contains("`supplier.experience` values[0]"), "{err}");
    assert!(err.contains("did you mean `b`?"), "{err}");
    assert!(!tmp.path().join("out").exists(), "nothing written");
}
