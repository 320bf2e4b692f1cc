//! Tone generators: a sine (or a sum of sines) at a given level, optionally switched on and off
//! in a cadence, and the phone tones a softphone plays locally (ringback, busy).
//!
//! Levels are RMS dBFS per component, as measured by [`crate::level::rms_dbfs`] (a full-scale
//! sine is −3.01 dBFS). Cadenced tones ramp in and out over 4 ms to avoid clicks. A tone
//! source is paced by the caller's pulls: one frame per pull, forever.

use std::f64::consts::TAU;
use std::time::Duration;

use crate::error::AudioError;
use crate::frame::{Frame, FrameSource, ReadOutcome, SAMPLE_RATE};

/// Edge ramp of cadenced tones, in samples (4 ms).
const RAMP_SAMPLES: u64 = 192;

/// The default level of the phone tones, per component (RMS dBFS).
pub const PHONE_TONE_LEVEL_DBFS: f32 = -20.0;

/// One on/off step of a cadence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cadence {
    /// Tone on for this long.
    pub on: Duration,
    /// Then silence for this long.
    pub off: Duration,
}

impl Cadence {
    /// On for `on_ms`, off for `off_ms` milliseconds.
    pub const fn millis(on_ms: u64, off_ms: u64) -> Self {
        Self {
            on: Duration::from_millis(on_ms),
            off: Duration::from_millis(off_ms),
        }
    }
}

/// The call-progress tones played to the local user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PhoneTone {
    /// Ringback, ETSI / most of Europe: 425 Hz, 1 s on, 4 s off.
    RingbackEurope,
    /// Ringback, North America: 440 + 480 Hz, 2 s on, 4 s off.
    RingbackNorthAmerica,
    /// Busy, ETSI / most of Europe: 425 Hz, 0.5 s on, 0.5 s off.
    BusyEurope,
    /// Busy, North America: 480 + 620 Hz, 0.5 s on, 0.5 s off.
    BusyNorthAmerica,
}

impl PhoneTone {
    /// The component frequencies, Hz.
    pub fn frequencies(self) -> &'static [f32] {
        match self {
            PhoneTone::RingbackEurope | PhoneTone::BusyEurope => &[425.0],
            PhoneTone::RingbackNorthAmerica => &[440.0, 480.0],
            PhoneTone::BusyNorthAmerica => &[480.0, 620.0],
        }
    }

    /// The cadence.
    pub fn cadence(self) -> Cadence {
        match self {
            PhoneTone::RingbackEurope => Cadence::millis(1_000, 4_000),
            PhoneTone::RingbackNorthAmerica => Cadence::millis(2_000, 4_000),
            PhoneTone::BusyEurope | PhoneTone::BusyNorthAmerica => Cadence::millis(500, 500),
        }
    }
}

#[derive(Debug, Clone)]
struct Component {
    phase_step: f64,
    amplitude: f64,
    phase: f64,
}

/// A tone as a [`FrameSource`].
#[derive(Debug, Clone)]
pub struct ToneSource {
    components: Vec<Component>,
    /// Samples on and off per cadence step; empty for a continuous tone.
    cadence: Vec<(u64, u64)>,
    step: usize,
    position: u64,
}

fn to_samples(d: Duration) -> u64 {
    (d.as_secs_f64() * f64::from(SAMPLE_RATE)).round() as u64
}

impl ToneSource {
    /// A continuous sine of `frequency` Hz at `level_dbfs` RMS.
    pub fn sine(frequency: f32, level_dbfs: f32) -> Result<Self, AudioError> {
        Self::new(&[frequency], level_dbfs, &[])
    }

    /// A sum of sines, each at `level_dbfs` RMS, repeating `cadence` (continuous if empty).
    /// Fails if a frequency is not between 0 and 24 kHz, or if the peaks could clip.
    pub fn new(
        frequencies: &[f32],
        level_dbfs: f32,
        cadence: &[Cadence],
    ) -> Result<Self, AudioError> {
        let nyquist = SAMPLE_RATE as f32 / 2.0;
        if frequencies.is_empty() {
            return Err(AudioError::InvalidArgument(
                "a tone needs a frequency".into(),
            ));
        }
        if let Some(f) = frequencies.iter().find(|f| !(**f > 0.0 && **f < nyquist)) {
            return Err(AudioError::InvalidArgument(format!(
                "tone frequency {f} Hz is outside 0..{nyquist} Hz"
            )));
        }
        let amplitude = f64::from(crate::level::dbfs_to_amplitude(level_dbfs)) * 2f64.sqrt();
        if !amplitude.is_finite() || amplitude * frequencies.len() as f64 > 1.0 + 1e-6 {
            return Err(AudioError::InvalidArgument(format!(
                "{} component(s) at {level_dbfs} dBFS RMS would clip",
                frequencies.len()
            )));
        }
        Ok(Self::from_parts(frequencies, amplitude, cadence))
    }

    fn from_parts(frequencies: &[f32], amplitude: f64, cadence: &[Cadence]) -> Self {
        Self {
            components: frequencies
                .iter()
                .map(|f| Component {
                    phase_step: TAU * f64::from(*f) / f64::from(SAMPLE_RATE),
                    amplitude,
                    phase: 0.0,
                })
                .collect(),
            cadence: cadence
                .iter()
                .map(|c| (to_samples(c.on), to_samples(c.off)))
                .filter(|(on, off)| on + off > 0)
                .collect(),
            step: 0,
            position: 0,
        }
    }

    /// A phone tone at [`PHONE_TONE_LEVEL_DBFS`].
    pub fn phone_tone(tone: PhoneTone) -> Self {
        // Valid by construction: at most two components at -20 dBFS, frequencies below 1 kHz.
        let amplitude =
            f64::from(crate::level::dbfs_to_amplitude(PHONE_TONE_LEVEL_DBFS)) * 2f64.sqrt();
        Self::from_parts(tone.frequencies(), amplitude, &[tone.cadence()])
    }

    /// A phone tone at `level_dbfs` RMS per component.
    pub fn phone_tone_at(tone: PhoneTone, level_dbfs: f32) -> Result<Self, AudioError> {
        Self::new(tone.frequencies(), level_dbfs, &[tone.cadence()])
    }

    /// Restarts the cadence and the phase.
    pub fn reset(&mut self) {
        self.step = 0;
        self.position = 0;
        for c in &mut self.components {
            c.phase = 0.0;
        }
    }

    /// The gain (0..=1) at the current cadence position, advancing it by one sample.
    fn envelope(&mut self) -> f64 {
        let Some(&(on, off)) = self.cadence.get(self.step) else {
            return 1.0;
        };
        let pos = self.position;
        self.position += 1;
        if self.position >= on + off {
            self.position = 0;
            self.step = (self.step + 1) % self.cadence.len();
        }
        if pos >= on {
            return 0.0;
        }
        let ramp = RAMP_SAMPLES.min(on / 2).max(1);
        let from_start = pos + 1;
        let to_end = on - pos;
        (from_start.min(to_end).min(ramp) as f64) / ramp as f64
    }
}

impl FrameSource for ToneSource {
    fn read_frame(&mut self, frame: &mut Frame) -> Result<ReadOutcome, AudioError> {
        for i in 0..frame.samples.len() {
            let gain = self.envelope();
            let mut v = 0.0;
            for c in &mut self.components {
                if gain > 0.0 {
                    v += c.amplitude * c.phase.sin();
                }
                c.phase = (c.phase + c.phase_step) % TAU;
            }
            frame.samples[i] = (v * gain) as f32;
        }
        Ok(ReadOutcome::Frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{dominant_frequency, strongest_candidate, tone_amplitude};
    use crate::level::rms_dbfs;

    fn pull(source: &mut ToneSource, frames: usize) -> Vec<f32> {
        let mut out = Vec::new();
        let mut frame = Frame::silence();
        for _ in 0..frames {
            assert_eq!(source.read_frame(&mut frame).ok(), Some(ReadOutcome::Frame));
            out.extend_from_slice(&frame.samples);
        }
        out
    }

    #[test]
    fn sine_has_the_asked_frequency_and_level() {
        for (freq, level) in [(440.0, -20.0), (1000.0, -6.0), (3000.0, -30.0)] {
            let mut tone = ToneSource::sine(freq, level).expect("tone");
            let x = pull(&mut tone, 25);
            let got = dominant_frequency(&x, SAMPLE_RATE, 50.0, 8_000.0).expect("freq");
            assert!((got - freq).abs() < 0.5, "{freq}: {got}");
            assert!(
                (rms_dbfs(&x) - level).abs() < 0.05,
                "{level}: {}",
                rms_dbfs(&x)
            );
        }
    }

    #[test]
    fn phase_is_continuous_across_frames() {
        let mut tone = ToneSource::sine(1000.0, -3.0103).expect("tone");
        let x = pull(&mut tone, 3);
        let max_step = x
            .windows(2)
            .map(|w| (w[1] - w[0]).abs())
            .fold(0.0f32, f32::max);
        // 1 kHz full scale at 48 kHz moves at most 2π·1000/48000 ≈ 0.131 per sample.
        assert!(max_step < 0.132, "{max_step}");
    }

    #[test]
    fn invalid_tones_are_refused() {
        assert!(ToneSource::sine(0.0, -20.0).is_err());
        assert!(ToneSource::sine(30_000.0, -20.0).is_err());
        assert!(
            ToneSource::sine(1000.0, 0.0).is_err(),
            "0 dBFS RMS sine clips"
        );
        assert!(ToneSource::new(&[440.0, 480.0], -6.0, &[]).is_err());
    }

    #[test]
    fn european_ringback_is_425_hz_one_second_in_five() {
        let mut tone = ToneSource::phone_tone(PhoneTone::RingbackEurope);
        let x = pull(&mut tone, 250 + 50); // one 5 s cycle and the next second
        let on = &x[4_800..43_200];
        let got = dominant_frequency(on, SAMPLE_RATE, 50.0, 8_000.0).expect("freq");
        assert!((got - 425.0).abs() < 0.5, "{got}");
        assert!((rms_dbfs(on) - PHONE_TONE_LEVEL_DBFS).abs() < 0.1);
        assert!(rms_dbfs(&x[48_000..240_000]) < -119.0, "silent for 4 s");
        assert!(
            rms_dbfs(&x[240_000 + 4_800..240_000 + 43_200]) > -21.0,
            "on again"
        );
    }

    #[test]
    fn north_american_tones_have_both_components() {
        let mut ring = ToneSource::phone_tone(PhoneTone::RingbackNorthAmerica);
        let x = pull(&mut ring, 100);
        let a440 = tone_amplitude(&x[..48_000], SAMPLE_RATE, 440.0);
        let a480 = tone_amplitude(&x[..48_000], SAMPLE_RATE, 480.0);
        assert!((a440 - a480).abs() < 0.01 && a440 > 0.1, "{a440} {a480}");
        assert!(
            rms_dbfs(&x[..96_000]) > -18.0,
            "on for 2 s (two components: -17 dBFS)"
        );

        let mut busy = ToneSource::phone_tone(PhoneTone::BusyNorthAmerica);
        let x = pull(&mut busy, 50);
        assert!(rms_dbfs(&x[24_000..48_000]) < -119.0, "off after 0.5 s");
        let first = &x[..24_000];
        let strongest = strongest_candidate(first, SAMPLE_RATE, &[350.0, 480.0, 620.0, 700.0]);
        assert!(
            matches!(strongest, Some(f) if f == 480.0 || f == 620.0),
            "{strongest:?}"
        );
        assert!(tone_amplitude(first, SAMPLE_RATE, 620.0) > 0.1);
        assert!(tone_amplitude(first, SAMPLE_RATE, 350.0) < 0.01);
    }

    #[test]
    fn european_busy_cadence() {
        let mut busy = ToneSource::phone_tone(PhoneTone::BusyEurope);
        let x = pull(&mut busy, 100);
        for second in 0..2 {
            let base = second * 48_000;
            assert!(rms_dbfs(&x[base + 1_000..base + 23_000]) > -20.5);
            assert!(rms_dbfs(&x[base + 24_000..base + 48_000]) < -119.0);
        }
    }
}
