//! The watched packages a commit moved in one manifest or lockfile, and who wrote each move.

use std::collections::{BTreeMap, BTreeSet, HashSet};
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

/// Whether a (normalised) manifest line names the package as a whole name:
/// `langchain-openai==0.1` names `langchain-openai`, not `langchain`.
fn names(line: &str, package: &str) -> bool {
    let part_of_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@' | '/');
    line.match_indices(package).any(|(at, _)| {
        let before = line[..at].chars().next_back();
        let after = line[at + package.len()..].chars().next();
        !before.is_some_and(part_of_name) && !after.is_some_and(part_of_name)
    })
}

/// The lines a manifest lost and gained in a commit (each with its
/// normalised form), worked out once for all the packages it moved.
struct ChangedLines {
    removed: Vec<(String, String)>,
    added: Vec<(String, String)>,
}

impl ChangedLines {
    fn between(old: &str, new: &str) -> Self {
        let (old_lines, new_lines): (BTreeSet<&str>, BTreeSet<&str>) = (old.lines().collect(), new.lines().collect());
        let normalised = |l: &&str| (super::super::watchlist::normalise(l), l.to_string());
        Self {
            removed: old_lines.difference(&new_lines).map(normalised).collect(),
            added: new_lines.difference(&old_lines).map(normalised).collect(),
        }
    }

    /// The changed lines that name the package, redacted.
    fn naming(&self, package: &str) -> Vec<String> {
        let naming = |(n, _): &&(String, String)| names(n, package);
        let removed = self.removed.iter().filter(naming).map(|(_, l)| format!("- {}", reachability::redact_line(l)));
        let added = self.added.iter().filter(naming).map(|(_, l)| format!("+ {}", reachability::redact_line(l)));
        removed.chain(added).take(12).collect()
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
}
