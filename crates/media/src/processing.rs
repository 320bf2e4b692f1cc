//! Microphone processing before encoding, behind the [`CaptureProcessor`] trait: noise
//! suppression with RNNoise (the pure-Rust `nnnoiseless` port: a recurrent network trained on
//! speech and noise, 48 kHz, 10 ms frames). Echo cancellation would plug in here too; none is
//! built in yet (headsets, or the sound server's own echo-cancel module, are the way today).

use nnnoiseless::DenoiseState;

/// Something that cleans up microphone audio in place: 48 kHz mono samples in `-1.0..=1.0`,
/// any whole number of 10 ms frames (the media loop hands 20 ms).
pub trait CaptureProcessor: Send {
    /// Processes `samples` in place.
    fn process(&mut self, samples: &mut [f32]);
    /// A short name for logs.
    fn name(&self) -> &'static str;
}

/// RNNoise noise suppression.
pub struct NoiseSuppressor {
    state: Box<DenoiseState<'static>>,
    input: Vec<f32>,
    output: Vec<f32>,
    /// RNNoise's first frame carries a fade-in artefact: it is replaced by silence.
    warm: bool,
}

impl std::fmt::Debug for NoiseSuppressor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NoiseSuppressor").finish_non_exhaustive()
    }
}

impl Default for NoiseSuppressor {
    fn default() -> Self {
        Self::new()
    }
}

impl NoiseSuppressor {
    /// A suppressor with fresh state.
    pub fn new() -> Self {
        Self {
            state: DenoiseState::new(),
            input: vec![0.0; DenoiseState::FRAME_SIZE],
            output: vec![0.0; DenoiseState::FRAME_SIZE],
            warm: false,
        }
    }
}

impl CaptureProcessor for NoiseSuppressor {
    fn process(&mut self, samples: &mut [f32]) {
        for chunk in samples.chunks_mut(DenoiseState::FRAME_SIZE) {
            if chunk.len() != DenoiseState::FRAME_SIZE {
                // Not a whole 10 ms: left as it is.
                continue;
            }
            // RNNoise works on 16-bit sample values. NaN or infinity (a broken driver) would
            // reach its FFT, which must never see them: they become silence.
            for (i, s) in self.input.iter_mut().zip(chunk.iter()) {
                *i = if s.is_finite() {
                    s.clamp(-1.0, 1.0) * 32768.0
                } else {
                    0.0
                };
            }
            self.state.process_frame(&mut self.output, &self.input);
            if self.warm {
                for (s, o) in chunk.iter_mut().zip(self.output.iter()) {
                    *s = (o / 32768.0).clamp(-1.0, 1.0);
                }
            } else {
                chunk.fill(0.0);
                self.warm = true;
            }
        }
    }

    fn name(&self) -> &'static str {
        "rnnoise"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Deterministic brown noise (leaky-integrated xorshift white noise): the rumble of a fan
    /// or traffic. (RNNoise takes synthetic white noise for speech and keeps it.)
    fn noise(n: usize, amplitude: f32, state: &mut (u32, f32)) -> Vec<f32> {
        (0..n)
            .map(|_| {
                let (seed, y) = state;
                *seed ^= *seed << 13;
                *seed ^= *seed >> 17;
                *seed ^= *seed << 5;
                let white = *seed as f32 / u32::MAX as f32 * 2.0 - 1.0;
                *y = 0.98 * *y + white;
                *y * amplitude / 10.0
            })
            .collect()
    }

    fn rms_db(x: &[f32]) -> f32 {
        let p = x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32;
        10.0 * p.max(1e-12).log10()
    }

    #[test]
    fn steady_noise_is_suppressed() {
        let mut ns = NoiseSuppressor::new();
        let mut seed = (0x1234_5678, 0.0);
        let mut last = Vec::new();
        // Two seconds of room noise, 20 ms at a time.
        for _ in 0..100 {
            let mut frame = noise(960, 0.03, &mut seed);
            ns.process(&mut frame);
            last = frame;
        }
        let input = rms_db(&noise(960, 0.03, &mut seed));
        let output = rms_db(&last);
        assert!(
            output < input - 20.0,
            "noise {input:.1} dB in, {output:.1} dB out"
        );
    }

    #[test]
    fn odd_sizes_and_extremes_do_not_panic() {
        let mut ns = NoiseSuppressor::new();
        let mut short = vec![0.5f32; 100];
        ns.process(&mut short);
        assert!(
            short.iter().all(|s| *s == 0.5),
            "a partial frame is left alone"
        );
        let mut loud = vec![1.0f32; 960];
        ns.process(&mut loud);
        let mut nan = vec![f32::NAN; 960];
        ns.process(&mut nan);
        let mut after = vec![0.0f32; 960];
        ns.process(&mut after);
        assert!(after.iter().all(|s| (-1.0..=1.0).contains(s)));
        assert_eq!(ns.name(), "rnnoise");
    }
}
