//! Built-in rules over the lines a commit added (or removed): the ways a secret
//! becomes readable at runtime. Documentation, comments and test fixtures only
//! mention variables; they are not grants.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use regex::Regex;

use crate::ingest::redact;
use crate::model::GrantKind;

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

fn classify(path: &str) -> FileClass {
    let lower = path.to_ascii_lowercase();
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    let in_tests = lower
        .split('/')
        .any(|c| matches!(c, "test" | "tests" | "__tests__" | "fixtures" | "testdata" | "docs" | "examples"))
        || name.starts_with("test_")
        || name.contains("_test.")
        || name.contains(".test.")
        || name.contains(".spec.");
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    if in_tests || matches!(ext, "md" | "rst" | "adoc" | "txt" | "html") {
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
pub fn applies_to(path: &str) -> bool {
    classify(path) != FileClass::Ignored
}

fn re(pattern: &str) -> Regex {
    // Patterns are literals in this file; a bad one is caught by the tests below.
    Regex::new(pattern).unwrap_or_else(|_| Regex::new("$^").unwrap_or_else(|_| unreachable!()))
}

static ENV_READS: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r#"os\.environ\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#,
        r#"os\.environ\.get\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#,
        r#"os\.getenv\(\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#,
        r"process\.env\.([A-Za-z_][A-Za-z0-9_]*)",
        r#"process\.env\[\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#,
        r#"env::var(?:_os)?\(\s*"([A-Za-z_][A-Za-z0-9_]*)""#,
        r#"dotenvy::var\(\s*"([A-Za-z_][A-Za-z0-9_]*)""#,
        r#"os\.(?:Getenv|LookupEnv)\(\s*"([A-Za-z_][A-Za-z0-9_]*)""#,
        r#"System\.getenv\(\s*"([A-Za-z_][A-Za-z0-9_]*)""#,
        r#"ENV(?:\.fetch\(|\[)\s*["']([A-Za-z_][A-Za-z0-9_]*)["']"#,
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
/// SDK clients that read a well-known variable when built without a key.
static FRAMEWORK_DEFAULTS: LazyLock<Vec<(Regex, &'static [&'static str], &'static str)>> = LazyLock::new(|| {
    vec![
        (re(r"\b(?:Async)?(?:Azure)?OpenAI\(([^)]*)"), &["OPENAI_API_KEY"][..], "api_key"),
        (re(r"\bChatOpenAI\(([^)]*)|\bOpenAIEmbeddings\(([^)]*)"), &["OPENAI_API_KEY"][..], "api_key"),
        (re(r"\b(?:Async)?Anthropic\(([^)]*)|\bChatAnthropic\(([^)]*)"), &["ANTHROPIC_API_KEY"][..], "api_key"),
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
            re(r"LANGCHAIN_TRACING_V2|LANGSMITH_TRACING|\blangsmith\.Client\(([^)]*)"),
            &["LANGCHAIN_API_KEY", "LANGSMITH_API_KEY"][..],
            "api_key",
        ),
    ]
});
static ASSIGNMENT: LazyLock<Regex> = LazyLock::new(|| re(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$"));
static DOCKER_ENV: LazyLock<Regex> = LazyLock::new(|| re(r"(?i)^\s*(?:ENV|ARG)\s+([A-Za-z_][A-Za-z0-9_]*)"));
static YAML_ENV_ITEM: LazyLock<Regex> = LazyLock::new(|| re(r#"^\s*-?\s*["']?([A-Za-z_][A-Za-z0-9_]*)["']?\s*[:=]"#));
static YAML_NAME: LazyLock<Regex> = LazyLock::new(|| re(r#"^\s*-?\s*name:\s*["']?([A-Za-z0-9_.-]+)"#));
static YAML_KEY: LazyLock<Regex> = LazyLock::new(|| re(r#"^\s*key:\s*["']?([A-Za-z0-9_.-]+)"#));
static CI_SECRET: LazyLock<Regex> =
    LazyLock::new(|| re(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*:\s*\$\{\{\s*secrets\.([A-Za-z0-9_]+)\s*\}\}"));
static SECRET_NAME: LazyLock<Regex> =
    LazyLock::new(|| re(r"(?i)(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|DSN|PRIVATE|CERT)"));

/// Rule hits on the given lines (1-based) of a file's content.
pub fn scan(path: &str, content: &str, lines: &BTreeSet<u32>) -> Vec<Hit> {
    let class = classify(path);
    if class == FileClass::Ignored || lines.is_empty() {
        return Vec::new();
    }
    let all: Vec<&str> = content.lines().collect();
    let mut hits = Vec::new();
    for &n in lines {
        let Some(text) = all.get(n as usize - 1) else {
            continue;
        };
        let trimmed = text.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with("//") || trimmed.starts_with("* ") {
            continue;
        }
        let mut push = |kind, mut names: Vec<String>| {
            let mut seen = BTreeSet::new();
            names.retain(|x| seen.insert(x.clone()));
            hits.push(Hit { kind, line: n, names, excerpt: redact_line(text) });
        };
        match class {
            FileClass::Code => {
                let mut names: Vec<String> = ENV_READS
                    .iter()
                    .flat_map(|r| r.captures_iter(text).filter_map(|c| c.get(1)).map(|m| m.as_str().to_string()))
                    .collect();
                if let Some(c) = ENV_DESTRUCTURE.captures(text) {
                    names.extend(
                        c[1].split(',')
                            .map(|s| s.split(':').next().unwrap_or("").trim().to_string())
                            .filter(|s| !s.is_empty()),
                    );
                }
                names.retain(|n| SECRET_NAME.is_match(n));
                if !names.is_empty() {
                    push(GrantKind::EnvRead, names);
                }
                if DOTENV.is_match(text) {
                    push(GrantKind::Dotenv, vec![".env".to_string()]);
                }
                for (rule, vars, key_arg) in FRAMEWORK_DEFAULTS.iter() {
                    if let Some(c) = rule.captures(text) {
                        let args = c.iter().skip(1).flatten().map(|m| m.as_str()).collect::<String>();
                        if !args.contains(key_arg) && !args.contains("api_key") && !args.contains("apiKey") {
                            push(GrantKind::FrameworkDefault, vars.iter().map(|s| s.to_string()).collect());
                        }
                    }
                }
            }
            FileClass::DotEnv => {
                if let Some(c) = ASSIGNMENT.captures(text)
                    && !c[2].trim().is_empty()
                    && SECRET_NAME.is_match(&c[1])
                {
                    push(GrantKind::EnvFile, vec![c[1].to_string()]);
                }
            }
            FileClass::Dockerfile => {
                if let Some(c) = DOCKER_ENV.captures(text)
                    && SECRET_NAME.is_match(&c[1])
                {
                    push(GrantKind::DockerfileEnv, vec![c[1].to_string()]);
                }
                if text.contains("--env-file") {
                    push(GrantKind::DockerfileEnv, vec!["--env-file".to_string()]);
                }
            }
            FileClass::Compose => {
                if trimmed.starts_with("env_file") {
                    push(
                        GrantKind::ComposeEnv,
                        vec![trimmed.trim_start_matches("env_file:").trim().trim_matches(['"', '\'']).to_string()],
                    );
                } else if let Some(c) = YAML_ENV_ITEM.captures(text)
                    && SECRET_NAME.is_match(&c[1])
                    && c[1].chars().all(|ch| !ch.is_ascii_lowercase())
                {
                    push(GrantKind::ComposeEnv, vec![c[1].to_string()]);
                }
            }
            FileClass::Ci => {
                if let Some(c) = CI_SECRET.captures(text) {
                    push(GrantKind::CiSecretEnv, vec![c[1].to_string(), c[2].to_string()]);
                }
            }
            FileClass::Manifests => {
                if let Some(names) = k8s_secret_ref(&all, n as usize - 1) {
                    push(GrantKind::K8sSecretRef, names);
                }
            }
            FileClass::Ignored => {}
        }
    }
    hits
}

/// `secretKeyRef` (the env var above it, the key below), `envFrom.secretRef` and
/// secret volumes: the names that tie a manifest line to a secret.
fn k8s_secret_ref(all: &[&str], i: usize) -> Option<Vec<String>> {
    let line = all[i].trim();
    let near = |from: usize, to: usize, r: &Regex| -> Option<String> {
        all.get(from..to.min(all.len()))?.iter().find_map(|l| r.captures(l).map(|c| c[1].to_string()))
    };
    if line.starts_with("secretKeyRef") {
        let var = (i.saturating_sub(4)..i).rev().find_map(|j| {
            let l = all[j].trim_start();
            l.starts_with("- name:").then(|| YAML_NAME.captures(l).map(|c| c[1].to_string())).flatten()
        });
        let secret = near(i + 1, i + 4, &YAML_NAME);
        let key = near(i + 1, i + 4, &YAML_KEY);
        let names: Vec<String> = [var, key, secret].into_iter().flatten().collect();
        return Some(names);
    }
    if line.starts_with("secretRef") || line.starts_with("secretName:") {
        let inline = line.split_once("secretName:").map(|(_, v)| v.trim().trim_matches(['"', '\'']).to_string());
        let name = inline.filter(|s| !s.is_empty()).or_else(|| near(i + 1, i + 3, &YAML_NAME));
        return Some(name.into_iter().collect());
    }
    None
}

static LITERAL: LazyLock<Regex> = LazyLock::new(|| re(r#"([=:]\s*["']?)([^\s"'#,;)(\[\]{}$]{8,})"#));
static QUOTED: LazyLock<Regex> = LazyLock::new(|| re(r#"(["'])([A-Za-z0-9_\-+/=.]{16,})(["'])"#));

/// The line as it may be shown: values assigned or quoted are replaced by their
/// redacted label, and the line is cut to a readable length.
pub fn redact_line(line: &str) -> String {
    let once = LITERAL.replace_all(line.trim(), |c: &regex::Captures| {
        let v = &c[2];
        let looks_like_code = v.contains('.') && v.chars().any(|ch| ch.is_ascii_lowercase()) && !v.contains('-');
        if looks_like_code { c[0].to_string() } else { format!("{}{}", &c[1], redact::label(v)) }
    });
    let twice = QUOTED.replace_all(&once, |c: &regex::Captures| format!("{}{}{}", &c[1], redact::label(&c[2]), &c[3]));
    let mut out: String = twice.chars().take(160).collect();
    if twice.chars().count() > 160 {
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
        let hits = scan("agent/app.py", py, &all_lines(py));
        let kinds: Vec<_> = hits.iter().map(|h| (h.kind, h.line)).collect();
        assert_eq!(kinds, vec![(GrantKind::Dotenv, 3), (GrantKind::EnvRead, 4), (GrantKind::FrameworkDefault, 6)]);
        assert_eq!(hits[1].names, vec!["OPENAI_API_KEY"]);
        assert!(scan("docs/setup.md", py, &all_lines(py)).is_empty());
        assert!(scan("tests/test_app.py", py, &all_lines(py)).is_empty());
    }

    #[test]
    fn k8s_secret_key_ref_names_the_variable_and_key() {
        let y = "env:\n  - name: OPENAI_API_KEY\n    valueFrom:\n      secretKeyRef:\n        name: agent-secrets\n        key: openai-api-key\n";
        let hits = scan("deploy/agent.yaml", y, &BTreeSet::from([4]));
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].names, vec!["OPENAI_API_KEY", "openai-api-key", "agent-secrets"]);
    }

    #[test]
    fn dotenv_values_are_redacted() {
        let env = "AWS_ACCESS_KEY_ID=AKIAZ3MPLEKEY0000042\nOPENAI_API_KEY=sk-proj-abcdefghijklmnopqrstuvwx\n";
        let hits = scan(".env", env, &all_lines(env));
        assert_eq!(hits.len(), 2);
        assert_eq!(hits[0].excerpt, "AWS_ACCESS_KEY_ID=AKIA…0042");
        assert!(scan(".env", "AWS_REGION=eu-west-1\n", &all_lines("x")).is_empty(), "not a secret");
        assert!(!hits[1].excerpt.contains("abcdefghijkl"));
    }
}
