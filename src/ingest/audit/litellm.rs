//! LiteLLM proxy logs (an AI gateway in front of OpenAI, Anthropic and others):
//! spend logs (`LiteLLM_SpendLogs` rows, as `/spend/logs` answers or a table
//! export) — one row a request, with the hashed virtual key (`api_key`, the
//! SHA-256 hex of the key), `requester_ip_address`, the user agent where the
//! metadata keeps it, the model and the outcome — and the audit log of key
//! changes (`LiteLLM_AuditLog`: who created or deleted which key).

use serde_json::Value;

use super::{count, epoch_or_text, origin, text};
use crate::ingest::framing::Located;
use crate::model::{Access, Evidence, InputSummary, Lifecycle, Outcome, SourceKind, Usage};

/// Read whoever made them: the audit log's rows on virtual keys (the table name
/// as LiteLLM writes it, and as a case-folding export may).
pub const ALWAYS_READ: &[&str] =
    &["LiteLLM_VerificationToken", "litellm_verificationtoken", "LITELLM_VERIFICATIONTOKEN"];

const MISSING: &str = "LiteLLM row without request_id and startTime, or an audit row without updated_at and action";

/// One line of a LiteLLM log export, for the streaming reader.
pub fn parse_line(bytes: &[u8]) -> Result<super::stream::LineRecord, String> {
    let rec = super::line_value(bytes)?;
    let access = row("", 0, &rec).ok_or(MISSING)?;
    Ok(super::stream::LineRecord::single(access, None))
}

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    super::accesses_each(path, records, summary, ev, row, MISSING);
}

/// The form a virtual key takes in LiteLLM's tables: the SHA-256 of the key.
/// A raw key (`sk-…`, older exports) is hashed here, as LiteLLM would; it is never kept.
fn hashed_key(value: &str) -> Option<String> {
    super::sha256_form(value).or_else(|| {
        (value.len() >= 8 && !value.contains(char::is_whitespace))
            .then(|| format!("sha256:{}", crate::ingest::redact::sha256(value)))
    })
}

/// The metadata column: an object, or the JSON text a table export writes.
fn metadata(rec: &Value) -> Option<Value> {
    match rec.get("metadata")? {
        Value::String(s) => crate::ingest::strict_json::from_slice(s.as_bytes()).ok(),
        Value::Object(_) => rec.get("metadata").cloned(),
        _ => None,
    }
}

fn row(path: &str, line: usize, rec: &Value) -> Option<Access> {
    if rec.get("table_name").is_some() {
        return audit_row(path, line, rec);
    }
    let at = epoch_or_text(rec.get("startTime").or_else(|| rec.get("start_time")))?;
    let id = text(rec, "/request_id")?;
    let meta = metadata(rec);
    let meta_text = |p: &str| meta.as_ref().and_then(|m| text(m, p));
    let model = text(rec, "/model").or_else(|| text(rec, "/model_group"));
    let status = text(rec, "/status").unwrap_or_default();
    let tokens = count(rec.get("total_tokens")).unwrap_or(0);
    Some(Access {
        at,
        source: SourceKind::Litellm,
        principal: meta_text("/user_api_key_user_id")
            .map(|u| format!("user {u}"))
            .or_else(|| text(rec, "/team_id").map(|t| format!("team {t}")))
            .or_else(|| meta_text("/user_api_key_alias").map(|a| format!("key {a}")))
            .unwrap_or_else(|| "(no owner recorded)".into()),
        credential: text(rec, "/api_key").and_then(|k| hashed_key(&k)),
        other_credentials: Vec::new(),
        action: text(rec, "/call_type").unwrap_or_else(|| "request".into()),
        resource: model.clone(),
        outcome: if status.eq_ignore_ascii_case("failure") {
            Outcome::Denied(meta_text("/error_information/error_class").unwrap_or_else(|| "failure".into()))
        } else {
            Outcome::Allowed
        },
        ip: text(rec, "/requester_ip_address").or_else(|| meta_text("/requester_ip_address")),
        user_agent: meta_text("/user_agent")
            .or_else(|| meta_text("/headers/user-agent"))
            .or_else(|| text(rec, "/proxy_server_request/headers/user-agent")),
        region: None,
        lifecycle: None,
        event_id: id,
        // One request: its model counts, a rate does not (period 0).
        usage: Some(Usage { period_s: 0, requests: 1, tokens, model }),
        origin: origin(path, line),
    })
}

/// A `LiteLLM_AuditLog` row: a key created or deleted is its issuance or revocation.
fn audit_row(path: &str, line: usize, rec: &Value) -> Option<Access> {
    let at = epoch_or_text(rec.get("updated_at"))?;
    let action = text(rec, "/action")?;
    let table = text(rec, "/table_name").unwrap_or_default();
    let object = text(rec, "/object_id");
    let on_key = table.eq_ignore_ascii_case("LiteLLM_VerificationToken");
    let lifecycle = match (on_key, action.as_str(), object.as_deref().and_then(hashed_key)) {
        (true, "create" | "created", Some(k)) => Some((Lifecycle::Issued, k)),
        (true, "delete" | "deleted", Some(k)) => Some((Lifecycle::Deleted, k)),
        _ => None,
    };
    Some(Access {
        at,
        source: SourceKind::Litellm,
        principal: text(rec, "/changed_by").unwrap_or_else(|| "(unknown)".into()),
        credential: text(rec, "/changed_by_api_key").and_then(|k| hashed_key(&k)),
        other_credentials: Vec::new(),
        action: format!("{table}.{action}"),
        resource: object,
        outcome: Outcome::Allowed,
        ip: None,
        user_agent: None,
        region: None,
        lifecycle,
        event_id: text(rec, "/id").unwrap_or_else(|| origin(path, line)),
        usage: None,
        origin: origin(path, line),
    })
}
