//! Property tests: the parsers of network input never panic, and build → parse round-trips.

use proptest::prelude::*;
use softphone_media::dtmf::DtmfReceiver;
use softphone_media::jitter::{JitterBuffer, JitterBufferConfig};
use softphone_media::rtcp::{
    self, Bye, ReceiverReport, ReportBlock, RtcpPacket, SdesChunk, SenderReport,
};
use softphone_media::rtp::{HeaderExtension, RtpHeader, RtpPacket};
use softphone_media::sdp::{
    Attribute, Bandwidth, Connection, CryptoSuite, MediaDescription, Origin, SessionDescription,
};
use softphone_media::session::{RtpSession, RtpSessionConfig};
use softphone_media::srtp::SrtpContext;

fn token() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9][a-zA-Z0-9_.-]{0,7}"
}

fn text() -> impl Strategy<Value = String> {
    "[ -~]{0,24}"
}

fn connection() -> impl Strategy<Value = Connection> {
    any::<[u8; 4]>().prop_map(|ip| Connection::from_ip(std::net::Ipv4Addr::from(ip).into()))
}

fn attribute() -> impl Strategy<Value = Attribute> {
    prop_oneof![
        (token(), proptest::option::of(text())).prop_map(|(n, v)| Attribute {
            name: format!("x-{n}"),
            value: v
        }),
        (
            0u8..128,
            token(),
            1u32..200_000,
            proptest::option::of(1u8..9)
        )
            .prop_map(|(pt, enc, rate, ch)| {
                let value = match ch {
                    Some(c) => format!("{pt} {enc}/{rate}/{c}"),
                    None => format!("{pt} {enc}/{rate}"),
                };
                Attribute::value("rtpmap", value)
            }),
        (1u32..1000).prop_map(|p| Attribute::value("ptime", p.to_string())),
        Just(Attribute::property("sendonly")),
        Just(Attribute::property("rtcp-mux")),
        (1u32..1000, any::<[u8; 30]>()).prop_map(|(tag, key)| {
            Attribute::value(
                "crypto",
                softphone_media::sdp::Crypto::inline(tag, CryptoSuite::AesCm128HmacSha1_32, &key)
                    .to_value(),
            )
        }),
    ]
}

fn bandwidth() -> impl Strategy<Value = Bandwidth> {
    ("[A-Z]{1,4}", any::<u64>()).prop_map(|(t, v)| Bandwidth {
        bandwidth_type: t,
        value: v,
    })
}

fn media() -> impl Strategy<Value = MediaDescription> {
    (
        token(),
        any::<u16>(),
        proptest::option::of(any::<u16>()),
        prop_oneof![Just("RTP/AVP"), Just("RTP/SAVP"), Just("RTP/AVPF")],
        proptest::collection::vec(0u8..128, 1..6),
        proptest::option::of(text()),
        proptest::option::of(connection()),
        proptest::collection::vec(bandwidth(), 0..2),
        proptest::collection::vec(attribute(), 0..8),
    )
        .prop_map(
            |(
                media,
                port,
                port_count,
                protocol,
                formats,
                information,
                connection,
                bandwidths,
                attributes,
            )| {
                MediaDescription {
                    media,
                    port,
                    port_count,
                    protocol: protocol.into(),
                    formats: formats.iter().map(u8::to_string).collect(),
                    information,
                    connection,
                    bandwidths,
                    attributes,
                }
            },
        )
}

fn session() -> impl Strategy<Value = SessionDescription> {
    (
        (token(), any::<u64>(), any::<u64>(), connection()),
        text(),
        proptest::option::of(text()),
        proptest::option::of(connection()),
        proptest::collection::vec(bandwidth(), 0..2),
        (any::<u64>(), any::<u64>()),
        proptest::collection::vec(attribute(), 0..4),
        proptest::collection::vec(media(), 0..4),
    )
        .prop_map(
            |(
                (user, id, version, origin_conn),
                name,
                information,
                connection,
                bandwidths,
                timing,
                attributes,
                media,
            )| {
                SessionDescription {
                    origin: Origin {
                        username: user,
                        session_id: id,
                        session_version: version,
                        network_type: origin_conn.network_type,
                        address_type: origin_conn.address_type,
                        address: origin_conn.address,
                    },
                    session_name: name,
                    information,
                    connection,
                    bandwidths,
                    timing,
                    attributes,
                    media,
                }
            },
        )
}

fn report_block() -> impl Strategy<Value = ReportBlock> {
    (
        any::<u32>(),
        any::<u8>(),
        -0x80_0000i32..0x80_0000,
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
    )
        .prop_map(
            |(
                ssrc,
                fraction_lost,
                cumulative_lost,
                extended_highest_sequence,
                jitter,
                last_sr,
                delay_since_last_sr,
            )| ReportBlock {
                ssrc,
                fraction_lost,
                cumulative_lost,
                extended_highest_sequence,
                jitter,
                last_sr,
                delay_since_last_sr,
            },
        )
}

fn rtcp_packet() -> impl Strategy<Value = RtcpPacket> {
    prop_oneof![
        (
            any::<u32>(),
            any::<u64>(),
            any::<u32>(),
            any::<u32>(),
            any::<u32>(),
            proptest::collection::vec(report_block(), 0..32)
        )
            .prop_map(
                |(ssrc, ntp_timestamp, rtp_timestamp, packet_count, octet_count, reports)| {
                    RtcpPacket::SenderReport(SenderReport {
                        ssrc,
                        ntp_timestamp,
                        rtp_timestamp,
                        packet_count,
                        octet_count,
                        reports,
                    })
                }
            ),
        (
            any::<u32>(),
            proptest::collection::vec(report_block(), 0..32)
        )
            .prop_map(
                |(ssrc, reports)| RtcpPacket::ReceiverReport(ReceiverReport { ssrc, reports })
            ),
        proptest::collection::vec((any::<u32>(), proptest::option::of("[ -~]{0,255}")), 0..32)
            .prop_map(|chunks| {
                RtcpPacket::SourceDescription(
                    chunks
                        .into_iter()
                        .map(|(ssrc, cname)| SdesChunk { ssrc, cname })
                        .collect(),
                )
            }),
        (
            proptest::collection::vec(any::<u32>(), 0..32),
            proptest::option::of("[ -~]{0,255}")
        )
            .prop_map(|(sources, reason)| RtcpPacket::Bye(Bye { sources, reason })),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn sdp_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = SessionDescription::parse(&bytes);
    }

    #[test]
    fn sdp_parser_never_panics_on_sdp_like_text(lines in proptest::collection::vec("[vosicbtmaukzrep]=[ -~]{0,40}", 0..16)) {
        let text = format!("v=0\r\n{}", lines.join("\r\n"));
        if let Ok(sdp) = text.parse::<SessionDescription>() {
            // Whatever parses must print to something that parses the same.
            prop_assert_eq!(sdp.to_string().parse::<SessionDescription>(), Ok(sdp));
        }
    }

    #[test]
    fn sdp_round_trip(sdp in session()) {
        let printed = sdp.to_string();
        prop_assert_eq!(printed.parse::<SessionDescription>(), Ok(sdp));
    }

    #[test]
    fn rtp_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        if let Ok(p) = RtpPacket::parse(&bytes) {
            prop_assert!(p.header_len + p.payload.len() + usize::from(p.padding) == bytes.len());
        }
    }

    #[test]
    fn rtp_round_trip(
        marker in any::<bool>(),
        payload_type in 0u8..128,
        sequence in any::<u16>(),
        timestamp in any::<u32>(),
        ssrc in any::<u32>(),
        csrc in proptest::collection::vec(any::<u32>(), 0..16),
        extension in proptest::option::of((any::<u16>(), proptest::collection::vec(any::<[u8; 4]>(), 0..4))),
        payload in proptest::collection::vec(any::<u8>(), 0..200),
        padding in any::<u8>(),
    ) {
        let header = RtpHeader {
            marker,
            payload_type,
            sequence_number: sequence,
            timestamp,
            ssrc,
            csrc,
            extension: extension.map(|(profile, words)| HeaderExtension { profile, data: words.concat() }),
        };
        let mut bytes = Vec::new();
        header.write(&payload, padding, &mut bytes);
        let parsed = RtpPacket::parse(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(&parsed.header, &header);
        prop_assert_eq!(parsed.payload, &payload[..]);
        prop_assert_eq!(parsed.padding, padding);
    }

    #[test]
    fn rtcp_parser_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = rtcp::parse_compound(&bytes);
    }

    #[test]
    fn rtcp_parser_never_panics_on_plausible_headers(
        count in 0u8..32, pt in 192u8..210, words in 0u16..20, body in proptest::collection::vec(any::<u8>(), 0..100)
    ) {
        let mut bytes = vec![0x80 | count, pt];
        bytes.extend_from_slice(&words.to_be_bytes());
        bytes.extend_from_slice(&body);
        let _ = rtcp::parse_compound(&bytes);
    }

    #[test]
    fn rtcp_round_trip(packets in proptest::collection::vec(rtcp_packet(), 1..4)) {
        let bytes = rtcp::write_compound(&packets);
        prop_assert_eq!(rtcp::parse_compound(&bytes), Ok(packets));
    }

    #[test]
    fn srtp_unprotect_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let mut ctx = SrtpContext::from_key_and_salt(CryptoSuite::AesCm128HmacSha1_80, &[3; 30]);
        prop_assert!(ctx.unprotect_rtp(&bytes).is_err());
        prop_assert!(ctx.unprotect_rtcp(&bytes).is_err());
    }

    #[test]
    fn srtp_round_trip(
        start in any::<u16>(),
        steps in proptest::collection::vec(1u16..1000, 1..20),
        payload in proptest::collection::vec(any::<u8>(), 0..100),
        key in any::<[u8; 30]>(),
        short_tag in any::<bool>(),
    ) {
        let suite = if short_tag { CryptoSuite::AesCm128HmacSha1_32 } else { CryptoSuite::AesCm128HmacSha1_80 };
        let mut tx = SrtpContext::from_key_and_salt(suite, &key);
        let mut rx = SrtpContext::from_key_and_salt(suite, &key);
        let mut seq = start;
        for step in steps {
            let plain = RtpHeader::new(0, seq, u32::from(seq), 7).to_packet(&payload);
            let protected = tx.protect_rtp(&plain).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(rx.unprotect_rtp(&protected), Ok(plain));
            // The same packet again is a replay.
            prop_assert!(rx.unprotect_rtp(&protected).is_err());
            let report = [0x80u8, 201, 0, 1, 0, 0, 0, 7];
            let protected = tx.protect_rtcp(&report).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(rx.unprotect_rtcp(&protected), Ok(report.to_vec()));
            seq = seq.wrapping_add(step);
        }
    }

    #[test]
    fn jitter_buffer_never_panics(ops in proptest::collection::vec((any::<bool>(), any::<u16>(), any::<u32>(), 0u64..100), 0..200)) {
        let mut jb = JitterBuffer::new(JitterBufferConfig::new(8000, 20));
        let mut now = 0u64;
        for (insert, seq, ts, dt) in ops {
            now += dt;
            if insert {
                jb.insert(seq, ts, now, &[1, 2, 3]);
            } else {
                jb.pull(now);
            }
            prop_assert!(jb.target_delay_ms() >= 20.0 && jb.target_delay_ms() <= 200.0);
            prop_assert!(jb.len() <= 20);
        }
    }

    #[test]
    fn rtp_session_never_panics(
        packets in proptest::collection::vec((any::<u64>(), any::<u16>(), any::<u32>(), any::<u32>(), any::<bool>()), 0..100),
        reports in proptest::collection::vec(rtcp_packet(), 0..4),
    ) {
        let mut session = RtpSession::new(RtpSessionConfig {
            ssrc: 5,
            initial_sequence: 0,
            initial_timestamp: 0,
            clock_rate: 48_000,
            cname: "p".into(),
            ntp_offset_ms: u64::MAX / 2,
        });
        for (now, seq, ts, ssrc, report) in packets {
            let ssrc = ssrc % 3;
            session.receive_rtp(now, &RtpHeader::new(0, seq, ts, ssrc), 10);
            session.next_header(now, 0, false, ts, 10);
            session.receive_rtcp(now, &reports);
            if report {
                prop_assert!(rtcp::parse_compound(&session.build_report(now)).is_ok());
            }
        }
        let _ = session.stats();
    }

    #[test]
    fn dtmf_receiver_never_panics(packets in proptest::collection::vec((any::<u32>(), proptest::collection::vec(any::<u8>(), 0..8)), 0..50)) {
        let mut rx = DtmfReceiver::new(8000);
        for (ts, payload) in packets {
            prop_assert!(rx.receive(ts, &payload).len() <= 2);
            let _ = rx.receive_audio(ts);
        }
    }
}
