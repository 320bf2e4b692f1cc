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

/// Media servers (rtpengine, Asterisk, FreeSWITCH) often write DTLS-SRTP offers with the
/// older `RTP/SAVPF` (or `RTP/SAVP`) profile name. The WebRTC stack only takes
/// `UDP/TLS/RTP/SAVPF`: returns the SDP with the audio line renamed, and the name the peer
/// used when it was renamed (our answer must use it again, RFC 3264 §6).
pub fn normalize_profile(sdp: &str) -> (String, Option<&'static str>) {
    let mut used = None;
    let mut out = String::with_capacity(sdp.len() + 16);
    for line in sdp.split_inclusive('\n') {
        let renamed = line.strip_prefix("m=audio ").and_then(|rest| {
            let mut parts = rest.splitn(3, ' ');
            let port = parts.next()?;
            let proto = parts.next()?;
            let tail = parts.next().unwrap_or("");
            let old = match proto {
                "RTP/SAVPF" => "RTP/SAVPF",
                "RTP/SAVP" => "RTP/SAVP",
                _ => return None,
            };
            Some((old, format!("m=audio {port} UDP/TLS/RTP/SAVPF {tail}")))
        });
        match renamed {
            Some((old, line)) => {
                used = Some(old);
                out.push_str(&line);
            }
            None => out.push_str(line),
        }
    }
    (out, used)
}

/// Our SDP with the audio profile renamed back to `profile` (see [`normalize_profile`]).
pub fn with_profile(sdp: &str, profile: &str) -> String {
    sdp.replace(" UDP/TLS/RTP/SAVPF ", &format!(" {profile} "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rtpengine_profile_names_are_renamed_and_back() {
        let offer = "v=0\r\nm=audio 4000 RTP/SAVPF 111 101\r\na=rtcp-mux\r\n";
        let (n, used) = normalize_profile(offer);
        assert_eq!(used, Some("RTP/SAVPF"));
        assert!(n.contains("m=audio 4000 UDP/TLS/RTP/SAVPF 111 101\r\n"));
        assert_eq!(with_profile(&n, "RTP/SAVPF"), offer);
        let browser = "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n";
        assert_eq!(normalize_profile(browser), (browser.to_string(), None));
    }
}
