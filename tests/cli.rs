//! Integration tests that run the real `dyadsim` binary on real scenario files.

use std::path::Path;

use tempfile::TempDir;

mod common;
use common::{assert_same, crash, dyadsim, run, write};

const SWEEP: &str = r#"
[scenario]
name = "t"
seed = 99
replications = 600
months = 48

[sweep]
design = "grid"

[sweep.buyer]
engagement = { values = [0.2, 0.5, 0.8] }
"#;

const OUTPUTS: [&str; 5] = [
    "runs.csv",
    "timeseries.csv",
    "summary.csv",
    "points.csv",
    "trajectories.csv",
];

/// The percentile columns of `timeseries.csv` hold values for the metrics with a spread
/// (so that comparing files compares them) and `NA` for the phase shares.
fn assert_has_percentiles(dir: &Path) {
    let ts = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    let mut lines = ts.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (metric, p10, p50, p90) = (col("metric"), col("p10"), col("p50"), col("p90"));
    let (mut with, mut shares) = (0, 0);
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        let p: Vec<&str> = [p10, p50, p90].iter().map(|&c| cells[c]).collect();
        match cells[metric] {
            "asymmetry" | "supplier_trust" | "supplier_cash" => {
                let x: Vec<f64> = p.iter().map(|v| v.parse().unwrap()).collect();
                assert!(x[0] <= x[1] && x[1] <= x[2], "{line}");
                with += 1;
            }
            m if m.starts_with("phase_") => {
                assert_eq!(p, ["NA", "NA", "NA"], "{line}");
                shares += 1;
            }
            _ => {}
        }
    }
    assert!(with > 0 && shares > 0);
}

#[test]
fn baseline_without_arguments_writes_outputs() {
    let tmp = TempDir::new().unwrap();
    dyadsim().current_dir(tmp.path()).assert().success();
    let dir = tmp.path().join("output/baseline");
    for f in ["runs.csv", "timeseries.csv", "summary.csv", "manifest.json"] {
        assert!(dir.join(f).is_file(), "{f} missing");
    }
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["scenario_name"], "baseline");
    assert_eq!(m["runs"], 2000);
    assert!(m["scenario_hash"].as_str().unwrap().len() == 16);
    let summary = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    assert!(summary.starts_with("point,outcome,mean,sd,ci_lo,ci_hi,n\n"));
    // 0/1 outcomes have Wilson intervals within 0–1.
    for line in summary
        .lines()
        .filter(|l| l.contains(",supplier_insolvency,"))
    {
        let c: Vec<f64> = line
            .split(',')
            .skip(2)
            .map(|v| v.parse().unwrap())
            .collect();
        assert!(
            0.0 <= c[2] && c[2] <= c[0] && c[0] <= c[3] && c[3] <= 1.0,
            "{line}"
        );
        assert!(c[3] > 0.0, "{line}");
    }
    let ts = std::fs::read_to_string(dir.join("timeseries.csv")).unwrap();
    assert!(ts.starts_with("point,month,metric,mean,sd,ci_lo,ci_hi,n,p10,p50,p90\n"));
    assert_has_percentiles(&dir);
    // Five runs of point 0, with the seeds of the first rows of runs.csv.
    let runs = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let seeds: Vec<&str> = runs
        .lines()
        .skip(1)
        .take(5)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    let traj = std::fs::read_to_string(dir.join("trajectories.csv")).unwrap();
    let mut seen: Vec<&str> = traj
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    seen.dedup();
    assert_eq!(seen, seeds);
    // Figures and the report come with the run.
    let report = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(
        report.contains("plots/trajectories.png"),
        "no trajectories figure"
    );
    for f in ["asymmetry", "trajectories", "phases", "appropriation"] {
        assert!(dir.join(format!("plots/{f}.png")).is_file(), "{f}.png");
        assert!(dir.join(format!("plots/{f}.svg")).is_file(), "{f}.svg");
    }
    // `dyadsim plot` redraws them from the CSV files alone.
    std::fs::remove_dir_all(dir.join("plots")).unwrap();
    std::fs::remove_file(dir.join("report.html")).unwrap();
    dyadsim().arg("plot").arg(&dir).assert().success();
    assert!(dir.join("report.html").is_file());
    assert!(dir.join("plots/asymmetry.png").is_file());
    dyadsim()
        .arg("plot")
        .arg(tmp.path().join("no/such/dir"))
        .assert()
        .failure();
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", SWEEP);
    run(&scn, &tmp.path().join("one"), &["--threads", "1"]);
    run(&scn, &tmp.path().join("two"), &["--threads", "2"]);
    assert_has_percentiles(&tmp.path().join("one/t"));
    assert_same(
        &tmp.path().join("one/t"),
        &tmp.path().join("two/t"),
        &OUTPUTS,
    );
}

#[test]
fn merged_shards_equal_the_unsharded_run() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", SWEEP);
    run(&scn, &tmp.path().join("all"), &[]);
    run(&scn, &tmp.path().join("s1"), &["--shard", "1/2"]);
    run(
        &scn,
        &tmp.path().join("s2"),
        &["--shard", "2/2", "--threads", "1"],
    );
    dyadsim()
        .arg("merge")
        .arg(tmp.path().join("s2/t"))
        .arg(tmp.path().join("s1/t"))
        .arg("--out")
        .arg(tmp.path().join("merged"))
        .assert()
        .success();
    assert_has_percentiles(&tmp.path().join("merged"));
    assert_same(
        &tmp.path().join("all/t"),
        &tmp.path().join("merged"),
        &OUTPUTS,
    );
    assert!(tmp.path().join("merged/manifest.json").is_file());
}

#[test]
fn merge_refuses_shards_of_different_seeds() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", SWEEP);
    run(&scn, &tmp.path().join("s1"), &["--shard", "1/2"]);
    run(
        &scn,
        &tmp.path().join("s2"),
        &["--shard", "2/2", "--seed", "5"],
    );
    let out = dyadsim()
        .arg("merge")
        .arg(tmp.path().join("s1/t"))
        .arg(tmp.path().join("s2/t"))
        .arg("--out")
        .arg(tmp.path().join("merged"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("different"), "{err}");
    assert!(!tmp.path().join("merged/manifest.json").exists());
}

#[test]
fn killed_run_resumes_to_identical_output() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", SWEEP);
    run(&scn, &tmp.path().join("full"), &["--threads", "1"]);
    let crashed = tmp.path().join("crash");
    // Crash after the third chunk (a hard abort, as a kill would leave it).
    crash(&scn, &crashed, "3");
    let dir = crashed.join("t");
    assert!(dir.join("checkpoint.json").is_file());
    assert!(
        !dir.join("manifest.json").exists(),
        "a crashed run must not look complete"
    );
    assert!(!dir.join("runs.csv").exists());
    assert!(!dir.join("summary.csv").exists());
    dyadsim()
        .args(["run", "--quiet", "--resume", "--threads", "2", "--out"])
        .arg(&crashed)
        .arg(&scn)
        .assert()
        .success();
    assert_same(&tmp.path().join("full/t"), &dir, &OUTPUTS);
    assert!(!dir.join("checkpoint.json").exists());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["resumed"], true);
}

fn bad(text: Option<&str>, expect: &[&str]) {
    let tmp = TempDir::new().unwrap();
    let path = match text {
        Some(t) => write(tmp.path(), "bad.toml", t),
        None => tmp.path().join("missing.toml"),
    };
    let out = dyadsim()
        .arg("run")
        .arg(&path)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    for e in expect {
        assert!(err.contains(e), "expected {e:?} in: {err}");
    }
    assert_eq!(out.get_output().status.code(), Some(1));
    assert!(
        !tmp.path().join("out").exists(),
        "no output may be written for bad input"
    );
}

#[test]
fn unknown_key_names_file_line_column_and_suggests() {
    bad(
        Some("[scenario]\nname = \"x\"\n\n[params.buyer]\nengagment = 0.5\n"),
        &[
            "bad.toml:5:1",
            "engagment",
            "did you mean `buyer.engagement`",
        ],
    );
    bad(
        Some("[scenario]\nname = \"x\"\nsed = 3\n"),
        &["bad.toml:3:1", "did you mean `seed`"],
    );
    bad(
        Some("[scenario]\nname = \"x\"\n[sweep.buyer]\nchampoin = { values = [0.1] }\n"),
        &["bad.toml:4:1", "did you mean `buyer.champion`"],
    );
}

#[test]
fn out_of_range_value_names_the_range() {
    bad(
        Some("[scenario]\nname = \"x\"\n[params.dynamics]\nexit_hazard = 1.5\n"),
        &["bad.toml:4:1", "dynamics.exit_hazard", "allowed 0 ..= 1"],
    );
    bad(
        Some("[scenario]\nname = \"x\"\n[params.power]\nlevel_low = 0.6\n"),
        &["power.level_low", "power.level_high"],
    );
}

#[test]
fn missing_file_names_the_path() {
    bad(None, &["missing.toml", "cannot read"]);
}

#[test]
fn syntax_error_shows_the_line() {
    bad(
        Some("[scenario]\nname = \"x\"\nreplications = = 3\n"),
        &["bad.toml:3:"],
    );
}

#[test]
fn check_prints_the_design_without_running() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", SWEEP);
    let out = dyadsim().arg("check").arg(&scn).assert().success();
    let s = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(
        s.contains("3 design point(s) x 600 replications = 1800 runs"),
        "{s}"
    );
    assert!(!tmp.path().join("output").exists());
}

#[test]
fn params_lists_every_parameter() {
    let out = dyadsim().arg("params").assert().success();
    let s = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    for spec in dyadsim::model::PARAM_SPECS {
        assert!(s.contains(spec.path), "{} missing", spec.path);
    }
}

#[test]
fn trace_tells_one_run_and_gives_csv() {
    let out = dyadsim().args(["trace", "--seed", "3"]).assert().success();
    let s = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(s.contains("preparation starts"), "{s}");
    assert!(s.contains("End: "), "{s}");
    let out = dyadsim()
        .args(["trace", "--seed", "3", "--csv"])
        .assert()
        .success();
    let s = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(s.starts_with("month,phase,asymmetry,level,"), "{s}");
    assert!(s.lines().count() > 2);
    dyadsim().args(["trace", "--point", "7"]).assert().failure();
}

#[test]
fn a_closed_pipe_ends_quietly() {
    use std::io::Read;
    use std::process::{Command as Std, Stdio};
    let tmp = TempDir::new().unwrap();
    // A long trajectory: far more output than a pipe buffer holds.
    let scn = write(
        tmp.path(),
        "long.toml",
        "[scenario]\nname = \"long\"\nmonths = 1200\n[params.mechanisms]\nexit = false\n",
    );
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("dyadsim"))
        .args(["trace", "--csv"])
        .arg(&scn)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 64];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The read end is dropped here, as `| head` would.
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(0), "{err}");
}
