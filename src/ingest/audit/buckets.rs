//! Usage buckets as LLM providers report them (OpenAI's usage API, Anthropic's
//! usage report): a period, and per result a key, a model and how much was
//! used. The bucket, its results and the accesses they become are read here
//! once; each provider's file says only how its own result reads.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{epoch_or_text, origin};
use crate::ingest::framing::Located;
use crate::model::{Access, Evidence, InputSummary, Outcome, SourceKind, Usage};

/// Use by one key in one bucket.
pub struct Use {
    pub key: String,
    pub principal: String,
    pub action: String,
    pub model: Option<String>,
    pub requests: u64,
    pub tokens: u64,
}

/// One result of a bucket, as a provider's reader found it.
pub enum Result {
    Use(Use),
    /// Use the export did not group by key: it cannot be tied to one.
    NoKey,
    /// Nothing used in the period.
    Idle,
}

/// How a provider lays out its buckets.
pub struct Layout {
    pub source: SourceKind,
    /// The bucket's start and end fields.
    pub start: &'static str,
    pub end: &'static str,
    /// How to ask the provider for use grouped by key, for the note on ungrouped results.
    pub group_by: &'static str,
    pub read: fn(&Value) -> Result,
}

pub fn parse(layout: &Layout, path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    let mut ungrouped = 0usize;
    super::items_each(path, records, summary, ev, |path, line, bucket, ev| {
        let missing = |field: &str| format!("usage bucket without {field}");
        let start = epoch_or_text(bucket.get(layout.start)).ok_or_else(|| missing(layout.start))?;
        let end = epoch_or_text(bucket.get(layout.end)).unwrap_or(start + chrono::Duration::days(1));
        let results = bucket.get("results").and_then(Value::as_array).ok_or_else(|| missing("results"))?;
        let mut used = false;
        for (i, result) in results.iter().enumerate() {
            match (layout.read)(result) {
                Result::Use(used_by) => {
                    ev.accesses.push(access(layout.source, (start, end), used_by, i, origin(path, line)));
                    used = true;
                }
                Result::NoKey => ungrouped += 1,
                Result::Idle => {}
            }
        }
        Ok(used)
    });
    if ungrouped > 0 {
        summary.notes.push(format!(
            "{ungrouped} usage result{} name no api_key_id: ask with {} to tie use to a key",
            if ungrouped == 1 { "" } else { "s" },
            layout.group_by
        ));
    }
}

fn access(
    source: SourceKind,
    (start, end): (DateTime<Utc>, DateTime<Utc>),
    u: Use,
    index: usize,
    origin: String,
) -> Access {
    let Use { key, principal, action, model, requests, tokens } = u;
    let kind = action.strip_prefix("usage.").unwrap_or(&action);
    Access {
        at: start,
        source,
        principal,
        event_id: format!("{}:{key}:{kind}:{}:{index}", start.timestamp(), model.as_deref().unwrap_or("")),
        credential: Some(key),
        other_credentials: Vec::new(),
        action: action.clone(),
        resource: model.clone(),
        outcome: Outcome::Allowed,
        ip: None,
        user_agent: None,
        region: None,
        lifecycle: None,
        usage: Some(Usage { period_s: (end - start).num_seconds().max(1), requests, tokens, model }),
        origin,
    }
}
