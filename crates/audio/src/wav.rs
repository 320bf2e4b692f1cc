//! WAV files as frame sources and sinks, for tests, prompts and call recording.
//!
//! [`WavSource`] decodes the whole file when opened (any rate, any channel count, 8 to 32-bit
//! integer or 32-bit float), mixes it down to mono and resamples it to 48 kHz, then hands out
//! one frame per pull: the caller's pulls pace it. Meant for prompts and test signals of a few
//! minutes at most (48 kHz mono f32 is 11.5 MB per minute). [`WavSink`] writes 48 kHz mono
//! 16-bit PCM through a buffered writer (blocking file I/O: keep it off the audio callbacks,
//! which it never sees anyway).

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::AudioError;
use crate::frame::{
    f32_to_i16, Frame, FrameSink, FrameSource, ReadOutcome, WriteOutcome, FRAME_SAMPLES,
    SAMPLE_RATE,
};
use crate::resample::{downmix_into, resample_buffer};

/// A WAV file played as 20 ms frames of 48 kHz mono.
#[derive(Debug, Clone)]
pub struct WavSource {
    samples: Vec<f32>,
    position: usize,
    looping: bool,
}

impl WavSource {
    /// Decodes `path`. With `looping` the file restarts at its end (seamlessly, without a gap);
    /// without, the last frame is padded with silence and then the source is finished.
    pub fn open(path: impl AsRef<Path>, looping: bool) -> Result<Self, AudioError> {
        let path = path.as_ref();
        let wav_err = |source| AudioError::Wav {
            path: path.display().to_string(),
            source,
        };
        let reader = hound::WavReader::open(path).map_err(wav_err)?;
        let spec = reader.spec();
        if spec.channels == 0 || spec.sample_rate == 0 {
            return Err(AudioError::InvalidWav {
                path: path.display().to_string(),
                reason: "zero channels or sample rate",
            });
        }
        let interleaved: Vec<f32> = match spec.sample_format {
            hound::SampleFormat::Float => reader
                .into_samples::<f32>()
                .collect::<Result<_, _>>()
                .map_err(wav_err)?,
            hound::SampleFormat::Int => {
                let bits = spec.bits_per_sample.clamp(1, 32);
                let scale = 1.0 / (1u64 << (bits - 1)) as f64;
                reader
                    .into_samples::<i32>()
                    .map(|s| s.map(|v| (f64::from(v) * scale) as f32))
                    .collect::<Result<_, _>>()
                    .map_err(wav_err)?
            }
        };
        let channels = usize::from(spec.channels);
        let mut mono = vec![0.0; interleaved.len() / channels];
        downmix_into(&interleaved, channels, &mut mono);
        Self::from_samples(&mono, spec.sample_rate, looping)
    }

    /// A source playing `samples` (mono, at `sample_rate` Hz).
    pub fn from_samples(
        samples: &[f32],
        sample_rate: u32,
        looping: bool,
    ) -> Result<Self, AudioError> {
        Ok(Self {
            samples: resample_buffer(samples, sample_rate, SAMPLE_RATE)?,
            position: 0,
            looping,
        })
    }

    /// Length of the (resampled) audio.
    pub fn duration(&self) -> Duration {
        Duration::from_secs_f64(self.samples.len() as f64 / f64::from(SAMPLE_RATE))
    }

    /// The decoded 48 kHz mono samples.
    pub fn samples(&self) -> &[f32] {
        &self.samples
    }

    /// Turns looping on or off.
    pub fn set_looping(&mut self, looping: bool) {
        self.looping = looping;
    }

    /// Starts again from the beginning.
    pub fn rewind(&mut self) {
        self.position = 0;
    }
}

impl FrameSource for WavSource {
    fn read_frame(&mut self, frame: &mut Frame) -> Result<ReadOutcome, AudioError> {
        if self.samples.is_empty() || (!self.looping && self.position >= self.samples.len()) {
            return Ok(ReadOutcome::Finished);
        }
        let mut filled = 0;
        while filled < FRAME_SAMPLES {
            if self.position >= self.samples.len() {
                if !self.looping {
                    frame.samples[filled..].fill(0.0);
                    break;
                }
                self.position = 0;
            }
            let n = (FRAME_SAMPLES - filled).min(self.samples.len() - self.position);
            frame.samples[filled..filled + n]
                .copy_from_slice(&self.samples[self.position..self.position + n]);
            filled += n;
            self.position += n;
        }
        Ok(ReadOutcome::Frame)
    }
}

/// Writes received frames to a 48 kHz mono 16-bit WAV file.
pub struct WavSink {
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    path: PathBuf,
    frames: u64,
}

impl std::fmt::Debug for WavSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavSink")
            .field("path", &self.path)
            .field("frames", &self.frames)
            .finish()
    }
}

impl WavSink {
    /// Creates (or truncates) `path`.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, AudioError> {
        let path = path.as_ref().to_path_buf();
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let writer = hound::WavWriter::create(&path, spec).map_err(|source| AudioError::Wav {
            path: path.display().to_string(),
            source,
        })?;
        Ok(Self {
            writer: Some(writer),
            path,
            frames: 0,
        })
    }

    /// Frames written so far.
    pub fn frames_written(&self) -> u64 {
        self.frames
    }

    /// Writes the header and closes the file. (Dropping the sink does the same but cannot
    /// report an error.)
    pub fn finalize(mut self) -> Result<(), AudioError> {
        match self.writer.take() {
            Some(writer) => writer.finalize().map_err(|source| self.error(source)),
            None => Ok(()),
        }
    }

    fn error(&self, source: hound::Error) -> AudioError {
        AudioError::Wav {
            path: self.path.display().to_string(),
            source,
        }
    }
}

impl FrameSink for WavSink {
    fn write_frame(&mut self, frame: &Frame) -> Result<WriteOutcome, AudioError> {
        let Some(writer) = self.writer.as_mut() else {
            return Ok(WriteOutcome::Dropped);
        };
        let mut result = Ok(());
        {
            let mut w = writer.get_i16_writer(FRAME_SAMPLES as u32);
            for s in frame.samples.iter() {
                w.write_sample(f32_to_i16(*s));
            }
            if let Err(source) = w.flush() {
                result = Err(source);
            }
        }
        result.map_err(|source| self.error(source))?;
        self.frames += 1;
        Ok(WriteOutcome::Accepted)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::dominant_frequency;
    use crate::level::rms_dbfs;
    use crate::test_support::temp_path;
    use crate::tone::ToneSource;

    #[test]
    fn round_trip_through_a_file() {
        let path = temp_path("roundtrip.wav");
        let mut tone = ToneSource::sine(1000.0, -12.0).expect("tone");
        let mut sink = WavSink::create(&path).expect("create");
        let mut written = Vec::new();
        let mut frame = Frame::silence();
        for _ in 0..25 {
            tone.read_frame(&mut frame).expect("tone");
            sink.write_frame(&frame).expect("write");
            written.extend_from_slice(&frame.samples);
        }
        assert_eq!(sink.frames_written(), 25);
        sink.finalize().expect("finalize");

        let mut source = WavSource::open(&path, false).expect("open");
        assert_eq!(source.duration(), Duration::from_millis(500));
        let mut read = Vec::new();
        while source.read_frame(&mut frame).expect("read") == ReadOutcome::Frame {
            read.extend_from_slice(&frame.samples);
        }
        assert_eq!(read.len(), written.len());
        for (a, b) in read.iter().zip(&written) {
            assert!((a - b).abs() <= 1.0 / 32768.0, "{a} vs {b}");
        }
        assert_eq!(
            source.read_frame(&mut frame).expect("read"),
            ReadOutcome::Finished
        );
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn reads_stereo_44100_as_48k_mono_and_loops() {
        let path = temp_path("stereo44.wav");
        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: 44_100,
            bits_per_sample: 24,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&path, spec).expect("create");
        // 0.25 s of 440 Hz at half scale on both channels.
        for i in 0..11_025 {
            let v = 0.5 * (2.0 * std::f64::consts::PI * 440.0 * i as f64 / 44_100.0).sin();
            let s = (v * 8_388_607.0) as i32;
            w.write_sample(s).expect("sample");
            w.write_sample(s).expect("sample");
        }
        w.finalize().expect("finalize");

        let mut source = WavSource::open(&path, true).expect("open");
        assert_eq!(source.samples().len(), 12_000);
        let mut all = Vec::new();
        let mut frame = Frame::silence();
        // 1 s from a 0.25 s file: it loops.
        for _ in 0..50 {
            assert_eq!(
                source.read_frame(&mut frame).expect("read"),
                ReadOutcome::Frame
            );
            all.extend_from_slice(&frame.samples);
        }
        let freq = dominant_frequency(&all, SAMPLE_RATE, 50.0, 8_000.0).expect("tone");
        assert!((freq - 440.0).abs() < 2.0, "{freq}");
        assert!((rms_dbfs(&all[1_000..11_000]) - (-9.03)).abs() < 0.2);
        let _ = std::fs::remove_file(&path);
    }

    #[test]
    fn missing_file_is_an_error_not_a_panic() {
        let err = WavSource::open("/nonexistent/x.wav", false).expect_err("must fail");
        assert!(err.to_string().contains("/nonexistent/x.wav"));
    }
}
