//! Untrusted text is data: commit messages, paths, log fields and user agents
//! may carry terminal escape sequences or bidi overrides. Everything shown or
//! written passes through `clean` first.

/// Characters that change how text around them reads or measures without
/// showing themselves: bidirectional controls (a name can be made to read
/// backwards) and zero-width ones (a ZWJ or BOM breaks column widths).
pub fn invisible(c: char) -> bool {
    matches!(c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
        | '\u{200b}'..='\u{200d}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{00ad}' | '\u{2028}' | '\u{2029}')
}

/// Replace control characters (C0, DEL, C1) with a visible `�` and show the
/// invisible ones by their code point (`⟨U+202E⟩`); tabs become a space.
/// Escape sequences lose their ESC and so become inert text.
pub fn clean(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c if invisible(c) => out.push_str(&format!("⟨U+{:04X}⟩", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// JSON text with the characters a terminal or editor would act on or hide —
/// C1 controls, bidirectional and zero-width characters — written as `\uXXXX`
/// escapes: the same string to any JSON reader, inert to a human's tools.
pub fn json_escape_invisible(json: String) -> String {
    let acted_on = |c: char| invisible(c) || ('\u{80}'..='\u{9f}').contains(&c);
    if !json.chars().any(acted_on) {
        return json;
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if acted_on(c) {
            out.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
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
        assert_eq!(clean("a\u{202e}b\u{200d}c\u{9b}"), "a⟨U+202E⟩b⟨U+200D⟩c\u{fffd}");
        assert_eq!(json_escape_invisible("\"a\u{2066}\u{85}\"".into()), "\"a\\u2066\\u0085\"");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(common_folder(["a/b/c.json", "a/b/d/e.json"].into_iter()), "a/b");
    }
}
