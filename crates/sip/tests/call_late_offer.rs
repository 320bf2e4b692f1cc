//! Late offer in simulated time (RFC 3261 §13.2.1, RFC 3264 §4): an INVITE without SDP is
//! answered with our offer in the 200, the caller's answer arrives in the ACK; a lost ACK
//! makes the 200 (with the same offer) go out again; an ACK without an answer ends the call
//! with a BYE.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

mod call_support;
use call_support::*;
use softphone_sip::ua::*;
use softphone_sip::{Message, Method};
use std::time::{Duration, Instant};

const OFFER: &[u8] = b"v=0\r\no=bob 1 1 IN IP4 192.0.2.1\r\n";
const ANSWER: &[u8] = b"v=0\r\no=alice 1 1 IN IP4 192.0.2.1\r\n";

/// Alice sends an INVITE without SDP; Bob takes it and answers with his offer. Returns
/// (alice, bob, bob's 200).
fn late_offer_answered(t0: Instant) -> (Call, Call, Message) {
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, false),
        "sip:bob@192.0.2.1:5062",
        None,
        Box::new(SeededRandom::new(1)),
    );
    let invite = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert!(invite.body().is_empty(), "the INVITE carries no offer");
    let mut bob = Call::incoming(
        t0,
        config("bob", 5062, false),
        &invite,
        Box::new(SeededRandom::new(2)),
    )
    .unwrap();
    assert!(bob.is_late_offer());
    assert!(bob.remote_offer().is_none());
    bob.ringing();
    assert!(bob.answer(t0, OFFER.to_vec()));
    let ok = std::iter::from_fn(|| bob.poll_transmit()).last().unwrap();
    let ok = Message::parse(&ok).unwrap();
    assert_eq!(ok.status(), Some(200));
    assert_eq!(ok.body(), OFFER, "our offer goes in the 200");
    assert_eq!(bob.state(), CallState::Answered);
    (alice, bob, ok)
}

/// Alice's ACK for `ok`, carrying `answer` (empty: none).
fn ack_from_alice(alice: &mut Call, now: Instant, ok: &Message, answer: &[u8]) -> Message {
    alice.on_message(now, ok);
    let ack = Message::parse(&alice.poll_transmit().unwrap()).unwrap();
    assert_eq!(ack.method(), Some(&Method::Ack));
    let mut ack = ack;
    if !answer.is_empty() {
        ack.set_body(Some("application/sdp"), answer.to_vec());
    }
    Message::parse(&ack.to_bytes()).unwrap()
}

fn events(call: &mut Call) -> Vec<CallEvent> {
    std::iter::from_fn(|| call.poll_event()).collect()
}

#[test]
fn the_answer_comes_in_the_ack_after_a_lost_one() {
    let t0 = Instant::now();
    let (mut alice, mut bob, ok) = late_offer_answered(t0);

    // The first 200 (or its ACK) is lost: the 200 goes out again, with the same offer.
    let mut now = t0;
    let mut resent = None;
    while resent.is_none() {
        now = bob.poll_timeout().expect("the 200 is resent until the ACK");
        assert!(now < t0 + Duration::from_secs(32), "resent before timer H");
        bob.on_timeout(now);
        resent = bob.poll_transmit();
    }
    let resent = Message::parse(&resent.unwrap()).unwrap();
    assert_eq!(resent.status(), Some(200));
    assert_eq!(
        resent.to_bytes(),
        ok.to_bytes(),
        "the same 200, with the same offer"
    );
    assert!(events(&mut bob).is_empty(), "no answer yet");

    let ack = ack_from_alice(&mut alice, now, &resent, ANSWER);
    bob.on_message(now, &ack);
    assert_eq!(bob.state(), CallState::Confirmed);
    assert_eq!(
        events(&mut bob),
        vec![CallEvent::Answered {
            sdp: Some(ANSWER.to_vec())
        }]
    );
    // A duplicate ACK is absorbed: no second answer, nothing sent, the 200 is no longer resent.
    bob.on_message(now, &ack);
    assert!(events(&mut bob).is_empty());
    assert!(bob.poll_transmit().is_none());
    let later = now + Duration::from_secs(40);
    bob.on_timeout(later);
    assert!(bob.poll_transmit().is_none(), "no 200 after the ACK");
    assert_eq!(bob.state(), CallState::Confirmed);
}

#[test]
fn an_ack_without_an_answer_ends_the_call_with_bye() {
    let t0 = Instant::now();
    let (mut alice, mut bob, ok) = late_offer_answered(t0);
    let ack = ack_from_alice(&mut alice, t0, &ok, b"");
    bob.on_message(t0, &ack);
    assert_eq!(bob.state(), CallState::Terminating);
    assert!(events(&mut bob).is_empty(), "no Answered without an answer");
    let bye = Message::parse(&bob.poll_transmit().unwrap()).unwrap();
    assert_eq!(bye.method(), Some(&Method::Bye));

    // Alice answers the BYE; Bob's call ends with the reason.
    alice.on_message(t0, &bye);
    let bye_ok = std::iter::from_fn(|| alice.poll_transmit())
        .map(|b| Message::parse(&b).unwrap())
        .find(|m| m.status() == Some(200))
        .unwrap();
    bob.on_message(t0, &bye_ok);
    let ended = events(&mut bob);
    assert_eq!(
        ended,
        vec![CallEvent::Ended {
            code: Some(200),
            reason: "no SDP answer in the ACK".into(),
            by_remote: false
        }]
    );
    assert_eq!(bob.state(), CallState::Terminated);
}

#[test]
fn an_ack_without_sdp_is_fine_when_the_invite_had_the_offer() {
    let t0 = Instant::now();
    let mut alice = Call::outgoing(
        t0,
        config("alice", 5060, false),
        "sip:bob@192.0.2.1:5062",
        Some(ANSWER.to_vec()),
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
    assert!(!bob.is_late_offer());
    assert!(bob.answer(t0, OFFER.to_vec()));
    let ok = std::iter::from_fn(|| bob.poll_transmit()).last().unwrap();
    let ack = ack_from_alice(&mut alice, t0, &Message::parse(&ok).unwrap(), b"");
    bob.on_message(t0, &ack);
    assert_eq!(bob.state(), CallState::Confirmed);
    assert_eq!(events(&mut bob), vec![CallEvent::Answered { sdp: None }]);
}

#[test]
fn hangup_because_reports_its_reason() {
    let t0 = Instant::now();
    let (mut alice, mut bob, ok) = late_offer_answered(t0);
    let ack = ack_from_alice(&mut alice, t0, &ok, b"v=garbage");
    bob.on_message(t0, &ack);
    // The engine finds the answer unusable and ends the call with its own reason.
    assert_eq!(
        events(&mut bob),
        vec![CallEvent::Answered {
            sdp: Some(b"v=garbage".to_vec())
        }]
    );
    bob.hangup_because(t0, "unusable SDP answer in the ACK");
    let bye = Message::parse(&bob.poll_transmit().unwrap()).unwrap();
    alice.on_message(t0, &bye);
    let bye_ok = std::iter::from_fn(|| alice.poll_transmit())
        .map(|b| Message::parse(&b).unwrap())
        .find(|m| m.status() == Some(200))
        .unwrap();
    bob.on_message(t0, &bye_ok);
    match events(&mut bob).as_slice() {
        [CallEvent::Ended { reason, .. }] => assert_eq!(reason, "unusable SDP answer in the ACK"),
        other => panic!("unexpected events {other:?}"),
    }
}
