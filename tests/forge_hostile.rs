//! A forge that is not on the responder's side, or a repository that names
//! one: the token goes only to the API address the user named (never along a
//! next-page link or a redirect to another origin, never to the host a bare
//! `--forge` read from `origin` unless `--forge-api` names it, never in the
//! address), and every answer is bounded in size and in time.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::forge_server::{Reply, Server};
use common::repo::Repo;
use leakline::ingest::forge::{ForgeSettings, parse_spec};
use leakline::session::{Session, SourceArgs};
use serde_json::{Value, json};

const ANA: (&str, &str) = ("Ana Ruiz", "ana@example.com");
const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");
const TOKEN: &str = "ghp_CanaryTokenValue0123456789abcdefABCD";
const GL_TOKEN: &str = "glpat-CanaryTokenValue0123";

/// One framework change, squashed from pull request #1.
fn one_pull() -> Repo {
    let mut r = Repo::new();
    r.put("README.md", "agent\n");
    r.commit(ANA, "init");
    r.put("requirements.txt", "langchain==0.1.0\n");
    r.commit_as(ANA, GITHUB, "Add the agent (#1)", None);
    r
}

/// Ten framework changes, squashed from pull requests #1 to #10.
fn ten_pulls() -> Repo {
    let mut r = Repo::new();
    r.put("README.md", "agent\n");
    r.commit(ANA, "init");
    for n in 1..=10 {
        r.put("requirements.txt", &format!("langchain==0.{n}.0\n"));
        r.commit_as(ANA, GITHUB, &format!("Bump langchain (#{n})"), None);
    }
    r
}

fn pull(n: u64) -> String {
    json!({"number": n, "html_url": format!("https://github.com/o/r/pull/{n}"), "user": {"login": "ana"},
        "merged_by": {"login": "marcus"}, "merged_at": "2024-01-02T00:00:00Z", "head": {"sha": "h"}, "merge_commit_sha": "m"})
    .to_string()
}

fn settings(spec: &str, api: &str, token: &str, cache: &Path) -> ForgeSettings {
    let mut settings = ForgeSettings::new(parse_spec(spec, Some(api)).unwrap(), false, Some(cache.to_path_buf()));
    settings.token = Some(token.to_string());
    settings.manners.backoff = Duration::from_millis(20);
    settings
}

fn session(repo: &Path, settings: ForgeSettings) -> Session {
    let mut s = Session::resolve(&SourceArgs { repo: vec![repo.to_path_buf()], ..SourceArgs::default() }).unwrap();
    s.forge = Some(settings);
    s
}

/// The forge input's notes, as the JSON report gives them.
fn forge_notes(s: &Session) -> String {
    let case = s.case(common::now()).unwrap();
    let doc: Value = serde_json::from_str(&leakline::report::render(&case, leakline::report::Format::Json)).unwrap();
    doc["inputs"].as_array().unwrap().iter().find(|i| i["kind"] == "forge").expect("the forge input")["notes"]
        .to_string()
}

/// Every file under `dir`, and their text, for a token search.
fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(p) = stack.pop() {
        out.push_str(&p.display().to_string());
        out.push('\n');
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else {
            out.push_str(&String::from_utf8_lossy(&std::fs::read(&p).unwrap()));
        }
    }
    out
}

/// One framework change pushed straight to main: the forge is asked which merge request holds it.
fn direct_push() -> (Repo, String) {
    let mut r = Repo::new();
    r.put("README.md", "agent\n");
    r.commit(ANA, "init");
    r.put("requirements.txt", "langchain==0.1.0\n");
    let sha = r.commit(ANA, "add langchain").to_string();
    (r, sha)
}

#[test]
fn a_next_page_on_another_host_is_not_asked_and_gets_no_token() {
    let (direct, sha) = direct_push();
    let squashed = one_pull();
    for (provider, token) in [("github", TOKEN), ("gitlab", GL_TOKEN)] {
        let r = if provider == "github" { &squashed } else { &direct };
        let forge = Server::start();
        let elsewhere = Server::start();
        elsewhere.route("/steal?page=2", vec![Reply::json("[]")]);
        // Each host is another origin for the client: `localhost` is not `127.0.0.1`.
        let stolen = format!("{}/steal?page=2", elsewhere.base.replace("127.0.0.1", "localhost"));
        let next = format!("<{stolen}>; rel=\"next\"");
        let (spec, api, reviews) = if provider == "github" {
            forge.route("/repos/o/r", vec![Reply::json("{}")]);
            forge.route("/repos/o/r/pulls/1", vec![Reply::json(pull(1))]);
            ("github:o/r", forge.base.clone(), "/repos/o/r/pulls/1/reviews?per_page=100")
        } else {
            forge.route("/api/v4/projects/g%2Fp", vec![Reply::json("{}")]);
            ("gitlab:g/p", format!("{}/api/v4", forge.base), "")
        };
        let listing = if provider == "github" {
            reviews.to_string()
        } else {
            format!("/api/v4/projects/g%2Fp/repository/commits/{sha}/merge_requests?per_page=100")
        };
        forge.route(&listing, vec![Reply::json("[]").header("Link", &next)]);
        let cache = tempfile::tempdir().unwrap();
        let notes = forge_notes(&session(r.dir.path(), settings(spec, &api, token, cache.path())));
        assert_eq!(forge.count(&listing), 1, "{provider}: {:#?}", forge.requests());
        let unanswered = if provider == "github" { "#1".to_string() } else { sha[..12].to_string() };
        assert!(
            notes.contains("on http://localhost:") && notes.contains("another origin") && notes.contains(&unanswered),
            "{provider}: {notes}"
        );
        assert!(elsewhere.requests().is_empty(), "{provider}: {:#?}", elsewhere.requests());
        assert!(forge.requests().iter().all(|r| !r.target.contains("steal")));
    }
}

#[test]
fn a_redirect_to_another_origin_is_not_followed_and_one_within_the_forge_is() {
    let r = one_pull();
    let forge = Server::start();
    let elsewhere = Server::start();
    let project = "/api/v4/projects/g%2Fp";
    forge.route(project, vec![Reply::json("{}")]);
    // A moved project: the forge's own redirect is followed, with the token.
    forge.route(
        &format!("{project}/merge_requests/1"),
        vec![Reply::status(301).header("Location", &format!("{}/api/v4/projects/7/merge_requests/1", forge.base))],
    );
    forge.route(
        "/api/v4/projects/7/merge_requests/1",
        vec![Reply::json(json!({"iid": 1, "state": "merged"}).to_string())],
    );
    let away = format!("{}/collect", elsewhere.base.replace("127.0.0.1", "localhost"));
    forge.route(&format!("{project}/merge_requests/1/approvals"), vec![Reply::status(307).header("Location", &away)]);
    elsewhere.route("/collect", vec![Reply::json(json!({"approved_by": []}).to_string())]);
    let cache = tempfile::tempdir().unwrap();
    let s = session(r.dir.path(), settings("gitlab:g/p", &format!("{}/api/v4", forge.base), GL_TOKEN, cache.path()));
    let notes = forge_notes(&s);
    assert!(elsewhere.requests().is_empty(), "the token went along: {:#?}", elsewhere.requests());
    assert!(notes.contains("redirect to http://localhost:") && notes.contains("not followed"), "{notes}");
    let moved = forge.requests().into_iter().find(|r| r.target == "/api/v4/projects/7/merge_requests/1");
    assert_eq!(moved.and_then(|r| r.headers.get("private-token").cloned()).as_deref(), Some(GL_TOKEN));
}

#[test]
fn a_bare_forge_asks_an_origin_s_own_host_only_where_forge_api_names_it() {
    let r = one_pull();
    r.repo.remote("origin", "https://attacker.example/acme/x.git").unwrap();
    let bare = |api: Option<String>| {
        Session::resolve(&SourceArgs {
            repo: vec![r.dir.path().to_path_buf()],
            forge: Some(String::new()),
            forge_api: api,
            ..SourceArgs::default()
        })
    };
    let refused = bare(None).map(|s| s.forge.map(|f| f.spec.api)).unwrap_err().to_string();
    assert!(refused.contains("attacker.example") && refused.contains("--forge-api"), "{refused}");
    // Named by the user: asked there, and the notice says where the slug came from.
    let server = Server::start();
    let named = bare(Some(server.base.clone())).unwrap();
    assert_eq!(named.forge.as_ref().map(|f| f.spec.api.as_str()), Some(server.base.as_str()));
    assert!(named.notices.iter().any(|n| n.contains("github:acme/x") && n.contains("attacker.example")));
    // On the command line: one line, exit 1, and no request anywhere.
    let out = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(["report", "--repo", &r.dir.path().display().to_string(), "--forge"])
        .env("GITHUB_TOKEN", TOKEN)
        .env("XDG_STATE_HOME", r.dir.path().join("state"))
        .env("XDG_CACHE_HOME", r.dir.path().join("cache"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!((out.status.code(), err.lines().count()), (Some(1), 1), "{err}");
    assert!(err.contains("attacker.example") && !err.contains(TOKEN), "{err}");
    assert!(!r.dir.path().join("cache").exists());
    // github.com itself needs no --forge-api; the notice shows the host.
    r.repo.remote_set_url("origin", "https://github.com/acme/x.git").unwrap();
    let public = bare(None).unwrap();
    assert_eq!(public.forge.as_ref().map(|f| f.spec.api.as_str()), Some("https://api.github.com"));
    assert!(public.notices.iter().any(|n| n.contains("github.com/acme/x")), "{:?}", public.notices);
}

#[test]
fn an_api_address_with_credentials_is_refused_before_any_request() {
    let r = one_pull();
    let server = Server::start();
    let dir = tempfile::tempdir().unwrap();
    let api = server.base.replace("http://", &format!("http://x-access-token:{TOKEN}@"));
    let out = Command::new(env!("CARGO_BIN_EXE_leakline"))
        .args(["report", "--repo", &r.dir.path().display().to_string(), "--forge", "github:o/r", "--forge-api", &api])
        .env_remove("GITHUB_TOKEN")
        .env_remove("GH_TOKEN")
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env("XDG_CACHE_HOME", dir.path().join("cache"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("GITHUB_TOKEN") && err.contains(&server.base) && !err.contains(&TOKEN[4..16]), "{err}");
    assert!(server.requests().is_empty(), "{:#?}", server.requests());
    assert!(!all_text(dir.path()).contains(&TOKEN[4..16]));
}

#[test]
fn an_answer_larger_than_max_input_is_not_read() {
    let r = one_pull();
    let huge = format!("[{}]", vec![r#"{"id":1,"state":"COMMENTED","user":{"login":"x"}}"#; 60_000].join(","));
    assert!(huge.len() > 2 << 20);
    for reply in [Reply::json(huge.clone()), Reply::json(huge.clone()).without_length()] {
        let server = Server::start();
        server.route("/repos/o/r", vec![Reply::json("{}")]);
        server.route("/repos/o/r/pulls/1", vec![Reply::json(pull(1))]);
        server.route("/repos/o/r/pulls/1/reviews?per_page=100", vec![reply.clone()]);
        let cache = tempfile::tempdir().unwrap();
        let mut settings = settings("github:o/r", &server.base, TOKEN, cache.path());
        settings.manners.max_body = 1 << 20;
        let notes = forge_notes(&session(r.dir.path(), settings));
        assert!(notes.contains("the answer is larger than 1 MiB (--max-input"), "{notes}");
        assert_eq!(server.count("/repos/o/r/pulls/1/reviews?per_page=100"), 1, "a size refused is not asked again");
        let largest = std::fs::read_dir(cache.path()).unwrap().map(|e| e.unwrap().metadata().unwrap().len()).max();
        assert!(largest.unwrap_or(0) < 1 << 20, "{largest:?}");
    }
    // Pages each within the limit, more than it together.
    let server = Server::start();
    server.route("/repos/o/r", vec![Reply::json("{}")]);
    server.route("/repos/o/r/pulls/1", vec![Reply::json(pull(1))]);
    let page = format!("[{}]", vec![r#"{"id":1,"state":"COMMENTED","user":{"login":"x"}}"#; 12_000].join(","));
    assert!(page.len() > 512 << 10 && page.len() < 1 << 20);
    for n in 1..=100 {
        let next = format!("<{}/repos/o/r/pulls/1/reviews?per_page=100&page={}>; rel=\"next\"", server.base, n + 1);
        let target = if n == 1 {
            "/repos/o/r/pulls/1/reviews?per_page=100".to_string()
        } else {
            format!("/repos/o/r/pulls/1/reviews?per_page=100&page={n}")
        };
        server.route(&target, vec![Reply::json(page.clone()).header("Link", &next)]);
    }
    let cache = tempfile::tempdir().unwrap();
    let mut settings = settings("github:o/r", &server.base, TOKEN, cache.path());
    settings.manners.max_body = 1 << 20;
    let notes = forge_notes(&session(r.dir.path(), settings));
    assert!(notes.contains("the listing's pages are larger than 1 MiB together"), "{notes}");
    let pages = server.requests().iter().filter(|q| q.target.contains("/reviews")).count();
    assert_eq!(pages, 2, "the second page makes more than 1 MiB: {notes}");
}

#[test]
fn a_trickling_forge_costs_one_deadline_not_every_try_of_every_request() {
    let r = ten_pulls();
    let server = Server::start();
    server.route("/repos/o/r", vec![Reply::json("{}")]);
    for n in 1..=10 {
        server.route(&format!("/repos/o/r/pulls/{n}"), vec![Reply::json(pull(n)).trickled(Duration::from_millis(40))]);
    }
    let cache = tempfile::tempdir().unwrap();
    let mut settings = settings("github:o/r", &server.base, TOKEN, cache.path());
    settings.manners.read_timeout = Duration::from_millis(600);
    settings.manners.deadline = Duration::from_millis(1500);
    let s = session(r.dir.path(), settings);
    let started = Instant::now();
    let notes = forge_notes(&s);
    let took = started.elapsed();
    assert!(notes.contains("no whole answer within 1.5s"), "{notes}");
    assert!(took < Duration::from_millis(4000), "{took:?}: {notes}");
}

#[test]
fn a_rate_limit_wait_is_bounded_in_all_and_said_as_it_was() {
    let r = one_pull();
    let server = Server::start();
    server.route("/repos/o/r", vec![Reply::status(403).header("Retry-After", "1")]);
    let cache = tempfile::tempdir().unwrap();
    let mut settings = settings("github:o/r", &server.base, TOKEN, cache.path());
    settings.manners.max_wait = Duration::from_secs(1);
    let s = session(r.dir.path(), settings);
    let started = Instant::now();
    let notes = forge_notes(&s);
    let took = started.elapsed();
    assert!(took < Duration::from_millis(2500), "waited {took:?}: {notes}");
    assert!(notes.contains("resets in 1s; leakline waits 1s at most in all, 1s of it waited already"), "{notes}");
    assert_eq!(server.count("/repos/o/r"), 2, "{:#?}", server.requests());
}
