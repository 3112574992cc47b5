//! A streaming JSON reader that knows where it is.
//!
//! Plans can be hundreds of megabytes, usually on one line: the reader pulls
//! bytes through a fixed buffer, counts lines and columns (in characters) as
//! it goes, and lets the caller decide, value by value, whether to build a
//! located [`Node`], read a scalar, or skip (skipping allocates nothing). No
//! position is ever computed from a byte offset, which on a 200 MB line
//! would cost a scan of the line per lookup.

use std::io::Read;

use crate::model::{Entry, KeyInterner, Node, Value};
use crate::source::{Pos, Span};

/// Nesting deeper than this in a value that is built is refused.
pub const MAX_DEPTH: usize = 256;
/// Nesting deeper than this in a value that is skipped is refused.
const MAX_SKIP_DEPTH: usize = 100_000;
const BUFFER: usize = 1 << 16;

/// A syntax or read error at a position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonError {
    pub pos: Pos,
    pub message: String,
}

pub type Result<T> = std::result::Result<T, JsonError>;

pub struct Reader<R> {
    src: R,
    buf: Box<[u8]>,
    at: usize,
    len: usize,
    line: u32,
    col: u32,
    io_error: Option<String>,
    /// Bytes consumed so far.
    consumed: u64,
    keys: KeyInterner,
}

impl<R: Read> Reader<R> {
    pub fn new(src: R) -> Self {
        Reader {
            src,
            buf: vec![0; BUFFER].into_boxed_slice(),
            at: 0,
            len: 0,
            line: 1,
            col: 1,
            io_error: None,
            consumed: 0,
            keys: KeyInterner::default(),
        }
    }

    /// Where the next byte is.
    pub fn pos(&self) -> Pos {
        Pos::new(self.line, self.col)
    }

    /// Bytes read so far.
    pub fn consumed(&self) -> u64 {
        self.consumed
    }

    pub fn error(&self, message: impl Into<String>) -> JsonError {
        JsonError {
            pos: self.pos(),
            message: message.into(),
        }
    }

    fn eof_error(&self) -> JsonError {
        match &self.io_error {
            Some(e) => self.error(format!("cannot read: {e}")),
            None => self.error("unexpected end of input"),
        }
    }

    #[inline]
    fn peek_raw(&mut self) -> Option<u8> {
        if self.at < self.len {
            Some(self.buf[self.at])
        } else {
            self.refill()
        }
    }

    #[cold]
    fn refill(&mut self) -> Option<u8> {
        if self.io_error.is_some() {
            return None;
        }
        loop {
            match self.src.read(&mut self.buf) {
                Ok(0) => {
                    self.at = 0;
                    self.len = 0;
                    return None;
                }
                Ok(n) => {
                    self.at = 0;
                    self.len = n;
                    return Some(self.buf[0]);
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    self.io_error = Some(e.to_string());
                    self.at = 0;
                    self.len = 0;
                    return None;
                }
            }
        }
    }

    /// Consume `b`, the byte at the cursor.
    #[inline]
    fn bump(&mut self, b: u8) {
        self.at += 1;
        self.consumed += 1;
        if b == b'\n' {
            self.line += 1;
            self.col = 1;
        } else if b & 0xC0 != 0x80 {
            self.col += 1;
        }
    }

    /// Skip a UTF-8 byte order mark at the start.
    pub fn skip_bom(&mut self) {
        if self.peek_raw() == Some(0xEF) {
            for _ in 0..3 {
                if self.peek_raw().is_some() {
                    self.at += 1;
                    self.consumed += 1;
                }
            }
        }
    }

    /// The next byte that is not whitespace, not consumed.
    #[inline]
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(b) = self.peek_raw() {
            match b {
                b' ' | b'\t' | b'\r' | b'\n' => self.bump(b),
                _ => return Some(b),
            }
        }
        None
    }

    fn peek_some(&mut self) -> Result<u8> {
        self.peek().ok_or_else(|| self.eof_error())
    }

    fn expect(&mut self, want: u8) -> Result<()> {
        match self.peek() {
            Some(b) if b == want => {
                self.bump(b);
                Ok(())
            }
            Some(b) => Err(self.error(format!(
                "expected '{}', found {}",
                want as char,
                describe(b)
            ))),
            None => Err(self.eof_error()),
        }
    }

    /// After the last value: only whitespace may follow.
    pub fn end(&mut self) -> Result<()> {
        match self.peek() {
            None if self.io_error.is_some() => Err(self.eof_error()),
            None => Ok(()),
            Some(b) => Err(self.error(format!(
                "unexpected {} after the end of the JSON value",
                describe(b)
            ))),
        }
    }

    /// Iterate an object: `f` is called with each key and its span, and must
    /// consume the value. Returns the object's span.
    pub fn object<F>(&mut self, mut f: F) -> Result<Span>
    where
        F: FnMut(&mut Self, String, Span) -> Result<()>,
    {
        let start = self.pos_before_ws()?;
        self.expect(b'{')?;
        let mut first = true;
        loop {
            let b = self.peek_some()?;
            if b == b'}' {
                self.bump(b);
                return Ok(Span::new(start, self.pos()));
            }
            if !first {
                if b != b',' {
                    return Err(self.error(format!(
                        "expected ',' or '}}' in an object, found {}",
                        describe(b)
                    )));
                }
                self.bump(b);
            }
            first = false;
            let (key, key_span) = self.key()?;
            f(self, key, key_span)?;
        }
    }

    /// Iterate an array: `f` is called with each index and must consume the
    /// element. Returns the array's span.
    pub fn array<F>(&mut self, mut f: F) -> Result<Span>
    where
        F: FnMut(&mut Self, usize) -> Result<()>,
    {
        let start = self.pos_before_ws()?;
        self.expect(b'[')?;
        let mut i = 0;
        loop {
            let b = self.peek_some()?;
            if b == b']' {
                self.bump(b);
                return Ok(Span::new(start, self.pos()));
            }
            if i > 0 {
                if b != b',' {
                    return Err(self.error(format!(
                        "expected ',' or ']' in an array, found {}",
                        describe(b)
                    )));
                }
                self.bump(b);
            }
            f(self, i)?;
            i += 1;
        }
    }

    fn pos_before_ws(&mut self) -> Result<Pos> {
        self.peek_some()?;
        Ok(self.pos())
    }

    /// A key and the `:` after it.
    fn key(&mut self) -> Result<(String, Span)> {
        let b = self.peek_some()?;
        if b != b'"' {
            return Err(self.error(format!(
                "expected a string key in an object, found {}",
                describe(b)
            )));
        }
        let start = self.pos();
        let mut out = Vec::new();
        self.string_into(Some(&mut out))?;
        let span = Span::new(start, self.pos());
        self.expect(b':')?;
        Ok((bytes_to_string(out), span))
    }

    /// Whether the next value is `null` (then consumed).
    pub fn null(&mut self) -> Result<bool> {
        if self.peek_some()? == b'n' {
            self.literal(b"null")?;
            return Ok(true);
        }
        Ok(false)
    }

    /// A string value (or `None` for any other value, which is skipped).
    pub fn string(&mut self) -> Result<Option<(String, Span)>> {
        if self.peek_some()? != b'"' {
            self.skip()?;
            return Ok(None);
        }
        let start = self.pos();
        let mut out = Vec::new();
        self.string_into(Some(&mut out))?;
        Ok(Some((bytes_to_string(out), Span::new(start, self.pos()))))
    }

    /// A boolean value (or `None` for any other value, which is skipped).
    pub fn boolean(&mut self) -> Result<Option<bool>> {
        match self.peek_some()? {
            b't' => self.literal(b"true").map(|_| Some(true)),
            b'f' => self.literal(b"false").map(|_| Some(false)),
            _ => self.skip().map(|_| None),
        }
    }

    /// The first byte of the next value (`{`, `[`, `"`, …), not consumed.
    pub fn next_byte(&mut self) -> Result<u8> {
        self.peek_some()
    }

    /// Read a string's body (the cursor is at its opening quote), appending
    /// the decoded bytes to `out` when given.
    fn string_into(&mut self, mut out: Option<&mut Vec<u8>>) -> Result<()> {
        self.bump(b'"');
        loop {
            if self.at >= self.len && self.refill().is_none() {
                return Err(self.error("unterminated string"));
            }
            let (n, cols, stopped) = {
                let chunk = &self.buf[self.at..self.len];
                let mut cols = 0u32;
                let mut n = chunk.len();
                for (i, &b) in chunk.iter().enumerate() {
                    if b == b'"' || b == b'\\' || b < 0x20 {
                        n = i;
                        break;
                    }
                    if b & 0xC0 != 0x80 {
                        cols += 1;
                    }
                }
                if let Some(o) = out.as_deref_mut() {
                    o.extend_from_slice(&chunk[..n]);
                }
                (n, cols, n < chunk.len())
            };
            self.at += n;
            self.consumed += n as u64;
            self.col += cols;
            if !stopped {
                continue;
            }
            let b = self.buf[self.at];
            match b {
                b'"' => {
                    self.bump(b);
                    return Ok(());
                }
                b'\\' => {
                    self.bump(b);
                    self.escape(out.as_deref_mut())?;
                }
                _ => return Err(self.error("control character in a string")),
            }
        }
    }

    fn escape(&mut self, out: Option<&mut Vec<u8>>) -> Result<()> {
        let Some(e) = self.peek_raw() else {
            return Err(self.error("unterminated string"));
        };
        self.bump(e);
        let c = match e {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => {
                let hi = self.hex4()?;
                if (0xD800..0xDC00).contains(&hi) {
                    // A surrogate pair: `\uD83D\uDE00`.
                    if self.peek_raw() == Some(b'\\') {
                        self.bump(b'\\');
                        if self.peek_raw() != Some(b'u') {
                            return Err(self.error("invalid escape after a high surrogate"));
                        }
                        self.bump(b'u');
                        let lo = self.hex4()?;
                        let code =
                            0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF);
                        char::from_u32(code).unwrap_or('\u{FFFD}')
                    } else {
                        '\u{FFFD}'
                    }
                } else {
                    char::from_u32(hi).unwrap_or('\u{FFFD}')
                }
            }
            other => {
                return Err(self.error(format!("invalid escape '\\{}'", other as char)));
            }
        };
        if let Some(o) = out {
            let mut tmp = [0u8; 4];
            o.extend_from_slice(c.encode_utf8(&mut tmp).as_bytes());
        }
        Ok(())
    }

    fn hex4(&mut self) -> Result<u32> {
        let mut v = 0u32;
        for _ in 0..4 {
            let Some(b) = self.peek_raw() else {
                return Err(self.error("unterminated string"));
            };
            let d = (b as char)
                .to_digit(16)
                .ok_or_else(|| self.error("invalid \\u escape"))?;
            self.bump(b);
            v = v * 16 + d;
        }
        Ok(v)
    }

    fn literal(&mut self, word: &[u8]) -> Result<()> {
        for &w in word {
            match self.peek_raw() {
                Some(b) if b == w => self.bump(b),
                _ => {
                    return Err(self.error(format!(
                        "invalid literal (expected {})",
                        String::from_utf8_lossy(word)
                    )))
                }
            }
        }
        Ok(())
    }

    /// A number's text.
    fn number_text(&mut self) -> Result<String> {
        let mut s = String::new();
        while let Some(b) = self.peek_raw() {
            if b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                s.push(b as char);
                self.bump(b);
            } else {
                break;
            }
        }
        let valid = {
            let digits = s.strip_prefix('-').unwrap_or(&s);
            digits.starts_with(|c: char| c.is_ascii_digit()) && s.parse::<f64>().is_ok()
        };
        if !valid {
            return Err(self.error(format!("invalid number {s:?}")));
        }
        Ok(s)
    }

    /// Skip one value, checking its syntax, allocating nothing.
    pub fn skip(&mut self) -> Result<()> {
        let mut stack: Vec<u8> = Vec::new();
        loop {
            // A value starts here.
            let b = self.peek_some()?;
            match b {
                b'{' | b'[' => {
                    if stack.len() >= MAX_SKIP_DEPTH {
                        return Err(self.error("nesting is too deep"));
                    }
                    self.bump(b);
                    let close = if b == b'{' { b'}' } else { b']' };
                    stack.push(close);
                    let next = self.peek_some()?;
                    if next == close {
                        self.bump(next);
                        stack.pop();
                    } else {
                        if close == b'}' {
                            self.skip_key()?;
                        }
                        continue;
                    }
                }
                b'"' => self.string_into(None)?,
                b't' => self.literal(b"true")?,
                b'f' => self.literal(b"false")?,
                b'n' => self.literal(b"null")?,
                b'-' | b'0'..=b'9' => {
                    self.skip_number()?;
                }
                other => {
                    return Err(self.error(format!("expected a value, found {}", describe(other))))
                }
            }
            // After a value: close containers, or go on to the next element.
            loop {
                let Some(&close) = stack.last() else {
                    return Ok(());
                };
                let b = self.peek_some()?;
                if b == close {
                    self.bump(b);
                    stack.pop();
                } else if b == b',' {
                    self.bump(b);
                    if close == b'}' {
                        self.skip_key()?;
                    }
                    break;
                } else {
                    return Err(self.error(format!(
                        "expected ',' or '{}', found {}",
                        close as char,
                        describe(b)
                    )));
                }
            }
        }
    }

    fn skip_key(&mut self) -> Result<()> {
        let b = self.peek_some()?;
        if b != b'"' {
            return Err(self.error(format!(
                "expected a string key in an object, found {}",
                describe(b)
            )));
        }
        self.string_into(None)?;
        self.expect(b':')
    }

    fn skip_number(&mut self) -> Result<()> {
        let mut seen = false;
        while let Some(b) = self.peek_raw() {
            if b.is_ascii_digit() {
                seen = true;
            } else if !matches!(b, b'-' | b'+' | b'.' | b'e' | b'E') {
                break;
            }
            self.bump(b);
        }
        if seen {
            Ok(())
        } else {
            Err(self.error("invalid number"))
        }
    }

    /// Build the next value as a located node. `null` entries of objects are
    /// left out when `drop_nulls` (absent and null mean the same to rules).
    pub fn node(&mut self, depth: usize, drop_nulls: bool) -> Result<Node> {
        if depth > MAX_DEPTH {
            return Err(self.error(format!("nesting deeper than {MAX_DEPTH} levels")));
        }
        let b = self.peek_some()?;
        let start = self.pos();
        let value = match b {
            b'{' => {
                let mut entries = Vec::new();
                let span = self.object(|r, key, key_span| {
                    let value = r.node(depth + 1, drop_nulls)?;
                    if !(drop_nulls && value.value == Value::Null) {
                        entries.push(Entry {
                            key: r.keys.intern(&key),
                            key_span,
                            value,
                        });
                    }
                    Ok(())
                })?;
                entries.shrink_to_fit();
                return Ok(Node::new(Value::Map(entries), span));
            }
            b'[' => {
                let mut items = Vec::new();
                let span = self.array(|r, _| {
                    items.push(r.node(depth + 1, drop_nulls)?);
                    Ok(())
                })?;
                items.shrink_to_fit();
                return Ok(Node::new(Value::Seq(items), span));
            }
            b'"' => {
                let mut out = Vec::new();
                self.string_into(Some(&mut out))?;
                Value::Str(bytes_to_string(out).into_boxed_str())
            }
            b't' => {
                self.literal(b"true")?;
                Value::Bool(true)
            }
            b'f' => {
                self.literal(b"false")?;
                Value::Bool(false)
            }
            b'n' => {
                self.literal(b"null")?;
                Value::Null
            }
            b'-' | b'0'..=b'9' => {
                let text = self.number_text()?;
                match text.parse::<i64>() {
                    Ok(i) => Value::Int(i),
                    Err(_) => {
                        let f: f64 = text.parse().unwrap_or(0.0);
                        if f.fract() == 0.0 && f.abs() < 9.0e15 {
                            Value::Int(f as i64)
                        } else {
                            Value::Float(f)
                        }
                    }
                }
            }
            other => return Err(self.error(format!("expected a value, found {}", describe(other)))),
        };
        Ok(Node::new(value, Span::new(start, self.pos())))
    }
}

fn bytes_to_string(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn describe(b: u8) -> String {
    if b.is_ascii_graphic() {
        format!("'{}'", b as char)
    } else {
        format!("byte 0x{b:02x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reader(s: &str) -> Reader<&[u8]> {
        Reader::new(s.as_bytes())
    }

    #[test]
    fn positions_are_counted_in_characters() {
        let mut r = reader("{\n  \"é\": \"ü\", \"b\": [1, 2.5, true, null]\n}");
        let n = r.node(0, false).unwrap();
        let e = &n.entries()[0];
        assert_eq!(e.key_span, Span::new(Pos::new(2, 3), Pos::new(2, 6)));
        assert_eq!(e.value.span, Span::new(Pos::new(2, 8), Pos::new(2, 11)));
        assert_eq!(e.value.as_str(), Some("ü"));
        let b = &n.entries()[1].value;
        assert_eq!(b.items()[1].value, Value::Float(2.5));
        assert_eq!(b.items()[0].span.start, Pos::new(2, 19));
        assert_eq!(n.span, Span::new(Pos::new(1, 1), Pos::new(3, 2)));
        r.end().unwrap();
    }

    #[test]
    fn escapes() {
        let mut r = reader(r#""a\"b\\\n\u00e9\ud83d\ude00/\/""#);
        let n = r.node(0, false).unwrap();
        assert_eq!(n.as_str(), Some("a\"b\\\né😀//"));
    }

    #[test]
    fn skip_checks_syntax_and_positions_continue() {
        let mut r = reader("[{\"a\": [1, {\"b\": \"x\\\"]\"}], \"c\": {}}, 7]");
        r.skip().unwrap();
        r.end().unwrap();
        for bad in [
            "[1, 2",
            "{\"a\" 1}",
            "[1,]",
            "{\"a\": tru}",
            "\"abc",
            "[1 2]",
            "-",
        ] {
            let mut r = reader(bad);
            assert!(r.skip().is_err(), "{bad}");
        }
        let mut r = reader("[1] x");
        r.skip().unwrap();
        assert!(r.end().is_err());
    }

    #[test]
    fn nulls_dropped_from_objects_only() {
        let mut r = reader(r#"{"a": null, "b": [null], "c": 1}"#);
        let n = r.node(0, true).unwrap();
        assert_eq!(n.entries().len(), 2);
        assert_eq!(n.get("b").unwrap().items()[0].value, Value::Null);
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000) + &"]".repeat(100_000);
        assert!(reader(&deep).node(0, false).is_err());
        let deeper = "[".repeat(200_000) + &"]".repeat(200_000);
        assert!(reader(&deeper).skip().is_err());
        let ok = "[".repeat(50_000) + &"]".repeat(50_000);
        reader(&ok).skip().unwrap();
    }

    #[test]
    fn small_reads() {
        // A reader that returns one byte at a time crosses every boundary.
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
                if self.0.is_empty() || buf.is_empty() {
                    return Ok(0);
                }
                buf[0] = self.0[0];
                self.0 = &self.0[1..];
                Ok(1)
            }
        }
        let text = "{\"k\": \"v\\u00e9w\", \"n\": -12e2}";
        let mut r = Reader::new(OneByte(text.as_bytes()));
        let n = r.node(0, false).unwrap();
        assert_eq!(n.get("k").unwrap().as_str(), Some("véw"));
        assert_eq!(n.get("n").unwrap().value, Value::Int(-1200));
    }
}
