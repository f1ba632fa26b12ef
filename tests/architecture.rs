//! The pure core stays pure: `correlate` and `model` name no I/O, terminal or
//! network crate, so every judgement is testable without them.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push((path.display().to_string(), std::fs::read_to_string(&path).expect("read")));
        }
    }
}

#[test]
fn correlate_and_model_do_no_io() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    for layer in ["correlate", "model"] {
        sources(&root.join(layer), &mut files);
    }
    assert!(files.len() >= 5, "found {} files", files.len());
    for (path, text) in files {
        for forbidden in
            ["tokio", "ratatui", "crossterm", "reqwest", "git2", "std::fs", "Utc::now", "crate::ingest", "crate::tui"]
        {
            assert!(!text.contains(forbidden), "{path} names {forbidden}");
        }
    }
}

#[test]
fn ingest_knows_nothing_of_presentation() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/ingest");
    let mut files = Vec::new();
    sources(&root, &mut files);
    for (path, text) in files {
        for forbidden in ["ratatui", "crossterm", "crate::tui", "crate::report", "crate::correlate"] {
            assert!(!text.contains(forbidden), "{path} names {forbidden}");
        }
    }
}
