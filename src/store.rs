//! The case store: an SQLite database beside the case file (in its `.leakline/`
//! folder) that keeps the analysts' annotations and what each run read. SQLite
//! because the TUI and `report` may open one case at once, and a crash mid-write
//! must not lose the annotations already made.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use crate::model::{Annotation, InputSummary, Verdict};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("case store {path}: {message}")]
    Sqlite { path: String, message: String },
}

pub struct CaseStore {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS annotations (
    id INTEGER PRIMARY KEY,
    target TEXT NOT NULL,
    verdict TEXT NOT NULL,
    note TEXT NOT NULL,
    by TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS inputs_read (
    id INTEGER PRIMARY KEY,
    read_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    path TEXT NOT NULL,
    records INTEGER NOT NULL,
    rejected INTEGER NOT NULL
);
";

impl CaseStore {
    /// Open (or make) the store at `path`.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let fail = |e: &dyn std::fmt::Display| StoreError::Sqlite {
            path: path.display().to_string(),
            message: crate::ingest::mask::prose(&e.to_string()).into_owned(),
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| fail(&e))?;
        }
        let conn = Connection::open(path).map_err(|e| fail(&e))?;
        // Another process (report beside the TUI) may hold the lock for a moment.
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(|e| fail(&e))?;
        conn.execute_batch(SCHEMA).map_err(|e| fail(&e))?;
        Ok(Self { conn, path: path.to_path_buf() })
    }

    fn fail(&self, e: rusqlite::Error) -> StoreError {
        failed(&self.path, e)
    }

    /// Every annotation, oldest first; a later one on the same target is the one that stands.
    pub fn annotations(&self) -> Result<Vec<Annotation>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT target, verdict, note, by, at FROM annotations ORDER BY id")
            .map_err(|e| self.fail(e))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(|e| self.fail(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (target, verdict, note, by, at) = row.map_err(|e| self.fail(e))?;
            // A row this version cannot read is passed over, never guessed at.
            let (Some(verdict), Ok(at)) = (Verdict::parse(&verdict), DateTime::parse_from_rfc3339(&at)) else {
                continue;
            };
            out.push(Annotation { target, verdict, note, by, at: at.with_timezone(&Utc) });
        }
        Ok(out)
    }

    pub fn add(&self, a: &Annotation) -> Result<(), StoreError> {
        self.conn
            .execute(
                "INSERT INTO annotations (target, verdict, note, by, at) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![a.target, a.verdict.name(), a.note, a.by, a.at.to_rfc3339()],
            )
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// What one run read, for the record of the case.
    pub fn record_inputs(&mut self, at: DateTime<Utc>, inputs: &[InputSummary]) -> Result<(), StoreError> {
        let path = self.path.clone();
        let tx = self.conn.transaction().map_err(|e| failed(&path, e))?;
        for i in inputs {
            tx.execute(
                "INSERT INTO inputs_read (read_at, kind, path, records, rejected) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![at.to_rfc3339(), i.kind.name(), i.path, i.records as i64, i.rejected as i64],
            )
            .map_err(|e| failed(&path, e))?;
        }
        tx.commit().map_err(|e| failed(&path, e))
    }
}

fn failed(path: &Path, e: rusqlite::Error) -> StoreError {
    StoreError::Sqlite {
        path: path.display().to_string(),
        message: crate::ingest::mask::prose(&e.to_string()).into_owned(),
    }
}

/// The latest annotation of each target, in the order they were first made.
pub fn standing(all: &[Annotation]) -> Vec<Annotation> {
    let mut out: Vec<Annotation> = Vec::new();
    for a in all {
        match out.iter_mut().find(|x| x.target == a.target) {
            Some(x) => *x = a.clone(),
            None => out.push(a.clone()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn annotations_persist_and_the_latest_on_a_target_stands() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let path = dir.path().join(".leakline/case.sqlite");
        let at = DateTime::parse_from_rfc3339("2026-04-15T10:00:00Z").map(|t| t.with_timezone(&Utc)).ok();
        let at = at.unwrap_or_default();
        let a = |verdict, note: &str| Annotation {
            target: "secret:s2".into(),
            verdict,
            note: note.into(),
            by: "dana".into(),
            at,
        };
        {
            let store = CaseStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
            store.add(&a(Verdict::NeedsReview, "check with the vendor")).unwrap_or_else(|e| panic!("{e}"));
            store.add(&a(Verdict::FalsePositive, "a test key in a fixture")).unwrap_or_else(|e| panic!("{e}"));
        }
        let store = CaseStore::open(&path).unwrap_or_else(|e| panic!("{e}"));
        let all = store.annotations().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(all.len(), 2, "both are kept: the record of the case");
        let now = standing(&all);
        assert_eq!(now.len(), 1);
        assert_eq!((now[0].verdict, now[0].note.as_str()), (Verdict::FalsePositive, "a test key in a fixture"));
    }
}
