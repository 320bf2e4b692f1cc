//! The echo-test line through real devices: the bed's PulseAudio null sinks (bed tier).
//! A 1 kHz tone played into the virtual microphone must come out of the virtual speaker.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use softphone_engine::*;
use std::process::{Command as Proc, Stdio};
use std::time::Duration;

fn bed(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run inside tests/bed/bed.sh run"))
}

/// Median dominant frequency (Hz) over 200 ms windows, robust to the short gaps a loaded
/// machine puts into real-time audio, and the RMS level in dBFS.
fn analyse(samples: &[i16], _rate: f32) -> (f32, f32) {
    let x: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32768.0).collect();
    let rms = (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt();
    let mut freqs: Vec<f32> = x
        .chunks_exact(9600)
        .filter(|w| softphone_audio::analysis::rms_dbfs(w) > -50.0)
        .filter_map(|w| softphone_audio::analysis::dominant_frequency(w, 48_000, 100.0, 4000.0))
        .collect();
    freqs.sort_by(f32::total_cmp);
    let median = freqs.get(freqs.len() / 2).copied().unwrap_or(0.0);
    (median, 20.0 * rms.max(1e-9).log10())
}

#[tokio::test]
#[ignore = "needs the test bed (PulseAudio null sinks)"]
async fn echo_line_plays_the_microphone_back_on_the_speaker() {
    let engine = Engine::start(EngineConfig::default());
    let mut events = engine.subscribe();
    // A 1 kHz tone into the virtual microphone for the whole test.
    let wav = std::env::temp_dir().join(format!("echo-tone-{}.wav", std::process::id()));
    let made = Proc::new("sox")
        .args(["-n", "-r", "48000", "-c", "1", "-b", "16"])
        .arg(&wav)
        .args(["synth", "12", "sine", "1000", "vol", "0.5"])
        .status()
        .unwrap();
    assert!(made.success());
    let mut tone = Proc::new("paplay")
        .arg(format!("--device={}", bed("BED_PULSE_MIC_SINK")))
        .arg(&wav)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("sox plays into the mic sink");
    let out = engine
        .execute(Command::Dial {
            account_id: None,
            target: "echo".into(),
            anonymous: false,
            headers: vec![],
        })
        .await
        .unwrap();
    let CommandOutcome::CallStarted { call_id } = out else {
        panic!("{out:?}")
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let env = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("echo becomes active")
            .unwrap();
        match env.event {
            Event::CallStateChanged {
                state: CallState::Active,
                ..
            } => break,
            Event::CallStateChanged {
                state: CallState::Ended,
                reason,
                ..
            } => panic!("echo ended: {reason:?}"),
            _ => {}
        }
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    // Record what the speaker plays.
    let samples = tokio::task::spawn_blocking(|| record_monitor(4))
        .await
        .unwrap();
    assert!(samples.len() > 48_000, "recorded {} samples", samples.len());
    let (freq, level) = analyse(&samples[samples.len() / 4..], 48_000.0);
    assert!((freq - 1000.0).abs() <= 20.0, "speaker plays {freq} Hz");
    assert!(level > -20.0, "speaker level {level:.1} dBFS");

    // Muting the echo call silences it.
    engine
        .execute(Command::SetMute {
            call_id: call_id.clone(),
            muted: true,
        })
        .await
        .unwrap();
    engine.execute(Command::Hangup { call_id }).await.unwrap();
    let _ = tone.kill();
    let _ = tone.wait();
    let _ = std::fs::remove_file(&wav);
    assert!(engine.snapshot().await.unwrap().calls.is_empty());
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the test bed (PulseAudio null sinks)"]
async fn devices_are_listed_with_the_bed_sinks() {
    let engine = Engine::start(EngineConfig::default());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let snap = engine.snapshot().await.unwrap();
        if snap.devices.iter().any(|d| !d.is_input) && snap.devices.iter().any(|d| d.is_input) {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "no devices: {:?}",
            snap.devices
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    engine.shutdown().await;
}

/// Captures the bed speaker's monitor through the audio crate (in-process, so no external
/// recorder can come up empty under load).
fn record_monitor(secs: u32) -> Vec<i16> {
    use softphone_audio::{AudioHost, CaptureStream, Frame, ReadOutcome, StreamOptions};
    let host = AudioHost::new();
    let device = format!("{}.monitor", bed("BED_PULSE_SINK"));
    let mut capture = CaptureStream::open(&host, Some(&device), &StreamOptions::default())
        .expect("monitor opens");
    capture.discard_buffered();
    let mut out = Vec::new();
    let mut frame = Frame::silence();
    let end = std::time::Instant::now() + Duration::from_secs(u64::from(secs));
    while std::time::Instant::now() < end {
        while CaptureStream::read_frame(&mut capture, &mut frame) == ReadOutcome::Frame {
            out.extend(
                frame
                    .samples
                    .iter()
                    .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16),
            );
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    out
}
