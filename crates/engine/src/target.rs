//! Turning what a user typed into something to dial.
//!
//! Accepts phone numbers with the usual decoration (`+49 (30) 123-45 67`), `tel:` URIs,
//! `sip:`/`sips:` URIs, and bare `user@host`. Numbers become `sip:NUMBER@DOMAIN` of the account
//! that places the call.

use crate::api::{CommandError, ErrorCode};

/// The built-in echo-test line, which needs no account.
pub const ECHO_TARGET: &str = "echo";

/// What a dial string turned out to be.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DialTarget {
    /// The built-in echo-test line.
    Echo,
    /// A telephone number, digits with an optional leading `+` (and `*`/`#` service codes).
    Number(String),
    /// A SIP or SIPS URI, as typed apart from surrounding whitespace and angle brackets.
    Uri(String),
}

impl DialTarget {
    /// The request URI for this target, using `domain` for numbers and bare user names.
    pub fn to_uri(&self, domain: &str) -> Option<String> {
        match self {
            DialTarget::Echo => None,
            DialTarget::Number(n) => Some(format!("sip:{n}@{domain}")),
            DialTarget::Uri(u) => Some(u.clone()),
        }
    }
}

fn invalid(detail: impl Into<String>) -> CommandError {
    CommandError::new(ErrorCode::InvalidTarget, detail)
}

/// Parses a dial string.
pub fn parse_dial_target(input: &str) -> Result<DialTarget, CommandError> {
    let trimmed = input
        .trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim();
    if trimmed.is_empty() {
        return Err(invalid("empty number"));
    }
    if trimmed.len() > 512 {
        return Err(invalid("number too long"));
    }
    if trimmed.chars().any(|c| c.is_control()) {
        return Err(invalid("control characters in number"));
    }
    if trimmed.eq_ignore_ascii_case(ECHO_TARGET) {
        return Ok(DialTarget::Echo);
    }
    let lower = trimmed.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("tel:") {
        let number = rest.split(';').next().unwrap_or_default();
        return normalise_number(number).map(DialTarget::Number);
    }
    if lower.starts_with("callto:") {
        let rest = trimmed["callto:".len()..].trim_start_matches("//");
        return parse_dial_target(rest);
    }
    for scheme in ["sip:", "sips:"] {
        if lower.starts_with(scheme) {
            let rest = &trimmed[scheme.len()..];
            if rest.is_empty() || rest.contains(char::is_whitespace) {
                return Err(invalid("malformed URI"));
            }
            return Ok(DialTarget::Uri(format!("{scheme}{rest}")));
        }
    }
    if trimmed.contains('@') {
        if trimmed.contains(char::is_whitespace)
            || trimmed.starts_with('@')
            || trimmed.ends_with('@')
        {
            return Err(invalid("malformed address"));
        }
        return Ok(DialTarget::Uri(format!("sip:{trimmed}")));
    }
    normalise_number(trimmed)
        .map(DialTarget::Number)
        .or_else(|e| {
            // A plain user name (extension aliases such as "alice") is dialled as a user part.
            if trimmed
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.!~".contains(c))
            {
                Ok(DialTarget::Number(trimmed.to_string()))
            } else {
                Err(e)
            }
        })
}

/// Removes the visual separators people type in numbers; keeps a leading `+`, digits, `*`, `#`.
pub fn normalise_number(input: &str) -> Result<String, CommandError> {
    let mut out = String::with_capacity(input.len());
    for (i, c) in input.trim().chars().enumerate() {
        match c {
            '0'..='9' | '*' | '#' => out.push(c),
            '+' if i == 0 => out.push(c),
            ' ' | '-' | '.' | '(' | ')' | '/' | '\u{a0}' => {}
            _ => return Err(invalid(format!("unexpected character {c:?} in number"))),
        }
    }
    if out.is_empty() || out == "+" {
        return Err(invalid("no digits in number"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_lose_their_decoration() {
        assert_eq!(
            parse_dial_target(" +49 (30) 123-45 67 ").unwrap(),
            DialTarget::Number("+4930123 4567".replace(' ', ""))
        );
        assert_eq!(
            parse_dial_target("*97#").unwrap(),
            DialTarget::Number("*97#".into())
        );
        assert_eq!(
            parse_dial_target("tel:+1-201-555-0123;phone-context=x").unwrap(),
            DialTarget::Number("+12015550123".into())
        );
    }

    #[test]
    fn uris_and_addresses() {
        assert_eq!(
            parse_dial_target("<sip:bob@example.com;transport=tcp>").unwrap(),
            DialTarget::Uri("sip:bob@example.com;transport=tcp".into())
        );
        assert_eq!(
            parse_dial_target("bob@127.0.0.1").unwrap(),
            DialTarget::Uri("sip:bob@127.0.0.1".into())
        );
        assert_eq!(
            parse_dial_target("callto://+4930 1").unwrap(),
            DialTarget::Number("+49301".into())
        );
        assert_eq!(parse_dial_target("Echo").unwrap(), DialTarget::Echo);
        assert_eq!(
            parse_dial_target("alice").unwrap(),
            DialTarget::Number("alice".into())
        );
        assert_eq!(
            DialTarget::Number("1000".into())
                .to_uri("pbx.example")
                .as_deref(),
            Some("sip:1000@pbx.example")
        );
    }

    #[test]
    fn garbage_is_refused_with_a_code() {
        for bad in [
            "",
            "   ",
            "+",
            "12 34 x y",
            "sip:",
            "@host",
            "a\u{7}b",
            "sip:a b@c",
        ] {
            let err = parse_dial_target(bad).unwrap_err();
            assert_eq!(err.code, ErrorCode::InvalidTarget, "{bad:?}");
        }
        assert!(parse_dial_target(&"1".repeat(600)).is_err());
    }
}
