//! Where a report came from: when it was made, by which build, from which
//! command, and how its paths and links are written. Not part of the `Case`
//! (correlate judges evidence; this describes the run that presented it).

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

/// The time a report is made at: `SOURCE_DATE_EPOCH` when it is set (so two
/// runs on the same inputs give the same bytes), else the clock.
pub fn now() -> DateTime<Utc> {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| DateTime::from_timestamp(secs, 0))
        .unwrap_or_else(Utc::now)
}

/// `leakline 0.1.0 (3f1c2ab)`: the version and the commit it was built from.
pub fn generated_by() -> String {
    format!("leakline {} ({})", env!("CARGO_PKG_VERSION"), env!("LEAKLINE_COMMIT"))
}

/// Where commits and pull requests can be linked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// `https://github.com/owner/repo`, `https://gitlab.example/group/project`.
    pub web: String,
    pub gitlab: bool,
}

impl Links {
    /// From a forge spec's provider, slug and API address: the web address of
    /// the repository. Slugs are checked when the spec is parsed (letters,
    /// digits, `-_.` and `/` only), so the address holds nothing to escape.
    pub fn new(gitlab: bool, slug: &str, api: &str) -> Option<Links> {
        let host = api
            .trim_end_matches('/')
            .trim_end_matches("/api/v3")
            .trim_end_matches("/api/v4")
            .replace("://api.github.com", "://github.com");
        let safe = |s: &str| s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | ':'));
        if !(host.starts_with("https://") || host.starts_with("http://")) || !safe(&host) || !safe(slug) {
            return None;
        }
        Some(Links { web: format!("{host}/{slug}"), gitlab })
    }

    pub fn commit(&self, id: &str) -> Option<String> {
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
            return None;
        }
        Some(if self.gitlab { format!("{}/-/commit/{id}", self.web) } else { format!("{}/commit/{id}", self.web) })
    }

    pub fn pull(&self, number: u64) -> String {
        if self.gitlab {
            format!("{}/-/merge_requests/{number}", self.web)
        } else {
            format!("{}/pull/{number}", self.web)
        }
    }
}

/// The run a report describes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Provenance {
    pub generated_at: DateTime<Utc>,
    pub generated_by: String,
    /// The command line (a value that could be secret replaced by `…`).
    pub command: Vec<String>,
    /// The case file's folder: input paths are written relative to it.
    pub base: Option<PathBuf>,
    /// Folders given as inputs: their files are summarised per folder.
    pub folders: Vec<String>,
    pub links: Option<Links>,
}

impl Default for Provenance {
    fn default() -> Self {
        Provenance {
            generated_at: now(),
            generated_by: generated_by(),
            command: Vec::new(),
            base: None,
            folders: Vec::new(),
            links: None,
        }
    }
}

/// Flags whose value is a credential or a digest of one: never written into a report.
const SECRET_FLAGS: [&str; 3] = ["--vault-hash", "--vault-hash-env", "--token"];

/// The command line as a report records it.
pub fn command_of(args: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out = Vec::new();
    let mut hide_next = false;
    for (i, a) in args.into_iter().enumerate() {
        let name =
            if i == 0 { Path::new(&a).file_name().map_or(a.clone(), |n| n.to_string_lossy().into_owned()) } else { a };
        if hide_next {
            out.push("…".to_string());
            hide_next = false;
            continue;
        }
        match name.split_once('=') {
            Some((flag, _)) if SECRET_FLAGS.contains(&flag) => out.push(format!("{flag}=…")),
            _ => {
                hide_next = SECRET_FLAGS.contains(&name.as_str());
                out.push(crate::ingest::mask::prose(&name).to_string());
            }
        }
    }
    out
}

impl Provenance {
    /// The case with every place it names under the case file's folder
    /// written relative to it: the inputs, where each audit record and grant
    /// was read, and the evidence strings that quote those places.
    pub fn localize(&self, case: &crate::model::Case) -> crate::model::Case {
        let mut case = case.clone();
        let Some(base) = &self.base else { return case };
        let prefix = format!("{}/", base.display().to_string().trim_end_matches('/'));
        let fix = |s: &mut String| {
            if s.contains(&prefix) {
                *s = s.replace(&prefix, "");
            }
        };
        for i in &mut case.inputs {
            fix(&mut i.path);
        }
        for g in case.reachability.iter_mut().map(|r| &mut r.grant).chain(case.unwirings.iter_mut()) {
            fix(&mut g.origin);
        }
        for r in &mut case.replays {
            fix(&mut r.access.origin);
        }
        for s in &mut case.secrets {
            for f in &mut s.findings {
                fix(&mut f.origin);
            }
        }
        for role in &mut case.accountability {
            for d in &mut role.decisions {
                fix(&mut d.evidence);
                fix(&mut d.what);
            }
            for g in role.gaps.iter_mut().flat_map(|g| std::iter::once(&mut *g)) {
                fix(&mut g.evidence);
                fix(&mut g.text);
                for item in &mut g.items {
                    fix(&mut item.evidence);
                    fix(&mut item.text);
                }
            }
        }
        for e in &mut case.timeline {
            fix(&mut e.summary);
        }
        for s in &mut case.summary {
            fix(&mut s.text);
            s.facts.iter_mut().for_each(&fix);
        }
        for r in &mut case.recommendations {
            fix(&mut r.text);
        }
        case
    }

    /// A path as the report writes it: relative to the case file's folder when under it.
    pub fn path(&self, path: &str) -> String {
        let Some(base) = &self.base else { return path.to_string() };
        let relative = Path::new(path).strip_prefix(base).ok();
        match relative {
            Some(r) if !r.as_os_str().is_empty() => r.display().to_string(),
            _ => path.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_flag_values_stay_out_of_the_command() {
        let args = [
            "/usr/bin/leakline",
            "report",
            "--vault-hash",
            "k=hmac-sha256:ab",
            "--vault-hash-env=X",
            "--case",
            "c.toml",
        ];
        let command = command_of(args.iter().map(|s| s.to_string()));
        assert_eq!(command, ["leakline", "report", "--vault-hash", "…", "--vault-hash-env=…", "--case", "c.toml"]);
    }

    #[test]
    fn links_are_built_only_from_checked_parts() {
        let gh = Links::new(false, "acme/agent", "https://api.github.com").expect("github");
        assert_eq!(gh.commit("3bef6bb"), Some("https://github.com/acme/agent/commit/3bef6bb".into()));
        assert_eq!(gh.pull(14), "https://github.com/acme/agent/pull/14");
        assert_eq!(gh.commit("javascript:alert(1)"), None);
        let gl = Links::new(true, "g/sub/p", "https://gitlab.example/api/v4").expect("gitlab");
        assert_eq!(gl.pull(3), "https://gitlab.example/g/sub/p/-/merge_requests/3");
        assert_eq!(Links::new(false, "a/b", "javascript:alert(1)"), None);
        assert_eq!(Links::new(false, "a/b\"><x", "https://github.com"), None);
    }

    #[test]
    fn paths_under_the_case_folder_are_relative() {
        let p = Provenance { base: Some(PathBuf::from("/cases/inc")), ..Provenance::default() };
        assert_eq!(p.path("/cases/inc/logs/ct.jsonl"), "logs/ct.jsonl");
        assert_eq!(p.path("/elsewhere/ct.jsonl"), "/elsewhere/ct.jsonl");
    }
}
