//! Parquet output through the real binary: the same scenario and seed give the same bytes
//! of every Parquet file (and CSV file) whatever the thread count, the shard split and
//! merge, or a crash and resume; the values equal the CSV files'; figures and the report
//! are drawn from Parquet files alone.
#![cfg(feature = "parquet")]

use std::fs::File;
use std::path::Path;

use arrow_array::{Array, Float64Array, StringArray, UInt32Array, UInt64Array};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use tempfile::TempDir;

mod common;
use common::{assert_same, dyadsim, run, write};

/// 69,000 runs: more than one row group of `runs.parquet` (32,768 rows each), so row group
/// boundaries fall inside shards, batches and the resumed part of a run.
const SWEEP: &str = r#"
[scenario]
name = "t"
seed = 99
replications = 23000
months = 12

[output]
plots = false

[params.supplier]
capability = { dist = "beta", a = 2, b = 5 }

[params.mechanisms]
lock_in = { dist = "choice", values = [true, false], weights = [3, 1] }

[sweep]
design = "grid"

[sweep.buyer]
engagement = { values = [0.2, 0.5, 0.8] }
"#;

const PARQUET: [&str; 4] = [
    "runs.parquet",
    "timeseries.parquet",
    "summary.parquet",
    "points.parquet",
];
const CSV: [&str; 4] = ["runs.csv", "timeseries.csv", "summary.csv", "points.csv"];

fn all_files() -> Vec<&'static str> {
    PARQUET.iter().chain(CSV.iter()).copied().collect()
}

#[test]
fn thread_count_does_not_change_a_byte() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", SWEEP);
    run(
        &scn,
        &tmp.path().join("one"),
        &["--threads", "1", "--format", "both"],
    );
    run(
        &scn,
        &tmp.path().join("two"),
        &["--threads", "2", "--format", "both"],
    );
    assert_same(
        &tmp.path().join("one/t"),
        &tmp.path().join("two/t"),
        &all_files(),
    );
    // Full row groups of runs.parquet, then the rest.
    let f = File::open(tmp.path().join("one/t/runs.parquet")).unwrap();
    let meta = ParquetRecordBatchReaderBuilder::try_new(f)
        .unwrap()
        .metadata()
        .clone();
    let rows: Vec<i64> = meta.row_groups().iter().map(|g| g.num_rows()).collect();
    let g = dyadsim::output::parquet::ROW_GROUP_ROWS as i64;
    let mut expect = vec![g; (69_000 / g) as usize];
    expect.push(69_000 % g);
    assert_eq!(rows, expect);
    assert!(rows.len() >= 2);
    // No spill file is left behind.
    assert!(!tmp.path().join("one/t/runs.bin.partial").exists());
}

#[test]
fn merged_shards_equal_the_unsharded_run() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", SWEEP);
    run(&scn, &tmp.path().join("all"), &["--format", "both"]);
    run(
        &scn,
        &tmp.path().join("s1"),
        &["--shard", "1/2", "--format", "both"],
    );
    run(
        &scn,
        &tmp.path().join("s2"),
        &["--shard", "2/2", "--threads", "1", "--format", "both"],
    );
    dyadsim()
        .arg("merge")
        .arg(tmp.path().join("s2/t"))
        .arg(tmp.path().join("s1/t"))
        .arg("--out")
        .arg(tmp.path().join("merged"))
        .assert()
        .success();
    assert_same(
        &tmp.path().join("all/t"),
        &tmp.path().join("merged"),
        &all_files(),
    );
}

#[test]
fn parquet_only_shards_merge_and_formats_must_agree() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", &SWEEP.replace("23000", "300"));
    run(&scn, &tmp.path().join("all"), &["--format", "parquet"]);
    for k in 1..=3 {
        let shard = format!("{k}/3");
        let out = tmp.path().join(format!("s{k}"));
        run(&scn, &out, &["--shard", &shard, "--format", "parquet"]);
    }
    let mut merge = dyadsim();
    merge.arg("merge");
    for k in 1..=3 {
        merge.arg(tmp.path().join(format!("s{k}/t")));
    }
    merge
        .arg("--out")
        .arg(tmp.path().join("merged"))
        .assert()
        .success();
    assert_same(
        &tmp.path().join("all/t"),
        &tmp.path().join("merged"),
        &PARQUET,
    );
    assert!(!tmp.path().join("merged/runs.csv").exists());
    // A CSV shard does not merge with Parquet shards.
    run(&scn, &tmp.path().join("c3"), &["--shard", "3/3"]);
    let out = dyadsim()
        .arg("merge")
        .arg(tmp.path().join("s1/t"))
        .arg(tmp.path().join("s2/t"))
        .arg(tmp.path().join("c3/t"))
        .arg("--out")
        .arg(tmp.path().join("mixed"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("different formats"), "{err}");
}

#[test]
fn killed_run_resumes_to_identical_output() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", SWEEP);
    run(
        &scn,
        &tmp.path().join("full"),
        &["--threads", "1", "--format", "both"],
    );
    let crashed = tmp.path().join("crash");
    dyadsim()
        // 152 chunks of 250 runs: past the first row group of runs.parquet, which the
        // crashed run encoded and the resumed one encodes again from the spill.
        .env("DYADSIM_ABORT_AFTER_CHUNKS", "150")
        .args([
            "run",
            "--quiet",
            "--threads",
            "1",
            "--format",
            "both",
            "--out",
        ])
        .arg(&crashed)
        .arg(&scn)
        .assert()
        .failure();
    let dir = crashed.join("t");
    assert!(dir.join("checkpoint.json").is_file());
    assert!(dir.join("runs.bin.partial").is_file());
    for f in all_files().iter().chain(["manifest.json"].iter()) {
        assert!(!dir.join(f).exists(), "{f} must not exist after a crash");
    }
    // A kill lands after the checkpoint: rows past it are in the partial files and must be
    // cut away on resume.
    for f in ["runs.bin.partial", "runs.csv.partial"] {
        let mut bytes = std::fs::read(dir.join(f)).unwrap();
        bytes.extend(std::iter::repeat_n(0xAB, 1000));
        std::fs::write(dir.join(f), bytes).unwrap();
    }
    // Resuming with another format is refused.
    let out = dyadsim()
        .args(["run", "--quiet", "--resume", "--format", "parquet", "--out"])
        .arg(&crashed)
        .arg(&scn)
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("--format both"), "{err}");
    dyadsim()
        .args([
            "run",
            "--quiet",
            "--resume",
            "--threads",
            "2",
            "--format",
            "both",
            "--out",
        ])
        .arg(&crashed)
        .arg(&scn)
        .assert()
        .success();
    assert_same(&tmp.path().join("full/t"), &dir, &all_files());
    assert!(!dir.join("checkpoint.json").exists());
    assert!(!dir.join("runs.bin.partial").exists());
}

/// Every value of `file.parquet` as the CSV file of the same run writes it.
fn parquet_as_csv(file: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let b = ParquetRecordBatchReaderBuilder::try_new(File::open(file).unwrap()).unwrap();
    let names: Vec<String> = b
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    let mut rows = Vec::new();
    for batch in b.build().unwrap() {
        let batch = batch.unwrap();
        for i in 0..batch.num_rows() {
            let row = batch
                .columns()
                .iter()
                .map(|a| {
                    if a.is_null(i) {
                        return "NA".to_string();
                    }
                    let any = a.as_any();
                    if let Some(x) = any.downcast_ref::<Float64Array>() {
                        dyadsim::output::num(x.value(i))
                    } else if let Some(x) = any.downcast_ref::<UInt64Array>() {
                        x.value(i).to_string()
                    } else if let Some(x) = any.downcast_ref::<UInt32Array>() {
                        x.value(i).to_string()
                    } else {
                        let x = any.downcast_ref::<StringArray>().expect("a string column");
                        x.value(i).to_string()
                    }
                })
                .collect();
            rows.push(row);
        }
    }
    (names, rows)
}

#[test]
fn values_types_and_metadata_match_the_csv_files() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "t.toml", &SWEEP.replace("23000", "400"));
    run(&scn, tmp.path(), &["--format", "both"]);
    let dir = tmp.path().join("t");
    for (pq, csv) in PARQUET.iter().zip(CSV) {
        let (names, rows) = parquet_as_csv(&dir.join(pq));
        let text = std::fs::read_to_string(dir.join(csv)).unwrap();
        let mut lines = text.lines();
        assert_eq!(names.join(","), lines.next().unwrap(), "{pq}: columns");
        let csv_rows: Vec<&str> = lines.collect();
        assert_eq!(rows.len(), csv_rows.len(), "{pq}: rows");
        for (r, line) in rows.iter().zip(&csv_rows) {
            assert_eq!(&r.join(","), line, "{pq}");
        }
    }
    let schema_of = |f: &str| {
        let b = ParquetRecordBatchReaderBuilder::try_new(File::open(dir.join(f)).unwrap()).unwrap();
        b.schema().clone()
    };
    let runs = schema_of("runs.parquet");
    let ty = |name: &str| runs.field_with_name(name).unwrap().data_type().clone();
    assert_eq!(ty("point"), DataType::UInt32);
    assert_eq!(ty("replication"), DataType::UInt64);
    assert_eq!(ty("seed"), DataType::UInt64);
    assert_eq!(ty("buyer.engagement"), DataType::Float64);
    assert_eq!(ty("final_phase"), DataType::Utf8);
    assert_eq!(ty("value_created"), DataType::Float64);
    assert_eq!(ty("level_execution_exit"), DataType::Utf8);
    // The drawn parameters, last.
    assert_eq!(ty("supplier.capability"), DataType::Float64);
    assert_eq!(ty("mechanisms.lock_in"), DataType::Float64);
    let n = runs.fields().len();
    assert_eq!(runs.field(n - 2).name(), "supplier.capability");
    assert_eq!(runs.field(n - 1).name(), "mechanisms.lock_in");
    assert_eq!(
        schema_of("timeseries.parquet")
            .field_with_name("month")
            .unwrap()
            .data_type(),
        &DataType::UInt32
    );
    // Seeds beyond 2^53 are kept exactly.
    let (_, rows) = parquet_as_csv(&dir.join("runs.parquet"));
    assert!(rows.iter().any(|r| r[2].parse::<u64>().unwrap() > 1 << 53));
    for f in PARQUET {
        for field in schema_of(f).fields() {
            let m = field.metadata();
            for key in ["unit", "meaning"] {
                let v = m.get(key).map(String::as_str).unwrap_or("");
                assert!(!v.is_empty(), "{f}: {} has no {key}", field.name());
            }
        }
    }
    let vc = runs
        .field_with_name("value_created")
        .unwrap()
        .metadata()
        .clone();
    assert_eq!(vc.get("unit").map(String::as_str), Some("kEUR"));
    let eng = runs
        .field_with_name("buyer.engagement")
        .unwrap()
        .metadata()
        .clone();
    assert_eq!(eng.get("unit").map(String::as_str), Some("share"));
}

#[test]
fn figures_and_report_come_from_parquet_files_alone() {
    let tmp = TempDir::new().unwrap();
    let text = SWEEP
        .replace("23000", "200")
        .replace("plots = false", "plots = true");
    let scn = write(tmp.path(), "t.toml", &text);
    run(&scn, &tmp.path().join("pq"), &["--format", "parquet"]);
    run(&scn, &tmp.path().join("csv"), &[]);
    let pq = tmp.path().join("pq/t");
    for f in CSV {
        assert!(!pq.join(f).exists(), "{f} written with format parquet");
    }
    // A CSV run into the same folder removes the Parquet tables, and back.
    run(
        &scn,
        &tmp.path().join("pq"),
        &["--format", "csv", "--overwrite"],
    );
    for (c, p) in CSV.iter().zip(PARQUET) {
        assert!(pq.join(c).exists() && !pq.join(p).exists(), "{c} / {p}");
    }
    run(
        &scn,
        &tmp.path().join("pq"),
        &["--format", "parquet", "--overwrite"],
    );
    for (c, p) in CSV.iter().zip(PARQUET) {
        assert!(!pq.join(c).exists() && pq.join(p).exists(), "{c} / {p}");
    }
    assert!(pq.join("report.html").is_file());
    // The same figures as from the CSV files, pixel for pixel.
    let csv = tmp.path().join("csv/t");
    let mut figures: Vec<String> = std::fs::read_dir(csv.join("plots"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    figures.sort();
    assert!(
        figures.iter().any(|f| f == "appropriation.svg"),
        "{figures:?}"
    );
    for f in &figures {
        assert_same(&csv.join("plots"), &pq.join("plots"), &[f.as_str()]);
    }
}

#[test]
fn an_unknown_format_names_the_choices() {
    let out = dyadsim()
        .args(["run", "--quiet", "--format", "xml"])
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("\"csv\", \"parquet\", \"both\""), "{err}");
}

#[test]
fn sweep_levels_that_are_distributions_match_the_csv_files() {
    let tmp = TempDir::new().unwrap();
    let text = r#"
[scenario]
name = "z"
seed = 9
replications = 50
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
    let scn = write(tmp.path(), "z.toml", text);
    run(
        &scn,
        &tmp.path().join("one"),
        &["--format", "both", "--threads", "1"],
    );
    run(
        &scn,
        &tmp.path().join("two"),
        &["--format", "both", "--threads", "2"],
    );
    assert_same(
        &tmp.path().join("one/z"),
        &tmp.path().join("two/z"),
        &all_files(),
    );
    let dir = tmp.path().join("one/z");
    let (names, rows) = parquet_as_csv(&dir.join("runs.parquet"));
    let csv = std::fs::read_to_string(dir.join("runs.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(names.join(","), lines.next().unwrap());
    assert!(names.ends_with(&[
        "supplier.capability".into(),
        "supplier.experience_drawn".into()
    ]));
    for (r, line) in rows.iter().zip(lines) {
        assert_eq!(&r.join(","), line);
    }
}

#[test]
fn a_wide_summary_has_its_parquet_twin_figures_and_report() {
    let tmp = TempDir::new().unwrap();
    let text = SWEEP
        .replace("23000", "300")
        .replace("plots = false", "plots = true\nsummary = \"wide\"");
    let scn = write(tmp.path(), "t.toml", &text);
    run(&scn, tmp.path(), &["--format", "both"]);
    let dir = tmp.path().join("t");
    let (names, rows) = parquet_as_csv(&dir.join("summary.parquet"));
    let csv = std::fs::read_to_string(dir.join("summary.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(names.join(","), lines.next().unwrap());
    assert_eq!(&names[..3], ["point", "buyer.engagement", "runs"]);
    let csv_rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len(), 3);
    for (r, line) in rows.iter().zip(&csv_rows) {
        assert_eq!(&r.join(","), line);
        assert_eq!(r[2], "300");
    }
    let b =
        ParquetRecordBatchReaderBuilder::try_new(File::open(dir.join("summary.parquet")).unwrap())
            .unwrap();
    let schema = b.schema().clone();
    assert_eq!(
        schema.field_with_name("runs").unwrap().data_type(),
        &DataType::UInt64
    );
    let dual = schema.field_with_name("dual_index").unwrap();
    assert_eq!(dual.data_type(), &DataType::Float64);
    assert!(dual.is_nullable());
    for field in schema.fields() {
        for key in ["unit", "meaning"] {
            let v = field.metadata().get(key).map(String::as_str).unwrap_or("");
            assert!(!v.is_empty(), "{} has no {key}", field.name());
        }
    }
    // The report lists each point's means and says why there is no interval.
    let html = std::fs::read_to_string(dir.join("report.html")).unwrap();
    assert!(html.contains("holds means only"));
    assert!(
        !html.contains("<small>["),
        "an interval the wide summary does not hold"
    );
    assert!(html.contains("<td class=\"num\">"));
    assert!(dir.join("plots/sweep_value_created.svg").is_file());
}
