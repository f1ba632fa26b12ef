//! GitHub secret scanning alerts: the REST list, single alerts, webhook
//! payloads, and recorded API replays that wrap them in `response_body`.

use serde_json::Value;

use super::{Cx, RawFinding};
use crate::ingest::{str_at, time};
use crate::model::{Finding, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    if let Some(body) = rec.get("response_body") {
        let alerts = body.as_array().map(|a| a.as_slice()).unwrap_or(std::slice::from_ref(body));
        return alerts.iter().filter(|a| a.get("secret_type").is_some()).map(|a| alert(cx, a)).collect();
    }
    alert(cx, rec.get("alert").unwrap_or(rec)).map(|f| vec![f])
}

fn alert(cx: &Cx, a: &Value) -> Result<Finding, String> {
    let rule = str_at(a, "/secret_type").ok_or("alert without secret_type")?;
    let resolved_as_revoked = str_at(a, "/resolution") == Some("revoked");
    let loc = a.get("first_location_detected").unwrap_or(&Value::Null);
    let raw = RawFinding {
        rule,
        value: str_at(a, "/secret"),
        file: str_at(loc, "/path").map(str::to_string),
        line: loc.get("start_line").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
        commit: str_at(loc, "/commit_sha").map(str::to_string),
        detected_at: str_at(a, "/created_at").and_then(time::parse),
        revoked_at: str_at(a, "/resolved_at").filter(|_| resolved_as_revoked).and_then(time::parse),
        verified: str_at(a, "/validity").map(|v| v == "active"),
        ..Default::default()
    };
    let number = a.get("number").and_then(Value::as_u64).map(|n| format!("#{n}")).unwrap_or_default();
    Ok(raw.redact(cx, SourceKind::GithubAlerts, format!("{} alert {number}", cx.origin())))
}
