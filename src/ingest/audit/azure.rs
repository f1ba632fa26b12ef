//! Azure Key Vault diagnostic logs (`AuditEvent` category).

use serde_json::Value;

use super::{origin, text};
use crate::ingest::{framing::Located, time};
use crate::model::{Access, Evidence, InputSummary, Outcome, SourceKind};

const OID: &str = "/identity/claim/http:~1~1schemas.microsoft.com~1identity~1claims~1objectidentifier";
const UPN: &str = "/identity/claim/http:~1~1schemas.xmlsoap.org~1ws~12005~105~1identity~1claims~1upn";

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    for (line, rec) in records {
        match access(path, line, &rec) {
            Some(a) => {
                summary.records += 1;
                summary.relevant += 1;
                ev.accesses.push(a);
            }
            None => summary.reject(line, "Azure record without time or operationName"),
        }
    }
}

fn access(path: &str, line: usize, rec: &Value) -> Option<Access> {
    let at = time::parse(&text(rec, "/time")?)?;
    let status = rec
        .pointer("/properties/httpStatusCode")
        .or_else(|| rec.get("httpStatusCode"))
        .and_then(|v| v.as_i64().or_else(|| v.as_str().and_then(|s| s.parse().ok())))
        .unwrap_or(200);
    Some(Access {
        at,
        source: SourceKind::Azure,
        principal: text(rec, UPN)
            .or_else(|| text(rec, OID))
            .or_else(|| text(rec, "/identity/claim/appid"))
            .unwrap_or_else(|| "(unknown)".into()),
        credential: text(rec, "/identity/claim/appid"),
        other_credentials: Vec::new(),
        action: text(rec, "/operationName")?,
        resource: text(rec, "/properties/id").or_else(|| text(rec, "/id")),
        outcome: if status < 400 {
            Outcome::Allowed
        } else {
            Outcome::Denied(text(rec, "/resultSignature").unwrap_or_else(|| format!("HTTP {status}")))
        },
        ip: text(rec, "/callerIpAddress"),
        user_agent: text(rec, "/properties/clientInfo"),
        region: None,
        lifecycle: None,
        event_id: text(rec, "/correlationId").unwrap_or_else(|| origin(path, line)),
        origin: origin(path, line),
    })
}
