//! Fuzzed input: every scenario file the project ships, mutated line by line and value by
//! value, and random bytes. The invariant (docs/RELIABILITY.md): never a panic, never a
//! hang; a rejected file gives exit status 1 with one located message and writes no output
//! directory. The in-process checks run the same validation as `dyadsim check` (scenario,
//! `[[hypothesis]]` and `[[pattern]]` blocks); a share of the rejected cases also goes
//! through the real binary.
//!
//! `cargo test --test fuzz` runs a few hundred cases; `cargo test --release --test fuzz --
//! --ignored` runs thousands (`.ci/run`). A failing case prints the seed that rebuilds it.

mod common;

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{dyadsim, run_refused};
use dyadsim::model::{PARAM_SPECS, ParamKind};
use dyadsim::scenario::{Overrides, parse};
use dyadsim::science::{hypothesis, validation};
use proptest::prelude::*;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

/// The longest error message accepted: an error quotes what it rejects, shortened.
const MAX_MESSAGE: usize = 4096;

/// Every shipped scenario file, with its text.
fn shipped() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let mut entries: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "toml") {
                out.push(p);
            }
        }
    }
    let mut files = Vec::new();
    walk(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios"),
        &mut files,
    );
    assert!(files.len() >= 20, "the shipped scenarios were not found");
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p, text)
        })
        .collect()
}

/// What `dyadsim check` validates, in process: `Err` carries the message.
fn check_text(text: &str, file: &str) -> Result<(), String> {
    let (s, extras) = parse(text, file, Overrides::default()).map_err(|e| e.to_string())?;
    hypothesis::parse_all(&s.file, &extras.hypotheses).map_err(|e| e.to_string())?;
    validation::parse_patterns_in(
        &s.file,
        &extras.patterns,
        &validation::PatternContext::of(&s),
    )
    .map_err(|e| e.to_string())?;
    Ok(())
}

/// Check one case in process: no panic; a rejection is one located, bounded message.
/// Returns whether the text was rejected.
fn assert_handled(text: &str, file: &str, what: &str) -> bool {
    let r = catch_unwind(AssertUnwindSafe(|| check_text(text, file)));
    let Ok(r) = r else {
        panic!("{what}: validation panicked on:\n{}", preview(text));
    };
    match r {
        Ok(()) => false,
        Err(m) => {
            assert!(
                m.starts_with(&format!("{file}:")),
                "{what}: message not located at {file}: {}",
                preview(&m)
            );
            assert!(
                m.len() <= MAX_MESSAGE,
                "{what}: message of {} bytes: {}",
                m.len(),
                preview(&m)
            );
            true
        }
    }
}

fn preview(s: &str) -> String {
    s.chars().take(600).collect()
}

/// Values that stress the parser and the range checks: bounds, beyond them, huge and tiny
/// numbers, NaN and infinity spellings, other types.
const VALUES: &[&str] = &[
    "0",
    "1",
    "-1",
    "0.0",
    "-0.0",
    "1.0000000001",
    "-1e-300",
    "1e-320",
    "1e308",
    "1e309",
    "-1e308",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551616",
    "0x7fffffffffffffff",
    "1_000_000_000",
    "nan",
    "+nan",
    "-nan",
    "inf",
    "+inf",
    "-inf",
    "NaN",
    "Infinity",
    "\"nan\"",
    "\"0.5\"",
    "true",
    "false",
    "[]",
    "[1, 2]",
    "[[1], [\"a\"]]",
    "{}",
    "{ dist = \"beta\" }",
    "{ dist = \"beta\", a = 0, b = 1 }",
    "{ dist = \"beta\", a = 1e308, b = 1e308 }",
    "{ dist = \"normal\", mean = 0.5, sd = 1e308 }",
    "{ dist = \"normal\", mean = 0.5, sd = 0.1, min = 0.9, max = 0.1 }",
    "{ dist = \"uniform\", from = 1, to = 0 }",
    "{ dist = \"uniform\", from = -inf, to = inf }",
    "{ dist = \"triangular\", min = 0, mode = 2, max = 1 }",
    "{ dist = \"lognormal\", mu = 800, sigma = 1 }",
    "{ dist = \"lognormal\", mu = 0, sigma = nan }",
    "{ dist = \"choice\", values = [] }",
    "{ dist = \"choice\", values = [0.1, 0.2], weights = [0, 0] }",
    "{ dist = \"choice\", values = [0.1, 0.2], weights = [1, -1] }",
    "{ dist = \"choice\", values = [0.1], weights = [inf] }",
    "1979-05-27T07:32:00Z",
    "\"\"",
    "\"\\u0000\"",
    "\"é漢字🙂\u{202e}\u{200b}\"",
];

/// One structured mutation of `text`, chosen by `rng`; returns the new text and a label.
fn mutate(text: &str, rng: &mut Xoshiro256PlusPlus) -> (String, &'static str) {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    let n = lines.len();
    let i = rng.random_range(0..n);
    let j = rng.random_range(0..n);
    let assignments: Vec<usize> = (0..n)
        .filter(|&k| {
            let l = lines[k].trim_start();
            !l.starts_with('#') && !l.starts_with('[') && l.contains('=')
        })
        .collect();
    let a = if assignments.is_empty() {
        i
    } else {
        assignments[rng.random_range(0..assignments.len())]
    };
    let label = match rng.random_range(0..14) {
        0 => {
            lines.remove(i);
            "deleted line"
        }
        1 => {
            let l = lines[i].clone();
            lines.insert(i, l);
            "duplicated line"
        }
        2 => {
            lines.swap(i, j);
            "swapped lines"
        }
        3..=5 => {
            // A value replaced: types, bounds, huge, tiny, NaN and infinity spellings.
            let v = VALUES[rng.random_range(0..VALUES.len())];
            if let Some((k, _)) = lines[a].split_once('=') {
                lines[a] = format!("{k}= {v}");
            }
            "changed value"
        }
        6 => {
            // A number nudged across a bound.
            if let Some((k, v)) = lines[a].split_once('=') {
                let v = v.trim();
                if let Ok(x) = v.parse::<f64>() {
                    let d = [1e-12, 1e-3, 1.0, 1e6][rng.random_range(0..4)];
                    let y = if rng.random::<bool>() { x + d } else { x - d };
                    lines[a] = format!("{k}= {y:?}");
                } else {
                    lines[a] = format!("{k}= -{v}");
                }
            }
            "nudged number"
        }
        7 => {
            // A key renamed: a typo, unicode, or a very long name.
            if let Some((k, v)) = lines[a].split_once('=') {
                let k = k.trim();
                let new = match rng.random_range(0..4) {
                    0 => format!("{k}x"),
                    1 => format!("\"{k}é\u{301}\u{200b}\""),
                    2 => "k".repeat(20_000),
                    _ => k.chars().rev().collect(),
                };
                lines[a] = format!("{new} ={v}");
            }
            "renamed key"
        }
        8 => {
            // A very long string or number.
            let long = match rng.random_range(0..3) {
                0 => format!("\"{}\"", "ab漢".repeat(50_000)),
                1 => "9".repeat(5_000),
                _ => format!("0.{}", "3".repeat(5_000)),
            };
            if let Some((k, _)) = lines[a].split_once('=') {
                lines[a] = format!("{k}= {long}");
            }
            "long value"
        }
        9 => {
            // Deeply nested arrays, inline tables or dotted keys.
            let depth = [10, 200, 5_000][rng.random_range(0..3)];
            let nested = match rng.random_range(0..3) {
                0 => format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
                1 => format!("{}1{}", "{ a = ".repeat(depth), " }".repeat(depth)),
                _ => format!("x.{} = 1", vec!["y"; depth].join(".")),
            };
            if nested.starts_with('x') {
                lines.insert(i, nested);
            } else if let Some((k, _)) = lines[a].split_once('=') {
                lines[a] = format!("{k}= {nested}");
            }
            "deep nesting"
        }
        10 => {
            // A table header changed or repeated.
            let headers: Vec<usize> = (0..n)
                .filter(|&k| lines[k].trim_start().starts_with('['))
                .collect();
            if let Some(&h) = headers.get(rng.random_range(0..headers.len().max(1))) {
                let t = lines[h].trim().trim_matches(['[', ']']).to_string();
                lines[h] = match rng.random_range(0..5) {
                    0 => format!("[{t}.extra]"),
                    1 => format!("[[{t}]]"),
                    2 => format!("[{t}]\n[{t}]"),
                    3 => "[params.nowhere]".to_string(),
                    _ => format!("[{}]", t.to_uppercase()),
                };
            }
            "changed header"
        }
        11 => {
            // Cut at a random character.
            let joined = lines.join("\n");
            let cut = rng.random_range(0..=joined.chars().count());
            return (joined.chars().take(cut).collect(), "truncated");
        }
        12 => {
            // Random characters inserted.
            let joined = lines.join("\n");
            let mut chars: Vec<char> = joined.chars().collect();
            for _ in 0..rng.random_range(1..8) {
                let pos = rng.random_range(0..=chars.len());
                let c = [
                    '=', '"', '[', ']', '{', '}', '\n', '\\', '#', ',', '.', '\0', 'é', '🙂',
                ][rng.random_range(0..14)];
                chars.insert(pos, c);
            }
            return (chars.into_iter().collect(), "inserted characters");
        }
        _ => {
            // A line appended at the end of a random table: an unknown or repeated key.
            let extra = [
                "replications = 0",
                "seed = -1",
                "months = 1e9",
                "zz = 1",
                "runs = 1",
            ];
            lines.insert(i, extra[rng.random_range(0..extra.len())].to_string());
            "inserted line"
        }
    };
    (lines.join("\n"), label)
}

/// Run the real binary on rejected cases: exit status 1, one located message, no output
/// directory, within a minute.
fn assert_binary_rejects(cases: &[(String, String)]) {
    let dir = tempfile::tempdir().unwrap();
    for (k, (file, text)) in cases.iter().enumerate() {
        let name = Path::new(file).file_name().unwrap().to_str().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let out = dir.path().join(format!("out{k}"));
        run_refused(&path, &out, &[], &format!("{name}:"));
        assert!(
            !out.exists(),
            "case {k} ({name}): an output directory was written"
        );
    }
}

/// `per_file` mutations of every shipped scenario, in process; every `binary_every`-th
/// rejected case also through the binary.
fn fuzz_shipped(seed: u64, per_file: usize, binary_every: usize) -> (usize, usize) {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(seed);
    let (mut cases, mut rejected) = (0, 0);
    let mut to_binary = Vec::new();
    for (path, text) in shipped() {
        let file = path.file_name().unwrap().to_str().unwrap().to_string();
        assert!(
            !assert_handled(&text, &file, "shipped"),
            "{file}: a shipped scenario is rejected"
        );
        for m in 0..per_file {
            // Up to three mutations on top of each other.
            let mut t = text.clone();
            let mut labels = Vec::new();
            for _ in 0..rng.random_range(1..=3) {
                let (next, label) = mutate(&t, &mut rng);
                t = next;
                labels.push(label);
            }
            let what = format!("seed {seed}, {file} case {m} ({})", labels.join(" + "));
            cases += 1;
            if assert_handled(&t, &file, &what) {
                rejected += 1;
                if rejected % binary_every == 0 {
                    to_binary.push((file.clone(), t));
                }
            }
        }
    }
    assert_binary_rejects(&to_binary);
    (cases, rejected)
}

#[test]
fn mutated_shipped_scenarios_quick() {
    let (cases, rejected) = fuzz_shipped(1, 12, 40);
    assert!(
        rejected * 4 > cases,
        "too few mutations were rejected: {rejected} of {cases}"
    );
}

#[test]
#[ignore = "thousands of cases; run in release by .ci/run"]
fn mutated_shipped_scenarios() {
    let (cases, rejected) = fuzz_shipped(2026, 200, 25);
    eprintln!("fuzzed {cases} mutated scenarios, {rejected} rejected");
    assert!(cases >= 5_000);
}

/// Every parameter at, just inside and beyond each bound, in the embedded baseline: values
/// in range are accepted, values out of range are rejected with a located message.
#[test]
fn every_parameter_at_and_beyond_its_bounds() {
    let base = "[scenario]\nname = \"bounds\"\nreplications = 2\nmonths = 3\n";
    let mut checked = 0;
    for spec in PARAM_SPECS.iter() {
        let mut tries: Vec<(f64, bool)> = vec![(spec.min, true), (spec.max, true)];
        // Just beyond: the next whole number for integers.
        let step = |x: f64| match spec.kind {
            ParamKind::Integer => 1.0,
            _ => 1e-9 * x.abs().max(1.0),
        };
        if spec.min.is_finite() {
            tries.push((spec.min - step(spec.min), false));
        }
        if spec.max.is_finite() {
            tries.push((spec.max + step(spec.max), false));
        }
        for (v, ok) in tries {
            let value = match spec.kind {
                ParamKind::Switch => {
                    if v == 0.0 || v == 1.0 {
                        (v == 1.0).to_string()
                    } else {
                        format!("{v:?}")
                    }
                }
                ParamKind::Integer if v.is_finite() && v.fract() == 0.0 => format!("{}", v as i64),
                _ if v.is_infinite() => if v > 0.0 { "inf" } else { "-inf" }.to_string(),
                _ => format!("{v:?}"),
            };
            let text = match spec.path.split_once('.') {
                Some((section, key)) => format!("{base}[params.{section}]\n{key} = {value}\n"),
                // The horizon lives in [scenario].
                None => base.replace("months = 3", &format!("{} = {value}", spec.path)),
            };
            let rejected = assert_handled(&text, "bounds.toml", spec.path);
            let message = check_text(&text, "bounds.toml").err().unwrap_or_default();
            if !ok || v.is_infinite() {
                // Beyond a bound (or an infinite bound): rejected, naming the parameter.
                assert!(rejected, "{} = {value} was accepted", spec.path);
                assert!(message.contains(spec.path), "{}: {message}", spec.path);
            } else if rejected {
                // At a bound: accepted, unless it breaks a documented constraint between
                // parameters (e.g. the low level band below the high one), which names it.
                assert!(
                    message.contains(spec.path) && message.contains("must be"),
                    "{} = {value}: {message}",
                    spec.path
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 4 * PARAM_SPECS.len() - 40);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    /// Random bytes: rejected (or, for the rare valid text, accepted) without a panic.
    #[test]
    fn random_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(text) = std::str::from_utf8(&bytes) {
            assert_handled(text, "random.toml", "random bytes");
        }
    }

    /// Random text over TOML's own characters.
    #[test]
    fn random_toml_like_text(text in "[\\[\\]{}=\"'a-z0-9_.,# \\n\\-+:]{0,300}") {
        assert_handled(&text, "random.toml", "random text");
    }
}

/// Random bytes through the binary: not UTF-8 gives one message and no output.
#[test]
fn random_bytes_through_the_binary() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(9);
    let cases: Vec<(String, String)> = (0..3)
        .map(|_| {
            let s: String = (0..200)
                .map(|_| char::from(rng.random_range(0x20u8..0x7f)))
                .collect();
            ("random.toml".to_string(), format!("[scenario\n{s}"))
        })
        .collect();
    assert_binary_rejects(&cases);
    let dir = tempfile::tempdir().unwrap();
    let bytes: Vec<u8> = (0..500).map(|_| rng.random::<u8>() | 0x80).collect();
    std::fs::write(dir.path().join("bytes.toml"), bytes).unwrap();
    let out = dir.path().join("out");
    run_refused(&dir.path().join("bytes.toml"), &out, &[], "bytes.toml:");
    assert!(!out.exists());
}

/// `--set PATH=VALUE` with the same stress values, unknown paths and malformed pairs: a
/// rejection is one message naming the pair, and no output directory.
#[test]
fn fuzzed_set_overrides() {
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(77);
    let dir = tempfile::tempdir().unwrap();
    let paths = [
        "buyer.champion",
        "supplier.cash",
        "months",
        "scenario.seed",
        "output.runs",
    ];
    let mut pairs: Vec<String> = vec![
        "buyer.champion".into(),
        "=0.5".into(),
        "buyer.champion=".into(),
        "buyer.champoin=0.5".into(),
        "buyer..champion=0.5".into(),
        "scenario.replications=0".into(),
        format!("{}=1", "x".repeat(10_000)),
    ];
    for _ in 0..20 {
        let p = paths[rng.random_range(0..paths.len())];
        let v = VALUES[rng.random_range(0..VALUES.len())];
        pairs.push(format!("{p}={v}"));
    }
    let mut refused = 0;
    for (k, pair) in pairs.iter().enumerate() {
        let out = dir.path().join(format!("out{k}"));
        let a = dyadsim()
            .args(["run", "--quiet", "--reps", "2", "--set", pair, "--out"])
            .arg(&out)
            .timeout(Duration::from_secs(120))
            .assert();
        let o = a.get_output();
        match o.status.code() {
            Some(0) => assert!(out.exists(), "--set {pair}: success without output"),
            Some(1) => {
                refused += 1;
                let err = String::from_utf8_lossy(&o.stderr);
                assert_eq!(
                    err.matches("Error:").count(),
                    1,
                    "--set {}: {err}",
                    preview(pair)
                );
                assert!(
                    err.len() <= MAX_MESSAGE,
                    "--set {}: {} bytes",
                    preview(pair),
                    err.len()
                );
                assert!(!out.exists(), "--set {}: output written", preview(pair));
            }
            c => panic!("--set {}: exit status {c:?}", preview(pair)),
        }
    }
    assert!(
        refused >= 7,
        "only {refused} of {} pairs refused",
        pairs.len()
    );
}
