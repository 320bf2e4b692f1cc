//! Scalar, token-list and media-type header values.

use std::fmt;

use super::{HeaderName, TypedHeader};
use crate::error::{Result, SipError};
use crate::grammar::{
    is_lws, is_token, is_token_char, is_word_char, parse_u32, parse_u64, skip_lws, trim_lws,
};
use crate::method::Method;
use crate::params::{parse_params, parse_params_to_end, Params};

fn bad(header: &'static str, reason: &'static str) -> SipError {
    SipError::InvalidHeader { header, reason }
}

/// Reads a token starting at `i` (after LWS); returns it and the index after it.
fn token<'a>(s: &'a str, i: usize, header: &'static str) -> Result<(&'a str, usize)> {
    let b = s.as_bytes();
    let start = skip_lws(b, i);
    let mut j = start;
    while b.get(j).is_some_and(|&c| is_token_char(c)) {
        j += 1;
    }
    if j == start {
        return Err(bad(header, "expected token"));
    }
    Ok((s.get(start..j).unwrap_or(""), j))
}

/// `Call-ID` (compact `i`): `word [ "@" word ]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CallId(pub String);

impl TypedHeader for CallId {
    const NAME: HeaderName = HeaderName::CallId;
    fn parse(value: &str) -> Result<CallId> {
        let v = trim_lws(value);
        let (l, r) = v.split_once('@').unwrap_or((v, "w"));
        let word = |w: &str| !w.is_empty() && w.bytes().all(is_word_char);
        if word(l) && word(r) {
            Ok(CallId(v.to_owned()))
        } else {
            Err(bad("Call-ID", "not word[@word]"))
        }
    }
}

impl fmt::Display for CallId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `CSeq`: sequence number (< 2^31, RFC 3261 §8.1.1.5) and method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CSeq {
    /// The sequence number.
    pub seq: u32,
    /// The method.
    pub method: Method,
}

impl TypedHeader for CSeq {
    const NAME: HeaderName = HeaderName::CSeq;
    fn parse(value: &str) -> Result<CSeq> {
        let b = value.as_bytes();
        let s = skip_lws(b, 0);
        let mut e = s;
        while b.get(e).is_some_and(u8::is_ascii_digit) {
            e += 1;
        }
        let digits = value.get(s..e).unwrap_or("");
        if digits.is_empty() {
            return Err(bad("CSeq", "missing number"));
        }
        let seq = parse_u64(digits)
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n < 1 << 31)
            .ok_or(SipError::OutOfRange("CSeq number"))?;
        if skip_lws(b, e) == e {
            return Err(bad("CSeq", "missing LWS before method"));
        }
        let (m, end) = token(value, e, "CSeq")?;
        if !b.get(end..).unwrap_or(&[]).iter().all(|&c| is_lws(c)) {
            return Err(bad("CSeq", "trailing characters"));
        }
        Ok(CSeq {
            seq,
            method: Method::parse(m)?,
        })
    }
}

impl fmt::Display for CSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.seq, self.method)
    }
}

macro_rules! number_header {
    ($(#[$doc:meta])* $ty:ident, $inner:ty, $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub struct $ty(pub $inner);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;
            fn parse(value: &str) -> Result<$ty> {
                let v = trim_lws(value);
                if v.is_empty() || !v.bytes().all(|c| c.is_ascii_digit()) {
                    return Err(bad(HeaderName::$name.as_str(), "not a number"));
                }
                parse_u64(v)
                    .and_then(|n| <$inner>::try_from(n).ok())
                    .map($ty)
                    .ok_or(SipError::OutOfRange(HeaderName::$name.as_str()))
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
    };
}

number_header!(
    /// `Max-Forwards` (0..=255).
    MaxForwards, u8, MaxForwards
);
number_header!(
    /// `Content-Length` (compact `l`).
    ContentLength, u32, ContentLength
);
number_header!(
    /// `Expires` in seconds.
    Expires, u32, Expires
);
number_header!(
    /// `Min-Expires` in seconds.
    MinExpires, u32, MinExpires
);
number_header!(
    /// `RSeq` (RFC 3262).
    RSeq, u32, RSeq
);

/// `RAck` (RFC 3262): `response-num CSeq-num Method`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RAck {
    /// The RSeq of the acknowledged provisional response.
    pub rseq: u32,
    /// The CSeq number of the INVITE.
    pub cseq: u32,
    /// The method of the INVITE's CSeq.
    pub method: Method,
}

impl TypedHeader for RAck {
    const NAME: HeaderName = HeaderName::RAck;
    fn parse(value: &str) -> Result<RAck> {
        let mut it = value
            .split(|c: char| c.is_ascii() && is_lws(c as u8))
            .filter(|p| !p.is_empty());
        let (Some(r), Some(c), Some(m), None) = (it.next(), it.next(), it.next(), it.next()) else {
            return Err(bad("RAck", "expected three fields"));
        };
        let num = |t: &str| parse_u32(t).ok_or(SipError::OutOfRange("RAck number"));
        Ok(RAck {
            rseq: num(r)?,
            cseq: num(c)?,
            method: Method::parse(m)?,
        })
    }
}

impl fmt::Display for RAck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} {}", self.rseq, self.cseq, self.method)
    }
}

/// Parses `delta-seconds *( SEMI param )`.
fn delta_with_params(value: &str, header: &'static str) -> Result<(u32, Params)> {
    let b = value.as_bytes();
    let s = skip_lws(b, 0);
    let mut e = s;
    while b.get(e).is_some_and(u8::is_ascii_digit) {
        e += 1;
    }
    let n = value
        .get(s..e)
        .filter(|d| !d.is_empty())
        .ok_or(bad(header, "missing delta-seconds"))
        .and_then(|d| parse_u32(d).ok_or(SipError::OutOfRange(header)))?;
    Ok((n, parse_params_to_end(value, e, header)?))
}

/// `Session-Expires` (compact `x`, RFC 4028).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionExpires {
    /// Session interval in seconds.
    pub delta: u32,
    /// Parameters (`refresher=uac|uas`).
    pub params: Params,
}

impl SessionExpires {
    /// The `refresher` parameter.
    pub fn refresher(&self) -> Option<&str> {
        self.params.value("refresher")
    }
}

impl TypedHeader for SessionExpires {
    const NAME: HeaderName = HeaderName::SessionExpires;
    fn parse(value: &str) -> Result<SessionExpires> {
        let (delta, params) = delta_with_params(value, "Session-Expires")?;
        Ok(SessionExpires { delta, params })
    }
}

impl fmt::Display for SessionExpires {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.delta, self.params)
    }
}

/// `Min-SE` (RFC 4028).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinSe {
    /// Minimum session interval in seconds.
    pub delta: u32,
    /// Extension parameters.
    pub params: Params,
}

impl TypedHeader for MinSe {
    const NAME: HeaderName = HeaderName::MinSe;
    fn parse(value: &str) -> Result<MinSe> {
        let (delta, params) = delta_with_params(value, "Min-SE")?;
        Ok(MinSe { delta, params })
    }
}

impl fmt::Display for MinSe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.delta, self.params)
    }
}

/// A media type (`type/subtype;params`), also used for Accept's media-range (`*/*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaType {
    /// Top-level type, as written.
    pub top: String,
    /// Subtype, as written.
    pub sub: String,
    /// Parameters (`boundary`, `charset`...).
    pub params: Params,
}

impl MediaType {
    /// A media type without parameters.
    pub fn new(top: &str, sub: &str) -> MediaType {
        MediaType {
            top: top.into(),
            sub: sub.into(),
            params: Params::new(),
        }
    }

    /// Parses `type "/" subtype *( SEMI m-parameter )`; `header` names the header in errors.
    pub fn parse_for(value: &str, header: &'static str) -> Result<MediaType> {
        let (top, i) = token(value, 0, header)?;
        let b = value.as_bytes();
        let j = skip_lws(b, i);
        if b.get(j) != Some(&b'/') {
            return Err(bad(header, "missing /"));
        }
        let (sub, k) = token(value, j + 1, header)?;
        let params = parse_params_to_end(value, k, header)?;
        Ok(MediaType {
            top: top.into(),
            sub: sub.into(),
            params,
        })
    }

    /// Case-insensitive comparison of `type/subtype`, ignoring parameters.
    pub fn is(&self, top: &str, sub: &str) -> bool {
        self.top.eq_ignore_ascii_case(top) && self.sub.eq_ignore_ascii_case(sub)
    }

    /// True when this media range (possibly with `*`) covers `top/sub`.
    pub fn matches(&self, top: &str, sub: &str) -> bool {
        (self.top == "*" || self.top.eq_ignore_ascii_case(top))
            && (self.sub == "*" || self.sub.eq_ignore_ascii_case(sub))
    }
}

impl fmt::Display for MediaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}{}", self.top, self.sub, self.params)
    }
}

/// `Content-Type` (compact `c`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContentType(pub MediaType);

impl TypedHeader for ContentType {
    const NAME: HeaderName = HeaderName::ContentType;
    fn parse(value: &str) -> Result<ContentType> {
        MediaType::parse_for(value, "Content-Type").map(ContentType)
    }
}

impl fmt::Display for ContentType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One `Accept` media range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accept(pub MediaType);

impl TypedHeader for Accept {
    const NAME: HeaderName = HeaderName::Accept;
    fn parse(value: &str) -> Result<Accept> {
        MediaType::parse_for(value, "Accept").map(Accept)
    }
}

impl fmt::Display for Accept {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

macro_rules! token_list_header {
    ($(#[$doc:meta])* $ty:ident, $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $ty(pub String);

        impl TypedHeader for $ty {
            const NAME: HeaderName = HeaderName::$name;
            fn parse(value: &str) -> Result<$ty> {
                let v = trim_lws(value);
                if is_token(v) {
                    Ok($ty(v.to_owned()))
                } else {
                    Err(bad(HeaderName::$name.as_str(), "not a token"))
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

token_list_header!(
    /// One `Require` option tag.
    Require, Require
);
token_list_header!(
    /// One `Proxy-Require` option tag.
    ProxyRequire, ProxyRequire
);
token_list_header!(
    /// One `Supported` option tag (compact `k`).
    Supported, Supported
);
token_list_header!(
    /// One `Unsupported` option tag.
    Unsupported, Unsupported
);
token_list_header!(
    /// One `Content-Encoding` coding (compact `e`).
    ContentEncoding, ContentEncoding
);
token_list_header!(
    /// One `Accept-Encoding` coding (q-values not kept apart).
    AcceptEncoding, AcceptEncoding
);

/// One `Allow` method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Allow(pub Method);

impl TypedHeader for Allow {
    const NAME: HeaderName = HeaderName::Allow;
    fn parse(value: &str) -> Result<Allow> {
        Method::parse(trim_lws(value)).map(Allow)
    }
}

impl fmt::Display for Allow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// `Event` (compact `o`, RFC 6665): package (with template dots) and parameters (`id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Event package, e.g. `refer`, `presence`, `message-summary`.
    pub package: String,
    /// Parameters such as `id`.
    pub params: Params,
}

impl Event {
    /// The `id` parameter.
    pub fn id(&self) -> Option<&str> {
        self.params.value("id")
    }
}

impl TypedHeader for Event {
    const NAME: HeaderName = HeaderName::Event;
    fn parse(value: &str) -> Result<Event> {
        let (package, i) = token(value, 0, "Event")?;
        Ok(Event {
            package: package.into(),
            params: parse_params_to_end(value, i, "Event")?,
        })
    }
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.package, self.params)
    }
}

/// One `Allow-Events` package (compact `u`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AllowEvents(pub String);

impl TypedHeader for AllowEvents {
    const NAME: HeaderName = HeaderName::AllowEvents;
    fn parse(value: &str) -> Result<AllowEvents> {
        let v = trim_lws(value);
        if is_token(v) {
            Ok(AllowEvents(v.into()))
        } else {
            Err(bad("Allow-Events", "not an event type"))
        }
    }
}

impl fmt::Display for AllowEvents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// `Subscription-State` (RFC 6665): `active`, `pending`, `terminated` or an extension, with
/// `expires`, `reason`, `retry-after`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscriptionState {
    /// The state token as written.
    pub state: String,
    /// Parameters.
    pub params: Params,
}

impl SubscriptionState {
    /// The `expires` parameter, if present and numeric.
    pub fn expires(&self) -> Option<u32> {
        self.params.value("expires").and_then(parse_u32)
    }

    /// The `reason` parameter.
    pub fn reason(&self) -> Option<&str> {
        self.params.value("reason")
    }

    /// The `retry-after` parameter, if present and numeric.
    pub fn retry_after(&self) -> Option<u32> {
        self.params.value("retry-after").and_then(parse_u32)
    }
}

impl TypedHeader for SubscriptionState {
    const NAME: HeaderName = HeaderName::SubscriptionState;
    fn parse(value: &str) -> Result<SubscriptionState> {
        let (state, i) = token(value, 0, "Subscription-State")?;
        let (params, end) = parse_params(value, i, "Subscription-State")?;
        if !value
            .as_bytes()
            .get(end..)
            .unwrap_or(&[])
            .iter()
            .all(|&c| is_lws(c))
        {
            return Err(bad("Subscription-State", "trailing characters"));
        }
        Ok(SubscriptionState {
            state: state.into(),
            params,
        })
    }
}

impl fmt::Display for SubscriptionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.state, self.params)
    }
}

/// `Date` (RFC 3261 §20.17): an RFC 1123 date that must be in `GMT`. Kept as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Date(pub String);

impl TypedHeader for Date {
    const NAME: HeaderName = HeaderName::Date;
    fn parse(value: &str) -> Result<Date> {
        // wkday "," SP date1 SP time SP "GMT"; date1 = 2DIGIT SP month SP 4DIGIT
        let v = trim_lws(value);
        let parts: Vec<&str> = v.split(' ').collect();
        let ok = match parts.as_slice() {
            [wk, day, mon, year, time, "GMT"] => {
                wk.len() == 4
                    && wk.ends_with(',')
                    && day.len() == 2
                    && day.bytes().all(|c| c.is_ascii_digit())
                    && mon.len() == 3
                    && year.len() == 4
                    && year.bytes().all(|c| c.is_ascii_digit())
                    && time.len() == 8
            }
            _ => false,
        };
        if ok {
            Ok(Date(v.to_owned()))
        } else {
            Err(bad("Date", "not an RFC 1123 GMT date"))
        }
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cseq() {
        let c = CSeq::parse("0009\r\n  INVITE").unwrap();
        assert_eq!((c.seq, c.method), (9, Method::Invite));
        assert!(CSeq::parse("36893488147419103232 REGISTER").is_err());
        assert!(CSeq::parse("2147483648 INVITE").is_err());
        assert!(CSeq::parse("1INVITE").is_err());
        assert!(CSeq::parse("1 INVITE x").is_err());
    }

    #[test]
    fn numbers() {
        assert_eq!(MaxForwards::parse(" 0068").unwrap(), MaxForwards(68));
        assert!(MaxForwards::parse("300").is_err());
        assert!(ContentLength::parse("-999").is_err());
        assert!(Expires::parse("10000000000000000000000").is_err());
        let r = RAck::parse("776656 1 INVITE").unwrap();
        assert_eq!((r.rseq, r.cseq), (776656, 1));
        let s = SessionExpires::parse("1800;refresher=uac").unwrap();
        assert_eq!(s.refresher(), Some("uac"));
        assert_eq!(MinSe::parse("90").unwrap().delta, 90);
    }

    #[test]
    fn media_and_events() {
        let c = ContentType::parse("multipart/mixed;boundary=7a9cbec02ceef655").unwrap();
        assert!(c.0.is("Multipart", "MIXED"));
        assert_eq!(c.0.params.value("boundary"), Some("7a9cbec02ceef655"));
        assert!(Accept::parse("*/*")
            .unwrap()
            .0
            .matches("application", "sdp"));
        let e = Event::parse("refer;id=93809824").unwrap();
        assert_eq!((e.package.as_str(), e.id()), ("refer", Some("93809824")));
        let s = SubscriptionState::parse("terminated;reason=timeout;retry-after=30").unwrap();
        assert_eq!((s.reason(), s.retry_after()), (Some("timeout"), Some(30)));
        assert!(Date::parse("Sat, 15 Oct 2005 04:44:56 GMT").is_ok());
        assert!(Date::parse("Fri, 01 Jan 2010 16:00:00 EST").is_err());
        assert!(CallId::parse("intmeth.word%ZK-!.*_+'@word`~)(><:\\/\"][?}{").is_ok());
        assert!(CallId::parse("a b").is_err());
    }
}
