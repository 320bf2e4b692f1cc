//! URIs: `sip:`, `sips:`, `tel:`, and any other `absoluteURI` kept opaque (RFC 3261 §19.1,
//! §25; RFC 3966).
//!
//! A [`Uri`] keeps its original text (escapes included) and byte ranges to its components, so
//! printing is exact and parsing costs one allocation. Components are returned as written;
//! use [`Uri::user_unescaped`] or [`Uri::equivalent`] (RFC 3261 §19.1.4) to compare.

use std::borrow::Cow;
use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};
use std::str::FromStr;

use crate::error::{Result, SipError};
use crate::grammar::unescape;

/// The scheme of a [`Uri`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// `sip:`
    Sip,
    /// `sips:`
    Sips,
    /// `tel:` (RFC 3966)
    Tel,
    /// Any other scheme; the URI is kept opaque.
    Other,
}

/// The host of a SIP URI, typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host<'a> {
    /// A domain name, as written.
    Name(&'a str),
    /// A dotted IPv4 address.
    Ipv4(Ipv4Addr),
    /// An IPv6 reference (written `[...]`).
    Ipv6(Ipv6Addr),
}

impl<'a> Host<'a> {
    /// Classifies a host as written (`[::1]`, `192.0.2.1`, `example.com`).
    pub fn classify(text: &'a str) -> Host<'a> {
        if let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']')) {
            if let Ok(a) = inner.parse() {
                return Host::Ipv6(a);
            }
        }
        match text.parse() {
            Ok(a) => Host::Ipv4(a),
            Err(_) => Host::Name(text),
        }
    }
}

type Span = (usize, usize);

/// A parsed URI that remembers its exact text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uri {
    text: String,
    scheme: Scheme,
    user: Option<Span>,
    password: Option<Span>,
    host: Span,
    port: Option<u16>,
    params: Span,
    headers: Option<Span>,
}

fn is_unreserved(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')'
        )
}

fn is_user_char(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b'%' | b'&' | b'=' | b'+' | b'$' | b',' | b';' | b'?' | b'/'
        )
}

fn is_password_char(b: u8) -> bool {
    is_unreserved(b) || matches!(b, b'%' | b'&' | b'=' | b'+' | b'$' | b',')
}

fn is_param_char(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b'%' | b'[' | b']' | b'/' | b':' | b'&' | b'+' | b'$' | b'=' | b';'
        )
}

fn is_header_char(b: u8) -> bool {
    is_unreserved(b)
        || matches!(
            b,
            b'%' | b'[' | b']' | b'/' | b'?' | b':' | b'+' | b'$' | b'=' | b'&'
        )
}

fn is_hostname_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_')
}

fn is_tel_char(b: u8) -> bool {
    b.is_ascii_hexdigit()
        || matches!(
            b,
            b'+' | b'-' | b'.' | b'(' | b')' | b'*' | b'#' | b'p' | b'P' | b'w' | b'W'
        )
}

/// Characters allowed in an opaque absoluteURI (printable ASCII minus delimiters).
fn is_opaque_char(b: u8) -> bool {
    b.is_ascii_graphic()
        && !matches!(
            b,
            b'<' | b'>' | b'"' | b'\\' | b'`' | b'{' | b'}' | b'|' | b'^'
        )
}

/// Length of a valid `scheme` at the start of `s` (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`).
fn scheme_len(s: &[u8]) -> usize {
    match s.first() {
        Some(b) if b.is_ascii_alphabetic() => {}
        _ => return 0,
    }
    s.iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.')))
        .unwrap_or(s.len())
}

impl Uri {
    /// Parses a URI. The whole string must be the URI (no surrounding whitespace or `<>`).
    pub fn parse(text: &str) -> Result<Uri> {
        Uri::parse_owned(text.to_owned())
    }

    /// Parses a URI, taking ownership of its text.
    pub fn parse_owned(text: String) -> Result<Uri> {
        let b = text.as_bytes();
        let sl = scheme_len(b);
        if sl == 0 || b.get(sl) != Some(&b':') {
            return Err(SipError::InvalidUri("missing scheme"));
        }
        let scheme_text = text.get(..sl).unwrap_or("");
        let scheme = if scheme_text.eq_ignore_ascii_case("sip") {
            Scheme::Sip
        } else if scheme_text.eq_ignore_ascii_case("sips") {
            Scheme::Sips
        } else if scheme_text.eq_ignore_ascii_case("tel") {
            Scheme::Tel
        } else {
            Scheme::Other
        };
        let start = sl + 1;
        let mut uri = Uri {
            text: String::new(),
            scheme,
            user: None,
            password: None,
            host: (start, b.len()),
            port: None,
            params: (b.len(), b.len()),
            headers: None,
        };
        match scheme {
            Scheme::Sip | Scheme::Sips => uri.parse_sip(b, start)?,
            Scheme::Tel => uri.parse_tel(b, start)?,
            Scheme::Other => {
                if start >= b.len() || !b.iter().skip(start).all(|&c| is_opaque_char(c)) {
                    return Err(SipError::InvalidUri("bad opaque URI"));
                }
            }
        }
        uri.text = text;
        Ok(uri)
    }

    fn parse_sip(&mut self, b: &[u8], start: usize) -> Result<()> {
        let rest = b.get(start..).unwrap_or(&[]);
        let mut i = start;
        if let Some(at) = rest.iter().position(|&c| c == b'@') {
            let at = start + at;
            let userinfo = b.get(start..at).unwrap_or(&[]);
            let (user_end, pass) = match userinfo.iter().position(|&c| c == b':') {
                Some(c) => (start + c, Some((start + c + 1, at))),
                None => (at, None),
            };
            if user_end == start {
                return Err(SipError::InvalidUri("empty user"));
            }
            if !b
                .get(start..user_end)
                .unwrap_or(&[])
                .iter()
                .all(|&c| is_user_char(c))
            {
                return Err(SipError::InvalidUri("bad character in user"));
            }
            if let Some((ps, pe)) = pass {
                if !b
                    .get(ps..pe)
                    .unwrap_or(&[])
                    .iter()
                    .all(|&c| is_password_char(c))
                {
                    return Err(SipError::InvalidUri("bad character in password"));
                }
            }
            self.user = Some((start, user_end));
            self.password = pass;
            i = at + 1;
        }
        // host
        let host_start = i;
        if b.get(i) == Some(&b'[') {
            let close = b
                .get(i..)
                .and_then(|r| r.iter().position(|&c| c == b']'))
                .ok_or(SipError::InvalidUri("unterminated IPv6 reference"))?;
            let inner = b.get(i + 1..i + close).unwrap_or(&[]);
            let ok = std::str::from_utf8(inner)
                .ok()
                .and_then(|s| s.parse::<Ipv6Addr>().ok());
            if ok.is_none() {
                return Err(SipError::InvalidUri("bad IPv6 reference"));
            }
            i += close + 1;
        } else {
            while b.get(i).is_some_and(|&c| is_hostname_char(c)) {
                i += 1;
            }
        }
        if i == host_start {
            return Err(SipError::InvalidUri("empty host"));
        }
        self.host = (host_start, i);
        if b.get(i) == Some(&b':') {
            let ps = i + 1;
            i = ps;
            while b.get(i).is_some_and(u8::is_ascii_digit) {
                i += 1;
            }
            let digits = b.get(ps..i).unwrap_or(&[]);
            if digits.is_empty() || digits.len() > 5 {
                return Err(SipError::InvalidUri("bad port"));
            }
            let port = digits
                .iter()
                .fold(0u32, |n, &d| n * 10 + u32::from(d - b'0'));
            let port = u16::try_from(port).map_err(|_| SipError::InvalidUri("bad port"))?;
            self.port = Some(port);
        }
        self.parse_tail(b, i, is_param_char)
    }

    fn parse_tel(&mut self, b: &[u8], start: usize) -> Result<()> {
        let mut i = start;
        while b.get(i).is_some_and(|&c| is_tel_char(c)) {
            i += 1;
        }
        if i == start {
            return Err(SipError::InvalidUri("empty telephone number"));
        }
        self.host = (start, i);
        self.parse_tail(b, i, is_param_char)
    }

    /// Parses `*(";" param) ["?" headers]` from `i` to the end.
    fn parse_tail(&mut self, b: &[u8], mut i: usize, param_char: fn(u8) -> bool) -> Result<()> {
        let len = b.len();
        if b.get(i) == Some(&b';') {
            let ps = i + 1;
            i = ps;
            while b.get(i).is_some_and(|&c| param_char(c)) {
                i += 1;
            }
            self.params = (ps, i);
            let params = b.get(ps..i).unwrap_or(&[]);
            if params
                .split(|&c| c == b';')
                .any(|p| p.is_empty() || p.first() == Some(&b'='))
            {
                return Err(SipError::InvalidUri("empty parameter"));
            }
            let name = |p: &[u8]| -> Vec<u8> {
                let n = p.split(|&c| c == b'=').next().unwrap_or(&[]);
                unescape(std::str::from_utf8(n).unwrap_or("")).to_ascii_lowercase()
            };
            // sorted, so a URI with thousands of parameters costs n·log n, not n²
            let mut names: Vec<Vec<u8>> = params.split(|&c| c == b';').map(name).collect();
            names.sort_unstable();
            if names.windows(2).any(|w| w.first() == w.get(1)) {
                return Err(SipError::InvalidUri("duplicate parameter"));
            }
        } else {
            self.params = (i, i);
        }
        if b.get(i) == Some(&b'?') {
            let hs = i + 1;
            i = hs;
            while b.get(i).is_some_and(|&c| is_header_char(c)) {
                i += 1;
            }
            if i == hs {
                return Err(SipError::InvalidUri("empty headers"));
            }
            self.headers = Some((hs, i));
        }
        if i != len {
            return Err(SipError::InvalidUri("unexpected character"));
        }
        let after_scheme = self.user.map_or(self.host.0, |(u, _)| u);
        if !crate::grammar::escapes_valid_bytes(b.get(after_scheme..).unwrap_or(&[])) {
            return Err(SipError::InvalidUri("bad escape"));
        }
        Ok(())
    }

    fn span(&self, s: Span) -> &str {
        self.text.get(s.0..s.1).unwrap_or("")
    }

    /// The full URI text, exactly as parsed.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// The scheme.
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The scheme as written (`sip`, `SIPS`, `soap.beep`...).
    pub fn scheme_str(&self) -> &str {
        self.text.split(':').next().unwrap_or("")
    }

    /// True for `sip:` and `sips:` URIs.
    pub fn is_sip(&self) -> bool {
        matches!(self.scheme, Scheme::Sip | Scheme::Sips)
    }

    /// The user part as written (escapes kept), for sip/sips.
    pub fn user(&self) -> Option<&str> {
        self.user.map(|s| self.span(s))
    }

    /// The user part with `%HH` escapes decoded.
    pub fn user_unescaped(&self) -> Option<Cow<'_, [u8]>> {
        self.user().map(unescape)
    }

    /// The password as written, for sip/sips.
    pub fn password(&self) -> Option<&str> {
        self.password.map(|s| self.span(s))
    }

    /// The host as written (for `tel:` the number; for other schemes the opaque part).
    pub fn host(&self) -> &str {
        self.span(self.host)
    }

    /// The host, typed (sip/sips).
    pub fn host_kind(&self) -> Host<'_> {
        Host::classify(self.host())
    }

    /// The explicit port, if any.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The raw parameter text, without the leading `;`.
    pub fn params_str(&self) -> &str {
        self.span(self.params)
    }

    /// Iterates `(name, value)` of the URI parameters, as written.
    pub fn params(&self) -> impl Iterator<Item = (&str, Option<&str>)> {
        let raw = self.params_str();
        raw.split(';')
            .filter(|p| !p.is_empty())
            .map(|p| match p.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (p, None),
            })
    }

    /// `Some(Some(v))`, `Some(None)` for a valueless parameter, `None` when absent.
    pub fn param(&self, name: &str) -> Option<Option<&str>> {
        self.params()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    /// The `transport` parameter.
    pub fn transport(&self) -> Option<&str> {
        self.param("transport").flatten()
    }

    /// True when the URI carries `;lr` (loose routing).
    pub fn is_loose_route(&self) -> bool {
        self.param("lr").is_some()
    }

    /// The raw header part (after `?`), if any.
    pub fn headers_str(&self) -> Option<&str> {
        self.headers.map(|s| self.span(s))
    }

    /// Iterates `(name, value)` of the URI headers (`?a=b&c=d`), as written.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &str)> {
        self.headers_str()
            .unwrap_or("")
            .split('&')
            .filter(|h| !h.is_empty())
            .map(|h| h.split_once('=').unwrap_or((h, "")))
    }

    /// A `sip:` (or `sips:` when `secure`) URI from parts; `user` is escaped as needed.
    pub fn sip(secure: bool, user: Option<&str>, host: &str, port: Option<u16>) -> Result<Uri> {
        let mut s = String::from(if secure { "sips:" } else { "sip:" });
        if let Some(u) = user {
            escape_into(&mut s, u, |b| is_user_char(b) && b != b'%');
            s.push('@');
        }
        s.push_str(host);
        if let Some(p) = port {
            s.push(':');
            s.push_str(&p.to_string());
        }
        Uri::parse_owned(s)
    }

    /// A copy with parameter `name` set (replaced when present) to `value`.
    pub fn with_param(&self, name: &str, value: Option<&str>) -> Result<Uri> {
        let (ps, pe) = self.params;
        let mut params: Vec<String> = self
            .params()
            .filter(|(n, _)| !n.eq_ignore_ascii_case(name))
            .map(|(n, v)| match v {
                Some(v) => format!("{n}={v}"),
                None => n.to_owned(),
            })
            .collect();
        params.push(match value {
            Some(v) => format!("{name}={v}"),
            None => name.to_owned(),
        });
        let head_end = if ps == pe && self.text.as_bytes().get(ps.wrapping_sub(1)) != Some(&b';') {
            ps
        } else {
            ps.saturating_sub(1)
        };
        let mut s = String::with_capacity(self.text.len() + name.len() + 8);
        s.push_str(self.text.get(..head_end).unwrap_or(""));
        for p in &params {
            s.push(';');
            s.push_str(p);
        }
        s.push_str(self.text.get(pe..).unwrap_or(""));
        Uri::parse_owned(s)
    }

    /// A copy without the `?headers` part (what a Request-URI built from a Contact needs).
    pub fn without_headers(&self) -> Uri {
        match self.headers {
            Some((hs, _)) => {
                let mut u = self.clone();
                u.text.truncate(hs.saturating_sub(1));
                u.headers = None;
                u
            }
            None => self.clone(),
        }
    }

    /// URI equivalence per RFC 3261 §19.1.4 (sip/sips), RFC 3966 §4 (tel, simplified:
    /// visual separators ignored), or case-insensitive text for other schemes.
    pub fn equivalent(&self, other: &Uri) -> bool {
        if self.scheme != other.scheme {
            return false;
        }
        match self.scheme {
            Scheme::Other => self.text.eq_ignore_ascii_case(&other.text),
            Scheme::Tel => {
                let digits = |u: &Uri| -> Vec<u8> {
                    u.host()
                        .bytes()
                        .filter(|b| !matches!(b, b'-' | b'.' | b'(' | b')'))
                        .map(|b| b.to_ascii_lowercase())
                        .collect()
                };
                digits(self) == digits(other) && params_equal_all(self, other)
            }
            Scheme::Sip | Scheme::Sips => {
                self.user_unescaped() == other.user_unescaped()
                    && self.password.map(|s| unescape(self.span(s)))
                        == other.password.map(|s| unescape(other.span(s)))
                    && self.host().eq_ignore_ascii_case(other.host())
                    && self.port == other.port
                    && sip_params_match(self, other)
                    && headers_match(self, other)
            }
        }
    }
}

fn eq_unescaped_ci(a: &str, b: &str) -> bool {
    unescape(a).eq_ignore_ascii_case(&unescape(b))
}

fn find_param<'a>(u: &'a Uri, name: &str) -> Option<Option<&'a str>> {
    u.params()
        .find(|(n, _)| eq_unescaped_ci(n, name))
        .map(|(_, v)| v)
}

fn param_values_eq(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => eq_unescaped_ci(a, b),
        (None, None) => true,
        _ => false,
    }
}

fn sip_params_match(a: &Uri, b: &Uri) -> bool {
    for (n, v) in a.params() {
        match find_param(b, n) {
            Some(w) => {
                if !param_values_eq(v, w) {
                    return false;
                }
            }
            None => {
                let name = unescape(n);
                if ["user", "ttl", "method", "maddr", "transport"]
                    .iter()
                    .any(|s| name.eq_ignore_ascii_case(s.as_bytes()))
                {
                    return false;
                }
            }
        }
    }
    for (n, _) in b.params() {
        let name = unescape(n);
        if ["user", "ttl", "method", "maddr", "transport"]
            .iter()
            .any(|s| name.eq_ignore_ascii_case(s.as_bytes()))
            && find_param(a, n).is_none()
        {
            return false;
        }
    }
    true
}

fn params_equal_all(a: &Uri, b: &Uri) -> bool {
    a.params().count() == b.params().count()
        && a.params()
            .all(|(n, v)| find_param(b, n).is_some_and(|w| param_values_eq(v, w)))
}

fn headers_match(a: &Uri, b: &Uri) -> bool {
    let contains = |x: &Uri, y: &Uri| {
        x.headers().all(|(n, v)| {
            y.headers()
                .any(|(m, w)| eq_unescaped_ci(n, m) && unescape(v) == unescape(w))
        })
    };
    contains(a, b) && contains(b, a)
}

fn escape_into(out: &mut String, s: &str, keep: impl Fn(u8) -> bool) {
    for &b in s.as_bytes() {
        if keep(b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push_str(&format!("{b:02X}"));
        }
    }
}

impl fmt::Display for Uri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl FromStr for Uri {
    type Err = SipError;
    fn from_str(s: &str) -> Result<Uri> {
        Uri::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_sip_components() {
        let u = Uri::parse("sip:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&x=y")
            .unwrap();
        assert_eq!(u.scheme(), Scheme::Sip);
        assert_eq!(u.user(), Some("alice"));
        assert_eq!(u.password(), Some("secret"));
        assert_eq!(u.host(), "[2001:db8::1]");
        assert!(matches!(u.host_kind(), Host::Ipv6(_)));
        assert_eq!(u.port(), Some(5061));
        assert_eq!(u.transport(), Some("tcp"));
        assert!(u.is_loose_route());
        assert_eq!(
            u.headers().collect::<Vec<_>>(),
            vec![("subject", "hi"), ("x", "y")]
        );
        assert_eq!(
            u.to_string(),
            "sip:alice:secret@[2001:db8::1]:5061;transport=tcp;lr?subject=hi&x=y"
        );
    }

    #[test]
    fn weird_user_parts() {
        let u = Uri::parse("sip:user;par=u%40example.net@example.com").unwrap();
        assert_eq!(u.user(), Some("user;par=u%40example.net"));
        assert_eq!(u.host(), "example.com");
        assert_eq!(u.params().count(), 0);
        let u = Uri::parse(
            "sip:1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*:&it+has=1,weird!*pas$wo~d_too.(doesn't-it)@example.com",
        )
        .unwrap();
        assert_eq!(
            u.user(),
            Some("1_unusual.URI~(to-be!sure)&isn't+it$/crazy?,/;;*")
        );
        assert_eq!(
            u.password(),
            Some("&it+has=1,weird!*pas$wo~d_too.(doesn't-it)")
        );
    }

    #[test]
    fn rejects_bad_uris() {
        for bad in [
            "<sip:user@example.com>",
            "sip:user@example.com; lr",
            "sip:",
            "sip:@host",
            "sip:host:99999",
            "sip:host;;",
            "sip:[::1",
            "sip:a%zz@host",
            "tel:",
            "x:",
            "sip:host?",
            "sip:host;a=1;A",
        ] {
            assert!(Uri::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn other_schemes_are_opaque() {
        let u = Uri::parse("soap.beep://192.0.2.103:3002").unwrap();
        assert_eq!(u.scheme(), Scheme::Other);
        assert_eq!(u.scheme_str(), "soap.beep");
        let t = Uri::parse("tel:+1-201-555-0123;phone-context=example.com").unwrap();
        assert_eq!(t.scheme(), Scheme::Tel);
        assert_eq!(t.host(), "+1-201-555-0123");
        assert!(t.equivalent(&Uri::parse("tel:+12015550123;PHONE-CONTEXT=example.com").unwrap()));
    }

    #[test]
    fn comparison_rfc3261_examples() {
        let eq = |a: &str, b: &str| Uri::parse(a).unwrap().equivalent(&Uri::parse(b).unwrap());
        assert!(eq(
            "sip:%61lice@atlanta.com;transport=TCP",
            "sip:alice@AtLanTa.CoM;Transport=tcp"
        ));
        assert!(eq(
            "sip:carol@chicago.com",
            "sip:carol@chicago.com;newparam=5"
        ));
        assert!(eq(
            "sip:carol@chicago.com;security=on",
            "sip:carol@chicago.com;newparam=5"
        ));
        assert!(eq(
            "sip:biloxi.com;transport=tcp;method=REGISTER?to=sip:bob%40biloxi.com",
            "sip:biloxi.com;method=REGISTER;transport=tcp?to=sip:bob%40biloxi.com"
        ));
        assert!(eq(
            "sip:alice@atlanta.com?subject=project%20x&priority=urgent",
            "sip:alice@atlanta.com?priority=urgent&subject=project%20x"
        ));
        assert!(!eq(
            "SIP:ALICE@AtLanTa.CoM;Transport=udp",
            "sip:alice@AtLanTa.CoM;Transport=UDP"
        ));
        assert!(!eq("sip:bob@biloxi.com", "sip:bob@biloxi.com:5060"));
        assert!(!eq(
            "sip:bob@biloxi.com",
            "sip:bob@biloxi.com;transport=udp"
        ));
        assert!(!eq(
            "sip:bob@biloxi.com",
            "sip:bob@biloxi.com:6000;transport=tcp"
        ));
        assert!(!eq(
            "sip:carol@chicago.com",
            "sip:carol@chicago.com?Subject=next%20meeting"
        ));
        assert!(!eq("sip:bob@phone21.boxesbybob.com", "sip:bob@192.0.2.4"));
        assert!(!eq(
            "sip:carol@chicago.com;security=on",
            "sip:carol@chicago.com;security=off"
        ));
        // escaped and unescaped forms compare equal
        assert!(eq(
            "sip:cal%6Cer@host5.example.net;%6C%72;n%61me=v%61lue%25%34%31",
            "sip:caller@host5.example.net;lr;name=value%2541"
        ));
    }

    #[test]
    fn builders() {
        let u = Uri::sip(false, Some("a b"), "example.com", Some(5060)).unwrap();
        assert_eq!(u.as_str(), "sip:a%20b@example.com:5060");
        let u = u
            .with_param("transport", Some("tcp"))
            .unwrap()
            .with_param("lr", None)
            .unwrap();
        assert_eq!(u.as_str(), "sip:a%20b@example.com:5060;transport=tcp;lr");
        let u = Uri::parse("sip:x@h;a=1?h=v")
            .unwrap()
            .with_param("a", Some("2"))
            .unwrap();
        assert_eq!(u.as_str(), "sip:x@h;a=2?h=v");
        assert_eq!(u.without_headers().as_str(), "sip:x@h;a=2");
    }
}
