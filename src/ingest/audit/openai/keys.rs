//! OpenAI project API keys (`GET /v1/organization/projects/{id}/api_keys`) and
//! admin keys (`GET /v1/organization/admin_api_keys`): each key's id, its
//! redacted value (`sk-abc…wxyz`, what ties a leaked value to the id), its owner
//! and when it was made and last used. A listing holds live keys only.

use super::super::{epoch_or_text, origin, text};
use crate::ingest::framing::Located;
use crate::model::{Evidence, InputSummary, ProviderKey, SourceKind};

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    super::super::items_each(path, records, summary, ev, |path, line, item, ev| {
        let id = text(item, "/id").ok_or("API key without id")?;
        let owner = item.get("owner").and_then(|o| {
            o.get("user")
                .and_then(super::person)
                .or_else(|| o.get("service_account").and_then(super::person).map(|s| format!("service account {s}")))
                .or_else(|| super::person(o))
        });
        ev.keys.push(ProviderKey {
            source: SourceKind::OpenaiKeys,
            id,
            name: text(item, "/name"),
            hint: text(item, "/redacted_value"),
            owner,
            created_at: epoch_or_text(item.get("created_at")),
            last_used_at: epoch_or_text(item.get("last_used_at")),
            status: None,
            scope: text(item, "/project_id"),
            origin: origin(path, line),
        });
        Ok(true)
    });
}
