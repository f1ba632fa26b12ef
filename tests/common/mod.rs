//! Shared by the integration tests: the demo incident, written to a temp folder
//! of fixed length so that rendered panes do not depend on the machine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design
#![allow(dead_code)]

pub mod forge_server;
pub mod repo;

use std::path::Path;

use chrono::TimeZone;
use leakline::model::Case;
use leakline::session::{Session, SourceArgs};
use tempfile::TempDir;

/// What the temp folder's path is replaced with in snapshots (same length).
pub const PLACEHOLDER: &str = "/tmp/llsnap000000";

pub fn demo_dir() -> TempDir {
    let dir = tempfile::Builder::new().prefix("llsnap").rand_bytes(6).tempdir_in("/tmp").expect("temp dir");
    assert_eq!(dir.path().to_string_lossy().len(), PLACEHOLDER.len());
    leakline::demo::write(dir.path()).expect("demo written");
    dir
}

pub fn session(dir: &Path) -> Session {
    Session::resolve(&SourceArgs { case: Some(dir.join("leakline.toml")), ..SourceArgs::default() }).expect("case file")
}

pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 5, 1, 0, 0, 0).single().expect("time")
}

/// The demo, correlated.
pub fn demo_case() -> (TempDir, Case) {
    let dir = demo_dir();
    let case = session(dir.path()).case(now()).expect("case");
    (dir, case)
}

/// Press `keys` (in the keymap's notation: `3j<enter>`).
pub fn drive(model: &mut leakline::tui::app::Model, keys: &str) {
    for key in leakline::tui::keymap::events(keys) {
        leakline::tui::app::update(model, leakline::tui::app::Msg::KeyPressed(key));
    }
}

/// The screen as drawn in a `width`×`height` terminal, every cell's symbol in a row.
pub fn drawn(model: &leakline::tui::app::Model, width: u16, height: u16) -> String {
    use ratatui::{Terminal, backend::TestBackend};
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("terminal");
    terminal
        .draw(|f| leakline::tui::view::view(model, &leakline::tui::theme::Theme::default_theme(), f))
        .expect("draw");
    terminal.backend().buffer().content().iter().map(|c| c.symbol()).collect()
}

/// Every pane, each of its rows and that row's detail, drawn at 200×60 and
/// handed to `check` with a label saying which screen it is.
pub fn every_screen(model: &mut leakline::tui::app::Model, mut check: impl FnMut(&str, &str)) {
    use leakline::tui::app::{Pane, row_count};
    for (i, pane) in Pane::ALL.iter().enumerate() {
        drive(model, &(i + 1).to_string());
        assert_eq!(model.pane, *pane);
        let rows = model.case.as_ref().map_or(0, |c| row_count(*pane, c));
        for row in 0..rows.max(1) {
            check(&format!("{pane:?} row {row}"), &drawn(model, 200, 60));
            drive(model, "<enter>");
            check(&format!("{pane:?} detail {row}"), &drawn(model, 200, 60));
            drive(model, "<esc>j");
        }
    }
}

/// FNV-1a over every cell's position and style.
fn style_digest(buffer: &ratatui::buffer::Buffer) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for (i, cell) in buffer.content().iter().enumerate() {
        let style = format!("{i}:{:?}:{:?}:{:?}", cell.fg, cell.bg, cell.modifier);
        for b in style.bytes() {
            hash ^= u64::from(b);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

pub fn screen(
    model: &leakline::tui::app::Model,
    theme: &leakline::tui::theme::Theme,
    width: u16,
    height: u16,
    dir: &str,
) -> String {
    let mut terminal = ratatui::Terminal::new(ratatui::backend::TestBackend::new(width, height)).expect("terminal");
    terminal.draw(|f| leakline::tui::view::view(model, theme, f)).expect("draw");
    let buffer = terminal.backend().buffer().clone();
    let mut text = String::new();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer.cell((x, y)).map_or(" ", |c| c.symbol())).collect();
        text.push_str(line.trim_end());
        text.push('\n');
    }
    format!("{}\nstyles: {}\n", text.replace(dir, PLACEHOLDER), style_digest(&buffer))
}

/// Every file below `dir`, depth first.
pub fn files_under(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_dir() {
            files_under(&entry.path(), out);
        } else {
            out.push(entry.path());
        }
    }
}

/// CloudTrail record `n`: its own time, address, user agent, key id and event id.
pub fn cloudtrail_record(n: usize) -> serde_json::Value {
    serde_json::json!({
        "eventVersion": "1.08", "eventTime": format!("2026-04-13T12:{:02}:{:02}Z", n / 60 % 60, n % 60),
        "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "us-east-1",
        "sourceIPAddress": format!("10.0.{}.{}", n / 250, n % 250), "userAgent": format!("aws-cli/2.15.{n}"),
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/svc", "accessKeyId": format!("AKIA{n:016}")},
        "eventID": format!("00000000-0000-0000-0000-{n:012}"),
    })
}
