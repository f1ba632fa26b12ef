//! Accountability: the four roles, their owners, decisions and gaps.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row};

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
}
