//! The Anthropic usage report (`GET /v1/organizations/usage_report/messages`
//! with `group_by[]=api_key_id`): buckets (`starting_at`, `ending_at`) whose
//! results name a key, a model and the tokens used. The report counts tokens,
//! not requests: a result is one use of the period, its tokens its size.

use serde_json::Value;

use super::super::{count, epoch_or_text, origin, text};
use crate::ingest::framing::Located;
use crate::model::{Access, Evidence, InputSummary, Outcome, SourceKind, Usage};

/// Token fields of a result; cache creation is an object of its own.
const TOKENS: &[&str] = &[
    "/uncached_input_tokens",
    "/cache_read_input_tokens",
    "/output_tokens",
    "/cache_creation/ephemeral_1h_input_tokens",
    "/cache_creation/ephemeral_5m_input_tokens",
];

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    let mut ungrouped = 0usize;
    super::super::items_each(path, records, summary, ev, |path, line, bucket, ev| {
        let start = epoch_or_text(bucket.get("starting_at")).ok_or("usage bucket without starting_at")?;
        let end = epoch_or_text(bucket.get("ending_at")).unwrap_or(start + chrono::Duration::days(1));
        let results = bucket.get("results").and_then(Value::as_array).ok_or("usage bucket without results")?;
        let mut used = false;
        for (i, result) in results.iter().enumerate() {
            let tokens: u64 = TOKENS.iter().filter_map(|p| count(result.pointer(p))).sum();
            if tokens == 0 {
                continue;
            }
            let Some(key) = text(result, "/api_key_id") else {
                ungrouped += 1;
                continue;
            };
            let model = text(result, "/model");
            ev.accesses.push(Access {
                at: start,
                source: SourceKind::AnthropicUsage,
                principal: text(result, "/workspace_id")
                    .map_or_else(|| "(default workspace)".into(), |w| format!("workspace {w}")),
                credential: Some(key.clone()),
                other_credentials: Vec::new(),
                action: "usage.messages".into(),
                resource: model.clone(),
                outcome: Outcome::Allowed,
                ip: None,
                user_agent: None,
                region: None,
                lifecycle: None,
                event_id: format!("{}:{key}:{}:{i}", start.timestamp(), model.as_deref().unwrap_or("")),
                usage: Some(Usage { period_s: (end - start).num_seconds().max(1), requests: 1, tokens, model }),
                origin: origin(path, line),
            });
            used = true;
        }
        Ok(used)
    });
    if ungrouped > 0 {
        summary.notes.push(format!(
            "{ungrouped} usage result{} name no api_key_id: ask the usage report with group_by[]=api_key_id to tie use to a key",
            if ungrouped == 1 { "" } else { "s" }
        ));
    }
}
