//! Secret-store and cloud audit logs, normalised into `Access` records (and the
//! grants some of them carry: policy writes, RBAC changes).

mod anthropic;
mod azure;
mod buckets;
mod cloudtrail;
mod fold;
mod gcp;
mod github;
mod json_scan;
mod k8s;
mod litellm;
mod openai;
pub mod records_split;
pub mod stream;
mod vault;

/// The streaming line parser for a kind, where one exists.
pub fn line_parser(kind: SourceKind) -> Option<stream::LineParser> {
    match kind {
        SourceKind::Cloudtrail => Some(cloudtrail::parse_line),
        SourceKind::Vault => Some(vault::parse_line),
        SourceKind::K8s => Some(k8s::parse_line),
        SourceKind::Gcp => Some(gcp::parse_line),
        SourceKind::GithubAudit => Some(github::parse_line),
        SourceKind::Litellm => Some(litellm::parse_line),
        _ => None,
    }
}

/// The parser for a read that keeps no access (`check`): it reads, rejects and
/// grants as `line_parser`'s does, and may leave the accesses it would drop unbuilt.
pub fn counting_parser(kind: SourceKind) -> Option<stream::LineParser> {
    match kind {
        SourceKind::Cloudtrail => Some(cloudtrail::count_line),
        other => line_parser(other),
    }
}

/// What a log's prefilter always lets through besides the case's credentials
/// (`ingest::prefilter`): the events its reader keeps whoever made them. `None`
/// for a kind without a line parser: such logs are read whole.
pub fn always_read(kind: SourceKind) -> Option<Vec<&'static str>> {
    match kind {
        SourceKind::Cloudtrail => Some(cloudtrail::always_read()),
        SourceKind::Vault => Some(vault::ALWAYS_READ.to_vec()),
        SourceKind::K8s => Some(k8s::ALWAYS_READ.to_vec()),
        SourceKind::Litellm => Some(litellm::ALWAYS_READ.to_vec()),
        // No event of theirs is kept but for a credential.
        SourceKind::Gcp | SourceKind::GithubAudit => Some(Vec::new()),
        _ => None,
    }
}

/// One JSON line as a tree of values, for the readers that walk one.
fn line_value(bytes: &[u8]) -> Result<Value, String> {
    let text = utf8(bytes)?;
    super::strict_json::from_slice(text.as_bytes()).map_err(|e| format!("malformed JSON: {e}"))
}

use serde_json::Value;

/// A line as text. simdutf8 checks a log's mostly-ASCII lines several times
/// faster than the standard library (4% of a full CloudTrail read before);
/// the standard library then says where a bad line goes wrong.
pub(crate) fn utf8(bytes: &[u8]) -> Result<&str, String> {
    simdutf8::basic::from_utf8(bytes).or_else(|_| std::str::from_utf8(bytes)).map_err(|e| format!("invalid UTF-8: {e}"))
}

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
        SourceKind::GithubAudit => github::parse(path, records, summary, evidence),
        SourceKind::OpenaiAudit => openai::audit::parse(path, records, summary, evidence),
        SourceKind::OpenaiUsage => openai::usage::parse(path, records, summary, evidence),
        SourceKind::OpenaiKeys => openai::keys::parse(path, records, summary, evidence),
        SourceKind::AnthropicKeys => anthropic::keys::parse(path, records, summary, evidence),
        SourceKind::AnthropicUsage => anthropic::usage::parse(path, records, summary, evidence),
        SourceKind::AnthropicActivity => anthropic::activity::parse(path, records, summary, evidence),
        SourceKind::Litellm => litellm::parse(path, records, summary, evidence),
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

/// What kind of LLM-provider or forge audit record this is, from its fields:
/// an API page (`{"data":[…]}`) is told by its first item.
pub fn sniff_api_record(v: &Value) -> Option<SourceKind> {
    let item = v.get("data").and_then(Value::as_array).and_then(|d| d.first()).unwrap_or(v);
    let has = |k: &str| item.get(k).is_some();
    let object = item.get("object").and_then(Value::as_str).unwrap_or("");
    if has("effective_at") && has("actor") && has("type") {
        Some(SourceKind::OpenaiAudit)
    } else if object == "bucket" || object.starts_with("organization.usage.") {
        Some(SourceKind::OpenaiUsage)
    } else if object == "organization.project.api_key" || object == "organization.admin_api_key" {
        Some(SourceKind::OpenaiKeys)
    } else if has("partial_key_hint") {
        Some(SourceKind::AnthropicKeys)
    } else if has("starting_at") && has("ending_at") && has("results") {
        Some(SourceKind::AnthropicUsage)
    } else if item.get("id").and_then(Value::as_str).is_some_and(|i| i.starts_with("activity_")) && has("actor") {
        Some(SourceKind::AnthropicActivity)
    } else if (has("request_id") && has("api_key") && (has("startTime") || has("call_type") || has("spend")))
        || (has("table_name") && has("object_id") && has("changed_by"))
    {
        Some(SourceKind::Litellm)
    } else if has("action")
        && (has("@timestamp")
            || has("actor_ip")
            || has("hashed_token")
            || has("_document_id")
            || has("programmatic_access_type"))
    {
        Some(SourceKind::GithubAudit)
    } else {
        None
    }
}

/// The items of an API page (`{"data":[…]}`), or the record itself when it is
/// one item; each with where it stands in the record, for a rejection.
fn page_items(rec: &Value) -> Vec<(String, &Value)> {
    match rec.get("data").and_then(Value::as_array) {
        Some(items) => items.iter().enumerate().map(|(i, v)| (format!("data[{i}]: "), v)).collect(),
        None => vec![(String::new(), rec)],
    }
}

/// A time given as Unix seconds, Unix milliseconds (GitHub's `@timestamp`), or text.
fn epoch_or_text(v: Option<&Value>) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    match v? {
        Value::Number(n) => {
            let n = n.as_i64().or_else(|| n.as_f64().map(|f| f as i64))?;
            // Past 10^11 a count of seconds would be after the year 5000: milliseconds.
            if n.abs() > 100_000_000_000 {
                chrono::Utc.timestamp_millis_opt(n).single()
            } else {
                chrono::Utc.timestamp_opt(n, 0).single()
            }
        }
        Value::String(s) => super::time::parse(s),
        _ => None,
    }
}

/// A whole number given as a number or as text.
fn count(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `sha256:` and the lower-case hex of a SHA-256 given as hex or base64 (GitHub's
/// `hashed_token`), the form scanners' digests of a value take; `None` for anything else.
pub fn sha256_form(raw: &str) -> Option<String> {
    use base64::Engine;
    let t = raw.trim();
    if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Some(format!("sha256:{}", t.to_ascii_lowercase()));
    }
    let engines = [base64::engine::general_purpose::STANDARD, base64::engine::general_purpose::URL_SAFE];
    let bytes = engines.iter().find_map(|e| e.decode(t).ok())?;
    (bytes.len() == 32).then(|| format!("sha256:{}", bytes.iter().map(|b| format!("{b:02x}")).collect::<String>()))
}

/// Each item of each record (API pages unwrapped) through `read`, which adds
/// what the item says to the evidence: `Ok(true)` when it said something
/// leakline uses, `Ok(false)` when it is read but of no use (a bucket with no
/// requests), `Err` why it could not be read.
fn items_each(
    path: &str,
    records: Vec<Located>,
    summary: &mut InputSummary,
    evidence: &mut Evidence,
    mut read: impl FnMut(&str, usize, &Value, &mut Evidence) -> Result<bool, String>,
) {
    for (line, rec) in records {
        for (place, item) in page_items(&rec) {
            match read(path, line, item, evidence) {
                Ok(used) => {
                    summary.records += 1;
                    summary.relevant += usize::from(used);
                }
                Err(why) => summary.reject(line, format!("{place}{why}")),
            }
        }
    }
}
