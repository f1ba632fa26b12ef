//! Anthropic API keys (`GET /v1/organizations/api_keys`): id, `partial_key_hint`
//! (`sk-ant-api03-R2D…igAA`), `status` (`active`, `inactive`, `archived`,
//! `expired`), who created it and when, and its workspace.

use super::super::{epoch_or_text, origin, text};
use crate::ingest::framing::Located;
use crate::model::{Evidence, InputSummary, ProviderKey, SourceKind};

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    super::super::items_each(path, records, summary, ev, |path, line, item, ev| {
        let id = text(item, "/id").ok_or("API key without id")?;
        ev.keys.push(ProviderKey {
            source: SourceKind::AnthropicKeys,
            id,
            name: text(item, "/name"),
            hint: text(item, "/partial_key_hint"),
            owner: text(item, "/created_by/id"),
            created_at: epoch_or_text(item.get("created_at")),
            last_used_at: None,
            status: text(item, "/status"),
            scope: text(item, "/workspace_id"),
            origin: origin(path, line),
        });
        Ok(true)
    });
}
