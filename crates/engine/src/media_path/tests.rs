//! The media thread against a far end played by the test on loopback UDP: received DTMF,
//! garbage, foreign SSRCs, SRTP tampering and replays. Real sockets and the real media loop;
//! audio from and to WAV files (no devices needed).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use super::*;
use softphone_audio::wav::WavSink;
use softphone_audio::FrameSink;
use softphone_media::g711::Law;
use softphone_media::negotiation::{Codec, NegotiatedCrypto};
use softphone_media::rtp::RtpHeader;
use softphone_media::sdp::{CryptoSuite, Direction};
use softphone_media::srtp::SrtpContext;
use std::net::SocketAddr;
use std::sync::Mutex;

fn temp(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("media-path-{}-{name}", std::process::id()))
}

/// Three seconds of a 1 kHz tone as the call's microphone.
fn tone_wav(name: &str) -> PathBuf {
    let path = temp(name);
    let mut sink = WavSink::create(&path).unwrap();
    let mut phase = 0.0f32;
    for _ in 0..150 {
        let samples: Vec<f32> = (0..FRAME_SAMPLES)
            .map(|_| {
                phase += 1000.0 / 48_000.0;
                (phase * std::f32::consts::TAU).sin() * 0.5
            })
            .collect();
        sink.write_frame(&Frame::from_slice(&samples)).unwrap();
    }
    sink.finalize().unwrap();
    path
}

fn session_to(peer: SocketAddr, crypto: Option<NegotiatedCrypto>) -> NegotiatedSession {
    NegotiatedSession {
        remote_rtp: peer,
        remote_rtcp: peer,
        rtcp_mux: true,
        codec: Codec::Pcmu,
        send_payload_type: 0,
        receive_payload_type: 0,
        clock_rate: 8000,
        remote_fmtp: None,
        send_dtmf_payload_type: Some(101),
        receive_dtmf_payload_type: Some(101),
        dtmf_clock_rate: 8000,
        ptime: 20,
        direction: Direction::SendRecv,
        remote_hold: false,
        crypto,
    }
}

struct Far {
    sent: std::cell::Cell<u32>,
    socket: UdpSocket,
    ours: SocketAddr,
    reports: Arc<Mutex<Vec<MediaReport>>>,
    media: MediaHandle,
    wavs: Vec<PathBuf>,
}

/// Starts a call's media toward a far-end socket; returns once our first packet arrived.
fn call(name: &str, crypto: Option<NegotiatedCrypto>) -> Far {
    let far = UdpSocket::bind("127.0.0.1:0").unwrap();
    far.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let ours = UdpSocket::bind("127.0.0.1:0").unwrap();
    let ours_addr = ours.local_addr().unwrap();
    let wav_in = tone_wav(&format!("{name}-in.wav"));
    let wav_out = temp(&format!("{name}-out.wav"));
    let reports = Arc::new(Mutex::new(Vec::new()));
    let sink = reports.clone();
    let media = start(
        CallId(name.into()),
        ours,
        session_to(far.local_addr().unwrap(), crypto),
        0x1111_2222,
        AudioRoute {
            microphone: None,
            speaker: None,
            wav_in: Some(wav_in.clone()),
            wav_out: Some(wav_out.clone()),
            ..AudioRoute::default()
        },
        Box::new(move |r| sink.lock().unwrap().push(r)),
    );
    let mut buf = [0u8; 2048];
    let (_, from) = far.recv_from(&mut buf).expect("the media sends");
    assert_eq!(from, ours_addr);
    Far {
        sent: std::cell::Cell::new(0),
        socket: far,
        ours: ours_addr,
        reports,
        media,
        wavs: vec![wav_in, wav_out],
    }
}

impl Far {
    /// Sends a datagram at our port, paced so the socket buffer never overflows (the
    /// counters must see every one).
    fn send(&self, data: &[u8]) {
        self.socket.send_to(data, self.ours).unwrap();
        self.sent.set(self.sent.get() + 1);
        if self.sent.get() % 10 == 0 {
            std::thread::sleep(Duration::from_millis(3));
        }
    }

    /// Stops the media; returns the summary and the digits reported.
    fn finish(self) -> (CallStats, String) {
        // Let the loop (5 ms turns) take everything in.
        std::thread::sleep(Duration::from_millis(300));
        let summary = self.media.stop().expect("a summary");
        let digits = self
            .reports
            .lock()
            .unwrap()
            .iter()
            .filter_map(|r| match r {
                MediaReport::Event(Event::DtmfReceived { digit, .. }) => Some(digit.clone()),
                _ => None,
            })
            .collect();
        for w in &self.wavs {
            let _ = std::fs::remove_file(w);
        }
        (summary, digits)
    }
}

fn rtp(ssrc: u32, seq: u16, ts: u32, pt: u8, marker: bool, payload: &[u8]) -> Vec<u8> {
    RtpHeader {
        marker,
        payload_type: pt,
        sequence_number: seq,
        timestamp: ts,
        ssrc,
        csrc: Vec::new(),
        extension: None,
    }
    .to_packet(payload)
}

fn audio(ssrc: u32, seq: u16) -> Vec<u8> {
    let mut payload = Vec::new();
    Law::Ulaw.encode(&[1000i16; 160], &mut payload);
    rtp(ssrc, seq, u32::from(seq) * 160, 0, false, &payload)
}

/// An RFC 4733 event: start, two updates, three end packets (the same timestamp).
fn digit_packets(ssrc: u32, first_seq: u16, ts: u32, event: u8) -> Vec<Vec<u8>> {
    (0u16..6)
        .map(|i| {
            let end = i >= 3;
            let duration = 160 * (i.min(3) + 1);
            let d = duration.to_be_bytes();
            let payload = [event, if end { 0x80 | 10 } else { 10 }, d[0], d[1]];
            rtp(ssrc, first_seq + i, ts, 101, i == 0, &payload)
        })
        .collect()
}

#[test]
fn digits_are_reported_once_and_garbage_and_foreign_ssrcs_are_dropped_and_counted() {
    let far = call("dtmf", None);
    let a = 0xaaaa_0001;
    let mut seq = 100u16;
    for _ in 0..20 {
        far.send(&audio(a, seq));
        seq += 1;
    }
    for (i, event) in [1u8, 2, 3, 11].into_iter().enumerate() {
        for p in digit_packets(a, seq, 20_000 + i as u32 * 2000, event) {
            far.send(&p);
        }
        seq += 6;
    }
    // A flood of garbage: empty, short, wrong version, random bytes, huge.
    let mut garbage: Vec<Vec<u8>> = vec![vec![], vec![0x80], vec![0x00; 12], vec![0xff; 1400]];
    let mut x = 0x1234_5678u32;
    for len in 1..200 {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                (x & 0x3f) as u8 // never version 2
            })
            .collect();
        garbage.push(bytes);
    }
    for g in &garbage {
        far.send(g);
    }
    // Another source talking over the latched one, and an unknown payload type.
    for i in 0..30 {
        far.send(&audio(0xbbbb_0002, 5000 + i));
    }
    far.send(&rtp(a, seq, 0, 96, false, &[1, 2, 3]));
    let (summary, digits) = far.finish();
    assert_eq!(digits, "123#");
    // 20 audio + 24 event packets accepted.
    assert_eq!(summary.packets_received, 44, "{summary:?}");
    assert!(
        summary.packets_dropped >= garbage.len() as u64 + 30,
        "{} garbage datagrams, 30 foreign, 1 unknown type: {summary:?}",
        garbage.len()
    );
    assert!(summary.packets_sent > 0 && summary.summary && !summary.encrypted);
}

#[test]
fn srtp_tampering_and_replays_are_dropped_and_counted_and_our_packets_verify() {
    let ours = [7u8; 30];
    let theirs = [9u8; 30];
    let crypto = NegotiatedCrypto {
        suite: CryptoSuite::AesCm128HmacSha1_80,
        tag: 1,
        local_key: ours,
        remote_key: theirs,
    };
    let far = call("srtp", Some(crypto));
    let mut far_out = SrtpContext::from_key_and_salt(CryptoSuite::AesCm128HmacSha1_80, &theirs);
    let mut far_in = SrtpContext::from_key_and_salt(CryptoSuite::AesCm128HmacSha1_80, &ours);
    // What we send verifies with our key.
    let mut buf = [0u8; 2048];
    let (n, _) = far.socket.recv_from(&mut buf).unwrap();
    let clear = far_in.unprotect_rtp(&buf[..n]).expect("our SRTP verifies");
    assert_eq!(clear.get(1).map(|b| b & 0x7f), Some(0));
    let a = 0xaaaa_0003;
    let mut protected = Vec::new();
    for seq in 0..30u16 {
        let p = far_out.protect_rtp(&audio(a, 300 + seq)).unwrap();
        far.send(&p);
        protected.push(p);
    }
    // Tampered: one bit of the payload, of the tag, or of the header flipped.
    for (i, p) in protected.iter().take(10).enumerate() {
        let mut t = p.clone();
        let at = [20, t.len() - 1, 3][i % 3];
        t[at] ^= 0x01;
        far.send(&t);
    }
    // Replays of packets already accepted.
    for p in protected.iter().skip(10).take(5) {
        far.send(p);
    }
    // Plain RTP on an SRTP call.
    for seq in 0..5u16 {
        far.send(&audio(a, 400 + seq));
    }
    let (summary, _) = far.finish();
    assert!(summary.encrypted);
    assert_eq!(summary.packets_received, 30, "{summary:?}");
    assert!(summary.packets_dropped >= 20, "{summary:?}");
}

/// Two seconds of room noise (brown noise, deterministic) as the call's microphone.
fn noise_wav(name: &str) -> PathBuf {
    let path = temp(name);
    let mut sink = WavSink::create(&path).unwrap();
    let (mut seed, mut y) = (0x1234_5678u32, 0.0f32);
    for _ in 0..100 {
        let samples: Vec<f32> = (0..FRAME_SAMPLES)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 17;
                seed ^= seed << 5;
                y = 0.98 * y + (seed as f32 / u32::MAX as f32 * 2.0 - 1.0);
                y * 0.003
            })
            .collect();
        sink.write_frame(&Frame::from_slice(&samples)).unwrap();
    }
    sink.finalize().unwrap();
    path
}

/// The level (dBFS) of what a call sends during its second second, with or without the
/// account's noise suppression.
fn sent_level_of_noise(noise_suppression: bool) -> f32 {
    let name = format!("ns-{noise_suppression}");
    let far = UdpSocket::bind("127.0.0.1:0").unwrap();
    far.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let ours = UdpSocket::bind("127.0.0.1:0").unwrap();
    let wav_in = noise_wav(&format!("{name}-in.wav"));
    let media = start(
        CallId(name.clone()),
        ours,
        session_to(far.local_addr().unwrap(), None),
        0x3333_4444,
        AudioRoute {
            wav_in: Some(wav_in.clone()),
            wav_out: Some(temp(&format!("{name}-out.wav"))),
            noise_suppression,
            ..AudioRoute::default()
        },
        Box::new(|_| {}),
    );
    let mut buf = [0u8; 2048];
    let mut pcm = Vec::new();
    // PCMU, 20 ms per packet: skip the first second, keep the second.
    for i in 0..100 {
        let (n, _) = far.recv_from(&mut buf).expect("the media sends");
        let Ok(packet) = softphone_media::rtp::RtpPacket::parse(&buf[..n]) else {
            continue;
        };
        if i >= 50 && packet.header.payload_type == 0 {
            Law::Ulaw.decode(packet.payload, &mut pcm);
        }
    }
    media.stop();
    let _ = std::fs::remove_file(wav_in);
    let _ = std::fs::remove_file(temp(&format!("{name}-out.wav")));
    let power = pcm.iter().map(|&s| f64::from(s).powi(2)).sum::<f64>() / pcm.len().max(1) as f64;
    (10.0 * (power / 32768.0f64.powi(2)).max(1e-12).log10()) as f32
}

#[test]
fn the_accounts_noise_suppression_cleans_what_the_call_sends() {
    let plain = sent_level_of_noise(false);
    let cleaned = sent_level_of_noise(true);
    assert!(
        plain > -50.0,
        "the noise goes out without suppression: {plain:.1} dBFS"
    );
    assert!(
        cleaned < plain - 15.0,
        "suppressed {cleaned:.1} dBFS vs plain {plain:.1} dBFS"
    );
}
