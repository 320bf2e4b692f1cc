//! Any bytes as SRTP and SRTCP: never panics, never authenticates; and as a plaintext RTP
//! packet, protect → unprotect round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softphone_media::sdp::CryptoSuite;
use softphone_media::srtp::SrtpContext;

fuzz_target!(|data: &[u8]| {
    for suite in [
        CryptoSuite::AesCm128HmacSha1_80,
        CryptoSuite::AesCm128HmacSha1_32,
    ] {
        let mut rx = SrtpContext::from_key_and_salt(suite, &[5; 30]);
        assert!(rx.unprotect_rtp(data).is_err());
        assert!(rx.unprotect_rtcp(data).is_err());
        let mut tx = SrtpContext::from_key_and_salt(suite, &[5; 30]);
        if let Ok(protected) = tx.protect_rtp(data) {
            assert_eq!(
                rx.unprotect_rtp(&protected).expect("own packet verifies"),
                data
            );
        }
        if let Ok(protected) = tx.protect_rtcp(data) {
            assert_eq!(
                rx.unprotect_rtcp(&protected).expect("own packet verifies"),
                data
            );
        }
    }
});
