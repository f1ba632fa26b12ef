//! Overview: the three answers in one screen, the leaked secrets, the sources.

use std::collections::BTreeMap;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::grid::{Cells, Column, Grid, Tone, Width};
use super::when;
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

/// The four answers, each under its label; on a narrow screen the labels are short
/// so that all four still fit.
fn answers(case: &Case, theme: &Theme, width: u16) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    let wide = width >= 100;
    let label = |long: &str, short: &str| {
        if wide {
            Span::styled(format!("{long:<28}"), theme.header)
        } else {
            Span::styled(format!("{short:<13}"), theme.header)
        }
    };
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
        label("Who approved the framework", "Approved"),
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
        label("Who made it reachable", "Reachable by"),
        &[(
            clip(&if reach.is_empty() { "no grant reaches a leaked secret".into() } else { reach.join("; ") }, 400),
            theme.text,
        )],
        width,
    ));
    // The first few addresses by name, and how many there are: a frame stays
    // cheap however many groups there are.
    const NAMED: usize = 6;
    let mut ips: Vec<&str> = Vec::new();
    let mut distinct = std::collections::HashSet::new();
    // Usage buckets name no address: counted apart, never listed as one.
    let mut unaddressed = 0usize;
    for g in &case.replay_groups {
        if g.ip == crate::correlate::NO_ADDRESS {
            unaddressed += g.count;
            continue;
        }
        if distinct.insert(g.ip.as_str()) && ips.len() < NAMED {
            ips.push(&g.ip);
        }
        if distinct.len() > 10_000 {
            break;
        }
    }
    let count = case.metrics.distinct_replay_ips.max(distinct.len());
    let more = if count > ips.len() { ", …" } else { "" };
    let replay = if case.replays.is_empty() {
        "no replay found in the audit logs".to_string()
    } else {
        let buckets = match unaddressed {
            0 => String::new(),
            n => format!(", {n} in usage buckets (no address)"),
        };
        match count {
            0 => format!("{} replays in usage buckets (no address)", case.replays.len()),
            _ => format!(
                "{} replays from {} ({}{more}){buckets}",
                case.replays.len(),
                if count == 1 { "1 address".into() } else { format!("{count} addresses") },
                ips.join(", ")
            ),
        }
    };
    lines.extend(super::hanging(
        label("Where it was replayed", "Replayed"),
        &[(clip(&replay, 220), if case.replays.is_empty() { theme.ok } else { theme.critical })],
        width,
    ));
    let m = &case.metrics;
    lines.extend(super::hanging(
        label("Exposure", "Exposure"),
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

const COLUMNS: [Column; 9] = [
    Column { header: "id", width: Width::Fixed(3) },
    Column { header: "kind", width: Width::Text { cap: 22, floor: 14 } },
    Column { header: "label", width: Width::Text { cap: 24, floor: 13 } },
    Column { header: "exposed (UTC)", width: Width::Fixed(16) },
    Column { header: "where", width: Width::Text { cap: 30, floor: 8 } },
    Column { header: "detected", width: Width::Fixed(16) },
    Column { header: "revoked", width: Width::Fixed(16) },
    Column { header: "replays", width: Width::Fixed(7) },
    Column { header: "found by", width: Width::Text { cap: 40, floor: 12 } },
];

fn cells(case: &Case, i: usize) -> Cells {
    let Some(s) = case.secrets.get(i) else { return Vec::new() };
    // Counted once, in correlate: a frame never walks the replays.
    let replays = s.replays_before_detection + s.replays_after_detection;
    vec![
        (s.id.clone(), Tone::Text),
        (s.kind.clone(), Tone::Text),
        (s.label.clone(), Tone::Key),
        (s.exposed.as_ref().map_or("unknown".into(), |e| when(&e.at)), Tone::Text),
        (s.exposed.as_ref().and_then(|e| e.path.clone()).unwrap_or_default(), Tone::Text),
        (s.detected_at.map_or("unknown".into(), |d| when(&d)), Tone::Text),
        match (s.revoked_at, s.revocation) {
            (Some(d), _) => (when(&d), Tone::Ok),
            (None, crate::model::Revocation::NotRevoked) => ("NOT REVOKED".into(), Tone::Critical),
            // No log that would show it was read: unknown, and still a risk.
            (None, _) => ("unknown".into(), Tone::Warn),
        },
        // No audit record used it: replays are unknown, not zero.
        if s.uses == 0 {
            ("unknown".into(), Tone::Muted)
        } else {
            (replays.to_string(), if replays > 0 { Tone::Critical } else { Tone::Text })
        },
        (s.exposed.as_ref().map(|e| e.detected_by.join(", ")).unwrap_or_default(), Tone::Text),
    ]
}

pub const GRID: Grid = Grid { columns: &COLUMNS, drop_first: &[8, 5, 4, 3], keep_end: &[], wrap: &[], cells };

/// The answers first and whole (they are why the screen exists), then the
/// secrets, then gaps and sources in what is left.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    case: &Case,
    theme: &Theme,
    secrets: &super::grid::Window,
) -> Rect {
    let summary = answers(case, theme, area.width.saturating_sub(2));
    let top_height = (summary.len() as u16 + 2).min(area.height.saturating_sub(4).max(3));
    let rest = area.height.saturating_sub(top_height);
    let secrets_height = (secrets.rows.len() as u16 + 3).min(rest.saturating_sub(3).max(rest.min(4)));
    let rest = rest.saturating_sub(secrets_height);
    let source_height = if rest >= 6 { (model.sources.len() as u16 + 2).min(rest / 2).max(3) } else { 0 };
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
    super::grid::draw(frame, middle, &GRID, case, secrets, theme);
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
    if gaps_area.height >= 3 {
        frame.render_widget(Paragraph::new(gaps).block(block(&gaps_title)), gaps_area);
    }
    if bottom.height > 0 {
        frame.render_widget(Paragraph::new(sources(model, theme)).block(block("Sources")), bottom);
    }
    middle
}
