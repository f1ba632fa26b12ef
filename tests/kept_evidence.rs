//! The case store keeps the audit evidence a case needs: reopening a case over
//! unchanged logs takes it from there and says the same; any change to the logs
//! is read again. Every input carries the SHA-256 of the bytes read.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use sha2::{Digest, Sha256};

fn report(dir: &std::path::Path) -> (String, Vec<String>, leakline::model::Case) {
    let session = common::session(dir);
    let case = session.case(common::now()).unwrap();
    // A fixed time of writing: two runs a second apart are the same report.
    let prov = leakline::report::Provenance { generated_at: common::now(), ..Default::default() };
    let json = leakline::report::render_with(&case, leakline::report::Format::Json, &prov);
    let reused = session.reused.lock().unwrap().clone();
    (json, reused, case)
}

fn hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn a_reopened_case_takes_unchanged_logs_from_the_store_and_reads_changed_ones() {
    let dir = common::demo_dir();
    let (first, reused, case) = report(dir.path());
    assert!(reused.is_empty(), "nothing kept yet: {reused:?}");
    let (second, reused, _) = report(dir.path());
    assert_eq!(reused.len(), 1, "the demo's one audit folder came from the store: {reused:?}");
    assert_eq!(second, first, "the report from the store is the report from the logs");

    // A new log in the folder, with a use of the leaked key from a new address.
    let before = case.replays.len();
    let line = r#"{"eventVersion":"1.08","eventTime":"2026-04-15T10:00:00Z","eventSource":"s3.amazonaws.com","eventName":"ListBuckets","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.77","userAgent":"curl/8.1","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/ci-deployer","accessKeyId":"AKIA4NWTDEMOLEAKQ5XZ"},"eventID":"7e1b2a3c-0000-4000-8000-000000000077"}"#;
    std::fs::write(dir.path().join("logs/late.jsonl"), format!("{line}\n")).unwrap();
    let (third, reused, case) = report(dir.path());
    assert!(reused.is_empty(), "the folder changed: read again, not taken from the store");
    assert_ne!(third, first);
    assert!(
        case.replays.iter().any(|r| r.access.ip.as_deref() == Some("198.51.100.77")),
        "the new record's use is seen: {} replays before, {} now",
        before,
        case.replays.len()
    );
}

#[test]
fn every_audit_and_scan_input_names_the_sha256_of_the_bytes_read() {
    let (dir, case) = common::demo_case();
    let mut checked = 0;
    for input in case.inputs.iter().filter(|i| i.kind != leakline::model::SourceKind::Git) {
        let bytes = std::fs::read(&input.path).unwrap();
        assert_eq!(input.sha256.as_deref(), Some(hex(&bytes).as_str()), "{}", input.path);
        checked += 1;
    }
    assert!(
        case.inputs.iter().any(|i| i.path.ends_with(".gz") && i.sha256.is_some()),
        "a .gz is hashed as it lies on disk"
    );
    assert!(checked >= 5, "the demo's logs and scans: {checked}");
    drop(dir);
}

#[test]
fn an_unchanged_log_read_again_takes_its_digest_from_the_store_and_a_changed_one_is_hashed_afresh() {
    let dir = common::demo_dir();
    let read = |max_line: usize| {
        let mut session = common::session(dir.path());
        // Other reading options: the kept evidence does not stand for this read, the digests do.
        session.options.limits.max_line = max_line;
        let case = session.case(common::now()).unwrap();
        assert!(session.reused.lock().unwrap().is_empty(), "read again, not taken whole from the store");
        case.inputs
    };
    let note = "SHA-256 as this case's read of";
    let first = read(1 << 20);
    assert!(first.iter().all(|i| !i.notes.iter().any(|n| n.starts_with(note))), "nothing digested before");
    let second = read((1 << 20) + 1);
    let from_store: Vec<_> = second.iter().filter(|i| i.notes.iter().any(|n| n.starts_with(note))).collect();
    assert!(
        from_store.len() >= 3,
        "the demo's streamed logs: {:#?}",
        second.iter().map(|i| &i.path).collect::<Vec<_>>()
    );
    for input in &from_store {
        let bytes = std::fs::read(&input.path).unwrap();
        assert_eq!(input.sha256.as_deref(), Some(hex(&bytes).as_str()), "{}", input.path);
    }

    // A line appended to one of them: that file is hashed again, the others are not.
    let grown = from_store.iter().find(|i| !i.path.ends_with(".gz")).unwrap().path.clone();
    let mut text = std::fs::read(&grown).unwrap();
    text.extend_from_slice(b"{}\n");
    std::fs::write(&grown, &text).unwrap();
    let third = read((1 << 20) + 2);
    let input = third.iter().find(|i| i.path == grown).unwrap();
    assert_eq!(input.sha256.as_deref(), Some(hex(&text).as_str()));
    assert!(!input.notes.iter().any(|n| n.starts_with(note)), "a changed file is hashed afresh: {:?}", input.notes);
    assert!(third.iter().filter(|i| i.notes.iter().any(|n| n.starts_with(note))).count() == from_store.len() - 1);
}
