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

/// Vault and Kubernetes logs are streamed too, whatever their size: a
/// request and its response, or a request's stages, count once, the last
/// standing for it, exactly as the whole-file reader counts them.
#[test]
fn vault_and_kubernetes_logs_stream_and_pair_their_records() {
    let dir = tempfile::tempdir().unwrap();
    let vault: String = (0..6000)
        .map(|n| {
            let kind = if n % 2 == 0 { "request" } else { "response" };
            let error = if n == 3 { r#","error":"permission denied""# } else { "" };
            format!(
                "{}{{\"time\":\"2026-04-13T12:00:{:02}Z\",\"type\":\"{kind}\",\"auth\":{{\"client_token\":\"hmac-sha256:{:064x}\",\"display_name\":\"ci\"}},\"request\":{{\"id\":\"{:08x}-0000-0000-0000-000000000000\",\"operation\":\"read\",\"path\":\"secret/data/app\",\"remote_address\":\"10.0.0.{}\"}}{error}}}\n",
                if n == 10 { "vault: " } else { "" },
                n % 60,
                n / 2,
                n / 2,
                n % 200,
            )
        })
        .collect();
    let file = dir.path().join("vault.log");
    std::fs::write(&file, &vault).unwrap();
    let small = ReadOptions {
        limits: leakline::ingest::limits::Limits { max_input: 64 << 10, max_line: 1 << 20 },
        ..ReadOptions::default()
    };
    let streamed = load(&SourceSpec::Audit(None, file.clone()), &small).unwrap();
    let input = &streamed.inputs[0];
    assert_eq!((input.records, input.relevant, input.rejected), (6000, 3000, 0), "{input:?}");
    assert_eq!(streamed.accesses.len(), 3000);
    assert!(input.notes.iter().any(|n| n.contains("text before their JSON (first at line 11)")), "{:?}", input.notes);
    // The response stands for its request: request 1's response was denied.
    let one = streamed.accesses.iter().find(|a| a.event_id.starts_with("00000001-")).unwrap();
    assert!(matches!(one.outcome, leakline::model::Outcome::Denied(_)), "{one:?}");
    assert!(one.origin.ends_with(":4"), "named by the response's line: {}", one.origin);
    // The same as the whole-file reader, which reads a pretty-printed copy.
    let values: Vec<serde_json::Value> =
        vault.lines().map(|l| serde_json::from_str(l.trim_start_matches("vault: ")).unwrap()).collect();
    let pretty = dir.path().join("vault.json");
    std::fs::write(&pretty, serde_json::to_string_pretty(&values).unwrap()).unwrap();
    let whole = load(&SourceSpec::Audit(None, pretty), &ReadOptions::default()).unwrap();
    assert_eq!(whole.inputs[0].relevant, 3000);
    let outcomes =
        |ev: &Evidence| ev.accesses.iter().map(|a| (a.event_id.clone(), a.outcome.clone())).collect::<Vec<_>>();
    assert_eq!(outcomes(&streamed), outcomes(&whole));

    let k8s: String = (0..900)
        .map(|n| {
            let stage = ["RequestReceived", "ResponseStarted", "ResponseComplete"][n % 3];
            format!(
                "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"a-{}\",\"stage\":\"{stage}\",\"requestURI\":\"/api/v1/namespaces/prod/secrets/openai\",\"verb\":\"get\",\"user\":{{\"username\":\"system:serviceaccount:prod:agent\"}},\"sourceIPs\":[\"10.1.0.{}\"],\"requestReceivedTimestamp\":\"2026-04-13T12:00:00Z\",\"stageTimestamp\":\"2026-04-13T12:00:0{}Z\",\"responseStatus\":{{\"code\":200}}}}\n",
                n / 3,
                n % 250,
                n % 3
            )
        })
        .collect();
    let file = dir.path().join("k8s.log");
    std::fs::write(&file, &k8s).unwrap();
    let ev = load(&SourceSpec::Audit(None, file), &small).unwrap();
    assert_eq!((ev.inputs[0].records, ev.inputs[0].relevant, ev.accesses.len()), (900, 300, 300), "{:?}", ev.inputs);
}
