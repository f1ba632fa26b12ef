//! Known Vault values matched to the HMACs in its audit log: by the user's
//! table, or by asking Vault's `sys/audit-hash` (a local server that answers
//! with the endpoint's documented schema). The token is sent, never shown.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::process::Command;

const LEAKED: &str = "hvs.CAESIJleakedVaultTokenForTheTest0123456789";
const HMAC: &str = "hmac-sha256:5f1c0ffee0ddba115f1c0ffee0ddba115f1c0ffee0ddba115f1c0ffee0ddba11";
const ADMIN_TOKEN: &str = "s.adminTokenThatMustNotShow";

fn write_inputs(dir: &std::path::Path) -> (String, String) {
    let scan = dir.join("gitleaks.json");
    let finding = serde_json::json!([{
        "RuleID": "vault-service-token", "Secret": LEAKED, "Match": format!("VAULT_TOKEN={LEAKED}"),
        "File": "deploy/.env", "StartLine": 2, "Commit": "0123456789abcdef0123456789abcdef01234567",
        "Author": "Ana Ruiz", "Email": "ana@example.com", "Date": "2026-04-13T16:00:00Z"
    }]);
    std::fs::write(&scan, finding.to_string()).unwrap();
    let log = dir.join("vault.log");
    let entry = |time: &str, id: &str, ip: &str| {
        serde_json::json!({"time": time, "type": "response", "auth": {"client_token": HMAC, "accessor": "hmac-sha256:acc", "display_name": "token-ci"},
            "request": {"id": id, "operation": "read", "path": "secret/data/prod/db", "remote_address": ip}}).to_string()
    };
    let text = [
        entry("2026-04-10T10:00:00Z", "11111111-1111-4111-8111-111111111111", "10.0.0.5"),
        entry("2026-04-13T18:00:00Z", "22222222-2222-4222-8222-222222222222", "10.0.0.5"),
        entry("2026-04-13T19:00:00Z", "33333333-3333-4333-8333-333333333333", "198.51.100.77"),
    ]
    .join("\n");
    std::fs::write(&log, text).unwrap();
    (format!("gitleaks:{}", scan.display()), format!("vault:{}", log.display()))
}

fn replays(stdout: &[u8]) -> Vec<serde_json::Value> {
    let report: serde_json::Value = serde_json::from_slice(stdout).unwrap();
    report["replays"].as_array().unwrap().clone()
}

#[test]
fn a_table_entry_links_the_leaked_token_to_its_uses() {
    let dir = tempfile::tempdir().unwrap();
    let (scan, audit) = write_inputs(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args([
            "report",
            "--format",
            "json",
            "--scan",
            &scan,
            "--audit",
            &audit,
            "--vault-hash",
            &format!("VAULT_TOKEN={HMAC}"),
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let replays = replays(&out.stdout);
    assert_eq!(replays.len(), 1, "only the use from a new address: {replays:?}");
    assert_eq!(replays[0]["ip"], "198.51.100.77");
    assert_eq!(replays[0]["source"], "vault");
}

#[test]
fn vault_is_asked_for_the_hash_and_the_token_never_shows() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (stream, _) = listener.accept().unwrap();
        let mut reader = BufReader::new(stream.try_clone().unwrap());
        let mut request_line = String::new();
        reader.read_line(&mut request_line).unwrap();
        let mut headers = Vec::new();
        let mut length = 0;
        loop {
            let mut line = String::new();
            reader.read_line(&mut line).unwrap();
            if line.trim().is_empty() {
                break;
            }
            if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                length = v.trim().parse().unwrap();
            }
            headers.push(line.trim().to_string());
        }
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap();
        let reply = format!("{{\"hash\":\"{HMAC}\"}}");
        let mut stream = stream;
        write!(stream, "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}", reply.len()).unwrap();
        (request_line, headers, String::from_utf8(body).unwrap())
    });
    let dir = tempfile::tempdir().unwrap();
    let (scan, audit) = write_inputs(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(["report", "--format", "json", "--scan", &scan, "--audit", &audit])
        .args(["--vault-addr", &addr, "--vault-hash-env", "VAULT_TOKEN=LEAKED_TOKEN"])
        .env("VAULT_TOKEN", ADMIN_TOKEN)
        .env("LEAKED_TOKEN", LEAKED)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let (request_line, headers, body) = server.join().unwrap();
    assert!(request_line.starts_with("POST /v1/sys/audit-hash/file "), "{request_line}");
    assert!(headers.iter().any(|h| h.eq_ignore_ascii_case(&format!("x-vault-token: {ADMIN_TOKEN}"))), "{headers:?}");
    assert_eq!(serde_json::from_str::<serde_json::Value>(&body).unwrap()["input"], LEAKED);
    let shown = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert!(!shown.contains(ADMIN_TOKEN) && !shown.contains(&LEAKED[4..20]));
    assert_eq!(replays(&out.stdout).len(), 1);
}

#[test]
fn a_vault_that_refuses_is_one_clear_line() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut buf = [0; 4096];
        let _ = stream.read(&mut buf);
        let reply = "{\"errors\":[\"permission denied\"]}";
        let _ = write!(
            stream,
            "HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{reply}",
            reply.len()
        );
    });
    let dir = tempfile::tempdir().unwrap();
    let (scan, audit) = write_inputs(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args([
            "check",
            "--scan",
            &scan,
            "--audit",
            &audit,
            "--vault-addr",
            &addr,
            "--vault-hash-env",
            "X=LEAKED_TOKEN",
        ])
        .env("VAULT_TOKEN", ADMIN_TOKEN)
        .env("LEAKED_TOKEN", LEAKED)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("403") && err.contains("permission denied") && !err.contains(ADMIN_TOKEN), "{err}");
}
