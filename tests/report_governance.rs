//! The report governance signs: provenance, gaps with controls,
//! recommendations, a summary backed by facts; the JSON checked against the
//! schema shipped in the repository; Markdown that stays text; the demo's
//! Markdown and HTML snapshotted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use chrono::TimeZone;
use leakline::report::{Format, Provenance, render_with};
use serde_json::Value;

/// A provenance that never changes, for snapshots and comparisons.
fn fixed(base: &std::path::Path) -> Provenance {
    Provenance {
        generated_at: chrono::Utc.with_ymd_and_hms(2026, 5, 1, 12, 0, 0).single().unwrap(),
        generated_by: "leakline 0.0.0 (test)".into(),
        command: vec!["leakline".into(), "report".into(), "--case".into(), "leakline.toml".into()],
        base: Some(base.to_path_buf()),
        folders: vec![base.join("logs").display().to_string(), base.join("scans").display().to_string()],
        links: leakline::report::Links::new(false, "northwind/ticket-agent", "https://api.github.com"),
    }
}

fn schema() -> jsonschema::Validator {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/report/report-v1.schema.json")).unwrap();
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("the schema is a valid JSON Schema")
}

fn assert_valid(doc: &Value) {
    let errors: Vec<String> = schema().iter_errors(doc).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "the report breaks its schema:\n{}", errors.join("\n"));
}

#[test]
fn the_demo_report_meets_the_schema_in_the_repository() {
    let (dir, case) = common::demo_case();
    let doc: Value = serde_json::from_str(&render_with(&case, Format::Json, &fixed(dir.path()))).unwrap();
    assert_valid(&doc);
    // The schema can fail: a report missing a field, or with a wrong kind, is refused.
    let mut broken = doc.clone();
    broken.as_object_mut().unwrap().remove("gaps");
    assert!(!schema().is_valid(&broken));
    let mut broken = doc.clone();
    broken["gaps"][0]["controls"][0]["id"] = "NHI11".into();
    assert!(!schema().is_valid(&broken));
    // A case with nothing in it meets it too.
    let empty = leakline::correlate::correlate(&Default::default(), &Default::default());
    let doc: Value = serde_json::from_str(&render_with(&empty, Format::Json, &Provenance::default())).unwrap();
    assert_valid(&doc);
}

#[test]
fn gaps_are_objects_with_severity_controls_and_the_secrets_they_bear_on() {
    let (dir, case) = common::demo_case();
    let doc: Value = serde_json::from_str(&render_with(&case, Format::Json, &fixed(dir.path()))).unwrap();
    let gaps = doc["gaps"].as_array().unwrap();
    let openai = case.secrets.iter().find(|s| s.kind == "openai_key").unwrap();
    // The OpenAI key's revocation is nowhere in the logs read: a gap on it, with long-lived-secret controls.
    let unrevoked = gaps.iter().find(|g| g["kind"] == "not_revoked").expect("the unrevoked key is a gap");
    assert_eq!(unrevoked["secrets"], serde_json::json!([openai.id]));
    let ids: Vec<&str> = unrevoked["controls"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"NHI7") && ids.contains(&"PR.AA-01"), "{ids:?}");
    // The replay after detection is the critical one.
    let replayed = gaps.iter().find(|g| g["kind"] == "replayed_after_detection").unwrap();
    assert_eq!(replayed["severity"], "critical");
    // The AI RMF is named where a framework default was the path, and only there.
    for g in gaps {
        let ai = g["controls"].as_array().unwrap().iter().any(|c| c["framework"] == "NIST AI RMF 1.0");
        assert_eq!(ai, g["kind"] == "framework_default" || g["kind"] == "risky_setting", "{g}");
    }
    // accountability[].gaps keeps its strings: the texts of that role's gaps.
    for role in doc["accountability"].as_array().unwrap() {
        let texts: Vec<&Value> = gaps.iter().filter(|g| g["role"] == role["role"]).map(|g| &g["text"]).collect();
        assert_eq!(role["gaps"].as_array().unwrap().iter().collect::<Vec<_>>(), texts);
    }
}

#[test]
fn the_first_recommendation_revokes_what_is_still_live() {
    let (_dir, case) = common::demo_case();
    let openai = case.secrets.iter().find(|s| s.kind == "openai_key").unwrap();
    let first = &case.recommendations[0];
    assert!(first.text.starts_with(&format!("Revoke {}", openai.label)), "{}", first.text);
    assert_eq!(first.secret.as_deref(), Some(openai.id.as_str()));
    assert_eq!(first.role, leakline::model::Role::Identity);
    let gap_ids: Vec<&str> = case.gaps().map(|(_, g)| g.id.as_str()).collect();
    for r in &case.recommendations {
        assert!(r.gaps.iter().all(|g| gap_ids.contains(&g.as_str())), "{} answers gaps that are not there", r.id);
    }
    let texts: Vec<&str> = case.recommendations.iter().map(|r| r.text.as_str()).collect();
    assert!(texts.iter().any(|t| t.contains("short-lived, task-scoped")), "{texts:#?}");
    assert!(texts.iter().any(|t| t.contains("implicit environment reads")), "{texts:#?}");
    assert!(texts.iter().any(|t| t.contains("upgrade cadence")), "{texts:#?}");
    assert!(texts.iter().any(|t| t.starts_with("Keep an inventory")), "{texts:#?}");
}

#[test]
fn the_summary_says_what_leaked_whether_revoked_and_used_and_rests_on_facts() {
    let (_dir, case) = common::demo_case();
    let text: Vec<&str> = case.summary.iter().map(|s| s.text.as_str()).collect();
    let aws = case.secrets.iter().find(|s| s.kind == "aws_access_key").unwrap();
    assert!(text[0].starts_with(&aws.label) && text[0].contains("committed by Tom Okafor"), "{text:#?}");
    assert!(text.iter().any(|t| t.starts_with("It was revoked on 2026-04-14 13:20 UTC")), "{text:#?}");
    assert!(text.iter().any(|t| t.contains("10 replays from 2 addresses")), "{text:#?}");
    assert!(text.iter().any(|t| t.starts_with("Now: Revoke")), "{text:#?}");
    assert!(case.summary.iter().all(|s| !s.facts.is_empty()), "a sentence with nothing behind it");
}

#[test]
fn markdown_escapes_instead_of_entities_and_links_only_what_it_built() {
    let (dir, mut case) = common::demo_case();
    let hostile = "[x](javascript:alert(1)) <tom@evil.example> https://evil.example www.evil.example *bold* | pipe";
    case.approvals[0].commit.author.name = hostile.into();
    case.title = hostile.into();
    let md = render_with(&case, Format::Md, &fixed(dir.path()));
    assert!(!md.contains("&lt;") && !md.contains("&gt;") && !md.contains("&amp;"), "no HTML entity in Markdown");
    assert!(!md.contains("](javascript:") && !md.contains("https://evil") && !md.contains("www.evil"), "{md}");
    assert!(md.contains(r"\[x\]\(javascript:alert\(1\)\) \<tom\@evil.example\>"), "shown as typed, escaped");
    assert!(md.contains(r"\| pipe"), "a pipe cannot break the table");
    // Links leakline made itself: commits and pull requests at the repository's address.
    let commit = &case.approvals[0].commit.id;
    assert!(md.contains(&format!("(https://github.com/northwind/ticket-agent/commit/{commit})")), "commit linked");
    assert!(md.contains("[#14](https://github.com/northwind/ticket-agent/pull/14)"), "pull request linked");
}

#[test]
fn paths_are_relative_to_the_case_and_folders_are_summarised() {
    let (dir, case) = common::demo_case();
    let prov = fixed(dir.path());
    for format in [Format::Md, Format::Html, Format::Json] {
        let text = render_with(&case, format, &prov);
        assert!(!text.contains(&dir.path().display().to_string()), "{format:?} names the machine's path");
    }
    let doc: Value = serde_json::from_str(&render_with(&case, Format::Json, &prov)).unwrap();
    let folders = doc["input_folders"].as_array().unwrap();
    assert_eq!(folders[0]["path"], "logs");
    assert_eq!(folders[0]["files"], 35);
    assert!(doc["inputs"].as_array().unwrap().iter().all(|i| !i["path"].as_str().unwrap().starts_with('/')));
    let md = render_with(&case, Format::Md, &prov);
    assert!(md.contains("| logs | 35 | 197 |"), "one line for the folder");
}

#[test]
fn the_csv_is_the_timeline_a_row_an_event() {
    let (_dir, case) = common::demo_case();
    let csv = leakline::report::render(&case, Format::Csv);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("at,event,secret,who,what,where,evidence"));
    assert_eq!(lines.count(), case.timeline.len(), "every event, every replay its own row");
    assert_eq!(csv.lines().filter(|l| l.split(',').nth(1) == Some("replay")).count(), case.replays.len());
}

#[test]
fn the_same_inputs_and_source_date_epoch_give_the_same_bytes() {
    let dir = common::demo_dir();
    let run = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_leakline"))
            .args(["report", "--format", "json", "--case"])
            .arg(dir.path().join("leakline.toml"))
            .env("SOURCE_DATE_EPOCH", "1777636800")
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    };
    let (first, second) = (run(), run());
    assert_eq!(first, second, "two runs on the same inputs differ");
    let doc: Value = serde_json::from_slice(&first).unwrap();
    assert_eq!(doc["generated_at"], "2026-05-01T12:00:00Z");
    assert!(doc["generated_by"].as_str().unwrap().starts_with("leakline 0."));
    assert_eq!(doc["command"][1], "report");
    assert_valid(&doc);
}

/// The demo's reports, fixed time and paths, as governance reads them.
#[test]
fn demo_markdown_and_html_snapshots() {
    let (dir, case) = common::demo_case();
    let prov = fixed(dir.path());
    let settings = {
        let mut s = insta::Settings::clone_current();
        s.set_snapshot_path(concat!(env!("CARGO_MANIFEST_DIR"), "/snapshots"));
        s.set_prepend_module_to_snapshot(false);
        s
    };
    settings.bind(|| {
        insta::assert_snapshot!("report_demo_md", render_with(&case, Format::Md, &prov));
        insta::assert_snapshot!("report_demo_html", render_with(&case, Format::Html, &prov));
    });
}

#[test]
fn with_no_secret_the_summary_says_whether_anyone_looked() {
    // No scanner output at all: the secrets were not looked for, which is not "no leak".
    let empty = leakline::correlate::correlate(&Default::default(), &Default::default());
    assert!(empty.summary[0].text.starts_with("No scanner output was read"), "{:?}", empty.summary[0].text);
    // Scanner output that holds nothing: said so, resting on the files read.
    let mut evidence = leakline::model::Evidence::default();
    evidence.inputs.push(leakline::model::InputSummary {
        kind: leakline::model::SourceKind::Gitleaks,
        path: "scans/gitleaks.json".into(),
        ..Default::default()
    });
    let case = leakline::correlate::correlate(&evidence, &Default::default());
    assert!(
        case.summary[0].text.starts_with("The scanner output read (1 file) holds no finding"),
        "{:?}",
        case.summary[0].text
    );
    assert_eq!(case.summary[0].facts, ["input:scans/gitleaks.json"]);
}

#[test]
fn scanner_findings_without_values_are_named_by_place_and_keyword_matches_are_to_be_confirmed() {
    use leakline::model::Triage;
    let sample =
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/samples/detect-secrets/Yelp__detect-secrets__.secrets.baseline");
    let session = leakline::session::Session::resolve(&leakline::session::SourceArgs {
        scan: vec![format!("detect-secrets:{sample}")],
        ..Default::default()
    })
    .unwrap();
    let case = session.case(common::now()).unwrap();
    let unknown: Vec<_> = case.secrets.iter().filter(|s| s.triage == Triage::Unknown).collect();
    assert!(!unknown.is_empty(), "the sample has a keyword match");
    // detect-secrets stores hashes, not values: nothing can be labelled, so prose names kind, id and place.
    for text in case.recommendations.iter().map(|r| &r.text).chain(case.summary.iter().map(|s| &s.text)) {
        assert!(!text.contains("(redacted by scanner)"), "{text}");
    }
    let revokes = case.recommendations.iter().filter(|r| r.text.starts_with("Revoke ")).count();
    assert!(revokes <= 5, "{revokes} single revocations");
    let confirm = case.recommendations.iter().find(|r| r.text.starts_with("Confirm whether")).expect("one to confirm");
    for s in &unknown {
        assert!(confirm.text.contains(&format!("{} at ", s.id)) || confirm.text.contains(" more)"), "{}", confirm.text);
    }
    // A gap on keyword matches alone is not as severe as one on a key in a known format.
    for (_, g) in case.gaps() {
        let only_unknown = !g.secrets.is_empty() && g.secrets.iter().all(|id| unknown.iter().any(|s| &s.id == id));
        if only_unknown && g.kind == leakline::model::GapKind::NotRevoked {
            assert_eq!(g.severity, leakline::model::Severity::Medium, "{}", g.text);
        }
    }
}
