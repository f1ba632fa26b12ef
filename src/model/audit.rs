//! Audited requests, from any secret store or cloud audit log.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::SourceKind;

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
}

/// Whether a string is an AWS access key id: public, logged by CloudTrail, and
/// unique to one credential (unlike an account id or an ARN).
pub fn is_access_key_id(value: &str) -> bool {
    value.len() == 20
        && (value.starts_with("AKIA") || value.starts_with("ASIA"))
        && value.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}
