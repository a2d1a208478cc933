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
