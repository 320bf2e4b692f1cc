//! Any bytes as a remote offer, under each SRTP policy: the answer must parse, and fed back
//! to an offerer as an answer it must not panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softphone_media::negotiation::{LocalMediaConfig, OfferAnswer, SdesKey, SrtpPolicy};
use softphone_media::sdp::{CryptoSuite, SessionDescription};

fuzz_target!(|data: &[u8]| {
    let Ok(remote) = SessionDescription::parse(data) else {
        return;
    };
    for policy in [SrtpPolicy::Off, SrtpPolicy::Optional, SrtpPolicy::Mandatory] {
        let mut config = LocalMediaConfig::new("192.0.2.1".parse().expect("ip"), 4000, 1);
        config.srtp = policy;
        config.sdes_keys = vec![SdesKey {
            suite: CryptoSuite::AesCm128HmacSha1_80,
            key_and_salt: [7; 30],
        }];
        let mut answerer = OfferAnswer::new(config.clone());
        if let Ok((answer, _)) = answerer.process_offer(&remote) {
            let text = answer.to_string();
            assert!(text.parse::<SessionDescription>().is_ok());
        }
        let mut offerer = OfferAnswer::new(config);
        if offerer.create_offer().is_ok() {
            let _ = offerer.process_answer(&remote);
        }
    }
});
