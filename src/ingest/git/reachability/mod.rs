//! Built-in rules over the lines a commit added (or removed): the ways a secret
//! becomes readable at runtime. Documentation, comments and test fixtures only
//! mention variables; they are not grants.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::ingest::redact;
use crate::model::{GrantKind, Scope};

mod ci;
mod code;
mod deploy;
mod user;

pub use user::{UserRule, compile_rules, parse_rules};

/// One rule hit on one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub kind: GrantKind,
    pub line: u32,
    pub names: Vec<String>,
    pub excerpt: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FileClass {
    Code,
    DotEnv,
    Dockerfile,
    Compose,
    Ci,
    Manifests,
    Ignored,
}

/// Where code at `path` runs (see `Scope::of`).
pub fn scope_of(path: &str) -> (Scope, String) {
    Scope::of(path)
}

fn classify(path: &str) -> FileClass {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    // Prose, and code nobody wrote by hand: vendored packages and build output.
    let generated = lower.split('/').any(|c| matches!(c, "node_modules" | "vendor" | "dist" | ".next" | "__pycache__"))
        || lower.contains("/build/assets/")
        || name.contains(".min.")
        || name.ends_with(".map");
    if generated || matches!(ext, "md" | "rst" | "adoc" | "txt" | "html") {
        return FileClass::Ignored;
    }
    if name == ".env"
        || (name.starts_with(".env.")
            && !["example", "sample", "template", "dist", "defaults"].iter().any(|s| name.ends_with(s)))
    {
        return FileClass::DotEnv;
    }
    if name.starts_with("dockerfile") || name.ends_with(".dockerfile") || name == "containerfile" {
        return FileClass::Dockerfile;
    }
    let yaml = matches!(ext, "yml" | "yaml");
    if yaml && (name.starts_with("docker-compose") || name.starts_with("compose")) {
        return FileClass::Compose;
    }
    if yaml && (lower.starts_with(".github/workflows/") || name == ".gitlab-ci.yml") {
        return FileClass::Ci;
    }
    if yaml {
        return FileClass::Manifests;
    }
    if matches!(ext, "py" | "js" | "mjs" | "cjs" | "ts" | "tsx" | "jsx" | "rs" | "go" | "java" | "kt" | "rb" | "sh") {
        return FileClass::Code;
    }
    FileClass::Ignored
}

/// Whether any rule could apply to this path (so the caller can skip the rest).
pub fn applies_to(path: &str, user_rules: &[UserRule]) -> bool {
    classify(path) != FileClass::Ignored || user_rules.iter().any(|r| r.matches(path))
}

pub(super) fn re(pattern: &str) -> Regex {
    // Patterns are literals in this file; a bad one is caught by the tests below.
    Regex::new(pattern).unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()))
}

pub(super) static ASSIGNMENT: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$"));
pub(super) static YAML_NAME: LazyLock<Regex> = LazyLock::new(|| re(r#"^\s*-?\s*name:\s*["']?([A-Za-z0-9_.-]+)"#));
/// Words of a variable name that make it a credential.
const CREDENTIAL_WORDS: &[&str] =
    &["KEY", "APIKEY", "TOKEN", "SECRET", "PASSWORD", "PASSWD", "PWD", "CREDENTIAL", "CREDENTIALS", "CREDS", "DSN"];
/// Last words that make a name a setting about a credential, not the credential:
/// `SMART_TOKEN_LIMIT`, `AUTH_TYPE`, `API_KEY_ENABLED`, `SECRET_NAME`.
const SETTING_WORDS: &[&str] = &[
    "LIMIT",
    "LIMITS",
    "TYPE",
    "ENABLED",
    "ENABLE",
    "DISABLED",
    "MODE",
    "LEVEL",
    "PORT",
    "HOST",
    "REGION",
    "MODEL",
    "URL",
    "URI",
    "ENDPOINT",
    "VERSION",
    "NAME",
    "COUNT",
    "MAX",
    "MIN",
    "SIZE",
    "TIMEOUT",
    "TTL",
    "EXPIRY",
    "EXPIRES",
    "HEADER",
    "PREFIX",
    "LENGTH",
    "FORMAT",
    "FIELD",
    "ALGORITHM",
    "DIR",
    "REQUIRED",
    "FORCE",
];

/// Whether a name is one a connection string goes by (`DATABASE_URL`,
/// `RECORD_MANAGER_DB_URL`, `REDIS_URI`, `MONGO_CONNECTION_STRING`): such a
/// URL carries its user and password.
pub fn is_connection_name(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let words: Vec<&str> = upper.split(|c: char| !c.is_ascii_alphanumeric()).filter(|w| !w.is_empty()).collect();
    const STORES: &[&str] = &[
        "DB",
        "DATABASE",
        "REDIS",
        "MONGO",
        "MONGODB",
        "POSTGRES",
        "POSTGRESQL",
        "PG",
        "MYSQL",
        "AMQP",
        "RABBITMQ",
        "BROKER",
        "CELERY",
    ];
    let url = words.last().is_some_and(|w| matches!(*w, "URL" | "URI"));
    (url && words.iter().any(|w| STORES.contains(w))) || upper.ends_with("CONNECTION_STRING")
}

/// Whether a name's last word makes it a setting (`_URL`, `_MODEL`, `_LIMIT`).
pub fn is_setting_name(name: &str) -> bool {
    name_words(name).last().is_some_and(|w| SETTING_WORDS.contains(&w.as_str()))
}

/// A name's words: `_`, `-`, `.` and camelCase split, upper-cased.
fn name_words(name: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut previous_lower = false;
    for ch in name.chars() {
        if !ch.is_ascii_alphanumeric() {
            words.extend((!current.is_empty()).then(|| std::mem::take(&mut current)));
            previous_lower = false;
            continue;
        }
        if ch.is_ascii_uppercase() && previous_lower {
            words.push(std::mem::take(&mut current));
        }
        previous_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        current.push(ch.to_ascii_uppercase());
    }
    words.extend((!current.is_empty()).then_some(current));
    words
}

/// Whether a value is a URL with a user and password in it (`postgres://u:p@h/db`).
pub fn has_user_info(value: &str) -> bool {
    USER_INFO.is_match(value)
}

static USER_INFO_PASSWORD: LazyLock<Regex> = LazyLock::new(|| re(r"([A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:)[^@\s/]+@"));
static USER_INFO: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]*:[^@\s/]+@"));

/// Whether a variable name names a credential (a key, token, secret,
/// password, credential or DSN), not a setting about one: judged by its words
/// (`_`, `-`, `.` and camelCase split), so `OPENAI_API_KEY` and `dbPassword`
/// are credentials and `MAX_TOKENS`, `AUTH_TYPE` and `KEYBOARD_LAYOUT` are not.
/// Names meant to be public (`NEXT_PUBLIC_*`, publishable and anon keys) are not.
pub fn is_credential_name(name: &str) -> bool {
    let words = name_words(name);
    let Some(last) = words.last() else { return false };
    let public = words.first().is_some_and(|w| w == "NEXT") && words.get(1).is_some_and(|w| w == "PUBLIC")
        || words.iter().any(|w| w == "PUBLISHABLE" || w == "ANON");
    if public || SETTING_WORDS.contains(&last.as_str()) {
        return false;
    }
    // `MAX_TOKENS`: a count of tokens, not one.
    if words.iter().any(|w| w == "TOKENS") && !words.iter().any(|w| CREDENTIAL_WORDS.contains(&w.as_str())) {
        return false;
    }
    words.iter().any(|w| {
        CREDENTIAL_WORDS.contains(&w.as_str())
            || ["APIKEY", "TOKEN", "SECRET", "PASSWORD"].iter().any(|end| w.len() > end.len() && w.ends_with(end))
    })
}

/// Lines longer than this are not read (minified bundles, generated data).
const MAX_LINE: usize = 4_000;

/// Hits collected for one line.
pub(super) struct Line<'a> {
    pub text: &'a str,
    pub number: u32,
    pub hits: &'a mut Vec<Hit>,
}

impl Line<'_> {
    /// A setting that widens what the framework can leak: it names no secret.
    pub fn push_setting(&mut self, setting: &str) {
        self.push(GrantKind::WideningSetting, vec![setting.to_string()]);
    }

    pub fn push(&mut self, kind: GrantKind, mut names: Vec<String>) {
        let mut seen = BTreeSet::new();
        names.retain(|x| !x.is_empty() && seen.insert(x.clone()));
        self.hits.push(Hit { kind, line: self.number, names, excerpt: redact_line(self.text.trim_start()) });
    }
}

/// Rule hits on the given lines (1-based) of a file's content: the built-in
/// rules for the file's kind, then the user's rules whose glob matches it.
pub fn scan(path: &str, content: &str, lines: &BTreeSet<u32>, user_rules: &[UserRule]) -> Vec<Hit> {
    let class = classify(path);
    let users: Vec<&UserRule> = user_rules.iter().filter(|r| r.matches(path)).collect();
    if (class == FileClass::Ignored && users.is_empty()) || lines.is_empty() {
        return Vec::new();
    }
    let all: Vec<&str> = content.lines().collect();
    let mut hits = Vec::new();
    for &n in lines {
        let Some(text) = all.get(n as usize - 1) else { continue };
        // A line this long is minified or generated code, not a decision someone reviewed.
        if text.len() > MAX_LINE {
            continue;
        }
        let trimmed = text.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with("//") || trimmed.starts_with("* ") {
            continue;
        }
        let mut line = Line { text, number: n, hits: &mut hits };
        match class {
            FileClass::Code => code::scan(&mut line, &all, n as usize - 1),
            FileClass::DotEnv => deploy::dotenv_file(&mut line),
            FileClass::Dockerfile => deploy::dockerfile(&mut line),
            FileClass::Compose => deploy::compose(&mut line),
            FileClass::Ci => ci::scan(&mut line, &all, path),
            FileClass::Manifests => deploy::manifest(&mut line, &all, n as usize - 1, path),
            FileClass::Ignored => {}
        }
        for rule in &users {
            if let Some(names) = rule.apply(text) {
                line.push(rule.kind, names);
            }
        }
    }
    hits
}

/// `name = value`, `name: value`, `"name": "value"`: an assignment whose name
/// may say the value is a credential.
static ASSIGNED: LazyLock<Regex> = LazyLock::new(|| {
    re(r#"(?P<lead>(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)["']?\s*(?P<op>[:=])\s*)(?P<value>"[^"]*"|'[^']*'|[^\s,;#)}\]]+)"#)
});
/// Runs of characters a secret value is written in.
static TOKEN: LazyLock<Regex> = LazyLock::new(|| re(r"[A-Za-z0-9+/_.\-]{12,}={0,2}"));

/// Whether an assigned value is written out (a literal), rather than read
/// from somewhere (`os.environ[…]`, `${VAR}`, `${{ secrets.X }}`, a variable).
fn is_literal(value: &str, whole_line: bool, op: &str) -> bool {
    let quoted = value.starts_with('"') || value.starts_with('\'');
    let inner = value.trim_matches(|c| c == '"' || c == '\'');
    if inner.is_empty() || inner.starts_with('$') || inner.contains("${") {
        return false;
    }
    if quoted {
        return true;
    }
    // Unquoted: in code a name is a variable; as the whole rest of a `.env`
    // or YAML line it is the value itself.
    let code_like =
        inner.contains('(') || inner.contains('[') || inner.starts_with("os.") || inner.starts_with("process.");
    !code_like && whole_line && (op == ":" || !value.contains(' '))
}

/// The line as it may be shown: a value assigned to a credential-named key,
/// a URL's password and anything that looks like a secret are replaced by
/// their redacted label; identifiers, names, model ids and indentation are
/// kept; the line is cut to a readable length.
pub fn redact_line(line: &str) -> String {
    let line = line.trim_end();
    // A URL's password is a secret whatever the line around it looks like.
    let masked = USER_INFO_PASSWORD.replace_all(line, "$1…@");
    let assigned = ASSIGNED.replace_all(&masked, |c: &regex::Captures| {
        let value = &c["value"];
        let whole_line = c.get(0).is_some_and(|m| masked[m.end()..].trim().is_empty());
        if is_credential_name(&c["name"]) && is_literal(value, whole_line, &c["op"]) {
            let quote = if value.starts_with('"') {
                "\""
            } else if value.starts_with('\'') {
                "'"
            } else {
                ""
            };
            let inner = value.trim_matches(|ch| ch == '"' || ch == '\'');
            format!("{}{quote}{}{quote}", &c["lead"], redact::label(inner))
        } else {
            c[0].to_string()
        }
    });
    let tokens =
        TOKEN.replace_all(
            &assigned,
            |c: &regex::Captures| {
                if redact::looks_secret(&c[0]) { redact::label(&c[0]) } else { c[0].to_string() }
            },
        );
    let mut out: String = tokens.chars().take(160).collect();
    if tokens.chars().count() > 160 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all_lines(content: &str) -> BTreeSet<u32> {
        (1..=content.lines().count() as u32).collect()
    }

    #[test]
    fn code_reads_and_framework_defaults() {
        let py = "import os\nfrom dotenv import load_dotenv\nload_dotenv()\nkey = os.environ[\"OPENAI_API_KEY\"]\n# os.getenv(\"IGNORED\")\nllm = ChatOpenAI(model=\"gpt-4o\")\nc = OpenAI(api_key=key)\n";
        let hits = scan("agent/app.py", py, &all_lines(py), &[]);
        let kinds: Vec<_> = hits.iter().map(|h| (h.kind, h.line)).collect();
        assert_eq!(kinds, vec![(GrantKind::Dotenv, 3), (GrantKind::EnvRead, 4), (GrantKind::FrameworkDefault, 6)]);
        assert_eq!(hits[1].names, vec!["OPENAI_API_KEY"]);
        assert!(scan("docs/setup.md", py, &all_lines(py), &[]).is_empty(), "prose mentions, it does not read");
        for built in ["docs/build/assets/js/c669.js", "web/dist/app.js", "web/vendor.min.js", "node_modules/x/index.js"]
        {
            assert!(scan(built, py, &all_lines(py), &[]).is_empty(), "{built} is build output");
        }
        let minified = format!("var a=new OpenAI({{}});{}\n", "x".repeat(5_000));
        assert!(scan("web/bundle.js", &minified, &all_lines(&minified), &[]).is_empty());
        assert_eq!(scan("tests/test_app.py", py, &all_lines(py), &[]).len(), 3, "tests are read, and scoped");
    }

    #[test]
    fn credential_names_are_told_from_settings_by_their_words() {
        for name in [
            "OPENAI_API_KEY",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_ACCESS_KEY_ID",
            "GH_TOKEN",
            "DB_PASSWORD",
            "dbPassword",
            "openaiApiKey",
            "SENTRY_DSN",
            "GOOGLE_APPLICATION_CREDENTIALS",
            "VAULT_TOKEN",
            "JWT_SECRET",
            "OPENAIAPIKEY",
        ] {
            assert!(is_credential_name(name), "{name} is a credential");
        }
        for name in [
            "SMART_TOKEN_LIMIT",
            "AUTH_TYPE",
            "MAX_TOKENS",
            "API_KEY_ENABLED",
            "SECRET_NAME",
            "KEYBOARD_LAYOUT",
            "NEXTAUTH_URL",
            "NEXT_PUBLIC_SUPABASE_ANON_KEY",
            "STRIPE_PUBLISHABLE_KEY",
            "OPENAI_MODEL",
            "MONKEY",
            "TOKENIZER",
            "AWS_REGION",
            "AUTHOR",
        ] {
            assert!(!is_credential_name(name), "{name} is not a credential");
        }
    }

    #[test]
    fn a_client_given_a_key_on_any_line_of_its_call_reads_none_implicitly() {
        let ts = "const openai = new OpenAI({\n  apiKey: profile.openai_api_key || \"\",\n  organization: profile.openai_organization_id\n})\nconst plain = new OpenAI({\n  baseURL: \"https://api.example.com\"\n})\nconst short = new OpenAI({ apiKey })\n";
        let hits = scan("app/api/chat/route.ts", ts, &all_lines(ts), &[]);
        let lines: Vec<u32> = hits.iter().filter(|h| h.kind == GrantKind::FrameworkDefault).map(|h| h.line).collect();
        assert_eq!(lines, [5], "only the client built without a key");
        let py = "llm = ChatOpenAI(\n    model=\"gpt-4\",\n    openai_api_key=os.getenv(\"OTHER_KEY\"),\n)\ns3 = boto3.client(\n  \"s3\",\n  aws_secret_access_key=secret,\n)\nc = Anthropic(**kwargs)\nd = Anthropic(  # the default client\n    max_retries=3)\n";
        let hits = scan("app/llm.py", py, &all_lines(py), &[]);
        let found: Vec<(GrantKind, u32, Vec<String>)> =
            hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
        assert_eq!(
            found,
            [
                (GrantKind::EnvRead, 3, vec!["OTHER_KEY".to_string()]),
                (GrantKind::FrameworkDefault, 10, vec!["ANTHROPIC_API_KEY".to_string()]),
            ],
            "the key passed is what is read: OTHER_KEY, not OPENAI_API_KEY"
        );
    }

    #[test]
    fn widening_settings_name_what_they_turn_on_not_a_secret() {
        let py = "load_dotenv(verbose=True)\nagent = initialize_agent(tools, llm, verbose=True)\nrepl = PythonREPLTool()\nobj = loads(text, secrets_from_env=True)\n";
        let hits = scan("app/agent.py", py, &all_lines(py), &[]);
        let found: Vec<(GrantKind, u32, Vec<String>)> =
            hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
        assert_eq!(
            found,
            [
                (GrantKind::Dotenv, 1, vec![".env".to_string()]),
                (GrantKind::WideningSetting, 3, vec!["python_repl_tool".to_string()]),
                (GrantKind::WideningSetting, 4, vec!["secrets_from_env".to_string()]),
            ]
        );
    }

    #[test]
    fn workflow_secrets_are_claimed_by_where_the_workflow_puts_them() {
        let y = "on: pull_request\njobs:\n  deploy:\n    env:\n      OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}\n      WEAVIATE_URL: ${{ secrets.WEAVIATE_URL }}\n      RECORD_MANAGER_DB_URL: ${{ secrets.RECORD_MANAGER_DB_URL }}\n    steps:\n      - uses: docker/login-action@v3\n        with:\n          password: ${{ secrets.DOCKERHUB_TOKEN || secrets.DOCKER_ACCESS_TOKEN }}\n          token: ${{ secrets.GITHUB_TOKEN }}\n      - run: vercel deploy --prod --token=${{ secrets.VERCEL_TOKEN }}\n      - run: |\n          git config url.\"https://${{ secrets.GH_TOKEN }}@github.com/\".insteadOf x\n          echo \"T=${{ secrets.NPM_TOKEN }}\" >> $GITHUB_ENV\n";
        let hits = scan(".github/workflows/deploy.yml", y, &all_lines(y), &[]);
        let found: Vec<(GrantKind, u32, Vec<String>)> =
            hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            found,
            [
                (GrantKind::CiSecretEnv, 5, names(&["OPENAI_API_KEY"])),
                (GrantKind::CiSecretEnv, 7, names(&["RECORD_MANAGER_DB_URL"])),
                (GrantKind::CiSecretInput, 11, names(&["DOCKERHUB_TOKEN", "DOCKER_ACCESS_TOKEN"])),
                (GrantKind::CiSecretRun, 13, names(&["VERCEL_TOKEN"])),
                (GrantKind::CiSecretRun, 15, names(&["GH_TOKEN"])),
                (GrantKind::CiSecretRun, 16, names(&["NPM_TOKEN"])),
            ],
            "a host URL is no credential; the job's own GITHUB_TOKEN is not a stored secret"
        );
    }

    #[test]
    fn a_committed_url_with_a_password_is_a_secret_whatever_its_name() {
        let env = "DATABASE_URL=postgres://app:s3cretpass@db.internal/app\nAPI_URL=https://api.example.com\n";
        let hits = scan(".env", env, &all_lines(env), &[]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].names, ["DATABASE_URL"]);
        assert!(!hits[0].excerpt.contains("s3cretpass"), "{}", hits[0].excerpt);
    }

    #[test]
    fn scope_by_the_conventions_of_test_runners_and_repositories() {
        let scope = |p: &str| scope_of(p).0;
        assert_eq!(scope("backend/app/llms.py"), Scope::Runtime);
        assert_eq!(scope("tests/unit/test_llm.py"), Scope::Test);
        assert_eq!(scope("backend/test_agent.py"), Scope::Test);
        assert_eq!(scope("web/components/chat.spec.tsx"), Scope::Test);
        assert_eq!(scope("multi_agents_example/main.py"), Scope::Example);
        assert_eq!(scope("cookbook/rag.py"), Scope::Example);
        assert_eq!(scope("docs/server/index.js"), Scope::Docs);
        assert_eq!(scope_of("examples/a.py").1, "under examples/, example code");
        assert_eq!(scope("contest/app.py"), Scope::Runtime, "a folder named like, not as, a test folder");
    }

    #[test]
    fn reads_chosen_at_run_time_name_the_keys_the_file_lists() {
        let ts = "const KEYS = { openai: \"OPENAI_API_KEY\", groq: 'GROQ_API_KEY', url: \"OLLAMA_BASE_URL\" };\nexport const key = (p: string) => process.env[KEYS[p]];\nconst k = process.env[`${p.toUpperCase()}_API_KEY`];\nconst m = process.env[`MISTRAL_API_KEY`];\n";
        let hits = scan("lib/keys.ts", ts, &all_lines(ts), &[]);
        let found: Vec<(GrantKind, u32, Vec<String>)> =
            hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
        let v = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            found,
            [
                (GrantKind::EnvReadDynamic, 2, v(&["GROQ_API_KEY", "MISTRAL_API_KEY", "OPENAI_API_KEY"])),
                (GrantKind::EnvReadDynamic, 3, v(&["GROQ_API_KEY", "MISTRAL_API_KEY", "OPENAI_API_KEY"])),
                (GrantKind::EnvReadDynamic, 4, v(&["MISTRAL_API_KEY"])),
            ],
            "settings (OLLAMA_BASE_URL) are not secrets; a template narrows the table"
        );
        let py = "PROVIDERS = [\"ANTHROPIC_API_KEY\", \"OPENAI_API_KEY\"]\nfor name in PROVIDERS:\n    value = os.environ.get(name, \"\")\ntoken = os.getenv(f\"{svc.upper()}_TOKEN\")\n";
        let hits = scan("app/keys.py", py, &all_lines(py), &[]);
        let found: Vec<(u32, Vec<String>)> = hits.iter().map(|h| (h.line, h.names.clone())).collect();
        assert_eq!(found, [(3, v(&["ANTHROPIC_API_KEY", "OPENAI_API_KEY"]))], "no listed name ends in _TOKEN");
        let alone = "def env(name):\n    return os.environ[name]\n";
        assert!(scan("app/env.py", alone, &all_lines(alone), &[]).is_empty(), "nothing names what it reads");
    }

    #[test]
    fn environment_writes_and_settings_classes() {
        let py = "os.environ[\"OPENAI_API_KEY\"] = api_key\nif os.environ[\"OPENAI_API_KEY\"] == \"\":\n    pass\nclass Settings(BaseSettings):\n    model_config = SettingsConfigDict(env_prefix=\"agent_\")\n    openai_api_key: SecretStr\n    max_tokens: int = 100\n    db_password: str | None = None\n\nclass Plain:\n    api_key: str\n";
        let hits = scan("app/settings.py", py, &all_lines(py), &[]);
        let found: Vec<(GrantKind, u32, Vec<String>)> =
            hits.iter().map(|h| (h.kind, h.line, h.names.clone())).collect();
        let one = |n: &str| vec![n.to_string()];
        assert_eq!(
            found,
            [
                (GrantKind::EnvWrite, 1, one("OPENAI_API_KEY")),
                (GrantKind::EnvRead, 2, one("OPENAI_API_KEY")),
                (GrantKind::EnvRead, 6, one("AGENT_OPENAI_API_KEY")),
                (GrantKind::EnvRead, 8, one("AGENT_DB_PASSWORD")),
            ],
            "a comparison reads, an assignment writes; only BaseSettings fields read the environment"
        );
    }

    #[test]
    fn tracing_counts_when_turned_on_not_when_named() {
        let on = "os.environ[\"LANGCHAIN_TRACING_V2\"] = \"true\"\n";
        assert_eq!(scan("app/main.py", on, &all_lines(on), &[]).len(), 1);
        let named = "TRACING_FLAGS = [\"LANGCHAIN_TRACING_V2\"]\n";
        assert!(scan("app/main.py", named, &all_lines(named), &[]).is_empty());
    }

    #[test]
    fn k8s_secret_key_ref_names_the_variable_and_key() {
        let y = "env:\n  - name: OPENAI_API_KEY\n    valueFrom:\n      secretKeyRef:\n        name: agent-secrets\n        key: openai-api-key\n";
        let hits = scan("deploy/agent.yaml", y, &BTreeSet::from([4]), &[]);
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].names, vec!["OPENAI_API_KEY", "openai-api-key", "secret:agent-secrets"]);
    }

    #[test]
    fn flow_style_secret_key_refs_name_their_own_secret() {
        let y = "env:\n  - name: OPENAI_API_KEY\n    valueFrom:\n      secretKeyRef: {name: agent-secrets, key: openai}\n  - name: NEXT\n    value: x\n  - {name: AWS_SECRET_ACCESS_KEY, valueFrom: {secretKeyRef: {name: aws, key: secret}}}\n";
        let hits = scan("deploy/agent.yaml", y, &all_lines(y), &[]);
        let names: Vec<Vec<String>> = hits.iter().map(|h| h.names.clone()).collect();
        let v = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            names,
            [
                v(&["OPENAI_API_KEY", "openai", "secret:agent-secrets"]),
                v(&["AWS_SECRET_ACCESS_KEY", "secret", "secret:aws"])
            ],
            "the next entry's name is not the secret's"
        );
    }

    #[test]
    fn dotenv_values_are_redacted() {
        let env = "AWS_ACCESS_KEY_ID=AKIAZ3MPLEKEY0000042\nOPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx\n";
        let hits = scan(".env", env, &all_lines(env), &[]);
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].excerpt, "AWS_ACCESS_KEY_ID=AKIA…0042");
        assert!(scan(".env", "AWS_REGION=eu-west-1\n", &all_lines("x"), &[]).is_empty(), "not a secret");
        assert!(!hits[1].excerpt.contains("abcdefghijkl"));
    }

    #[test]
    fn excerpts_hide_values_never_identifiers_or_indentation() {
        for kept in [
            r#"llm = ChatOpenAI(model="gpt-4-1106-preview", temperature=0)"#,
            "model = ChatAnthropic(temperature=0, max_tokens_to_sample=2000)",
            "embedding=OpenAIEmbeddings(),",
            "        name: agent-secrets",
            r#"    api_key=os.environ.get("ROBOCORP_ACTION_SERVER_KEY"),"#,
            "      OPENAI_API_KEY: ${{ secrets.OPENAI_API_KEY }}",
            "    password: ${DB_PASSWORD}",
            "client = OpenAI(api_key=api_key)",
            "AWS_REGION=us-east-1",
            r#"import { ChatOpenAI } from "@langchain/openai/chat_models/universal";"#,
        ] {
            assert_eq!(redact_line(kept), kept);
        }
        for (line, secret) in [
            ("OPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx", "abcdefghijkl"),
            ("    password: hunter2hunter", "hunter2"),
            (r#"API_KEY = "plainpassphrase""#, "plainpassphrase"),
            (r#"  "token": "dGhpc2lzbm90YXJlYWx0b2tlbg""#, "dGhpc2lz"),
            ("aws_secret = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "wJalrXUtnFEMI"),
            ("headers = {'Authorization': 'Bearer ghp_abcdefghijklmnopqrstuvwxyz0123456789'}", "abcdefghijklmnop"),
            ("DATABASE_URL=postgres://app:s3cretpass@db/app", "s3cretpass"),
        ] {
            let shown = redact_line(line);
            assert!(!shown.contains(secret), "{line} -> {shown}");
        }
        assert!(redact_line("    password: hunter2hunter").starts_with("    password: "), "indentation kept");
    }

    #[test]
    fn names_that_code_reads_are_shown_and_values_are_not() {
        let read = r#"BUCKET = os.getenv("ATTACHMENTS_BUCKET", "prod-attachments-2f9a8c7e")"#;
        assert_eq!(redact_line(read), read, "a bucket's name is no secret");
        let js = r#"const key = process.env["OPENAI_API_KEY"] || "sk-proj-abcdefghijklmnopqrstuvwx";"#;
        assert!(!redact_line(js).contains("abcdefghijkl"), "{}", redact_line(js));
        // A quoted upper-case value that nothing reads as a name stays hidden.
        let literal = r#"TOKEN = "ABCDEFGHIJKLMNOP_1234""#;
        assert!(!redact_line(literal).contains("ABCDEFGHIJKLMNOP"), "{}", redact_line(literal));
    }
}
