//! Sample-rate and channel conversion between a device's native format and 48 kHz mono.
//!
//! [`StreamResampler`] converts a stream in place in the audio callbacks: every buffer is
//! allocated when it is built, `process` never allocates, locks or blocks. [`resample_buffer`]
//! converts a whole clip in memory (WAV files) and may allocate.
//!
//! Both use rubato's asynchronous sinc resampler (128-tap Blackman-Harris windowed sinc,
//! linear interpolation between 256 oversampled filter phases): flat to well above the speech
//! band, with a delay of about 64 input samples (1.3 ms at 48 kHz).

use rubato::audioadapter_buffers::direct::SequentialSlice;
use rubato::{
    Async, FixedAsync, Resampler, SincInterpolationParameters, SincInterpolationType,
    WindowFunction,
};

use crate::error::AudioError;

fn sinc_parameters() -> SincInterpolationParameters {
    SincInterpolationParameters::new(128, WindowFunction::BlackmanHarris2)
        .oversampling_factor(256)
        .interpolation(SincInterpolationType::Linear)
}

fn build(from_rate: u32, to_rate: u32, chunk: usize) -> Result<Async<f32>, AudioError> {
    if from_rate == 0 || to_rate == 0 || chunk == 0 {
        return Err(AudioError::Resampler(format!(
            "invalid conversion {from_rate} Hz -> {to_rate} Hz in chunks of {chunk}"
        )));
    }
    let ratio = f64::from(to_rate) / f64::from(from_rate);
    Async::<f32>::new_sinc(ratio, 1.0, &sinc_parameters(), chunk, 1, FixedAsync::Input)
        .map_err(|e| AudioError::Resampler(e.to_string()))
}

/// A streaming mono resampler for the audio callbacks: feed it any number of input samples,
/// get output samples through a callback as soon as a whole input chunk has accumulated.
pub struct StreamResampler {
    inner: Async<f32>,
    input: Vec<f32>,
    filled: usize,
    output: Vec<f32>,
    from_rate: u32,
    to_rate: u32,
}

impl std::fmt::Debug for StreamResampler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StreamResampler")
            .field("from_rate", &self.from_rate)
            .field("to_rate", &self.to_rate)
            .field("chunk", &self.input.len())
            .finish()
    }
}

impl StreamResampler {
    /// A resampler from `from_rate` to `to_rate` Hz that runs once per `chunk` input samples.
    pub fn new(from_rate: u32, to_rate: u32, chunk: usize) -> Result<Self, AudioError> {
        let inner = build(from_rate, to_rate, chunk)?;
        let output = vec![0.0; inner.output_frames_max()];
        Ok(Self {
            inner,
            input: vec![0.0; chunk],
            filled: 0,
            output,
            from_rate,
            to_rate,
        })
    }

    /// Input samples consumed per run.
    pub fn input_chunk(&self) -> usize {
        self.input.len()
    }

    /// The most output samples one run can produce.
    pub fn max_output_per_chunk(&self) -> usize {
        self.output.len()
    }

    /// The delay the filter adds, in output samples.
    pub fn delay(&self) -> usize {
        self.inner.output_delay()
    }

    /// Input sample rate, Hz.
    pub fn from_rate(&self) -> u32 {
        self.from_rate
    }

    /// Output sample rate, Hz.
    pub fn to_rate(&self) -> u32 {
        self.to_rate
    }

    /// Feeds `input`; `emit` receives each block of converted output. Never allocates.
    ///
    /// Input that does not fill a chunk is kept for the next call.
    pub fn process(
        &mut self,
        mut input: &[f32],
        mut emit: impl FnMut(&[f32]),
    ) -> Result<(), AudioError> {
        let chunk = self.input.len();
        while !input.is_empty() {
            let take = (chunk - self.filled).min(input.len());
            self.input[self.filled..self.filled + take].copy_from_slice(&input[..take]);
            self.filled += take;
            input = &input[take..];
            if self.filled == chunk {
                self.filled = 0;
                let produced = self.run()?;
                emit(&self.output[..produced]);
            }
        }
        Ok(())
    }

    fn run(&mut self) -> Result<usize, AudioError> {
        let chunk = self.input.len();
        let out_len = self.output.len();
        let input = SequentialSlice::new(&self.input[..], 1, chunk)
            .map_err(|e| AudioError::Resampler(e.to_string()))?;
        let mut output = SequentialSlice::new_mut(&mut self.output[..], 1, out_len)
            .map_err(|e| AudioError::Resampler(e.to_string()))?;
        let (_, produced) = self
            .inner
            .process_into_buffer(&input, &mut output, None)
            .map_err(|e| AudioError::Resampler(e.to_string()))?;
        Ok(produced)
    }
}

/// Resamples a whole mono clip from `from_rate` to `to_rate` Hz (the filter delay is trimmed,
/// the output has `len · to / from` samples). Allocates; not for audio callbacks.
pub fn resample_buffer(
    input: &[f32],
    from_rate: u32,
    to_rate: u32,
) -> Result<Vec<f32>, AudioError> {
    if from_rate == to_rate {
        return Ok(input.to_vec());
    }
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let mut resampler = build(from_rate, to_rate, 1024)?;
    let adapter = SequentialSlice::new(input, 1, input.len())
        .map_err(|e| AudioError::Resampler(e.to_string()))?;
    let out = resampler
        .process_all(&adapter, input.len(), None)
        .map_err(|e| AudioError::Resampler(e.to_string()))?;
    let mut data = out.take_data();
    // rubato rounds the length up from a float ratio; use the exact rational length.
    let exact = (input.len() as u64 * u64::from(to_rate)).div_ceil(u64::from(from_rate));
    data.truncate(exact as usize);
    Ok(data)
}

/// Mixes interleaved `input` of `channels` channels down to mono (the mean of the channels)
/// into `out`, one sample per input frame. Returns the number of frames written (limited by
/// `out.len()`).
pub fn downmix_into<T: Copy>(input: &[T], channels: usize, out: &mut [f32]) -> usize
where
    f32: cpal::FromSample<T>,
{
    use cpal::FromSample;
    let channels = channels.max(1);
    let frames = (input.len() / channels).min(out.len());
    if channels == 1 {
        for (o, s) in out[..frames].iter_mut().zip(input) {
            *o = f32::from_sample_(*s);
        }
        return frames;
    }
    let scale = 1.0 / channels as f32;
    for (o, frame) in out[..frames].iter_mut().zip(input.chunks_exact(channels)) {
        let sum: f32 = frame.iter().map(|s| f32::from_sample_(*s)).sum();
        *o = sum * scale;
    }
    frames
}

/// A fixed-capacity FIFO of samples for the callbacks (no allocation after construction).
#[derive(Debug)]
pub(crate) struct SampleFifo {
    buf: Vec<f32>,
    start: usize,
    end: usize,
}

impl SampleFifo {
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Self {
            buf: vec![0.0; capacity],
            start: 0,
            end: 0,
        }
    }

    /// Samples waiting.
    #[cfg_attr(not(any(test, target_os = "linux")), allow(dead_code))]
    pub(crate) fn len(&self) -> usize {
        self.end - self.start
    }

    /// Appends as much of `samples` as fits; returns how many were taken.
    pub(crate) fn push(&mut self, samples: &[f32]) -> usize {
        if self.end + samples.len() > self.buf.len() && self.start > 0 {
            self.buf.copy_within(self.start..self.end, 0);
            self.end -= self.start;
            self.start = 0;
        }
        let n = samples.len().min(self.buf.len() - self.end);
        self.buf[self.end..self.end + n].copy_from_slice(&samples[..n]);
        self.end += n;
        n
    }

    pub(crate) fn pop(&mut self) -> Option<f32> {
        if self.start == self.end {
            return None;
        }
        let v = self.buf[self.start];
        self.start += 1;
        if self.start == self.end {
            self.start = 0;
            self.end = 0;
        }
        Some(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::dominant_frequency;
    use crate::level::rms_dbfs;

    fn sine(freq: f32, amplitude: f32, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| amplitude * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn clip_1khz_at_44100_comes_out_at_1khz_48000_same_level() {
        let input = sine(1000.0, 0.5, 44_100, 44_100);
        let output = resample_buffer(&input, 44_100, 48_000).expect("resample");
        assert!(
            (output.len() as i64 - 48_000).abs() <= 1,
            "{}",
            output.len()
        );
        // Skip the edges (filter ramp-in/out).
        let mid = &output[2_400..45_600];
        let freq = dominant_frequency(mid, 48_000, 50.0, 8_000.0).expect("tone");
        assert!((freq - 1000.0).abs() < 1.0, "frequency {freq}");
        let diff = rms_dbfs(mid) - rms_dbfs(&input[2_205..41_895]);
        assert!(diff.abs() < 0.5, "level changed by {diff} dB");
    }

    #[test]
    fn stream_1khz_at_44100_comes_out_at_1khz_48000_same_level() {
        let input = sine(1000.0, 0.5, 44_100, 44_100);
        let mut r = StreamResampler::new(44_100, 48_000, 441).expect("resampler");
        let mut output = Vec::new();
        // Feed in odd-sized pieces, as a device would.
        for piece in input.chunks(317) {
            r.process(piece, |o| output.extend_from_slice(o))
                .expect("process");
        }
        // 100 chunks of 441 in -> 100 × 480 out (less what is still in the accumulator).
        assert!(
            (output.len() as i64 - 48_000).abs() <= 480,
            "{}",
            output.len()
        );
        let mid = &output[4_800..output.len() - 2_400];
        let freq = dominant_frequency(mid, 48_000, 50.0, 8_000.0).expect("tone");
        assert!((freq - 1000.0).abs() < 1.0, "frequency {freq}");
        let diff = rms_dbfs(mid) - rms_dbfs(&input);
        assert!(diff.abs() < 0.5, "level changed by {diff} dB");
    }

    #[test]
    fn stream_48000_to_16000_and_back_keeps_a_tone() {
        let input = sine(440.0, 0.25, 48_000, 48_000);
        let mut down = StreamResampler::new(48_000, 16_000, 480).expect("down");
        let mut up = StreamResampler::new(16_000, 48_000, 160).expect("up");
        let mut output = Vec::new();
        for piece in input.chunks(960) {
            down.process(piece, |o| {
                up.process(o, |u| output.extend_from_slice(u)).expect("up");
            })
            .expect("down");
        }
        let mid = &output[4_800..output.len() - 2_400];
        let freq = dominant_frequency(mid, 48_000, 50.0, 8_000.0).expect("tone");
        assert!((freq - 440.0).abs() < 1.0, "frequency {freq}");
        assert!((rms_dbfs(mid) - rms_dbfs(&input)).abs() < 0.5);
    }

    #[test]
    fn downmix_averages_channels() {
        let stereo: [i16; 6] = [16384, 0, -16384, -16384, 0, 8192];
        let mut out = [0.0f32; 3];
        assert_eq!(downmix_into(&stereo, 2, &mut out), 3);
        assert_eq!(out, [0.25, -0.5, 0.125]);
    }

    #[test]
    fn fifo_compacts_and_keeps_order() {
        let mut f = SampleFifo::with_capacity(4);
        assert_eq!(f.push(&[1.0, 2.0, 3.0]), 3);
        assert_eq!(f.pop(), Some(1.0));
        assert_eq!(f.push(&[4.0, 5.0]), 2);
        assert_eq!(f.push(&[6.0]), 0);
        assert_eq!(f.len(), 4);
        let all: Vec<f32> = std::iter::from_fn(|| f.pop()).collect();
        assert_eq!(all, [2.0, 3.0, 4.0, 5.0]);
    }
}
