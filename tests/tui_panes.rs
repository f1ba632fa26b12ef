//! Every pane rendered at 120x40 with ratatui's TestBackend, driven through the
//! real `update` by key strings; the snapshot holds the text and a digest of
//! the styles, so that a theme regression fails too.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use leakline::tui::app::{Model, Msg, SourceStatus, update};
use leakline::tui::theme::Theme;
use leakline::tui::view::view;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

use common::drive;

use common::screen;

fn snapshot(name: &str, keys: &str) {
    let (dir, case) = common::demo_case();
    let mut model = Model::with_case(case);
    drive(&mut model, keys);
    let text = screen(&model, &Theme::default_theme(), 120, 40, dir.path().to_str().expect("utf8"));
    insta::with_settings!({ snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn overview() {
    snapshot("overview", "");
}

#[test]
fn timeline() {
    snapshot("timeline", "2");
}

#[test]
fn approvals() {
    snapshot("approvals", "3");
}

#[test]
fn reachability() {
    snapshot("reachability", "<tab><tab><tab>");
}

#[test]
fn replays() {
    snapshot("replays", "5");
}

#[test]
fn accountability_platform_role() {
    snapshot("accountability", "6j");
}

#[test]
fn detail_of_a_secret() {
    snapshot("detail_secret", "<enter>");
}

#[test]
fn detail_of_an_approval() {
    snapshot("detail_approval", "3G<enter>");
}

#[test]
fn detail_of_a_replay_group() {
    snapshot("detail_replays", "5<enter>");
}

#[test]
fn help_lists_every_key() {
    // Over the timeline: no temp-folder path peeks out from under it.
    snapshot("help", "2?");
}

#[test]
fn loading_shows_progress_per_source() {
    let mut model = Model::new(vec!["git ./repo".into(), "audit ./logs".into(), "scan ./scans".into()]);
    model.sources[0].status = SourceStatus::Loaded { records: 25, rejected: 0 };
    model.sources[2].status =
        SourceStatus::Failed("./scans: cannot read: No such file or directory (os error 2)".into());
    let text = screen(&model, &Theme::default_theme(), 120, 12, "\u{0}");
    insta::with_settings!({ snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("loading", text);
    });
}

#[test]
fn keys_move_between_panes_and_back_out_of_detail() {
    let (_dir, case) = common::demo_case();
    let mut model = Model::with_case(case);
    drive(&mut model, "<tab><tab>");
    assert_eq!(model.pane, leakline::tui::app::Pane::Approvals);
    drive(&mut model, "<backtab>");
    assert_eq!(model.pane, leakline::tui::app::Pane::Timeline);
    drive(&mut model, "jjjk");
    assert_eq!(model.selection(), 2);
    drive(&mut model, "G");
    let last = model.case.as_ref().map_or(0, |c| c.timeline.len() - 1);
    assert_eq!(model.selection(), last);
    drive(&mut model, "jg");
    assert_eq!(model.selection(), 0);
    drive(&mut model, "<enter>");
    assert!(model.detail);
    drive(&mut model, "<esc>");
    assert!(!model.detail);
    drive(&mut model, "q");
    assert!(model.quit);
}

#[test]
fn high_contrast_and_no_colour_themes_render_differently() {
    let (dir, case) = common::demo_case();
    let model = Model::with_case(case);
    let d = dir.path().to_str().expect("utf8");
    let default = screen(&model, &Theme::default_theme(), 120, 40, d);
    let contrast = screen(&model, &Theme::named("high-contrast").expect("theme"), 120, 40, d);
    let mono = screen(&model, &Theme::monochrome(), 120, 40, d);
    let text = |s: &str| s.rsplit_once("styles:").map(|(t, _)| t.to_string()).unwrap_or_default();
    assert_eq!(text(&default), text(&contrast));
    assert_ne!(default, contrast);
    assert_ne!(default, mono);
}

#[test]
fn results_stream_in_and_stale_correlations_are_dropped() {
    use leakline::tui::app::Cmd;
    let dir = common::demo_dir();
    let session = common::session(dir.path());
    let evidence = session.evidence().expect("evidence");
    let ctx = session.context(Default::default(), common::now());
    let mut model = Model::new(vec!["git repo".into(), "audit logs".into()]);
    let part = leakline::model::Evidence {
        dependency_changes: evidence.dependency_changes[..1].to_vec(),
        ..Default::default()
    };
    let (_, cmd) = update(&mut model, Msg::SourceProgressed { index: 0, evidence: Box::new(part) });
    let Some(Cmd::Correlate { evidence: first, generation: 1 }) = cmd else {
        panic!("a provisional correlation is asked for")
    };
    // More arrives while the first correlation runs: no second one yet.
    let more = leakline::model::Evidence {
        dependency_changes: evidence.dependency_changes[1..].to_vec(),
        ..Default::default()
    };
    assert!(update(&mut model, Msg::SourceProgressed { index: 0, evidence: Box::new(more) }).1.is_none());
    let provisional = leakline::correlate::correlate(&first, &ctx);
    let (_, cmd) =
        update(&mut model, Msg::Correlated { case: Box::new(provisional.clone()), index: None, generation: 1 });
    assert_eq!(model.case.as_ref().map(|c| c.approvals.len()), Some(1), "the first result is on screen");
    assert!(model.loading());
    let Some(Cmd::Correlate { generation: 2, .. }) = cmd else {
        panic!("the evidence that came meanwhile is correlated next")
    };
    let (_, cmd) = update(&mut model, Msg::SourceLoaded { index: 0, result: Ok(Box::default()) });
    assert!(cmd.is_none(), "one correlation at a time");
    let full = leakline::correlate::correlate(&evidence, &ctx);
    let (_, cmd) = update(&mut model, Msg::Correlated { case: Box::new(full.clone()), index: None, generation: 2 });
    assert!(matches!(cmd, Some(Cmd::Correlate { generation: 3, .. })));
    // A stale result never replaces a newer one.
    update(&mut model, Msg::Correlated { case: Box::new(provisional), index: None, generation: 1 });
    assert_eq!(model.case.as_ref().map(|c| c.approvals.len()), Some(full.approvals.len()));
    update(&mut model, Msg::SourceLoaded { index: 1, result: Err("logs: cannot read".into()) });
    assert!(!model.loading());
}

#[test]
fn the_forge_reports_its_progress_and_a_failure_without_stopping_the_rest() {
    let (_dir, case) = common::demo_case();
    let mut model = Model::new(vec!["git repo".into(), "forge github:o/r".into()]);
    update(&mut model, Msg::SourceLoaded { index: 0, result: Ok(Box::default()) });
    update(&mut model, Msg::Correlated { case: Box::new(case), index: None, generation: 1 });
    update(&mut model, Msg::SourceCounted { index: 1, note: "12/40 pull requests read".into() });
    let mut answers = leakline::model::ForgeAnswers::default();
    answers.pulls.insert(7, Default::default());
    let step = leakline::model::Evidence { forge: Some(answers), ..Default::default() };
    update(&mut model, Msg::SourceProgressed { index: 1, evidence: Box::new(step) });
    assert_eq!(model.evidence.forge.as_ref().map(|f| f.pulls.len()), Some(1), "answers fill in as they arrive");
    let dir = tempfile::tempdir().expect("tmp");
    let shown = screen(&model, &Theme::default_theme(), 160, 30, dir.path().to_str().expect("utf8"));
    assert!(shown.contains("forge github:o/r: 12/40 pull requests read"), "{shown}");
    let stopped = leakline::model::ForgeAnswers {
        stopped: Some("the forge refused the token (401); no further request was made".into()),
        ..Default::default()
    };
    let last = leakline::model::Evidence { forge: Some(stopped), ..Default::default() };
    update(&mut model, Msg::SourceLoaded { index: 1, result: Ok(Box::new(last)) });
    assert!(!model.loading());
    assert_eq!(model.evidence.forge.as_ref().map(|f| f.pulls.len()), Some(1), "what arrived stays");
    let shown = screen(&model, &Theme::default_theme(), 160, 30, dir.path().to_str().expect("utf8"));
    assert!(shown.contains("forge: the forge refused the token (401)"), "{shown}");
}

#[test]
fn detail_of_a_reachability_grant_shows_the_lines_it_added() {
    snapshot("detail_reach_commit", "4G<enter>");
}

#[test]
fn detail_of_an_audit_log_grant_shows_the_record() {
    snapshot("detail_reach_audit", "4gjjjjjj<enter>");
}

#[test]
fn tiny_and_huge_terminals_do_not_break_any_pane() {
    let (_dir, case) = common::demo_case();
    let mut model = Model::with_case(case);
    for (w, h) in [(1, 1), (10, 4), (40, 12), (300, 100)] {
        for keys in ["1", "2", "3", "4", "5", "6", "<enter>", "<esc>?", "?"] {
            drive(&mut model, keys);
            let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("terminal");
            terminal.draw(|f| view(&model, &Theme::default_theme(), f)).expect("draw");
        }
    }
}

#[test]
fn a_stop_signal_quits_even_while_sources_load() {
    let mut model = Model::new(vec!["git repo".into()]);
    assert!(model.loading() && !model.quit);
    update(&mut model, Msg::Terminated);
    assert!(model.quit, "SIGTERM or SIGHUP leaves the way q does, so the demo folder is removed");
}

#[test]
fn a_narrow_terminal_keeps_the_key_columns_whole() {
    let (dir, case) = common::demo_case();
    let mut model = Model::with_case(case);
    drive(&mut model, "3");
    let text = screen(&model, &Theme::default_theme(), 80, 24, dir.path().to_str().expect("utf8"));
    // Package, change and approver stay readable; less urgent columns make room.
    for whole in ["langchain-openai", "upgraded 0.1.16→0.2.5", "Marcus Lee", "none recorded"] {
        assert!(text.contains(whole), "{whole} missing at 80 columns:\n{text}");
    }
    assert!(!text.contains("merged by"), "merged by is the first column to go:\n{text}");
    drive(&mut model, "1");
    let text = screen(&model, &Theme::default_theme(), 80, 24, dir.path().to_str().expect("utf8"));
    for whole in ["aws_access", "AKIA…Q5XZ", "replays"] {
        assert!(text.contains(whole), "{whole} missing at 80 columns:\n{text}");
    }
    // The OpenAI key listing still lists the key: not revoked, on that evidence.
    let openai = text.lines().find(|l| l.contains("sk-proj-")).unwrap_or_default();
    assert!(openai.contains("NOT REVOKED"), "{openai}");
}

#[test]
fn each_theme_has_its_snapshot() {
    let (dir, case) = common::demo_case();
    let mut model = Model::with_case(case);
    drive(&mut model, "5");
    let d = dir.path().to_str().expect("utf8");
    for (name, theme) in [
        ("theme_high_contrast", Theme::named("high-contrast").expect("theme")),
        ("theme_no_colour", Theme::monochrome()),
    ] {
        let text = screen(&model, &theme, 120, 14, d);
        insta::with_settings!({ snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, text);
        });
    }
}
