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
use std::time::Duration;
use support::{bed, dominant, record_monitor};
use tokio::sync::broadcast;

/// Listens to our speaker in 2 s windows until one carries sound (opening the audio devices
/// can take a second or two on a loaded machine), and returns its frequency and level.
fn hear_something() -> (f32, f32) {
    for _ in 0..6 {
        let (freq, level) = dominant(&record_monitor(2));
        if freq > 0.0 && level > -45.0 {
            return (freq, level);
        }
    }
    (0.0, -180.0)
}

/// Plays a tone into our microphone for `secs` seconds (in the background).
fn play_into_mic(hz: u32, secs: u32) -> std::process::Child {
    let wav = std::env::temp_dir().join(format!("mic-{hz}-{}.wav", std::process::id()));
    let ok = Proc::new("sox")
        .args(["-n", "-r", "48000", "-c", "1", "-b", "16"])
        .arg(&wav)
        .args([
            "synth",
            &secs.to_string(),
            "sine",
            &hz.to_string(),
            "vol",
            "0.5",
        ])
        .status()
        .unwrap();
    assert!(ok.success());
    Proc::new("paplay")
        .arg(format!("--device={}", bed("BED_PULSE_MIC_SINK")))
        .arg(&wav)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

async fn until<T>(
    events: &mut broadcast::Receiver<EventEnvelope>,
    secs: u64,
    mut f: impl FnMut(&Event) -> Option<T>,
) -> T {
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

async fn registered_engine(user: &str, pass: &str) -> (Engine, broadcast::Receiver<EventEnvelope>) {
    let engine = Engine::start(EngineConfig::default());
    let mut events = engine.subscribe();
    let mut account = AccountConfig::new("bed", format!("sip:{user}@{}", bed("BED_DOMAIN")));
    account.transport = Transport::Udp;
    account.server = Some(bed("BED_SIP_UDP"));
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
    let out = engine
        .execute(Command::Dial {
            account_id: None,
            target: bed("BED_BOB_URI"),
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

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, baresip, PulseAudio)"]
async fn call_bob_and_hear_his_tone_while_he_hears_ours() {
    let (engine, mut events) = registered_engine(&bed("BED_USER"), &bed("BED_PASS")).await;
    let mut tone = play_into_mic(1000, 12);
    let call_id = dial_bob(&engine, &mut events).await;
    let (freq, level) = tokio::task::spawn_blocking(hear_something).await.unwrap();
    assert!(
        (freq - bed("BED_BOB_TONE_HZ").parse::<f32>().unwrap()).abs() <= 15.0,
        "we hear {freq} Hz at {level:.1} dBFS"
    );
    assert!(level > -40.0, "level {level:.1} dBFS");
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
    // What bob heard: his decoded dump of this call.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let dir = bed("BED_BOB_WAV_DIR");
    let newest = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.to_string_lossy().ends_with("-dec.wav"))
        .max_by_key(|p| std::fs::metadata(p).and_then(|m| m.modified()).ok())
        .expect("bob dumped the call");
    let check = Proc::new("python3")
        .arg(bed("BED_TONE"))
        .arg(&newest)
        .args(["--expect", "1000", "--tol", "0.03", "--skip", "1.0"])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "bob did not hear 1000 Hz: {}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    engine.shutdown().await;
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
