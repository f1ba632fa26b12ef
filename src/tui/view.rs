//! The whole screen, drawn from the model: header with tabs, the pane (or the
//! detail of its selected row), a status line, and the help overlay.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Tabs, Wrap};

use super::app::{Model, Pane, SourceStatus};
use super::panes;
use super::theme::Theme;
use crate::text::clip;

const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// The tab titles that fit `width`: every title in full where they fit;
/// else every pane's number, the active one with its title, so that all six
/// keys and where one is stay in sight on a narrow terminal.
fn tab_titles(selected: usize, width: u16) -> Vec<String> {
    let full: Vec<String> = Pane::ALL.iter().enumerate().map(|(i, p)| format!("{} {}", i + 1, p.title())).collect();
    // Each title is padded by a space on either side; dividers between them.
    let needed = |titles: &[String]| -> usize {
        titles.iter().map(|t| t.chars().count() + 2).sum::<usize>() + titles.len().saturating_sub(1)
    };
    if needed(&full) <= usize::from(width) {
        return full;
    }
    let compact: Vec<String> =
        full.iter().enumerate().map(|(i, t)| if i == selected { t.clone() } else { (i + 1).to_string() }).collect();
    if needed(&compact) <= usize::from(width) {
        return compact;
    }
    (1..=Pane::ALL.len()).map(|i| i.to_string()).collect()
}

/// Below this size the panes cannot say anything useful.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 12;

pub fn view(model: &Model, theme: &Theme, frame: &mut Frame) {
    let size = frame.area();
    if size.width < MIN_WIDTH || size.height < MIN_HEIGHT {
        too_small(frame, theme);
        return;
    }
    let [header, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(size);
    let selected = Pane::ALL.iter().position(|p| *p == model.pane).unwrap_or(0);
    let [brand, tabs_area] = Layout::horizontal([Constraint::Length(10), Constraint::Fill(1)]).areas(header);
    let titles = tab_titles(selected, tabs_area.width);
    model.hits.borrow_mut().tabs = tab_spans(tabs_area.x, &titles);
    let titles: Vec<Line> = titles.into_iter().map(Line::from).collect();
    let tabs = Tabs::new(titles).select(selected).style(theme.tab).highlight_style(theme.tab_active).divider("│");
    frame.render_widget(Span::styled(" leakline ", theme.title), brand);
    frame.render_widget(tabs, tabs_area);
    match &model.case {
        None => loading(frame, body, model, theme),
        Some(case) if model.detail => detail(frame, body, model, case, theme),
        Some(case) => panes::render(frame, body, model, case, theme),
    }
    status_line(frame, status, model, theme);
    if let Some(disk) = &model.disk {
        super::disk::render(frame, body, disk, theme);
    }
    if model.help {
        help(frame, body, model, theme);
    }
}

/// Where each tab's title starts and ends on the bar (a space pads each side, a divider between).
fn tab_spans(x: u16, titles: &[String]) -> Vec<(u16, u16)> {
    let mut at = x;
    titles
        .iter()
        .map(|t| {
            let w = t.chars().count() as u16 + 2;
            let span = (at, at + w);
            at += w + 1;
            span
        })
        .collect()
}

fn too_small(frame: &mut Frame, theme: &Theme) {
    let size = frame.area();
    let text = format!(
        "terminal too small ({}x{}): leakline needs {MIN_WIDTH}x{MIN_HEIGHT} — enlarge it, or q to quit",
        size.width, size.height
    );
    frame.render_widget(Paragraph::new(text).style(theme.warn).wrap(Wrap { trim: true }), size);
}

/// The detail of the selected row: its links on top (Tab chooses, Enter
/// follows), the lines under them, never scrolled past their end.
fn detail(frame: &mut Frame, body: Rect, model: &Model, case: &crate::model::Case, theme: &Theme) {
    let (title, lines) = panes::detail(model, case, theme);
    let width = body.width.saturating_sub(2);
    let links = model.links();
    let mut shown: Vec<Line> = Vec::new();
    if !links.is_empty() {
        let mut spans = vec![Span::styled("Go to  ", theme.header)];
        for (i, l) in links.iter().enumerate() {
            let style = if i == model.link { theme.selected } else { theme.key };
            spans.push(Span::styled(format!("[{}]", clip(&l.label(Some(case)), 48)), style));
            spans.push(Span::raw(" "));
        }
        shown.extend(panes::rewrap(Line::from(spans), width));
    }
    let target = model.selected_row().and_then(|r| crate::tui::links::target(case, model.pane, r));
    if let Some(a) = target.and_then(|t| case.annotations.iter().find(|a| a.target == t)) {
        let note = if a.note.is_empty() { String::new() } else { format!(" — {}", a.note) };
        let line = Line::from(vec![
            Span::styled("Verdict  ", theme.header),
            Span::styled(a.verdict.name().to_string(), theme.key),
            Span::styled(
                crate::text::clean(&format!("{note} — by {} at {}", a.by, a.at.format("%Y-%m-%d %H:%M UTC"))),
                theme.text,
            ),
        ]);
        shown.extend(panes::rewrap(line, width));
    }
    shown.extend(lines.into_iter().flat_map(|l| panes::rewrap(l, width)));
    let height = body.height.saturating_sub(2);
    let total = shown.len() as u16;
    let max = total.saturating_sub(height);
    let scroll = model.detail_scroll.min(max);
    {
        let mut hits = model.hits.borrow_mut();
        hits.detail_max = max;
        hits.detail_height = height;
    }
    let position = if total > height {
        format!(" lines {}–{} of {total} ", scroll + 1, (scroll + height).min(total))
    } else {
        String::new()
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Line::styled(format!(" {} — Esc to go back ", clip(&title, 80)), theme.title))
        .title_bottom(Line::styled(position, theme.muted).right_aligned());
    frame.render_widget(Paragraph::new(shown).block(block).scroll((scroll, 0)), body);
}

fn loading(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let spin = SPINNER[model.spinner % SPINNER.len()];
    let mut lines = vec![Line::styled(format!("{spin} Reading sources…"), theme.title), Line::from("")];
    for s in &model.sources {
        let (mark, note, style) = match &s.status {
            SourceStatus::Loading => {
                (spin.to_string(), s.progress.clone().unwrap_or_else(|| "reading".to_string()), theme.muted)
            }
            SourceStatus::Loaded { records, rejected } => {
                ("✓".into(), format!("{records} records, {rejected} rejected"), theme.ok)
            }
            SourceStatus::Failed(e) => ("✗".into(), e.clone(), theme.critical),
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} "), style),
            Span::styled(clip(&s.label, 90), theme.text),
            Span::styled(format!("  {}", clip(&note, 120)), style),
        ]));
    }
    let all_done = model.sources.iter().all(|s| s.status != SourceStatus::Loading);
    if all_done {
        lines.push(Line::from(""));
        lines.push(Line::styled(format!("{spin} Correlating…"), theme.title));
    }
    let block = Block::default().borders(Borders::ALL).border_style(theme.border);
    frame.render_widget(Paragraph::new(lines).block(block), area);
}

fn status_line(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    if let Some(p) = &model.prompt {
        prompt_line(frame, area, p, theme);
        return;
    }
    let hint = if model.detail {
        "j/k scroll · Tab link · Enter go · Esc back · ? help"
    } else {
        "/ search · : command · f filter · Enter detail · ? help · q quit"
    };
    let mut spans = Vec::new();
    if model.loading() && model.case.is_some() {
        let done = model.sources.iter().filter(|s| s.status != SourceStatus::Loading).count();
        let spin = SPINNER[model.spinner % SPINNER.len()];
        let long: Vec<String> = model
            .sources
            .iter()
            .filter(|s| s.status == SourceStatus::Loading)
            .filter_map(|s| s.progress.as_ref().map(|p| format!("{}: {p}", s.label)))
            .collect();
        let long = if long.is_empty() { String::new() } else { format!(" ({})", long.join(", ")) };
        spans.push(Span::styled(
            format!(" {spin} reading {done}/{} sources{long} — results so far", model.sources.len()),
            theme.warn,
        ));
    }
    if !model.history.is_empty() {
        spans.push(Span::styled(format!(" {}", breadcrumb(model)), theme.key));
    } else if !model.filter.is_empty() {
        spans.push(Span::styled(format!(" filter {}", model.filter.describe()), theme.key));
    }
    if let Some(s) = &model.status {
        spans.push(Span::styled(format!("  {}", clip(s, 100)), theme.warn));
    } else {
        spans.push(Span::styled(format!(" {hint}"), theme.muted));
    }
    if let Some(search) = model.search.as_ref().filter(|s| s.pane == model.pane && s.counted) {
        spans.push(Span::styled(
            format!("  /{} {} matches", clip(search.query.typed(), 30), search.matches.len()),
            theme.muted,
        ));
    }
    let rows = model.rows(model.pane).len();
    if model.case.is_some() && rows > 0 {
        spans.push(Span::styled(format!("  row {}/{rows}", model.selection() + 1), theme.muted));
    }
    frame.render_widget(Line::from(spans), area);
}

/// Where the user came from and is: the last places kept, a place and its
/// own detail said once (`Replays › detail`, not `Replays › Replays › detail`).
fn breadcrumb(model: &Model) -> String {
    let mut trail: Vec<String> = model.history.iter().map(|p| p.crumb.clone()).collect();
    trail.push(model.crumb());
    let mut shown: Vec<String> = Vec::new();
    for crumb in trail {
        match shown.last_mut() {
            Some(last) if crumb.starts_with(last.as_str()) => *last = crumb,
            _ => shown.push(crumb),
        }
    }
    let more = shown.len() > 3;
    let tail: Vec<String> = shown.split_off(shown.len().saturating_sub(3));
    format!("{}{}", if more { "… › " } else { "" }, tail.join(" › "))
}

/// The prompt being typed, its cursor, and what Tab offered.
fn prompt_line(frame: &mut Frame, area: Rect, p: &crate::tui::prompt::Prompt, theme: &Theme) {
    let text = crate::text::clean(&p.text);
    let (before, after) = text.split_at(text.char_indices().nth(p.cursor).map_or(text.len(), |(b, _)| b));
    let mut after_chars = after.chars();
    let under = after_chars.next().map_or(" ".to_string(), |c| c.to_string());
    let mut spans = vec![
        Span::styled(format!("{}{before}", p.kind.sigil()), theme.text),
        Span::styled(under, theme.selected),
        Span::styled(after_chars.collect::<String>(), theme.text),
    ];
    if p.completions.len() > 1 {
        let offered: Vec<&str> = p.completions.iter().take(8).map(String::as_str).collect();
        spans.push(Span::styled(format!("   Tab: {}", offered.join("  ")), theme.muted));
    }
    frame.render_widget(Line::from(spans), area);
}

/// Every key and what it does, from the keymap: in two columns where the
/// screen is wide enough, each description wrapped under itself.
fn help(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let mut seen: Vec<(String, String)> = Vec::new();
    for b in &model.keymap.bindings {
        match seen.iter_mut().find(|(_, d)| *d == b.desc) {
            Some((keys, _)) => keys.push_str(&format!(", {}", b.key)),
            None => seen.push((b.key.clone(), b.desc.clone())),
        }
    }
    let width = area.width.saturating_sub(4).min(140);
    let columns: u16 = if width >= 100 { 2 } else { 1 };
    let column_width = (width.saturating_sub(2) / columns).saturating_sub(1);
    let entry = |(keys, desc): &(String, String)| {
        panes::hanging(
            Span::styled(format!("{:>14}  ", clip(keys, 14)), theme.key),
            &[(desc.clone(), theme.text)],
            column_width,
        )
    };
    let per_column = seen.len().div_ceil(columns as usize);
    let blocks: Vec<Vec<Line>> = seen.chunks(per_column.max(1)).map(|c| c.iter().flat_map(entry).collect()).collect();
    let tallest = blocks.iter().map(Vec::len).max().unwrap_or(0) as u16;
    let height = (tallest + 2).min(area.height);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.title)
        .title(Line::styled(" Keys — Esc or ? to close ", theme.title));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    let parts = Layout::horizontal(vec![Constraint::Fill(1); blocks.len().max(1)]).split(inner);
    for (lines, part) in blocks.into_iter().zip(parts.iter()) {
        frame.render_widget(Paragraph::new(lines), *part);
    }
}

#[cfg(test)]
mod tab_tests {
    use super::tab_titles;

    #[test]
    fn a_narrow_bar_keeps_every_number_and_the_active_title() {
        assert_eq!(tab_titles(0, 200).len(), 6);
        assert!(tab_titles(0, 200).iter().all(|t| t.contains(' ')), "all in full where they fit");
        let narrow = tab_titles(5, 70);
        assert_eq!(narrow, ["1", "2", "3", "4", "5", "6 Accountability"]);
        assert_eq!(tab_titles(2, 10), ["1", "2", "3", "4", "5", "6"]);
    }
}
