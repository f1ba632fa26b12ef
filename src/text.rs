//! Untrusted text is data: commit messages, paths, log fields and user agents
//! may carry terminal escape sequences or bidi overrides. Everything shown or
//! written passes through `clean` first.

/// Replace control characters (C0, DEL, C1) and bidirectional overrides with a
/// visible `�`; tabs become a space. Escape sequences lose their ESC and so
/// become inert text.
pub fn clean(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\t' => ' ',
            c if c.is_control() => '\u{fffd}',
            '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' => '\u{fffd}',
            c => c,
        })
        .collect()
}

/// `clean`, line by line: the line breaks are kept.
pub fn clean_lines(s: &str) -> String {
    s.split_inclusive('\n')
        .map(|line| match line.strip_suffix('\n') {
            Some(body) => clean(body) + "\n",
            None => clean(line),
        })
        .collect()
}

/// `clean`, then cut to `max` characters with an ellipsis.
pub fn clip(s: &str, max: usize) -> String {
    let cleaned = clean(s);
    if cleaned.chars().count() <= max {
        return cleaned;
    }
    let mut out: String = cleaned.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// The longest folder that holds every path (`a/b/c.json`, `a/b/d/e.json` → `a/b`).
pub fn common_folder<'a>(mut paths: impl Iterator<Item = &'a str>) -> String {
    let Some(first) = paths.next() else { return String::new() };
    let mut prefix: Vec<&str> = first.split('/').collect();
    prefix.pop();
    for p in paths {
        let same = prefix.iter().zip(p.split('/')).take_while(|(a, b)| *a == b).count();
        prefix.truncate(same);
    }
    prefix.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_are_neutralised() {
        assert_eq!(clean("ok\x1b[31mred\x07"), "ok\u{fffd}[31mred\u{fffd}");
        assert_eq!(clean("a\u{202e}b"), "a\u{fffd}b");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(common_folder(["a/b/c.json", "a/b/d/e.json"].into_iter()), "a/b");
    }
}
