//! How JSON records really arrive: one object a line, an array, a wrapper object
//! (`{"Records":[…]}`), back-to-back pretty-printed objects, an optional prefix
//! before each line's JSON, and any of these gzip-compressed. Each record keeps
//! the line it started on so that a rejection can name it.

use std::io::Read;

use serde_json::Value;

use crate::model::Rejected;

/// A parsed record and the 1-based line it starts on.
pub type Located = (usize, Value);

/// The bytes of a file, decompressed when they are gzip (whatever the name
/// says); `None` when they inflate past `max` (a gzip bomb stops there).
pub fn decompress(bytes: Vec<u8>, max: u64) -> std::io::Result<Option<Vec<u8>>> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let guess = (bytes.len() as u64).saturating_mul(8).min(max) as usize;
        let mut out = Vec::with_capacity(guess);
        flate2::read::MultiGzDecoder::new(&bytes[..]).take(max.saturating_add(1)).read_to_end(&mut out)?;
        Ok((out.len() as u64 <= max).then_some(out))
    } else {
        Ok((bytes.len() as u64 <= max).then_some(bytes))
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
    let mut stream = serde_json::Deserializer::from_slice(&buf[pos..]).into_iter::<Value>();
    match stream.next() {
        Some(Ok(v)) => Ok((v, pos + stream.byte_offset())),
        Some(Err(e)) => Err(e),
        None => Err(serde::de::Error::custom("unexpected end of input")),
    }
}

/// Every record in `buf`, and every part that could not be read.
pub fn records(buf: &[u8]) -> (Vec<Located>, Vec<Rejected>) {
    let buf = buf.strip_prefix(b"\xef\xbb\xbf").unwrap_or(buf);
    let lines = Lines::new(buf);
    let mut out = Vec::new();
    let mut rejected = Vec::new();
    let mut pos = skip_ws(buf, 0);
    let in_array = buf.get(pos) == Some(&b'[');
    let mut json_lines: Option<bool> = None;
    if in_array {
        pos += 1;
    }
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
                Some(i) => pos += i,
                None => {
                    rejected.push(Rejected { line: lines.line_of(pos), message: "not JSON".to_string() });
                    pos = end;
                    continue;
                }
            }
        }
        let line_end = lines.next_line_start(pos).unwrap_or(buf.len());
        // JSON lines: once the first record fits on its line, every record must.
        let parsed = match (in_array, json_lines) {
            (false, Some(true)) => {
                serde_json::from_slice::<Value>(&buf[pos..line_end]).map(|v| (v, line_end)).map_err(|e| (e, line_end))
            }
            _ => parse_one(buf, pos).map_err(|e| {
                let end = lines.next_line_start(pos).unwrap_or(buf.len());
                (e, end)
            }),
        };
        match parsed {
            Ok((value, next)) => {
                if json_lines.is_none() && !in_array {
                    json_lines = Some(lines.line_of(next.saturating_sub(1).max(pos)) == lines.line_of(pos));
                }
                let line = lines.line_of(pos);
                match unwrap_wrapper(value) {
                    Ok(items) => out.extend(items.into_iter().map(|v| (line, v))),
                    Err(v) => out.push((line, v)),
                }
                pos = next;
            }
            Err((e, end)) => {
                let offset = if json_lines == Some(true) { 0 } else { e.line().saturating_sub(1) };
                let line = lines.line_of(pos) + offset;
                rejected.push(Rejected { line, message: format!("malformed JSON: {e}") });
                if in_array {
                    break;
                }
                // Resynchronise on the next line that starts a record.
                let mut next = end;
                while next < buf.len() && buf[next] != b'{' {
                    next = lines.next_line_start(next).unwrap_or(buf.len());
                }
                pos = next;
            }
        }
    }
    (out, rejected)
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
        assert_eq!(records(lines).0.len(), 2);
        let array = b"[\n {\"a\":1},\n {\"a\":2}\n]";
        let (recs, _) = records(array);
        assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![2, 3]);
        let wrapper = br#"{"Records":[{"a":1},{"a":2},{"a":3}]}"#;
        assert_eq!(records(wrapper).0.len(), 3);
        let pretty = b"{\n \"a\": 1\n}\n{\n \"a\": 2\n}\n";
        let (recs, _) = records(pretty);
        assert_eq!(recs.iter().map(|r| r.0).collect::<Vec<_>>(), vec![1, 4]);
        let prefixed = b"vault: {\"a\":1}\n";
        assert_eq!(records(prefixed).0.len(), 1);
    }

    #[test]
    fn a_bad_line_is_rejected_and_reading_goes_on() {
        let (recs, rejected) = records(b"{\"a\":1}\n{\"a\":\n{\"a\":3}\n");
        assert_eq!(recs.len(), 2);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].line, 2);
    }
}
