//! Where the secret was replayed: the joins and every replay reason, on
//! evidence built in the test, including the hard cases.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

use chrono::{DateTime, Duration, TimeZone, Utc};
use leakline::correlate::{Context, correlate};
use leakline::model::{
    Access, Case, CommitInfo, Evidence, Finding, Lifecycle, Outcome, Person, ReplayReason, SourceKind,
};

const KEY: &str = "AKIAEXAMPLEKEY000001";
const OTHER: &str = "AKIAEXAMPLEKEY000002";

fn t(minutes: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 13, 12, 0, 0).single().unwrap() + Duration::minutes(minutes)
}

fn finding(key: &str, commit: &str, line: u32) -> Finding {
    Finding {
        scanner: SourceKind::Gitleaks,
        rule: "aws-access-token".into(),
        kind: "aws_access_key".into(),
        label: format!("AKIA…{}", &key[16..]),
        fingerprint: Some(format!("hmac-sha256:{key}")),
        digests: Vec::new(),
        raw: None,
        identifiers: vec![key.into()],
        env_names: vec!["AWS_ACCESS_KEY_ID".into()],
        file: Some(".env".into()),
        line: Some(line),
        commit: Some(commit.into()),
        author: None,
        commit_time: Some(t(0)),
        detected_at: Some(t(600)),
        revoked_at: None,
        verified: None,
        notes: Vec::new(),
        alert: None,
        origin: "test".into(),
    }
}

fn use_at(minutes: i64, key: &str, ip: &str, ua: &str, action: &str) -> Access {
    Access {
        at: t(minutes),
        source: SourceKind::Cloudtrail,
        principal: "arn:aws:iam::1:user/svc".into(),
        credential: Some(key.into()),
        other_credentials: Vec::new(),
        action: action.into(),
        resource: None,
        outcome: Outcome::Allowed,
        ip: Some(ip.into()),
        user_agent: Some(ua.into()),
        region: Some("eu-west-1".into()),
        lifecycle: None,
        event_id: format!("e{minutes}-{ip}-{action}"),
        origin: "test".into(),
        usage: None,
    }
}

const BOTO: &str = "Boto3/1.34.84 md/Botocore#1.34.84";

fn evidence(findings: Vec<Finding>, accesses: Vec<Access>) -> Evidence {
    let commit = CommitInfo {
        id: "c0ffee0000000000000000000000000000000000".into(),
        at: t(0),
        summary: "leak".into(),
        author: Person::new("Ana", "ana@example.com"),
        committer: Person::new("Ana", "ana@example.com"),
        merged_by: None,
        pull_request: None,
        approvers: Vec::new(),
        other_trailers: Vec::new(),
        bot: false,
        forge: Default::default(),
    };
    Evidence { findings, accesses, commits: vec![commit], ..Default::default() }
}

fn run(ev: &Evidence) -> Case {
    correlate(ev, &Context::default())
}

fn reasons(case: &Case) -> Vec<(String, Vec<ReplayReason>)> {
    case.replays.iter().map(|r| (r.access.event_id.clone(), r.reasons.clone())).collect()
}

fn baseline() -> Vec<Access> {
    vec![use_at(-300, KEY, "52.18.44.10", BOTO, "s3:GetObject"), use_at(-200, KEY, "52.18.44.11", BOTO, "s3:PutObject")]
}

#[test]
fn the_services_own_use_after_exposure_is_not_a_replay() {
    let mut accesses = baseline();
    accesses.push(use_at(30, KEY, "52.18.44.10", "Boto3/1.35.0 md/Botocore#1.35.0", "s3:GetObject"));
    accesses.push(use_at(31, KEY, "52.18.44.77", BOTO, "s3:GetObject")); // same /24 network
    let case = run(&evidence(vec![finding(KEY, "c0ffee0000000000000000000000000000000000", 1)], accesses));
    assert!(case.replays.is_empty(), "{:?}", reasons(&case));
    assert_eq!(case.secrets[0].baseline_uses, 2);
}

#[test]
fn every_replay_reason() {
    let mut accesses = baseline();
    accesses.push(use_at(5, KEY, "185.220.101.34", BOTO, "s3:GetObject")); // new address, usual agent
    accesses.push(use_at(6, KEY, "52.18.44.10", "aws-cli/2.15.30", "s3:GetObject")); // usual address, new agent
    let mut other_principal = use_at(7, KEY, "52.18.44.10", BOTO, "s3:GetObject");
    other_principal.principal = "arn:aws:sts::1:assumed-role/x/y".into();
    accesses.push(other_principal);
    accesses.push(use_at(8, KEY, "52.18.44.10", BOTO, "sts:GetCallerIdentity")); // recon
    let mut denied = use_at(9, KEY, "185.220.101.34", BOTO, "iam:ListUsers");
    denied.outcome = Outcome::Denied("AccessDenied".into());
    accesses.push(denied);
    accesses.push(use_at(700, KEY, "185.220.101.34", BOTO, "s3:GetObject")); // after detection (t+600)
    let mut revoke = use_at(800, OTHER, "198.51.100.20", "console", "iam:UpdateAccessKey");
    revoke.principal = "arn:aws:iam::1:user/admin".into();
    revoke.lifecycle = Some((Lifecycle::Deactivated, KEY.into()));
    accesses.push(revoke);
    accesses.push(use_at(900, KEY, "52.18.44.10", BOTO, "s3:GetObject")); // after revocation, even from home
    let case = run(&evidence(vec![finding(KEY, "c0ffee0000000000000000000000000000000000", 1)], accesses));
    use ReplayReason::*;
    let got: Vec<Vec<ReplayReason>> = case.replays.iter().map(|r| r.reasons.clone()).collect();
    assert_eq!(
        got,
        vec![
            vec![NewIp],
            vec![NewUserAgent],
            vec![NewPrincipal],
            vec![ReconCall],
            vec![NewIp, ReconCall],
            vec![NewIp, AfterDetection],
            vec![AfterDetection, AfterRevocation],
        ]
    );
    assert!(matches!(case.replays[4].access.outcome, Outcome::Denied(_)), "denied attempts are replays too");
    assert_eq!(
        case.secrets[0].revoked_at,
        Some(t(800)),
        "revoked by another principal's key: not a use of the leaked one"
    );
    assert_eq!(case.secrets[0].replays_after_detection, 2);
    assert_eq!(case.secrets[0].first_replay_at, Some(t(5)));
}

#[test]
fn clock_skew_does_not_hide_an_early_replay() {
    let mut accesses = baseline();
    // Logged 30 s before the commit time: the clocks disagree, the address is new.
    let mut early = use_at(0, KEY, "185.220.101.34", BOTO, "s3:GetObject");
    early.at -= Duration::seconds(30);
    accesses.push(early);
    let case = run(&evidence(vec![finding(KEY, "c0ffee0000000000000000000000000000000000", 1)], accesses));
    assert_eq!(case.replays.len(), 1);
}

#[test]
fn two_secrets_in_one_commit_and_one_without_audit_data() {
    let mut accesses = baseline();
    accesses.push(use_at(5, KEY, "185.220.101.34", BOTO, "s3:GetObject"));
    let findings = vec![
        finding(KEY, "c0ffee0000000000000000000000000000000000", 1),
        finding(OTHER, "c0ffee0000000000000000000000000000000000", 2),
    ];
    let case = run(&evidence(findings, accesses));
    assert_eq!(case.secrets.len(), 2);
    let other = case.secrets.iter().find(|s| s.identifiers.contains(&OTHER.to_string())).unwrap();
    assert_eq!(other.uses, 0, "no audit record: replays unknown, not zero");
    assert!(case.replays.iter().all(|r| r.secret != other.id));
    let report: serde_json::Value =
        serde_json::from_str(&leakline::report::render(&case, leakline::report::Format::Json)).unwrap();
    let known: Vec<bool> =
        report["secrets"].as_array().unwrap().iter().map(|s| s["replays_known"].as_bool().unwrap()).collect();
    assert_eq!(known.iter().filter(|k| !**k).count(), 1);
}

#[test]
fn keys_the_leaked_key_created_are_its_reach() {
    let mut accesses = baseline();
    let mut create = use_at(10, KEY, "185.220.101.34", "aws-cli/2.15.30", "iam:CreateAccessKey");
    create.lifecycle = Some((Lifecycle::Issued, "AKIAATTACKERKEY00001".into()));
    accesses.push(create);
    accesses.push(use_at(20, "AKIAATTACKERKEY00001", "45.148.10.62", "python-requests/2.31", "s3:ListBuckets"));
    let case = run(&evidence(vec![finding(KEY, "c0ffee0000000000000000000000000000000000", 1)], accesses));
    assert!(case.secrets[0].identifiers.contains(&"AKIAATTACKERKEY00001".to_string()));
    assert!(case.replays.iter().any(|r| r.access.credential.as_deref() == Some("AKIAATTACKERKEY00001")));
}

#[test]
fn kubernetes_recon_is_recognised() {
    let mut list = use_at(5, KEY, "10.0.0.9", "kubectl/v1.29", "list");
    list.source = SourceKind::K8s;
    list.resource = Some("secrets".into());
    let mut accesses = vec![use_at(-100, KEY, "10.0.0.9", "kubectl/v1.29", "get")];
    accesses[0].source = SourceKind::K8s;
    accesses[0].resource = Some("pods/agents".into());
    accesses.push(list);
    let case = run(&evidence(vec![finding(KEY, "c0ffee0000000000000000000000000000000000", 1)], accesses));
    assert_eq!(case.replays.len(), 1);
    assert_eq!(case.replays[0].reasons, [ReplayReason::ReconCall]);
}

#[test]
fn classification_never_depends_on_input_order() {
    let mut accesses = baseline();
    for i in 0..40 {
        // The first five come before exposure, from home; later ones vary.
        let late = i >= 5;
        let ip = if late && i % 3 == 0 { "185.220.101.34" } else { "52.18.44.10" };
        let ua = if late && i % 5 == 0 { "aws-cli/2" } else { BOTO };
        let action = if late && i % 7 == 0 { "sts:GetCallerIdentity" } else { "s3:GetObject" };
        accesses.push(use_at(i * 20 - 100, KEY, ip, ua, action));
    }
    let findings = vec![finding(KEY, "c0ffee0000000000000000000000000000000000", 1)];
    let expected = reasons(&run(&evidence(findings.clone(), accesses.clone())));
    assert!(!expected.is_empty());
    // A deterministic shuffle, many times.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    for _ in 0..50 {
        for i in (1..accesses.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            accesses.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        assert_eq!(reasons(&run(&evidence(findings.clone(), accesses.clone()))), expected);
    }
}

/// A finding whose value is `value`, redacted by the scanner layer as any real one would be.
fn scanned(value: &str) -> Finding {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gitleaks.json");
    let report = serde_json::json!([{"RuleID": "generic", "Secret": value, "File": "creds.json", "StartLine": 1, "Commit": "c0ffee0000000000000000000000000000000000", "Date": "2026-04-13T12:00:00Z"}]);
    std::fs::write(&path, report.to_string()).unwrap();
    let ev = leakline::ingest::load(&leakline::ingest::SourceSpec::Scan(None, path), &Default::default()).unwrap();
    ev.findings.into_iter().next().unwrap()
}

#[test]
fn a_leaked_gcp_key_file_joins_by_its_key_id() {
    let key_file = serde_json::json!({"type": "service_account", "project_id": "p", "private_key_id": "0123456789abcdef0123456789abcdef01234567", "private_key": "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n", "client_email": "agent@p.iam.gserviceaccount.com"}).to_string();
    let finding = scanned(&key_file);
    assert_eq!(finding.kind, "gcp_service_account_key");
    let mut before =
        use_at(-100, "0123456789abcdef0123456789abcdef01234567", "10.0.0.5", "grpc-python/1.60", "AccessSecretVersion");
    before.source = SourceKind::Gcp;
    let mut after =
        use_at(30, "0123456789abcdef0123456789abcdef01234567", "203.0.113.9", "curl/8.0", "AccessSecretVersion");
    after.source = SourceKind::Gcp;
    let case = run(&evidence(vec![finding], vec![before, after]));
    assert_eq!(case.replays.len(), 1);
    assert!(case.replays[0].reasons.contains(&ReplayReason::NewIp));
}

#[test]
fn a_leaked_service_account_token_joins_by_its_credential_id() {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let payload = r#"{"iss":"https://kubernetes.default.svc","sub":"system:serviceaccount:agents:ticket-agent","jti":"7f3c2a10-0000-4000-8000-000000000001"}"#;
    let token = format!("{}.{}.{}", b64(r#"{"alg":"RS256"}"#), b64(payload), b64("signature-bytes-here"));
    let finding = scanned(&token);
    assert_eq!(finding.kind, "k8s_service_account_token");
    assert!(finding.identifiers.contains(&"JTI=7f3c2a10-0000-4000-8000-000000000001".to_string()));
    let mut used = use_at(30, "JTI=7f3c2a10-0000-4000-8000-000000000001", "203.0.113.9", "kubectl/v1.29", "list");
    used.source = SourceKind::K8s;
    used.resource = Some("secrets".into());
    let case = run(&evidence(vec![finding], vec![used]));
    assert_eq!(case.replays.len(), 1, "no baseline: every use after exposure is a replay");
    assert!(case.replays[0].reasons.contains(&ReplayReason::ReconCall));
}

#[test]
fn slow_revocation_and_an_old_key_are_identity_gaps() {
    let mut issue = use_at(-200 * 24 * 60, OTHER, "198.51.100.20", "console", "iam:CreateAccessKey");
    issue.principal = "arn:aws:iam::1:user/admin".into();
    issue.lifecycle = Some((Lifecycle::Issued, KEY.into()));
    let mut revoke = use_at(600 + 25 * 60, OTHER, "198.51.100.20", "console", "iam:DeleteAccessKey");
    revoke.principal = "arn:aws:iam::1:user/admin".into();
    revoke.lifecycle = Some((Lifecycle::Deleted, KEY.into()));
    let case = run(&evidence(vec![finding(KEY, "c0ffee0000000000000000000000000000000000", 1)], vec![issue, revoke]));
    let identity = case.accountability.iter().find(|a| a.role == leakline::model::Role::Identity).unwrap();
    let gaps: Vec<&str> = identity.gaps.iter().map(|g| g.text.as_str()).collect();
    assert!(gaps.iter().any(|g| g.contains("revoked 25 hours after detection")), "{gaps:?}");
    assert!(gaps.iter().any(|g| g.contains("200 days old")), "{gaps:?}");
    assert_eq!(case.metrics.time_to_revoke_s, Some(25 * 3600));
}

#[test]
fn an_access_that_names_the_key_twice_is_one_use_and_one_replay() {
    let mut accesses = baseline();
    let mut twice = use_at(40, KEY, "185.220.101.34", "curl/8.5.0", "sts:GetCallerIdentity");
    twice.other_credentials.push(KEY.into());
    accesses.push(twice);
    let case = run(&evidence(vec![finding(KEY, "c0ffee0000000000000000000000000000000000", 1)], accesses));
    assert_eq!(case.secrets[0].uses, 3);
    assert_eq!(case.replays.len(), 1, "{:?}", reasons(&case));
}
