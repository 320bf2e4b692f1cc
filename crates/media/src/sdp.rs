//! SDP (RFC 4566) parser and printer, limited to what SIP phones exchange.
//!
//! Parsed: `v=`, `o=`, `s=`, `i=`, `c=`, `b=`, `t=`, `m=` and `a=` lines. `u=`, `e=`, `p=`, `r=`,
//! `z=` and `k=` lines are accepted and dropped. Every attribute is kept in order as a name and
//! an optional value, so ICE (`ice-ufrag`, `ice-pwd`, `candidate`), DTLS (`fingerprint`, `setup`)
//! and bundling (`mid`, `group`) survive a parse → print round trip. Typed views exist for the
//! attributes offer/answer needs: `rtpmap`, `fmtp`, `ptime`, `maxptime`, the direction
//! attributes, `rtcp`, `rtcp-mux` and `crypto` (RFC 4568).
//!
//! Malformed input returns [`SdpError`]; the engine answers such an offer with 488. The parser
//! never panics, whatever the bytes.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use crate::error::SdpError;

/// A whole session description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDescription {
    /// The `o=` line.
    pub origin: Origin,
    /// The `s=` line (`-` when the sender has nothing to say).
    pub session_name: String,
    /// The `i=` line, if any.
    pub information: Option<String>,
    /// The session-level `c=` line, if any.
    pub connection: Option<Connection>,
    /// The session-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// The first `t=` line: start and stop time (`0 0` for an unbounded session).
    pub timing: (u64, u64),
    /// The session-level `a=` lines, in order.
    pub attributes: Vec<Attribute>,
    /// The `m=` sections, in order.
    pub media: Vec<MediaDescription>,
}

/// The `o=` line: who created the description, and its version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// User name (`-` when none).
    pub username: String,
    /// Session id, stable for the life of the session.
    pub session_id: u64,
    /// Session version, incremented by each new offer that changes something.
    pub session_version: u64,
    /// Network type, `IN`.
    pub network_type: String,
    /// Address type, `IP4` or `IP6`.
    pub address_type: String,
    /// Unicast address of the originator.
    pub address: String,
}

/// A `c=` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Connection {
    /// Network type, `IN`.
    pub network_type: String,
    /// Address type, `IP4` or `IP6`.
    pub address_type: String,
    /// Connection address (an IP literal or, rarely, a domain name; multicast `/ttl` suffixes kept).
    pub address: String,
}

impl Connection {
    /// A `c=IN IP4|IP6 <ip>` line for `ip`.
    pub fn from_ip(ip: IpAddr) -> Self {
        Self {
            network_type: "IN".into(),
            address_type: if ip.is_ipv4() { "IP4" } else { "IP6" }.into(),
            address: ip.to_string(),
        }
    }

    /// The address as an IP, if it is an IP literal (a multicast `/ttl` suffix is ignored).
    pub fn ip(&self) -> Option<IpAddr> {
        let base = self.address.split('/').next().unwrap_or("");
        base.parse().ok()
    }

    /// True for the RFC 2543 hold address `0.0.0.0` (or `::`).
    pub fn is_unspecified(&self) -> bool {
        self.ip().is_some_and(|ip| ip.is_unspecified())
    }
}

/// A `b=<type>:<kbps>` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bandwidth {
    /// Bandwidth type (`AS`, `CT`, `TIAS`, …).
    pub bandwidth_type: String,
    /// The value (kilobits per second for `AS`/`CT`, bits per second for `TIAS`).
    pub value: u64,
}

/// An `a=` line: a name and an optional value (the text after the first `:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attribute {
    /// Attribute name, e.g. `rtpmap`.
    pub name: String,
    /// Attribute value, absent for property attributes such as `sendrecv`.
    pub value: Option<String>,
}

impl Attribute {
    /// A property attribute (no value), e.g. `rtcp-mux`.
    pub fn property(name: &str) -> Self {
        Self {
            name: name.into(),
            value: None,
        }
    }

    /// A value attribute, e.g. `ptime:20`.
    pub fn value(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: Some(value.into()),
        }
    }
}

/// One `m=` section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaDescription {
    /// Media type: `audio`, `video`, `application`, …
    pub media: String,
    /// Transport port; 0 means the stream is rejected or disabled.
    pub port: u16,
    /// The optional `/<number of ports>` suffix.
    pub port_count: Option<u16>,
    /// Transport protocol: `RTP/AVP`, `RTP/SAVP`, `UDP/TLS/RTP/SAVPF`, …
    pub protocol: String,
    /// Formats: RTP payload type numbers for RTP protocols.
    pub formats: Vec<String>,
    /// The media-level `i=` line, if any.
    pub information: Option<String>,
    /// The media-level `c=` line, if any.
    pub connection: Option<Connection>,
    /// The media-level `b=` lines.
    pub bandwidths: Vec<Bandwidth>,
    /// The media-level `a=` lines, in order.
    pub attributes: Vec<Attribute>,
}

/// Media direction attribute (RFC 3264 §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// `a=sendrecv` (the default when absent).
    SendRecv,
    /// `a=sendonly`.
    SendOnly,
    /// `a=recvonly`.
    RecvOnly,
    /// `a=inactive`.
    Inactive,
}

impl Direction {
    /// The attribute name.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::SendRecv => "sendrecv",
            Direction::SendOnly => "sendonly",
            Direction::RecvOnly => "recvonly",
            Direction::Inactive => "inactive",
        }
    }

    /// Parse an attribute name into a direction.
    pub fn from_attribute(name: &str) -> Option<Self> {
        match name {
            "sendrecv" => Some(Direction::SendRecv),
            "sendonly" => Some(Direction::SendOnly),
            "recvonly" => Some(Direction::RecvOnly),
            "inactive" => Some(Direction::Inactive),
            _ => None,
        }
    }

    /// Whether this side sends media.
    pub fn sends(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::SendOnly)
    }

    /// Whether this side receives media.
    pub fn receives(self) -> bool {
        matches!(self, Direction::SendRecv | Direction::RecvOnly)
    }

    /// Build from the two capabilities.
    pub fn from_flags(send: bool, receive: bool) -> Self {
        match (send, receive) {
            (true, true) => Direction::SendRecv,
            (true, false) => Direction::SendOnly,
            (false, true) => Direction::RecvOnly,
            (false, false) => Direction::Inactive,
        }
    }

    /// The direction seen from the other side (sendonly ↔ recvonly).
    pub fn reversed(self) -> Self {
        Self::from_flags(self.receives(), self.sends())
    }
}

/// `a=rtpmap:<pt> <encoding>/<clock rate>[/<channels>]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rtpmap {
    /// RTP payload type.
    pub payload_type: u8,
    /// Encoding name as written (compare case-insensitively).
    pub encoding: String,
    /// RTP clock rate in Hz.
    pub clock_rate: u32,
    /// Channel count, if given.
    pub channels: Option<u8>,
}

impl Rtpmap {
    /// Parse an `rtpmap` attribute value.
    pub fn parse(value: &str) -> Option<Self> {
        let (pt, rest) = value.trim().split_once(' ')?;
        let payload_type = parse_payload_type(pt)?;
        let mut parts = rest.trim().split('/');
        let encoding = parts.next()?.trim();
        if encoding.is_empty() || !encoding.chars().all(is_token_char) {
            return None;
        }
        let clock_rate: u32 = parts.next()?.trim().parse().ok()?;
        if clock_rate == 0 {
            return None;
        }
        let channels = match parts.next() {
            Some(c) => Some(c.trim().parse::<u8>().ok().filter(|c| *c > 0)?),
            None => None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            payload_type,
            encoding: encoding.into(),
            clock_rate,
            channels,
        })
    }

    /// The attribute value text.
    pub fn to_value(&self) -> String {
        match self.channels {
            Some(c) => format!(
                "{} {}/{}/{}",
                self.payload_type, self.encoding, self.clock_rate, c
            ),
            None => format!(
                "{} {}/{}",
                self.payload_type, self.encoding, self.clock_rate
            ),
        }
    }
}

/// `a=fmtp:<pt> <parameters>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fmtp {
    /// RTP payload type.
    pub payload_type: u8,
    /// Format parameters, as written.
    pub parameters: String,
}

impl Fmtp {
    /// Parse an `fmtp` attribute value.
    pub fn parse(value: &str) -> Option<Self> {
        let value = value.trim();
        let (pt, params) = value.split_once(' ').unwrap_or((value, ""));
        Some(Self {
            payload_type: parse_payload_type(pt)?,
            parameters: params.trim().into(),
        })
    }
}

/// A crypto suite for SDES (RFC 4568) that this crate implements.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CryptoSuite {
    /// `AES_CM_128_HMAC_SHA1_80`: 80-bit SRTP and SRTCP tags.
    AesCm128HmacSha1_80,
    /// `AES_CM_128_HMAC_SHA1_32`: 32-bit SRTP tag, 80-bit SRTCP tag.
    AesCm128HmacSha1_32,
}

impl CryptoSuite {
    /// The suite name as written in SDP.
    pub fn as_str(self) -> &'static str {
        match self {
            CryptoSuite::AesCm128HmacSha1_80 => "AES_CM_128_HMAC_SHA1_80",
            CryptoSuite::AesCm128HmacSha1_32 => "AES_CM_128_HMAC_SHA1_32",
        }
    }

    /// Parse a suite name (case-sensitive, as RFC 4568 registers them).
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "AES_CM_128_HMAC_SHA1_80" => Some(CryptoSuite::AesCm128HmacSha1_80),
            "AES_CM_128_HMAC_SHA1_32" => Some(CryptoSuite::AesCm128HmacSha1_32),
            _ => None,
        }
    }

    /// SRTP authentication tag length in bytes.
    pub fn srtp_tag_len(self) -> usize {
        match self {
            CryptoSuite::AesCm128HmacSha1_80 => 10,
            CryptoSuite::AesCm128HmacSha1_32 => 4,
        }
    }
}

/// `a=crypto:<tag> <suite> <key params> [<session params>]` (RFC 4568).
///
/// The suite is kept as text so unknown suites survive; [`Crypto::suite`] gives the typed suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Crypto {
    /// The tag (1–999999999) that the answer echoes.
    pub tag: u32,
    /// The suite name.
    pub suite_name: String,
    /// Key parameters, e.g. `inline:<base64>|2^31|1:1`.
    pub key_params: String,
    /// Session parameters (e.g. `UNENCRYPTED_SRTCP`), if any.
    pub session_params: Vec<String>,
}

impl Crypto {
    /// Parse a `crypto` attribute value.
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split_ascii_whitespace();
        let tag_text = parts.next()?;
        if tag_text.is_empty()
            || tag_text.len() > 9
            || !tag_text.bytes().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let tag = tag_text.parse().ok()?;
        let suite_name = parts.next()?;
        if !suite_name.chars().all(is_token_char) {
            return None;
        }
        let key_params = parts.next()?;
        if !key_params.contains(':') {
            return None;
        }
        Some(Self {
            tag,
            suite_name: suite_name.into(),
            key_params: key_params.into(),
            session_params: parts.map(String::from).collect(),
        })
    }

    /// Build an `inline:` crypto attribute for `suite` from a 30-byte master key and salt.
    pub fn inline(tag: u32, suite: CryptoSuite, master_key_and_salt: &[u8; 30]) -> Self {
        use base64::Engine as _;
        Self {
            tag,
            suite_name: suite.as_str().into(),
            key_params: format!(
                "inline:{}",
                base64::engine::general_purpose::STANDARD.encode(master_key_and_salt)
            ),
            session_params: Vec::new(),
        }
    }

    /// The typed suite, if this crate implements it.
    pub fn suite(&self) -> Option<CryptoSuite> {
        CryptoSuite::from_name(&self.suite_name)
    }

    /// The 30-byte master key and salt of the single `inline:` key, if the parameters are ones we
    /// can honour (one key, no MKI, no session parameters).
    pub fn inline_key(&self) -> Option<[u8; 30]> {
        use base64::Engine as _;
        if !self.session_params.is_empty() || self.key_params.contains(';') {
            return None;
        }
        let inline = self.key_params.strip_prefix("inline:")?;
        let mut fields = inline.split('|');
        let key_b64 = fields.next()?;
        for field in fields {
            // A lifetime (`2^31` or a number) is fine; an MKI (`1:4`) is not supported.
            if field.contains(':') {
                return None;
            }
        }
        // Some implementations leave out the padding; accept both forms.
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(key_b64)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(key_b64))
            .ok()?;
        decoded.try_into().ok()
    }

    /// The attribute value text.
    pub fn to_value(&self) -> String {
        let mut s = format!("{} {} {}", self.tag, self.suite_name, self.key_params);
        for p in &self.session_params {
            s.push(' ');
            s.push_str(p);
        }
        s
    }
}

/// `a=rtcp:<port> [IN IP4 <address>]` (RFC 3605).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RtcpAttribute {
    /// The RTCP port.
    pub port: u16,
    /// The RTCP address, if different from the connection address.
    pub connection: Option<Connection>,
}

impl RtcpAttribute {
    /// Parse an `rtcp` attribute value.
    pub fn parse(value: &str) -> Option<Self> {
        let mut parts = value.split_ascii_whitespace();
        let port = parts.next()?.parse().ok()?;
        let connection = match (parts.next(), parts.next(), parts.next()) {
            (None, _, _) => None,
            (Some(n), Some(a), Some(addr)) => Some(Connection {
                network_type: n.into(),
                address_type: a.into(),
                address: addr.into(),
            }),
            _ => return None,
        };
        if parts.next().is_some() {
            return None;
        }
        Some(Self { port, connection })
    }
}

fn parse_payload_type(text: &str) -> Option<u8> {
    if text.is_empty() || text.len() > 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<u8>().ok().filter(|pt| *pt <= 127)
}

/// RFC 4566 token characters.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`{|}~".contains(c)
}

/// Shared accessors over a list of attributes.
fn find_attr<'a>(attrs: &'a [Attribute], name: &str) -> impl Iterator<Item = &'a Attribute> + 'a {
    let name = name.to_owned();
    attrs.iter().filter(move |a| a.name == name)
}

fn attr_direction(attrs: &[Attribute]) -> Option<Direction> {
    attrs.iter().rev().find_map(|a| {
        if a.value.is_none() {
            Direction::from_attribute(&a.name)
        } else {
            None
        }
    })
}

impl MediaDescription {
    /// The value of the first attribute called `name`, or `Some("")` for a property attribute.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        find_attr(&self.attributes, name)
            .next()
            .map(|a| a.value.as_deref().unwrap_or(""))
    }

    /// Whether an attribute called `name` is present.
    pub fn has_attribute(&self, name: &str) -> bool {
        find_attr(&self.attributes, name).next().is_some()
    }

    /// All `rtpmap` attributes.
    pub fn rtpmaps(&self) -> Vec<Rtpmap> {
        find_attr(&self.attributes, "rtpmap")
            .filter_map(|a| a.value.as_deref().and_then(Rtpmap::parse))
            .collect()
    }

    /// The `rtpmap` for `payload_type`, if present.
    pub fn rtpmap(&self, payload_type: u8) -> Option<Rtpmap> {
        self.rtpmaps()
            .into_iter()
            .find(|r| r.payload_type == payload_type)
    }

    /// The `fmtp` parameters for `payload_type`, if present.
    pub fn fmtp(&self, payload_type: u8) -> Option<String> {
        find_attr(&self.attributes, "fmtp")
            .filter_map(|a| a.value.as_deref().and_then(Fmtp::parse))
            .find(|f| f.payload_type == payload_type)
            .map(|f| f.parameters)
    }

    /// `a=ptime`, in milliseconds.
    pub fn ptime(&self) -> Option<u32> {
        self.attribute("ptime").and_then(parse_ms)
    }

    /// `a=maxptime`, in milliseconds.
    pub fn maxptime(&self) -> Option<u32> {
        self.attribute("maxptime").and_then(parse_ms)
    }

    /// The media-level direction attribute, if present.
    pub fn direction(&self) -> Option<Direction> {
        attr_direction(&self.attributes)
    }

    /// `a=rtcp`, if present and well formed.
    pub fn rtcp(&self) -> Option<RtcpAttribute> {
        self.attribute("rtcp").and_then(RtcpAttribute::parse)
    }

    /// Whether `a=rtcp-mux` is present.
    pub fn rtcp_mux(&self) -> bool {
        self.has_attribute("rtcp-mux")
    }

    /// All well-formed `crypto` attributes, in order.
    pub fn crypto(&self) -> Vec<Crypto> {
        find_attr(&self.attributes, "crypto")
            .filter_map(|a| a.value.as_deref().and_then(Crypto::parse))
            .collect()
    }

    /// The payload type numbers in the `m=` line (non-numeric formats skipped).
    pub fn payload_types(&self) -> Vec<u8> {
        self.formats
            .iter()
            .filter_map(|f| parse_payload_type(f))
            .collect()
    }

    /// Whether the protocol is an RTP profile carried over plain UDP (`RTP/AVP`, `RTP/SAVP`, …).
    pub fn is_rtp(&self) -> bool {
        self.protocol.starts_with("RTP/")
    }
}

/// A `ptime` value: an integer or a decimal number of milliseconds (`20`, `20.0`).
fn parse_ms(text: &str) -> Option<u32> {
    let text = text.trim();
    let int = text.split_once('.').map_or(text, |(i, _)| i);
    int.parse().ok().filter(|v| *v > 0)
}

impl SessionDescription {
    /// Parse a session description from bytes (must be UTF-8).
    pub fn parse(bytes: &[u8]) -> Result<Self, SdpError> {
        let text = std::str::from_utf8(bytes).map_err(|_| SdpError::NotUtf8)?;
        text.parse()
    }

    /// The session-level value of the first attribute called `name` (`Some("")` for a property).
    pub fn attribute(&self, name: &str) -> Option<&str> {
        find_attr(&self.attributes, name)
            .next()
            .map(|a| a.value.as_deref().unwrap_or(""))
    }

    /// The session-level direction attribute, if present.
    pub fn direction(&self) -> Option<Direction> {
        attr_direction(&self.attributes)
    }

    /// The direction in effect for media section `index` (media level, then session level,
    /// then `sendrecv`).
    pub fn media_direction(&self, index: usize) -> Direction {
        self.media
            .get(index)
            .and_then(MediaDescription::direction)
            .or_else(|| self.direction())
            .unwrap_or(Direction::SendRecv)
    }

    /// The connection in effect for media section `index` (media level, then session level).
    pub fn media_connection(&self, index: usize) -> Option<&Connection> {
        self.media
            .get(index)
            .and_then(|m| m.connection.as_ref())
            .or(self.connection.as_ref())
    }

    /// Serialize to bytes (CRLF line ends).
    pub fn to_bytes(&self) -> Vec<u8> {
        self.to_string().into_bytes()
    }
}

fn line_err(line: usize, what: &'static str) -> SdpError {
    SdpError::InvalidLine { line, what }
}

fn check_text(text: &str, line: usize) -> Result<(), SdpError> {
    if text.chars().any(|c| c == '\0' || c == '\r' || c == '\n') {
        return Err(line_err(line, "control character in value"));
    }
    Ok(())
}

fn parse_origin(v: &str, n: usize) -> Result<Origin, SdpError> {
    let f: Vec<&str> = v.split(' ').collect();
    if f.len() != 6 || f.iter().any(|s| s.is_empty()) {
        return Err(line_err(n, "o= needs 6 fields"));
    }
    let num = |s: &str| -> Result<u64, SdpError> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().map_err(|_| line_err(n, "o= number out of range"))
        } else {
            Err(line_err(n, "o= session id/version must be numeric"))
        }
    };
    Ok(Origin {
        username: f[0].into(),
        session_id: num(f[1])?,
        session_version: num(f[2])?,
        network_type: f[3].into(),
        address_type: f[4].into(),
        address: f[5].into(),
    })
}

fn parse_connection(v: &str, n: usize) -> Result<Connection, SdpError> {
    let f: Vec<&str> = v.split_ascii_whitespace().collect();
    if f.len() != 3 {
        return Err(line_err(n, "c= needs 3 fields"));
    }
    let c = Connection {
        network_type: f[0].into(),
        address_type: f[1].into(),
        address: f[2].into(),
    };
    if c.network_type == "IN" {
        let base = c.address.split('/').next().unwrap_or("");
        match c.address_type.as_str() {
            "IP4" => {
                // An IPv4 literal or a domain name; anything looking numeric must be a valid IP.
                let numeric = base.bytes().all(|b| b.is_ascii_digit() || b == b'.');
                if numeric && base.parse::<std::net::Ipv4Addr>().is_err() {
                    return Err(line_err(n, "c= bad IPv4 address"));
                }
                if !numeric
                    && !base
                        .chars()
                        .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '.')
                {
                    return Err(line_err(n, "c= bad address"));
                }
            }
            "IP6" => {
                if base.contains(':') && base.parse::<std::net::Ipv6Addr>().is_err() {
                    return Err(line_err(n, "c= bad IPv6 address"));
                }
            }
            _ => return Err(line_err(n, "c= unknown address type")),
        }
        if base.is_empty() {
            return Err(line_err(n, "c= empty address"));
        }
    }
    Ok(c)
}

fn parse_bandwidth(v: &str, n: usize) -> Result<Bandwidth, SdpError> {
    let (t, value) = v
        .split_once(':')
        .ok_or(line_err(n, "b= needs type:value"))?;
    if t.is_empty() || !t.chars().all(is_token_char) {
        return Err(line_err(n, "b= bad type"));
    }
    let value = value
        .trim()
        .parse()
        .map_err(|_| line_err(n, "b= bad value"))?;
    Ok(Bandwidth {
        bandwidth_type: t.into(),
        value,
    })
}

fn parse_attribute(v: &str, n: usize) -> Result<Attribute, SdpError> {
    let (name, value) = match v.split_once(':') {
        Some((name, value)) => (name, Some(value.to_string())),
        None => (v, None),
    };
    if name.is_empty() || !name.chars().all(is_token_char) {
        return Err(line_err(n, "a= bad attribute name"));
    }
    let attr = Attribute {
        name: name.into(),
        value,
    };
    // Typed attributes that negotiation relies on must be well formed.
    let ok = match (attr.name.as_str(), attr.value.as_deref()) {
        ("rtpmap", Some(v)) => Rtpmap::parse(v).is_some(),
        ("fmtp", Some(v)) => Fmtp::parse(v).is_some(),
        ("ptime" | "maxptime", Some(v)) => parse_ms(v).is_some(),
        ("rtcp", Some(v)) => RtcpAttribute::parse(v).is_some(),
        ("crypto", Some(v)) => Crypto::parse(v).is_some(),
        ("rtpmap" | "fmtp" | "ptime" | "maxptime" | "rtcp" | "crypto", None) => false,
        _ => true,
    };
    if !ok {
        return Err(line_err(n, "a= malformed value"));
    }
    Ok(attr)
}

fn parse_media(v: &str, n: usize) -> Result<MediaDescription, SdpError> {
    let f: Vec<&str> = v.split_ascii_whitespace().collect();
    // A rejected stream (port 0) without formats is tolerated: some answerers write one.
    let rejected = f.get(1).is_some_and(|p| *p == "0");
    if f.len() < 4 && !(f.len() == 3 && rejected) {
        return Err(line_err(n, "m= needs media, port, protocol and formats"));
    }
    if !f[0].chars().all(is_token_char) {
        return Err(line_err(n, "m= bad media type"));
    }
    let (port_text, count_text) = match f[1].split_once('/') {
        Some((p, c)) => (p, Some(c)),
        None => (f[1], None),
    };
    let port = port_text.parse().map_err(|_| line_err(n, "m= bad port"))?;
    let port_count = match count_text {
        Some(c) => Some(c.parse().map_err(|_| line_err(n, "m= bad port count"))?),
        None => None,
    };
    if !f[2].chars().all(|c| is_token_char(c) || c == '/') {
        return Err(line_err(n, "m= bad protocol"));
    }
    let media = MediaDescription {
        media: f[0].into(),
        port,
        port_count,
        protocol: f[2].into(),
        formats: f[3..].iter().map(|s| s.to_string()).collect(),
        information: None,
        connection: None,
        bandwidths: Vec::new(),
        attributes: Vec::new(),
    };
    if media.is_rtp()
        && media
            .formats
            .iter()
            .any(|fmt| parse_payload_type(fmt).is_none())
    {
        return Err(line_err(n, "m= RTP format must be a payload type 0-127"));
    }
    Ok(media)
}

impl FromStr for SessionDescription {
    type Err = SdpError;

    fn from_str(text: &str) -> Result<Self, SdpError> {
        let mut origin = None;
        let mut session_name = None;
        let mut information = None;
        let mut connection = None;
        let mut bandwidths = Vec::new();
        let mut timing = None;
        let mut attributes = Vec::new();
        let mut media: Vec<MediaDescription> = Vec::new();
        let mut saw_version = false;

        for (index, raw) in text.split('\n').enumerate() {
            let n = index + 1;
            let line = raw.strip_suffix('\r').unwrap_or(raw);
            if line.is_empty() {
                // Tolerate blank lines (a trailing CRLF produces one).
                continue;
            }
            let bytes = line.as_bytes();
            if bytes.len() < 2 || bytes[1] != b'=' || !bytes[0].is_ascii_lowercase() {
                return Err(line_err(n, "not a <type>=<value> line"));
            }
            let kind = bytes[0];
            let value = &line[2..];
            check_text(value, n)?;
            if !saw_version {
                if kind != b'v' {
                    return Err(SdpError::MissingVersion);
                }
                if value.trim() != "0" {
                    return Err(line_err(n, "v= must be 0"));
                }
                saw_version = true;
                continue;
            }
            if let Some(m) = media.last_mut() {
                match kind {
                    b'm' => media.push(parse_media(value, n)?),
                    b'i' => m.information = Some(value.into()),
                    b'c' => {
                        if m.connection.is_some() {
                            // Several c= lines are legal only for multicast; keep the first.
                            continue;
                        }
                        m.connection = Some(parse_connection(value, n)?);
                    }
                    b'b' => m.bandwidths.push(parse_bandwidth(value, n)?),
                    b'a' => m.attributes.push(parse_attribute(value, n)?),
                    b'k' => {}
                    _ => return Err(line_err(n, "line type not allowed in a media section")),
                }
                continue;
            }
            match kind {
                b'v' => return Err(line_err(n, "duplicate v=")),
                b'o' => {
                    if origin.is_some() {
                        return Err(line_err(n, "duplicate o="));
                    }
                    origin = Some(parse_origin(value, n)?);
                }
                b's' => {
                    if session_name.is_some() {
                        return Err(line_err(n, "duplicate s="));
                    }
                    session_name = Some(value.to_string());
                }
                b'i' => information = Some(value.into()),
                b'c' => connection = Some(parse_connection(value, n)?),
                b'b' => bandwidths.push(parse_bandwidth(value, n)?),
                b't' => {
                    let mut f = value.split_ascii_whitespace();
                    let start = f.next().and_then(|s| s.parse().ok());
                    let stop = f.next().and_then(|s| s.parse().ok());
                    match (start, stop, f.next()) {
                        (Some(a), Some(b), None) => {
                            if timing.is_none() {
                                timing = Some((a, b));
                            }
                        }
                        _ => return Err(line_err(n, "t= needs two numbers")),
                    }
                }
                b'a' => attributes.push(parse_attribute(value, n)?),
                b'm' => {
                    if origin.is_none() || session_name.is_none() {
                        return Err(SdpError::MissingLine("o= and s= before m="));
                    }
                    media.push(parse_media(value, n)?);
                }
                b'u' | b'e' | b'p' | b'r' | b'z' | b'k' => {}
                _ => return Err(line_err(n, "unknown line type")),
            }
        }
        if !saw_version {
            return Err(SdpError::MissingVersion);
        }
        let origin = origin.ok_or(SdpError::MissingLine("o="))?;
        let session_name = session_name.ok_or(SdpError::MissingLine("s="))?;
        Ok(SessionDescription {
            origin,
            session_name,
            information,
            connection,
            bandwidths,
            // Some phones leave out t=; treat that as `t=0 0` rather than refusing the call.
            timing: timing.unwrap_or((0, 0)),
            attributes,
            media,
        })
    }
}

fn write_attrs(f: &mut fmt::Formatter<'_>, attrs: &[Attribute]) -> fmt::Result {
    for a in attrs {
        match &a.value {
            Some(v) => write!(f, "a={}:{}\r\n", a.name, v)?,
            None => write!(f, "a={}\r\n", a.name)?,
        }
    }
    Ok(())
}

impl fmt::Display for Connection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} {}",
            self.network_type, self.address_type, self.address
        )
    }
}

impl fmt::Display for SessionDescription {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let o = &self.origin;
        write!(f, "v=0\r\n")?;
        write!(
            f,
            "o={} {} {} {} {} {}\r\n",
            o.username, o.session_id, o.session_version, o.network_type, o.address_type, o.address
        )?;
        write!(f, "s={}\r\n", self.session_name)?;
        if let Some(i) = &self.information {
            write!(f, "i={i}\r\n")?;
        }
        if let Some(c) = &self.connection {
            write!(f, "c={c}\r\n")?;
        }
        for b in &self.bandwidths {
            write!(f, "b={}:{}\r\n", b.bandwidth_type, b.value)?;
        }
        write!(f, "t={} {}\r\n", self.timing.0, self.timing.1)?;
        write_attrs(f, &self.attributes)?;
        for m in &self.media {
            write!(f, "m={} {}", m.media, m.port)?;
            if let Some(c) = m.port_count {
                write!(f, "/{c}")?;
            }
            write!(f, " {}", m.protocol)?;
            for fmt_ in &m.formats {
                write!(f, " {fmt_}")?;
            }
            write!(f, "\r\n")?;
            if let Some(i) = &m.information {
                write!(f, "i={i}\r\n")?;
            }
            if let Some(c) = &m.connection {
                write!(f, "c={c}\r\n")?;
            }
            for b in &m.bandwidths {
                write!(f, "b={}:{}\r\n", b.bandwidth_type, b.value)?;
            }
            write_attrs(f, &m.attributes)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const OFFER: &str = "v=0\r\n\
o=alice 2890844526 2890844526 IN IP4 host.atlanta.example.com\r\n\
s=-\r\n\
c=IN IP4 192.0.2.10\r\n\
t=0 0\r\n\
a=group:BUNDLE 0\r\n\
m=audio 49170 RTP/SAVP 111 0 8 101\r\n\
a=mid:0\r\n\
a=rtpmap:111 opus/48000/2\r\n\
a=fmtp:111 minptime=10;useinbandfec=1\r\n\
a=rtpmap:0 PCMU/8000\r\n\
a=rtpmap:8 PCMA/8000\r\n\
a=rtpmap:101 telephone-event/8000\r\n\
a=fmtp:101 0-16\r\n\
a=ptime:20\r\n\
a=maxptime:150\r\n\
a=sendonly\r\n\
a=rtcp:49171\r\n\
a=rtcp-mux\r\n\
a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32\r\n\
a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n\
a=ice-ufrag:8hhY\r\n\
a=ice-pwd:asd88fgpdd777uzjYhagZg\r\n\
a=candidate:1 1 UDP 2130706431 10.0.1.1 8998 typ host\r\n\
a=fingerprint:sha-256 4A:AD:B9\r\n\
a=setup:actpass\r\n";

    #[test]
    fn parses_a_typical_offer() {
        let sdp: SessionDescription = OFFER.parse().expect("valid");
        assert_eq!(sdp.origin.session_id, 2890844526);
        assert_eq!(
            sdp.connection.as_ref().and_then(Connection::ip),
            "192.0.2.10".parse().ok()
        );
        let m = &sdp.media[0];
        assert_eq!(m.port, 49170);
        assert_eq!(m.protocol, "RTP/SAVP");
        assert_eq!(m.payload_types(), vec![111, 0, 8, 101]);
        assert_eq!(
            m.rtpmap(111).map(|r| (r.clock_rate, r.channels)),
            Some((48000, Some(2)))
        );
        assert_eq!(m.fmtp(101).as_deref(), Some("0-16"));
        assert_eq!(m.ptime(), Some(20));
        assert_eq!(m.maxptime(), Some(150));
        assert_eq!(m.direction(), Some(Direction::SendOnly));
        assert_eq!(m.rtcp().map(|r| r.port), Some(49171));
        assert!(m.rtcp_mux());
        let crypto = m.crypto();
        assert_eq!(crypto.len(), 2);
        assert_eq!(crypto[0].suite(), Some(CryptoSuite::AesCm128HmacSha1_80));
        // MKI present: not usable.
        assert_eq!(crypto[0].inline_key(), None);
        assert!(crypto[1].inline_key().is_some());
        assert_eq!(m.attribute("ice-ufrag"), Some("8hhY"));
        assert_eq!(m.attribute("setup"), Some("actpass"));
        assert_eq!(sdp.attribute("group"), Some("BUNDLE 0"));
    }

    #[test]
    fn print_parse_round_trip() {
        let sdp: SessionDescription = OFFER.parse().expect("valid");
        let printed = sdp.to_string();
        assert_eq!(printed, OFFER);
        let again: SessionDescription = printed.parse().expect("valid");
        assert_eq!(again, sdp);
    }

    #[test]
    fn accepts_rejected_stream_without_formats() {
        let sdp = "v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 0 RTP/AVP\r\n";
        let parsed: SessionDescription = sdp.parse().expect("lenient");
        assert!(parsed.media[0].formats.is_empty());
        assert_eq!(parsed.to_string(), sdp);
    }

    #[test]
    fn accepts_lf_only_and_missing_t() {
        let sdp = "v=0\no=- 1 1 IN IP4 10.0.0.1\ns=x\nc=IN IP4 10.0.0.1\nm=audio 4000 RTP/AVP 0\n";
        let parsed: SessionDescription = sdp.parse().expect("lenient");
        assert_eq!(parsed.timing, (0, 0));
        assert_eq!(parsed.media_direction(0), Direction::SendRecv);
    }

    #[test]
    fn rejects_malformed() {
        let cases: &[(&str, &str)] = &[
            ("", "empty"),
            ("o=- 1 1 IN IP4 1.2.3.4\r\n", "no v="),
            ("v=1\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\n", "v=1"),
            ("v=0\r\ns=-\r\n", "no o="),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\n", "no s="),
            ("v=0\r\no=- x 1 IN IP4 1.2.3.4\r\ns=-\r\n", "bad id"),
            ("v=0\r\no=- 1 1 IN IP4\r\ns=-\r\n", "short o="),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4 300.1.1.1\r\n", "bad ip"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nc=IN IP4\r\n", "short c="),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nt=0\r\n", "short t="),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio x RTP/AVP 0\r\n", "bad port"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 70000 RTP/AVP 0\r\n", "port range"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 4000 RTP/AVP\r\n", "no formats"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 4000 RTP/AVP 200\r\n", "pt > 127"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU\r\n", "rtpmap"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\na=ptime:abc\r\n", "ptime"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\na=crypto:1 X\r\n", "crypto"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nm=audio 4000 RTP/AVP 0\r\nt=0 0\r\n", "t= in media"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nx\r\n", "garbage"),
            ("v=0\r\no=- 1 1 IN IP4 1.2.3.4\r\ns=-\r\nQ=1\r\n", "uppercase type"),
        ];
        for (text, why) in cases {
            assert!(
                text.parse::<SessionDescription>().is_err(),
                "{why} should fail"
            );
        }
        assert_eq!(
            SessionDescription::parse(&[0xff, 0xfe]),
            Err(SdpError::NotUtf8)
        );
    }

    #[test]
    fn direction_algebra() {
        assert_eq!(Direction::SendOnly.reversed(), Direction::RecvOnly);
        assert_eq!(Direction::RecvOnly.reversed(), Direction::SendOnly);
        assert_eq!(Direction::SendRecv.reversed(), Direction::SendRecv);
        assert_eq!(Direction::Inactive.reversed(), Direction::Inactive);
    }

    #[test]
    fn crypto_inline_round_trip() {
        let key = [7u8; 30];
        let c = Crypto::inline(1, CryptoSuite::AesCm128HmacSha1_32, &key);
        let parsed = Crypto::parse(&c.to_value()).expect("valid");
        assert_eq!(parsed.inline_key(), Some(key));
        assert_eq!(parsed.suite(), Some(CryptoSuite::AesCm128HmacSha1_32));
        let with_lifetime = Crypto::parse(&format!("{}|2^31", c.to_value())).expect("valid");
        assert_eq!(with_lifetime.inline_key(), Some(key));
    }
}
