//! WebRTC media for a call: ICE, DTLS-SRTP, `rtcp-mux` and BUNDLE from the sans-IO
//! `softphone-webrtc` session, driven here on the call's media thread with one UDP socket.
//! The audio itself (Opus, jitter buffer, devices) is the same loop as classic calls.
//!
//! The thread's life: bind the socket → gather candidates (at once without STUN/TURN servers,
//! at most 3 s with them, as the seed SDKs do) → make our complete SDP (offer, or answer to the
//! peer's offer) and hand it to the engine ([`MediaReport::LocalSdp`]) → open the devices → wait
//! for the go (the peer's answer, or the user answering) while answering ICE checks → run
//! the media loop until the call ends.

use super::devices;
use super::transport::{MediaTransport, Received, TransportCounters};
use super::{finish, run, Controls, Go, MediaHandle, MediaReport, ReportFn, Shared};
use crate::api::{CallId, MediaState};
use crate::media_path::AudioRoute;
use softphone_media::negotiation::{Codec, NegotiatedSession};
use softphone_media::sdp::Direction;
use softphone_webrtc::{SessionEvent, TransportState, WebRtcConfig, WebRtcSession};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// Which side of the SDP exchange we are.
#[derive(Debug, Clone)]
pub(crate) enum Role {
    /// We offer (our INVITE).
    Offer,
    /// We answer the peer's offer (their INVITE), given here.
    Answer(String),
}

/// What a WebRTC media thread is built from.
#[derive(Debug, Clone)]
pub(crate) struct WebRtcSetup {
    /// The address our media listens on (the host candidate).
    pub(crate) ip: IpAddr,
    /// ICE servers, relay-only policy, codecs.
    pub(crate) config: WebRtcConfig,
    /// Offer or answer.
    pub(crate) role: Role,
}

/// Candidate gathering is bounded by the session (3 s); this is the thread's own backstop.
const GATHERING_BACKSTOP: Duration = Duration::from_secs(4);
/// Datagrams handled per loop turn at most (a flood cannot starve the audio).
const DATAGRAMS_PER_TURN: usize = 256;

/// The media transport of a WebRTC call: the session and its socket.
pub(super) struct WebRtcTransport {
    socket: UdpSocket,
    local: SocketAddr,
    session: WebRtcSession,
    buf: Vec<u8>,
    /// RTP we could not send because the transport was not connected yet (or any more).
    unsent: u64,
    /// Why the session failed, once it did.
    failure: Option<String>,
}

fn media_state(state: TransportState) -> MediaState {
    match state {
        TransportState::New => MediaState::New,
        TransportState::Connecting => MediaState::Checking,
        TransportState::Connected => MediaState::Connected,
        TransportState::Disconnected => MediaState::Disconnected,
        TransportState::Failed => MediaState::Failed,
        TransportState::Closed => MediaState::Closed,
    }
}

impl WebRtcTransport {
    /// Binds a UDP socket on `ip` and builds the session with it as the host candidate.
    pub(super) fn bind(ip: IpAddr, mut config: WebRtcConfig) -> Result<Self, String> {
        let socket =
            UdpSocket::bind((ip, 0)).map_err(|e| format!("cannot open a media port: {e}"))?;
        socket
            .set_nonblocking(true)
            .map_err(|e| format!("media socket: {e}"))?;
        let local = socket
            .local_addr()
            .map_err(|e| format!("media port: {e}"))?;
        config.local_addrs = vec![local];
        let session = WebRtcSession::new(Instant::now(), config)
            .map_err(|e| format!("cannot start WebRTC media: {e}"))?;
        Ok(Self {
            socket,
            local,
            session,
            buf: vec![0u8; 2048],
            unsent: 0,
            failure: None,
        })
    }

    /// Reads what arrived, runs the session's timers, sends what it queued; returns the
    /// transport state changes.
    fn pump(&mut self) -> Vec<MediaState> {
        let now = Instant::now();
        for _ in 0..DATAGRAMS_PER_TURN {
            match self.socket.recv_from(&mut self.buf) {
                Ok((n, from)) => {
                    if let Some(data) = self.buf.get(..n) {
                        self.session.handle_datagram(now, from, self.local, data);
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                // ICMP port unreachable and the like: the next read goes on.
                Err(e) => tracing::trace!(error = %e, "media receive failed"),
            }
        }
        if self.session.poll_timeout().is_some_and(|t| t <= now) {
            self.session.handle_timeout(now);
        }
        self.flush();
        let mut states = Vec::new();
        while let Some(event) = self.session.poll_event() {
            match event {
                SessionEvent::Transport(t) => {
                    tracing::info!(state = ?t, "media connection");
                    states.push(media_state(t));
                }
                SessionEvent::Failed(reason) => {
                    tracing::warn!(%reason, "media connection failed");
                    self.failure = Some(reason.to_string());
                }
                SessionEvent::RelayUnavailable(why) => {
                    tracing::warn!(%why, "no TURN relay candidate");
                }
                SessionEvent::Ice(state) => tracing::debug!(?state, "ICE"),
                SessionEvent::DtlsConnected => tracing::debug!("DTLS connected"),
                SessionEvent::GatheringComplete => tracing::debug!("candidates gathered"),
            }
        }
        states
    }

    fn flush(&mut self) {
        while let Some(t) = self.session.poll_transmit() {
            if let Err(e) = self.socket.send_to(&t.payload, t.to) {
                tracing::trace!(error = %e, to = %t.to, "media send failed");
            }
        }
    }
}

impl Drop for WebRtcTransport {
    fn drop(&mut self) {
        // DTLS close_notify, TURN deallocation.
        self.session.close(Instant::now());
        self.flush();
    }
}

/// The payload of an RTP packet we built (no header extension), with the header fields the
/// session needs: `(payload type, marker, timestamp, payload)`.
fn split_rtp(packet: &[u8]) -> Option<(u8, bool, u32, &[u8])> {
    let first = *packet.first()?;
    let second = *packet.get(1)?;
    let timestamp = u32::from_be_bytes(packet.get(4..8)?.try_into().ok()?);
    let csrc = usize::from(first & 0x0f);
    let mut offset = 12 + 4 * csrc;
    if first & 0x10 != 0 {
        let words = u16::from_be_bytes(packet.get(offset + 2..offset + 4)?.try_into().ok()?);
        offset += 4 + 4 * usize::from(words);
    }
    Some((
        second & 0x7f,
        second & 0x80 != 0,
        timestamp,
        packet.get(offset..)?,
    ))
}

impl MediaTransport for WebRtcTransport {
    fn is_secure(&self) -> bool {
        true
    }

    fn discard_backlog(&mut self) -> usize {
        // STUN and DTLS must go through; only RTP that waited is stale.
        self.pump();
        let mut n = 0;
        while self.session.poll_rtp().is_some() {
            n += 1;
        }
        n
    }

    fn send_rtp(&mut self, packet: &[u8]) {
        let Some((pt, marker, timestamp, payload)) = split_rtp(packet) else {
            return;
        };
        match self
            .session
            .send_rtp(Instant::now(), pt, timestamp, payload, marker)
        {
            Ok(()) => self.flush(),
            Err(e) => {
                self.unsent += 1;
                if self.unsent.is_power_of_two() {
                    tracing::debug!(error = %e, unsent = self.unsent, "RTP not sent");
                }
            }
        }
    }

    fn send_rtcp(&mut self, _packet: &[u8]) {
        // The WebRTC stack sends its own RTCP for the SSRC it sends with.
    }

    fn receive(&mut self) -> Option<Received> {
        let p = self.session.poll_rtp()?;
        let mut data = Vec::with_capacity(12 + p.payload.len());
        data.push(0x80);
        data.push(p.payload_type | if p.marker { 0x80 } else { 0 });
        data.extend_from_slice(&p.sequence_number.to_be_bytes());
        data.extend_from_slice(&p.timestamp.to_be_bytes());
        data.extend_from_slice(&p.ssrc.to_be_bytes());
        data.extend_from_slice(&p.payload);
        Some(Received::Rtp(data))
    }

    fn counters(&self) -> TransportCounters {
        let s = self.session.stats();
        TransportCounters {
            malformed: s.datagrams_garbage + s.datagrams_rejected,
            auth_failures: s.rtp_unverified_dropped,
            replays: 0,
        }
    }

    fn service(&mut self) -> Result<Vec<MediaState>, String> {
        let states = self.pump();
        match &self.failure {
            Some(why) => Err(format!("media connection failed: {why}")),
            None => Ok(states),
        }
    }
}

/// `(payload type, encoding name in lower case, clock rate)` of every `a=rtpmap` in the audio
/// section of `sdp`.
fn rtpmaps(sdp: &str) -> Vec<(u8, String, u32)> {
    sdp.lines()
        .filter_map(|l| l.trim().strip_prefix("a=rtpmap:"))
        .filter_map(|rest| {
            let (pt, encoding) = rest.split_once(' ')?;
            let mut parts = encoding.split('/');
            let name = parts.next()?.to_ascii_lowercase();
            let rate = parts.next()?.parse().ok()?;
            Some((pt.parse().ok()?, name, rate))
        })
        .collect()
}

/// The audio session the media loop runs, from what the WebRTC stack negotiated and the
/// peer's SDP (telephone-event, ptime, fmtp).
pub(super) fn negotiated(
    session: &mut WebRtcSession,
    remote_sdp: &str,
) -> Result<NegotiatedSession, String> {
    let (codec, payload_type) = session
        .negotiated_codecs()
        .into_iter()
        .find_map(|(pt, mime)| match mime.as_str() {
            "audio/opus" => Some((Codec::Opus, pt)),
            "audio/pcmu" => Some((Codec::Pcmu, pt)),
            "audio/pcma" => Some((Codec::Pcma, pt)),
            _ => None,
        })
        .ok_or("no audio codec in common with the peer")?;
    let maps = rtpmaps(remote_sdp);
    let events: Vec<_> = maps
        .iter()
        .filter(|(_, name, _)| name == "telephone-event")
        .collect();
    let dtmf = events
        .iter()
        .find(|(_, _, rate)| *rate == codec.clock_rate())
        .or_else(|| events.first())
        .map(|(pt, _, rate)| (*pt, *rate));
    let ptime = remote_sdp
        .lines()
        .find_map(|l| l.trim().strip_prefix("a=ptime:"))
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|p| (10..=60).contains(p) && p % 10 == 0)
        .unwrap_or(20);
    let fmtp_prefix = format!("a=fmtp:{payload_type} ");
    let remote_fmtp = remote_sdp
        .lines()
        .find_map(|l| l.trim().strip_prefix(fmtp_prefix.as_str()))
        .map(str::to_owned);
    let nowhere = SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 9);
    Ok(NegotiatedSession {
        remote_rtp: nowhere,
        remote_rtcp: nowhere,
        rtcp_mux: true,
        codec,
        send_payload_type: payload_type,
        receive_payload_type: payload_type,
        clock_rate: codec.clock_rate(),
        remote_fmtp,
        send_dtmf_payload_type: dtmf.map(|(pt, _)| pt),
        receive_dtmf_payload_type: dtmf.map(|(pt, _)| pt),
        dtmf_clock_rate: dtmf.map_or(codec.clock_rate(), |(_, rate)| rate),
        ptime,
        direction: Direction::SendRecv,
        remote_hold: false,
        crypto: None,
    })
}

/// Starts a WebRTC call's media thread: it gathers candidates, reports our SDP
/// ([`MediaReport::LocalSdp`]), opens the devices (now when `route` is given, else when the go
/// brings it) and waits for [`MediaHandle::begin_webrtc`].
pub(crate) fn prepare(
    call_id: CallId,
    route: Option<AudioRoute>,
    report: ReportFn,
    setup: WebRtcSetup,
) -> MediaHandle {
    let (mut handle, shared) = super::new_handle();
    let name = format!("media-{call_id}");
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let span = tracing::info_span!("media", call = %call_id, webrtc = true);
        let _entered = span.enter();
        let mut summary = None;
        let result = media_thread(&call_id, &route, &report, setup, &shared, &mut summary);
        finish(&call_id, &shared, result, summary, &report)
    });
    match spawned {
        Ok(t) => handle.thread = Some(t),
        Err(e) => tracing::error!(error = %e, "cannot start the media thread"),
    }
    handle
}

fn media_thread(
    call_id: &CallId,
    route: &Option<AudioRoute>,
    report: &ReportFn,
    setup: WebRtcSetup,
    shared: &Shared,
    summary: &mut Option<crate::api::CallStats>,
) -> Result<(), String> {
    let stopped = || shared.stop.load(Ordering::Relaxed);
    let mut transport = WebRtcTransport::bind(setup.ip, setup.config)?;
    let started = Instant::now();
    while !transport.session.gathering_complete() && started.elapsed() < GATHERING_BACKSTOP {
        if stopped() {
            return Ok(());
        }
        transport.pump();
        std::thread::sleep(Duration::from_millis(5));
    }
    let now = Instant::now();
    let sdp = match &setup.role {
        Role::Offer => transport.session.create_offer(now),
        Role::Answer(offer) => transport.session.accept_offer(now, offer),
    }
    .map_err(|e| format!("WebRTC negotiation failed: {e}"))?;
    transport.flush();
    tracing::debug!(
        gathering_ms = started.elapsed().as_millis(),
        "local SDP ready"
    );
    report(MediaReport::LocalSdp {
        call_id: call_id.clone(),
        sdp,
    });
    let opened = route.as_ref().map(devices::Devices::open);
    // Until the peer's answer is applied, its ICE checks wait in the socket: the ICE agent
    // has no remote credentials yet, would refuse them and take a role conflict, and the
    // peer would retry only after its back-off (rtpengine: 1.5 s).
    let answering = matches!(setup.role, Role::Answer(_));
    let go = loop {
        if stopped() {
            return Ok(());
        }
        let states = if answering {
            transport.pump()
        } else {
            Vec::new()
        };
        report_states(call_id, report, &states);
        if let Some(why) = &transport.failure {
            return Err(format!("media connection failed: {why}"));
        }
        match shared.go.recv_timeout(Duration::from_millis(10)) {
            Ok(go) => break go,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        }
    };
    let Go::WebRtc {
        remote_answer,
        ssrc,
        route: late_route,
    } = go
    else {
        return Err("a classic RTP session was handed to a WebRTC call".into());
    };
    let remote = match (setup.role, remote_answer) {
        (Role::Offer, Some(answer)) => {
            transport
                .session
                .accept_answer(Instant::now(), &answer)
                .map_err(|e| format!("unusable WebRTC answer: {e}"))?;
            answer
        }
        (Role::Offer, None) => return Err("no SDP answer to our WebRTC offer".into()),
        (Role::Answer(offer), _) => offer,
    };
    let session = negotiated(&mut transport.session, &remote)?;
    let devices = match (opened, late_route) {
        (Some(opened), _) => opened?,
        (None, Some(route)) => devices::Devices::open(&route)?,
        (None, None) => devices::Devices::open(&AudioRoute::default())?,
    };
    let controls = Controls {
        stop: &shared.stop,
        muted: &shared.muted,
        dtmf: &shared.dtmf,
    };
    run(
        call_id,
        &mut transport,
        &session,
        ssrc,
        devices,
        &controls,
        report,
        summary,
    )
}

/// Publishes media connection state changes.
pub(super) fn report_states(call_id: &CallId, report: &ReportFn, states: &[MediaState]) {
    for state in states {
        report(MediaReport::Event(crate::api::Event::MediaStateChanged {
            call_id: call_id.clone(),
            state: *state,
            reason: None,
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtp_we_build_is_split_into_its_fields() {
        let mut p = vec![0x80, 0x80 | 111, 0, 1, 0, 0, 0x03, 0xc0, 1, 2, 3, 4];
        p.extend_from_slice(b"opus");
        assert_eq!(split_rtp(&p), Some((111, true, 960, &b"opus"[..])));
        assert_eq!(split_rtp(&p[..8]), None);
        // header extension and CSRCs are skipped
        let mut x = vec![0x91, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 9, 9, 9, 9];
        x.extend_from_slice(&[0xbe, 0xde, 0, 1, 7, 7, 7, 7]);
        x.push(42);
        assert_eq!(split_rtp(&x), Some((0, false, 0, &[42][..])));
        // a lying extension length is refused, not a panic
        let bad = [
            0x90, 0, 0, 1, 0, 0, 0, 0, 1, 2, 3, 4, 0xbe, 0xde, 0xff, 0xff,
        ];
        assert_eq!(split_rtp(&bad), None);
    }

    #[test]
    fn telephone_event_and_ptime_come_from_the_peer_sdp() {
        let sdp = "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111 126 101\r\na=rtpmap:111 opus/48000/2\r\n\
                   a=fmtp:111 minptime=10;useinbandfec=1\r\na=rtpmap:126 telephone-event/8000\r\n\
                   a=rtpmap:101 telephone-event/48000\r\na=ptime:40\r\n";
        let maps = rtpmaps(sdp);
        assert_eq!(maps.len(), 3);
        assert_eq!(maps[2], (101, "telephone-event".into(), 48000));
    }
}
