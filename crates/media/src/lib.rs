//! Sans-IO media for the softphone.
//!
//! Owns: SDP offer/answer (RFC 3264), RTP/RTCP, SRTP keyed by SDES (RFC 4568), the jitter buffer
//! and packet-loss concealment, codecs (Opus, G.711, RFC 4733 telephone-event), mixing, recording
//! and call-quality statistics.
//!
//! Must never depend on: sockets, threads, clocks, tokio, the `sip` or `audio` crates. Time,
//! packets and audio frames come in as arguments; packets, frames and events come out.
//!
//! # Modules
//!
//! - [`sdp`]: SDP parser and printer (RFC 4566, RFC 4568 `crypto`).
//! - [`negotiation`]: offer/answer for one audio stream (RFC 3264), SRTP policy, hold/resume.
//! - [`rtp`], [`rtcp`]: packet parse/build (RFC 3550).
//! - [`session`]: per-stream [`RtpSession`] (sequence/timestamps, receive statistics, reports).
//! - [`srtp`]: SRTP/SRTCP with `AES_CM_128_HMAC_SHA1_80` and `_32` (RFC 3711).
//! - [`g711`]: µ-law and A-law (ITU-T G.711) and a simple packet-loss concealment.
//! - [`dtmf`]: RFC 4733 telephone-event sender and receiver.
//! - [`jitter`]: adaptive jitter buffer.
//! - [`quality`]: E-model MOS estimate (ITU-T G.107).

pub mod dtmf;
pub mod error;
pub mod g711;
pub mod jitter;
pub mod negotiation;
pub mod quality;
pub mod rtcp;
pub mod rtp;
pub mod sdp;
pub mod session;
pub mod srtp;

pub use error::{MediaError, NegotiationError, PacketError, SdpError, SrtpError};
pub use session::RtpSession;
