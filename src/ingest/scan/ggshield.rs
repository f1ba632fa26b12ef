//! GitGuardian ggshield JSON: scans (a commit each, or a path scan) of
//! entities with incidents. Matches are masked; `ignore_sha` is the SHA-256
//! of the secret, which links the incident to other scanners' findings.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{Cx, RawFinding};
use crate::ingest::{str_at, time};
use crate::model::{Finding, Person, SourceKind};

/// `Sat Mar 13 17:42:00 2021 +0530`, as git prints dates.
fn git_date(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_str(s, "%a %b %e %H:%M:%S %Y %z")
        .ok()
        .map(|d| d.with_timezone(&Utc))
        .or_else(|| time::parse(s))
}

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    let scans: Vec<&Value> = match rec.get("scans").and_then(Value::as_array) {
        Some(list) => list.iter().collect(),
        None => vec![rec],
    };
    let mut out = Vec::new();
    for scan in scans {
        let commit = (str_at(scan, "/type") == Some("commit")).then(|| str_at(scan, "/id")).flatten();
        let author =
            str_at(scan, "/extra_info/email").map(|e| Person::new(str_at(scan, "/extra_info/author").unwrap_or(""), e));
        let date = str_at(scan, "/extra_info/date").and_then(git_date);
        for entity in
            scan.get("entities_with_incidents").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default()
        {
            for incident in entity.get("incidents").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
                let rule = str_at(incident, "/type").unwrap_or("unknown");
                let occurrence = incident.pointer("/occurrences/0").unwrap_or(&Value::Null);
                let raw = RawFinding {
                    rule,
                    value: str_at(occurrence, "/match"),
                    file: str_at(entity, "/filename").map(str::to_string),
                    line: occurrence.get("line_start").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
                    commit: commit.map(str::to_string),
                    author: author.clone(),
                    commit_time: date,
                    verified: str_at(incident, "/validity").and_then(|v| match v {
                        "valid" => Some(true),
                        "invalid" => Some(false),
                        _ => None,
                    }),
                    digests: str_at(incident, "/ignore_sha").map(|h| format!("sha256:{h}")).into_iter().collect(),
                    ..Default::default()
                };
                out.push(raw.redact(cx, SourceKind::Ggshield, cx.origin()));
            }
        }
    }
    Ok(out)
}
