//! The proposition battery and hypothesis blocks, end to end.

use tempfile::TempDir;

use dyadsim::scenario::Overrides;
use dyadsim::science::propositions::{battery, run_sets};
use dyadsim::stats::Verdict;

mod common;
use common::dyadsim;

/// The battery's verdicts do not depend on the master seed at the documented replications.
/// Verdicts do not depend on the master seed, except where the effect sits at a boundary of
/// the verdict (0, or the smallest effect of interest): when some seed's 95% CI contains
/// one, luck decides the verdict at any replication count, so a verdict may differ across
/// seeds only then; such hypotheses are listed (and named in docs/PROPOSITIONS.md).
#[test]
#[ignore = "statistical; run with cargo test --release -- --ignored"]
fn battery_verdicts_are_stable_across_three_seeds() {
    let results = |seed: u64| {
        let sets = battery(Overrides {
            seed: Some(seed),
            replications: None,
        })
        .unwrap();
        run_sets(&sets, None).unwrap()
    };
    let runs = [results(1), results(2), results(3)];
    let mut at_threshold = Vec::new();
    for i in 0..runs[0].len() {
        let id = &runs[0][i].hypothesis.id;
        let sei = runs[0][i].hypothesis.smallest_effect;
        // A verdict's boundaries: 0 (supported or contradicted at all) and +/- the smallest
        // effect of interest (supported or not).
        let straddles = runs.iter().any(|r| {
            let t = &r[i].test;
            [0.0, sei, -sei]
                .iter()
                .any(|b| (t.ci_lo..=t.ci_hi).contains(b))
        });
        let verdicts: Vec<Verdict> = runs.iter().map(|r| r[i].verdict).collect();
        if verdicts.iter().all(|v| *v == verdicts[0]) {
            continue;
        }
        assert!(
            straddles,
            "{id}: {verdicts:?} across seeds 1, 2, 3, with no CI at a boundary"
        );
        at_threshold.push(id.clone());
    }
    // Only a few hypotheses may sit at their threshold.
    assert!(
        at_threshold.len() <= 4,
        "at their threshold: {at_threshold:?}"
    );
    eprintln!("verdicts that differ across seeds, at a boundary: {at_threshold:?}");
}

#[test]
fn battery_runs_and_writes_csv_and_markdown() {
    let tmp = TempDir::new().unwrap();
    let out = dyadsim()
        .args(["propositions", "--reps", "60", "--out"])
        .arg(tmp.path())
        .assert()
        .success();
    let table = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    assert!(table.contains("P15") && table.contains("C6"), "{table}");
    let csv = std::fs::read_to_string(tmp.path().join("propositions.csv")).unwrap();
    assert!(csv.starts_with("id,statement,factor,metric,at,condition,level_a,level_b,mean_a,mean_b,effect,ci_lo,ci_hi,effect_size,p_value,n,smallest_effect,expect,verdict,encoding,encoding_reason,pairs_dropped\n"));
    // P1-P15 (with sub-hypotheses) and C1-C6.
    for id in ["P1,", "P5,", "P10,", "P15,", "C1a,", "C6,"] {
        assert!(csv.contains(&format!("\n{id}")), "{id} missing");
    }
    assert!(tmp.path().join("propositions.md").is_file());
}

#[test]
fn ablate_names_an_unknown_mechanism() {
    let out = dyadsim()
        .args([
            "propositions",
            "--reps",
            "10",
            "--ablate",
            "champoin",
            "--out",
        ])
        .arg(TempDir::new().unwrap().path())
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
    assert!(err.contains("did you mean `champion`"), "{err}");
}

const WITH_HYPOTHESIS: &str = r#"
[scenario]
name = "h"
seed = 3
replications = 300
months = 36

[[hypothesis]]
id = "champ"
statement = "A champion raises the buyer's trust"
factor = "buyer.champion"
levels = [0.0, 0.8]
metric = "buyer_trust"
expect = "increase"
smallest_effect = 0.02
"#;

#[test]
fn run_with_hypothesis_blocks_writes_verdicts() {
    let tmp = TempDir::new().unwrap();
    let scn = tmp.path().join("h.toml");
    std::fs::write(&scn, WITH_HYPOTHESIS).unwrap();
    dyadsim()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(tmp.path())
        .arg("--quiet")
        .assert()
        .success();
    let csv = std::fs::read_to_string(tmp.path().join("h/propositions.csv")).unwrap();
    assert!(csv.contains("\nchamp,"), "{csv}");
    // No encoding declared in the block: empty encoding columns; no pair dropped.
    assert!(csv.trim_end().ends_with(",increase,supported,,,0"), "{csv}");
}

#[test]
fn bad_hypothesis_blocks_name_block_and_key() {
    let cases = [
        (
            "metric = \"buyer_trust\"",
            "metric = \"buyer_trst\"",
            "`metric`",
        ),
        (
            "factor = \"buyer.champion\"",
            "factor = \"buyer.champ\"",
            "`factor`",
        ),
        ("levels = [0.0, 0.8]", "levels = [0.8]", "`levels`"),
        ("expect = \"increase\"", "expect = \"up\"", "`expect`"),
    ];
    for (from, to, key) in cases {
        let tmp = TempDir::new().unwrap();
        let scn = tmp.path().join("h.toml");
        std::fs::write(&scn, WITH_HYPOTHESIS.replace(from, to)).unwrap();
        let out = dyadsim()
            .arg("run")
            .arg(&scn)
            .arg("--out")
            .arg(tmp.path().join("out"))
            .assert()
            .failure();
        let err = String::from_utf8_lossy(&out.get_output().stderr).to_string();
        assert!(err.contains("[[hypothesis]] `champ`"), "{err}");
        assert!(err.contains(key), "{key} not in {err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!tmp.path().join("out").exists(), "nothing may be written");
    }
}

/// `propositions --robustness`: the same bytes whatever the thread count, an encoding next to
/// every verdict, and a robustness row for every hypothesis.
#[test]
fn robustness_is_identical_across_thread_counts() {
    let tmp = TempDir::new().unwrap();
    let run = |threads: &str| {
        let out = tmp.path().join(format!("t{threads}"));
        let mut cmd = dyadsim();
        // One thread by the flag, two by rayon's variable: both reach the pool.
        if threads == "1" {
            cmd.args(["propositions", "--threads", "1"]);
        } else {
            cmd.env("RAYON_NUM_THREADS", threads).arg("propositions");
        }
        cmd.args([
            "--quiet",
            "--reps",
            "60",
            "--robustness",
            "3",
            "--robustness-reps",
            "20",
            "--out",
        ])
        .arg(&out)
        .assert()
        .success();
        out
    };
    let (a, b) = (run("1"), run("2"));
    let zero = dyadsim()
        .args(["propositions", "--quiet", "--threads", "0", "--out"])
        .arg(tmp.path().join("t0"))
        .assert()
        .failure();
    let err = String::from_utf8_lossy(&zero.get_output().stderr).to_string();
    assert!(err.contains("--threads must be at least 1"), "{err}");
    for f in ["robustness.csv", "robustness_sets.csv", "propositions.csv"] {
        let x = std::fs::read(a.join(f)).unwrap();
        assert!(
            x == std::fs::read(b.join(f)).unwrap(),
            "{f} differs across threads"
        );
    }
    let rob = std::fs::read_to_string(a.join("robustness.csv")).unwrap();
    let sets = battery(Overrides::default()).unwrap();
    let n: usize = sets.iter().map(|s| s.hypotheses.len()).sum();
    assert_eq!(rob.lines().count(), n + 1);
    let rows = std::fs::read_to_string(a.join("robustness_sets.csv")).unwrap();
    assert_eq!(rows.lines().count(), 3 * sets.len() + 1);
    let md = std::fs::read_to_string(a.join("propositions.md")).unwrap();
    assert!(md.contains("## Robustness across 3 parameter sets"), "{md}");
    // Every shipped hypothesis says how the model produces it, and why its smallest effect.
    for set in &sets {
        for h in &set.hypotheses {
            let (_, why) = h
                .encoding
                .as_ref()
                .unwrap_or_else(|| panic!("{} has no encoding", h.id));
            assert!(md.contains(why.as_str()), "{}: encoding not shown", h.id);
            assert!(
                h.smallest_effect_reason.is_some(),
                "{}: no smallest_effect_reason",
                h.id
            );
        }
    }
}
