//! `a=fingerprint` parsing and the DTLS certificate check (RFC 8122, RFC 5763 §5).

use sha2::{Digest, Sha256};

/// One `a=fingerprint:<hash-func> <value>` of an SDP (session or media level).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    /// Hash function, lower case (`sha-256`).
    pub algorithm: String,
    /// Colon-separated hex, lower case.
    pub value: String,
}

/// All fingerprints in `sdp`, at any level.
pub fn parse_fingerprints(sdp: &str) -> Vec<Fingerprint> {
    sdp.lines()
        .filter_map(|l| l.trim_end().strip_prefix("a=fingerprint:"))
        .filter_map(|rest| {
            let mut it = rest.split_whitespace();
            let algorithm = it.next()?.to_ascii_lowercase();
            let value = it.next()?.to_ascii_lowercase();
            Some(Fingerprint { algorithm, value })
        })
        .collect()
}

/// The SHA-256 fingerprint of a DER certificate, as SDP writes it (lower case).
pub fn sha256_fingerprint(der: &[u8]) -> String {
    Sha256::digest(der)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(":")
}

/// The outcome of checking a presented certificate against the SDP's fingerprints.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// A sha-256 fingerprint matches.
    Match,
    /// There are sha-256 fingerprints and none matches; carries the presented one.
    Mismatch(String),
    /// No fingerprint with a supported hash function; carries the ones found.
    Unsupported(String),
}

/// Checks the DER certificate `der` against `fingerprints`.
pub fn verify(der: &[u8], fingerprints: &[Fingerprint]) -> Verdict {
    let presented = sha256_fingerprint(der);
    let sha256: Vec<_> = fingerprints
        .iter()
        .filter(|f| f.algorithm == "sha-256")
        .collect();
    if sha256.is_empty() {
        let algs: Vec<_> = fingerprints.iter().map(|f| f.algorithm.as_str()).collect();
        return Verdict::Unsupported(algs.join(","));
    }
    if sha256.iter().any(|f| f.value == presented) {
        Verdict::Match
    } else {
        Verdict::Mismatch(presented)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_session_and_media_level_and_verifies() {
        let der = b"not really a certificate";
        let fp = sha256_fingerprint(der);
        let sdp = format!(
            "v=0\r\na=fingerprint:SHA-256 {}\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=fingerprint:sha-1 AA:BB\r\n",
            fp.to_uppercase()
        );
        let fps = parse_fingerprints(&sdp);
        assert_eq!(fps.len(), 2);
        assert_eq!(verify(der, &fps), Verdict::Match);
        assert_eq!(
            verify(b"other", &fps),
            Verdict::Mismatch(sha256_fingerprint(b"other"))
        );
        assert_eq!(
            verify(der, &fps[1..]),
            Verdict::Unsupported("sha-1".to_owned())
        );
    }
}
