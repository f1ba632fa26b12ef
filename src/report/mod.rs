//! Reports: the same `Case` the TUI shows, as JSON (the v1 contract in
//! `src/report/report-v1.schema.json`, with its prose in the repository's
//! README), Markdown, self-contained HTML and CSV.

mod advisory_rows;
mod csv;
mod facts;
mod html;
mod json;
mod markdown;
mod output;
mod provenance;

pub use output::write_report;
pub use provenance::{Links, Provenance, command_of, now};

use crate::model::Case;

/// The export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Md,
    Json,
    Html,
    Csv,
}

/// Render a case in a format, made now by this build, from no recorded command.
pub fn render(case: &Case, format: Format) -> String {
    render_with(case, format, &Provenance::default())
}

/// Render a case in a format, saying where it came from.
pub fn render_with(case: &Case, format: Format, prov: &Provenance) -> String {
    let localized;
    let case = if prov.base.is_some() {
        localized = prov.localize(case);
        &localized
    } else {
        case
    };
    match format {
        Format::Json => json::render(case, prov),
        Format::Md => markdown::render(case, prov),
        Format::Html => html::render(case, prov),
        Format::Csv => csv::render(case),
    }
}

pub use json::inputs_document;

pub use provenance::generated_by;

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
