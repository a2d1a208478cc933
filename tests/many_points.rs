//! Designs of many points stream through the runner (issue 12): their summaries are the
//! same bytes whatever the thread count, the shard split and the resume point, merges
//! complete the points that neighbouring shards share, and per-point time series are off
//! by default beyond `TIMESERIES_POINTS` design points.

use std::path::Path;

use tempfile::TempDir;

mod common;
use common::{assert_same, crash, dyadsim, json, run, sealed_body, sealed_json, stderr_of, write};

/// 2,000 design points of one short run each; time series not mentioned (so off).
const MANY: &str = r#"
[scenario]
name = "m"
seed = 11
replications = 1
months = 24

[sweep]
design = "lhs"
samples = 2000

[sweep.buyer]
engagement = { range = { from = 0.1, to = 0.9 } }

[sweep.supplier]
experience = { range = { from = 0.0, to = 1.0 } }

[output]
runs = true
plots = false
"#;

/// 7 design points of 600 runs: 3 chunks a point, so most shard boundaries cut a point.
const SPLIT: &str = r#"
[scenario]
name = "m"
seed = 5
replications = 600
months = 24

[sweep]
design = "grid"

[sweep.buyer]
engagement = { range = { from = 0.1, to = 0.9, steps = 7 } }

[output]
runs = true
timeseries = true
plots = false
"#;

const TABLES: [&str; 3] = ["points.csv", "summary.csv", "runs.csv"];
const WITH_SERIES: [&str; 5] = [
    "points.csv",
    "summary.csv",
    "runs.csv",
    "timeseries.csv",
    "trajectories.csv",
];

fn lines(path: &Path) -> usize {
    std::fs::read_to_string(path).unwrap().lines().count()
}

/// Run `shards` shards of `scn` (alternating 1 and 2 threads) and merge them into `out`.
fn sharded(tmp: &Path, scn: &Path, shards: u64, extra: &[&str], out: &Path) {
    let mut merge = dyadsim();
    merge.arg("merge");
    for k in 1..=shards {
        let dir = tmp.join(format!("s{k}"));
        let threads = if k % 2 == 0 { "2" } else { "1" };
        let shard = format!("{k}/{shards}");
        let mut args = vec!["--shard", &shard, "--threads", threads];
        args.extend_from_slice(extra);
        run(scn, &dir, &args);
        merge.arg(dir.join("m"));
    }
    merge.arg("--out").arg(out).assert().success();
}

#[test]
fn many_points_are_the_same_bytes_on_one_and_two_threads() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "m.toml", MANY);
    let a = dyadsim()
        .args(["run", "--quiet", "--threads", "1", "--out"])
        .arg(tmp.path().join("one"))
        .arg(&scn)
        .assert()
        .success();
    // The time series were switched off by the rule, and the run says so on one line.
    let err = stderr_of(&a);
    let notes: Vec<&str> = err.lines().filter(|l| l.starts_with("note:")).collect();
    assert_eq!(notes.len(), 1, "{err}");
    assert!(
        notes[0].contains("2000 design points")
            && notes[0].contains("timeseries = true")
            && notes[0].contains("summary = \"long\""),
        "{err}"
    );
    run(&scn, &tmp.path().join("two"), &["--threads", "2"]);
    let one = tmp.path().join("one/m");
    assert_same(&one, &tmp.path().join("two/m"), &TABLES);
    assert!(!one.join("timeseries.csv").exists());
    assert!(!one.join("trajectories.csv").exists());
    assert_eq!(lines(&one.join("points.csv")), 2001);
    assert_eq!(lines(&one.join("runs.csv")), 2001);
    // The wide summary: one row per point, in point order.
    let summary = std::fs::read_to_string(one.join("summary.csv")).unwrap();
    let header = summary.lines().next().unwrap();
    assert!(
        header.starts_with("point,buyer.engagement,supplier.experience,runs,dissolved,"),
        "{header}"
    );
    let points: Vec<usize> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap().parse().unwrap())
        .collect();
    assert_eq!(points, (0..2000).collect::<Vec<_>>());
}

/// The cells of a long `summary.csv`'s text as `(point, outcome) -> mean`.
fn long_means(text: &str) -> std::collections::HashMap<(String, String), String> {
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |c: &str| head.iter().position(|h| *h == c).unwrap();
    let (p, o, m) = (col("point"), col("outcome"), col("mean"));
    lines
        .map(|l| {
            let cells: Vec<&str> = l.split(',').collect();
            (
                (cells[p].to_string(), cells[o].to_string()),
                cells[m].to_string(),
            )
        })
        .collect()
}

#[test]
fn the_wide_summary_holds_the_long_summarys_means() {
    let tmp = TempDir::new().unwrap();
    // Points cut by shard boundaries, several replications a point, both layouts.
    let wide = SPLIT.replace("plots = false", "plots = false\nsummary = \"wide\"");
    let scn = write(tmp.path(), "m.toml", &wide);
    run(&scn, &tmp.path().join("all"), &["--threads", "2"]);
    let merged = tmp.path().join("merged");
    sharded(tmp.path(), &scn, 3, &[], &merged);
    assert_same(&tmp.path().join("all/m"), &merged, &WITH_SERIES);
    let long = write(tmp.path(), "l.toml", SPLIT);
    run(&long, &tmp.path().join("long"), &["--threads", "1"]);
    let means =
        long_means(&std::fs::read_to_string(tmp.path().join("long/m/summary.csv")).unwrap());
    let text = std::fs::read_to_string(tmp.path().join("all/m/summary.csv")).unwrap();
    let mut lines = text.lines();
    let head: Vec<&str> = lines.next().unwrap().split(',').collect();
    assert_eq!(&head[..3], ["point", "buyer.engagement", "runs"]);
    let outcomes = &head[3..];
    assert_eq!(outcomes.len() * 7, means.len());
    let mut cells = 0;
    for (i, line) in lines.enumerate() {
        let row: Vec<&str> = line.split(',').collect();
        assert_eq!(row.len(), head.len(), "{line}");
        assert_eq!(row[0], i.to_string());
        assert_eq!(row[2], "600");
        for (o, v) in outcomes.iter().zip(&row[3..]) {
            assert_eq!(means[&(i.to_string(), o.to_string())], *v, "point {i}, {o}");
            cells += 1;
        }
    }
    assert_eq!(cells, means.len());
    // The other tables do not depend on the layout.
    assert_same(
        &tmp.path().join("long/m"),
        &tmp.path().join("all/m"),
        &["points.csv", "runs.csv", "timeseries.csv"],
    );
    // The scenario hash tells the layouts apart, so a resume or merge across them is refused.
    let hash = |d: &str| json(&tmp.path().join(d).join("m/manifest.json"))["scenario_hash"].clone();
    assert_ne!(hash("long"), hash("all"));
}

#[test]
fn many_points_merge_from_three_shards_to_the_unsharded_run() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "m.toml", MANY);
    run(&scn, &tmp.path().join("all"), &["--threads", "2"]);
    let merged = tmp.path().join("merged");
    sharded(tmp.path(), &scn, 3, &[], &merged);
    assert_same(&tmp.path().join("all/m"), &merged, &TABLES);
    // A shard's state holds no aggregates of the points it wrote whole.
    let text = sealed_body(&tmp.path().join("s2/m/shard.json"));
    assert!(text.len() < 16 * 1024, "{} bytes", text.len());
    let st: serde_json::Value = serde_json::from_slice(&text).unwrap();
    assert!(st["head"].is_null() && st["tail"].is_null(), "{st}");
    assert_eq!(st["whole"], serde_json::json!([666, 1333]));
}

#[test]
fn points_cut_by_shard_boundaries_merge_exactly() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "m.toml", SPLIT);
    run(&scn, &tmp.path().join("all"), &["--threads", "2"]);
    // 21 chunks in 3 shards (7 each) cut points 2 and 4; in 16 shards of 1 or 2 chunks,
    // shard 2 (chunk 1) lies inside point 0, which shards 1 to 3 share.
    for shards in [3, 16] {
        let root = tmp.path().join(format!("n{shards}"));
        let merged = root.join("merged");
        sharded(&root, &scn, shards, &[], &merged);
        assert_same(&tmp.path().join("all/m"), &merged, &WITH_SERIES);
    }
    let st: serde_json::Value = sealed_json(&tmp.path().join("n3/s2/m/shard.json"));
    assert_eq!(st["head"][0], 2, "{}", st["head"]);
    assert_eq!(st["tail"][0], 4, "{}", st["tail"]);
    assert_eq!(st["whole"], serde_json::json!([3, 4]));
    let st: serde_json::Value = sealed_json(&tmp.path().join("n16/s2/m/shard.json"));
    assert_eq!(st["head"][0], 0, "{}", st["head"]);
    assert!(st["tail"].is_null(), "{}", st["tail"]);
    assert_eq!(st["whole"], serde_json::json!([1, 1]));
}

#[test]
fn parquet_shards_merge_to_the_unsharded_parquet_files() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "m.toml", SPLIT);
    let pq = ["--format", "parquet"];
    run(&scn, &tmp.path().join("all"), &pq);
    let merged = tmp.path().join("merged");
    sharded(tmp.path(), &scn, 3, &pq, &merged);
    assert_same(
        &tmp.path().join("all/m"),
        &merged,
        &[
            "points.parquet",
            "summary.parquet",
            "timeseries.parquet",
            "runs.parquet",
        ],
    );
    assert!(!merged.join("summary.csv").exists());
    assert!(!merged.join("summary.csv.partial").exists());
}

#[test]
fn killed_many_point_run_resumes_to_identical_output() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "m.toml", MANY);
    run(&scn, &tmp.path().join("full"), &["--threads", "1"]);
    let crashed = tmp.path().join("crash");
    // Stopped after its second batch of chunks, as a crash would leave it.
    crash(&scn, &crashed, "600");
    let dir = crashed.join("m");
    let text = sealed_body(&dir.join("checkpoint.json"));
    // Bounded whatever the number of points (the old runner saved every point's aggregates).
    assert!(text.len() < 16 * 1024, "{} bytes", text.len());
    let ckpt: serde_json::Value = serde_json::from_slice(&text).unwrap();
    let next = ckpt["next_chunk"].as_u64().unwrap();
    assert!(next > 0 && next < 2000, "{next}");
    // The checkpoint holds the lengths of the tables and at most one point begun.
    assert!(ckpt["tables"]["summary"].as_u64().unwrap() > 0);
    assert!(!dir.join("summary.csv").exists());
    assert!(!dir.join("manifest.json").exists());
    // Rows past the checkpoint (written before the crash) are cut away on resume.
    for f in ["summary.csv.partial", "points.csv.partial"] {
        let mut bytes = std::fs::read(dir.join(f)).unwrap();
        bytes.extend_from_slice(b"999,garbage\n");
        std::fs::write(dir.join(f), bytes).unwrap();
    }
    run(&scn, &crashed, &["--resume", "--threads", "2"]);
    assert_same(&tmp.path().join("full/m"), &dir, &TABLES);
    let m = json(&dir.join("manifest.json"));
    assert_eq!(m["resumed"], true);
    // The digests kept while writing are those of the files.
    let sum = dyadsim::output::manifest::sha256_file(&dir.join("summary.csv")).unwrap();
    assert_eq!(m["sha256"]["summary.csv"], sum.as_str());
}

#[test]
fn a_point_begun_before_a_crash_is_finished_after_it() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "m.toml", SPLIT);
    run(&scn, &tmp.path().join("full"), &["--threads", "2"]);
    let crashed = tmp.path().join("crash");
    // One thread runs batches of 4 chunks: the crash lands inside point 1.
    crash(&scn, &crashed, "4");
    let dir = crashed.join("m");
    let ckpt = sealed_json(&dir.join("checkpoint.json"));
    assert_eq!(ckpt["open"][0], 1, "{}", ckpt["open"]);
    run(&scn, &crashed, &["--resume"]);
    assert_same(&tmp.path().join("full/m"), &dir, &WITH_SERIES);
}

#[test]
fn time_series_asked_for_are_written_for_many_points() {
    let tmp = TempDir::new().unwrap();
    let text = MANY.replace("samples = 2000", "samples = 600").replace(
        "runs = true",
        "runs = false\ntimeseries = true\nsummary = \"long\"",
    );
    let scn = write(tmp.path(), "m.toml", &text);
    let a = dyadsim()
        .args(["run", "--quiet", "--out"])
        .arg(tmp.path().join("o"))
        .arg(&scn)
        .assert()
        .success();
    assert!(!stderr_of(&a).contains("note:"), "{}", stderr_of(&a));
    // 600 points x 24 months x (trajectory metrics + 4 phase shares), and a header.
    let rows = lines(&tmp.path().join("o/m/timeseries.csv")) - 1;
    assert_eq!(rows % (600 * 24), 0, "{rows}");
    assert!(rows / (600 * 24) > 4);
}
