//! The demo's OpenAI evidence, as the organization admin API answers it: the
//! project's key listing (whose redacted value ties the leaked key to its id),
//! the audit log (who created the key), and usage grouped by key and model —
//! the service's steady gpt-4o-mini traffic, then someone else's gpt-4o at
//! twenty times the rate from the evening of the leak, after detection too.

use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Value, json};

use super::{DemoError, OPENAI_KEY, at, write_file};

const KEY_ID: &str = "key_tkt8QmW2agentProd";
const PROJECT: &str = "proj_tktAgent";

fn pretty(v: &Value) -> Vec<u8> {
    serde_json::to_string_pretty(v).unwrap_or_default().into_bytes()
}

/// The listing's redacted form of the key: its project prefix and last four.
fn redacted() -> String {
    let tail = OPENAI_KEY.get(OPENAI_KEY.len().saturating_sub(4)..).unwrap_or("");
    format!("sk-proj-...{tail}")
}

fn result(requests: u64, model: &str) -> Value {
    json!({"object": "organization.usage.completions.result", "input_tokens": requests * 1400,
        "output_tokens": requests * 260, "input_cached_tokens": requests * 300, "input_audio_tokens": 0,
        "output_audio_tokens": 0, "num_model_requests": requests, "project_id": PROJECT, "user_id": null,
        "api_key_id": KEY_ID, "model": model, "batch": null})
}

/// Daily usage buckets from the deployment to the day of the report's story.
fn usage() -> Value {
    let day = Duration::days(1);
    let mut buckets = Vec::new();
    let mut start: DateTime<Utc> = at(2026, 3, 20, 0, 0, 0);
    let mut n: u64 = 0;
    while start < at(2026, 4, 21, 0, 0, 0) {
        // The service: a few hundred triage calls a day, more on weekdays.
        let mut results = vec![result(280 + (n * 37) % 90, "gpt-4o-mini-2024-07-18")];
        // From the evening of the leak: someone else's gpt-4o, thousands a day.
        if start >= at(2026, 4, 13, 0, 0, 0) && start < at(2026, 4, 18, 0, 0, 0) {
            results.push(result(5200 + (n * 131) % 900, "gpt-4o-2024-08-06"));
        }
        buckets.push(json!({"object": "bucket", "start_time": start.timestamp(),
            "end_time": (start + day).timestamp(), "results": results}));
        start += day;
        n += 1;
    }
    json!({"object": "page", "data": buckets, "has_more": false, "next_page": null})
}

pub fn write(logs: &Path) -> Result<(), DemoError> {
    let dir = logs.join("openai");
    let created = at(2026, 3, 16, 15, 2, 0);
    let keys = json!({"object": "list", "data": [
        {"object": "organization.project.api_key", "redacted_value": redacted(), "name": "ticket-agent prod",
         "created_at": created.timestamp(), "last_used_at": at(2026, 4, 20, 23, 58, 0).timestamp(), "id": KEY_ID,
         "owner": {"type": "user", "user": {"object": "organization.project.user", "id": "user-hannahB",
            "name": "Hannah Brooks", "email": "hannah@northwind.dev", "role": "owner",
            "added_at": at(2026, 1, 8, 9, 0, 0).timestamp()}}},
        {"object": "organization.project.api_key", "redacted_value": "sk-proj-...9fQe", "name": "ticket-agent eval CI",
         "created_at": at(2026, 3, 24, 17, 0, 0).timestamp(), "last_used_at": at(2026, 4, 20, 6, 0, 0).timestamp(),
         "id": "key_tkt4EvalCi", "owner": {"type": "service_account", "service_account": {
            "object": "organization.project.service_account", "id": "svc_acct_eval", "name": "agent-eval",
            "role": "member", "created_at": at(2026, 3, 24, 16, 58, 0).timestamp()}}}
    ], "first_id": KEY_ID, "last_id": "key_tkt4EvalCi", "has_more": false});
    write_file(&dir.join("project-api-keys.json"), &pretty(&keys))?;
    let session = json!({"type": "session", "session": {"user": {"id": "user-hannahB", "email": "hannah@northwind.dev"},
        "ip_address": "198.51.100.14", "user_agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_4) AppleWebKit/605.1.15 Safari/605.1.15"}});
    let project = json!({"id": PROJECT, "name": "ticket-agent"});
    let audit = json!({"object": "list", "data": [
        {"id": "audit_log-7c1e0f3a_20260316", "type": "api_key.created", "effective_at": created.timestamp(),
         "project": project, "actor": session, "api_key.created": {"id": KEY_ID, "data": {"scopes": ["/v1/*"]}}},
        {"id": "audit_log-8d2f1a4b_20260324", "type": "service_account.created",
         "effective_at": at(2026, 3, 24, 16, 58, 0).timestamp(), "project": project, "actor": session,
         "service_account.created": {"id": "svc_acct_eval", "data": {"role": "member"}}},
        {"id": "audit_log-9e3a2b5c_20260414", "type": "rate_limit.updated",
         "effective_at": at(2026, 4, 14, 14, 5, 0).timestamp(), "project": project, "actor": session,
         "rate_limit.updated": {"id": "rl-gpt-4o", "changes_requested": {"max_requests_per_1_minute": 50}}}
    ], "first_id": "audit_log-7c1e0f3a_20260316", "last_id": "audit_log-9e3a2b5c_20260414", "has_more": false});
    write_file(&dir.join("audit-logs.json"), &pretty(&audit))?;
    write_file(&dir.join("usage-completions-by-key.json"), &pretty(&usage()))
}
