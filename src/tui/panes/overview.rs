//! Overview: the three answers in one screen, the leaked secrets, the sources.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row};

use super::{Col, cell, need, table, when};
use crate::model::Case;
use crate::text::clip;
use crate::tui::app::{Model, SourceStatus};
use crate::tui::theme::Theme;

fn duration(s: Option<i64>) -> String {
    match s {
        None => "unknown".into(),
        Some(s) if s < 3600 => format!("{}m", s / 60),
        Some(s) if s < 172_800 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        Some(s) => format!("{}d{}h", s / 86400, (s % 86400) / 3600),
    }
}

fn answers(case: &Case, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let label = |s: &str| Span::styled(format!("{s:<28}"), theme.header);
    let approved = case.approvals.iter().filter(|c| c.approved).count();
    let first = case.approvals.first().map(|c| {
        let who: Vec<String> = c.commit.approvers.iter().map(|a| format!("{} ({})", a.name, a.role)).collect();
        let pr = c.commit.pull_request.map(|n| format!(" in PR #{n}")).unwrap_or_default();
        format!(
            "{} {}{pr} by {}, approved by {}; ",
            c.package,
            c.change_label(),
            c.commit.author.name,
            if who.is_empty() { "no one on record".into() } else { who.join(", ") }
        )
    });
    lines.extend(super::hanging(
        label("Who approved the framework"),
        &[
            (clip(&first.unwrap_or_else(|| "no watched framework change found; ".into()), 200), theme.text),
            (
                format!("{} changes, {} without approval", case.approvals.len(), case.approvals.len() - approved),
                if approved < case.approvals.len() { theme.gap } else { theme.ok },
            ),
        ],
        width,
    ));
    let mut by_actor: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for r in case.reachability.iter().filter(|r| !r.secrets.is_empty()) {
        let kinds = by_actor.entry(r.grant.actor.name.clone()).or_default();
        if !kinds.contains(&r.grant.kind.name()) {
            kinds.push(r.grant.kind.name());
        }
    }
    let reach: Vec<String> = by_actor.iter().map(|(who, kinds)| format!("{who} ({})", kinds.join(", "))).collect();
    lines.extend(super::hanging(
        label("Who made it reachable"),
        &[(
            clip(&if reach.is_empty() { "no grant reaches a leaked secret".into() } else { reach.join("; ") }, 400),
            theme.text,
        )],
        width,
    ));
    let mut ips: Vec<&str> = case.replay_groups.iter().map(|g| g.ip.as_str()).collect();
    ips.dedup();
    let replay = if case.replays.is_empty() {
        "no replay found in the audit logs".to_string()
    } else {
        format!(
            "{} replays from {} ({})",
            case.replays.len(),
            if ips.len() == 1 { "1 address".into() } else { format!("{} addresses", ips.len()) },
            ips.join(", ")
        )
    };
    lines.extend(super::hanging(
        label("Where it was replayed"),
        &[(clip(&replay, 220), if case.replays.is_empty() { theme.ok } else { theme.critical })],
        width,
    ));
    let m = &case.metrics;
    lines.extend(super::hanging(
        label("Exposure"),
        &[(
            format!(
                "window {} · detected after {} · revoked {} after detection · {} replay address(es)",
                duration(m.exposure_window_s),
                duration(m.time_to_detect_s),
                duration(m.time_to_revoke_s),
                m.distinct_replay_ips
            ),
            theme.text,
        )],
        width,
    ));
    lines
}

fn sources(model: &Model, theme: &Theme) -> Vec<Line<'static>> {
    model
        .sources
        .iter()
        .map(|s| {
            let (mark, text, style) = match &s.status {
                SourceStatus::Loading => ("…", "loading".to_string(), theme.muted),
                SourceStatus::Loaded { records, rejected: 0 } => ("✓", format!("{records} records"), theme.ok),
                SourceStatus::Loaded { records, rejected } => {
                    ("!", format!("{records} records, {rejected} rejected"), theme.warn)
                }
                SourceStatus::Failed(e) => ("✗", e.clone(), theme.critical),
            };
            Line::from(vec![
                Span::styled(format!(" {mark} "), style),
                Span::styled(clip(&s.label, 80), theme.text),
                Span::styled(format!("  {}", clip(&text, 120)), style),
            ])
        })
        .collect()
}

pub fn render(frame: &mut Frame, area: Rect, model: &Model, case: &Case, theme: &Theme) {
    let source_height = (model.sources.len() as u16 + 2).min(area.height / 4).max(3);
    let secrets_height = (case.secrets.len() as u16 + 3).min((area.height / 3).max(4));
    let summary = answers(case, theme, area.width.saturating_sub(2));
    let top_height = (summary.len() as u16 + 2).min((area.height / 3).max(6));
    let [top, middle, gaps_area, bottom] = Layout::vertical([
        Constraint::Length(top_height),
        Constraint::Length(secrets_height),
        Constraint::Fill(1),
        Constraint::Length(source_height),
    ])
    .areas(area);
    let block = |t: &str| {
        Block::default()
            .borders(Borders::ALL)
            .border_style(theme.border)
            .title(Line::styled(format!(" {t} "), theme.title))
    };
    frame.render_widget(Paragraph::new(summary).block(block(&clip(&case.title, 100))), top);
    let places: Vec<String> =
        case.secrets.iter().map(|s| s.exposed.as_ref().and_then(|e| e.path.clone()).unwrap_or_default()).collect();
    let finders: Vec<String> =
        case.secrets.iter().map(|s| s.exposed.as_ref().map(|e| e.detected_by.join(", ")).unwrap_or_default()).collect();
    let rows = case
        .secrets
        .iter()
        .zip(places.iter().zip(&finders))
        .map(|(s, (place, finders))| {
            let replays = case.replays.iter().filter(|r| r.secret == s.id).count();
            Row::new(vec![
                Cell::from(s.id.clone()),
                cell(&s.kind, 22),
                cell(&s.label, 24).style(theme.key),
                Cell::from(s.exposed.as_ref().map_or("unknown".into(), |e| when(&e.at))),
                cell(place, 30),
                Cell::from(s.detected_at.map_or("unknown".into(), |d| when(&d))),
                match (s.revoked_at, s.revocation) {
                    (Some(d), _) => Cell::from(when(&d)).style(theme.ok),
                    (None, crate::model::Revocation::NotRevoked) => Cell::from("NOT REVOKED").style(theme.critical),
                    // No log that would show it was read: unknown, and still a risk.
                    (None, _) => Cell::from("unknown").style(theme.warn),
                },
                // No audit record used it: replays are unknown, not zero.
                if s.uses == 0 {
                    Cell::from("unknown").style(theme.muted)
                } else {
                    Cell::from(replays.to_string()).style(if replays > 0 { theme.critical } else { theme.text })
                },
                cell(finders, 40),
            ])
        })
        .collect();
    let widths = super::fit_or_drop(
        middle.width,
        &[
            Col::Fixed(3),
            need("kind", case.secrets.iter().map(|s| s.kind.as_str()), 22, 10),
            need("label", case.secrets.iter().map(|s| s.label.as_str()), 24, 13),
            Col::Fixed(16),
            need("where", places.iter().map(String::as_str), 30, 8),
            Col::Fixed(16),
            Col::Fixed(16),
            Col::Fixed(7),
            need("found by", finders.iter().map(String::as_str), 40, 12),
        ],
        &[8, 5, 4, 3],
    );
    let header = ["id", "kind", "label", "exposed (UTC)", "where", "detected", "revoked", "replays", "found by"];
    table(
        frame,
        middle,
        super::Columns { title: "Leaked secrets", header: &header, widths: &widths },
        rows,
        model.selection(),
        theme,
    );
    let gaps: Vec<Line> = case
        .accountability
        .iter()
        .flat_map(|a| a.gaps.iter().map(move |g| (a.role.name(), g)))
        .flat_map(|(role, g)| {
            super::hanging(
                Span::styled(format!(" {role:<11}"), theme.key),
                &[(clip(&g.text, 400), theme.gap)],
                gaps_area.width.saturating_sub(2),
            )
        })
        .collect();
    let count = case.accountability.iter().map(|a| a.gaps.len()).sum::<usize>();
    let gaps_title = format!("Gaps ({count}) — press 6 for owners, decisions and evidence");
    frame.render_widget(Paragraph::new(gaps).block(block(&gaps_title)), gaps_area);
    frame.render_widget(Paragraph::new(sources(model, theme)).block(block("Sources")), bottom);
}
