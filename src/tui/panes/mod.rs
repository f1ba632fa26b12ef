//! One file a pane. Each pane renders a `Case` (never mutates it); a table
//! pane is a `Grid` (its columns and each row's cells), drawn a window at a time.

mod accountability;
mod approvals;
mod detail;
pub mod grid;
mod overview;
mod reachability;
mod replays;
pub mod timeline;

use chrono::{DateTime, Utc};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::app::{Model, Pane};
use super::theme::Theme;
use crate::model::Case;
use grid::Grid;

/// How many selectable rows a pane has (before any filter).
pub fn row_count(pane: Pane, case: &Case) -> usize {
    match pane {
        Pane::Overview => case.secrets.len(),
        Pane::Timeline => case.timeline.len(),
        Pane::Approvals => case.approvals.len(),
        Pane::Reachability => case.reachability.len(),
        Pane::Replays => case.replay_groups.len(),
        Pane::Accountability => case.accountability.len(),
    }
}

/// The table of a pane (the Overview's is its secrets).
pub fn grid(pane: Pane) -> &'static Grid {
    match pane {
        Pane::Overview => &overview::GRID,
        Pane::Timeline => &timeline::GRID,
        Pane::Approvals => &approvals::GRID,
        Pane::Reachability => &reachability::GRID,
        Pane::Replays => &replays::GRID,
        Pane::Accountability => &accountability::GRID,
    }
}

fn title(pane: Pane, case: &Case) -> &'static str {
    match pane {
        Pane::Overview => "Leaked secrets",
        Pane::Timeline => timeline::title(case),
        Pane::Approvals => approvals::title(case),
        Pane::Reachability => reachability::title(case),
        Pane::Replays => replays::title(case),
        Pane::Accountability => accountability::title(case),
    }
}

/// Draw the current pane; returns the table's area and first row drawn, for the mouse.
pub fn render(frame: &mut Frame, area: Rect, model: &Model, case: &Case, theme: &Theme) {
    let pane = model.pane;
    let needs = model.needs(pane);
    let window = grid::Window {
        title: title(pane, case),
        rows: model.rows(pane),
        selected: model.selection(),
        offset: model.hits.borrow().offset[pane.index()],
        needs: &needs,
        query: model.search.as_ref().filter(|s| s.pane == pane).map(|s| &s.query),
    };
    let table_area = match pane {
        Pane::Overview => overview::render(frame, area, model, case, theme, &window),
        Pane::Accountability => accountability::render(frame, area, case, &window, theme),
        Pane::Timeline => timeline::render(frame, area, model, case, &window, theme),
        _ => {
            grid::draw(frame, area, grid(pane), case, &window, theme);
            area
        }
    };
    let widths = grid(pane).widths(table_area.width, &needs);
    let row_height = grid::row_height(grid(pane), &widths, &needs);
    let visible = grid::visible_rows(table_area.height, row_height);
    let selected = window.selected.min(window.rows.len().saturating_sub(1));
    let mut hits = model.hits.borrow_mut();
    hits.offset[pane.index()] = grid::follow(window.offset.min(selected), selected, visible);
    hits.table = Some(table_area);
    hits.row_height = row_height;
}

/// The detail of the selected row of the current pane.
pub fn detail(model: &Model, case: &Case, theme: &Theme) -> (String, Vec<Line<'static>>) {
    let Some(sel) = model.selected_row() else { return (String::new(), Vec::new()) };
    match model.pane {
        Pane::Overview => detail::secret(case, sel, theme),
        Pane::Timeline => match case.timeline.get(sel) {
            Some(entry) => detail::item(case, entry.item, theme),
            None => (String::new(), Vec::new()),
        },
        Pane::Approvals => detail::approval(case, sel, theme),
        Pane::Reachability => detail::reach(case, sel, theme),
        Pane::Replays => detail::replay_group(case, sel, theme),
        Pane::Accountability => detail::role(case, sel, theme),
    }
}

/// A time as panes show it.
pub fn when(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// `label` then `parts` (contiguous text in their styles) word-wrapped to `width`, each following line indented
/// under the text, so a long answer still reads as one entry under its label.
/// Spaces inside a line are kept as they are (code keeps its indentation); the
/// spaces where a line breaks are dropped.
pub fn hanging(label: Span<'static>, parts: &[(String, Style)], width: u16) -> Vec<Line<'static>> {
    let indent = label.width();
    let room = (width as usize).saturating_sub(indent).max(8);
    let mut lines = Vec::new();
    let mut spans = vec![label];
    let mut used = 0;
    for (text, style) in parts {
        for (gap, word) in words(text) {
            let mut chars: Vec<char> = word.chars().collect();
            let mut gap = gap;
            loop {
                if used > 0 && used + gap + chars.len() > room {
                    lines.push(Line::from(std::mem::take(&mut spans)));
                    spans.push(Span::raw(" ".repeat(indent)));
                    used = 0;
                    gap = 0;
                }
                let gap_now = gap.min(room - used);
                if gap_now > 0 {
                    spans.push(Span::styled(" ".repeat(gap_now), *style));
                    used += gap_now;
                }
                gap = 0;
                // A word longer than the line is cut where the line ends.
                let take = chars.len().min(room - used);
                if take > 0 {
                    spans.push(Span::styled(chars.drain(..take).collect::<String>(), *style));
                    used += take;
                }
                if chars.is_empty() {
                    break;
                }
                if take == 0 {
                    lines.push(Line::from(std::mem::take(&mut spans)));
                    spans.push(Span::raw(" ".repeat(indent)));
                    used = 0;
                }
            }
        }
    }
    lines.push(Line::from(spans));
    lines
}

/// Each word of `text` with the number of spaces before it; trailing spaces
/// come as a last, empty word.
fn words(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let gap = rest.len() - rest.trim_start_matches(' ').len();
        rest = &rest[gap..];
        let end = rest.find(' ').unwrap_or(rest.len());
        out.push((gap, &rest[..end]));
        rest = &rest[end..];
    }
    out
}

/// A line wrapped to `width` with its continuation hanging under the text:
/// under the value when the first span is a label (`   owners  `), else under
/// the leading spaces and bullet (`  • `). A line that fits is kept as it is.
pub fn rewrap(line: Line<'static>, width: u16) -> Vec<Line<'static>> {
    if line.width() <= width as usize || line.spans.is_empty() {
        return vec![line];
    }
    let base = line.style;
    let mut spans = line.spans.into_iter().map(|s| (s.content.into_owned(), base.patch(s.style)));
    let Some((first, first_style)) = spans.next() else { return Vec::new() };
    let rest: Vec<(String, Style)> = spans.collect();
    let (label, lead) = if !rest.is_empty() && first.ends_with(' ') {
        (first, String::new())
    } else {
        let spaces = first.len() - first.trim_start_matches(' ').len();
        let bullet = if first[spaces..].starts_with("• ") { "• ".len() } else { 0 };
        let (label, lead) = first.split_at(spaces + bullet);
        (label.to_string(), lead.to_string())
    };
    let mut parts = vec![(lead, first_style)];
    parts.extend(rest);
    hanging(Span::styled(label, first_style), &parts, width)
}

/// A table column: a fixed width, or text whose width follows its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Col {
    Fixed(u16),
    /// `need`: the longest cell (or header); `floor`: never narrower than this.
    Text {
        need: u16,
        floor: u16,
    },
}

/// Column widths for a bordered table `width` wide. Text columns get what their
/// content needs when it fits, the spare width going to the widest. When it does
/// not, the width is shared evenly among the columns that need the most (short
/// columns stay whole, long ones are cut to one level), none below its floor.
pub fn fit(width: u16, cols: &[Col]) -> Vec<Constraint> {
    let chrome = 2 + 2 + cols.len().saturating_sub(1) as u16; // borders, highlight symbol, spacing
    let fixed: u16 = cols.iter().map(|c| if let Col::Fixed(w) = c { *w } else { 0 }).sum();
    let avail = width.saturating_sub(chrome).saturating_sub(fixed) as u32;
    let needs: Vec<(u32, u32)> = cols
        .iter()
        .filter_map(|c| match c {
            Col::Text { need, floor } => Some((*need as u32, (*floor).min(*need) as u32)),
            Col::Fixed(_) => None,
        })
        .collect();
    let floors: Vec<u32> = needs.iter().map(|n| n.1).collect();
    let mut given = if floors.iter().sum::<u32>() > avail {
        // Too narrow even for the floors: share the width among them the same way.
        share(vec![0; floors.len()], &floors, avail)
    } else {
        let lack: Vec<u32> = needs.iter().map(|n| n.0 - n.1).collect();
        let room = avail - floors.iter().sum::<u32>();
        share(floors, &lack, room)
    };
    let spare = avail.saturating_sub(given.iter().sum());
    if let Some(widest) = (0..given.len()).max_by_key(|&i| (given[i], std::cmp::Reverse(i))) {
        given[widest] += spare;
    }
    let mut given = given.into_iter();
    cols.iter()
        .map(|c| match c {
            Col::Fixed(w) => Constraint::Length(*w),
            Col::Text { .. } => Constraint::Length(given.next().unwrap_or(0) as u16),
        })
        .collect()
}

/// As `fit`, but on a screen too narrow for every column's floor the columns
/// in `drop_first` are left out, in that order, until the rest fit: a narrow
/// terminal shows fewer columns whole rather than every column cut to nothing.
/// A column left out has width 0 and is not drawn at all (no spacing either).
pub fn fit_or_drop(width: u16, cols: &[Col], drop_first: &[usize]) -> Vec<Constraint> {
    let least = |c: &Col| match c {
        Col::Fixed(w) => *w,
        Col::Text { need, floor } => (*floor).min(*need),
    };
    let mut shown: Vec<bool> = vec![true; cols.len()];
    for &i in drop_first {
        let visible: Vec<&Col> = cols.iter().zip(&shown).filter(|(_, s)| **s).map(|(c, _)| c).collect();
        let required = 2 + 2 + visible.len().saturating_sub(1) as u16 + visible.iter().map(|c| least(c)).sum::<u16>();
        if required <= width {
            break;
        }
        if let Some(s) = shown.get_mut(i) {
            *s = false;
        }
    }
    let visible: Vec<Col> = cols.iter().zip(&shown).filter(|(_, s)| **s).map(|(c, _)| *c).collect();
    let mut widths = fit(width, &visible).into_iter();
    shown
        .iter()
        .map(|s| if *s { widths.next().unwrap_or(Constraint::Length(0)) } else { Constraint::Length(0) })
        .collect()
}

/// Add `room` to `given` so that each gets at most its `want`, the smallest
/// wants whole first and the rest cut to one level.
fn share(mut given: Vec<u32>, want: &[u32], mut room: u32) -> Vec<u32> {
    let mut order: Vec<usize> = (0..want.len()).collect();
    order.sort_by_key(|&i| want[i]);
    for (k, &i) in order.iter().enumerate() {
        let more = want[i].min(room / (order.len() - k) as u32);
        given[i] += more;
        room -= more;
    }
    given
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lengths(c: Vec<Constraint>) -> Vec<u16> {
        c.into_iter().map(|c| if let Constraint::Length(n) = c { n } else { 0 }).collect()
    }

    fn plain(lines: Vec<Line>) -> Vec<String> {
        lines.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect()
    }

    #[test]
    fn wrapped_lines_hang_under_their_label() {
        let parts = [("one two three".to_string(), Style::default()), (" four".to_string(), Style::default())];
        assert_eq!(plain(hanging(Span::raw("L: "), &parts, 12)), vec!["L: one two", "   three", "   four"]);
        let long = [("abcdefghijklmnopqrst".to_string(), Style::default())];
        assert_eq!(plain(hanging(Span::raw("L: "), &long, 11)), vec!["L: abcdefgh", "   ijklmnop", "   qrst"]);
        assert_eq!(plain(hanging(Span::raw("L: "), &[], 11)), vec!["L: "]);
        let code = [("if x:    return  1".to_string(), Style::default())];
        assert_eq!(plain(hanging(Span::raw("+ "), &code, 18)), vec!["+ if x:    return", "  1"]);
        assert_eq!(plain(hanging(Span::raw("+ "), &code, 14)), vec!["+ if x:", "  return  1"]);
    }

    #[test]
    fn long_lines_rewrap_under_their_bullet_or_value() {
        let item = Line::from("  • one two three four");
        assert_eq!(plain(rewrap(item, 14)), vec!["  • one two", "    three four"]);
        let field = Line::from(vec![Span::raw("  owners  "), Span::raw("alpha beta gamma")]);
        assert_eq!(plain(rewrap(field, 20)), vec!["  owners  alpha beta", "          gamma"]);
        let short = Line::from("  • fits");
        assert_eq!(plain(rewrap(short, 14)), vec!["  • fits"]);
    }

    #[test]
    fn a_narrow_screen_drops_columns_in_the_order_given() {
        let cols =
            [Col::Fixed(3), Col::Text { need: 20, floor: 10 }, Col::Fixed(16), Col::Text { need: 30, floor: 12 }];
        // Everything fits at 100: nothing dropped.
        assert!(lengths(fit_or_drop(100, &cols, &[2, 3])).iter().all(|&w| w > 0));
        // At 40 the floors need 3+10+16+12 plus 7 of chrome: the date column goes first
        // (and its spacing with it), and the two text columns share the rest.
        assert_eq!(lengths(fit_or_drop(40, &cols, &[2, 3])), vec![3, 14, 0, 17]);
    }

    #[test]
    fn text_columns_get_what_they_need_then_share_what_is_left() {
        let cols = [Col::Fixed(10), Col::Text { need: 30, floor: 8 }, Col::Text { need: 12, floor: 8 }];
        // 100 wide: 6 of chrome, 10 fixed, 84 for text; the spare goes to the widest.
        assert_eq!(lengths(fit(100, &cols)), vec![10, 72, 12]);
        // 40 wide: 24 for text; the short column keeps its 12, the long one gets the rest.
        assert_eq!(lengths(fit(40, &cols)), vec![10, 12, 12]);
        let three =
            [Col::Text { need: 30, floor: 4 }, Col::Text { need: 6, floor: 4 }, Col::Text { need: 40, floor: 4 }];
        // 50 wide: 44 for text; 6 whole, then 19 each for the two long ones.
        assert_eq!(lengths(fit(50, &three)), vec![19, 6, 19]);
        // Narrower than the floors: they share what there is, and nothing panics.
        assert_eq!(lengths(fit(24, &cols)), vec![10, 4, 4]);
        assert_eq!(lengths(fit(5, &cols)), vec![10, 0, 0]);
    }
}
