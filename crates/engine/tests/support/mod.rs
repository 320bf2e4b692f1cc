//! Helpers shared by the bed-tier tests: the bed's environment and audio measurement.

#![allow(dead_code, reason = "each test file uses a different subset")]

use std::time::Duration;

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
