//! WebRTC calls between our phone and JsSIP in headless Chromium (a real browser WebRTC
//! stack), through Kamailio over WS and WSS, audio measured both ways (bed tier).
//!
//! The browser's microphone plays a 1500 Hz tone from a WAV file
//! (`--use-file-for-fake-audio-capture`); we measure it at our virtual speaker. Our
//! microphone gets a tone of its own, which the page measures with WebAudio and prints as
//! `TONE <Hz>`. Kamailio anchors WebSocket calls in rtpengine, so these calls also cross a
//! second, independent WebRTC implementation.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

mod support;

use softphone_engine::*;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command as Proc, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{bed, hear_something, play_into_mic, until};
use tokio::sync::broadcast;

/// The browser's microphone tone.
const BROWSER_HZ: f32 = 1500.0;

/// A JsSIP page run by the bed's playwright driver; its output lines are collected.
struct Browser {
    child: Child,
    lines: Arc<Mutex<Vec<String>>>,
    wav: std::path::PathBuf,
}

impl Browser {
    fn start(scenario: &str) -> Self {
        let wav = std::env::temp_dir().join(format!("browser-tone-{}.wav", std::process::id()));
        let made = Proc::new("sox")
            .args(["-n", "-r", "48000", "-c", "1", "-b", "16"])
            .arg(&wav)
            .args(["synth", "30", "sine", &BROWSER_HZ.to_string(), "vol", "0.5"])
            .status()
            .unwrap();
        assert!(made.success());
        let mut child = Proc::new("node")
            .arg(bed("BED_WEBRTC_DRIVER"))
            .arg(scenario)
            .env("BED_FAKE_AUDIO_WAV", &wav)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the JsSIP driver");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let out = child.stdout.take().unwrap();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines().map_while(Result::ok) {
                eprintln!("browser: {line}");
                sink.lock().unwrap().push(line);
            }
        });
        Self { child, lines, wav }
    }

    /// Waits until a line starting with `prefix` is printed; returns it.
    async fn line(&self, prefix: &str, secs: u64) -> String {
        for _ in 0..secs * 10 {
            if let Some(l) = self
                .lines
                .lock()
                .unwrap()
                .iter()
                .find(|l| l.starts_with(prefix))
            {
                return l.clone();
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!(
            "the browser never printed {prefix:?}: {:#?}",
            self.lines.lock().unwrap()
        );
    }

    /// What the browser measured of our tone (`TONE <Hz>`).
    async fn heard(&self) -> f32 {
        let line = self.line("TONE ", 40).await;
        line.trim_start_matches("TONE ")
            .trim()
            .parse()
            .unwrap_or(0.0)
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.wav);
    }
}

/// An engine with our account registered over the bed's WS or WSS server.
async fn engine_over(
    server_var: &str,
    transport: Transport,
    tweak: impl FnOnce(&mut AccountConfig),
) -> (Engine, broadcast::Receiver<EventEnvelope>) {
    let engine = Engine::start(EngineConfig::default());
    let mut events = engine.subscribe();
    let mut account = AccountConfig::new(
        "webrtc",
        format!("sip:{}@{}", bed("BED_USER"), bed("BED_DOMAIN")),
    );
    account.transport = transport;
    account.server = Some(bed(server_var));
    account.tls_ca_file = Some(bed("BED_TLS_CA"));
    tweak(&mut account);
    engine
        .execute(Command::SetAccount {
            account: Box::new(account),
            credential: Some(Credential::Password(Secret::new(bed("BED_PASS")))),
        })
        .await
        .unwrap();
    engine
        .execute(Command::StartAccount {
            account_id: AccountId("webrtc".into()),
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

fn collect(engine: &Engine) -> Arc<Mutex<Vec<Event>>> {
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

fn assert_webrtc_media(events: &[Event], what: &str) {
    assert!(
        events.iter().any(|e| matches!(
            e,
            Event::MediaStateChanged {
                state: MediaState::Connected,
                ..
            }
        )),
        "{what}: the media connection never connected"
    );
    let summary = events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::CallStatsUpdated { stats, .. } if stats.summary => Some(stats.clone()),
            _ => None,
        })
        .expect("a final summary");
    assert!(summary.encrypted, "{what}: {summary:?}");
    assert_eq!(summary.codec, "opus", "{what}: {summary:?}");
    assert!(summary.packets_received > 100, "{what}: {summary:?}");
    assert!(summary.packets_sent > 100, "{what}: {summary:?}");
}

/// The bed's Kamailio leaves the media of a call with this header alone (no rtpengine).
fn direct_media() -> CustomHeader {
    CustomHeader {
        name: "X-Bed-Direct-Media".into(),
        value: "yes".into(),
    }
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, rtpengine, Chromium with JsSIP, PulseAudio)"]
async fn we_call_the_browser_over_ws_and_wss_and_both_hear_each_other() {
    we_call_the_browser(false).await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, Chromium with JsSIP, PulseAudio)"]
async fn we_call_the_browser_with_no_media_server_in_between() {
    // Our ICE and DTLS against Chromium's own; Kamailio only relays the SIP.
    we_call_the_browser(true).await;
}

async fn we_call_the_browser(direct: bool) {
    for (server, transport, user, pass, our_hz, wss) in [
        (
            "BED_SIP_WS",
            Transport::Ws,
            "1001",
            "secret1001",
            700u32,
            "",
        ),
        (
            "BED_SIP_WSS",
            Transport::Wss,
            "1002",
            "secret1002",
            900,
            ":wss",
        ),
    ] {
        let what = format!("{transport:?}, direct media {direct}");
        let browser = Browser::start(&format!("answer:{user}:{pass}:30{wss}"));
        browser.line("READY", 40).await;
        let (engine, mut events) = engine_over(server, transport, |_| {}).await;
        let seen = collect(&engine);
        let mut tone = play_into_mic(our_hz, 30);
        let out = engine
            .execute(Command::Dial {
                account_id: None,
                target: format!("sip:{user}@{}", bed("BED_DOMAIN")),
                anonymous: false,
                headers: if direct { vec![direct_media()] } else { vec![] },
            })
            .await
            .unwrap();
        let CommandOutcome::CallStarted { call_id } = out else {
            panic!("{out:?}")
        };
        until(&mut events, 20, |e| match e {
            Event::CallStateChanged {
                state: CallState::Active,
                ..
            } => Some(()),
            Event::CallStateChanged {
                state: CallState::Ended,
                reason,
                ..
            } => panic!("{what}: call ended: {reason:?}"),
            _ => None,
        })
        .await;
        let (freq, level) = tokio::task::spawn_blocking(hear_something).await.unwrap();
        assert!(
            (freq - BROWSER_HZ).abs() <= BROWSER_HZ * 0.02,
            "{what}: we hear {freq} Hz at {level:.1} dBFS, the browser sends {BROWSER_HZ} Hz"
        );
        tokio::time::sleep(Duration::from_secs(3)).await;
        // We hang up; the browser sees the call end.
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
        assert_eq!(
            reason.and_then(|r| r.code),
            Some(200),
            "{what}: BYE answered"
        );
        let heard = browser.heard().await;
        assert!(
            (heard - our_hz as f32).abs() <= our_hz as f32 * 0.03,
            "{what}: the browser heard {heard} Hz, we sent {our_hz} Hz"
        );
        browser
            .line(&format!("PASS webrtc answer:{user}"), 20)
            .await;
        let _ = tone.kill();
        let _ = tone.wait();
        engine.shutdown().await;
        assert_webrtc_media(&seen.lock().unwrap(), &what);
    }
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, rtpengine, Chromium with JsSIP, PulseAudio)"]
async fn the_browser_calls_us_sends_dtmf_and_hangs_up() {
    the_browser_calls_us(false).await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, Chromium with JsSIP, PulseAudio)"]
async fn the_browser_calls_us_with_no_media_server_in_between() {
    the_browser_calls_us(true).await;
}

async fn the_browser_calls_us(direct: bool) {
    for (server, transport, user, pass, our_hz, wss) in [
        (
            "BED_SIP_WS",
            Transport::Ws,
            "1003",
            "secret1003",
            600u32,
            "",
        ),
        (
            "BED_SIP_WSS",
            Transport::Wss,
            "1004",
            "secret1004",
            800,
            ":wss",
        ),
    ] {
        let what = format!("{transport:?}, direct media {direct}");
        let flags = if direct { ":direct" } else { "" };
        let (engine, mut events) = engine_over(server, transport, |a| a.auto_answer = true).await;
        let seen = collect(&engine);
        let mut tone = play_into_mic(our_hz, 30);
        let browser = Browser::start(&format!(
            "call:{user}:{pass}:sip:{}@{}{wss}{flags}",
            bed("BED_USER"),
            bed("BED_DOMAIN")
        ));
        until(&mut events, 40, |e| match e {
            Event::CallStateChanged {
                state: CallState::Active,
                ..
            } => Some(()),
            _ => None,
        })
        .await;
        let (freq, level) = tokio::task::spawn_blocking(hear_something).await.unwrap();
        assert!(
            (freq - BROWSER_HZ).abs() <= BROWSER_HZ * 0.02,
            "{what}: we hear {freq} Hz at {level:.1} dBFS, the browser sends {BROWSER_HZ} Hz"
        );
        // The browser sends DTMF 5 (RFC 4733) and then hangs up.
        let digit = until(&mut events, 20, |e| match e {
            Event::DtmfReceived { digit, .. } => Some(digit.clone()),
            _ => None,
        })
        .await;
        assert_eq!(digit, "5", "{what}");
        let reason = until(&mut events, 20, |e| match e {
            Event::CallStateChanged {
                state: CallState::Ended,
                reason,
                ..
            } => Some(reason.clone()),
            _ => None,
        })
        .await;
        assert!(reason.is_some(), "{what}: an end reason");
        let heard = browser.heard().await;
        assert!(
            (heard - our_hz as f32).abs() <= our_hz as f32 * 0.03,
            "{what}: the browser heard {heard} Hz, we sent {our_hz} Hz"
        );
        browser.line("PASS webrtc call:", 20).await;
        let _ = tone.kill();
        let _ = tone.wait();
        engine.shutdown().await;
        assert_webrtc_media(&seen.lock().unwrap(), &what);
    }
}

fn bed_sh(sub: &str) {
    let script =
        std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/bed/bed.sh");
    let status = Proc::new("bash").arg(script).arg(sub).status().unwrap();
    assert!(status.success(), "bed.sh {sub}");
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, rtpengine, baresip, PulseAudio)"]
async fn a_websocket_that_drops_mid_call_ends_the_call_with_a_reason_and_the_account_recovers() {
    let (engine, mut events) = engine_over("BED_SIP_WS", Transport::Ws, |_| {}).await;
    let seen = collect(&engine);
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
    until(&mut events, 20, |e| match e {
        Event::MediaStateChanged {
            state: MediaState::Connected,
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
    // The registrar and its WebSocket go away under the call.
    bed_sh("kamailio-stop");
    let reason = until(&mut events, 20, |e| match e {
        Event::CallStateChanged {
            state: CallState::Ended,
            reason,
            ..
        } => Some(reason.clone()),
        _ => None,
    })
    .await
    .expect("an end reason");
    assert!(
        reason.text.contains("transport") || reason.text.contains("connection"),
        "{reason:?}"
    );
    // Nothing hangs: the call is gone from the snapshot, its media stopped with a summary.
    let snapshot = engine.snapshot().await.unwrap();
    assert!(
        snapshot.calls.iter().all(|c| c.call_id != call_id),
        "{snapshot:?}"
    );
    assert!(seen.lock().unwrap().iter().any(|e| matches!(
        e,
        Event::CallStatsUpdated { stats, .. } if stats.summary
    )));
    bed_sh("kamailio-start");
    until(&mut events, 40, |e| match e {
        Event::AccountStateChanged {
            state: AccountState::Registered,
            ..
        } => Some(()),
        _ => None,
    })
    .await;
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio, sipp)"]
async fn a_webrtc_peer_whose_ice_never_answers_ends_the_call_with_the_ice_failure() {
    let port = 5097;
    let scenario = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/bed/sipp/uas_webrtc_dead_ice.xml");
    let mut sipp = Proc::new("sipp")
        .arg("-sf")
        .arg(scenario)
        .args([
            "-i",
            "127.0.0.1",
            "-p",
            &port.to_string(),
            "-m",
            "1",
            "-nostdin",
        ])
        .args(["-timeout", "90s", "-timeout_error"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sipp runs");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (engine, mut events) = engine_over("BED_SIP_WS", Transport::Ws, |_| {}).await;
    engine
        .execute(Command::Dial {
            account_id: None,
            target: format!("sip:sipp-{port}@{}", bed("BED_DOMAIN")),
            anonymous: false,
            headers: vec![direct_media()],
        })
        .await
        .unwrap();
    until(&mut events, 20, |e| match e {
        Event::CallStateChanged {
            state: CallState::Active,
            ..
        } => Some(()),
        Event::CallStateChanged {
            state: CallState::Ended,
            reason,
            ..
        } => panic!("call ended before ICE: {reason:?}"),
        _ => None,
    })
    .await;
    // ICE gives up (the session's failed timeout is 25 s), the call ends by BYE with the reason.
    let (state, reason) = until(&mut events, 60, |e| match e {
        Event::MediaStateChanged {
            state: MediaState::Failed,
            ..
        } => Some((Some(MediaState::Failed), None)),
        Event::CallStateChanged {
            state: CallState::Ended,
            reason,
            ..
        } => Some((None, reason.clone())),
        _ => None,
    })
    .await;
    let reason = match (state, reason) {
        (Some(_), _) => until(&mut events, 20, |e| match e {
            Event::CallStateChanged {
                state: CallState::Ended,
                reason,
                ..
            } => Some(reason.clone()),
            _ => None,
        })
        .await
        .expect("a reason"),
        (None, reason) => reason.expect("a reason"),
    };
    assert!(reason.text.contains("ICE"), "{reason:?}");
    // sipp saw our BYE and answered it.
    let status = tokio::task::spawn_blocking(move || sipp.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "sipp: {status:?}");
    engine.shutdown().await;
}
