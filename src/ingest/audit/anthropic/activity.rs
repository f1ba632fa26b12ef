//! The Anthropic Compliance API activity feed (`GET /v1/compliance/activities`):
//! who did what, from which address and user agent. An activity made with an
//! API key names it (`actor.api_key_id`); activities about a key (`api_key_id`
//! beside a `…created`/`…deleted`/`…archived`/`…deactivated` type) date its
//! issuance and revocation.

use serde_json::Value;

use super::super::{epoch_or_text, origin, text};
use crate::ingest::framing::Located;
use crate::model::{Access, Evidence, InputSummary, Lifecycle, Outcome, SourceKind};

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    super::super::items_each(path, records, summary, ev, |path, line, item, ev| {
        let access = activity(path, line, item).ok_or("activity without created_at or type")?;
        ev.accesses.push(access);
        Ok(true)
    });
}

fn lifecycle(kind: &str) -> Option<Lifecycle> {
    if !kind.contains("api_key") {
        return None;
    }
    if kind.ends_with("created") {
        Some(Lifecycle::Issued)
    } else if kind.ends_with("deleted") {
        Some(Lifecycle::Deleted)
    } else if ["archived", "deactivated", "disabled", "revoked"].iter().any(|w| kind.ends_with(w)) {
        Some(Lifecycle::Deactivated)
    } else {
        None
    }
}

fn activity(path: &str, line: usize, item: &Value) -> Option<Access> {
    let at = epoch_or_text(item.get("created_at"))?;
    let kind = text(item, "/type")?;
    let actor = item.get("actor");
    let about = text(item, "/api_key_id").or_else(|| text(item, "/api_key/id"));
    Some(Access {
        at,
        source: SourceKind::AnthropicActivity,
        principal: actor
            .and_then(|a| text(a, "/email_address").or_else(|| text(a, "/user_id")).or_else(|| text(a, "/api_key_id")))
            .unwrap_or_else(|| "(unknown)".into()),
        credential: actor.and_then(|a| text(a, "/api_key_id")),
        other_credentials: Vec::new(),
        lifecycle: lifecycle(&kind).zip(about.clone()),
        action: kind,
        resource: about,
        outcome: Outcome::Allowed,
        ip: actor.and_then(|a| text(a, "/ip_address")),
        user_agent: actor.and_then(|a| text(a, "/user_agent")),
        region: None,
        event_id: text(item, "/id").unwrap_or_else(|| origin(path, line)),
        usage: None,
        origin: origin(path, line),
    })
}
