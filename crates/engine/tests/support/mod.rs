//! Helpers shared by the bed-tier tests: the bed's environment and audio measurement.

#![allow(dead_code, reason = "each test file uses a different subset")]

use softphone_engine::{Event, EventEnvelope};
use std::process::{Command as Proc, Stdio};
use std::time::Duration;
use tokio::sync::broadcast;

/// A variable the bed exports (`tests/bed/bed.sh run` sets them).
pub fn bed(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run inside tests/bed/bed.sh run"))
}

/// Median dominant frequency (Hz) over 200 ms windows, robust to the short gaps a loaded
/// machine puts into real-time audio, and the RMS level in dBFS.
pub fn dominant(samples: &[i16]) -> (f32, f32) {
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

/// Captures the bed speaker's monitor through the audio crate (in-process, so no external
/// recorder can come up empty under load).
pub fn record_monitor(secs: u32) -> Vec<i16> {
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

/// Listens to our speaker in 2 s windows until one carries sound (opening the audio devices
/// can take a second or two on a loaded machine), then measures the next 2 s: the first window
/// with sound also holds the start of the stream, when the jitter buffer is still growing its
/// delay by inserted concealment frames, which read as a percent or two off pitch. Returns the
/// frequency and level of the steady stream.
pub fn hear_something() -> (f32, f32) {
    for _ in 0..6 {
        let (freq, level) = dominant(&record_monitor(2));
        if freq > 0.0 && level > -45.0 {
            // (A short call may be over by then: the first window is all there is.)
            let (steady, steady_level) = dominant(&record_monitor(2));
            if steady > 0.0 && steady_level > -45.0 {
                return (steady, steady_level);
            }
            return (freq, level);
        }
    }
    (0.0, -180.0)
}

/// Plays a tone into our microphone for `secs` seconds (in the background).
pub fn play_into_mic(hz: u32, secs: u32) -> std::process::Child {
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
    // Low latency: a null sink fed with paplay's default 2 s buffer makes its monitor (the
    // bed's microphone) deliver only about 70 % of real time to a 10 ms capture stream.
    Proc::new("paplay")
        .arg("--latency-msec=20")
        .arg(format!("--device={}", bed("BED_PULSE_MIC_SINK")))
        .arg(&wav)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

pub async fn until<T>(
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
