//! Approvals: who brought the framework in and who approved it, and how we know.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{cell, table};
use crate::model::{Case, DependencyChange};
use crate::tui::theme::Theme;

/// `Marcus Lee (Reviewed-by)`: the approver and the record that names them.
fn approvers(c: &DependencyChange) -> Vec<String> {
    c.commit
        .approvers
        .iter()
        .map(|a| {
            let who = if a.name.is_empty() { &a.email } else { &a.name };
            let how = if a.role.is_empty() { &a.via } else { &a.role };
            format!("{who} ({how})")
        })
        .collect()
}

/// Short marks: bot author, lockfile-only move, wiring changed in the same PR.
fn flags(c: &DependencyChange) -> String {
    let mut out = Vec::new();
    if c.commit.bot {
        out.push("bot");
    }
    if c.transitive {
        out.push("transitive");
    } else if c.lockfile {
        out.push("lock");
    }
    if c.touches_wiring {
        out.push("wiring");
    }
    out.join(" ")
}

/// `added 0.1.16`, `upgraded 0.1.16→0.2.5`, `removed 1.0`.
fn change(c: &DependencyChange) -> String {
    match (c.from.as_deref(), c.to.as_deref()) {
        (Some(a), Some(b)) => format!("{} {a}→{b}", c.change.name()),
        (None, Some(v)) | (Some(v), None) => format!("{} {v}", c.change.name()),
        (None, None) => c.change.name().to_string(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, case: &Case, selected: usize, theme: &Theme) {
    let rows = case
        .approvals
        .iter()
        .map(|c| {
            let names = approvers(c);
            let (approved, style) =
                if names.is_empty() { ("none recorded".to_string(), theme.gap) } else { (names.join(", "), theme.ok) };
            Row::new(vec![
                Cell::from(c.commit.at.format("%Y-%m-%d").to_string()),
                cell(&c.package, 28),
                cell(&change(c), 40),
                cell(&c.manifest, 60),
                cell(&c.commit.author.name, 24),
                Cell::from(c.commit.pull_request.map_or("–".into(), |n| format!("#{n}"))),
                cell(&approved, 40).style(style),
                cell(&c.commit.merged_by.as_ref().map_or("–".into(), |p| p.name.clone()), 20),
                Cell::from(flags(c)).style(theme.warn),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(10),
        Constraint::Length(18),
        Constraint::Length(24),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Length(4),
        Constraint::Fill(4),
        Constraint::Fill(2),
        Constraint::Length(11),
    ];
    let header =
        ["date", "package", "change", "manifest", "author", "PR", "approved by (record)", "merged by", "flags"];
    table(
        frame,
        area,
        super::Columns { title: "Who approved the framework", header: &header, widths: &widths },
        rows,
        selected,
        theme,
    );
}
