//! No output leaks a raw secret: every report format, `check`, every pane and
//! every detail view of the demo are searched for the planted values and for
//! any 12-character run of them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use leakline::report::{Format, render};
use leakline::tui::app::Model;

fn runs_of(value: &str) -> Vec<String> {
    let chars: Vec<char> = value.chars().collect();
    chars.windows(12).map(|w| w.iter().collect()).collect()
}

fn assert_clean(what: &str, output: &str) {
    for value in leakline::demo::LEAKED_VALUES {
        // The AWS access key id is an identifier, not a secret: it is how the
        // audit logs are joined, and the report keeps it on purpose.
        if value == leakline::demo::AWS_KEY_ID {
            continue;
        }
        for run in runs_of(value) {
            assert!(!output.contains(&run), "{what} contains `{run}` of a raw secret");
        }
    }
}

#[test]
fn reports_and_check_hold_no_raw_secret() {
    let (dir, case) = common::demo_case();
    assert_clean("json report", &render(&case, Format::Json));
    assert_clean("markdown report", &render(&case, Format::Md));
    assert_clean("html report", &render(&case, Format::Html));
    assert_clean("csv report", &render(&case, Format::Csv));
    let evidence = common::session(dir.path()).evidence().expect("evidence");
    assert_clean("check", &leakline::report::check_text(&evidence));
    assert_clean("evidence", &format!("{evidence:?}"));
}

#[test]
fn no_pane_or_detail_shows_a_raw_secret() {
    let (_dir, case) = common::demo_case();
    let mut model = Model::with_case(case);
    common::every_screen(&mut model, assert_clean);
}

#[test]
fn the_leak_is_really_in_the_inputs() {
    // Guards the test above: the values it looks for are in what leakline read.
    let dir = common::demo_dir();
    let gitleaks = std::fs::read_to_string(dir.path().join("scans/gitleaks-report.json")).expect("read");
    assert!(gitleaks.contains(leakline::demo::OPENAI_KEY));
}
