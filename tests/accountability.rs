//! The accountability matrix of the demo: each role's owners (from the owners
//! file, from CODEOWNERS, or from the evidence), and every gap with its evidence.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use leakline::model::{Case, Role, RoleAccount};
use leakline::session::{Session, SourceArgs};

fn role(case: &Case, role: Role) -> &RoleAccount {
    case.accountability.iter().find(|a| a.role == role).unwrap()
}

fn has_gap(account: &RoleAccount, words: &[&str]) -> bool {
    account.gaps.iter().any(|g| words.iter().all(|w| g.text.contains(w)) && !g.evidence.is_empty())
}

#[test]
fn every_gap_of_the_demo_with_its_evidence() {
    let (_dir, case) = common::demo_case();
    let appsec = role(&case, Role::Appsec);
    assert!(has_gap(appsec, &[".env holding", "Tom Okafor", "no approval in git (the forge was not consulted)"]));
    let platform = role(&case, Role::Platform);
    assert!(has_gap(
        platform,
        &["deploy/k8s/deployment.yaml", "k8s_secret_ref", "Dana Kowalski", "no approval in git"]
    ));
    assert!(has_gap(platform, &[".github/workflows/eval.yml", "ci_secret_env", "Wei Chen"]));
    let identity = role(&case, Role::Identity);
    assert!(has_gap(identity, &["160 days old", "never been rotated"]));
    assert!(has_gap(identity, &["replayed once after detection"]));
    assert!(has_gap(identity, &["no evidence that sk-proj-", "was revoked"]));
    let governance = role(&case, Role::Governance);
    assert!(has_gap(
        governance,
        &[
            "langchain upgraded",
            "PR #27",
            "written by Priya Raman",
            "no approval in git",
            "the forge was not consulted"
        ]
    ));
    assert!(has_gap(governance, &["openai upgraded", "pushed directly by a bot", "no approval in git"]));
    assert!(has_gap(governance, &["app/agent.py:6", "OPENAI_API_KEY", "implicitly"]));
    // Decisions name who made them, with a commit or an event as evidence.
    assert!(appsec.decisions.iter().any(|d| d.who.starts_with("Marcus Lee")
        && d.what.contains("approved langchain added")
        && d.evidence.starts_with("commit:")));
    assert!(identity.decisions.iter().any(|d| d.what.starts_with("revoked AKIA") && d.who.contains("hannah.brooks")));
    assert!(platform.decisions.iter().any(|d| d.evidence.starts_with("event:") && d.what.contains("k8s_rbac")));
}

#[test]
fn owners_come_from_the_owners_file_then_codeowners_then_the_evidence() {
    let (_dir, case) = common::demo_case();
    assert_eq!(role(&case, Role::Identity).owners, ["@northwind/iam (Hannah Brooks)"], "owners file, team expanded");
    assert!(role(&case, Role::Identity).owners_declared);
    let dir = common::demo_dir();
    let args = SourceArgs {
        repo: vec![dir.path().join("repo")],
        audit: vec![dir.path().join("logs").display().to_string()],
        scan: vec![dir.path().join("scans").display().to_string()],
        ..Default::default()
    };
    let case = Session::resolve(&args).unwrap().case(common::now()).unwrap();
    assert_eq!(role(&case, Role::Appsec).owners, ["@northwind/appsec"], "CODEOWNERS of the framework manifest");
    let platform = role(&case, Role::Platform);
    assert!(!platform.owners_declared);
    assert!(platform.owners.iter().any(|o| o == "Dana Kowalski"), "{:?}", platform.owners);
}
