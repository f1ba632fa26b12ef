//! Replays: uses after exposure that the secret's own baseline does not explain,
//! grouped by address and principal.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Cell, Row};

use super::{Col, cell, need, table, when};
use crate::model::Case;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, case: &Case, selected: usize, theme: &Theme) {
    let labels: Vec<String> = case
        .replay_groups
        .iter()
        .map(|g| {
            case.secrets.iter().find(|s| s.id == g.secret).map_or(g.secret.clone(), |s| format!("{} {}", s.id, s.label))
        })
        .collect();
    let reasons: Vec<String> =
        case.replay_groups.iter().map(|g| g.reasons.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")).collect();
    let rows = case
        .replay_groups
        .iter()
        .zip(labels.iter().zip(&reasons))
        .map(|(g, (label, reasons))| {
            Row::new(vec![
                cell(label, 22),
                cell(&g.ip, 40).style(theme.critical),
                cell(&g.principal, 60),
                Cell::from(when(&g.first)),
                Cell::from(when(&g.last)),
                Cell::from(g.count.to_string()),
                Cell::from(g.denied.to_string()),
                cell(reasons, 80).style(theme.warn),
            ])
        })
        .collect();
    let widths = super::fit_or_drop(
        area.width,
        &[
            need("secret", labels.iter().map(String::as_str), 22, 15),
            need("address", case.replay_groups.iter().map(|g| g.ip.as_str()), 40, 16),
            need("principal", case.replay_groups.iter().map(|g| g.principal.as_str()), 60, 14),
            Col::Fixed(16),
            Col::Fixed(16),
            Col::Fixed(5),
            Col::Fixed(6),
            need("why", reasons.iter().map(String::as_str), 80, 12),
        ],
        &[4, 6, 2, 7],
    );
    let header = ["secret", "address", "principal", "first (UTC)", "last (UTC)", "calls", "denied", "why"];
    let title = if case.replays.is_empty() && case.secrets.iter().all(|s| s.baseline_uses == 0) {
        "Where the secret was replayed — no audit record used a leaked credential"
    } else {
        "Where the secret was replayed"
    };
    table(frame, area, super::Columns { title, header: &header, widths: &widths }, rows, selected, theme);
}
