//! Moving through the evidence as a responder does, through the real `update`
//! driven by key strings: search, the command line, filters, links and back,
//! export, the mouse, and the screens at 80x24 and below a usable size.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use leakline::tui::app::{Cmd, Model, Msg, Pane, update};
use leakline::tui::keymap::events;
use leakline::tui::theme::Theme;

use common::screen;

/// Press `keys`, collecting the effects asked for.
fn press(model: &mut Model, keys: &str) -> Vec<Cmd> {
    events(keys).into_iter().filter_map(|k| update(model, Msg::KeyPressed(k)).1).collect()
}

fn snapshot(name: &str, model: &Model, width: u16, height: u16, dir: &str) {
    let text = screen(model, &Theme::default_theme(), width, height, dir);
    insta::with_settings!({ snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"), prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

fn demo() -> (tempfile::TempDir, Model, String) {
    let (dir, case) = common::demo_case();
    let path = dir.path().to_str().expect("utf8").to_string();
    (dir, Model::with_case(case), path)
}

fn selected_replay_ip(model: &Model) -> String {
    let case = model.case.as_ref().unwrap();
    case.replay_groups[model.selected_row().unwrap()].ip.clone()
}

#[test]
fn a_search_selects_the_replay_of_that_address_and_n_walks_the_matches() {
    let (_dir, mut model, path) = demo();
    press(&mut model, "5/45.148");
    assert_eq!(selected_replay_ip(&model), "45.148.10.62", "the selection follows the typing");
    press(&mut model, "<enter>");
    assert_eq!(selected_replay_ip(&model), "45.148.10.62");
    assert!(model.prompt.is_none());
    snapshot("search", &model, 120, 16, &path);
    // Two matches of an address range: n and N walk them, wrapping.
    press(&mut model, "/185.220<enter>");
    assert_eq!(selected_replay_ip(&model), "185.220.101.34");
    press(&mut model, "/~^s1 .*\\b(45|185)\\.<enter>");
    let first = model.selection();
    press(&mut model, "n");
    assert_ne!(model.selection(), first);
    press(&mut model, "n");
    assert_eq!(model.selection(), first, "n wraps to the first match");
    assert!(model.status.as_deref().unwrap_or("").contains("wrapped"), "{:?}", model.status);
    press(&mut model, "N");
    assert_ne!(model.selection(), first);
}

#[test]
fn keys_typed_into_a_prompt_never_reach_the_panes_and_esc_goes_back() {
    let (_dir, mut model, _path) = demo();
    press(&mut model, "2jjj");
    let before = model.selection();
    press(&mut model, "/qG1");
    assert!(!model.quit && model.pane == Pane::Timeline, "q, G and 1 were text");
    press(&mut model, "<esc>");
    assert_eq!(model.selection(), before, "Esc while typing goes back to where the search began");
    assert!(model.search.is_none());
    press(&mut model, ":frobnicate<enter>");
    assert!(model.status.as_deref().unwrap_or("").contains("no command `:frobnicate`"));
    press(&mut model, ":q<enter>");
    assert!(model.quit);
}

#[test]
fn the_command_line_completes_and_shows_what_tab_offers() {
    let (_dir, mut model, path) = demo();
    press(&mut model, ":ex<tab> <tab>");
    assert_eq!(model.prompt.as_ref().unwrap().text, "export md");
    press(&mut model, "<tab>");
    assert_eq!(model.prompt.as_ref().unwrap().text, "export json");
    snapshot("command_line", &model, 120, 12, &path);
    press(&mut model, "<ctrl-u>secret s<tab>");
    assert_eq!(model.prompt.as_ref().unwrap().text, "secret s1");
    // History: the last command comes back with Up.
    press(&mut model, "<enter>:<up>");
    assert_eq!(model.prompt.as_ref().unwrap().text, "secret s1");
}

#[test]
fn export_writes_the_report_where_asked_through_the_report_code() {
    let (dir, mut model, _path) = demo();
    let target = dir.path().join("out.md");
    let cmds = press(&mut model, &format!(":export md {}<enter>", target.display()));
    let Some(Cmd::Export { case, format, path }) = cmds.into_iter().next() else { panic!("an export is asked for") };
    assert_eq!(path.as_deref(), Some(target.to_str().unwrap()));
    let provenance = leakline::report::Provenance::default();
    let said = leakline::tui::export(&case, format, path.as_deref(), dir.path(), &provenance);
    assert!(said.starts_with("report written to "), "{said}");
    let written = std::fs::read_to_string(&target).unwrap();
    assert_eq!(written, leakline::report::render_with(&case, leakline::report::Format::Md, &provenance));
    // `e` without a path: beside the case, named by the time.
    let cmds = press(&mut model, "ejson<enter>");
    assert!(cmds.is_empty(), "`export mdjson` is not a format: {:?}", model.status);
    let cmds = press(&mut model, "e<ctrl-u>export json<enter>");
    let Some(Cmd::Export { case, format, path: None }) = cmds.into_iter().next() else { panic!("export json") };
    let said = leakline::tui::export(&case, format, None, dir.path(), &provenance);
    let written = said.strip_prefix("report written to ").and_then(|s| s.split(" (").next()).unwrap();
    assert!(written.ends_with(".json"), "{said}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(written).unwrap()).unwrap();
    assert!(json.get("secrets").is_some());
    let said = leakline::tui::export(&case, format, Some("/nonexistent/dir/r.json"), dir.path(), &provenance);
    assert!(said.starts_with("could not write /nonexistent/dir/r.json"), "{said}");
}

#[test]
fn a_filter_narrows_every_pane_and_f_clears_it() {
    let (_dir, mut model, path) = demo();
    let all = model.rows(Pane::Timeline).len();
    press(&mut model, "2fsource=vault<enter>");
    let case = model.case.clone().unwrap();
    let kept = model.rows(Pane::Timeline).to_vec();
    assert!(!kept.is_empty() && kept.len() < all, "{} of {all}", kept.len());
    for &i in &kept {
        let facts = leakline::tui::filter::facts(&case, Pane::Timeline, i as usize);
        assert!(facts.sources.contains(&"vault"), "{:?}", case.timeline[i as usize]);
    }
    snapshot("filter", &model, 120, 20, &path);
    press(&mut model, ":since 2026-04-14<enter>");
    assert!(
        model.rows(Pane::Timeline).iter().all(|&i| case.timeline[i as usize].at.to_rfc3339().as_str() >= "2026-04-14")
    );
    press(&mut model, "F");
    assert_eq!(model.rows(Pane::Timeline).len(), all);
    assert!(model.filter.is_empty());
    press(&mut model, ":since yesterday<enter>");
    assert!(model.status.as_deref().unwrap_or("").starts_with("not a date"));
}

#[test]
fn a_jump_chain_goes_where_links_point_and_esc_comes_back_the_same_way() {
    let (_dir, mut model, path) = demo();
    // Replays → the detail of 185.220.101.34 (below the OpenAI usage group) → its address link.
    press(&mut model, "5j<enter>");
    assert!(model.detail);
    let links = model.links();
    assert!(links.iter().any(|l| matches!(l, leakline::tui::links::Link::Ip(ip) if ip == "185.220.101.34")));
    press(&mut model, "<tab><enter>");
    assert!(!model.detail && model.pane == Pane::Replays);
    assert_eq!(model.filter.ip.as_deref(), Some("185.220.101.34"));
    assert_eq!(model.rows(Pane::Replays).len(), 1);
    // Then to the secret: its whole story on the timeline.
    press(&mut model, "<enter><enter>");
    assert_eq!(model.pane, Pane::Timeline);
    assert_eq!(model.filter.secret.as_deref(), Some("s1"));
    snapshot("jump", &model, 120, 24, &path);
    // Esc walks back: the detail, the address view, its detail, the list.
    press(&mut model, "<esc>");
    assert!(model.detail && model.pane == Pane::Replays);
    press(&mut model, "<esc>");
    assert!(!model.detail && model.filter.secret.is_none() && model.filter.ip.is_some());
    press(&mut model, "<esc><esc>");
    assert!(!model.detail && model.filter.is_empty() && model.pane == Pane::Replays);
    assert_eq!(model.rows(Pane::Replays).len(), 3);
    // A person: everything they did.
    press(&mut model, ":actor Tom Okafor<enter>");
    assert_eq!(model.pane, Pane::Timeline);
    let case = model.case.clone().unwrap();
    assert!(model.rows(Pane::Timeline).iter().all(|&i| case.timeline[i as usize].who.contains("Tom Okafor")
        || leakline::tui::filter::facts(&case, Pane::Timeline, i as usize).people.contains(&"Tom Okafor")));
    press(&mut model, ":commit 0000000<enter>");
    assert!(model.status.as_deref().unwrap_or("").starts_with("nothing in the case for commit"));
}

#[test]
fn the_detail_stops_at_its_end_and_shows_where_one_is() {
    let (_dir, mut model, path) = demo();
    press(&mut model, "<enter>");
    // Drawn once so the view knows how tall the detail is.
    let _ = screen(&model, &Theme::default_theme(), 120, 30, &path);
    press(&mut model, "G");
    let end = model.detail_scroll;
    assert!(end > 0);
    press(&mut model, "jjjj<pagedown>");
    assert_eq!(model.detail_scroll, end, "scrolling stops at the end");
    let text = screen(&model, &Theme::default_theme(), 120, 30, &path);
    let last = text.lines().nth(28).unwrap_or_default();
    assert!(last.contains(" of ") && last.contains("lines"), "{last}");
    press(&mut model, "g");
    assert_eq!(model.detail_scroll, 0);
}

#[test]
fn a_click_selects_a_row_or_a_tab_and_the_wheel_moves() {
    let (_dir, mut model, path) = demo();
    press(&mut model, "2");
    let _ = screen(&model, &Theme::default_theme(), 120, 40, &path);
    let click = |column, row| MouseEvent {
        kind: MouseEventKind::Down(MouseButton::Left),
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    // Under the tab bar, the timeline's strip takes 4 lines and its table's border
    // and header 2: screen row 7 is the first row.
    update(&mut model, Msg::Mouse(click(30, 10)));
    assert_eq!(model.selection(), 3);
    let wheel = MouseEvent { kind: MouseEventKind::ScrollDown, column: 30, row: 10, modifiers: KeyModifiers::NONE };
    update(&mut model, Msg::Mouse(wheel));
    assert_eq!(model.selection(), 6);
    let tabs = model.hits.borrow().tabs.clone();
    update(&mut model, Msg::Mouse(click(tabs[4].0 + 1, 0)));
    assert_eq!(model.pane, Pane::Replays);
}

#[test]
fn at_80x24_the_overview_keeps_all_four_answers() {
    let (_dir, model, path) = demo();
    let text = screen(&model, &Theme::default_theme(), 80, 24, &path);
    for answer in ["Approved", "Reachable by", "Replayed     15 replays from 2 addresses", "Exposure     window"] {
        assert!(text.contains(answer), "{answer} missing:\n{text}");
    }
    snapshot("overview_80x24", &model, 80, 24, &path);
}

#[test]
fn at_80_columns_replays_keep_the_user_name_and_every_reason() {
    let (_dir, mut model, path) = demo();
    press(&mut model, "5");
    let text = screen(&model, &Theme::default_theme(), 80, 24, &path);
    assert!(text.contains("svc-ticket-agent"), "{text}");
    for reason in ["new_ip", "new_user_agent", "recon_call", "after_detection", "after_revocation"] {
        assert!(text.contains(reason), "{reason} cut at 80 columns:\n{text}");
    }
}

#[test]
fn below_a_usable_size_the_screen_says_so() {
    let (_dir, model, path) = demo();
    snapshot("too_small", &model, 50, 10, &path);
}

#[test]
fn copy_puts_the_row_as_shown_on_the_clipboard_never_a_raw_value() {
    let (_dir, mut model, _path) = demo();
    let cmds = press(&mut model, "y");
    let Some(Cmd::Copy(text)) = cmds.into_iter().next() else { panic!("a copy") };
    assert!(text.starts_with("s1\taws_access_key\tAKIA…Q5XZ"), "{text}");
    assert!(!text.contains("AKIA4NWTDEMOLEAKQ5XZ"), "the label is the masked one");
    let osc = leakline::tui::osc52("hi");
    assert_eq!(osc, "\u{1b}]52;c;aGk=\u{7}");
}

#[test]
fn on_a_large_case_a_filter_is_worked_out_off_the_event_loop_and_a_newer_one_wins() {
    let (_dir, mut model, _path) = demo();
    // As if the case were large: every filter goes to a worker.
    model.sync_filter_rows = 10;
    let all = model.rows(Pane::Timeline).len();
    let first = press(&mut model, ":actor Tom Okafor<enter>");
    let Some(Cmd::Refilter { case, filter, generation: g1, latest }) = first.into_iter().next() else {
        panic!("the filter is sent to a worker")
    };
    assert!(model.filtering);
    assert_eq!(model.rows(Pane::Timeline).len(), all, "the rows shown stay until the new ones are ready");
    // A newer jump before the first is done: the first is cancelled and its answer dropped.
    let second = press(&mut model, ":actor Priya<enter>");
    let Some(Cmd::Refilter { case: c2, filter: f2, generation: g2, .. }) = second.into_iter().next() else {
        panic!("a second filter")
    };
    let stale = || latest.load(std::sync::atomic::Ordering::Relaxed) != g1;
    assert!(leakline::tui::app::filtered(&case, &filter, &stale).is_none(), "the older work gives up");
    let never = || false;
    let (rows, volume) = leakline::tui::app::filtered(&case, &filter, &never).unwrap();
    update(&mut model, Msg::Filtered { generation: g1, rows: Box::new(rows), volume: Box::new(volume) });
    assert!(model.filtering, "a stale answer is not shown");
    let (rows, volume) = leakline::tui::app::filtered(&c2, &f2, &never).unwrap();
    update(&mut model, Msg::Filtered { generation: g2, rows: Box::new(rows), volume: Box::new(volume) });
    assert!(!model.filtering);
    let kept = model.rows(Pane::Timeline).len();
    assert!(kept > 0 && kept < all);
    assert!(model.rows(Pane::Timeline).iter().all(|&i| c2.timeline[i as usize].who.contains("Priya")
        || leakline::tui::filter::facts(&c2, Pane::Timeline, i as usize).people.contains(&"Priya Raman")));
    // Back to no filter is only counting: at once, whatever the size.
    assert!(press(&mut model, "F").is_empty());
    assert_eq!(model.rows(Pane::Timeline).len(), all);
}

#[test]
fn the_timeline_groups_by_address_and_search_still_lands_on_the_row() {
    let (_dir, mut model, path) = demo();
    press(&mut model, ":group ip<enter>");
    assert_eq!(model.pane, Pane::Timeline);
    let case = model.case.clone().unwrap();
    let ips: Vec<String> = model
        .rows(Pane::Timeline)
        .iter()
        .map(|&i| {
            leakline::tui::filter::facts(&case, Pane::Timeline, i as usize)
                .ips
                .iter()
                .next()
                .map_or(String::new(), |s| s.to_string())
        })
        .collect();
    let with: Vec<&String> = ips.iter().filter(|s| !s.is_empty()).collect();
    assert!(with.windows(2).all(|w| w[0] <= w[1]), "grouped by address: {with:?}");
    assert_eq!(ips.iter().position(String::is_empty), Some(with.len()), "rows with no address come last");
    press(&mut model, "/45.148.10.62<enter>");
    let row = model.selected_row().unwrap();
    assert!(case.timeline[row].summary.contains("45.148.10.62"));
    let first = model.selection();
    press(&mut model, "n");
    assert_eq!(model.selection(), first + 1, "the next match is the next row of the same group");
    snapshot("timeline_grouped", &model, 120, 24, &path);
    press(&mut model, ":group none<enter>");
    assert!(model.rows(Pane::Timeline).windows(2).all(|w| w[0] < w[1]));
    assert!(press(&mut model, ":group colour<enter>").is_empty());
    assert!(model.status.as_deref().unwrap_or("").starts_with("cannot group by"));
}

#[test]
fn grep_finds_records_the_case_did_not_keep_on_disk_masked_and_esc_stops_it() {
    let (dir, mut model, path) = demo();
    // A record of a key no scanner found: counted, not kept in the case, still on disk.
    let unrelated = r#"{"eventVersion":"1.08","eventTime":"2026-04-15T11:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.250","userAgent":"aws-cli/2 token=ghp_aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/other","accessKeyId":"AKIAOTHERKEY00000001"},"eventID":"5b7a0000-0000-4000-8000-000000000250"}"#;
    std::fs::write(dir.path().join("logs/other.jsonl"), format!("{unrelated}\n")).unwrap();
    let cmds = press(&mut model, ":grep 203.0.113.250<enter>");
    let Some(Cmd::DiskSearch { needle, generation, latest }) = cmds.into_iter().next() else {
        panic!("`:grep` asks for a search of the logs on disk")
    };
    assert_eq!(needle, "203.0.113.250");
    let sent = std::cell::RefCell::new(Vec::new());
    let send = |m| sent.borrow_mut().push(m);
    let cancel = leakline::ingest::cancel::Cancel::default();
    leakline::tui::disk::search(&[dir.path().join("logs")], &needle, generation, &latest, None, &cancel, &send);
    for msg in sent.into_inner() {
        update(&mut model, msg);
    }
    let view = model.disk.as_ref().expect("the overlay is open");
    assert!(view.done);
    assert_eq!(view.hits.len(), 1, "one line on disk holds the address");
    assert!(view.hits[0].origin.ends_with("other.jsonl:1"));
    assert!(!view.hits[0].text.contains("ghp_aBcDeF"), "a token in the line is masked: {}", view.hits[0].text);
    snapshot("tui_disk_search", &model, 120, 20, &path);
    let esc = events("<esc>").remove(0);
    assert!(update(&mut model, Msg::KeyPressed(esc)).0, "Esc redraws the screen");
    assert!(model.disk.is_none(), "Esc closes the search");
    assert_ne!(latest.load(std::sync::atomic::Ordering::Relaxed), generation, "and a search still running stops");
}
