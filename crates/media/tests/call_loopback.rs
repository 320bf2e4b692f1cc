//! Two endpoints back to back in simulated time: offer/answer with SDES-SRTP, a PCMU tone
//! over a lossy, jittery link, DTMF in the middle, RTCP both ways, and a MOS estimate.

use softphone_media::dtmf::{DtmfReceiver, DtmfSender, DtmfSenderConfig};
use softphone_media::g711::{G711Plc, Law};
use softphone_media::jitter::{JitterBuffer, JitterBufferConfig, Playout};
use softphone_media::negotiation::{Codec, LocalMediaConfig, OfferAnswer, SdesKey, SrtpPolicy};
use softphone_media::quality::{mos, CodecImpairment, EModelInput};
use softphone_media::rtcp;
use softphone_media::rtp::{is_rtcp, RtpPacket};
use softphone_media::sdp::{CryptoSuite, SessionDescription};
use softphone_media::session::{RtpSession, RtpSessionConfig};
use softphone_media::srtp::SrtpContext;

fn lcg(seed: &mut u64) -> u64 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    *seed >> 33
}

/// Energy of `frame` at `freq` (Goertzel), normalised by the frame energy.
fn tone_ratio(frame: &[i16], freq: f64, rate: f64) -> f64 {
    let w = 2.0 * std::f64::consts::PI * freq / rate;
    let (mut s1, mut s2) = (0.0, 0.0);
    for x in frame {
        let s = f64::from(*x) + 2.0 * w.cos() * s1 - s2;
        s2 = s1;
        s1 = s;
    }
    let power = s1 * s1 + s2 * s2 - 2.0 * w.cos() * s1 * s2;
    let energy: f64 = frame.iter().map(|x| f64::from(*x).powi(2)).sum();
    if energy == 0.0 {
        0.0
    } else {
        power / (energy * frame.len() as f64 / 2.0)
    }
}

#[test]
fn srtp_pcmu_call_with_loss_jitter_and_dtmf() {
    // Offer/answer over text, as the SIP layer would carry it.
    let mut alice_config = LocalMediaConfig::new("192.0.2.1".parse().expect("ip"), 4000, 1);
    alice_config.codecs = vec![Codec::Pcmu];
    alice_config.srtp = SrtpPolicy::Mandatory;
    alice_config.sdes_keys = vec![SdesKey {
        suite: CryptoSuite::AesCm128HmacSha1_32,
        key_and_salt: [0x11; 30],
    }];
    let mut bob_config = LocalMediaConfig::new("192.0.2.2".parse().expect("ip"), 6000, 2);
    bob_config.codecs = vec![Codec::Pcma, Codec::Pcmu];
    bob_config.srtp = SrtpPolicy::Optional;
    bob_config.sdes_keys = vec![SdesKey {
        suite: CryptoSuite::AesCm128HmacSha1_80,
        key_and_salt: [0x22; 30],
    }];
    let mut alice = OfferAnswer::new(alice_config);
    let mut bob = OfferAnswer::new(bob_config);
    let offer = alice.create_offer().expect("offer").to_string();
    let (answer, bob_session) = bob
        .process_offer(&SessionDescription::parse(offer.as_bytes()).expect("offer parses"))
        .expect("bob answers");
    let alice_session = alice
        .process_answer(&answer.to_string().parse().expect("answer parses"))
        .expect("alice accepts");
    assert_eq!(alice_session.codec, Codec::Pcmu);
    assert!(alice_session.rtcp_mux);
    let alice_crypto = alice_session.crypto.clone().expect("srtp");
    let bob_crypto = bob_session.crypto.clone().expect("srtp");
    assert_eq!(alice_crypto.suite, CryptoSuite::AesCm128HmacSha1_32);

    let mut alice_tx = SrtpContext::from_key_and_salt(alice_crypto.suite, &alice_crypto.local_key);
    let mut alice_rx = SrtpContext::from_key_and_salt(alice_crypto.suite, &alice_crypto.remote_key);
    let mut bob_rx = SrtpContext::from_key_and_salt(bob_crypto.suite, &bob_crypto.remote_key);
    let mut bob_tx = SrtpContext::from_key_and_salt(bob_crypto.suite, &bob_crypto.local_key);

    let session_config = |ssrc, seq| RtpSessionConfig {
        ssrc,
        initial_sequence: seq,
        initial_timestamp: ssrc.wrapping_mul(7),
        clock_rate: 8000,
        cname: format!("{ssrc}@example"),
        ntp_offset_ms: 0,
    };
    let mut alice_rtp = RtpSession::new(session_config(0xa11ce, 65000));
    let mut bob_rtp = RtpSession::new(session_config(0xb0b, 100));
    let mut dtmf = DtmfSender::new(DtmfSenderConfig::new(8000));
    let mut dtmf_rx = DtmfReceiver::new(8000);
    let mut jitter = JitterBuffer::new(JitterBufferConfig::new(8000, bob_session.ptime));
    let mut plc = G711Plc::new();

    // The link: 3 % loss, 20–60 ms delay, 40-odd reorderings.
    let mut seed = 42u64;
    let mut in_flight: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut to_alice: Vec<(u64, Vec<u8>)> = Vec::new();
    let mut digits = Vec::new();
    let mut tone_frames = 0;
    let mut played_frames = 0;
    let mut concealed = 0;
    let frames = 250u32;
    for now in 0..(u64::from(frames) * 20 + 500) {
        if now % 20 == 0 && now / 20 < u64::from(frames) {
            let i = (now / 20) as u32;
            let media_time = i * 160;
            if i == 100 {
                dtmf.queue_digits("5#");
            }
            let packet = if dtmf.is_sending() {
                let p = dtmf.poll(media_time).expect("sending");
                let pt = alice_session
                    .send_dtmf_payload_type
                    .expect("dtmf negotiated");
                alice_rtp.build_packet(now, pt, p.marker, p.media_time, &p.payload)
            } else {
                dtmf.poll(media_time);
                let samples: Vec<i16> = (0..160)
                    .map(|n| {
                        let t = f64::from(media_time + n) / 8000.0;
                        (8000.0 * (2.0 * std::f64::consts::PI * 1000.0 * t).sin()) as i16
                    })
                    .collect();
                let mut payload = Vec::new();
                Law::Ulaw.encode(&samples, &mut payload);
                alice_rtp.build_packet(
                    now,
                    alice_session.send_payload_type,
                    i == 0,
                    media_time,
                    &payload,
                )
            };
            let protected = alice_tx.protect_rtp(&packet).expect("protect");
            if lcg(&mut seed) % 100 >= 3 {
                in_flight.push((now + 20 + lcg(&mut seed) % 40, protected));
            }
        }
        if now % 1000 == 500 {
            let report = alice_tx
                .protect_rtcp(&alice_rtp.build_report(now))
                .expect("protect");
            in_flight.push((now + 20, report));
            let report = bob_tx
                .protect_rtcp(&bob_rtp.build_report(now))
                .expect("protect");
            to_alice.push((now + 20, report));
        }
        // Deliveries to Bob.
        let (due, rest): (Vec<_>, Vec<_>) = in_flight.drain(..).partition(|(at, _)| *at <= now);
        in_flight = rest;
        for (_, datagram) in due {
            if is_rtcp(&datagram) {
                let plain = bob_rx.unprotect_rtcp(&datagram).expect("srtcp verifies");
                bob_rtp.receive_rtcp(now, &rtcp::parse_compound(&plain).expect("rtcp parses"));
                continue;
            }
            let plain = bob_rx.unprotect_rtp(&datagram).expect("srtp verifies");
            let packet = RtpPacket::parse(&plain).expect("rtp parses");
            bob_rtp.receive_rtp(now, &packet.header, packet.payload.len());
            if Some(packet.header.payload_type) == bob_session.receive_dtmf_payload_type {
                digits.extend(
                    dtmf_rx
                        .receive(packet.header.timestamp, packet.payload)
                        .into_iter()
                        .map(|e| e.digit),
                );
            } else {
                assert_eq!(packet.header.payload_type, bob_session.receive_payload_type);
                jitter.insert(
                    packet.header.sequence_number,
                    packet.header.timestamp,
                    now,
                    packet.payload,
                );
            }
        }
        // Deliveries to Alice.
        let (due, rest): (Vec<_>, Vec<_>) = to_alice.drain(..).partition(|(at, _)| *at <= now);
        to_alice = rest;
        for (_, datagram) in due {
            let plain = alice_rx.unprotect_rtcp(&datagram).expect("srtcp verifies");
            alice_rtp.receive_rtcp(now, &rtcp::parse_compound(&plain).expect("rtcp parses"));
        }
        // Bob's playout clock.
        if now % 20 == 10 {
            let mut pcm = vec![0i16; 160];
            match jitter.pull(now) {
                Playout::Frame { payload, .. } => {
                    let mut decoded = Vec::new();
                    Law::Ulaw.decode(&payload, &mut decoded);
                    plc.good_frame(&mut decoded);
                    played_frames += 1;
                    if tone_ratio(&decoded, 1000.0, 8000.0) > 0.9 {
                        tone_frames += 1;
                    }
                }
                Playout::Conceal { .. } => {
                    plc.conceal(&mut pcm);
                    concealed += 1;
                }
                Playout::Empty => {}
            }
        }
    }

    assert_eq!(digits, vec!['5', '#']);
    // 250 frames less 3 % loss and the DTMF stretch (about 14 frames).
    assert!(
        played_frames >= 215,
        "played {played_frames}, concealed {concealed}, {:?}",
        jitter.stats()
    );
    assert!(
        tone_frames >= played_frames - 2,
        "tone in {tone_frames} of {played_frames}"
    );
    let rx = bob_rtp.stats().receive.expect("bob receives");
    assert!(
        rx.cumulative_lost > 0 && rx.cumulative_lost < 20,
        "lost {}",
        rx.cumulative_lost
    );
    assert!(rx.jitter_ms > 1.0, "jitter {}", rx.jitter_ms);
    let stats = alice_rtp.stats();
    let rtt = stats.rtt_ms.expect("alice has an RTT");
    assert!((30.0..=60.0).contains(&rtt), "rtt {rtt}");
    assert!(stats.remote_report.is_some());
    assert_eq!(bob_rx.stats().authentication_failures, 0);

    let loss = rx.cumulative_lost as f64 * 100.0
        / f64::from(rx.extended_highest_sequence.wrapping_sub(100) + 1);
    let score = mos(&EModelInput {
        one_way_delay_ms: rtt / 2.0 + jitter.delay_ms() + 20.0,
        packet_loss_percent: loss,
        burst_ratio: 1.0,
        codec: CodecImpairment::G711_PLC,
    });
    assert!(score > 3.8 && score < 4.41, "MOS {score}");
}
