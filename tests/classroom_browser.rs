//! `dyadsim classroom` in a real browser (issue 14): Debian's Chromium driven through
//! ChromeDriver with fantoccini (WebDriver).
//!
//! Needs `/usr/bin/chromium` and `/usr/bin/chromedriver`; runs only when
//! `DYADSIM_BROWSER_TEST=1` (as `tests/classroom/run.sh` sets it, after installing them),
//! so a plain `cargo test` needs no browser. Screenshots go to `target/classroom/`.

mod common;

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{Classroom, dyadsim};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};

/// ChromeDriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
}

impl Driver {
    /// Start ChromeDriver, logging to `target/classroom/<log>`.
    fn start(log: &str) -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = shots_dir().join(log);
        let child = Command::new(chromedriver())
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let d = Driver { child, port };
        let t = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                t.elapsed() < Duration::from_secs(20),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        d
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn chromium() -> String {
    std::env::var("DYADSIM_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}
fn chromedriver() -> String {
    std::env::var("DYADSIM_CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into())
}

fn shots_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/classroom");
    std::fs::create_dir_all(&d).unwrap();
    d
}

async fn js(c: &Client, script: &str) -> Value {
    c.execute(script, vec![]).await.unwrap()
}

/// Poll `script` (a JavaScript function body returning a value) until it returns something
/// truthy; returns it.
async fn wait_for(c: &Client, what: &str, script: &str) -> Value {
    let t = Instant::now();
    loop {
        let v = js(c, script).await;
        let truthy = match &v {
            Value::Null | Value::Bool(false) => false,
            Value::String(s) => !s.is_empty(),
            _ => true,
        };
        if truthy {
            return v;
        }
        if t.elapsed() > Duration::from_secs(30) {
            let problems = js(c, "return window.__problems").await;
            panic!("timed out waiting for {what} (page problems: {problems})");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("{css}: {e}"))
        .click()
        .await
        .unwrap();
}

async fn screenshot(c: &Client, name: &str) -> PathBuf {
    // From the top of the page, whatever the last click scrolled to.
    js(c, "window.scrollTo(0, 0); return true").await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let png = c.screenshot().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"), "{name} is not a PNG");
    let p = shots_dir().join(name);
    std::fs::write(&p, png).unwrap();
    p
}

fn attr_f64(v: &Value) -> f64 {
    v.as_str().and_then(|s| s.parse().ok()).unwrap_or(f64::NAN)
}

/// `dyadsim trace --csv` month `month`, column `col`, for the page's settings.
fn trace_cell(
    params: &serde_json::Map<String, Value>,
    months: u64,
    seed: u64,
    month: usize,
    col: &str,
) -> f64 {
    let mut cmd = dyadsim();
    cmd.arg("trace");
    for (k, v) in params {
        cmd.arg("--set").arg(format!("{k}={v}"));
    }
    cmd.args([
        "--set",
        &format!("scenario.months={months}"),
        "--seed",
        &seed.to_string(),
        "--csv",
    ]);
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut r = csv::Reader::from_reader(&out.stdout[..]);
    let i = r.headers().unwrap().iter().position(|h| h == col).unwrap();
    let row = r.records().nth(month - 1).unwrap().unwrap();
    row[i].parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_page_in_chromium() {
    if std::env::var("DYADSIM_BROWSER_TEST").as_deref() != Ok("1") {
        eprintln!("skipped: set DYADSIM_BROWSER_TEST=1 (tests/classroom/run.sh does) to run it");
        return;
    }
    let server = Classroom::start(&[]);
    let origin = server.url.trim_end_matches('/').to_string();
    // On a busy machine Chromium's first navigation now and then never answers (the
    // renderer does not reply within the page-load timeout), and a new session on the same
    // ChromeDriver can hang the same way: each try starts ChromeDriver and Chromium afresh,
    // with a fresh profile, after a pause, and keeps its driver's log.
    const TRIES: u32 = 4;
    let mut tries = 0;
    let (c, driver, _profile) = loop {
        tries += 1;
        let driver = Driver::start(&format!("chromedriver-{tries}.log"));
        let profile = tempfile::tempdir().unwrap();
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": chromium(),
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1500,1000",
                    format!("--user-data-dir={}", profile.path().display()),
                ],
            }),
        );
        caps.insert("goog:loggingPrefs".into(), json!({"browser": "ALL"}));
        caps.insert("pageLoadStrategy".into(), json!("eager"));
        caps.insert(
            "timeouts".into(),
            json!({"pageLoad": 30000, "script": 30000}),
        );
        let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", driver.port))
            .await
            .expect("a WebDriver session with Chromium");
        eprintln!("session open; loading {}", server.url);
        match c.goto(&server.url).await {
            Ok(()) => break (c, driver, profile),
            Err(e) if tries < TRIES => {
                eprintln!("navigation failed ({e}); ChromeDriver and Chromium afresh");
                let _ = c.close().await;
                drop(driver);
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            Err(e) => panic!("navigation failed {TRIES} times: {e}"),
        }
    };
    eprintln!("loaded");
    wait_for(&c, "the page", "return document.body.dataset.ready === 'true' && document.getElementById('month-readout').dataset.month !== undefined").await;

    eprintln!("ready");
    // Seed 3 (the failure case goes insolvent in month 22 there, and creates some value).
    js(&c, "const s = document.getElementById('seed'); s.value = '3'; s.dispatchEvent(new Event('change')); return true").await;
    // The failure case, five steps: month 5 as trace --csv has it.
    click(&c, "#preset-failure_case").await;
    wait_for(
        &c,
        "the failure case",
        "return document.getElementById('month-readout').textContent.includes('of 36')",
    )
    .await;
    for _ in 0..5 {
        click(&c, "#step").await;
    }
    let month = wait_for(&c, "month 5", "const m = document.getElementById('month-readout'); return m.dataset.month === '5' && m.textContent").await;
    assert!(
        month.as_str().unwrap().starts_with("Month 5 of 36"),
        "{month}"
    );
    let asym = attr_f64(
        &js(
            &c,
            "return document.getElementById('readout-asym').dataset.value",
        )
        .await,
    );
    let params = js(&c, "return window.dyadsim.a.params").await;
    let params = params.as_object().unwrap().clone();
    let seed: u64 = js(&c, "return document.getElementById('seed').value")
        .await
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(params["buyer.champion"], 0.0);
    assert_eq!(
        asym.to_bits(),
        trace_cell(&params, 36, seed, 5, "asymmetry").to_bits()
    );
    screenshot(&c, "failure_month5.png").await;

    // The champion slider, moved with the keyboard, changes the dual index.
    let before = attr_f64(
        &js(
            &c,
            "return document.getElementById('dual-end').dataset.value",
        )
        .await,
    );
    let slider = c
        .find(Locator::Css("#sliders-buyer-champion"))
        .await
        .unwrap();
    slider.send_keys("\u{E010}").await.unwrap(); // End: the largest value
    let after = wait_for(
        &c,
        "a new dual index",
        &format!("const v = document.getElementById('dual-end').dataset.value; return v !== '' && Number(v) !== {before} && v"),
    )
    .await;
    assert_eq!(
        js(&c, "return window.dyadsim.a.params['buyer.champion']").await,
        json!(1)
    );
    let after = attr_f64(&after);
    assert!(
        after.is_finite() && after != before,
        "dual index {before} -> {after}"
    );
    click(&c, "#to-end").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    screenshot(&c, "one_dyad.png").await;

    // Side by side: the failure case and the same with a champion, same seed.
    click(&c, "#tab-two").await;
    click(&c, "#quick-champion").await;
    wait_for(&c, "both sides", "return window.dyadsim.runB && window.dyadsim.runB.months === 36 && window.dyadsim.b.params['buyer.champion'] === 0.9 && window.dyadsim.runA.seed === window.dyadsim.runB.seed").await;
    click(&c, "#to-end").await;
    let ends = wait_for(&c, "both ends", "const a = document.getElementById('dual-end-a').textContent, b = document.getElementById('dual-end-b').textContent; return a !== '–' && b !== '–' && [a, b]").await;
    eprintln!("side by side, dual index at the end: {ends}");
    tokio::time::sleep(Duration::from_millis(300)).await;
    screenshot(&c, "side_by_side.png").await;

    // One story against a thousand.
    click(&c, "#tab-band").await;
    let note = wait_for(&c, "the ensemble", "const t = document.getElementById('band-note').textContent; return t.includes('runs in') && t").await;
    eprintln!("ensemble: {note}");
    assert!(
        js(
            &c,
            "return document.querySelectorAll('#band-outcomes tr').length"
        )
        .await
        .as_u64()
        .unwrap()
            > 5
    );
    tokio::time::sleep(Duration::from_millis(300)).await;
    screenshot(&c, "against_a_thousand.png").await;

    // A class experiment.
    click(&c, "#tab-experiment").await;
    c.find(Locator::Css("#hyp-select"))
        .await
        .unwrap()
        .select_by_value("C1a")
        .await
        .unwrap();
    let reps = c.find(Locator::Css("#hyp-reps")).await.unwrap();
    reps.clear().await.unwrap();
    reps.send_keys("400").await.unwrap();
    click(&c, "#hyp-run").await;
    let verdict = wait_for(
        &c,
        "a verdict",
        "const v = document.getElementById('hyp-verdict'); return v && v.textContent",
    )
    .await;
    assert!(["supported", "contradicted", "inconclusive"].contains(&verdict.as_str().unwrap()));
    screenshot(&c, "experiment.png").await;

    // Export the settings as TOML and run the file with the binary.
    click(&c, "#export-toml").await;
    let exported = wait_for(
        &c,
        "the export",
        "return window.dyadsim.lastExport && window.dyadsim.lastExport.text",
    )
    .await;
    let dir = tempfile::tempdir().unwrap();
    let file = common::write(dir.path(), "classroom.toml", exported.as_str().unwrap());
    let out = dyadsim()
        .args([
            "run",
            file.to_str().unwrap(),
            "--out",
            dir.path().join("out").to_str().unwrap(),
            "--quiet",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("out/classroom/report.html").exists());
    // The file's dyad with the page's seed is the page's dyad (champion at 1 now).
    let page_asym = js(&c, "return window.dyadsim.runA.trace[4].asymmetry")
        .await
        .as_f64()
        .unwrap();
    let t = dyadsim()
        .args([
            "trace",
            file.to_str().unwrap(),
            "--seed",
            &seed.to_string(),
            "--csv",
        ])
        .output()
        .unwrap();
    let mut r = csv::Reader::from_reader(&t.stdout[..]);
    let row = r.records().nth(4).unwrap().unwrap();
    assert_eq!(
        row[2].parse::<f64>().unwrap().to_bits(),
        page_asym.to_bits()
    );

    // Large type, for a projector.
    click(&c, "#tab-one").await;
    click(&c, "#large-type").await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    screenshot(&c, "large_type.png").await;

    // No script errors, failed requests or console errors; nothing requested beyond the server.
    let problems = js(&c, "return window.__problems").await;
    assert_eq!(problems, json!([]), "problems on the page");
    let urls = js(&c, "return performance.getEntries().filter(e => e.entryType === 'navigation' || e.entryType === 'resource').map(e => e.name)").await;
    let urls = urls.as_array().unwrap();
    assert!(urls.len() >= 8, "{urls:?}");
    for u in urls {
        let u = u.as_str().unwrap();
        assert!(
            u.starts_with(&format!("{origin}/")),
            "a request left the server: {u}"
        );
    }
    eprintln!(
        "{} requests, all to {origin}; screenshots in {}",
        urls.len(),
        shots_dir().display()
    );
    // The browser's own console log (ChromeDriver's log endpoint): no errors. A warning
    // written now shows that the log is read at all.
    js(&c, "console.warn('dyadsim-log-probe'); return true").await;
    let session = c.session_id().await.unwrap().expect("a session");
    let log = ureq::post(&format!(
        "http://127.0.0.1:{}/session/{session}/se/log",
        driver.port
    ))
    .header("Content-Type", "application/json")
    .send(json!({"type": "browser"}).to_string())
    .expect("the browser log")
    .body_mut()
    .read_to_string()
    .unwrap();
    let log: Value = serde_json::from_str(&log).unwrap();
    let entries = log["value"].as_array().expect("log entries");
    assert!(
        entries.iter().any(|e| e["message"]
            .as_str()
            .unwrap_or("")
            .contains("dyadsim-log-probe")),
        "the browser log does not have the probe: {entries:?}"
    );
    let severe: Vec<&Value> = entries.iter().filter(|e| e["level"] == "SEVERE").collect();
    assert!(severe.is_empty(), "console errors: {severe:?}");
    eprintln!("browser console: {} entries, none severe", entries.len());
    c.close().await.unwrap();
    drop(driver);
}
