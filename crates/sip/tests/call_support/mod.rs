//! The in-memory link and driver shared by the call scenario tests.

#![allow(dead_code, reason = "each test file uses part of the harness")]

use softphone_sip::ua::*;
use softphone_sip::{Message, Method};
use std::time::{Duration, Instant};

pub fn config(user: &str, port: u16, reliable: bool) -> CallConfig {
    CallConfig {
        local_uri: format!("sip:{user}@example.com"),
        display_name: Some(user.to_string()),
        anonymous: false,
        contact: format!("sip:{user}@192.0.2.1:{port}"),
        via_transport: if reliable { "TCP" } else { "UDP" }.into(),
        via_sent_by: format!("192.0.2.1:{port}"),
        reliable,
        route: vec![],
        user_agent: "scenario".into(),
        secret: Some(AuthSecret::Password(format!("{user}pw"))),
        auth_user: None,
        custom_headers: vec![],
        timers: TimerConfig::default(),
        session_expires: Some(CallConfig::DEFAULT_SESSION_EXPIRES),
        min_se: CallConfig::DEFAULT_MIN_SE,
        no_answer_timeout: CallConfig::DEFAULT_NO_ANSWER,
    }
}

/// A lossy, duplicating, reordering link between alice (side 0) and bob (side 1).
pub struct Net {
    pub now: Instant,
    pub queue: Vec<(Instant, usize, Vec<u8>)>,
    pub rng: SeededRandom,
    pub loss: u64,
    pub duplicate: u64,
    pub jitter_ms: u64,
    pub sent: Vec<(usize, String)>,
    /// Every message sent, whole, with the side that sent it.
    pub log: Vec<(usize, Vec<u8>)>,
}

impl Net {
    pub fn new(seed: u64, loss: u64, duplicate: u64, jitter_ms: u64) -> Self {
        Self {
            now: Instant::now(),
            queue: vec![],
            rng: SeededRandom::new(seed),
            loss,
            duplicate,
            jitter_ms,
            sent: vec![],
            log: vec![],
        }
    }

    pub fn send(&mut self, to: usize, bytes: Vec<u8>) {
        let first_line = String::from_utf8_lossy(&bytes)
            .lines()
            .next()
            .unwrap_or_default()
            .to_string();
        self.sent.push((1 - to, first_line));
        self.log.push((1 - to, bytes.clone()));
        if self.rng.next_u64() % 100 < self.loss {
            return;
        }
        let copies = if self.rng.next_u64() % 100 < self.duplicate {
            2
        } else {
            1
        };
        for _ in 0..copies {
            let delay = 5 + self.rng.next_u64() % (self.jitter_ms + 1);
            self.queue
                .push((self.now + Duration::from_millis(delay), to, bytes.clone()));
        }
    }
}

/// Drives both sides until nothing is due before `until`, calling `script` after every step.
pub fn run(
    net: &mut Net,
    alice: &mut Call,
    bob: &mut Option<Call>,
    bob_config: &CallConfig,
    until: Duration,
    mut script: impl FnMut(Instant, &mut Call, &mut Option<Call>, &mut Vec<(usize, CallEvent)>),
) -> Vec<(usize, CallEvent)> {
    let end = net.now + until;
    let mut events = vec![];
    loop {
        while let Some(b) = alice.poll_transmit() {
            net.send(1, b);
        }
        if let Some(bob) = bob.as_mut() {
            while let Some(b) = bob.poll_transmit() {
                net.send(0, b);
            }
        }
        while let Some(e) = alice.poll_event() {
            events.push((0, e));
        }
        if let Some(b) = bob.as_mut() {
            while let Some(e) = b.poll_event() {
                events.push((1, e));
            }
        }
        let before = events.len();
        script(net.now, alice, bob, &mut events);
        if events.len() != before {
            continue;
        }
        let next_packet = net.queue.iter().map(|q| q.0).min();
        let next_timer = [
            alice.poll_timeout(),
            bob.as_ref().and_then(Call::poll_timeout),
        ]
        .into_iter()
        .flatten()
        .min();
        let Some(due) = [next_packet, next_timer].into_iter().flatten().min() else {
            break;
        };
        // Wake at least every 100 ms so the script can act at the times it chose.
        let next = due.min(net.now + Duration::from_millis(100));
        if next > end {
            break;
        }
        net.now = next.max(net.now);
        let now = net.now;
        if next < due {
            continue;
        }
        if next_packet == Some(next) {
            let i = net.queue.iter().position(|q| q.0 == next).unwrap();
            let (_, to, bytes) = net.queue.remove(i);
            let msg = Message::parse(&bytes).expect("the UAs send parsable messages");
            if to == 0 {
                alice.on_message(now, &msg);
            } else {
                match bob.as_mut() {
                    Some(b) => {
                        b.on_message(now, &msg);
                    }
                    None if msg.method() == Some(&Method::Invite) => {
                        *bob = Some(
                            Call::incoming(
                                now,
                                bob_config.clone(),
                                &msg,
                                Box::new(SeededRandom::new(99)),
                            )
                            .unwrap(),
                        );
                    }
                    None => {}
                }
            }
        } else {
            alice.on_timeout(now);
            if let Some(b) = bob.as_mut() {
                b.on_timeout(now);
            }
        }
    }
    events
}

pub fn ended(events: &[(usize, CallEvent)], side: usize) -> Option<(Option<u16>, String, bool)> {
    events.iter().find_map(|(s, e)| match e {
        CallEvent::Ended {
            code,
            reason,
            by_remote,
        } if *s == side => Some((*code, reason.clone(), *by_remote)),
        _ => None,
    })
}

pub fn respond(req: &Message, code: u16, reason: &str, extra: &[(&str, &str)]) -> Message {
    let mut r = Message::response_to(req, code, reason);
    for (n, v) in extra {
        r.push_header_named(n, v).unwrap();
    }
    Message::parse(&r.to_bytes()).unwrap()
}
