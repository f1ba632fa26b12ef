//! The OpenAI organization audit log (`GET /v1/organization/audit_logs`): a page
//! (`{"object":"list","data":[…]}`) or one event a line. `api_key.created` and
//! `api_key.deleted` date a key's issuance and revocation and name who did it;
//! an event performed with an API key (`actor.type = api_key`) is a use of it.

use serde_json::Value;

use super::super::{epoch_or_text, origin, text};
use crate::ingest::framing::Located;
use crate::model::{Access, Evidence, InputSummary, Lifecycle, Outcome, SourceKind};

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    super::super::items_each(path, records, summary, ev, |path, line, item, ev| {
        let access = event(path, line, item).ok_or("OpenAI audit event without effective_at or type")?;
        ev.accesses.push(access);
        Ok(true)
    });
}

fn event(path: &str, line: usize, item: &Value) -> Option<Access> {
    let at = epoch_or_text(item.get("effective_at"))?;
    let kind = text(item, "/type")?;
    let actor = item.get("actor");
    let session = actor.and_then(|a| a.get("session"));
    let key = actor.and_then(|a| a.get("api_key"));
    let by_key = actor.and_then(|a| text(a, "/type")).as_deref() == Some("api_key");
    let principal = session
        .and_then(|s| s.get("user"))
        .and_then(super::person)
        .or_else(|| key.and_then(|k| k.get("user")).and_then(super::person))
        .or_else(|| {
            key.and_then(|k| k.get("service_account")).and_then(super::person).map(|s| format!("service account {s}"))
        })
        .unwrap_or_else(|| "(unknown)".into());
    // The object the event is about sits under a key named after the event type.
    let object = item.get(kind.as_str()).and_then(|o| text(o, "/id"));
    let lifecycle = match (kind.as_str(), &object) {
        ("api_key.created", Some(id)) => Some((Lifecycle::Issued, id.clone())),
        ("api_key.deleted", Some(id)) => Some((Lifecycle::Deleted, id.clone())),
        _ => None,
    };
    let ip = session.and_then(|s| text(s, "/ip_address")).or_else(|| key.and_then(|k| text(k, "/ip_address")));
    let project = text(item, "/project/id");
    Some(Access {
        at,
        source: SourceKind::OpenaiAudit,
        principal,
        credential: if by_key { key.and_then(|k| text(k, "/id")) } else { None },
        other_credentials: Vec::new(),
        action: kind,
        resource: object.or(project),
        outcome: Outcome::Allowed,
        ip,
        user_agent: session.and_then(|s| text(s, "/user_agent")),
        region: None,
        lifecycle,
        event_id: text(item, "/id").unwrap_or_else(|| origin(path, line)),
        usage: None,
        origin: origin(path, line),
    })
}
