//! Matching known Vault values to the HMACs in its audit log: a table the user
//! gives (`--vault-hash LABEL=hmac-sha256:…`), or Vault's own
//! `sys/audit-hash/<device>` endpoint, asked with `VAULT_TOKEN` from the
//! environment (the token is sent, never printed or stored).

use serde_json::Value;

/// A known value's label and the HMAC the audit device logs for it.
pub type VaultHash = (String, String);

/// Why a lookup failed; never carries the token or the value hashed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultHashError {
    #[error("--vault-hash {0}: expected LABEL=hmac-sha256:…")]
    Table(String),
    #[error("--vault-addr needs VAULT_TOKEN in the environment")]
    NoToken,
    #[error("--vault-hash-env {0}: the environment variable is not set")]
    NoValue(String),
    #[error("{addr}: sys/audit-hash/{device}: {message}")]
    Request { addr: String, device: String, message: String },
}

/// `LABEL=hmac-sha256:…` from the command line.
pub fn parse_entry(arg: &str) -> Result<VaultHash, VaultHashError> {
    match arg.split_once('=') {
        Some((label, hmac)) if !label.is_empty() && hmac.starts_with("hmac-sha256:") => {
            Ok((label.to_string(), hmac.to_string()))
        }
        _ => Err(VaultHashError::Table(arg.to_string())),
    }
}

/// Ask Vault for the HMAC its audit device `device` logs for `input`.
pub fn audit_hash(addr: &str, device: &str, token: &str, input: &str) -> Result<String, VaultHashError> {
    let fail =
        |message: String| VaultHashError::Request { addr: addr.to_string(), device: device.to_string(), message };
    let url = format!("{}/v1/sys/audit-hash/{}", addr.trim_end_matches('/'), device.trim_matches('/'));
    let client = reqwest::blocking::Client::builder()
        .timeout(std::time::Duration::from_secs(15))
        .build()
        .map_err(|e| fail(e.to_string()))?;
    let response = client
        .post(&url)
        .header("X-Vault-Token", token)
        .json(&serde_json::json!({ "input": input }))
        .send()
        .map_err(|e| fail(e.without_url().to_string()))?;
    let status = response.status();
    let body: Value = response.json().map_err(|e| fail(format!("HTTP {status}: {}", e.without_url())))?;
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
        assert_eq!(parse_entry("VAULT_TOKEN=hmac-sha256:ab").unwrap(), ("VAULT_TOKEN".into(), "hmac-sha256:ab".into()));
        assert!(parse_entry("VAULT_TOKEN=plain").is_err());
        assert!(parse_entry("=hmac-sha256:ab").is_err());
    }
}
