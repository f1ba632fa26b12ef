//! Audit logs whose framing changes from record to record — JSON lines and
//! `{"Records":[…]}` wrappers in one file, as pipelines concatenate them — and
//! records that are valid or not whatever line they stand on. Every record is
//! read, or rejected at the line it starts on; none is lost unsaid.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::cloudtrail_record as record;
use leakline::ingest::limits::Limits;
use leakline::ingest::{self, ReadOptions, SourceSpec};
use leakline::model::{Evidence, InputSummary};

fn line(n: usize) -> String {
    record(n).to_string()
}

fn wrapper(range: std::ops::Range<usize>) -> String {
    serde_json::json!({ "Records": range.map(record).collect::<Vec<_>>() }).to_string()
}

/// `record(n)` with `extra` JSON text added as field `x`.
fn with(n: usize, extra: &str) -> String {
    let text = line(n);
    format!("{},\"x\":{extra}}}", &text[..text.len() - 1])
}

fn load_with(text: &str, name: &str, limits: Limits) -> Evidence {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let options = ReadOptions { limits, ..ReadOptions::default() };
    ingest::load(&SourceSpec::Audit(None, file), &options).unwrap()
}

fn load(text: &str) -> Evidence {
    load_with(text, "trail.jsonl", Limits::default())
}

fn only(evidence: &Evidence) -> &InputSummary {
    assert_eq!(evidence.inputs.len(), 1, "{:#?}", evidence.inputs);
    &evidence.inputs[0]
}

fn ids(evidence: &Evidence) -> Vec<String> {
    let mut ids: Vec<String> =
        evidence.accesses.iter().map(|a| a.event_id[24..].trim_start_matches('0').to_string()).collect();
    ids.sort_by_key(|id| id.parse::<usize>().unwrap_or(0));
    ids
}

fn numbers(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| if n == 0 { String::new() } else { n.to_string() }).collect()
}

#[test]
fn a_json_line_then_a_wrapper_line_gives_every_record() {
    let ev = load(&format!("{}\n{}\n", line(0), wrapper(1..3)));
    let input = only(&ev);
    // Before: "2 read, 0 rejected" (the JSON line was taken for an empty wrapper).
    assert_eq!((input.records, input.rejected), (3, 0), "{:?}", input.errors);
    assert_eq!(ids(&ev), numbers(0..3));
}

#[test]
fn a_longer_mixed_file_loses_nothing_before_its_first_wrapper() {
    // 18 JSON lines, a wrapper on line 19, more lines, a pretty wrapper, a last line.
    let mut text: String = (0..18).map(|n| line(n) + "\n").collect();
    text += &(wrapper(18..25) + "\n");
    text += &(25..30).map(|n| line(n) + "\n").collect::<String>();
    text += &(serde_json::to_string_pretty(&serde_json::json!({"Records": (30..33).map(record).collect::<Vec<_>>()}))
        .unwrap()
        + "\n");
    text += &(line(33) + "\n");
    let ev = load(&text);
    let input = only(&ev);
    assert_eq!((input.records, input.rejected), (34, 0), "{:?}", input.errors);
    assert_eq!(ids(&ev), numbers(0..34));
    let at = |n: usize| ev.accesses.iter().find(|a| a.event_id.ends_with(&format!("{n:012}"))).unwrap().origin.clone();
    assert!(
        at(17).ends_with(":18") && at(20).ends_with(":19") && at(25).ends_with(":20"),
        "{} {} {}",
        at(17),
        at(20),
        at(25)
    );
}

#[test]
fn bad_lines_among_mixed_framings_are_rejected_each_at_its_line() {
    let text = format!(
        "{}\n{}\nnot json at all\n{}\n{{\"eventVersion\": \"1.08\",}}\n  {}\n{}\n",
        line(0),
        wrapper(1..3),
        line(3),
        line(4),
        line(5)
    );
    let ev = load(&text);
    let input = only(&ev);
    assert_eq!((input.records, input.rejected), (6, 2), "{:?}", input.errors);
    let lines: Vec<usize> = input.errors.iter().map(|e| e.line).collect();
    assert_eq!(lines, [3, 5], "{:?}", input.errors);
    assert_eq!(ids(&ev), numbers(0..6));
}

/// A wrapper line met after the first MiB, where the file is read as JSON
/// lines: its records are read, each named by its place in the array.
#[test]
fn a_wrapper_line_deep_in_a_json_lines_file_is_read_record_by_record() {
    let mut text: String = (0..4000).map(|n| line(n) + "\n").collect();
    assert!(text.len() > 1 << 20);
    text += &(wrapper(4000..4003) + "\n");
    text += &format!("{{\"Records\":[{},{{\"eventVersion\":\"1.08\"}}]}}\n", line(4003));
    text += &(line(4004) + "\n");
    let ev = load(&text);
    let input = only(&ev);
    assert_eq!((input.records, input.rejected), (4005, 1), "{:?}", input.errors);
    assert_eq!(input.errors[0].line, 4002, "{:?}", input.errors);
    assert!(input.errors[0].message.starts_with("record 2: "), "{:?}", input.errors);
    assert_eq!(ids(&ev), numbers(0..4005));
}

/// What a tree of values refuses (a number past a double, nesting 128 deep)
/// is refused by every reader at every line: before, line 1 rejected what
/// line 2 accepted.
#[test]
fn validation_does_not_depend_on_where_a_record_stands() {
    let deep = format!("{}1{}", "[".repeat(500), "]".repeat(500));
    for bad in ["1e999", "-1e999", deep.as_str(), "[1e400]"] {
        let first = load(&format!("{}\n{}\n{}\n", with(0, bad), line(1), line(2)));
        let second = load(&format!("{}\n{}\n{}\n", line(0), with(1, bad), line(2)));
        let third = load(&format!("{}\n{}\n{}\n", line(0), line(1), with(2, bad)));
        let wrapped = load(&format!("{{\"Records\":[{},{},{}]}}\n", line(0), with(1, bad), line(2)));
        let array = load_with(
            &format!("[\n{},\n{},\n{}\n]\n", line(0), with(1, bad), line(2)),
            "trail.json",
            Limits::default(),
        );
        for (at, ev) in [(1, &first), (2, &second), (3, &third), (1, &wrapped), (3, &array)] {
            let input = only(ev);
            let what = &bad[..bad.len().min(8)];
            assert_eq!((input.records, input.rejected), (2, 1), "{what} at {at}: {:?}", input.errors);
            assert_eq!(input.errors[0].line, at, "{what}: {:?}", input.errors);
        }
    }
    // Within the limits is read at any line.
    let near = format!("{}1{}", "[".repeat(100), "]".repeat(100));
    for fine in ["1e308", "-1e-999", near.as_str()] {
        for text in [format!("{}\n{}\n", with(0, fine), line(1)), format!("{}\n{}\n", line(0), with(1, fine))] {
            let ev = load(&text);
            assert_eq!((only(&ev).records, only(&ev).rejected), (2, 0), "{fine}: {:?}", only(&ev).errors);
        }
    }
}

/// A first line past the 1 MiB head (a record with a 2 MiB field) no longer
/// sends the log to the whole-file reader: before, the file was rejected
/// whole by --max-input and none of its records read.
#[test]
fn a_first_line_over_a_mebibyte_does_not_stop_streaming() {
    let big = format!("\"{}\"", "a".repeat(2 << 20));
    let mut text = with(0, &big) + "\n";
    text += &(1..6000).map(|n| line(n) + "\n").collect::<String>();
    assert!(text.len() > 3 << 20);
    let limits = Limits { max_input: 1 << 20, max_line: 64 << 20 };
    for (name, bytes) in [("trail.jsonl", text.clone()), ("pretty-last.jsonl", text.clone() + "\n")] {
        let ev = load_with(&bytes, name, limits);
        let input = only(&ev);
        assert_eq!((input.records, input.rejected), (6000, 0), "{name}: {:?}", input.errors);
        assert_eq!(ev.accesses.len(), 6000);
    }
    // The same head in a wrapper: its first record is 2 MiB.
    let wrapped =
        format!("{{\"Records\":[{},{}]}}\n", with(0, &big), (1..3000).map(line).collect::<Vec<_>>().join(","));
    let ev = load_with(&wrapped, "trail.json", limits);
    assert_eq!((only(&ev).records, only(&ev).rejected), (3000, 0), "{:?}", only(&ev).errors);
    // A first record larger than a first buffer (8 MiB): before, no chunk was
    // numbered 0 and every record was held back unsaid ("0 read, 0 rejected").
    let huge = format!("\"{}\"", "b".repeat(9 << 20));
    let wrapped = format!("{{\"Records\":[{},{}]}}\n", with(0, &huge), (1..50).map(line).collect::<Vec<_>>().join(","));
    let ev = load_with(&wrapped, "trail.json", limits);
    assert_eq!((only(&ev).records, only(&ev).rejected), (50, 0), "{:?}", only(&ev).errors);
    // A first line longer than --max-line is still the line too long, said at line 1.
    let tight = Limits { max_input: 1 << 20, max_line: 1 << 20 };
    let ev = load_with(&text, "trail.jsonl", tight);
    let input = only(&ev);
    assert_eq!(input.records, 0, "{input:?}");
    assert!(input.rejected >= 1 && input.errors[0].line <= 1, "{:?}", input.errors);
}
