//! Audit folders that are hostile as folders: a FIFO (or a symlink to one)
//! among the logs, and chains of folders thousands of levels deep. Every log
//! that can be read is read, what is not a file is listed and never opened,
//! and what cannot be listed is a rejection, not the end of the run.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design
#![cfg(unix)]

use std::ffi::CString;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const RECORD: &str = r#"{"eventVersion":"1.08","eventTime":"2026-04-13T12:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"us-east-1","sourceIPAddress":"10.0.0.1","userAgent":"aws-cli","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::111122223333:user/svc","accessKeyId":"AKIAEXAMPLE000000001"},"eventID":"00000000-0000-0000-0000-000000000001"}"#;

/// `leakline args`, killed (and the test failed) if it runs past `limit`.
fn leakline_within(args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            child.kill().unwrap();
            let _ = child.wait();
            panic!("leakline {args:?} still running after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(path: &Path) {
    let c = CString::new(path.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only creates the node.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0, "mkfifo {}", path.display());
}

#[test]
fn a_fifo_in_an_audit_folder_is_listed_and_never_opened() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(logs.join("trail.jsonl"), format!("{RECORD}\n")).unwrap();
    mkfifo(&logs.join("pipe"));
    std::os::unix::fs::symlink("pipe", logs.join("to-pipe")).unwrap();
    let logs = logs.to_str().unwrap();
    for args in [vec!["check", "--audit", logs], vec!["report", "--audit", logs, "--format", "json"]] {
        // Before, the case's fingerprint of the folder opened the FIFO and waited for a writer for ever.
        let out = leakline_within(&args, Duration::from_secs(60));
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let text = String::from_utf8_lossy(&out.stdout);
        for name in ["pipe", "to-pipe"] {
            assert!(text.contains(&format!("logs/{name}")), "{args:?}: {name} is listed: {text}");
        }
    }
    let out = leakline_within(&["check", "--audit", logs], Duration::from_secs(60));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("1 records read, 0 rejected"), "{text}");
    assert_eq!(text.matches("skipped: not a regular file").count(), 2, "{text}");
}

/// A chain of `depth` folders named `d`, a log every `every` levels and one at
/// the bottom, made relative to open folders (its paths outgrow PATH_MAX).
fn deep_folders(root: &Path, depth: usize, every: usize) -> usize {
    std::fs::create_dir_all(root).unwrap();
    let open = |at: libc::c_int, name: &str, flags: libc::c_int| {
        let c = CString::new(name).unwrap();
        // SAFETY: a valid folder descriptor (or AT_FDCWD) and NUL-terminated name.
        let fd = unsafe { libc::openat(at, c.as_ptr(), flags, 0o644) };
        assert!(fd >= 0, "openat {name}: {}", std::io::Error::last_os_error());
        // SAFETY: a descriptor just opened, owned here alone.
        unsafe { OwnedFd::from_raw_fd(fd) }
    };
    let root = CString::new(root.as_os_str().as_encoded_bytes()).unwrap();
    // SAFETY: a NUL-terminated path.
    let mut folder = unsafe { OwnedFd::from_raw_fd(libc::open(root.as_ptr(), libc::O_RDONLY | libc::O_DIRECTORY)) };
    let mut logs = 0;
    for level in 0..=depth {
        if level % every == 0 || level == depth {
            let file = open(
                std::os::fd::AsRawFd::as_raw_fd(&folder),
                &format!("log{level}.jsonl"),
                libc::O_CREAT | libc::O_WRONLY,
            );
            std::io::Write::write_all(&mut std::fs::File::from(file), format!("{RECORD}\n").as_bytes()).unwrap();
            logs += 1;
        }
        if level < depth {
            let d = CString::new("d").unwrap();
            // SAFETY: a valid folder descriptor and NUL-terminated name.
            assert_eq!(unsafe { libc::mkdirat(std::os::fd::AsRawFd::as_raw_fd(&folder), d.as_ptr(), 0o755) }, 0);
            folder = open(std::os::fd::AsRawFd::as_raw_fd(&folder), "d", libc::O_RDONLY | libc::O_DIRECTORY);
        }
    }
    logs
}

fn counts(out: &Output) -> String {
    let text = String::from_utf8_lossy(&out.stdout);
    text.lines().last().unwrap_or_default().to_string()
}

/// Walking 1200 levels took 34 s on a debug build (each folder's path resolved
/// again, level by level: cubic); it takes well under a second now.
#[test]
fn a_deep_folder_chain_is_walked_in_time_that_grows_with_it() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    let logs = deep_folders(&root, 1200, 100);
    let started = Instant::now();
    let out = leakline_within(&["check", "--audit", root.to_str().unwrap()], Duration::from_secs(120));
    let took = started.elapsed();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(counts(&out).starts_with(&format!("{logs} inputs, {logs} records read, 0 rejected")), "{}", counts(&out));
    assert!(took < Duration::from_secs(15), "1200 levels took {took:?}");
    eprintln!("1200 levels: {took:?}");
}

/// Past PATH_MAX a folder cannot be listed by its path: that folder is one
/// rejection (exit 3) and every log above it is still read. Before, the run
/// ended with exit 1, "File name too long", and no log read.
#[test]
fn a_folder_too_deep_to_list_is_rejected_and_the_rest_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("logs");
    let logs = deep_folders(&root, 3000, 100);
    let out = leakline_within(&["check", "--audit", root.to_str().unwrap()], Duration::from_secs(120));
    assert_eq!(out.status.code(), Some(3), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8_lossy(&out.stdout);
    let read = text.lines().filter(|l| l.contains(" 1 read ") && l.contains(".jsonl")).count();
    // 4096 bytes of path hold about 2000 levels of `d/` below the temp folder.
    assert!(read > 15 && read < logs, "{read} of {logs} logs read:\n{}", counts(&out));
    assert!(text.contains("cannot be read (File name too long"), "{}", counts(&out));
    assert!(
        counts(&out).ends_with(&format!(
            "{read} records read, 1 rejected; 0 findings, 0 framework changes, 0 reachability grants, 0 audit records"
        )),
        "{}",
        counts(&out)
    );
}
