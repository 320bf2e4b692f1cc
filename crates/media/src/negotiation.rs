//! Offer/answer (RFC 3264) for one audio stream, with SDES-SRTP (RFC 4568) and hold/resume.
//!
//! [`OfferAnswer`] holds the local configuration and the state of the negotiation:
//!
//! ```text
//!                create_offer / hold / resume            process_answer
//!   Stable ───────────────────────────────────▶ OfferSent ──────────────▶ Stable (negotiated)
//!     │                                                   
//!     └── process_offer (returns the answer) ────────────────────────────▶ Stable (negotiated)
//! ```
//!
//! Rules implemented:
//! - Codecs: the offer lists our [`LocalMediaConfig::codecs`] in preference order; an answer
//!   picks the first payload type *in the offerer's order* that we support and answers with
//!   that codec only (plus telephone-event), using the offerer's payload type numbers.
//! - telephone-event: the one whose clock rate matches the chosen codec (8000 for G.711,
//!   48000 for Opus); none if the offer has no matching rate.
//! - Direction: the answer's direction is the offer's reversed (sendonly ↔ recvonly), further
//!   limited by our own wishes (local hold: we do not receive). `inactive` stays `inactive`.
//! - Streams we cannot or will not accept (other media, port 0, a second audio stream,
//!   DTLS profiles) are answered with port 0; if no audio stream is accepted, the error tells the
//!   engine to answer 488.
//! - SRTP policy per account ([`SrtpPolicy`]): `Off` refuses `RTP/SAVP` and ignores crypto
//!   lines in `RTP/AVP`; `Optional` offers `RTP/AVP` with crypto lines ("best effort") and
//!   accepts plain or secure offers; `Mandatory` offers `RTP/SAVP` and refuses offers and answers
//!   that would leave media unencrypted (an `RTP/AVP` offer is accepted only if it carries a
//!   usable crypto line).
//! - Remote hold: the peer's direction is `sendonly` or `inactive`, or its connection address
//!   is `0.0.0.0` (RFC 2543 style).
//! - The `o=` version increases by one each time the description we send changes.

use std::net::{IpAddr, SocketAddr};

use crate::error::NegotiationError;
use crate::sdp::{
    Attribute, Connection, Crypto, CryptoSuite, Direction, MediaDescription, Origin, Rtpmap,
    SessionDescription,
};

/// An audio codec this crate can negotiate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Codec {
    /// Opus (RFC 7587), `opus/48000/2`.
    Opus,
    /// G.711 µ-law, `PCMU/8000`, static payload type 0.
    Pcmu,
    /// G.711 A-law, `PCMA/8000`, static payload type 8.
    Pcma,
}

impl Codec {
    /// Encoding name in SDP.
    pub fn encoding_name(self) -> &'static str {
        match self {
            Codec::Opus => "opus",
            Codec::Pcmu => "PCMU",
            Codec::Pcma => "PCMA",
        }
    }

    /// RTP clock rate.
    pub fn clock_rate(self) -> u32 {
        match self {
            Codec::Opus => 48_000,
            Codec::Pcmu | Codec::Pcma => 8_000,
        }
    }

    /// Channels in the rtpmap (Opus always says 2).
    pub fn channels(self) -> u8 {
        match self {
            Codec::Opus => 2,
            Codec::Pcmu | Codec::Pcma => 1,
        }
    }

    /// The payload type we use in offers.
    pub fn default_payload_type(self) -> u8 {
        match self {
            Codec::Opus => 111,
            Codec::Pcmu => 0,
            Codec::Pcma => 8,
        }
    }

    /// The G.711 law for PCMU/PCMA, `None` for Opus.
    pub fn g711_law(self) -> Option<crate::g711::Law> {
        match self {
            Codec::Opus => None,
            Codec::Pcmu => Some(crate::g711::Law::Ulaw),
            Codec::Pcma => Some(crate::g711::Law::Alaw),
        }
    }

    fn rtpmap(self, payload_type: u8) -> Rtpmap {
        Rtpmap {
            payload_type,
            encoding: self.encoding_name().into(),
            clock_rate: self.clock_rate(),
            channels: (self == Codec::Opus).then_some(2),
        }
    }

    /// The format parameters we send for this codec.
    fn local_fmtp(self) -> Option<&'static str> {
        match self {
            Codec::Opus => Some("useinbandfec=1"),
            Codec::Pcmu | Codec::Pcma => None,
        }
    }

    fn matches(self, format: &Format) -> bool {
        format.encoding.eq_ignore_ascii_case(self.encoding_name())
            && format.clock_rate == self.clock_rate()
            && match self {
                // RFC 7587: always opus/48000/2.
                Codec::Opus => format.channels == Some(2),
                Codec::Pcmu | Codec::Pcma => format.channels.unwrap_or(1) == 1,
            }
    }
}

/// Payload type we offer for telephone-event at `rate`.
fn telephone_event_payload_type(rate: u32) -> u8 {
    if rate == 48_000 {
        102
    } else {
        101
    }
}

/// Per-account SRTP policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SrtpPolicy {
    /// Plain RTP only.
    #[default]
    Off,
    /// SRTP when the peer supports it, plain RTP otherwise.
    Optional,
    /// SRTP or no call.
    Mandatory,
}

/// An SDES master key and salt (30 random bytes from the caller) for one suite.
#[derive(Clone, PartialEq, Eq)]
pub struct SdesKey {
    /// The suite this key is offered with.
    pub suite: CryptoSuite,
    /// Master key (16 bytes) followed by master salt (14 bytes).
    pub key_and_salt: [u8; 30],
}

impl std::fmt::Debug for SdesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SdesKey")
            .field("suite", &self.suite)
            .finish_non_exhaustive()
    }
}

/// What we are and what we want, per call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMediaConfig {
    /// Our RTP address, written into `o=` and `c=`.
    pub address: IpAddr,
    /// Our RTP port (RTCP on port + 1 unless muxed).
    pub port: u16,
    /// Codecs in preference order.
    pub codecs: Vec<Codec>,
    /// Whether to offer/accept RFC 4733 telephone-event.
    pub telephone_event: bool,
    /// Packet time we want to receive, in milliseconds (20).
    pub ptime: u32,
    /// Whether to offer/accept `a=rtcp-mux`.
    pub rtcp_mux: bool,
    /// SRTP policy of the account.
    pub srtp: SrtpPolicy,
    /// SDES keys, in the order to offer them (ignored when `srtp` is `Off`).
    pub sdes_keys: Vec<SdesKey>,
    /// `o=` user name (`-` is fine).
    pub username: String,
    /// `o=` session id (random, from the caller).
    pub session_id: u64,
}

impl LocalMediaConfig {
    /// A configuration with the usual defaults: Opus, PCMU, PCMA, telephone-event, ptime 20,
    /// rtcp-mux offered, SRTP off.
    pub fn new(address: IpAddr, port: u16, session_id: u64) -> Self {
        Self {
            address,
            port,
            codecs: vec![Codec::Opus, Codec::Pcmu, Codec::Pcma],
            telephone_event: true,
            ptime: 20,
            rtcp_mux: true,
            srtp: SrtpPolicy::Off,
            sdes_keys: Vec::new(),
            username: "-".into(),
            session_id,
        }
    }
}

/// The SRTP parameters chosen.
#[derive(Clone, PartialEq, Eq)]
pub struct NegotiatedCrypto {
    /// The suite.
    pub suite: CryptoSuite,
    /// The crypto tag.
    pub tag: u32,
    /// Our master key and salt: key the outbound [`crate::srtp::SrtpContext`] with it.
    pub local_key: [u8; 30],
    /// The peer's master key and salt: key the inbound context with it.
    pub remote_key: [u8; 30],
}

impl std::fmt::Debug for NegotiatedCrypto {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NegotiatedCrypto")
            .field("suite", &self.suite)
            .field("tag", &self.tag)
            .finish_non_exhaustive()
    }
}

/// The outcome of an offer/answer exchange: everything the engine needs to run the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NegotiatedSession {
    /// Where to send RTP.
    pub remote_rtp: SocketAddr,
    /// Where to send RTCP (equal to `remote_rtp` when muxed).
    pub remote_rtcp: SocketAddr,
    /// RTP and RTCP share one port.
    pub rtcp_mux: bool,
    /// The audio codec.
    pub codec: Codec,
    /// Payload type to put in the packets we send (the peer's number).
    pub send_payload_type: u8,
    /// Payload type of the packets we receive (our number).
    pub receive_payload_type: u8,
    /// RTP clock rate of the codec.
    pub clock_rate: u32,
    /// The peer's `fmtp` for the codec (e.g. Opus `useinbandfec=1`), if any.
    pub remote_fmtp: Option<String>,
    /// telephone-event payload type to send with, if negotiated.
    pub send_dtmf_payload_type: Option<u8>,
    /// telephone-event payload type we receive, if negotiated.
    pub receive_dtmf_payload_type: Option<u8>,
    /// Clock rate of the negotiated telephone-event: the codec's, or 8000 when the peer pairs
    /// Opus with `telephone-event/8000` only (baresip, Asterisk and most phones do).
    pub dtmf_clock_rate: u32,
    /// Packet time to send with, in milliseconds (the peer's `a=ptime`, else ours).
    pub ptime: u32,
    /// Our direction: whether we send and/or receive.
    pub direction: Direction,
    /// The peer has put us on hold.
    pub remote_hold: bool,
    /// SRTP parameters, when the stream is encrypted.
    pub crypto: Option<NegotiatedCrypto>,
}

impl NegotiatedSession {
    /// The SRTP contexts for this session, when encrypted: `(outbound, inbound)`, keyed with
    /// our key and the peer's key respectively.
    pub fn srtp_contexts(&self) -> Option<(crate::srtp::SrtpContext, crate::srtp::SrtpContext)> {
        let c = self.crypto.as_ref()?;
        Some((
            crate::srtp::SrtpContext::from_key_and_salt(c.suite, &c.local_key),
            crate::srtp::SrtpContext::from_key_and_salt(c.suite, &c.remote_key),
        ))
    }
}

/// A payload format as described by the peer.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Format {
    payload_type: u8,
    encoding: String,
    clock_rate: u32,
    channels: Option<u8>,
}

/// The formats of an m= line, in order, resolved through rtpmap or the static table.
fn formats(m: &MediaDescription) -> Vec<Format> {
    let maps = m.rtpmaps();
    m.payload_types()
        .into_iter()
        .filter_map(|pt| {
            if let Some(r) = maps.iter().find(|r| r.payload_type == pt) {
                return Some(Format {
                    payload_type: pt,
                    encoding: r.encoding.clone(),
                    clock_rate: r.clock_rate,
                    channels: r.channels,
                });
            }
            let (encoding, rate) = match pt {
                0 => ("PCMU", 8000),
                8 => ("PCMA", 8000),
                _ => return None,
            };
            Some(Format {
                payload_type: pt,
                encoding: encoding.into(),
                clock_rate: rate,
                channels: None,
            })
        })
        .collect()
}

fn find_telephone_event(formats: &[Format], rate: u32) -> Option<u8> {
    formats
        .iter()
        .find(|f| f.encoding.eq_ignore_ascii_case("telephone-event") && f.clock_rate == rate)
        .map(|f| f.payload_type)
}

/// The rates to look for telephone-event at, in order: the codec's, then 8000.
fn telephone_event_rates(codec_rate: u32) -> impl Iterator<Item = u32> {
    std::iter::once(codec_rate).chain((codec_rate != 8000).then_some(8000))
}

/// Whether the description puts us on hold: the stream's direction is `sendonly` or
/// `inactive`, or its connection address is `0.0.0.0`.
pub fn is_remote_hold(sdp: &SessionDescription, media_index: usize) -> bool {
    let direction = sdp.media_direction(media_index);
    !direction.receives()
        || sdp
            .media_connection(media_index)
            .is_some_and(Connection::is_unspecified)
}

/// The packet time to send with: the peer's `a=ptime` (else ours), at most its `a=maxptime`,
/// in whole multiples of 10 ms.
fn send_ptime(m: &MediaDescription, ours: u32) -> u32 {
    let wanted = m.ptime().unwrap_or(ours);
    let bounded = m.maxptime().map_or(wanted, |max| wanted.min(max));
    (bounded / 10).clamp(1, 12) * 10
}

fn is_supported_profile(protocol: &str) -> bool {
    matches!(protocol, "RTP/AVP" | "RTP/SAVP" | "RTP/AVPF" | "RTP/SAVPF")
}

fn remote_addresses(
    sdp: &SessionDescription,
    index: usize,
    m: &MediaDescription,
    mux: bool,
) -> Result<(SocketAddr, SocketAddr), NegotiationError> {
    let ip = sdp
        .media_connection(index)
        .and_then(Connection::ip)
        .ok_or(NegotiationError::NoConnectionAddress)?;
    let rtp = SocketAddr::new(ip, m.port);
    if mux {
        return Ok((rtp, rtp));
    }
    let rtcp = match m.rtcp() {
        Some(a) => SocketAddr::new(
            a.connection.as_ref().and_then(Connection::ip).unwrap_or(ip),
            a.port,
        ),
        None => SocketAddr::new(ip, m.port.wrapping_add(1)),
    };
    Ok((rtp, rtcp))
}

/// The offer/answer state of one call's audio stream.
#[derive(Debug, Clone)]
pub struct OfferAnswer {
    config: LocalMediaConfig,
    local_hold: bool,
    last_sent: Option<SessionDescription>,
    pending_offer: Option<SessionDescription>,
    current: Option<NegotiatedSession>,
}

impl OfferAnswer {
    /// A negotiation with nothing exchanged yet.
    pub fn new(config: LocalMediaConfig) -> Self {
        Self {
            config,
            local_hold: false,
            last_sent: None,
            pending_offer: None,
            current: None,
        }
    }

    /// The local configuration.
    pub fn config(&self) -> &LocalMediaConfig {
        &self.config
    }

    /// Change the local configuration (e.g. a new port after a network change); takes effect in
    /// the next offer or answer.
    pub fn set_config(&mut self, config: LocalMediaConfig) {
        self.config = config;
    }

    /// The last negotiated session, if any.
    pub fn current(&self) -> Option<&NegotiatedSession> {
        self.current.as_ref()
    }

    /// Whether we have put the call on hold.
    pub fn is_local_hold(&self) -> bool {
        self.local_hold
    }

    /// Whether an offer of ours awaits its answer.
    pub fn has_pending_offer(&self) -> bool {
        self.pending_offer.is_some()
    }

    /// Forget an outstanding offer (the request carrying it failed, e.g. 488 or 491).
    pub fn cancel_offer(&mut self) {
        self.pending_offer = None;
    }

    fn offer_direction(&self) -> Direction {
        let remote_hold = self.current.as_ref().is_some_and(|c| c.remote_hold);
        if self.local_hold {
            if remote_hold {
                Direction::Inactive
            } else {
                Direction::SendOnly
            }
        } else {
            Direction::SendRecv
        }
    }

    /// Build an offer (initial or re-offer) reflecting the current hold state.
    pub fn create_offer(&mut self) -> Result<SessionDescription, NegotiationError> {
        let c = &self.config;
        if c.codecs.is_empty() {
            return Err(NegotiationError::Configuration("no codecs"));
        }
        if c.srtp != SrtpPolicy::Off && c.sdes_keys.is_empty() {
            return Err(NegotiationError::Configuration(
                "SRTP enabled without SDES keys",
            ));
        }
        let protocol = if c.srtp == SrtpPolicy::Mandatory {
            "RTP/SAVP"
        } else {
            "RTP/AVP"
        };
        let mut formats = Vec::new();
        let mut attributes = Vec::new();
        for codec in &c.codecs {
            let pt = codec.default_payload_type();
            if formats.contains(&pt.to_string()) {
                continue;
            }
            formats.push(pt.to_string());
            attributes.push(Attribute::value("rtpmap", codec.rtpmap(pt).to_value()));
            if let Some(fmtp) = codec.local_fmtp() {
                attributes.push(Attribute::value("fmtp", format!("{pt} {fmtp}")));
            }
        }
        if c.telephone_event {
            let mut rates: Vec<u32> = c.codecs.iter().map(|c| c.clock_rate()).collect();
            rates.dedup();
            let mut seen = Vec::new();
            for rate in rates {
                if seen.contains(&rate) {
                    continue;
                }
                seen.push(rate);
                let pt = telephone_event_payload_type(rate);
                formats.push(pt.to_string());
                attributes.push(Attribute::value(
                    "rtpmap",
                    format!("{pt} telephone-event/{rate}"),
                ));
                attributes.push(Attribute::value("fmtp", format!("{pt} 0-16")));
            }
        }
        attributes.push(Attribute::value("ptime", c.ptime.to_string()));
        attributes.push(Attribute::property(self.offer_direction().as_str()));
        if c.rtcp_mux {
            attributes.push(Attribute::property("rtcp-mux"));
        }
        if c.srtp != SrtpPolicy::Off {
            for (i, key) in c.sdes_keys.iter().enumerate() {
                let crypto = Crypto::inline(i as u32 + 1, key.suite, &key.key_and_salt);
                attributes.push(Attribute::value("crypto", crypto.to_value()));
            }
        }
        let media = MediaDescription {
            media: "audio".into(),
            port: c.port,
            port_count: None,
            protocol: protocol.into(),
            formats,
            information: None,
            connection: None,
            bandwidths: Vec::new(),
            attributes,
        };
        let sdp = self.stamp(vec![media]);
        self.pending_offer = Some(sdp.clone());
        Ok(sdp)
    }

    /// Put the call on hold: returns the re-offer (`sendonly`, or `inactive` if the peer holds
    /// us too).
    pub fn hold(&mut self) -> Result<SessionDescription, NegotiationError> {
        self.local_hold = true;
        self.create_offer()
    }

    /// Take the call off hold: returns the re-offer (`sendrecv`).
    pub fn resume(&mut self) -> Result<SessionDescription, NegotiationError> {
        self.local_hold = false;
        self.create_offer()
    }

    /// Wrap media sections in a session description with the right `o=` version.
    fn stamp(&mut self, media: Vec<MediaDescription>) -> SessionDescription {
        let c = &self.config;
        let mut sdp = SessionDescription {
            origin: Origin {
                username: c.username.clone(),
                session_id: c.session_id,
                session_version: self
                    .last_sent
                    .as_ref()
                    .map_or(c.session_id, |s| s.origin.session_version),
                network_type: "IN".into(),
                address_type: if c.address.is_ipv4() { "IP4" } else { "IP6" }.into(),
                address: c.address.to_string(),
            },
            session_name: "-".into(),
            information: None,
            connection: Some(Connection::from_ip(c.address)),
            bandwidths: Vec::new(),
            timing: (0, 0),
            attributes: Vec::new(),
            media,
        };
        if let Some(last) = &self.last_sent {
            if *last != sdp {
                sdp.origin.session_version = sdp.origin.session_version.wrapping_add(1);
            }
        }
        self.last_sent = Some(sdp.clone());
        sdp
    }

    /// Process the peer's answer to our outstanding offer.
    pub fn process_answer(
        &mut self,
        answer: &SessionDescription,
    ) -> Result<NegotiatedSession, NegotiationError> {
        let offer = self
            .pending_offer
            .take()
            .ok_or(NegotiationError::NoOfferOutstanding)?;
        if answer.media.len() != offer.media.len() {
            return Err(NegotiationError::AnswerMismatch("number of m= lines"));
        }
        let (Some(ours), Some(theirs)) = (offer.media.first(), answer.media.first()) else {
            return Err(NegotiationError::NoAudioStream);
        };
        if theirs.media != "audio" {
            return Err(NegotiationError::AnswerMismatch("media type"));
        }
        if theirs.port == 0 {
            return Err(NegotiationError::Rejected);
        }
        let secure_offer = ours.protocol.contains("SAVP");
        let secure_answer = theirs.protocol.contains("SAVP");
        if secure_offer != secure_answer || !is_supported_profile(&theirs.protocol) {
            return Err(NegotiationError::AnswerMismatch("transport protocol"));
        }
        // Crypto: the answer echoes the tag of one of our crypto lines.
        let crypto = match theirs.crypto().into_iter().find(|c| c.suite().is_some()) {
            Some(answered) if self.config.srtp != SrtpPolicy::Off => {
                let offered = ours
                    .crypto()
                    .into_iter()
                    .find(|c| c.tag == answered.tag)
                    .ok_or(NegotiationError::AnswerMismatch("crypto tag"))?;
                if offered.suite_name != answered.suite_name {
                    return Err(NegotiationError::AnswerMismatch("crypto suite"));
                }
                let suite = answered.suite().ok_or(NegotiationError::NoCommonCrypto)?;
                let remote_key = answered
                    .inline_key()
                    .ok_or(NegotiationError::NoCommonCrypto)?;
                let local_key = offered
                    .inline_key()
                    .ok_or(NegotiationError::Configuration("own key"))?;
                Some(NegotiatedCrypto {
                    suite,
                    tag: answered.tag,
                    local_key,
                    remote_key,
                })
            }
            _ => None,
        };
        if crypto.is_none() && (secure_answer || self.config.srtp == SrtpPolicy::Mandatory) {
            return Err(if self.config.srtp == SrtpPolicy::Mandatory {
                NegotiationError::SrtpRequired
            } else {
                NegotiationError::NoCommonCrypto
            });
        }
        let their_formats = formats(theirs);
        let our_formats = formats(ours);
        let (codec, send_pt) = their_formats
            .iter()
            .find_map(|f| {
                self.config
                    .codecs
                    .iter()
                    .find(|c| c.matches(f))
                    .map(|c| (*c, f.payload_type))
            })
            .ok_or(NegotiationError::NoCommonCodec)?;
        let receive_pt = our_formats
            .iter()
            .find(|f| codec.matches(f))
            .map(|f| f.payload_type)
            .ok_or(NegotiationError::AnswerMismatch("codec not offered"))?;
        let (send_dtmf, receive_dtmf, dtmf_clock_rate) = if self.config.telephone_event {
            telephone_event_rates(codec.clock_rate())
                .find_map(|rate| {
                    Some((
                        Some(find_telephone_event(&their_formats, rate)?),
                        Some(find_telephone_event(&our_formats, rate)?),
                        rate,
                    ))
                })
                .unwrap_or((None, None, codec.clock_rate()))
        } else {
            (None, None, codec.clock_rate())
        };
        let mux = self.config.rtcp_mux && ours.rtcp_mux() && theirs.rtcp_mux();
        let (remote_rtp, remote_rtcp) = remote_addresses(answer, 0, theirs, mux)?;
        let remote_hold = is_remote_hold(answer, 0);
        let offered = offer.media_direction(0);
        let answered = answer.media_direction(0).reversed();
        let direction = Direction::from_flags(
            offered.sends() && answered.sends() && !remote_rtp.ip().is_unspecified(),
            offered.receives() && answered.receives(),
        );
        let negotiated = NegotiatedSession {
            remote_rtp,
            remote_rtcp,
            rtcp_mux: mux,
            codec,
            send_payload_type: send_pt,
            receive_payload_type: receive_pt,
            clock_rate: codec.clock_rate(),
            remote_fmtp: theirs.fmtp(send_pt),
            send_dtmf_payload_type: send_dtmf,
            receive_dtmf_payload_type: receive_dtmf,
            dtmf_clock_rate,
            ptime: send_ptime(theirs, self.config.ptime),
            direction,
            remote_hold,
            crypto,
        };
        self.current = Some(negotiated.clone());
        Ok(negotiated)
    }

    /// Process the peer's offer (initial or re-offer): returns our answer and the negotiated
    /// session. On error the engine answers 488 and the previous session stays in force.
    pub fn process_offer(
        &mut self,
        offer: &SessionDescription,
    ) -> Result<(SessionDescription, NegotiatedSession), NegotiationError> {
        let mut chosen: Option<(usize, MediaDescription, NegotiatedSession)> = None;
        let mut first_error = None;
        let mut answer_media = Vec::with_capacity(offer.media.len());
        for (index, m) in offer.media.iter().enumerate() {
            if chosen.is_none() && m.media == "audio" && m.port != 0 {
                match self.accept_stream(offer, index, m) {
                    Ok((media, negotiated)) => {
                        answer_media.push(media.clone());
                        chosen = Some((index, media, negotiated));
                        continue;
                    }
                    Err(e) => {
                        first_error.get_or_insert(e);
                    }
                }
            }
            answer_media.push(MediaDescription {
                media: m.media.clone(),
                port: 0,
                port_count: None,
                protocol: m.protocol.clone(),
                formats: m.formats.clone(),
                information: None,
                connection: None,
                bandwidths: Vec::new(),
                attributes: Vec::new(),
            });
        }
        let Some((_, _, negotiated)) = chosen else {
            return Err(first_error.unwrap_or(NegotiationError::NoAudioStream));
        };
        // A pending offer of ours crossed with theirs (glare) is abandoned by the engine's 491
        // handling; processing an offer supersedes it here.
        self.pending_offer = None;
        let answer = self.stamp(answer_media);
        self.current = Some(negotiated.clone());
        Ok((answer, negotiated))
    }

    fn accept_stream(
        &self,
        offer: &SessionDescription,
        index: usize,
        m: &MediaDescription,
    ) -> Result<(MediaDescription, NegotiatedSession), NegotiationError> {
        let c = &self.config;
        if !is_supported_profile(&m.protocol) {
            return Err(NegotiationError::UnsupportedTransport(m.protocol.clone()));
        }
        let secure_profile = m.protocol.contains("SAVP");
        // SRTP policy.
        let usable_crypto = || -> Result<Option<NegotiatedCrypto>, NegotiationError> {
            for offered in m.crypto() {
                let (Some(suite), Some(remote_key)) = (offered.suite(), offered.inline_key())
                else {
                    continue;
                };
                let local = c
                    .sdes_keys
                    .iter()
                    .find(|k| k.suite == suite)
                    .or_else(|| c.sdes_keys.first())
                    .ok_or(NegotiationError::Configuration(
                        "SRTP enabled without SDES keys",
                    ))?;
                return Ok(Some(NegotiatedCrypto {
                    suite,
                    tag: offered.tag,
                    local_key: local.key_and_salt,
                    remote_key,
                }));
            }
            Ok(None)
        };
        let crypto = match c.srtp {
            SrtpPolicy::Off => {
                if secure_profile {
                    return Err(NegotiationError::SrtpRefused);
                }
                None
            }
            SrtpPolicy::Optional => match usable_crypto()? {
                Some(crypto) => Some(crypto),
                None if secure_profile => return Err(NegotiationError::NoCommonCrypto),
                None => None,
            },
            SrtpPolicy::Mandatory => match usable_crypto()? {
                Some(crypto) => Some(crypto),
                None if secure_profile || !m.crypto().is_empty() => {
                    return Err(NegotiationError::NoCommonCrypto)
                }
                None => return Err(NegotiationError::SrtpRequired),
            },
        };
        // Codec: the offerer's order among what we support.
        let offered_formats = formats(m);
        let (codec, format) = offered_formats
            .iter()
            .find_map(|f| {
                c.codecs
                    .iter()
                    .find(|codec| codec.matches(f))
                    .map(|codec| (*codec, f))
            })
            .ok_or(NegotiationError::NoCommonCodec)?;
        let pt = format.payload_type;
        let (dtmf, dtmf_clock_rate) = if c.telephone_event {
            telephone_event_rates(codec.clock_rate())
                .find_map(|rate| Some((Some(find_telephone_event(&offered_formats, rate)?), rate)))
                .unwrap_or((None, codec.clock_rate()))
        } else {
            (None, codec.clock_rate())
        };
        let mux = c.rtcp_mux && m.rtcp_mux();
        let (remote_rtp, remote_rtcp) = remote_addresses(offer, index, m, mux)?;
        let remote_hold = is_remote_hold(offer, index);
        let offered_direction = offer.media_direction(index);
        let direction = Direction::from_flags(
            offered_direction.receives() && !remote_rtp.ip().is_unspecified(),
            offered_direction.sends() && !self.local_hold,
        );

        let mut formats_out = vec![pt.to_string()];
        let mut attributes = vec![Attribute::value("rtpmap", codec.rtpmap(pt).to_value())];
        if let Some(fmtp) = codec.local_fmtp() {
            attributes.push(Attribute::value("fmtp", format!("{pt} {fmtp}")));
        }
        if let Some(dtmf) = dtmf {
            formats_out.push(dtmf.to_string());
            attributes.push(Attribute::value(
                "rtpmap",
                format!("{dtmf} telephone-event/{dtmf_clock_rate}"),
            ));
            attributes.push(Attribute::value("fmtp", format!("{dtmf} 0-16")));
        }
        attributes.push(Attribute::value("ptime", c.ptime.to_string()));
        attributes.push(Attribute::property(direction.as_str()));
        if mux {
            attributes.push(Attribute::property("rtcp-mux"));
        }
        if let Some(crypto) = &crypto {
            let line = Crypto::inline(crypto.tag, crypto.suite, &crypto.local_key);
            attributes.push(Attribute::value("crypto", line.to_value()));
        }
        let media = MediaDescription {
            media: "audio".into(),
            port: c.port,
            port_count: None,
            protocol: m.protocol.clone(),
            formats: formats_out,
            information: None,
            connection: None,
            bandwidths: Vec::new(),
            attributes,
        };
        let negotiated = NegotiatedSession {
            remote_rtp,
            remote_rtcp,
            rtcp_mux: mux,
            codec,
            send_payload_type: pt,
            receive_payload_type: pt,
            clock_rate: codec.clock_rate(),
            remote_fmtp: m.fmtp(pt),
            send_dtmf_payload_type: dtmf,
            receive_dtmf_payload_type: dtmf,
            dtmf_clock_rate,
            ptime: send_ptime(m, c.ptime),
            direction,
            remote_hold,
            crypto,
        };
        Ok((media, negotiated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY_80: [u8; 30] = [1; 30];
    const KEY_32: [u8; 30] = [2; 30];
    const REMOTE_KEY: &str = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR";

    fn config(srtp: SrtpPolicy) -> LocalMediaConfig {
        let mut c = LocalMediaConfig::new("192.0.2.1".parse().expect("ip"), 4000, 42);
        c.srtp = srtp;
        c.sdes_keys = vec![
            SdesKey {
                suite: CryptoSuite::AesCm128HmacSha1_80,
                key_and_salt: KEY_80,
            },
            SdesKey {
                suite: CryptoSuite::AesCm128HmacSha1_32,
                key_and_salt: KEY_32,
            },
        ];
        c
    }

    fn sdp(media: &str) -> SessionDescription {
        format!("v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n{media}")
            .parse()
            .expect("test SDP parses")
    }

    fn audio(proto: &str, fmts: &str, extra: &str) -> SessionDescription {
        sdp(&format!("m=audio 5000 {proto} {fmts}\r\n{extra}"))
    }

    const MAPS: &str = "a=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\na=rtpmap:102 telephone-event/48000\r\n";

    #[test]
    fn answer_codec_choice_table() {
        // (offered formats, extra attributes, expected codec, pt, dtmf pt)
        let cases: &[(&str, &str, Codec, u8, Option<u8>)] = &[
            ("0 8 101", MAPS, Codec::Pcmu, 0, Some(101)),
            ("8 0 101", MAPS, Codec::Pcma, 8, Some(101)),
            ("111 0 101 102", MAPS, Codec::Opus, 111, Some(102)),
            // Opus with telephone-event/8000 only (baresip, Asterisk): that one.
            ("111 0 101", MAPS, Codec::Opus, 111, Some(101)),
            ("0 111 101 102", MAPS, Codec::Pcmu, 0, Some(101)),
            // Only a 48 kHz telephone-event: none for G.711.
            ("8 102", MAPS, Codec::Pcma, 8, None),
            // Unsupported codec first (G.729), then PCMU.
            ("18 0", "", Codec::Pcmu, 0, None),
            // Dynamic PCMU number with rtpmap.
            ("96", "a=rtpmap:96 pcmu/8000\r\n", Codec::Pcmu, 96, None),
            // Opus with the wrong channel count is not Opus.
            ("97 8", "a=rtpmap:97 opus/48000\r\n", Codec::Pcma, 8, None),
        ];
        for (fmts, extra, codec, pt, dtmf) in cases {
            let mut oa = OfferAnswer::new(config(SrtpPolicy::Off));
            let (answer, n) = oa
                .process_offer(&audio("RTP/AVP", fmts, extra))
                .expect(fmts);
            assert_eq!(
                (n.codec, n.send_payload_type, n.send_dtmf_payload_type),
                (*codec, *pt, *dtmf),
                "{fmts}"
            );
            assert_eq!(n.receive_payload_type, *pt);
            let m = &answer.media[0];
            assert_eq!(m.payload_types()[0], *pt);
            assert_eq!(m.payload_types().len(), 1 + usize::from(dtmf.is_some()));
            assert_eq!(n.remote_rtp, "198.51.100.7:5000".parse().expect("addr"));
            assert_eq!(n.remote_rtcp, "198.51.100.7:5001".parse().expect("addr"));
            assert_eq!(n.ptime, 20);
        }
    }

    #[test]
    fn opus_answer_with_telephone_event_8000_only_keeps_dtmf_at_8_khz() {
        let mut oa = OfferAnswer::new(config(SrtpPolicy::Off));
        let offer = oa.create_offer().expect("offer").to_string();
        assert!(offer.contains("telephone-event/48000") && offer.contains("telephone-event/8000"));
        let answer = audio(
            "RTP/AVP",
            "111 101",
            "a=rtpmap:111 opus/48000/2\r\na=rtpmap:101 telephone-event/8000\r\n",
        );
        let n = oa.process_answer(&answer).expect("answer");
        assert_eq!(n.codec, Codec::Opus);
        assert_eq!(n.send_dtmf_payload_type, Some(101));
        assert_eq!(n.receive_dtmf_payload_type, Some(101));
        assert_eq!(n.dtmf_clock_rate, 8000);
        let mut oa = OfferAnswer::new(config(SrtpPolicy::Off));
        let (answer, n) = oa
            .process_offer(&audio("RTP/AVP", "111 101", MAPS))
            .expect("offer");
        assert_eq!(n.dtmf_clock_rate, 8000);
        assert!(answer
            .to_string()
            .contains("a=rtpmap:101 telephone-event/8000"));
    }

    #[test]
    fn answer_respects_local_codec_set() {
        let mut c = config(SrtpPolicy::Off);
        c.codecs = vec![Codec::Pcma];
        let mut oa = OfferAnswer::new(c);
        let (_, n) = oa
            .process_offer(&audio("RTP/AVP", "111 0 8", MAPS))
            .expect("pcma");
        assert_eq!(n.codec, Codec::Pcma);
        let mut oa = OfferAnswer::new(OfferAnswer::new(config(SrtpPolicy::Off)).config().clone());
        assert_eq!(
            oa.process_offer(&audio("RTP/AVP", "18 9", "")).map(|_| ()),
            Err(NegotiationError::NoCommonCodec)
        );
    }

    #[test]
    fn direction_answer_table() {
        let cases = [
            ("sendrecv", false, Direction::SendRecv, false),
            ("sendonly", false, Direction::RecvOnly, true),
            ("recvonly", false, Direction::SendOnly, false),
            ("inactive", false, Direction::Inactive, true),
            ("sendrecv", true, Direction::SendOnly, false),
            ("sendonly", true, Direction::Inactive, true),
        ];
        for (offered, local_hold, expected, remote_hold) in cases {
            let mut oa = OfferAnswer::new(config(SrtpPolicy::Off));
            oa.local_hold = local_hold;
            let offer = audio("RTP/AVP", "0", &format!("a={offered}\r\n"));
            let (answer, n) = oa.process_offer(&offer).expect(offered);
            assert_eq!(n.direction, expected, "{offered} hold={local_hold}");
            assert_eq!(answer.media_direction(0), expected);
            assert_eq!(n.remote_hold, remote_hold, "{offered}");
        }
        // Session-level direction applies to the stream.
        let offer = sdp("a=sendonly\r\nm=audio 5000 RTP/AVP 0\r\n");
        let (_, n) = OfferAnswer::new(config(SrtpPolicy::Off))
            .process_offer(&offer)
            .expect("ok");
        assert_eq!(n.direction, Direction::RecvOnly);
        // RFC 2543 hold: c=0.0.0.0.
        let offer: SessionDescription =
            "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 5000 RTP/AVP 0\r\n"
                .parse()
                .expect("ok");
        let (_, n) = OfferAnswer::new(config(SrtpPolicy::Off))
            .process_offer(&offer)
            .expect("ok");
        assert!(n.remote_hold);
        assert!(!n.direction.sends());
    }

    #[test]
    fn srtp_policy_table() {
        let crypto80 = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:{REMOTE_KEY}\r\n");
        let crypto32_mki = format!("a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:{REMOTE_KEY}|2^20|1:4\r\na=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:{REMOTE_KEY}\r\n");
        let unknown = format!("a=crypto:1 AEAD_AES_256_GCM inline:{REMOTE_KEY}\r\n");
        type Expect = Result<Option<(CryptoSuite, u32)>, NegotiationError>;
        let cases: Vec<(SrtpPolicy, &str, &str, Expect)> = vec![
            (SrtpPolicy::Off, "RTP/AVP", "", Ok(None)),
            (SrtpPolicy::Off, "RTP/AVP", &crypto80, Ok(None)),
            (
                SrtpPolicy::Off,
                "RTP/SAVP",
                &crypto80,
                Err(NegotiationError::SrtpRefused),
            ),
            (SrtpPolicy::Optional, "RTP/AVP", "", Ok(None)),
            (
                SrtpPolicy::Optional,
                "RTP/AVP",
                &crypto80,
                Ok(Some((CryptoSuite::AesCm128HmacSha1_80, 1))),
            ),
            (
                SrtpPolicy::Optional,
                "RTP/SAVP",
                &crypto80,
                Ok(Some((CryptoSuite::AesCm128HmacSha1_80, 1))),
            ),
            (
                SrtpPolicy::Optional,
                "RTP/SAVP",
                &crypto32_mki,
                Ok(Some((CryptoSuite::AesCm128HmacSha1_32, 2))),
            ),
            (
                SrtpPolicy::Optional,
                "RTP/SAVP",
                &unknown,
                Err(NegotiationError::NoCommonCrypto),
            ),
            (SrtpPolicy::Optional, "RTP/AVP", &unknown, Ok(None)),
            (
                SrtpPolicy::Mandatory,
                "RTP/AVP",
                "",
                Err(NegotiationError::SrtpRequired),
            ),
            (
                SrtpPolicy::Mandatory,
                "RTP/SAVP",
                &crypto80,
                Ok(Some((CryptoSuite::AesCm128HmacSha1_80, 1))),
            ),
            (
                SrtpPolicy::Mandatory,
                "RTP/SAVP",
                "",
                Err(NegotiationError::NoCommonCrypto),
            ),
            (
                SrtpPolicy::Mandatory,
                "RTP/AVP",
                &crypto80,
                Ok(Some((CryptoSuite::AesCm128HmacSha1_80, 1))),
            ),
            (
                SrtpPolicy::Off,
                "UDP/TLS/RTP/SAVPF",
                "",
                Err(NegotiationError::UnsupportedTransport(
                    "UDP/TLS/RTP/SAVPF".into(),
                )),
            ),
        ];
        for (policy, proto, extra, expected) in cases {
            let mut oa = OfferAnswer::new(config(policy));
            let result = oa.process_offer(&audio(proto, "0", extra));
            let got = result
                .clone()
                .map(|(_, n)| n.crypto.as_ref().map(|c| (c.suite, c.tag)));
            assert_eq!(got, expected, "{policy:?} {proto} {extra}");
            if let Ok((answer, n)) = result {
                let m = &answer.media[0];
                assert_eq!(m.protocol, proto);
                match &n.crypto {
                    Some(crypto) => {
                        let line = &m.crypto()[0];
                        assert_eq!(line.tag, crypto.tag);
                        assert_eq!(line.inline_key().as_ref(), Some(&crypto.local_key));
                        assert_eq!(crypto.remote_key.len(), 30);
                        let expected_local = if crypto.suite == CryptoSuite::AesCm128HmacSha1_80 {
                            KEY_80
                        } else {
                            KEY_32
                        };
                        assert_eq!(crypto.local_key, expected_local);
                    }
                    None => assert!(m.crypto().is_empty()),
                }
            }
        }
    }

    #[test]
    fn other_streams_rejected_with_port_zero() {
        let offer = sdp(
            "m=video 6000 RTP/AVP 96\r\na=rtpmap:96 VP8/90000\r\nm=audio 0 RTP/AVP 0\r\nm=audio 5002 RTP/AVP 8\r\nm=audio 5004 RTP/AVP 0\r\n",
        );
        let mut oa = OfferAnswer::new(config(SrtpPolicy::Off));
        let (answer, n) = oa.process_offer(&offer).expect("ok");
        let ports: Vec<u16> = answer.media.iter().map(|m| m.port).collect();
        assert_eq!(ports, vec![0, 0, 4000, 0]);
        assert_eq!(answer.media[0].media, "video");
        assert_eq!(answer.media[0].formats, vec!["96"]);
        assert_eq!(n.remote_rtp.port(), 5002);
        assert_eq!(n.codec, Codec::Pcma);
        // Nothing acceptable at all.
        let offer = sdp("m=video 6000 RTP/AVP 96\r\nm=audio 0 RTP/AVP 0\r\n");
        assert_eq!(
            oa.process_offer(&offer).map(|_| ()),
            Err(NegotiationError::NoAudioStream)
        );
        let offer = sdp("m=audio 5000 RTP/AVP 18\r\n");
        assert_eq!(
            oa.process_offer(&offer).map(|_| ()),
            Err(NegotiationError::NoCommonCodec)
        );
    }

    #[test]
    fn offer_contents() {
        let mut oa = OfferAnswer::new(config(SrtpPolicy::Mandatory));
        let offer = oa.create_offer().expect("offer");
        let text = offer.to_string();
        let m = &offer.media[0];
        assert_eq!(m.protocol, "RTP/SAVP");
        assert_eq!(m.payload_types(), vec![111, 0, 8, 102, 101]);
        assert_eq!(
            m.rtpmap(111).map(|r| r.to_value()),
            Some("111 opus/48000/2".into())
        );
        assert_eq!(m.rtpmap(101).map(|r| r.clock_rate), Some(8000));
        assert_eq!(m.rtpmap(102).map(|r| r.clock_rate), Some(48000));
        assert_eq!(m.ptime(), Some(20));
        assert_eq!(m.direction(), Some(Direction::SendRecv));
        assert!(m.rtcp_mux());
        let crypto = m.crypto();
        assert_eq!(crypto.len(), 2);
        assert_eq!(
            (crypto[0].tag, crypto[0].suite()),
            (1, Some(CryptoSuite::AesCm128HmacSha1_80))
        );
        assert_eq!(
            (crypto[1].tag, crypto[1].suite()),
            (2, Some(CryptoSuite::AesCm128HmacSha1_32))
        );
        assert_eq!(crypto[1].inline_key(), Some(KEY_32));
        assert!(text.contains("c=IN IP4 192.0.2.1\r\n"));
        assert_eq!(text.parse::<SessionDescription>().as_ref(), Ok(&offer));
        let plain = OfferAnswer::new(config(SrtpPolicy::Off))
            .create_offer()
            .expect("offer");
        assert_eq!(plain.media[0].protocol, "RTP/AVP");
        assert!(plain.media[0].crypto().is_empty());
        let optional = OfferAnswer::new(config(SrtpPolicy::Optional))
            .create_offer()
            .expect("offer");
        assert_eq!(optional.media[0].protocol, "RTP/AVP");
        assert_eq!(optional.media[0].crypto().len(), 2);
        let mut no_keys = config(SrtpPolicy::Optional);
        no_keys.sdes_keys.clear();
        assert!(OfferAnswer::new(no_keys).create_offer().is_err());
    }

    /// Two negotiators back to back: offer, answer, hold, resume.
    #[test]
    fn back_to_back_hold_and_resume() {
        let mut alice = OfferAnswer::new(config(SrtpPolicy::Mandatory));
        let mut bob_config = config(SrtpPolicy::Optional);
        bob_config.address = "198.51.100.9".parse().expect("ip");
        bob_config.port = 7000;
        bob_config.codecs = vec![Codec::Pcmu, Codec::Opus];
        bob_config.sdes_keys = vec![SdesKey {
            suite: CryptoSuite::AesCm128HmacSha1_80,
            key_and_salt: [9; 30],
        }];
        let mut bob = OfferAnswer::new(bob_config);

        let offer = alice.create_offer().expect("offer");
        let v1 = offer.origin.session_version;
        let (answer, b) = bob.process_offer(&offer).expect("bob answers");
        let a = alice.process_answer(&answer).expect("alice accepts");
        assert_eq!(a.codec, Codec::Opus, "offerer's order wins");
        assert_eq!(b.codec, Codec::Opus);
        assert_eq!(
            (a.send_payload_type, a.send_dtmf_payload_type),
            (111, Some(102))
        );
        assert!(a.rtcp_mux && b.rtcp_mux);
        assert_eq!(a.remote_rtp, "198.51.100.9:7000".parse().expect("addr"));
        assert_eq!(b.remote_rtp, "192.0.2.1:4000".parse().expect("addr"));
        // Alice's outbound context talks to Bob's inbound one.
        let (mut alice_out, _) = a.srtp_contexts().expect("alice srtp");
        let (_, mut bob_in) = b.srtp_contexts().expect("bob srtp");
        let packet = crate::rtp::RtpHeader::new(111, 1, 0, 9).to_packet(b"opus");
        let protected = alice_out.protect_rtp(&packet).expect("protect");
        assert_eq!(bob_in.unprotect_rtp(&protected).expect("unprotect"), packet);
        assert_eq!(Codec::Pcma.g711_law(), Some(crate::g711::Law::Alaw));
        assert_eq!(a.codec.g711_law(), None);
        let (ac, bc) = (a.crypto.expect("alice srtp"), b.crypto.expect("bob srtp"));
        assert_eq!(ac.local_key, bc.remote_key);
        assert_eq!(bc.local_key, ac.remote_key);
        assert_eq!(ac.suite, CryptoSuite::AesCm128HmacSha1_80);

        // Alice holds.
        let hold = alice.hold().expect("hold");
        assert_eq!(hold.origin.session_version, v1 + 1);
        assert_eq!(hold.media_direction(0), Direction::SendOnly);
        let (answer, b) = bob.process_offer(&hold).expect("bob answers hold");
        assert!(b.remote_hold);
        assert_eq!(b.direction, Direction::RecvOnly);
        let a = alice.process_answer(&answer).expect("ok");
        assert_eq!(a.direction, Direction::SendOnly);
        assert!(!a.remote_hold, "recvonly answer is not a hold of alice");

        // Bob holds too: his offer says sendonly; alice (held) answers inactive.
        let bob_hold = bob.hold().expect("hold");
        assert_eq!(
            bob_hold.media_direction(0),
            Direction::Inactive,
            "bob is held: inactive"
        );
        let (answer, a) = alice.process_offer(&bob_hold).expect("ok");
        assert_eq!(a.direction, Direction::Inactive);
        bob.process_answer(&answer).expect("ok");

        // Both resume.
        let resume = alice.resume().expect("resume");
        assert_eq!(resume.media_direction(0), Direction::SendRecv);
        let (answer, b) = bob.process_offer(&resume).expect("ok");
        assert_eq!(b.direction, Direction::SendOnly, "bob still holds");
        alice.process_answer(&answer).expect("ok");
        let resume = bob.resume().expect("resume");
        let (answer, a) = alice.process_offer(&resume).expect("ok");
        assert_eq!(a.direction, Direction::SendRecv);
        let b = bob.process_answer(&answer).expect("ok");
        assert_eq!(b.direction, Direction::SendRecv);
        assert!(!b.remote_hold && !a.remote_hold);

        // An unchanged re-offer keeps the version.
        let again = bob.create_offer().expect("offer");
        let again2 = bob.create_offer().expect("offer");
        assert_eq!(again.origin.session_version, again2.origin.session_version);
    }

    #[test]
    fn answer_processing_errors() {
        let mut oa = OfferAnswer::new(config(SrtpPolicy::Off));
        let answer = audio("RTP/AVP", "0", "");
        assert_eq!(
            oa.process_answer(&answer),
            Err(NegotiationError::NoOfferOutstanding)
        );
        let cases: Vec<(SrtpPolicy, SessionDescription, NegotiationError)> = vec![
            (
                SrtpPolicy::Off,
                audio("RTP/AVP", "0", "").with_port(0),
                NegotiationError::Rejected,
            ),
            (
                SrtpPolicy::Off,
                audio("RTP/AVP", "18", ""),
                NegotiationError::NoCommonCodec,
            ),
            (
                SrtpPolicy::Off,
                audio("RTP/SAVP", "0", ""),
                NegotiationError::AnswerMismatch("transport protocol"),
            ),
            (
                SrtpPolicy::Mandatory,
                audio("RTP/SAVP", "0", ""),
                NegotiationError::SrtpRequired,
            ),
            (
                SrtpPolicy::Mandatory,
                audio(
                    "RTP/SAVP",
                    "0",
                    &format!("a=crypto:7 AES_CM_128_HMAC_SHA1_80 inline:{REMOTE_KEY}\r\n"),
                ),
                NegotiationError::AnswerMismatch("crypto tag"),
            ),
            (
                SrtpPolicy::Mandatory,
                audio(
                    "RTP/SAVP",
                    "0",
                    &format!("a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:{REMOTE_KEY}\r\n"),
                ),
                NegotiationError::AnswerMismatch("crypto suite"),
            ),
            (
                SrtpPolicy::Off,
                sdp("m=audio 5000 RTP/AVP 0\r\nm=video 0 RTP/AVP 96\r\n"),
                NegotiationError::AnswerMismatch("number of m= lines"),
            ),
        ];
        for (policy, answer, expected) in cases {
            let mut oa = OfferAnswer::new(config(policy));
            oa.create_offer().expect("offer");
            assert_eq!(
                oa.process_answer(&answer),
                Err(expected.clone()),
                "{expected:?}"
            );
            assert!(!oa.has_pending_offer());
        }
        // Optional: a plain answer to a best-effort offer is fine.
        let mut oa = OfferAnswer::new(config(SrtpPolicy::Optional));
        oa.create_offer().expect("offer");
        let n = oa
            .process_answer(&audio("RTP/AVP", "8 101", MAPS))
            .expect("plain ok");
        assert!(n.crypto.is_none());
        assert_eq!(
            (
                n.codec,
                n.send_dtmf_payload_type,
                n.receive_dtmf_payload_type
            ),
            (Codec::Pcma, Some(101), Some(101))
        );
    }

    #[test]
    fn answer_with_different_payload_numbers() {
        let mut oa = OfferAnswer::new(config(SrtpPolicy::Off));
        oa.create_offer().expect("offer");
        let answer = audio(
            "RTP/AVP",
            "96 97",
            "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 stereo=0\r\na=rtpmap:97 telephone-event/48000\r\na=ptime:40\r\na=rtcp:5009\r\n",
        );
        let n = oa.process_answer(&answer).expect("ok");
        assert_eq!((n.send_payload_type, n.receive_payload_type), (96, 111));
        assert_eq!(
            (n.send_dtmf_payload_type, n.receive_dtmf_payload_type),
            (Some(97), Some(102))
        );
        assert_eq!(n.remote_fmtp.as_deref(), Some("stereo=0"));
        assert_eq!(n.ptime, 40);
        assert!(!n.rtcp_mux);
        assert_eq!(n.remote_rtcp.port(), 5009);
        assert_eq!(oa.current(), Some(&n));
    }

    #[test]
    fn packet_time_table() {
        let cases = [
            ("", 20),
            ("a=ptime:30\r\n", 30),
            ("a=ptime:30\r\na=maxptime:20\r\n", 20),
            ("a=ptime:25\r\n", 20),
            ("a=ptime:1000\r\n", 120),
            ("a=maxptime:5\r\n", 10),
        ];
        for (extra, expected) in cases {
            let (_, n) = OfferAnswer::new(config(SrtpPolicy::Off))
                .process_offer(&audio("RTP/AVP", "0", extra))
                .expect("ok");
            assert_eq!(n.ptime, expected, "{extra}");
        }
    }

    trait WithPort {
        fn with_port(self, port: u16) -> Self;
    }

    impl WithPort for SessionDescription {
        fn with_port(mut self, port: u16) -> Self {
            self.media[0].port = port;
            self
        }
    }
}
