//! OpenAI usage buckets (`GET /v1/organization/usage/{completions,embeddings,…}`
//! with `group_by=api_key_id`): a page of buckets, or one bucket a line. Each
//! result names a key id, a period and how many requests it made on which
//! model: use over time, with no address or user agent (none exists there).

use serde_json::Value;

use super::super::{count, epoch_or_text, origin, text};
use crate::ingest::framing::Located;
use crate::model::{Access, Evidence, InputSummary, Outcome, SourceKind, Usage};

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    let mut ungrouped = 0usize;
    super::super::items_each(path, records, summary, ev, |path, line, bucket, ev| {
        let start = epoch_or_text(bucket.get("start_time")).ok_or("usage bucket without start_time")?;
        let end = epoch_or_text(bucket.get("end_time")).unwrap_or(start + chrono::Duration::days(1));
        let results = bucket.get("results").and_then(Value::as_array).ok_or("usage bucket without results")?;
        let mut used = false;
        for (i, result) in results.iter().enumerate() {
            let requests = ["/num_model_requests", "/num_requests", "/images", "/num_sessions"]
                .iter()
                .find_map(|p| count(result.pointer(p)))
                .unwrap_or(0);
            if requests == 0 {
                continue;
            }
            let Some(key) = text(result, "/api_key_id") else {
                ungrouped += 1;
                continue;
            };
            let endpoint = text(result, "/object")
                .and_then(|o| o.strip_prefix("organization.usage.").map(|r| r.trim_end_matches(".result").to_string()))
                .unwrap_or_else(|| "usage".into());
            let model = text(result, "/model");
            let tokens =
                count(result.get("input_tokens")).unwrap_or(0) + count(result.get("output_tokens")).unwrap_or(0);
            let principal = match (text(result, "/project_id"), text(result, "/user_id")) {
                (Some(p), _) => format!("project {p}"),
                (None, Some(u)) => format!("user {u}"),
                (None, None) => "(organization)".into(),
            };
            ev.accesses.push(Access {
                at: start,
                source: SourceKind::OpenaiUsage,
                principal,
                credential: Some(key.clone()),
                other_credentials: Vec::new(),
                action: format!("usage.{endpoint}"),
                resource: model.clone(),
                outcome: Outcome::Allowed,
                ip: None,
                user_agent: None,
                region: None,
                lifecycle: None,
                event_id: format!("{}:{key}:{endpoint}:{}:{i}", start.timestamp(), model.as_deref().unwrap_or("")),
                usage: Some(Usage { period_s: (end - start).num_seconds().max(1), requests, tokens, model }),
                origin: origin(path, line),
            });
            used = true;
        }
        Ok(used)
    });
    if ungrouped > 0 {
        summary.notes.push(format!(
            "{ungrouped} usage result{} name no api_key_id: ask the usage API with group_by=api_key_id to tie use to a key",
            if ungrouped == 1 { "" } else { "s" }
        ));
    }
}
