//! Who approved, as the forge says: against a local server answering with the
//! documented GitHub and GitLab request paths, headers and JSON shapes, over a
//! history built with git2 (squash, merge and direct pushes).
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::path::Path;
use std::time::Duration;

use common::forge_server::{Reply, Server};
use common::repo::Repo;
use leakline::ingest::forge::{ForgeSettings, parse_spec};
use leakline::model::Case;
use leakline::report::{self, Format};
use leakline::session::{Session, SourceArgs};
use serde_json::{Value, json};

const ANA: (&str, &str) = ("Ana Ruiz", "ana@example.com");
const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");
const MARCUS: (&str, &str) = ("Marcus Lee", "marcus@example.com");
const TOKEN: &str = "ghp_CanaryTokenValue0123456789abcdefABCD";
/// The values GitHub returns with its secret-scanning alerts.
const LEAKED: &str = "sk-proj-CanaryLeakedValue0123456789abcdefghijklmnopqrstuvwxyzABCDEFGH";
const LEAKED_PAT: &str = "ghp_CanaryLeakedPat0123456789abcdefghijklmn";

struct History {
    repo: Repo,
    direct: String,
    /// Rebased onto main by GitHub's "rebase and merge": no PR number in git.
    rebased: String,
}

/// Six framework changes: squashed PRs #1, #4, #5, #6, a merged PR #2, and a direct push.
fn history() -> History {
    let mut r = Repo::new();
    r.put("README.md", "agent\n");
    r.commit(ANA, "init");
    r.put("requirements.txt", "langchain==0.1.0\n");
    r.commit_as(ANA, GITHUB, "Add the agent (#1)", None);
    let base = r.head.unwrap();
    r.put("requirements.txt", "langchain==0.2.0\n");
    let branch = r.commit(ANA, "bump langchain");
    r.head = Some(base);
    // A merge on GitHub's page: authored by whoever pressed the button.
    r.commit_as(MARCUS, GITHUB, "Merge pull request #2 from ana/bump\n\nBump langchain", Some(branch));
    r.put("requirements.txt", "langchain==0.3.0\n");
    let direct = r.commit(ANA, "bump langchain on main").to_string();
    r.put("requirements.txt", "langchain==0.3.0\nopenai==1.0.0\n");
    r.commit_as(ANA, GITHUB, "Use openai (#4)", None);
    r.put("requirements.txt", "langchain==0.3.0\nopenai==1.0.0\nanthropic==0.30.0\n");
    r.commit_as(ANA, GITHUB, "Use anthropic (#5)", None);
    r.put("requirements.txt", "langchain==0.3.0\nopenai==1.0.0\nanthropic==0.30.0\ncrewai==0.30.0\n");
    r.commit_as(ANA, GITHUB, "Use crewai (#6)", None);
    r.put("requirements.txt", "langchain==0.4.0\nopenai==1.0.0\nanthropic==0.30.0\ncrewai==0.30.0\n");
    let rebased = r.commit_as(ANA, GITHUB, "bump langchain to 0.4", None).to_string();
    History { repo: r, direct, rebased }
}

fn pull(n: u64, merged_by: &str, head: &str) -> String {
    json!({
        "number": n, "html_url": format!("https://github.com/o/r/pull/{n}"), "state": "closed",
        "user": {"login": "ana"}, "merged_by": {"login": merged_by}, "merged_at": "2024-01-02T00:00:00Z",
        "head": {"sha": head}, "merge_commit_sha": format!("{n:040}"),
    })
    .to_string()
}

fn review(id: u64, who: &str, state: &str, day: u32, head: &str) -> Value {
    json!({"id": id, "user": {"login": who}, "state": state, "submitted_at": format!("2024-01-{day:02}T10:00:00Z"), "commit_id": head})
}

fn reviews(list: &[Value]) -> Reply {
    Reply::json(Value::Array(list.to_vec()).to_string())
}

fn github(server: &Server, h: &History) {
    let direct = h.direct.as_str();
    server.route("/repos/o/r", vec![Reply::json(json!({"full_name": "o/r", "private": true}).to_string())]);
    let reviews_of = |n: u64| format!("/repos/o/r/pulls/{n}/reviews?per_page=100");
    // #1: changes requested, then approved; a comment on the second page changes nothing.
    server.route("/repos/o/r/pulls/1", vec![Reply::json(pull(1, "marcus", "h1"))]);
    server.route(
        &reviews_of(1),
        vec![
            reviews(&[review(1, "bo", "CHANGES_REQUESTED", 1, "h1"), review(2, "bo", "APPROVED", 2, "h1")]).header(
                "Link",
                &format!("<{}/repos/o/r/pulls/1/reviews?per_page=100&page=2>; rel=\"next\"", server.base),
            ),
        ],
    );
    server.route(
        "/repos/o/r/pulls/1/reviews?per_page=100&page=2",
        vec![reviews(&[review(3, "bo", "COMMENTED", 3, "h1")])],
    );
    // #2: the only approval was dismissed.
    server.route("/repos/o/r/pulls/2", vec![Reply::json(pull(2, "marcus", "h2"))]);
    server.route(&reviews_of(2), vec![reviews(&[review(4, "bo", "DISMISSED", 1, "h2")])]);
    // The direct push: the forge knows no pull request for it.
    server.route(&format!("/repos/o/r/commits/{direct}/pulls?per_page=100"), vec![Reply::json("[]")]);
    // #4: approved at an older head than the one merged.
    server.route("/repos/o/r/pulls/4", vec![Reply::json(pull(4, "marcus", "new-head"))]);
    server.route(&reviews_of(4), vec![reviews(&[review(5, "dee", "APPROVED", 1, "old-head")])]);
    // #5: a 502, then the answer; the reviews behind a secondary rate limit.
    server.route("/repos/o/r/pulls/5", vec![Reply::status(502), Reply::json(pull(5, "marcus", "h5"))]);
    server.route(
        &reviews_of(5),
        vec![Reply::status(403).header("Retry-After", "1"), reviews(&[review(6, "eve", "APPROVED", 1, "h5")])],
    );
    // #6: only a comment.
    server.route(
        "/repos/o/r/pulls/6",
        vec![
            Reply::json(pull(6, "marcus", "h6")).after(Duration::from_millis(700)),
            Reply::json(pull(6, "marcus", "h6")),
        ],
    );
    server.route(&reviews_of(6), vec![reviews(&[review(7, "cy", "COMMENTED", 1, "h6")])]);
    // A rebase merge: the forge lists the pull request whose commits it was.
    let rebased = format!("/repos/o/r/commits/{}/pulls?per_page=100", h.rebased);
    server.route(&rebased, vec![Reply::json(format!("[{}]", pull(7, "marcus", &h.rebased)))]);
    server.route("/repos/o/r/pulls/7", vec![Reply::json(pull(7, "marcus", &h.rebased))]);
    server.route(&reviews_of(7), vec![reviews(&[review(8, "bo", "APPROVED", 1, &h.rebased)])]);
    secret_scanning(server, direct);
}

/// Two alerts, as the list endpoint returns them: one pushed past push
/// protection with no bypass review, found at two commits and in an issue
/// comment; one whose bypass was reviewed, then closed as won't fix.
fn secret_scanning(server: &Server, commit: &str) {
    let alert = |n: u64, kind: &str, value: &str, extra: Value| {
        let mut a = json!({
            "number": n, "created_at": "2024-01-05T10:00:00Z", "state": "open", "secret_type": kind, "secret": value,
            "html_url": format!("https://github.com/o/r/security/secret-scanning/{n}"),
            "locations_url": format!("https://api.github.com/repos/o/r/secret-scanning/alerts/{n}/locations"),
            "first_location_detected": {"path": ".env", "start_line": n, "end_line": n, "commit_sha": commit, "blob_sha": "b"},
            "has_more_locations": n == 1,
        });
        a.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        a
    };
    let list = json!([
        alert(
            1,
            "openai_api_key",
            LEAKED,
            json!({
                "push_protection_bypassed": true, "push_protection_bypassed_by": {"login": "ana"},
                "push_protection_bypassed_at": "2024-01-05T09:59:00Z", "push_protection_bypass_request_reviewer": null,
            })
        ),
        alert(
            2,
            "github_personal_access_token",
            LEAKED_PAT,
            json!({
                "push_protection_bypassed": true, "push_protection_bypassed_by": {"login": "cy"},
                "push_protection_bypassed_at": "2024-01-06T09:00:00Z",
                "push_protection_bypass_request_reviewer": {"login": "dee"},
                "state": "resolved", "resolution": "wont_fix", "resolved_by": {"login": "dee"},
                "resolved_at": "2024-01-07T09:00:00Z",
            })
        ),
    ]);
    server.route("/repos/o/r/secret-scanning/alerts?per_page=100", vec![Reply::json(list.to_string())]);
    let locations = json!([
        {"type": "commit", "details": {"path": ".env", "start_line": 1, "end_line": 1, "commit_sha": commit}},
        {"type": "commit", "details": {"path": "app/settings.py", "start_line": 7, "end_line": 7, "commit_sha": commit}},
        {"type": "issue_comment", "details": {"issue_comment_url": "https://api.github.com/repos/o/r/issues/comments/81"}},
    ]);
    server
        .route("/repos/o/r/secret-scanning/alerts/1/locations?per_page=100", vec![Reply::json(locations.to_string())]);
}

fn session(repo: &Path, api: &str, cache: &Path, offline: bool) -> Session {
    let mut s = Session::resolve(&SourceArgs { repo: vec![repo.to_path_buf()], ..SourceArgs::default() }).unwrap();
    let mut settings =
        ForgeSettings::new(parse_spec("github:o/r", Some(api)).unwrap(), offline, Some(cache.to_path_buf()));
    settings.token = Some(TOKEN.to_string());
    settings.manners.backoff = Duration::from_millis(20);
    settings.manners.max_wait = Duration::from_secs(2);
    // #6 answers after 700 ms the first time: a read timeout, then a retry.
    settings.manners.read_timeout = Duration::from_millis(400);
    s.forge = Some(settings);
    s
}

fn judged(s: &Session) -> (Case, Value) {
    let case = s.case(common::now()).unwrap();
    let doc: Value = serde_json::from_str(&report::render(&case, Format::Json)).unwrap();
    (case, doc)
}

fn approval<'v>(doc: &'v Value, package: &str, to: &str) -> &'v Value {
    doc["approvals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["package"] == package && a["to"] == to)
        .unwrap_or_else(|| panic!("no {package} {to} in {:#}", doc["approvals"]))
}

fn logins(a: &Value) -> Vec<&str> {
    a["approvers"].as_array().unwrap().iter().filter_map(|x| x["login"].as_str()).collect()
}

fn governance_gaps(case: &Case) -> Vec<String> {
    case.accountability
        .iter()
        .filter(|r| r.role.name() == "governance")
        .flat_map(|r| r.gaps.iter().map(|g| g.text.clone()))
        .collect()
}

#[test]
fn every_change_carries_the_approvers_its_pull_requests_latest_reviews_name() {
    let h = history();
    let server = Server::start();
    github(&server, &h);
    let cache = tempfile::tempdir().unwrap();
    let s = session(h.repo.dir.path(), &server.base, cache.path(), false);
    let (case, doc) = judged(&s);
    let rebased = approval(&doc, "langchain", "0.4.0");
    assert_eq!(
        (logins(rebased), &rebased["pull_request"]),
        (vec!["bo"], &json!(7)),
        "placed by the forge: {rebased:#}"
    );

    let first = approval(&doc, "langchain", "0.1.0");
    assert_eq!(
        (logins(first), &first["approved"], &first["approval_source"]),
        (vec!["bo"], &json!(true), &json!("git+forge"))
    );
    assert_eq!(first["approvers"][0]["via"], "forge");
    assert_eq!(first["merged_by"]["name"], "marcus", "the forge's merger of a squash");
    let dismissed = approval(&doc, "langchain", "0.2.0");
    assert_eq!((logins(dismissed), &dismissed["approved"]), (vec![], &json!(false)));
    assert_eq!(approval(&doc, "anthropic", "0.30.0")["approvers"][0]["login"], "eve", "after a 502 and a rate limit");
    assert_eq!(approval(&doc, "crewai", "0.30.0")["approved"], false, "a comment is no approval");
    assert_eq!(approval(&doc, "openai", "1.0.0")["forge"]["stale"], json!(["dee"]));

    let gaps = governance_gaps(&case);
    let has = |needle: &str| gaps.iter().any(|g| g.contains(needle));
    assert!(
        has(
            "langchain upgraded 0.2.0 in requirements.txt, written by Ana Ruiz: PR #2 was merged by Marcus Lee with no approving review"
        ),
        "{gaps:#?}"
    );
    assert!(has("PR #6 was merged by marcus with no approving review"), "{gaps:#?}");
    assert!(has("pushed directly by Ana Ruiz: the forge shows no pull request"), "{gaps:#?}");
    assert!(has("PR #4 was approved by dee at an older head"), "{gaps:#?}");
    assert!(!gaps.iter().any(|g| g.contains("PR #1") || g.contains("PR #5")), "approved: {gaps:#?}");
    assert!(!has("the forge was not consulted"), "it was: {gaps:#?}");

    // Secret scanning: who pushed past push protection, who reviewed it, who closed the alert.
    assert!(has("was pushed past push protection by ana with no reviewed bypass request (alert #1)"), "{gaps:#?}");
    assert!(!has("by cy"), "cy's bypass was reviewed: {gaps:#?}");
    let governance = case.accountability.iter().find(|r| r.role.name() == "governance").unwrap();
    let decided = |what: &str, who: &str| governance.decisions.iter().any(|d| d.what.contains(what) && d.who == who);
    assert!(decided("approved the push-protection bypass", "dee") && decided("past push protection", "cy"));
    let identity = case.accountability.iter().find(|r| r.role.name() == "identity").unwrap();
    assert!(
        identity
            .decisions
            .iter()
            .any(|d| d.who == "dee" && d.what.contains("closed alert #2") && d.what.contains("wont_fix")),
        "{:#?}",
        identity.decisions
    );
    let openai =
        doc["secrets"].as_array().unwrap().iter().find(|s| s["kind"] == "openai_key").expect("the alert's key");
    let places: Vec<(&str, u64)> = openai["locations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["file"].as_str().unwrap(), l["line"].as_u64().unwrap()))
        .collect();
    assert_eq!(places, [(".env", 1), ("app/settings.py", 7)], "every commit location, once");
    assert_eq!(openai["locations"][0]["alert"]["bypass"]["by"], "ana");
    assert_eq!(server.count("/repos/o/r/secret-scanning/alerts/2/locations?per_page=100"), 0, "it has no more");

    // Polite: each pull request once, the token only in its header.
    assert_eq!(server.count("/repos/o/r/pulls/1"), 1);
    assert_eq!(server.count("/repos/o/r/pulls/5"), 2, "one retry after the 502");
    assert_eq!(server.count("/repos/o/r/pulls/6"), 2, "one retry after the timeout");
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.headers.get("authorization").map(String::as_str) == Some(&format!("Bearer {TOKEN}")))
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.headers.get("accept").map(String::as_str) == Some("application/vnd.github+json"))
    );
    for format in [Format::Json, Format::Md, Format::Html, Format::Csv] {
        let text = report::render(&case, format);
        for value in [TOKEN, LEAKED, LEAKED_PAT] {
            assert!(!text.contains(value), "{format:?}");
        }
    }
    let cached = walk(cache.path());
    assert!(cached.len() > 10);
    for file in cached {
        let text = std::fs::read_to_string(&file).unwrap();
        for value in [TOKEN, LEAKED, LEAKED_PAT] {
            assert!(!text.contains(value), "{}", file.display());
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o077, 0, "{}", file.display());
        }
    }

    // A rerun revalidates: every answer comes back 304, the same approvals.
    let before = server.requests().len();
    let (_, again) = judged(&session(h.repo.dir.path(), &server.base, cache.path(), false));
    let rerun: Vec<_> = server.requests()[before..].to_vec();
    assert!(!rerun.is_empty() && rerun.iter().all(|r| r.headers.contains_key("if-none-match")), "{rerun:#?}");
    assert_eq!(again["approvals"], doc["approvals"]);

    // Offline: no request, the same answer.
    let before = server.requests().len();
    let (_, offline) = judged(&session(h.repo.dir.path(), &server.base, cache.path(), true));
    assert_eq!(server.requests().len(), before, "--offline makes no request");
    assert_eq!(offline["approvals"], doc["approvals"]);
    assert_eq!(offline["secrets"], doc["secrets"], "the alerts too, from the sealed cache");
}

#[test]
fn a_sealed_alert_and_a_scanners_finding_of_the_same_value_are_one_secret() {
    let h = history();
    let server = Server::start();
    github(&server, &h);
    let scans = tempfile::tempdir().unwrap();
    let gitleaks = json!([{
        "RuleID": "openai-api-key", "Secret": LEAKED, "Match": format!("OPENAI_API_KEY={LEAKED}"),
        "File": "deploy/.env.prod", "StartLine": 3, "Commit": h.direct, "Author": "Ana Ruiz", "Email": "ana@example.com",
    }]);
    let file = scans.path().join("gitleaks.json");
    std::fs::write(&file, gitleaks.to_string()).unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut s = session(h.repo.dir.path(), &server.base, cache.path(), false);
    let mut with_scan = Session::resolve(&SourceArgs {
        repo: vec![h.repo.dir.path().to_path_buf()],
        scan: vec![file.display().to_string()],
        ..SourceArgs::default()
    })
    .unwrap();
    with_scan.forge = s.forge.take();
    let (_, doc) = judged(&with_scan);
    let openai: Vec<&Value> = doc["secrets"].as_array().unwrap().iter().filter(|s| s["kind"] == "openai_key").collect();
    assert_eq!(openai.len(), 1, "{openai:#?}");
    let scanners: Vec<&str> =
        openai[0]["locations"].as_array().unwrap().iter().map(|l| l["scanner"].as_str().unwrap()).collect();
    assert_eq!(scanners, ["gitleaks", "github-alerts", "github-alerts"], "joined by the value's digest");
    assert!(
        openai[0]["fingerprint"].as_str().is_some_and(|f| f.starts_with("hmac-sha256:")),
        "the scanner's keyed fingerprint"
    );
}

#[test]
fn offline_with_a_cold_cache_says_what_it_could_not_check() {
    let h = history();
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let s = session(h.repo.dir.path(), &server.base, cache.path(), true);
    let (case, doc) = judged(&s);
    assert!(server.requests().is_empty());
    let first = approval(&doc, "langchain", "0.1.0");
    assert_eq!((&first["approval_source"], &first["approved"]), (&json!("git"), &json!(false)));
    let gaps = governance_gaps(&case);
    assert!(gaps.iter().all(|g| g.contains("the forge could not answer for it: not in the cache")), "{gaps:#?}");
    let forge = doc["inputs"].as_array().unwrap().iter().find(|i| i["kind"] == "forge").expect("the forge input");
    let notes = forge["notes"].to_string();
    assert!(notes.contains("offline") && notes.contains("#1") && notes.contains("not in the cache"), "{notes}");
}

#[test]
fn a_refused_token_stops_every_request_and_a_long_rate_limit_too() {
    let h = history();
    for (reply, says) in [
        (Reply::status(401), "refused the token (401)"),
        (
            Reply::status(403).header("X-RateLimit-Remaining", "0").header("X-RateLimit-Reset", "9999999999"),
            "rate limit (403) resets in",
        ),
    ] {
        let server = Server::start();
        server.route("/repos/o/r", vec![reply.clone()]);
        for n in [1, 2, 4, 5, 6] {
            server.route(&format!("/repos/o/r/pulls/{n}"), vec![reply.clone()]);
        }
        server.route(&format!("/repos/o/r/commits/{}/pulls?per_page=100", h.direct), vec![reply.clone()]);
        let cache = tempfile::tempdir().unwrap();
        let (case, doc) = judged(&session(h.repo.dir.path(), &server.base, cache.path(), false));
        assert!(server.requests().len() <= 4, "at most the requests already in flight: {}", server.requests().len());
        let notes =
            doc["inputs"].as_array().unwrap().iter().find(|i| i["kind"] == "forge").unwrap()["notes"].to_string();
        assert!(notes.contains(says), "{notes}");
        assert!(governance_gaps(&case).iter().all(|g| g.contains("the forge could not answer for it")));
    }
}

#[test]
fn a_repository_the_forge_does_not_know_is_said_once() {
    let h = history();
    let server = Server::start();
    let cache = tempfile::tempdir().unwrap();
    let (case, doc) = judged(&session(h.repo.dir.path(), &server.base, cache.path(), false));
    assert_eq!(server.requests().len(), 1, "{:#?}", server.requests());
    let notes = doc["inputs"].as_array().unwrap().iter().find(|i| i["kind"] == "forge").unwrap()["notes"].to_string();
    assert!(notes.contains("the forge knows no repository o/r (404)"), "{notes}");
    let gaps = governance_gaps(&case);
    assert!(
        !gaps.is_empty()
            && gaps.iter().all(|g| g.contains("the forge could not answer for it: the forge knows no repository")),
        "{gaps:#?}"
    );
}

#[test]
fn gitlab_merge_requests_and_their_approvals() {
    let mut r = Repo::new();
    r.put("README.md", "x\n");
    r.commit(ANA, "init");
    r.put("requirements.txt", "langchain==0.1.0\n");
    let base = r.head.unwrap();
    let branch = r.commit(ANA, "Add langchain");
    r.head = Some(base);
    r.commit_as(
        ("Marcus Lee", "marcus@example.com"),
        ("Marcus Lee", "marcus@example.com"),
        "Merge branch 'agent' into 'main'\n\nAdd the agent\n\nSee merge request group/sub/agent!12",
        Some(branch),
    );
    let server = Server::start();
    let project = "/api/v4/projects/group%2Fsub%2Fagent";
    server.route(project, vec![Reply::json(json!({"id": 7, "path_with_namespace": "group/sub/agent"}).to_string())]);
    server.route(
        &format!("{project}/merge_requests/12"),
        vec![Reply::json(json!({"iid": 12, "web_url": "https://gitlab.example.com/group/sub/agent/-/merge_requests/12", "author": {"username": "ana"}, "merge_user": {"username": "marcus"}, "merged_at": "2024-02-01T00:00:00Z", "sha": "h12", "merge_commit_sha": "m12", "state": "merged"}).to_string())],
    );
    server.route(
        &format!("{project}/merge_requests/12/approvals"),
        vec![Reply::json(
            json!({"iid": 12, "approved_by": [{"user": {"name": "Bo Lind", "username": "bo"}}]}).to_string(),
        )],
    );
    let cache = tempfile::tempdir().unwrap();
    let mut s =
        Session::resolve(&SourceArgs { repo: vec![r.dir.path().to_path_buf()], ..SourceArgs::default() }).unwrap();
    let mut settings = ForgeSettings::new(
        parse_spec("gitlab:group/sub/agent", Some(&format!("{}/api/v4", server.base))).unwrap(),
        false,
        Some(cache.path().to_path_buf()),
    );
    settings.token = Some("glpat-CanaryTokenValue0123".into());
    s.forge = Some(settings);
    let (_, doc) = judged(&s);
    let a = approval(&doc, "langchain", "0.1.0");
    assert_eq!(
        (a["approvers"][0]["name"].as_str(), logins(a), &a["approved"]),
        (Some("Bo Lind"), vec!["bo"], &json!(true))
    );
    assert_eq!(a["pull_request"], 12);
    assert!(
        server
            .requests()
            .iter()
            .all(|r| r.headers.get("private-token").map(String::as_str) == Some("glpat-CanaryTokenValue0123"))
    );
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() { out.extend(walk(&path)) } else { out.push(path) }
    }
    out
}

#[test]
fn three_hundred_pull_requests_each_carry_exactly_their_latest_reviews() {
    let mut r = Repo::new();
    r.put("README.md", "agent\n");
    r.commit(ANA, "init");
    let server = Server::start();
    server.route("/repos/o/r", vec![Reply::json("{}")]);
    let reviewers = ["bo", "cy", "dee"];
    let mut expected = Vec::new();
    for n in 1..=300u64 {
        r.put("requirements.txt", &format!("langchain==0.{n}.0\n"));
        r.commit_as(ANA, GITHUB, &format!("Bump langchain to 0.{n}.0 (#{n})"), None);
        server.route(&format!("/repos/o/r/pulls/{n}"), vec![Reply::json(pull(n, "marcus", &format!("h{n}")))]);
        // Reviewer i approves PR n when bit i of n is set; otherwise they asked for changes.
        let list: Vec<Value> = reviewers
            .iter()
            .enumerate()
            .map(|(i, who)| {
                let state = if n >> i & 1 == 1 { "APPROVED" } else { "CHANGES_REQUESTED" };
                review(n * 10 + i as u64, who, state, 1 + i as u32, &format!("h{n}"))
            })
            .collect();
        server.route(&format!("/repos/o/r/pulls/{n}/reviews?per_page=100"), vec![reviews(&list)]);
        let approving: Vec<&str> =
            reviewers.iter().enumerate().filter(|(i, _)| n >> i & 1 == 1).map(|(_, w)| *w).collect();
        expected.push((format!("0.{n}.0"), approving));
    }
    let cache = tempfile::tempdir().unwrap();
    let (_, doc) = judged(&session(r.dir.path(), &server.base, cache.path(), false));
    for (version, approving) in &expected {
        let a = approval(&doc, "langchain", version);
        assert_eq!(&logins(a), approving, "{version}");
        assert_eq!(a["approved"], !approving.is_empty(), "{version}");
    }
    assert_eq!(
        server.requests().len(),
        602,
        "two requests a pull request, none per commit, one for the repository, one for the alerts"
    );
}
