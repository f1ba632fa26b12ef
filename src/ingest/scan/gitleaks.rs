//! gitleaks reports: JSON (v8 and v7 field sets) and CSV. `Date` is the commit's
//! date, not a detection time.

use serde_json::Value;

use super::{Cx, RawFinding, csv};
use crate::ingest::redact::CaseKey;
use crate::ingest::{str_at, time};
use crate::model::{Evidence, Finding, InputSummary, Person, SourceKind};

pub fn parse(cx: &Cx, rec: &Value) -> Result<Vec<Finding>, String> {
    let s = |k: &str| str_at(rec, &format!("/{k}"));
    let rule = s("RuleID").or_else(|| s("rule")).ok_or("gitleaks finding without RuleID")?;
    let value = s("Secret").or_else(|| s("offender"));
    let file_line = rec
        .get("StartLine")
        .or_else(|| rec.get("lineNumber"))
        .and_then(Value::as_u64)
        .and_then(|n| u32::try_from(n).ok());
    let author = match (s("Author").or_else(|| s("author")), s("Email").or_else(|| s("email"))) {
        (None, None) => None,
        (name, email) => Some(Person::new(name.unwrap_or(""), email.unwrap_or(""))),
    };
    let raw = RawFinding {
        rule,
        value,
        matched: s("Match").or_else(|| s("line")),
        file: s("File").or_else(|| s("file")).map(str::to_string),
        line: file_line,
        commit: s("Commit").or_else(|| s("commit")).map(str::to_string),
        author,
        commit_time: s("Date").or_else(|| s("date")).and_then(time::parse),
        ..Default::default()
    };
    Ok(vec![raw.redact(cx, SourceKind::Gitleaks, cx.origin())])
}

pub fn parse_csv(path: &str, text: &str, key: &CaseKey, summary: &mut InputSummary, ev: &mut Evidence) {
    let mut rows = csv::rows(text).into_iter();
    let Some((_, header)) = rows.next() else {
        return;
    };
    for (line, row) in rows {
        if row.iter().all(|f| f.is_empty()) {
            continue;
        }
        let obj: serde_json::Map<String, Value> = header
            .iter()
            .zip(row.iter())
            .map(|(k, v)| {
                let v = match k.as_str() {
                    "StartLine" | "EndLine" => v.parse::<u64>().map_or(Value::Null, Value::from),
                    _ => Value::from(v.as_str()),
                };
                (k.clone(), v)
            })
            .collect();
        match parse(&Cx { path, line, key }, &Value::Object(obj)) {
            Ok(f) => {
                summary.records += 1;
                summary.relevant += f.len();
                ev.findings.extend(f);
            }
            Err(e) => summary.reject(line, e),
        }
    }
}
