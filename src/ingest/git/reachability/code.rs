//! Code that reads secrets: environment reads, dotenv loading, framework
//! clients that read a well-known variable implicitly, and settings that widen
//! what a framework exposes (debug logging of prompts and headers, code tools).

use std::sync::LazyLock;

use regex::Regex;

use super::{Line, is_credential_name, re};
use crate::model::GrantKind;

const NAME: &str = r"([A-Za-z_][A-Za-z0-9_]*)";

static ENV_READS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        format!(r#"os\.environ\[\s*["']{NAME}["']"#),
        format!(r#"os\.environ\.get\(\s*["']{NAME}["']"#),
        format!(r#"os\.getenv\(\s*["']{NAME}["']"#),
        format!(r"process\.env\.{NAME}"),
        format!(r#"process\.env\[\s*["']{NAME}["']"#),
        format!(r#"env::var(?:_os)?\(\s*"{NAME}""#),
        format!(r#"dotenvy::var\(\s*"{NAME}""#),
        format!(r#"os\.(?:Getenv|LookupEnv)\(\s*"{NAME}""#),
        format!(r#"System\.getenv\(\s*"{NAME}""#),
        format!(r#"ENV(?:\.fetch\(|\[)\s*["']{NAME}["']"#),
        format!(r#"Deno\.env\.get\(\s*["']{NAME}["']"#),
    ]
    .iter()
    .map(|p| re(p))
    .collect()
});
/// Reads whose variable is an expression: an identifier, an f-string or a
/// template literal (`os.environ[name]`, `process.env[`${p}_API_KEY`]`).
/// Group 1 is the expression as written.
static DYNAMIC_READS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    const EXPR: &str = r#"((?:[A-Za-z_][A-Za-z0-9_.]*(?:\[[^\]\["'`]*\])?|f["'][^"']*["']|`[^`]*`))\s*[\],)]"#;
    [
        format!(r"os\.environ\[\s*{EXPR}"),
        format!(r"os\.environ\.get\(\s*{EXPR}"),
        format!(r"os\.getenv\(\s*{EXPR}"),
        format!(r"process\.env\[\s*{EXPR}"),
        format!(r"env::var(?:_os)?\(\s*&?{EXPR}"),
        format!(r"os\.(?:Getenv|LookupEnv)\(\s*{EXPR}"),
        format!(r"Deno\.env\.get\(\s*{EXPR}"),
    ]
    .iter()
    .map(|p| re(p))
    .collect()
});
/// A quoted upper-case name: the entries of a table of provider keys.
static QUOTED_NAME: LazyLock<Regex> = LazyLock::new(|| re(r#"["'`]([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)["'`]"#));
static PLACEHOLDER: LazyLock<Regex> = LazyLock::new(|| re(r"\{[^}]*\}"));
static ENV_DESTRUCTURE: LazyLock<Regex> = LazyLock::new(|| re(r"\{([^}]*)\}\s*=\s*process\.env"));
static DOTENV: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"\bload_dotenv\(|\bdotenv_values\(|require\(\s*['"]dotenv['"]\s*\)\.config\(|import\s+['"]dotenv/config['"]|\bdotenv\.config\(|dotenvy?::dotenv\(|godotenv\.Load\(|Dotenv\.load"#,
    )
});

/// SDK clients that read a well-known variable when built without a key: the
/// call up to its opening bracket, and the variables the SDK falls back to.
static FRAMEWORK_DEFAULTS: LazyLock<Vec<(Regex, &'static [&'static str])>> = LazyLock::new(|| {
    vec![
        (re(r"\b(?:Async)?(?:Azure)?OpenAI\s*\(|\bChatOpenAI\s*\(|\bOpenAIEmbeddings\s*\("), &["OPENAI_API_KEY"][..]),
        (re(r"\b(?:Async)?Anthropic\s*\(|\bChatAnthropic\s*\("), &["ANTHROPIC_API_KEY"][..]),
        (
            re(r"\bboto3\.(?:client|resource|Session)\s*\(|\bboto3\.session\.Session\s*\("),
            &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"][..],
        ),
        (
            re(r"\bHuggingFaceHub\s*\(|\bHuggingFaceEndpoint\s*\(|\bInferenceClient\s*\("),
            &["HUGGINGFACEHUB_API_TOKEN"][..],
        ),
        (re(r"\bChatGoogleGenerativeAI\s*\(|\bgenai\.Client\s*\("), &["GOOGLE_API_KEY"][..]),
        (re(r"\blangsmith\.Client\s*\("), &["LANGCHAIN_API_KEY", "LANGSMITH_API_KEY"][..]),
        (re(r"\blitellm\.completion\s*\("), &["OPENAI_API_KEY", "ANTHROPIC_API_KEY"][..]),
    ]
});

/// Turning tracing on makes the tracer read its key from the environment.
static TRACING_ON: LazyLock<Regex> =
    LazyLock::new(|| re(r#"(?:LANGCHAIN_TRACING_V2|LANGSMITH_TRACING)["']?\]?\s*=\s*["']?(?:true|1)\b"#));

/// An argument that hands the client a credential: `api_key=…`, `apiKey: …`,
/// the `{ apiKey }` shorthand, `aws_secret_access_key=…`, `token=…`, `credentials=…`.
static CREDENTIAL_ARG: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"(?i)(?:^|[^A-Za-z0-9_.])(?:[a-z0-9]+_)*(?:api_?key|token|access_?token|auth_?token|secret(?:_access)?_?key|access_key_id|session_token|credentials?|password)\s*(?:=[^=]|:|,|\}|\))",
    )
});

/// Arguments whose contents the line does not show (`**kwargs`, `...opts`, a
/// lone config object): they may carry a key, so no implicit read is claimed.
static OPAQUE_ARG: LazyLock<Regex> =
    LazyLock::new(|| re(r"\*\*[A-Za-z_]|\.\.\.[A-Za-z_]|^\s*[A-Za-z_][A-Za-z0-9_.]*\s*$"));

/// The text between a call's brackets, from `open` (the index just past `(`
/// on line `index`) across the lines that follow, string literals blanked.
fn call_arguments(all: &[&str], index: usize, open: usize) -> String {
    const MAX_LINES: usize = 40;
    let mut out = String::new();
    let mut depth = 1usize;
    let mut quote: Option<char> = None;
    for (n, line) in all.iter().enumerate().skip(index).take(MAX_LINES) {
        let text = if n == index { line.get(open..).unwrap_or("") } else { line };
        let mut escaped = false;
        for ch in text.chars() {
            if let Some(q) = quote {
                if escaped {
                    escaped = false;
                } else if ch == '\\' {
                    escaped = true;
                } else if ch == q {
                    quote = None;
                    out.push(ch);
                }
                continue;
            }
            match ch {
                '"' | '\'' | '`' => {
                    quote = Some(ch);
                    out.push(ch);
                    continue;
                }
                '#' if !out.ends_with('{') => break,
                '(' | '[' | '{' => depth += 1,
                ')' | ']' | '}' => {
                    depth -= 1;
                    if depth == 0 {
                        return out;
                    }
                }
                _ => {}
            }
            out.push(ch);
        }
        // A line comment ends the line; Python strings do not span lines unless tripled.
        if quote.is_some_and(|q| q != '`') {
            quote = None;
        }
        out.push('\n');
    }
    out
}

/// Whether a client built with these arguments reads its key by itself.
fn reads_key_implicitly(args: &str) -> bool {
    !CREDENTIAL_ARG.is_match(args) && !OPAQUE_ARG.is_match(args)
}

/// Settings that widen what a framework exposes: prompts and headers in logs,
/// code execution tools an injected prompt can use to read the environment,
/// deserialisation that fills secrets from the environment.
static WIDENING: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        (re(r"\bset_debug\(\s*True\s*\)|\blangchain\.debug\s*=\s*True"), "debug_logging"),
        (re(r"\ballow_dangerous_code\s*=\s*True|\ballow_dangerous_requests\s*=\s*True"), "allow_dangerous_code"),
        (re(r"\bPythonREPLTool\b|\bPythonAstREPLTool\b|\bPythonREPL\(\)"), "python_repl_tool"),
        (re(r"\bShellTool\b|\bBashProcess\b|load_tools\([^)]*['\x22](?:terminal|shell)['\x22]"), "shell_tool"),
        (re(r"\bsecrets_from_env\s*=\s*True"), "secrets_from_env"),
    ]
});

/// Every rule above needs one of these words; most lines of code have none.
static TRIGGER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"environ|getenv|Getenv|LookupEnv|Setenv|putenv|process\.env|env::|ENV|dotenv|Dotenv|OpenAI|Anthropic|boto3|HuggingFace|InferenceClient|GoogleGenerativeAI|genai|LANGCHAIN|LANGSMITH|langsmith|litellm|debug|secrets_from_env|dangerous|REPL|ShellTool|BashProcess|load_tools|Deno\.env",
    )
});

/// Writes into the process environment: every library the process loads can
/// then read the value (`os.environ["X"] = key`, `process.env.X = key`).
static ENV_WRITES: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        format!(r#"os\.environ\[\s*["']{NAME}["']\s*\]\s*=[^=]"#),
        format!(r#"os\.environ\.setdefault\(\s*["']{NAME}["']"#),
        format!(r#"os\.putenv\(\s*["']{NAME}["']"#),
        format!(r"process\.env\.{NAME}\s*=[^=]"),
        format!(r#"process\.env\[\s*["']{NAME}["']\s*\]\s*=[^=]"#),
        format!(r#"env::set_var\(\s*"{NAME}""#),
        format!(r#"os\.Setenv\(\s*"{NAME}""#),
    ]
    .iter()
    .map(|p| re(p))
    .collect()
});

/// A field of a pydantic `BaseSettings` class: the library reads the
/// environment variable of that name (with the class's `env_prefix`).
static SETTINGS_FIELD: LazyLock<Regex> =
    LazyLock::new(|| re(r"^(\s+)([A-Za-z_][A-Za-z0-9_]*)\s*:\s*[A-Za-z_][A-Za-z0-9_\[\]|. ]*(?:=|$)"));
static SETTINGS_CLASS: LazyLock<Regex> = LazyLock::new(|| re(r"^(\s*)class\s+\w+\s*\([^)]*BaseSettings[^)]*\)\s*:"));
static ENV_PREFIX: LazyLock<Regex> = LazyLock::new(|| re(r#"env_prefix\s*[=:]\s*["']([A-Za-z0-9_]*)["']"#));

/// The environment variable a settings-class field at line `index` reads.
fn settings_field(all: &[&str], index: usize) -> Option<String> {
    let c = SETTINGS_FIELD.captures(all[index])?;
    let (indent, field) = (c[1].len(), c[2].to_string());
    // The class header is near: a settings class is not thousands of lines long.
    let header = (index.saturating_sub(2_000)..index).rev().find(|&i| {
        let l = all[i];
        !l.trim().is_empty() && l.len() - l.trim_start().len() < indent
    })?;
    let class = SETTINGS_CLASS.captures(all[header])?;
    if class[1].len() + 1 > indent {
        return None;
    }
    let body_end = (header + 1..all.len())
        .find(|&i| !all[i].trim().is_empty() && all[i].len() - all[i].trim_start().len() <= class[1].len())
        .unwrap_or(all.len());
    let prefix = all[header..body_end].iter().find_map(|l| ENV_PREFIX.captures(l).map(|p| p[1].to_string()));
    Some(format!("{}{field}", prefix.unwrap_or_default()).to_ascii_uppercase())
}

/// The credential names a run-time-chosen read on this line can reach: the
/// quoted names the file lists (its table of provider keys), narrowed to the
/// template's fixed part when there is one (`{p}_API_KEY` → `*_API_KEY`).
/// Nothing when the file lists none: the variable is then unknown.
fn dynamic_reads(text: &str, all: &[&str]) -> Vec<String> {
    let expressions: Vec<&str> =
        DYNAMIC_READS.iter().flat_map(|r| r.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str())).collect();
    if expressions.is_empty() {
        return Vec::new();
    }
    // `{p}_API_KEY` keeps `_API_KEY`, a template with no placeholder is the
    // name itself, a bare identifier keeps nothing to match.
    let fixed: Vec<String> = expressions
        .iter()
        .map(|e| {
            let inner = e.trim_start_matches('f').trim_matches(|c| matches!(c, '"' | '\'' | '`'));
            let inner = inner.replace('$', "");
            if e.starts_with(['f', '`']) {
                PLACEHOLDER.split(&inner).map(str::to_ascii_uppercase).collect::<Vec<_>>().join("*")
            } else {
                String::new()
            }
        })
        .collect();
    let fits = |name: &str| {
        fixed.iter().any(|f| {
            f.is_empty() || {
                let parts: Vec<&str> = f.split('*').collect();
                parts.first().is_some_and(|p| name.starts_with(p)) && parts.last().is_some_and(|p| name.ends_with(p))
            }
        })
    };
    let mut names: Vec<String> = all
        .iter()
        .filter(|l| l.contains('_'))
        .flat_map(|l| QUOTED_NAME.captures_iter(l).map(|c| c[1].to_string()).collect::<Vec<_>>())
        .filter(|n| is_credential_name(n) && fits(n))
        .collect();
    names.sort();
    names.dedup();
    names.truncate(24);
    names
}

pub(super) fn scan(line: &mut Line, all: &[&str], index: usize) {
    let text = line.text;
    if let Some(name) = settings_field(all, index).filter(|n| is_credential_name(n)) {
        line.push(GrantKind::EnvRead, vec![name]);
    }
    if !TRIGGER.is_match(text) {
        return;
    }
    let written: Vec<String> = ENV_WRITES
        .iter()
        .flat_map(|r| r.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str().to_string()))
        .filter(|n| is_credential_name(n))
        .collect();
    if !written.is_empty() {
        line.push(GrantKind::EnvWrite, written.clone());
    }
    let mut names: Vec<String> = ENV_READS
        .iter()
        .flat_map(|r| r.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str().to_string()))
        .filter(|n| !written.contains(n))
        .collect();
    if let Some(c) = ENV_DESTRUCTURE.captures(text) {
        names.extend(c[1].split(',').map(|s| s.split(':').next().unwrap_or("").trim().to_string()));
    }
    names.retain(|n| is_credential_name(n));
    if !names.is_empty() {
        line.push(GrantKind::EnvRead, names);
    }
    let dynamic = dynamic_reads(text, all);
    if !dynamic.is_empty() {
        line.push(GrantKind::EnvReadDynamic, dynamic);
    }
    if DOTENV.is_match(text) {
        line.push(GrantKind::Dotenv, vec![".env".to_string()]);
    }
    for (rule, vars) in FRAMEWORK_DEFAULTS.iter() {
        let Some(call) = rule.find(text) else { continue };
        if reads_key_implicitly(&call_arguments(all, index, call.end())) {
            line.push(GrantKind::FrameworkDefault, vars.iter().map(|s| s.to_string()).collect());
        }
    }
    if TRACING_ON.is_match(text) {
        line.push(GrantKind::FrameworkDefault, vec!["LANGCHAIN_API_KEY".into(), "LANGSMITH_API_KEY".into()]);
    }
    for (rule, setting) in WIDENING.iter() {
        if rule.is_match(text) {
            // Names no secret: it widens what every key the framework holds can leak to.
            line.push_setting(setting);
        }
    }
}
