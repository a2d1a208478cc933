//! Snapshots of every output file's columns and of the manifest's keys: a change to a file
//! format shows up here as a reviewed diff (`tests/snapshots/`), never by accident.

use std::path::Path;

use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::dyadsim;

const SCENARIO: &str = r#"
[scenario]
name = "formats"
seed = 5
replications = 20
months = 12

[output]
plots = false

[params.supplier]
capability = { dist = "beta", a = 2, b = 5 }

[sweep]
design = "grid"

[sweep.buyer]
engagement = { values = [0.2, 0.8] }

[[hypothesis]]
id = "H1"
statement = "More engagement, more value"
factor = "buyer.engagement"
levels = [0.2, 0.8]
metric = "value_created"
expect = "increase"
smallest_effect = 1.0
"#;

/// The header line of a CSV file.
fn header(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines().next().unwrap_or_default().replace(',', "\n")
}

/// Every key path of a JSON value, arrays collapsed to `[]`, sorted and deduplicated.
fn key_paths(v: &Value, prefix: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                let p = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                out.push(p.clone());
                key_paths(x, &p, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                key_paths(x, &format!("{prefix}[]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn run_outputs_have_their_documented_columns() {
    let tmp = TempDir::new().unwrap();
    let scn = tmp.path().join("formats.toml");
    std::fs::write(&scn, SCENARIO).unwrap();
    dyadsim()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(tmp.path())
        .arg("--quiet")
        .assert()
        .success();
    let dir = tmp.path().join("formats");
    for f in [
        "runs.csv",
        "points.csv",
        "timeseries.csv",
        "summary.csv",
        "propositions.csv",
        "trajectories.csv",
    ] {
        insta::assert_snapshot!(f, header(&dir.join(f)));
    }
    let manifest: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut keys = Vec::new();
    key_paths(&manifest, "", &mut keys);
    keys.sort();
    keys.dedup();
    insta::assert_snapshot!("manifest_keys", keys.join("\n"));
}

/// Each column of a Parquet file: name, Arrow type, nullability, unit and meaning.
#[cfg(feature = "parquet")]
fn parquet_schema(path: &Path) -> String {
    let f = std::fs::File::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let b = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(f).unwrap();
    b.schema()
        .fields()
        .iter()
        .map(|f| {
            let m = f.metadata();
            let get = |k: &str| m.get(k).map_or("", String::as_str).to_string();
            format!(
                "{}: {}{} [{}] {}",
                f.name(),
                f.data_type(),
                if f.is_nullable() { " (nullable)" } else { "" },
                get("unit"),
                get("meaning")
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(feature = "parquet")]
#[test]
fn parquet_outputs_have_their_documented_schema() {
    let tmp = TempDir::new().unwrap();
    let scn = tmp.path().join("formats.toml");
    std::fs::write(&scn, SCENARIO).unwrap();
    dyadsim()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(tmp.path())
        .args(["--quiet", "--format", "parquet"])
        .assert()
        .success();
    let dir = tmp.path().join("formats");
    for f in [
        "runs.parquet",
        "points.parquet",
        "timeseries.parquet",
        "summary.parquet",
    ] {
        insta::assert_snapshot!(f, parquet_schema(&dir.join(f)));
    }
}

#[test]
fn trace_and_validation_have_their_documented_columns() {
    let out = dyadsim()
        .args(["trace", "--seed", "1", "--csv"])
        .assert()
        .success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    insta::assert_snapshot!(
        "trace.csv",
        text.lines().next().unwrap_or_default().replace(',', "\n")
    );
    let tmp = TempDir::new().unwrap();
    dyadsim()
        .args([
            "validate",
            "success_case",
            "--reps",
            "10",
            "--quiet",
            "--out",
        ])
        .arg(tmp.path())
        .assert()
        .success();
    insta::assert_snapshot!("validation.csv", header(&tmp.path().join("validation.csv")));
}

fn sha256_hex(path: &Path) -> String {
    use sha2::{Digest, Sha256};
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Every file the manifest lists (but itself) exists and has the recorded SHA-256; every
/// file in the directory is listed; provenance names the command line.
fn check_manifest(dir: &Path, command: &str) {
    let m: Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let files: Vec<&str> = m["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(files.last(), Some(&"manifest.json"), "{files:?}");
    let sums = m["sha256"].as_object().unwrap();
    assert_eq!(sums.len(), files.len() - 1, "{files:?}");
    for f in &files[..files.len() - 1] {
        assert_eq!(sums[*f].as_str().unwrap(), sha256_hex(&dir.join(f)), "{f}");
    }
    let mut on_disk = Vec::new();
    for e in walk(dir) {
        on_disk.push(e);
    }
    on_disk.sort();
    let mut listed: Vec<String> = files.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(
        on_disk,
        listed,
        "every file of {} is in its manifest",
        dir.display()
    );
    let p = &m["provenance"];
    assert!(p["git_commit"].as_str().is_some_and(|c| !c.is_empty()));
    assert!(p["rustc"].as_str().unwrap().starts_with("rustc "));
    assert!(!p["target"].as_str().unwrap().is_empty());
    assert_eq!(p["os"].as_str().unwrap(), std::env::consts::OS);
    let args: Vec<&str> = p["command_line"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(args.get(1), Some(&command), "{args:?}");
}

/// Relative paths of the files below `dir`.
fn walk(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    out
}

#[test]
fn manifests_hash_every_file_and_record_provenance() {
    let tmp = TempDir::new().unwrap();
    let scn = tmp.path().join("formats.toml");
    std::fs::write(&scn, SCENARIO.replace("plots = false", "plots = true")).unwrap();
    dyadsim()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(tmp.path())
        .arg("--quiet")
        .assert()
        .success();
    check_manifest(&tmp.path().join("formats"), "run");

    let val = tmp.path().join("val");
    dyadsim()
        .args([
            "validate",
            "success_case",
            "--reps",
            "10",
            "--quiet",
            "--out",
        ])
        .arg(&val)
        .assert()
        .success();
    check_manifest(&val, "validate");

    let prop = tmp.path().join("prop");
    dyadsim()
        .args(["propositions", "--reps", "8", "--quiet", "--out"])
        .arg(&prop)
        .assert()
        .success();
    check_manifest(&prop, "propositions");
}
