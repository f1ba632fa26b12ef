//! The demo generator writes a repository that git2 reopens with the planned history.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::collections::BTreeSet;

use git2::{Repository, Sort};

#[test]
fn demo_repository_has_the_planned_history() {
    let dir = common::demo_dir();
    let repo = Repository::open(dir.path().join("repo")).expect("reopen");
    assert_eq!(repo.head().expect("head").shorthand(), Ok("main"));
    let mut walk = repo.revwalk().expect("walk");
    walk.push_head().expect("head");
    walk.set_sorting(Sort::TIME).expect("sort");
    let commits: Vec<git2::Commit> = walk.map(|id| repo.find_commit(id.expect("id")).expect("commit")).collect();
    assert!(commits.len() >= 25, "{} commits", commits.len());
    let authors: BTreeSet<String> = commits.iter().map(|c| c.author().email().unwrap_or("").to_string()).collect();
    assert!(authors.len() >= 6, "{authors:?}");
    let times: Vec<i64> = commits.iter().map(|c| c.time().seconds()).collect();
    let span_days = (times.iter().max().unwrap() - times.iter().min().unwrap()) / 86_400;
    assert!(span_days >= 42, "history spans {span_days} days");

    let messages: Vec<String> = commits.iter().map(|c| c.message().unwrap_or("").to_string()).collect();
    let framework = messages.iter().find(|m| m.contains("LangChain agent")).expect("framework PR");
    assert!(framework.lines().next().unwrap_or("").ends_with("(#14)"), "squash subject names the PR");
    assert!(framework.contains("\nReviewed-by: Marcus Lee <marcus@northwind.dev>"));
    assert!(commits.iter().any(|c| c.parent_count() == 2), "one pull request arrives as a merge commit");

    let leak =
        commits.iter().find(|c| c.message().unwrap_or("").starts_with("Local dev: add env config")).expect("leak");
    let env = leak.tree().expect("tree").get_path(std::path::Path::new(".env")).expect(".env committed");
    let text = String::from_utf8(repo.find_blob(env.id()).expect("blob").content().to_vec()).expect("utf8");
    assert!(text.contains(leakline::demo::AWS_KEY_ID) && text.contains(leakline::demo::OPENAI_KEY));
    let head_tree = commits[0].tree().expect("tree");
    assert!(head_tree.get_path(std::path::Path::new(".env")).is_err(), ".env removed later");
    assert!(head_tree.get_path(std::path::Path::new("deploy/k8s/deployment.yaml")).is_ok());
}

#[test]
fn demo_writes_every_part() {
    let dir = common::demo_dir();
    for part in [
        "repo/.git",
        "logs/vault/audit.log",
        "logs/k8s/kube-apiserver-audit.log",
        "scans/gitleaks-report.json",
        "scans/trufflehog.jsonl",
        "scans/github-secret-scanning-alerts.json",
        "leakline.toml",
        "owners.toml",
    ] {
        assert!(dir.path().join(part).exists(), "{part}");
    }
    let gz = walk_count(&dir.path().join("logs/AWSLogs"), "json.gz");
    assert!(gz >= 10, "{gz} CloudTrail files");
}

fn walk_count(dir: &std::path::Path, suffix: &str) -> usize {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| {
                    if e.path().is_dir() {
                        walk_count(&e.path(), suffix)
                    } else {
                        usize::from(e.path().to_string_lossy().ends_with(suffix))
                    }
                })
                .sum()
        })
        .unwrap_or(0)
}
