//! Build-time provenance for `manifest.json`: the git commit and whether the work tree had
//! uncommitted changes, the compiler's version and the target triple. Outside a git
//! checkout (a crate from a registry) the commit is `unknown`.

use std::process::Command;

fn run(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

fn main() {
    let commit = run("git", &["rev-parse", "HEAD"]).unwrap_or_else(|| "unknown".into());
    let dirty = match run("git", &["status", "--porcelain", "--untracked-files=no"]) {
        Some(s) => (!s.is_empty()).to_string(),
        None => "unknown".into(),
    };
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into());
    let rustc_version = run(&rustc, &["--version"]).unwrap_or_else(|| "unknown".into());
    let target = std::env::var("TARGET").unwrap_or_else(|_| "unknown".into());
    println!("cargo:rustc-env=DYADSIM_GIT_COMMIT={commit}");
    println!("cargo:rustc-env=DYADSIM_GIT_DIRTY={dirty}");
    println!("cargo:rustc-env=DYADSIM_RUSTC={rustc_version}");
    println!("cargo:rustc-env=DYADSIM_TARGET={target}");
    // Rebuild when the commit or the index moves (paths valid in worktrees too).
    for what in ["HEAD", "index"] {
        if let Some(p) = run("git", &["rev-parse", "--git-path", what]) {
            println!("cargo:rerun-if-changed={p}");
        }
    }
    if let Some(r) = run("git", &["symbolic-ref", "-q", "HEAD"])
        && let Some(p) = run("git", &["rev-parse", "--git-path", &r])
    {
        println!("cargo:rerun-if-changed={p}");
    }
    // Edits to tracked files change the dirty flag: rescan the sources.
    for dir in ["build.rs", "Cargo.toml", "src", "scenarios", "assets"] {
        println!("cargo:rerun-if-changed={dir}");
    }
}
