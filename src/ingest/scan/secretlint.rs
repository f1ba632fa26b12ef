//! secretlint JSON: per file, messages with a rule and a character range into
//! the file's content — the value is taken from that range, fingerprinted, and
//! dropped with the rest of the content.

use serde_json::Value;

use super::{Cx, RawFinding};
use crate::ingest::str_at;
use crate::model::{Finding, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    let messages = rec.get("messages").and_then(Value::as_array).ok_or("secretlint result without messages")?;
    let content = str_at(rec, "/sourceContent").unwrap_or("");
    let mut out = Vec::new();
    for m in messages {
        let rule = str_at(m, "/ruleId").unwrap_or("unknown");
        let range = m
            .get("range")
            .and_then(Value::as_array)
            .and_then(|r| Some((r.first()?.as_u64()? as usize, r.get(1)?.as_u64()? as usize)));
        // Ranges count UTF-16 units (JavaScript); they are byte offsets only for ASCII.
        let value = range.filter(|_| content.is_ascii()).and_then(|(a, b)| content.get(a..b));
        let raw = RawFinding {
            rule,
            value,
            file: str_at(rec, "/filePath").map(str::to_string),
            line: m.pointer("/loc/start/line").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
            ..Default::default()
        };
        out.push(raw.redact(cx, SourceKind::Secretlint, cx.origin()));
    }
    Ok(out)
}
