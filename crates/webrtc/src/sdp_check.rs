//! Checks on a remote SDP before it is handed to the WebRTC stack: the clear errors the SIP
//! layer needs (`488` material) instead of a generic failure later.

use crate::Error;
use crate::fingerprint::{Fingerprint, parse_fingerprints};

/// What we need from a remote SDP.
pub struct RemoteSdpSummary {
    /// Its DTLS fingerprints.
    pub fingerprints: Vec<Fingerprint>,
}

/// Rejects SDPs we cannot use: no audio section on a DTLS-SRTP profile, no fingerprint, no ICE
/// credentials.
pub fn check_remote_sdp(sdp: &str) -> Result<RemoteSdpSummary, Error> {
    let audio = sdp
        .lines()
        .filter_map(|l| l.trim_end().strip_prefix("m=audio "))
        .collect::<Vec<_>>();
    if audio.is_empty() {
        return Err(Error::RemoteSdp("no m=audio section".into()));
    }
    if !audio.iter().any(|m| m.contains("UDP/TLS/RTP/SAVP")) {
        return Err(Error::RemoteSdp(
            "audio is not on UDP/TLS/RTP/SAVP(F) (not a DTLS-SRTP offer)".into(),
        ));
    }
    let fingerprints = parse_fingerprints(sdp);
    if fingerprints.is_empty() {
        return Err(Error::RemoteSdp("no a=fingerprint".into()));
    }
    if !sdp.lines().any(|l| l.starts_with("a=ice-ufrag:")) {
        return Err(Error::RemoteSdp("no a=ice-ufrag".into()));
    }
    Ok(RemoteSdpSummary { fingerprints })
}
