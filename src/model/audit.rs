//! Audited requests, from any secret store or cloud audit log.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::SourceKind;
use super::texts::{Texts, Visit, walk};

/// Whether an audited request was allowed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "result", content = "error")]
pub enum Outcome {
    Allowed,
    Denied(String),
}

/// A lifecycle fact about a credential, read from an audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Issued,
    Deactivated,
    Deleted,
    Quarantined,
}

/// One audited request, from any secret store or cloud audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Access {
    pub at: DateTime<Utc>,
    pub source: SourceKind,
    /// Stable principal id (an ARN, a username, an entity id).
    pub principal: String,
    /// The credential the request was made with (an access key id, a token accessor).
    pub credential: Option<String>,
    /// Other ids of the same credential (a Vault token's accessor beside its HMAC).
    pub other_credentials: Vec<String>,
    pub action: String,
    pub resource: Option<String>,
    pub outcome: Outcome,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub region: Option<String>,
    /// A lifecycle fact this record states about a credential, and which credential.
    pub lifecycle: Option<(Lifecycle, String)>,
    pub event_id: String,
    pub origin: String,
    /// For aggregated usage (an LLM provider's usage buckets): what the period
    /// held. Such a record has no per-request address or user agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

impl Access {
    /// What was done, as reports and panes print it: the action, and for a usage
    /// bucket its model, volume and period (`usage.completions gpt-4o: 5352
    /// requests in 1 d`), since such a record has nothing else to show.
    pub fn what(&self) -> String {
        match &self.usage {
            Some(u) if u.period_s > 0 => {
                let model = u.model.as_deref().map(|m| format!(" {m}")).unwrap_or_default();
                let period = match u.period_s {
                    p if p % 86_400 == 0 => format!("{} d", p / 86_400),
                    p if p % 3_600 == 0 => format!("{} h", p / 3_600),
                    p => format!("{} min", p / 60),
                };
                format!("{}{model}: {} requests, {} tokens in {period}", self.action, u.requests, u.tokens)
            }
            _ => self.action.clone(),
        }
    }

    /// Where it came from: its address, or why there is none.
    pub fn from_where(&self) -> &str {
        match (&self.ip, &self.usage) {
            (Some(ip), _) => ip,
            (None, Some(u)) if u.period_s > 0 => "(usage bucket: no address)",
            (None, _) => "?",
        }
    }
}

/// Aggregated use of a credential over one period (a usage bucket).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
pub struct Usage {
    /// The bucket's width in seconds (60, 3600, 86400).
    pub period_s: i64,
    pub requests: u64,
    pub tokens: u64,
    pub model: Option<String>,
}

impl Usage {
    /// Requests per hour over the bucket, for comparing buckets of any width.
    pub fn hourly_rate(&self) -> f64 {
        self.requests as f64 * 3600.0 / self.period_s.max(1) as f64
    }
}

/// An API key as its provider lists it: the id its logs use, and the hint
/// (`sk-abc…wxyz`) that ties a leaked value to that id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, Default)]
pub struct ProviderKey {
    pub source: SourceKind,
    pub id: String,
    pub name: Option<String>,
    /// The provider's redacted form of the value (`redacted_value`, `partial_key_hint`).
    pub hint: Option<String>,
    /// Who owns or created it, as the provider names them.
    pub owner: Option<String>,
    pub created_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
    /// `active`, `inactive`, `archived`, `expired`; `None` where a listing holds only live keys.
    pub status: Option<String>,
    /// The project or workspace it belongs to.
    pub scope: Option<String>,
    pub origin: String,
}

impl ProviderKey {
    /// Whether the listing says the key no longer works.
    pub fn disabled(&self) -> bool {
        self.status.as_deref().is_some_and(|s| !s.eq_ignore_ascii_case("active"))
    }
}

/// Whether a string is an AWS access key id: public, logged by CloudTrail, and
/// unique to one credential (unlike an account id or an ARN).
pub fn is_access_key_id(value: &str) -> bool {
    value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

impl Texts for Outcome {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        match self {
            Outcome::Allowed => {}
            Outcome::Denied(why) => walk!(visit; prose why),
        }
    }
}

impl Texts for Access {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Access {
            at,
            source,
            principal,
            credential,
            other_credentials,
            action,
            resource,
            outcome,
            ip,
            user_agent,
            region,
            lifecycle,
            event_id,
            origin,
            usage,
        } = self;
        walk!(visit; at, source, principal, credential, other_credentials, action, outcome, ip, lifecycle, event_id);
        walk!(visit; origin, usage);
        walk!(visit; prose resource, user_agent, region);
    }
}

impl Texts for Usage {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let Usage { period_s, requests, tokens, model } = self;
        walk!(visit; period_s, requests, tokens, model);
    }
}

impl Texts for ProviderKey {
    fn texts(&mut self, visit: &mut Visit<'_>) {
        let ProviderKey { source, id, name, hint, owner, created_at, last_used_at, status, scope, origin } = self;
        walk!(visit; source, id, hint, owner, created_at, last_used_at, status, scope, origin);
        walk!(visit; prose name);
    }
}
