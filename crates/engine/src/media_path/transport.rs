//! RTP and RTCP on the call's UDP socket(s), with SDES-SRTP when negotiated: packets that fail
//! authentication, replays and anything that is not RTP/RTCP are dropped and counted.

use softphone_media::negotiation::NegotiatedSession;
use softphone_media::srtp::SrtpContext;
use std::net::{SocketAddr, UdpSocket};

/// What arrived, after SRTP.
pub(super) enum Received {
    /// An RTP packet (decrypted).
    Rtp(Vec<u8>),
    /// A compound RTCP packet (decrypted).
    Rtcp(Vec<u8>),
}

/// Drop counters of the transport.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct TransportCounters {
    /// Datagrams that were neither RTP nor RTCP, or too short.
    pub(super) malformed: u64,
    /// SRTP/SRTCP authentication failures.
    pub(super) auth_failures: u64,
    /// SRTP/SRTCP replays.
    pub(super) replays: u64,
}

/// What the media loop needs from the network, whatever carries the packets: plain or
/// SDES-SRTP RTP on a UDP socket ([`RtpTransport`]), or a WebRTC session (ICE + DTLS-SRTP,
/// `super::webrtc::WebRtcTransport`).
pub(super) trait MediaTransport {
    /// Whether media is encrypted.
    fn is_secure(&self) -> bool;
    /// Drops what queued up before media started; returns how many datagrams.
    fn discard_backlog(&mut self) -> usize;
    /// Sends one RTP packet (header and payload, as built by the RTP session).
    fn send_rtp(&mut self, packet: &[u8]);
    /// Sends a compound RTCP packet.
    fn send_rtcp(&mut self, packet: &[u8]);
    /// The next received packet, if any.
    fn receive(&mut self) -> Option<Received>;
    /// Drop counters.
    fn counters(&self) -> TransportCounters;
    /// Runs the transport's own protocol (ICE checks, DTLS, timers) once per loop turn, and
    /// says what changed. `Err` when the transport failed for good (the call must end).
    fn service(&mut self) -> Result<Vec<crate::api::MediaState>, String> {
        Ok(Vec::new())
    }
}

/// The call's sockets and SRTP contexts.
pub(super) struct RtpTransport {
    rtp: UdpSocket,
    /// A separate RTCP socket (our port + 1) when RTCP is not muxed and the port was free.
    rtcp: Option<UdpSocket>,
    remote_rtp: SocketAddr,
    remote_rtcp: SocketAddr,
    /// `(outbound, inbound)` when SRTP was negotiated.
    srtp: Option<(SrtpContext, SrtpContext)>,
    malformed: u64,
    buf: Vec<u8>,
}

/// RFC 5761 §4: RTCP packet types 192–223 share the second byte with RTP payload types
/// 64–95 (marker set), which no dynamic audio mapping uses.
fn is_rtcp(data: &[u8]) -> bool {
    data.get(1).is_some_and(|pt| (192..=223).contains(pt))
}

impl RtpTransport {
    /// Wraps the socket the SDP advertised; opens port + 1 for RTCP when not muxed.
    pub(super) fn new(socket: UdpSocket, session: &NegotiatedSession) -> Result<Self, String> {
        socket
            .set_nonblocking(true)
            .map_err(|e| format!("media socket: {e}"))?;
        let rtcp = if session.rtcp_mux {
            None
        } else {
            let local = socket.local_addr().map_err(|e| format!("RTP port: {e}"))?;
            let rtcp_addr = SocketAddr::new(local.ip(), local.port().wrapping_add(1));
            match UdpSocket::bind(rtcp_addr) {
                Ok(s) => {
                    s.set_nonblocking(true)
                        .map_err(|e| format!("RTCP socket: {e}"))?;
                    Some(s)
                }
                Err(e) => {
                    tracing::info!(error = %e, "RTCP port busy; RTCP goes out of the RTP port");
                    None
                }
            }
        };
        Ok(Self {
            rtp: socket,
            rtcp,
            remote_rtp: session.remote_rtp,
            remote_rtcp: session.remote_rtcp,
            srtp: session.srtp_contexts(),
            malformed: 0,
            buf: vec![0u8; 2048],
        })
    }
}

impl MediaTransport for RtpTransport {
    /// Whether media is encrypted.
    fn is_secure(&self) -> bool {
        self.srtp.is_some()
    }

    /// Sends an RTP packet (protected when SRTP is on).
    fn send_rtp(&mut self, packet: &[u8]) {
        let protected;
        let data = match self.srtp.as_mut() {
            Some((out, _)) => match out.protect_rtp(packet) {
                Ok(p) => {
                    protected = p;
                    protected.as_slice()
                }
                Err(e) => {
                    tracing::debug!(error = %e, "SRTP protect failed");
                    return;
                }
            },
            None => packet,
        };
        if let Err(e) = self.rtp.send_to(data, self.remote_rtp) {
            tracing::debug!(error = %e, "RTP send failed");
        }
    }

    /// Sends a compound RTCP packet (SRTCP when SRTP is on).
    fn send_rtcp(&mut self, packet: &[u8]) {
        let protected;
        let data = match self.srtp.as_mut() {
            Some((out, _)) => match out.protect_rtcp(packet) {
                Ok(p) => {
                    protected = p;
                    protected.as_slice()
                }
                Err(e) => {
                    tracing::debug!(error = %e, "SRTCP protect failed");
                    return;
                }
            },
            None => packet,
        };
        let socket = self.rtcp.as_ref().unwrap_or(&self.rtp);
        if let Err(e) = socket.send_to(data, self.remote_rtcp) {
            tracing::debug!(error = %e, "RTCP send failed");
        }
    }

    /// The next packet waiting on either socket, decrypted; `None` when nothing is waiting.
    /// Packets that fail checks are counted and skipped.
    fn receive(&mut self) -> Option<Received> {
        loop {
            let (n, rtcp_port) = match self.rtp.recv_from(&mut self.buf) {
                Ok((n, _)) => (n, false),
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    match self.rtcp.as_ref().map(|s| s.recv_from(&mut self.buf)) {
                        Some(Ok((n, _))) => (n, true),
                        _ => return None,
                    }
                }
                Err(e) => {
                    // ICMP port unreachable from the peer and the like.
                    tracing::trace!(error = %e, "RTP receive failed");
                    continue;
                }
            };
            let Some(data) = self.buf.get(..n) else {
                continue;
            };
            if n < 8 || data.first().is_none_or(|b| b >> 6 != 2) {
                self.malformed += 1;
                continue;
            }
            let rtcp = rtcp_port || is_rtcp(data);
            let clear = match (self.srtp.as_mut(), rtcp) {
                (None, _) => Ok(data.to_vec()),
                (Some((_, inbound)), false) => inbound.unprotect_rtp(data),
                (Some((_, inbound)), true) => inbound.unprotect_rtcp(data),
            };
            match clear {
                Ok(clear) if rtcp => return Some(Received::Rtcp(clear)),
                Ok(clear) => return Some(Received::Rtp(clear)),
                Err(e) => {
                    tracing::trace!(error = %e, "SRTP packet dropped");
                    continue;
                }
            }
        }
    }

    /// Discards every datagram waiting on the sockets; returns how many.
    fn discard_backlog(&mut self) -> usize {
        let mut n = 0;
        for socket in std::iter::once(&self.rtp).chain(self.rtcp.as_ref()) {
            while socket.recv_from(&mut self.buf).is_ok() {
                n += 1;
            }
        }
        n
    }

    /// Drop counters so far.
    fn counters(&self) -> TransportCounters {
        let srtp = self
            .srtp
            .as_ref()
            .map(|(_, inbound)| inbound.stats())
            .unwrap_or_default();
        TransportCounters {
            malformed: self.malformed + srtp.malformed,
            auth_failures: srtp.authentication_failures,
            replays: srtp.replays,
        }
    }
}
