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
        ] {
            let path = root.join(dir);
            if path.is_dir() {
                read(if audit { SourceSpec::Audit(None, path) } else { SourceSpec::Scan(None, path) });
            }
        }
    }
}
