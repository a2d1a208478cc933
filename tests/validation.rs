//! `dyadsim validate` on the shipped case packs.

use std::path::Path;

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
            (r[1].to_string(), r[13].to_string())
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
        ("S8", "pass"),
        ("S9", "pass"),
        ("F1", "pass"),
        ("F2", "pass"),
        ("F3", "pass"),
        ("F4", "fail"),
        ("F5", "pass"),
        ("F6", "fail"),
        ("F7", "pass"),
        ("F8", "fail"),
        ("E1", "pass"),
        ("E2", "inconclusive"),
        ("E3", "pass"),
        ("E4", "pass"),
        ("E5", "fail"),
        ("E6", "pass"),
        ("E7", "pass"),
        ("D1_prep_entry", "pass"),
        ("D1_prep_exit", "fail"),
        ("D1_prep_falls", "pass"),
        ("D3_prep_entry", "pass"),
        ("D3_prep_exit", "fail"),
        ("D3_prep_falls", "pass"),
        ("D3_integ_entry", "inconclusive"),
        ("D3_integ_exit", "fail"),
        ("D3_integ_falls", "pass"),
        ("D4_prep_entry", "pass"),
        ("D4_prep_exit", "fail"),
        ("D4_prep_falls", "pass"),
        ("D4_exec_entry", "pass"),
        ("D4_exec_exit", "pass"),
        ("D4_exec_falls", "pass"),
        ("D4_exec_reset", "pass"),
        ("D5_exec_entry", "fail"),
        ("D5_exec_exit", "fail"),
        ("D5_exec_falls", "pass"),
        ("D6_prep_entry", "pass"),
        ("D6_prep_exit", "fail"),
        ("D6_prep_falls", "pass"),
        ("D6_integ_entry", "fail"),
        ("D6_integ_exit", "fail"),
        ("D6_integ_falls", "pass"),
        ("D9_integ_entry", "pass"),
        ("D9_integ_exit", "fail"),
        ("D9_integ_falls", "pass"),
        ("D10_prep_entry", "pass"),
        ("D10_prep_exit", "fail"),
        ("D10_prep_falls", "pass"),
        ("D12_integ_entry", "pass"),
        ("D12_integ_exit", "fail"),
        ("D12_integ_falls", "pass"),
        ("D13_exec_entry", "pass"),
        ("D13_exec_exit", "fail"),
        ("D13_exec_falls", "pass"),
        ("D13_integ_entry", "fail"),
        ("D13_integ_exit", "fail"),
        ("D15_exec_entry", "fail"),
        ("D15_exec_exit", "fail"),
        ("D15_exec_falls", "pass"),
        ("D1_no_skip", "inconclusive"),
        ("D2_no_skip", "fail"),
        ("D3_skips", "fail"),
        ("D4_no_skip", "pass"),
        ("D5_no_skip", "fail"),
        ("D6_skips", "fail"),
        ("D7_no_skip", "pass"),
        ("D8_no_skip", "pass"),
        ("D9_no_skip", "pass"),
        ("D10_no_skip", "fail"),
        ("D11_no_skip", "fail"),
        ("D12_no_skip", "fail"),
        ("D13_no_skip", "fail"),
        ("D14_no_skip", "fail"),
        ("D15_no_skip", "fail"),
        ("D16_no_skip", "pass"),
        ("D17_no_skip", "fail"),
        ("D18_no_skip", "fail"),
        ("P_integ_falls", "pass"),
        ("P_lasts", "pass"),
        ("D6_lasts", "pass"),
        ("D8_lasts", "fail"),
        ("D9_lasts", "fail"),
        ("D10_lasts", "pass"),
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
    // The failure case at 200 replications and seed 4 into `out`: what it printed.
    let validate = |out: &Path, extra: &[&str]| {
        let a = dyadsim()
            .args(["validate", "failure_case", "--reps", "200", "--seed", "4"])
            .args(extra)
            .arg("--out")
            .arg(out)
            .assert()
            .success();
        String::from_utf8_lossy(&a.get_output().stdout).to_string()
    };
    let md = tmp.path().join("V.md");
    let table = validate(tmp.path(), &["--markdown", md.to_str().unwrap()]);
    assert!(table.contains("F1") && table.contains("F5"), "{table}");
    let csv = std::fs::read_to_string(tmp.path().join("validation.csv")).unwrap();
    assert!(csv.starts_with("pack,id,point,source,description,rule,value,ci_lo,ci_hi,"));
    assert_eq!(csv.lines().count(), 9, "{csv}");
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.contains("## `failure_case.toml`"), "{md}");
    // One worker thread (--threads 1) gives the same verdicts, and the same table on the
    // terminal, as all of them.
    let one = tmp.path().join("one");
    assert_eq!(validate(&one, &["--threads", "1"]), table);
    assert_eq!(
        std::fs::read_to_string(one.join("validation.csv")).unwrap(),
        csv
    );
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

#[test]
fn a_pack_with_labels_reports_per_point_and_refuses_unknown_points() {
    let tmp = TempDir::new().unwrap();
    let pack = tmp.path().join("two.toml");
    let text = "[scenario]\nname = \"two\"\nreplications = 20\nmonths = 24\n\n[sweep]\ndesign = \"zip\"\nlabels = [\"weak\", \"strong\"]\n\n[sweep.supplier]\ncapability = { values = [0.2, 0.8] }\n\n[[pattern]]\nid = \"K_weak\"\npoint = \"weak\"\nsource = \"s\"\ndescription = \"d\"\nmetric = \"knowledge\"\nrule = \"mean_above\"\nthreshold = -1\n";
    std::fs::write(&pack, text).unwrap();
    let md = tmp.path().join("V.md");
    dyadsim()
        .arg("validate")
        .arg(&pack)
        .arg("--quiet")
        .arg("--out")
        .arg(tmp.path().join("out"))
        .arg("--markdown")
        .arg(&md)
        .assert()
        .success();
    let csv = std::fs::read_to_string(tmp.path().join("out/validation.csv")).unwrap();
    let row = csv.lines().nth(1).unwrap();
    assert!(row.contains("two.toml,K_weak,weak,"), "{csv}");
    // 20 runs of the point counted, not the 40 of the pack.
    assert!(row.ends_with(",20,pass"), "{csv}");
    let md = std::fs::read_to_string(md).unwrap();
    assert!(md.contains("| weak | 1 | 1 | 0 | 0 |"), "{md}");
    std::fs::write(
        &pack,
        text.replace("point = \"weak\"", "point = \"strnog\""),
    )
    .unwrap();
    let out = dyadsim()
        .arg("validate")
        .arg(&pack)
        .arg("--out")
        .arg(tmp.path().join("out2"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("two.toml:13:"), "{err}");
    assert!(err.contains("did you mean `strong`?"), "{err}");
}
