//! Two user agents back to back over an in-memory link in simulated time: calls, cancel races,
//! loss, duplication, reordering, challenges, redirects and timeouts.

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

/// `lossless`: provisional responses are not retransmitted (no 100rel), so a lossy link may
/// drop the 180.
fn basic_call(net: &mut Net, reliable: bool, lossless: bool) {
    let mut alice = Call::outgoing(
        net.now,
        config("alice", 5060, reliable),
        "sip:bob@192.0.2.1:5062",
        Some(b"v=0 offer".to_vec()),
        Box::new(SeededRandom::new(1)),
    );
    let bob_cfg = config("bob", 5062, reliable);
    let mut bob = None;
    let mut answered_at = None;
    let mut hung_up = false;
    let events = run(
        net,
        &mut alice,
        &mut bob,
        &bob_cfg,
        Duration::from_secs(120),
        |now, alice, bob, events| {
            if let Some(b) = bob.as_mut() {
                if b.state() == CallState::Incoming && answered_at.is_none() {
                    assert_eq!(b.remote_offer(), Some(&b"v=0 offer"[..]));
                    b.ringing();
                    answered_at = Some(now + Duration::from_secs(2));
                }
                if answered_at.is_some_and(|t| now >= t) && b.state() == CallState::Incoming {
                    assert!(b.answer(now, b"v=0 answer".to_vec()));
                }
            }
            if !hung_up
                && events
                    .iter()
                    .any(|(s, e)| *s == 1 && matches!(e, CallEvent::Answered { .. }))
                && alice.state() == CallState::Confirmed
            {
                alice.hangup(now);
                hung_up = true;
            }
        },
    );
    if lossless {
        assert!(
            events.contains(&(0, CallEvent::Ringing { code: 180 })),
            "{events:?}"
        );
    }
    assert!(
        events.contains(&(
            0,
            CallEvent::Answered {
                sdp: Some(b"v=0 answer".to_vec())
            }
        )),
        "{events:?}"
    );
    assert_eq!(
        ended(&events, 1),
        Some((None, "remote hung up".into(), true)),
        "{events:?}"
    );
    assert_eq!(
        ended(&events, 0).map(|e| e.0),
        Some(Some(200)),
        "{events:?}"
    );
    assert!(alice.is_finished() || alice.state() == CallState::Terminated);
}

#[test]
fn call_answer_hangup_on_a_clean_link() {
    basic_call(&mut Net::new(1, 0, 0, 0), false, true);
    basic_call(&mut Net::new(1, 0, 0, 0), true, true);
}

#[test]
fn call_survives_loss_duplication_and_reordering_over_udp() {
    for seed in 0..20 {
        basic_call(&mut Net::new(seed, 20, 10, 40), false, false);
    }
}

#[test]
fn cancel_after_ringing_ends_both_sides_with_487() {
    let mut net = Net::new(3, 0, 0, 0);
    let mut alice = Call::outgoing(
        net.now,
        config("alice", 5060, false),
        "sip:bob@192.0.2.1:5062",
        None,
        Box::new(SeededRandom::new(1)),
    );
    let bob_cfg = config("bob", 5062, false);
    let mut bob = None;
    let mut cancelled = false;
    let events = run(
        &mut net,
        &mut alice,
        &mut bob,
        &bob_cfg,
        Duration::from_secs(60),
        |now, alice, bob, events| {
            if let Some(b) = bob.as_mut() {
                if b.state() == CallState::Incoming {
                    b.ringing();
                }
            }
            if !cancelled
                && events
                    .iter()
                    .any(|(s, e)| *s == 0 && matches!(e, CallEvent::Ringing { .. }))
            {
                alice.hangup(now);
                cancelled = true;
            }
        },
    );
    assert_eq!(
        ended(&events, 1),
        Some((Some(487), "caller cancelled".into(), true))
    );
    assert_eq!(
        ended(&events, 0),
        Some((Some(487), "cancelled".into(), false))
    );
    assert!(net.sent.iter().any(|(_, l)| l.starts_with("CANCEL")));
    assert!(
        net.sent.iter().any(|(_, l)| l.starts_with("ACK")),
        "487 is acknowledged"
    );
}

#[test]
fn answer_crossing_cancel_is_acked_then_byed() {
    let mut net = Net::new(4, 0, 0, 0);
    let mut alice = Call::outgoing(
        net.now,
        config("alice", 5060, false),
        "sip:bob@192.0.2.1:5062",
        Some(b"v=0".to_vec()),
        Box::new(SeededRandom::new(1)),
    );
    let bob_cfg = config("bob", 5062, false);
    let mut bob = None;
    let mut done = false;
    let events = run(
        &mut net,
        &mut alice,
        &mut bob,
        &bob_cfg,
        Duration::from_secs(60),
        |now, alice, bob, events| {
            let _ = events;
            if let Some(b) = bob.as_mut() {
                if b.state() == CallState::Incoming
                    && alice.state() == CallState::Proceeding
                    && !done
                {
                    // Both act at the same instant: bob answers while alice's CANCEL is on the wire.
                    b.ringing();
                    assert!(b.answer(now, b"v=0".to_vec()));
                    alice.hangup(now);
                    done = true;
                }
            }
        },
    );
    // Bob's 200 wins (CANCEL gets 481 or 200 but no 487); alice ACKs it and sends BYE.
    let lines: Vec<&String> = net
        .sent
        .iter()
        .filter(|(side, _)| *side == 0)
        .map(|(_, l)| l)
        .collect();
    assert!(lines.iter().any(|l| l.starts_with("ACK")), "{lines:?}");
    assert!(lines.iter().any(|l| l.starts_with("BYE")), "{lines:?}");
    assert_eq!(ended(&events, 1).map(|e| e.2), Some(true), "{events:?}");
    let (_, reason, by_remote) = ended(&events, 0).unwrap();
    assert_eq!((reason.as_str(), by_remote), ("cancelled", false));
    assert!(
        !events
            .iter()
            .any(|(s, e)| *s == 0 && matches!(e, CallEvent::Answered { .. })),
        "the caller never reports the call as answered"
    );
}

#[test]
fn unanswered_invite_times_out_with_408_after_64_t1() {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, false),
        "sip:nobody@192.0.2.9",
        None,
        Box::new(SeededRandom::new(1)),
    );
    let mut sends = 0;
    let mut now = t0;
    while let Some(t) = alice.poll_timeout() {
        while alice.poll_transmit().is_some() {
            sends += 1;
        }
        now = t;
        alice.on_timeout(now);
        if alice.state() == CallState::Terminated {
            break;
        }
    }
    assert_eq!((now - t0).as_secs(), 32);
    assert_eq!(sends, 7, "INVITE at 0, 0.5, 1.5, 3.5, 7.5, 15.5, 31.5 s");
    assert!(matches!(
        alice.poll_event(),
        Some(CallEvent::Ended {
            code: Some(408),
            ..
        })
    ));
}

#[test]
fn proxy_challenge_is_answered_once_and_redirects_are_followed() {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, true),
        "sip:bob@example.com",
        Some(b"v=0".to_vec()),
        Box::new(SeededRandom::new(5)),
    );
    let first = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    alice.on_message(
        t0,
        &respond(
            &first,
            407,
            "Proxy Authentication Required",
            &[(
                "Proxy-Authenticate",
                "Digest realm=\"example.com\", nonce=\"abc\", qop=\"auth\"",
            )],
        ),
    );
    let ack = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(ack.method(), Some(&Method::Ack));
    assert_eq!(
        ack.top_via().unwrap().branch(),
        first.top_via().unwrap().branch(),
        "ACK for a failure reuses the branch"
    );
    let second = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert!(second
        .value(HeaderName::ProxyAuthorization)
        .unwrap()
        .contains("username=\"alice\""));
    assert_eq!(second.cseq().unwrap().seq, first.cseq().unwrap().seq + 1);
    assert_eq!(second.call_id().unwrap(), first.call_id().unwrap());
    // A redirect: the call follows the Contact.
    alice.on_message(
        t0,
        &respond(
            &second,
            302,
            "Moved Temporarily",
            &[("Contact", "<sip:bob@mobile.example.com>")],
        ),
    );
    let _ack = alice.poll_transmit().unwrap();
    let third = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(
        third.request_uri().unwrap().to_string(),
        "sip:bob@mobile.example.com"
    );
    assert!(matches!(
        alice.poll_event(),
        Some(CallEvent::Redirected { .. })
    ));
    // The same nonce again means the password is wrong: the call ends, no loop.
    alice.on_message(
        t0,
        &respond(
            &third,
            407,
            "Proxy Authentication Required",
            &[(
                "Proxy-Authenticate",
                "Digest realm=\"example.com\", nonce=\"abc\", qop=\"auth\"",
            )],
        ),
    );
    let _ack = alice.poll_transmit();
    assert!(alice.poll_transmit().is_none());
    assert!(matches!(
        alice.poll_event(),
        Some(CallEvent::Ended {
            code: Some(407),
            ..
        })
    ));
}

#[test]
fn missing_ack_makes_the_callee_hang_up() {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, false),
        "sip:bob@192.0.2.1",
        None,
        Box::new(SeededRandom::new(1)),
    );
    let invite = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    let mut bob = Call::incoming(
        t0,
        config("bob", 5062, false),
        &invite,
        Box::new(SeededRandom::new(2)),
    )
    .unwrap();
    assert!(bob.answer(t0, b"v=0".to_vec()));
    let mut oks = 0;
    let mut now = t0;
    while bob.state() != CallState::Terminating {
        while let Some(b) = bob.poll_transmit() {
            oks += usize::from(b.starts_with(b"SIP/2.0 200"));
        }
        now = bob.poll_timeout().unwrap();
        bob.on_timeout(now);
    }
    assert_eq!((now - t0).as_secs(), 32, "gives up after 64*T1");
    assert!(oks >= 10, "200 resent until then: {oks}");
    let bye = std::iter::from_fn(|| bob.poll_transmit()).last().unwrap();
    assert!(bye.starts_with(b"BYE "));
}

#[test]
fn garbage_in_the_dialog_does_not_break_the_call() {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, true),
        "sip:bob@192.0.2.1",
        None,
        Box::new(SeededRandom::new(1)),
    );
    let invite = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    // A response without CSeq, one for another Call-ID, an unknown method in the dialog.
    let mut no_cseq = Message::response_to(&invite, 200, "OK");
    no_cseq.remove_headers(HeaderName::CSeq);
    alice.on_message(t0, &Message::parse(&no_cseq.to_bytes()).unwrap());
    let mut other = Message::response_to(&invite, 200, "OK");
    other.set_header(HeaderName::CallId, "someone-else");
    assert!(!alice.on_message(t0, &Message::parse(&other.to_bytes()).unwrap()));
    assert_eq!(alice.state(), CallState::Calling);
}
