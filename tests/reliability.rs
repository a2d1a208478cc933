//! Faults around a run (docs/RELIABILITY.md): two runs into one folder, a finished run
//! re-run, awkward output paths, a read-only folder and a full disk. The last two mount a
//! small tmpfs and need root; without it they say so and pass without checking.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use common::{assert_same, dyadsim, run, run_process, run_refused, stderr_of, write};
use tempfile::TempDir;

/// Files of a finished run that must not change when a later command is refused.
const OUTPUTS: [&str; 5] = [
    "runs.csv",
    "points.csv",
    "timeseries.csv",
    "summary.csv",
    "manifest.json",
];

fn scenario(name: &str, reps: u64) -> String {
    format!(
        "[scenario]\nname = \"{name}\"\nseed = 3\nreplications = {reps}\nmonths = 48\n\
         [output]\nruns = true\ntimeseries = true\nplots = false\n"
    )
}

/// Wait until `path` exists (or `limit` passes).
fn wait_for(path: &Path, limit: Duration) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if path.exists() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    false
}

fn is_root() -> bool {
    Process::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

/// A tmpfs of `size` mounted at `dir` for the test's lifetime (root only).
struct Tmpfs(PathBuf);

impl Tmpfs {
    fn mount(dir: &Path, options: &str) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let ok = Process::new("mount")
            .args(["-t", "tmpfs", "-o", options, "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(dir.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Process::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_second_run_into_a_busy_folder_is_refused_and_a_dead_holder_is_taken_over() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "busy.toml", &scenario("busy", 400_000));
    let out = tmp.path().join("out");
    let mut first = run_process(&scn, &out, &["--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = out.join("busy/.dyadsim.lock");
    assert!(wait_for(&lock, Duration::from_secs(60)), "no lock file");
    // The holder line is written just after the lock is taken.
    std::thread::sleep(Duration::from_millis(200));
    let err = run_refused(&scn, &out, &[], "in use by process");
    assert!(err.contains(&first.id().to_string()), "{err}");
    // Killed: its lock file stays, but the lock itself died with it.
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(lock.exists());
    // The next run (here a shorter one) takes the lock over and says so.
    let a = dyadsim()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(&out)
        .args(["--quiet", "--reps", "2000"])
        .timeout(Duration::from_secs(300))
        .assert()
        .success();
    let err = stderr_of(&a);
    assert!(err.contains("taken over"), "{err}");
    assert!(err.contains(&format!("process {}", first.id())), "{err}");
    assert!(out.join("busy/manifest.json").is_file());
    assert!(!lock.exists(), "a clean exit leaves no lock file");
}

#[test]
fn a_finished_run_is_kept_unless_overwrite() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "done.toml", &scenario("done", 300));
    let out = tmp.path().join("out");
    run(&scn, &out, &["--threads", "2"]);
    let dir = out.join("done");
    let copy = tmp.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for f in OUTPUTS {
        std::fs::copy(dir.join(f), copy.join(f)).unwrap();
    }
    // Refused: a finished run is not replaced by accident, even by another scenario
    // of the same name.
    let other = write(tmp.path(), "other.toml", &scenario("done", 200));
    for scn in [&scn, &other] {
        let err = run_refused(scn, &out, &[], "already holds a finished run");
        assert!(err.contains("--overwrite"), "{err}");
        assert_same(&copy, &dir, &OUTPUTS);
    }
    // --resume of the same run: nothing to do, nothing changed.
    let a = dyadsim()
        .arg("run")
        .arg(&scn)
        .arg("--out")
        .arg(&out)
        .arg("--resume")
        .assert()
        .success();
    assert!(stderr_of(&a).contains("nothing to resume"));
    assert_same(&copy, &dir, &OUTPUTS);
    // --resume of another experiment is refused.
    run_refused(&other, &out, &["--resume"], "already holds a finished run");
    assert_same(&copy, &dir, &OUTPUTS);
    // --overwrite replaces it.
    run(&other, &out, &["--overwrite"]);
    let m = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    assert!(m.contains("\"runs\": 200"), "{m}");
}

#[test]
fn awkward_output_paths() {
    let tmp = TempDir::new().unwrap();
    // A file where the output folder should be.
    let scn = write(tmp.path(), "p.toml", &scenario("p", 50));
    let blocked = tmp.path().join("blocked");
    std::fs::create_dir(&blocked).unwrap();
    std::fs::write(blocked.join("p"), "not a folder").unwrap();
    run_refused(&scn, &blocked, &[], "blocked");
    assert_eq!(
        std::fs::read_to_string(blocked.join("p")).unwrap(),
        "not a folder"
    );
    // The output root is a file.
    let file_root = tmp.path().join("root-file");
    std::fs::write(&file_root, "x").unwrap();
    run_refused(&scn, &file_root, &[], "root-file");
    // Spaces and non-ASCII characters in the scenario's path and the output root; the
    // outputs equal those of a plain path.
    let odd = tmp.path().join("dossier d'été/sous dossier ü 漢字");
    std::fs::create_dir_all(&odd).unwrap();
    let odd_scn = write(&odd, "scénario 1.toml", &scenario("p", 50));
    run(&odd_scn, &odd.join("sortie ✓"), &["--threads", "1"]);
    run(&scn, &tmp.path().join("plain"), &["--threads", "1"]);
    assert_same(
        &tmp.path().join("plain/p"),
        &odd.join("sortie ✓/p"),
        &OUTPUTS[..4],
    );
}

#[test]
fn a_read_only_folder_gives_a_clear_error() {
    let tmp = TempDir::new().unwrap();
    let scn = write(tmp.path(), "ro.toml", &scenario("ro", 50));
    let ro = tmp.path().join("ro");
    // Root ignores permission bits, so root mounts a read-only tmpfs instead.
    let _mount;
    if is_root() {
        match Tmpfs::mount(&ro, "size=1m,ro") {
            Some(m) => _mount = m,
            None => {
                eprintln!("skipped: mounting a read-only tmpfs failed");
                return;
            }
        }
    } else {
        use std::os::unix::fs::PermissionsExt;
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
    }
    let err = run_refused(&scn, &ro, &[], &ro.display().to_string());
    assert!(
        err.contains("Read-only file system") || err.contains("Permission denied"),
        "{err}"
    );
}

/// A full disk: a clear error and exit status 1, an earlier finished run on the same disk
/// untouched, and once space is freed the run resumes to the bytes of an uninterrupted run.
#[test]
fn a_full_disk_stops_the_run_cleanly_and_it_resumes_once_space_is_freed() {
    if !is_root() {
        eprintln!("skipped: needs root to mount a small tmpfs");
        return;
    }
    let tmp = TempDir::new().unwrap();
    let disk = tmp.path().join("disk");
    let Some(_mount) = Tmpfs::mount(&disk, "size=4m") else {
        eprintln!("skipped: mounting a tmpfs failed");
        return;
    };
    let small = write(tmp.path(), "small.toml", &scenario("small", 100));
    let big = write(tmp.path(), "big.toml", &scenario("big", 6_000));
    // An earlier finished run on the disk, and its copy elsewhere.
    run(&small, &disk, &["--threads", "1"]);
    let copy = tmp.path().join("copy");
    std::fs::create_dir(&copy).unwrap();
    for f in OUTPUTS {
        std::fs::copy(disk.join("small").join(f), copy.join(f)).unwrap();
    }
    // Fill the disk until about 1 MB is left: the big run needs about 5 MB.
    let filler = disk.join("filler");
    let free = free_bytes(&disk);
    std::fs::write(&filler, vec![0u8; (free - 1_000_000) as usize]).unwrap();
    let err = run_refused(&big, &disk, &["--threads", "2"], "");
    assert!(err.contains("No space left on device"), "{err}");
    assert!(
        !disk.join("big/manifest.json").exists(),
        "a run stopped by a full disk must not look complete"
    );
    assert_same(&copy, &disk.join("small"), &OUTPUTS);
    // Space freed: the run resumes (or restarts, if no checkpoint fitted) and its outputs
    // equal an uninterrupted run's.
    std::fs::remove_file(&filler).unwrap();
    run(&big, &disk, &["--resume", "--threads", "2"]);
    run(&big, &tmp.path().join("whole"), &["--threads", "1"]);
    assert_same(
        &tmp.path().join("whole/big"),
        &disk.join("big"),
        &OUTPUTS[..4],
    );
}

fn free_bytes(dir: &Path) -> u64 {
    let out = Process::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap()
}
