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

/// A server that answers every request with `reply` and hands back what each request held.
fn recording_server(reply: String) -> (String, std::sync::mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_millis(500)));
            let mut seen = Vec::new();
            let mut buf = [0; 4096];
            while let Ok(n) = stream.read(&mut buf) {
                if n == 0 {
                    break;
                }
                seen.extend_from_slice(&buf[..n]);
                if seen.windows(4).any(|w| w == b"\r\n\r\n") && seen.ends_with(b"}") {
                    break;
                }
            }
            let _ = tx.send(String::from_utf8_lossy(&seen).into_owned());
            let _ = stream.write_all(reply.as_bytes());
        }
    });
    (addr, rx)
}

#[test]
fn a_redirect_to_another_origin_gets_neither_the_token_nor_the_value() {
    let hash = format!("{{\"hash\":\"{HMAC}\"}}");
    let ok = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{hash}",
        hash.len()
    );
    let (elsewhere, stolen) = recording_server(ok);
    // Another host for the client: `localhost`, not `127.0.0.1`.
    let away = format!("{}/v1/sys/audit-hash/file", elsewhere.replace("127.0.0.1", "localhost"));
    let redirect = format!(
        "HTTP/1.1 307 Temporary Redirect\r\nlocation: {away}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
    );
    let (addr, asked) = recording_server(redirect);
    let dir = tempfile::tempdir().unwrap();
    let (scan, audit) = write_inputs(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(["check", "--scan", &scan, "--audit", &audit])
        .args(["--vault-addr", &addr, "--vault-hash-env", "VAULT_TOKEN=LEAKED_TOKEN"])
        .env("VAULT_TOKEN", ADMIN_TOKEN)
        .env("LEAKED_TOKEN", LEAKED)
        .output()
        .unwrap();
    let first = asked.recv_timeout(std::time::Duration::from_secs(5)).unwrap();
    assert!(first.contains(ADMIN_TOKEN), "Vault itself is asked: {first}");
    let went = stolen.recv_timeout(std::time::Duration::from_secs(2));
    assert!(went.is_err(), "followed to another origin: {went:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("redirect to http://localhost:") && err.contains("not followed"), "{err}");
    assert!(!err.contains(ADMIN_TOKEN) && !err.contains(&LEAKED[4..20]), "{err}");
}

#[test]
fn vault_s_error_text_never_repeats_the_token_or_the_value() {
    let said = format!("{{\"errors\":[\"bad token {ADMIN_TOKEN} for input {LEAKED}\"]}}");
    let reply = format!(
        "HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{said}",
        said.len()
    );
    let (addr, _asked) = recording_server(reply);
    let dir = tempfile::tempdir().unwrap();
    let (scan, audit) = write_inputs(dir.path());
    let out = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(["check", "--scan", &scan, "--audit", &audit])
        .args(["--vault-addr", &addr, "--vault-hash-env", "X=LEAKED_TOKEN"])
        .env("VAULT_TOKEN", ADMIN_TOKEN)
        .env("LEAKED_TOKEN", LEAKED)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("400") && err.contains("bad token"), "{err}");
    assert!(!err.contains(ADMIN_TOKEN) && !err.contains(&LEAKED[4..20]), "{err}");
}
