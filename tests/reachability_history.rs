//! Who made a secret reachable, on repositories built with git2: every rule
//! family in each language, removed lines, renamed files, an innocent later
//! commit, user rules, and the links from grants to the secrets they reach.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests fail loudly by design

mod common;

use common::repo::Repo;
use leakline::ingest::ReadOptions;
use leakline::ingest::git::reachability::parse_rules;
use leakline::model::{Evidence, Grant, GrantKind, Scope};

const ANA: (&str, &str) = ("Ana Ruiz", "ana@example.com");
const BO: (&str, &str) = ("Bo Lind", "bo@example.com");
const GITHUB: (&str, &str) = ("GitHub", "noreply@github.com");

fn grants(ev: &Evidence, kind: GrantKind) -> Vec<&Grant> {
    ev.grants.iter().filter(|g| g.kind == kind).collect()
}

fn names(ev: &Evidence, kind: GrantKind, path: &str) -> Vec<String> {
    grants(ev, kind).into_iter().filter(|g| g.path == path).flat_map(|g| g.secret_names.clone()).collect()
}

#[test]
fn environment_reads_in_every_language() {
    let mut r = Repo::new();
    r.put("py/app.py", "import os\nk = os.environ[\"OPENAI_API_KEY\"]\nt = os.getenv('GITHUB_TOKEN')\nr = os.environ.get(\"AWS_REGION\")\n")
        .put("js/app.js", "const key = process.env.ANTHROPIC_API_KEY;\nconst { STRIPE_SECRET, PORT } = process.env;\n")
        .put("ts/app.ts", "const k = process.env[\"HF_TOKEN\"];\n")
        .put("rs/main.rs", "let k = std::env::var(\"SLACK_BOT_TOKEN\").unwrap();\n")
        .put("go/main.go", "k := os.Getenv(\"DB_PASSWORD\")\nv, ok := os.LookupEnv(\"VAULT_TOKEN\")\n")
        .put("java/App.java", "String k = System.getenv(\"OPENAI_API_KEY\");\n")
        .put("rb/app.rb", "key = ENV['SENDGRID_API_KEY']\nk2 = ENV.fetch(\"SECRET_KEY_BASE\")\n");
    r.commit(ANA, "Read config from the environment");
    let ev = r.read();
    assert_eq!(
        names(&ev, GrantKind::EnvRead, "py/app.py"),
        ["OPENAI_API_KEY", "GITHUB_TOKEN"],
        "AWS_REGION is not a secret"
    );
    assert_eq!(names(&ev, GrantKind::EnvRead, "js/app.js"), ["ANTHROPIC_API_KEY", "STRIPE_SECRET"]);
    assert_eq!(names(&ev, GrantKind::EnvRead, "ts/app.ts"), ["HF_TOKEN"]);
    assert_eq!(names(&ev, GrantKind::EnvRead, "rs/main.rs"), ["SLACK_BOT_TOKEN"]);
    assert_eq!(names(&ev, GrantKind::EnvRead, "go/main.go"), ["DB_PASSWORD", "VAULT_TOKEN"]);
    assert_eq!(names(&ev, GrantKind::EnvRead, "java/App.java"), ["OPENAI_API_KEY"]);
    assert_eq!(names(&ev, GrantKind::EnvRead, "rb/app.rb"), ["SENDGRID_API_KEY", "SECRET_KEY_BASE"]);
    assert!(ev.grants.iter().all(|g| g.actor.name == "Ana Ruiz"));
}

#[test]
fn dotenv_framework_defaults_and_widening_settings() {
    let mut r = Repo::new();
    r.put(
        "agent/main.py",
        "from dotenv import load_dotenv\nload_dotenv()\nllm = ChatOpenAI(model=\"gpt-4o\")\nsafe = ChatOpenAI(api_key=key)\nc = Anthropic()\ns3 = boto3.client(\"s3\")\nset_debug(True)\nagent = initialize_agent(tools, llm, verbose=True)\nrepl = PythonREPLTool()\nchain = LLMMathChain(llm=llm, allow_dangerous_code=True)\n",
    )
    .put("web/index.js", "require('dotenv').config();\nconst openai = new OpenAI();\n");
    r.commit(ANA, "Agent");
    let ev = r.read();
    assert_eq!(grants(&ev, GrantKind::Dotenv).len(), 2);
    let defaults = names(&ev, GrantKind::FrameworkDefault, "agent/main.py");
    for expected in ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "AWS_ACCESS_KEY_ID"] {
        assert!(defaults.iter().any(|n| n == expected), "{expected} missing from {defaults:?}");
    }
    // Widening settings have their own kind, name what they turn on and no secret;
    // `verbose=True` only prints chain steps and is not one.
    let widening: Vec<(Option<u32>, Vec<String>, Vec<String>)> = grants(&ev, GrantKind::WideningSetting)
        .iter()
        .map(|g| (g.line, g.settings.clone(), g.secret_names.clone()))
        .collect();
    let settings = ["debug_logging", "python_repl_tool", "allow_dangerous_code"].map(String::from).to_vec();
    assert_eq!(widening, [(Some(7), settings, vec![])], "one decision per kind and file in a commit");
    let lines: Vec<u32> = grants(&ev, GrantKind::FrameworkDefault).iter().filter_map(|g| g.line).collect();
    assert!(!lines.contains(&4), "a client given its key explicitly reads nothing implicitly");
    assert_eq!(names(&ev, GrantKind::FrameworkDefault, "web/index.js"), ["OPENAI_API_KEY"]);
}

#[test]
fn containers_deployments_and_ci() {
    let mut r = Repo::new();
    r.put(".env.production", "DATABASE_PASSWORD=hunter2hunter2\nLOG_LEVEL=info\n")
        .put(".env.example", "OPENAI_API_KEY=\n")
        .put("Dockerfile", "FROM python:3.12\nARG OPENAI_API_KEY\nENV APP_PORT=8000\nENV SENTRY_DSN=${SENTRY_DSN}\n")
        .put("docker-compose.yml", "services:\n  app:\n    env_file: .env\n    environment:\n      - ANTHROPIC_API_KEY=${ANTHROPIC_API_KEY}\n      - DEBUG=1\n")
        .put("k8s/deploy.yaml", "spec:\n  automountServiceAccountToken: true\n  containers:\n    - envFrom:\n        - secretRef:\n            name: app-secrets\n  volumes:\n    - name: creds\n      secret:\n        secretName: gcp-credentials\n")
        .put("chart/values.yaml", "image: app\nopenaiApiKey: sk-not-a-real-key-but-long\n")
        .put(".github/workflows/ci.yml", "on: pull_request_target\nenv:\n  OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}\njobs:\n  t:\n    runs-on: ubuntu-latest\n")
        .put(".gitlab-ci.yml", "variables:\n  DEPLOY_TOKEN: $CI_DEPLOY_TOKEN\n  IMAGE: app\n");
    r.commit(BO, "Ship it");
    let ev = r.read();
    assert_eq!(names(&ev, GrantKind::EnvFile, ".env.production"), ["DATABASE_PASSWORD"]);
    assert!(names(&ev, GrantKind::EnvFile, ".env.example").is_empty(), "examples hold no values");
    assert_eq!(names(&ev, GrantKind::DockerfileEnv, "Dockerfile"), ["OPENAI_API_KEY", "SENTRY_DSN"]);
    assert_eq!(names(&ev, GrantKind::ComposeEnv, "docker-compose.yml"), [".env", "ANTHROPIC_API_KEY"]);
    let k8s = names(&ev, GrantKind::K8sSecretRef, "k8s/deploy.yaml");
    assert_eq!(k8s, ["serviceaccount-token", "secret:app-secrets", "secret:gcp-credentials"]);
    assert_eq!(names(&ev, GrantKind::K8sSecretRef, "chart/values.yaml"), ["openaiApiKey"]);
    let ci = names(&ev, GrantKind::CiSecretEnv, ".github/workflows/ci.yml");
    assert_eq!(ci, ["OPENAI_API_KEY", "trigger:pull_request_target"]);
    assert_eq!(names(&ev, GrantKind::CiSecretEnv, ".gitlab-ci.yml"), ["DEPLOY_TOKEN"]);
    // Values never reach the excerpts or the context lines.
    let shown: String = ev
        .grants
        .iter()
        .flat_map(|g| std::iter::once(g.excerpt.clone()).chain(g.context.iter().map(|c| c.text.clone())))
        .collect();
    assert!(!shown.contains("hunter2hunter2") && !shown.contains("sk-not-a-real-key"), "{shown}");
}

#[test]
fn mentions_are_not_grants_and_tests_and_docs_are_scoped() {
    let mut r = Repo::new();
    r.put("README.md", "Set `os.environ[\"OPENAI_API_KEY\"]` before running.\n")
        .put("docs/setup.py", "os.environ[\"OPENAI_API_KEY\"]\n")
        .put("tests/test_app.py", "os.environ[\"OPENAI_API_KEY\"] = \"test\"\n")
        .put("app/main.py", "# key = os.environ[\"OPENAI_API_KEY\"]\n// not python\n");
    r.commit(ANA, "Docs and tests");
    // Prose and comments mention; code under docs/ and tests/ reads, and is
    // claimed with its scope and the reason for it.
    let ev = r.read();
    let scoped: Vec<(&str, Scope, &str)> =
        ev.grants.iter().map(|g| (g.path.as_str(), g.scope, g.scope_reason.as_str())).collect();
    assert_eq!(
        scoped,
        [
            ("docs/setup.py", Scope::Docs, "under docs/, documentation"),
            ("tests/test_app.py", Scope::Test, "under tests/, a test folder"),
        ]
    );
}

#[test]
fn documentation_that_compose_builds_is_runtime_and_the_case_says_why() {
    let mut r = Repo::new();
    r.put("docs/server/index.js", "const key = process.env.OPENAI_API_KEY;\n")
        .put("docs/guide/snippet.js", "const key = process.env.OPENAI_API_KEY;\n")
        .put("docker-compose.yml", "services:\n  docs:\n    build: ./docs/server\n")
        .put("Dockerfile", "FROM python:3.12\nCOPY . .\n");
    r.commit(ANA, "Serve the docs");
    let ev = r.read();
    assert_eq!(ev.run_roots.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(), ["docs/server"]);
    let case = leakline::correlate::correlate(&ev, &leakline::correlate::Context::default());
    let scoped: Vec<(&str, Scope)> = case.reachability.iter().map(|r| (r.grant.path.as_str(), r.grant.scope)).collect();
    assert_eq!(scoped, [("docs/guide/snippet.js", Scope::Docs), ("docs/server/index.js", Scope::Runtime)]);
    let reason = &case.reachability.iter().find(|r| r.grant.scope == Scope::Runtime).unwrap().grant.scope_reason;
    assert!(reason.starts_with("docker-compose.yml builds it (docs/server)"), "{reason}");
}

#[test]
fn removed_lines_are_unwirings_and_a_later_edit_is_not_a_grant() {
    let mut r = Repo::new();
    r.put("app/config.py", "import os\nKEY = os.environ[\"OPENAI_API_KEY\"]\nTIMEOUT = 30\n");
    r.commit(ANA, "Read the key");
    // An innocent later commit touches the same file, not the read.
    r.put("app/config.py", "import os\nKEY = os.environ[\"OPENAI_API_KEY\"]\nTIMEOUT = 60\n");
    r.commit(BO, "Longer timeout");
    r.put("app/config.py", "import os\nTIMEOUT = 60\n");
    r.commit_as(BO, GITHUB, "Drop the key (#9)\n\nReviewed-by: Ana Ruiz <ana@example.com>\n", None);
    let ev = r.read();
    assert_eq!(ev.grants.len(), 1);
    assert_eq!(ev.grants[0].actor.name, "Ana Ruiz");
    assert_eq!(ev.unwirings.len(), 1);
    let removal = &ev.unwirings[0];
    assert_eq!((removal.actor.name.as_str(), removal.kind), ("Bo Lind", GrantKind::EnvRead));
    assert_eq!(removal.commit.as_ref().and_then(|c| c.pull_request), Some(9));
}

#[test]
fn a_renamed_file_is_not_written_by_whoever_moved_it() {
    let mut r = Repo::new();
    r.put("app/config.py", "import os\nKEY = os.environ[\"OPENAI_API_KEY\"]\n");
    let ana = r.commit(ANA, "Read the key");
    r.delete("app/config.py").put("app/settings/config.py", "import os\nKEY = os.environ[\"OPENAI_API_KEY\"]\n");
    r.commit(BO, "Move config");
    r.delete("app/settings/config.py").put(
        "app/settings.py",
        "import os\nKEY = os.environ[\"OPENAI_API_KEY\"]\nTOKEN = os.getenv(\"GITHUB_TOKEN\")\n",
    );
    r.commit(BO, "Rename and extend");
    let ev = r.read();
    // The read is claimed where it now stands, after each move, and is Ana's
    // each time (as git blame says); Bo wrote only the line he added.
    let by: Vec<(&str, &str, Vec<String>, String)> = ev
        .grants
        .iter()
        .map(|g| {
            let introduced = g.introduced_by.as_ref().map(|i| i.commit.clone()).unwrap_or_default();
            (g.path.as_str(), g.actor.name.as_str(), g.secret_names.clone(), introduced)
        })
        .collect();
    let key = || vec!["OPENAI_API_KEY".to_string()];
    let ana = ana.to_string();
    let extend = ev.grants.iter().find(|g| g.secret_names == ["GITHUB_TOKEN"]).and_then(|g| g.commit.clone()).unwrap();
    assert_eq!(
        by,
        [
            ("app/config.py", "Ana Ruiz", key(), ana.clone()),
            ("app/settings/config.py", "Ana Ruiz", key(), ana.clone()),
            ("app/settings.py", "Ana Ruiz", key(), ana.clone()),
            ("app/settings.py", "Bo Lind", vec!["GITHUB_TOKEN".to_string()], extend.id.clone()),
        ]
    );
    let carried = ev.grants.iter().find(|g| g.path == "app/settings.py" && g.actor.name == "Ana Ruiz").unwrap();
    assert_eq!(carried.commit.as_ref().unwrap().id, extend.id, "claimed at the move, credited to the writer");
    assert!(!carried.context.iter().any(|l| l.marked && l.text.contains("OPENAI")), "the move did not add the line");
    assert!(ev.unwirings.is_empty(), "a move removes nothing");
}

#[test]
fn squash_merges_credit_the_author_and_the_trailer_approvers_only() {
    let mut r = Repo::new();
    r.put("app/ok.py", "x = 1\n");
    r.commit(ANA, "Start");
    r.put("app/keys.py", "import os\nKEY = os.environ[\"ANTHROPIC_API_KEY\"]\n");
    r.commit_as(
        BO,
        GITHUB,
        "Use Claude (#21)\n\nCo-authored-by: Cy Park <cy@example.com>\nApproved-by: Dee Ng <dee@example.com>\n",
        None,
    );
    let ev = r.read();
    let g = &ev.grants[0];
    assert_eq!(g.actor.name, "Bo Lind");
    let commit = g.commit.as_ref().unwrap();
    assert_eq!(commit.approvers.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Dee Ng"]);
    assert_eq!(commit.committer.name, "GitHub");
    assert!(commit.merged_by.is_none());
}

#[test]
fn user_rules_find_what_the_built_ins_do_not() {
    let mut r = Repo::new();
    r.put("svc/conf.py", "KEY = vault.read(\"secret/data/prod/openai\")\n")
        .put("svc/other.txt", "vault.read(\"secret/x\")\n");
    r.commit(ANA, "Read from Vault");
    let rules = parse_rules(
        "[[rule]]\nkind = \"env_read\"\nfiles = \"**/*.py\"\nregex = 'vault\\.read\\(\"(?P<name>[^\"]+)\"\\)'\n",
    )
    .unwrap();
    let ev = r.read_with(&ReadOptions { rules, ..ReadOptions::default() });
    assert_eq!(ev.grants.len(), 1);
    assert_eq!(ev.grants[0].secret_names, ["secret/data/prod/openai"]);
    assert_eq!(ev.grants[0].path, "svc/conf.py");
}
