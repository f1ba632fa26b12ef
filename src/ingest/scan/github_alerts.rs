//! GitHub secret scanning alerts: the REST list, single alerts, webhook
//! payloads, recorded API replays that wrap them in `response_body`, and the
//! forge's answers (the value sealed, the alert's `locations` added).

use serde_json::Value;

use super::{Cx, RawFinding};
use crate::ingest::{redact::Sealed, str_at, time};
use crate::model::{AlertFacts, Bypass, Finding, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    if let Some(body) = rec.get("response_body") {
        let alerts = body.as_array().map(|a| a.as_slice()).unwrap_or(std::slice::from_ref(body));
        let mut out = Vec::new();
        for a in alerts.iter().filter(|a| a.get("secret_type").is_some()) {
            out.extend(alert(cx, a)?);
        }
        return Ok(out);
    }
    alert(cx, rec.get("alert").unwrap_or(rec))
}

/// One finding per place in the code the alert names (the first detected,
/// and every `commit` location when they were read).
fn alert(cx: &Cx, a: &Value) -> Result<Vec<Finding>, String> {
    let rule = str_at(a, "/secret_type").ok_or("alert without secret_type")?;
    let resolved_as_revoked = str_at(a, "/resolution") == Some("revoked");
    let sealed: Option<Sealed> = a.get("secret_sealed").and_then(|s| serde_json::from_value(s.clone()).ok());
    let facts = facts(a);
    let (places, elsewhere) = places(a);
    let mut notes = alert_notes(a);
    notes.extend(elsewhere);
    let number = facts.number.map(|n| format!("#{n}")).unwrap_or_default();
    let origin = format!("{} alert {number}", cx.origin());
    Ok(places
        .into_iter()
        .map(|(file, line, commit)| {
            RawFinding {
                rule,
                value: str_at(a, "/secret"),
                sealed: sealed.clone(),
                file,
                line,
                commit,
                detected_at: str_at(a, "/created_at").and_then(time::parse),
                revoked_at: str_at(a, "/resolved_at").filter(|_| resolved_as_revoked).and_then(time::parse),
                verified: str_at(a, "/validity").map(|v| v == "active"),
                notes: notes.clone(),
                alert: Some(facts.clone()),
                ..Default::default()
            }
            .redact(cx, SourceKind::GithubAlerts, origin.clone())
        })
        .collect())
}

type Place = (Option<String>, Option<u32>, Option<String>);

/// The places in the repository's code, first detected first, each once;
/// and, as notes, the places outside it (an issue comment, the wiki).
fn places(a: &Value) -> (Vec<Place>, Vec<String>) {
    let code = |d: &Value| -> Place {
        (
            str_at(d, "/path").map(str::to_string),
            d.get("start_line").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
            str_at(d, "/commit_sha").map(str::to_string),
        )
    };
    let mut places = vec![code(a.get("first_location_detected").unwrap_or(&Value::Null))];
    let mut elsewhere = Vec::new();
    for loc in a.get("locations").and_then(Value::as_array).into_iter().flatten() {
        let details = loc.get("details").unwrap_or(&Value::Null);
        match str_at(loc, "/type") {
            Some("commit") => {
                let place = code(details);
                if !places.contains(&place) {
                    places.push(place);
                }
            }
            Some(other) => {
                let what = other.replace('_', " ");
                let link = details
                    .as_object()
                    .and_then(|d| d.iter().find(|(k, _)| k.ends_with("_url") && !k.starts_with("blob")))
                    .and_then(|(_, v)| v.as_str())
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default();
                let note = format!("also found in a {what}{link}");
                if !elsewhere.contains(&note) {
                    elsewhere.push(note);
                }
            }
            None => {}
        }
    }
    // A located alert does not also stand for "somewhere".
    if places.len() > 1 && places[0] == (None, None, None) {
        places.remove(0);
    }
    (places, elsewhere)
}

fn login(a: &Value, pointer: &str) -> Option<String> {
    str_at(a, pointer).map(str::to_string)
}

fn facts(a: &Value) -> AlertFacts {
    let bypassed = a.get("push_protection_bypassed").and_then(Value::as_bool) == Some(true);
    AlertFacts {
        number: a.get("number").and_then(Value::as_u64),
        url: login(a, "/html_url"),
        state: login(a, "/state"),
        resolution: login(a, "/resolution"),
        resolved_by: login(a, "/resolved_by/login"),
        resolved_at: str_at(a, "/resolved_at").and_then(time::parse),
        bypass: bypassed.then(|| Bypass {
            by: login(a, "/push_protection_bypassed_by/login"),
            at: str_at(a, "/push_protection_bypassed_at").and_then(time::parse),
            reviewer: login(a, "/push_protection_bypass_request_reviewer/login"),
            request_url: login(a, "/push_protection_bypass_request_html_url"),
        }),
    }
}

/// The alert's state, resolution, and any push-protection bypass, as notes.
fn alert_notes(a: &Value) -> Vec<String> {
    let mut notes = Vec::new();
    if let Some(state) = str_at(a, "/state") {
        let resolution = str_at(a, "/resolution").map(|r| format!(" as {r}")).unwrap_or_default();
        let by = login(a, "/resolved_by/login").map(|l| format!(" by {l}")).unwrap_or_default();
        notes.push(format!("alert {state}{resolution}{by}"));
    }
    if a.get("push_protection_bypassed").and_then(Value::as_bool) == Some(true) {
        let by = login(a, "/push_protection_bypassed_by/login").unwrap_or_else(|| "someone".into());
        let reviewer = login(a, "/push_protection_bypass_request_reviewer/login")
            .map(|r| format!(", bypass approved by {r}"))
            .unwrap_or_default();
        notes.push(format!("push protection bypassed by {by}{reviewer}"));
    }
    if a.get("publicly_leaked").and_then(Value::as_bool) == Some(true) {
        notes.push("publicly leaked".to_string());
    }
    notes
}
