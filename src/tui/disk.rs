//! `:grep TEXT`: the audit logs searched where they lie, for the records the
//! case did not keep in memory (other credentials, other principals). The
//! state of one search, and its overlay: matching lines (masked), where each
//! is, and how far the search has come. Esc closes it and stops the search.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::Msg;
use super::theme::Theme;
use crate::ingest::disk_search::{Hit, Progress};
use crate::text::clip;

/// At most this many matching lines are held; every match is still counted.
pub const MAX_HITS: usize = 2000;

#[derive(Debug, Clone)]
pub struct DiskView {
    /// What was searched for, as shown (masked like any text).
    pub needle: String,
    pub generation: u64,
    pub hits: Vec<Hit>,
    pub progress: Progress,
    pub done: bool,
    pub scroll: usize,
}

impl DiskView {
    pub fn new(needle: String, generation: u64) -> Self {
        Self { needle, generation, hits: Vec::new(), progress: Progress::default(), done: false, scroll: 0 }
    }

    pub fn scroll_by(&mut self, by: isize) {
        let last = self.hits.len().saturating_sub(1);
        self.scroll = self.scroll.saturating_add_signed(by).min(last);
    }

    /// The status of the search, in words.
    pub fn summary(&self) -> String {
        let p = &self.progress;
        let mb = |b: u64| b as f64 / 1e6;
        let state = if self.done {
            "done".to_string()
        } else {
            p.scanned
                .saturating_mul(100)
                .checked_div(p.total)
                .map_or_else(|| "searching".to_string(), |pct| format!("{}%", pct.min(99)))
        };
        let shown =
            if p.matched > self.hits.len() { format!(", first {} shown", self.hits.len()) } else { String::new() };
        format!(
            "{} line(s) match in {} file(s), {:.1} of {:.1} MB read — {state}{shown}",
            p.matched,
            p.files,
            mb(p.scanned),
            mb(p.total)
        )
    }
}

/// Lines of a record shown under its origin; the rest is at the origin.
const TEXT_LINES: usize = 3;

/// `text` in lines of `width` characters, at most `most` of them, the last
/// ending in `…` when there was more.
fn wrapped(text: &str, width: usize, most: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let width = width.max(1);
    let mut out: Vec<String> = chars.chunks(width).take(most).map(|c| c.iter().collect()).collect();
    if chars.len() > width * most
        && let Some(last) = out.last_mut()
    {
        last.pop();
        last.push('…');
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, view: &DiskView, theme: &Theme) {
    frame.render_widget(Clear, area);
    let title = format!(" On disk: “{}” — Esc to close ", clip(&view.needle, 40));
    let block =
        Block::default().borders(Borders::ALL).border_style(theme.title).title(Line::styled(title, theme.title));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let width = usize::from(inner.width);
    let mut lines = vec![Line::styled(clip(&view.summary(), width), theme.muted), Line::raw("")];
    if view.hits.is_empty() {
        let none = if view.done { "no line of the audit logs holds it" } else { "…" };
        lines.push(Line::styled(none, theme.muted));
    }
    let room = usize::from(inner.height).saturating_sub(2);
    for hit in view.hits.iter().skip(view.scroll) {
        let text = wrapped(&hit.text, width.saturating_sub(2), TEXT_LINES);
        if lines.len() + 1 + text.len() > room + 2 {
            break;
        }
        lines.push(Line::from(Span::styled(clip(&hit.origin, width), theme.key)));
        lines.extend(text.into_iter().map(|t| Line::styled(format!("  {t}"), theme.text)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

/// `:grep`: the audit files searched on disk; each matching line masked
/// (the scanners' values, and anything that looks like a secret) and cleaned
/// of control characters before it is sent. Stops when a newer search or Esc
/// moved `latest` on, or the TUI quits.
pub fn search(
    paths: &[std::path::PathBuf],
    needle: &str,
    generation: u64,
    latest: &std::sync::atomic::AtomicU64,
    masker: Option<&crate::ingest::mask::Masker>,
    cancel: &crate::ingest::cancel::Cancel,
    send: &dyn Fn(Msg),
) {
    use crate::ingest::disk_search;
    let files = disk_search::files_of(paths);
    let none = crate::ingest::mask::Masker::default();
    let masker = masker.unwrap_or(&none);
    let wanted = || latest.load(std::sync::atomic::Ordering::Relaxed) == generation && !cancel.requested();
    let done = disk_search::search(&files, needle, MAX_HITS, &mut |mut hits, progress| {
        for h in &mut hits {
            masker.mask_string(&mut h.text, crate::ingest::mask::Net::Prose);
            h.text = crate::text::clean(&h.text);
            h.origin = crate::text::clean(&h.origin);
        }
        send(Msg::DiskFound { generation, hits, progress, done: false });
        wanted()
    });
    if wanted() {
        send(Msg::DiskFound { generation, hits: Vec::new(), progress: done, done: true });
    }
}
