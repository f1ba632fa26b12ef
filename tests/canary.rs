//! Redaction is tested, not assumed: unique values planted in a repository and
//! in every scanner format must not appear — nor any 12-character run of them —
//! in any report format, in `check`, in any pane or detail view, or in any file
//! leakline writes.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::path::Path;
use std::process::Command;

use base64::Engine;
use common::repo::Repo;
use leakline::tui::app::Model;

const CANARIES: [&str; 4] = [
    "sk-proj-CANARYqv7Zt2LmX9pWbR4kNy8HsJdF3gT6uE1oA5iCc0MxVz",
    "ghp_CANARYk8Jq2Wm5Rz7Tx3Vb9Nd4Lf6Hg1Ys0Pa",
    "wJalrCANARYUtnFEMIK7MDENGbPxRfiCYzZq9X2v",
    "CanaryPassw0rd!lz8Qm4Rk2Tx7",
];

fn assert_clean(what: &str, text: &str) {
    for value in CANARIES {
        let chars: Vec<char> = value.chars().collect();
        for run in chars.windows(12) {
            let run: String = run.iter().collect();
            assert!(!text.contains(&run), "{what} shows `{run}` of a planted value");
        }
    }
}

fn scanner_files(dir: &Path, commit: &str) {
    let [openai, github, aws_secret, password] = CANARIES;
    let w = |name: &str, text: String| std::fs::write(dir.join(name), text).unwrap();
    w("gitleaks.json", serde_json::json!([
        {"RuleID": "openai-api-key", "Secret": openai, "Match": format!("OPENAI_API_KEY={openai}"), "File": ".env", "StartLine": 1, "Commit": commit, "Author": "Ana", "Email": "ana@example.com", "Date": "2026-04-13T16:00:00Z"},
        {"RuleID": "generic-api-key", "Secret": password, "Match": format!("DB_PASSWORD={password}"), "File": ".env", "StartLine": 4, "Commit": commit}
    ]).to_string());
    w(
        "gitleaks.csv",
        format!(
            "RuleID,Commit,File,SymlinkFile,Secret,Match,StartLine,EndLine,StartColumn,EndColumn,Author,Message,Date,Email,Fingerprint,Tags\ngithub-pat,{commit},.env,,{github},GITHUB_TOKEN={github},2,2,1,2,Ana,m,2026-04-13T16:00:00Z,ana@example.com,f,\n"
        ),
    );
    w("results.sarif", serde_json::json!({"version": "2.1.0", "runs": [{"results": [{"ruleId": "aws-secret", "locations": [{"physicalLocation": {"artifactLocation": {"uri": ".env"}, "region": {"startLine": 3, "snippet": {"text": aws_secret}}}}]}]}]}).to_string());
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    w(
        "trufflehog.jsonl",
        format!(
            "{}\n",
            serde_json::json!({"SourceMetadata": {"Data": {"Git": {"commit": commit, "file": ".env", "line": 1, "email": "Ana <ana@example.com>", "timestamp": "2026-04-13 09:00:00 -0700 PDT"}}}, "DetectorName": "OpenAI", "Verified": true, "Raw": b64(openai), "Redacted": ""})
        ),
    );
    w("trufflehog3.json", serde_json::json!([{"rule": {"id": "github"}, "path": ".env", "line": "2", "secret": github, "commit": commit}]).to_string());
    w(
        "noseyparker.jsonl",
        format!(
            "{}\n",
            serde_json::json!({"rule_name": "GitHub PAT", "match_content": github, "matches": [{"provenance": [{"kind": "file", "path": ".env"}], "match_content": github, "snippet": {"before": "x", "matching": format!("GITHUB_TOKEN={github}"), "after": "y"}, "location": {"source_span": {"start": {"line": 2}}}}]})
        ),
    );
    w("alerts.json", serde_json::json!([{"number": 1, "created_at": "2026-04-14T09:00:00Z", "secret_type": "openai_api_key", "secret": openai, "state": "open"}]).to_string());
    w("gl-secret-detection-report.json", serde_json::json!({"version": "15.0.0", "vulnerabilities": [{"name": "AWS", "raw_source_code_extract": aws_secret, "location": {"file": ".env", "start_line": 3, "commit": {"sha": commit, "date": "2026-04-13T16:00:00Z"}}, "identifiers": [{"value": "AWS"}]}]}).to_string());
    w("ggshield.json", serde_json::json!({"id": "x", "type": "path-scan", "entities_with_incidents": [{"filename": ".env", "incidents": [{"type": "Generic Password", "ignore_sha": leakline::ingest::redact::sha256(password), "occurrences": [{"match": password, "line_start": 4}]}]}]}).to_string());
    w("secretlint.json", serde_json::json!([{"filePath": ".env", "sourceContent": format!("GITHUB_TOKEN={github}\n"), "messages": [{"ruleId": "@secretlint/secretlint-rule-github", "range": [13, 13 + github.len()], "loc": {"start": {"line": 1}}, "data": {"TOKEN": github}}]}]).to_string());
}

#[test]
fn no_planted_value_leaves_ingest() {
    let [openai, github, aws_secret, password] = CANARIES;
    let mut r = Repo::new();
    r.put("app.py", "import os\nKEY = os.environ[\"OPENAI_API_KEY\"]\n");
    r.commit(("Ana", "ana@example.com"), "Read the key");
    r.put(".env", &format!("OPENAI_API_KEY={openai}\nGITHUB_TOKEN={github}\nAWS_SECRET_ACCESS_KEY={aws_secret}\nDB_PASSWORD={password}\n"));
    let commit = r.commit(("Ana", "ana@example.com"), "Add env");
    let case_dir = tempfile::tempdir().unwrap();
    let scans = case_dir.path().join("scans");
    std::fs::create_dir_all(&scans).unwrap();
    scanner_files(&scans, &commit.to_string());
    let case_file = case_dir.path().join("case.toml");
    std::fs::write(&case_file, format!("repo = [{:?}]\nscan = [\"scans\"]\n", r.dir.path().display().to_string()))
        .unwrap();
    let case = case_file.to_str().unwrap();

    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_leakline")).args(args).output().unwrap();
        assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    };
    for format in ["md", "json", "html", "csv"] {
        let report = run(&["report", "--case", case, "--format", format]);
        // Markdown escapes its metacharacters (`OPENAI\_API\_KEY`): read it as shown.
        assert!(report.replace('\\', "").contains("OPENAI_API_KEY"), "the report is about the planted secrets");
        assert_clean(&format!("report --format {format}"), &report);
    }
    let check = run(&["check", "--case", case, "--format", "json"]);
    let read: serde_json::Value = serde_json::from_str(&check).unwrap();
    for input in read["inputs"].as_array().unwrap() {
        assert_eq!(input["rejected"], 0, "{input}");
    }
    assert!(read["inputs"].as_array().unwrap().len() >= 11, "every format was read: {check}");
    assert_clean("check --format json", &check);
    assert_clean("check", &run(&["check", "--case", case]));

    let session = leakline::session::Session::resolve(&leakline::session::SourceArgs {
        case: Some(case_file.clone()),
        ..Default::default()
    })
    .unwrap();
    let case = session.case(common::now()).unwrap();
    assert!(case.secrets.len() >= 4, "{:?}", case.secrets.iter().map(|s| &s.label).collect::<Vec<_>>());
    let mut model = Model::with_case(case);
    common::every_screen(&mut model, assert_clean);
    // What leakline writes beside the case: the fingerprint key, nothing else of the values.
    let mut written = Vec::new();
    common::files_under(&case_dir.path().join(".leakline"), &mut written);
    assert!(!written.is_empty());
    for file in written {
        assert_clean(&file.display().to_string(), &String::from_utf8_lossy(&std::fs::read(&file).unwrap()));
    }
}

/// Values in free text: one a scanner found (masked wherever it stands) and
/// look-alikes no scanner found (masked for their look), planted in a commit
/// message, user agents, error messages, a field that fails to parse, a case
/// file's type error and a command-line argument.
const KNOWN: &str = "sk-proj-KNOWNzq7Zt2LmX9pWbR4kNy8HsJdF3gT6uE1oA5iCc0Mx";
const PASSWORD: &str = "KnownPassw0rd!x8Qm4Rk2Tx7Lp";
const LOOKALIKES: [&str; 3] = [
    "ghp_LOOKk8Jq2Wm5Rz7Tx3Vb9Nd4Lf6Hg1Ys0PaQ",
    "wJalrLOOKUtnFEMIK7MDENGbPxRfiCYzZq9X2vAb",
    "xoxb-LOOK-2Wm5Rz7Tx3Vb9Nd4Lf6Hg1Ys",
];

fn assert_no_free_text_value(what: &str, text: &str) {
    for value in LOOKALIKES.iter().chain([&KNOWN, &PASSWORD]) {
        let chars: Vec<char> = value.chars().collect();
        for run in chars.windows(12) {
            let run: String = run.iter().collect();
            assert!(!text.contains(&run), "{what} shows `{run}` of a planted value:\n{text}");
        }
    }
}

#[test]
fn no_value_in_free_text_leaves_by_any_channel() {
    const KEY_ID: &str = "AKIAQZ3MPLEKEY000042";
    let [ghp, aws_like, slack] = LOOKALIKES;
    let mut r = Repo::new();
    r.put("app.py", "import os\nKEY = os.environ[\"OPENAI_API_KEY\"]\n");
    r.commit(("Ana", "ana@example.com"), &format!("Read the key (was {KNOWN}, rotated)"));
    r.put(".env", &format!("OPENAI_API_KEY={KNOWN}\nAWS_ACCESS_KEY_ID={KEY_ID}\nDB_PASSWORD={PASSWORD}\n"));
    let commit = r.commit(("Ana", "ana@example.com"), &format!("Add env; slack was {slack}"));
    let dir = tempfile::tempdir().unwrap();
    let (scans, logs) = (dir.path().join("scans"), dir.path().join("logs"));
    std::fs::create_dir_all(&scans).unwrap();
    std::fs::create_dir_all(&logs).unwrap();
    let finding = |rule: &str, secret: &str, line: u32| serde_json::json!({"RuleID": rule, "Secret": secret, "Match": format!("X={secret}"), "File": ".env", "StartLine": line, "Commit": commit.to_string(), "Author": "Ana", "Email": "ana@example.com", "Date": "2026-04-13T16:00:00Z"});
    std::fs::write(
        scans.join("gitleaks.json"),
        serde_json::json!([
            finding("openai-api-key", KNOWN, 1),
            finding("aws-access-token", KEY_ID, 2),
            finding("generic-api-key", PASSWORD, 3)
        ])
        .to_string(),
    )
    .unwrap();
    let event = |n: u32, time: &str, ua: &str, error: Option<&str>| {
        let mut e = serde_json::json!({"eventVersion": "1.08", "eventTime": time, "eventSource": "s3.amazonaws.com", "eventName": "GetObject", "awsRegion": "us-east-1", "sourceIPAddress": format!("198.51.100.{n}"), "userAgent": ua, "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::111122223333:user/svc", "accessKeyId": KEY_ID}, "eventID": format!("00000000-0000-0000-0000-{n:012}")});
        if let Some(error) = error {
            e["errorCode"] = "AccessDenied".into();
            e["errorMessage"] = error.into();
        }
        e.to_string()
    };
    std::fs::write(
        logs.join("trail.jsonl"),
        [
            event(1, "2026-04-14T10:00:00Z", &format!("python-requests/2.31 key={KNOWN}"), None),
            event(
                2,
                "2026-04-14T10:05:00Z",
                &format!("curl/8.5 (auth {ghp})"),
                Some(&format!("User is not authorized: password {PASSWORD} rejected")),
            ),
            event(3, aws_like, "aws-cli/2.15", None),
        ]
        .join("\n"),
    )
    .unwrap();
    std::fs::write(
        logs.join("wrapper.json"),
        format!(
            "{{\"Records\":[{}]}}",
            event(4, "2026-04-14T11:00:00Z", &format!("Boto3/1.34 token/{aws_like}"), None)
        ),
    )
    .unwrap();
    let case_file = dir.path().join("case.toml");
    std::fs::write(
        &case_file,
        format!("repo = [{:?}]\nscan = [\"scans\"]\naudit = [\"logs\"]\n", r.dir.path().display().to_string()),
    )
    .unwrap();
    let case = case_file.to_str().unwrap();

    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_leakline")).args(args).output().unwrap();
        format!(
            "exit {:?}\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    };
    for format in ["md", "json", "html", "csv"] {
        let report = run(&["report", "--case", case, "--format", format]);
        assert!(report.contains("exit Some(3)"), "a record was rejected: {report}");
        if format != "csv" {
            assert!(report.contains("python-requests/2.31"), "the replays are in the report: {report}");
        }
        assert_no_free_text_value(&format!("report --format {format}"), &report);
    }
    let check = run(&["check", "--case", case]);
    assert!(check.contains("unreadable eventTime"), "{check}");
    assert_no_free_text_value("check", &check);
    assert_no_free_text_value("check --format json", &run(&["check", "--case", case, "--format", "json"]));
    let out = dir.path().join("out.md");
    run(&["report", "--case", case, "--output", out.to_str().unwrap()]);
    assert_no_free_text_value("the report file", &std::fs::read_to_string(&out).unwrap());

    // The case file's own errors, and arguments echoed back.
    let broken = dir.path().join("broken.toml");
    std::fs::write(&broken, format!("title = 5\nforge = [\"{ghp}\"]\n")).unwrap();
    let err = run(&["report", "--case", broken.to_str().unwrap()]);
    assert!(err.contains("exit Some(1)"), "{err}");
    assert_no_free_text_value("a case file error", &err);
    let err = run(&["report", "--case", case, "--format", ghp]);
    assert!(err.contains("exit Some(2)"), "{err}");
    assert_no_free_text_value("an argument echoed", &err);

    let session = leakline::session::Session::resolve(&leakline::session::SourceArgs {
        case: Some(case_file.clone()),
        ..Default::default()
    })
    .unwrap();
    let mut model = Model::with_case(session.case(common::now()).unwrap());
    common::every_screen(&mut model, assert_no_free_text_value);
}
