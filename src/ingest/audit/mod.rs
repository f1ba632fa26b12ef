//! Secret-store and cloud audit logs, normalised into `Access` records (and the
//! grants some of them carry: policy writes, RBAC changes).

mod azure;
mod cloudtrail;
mod fold;
mod gcp;
mod json_scan;
mod k8s;
pub mod records_split;
pub mod stream;
mod vault;

/// The streaming line parser for a kind, where one exists.
pub fn line_parser(kind: SourceKind) -> Option<stream::LineParser> {
    match kind {
        SourceKind::Cloudtrail => Some(cloudtrail_line),
        SourceKind::Vault => Some(vault::parse_line),
        SourceKind::K8s => Some(k8s::parse_line),
        SourceKind::Gcp => Some(gcp::parse_line),
        _ => None,
    }
}

fn cloudtrail_line(bytes: &[u8]) -> Result<stream::LineRecord, String> {
    cloudtrail::parse_line(bytes).map(|(access, grant)| stream::LineRecord::single(access, grant))
}

/// One JSON line as a tree of values, for the readers that walk one.
fn line_value(bytes: &[u8]) -> Result<Value, String> {
    let text = std::str::from_utf8(bytes).map_err(|e| format!("invalid UTF-8: {e}"))?;
    super::strict_json::from_slice(text.as_bytes()).map_err(|e| format!("malformed JSON: {e}"))
}

use serde_json::Value;

use super::framing::Located;
use crate::model::{Evidence, InputSummary, Outcome, SourceKind};

/// Parse the records of one audit file of a known kind.
pub fn parse(kind: SourceKind, path: &str, records: Vec<Located>, summary: &mut InputSummary, evidence: &mut Evidence) {
    match kind {
        SourceKind::Cloudtrail => cloudtrail::parse(path, records, summary, evidence),
        SourceKind::Vault => vault::parse(path, records, summary, evidence),
        SourceKind::K8s => k8s::parse(path, records, summary, evidence),
        SourceKind::Gcp => gcp::parse(path, records, summary, evidence),
        SourceKind::Azure => azure::parse(path, records, summary, evidence),
        _ => {}
    }
}

/// Each record through `access`: an access kept, or a rejection saying what
/// the record lacked (`missing`).
fn accesses_each(
    path: &str,
    records: Vec<Located>,
    summary: &mut InputSummary,
    evidence: &mut Evidence,
    access: fn(&str, usize, &Value) -> Option<crate::model::Access>,
    missing: &str,
) {
    for (line, rec) in records {
        match access(path, line, &rec) {
            Some(a) => {
                summary.records += 1;
                summary.relevant += 1;
                evidence.accesses.push(a);
            }
            None => summary.reject(line, missing),
        }
    }
}

/// Where a record stands; empty for a streamed line, which the reader names
/// once its place in the file is known.
fn origin(path: &str, line: usize) -> String {
    if path.is_empty() { String::new() } else { format!("{path}:{line}") }
}

fn text(v: &Value, pointer: &str) -> Option<String> {
    super::str_at(v, pointer).map(str::to_string)
}

fn denied_if(error: Option<String>) -> Outcome {
    match error {
        Some(e) => Outcome::Denied(e),
        None => Outcome::Allowed,
    }
}

/// An audit record as the detail view shows it: pretty JSON, cut to a readable length.
fn record_context(rec: &Value) -> Vec<crate::model::ContextLine> {
    const MAX_LINES: usize = 80;
    let text = serde_json::to_string_pretty(rec).unwrap_or_default();
    let mut lines: Vec<crate::model::ContextLine> = text
        .lines()
        .take(MAX_LINES)
        .map(|l| crate::model::ContextLine { number: None, text: l.to_string(), marked: true })
        .collect();
    if text.lines().count() > MAX_LINES {
        lines.push(crate::model::ContextLine { number: None, text: "…".to_string(), marked: true });
    }
    lines
}
