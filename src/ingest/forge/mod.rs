//! The forge's reviews: who opened, merged and approved the pull (merge)
//! requests that brought the changes that matter. Asked only with `--forge`;
//! `--offline` answers from the cache alone. What could not be answered is
//! said, never guessed.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::model::{Evidence, ForgeAnswers, InputSummary, SourceKind};

mod alerts;
mod cache;
mod github;
mod gitlab;
pub mod http;

pub use http::Manners;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Github,
    Gitlab,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::Github => "github",
            Provider::Gitlab => "gitlab",
        }
    }

    fn default_api(self) -> &'static str {
        match self {
            Provider::Github => "https://api.github.com",
            Provider::Gitlab => "https://gitlab.com/api/v4",
        }
    }
}

/// Which forge to ask, about which repository, where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForgeSpec {
    pub provider: Provider,
    /// `owner/repo`, or GitLab's `group/sub/project`.
    pub slug: String,
    pub api: String,
}

impl ForgeSpec {
    pub fn label(&self) -> String {
        format!("{}:{}", self.provider.name(), self.slug)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ForgeError {
    #[error("--forge `{0}`: expected github:OWNER/REPO or gitlab:GROUP/PROJECT")]
    Spec(String),
    #[error("--forge with no value: the repository's origin ({0}) names no GitHub or GitLab repository")]
    Origin(String),
    #[error("--forge with no value needs a --repo with an origin remote")]
    NoOrigin,
    /// A bare `--forge` asks the public forges only: the origin is the repository's word, not the user's.
    #[error(
        "--forge with no value: the repository's origin is on {0}, not github.com or gitlab.com; a token goes only where you name it: give that server's API address with --forge-api, or --forge github:OWNER/REPO"
    )]
    OriginHost(String),
    #[error("--forge-api {0}: credentials go in GITHUB_TOKEN (or GH_TOKEN) or GITLAB_TOKEN, not in the address")]
    ApiCredentials(String),
    #[error("--forge-api: not an http:// or https:// address")]
    Api,
}

/// The API address the user named, checked: http(s), a host, no credentials
/// (they would land in the cache folder's name and be sent in the clear).
fn checked_api(api: &str) -> Result<String, ForgeError> {
    let mut url = reqwest::Url::parse(api).map_err(|_| ForgeError::Api)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(ForgeError::Api);
    }
    if !url.username().is_empty() || url.password().is_some() {
        let _ = url.set_username("");
        let _ = url.set_password(None);
        return Err(ForgeError::ApiCredentials(url.to_string()));
    }
    Ok(api.trim_end_matches('/').to_string())
}

/// `github:owner/repo` or `gitlab:group/project`, with the API address
/// (`--forge-api`) or the public one.
pub fn parse_spec(text: &str, api: Option<&str>) -> Result<ForgeSpec, ForgeError> {
    let (provider, slug) = text.split_once(':').ok_or_else(|| ForgeError::Spec(text.to_string()))?;
    let provider = match provider {
        "github" => Provider::Github,
        "gitlab" => Provider::Gitlab,
        _ => return Err(ForgeError::Spec(text.to_string())),
    };
    let slug = slug.trim_matches('/');
    let parts: Vec<&str> = slug.split('/').collect();
    let valid =
        |p: &&str| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    let shape = match provider {
        Provider::Github => parts.len() == 2,
        Provider::Gitlab => parts.len() >= 2,
    };
    if !shape || !parts.iter().all(valid) {
        return Err(ForgeError::Spec(text.to_string()));
    }
    Ok(ForgeSpec {
        provider,
        slug: slug.to_string(),
        api: match api {
            Some(api) => checked_api(api)?,
            None => provider.default_api().to_string(),
        },
    })
}

/// The forge an `origin` URL names: `git@github.com:o/r.git`,
/// `https://github.com/o/r`, `ssh://git@gitlab.example.com/g/p.git`. A host
/// with `gitlab` in its name is GitLab; any other is taken for GitHub (or a
/// GitHub Enterprise Server). The origin is the repository's word, and the
/// repository may be the attacker's: only github.com and gitlab.com are asked
/// on its say-so; another host only with the API address `--forge-api` names.
pub fn spec_from_origin(origin: &str, api: Option<&str>) -> Result<ForgeSpec, ForgeError> {
    let shown = crate::ingest::redact::url_without_credentials(origin);
    let rest = origin.split_once("://").map_or(origin, |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let (host, path) = rest.split_once([':', '/']).ok_or_else(|| ForgeError::Origin(shown.clone()))?;
    // `host:port/path` in an ssh:// URL: the port is no part of the path.
    let path = path.trim_start_matches(|c: char| c.is_ascii_digit()).trim_start_matches('/');
    let path = path.trim_end_matches('/').trim_end_matches(".git");
    let host = host.to_ascii_lowercase();
    let provider = if host.contains("gitlab") { Provider::Gitlab } else { Provider::Github };
    if api.is_none() && !matches!(host.as_str(), "github.com" | "gitlab.com") {
        return Err(ForgeError::OriginHost(crate::text::clean(&host)));
    }
    match parse_spec(&format!("{}:{path}", provider.name()), api) {
        Err(e @ (ForgeError::Api | ForgeError::ApiCredentials(_))) => Err(e),
        Err(_) => Err(ForgeError::Origin(shown)),
        Ok(spec) => Ok(spec),
    }
}

/// What to ask about: pull requests git names, and commits it does not place.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Targets {
    pub pulls: BTreeSet<u64>,
    pub commits: BTreeSet<String>,
}

/// The commits behind the watched-package changes and the reachability
/// claims: the request count grows with them, not with the history.
pub fn targets(evidence: &Evidence) -> Targets {
    let mut t = Targets::default();
    let commits = evidence
        .dependency_changes
        .iter()
        .map(|c| &c.commit)
        .chain(evidence.grants.iter().filter_map(|g| g.commit.as_ref()));
    for c in commits {
        match c.pull_request {
            Some(n) => {
                t.pulls.insert(n);
            }
            None => {
                t.commits.insert(c.id.clone());
            }
        }
    }
    t
}

/// How to reach the forge. Its `Debug` leaves the token out.
#[derive(Clone)]
pub struct ForgeSettings {
    pub spec: ForgeSpec,
    /// From `GITHUB_TOKEN`/`GH_TOKEN` or `GITLAB_TOKEN`; never from a flag.
    pub token: Option<String>,
    pub manners: Manners,
}

impl std::fmt::Debug for ForgeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForgeSettings")
            .field("spec", &self.spec)
            .field("token", &self.token.as_ref().map(|_| "(set)"))
            .field("manners", &self.manners)
            .finish()
    }
}

impl ForgeSettings {
    /// The token from the environment, the cache under the user's cache folder.
    pub fn new(spec: ForgeSpec, offline: bool, cache_root: Option<PathBuf>) -> Self {
        let token = match spec.provider {
            Provider::Github => std::env::var("GITHUB_TOKEN").or_else(|_| std::env::var("GH_TOKEN")).ok(),
            Provider::Gitlab => std::env::var("GITLAB_TOKEN").ok(),
        }
        .filter(|t| !t.trim().is_empty());
        let folder: String = format!("{}-{}-{}", spec.provider.name(), spec.api, spec.slug)
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '.' { c } else { '_' })
            .collect();
        let manners =
            Manners { offline, cache: cache_root.map(|r| r.join("forge").join(folder)), ..Manners::default() };
        ForgeSettings { spec, token, manners }
    }
}

/// How far the forge's answers have come: pull requests read of those to
/// read, and the answers that arrived since the last step.
#[derive(Debug, Clone, Default)]
pub struct ForgeStep {
    pub done: usize,
    pub total: usize,
    pub answers: ForgeAnswers,
}

/// Ask the forge about the evidence's changes, and read its secret-scanning
/// alerts. Never fails: what was not answered is in `unanswered` and in the
/// input's notes. The answers come back as evidence: the forge's input line,
/// its answers, and the alerts' findings.
pub fn consult(settings: &ForgeSettings, evidence: &Evidence, progress: &(dyn Fn(ForgeStep) + Sync)) -> Evidence {
    let (mut answers, summary) = answer(settings, evidence, progress);
    Evidence {
        inputs: vec![summary],
        findings: std::mem::take(&mut answers.findings),
        forge: Some(answers),
        ..Default::default()
    }
}

fn answer(
    settings: &ForgeSettings,
    evidence: &Evidence,
    progress: &(dyn Fn(ForgeStep) + Sync),
) -> (ForgeAnswers, InputSummary) {
    let spec = &settings.spec;
    let mut summary = InputSummary::new(SourceKind::Forge, spec.label());
    let mut answers = ForgeAnswers { forge: spec.label(), ..ForgeAnswers::default() };
    let (auth, accept): (Option<(&'static str, String)>, &'static str) = match spec.provider {
        Provider::Github => {
            (settings.token.as_ref().map(|t| ("Authorization", format!("Bearer {t}"))), "application/vnd.github+json")
        }
        Provider::Gitlab => (settings.token.as_ref().map(|t| ("PRIVATE-TOKEN", t.clone())), "application/json"),
    };
    let http = match http::Http::new(&spec.api, auth, accept, settings.manners.clone()) {
        Ok(h) => h,
        Err(e) => {
            summary.notes.push(format!("the forge was not consulted: {e}"));
            return (answers, summary);
        }
    };
    let targets = targets(evidence);
    // One request says whether the repository is there at all: a misspelt
    // slug or a private repository without a token is said once, not per PR.
    let repository = match spec.provider {
        Provider::Github => format!("{}/repos/{}", spec.api, spec.slug),
        Provider::Gitlab => format!("{}/projects/{}", spec.api, gitlab::encode(&spec.slug)),
    };
    if let Err(http::HttpError::NotFound) = http.get(&repository) {
        let why = format!(
            "the forge knows no repository {} (404): misspelt, or private and the token (if any) may not read it",
            spec.slug
        );
        for what in targets.pulls.iter().map(|n| format!("#{n}")).chain(targets.commits.iter().cloned()) {
            answers.unanswered.insert(what, why.clone());
        }
        answers.stopped = Some(why.clone());
        summary.notes.push(why);
        return (answers, summary);
    }
    match spec.provider {
        Provider::Github => {
            github::consult(&http, &spec.api, &spec.slug, &targets, &mut answers, progress);
            let repo = format!("{}/repos/{}", spec.api, spec.slug);
            alerts::consult(&http, &repo, &spec.label(), &mut answers);
        }
        Provider::Gitlab => gitlab::consult(&http, &spec.api, &spec.slug, &targets, &mut answers, progress),
    }
    answers.stopped = http.stopped();
    summary.records = answers.pulls.len() + answers.commit_pulls.len() + answers.alerts_read.unwrap_or(0);
    summary.relevant = answers.pulls.values().filter(|p| !p.approvals.is_empty()).count();
    let counts = http.counts();
    summary.notes.push(if settings.manners.offline {
        format!("offline: no request made; {} answers from the cache", counts.from_cache)
    } else {
        format!(
            "{} requests ({} revalidated unchanged){}",
            counts.requests,
            counts.revalidated,
            if settings.token.is_some() {
                ""
            } else {
                "; no token in the environment, so only public data and a low rate limit"
            }
        )
    });
    match (&answers.alerts_read, &answers.alerts_unread) {
        (Some(n), _) => {
            summary.notes.push(format!("{n} secret-scanning alerts read ({} findings)", answers.findings.len()))
        }
        (None, Some(why)) => summary.notes.push(format!("secret-scanning alerts not read: {why}")),
        (None, None) => {}
    }
    if let Some(why) = &answers.stopped {
        summary.notes.push(why.clone());
    }
    if !answers.unanswered.is_empty() {
        let mut by_reason: std::collections::BTreeMap<&str, Vec<String>> = std::collections::BTreeMap::new();
        for (what, why) in &answers.unanswered {
            let what = if what.starts_with('#') { what.clone() } else { what[..12.min(what.len())].to_string() };
            by_reason.entry(why.as_str()).or_default().push(what);
        }
        for (why, list) in by_reason {
            let shown: Vec<&str> = list.iter().take(10).map(String::as_str).collect();
            let more = if list.len() > 10 { format!(" and {} more", list.len() - 10) } else { String::new() };
            summary.notes.push(format!("{} not answered ({why}): {}{more}", list.len(), shown.join(", ")));
        }
    }
    (answers, summary)
}

/// Ask, a few at a time, which merged pull requests hold each commit; the
/// numbers found join those to read, and a failure is kept as why not.
fn place_commits(
    answers: &mut ForgeAnswers,
    numbers: &mut BTreeSet<u64>,
    commits: &[&String],
    merged: impl Fn(&Value) -> Option<u64>,
    list: impl Fn(&str) -> Result<Vec<Value>, http::HttpError> + Sync,
) {
    let listed = http::each_parallel(commits, THREADS, |sha| list(sha));
    for (sha, result) in commits.iter().zip(listed) {
        match result {
            Ok(pulls) => {
                let found: Vec<u64> = pulls.iter().filter_map(&merged).collect();
                numbers.extend(&found);
                answers.commit_pulls.insert((*sha).clone(), found);
            }
            Err(e) => {
                answers.unanswered.insert((*sha).clone(), e.to_string());
            }
        }
    }
}

/// Read each pull request once, a few at a time; each answer or why not,
/// each step told to `progress` as it comes.
fn read_pulls(
    answers: &mut ForgeAnswers,
    numbers: BTreeSet<u64>,
    progress: &(dyn Fn(ForgeStep) + Sync),
    read: impl Fn(u64) -> Result<crate::model::PullReview, http::HttpError> + Sync,
) {
    let numbers: Vec<u64> = numbers.into_iter().collect();
    let total = numbers.len();
    let placed = ForgeAnswers { commit_pulls: answers.commit_pulls.clone(), pending: true, ..ForgeAnswers::default() };
    progress(ForgeStep { done: 0, total, answers: placed });
    let done = std::sync::atomic::AtomicUsize::new(0);
    let results = http::each_parallel(&numbers, THREADS, |n| {
        let result = read(*n);
        let done = done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        let mut step = ForgeAnswers { pending: true, ..ForgeAnswers::default() };
        if let Ok(p) = &result {
            step.pulls.insert(*n, p.clone());
        }
        progress(ForgeStep { done, total, answers: step });
        result
    });
    for (n, result) in numbers.iter().zip(results) {
        match result {
            Ok(p) => {
                answers.pulls.insert(*n, p);
            }
            Err(e) => {
                answers.unanswered.insert(format!("#{n}"), e.to_string());
            }
        }
    }
}

/// Requests in flight at once: the forges ask clients to keep it small.
const THREADS: usize = 4;

/// An RFC 3339 time in a JSON answer.
fn time(v: &Value) -> Option<DateTime<Utc>> {
    v.as_str().and_then(|s| DateTime::parse_from_rfc3339(s).ok()).map(|t| t.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_and_origins_name_the_repository() {
        let s = parse_spec("github:langchain-ai/opengpts", None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (s.provider, s.slug.as_str(), s.api.as_str()),
            (Provider::Github, "langchain-ai/opengpts", "https://api.github.com")
        );
        assert!(parse_spec("github:a/b/c", None).is_err() && parse_spec("bitbucket:a/b", None).is_err());
        assert!(parse_spec("gitlab:group/sub/project", Some("https://git.example.com/api/v4/")).is_ok());
        for (origin, label) in [
            ("git@github.com:vercel/ai-chatbot.git", "github:vercel/ai-chatbot"),
            ("https://x-access-token:ghp_abc@github.com/o/r", "github:o/r"),
            ("git@gitlab.com:g/sub/p.git", "gitlab:g/sub/p"),
        ] {
            let spec = spec_from_origin(origin, None).unwrap_or_else(|e| panic!("{origin}: {e}"));
            assert_eq!(spec.label(), label);
        }
        // Another host is asked only at the API address the user names.
        let own = "ssh://git@gitlab.example.com:2222/g/sub/p.git";
        let refused = spec_from_origin(own, None).map(|s| s.api).unwrap_err();
        assert_eq!(refused, ForgeError::OriginHost("gitlab.example.com".into()));
        let named = spec_from_origin(own, Some("https://gitlab.example.com/api/v4")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (named.label().as_str(), named.api.as_str()),
            ("gitlab:g/sub/p", "https://gitlab.example.com/api/v4")
        );
        for (api, shown) in [
            ("https://user:glpat-s3cr3tvalue@git.example.com/api/v4", "https://git.example.com/api/v4"),
            ("https://glpat-s3cr3tvalue@git.example.com", "https://git.example.com/"),
        ] {
            let err = parse_spec("gitlab:g/p", Some(api)).unwrap_err();
            assert_eq!(err, ForgeError::ApiCredentials(shown.into()));
            assert!(!err.to_string().contains("s3cr3t"), "{err}");
        }
        assert_eq!(parse_spec("github:o/r", Some("file:///etc")).unwrap_err(), ForgeError::Api);
        let err =
            spec_from_origin("https://user:s3cr3tpass@example.com", None).map(|s| s.label()).unwrap_err().to_string();
        assert!(!err.contains("s3cr3tpass"), "{err}");
    }
}
