//! A pane's table as data: its columns and each row's cells. Only the rows on
//! screen are built, every cell is cut to its column's width with `…`, and
//! search and copy read the same text the screen shows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Row, Table, TableState};

use super::Col;
use crate::model::Case;
use crate::text::clip;
use crate::tui::search::Query;
use crate::tui::theme::Theme;

/// How a cell is coloured, resolved against the theme when drawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Text,
    Key,
    Muted,
    Ok,
    Warn,
    Gap,
    Critical,
    /// A timeline entry's kind (`kind.replay`).
    Kind(&'static str),
}

impl Tone {
    pub fn style(self, theme: &Theme) -> Style {
        match self {
            Tone::Text => theme.text,
            Tone::Key => theme.key,
            Tone::Muted => theme.muted,
            Tone::Ok => theme.ok,
            Tone::Warn => theme.warn,
            Tone::Gap => theme.gap,
            Tone::Critical => theme.critical,
            Tone::Kind(k) => theme.style(&format!("kind.{k}")),
        }
    }
}

/// A column's width: fixed, or following its longest cell up to `cap`,
/// never narrower than `floor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Fixed(u16),
    Text { cap: u16, floor: u16 },
}

#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub width: Width,
}

/// One row's cells, in column order.
pub type Cells = Vec<(String, Tone)>;

/// A pane's table.
#[derive(Clone, Copy)]
pub struct Grid {
    pub columns: &'static [Column],
    /// Columns a narrow screen leaves out first, in this order.
    pub drop_first: &'static [usize],
    /// Columns cut at their start, not their end: an ARN's user name is its tail.
    pub keep_end: &'static [usize],
    /// Columns whose every word matters (why a replay is one): where they are
    /// narrower than their text, rows grow to up to three lines instead of cutting.
    pub wrap: &'static [usize],
    pub cells: fn(&Case, usize) -> Cells,
}

impl Grid {
    /// The widths of every column at `width`, from the needs measured once.
    pub fn widths(&self, width: u16, needs: &[u16]) -> Vec<u16> {
        let cols: Vec<Col> = self
            .columns
            .iter()
            .zip(needs.iter().chain(std::iter::repeat(&0)))
            .map(|(c, &n)| match c.width {
                Width::Fixed(w) => Col::Fixed(w),
                Width::Text { cap, floor } => Col::Text { need: n.min(cap), floor },
            })
            .collect();
        let mut widths: Vec<u16> = super::fit_or_drop(width, &cols, self.drop_first)
            .into_iter()
            .map(|c| if let Constraint::Length(n) = c { n } else { 0 })
            .collect();
        // Room a column has beyond its text goes to a wrapped column that lacks it.
        for &w in self.wrap {
            let want = |c: usize| match cols.get(c) {
                Some(Col::Text { need, .. }) => *need,
                _ => 0,
            };
            for c in 0..widths.len() {
                let lack = want(w).saturating_sub(widths.get(w).copied().unwrap_or(0));
                if c == w || lack == 0 || !matches!(cols.get(c), Some(Col::Text { .. })) || widths[c] == 0 {
                    continue;
                }
                // Down to the column's text, else to its floor: the wrapped words matter more.
                let keep = match cols.get(c) {
                    Some(Col::Text { need, floor }) => (*need).min(*floor),
                    _ => widths[c],
                };
                let spare = widths[c].saturating_sub(keep).min(lack);
                widths[c] -= spare;
                if let Some(x) = widths.get_mut(w) {
                    *x += spare;
                }
            }
        }
        widths
    }

    /// A row's text as search and copy see it.
    pub fn row_text(&self, case: &Case, i: usize) -> String {
        text_of(&(self.cells)(case, i))
    }
}

/// Cells as search and copy see them: cleaned, tab-separated.
pub fn text_of(cells: &Cells) -> String {
    let shown: Vec<String> = cells.iter().map(|(t, _)| crate::text::clean(t)).collect();
    shown.join("\t")
}

/// What the screen shows of a table: which case rows, in which order, the
/// selection and the first row drawn.
pub struct Window<'a> {
    pub title: &'a str,
    /// Case rows in display order.
    pub rows: &'a [u32],
    pub selected: usize,
    pub offset: usize,
    pub needs: &'a [u16],
    pub query: Option<&'a Query>,
}

/// The first row to draw so that `selected` is on screen, keeping `offset` when it already is.
pub fn follow(offset: usize, selected: usize, visible: usize) -> usize {
    if visible == 0 {
        return selected;
    }
    if selected < offset {
        selected
    } else if selected >= offset + visible {
        selected + 1 - visible
    } else {
        offset
    }
}

/// How many data rows a bordered table with a header shows in `height`, rows `row_height` tall.
pub fn visible_rows(height: u16, row_height: u16) -> usize {
    usize::from(height.saturating_sub(3) / row_height.max(1))
}

/// How tall rows must be for the wrapped columns to show whole at these widths (1 to 4).
pub fn row_height(grid: &Grid, widths: &[u16], needs: &[u16]) -> u16 {
    grid.wrap
        .iter()
        .filter_map(|&c| Some((*widths.get(c)?, *needs.get(c)?)))
        .filter(|&(w, n)| w > 0 && n > w)
        // Breaking at words wastes some of each line: allow for it.
        .map(|(w, n)| (n + n / 4).div_ceil(w).min(4))
        .max()
        .unwrap_or(1)
}

/// `text` broken at spaces into at most `lines` lines of `width`; what does
/// not fit ends the last line with `…`.
pub fn wrap_cell(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = vec![String::new()];
    for word in crate::text::clean(text).split(' ') {
        let Some(last) = out.last_mut() else { break };
        let used = last.chars().count();
        if used == 0 || used + 1 + word.chars().count() <= width {
            if used > 0 {
                last.push(' ');
            }
            last.push_str(word);
        } else {
            out.push(word.to_string());
        }
    }
    if out.len() > lines {
        let rest = out.split_off(lines.max(1)).join(" ");
        if let Some(last) = out.last_mut() {
            last.push(' ');
            last.push_str(&rest);
        }
    }
    out.into_iter().map(|l| clip(&l, width)).collect()
}

/// Draw the window of `grid`: only the rows on screen are built.
pub fn draw(frame: &mut Frame, area: Rect, grid: &Grid, case: &Case, w: &Window, theme: &Theme) {
    let widths = grid.widths(area.width, w.needs);
    let height = row_height(grid, &widths, w.needs);
    let visible = visible_rows(area.height, height);
    let count = w.rows.len();
    let selected = w.selected.min(count.saturating_sub(1));
    let offset = follow(w.offset.min(selected), selected, visible);
    // Columns a narrow screen left out are not drawn at all.
    let drawn = |c: &usize| widths.get(*c).is_some_and(|&w| w > 0);
    let head = Row::new(
        grid.columns.iter().zip(&widths).filter(|(_, n)| **n > 0).map(|(c, &n)| Cell::from(clip(c.header, n as usize))),
    )
    .style(theme.header);
    let rows: Vec<Row> = w.rows[offset.min(count)..(offset + visible).min(count)]
        .iter()
        .map(|&i| {
            let cells = (grid.cells)(case, i as usize);
            Row::new(cells.into_iter().zip(&widths).enumerate().filter(|(c, _)| drawn(c)).map(
                |(c, ((text, tone), &n))| {
                    let style = tone.style(theme);
                    let shown = if height > 1 && grid.wrap.contains(&c) {
                        wrap_cell(&text, n as usize, height as usize)
                    } else if grid.keep_end.contains(&c) {
                        vec![clip_start(&text, n as usize)]
                    } else {
                        vec![clip(&text, n as usize)]
                    };
                    let lines: Vec<Line> = shown
                        .into_iter()
                        .map(|s| match w.query {
                            Some(q) => highlighted(&s, q, style, theme),
                            None => Line::from(Span::styled(s, style)),
                        })
                        .collect();
                    Cell::from(ratatui::text::Text::from(lines))
                },
            ))
            .height(height)
        })
        .collect();
    let position = if count > visible && visible > 0 {
        format!(" {}–{} of {count} ", offset + 1, (offset + visible).min(count))
    } else {
        format!(" ({count}) ")
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.border)
        .title(Line::styled(format!(" {}{position}", w.title), theme.title));
    let constraints: Vec<Constraint> = widths.iter().filter(|&&n| n > 0).map(|&n| Constraint::Length(n)).collect();
    let table = Table::new(rows, constraints)
        .header(head)
        .block(block)
        .style(theme.text)
        .row_highlight_style(theme.selected)
        .highlight_symbol("▶ ")
        .column_spacing(1);
    let mut state = TableState::default().with_selected((count > 0).then_some(selected - offset.min(selected)));
    frame.render_stateful_widget(table, area, &mut state);
}

/// `text` cleaned and cut at its start with `…` to at most `max` characters.
pub fn clip_start(text: &str, max: usize) -> String {
    let cleaned = crate::text::clean(text);
    let count = cleaned.chars().count();
    if count <= max {
        return cleaned;
    }
    let kept: String = cleaned.chars().skip(count - max.saturating_sub(1)).collect();
    if max == 0 { String::new() } else { format!("…{kept}") }
}

/// `text` with the parts matching `query` in the match style.
pub fn highlighted(text: &str, query: &Query, style: Style, theme: &Theme) -> Line<'static> {
    let ranges = query.ranges(text);
    if ranges.is_empty() {
        return Line::from(Span::styled(text.to_string(), style));
    }
    let mut spans = Vec::new();
    let mut at = 0;
    for (start, end) in ranges {
        if start > at {
            spans.push(Span::styled(text[at..start].to_string(), style));
        }
        spans.push(Span::styled(text[start..end].to_string(), theme.matched));
        at = end;
    }
    if at < text.len() {
        spans.push(Span::styled(text[at..].to_string(), style));
    }
    Line::from(spans)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_follows_the_selection_and_keeps_still_otherwise() {
        assert_eq!(follow(0, 5, 10), 0);
        assert_eq!(follow(0, 10, 10), 1);
        assert_eq!(follow(20, 5, 10), 5);
        assert_eq!(follow(3, 7, 10), 3);
        assert_eq!(follow(0, 999_999, 30), 999_970);
    }

    #[test]
    fn every_reason_wraps_onto_the_rows_lines() {
        let why = "new_ip, new_user_agent, recon_call, after_detection, after_revocation";
        assert_eq!(
            wrap_cell(why, 40, 2),
            vec!["new_ip, new_user_agent, recon_call,", "after_detection, after_revocation"]
        );
        assert_eq!(wrap_cell(why, 20, 2), vec!["new_ip,", "new_user_agent, rec…"]);
        assert_eq!(wrap_cell("short", 20, 3), vec!["short"]);
    }

    #[test]
    fn an_identity_cut_to_fit_keeps_its_user_name() {
        assert_eq!(clip_start("arn:aws:iam::123456789012:user/hannah", 14), "…2:user/hannah");
        assert_eq!(clip_start("short", 14), "short");
        assert_eq!(clip_start("abc", 0), "");
        assert_eq!(crate::text::clip("langchain-community", 10), "langchain…");
    }
}
