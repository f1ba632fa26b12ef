//! A whole audit file: every framing (JSON lines, arrays, wrappers, pretty
//! records, prefixes), each family's reader, and the streamed
//! `{"Records":[…]}` reader fed the same bytes in small reads.
#![no_main]

use leakline::ingest::audit::{self, records_split::Splitter, stream};
use leakline::ingest::framing;
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

fuzz_target!(|data: &[u8]| {
    let framed = framing::records(data);
    for kind in SourceKind::AUDIT {
        let mut summary = InputSummary::new(kind, "f");
        let mut evidence = Evidence::default();
        audit::parse(kind, "f", framed.records.clone(), &mut summary, &mut evidence);
    }
    let mut splitter = Splitter::new();
    let mut spans = Vec::new();
    splitter.feed(data, 0, &mut spans);
    splitter.finish();
    for span in &spans {
        assert!(span.start <= span.end && span.end <= data.len());
    }
    // Through the prefilter as well: lines with a needle parsed, the others counted.
    let credentials = ["AKIA".to_string()].into_iter().collect();
    let needles = leakline::ingest::prefilter::CaseNeedles::new(&credentials);
    let searchers = [None, needles.searcher(SourceKind::Cloudtrail)];
    for (framing, prefilter) in [stream::Framing::Records, stream::Framing::Lines]
        .into_iter()
        .flat_map(|f| searchers.iter().map(move |s| (f, s.clone())))
    {
        let job = stream::Job {
            path: "f",
            parse: audit::line_parser(SourceKind::Cloudtrail).expect("a line parser"),
            framing,
            threads: 1,
            max_line: 1 << 16,
            chunk: 64,
            keep: &|_| true,
            prefilter,
        };
        let mut summary = InputSummary::new(SourceKind::Cloudtrail, "f");
        let mut evidence = Evidence::default();
        let step = 1 + data.first().map_or(0, |b| usize::from(*b % 7));
        stream::read(&mut Trickle(data, step), &job, &mut summary, &mut evidence);
        assert!(summary.records >= evidence.accesses.len());
    }
});
