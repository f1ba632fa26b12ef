//! The parsed chunks of a streamed log, taken in the file's order: lines are
//! numbered, records placed, and the several records of one request (Vault's
//! request and response, a Kubernetes request's stages) counted once. Only
//! requests still open are remembered, so memory follows what is kept, not
//! the size of the file.

use std::collections::HashMap;

use super::stream::{Item, Parsed};
use crate::ingest::framing::Prefixed;
use crate::model::{Access, Evidence, Grant, InputSummary};

/// A request seen whose later records may still come.
struct Open {
    rank: u8,
    access: Option<usize>,
    grant: Option<usize>,
}

pub(super) struct Fold<'a> {
    path: &'a str,
    line_base: usize,
    prefixed: Prefixed,
    summary: InputSummary,
    /// Records the prefilter counted without parsing.
    skipped: usize,
    accesses: Vec<Access>,
    grants: Vec<Grant>,
    open: HashMap<String, Open>,
}

impl<'a> Fold<'a> {
    pub fn new(path: &'a str) -> Self {
        Fold {
            path,
            line_base: 0,
            prefixed: Prefixed::default(),
            // Counts and rejections only; the input's own summary takes them at the end.
            summary: InputSummary::default(),
            skipped: 0,
            accesses: Vec::new(),
            grants: Vec::new(),
            open: HashMap::new(),
        }
    }

    /// The next chunk of the file.
    pub fn take(&mut self, p: Parsed) {
        let base = self.line_base;
        let at = |i: usize| if p.absolute { i } else { base + i + 1 };
        if let Some(first) = p.prefixed.first {
            self.prefixed.count += p.prefixed.count;
            self.prefixed.first = self.prefixed.first.or(Some(at(first)));
        }
        self.summary.records += p.records;
        self.summary.relevant += p.counted;
        self.skipped += p.skipped;
        for (line, message) in p.rejected {
            self.summary.reject(at(line), message);
        }
        for item in p.items {
            let line = at(item.line);
            self.place(line, item);
        }
        self.line_base += p.lines;
    }

    fn place(&mut self, line: usize, item: Item) {
        // Most records of a large log are counted, not kept: no place to name for them.
        let origin =
            if item.access.is_some() || item.grant.is_some() { format!("{}:{line}", self.path) } else { String::new() };
        let access = item.access.map(|a| {
            let mut a = *a;
            if a.event_id.is_empty() {
                // One line of a wrapper holds many records: the place tells them apart.
                a.event_id = if item.number > 0 { format!("{origin}#{}", item.number) } else { origin.clone() };
            }
            a.origin.clone_from(&origin);
            a
        });
        let grant = item.grant.map(|mut g| {
            g.origin.clone_from(&origin);
            g
        });
        let Some(pair) = item.pair else {
            self.summary.relevant += 1;
            self.accesses.extend(access);
            self.grants.extend(grant);
            return;
        };
        match self.open.get_mut(&pair.key) {
            // A later record of an open request stands for it, where it ranks as high.
            Some(open) => {
                if pair.rank >= open.rank {
                    open.rank = pair.rank;
                    replace(&mut self.accesses, &mut open.access, access);
                    replace(&mut self.grants, &mut open.grant, grant);
                }
                if pair.last {
                    self.open.remove(&pair.key);
                }
            }
            None => {
                self.summary.relevant += 1;
                let access = access.map(|a| {
                    self.accesses.push(a);
                    self.accesses.len() - 1
                });
                let grant = grant.map(|g| {
                    self.grants.push(g);
                    self.grants.len() - 1
                });
                if !pair.last {
                    self.open.insert(pair.key, Open { rank: pair.rank, access, grant });
                }
            }
        }
    }

    /// Hand what was read to the input's summary and evidence; the number of
    /// lines read.
    pub fn finish(self, summary: &mut InputSummary, evidence: &mut Evidence) -> usize {
        summary.records += self.summary.records;
        summary.relevant += self.summary.relevant;
        summary.rejected += self.summary.rejected;
        summary.errors.extend(self.summary.errors);
        summary.errors.truncate(InputSummary::MAX_ERRORS);
        summary.notes.extend(self.prefixed.note());
        if self.skipped > 0 {
            summary.notes.push(format!(
                "{} records named none of the case's credentials and no event read whoever made it: counted, not parsed (`check` or --full-parse parses every one)",
                self.skipped
            ));
        }
        evidence.accesses.extend(self.accesses);
        evidence.grants.extend(self.grants);
        self.line_base
    }
}

/// The record a later one of the same request replaces (or adds, where the
/// earlier was not kept).
fn replace<T>(all: &mut Vec<T>, slot: &mut Option<usize>, new: Option<T>) {
    match (slot.as_ref(), new) {
        (Some(&i), Some(new)) => all[i] = new,
        (None, Some(new)) => {
            all.push(new);
            *slot = Some(all.len() - 1);
        }
        // The later record was not kept: the earlier stands.
        (_, None) => {}
    }
}
