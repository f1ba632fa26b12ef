//! GitLab secret detection reports (`gl-secret-detection-report.json`). The
//! placeholder commit (`0000000`, dated year 1) means "not from history".

use serde_json::Value;

use super::{Cx, RawFinding};
use crate::ingest::{str_at, time};
use crate::model::{Finding, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    let list = rec.get("vulnerabilities").and_then(Value::as_array).ok_or("report without vulnerabilities")?;
    let mut out = Vec::new();
    for v in list {
        let rule = str_at(v, "/identifiers/0/value").or_else(|| str_at(v, "/name")).unwrap_or("unknown");
        let date = str_at(v, "/location/commit/date").and_then(time::parse).filter(|d| d.timestamp() > 0);
        let raw = RawFinding {
            rule,
            value: str_at(v, "/raw_source_code_extract"),
            matched: str_at(v, "/raw_source_code_extract"),
            file: str_at(v, "/location/file").map(str::to_string),
            line: v.pointer("/location/start_line").and_then(Value::as_u64).and_then(|n| u32::try_from(n).ok()),
            commit: str_at(v, "/location/commit/sha").map(str::to_string),
            commit_time: date,
            ..Default::default()
        };
        out.push(raw.redact(cx, SourceKind::GitlabSecretDetection, cx.origin()));
    }
    Ok(out)
}
