//! Session features between two user agents in simulated time: hold and resume by
//! re-INVITE, 491 glare, session timers (refresh, expiry, 422), reliable provisional
//! responses with PRACK, redirects, and DTMF by INFO — with loss, duplication and
//! reordering where it matters.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

mod call_support;
use call_support::*;
use softphone_sip::ua::*;
use softphone_sip::{HeaderName, Message, Method};
use std::time::{Duration, Instant};

fn count(events: &[(usize, CallEvent)], side: usize, f: impl Fn(&CallEvent) -> bool) -> usize {
    events.iter().filter(|(s, e)| *s == side && f(e)).count()
}

fn sent_by(net: &Net, side: usize, prefix: &str) -> usize {
    net.sent
        .iter()
        .filter(|(s, l)| *s == side && l.starts_with(prefix))
        .count()
}

/// Bob answers at once and answers every offer with `answer:<offer>`.
fn bob_answers(
    now: Instant,
    bob: &mut Option<Call>,
    events: &[(usize, CallEvent)],
    seen: &mut usize,
) {
    let Some(b) = bob.as_mut() else {
        return;
    };
    if b.state() == CallState::Incoming {
        b.ringing();
        assert!(b.answer(now, b"v=0 bob".to_vec()));
    }
    while *seen < events.len() {
        if let (1, CallEvent::RemoteOffer { sdp }) = &events[*seen] {
            let mut answer = b"answer:".to_vec();
            answer.extend_from_slice(sdp);
            assert!(b.answer_offer(now, answer));
        }
        *seen += 1;
    }
}

fn hold_and_resume(net: &mut Net, reliable: bool) {
    let mut alice = Call::outgoing(
        net.now,
        config("alice", 5060, reliable),
        "sip:bob@192.0.2.1:5062",
        Some(b"v=0 alice sendrecv".to_vec()),
        Box::new(SeededRandom::new(1)),
    );
    let bob_cfg = config("bob", 5062, reliable);
    let mut bob = None;
    let mut seen = 0;
    let mut step = 0;
    let events = run(
        net,
        &mut alice,
        &mut bob,
        &bob_cfg,
        Duration::from_secs(200),
        |now, alice, bob, events| {
            bob_answers(now, bob, events, &mut seen);
            let answered = count(events, 0, |e| matches!(e, CallEvent::Answered { .. }));
            let modified = count(events, 0, |e| matches!(e, CallEvent::OfferAnswered { .. }));
            match step {
                0 if answered == 1 => {
                    assert!(alice.reinvite(now, Some(b"v=0 alice sendonly".to_vec())));
                    assert!(!alice.reinvite(now, None), "one change at a time");
                    step = 1;
                }
                1 if modified == 1 => {
                    assert!(alice.reinvite(now, Some(b"v=0 alice sendrecv".to_vec())));
                    step = 2;
                }
                2 if modified == 2 => {
                    alice.hangup(now);
                    step = 3;
                }
                _ => {}
            }
        },
    );
    assert_eq!(step, 3, "{events:?}");
    let offers: Vec<&[u8]> = events
        .iter()
        .filter_map(|(s, e)| match e {
            CallEvent::RemoteOffer { sdp } if *s == 1 => Some(sdp.as_slice()),
            _ => None,
        })
        .collect();
    assert_eq!(
        offers,
        vec![&b"v=0 alice sendonly"[..], &b"v=0 alice sendrecv"[..]],
        "each offer reported once despite retransmissions"
    );
    let answers: Vec<Option<Vec<u8>>> = events
        .iter()
        .filter_map(|(s, e)| match e {
            CallEvent::OfferAnswered { sdp } if *s == 0 => Some(sdp.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        answers,
        vec![
            Some(b"answer:v=0 alice sendonly".to_vec()),
            Some(b"answer:v=0 alice sendrecv".to_vec())
        ]
    );
    assert!(ended(&events, 1).unwrap().2, "bob saw alice hang up");
    assert_eq!(alice.state(), CallState::Terminated);
}

#[test]
fn hold_and_resume_by_reinvite_on_a_clean_link() {
    hold_and_resume(&mut Net::new(1, 0, 0, 0), false);
    hold_and_resume(&mut Net::new(1, 0, 0, 0), true);
}

#[test]
fn hold_and_resume_survive_loss_duplication_and_reordering() {
    for seed in 0..20 {
        hold_and_resume(&mut Net::new(seed, 15, 10, 40), false);
    }
}

#[test]
fn glare_gets_491_on_both_sides_then_both_changes_succeed() {
    let mut net = Net::new(7, 0, 0, 0);
    let mut alice = Call::outgoing(
        net.now,
        config("alice", 5060, false),
        "sip:bob@192.0.2.1:5062",
        Some(b"v=0 alice".to_vec()),
        Box::new(SeededRandom::new(1)),
    );
    let bob_cfg = config("bob", 5062, false);
    let mut bob: Option<Call> = None;
    let mut seen = (0, 0);
    let mut crossed = false;
    let mut done = false;
    let mut retried_at = vec![];
    let events = run(
        &mut net,
        &mut alice,
        &mut bob,
        &bob_cfg,
        Duration::from_secs(60),
        |now, alice, bob, events| {
            let Some(b) = bob.as_mut() else {
                return;
            };
            if b.state() == CallState::Incoming {
                assert!(b.answer(now, b"v=0 bob".to_vec()));
            }
            if !crossed
                && alice.state() == CallState::Confirmed
                && b.state() == CallState::Confirmed
            {
                // Both re-offer at the same instant: the INVITEs cross.
                assert!(alice.reinvite(now, Some(b"v=0 alice hold".to_vec())));
                assert!(b.reinvite(now, Some(b"v=0 bob hold".to_vec())));
                crossed = true;
            }
            // Each side answers the other's offer.
            while seen.0 < events.len() {
                let (side, e) = &events[seen.0];
                if let CallEvent::RemoteOffer { sdp } = e {
                    retried_at.push((*side, now));
                    let answer = [b"answer:", sdp.as_slice()].concat();
                    if *side == 0 {
                        assert!(alice.answer_offer(now, answer));
                    } else {
                        assert!(b.answer_offer(now, answer));
                    }
                }
                seen.0 += 1;
            }
            let answered = events
                .iter()
                .filter(|(_, e)| matches!(e, CallEvent::OfferAnswered { .. }))
                .count();
            if answered == 2 && !done {
                alice.hangup(now);
                done = true;
            }
            seen.1 = answered;
        },
    );
    assert!(done, "both changes went through: {events:?}");
    assert_eq!(
        sent_by(&net, 0, "SIP/2.0 491"),
        1,
        "alice refused bob's crossing offer"
    );
    assert_eq!(
        sent_by(&net, 1, "SIP/2.0 491"),
        1,
        "bob refused alice's crossing offer"
    );
    assert_eq!(
        count(&events, 0, |e| matches!(e, CallEvent::OfferRefused { .. })),
        0
    );
    // Bob (not the Call-ID owner) retries within 2 s, alice after 2.1 s: bob's offer lands first.
    assert_eq!(retried_at.len(), 2);
    assert_eq!(retried_at[0].0, 0, "alice answers bob's retry first");
    assert_eq!(retried_at[1].0, 1, "then bob answers alice's retry");
    let gap = retried_at[1].1 - retried_at[0].1;
    assert!(gap < Duration::from_secs(4), "{gap:?}");
}

#[test]
fn session_timer_refreshes_by_update_and_keeps_the_call_up() {
    let mut net = Net::new(3, 10, 10, 30);
    let mut cfg = config("alice", 5060, false);
    cfg.session_expires = Some(120);
    let mut alice = Call::outgoing(
        net.now,
        cfg,
        "sip:bob@192.0.2.1:5062",
        Some(b"v=0 alice".to_vec()),
        Box::new(SeededRandom::new(1)),
    );
    let bob_cfg = config("bob", 5062, false);
    let mut bob = None;
    let mut seen = 0;
    let start = net.now;
    let mut hung_up = false;
    let mut timers = None;
    let events = run(
        &mut net,
        &mut alice,
        &mut bob,
        &bob_cfg,
        Duration::from_secs(500),
        |now, alice, bob, events| {
            bob_answers(now, bob, events, &mut seen);
            if timers.is_none() && alice.state() == CallState::Confirmed {
                if let Some(b) = bob.as_ref().filter(|b| b.state() == CallState::Confirmed) {
                    timers = Some((alice.session_timer(), b.session_timer()));
                }
            }
            if !hung_up && now - start >= Duration::from_secs(450) {
                assert_eq!(alice.state(), CallState::Confirmed, "{events:?}");
                alice.hangup(now);
                hung_up = true;
            }
        },
    );
    let (a, b) = timers.unwrap();
    assert_eq!(
        a,
        Some((Duration::from_secs(120), true)),
        "alice (UAC) refreshes"
    );
    assert_eq!(b, Some((Duration::from_secs(120), false)));
    let updates = sent_by(&net, 0, "UPDATE");
    assert!(updates >= 7, "a refresh every 60 s for 450 s: {updates}");
    assert_eq!(sent_by(&net, 1, "BYE"), 0, "bob never expired the session");
    assert!(ended(&events, 1).unwrap().2);
    assert_eq!(
        count(&events, 0, |e| matches!(e, CallEvent::OfferAnswered { .. })),
        0,
        "refreshes are not reported as session changes"
    );
}

/// Runs a call by hand to the confirmed state; returns alice, bob and the time.
fn confirmed(alice_cfg: CallConfig, bob_cfg: CallConfig) -> (Call, Call, Instant) {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        alice_cfg,
        "sip:bob@192.0.2.1",
        Some(b"v=0".to_vec()),
        Box::new(SeededRandom::new(1)),
    );
    let invite = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    let mut bob = Call::incoming(t0, bob_cfg, &invite, Box::new(SeededRandom::new(2))).unwrap();
    assert!(bob.answer(t0, b"v=0".to_vec()));
    let ok = std::iter::from_fn(|| bob.poll_transmit()).last().unwrap();
    alice.on_message(t0, &Message::parse(&ok).unwrap());
    let ack = alice.poll_transmit().unwrap();
    bob.on_message(t0, &Message::parse(&ack).unwrap());
    assert_eq!(alice.state(), CallState::Confirmed);
    assert_eq!(bob.state(), CallState::Confirmed);
    while alice.poll_event().is_some() || bob.poll_event().is_some() {}
    (alice, bob, t0)
}

#[test]
fn unrefreshed_session_ends_with_bye_before_expiry() {
    let mut a = config("alice", 5060, true);
    a.session_expires = Some(120);
    let (_alice, mut bob, t0) = confirmed(a, config("bob", 5062, true));
    assert_eq!(bob.session_timer(), Some((Duration::from_secs(120), false)));
    // Alice has vanished: none of her refreshes arrive.
    let mut now = t0;
    while bob.state() == CallState::Confirmed {
        while bob.poll_transmit().is_some() {}
        now = bob.poll_timeout().unwrap();
        bob.on_timeout(now);
    }
    assert_eq!(
        now - t0,
        Duration::from_secs(120 - 32),
        "expiry minus min(32, 120/3)"
    );
    let bye = bob.poll_transmit().unwrap();
    assert!(
        bye.starts_with(b"BYE "),
        "{}",
        String::from_utf8_lossy(&bye)
    );
}

#[test]
fn refresh_falls_back_to_reinvite_when_update_is_refused() {
    let mut a = config("alice", 5060, true);
    a.session_expires = Some(100);
    let (mut alice, mut bob, t0) = confirmed(a, config("bob", 5062, true));
    assert!(alice.peer_allows_update(), "bob listed UPDATE in Allow");
    let now = t0 + Duration::from_secs(50);
    alice.on_timeout(now);
    let refresh = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(refresh.method(), Some(&Method::Update));
    assert!(refresh
        .value(HeaderName::SessionExpires)
        .unwrap()
        .contains("refresher=uac"));
    // Bob answers 501 after all: alice falls back to re-INVITE with her SDP.
    let r = respond(&refresh, 501, "Not Implemented", &[]);
    alice.on_message(now, &r);
    alice.on_timeout(now);
    let reinvite = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(reinvite.method(), Some(&Method::Invite));
    assert_eq!(reinvite.body(), b"v=0");
    bob.on_message(now, &reinvite);
    assert!(
        bob.poll_event()
            .is_some_and(|e| matches!(e, CallEvent::RemoteOffer { .. })),
        "bob sees an offer (unchanged SDP) and answers it"
    );
    assert!(bob.answer_offer(now, b"v=0".to_vec()));
    let ok = std::iter::from_fn(|| bob.poll_transmit()).last().unwrap();
    assert!(ok.starts_with(b"SIP/2.0 200"));
    alice.on_message(now, &Message::parse(&ok).unwrap());
    let ack = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(ack.method(), Some(&Method::Ack));
    assert!(
        alice.poll_event().is_none(),
        "a refresh is not a session change"
    );
    assert_eq!(
        alice.session_timer(),
        Some((Duration::from_secs(100), true))
    );
}

#[test]
fn session_interval_too_small_is_retried_with_the_larger_min_se() {
    let t0 = Instant::now();
    let mut a = config("alice", 5060, true);
    a.session_expires = Some(100);
    let mut b = config("bob", 5062, true);
    b.min_se = 600;
    let mut alice = Call::outgoing(
        t0,
        a,
        "sip:bob@192.0.2.1",
        None,
        Box::new(SeededRandom::new(1)),
    );
    let first = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(first.value(HeaderName::SessionExpires), Some("100"));
    let mut bob = Call::incoming(t0, b.clone(), &first, Box::new(SeededRandom::new(2))).unwrap();
    assert_eq!(bob.state(), CallState::Terminated, "refused at once");
    let refusal = std::iter::from_fn(|| bob.poll_transmit()).last().unwrap();
    assert!(refusal.starts_with(b"SIP/2.0 422"));
    alice.on_message(t0, &Message::parse(&refusal).unwrap());
    let ack = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(ack.method(), Some(&Method::Ack));
    let second = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(second.value(HeaderName::SessionExpires), Some("600"));
    assert_eq!(second.value(HeaderName::MinSe), Some("600"));
    assert_eq!(second.cseq().unwrap().seq, first.cseq().unwrap().seq + 1);
    let bob = Call::incoming(t0, b, &second, Box::new(SeededRandom::new(3))).unwrap();
    assert_eq!(bob.state(), CallState::Incoming);
    assert!(alice.poll_event().is_none(), "no failure reported");
}

fn reliable_provisional(invite: &Message, code: u16, rseq: u32, sdp: Option<&[u8]>) -> Message {
    let mut r = Message::response_to(invite, code, "Session Progress");
    let mut to = invite.to().unwrap();
    to.0.set_tag("bobtag");
    r.set_typed(&to);
    r.push_header_named("Contact", "<sip:bob@192.0.2.7:5070>")
        .unwrap();
    r.push_header_named("Require", "100rel").unwrap();
    r.push_header_named("RSeq", &rseq.to_string()).unwrap();
    if let Some(b) = sdp {
        r.set_body(Some("application/sdp"), b.to_vec());
    }
    Message::parse(&r.to_bytes()).unwrap()
}

#[test]
fn reliable_provisionals_are_pracked_once_and_their_sdp_is_the_answer() {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, false),
        "sip:bob@192.0.2.1",
        Some(b"v=0 offer".to_vec()),
        Box::new(SeededRandom::new(1)),
    );
    let invite = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert!(invite
        .value(HeaderName::Supported)
        .unwrap()
        .contains("100rel"));
    let ringing = reliable_provisional(&invite, 180, 7, None);
    alice.on_message(t0, &ringing);
    let prack = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(prack.method(), Some(&Method::Prack));
    assert_eq!(
        prack.value(HeaderName::RAck).unwrap(),
        format!("7 {} INVITE", invite.cseq().unwrap().seq)
    );
    assert_eq!(
        prack.request_uri().unwrap().to_string(),
        "sip:bob@192.0.2.7:5070"
    );
    assert!(prack.to().unwrap().0.tag() == Some("bobtag"));
    // The same 180 again (bob did not see the PRACK yet): dropped, no second PRACK.
    alice.on_message(t0, &ringing);
    assert!(alice.poll_transmit().is_none());
    assert_eq!(alice.poll_event(), Some(CallEvent::Ringing { code: 180 }));
    assert_eq!(alice.poll_event(), None);
    // Out of order (RSeq jumps): dropped.
    alice.on_message(t0, &reliable_provisional(&invite, 183, 9, Some(b"v=0 bad")));
    assert!(alice.poll_transmit().is_none());
    // The next one carries the answer.
    alice.on_message(
        t0,
        &reliable_provisional(&invite, 183, 8, Some(b"v=0 answer")),
    );
    let prack2 = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(prack2.cseq().unwrap().seq, prack.cseq().unwrap().seq + 1);
    assert_eq!(
        alice.poll_event(),
        Some(CallEvent::EarlyMedia {
            sdp: b"v=0 answer".to_vec()
        })
    );
    // PRACK's own transaction: answered 200, no more retransmissions afterwards.
    alice.on_message(t0, &respond(&prack, 200, "OK", &[]));
    alice.on_message(t0, &respond(&prack2, 200, "OK", &[]));
    // The 200 for the INVITE has no SDP: the answer was in the reliable 183.
    let mut ok = Message::response_to(&invite, 200, "OK");
    let mut to = invite.to().unwrap();
    to.0.set_tag("bobtag");
    ok.set_typed(&to);
    ok.push_header_named("Contact", "<sip:bob@192.0.2.7:5070>")
        .unwrap();
    alice.on_message(t0, &Message::parse(&ok.to_bytes()).unwrap());
    assert_eq!(
        alice.poll_event(),
        Some(CallEvent::Answered {
            sdp: Some(b"v=0 answer".to_vec())
        })
    );
    let ack = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(ack.method(), Some(&Method::Ack));
}

#[test]
fn redirects_follow_the_best_contact_and_stop_at_a_loop() {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, true),
        "sip:bob@example.com",
        None,
        Box::new(SeededRandom::new(5)),
    );
    let first = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    alice.on_message(
        t0,
        &respond(
            &first,
            302,
            "Moved Temporarily",
            &[(
                "Contact",
                "<sip:bob@desk.example.com>;q=0.5, <sip:bob@mobile.example.com>;q=0.9",
            )],
        ),
    );
    let _ack = alice.poll_transmit().unwrap();
    let second = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(
        second.request_uri().unwrap().to_string(),
        "sip:bob@mobile.example.com"
    );
    assert_eq!(
        alice.poll_event(),
        Some(CallEvent::Redirected {
            target: "sip:bob@mobile.example.com".into(),
            contacts: vec![
                "sip:bob@mobile.example.com".into(),
                "sip:bob@desk.example.com".into()
            ],
        })
    );
    // The mobile sends us back where we started: a loop, no third INVITE.
    alice.on_message(
        t0,
        &respond(
            &second,
            301,
            "Moved Permanently",
            &[("Contact", "<sip:bob@example.com>")],
        ),
    );
    let _ack = alice.poll_transmit().unwrap();
    assert!(alice.poll_transmit().is_none());
    assert!(matches!(
        alice.poll_event(),
        Some(CallEvent::Ended { code: Some(301), reason, .. }) if reason == "redirect loop"
    ));
}

#[test]
fn dtmf_by_info_arrives_once_and_in_order_over_a_lossy_link() {
    for seed in 0..10 {
        let mut net = Net::new(seed, 20, 20, 50);
        let mut alice = Call::outgoing(
            net.now,
            config("alice", 5060, false),
            "sip:bob@192.0.2.1:5062",
            Some(b"v=0".to_vec()),
            Box::new(SeededRandom::new(1)),
        );
        let bob_cfg = config("bob", 5062, false);
        let mut bob = None;
        let mut seen = 0;
        let mut sent = false;
        let mut hung_up = false;
        let events = run(
            &mut net,
            &mut alice,
            &mut bob,
            &bob_cfg,
            Duration::from_secs(120),
            |now, alice, bob, events| {
                bob_answers(now, bob, events, &mut seen);
                if !sent && alice.state() == CallState::Confirmed {
                    for d in ['1', '2', '#'] {
                        assert!(alice.send_dtmf_info(now, d, 160));
                    }
                    assert!(alice.send_info(now, "text/plain", b"hello".to_vec()));
                    sent = true;
                }
                let got = count(events, 1, |e| matches!(e, CallEvent::Info { .. }));
                if got == 1 && !hung_up {
                    alice.hangup(now);
                    hung_up = true;
                }
            },
        );
        let digits: Vec<char> = events
            .iter()
            .filter_map(|(s, e)| match e {
                CallEvent::Dtmf { digit, duration_ms } if *s == 1 => {
                    assert_eq!(*duration_ms, Some(160));
                    Some(*digit)
                }
                _ => None,
            })
            .collect();
        assert_eq!(digits, vec!['1', '2', '#'], "seed {seed}");
        assert!(hung_up, "seed {seed}: {events:?}");
    }
}

#[test]
fn incoming_call_rings_out_with_480_and_forward_sends_302() {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, true),
        "sip:bob@192.0.2.1",
        None,
        Box::new(SeededRandom::new(1)),
    );
    let invite = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    let mut bob = Call::incoming(
        t0,
        config("bob", 5062, true),
        &invite,
        Box::new(SeededRandom::new(2)),
    )
    .unwrap();
    bob.ringing();
    let t = bob.poll_timeout().unwrap();
    assert_eq!(t - t0, CallConfig::DEFAULT_NO_ANSWER);
    bob.on_timeout(t);
    let last = std::iter::from_fn(|| bob.poll_transmit()).last().unwrap();
    assert!(last.starts_with(b"SIP/2.0 480"));
    assert!(matches!(
        bob.poll_event(),
        Some(CallEvent::Ended {
            code: Some(480),
            ..
        })
    ));

    let mut carol = Call::incoming(
        t0,
        config("carol", 5064, true),
        &invite,
        Box::new(SeededRandom::new(3)),
    )
    .unwrap();
    assert!(carol.forward(t0, "sip:dave@example.com"));
    let moved =
        Message::parse(&std::iter::from_fn(|| carol.poll_transmit()).last().unwrap()).unwrap();
    assert_eq!(moved.status(), Some(302));
    assert_eq!(
        moved.value(HeaderName::Contact),
        Some("<sip:dave@example.com>")
    );
}

#[test]
fn no_unreliable_180_when_the_caller_requires_100rel() {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, true),
        "sip:bob@192.0.2.1",
        Some(b"v=0".to_vec()),
        Box::new(SeededRandom::new(1)),
    );
    let mut invite = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    invite.push_header_named("Require", "100rel").unwrap();
    let invite = Message::parse(&invite.to_bytes()).unwrap();
    let mut bob = Call::incoming(
        t0,
        config("bob", 5062, true),
        &invite,
        Box::new(SeededRandom::new(2)),
    )
    .unwrap();
    bob.ringing();
    let sent: Vec<Vec<u8>> = std::iter::from_fn(|| bob.poll_transmit()).collect();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].starts_with(b"SIP/2.0 100"));
    assert!(
        bob.answer(t0, b"v=0".to_vec()),
        "the call can still be answered"
    );
}

#[test]
fn update_with_sdp_changes_the_session_and_crossing_offers_get_491() {
    let (mut alice, mut bob, t0) =
        confirmed(config("alice", 5060, true), config("bob", 5062, true));
    // Bob (the callee) re-offers by UPDATE.
    assert!(bob.update(t0, Some(b"v=0 bob sendonly".to_vec())));
    let update = Message::parse(&bob.poll_transmit().unwrap()).unwrap();
    assert_eq!(update.method(), Some(&Method::Update));
    alice.on_message(t0, &update);
    assert_eq!(
        alice.poll_event(),
        Some(CallEvent::RemoteOffer {
            sdp: b"v=0 bob sendonly".to_vec()
        })
    );
    // While that offer waits for our answer, our own change is refused locally and a
    // retransmission of the UPDATE is absorbed.
    assert!(!alice.reinvite(t0, Some(b"x".to_vec())));
    alice.on_message(t0, &update);
    assert!(alice.poll_transmit().is_none());
    assert!(alice.answer_offer(t0, b"v=0 alice recvonly".to_vec()));
    let ok = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(ok.status(), Some(200));
    assert_eq!(ok.body(), b"v=0 alice recvonly");
    // The retransmitted UPDATE now gets the same 200 again, and no second event.
    alice.on_message(t0, &update);
    assert_eq!(alice.poll_transmit().unwrap(), ok.to_bytes());
    assert!(alice.poll_event().is_none());
    bob.on_message(t0, &ok);
    assert_eq!(
        bob.poll_event(),
        Some(CallEvent::OfferAnswered {
            sdp: Some(b"v=0 alice recvonly".to_vec())
        })
    );
    // Crossing: bob's UPDATE meets alice's re-INVITE: each side refuses the other's with 491.
    assert!(alice.reinvite(t0, Some(b"v=0 alice sendrecv".to_vec())));
    assert!(bob.update(t0, Some(b"v=0 bob sendrecv".to_vec())));
    let reinvite = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    let update = Message::parse(&bob.poll_transmit().unwrap()).unwrap();
    alice.on_message(t0, &update);
    bob.on_message(t0, &reinvite);
    let to_bob = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    let to_alice = Message::parse(&bob.poll_transmit().unwrap()).unwrap();
    assert_eq!((to_bob.status(), to_alice.status()), (Some(491), Some(491)));
    bob.on_message(t0, &to_bob);
    alice.on_message(t0, &to_alice);
    assert!(
        alice.poll_event().is_none() && bob.poll_event().is_none(),
        "491 is retried, not reported"
    );
    let ack = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(ack.method(), Some(&Method::Ack));
    bob.on_message(t0, &ack);
    // Bob (not the Call-ID owner) retries within 2 s, alice only after 2.1 s.
    let first_send = |call: &mut Call| {
        let mut now = t0;
        loop {
            if let Some(m) = call.poll_transmit() {
                return (now - t0, m);
            }
            now = call.poll_timeout().unwrap();
            call.on_timeout(now);
        }
    };
    let (bob_after, bob_again) = first_send(&mut bob);
    let (alice_after, alice_again) = first_send(&mut alice);
    assert!(bob_after <= Duration::from_secs(2), "{bob_after:?}");
    assert!(
        alice_after >= Duration::from_millis(2100),
        "{alice_after:?}"
    );
    assert!(alice_after <= Duration::from_secs(4), "{alice_after:?}");
    assert!(alice_again.starts_with(b"INVITE "));
    let again = Message::parse(&bob_again).unwrap();
    assert_eq!(again.method(), Some(&Method::Update));
    assert_eq!(again.body(), b"v=0 bob sendrecv");
}
