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
        notes: alert_notes(a),
        ..Default::default()
    };
    let number = a.get("number").and_then(Value::as_u64).map(|n| format!("#{n}")).unwrap_or_default();
    Ok(raw.redact(cx, SourceKind::GithubAlerts, format!("{} alert {number}", cx.origin())))
}

/// The alert's state, resolution, and any push-protection bypass, as notes.
fn alert_notes(a: &Value) -> Vec<String> {
    let login = |p: &str| str_at(a, p).map(str::to_string);
    let mut notes = Vec::new();
    if let Some(state) = str_at(a, "/state") {
        let resolution = str_at(a, "/resolution").map(|r| format!(" as {r}")).unwrap_or_default();
        let by = login("/resolved_by/login").map(|l| format!(" by {l}")).unwrap_or_default();
        notes.push(format!("alert {state}{resolution}{by}"));
    }
    if a.get("push_protection_bypassed").and_then(Value::as_bool) == Some(true) {
        let by = login("/push_protection_bypassed_by/login").unwrap_or_else(|| "someone".into());
        let reviewer = login("/push_protection_bypass_request_reviewer/login")
            .map(|r| format!(", bypass approved by {r}"))
            .unwrap_or_default();
        notes.push(format!("push protection bypassed by {by}{reviewer}"));
    }
    if a.get("publicly_leaked").and_then(Value::as_bool) == Some(true) {
        notes.push("publicly leaked".to_string());
    }
    notes
}
