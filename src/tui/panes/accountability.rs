//! Accountability: the four roles, their owners, decisions and gaps.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::grid::{Cells, Column, Grid, Tone, Width};
use crate::model::Case;
use crate::text::clip;
use crate::tui::theme::Theme;

const COLUMNS: [Column; 5] = [
    Column { header: "role", width: Width::Fixed(11) },
    Column { header: "owners", width: Width::Text { cap: 60, floor: 12 } },
    Column { header: "decisions", width: Width::Fixed(9) },
    Column { header: "gaps", width: Width::Fixed(5) },
    Column { header: "covers", width: Width::Text { cap: 60, floor: 12 } },
];

fn cells(case: &Case, i: usize) -> Cells {
    let Some(a) = case.accountability.get(i) else { return Vec::new() };
    let owners = if a.owners.is_empty() { "none known".to_string() } else { a.owners.join(", ") };
    vec![
        (a.role.name().to_string(), Tone::Key),
        (owners, Tone::Text),
        (a.decisions.len().to_string(), Tone::Text),
        (a.gaps.len().to_string(), if a.gaps.is_empty() { Tone::Ok } else { Tone::Gap }),
        (a.role.title().split(" — ").nth(1).unwrap_or("").to_string(), Tone::Muted),
    ]
}

pub const GRID: Grid = Grid { columns: &COLUMNS, drop_first: &[4, 2], keep_end: &[], wrap: &[], cells };

pub fn title(_: &Case) -> &'static str {
    "Accountability"
}

/// The roles' table, and below it the gaps and decisions of the selected role.
pub fn render(frame: &mut Frame, area: Rect, case: &Case, window: &super::grid::Window, theme: &Theme) -> Rect {
    let [top, bottom] = Layout::vertical([Constraint::Length(8), Constraint::Fill(1)]).areas(area);
    super::grid::draw(frame, top, &GRID, case, window, theme);
    let selected = window.rows.get(window.selected).map_or(usize::MAX, |&r| r as usize);
    let Some(role) = case.accountability.get(selected) else {
        return top;
    };
    let width = bottom.width.saturating_sub(2);
    let mut lines = Vec::new();
    for g in &role.gaps {
        lines.extend(super::hanging(
            Span::styled(format!(" {:<12}", "gap"), theme.gap),
            &[(clip(&g.text, 400), theme.text)],
            width,
        ));
    }
    for d in &role.decisions {
        lines.extend(super::hanging(
            Span::styled(format!(" {}  ", d.at.format("%Y-%m-%d")), theme.muted),
            &[(clip(&d.who, 40), theme.key), (format!(" {}", clip(&d.what, 300)), theme.text)],
            width,
        ));
    }
    let hidden = lines.len().saturating_sub(bottom.height.saturating_sub(2) as usize);
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let more = if hidden > 0 { format!(" — {hidden} more lines: Enter") } else { String::new() };
    let title = format!(
        " {} — {}, {}{more} ",
        role.role.title(),
        count(role.gaps.len(), "gap"),
        count(role.decisions.len(), "decision")
    );
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.border).title(Line::styled(title, theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), bottom);
    top
}
