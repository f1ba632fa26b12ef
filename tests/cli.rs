//! The command line contract: `demo --out --no-tui`, `report`, `check`, and exit codes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::process::Command;

fn leakline(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_leakline")).args(args).output().expect("run leakline")
}

#[test]
fn demo_then_report_then_check() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path().join("d");
    let d = d.to_str().expect("utf8");
    let out = leakline(&["demo", "--out", d, "--no-tui"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let repo = format!("{d}/repo");
    let logs = format!("{d}/logs");
    let scans = format!("{d}/scans");
    let out = leakline(&["report", "--repo", &repo, "--audit", &logs, "--scan", &scans, "--format", "json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(report["schema"], "leakline.report/v1");
    assert!(report["replays"].as_array().is_some_and(|r| !r.is_empty()));

    let out = leakline(&["check", "--case", &format!("{d}/leakline.toml"), "--format", "json"]);
    assert!(out.status.success());
    let check: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let kinds: Vec<&str> =
        check["inputs"].as_array().expect("inputs").iter().filter_map(|i| i["kind"].as_str()).collect();
    for kind in ["git", "cloudtrail", "vault", "k8s", "gitleaks", "trufflehog", "github-alerts"] {
        assert!(kinds.contains(&kind), "{kind} missing from {kinds:?}");
    }

    let md = format!("{d}/report.md");
    let out = leakline(&["report", "--case", &format!("{d}/leakline.toml"), "-o", &md]);
    assert!(out.status.success());
    assert!(std::fs::read_to_string(&md).expect("written").contains("## Who approved the framework"));

    let again = leakline(&["demo", "--out", d, "--no-tui"]);
    assert_eq!(again.status.code(), Some(2), "an existing demo is not overwritten");
}

#[test]
fn bad_input_exits_3_and_what_cannot_be_read_at_all_exits_1() {
    let tmp = tempfile::tempdir().expect("tmp");
    let bad = tmp.path().join("bad.json");
    std::fs::write(&bad, "[{\"RuleID\": \"x\",\n  \"Secret\": }]\n").expect("write");
    let out = leakline(&["check", "--scan", &format!("gitleaks:{}", bad.display())]);
    assert_eq!(out.status.code(), Some(3), "a malformed record is a rejection, reported, and the status says so");
    assert!(String::from_utf8_lossy(&out.stdout).contains("1 rejected"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 rejection(s) in 1 input(s), 1 of which gave nothing"));

    let out = leakline(&["check", "--audit", tmp.path().join("missing.log").to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("missing.log"), "{err}");

    let unknown = tmp.path().join("notes.json");
    std::fs::write(&unknown, "{\"hello\": 1}\n").expect("write");
    let good = tmp.path().join("gitleaks.json");
    std::fs::write(&good, "[]").expect("write");
    let out = leakline(&["check", "--scan", unknown.to_str().expect("utf8"), "--scan", good.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(3), "an unknown file is a rejected input; the others are read");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("notes.json") && stdout.contains("gitleaks.json"), "{stdout}");
    assert!(String::from_utf8_lossy(&out.stderr).contains("1 rejection(s) in 1 input(s)"));
}

#[test]
fn a_bad_rules_file_names_the_file_and_the_rule_line() {
    let tmp = tempfile::tempdir().expect("tmp");
    let rules = tmp.path().join("rules.toml");
    std::fs::write(&rules, "# mine\n\n[[rule]]\nkind = \"env_read\"\nfiles = \"*.py\"\nregex = \"(\"\n")
        .expect("write");
    let out = leakline(&["check", "--repo", ".", "--rules", rules.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("rules.toml:3:") && err.contains("regex"), "{err}");
}

#[test]
fn usage_errors_exit_2() {
    assert_eq!(leakline(&["report"]).status.code(), Some(2), "no sources");
    assert_eq!(leakline(&["report", "--format", "pdf", "--repo", "."]).status.code(), Some(2));
    assert_eq!(leakline(&["frobnicate"]).status.code(), Some(2));
}

#[test]
fn a_reader_that_goes_away_ends_the_output_not_the_process() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path().join("d");
    assert!(leakline(&["demo", "--out", d.to_str().expect("utf8"), "--no-tui"]).status.success());
    let case = d.join("leakline.toml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(["report", "--case", case.to_str().expect("utf8"), "--format", "json"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("spawn");
    drop(child.stdout.take()); // `| true`: the pipe closes before a byte is read
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("panicked"));
}

#[test]
fn a_case_folder_that_cannot_hold_the_key_uses_the_users_and_says_so() {
    let tmp = tempfile::tempdir().expect("tmp");
    let d = tmp.path().join("d");
    assert!(leakline(&["demo", "--out", d.to_str().expect("utf8"), "--no-tui"]).status.success());
    // A read-only share, as far as leakline can tell (root writes anywhere): `.leakline` is a file.
    std::fs::remove_dir_all(d.join(".leakline")).ok();
    std::fs::write(d.join(".leakline"), "not a folder").expect("write");
    let state = tmp.path().join("state");
    let run = || {
        Command::new(env!("CARGO_BIN_EXE_leakline"))
            .args(["report", "--case", d.join("leakline.toml").to_str().expect("utf8"), "--format", "json"])
            .env("XDG_STATE_HOME", &state)
            .output()
            .expect("run")
    };
    let first = run();
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    let err = String::from_utf8_lossy(&first.stderr);
    assert!(err.contains("it is not a folder") && err.contains(state.to_str().expect("utf8")), "{err}");
    // The same key next time: fingerprints still match across runs of the case.
    let second = run();
    let fingerprints = |out: &std::process::Output| {
        let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
        doc["secrets"].as_array().expect("secrets").iter().map(|s| s["fingerprint"].to_string()).collect::<Vec<_>>()
    };
    assert_eq!(fingerprints(&first), fingerprints(&second));
}

#[test]
fn an_audit_log_can_come_from_a_pipe() {
    use std::io::Write;
    let sample = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples/cloudtrail");
    let file = std::fs::read_dir(&sample)
        .expect("samples")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "json"))
        .expect("a CloudTrail sample");
    let bytes = std::fs::read(&file).expect("sample");
    let mut child = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(["check", "--audit", "cloudtrail:/dev/stdin"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run leakline");
    child.stdin.take().expect("stdin").write_all(&bytes).expect("write");
    let out = child.wait_with_output().expect("wait");
    let text = String::from_utf8_lossy(&out.stdout);
    let direct = leakline(&["check", "--audit", &format!("cloudtrail:{}", file.display())]);
    let records = |t: &str| t.lines().next().and_then(|l| l.split_whitespace().nth(1).map(str::to_string));
    assert!(records(&text).is_some_and(|n| n != "0"), "{text}");
    assert_eq!(records(&text), records(&String::from_utf8_lossy(&direct.stdout)), "{text}");
}
