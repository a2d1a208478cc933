use super::analyze::{elementary_effects, morris, noise_share, sobol};
use super::functions::TestFunction;
use super::*;
use crate::scenario::{Overrides, parse, parse_plan};

fn function_study(f: TestFunction, ov: StudyOverrides) -> (Study, Results) {
    let s = Study::from_function(f, 42, &ov).unwrap();
    let r = s.run(2).unwrap();
    (s, r)
}

fn sobol_ov(n: usize) -> StudyOverrides {
    StudyOverrides {
        samples: Some(n),
        ..Default::default()
    }
}

/// Every Sobol index of `f` at N = `n` lies within its CI half-width plus `slack` of the
/// analytic value.
fn recovers(f: TestFunction, n: usize, slack: f64) {
    let (_, r) = function_study(f, sobol_ov(n));
    let Indices::Sobol(ix) = &r.analyses[0].indices else {
        panic!("not analysed: {:?}", r.analyses[0]);
    };
    let (s1, st) = f.analytic();
    for (j, i) in ix.iter().enumerate() {
        assert!(
            (i.s1 - s1[j]).abs() <= i.s1_conf + slack,
            "{f:?} x{} S1 {} ± {} vs {}",
            j + 1,
            i.s1,
            i.s1_conf,
            s1[j]
        );
        assert!(
            (i.st - st[j]).abs() <= i.st_conf + slack,
            "{f:?} x{} ST {} ± {} vs {}",
            j + 1,
            i.st,
            i.st_conf,
            st[j]
        );
        assert!(i.s1_conf > 0.0 && i.st_conf > 0.0);
    }
}

#[test]
fn ishigami_indices_are_recovered_at_moderate_n() {
    recovers(TestFunction::Ishigami, 1024, 0.005);
}

#[test]
fn g_function_indices_are_recovered_at_moderate_n() {
    recovers(TestFunction::GFunction, 1024, 0.005);
}

#[test]
#[ignore = "large N; run in release"]
fn ishigami_and_g_indices_are_recovered_closely_at_large_n() {
    for f in [TestFunction::Ishigami, TestFunction::GFunction] {
        let (_, r) = function_study(f, sobol_ov(1 << 15));
        let Indices::Sobol(ix) = &r.analyses[0].indices else {
            panic!()
        };
        let (s1, st) = f.analytic();
        for (j, i) in ix.iter().enumerate() {
            assert!(
                (i.s1 - s1[j]).abs() < 0.01,
                "{f:?} S1 x{}: {} vs {}",
                j + 1,
                i.s1,
                s1[j]
            );
            assert!(
                (i.st - st[j]).abs() < 0.01,
                "{f:?} ST x{}: {} vs {}",
                j + 1,
                i.st,
                st[j]
            );
            assert!(i.s1_conf < 0.02 && i.st_conf < 0.02, "{i:?}");
        }
    }
}

#[test]
fn morris_on_ishigami_has_the_exact_effect_of_x2() {
    // x2 moves between −π and π/3 or −π/3 and π: 7 |sin²(π/3) − sin²(π)| / (2/3) = 7.875.
    let ov = StudyOverrides {
        design: Some("morris".into()),
        trajectories: Some(40),
        levels: Some(4),
        ..Default::default()
    };
    let (_, r) = function_study(TestFunction::Ishigami, ov);
    let Indices::Morris(ix) = &r.analyses[0].indices else {
        panic!()
    };
    assert!((ix[1].mu_star - 7.875).abs() < 1e-9, "{:?}", ix[1]);
    assert!(ix[0].mu_star > 1.0 && ix[2].mu_star > 1.0);
    assert!(ix[0].mu_star_conf > 0.0);
}

#[test]
fn linear_function_has_constant_elementary_effects() {
    let unit = sample::morris(3, 10, 6, None, 5);
    let y: Vec<f64> = unit
        .iter()
        .map(|u| u[0] + 2.0 * u[1] - 3.0 * u[2])
        .collect();
    let ee = elementary_effects(&unit, &y, 3, sample::morris_delta(6));
    let ix = morris(&ee, 200, 1);
    for (i, c) in ix.iter().zip([1.0, 2.0, -3.0]) {
        assert!(
            (i.mu - c).abs() < 1e-9 && (i.mu_star - c.abs()).abs() < 1e-9,
            "{i:?}"
        );
        assert!(i.sigma.abs() < 1e-9 && i.mu_conf < 1e-9);
    }
}

#[test]
fn sobol_of_an_additive_function_splits_its_variance() {
    // y = u1 + 2 u2: variances 1/12 and 4/12, S1 = ST = 0.2 and 0.8.
    let unit = sample::sobol(2, 4096, 3);
    let y: Vec<f64> = unit.iter().map(|u| u[0] + 2.0 * u[1]).collect();
    let ix = sobol(&y, 2, 200, 1).unwrap();
    for (i, want) in ix.iter().zip([0.2, 0.8]) {
        assert!(
            (i.s1 - want).abs() < 0.01 && (i.st - want).abs() < 0.01,
            "{i:?}"
        );
    }
    assert!(sobol(&vec![1.0; 40], 2, 10, 1).is_none(), "constant output");
}

#[test]
fn noise_share_is_the_noise_variance_over_the_spread_of_point_means() {
    let (b, n, s) = noise_share(&[1.0, 2.0, 3.0], &[4.0, 4.0, 4.0], &[4, 4, 4]).unwrap();
    assert_eq!((b, n, s), (1.0, 1.0, 1.0));
    assert!(noise_share(&[1.0, 2.0], &[f64::NAN, f64::NAN], &[1, 1]).is_none());
}

const DYAD: &str = r#"
[scenario]
name = "dyad"
seed = 5
months = 24

[sensitivity]
design = "sobol"
samples = 16
replications = 3
metrics = ["dissolved", "supplier_share", "knowledge"]
bootstrap = 50

[sensitivity.buyer]
champion = { from = 0.0, to = 1.0 }
engagement = { dist = "beta", a = 4, b = 6 }

[sensitivity.supplier]
outside_options = { from = 0.1, to = 0.6 }
"#;

fn dyad_study(text: &str) -> Study {
    let (s, _) = parse(text, "t.toml", Overrides::default()).unwrap();
    Study::from_scenario(&s, &StudyOverrides::default()).unwrap()
}

#[test]
fn dyad_study_is_the_same_whatever_the_thread_count() {
    let own = DYAD.replace(
        "bootstrap = 50",
        "bootstrap = 50\ncommon_random_numbers = false",
    );
    for text in [DYAD.to_string(), own] {
        let study = dyad_study(&text);
        let a = study.run(1).unwrap();
        let b = study.run(2).unwrap();
        assert_eq!(a.x, b.x);
        let means = |r: &Results| -> Vec<Vec<u64>> {
            r.cells
                .iter()
                .map(|c| c.iter().map(|x| x.mean.to_bits()).collect())
                .collect()
        };
        assert_eq!(means(&a), means(&b));
        assert_eq!(a.analyses, b.analyses);
        assert_eq!(a.x.len(), 16 * 5);
        assert_eq!(
            study.names,
            [
                "buyer.champion",
                "buyer.engagement",
                "supplier.outside_options"
            ]
        );
    }
}

#[test]
fn common_random_numbers_give_equal_runs_at_equal_points() {
    // With common random numbers replication j has the same seed at every point, so the
    // outputs depend on the parameters alone; without, they differ by point.
    let crn = dyad_study(DYAD);
    let own = dyad_study(&DYAD.replace(
        "bootstrap = 50",
        "bootstrap = 50\ncommon_random_numbers = false",
    ));
    assert!(crn.common_random_numbers && !own.common_random_numbers);
    let p = crn.run(1).unwrap();
    let q = own.run(1).unwrap();
    assert_eq!(p.x, q.x);
    assert_ne!(
        p.cells.iter().map(|c| c[2].mean).collect::<Vec<_>>(),
        q.cells.iter().map(|c| c[2].mean).collect::<Vec<_>>()
    );
    // The engagement column follows the beta's quantiles: inside (0, 1), mean near 0.4.
    let col: Vec<f64> = p.x.iter().map(|r| r[1]).collect();
    let m = col.iter().sum::<f64>() / col.len() as f64;
    assert!(
        col.iter().all(|v| *v > 0.0 && *v < 1.0) && (m - 0.4).abs() < 0.05,
        "{m}"
    );
}

fn plan_err(text: &str) -> String {
    parse_plan(text, "t.toml").unwrap_err().to_string()
}

#[test]
fn bad_designs_are_located() {
    let base = "[scenario]\nname = \"x\"\n[sensitivity]\ndesign = \"morris\"\nlevels = 5\n[sensitivity.buyer]\nchampion = { from = 0.1, to = 0.9 }\n";
    let e = plan_err(base);
    assert!(
        e.starts_with("t.toml:5:10:") && e.contains("levels = 5 must be an even"),
        "{e}"
    );

    let sob = "[scenario]\nname = \"x\"\n[sensitivity]\ndesign = \"sobol\"\nsamples = 1000\n[sensitivity.buyer]\nchampion = { from = 0.1, to = 0.9 }\n";
    let e = plan_err(sob);
    assert!(
        e.starts_with("t.toml:5:11:") && e.contains("power of two"),
        "{e}"
    );

    let twice2 = "[scenario]\nname = \"x\"\n[sensitivity]\ndesign = \"sobol\"\nsamples = 64\n\"buyer.champion\" = { from = 0.2, to = 0.3 }\n[sensitivity.buyer]\nchampion = { from = 0.1, to = 0.9 }\n";
    let e = plan_err(twice2);
    assert!(
        e.starts_with("t.toml:8:1:") && e.contains("named twice (first at line 6)"),
        "{e}"
    );

    let outside = base
        .replace("levels = 5", "levels = 4")
        .replace("to = 0.9", "to = 1.5");
    let e = plan_err(&outside);
    assert!(
        e.starts_with("t.toml:7:26:")
            && e.contains("allowed 0 ..= 1")
            && e.contains("buyer.champion"),
        "{e}"
    );

    let reversed = base
        .replace("levels = 5", "levels = 4")
        .replace("from = 0.1, to = 0.9", "from = 0.9, to = 0.1");
    assert!(plan_err(&reversed).contains("must be below"));

    let typo = base.replace("levels = 5", "levles = 4");
    let e = plan_err(&typo);
    assert!(
        e.starts_with("t.toml:5:1:") && e.contains("did you mean `levels`"),
        "{e}"
    );

    let param = base
        .replace("levels = 5", "levels = 4")
        .replace("champion =", "champoin =");
    let e = plan_err(&param);
    assert!(
        e.starts_with("t.toml:7:1:") && e.contains("did you mean `buyer.champion`"),
        "{e}"
    );

    let metric = base.replace("levels = 5", "metrics = [\"dissolved\", \"supplier_shar\"]");
    let e = plan_err(&metric);
    assert!(
        e.starts_with("t.toml:5:25:") && e.contains("did you mean `supplier_share`"),
        "{e}"
    );

    let foreign = base.replace("levels = 5", "samples = 64");
    assert!(plan_err(&foreign).contains("`samples` does not apply to design = \"morris\""));

    let nodesign = base.replace("design = \"morris\"\nlevels = 5\n", "");
    let e = plan_err(&nodesign);
    assert!(
        e.starts_with("t.toml:3:") && e.contains("needs design"),
        "{e}"
    );

    let dist = base.replace("levels = 5", "levels = 4").replace(
        "{ from = 0.1, to = 0.9 }",
        "{ dist = \"beta\", a = 0, b = 2 }",
    );
    let e = plan_err(&dist);
    assert!(
        e.starts_with("t.toml:7:") && e.contains("must be > 0"),
        "{e}"
    );

    let odd_traj = base.replace("levels = 5", "trajectories = 1");
    assert!(plan_err(&odd_traj).contains("at least 2"));

    // The main parser accepts the block (and `run` ignores it).
    let ok = base.replace("levels = 5", "levels = 4");
    parse(&ok, "t.toml", Overrides::default()).unwrap();
    assert!(parse_plan(&ok, "t.toml").unwrap().is_some());
    assert!(
        parse_plan("[scenario]\nname = \"x\"\n", "t.toml")
            .unwrap()
            .is_none()
    );
}

#[test]
fn a_design_point_that_breaks_a_rule_between_parameters_is_an_error() {
    let t = "[scenario]\nname = \"x\"\n[sensitivity]\ndesign = \"morris\"\n[sensitivity.power]\nlevel_low = { from = 0.1, to = 0.6 }\n";
    let (s, _) = parse(t, "t.toml", Overrides::default()).unwrap();
    let e = Study::from_scenario(&s, &StudyOverrides::default())
        .unwrap()
        .run(1)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("design point") && e.contains("power.level_low="),
        "{e}"
    );
}
