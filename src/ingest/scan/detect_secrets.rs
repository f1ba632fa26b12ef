//! detect-secrets baselines: no values, only a SHA-1 per secret (kept out of
//! reports), a type and a place.

use serde_json::Value;

use super::{Cx, RawFinding};
use crate::model::{Finding, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    let results = rec.get("results").and_then(Value::as_object).ok_or("baseline without results")?;
    let mut out = Vec::new();
    for (file, hits) in results {
        for hit in hits.as_array().map(Vec::as_slice).unwrap_or_default() {
            let rule = hit.get("type").and_then(Value::as_str).unwrap_or("unknown");
            let raw = RawFinding {
                rule,
                file: Some(file.clone()),
                line: hit.get("line_number").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
                verified: hit.get("is_verified").and_then(Value::as_bool).filter(|v| *v),
                digests: hit
                    .get("hashed_secret")
                    .and_then(Value::as_str)
                    .map(|h| format!("sha1:{h}"))
                    .into_iter()
                    .collect(),
                ..Default::default()
            };
            out.push(raw.redact(cx, SourceKind::DetectSecrets, cx.origin()));
        }
    }
    Ok(out)
}
