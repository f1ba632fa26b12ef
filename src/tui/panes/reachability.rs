//! Reachability: the changes that made secrets readable at runtime.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{cell, table, when};
use crate::model::Case;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, case: &Case, selected: usize, theme: &Theme) {
    let rows = case
        .reachability
        .iter()
        .map(|r| {
            let g = &r.grant;
            let place = match g.line {
                Some(l) => format!("{}:{l}", g.path),
                None => g.path.clone(),
            };
            let (approved, style) = match (&g.commit, r.approvers.is_empty()) {
                (None, _) => ("(audit log)".to_string(), theme.muted),
                (Some(_), true) => ("none recorded".to_string(), theme.gap),
                (Some(_), false) => {
                    (r.approvers.iter().map(|a| a.name.clone()).collect::<Vec<_>>().join(", "), theme.ok)
                }
            };
            let reaches = if r.secrets.is_empty() { "unlinked".to_string() } else { r.secrets.join(",") };
            Row::new(vec![
                Cell::from(when(&g.at)),
                Cell::from(g.kind.name()),
                cell(&place, 44),
                cell(&g.secret_names.join(", "), 40),
                cell(&g.actor.name, 24),
                cell(&approved, 24).style(style),
                Cell::from(reaches).style(if r.secrets.is_empty() { theme.muted } else { theme.warn }),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(16),
        Constraint::Length(17),
        Constraint::Fill(3),
        Constraint::Fill(3),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(8),
    ];
    let header = ["when (UTC)", "kind", "where", "names", "by", "approved by", "reaches"];
    table(
        frame,
        area,
        super::Columns { title: "Who made secrets reachable", header: &header, widths: &widths },
        rows,
        selected,
        theme,
    );
}
