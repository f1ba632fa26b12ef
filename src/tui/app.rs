//! The TUI's state and its one `update` function: messages in, state changed,
//! effects out as `Cmd`s. No I/O here, so it is driven directly in tests.

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use ratatui::layout::Rect;

use super::filter::Filter;
use super::index::CaseIndex;
use super::keymap::Keymap;
pub use super::messages::{Cmd, Msg};
use super::panes;
pub use super::panes::row_count;

/// A row's text as search and copy read it.
pub fn row_text(pane: Pane, case: &Case, i: usize) -> String {
    panes::grid(pane).row_text(case, i)
}
use super::prompt::Prompt;
use super::search::Query;
use crate::model::{Case, Evidence};

/// Provisional cases are correlated from a copy of the evidence read so far;
/// beyond this many records the copy costs more than the preview is worth.
const PROVISIONAL_LIMIT: usize = 200_000;

/// Above this many rows in all panes together, a filter is worked out off the event loop.
pub const SYNC_FILTER_ROWS: usize = 200_000;

/// Every pane's rows under `filter`, and the timeline's volume; `None` when
/// `cancelled` says a newer filter has come.
pub fn filtered(
    case: &Case,
    filter: &Filter,
    cancelled: &dyn Fn() -> bool,
) -> Option<([Vec<u32>; 6], panes::timeline::Volume)> {
    let mut rows: [Vec<u32>; 6] = Default::default();
    for pane in Pane::ALL {
        rows[pane.index()] = filter.rows_until(case, pane, cancelled)?;
    }
    let volume = panes::timeline::volume(case, &rows[Pane::Timeline.index()]);
    Some((rows, volume))
}

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

    pub fn index(self) -> usize {
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

/// A search of one pane: what was typed, the case rows that match, and the
/// selection it started from (Esc while typing goes back to it).
#[derive(Debug, Clone)]
pub struct Search {
    pub pane: Pane,
    pub query: Query,
    pub matches: Vec<u32>,
    pub origin: usize,
    /// Whether `matches` holds every match (after Enter), or is not yet counted
    /// (while typing only the next match is looked for).
    pub counted: bool,
}

/// Where the user was, for Esc to go back to.
#[derive(Debug, Clone)]
pub struct Place {
    pub pane: Pane,
    pub selected: [usize; 6],
    pub detail: bool,
    pub detail_scroll: u16,
    pub link: usize,
    pub filter: Filter,
    pub crumb: String,
}

/// What the last frame drew where, so that a click or the wheel lands on what
/// the user saw. Written by the view (like ratatui's own table state).
#[derive(Debug, Clone, Default)]
pub struct Hits {
    pub offset: [usize; 6],
    pub table: Option<Rect>,
    pub row_height: u16,
    /// Tab bar: each pane's column span.
    pub tabs: Vec<(u16, u16)>,
    /// The detail's last scroll position that still fills the screen.
    pub detail_max: u16,
    pub detail_height: u16,
}

/// The whole UI state.
#[derive(Debug)]
pub struct Model {
    pub pane: Pane,
    /// Display positions (into `rows`), one per pane.
    pub selected: [usize; 6],
    pub detail: bool,
    pub detail_scroll: u16,
    /// The link chosen in the detail (Tab moves it, Enter follows it).
    pub link: usize,
    pub help: bool,
    pub sources: Vec<SourceState>,
    pub case: Option<Arc<Case>>,
    pub index: Option<Arc<CaseIndex>>,
    pub evidence: Evidence,
    pub spinner: usize,
    pub status: Option<String>,
    pub quit: bool,
    pub keymap: Keymap,
    pub prompt: Option<Prompt>,
    pub search: Option<Search>,
    pub search_history: Vec<String>,
    pub command_history: Vec<String>,
    pub filter: Filter,
    /// The case rows each pane shows, in order: all, or those the filter keeps.
    pub rows: [Vec<u32>; 6],
    pub volume: panes::timeline::Volume,
    pub history: Vec<Place>,
    pub hits: RefCell<Hits>,
    /// A filter is being worked out off the event loop.
    pub filtering: bool,
    /// How many rows a filter is worked out for at once (`SYNC_FILTER_ROWS`).
    pub sync_filter_rows: usize,
    /// `--follow`: the evidence is kept after the last correlation, for what is appended.
    pub follow: Option<crate::session::Follow>,
    /// `:group`: the timeline's rows by address or principal, else in time order.
    pub group: Option<super::commands::Group>,
    /// The bell is to ring (a new replay while following); the runtime rings it and clears this.
    pub ring: bool,
    /// Asked to stop (SIGTSTP): the runtime hands the terminal back, stops, and takes it again.
    pub suspend: bool,
    /// `:grep`: the search of the logs on disk, shown over the panes.
    pub disk: Option<super::disk::DiskView>,
    pub(super) disk_generation: Arc<AtomicU64>,
    filter_generation: Arc<AtomicU64>,
    /// An effect asked for deep inside a key's handling, sent with its answer.
    deferred: Option<Cmd>,
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
            link: 0,
            help: false,
            sources: labels
                .into_iter()
                .map(|label| SourceState { label, status: SourceStatus::Loading, progress: None })
                .collect(),
            case: None,
            index: None,
            evidence: Evidence::default(),
            spinner: 0,
            status: None,
            quit: false,
            keymap: Keymap::default_keys(),
            prompt: None,
            search: None,
            search_history: Vec::new(),
            command_history: Vec::new(),
            filter: Filter::default(),
            rows: Default::default(),
            volume: Default::default(),
            history: Vec::new(),
            hits: RefCell::new(Hits::default()),
            filtering: false,
            sync_filter_rows: SYNC_FILTER_ROWS,
            follow: None,
            group: None,
            ring: false,
            suspend: false,
            disk: None,
            disk_generation: Arc::new(AtomicU64::new(0)),
            filter_generation: Arc::new(AtomicU64::new(0)),
            deferred: None,
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
        m.show(case, None);
        m
    }

    /// Whether any source is still being read (the case may be provisional).
    pub fn loading(&self) -> bool {
        self.sources.iter().any(|s| s.status == SourceStatus::Loading)
    }

    /// Put a case on screen: its index, the filter's rows, the search again.
    fn show(&mut self, case: Case, index: Option<Box<CaseIndex>>) {
        let index = index.map_or_else(|| CaseIndex::build(&case), |i| *i);
        self.case = Some(Arc::new(case));
        self.index = Some(Arc::new(index));
        self.refilter();
        if let Some(s) = self.search.take() {
            self.run_search(s.pane, s.query, s.origin);
        }
    }

    /// Recompute every pane's rows from the filter; selections stay in range. On
    /// a large case a filter is worked out off the event loop (the screen keeps
    /// answering keys, and a newer filter cancels an older one); no filter at all
    /// is only counting, done at once.
    pub(super) fn refilter(&mut self) {
        let Some(case) = self.case.clone() else { return };
        let generation = self.filter_generation.fetch_add(1, Ordering::Relaxed) + 1;
        let total: usize = Pane::ALL.iter().map(|p| row_count(*p, &case)).sum();
        if total > self.sync_filter_rows && !self.filter.is_empty() {
            self.filtering = true;
            self.deferred = Some(Cmd::Refilter {
                case,
                filter: self.filter.clone(),
                generation,
                latest: self.filter_generation.clone(),
            });
            return;
        }
        if self.filter.is_empty() {
            let rows = Pane::ALL.map(|p| (0..row_count(p, &case) as u32).collect());
            let volume = self.index.as_ref().map(|i| i.volume.clone()).unwrap_or_default();
            self.apply_rows(rows, volume);
            return;
        }
        let never = || false;
        if let Some((rows, volume)) = filtered(&case, &self.filter, &never) {
            self.apply_rows(rows, volume);
        }
    }

    /// Rows worked out for the current filter: shown, and the search run on them.
    fn apply_rows(&mut self, mut rows: [Vec<u32>; 6], volume: panes::timeline::Volume) {
        self.filtering = false;
        if let (Some(group), Some(case)) = (self.group, self.case.as_ref()) {
            let timeline = &mut rows[Pane::Timeline.index()];
            let key = |i: u32| {
                let f = super::filter::facts(case, Pane::Timeline, i as usize);
                let k = match group {
                    super::commands::Group::Address => f.ips.iter().next().copied(),
                    super::commands::Group::Principal => f.principals.iter().chain(&f.people).next().copied(),
                };
                // Rows with no address or principal come after every group.
                (k.is_none(), k.unwrap_or("").to_string())
            };
            let mut keyed: Vec<((bool, String), u32)> = timeline.iter().map(|&i| (key(i), i)).collect();
            keyed.sort();
            *timeline = keyed.into_iter().map(|(_, i)| i).collect();
        }
        self.rows = rows;
        for i in 0..self.rows.len() {
            self.selected[i] = self.selected[i].min(self.rows[i].len().saturating_sub(1));
        }
        self.volume = volume;
        if let Some(s) = self.search.take() {
            if s.counted {
                self.run_search(s.pane, s.query, s.origin);
            } else {
                self.search = Some(s);
            }
        }
    }

    /// Ask for a correlation of everything read so far, unless one is running
    /// (its result will be followed by another if more evidence came meanwhile).
    fn correlate(&mut self) -> Option<Cmd> {
        if self.correlating || !self.dirty {
            return None;
        }
        let evidence = if !self.loading() && self.follow.is_none() {
            // The last correlation: the evidence moves, it is not copied.
            std::mem::take(&mut self.evidence)
        } else if self.follow.is_some()
            || self.evidence.accesses.len() + self.evidence.findings.len() <= PROVISIONAL_LIMIT
        {
            // Followed logs grow: what was read stays for the next correlation.
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

    /// The selected display position of the current pane.
    pub fn selection(&self) -> usize {
        self.selected[self.pane.index()]
    }

    /// The case row selected in the current pane, if it has any.
    pub fn selected_row(&self) -> Option<usize> {
        self.rows(self.pane).get(self.selection()).map(|&r| r as usize)
    }

    /// The case rows `pane` shows.
    pub fn rows(&self, pane: Pane) -> &[u32] {
        &self.rows[pane.index()]
    }

    /// Each column's widest cell in `pane`, measured once per case.
    pub fn needs(&self, pane: Pane) -> Vec<u16> {
        self.index.as_ref().and_then(|i| i.needs.get(pane.index()).cloned()).unwrap_or_default()
    }

    /// While following: replays that were not in the case before say so, once.
    fn tell_new_replays(&mut self, before: Option<std::collections::HashSet<(String, String)>>) {
        let (Some(follow), Some(before), Some(case)) = (self.follow, before, self.case.as_ref()) else { return };
        // New is what the last case did not hold, wherever in time it falls (a log
        // can deliver late records; usage buckets can run past the newest request).
        let new: Vec<&crate::model::Replay> =
            case.replays.iter().filter(|r| !before.contains(&(r.secret.clone(), r.access.event_id.clone()))).collect();
        if self.loading() || new.is_empty() {
            return;
        }
        let count = new.len();
        let latest = new.into_iter().max_by_key(|r| r.access.at);
        let from = latest.map(|r| {
            format!(
                " — latest {} from {} at {}",
                r.secret,
                r.access.ip.as_deref().unwrap_or("no address"),
                r.access.at.format("%H:%M:%S")
            )
        });
        self.status =
            Some(format!("{count} new replay{}{}", if count == 1 { "" } else { "s" }, from.unwrap_or_default()));
        self.ring = follow.bell;
    }

    /// Where the user is: the pane, its filter, whether in a detail.
    pub fn crumb(&self) -> String {
        let mut c = self.pane.title().to_string();
        if !self.filter.is_empty() {
            c.push_str(&format!(" [{}]", self.filter.values()));
        }
        if self.detail {
            c.push_str(" › detail");
        }
        c
    }
}

/// Apply one message. Returns whether anything visible changed, and an effect.
pub fn update(model: &mut Model, msg: Msg) -> (bool, Option<Cmd>) {
    match msg {
        Msg::KeyPressed(key) => {
            let (changed, cmd) = model.key(&key);
            (changed, cmd.or_else(|| model.deferred.take()))
        }
        Msg::Mouse(event) => (model.mouse(&event), None),
        Msg::Filtered { generation, rows, volume } => {
            if generation != model.filter_generation.load(Ordering::Relaxed) {
                return (false, None);
            }
            model.apply_rows(*rows, *volume);
            model.status = Some(format!("{} rows in {} · Esc back", model.rows(model.pane).len(), model.pane.title()));
            (true, None)
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
        Msg::Correlated { case, index, generation } => {
            model.correlating = false;
            if generation > model.shown {
                model.shown = generation;
                let before = model
                    .case
                    .as_ref()
                    .map(|c| c.replays.iter().map(|r| (r.secret.clone(), r.access.event_id.clone())).collect());
                model.show(*case, index);
                model.tell_new_replays(before);
            }
            (true, model.correlate().or_else(|| model.deferred.take()))
        }
        Msg::DiskFound { generation, hits, progress, done } => match &mut model.disk {
            Some(view) if view.generation == generation => {
                view.hits.extend(hits);
                view.progress = progress;
                view.done = done;
                (true, None)
            }
            _ => (false, None),
        },
        Msg::Appended { index, evidence, records, rejected, note } => {
            if let Some(SourceStatus::Loaded { records: r, rejected: j }) =
                model.sources.get_mut(index).map(|s| &mut s.status)
            {
                *r += records;
                *j += rejected;
            }
            if let Some(note) = note {
                model.status = Some(note);
            }
            model.evidence.merge(*evidence);
            model.dirty = true;
            (true, model.correlate())
        }
        Msg::Annotated { case, index, said } => {
            model.show(*case, Some(index));
            model.status = Some(said);
            (true, None)
        }
        Msg::Reported(text) => {
            model.status = Some(crate::ingest::mask::prose(&text).into_owned());
            (true, None)
        }
        Msg::Ticked => {
            model.spinner = model.spinner.wrapping_add(1);
            (model.loading(), None)
        }
        Msg::Resized(_, _) => (true, None),
        Msg::Terminated => {
            model.quit = true;
            (false, None)
        }
        Msg::Suspended => {
            model.suspend = true;
            (false, None)
        }
    }
}
