//! `dyadsim classroom`: the JSON API against the real server on a loopback port (issue 14).

mod common;

use std::io::Read;
use std::sync::atomic::{AtomicBool, Ordering};

use common::{Classroom, dyadsim};
use serde_json::{Value, json};

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn get(url: &str) -> (u16, String) {
    let mut r = agent().get(url).call().expect("GET");
    let status = r.status().as_u16();
    (status, r.body_mut().read_to_string().unwrap())
}

fn post_raw(url: &str, body: &str) -> (u16, Value) {
    let mut r = agent()
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .expect("POST");
    let status = r.status().as_u16();
    let text = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (status, v)
}

fn post(c: &Classroom, path: &str, body: Value) -> Value {
    let (status, v) = post_raw(&format!("{}{}", c.url, &path[1..]), &body.to_string());
    assert_eq!(status, 200, "{path}: {v}");
    v
}

fn get_json(c: &Classroom, path: &str) -> Value {
    let (status, text) = get(&format!("{}{}", c.url, &path[1..]));
    assert_eq!(status, 200, "{path}: {text}");
    serde_json::from_str(&text).unwrap()
}

/// `dyadsim trace ARGS…` standard output.
fn trace(args: &[String]) -> String {
    let out = dyadsim().arg("trace").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn set_args(params: &serde_json::Map<String, Value>) -> Vec<String> {
    params
        .iter()
        .flat_map(|(k, v)| ["--set".to_string(), format!("{k}={v}")])
        .collect()
}

/// Every number of `/api/run` equals the same cell of `trace --csv`.
fn assert_run_equals_trace(
    c: &Classroom,
    params: serde_json::Map<String, Value>,
    seed: u64,
    months: u64,
) {
    let run = post(
        c,
        "/api/run",
        json!({"params": params, "seed": seed, "months": months, "csv": true}),
    );
    let mut args = set_args(&params);
    args.extend([
        "--set".into(),
        format!("scenario.months={months}"),
        "--seed".into(),
        seed.to_string(),
    ]);
    let mut csv_args = args.clone();
    csv_args.push("--csv".into());
    let csv = trace(&csv_args);
    assert_eq!(
        run["csv"].as_str().unwrap(),
        csv,
        "the csv field is trace --csv"
    );
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header = reader.headers().unwrap().clone();
    let rows = run["trace"].as_array().unwrap();
    let mut n = 0;
    for (rec, row) in reader.records().zip(rows) {
        let rec = rec.unwrap();
        for (col, cell) in header.iter().zip(rec.iter()) {
            let v = &row[col];
            match col {
                "phase" | "level" => assert_eq!(v.as_str(), Some(cell), "{col}"),
                _ if cell == "NA" => assert!(v.is_null(), "{col}"),
                _ => {
                    let want: f64 = cell.parse().unwrap();
                    let got = v.as_f64().unwrap_or_else(|| panic!("{col} = {v}"));
                    assert_eq!(
                        got.to_bits(),
                        want.to_bits(),
                        "month {} {col}",
                        row["month"]
                    );
                }
            }
        }
        n += 1;
    }
    assert_eq!(n, rows.len());
    assert!(n > 0);
    // The narrative is trace's, line for line.
    let story = trace(&args);
    let mut lines = vec![run["intro"].as_str().unwrap().to_string()];
    for row in rows {
        for t in row["narrative"].as_array().unwrap() {
            let month = row["month"].as_u64().unwrap();
            lines.push(format!("month {month:>3}: {}", t.as_str().unwrap()));
        }
    }
    lines.push(run["end"].as_str().unwrap().to_string());
    let want: Vec<&str> = story
        .lines()
        .skip_while(|l| !l.starts_with("One dyad"))
        .collect();
    assert_eq!(lines, want);
}

#[test]
fn run_equals_trace_csv_for_the_same_overrides_and_seed() {
    let c = Classroom::start(&[]);
    let mut p = serde_json::Map::new();
    p.insert("buyer.champion".into(), json!(0.8));
    p.insert("relationship.value_overlap".into(), json!(0.2));
    p.insert("mechanisms.lock_in".into(), json!(false));
    assert_run_equals_trace(&c, p, 7, 48);
    // The failure case as the page sends it, for 36 months.
    let presets = get_json(&c, "/api/presets");
    let failure = presets["presets"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "failure_case")
        .unwrap();
    let params = failure["params"].as_object().unwrap().clone();
    assert!(params.len() > 10);
    assert_run_equals_trace(&c, params, 11, failure["months"].as_u64().unwrap());
}

#[test]
fn every_endpoint_answers() {
    let c = Classroom::start(&[]);
    // The page and its files, with no reference to anything but this server.
    let (s, html) = get(&c.url);
    assert_eq!(s, 200);
    for f in [
        "/app.js",
        "/app.css",
        "/vendor/uPlot.iife.min.js",
        "/vendor/uPlot.min.css",
        "/vendor/uPlot.LICENSE.txt",
    ] {
        assert!(
            html.contains(f.trim_start_matches('/')) || f.ends_with(".txt"),
            "{f}"
        );
        let (s, body) = get(&format!("{}{}", c.url, &f[1..]));
        assert_eq!(s, 200, "{f}");
        assert!(!body.is_empty());
        for text in [&html, &body] {
            assert!(
                !text.contains("//cdn") && !text.contains("googleapis"),
                "{f}"
            );
        }
    }
    let params = get_json(&c, "/api/params");
    let list = params["params"].as_array().unwrap();
    assert_eq!(list.len(), dyadsim::model::PARAM_SPECS.len());
    let champion = list.iter().find(|p| p["path"] == "buyer.champion").unwrap();
    assert_eq!(champion["default"], 0.5);
    assert_eq!(
        (champion["min"].as_f64(), champion["max"].as_f64()),
        (Some(0.0), Some(1.0))
    );
    assert!(champion["meaning"].as_str().unwrap().contains("champion"));
    assert!(champion["unit"].is_string());

    let presets = get_json(&c, "/api/presets");
    let ids: Vec<&str> = presets["presets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(&ids[..3], ["baseline", "success_case", "failure_case"]);
    assert_eq!(ids.len(), 21);
    assert!(ids.contains(&"dyad_18"));
    for p in presets["presets"].as_array().unwrap() {
        assert!(!p["description"].as_str().unwrap().is_empty());
    }

    let hyps = get_json(&c, "/api/hypotheses");
    let hyps = hyps["hypotheses"].as_array().unwrap();
    assert!(hyps.iter().any(|h| h["id"] == "C1a"));
    assert!(hyps.iter().any(|h| h["id"] == "P15"));

    let run = post(&c, "/api/run", json!({"seed": 7}));
    assert_eq!(
        run["trace"].as_array().unwrap().len(),
        run["outcome"]["months"].as_u64().unwrap() as usize
    );
    assert_eq!(run["months"], 60);
    let first = &run["trace"][0];
    for key in [
        "asymmetry",
        "supplier_trust",
        "buyer_trust",
        "value_supplier",
        "supplier_cash",
        "event_names",
        "narrative",
        "level",
        "crisis",
    ] {
        assert!(first.get(key).is_some(), "{key}");
    }
    assert!(
        run["outcome"]["metrics"]["dual_index"].is_number()
            || run["outcome"]["metrics"]["dual_index"].is_null()
    );

    let ens = post(
        &c,
        "/api/ensemble",
        json!({"runs": 300, "seed": 7, "months": 30, "params": {"buyer.champion": 0.9}}),
    );
    assert_eq!(ens["runs"], 300);
    assert_eq!(ens["months"], 30);
    for t in 0..30 {
        let total: f64 = ["preparation", "execution", "integration", "dissolved"]
            .iter()
            .map(|p| ens["phase_share"][p][t].as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-12, "month {t}: {total}");
        let q = |k: &str| ens[k]["asymmetry"][t].as_f64().unwrap();
        assert!(q("p10") <= q("p50") && q("p50") <= q("p90"));
    }
    let dissolved = &ens["outcomes"]["dissolved"];
    assert!(dissolved["ci_low"].as_f64().unwrap() <= dissolved["mean"].as_f64().unwrap());
    assert_eq!(dissolved["n"], 300);
    // Same request, same numbers.
    let again = post(
        &c,
        "/api/ensemble",
        json!({"runs": 300, "seed": 7, "months": 30, "params": {"buyer.champion": 0.9}}),
    );
    assert_eq!(ens, again);

    let h = post(&c, "/api/hypothesis", json!({"id": "C1a", "reps": 300}));
    assert_eq!(h["hypothesis"]["id"], "C1a");
    let (lo, hi, eff) = (
        h["ci"][0].as_f64().unwrap(),
        h["ci"][1].as_f64().unwrap(),
        h["effect"].as_f64().unwrap(),
    );
    assert!(lo <= eff && eff <= hi);
    assert!(
        ["supported", "contradicted", "inconclusive"].contains(&h["verdict"].as_str().unwrap())
    );
    assert_eq!(
        h["n"].as_u64().unwrap() + h["dropped"].as_u64().unwrap(),
        300
    );

    let scn = post(
        &c,
        "/api/scenario",
        json!({"params": {"buyer.champion": 0.8}, "seed": 5, "runs": 40, "months": 12}),
    );
    assert_eq!(scn["file_name"], "classroom.toml");
    assert!(scn["toml"].as_str().unwrap().contains("champion = 0.8"));
}

#[test]
fn exported_scenario_runs_and_replays_the_page_run() {
    let c = Classroom::start(&[]);
    let params = json!({"buyer.champion": 0.0, "supplier.invest_propensity": 0.9});
    let scn = post(
        &c,
        "/api/scenario",
        json!({"params": params, "seed": 3, "runs": 60, "months": 24}),
    );
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(dir.path(), "classroom.toml", scn["toml"].as_str().unwrap());
    common::run(&file, &dir.path().join("out"), &[]);
    assert!(dir.path().join("out/classroom/runs.csv").exists());
    let run = post(
        &c,
        "/api/run",
        json!({"params": params, "seed": 3, "months": 24, "csv": true}),
    );
    let csv = trace(&[
        file.display().to_string(),
        "--seed".into(),
        "3".into(),
        "--csv".into(),
    ]);
    assert_eq!(run["csv"].as_str().unwrap(), csv);
}

#[test]
fn bad_input_gets_a_json_error_naming_the_field() {
    let c = Classroom::start(&[]);
    let url = |p: &str| format!("{}{}", c.url, &p[1..]);
    let cases: &[(&str, &str, u16, &str, &str)] = &[
        ("/api/run", "{\"seed\": ", 400, "body", "malformed JSON"),
        ("/api/run", "[1, 2]", 400, "body", "JSON object"),
        (
            "/api/run",
            r#"{"params": {"buyer.champoin": 0.8}}"#,
            400,
            "params.buyer.champoin",
            "did you mean `buyer.champion`",
        ),
        (
            "/api/run",
            r#"{"params": {"buyer.champion": 1.5}}"#,
            400,
            "params.buyer.champion",
            "out of range",
        ),
        (
            "/api/run",
            r#"{"params": {"buyer.champion": "high"}}"#,
            400,
            "params.buyer.champion",
            "must be a number",
        ),
        (
            "/api/run",
            r#"{"params": {"mechanisms.champion": 0.5}}"#,
            400,
            "params.mechanisms.champion",
            "switch (true/false)",
        ),
        (
            "/api/run",
            r#"{"params": {"months": 12}}"#,
            400,
            "params.months",
            "`months` field",
        ),
        (
            "/api/run",
            r#"{"params": [1]}"#,
            400,
            "params",
            "must be an object",
        ),
        ("/api/run", r#"{"seed": -1}"#, 400, "seed", "whole number"),
        (
            "/api/run",
            r#"{"seeds": 1}"#,
            400,
            "seeds",
            "did you mean `seed`",
        ),
        (
            "/api/run",
            r#"{"months": 0}"#,
            400,
            "months",
            "out of range",
        ),
        ("/api/run", r#"{"months": 601}"#, 413, "months", "1 ..= 600"),
        (
            "/api/ensemble",
            r#"{"runs": 20001}"#,
            413,
            "runs",
            "1 ..= 20000",
        ),
        (
            "/api/ensemble",
            r#"{"runs": 10, "months": 100000}"#,
            413,
            "months",
            "out of range",
        ),
        (
            "/api/hypothesis",
            r#"{"id": "C1x"}"#,
            400,
            "id",
            "did you mean",
        ),
        ("/api/hypothesis", r#"{}"#, 400, "id", "required"),
        (
            "/api/hypothesis",
            r#"{"id": "C1a", "reps": 1000000}"#,
            413,
            "reps",
            "out of range",
        ),
        (
            "/api/scenario",
            r#"{"name": "../etc"}"#,
            400,
            "name",
            "letters",
        ),
    ];
    for (path, body, status, field, text) in cases {
        let (s, v) = post_raw(&url(path), body);
        assert_eq!(s, *status, "{path} {body}: {v}");
        assert_eq!(v["field"].as_str(), Some(*field), "{path} {body}: {v}");
        let msg = v["error"].as_str().unwrap();
        assert!(msg.contains(text), "{path} {body}: {msg}");
    }
    // A body over the cap.
    let big = format!("{{\"params\": {{}}, \"pad\": \"{}\"}}", "x".repeat(200_000));
    let (s, v) = post_raw(&url("/api/run"), &big);
    assert_eq!(s, 413, "{v}");
    assert!(v["error"].as_str().unwrap().contains("larger than"));
    // Unknown paths and methods.
    let (s, body) = get(&url("/api/nothing"));
    assert_eq!(s, 404);
    assert!(serde_json::from_str::<Value>(&body).unwrap()["error"].is_string());
    let (s, _) = get(&url("/no/such/page"));
    assert_eq!(s, 404);
    let (s, body) = get(&url("/api/run"));
    assert_eq!(s, 405, "{body}");
    // Still serving after all that.
    let (s, _) = get(&url("/api/params"));
    assert_eq!(s, 200);
}

#[test]
fn requests_are_answered_concurrently() {
    let c = Classroom::start(&[]);
    let slow_done = AtomicBool::new(false);
    let (c, slow_done) = (&c, &slow_done);
    std::thread::scope(|scope| {
        let slow = scope.spawn(move || {
            let v = post(
                c,
                "/api/ensemble",
                json!({"runs": 20000, "months": 120, "seed": 1}),
            );
            slow_done.store(true, Ordering::SeqCst);
            v
        });
        // Give the slow request time to start, then ask for the page and a run.
        std::thread::sleep(std::time::Duration::from_millis(300));
        let quick: Vec<_> = (0..4)
            .map(|i| {
                scope.spawn(move || {
                    let (s, _) = get(&c.url);
                    assert_eq!(s, 200);
                    let v = post(c, "/api/run", json!({"seed": 5, "months": 24}));
                    (i, v)
                })
            })
            .collect();
        let runs: Vec<Value> = quick.into_iter().map(|h| h.join().unwrap().1).collect();
        assert!(
            !slow_done.load(Ordering::SeqCst),
            "the page and four runs waited for a 2.4-million-month ensemble"
        );
        // Same request at the same time, same answer.
        assert!(runs.windows(2).all(|w| w[0] == w[1]));
        let slow = slow.join().unwrap();
        assert_eq!(slow["runs"], 20000);
    });
}

#[test]
fn binds_loopback_by_default_and_warns_for_anything_else() {
    let c = Classroom::start(&[]);
    assert!(c.url.starts_with("http://127.0.0.1:"), "{}", c.url);
    let mut c2 = Classroom::start(&["--bind", "0.0.0.0"]);
    assert!(c2.url.starts_with("http://0.0.0.0:"), "{}", c2.url);
    let mut err = String::new();
    let mut stderr = c2.stderr.take().unwrap();
    let mut buf = [0u8; 4096];
    while !err.contains("stop with Ctrl-C") {
        let n = stderr.read(&mut buf).unwrap();
        assert!(n > 0, "stderr closed: {err}");
        err.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(err.contains("warning: listening on 0.0.0.0"), "{err}");
    // A port in use: a clear error, non-zero exit.
    let port = c
        .url
        .trim_end_matches('/')
        .rsplit(':')
        .next()
        .unwrap()
        .to_string();
    let out = dyadsim()
        .args(["classroom", "--port", &port])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot listen on 127.0.0.1"));
}
