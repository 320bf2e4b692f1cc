//! Errors of the session's API calls (failures of the connection itself are events).

/// An API call on a [`crate::WebRtcSession`] that could not be carried out.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The remote SDP is unusable (no audio, no fingerprint, no ICE credentials...).
    #[error("remote SDP rejected: {0}")]
    RemoteSdp(String),
    /// The call is not valid in the session's current state (an answer before an offer...).
    #[error("invalid in the current state: {0}")]
    InvalidState(&'static str),
    /// Media cannot be sent yet: ICE and DTLS are not both connected and verified.
    #[error("transport not connected")]
    NotConnected,
    /// The configuration is invalid (no local address, no codec, bad ICE server URL...).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The WebRTC stack refused the operation.
    #[error("webrtc: {0}")]
    Rtc(String),
}

impl From<rtc::shared::error::Error> for Error {
    fn from(e: rtc::shared::error::Error) -> Self {
        Error::Rtc(e.to_string())
    }
}
