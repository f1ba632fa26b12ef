//! One worker's share of the history walk: for each commit, the files that
//! changed (by tree ids, see `treediff`), the watched packages they moved, and
//! the reachability rules on their added and removed lines.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::Path;
use std::sync::Arc;

use git2::{DiffOptions, Oid, Patch, Repository};

use super::codeowners::CodeOwners;
use super::manifests::{self, ManifestKind};
use super::merged::{self, MergedSide, Origin};
use super::reachability;
use super::treediff::{self, Changed};
use super::watchlist::Watchlist;
use super::{commit, group_hits};
use crate::model::{
    CommitInfo, ContextLine, DependencyChange, Evidence, Grant, GrantKind, Introduced, Person, Rejected,
};

/// Files larger than this are not read for reachability rules (generated or vendored).
const MAX_RULE_BLOB: usize = 4 << 20;
/// Moved files whose carried lines are blamed, at most, per worker: a
/// restructuring that moves thousands of files is claimed where it changed them.
const MAX_BLAMES: usize = 2_000;
/// Lockfiles can be large; beyond this they are reported as unread.
const MAX_MANIFEST_BLOB: usize = 256 << 20;

type Packages = BTreeMap<String, Vec<String>>;

pub struct Worker<'a> {
    pub repo: &'a Repository,
    pub display: &'a str,
    pub watch: &'a Watchlist,
    pub all_deps: bool,
    pub rules: bool,
    pub user_rules: &'a [reachability::UserRule],
    pub shallow: &'a HashSet<Oid>,
    pub evidence: Evidence,
    pub rejected: Vec<Rejected>,
    pub notes: Vec<String>,
    /// Commits that changed something the scan reads.
    pub relevant: usize,
    parsed: HashMap<(Oid, &'static str), Arc<Result<Packages, String>>>,
    /// The last commit read and its tree: usually the next one's parent.
    previous: Option<(Oid, Oid)>,
    trees: treediff::TreeCache<'a>,
    owners: HashMap<Oid, Arc<CodeOwners>>,
    /// The merged side of the merge being read, kept across its files.
    side: Option<MergedSide>,
    /// Moved files blamed so far, against `MAX_BLAMES`.
    blames: usize,
}

fn short(id: &Oid) -> String {
    id.to_string()[..12].to_string()
}

impl<'a> Worker<'a> {
    pub fn new(
        repo: &'a Repository,
        display: &'a str,
        watch: &'a Watchlist,
        shallow: &'a HashSet<Oid>,
        store: Option<&'a super::objects::Store>,
    ) -> Result<Self, git2::Error> {
        let odb = repo.odb()?;
        Ok(Self {
            repo,
            display,
            watch,
            all_deps: false,
            rules: true,
            user_rules: &[],
            shallow,
            evidence: Evidence::default(),
            rejected: Vec::new(),
            notes: Vec::new(),
            relevant: 0,
            parsed: HashMap::new(),
            previous: None,
            trees: treediff::TreeCache::new(odb, store),
            owners: HashMap::new(),
            side: None,
            blames: 0,
        })
    }

    /// A blob's bytes, unless it is binary (git's test: a NUL in the first
    /// 8000 bytes) or larger than `max`.
    fn blob(&mut self, id: Option<Oid>, max: usize) -> Option<super::objects::Bytes> {
        let data = self.trees.raw(id?).ok()?;
        (data.len() <= max && !data[..data.len().min(8000)].contains(&0)).then_some(data)
    }

    fn blob_text(&mut self, id: Option<Oid>, max: usize) -> Option<String> {
        self.blob(id, max).map(|b| String::from_utf8_lossy(&b).into_owned())
    }

    /// Scan one commit of the plan.
    pub fn commit(&mut self, oid: Oid, links: Option<treediff::Links>) -> Result<(), git2::Error> {
        self.trees.next_commit();
        let links = match links {
            Some(l) => l,
            None => self.trees.commit_links(oid)?,
        };
        let tree_id = links.tree;
        let previous = self.previous.replace((oid, tree_id));
        let parent_tree = if self.shallow.contains(&oid) {
            None
        } else {
            match (previous, links.first_parent) {
                (Some((prev, prev_tree)), Some(parent)) if prev == parent => Some(Ok(prev_tree)),
                (_, Some(parent)) => Some(self.trees.commit_links(parent).map(|l| l.tree)),
                (_, None) => Some(Err(git2::Error::from_str("root"))),
            }
        };
        let parent_tree = match parent_tree {
            Some(Ok(t)) => Some(t),
            Some(Err(_)) if links.parents == 0 => None,
            boundary => {
                let why = if boundary.is_none() { "history is shallow at" } else { "the parent is missing of" };
                self.notes.push(format!("{why} {}: what changed before it is unknown", short(&oid)));
                let info = self.info(oid)?;
                self.evidence.commits.push(info);
                return Ok(());
            }
        };
        let mut changed = Vec::new();
        let rules = self.rules;
        let user = self.user_rules;
        let wanted = |p: &str| manifests::ecosystem(p).is_some() || (rules && reachability::applies_to(p, user));
        treediff::changed(&mut self.trees, parent_tree, Some(tree_id), &wanted, &mut changed)?;
        // Commits that touched nothing of interest are not kept: most of a history.
        if changed.is_empty() {
            return Ok(());
        }
        let info = self.info(oid)?;
        let mut deps = Vec::new();
        for c in &changed {
            if let Some(kind) = manifests::ecosystem(&c.path) {
                deps.extend(self.manifest_changes(oid, tree_id, links.parents > 1, c, kind, &info));
            }
        }
        if self.rules {
            let candidates: Vec<Changed> =
                changed.into_iter().filter(|c| reachability::applies_to(&c.path, self.user_rules)).collect();
            for (c, from) in self.pair_renames(candidates) {
                let moved = from.as_deref().zip(links.first_parent);
                self.rules_on(&c, &info, (links.parents > 1).then_some(oid), moved)?;
            }
        }
        self.evidence.dependency_changes.extend(drop_lockfile_echoes(deps));
        self.evidence.commits.push(info);
        self.relevant += 1;
        Ok(())
    }

    /// Who wrote, merged and approved a commit, from its raw object.
    fn info(&mut self, oid: Oid) -> Result<CommitInfo, git2::Error> {
        let parts = commit::Parts::parse(&self.trees.raw(oid)?);
        Ok(commit::info_from(oid, parts))
    }

    /// The side `merge` brought in, walked once per merge however many files it changed.
    fn side(&mut self, merge: Oid) -> MergedSide {
        match self.side.take() {
            Some(side) if side.merge() == merge => side,
            _ => MergedSide::walk(self.repo, &mut self.trees, merge),
        }
    }

    /// The side commit that moved `package` in `path` to `to`: the newest one
    /// whose own diff of the file changes the package's version to that value.
    fn package_origin(&mut self, side: &MergedSide, path: &str, package: &str, to: &Option<String>) -> Origin {
        for (id, old, new) in side.changes_of(&mut self.trees, path) {
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
        let Some(id) = super::codeowners::LOCATIONS.iter().find_map(|loc| self.trees.id_at(tree, loc)) else {
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

    fn manifest_changes(
        &mut self,
        commit: Oid,
        tree: Oid,
        merge: bool,
        c: &Changed,
        kind: ManifestKind,
        info: &CommitInfo,
    ) -> Vec<DependencyChange> {
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
        let mut changed_lines: Option<ChangedLines> = None;
        for name in names {
            let (from, to) = (top(b.get(name)), top(a.get(name)));
            let rules = super::constraint::rules(kind.ecosystem, kind.lockfile);
            let Some(change) = super::constraint::change_kind(rules, from.as_deref(), to.as_deref()) else {
                continue;
            };
            let owners = owners.get_or_insert_with(|| self.codeowners(tree, &c.path)).clone();
            let transitive =
                kind.lockfile && !declared.get_or_insert_with(|| self.declared_beside(tree, &c.path)).contains(name);
            let mut info = info.clone();
            let origin = match side.as_ref() {
                Some(side) => self.package_origin(side, &c.path, name, &to),
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
            changes.push(DependencyChange {
                package: name.clone(),
                ecosystem: kind.ecosystem.to_string(),
                manifest: c.path.clone(),
                change,
                from: from.filter(|v| !v.is_empty()).map(|v| super::constraint::shown(&v)),
                to: to.filter(|v| !v.is_empty()).map(|v| super::constraint::shown(&v)),
                commit: info,
                owners,
                lockfile: kind.lockfile,
                transitive,
                diff,
                touches_wiring: false,
                introduced_by,
                approved: false,
            });
        }
        self.side = side.or(self.side.take());
        changes
    }

    /// The rules on what a commit changed in one file. `moved` is the path the
    /// file had in the first parent, where the commit moved it: the lines it
    /// carried over are claimed at their new place, credited (as `git blame`
    /// does) to whoever wrote them before the move.
    fn rules_on(
        &mut self,
        c: &Changed,
        info: &CommitInfo,
        merge: Option<Oid>,
        moved: Option<(&str, Oid)>,
    ) -> Result<(), git2::Error> {
        let (old, new) = (self.blob(c.old, MAX_RULE_BLOB), self.blob(c.new, MAX_RULE_BLOB));
        if old.is_none() && new.is_none() {
            return Ok(());
        }
        let mut opts = DiffOptions::new();
        opts.context_lines(0);
        let (old_bytes, new_bytes) =
            (old.as_ref().map_or(&[][..], |b| b.as_slice()), new.as_ref().map_or(&[][..], |b| b.as_slice()));
        let file = Some(Path::new(&c.path));
        let patch = Patch::from_buffers(old_bytes, file, new_bytes, file, Some(&mut opts))?;
        let (mut added, mut removed) = (BTreeSet::new(), BTreeSet::new());
        for h in 0..patch.num_hunks() {
            for l in 0..patch.num_lines_in_hunk(h)? {
                let line = patch.line_in_hunk(h, l)?;
                match line.origin() {
                    '+' => added.extend(line.new_lineno()),
                    '-' => removed.extend(line.old_lineno()),
                    _ => {}
                }
            }
        }
        let text = |b: &Option<super::objects::Bytes>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
        let mut side = merge.map(|m| self.side(m));
        let old_text = text(&old);
        let mut blame: Option<Option<git2::Blame>> = None;
        for (t, lines, wired) in [(text(&new), &added, true), (text(&old), &removed, false)] {
            let Some(t) = t else { continue };
            let all: Vec<&str> = t.lines().collect();
            let carried: BTreeSet<u32> = match moved {
                Some(_) if wired && self.blames < MAX_BLAMES => {
                    (1..=all.len() as u32).filter(|n| !lines.contains(n)).collect()
                }
                Some((from, _)) if wired => {
                    if self.blames == MAX_BLAMES {
                        self.blames += 1;
                        self.notes.push(format!(
                            "more than {MAX_BLAMES} moved files: lines carried by later moves (from {from} on) are not claimed at their new place"
                        ));
                    }
                    BTreeSet::new()
                }
                _ => BTreeSet::new(),
            };
            let read: BTreeSet<u32> = lines.union(&carried).copied().collect();
            let hits = reachability::scan(&c.path, &t, &read, self.user_rules);
            let mut keyed = Vec::new();
            for hit in hits {
                let line = all.get(hit.line as usize - 1).copied().unwrap_or_default();
                let origin = if carried.contains(&hit.line) {
                    let Some((from, parent)) = moved else { continue };
                    let blame = blame.get_or_insert_with(|| {
                        self.blames += 1;
                        let mut options = git2::BlameOptions::new();
                        options.newest_commit(parent);
                        self.repo.blame_file(Path::new(from), Some(&mut options)).ok()
                    });
                    let before =
                        old_text.as_deref().and_then(|o| o.lines().position(|l| l.trim_end_matches('\r') == line));
                    match (blame.as_ref(), before) {
                        (Some(b), Some(n)) => match b.get_line(n + 1) {
                            Some(h) => merged::introduced(&mut self.trees, h.final_commit_id()),
                            None => Origin::Untraced,
                        },
                        _ => Origin::Untraced,
                    }
                } else {
                    match side.as_mut() {
                        Some(side) => side.line_origin(self.repo, &mut self.trees, &c.path, line, wired),
                        None => Origin::Found(introduced_here(info)),
                    }
                };
                keyed.push((origin, hit));
            }
            for (origin, hit) in group_hits(keyed) {
                let grant = self.grant(hit, &c.path, info, origin, &t, lines);
                if wired { self.evidence.grants.push(grant) } else { self.evidence.unwirings.push(grant) }
            }
        }
        self.side = side.or(self.side.take());
        Ok(())
    }

    /// A file moved in a commit is not a file written in it: pair each added
    /// file with a deleted one of the same content, the same name, or (as git
    /// does) mostly the same lines, so that what the move changed is judged as
    /// written here and what it carried keeps its author. Each file comes with
    /// the path it had before, where it moved.
    fn pair_renames(&mut self, changed: Vec<Changed>) -> Vec<(Changed, Option<String>)> {
        let file_name = |p: &str| p.rsplit('/').next().unwrap_or(p).to_string();
        let extension = |p: &str| file_name(p).rsplit_once('.').map(|(_, e)| e.to_string());
        let (mut deleted, rest): (Vec<Changed>, Vec<Changed>) = changed.into_iter().partition(|c| c.new.is_none());
        let mut out = Vec::new();
        for mut c in rest {
            if c.old.is_none() && !deleted.is_empty() {
                let mut same = deleted
                    .iter()
                    .position(|d| d.old == c.new)
                    .or_else(|| deleted.iter().position(|d| file_name(&d.path) == file_name(&c.path)));
                if same.is_none() {
                    let new = self.blob_text(c.new, MAX_RULE_BLOB).unwrap_or_default();
                    same = (0..deleted.len()).find(|i| {
                        let d = &deleted[*i];
                        extension(&d.path) == extension(&c.path)
                            && similarity(&self.blob_text(d.old, MAX_RULE_BLOB).unwrap_or_default(), &new) >= 0.5
                    });
                }
                if let Some(i) = same {
                    let source = deleted.remove(i);
                    c.old = source.old;
                    out.push((c, Some(source.path)));
                    continue;
                }
            }
            out.push((c, None));
        }
        out.extend(deleted.into_iter().map(|d| (d, None)));
        out
    }

    fn grant(
        &self,
        hit: reachability::Hit,
        path: &str,
        info: &CommitInfo,
        origin: Origin,
        text: &str,
        changed: &BTreeSet<u32>,
    ) -> Grant {
        let lines: Vec<&str> = text.lines().collect();
        let first = hit.line as usize;
        let context = (first.saturating_sub(3).max(1)..=(first + 3).min(lines.len()))
            .map(|n| ContextLine {
                number: Some(n as u32),
                text: reachability::redact_line(lines[n - 1]),
                marked: changed.contains(&(n as u32)),
            })
            .collect();
        let mut credited = info.clone();
        let introduced_by = credit(&mut credited, origin);
        let (scope, scope_reason) = reachability::scope_of(path);
        Grant {
            context,
            kind: hit.kind,
            at: info.at,
            commit: Some(info.clone()),
            path: path.to_string(),
            line: Some(hit.line),
            actor: introduced_by.as_ref().map_or_else(|| Person::new("", ""), |i| i.author.clone()),
            introduced_by,
            scope,
            scope_reason,
            settings: if hit.kind == GrantKind::WideningSetting { hit.names.clone() } else { Vec::new() },
            secret_names: if hit.kind == GrantKind::WideningSetting { Vec::new() } else { hit.names },
            excerpt: hit.excerpt,
            origin: format!("{}@{}:{path}:{}", self.display, &info.id[..12.min(info.id.len())], hit.line),
        }
    }
}

/// A commit as the introducer of what it changed itself.
fn introduced_here(info: &CommitInfo) -> Introduced {
    Introduced { commit: info.id.clone(), author: info.author.clone(), at: info.at, pull_request: info.pull_request }
}

/// Credit a change to whoever wrote it: `info` (a copy of the commit it
/// arrived in) takes the introducer's name, and a merge's pull request where
/// it has none of its own. Untraced, nobody is named.
fn credit(info: &mut CommitInfo, origin: Origin) -> Option<Introduced> {
    match origin {
        Origin::Found(by) => {
            info.author = by.author.clone();
            info.bot = super::trailers::is_bot(&info.author);
            if info.pull_request.is_none() {
                info.pull_request = by.pull_request;
            }
            Some(by)
        }
        Origin::Untraced => {
            info.author = Person::new("", "");
            info.bot = false;
            None
        }
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

/// A lockfile moving a package that a manifest in the same folder also moved
/// in this commit is the same decision, reported once (by the manifest).
fn drop_lockfile_echoes(changes: Vec<DependencyChange>) -> Vec<DependencyChange> {
    let folder = |p: &str| p.rsplit_once('/').map_or(String::new(), |(f, _)| f.to_string());
    let direct: HashSet<(String, String)> =
        changes.iter().filter(|c| !c.lockfile).map(|c| (folder(&c.manifest), c.package.clone())).collect();
    changes.into_iter().filter(|c| !c.lockfile || !direct.contains(&(folder(&c.manifest), c.package.clone()))).collect()
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

/// The share of lines two texts have in common (of the larger line set).
pub(super) fn similarity(a: &str, b: &str) -> f64 {
    let (x, y): (HashSet<&str>, HashSet<&str>) = (a.lines().collect(), b.lines().collect());
    let larger = x.len().max(y.len());
    if larger == 0 {
        return 0.0;
    }
    x.intersection(&y).count() as f64 / larger as f64
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
        let normalised = |l: &&str| (super::watchlist::normalise(l), l.to_string());
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
