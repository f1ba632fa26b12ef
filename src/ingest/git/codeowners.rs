//! CODEOWNERS as it stood at a commit: the last matching pattern wins.

use globset::{GlobBuilder, GlobMatcher};

/// Where GitHub and GitLab look for the file, in their order.
pub const LOCATIONS: &[&str] = &[".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS", ".gitlab/CODEOWNERS"];

pub struct CodeOwners {
    /// Rules by section, in file order; GitHub files have one unnamed section.
    sections: Vec<Vec<Rule>>,
}

struct Rule {
    globs: Vec<GlobMatcher>,
    owners: Vec<String>,
    /// GitLab `!pattern`: the path needs no owner from this section.
    excluded: bool,
}

impl CodeOwners {
    pub fn parse(text: &str) -> Self {
        let mut sections: Vec<Vec<Rule>> = vec![Vec::new()];
        let mut defaults: Vec<String> = Vec::new();
        for line in text.lines() {
            let line = line.split(" #").next().unwrap_or("").trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            // GitLab section headers: `[Section]`, `^[Optional]`, `[Section][2] @default-owner`.
            let header = line.strip_prefix('^').unwrap_or(line);
            if header.starts_with('[') {
                let after = header.rsplit(']').next().unwrap_or("");
                defaults = after
                    .split_whitespace()
                    .filter(|o| o.starts_with('@') || o.contains('@'))
                    .map(str::to_string)
                    .collect();
                sections.push(Vec::new());
                continue;
            }
            let mut parts = line.split_whitespace();
            let Some(pattern) = parts.next() else {
                continue;
            };
            let (excluded, pattern) = match pattern.strip_prefix('!') {
                Some(p) => (true, p),
                None => (false, pattern),
            };
            let mut owners: Vec<String> = parts.map(str::to_string).collect();
            if owners.is_empty() && !excluded {
                owners.clone_from(&defaults);
            }
            let globs = globs(pattern);
            if let (false, Some(section)) = (globs.is_empty(), sections.last_mut()) {
                section.push(Rule { globs, owners, excluded });
            }
        }
        Self { sections }
    }

    /// The owners of a path: in each section the last matching rule wins (an
    /// exclusion matching the path silences that section); sections add up.
    pub fn owners_of(&self, path: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for rules in &self.sections {
            let matching = |r: &&Rule| r.globs.iter().any(|g| g.is_match(path));
            if rules.iter().filter(|r| r.excluded).any(|r| matching(&r)) {
                continue;
            }
            if let Some(rule) = rules.iter().rev().filter(|r| !r.excluded).find(matching) {
                for o in &rule.owners {
                    if !out.contains(o) {
                        out.push(o.clone());
                    }
                }
            }
        }
        out
    }
}

fn globs(pattern: &str) -> Vec<GlobMatcher> {
    let anchored = pattern.starts_with('/') || pattern.trim_end_matches('/').contains('/');
    let mut p = pattern.trim_start_matches('/').to_string();
    if p.ends_with('/') {
        p.push_str("**");
    }
    // A pattern ending in a wildcard (`docs/*`) matches what it names only,
    // not what lies below it; one naming a file or folder matches its contents too.
    let wild_end = p.rsplit('/').next().is_some_and(|last| last.contains('*') && last != "**");
    let base = if anchored || p.starts_with("**") { p } else { format!("**/{p}") };
    let patterns = if wild_end { vec![base] } else { vec![base.clone(), format!("{base}/**")] };
    patterns
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
        let co = CodeOwners::parse("* @org/all\n/deploy/ @org/platform\nrequirements*.txt @org/appsec\n");
        assert_eq!(co.owners_of("requirements.txt"), vec!["@org/appsec"]);
        assert_eq!(co.owners_of("svc/requirements-dev.txt"), vec!["@org/appsec"]);
        assert_eq!(co.owners_of("deploy/k8s/app.yaml"), vec!["@org/platform"]);
        assert_eq!(co.owners_of("src/app.py"), vec!["@org/all"]);
        // GitHub's documented examples.
        let co = CodeOwners::parse("docs/* docs@example.com\napps/ @octocat\n/build/logs/ @doctocat\n*.js @js-owner\n");
        assert_eq!(co.owners_of("docs/getting-started.md"), vec!["docs@example.com"]);
        assert!(co.owners_of("docs/build-app/troubleshooting.md").is_empty(), "docs/* does not reach nested files");
        assert_eq!(co.owners_of("web/apps/x/y.txt"), vec!["@octocat"]);
        assert_eq!(co.owners_of("build/logs/a/b.log"), vec!["@doctocat"]);
        assert_eq!(co.owners_of("src/deep/x.js"), vec!["@js-owner"]);
    }

    #[test]
    fn gitlab_sections_defaults_and_exclusions() {
        let co = CodeOwners::parse(
            "* @all\n!/doc/**/*.md\n\n[Backend][2] @backend-leads\n/app/\n/app/models/ @models\n\n^[Docs] @tw\n/doc/\n",
        );
        assert_eq!(co.owners_of("app/models/user.rb"), vec!["@all", "@models"]);
        assert_eq!(co.owners_of("app/controllers/x.rb"), vec!["@all", "@backend-leads"]);
        assert_eq!(co.owners_of("doc/api/index.md"), vec!["@tw"], "excluded from the top section");
    }
}
