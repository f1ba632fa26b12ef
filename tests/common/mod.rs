//! Shared by the integration tests: the demo incident, written to a temp folder
//! of fixed length so that rendered panes do not depend on the machine.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design
#![allow(dead_code)]

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
