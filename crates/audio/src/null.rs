//! Devices that do nothing, for tests and for a call without audio hardware.

use crate::error::AudioError;
use crate::frame::{Frame, FrameSink, FrameSource, ReadOutcome, WriteOutcome};
use crate::level::Level;

/// Accepts every frame and forgets it (counting frames and keeping the last level).
#[derive(Debug, Default, Clone)]
pub struct NullSink {
    frames: u64,
    level: Level,
}

impl NullSink {
    /// A new sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// Frames written so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The level of the last frame written.
    pub fn level(&self) -> Level {
        self.level
    }
}

impl FrameSink for NullSink {
    fn write_frame(&mut self, frame: &Frame) -> Result<WriteOutcome, AudioError> {
        self.frames += 1;
        self.level = Level::measure(frame);
        Ok(WriteOutcome::Accepted)
    }
}

/// Yields silent frames forever, one per pull.
#[derive(Debug, Default, Clone)]
pub struct SilenceSource {
    frames: u64,
}

impl SilenceSource {
    /// A new source.
    pub fn new() -> Self {
        Self::default()
    }

    /// Frames read so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }
}

impl FrameSource for SilenceSource {
    fn read_frame(&mut self, frame: &mut Frame) -> Result<ReadOutcome, AudioError> {
        frame.fill_silence();
        self.frames += 1;
        Ok(ReadOutcome::Frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::level::SILENCE_DBFS;

    #[test]
    fn null_devices_count_frames() {
        let mut source = SilenceSource::new();
        let mut sink = NullSink::new();
        let mut frame = Frame::from_slice(&[0.5; 960]);
        for _ in 0..3 {
            assert_eq!(source.read_frame(&mut frame).ok(), Some(ReadOutcome::Frame));
            assert_eq!(sink.write_frame(&frame).ok(), Some(WriteOutcome::Accepted));
        }
        assert_eq!((source.frames(), sink.frames()), (3, 3));
        assert_eq!(sink.level().peak_dbfs, SILENCE_DBFS);
    }
}
