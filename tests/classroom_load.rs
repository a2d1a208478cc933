//! `dyadsim classroom` under load and abuse (docs/RELIABILITY.md): a flood of concurrent
//! requests, a client that sends its headers byte by byte, a 100 MB body, fuzzed JSON, and
//! Ctrl-C. The server must keep answering, stay within bounded memory, refuse what is too
//! large, and stop cleanly.
//!
//! Run in release by `.ci/run` (`cargo test --release -- --ignored`).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::Classroom;
use rand::rngs::Xoshiro256PlusPlus;
use rand::{RngExt, SeedableRng};

fn host(c: &Classroom) -> String {
    c.url
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string()
}

/// One request; the status code and body (ureq, which reads chunked replies).
fn request(addr: &str, method: &str, path: &str, body: &[u8]) -> std::io::Result<(u16, Vec<u8>)> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let url = format!("http://{addr}{path}");
    let reply = if method == "GET" {
        agent.get(&url).call()
    } else {
        agent
            .post(&url)
            .header("Content-Type", "application/json")
            .send(body)
    };
    let mut r = reply.map_err(std::io::Error::other)?;
    let status = r.status().as_u16();
    let bytes = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .map_err(std::io::Error::other)?;
    Ok((status, bytes))
}

/// The status code of a raw HTTP reply (for the requests written by hand below).
fn status_of(reply: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(reply);
    text.split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or_else(|| panic!("no status in {:?}", &text[..text.len().min(200)]))
}

/// Peak resident memory of a process, kB (Linux).
fn peak_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

#[test]
#[ignore = "load test; run in release by .ci/run"]
fn a_flood_of_2000_requests_from_50_clients_is_answered_in_bounded_memory() {
    let c = Classroom::start(&[]);
    let addr = Arc::new(host(&c));
    let (ok, busy) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let start = Instant::now();
    let clients: Vec<_> = (0..50)
        .map(|k| {
            let (addr, ok, busy) = (Arc::clone(&addr), Arc::clone(&ok), Arc::clone(&busy));
            std::thread::spawn(move || {
                for i in 0..40 {
                    let (method, path, body) = match (k + i) % 4 {
                        0 => ("GET", "/api/params", String::new()),
                        1 => ("GET", "/", String::new()),
                        2 => (
                            "POST",
                            "/api/run",
                            format!("{{\"params\": {{\"buyer.champion\": 0.{}}}, \"seed\": {i}, \"months\": 24}}", k % 10),
                        ),
                        _ => (
                            "POST",
                            "/api/ensemble",
                            format!("{{\"runs\": 200, \"months\": 36, \"seed\": {k}}}"),
                        ),
                    };
                    let (status, _) = request(&addr, method, path, body.as_bytes())
                        .unwrap_or_else(|e| panic!("client {k} request {i}: {e}"));
                    match status {
                        200 => ok.fetch_add(1, Ordering::Relaxed),
                        // Heavy requests beyond the concurrent limit are refused at once.
                        503 if path == "/api/ensemble" => busy.fetch_add(1, Ordering::Relaxed),
                        s => panic!("client {k} request {i} {path}: status {s}"),
                    };
                }
            })
        })
        .collect();
    for t in clients {
        t.join().unwrap();
    }
    let secs = start.elapsed().as_secs_f64();
    let (ok, busy) = (ok.load(Ordering::Relaxed), busy.load(Ordering::Relaxed));
    let peak = peak_kb(c.pid());
    eprintln!(
        "flood: 2000 requests from 50 clients in {secs:.1} s: {ok} answered, {busy} ensembles refused as busy (503); server peak memory {peak} kB"
    );
    assert_eq!(ok + busy, 2000);
    assert!(ok >= 1500, "{ok}");
    assert!(peak > 0 && peak < 512 * 1024, "peak memory {peak} kB");
    // Still answering.
    assert_eq!(request(&addr, "GET", "/api/health", b"").unwrap().0, 200);
}

#[test]
#[ignore = "load test; run in release by .ci/run"]
fn a_slow_client_does_not_block_others_and_a_100_mb_body_gets_413() {
    let c = Classroom::start(&[]);
    let addr = host(&c);
    // A client that sends its request line and headers one byte every 20 ms.
    let slow_addr = addr.clone();
    let slow = std::thread::spawn(move || {
        let mut s = TcpStream::connect(&slow_addr).unwrap();
        let head =
            format!("GET /api/health HTTP/1.1\r\nHost: {slow_addr}\r\nConnection: close\r\n\r\n");
        for b in head.bytes() {
            s.write_all(&[b]).unwrap();
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut out = Vec::new();
        s.read_to_end(&mut out).unwrap();
        status_of(&out)
    });
    // Meanwhile other clients are answered promptly.
    std::thread::sleep(Duration::from_millis(100));
    let mut slowest = Duration::ZERO;
    for i in 0..20 {
        let t = Instant::now();
        let (status, _) = request(&addr, "GET", "/api/params", b"").unwrap();
        assert_eq!(status, 200, "request {i}");
        slowest = slowest.max(t.elapsed());
    }
    assert!(
        !slow.is_finished(),
        "the slow client should still be sending"
    );
    assert_eq!(slow.join().unwrap(), 200);
    eprintln!("slow client: 20 other requests answered meanwhile, slowest {slowest:?}");
    // 100 MB announced and sent: refused with 413 after at most the cap is read.
    let mut s = TcpStream::connect(&addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let size = 100 * 1024 * 1024;
    let head = format!(
        "POST /api/run HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(head.as_bytes()).unwrap();
    let chunk = vec![b' '; 1 << 20];
    let mut sent = 0usize;
    while sent < size {
        // The server may close the connection once it has answered.
        if s.write_all(&chunk).is_err() {
            break;
        }
        sent += chunk.len();
    }
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    assert_eq!(status_of(&out), 413, "{}", String::from_utf8_lossy(&out));
    assert!(String::from_utf8_lossy(&out).contains("\"error\""));
    eprintln!(
        "100 MB body: 413 after {} MB were accepted by the socket",
        sent >> 20
    );
    assert!(peak_kb(c.pid()) < 512 * 1024);
    assert_eq!(request(&addr, "GET", "/api/health", b"").unwrap().0, 200);
}

/// Random and mutated JSON to every POST endpoint: 200, 400, 404 or 413 with a JSON error,
/// never a 500, and the server keeps answering.
#[test]
#[ignore = "fuzzing; run in release by .ci/run"]
fn fuzzed_json_bodies_get_a_json_answer_never_a_crash() {
    let c = Classroom::start(&[]);
    let addr = host(&c);
    let mut rng = Xoshiro256PlusPlus::seed_from_u64(14);
    let endpoints = [
        "/api/run",
        "/api/ensemble",
        "/api/hypothesis",
        "/api/scenario",
    ];
    let seeds = [
        r#"{"params": {"buyer.champion": 0.8}, "seed": 7, "months": 24}"#,
        r#"{"params": {}, "runs": 50, "seed": 7, "months": 24}"#,
        r#"{"id": "C1a", "reps": 20}"#,
        r#"{"params": {"supplier.cash": 150}, "months": 12}"#,
    ];
    let values = [
        "null",
        "true",
        "-1",
        "0",
        "1e308",
        "-1e308",
        "1e400",
        "NaN",
        "\"x\"",
        "[]",
        "{}",
        "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]",
        "18446744073709551616",
        "0.5",
        "\"\u{202e}é\"",
        "600",
        "601",
        "20000",
        "20001",
        "9999999999",
    ];
    let mut counts = std::collections::BTreeMap::new();
    let cases = 1500;
    for k in 0..cases {
        let e = rng.random_range(0..endpoints.len());
        let mut body = seeds[rng.random_range(0..seeds.len())].to_string();
        match rng.random_range(0..6) {
            // Replace a value.
            0 | 1 => {
                let v = values[rng.random_range(0..values.len())];
                let keys = [
                    "\"seed\": ",
                    "\"months\": ",
                    "\"runs\": ",
                    "\"reps\": ",
                    "\"id\": ",
                    ": {",
                ];
                for key in keys {
                    if let Some(i) = body.find(key) {
                        let start = i + key.len();
                        let end = body[start..]
                            .find([',', '}'])
                            .map_or(body.len(), |j| start + j);
                        body.replace_range(start..end, v);
                        break;
                    }
                }
            }
            // Truncate.
            2 => {
                let cut = rng.random_range(0..body.len());
                body.truncate(cut);
            }
            // Random bytes inserted.
            3 => {
                let pos = rng.random_range(0..=body.len());
                let junk: String = (0..rng.random_range(1..6))
                    .map(|_| ['{', '}', '"', ',', ':', '\\', '\u{0}', 'é'][rng.random_range(0..8)])
                    .collect();
                body.insert_str(pos, &junk);
            }
            // An unknown or misspelt parameter, or a parameter of the wrong type.
            4 => {
                let p = [
                    "buyer.champoin",
                    "nope",
                    "buyer",
                    "months",
                    "buyer.champion\": \"high",
                ][rng.random_range(0..5)];
                body = body.replacen("\"params\": {", &format!("\"params\": {{\"{p}\": 0.5, "), 1);
            }
            // Deep nesting.
            _ => body = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000)),
        }
        let (status, reply) = request(&addr, "POST", endpoints[e], body.as_bytes())
            .unwrap_or_else(|err| panic!("case {k}: {err}: {body}"));
        assert!(
            matches!(status, 200 | 400 | 413 | 503),
            "case {k} {}: status {status} for {body}",
            endpoints[e]
        );
        let v: serde_json::Value = serde_json::from_slice(&reply).unwrap_or_else(|err| {
            panic!(
                "case {k}: not JSON ({err}): {}",
                String::from_utf8_lossy(&reply)
            )
        });
        if status != 200 {
            assert!(v["error"].is_string(), "case {k}: {v}");
        }
        *counts.entry(status).or_insert(0) += 1;
    }
    eprintln!("fuzzed {cases} JSON bodies: {counts:?}");
    assert_eq!(request(&addr, "GET", "/api/health", b"").unwrap().0, 200);
}

#[test]
#[ignore = "load test; run in release by .ci/run"]
fn ctrl_c_stops_the_server_after_the_requests_in_progress() {
    let mut c = Classroom::start(&[]);
    let addr = host(&c);
    // A request in progress when Ctrl-C arrives is still answered.
    let a2 = addr.clone();
    let busy = std::thread::spawn(move || {
        request(
            &a2,
            "POST",
            "/api/ensemble",
            br#"{"runs": 20000, "months": 120, "seed": 1}"#,
        )
    });
    std::thread::sleep(Duration::from_millis(300));
    let status = c
        .interrupt(Duration::from_secs(120))
        .expect("the server did not stop");
    assert!(status.success(), "{status:?}");
    let (code, body) = busy.join().unwrap().unwrap();
    assert_eq!(code, 200, "{}", String::from_utf8_lossy(&body));
    // Nothing listens any more.
    assert!(TcpStream::connect(&addr).is_err());
}
