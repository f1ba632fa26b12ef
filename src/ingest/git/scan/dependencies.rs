//! The watched packages a commit moved in one manifest or lockfile, and who wrote each move.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::Arc;

use git2::Oid;

use super::super::codeowners::CodeOwners;
use super::super::manifests::{self, ManifestKind};
use super::super::merged::{self, MergedSide, Origin};
use super::super::reachability;
use super::super::treediff::Changed;
use super::{MAX_MANIFEST_BLOB, MAX_RULE_BLOB, Packages, Worker, credit, introduced_here, short};
use crate::model::{CommitInfo, DependencyChange, Rejected};

impl Worker<'_> {
    /// The side commit that moved `package` in `path` to `to`: the newest one
    /// whose own diff of the file changes the package's version to that value.
    /// `history` is the side's changes of the file (`MergedSide::changes_of`),
    /// worked out once per manifest.
    fn package_origin(
        &mut self,
        side: &MergedSide,
        history: &[merged::FileChange],
        path: &str,
        package: &str,
        to: &Option<String>,
    ) -> Origin {
        for &(id, old, new) in history {
            let version = |parsed: Option<Arc<Result<Packages, String>>>| {
                parsed.and_then(|p| p.as_ref().as_ref().ok().and_then(|m| top(m.get(package))))
            };
            let (from, now) = (version(self.parse(old, path)), version(self.parse(new, path)));
            if from != now && now == *to {
                return merged::introduced(&mut self.trees, id);
            }
        }
        side.fallback(&mut self.trees)
    }

    fn parse(&mut self, id: Option<Oid>, path: &str) -> Option<Arc<Result<Packages, String>>> {
        let id = id?;
        let name: &'static str = file_kind(path);
        if let Some(hit) = self.parsed.get(&(id, name)) {
            return Some(hit.clone());
        }
        let parsed = match self.blob_text(Some(id), MAX_MANIFEST_BLOB) {
            Some(text) => manifests::packages(path, &text).map(|list| {
                let mut map: Packages = BTreeMap::new();
                for (n, v) in list {
                    if self.all_deps || self.watch.watches(&n) {
                        map.entry(n).or_default().push(v);
                    }
                }
                map
            }),
            None => Err(format!("{path}: not readable (binary, too large or missing)")),
        };
        let parsed = Arc::new(parsed);
        self.parsed.insert((id, name), parsed.clone());
        Some(parsed)
    }

    fn codeowners(&mut self, tree: Oid, path: &str) -> Vec<String> {
        let Some(id) = super::super::codeowners::LOCATIONS.iter().find_map(|loc| self.trees.id_at(tree, loc)) else {
            return Vec::new();
        };
        if !self.owners.contains_key(&id) {
            let text = self.blob_text(Some(id), MAX_RULE_BLOB).unwrap_or_default();
            self.owners.insert(id, Arc::new(CodeOwners::parse(&text)));
        }
        self.owners.get(&id).map(|c| c.owners_of(path)).unwrap_or_default()
    }

    /// Packages declared by the plain manifests beside a lockfile, at this commit.
    fn declared_beside(&mut self, tree: Oid, lockfile: &str) -> BTreeSet<String> {
        let folder = lockfile.rsplit_once('/').map_or("", |(f, _)| f);
        let mut out = BTreeSet::new();
        for name in ["pyproject.toml", "requirements.txt", "Pipfile", "package.json", "Cargo.toml", "Gemfile"] {
            let path = if folder.is_empty() { name.to_string() } else { format!("{folder}/{name}") };
            let id = self.trees.id_at(tree, &path);
            if let Some(parsed) = self.parse(id, &path)
                && let Ok(map) = parsed.as_ref()
            {
                out.extend(map.keys().cloned());
            }
        }
        out
    }

    pub(super) fn manifest_changes(
        &mut self,
        commit: Oid,
        tree: Oid,
        merge: bool,
        c: &Changed,
        kind: ManifestKind,
        info: &CommitInfo,
    ) -> Vec<Pending> {
        let before = self.parse(c.old, &c.path);
        let after = self.parse(c.new, &c.path);
        for (side, id) in [(&before, c.old), (&after, c.new)] {
            if let Some(Err(message)) = side.as_deref() {
                // Only the side this commit wrote is this commit's problem.
                if id == c.new {
                    self.rejected.push(Rejected { line: 0, message: format!("commit {}: {message}", short(&commit)) });
                }
                return Vec::new();
            }
        }
        let empty = Packages::new();
        let (b, a) = (
            before.as_deref().and_then(|r| r.as_ref().ok()).unwrap_or(&empty),
            after.as_deref().and_then(|r| r.as_ref().ok()).unwrap_or(&empty),
        );
        let names: BTreeSet<&String> = b.keys().chain(a.keys()).collect();
        let mut changes = Vec::new();
        // Worked out once per manifest, on the first package that needs them.
        let mut owners: Option<Vec<String>> = None;
        let mut declared: Option<BTreeSet<String>> = None;
        let side = merge.then(|| self.side(commit));
        let mut history: Option<Vec<merged::FileChange>> = None;
        let mut changed_lines: Option<ChangedLines> = None;
        for name in names {
            let (from, to) = (top(b.get(name)), top(a.get(name)));
            let rules = super::super::constraint::rules(kind.ecosystem, kind.lockfile);
            let Some(change) = super::super::constraint::change_kind(rules, from.as_deref(), to.as_deref()) else {
                continue;
            };
            let owners = owners.get_or_insert_with(|| self.codeowners(tree, &c.path)).clone();
            let transitive =
                kind.lockfile && !declared.get_or_insert_with(|| self.declared_beside(tree, &c.path)).contains(name);
            let mut info = info.clone();
            let origin = match side.as_ref() {
                Some(side) => {
                    let history = history.get_or_insert_with(|| side.changes_of(&mut self.trees, &c.path));
                    self.package_origin(side, history, &c.path, name, &to)
                }
                None => Origin::Found(introduced_here(&info)),
            };
            let introduced_by = credit(&mut info, origin);
            let diff = if kind.lockfile {
                Vec::new()
            } else {
                if changed_lines.is_none() {
                    let old = self.blob_text(c.old, MAX_RULE_BLOB).unwrap_or_default();
                    changed_lines =
                        Some(ChangedLines::between(&old, &self.blob_text(c.new, MAX_RULE_BLOB).unwrap_or_default()));
                }
                changed_lines.as_ref().map(|lines| lines.naming(name)).unwrap_or_default()
            };
            let written = (from.clone(), to.clone());
            let dependency = DependencyChange {
                package: name.clone(),
                ecosystem: kind.ecosystem.to_string(),
                manifest: c.path.clone(),
                change,
                from_version: from.as_deref().and_then(|v| super::super::constraint::floor(rules, v)),
                to_version: to.as_deref().and_then(|v| super::super::constraint::floor(rules, v)),
                from: from.filter(|v| !v.is_empty()).map(|v| super::super::constraint::shown(&v)),
                to: to.filter(|v| !v.is_empty()).map(|v| super::super::constraint::shown(&v)),
                commit: info,
                owners,
                lockfile: kind.lockfile,
                transitive,
                diff,
                touches_wiring: false,
                introduced_by,
                approved: false,
                moved_from: None,
                net_change: None,
                advisories: Vec::new(),
            };
            changes.push(Pending { change: dependency, written });
        }
        self.side = side.or(self.side.take());
        changes
    }
}

/// Cache key by file name, so the same blob under two names parses as each.
fn file_kind(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or(path);
    const NAMES: &[&str] = &[
        "pyproject.toml",
        "Pipfile",
        "setup.cfg",
        "poetry.lock",
        "uv.lock",
        "Pipfile.lock",
        "package.json",
        "package-lock.json",
        "npm-shrinkwrap.json",
        "yarn.lock",
        "pnpm-lock.yaml",
        "Cargo.toml",
        "Cargo.lock",
        "go.mod",
        "Gemfile",
        "Gemfile.lock",
        "pom.xml",
        "build.gradle",
        "build.gradle.kts",
    ];
    NAMES.iter().find(|n| **n == name).copied().unwrap_or("requirements")
}

/// The highest of the versions a file pins a package at.
fn top(versions: Option<&Vec<String>>) -> Option<String> {
    versions?.iter().max_by(|a, b| manifests::compare_versions(a, b)).cloned()
}

/// One commit's change of one package in one file, with the specifiers as
/// written (the shown ones drop `==`), until the commit's changes are settled.
pub(super) struct Pending {
    change: DependencyChange,
    written: (Option<String>, Option<String>),
}

/// A commit's dependency changes as reported: a package removed from one
/// manifest and added to another of the same ecosystem is one `moved` (a
/// migration), and a lockfile moving a package that a manifest in the same
/// folder also moved is the same decision, reported once (by the manifest).
/// The second list: the lockfile moves left out that way, which advisories still need (what was installed).
pub(super) fn settle(pending: Vec<Pending>) -> (Vec<DependencyChange>, Vec<DependencyChange>) {
    let changes = pair_moves(pending);
    let folder = |p: &str| p.rsplit_once('/').map_or(String::new(), |(f, _)| f.to_string());
    let direct: HashSet<(String, String)> = changes
        .iter()
        .filter(|c| !c.lockfile)
        .flat_map(|c| {
            let before = c.moved_from.as_deref().map(|m| (folder(m), c.package.clone()));
            std::iter::once((folder(&c.manifest), c.package.clone())).chain(before)
        })
        .collect();
    changes.into_iter().partition(|c| !c.lockfile || !direct.contains(&(folder(&c.manifest), c.package.clone())))
}

/// Each removal paired with an addition of the same package, ecosystem and
/// file role (manifest or lockfile) elsewhere in the commit; a file of the
/// same name is preferred (`a/requirements.txt` → `b/requirements.txt`).
fn pair_moves(pending: Vec<Pending>) -> Vec<DependencyChange> {
    use crate::model::ChangeKind::{Added, Moved, Removed};
    let (mut removals, rest): (Vec<Pending>, Vec<Pending>) =
        pending.into_iter().partition(|p| p.change.change == Removed);
    let file_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
    let mut out = Vec::new();
    for mut p in rest {
        let same = |r: &Pending| {
            r.change.package == p.change.package
                && r.change.ecosystem == p.change.ecosystem
                && r.change.lockfile == p.change.lockfile
                && r.change.manifest != p.change.manifest
        };
        let found = (p.change.change == Added)
            .then(|| {
                let named = removals
                    .iter()
                    .position(|r| same(r) && file_name(&r.change.manifest) == file_name(&p.change.manifest));
                named.or_else(|| removals.iter().position(same))
            })
            .flatten();
        if let Some(at) = found {
            let gone = removals.remove(at);
            let rules = super::super::constraint::rules(&p.change.ecosystem, p.change.lockfile);
            let c = &mut p.change;
            c.net_change =
                super::super::constraint::change_kind(rules, gone.written.0.as_deref(), p.written.1.as_deref());
            c.change = Moved;
            c.from = gone.change.from;
            c.from_version = gone.change.from_version;
            c.moved_from = Some(gone.change.manifest);
            let mut diff = gone.change.diff;
            diff.append(&mut c.diff);
            c.diff = diff;
        }
        out.push(p.change);
    }
    out.extend(removals.into_iter().map(|r| r.change));
    out
}

/// What may stand next to a package's name inside a name (`langchain-openai`).
fn part_of_name(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '/')
}

/// Whether a (normalised) manifest line names the package as a whole name:
/// `langchain-openai==0.1` names `langchain-openai`, not `langchain`.
fn names(line: &str, package: &str) -> bool {
    line.match_indices(package).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + package.len()..].chars().next();
        !before.is_some_and(part_of_name) && !after.is_some_and(part_of_name)
    })
}

/// The whole words of a text: its longest runs of `part_of_name`. Wherever a
/// line names a package, each word of the package is a word of the line.
fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !part_of_name(c)).filter(|w| !w.is_empty())
}

/// The lines a manifest lost and gained in a commit (each with its
/// normalised form), worked out once for all the packages it moved.
struct ChangedLines {
    removed: Vec<(String, String)>,
    added: Vec<(String, String)>,
    /// Each word to the changed lines holding it (removed first, then added,
    /// each in order): a package is looked for only in the lines holding its
    /// rarest word, so a manifest of N packages costs N lookups, not N² scans.
    by_word: HashMap<String, Vec<usize>>,
}

impl ChangedLines {
    fn between(old: &str, new: &str) -> Self {
        let (old_lines, new_lines): (BTreeSet<&str>, BTreeSet<&str>) = (old.lines().collect(), new.lines().collect());
        let normalised = |l: &&str| (super::super::watchlist::normalise(l), l.to_string());
        let removed: Vec<(String, String)> = old_lines.difference(&new_lines).map(normalised).collect();
        let added: Vec<(String, String)> = new_lines.difference(&old_lines).map(normalised).collect();
        let mut by_word: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, (line, _)) in removed.iter().chain(&added).enumerate() {
            for word in words(line) {
                let lines = by_word.entry(word.to_string()).or_default();
                if lines.last() != Some(&i) {
                    lines.push(i);
                }
            }
        }
        Self { removed, added, by_word }
    }

    /// The changed lines that name the package, redacted.
    fn naming(&self, package: &str) -> Vec<String> {
        let all = self.removed.len() + self.added.len();
        let everywhere: Vec<usize>;
        let candidates =
            match words(package).map(|w| self.by_word.get(w).map_or(&[][..], Vec::as_slice)).min_by_key(|l| l.len()) {
                Some(lines) => lines,
                // A package of no word at all: every line is looked at.
                None => {
                    everywhere = (0..all).collect();
                    &everywhere
                }
            };
        candidates
            .iter()
            .filter_map(|&i| match i.checked_sub(self.removed.len()) {
                None => self.removed.get(i).map(|l| ('-', l)),
                Some(j) => self.added.get(j).map(|l| ('+', l)),
            })
            .filter(|(_, (normal, _))| names(normal, package))
            .map(|(mark, (_, line))| format!("{mark} {}", reachability::redact_line(line)))
            .take(12)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_names_a_package_as_a_whole_name() {
        assert!(names("langchain==0.1.16", "langchain"));
        assert!(names("langchain[openai]>=0.2; python-version>\"3.9\"", "langchain"));
        assert!(!names("langchain-openai==0.1.3", "langchain"));
        assert!(names("langchain-openai==0.1.3", "langchain-openai"));
        assert!(names("  \"@langchain/core\": \"^0.2.0\",", "@langchain/core"));
        assert!(!names("  \"@langchain/core\": \"^0.2.0\",", "langchain"));
        assert!(names("openai = { version = \"1.2\" }", "openai"));
        assert!(!names("async-openai = \"0.20\"", "openai"));
        let lines =
            ChangedLines::between("flask==3\nlangchain==0.1\n", "flask==3\nlangchain==0.2\nlangchain-openai==0.1\n");
        assert_eq!(lines.naming("langchain"), ["- langchain==0.1", "+ langchain==0.2"]);
    }

    /// Looked up by word, a package is still found only where a line names it whole.
    #[test]
    fn lines_are_found_by_the_rarest_word_of_the_package() {
        let old = "<dependency>org.acme:core:1.0</dependency>\norg.acme:web:1.0\n";
        let new = "<dependency>org.acme:core:1.1</dependency>\norg.acme:web:1.0\norg.acme:core-extra:2\n";
        let lines = ChangedLines::between(old, new);
        assert_eq!(
            lines.naming("org.acme:core"),
            ["- <dependency>org.acme:core:1.0</dependency>", "+ <dependency>org.acme:core:1.1</dependency>"]
        );
        assert!(lines.naming("org.acme:web").is_empty(), "an unchanged line is no change");
        assert_eq!(lines.naming("org.acme:core-extra"), ["+ org.acme:core-extra:2"]);
        assert!(lines.naming("acme").is_empty(), "a word of a longer name is not the name");
        let many: String = (0..30).map(|i| format!("openai=={i}\n")).collect();
        assert_eq!(ChangedLines::between("", &many).naming("openai").len(), 12, "at most twelve lines shown");
        assert!(
            ChangedLines::between("", "::\n").naming("::").len() == 1,
            "a package of no word: every line looked at"
        );
    }
}
