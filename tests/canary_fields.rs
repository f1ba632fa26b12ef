//! A value a scanner found is masked in every text field of the evidence, by
//! construction: one test builds evidence in which every field of every record
//! type holds the value (struct literals without `..`, so a new field does not
//! compile here until it is filled; no field left empty, checked through its
//! JSON), masks it and reads every field back through `Debug`, which shows
//! fields the reports skip. The other plants the value where real logs put
//! addresses, policy names, team names and alert addresses, and reads every
//! channel: the four report formats, `check`, every TUI screen and the case store.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use base64::Engine;
use chrono::{DateTime, TimeZone, Utc};
use common::repo::Repo;
use leakline::model::*;

/// Mixed case, digits and a scanner's own report: no look alone masks it in a name field.
const VALUE: &str = "ghp_CANARYfields8Jq2Wm5Rz7Tx3Vb9Nd4Lf6";

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 14, 10, 0, 0).single().unwrap()
}

/// A text holding the value amid other words, as a field would.
fn t(what: &str) -> String {
    format!("{what} {VALUE} end")
}

fn person() -> Person {
    Person { name: t("name"), email: t("email") }
}

fn commit_info() -> CommitInfo {
    CommitInfo {
        id: t("id"),
        at: at(),
        summary: t("summary"),
        author: person(),
        committer: person(),
        merged_by: Some(person()),
        pull_request: Some(7),
        approvers: vec![Approver {
            name: t("approver"),
            email: t("email"),
            login: Some(t("login")),
            via: t("via"),
            role: t("role"),
            own: false,
        }],
        other_trailers: vec![(t("trailer"), person())],
        bot: false,
        forge: ForgeCheck::Pull {
            number: 7,
            url: t("url"),
            author: Some(t("author")),
            merged_by: Some(t("merger")),
            stale: vec![t("stale")],
        },
    }
}

fn introduced() -> Introduced {
    Introduced { commit: t("commit"), author: person(), at: at(), pull_request: Some(7) }
}

fn access(outcome: Outcome) -> Access {
    Access {
        at: at(),
        source: SourceKind::Cloudtrail,
        principal: t("principal"),
        credential: Some(t("credential")),
        other_credentials: vec![t("other")],
        action: t("action"),
        resource: Some(t("resource")),
        outcome,
        ip: Some(t("ip")),
        user_agent: Some(t("ua")),
        region: Some(t("region")),
        lifecycle: Some((Lifecycle::Issued, t("issued"))),
        event_id: t("event"),
        origin: t("origin"),
        usage: Some(Usage { period_s: 3600, requests: 1, tokens: 2, model: Some(t("model")) }),
    }
}

fn grant() -> Grant {
    Grant {
        kind: GrantKind::VaultPolicy,
        at: at(),
        commit: Some(commit_info()),
        path: t("path"),
        line: Some(3),
        actor: person(),
        introduced_by: Some(introduced()),
        secret_names: vec![t("policy")],
        settings: vec![t("setting")],
        scope: Scope::Runtime,
        scope_reason: t("reason"),
        excerpt: t("excerpt"),
        context: vec![ContextLine { number: Some(1), text: t("context"), marked: true }],
        origin: t("origin"),
    }
}

fn finding(raw: Option<RawValue>) -> Finding {
    // The label is what the value is masked to: it cannot hold the value itself.
    let label = if raw.is_some() { "ghp_…Lf6".to_string() } else { t("label") };
    Finding {
        scanner: SourceKind::Gitleaks,
        rule: t("rule"),
        kind: t("kind"),
        label,
        fingerprint: Some(t("fingerprint")),
        digests: vec![t("digest")],
        raw,
        identifiers: vec![t("identifier")],
        env_names: vec![t("env")],
        file: Some(t("file")),
        line: Some(1),
        commit: Some(t("commit")),
        author: Some(person()),
        commit_time: Some(at()),
        detected_at: Some(at()),
        revoked_at: Some(at()),
        verified: Some(true),
        notes: vec![t("note")],
        alert: Some(AlertFacts {
            number: Some(1),
            url: Some(t("html_url")),
            state: Some(t("state")),
            resolution: Some(t("resolution")),
            resolved_by: Some(t("resolver")),
            resolved_at: Some(at()),
            bypass: Some(Bypass {
                by: Some(t("by")),
                at: Some(at()),
                reviewer: Some(t("reviewer")),
                request_url: Some(t("request")),
            }),
        }),
        origin: t("origin"),
    }
}

fn change() -> DependencyChange {
    DependencyChange {
        package: t("package"),
        ecosystem: t("ecosystem"),
        manifest: t("manifest"),
        change: ChangeKind::Moved,
        from: Some(t("from")),
        to: Some(t("to")),
        from_version: Some(t("from_version")),
        to_version: Some(t("to_version")),
        commit: commit_info(),
        owners: vec![t("@team")],
        lockfile: true,
        transitive: false,
        diff: vec![t("diff")],
        touches_wiring: true,
        introduced_by: Some(introduced()),
        approved: true,
        moved_from: Some(t("moved_from")),
        net_change: Some(ChangeKind::Upgraded),
        advisories: vec![AdvisoryMark {
            id: t("id"),
            aliases: vec![t("alias")],
            effect: AdvisoryEffect::Adopts,
            version: Some(t("version")),
            range: true,
            summary: t("summary"),
            published: Some(at()),
            severity: Some(t("severity")),
            fixed: Some(t("fixed")),
            affected_from: Some(at()),
            affected_until: Some(at()),
        }],
    }
}

fn forge() -> ForgeAnswers {
    let pull = PullReview {
        number: 7,
        url: t("url"),
        author: Some(t("author")),
        merged_by: Some(t("merger")),
        merged_at: Some(at()),
        head: Some(t("head")),
        merge_commit: Some(t("merge")),
        approvals: vec![ForgeApproval {
            login: t("login"),
            name: Some(t("name")),
            at: Some(at()),
            commit: Some(t("c")),
        }],
        reviews_read: 1,
    };
    ForgeAnswers {
        forge: t("forge"),
        pulls: BTreeMap::from([(7, pull)]),
        commit_pulls: BTreeMap::from([(t("commit"), vec![7])]),
        unanswered: BTreeMap::from([(t("asked"), t("why"))]),
        findings: vec![finding(None)],
        alerts_read: Some(1),
        alerts_unread: Some(t("unread")),
        stopped: Some(t("stopped")),
        pending: false,
    }
}

fn advisory() -> Advisory {
    Advisory {
        id: t("id"),
        aliases: vec![t("alias")],
        summary: t("summary"),
        published: Some(at()),
        modified: Some(at()),
        withdrawn: Some(at()),
        affected: vec![Affected {
            ecosystem: t("ecosystem"),
            package: t("package"),
            ranges: vec![AffectedRange {
                kind: t("kind"),
                events: vec![
                    RangeEvent::Introduced(t("a")),
                    RangeEvent::Fixed(t("b")),
                    RangeEvent::LastAffected(t("c")),
                    RangeEvent::Limit(t("d")),
                ],
            }],
            versions: vec![t("version")],
        }],
        references: vec![t("reference")],
        severity: Some(t("severity")),
        origin: t("origin"),
    }
}

/// Evidence with the value in every text of every record type.
fn full_evidence() -> Evidence {
    let mut input = InputSummary {
        kind: SourceKind::Vault,
        path: t("path"),
        records: 1,
        relevant: 1,
        rejected: 0,
        sha256: Some(t("sha")),
        errors: Vec::new(),
        notes: vec![t("note")],
    };
    input.reject(1, t("message"));
    Evidence {
        inputs: vec![input],
        findings: vec![finding(Some(RawValue::new(VALUE)))],
        dependency_changes: vec![change()],
        locked: vec![change()],
        grants: vec![grant()],
        accesses: vec![access(Outcome::Denied(t("denied"))), access(Outcome::Allowed)],
        commits: vec![commit_info()],
        unwirings: vec![grant()],
        run_roots: vec![RunRoot { path: t("root"), source: t("source") }],
        forge: Some(forge()),
        advisories: vec![advisory()],
        keys: vec![ProviderKey {
            source: SourceKind::OpenaiKeys,
            id: t("id"),
            name: Some(t("name")),
            hint: Some(t("hint")),
            owner: Some(t("owner")),
            created_at: Some(at()),
            last_used_at: Some(at()),
            status: Some(t("status")),
            scope: Some(t("scope")),
            origin: t("origin"),
        }],
    }
}

/// Where the JSON of the fixture leaves a field empty (`null`, `[]`, `{}`): a
/// field the canary does not reach.
fn empty_fields(value: &serde_json::Value, at: &str, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Null => out.push(at.to_string()),
        serde_json::Value::Array(items) if items.is_empty() => out.push(at.to_string()),
        serde_json::Value::Object(map) if map.is_empty() => out.push(at.to_string()),
        serde_json::Value::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| empty_fields(v, &format!("{at}[{i}]"), out))
        }
        serde_json::Value::Object(map) => map.iter().for_each(|(k, v)| empty_fields(v, &format!("{at}.{k}"), out)),
        _ => {}
    }
}

#[test]
fn every_text_field_of_every_record_type_is_masked() {
    let mut evidence = full_evidence();
    let mut empty = Vec::new();
    empty_fields(&serde_json::to_value(&evidence).unwrap(), "evidence", &mut empty);
    assert!(empty.is_empty(), "the fixture must fill every field, so that the value stands in it: {empty:?}");
    let before = format!("{evidence:?}");
    // Every string the types hold, counted by Debug: the fixture is not vacuous.
    assert!(before.matches(VALUE).count() > 150, "{}", before.matches(VALUE).count());

    let mut walked = 0;
    evidence.clone().texts(&mut |s: &mut String, _| walked += usize::from(s.contains(VALUE)));
    assert_eq!(walked, before.matches(VALUE).count(), "the walk reaches every string Debug shows");

    leakline::ingest::scrub::scrub(&mut evidence, true);
    let after = format!("{evidence:?}");
    let left: Vec<&str> = after.lines().filter(|l| l.contains(VALUE)).collect();
    assert!(!after.contains(VALUE), "unmasked: {left:?}\n{after}");
    assert!(after.contains("ghp_…Lf6"), "masked to the value's label: {after}");
}

fn sha256_base64(value: &str) -> String {
    use sha2::Digest;
    base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(value.as_bytes()))
}

fn assert_clean(what: &str, text: &str) {
    let chars: Vec<char> = VALUE.chars().collect();
    for run in chars.windows(12) {
        let run: String = run.iter().collect();
        assert!(!text.contains(&run), "{what} shows `{run}` of the planted value:\n{text}");
    }
}

#[test]
fn a_found_value_in_address_policy_team_and_url_fields_leaves_by_no_channel() {
    const KEY_ID: &str = "AKIAQZ3MPLEKEY000077";
    let mut r = Repo::new();
    r.put("requirements.txt", "openai==1.30.0\n");
    r.put(".github/CODEOWNERS", &format!("* @acme/{VALUE}\n"));
    r.put("app.py", "import os\nKEY = os.environ[\"GITHUB_TOKEN\"]\n");
    r.commit(("Ana", "ana@example.com"), "Adopt openai");
    r.put(".env", &format!("GITHUB_TOKEN={VALUE}\nAWS_ACCESS_KEY_ID={KEY_ID}\n"));
    let commit = r.commit(("Ana", "ana@example.com"), "Add env").to_string();

    let dir = tempfile::tempdir().unwrap();
    let (scans, logs) = (dir.path().join("scans"), dir.path().join("logs"));
    std::fs::create_dir_all(&scans).unwrap();
    std::fs::create_dir_all(&logs).unwrap();
    let finding = |rule: &str, secret: &str, line: u32| serde_json::json!({"RuleID": rule, "Secret": secret, "Match": format!("X={secret}"), "File": ".env", "StartLine": line, "Commit": commit, "Author": "Ana", "Email": "ana@example.com", "Date": "2026-04-13T16:00:00Z"});
    let gitleaks = serde_json::json!([finding("github-pat", VALUE, 1), finding("aws-access-token", KEY_ID, 2)]);
    std::fs::write(scans.join("gitleaks.json"), gitleaks.to_string()).unwrap();
    let alert = serde_json::json!([{"number": 1, "created_at": "2026-04-14T09:00:00Z", "secret_type": "github_personal_access_token", "secret": VALUE, "state": "open", "html_url": format!("https://github.com/acme/agent/security/secret-scanning/1#{VALUE}")}]);
    std::fs::write(scans.join("alerts.json"), alert.to_string()).unwrap();

    let trail = serde_json::json!({"eventVersion": "1.08", "eventTime": "2026-04-14T10:00:00Z", "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": VALUE, "userAgent": "aws-cli/2.15", "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/svc", "accessKeyId": KEY_ID}, "eventID": "00000000-0000-0000-0000-000000000001"});
    std::fs::write(logs.join("trail.jsonl"), format!("{trail}\n")).unwrap();
    let github = serde_json::json!({"@timestamp": 1_776_160_800_000_i64, "_document_id": "d-1", "action": "git.clone", "actor": "ci-bot", "actor_ip": VALUE, "hashed_token": sha256_base64(VALUE), "programmatic_access_type": "Personal access token (classic)", "repo": "acme/agent", "user_agent": "git/2.43.0"});
    std::fs::write(logs.join("github-audit.jsonl"), format!("{github}\n")).unwrap();
    let litellm = serde_json::json!([{"request_id": "chatcmpl-1", "call_type": "acompletion", "api_key": leakline::ingest::redact::sha256(VALUE), "spend": 0.001, "total_tokens": 10, "startTime": "2026-04-14T10:10:00Z", "endTime": "2026-04-14T10:10:01Z", "model": "gpt-4o-mini", "requester_ip_address": VALUE, "metadata": {"requester_ip_address": VALUE, "user_api_key_user_id": "svc"}, "status": "success"}]);
    std::fs::write(logs.join("litellm-spend.json"), litellm.to_string()).unwrap();
    let vault = serde_json::json!({"time": "2026-04-14T10:20:00Z", "type": "response", "auth": {"display_name": "ops", "client_token": "hmac-sha256:00aa", "accessor": "hmac-sha256:00bb"}, "request": {"id": "r-1", "operation": "update", "path": format!("sys/policies/acl/{VALUE}"), "remote_address": VALUE}});
    std::fs::write(logs.join("vault-audit.log"), format!("{vault}\n")).unwrap();

    let case_file = dir.path().join("case.toml");
    let repo = r.dir.path().display().to_string();
    std::fs::write(&case_file, format!("repo = [{repo:?}]\nscan = [\"scans\"]\naudit = [\"logs\"]\n")).unwrap();
    let case = case_file.to_str().unwrap();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_leakline")).args(args).output().unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{args:?}: {text}");
        text
    };
    let check = run(&["check", "--case", case, "--format", "json"]);
    assert_clean("check --format json", &check);
    for format in ["md", "json", "html", "csv"] {
        let report = run(&["report", "--case", case, "--format", format]);
        assert_clean(&format!("report --format {format}"), &report);
    }
    let json = run(&["report", "--case", case, "--format", "json"]);
    // The planted fields were read, so masking them was put to the test.
    for (what, sign) in [
        ("the CloudTrail record", "GetObject"),
        ("the GitHub audit record", "git.clone"),
        ("the LiteLLM request", "acompletion"),
        ("the Vault policy write", "sys/policies/acl/"),
        ("the CODEOWNERS team", "@acme/"),
        ("the alert's address", "secret-scanning/1"),
        ("the masked value", "ghp_…4Lf6"),
    ] {
        assert!(json.contains(sign), "{what} is in the report: {json}");
    }

    let session = leakline::session::Session::resolve(&leakline::session::SourceArgs {
        case: Some(case_file.clone()),
        ..Default::default()
    })
    .unwrap();
    let mut model = leakline::tui::app::Model::with_case(session.case(common::now()).unwrap());
    common::every_screen(&mut model, assert_clean);

    // The case store holds the kept audit evidence: gzipped JSON in SQLite.
    let mut written = Vec::new();
    common::files_under(&dir.path().join(".leakline"), &mut written);
    let store = written.iter().find(|p| p.ends_with("case.sqlite")).expect("a case store");
    let conn = rusqlite::Connection::open(store).unwrap();
    let mut stmt = conn.prepare("SELECT evidence FROM evidence_kept").unwrap();
    let blobs: Vec<Vec<u8>> = stmt.query_map([], |row| row.get(0)).unwrap().flatten().collect();
    assert!(!blobs.is_empty(), "audit evidence was kept");
    for blob in blobs {
        let mut text = String::new();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&blob[..]), &mut text).unwrap();
        assert_clean("the case store's kept evidence", &text);
    }
    for file in written {
        assert_clean(&file.display().to_string(), &String::from_utf8_lossy(&std::fs::read(&file).unwrap()));
    }
}
