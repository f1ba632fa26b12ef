//! What `open` and `report` keep of a large trail: the records of the case's
//! credentials (and of keys a leaked key created), every record counted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use leakline::ingest::SourceSpec;
use leakline::model::Evidence;

fn record(n: usize, key: &str, name: &str, extra: &str) -> String {
    format!(
        r#"{{"eventVersion":"1.08","eventTime":"2026-04-15T10:{:02}:{:02}Z","eventSource":"iam.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"203.0.113.{}","userAgent":"aws-cli/2.15.0","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/u{n}","accessKeyId":"{key}"}},"eventID":"00000000-0000-0000-0000-{n:012}"{extra}}}"#,
        (n / 60) % 60,
        n % 60,
        n % 250
    )
}

#[test]
fn only_the_records_of_the_leaked_keys_and_of_keys_they_made_are_kept() {
    let dir = common::demo_dir();
    let session = common::session(dir.path());
    let leaked = "AKIA4NWTDEMOLEAKQ5XZ";
    let made = "AKIA4NWTDEMOMADEBY01";
    let mut lines: Vec<String> = (0..2000).map(|n| record(n, &format!("AKIAUNRELATED{n:07}"), "GetUser", "")).collect();
    let created = format!(r#","responseElements":{{"accessKey":{{"accessKeyId":"{made}","status":"Active"}}}}"#);
    lines.push(record(2000, leaked, "CreateAccessKey", &created));
    lines.push(record(2001, made, "ListUsers", ""));
    let trail = dir.path().join("extra.json");
    std::fs::write(&trail, lines.join("\n")).unwrap();
    let scans: Vec<&SourceSpec> = session.sources.iter().filter(|s| matches!(s, SourceSpec::Scan(..))).collect();
    let mut found = Evidence::default();
    for s in scans {
        found.merge(leakline::ingest::load(s, &session.options).unwrap());
    }
    let spec = SourceSpec::parse_audit(trail.to_str().unwrap()).unwrap();
    let reads = session.read_following(&[&spec], &found);
    let evidence = reads.into_iter().next().unwrap().unwrap();
    assert_eq!(evidence.inputs[0].records, 2002, "every record is counted");
    let kept: Vec<&str> = evidence.accesses.iter().filter_map(|a| a.credential.as_deref()).collect();
    assert!(kept.iter().all(|k| *k == leaked || *k == made), "{:?}", &kept[..kept.len().min(5)]);
    assert!(kept.contains(&made), "a key the leaked key created is followed (a second read)");
    // With no scanner finding there is nothing to narrow by: everything is kept.
    let all = session.read_following(&[&spec], &Evidence::default()).into_iter().next().unwrap().unwrap();
    assert_eq!(all.accesses.len(), 2002);
}
