//! OpenAI's organization admin API, as its answers are saved: the audit log
//! (who created, changed or deleted a key, from which address), usage buckets
//! grouped by key (how much each key was used, when, on which model), and the
//! project and admin key listings (which key id a leaked value is).

pub mod audit;
pub mod keys;
pub mod usage;

use serde_json::Value;

use super::text;

/// Who an OpenAI actor is: a session's user, or the owner of the key that acted.
fn person(v: &Value) -> Option<String> {
    text(v, "/email").or_else(|| text(v, "/name")).or_else(|| text(v, "/id"))
}
