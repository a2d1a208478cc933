//! Helpers shared by the integration tests that drive the real `dyadsim` binary. Each test
//! crate uses only some of them.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The `dyadsim` binary built by this package.
pub fn dyadsim() -> Command {
    Command::cargo_bin("dyadsim").unwrap()
}

/// Write `text` to `dir/name` and return the path.
pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `dyadsim run SCN --out OUT --quiet EXTRA…`, which must succeed.
pub fn run(scn: &Path, out: &Path, extra: &[&str]) {
    dyadsim()
        .arg("run")
        .arg(scn)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .assert()
        .success();
}

/// `dyadsim run SCN --out OUT --quiet --threads 1`, stopped after `chunks` chunks and aborted
/// as a crash would leave it (the test aid `DYADSIM_ABORT_AFTER_CHUNKS`): it must fail.
pub fn crash(scn: &Path, out: &Path, chunks: &str) {
    dyadsim()
        .env("DYADSIM_ABORT_AFTER_CHUNKS", chunks)
        .args(["run", "--quiet", "--threads", "1", "--out"])
        .arg(out)
        .arg(scn)
        .assert()
        .failure();
}

/// The JSON file `path`.
pub fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The JSON body of a sealed state file (`checkpoint.json`, `shard.json`): the bytes
/// after its seal line.
pub fn sealed_body(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    let cut = bytes.iter().position(|&b| b == b'\n').expect("a seal line");
    bytes[cut + 1..].to_vec()
}

/// The JSON of a sealed state file.
pub fn sealed_json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&sealed_body(path)).unwrap()
}

/// `dyadsim run SCN --out OUT --quiet EXTRA…` as a process to start, for tests that run
/// it beside another command or kill it.
pub fn run_process(scn: &Path, out: &Path, extra: &[&str]) -> std::process::Command {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_dyadsim"));
    c.arg("run")
        .arg(scn)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra);
    c
}

/// `dyadsim run SCN --out OUT --quiet EXTRA…`, which must be refused as a fault must end
/// ([`assert_refused`]); returns the whole standard error. A hang fails after five minutes.
pub fn run_refused(scn: &Path, out: &Path, extra: &[&str], names: &str) -> String {
    let o = dyadsim()
        .arg("run")
        .arg(scn)
        .arg("--out")
        .arg(out)
        .arg("--quiet")
        .args(extra)
        .timeout(std::time::Duration::from_secs(300))
        .output()
        .unwrap();
    assert_refused(&o, names);
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// The command failed as a fault must end: exit status 1, no panic, and one `Error:` line,
/// which contains `names`; returns that line.
pub fn assert_refused(o: &std::process::Output, names: &str) -> String {
    let err = String::from_utf8_lossy(&o.stderr).to_string();
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let errors: Vec<&str> = err.lines().filter(|l| l.starts_with("Error:")).collect();
    assert_eq!(errors.len(), 1, "{err}");
    assert!(errors[0].contains(names), "no {names} in {err}");
    errors[0].to_string()
}

/// A finished command's standard error as text.
pub fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8_lossy(&a.get_output().stderr).to_string()
}

/// Every file of `files` is byte for byte the same in directories `a` and `b`.
pub fn assert_same(a: &Path, b: &Path, files: &[&str]) {
    for f in files {
        let x = std::fs::read(a.join(f)).unwrap_or_else(|e| panic!("{}: {e}", a.join(f).display()));
        let y = std::fs::read(b.join(f)).unwrap_or_else(|e| panic!("{}: {e}", b.join(f).display()));
        assert!(
            x == y,
            "{f} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

/// A `dyadsim classroom` process serving on a loopback port, killed when dropped.
pub struct Classroom {
    child: std::process::Child,
    /// The page's URL as the server printed it, e.g. `http://127.0.0.1:40123/`.
    pub url: String,
    /// The server's standard error, for tests that read its warnings.
    pub stderr: Option<std::process::ChildStderr>,
}

impl Classroom {
    /// Start `dyadsim classroom --port 0 EXTRA…` and wait for the URL it prints.
    pub fn start(extra: &[&str]) -> Classroom {
        use std::io::BufRead;
        use std::process::Stdio;
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_dyadsim"))
            .args(["classroom", "--port", "0"])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dyadsim classroom");
        let mut line = String::new();
        let stdout = child.stdout.take().unwrap();
        std::io::BufReader::new(stdout)
            .read_line(&mut line)
            .unwrap();
        let url = line
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .to_string();
        let stderr = child.stderr.take();
        Classroom { child, url, stderr }
    }
}

impl Classroom {
    /// The server's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
    /// Send SIGINT (what Ctrl-C sends) and wait up to `limit` for the server to exit; its
    /// exit status, or `None` if it is still running.
    pub fn interrupt(&mut self, limit: std::time::Duration) -> Option<std::process::ExitStatus> {
        let _ = std::process::Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status();
        let start = std::time::Instant::now();
        while start.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Classroom {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
