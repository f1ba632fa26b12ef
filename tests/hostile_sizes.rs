//! Input built to exhaust the machine — a gzip bomb, a sparse file, one
//! endless line — ends in a rejection that names the file and the limit,
//! and what came before it is kept.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::Write;

use leakline::ingest::limits::Limits;
use leakline::ingest::{self, ReadOptions, SourceSpec};

fn options(max_input: u64, max_line: usize) -> ReadOptions {
    ReadOptions { limits: Limits { max_input, max_line }, ..ReadOptions::default() }
}

fn cloudtrail_line(n: usize) -> String {
    serde_json::json!({
        "eventVersion": "1.08", "eventTime": format!("2026-04-13T12:{:02}:00Z", n % 60),
        "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "us-east-1",
        "sourceIPAddress": format!("203.0.113.{}", n % 250), "userAgent": "aws-cli/2.15",
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/svc", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"},
        "eventID": format!("00000000-0000-0000-0000-{n:012}"),
    })
    .to_string()
}

#[test]
fn a_gzip_bomb_stops_at_the_limit_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let bomb = dir.path().join("ct.json.gz");
    let mut gz = flate2::write::GzEncoder::new(std::fs::File::create(&bomb).unwrap(), flate2::Compression::fast());
    let zeros = vec![0u8; 1 << 20];
    for _ in 0..16 {
        gz.write_all(&zeros).unwrap();
    }
    gz.finish().unwrap();
    let evidence = ingest::load(&SourceSpec::Audit(None, bomb.clone()), &options(4 << 20, 1 << 20)).unwrap();
    let input = &evidence.inputs[0];
    let text = &input.errors[0].message;
    assert!(input.path.ends_with("ct.json.gz") && input.rejected == 1, "{input:?}");
    assert!(text.contains("4 MiB") && text.contains("--max-input"), "{text}");
    // In a folder, it is one rejected input and the others are read.
    std::fs::write(dir.path().join("good.json"), cloudtrail_line(1)).unwrap();
    let evidence =
        ingest::load(&SourceSpec::Audit(None, dir.path().to_path_buf()), &options(4 << 20, 1 << 20)).unwrap();
    let bombed = evidence.inputs.iter().find(|i| i.path.ends_with("ct.json.gz")).expect("the bomb is an input");
    assert_eq!(bombed.rejected, 1);
    assert!(bombed.errors[0].message.contains("nothing from it was used"), "{:?}", bombed.errors);
    assert_eq!(evidence.accesses.len(), 1, "the good file is read");
}

#[test]
fn a_sparse_file_is_refused_before_a_byte_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let sparse = dir.path().join("huge.json");
    std::fs::File::create(&sparse).unwrap().set_len(8 << 30).unwrap();
    let evidence = ingest::load(&SourceSpec::Audit(None, sparse), &ReadOptions::default()).unwrap();
    let text = &evidence.inputs[0].errors[0].message;
    assert!(text.contains("8 GiB on disk, more than the 24 MiB"), "{text}");
}

#[test]
fn an_endless_line_ends_the_stream_with_the_records_before_it_kept() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("ct.jsonl");
    let mut text: String = (0..3).map(|n| cloudtrail_line(n) + "\n").collect();
    text.push_str(&format!("{{\"userAgent\":\"{}\"}}\n", "a".repeat(12 << 20)));
    text.push_str(&(cloudtrail_line(9) + "\n"));
    std::fs::write(&log, text).unwrap();
    let evidence = ingest::load(&SourceSpec::Audit(None, log), &options(1 << 30, 1 << 20)).unwrap();
    assert_eq!(evidence.accesses.len(), 3, "the three before it");
    let input = &evidence.inputs[0];
    let last = input.errors.last().expect("a rejection");
    assert_eq!(last.line, 4, "{:?}", input.errors);
    assert!(last.message.contains("longer than 1 MiB (--max-line)"), "{}", last.message);
}

#[cfg(unix)]
#[test]
fn nothing_in_a_folder_is_skipped_without_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let scans = dir.path().join("scans");
    std::fs::create_dir_all(scans.join("nested")).unwrap();
    let sample = std::fs::read_dir("tests/samples/detect-secrets").unwrap().flatten().next().unwrap().path();
    std::fs::copy(&sample, scans.join(".secrets.baseline")).unwrap();
    let outside = dir.path().join("outside.json");
    std::fs::write(&outside, "{}").unwrap();
    std::os::unix::fs::symlink(&outside, scans.join("leads-out.json")).unwrap();
    std::os::unix::fs::symlink(&scans, scans.join("nested/loop")).unwrap();
    std::fs::create_dir(scans.join(".git")).unwrap();
    let fifo = scans.join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let evidence = ingest::load(&SourceSpec::Scan(None, scans.clone()), &ReadOptions::default()).unwrap();
    let note = |name: &str| {
        evidence
            .inputs
            .iter()
            .find(|i| i.path.ends_with(name))
            .map(|i| i.notes.join("; "))
            .unwrap_or_else(|| panic!("{name} is not accounted for: {:#?}", evidence.inputs))
    };
    let baseline = evidence.inputs.iter().find(|i| i.path.ends_with(".secrets.baseline")).expect("the dotfile");
    assert!(baseline.records > 0, "detect-secrets' default file name is read: {baseline:?}");
    assert!(note("leads-out.json").contains("leads outside the folder"));
    assert!(note("pipe").contains("not a regular file"));
    assert!(note(".git").contains("not evidence"));
    assert_eq!(
        evidence.inputs.iter().filter(|i| i.path.ends_with(".secrets.baseline")).count(),
        1,
        "the loop is walked once"
    );

    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let evidence = ingest::load(&SourceSpec::Scan(None, empty), &ReadOptions::default()).unwrap();
    assert_eq!(evidence.inputs.len(), 1);
    assert!(evidence.inputs[0].notes[0].contains("no file to read"));
}
