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

/// What a YAML rule found: a grant written over lines `first..=last` (an
/// env entry, a list item), claimed at the first of them a commit changed.
pub(super) struct Item {
    pub kind: GrantKind,
    pub names: Vec<String>,
    pub first: u32,
    pub last: u32,
}

impl Item {
    fn over(kind: GrantKind, names: Vec<String>, node: &saphyr::MarkedYaml<'_>) -> Item {
        Item { kind, names, first: super::yaml::first_line(node), last: super::yaml::last_line(node) }
    }

    /// The item starts earlier: at its key's line.
    fn from(mut self, line: u32) -> Item {
        self.first = self.first.min(line);
        self
    }
}

fn is_comment(line: &str) -> bool {
    let trimmed = line.trim_start();
    trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("//") || trimmed.starts_with("* ")
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
    let tree = matches!(class, FileClass::Compose | FileClass::Ci | FileClass::Manifests)
        .then(|| super::yaml::read(content))
        .flatten();
    let items = match (class, &tree) {
        (FileClass::Compose, Some(docs)) => Some(deploy::compose_items(docs)),
        (FileClass::Manifests, Some(docs)) => Some(deploy::manifest_items(docs, path)),
        _ => None,
    };
    for item in items.iter().flatten() {
        let changed = lines
            .range(item.first..=item.last)
            .copied()
            .find(|&n| all.get(n as usize - 1).is_some_and(|t| t.len() <= MAX_LINE && !is_comment(t)));
        if let Some(n) = changed {
            let text = all[n as usize - 1];
            Line { text, number: n, hits: &mut hits }.push(item.kind, item.names.clone());
        }
    }
    for &n in lines {
        let Some(text) = all.get(n as usize - 1) else { continue };
        // A line this long is minified or generated code, not a decision someone reviewed.
        if text.len() > MAX_LINE {
            continue;
        }
        if is_comment(text) {
            continue;
        }
        let mut line = Line { text, number: n, hits: &mut hits };
        match class {
            FileClass::Code => code::scan(&mut line, &all, n as usize - 1),
            FileClass::DotEnv => deploy::dotenv_file(&mut line),
            FileClass::Dockerfile => deploy::dockerfile(&mut line),
            FileClass::Compose if items.is_none() => deploy::compose(&mut line),
            FileClass::Ci => ci::scan(&mut line, &all, path, tree.as_deref()),
            FileClass::Manifests if items.is_none() => deploy::manifest(&mut line, &all, n as usize - 1, path),
            FileClass::Compose | FileClass::Manifests | FileClass::Ignored => {}
        }
        for rule in &users {
            if let Some(names) = rule.apply(text) {
                line.push(rule.kind, names);
            }
        }
    }
    hits.sort_by_key(|h| h.line);
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

/// Without a parse: the key of the mapping line `i` sits in (`env`, `with`, `variables`,
/// `run`), from indentation: the nearest less-indented line that opens a key.
pub(super) fn parent_key(all: &[&str], i: usize) -> Option<String> {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = indent(all[i]);
    // A `run: cmd ${{ secrets.X }}` line is its own key.
    let this = all[i].trim_start().trim_start_matches("- ");
    if let Some((key, rest)) = this.split_once(':')
        && !rest.trim().is_empty()
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        && (key == "run" || key == "script")
    {
        return Some(key.to_string());
    }
    let opener = all[..i].iter().rev().find(|l| !l.trim().is_empty() && indent(l) < own)?;
    let key = opener.trim_start().trim_start_matches("- ").split(':').next()?.trim();
    Some(key.to_string())
}

#[cfg(test)]
mod tests;
