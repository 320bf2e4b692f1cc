//! Errors of the media crate.
//!
//! One enum per concern, gathered under [`MediaError`] for callers that want a single type.
//! None of these is ever produced by a panic path: malformed network input becomes one of these
//! values and the engine drops the packet (or answers 488 for SDP).

use thiserror::Error;

/// Malformed session description.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SdpError {
    /// The body is not UTF-8.
    #[error("SDP is not UTF-8")]
    NotUtf8,
    /// The first line is not `v=`.
    #[error("SDP does not start with v=")]
    MissingVersion,
    /// A mandatory line is missing.
    #[error("SDP lacks {0}")]
    MissingLine(&'static str),
    /// A line is malformed.
    #[error("SDP line {line}: {what}")]
    InvalidLine {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        what: &'static str,
    },
}

/// Offer/answer failure: the engine answers 488 (or, for an answer, tears the call down).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum NegotiationError {
    /// The description has no usable audio stream.
    #[error("no audio stream")]
    NoAudioStream,
    /// The peer rejected our audio stream (port 0 in the answer).
    #[error("audio stream rejected")]
    Rejected,
    /// No codec in common.
    #[error("no codec in common")]
    NoCommonCodec,
    /// Our policy requires SRTP and the peer offered or answered plain RTP.
    #[error("SRTP required by policy")]
    SrtpRequired,
    /// The peer requires SRTP and SRTP is off for this account.
    #[error("peer requires SRTP, which is off")]
    SrtpRefused,
    /// No crypto suite (or key) in common.
    #[error("no usable SDES crypto attribute")]
    NoCommonCrypto,
    /// The transport profile is not one we implement (e.g. `UDP/TLS/RTP/SAVPF`).
    #[error("unsupported transport {0}")]
    UnsupportedTransport(String),
    /// No connection address, or one that is not an IP literal.
    #[error("no usable connection address")]
    NoConnectionAddress,
    /// The answer does not match the offer (different number of m= lines, unknown crypto tag…).
    #[error("answer does not match the offer: {0}")]
    AnswerMismatch(&'static str),
    /// An answer arrived but no offer is outstanding.
    #[error("no offer outstanding")]
    NoOfferOutstanding,
    /// Our own configuration lacks something needed (e.g. an SRTP key for the chosen suite).
    #[error("local configuration: {0}")]
    Configuration(&'static str),
}

/// Malformed RTP or RTCP packet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum PacketError {
    /// Shorter than its headers say.
    #[error("packet truncated")]
    Truncated,
    /// Version field is not 2.
    #[error("RTP version is not 2")]
    BadVersion,
    /// Padding length is zero or exceeds the payload.
    #[error("bad padding")]
    BadPadding,
    /// An RTCP length field is inconsistent.
    #[error("bad RTCP length")]
    BadLength,
}

/// SRTP/SRTCP failure. The engine drops the packet; the context counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SrtpError {
    /// The packet is malformed or too short.
    #[error("malformed packet: {0}")]
    Malformed(PacketError),
    /// The authentication tag does not verify.
    #[error("authentication failed")]
    AuthenticationFailed,
    /// The packet index was already received, or is too old for the replay window.
    #[error("replayed packet")]
    Replay,
    /// The SDES key material is not a 30-byte base64 master key and salt.
    #[error("bad SDES key")]
    BadKey,
}

/// Every error of this crate.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MediaError {
    /// See [`SdpError`].
    #[error(transparent)]
    Sdp(#[from] SdpError),
    /// See [`NegotiationError`].
    #[error(transparent)]
    Negotiation(#[from] NegotiationError),
    /// See [`PacketError`].
    #[error(transparent)]
    Packet(#[from] PacketError),
    /// See [`SrtpError`].
    #[error(transparent)]
    Srtp(#[from] SrtpError),
}
