//! Timeline: every dated fact of the case, oldest first.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Cell, Row};

use super::{Col, cell, need, table, when};
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
    let widths = super::fit_or_drop(
        area.width,
        &[
            Col::Fixed(16),
            Col::Fixed(10),
            need("", case.timeline.iter().map(|e| e.summary.as_str()), 90, 30),
            need("who", case.timeline.iter().map(|e| e.who.as_str()), 40, 14),
        ],
        &[3],
    );
    table(
        frame,
        area,
        super::Columns { title: "Timeline", header: &["when (UTC)", "what", "", "who"], widths: &widths },
        rows,
        selected,
        theme,
    );
}
