//! CODEOWNERS as it stood at a commit: the last matching pattern wins.

use globset::{GlobBuilder, GlobMatcher};

/// Where GitHub and GitLab look for the file, in their order.
pub const LOCATIONS: &[&str] = &[
    ".github/CODEOWNERS",
    "CODEOWNERS",
    "docs/CODEOWNERS",
    ".gitlab/CODEOWNERS",
];

pub struct CodeOwners {
    rules: Vec<(Vec<GlobMatcher>, Vec<String>)>,
}

impl CodeOwners {
    pub fn parse(text: &str) -> Self {
        let mut rules = Vec::new();
        for line in text.lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            // GitLab section headers: `[Section]`, `^[Optional]`, `[Section][2] @owner`.
            if line.is_empty()
                || line.starts_with('#')
                || line.starts_with('[')
                || line.starts_with("^[")
            {
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let owners: Vec<String> = parts.map(str::to_string).collect();
            let matchers = globs(pattern);
            if !matchers.is_empty() {
                rules.push((matchers, owners));
            }
        }
        Self { rules }
    }

    /// The owners of a path (empty when none, or when the last match names none).
    pub fn owners_of(&self, path: &str) -> Vec<String> {
        self.rules
            .iter()
            .rev()
            .find(|(globs, _)| globs.iter().any(|g| g.is_match(path)))
            .map(|(_, owners)| owners.clone())
            .unwrap_or_default()
    }
}

fn globs(pattern: &str) -> Vec<GlobMatcher> {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let mut p = pattern.trim_start_matches('/').to_string();
    if p.ends_with('/') {
        p.push_str("**");
    }
    let base = if anchored || p.starts_with("**") {
        p
    } else {
        format!("**/{p}")
    };
    [base.clone(), format!("{base}/**")]
        .iter()
        .filter_map(|g| GlobBuilder::new(g).literal_separator(true).build().ok())
        .map(|g| g.compile_matcher())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_matching_pattern_wins() {
        let co = CodeOwners::parse(
            "* @org/all\n/deploy/ @org/platform\nrequirements*.txt @org/appsec\n",
        );
        assert_eq!(co.owners_of("requirements.txt"), vec!["@org/appsec"]);
        assert_eq!(
            co.owners_of("svc/requirements-dev.txt"),
            vec!["@org/appsec"]
        );
        assert_eq!(co.owners_of("deploy/k8s/app.yaml"), vec!["@org/platform"]);
        assert_eq!(co.owners_of("src/app.py"), vec!["@org/all"]);
    }
}
