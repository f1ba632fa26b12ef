//! Never panic on input: every sample, cut short at many points and forced
//! through every reader, gives a result or an error — never a crash.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::Path;

use leakline::ingest::{ReadOptions, SourceSpec, load};
use leakline::model::SourceKind;

fn files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().is_dir() {
            files(&entry.path(), out);
        } else if !entry.path().to_string_lossy().ends_with(".md") {
            out.push(entry.path());
        }
    }
}

#[test]
fn truncated_samples_through_every_reader() {
    let mut samples = Vec::new();
    files(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples"), &mut samples);
    assert!(samples.len() >= 10);
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("input");
    for sample in samples {
        let bytes = std::fs::read(&sample).unwrap();
        for cut in [bytes.len(), bytes.len() * 3 / 4, bytes.len() / 2, bytes.len() / 7, 1, 0] {
            std::fs::write(&target, &bytes[..cut]).unwrap();
            for kind in SourceKind::AUDIT {
                let _ = load(&SourceSpec::Audit(Some(kind), target.clone()), &ReadOptions::default());
            }
            for kind in SourceKind::SCAN {
                let _ = load(&SourceSpec::Scan(Some(kind), target.clone()), &ReadOptions::default());
            }
            let _ = load(&SourceSpec::Audit(None, target.clone()), &ReadOptions::default());
            let _ = load(&SourceSpec::Scan(None, target.clone()), &ReadOptions::default());
        }
    }
}

#[test]
fn garbage_bytes_through_every_reader() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("input");
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for round in 0..200 {
        let len = (round * 37) % 2000;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                // Mostly JSON punctuation and letters, so that parsers get some way in.
                let alphabet = b"{}[]\":,0123456789abcdefghijklmnopqrstuvwxyz \n\x1f\x8b\\";
                alphabet[(seed % alphabet.len() as u64) as usize]
            })
            .collect();
        std::fs::write(&target, &bytes).unwrap();
        for kind in SourceKind::AUDIT.into_iter().chain(SourceKind::SCAN) {
            let spec = if SourceKind::AUDIT.contains(&kind) {
                SourceSpec::Audit(Some(kind), target.clone())
            } else {
                SourceSpec::Scan(Some(kind), target.clone())
            };
            let _ = load(&spec, &ReadOptions::default());
        }
    }
}
