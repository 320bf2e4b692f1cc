//! Two sessions back to back over an in-memory link, in simulated time: offer → answer → ICE →
//! DTLS → RTP both ways; fingerprint mismatch, ICE failure and garbage datagrams.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use softphone_webrtc::{
    FailureReason, IceState, SessionEvent, TransportState, WebRtcConfig, WebRtcSession,
};

const A: &str = "10.0.0.1:40000";
const B: &str = "10.0.0.2:50000";

fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

fn session(now: Instant, local: &str) -> WebRtcSession {
    WebRtcSession::new(
        now,
        WebRtcConfig {
            local_addrs: vec![addr(local)],
            ..Default::default()
        },
    )
    .unwrap()
}

/// The in-memory network and the simulated clock.
struct Link {
    now: Instant,
    start: Instant,
    /// Deliver datagrams at all (false: every datagram is lost).
    up: bool,
    /// Per-hop delay.
    delay: Duration,
    in_flight: Vec<(Instant, usize, SocketAddr, SocketAddr, Vec<u8>)>,
    events: [Vec<(Duration, SessionEvent)>; 2],
}

impl Link {
    fn new() -> Self {
        let now = Instant::now();
        Self {
            now,
            start: now,
            up: true,
            delay: Duration::from_millis(5),
            in_flight: Vec::new(),
            events: [Vec::new(), Vec::new()],
        }
    }

    /// Moves all output of both sessions onto the link, delivers what is due, then advances the
    /// clock to the next deadline (timer or delivery), at most to `until`.
    fn step(&mut self, s: &mut [&mut WebRtcSession; 2], until: Instant) {
        for (i, sess) in s.iter_mut().enumerate() {
            while let Some(t) = sess.poll_transmit() {
                if self.up {
                    self.in_flight
                        .push((self.now + self.delay, 1 - i, t.from, t.to, t.payload));
                }
            }
            while let Some(e) = sess.poll_event() {
                self.events[i].push((self.now - self.start, e));
            }
        }
        let mut next = until;
        for sess in s.iter_mut() {
            if let Some(t) = sess.poll_timeout() {
                next = next.min(t);
            }
        }
        for f in &self.in_flight {
            next = next.min(f.0);
        }
        self.now = next.max(self.now);
        let due: Vec<_> = {
            let (due, rest): (Vec<_>, Vec<_>) =
                self.in_flight.drain(..).partition(|f| f.0 <= self.now);
            self.in_flight = rest;
            due
        };
        for (_, to_idx, from, to, bytes) in due {
            s[to_idx].handle_datagram(self.now, from, to, &bytes);
        }
        for sess in s.iter_mut() {
            if sess.poll_timeout().is_some_and(|t| t <= self.now) {
                sess.handle_timeout(self.now);
            }
        }
    }

    fn run_until(
        &mut self,
        s: &mut [&mut WebRtcSession; 2],
        limit: Duration,
        mut done: impl FnMut(&mut [&mut WebRtcSession; 2]) -> bool,
    ) -> bool {
        let end = self.now + limit;
        while self.now < end {
            if done(s) {
                self.drain(s);
                return true;
            }
            self.step(s, end);
        }
        self.drain(s);
        done(s)
    }

    /// Collects the sessions' pending events.
    fn drain(&mut self, s: &mut [&mut WebRtcSession; 2]) {
        for (i, sess) in s.iter_mut().enumerate() {
            while let Some(e) = sess.poll_event() {
                self.events[i].push((self.now - self.start, e));
            }
        }
    }

    fn saw(&self, i: usize, e: &SessionEvent) -> Option<Duration> {
        self.events[i].iter().find(|(_, x)| x == e).map(|(t, _)| *t)
    }
}

fn negotiate(link: &Link, a: &mut WebRtcSession, b: &mut WebRtcSession) -> (String, String) {
    let offer = a.create_offer(link.now).unwrap();
    let answer = b.accept_offer(link.now, &offer).unwrap();
    a.accept_answer(link.now, &answer).unwrap();
    (offer, answer)
}

#[test]
fn offer_answer_connect_and_rtp_both_ways() {
    let mut link = Link::new();
    let mut a = session(link.now, A);
    let mut b = session(link.now, B);
    let (offer, answer) = negotiate(&link, &mut a, &mut b);

    // complete, non-trickle SDP with the profile, mux, bundle, setup roles and codecs
    for sdp in [&offer, &answer] {
        assert!(sdp.contains("UDP/TLS/RTP/SAVPF"), "{sdp}");
        assert!(sdp.contains("a=rtcp-mux"), "{sdp}");
        assert!(sdp.contains("a=group:BUNDLE"), "{sdp}");
        assert!(sdp.contains("a=rtpmap:111 opus/48000/2"), "{sdp}");
        assert!(sdp.contains("a=rtpmap:101 telephone-event/48000"), "{sdp}");
        let m = sdp.lines().find(|l| l.starts_with("m=audio")).unwrap();
        let pts: Vec<_> = m.split(' ').skip(3).collect();
        let mut unique = pts.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(pts.len(), unique.len(), "a payload type twice: {m}");
        assert!(sdp.contains("a=fingerprint:sha-256 "), "{sdp}");
        assert!(sdp.contains("a=candidate:"), "{sdp}");
    }
    assert!(offer.contains("a=setup:actpass"), "{offer}");
    assert!(answer.contains("a=setup:active"), "{answer}");
    assert!(offer.contains(" 10.0.0.1 40000 typ host"), "{offer}");
    // the default candidate in c= and m= for SIP peers; no component-2 candidates (rtcp-mux)
    assert!(offer.contains("m=audio 40000 UDP/TLS/RTP/SAVPF"), "{offer}");
    assert!(offer.contains("c=IN IP4 10.0.0.1"), "{offer}");
    assert!(answer.contains("m=audio 50000 "), "{answer}");
    assert!(!offer.contains(" 2 udp "), "{offer}");
    assert!(answer.contains(" 10.0.0.2 50000 typ host"), "{answer}");

    let connected = link.run_until(&mut [&mut a, &mut b], Duration::from_secs(10), |s| {
        s.iter().all(|x| x.state() == TransportState::Connected)
    });
    assert!(connected, "events: {:?}", link.events);
    for i in 0..2 {
        assert!(
            link.saw(i, &SessionEvent::Ice(IceState::Checking))
                .is_some()
        );
        assert!(
            link.saw(i, &SessionEvent::Ice(IceState::Connected))
                .is_some()
        );
        assert!(link.saw(i, &SessionEvent::DtlsConnected).is_some());
    }

    // 50 packets of 20 ms each way, Opus-sized payloads that carry their index
    let mut got = [Vec::new(), Vec::new()];
    for n in 0..50u32 {
        let pa = vec![0xA0, n as u8, 1, 2, 3, 4, 5, 6];
        let pb = vec![0xB0, n as u8, 9, 8, 7];
        a.send_rtp(link.now, 111, n * 960, &pa, n == 0).unwrap();
        b.send_rtp(link.now, 111, n * 960, &pb, n == 0).unwrap();
        let until = link.now + Duration::from_millis(20);
        link.run_until(&mut [&mut a, &mut b], Duration::from_millis(20), |_| false);
        assert!(link.now >= until);
        for (i, s) in [&mut a, &mut b].into_iter().enumerate() {
            while let Some(p) = s.poll_rtp() {
                got[i].push(p);
            }
        }
    }
    link.run_until(&mut [&mut a, &mut b], Duration::from_millis(100), |_| false);
    for (i, s) in [&mut a, &mut b].into_iter().enumerate() {
        while let Some(p) = s.poll_rtp() {
            got[i].push(p);
        }
    }
    assert_eq!(got[0].len(), 50, "a received from b");
    assert_eq!(got[1].len(), 50, "b received from a");
    for (n, p) in got[1].iter().enumerate() {
        assert_eq!(p.payload, vec![0xA0, n as u8, 1, 2, 3, 4, 5, 6]);
        assert_eq!(p.payload_type, 111);
        assert_eq!(p.timestamp, n as u32 * 960);
        assert_eq!(p.marker, n == 0);
    }
    for (n, p) in got[0].iter().enumerate() {
        assert_eq!(p.payload, vec![0xB0, n as u8, 9, 8, 7]);
    }
    // consecutive sequence numbers from one SSRC
    assert!(got[1].windows(2).all(|w| w[1].sequence_number
        == w[0].sequence_number.wrapping_add(1)
        && w[1].ssrc == w[0].ssrc));
    assert_eq!(a.stats().rtp_out, 50);
    assert_eq!(b.stats().rtp_in, 50);

    // the negotiated codecs are the ones we offered
    let codecs = a.negotiated_codecs();
    assert!(
        codecs.contains(&(111, "audio/opus".to_owned())),
        "{codecs:?}"
    );
    assert!(
        codecs.contains(&(101, "audio/telephone-event".to_owned())),
        "{codecs:?}"
    );
    // DTMF events use a negotiated payload type too
    a.send_rtp(link.now, 101, 50 * 960, &[5, 0x8a, 0, 160], true)
        .unwrap();
    link.run_until(&mut [&mut a, &mut b], Duration::from_millis(50), |_| false);
    let dtmf = b.poll_rtp().expect("telephone-event packet");
    assert_eq!((dtmf.payload_type, dtmf.payload[0]), (101, 5));

    a.close(link.now);
    assert_eq!(a.state(), TransportState::Closed);
    assert!(a.send_rtp(link.now, 111, 0, &[1], false).is_err());
}

#[test]
fn fingerprint_mismatch_fails_cleanly() {
    let mut link = Link::new();
    let mut a = session(link.now, A);
    let mut b = session(link.now, B);
    let offer = a.create_offer(link.now).unwrap();
    let answer = b.accept_offer(link.now, &offer).unwrap();
    // a man in the middle's fingerprint: flip one hex digit of b's
    let i = answer.find("a=fingerprint:sha-256 ").unwrap() + "a=fingerprint:sha-256 ".len();
    let mut forged = answer.clone().into_bytes();
    forged[i] = if forged[i] == b'0' { b'1' } else { b'0' };
    let forged = String::from_utf8(forged).unwrap();
    a.accept_answer(link.now, &forged).unwrap();

    let failed = link.run_until(&mut [&mut a, &mut b], Duration::from_secs(15), |s| {
        s[0].state() == TransportState::Failed
    });
    assert!(failed, "events: {:?}", link.events[0]);
    let reason = link.events[0]
        .iter()
        .find_map(|(_, e)| match e {
            SessionEvent::Failed(r) => Some(r.clone()),
            _ => None,
        })
        .unwrap();
    assert!(
        matches!(reason, FailureReason::FingerprintMismatch { .. }),
        "{reason:?}"
    );
    assert!(reason.to_string().contains("fingerprint mismatch"));
    assert!(link.saw(0, &SessionEvent::DtlsConnected).is_none());
    assert!(a.send_rtp(link.now, 111, 0, &[1], false).is_err());
    assert!(a.poll_rtp().is_none());
}

#[test]
fn no_path_reaches_ice_failed_within_the_ice_timeouts() {
    let mut link = Link::new();
    link.up = false;
    let mut a = session(link.now, A);
    let mut b = session(link.now, B);
    negotiate(&link, &mut a, &mut b);
    let cfg = WebRtcConfig::default();
    let limit = cfg.ice_failed_timeout + cfg.ice_disconnected_timeout + Duration::from_secs(10);
    let failed = link.run_until(&mut [&mut a, &mut b], limit, |s| {
        s.iter().all(|x| x.state() == TransportState::Failed)
    });
    assert!(failed, "events: {:?}", link.events);
    for i in 0..2 {
        assert!(
            link.saw(i, &SessionEvent::Failed(FailureReason::IceFailed))
                .is_some(),
            "{:?}",
            link.events[i]
        );
        assert!(link.saw(i, &SessionEvent::DtlsConnected).is_none());
    }
    println!(
        "ICE failed after {:?} (simulated)",
        link.saw(0, &SessionEvent::Failed(FailureReason::IceFailed))
    );
}

#[test]
fn garbage_datagrams_are_dropped_and_counted() {
    let mut link = Link::new();
    let mut a = session(link.now, A);
    let mut b = session(link.now, B);
    negotiate(&link, &mut a, &mut b);
    let (from, to) = (addr(B), addr(A));
    let mut rng = 0x1234_5678_u32;
    let mut next = || {
        rng ^= rng << 13;
        rng ^= rng >> 17;
        rng ^= rng << 5;
        rng
    };
    // before and after connecting: random bytes with every first byte, short and long,
    // truncated STUN/DTLS/RTP headers
    let mut feed = |s: &mut WebRtcSession, now: Instant| {
        for first in 0..=255u8 {
            for len in [1usize, 2, 4, 12, 13, 20, 28, 64, 200, 1500] {
                let mut d: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                d[0] = first;
                s.handle_datagram(now, from, to, &d);
            }
        }
        s.handle_datagram(now, from, to, &[]);
    };
    feed(&mut a, link.now);
    let garbage_before = a.stats().datagrams_garbage;
    assert!(garbage_before > 0);
    // to an address we do not own
    a.handle_datagram(link.now, from, addr("10.9.9.9:1"), &[0, 1, 0, 0]);
    assert_eq!(a.stats().datagrams_garbage, garbage_before + 1);

    let connected = link.run_until(&mut [&mut a, &mut b], Duration::from_secs(10), |s| {
        s.iter().all(|x| x.state() == TransportState::Connected)
    });
    assert!(
        connected,
        "garbage must not break the session: {:?}",
        link.events
    );
    feed(&mut a, link.now);
    // still works: a packet gets through afterwards
    b.send_rtp(link.now, 111, 0, &[7; 40], false).unwrap();
    link.run_until(&mut [&mut a, &mut b], Duration::from_millis(50), |_| false);
    let p = a.poll_rtp().expect("media after garbage");
    assert_eq!(p.payload, vec![7; 40]);
    assert!(a.poll_rtp().is_none(), "garbage must not come out as RTP");
    let st = a.stats();
    assert!(st.datagrams_in > 2 * (256 * 10 + 1));
    assert!(st.datagrams_garbage + st.datagrams_rejected > 0);
    println!("{st:?}");
}

#[test]
fn bad_remote_sdp_is_a_clear_error() {
    let now = Instant::now();
    let mut a = session(now, A);
    let err = a
        .accept_offer(
            now,
            "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\nm=audio 9 RTP/AVP 0\r\n",
        )
        .unwrap_err();
    assert!(err.to_string().contains("DTLS-SRTP"), "{err}");
    assert!(
        a.accept_answer(now, "v=0").is_err(),
        "answer without an offer"
    );
    assert!(
        WebRtcSession::new(now, WebRtcConfig::default()).is_err(),
        "no local address"
    );
}

#[test]
fn unreachable_turn_server_bounds_gathering_at_three_seconds() {
    let mut link = Link::new();
    let turn = "10.9.9.9:3478";
    let mut a = WebRtcSession::new(
        link.now,
        WebRtcConfig {
            local_addrs: vec![addr(A)],
            ice_servers: vec![softphone_webrtc::IceServer {
                urls: vec![format!("turn:{turn}?transport=udp")],
                username: "u".into(),
                credential: "secret".into(),
            }],
            ..Default::default()
        },
    )
    .unwrap();
    assert!(!a.gathering_complete());
    // the TURN server never answers: its requests go nowhere
    let start = link.now;
    let mut to_server = 0;
    while !a.gathering_complete() {
        while let Some(t) = a.poll_transmit() {
            assert_eq!(t.to, addr(turn));
            to_server += 1;
        }
        let next = a.poll_timeout().expect("a timer while gathering");
        assert!(next >= link.now);
        link.now = next.max(link.now + Duration::from_millis(1));
        a.handle_timeout(link.now);
        assert!(
            link.now - start <= Duration::from_secs(4),
            "gathering unbounded"
        );
    }
    let took = link.now - start;
    assert!(
        took >= Duration::from_secs(3) && took < Duration::from_millis(3100),
        "{took:?}"
    );
    assert!(
        to_server >= 2,
        "allocate and binding requests, with retransmissions"
    );
    let events: Vec<_> = std::iter::from_fn(|| a.poll_event()).collect();
    assert!(
        events.contains(&SessionEvent::GatheringComplete),
        "{events:?}"
    );
    // the offer goes with what there is: the host candidate
    let offer = a.create_offer(link.now).unwrap();
    assert!(offer.contains(" 10.0.0.1 40000 typ host"), "{offer}");
    assert!(!offer.contains("typ relay"), "{offer}");
    assert!(
        !format!(
            "{:?}",
            softphone_webrtc::IceServer {
                urls: vec![],
                username: "u".into(),
                credential: "secret".into(),
            }
        )
        .contains("secret"),
        "credentials never in Debug output"
    );
}
