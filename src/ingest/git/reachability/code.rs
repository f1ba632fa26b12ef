//! Code that reads secrets: environment reads, dotenv loading, framework
//! clients that read a well-known variable implicitly, and settings that widen
//! what a framework exposes (debug logging of prompts and headers, code tools).

use std::sync::LazyLock;

use regex::Regex;

use super::{Line, SECRET_NAME, re};
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
static ENV_DESTRUCTURE: LazyLock<Regex> = LazyLock::new(|| re(r"\{([^}]*)\}\s*=\s*process\.env"));
static DOTENV: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r#"\bload_dotenv\(|\bdotenv_values\(|require\(\s*['"]dotenv['"]\s*\)\.config\(|import\s+['"]dotenv/config['"]|\bdotenv\.config\(|dotenvy?::dotenv\(|godotenv\.Load\(|Dotenv\.load"#,
    )
});

/// SDK clients that read a well-known variable when built without a key: the
/// pattern, the variables, and the argument that would pass a key explicitly.
static FRAMEWORK_DEFAULTS: LazyLock<Vec<(Regex, &'static [&'static str], &'static str)>> = LazyLock::new(|| {
    vec![
        (re(r"\b(?:Async)?(?:Azure)?OpenAI\(([^)]*)"), &["OPENAI_API_KEY"][..], "api_key"),
        (re(r"\bChatOpenAI\(([^)]*)|\bOpenAIEmbeddings\(([^)]*)"), &["OPENAI_API_KEY"][..], "api_key"),
        (re(r"\bnew\s+OpenAI\(([^)]*)"), &["OPENAI_API_KEY"][..], "apiKey"),
        (
            re(r"\b(?:Async)?Anthropic\(([^)]*)|\bChatAnthropic\(([^)]*)|\bnew\s+Anthropic\(([^)]*)"),
            &["ANTHROPIC_API_KEY"][..],
            "api_key",
        ),
        (
            re(r"\bboto3\.(?:client|resource|Session)\(([^)]*)|\bboto3\.session\.Session\(([^)]*)"),
            &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"][..],
            "aws_access_key_id",
        ),
        (
            re(r"\bHuggingFaceHub\(([^)]*)|\bHuggingFaceEndpoint\(([^)]*)|\bInferenceClient\(([^)]*)"),
            &["HUGGINGFACEHUB_API_TOKEN"][..],
            "token",
        ),
        (re(r"\bChatGoogleGenerativeAI\(([^)]*)|\bgenai\.Client\(([^)]*)"), &["GOOGLE_API_KEY"][..], "api_key"),
        (
            re(
                r#"(?:LANGCHAIN_TRACING_V2|LANGSMITH_TRACING)["']?\]?\s*[=:]\s*["']?(?:true|1)\b|\blangsmith\.Client\(([^)]*)"#,
            ),
            &["LANGCHAIN_API_KEY", "LANGSMITH_API_KEY"][..],
            "api_key",
        ),
        (re(r"\blitellm\.completion\(([^)]*)"), &["OPENAI_API_KEY", "ANTHROPIC_API_KEY"][..], "api_key"),
    ]
});

/// Settings that widen what a framework exposes: prompts and headers in logs,
/// code execution tools an injected prompt can use to read the environment.
static WIDENING: LazyLock<Vec<(Regex, &'static str)>> = LazyLock::new(|| {
    vec![
        (re(r"\bset_debug\(\s*True\s*\)|\blangchain\.debug\s*=\s*True"), "set_debug"),
        (re(r"\bset_verbose\(\s*True\s*\)|\bverbose\s*=\s*True"), "verbose"),
        (re(r"\ballow_dangerous_code\s*=\s*True|\ballow_dangerous_requests\s*=\s*True"), "allow_dangerous_code"),
        (re(r"\bPythonREPLTool\b|\bPythonAstREPLTool\b|\bPythonREPL\(\)"), "python_repl_tool"),
        (re(r"\bShellTool\b|\bBashProcess\b|load_tools\([^)]*['\x22](?:terminal|shell)['\x22]"), "shell_tool"),
    ]
});

/// Every rule above needs one of these words; most lines of code have none.
static TRIGGER: LazyLock<Regex> = LazyLock::new(|| {
    re(
        r"environ|getenv|Getenv|LookupEnv|process\.env|env::|ENV|dotenv|Dotenv|OpenAI|Anthropic|boto3|HuggingFace|InferenceClient|GoogleGenerativeAI|genai|LANGCHAIN|LANGSMITH|langsmith|litellm|debug|verbose|dangerous|REPL|ShellTool|BashProcess|load_tools|Deno\.env",
    )
});

pub(super) fn scan(line: &mut Line) {
    let text = line.text;
    if !TRIGGER.is_match(text) {
        return;
    }
    let mut names: Vec<String> = ENV_READS
        .iter()
        .flat_map(|r| r.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str().to_string()))
        .collect();
    if let Some(c) = ENV_DESTRUCTURE.captures(text) {
        names.extend(c[1].split(',').map(|s| s.split(':').next().unwrap_or("").trim().to_string()));
    }
    names.retain(|n| SECRET_NAME.is_match(n));
    if !names.is_empty() {
        line.push(GrantKind::EnvRead, names);
    }
    if DOTENV.is_match(text) {
        line.push(GrantKind::Dotenv, vec![".env".to_string()]);
    }
    for (rule, vars, key_arg) in FRAMEWORK_DEFAULTS.iter() {
        if let Some(c) = rule.captures(text) {
            let args: String = c.iter().skip(1).flatten().map(|m| m.as_str()).collect();
            let explicit = args.contains(key_arg) || args.contains("api_key") || args.contains("apiKey");
            if !explicit {
                line.push(GrantKind::FrameworkDefault, vars.iter().map(|s| s.to_string()).collect());
            }
        }
    }
    for (rule, setting) in WIDENING.iter() {
        if rule.is_match(text) {
            // Names no secret: it widens what every key the framework holds can leak to.
            line.push(GrantKind::FrameworkDefault, vec![format!("setting:{setting}")]);
        }
    }
}
