//! Timeline: every dated fact of the case, oldest first.

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Sparkline};

use super::grid::{Cells, Column, Grid, Tone, Width};
use super::when;
use crate::model::{Case, EntryKind};
use crate::tui::app::Model;
use crate::tui::theme::Theme;

const COLUMNS: [Column; 4] = [
    Column { header: "when (UTC)", width: Width::Fixed(16) },
    Column { header: "what", width: Width::Fixed(10) },
    Column { header: "", width: Width::Text { cap: 90, floor: 30 } },
    Column { header: "who", width: Width::Text { cap: 40, floor: 14 } },
];

fn cells(case: &Case, i: usize) -> Cells {
    let Some(e) = case.timeline.get(i) else { return Vec::new() };
    vec![
        (when(&e.at), Tone::Text),
        (e.kind.name().to_string(), Tone::Kind(e.kind.name())),
        (e.summary.clone(), Tone::Text),
        (e.who.clone(), Tone::Text),
    ]
}

pub const GRID: Grid = Grid { columns: &COLUMNS, drop_first: &[3], keep_end: &[3], wrap: &[], cells };

pub fn title(_: &Case) -> &'static str {
    "Timeline"
}

/// How many buckets the volume is counted in; drawn by summing to the width.
const BUCKETS: usize = 512;

/// Replays over time and where the secret's milestones fall, for the strip above the table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Volume {
    pub span: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub replays: Vec<u64>,
    /// Exposure `E`, detection `D`, revocation `R`, by bucket.
    pub marks: Vec<(usize, char)>,
}

fn bucket(at: DateTime<Utc>, (from, to): (DateTime<Utc>, DateTime<Utc>)) -> usize {
    let whole = (to - from).num_seconds().max(1);
    let part = (at - from).num_seconds().clamp(0, whole);
    ((part as i128 * (BUCKETS as i128 - 1)) / whole as i128) as usize
}

/// Count the replays among `rows` (timeline rows in display order) over the
/// incident's span: from the first exposure, detection, replay or revocation
/// to the last row (a key issued a year before would squeeze the rest into a column).
pub fn volume(case: &Case, rows: &[u32]) -> Volume {
    let entries = || rows.iter().filter_map(|&i| case.timeline.get(i as usize));
    let incident = |e: &&crate::model::TimelineEntry| {
        matches!(e.kind, EntryKind::Exposure | EntryKind::Detection | EntryKind::Replay | EntryKind::Revocation)
    };
    let from = entries().find(incident).or_else(|| entries().next()).map(|e| e.at);
    let (Some(from), Some(to)) = (from, entries().next_back().map(|e| e.at)) else {
        return Volume::default();
    };
    let span = (from, to);
    let mut replays = vec![0u64; BUCKETS];
    let mut marks = Vec::new();
    for e in entries().filter(|e| e.at >= from) {
        let b = bucket(e.at, span);
        match e.kind {
            EntryKind::Replay => replays[b] += 1,
            EntryKind::Exposure => marks.push((b, 'E')),
            EntryKind::Detection => marks.push((b, 'D')),
            EntryKind::Revocation => marks.push((b, 'R')),
            _ => {}
        }
    }
    Volume { span: Some(span), replays, marks }
}

/// The volume summed into `width` columns.
fn resample(values: &[u64], width: usize) -> Vec<u64> {
    if width == 0 || values.is_empty() {
        return Vec::new();
    }
    let mut out = vec![0u64; width];
    for (i, v) in values.iter().enumerate() {
        out[i * width / values.len()] += v;
    }
    out
}

/// The strip (when there is room for it and the table under it), then the table.
pub fn render(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    case: &Case,
    w: &super::grid::Window,
    theme: &Theme,
) -> Rect {
    let volume = &model.volume;
    let nothing = volume.marks.is_empty() && volume.replays.iter().all(|&n| n == 0);
    if area.height < 14 || volume.span.is_none() || nothing {
        super::grid::draw(frame, area, &GRID, case, w, theme);
        return area;
    }
    let [strip, table] = Layout::vertical([Constraint::Length(4), Constraint::Fill(1)]).areas(area);
    let inner = strip.width.saturating_sub(2) as usize;
    let bars = resample(&volume.replays, inner);
    let total: u64 = volume.replays.iter().sum();
    let mut axis: Vec<char> = vec!['─'; inner];
    for &(b, mark) in &volume.marks {
        let x = b * inner / BUCKETS.max(1);
        if let Some(slot) = axis.get_mut(x.min(inner.saturating_sub(1))) {
            // Where two fall in one column, the later milestone shows.
            *slot = mark;
        }
    }
    let axis: Vec<Span> = axis
        .into_iter()
        .map(|c| match c {
            'E' => Span::styled("E", theme.critical),
            'D' => Span::styled("D", theme.style("kind.detected")),
            'R' => Span::styled("R", theme.ok),
            c => Span::styled(c.to_string(), theme.muted),
        })
        .collect();
    let (from, to) = volume.span.unwrap_or_default();
    let title =
        format!(" {total} replays {} → {} · E exposed · D detected · R revoked ", super::when(&from), super::when(&to));
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.border).title(Line::styled(title, theme.title));
    let inside = block.inner(strip);
    frame.render_widget(block, strip);
    let [spark, line] = Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(inside);
    frame.render_widget(Sparkline::default().data(&bars).style(theme.critical), spark);
    frame.render_widget(Line::from(axis), line);
    super::grid::draw(frame, table, &GRID, case, w, theme);
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_is_summed_into_the_width_drawn() {
        assert_eq!(resample(&[1, 2, 3, 4], 2), vec![3, 7]);
        assert_eq!(resample(&[1; 512], 80).iter().sum::<u64>(), 512);
        assert!(resample(&[], 10).is_empty());
    }
}
