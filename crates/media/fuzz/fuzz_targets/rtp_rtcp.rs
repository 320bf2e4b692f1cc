//! Any bytes as RTP and as RTCP: parse, rebuild, re-parse; feed a session and a jitter buffer.
#![no_main]

use libfuzzer_sys::fuzz_target;
use softphone_media::jitter::{JitterBuffer, JitterBufferConfig};
use softphone_media::rtcp;
use softphone_media::rtp::RtpPacket;
use softphone_media::session::{RtpSession, RtpSessionConfig};

fuzz_target!(|data: &[u8]| {
    let mut session = RtpSession::new(RtpSessionConfig {
        ssrc: 1,
        initial_sequence: 0,
        initial_timestamp: 0,
        clock_rate: 8000,
        cname: "fuzz".into(),
        ntp_offset_ms: 0,
    });
    let mut jitter = JitterBuffer::new(JitterBufferConfig::new(8000, 20));
    if let Ok(p) = RtpPacket::parse(data) {
        let mut out = Vec::new();
        p.header.write(p.payload, p.padding, &mut out);
        let again = RtpPacket::parse(&out).expect("a built packet parses");
        assert_eq!(again.header, p.header);
        assert_eq!(again.payload, p.payload);
        session.receive_rtp(5, &p.header, p.payload.len());
        jitter.insert(p.header.sequence_number, p.header.timestamp, 5, p.payload);
        let _ = jitter.pull(100);
    }
    if let Ok(packets) = rtcp::parse_compound(data) {
        let bytes = rtcp::write_compound(&packets);
        // Texts are re-encoded and SDES items other than CNAME dropped, so compare structure.
        let again = rtcp::parse_compound(&bytes).expect("a built compound parses");
        assert_eq!(again.len(), packets.len());
        session.receive_rtcp(10, &packets);
        let _ = session.build_report(20);
    }
});
