//! trufflehog v3 JSON lines. `Raw` is Go `[]byte`, so base64 in the JSON.

use base64::Engine;
use serde_json::Value;

use super::{Cx, RawFinding, person_from};
use crate::ingest::{str_at, time};
use crate::model::{Finding, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    let detector = str_at(rec, "/DetectorName").ok_or("trufflehog result without DetectorName")?;
    let raw_b64 = str_at(rec, "/Raw");
    let decoded = raw_b64.and_then(|r| base64::engine::general_purpose::STANDARD.decode(r).ok());
    let decoded = decoded.and_then(|b| String::from_utf8(b).ok());
    let value = decoded.as_deref().or(raw_b64);
    let data = rec.pointer("/SourceMetadata/Data");
    let src = data.and_then(Value::as_object).and_then(|m| m.values().next()).cloned().unwrap_or(Value::Null);
    let num = |k: &str| src.get(k).and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok());
    let mut identifiers = Vec::new();
    for key in ["account", "arn"] {
        if let Some(v) = str_at(rec, &format!("/ExtraData/{key}")) {
            identifiers.push(v.to_string());
        }
    }
    let raw = RawFinding {
        rule: detector,
        value,
        matched: None,
        file: str_at(&src, "/file").or_else(|| str_at(&src, "/path")).map(str::to_string),
        line: num("line"),
        commit: str_at(&src, "/commit").map(str::to_string),
        author: str_at(&src, "/email").map(person_from),
        commit_time: str_at(&src, "/timestamp").and_then(time::parse),
        verified: rec.get("Verified").and_then(Value::as_bool),
        identifiers,
        ..Default::default()
    };
    Ok(vec![raw.redact(cx, SourceKind::Trufflehog, cx.origin())])
}
