//! Scanner output is untrusted too: a finding at a wrong line, two secrets on
//! one line, a finding that names no value — none of them may merge two
//! secrets into one (erasing one from the report) or lend one secret
//! another's revocation.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use leakline::correlate::{Context, correlate};
use leakline::ingest::{self, ReadOptions, SourceSpec};

const COMMIT: &str = "0123456789abcdef0123456789abcdef01234567";
const KEY_ID: &str = "AKIAQZ3MPLEKEY000042";
const OPENAI: &str = "sk-proj-Zq7Zt2LmX9pWbR4kNy8HsJdF3gT6uE1oA5iCc0MxAb";

fn finding(rule: &str, secret: Option<&str>, line: u32) -> serde_json::Value {
    let mut f = serde_json::json!({"RuleID": rule, "File": ".env", "StartLine": line, "Commit": COMMIT, "Date": "2026-04-13T16:00:00Z"});
    f["Secret"] = secret.map_or(serde_json::json!("REDACTED"), |s| s.into());
    f
}

fn case(findings: serde_json::Value, trail: &str) -> leakline::model::Case {
    let dir = tempfile::tempdir().unwrap();
    let scan = dir.path().join("gitleaks.json");
    std::fs::write(&scan, findings.to_string()).unwrap();
    let log = dir.path().join("trail.jsonl");
    std::fs::write(&log, trail).unwrap();
    let mut ev = ingest::load(&SourceSpec::Scan(None, scan), &ReadOptions::default()).unwrap();
    ev.merge(ingest::load(&SourceSpec::Audit(None, log), &ReadOptions::default()).unwrap());
    correlate(&ev, &Context::default())
}

/// The AWS key deleted: its revocation.
fn deleted() -> String {
    serde_json::json!({"eventVersion": "1.08", "eventTime": "2026-04-15T09:00:00Z", "eventSource": "iam.amazonaws.com", "eventName": "DeleteAccessKey", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.9", "userAgent": "console", "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/admin", "accessKeyId": "AKIAADMINADMINADMIN1"}, "requestParameters": {"userName": "svc", "accessKeyId": KEY_ID}, "eventID": "e9"}).to_string()
}

#[test]
fn two_secrets_at_one_place_stay_two_and_keep_their_own_revocations() {
    // The OpenAI finding names the AWS key's line: a wrong line, or both on one line.
    let case = case(
        serde_json::json!([finding("aws-access-token", Some(KEY_ID), 2), finding("openai-api-key", Some(OPENAI), 2)]),
        &deleted(),
    );
    let labels: Vec<&str> = case.secrets.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(case.secrets.len(), 2, "{labels:?}");
    let aws = case.secrets.iter().find(|s| s.kind == "aws_access_key").unwrap();
    let openai = case.secrets.iter().find(|s| s.kind == "openai_key").unwrap();
    assert!(aws.revoked_at.is_some(), "the AWS key was deleted");
    assert!(openai.revoked_at.is_none(), "the OpenAI key was not: it must not borrow the AWS key's revocation");
}

#[test]
fn a_finding_without_a_value_joins_the_one_secret_at_its_place_and_no_more() {
    let one =
        case(serde_json::json!([finding("openai-api-key", Some(OPENAI), 1), finding("openai-api-key", None, 1)]), "");
    assert_eq!(one.secrets.len(), 1, "the value-less finding is the same secret's");
    assert_eq!(one.secrets[0].findings.len(), 2);
    // Beside two secrets it could be either: it stands alone rather than merge them.
    let two = case(
        serde_json::json!([
            finding("aws-access-token", Some(KEY_ID), 2),
            finding("openai-api-key", Some(OPENAI), 2),
            finding("generic", None, 2)
        ]),
        &deleted(),
    );
    assert_eq!(
        two.secrets.len(),
        3,
        "{:?}",
        two.secrets.iter().map(|s| (&s.label, s.findings.len())).collect::<Vec<_>>()
    );
    assert_eq!(two.secrets.iter().filter(|s| s.revoked_at.is_some()).count(), 1);
}

#[test]
fn a_user_agent_that_names_a_key_is_not_its_issuance() {
    let created = serde_json::json!({"eventVersion": "1.08", "eventTime": "2026-04-10T10:00:00Z", "eventSource": "iam.amazonaws.com", "eventName": "CreateAccessKey", "awsRegion": "us-east-1", "sourceIPAddress": "198.51.100.7",
        "userAgent": format!("aws-cli/2 {KEY_ID} {{\"accessKeyId\":\"{KEY_ID}\"}}"),
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/admin", "accessKeyId": "AKIAADMINADMINADMIN1"},
        "requestParameters": {"userName": "svc"}, "responseElements": {"accessKey": {"accessKeyId": "AKIAOTHEROTHEROTHER1", "status": "Active", "userName": "svc"}}, "eventID": "e1"});
    let case = case(serde_json::json!([finding("aws-access-token", Some(KEY_ID), 2)]), &created.to_string());
    assert_eq!(case.secrets[0].issued, None, "the key created was another");
}
