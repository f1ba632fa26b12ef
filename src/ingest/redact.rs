//! The door through which raw secret values pass exactly once: each is turned
//! into a fingerprint, a kind and a redacted label, and then dropped.

use hmac::{KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The per-case key that fingerprints are computed under: fingerprints match
/// across runs of one case but cannot be brute-forced from a report alone.
#[derive(Clone, PartialEq, Eq)]
pub struct CaseKey(pub [u8; 32]);

impl std::fmt::Debug for CaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CaseKey(…)")
    }
}

impl Default for CaseKey {
    /// A fixed key, for tests and for runs that name no case (fingerprints then
    /// only link within one run's inputs, which is all they are used for).
    fn default() -> Self {
        CaseKey(*b"leakline default fingerprint key")
    }
}

impl CaseKey {
    /// `hmac-sha256:` of the value under this key.
    pub fn fingerprint(&self, value: &str) -> String {
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        mac.update(value.as_bytes());
        format!("hmac-sha256:{}", hex(&mac.finalize().into_bytes()))
    }

    /// A seal over `parts` under this key (each part length-prefixed, so no two
    /// lists of parts seal alike): what the case store keeps beside an entry to
    /// know it wrote it.
    pub fn seal(&self, parts: &[&[u8]]) -> String {
        let mut mac = hmac::Hmac::<Sha256>::new_from_slice(&self.0).unwrap_or_else(|_| unreachable!());
        for part in parts {
            mac.update(&(part.len() as u64).to_le_bytes());
            mac.update(part);
        }
        hex(&mac.finalize().into_bytes())
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-1 hex of the value: what detect-secrets stores (`hashed_secret`).
/// A URL as it may be shown: any user and password in it left out
/// (`https://x:ghp_…@github.com/o/r` → `https://github.com/o/r`).
pub fn url_without_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_once('/').map_or((rest, ""), |(a, p)| (a, p));
            let host = authority.rsplit('@').next().unwrap_or(authority);
            if path.is_empty() { format!("{scheme}://{host}") } else { format!("{scheme}://{host}/{path}") }
        }
        None => url.rsplit_once('@').map_or(url, |(_, r)| r).to_string(),
    }
}

pub fn sha1(value: &str) -> String {
    hex(&sha1::Sha1::digest(value.as_bytes()))
}

/// Plain SHA-256 hex of the value: what ggshield stores (`ignore_sha`).
pub fn sha256(value: &str) -> String {
    hex(&Sha256::digest(value.as_bytes()))
}

/// What is kept of a secret value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    pub kind: String,
    pub label: String,
    pub fingerprint: String,
    /// Unkeyed digests, only to match scanners that store them; never shown.
    pub sha1: String,
    pub sha256: String,
    /// The value itself when it is an identifier that is not secret (an AWS access key id).
    pub identifier: Option<String>,
}

/// Known prefixes: (prefix, kind, how much of the prefix is safe to show).
const PREFIXES: &[(&str, &str, usize)] = &[
    ("AKIA", "aws_access_key", 4),
    ("ASIA", "aws_access_key", 4),
    ("sk-ant-", "anthropic_key", 7),
    ("sk-proj-", "openai_key", 8),
    ("sk-svcacct-", "openai_key", 11),
    ("sk-", "openai_key", 3),
    ("ghp_", "github_token", 4),
    ("gho_", "github_token", 4),
    ("ghs_", "github_token", 4),
    ("ghu_", "github_token", 4),
    ("github_pat_", "github_token", 11),
    ("glpat-", "gitlab_token", 6),
    ("hvs.", "vault_token", 4),
    ("hvb.", "vault_token", 4),
    ("xoxb-", "slack_token", 5),
    ("xoxp-", "slack_token", 5),
    ("hf_", "huggingface_token", 3),
    ("AIza", "google_api_key", 4),
    ("-----BEGIN", "private_key", 0),
];

/// Rule or detector names that tell the kind when the value does not.
const RULE_HINTS: &[(&str, &str)] = &[
    ("aws", "aws_access_key"),
    ("openai", "openai_key"),
    ("anthropic", "anthropic_key"),
    ("github", "github_token"),
    ("gitlab", "gitlab_token"),
    ("vault", "vault_token"),
    ("slack", "slack_token"),
    ("private", "private_key"),
    ("gcp", "gcp_service_account_key"),
    ("google", "gcp_service_account_key"),
];

/// The kind of a secret, from its value first and the scanner's rule name second.
pub fn classify(value: &str, rule: &str) -> String {
    if let Some((_, kind, _)) = PREFIXES.iter().find(|(p, _, _)| value.starts_with(p)) {
        return (*kind).to_string();
    }
    let rule = rule.to_ascii_lowercase();
    RULE_HINTS.iter().find(|(hint, _)| rule.contains(hint)).map_or("generic", |(_, kind)| kind).to_string()
}

/// Whether a token looks like a secret value rather than code or prose: a
/// known credential prefix, a long mix of upper case, lower case and digits,
/// or a long hex or base64 run. Identifiers (`ChatOpenAI`), names
/// (`OPENAI_API_KEY`), model ids (`gpt-4-1106-preview`) and paths do not.
pub fn looks_secret(token: &str) -> bool {
    let t = token.trim_matches(|c| c == '"' || c == '\'');
    if t.len() >= 12 && PREFIXES.iter().any(|(p, _, _)| !p.starts_with('-') && t.starts_with(p)) {
        return true;
    }
    if t.len() < 20 || t.contains("://") {
        return false;
    }
    let (lower, upper, digit) = (
        t.chars().any(|c| c.is_ascii_lowercase()),
        t.chars().any(|c| c.is_ascii_uppercase()),
        t.chars().filter(|c| c.is_ascii_digit()).count(),
    );
    let hex = t.len() >= 32 && t.chars().all(|c| c.is_ascii_hexdigit()) && digit > 0;
    (lower && upper && digit > 0) || hex
}

/// A label that identifies the secret to a human without revealing it: the
/// kind's safe prefix and the last four characters (only for long values).
pub fn label(value: &str) -> String {
    let prefix_len = PREFIXES.iter().find(|(p, _, _)| value.starts_with(p)).map_or(0, |(_, _, safe)| *safe);
    let chars: Vec<char> = value.trim().chars().collect();
    let prefix: String = chars.iter().take(prefix_len).collect();
    if chars.len() < prefix_len + 12 || chars.iter().any(|c| c.is_whitespace()) {
        return format!("{prefix}…");
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{prefix}…{tail}")
}

pub use crate::model::is_access_key_id as is_aws_key_id;

/// Non-secret ids inside a secret that audit logs name: a GCP service-account
/// key's `private_key_id` and `client_email`; a Kubernetes service-account
/// token's `JTI=` credential id and subject. Read here, before the value goes.
pub fn embedded_identifiers(value: &str) -> (Option<String>, Vec<String>) {
    if value.contains("private_key_id")
        && let Ok(json) = serde_json::from_str::<serde_json::Value>(value)
        && json.get("type").and_then(|t| t.as_str()) == Some("service_account")
    {
        let ids = ["private_key_id", "client_email"]
            .iter()
            .filter_map(|k| json.get(*k).and_then(|v| v.as_str()).map(str::to_string))
            .collect();
        return (Some("gcp_service_account_key".to_string()), ids);
    }
    let parts: Vec<&str> = value.split('.').collect();
    if parts.len() == 3 && value.starts_with("eyJ") {
        use base64::Engine;
        let payload = base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(parts[1].trim_end_matches('='));
        if let Ok(json) = payload.as_deref().map(serde_json::from_slice::<serde_json::Value>)
            && let Ok(json) = json
        {
            let sub = json.get("sub").and_then(|v| v.as_str()).filter(|s| s.starts_with("system:serviceaccount:"));
            if let Some(sub) = sub {
                let mut ids = vec![sub.to_string()];
                ids.extend(json.get("jti").and_then(|v| v.as_str()).map(|j| format!("JTI={j}")));
                return (Some("k8s_service_account_token".to_string()), ids);
            }
        }
    }
    (None, Vec::new())
}

/// Redact a raw value seen by a scanner.
pub fn redact(value: &str, rule: &str, key: &CaseKey) -> Redacted {
    let value = value.trim();
    let kind = classify(value, rule);
    Redacted {
        label: label(value),
        fingerprint: key.fingerprint(value),
        sha1: sha1(value),
        sha256: sha256(value),
        identifier: is_aws_key_id(value).then(|| value.to_string()),
        kind,
    }
}

/// What is kept of a value that must be stored before any case key is known
/// (the forge cache): its kind, its redacted label, the identifiers that are
/// not secret, and the unkeyed digests that let it join scanners that store
/// them. Never the value, never a fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Sealed {
    pub kind: String,
    pub label: String,
    pub sha1: String,
    pub sha256: String,
    pub identifiers: Vec<String>,
}

pub fn seal(value: &str, rule: &str) -> Sealed {
    let r = redact(value, rule, &CaseKey::default());
    let (kind, mut identifiers) = embedded_identifiers(value.trim());
    identifiers.extend(r.identifier);
    Sealed { kind: kind.unwrap_or(r.kind), label: r.label, sha1: r.sha1, sha256: r.sha256, identifiers }
}

/// The variable a value was assigned to in a matched line: `OPENAI_API_KEY=sk-…`
/// gives `OPENAI_API_KEY`. The match text is dropped after this.
pub fn env_name_in(matched: &str, value: &str) -> Option<String> {
    let before = match matched.find(value) {
        Some(i) if !value.is_empty() => &matched[..i],
        _ => matched.split(['=', ':']).next()?,
    };
    let trimmed =
        before.trim_end_matches(|c: char| c.is_whitespace() || matches!(c, '=' | ':' | '"' | '\'' | '(' | ','));
    let name: String = trimmed
        .chars()
        .rev()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    let plausible = name.len() >= 3
        && name.chars().any(|c| c.is_ascii_uppercase())
        && !name.chars().any(|c| c.is_ascii_lowercase())
        && !name.starts_with(|c: char| c.is_ascii_digit());
    plausible.then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_keep_only_safe_prefix_and_last_four() {
        assert_eq!(label("AKIAZ3MPLEKEY0000042"), "AKIA…0042");
        assert_eq!(label("sk-proj-abcdefghijklmnopqrstuvwxyz12"), "sk-proj-…yz12");
        assert_eq!(label("short"), "…");
        assert_eq!(classify("whatever", "aws-access-token"), "aws_access_key");
    }

    #[test]
    fn fingerprints_are_keyed() {
        let (a, b) = (CaseKey([1; 32]), CaseKey([2; 32]));
        assert_ne!(a.fingerprint("AKIAZ3MPLEKEY0000042"), b.fingerprint("AKIAZ3MPLEKEY0000042"));
        assert_eq!(a.fingerprint("x"), a.fingerprint("x"));
        assert!(a.fingerprint("x").starts_with("hmac-sha256:"));
        assert_eq!(sha1("secret"), "e5e9fa1ba31ecd1ae84f75caaa474f3a663f05f4");
    }

    #[test]
    fn env_names_come_from_the_assignment() {
        assert_eq!(env_name_in("OPENAI_API_KEY=sk-proj-xyz", "sk-proj-xyz").as_deref(), Some("OPENAI_API_KEY"));
        assert_eq!(
            env_name_in("  aws_key = \"AKIA\"", "AKIA").as_deref(),
            None,
            "lower-case names are code, not environment variables"
        );
    }
}
