//! The lock-free single-producer single-consumer rings between the audio callbacks and the
//! engine, with their counters.
//!
//! The rings carry 48 kHz mono `f32` samples (`rtrb`, wait-free). The engine side moves whole
//! 20 ms frames; the callback side moves whatever the device asks for. Neither side ever
//! blocks, locks or allocates: a full ring drops the newest audio and counts an overrun, an
//! empty playback ring plays silence and counts an underrun.
//!
//! - capture: [`capture_ring`] → [`CaptureWriter`] (callback) + [`CaptureReader`] (engine)
//! - playback: [`playback_ring`] → [`PlaybackWriter`] (engine) + [`PlaybackReader`] (callback)
//!
//! The playback side also keeps the backlog from creeping up. Every underrun plays silence
//! while the engine's clock keeps writing at its pace, so after it the ring holds that much
//! more audio for the rest of the call; so does a burst written after the engine thread was
//! starved. The reader watches the lowest fill it sees over half a second of playing
//! ([`TRIM_WINDOW`]): when that is more than one period above what the prefill leaves in
//! steady state (`prefill − 1 frame + 5 ms`), the excess is skipped at once and counted in
//! [`RingStats::trimmed_samples`]. A steady stream never trims: its lowest fill stays at
//! `prefill − 1 frame` give or take a device period.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use rtrb::{Consumer, Producer, RingBuffer};

use crate::frame::{Frame, WriteOutcome, FRAME_SAMPLES};

/// Counters shared between the two sides of a ring (atomics, relaxed).
#[derive(Debug, Default)]
pub struct RingCounters {
    frames: AtomicU64,
    overruns: AtomicU64,
    underruns: AtomicU64,
    dropped_samples: AtomicU64,
    callbacks: AtomicU64,
    xruns: AtomicU64,
    trimmed_samples: AtomicU64,
}

impl RingCounters {
    /// Counts a device-side xrun (the device buffer over- or underflowed and was recovered).
    pub(crate) fn xrun(&self) {
        self.xruns.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn callback(&self) {
        self.callbacks.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn callbacks(&self) -> u64 {
        self.callbacks.load(Ordering::Relaxed)
    }

    fn snapshot(&self, buffered_samples: usize) -> RingStats {
        RingStats {
            frames: self.frames.load(Ordering::Relaxed),
            overruns: self.overruns.load(Ordering::Relaxed),
            underruns: self.underruns.load(Ordering::Relaxed),
            dropped_samples: self.dropped_samples.load(Ordering::Relaxed),
            callbacks: self.callbacks.load(Ordering::Relaxed),
            xruns: self.xruns.load(Ordering::Relaxed),
            trimmed_samples: self.trimmed_samples.load(Ordering::Relaxed),
            buffered_samples,
        }
    }
}

/// A snapshot of a stream's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RingStats {
    /// Whole frames that crossed the ring on the engine side (read for capture, accepted for
    /// playback).
    pub frames: u64,
    /// Times audio was dropped because the ring was full: for capture the engine did not read
    /// fast enough, for playback it wrote faster than the device plays.
    pub overruns: u64,
    /// Times the playback callback ran dry after it had started playing and had to insert
    /// silence. Always 0 for capture.
    pub underruns: u64,
    /// Samples lost to overruns.
    pub dropped_samples: u64,
    /// Device callbacks so far (also used to detect a stalled device).
    pub callbacks: u64,
    /// Device-side xruns recovered: the device buffer overflowed (capture: audio was lost
    /// before it reached the ring) or ran dry (playback). Counted where the backend reports
    /// them (the ALSA `pulse` PCM on the PulseAudio host); 0 elsewhere.
    pub xruns: u64,
    /// Playback: samples skipped to bring a backlog that had crept up (after an underrun or a
    /// burst) back to the prefill level (see the module doc). Always 0 for capture.
    pub trimmed_samples: u64,
    /// Samples (48 kHz) waiting in the ring right now.
    pub buffered_samples: usize,
}

/// Creates a capture ring holding `frames` 20 ms frames.
pub fn capture_ring(frames: usize) -> (CaptureWriter, CaptureReader) {
    let (producer, consumer) = RingBuffer::new(frames.max(1) * FRAME_SAMPLES);
    let counters = Arc::new(RingCounters::default());
    (
        CaptureWriter {
            producer,
            counters: counters.clone(),
        },
        CaptureReader { consumer, counters },
    )
}

/// The callback side of a capture ring.
#[derive(Debug)]
pub struct CaptureWriter {
    producer: Producer<f32>,
    counters: Arc<RingCounters>,
}

impl CaptureWriter {
    /// Pushes 48 kHz mono samples. What does not fit is dropped and counted as one overrun.
    /// Returns the number of samples taken.
    pub fn push(&mut self, samples: &[f32]) -> usize {
        let (pushed, rest) = self.producer.push_partial_slice(samples);
        if !rest.is_empty() {
            self.counters.overruns.fetch_add(1, Ordering::Relaxed);
            self.counters
                .dropped_samples
                .fetch_add(rest.len() as u64, Ordering::Relaxed);
        }
        pushed.len()
    }

    pub(crate) fn counters(&self) -> &Arc<RingCounters> {
        &self.counters
    }
}

/// The engine side of a capture ring.
#[derive(Debug)]
pub struct CaptureReader {
    consumer: Consumer<f32>,
    counters: Arc<RingCounters>,
}

impl CaptureReader {
    /// Takes the oldest whole frame if one is buffered; `false` (frame untouched) otherwise.
    pub fn read_frame(&mut self, frame: &mut Frame) -> bool {
        if self.consumer.pop_entire_slice(&mut frame.samples).is_err() {
            return false;
        }
        self.counters.frames.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// Whole frames ready to read.
    pub fn buffered_frames(&self) -> usize {
        self.consumer.slots() / FRAME_SAMPLES
    }

    /// Drops everything buffered (for example at the start of a call, so it starts with the
    /// freshest audio). Returns the samples dropped.
    pub fn discard(&mut self) -> usize {
        let n = self.consumer.slots();
        if let Ok(chunk) = self.consumer.read_chunk(n) {
            chunk.commit_all();
        }
        n
    }

    /// The counters.
    pub fn stats(&self) -> RingStats {
        self.counters.snapshot(self.consumer.slots())
    }

    pub(crate) fn callbacks(&self) -> u64 {
        self.counters.callbacks()
    }
}

/// Creates a playback ring holding `frames` 20 ms frames, whose callback side starts playing
/// once `prefill_frames` are buffered (and again after each underrun).
pub fn playback_ring(frames: usize, prefill_frames: usize) -> (PlaybackWriter, PlaybackReader) {
    let frames = frames.max(1);
    let (producer, consumer) = RingBuffer::new(frames * FRAME_SAMPLES);
    let counters = Arc::new(RingCounters::default());
    let prefill = prefill_frames.clamp(1, frames) * FRAME_SAMPLES;
    (
        PlaybackWriter {
            producer,
            counters: counters.clone(),
        },
        PlaybackReader {
            consumer,
            counters,
            prefill,
            playing: false,
            // What the prefill leaves at the lowest point of a steady stream, plus 5 ms.
            target_backlog: prefill - FRAME_SAMPLES + FRAME_SAMPLES / 4,
            window_consumed: 0,
            window_min: usize::MAX,
        },
    )
}

/// The engine side of a playback ring.
#[derive(Debug)]
pub struct PlaybackWriter {
    producer: Producer<f32>,
    counters: Arc<RingCounters>,
}

impl PlaybackWriter {
    /// Queues a whole frame, or drops it (an overrun) if the ring has no room for all of it.
    pub fn write_frame(&mut self, frame: &Frame) -> WriteOutcome {
        if self.producer.slots() < FRAME_SAMPLES {
            self.counters.overruns.fetch_add(1, Ordering::Relaxed);
            self.counters
                .dropped_samples
                .fetch_add(FRAME_SAMPLES as u64, Ordering::Relaxed);
            return WriteOutcome::Dropped;
        }
        // Room was checked above; this is the only producer.
        let _ = self.producer.push_partial_slice(&frame.samples);
        self.counters.frames.fetch_add(1, Ordering::Relaxed);
        WriteOutcome::Accepted
    }

    /// Whole frames queued and not yet played.
    pub fn buffered_frames(&self) -> usize {
        (self.producer.buffer().capacity() - self.producer.slots()) / FRAME_SAMPLES
    }

    /// Room left, in whole frames.
    pub fn free_frames(&self) -> usize {
        self.producer.slots() / FRAME_SAMPLES
    }

    /// The counters.
    pub fn stats(&self) -> RingStats {
        self.counters
            .snapshot(self.producer.buffer().capacity() - self.producer.slots())
    }

    pub(crate) fn callbacks(&self) -> u64 {
        self.counters.callbacks()
    }
}

/// The callback side of a playback ring.
#[derive(Debug)]
pub struct PlaybackReader {
    consumer: Consumer<f32>,
    counters: Arc<RingCounters>,
    prefill: usize,
    playing: bool,
    /// Lowest fill of a steady stream (see the module doc), in samples.
    target_backlog: usize,
    /// Samples consumed in the current observation window.
    window_consumed: usize,
    /// Lowest fill seen in the current observation window.
    window_min: usize,
}

/// Samples played per backlog observation (0.5 s at 48 kHz).
pub const TRIM_WINDOW: usize = 24_000;

/// How far above its target the lowest fill may be before the excess is skipped (10 ms).
const TRIM_SLACK: usize = FRAME_SAMPLES / 2;

impl PlaybackReader {
    fn ready(&mut self) -> bool {
        if !self.playing && self.consumer.slots() >= self.prefill {
            self.playing = true;
            self.window_consumed = 0;
            self.window_min = usize::MAX;
        }
        self.playing
    }

    fn ran_dry(&mut self) {
        if self.playing {
            self.counters.underruns.fetch_add(1, Ordering::Relaxed);
            self.playing = false;
        }
    }

    /// Called while playing, before taking `wanted` samples: tracks the lowest fill and skips
    /// the excess at the end of each window.
    fn watch_backlog(&mut self, wanted: usize) {
        let level = self.consumer.slots();
        self.window_min = self.window_min.min(level);
        self.window_consumed += wanted;
        if self.window_consumed < TRIM_WINDOW {
            return;
        }
        if self.window_min > self.target_backlog + TRIM_SLACK {
            let excess = self.window_min - self.target_backlog;
            if let Ok(chunk) = self.consumer.read_chunk(excess) {
                chunk.commit_all();
                self.counters
                    .trimmed_samples
                    .fetch_add(excess as u64, Ordering::Relaxed);
            }
        }
        self.window_consumed = 0;
        self.window_min = usize::MAX;
    }

    /// Fills `out` with queued samples, silence for whatever is missing. Before the prefill is
    /// reached it plays silence; running dry afterwards counts one underrun and waits for the
    /// prefill again. Returns the samples taken from the ring.
    pub fn fill(&mut self, out: &mut [f32]) -> usize {
        if !self.ready() {
            out.fill(0.0);
            return 0;
        }
        self.watch_backlog(out.len());
        let (popped, rest) = self.consumer.pop_partial_slice(out);
        let n = popped.len();
        if !rest.is_empty() {
            rest.fill(0.0);
            self.ran_dry();
        }
        n
    }

    /// Takes exactly `out.len()` samples if they are queued (and the prefill was reached);
    /// otherwise takes nothing, returns `false` and counts an underrun if it was playing.
    pub fn pull_exact(&mut self, out: &mut [f32]) -> bool {
        if !self.ready() {
            return false;
        }
        self.watch_backlog(out.len());
        if self.consumer.pop_entire_slice(out).is_ok() {
            return true;
        }
        self.ran_dry();
        false
    }

    /// Whether `samples` can be taken now without playing any silence (the prefill is reached,
    /// or playing, and that much is queued).
    pub fn can_take(&self, samples: usize) -> bool {
        let queued = self.consumer.slots();
        queued >= samples && (self.playing || queued >= self.prefill)
    }

    pub(crate) fn counters(&self) -> &Arc<RingCounters> {
        &self.counters
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_of(v: f32) -> Frame {
        Frame::from_slice(&[v; FRAME_SAMPLES])
    }

    #[test]
    fn capture_overrun_drops_newest_and_counts() {
        let (mut writer, mut reader) = capture_ring(2);
        assert_eq!(writer.push(&[0.1; FRAME_SAMPLES]), FRAME_SAMPLES);
        assert_eq!(writer.push(&[0.2; FRAME_SAMPLES]), FRAME_SAMPLES);
        assert_eq!(writer.push(&[0.3; 100]), 0);
        let stats = reader.stats();
        assert_eq!((stats.overruns, stats.dropped_samples), (1, 100));
        let mut frame = Frame::silence();
        assert!(reader.read_frame(&mut frame));
        assert_eq!(frame[0], 0.1);
        assert!(reader.read_frame(&mut frame));
        assert_eq!(frame[FRAME_SAMPLES - 1], 0.2);
        assert_eq!(reader.stats().frames, 2);
    }

    #[test]
    fn capture_read_waits_for_a_whole_frame() {
        let (mut writer, mut reader) = capture_ring(4);
        let mut frame = frame_of(0.9);
        writer.push(&[0.5; FRAME_SAMPLES - 1]);
        assert!(!reader.read_frame(&mut frame));
        assert_eq!(frame[0], 0.9, "untouched when pending");
        writer.push(&[0.5; 2]);
        assert!(reader.read_frame(&mut frame));
        assert_eq!(reader.stats().buffered_samples, 1);
        assert_eq!(reader.discard(), 1);
        assert_eq!(reader.buffered_frames(), 0);
    }

    #[test]
    fn playback_overrun_drops_whole_frames() {
        let (mut writer, _reader) = playback_ring(2, 1);
        assert_eq!(writer.write_frame(&frame_of(0.1)), WriteOutcome::Accepted);
        assert_eq!(writer.write_frame(&frame_of(0.2)), WriteOutcome::Accepted);
        assert_eq!(writer.write_frame(&frame_of(0.3)), WriteOutcome::Dropped);
        let stats = writer.stats();
        assert_eq!((stats.frames, stats.overruns), (2, 1));
        assert_eq!(writer.buffered_frames(), 2);
        assert_eq!(writer.free_frames(), 0);
    }

    #[test]
    fn playback_prefill_then_underrun_plays_silence_and_counts() {
        let (mut writer, mut reader) = playback_ring(4, 2);
        let mut out = [1.0f32; 480];
        // Nothing queued: silence, no underrun (never started).
        assert_eq!(reader.fill(&mut out), 0);
        assert!(out.iter().all(|s| *s == 0.0));
        writer.write_frame(&frame_of(0.5));
        // One frame queued, prefill is two: still silence.
        assert_eq!(reader.fill(&mut out), 0);
        writer.write_frame(&frame_of(0.5));
        // 1920 samples: 4 callbacks of 480 play them.
        for _ in 0..4 {
            assert_eq!(reader.fill(&mut out), 480);
            assert!(out.iter().all(|s| *s == 0.5));
        }
        assert_eq!(writer.stats().underruns, 0);
        // Dry: silence and one underrun, then silence without counting until refilled.
        assert_eq!(reader.fill(&mut out), 0);
        assert!(out.iter().all(|s| *s == 0.0));
        assert_eq!(reader.fill(&mut out), 0);
        assert_eq!(writer.stats().underruns, 1);
        // Partial frame after re-priming: the rest is silence and counts.
        writer.write_frame(&frame_of(0.25));
        writer.write_frame(&frame_of(0.25));
        let mut big = [1.0f32; 2000];
        assert_eq!(reader.fill(&mut big), 1920);
        assert_eq!(big[1919], 0.25);
        assert_eq!(big[1920], 0.0);
        assert_eq!(writer.stats().underruns, 2);
    }

    #[test]
    fn playback_pull_exact_is_all_or_nothing() {
        let (mut writer, mut reader) = playback_ring(4, 1);
        let mut chunk = [0.0f32; 480];
        assert!(!reader.pull_exact(&mut chunk));
        writer.write_frame(&frame_of(0.5));
        assert!(reader.pull_exact(&mut chunk));
        assert!(reader.pull_exact(&mut chunk));
        assert!(!reader.pull_exact(&mut chunk));
        assert_eq!(writer.stats().underruns, 1);
    }

    /// Plays `seconds` of a steady stream: the engine writes a frame every 20 ms, the device
    /// takes 10 ms periods. Returns the lowest fill seen, in samples.
    fn steady(
        writer: &mut PlaybackWriter,
        reader: &mut PlaybackReader,
        seconds: usize,
        period: &mut [f32],
    ) -> usize {
        let mut lowest = usize::MAX;
        for tick in 0..seconds * 100 {
            if tick % 2 == 0 {
                writer.write_frame(&frame_of(0.5));
            }
            lowest = lowest.min(writer.stats().buffered_samples);
            reader.fill(period);
        }
        lowest
    }

    #[test]
    fn a_steady_stream_is_never_trimmed() {
        for prefill in 1..=3 {
            let (mut writer, mut reader) = playback_ring(8, prefill);
            let mut period = [0.0f32; FRAME_SAMPLES / 2];
            steady(&mut writer, &mut reader, 5, &mut period);
            let stats = writer.stats();
            assert_eq!(stats.trimmed_samples, 0, "prefill {prefill}: {stats:?}");
            assert_eq!(stats.underruns, 0, "prefill {prefill}: {stats:?}");
        }
    }

    #[test]
    fn a_backlog_left_by_a_burst_is_trimmed_back_to_the_prefill_level() {
        let (mut writer, mut reader) = playback_ring(12, 2);
        let mut period = [0.0f32; FRAME_SAMPLES / 2];
        steady(&mut writer, &mut reader, 1, &mut period);
        let before = steady(&mut writer, &mut reader, 1, &mut period);
        // A starved engine catches up with five frames at once: 100 ms more latency.
        for _ in 0..5 {
            writer.write_frame(&frame_of(0.5));
        }
        steady(&mut writer, &mut reader, 2, &mut period);
        let after = steady(&mut writer, &mut reader, 1, &mut period);
        let stats = writer.stats();
        // The burst, give or take the 10 ms the target differs from a steady stream's lowest
        // fill: trimmed at once, then never again.
        let burst = 5 * FRAME_SAMPLES as u64;
        let slack = FRAME_SAMPLES as u64 / 2;
        assert!(
            (burst - slack..=burst + slack).contains(&stats.trimmed_samples),
            "{stats:?}"
        );
        assert_eq!(stats.underruns, 0, "{stats:?}");
        assert!(
            after <= before,
            "lowest fill {before} before, {after} after"
        );
    }
}
