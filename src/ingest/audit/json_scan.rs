//! A validating JSON scanner for the few fields an audit record is read for.
//!
//! serde's derived readers spend most of a large log's time visiting fields
//! they then throw away. This scanner walks a record once, checks its syntax
//! as strictly as serde_json does, hands the caller the plain strings it asks
//! for and skips everything else. It never guesses: wherever it is not sure
//! to read a record exactly as serde would (an escape in a wanted string, a
//! number, a surrogate escape, deep nesting, a duplicate key), it gives up and
//! the caller reads the line with serde instead. So it can make reading faster
//! but never change what is read.

/// Deeper nesting than this is left to serde (its own limit is 128).
const MAX_DEPTH: usize = 64;

pub struct Scanner<'a> {
    text: &'a str,
    at: usize,
    depth: usize,
}

/// Where the scanner gave up; the caller reads the line another way.
pub type Scan<T> = Option<T>;

impl<'a> Scanner<'a> {
    pub fn new(text: &'a str) -> Self {
        Self { text, at: 0, depth: 0 }
    }

    fn bytes(&self) -> &'a [u8] {
        self.text.as_bytes()
    }

    fn peek(&self) -> Option<u8> {
        self.bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    fn eat(&mut self, byte: u8) -> Scan<()> {
        self.skip_space();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// Nothing but whitespace is left.
    pub fn end(&mut self) -> Scan<()> {
        self.skip_space();
        (self.at == self.text.len()).then_some(())
    }

    /// The next value is a string without escapes: its text.
    pub fn plain_string(&mut self) -> Scan<&'a str> {
        self.skip_space();
        if self.peek()? != b'"' {
            return None;
        }
        let start = self.at + 1;
        let rest = self.bytes().get(start..)?;
        let len = string_stop(rest)?;
        if rest[len] != b'"' {
            return None;
        }
        self.at = start + len + 1;
        self.text.get(start..start + len)
    }

    /// Skip a string, escapes and all, checking it as serde_json would.
    fn skip_string(&mut self) -> Scan<()> {
        // At the opening quote.
        self.at += 1;
        loop {
            let rest = self.bytes().get(self.at..)?;
            let len = string_stop(rest)?;
            if rest[len] < 0x20 {
                return None;
            }
            self.at += len + 1;
            if rest[len] == b'"' {
                return Some(());
            }
            match self.peek()? {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.at += 1,
                b'u' => {
                    let hex = self.text.get(self.at + 1..self.at + 5)?;
                    let code =
                        u16::from_str_radix(hex, 16).ok().filter(|_| hex.bytes().all(|b| b.is_ascii_hexdigit()))?;
                    // Surrogates: serde's rules for pairing them are its own.
                    if (0xD800..0xE000).contains(&code) {
                        return None;
                    }
                    self.at += 5;
                }
                _ => return None,
            }
        }
    }

    /// What kind of value comes next, without consuming it.
    pub fn next_kind(&mut self) -> Scan<Kind> {
        self.skip_space();
        Some(match self.peek()? {
            b'"' => Kind::String,
            b'{' => Kind::Object,
            b'[' => Kind::Array,
            b'n' => Kind::Null,
            b't' | b'f' => Kind::Bool,
            b'-' | b'0'..=b'9' => Kind::Number,
            _ => return None,
        })
    }

    /// Skip any value, checking its syntax (numbers by JSON's grammar, as
    /// serde_json checks a number it ignores).
    pub fn skip_value(&mut self) -> Scan<()> {
        match self.next_kind()? {
            Kind::String => self.skip_string(),
            Kind::Null => self.literal("null"),
            Kind::Bool => self.literal("true").or_else(|| self.literal("false")),
            Kind::Object => self.object(|s, _| s.skip_value()),
            Kind::Array => self.sequence(b'[', b']', Self::skip_value),
            Kind::Number => self.skip_number(),
        }
    }

    /// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, within a double's
    /// range (a tree of values refuses `1e999`; so does every reading here).
    fn skip_number(&mut self) -> Scan<()> {
        let start = self.at;
        self.number_syntax()?;
        in_range(self.text.get(start..self.at)?).then_some(())
    }

    fn number_syntax(&mut self) -> Scan<()> {
        if self.peek() == Some(b'-') {
            self.at += 1;
        }
        match self.peek()? {
            b'0' => {
                self.at += 1;
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return None;
                }
            }
            b'1'..=b'9' => self.digits(),
            _ => return None,
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.at += 1;
            }
            self.peek().filter(u8::is_ascii_digit)?;
            self.digits();
        }
        Some(())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.at += 1;
        }
    }

    fn literal(&mut self, word: &str) -> Scan<()> {
        self.text.get(self.at..)?.starts_with(word).then(|| self.at += word.len())
    }

    fn enter(&mut self) -> Scan<()> {
        self.depth += 1;
        (self.depth <= MAX_DEPTH).then_some(())
    }

    /// An object: `member` is called with each key (keys with escapes are
    /// given up on) and must consume the value.
    pub fn object(&mut self, mut member: impl FnMut(&mut Self, &'a str) -> Scan<()>) -> Scan<()> {
        self.sequence(b'{', b'}', |s| {
            let key = s.plain_string()?;
            s.eat(b':')?;
            member(s, key)
        })
    }

    /// `open`, items separated by commas (each read by `item`), `close`.
    fn sequence(&mut self, open: u8, close: u8, mut item: impl FnMut(&mut Self) -> Scan<()>) -> Scan<()> {
        self.enter()?;
        self.eat(open)?;
        self.skip_space();
        if self.peek()? != close {
            loop {
                item(self)?;
                self.skip_space();
                match self.peek()? {
                    b',' => self.at += 1,
                    b if b == close => break,
                    _ => return None,
                }
            }
        }
        self.at += 1;
        self.depth -= 1;
        Some(())
    }
}

/// Whether a number's value is a finite double, as serde_json requires of
/// every number it reads into a value. Only an exponent or hundreds of
/// digits can leave the range: the rest are not parsed.
fn in_range(number: &str) -> bool {
    let long = number.len() > 300;
    if !long && !number.bytes().any(|b| b == b'e' || b == b'E') {
        return true;
    }
    number.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Deeper than this a tree of values is refused (serde_json's limit).
const SERDE_DEPTH: usize = 128;

/// What serde_json refuses in a tree of values but passes over in a field
/// it ignores: a number out of a double's range (`1e999`) and nesting 128
/// deep. A record read field by field is held to the same rules, so that it
/// is rejected, or not, whichever reader and line it meets.
pub fn within_value_limits(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let (mut depth, mut at) = (0usize, 0);
    while let Some(&b) = bytes.get(at) {
        match b {
            b'"' => {
                at += 1;
                // Past the string, escapes and all (its syntax is the parser's to check).
                while let Some(stop) = bytes.get(at..).and_then(|rest| memchr::memchr2(b'"', b'\\', rest)) {
                    at += stop + 1;
                    if bytes[at - 1] == b'"' {
                        break;
                    }
                    at += 1;
                }
                continue;
            }
            b'[' | b'{' => {
                depth += 1;
                if depth >= SERDE_DEPTH {
                    return Err(format!(
                        "malformed JSON: recursion limit exceeded (nested {SERDE_DEPTH} deep) at column {}",
                        at + 1
                    ));
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            b'-' | b'0'..=b'9' => {
                let len = bytes[at..]
                    .iter()
                    .position(|c| !matches!(c, b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9'))
                    .unwrap_or(bytes.len() - at);
                if !text.get(at..at + len).is_some_and(in_range) {
                    return Err(format!("malformed JSON: number out of range at column {}", at + 1));
                }
                at += len;
                continue;
            }
            _ => {}
        }
        at += 1;
    }
    Ok(())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    String,
    Object,
    Array,
    Null,
    Bool,
    Number,
}

/// Where a string's text stops: at its closing quote, an escape, or a byte
/// below 0x20 (which JSON does not allow raw inside a string). Sixteen bytes
/// at a time where the CPU has SSE2 (every x86-64 does): most keys of a log
/// fit in one step. Then eight at a time, then byte by byte.
#[inline]
fn string_stop(bytes: &[u8]) -> Option<usize> {
    #[cfg(target_arch = "x86_64")]
    let at = {
        let mut at = 0;
        while let Some(chunk) = bytes.get(at..).and_then(<[u8]>::first_chunk::<16>) {
            let marks = sse2::stops(chunk);
            if marks != 0 {
                return Some(at + marks.trailing_zeros() as usize);
            }
            at += 16;
        }
        at
    };
    #[cfg(not(target_arch = "x86_64"))]
    let at = 0;
    string_stop_from(bytes, at)
}

#[cfg(target_arch = "x86_64")]
mod sse2 {
    use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_max_epu8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };

    /// One bit for each of 16 bytes that is a quote, a backslash or below 0x20.
    #[inline]
    pub(super) fn stops(chunk: &[u8; 16]) -> u32 {
        // SAFETY: SSE2 is part of x86-64 itself, and the load reads the 16
        // bytes of the array (unaligned loads are allowed).
        unsafe {
            let v = _mm_loadu_si128(chunk.as_ptr().cast::<__m128i>());
            let quote = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'"' as i8));
            let backslash = _mm_cmpeq_epi8(v, _mm_set1_epi8(b'\\' as i8));
            // Unsigned v <= 0x1f exactly where max(v, 0x1f) == 0x1f.
            let low = _mm_set1_epi8(0x1f);
            let control = _mm_cmpeq_epi8(_mm_max_epu8(v, low), low);
            _mm_movemask_epi8(_mm_or_si128(_mm_or_si128(quote, backslash), control)) as u32
        }
    }
}

/// `string_stop` from `at` on, eight bytes at a time.
fn string_stop_from(bytes: &[u8], mut at: usize) -> Option<usize> {
    const ONES: u64 = u64::from_le_bytes([0x01; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    let zero_byte = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let w = u64::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3], chunk[4], chunk[5], chunk[6], chunk[7]]);
        // Each test can mark bytes after its first true one, never before it.
        let marks = zero_byte(w ^ (ONES * u64::from(b'"')))
            | zero_byte(w ^ (ONES * u64::from(b'\\')))
            | (w.wrapping_sub(ONES * 0x20) & !w & HIGHS);
        if marks != 0 {
            return Some(at + (marks.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    bytes[at..].iter().position(|b| *b == b'"' || *b == b'\\' || *b < 0x20).map(|i| at + i)
}

/// Marks the keys an object has shown, so that a repeated one is caught
/// (serde rejects a record with a duplicate field).
#[derive(Default)]
pub struct Seen(u64);

impl Seen {
    /// False if field `i` was already seen.
    pub fn first(&mut self, i: u32) -> bool {
        let bit = 1u64 << i;
        let first = self.0 & bit == 0;
        self.0 |= bit;
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn skips(text: &str) -> bool {
        let mut s = Scanner::new(text);
        s.skip_value().is_some() && s.end().is_some()
    }

    #[test]
    fn valid_json_is_skipped_and_invalid_is_given_up_on() {
        for ok in [
            r#"{}"#,
            r#" { "a" : [ ] , "b":{"c":[true,false,null,"x\"\\\/\b\f\n\r\t\u0041"]}} "#,
            r#"["é",{"k":"日本"}]"#,
            r#"[0,-0,1.5,-12e3,4E+2,0.25e-7,1e-400,123456789012345678901234567890]"#,
        ] {
            assert!(skips(ok), "{ok}");
        }
        for bad in [
            r#"[01]"#,
            r#"[1.]"#,
            r#"[-]"#,
            r#"[.5]"#,
            r#"[1e]"#,
            r#"[+1]"#,
            r#"[1.5e+]"#,
            r#"{"a":"b",}"#,
            r#"{"a" "b"}"#,
            "{\"a\":\"tab\there\"}",
            r#"{"a":"\x"}"#,
            r#"{"a":"\u00G1"}"#,
            r#"{"a":"\uD83D\uDE00"}"#,
            r#"{"a":nul}"#,
            r#"{"a":[1,]}"#,
            r#"{"a":"b"} x"#,
            r#"{"a":"b""#,
            r#"{"a":["#,
            r#"{"\u0061":"b"}"#,
            r#"[1e400]"#,
            r#"[-1.8e308]"#,
        ] {
            assert!(!skips(bad), "{bad}");
        }
        let deep = "[".repeat(100) + &"]".repeat(100);
        assert!(!skips(&deep));
    }

    /// Held to serde_json's own limits on a tree of values, number by number and level by level.
    #[test]
    fn the_limits_of_a_tree_of_values_are_serde_jsons() {
        let long = "9".repeat(400);
        for number in [
            "1e308",
            "1.7976931348623157e308",
            "1.7976931348623159e308",
            "1.8e308",
            "1e999",
            "-1e999",
            "1e-999",
            "0e99999",
            &long,
            "1.5",
            "123456789012345678901234567890",
            "1E+308",
            "10e307",
            "0.1e310",
        ] {
            let text = format!("{{\"x\":[{number}],\"s\":\"1e999 \\\" [[[\"}}");
            let serde = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            assert_eq!(within_value_limits(&text).is_ok(), serde, "{number}");
            assert_eq!(in_range(number), serde, "{number}");
        }
        for depth in 120..136 {
            let text = format!("{{\"a\":{}1{}}}", "[".repeat(depth), "]".repeat(depth));
            let serde = serde_json::from_str::<serde_json::Value>(&text).is_ok();
            assert_eq!(within_value_limits(&text).is_ok(), serde, "depth {depth}");
        }
    }

    #[test]
    fn a_string_stops_at_its_first_quote_escape_or_control_byte() {
        // Past two SIMD steps and the eight-byte steps after them.
        for len in 0..48 {
            for at in 0..len {
                for stop in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    let mut bytes = vec![b'a'; len];
                    bytes[at] = stop;
                    if at + 1 < len {
                        bytes[at + 1] = b'"';
                    }
                    assert_eq!(string_stop(&bytes), Some(at), "{len} {at} {stop}");
                }
            }
            let mut bytes = "é日".repeat(len).into_bytes();
            bytes.push(b' ');
            assert_eq!(string_stop(&bytes), None);
            // Bytes above 0x7f (UTF-8) are text, and never hide a stop after them.
            bytes.push(b'"');
            assert_eq!(string_stop(&bytes), Some(bytes.len() - 1));
        }
    }

    #[test]
    fn string_stop_agrees_with_a_byte_by_byte_reading_on_every_byte_value() {
        let reference = |b: &[u8]| b.iter().position(|c| *c == b'"' || *c == b'\\' || *c < 0x20);
        for stop in 0..=255u8 {
            for at in [0, 7, 15, 16, 23, 31, 40] {
                let mut bytes = vec![b'a'; 41];
                bytes[at] = stop;
                assert_eq!(string_stop(&bytes), reference(&bytes), "byte {stop:#x} at {at}");
            }
        }
    }

    #[test]
    fn plain_strings_are_given_whole_and_escaped_ones_are_not() {
        let mut s = Scanner::new(r#"  "AKIA…" "a\"b""#);
        assert_eq!(s.plain_string(), Some("AKIA…"));
        assert_eq!(s.plain_string(), None);
        let mut seen = Seen::default();
        assert!(seen.first(3) && seen.first(4) && !seen.first(3));
    }
}
