//! Nosey Parker findings (JSON or JSON lines), with git provenance.

use serde_json::Value;

use super::{Cx, RawFinding};
use crate::ingest::{str_at, time};
use crate::model::{Finding, Person, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    let rule = str_at(rec, "/rule_name").ok_or("finding without rule_name")?;
    let matches = rec.get("matches").and_then(Value::as_array).ok_or("finding without matches")?;
    let mut out = Vec::new();
    for m in matches {
        // Newer Nosey Parker reports the match as base64 capture groups.
        let group = m
            .pointer("/groups/0")
            .and_then(Value::as_str)
            .and_then(|g| base64::Engine::decode(&base64::engine::general_purpose::STANDARD, g).ok())
            .and_then(|b| String::from_utf8(b).ok());
        let provenance = m.get("provenance").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
        let git = provenance.iter().find_map(|p| p.get("commit_provenance"));
        let meta = git.and_then(|g| g.get("commit_metadata")).unwrap_or(&Value::Null);
        let file =
            git.and_then(|g| str_at(g, "/blob_path")).or_else(|| provenance.iter().find_map(|p| str_at(p, "/path")));
        let stamp =
            str_at(meta, "/committer_timestamp").and_then(|t| t.split_whitespace().next()).and_then(time::parse);
        let raw = RawFinding {
            rule,
            value: str_at(m, "/match_content").or_else(|| str_at(rec, "/match_content")).or(group.as_deref()),
            matched: str_at(m, "/snippet/matching"),
            file: file.map(str::to_string),
            line: m
                .pointer("/location/source_span/start/line")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok()),
            commit: str_at(meta, "/commit_id").map(str::to_string),
            author: str_at(meta, "/author_email").map(|e| Person::new(str_at(meta, "/author_name").unwrap_or(""), e)),
            commit_time: stamp,
            ..Default::default()
        };
        out.push(raw.redact(cx, SourceKind::Noseyparker, cx.origin()));
    }
    Ok(out)
}
