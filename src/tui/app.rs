//! The TUI's state and its one `update` function: messages in, state changed,
//! effects out as `Cmd`s. No I/O here, so it is driven directly in tests.

use crossterm::event::KeyEvent;

use super::keymap::{Action, Keymap};
use super::panes;
pub use super::panes::row_count;
use crate::model::{Case, Evidence};

/// Provisional cases are correlated from a copy of the evidence read so far;
/// beyond this many records the copy costs more than the preview is worth.
const PROVISIONAL_LIMIT: usize = 200_000;

/// The panes, in tab order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Overview,
    Timeline,
    Approvals,
    Reachability,
    Replays,
    Accountability,
}

impl Pane {
    pub const ALL: [Pane; 6] =
        [Pane::Overview, Pane::Timeline, Pane::Approvals, Pane::Reachability, Pane::Replays, Pane::Accountability];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Overview => "Overview",
            Pane::Timeline => "Timeline",
            Pane::Approvals => "Approvals",
            Pane::Reachability => "Reachability",
            Pane::Replays => "Replays",
            Pane::Accountability => "Accountability",
        }
    }

    fn index(self) -> usize {
        Pane::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// How loading one source went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceStatus {
    Loading,
    Loaded { records: usize, rejected: usize },
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceState {
    pub label: String,
    pub status: SourceStatus,
    /// How far a long read has come (`12/40 pull requests read`).
    pub progress: Option<String>,
}

/// Messages: what happened (past tense).
#[derive(Debug)]
pub enum Msg {
    KeyPressed(KeyEvent),
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
    /// A correlation finished; `generation` tells a stale one from the latest.
    Correlated {
        case: Box<Case>,
        generation: u64,
    },
    Ticked,
    Resized,
    /// The process was asked to stop (SIGTERM, SIGHUP): leave as `q` does.
    Terminated,
}

/// Effects for the runtime to carry out.
#[derive(Debug)]
pub enum Cmd {
    Correlate { evidence: Box<Evidence>, generation: u64 },
}

/// The whole UI state.
#[derive(Debug)]
pub struct Model {
    pub pane: Pane,
    pub selected: [usize; 6],
    pub detail: bool,
    pub detail_scroll: u16,
    pub help: bool,
    pub sources: Vec<SourceState>,
    pub case: Option<Case>,
    pub evidence: Evidence,
    pub spinner: usize,
    pub status: Option<String>,
    pub quit: bool,
    pub keymap: Keymap,
    /// The generation of the latest correlation asked for, and of the case shown.
    generation: u64,
    shown: u64,
    correlating: bool,
    /// Evidence arrived since the last correlation was asked for.
    dirty: bool,
}

impl Model {
    pub fn new(labels: Vec<String>) -> Self {
        Self {
            pane: Pane::Overview,
            selected: [0; 6],
            detail: false,
            detail_scroll: 0,
            help: false,
            sources: labels
                .into_iter()
                .map(|label| SourceState { label, status: SourceStatus::Loading, progress: None })
                .collect(),
            case: None,
            evidence: Evidence::default(),
            spinner: 0,
            status: None,
            quit: false,
            keymap: Keymap::default_keys(),
            generation: 0,
            shown: 0,
            correlating: false,
            dirty: false,
        }
    }

    /// A model with a correlated case already in it (for tests and headless rendering).
    pub fn with_case(case: Case) -> Self {
        // One line a kind of input: a bucket of CloudTrail files is one source here.
        let mut kinds: Vec<crate::model::SourceKind> = case.inputs.iter().map(|i| i.kind).collect();
        kinds.sort();
        kinds.dedup();
        let mut sources = Vec::new();
        for kind in kinds {
            let files: Vec<&crate::model::InputSummary> = case.inputs.iter().filter(|i| i.kind == kind).collect();
            let label = match files.as_slice() {
                [one] => format!("{} {}", kind.name(), one.path),
                many => format!(
                    "{} {} files under {}",
                    kind.name(),
                    many.len(),
                    crate::text::common_folder(many.iter().map(|i| i.path.as_str()))
                ),
            };
            let records = files.iter().map(|i| i.records).sum();
            let rejected = files.iter().map(|i| i.rejected).sum();
            sources.push(SourceState { label, status: SourceStatus::Loaded { records, rejected }, progress: None });
        }
        let mut m = Self::new(Vec::new());
        m.sources = sources;
        m.case = Some(case);
        m
    }

    /// Whether any source is still being read (the case may be provisional).
    pub fn loading(&self) -> bool {
        self.sources.iter().any(|s| s.status == SourceStatus::Loading)
    }

    /// Ask for a correlation of everything read so far, unless one is running
    /// (its result will be followed by another if more evidence came meanwhile).
    fn correlate(&mut self) -> Option<Cmd> {
        if self.correlating || !self.dirty {
            return None;
        }
        let evidence = if !self.loading() {
            // The last correlation: the evidence moves, it is not copied.
            std::mem::take(&mut self.evidence)
        } else if self.evidence.accesses.len() + self.evidence.findings.len() <= PROVISIONAL_LIMIT {
            self.evidence.clone()
        } else {
            // Too large to copy for a preview: wait for the last source.
            return None;
        };
        self.generation += 1;
        self.correlating = true;
        self.dirty = false;
        Some(Cmd::Correlate { evidence: Box::new(evidence), generation: self.generation })
    }

    pub fn selection(&self) -> usize {
        self.selected[self.pane.index()]
    }

    fn rows(&self) -> usize {
        self.case.as_ref().map_or(0, |c| panes::row_count(self.pane, c))
    }

    fn select(&mut self, f: impl FnOnce(usize, usize) -> usize) {
        let rows = self.rows();
        let i = self.pane.index();
        self.selected[i] = if rows == 0 { 0 } else { f(self.selected[i], rows).min(rows - 1) };
        self.detail_scroll = 0;
    }

    fn act(&mut self, action: Action) -> bool {
        let before = (self.pane, self.selected, self.detail, self.detail_scroll, self.help, self.quit);
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.help = !self.help,
            Action::Back if self.help => self.help = false,
            Action::Back => self.detail = false,
            _ if self.help => {}
            Action::NextPane => self.switch(Pane::ALL[(self.pane.index() + 1) % 6]),
            Action::PrevPane => self.switch(Pane::ALL[(self.pane.index() + 5) % 6]),
            Action::Pane1 => self.switch(Pane::Overview),
            Action::Pane2 => self.switch(Pane::Timeline),
            Action::Pane3 => self.switch(Pane::Approvals),
            Action::Pane4 => self.switch(Pane::Reachability),
            Action::Pane5 => self.switch(Pane::Replays),
            Action::Pane6 => self.switch(Pane::Accountability),
            Action::Down if self.detail => self.detail_scroll = self.detail_scroll.saturating_add(1),
            Action::Up if self.detail => self.detail_scroll = self.detail_scroll.saturating_sub(1),
            Action::PageDown if self.detail => self.detail_scroll = self.detail_scroll.saturating_add(10),
            Action::PageUp if self.detail => self.detail_scroll = self.detail_scroll.saturating_sub(10),
            Action::Top if self.detail => self.detail_scroll = 0,
            Action::Bottom | Action::Top if self.detail => {}
            Action::Down => self.select(|s, _| s + 1),
            Action::Up => self.select(|s, _| s.saturating_sub(1)),
            Action::PageDown => self.select(|s, _| s + 10),
            Action::PageUp => self.select(|s, _| s.saturating_sub(10)),
            Action::Top => self.select(|_, _| 0),
            Action::Bottom => self.select(|_, rows| rows.saturating_sub(1)),
            Action::Open => self.detail = self.rows() > 0,
        }
        before != (self.pane, self.selected, self.detail, self.detail_scroll, self.help, self.quit)
    }

    fn switch(&mut self, pane: Pane) {
        self.pane = pane;
        self.detail = false;
        self.detail_scroll = 0;
    }
}

/// Apply one message. Returns whether anything visible changed, and an effect.
pub fn update(model: &mut Model, msg: Msg) -> (bool, Option<Cmd>) {
    match msg {
        Msg::KeyPressed(key) => {
            let changed = model.keymap.action(&key).is_some_and(|a| model.act(a));
            (changed, None)
        }
        Msg::SourceProgressed { index: _, evidence } => {
            model.evidence.merge(*evidence);
            model.dirty = true;
            (false, model.correlate())
        }
        Msg::SourceCounted { index, note } => {
            if let Some(source) = model.sources.get_mut(index) {
                source.progress = Some(note);
            }
            (true, None)
        }
        Msg::SourceLoaded { index, result } => {
            if let Some(source) = model.sources.get_mut(index) {
                source.status = match result {
                    Ok(evidence) => {
                        // A forge that stopped answering says so where the responder looks.
                        if let Some(why) = evidence.forge.as_ref().and_then(|f| f.stopped.as_ref()) {
                            model.status = Some(format!("forge: {}", crate::ingest::mask::prose(why)));
                        }
                        let records = evidence.inputs.iter().map(|i| i.records).sum();
                        let rejected = evidence.inputs.iter().map(|i| i.rejected).sum();
                        model.evidence.merge(*evidence);
                        SourceStatus::Loaded { records, rejected }
                    }
                    Err(message) => SourceStatus::Failed(crate::ingest::mask::prose(&message).into_owned()),
                };
            }
            model.dirty = true;
            // Provisional cases while sources load; the last one once all are read.
            (true, model.correlate())
        }
        Msg::Correlated { case, generation } => {
            model.correlating = false;
            if generation > model.shown {
                model.shown = generation;
                model.case = Some(*case);
            }
            (true, model.correlate())
        }
        Msg::Ticked => {
            model.spinner = model.spinner.wrapping_add(1);
            (model.loading(), None)
        }
        Msg::Resized => (true, None),
        Msg::Terminated => {
            model.quit = true;
            (false, None)
        }
    }
}
