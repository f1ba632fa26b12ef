//! trufflehog3 (the Python rewrite) JSON: a list of findings with the rule,
//! path, line (a string), secret and, for git sources, commit and author.

use serde_json::Value;

use super::{Cx, RawFinding, person_from};
use crate::ingest::{str_at, time};
use crate::model::{Finding, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    let rule = str_at(rec, "/rule/id").ok_or("trufflehog3 finding without rule.id")?;
    let line = match rec.get("line") {
        Some(Value::String(s)) => s.parse::<u32>().ok(),
        Some(v) => v.as_u64().and_then(|n| u32::try_from(n).ok()),
        None => None,
    };
    let raw = RawFinding {
        rule,
        value: str_at(rec, "/secret"),
        file: str_at(rec, "/path").map(str::to_string),
        line,
        commit: str_at(rec, "/commit").map(str::to_string),
        author: str_at(rec, "/author").map(person_from),
        commit_time: str_at(rec, "/date").and_then(time::parse),
        ..Default::default()
    };
    Ok(vec![raw.redact(cx, SourceKind::Trufflehog3, cx.origin())])
}
