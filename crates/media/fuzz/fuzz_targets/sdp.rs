//! Any bytes as SDP: parse, read the typed attributes, print and re-parse.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softphone_media::sdp::SessionDescription;

fuzz_target!(|data: &[u8]| {
    let Ok(sdp) = SessionDescription::parse(data) else {
        return;
    };
    for (i, m) in sdp.media.iter().enumerate() {
        let _ = (
            m.rtpmaps(),
            m.ptime(),
            m.maxptime(),
            m.rtcp(),
            m.rtcp_mux(),
            m.payload_types(),
        );
        for c in m.crypto() {
            let _ = (c.suite(), c.inline_key());
        }
        for pt in m.payload_types() {
            let _ = m.fmtp(pt);
        }
        let _ = (sdp.media_direction(i), sdp.media_connection(i));
    }
    let printed = sdp.to_string();
    let again: SessionDescription = printed.parse().expect("a printed description parses");
    assert_eq!(again, sdp, "print -> parse is the identity");
});
