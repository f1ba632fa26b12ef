//! Replays: uses after exposure that the secret's own baseline does not explain,
//! grouped by address and principal.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{cell, table, when};
use crate::model::Case;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, case: &Case, selected: usize, theme: &Theme) {
    let rows = case
        .replay_groups
        .iter()
        .map(|g| {
            let reasons: Vec<&str> = g.reasons.iter().map(|r| r.name()).collect();
            let label = case
                .secrets
                .iter()
                .find(|s| s.id == g.secret)
                .map_or(g.secret.clone(), |s| format!("{} {}", s.id, s.label));
            Row::new(vec![
                cell(&label, 22),
                cell(&g.ip, 40).style(theme.critical),
                cell(&g.principal, 60),
                Cell::from(when(&g.first)),
                Cell::from(when(&g.last)),
                Cell::from(g.count.to_string()),
                Cell::from(g.denied.to_string()),
                cell(&reasons.join(", "), 80).style(theme.warn),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(15),
        Constraint::Length(16),
        Constraint::Fill(2),
        Constraint::Length(16),
        Constraint::Length(16),
        Constraint::Length(5),
        Constraint::Length(6),
        Constraint::Fill(3),
    ];
    let header = ["secret", "address", "principal", "first (UTC)", "last (UTC)", "calls", "denied", "why"];
    let title = if case.replays.is_empty() && case.secrets.iter().all(|s| s.baseline_uses == 0) {
        "Where the secret was replayed — no audit record used a leaked credential"
    } else {
        "Where the secret was replayed"
    };
    table(frame, area, super::Columns { title, header: &header, widths: &widths }, rows, selected, theme);
}
