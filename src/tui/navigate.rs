//! What keys and the mouse do to the model: moving, searching, the command
//! line, filters, following links and going back. Pure: effects leave as `Cmd`s.

use crossterm::event::{KeyEvent, MouseButton, MouseEvent, MouseEventKind};

use super::app::{Cmd, Model, Pane, Place, Search};
use super::commands::{self, Command};
use super::filter::Filter;
use super::keymap::Action;
use super::links::{self, Link};
use super::prompt::{Edit, Prompt, PromptKind};
use super::search::Query;

/// How many submissions each prompt remembers.
const HISTORY: usize = 100;

impl Model {
    /// A key: to the prompt when one is open, else to the pane through the keymap.
    pub(super) fn key(&mut self, key: &KeyEvent) -> (bool, Option<Cmd>) {
        if self.prompt.is_some() {
            return self.prompt_key(key);
        }
        match self.keymap.action(key) {
            Some(action) => self.act(action),
            None => (false, None),
        }
    }

    fn snapshot(&self) -> impl PartialEq + use<> {
        (self.pane, self.selected, self.detail, self.detail_scroll, self.help, self.quit, self.link)
    }

    fn act(&mut self, action: Action) -> (bool, Option<Cmd>) {
        let before = self.snapshot();
        let mut cmd = None;
        let mut changed = false;
        match action {
            Action::Quit => self.quit = true,
            Action::Help => self.help = !self.help,
            Action::Back if self.help => self.help = false,
            Action::Back if self.disk.is_some() => {
                self.close_disk();
                changed = true;
            }
            Action::Back => changed = self.back(),
            _ if self.help => {}
            Action::Down | Action::Up | Action::PageDown | Action::PageUp | Action::Top | Action::Bottom
                if self.disk.is_some() =>
            {
                changed = self.scroll_disk(action);
            }
            Action::Command if self.disk.is_some() => self.open_prompt(PromptKind::Command, "grep "),
            _ if self.disk.is_some() => {}
            Action::Search => self.open_prompt(PromptKind::Search, ""),
            Action::Command => self.open_prompt(PromptKind::Command, ""),
            Action::Filter => self.open_prompt(PromptKind::Command, "filter "),
            Action::Export => self.open_prompt(PromptKind::Command, "export md"),
            Action::ClearFilter if !self.filter.is_empty() => {
                self.remember();
                self.filter = Default::default();
                self.refilter();
                self.status = Some("filters cleared".into());
            }
            Action::ClearFilter => {}
            Action::NextMatch => self.next_match(true),
            Action::PrevMatch => self.next_match(false),
            Action::Copy => cmd = self.copy(),
            Action::Annotate if self.selected_row().is_some() => self.open_prompt(PromptKind::Annotate, ""),
            Action::Annotate => {}
            Action::NextPane if self.detail => self.move_link(1),
            Action::PrevPane if self.detail => self.move_link(-1),
            Action::NextPane => self.switch(Pane::ALL[(self.pane.index() + 1) % 6]),
            Action::PrevPane => self.switch(Pane::ALL[(self.pane.index() + 5) % 6]),
            Action::Pane1 => self.switch(Pane::Overview),
            Action::Pane2 => self.switch(Pane::Timeline),
            Action::Pane3 => self.switch(Pane::Approvals),
            Action::Pane4 => self.switch(Pane::Reachability),
            Action::Pane5 => self.switch(Pane::Replays),
            Action::Pane6 => self.switch(Pane::Accountability),
            Action::Down if self.detail => self.scroll(1),
            Action::Up if self.detail => self.scroll(-1),
            Action::PageDown if self.detail => self.scroll(i32::from(self.page())),
            Action::PageUp if self.detail => self.scroll(-i32::from(self.page())),
            Action::Top if self.detail => self.detail_scroll = 0,
            Action::Bottom if self.detail => self.detail_scroll = self.hits.borrow().detail_max,
            Action::Down => self.select(|s, _| s + 1),
            Action::Up => self.select(|s, _| s.saturating_sub(1)),
            Action::PageDown => self.select(|s, _| s + 10),
            Action::PageUp => self.select(|s, _| s.saturating_sub(10)),
            Action::Top => self.select(|_, _| 0),
            Action::Bottom => self.select(|_, rows| rows.saturating_sub(1)),
            Action::Open if self.detail => self.follow_link(),
            Action::Open if self.selected_row().is_some() => {
                self.remember();
                self.detail = true;
                self.detail_scroll = 0;
                self.link = 0;
            }
            Action::Open => {}
        }
        (changed || self.prompt.is_some() || before != self.snapshot() || cmd.is_some(), cmd)
    }

    fn page(&self) -> u16 {
        self.hits.borrow().detail_height.max(2) - 1
    }

    fn scroll(&mut self, by: i32) {
        let max = i32::from(self.hits.borrow().detail_max);
        self.detail_scroll = (i32::from(self.detail_scroll) + by).clamp(0, max.max(0)) as u16;
    }

    fn select(&mut self, f: impl FnOnce(usize, usize) -> usize) {
        let rows = self.rows(self.pane).len();
        let i = self.pane.index();
        self.selected[i] = if rows == 0 { 0 } else { f(self.selected[i], rows).min(rows - 1) };
        self.detail_scroll = 0;
    }

    fn switch(&mut self, pane: Pane) {
        self.pane = pane;
        self.detail = false;
        self.detail_scroll = 0;
    }

    /// Keep where the user is, for Esc to come back to.
    pub(super) fn remember(&mut self) {
        let place = Place {
            pane: self.pane,
            selected: self.selected,
            detail: self.detail,
            detail_scroll: self.detail_scroll,
            link: self.link,
            filter: self.filter.clone(),
            crumb: self.crumb(),
        };
        self.history.push(place);
        if self.history.len() > HISTORY {
            self.history.remove(0);
        }
    }

    /// Esc: back to the last place kept; with none, out of the detail or the search.
    fn back(&mut self) -> bool {
        if let Some(place) = self.history.pop() {
            let refilter = place.filter != self.filter;
            self.pane = place.pane;
            self.selected = place.selected;
            self.detail = place.detail;
            self.detail_scroll = place.detail_scroll;
            self.link = place.link;
            self.filter = place.filter;
            if refilter {
                let selected = self.selected;
                self.refilter();
                self.selected = selected;
            }
            return true;
        }
        if self.detail {
            self.detail = false;
            return true;
        }
        self.search.take().is_some()
    }

    fn open_prompt(&mut self, kind: PromptKind, text: &str) {
        self.prompt = Some(Prompt::new(kind, text));
    }

    fn prompt_key(&mut self, key: &KeyEvent) -> (bool, Option<Cmd>) {
        let Some(mut prompt) = self.prompt.take() else { return (false, None) };
        let history = match prompt.kind {
            PromptKind::Search => &self.search_history,
            PromptKind::Command | PromptKind::Annotate => &self.command_history,
        };
        let edit = prompt.key(key, history);
        match edit {
            Edit::Cancelled => {
                if prompt.kind == PromptKind::Search {
                    // Back to where the search began, nothing highlighted.
                    if let Some(s) = self.search.take() {
                        self.selected[s.pane.index()] = s.origin;
                    }
                }
                (true, None)
            }
            Edit::Submitted(text) => {
                let kind = prompt.kind;
                let list = match kind {
                    PromptKind::Search => &mut self.search_history,
                    PromptKind::Command => &mut self.command_history,
                    PromptKind::Annotate => &mut Vec::new(),
                };
                if !text.trim().is_empty() && list.last() != Some(&text) {
                    list.push(text.clone());
                    if list.len() > HISTORY {
                        list.remove(0);
                    }
                }
                match kind {
                    PromptKind::Search => {
                        self.live_search(&text, true);
                        if let Some(s) = &self.search {
                            self.status = Some(match s.matches.len() {
                                0 => format!("/{}: no match in {}", crate::text::clip(&text, 40), self.pane.title()),
                                n => format!("/{}: {n} matches — n next, N previous", crate::text::clip(&text, 40)),
                            });
                        }
                        (true, None)
                    }
                    PromptKind::Command => (true, self.command(&text)),
                    PromptKind::Annotate => (true, self.annotate(&text)),
                }
            }
            Edit::Complete => {
                if prompt.kind == PromptKind::Command {
                    let case = self.case.clone();
                    prompt.complete(|typed| commands::completions(typed, case.as_deref()));
                } else if prompt.kind == PromptKind::Annotate {
                    prompt.complete(|typed| {
                        ["confirmed ", "false-positive ", "benign ", "needs-review "]
                            .iter()
                            .filter(|v| v.starts_with(typed.trim_start()))
                            .map(|v| v.to_string())
                            .collect()
                    });
                }
                self.prompt = Some(prompt);
                (true, None)
            }
            Edit::Changed => {
                let text = prompt.text.clone();
                let kind = prompt.kind;
                self.prompt = Some(prompt);
                if kind == PromptKind::Search {
                    self.live_search(&text, false);
                }
                (true, None)
            }
            Edit::Moved => {
                self.prompt = Some(prompt);
                (true, None)
            }
        }
    }

    /// Search as the user types: the selection jumps to the first match at or
    /// after where the search began; every match is counted once it is submitted.
    fn live_search(&mut self, text: &str, submitted: bool) {
        let origin = self.search.as_ref().filter(|s| s.pane == self.pane).map_or(self.selection(), |s| s.origin);
        match Query::parse(text) {
            Ok(Some(query)) if submitted => self.run_search(self.pane, query, origin),
            Ok(Some(query)) => self.first_match(query, origin),
            Ok(None) => {
                self.search = None;
                self.selected[self.pane.index()] = origin;
            }
            Err(e) => self.status = Some(e),
        }
    }

    /// While typing: only the next match from where the search began.
    fn first_match(&mut self, query: Query, origin: usize) {
        let Some(index) = self.index.clone() else { return };
        let Some(text) = index.text.get(self.pane.index()) else { return };
        let rows = self.rows(self.pane);
        let filtered = rows.len() != text.len();
        let from = rows.get(origin).copied().unwrap_or(0);
        let found = text.first(&query, filtered.then_some(rows), from);
        if let Some(pos) = found.and_then(|m| self.position(self.pane, m)) {
            self.selected[self.pane.index()] = pos;
        }
        self.search = Some(Search { pane: self.pane, query, matches: Vec::new(), origin, counted: false });
    }

    /// Find `query` in `pane`, narrowing the last search's matches when it extends it.
    pub(super) fn run_search(&mut self, pane: Pane, query: Query, origin: usize) {
        let Some(index) = self.index.clone() else { return };
        let Some(text) = index.text.get(pane.index()) else { return };
        let filtered = self.rows(pane).len() != text.len();
        let earlier = self.search.take().filter(|s| s.pane == pane && s.counted && query.narrows(&s.query));
        let matches = match (&earlier, filtered) {
            (Some(s), _) => text.find(&query, Some(&s.matches)),
            (None, true) => text.find(&query, Some(self.rows(pane))),
            (None, false) => text.find(&query, None),
        };
        let rows = self.rows(pane);
        let from = rows.get(origin).copied().unwrap_or(0);
        let first = matches.iter().find(|&&m| m >= from).or(matches.first()).copied();
        if let Some(pos) = first.and_then(|m| self.position(pane, m)) {
            self.selected[pane.index()] = pos;
        }
        self.search = Some(Search { pane, query, matches, origin, counted: true });
    }

    /// Where case row `row` of `pane` is shown: rows are in case order unless grouped.
    fn position(&self, pane: Pane, row: u32) -> Option<usize> {
        let rows = self.rows(pane);
        if pane == Pane::Timeline && self.group.is_some() {
            rows.iter().position(|&r| r == row)
        } else {
            rows.binary_search(&row).ok()
        }
    }

    fn next_match(&mut self, forward: bool) {
        let Some(s) = self.search.as_ref().filter(|s| s.pane == self.pane) else {
            self.status = Some("no search in this pane: / to search".into());
            return;
        };
        // The matches where they are shown, in screen order.
        let mut shown: Vec<usize> = s.matches.iter().filter_map(|&m| self.position(self.pane, m)).collect();
        shown.sort_unstable();
        let here = self.selection();
        let next = if forward {
            shown.iter().find(|&&p| p > here).or(shown.first())
        } else {
            shown.iter().rev().find(|&&p| p < here).or(shown.last())
        };
        if let Some(&pos) = next {
            let wrapped = (forward && pos <= here) || (!forward && pos >= here);
            let n = shown.iter().position(|p| *p == pos).unwrap_or(0) + 1;
            self.status = Some(format!(
                "match {n}/{}{}",
                shown.len(),
                if wrapped && shown.len() > 1 { " (wrapped)" } else { "" }
            ));
            self.selected[self.pane.index()] = pos;
            self.detail_scroll = 0;
        }
    }

    /// Esc on the disk search: closed, and a search still running stops.
    fn close_disk(&mut self) {
        self.disk = None;
        self.disk_generation.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }

    fn scroll_disk(&mut self, action: Action) -> bool {
        let Some(view) = &mut self.disk else { return false };
        let before = view.scroll;
        match action {
            Action::Down => view.scroll_by(1),
            Action::Up => view.scroll_by(-1),
            Action::PageDown => view.scroll_by(10),
            Action::PageUp => view.scroll_by(-10),
            Action::Top => view.scroll = 0,
            _ => view.scroll_by(isize::MAX),
        }
        view.scroll != before
    }

    fn command(&mut self, text: &str) -> Option<Cmd> {
        match commands::parse(text) {
            Err(e) => {
                self.status = Some(e);
                None
            }
            Ok(Command::Quit) => {
                self.quit = true;
                None
            }
            Ok(Command::Help) => {
                self.help = true;
                None
            }
            Ok(Command::Grep(needle)) => {
                let generation = self.disk_generation.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                let shown = crate::ingest::mask::prose(&needle).into_owned();
                self.disk = Some(super::disk::DiskView::new(shown, generation));
                Some(Cmd::DiskSearch { needle, generation, latest: self.disk_generation.clone() })
            }
            Ok(Command::Go(link)) => {
                self.go(&link);
                None
            }
            Ok(Command::Filter(parts)) => {
                let mut filter = self.filter.clone();
                for (k, v) in &parts {
                    if let Err(e) = filter.set(k, v) {
                        self.status = Some(e);
                        return None;
                    }
                }
                self.remember();
                self.filter = filter;
                self.refilter();
                self.status = Some(self.filter_status());
                None
            }
            Ok(Command::Clear) => {
                self.remember();
                self.filter = Default::default();
                self.search = None;
                self.refilter();
                self.status = Some("filters and search cleared".into());
                None
            }
            Ok(Command::Export { format, path }) => match &self.case {
                Some(case) => Some(Cmd::Export { case: case.clone(), format, path }),
                None => {
                    self.status = Some("nothing to export yet: the case is still being read".into());
                    None
                }
            },
            Ok(Command::Theme(name)) => Some(Cmd::Theme(name)),
            Ok(Command::Group(group)) => {
                self.group = group;
                let selected = self.selected;
                self.refilter();
                self.selected = selected;
                self.switch(Pane::Timeline);
                self.status = Some(match group {
                    Some(g) => format!("timeline grouped by {}, oldest first within each", g.name()),
                    None => "timeline in time order".into(),
                });
                None
            }
        }
    }

    fn filter_status(&self) -> String {
        let shown: usize = self.rows(self.pane).len();
        if self.filter.is_empty() {
            "no filter".into()
        } else {
            format!(
                "filter {} — {shown} rows in {}; F clears, Esc goes back",
                self.filter.describe(),
                self.pane.title()
            )
        }
    }

    /// Go where a link points: every pane narrowed to it, on the pane that shows it best.
    fn go(&mut self, link: &Link) {
        let Some(case) = self.case.clone() else { return };
        // A jump shows everything about where it lands (a secret's exposure has no
        // address): it keeps only the time window of the filter it leaves.
        let mut filter = Filter { since: self.filter.since, until: self.filter.until, ..Default::default() };
        link.narrow(&mut filter);
        let pane = link.pane(&case, &filter);
        if !filter.any_row(&case, pane) {
            self.status = Some(format!("nothing in the case for {}", link.label(Some(&case))));
            return;
        }
        self.remember();
        self.filter = filter;
        self.refilter();
        self.selected[pane.index()] = 0;
        self.switch(pane);
        self.status = Some(if self.filtering {
            format!("narrowing to {}… (keys still work)", link.label(Some(&case)))
        } else {
            format!("{} rows about {} · Esc back", self.rows(pane).len(), link.label(Some(&case)))
        });
    }

    /// The links of the row whose detail is open.
    pub fn links(&self) -> Vec<Link> {
        match (&self.case, self.selected_row()) {
            (Some(case), Some(row)) if self.detail => links::of_row(case, self.pane, row),
            _ => Vec::new(),
        }
    }

    fn move_link(&mut self, by: isize) {
        let count = self.links().len();
        if count > 0 {
            self.link = (self.link as isize + by).rem_euclid(count as isize) as usize;
        }
    }

    fn follow_link(&mut self) {
        if let Some(link) = self.links().get(self.link).cloned() {
            self.go(&link);
        }
    }

    /// `a`: `VERDICT [note]` on the selected row.
    fn annotate(&mut self, text: &str) -> Option<Cmd> {
        let case = self.case.clone()?;
        let row = self.selected_row()?;
        let text = text.trim();
        let (word, note) = text.split_once(char::is_whitespace).map_or((text, ""), |(w, n)| (w, n.trim()));
        let Some(verdict) = crate::model::Verdict::parse(word) else {
            self.status = Some(format!(
                "no verdict `{}`: confirmed, false-positive, benign or needs-review (Tab completes)",
                crate::text::clip(word, 24)
            ));
            return None;
        };
        let target = links::target(&case, self.pane, row)?;
        Some(Cmd::Annotate { case, target, verdict, note: note.to_string() })
    }

    /// `y`: the selected row's text, as shown (masked), to the clipboard.
    fn copy(&mut self) -> Option<Cmd> {
        let case = self.case.clone()?;
        let row = self.selected_row()?;
        let text = super::panes::grid(self.pane).row_text(&case, row);
        let text = crate::ingest::mask::prose(&text).into_owned();
        self.status = Some(format!("copied row {} ({} characters)", self.selection() + 1, text.chars().count()));
        Some(Cmd::Copy(text))
    }

    /// A click selects a row or a tab; the wheel moves the selection or scrolls the detail.
    pub(super) fn mouse(&mut self, event: &MouseEvent) -> bool {
        let before = self.snapshot();
        if self.prompt.is_some() || self.help {
            return false;
        }
        match event.kind {
            MouseEventKind::ScrollDown if self.detail => self.scroll(3),
            MouseEventKind::ScrollUp if self.detail => self.scroll(-3),
            MouseEventKind::ScrollDown => self.select(|s, _| s + 3),
            MouseEventKind::ScrollUp => self.select(|s, _| s.saturating_sub(3)),
            MouseEventKind::Down(MouseButton::Left) => {
                let hits = self.hits.borrow().clone();
                if event.row == 0 {
                    if let Some(i) = hits.tabs.iter().position(|&(a, b)| event.column >= a && event.column < b) {
                        self.switch(Pane::ALL[i]);
                    }
                } else if let Some(area) = hits.table.filter(|_| !self.detail) {
                    // Border and header above the first row.
                    let top = area.y + 2;
                    if event.row >= top
                        && event.row < area.y + area.height.saturating_sub(1)
                        && event.column >= area.x
                        && event.column < area.x + area.width
                    {
                        let at =
                            hits.offset[self.pane.index()] + usize::from((event.row - top) / hits.row_height.max(1));
                        if at < self.rows(self.pane).len() {
                            self.selected[self.pane.index()] = at;
                        }
                    }
                }
            }
            _ => {}
        }
        before != self.snapshot()
    }
}
