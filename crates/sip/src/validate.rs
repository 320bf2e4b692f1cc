//! What a UAS answers to a request that parsed but is not acceptable (RFC 3261 §8.2,
//! §16.3; RFC 4475 §3.1.2–3.4), and whether a received response is usable.
//!
//! Call [`validate_request`] on every request that [`crate::Message::parse`] returned, before
//! handing it to a transaction. It checks, in RFC 3261 order:
//!
//! 1. the version (505),
//! 2. framing: Content-Length malformed, repeated or larger than the datagram (400),
//! 3. mandatory headers present once and every known header well-formed (400), CSeq
//!    method equal to the request method (400), no headers in the Request-URI (400),
//! 4. Max-Forwards 0 when acting as a proxy (483; a UAS processes the request),
//! 5. Request-URI scheme (416), and for REGISTER the To URI scheme (416),
//! 6. `Require` option tags (420 with `Unsupported`; never for ACK and CANCEL),
//! 7. body: Content-Type present (400) and accepted (415 with `Accept`), Content-Encoding
//!    accepted (415 with `Accept-Encoding`),
//! 8. an INVITE whose `Accept` excludes `application/sdp` (406): the answer could not carry
//!    SDP.
//!
//! Max-Forwards is optional (RFC 2543 peers, RFC 4475 `inv2543`); a missing From tag or
//! branch is accepted for the same reason.

use crate::error::SipError;
use crate::headers::{
    Accept, AcceptEncoding, Allow, AllowEvents, Authorization, CSeq, CallId, Contact,
    ContentEncoding, ContentLength, ContentType, Date, Event, Expires, FromHeader, HeaderName,
    MaxForwards, MediaType, MinExpires, MinSe, ProxyAuthorization, ProxyRequire, RAck, RSeq,
    RecordRoute, ReferTo, ReferredBy, Require, Route, SessionExpires, SubscriptionState, Supported,
    ToHeader, TypedHeader, Unsupported, Via,
};
use crate::message::{BodyFraming, Message};
use crate::method::{Method, Version};
use crate::uri::Scheme;

/// What this user agent supports, for [`validate_request`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UasPolicy {
    /// Request-URI schemes served (default `sip`, `sips`).
    pub schemes: Vec<Scheme>,
    /// Option tags understood in `Require` (default `100rel`, `timer`, `replaces`,
    /// `norefersub`, `outbound`, `gruu`, `path`).
    pub extensions: Vec<String>,
    /// Body types accepted (default `application/sdp`, `multipart/mixed`,
    /// `message/sipfrag`, `text/plain`, `application/dtmf-relay`).
    pub content_types: Vec<MediaType>,
    /// Content codings accepted (default `identity` only).
    pub encodings: Vec<String>,
    /// Forwarding requests (answers 483 to Max-Forwards 0); a phone leaves this false.
    pub proxy: bool,
}

impl Default for UasPolicy {
    fn default() -> UasPolicy {
        UasPolicy {
            schemes: vec![Scheme::Sip, Scheme::Sips],
            extensions: [
                "100rel",
                "timer",
                "replaces",
                "norefersub",
                "outbound",
                "gruu",
                "path",
            ]
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
            content_types: vec![
                MediaType::new("application", "sdp"),
                MediaType::new("multipart", "mixed"),
                MediaType::new("message", "sipfrag"),
                MediaType::new("text", "plain"),
                MediaType::new("application", "dtmf-relay"),
            ],
            encodings: vec!["identity".to_owned()],
            proxy: false,
        }
    }
}

/// The response a UAS must send instead of processing the request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Status code (400, 406, 415, 416, 420, 483, 505).
    pub code: u16,
    /// Reason phrase saying precisely what is wrong.
    pub reason: String,
    /// Headers the response must carry (`Unsupported`, `Accept`, `Accept-Encoding`).
    pub headers: Vec<(HeaderName, String)>,
}

impl Rejection {
    fn new(code: u16, reason: impl Into<String>) -> Rejection {
        Rejection {
            code,
            reason: reason.into(),
            headers: Vec::new(),
        }
    }

    /// Builds the response to `request` (Via, From, To, Call-ID, CSeq copied, extra headers
    /// added). The caller adds a To tag when the request had none.
    pub fn to_response(&self, request: &Message) -> Message {
        let mut r = Message::response_to(request, self.code, &self.reason);
        for (n, v) in &self.headers {
            r.push_header(*n, v);
        }
        r
    }
}

fn malformed(name: HeaderName, e: &SipError) -> Rejection {
    match e {
        SipError::OutOfRange(what) => Rejection::new(400, format!("{what} out of range")),
        SipError::DuplicateHeader(h) => Rejection::new(400, format!("Duplicate {h} header")),
        SipError::MissingHeader(h) => Rejection::new(400, format!("Missing {h} header")),
        _ => Rejection::new(400, format!("Malformed {name} header")),
    }
}

fn check<T: TypedHeader>(m: &Message) -> Result<(), Rejection> {
    m.get_all::<T>()
        .map(drop)
        .map_err(|e| malformed(T::NAME, &e))
}

/// Parses every known header of `m` with its typed parser.
fn check_known_headers(m: &Message) -> Result<(), Rejection> {
    let mut seen: Vec<HeaderName> = Vec::new();
    for h in m.headers() {
        if seen.contains(&h.name) {
            continue;
        }
        seen.push(h.name);
        let single = !h.name.is_list()
            && !matches!(
                h.name,
                HeaderName::Other
                    | HeaderName::Authorization
                    | HeaderName::ProxyAuthorization
                    | HeaderName::WwwAuthenticate
                    | HeaderName::ProxyAuthenticate
            );
        if single && m.values(h.name).nth(1).is_some() {
            return Err(Rejection::new(400, format!("Duplicate {} header", h.name)));
        }
        match h.name {
            HeaderName::Via => check::<Via>(m)?,
            HeaderName::From => check::<FromHeader>(m)?,
            HeaderName::To => check::<ToHeader>(m)?,
            HeaderName::CallId => check::<CallId>(m)?,
            HeaderName::CSeq => check::<CSeq>(m)?,
            HeaderName::MaxForwards => check::<MaxForwards>(m)?,
            HeaderName::ContentLength => check::<ContentLength>(m)?,
            HeaderName::ContentType => check::<ContentType>(m)?,
            HeaderName::Expires => check::<Expires>(m)?,
            HeaderName::MinExpires => check::<MinExpires>(m)?,
            HeaderName::Contact => {
                let contacts = m.get_all::<Contact>().map_err(|e| malformed(h.name, &e))?;
                for c in &contacts {
                    c.expires()
                        .map_err(|_| Rejection::new(400, "Contact expires out of range"))?;
                    c.q()
                        .map_err(|_| Rejection::new(400, "Malformed Contact q"))?;
                }
                if contacts.len() > 1 && contacts.contains(&Contact::Wildcard) {
                    return Err(Rejection::new(400, "Contact * mixed with addresses"));
                }
            }
            HeaderName::Route => check::<Route>(m)?,
            HeaderName::RecordRoute => check::<RecordRoute>(m)?,
            HeaderName::Require => check::<Require>(m)?,
            HeaderName::ProxyRequire => check::<ProxyRequire>(m)?,
            HeaderName::Supported => check::<Supported>(m)?,
            HeaderName::Unsupported => check::<Unsupported>(m)?,
            HeaderName::Allow => check::<Allow>(m)?,
            HeaderName::Accept => check::<Accept>(m)?,
            HeaderName::ContentEncoding => check::<ContentEncoding>(m)?,
            HeaderName::AcceptEncoding => check::<AcceptEncoding>(m)?,
            HeaderName::Date => check::<Date>(m)?,
            HeaderName::Event => check::<Event>(m)?,
            HeaderName::AllowEvents => check::<AllowEvents>(m)?,
            HeaderName::SubscriptionState => check::<SubscriptionState>(m)?,
            HeaderName::SessionExpires => check::<SessionExpires>(m)?,
            HeaderName::MinSe => check::<MinSe>(m)?,
            HeaderName::RSeq => check::<RSeq>(m)?,
            HeaderName::RAck => check::<RAck>(m)?,
            HeaderName::ReferTo => check::<ReferTo>(m)?,
            HeaderName::ReferredBy => check::<ReferredBy>(m)?,
            HeaderName::Authorization => check::<Authorization>(m)?,
            HeaderName::ProxyAuthorization => check::<ProxyAuthorization>(m)?,
            _ => {}
        }
    }
    Ok(())
}

fn check_framing(m: &Message) -> Result<(), Rejection> {
    match m.framing() {
        BodyFraming::ContentLength | BodyFraming::Implicit => Ok(()),
        BodyFraming::Truncated { .. } => {
            Err(Rejection::new(400, "Content-Length larger than message"))
        }
        BodyFraming::Invalid => Err(Rejection::new(400, "Malformed Content-Length")),
        BodyFraming::Conflicting => Err(Rejection::new(400, "Conflicting Content-Length headers")),
    }
}

fn check_mandatory(m: &Message) -> Result<(), Rejection> {
    let missing: Vec<&str> = [
        HeaderName::Via,
        HeaderName::From,
        HeaderName::To,
        HeaderName::CallId,
        HeaderName::CSeq,
    ]
    .iter()
    .filter(|n| m.value(**n).is_none())
    .map(|n| n.as_str())
    .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(Rejection::new(
            400,
            format!("Missing {} header", missing.join(", ")),
        ))
    }
}

/// Checks a parsed request; `Err` carries the response to send instead of processing it.
pub fn validate_request(m: &Message, policy: &UasPolicy) -> Result<(), Rejection> {
    let (method, uri) = match (m.method(), m.request_uri()) {
        (Some(method), Some(uri)) => (method, uri),
        _ => return Err(Rejection::new(400, "Not a request")),
    };
    if m.version() != Version::SIP_2_0 {
        return Err(Rejection::new(505, "Version Not Supported"));
    }
    check_framing(m)?;
    check_mandatory(m)?;
    check_known_headers(m)?;
    let cseq = m.cseq().map_err(|e| malformed(HeaderName::CSeq, &e))?;
    if &cseq.method != method {
        return Err(Rejection::new(
            400,
            "CSeq method does not match request method",
        ));
    }
    if uri.is_sip() && uri.headers_str().is_some() {
        return Err(Rejection::new(400, "Headers not allowed in Request-URI"));
    }
    if policy.proxy && m.max_forwards().ok().flatten() == Some(0) {
        return Err(Rejection::new(483, "Too Many Hops"));
    }
    if !policy.schemes.contains(&uri.scheme()) {
        return Err(Rejection::new(416, "Unsupported URI Scheme"));
    }
    if *method == Method::Register {
        let to = m.to().map_err(|e| malformed(HeaderName::To, &e))?;
        if !to.uri.is_sip() {
            return Err(Rejection::new(416, "Unsupported URI Scheme in To"));
        }
    }
    if !matches!(method, Method::Ack | Method::Cancel) {
        let require = m
            .get_all::<Require>()
            .map_err(|e| malformed(HeaderName::Require, &e))?;
        let unknown: Vec<&str> = require
            .iter()
            .map(|r| r.0.as_str())
            .filter(|t| !policy.extensions.iter().any(|e| e.eq_ignore_ascii_case(t)))
            .collect();
        if !unknown.is_empty() {
            let mut r = Rejection::new(420, "Bad Extension");
            r.headers
                .push((HeaderName::Unsupported, unknown.join(", ")));
            return Err(r);
        }
    }
    if !m.body().is_empty() {
        let Some(ct) = m
            .content_type()
            .map_err(|e| malformed(HeaderName::ContentType, &e))?
        else {
            return Err(Rejection::new(400, "Missing Content-Type for a body"));
        };
        if !policy
            .content_types
            .iter()
            .any(|t| t.is(&ct.0.top, &ct.0.sub))
        {
            let mut r = Rejection::new(415, "Unsupported Media Type");
            let list: Vec<String> = policy.content_types.iter().map(|t| t.to_string()).collect();
            r.headers.push((HeaderName::Accept, list.join(", ")));
            return Err(r);
        }
        let encodings = m
            .get_all::<ContentEncoding>()
            .map_err(|e| malformed(HeaderName::ContentEncoding, &e))?;
        if encodings.iter().any(|e| {
            !policy
                .encodings
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&e.0))
        }) {
            let mut r = Rejection::new(415, "Unsupported Content-Encoding");
            r.headers
                .push((HeaderName::AcceptEncoding, policy.encodings.join(", ")));
            return Err(r);
        }
    }
    if *method == Method::Invite {
        let accept = m
            .get_all::<Accept>()
            .map_err(|e| malformed(HeaderName::Accept, &e))?;
        if !accept.is_empty() && !accept.iter().any(|a| a.0.matches("application", "sdp")) {
            return Err(Rejection::new(
                406,
                "Not Acceptable: SDP excluded by Accept",
            ));
        }
    }
    Ok(())
}

/// Checks a parsed response before it is matched to a client transaction. An `Err` means
/// the response must be dropped (RFC 3261 §18.1.2 and RFC 4475 `scalarlg`, `bigcode`).
pub fn validate_response(m: &Message) -> Result<(), SipError> {
    if m.status().is_none() {
        return Err(SipError::InvalidStartLine("not a response"));
    }
    if m.version() != Version::SIP_2_0 {
        return Err(SipError::InvalidVersion);
    }
    match m.framing() {
        BodyFraming::ContentLength | BodyFraming::Implicit => {}
        BodyFraming::Truncated { .. } | BodyFraming::Invalid | BodyFraming::Conflicting => {
            return Err(SipError::InvalidHeader {
                header: "Content-Length",
                reason: "does not frame the body",
            })
        }
    }
    check_mandatory(m)
        .and_then(|()| check_known_headers(m))
        .map_err(|r| SipError::InvalidResponse(r.reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(extra: &str, body: &str) -> Message {
        let text = format!(
            "INVITE sip:bob@example.com SIP/2.0\r\n\
             Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
             From: <sip:a@example.com>;tag=1\r\n\
             To: <sip:bob@example.com>\r\n\
             Call-ID: c1\r\n\
             CSeq: 1 INVITE\r\n\
             Max-Forwards: 70\r\n\
             {extra}Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        Message::parse(text.as_bytes()).unwrap()
    }

    fn verdict(m: &Message) -> Option<(u16, String)> {
        validate_request(m, &UasPolicy::default())
            .err()
            .map(|r| (r.code, r.reason))
    }

    #[test]
    fn accepts_a_plain_invite() {
        assert_eq!(
            verdict(&request("Content-Type: application/sdp\r\n", "v=0\r\n")),
            None
        );
        assert_eq!(verdict(&request("Require: 100rel, timer\r\n", "")), None);
    }

    #[test]
    fn body_checks() {
        assert_eq!(verdict(&request("", "v=0\r\n")).unwrap().0, 400);
        let r = validate_request(
            &request(
                "Content-Type: application/sdp\r\nContent-Encoding: gzip\r\n",
                "x",
            ),
            &UasPolicy::default(),
        )
        .unwrap_err();
        assert_eq!((r.code, r.headers[0].0), (415, HeaderName::AcceptEncoding));
        assert_eq!(
            verdict(&request(
                "Content-Type: application/sdp\r\nAccept: text/plain\r\n",
                "v=0\r\n"
            ))
            .unwrap()
            .0,
            406
        );
        assert_eq!(
            verdict(&request(
                "Content-Type: application/sdp\r\nAccept: application/*\r\n",
                "v=0\r\n"
            )),
            None
        );
    }

    #[test]
    fn header_checks() {
        assert_eq!(
            verdict(&request("Contact: *, <sip:a@b>\r\n", "")).unwrap(),
            (400, "Contact * mixed with addresses".into())
        );
        assert_eq!(
            verdict(&request("Max-Forwards: 1\r\n", "")).unwrap(),
            (400, "Duplicate Max-Forwards header".into())
        );
        assert_eq!(
            verdict(&request("Expires: soon\r\n", "")).unwrap(),
            (400, "Malformed Expires header".into())
        );
        assert_eq!(
            verdict(&request(
                "Session-Expires: 1800;refresher=uac\r\nMin-SE: 90\r\nRSeq: 1\r\n",
                ""
            )),
            None
        );
        assert_eq!(verdict(&request("RAck: 1 INVITE\r\n", "")).unwrap().0, 400);
    }

    #[test]
    fn require_is_ignored_for_ack_and_cancel() {
        let text = "ACK sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\n\
                    From: <sip:a@example.com>;tag=1\r\nTo: <sip:bob@example.com>;tag=2\r\n\
                    Call-ID: c1\r\nCSeq: 1 ACK\r\nRequire: foo\r\nContent-Length: 0\r\n\r\n";
        let m = Message::parse(text.as_bytes()).unwrap();
        assert_eq!(verdict(&m), None);
        let m = Message::parse(text.replace("ACK", "BYE").as_bytes()).unwrap();
        assert_eq!(verdict(&m).unwrap().0, 420);
    }

    #[test]
    fn responses() {
        let ok =
            "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n\
                  To: <sip:c@d>;tag=2\r\nCall-ID: x\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n";
        assert!(validate_response(&Message::parse(ok.as_bytes()).unwrap()).is_ok());
        let no_via = ok.replace("Via: SIP/2.0/UDP h;branch=z9hG4bK1\r\n", "");
        assert!(validate_response(&Message::parse(no_via.as_bytes()).unwrap()).is_err());
        let bad_len = ok.replace("Content-Length: 0", "Content-Length: 10");
        assert!(validate_response(&Message::parse(bad_len.as_bytes()).unwrap()).is_err());
    }
}
