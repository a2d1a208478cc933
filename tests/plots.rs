//! Figures and the HTML report, end to end: run small scenarios, render, write the report,
//! and check every file that should exist does, is a valid PNG of the documented size or
//! well-formed SVG, and that the report links only to files that exist.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use dyadsim::experiment::{self, RunOptions};
use dyadsim::output::files::ReadError;
use dyadsim::plot::{self, HEIGHT, PlotError, WIDTH};
use dyadsim::report;
use dyadsim::scenario::{self, Overrides};

/// Run `toml` into a fresh temporary directory; returns the guard and the output directory.
fn run(toml: &str) -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let (s, _) = scenario::parse(toml, "t.toml", Overrides::default()).expect("valid scenario");
    let out_dir = tmp.path().join(&s.name);
    let opts = RunOptions {
        out_dir: out_dir.clone(),
        threads: 1,
        shard: (1, 1),
        resume: false,
        checkpoint_seconds: experiment::CHECKPOINT_SECONDS,
    };
    experiment::run(&s, &opts, &mut |_| std::ops::ControlFlow::Continue(()))
        .expect("scenario runs");
    (tmp, out_dir)
}

fn scenario_toml(name: &str, sweep: &str, runs: bool) -> String {
    format!(
        "[scenario]\nname = \"{name}\"\ndescription = \"Test <{name}> & friends\"\n\
         seed = 5\nreplications = 40\nmonths = 36\n\n{sweep}\n\
         [output]\nruns = {runs}\ntimeseries = true\nplots = true\n"
    )
}

const ONE_D: &str = "[sweep]\ndesign = \"grid\"\n\n[sweep.buyer]\n\
                     engagement = { values = [0.1, 0.5, 0.9] }\n";
const TWO_D: &str = "[sweep]\ndesign = \"grid\"\n\n[sweep.buyer]\n\
                     champion = { values = [0.0, 1.0] }\n\n[sweep.supplier]\n\
                     portability = { values = [0.0, 0.5, 1.0] }\n";

/// Render and write the report; check the figure set, every file, and the report's links.
fn render_and_check(dir: &Path, expected: &[&str]) -> String {
    let written = plot::render(dir).expect("render");
    let report = report::write_report(dir).expect("report");
    assert_eq!(report, dir.join("report.html"));

    let mut want: BTreeSet<PathBuf> = BTreeSet::new();
    for stem in expected {
        for ext in ["png", "svg"] {
            want.insert(dir.join("plots").join(format!("{stem}.{ext}")));
        }
    }
    let got: BTreeSet<PathBuf> = written.iter().cloned().collect();
    assert_eq!(got, want, "figures written");
    for f in &written {
        assert!(f.is_file(), "{} exists", f.display());
        match f.extension().and_then(|e| e.to_str()) {
            Some("png") => check_png(f),
            Some("svg") => check_svg(f),
            other => panic!("unexpected file type {other:?}"),
        }
    }

    let html = std::fs::read_to_string(&report).expect("read report");
    check_links(dir, &html);
    for stem in expected {
        assert!(
            html.contains(&format!("src=\"plots/{stem}.png\"")),
            "report shows {stem}"
        );
    }
    html
}

/// A PNG signature and an IHDR chunk with the documented size.
fn check_png(f: &Path) {
    let bytes = std::fs::read(f).expect("read png");
    assert!(bytes.len() > 33, "{}: too short", f.display());
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: signature",
        f.display()
    );
    assert_eq!(&bytes[12..16], b"IHDR", "{}: first chunk", f.display());
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    assert_eq!((be(16), be(20)), (WIDTH, HEIGHT), "{}: size", f.display());
}

/// Well-formed XML with an `<svg>` root of the documented size.
fn check_svg(f: &Path) {
    let text = std::fs::read_to_string(f).expect("read svg");
    let doc = roxmltree::Document::parse(&text)
        .unwrap_or_else(|e| panic!("{}: not XML: {e}", f.display()));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{}", f.display());
    assert_eq!(root.attribute("width"), Some(WIDTH.to_string().as_str()));
    assert_eq!(root.attribute("height"), Some(HEIGHT.to_string().as_str()));
    assert!(
        root.descendants().any(|n| n.has_tag_name("text")),
        "{}: has text",
        f.display()
    );
}

/// Every `src="..."` and `href="..."` is a relative link to an existing file.
fn check_links(dir: &Path, html: &str) {
    let mut n = 0;
    for attr in ["src=\"", "href=\""] {
        for (i, _) in html.match_indices(attr) {
            let rest = &html[i + attr.len()..];
            let target = &rest[..rest.find('"').expect("closed attribute")];
            assert!(
                !target.contains("://") && !target.starts_with('/'),
                "relative link: {target}"
            );
            assert!(dir.join(target).is_file(), "link target exists: {target}");
            n += 1;
        }
    }
    assert!(n > 0, "the report links its figures and data");
}

/// A `propositions.csv` in the format `dyadsim` writes, with text that needs escaping, a
/// measurement point, a condition and a row without estimates.
const PROPOSITIONS: &str = "id,statement,factor,metric,at,condition,level_a,level_b,mean_a,\
    mean_b,effect,ci_lo,ci_hi,effect_size,p_value,n,smallest_effect,expect,verdict\n\
    P1,\"Engagement <raises> value & \"\"trust\"\"\",buyer.engagement,value_created,end,,0.1,0.9,\
    100,300,200,150,250,1.2,0.0001,40,50,increase,supported\n\
    P2,Engagement lowers dissolution,buyer.engagement,dissolved,end,,0.1,0.9,0.2,0.25,0.05,\
    0.01,0.09,0.3,0.02,40,0.02,decrease,contradicted\n\
    P3,Sunk costs by the end of preparation,buyer.engagement,sunk_costs,preparation:exit,\
    reached_execution,0.9,0.1,40,57,17,15,19,0.5,0.00001,38,10,increase,supported\n\
    P4,No estimate,buyer.engagement,knowledge,end,,0.1,0.9,NA,NA,NA,NA,NA,NA,NA,0,NA,none,\
    inconclusive\n";

#[test]
fn single_point() {
    let (_tmp, dir) = run(&scenario_toml("single", "", true));
    let html = render_and_check(
        &dir,
        &["asymmetry", "trajectories", "phases", "appropriation"],
    );
    assert!(
        html.contains("Test &lt;single&gt; &amp; friends"),
        "escaped description"
    );
    assert!(!html.contains("<single>"));
    assert!(html.contains("dual index"), "summary table");
}

#[test]
fn one_factor_sweep_with_propositions() {
    let (_tmp, dir) = run(&scenario_toml("oned", ONE_D, true));
    let sweeps = plot::KEY_OUTCOMES.map(|o| format!("sweep_{o}"));
    let mut expected = vec![
        "asymmetry",
        "trajectories",
        "phases",
        "phases_last",
        "appropriation",
    ];
    expected.extend(sweeps.iter().map(String::as_str));
    render_and_check(&dir, &expected);

    std::fs::write(dir.join("propositions.csv"), PROPOSITIONS).expect("write propositions");
    expected.push("forest");
    let html = render_and_check(&dir, &expected);
    assert!(html.contains("Engagement &lt;raises&gt; value &amp; &quot;trust&quot;"));
    assert!(html.contains("verdict contradicted"));

    // Without propositions the forest plot and its report entry go away again.
    std::fs::remove_file(dir.join("propositions.csv")).expect("remove");
    expected.pop();
    let html = render_and_check(&dir, &expected);
    assert!(!dir.join("plots/forest.png").exists());
    assert!(!html.contains("forest"));
}

#[test]
fn two_factor_grid_without_runs() {
    let (_tmp, dir) = run(&scenario_toml("twod", TWO_D, false));
    assert!(!dir.join("runs.csv").exists());
    let heatmaps = plot::KEY_OUTCOMES.map(|o| format!("heatmap_{o}"));
    let mut expected = vec![
        "asymmetry",
        "trajectories",
        "phases",
        "phases_last",
        "appropriation",
    ];
    expected.extend(heatmaps.iter().map(String::as_str));
    render_and_check(&dir, &expected);
}

#[test]
fn propositions_only_directory() {
    // `dyadsim propositions` writes propositions.csv without a run around it.
    let tmp = tempfile::tempdir().expect("tempdir");
    std::fs::write(tmp.path().join("propositions.csv"), PROPOSITIONS).expect("write");
    let html = render_and_check(tmp.path(), &["forest"]);
    assert!(html.contains("Proposition tests"));
    assert!(html.contains("at preparation:exit; runs with reached_execution"));
    assert!(!html.contains("Key outcomes"));
}

/// Minimal hand-written files: `manifest.json` with the thresholds, and CSV files.
fn minimal_dir(summary: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("tempdir");
    let d = tmp.path();
    std::fs::write(
        d.join("manifest.json"),
        r#"{"scenario": {"name": "mini", "base": {"power": {"level_low": 0.15, "level_high": 0.35}}}}"#,
    )
    .expect("write");
    std::fs::write(d.join("points.csv"), "point\n0\n").expect("write");
    std::fs::write(d.join("summary.csv"), summary).expect("write");
    tmp
}

#[test]
fn sparse_files_give_what_they_can() {
    let tmp = minimal_dir(
        "point,outcome,mean,sd,ci_lo,ci_hi,n\n0,value_supplier,10,1,9,11,40\n\
         0,value_buyer,NA,NA,NA,NA,0\n",
    );
    let html = render_and_check(tmp.path(), &["appropriation"]);
    assert!(html.contains("mini"));
    let empty = minimal_dir("point,outcome,mean,sd,ci_lo,ci_hi,n\n");
    let html = render_and_check(empty.path(), &[]);
    assert!(html.contains("No figures") || !html.contains("<img"));
}

#[test]
fn bad_inputs_are_errors_naming_the_file() {
    let tmp = minimal_dir("point,outcome,mean,sd,ci_lo,ci_hi,n\n0,value_supplier,ten,1,9,11,40\n");
    let e = plot::render(tmp.path()).expect_err("bad number");
    assert!(
        matches!(e, PlotError::File(ReadError::Csv { line: 2, .. })),
        "{e}"
    );
    assert!(e.to_string().contains("summary.csv"), "{e}");
    assert!(e.to_string().contains("ten"), "{e}");

    std::fs::write(
        tmp.path().join("summary.csv"),
        "point,outcome,mean,sd,ci_lo,ci_hi,n\n0,value_supplier,1e300,1,9,11,40\n",
    )
    .expect("write");
    let e = plot::render(tmp.path()).expect_err("absurd number");
    assert!(e.to_string().contains("1e300"), "{e}");

    std::fs::write(tmp.path().join("summary.csv"), "point,outcome\n").expect("write");
    let e = report::write_report(tmp.path()).expect_err("missing column");
    assert!(
        e.to_string().contains("summary.csv") && e.to_string().contains("mean"),
        "{e}"
    );

    std::fs::remove_file(tmp.path().join("summary.csv")).expect("remove");
    let e = plot::render(tmp.path()).expect_err("missing file");
    assert!(matches!(e, PlotError::File(ReadError::Read { .. })), "{e}");
    assert!(e.to_string().contains("summary.csv"), "{e}");

    std::fs::write(tmp.path().join("manifest.json"), "{\"scenario\": {}}").expect("write");
    let e = plot::render(tmp.path()).expect_err("no thresholds");
    assert!(e.to_string().contains("manifest.json") && e.to_string().contains("level_low"));

    std::fs::write(tmp.path().join("manifest.json"), "{not json").expect("write");
    let e = report::write_report(tmp.path()).expect_err("bad json");
    assert!(matches!(e, PlotError::Json { .. }), "{e}");

    let e = plot::render(&tmp.path().join("nowhere")).expect_err("no directory");
    assert!(e.to_string().contains("manifest.json"), "{e}");
}
