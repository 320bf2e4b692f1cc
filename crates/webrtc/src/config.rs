//! What a session is built from: local addresses, ICE servers, policy, audio codecs, timers.

use std::net::SocketAddr;
use std::time::Duration;

/// A STUN or TURN server (`stun:host:port`, `turn:host:port?transport=udp`).
#[derive(Clone, PartialEq, Eq)]
pub struct IceServer {
    /// The server's URLs.
    pub urls: Vec<String>,
    /// TURN user name (empty for STUN).
    pub username: String,
    /// TURN credential (empty for STUN). Never logged.
    pub credential: String,
}

impl std::fmt::Debug for IceServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IceServer")
            .field("urls", &self.urls)
            .field("username", &self.username)
            .field("credential", &"<redacted>")
            .finish()
    }
}

/// An audio codec the session offers or accepts, with its payload type in our offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AudioCodec {
    /// Opus 48000/2, payload type 111 (`minptime=10;useinbandfec=1`).
    Opus,
    /// G.711 µ-law 8000/1, payload type 0.
    Pcmu,
    /// G.711 A-law 8000/1, payload type 8.
    Pcma,
    /// RFC 4733 telephone-event/48000 (payload type 101, for Opus) and telephone-event/8000
    /// (payload type 126, for G.711).
    TelephoneEvent,
}

/// Everything a [`crate::WebRtcSession`] is built from.
#[derive(Debug, Clone)]
pub struct WebRtcConfig {
    /// The local UDP addresses the caller has bound sockets on: one host candidate each.
    pub local_addrs: Vec<SocketAddr>,
    /// STUN/TURN servers (server-reflexive and relay candidates).
    pub ice_servers: Vec<IceServer>,
    /// Relay-only ICE policy: only TURN relay candidates are used (hides local addresses).
    pub relay_only: bool,
    /// Audio codecs in order of preference.
    pub codecs: Vec<AudioCodec>,
    /// ICE: no traffic for this long → `disconnected`.
    pub ice_disconnected_timeout: Duration,
    /// ICE: no traffic (or no working pair) for this long → `failed`.
    pub ice_failed_timeout: Duration,
    /// ICE consent/keep-alive interval.
    pub ice_keepalive_interval: Duration,
    /// DTLS must complete this long after ICE connected, or the session fails.
    pub dtls_timeout: Duration,
}

impl Default for WebRtcConfig {
    fn default() -> Self {
        Self {
            local_addrs: Vec::new(),
            ice_servers: Vec::new(),
            relay_only: false,
            codecs: vec![AudioCodec::Opus, AudioCodec::TelephoneEvent],
            ice_disconnected_timeout: Duration::from_secs(5),
            ice_failed_timeout: Duration::from_secs(25),
            ice_keepalive_interval: Duration::from_secs(2),
            dtls_timeout: Duration::from_secs(10),
        }
    }
}
