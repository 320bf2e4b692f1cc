//! SIP dialog features through the engine against sipp scenarios (`tests/bed/sipp/uas_*.xml`)
//! and baresip bob (bed tier): the far end holding us by re-INVITE, a reliable 183 answered
//! by PRACK, a 302 followed, the CANCEL/200 race, garbage responses dropped, a session timer
//! refreshed by UPDATE, DTMF by INFO both ways, our own hold and resume with bob, and a late
//! offer from sipp calling us through Kamailio (`uac_late_offer*.xml`: answer in the ACK, and an
//! unusable one ending the call with BYE).
//!
//! The sipp tests need only sipp on 127.0.0.1 (the engine dials sipp directly from an account
//! that does not register); the bob and late-offer tests need the whole bed.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

mod support;

use softphone_engine::*;
use std::path::PathBuf;
use std::process::{Child, Command as Proc, Stdio};
use std::time::Duration;
use support::bed;
use tokio::sync::broadcast;

type Events = broadcast::Receiver<EventEnvelope>;

async fn until<T>(events: &mut Events, secs: u64, mut f: impl FnMut(&Event) -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
    loop {
        let env = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("event in time")
            .unwrap();
        if let Some(t) = f(&env.event) {
            return t;
        }
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sip-scenarios-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

/// A 48 kHz mono 16-bit WAV of `secs` seconds of `hz` (our "microphone").
fn tone_wav(hz: f32, secs: u32) -> PathBuf {
    let path = scratch(&format!("tone-{hz}.wav"));
    let n = 48_000 * secs;
    let mut b = Vec::with_capacity(44 + 2 * n as usize);
    b.extend_from_slice(b"RIFF");
    b.extend_from_slice(&(36 + 2 * n).to_le_bytes());
    b.extend_from_slice(b"WAVEfmt ");
    b.extend_from_slice(&16u32.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&1u16.to_le_bytes());
    b.extend_from_slice(&48_000u32.to_le_bytes());
    b.extend_from_slice(&96_000u32.to_le_bytes());
    b.extend_from_slice(&2u16.to_le_bytes());
    b.extend_from_slice(&16u16.to_le_bytes());
    b.extend_from_slice(b"data");
    b.extend_from_slice(&(2 * n).to_le_bytes());
    for i in 0..n {
        let v = (2.0 * std::f32::consts::PI * hz * i as f32 / 48_000.0).sin() * 0.4;
        b.extend_from_slice(&((v * 32767.0) as i16).to_le_bytes());
    }
    std::fs::write(&path, b).unwrap();
    path
}

/// An engine whose calls play a tone and record to `wav_out` (no audio devices).
fn engine(wav_out: &str) -> (Engine, Events) {
    let engine = Engine::start(EngineConfig {
        poll_devices: false,
        wav_in: Some(tone_wav(1000.0, 30)),
        wav_out: Some(scratch(wav_out)),
        ..EngineConfig::default()
    });
    let events = engine.subscribe();
    (engine, events)
}

fn sipp_dir() -> PathBuf {
    std::env::var("BED_SIPP_DIR")
        .map(PathBuf::from)
        .ok()
        .filter(|p| p.is_absolute())
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/bed/sipp"))
        })
}

/// Starts sipp as a UAS for one call of `scenario` on 127.0.0.1:`port`.
fn sipp(scenario: &str, port: u16) -> Child {
    let log = scratch(&format!("{scenario}.errors.log"));
    Proc::new("sipp")
        .arg("-sf")
        .arg(sipp_dir().join(scenario))
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-mp",
            &(port + 1000).to_string(),
        ])
        .args([
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            "90s",
            "-timeout_error",
            "-trace_err",
        ])
        .arg("-error_file")
        .arg(log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp runs")
}

/// Waits for sipp to finish its call; panics with its error log unless it passed.
async fn sipp_passed(mut child: Child, scenario: &str, secs: u64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(secs);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("sipp {scenario} did not finish in {secs} s");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let errors =
        std::fs::read_to_string(scratch(&format!("{scenario}.errors.log"))).unwrap_or_default();
    assert!(
        status.success(),
        "sipp {scenario} failed ({status}): {errors}"
    );
}

/// An account that does not register and sends everything to sipp at `port`.
async fn direct_account(engine: &Engine, events: &mut Events, port: u16) {
    let mut account = AccountConfig::new("direct", "sip:softphone@127.0.0.1");
    account.transport = Transport::Udp;
    account.server = Some(format!("127.0.0.1:{port}"));
    account.register = false;
    start_account(engine, events, account, None, AccountState::Ready, 10).await;
}

/// Sets and starts `account`, then waits up to `secs` for state `want` (a failure panics).
async fn start_account(
    engine: &Engine,
    events: &mut Events,
    account: AccountConfig,
    credential: Option<Credential>,
    want: AccountState,
    secs: u64,
) {
    let account_id = account.id.clone();
    engine
        .execute(Command::SetAccount {
            account: Box::new(account),
            credential,
        })
        .await
        .unwrap();
    engine
        .execute(Command::StartAccount { account_id })
        .await
        .unwrap();
    until(events, secs, |e| match e {
        Event::AccountStateChanged { state, .. } if *state == want => Some(()),
        Event::AccountStateChanged {
            state: AccountState::Failed,
            reason,
            ..
        } => panic!("{reason:?}"),
        _ => None,
    })
    .await;
}

async fn dial(engine: &Engine, target: &str) -> CallId {
    let out = engine
        .execute(Command::Dial {
            account_id: None,
            target: target.into(),
            anonymous: false,
            headers: vec![],
        })
        .await
        .unwrap();
    let CommandOutcome::CallStarted { call_id } = out else {
        panic!("{out:?}")
    };
    call_id
}

async fn state(events: &mut Events, secs: u64, want: CallState) {
    until(events, secs, |e| match e {
        Event::CallStateChanged { state, .. } if *state == want => Some(()),
        Event::CallStateChanged {
            state: CallState::Ended,
            reason,
            ..
        } => panic!("call ended while waiting for {want:?}: {reason:?}"),
        _ => None,
    })
    .await;
}

async fn ended(events: &mut Events, secs: u64) -> Option<Reason> {
    until(events, secs, |e| match e {
        Event::CallStateChanged {
            state: CallState::Ended,
            reason,
            ..
        } => Some(reason.clone()),
        _ => None,
    })
    .await
}

/// Dials sipp running `scenario`, waits for the call to be active, lets `middle` run, hangs
/// up and checks that both sides are satisfied.
async fn active_call_with_sipp<F, Fut>(scenario: &str, port: u16, middle: F)
where
    F: FnOnce(Engine, CallId, Events) -> Fut,
    Fut: std::future::Future<Output = (Engine, Events)>,
{
    let child = sipp(scenario, port);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (engine, mut events) = engine(&format!("{scenario}.wav"));
    direct_account(&engine, &mut events, port).await;
    let call_id = dial(&engine, &format!("sip:service@127.0.0.1:{port}")).await;
    state(&mut events, 15, CallState::Active).await;
    let (engine, mut events) = middle(engine, call_id.clone(), events).await;
    engine.execute(Command::Hangup { call_id }).await.unwrap();
    let reason = ended(&mut events, 10).await;
    assert_eq!(reason.and_then(|r| r.code), Some(200), "BYE answered");
    sipp_passed(child, scenario, 20).await;
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs sipp (test bed)"]
async fn far_end_hold_and_resume_by_reinvite_are_reported() {
    active_call_with_sipp(
        "uas_reinvite.xml",
        5391,
        |engine, call_id, mut events| async move {
            // sipp re-INVITEs with a=sendonly: we answer recvonly (sipp checks) and report it.
            until(&mut events, 10, |e| match e {
                Event::CallFlagsChanged {
                    call_id: c,
                    remote_hold: true,
                    local_hold: false,
                    ..
                } if *c == call_id => Some(()),
                _ => None,
            })
            .await;
            state(&mut events, 5, CallState::Held).await;
            // Then a=sendrecv: off hold.
            until(&mut events, 10, |e| match e {
                Event::CallFlagsChanged {
                    remote_hold: false, ..
                } => Some(()),
                _ => None,
            })
            .await;
            state(&mut events, 5, CallState::Active).await;
            (engine, events)
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs sipp (test bed)"]
async fn reliable_183_is_pracked_and_its_sdp_answers_the_call() {
    active_call_with_sipp(
        "uas_100rel.xml",
        5392,
        |engine, _call, mut events| async move {
            tokio::time::sleep(Duration::from_millis(500)).await;
            // Still up: the answer in the 183 started the media (no "unusable SDP answer").
            assert!(events.try_recv().map_or(true, |e| !matches!(
                e.event,
                Event::CallStateChanged {
                    state: CallState::Ended,
                    ..
                }
            )));
            (engine, events)
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs sipp (test bed)"]
async fn redirect_is_followed_to_the_best_contact() {
    active_call_with_sipp("uas_302.xml", 5393, |engine, _call, events| async move {
        (engine, events)
    })
    .await;
}

#[tokio::test]
#[ignore = "needs sipp (test bed)"]
async fn answer_crossing_our_cancel_is_acked_and_byed() {
    let port = 5394;
    let child = sipp("uas_cancel_race.xml", port);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (engine, mut events) = engine("cancel.wav");
    direct_account(&engine, &mut events, port).await;
    let call_id = dial(&engine, &format!("sip:service@127.0.0.1:{port}")).await;
    state(&mut events, 10, CallState::Ringing).await;
    engine.execute(Command::Hangup { call_id }).await.unwrap();
    let reason = ended(&mut events, 10).await.unwrap();
    assert_eq!(reason.text, "cancelled", "{reason:?}");
    sipp_passed(child, "uas_cancel_race.xml", 20).await;
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs sipp (test bed)"]
async fn garbage_responses_are_dropped_and_the_call_goes_on() {
    active_call_with_sipp(
        "uas_malformed.xml",
        5395,
        |engine, _call, events| async move { (engine, events) },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs sipp (test bed)"]
async fn dtmf_by_info_both_ways_without_telephone_event() {
    active_call_with_sipp(
        "uas_info.xml",
        5397,
        |engine, call_id, mut events| async move {
            // sipp's INFO (Signal=7) is reported as a received digit.
            until(&mut events, 10, |e| match e {
                Event::DtmfReceived { call_id: c, digit } if *c == call_id && digit == "7" => {
                    Some(())
                }
                _ => None,
            })
            .await;
            // sipp negotiated no telephone-event: our digit goes out as INFO (sipp checks it).
            engine
                .execute(Command::SendDtmf {
                    call_id,
                    digits: "4".into(),
                })
                .await
                .unwrap();
            tokio::time::sleep(Duration::from_secs(1)).await;
            (engine, events)
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs sipp (test bed); waits 47 s for the session refresh"]
async fn session_timer_is_refreshed_by_update() {
    active_call_with_sipp(
        "uas_session_timer.xml",
        5396,
        |engine, _call, mut events| async move {
            // sipp grants 90 s with us as refresher: the UPDATE is due after 45 s.
            let quiet = tokio::time::timeout(Duration::from_secs(47), async {
                loop {
                    if let Ok(EventEnvelope {
                        event:
                            Event::CallStateChanged {
                                state: CallState::Ended,
                                reason,
                                ..
                            },
                        ..
                    }) = events.recv().await
                    {
                        return reason;
                    }
                }
            })
            .await;
            assert!(quiet.is_err(), "the call ended early: {quiet:?}");
            (engine, events)
        },
    )
    .await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, baresip)"]
async fn hold_and_resume_with_bob() {
    let wav_out = "bob-hold.wav";
    let (engine, mut events) = engine(wav_out);
    register_with_kamailio(&engine, &mut events, &bed("BED_USER3")).await;
    let call_id = dial(&engine, &bed("BED_BOB_URI")).await;
    state(&mut events, 15, CallState::Active).await;
    tokio::time::sleep(Duration::from_secs(1)).await;

    // baresip 1.0 reports no event for a re-INVITE; its log line shows it got each offer.
    // A registrar-restart test may have restarted bob, who then logs to baresip.restart.log.
    let bob_dir = std::path::Path::new(&bed("BED_RUN")).join("bs-bob");
    let reinvites = || {
        ["baresip.log", "baresip.restart.log"]
            .iter()
            .map(|f| {
                std::fs::read_to_string(bob_dir.join(f))
                    .unwrap_or_default()
                    .matches("got re-INVITE")
                    .count()
            })
            .sum::<usize>()
    };
    let before = reinvites();
    engine
        .execute(Command::Hold {
            call_id: call_id.clone(),
        })
        .await
        .unwrap();
    until(&mut events, 10, |e| match e {
        Event::CallFlagsChanged {
            local_hold: true, ..
        } => Some(()),
        _ => None,
    })
    .await;
    state(&mut events, 5, CallState::Held).await;
    let seen = |n: usize| async move {
        for _ in 0..50 {
            if reinvites() >= before + n {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        reinvites() - before
    };
    assert_eq!(seen(1).await, 1, "bob got our hold offer");
    tokio::time::sleep(Duration::from_secs(1)).await;
    engine
        .execute(Command::Resume {
            call_id: call_id.clone(),
        })
        .await
        .unwrap();
    until(&mut events, 10, |e| match e {
        Event::CallFlagsChanged {
            local_hold: false, ..
        } => Some(()),
        _ => None,
    })
    .await;
    state(&mut events, 5, CallState::Active).await;
    assert_eq!(seen(2).await, 2, "bob got our resume offer");
    // Audio flows again: bob's tone is in the last seconds of what we recorded.
    tokio::time::sleep(Duration::from_secs(3)).await;
    engine.execute(Command::Hangup { call_id }).await.unwrap();
    let reason = ended(&mut events, 10).await;
    assert_eq!(reason.and_then(|r| r.code), Some(200), "BYE answered");
    engine.shutdown().await;
    let recorded = softphone_audio::wav::WavSource::open(scratch(wav_out), false).unwrap();
    let samples: Vec<i16> = recorded
        .samples()
        .iter()
        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16)
        .collect();
    let tail = &samples[samples.len().saturating_sub(48_000 * 2)..];
    let (freq, level) = support::dominant(tail);
    let want: f32 = bed("BED_BOB_TONE_HZ").parse().unwrap();
    assert!(
        (freq - want).abs() <= 15.0 && level > -45.0,
        "after resume we hear {freq} Hz at {level:.1} dBFS"
    );
}

/// A bed user's password from `BED_USERS` (`name:password …`).
fn bed_password(user: &str) -> String {
    bed("BED_USERS")
        .split_whitespace()
        .find_map(|u| u.strip_prefix(&format!("{user}:")).map(str::to_string))
        .unwrap_or_else(|| panic!("{user} is not a bed user"))
}

/// Registers the engine as bed user `user` over UDP with Kamailio.
async fn register_with_kamailio(engine: &Engine, events: &mut Events, user: &str) {
    let mut account = AccountConfig::new("bed", format!("sip:{user}@{}", bed("BED_DOMAIN")));
    account.transport = Transport::Udp;
    account.server = Some(bed("BED_SIP_UDP"));
    let credential = Credential::Password(Secret::new(bed_password(user)));
    start_account(
        engine,
        events,
        account,
        Some(credential),
        AccountState::Registered,
        15,
    )
    .await;
}

/// Starts sipp as user 1000 calling `callee` through Kamailio with `scenario` (one call),
/// from 127.0.0.1:`port`, media on `port + 1000`.
fn sipp_caller(scenario: &str, port: u16, callee: &str, extra: &[&str]) -> Child {
    let log = scratch(&format!("{scenario}.errors.log"));
    Proc::new("sipp")
        .arg("-sf")
        .arg(sipp_dir().join(scenario))
        .arg(bed("BED_SIP_UDP"))
        .args(["-i", "127.0.0.1", "-p", &port.to_string()])
        .args(["-mp", &(port + 1000).to_string()])
        .args(["-au", "1000", "-ap", &bed_password("1000"), "-s", callee])
        .args(["-set", "caller", "1000", "-m", "1"])
        .args(extra)
        .args([
            "-nostdin",
            "-timeout",
            "60s",
            "-timeout_error",
            "-trace_err",
        ])
        .arg("-error_file")
        .arg(log)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp runs")
}

/// Waits for the incoming call and answers it.
async fn answer_incoming(engine: &Engine, events: &mut Events) -> CallId {
    let call_id = until(events, 15, |e| match e {
        Event::IncomingCall { call_id, .. } => Some(call_id.clone()),
        _ => None,
    })
    .await;
    engine
        .execute(Command::Answer {
            call_id: call_id.clone(),
        })
        .await
        .unwrap();
    call_id
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, sipp)"]
async fn late_offer_from_sipp_is_answered_in_the_ack_and_media_flows() {
    // sipp (user 1000) calls our registered account (1004) through Kamailio with an INVITE
    // without SDP; our 200 carries the offer, sipp's ACK the answer; sipp echoes our RTP.
    let wav_out = "late-offer.wav";
    let (engine, mut events) = engine(wav_out);
    register_with_kamailio(&engine, &mut events, "1004").await;
    let scenario = "uac_late_offer.xml";
    let child = sipp_caller(scenario, 5398, "1004", &["-d", "4000", "-rtp_echo"]);
    answer_incoming(&engine, &mut events).await;
    state(&mut events, 10, CallState::Active).await;
    // sipp hangs up after 4 s of call.
    let reason = ended(&mut events, 20).await.unwrap();
    assert_eq!(reason.text, "remote hung up", "{reason:?}");
    sipp_passed(child, scenario, 20).await;
    engine.shutdown().await;

    // Media ran on the answer from the ACK: our 1000 Hz tone came back through sipp's echo.
    let recorded = softphone_audio::wav::WavSource::open(scratch(wav_out), false).unwrap();
    let samples: Vec<i16> = recorded
        .samples()
        .iter()
        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16)
        .collect();
    let (freq, level) = support::dominant(&samples);
    assert!(
        (freq - 1000.0).abs() <= 15.0 && level > -45.0,
        "we hear {freq} Hz at {level:.1} dBFS"
    );
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, sipp)"]
async fn late_offer_with_an_unusable_answer_in_the_ack_ends_with_bye() {
    // sipp's ACK answers with G.729, which we never offered: BYE with a clear reason, and
    // the call never counts as active.
    let (engine, mut events) = engine("late-offer-bad.wav");
    register_with_kamailio(&engine, &mut events, "1004").await;
    let scenario = "uac_late_offer_bad_answer.xml";
    let child = sipp_caller(scenario, 5399, "1004", &[]);
    let call_id = answer_incoming(&engine, &mut events).await;
    let reason = until(&mut events, 20, |e| match e {
        Event::CallStateChanged {
            call_id: c,
            state: CallState::Active,
            ..
        } if *c == call_id => panic!("active without a usable answer"),
        Event::CallStateChanged {
            call_id: c,
            state: CallState::Ended,
            reason,
            ..
        } if *c == call_id => Some(reason.clone()),
        _ => None,
    })
    .await
    .unwrap();
    assert_eq!(
        (reason.text.as_str(), reason.code),
        ("unusable SDP answer in the ACK", Some(200)),
        "{reason:?}"
    );
    sipp_passed(child, scenario, 20).await;
    engine.shutdown().await;
}
