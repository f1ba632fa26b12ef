//! Accountability: the four roles, their owners, decisions and gaps.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Wrap};

use super::{cell, table};
use crate::model::Case;
use crate::text::clip;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, case: &Case, selected: usize, theme: &Theme) {
    let [top, bottom] = Layout::vertical([Constraint::Length(8), Constraint::Fill(1)]).areas(area);
    let rows = case
        .accountability
        .iter()
        .map(|a| {
            let owners = if a.owners.is_empty() { "none known".to_string() } else { a.owners.join(", ") };
            Row::new(vec![
                Cell::from(a.role.name()).style(theme.key),
                cell(&owners, 60),
                Cell::from(a.decisions.len().to_string()),
                Cell::from(a.gaps.len().to_string()).style(if a.gaps.is_empty() { theme.ok } else { theme.gap }),
                cell(a.role.title().split(" — ").nth(1).unwrap_or(""), 60).style(theme.muted),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(11),
        Constraint::Fill(2),
        Constraint::Length(9),
        Constraint::Length(5),
        Constraint::Fill(2),
    ];
    table(
        frame,
        top,
        super::Columns {
            title: "Accountability",
            header: &["role", "owners", "decisions", "gaps", "covers"],
            widths: &widths,
        },
        rows,
        selected,
        theme,
    );
    let Some(role) = case.accountability.get(selected) else {
        return;
    };
    let mut lines = Vec::new();
    for g in &role.gaps {
        lines.push(Line::from(vec![Span::styled(" gap  ", theme.gap), Span::styled(clip(&g.text, 300), theme.text)]));
    }
    for d in &role.decisions {
        lines.push(Line::from(vec![
            Span::styled(format!(" {}  ", d.at.format("%Y-%m-%d")), theme.muted),
            Span::styled(clip(&d.who, 40), theme.key),
            Span::styled(format!(" {}", clip(&d.what, 200)), theme.text),
        ]));
    }
    let count = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let title = format!(
        " {} — {}, {} ",
        role.role.title(),
        count(role.gaps.len(), "gap"),
        count(role.decisions.len(), "decision")
    );
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.border).title(Line::styled(title, theme.title));
    frame.render_widget(Paragraph::new(lines).block(block).wrap(Wrap { trim: false }), bottom);
}
