//! Matching known Vault values to the HMACs in its audit log: a table the user
//! gives (`--vault-hash LABEL=hmac-sha256:…`), or Vault's own
//! `sys/audit-hash/<device>` endpoint, asked with `VAULT_TOKEN` from the
//! environment (the token is sent, never printed or stored). The token and
//! the value go only to the origin of `--vault-addr`: a redirect elsewhere (a
//! standby node pointing at the active one, or a hostile proxy) is refused.

use serde_json::Value;

/// A known value's label and the HMAC the audit device logs for it.
pub type VaultHash = (String, String);

/// Why a lookup failed; never carries the token or the value hashed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultHashError {
    #[error("--vault-hash {0}: expected LABEL=hmac-sha256: and 64 hex digits, as Vault's audit log writes it")]
    Table(String),
    #[error("--vault-addr needs VAULT_TOKEN in the environment")]
    NoToken,
    #[error("--vault-hash-env {0}: the environment variable is not set")]
    NoValue(String),
    #[error("{addr}: sys/audit-hash/{device}: {message}")]
    Request { addr: String, device: String, message: String },
    #[error("--vault-addr {0}: the token goes in VAULT_TOKEN, not in the address")]
    Credentials(String),
    #[error("--vault-addr: not an http:// or https:// address")]
    Address,
}

/// The largest answer read: Vault's is a few hundred bytes.
const MAX_ANSWER: u64 = 64 << 10;

/// `LABEL=hmac-sha256:…` from the command line.
pub fn parse_entry(arg: &str) -> Result<VaultHash, VaultHashError> {
    match arg.split_once('=') {
        // Vault writes the HMAC as `hmac-sha256:` and SHA-256's 64 hex digits.
        Some((label, hmac))
            if !label.is_empty()
                && hmac
                    .strip_prefix("hmac-sha256:")
                    .is_some_and(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit())) =>
        {
            Ok((label.to_string(), hmac.to_ascii_lowercase()))
        }
        // The value is never echoed: it may be the secret itself, pasted by mistake.
        Some((label, _)) if !label.is_empty() => Err(VaultHashError::Table(format!("{label}=…"))),
        _ => Err(VaultHashError::Table("…".to_string())),
    }
}

/// Ask Vault for the HMAC its audit device `device` logs for `input`.
pub fn audit_hash(addr: &str, device: &str, token: &str, input: &str) -> Result<String, VaultHashError> {
    let mut home = reqwest::Url::parse(addr).map_err(|_| VaultHashError::Address)?;
    if !matches!(home.scheme(), "http" | "https") || home.host_str().is_none_or(str::is_empty) {
        return Err(VaultHashError::Address);
    }
    if !home.username().is_empty() || home.password().is_some() {
        let _ = home.set_username("");
        let _ = home.set_password(None);
        return Err(VaultHashError::Credentials(home.to_string()));
    }
    // What Vault says is its text, and may quote what it was sent.
    let fail = |message: String| VaultHashError::Request {
        addr: addr.to_string(),
        device: device.to_string(),
        message: [token, input].iter().filter(|s| !s.is_empty()).fold(message, |m, s| m.replace(*s, "…")),
    };
    let url = format!("{}/v1/sys/audit-hash/{}", addr.trim_end_matches('/'), device.trim_matches('/'));
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .redirect(crate::ingest::same_origin::redirect_policy())
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let response = client
        .post(&url)
        .header("X-Vault-Token", token)
        .json(&serde_json::json!({ "input": input }))
        .send()
        .map_err(|e| fail(e.without_url().to_string()))?;
    let status = response.status();
    if status.is_redirection() {
        let from = reqwest::Url::parse(&url).unwrap_or(home);
        let why = crate::ingest::same_origin::refused_redirect(
            "Vault",
            status.as_u16(),
            &from,
            response.headers(),
            "VAULT_TOKEN (and the value hashed)",
        );
        return Err(fail(format!("{why}; name the active node with --vault-addr")));
    }
    let mut text = Vec::new();
    std::io::Read::read_to_end(&mut std::io::Read::take(response, MAX_ANSWER + 1), &mut text)
        .map_err(|_| fail(format!("HTTP {status}: the answer was cut off")))?;
    if text.len() as u64 > MAX_ANSWER {
        return Err(fail(format!("HTTP {status}: an answer larger than 64 KiB, which no hash is")));
    }
    let body: Value =
        serde_json::from_slice(&text).map_err(|_| fail(format!("HTTP {status}: the answer is not JSON")))?;
    if !status.is_success() {
        let errors = body.get("errors").map(Value::to_string).unwrap_or_default();
        return Err(fail(format!("HTTP {status} {errors}")));
    }
    // Older servers answer `{"hash": …}`, newer ones wrap it in `data`.
    body.get("hash")
        .or_else(|| body.pointer("/data/hash"))
        .and_then(Value::as_str)
        .filter(|h| h.starts_with("hmac-"))
        .map(str::to_string)
        .ok_or_else(|| fail("no hash in the response".to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_entries() {
        let hmac = format!("hmac-sha256:{}", "ab".repeat(32));
        assert_eq!(parse_entry(&format!("VAULT_TOKEN={hmac}")).unwrap(), ("VAULT_TOKEN".into(), hmac.clone()));
        assert_eq!(
            parse_entry(&format!("T={}", hmac.to_uppercase().replace("HMAC-SHA256", "hmac-sha256"))).unwrap().1,
            hmac
        );
        for bad in ["VAULT_TOKEN=plain", "x=hmac-sha256:zz", "x=hmac-sha256:ab", &format!("={hmac}")] {
            assert!(parse_entry(bad).is_err(), "{bad}");
        }
        let e = parse_entry("VAULT_TOKEN=hvs.CAESIJlongvaultokenvalue").unwrap_err().to_string();
        assert!(e.contains("VAULT_TOKEN=…") && !e.contains("hvs."), "{e}");
    }

    #[test]
    fn an_address_with_credentials_is_refused_before_any_request() {
        let e = audit_hash("https://root:s3cr3tpass@vault.example:8200", "file", "t", "v").unwrap_err();
        assert_eq!(e, VaultHashError::Credentials("https://vault.example:8200/".into()));
        assert_eq!(audit_hash("vault.example:8200", "file", "t", "v").unwrap_err(), VaultHashError::Address);
    }
}
