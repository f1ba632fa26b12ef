//! CloudTrail's `{"Records":[…]}` files as broken pipelines deliver them —
//! larger than any whole read, cut short, compressed and cut short, with a bad
//! record, with the key twice — and scanner output that says one thing twice:
//! what is complete is kept, what is damaged is named with its line, and what
//! is ambiguous is refused rather than guessed.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;

mod common;

use common::cloudtrail_record as record;
use leakline::ingest::limits::Limits;
use leakline::ingest::{self, ReadOptions, SourceSpec};
use leakline::model::{Evidence, InputSummary};

fn wrapper(range: std::ops::Range<usize>) -> String {
    let records: Vec<String> = range.map(|n| record(n).to_string()).collect();
    format!("{{\"Records\":[{}]}}", records.join(","))
}

fn load(path: &std::path::Path, max_input: u64) -> Evidence {
    let options = ReadOptions { limits: Limits { max_input, max_line: 1 << 20 }, ..ReadOptions::default() };
    ingest::load(&SourceSpec::Audit(None, path.to_path_buf()), &options).unwrap()
}

fn only_input(evidence: &Evidence) -> &InputSummary {
    assert_eq!(evidence.inputs.len(), 1, "{:#?}", evidence.inputs);
    &evidence.inputs[0]
}

#[test]
fn a_wrapper_larger_than_any_whole_read_is_streamed_record_by_record() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("trail.json");
    std::fs::write(&file, wrapper(0..20_000)).unwrap();
    assert!(std::fs::metadata(&file).unwrap().len() > 4 << 20);
    // Whole reads stop at 1 MiB here; the wrapper is read anyway, as a stream.
    let evidence = load(&file, 1 << 20);
    let input = only_input(&evidence);
    assert_eq!((input.records, input.rejected), (20_000, 0), "{:?}", input.errors);
    assert_eq!(evidence.accesses.len(), 20_000);
    let ids: std::collections::HashSet<&str> = evidence.accesses.iter().map(|a| a.event_id.as_str()).collect();
    assert_eq!(ids.len(), 20_000, "every record once, in order");
    assert_eq!(evidence.accesses[19_999].ip.as_deref(), Some("10.0.79.249"));
}

#[test]
fn a_wrapper_cut_short_keeps_every_complete_record_and_names_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let records: Vec<String> = (0..5).map(|n| serde_json::to_string_pretty(&record(n)).unwrap()).collect();
    let pretty = format!("{{\n\"Records\": [\n{}\n]\n}}\n", records.join(",\n"));
    let cut = pretty.find("00000000-0000-0000-0000-000000000004").unwrap();
    let file = dir.path().join("cut.json");
    std::fs::write(&file, &pretty[..cut]).unwrap();
    let evidence = load(&file, 1 << 30);
    let input = only_input(&evidence);
    assert_eq!((input.records, evidence.accesses.len(), input.rejected), (4, 4, 1), "{:?}", input.errors);
    let last_start = pretty[..cut].rfind("{\n  \"eventVersion\"").unwrap();
    let line = pretty[..last_start].matches('\n').count() + 1;
    assert_eq!(input.errors[0].line, line, "{:?}", input.errors);
    assert!(input.errors[0].message.contains("ends inside record 5"), "{:?}", input.errors);

    // The same, compressed and cut mid-stream: what inflated whole is kept.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(wrapper(0..3000).as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    let file = dir.path().join("cut.json.gz");
    std::fs::write(&file, &bytes[..bytes.len() / 2]).unwrap();
    let evidence = load(&file, 1 << 30);
    let input = only_input(&evidence);
    assert!(input.records > 1000 && input.records < 3000, "{input:?}");
    assert_eq!(evidence.accesses.len(), input.records);
    assert_eq!(input.rejected, 1);
    assert!(input.errors[0].message.contains("input ends early"), "{:?}", input.errors);
}

#[test]
fn a_bad_record_is_rejected_by_its_place_and_the_rest_are_read() {
    let dir = tempfile::tempdir().unwrap();
    let text = wrapper(0..10).replacen("\"eventTime\":\"2026-04-13T12:00:03Z\"", "\"eventTime\":\"\u{0}\"", 1);
    let text = text.replacen("aws-cli/2.15.6", "aws-cli/2.15.\u{fffd}", 1).into_bytes();
    let mut bytes = text.clone();
    let at = text.windows(3).position(|w| w == "\u{fffd}".as_bytes()).unwrap();
    bytes.splice(at..at + 3, [0xff]);
    let file = dir.path().join("bad.json");
    std::fs::write(&file, bytes).unwrap();
    let evidence = load(&file, 1 << 30);
    let input = only_input(&evidence);
    assert_eq!((input.records, input.rejected), (8, 2), "{:?}", input.errors);
    let messages: Vec<&str> = input.errors.iter().map(|e| e.message.as_str()).collect();
    assert!(messages[0].starts_with("record 4: "), "{messages:?}");
    assert!(messages[1].starts_with("record 7: ") && messages[1].contains("UTF-8"), "{messages:?}");
}

#[test]
fn a_second_records_array_makes_the_file_ambiguous_and_none_of_it_is_used() {
    let dir = tempfile::tempdir().unwrap();
    let first = wrapper(0..3);
    let text = format!("{},\n\"Records\":[{}]}}", &first[..first.len() - 1], record(7));
    let file = dir.path().join("twice.json");
    std::fs::write(&file, text).unwrap();
    let evidence = load(&file, 1 << 30);
    let input = only_input(&evidence);
    assert!(evidence.accesses.is_empty(), "neither array is taken for the trail");
    assert_eq!((input.records, input.rejected, input.errors[0].line), (0, 1, 2));
    assert!(input.errors[0].message.contains("second top-level \"Records\""), "{:?}", input.errors);

    // Wrappers one after another are not that: each is read.
    let file = dir.path().join("joined.json");
    std::fs::write(&file, format!("{}\n{}\n", wrapper(0..2), wrapper(2..5))).unwrap();
    let evidence = load(&file, 1 << 30);
    assert_eq!((only_input(&evidence).records, evidence.accesses.len()), (5, 5));
}

#[test]
fn a_scanner_finding_that_names_two_secrets_is_rejected_not_half_read() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gitleaks.json");
    let good = r#"{"RuleID":"github-pat","Secret":"ghp_1111111111111111111111111111111111aa","File":".env","StartLine":2,"Commit":"0123456789abcdef0123456789abcdef01234567"}"#;
    let twice = r#"{"RuleID":"openai-api-key","Secret":"sk-proj-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","Secret":"sk-proj-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","File":".env","StartLine":1,"Commit":"0123456789abcdef0123456789abcdef01234567"}"#;
    std::fs::write(&file, format!("[\n{good},\n{twice}\n]\n")).unwrap();
    let evidence = ingest::load(&SourceSpec::Scan(None, file), &ReadOptions::default());
    let text = match evidence {
        Ok(ev) => format!("{:?}", ev.inputs),
        Err(e) => e.to_string(),
    };
    assert!(text.contains("`Secret` appears twice"), "{text}");
    assert!(!text.contains("aaaaaaaaaaaa") && !text.contains("bbbbbbbbbbbb"), "{text}");
}

#[test]
fn a_damaged_gzip_of_a_whole_file_keeps_what_inflated_and_the_folder_reads_on() {
    let dir = tempfile::tempdir().unwrap();
    let lines: String = (0..4000)
        .map(|n| {
            serde_json::json!({"time": format!("2026-04-13T12:00:{:02}Z", n % 60), "type": "response",
                "auth": {"client_token": format!("hmac-sha256:{n:064x}"), "accessor": format!("hmac-sha256:{n:060x}acce"), "display_name": "token-ci"},
                "request": {"id": format!("{n:08}-0000-0000-0000-000000000000"), "operation": "read", "path": "secret/data/openai", "remote_address": "10.0.0.1"}})
            .to_string()
                + "\n"
        })
        .collect();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(lines.as_bytes()).unwrap();
    let bytes = gz.finish().unwrap();
    std::fs::write(dir.path().join("vault.log.gz"), &bytes[..bytes.len() * 2 / 3]).unwrap();
    std::fs::write(dir.path().join("trail.json"), wrapper(0..2)).unwrap();
    let evidence = load(dir.path(), 1 << 30);
    let vault =
        evidence.inputs.iter().find(|i| i.path.ends_with("vault.log.gz")).expect("the damaged file is an input");
    assert!(vault.records > 1000 && vault.records < 4000, "{vault:?}");
    assert!(vault.errors.iter().any(|e| e.message.contains("input ends early")), "{:?}", vault.errors);
    let trail = evidence.inputs.iter().find(|i| i.path.ends_with("trail.json")).unwrap();
    assert_eq!((trail.records, trail.rejected), (2, 0));
}
