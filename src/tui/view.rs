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

pub fn view(model: &Model, theme: &Theme, frame: &mut Frame) {
    let [header, body, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(frame.area());
    let selected = Pane::ALL.iter().position(|p| *p == model.pane).unwrap_or(0);
    let [brand, tabs_area] = Layout::horizontal([Constraint::Length(10), Constraint::Fill(1)]).areas(header);
    let titles: Vec<Line> = tab_titles(selected, tabs_area.width).into_iter().map(Line::from).collect();
    let tabs = Tabs::new(titles).select(selected).style(theme.tab).highlight_style(theme.tab_active).divider("│");
    frame.render_widget(Span::styled(" leakline ", theme.title), brand);
    frame.render_widget(tabs, tabs_area);
    match &model.case {
        None => loading(frame, body, model, theme),
        Some(case) if model.detail => {
            let (title, lines) = panes::detail(model, case, theme);
            let width = body.width.saturating_sub(2);
            let lines: Vec<Line> = lines.into_iter().flat_map(|l| panes::rewrap(l, width)).collect();
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(theme.border)
                .title(Line::styled(format!(" {} — Esc to go back ", clip(&title, 80)), theme.title));
            frame.render_widget(
                Paragraph::new(lines).block(block).wrap(Wrap { trim: false }).scroll((model.detail_scroll, 0)),
                body,
            );
        }
        Some(case) => panes::render(frame, body, model, case, theme),
    }
    status_line(frame, status, model, theme);
    if model.help {
        help(frame, body, model, theme);
    }
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
    let hint = if model.detail {
        "j/k scroll · Esc back · ? help · q quit"
    } else {
        "Tab/1-6 panes · j/k move · Enter detail · ? help · q quit"
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
    spans.push(Span::styled(format!(" {hint}"), theme.muted));
    if let Some(s) = &model.status {
        spans.push(Span::styled(format!("   {}", clip(s, 100)), theme.warn));
    }
    if let Some(case) = &model.case {
        let rows = panes::row_count(model.pane, case);
        if rows > 0 {
            spans.push(Span::styled(format!("   row {}/{rows}", model.selection() + 1), theme.muted));
        }
    }
    frame.render_widget(Line::from(spans), area);
}

fn help(frame: &mut Frame, area: Rect, model: &Model, theme: &Theme) {
    let mut lines = vec![Line::styled("Keys", theme.title), Line::from("")];
    let mut seen: Vec<(String, String)> = Vec::new();
    for b in &model.keymap.bindings {
        match seen.iter_mut().find(|(_, d)| *d == b.desc) {
            Some((keys, _)) => keys.push_str(&format!(", {}", b.key)),
            None => seen.push((b.key.clone(), b.desc.clone())),
        }
    }
    for (keys, desc) in seen {
        lines.push(Line::from(vec![Span::styled(format!("{keys:>18}  "), theme.key), Span::styled(desc, theme.text)]));
    }
    let height = (lines.len() as u16 + 2).min(area.height);
    let width = 72.min(area.width);
    let popup = Rect { x: area.x + (area.width - width) / 2, y: area.y + (area.height - height) / 2, width, height };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.title)
        .title(Line::styled(" Help — Esc or ? to close ", theme.title));
    frame.render_widget(Paragraph::new(lines).block(block), popup);
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
