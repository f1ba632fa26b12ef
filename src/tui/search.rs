//! Search over a pane's rows: each pane's row text, lower-cased, kept in one
//! contiguous arena built once a case arrives, so a keystroke scans bytes
//! rather than formatting a million rows; a query that extends the last one
//! narrows its matches instead of scanning again.

use memchr::memmem;
use regex::{Regex, RegexBuilder};

/// What the user typed: a case-insensitive substring, or a regex after `~`.
#[derive(Debug, Clone)]
pub enum Query {
    Plain { typed: String, lower: String, shown: Regex },
    Pattern { typed: String, regex: Regex },
}

impl Query {
    /// `None` for an empty query; an error names what is wrong with a regex.
    pub fn parse(typed: &str) -> Result<Option<Query>, String> {
        if let Some(pattern) = typed.strip_prefix('~') {
            if pattern.is_empty() {
                return Ok(None);
            }
            let regex = RegexBuilder::new(pattern)
                .case_insensitive(true)
                .size_limit(1 << 20)
                .build()
                .map_err(|e| format!("not a regex: {}", first_line(&e.to_string())))?;
            return Ok(Some(Query::Pattern { typed: typed.to_string(), regex }));
        }
        if typed.is_empty() {
            return Ok(None);
        }
        let shown = RegexBuilder::new(&regex::escape(typed))
            .case_insensitive(true)
            .build()
            .map_err(|e| first_line(&e.to_string()).to_string())?;
        Ok(Some(Query::Plain { typed: typed.to_string(), lower: typed.to_lowercase(), shown }))
    }

    pub fn typed(&self) -> &str {
        match self {
            Query::Plain { typed, .. } | Query::Pattern { typed, .. } => typed,
        }
    }

    /// Whether every row this query matches is among those `earlier` matched.
    pub fn narrows(&self, earlier: &Query) -> bool {
        match (self, earlier) {
            (Query::Plain { lower, .. }, Query::Plain { lower: before, .. }) => lower.contains(before.as_str()),
            _ => false,
        }
    }

    /// Byte ranges of `text` (as shown) that match, for highlighting.
    pub fn ranges(&self, text: &str) -> Vec<(usize, usize)> {
        let regex = match self {
            Query::Plain { shown, .. } => shown,
            Query::Pattern { regex, .. } => regex,
        };
        regex.find_iter(text).filter(|m| !m.is_empty()).map(|m| (m.start(), m.end())).take(64).collect()
    }

    fn is_match(&self, lower_row: &str) -> bool {
        match self {
            Query::Plain { lower, .. } => memmem::find(lower_row.as_bytes(), lower.as_bytes()).is_some(),
            Query::Pattern { regex, .. } => regex.is_match(lower_row),
        }
    }
}

fn first_line(s: &str) -> &str {
    s.lines().find(|l| l.contains("error")).unwrap_or_else(|| s.lines().next().unwrap_or(s))
}

/// Every row's text of one pane, lower-cased, one after another.
#[derive(Debug, Clone, Default)]
pub struct TextIndex {
    text: String,
    /// Where each row starts in `text`; one more entry marks the end.
    starts: Vec<usize>,
}

impl TextIndex {
    pub fn build(rows: impl Iterator<Item = String>) -> Self {
        let mut text = String::new();
        let mut starts = vec![0];
        for row in rows {
            for c in row.chars() {
                // A newline inside a row would join it to the next.
                if c == '\n' {
                    text.push(' ');
                } else {
                    text.extend(c.to_lowercase());
                }
            }
            text.push('\n');
            starts.push(text.len());
        }
        Self { text, starts }
    }

    /// Several indexes of consecutive rows, one after another, as one.
    pub fn concat(parts: Vec<TextIndex>) -> Self {
        let mut out = TextIndex { text: String::new(), starts: vec![0] };
        for part in parts {
            let base = out.text.len();
            out.text.push_str(&part.text);
            out.starts.extend(part.starts.iter().skip(1).map(|s| s + base));
        }
        out
    }

    pub fn len(&self) -> usize {
        self.starts.len().saturating_sub(1)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn row(&self, i: usize) -> &str {
        match (self.starts.get(i), self.starts.get(i + 1)) {
            (Some(&a), Some(&b)) => &self.text[a..b - 1],
            _ => "",
        }
    }

    /// The first row at or after `from` that matches (wrapping to the top), among
    /// `candidates` when given: what typing needs, without counting every match.
    pub fn first(&self, query: &Query, candidates: Option<&[u32]>, from: u32) -> Option<u32> {
        if let Some(rows) = candidates {
            let at = rows.partition_point(|&r| r < from);
            let (after, before) = (&rows[at..], &rows[..at]);
            return after.iter().chain(before).copied().find(|&i| query.is_match(self.row(i as usize)));
        }
        if let Query::Plain { lower, .. } = query {
            let finder = memmem::Finder::new(lower.as_bytes());
            let bytes = self.text.as_bytes();
            let start = self.starts.get(from as usize).copied().unwrap_or(0).min(bytes.len());
            let found = finder.find(&bytes[start..]).map(|p| p + start).or_else(|| finder.find(&bytes[..start]));
            return found.map(|pos| self.starts.partition_point(|&s| s <= pos).saturating_sub(1) as u32);
        }
        let n = self.len() as u32;
        (from..n).chain(0..from.min(n)).find(|&i| query.is_match(self.row(i as usize)))
    }

    /// The rows that match, in order: among `candidates` when given (a filter's
    /// rows, or an earlier query's matches), else among all.
    pub fn find(&self, query: &Query, candidates: Option<&[u32]>) -> Vec<u32> {
        match (query, candidates) {
            (_, Some(rows)) => rows.iter().copied().filter(|&i| query.is_match(self.row(i as usize))).collect(),
            (Query::Plain { lower, .. }, None) => {
                let mut out: Vec<u32> = Vec::new();
                let finder = memmem::Finder::new(lower.as_bytes());
                let bytes = self.text.as_bytes();
                let mut at = 0;
                while let Some(found) = finder.find(&bytes[at..]) {
                    let pos = at + found;
                    let row = self.starts.partition_point(|&s| s <= pos).saturating_sub(1);
                    out.push(row as u32);
                    // The rest of this row cannot add a match: go on from the next row.
                    at = self.starts.get(row + 1).copied().unwrap_or(bytes.len());
                    if at >= bytes.len() {
                        break;
                    }
                }
                out
            }
            (Query::Pattern { .. }, None) => {
                (0..self.len()).filter(|&i| query.is_match(self.row(i))).map(|i| i as u32).collect()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index() -> TextIndex {
        TextIndex::build(
            ["45.148.10.62\tarn:aws:iam::1:user/Hannah", "10.0.0.1\tagent", "45.148.10.99\tÉcole"]
                .into_iter()
                .map(String::from),
        )
    }

    #[test]
    fn substrings_match_whatever_the_case_and_regexes_follow_a_tilde() {
        let ix = index();
        let q = |s: &str| Query::parse(s).unwrap().unwrap();
        assert_eq!(ix.find(&q("45.148"), None), vec![0, 2]);
        assert_eq!(ix.find(&q("HANNAH"), None), vec![0]);
        assert_eq!(ix.find(&q("école"), None), vec![2]);
        assert_eq!(ix.find(&q("~^10\\."), None), vec![1]);
        assert_eq!(ix.find(&q("~\\.(62|99)\\b"), None), vec![0, 2]);
        // A dot is literal in a plain search.
        assert!(ix.find(&q("45x148"), None).is_empty());
        assert_eq!(ix.find(&q("45.148"), Some(&[2])), vec![2]);
        assert_eq!(ix.first(&q("45.148"), None, 1), Some(2));
        assert_eq!(ix.first(&q("45.148"), None, 3), Some(0), "wraps to the top");
        assert_eq!(ix.first(&q("~^10"), None, 2), Some(1));
        assert_eq!(ix.first(&q("45"), Some(&[0, 1]), 1), Some(0));
        assert_eq!(ix.first(&q("nothing"), None, 0), None);
        assert!(Query::parse("~(").is_err());
        assert!(Query::parse("").unwrap().is_none());
    }

    #[test]
    fn indexes_of_consecutive_rows_join_into_one() {
        let rows = ["a1", "b2", "c3", "d4", "e5"];
        let whole = TextIndex::build(rows.iter().map(|s| s.to_string()));
        let parts = vec![
            TextIndex::build(rows[..2].iter().map(|s| s.to_string())),
            TextIndex::build(rows[2..].iter().map(|s| s.to_string())),
        ];
        let joined = TextIndex::concat(parts);
        assert_eq!((joined.text.as_str(), joined.starts.as_slice()), (whole.text.as_str(), whole.starts.as_slice()));
        assert_eq!(joined.find(&Query::parse("d4").unwrap().unwrap(), None), vec![3]);
    }

    #[test]
    fn a_longer_query_narrows_the_shorter_ones_matches() {
        let q = |s: &str| Query::parse(s).unwrap().unwrap();
        assert!(q("45.148.10.6").narrows(&q("45.148")));
        assert!(!q("45.1").narrows(&q("45.148")));
        assert!(!q("~45").narrows(&q("45")));
        assert_eq!(q("hannah").ranges("user/Hannah and HANNAH"), vec![(5, 11), (16, 22)]);
    }
}
