//! The crate's error type.
//!
//! One enum for everything that can go wrong while reading SIP from the network or building
//! values from user input. Every variant is precise enough for the validator to turn it into a
//! reason phrase, and none of them carries borrowed data, so errors can travel freely.

use thiserror::Error;

/// Everything the SIP message layer can refuse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SipError {
    /// The input ended before a complete element was read (start line, header section or body).
    #[error("incomplete input: {0}")]
    Incomplete(&'static str),
    /// The header section is not valid UTF-8 (RFC 3261 requires UTF-8 text).
    #[error("header section is not valid UTF-8")]
    InvalidUtf8,
    /// The first line is neither a Request-Line nor a Status-Line.
    #[error("invalid start line: {0}")]
    InvalidStartLine(&'static str),
    /// The method token of a Request-Line contains characters outside `token`.
    #[error("invalid method")]
    InvalidMethod,
    /// The SIP-Version is not of the form `SIP/1*DIGIT.1*DIGIT`.
    #[error("invalid SIP version")]
    InvalidVersion,
    /// The Status-Code is not three digits in 100..=699.
    #[error("invalid status code")]
    InvalidStatusCode,
    /// A header line is not `name: value` (missing colon, bad name characters, bad folding).
    #[error("invalid header line: {0}")]
    InvalidHeaderLine(&'static str),
    /// A URI does not follow its scheme's grammar.
    #[error("invalid URI: {0}")]
    InvalidUri(&'static str),
    /// A header value does not follow its grammar; `header` names the header.
    #[error("invalid {header} header: {reason}")]
    InvalidHeader {
        /// Canonical name of the header whose value is malformed.
        header: &'static str,
        /// What is wrong, for the reason phrase of a 400.
        reason: &'static str,
    },
    /// A header that must appear at most once appears several times.
    #[error("duplicate {0} header")]
    DuplicateHeader(&'static str),
    /// A header required for the operation is missing.
    #[error("missing {0} header")]
    MissingHeader(&'static str),
    /// A number in a header does not fit its range (e.g. CSeq >= 2^31, Max-Forwards > 255).
    #[error("{0} out of range")]
    OutOfRange(&'static str),
    /// The header section is larger than the configured limit.
    #[error("header section larger than {limit} bytes")]
    HeadersTooLarge {
        /// The limit that was exceeded, in bytes.
        limit: usize,
    },
    /// The declared Content-Length is larger than the configured limit.
    #[error("Content-Length {declared} larger than limit {limit}")]
    BodyTooLarge {
        /// The Content-Length the message declares.
        declared: usize,
        /// The configured limit, in bytes.
        limit: usize,
    },
    /// A stream message has no usable Content-Length (absent, malformed or conflicting), so
    /// its end cannot be found (RFC 3261 §18.3).
    #[error("stream message without a usable Content-Length")]
    MissingContentLength,
    /// The stream framer gave up after an earlier fatal error; the connection must be closed.
    #[error("stream framer failed earlier; close the connection")]
    StreamFailed,
    /// A response that must be dropped; the text says why (e.g. "CSeq number out of range").
    #[error("response dropped: {0}")]
    InvalidResponse(String),
    /// A multipart body is malformed (no boundary parameter, missing delimiter, bad part).
    #[error("invalid multipart body: {0}")]
    InvalidMultipart(&'static str),
    /// A digest challenge or credentials value is malformed.
    #[error("invalid digest: {0}")]
    InvalidDigest(&'static str),
    /// The digest algorithm or qop is not one this crate can compute.
    #[error("unsupported digest {0}")]
    UnsupportedDigest(&'static str),
}

/// Result alias used throughout the crate.
pub type Result<T, E = SipError> = std::result::Result<T, E>;
