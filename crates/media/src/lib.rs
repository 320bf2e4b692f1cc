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
//! - [`codec`]: the [`codec::AudioCodec`] trait with G.711 and Opus behind it.
//! - [`g711`]: µ-law and A-law (ITU-T G.711) and a simple packet-loss concealment.
//! - [`dtmf`]: RFC 4733 telephone-event sender and receiver.
//! - [`jitter`]: adaptive jitter buffer.
//! - [`processing`]: microphone processing before encoding (RNNoise noise suppression).
//! - [`quality`]: E-model MOS estimate (ITU-T G.107).
//!
//! # How the engine drives it
//!
//! ```
//! use softphone_media::negotiation::{LocalMediaConfig, OfferAnswer, SdesKey, SrtpPolicy};
//! use softphone_media::sdp::{CryptoSuite, SessionDescription};
//! use softphone_media::session::{RtpSession, RtpSessionConfig};
//! use softphone_media::srtp::SrtpContext;
//! use softphone_media::jitter::{JitterBuffer, JitterBufferConfig, Playout};
//! use softphone_media::g711::Law;
//! use softphone_media::rtp::RtpPacket;
//!
//! // Per call: local address/port, codec preferences, SRTP policy and random keys.
//! let mut config = LocalMediaConfig::new("192.0.2.1".parse().unwrap(), 4000, 7);
//! config.srtp = SrtpPolicy::Optional;
//! config.sdes_keys = vec![SdesKey { suite: CryptoSuite::AesCm128HmacSha1_80, key_and_salt: [1; 30] }];
//! let mut us = OfferAnswer::new(config);
//!
//! // An INVITE with SDP arrives: parse (malformed → 488), answer (error → 488).
//! let offer = SessionDescription::parse(
//!     b"v=0\r\no=- 1 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n\
//!       m=audio 5000 RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\n",
//! ).unwrap();
//! let (answer, session) = us.process_offer(&offer).unwrap();
//! let _body = answer.to_bytes(); // goes into the 200 OK
//!
//! // Media: an RtpSession per stream, SRTP contexts if negotiated, a jitter buffer.
//! let mut rtp = RtpSession::new(RtpSessionConfig {
//!     ssrc: 0x1234, initial_sequence: 99, initial_timestamp: 5, clock_rate: session.clock_rate,
//!     cname: "me@example".into(), ntp_offset_ms: 0,
//! });
//! let mut outbound = session.crypto.as_ref()
//!     .map(|c| SrtpContext::from_key_and_salt(c.suite, &c.local_key));
//! let mut jitter = JitterBuffer::new(JitterBufferConfig::new(session.clock_rate, session.ptime));
//!
//! // Every 20 ms: encode, packetize, protect, send to session.remote_rtp.
//! let mut payload = Vec::new();
//! Law::Ulaw.encode(&[0i16; 160], &mut payload);
//! let packet = rtp.build_packet(0, session.send_payload_type, true, 0, &payload);
//! let datagram = match outbound.as_mut() {
//!     Some(srtp) => srtp.protect_rtp(&packet).unwrap(),
//!     None => packet,
//! };
//!
//! // On receipt (after unprotect_rtp): statistics, then the jitter buffer; pull on the clock.
//! let received = RtpPacket::parse(&datagram).unwrap();
//! rtp.receive_rtp(20, &received.header, received.payload.len());
//! jitter.insert(received.header.sequence_number, received.header.timestamp, 20, received.payload);
//! assert!(matches!(jitter.pull(60), Playout::Frame { .. }));
//! ```

pub mod codec;
pub mod dtmf;
pub mod error;
pub mod g711;
pub mod jitter;
pub mod negotiation;
pub mod processing;
pub mod quality;
pub mod rtcp;
pub mod rtp;
pub mod sdp;
pub mod session;
pub mod srtp;

pub use error::{MediaError, NegotiationError, PacketError, SdpError, SrtpError};
pub use session::RtpSession;
