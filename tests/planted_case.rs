//! A case folder is someone else's evidence too: a `.leakline/` that holds
//! links, FIFOs, or a key and store another user made is never written
//! through, never waited on and never believed. The case is kept in the
//! user's state folder instead, and a note on stderr says why and where.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

struct Case {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Case {
    fn demo() -> Case {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().to_path_buf();
        let out = Command::new(env!("CARGO_BIN_EXE_leakline"))
            .args(["demo", "--no-tui", "--out"])
            .arg(root.join("case"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        Case { _dir: dir, root }
    }

    fn folder(&self) -> PathBuf {
        self.root.join("case/.leakline")
    }

    fn state(&self) -> PathBuf {
        self.root.join("state")
    }

    /// `report --format json` on the case, with a deadline: a hang is a failure, not a stuck suite.
    fn report(&self) -> Output {
        let (out_path, err_path) = (self.root.join("stdout"), self.root.join("stderr"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_leakline"))
            .args(["report", "--format", "json", "--case"])
            .arg(self.root.join("case/leakline.toml"))
            .env("XDG_STATE_HOME", self.state())
            .env("XDG_CACHE_HOME", self.root.join("cache"))
            .stdout(std::fs::File::create(&out_path).unwrap())
            .stderr(std::fs::File::create(&err_path).unwrap())
            .spawn()
            .unwrap();
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("report hung on the planted case folder");
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        Output { status, stdout: std::fs::read(out_path).unwrap(), stderr: std::fs::read(err_path).unwrap() }
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn gaps(out: &Output) -> Vec<String> {
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["gaps"].as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap_or_default().to_string()).collect()
}

fn mode(path: &Path) -> u32 {
    std::fs::symlink_metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn a_linked_key_or_store_is_never_written_through() {
    for name in ["fingerprint.key", "case.sqlite", "case.sqlite-journal"] {
        let case = Case::demo();
        let target = case.root.join("precious");
        std::fs::write(&target, b"not leakline's to write").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let planted = case.folder().join(name);
        let _ = std::fs::remove_file(&planted);
        symlink(&target, &planted).unwrap();
        let out = case.report();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", stderr(&out));
        assert_eq!(std::fs::read(&target).unwrap(), b"not leakline's to write", "{name}: the target was written");
        assert_eq!(mode(&target), 0o644, "{name}: the target's mode was changed");
        let err = stderr(&out);
        assert!(err.contains("is not trusted: it is a symbolic link"), "{name}: {err}");
        assert!(err.contains(&case.state().display().to_string()), "{name}: says where the case is kept: {err}");
        assert!(!gaps(&out).is_empty(), "{name}: the report still came out");
    }
}

#[test]
fn a_linked_case_folder_sends_nothing_elsewhere() {
    let case = Case::demo();
    let elsewhere = case.root.join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::fs::remove_dir_all(case.folder()).unwrap();
    symlink(&elsewhere, case.folder()).unwrap();
    let out = case.report();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(std::fs::read_dir(&elsewhere).unwrap().count(), 0, "nothing was written through the link");
    assert!(stderr(&out).contains("is not trusted: it is a symbolic link"), "{}", stderr(&out));
}

#[test]
fn a_fifo_named_as_the_key_is_not_waited_on() {
    let case = Case::demo();
    let key = case.folder().join("fingerprint.key");
    std::fs::remove_file(&key).unwrap();
    assert!(Command::new("mkfifo").arg(&key).status().unwrap().success());
    let out = case.report();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stderr(&out).contains("is not a regular file"), "{}", stderr(&out));
}

#[test]
fn a_new_case_folder_is_private() {
    let case = Case::demo();
    std::fs::remove_dir_all(case.folder()).unwrap();
    let out = case.report();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(mode(&case.folder()), 0o700);
    assert_eq!(mode(&case.folder().join("fingerprint.key")), 0o600);
    assert_eq!(mode(&case.folder().join("case.sqlite")), 0o600);
}

/// A store and key another user made, with verdicts in it: none of it is used.
#[test]
fn a_store_and_key_someone_else_prepared_are_not_believed() {
    // SAFETY: geteuid takes nothing and cannot fail.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: making files another user owns needs root (chown)");
        return;
    }
    let case = Case::demo();
    let honest = case.report();
    let all_gaps = gaps(&honest);
    assert!(all_gaps.len() >= 4, "{all_gaps:?}");

    // The colleague's verdicts: every secret a false positive.
    let json: serde_json::Value = serde_json::from_slice(&honest.stdout).unwrap();
    let secrets: Vec<String> =
        json["secrets"].as_array().unwrap().iter().map(|s| s["id"].as_str().unwrap().to_string()).collect();
    let store = leakline::store::CaseStore::open(&case.folder().join("case.sqlite")).unwrap();
    for secret in &secrets {
        let a = leakline::model::Annotation {
            target: format!("secret:{secret}"),
            verdict: leakline::model::Verdict::FalsePositive,
            note: "planted".into(),
            by: "mallory".into(),
            at: chrono::Utc::now(),
        };
        store.add(&a).unwrap();
    }
    drop(store);
    let planted = case.report();
    assert!(String::from_utf8_lossy(&planted.stdout).contains("mallory"), "verdicts in the user's own store stand");
    assert!(gaps(&planted).len() < all_gaps.len(), "the verdicts set gaps aside: the test can tell");
    for entry in std::fs::read_dir(case.folder()).unwrap().flatten() {
        std::os::unix::fs::chown(entry.path(), Some(4242), Some(4242)).unwrap();
    }
    std::fs::set_permissions(case.folder().join("fingerprint.key"), std::fs::Permissions::from_mode(0o644)).unwrap();
    std::os::unix::fs::chown(case.folder(), Some(4242), Some(4242)).unwrap();

    let out = case.report();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let report = String::from_utf8_lossy(&out.stdout);
    assert!(!report.contains("mallory"), "a verdict from a store another user made was applied");
    assert_eq!(gaps(&out), all_gaps, "every gap stands");
    assert!(stderr(&out).contains("belongs to user 4242, not to you"), "{}", stderr(&out));
}
