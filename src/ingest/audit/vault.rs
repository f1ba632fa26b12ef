//! HashiCorp Vault file audit device: request and response entries, joined so
//! that each request counts once. HMAC'd values are kept as opaque ids.

use std::collections::HashMap;

use serde_json::Value;

use super::{origin, text};
use crate::ingest::{framing::Located, time};
use crate::model::{Access, Evidence, Grant, GrantKind, InputSummary, Lifecycle, Outcome, Person, SourceKind};

/// Read whoever made them: revocations, and writes to ACL policies and auth roles.
pub const ALWAYS_READ: &[&str] =
    &["auth/token/revoke", "sys/leases/revoke", "sys/policy/", "sys/policies/acl/", "/role/"];

pub fn parse(path: &str, records: Vec<Located>, summary: &mut InputSummary, ev: &mut Evidence) {
    // Each request with the grant it makes, if any; a response replaces its request.
    let mut entries: Vec<(Access, Option<Grant>)> = Vec::new();
    let mut pending: HashMap<String, usize> = HashMap::new();
    for (line, rec) in records {
        let kind = text(&rec, "/type").unwrap_or_default();
        let Some(access) = access(path, line, &rec) else {
            summary.reject(line, "Vault audit entry without a readable time or request");
            continue;
        };
        summary.records += 1;
        let grant = policy_grant(&access, &rec);
        let key = pair_key(&rec);
        match kind.as_str() {
            "response" => match pending.remove(&key) {
                Some(i) => entries[i] = (access, grant),
                None => entries.push((access, grant)),
            },
            _ => {
                pending.insert(key, entries.len());
                entries.push((access, grant));
            }
        }
    }
    summary.relevant += entries.len();
    for (access, grant) in entries {
        ev.grants.extend(grant);
        ev.accesses.push(access);
    }
}

/// One line of a Vault audit log, for the streaming reader: a request pairs
/// with its response, which stands for it.
pub fn parse_line(bytes: &[u8]) -> Result<super::stream::LineRecord, String> {
    let rec = super::line_value(bytes)?;
    let access = access("", 0, &rec).ok_or("Vault audit entry without a readable time or request")?;
    let grant = policy_grant(&access, &rec);
    let response = text(&rec, "/type").as_deref() == Some("response");
    let pair = super::stream::Pair { key: pair_key(&rec), rank: u8::from(response), last: response };
    Ok(super::stream::LineRecord { access: Some(Box::new(access)), grant, pair: Some(pair) })
}

/// The request id joins a request to its response; where ids are masked, the
/// path, operation and client address stand in.
fn pair_key(rec: &Value) -> String {
    match text(rec, "/request/id").filter(|id| !id.chars().all(|c| c == '*')) {
        Some(id) => id,
        None => format!(
            "{}|{}|{}",
            text(rec, "/request/path").unwrap_or_default(),
            text(rec, "/request/operation").unwrap_or_default(),
            text(rec, "/request/remote_address").unwrap_or_default()
        ),
    }
}

fn access(path: &str, line: usize, rec: &Value) -> Option<Access> {
    let at = time::parse(&text(rec, "/time")?)?;
    let request_path = text(rec, "/request/path")?;
    let operation = text(rec, "/request/operation").unwrap_or_else(|| "unknown".into());
    let principal = text(rec, "/auth/display_name")
        .or_else(|| text(rec, "/auth/entity_id"))
        .or_else(|| text(rec, "/response/auth/display_name"))
        .unwrap_or_else(|| "(unauthenticated)".into());
    let denied = text(rec, "/error").or_else(|| {
        (rec.pointer("/auth/policy_results/allowed").and_then(Value::as_bool) == Some(false))
            .then(|| "permission denied".to_string())
    });
    let revoked = request_path.starts_with("auth/token/revoke") || request_path.starts_with("sys/leases/revoke");
    let lifecycle = if revoked && denied.is_none() {
        text(rec, "/request/data/token")
            .or_else(|| text(rec, "/request/data/accessor"))
            .or_else(|| text(rec, "/request/data/lease_id"))
            .map(|t| (Lifecycle::Deactivated, t))
    } else {
        None
    };
    let user_agent = rec
        .pointer("/request/headers/user-agent")
        .and_then(|v| v.as_array().and_then(|a| a.first()).or(Some(v)))
        .and_then(Value::as_str)
        .map(str::to_string);
    Some(Access {
        at,
        source: SourceKind::Vault,
        principal,
        // The token's HMAC is what a known token hashes to; its accessor is kept beside it.
        credential: text(rec, "/auth/client_token").or_else(|| text(rec, "/auth/accessor")),
        other_credentials: text(rec, "/auth/accessor").into_iter().collect(),
        action: operation,
        resource: Some(request_path),
        outcome: match denied {
            Some(e) => Outcome::Denied(e),
            None => Outcome::Allowed,
        },
        ip: text(rec, "/request/remote_address"),
        user_agent,
        region: None,
        lifecycle,
        event_id: text(rec, "/request/id").unwrap_or_else(|| origin(path, line)),
        usage: None,
        origin: origin(path, line),
    })
}

/// Writes to ACL policies and auth roles decide who may read which secrets.
fn policy_grant(access: &Access, rec: &Value) -> Option<Grant> {
    let resource = access.resource.as_deref()?;
    let writes = matches!(access.action.as_str(), "create" | "update");
    let name = resource
        .strip_prefix("sys/policies/acl/")
        .or_else(|| resource.strip_prefix("sys/policy/"))
        .map(|p| format!("policy:{p}"))
        .or_else(|| {
            let parts: Vec<&str> = resource.split('/').collect();
            (parts.len() >= 4 && parts[0] == "auth" && parts[parts.len() - 2] == "role")
                .then(|| format!("role:{resource}"))
        })?;
    if !writes || access.outcome != Outcome::Allowed {
        return None;
    }
    Some(Grant {
        kind: GrantKind::VaultPolicy,
        at: access.at,
        commit: None,
        path: format!("vault:{resource}"),
        line: None,
        actor: Person::new(access.principal.clone(), ""),
        introduced_by: None,
        settings: Vec::new(),
        scope: crate::model::Scope::Runtime,
        scope_reason: "a grant in the live store's audit log".to_string(),
        excerpt: format!("{} {name} (the policy body is HMAC'd in the audit log: named, not read)", access.action),
        secret_names: vec![name],
        context: super::record_context(rec),
        origin: access.origin.clone(),
    })
}
