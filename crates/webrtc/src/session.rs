//! [`WebRtcSession`]: one call's WebRTC media transport, driven by datagrams and instants.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use rtc::media_stream::MediaStreamTrack;
use rtc::peer_connection::RTCPeerConnection;
use rtc::peer_connection::RTCPeerConnectionBuilder;
use rtc::peer_connection::configuration::media_engine::{
    MIME_TYPE_OPUS, MIME_TYPE_PCMA, MIME_TYPE_PCMU, MIME_TYPE_TELEPHONE_EVENT, MediaEngine,
};
use rtc::peer_connection::configuration::setting_engine::SettingEngineBuilder;
use rtc::peer_connection::configuration::{
    RTCBundlePolicy, RTCConfigurationBuilder, RTCIceServer, RTCIceTransportPolicy, RTCRtcpMuxPolicy,
};
use rtc::peer_connection::event::RTCPeerConnectionEvent;
use rtc::peer_connection::message::RTCMessage;
use rtc::peer_connection::sdp::RTCSessionDescription;
use rtc::peer_connection::state::{RTCIceConnectionState, RTCPeerConnectionState};
use rtc::peer_connection::transport::{
    CandidateConfig, CandidateHostConfig, CandidateRelayConfig, CandidateServerReflexiveConfig,
    RTCIceCandidate,
};
use rtc::rtp_transceiver::RTCRtpSenderId;
use rtc::rtp_transceiver::rtp_sender::{
    RTCRtpCodec, RTCRtpCodecParameters, RTCRtpCodingParameters, RTCRtpEncodingParameters,
    RtpCodecKind,
};
use rtc::sansio::Protocol;
use rtc::shared::{TaggedBytesMut, TransportContext, TransportProtocol};
use tracing::{debug, info, warn};

use crate::Error;
use crate::config::{AudioCodec, WebRtcConfig};
use crate::event::{FailureReason, IceState, SessionEvent, TransportState};
use crate::fingerprint::{Fingerprint, Verdict, verify};
use crate::rtp::RtpPacket;
use crate::sdp_check::{check_remote_sdp, normalize_profile, with_profile};
use crate::turn::{Turn, TurnOutput, ice_server};

/// One datagram to send: from which local address (socket) to which peer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transmit {
    /// The local address (one of [`WebRtcConfig::local_addrs`]) to send from.
    pub from: SocketAddr,
    /// The destination.
    pub to: SocketAddr,
    /// The datagram.
    pub payload: Vec<u8>,
}

/// Counters for what the session received, sent and dropped.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SessionStats {
    /// Datagrams handed to [`WebRtcSession::handle_datagram`].
    pub datagrams_in: u64,
    /// Datagrams dropped before the stack: not STUN/DTLS/RTP by RFC 7983, or to an address we
    /// do not own.
    pub datagrams_garbage: u64,
    /// Datagrams the stack rejected with an error.
    pub datagrams_rejected: u64,
    /// Decrypted RTP packets delivered to [`WebRtcSession::poll_rtp`].
    pub rtp_in: u64,
    /// RTP packets dropped because the peer's certificate was not (yet) verified.
    pub rtp_unverified_dropped: u64,
    /// RTP packets sent with [`WebRtcSession::send_rtp`].
    pub rtp_out: u64,
}

/// Which side of the offer/answer exchange this session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Negotiation {
    Idle,
    OfferSent,
    Done,
}

/// The DTLS-SRTP transport of one call (see the crate docs).
pub struct WebRtcSession {
    pc: RTCPeerConnection,
    config: WebRtcConfig,
    sender: Option<RTCRtpSenderId>,
    ssrc: u32,
    seq: u16,
    negotiation: Negotiation,
    remote_fingerprints: Vec<Fingerprint>,
    verified: bool,
    transport: TransportState,
    ice: IceState,
    /// When ICE connected while DTLS was not done yet: the DTLS deadline runs from here.
    dtls_deadline: Option<Instant>,
    events: VecDeque<SessionEvent>,
    rtp_in: VecDeque<RtpPacket>,
    stats: SessionStats,
    span: tracing::Span,
    /// The latest instant the caller gave us.
    last_now: Option<Instant>,
    /// The TURN allocation, when a TURN server is configured.
    turn: Option<Turn>,
    /// Candidate gathering ends at the latest here (then the SDP goes with what it has).
    gathering_deadline: Option<Instant>,
    gathering_done: bool,
    /// Results (relay, reflexive) gathering still waits for.
    gathering_pending: usize,
}

/// Gathering (TURN allocation) is given this long before the SDP goes without it.
const GATHERING_MAX: std::time::Duration = std::time::Duration::from_secs(3);

fn codec_parameters(codec: AudioCodec) -> Vec<RTCRtpCodecParameters> {
    let p = |mime: &str, clock_rate, channels, fmtp: &str, pt| RTCRtpCodecParameters {
        rtp_codec: RTCRtpCodec {
            mime_type: mime.to_owned(),
            clock_rate,
            channels,
            sdp_fmtp_line: fmtp.to_owned(),
            rtcp_feedback: vec![],
        },
        payload_type: pt,
    };
    match codec {
        AudioCodec::Opus => vec![p(
            MIME_TYPE_OPUS,
            48000,
            2,
            "minptime=10;useinbandfec=1",
            111,
        )],
        AudioCodec::Pcmu => vec![p(MIME_TYPE_PCMU, 8000, 0, "", 0)],
        AudioCodec::Pcma => vec![p(MIME_TYPE_PCMA, 8000, 0, "", 8)],
        AudioCodec::TelephoneEvent => vec![
            p(MIME_TYPE_TELEPHONE_EVENT, 48000, 0, "0-16", 101),
            p(MIME_TYPE_TELEPHONE_EVENT, 8000, 0, "0-16", 126),
        ],
    }
}

/// The RTP codec parameters of `codecs`, in order.
fn codec_list(codecs: &[AudioCodec]) -> Vec<RTCRtpCodecParameters> {
    // One telephone-event rate: the stack matches codecs on MIME type and fmtp, not clock
    // rate, so /48000 and /8000 would collapse into one. /48000 goes with Opus, /8000 with a
    // G.711-only configuration.
    let opus = codecs.contains(&AudioCodec::Opus);
    codecs
        .iter()
        .flat_map(|c| {
            let mut p = codec_parameters(*c);
            if *c == AudioCodec::TelephoneEvent {
                p.retain(|x| (x.rtp_codec.clock_rate == 48000) == opus);
            }
            p
        })
        .collect()
}

/// The stack can answer one payload type twice (a peer offering telephone-event at two rates
/// both matching ours): drop repeated formats from `m=` lines and repeated identical
/// `a=rtpmap`/`a=fmtp`/`a=rtcp-fb` lines within a media section. Same meaning, clean SDP.
fn dedupe_formats(sdp: &str) -> String {
    let mut out = String::with_capacity(sdp.len());
    let mut seen = std::collections::HashSet::new();
    for line in sdp.split_inclusive('\n') {
        let bare = line.trim_end();
        if let Some(m) = bare.strip_prefix("m=") {
            seen.clear();
            let mut parts = m.split(' ');
            let head: Vec<_> = parts.by_ref().take(3).collect();
            let mut fmts: Vec<&str> = Vec::new();
            for f in parts {
                if !fmts.contains(&f) {
                    fmts.push(f);
                }
            }
            out.push_str("m=");
            out.push_str(&head.join(" "));
            for f in fmts {
                out.push(' ');
                out.push_str(f);
            }
            out.push_str(&line[bare.len()..]);
            continue;
        }
        let per_format = ["a=rtpmap:", "a=fmtp:", "a=rtcp-fb:"];
        if per_format.iter().any(|p| bare.starts_with(p)) && !seen.insert(bare.to_owned()) {
            continue;
        }
        out.push_str(line);
    }
    out
}

/// SIP peers read the media address from `c=` and the `m=` port (RFC 8839 §4.2.1.2: the
/// default candidate goes there), not only from `a=candidate`: put the first component-1
/// candidate there instead of the JSEP placeholder `0.0.0.0`/9. Component-2 candidates are
/// dropped: RTCP is multiplexed (`a=rtcp-mux`, required).
fn with_default_candidate(sdp: &str) -> String {
    let first = sdp.lines().find_map(|l| {
        let f: Vec<&str> = l.strip_prefix("a=candidate:")?.split(' ').collect();
        (f.get(1) == Some(&"1") && f.get(2).is_some_and(|t| t.eq_ignore_ascii_case("udp")))
            .then(|| Some((f.get(4)?.to_string(), f.get(5)?.to_string())))?
    });
    let Some((ip, port)) = first else {
        return sdp.to_owned();
    };
    let family = if ip.contains(':') { "IP6" } else { "IP4" };
    let mut out = String::with_capacity(sdp.len());
    for line in sdp.split_inclusive('\n') {
        let bare = line.trim_end();
        let eol = &line[bare.len()..];
        if let Some(rest) = bare.strip_prefix("m=audio ") {
            let mut parts = rest.splitn(2, ' ');
            let _placeholder = parts.next();
            out.push_str(&format!(
                "m=audio {port} {}{eol}",
                parts.next().unwrap_or("")
            ));
        } else if bare.starts_with("c=IN ") {
            out.push_str(&format!("c=IN {family} {ip}{eol}"));
        } else if bare.starts_with("a=candidate:") && bare.split(' ').nth(1) == Some("2") {
            continue;
        } else {
            out.push_str(line);
        }
    }
    out
}

fn map_ice(s: RTCIceConnectionState) -> Option<IceState> {
    Some(match s {
        RTCIceConnectionState::New => IceState::New,
        RTCIceConnectionState::Checking => IceState::Checking,
        RTCIceConnectionState::Connected => IceState::Connected,
        RTCIceConnectionState::Completed => IceState::Completed,
        RTCIceConnectionState::Disconnected => IceState::Disconnected,
        RTCIceConnectionState::Failed => IceState::Failed,
        RTCIceConnectionState::Closed => IceState::Closed,
        _ => return None,
    })
}

/// How often the session wants a timer while ICE is unsettled (see `poll_timeout`).
const HOUSEKEEPING_TICK: std::time::Duration = std::time::Duration::from_millis(500);

/// RFC 7983 demultiplexing: is the first byte STUN (0–3), DTLS (20–63) or RTP/RTCP (128–191)?
fn plausible(datagram: &[u8]) -> bool {
    matches!(datagram.first(), Some(0..=3 | 20..=63 | 128..=191))
}

impl WebRtcSession {
    /// A new session. `now` seeds its timers; nothing is sent until an offer or answer exists.
    pub fn new(now: Instant, config: WebRtcConfig) -> Result<Self, Error> {
        if config.local_addrs.is_empty() {
            return Err(Error::Config("no local address".into()));
        }
        if !config
            .codecs
            .iter()
            .any(|c| *c != AudioCodec::TelephoneEvent)
        {
            return Err(Error::Config("no audio codec".into()));
        }
        let mut media = MediaEngine::default();
        for params in codec_list(&config.codecs) {
            media.register_codec(params, RtpCodecKind::Audio)?;
        }
        let settings = SettingEngineBuilder::new()
            .with_ice_timeouts(
                Some(config.ice_disconnected_timeout),
                Some(config.ice_failed_timeout),
                Some(config.ice_keepalive_interval),
            )
            // We check the certificate against the SDP ourselves (fingerprint.rs) so that a
            // mismatch fails the session with a clear reason; the stack would only log it and
            // stall. No media passes before that check (see `verify_peer`).
            .with_disable_certificate_fingerprint_verification(true);
        // Relay-only has nothing better to wait for: nominate relay pairs at once (the stack
        // otherwise gives direct paths 2 s first).
        let settings = if config.relay_only {
            settings.with_relay_acceptance_min_wait(Some(std::time::Duration::ZERO))
        } else {
            settings
        }
        .build();
        let ice_servers = config
            .ice_servers
            .iter()
            .map(|s| RTCIceServer {
                urls: s.urls.clone(),
                username: s.username.clone(),
                credential: s.credential.clone(),
            })
            .collect();
        let rtc_config = RTCConfigurationBuilder::new()
            .with_ice_servers(ice_servers)
            .with_ice_transport_policy(if config.relay_only {
                RTCIceTransportPolicy::Relay
            } else {
                RTCIceTransportPolicy::All
            })
            .with_bundle_policy(RTCBundlePolicy::MaxBundle)
            .with_rtcp_mux_policy(RTCRtcpMuxPolicy::Require)
            .build();
        let pc = RTCPeerConnectionBuilder::new()
            .with_configuration(rtc_config)
            .with_media_engine(media)
            .with_setting_engine(settings)
            .build(now)?;
        let ssrc = rand::random::<u32>();
        let span = tracing::info_span!("webrtc", ssrc);
        let mut s = Self {
            pc,
            config,
            sender: None,
            ssrc,
            seq: rand::random::<u16>(),
            negotiation: Negotiation::Idle,
            remote_fingerprints: Vec::new(),
            verified: false,
            transport: TransportState::New,
            ice: IceState::New,
            dtls_deadline: None,
            events: VecDeque::new(),
            rtp_in: VecDeque::new(),
            stats: SessionStats::default(),
            span,
            last_now: Some(now),
            turn: None,
            gathering_deadline: None,
            gathering_done: false,
            gathering_pending: 0,
        };
        s.add_host_candidates()?;
        // One STUN/TURN server: the TURN server (which also answers the STUN binding, unless
        // relay-only), else the first STUN server.
        let turn = ice_server(&s.config.ice_servers, "turn")?.map(|(a, c)| (a, c.clone()));
        let stun = ice_server(&s.config.ice_servers, "stun")?.map(|(a, _)| a);
        let local = s.config.local_addrs[0];
        let client = match (turn, stun) {
            (Some((server, creds)), _) => Some(Turn::start(
                now,
                server,
                local,
                Some(&creds),
                !s.config.relay_only,
            )?),
            (None, _) if s.config.relay_only => {
                return Err(Error::Config("relay-only needs a turn: server".into()));
            }
            (None, Some(server)) => Some(Turn::start(now, server, local, None, true)?),
            (None, None) => None,
        };
        match client {
            Some(c) => {
                s.gathering_pending = c.expected_results();
                s.turn = Some(c);
                s.gathering_deadline = Some(now + GATHERING_MAX);
            }
            None => s.finish_gathering(),
        }
        Ok(s)
    }

    fn add_host_candidates(&mut self) -> Result<(), Error> {
        if self.config.relay_only {
            // relay-only: host candidates would reveal local addresses
            return Ok(());
        }
        for addr in self.config.local_addrs.clone() {
            let candidate = CandidateHostConfig {
                base_config: CandidateConfig {
                    network: "udp".to_owned(),
                    address: addr.ip().to_string(),
                    port: addr.port(),
                    component: 1,
                    ..Default::default()
                },
                ..Default::default()
            }
            .new_candidate_host()?;
            self.pc
                .add_local_candidate(RTCIceCandidate::from(&candidate).to_json()?)?;
        }
        Ok(())
    }

    fn finish_gathering(&mut self) {
        if !self.gathering_done {
            self.gathering_done = true;
            self.gathering_deadline = None;
            self.events.push_back(SessionEvent::GatheringComplete);
        }
    }

    /// Whether all candidates are known: make the offer or answer after this (or after
    /// [`SessionEvent::GatheringComplete`]). Without STUN/TURN servers it is true at once; with
    /// them it takes one round trip to the server and at most 3 s, after which the SDP goes
    /// with the candidates there are.
    pub fn gathering_complete(&self) -> bool {
        self.gathering_done
    }

    fn gathered_one(&mut self) {
        self.gathering_pending = self.gathering_pending.saturating_sub(1);
        if self.gathering_pending == 0 {
            self.finish_gathering();
        }
    }

    fn add_reflexive_candidate(
        &mut self,
        reflexive: SocketAddr,
        local: SocketAddr,
    ) -> Result<(), Error> {
        if reflexive == local {
            // no NAT (loopback, public address): the host candidate says it already
            return Ok(());
        }
        let candidate = CandidateServerReflexiveConfig {
            base_config: CandidateConfig {
                network: "udp".to_owned(),
                address: reflexive.ip().to_string(),
                port: reflexive.port(),
                component: 1,
                ..Default::default()
            },
            rel_addr: local.ip().to_string(),
            rel_port: local.port(),
            url: None,
        }
        .new_candidate_server_reflexive()?;
        self.pc
            .add_local_candidate(RTCIceCandidate::from(&candidate).to_json()?)?;
        Ok(())
    }

    fn add_relay_candidate(&mut self, relayed: SocketAddr, local: SocketAddr) -> Result<(), Error> {
        let candidate = CandidateRelayConfig {
            base_config: CandidateConfig {
                network: "udp".to_owned(),
                address: relayed.ip().to_string(),
                port: relayed.port(),
                component: 1,
                ..Default::default()
            },
            rel_addr: local.ip().to_string(),
            rel_port: local.port(),
            url: None,
        }
        .new_candidate_relay()?;
        self.pc
            .add_local_candidate(RTCIceCandidate::from(&candidate).to_json()?)?;
        Ok(())
    }

    /// Moves TURN output into the stack and our events.
    fn pump_turn(&mut self, now: Instant) {
        loop {
            let Some(turn) = self.turn.as_mut() else {
                return;
            };
            let local = turn.local;
            let relayed = turn.relayed;
            let Some(out) = turn.poll_output(now) else {
                return;
            };
            match out {
                TurnOutput::Allocated(addr) => {
                    if let Err(e) = self.add_relay_candidate(addr, local) {
                        warn!(error = %e, "relay candidate");
                    }
                    self.gathered_one();
                }
                TurnOutput::AllocationFailed(reason) => {
                    warn!(%reason, "TURN allocation failed");
                    self.events
                        .push_back(SessionEvent::RelayUnavailable(reason));
                    self.gathered_one();
                }
                TurnOutput::Reflexive(addr) => {
                    if let Err(e) = self.add_reflexive_candidate(addr, local) {
                        warn!(error = %e, "server-reflexive candidate");
                    }
                    self.gathered_one();
                }
                TurnOutput::BindingFailed(reason) => {
                    warn!(%reason, "STUN binding failed");
                    self.gathered_one();
                }
                TurnOutput::Data { peer, data } => {
                    let Some(relayed) = relayed else { continue };
                    let msg = TaggedBytesMut {
                        now,
                        transport: TransportContext {
                            local_addr: relayed,
                            peer_addr: peer,
                            ecn: None,
                            transport_protocol: TransportProtocol::UDP,
                        },
                        message: data,
                    };
                    if let Err(e) = self.pc.handle_read(msg) {
                        self.stats.datagrams_rejected += 1;
                        debug!(%peer, error = %e, "relayed datagram rejected");
                    }
                    self.pump(now);
                }
            }
        }
    }

    fn add_audio_track(&mut self) -> Result<(), Error> {
        if self.sender.is_some() {
            return Ok(());
        }
        let first = self
            .config
            .codecs
            .iter()
            .find(|c| **c != AudioCodec::TelephoneEvent)
            .copied()
            .unwrap_or(AudioCodec::Opus);
        let codec = codec_parameters(first)
            .into_iter()
            .next()
            .map(|p| p.rtp_codec)
            .ok_or(Error::Config("no audio codec".into()))?;
        let track = MediaStreamTrack::new(
            "softphone".to_owned(),
            "audio".to_owned(),
            "audio".to_owned(),
            RtpCodecKind::Audio,
            vec![RTCRtpEncodingParameters {
                rtp_coding_parameters: RTCRtpCodingParameters {
                    ssrc: Some(self.ssrc),
                    ..Default::default()
                },
                codec,
                ..Default::default()
            }],
        );
        self.sender = Some(self.pc.add_track(track)?);
        Ok(())
    }

    /// Creates the complete SDP offer (all candidates included, `a=setup:actpass`).
    pub fn create_offer(&mut self, now: Instant) -> Result<String, Error> {
        let _g = self.span.clone().entered();
        if self.negotiation != Negotiation::Idle {
            return Err(Error::InvalidState("offer already made"));
        }
        self.add_audio_track()?;
        // the track carries one codec; offer all configured ones (Opus, telephone-event...)
        let all = self.codec_list();
        let transceivers: Vec<_> = self.pc.get_transceivers().collect();
        for id in transceivers {
            if let Some(mut t) = self.pc.rtp_transceiver(id) {
                t.set_codec_preferences(all.clone())?;
            }
        }
        let offer = self.pc.create_offer(None)?;
        self.pc.set_local_description(now, offer)?;
        self.negotiation = Negotiation::OfferSent;
        self.set_transport(TransportState::Connecting);
        self.pump(now);
        let sdp = self.local_sdp()?;
        debug!(len = sdp.len(), "offer created");
        Ok(sdp)
    }

    /// Takes the peer's offer and returns our complete SDP answer (`a=setup:active`).
    pub fn accept_offer(&mut self, now: Instant, sdp: &str) -> Result<String, Error> {
        let _g = self.span.clone().entered();
        if self.negotiation != Negotiation::Idle {
            return Err(Error::InvalidState("offer/answer already done"));
        }
        let (normalized, profile) = normalize_profile(sdp);
        let sdp = normalized.as_str();
        let summary = check_remote_sdp(sdp)?;
        let offer = RTCSessionDescription::offer(sdp.to_owned())?;
        self.pc.set_remote_description(now, offer)?;
        self.add_audio_track()?;
        let answer = self.pc.create_answer(None)?;
        self.pc.set_local_description(now, answer)?;
        self.remote_fingerprints = summary.fingerprints;
        self.negotiation = Negotiation::Done;
        self.set_transport(TransportState::Connecting);
        self.pump(now);
        let mut sdp = self.local_sdp()?;
        if let Some(profile) = profile {
            sdp = with_profile(&sdp, profile);
        }
        debug!(len = sdp.len(), "answer created");
        Ok(sdp)
    }

    /// Takes the peer's answer to our offer.
    pub fn accept_answer(&mut self, now: Instant, sdp: &str) -> Result<(), Error> {
        let _g = self.span.clone().entered();
        if self.negotiation != Negotiation::OfferSent {
            return Err(Error::InvalidState("no offer outstanding"));
        }
        let (normalized, _) = normalize_profile(sdp);
        let sdp = normalized.as_str();
        let summary = check_remote_sdp(sdp)?;
        let answer = RTCSessionDescription::answer(sdp.to_owned())?;
        self.pc.set_remote_description(now, answer)?;
        self.remote_fingerprints = summary.fingerprints;
        self.negotiation = Negotiation::Done;
        self.pump(now);
        Ok(())
    }

    fn codec_list(&self) -> Vec<RTCRtpCodecParameters> {
        codec_list(&self.config.codecs)
    }

    fn local_sdp(&self) -> Result<String, Error> {
        self.pc
            .local_description()
            .map(|d| with_default_candidate(&dedupe_formats(&d.sdp)))
            .ok_or(Error::InvalidState("no local description"))
    }

    /// One datagram received on the local address `to` from `from`. Anything that is not
    /// STUN/DTLS/SRTP, or that the stack rejects, is dropped and counted ([`Self::stats`]).
    pub fn handle_datagram(&mut self, now: Instant, from: SocketAddr, to: SocketAddr, data: &[u8]) {
        let _g = self.span.clone().entered();
        self.stats.datagrams_in += 1;
        if let Some(turn) = self.turn.as_mut() {
            if from == turn.server && to == turn.local {
                if let Err(e) = turn.handle_datagram(now, data) {
                    self.stats.datagrams_rejected += 1;
                    debug!(error = %e, "TURN datagram rejected");
                }
                self.pump_turn(now);
                return;
            }
        }
        if !plausible(data) || !self.config.local_addrs.contains(&to) {
            self.stats.datagrams_garbage += 1;
            debug!(%from, len = data.len(), "dropped a datagram that is not STUN/DTLS/RTP");
            return;
        }
        if matches!(
            self.transport,
            TransportState::Failed | TransportState::Closed
        ) {
            return;
        }
        let msg = TaggedBytesMut {
            now,
            transport: TransportContext {
                local_addr: to,
                peer_addr: from,
                ecn: None,
                transport_protocol: TransportProtocol::UDP,
            },
            message: BytesMut::from(data),
        };
        if let Err(e) = self.pc.handle_read(msg) {
            self.stats.datagrams_rejected += 1;
            debug!(%from, error = %e, "datagram rejected");
        }
        self.pump(now);
    }

    /// The next datagram to send, if any.
    pub fn poll_transmit(&mut self) -> Option<Transmit> {
        while let Some(m) = self.pc.poll_write() {
            if let Some(turn) = self.turn.as_mut() {
                if turn.relayed == Some(m.transport.local_addr) {
                    // from our relayed address: wrap it for the TURN server
                    turn.send(m.now, m.transport.peer_addr, &m.message);
                    continue;
                }
            }
            return Some(Transmit {
                from: m.transport.local_addr,
                to: m.transport.peer_addr,
                payload: m.message.to_vec(),
            });
        }
        let (from, to, payload) = self.turn.as_mut()?.poll_transmit()?;
        Some(Transmit { from, to, payload })
    }

    /// When [`Self::handle_timeout`] must be called next.
    pub fn poll_timeout(&mut self) -> Option<Instant> {
        let mut t = self.pc.poll_timeout();
        // The ICE agent stops asking for timers once its checks are exhausted, but only a
        // timer moves it from `checking` to `failed`: keep ticking while not settled.
        if let Some(last) = self.last_now {
            if matches!(self.ice, IceState::Checking | IceState::Disconnected)
                && !matches!(
                    self.transport,
                    TransportState::Failed | TransportState::Closed
                )
            {
                let tick = last + HOUSEKEEPING_TICK;
                t = Some(t.map_or(tick, |x| x.min(tick)));
            }
        }
        let turn = self.turn.as_mut().and_then(Turn::poll_timeout);
        [t, self.dtls_deadline, turn, self.gathering_deadline]
            .into_iter()
            .flatten()
            .min()
    }

    /// Drives timers (ICE checks, retransmissions, keep-alives, the DTLS deadline).
    pub fn handle_timeout(&mut self, now: Instant) {
        let _g = self.span.clone().entered();
        if matches!(
            self.transport,
            TransportState::Failed | TransportState::Closed
        ) {
            return;
        }
        if let Err(e) = self.pc.handle_timeout(now) {
            debug!(error = %e, "timeout handling");
        }
        if let Some(turn) = self.turn.as_mut() {
            turn.handle_timeout(now);
        }
        self.pump_turn(now);
        if self.gathering_deadline.is_some_and(|d| now >= d) {
            warn!("candidate gathering hit its limit; the SDP goes with what there is");
            self.finish_gathering();
        }
        self.pump(now);
        if let Some(deadline) = self.dtls_deadline {
            if now >= deadline && !self.verified {
                self.fail(now, FailureReason::DtlsTimeout);
            }
        }
    }

    /// Sends one RTP packet (our SSRC and sequence numbers) with a negotiated payload type.
    pub fn send_rtp(
        &mut self,
        now: Instant,
        payload_type: u8,
        timestamp: u32,
        payload: &[u8],
        marker: bool,
    ) -> Result<(), Error> {
        if self.transport != TransportState::Connected {
            return Err(Error::NotConnected);
        }
        let sender = self.sender.ok_or(Error::NotConnected)?;
        self.seq = self.seq.wrapping_add(1);
        let packet = rtc::rtp::packet::Packet {
            header: rtc::rtp::header::Header {
                version: 2,
                payload_type,
                sequence_number: self.seq,
                timestamp,
                ssrc: self.ssrc,
                marker,
                ..Default::default()
            },
            payload: Bytes::copy_from_slice(payload),
        };
        let mut s = self.pc.rtp_sender(sender).ok_or(Error::NotConnected)?;
        s.write_rtp(now, packet)?;
        self.stats.rtp_out += 1;
        Ok(())
    }

    /// The payload types negotiated for sending, with their codec names (`audio/opus`...).
    pub fn negotiated_codecs(&mut self) -> Vec<(u8, String)> {
        let Some(id) = self.sender else {
            return Vec::new();
        };
        let Some(mut s) = self.pc.rtp_sender(id) else {
            return Vec::new();
        };
        s.get_parameters()
            .rtp_parameters
            .codecs
            .iter()
            .map(|c| (c.payload_type, c.rtp_codec.mime_type.to_ascii_lowercase()))
            .collect()
    }

    /// The next decrypted RTP packet from the peer.
    pub fn poll_rtp(&mut self) -> Option<RtpPacket> {
        self.rtp_in.pop_front()
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<SessionEvent> {
        self.events.pop_front()
    }

    /// The overall transport state.
    pub fn state(&self) -> TransportState {
        self.transport
    }

    /// Counters.
    pub fn stats(&self) -> SessionStats {
        self.stats
    }

    /// Closes the session (DTLS close_notify is queued for [`Self::poll_transmit`]).
    pub fn close(&mut self, now: Instant) {
        let _g = self.span.clone().entered();
        if let Err(e) = self.pc.close() {
            debug!(error = %e, "close");
        }
        self.pump(now);
        if let Some(turn) = self.turn.as_mut() {
            turn.close(now);
        }
        self.dtls_deadline = None;
        self.set_transport(TransportState::Closed);
    }

    fn set_transport(&mut self, s: TransportState) {
        if self.transport != s && self.transport != TransportState::Closed {
            info!(from = ?self.transport, to = ?s, "transport state");
            self.transport = s;
            self.events.push_back(SessionEvent::Transport(s));
        }
    }

    fn fail(&mut self, now: Instant, reason: FailureReason) {
        if matches!(
            self.transport,
            TransportState::Failed | TransportState::Closed
        ) {
            return;
        }
        warn!(%reason, "webrtc session failed");
        self.dtls_deadline = None;
        self.rtp_in.clear();
        if let Err(e) = self.pc.close() {
            debug!(error = %e, "close after failure");
        }
        // drain what close produced, but report only our failure
        while self.pc.poll_event().is_some() {}
        while self.pc.poll_read().is_some() {}
        let _ = now;
        self.events.push_back(SessionEvent::Failed(reason));
        self.set_transport(TransportState::Failed);
    }

    /// Checks the DTLS peer's certificate against the SDP fingerprints.
    fn verify_peer(&mut self, now: Instant) {
        let Some(id) = self.sender else {
            return self.fail(now, FailureReason::Other("no audio sender".into()));
        };
        let cert = self.pc.rtp_sender(id).and_then(|s| {
            s.transport()
                .and_then(|t| t.get_remote_certificates().first().cloned())
        });
        let Some(cert) = cert else {
            return self.fail(
                now,
                FailureReason::Other("DTLS peer sent no certificate".into()),
            );
        };
        match verify(&cert, &self.remote_fingerprints) {
            Verdict::Match => {
                self.verified = true;
                self.dtls_deadline = None;
                info!("DTLS connected, peer certificate matches its fingerprint");
                self.events.push_back(SessionEvent::DtlsConnected);
                self.set_transport(TransportState::Connected);
            }
            Verdict::Mismatch(presented) => {
                self.fail(now, FailureReason::FingerprintMismatch { presented })
            }
            Verdict::Unsupported(algs) => {
                self.fail(now, FailureReason::UnsupportedFingerprint(algs))
            }
        }
    }

    /// Moves the stack's events and received media into ours.
    fn pump(&mut self, now: Instant) {
        self.last_now = Some(self.last_now.map_or(now, |l| l.max(now)));
        while let Some(ev) = self.pc.poll_event() {
            match ev {
                RTCPeerConnectionEvent::OnIceConnectionStateChangeEvent(s) => {
                    let Some(s) = map_ice(s) else { continue };
                    if s == self.ice {
                        continue;
                    }
                    debug!(state = ?s, "ICE state");
                    self.ice = s;
                    self.events.push_back(SessionEvent::Ice(s));
                    match s {
                        IceState::Connected | IceState::Completed => {
                            if !self.verified && self.dtls_deadline.is_none() {
                                self.dtls_deadline = Some(now + self.config.dtls_timeout);
                            }
                            if self.verified {
                                self.set_transport(TransportState::Connected);
                            }
                        }
                        IceState::Disconnected => self.set_transport(TransportState::Disconnected),
                        IceState::Failed => return self.fail(now, FailureReason::IceFailed),
                        _ => {}
                    }
                }
                RTCPeerConnectionEvent::OnConnectionStateChangeEvent(s) => match s {
                    RTCPeerConnectionState::Connected if !self.verified => self.verify_peer(now),
                    RTCPeerConnectionState::Failed => {
                        // reported before the ICE state event that caused it
                        let reason =
                            if matches!(self.ice, IceState::Connected | IceState::Completed)
                                && self.verified
                            {
                                FailureReason::Other("peer connection failed".into())
                            } else {
                                self.ice = IceState::Failed;
                                self.events.push_back(SessionEvent::Ice(IceState::Failed));
                                FailureReason::IceFailed
                            };
                        return self.fail(now, reason);
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        while let Some(m) = self.pc.poll_read() {
            if let RTCMessage::RtpPacket(_, p) = m.message {
                if !self.verified {
                    self.stats.rtp_unverified_dropped += 1;
                    continue;
                }
                self.stats.rtp_in += 1;
                self.rtp_in.push_back(RtpPacket {
                    payload_type: p.header.payload_type,
                    sequence_number: p.header.sequence_number,
                    timestamp: p.header.timestamp,
                    ssrc: p.header.ssrc,
                    marker: p.header.marker,
                    payload: p.payload.to_vec(),
                });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{dedupe_formats, with_default_candidate};

    #[test]
    fn the_first_candidate_becomes_the_default() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n\
                   a=candidate:1 1 udp 2130706431 10.0.0.1 40000 typ host\r\n\
                   a=candidate:1 2 udp 2130706431 10.0.0.1 40000 typ host\r\n";
        assert_eq!(
            with_default_candidate(sdp),
            "v=0\r\nm=audio 40000 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.0.0.1\r\n\
             a=candidate:1 1 udp 2130706431 10.0.0.1 40000 typ host\r\n"
        );
        let none = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\n";
        assert_eq!(with_default_candidate(none), none);
    }

    #[test]
    fn repeated_formats_are_dropped_once() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 110 110\r\na=rtpmap:111 opus/48000/2\r\n\
                   a=rtpmap:110 telephone-event/48000\r\na=rtpmap:110 telephone-event/48000\r\n\
                   a=sendrecv\r\n";
        assert_eq!(
            dedupe_formats(sdp),
            "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 110\r\na=rtpmap:111 opus/48000/2\r\n\
             a=rtpmap:110 telephone-event/48000\r\na=sendrecv\r\n"
        );
    }
}
