//! The Anthropic usage report (`GET /v1/organizations/usage_report/messages`
//! with `group_by[]=api_key_id`): buckets (`starting_at`, `ending_at`) whose
//! results name a key, a model and the tokens used. The report counts tokens,
//! not requests: a result is one use of the period, its tokens its size.

use serde_json::Value;

use super::super::buckets::{self, Layout};
use super::super::{count, text};
use crate::ingest::framing::Located;
use crate::model::{Evidence, InputSummary, SourceKind};

/// Token fields of a result; cache creation is an object of its own.
const TOKENS: &[&str] = &[
    "/uncached_input_tokens",
    "/cache_read_input_tokens",
    "/output_tokens",
    "/cache_creation/ephemeral_1h_input_tokens",
    "/cache_creation/ephemeral_5m_input_tokens",
];

const LAYOUT: Layout = Layout {
    source: SourceKind::AnthropicUsage,
    start: "starting_at",
    end: "ending_at",
    group_by: "group_by[]=api_key_id (the usage report)",
    read,
};

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    buckets::parse(&LAYOUT, path, records, summary, ev);
}

fn read(result: &Value) -> buckets::Result {
    let tokens: u64 = TOKENS.iter().filter_map(|p| count(result.pointer(p))).sum();
    if tokens == 0 {
        return buckets::Result::Idle;
    }
    let Some(key) = text(result, "/api_key_id") else { return buckets::Result::NoKey };
    buckets::Result::Use(buckets::Use {
        key,
        principal: text(result, "/workspace_id")
            .map_or_else(|| "(default workspace)".into(), |w| format!("workspace {w}")),
        action: "usage.messages".into(),
        model: text(result, "/model"),
        requests: 1,
        tokens,
    })
}
