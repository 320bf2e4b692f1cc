//! Sans-IO WebRTC media transport for the softphone's WebRTC accounts (issue 5).
//!
//! # What this crate owns
//!
//! One [`WebRtcSession`] is the media transport of one WebRTC call: ICE (host candidates from
//! the local addresses the caller passes in; STUN/TURN servers and a relay-only policy in the
//! configuration), DTLS-SRTP (DTLS role per RFC 5763: the offer says `actpass`, the answer
//! `active`; the peer's certificate is checked against the SDP `a=fingerprint` before any media
//! is released), and complete, non-trickle SDP offers and answers for one audio stream
//! (`UDP/TLS/RTP/SAVPF`, `rtcp-mux`, `BUNDLE`, Opus 48000/2 + telephone-event, optionally
//! PCMU/PCMA). SIP carries the SDP, so every candidate is in it: there is no trickle ICE.
//!
//! It is built on the `rtc` crate (webrtc-rs' sans-I/O core) and wraps it in the vocabulary the
//! engine speaks: datagrams in ([`WebRtcSession::handle_datagram`]), datagrams out
//! ([`WebRtcSession::poll_transmit`]), timers ([`WebRtcSession::poll_timeout`] /
//! [`WebRtcSession::handle_timeout`]), plain RTP in and out ([`WebRtcSession::send_rtp`],
//! [`WebRtcSession::poll_rtp`]) and [`SessionEvent`]s.
//!
//! # What it must never depend on
//!
//! No sockets, no clock, no threads, no async runtime: the caller passes every [`Instant`]
//! (`std::time::Instant`) and every datagram, so the whole transport runs in simulated time in
//! the unit tests. It knows nothing about SIP, accounts, audio devices or codecs' sample data:
//! payloads are opaque bytes (Opus encoding/decoding lives in `softphone-media`), and it must
//! not depend on `softphone-engine`, `softphone-sip` or `softphone-media` — the engine depends
//! on it, not the other way round.
//!
//! [`Instant`]: std::time::Instant

mod config;
mod error;
mod event;
mod fingerprint;
mod rtp;
mod sdp_check;
mod session;
mod turn;

pub use config::{AudioCodec, IceServer, WebRtcConfig};
pub use error::Error;
pub use event::{FailureReason, IceState, SessionEvent, TransportState};
pub use rtp::RtpPacket;
pub use session::{SessionStats, Transmit, WebRtcSession};
