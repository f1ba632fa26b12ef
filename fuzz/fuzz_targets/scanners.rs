//! Scanner output of every format, and the masker that runs over what they say.
#![no_main]

use leakline::ingest::redact::CaseKey;
use leakline::ingest::{framing, mask, scan};
use leakline::model::{Evidence, InputSummary, SourceKind};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let key = CaseKey::default();
    let _ = scan::parse_text_formats("f", data, None, &key);
    let framed = framing::records(data);
    for kind in SourceKind::SCAN {
        let mut summary = InputSummary::new(kind, "f");
        let mut evidence = Evidence::default();
        scan::parse(kind, "f", framed.records.clone(), &key, &mut summary, &mut evidence);
        leakline::ingest::scrub::scrub(&mut evidence, true);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = mask::prose(text);
        let _ = leakline::text::clean(text);
        let _ = leakline::text::json_escape_invisible(text.to_string());
    }
});
