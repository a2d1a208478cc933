//! `dyadsim sensitivity` end to end: its files, the same bytes whatever the thread count,
//! test functions, and located errors for bad designs.

mod common;

use common::{assert_same, dyadsim, stderr_of, write};

const FILES: [&str; 6] = [
    "samples.csv",
    "outputs.csv",
    "sensitivity.csv",
    "noise.csv",
    "problem.json",
    "report.html",
];

const MORRIS: &str = r#"[scenario]
name = "m"
seed = 3
months = 24

[sensitivity]
design = "morris"
trajectories = 6
levels = 4
candidates = 20
replications = 4
metrics = ["dissolved", "supplier_share", "asymmetry_execution_entry"]
bootstrap = 100

[sensitivity.buyer]
champion = { from = 0.0, to = 1.0 }
engagement = { from = 0.2, to = 0.7 }

[sensitivity.coefficients.communication]
champion = { dist = "triangular", min = 0.1, mode = 0.3, max = 0.5 }
"#;

#[test]
fn same_bytes_with_one_and_two_threads() {
    let dir = tempfile::tempdir().unwrap();
    let scn = write(dir.path(), "m.toml", MORRIS);
    for t in ["1", "2"] {
        dyadsim()
            .args(["sensitivity"])
            .arg(&scn)
            .args(["--quiet", "--threads", t, "--out"])
            .arg(dir.path().join(t))
            .assert()
            .success();
    }
    let a = dir.path().join("1/m/sensitivity");
    let b = dir.path().join("2/m/sensitivity");
    assert_same(&a, &b, &FILES);
    let csv = std::fs::read_to_string(a.join("sensitivity.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("metric,parameter,mu,mu_conf,mu_star,mu_star_conf,sigma,sigma_conf")
    );
    // 3 parameters per analysed metric; the columns are in path order.
    let rows: Vec<&str> = lines.collect();
    assert_eq!(rows.len() % 3, 0);
    assert!(
        rows[0].starts_with("supplier_share,buyer.champion,"),
        "{}",
        rows[0]
    );
    assert!(rows[2].starts_with("supplier_share,coefficients.communication.champion,"));
    // Nobody dissolves within 24 months here: a constant metric is reported, not analysed.
    let noise = std::fs::read_to_string(a.join("noise.csv")).unwrap();
    assert!(noise.contains("\ndissolved,constant,24,4,"), "{noise}");
    let samples = std::fs::read_to_string(a.join("samples.csv")).unwrap();
    assert_eq!(
        samples.lines().next(),
        Some("point,buyer.champion,buyer.engagement,coefficients.communication.champion")
    );
    assert_eq!(samples.lines().count(), 1 + 6 * 4);
    let noise = std::fs::read_to_string(a.join("noise.csv")).unwrap();
    assert!(
        noise.starts_with("metric,status,points,replications,"),
        "{noise}"
    );
    assert!(a.join("plots/morris_supplier_share.png").exists());
    assert!(a.join("plots/morris_supplier_share.svg").exists());
}

#[test]
fn test_function_mode_writes_sobol_indices() {
    let dir = tempfile::tempdir().unwrap();
    let a = dyadsim()
        .args([
            "sensitivity",
            "--function",
            "ishigami",
            "--samples",
            "256",
            "--out",
        ])
        .arg(dir.path())
        .assert()
        .success();
    let out = String::from_utf8_lossy(&a.get_output().stdout).to_string();
    assert!(out.contains("y (noise share NA): ST x1"), "{out}");
    let d = dir.path().join("ishigami/sensitivity");
    let csv = std::fs::read_to_string(d.join("sensitivity.csv")).unwrap();
    assert!(
        csv.starts_with("metric,parameter,S1,S1_conf,ST,ST_conf\ny,x1,"),
        "{csv}"
    );
    assert_eq!(
        std::fs::read_to_string(d.join("outputs.csv"))
            .unwrap()
            .lines()
            .count(),
        1 + 256 * 5
    );
    assert!(d.join("plots/sobol_y.png").exists());
}

#[test]
fn bad_designs_fail_with_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            MORRIS.replace("levels = 4", "levels = 3"),
            "m.toml:9:10:",
            "even",
        ),
        (
            MORRIS
                .replace("design = \"morris\"", "design = \"sobol\"\nsamples = 100")
                .replace("trajectories = 6\nlevels = 4\ncandidates = 20\n", ""),
            "m.toml:8:11:",
            "power of two",
        ),
        (
            MORRIS.replace(
                "engagement = { from = 0.2, to = 0.7 }",
                "engagement = { from = -0.2, to = 0.7 }",
            ),
            "m.toml:17:",
            "out of range",
        ),
        (
            MORRIS.replace(
                "[sensitivity.buyer]",
                "\"buyer.champion\" = { from = 0.1, to = 0.2 }\n[sensitivity.buyer]",
            ),
            "m.toml:17:1:",
            "named twice",
        ),
    ];
    for (text, at, what) in cases {
        let scn = write(dir.path(), "m.toml", &text);
        let a = dyadsim()
            .arg("sensitivity")
            .arg(&scn)
            .arg("--out")
            .arg(dir.path())
            .assert()
            .failure();
        let e = stderr_of(&a);
        assert!(e.contains(at) && e.contains(what), "{at} {what}: {e}");
        // `dyadsim check` validates the block too.
        let c = dyadsim().arg("check").arg(&scn).assert().failure();
        assert!(stderr_of(&c).contains(at), "check: {}", stderr_of(&c));
    }
    let a = dyadsim()
        .args(["sensitivity", "--function", "gfunction", "--samples", "100"])
        .assert()
        .failure();
    assert!(stderr_of(&a).contains("power of two"));
    // `dyadsim run` ignores the block; a scenario without one is refused here.
    let plain = write(dir.path(), "p.toml", "[scenario]\nname = \"p\"\n");
    let a = dyadsim().arg("sensitivity").arg(&plain).assert().failure();
    assert!(stderr_of(&a).contains("no [sensitivity] block"));
}
