//! The v1 JSON report of the demo names what the demo planted.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use leakline::report::{Format, render};
use serde_json::Value;

fn report() -> Value {
    let (_dir, case) = common::demo_case();
    serde_json::from_str(&render(&case, Format::Json)).expect("valid JSON")
}

#[test]
fn every_top_level_key_of_the_contract_is_present() {
    let r = report();
    for key in [
        "schema",
        "generated_by",
        "incident",
        "inputs",
        "secrets",
        "approvals",
        "reachability",
        "replays",
        "accountability",
        "metrics",
    ] {
        assert!(r.get(key).is_some(), "missing {key}");
    }
    assert_eq!(r["schema"], "leakline.report/v1");
    let roles: Vec<&str> =
        r["accountability"].as_array().unwrap().iter().map(|a| a["role"].as_str().unwrap()).collect();
    assert_eq!(roles, ["appsec", "platform", "identity", "governance"]);
    for input in r["inputs"].as_array().unwrap() {
        assert_eq!(input["rejected"], 0, "{input}");
    }
}

#[test]
fn names_the_framework_approver() {
    let r = report();
    let added = r["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["package"] == "langchain" && a["change"] == "added")
        .expect("langchain added");
    assert_eq!(added["pull_request"], 14);
    assert_eq!(added["author"]["name"], "Priya Raman");
    assert_eq!(added["approvers"][0]["name"], "Marcus Lee");
    assert_eq!(added["approvers"][0]["via"], "trailer");
    assert_eq!(added["owners"][0], "@northwind/appsec");
    let upgrade = r["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["package"] == "langchain" && a["change"] == "upgraded")
        .expect("upgrade");
    assert_eq!(upgrade["merged_by"]["name"], "Marcus Lee");
    assert_eq!(upgrade["approvers"].as_array().unwrap().len(), 0);
    let bot = r["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["package"] == "openai" && a["change"] == "upgraded")
        .expect("bot bump");
    assert_eq!(bot["bot"], true);
}

#[test]
fn names_the_reachability_author() {
    let r = report();
    let secrets = r["secrets"].as_array().unwrap();
    let openai = secrets.iter().find(|s| s["kind"] == "openai_key").expect("openai secret");
    let id = openai["id"].as_str().unwrap();
    let read = r["reachability"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "env_read" && g["path"] == "app/config.py")
        .expect("env read");
    assert_eq!(read["actor"]["name"], "Tom Okafor");
    assert_eq!(read["approvers"][0]["name"], "Priya Raman");
    assert!(read["secrets"].as_array().unwrap().iter().any(|s| s == id));
    let inject = r["reachability"].as_array().unwrap().iter().find(|g| g["kind"] == "k8s_secret_ref").expect("k8s");
    assert_eq!(inject["actor"]["name"], "Dana Kowalski");
    // Through the Kubernetes secret the manifest injects: the Role on it, then its binding.
    for kind in ["k8s_rbac"] {
        for g in r["reachability"].as_array().unwrap().iter().filter(|g| g["kind"] == kind) {
            assert_eq!(g["secrets"].as_array().unwrap().len(), 2, "{g}");
            assert_eq!(g["linked"], true);
        }
    }
    // Through the case file's [[secret]] mapping: the Vault policy that reads the OpenAI key.
    let policy = r["reachability"].as_array().unwrap().iter().find(|g| g["kind"] == "vault_policy").expect("vault");
    assert_eq!(policy["secrets"], serde_json::json!([id]));
}

#[test]
fn finds_replays_from_addresses_never_seen_before_the_leak() {
    let r = report();
    let aws = r["secrets"].as_array().unwrap().iter().find(|s| s["kind"] == "aws_access_key").expect("aws");
    assert!(aws["identifiers"].as_array().unwrap().iter().any(|i| i == leakline::demo::AWS_KEY_ID));
    assert_eq!(aws["exposed"]["path"], ".env");
    assert_eq!(aws["detected_at"], "2026-04-14T09:12:47Z");
    assert_eq!(aws["revoked_at"], "2026-04-14T13:20:05Z");
    let replays = r["replays"].as_array().unwrap();
    for ip in leakline::demo::ATTACKER_IPS {
        let hit = replays.iter().find(|x| x["ip"] == ip).unwrap_or_else(|| panic!("no replay from {ip}"));
        assert!(hit["reasons"].as_array().unwrap().iter().any(|x| x == "new_ip"));
    }
    assert!(
        replays.iter().all(|x| !x["ip"].as_str().unwrap_or("").starts_with("52.18.44.")),
        "the service's own address is its baseline"
    );
    assert!(replays.iter().any(|x| { x["reasons"].as_array().unwrap().iter().any(|y| y == "recon_call") }));
    assert!(replays.iter().any(|x| { x["reasons"].as_array().unwrap().iter().any(|y| y == "after_revocation") }));
    assert_eq!(r["metrics"]["distinct_replay_ips"], 2);
    assert_eq!(r["metrics"]["time_to_revoke_s"], 4 * 3600 + 7 * 60 + 18);
}

#[test]
fn two_runs_give_byte_identical_reports() {
    let (_a, case_a) = common::demo_case();
    let (_b, case_b) = common::demo_case();
    let strip = |s: String, dir: &str| s.replace(dir, "");
    // The time of writing is the one thing two runs may not share (a second can pass between them).
    let prov = leakline::report::Provenance { generated_at: common::now(), ..Default::default() };
    let a = strip(leakline::report::render_with(&case_a, Format::Json, &prov), _a.path().to_str().unwrap());
    let b = strip(leakline::report::render_with(&case_b, Format::Json, &prov), _b.path().to_str().unwrap());
    assert_eq!(a, b);
}
