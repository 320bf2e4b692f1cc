//! What a session reports to its driver.

/// ICE connection state (the W3C `RTCIceConnectionState` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IceState {
    /// Not started.
    New,
    /// Connectivity checks running.
    Checking,
    /// A working candidate pair was found.
    Connected,
    /// Checks finished with a working pair.
    Completed,
    /// Consent lost for a while; may recover.
    Disconnected,
    /// No working pair (or consent lost for good).
    Failed,
    /// Closed.
    Closed,
}

/// The transport as a whole (ICE + DTLS + fingerprint check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportState {
    /// Not started.
    New,
    /// ICE and/or DTLS in progress.
    Connecting,
    /// ICE connected, DTLS done and the peer's certificate matches its SDP fingerprint: media
    /// flows.
    Connected,
    /// Temporarily lost (ICE disconnected).
    Disconnected,
    /// Failed for good; see the [`SessionEvent::Failed`] reason.
    Failed,
    /// Closed by [`crate::WebRtcSession::close`].
    Closed,
}

/// Why a session failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FailureReason {
    /// ICE found no working candidate pair or lost the path for good.
    IceFailed,
    /// The DTLS peer's certificate does not match any `a=fingerprint` of its SDP.
    FingerprintMismatch {
        /// The SHA-256 fingerprint of the certificate the peer presented.
        presented: String,
    },
    /// The peer's SDP has only fingerprint hash functions we do not support.
    UnsupportedFingerprint(String),
    /// DTLS did not complete within the configured time after ICE connected.
    DtlsTimeout,
    /// The WebRTC stack reported failure.
    Other(String),
}

impl std::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FailureReason::IceFailed => write!(f, "ICE failed: no working candidate pair"),
            FailureReason::FingerprintMismatch { presented } => write!(
                f,
                "DTLS certificate fingerprint mismatch: the peer presented sha-256 {presented}, \
                 which is not in its SDP"
            ),
            FailureReason::UnsupportedFingerprint(alg) => {
                write!(f, "unsupported fingerprint hash function(s): {alg}")
            }
            FailureReason::DtlsTimeout => {
                write!(f, "DTLS handshake did not complete after ICE connected")
            }
            FailureReason::Other(s) => write!(f, "{s}"),
        }
    }
}

/// Something the driver should know about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionEvent {
    /// The ICE connection state changed.
    Ice(IceState),
    /// The DTLS handshake finished and the peer's certificate matched its fingerprint.
    DtlsConnected,
    /// The overall transport state changed.
    Transport(TransportState),
    /// All local candidates are known (or gathering hit its 3 s limit): the SDP can be made.
    GatheringComplete,
    /// The TURN allocation failed: no relay candidate (the reason, no secrets).
    RelayUnavailable(String),
    /// The session failed for good (also reported as `Transport(Failed)`).
    Failed(FailureReason),
}
