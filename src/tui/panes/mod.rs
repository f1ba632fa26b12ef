//! One file a pane. Each pane renders a `Case` (never mutates it) and says how
//! many selectable rows it has and what the detail of a row is.

mod accountability;
mod approvals;
mod detail;
mod overview;
mod reachability;
mod replays;
mod timeline;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::app::{Model, Pane};
use super::theme::Theme;
use crate::model::Case;
use crate::text::clip;

/// How many selectable rows a pane has.
pub fn row_count(pane: Pane, case: &Case) -> usize {
    match pane {
        Pane::Overview => case.secrets.len(),
        Pane::Timeline => case.timeline.len(),
        Pane::Approvals => case.approvals.len(),
        Pane::Reachability => case.reachability.len(),
        Pane::Replays => case.replay_groups.len(),
        Pane::Accountability => case.accountability.len(),
    }
}

/// Draw the current pane.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, case: &Case, theme: &Theme) {
    let sel = model.selection();
    match model.pane {
        Pane::Overview => overview::render(frame, area, model, case, theme),
        Pane::Timeline => timeline::render(frame, area, case, sel, theme),
        Pane::Approvals => approvals::render(frame, area, case, sel, theme),
        Pane::Reachability => reachability::render(frame, area, case, sel, theme),
        Pane::Replays => replays::render(frame, area, case, sel, theme),
        Pane::Accountability => accountability::render(frame, area, case, sel, theme),
    }
}

/// The detail of the selected row of the current pane.
pub fn detail(model: &Model, case: &Case, theme: &Theme) -> (String, Vec<Line<'static>>) {
    let sel = model.selection();
    match model.pane {
        Pane::Overview => detail::secret(case, sel, theme),
        Pane::Timeline => match case.timeline.get(sel) {
            Some(entry) => detail::item(case, entry.item, theme),
            None => (String::new(), Vec::new()),
        },
        Pane::Approvals => detail::approval(case, sel, theme),
        Pane::Reachability => detail::reach(case, sel, theme),
        Pane::Replays => detail::replay_group(case, sel, theme),
        Pane::Accountability => detail::role(case, sel, theme),
    }
}

/// A time as panes show it.
pub fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// The fixed parts of a pane's table.
pub struct Columns<'a> {
    pub title: &'a str,
    pub header: &'a [&'a str],
    pub widths: &'a [Constraint],
}

/// A bordered, titled table with the selected row highlighted.
pub fn table(frame: &mut Frame, area: Rect, columns: Columns, rows: Vec<Row<'static>>, selected: usize, theme: &Theme) {
    let count = rows.len();
    let head = Row::new(columns.header.iter().map(|h| Cell::from(h.to_string()))).style(theme.header);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Line::styled(format!(" {} ({count}) ", columns.title), theme.title));
    let widget = Table::new(rows, columns.widths.to_vec())
        .header(head)
        .block(block)
        .style(theme.text)
        .row_highlight_style(theme.selected)
        .highlight_symbol("▶ ")
        .column_spacing(1);
    let mut state = TableState::default().with_selected((count > 0).then_some(selected.min(count.saturating_sub(1))));
    frame.render_stateful_widget(widget, area, &mut state);
}

/// A cell of untrusted text, cleaned and clipped.
pub fn cell(s: &str, max: usize) -> Cell<'static> {
    Cell::from(clip(s, max))
}
