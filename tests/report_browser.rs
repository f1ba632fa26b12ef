//! The HTML report in a real browser: Debian's Chromium, headless, renders the
//! demo's report with no console error and no blocked resource, and a hostile
//! case renders as text with no script run. `.ci/run` installs Chromium; a
//! machine without it skips here (CI sets `CI` and fails instead).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use leakline::report::{Format, Provenance, render_with};

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LEAKLINE_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let found = ["chromium", "chromium-browser"].iter().find_map(|name| {
        let out = Command::new("sh").arg("-c").arg(format!("command -v {name}")).output().ok()?;
        let path = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
    });
    if found.is_none() {
        assert!(std::env::var_os("CI").is_none(), "CI must have Chromium for the browser test (.ci/run installs it)");
        eprintln!("no chromium on PATH: the browser test is skipped here");
    }
    found
}

/// What the browser said while rendering `page`: console messages (CSP
/// violations, script errors) and failed loads, with the DOM after load.
struct Rendered {
    problems: Vec<String>,
    dom: String,
}

fn render_in(browser: &Path, page: &Path, screenshot: Option<&Path>) -> Rendered {
    let profile = tempfile::tempdir().unwrap();
    let run = |extra: &[String]| {
        let out = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--enable-logging=stderr",
                "--v=0",
                "--window-size=1280,2400",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .args(extra)
            .arg(format!("file://{}", page.display()))
            .output()
            .expect("chromium runs");
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let mut extra = vec!["--dump-dom".to_string()];
    if let Some(shot) = screenshot {
        // One run cannot both dump and shoot: the screenshot is a second load, checked the same way.
        let (_, stderr) = run(&[format!("--screenshot={}", shot.display())]);
        extra.clear();
        extra.push("--dump-dom".into());
        let (dom, more) = run(&extra);
        return Rendered { problems: problems(&(stderr + &more)), dom };
    }
    let (dom, stderr) = run(&extra);
    Rendered { problems: problems(&stderr), dom }
}

fn problems(stderr: &str) -> Vec<String> {
    stderr
        .lines()
        .filter(|l| l.contains(":CONSOLE") || l.contains("net::ERR_") || l.contains("Uncaught"))
        .map(str::to_string)
        .collect()
}

#[test]
fn the_demo_report_renders_cleanly_in_chromium() {
    let Some(browser) = chromium() else { return };
    let out = tempfile::tempdir().unwrap();
    // The check can fail: a page that loads a resource and runs a script under the same policy is caught.
    let control = out.path().join("control.html");
    std::fs::write(
        &control,
        "<!doctype html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'\"><title>c</title></head><body><img src=\"https://example.invalid/x.png\"><script>document.title='ran'</script></body></html>",
    )
    .unwrap();
    let seen = render_in(&browser, &control, None);
    assert!(seen.problems.len() >= 2, "the detector must see the blocked image and script: {:?}", seen.problems);

    let (dir, case) = common::demo_case();
    let prov = Provenance { base: Some(dir.path().to_path_buf()), ..Provenance::default() };
    let page = out.path().join("report.html");
    std::fs::write(&page, render_with(&case, Format::Html, &prov)).unwrap();
    // Kept after the run (under target/, or where LEAKLINE_SCREENSHOT says) for a person to look at.
    let shot = std::env::var_os("LEAKLINE_SCREENSHOT")
        .map_or_else(|| Path::new(env!("CARGO_TARGET_TMPDIR")).join("report_html.png"), PathBuf::from);
    let seen = render_in(&browser, &page, Some(&shot));
    assert!(seen.problems.is_empty(), "the browser complained:\n{}", seen.problems.join("\n"));
    for section in [
        "summary",
        "actions",
        "secrets",
        "approvals",
        "reachability",
        "replays",
        "timeline",
        "matrix",
        "controls",
        "inputs",
        "provenance",
    ] {
        assert!(seen.dom.contains(&format!("<section id=\"{section}\">")), "section {section} missing after load");
    }
    assert!(seen.dom.contains("<svg class=\"timeline\""), "the timeline is drawn inline");
    let png = std::fs::read(&shot).expect("a screenshot was saved");
    assert!(
        png.starts_with(b"\x89PNG") && png.len() > 20_000,
        "the screenshot is a rendered page ({} bytes)",
        png.len()
    );
}

#[test]
fn hostile_text_renders_as_text_and_runs_nothing() {
    let Some(browser) = chromium() else { return };
    let (dir, mut case) = common::demo_case();
    let script = "<script>document.title='PWNED'</script>";
    let img = "\"><img src=x onerror=\"document.title='PWNED'\">";
    let link = "<a href=\"javascript:document.title='PWNED'\">click</a> [x](javascript:alert(1))";
    case.title = format!("incident {script}");
    case.approvals[0].commit.author.name = img.into();
    case.approvals[0].package = link.into();
    case.approvals[0].commit.summary = format!("fix {link} {img}");
    if let Some(c) = case.reachability[0].grant.commit.as_mut() {
        c.summary = format!("wire {script}");
    }
    case.replays[0].access.user_agent = Some(format!("curl {script}{img}"));
    case.replay_groups[0].user_agents = vec![format!("curl {script}{img}")];
    for e in &mut case.timeline {
        e.summary = format!("{} {link}", e.summary);
    }
    case.accountability[0].decisions[0].what = format!("merged {script} {img}");
    let out = tempfile::tempdir().unwrap();
    let page = out.path().join("hostile.html");
    let prov = Provenance { base: Some(dir.path().to_path_buf()), ..Provenance::default() };
    std::fs::write(&page, render_with(&case, Format::Html, &prov)).unwrap();
    let seen = render_in(&browser, &page, None);
    assert!(seen.problems.is_empty(), "something tried to run or load:\n{}", seen.problems.join("\n"));
    assert!(!seen.dom.contains("PWNED</title>"), "a script ran");
    assert!(!seen.dom.contains("<script") && !seen.dom.contains("<img"), "markup from the evidence became elements");
    assert!(!seen.dom.contains("<a href=\"javascript:"), "a javascript: link became live");
    assert!(seen.dom.contains("&lt;script&gt;document.title="), "the hostile text is shown as text");
}
