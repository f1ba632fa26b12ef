//! Approvals: who brought the framework in and who approved it, and how we know.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::{Cell, Row};

use super::{Col, cell, need, table};
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
        (Some(a), Some(b)) => format!("{} {a}→{b}", c.change_label()),
        (None, Some(v)) | (Some(v), None) => format!("{} {v}", c.change_label()),
        (None, None) => c.change_label(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, case: &Case, selected: usize, theme: &Theme) {
    let approved: Vec<String> = case
        .approvals
        .iter()
        .map(|c| {
            let names = approvers(c);
            match (names.is_empty(), c.approved) {
                (true, _) => "none recorded".to_string(),
                (false, true) => names.join(", "),
                (false, false) => format!("none: {} is own review", names.join(", ")),
            }
        })
        .collect();
    let merged: Vec<String> =
        case.approvals.iter().map(|c| c.commit.merged_by.as_ref().map_or("–".into(), |p| p.name.clone())).collect();
    let rows = case
        .approvals
        .iter()
        .zip(&approved)
        .zip(&merged)
        .map(|((c, approved), merged)| {
            let style = if c.approved { theme.ok } else { theme.gap };
            Row::new(vec![
                Cell::from(c.commit.at.format("%Y-%m-%d").to_string()),
                cell(&c.package, 28),
                cell(&change(c), 40),
                cell(&c.manifest, 60),
                cell(&c.commit.author.name, 24),
                Cell::from(c.commit.pull_request.map_or("–".into(), |n| format!("#{n}"))),
                cell(approved, 40).style(style),
                cell(merged, 20),
                Cell::from(flags(c)).style(theme.warn),
            ])
        })
        .collect();
    let changes: Vec<String> = case.approvals.iter().map(change).collect();
    let marks: Vec<String> = case.approvals.iter().map(flags).collect();
    let widths = super::fit_or_drop(
        area.width,
        &[
            Col::Fixed(10),
            need("package", case.approvals.iter().map(|c| c.package.as_str()), 28, 22),
            need("change", changes.iter().map(String::as_str), 40, 24),
            need("manifest", case.approvals.iter().map(|c| c.manifest.as_str()), 60, 10),
            need("author", case.approvals.iter().map(|c| c.commit.author.name.as_str()), 24, 8),
            Col::Fixed(5),
            need("approved by (record)", approved.iter().map(String::as_str), 40, 16),
            need("merged by", merged.iter().map(String::as_str), 20, 9),
            need("flags", marks.iter().map(String::as_str), 20, 11),
        ],
        &[7, 3, 8, 0],
    );
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
