//! The TUI's messages (what happened) and commands (effects for the runtime),
//! the vocabulary between `app::update` and the event loop.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use crossterm::event::{KeyEvent, MouseEvent};

use super::filter::Filter;
use super::index::CaseIndex;
use super::panes;
use crate::model::{Case, Evidence};
use crate::report::Format;

/// Messages: what happened (past tense).
#[derive(Debug)]
pub enum Msg {
    KeyPressed(KeyEvent),
    Mouse(MouseEvent),
    /// Part of a source, found while the rest is still being read.
    SourceProgressed {
        index: usize,
        evidence: Box<Evidence>,
    },
    SourceLoaded {
        index: usize,
        result: Result<Box<Evidence>, String>,
    },
    /// How far a source has come, in words.
    SourceCounted {
        index: usize,
        note: String,
    },
    /// A filter worked out off the event loop.
    Filtered {
        generation: u64,
        rows: Box<[Vec<u32>; 6]>,
        volume: Box<panes::timeline::Volume>,
    },
    /// A correlation finished; `generation` tells a stale one from the latest.
    /// The index is measured beside it when the runtime can (else here).
    Correlated {
        case: Box<Case>,
        index: Option<Box<CaseIndex>>,
        generation: u64,
    },
    /// An effect finished and says how, for the status line.
    Reported(String),
    /// Lines appended to a followed log: their records, and what was counted.
    Appended {
        index: usize,
        evidence: Box<Evidence>,
        records: usize,
        rejected: usize,
        note: Option<String>,
    },
    /// An annotation was kept: the case with it joined.
    Annotated {
        case: Box<Case>,
        index: Box<CaseIndex>,
        said: String,
    },
    Ticked,
    Resized(u16, u16),
    /// The process was asked to stop (SIGTERM, SIGHUP): leave as `q` does.
    Terminated,
    /// Asked to stop from outside (SIGTSTP): give the terminal back until SIGCONT.
    Suspended,
    /// A `:grep` found lines (masked) and came this far.
    DiskFound {
        generation: u64,
        hits: Vec<crate::ingest::disk_search::Hit>,
        progress: crate::ingest::disk_search::Progress,
        done: bool,
    },
}

/// Effects for the runtime to carry out.
#[derive(Debug)]
pub enum Cmd {
    Correlate {
        evidence: Box<Evidence>,
        generation: u64,
    },
    /// Write a report of the case shown, to `path` or beside the case file.
    Export {
        case: Arc<Case>,
        format: Format,
        path: Option<String>,
    },
    Theme(String),
    /// Put text on the terminal's clipboard (OSC 52).
    Copy(String),
    /// Keep a verdict on `target` in the case store and join it to the case shown
    /// (the runtime says who and when).
    Annotate {
        case: Arc<Case>,
        target: String,
        verdict: crate::model::Verdict,
        note: String,
    },
    /// Search the audit logs on disk for `needle`; give up once `latest` has moved on.
    DiskSearch {
        needle: String,
        generation: u64,
        latest: Arc<AtomicU64>,
    },
    /// Work out every pane's rows under `filter`; give up once `latest` has moved on.
    Refilter {
        case: Arc<Case>,
        filter: Filter,
        generation: u64,
        latest: Arc<AtomicU64>,
    },
}
