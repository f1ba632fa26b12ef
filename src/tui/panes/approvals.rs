//! Approvals: who brought the framework in and who approved it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::{Cell, Row};

use super::{cell, table, when};
use crate::model::Case;
use crate::tui::theme::Theme;

pub fn render(frame: &mut Frame, area: Rect, case: &Case, selected: usize, theme: &Theme) {
    let rows = case
        .approvals
        .iter()
        .map(|c| {
            let approvers: Vec<String> = c
                .commit
                .approvers
                .iter()
                .map(|a| {
                    if a.name.is_empty() {
                        a.email.clone()
                    } else {
                        a.name.clone()
                    }
                })
                .collect();
            let (approved, style) = if approvers.is_empty() {
                ("none recorded".to_string(), theme.gap)
            } else {
                (approvers.join(", "), theme.ok)
            };
            let version = format!(
                "{} → {}",
                c.from.as_deref().unwrap_or("–"),
                c.to.as_deref().unwrap_or("–")
            );
            let author = if c.commit.bot {
                format!("{} (bot)", c.commit.author.name)
            } else {
                c.commit.author.name.clone()
            };
            Row::new(vec![
                Cell::from(when(&c.commit.at)),
                cell(&c.package, 28),
                Cell::from(c.change.name()),
                cell(&version, 24),
                cell(&author, 24),
                Cell::from(
                    c.commit
                        .pull_request
                        .map_or("–".into(), |n| format!("#{n}")),
                ),
                cell(&approved, 30).style(style),
                cell(
                    &c.commit
                        .merged_by
                        .as_ref()
                        .map_or("–".into(), |p| p.name.clone()),
                    20,
                ),
                cell(&c.owners.join(" "), 30),
            ])
        })
        .collect();
    let widths = [
        Constraint::Length(16),
        Constraint::Fill(2),
        Constraint::Length(10),
        Constraint::Length(17),
        Constraint::Fill(2),
        Constraint::Length(5),
        Constraint::Fill(2),
        Constraint::Fill(2),
        Constraint::Fill(2),
    ];
    let header = [
        "when (UTC)",
        "package",
        "change",
        "version",
        "author",
        "PR",
        "approved by",
        "merged by",
        "CODEOWNERS",
    ];
    table(
        frame,
        area,
        super::Columns {
            title: "Who approved the framework",
            header: &header,
            widths: &widths,
        },
        rows,
        selected,
        theme,
    );
}
