//! The `{"Records":[…]}` object CloudTrail delivers to S3, cut into its
//! records as the bytes arrive, so that a file of any size is read in the
//! memory of a few records. Only the wrapper's own structure is checked here
//! (brackets, strings, its keys, a `Records` key given once); each record is
//! then read strictly by the line parser, as a JSON line would be.
//!
//! Framing is decided per top-level object: one with a `Records` key is a
//! wrapper of records, one without is a record itself (pipelines mix JSON
//! lines and wrappers in one file). A line between objects that is not JSON
//! is a rejection of its own, and reading goes on at the next line.

/// One record: its bytes in the buffer fed, the 1-based line it starts on and
/// its 1-based place in its wrapper's array (0: a top-level object, a record
/// of its own). With `fault`, what stood there could not be a record, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub line: usize,
    pub number: usize,
    pub fault: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the opening `{`.
    Lead,
    /// Inside the top object, where a key or `}` comes.
    KeyOrClose,
    /// Inside a key's string.
    Key,
    Colon,
    /// Where a top-level value starts.
    Value,
    /// Where a record or the `]` of `Records` comes.
    ElementOrClose,
    /// Between records: `,` or `]`.
    AfterElement,
    /// After a top-level value: `,` or `}`.
    AfterValue,
    /// After the closing `}`: whitespace, or another top-level object.
    Trailing,
    /// Passing over the rest of a line that is not JSON (rejected already).
    SkipLine,
    /// Passing over the rest of a top-level object that broke (rejected
    /// already, where it starts), up to the next line that starts with `{`.
    Resync,
    Broken,
}

/// A value being passed over: a record, or the value of another key.
#[derive(Debug, Default)]
struct Skipping {
    /// The brackets open inside the value.
    open: Vec<u8>,
    in_string: bool,
    escaped: bool,
    /// A number, `true`, `false` or `null`, collected to check it.
    scalar: Vec<u8>,
}

#[derive(Debug)]
pub struct Splitter {
    state: State,
    /// The line of the next byte.
    line: usize,
    key: Vec<u8>,
    key_escaped: bool,
    /// Keys of the top object so far.
    keys: usize,
    /// The current top-level value is `Records`.
    in_records: bool,
    skipping: Option<Skipping>,
    /// Where the record being read started in the buffer, its line and number.
    record: Option<(usize, usize)>,
    /// Where the current top-level object started and its line, while it has
    /// shown no `Records` key: then it is a record itself.
    object: Option<(usize, usize)>,
    /// Top-level objects that held a `Records` key.
    pub wrappers: usize,
    /// In `Resync`: the next byte starts a line.
    line_start: bool,
    /// Records of the current wrapper's array so far.
    records: usize,
    /// The lines where a `Records` key stood in the current object.
    records_keys: Vec<usize>,
    /// The lines of the first two `Records` keys of one object, where an
    /// object had two.
    pub duplicate: Option<(usize, usize)>,
    /// Why and where the wrapper's structure broke.
    pub broken: Option<(usize, String)>,
}

impl Default for Splitter {
    fn default() -> Self {
        Self::new()
    }
}

impl Splitter {
    pub fn new() -> Self {
        Splitter {
            state: State::Lead,
            line: 1,
            key: Vec::new(),
            key_escaped: false,
            keys: 0,
            in_records: false,
            skipping: None,
            record: None,
            object: None,
            wrappers: 0,
            line_start: false,
            records: 0,
            records_keys: Vec::new(),
            duplicate: None,
            broken: None,
        }
    }

    /// Where the unfinished record starts in the buffer last fed: the bytes
    /// from there on must be fed again, at the start of the next buffer.
    pub fn pending(&self) -> Option<usize> {
        match (self.record, self.object) {
            (Some((a, _)), Some((b, _))) => Some(a.min(b)),
            (a, b) => a.or(b).map(|(start, _)| start),
        }
    }

    /// The buffer is about to be cut at `at` (the pending record's start).
    pub fn rebase(&mut self, at: usize) {
        for (start, _) in self.record.iter_mut().chain(self.object.iter_mut()) {
            *start -= at;
        }
    }

    /// The whole object has been read.
    pub fn complete(&self) -> bool {
        self.state == State::Trailing
    }

    /// The input ended: what was left open, if anything.
    pub fn finish(&mut self) {
        if self.broken.is_some() || matches!(self.state, State::Trailing | State::Resync | State::SkipLine) {
            return;
        }
        // The damaged record is named by the line it starts on.
        self.broken = Some(match (self.record, self.object, self.state) {
            (Some((_, line)), ..) => {
                (line, format!("the file ends inside record {} (line {line} to {})", self.records + 1, self.line))
            }
            (None, Some((_, line)), _) => (line, format!("the file ends inside the record at line {line}")),
            (None, None, State::Lead) => (self.line, "the file is empty".to_string()),
            _ => (self.line, "the file ends before its JSON closes".to_string()),
        });
    }

    /// The structure broke. Inside a top-level record (no wrapper around it)
    /// only that record is lost: it is rejected and reading goes on at the
    /// next line that starts with `{`. Elsewhere the rest of the file is lost.
    fn fail(&mut self, why: impl Into<String>, at: usize, out: &mut Vec<Span>) {
        let why = why.into();
        self.skipping = None;
        self.record = None;
        if let Some((start, line)) = self.object.take() {
            out.push(Span { start, end: at, line, number: 0, fault: Some(format!("malformed JSON: {why}")) });
            self.state = State::Resync;
            self.line_start = false;
            return;
        }
        self.state = State::Broken;
        self.broken = Some((self.line, why));
    }

    /// A top-level value ends: a record itself where it showed no `Records` key.
    fn object_done(&mut self, end: usize, out: &mut Vec<Span>) {
        self.state = State::Trailing;
        if let Some((start, line)) = self.object.take() {
            out.push(Span { start, end, line, number: 0, fault: None });
        }
    }

    /// A line between top-level values that is not JSON, from `at`: rejected,
    /// and reading goes on at the next line that starts with `{`.
    fn not_json(&mut self, buf: &[u8], at: usize, out: &mut Vec<Span>) {
        let end = memchr::memchr(b'\n', &buf[at..]).map_or(buf.len(), |k| at + k);
        out.push(Span { start: at, end, line: self.line, number: 0, fault: Some("not JSON".to_string()) });
        self.state = State::SkipLine;
    }

    /// A top-level object starts at `at`.
    fn object_starts(&mut self, at: usize) {
        self.state = State::KeyOrClose;
        self.keys = 0;
        self.records_keys.clear();
        self.object = Some((at, self.line));
    }

    /// Read `buf[from..]`, appending each record that ends in it to `out`
    /// (offsets into `buf`).
    pub fn feed(&mut self, buf: &[u8], from: usize, out: &mut Vec<Span>) {
        let mut i = from;
        while i < buf.len() {
            if self.state == State::Broken {
                return;
            }
            let b = buf[i];
            if let Some(sk) = &self.skipping
                && sk.in_string
                && !sk.escaped
                && !matches!(b, b'"' | b'\\' | b'\n')
            {
                // Most of a record is inside strings: pass over them at memchr's pace.
                i = memchr::memchr3(b'"', b'\\', b'\n', &buf[i..]).map_or(buf.len(), |k| i + k);
                continue;
            }
            if self.skipping.is_some() {
                if self.skip_byte(b, i, out) {
                    i += 1;
                }
                continue;
            }
            if b == b'\n' {
                self.line += 1;
            }
            if self.state == State::SkipLine {
                if b == b'\n' {
                    self.state = State::Trailing;
                }
                i += 1;
                continue;
            }
            if self.state == State::Resync {
                // A `{` that starts a line (indented or not) begins the next record;
                // the rest of the broken line is passed over.
                if b == b'{' && self.line_start {
                    self.object_starts(i);
                }
                self.line_start = b == b'\n' || (self.line_start && b.is_ascii_whitespace());
                i += 1;
                continue;
            }
            match self.state {
                State::Lead => match b {
                    b'{' => self.object_starts(i),
                    // A byte-order mark before the JSON.
                    0xEF | 0xBB | 0xBF if i < 3 => {}
                    _ if b.is_ascii_whitespace() => {}
                    _ => self.not_json(buf, i, out),
                },
                State::KeyOrClose => match b {
                    b'"' => {
                        self.keys += 1;
                        self.state = State::Key;
                        self.key.clear();
                        self.key_escaped = false;
                    }
                    // `{}`, but not `{"a":1,}`.
                    b'}' if self.keys == 0 => self.object_done(i + 1, out),
                    _ if b.is_ascii_whitespace() => {}
                    _ => {
                        self.fail("a key was expected", i, out);
                        continue;
                    }
                },
                State::Key => {
                    if self.key_escaped {
                        self.key_escaped = false;
                        self.key.push(b);
                    } else if b == b'"' {
                        self.state = State::Colon;
                        self.in_records = self.key_is_records();
                        if self.in_records {
                            // A wrapper: its records are the array's elements, not itself.
                            if self.object.take().is_some() {
                                self.wrappers += 1;
                            }
                            self.records_keys.push(self.line);
                            if let [first, second] = self.records_keys[..] {
                                self.duplicate = self.duplicate.or(Some((first, second)));
                            }
                        }
                    } else {
                        if b == b'\\' {
                            self.key_escaped = true;
                        }
                        if self.key.len() < 256 {
                            self.key.push(b);
                        }
                    }
                }
                State::Colon => match b {
                    b':' => self.state = State::Value,
                    _ if b.is_ascii_whitespace() => {}
                    _ => {
                        self.fail("`:` was expected after a key", i, out);
                        continue;
                    }
                },
                State::Value => match b {
                    _ if b.is_ascii_whitespace() => {}
                    b'[' if self.in_records => {
                        // Records are numbered within their own array.
                        self.records = 0;
                        self.state = State::ElementOrClose;
                    }
                    _ if self.in_records => return self.fail("`Records` is not an array", i, out),
                    _ => {
                        self.skipping = Some(Skipping::default());
                        continue;
                    }
                },
                State::ElementOrClose => match b {
                    _ if b.is_ascii_whitespace() => {}
                    // `[]`, in this wrapper (an earlier one may have had records).
                    b']' if self.records == 0 => self.state = State::AfterValue,
                    b']' => return self.fail("`,` before `]`", i, out),
                    _ => {
                        self.record = Some((i, self.line));
                        self.skipping = Some(Skipping::default());
                        continue;
                    }
                },
                State::AfterElement => match b {
                    b',' => self.state = State::ElementOrClose,
                    b']' => self.state = State::AfterValue,
                    _ if b.is_ascii_whitespace() => {}
                    _ => return self.fail("`,` or `]` was expected after a record", i, out),
                },
                State::AfterValue => match b {
                    b',' => self.state = State::KeyOrClose,
                    b'}' => self.object_done(i + 1, out),
                    _ if b.is_ascii_whitespace() => {}
                    _ => {
                        self.fail("`,` or `}` was expected", i, out);
                        continue;
                    }
                },
                State::Trailing => match b {
                    // Wrapper files concatenated, or records of their own, one a line.
                    b'{' => self.object_starts(i),
                    _ if b.is_ascii_whitespace() => {}
                    _ => self.not_json(buf, i, out),
                },
                State::SkipLine | State::Resync | State::Broken => return,
            }
            i += 1;
        }
    }

    fn key_is_records(&self) -> bool {
        if !self.key.contains(&b'\\') {
            return self.key == b"Records";
        }
        let mut quoted = Vec::with_capacity(self.key.len() + 2);
        quoted.push(b'"');
        quoted.extend_from_slice(&self.key);
        quoted.push(b'"');
        serde_json::from_slice::<String>(&quoted).is_ok_and(|k| k == "Records")
    }

    /// One byte of a value being passed over; `false` when the byte ends a
    /// scalar and belongs to what follows (it is read again).
    fn skip_byte(&mut self, b: u8, at: usize, out: &mut Vec<Span>) -> bool {
        let Some(s) = self.skipping.as_mut() else { return true };
        let in_scalar =
            !s.in_string && (!s.scalar.is_empty() || (s.open.is_empty() && !matches!(b, b'"' | b'{' | b'[')));
        if in_scalar && (matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace()) {
            let scalar = std::mem::take(&mut s.scalar);
            if serde_json::from_slice::<serde::de::IgnoredAny>(&scalar).is_err() {
                self.fail("a value that is not JSON", at, out);
                // Seen again: a newline that ended it still counts.
                return false;
            }
            self.value_done(at, out);
            // The byte that ended it belongs to what follows.
            return false;
        }
        if b == b'\n' {
            // (A raw newline inside a string is not JSON; the record's own
            // reader rejects it. The count of lines goes on.)
            self.line += 1;
        }
        if in_scalar {
            if s.scalar.len() < 64 {
                s.scalar.push(b);
            }
            return true;
        }
        if s.in_string {
            if s.escaped {
                s.escaped = false;
            } else if b == b'\\' {
                s.escaped = true;
            } else if b == b'"' {
                s.in_string = false;
                if s.open.is_empty() {
                    self.value_done(at + 1, out);
                }
            }
            return true;
        }
        match b {
            b'"' => s.in_string = true,
            b'{' | b'[' => {
                // No cap on the depth here (the stack is a byte a level, within
                // --max-line): a record nested too deep is the record reader's
                // to reject, as at any other place, not the end of the file.
                s.open.push(b);
            }
            b'}' | b']' => {
                let opener = if b == b'}' { b'{' } else { b'[' };
                if s.open.pop() != Some(opener) {
                    self.fail(format!("`{}` closes what it did not open", b as char), at, out);
                    return false;
                }
                if s.open.is_empty() {
                    self.value_done(at + 1, out);
                }
            }
            _ => {}
        }
        true
    }

    /// The value being passed over ended just before `end`.
    fn value_done(&mut self, end: usize, out: &mut Vec<Span>) {
        self.skipping = None;
        if self.in_records && self.state == State::ElementOrClose {
            if let Some((start, line)) = self.record.take() {
                self.records += 1;
                out.push(Span { start, end, line, number: self.records, fault: None });
            }
            self.state = State::AfterElement;
        } else {
            self.state = State::AfterValue;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(text: &str) -> (Vec<String>, Splitter) {
        let mut s = Splitter::new();
        let mut out = Vec::new();
        s.feed(text.as_bytes(), 0, &mut out);
        s.finish();
        (out.iter().map(|sp| text[sp.start..sp.end].to_string()).collect(), s)
    }

    #[test]
    fn cuts_the_array_into_its_records() {
        let (records, s) = split(r#"{"Records":[{"a":"}]"},{"b":[1,{"c":"\"{"}]}]}"#);
        assert_eq!(records, [r#"{"a":"}]"}"#, r#"{"b":[1,{"c":"\"{"}]}"#]);
        assert!(s.complete() && s.broken.is_none());
        let (records, s) = split(
            "\u{feff}{\n \"x\": {\"Records\": 1},\n \"Records\": [\n  {\"a\": 1},\n  {\"a\": 2}\n ],\n \"n\": -1.5e3\n}\n",
        );
        assert_eq!(records.len(), 2);
        assert!(s.complete(), "{:?}", s.broken);
        assert_eq!(s.records_keys, [3]);
        assert_eq!(s.duplicate, None);
        let (records, s) = split(r#"{"Records":[]}"#);
        assert!(records.is_empty() && s.complete());
    }

    #[test]
    fn a_record_cut_across_buffers_is_fed_again_whole() {
        let text = r#"{"Records":[{"a":"xxxxxxxxxx"},{"b":"yyyyyyyyyyyyyyyy"},{"c":1}]}"#.as_bytes();
        for cut in 1..text.len() {
            let mut s = Splitter::new();
            let mut got = Vec::new();
            let mut spans = Vec::new();
            s.feed(&text[..cut], 0, &mut spans);
            got.extend(spans.drain(..).map(|sp| text[sp.start..sp.end].to_vec()));
            let keep = s.pending().unwrap_or(cut);
            s.rebase(keep);
            let mut second = text[keep..cut].to_vec();
            let scanned = second.len();
            second.extend_from_slice(&text[cut..]);
            s.feed(&second, scanned, &mut spans);
            got.extend(spans.drain(..).map(|sp| second[sp.start..sp.end].to_vec()));
            s.finish();
            assert_eq!(got.len(), 3, "cut at {cut}");
            assert!(s.complete(), "cut at {cut}: {:?}", s.broken);
        }
    }

    /// Each span as (line, number, fault).
    fn spans(text: &str) -> (Vec<(usize, usize, Option<String>)>, Splitter) {
        let mut s = Splitter::new();
        let mut out = Vec::new();
        s.feed(text.as_bytes(), 0, &mut out);
        s.finish();
        (out.into_iter().map(|sp| (sp.line, sp.number, sp.fault)).collect(), s)
    }

    /// Framing per top-level object: a wrapper's records, or the object itself;
    /// a line that is not JSON, or a top-level record that breaks, is one
    /// rejection at its line and the next line starting with `{` is read.
    #[test]
    fn json_lines_and_wrappers_mixed_are_each_read_at_their_line() {
        let text = "{\"a\":1}\n{\"Records\":[{\"b\":1},{\"b\":2}]}\n{\"a\":2}\n\n{\n \"a\": 3\n}\n{}\n";
        let (found, s) = spans(text);
        let expected = [(1, 0, None), (2, 1, None), (2, 2, None), (3, 0, None), (5, 0, None), (8, 0, None)];
        assert_eq!(found, expected);
        assert!(s.complete() && s.broken.is_none() && s.wrappers == 1);
        let (found, s) =
            spans("{\"a\":1}\nnot json\n{\"a\":2,}\n  {\"x\": 1}\n{\"x\":tru}\n{\"Records\":[{\"b\":1}]}\n{\"a\":3}");
        let lines: Vec<(usize, usize, bool)> = found.iter().map(|(l, n, f)| (*l, *n, f.is_some())).collect();
        assert_eq!(
            lines,
            [(1, 0, false), (2, 0, true), (3, 0, true), (4, 0, false), (5, 0, true), (6, 1, false), (7, 0, false)]
        );
        assert_eq!(found[1].2.as_deref(), Some("not JSON"));
        assert!(found[2].2.as_deref().is_some_and(|f| f.contains("a key was expected")), "{found:?}");
        assert!(found[4].2.as_deref().is_some_and(|f| f.contains("not JSON")), "{found:?}");
        assert!(s.broken.is_none(), "{:?}", s.broken);
        // A top-level record cut short is named where it starts.
        // A later wrapper's records are numbered in their own array, and it may be empty.
        let (found, s) = spans("{\"Records\":[{},{}]}\n{\n \"Records\": []\n}\n{\"Records\":[{}]}\n");
        assert_eq!(found, [(1, 1, None), (1, 2, None), (5, 1, None)]);
        assert!(s.complete() && s.broken.is_none(), "{:?}", s.broken);
        let (found, s) = spans("{\"a\":1}\n{\"a\":");
        assert_eq!(found, [(1, 0, None)]);
        assert_eq!(s.broken, Some((2, "the file ends inside the record at line 2".to_string())));
        // Where a wrapper's own structure breaks, the rest of the file is still lost, and said.
        let (found, s) = spans("{\"Records\":[{\"a\":1} x]}\n{\"a\":2}\n");
        assert_eq!(found, [(1, 1, None)]);
        assert!(s.broken.is_some_and(|(line, why)| line == 1 && why.contains("after a record")));
    }

    #[test]
    fn damage_is_named_with_its_line_and_what_came_before_is_kept() {
        let (records, s) = split("{\"Records\":[\n{\"a\":1},\n{\"a\":2},\n{\"a\":");
        assert_eq!(records.len(), 2);
        assert_eq!(s.broken, Some((4, "the file ends inside record 3 (line 4 to 4)".to_string())));
        let (records, s) = split("{\"Records\":[{\"a\":1}],\n\"Records\":[{\"a\":2}]}");
        assert_eq!((records.len(), s.duplicate), (2, Some((1, 2))));
        let (records, s) = split("{\"Records\":[{\"a\":1}]}\n{\"Records\":[{\"a\":2}]}\n");
        assert_eq!((records.len(), s.duplicate), (2, None));
        assert!(s.complete());
        let (_, s) = split("{\"Records\":[{\"a\":1]}]}");
        assert!(s.broken.unwrap().1.contains("closes what it did not open"));
        let (_, s) = split("{\"Records\":{}}");
        assert!(s.broken.unwrap().1.contains("not an array"));
        let (found, s) = spans("[1]\nnot json\n  x\n{\"a\":1}");
        let not_json = || Some("not JSON".to_string());
        assert_eq!(found, [(1, 0, not_json()), (2, 0, not_json()), (3, 0, not_json()), (4, 0, None)]);
        assert!(s.broken.is_none());
        let (records, s) = split(&format!("{{\"Records\":[{}1{},{{}}]}}", "[".repeat(200), "]".repeat(200)));
        assert!(records.len() == 2 && s.complete(), "{:?}", s.broken);
    }
}
