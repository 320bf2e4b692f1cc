//! SIP calls with audio through the engine against the bed's baresip far ends, both
//! directions, audio measured for real (bed tier).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

mod support;

use softphone_engine::*;
use std::process::{Command as Proc, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{bed, hear_something, play_into_mic, until};
use tokio::sync::broadcast;

async fn registered_engine(user: &str, pass: &str) -> (Engine, broadcast::Receiver<EventEnvelope>) {
    registered_engine_with(user, pass, |_| {}).await
}

/// An engine with one registered UDP account, after `tweak` set its options.
async fn registered_engine_with(
    user: &str,
    pass: &str,
    tweak: impl FnOnce(&mut AccountConfig),
) -> (Engine, broadcast::Receiver<EventEnvelope>) {
    let engine = Engine::start(EngineConfig::default());
    let mut events = engine.subscribe();
    let mut account = AccountConfig::new("bed", format!("sip:{user}@{}", bed("BED_DOMAIN")));
    account.transport = Transport::Udp;
    account.server = Some(bed("BED_SIP_UDP"));
    tweak(&mut account);
    engine
        .execute(Command::SetAccount {
            account: Box::new(account),
            credential: Some(Credential::Password(Secret::new(pass))),
        })
        .await
        .unwrap();
    engine
        .execute(Command::StartAccount {
            account_id: AccountId("bed".into()),
        })
        .await
        .unwrap();
    until(&mut events, 15, |e| match e {
        Event::AccountStateChanged {
            state: AccountState::Registered,
            ..
        } => Some(()),
        Event::AccountStateChanged {
            state: AccountState::Failed,
            reason,
            ..
        } => panic!("{reason:?}"),
        _ => None,
    })
    .await;
    (engine, events)
}

/// Calls bob and waits until the call is active.
async fn dial_bob(engine: &Engine, events: &mut broadcast::Receiver<EventEnvelope>) -> CallId {
    dial(engine, events, "BOB").await
}

/// Calls a bed peer (`BOB`, `CAROL`, `DAVE`…) and waits until the call is active.
async fn dial(
    engine: &Engine,
    events: &mut broadcast::Receiver<EventEnvelope>,
    peer: &str,
) -> CallId {
    let out = engine
        .execute(Command::Dial {
            account_id: None,
            target: bed(&format!("BED_{peer}_URI")),
            anonymous: false,
            headers: vec![],
        })
        .await
        .unwrap();
    let CommandOutcome::CallStarted { call_id } = out else {
        panic!("{out:?}")
    };
    until(events, 15, |e| match e {
        Event::CallStateChanged {
            state: CallState::Active,
            ..
        } => Some(()),
        Event::CallStateChanged {
            state: CallState::Ended,
            reason,
            ..
        } => panic!("call ended: {reason:?}"),
        _ => None,
    })
    .await;
    call_id
}

/// The newest decoded dump of a bed peer (what it heard of the last call).
fn newest_dump(peer: &str) -> std::path::PathBuf {
    let dir = bed(&format!("BED_{peer}_WAV_DIR"));
    std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-dec.wav"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("the peer dumped the call")
}

/// Everything the engine published, collected in the background.
fn collect_events(engine: &Engine) -> Arc<Mutex<Vec<Event>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let mut rx = engine.subscribe();
    let sink = seen.clone();
    tokio::spawn(async move {
        while let Ok(env) = rx.recv().await {
            sink.lock().unwrap().push(env.event);
        }
    });
    seen
}

/// Calls `peer` with the account set up by `tweak`, plays `our_hz` into our microphone, and
/// checks both directions: we hear the peer's tone, the peer's dump holds ours. Returns what
/// the engine published during the call (statistics, levels…).
async fn call_both_ways(
    peer: &str,
    our_hz: u32,
    media_secs: u64,
    tweak: impl FnOnce(&mut AccountConfig),
) -> Vec<Event> {
    let (engine, mut events) =
        registered_engine_with(&bed("BED_USER"), &bed("BED_PASS"), tweak).await;
    let seen = collect_events(&engine);
    let mut tone = play_into_mic(our_hz, 12 + media_secs as u32);
    let call_id = dial(&engine, &mut events, peer).await;
    let (freq, level) = tokio::task::spawn_blocking(hear_something).await.unwrap();
    let their_hz: f32 = bed(&format!("BED_{peer}_TONE_HZ")).parse().unwrap();
    assert!(
        (freq - their_hz).abs() <= their_hz * 0.015,
        "we hear {freq} Hz at {level:.1} dBFS from {peer} ({their_hz} Hz)"
    );
    assert!(level > -40.0, "level {level:.1} dBFS");
    // Long enough for statistics and RTCP reports to come and go.
    tokio::time::sleep(Duration::from_secs(media_secs)).await;
    engine.execute(Command::Hangup { call_id }).await.unwrap();
    let reason = until(&mut events, 10, |e| match e {
        Event::CallStateChanged {
            state: CallState::Ended,
            reason,
            ..
        } => Some(reason.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reason.and_then(|r| r.code), Some(200), "BYE answered");
    let _ = tone.kill();
    let _ = tone.wait();
    // What the peer heard: its decoded dump of this call.
    tokio::time::sleep(Duration::from_millis(500)).await;
    // baresip may still be finishing the file: look again for a few seconds.
    let mut check = None;
    for _ in 0..10 {
        let out = Proc::new("python3")
            .arg(bed("BED_TONE"))
            .arg(newest_dump(peer))
            .args([
                "--expect",
                &our_hz.to_string(),
                "--tol",
                "0.03",
                "--skip",
                "1.0",
            ])
            .output()
            .unwrap();
        let done = out.status.success();
        check = Some(out);
        if done {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let check = check.unwrap();
    assert!(
        check.status.success(),
        "{peer} did not hear {our_hz} Hz: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    engine.shutdown().await;
    let seen = seen.lock().unwrap().clone();
    seen
}

/// The call statistics published during a call: (live updates, final summary).
fn stats_of(events: &[Event]) -> (Vec<CallStats>, Option<CallStats>) {
    let all: Vec<CallStats> = events
        .iter()
        .filter_map(|e| match e {
            Event::CallStatsUpdated { stats, .. } => Some(stats.clone()),
            _ => None,
        })
        .collect();
    let summary = all.iter().find(|s| s.summary).cloned();
    (all.into_iter().filter(|s| !s.summary).collect(), summary)
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, baresip, PulseAudio)"]
async fn call_bob_and_hear_his_tone_while_he_hears_ours() {
    // PCMU only: the G.711 path.
    let events = call_both_ways("BOB", 1000, 3, |a| a.codecs = vec!["pcmu".into()]).await;
    let (live, summary) = stats_of(&events);
    assert!(live.iter().all(|s| s.codec == "PCMU"), "{live:?}");
    let summary = summary.expect("a final summary");
    assert!(summary.packets_received > 100, "{summary:?}");
    assert!(!summary.encrypted);
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, baresip, PulseAudio)"]
async fn opus_call_to_bob_carries_tones_both_ways_with_stats_and_levels() {
    let events = call_both_ways("BOB", 900, 7, |_| {}).await;
    let (live, summary) = stats_of(&events);
    assert!(live.len() >= 3, "stats once a second: {live:?}");
    assert!(
        live.iter().all(|s| s.codec == "opus"),
        "bob answered opus: {live:?}"
    );
    let last = live.last().unwrap();
    // A sane E-model figure; the exact value depends on the delay a loaded machine adds.
    assert!(last.mos > 2.5 && last.mos <= 4.5, "{last:?}");
    assert!(last.jitter_ms < 40.0 && last.loss < 0.05, "{last:?}");
    assert!(last.buffer_ms > 0.0, "{last:?}");
    let summary = summary.expect("a final summary");
    assert!(
        summary.packets_sent > 100 && summary.packets_received > 100,
        "{summary:?}"
    );
    // RTCP: baresip sends reports; the round trip on loopback is small.
    let rtt = events.iter().rev().find_map(|e| match e {
        Event::CallStatsUpdated { stats, .. } => stats.rtt_ms,
        _ => None,
    });
    assert!(rtt.is_some_and(|r| r < 200.0), "RTT from RTCP: {rtt:?}");
    // Levels about ten times a second: our tone going out, bob's coming in.
    let levels: Vec<(f32, f32)> = events
        .iter()
        .filter_map(|e| match e {
            Event::AudioLevels {
                input_dbfs,
                output_dbfs,
                ..
            } => Some((*input_dbfs, *output_dbfs)),
            _ => None,
        })
        .collect();
    assert!(levels.len() >= 30, "{} level events", levels.len());
    assert!(
        levels.iter().any(|(i, _)| *i > -20.0),
        "input level: {levels:?}"
    );
    assert!(
        levels.iter().any(|(_, o)| *o > -30.0),
        "output level: {levels:?}"
    );
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, baresip with SRTP, PulseAudio)"]
async fn srtp_mandatory_call_to_carol_over_tls_carries_tones_both_ways() {
    let events = call_both_ways("CAROL", 700, 3, |a| a.srtp = SrtpMode::Mandatory).await;
    let (_, summary) = stats_of(&events);
    let summary = summary.expect("a final summary");
    assert!(summary.encrypted, "{summary:?}");
    assert!(summary.packets_received > 100, "{summary:?}");
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, baresip with SRTP, PulseAudio)"]
async fn srtp_mandatory_call_to_dave_carries_tones_both_ways() {
    let events = call_both_ways("DAVE", 1200, 3, |a| {
        a.srtp = SrtpMode::Mandatory;
        a.codecs = vec!["pcma".into(), "pcmu".into()];
    })
    .await;
    let (live, summary) = stats_of(&events);
    assert!(live.iter().all(|s| s.codec == "PCMA"), "{live:?}");
    let summary = summary.expect("a final summary");
    assert!(summary.encrypted, "{summary:?}");
    assert!(summary.packets_received > 100, "{summary:?}");
    assert_eq!(summary.packets_dropped, 0, "no SRTP failures: {summary:?}");
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, baresip, PulseAudio)"]
async fn dtmf_from_bob_is_reported_once_per_digit() {
    let (engine, mut events) = registered_engine(&bed("BED_USER3"), &bed("BED_PASS3")).await;
    let seen = collect_events(&engine);
    let call_id = dial_bob(&engine, &mut events).await;
    // Bob's digits count once our media runs (devices open): wait for its statistics.
    until(&mut events, 15, |e| match e {
        Event::CallStatsUpdated { stats, .. } if stats.packets_received > 10 => Some(()),
        _ => None,
    })
    .await;
    let ctl = bed("BED_CTL");
    // One digit per command: baresip 1.0 sent nothing for a multi-digit `sndcode 123#`.
    for digit in ["1", "2", "3", "#"] {
        let sent = Proc::new("python3")
            .args([ctl.as_str(), "bob", "sndcode", digit])
            .output()
            .unwrap();
        assert!(sent.status.success());
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    engine.execute(Command::Hangup { call_id }).await.unwrap();
    engine.shutdown().await;
    let digits: String = seen
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            Event::DtmfReceived { digit, .. } => Some(digit.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(digits, "123#");
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, baresip, PulseAudio)"]
async fn bob_calls_us_we_answer_and_he_hangs_up() {
    let (engine, mut events) = registered_engine(&bed("BED_USER2"), &bed("BED_PASS2")).await;
    let ctl = bed("BED_CTL");
    let target = format!("sip:{}@{}", bed("BED_USER2"), bed("BED_DOMAIN"));
    let dial = Proc::new("python3")
        .args([ctl.as_str(), "bob", "dial", target.as_str()])
        .output()
        .unwrap();
    assert!(
        dial.status.success(),
        "{}",
        String::from_utf8_lossy(&dial.stderr)
    );
    let (call_id, remote) = until(&mut events, 15, |e| match e {
        Event::IncomingCall {
            call_id, remote, ..
        } => Some((call_id.clone(), remote.clone())),
        _ => None,
    })
    .await;
    assert!(remote.uri.contains("bob"), "{remote:?}");
    engine
        .execute(Command::Answer {
            call_id: call_id.clone(),
        })
        .await
        .unwrap();
    until(&mut events, 10, |e| match e {
        Event::CallStateChanged {
            state: CallState::Active,
            ..
        } => Some(()),
        Event::CallStateChanged {
            state: CallState::Ended,
            reason,
            ..
        } => panic!("{reason:?}"),
        _ => None,
    })
    .await;
    let (freq, _) = tokio::task::spawn_blocking(hear_something).await.unwrap();
    assert!((freq - 440.0).abs() <= 15.0, "we hear {freq} Hz");
    let hang = Proc::new("python3")
        .args([ctl.as_str(), "bob", "hangup"])
        .output()
        .unwrap();
    assert!(hang.status.success());
    let (reason, ()) = until(&mut events, 10, |e| match e {
        Event::CallStateChanged {
            call_id: c,
            state: CallState::Ended,
            reason,
            ..
        } if *c == call_id => Some((reason.clone(), ())),
        _ => None,
    })
    .await;

    assert_eq!(reason.map(|r| r.text), Some("remote hung up".into()));
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, baresip, PulseAudio)"]
async fn dtmf_digits_reach_bob_as_rfc4733_events() {
    let (engine, mut events) = registered_engine(&bed("BED_USER3"), &bed("BED_PASS3")).await;
    let call_id = dial_bob(&engine, &mut events).await;
    // Bob's control connection must exist before the event happens.
    let ctl = bed("BED_CTL");
    let waiter = Proc::new("python3")
        .args([
            ctl.as_str(),
            "bob",
            "wait",
            "CALL_DTMF_START",
            "15",
            "--param",
            "7",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    let bad = engine
        .execute(Command::SendDtmf {
            call_id: call_id.clone(),
            digits: "12x".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(bad.code, ErrorCode::InvalidArgument);
    // Repeat until bob reports it: the media path may still be opening devices at first.
    for _ in 0..5 {
        engine
            .execute(Command::SendDtmf {
                call_id: call_id.clone(),
                digits: "7".into(),
            })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(1000)).await;
    }
    let seen = tokio::task::spawn_blocking(move || waiter.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(
        seen.status.success(),
        "bob saw no DTMF 7: {}{}",
        String::from_utf8_lossy(&seen.stdout),
        String::from_utf8_lossy(&seen.stderr)
    );
    engine.execute(Command::Hangup { call_id }).await.unwrap();
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, rtpengine, baresip, PulseAudio)"]
async fn calls_over_ws_and_wss_carry_tones_both_ways() {
    // Kamailio anchors calls with a WebSocket leg in rtpengine; our WebRTC offer (ICE,
    // DTLS-SRTP, rtcp-mux) must come back as a usable answer and the audio must flow both ways
    // through it.
    for (transport, server, hz) in [
        (Transport::Ws, "BED_SIP_WS", 700),
        (Transport::Wss, "BED_SIP_WSS", 800),
    ] {
        // 4 s, not 2: WebRTC media through rtpengine starts ~1.6 s after the answer (its DTLS
        // handshake), and bob's dump must hold more than its jitter buffer's start-up.
        let events = call_both_ways("BOB", hz, 4, |a| {
            a.transport = transport;
            a.server = Some(bed(server));
            a.tls_ca_file = Some(bed("BED_TLS_CA"));
        })
        .await;
        let (_, summary) = stats_of(&events);
        let summary = summary.expect("a final summary");
        assert!(summary.packets_received > 100, "{transport:?}: {summary:?}");
        // A WebSocket account offers WebRTC media: ICE + DTLS-SRTP to rtpengine, which
        // bridges it to bob's plain RTP.
        assert!(
            summary.encrypted,
            "{transport:?}: DTLS-SRTP expected: {summary:?}"
        );
        assert!(
            events.iter().any(|e| matches!(
                e,
                Event::MediaStateChanged {
                    state: MediaState::Connected,
                    ..
                }
            )),
            "{transport:?}: no media connection event"
        );
    }
}
