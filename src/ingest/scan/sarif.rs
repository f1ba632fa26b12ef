//! SARIF 2.1.0 from any secret scanner (gitleaks, secretlint, …).

use serde_json::Value;

use super::{Cx, RawFinding};
use crate::ingest::str_at;
use crate::model::{Finding, Person, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    let runs = rec.get("runs").and_then(Value::as_array).ok_or("SARIF without runs")?;
    let mut out = Vec::new();
    for run in runs {
        for result in run.get("results").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default() {
            let loc = result.pointer("/locations/0/physicalLocation").unwrap_or(&Value::Null);
            let snippet = str_at(loc, "/region/snippet/text");
            let props = result.get("partialFingerprints").unwrap_or(&Value::Null);
            let author = str_at(props, "/author").map(|a| Person::new(a, str_at(props, "/email").unwrap_or("")));
            let raw = RawFinding {
                rule: str_at(result, "/ruleId").unwrap_or("unknown"),
                value: snippet,
                matched: snippet,
                file: str_at(loc, "/artifactLocation/uri").map(str::to_string),
                line: loc.pointer("/region/startLine").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
                commit: str_at(props, "/commitSha").map(str::to_string),
                author,
                ..Default::default()
            };
            out.push(raw.redact(cx, SourceKind::Sarif, cx.origin()));
        }
    }
    Ok(out)
}
