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
    #[error("--vault-hash {0}: expected LABEL=hmac-sha256: and 64 hex digits, as Vault's audit log writes it")]
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
}
