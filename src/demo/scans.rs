//! The demo's scanner output: gitleaks JSON, trufflehog v3 JSON lines, and the
//! GitHub secret-scanning alert list — each as those tools write it.

use std::path::Path;

use base64::Engine;
use serde_json::json;

use super::repo::Leak;
use super::{ACCOUNT, AWS_KEY_ID, AWS_SECRET, DemoError, OPENAI_KEY, json_lines, write_file};

pub fn write(scans: &Path, leak: &Leak) -> Result<(), DemoError> {
    let date = leak.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    let gitleaks_finding = |rule: &str, desc: &str, line: u32, var: &str, secret: &str| {
        json!({"RuleID": rule, "Description": desc, "StartLine": line, "EndLine": line, "StartColumn": var.len() + 2,
            "EndColumn": var.len() + 1 + secret.len(), "Match": format!("{var}={secret}"), "Secret": secret, "File": ".env",
            "SymlinkFile": "", "Commit": leak.commit, "Entropy": 4.7, "Author": "Tom Okafor", "Email": "tom@northwind.dev",
            "Date": date, "Message": "Local dev: add env config", "Tags": [],
            "Fingerprint": format!("{}:.env:{rule}:{line}", leak.commit)})
    };
    let gitleaks = json!([
        gitleaks_finding(
            "aws-access-token",
            "Identified a pattern that may indicate AWS credentials, risking unauthorized cloud resource access and data breaches on AWS platforms.",
            1,
            "AWS_ACCESS_KEY_ID",
            AWS_KEY_ID
        ),
        gitleaks_finding(
            "openai-api-key",
            "Found an OpenAI API Key, posing a risk of unauthorized access to AI services and data manipulation.",
            4,
            "OPENAI_API_KEY",
            OPENAI_KEY
        ),
    ]);
    let pretty = serde_json::to_string_pretty(&gitleaks).unwrap_or_default();
    write_file(&scans.join("gitleaks-report.json"), pretty.as_bytes())?;

    let go_time = (leak.at - chrono::Duration::hours(7)).format("%Y-%m-%d %H:%M:%S -0700 PDT").to_string();
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let source = |line: u32| {
        json!({"Data": {"Git": {"commit": leak.commit, "file": ".env", "email": "Tom Okafor <tom@northwind.dev>",
        "repository": "git@github.com:northwind/ticket-agent.git", "timestamp": go_time, "line": line}}})
    };
    let trufflehog = [
        json!({"SourceMetadata": source(1), "SourceID": 1, "SourceType": 16, "SourceName": "trufflehog - git", "DetectorType": 2,
            "DetectorName": "AWS", "DecoderName": "PLAIN", "Verified": true, "Raw": b64(AWS_KEY_ID), "RawV2": b64(&format!("{AWS_KEY_ID}{AWS_SECRET}")),
            "Redacted": AWS_KEY_ID, "ExtraData": {"account": ACCOUNT, "arn": format!("arn:aws:iam::{ACCOUNT}:user/svc-ticket-agent"),
            "is_canary": "false", "user_id": "AIDA4NWTDEMOAGENT001"}, "StructuredData": null}),
        json!({"SourceMetadata": source(4), "SourceID": 1, "SourceType": 16, "SourceName": "trufflehog - git", "DetectorType": 1008,
            "DetectorName": "OpenAI", "DecoderName": "PLAIN", "Verified": true, "Raw": b64(OPENAI_KEY), "Redacted": "",
            "ExtraData": {"id": "org-northwind", "total_orgs": "1"}, "StructuredData": null}),
    ];
    write_file(&scans.join("trufflehog.jsonl"), json_lines(&trufflehog).as_bytes())?;

    let alert = |number: u64, secret_type: &str, display: &str, secret: &str, line: u32, resolved: bool| {
        json!({"number": number, "created_at": "2026-04-14T09:12:47Z", "updated_at": "2026-04-14T13:45:02Z",
            "url": format!("https://api.github.com/repos/northwind/ticket-agent/secret-scanning/alerts/{number}"),
            "html_url": format!("https://github.com/northwind/ticket-agent/security/secret-scanning/{number}"),
            "locations_url": format!("https://api.github.com/repos/northwind/ticket-agent/secret-scanning/alerts/{number}/locations"),
            "state": if resolved { "resolved" } else { "open" }, "resolution": if resolved { json!("revoked") } else { json!(null) },
            "resolved_at": if resolved { json!("2026-04-14T13:45:02Z") } else { json!(null) },
            "resolved_by": if resolved { json!({"login": "sofia-alvarez", "id": 58120331, "type": "User"}) } else { json!(null) },
            "secret_type": secret_type, "secret_type_display_name": display, "secret": secret, "validity": if resolved { "inactive" } else { "active" },
            "publicly_leaked": false, "multi_repo": false, "push_protection_bypassed": false,
            "first_location_detected": {"path": ".env", "start_line": line, "end_line": line, "start_column": 1, "end_column": 80,
                "blob_sha": "3f1a9c0e7b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a", "commit_sha": leak.commit}})
    };
    let alerts = json!([
        alert(2, "openai_api_key", "OpenAI API Key", OPENAI_KEY, 4, false),
        alert(1, "aws_access_key_id", "Amazon AWS Access Key ID", AWS_KEY_ID, 1, true),
    ]);
    let pretty = serde_json::to_string_pretty(&alerts).unwrap_or_default();
    write_file(&scans.join("github-secret-scanning-alerts.json"), pretty.as_bytes())
}
