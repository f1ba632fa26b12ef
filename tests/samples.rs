//! Real public samples of every format leakline reads (copied under
//! `tests/samples/`; also `../shared/samples/` when present): each is read with
//! no rejected record, and its facts come through.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use std::path::{Path, PathBuf};

use leakline::ingest::{ReadOptions, SourceSpec, load};
use leakline::model::{Evidence, SourceKind};

fn sample(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples").join(rel)
}

fn read(spec: SourceSpec) -> Evidence {
    let ev = load(&spec, &ReadOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    for input in &ev.inputs {
        assert_eq!(input.rejected, 0, "{}: {:?}", input.path, input.errors);
        assert!(input.records > 0, "{}: nothing read", input.path);
    }
    ev
}

#[test]
fn gitleaks_json_csv_and_sarif() {
    let ev = read(SourceSpec::Scan(None, sample("gitleaks")));
    let kinds: Vec<SourceKind> = ev.inputs.iter().map(|i| i.kind).collect();
    assert!(kinds.contains(&SourceKind::Gitleaks) && kinds.contains(&SourceKind::Sarif), "{kinds:?}");
    let aws = ev.findings.iter().filter(|f| f.rule == "aws-access-token").count();
    assert!(aws >= 2);
    // `Date` is when the commit was made, never a detection time.
    assert!(ev.findings.iter().all(|f| f.scanner != SourceKind::Gitleaks || f.detected_at.is_none()));
    assert!(ev.findings.iter().all(|f| !f.label.contains("secretAWSsecret")));
}

#[test]
fn trufflehog_v3_with_base64_raw_and_go_times() {
    let ev = read(SourceSpec::Scan(None, sample("trufflehog")));
    let aws = ev.findings.iter().find(|f| f.rule == "AWS").expect("AWS finding");
    assert!(aws.identifiers.iter().any(|i| i == "AKIAYVP4CIPPERUVIFXG"), "{:?}", aws.identifiers);
    assert!(aws.identifiers.iter().any(|i| i == "595918472158"));
    assert_eq!(aws.commit_time.map(|t| t.to_rfc3339()), Some("2022-06-16T17:17:40+00:00".to_string()));
    assert_eq!(aws.author.as_ref().map(|a| a.email.as_str()), Some("counter@counters-MacBook-Air.local"));
    assert_eq!(aws.verified, Some(true));
}

#[test]
fn github_alerts_rest_and_webhook() {
    let ev = read(SourceSpec::Scan(Some(SourceKind::GithubAlerts), sample("github-secret-scanning")));
    assert_eq!(ev.findings.len(), 2);
    let rest = ev.findings.iter().find(|f| f.rule == "adafruit_io_key" && f.detected_at.is_some()).expect("REST alert");
    assert_eq!(rest.detected_at.map(|t| t.to_rfc3339()), Some("2020-11-06T18:48:51+00:00".to_string()));
    assert!(rest.revoked_at.is_none(), "resolved as false positive, not revoked");
}

#[test]
fn other_scanners() {
    let np = read(SourceSpec::Scan(None, sample("noseyparker")));
    assert_eq!(np.findings[0].commit.as_deref(), Some("0ee84b84c29924b210e3576fe9d1e8632948bedc"));
    assert_eq!(np.findings[0].env_names, vec!["API_KEY"]);
    let ds = read(SourceSpec::Scan(None, sample("detect-secrets")));
    assert!(!ds.findings.is_empty());
    assert!(ds.findings.iter().all(|f| f.fingerprint.is_none()), "a baseline holds no values");
    read(SourceSpec::Scan(None, sample("sarif")));
}

#[test]
fn cloudtrail_arrays_and_key_lifecycle() {
    let ev = read(SourceSpec::Audit(None, sample("cloudtrail")));
    assert!(ev.accesses.iter().any(
        |a| a.credential.as_deref() == Some("AKIA1JMTHE9ZMZMWG0MG") && a.action == "secretsmanager:GetSecretValue"
    ));
    let issued = ev.accesses.iter().find(|a| a.action == "iam:CreateAccessKey").expect("CreateAccessKey");
    assert!(matches!(&issued.lifecycle, Some((leakline::model::Lifecycle::Issued, _))));
    assert!(ev.grants.iter().any(|g| g.kind == leakline::model::GrantKind::IamPolicy), "AttachUserPolicy is a grant");
}

#[test]
fn azure_key_vault_records_wrapper() {
    let ev = read(SourceSpec::Audit(None, sample("azure-keyvault")));
    let a = &ev.accesses[0];
    assert_eq!(a.action, "VaultGet");
    assert_eq!(a.principal, "live.com#username@outlook.com");
    assert_eq!(a.ip.as_deref(), Some("104.40.82.76"));
}

/// The shared sample set, where it is checked out beside the project.
#[test]
fn every_shared_sample_of_a_supported_format_reads_cleanly() {
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    let local = sample("");
    for root in [local, shared] {
        if !root.is_dir() {
            continue;
        }
        for (dir, audit) in [
            ("vault", true),
            ("k8s-audit", true),
            ("gcp-audit", true),
            ("cloudtrail", true),
            ("azure-keyvault", true),
            ("gitleaks", false),
            ("trufflehog", false),
            ("noseyparker", false),
            ("github-secret-scanning", false),
            ("detect-secrets", false),
            ("trufflehog3", false),
            ("gitlab-secret-detection", false),
            ("ggshield", false),
            ("secretlint", false),
            ("sarif", false),
        ] {
            let path = root.join(dir);
            if path.is_dir() {
                read(if audit { SourceSpec::Audit(None, path) } else { SourceSpec::Scan(None, path) });
            }
        }
    }
}

#[test]
fn gitlab_and_ggshield_reports() {
    let gl = read(SourceSpec::Scan(None, sample("gitlab-secret-detection")));
    let aws = gl.findings.iter().find(|f| f.rule == "AWS").expect("AWS finding");
    assert_eq!(aws.identifiers, ["AKIAIOSFODNN7EXAMPLE"]);
    assert!(aws.commit.is_none(), "the placeholder commit 0000000 is not a commit");
    assert!(aws.commit_time.is_none(), "nor is year 1 a date");
    let gg = read(SourceSpec::Scan(None, sample("ggshield")));
    assert!(!gg.findings.is_empty());
    let first = &gg.findings[0];
    assert_eq!(first.commit.as_deref(), Some("03a2bf6cba491559f8b760a2c9bf8dd9f53916a0"));
    assert!(first.fingerprint.is_none(), "ggshield masks matches");
    assert!(first.digests.iter().any(|d| d.starts_with("sha256:")), "its ignore_sha links it");
    assert_eq!(first.author.as_ref().map(|a| a.email.as_str()), Some("nihalcyberdude@gmail.com"));
}

#[test]
fn trufflehog3_and_secretlint_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let th3 = dir.path().join("th3.json");
    std::fs::write(
        &th3,
        r#"[{"rule":{"id":"aws-key","message":"AWS","severity":"HIGH"},"path":"keys","line":"4","secret":"AKIAYVP4CIPPERUVIFXG","context":{"4":"x"},"id":"a","branch":"main","message":"m","author":"counter <counter@example.com>","commit":"fbc14303ffbf8fb1c2c1914e8dda7d0121633aca","date":"2022-06-16T10:17:40-07:00"}]"#,
    )
    .unwrap();
    let ev = read(SourceSpec::Scan(None, th3));
    assert_eq!(ev.inputs[0].kind, SourceKind::Trufflehog3);
    assert_eq!(
        (ev.findings[0].line, ev.findings[0].identifiers.clone()),
        (Some(4), vec!["AKIAYVP4CIPPERUVIFXG".to_string()])
    );
    let sl = dir.path().join("sl.json");
    std::fs::write(
        &sl,
        r#"[{"filePath":"/w/keys","sourceContent":"a\nkey: ghp_abcdefghijklmnopqrstuvwxyz0123456789\n","messages":[{"ruleId":"@secretlint/secretlint-rule-github","range":[7,47],"loc":{"start":{"line":2,"column":5}},"data":{"TOKEN":"****"}}]}]"#,
    )
    .unwrap();
    let ev = read(SourceSpec::Scan(None, sl));
    let f = &ev.findings[0];
    assert_eq!((f.kind.as_str(), f.label.as_str(), f.line), ("github_token", "ghp_…6789", Some(2)));
    assert!(f.fingerprint.is_some(), "the value is taken from the range, then dropped");
}

#[test]
fn the_same_secret_from_every_scanner_is_one_secret() {
    // gitleaks (value), detect-secrets (SHA-1 only) and ggshield (SHA-256 only) of one value.
    let value = "ghp_abcdefghijklmnopqrstuvwxyz0123456789";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("gitleaks.json"),
        format!(r#"[{{"RuleID":"github-pat","Secret":"{value}","Match":"GITHUB_TOKEN={value}","File":"a.env","StartLine":1,"Commit":"1111111111111111111111111111111111111111"}}]"#),
    )
    .unwrap();
    let sha1 = leakline::ingest::redact::sha1(value);
    std::fs::write(
        dir.path().join(".secrets.baseline"),
        format!(r#"{{"version":"1.5.0","plugins_used":[],"results":{{"other/place.py":[{{"type":"GitHub Token","filename":"other/place.py","hashed_secret":"{sha1}","is_verified":false,"line_number":9}}]}}}}"#),
    )
    .unwrap();
    let sha256 = leakline::ingest::redact::sha256(value);
    std::fs::write(
        dir.path().join("ggshield.json"),
        format!(r#"{{"id":"x","type":"path-scan","entities_with_incidents":[{{"filename":"third.txt","incidents":[{{"type":"GitHub Token","ignore_sha":"{sha256}","occurrences":[{{"match":"ghp_*****","line_start":3}}]}}]}}]}}"#),
    )
    .unwrap();
    // detect-secrets names its baseline with a leading dot; force the kind.
    let mut ev = leakline::model::Evidence::default();
    for spec in [
        SourceSpec::Scan(None, dir.path().join("gitleaks.json")),
        SourceSpec::Scan(Some(SourceKind::DetectSecrets), dir.path().join(".secrets.baseline")),
        SourceSpec::Scan(None, dir.path().join("ggshield.json")),
    ] {
        ev.merge(read(spec));
    }
    let case = leakline::correlate::correlate(&ev, &Default::default());
    assert_eq!(case.secrets.len(), 1, "{:#?}", case.secrets.iter().map(|s| &s.findings).collect::<Vec<_>>());
    assert_eq!(case.secrets[0].findings.len(), 3);
}

#[test]
fn push_protection_bypass_and_resolution_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("alerts.json");
    std::fs::write(
        &path,
        r#"[{"number":3,"created_at":"2026-01-02T03:04:05Z","secret_type":"github_personal_access_token","secret":"ghp_abcdefghijklmnopqrstuvwxyz0123456789","state":"resolved","resolution":"revoked","resolved_at":"2026-01-03T00:00:00Z","resolved_by":{"login":"sec-lead"},"push_protection_bypassed":true,"push_protection_bypassed_by":{"login":"dev1"},"push_protection_bypass_request_reviewer":{"login":"lead2"},"publicly_leaked":true}]"#,
    )
    .unwrap();
    let ev = read(SourceSpec::Scan(None, path));
    let f = &ev.findings[0];
    assert_eq!(f.revoked_at.map(|t| t.to_rfc3339()), Some("2026-01-03T00:00:00+00:00".to_string()));
    assert_eq!(
        f.notes,
        [
            "alert resolved as revoked by sec-lead",
            "push protection bypassed by dev1, bypass approved by lead2",
            "publicly leaked"
        ]
    );
}

#[test]
fn github_audit_log_streamed_and_exported() {
    let ev = read(SourceSpec::Audit(None, sample("github-audit")));
    assert!(ev.inputs.iter().all(|i| i.kind == SourceKind::GithubAudit), "{:?}", ev.inputs);
    assert_eq!(ev.accesses.len(), 7);
    // The streamed log's base64 digest and the export's hex one are the same token.
    let tokens: std::collections::BTreeSet<&str> = ev.accesses.iter().filter_map(|a| a.credential.as_deref()).collect();
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let zip = ev.accesses.iter().find(|a| a.action.starts_with("repo.download_zip")).expect("download_zip");
    assert_eq!((zip.ip.as_deref(), zip.user_agent.as_deref()), (Some("203.0.113.77"), Some("python-requests/2.31.0")));
    assert_eq!(zip.at.to_rfc3339(), "2025-05-02T10:00:00.789+00:00");
}

#[test]
fn openai_audit_log_usage_and_key_listing() {
    let ev = read(SourceSpec::Audit(None, sample("openai")));
    let kinds: std::collections::BTreeSet<SourceKind> = ev.inputs.iter().map(|i| i.kind).collect();
    assert_eq!(
        kinds,
        [SourceKind::OpenaiAudit, SourceKind::OpenaiUsage, SourceKind::OpenaiKeys].into_iter().collect(),
        "{:?}",
        ev.inputs
    );
    use leakline::model::Lifecycle;
    let created = ev.accesses.iter().find(|a| a.action == "api_key.created").expect("created");
    assert_eq!(created.lifecycle, Some((Lifecycle::Issued, "key_agentProd01".into())));
    assert_eq!((created.principal.as_str(), created.ip.as_deref()), ("ana@example.com", Some("198.51.100.23")));
    let deleted = ev.accesses.iter().find(|a| a.action == "api_key.deleted").expect("deleted");
    assert_eq!(deleted.lifecycle, Some((Lifecycle::Deleted, "key_agentProd01".into())));
    assert_eq!(deleted.principal, "ben@example.com");
    // An event performed with the key is a use of it.
    let by_key = ev.accesses.iter().find(|a| a.action == "project.updated").expect("by key");
    assert_eq!(by_key.credential.as_deref(), Some("key_agentProd01"));
    // Usage: one access a (bucket, key, model) with requests; the empty bucket is read, not used.
    let usage: Vec<_> = ev.accesses.iter().filter(|a| a.source == SourceKind::OpenaiUsage).collect();
    assert_eq!(usage.len(), 11);
    assert!(usage.iter().all(|a| a.ip.is_none() && a.credential.as_deref() == Some("key_agentProd01")));
    let big = usage.iter().filter_map(|a| a.usage.as_ref()).find(|u| u.requests == 5400).expect("5400 requests");
    assert_eq!((big.period_s, big.model.as_deref()), (86_400, Some("gpt-4o-2024-08-06")));
    let usage_input = ev.inputs.iter().find(|i| i.kind == SourceKind::OpenaiUsage).unwrap();
    assert_eq!((usage_input.records, usage_input.relevant), (9, 8));
    assert_eq!(ev.keys.len(), 2);
    let key = ev.keys.iter().find(|k| k.id == "key_agentProd01").unwrap();
    assert_eq!((key.hint.as_deref(), key.owner.as_deref()), (Some("sk-proj-...t7Qz"), Some("ana@example.com")));
}

#[test]
fn anthropic_keys_usage_and_activity_feed() {
    let ev = read(SourceSpec::Audit(None, sample("anthropic")));
    let kinds: std::collections::BTreeSet<SourceKind> = ev.inputs.iter().map(|i| i.kind).collect();
    assert_eq!(kinds.len(), 3, "{:?}", ev.inputs);
    let archived = ev.keys.iter().find(|k| k.id == "apikey_01HkQ7pLr2mZ8vXy3TnBc4Dd").unwrap();
    assert!(archived.disabled());
    assert_eq!(archived.hint.as_deref(), Some("sk-ant-api03-xQ9...Zz1A"));
    let usage: Vec<_> = ev.accesses.iter().filter(|a| a.source == SourceKind::AnthropicUsage).collect();
    assert_eq!(usage.len(), 3);
    assert_eq!(usage[0].usage.as_ref().map(|u| u.tokens), Some(3700));
    let off = ev.accesses.iter().find(|a| a.action == "api_key_archived").unwrap();
    assert_eq!(
        off.lifecycle,
        Some((leakline::model::Lifecycle::Deactivated, "apikey_01HkQ7pLr2mZ8vXy3TnBc4Dd".into()))
    );
    assert_eq!(off.ip.as_deref(), Some("192.0.2.34"));
}

#[test]
fn litellm_spend_logs_and_key_audit() {
    let ev = read(SourceSpec::Audit(None, sample("litellm")));
    assert!(ev.inputs.iter().all(|i| i.kind == SourceKind::Litellm));
    let hashed = "sha256:34fa92db3725c53f6ad47258240bf0afc74f7f36b91b6508a7b72022ad4fd39e";
    let requests: Vec<_> = ev.accesses.iter().filter(|a| a.lifecycle.is_none()).collect();
    assert_eq!(requests.len(), 4);
    assert!(requests.iter().all(|a| a.credential.as_deref() == Some(hashed)));
    let curl = requests.iter().find(|a| a.user_agent.as_deref() == Some("curl/8.5.0")).unwrap();
    assert_eq!((curl.ip.as_deref(), curl.principal.as_str()), (Some("185.220.101.34"), "user svc-agent"));
    assert!(requests.iter().any(|a| matches!(a.outcome, leakline::model::Outcome::Denied(_))));
    let deleted = ev.accesses.iter().find(|a| a.principal == "ben@example.com").unwrap();
    assert_eq!(deleted.lifecycle, Some((leakline::model::Lifecycle::Deleted, hashed.into())));
}
