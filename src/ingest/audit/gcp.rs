//! GCP Cloud Audit Logs (LogEntry with an AuditLog `protoPayload`).

use serde_json::Value;

use super::{origin, text};
use crate::ingest::{framing::Located, time};
use crate::model::{Access, Evidence, InputSummary, Outcome, SourceKind};

/// One line of a GCP audit log export, for the streaming reader.
pub fn parse_line(bytes: &[u8]) -> Result<super::stream::LineRecord, String> {
    let rec = super::line_value(bytes)?;
    let access = access("", 0, &rec).ok_or("GCP audit entry without timestamp or methodName")?;
    Ok(super::stream::LineRecord::single(access, None))
}

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    super::accesses_each(path, records, summary, ev, access, "GCP audit entry without timestamp or methodName");
}

pub(super) fn access(path: &str, line: usize, rec: &Value) -> Option<Access> {
    let at = text(rec, "/timestamp").or_else(|| text(rec, "/receiveTimestamp")).and_then(|t| time::parse(&t))?;
    let p = rec.get("protoPayload")?;
    let method = text(p, "/methodName")?;
    let code = p.pointer("/status/code").and_then(Value::as_i64).unwrap_or(0);
    Some(Access {
        at,
        source: SourceKind::Gcp,
        principal: text(p, "/authenticationInfo/principalEmail")
            .or_else(|| text(p, "/authenticationInfo/principalSubject"))
            .unwrap_or_else(|| "(unknown)".into()),
        // `//iam.googleapis.com/projects/P/serviceAccounts/EMAIL/keys/KEYID`: the key id
        // is what a leaked key file names (`private_key_id`).
        credential: text(p, "/authenticationInfo/serviceAccountKeyName")
            .map(|k| k.rsplit('/').next().unwrap_or(&k).to_string()),
        other_credentials: text(p, "/authenticationInfo/serviceAccountKeyName").into_iter().collect(),
        action: method,
        resource: text(p, "/resourceName"),
        outcome: if code == 0 {
            Outcome::Allowed
        } else {
            Outcome::Denied(text(p, "/status/message").unwrap_or_else(|| format!("status {code}")))
        },
        ip: text(p, "/requestMetadata/callerIp"),
        user_agent: text(p, "/requestMetadata/callerSuppliedUserAgent"),
        region: None,
        lifecycle: None,
        event_id: text(rec, "/insertId").unwrap_or_else(|| origin(path, line)),
        usage: None,
        origin: origin(path, line),
    })
}
