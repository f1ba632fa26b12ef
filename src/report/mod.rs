//! Reports: the same `Case` the TUI shows, as JSON (the v1 contract in
//! `spec/report-v1.md`), Markdown, self-contained HTML and CSV.

mod csv;
mod html;
mod json;
mod markdown;

use crate::model::Case;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Json,
    Html,
    Csv,
}

/// Render a case in a format.
pub fn render(case: &Case, format: Format) -> String {
    match format {
        Format::Json => json::render(case),
        Format::Md => markdown::render(case),
        Format::Html => html::render(case),
        Format::Csv => csv::render(case),
    }
}

pub use json::inputs_document;

/// `leakline x.y.z`, as reports name their producer.
pub fn generated_by() -> String {
    format!("leakline {}", env!("CARGO_PKG_VERSION"))
}

/// What `check` prints as text: each input, its counts and first rejections.
pub fn check_text(evidence: &crate::model::Evidence) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let (mut records, mut rejected) = (0, 0);
    for i in &evidence.inputs {
        records += i.records;
        rejected += i.rejected;
        let _ = writeln!(
            out,
            "{:<14} {:>9} read {:>9} relevant {:>6} rejected  {}",
            i.kind.name(),
            i.records,
            i.relevant,
            i.rejected,
            crate::text::clean(&i.path)
        );
        for e in &i.errors {
            // Line 0 is the file as a whole.
            let at = if e.line == 0 { String::new() } else { format!(":{}", e.line) };
            let _ = writeln!(out, "    {}{at}: {}", crate::text::clean(&i.path), crate::text::clean(&e.message));
        }
        for n in &i.notes {
            let _ = writeln!(out, "    note: {}", crate::text::clean(n));
        }
    }
    let _ = writeln!(
        out,
        "{} inputs, {records} records read, {rejected} rejected; {} findings, {} framework changes, {} reachability grants, {} audit records",
        evidence.inputs.len(),
        evidence.findings.len(),
        evidence.dependency_changes.len(),
        evidence.grants.len(),
        evidence.accesses.len()
    );
    out
}
