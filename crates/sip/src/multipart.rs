//! `multipart/*` bodies (RFC 2046 §5.1), e.g. `multipart/mixed` with SDP plus an ISUP or
//! S/MIME part, or RFC 4475's `mpart01`.

use crate::error::{Result, SipError};
use crate::grammar::trim_lws;
use crate::headers::MediaType;
use crate::Message;

/// One body part: its MIME headers (name, value as written) and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The part's headers, in order.
    pub headers: Vec<(String, String)>,
    /// The part's content, byte-exact.
    pub body: Vec<u8>,
}

impl Part {
    /// The first header called `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The part's Content-Type (RFC 2046 default: `text/plain`).
    pub fn content_type(&self) -> Result<MediaType> {
        match self.header("Content-Type") {
            Some(v) => MediaType::parse_for(v, "Content-Type"),
            None => Ok(MediaType::new("text", "plain")),
        }
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    let h = hay.get(from..)?;
    memchr::memmem::find(h, needle).map(|p| p + from)
}

/// Splits `body` into parts using `boundary`.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>> {
    if boundary.is_empty() || boundary.len() > 70 {
        return Err(SipError::InvalidMultipart("bad boundary"));
    }
    let delim = format!("--{boundary}");
    let delim = delim.as_bytes();
    // first delimiter: at the very start or after a CRLF (the preamble is ignored)
    let mut pos = if body.starts_with(delim) {
        0
    } else {
        let mut d = b"\r\n".to_vec();
        d.extend_from_slice(delim);
        find(body, &d, 0)
            .map(|p| p + 2)
            .ok_or(SipError::InvalidMultipart("no delimiter"))?
    };
    let mut next_delim = b"\r\n".to_vec();
    next_delim.extend_from_slice(delim);
    let mut parts = Vec::new();
    loop {
        let after = pos + delim.len();
        if body.get(after..after + 2) == Some(b"--") {
            return Ok(parts);
        }
        // transport padding, then CRLF
        let line_end = find(body, b"\n", after)
            .ok_or(SipError::InvalidMultipart("truncated delimiter line"))?;
        if !body
            .get(after..line_end)
            .unwrap_or(&[])
            .iter()
            .all(|&b| matches!(b, b' ' | b'\t' | b'\r'))
        {
            return Err(SipError::InvalidMultipart("garbage after delimiter"));
        }
        let part_start = line_end + 1;
        let part_end = if body.get(part_start..).is_some_and(|r| r.starts_with(delim)) {
            // an empty part: the next delimiter follows the delimiter line directly
            part_start.saturating_sub(2)
        } else {
            find(body, &next_delim, part_start)
                .ok_or(SipError::InvalidMultipart("missing closing delimiter"))?
        };
        let raw = body
            .get(part_start..part_end.max(part_start))
            .unwrap_or(&[]);
        parts.push(parse_part(raw)?);
        pos = part_end + 2;
        if parts.len() > 1000 {
            return Err(SipError::InvalidMultipart("too many parts"));
        }
    }
}

fn parse_part(raw: &[u8]) -> Result<Part> {
    let (head, body) = if raw.starts_with(b"\r\n") {
        (&[][..], raw.get(2..).unwrap_or(&[]))
    } else {
        match find(raw, b"\r\n\r\n", 0) {
            Some(p) => (raw.get(..p).unwrap_or(&[]), raw.get(p + 4..).unwrap_or(&[])),
            None => return Err(SipError::InvalidMultipart("part without header end")),
        }
    };
    let head = std::str::from_utf8(head)
        .map_err(|_| SipError::InvalidMultipart("part headers not UTF-8"))?;
    let mut headers: Vec<(String, String)> = Vec::new();
    for line in head.split("\r\n").filter(|l| !l.is_empty()) {
        if line.starts_with([' ', '\t']) {
            match headers.last_mut() {
                Some((_, v)) => {
                    v.push(' ');
                    v.push_str(trim_lws(line));
                }
                None => return Err(SipError::InvalidMultipart("continuation without header")),
            }
            continue;
        }
        let (n, v) = line
            .split_once(':')
            .ok_or(SipError::InvalidMultipart("part header without colon"))?;
        let n = n.trim_end_matches([' ', '\t']);
        if !crate::grammar::is_token(n) {
            return Err(SipError::InvalidMultipart("bad part header name"));
        }
        headers.push((n.to_owned(), trim_lws(v).to_owned()));
    }
    Ok(Part {
        headers,
        body: body.to_vec(),
    })
}

/// Parses the body of `message` when its Content-Type is `multipart/*`. `Ok(None)` when
/// the body is not multipart.
pub fn parse_message_body(message: &Message) -> Result<Option<Vec<Part>>> {
    let Some(ct) = message.get::<crate::headers::ContentType>()? else {
        return Ok(None);
    };
    if !ct.0.top.eq_ignore_ascii_case("multipart") {
        return Ok(None);
    }
    let boundary =
        ct.0.params
            .value("boundary")
            .ok_or(SipError::InvalidMultipart("no boundary parameter"))?;
    parse(message.body(), boundary).map(Some)
}

/// Builds a multipart body; use it with `Content-Type: multipart/mixed;boundary=<boundary>`.
pub fn encode(boundary: &str, parts: &[Part]) -> Vec<u8> {
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(b"--");
        out.extend_from_slice(boundary.as_bytes());
        out.extend_from_slice(b"\r\n");
        for (n, v) in &p.headers {
            out.extend_from_slice(n.as_bytes());
            out.extend_from_slice(b": ");
            out.extend_from_slice(v.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&p.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"--");
    out.extend_from_slice(boundary.as_bytes());
    out.extend_from_slice(b"--\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roundtrip() {
        let parts = vec![
            Part {
                headers: vec![("Content-Type".into(), "application/sdp".into())],
                body: b"v=0\r\n".to_vec(),
            },
            Part {
                headers: vec![],
                body: b"\x00\x01--x\r\n".to_vec(),
            },
        ];
        let body = encode("b0undary", &parts);
        let back = parse(&body, "b0undary").unwrap();
        assert_eq!(back, parts);
        assert_eq!(
            back[1].content_type().unwrap(),
            MediaType::new("text", "plain")
        );
    }

    #[test]
    fn refuses_broken() {
        assert!(parse(b"no delimiters here", "x").is_err());
        assert!(parse(b"--x\r\nA: b\r\n\r\nbody without end", "x").is_err());
        assert!(parse(b"--x\r\n", "").is_err());
    }
}
