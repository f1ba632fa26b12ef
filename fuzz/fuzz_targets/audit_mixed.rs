//! Mixed framings in one CloudTrail file: JSON lines, `{"Records":[…]}`
//! wrappers on one line or pretty-printed, lines that are not JSON, records
//! out of serde_json's limits (`1e999`, nesting 128 deep) and blank lines, in
//! the order the input picks. The file is read as `--audit` reads it, and
//! streamed in small reads with buffers cut everywhere: every record must be
//! read, and every bad line rejected at its own line, whatever stands around it.
#![no_main]

use leakline::ingest::audit::{self, stream};
use leakline::ingest::{self, ReadOptions, SourceSpec};
use leakline::model::{Evidence, InputSummary, SourceKind};
use libfuzzer_sys::fuzz_target;

/// Hands out a few bytes at a time: the reader's buffers are cut everywhere.
struct Trickle<'a>(&'a [u8], usize);

impl std::io::Read for Trickle<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = buf.len().min(self.0.len()).min(self.1);
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

fn record(n: usize, agent: &str) -> serde_json::Value {
    serde_json::json!({
        "eventVersion": "1.08", "eventTime": "2026-04-13T12:00:00Z",
        "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "us-east-1",
        "sourceIPAddress": "10.0.0.1", "userAgent": agent,
        "userIdentity": {"type": "IAMUser", "accessKeyId": format!("AKIA{n:016}")},
        "eventID": format!("00000000-0000-0000-0000-{n:012}"),
    })
}

/// The file the input describes, its records, and the lines that must be rejected.
struct Mixed {
    text: String,
    records: usize,
    rejected: Vec<usize>,
    wrappers: bool,
}

fn build(data: &[u8]) -> Mixed {
    let mut m = Mixed { text: String::new(), records: 0, rejected: Vec::new(), wrappers: false };
    let mut line = 1;
    for (i, piece) in data.chunks(3).take(48).enumerate() {
        let (op, arg) = (piece[0], piece.get(1).copied().unwrap_or(0));
        let agent = String::from_utf8_lossy(piece.get(2..).unwrap_or_default()).into_owned();
        let n = i * 8;
        let text = match op % 7 {
            0 => {
                m.records += 1;
                record(n, &agent).to_string()
            }
            1 | 2 => {
                let k = usize::from(arg % 4);
                m.records += k;
                m.wrappers = true;
                let wrapper =
                    serde_json::json!({ "Records": (n..n + k).map(|j| record(j, &agent)).collect::<Vec<_>>() });
                if op % 7 == 1 {
                    wrapper.to_string()
                } else {
                    serde_json::to_string_pretty(&wrapper).unwrap_or_default()
                }
            }
            3 => {
                m.rejected.push(line);
                format!("not json {arg}")
            }
            4 => String::new(),
            _ => {
                m.rejected.push(line);
                let text = record(n, &agent).to_string();
                let bad = if arg % 2 == 0 { "1e999".to_string() } else { "[".repeat(130) + &"]".repeat(130) };
                format!("{},\"x\":{bad}}}", &text[..text.len() - 1])
            }
        };
        line += text.matches('\n').count() + 1;
        m.text.push_str(&text);
        m.text.push('\n');
    }
    m
}

/// The rejections' count and the lines of those kept (the first 20).
fn lines(summary: &InputSummary) -> (usize, Vec<usize>) {
    (summary.rejected, summary.errors.iter().map(|e| e.line).collect())
}

fn expected(m: &Mixed) -> (usize, Vec<usize>) {
    (m.rejected.len(), m.rejected.iter().copied().take(InputSummary::MAX_ERRORS).collect())
}

fuzz_target!(|data: &[u8]| {
    let m = build(data);
    let dir = tempfile::tempdir().expect("a temp dir");
    let file = dir.path().join("trail.json");
    std::fs::write(&file, &m.text).expect("written");
    let mut evidence = ingest::load(&SourceSpec::Audit(Some(SourceKind::Cloudtrail), file), &ReadOptions::default())
        .expect("a file that can be read");
    let summary = evidence.inputs.pop().expect("one input");
    assert_eq!(summary.records, m.records, "{:?}\n{}", summary.errors, m.text);
    assert_eq!(lines(&summary), expected(&m), "{}", m.text);
    assert_eq!(evidence.accesses.len(), m.records);
    // Streamed in small reads, buffers cut anywhere: the same records and rejections.
    let framing = if m.wrappers { stream::Framing::Records } else { stream::Framing::Lines };
    let job = stream::Job {
        path: "f",
        parse: audit::line_parser(SourceKind::Cloudtrail).expect("a line parser"),
        framing,
        threads: 2,
        max_line: 1 << 20,
        chunk: 64,
        keep: &|_| true,
        prefilter: None,
    };
    let mut streamed = InputSummary::new(SourceKind::Cloudtrail, "f");
    let mut ev = Evidence::default();
    let step = 1 + data.first().map_or(0, |b| usize::from(*b % 13));
    stream::read(&mut Trickle(m.text.as_bytes(), step), &job, &mut streamed, &mut ev);
    assert_eq!((streamed.records, lines(&streamed)), (m.records, expected(&m)), "{:?}\n{}", streamed.errors, m.text);
});
