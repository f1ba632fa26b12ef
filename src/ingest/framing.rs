//! How JSON records really arrive: one object a line, an array, a wrapper object
//! (`{"Records":[…]}`), back-to-back pretty-printed objects, an optional prefix
//! before each line's JSON, and any of these gzip-compressed. Each record keeps
//! the line it started on so that a rejection can name it.

use std::io::Read;

use serde_json::Value;

use crate::model::Rejected;

/// A parsed record and the 1-based line it starts on.
pub type Located = (usize, Value);

/// A file's bytes as read: inflated when they were gzip, and why inflating
/// stopped early (a truncated or damaged stream) if it did.
pub struct Inflated {
    pub bytes: Vec<u8>,
    pub cut_short: Option<String>,
}

/// The bytes of a file, decompressed when they are gzip (whatever the name
/// says); `None` when they inflate past `max` (a gzip bomb stops there). A
/// damaged stream keeps what inflated before the damage.
pub fn decompress(bytes: Vec<u8>, max: u64) -> Option<Inflated> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let guess = (bytes.len() as u64).saturating_mul(8).min(max) as usize;
        let mut out = Vec::with_capacity(guess);
        let result = flate2::read::MultiGzDecoder::new(&bytes[..]).take(max.saturating_add(1)).read_to_end(&mut out);
        let cut_short = result.err().map(|e| e.to_string());
        (out.len() as u64 <= max).then_some(Inflated { bytes: out, cut_short })
    } else {
        (bytes.len() as u64 <= max).then_some(Inflated { bytes, cut_short: None })
    }
}

/// Line numbers of byte offsets in a buffer.
pub struct Lines {
    starts: Vec<usize>,
}

impl Lines {
    pub fn new(buf: &[u8]) -> Self {
        let mut starts = vec![0];
        starts.extend(memchr_all(buf).map(|i| i + 1));
        Self { starts }
    }

    /// The 1-based line that holds `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }

    fn next_line_start(&self, offset: usize) -> Option<usize> {
        let i = self.line_of(offset);
        self.starts.get(i).copied()
    }
}

fn memchr_all(buf: &[u8]) -> impl Iterator<Item = usize> + '_ {
    memchr::memchr_iter(b'\n', buf)
}

fn skip_ws(buf: &[u8], mut pos: usize) -> usize {
    while pos < buf.len() && (buf[pos].is_ascii_whitespace() || buf[pos] == b',') {
        pos += 1;
    }
    pos
}

fn parse_one(buf: &[u8], pos: usize) -> Result<(Value, usize), serde_json::Error> {
    super::strict_json::first(&buf[pos..]).map(|(v, len)| (v, pos + len))
}

/// What a buffer held: its records, what could not be read, and the lines
/// whose JSON came after some other text (Vault's `prefix` option).
#[derive(Debug, Default)]
pub struct Framed {
    pub records: Vec<Located>,
    pub rejected: Vec<Rejected>,
    pub prefixed: Prefixed,
}

/// Lines whose JSON came after other text: how many, and the first.
#[derive(Debug, Default, Clone, Copy)]
pub struct Prefixed {
    pub count: usize,
    pub first: Option<usize>,
}

impl Prefixed {
    pub fn add(&mut self, line: usize) {
        self.count += 1;
        self.first = Some(self.first.map_or(line, |f| f.min(line)));
    }

    /// The note that says text before the JSON was passed over, if any was.
    pub fn note(&self) -> Option<String> {
        let first = self.first?;
        Some(format!(
            "{} line(s) had text before their JSON (first at line {first}); it was passed over, as Vault's `prefix` option writes it",
            self.count
        ))
    }
}

/// A serde_json error as a rejection: the line the record starts on names
/// it, and where inside it the error stands is said in the message.
fn rejection(lines: &Lines, pos: usize, e: &serde_json::Error) -> Rejected {
    let start = lines.line_of(pos);
    let text = e.to_string();
    // serde_json's text ends with " at line L column C", relative to the record.
    let what = text.rsplit_once(" at line ").map_or(text.as_str(), |(what, _)| what);
    let line = start + e.line().saturating_sub(1);
    let message = if e.line() > 1 {
        format!("malformed JSON at line {line}, column {}: {what}", e.column())
    } else {
        let column = pos - lines.starts[start - 1] + e.column();
        format!("malformed JSON at column {column}: {what}")
    };
    Rejected { line: start, message }
}

/// Whether the records are one a line: the first whole record found (from
/// `pos`, then at each line that starts with `{`) stands on one line, where a
/// pretty-printed one spans several. Broken first lines do not decide it.
fn looks_like_json_lines(buf: &[u8], lines: &Lines, pos: usize) -> bool {
    let mut start = pos;
    for _ in 0..20 {
        let end = lines.next_line_start(start).unwrap_or(buf.len());
        if super::strict_json::from_slice(&buf[start..end]).is_ok() {
            return true;
        }
        if parse_one(buf, start).is_ok() {
            return false;
        }
        let mut next = end;
        while next < buf.len() && buf[next] != b'{' {
            next = lines.next_line_start(next).unwrap_or(buf.len());
        }
        if next >= buf.len() {
            break;
        }
        start = next;
    }
    false
}

/// Every record in `buf`, and every part that could not be read.
pub fn records(buf: &[u8]) -> Framed {
    let buf = buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buf);
    let lines = Lines::new(buf);
    let mut out = Framed::default();
    let mut pos = skip_ws(buf, 0);
    let in_array = buf.get(pos) == Some(&b'[');
    if in_array {
        pos += 1;
    }
    let mut json_lines: Option<bool> = None;
    loop {
        pos = skip_ws(buf, pos);
        if pos >= buf.len() || (in_array && buf[pos] == b']') {
            break;
        }
        if !in_array && !matches!(buf[pos], b'{' | b'[') {
            // A prefix before the line's JSON (Vault's `prefix` option): skip to the
            // first `{` on this line, or reject the line if there is none.
            let end = lines.next_line_start(pos).unwrap_or(buf.len());
            match buf[pos..end].iter().position(|b| *b == b'{') {
                Some(i) => {
                    out.prefixed.add(lines.line_of(pos));
                    pos += i;
                }
                None => {
                    out.rejected.push(Rejected { line: lines.line_of(pos), message: "not JSON".to_string() });
                    pos = end;
                    continue;
                }
            }
        }
        if !in_array && json_lines.is_none() {
            json_lines = Some(looks_like_json_lines(buf, &lines, pos));
        }
        let line_end = lines.next_line_start(pos).unwrap_or(buf.len());
        let parsed = if json_lines == Some(true) {
            match super::strict_json::from_slice(&buf[pos..line_end]) {
                Ok(v) => Ok((v, line_end)),
                // A record that goes on past its line (pretty-printed among JSON
                // lines): read as one value where it reads whole, from its line.
                Err(e) if e.is_eof() => parse_one(buf, pos).map_err(|_| e),
                Err(e) => Err(e),
            }
        } else {
            parse_one(buf, pos)
        };
        match parsed {
            Ok((value, next)) => {
                let line = lines.line_of(pos);
                match unwrap_wrapper(value) {
                    Ok(items) => out.records.extend(items.into_iter().map(|v| (line, v))),
                    Err(v) => out.records.push((line, v)),
                }
                pos = next;
            }
            Err(e) => {
                out.rejected.push(rejection(&lines, pos, &e));
                if json_lines == Some(true) {
                    // Each line is a record of its own: the next is read as it stands.
                    pos = line_end;
                    continue;
                }
                if in_array {
                    // A value that is whole but refused (a key given twice) is passed over.
                    let mut stream =
                        serde_json::Deserializer::from_slice(&buf[pos..]).into_iter::<serde::de::IgnoredAny>();
                    match stream.next() {
                        Some(Ok(_)) => {
                            pos += stream.byte_offset();
                            continue;
                        }
                        _ => break,
                    }
                }
                // Broken on its own first line: the lines after it are read as they stand.
                if e.line() <= 1 {
                    pos = line_end;
                    continue;
                }
                // Broken further in: its other lines are passed over, up to the next
                // line that starts a record (the rejection names where it starts).
                let mut next = line_end;
                while next < buf.len() && buf[next] != b'{' {
                    next = lines.next_line_start(next).unwrap_or(buf.len());
                }
                pos = next;
            }
        }
    }
    out
}

/// `{"Records":[…]}` (CloudTrail) and `{"records":[…]}` (Azure) hold their records.
fn unwrap_wrapper(value: Value) -> Result<Vec<Value>, Value> {
    match value {
        Value::Object(mut map) if map.len() <= 2 => {
            for key in ["Records", "records"] {
                if matches!(map.get(key), Some(Value::Array(_)))
                    && let Some(Value::Array(items)) = map.remove(key)
                {
                    return Ok(items);
                }
            }
            Err(Value::Object(map))
        }
        Value::Array(items) => Ok(items),
        other => Err(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_framing() {
        let lines = b"{\"a\":1}\n{\"a\":2}\n";
        assert_eq!(records(lines).records.len(), 2);
        let array = b"[\n {\"a\":1},\n {\"a\":2}\n]";
        let recs = records(array).records;
        assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 3]);
        let wrapper = br#"{"Records":[{"a":1},{"a":2},{"a":3}]}"#;
        assert_eq!(records(wrapper).records.len(), 3);
        let pretty = b"{\n \"a\": 1\n}\n{\n \"a\": 2\n}\n";
        let recs = records(pretty).records;
        assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 4]);
        let prefixed = records(b"vault: {\"a\":1}\n");
        assert_eq!(prefixed.records.len(), 1);
        assert!(prefixed.prefixed.note().unwrap().contains("first at line 1"));
    }

    /// Framing per record: a pretty record among JSON lines is one record at the line it starts on.
    #[test]
    fn a_pretty_record_among_json_lines_is_one_record() {
        let framed = records(b"{\"a\":1}\n{\n \"a\": 2\n}\n{\"a\":3}\n{\"a\":\n{\"a\":5}\n");
        assert_eq!(framed.records.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 5, 7], "{:?}", framed.rejected);
        assert_eq!(framed.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), [6]);
        assert_eq!(framed.records[2].1["a"], 3);
        // Pretty records, one broken on its first line: each line after it is read as it stands.
        let framed = records(b"{\"a\": 1e999}\nnot json\nnor this\n{\n \"a\": 1\n}\n");
        assert_eq!(framed.rejected.iter().map(|r| r.line).collect::<Vec<_>>(), [1, 2, 3], "{:?}", framed.rejected);
        assert_eq!(framed.records.iter().map(|r| r.0).collect::<Vec<_>>(), [4]);
    }

    #[test]
    fn a_bad_line_is_rejected_and_reading_goes_on() {
        let framed = records(b"{\"a\":1}\n{\"a\":\n{\"a\":3}\n");
        assert_eq!(framed.records.len(), 2);
        assert_eq!(framed.rejected.len(), 1);
        assert_eq!(framed.rejected[0].line, 2);
    }

    /// Each bad line is its own rejection, at its own line, whichever line it is.
    #[test]
    fn neighbouring_bad_lines_are_each_named_at_their_line() {
        let framed = records(b"{\"a\":\nnot json\n{\"a\":2}\n{\"b\"}\n  {\"a\":3}\n{\"a\":4,\"a\":5}\n{\"a\":6}");
        let lines: Vec<usize> = framed.rejected.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 2, 4, 6], "{:?}", framed.rejected);
        assert_eq!(framed.records.iter().map(|r| r.0).collect::<Vec<_>>(), [3, 5, 7]);
        assert!(framed.rejected[2].message.starts_with("malformed JSON at column 5"), "{:?}", framed.rejected);
        // A pretty record broken inside: named where it starts, the error's own line said.
        let framed = records(b"{\n \"a\": 1\n}\n{\n \"a\": 2,\n \"b\" 3\n}\n{\n \"a\": 4\n}\n");
        assert_eq!(framed.rejected.len(), 1, "{:?}", framed.rejected);
        assert_eq!(framed.rejected[0].line, 4);
        assert!(framed.rejected[0].message.contains("at line 6"), "{:?}", framed.rejected);
        assert_eq!(framed.records.len(), 2);
        // An array element refused for a key given twice is passed over, not the rest.
        let framed = records(br#"[{"a":1},{"a":2,"a":3},{"a":4}]"#);
        assert_eq!((framed.records.len(), framed.rejected.len()), (2, 1));
    }
}
