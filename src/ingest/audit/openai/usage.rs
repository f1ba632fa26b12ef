//! OpenAI usage buckets (`GET /v1/organization/usage/{completions,embeddings,…}`
//! with `group_by=api_key_id`): a page of buckets, or one bucket a line. Each
//! result names a key id, a period and how many requests it made on which
//! model: use over time, with no address or user agent (none exists there).

use serde_json::Value;

use super::super::buckets::{self, Layout};
use super::super::{count, text};
use crate::ingest::framing::Located;
use crate::model::{Evidence, InputSummary, SourceKind};

const LAYOUT: Layout = Layout {
    source: SourceKind::OpenaiUsage,
    start: "start_time",
    end: "end_time",
    group_by: "group_by=api_key_id (the usage API)",
    read,
};

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    buckets::parse(&LAYOUT, path, records, summary, ev);
}

fn read(result: &Value) -> buckets::Result {
    let requests = ["/num_model_requests", "/num_requests", "/images", "/num_sessions"]
        .iter()
        .find_map(|p| count(result.pointer(p)))
        .unwrap_or(0);
    if requests == 0 {
        return buckets::Result::Idle;
    }
    let Some(key) = text(result, "/api_key_id") else { return buckets::Result::NoKey };
    let endpoint = text(result, "/object")
        .and_then(|o| o.strip_prefix("organization.usage.").map(|r| r.trim_end_matches(".result").to_string()))
        .unwrap_or_else(|| "usage".into());
    let principal = match (text(result, "/project_id"), text(result, "/user_id")) {
        (Some(p), _) => format!("project {p}"),
        (None, Some(u)) => format!("user {u}"),
        (None, None) => "(organization)".into(),
    };
    buckets::Result::Use(buckets::Use {
        key,
        principal,
        action: format!("usage.{endpoint}"),
        model: text(result, "/model"),
        requests,
        tokens: count(result.get("input_tokens")).unwrap_or(0) + count(result.get("output_tokens")).unwrap_or(0),
    })
}
