//! SIP messages: parsing (RFC 3261 §7, §25), printing, header access and building.
//!
//! # Representation
//!
//! A [`Message`] owns its start line (typed: method, Request-URI, version or status), one
//! `String` holding every header line's text, an index of `(name, value)` ranges into it in
//! wire order, and the body bytes. Header values are kept verbatim (folding included) and
//! parsed on demand with [`Message::get`] / [`Message::get_all`] and the
//! [`TypedHeader`] types. Parsing a typical INVITE therefore
//! costs four allocations and a linear scan, and printing is a handful of copies.
//!
//! # Framing
//!
//! [`Message::parse`] reads one datagram: the body is framed by Content-Length, bytes after
//! it are discarded (RFC 3261 §18.3). When Content-Length is absent the body is the rest of
//! the datagram; when it is malformed, repeated with different values, or larger than the
//! datagram, the message is still returned with the whole remainder as body and
//! [`Message::framing`] says what went wrong, so the validator can answer 400.
//! [`Message::parse_prefix`] is the stream form used by [`crate::framer::StreamFramer`]:
//! it needs a usable Content-Length and reports how many bytes it consumed.
//!
//! Lines may end in CRLF or a bare LF; printing always uses CRLF.
//!
//! # Example
//!
//! ```
//! use softphone_sip::headers::{ToHeader, Via};
//! use softphone_sip::{validate_request, Message, Method, UasPolicy};
//!
//! let datagram = b"OPTIONS sip:bob@example.com SIP/2.0\r\n\
//! v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bK74bf9;rport\r\n\
//! f: <sip:alice@example.com>;tag=9fxced76sl\r\n\
//! t: <sip:bob@example.com>\r\n\
//! i: 3848276298220188511@192.0.2.1\r\n\
//! CSeq: 1 OPTIONS\r\n\
//! Max-Forwards: 70\r\n\
//! l: 0\r\n\r\n";
//! let request = Message::parse(datagram)?;
//! assert_eq!(request.method(), Some(&Method::Options));
//! assert_eq!(request.top_via()?.rport(), Some(None));
//! if let Err(rejection) = validate_request(&request, &UasPolicy::default()) {
//!     let _answer = rejection.to_response(&request).to_bytes(); // send it back
//! }
//! let mut response = Message::response_to(&request, 200, "OK");
//! let mut to: ToHeader = request.to()?;
//! to.set_tag("8321234356");
//! response.set_typed(&to);
//! let wire = response.to_bytes();
//! assert!(wire.starts_with(b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 192.0.2.1:5060"));
//! # let _ = Via::new("UDP", "h", None, "z9hG4bK1");
//! # Ok::<(), softphone_sip::SipError>(())
//! ```

use std::fmt;

use crate::error::{Result, SipError};
use crate::grammar::{is_token, is_token_char, parse_u64, split_top_level, trim_lws};
use crate::headers::{
    CSeq, CallId, Contact, ContentLength, ContentType, FromHeader, HeaderName, MaxForwards,
    RecordRoute, Route, ToHeader, TypedHeader, Via,
};
use crate::method::{Method, Version};
use crate::uri::Uri;

/// `Request-Line`: method, Request-URI, version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestLine {
    /// The method.
    pub method: Method,
    /// The Request-URI.
    pub uri: Uri,
    /// The SIP version (validation answers 505 for anything but 2.0).
    pub version: Version,
}

/// `Status-Line`: version, status code, reason phrase.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    /// The SIP version.
    pub version: Version,
    /// The status code, 100..=699 (printing assumes it; [`Message::response`] clamps).
    pub code: u16,
    /// The reason phrase (may be empty; any UTF-8).
    pub reason: String,
}

/// The first line of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StartLine {
    /// A request.
    Request(RequestLine),
    /// A response.
    Response(StatusLine),
}

/// How the body of a parsed message was delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyFraming {
    /// By a valid Content-Length that fit in the input.
    ContentLength,
    /// No Content-Length: the rest of the datagram (allowed over UDP, RFC 3261 §18.3), or a
    /// message built in memory.
    Implicit,
    /// Content-Length larger than the bytes available: the body is what was there.
    Truncated {
        /// The declared Content-Length.
        declared: usize,
    },
    /// Content-Length not a number: the body is the rest of the datagram.
    Invalid,
    /// Several Content-Length headers with different values.
    Conflicting,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    name: HeaderName,
    name_start: usize,
    name_end: usize,
    value_start: usize,
    value_end: usize,
}

/// One header line as stored: its typed name, its name as written, and its raw value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The name, resolved (compact forms map to their full name).
    pub name: HeaderName,
    /// The name as written (`v`, `MaX-fOrWaRdS`, `C%6Fntact`).
    pub name_text: &'a str,
    /// The value as written, trimmed; folding (`CRLF` + whitespace) is kept.
    pub value: &'a str,
}

/// A SIP request or response.
#[derive(Debug, Clone)]
pub struct Message {
    start: StartLine,
    head: String,
    entries: Vec<Entry>,
    body: Vec<u8>,
    framing: BodyFraming,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Datagram,
    Stream,
}

enum ClState {
    Absent,
    One(u64),
    Invalid,
    Conflicting,
}

/// Finds `needle` in `hay` from `from`.
#[inline]
fn find_byte(hay: &[u8], from: usize, needle: u8) -> Option<usize> {
    hay.get(from..)
        .and_then(|h| memchr::memchr(needle, h))
        .map(|p| p + from)
}

fn parse_start_line(line: &str) -> Result<StartLine> {
    let is_response = line
        .get(..4)
        .is_some_and(|p| p.eq_ignore_ascii_case("SIP/"));
    if is_response {
        let (version, rest) = line
            .split_once(' ')
            .ok_or(SipError::InvalidStartLine("missing status code"))?;
        let version = Version::parse(version)?;
        let (code, reason) = rest.split_once(' ').unwrap_or((rest, ""));
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(SipError::InvalidStatusCode);
        }
        let code = code
            .parse::<u16>()
            .map_err(|_| SipError::InvalidStatusCode)?;
        if !(100..=699).contains(&code) {
            return Err(SipError::InvalidStatusCode);
        }
        if reason.bytes().any(|b| b.is_ascii_control() && b != b'\t') {
            return Err(SipError::InvalidStartLine(
                "control character in reason phrase",
            ));
        }
        return Ok(StartLine::Response(StatusLine {
            version,
            code,
            reason: reason.to_owned(),
        }));
    }
    if line.ends_with([' ', '\t']) {
        return Err(SipError::InvalidStartLine(
            "trailing whitespace in request line",
        ));
    }
    let sp1 = line
        .find(' ')
        .ok_or(SipError::InvalidStartLine("no spaces in request line"))?;
    let sp2 = line.rfind(' ').unwrap_or(sp1);
    if sp1 == sp2 {
        return Err(SipError::InvalidStartLine(
            "request line needs method, URI and version",
        ));
    }
    let method = Method::parse(line.get(..sp1).unwrap_or(""))?;
    let uri_text = line.get(sp1 + 1..sp2).unwrap_or("");
    let uri = Uri::parse(uri_text)?;
    let version = Version::parse(line.get(sp2 + 1..).unwrap_or(""))?;
    Ok(StartLine::Request(RequestLine {
        method,
        uri,
        version,
    }))
}

fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

impl Message {
    /// Parses one datagram (UDP semantics, see the module docs). Never panics.
    pub fn parse(datagram: &[u8]) -> Result<Message> {
        Message::parse_inner(datagram, Mode::Datagram).map(|(m, _)| m)
    }

    /// Parses one message from the start of `input` (stream semantics): requires a valid
    /// Content-Length, returns the message and the number of bytes it used.
    /// `SipError::Incomplete` means more bytes are needed.
    pub fn parse_prefix(input: &[u8]) -> Result<(Message, usize)> {
        Message::parse_inner(input, Mode::Stream)
    }

    /// Like [`Message::parse`], also returning how many bytes the message used (the rest of
    /// the datagram was ignored, as in RFC 4475's `dblreq`).
    pub fn parse_datagram(datagram: &[u8]) -> Result<(Message, usize)> {
        Message::parse_inner(datagram, Mode::Datagram)
    }

    fn parse_inner(input: &[u8], mode: Mode) -> Result<(Message, usize)> {
        // RFC 3261 §7.5: CRLFs before the start line are ignored (keepalives).
        let lead = input
            .iter()
            .take_while(|&&b| b == b'\r' || b == b'\n')
            .count();
        let rest = input.get(lead..).unwrap_or(&[]);
        let (m, used) = Message::parse_start(rest, mode)?;
        Ok((m, lead + used))
    }

    fn parse_start(input: &[u8], mode: Mode) -> Result<(Message, usize)> {
        let nl = find_byte(input, 0, b'\n').ok_or(SipError::Incomplete("start line"))?;
        let line_end = if nl > 0 && input.get(nl - 1) == Some(&b'\r') {
            nl - 1
        } else {
            nl
        };
        let line = input.get(..line_end).unwrap_or(&[]);
        let line = std::str::from_utf8(line).map_err(|_| SipError::InvalidUtf8)?;
        let start = parse_start_line(line)?;

        let hs = nl + 1;
        let len = input.len();
        let mut pos = hs;
        let mut entries: Vec<Entry> = Vec::with_capacity(16);
        let mut cl = ClState::Absent;
        let head_end;
        let body_start;
        loop {
            match input.get(pos) {
                None => {
                    if mode == Mode::Stream {
                        return Err(SipError::Incomplete("header section"));
                    }
                    // Be liberal: a datagram whose last header line lacks the empty line.
                    head_end = pos;
                    body_start = pos;
                    break;
                }
                Some(b'\n') => {
                    head_end = pos;
                    body_start = pos + 1;
                    break;
                }
                Some(b'\r') if input.get(pos + 1) == Some(&b'\n') => {
                    head_end = pos;
                    body_start = pos + 2;
                    break;
                }
                Some(&b) if is_ws(b) => {
                    return Err(SipError::InvalidHeaderLine(
                        "continuation line without header",
                    ))
                }
                _ => {}
            }
            // header name: token characters, optional whitespace, colon
            let mut ne = pos;
            while input.get(ne).is_some_and(|&b| is_token_char(b)) {
                ne += 1;
            }
            let mut colon = ne;
            while input.get(colon).is_some_and(|&b| is_ws(b)) {
                colon += 1;
            }
            match input.get(colon) {
                Some(b':') if ne > pos => {}
                None => return Err(SipError::Incomplete("header line not terminated")),
                Some(b'\n') | Some(b'\r') => {
                    return Err(SipError::InvalidHeaderLine("missing colon"))
                }
                Some(_) => return Err(SipError::InvalidHeaderLine("bad header name")),
            }
            // one logical line, with folding
            let mut search = colon + 1;
            let eol = loop {
                match find_byte(input, search, b'\n') {
                    None => return Err(SipError::Incomplete("header line not terminated")),
                    Some(n) => {
                        if input.get(n + 1).is_some_and(|&b| is_ws(b)) {
                            search = n + 1;
                        } else {
                            break n;
                        }
                    }
                }
            };
            let mut vs = colon + 1;
            while vs < eol && input.get(vs).is_some_and(|&b| crate::grammar::is_lws(b)) {
                vs += 1;
            }
            let mut ve = eol;
            while ve > vs
                && input
                    .get(ve - 1)
                    .is_some_and(|&b| crate::grammar::is_lws(b))
            {
                ve -= 1;
            }
            let name = HeaderName::from_bytes(input.get(pos..ne).unwrap_or(&[]));
            if name == HeaderName::ContentLength {
                let v = input.get(vs..ve).unwrap_or(&[]);
                let n = std::str::from_utf8(v)
                    .ok()
                    .and_then(|v| parse_u64(trim_lws(v)));
                cl = match (cl, n) {
                    (ClState::Absent, Some(n)) => ClState::One(n),
                    (ClState::One(_), Some(_)) | (ClState::Conflicting, _) => ClState::Conflicting,
                    (_, None) | (ClState::Invalid, _) => ClState::Invalid,
                };
            }
            entries.push(Entry {
                name,
                name_start: pos - hs,
                name_end: ne - hs,
                value_start: vs - hs,
                value_end: ve - hs,
            });
            pos = eol + 1;
        }
        let head_bytes = input.get(hs..head_end).unwrap_or(&[]);
        let head = std::str::from_utf8(head_bytes).map_err(|_| SipError::InvalidUtf8)?;

        let available = len - body_start;
        let (body_len, framing) = match (cl, mode) {
            (ClState::One(n), _) if n <= available as u64 => {
                (n as usize, BodyFraming::ContentLength)
            }
            (ClState::One(_), Mode::Stream) => return Err(SipError::Incomplete("body")),
            (ClState::One(n), Mode::Datagram) => (
                available,
                BodyFraming::Truncated {
                    declared: usize::try_from(n).unwrap_or(usize::MAX),
                },
            ),
            (_, Mode::Stream) => return Err(SipError::MissingContentLength),
            (ClState::Absent, Mode::Datagram) => (available, BodyFraming::Implicit),
            (ClState::Invalid, Mode::Datagram) => (available, BodyFraming::Invalid),
            (ClState::Conflicting, Mode::Datagram) => (available, BodyFraming::Conflicting),
        };
        let body = input
            .get(body_start..body_start + body_len)
            .unwrap_or(&[])
            .to_vec();
        let message = Message {
            start,
            head: head.to_owned(),
            entries,
            body,
            framing,
        };
        Ok((message, body_start + body_len))
    }

    /// True for a datagram that only carries CRLF keepalives (RFC 5626 §4.4.1 style), which
    /// the transport should drop silently (or answer, for a `CRLF CRLF` ping).
    pub fn is_keepalive(datagram: &[u8]) -> bool {
        !datagram.is_empty() && datagram.iter().all(|&b| b == b'\r' || b == b'\n')
    }

    /// A new request with no headers.
    pub fn request(method: Method, uri: Uri) -> Message {
        Message::with_start(StartLine::Request(RequestLine {
            method,
            uri,
            version: Version::SIP_2_0,
        }))
    }

    /// A new response with no headers. `code` is clamped into 100..=699 and CR/LF in
    /// `reason` become spaces, so the printed status line always parses.
    pub fn response(code: u16, reason: &str) -> Message {
        Message::with_start(StartLine::Response(StatusLine {
            version: Version::SIP_2_0,
            code: code.clamp(100, 699),
            reason: reason.replace(['\r', '\n'], " "),
        }))
    }

    /// A response to `request` carrying its Via, From, To, Call-ID and CSeq headers
    /// (RFC 3261 §8.2.6.2), with `Content-Length: 0`. Adding the To tag is the caller's job.
    pub fn response_to(request: &Message, code: u16, reason: &str) -> Message {
        let mut r = Message::response(code, reason);
        for h in request.headers() {
            if matches!(
                h.name,
                HeaderName::Via
                    | HeaderName::From
                    | HeaderName::To
                    | HeaderName::CallId
                    | HeaderName::CSeq
            ) {
                r.push_header(h.name, h.value);
            }
        }
        r.push_header(HeaderName::ContentLength, "0");
        r
    }

    fn with_start(start: StartLine) -> Message {
        Message {
            start,
            head: String::new(),
            entries: Vec::new(),
            body: Vec::new(),
            framing: BodyFraming::Implicit,
        }
    }

    /// The start line.
    pub fn start_line(&self) -> &StartLine {
        &self.start
    }

    /// Mutable start line.
    pub fn start_line_mut(&mut self) -> &mut StartLine {
        &mut self.start
    }

    /// True for requests.
    pub fn is_request(&self) -> bool {
        matches!(self.start, StartLine::Request(_))
    }

    /// The method of a request.
    pub fn method(&self) -> Option<&Method> {
        match &self.start {
            StartLine::Request(r) => Some(&r.method),
            StartLine::Response(_) => None,
        }
    }

    /// The Request-URI of a request.
    pub fn request_uri(&self) -> Option<&Uri> {
        match &self.start {
            StartLine::Request(r) => Some(&r.uri),
            StartLine::Response(_) => None,
        }
    }

    /// The status code of a response.
    pub fn status(&self) -> Option<u16> {
        match &self.start {
            StartLine::Response(s) => Some(s.code),
            StartLine::Request(_) => None,
        }
    }

    /// The reason phrase of a response.
    pub fn reason(&self) -> Option<&str> {
        match &self.start {
            StartLine::Response(s) => Some(&s.reason),
            StartLine::Request(_) => None,
        }
    }

    /// The SIP version of the start line.
    pub fn version(&self) -> Version {
        match &self.start {
            StartLine::Request(r) => r.version,
            StartLine::Response(s) => s.version,
        }
    }

    /// How the body was delimited.
    pub fn framing(&self) -> BodyFraming {
        self.framing
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    fn header_at(&self, e: &Entry) -> Header<'_> {
        Header {
            name: e.name,
            name_text: self.head.get(e.name_start..e.name_end).unwrap_or(""),
            value: self.head.get(e.value_start..e.value_end).unwrap_or(""),
        }
    }

    /// All headers, in order.
    pub fn headers(&self) -> impl ExactSizeIterator<Item = Header<'_>> + '_ {
        self.entries.iter().map(move |e| self.header_at(e))
    }

    /// Number of header lines.
    pub fn header_count(&self) -> usize {
        self.entries.len()
    }

    /// The raw values of every line named `name`, in order.
    pub fn values(&self, name: HeaderName) -> impl Iterator<Item = &str> + '_ {
        self.entries
            .iter()
            .filter(move |e| e.name == name)
            .map(move |e| self.head.get(e.value_start..e.value_end).unwrap_or(""))
    }

    /// The raw value of the first line named `name`.
    pub fn value(&self, name: HeaderName) -> Option<&str> {
        self.values(name).next()
    }

    /// The raw values of every line whose written name equals `name` (case-insensitive),
    /// for headers this crate has no [`HeaderName`] for.
    pub fn values_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers()
            .filter(move |h| h.name_text.eq_ignore_ascii_case(name))
            .map(|h| h.value)
    }

    /// Parses the single header `T`: `Ok(None)` when absent, an error when malformed or
    /// present more than once.
    pub fn get<T: TypedHeader>(&self) -> Result<Option<T>> {
        let mut it = self.values(T::NAME);
        let Some(first) = it.next() else {
            return Ok(None);
        };
        if it.next().is_some() {
            return Err(SipError::DuplicateHeader(T::NAME.as_str()));
        }
        T::parse(first).map(Some)
    }

    /// Like [`Message::get`] but a missing header is an error.
    pub fn require<T: TypedHeader>(&self) -> Result<T> {
        self.get::<T>()?
            .ok_or(SipError::MissingHeader(T::NAME.as_str()))
    }

    /// Parses every value of `T`, in order, splitting list headers at top-level commas.
    pub fn get_all<T: TypedHeader>(&self) -> Result<Vec<T>> {
        let mut out = Vec::new();
        for v in self.values(T::NAME) {
            if T::NAME.is_list() {
                if trim_lws(v).is_empty() {
                    continue;
                }
                for part in split_top_level(v, b',') {
                    out.push(T::parse(part)?);
                }
            } else {
                out.push(T::parse(v)?);
            }
        }
        Ok(out)
    }

    /// `Call-ID` (mandatory).
    pub fn call_id(&self) -> Result<CallId> {
        self.require()
    }

    /// `CSeq` (mandatory).
    pub fn cseq(&self) -> Result<CSeq> {
        self.require()
    }

    /// `From` (mandatory).
    pub fn from(&self) -> Result<FromHeader> {
        self.require()
    }

    /// `To` (mandatory).
    pub fn to(&self) -> Result<ToHeader> {
        self.require()
    }

    /// Every Via value, top first.
    pub fn vias(&self) -> Result<Vec<Via>> {
        self.get_all()
    }

    /// The topmost Via (mandatory).
    pub fn top_via(&self) -> Result<Via> {
        let v = self
            .value(HeaderName::Via)
            .ok_or(SipError::MissingHeader("Via"))?;
        let first = split_top_level(v, b',').next().unwrap_or("");
        Via::parse(first)
    }

    /// Every Contact value.
    pub fn contacts(&self) -> Result<Vec<Contact>> {
        self.get_all()
    }

    /// Every Route value, in order.
    pub fn routes(&self) -> Result<Vec<Route>> {
        self.get_all()
    }

    /// Every Record-Route value, in order.
    pub fn record_routes(&self) -> Result<Vec<RecordRoute>> {
        self.get_all()
    }

    /// `Max-Forwards`, if present.
    pub fn max_forwards(&self) -> Result<Option<u8>> {
        Ok(self.get::<MaxForwards>()?.map(|m| m.0))
    }

    /// `Content-Type`, if present.
    pub fn content_type(&self) -> Result<Option<ContentType>> {
        self.get()
    }

    /// `Content-Length`, if present and valid.
    pub fn content_length(&self) -> Result<Option<u32>> {
        Ok(self.get::<ContentLength>()?.map(|c| c.0))
    }

    fn append(&mut self, name: &str, value: &str) -> Entry {
        let name_start = self.head.len();
        self.head.push_str(name);
        let name_end = self.head.len();
        self.head.push_str(": ");
        let value_start = self.head.len();
        if value.contains(['\r', '\n']) {
            self.head.push_str(&value.replace(['\r', '\n'], " "));
        } else {
            self.head.push_str(value);
        }
        let trimmed = self
            .head
            .get(value_start..)
            .map(|v| v.trim_end_matches([' ', '\t']).len())
            .unwrap_or(0);
        let leading = self
            .head
            .get(value_start..)
            .map(|v| v.len() - v.trim_start_matches([' ', '\t']).len())
            .unwrap_or(0);
        self.head.push_str("\r\n");
        Entry {
            name: HeaderName::from_name(name),
            name_start,
            name_end,
            value_start: value_start + leading.min(trimmed),
            value_end: value_start + trimmed,
        }
    }

    /// Appends a header with its canonical name. CR and LF in `value` become spaces, so a
    /// built message can never be mis-framed. [`HeaderName::Other`] is written as `Other`;
    /// use [`Message::push_header_named`] for unknown names.
    pub fn push_header(&mut self, name: HeaderName, value: &str) {
        let e = self.append(name.as_str(), value);
        self.entries.push(e);
    }

    /// Appends a header with any `token` name (refused otherwise).
    pub fn push_header_named(&mut self, name: &str, value: &str) -> Result<()> {
        if !is_token(name) {
            return Err(SipError::InvalidHeaderLine("bad header name"));
        }
        let e = self.append(name, value);
        self.entries.push(e);
        Ok(())
    }

    /// Inserts a header at position `index` (clamped to the end), e.g. a new top Via at 0.
    pub fn insert_header(&mut self, index: usize, name: HeaderName, value: &str) {
        let e = self.append(name.as_str(), value);
        let index = index.min(self.entries.len());
        self.entries.insert(index, e);
    }

    /// Appends a typed header.
    pub fn push_typed<T: TypedHeader>(&mut self, value: &T) {
        self.push_header(T::NAME, &value.to_string());
    }

    /// Inserts a typed header before every other header of the message (top Via, Route).
    pub fn insert_typed_first<T: TypedHeader>(&mut self, value: &T) {
        let index = self
            .entries
            .iter()
            .position(|e| e.name == T::NAME)
            .unwrap_or(0);
        self.insert_header(index, T::NAME, &value.to_string());
    }

    /// Replaces every `T` line with one line holding `value`, at the first one's position.
    pub fn set_typed<T: TypedHeader>(&mut self, value: &T) {
        self.set_header(T::NAME, &value.to_string());
    }

    /// Replaces every `name` line with one line holding `value` (appended if absent).
    pub fn set_header(&mut self, name: HeaderName, value: &str) {
        let index = self.entries.iter().position(|e| e.name == name);
        self.remove_headers(name);
        match index {
            Some(i) => self.insert_header(i, name, value),
            None => self.push_header(name, value),
        }
    }

    /// Removes every line named `name`; returns how many were removed.
    pub fn remove_headers(&mut self, name: HeaderName) -> usize {
        let before = self.entries.len();
        self.entries.retain(|e| e.name != name);
        before - self.entries.len()
    }

    /// Removes the first value of list header `name` (e.g. the top Via of a response, which
    /// may share a line with others). Returns false when there was none.
    pub fn remove_first_value(&mut self, name: HeaderName) -> bool {
        let Some(i) = self.entries.iter().position(|e| e.name == name) else {
            return false;
        };
        let Some(e) = self.entries.get(i).copied() else {
            return false;
        };
        let value = self
            .head
            .get(e.value_start..e.value_end)
            .unwrap_or("")
            .to_owned();
        let mut parts = split_top_level(&value, b',');
        parts.next();
        let rest: Vec<&str> = parts.map(trim_lws).collect();
        self.entries.remove(i);
        if !rest.is_empty() {
            self.insert_header(i, name, &rest.join(", "));
        }
        true
    }

    /// Replaces the body, setting Content-Length and, when given, Content-Type.
    pub fn set_body(&mut self, content_type: Option<&str>, body: Vec<u8>) {
        if let Some(ct) = content_type {
            self.set_header(HeaderName::ContentType, ct);
        }
        self.body = body;
        let len = self.body.len().to_string();
        self.set_header(HeaderName::ContentLength, &len);
        self.framing = BodyFraming::ContentLength;
    }

    /// Prints the message: start line, headers in order (names as written), empty line,
    /// body. Content-Length is printed as stored; [`Message::set_body`] keeps it right.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.reserve(self.head.len() + self.body.len() + 64);
        match &self.start {
            StartLine::Request(r) => {
                out.extend_from_slice(r.method.as_str().as_bytes());
                out.push(b' ');
                out.extend_from_slice(r.uri.as_str().as_bytes());
                out.push(b' ');
                write_version(out, r.version);
            }
            StartLine::Response(s) => {
                write_version(out, s.version);
                out.push(b' ');
                let c = s.code;
                out.extend_from_slice(&[
                    b'0' + (c / 100 % 10) as u8,
                    b'0' + (c / 10 % 10) as u8,
                    b'0' + (c % 10) as u8,
                ]);
                out.push(b' ');
                out.extend_from_slice(s.reason.as_bytes());
            }
        }
        out.extend_from_slice(b"\r\n");
        let head = self.head.as_bytes();
        for e in &self.entries {
            out.extend_from_slice(head.get(e.name_start..e.name_end).unwrap_or(&[]));
            out.extend_from_slice(b": ");
            out.extend_from_slice(head.get(e.value_start..e.value_end).unwrap_or(&[]));
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
    }

    /// The printed message.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write_to(&mut out);
        out
    }
}

fn write_version(out: &mut Vec<u8>, v: Version) {
    if v == Version::SIP_2_0 {
        out.extend_from_slice(b"SIP/2.0");
    } else {
        out.extend_from_slice(v.to_string().as_bytes());
    }
}

impl PartialEq for Message {
    /// Structural equality: start line, header names (as written) and values in order,
    /// body and framing.
    fn eq(&self, other: &Message) -> bool {
        self.start == other.start
            && self.body == other.body
            && self.framing == other.framing
            && self.entries.len() == other.entries.len()
            && self.headers().zip(other.headers()).all(|(a, b)| a == b)
    }
}

impl Eq for Message {}

impl fmt::Display for Message {
    /// The printed message, with the body shown lossily as UTF-8 (for traces).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.to_bytes()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INVITE: &[u8] = b"INVITE sip:bob@biloxi.com SIP/2.0\r\n\
Via: SIP/2.0/UDP pc33.atlanta.com;branch=z9hG4bK776asdhds\r\n\
Max-Forwards: 70\r\n\
To: Bob <sip:bob@biloxi.com>\r\n\
From: Alice <sip:alice@atlanta.com>;tag=1928301774\r\n\
Call-ID: a84b4c76e66710@pc33.atlanta.com\r\n\
CSeq: 314159 INVITE\r\n\
Contact: <sip:alice@pc33.atlanta.com>\r\n\
Content-Type: application/sdp\r\n\
Content-Length: 4\r\n\
\r\n\
v=0\n";

    #[test]
    fn parse_print_roundtrip() {
        let m = Message::parse(INVITE).unwrap();
        assert_eq!(m.method(), Some(&Method::Invite));
        assert_eq!(m.header_count(), 9);
        assert_eq!(m.body(), b"v=0\n");
        assert_eq!(m.to_bytes(), INVITE);
        assert_eq!(m.cseq().unwrap().seq, 314159);
        assert_eq!(m.from().unwrap().tag(), Some("1928301774"));
        assert_eq!(m.top_via().unwrap().branch(), Some("z9hG4bK776asdhds"));
    }

    #[test]
    fn stream_prefix_needs_all_bytes() {
        for cut in 0..INVITE.len() {
            assert!(Message::parse_prefix(&INVITE[..cut]).is_err());
        }
        let mut two = INVITE.to_vec();
        two.extend_from_slice(INVITE);
        let (m, used) = Message::parse_prefix(&two).unwrap();
        assert_eq!(used, INVITE.len());
        assert_eq!(m.body(), b"v=0\n");
    }

    #[test]
    fn building() {
        let mut m = Message::request(Method::Options, Uri::parse("sip:a@b").unwrap());
        m.push_typed(&Via::new("UDP", "h", Some(5060), "z9hG4bK1"));
        m.insert_typed_first(&Via::new("TCP", "p", None, "z9hG4bK2"));
        m.push_header(HeaderName::MaxForwards, "70\r\nInjected: yes");
        m.set_body(Some("text/plain"), b"hi".to_vec());
        let text = m.to_bytes();
        let p = Message::parse(&text).unwrap();
        assert_eq!(p, m);
        let vias = p.vias().unwrap();
        assert_eq!(vias[0].transport, "TCP");
        assert_eq!(p.values_named("Injected").count(), 0);
        assert_eq!(p.content_length().unwrap(), Some(2));
        let mut r = Message::response_to(&p, 200, "OK");
        assert_eq!(r.vias().unwrap().len(), 2);
        assert!(r.remove_first_value(HeaderName::Via));
        assert_eq!(r.vias().unwrap().len(), 1);
    }

    #[test]
    fn leading_crlf_is_skipped() {
        let mut d = b"\r\n\r\n".to_vec();
        d.extend_from_slice(INVITE);
        let (m, used) = Message::parse_datagram(&d).unwrap();
        assert_eq!(used, d.len());
        assert_eq!(m.method(), Some(&Method::Invite));
        assert!(Message::is_keepalive(b"\r\n\r\n"));
        assert!(!Message::is_keepalive(b""));
        assert!(Message::parse(b"\r\n\r\n").is_err());
    }

    #[test]
    fn status_lines() {
        assert!(Message::parse(b"SIP/2.0 4294967301 x\r\n\r\n").is_err());
        assert!(Message::parse(b"SIP/2.0 099 x\r\n\r\n").is_err());
        let m = Message::parse(b"SIP/2.0 100 \r\n\r\n").unwrap();
        assert_eq!((m.status(), m.reason()), (Some(100), Some("")));
    }
}
