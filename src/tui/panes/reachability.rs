//! Reachability: the changes that made secrets readable at runtime.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::widgets::{Cell, Row};

use super::{Col, cell, need, table, when};
use crate::model::Case;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, case: &Case, selected: usize, theme: &Theme) {
    let places: Vec<String> = case
        .reachability
        .iter()
        .map(|r| match r.grant.line {
            Some(l) => format!("{}:{l}", r.grant.path),
            None => r.grant.path.clone(),
        })
        .collect();
    let names: Vec<String> = case.reachability.iter().map(|r| r.grant.reaches(", ")).collect();
    let approvals: Vec<(String, Style)> = case
        .reachability
        .iter()
        .map(|r| match (&r.grant.commit, crate::model::approval_text(r.approved, &r.approvers)) {
            (None, _) => ("(audit log)".to_string(), theme.muted),
            (Some(_), None) => ("none recorded".to_string(), theme.gap),
            (Some(_), Some(text)) => (text, if r.approved { theme.ok } else { theme.gap }),
        })
        .collect();
    let rows = case
        .reachability
        .iter()
        .zip(places.iter().zip(&names).zip(&approvals))
        .map(|(r, ((place, names), (approved, style)))| {
            let g = &r.grant;
            let reaches = if r.secrets.is_empty() { "unlinked".to_string() } else { r.secrets.join(",") };
            Row::new(vec![
                Cell::from(when(&g.at)),
                Cell::from(g.kind.name()),
                cell(place, 44),
                cell(names, 40),
                cell(&g.actor.name, 24),
                cell(approved, 24).style(*style),
                Cell::from(reaches).style(if r.secrets.is_empty() { theme.muted } else { theme.warn }),
            ])
        })
        .collect();
    let widths = super::fit_or_drop(
        area.width,
        &[
            Col::Fixed(16),
            need("kind", case.reachability.iter().map(|r| r.grant.kind.name()), 24, 17),
            need("where", places.iter().map(String::as_str), 44, 14),
            need("names", names.iter().map(String::as_str), 40, 12),
            need("by", case.reachability.iter().map(|r| r.grant.actor.name.as_str()), 24, 10),
            need("approved by", approvals.iter().map(|(a, _)| a.as_str()), 24, 13),
            Col::Fixed(8),
        ],
        &[0, 2],
    );
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
