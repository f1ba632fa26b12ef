//! Audit logs as they really come: JSON lines of any size (streamed), gzip,
//! truncated gzip, a truncated last line, invalid UTF-8, a line longer than a
//! read chunk, CRLF — reported, and the rest still read.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;

use leakline::ingest::{ReadOptions, SourceSpec, load};
use leakline::model::{Evidence, SourceKind};

fn event(i: usize, key: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.09","eventTime":"2026-04-13T17:{:02}:{:02}Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","awsRegion":"eu-west-1","sourceIPAddress":"203.0.113.{}","userAgent":"aws-cli/2.15","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/u{}","accessKeyId":"{key}"}},"requestParameters":{{"bucketName":"b","key":"k{i}"}},"eventID":"e{i}"}}"#,
        i / 60 % 60,
        i % 60,
        i % 250,
        i % 7
    )
}

fn read(path: &std::path::Path) -> Evidence {
    load(&SourceSpec::Audit(None, path.to_path_buf()), &ReadOptions::default()).unwrap()
}

#[test]
fn json_lines_stream_with_every_defect_reported_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trail.jsonl");
    let mut text = String::new();
    for i in 0..20_000 {
        text.push_str(&event(i, "AKIAEXAMPLEKEY000001"));
        text.push_str(if i % 2 == 0 { "\n" } else { "\r\n" });
    }
    text.push_str("{\"eventVersion\":\"1.09\",\"eventTime\":\"2026-04-13T17:00:00Z\",\"eventName\":\"Get\"\n"); // line 20001: cut short
    text.push_str(&event(1, "AKIAEXAMPLEKEY000002")); // line 20002
    text.push('\n');
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(
        b"{\"eventVersion\":\"1.09\",\"eventTime\":\"2026-04-13T17:00:00Z\",\"eventName\":\"Bad\xff\"}\n",
    ); // 20003
    // A record longer than a read chunk (4 MB).
    let long = event(3, "AKIAEXAMPLEKEY000003").replace("\"k3\"", &format!("\"{}\"", "x".repeat(6 << 20)));
    bytes.extend_from_slice(long.as_bytes()); // 20004
    bytes.extend_from_slice(b"\n");
    bytes.extend_from_slice(&event(4, "AKIAEXAMPLEKEY000004").as_bytes()[..100]); // 20005: truncated last line, no newline
    std::fs::write(&path, &bytes).unwrap();
    let ev = read(&path);
    let input = &ev.inputs[0];
    assert_eq!(input.kind, SourceKind::Cloudtrail);
    assert_eq!(input.records, 20_002);
    assert_eq!(ev.accesses.len(), 20_002);
    assert_eq!(input.rejected, 3, "{:?}", input.errors);
    let lines: Vec<usize> = input.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [20_001, 20_003, 20_005]);
    // Order and origins survive the parallel read.
    assert_eq!(ev.accesses[0].event_id, "e0");
    assert!(ev.accesses[19_999].origin.ends_with(":20000"), "{}", ev.accesses[19_999].origin);
    assert_eq!(ev.accesses.last().unwrap().credential.as_deref(), Some("AKIAEXAMPLEKEY000003"));
}

#[test]
fn escaped_keys_are_read_as_what_they_say() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("escaped.jsonl");
    std::fs::write(&path, event(0, "\\u0041KIAEXAMPLEKEY000009") + "\n").unwrap();
    let ev = read(&path);
    assert_eq!(ev.accesses[0].credential.as_deref(), Some("AKIAEXAMPLEKEY000009"));
}

#[test]
fn gzip_and_truncated_gzip() {
    let dir = tempfile::tempdir().unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    for i in 0..5_000 {
        gz.write_all(event(i, "AKIAEXAMPLEKEY000001").as_bytes()).unwrap();
        gz.write_all(b"\n").unwrap();
    }
    let whole = gz.finish().unwrap();
    let path = dir.path().join("trail.jsonl.gz");
    std::fs::write(&path, &whole).unwrap();
    let ev = read(&path);
    assert_eq!((ev.inputs[0].records, ev.inputs[0].rejected), (5_000, 0));
    let cut = dir.path().join("cut.jsonl.gz");
    std::fs::write(&cut, &whole[..whole.len() * 2 / 3]).unwrap();
    let ev = read(&cut);
    let input = &ev.inputs[0];
    assert!(input.records > 1_000 && input.records < 5_000, "{}", input.records);
    assert!(input.rejected >= 1);
    assert!(input.errors.iter().any(|e| e.message.contains("ends early")), "{:?}", input.errors);
}

#[test]
fn check_keeps_counts_not_records() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("trail.jsonl");
    let text: String = (0..1000).map(|i| event(i, "AKIAEXAMPLEKEY000001") + "\n").collect();
    std::fs::write(&path, text).unwrap();
    let ev =
        load(&SourceSpec::Audit(None, path), &ReadOptions { drop_accesses: true, ..ReadOptions::default() }).unwrap();
    assert_eq!((ev.inputs[0].records, ev.inputs[0].relevant, ev.accesses.len()), (1000, 1000, 0));
}

#[test]
fn only_records_of_leaked_credentials_are_kept_and_keys_they_made_are_followed() {
    let dir = tempfile::tempdir().unwrap();
    let leaked = "AKIAEXAMPLEKEY000001";
    let made = "AKIAATTACKERKEY00009";
    let scan = dir.path().join("gitleaks.json");
    std::fs::write(&scan, format!(r#"[{{"RuleID":"aws-access-token","Secret":"{leaked}","File":".env","StartLine":1,"Commit":"0123456789abcdef0123456789abcdef01234567","Date":"2026-04-13T17:00:00Z"}}]"#)).unwrap();
    let mut lines: Vec<String> = (0..3000).map(|i| event(i, "AKIAUNRELATEDKEY0001")).collect();
    lines.push(event(10, leaked).replace("2026-04-13T17:00:10Z", "2026-04-13T16:00:10Z"));
    lines.push(
        r#"{"eventVersion":"1.09","eventTime":"2026-04-13T18:00:00Z","eventSource":"iam.amazonaws.com","eventName":"CreateAccessKey","sourceIPAddress":"185.220.101.34","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::1:user/u","accessKeyId":"LEAKED"},"responseElements":{"accessKey":{"accessKeyId":"MADE"}},"eventID":"mk"}"#
            .replace("LEAKED", leaked)
            .replace("MADE", made),
    );
    lines.push(event(20, made).replace("2026-04-13T17:00:20Z", "2026-04-13T19:00:20Z"));
    let trail = dir.path().join("trail.jsonl");
    std::fs::write(&trail, lines.join("\n")).unwrap();
    let session = leakline::session::Session::resolve(&leakline::session::SourceArgs {
        scan: vec![scan.display().to_string()],
        audit: vec![trail.display().to_string()],
        ..Default::default()
    })
    .unwrap();
    let evidence = session.evidence().unwrap();
    let trail_input = evidence.inputs.iter().find(|i| i.kind == SourceKind::Cloudtrail).unwrap();
    assert_eq!(trail_input.records, 3003, "every record is counted");
    assert_eq!(evidence.accesses.len(), 3, "only the leaked key's records and the key it made are kept");
    let case = leakline::correlate::correlate(&evidence, &Default::default());
    assert!(case.replays.iter().any(|r| r.access.credential.as_deref() == Some(made)), "{:?}", case.replays);
}
