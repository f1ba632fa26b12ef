//! The reachability rules on the lines a commit added and removed in one file,
//! with moves paired and each line credited to whoever wrote it.

use std::collections::{BTreeSet, HashSet};
use std::path::Path;

use git2::{DiffOptions, Oid, Patch};

use super::super::group_hits;
use super::super::merged::{self, Origin};
use super::super::reachability;
use super::super::treediff::Changed;
use super::{MAX_BLAMES, MAX_RULE_BLOB, Worker, credit, introduced_here};
use crate::model::{CommitInfo, ContextLine, Grant, GrantKind, Person};

impl Worker<'_> {
    /// The rules on what a commit changed in one file. `moved` is the path the
    /// file had in the first parent, where the commit moved it: the lines it
    /// carried over are claimed at their new place, credited (as `git blame`
    /// does) to whoever wrote them before the move.
    pub(super) fn rules_on(
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
        let text =
            |b: &Option<super::super::objects::Bytes>| b.as_ref().map(|b| String::from_utf8_lossy(b).into_owned());
        let mut side = merge.map(|m| self.side(m));
        let (new_text, old_text) = (text(&new), text(&old));
        let mut blame: Option<Option<git2::Blame>> = None;
        for (t, lines, wired) in [(&new_text, &added, true), (&old_text, &removed, false)] {
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
            let hits = reachability::scan(&c.path, t, &read, self.user_rules);
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
                let grant = self.grant(hit, &c.path, info, origin, t, lines);
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
    pub(super) fn pair_renames(&mut self, changed: Vec<Changed>) -> Vec<(Changed, Option<String>)> {
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

/// The share of lines two texts have in common (of the larger line set).
pub(in crate::ingest::git) fn similarity(a: &str, b: &str) -> f64 {
    let (x, y): (HashSet<&str>, HashSet<&str>) = (a.lines().collect(), b.lines().collect());
    let larger = x.len().max(y.len());
    if larger == 0 {
        return 0.0;
    }
    x.intersection(&y).count() as f64 / larger as f64
}
