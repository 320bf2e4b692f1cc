//! Character classes and small lexers from the RFC 3261 §25 grammar.
//!
//! Everything here works on `&str`/bytes and returns indices or errors; nothing panics on any
//! input. Header values handed to these helpers may still contain folding (`CRLF` followed by
//! whitespace), so "linear white space" here means space, tab, CR and LF.

use std::borrow::Cow;

const fn token_table() -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        t[i] = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.' | b'!' | b'%' | b'*' | b'_' | b'+' | b'`' | b'\'' | b'~'
            );
        i += 1;
    }
    t
}

static TOKEN: [bool; 256] = token_table();

/// `token` characters: alphanumerics and `-.!%*_+`'~`.
#[inline]
pub fn is_token_char(b: u8) -> bool {
    TOKEN[usize::from(b)]
}

/// `word` characters (Call-ID): token characters plus `()<>:\"/[]?{}`.
#[inline]
pub fn is_word_char(b: u8) -> bool {
    is_token_char(b)
        || matches!(
            b,
            b'(' | b')'
                | b'<'
                | b'>'
                | b':'
                | b'\\'
                | b'"'
                | b'/'
                | b'['
                | b']'
                | b'?'
                | b'{'
                | b'}'
        )
}

/// Linear white space as it may appear inside an unfolded-or-folded header value.
#[inline]
pub fn is_lws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

/// True when `s` is a non-empty `token`.
pub fn is_token(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(is_token_char)
}

/// Strips linear white space (including folding) from both ends.
pub fn trim_lws(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii() && is_lws(c as u8))
}

/// Index of the first non-LWS byte at or after `i`.
pub fn skip_lws(s: &[u8], mut i: usize) -> usize {
    while let Some(&b) = s.get(i) {
        if !is_lws(b) {
            break;
        }
        i += 1;
    }
    i
}

/// Index just past a `quoted-string` whose opening quote is at `start`, or `None` when it is
/// not terminated.
pub fn quoted_end(s: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while let Some(&b) = s.get(i) {
        match b {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// Decodes the content of a quoted string (without the quotes): removes `\` of quoted-pairs.
pub fn unquote(inner: &str) -> Cow<'_, str> {
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Writes `s` as a quoted string, escaping `"` and `\`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('"');
    out
}

/// Splits `s` at every top-level `sep`: separators inside quoted strings or `<...>` do not
/// count. An unterminated quote makes the remainder one part (the caller's grammar will
/// refuse it).
pub fn split_top_level(s: &str, sep: u8) -> SplitTopLevel<'_> {
    SplitTopLevel {
        s,
        pos: 0,
        done: false,
        sep,
    }
}

/// Iterator returned by [`split_top_level`].
#[derive(Debug, Clone)]
pub struct SplitTopLevel<'a> {
    s: &'a str,
    pos: usize,
    done: bool,
    sep: u8,
}

impl<'a> Iterator for SplitTopLevel<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        if self.done {
            return None;
        }
        let bytes = self.s.as_bytes();
        let start = self.pos;
        let mut i = start;
        let mut angle = false;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'"' if !angle => match quoted_end(bytes, i) {
                    Some(end) => i = end,
                    None => break,
                },
                b'<' => {
                    angle = true;
                    i += 1;
                }
                b'>' => {
                    angle = false;
                    i += 1;
                }
                b if b == self.sep && !angle => {
                    self.pos = i + 1;
                    return self.s.get(start..i);
                }
                _ => i += 1,
            }
        }
        self.done = true;
        self.s.get(start..)
    }
}

/// Value of one hexadecimal digit.
#[inline]
pub fn hex_value(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Checks that every `%` in `s` starts a `%HH` escape.
pub fn escapes_valid(s: &str) -> bool {
    escapes_valid_bytes(s.as_bytes())
}

/// [`escapes_valid`] on bytes.
pub fn escapes_valid_bytes(b: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            match (
                b.get(i + 1).copied().and_then(hex_value),
                b.get(i + 2).copied().and_then(hex_value),
            ) {
                (Some(_), Some(_)) => i += 3,
                _ => return false,
            }
        } else {
            i += 1;
        }
    }
    true
}

/// Percent-decodes `s` into bytes (`%HH` → byte). Invalid escapes are kept literally.
pub fn unescape(s: &str) -> Cow<'_, [u8]> {
    if !s.contains('%') {
        return Cow::Borrowed(s.as_bytes());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%' {
            if let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex_value),
                b.get(i + 2).copied().and_then(hex_value),
            ) {
                out.push(h << 4 | l);
                i += 3;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    Cow::Owned(out)
}

/// Parses a decimal number made only of ASCII digits (no sign, no whitespace). `None` on
/// empty input, other characters or overflow.
pub fn parse_u64(s: &str) -> Option<u64> {
    if s.is_empty() {
        return None;
    }
    let mut v: u64 = 0;
    for b in s.bytes() {
        if !b.is_ascii_digit() {
            return None;
        }
        v = v.checked_mul(10)?.checked_add(u64::from(b - b'0'))?;
    }
    Some(v)
}

/// Parses a decimal `u32` made only of digits.
pub fn parse_u32(s: &str) -> Option<u32> {
    parse_u64(s).and_then(|v| u32::try_from(v).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_respects_quotes_and_angles() {
        let parts: Vec<_> =
            split_top_level(r#""a,b" <sip:x;y=1,2>;p, c, "unterminated,"#, b',').collect();
        assert_eq!(
            parts,
            vec![r#""a,b" <sip:x;y=1,2>;p"#, " c", r#" "unterminated,"#]
        );
    }

    #[test]
    fn unescape_works() {
        assert_eq!(&*unescape("a%41%4a%zz"), b"aAJ%zz");
        assert!(escapes_valid("a%41"));
        assert!(!escapes_valid("a%4"));
        assert!(!escapes_valid("%ZK"));
    }

    #[test]
    fn numbers() {
        assert_eq!(parse_u32("0009"), Some(9));
        assert_eq!(parse_u32("4294967296"), None);
        assert_eq!(parse_u64("-1"), None);
        assert_eq!(parse_u64(""), None);
    }
}
