//! The prefilter (`ingest::prefilter`) reads only the records that can concern
//! the case: what it keeps must be what a full parse keeps, on every real
//! sample of every streamed log kind and on the demo incident.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use leakline::ingest::prefilter::CaseNeedles;
use leakline::ingest::{ReadOptions, SourceSpec, load};
use leakline::model::Evidence;
use leakline::session::{Session, SourceArgs};

/// Every audit sample folder: ours, and the shared ones where present.
fn audit_samples() -> Vec<PathBuf> {
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/samples");
    let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/samples");
    let names = [
        "cloudtrail",
        "vault",
        "k8s-audit",
        "gcp-audit",
        "github-audit",
        "litellm",
        "openai",
        "anthropic",
        "azure-keyvault",
    ];
    [ours, shared].iter().flat_map(|base| names.iter().map(move |n| base.join(n))).filter(|p| p.exists()).collect()
}

/// Accesses and grants, comparable whatever order threads gave them in.
fn kept(ev: &Evidence) -> (Vec<String>, Vec<String>) {
    let mut accesses: Vec<String> = ev.accesses.iter().map(|a| serde_json::to_string(a).unwrap()).collect();
    let mut grants: Vec<String> = ev.grants.iter().map(|g| serde_json::to_string(g).unwrap()).collect();
    accesses.sort();
    grants.sort();
    (accesses, grants)
}

#[test]
fn every_sample_keeps_the_same_records_with_the_prefilter_as_without() {
    let mut skipped_somewhere = false;
    let samples = audit_samples();
    assert!(samples.len() >= 6, "{samples:?}");
    for folder in samples {
        let spec = SourceSpec::Audit(None, folder.clone());
        let all = load(&spec, &ReadOptions::default()).unwrap();
        // Half of the credentials the logs hold are the case's: some records are kept, some not.
        let mut credentials: Vec<String> = all
            .accesses
            .iter()
            .flat_map(|a| a.credential.iter().chain(&a.other_credentials))
            .cloned()
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        credentials.sort();
        let known: HashSet<String> = credentials.iter().step_by(2).cloned().collect();
        let keeping = ReadOptions { keep_credentials: Some(Arc::new(known.clone())), ..ReadOptions::default() };
        let full = load(&spec, &keeping).unwrap();
        let filtered =
            load(&spec, &ReadOptions { prefilter: Some(Arc::new(CaseNeedles::new(&known))), ..keeping.clone() })
                .unwrap();
        assert_eq!(kept(&filtered), kept(&full), "{}", folder.display());
        for (a, b) in filtered.inputs.iter().zip(&full.inputs) {
            assert_eq!((a.records, a.rejected), (b.records, b.rejected), "{}", a.path);
            skipped_somewhere |= a.notes.iter().any(|n| n.contains("counted, not parsed"));
        }
    }
    assert!(skipped_somewhere, "the prefilter never skipped a record: the test shows nothing");
}

#[test]
fn a_log_of_the_case_keeps_its_records_and_skips_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let line = |key: &str, name: &str, n: usize| {
        format!(
            r#"{{"eventVersion":"1.09","userIdentity":{{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/u","accountId":"123456789012","accessKeyId":"{key}","userName":"u"}},"eventTime":"2026-04-13T10:00:{n:02}Z","eventSource":"iam.amazonaws.com","eventName":"{name}","awsRegion":"us-east-1","sourceIPAddress":"198.51.100.{n}","userAgent":"aws-cli/2","requestParameters":{{"userName":"u"}},"responseElements":{{"accessKey":{{"accessKeyId":"AKIANEWKEY{n:010}","status":"Active","userName":"u"}}}},"eventID":"e{n}"}}"#
        )
    };
    let mut text = String::new();
    for n in 0..40 {
        let (key, name) = match n {
            7 => ("AKIACASEKEY000000001", "GetCallerIdentity"),
            // Made with another key: kept all the same, a key's lifecycle always is.
            21 => ("AKIAOTHERKEY00000002", "CreateAccessKey"),
            _ => ("AKIAOTHERKEY00000002", "ListBuckets"),
        };
        text.push_str(&line(key, name, n));
        text.push('\n');
    }
    let path = dir.path().join("trail.jsonl");
    std::fs::write(&path, text).unwrap();
    let known: HashSet<String> = ["AKIACASEKEY000000001".to_string()].into_iter().collect();
    let options = ReadOptions {
        keep_credentials: Some(Arc::new(known.clone())),
        prefilter: Some(Arc::new(CaseNeedles::new(&known))),
        ..ReadOptions::default()
    };
    let ev = load(&SourceSpec::Audit(None, path), &options).unwrap();
    let origins: Vec<&str> = ev.accesses.iter().map(|a| a.origin.rsplit(':').next().unwrap()).collect();
    assert_eq!(origins, ["8", "22"]);
    let input = &ev.inputs[0];
    assert_eq!((input.records, input.relevant, input.rejected), (40, 2, 0));
    assert!(input.notes.iter().any(|n| n.starts_with("38 records named none")), "{:?}", input.notes);
}

#[test]
fn the_demo_gives_the_same_case_with_the_prefilter_as_with_a_full_parse() {
    let dir = common::demo_dir();
    let case_of = |full_parse| {
        let session = Session::resolve(&SourceArgs {
            case: Some(dir.path().join("leakline.toml")),
            full_parse,
            ..SourceArgs::default()
        })
        .unwrap();
        // The case store would hand the second run the first run's evidence.
        let _ = std::fs::remove_file(&session.store);
        let mut doc = serde_json::to_value(session.case(common::now()).unwrap()).unwrap();
        let inputs = doc.as_object_mut().unwrap().remove("inputs");
        (doc, inputs)
    };
    let (filtered, inputs) = case_of(false);
    let (full, _) = case_of(true);
    assert_eq!(filtered, full);
    let notes = inputs.unwrap().to_string();
    assert!(notes.contains("counted, not parsed"), "the demo's logs were not prefiltered");
    assert!(filtered["replays"].as_array().is_some_and(|r| !r.is_empty()));
}

/// What `check` says of each input: counts, rejections (with their lines) and notes.
fn counted(ev: &Evidence) -> Vec<String> {
    let mut inputs: Vec<String> = ev
        .inputs
        .iter()
        .map(|i| format!("{} {} {} {} {:?} {:?}", i.path, i.records, i.relevant, i.rejected, i.errors, i.notes))
        .collect();
    inputs.sort();
    inputs
}

#[test]
fn check_counts_rejects_and_grants_as_a_full_read_does_without_building_accesses() {
    // Beside the samples, a trail with what a counting read could get wrong: a
    // policy write that grants secrets, a CloudWatch export, records without a
    // time or a name, a time that does not read, a broken line.
    let dir = tempfile::tempdir().unwrap();
    let ok = r#"{"eventVersion":"1.08","eventTime":"2026-04-01T00:00:00Z","eventSource":"s3.amazonaws.com","eventName":"GetObject","userIdentity":{"type":"IAMUser","accessKeyId":"AKIAEXAMPLECOUNT0001"}}"#;
    let grant = r#"{"eventTime":"2026-04-01T00:00:01Z","eventSource":"iam.amazonaws.com","eventName":"PutUserPolicy","userIdentity":{"type":"IAMUser","arn":"arn:aws:iam::123456789012:user/a"},"requestParameters":{"userName":"ci","policyName":"p","policyDocument":"{\"Statement\":[{\"Effect\":\"Allow\",\"Action\":\"secretsmanager:GetSecretValue\",\"Resource\":\"*\"}]}"}}"#;
    let wrapped = format!(r#"{{"timestamp":1,"message":{}}}"#, serde_json::to_string(ok).unwrap());
    let lines = [
        ok.to_string(),
        grant.to_string(),
        wrapped,
        r#"{"eventSource":"s3.amazonaws.com","eventName":"GetObject"}"#.to_string(),
        r#"{"eventTime":"2026-04-01T00:00:02Z","eventSource":"s3.amazonaws.com"}"#.to_string(),
        r#"{"eventTime":"yesterday","eventName":"GetObject"}"#.to_string(),
        r#"{"eventTime":"2026-04-01T00:00:03Z","eventName":"#.to_string(),
    ];
    std::fs::write(dir.path().join("trail.jsonl"), lines.join("\n") + "\n").unwrap();
    let mut folders = audit_samples();
    folders.push(dir.path().to_path_buf());
    let mut grants = 0;
    for folder in folders {
        let spec = SourceSpec::Audit(None, folder.clone());
        let full = load(&spec, &ReadOptions::default()).unwrap();
        let check = load(&spec, &ReadOptions { drop_accesses: true, ..ReadOptions::default() }).unwrap();
        assert_eq!(counted(&check), counted(&full), "{}", folder.display());
        assert_eq!(kept(&check).1, kept(&full).1, "the same grants: {}", folder.display());
        assert!(check.accesses.is_empty());
        grants += check.grants.len();
    }
    assert!(grants >= 1, "a grant was among what was compared");
}
