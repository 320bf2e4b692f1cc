//! The unit of exchange: one 20 ms frame of 48 kHz mono `f32` audio, and the traits every
//! source and sink implements.
//!
//! Samples are `f32` in `[-1.0, 1.0]` (full scale). `f32` was chosen over `i16` because Opus and
//! the resampler work in float, mixing and gain need no saturation at every step, and the
//! conversion to `i16` for G.711 is one call ([`Frame::to_i16`]). Out-of-range values are clamped
//! only when converting to integers (devices, WAV, G.711).

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use crate::error::AudioError;

/// The engine-side sample rate, in Hz.
pub const SAMPLE_RATE: u32 = 48_000;

/// Samples in one frame: 20 ms at 48 kHz, mono.
pub const FRAME_SAMPLES: usize = 960;

/// The duration of one frame.
pub const FRAME_DURATION: Duration = Duration::from_millis(20);

/// One 20 ms frame of 48 kHz mono audio, `f32` in `[-1.0, 1.0]`.
///
/// A plain fixed-size array (3840 bytes): cheap to keep on the stack or in a preallocated pool,
/// and never allocated by the audio callbacks.
#[derive(Clone, PartialEq)]
pub struct Frame {
    /// The samples, oldest first.
    pub samples: [f32; FRAME_SAMPLES],
}

impl Frame {
    /// A frame of digital silence.
    pub const fn silence() -> Self {
        Self {
            samples: [0.0; FRAME_SAMPLES],
        }
    }

    /// Builds a frame from `samples`; missing samples are silence, extra samples are ignored.
    pub fn from_slice(samples: &[f32]) -> Self {
        let mut frame = Self::silence();
        let n = samples.len().min(FRAME_SAMPLES);
        frame.samples[..n].copy_from_slice(&samples[..n]);
        frame
    }

    /// Sets every sample to zero.
    pub fn fill_silence(&mut self) {
        self.samples.fill(0.0);
    }

    /// Converts to 16-bit PCM (clamped, rounded), e.g. for G.711.
    pub fn to_i16(&self, out: &mut [i16; FRAME_SAMPLES]) {
        for (o, s) in out.iter_mut().zip(self.samples.iter()) {
            *o = f32_to_i16(*s);
        }
    }

    /// Builds a frame from 16-bit PCM.
    pub fn from_i16(pcm: &[i16; FRAME_SAMPLES]) -> Self {
        let mut frame = Self::silence();
        for (s, p) in frame.samples.iter_mut().zip(pcm.iter()) {
            *s = f32::from(*p) / 32768.0;
        }
        frame
    }
}

impl Default for Frame {
    fn default() -> Self {
        Self::silence()
    }
}

impl std::fmt::Debug for Frame {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let level = crate::level::Level::measure(&self.samples);
        f.debug_struct("Frame")
            .field("peak_dbfs", &level.peak_dbfs)
            .field("rms_dbfs", &level.rms_dbfs)
            .finish()
    }
}

impl Deref for Frame {
    type Target = [f32];
    fn deref(&self) -> &[f32] {
        &self.samples
    }
}

impl DerefMut for Frame {
    fn deref_mut(&mut self) -> &mut [f32] {
        &mut self.samples
    }
}

/// Converts one float sample to 16-bit PCM, clamping to full scale.
pub fn f32_to_i16(sample: f32) -> i16 {
    let scaled = (sample * 32768.0).round();
    // `as` saturates for floats; NaN becomes 0.
    scaled.clamp(-32768.0, 32767.0) as i16
}

/// What a non-blocking [`FrameSource::read_frame`] produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadOutcome {
    /// The frame was filled with the next 20 ms.
    Frame,
    /// Not enough audio is buffered yet; the frame is untouched. Try again on the next tick.
    Pending,
    /// The source has ended (a WAV file without looping) and will never produce again.
    Finished,
}

/// What a non-blocking [`FrameSink::write_frame`] did with the frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The frame was taken.
    Accepted,
    /// The sink was full and dropped the frame (counted as an overrun).
    Dropped,
}

/// Something that yields 20 ms frames when pulled: a capture device, a WAV file, a tone.
///
/// Calls never block. Files and generators are paced by the caller's pulls (one frame per
/// pull); devices are paced by their clock and answer [`ReadOutcome::Pending`] until a frame
/// is buffered.
pub trait FrameSource: Send {
    /// Fills `frame` with the next 20 ms if available.
    fn read_frame(&mut self, frame: &mut Frame) -> Result<ReadOutcome, AudioError>;
}

/// Something that takes 20 ms frames: a playback device, a WAV file, the null sink.
///
/// Calls never block.
pub trait FrameSink: Send {
    /// Hands the next 20 ms to the sink.
    fn write_frame(&mut self, frame: &Frame) -> Result<WriteOutcome, AudioError>;
}

impl<T: FrameSource + ?Sized> FrameSource for &mut T {
    fn read_frame(&mut self, frame: &mut Frame) -> Result<ReadOutcome, AudioError> {
        (**self).read_frame(frame)
    }
}

impl<T: FrameSource + ?Sized> FrameSource for Box<T> {
    fn read_frame(&mut self, frame: &mut Frame) -> Result<ReadOutcome, AudioError> {
        (**self).read_frame(frame)
    }
}

impl<T: FrameSink + ?Sized> FrameSink for &mut T {
    fn write_frame(&mut self, frame: &Frame) -> Result<WriteOutcome, AudioError> {
        (**self).write_frame(frame)
    }
}

impl<T: FrameSink + ?Sized> FrameSink for Box<T> {
    fn write_frame(&mut self, frame: &Frame) -> Result<WriteOutcome, AudioError> {
        (**self).write_frame(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn i16_conversion_clamps_and_round_trips() {
        assert_eq!(f32_to_i16(1.5), 32767);
        assert_eq!(f32_to_i16(-1.5), -32768);
        assert_eq!(f32_to_i16(f32::NAN), 0);
        let mut pcm = [0i16; FRAME_SAMPLES];
        for (i, p) in pcm.iter_mut().enumerate() {
            *p = (i as i16 - 480) * 60;
        }
        let frame = Frame::from_i16(&pcm);
        let mut back = [0i16; FRAME_SAMPLES];
        frame.to_i16(&mut back);
        assert_eq!(pcm, back);
    }

    #[test]
    fn from_slice_pads_with_silence() {
        let frame = Frame::from_slice(&[0.5; 10]);
        assert_eq!(frame[9], 0.5);
        assert_eq!(frame[10], 0.0);
        assert_eq!(frame.len(), FRAME_SAMPLES);
    }
}
