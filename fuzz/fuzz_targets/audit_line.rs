//! One line of every streamed audit family, through its line parser, and the
//! strict JSON reader they share.
#![no_main]

use leakline::ingest::audit::line_parser;
use leakline::model::SourceKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = leakline::ingest::strict_json::from_slice(data);
    for kind in SourceKind::AUDIT {
        if let Some(parse) = line_parser(kind) {
            let _ = parse(data);
        }
    }
});
