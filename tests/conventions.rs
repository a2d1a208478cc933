//! Command-line conventions: progress lines in logs, `--set`, `init`, `schema`,
//! completions and manual page, `--strict`, and `trace --point --rep`.

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{dyadsim, stderr_of, write};

const SWEEP: &str = r#"
[scenario]
name = "conv"
seed = 42
replications = 300
months = 24

[output]
plots = false

[sweep]
design = "grid"

[sweep.buyer]
engagement = { values = [0.2, 0.8] }
"#;

#[test]
fn plain_progress_lines_when_stderr_is_not_a_terminal() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "conv.toml", SWEEP);
    let a = dyadsim()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(tmp.path())
        .env("DYADSIM_PROGRESS_SECONDS", "0")
        .assert()
        .success();
    let err = stderr_of(&a);
    let lines: Vec<&str> = err
        .lines()
        .filter(|l| l.starts_with("progress: "))
        .collect();
    assert!(lines.len() >= 2, "{err}");
    assert!(lines[0].starts_with("progress: 0/600 runs (0.0%)"), "{err}");
    assert!(
        lines
            .last()
            .unwrap()
            .starts_with("progress: 600/600 runs (100.0%)"),
        "{err}"
    );
    assert!(lines.iter().all(|l| l.contains("runs/s, ETA")), "{err}");
    let a = dyadsim()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(tmp.path())
        .arg("--quiet")
        .arg("--overwrite")
        .env("DYADSIM_PROGRESS_SECONDS", "0")
        .assert()
        .success();
    assert!(!stderr_of(&a).contains("progress:"));
}

#[test]
fn set_overrides_are_validated_recorded_and_merge_cleanly() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "conv.toml", SWEEP);
    let sets = [
        "--set",
        "supplier.capability=0.6",
        "--set",
        "scenario.replications=100",
    ];
    let run = |out: &Path, extra: &[&str]| {
        dyadsim()
            .arg("run")
            .arg(&scn)
            .arg("--out")
            .arg(out)
            .arg("--quiet")
            .args(sets)
            .args(extra)
            .assert()
            .success();
    };
    let whole = tmp.path().join("whole");
    run(&whole, &[]);
    let dir = whole.join("conv");
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["scenario"]["base"]["supplier"]["capability"], 0.6);
    assert_eq!(m["replications"], 100);
    let rows = std::fs::read_to_string(dir.join("runs.csv"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(rows, 1 + 2 * 100);
    // Shards of the same --set merge to the same bytes.
    for k in ["1/2", "2/2"] {
        run(&tmp.path().join(format!("s{}", &k[..1])), &["--shard", k]);
    }
    let merged = tmp.path().join("merged");
    dyadsim()
        .arg("merge")
        .arg(tmp.path().join("s1/conv"))
        .arg(tmp.path().join("s2/conv"))
        .arg("--out")
        .arg(&merged)
        .assert()
        .success();
    for f in ["runs.csv", "summary.csv", "timeseries.csv", "points.csv"] {
        assert_eq!(
            std::fs::read(dir.join(f)).unwrap(),
            std::fs::read(merged.join(f)).unwrap(),
            "{f}"
        );
    }
    // Bad overrides: one located message, nothing written.
    for (arg, want) in [
        ("buyer.champoin=0.5", "did you mean `buyer.champion`"),
        ("buyer.champion=1.5", "out of range"),
        ("buyer.champion=high", "must be a number"),
        ("scenario.replications=0", "replications"),
        ("nonsense", "PATH=VALUE"),
    ] {
        let out = tmp.path().join("bad");
        let a = dyadsim()
            .arg("run")
            .arg(&scn)
            .arg("--out")
            .arg(&out)
            .args(["--set", arg])
            .assert()
            .failure()
            .code(1);
        let err = stderr_of(&a);
        assert!(err.contains(want), "{arg}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(!out.exists(), "{arg}: nothing written");
    }
}

#[test]
fn init_writes_a_template_that_runs() {
    let tmp = TempDir::new().unwrap();
    dyadsim()
        .args(["init", "my_study", "--dir"])
        .arg(tmp.path())
        .assert()
        .success();
    let file = tmp.path().join("my_study.toml");
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(
        text.contains("# champion = 0.5"),
        "every parameter is listed"
    );
    dyadsim().arg("check").arg(&file).assert().success();
    dyadsim()
        .arg("run")
        .arg(&file)
        .args([
            "--reps",
            "20",
            "--quiet",
            "--set",
            "output.plots=false",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    assert!(tmp.path().join("my_study/summary.csv").is_file());
    // Never overwrites; a bad name is refused.
    let a = dyadsim()
        .args(["init", "my_study", "--dir"])
        .arg(tmp.path())
        .assert()
        .failure();
    assert!(stderr_of(&a).contains("exists"));
    let a = dyadsim()
        .args(["init", "bad name", "--dir"])
        .arg(tmp.path())
        .assert()
        .failure();
    assert!(stderr_of(&a).contains("name"));
}

#[test]
fn schema_lists_every_parameter_with_its_range() {
    let out = dyadsim().arg("schema").assert().success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    let params = &v["properties"]["params"]["properties"];
    for s in dyadsim::model::PARAM_SPECS {
        let mut parts = s.path.split('.');
        let mut node = &params[parts.next().unwrap()];
        for part in parts {
            node = &node["properties"][part];
        }
        assert!(node.is_object(), "{} missing", s.path);
        if s.kind != dyadsim::model::ParamKind::Switch {
            assert_eq!(node["minimum"], s.min, "{}", s.path);
            assert_eq!(node["maximum"], s.max, "{}", s.path);
        }
    }
    assert!(v["properties"]["hypothesis"]["items"]["properties"]["smallest_effect"].is_object());
    // A sweep's levels may be distributions, of the kinds the parameter takes.
    let sweep = &v["properties"]["sweep"]["properties"];
    let level = |sec: &str, key: &str| {
        sweep[sec]["properties"][key]["properties"]["values"]["items"]["anyOf"][1]["$ref"].clone()
    };
    assert_eq!(level("supplier", "experience"), "#/$defs/distribution");
    assert_eq!(level("mechanisms", "lock_in"), "#/$defs/choice_switch");
}

#[test]
fn completions_and_manual_page() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = dyadsim().args(["completions", shell]).assert().success();
        let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
        assert!(
            text.contains("dyadsim") && text.contains("propositions"),
            "{shell}"
        );
    }
    let out = dyadsim().arg("man").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(text.contains(".TH dyadsim 1"), "{text}");
    assert!(text.contains("validate"));
}

#[test]
fn strict_fails_on_failed_patterns_and_contradicted_hypotheses() {
    let tmp = TempDir::new().unwrap();
    let pack = write(
        tmp.path(),
        "pack.toml",
        r#"
[scenario]
name = "strict"
seed = 3
replications = 200
months = 24

[[pattern]]
id = "IMPOSSIBLE"
source = "test"
description = "Value created is negative on average"
metric = "value_created"
rule = "mean_below"
threshold = -1000.0

[[pattern]]
id = "FINE"
source = "test"
description = "Value created is not below -1000"
metric = "value_created"
rule = "mean_above"
threshold = -1000.0
"#,
    );
    let out = tmp.path().join("v");
    dyadsim()
        .arg("validate")
        .arg(&pack)
        .args(["--quiet", "--out"])
        .arg(&out)
        .assert()
        .success();
    let a = dyadsim()
        .arg("validate")
        .arg(&pack)
        .args(["--quiet", "--strict", "--out"])
        .arg(&out)
        .assert()
        .failure()
        .code(1);
    let err = stderr_of(&a);
    assert!(
        err.contains("--strict: 1 pattern(s) failed: IMPOSSIBLE"),
        "{err}"
    );
    assert!(
        out.join("validation.csv").is_file(),
        "results are still written"
    );
    // `--strict` on the battery fails exactly when some hypothesis is contradicted (which
    // ones are depends on the model: read them from the results it writes).
    let dir = tmp.path().join("p");
    let a = dyadsim()
        .args([
            "propositions",
            "--reps",
            "60",
            "--quiet",
            "--strict",
            "--out",
        ])
        .arg(&dir)
        .assert();
    let csv = std::fs::read_to_string(dir.join("propositions.csv")).unwrap();
    let contradicted = csv.lines().filter(|l| l.ends_with(",contradicted")).count();
    if contradicted > 0 {
        let a = a.failure().code(1);
        assert!(
            stderr_of(&a).contains("contradicted: "),
            "{}",
            stderr_of(&a)
        );
    } else {
        a.success();
    }
}

#[test]
fn trace_replays_a_run_by_point_and_replication() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "conv.toml", SWEEP);
    dyadsim()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(tmp.path())
        .arg("--quiet")
        .assert()
        .success();
    let runs = std::fs::read_to_string(tmp.path().join("conv/runs.csv")).unwrap();
    let header: Vec<&str> = runs.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let row: Vec<&str> = runs
        .lines()
        .find(|l| l.starts_with("1,7,"))
        .unwrap()
        .split(',')
        .collect();
    let seed = row[col("seed")];
    let by_rep = dyadsim()
        .arg("trace")
        .arg(&scn)
        .args(["--point", "1", "--rep", "7", "--csv"])
        .assert()
        .success();
    let by_seed = dyadsim()
        .arg("trace")
        .arg(&scn)
        .args(["--point", "1", "--seed", seed, "--csv"])
        .assert()
        .success();
    assert_eq!(by_rep.get_output().stdout, by_seed.get_output().stdout);
    // The replayed run ends with the value runs.csv recorded.
    let text = String::from_utf8_lossy(&by_rep.get_output().stdout).to_string();
    let th: Vec<&str> = text.lines().next().unwrap().split(',').collect();
    let last: Vec<&str> = text.lines().last().unwrap().split(',').collect();
    let vc = th.iter().position(|h| *h == "value_created").unwrap();
    assert_eq!(last[vc], row[col("value_created")]);
    dyadsim()
        .arg("trace")
        .arg(&scn)
        .args(["--rep", "1", "--seed", "3"])
        .assert()
        .failure();
}
