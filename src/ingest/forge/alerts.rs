//! The repository's secret-scanning alerts on GitHub, every page, with each
//! alert's locations where it has more than the first: who pushed past push
//! protection, who reviewed that bypass, who closed the alert and as what.
//! The secret GitHub returns with each alert is sealed the moment it
//! arrives: neither the cache nor anything after it holds the value.

use serde_json::Value;

use super::http::{Http, HttpError};
use crate::ingest::redact::{self, CaseKey};
use crate::model::ForgeAnswers;

pub fn consult(http: &Http, repo: &str, forge: &str, answers: &mut ForgeAnswers) {
    let mut alerts = match http.get_all_sealed(&format!("{repo}/secret-scanning/alerts?per_page=100"), seal) {
        Ok(list) => list,
        Err(e) => {
            answers.alerts_unread = Some(unread(&e));
            return;
        }
    };
    // The list names the first location; the others cost one request per alert that has them.
    let more: Vec<usize> = (0..alerts.len())
        .filter(|&i| {
            let a = &alerts[i];
            a["has_more_locations"].as_bool() == Some(true) || a.get("first_location_detected").is_none()
        })
        .filter(|&i| alerts[i]["number"].as_u64().is_some())
        .collect();
    let read = super::http::each_parallel(&more, super::THREADS, |&i| {
        let n = alerts[i]["number"].as_u64().unwrap_or_default();
        http.get_all(&format!("{repo}/secret-scanning/alerts/{n}/locations?per_page=100"))
    });
    for (&i, locations) in more.iter().zip(read) {
        match locations {
            Ok(list) => {
                if let Some(a) = alerts[i].as_object_mut() {
                    a.insert("locations".into(), Value::Array(list));
                }
            }
            Err(e) => {
                let n = alerts[i]["number"].as_u64().unwrap_or_default();
                answers.unanswered.insert(format!("alert #{n} locations"), e.to_string());
            }
        }
    }
    // Sealed values leave no fingerprint to compute: the default key is never used on a value.
    let key = CaseKey::default();
    for a in &alerts {
        match crate::ingest::scan::forge_alert(forge, a, &key) {
            Ok(findings) => answers.findings.extend(findings),
            Err(why) => {
                let n = a["number"].as_u64().map(|n| format!("alert #{n}")).unwrap_or_else(|| "an alert".into());
                answers.unanswered.insert(n, why);
            }
        }
    }
    answers.alerts_read = Some(alerts.len());
}

/// Why the alerts could not be read, in the words a responder can act on.
fn unread(e: &HttpError) -> String {
    match e {
        HttpError::NotFound => {
            "not found (404): secret scanning is off for the repository, or the token may not read its alerts".into()
        }
        other => other.to_string(),
    }
}

/// Each alert's `secret` replaced by what may be kept of it.
fn seal(body: &mut Value) {
    let alerts: Vec<&mut Value> = match body {
        Value::Array(items) => items.iter_mut().collect(),
        one => vec![one],
    };
    for a in alerts {
        let Some(obj) = a.as_object_mut() else { continue };
        let Some(Value::String(value)) = obj.remove("secret") else { continue };
        let rule = obj.get("secret_type").and_then(Value::as_str).unwrap_or_default();
        let sealed = redact::seal(&value, rule);
        if let Ok(v) = serde_json::to_value(sealed) {
            obj.insert("secret_sealed".into(), v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_gone_and_what_joins_it_stays() {
        let value = "ghp_1234567890abcdefghijABCDEFGHIJ123456";
        let mut body =
            serde_json::json!([{"number": 1, "secret_type": "github_personal_access_token", "secret": value}]);
        seal(&mut body);
        let text = body.to_string();
        assert!(!text.contains(value) && !text.contains("\"secret\""), "{text}");
        assert_eq!(body[0]["secret_sealed"]["sha256"], redact::sha256(value));
        let mut again = body.clone();
        seal(&mut again);
        assert_eq!(again, body, "a cached answer sealed twice is the same");
    }
}
