//! A real scanner in the loop: detect-secrets (from PyPI; `.ci/run` installs it
//! and names it in LEAKLINE_DETECT_SECRETS) scans the demo repository at the
//! commit that leaked, and its baseline — a SHA-1 per secret, no values —
//! merges with the demo's other findings into the same secret.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use git2::{ObjectType, Repository, TreeWalkMode, TreeWalkResult};
use leakline::ingest::{ReadOptions, SourceSpec, load};
use leakline::model::SourceKind;

fn detect_secrets() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("LEAKLINE_DETECT_SECRETS") {
        return Some(PathBuf::from(path));
    }
    let found = Command::new("detect-secrets").arg("--version").output().is_ok_and(|o| o.status.success());
    found.then(|| PathBuf::from("detect-secrets"))
}

/// The files of the commit whose subject starts with `subject`, written to `out`.
fn checkout(repo: &Path, subject: &str, out: &Path) {
    let repo = Repository::open(repo).unwrap();
    let mut walk = repo.revwalk().unwrap();
    walk.push_head().unwrap();
    let commit = walk
        .map(|id| repo.find_commit(id.unwrap()).unwrap())
        .find(|c| c.summary().ok().flatten().unwrap_or("").starts_with(subject))
        .expect("the leak commit");
    commit
        .tree()
        .unwrap()
        .walk(TreeWalkMode::PreOrder, |dir, entry| {
            if entry.kind() == Some(ObjectType::Blob) {
                let path = out.join(dir).join(entry.name().unwrap());
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, repo.find_blob(entry.id()).unwrap().content()).unwrap();
            }
            TreeWalkResult::Ok
        })
        .unwrap();
}

#[test]
fn a_real_detect_secrets_baseline_merges_with_the_demo_findings() {
    let Some(tool) = detect_secrets() else {
        assert!(std::env::var_os("CI").is_none(), "CI installs detect-secrets (.ci/run); it is missing");
        eprintln!("detect-secrets is not installed here: skipped (CI runs it)");
        return;
    };
    let dir = common::demo_dir();
    let tree = tempfile::tempdir().unwrap();
    checkout(&dir.path().join("repo"), "Local dev: add env config", tree.path());
    let out = Command::new(&tool).args(["scan", "--all-files", "."]).current_dir(tree.path()).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let baseline = dir.path().join("detect-secrets.json");
    std::fs::write(&baseline, &out.stdout).unwrap();

    let session = common::session(dir.path());
    let mut evidence = session.evidence().unwrap();
    let options = ReadOptions { case_key: session.options.case_key.clone(), ..ReadOptions::default() };
    let ds = load(&SourceSpec::Scan(None, baseline), &options).unwrap();
    assert_eq!(ds.inputs[0].kind, SourceKind::DetectSecrets);
    assert_eq!(ds.inputs[0].rejected, 0);
    assert!(!ds.findings.is_empty(), "detect-secrets found the committed .env");
    evidence.merge(ds);
    let case = leakline::correlate::correlate(&evidence, &session.context(Default::default(), common::now()));
    assert_eq!(case.secrets.len(), 2, "no secret of its own: its findings joined the others");
    let aws = case.secrets.iter().find(|s| s.kind == "aws_access_key").unwrap();
    assert!(aws.findings.iter().any(|f| f.scanner == SourceKind::DetectSecrets), "{:?}", aws.findings);
}
