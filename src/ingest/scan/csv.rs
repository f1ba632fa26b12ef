//! A small RFC 4180 reader: quoted fields, doubled quotes, newlines inside quotes.

/// Rows of fields, each with the 1-based line it starts on.
pub fn rows(text: &str) -> Vec<(usize, Vec<String>)> {
    let mut out = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut line = 1;
    let mut row_line = 1;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                out.push((row_line, std::mem::take(&mut row)));
                line += 1;
                row_line = line;
            }
            (false, '\r') => {}
            (_, c) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c);
            }
        }
    }
    if !field.is_empty() || !row.is_empty() {
        row.push(field);
        out.push((row_line, row));
    }
    out
}
