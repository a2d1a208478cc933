//! `dyadsim calibrate` end to end on a small pack: the files it writes, the same bytes for
//! any thread count and after a kill and `--resume`, the refusals, and the posterior's use
//! by `validate --posterior` and `propositions --posterior`.

mod common;

use std::path::Path;

use common::{assert_refused, assert_same, dyadsim, write};

const PACK: &str = r#"[scenario]
name = "small_pack"
description = "Two dyads for the calibration tests"
seed = 17
replications = 20
months = 48

[sweep]
design = "zip"

[sweep.supplier]
experience = { values = [0.1, 0.7] }

[[pattern]]
id = "K1"
source = "test"
description = "Asymmetry falls within preparation"
metric = "asymmetry"
rule = "falls"
from = "preparation:entry"
to = "preparation:exit"

[[pattern]]
id = "K2"
source = "test"
description = "Only a minority skip execution"
metric = "skipped_execution"
rule = "share_below"
threshold = 0.2

[[pattern]]
id = "K3"
source = "test"
description = "Some relationships skip execution"
metric = "skipped_execution"
rule = "share_above"
threshold = 0.02

[[pattern]]
id = "K4"
source = "test"
description = "Asymmetry falls within execution"
metric = "asymmetry"
rule = "falls"
from = "execution:entry"
to = "execution:exit"

[prior.dynamics]
skip_threshold = { dist = "uniform", from = 0.35, to = 0.8 }
perception_rate = { dist = "uniform", from = 0.1, to = 0.6 }

[calibration]
method = "smc"
held_out = ["K4"]
particles = 40
simulations = 1500
replications = 4
pilot = 20
generations = 4
predictive_draws = 12
predictive_replications = 6
"#;

const FILES: [&str; 4] = [
    "posterior.csv",
    "generations.csv",
    "parameters.csv",
    "predictive.csv",
];

/// `dyadsim calibrate` on `threads` worker threads: one by the `--threads` flag, more by
/// rayon's variable (so that both are compared).
fn calibrate(pack: &Path, out: &Path, threads: &str, extra: &[&str]) {
    let mut cmd = dyadsim();
    if threads == "1" {
        cmd.args(["calibrate", "--threads", "1"]);
    } else {
        cmd.env("RAYON_NUM_THREADS", threads).arg("calibrate");
    }
    cmd.arg(pack)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .assert()
        .success();
}

fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let mut r = csv::Reader::from_path(path).unwrap();
    let mut rows = vec![r.headers().unwrap().iter().map(String::from).collect()];
    for rec in r.records() {
        rows.push(rec.unwrap().iter().map(String::from).collect());
    }
    rows
}

#[test]
fn calibrate_writes_a_weighted_posterior_and_the_predictive_check() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = write(tmp.path(), "pack.toml", PACK);
    let out = tmp.path().join("cal");
    calibrate(&pack, &out, "2", &[]);
    for f in FILES.iter().chain(&[
        "CALIBRATION.md",
        "marginals.png",
        "pairs.svg",
        "manifest.json",
    ]) {
        assert!(out.join(f).exists(), "{f} missing");
    }
    assert!(!out.join("calibration.checkpoint.json").exists());
    let post = csv_rows(&out.join("posterior.csv"));
    assert_eq!(
        post[0],
        [
            "particle",
            "weight",
            "distance",
            "dynamics.perception_rate",
            "dynamics.skip_threshold"
        ]
    );
    assert_eq!(post.len(), 41);
    let w: f64 = post[1..].iter().map(|r| r[1].parse::<f64>().unwrap()).sum();
    assert!((w - 1.0).abs() < 1e-9, "weights sum to {w}");
    for r in &post[1..] {
        let skip: f64 = r[4].parse().unwrap();
        assert!((0.35..=0.8).contains(&skip), "{skip} outside the prior");
    }
    // Tolerances never loosen; generation 0 is the prior (tolerance infinite).
    let gens = csv_rows(&out.join("generations.csv"));
    let eps: Vec<f64> = gens[1..].iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(eps[0].is_infinite());
    assert!(eps.windows(2).all(|w| w[1] <= w[0]), "{eps:?}");
    // Every pattern has a role; the held-out one is checked with a CI.
    let pred = csv_rows(&out.join("predictive.csv"));
    let roles: Vec<(&str, &str)> = pred[1..]
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        roles,
        [
            ("K1", "target"),
            ("K2", "target"),
            ("K3", "target"),
            ("K4", "held out")
        ]
    );
    let k4 = &pred[4];
    let (v, lo, hi): (f64, f64, f64) = (
        k4[4].parse().unwrap(),
        k4[5].parse().unwrap(),
        k4[6].parse().unwrap(),
    );
    assert!(lo <= v && v <= hi, "{k4:?}");
    assert!(["pass", "fail", "inconclusive"].contains(&k4[8].as_str()));
    let md = std::fs::read_to_string(out.join("CALIBRATION.md")).unwrap();
    assert!(md.contains("posterior predictive check"), "{md}");
    assert!(md.contains("dynamics.skip_threshold"));
}

#[test]
fn the_same_bytes_for_any_thread_count_and_after_a_kill_and_resume() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = write(tmp.path(), "pack.toml", PACK);
    let one = tmp.path().join("one");
    let two = tmp.path().join("two");
    calibrate(&pack, &one, "1", &[]);
    calibrate(&pack, &two, "2", &[]);
    assert_same(&one, &two, &FILES);
    // Killed once its first generation is saved, then resumed.
    let three = tmp.path().join("three");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dyadsim"))
        .env("RAYON_NUM_THREADS", "2")
        .arg("calibrate")
        .arg(&pack)
        .arg("--out")
        .arg(&three)
        .arg("--quiet")
        .spawn()
        .unwrap();
    let ckpt = three.join("calibration.checkpoint.json");
    let start = std::time::Instant::now();
    let mut killed = false;
    while start.elapsed() < std::time::Duration::from_secs(120) {
        if ckpt.exists() {
            child.kill().unwrap();
            killed = true;
            break;
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let _ = child.wait();
    if killed && ckpt.exists() {
        // Without --resume the interrupted calibration is not silently replaced.
        let o = dyadsim()
            .arg("calibrate")
            .arg(&pack)
            .arg("--out")
            .arg(&three)
            .arg("--quiet")
            .output()
            .unwrap();
        assert_refused(&o, "--resume");
        eprintln!("killed after its first checkpoint; resumed");
        calibrate(&pack, &three, "1", &["--resume"]);
        assert_same(&one, &three, &FILES);
    } else {
        // The run finished before it could be killed: it is the same all the same.
        eprintln!("the calibration finished before it could be killed");
        assert_same(&one, &three, &FILES);
    }
    // A finished calibration is refused without --overwrite, replaced with it.
    let o = dyadsim()
        .arg("calibrate")
        .arg(&pack)
        .arg("--out")
        .arg(&one)
        .output()
        .unwrap();
    assert_refused(&o, "--overwrite");
    calibrate(&pack, &one, "2", &["--overwrite"]);
    assert_same(&one, &two, &FILES);
}

#[test]
fn bad_calibration_blocks_are_refused_with_their_location() {
    let tmp = tempfile::tempdir().unwrap();
    for (from, to, names) in [
        (
            "held_out = [\"K4\"]",
            "held_out = [\"K9\"]",
            "[calibration] held_out: unknown pattern id `K9`",
        ),
        (
            "held_out = [\"K4\"]",
            "targets = [\"K1\", \"K4\"]\nheld_out = [\"K4\"]",
            "[calibration] pattern `K4` is both a target and held out",
        ),
        (
            "skip_threshold = { dist = \"uniform\", from = 0.35, to = 0.8 }",
            "skip_threshold = { dist = \"uniform\", from = 0.35, to = 1.8 }",
            "skip_threshold",
        ),
        (
            "perception_rate =",
            "perception_rat =",
            "did you mean `dynamics.perception_rate`",
        ),
    ] {
        let text = PACK.replace(from, to);
        assert_ne!(text, PACK);
        // The error is located at the line of the change (the last line of it).
        let at = text.find(to).unwrap() + to.rfind('\n').map_or(0, |i| i + 1);
        let line = text[..at].matches('\n').count() + 1;
        let place = format!("pack.toml:{line}:");
        let pack = write(tmp.path(), "pack.toml", &text);
        let out = tmp.path().join("bad");
        let o = dyadsim()
            .arg("calibrate")
            .arg(&pack)
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap();
        let e = assert_refused(&o, names);
        assert!(e.contains(&place), "{e} (wanted {place})");
        // `dyadsim check` refuses the same file with the same message.
        let c = dyadsim().arg("check").arg(&pack).output().unwrap();
        assert_eq!(assert_refused(&c, names), e);
        assert!(!out.join("posterior.csv").exists());
    }
    // A pack without a [calibration] block.
    let o = dyadsim()
        .args(["calibrate", "success_case", "--out"])
        .arg(tmp.path().join("none"))
        .output()
        .unwrap();
    assert_refused(&o, "no [calibration] block");
}

#[test]
fn the_posterior_feeds_validate_and_propositions() {
    let tmp = tempfile::tempdir().unwrap();
    let pack = write(tmp.path(), "pack.toml", PACK);
    let out = tmp.path().join("cal");
    calibrate(&pack, &out, "2", &[]);
    let post = out.join("posterior.csv");
    let v = tmp.path().join("v");
    dyadsim()
        .arg("validate")
        .arg(&pack)
        .arg("--posterior")
        .arg(&post)
        .args(["--draws", "8", "--reps", "4", "--quiet", "--out"])
        .arg(&v)
        .assert()
        .success();
    let rows = csv_rows(&v.join("validation_posterior.csv"));
    assert_eq!(rows.len(), 5);
    for r in &rows[1..] {
        let counts: u64 = r[4..7].iter().map(|c| c.parse::<u64>().unwrap()).sum();
        assert_eq!(counts, 8, "{r:?}");
    }
    // A damaged posterior is refused with its name.
    let bad = write(
        tmp.path(),
        "bad.csv",
        "particle,weight,distance,dynamics.skip_treshold\n0,1,0,0.5\n",
    );
    let o = dyadsim()
        .arg("validate")
        .arg(&pack)
        .arg("--posterior")
        .arg(&bad)
        .arg("--out")
        .arg(&v)
        .output()
        .unwrap();
    assert_refused(&o, "bad.csv");
    let p = tmp.path().join("p");
    dyadsim()
        .args(["propositions", "--reps", "40", "--robustness", "3"])
        .args(["--robustness-reps", "20", "--quiet", "--posterior"])
        .arg(&post)
        .arg("--out")
        .arg(&p)
        .assert()
        .success();
    let sets = csv_rows(&p.join("robustness_sets.csv"));
    assert!(
        sets[0].iter().any(|h| h == "dynamics.skip_threshold"),
        "{:?}",
        sets[0]
    );
}

#[test]
#[ignore = "release: calibrates the shipped 18-dyad pack at a small budget"]
fn the_shipped_pack_calibrates_and_checks_its_held_out_patterns() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("e18");
    dyadsim()
        .args(["calibrate", "eighteen_dyads", "--simulations", "3000"])
        .args(["--particles", "100", "--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let pred = csv_rows(&out.join("predictive.csv"));
    let held: Vec<&Vec<String>> = pred[1..].iter().filter(|r| r[1] == "held out").collect();
    let targets = pred[1..].iter().filter(|r| r[1] == "target").count();
    assert!(held.len() >= 5, "{} held out", held.len());
    assert_eq!(held.len() + targets, pred.len() - 1);
    for r in held {
        assert!(
            ["pass", "fail", "inconclusive"].contains(&r[8].as_str()),
            "{r:?}"
        );
        let n: u64 = r[7].parse().unwrap();
        assert!(n > 0, "{r:?}");
    }
    let params = csv_rows(&out.join("parameters.csv"));
    assert_eq!(params.len() - 1, 12);
    for r in &params[1..] {
        assert!(["true", "false"].contains(&r[10].as_str()), "{r:?}");
    }
    let md = std::fs::read_to_string(out.join("CALIBRATION.md")).unwrap();
    assert!(md.contains("Held-out patterns: posterior predictive check"));
}
