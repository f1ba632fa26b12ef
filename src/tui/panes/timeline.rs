//! Timeline: every dated fact of the case, oldest first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{cell, table, when};
use crate::model::Case;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, case: &Case, selected: usize, theme: &Theme) {
    let rows = case
        .timeline
        .iter()
        .map(|e| {
            let style = theme.style(&format!("kind.{}", e.kind.name()));
            Row::new(vec![
                Cell::from(when(&e.at)),
                Cell::from(e.kind.name()).style(style),
                cell(&e.summary, 90),
                cell(&e.who, 40),
            ])
        })
        .collect();
    let widths = [Constraint::Length(16), Constraint::Length(10), Constraint::Fill(3), Constraint::Length(34)];
    table(
        frame,
        area,
        super::Columns { title: "Timeline", header: &["when (UTC)", "what", "", "who"], widths: &widths },
        rows,
        selected,
        theme,
    );
}
