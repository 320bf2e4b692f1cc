//! Sans-IO media for the softphone.
//!
//! Owns: SDP offer/answer (RFC 3264), RTP/RTCP, SRTP keyed by SDES (RFC 4568), the jitter buffer
//! and packet-loss concealment, codecs (Opus, G.711, RFC 4733 telephone-event), mixing, recording
//! and call-quality statistics.
//!
//! Must never depend on: sockets, threads, clocks, tokio, the `sip` or `audio` crates. Time,
//! packets and audio frames come in as arguments; packets, frames and events come out.
