//! `dyadsim slurm`: the batch scripts it writes, its checks, and the scripts run by `sh`
//! the way SLURM runs them (the real cluster test is `tests/slurm/run.sh`).

use std::path::{Path, PathBuf};

use tempfile::TempDir;

mod common;
use common::{assert_same, dyadsim, write};

const SWEEP: &str = r#"
[scenario]
name = "t"
seed = 99
replications = 600
months = 48

[output]
plots = false

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

/// A temporary folder whose path has a space in it.
fn spaced() -> (TempDir, PathBuf) {
    let tmp = TempDir::new().unwrap();
    let dir = tmp.path().join("my sims");
    std::fs::create_dir(&dir).unwrap();
    (tmp, dir)
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const EXPECTED_ARRAY: &str = r#"#!/bin/sh
# dyadsim scenario `t` as a SLURM array job: task K runs shard K of 4.
# Written by `dyadsim slurm`. Submit with the merge job, from this folder:
#   jid=$(sbatch --parsable array.sh)
#   sbatch --dependency=afterok:$jid merge.sh
# Every task runs with --resume: a fresh task starts from the beginning, and a
# failed task K continues from its checkpoint when submitted again with
#   jid=$(sbatch --parsable --array=K array.sh)
#   sbatch --dependency=afterok:$jid merge.sh
#SBATCH --job-name=dyadsim-t
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
#SBATCH --partition=short
#SBATCH --time=01:30:00
#SBATCH --mem=2G
#SBATCH --output='DIR/out/t-slurm/logs/array-%A_%a.out'
set -eu
exec /opt/dyadsim/bin/dyadsim run 'DIR/t.toml' \
  --shard "$SLURM_ARRAY_TASK_ID/4" \
  --out 'DIR/out/t-slurm/shards'/"$SLURM_ARRAY_TASK_ID" \
  --threads "${SLURM_CPUS_PER_TASK:-1}" --resume
"#;

const EXPECTED_MERGE: &str = r#"#!/bin/sh
# dyadsim scenario `t`: merges the 4 shards of array.sh into one output,
# equal byte for byte to an unsharded run. Written by `dyadsim slurm`; submit it
# once every array task has succeeded:
#   sbatch --dependency=afterok:<array job id> merge.sh
#SBATCH --job-name=dyadsim-t-merge
#SBATCH --cpus-per-task=2
#SBATCH --partition=short
#SBATCH --time=01:30:00
#SBATCH --mem=2G
#SBATCH --output='DIR/out/t-slurm/logs/merge-%j.out'
set -eu
shards='DIR/out/t-slurm/shards'
set --
k=1
while [ "$k" -le 4 ]; do
  set -- "$@" "$shards/$k/t"
  k=$((k + 1))
done
exec /opt/dyadsim/bin/dyadsim merge "$@" --overwrite --out 'DIR/out/t'
"#;

fn slurm(dir: &Path, scn: &Path, extra: &[&str]) -> assert_cmd::assert::Assert {
    dyadsim()
        .current_dir(dir)
        .arg("slurm")
        .arg(scn)
        .args(extra)
        .assert()
}

#[test]
fn scripts_are_the_expected_text_with_quoted_absolute_paths() {
    let (_tmp, dir) = spaced();
    write(&dir, "t.toml", SWEEP);
    // Relative paths on the command line become absolute in the scripts.
    let args = [
        "--tasks",
        "4",
        "--cpus-per-task",
        "2",
        "--partition",
        "short",
        "--time",
        "01:30:00",
        "--mem",
        "2G",
        "--out",
        "out",
        "--dyadsim",
        "/opt/dyadsim/bin/dyadsim",
    ];
    let out = slurm(&dir, Path::new("t.toml"), &args).success();
    let stdout = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let d = dir.to_str().unwrap();
    let job = dir.join("out/t-slurm");
    let array = read(&job.join("array.sh"));
    let merge = read(&job.join("merge.sh"));
    assert_eq!(array, EXPECTED_ARRAY.replace("DIR", d));
    assert_eq!(merge, EXPECTED_MERGE.replace("DIR", d));
    // What the issue asks for, spelled out.
    assert!(array.contains("#SBATCH --array=1-4\n"));
    assert!(array.contains("--shard \"$SLURM_ARRAY_TASK_ID/4\""));
    assert!(array.contains(&format!("'{d}/t.toml'")), "{array}");
    assert!(d.contains(' '));
    assert!(
        stdout.contains("jid=$(sbatch --parsable array.sh)\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("sbatch --dependency=afterok:$jid merge.sh\n"),
        "{stdout}"
    );
    assert!(stdout.contains("--array=K"), "{stdout}");
    assert!(
        stdout.contains(&format!("cd '{d}/out/t-slurm'")),
        "{stdout}"
    );
    assert!(
        job.join("logs").is_dir(),
        "the log folder must exist before jobs start"
    );
    // The same options give the same bytes.
    slurm(&dir, Path::new("t.toml"), &args).success();
    assert_eq!(read(&job.join("array.sh")), array);
    assert_eq!(read(&job.join("merge.sh")), merge);
}

#[test]
fn scripts_call_the_running_executable_by_default() {
    let (_tmp, dir) = spaced();
    let scn = write(&dir, "t.toml", SWEEP);
    slurm(&dir, &scn, &["--tasks", "2"]).success();
    let array = read(&dir.join("output/t-slurm/array.sh"));
    let exe = std::fs::canonicalize(assert_cmd::cargo::cargo_bin("dyadsim")).unwrap();
    let exe = exe.to_str().unwrap();
    assert!(exe.starts_with('/'));
    assert!(
        array.contains(&format!("exec {exe} run "))
            || array.contains(&format!("exec '{exe}' run ")),
        "{array}"
    );
    // No resource lines that were not asked for.
    assert!(
        !array.contains("--partition") && !array.contains("--time") && !array.contains("--mem")
    );
}

#[test]
fn bad_scenario_gives_the_located_error_and_writes_nothing() {
    let (_tmp, dir) = spaced();
    let scn = write(
        &dir,
        "bad.toml",
        "[scenario]\nname = \"x\"\n\n[params.buyer]\nengagment = 0.5\n",
    );
    let out = slurm(&dir, &scn, &["--tasks", "4", "--out", "out"]).failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("bad.toml:5:1"), "{err}");
    assert!(err.contains("did you mean `buyer.engagement`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.get_output().status.code(), Some(1));
    assert!(
        !dir.join("out").exists(),
        "nothing may be written for a bad scenario"
    );
    let missing = slurm(
        &dir,
        &dir.join("missing.toml"),
        &["--tasks", "4", "--out", "out"],
    )
    .failure();
    let err = String::from_utf8_lossy(&missing.get_output().stderr).to_string();
    assert!(
        err.contains("missing.toml") && err.contains("cannot read"),
        "{err}"
    );
    assert!(!dir.join("out").exists());
}

#[test]
fn bad_options_are_refused_and_write_nothing() {
    let (_tmp, dir) = spaced();
    let scn = write(&dir, "t.toml", SWEEP);
    for (args, expect) in [
        (&["--tasks", "0"][..], "--tasks must be at least 1"),
        (
            &["--tasks", "2", "--cpus-per-task", "0"][..],
            "--cpus-per-task must be at least 1",
        ),
        (
            &["--tasks", "2", "--time", ""][..],
            "--time must not be empty",
        ),
        (&["--tasks", "2", "--mem", "4G\n#SBATCH --x"][..], "--mem"),
        (&["--tasks", "2", "--partition", "a b"][..], "--partition"),
    ] {
        let out = slurm(&dir, &scn, &[args, &["--out", "out"]].concat()).failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(
            err.contains(expect),
            "{args:?}: expected {expect:?} in {err}"
        );
        assert_eq!(out.get_output().status.code(), Some(1), "{args:?}: {err}");
        assert!(!dir.join("out").exists(), "{args:?} wrote files");
    }
}

#[test]
fn more_tasks_than_chunks_is_a_warning() {
    let (_tmp, dir) = spaced();
    let scn = write(&dir, "t.toml", SWEEP);
    // 3 points x 600 replications = 3 x 3 chunks.
    let out = slurm(&dir, &scn, &["--tasks", "12"]).success();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(
        err.contains("warning: 12 tasks but the scenario has only 9 chunks"),
        "{err}"
    );
    assert!(dir.join("output/t-slurm/array.sh").is_file());
}

#[test]
fn resume_without_a_checkpoint_is_a_normal_run() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", SWEEP);
    for (out, extra) in [("plain", None), ("resume", Some("--resume"))] {
        dyadsim()
            .arg("run")
            .arg(&scn)
            .args(["--quiet", "--threads", "2", "--out"])
            .arg(tmp.path().join(out))
            .args(extra)
            .assert()
            .success();
    }
    assert_same(
        &tmp.path().join("plain/t"),
        &tmp.path().join("resume/t"),
        &OUTPUTS,
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("resume/t/manifest.json")).unwrap())
            .unwrap();
    assert_eq!(m["resumed"], false);
}

/// The scripts run by `sh` as SLURM would run them (one process per array task with
/// `SLURM_ARRAY_TASK_ID` set, then the merge), with one task crashing and submitted again:
/// the merged output equals an unsharded run.
#[cfg(unix)]
#[test]
fn scripts_run_by_sh_resume_and_merge_to_the_unsharded_output() {
    let (_tmp, dir) = spaced();
    let scn = write(&dir, "t.toml", SWEEP);
    // 9 chunks: task 1 runs chunks 0..4, task 2 chunks 4..9.
    slurm(&dir, &scn, &["--tasks", "2"]).success();
    dyadsim()
        .arg("run")
        .arg(&scn)
        .args(["--quiet", "--out"])
        .arg(dir.join("whole"))
        .assert()
        .success();
    let job = dir.join("output/t-slurm");
    let task = |k: u32, abort: Option<&str>| {
        let mut c = std::process::Command::new("sh");
        c.arg(job.join("array.sh"))
            .env("SLURM_ARRAY_TASK_ID", k.to_string())
            .env("SLURM_CPUS_PER_TASK", "1")
            .env_remove("DYADSIM_ABORT_AFTER_CHUNKS");
        if let Some(a) = abort {
            c.env("DYADSIM_ABORT_AFTER_CHUNKS", a);
        }
        c.output().unwrap()
    };
    let o = task(1, None);
    assert!(
        o.status.success(),
        "task 1: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    // Task 2 crashes after its first batch of 4 chunks (one thread), leaving a checkpoint.
    let o = task(2, Some("1"));
    assert!(!o.status.success(), "task 2 should have crashed");
    let shard2 = job.join("shards/2/t");
    assert!(shard2.join("checkpoint.json").is_file());
    assert!(!shard2.join("manifest.json").exists());
    // Submitted again, it continues from the checkpoint.
    let o = task(2, None);
    assert!(
        o.status.success(),
        "task 2 again: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(shard2.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(m["resumed"], true);
    let o = std::process::Command::new("sh")
        .arg(job.join("merge.sh"))
        .output()
        .unwrap();
    assert!(
        o.status.success(),
        "merge: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_same(&dir.join("whole/t"), &dir.join("output/t"), &OUTPUTS);
}

#[test]
fn set_overrides_reach_every_task_and_are_validated_first() {
    let (_tmp, dir) = spaced();
    write(&dir, "t.toml", SWEEP);
    let args = [
        "--tasks",
        "2",
        "--out",
        "out",
        "--set",
        "buyer.champion=0.7",
        "--set",
        "scenario.description=a b's",
    ];
    slurm(&dir, Path::new("t.toml"), &args).success();
    let array = read(&dir.join("out/t-slurm/array.sh"));
    assert!(array.contains("  --set buyer.champion=0.7 \\\n"), "{array}");
    assert!(
        array.contains(r"  --set 'scenario.description=a b'\''s' \"),
        "{array}"
    );
    let bad = ["--tasks", "2", "--out", "bad", "--set", "buyer.champion=7"];
    let err = slurm(&dir, Path::new("t.toml"), &bad).failure().code(1);
    let text = String::from_utf8_lossy(&err.get_output().stderr).to_string();
    assert!(text.contains("out of range"), "{text}");
    assert!(!dir.join("bad").exists());
}
