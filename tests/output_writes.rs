//! A report is written whole or not at all, and a write that fails is said:
//! `-o` over an earlier report on a full disk leaves the earlier one as it
//! was, and standard output on a full device exits 1 rather than 0 with
//! nothing written.
#![cfg(unix)]
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn leakline(case: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_leakline"));
    c.env("XDG_STATE_HOME", case.join("state")).env("XDG_CACHE_HOME", case.join("cache"));
    c
}

fn case_file(dir: &Path) -> String {
    dir.join("leakline.toml").display().to_string()
}

const EARLIER: &[u8] = b"# the earlier review, signed off\n";

fn assert_kept(out: &Output, report: &Path) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("no report was written, an earlier one is as it was"), "{err}");
    assert_eq!(std::fs::read(report).unwrap(), EARLIER, "the earlier report is intact");
    let strays: Vec<_> = std::fs::read_dir(report.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".leakline-report-"))
        .collect();
    assert!(strays.is_empty(), "no temporary file is left: {strays:?}");
}

#[test]
fn standard_output_on_a_full_device_exits_1() {
    if !Path::new("/dev/full").exists() {
        eprintln!("skipped: no /dev/full");
        return;
    }
    let dir = common::demo_dir();
    for args in [
        vec!["report", "--format", "json", "--case"],
        vec!["report", "--format", "md", "--case"],
        vec!["check", "--format", "json", "--case"],
        vec!["check", "--case"],
    ] {
        let out = leakline(dir.path())
            .args(&args)
            .arg(case_file(dir.path()))
            .stdout(std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains("standard output: No space left on device"), "{args:?}: {err}");
    }
    // A reader that goes away is not a failure (`leakline check | head`).
    let mut child = leakline(dir.path())
        .args(["report", "--format", "json", "--case"])
        .arg(case_file(dir.path()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait_with_output().unwrap().status.code(), Some(0));
}

/// A file size limit makes every write past it fail (EFBIG), as a full disk would.
#[test]
fn an_output_file_that_cannot_be_written_whole_leaves_the_earlier_one() {
    let dir = common::demo_dir();
    let report = dir.path().join("review.md");
    std::fs::write(&report, EARLIER).unwrap();
    let mut cmd = leakline(dir.path());
    cmd.args(["report", "--format", "html", "--case", &case_file(dir.path()), "-o"]).arg(&report);
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let limit = libc::rlimit { rlim_cur: 4096, rlim_max: 4096 };
            libc::setrlimit(libc::RLIMIT_FSIZE, &limit);
            Ok(())
        });
    }
    assert_kept(&cmd.output().unwrap(), &report);
}

/// A real full file system, where the test may mount one (root on Linux).
#[test]
fn a_full_disk_leaves_the_earlier_report() {
    let dir = common::demo_dir();
    let small = tempfile::tempdir().unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(small.path())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("skipped: cannot mount a small tmpfs here (the file size limit test stands in)");
        return;
    }
    let report = small.path().join("review.md");
    std::fs::write(&report, EARLIER).unwrap();
    // Fill what is left.
    let filler = vec![b'x'; 4096];
    let mut fill = std::fs::File::create(small.path().join("filler")).unwrap();
    while std::io::Write::write_all(&mut fill, &filler).is_ok() {}
    drop(fill);
    let out = leakline(dir.path())
        .args(["report", "--format", "md", "--case", &case_file(dir.path()), "-o"])
        .arg(&report)
        .output()
        .unwrap();
    let kept = std::panic::catch_unwind(|| assert_kept(&out, &report));
    let _ = Command::new("umount").arg(small.path()).status();
    if let Err(e) = kept {
        std::panic::resume_unwind(e);
    }
}
