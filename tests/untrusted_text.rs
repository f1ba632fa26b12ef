//! Untrusted text is data: names, messages and paths from a repository reach
//! the terminal and every report inert — no markup, no escape sequences, no
//! spreadsheet formulas.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::repo::Repo;
use leakline::report::{Format, render};
use leakline::session::{Session, SourceArgs};
use leakline::tui::app::Model;

#[test]
fn hostile_names_and_messages_stay_inert_everywhere() {
    let hostile =
        ("=cmd|' /C calc'!A0 \u{1b}[2J\u{202e}Ana\u{200d}\u{feff}\u{2060}\u{2066}x\u{9b}31m", "evil@example.com");
    let raw = |text: &str| text.chars().any(|c| leakline::text::invisible(c) || ('\u{80}'..='\u{9f}').contains(&c));
    let mut r = Repo::new();
    r.put("requirements.txt", "langchain==0.1\n");
    r.commit_as(hostile, hostile, "Add <script>alert(1)</script> <img src=x onerror=alert(1)> \u{1b}]0;pwned\u{7} (#7)\n\nReviewed-by: <b>boss</b> <boss@example.com>\n", None);
    let session =
        Session::resolve(&SourceArgs { repo: vec![r.dir.path().to_path_buf()], ..Default::default() }).unwrap();
    let case = session.case(common::now()).unwrap();
    assert_eq!(case.approvals.len(), 1);

    let html = render(&case, Format::Html);
    assert!(!html.contains("<script>") && !html.contains("<img") && !html.contains("<b>boss"), "HTML must escape");
    assert!(html.contains("&lt;b&gt;boss"), "the reviewer named in markup shows as text");
    let md = render(&case, Format::Md);
    assert!(!md.contains("<script>") && !md.contains("<img"), "Markdown renders HTML: it must be escaped");
    let csv = render(&case, Format::Csv);
    assert!(!csv.lines().any(|l| l.split(',').any(|c| c.trim_start_matches('"').starts_with('='))), "{csv}");
    for (what, text) in [("html", &html), ("md", &md), ("csv", &csv)] {
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}') && !raw(text),
            "{what} carries a control, bidi or zero-width character"
        );
        assert!(text.contains("⟨U+202E⟩") && text.contains("⟨U+200D⟩"), "{what} shows them visibly");
    }
    // JSON is data for programs: faithful, with control characters escaped by JSON itself.
    let json = render(&case, Format::Json);
    assert!(!json.contains('\u{1b}') && json.contains("\\u001b"), "JSON escapes ESC");
    assert!(
        !raw(&json) && json.contains("\\u202e") && json.contains("\\u009b"),
        "JSON escapes bidi, zero-width and C1"
    );
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    fn strings(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::String(s) => out.push(s.clone()),
            serde_json::Value::Array(a) => a.iter().for_each(|v| strings(v, out)),
            serde_json::Value::Object(o) => o.values().for_each(|v| strings(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    strings(&doc, &mut all);
    assert!(all.iter().any(|s| s.contains(hostile.0)), "and keeps them, losslessly");

    let mut model = Model::with_case(case);
    for keys in ["", "2", "3", "3<enter>", "6", "6j<enter>"] {
        common::drive(&mut model, keys);
        let screen = common::drawn(&model, 160, 48);
        assert!(!screen.contains('\u{1b}') && !screen.contains('\u{7}') && !raw(&screen), "pane after {keys:?}");
    }
}

/// A repository is read, never run: hooks, filter and textconv drivers, an
/// fsmonitor, a pager, a GPG program and an askpass named by its config or
/// attributes never execute, whatever leakline reads.
#[cfg(unix)]
#[test]
fn a_repository_that_names_programs_runs_none_of_them() {
    use std::os::unix::fs::PermissionsExt;
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("ran");
    let script = marker_dir.path().join("evil.sh");
    std::fs::write(&script, format!("#!/bin/sh\necho \"$0 $*\" >> {}\ncat\n", marker.display())).unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let evil = script.display().to_string();

    let mut r = Repo::new();
    r.put(".gitattributes", "* filter=evil diff=evil merge=evil\n");
    r.put("requirements.txt", "langchain==0.1\n");
    r.put(".env", "OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx\n");
    r.commit(("Ana", "ana@example.com"), "Add");
    r.put("requirements.txt", "langchain==0.3\n");
    r.commit(("Ana", "ana@example.com"), "Upgrade");
    let hooks = r.dir.path().join(".git/hooks");
    std::fs::create_dir_all(&hooks).unwrap();
    for hook in ["post-checkout", "pre-commit", "post-merge", "reference-transaction", "fsmonitor-watchman"] {
        std::fs::copy(&script, hooks.join(hook)).unwrap();
    }
    let mut config = r.repo.config().unwrap();
    for (key, value) in [
        ("filter.evil.clean", evil.as_str()),
        ("filter.evil.smudge", evil.as_str()),
        ("filter.evil.process", evil.as_str()),
        ("diff.evil.textconv", evil.as_str()),
        ("diff.evil.command", evil.as_str()),
        ("merge.evil.driver", evil.as_str()),
        ("core.fsmonitor", evil.as_str()),
        ("core.hooksPath", hooks.to_str().unwrap()),
        ("core.pager", evil.as_str()),
        ("core.askPass", evil.as_str()),
        ("core.sshCommand", evil.as_str()),
        ("gpg.program", evil.as_str()),
        ("credential.helper", evil.as_str()),
    ] {
        config.set_str(key, value).unwrap();
    }
    let repo = r.dir.path().to_str().unwrap().to_string();
    for args in [
        vec!["report", "--repo", &repo, "--format", "json"],
        vec!["check", "--repo", &repo],
        vec!["report", "--repo", &repo, "--all-refs"],
    ] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_leakline")).args(&args).output().unwrap();
        assert!(
            out.status.code().is_some_and(|c| c == 0 || c == 3),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert!(
        !marker.exists(),
        "a program named by the repository ran: {}",
        std::fs::read_to_string(&marker).unwrap_or_default()
    );
    // The test can fail: git itself runs the filter when asked to.
    let ran =
        std::process::Command::new("git").args(["-C", &repo, "diff", "HEAD~1", "--", "requirements.txt"]).output();
    if ran.is_ok_and(|o| o.status.success()) {
        assert!(marker.exists(), "git runs the textconv driver leakline must not");
    }
}
