//! `dyadsim validate` on the shipped case packs.

use tempfile::TempDir;

mod common;
use common::dyadsim;

/// The verdicts the packs report at their documented replications and seeds. A change
/// here is a change in what the model reproduces: update docs/VALIDATION.md with it.
#[test]
#[ignore = "statistical; run with cargo test --release -- --ignored"]
fn packs_report_their_documented_verdicts() {
    let tmp = TempDir::new().unwrap();
    dyadsim()
        .args(["validate", "--quiet", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let csv = std::fs::read_to_string(tmp.path().join("validation.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let got: Vec<(String, String)> = rdr
        .records()
        .map(|r| {
            let r = r.unwrap();
            (r[1].to_string(), r[12].to_string())
        })
        .collect();
    let expected = [
        ("S1", "pass"),
        ("S2", "pass"),
        ("S3", "inconclusive"),
        ("S4", "pass"),
        ("S5", "inconclusive"),
        ("S6", "pass"),
        ("S7", "inconclusive"),
        ("F1", "pass"),
        ("F2", "pass"),
        ("F3", "pass"),
        ("F4", "fail"),
        ("F5", "pass"),
        ("E1", "pass"),
        ("E2", "inconclusive"),
        ("E3", "pass"),
        ("E4", "pass"),
        ("E5", "fail"),
        ("E6", "pass"),
        ("E7", "pass"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn validate_runs_one_pack_and_writes_csv_and_markdown() {
    let tmp = TempDir::new().unwrap();
    let md = tmp.path().join("V.md");
    let out = dyadsim()
        .args([
            "validate",
            "failure_case",
            "--reps",
            "200",
            "--seed",
            "4",
            "--out",
        ])
        .arg(tmp.path())
        .arg("--markdown")
        .arg(&md)
        .assert()
        .success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(table.contains("F1") && table.contains("F5"), "{table}");
    let csv = std::fs::read_to_string(tmp.path().join("validation.csv")).unwrap();
    assert!(csv.starts_with("pack,id,point,source,description,rule,value,ci_lo,ci_hi,"));
    assert_eq!(csv.lines().count(), 9, "{csv}");
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.contains("## `failure_case.toml`"), "{md}");
}

#[test]
fn a_bad_pattern_names_block_and_key() {
    let tmp = TempDir::new().unwrap();
    let pack = tmp.path().join("p.toml");
    std::fs::write(
        &pack,
        "[scenario]\nname = \"p\"\nreplications = 10\n\n[[pattern]]\nid = \"X\"\nsource = \"s\"\ndescription = \"d\"\nmetric = \"knowledge\"\nrule = \"mean_abov\"\nthreshold = 1\n",
    )
    .unwrap();
    let out = dyadsim()
        .arg("validate")
        .arg(&pack)
        .arg("--out")
        .arg(tmp.path().join("out"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("[[pattern]] `X`"), "{err}");
    assert!(err.contains("did you mean `mean_above`"), "{err}");
    dyadsim()
        .args(["validate", "no_such_pack"])
        .assert()
        .failure();
}
