//! Registration scenarios in simulated time against an in-memory registrar that checks the
//! digest answers for real.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use softphone_sip::digest::{self, Challenge, Credentials, DigestInput};
use softphone_sip::ua::*;
use softphone_sip::{HeaderName, Message};
use std::time::{Duration, Instant};

const PASSWORD: &str = "alicepw";

fn config(secret: Option<AuthSecret>, reliable: bool) -> RegistrationConfig {
    RegistrationConfig {
        aor: "sip:alice@example.com".into(),
        registrar: "sip:example.com".into(),
        display_name: Some("Alice".into()),
        auth_user: None,
        realm: None,
        secret,
        expires: 600,
        contact: "sip:alice@192.0.2.10:5062;transport=udp".into(),
        instance_id: Some("urn:uuid:00000000-0000-4000-8000-000000000001".into()),
        via_transport: "UDP".into(),
        via_sent_by: "192.0.2.10:5062".into(),
        reliable,
        route: None,
        user_agent: "softphone-test".into(),
        custom_headers: vec![("X-Tenant".into(), "blue".into())],
        timers: TimerConfig::default(),
    }
}

fn reg(secret: Option<AuthSecret>) -> Registration {
    Registration::new(config(secret, false), Box::new(SeededRandom::new(42)))
}

fn sent(r: &mut Registration) -> Vec<Message> {
    std::iter::from_fn(|| r.poll_transmit())
        .map(|b| Message::parse(&b).expect("we send parsable messages"))
        .collect()
}

fn events(r: &mut Registration) -> Vec<RegistrationEvent> {
    std::iter::from_fn(|| r.poll_event()).collect()
}

fn challenge_header(nonce: &str, stale: bool) -> String {
    format!(
        "Digest realm=\"example.com\", nonce=\"{nonce}\", qop=\"auth\", algorithm=MD5{}",
        if stale { ", stale=true" } else { "" }
    )
}

fn reply(req: &Message, code: u16, reason: &str, extra: &[(&str, String)]) -> Message {
    let mut r = Message::response_to(req, code, reason);
    for (n, v) in extra {
        r.push_header_named(n, v).unwrap();
    }
    Message::parse(&r.to_bytes()).unwrap()
}

/// What a registrar does with the Authorization header: recompute the digest.
fn digest_is_right(req: &Message, nonce: &str) -> bool {
    let Some(value) = req.value(HeaderName::Authorization) else {
        return false;
    };
    let creds = Credentials::parse(value).unwrap();
    let challenge = Challenge::parse(&challenge_header(nonce, false)).unwrap();
    let nc = u32::from_str_radix(creds.param("nc").unwrap(), 16).unwrap();
    let expected = digest::respond(
        &challenge,
        &DigestInput {
            username: creds.username().unwrap(),
            secret: digest::Secret::Password(PASSWORD),
            method: "REGISTER",
            uri: creds.param("uri").unwrap(),
            body: b"",
            cnonce: creds.param("cnonce").unwrap(),
            nc,
        },
    )
    .unwrap();
    creds.username() == Some("alice") && creds.response() == expected.response()
}

#[test]
fn challenge_answered_then_registered_then_refreshed_in_time() {
    let t0 = Instant::now();
    let mut r = reg(Some(AuthSecret::Password(PASSWORD.into())));
    r.register(t0);
    let first = sent(&mut r).remove(0);
    assert_eq!(first.value(HeaderName::Expires), Some("600"));
    assert!(first.value(HeaderName::Authorization).is_none());
    assert_eq!(first.values_named("X-Tenant").next(), Some("blue"));
    let www = challenge_header("n1", false);
    assert!(r.on_response(
        t0,
        &reply(&first, 401, "Unauthorized", &[("WWW-Authenticate", www)])
    ));
    let second = sent(&mut r).remove(0);
    assert!(digest_is_right(&second, "n1"));
    assert_eq!(
        second.call_id().unwrap(),
        first.call_id().unwrap(),
        "same Call-ID"
    );
    assert_eq!(second.cseq().unwrap().seq, first.cseq().unwrap().seq + 1);
    let contact = "<sip:alice@192.0.2.10:5062;transport=udp>;expires=300".to_string();
    assert!(r.on_response(t0, &reply(&second, 200, "OK", &[("Contact", contact)])));
    assert_eq!(r.state(), RegistrationState::Registered);
    assert!(events(&mut r).contains(&RegistrationEvent::Registered { expires: 300 }));
    // The password is gone once HA1 is known.
    assert!(format!("{r:?}").contains("Registered"));

    // The UDP transaction lingers for timer K (T4) to absorb retransmitted responses.
    assert_eq!(r.poll_timeout().unwrap() - t0, Duration::from_secs(5));
    r.on_timeout(t0 + Duration::from_secs(5));
    // Refresh 32 s before expiry, with the same Call-ID and the next CSeq, answered with HA1.
    let due = r.poll_timeout().unwrap();
    assert_eq!(due - t0, Duration::from_secs(268));
    r.on_timeout(due);
    assert_eq!(
        events(&mut r),
        vec![RegistrationEvent::Expiring { seconds_left: 32 }]
    );
    let refresh = sent(&mut r).remove(0);
    assert_eq!(refresh.call_id().unwrap(), first.call_id().unwrap());
    assert_eq!(refresh.cseq().unwrap().seq, 3);
    assert!(
        digest_is_right(&refresh, "n1"),
        "HA1 reproduces the password's digest"
    );
    let nc = Credentials::parse(refresh.value(HeaderName::Authorization).unwrap()).unwrap();
    assert_eq!(nc.param("nc"), Some("00000002"), "nonce count grows");
}

#[test]
fn wrong_password_fails_once_and_does_not_loop() {
    let t0 = Instant::now();
    let mut r = reg(Some(AuthSecret::Password("wrong".into())));
    r.register(t0);
    let first = sent(&mut r).remove(0);
    let www = challenge_header("n1", false);
    r.on_response(
        t0,
        &reply(
            &first,
            401,
            "Unauthorized",
            &[("WWW-Authenticate", www.clone())],
        ),
    );
    let second = sent(&mut r).remove(0);
    assert!(!digest_is_right(&second, "n1"));
    r.on_response(
        t0,
        &reply(&second, 401, "Unauthorized", &[("WWW-Authenticate", www)]),
    );
    assert!(sent(&mut r).is_empty(), "no third attempt");
    assert_eq!(r.state(), RegistrationState::Failed);
    let last = events(&mut r).pop().unwrap();
    assert_eq!(
        last,
        RegistrationEvent::Failed {
            code: Some(401),
            reason: "wrong user name or password".into(),
            retry: false
        }
    );
}

#[test]
fn stale_nonce_is_answered_again() {
    let t0 = Instant::now();
    let mut r = reg(Some(AuthSecret::Password(PASSWORD.into())));
    r.register(t0);
    let first = sent(&mut r).remove(0);
    r.on_response(
        t0,
        &reply(
            &first,
            401,
            "Unauthorized",
            &[("WWW-Authenticate", challenge_header("n1", false))],
        ),
    );
    let second = sent(&mut r).remove(0);
    r.on_response(
        t0,
        &reply(
            &second,
            401,
            "Unauthorized",
            &[("WWW-Authenticate", challenge_header("n2", true))],
        ),
    );
    let third = sent(&mut r).remove(0);
    assert!(digest_is_right(&third, "n2"));
    assert_ne!(r.state(), RegistrationState::Failed);
}

#[test]
fn silence_over_udp_retransmits_then_times_out_with_408() {
    let t0 = Instant::now();
    let mut r = reg(None);
    r.register(t0);
    let mut transmissions = sent(&mut r).len();
    while let Some(t) = r.poll_timeout() {
        r.on_timeout(t);
        transmissions += sent(&mut r).len();
        if r.state() == RegistrationState::Failed {
            assert_eq!((t - t0).as_secs(), 32);
            break;
        }
    }
    assert_eq!(transmissions, 11);
    assert!(matches!(
        events(&mut r).pop(),
        Some(RegistrationEvent::Failed {
            code: Some(408),
            retry: true,
            ..
        })
    ));
    assert_eq!(r.poll_timeout(), None, "nothing left scheduled");
}

#[test]
fn interval_too_brief_retries_with_min_expires() {
    let t0 = Instant::now();
    let mut r = reg(None);
    r.register(t0);
    let first = sent(&mut r).remove(0);
    r.on_response(
        t0,
        &reply(
            &first,
            423,
            "Interval Too Brief",
            &[("Min-Expires", "1800".into())],
        ),
    );
    let second = sent(&mut r).remove(0);
    assert_eq!(second.value(HeaderName::Expires), Some("1800"));
    r.on_response(
        t0,
        &reply(&second, 200, "OK", &[("Expires", "1800".into())]),
    );
    assert!(events(&mut r).contains(&RegistrationEvent::Registered { expires: 1800 }));
}

#[test]
fn unregister_all_uses_a_star_contact() {
    let t0 = Instant::now();
    let mut r = reg(None);
    r.register(t0);
    let first = sent(&mut r).remove(0);
    r.on_response(t0, &reply(&first, 200, "OK", &[]));
    r.unregister(t0, true);
    let bye = sent(&mut r).remove(0);
    assert_eq!(bye.value(HeaderName::Contact), Some("*"));
    assert_eq!(bye.value(HeaderName::Expires), Some("0"));
    r.on_response(t0, &reply(&bye, 200, "OK", &[]));
    assert_eq!(r.state(), RegistrationState::Unregistered);
    r.on_timeout(t0 + Duration::from_secs(5)); // timer K
    assert_eq!(r.poll_timeout(), None, "no refresh after unregistering");
}

#[test]
fn foreign_and_malformed_responses_are_ignored() {
    let t0 = Instant::now();
    let mut r = reg(None);
    r.register(t0);
    let first = sent(&mut r).remove(0);
    let mut other = Message::response_to(&first, 200, "OK");
    other.remove_headers(HeaderName::Via);
    other.push_header(
        HeaderName::Via,
        "SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bKother",
    );
    let other = Message::parse(&other.to_bytes()).unwrap();
    assert!(!r.on_response(t0, &other));
    assert_eq!(r.state(), RegistrationState::Registering);
}

#[test]
fn refusals_say_whether_to_retry() {
    for (code, retry) in [(403, false), (404, false), (503, true), (500, true)] {
        let t0 = Instant::now();
        let mut r = reg(None);
        r.register(t0);
        let first = sent(&mut r).remove(0);
        r.on_response(t0, &reply(&first, code, "No", &[]));
        assert!(matches!(
            events(&mut r).pop(),
            Some(RegistrationEvent::Failed { code: Some(c), retry: rt, .. }) if c == code && rt == retry
        ));
    }
}
