//! The echo-test line: what the microphone hears comes back on the speaker after a delay.
//!
//! [`EchoLoop`] pulls frames from any [`FrameSource`] and pushes them, through a delay line of
//! whole 20 ms frames, to any [`FrameSink`]. The delay line starts full of silence, so the sink
//! is fed from the first frame on and the delay stays constant. The engine calls
//! [`EchoLoop::pump`] on its tick (every 10 to 20 ms); later the full RTP pipeline replaces it.
//!
//! Open the speaker first, or call [`crate::CaptureStream::discard_buffered`] on the microphone
//! just before building the loop: audio the microphone buffered while other streams opened
//! would otherwise arrive as one burst and overflow the speaker's ring (counted in
//! [`EchoStats::dropped`]).

use std::collections::VecDeque;
use std::time::Duration;

use crate::error::AudioError;
use crate::frame::{Frame, FrameSink, FrameSource, ReadOutcome, WriteOutcome, FRAME_DURATION};

/// Counters of an [`EchoLoop`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EchoStats {
    /// Frames taken from the source.
    pub frames_in: u64,
    /// Frames handed to the sink (including the initial silence).
    pub frames_out: u64,
    /// Frames the sink dropped.
    pub dropped: u64,
}

/// Copies a source to a sink after a fixed delay.
#[derive(Debug)]
pub struct EchoLoop<S, K> {
    source: S,
    sink: K,
    line: VecDeque<Frame>,
    delay_frames: usize,
    max_burst: usize,
    frame: Frame,
    finished: bool,
    stats: EchoStats,
}

impl<S: FrameSource, K: FrameSink> EchoLoop<S, K> {
    /// An echo from `source` to `sink` after `delay`, rounded up to whole 20 ms frames.
    pub fn new(source: S, sink: K, delay: Duration) -> Self {
        let frame_us = FRAME_DURATION.as_micros();
        let delay_frames = delay.as_micros().div_ceil(frame_us) as usize;
        let mut line = VecDeque::with_capacity(delay_frames + 1);
        line.extend(std::iter::repeat_n(Frame::silence(), delay_frames));
        Self {
            source,
            sink,
            line,
            delay_frames,
            max_burst: 8,
            frame: Frame::silence(),
            finished: false,
            stats: EchoStats::default(),
        }
    }

    /// Limits how many frames one [`pump`](Self::pump) moves (default 8). A device source
    /// yields only what its clock produced, so the limit only bounds catch-up; an unpaced
    /// source (file, tone) yields a frame on every pull, so set 1 and pump every 20 ms.
    pub fn with_max_burst(mut self, frames: usize) -> Self {
        self.max_burst = frames.max(1);
        self
    }

    /// The delay, in frames.
    pub fn delay_frames(&self) -> usize {
        self.delay_frames
    }

    /// The delay.
    pub fn delay(&self) -> Duration {
        FRAME_DURATION * self.delay_frames as u32
    }

    /// Moves every frame the source has ready (up to the burst limit) through the delay line.
    /// Returns how many frames were moved; 0 when the source was pending or has finished.
    pub fn pump(&mut self) -> Result<usize, AudioError> {
        let mut moved = 0;
        while moved < self.max_burst && !self.finished {
            match self.source.read_frame(&mut self.frame)? {
                ReadOutcome::Frame => {}
                ReadOutcome::Pending => break,
                ReadOutcome::Finished => {
                    self.finished = true;
                    break;
                }
            }
            self.stats.frames_in += 1;
            moved += 1;
            let result = match self.line.pop_front() {
                None => self.sink.write_frame(&self.frame),
                Some(mut oldest) => {
                    let result = self.sink.write_frame(&oldest);
                    // The oldest buffer takes the new frame: no allocation, constant length.
                    std::mem::swap(&mut oldest, &mut self.frame);
                    self.line.push_back(oldest);
                    result
                }
            };
            self.count(result?);
        }
        Ok(moved)
    }

    fn count(&mut self, outcome: WriteOutcome) {
        self.stats.frames_out += 1;
        if outcome == WriteOutcome::Dropped {
            self.stats.dropped += 1;
        }
    }

    /// Whether the source has finished.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    /// The counters.
    pub fn stats(&self) -> EchoStats {
        self.stats
    }

    /// The source (to read its level or health).
    pub fn source_mut(&mut self) -> &mut S {
        &mut self.source
    }

    /// The sink (to read its level or health).
    pub fn sink_mut(&mut self) -> &mut K {
        &mut self.sink
    }

    /// Gives the source and sink back.
    pub fn into_parts(self) -> (S, K) {
        (self.source, self.sink)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frame::FRAME_SAMPLES;
    use crate::wav::WavSource;

    /// A sink that records the first sample of every frame.
    #[derive(Default)]
    struct Recorder(Vec<f32>);
    impl FrameSink for Recorder {
        fn write_frame(&mut self, frame: &Frame) -> Result<WriteOutcome, AudioError> {
            self.0.push(frame[0]);
            Ok(WriteOutcome::Accepted)
        }
    }

    fn numbered(frames: usize) -> WavSource {
        let samples: Vec<f32> = (0..frames * FRAME_SAMPLES)
            .map(|i| (i / FRAME_SAMPLES + 1) as f32 / 100.0)
            .collect();
        WavSource::from_samples(&samples, 48_000, false).expect("source")
    }

    #[test]
    fn delays_by_whole_frames_and_keeps_order() {
        let mut echo = EchoLoop::new(numbered(5), Recorder::default(), Duration::from_millis(50));
        assert_eq!(echo.delay_frames(), 3);
        assert_eq!(echo.delay(), Duration::from_millis(60));
        assert_eq!(echo.pump().expect("pump"), 5);
        assert_eq!(echo.pump().expect("pump"), 0);
        assert!(echo.is_finished());
        let (_, sink) = echo.into_parts();
        assert_eq!(sink.0, [0.0, 0.0, 0.0, 0.01, 0.02]);
    }

    #[test]
    fn zero_delay_passes_straight_through_and_burst_limits() {
        let mut echo =
            EchoLoop::new(numbered(3), Recorder::default(), Duration::ZERO).with_max_burst(1);
        assert_eq!(echo.pump().expect("pump"), 1);
        assert_eq!(echo.pump().expect("pump"), 1);
        assert_eq!(echo.stats().frames_out, 2);
        assert_eq!(echo.sink_mut().0, [0.01, 0.02]);
    }
}
