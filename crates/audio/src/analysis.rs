//! Analysis helpers for tests and diagnostics: dominant frequency (Goertzel over a scan of
//! candidate frequencies, Hann-windowed, refined on the whole buffer) and levels.
//!
//! These allocate and are meant for tests, the echo-test line's report and diagnostics, never for
//! an audio callback.

use std::f64::consts::PI;

pub use crate::level::{peak_dbfs, rms_dbfs};

/// Samples used for the coarse scan (100 ms at 48 kHz): 10 Hz bins.
const COARSE_WINDOW: usize = 4_800;

fn hann(samples: &[f32]) -> Vec<f64> {
    let n = samples.len();
    if n < 2 {
        return samples.iter().map(|s| f64::from(*s)).collect();
    }
    samples
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let w = 0.5 - 0.5 * (2.0 * PI * i as f64 / (n - 1) as f64).cos();
            f64::from(*s) * w
        })
        .collect()
}

/// Squared magnitude of the DFT of `x` at `freq` Hz (any frequency, not only bin centres).
fn goertzel_power(x: &[f64], sample_rate: f64, freq: f64) -> f64 {
    let w = 2.0 * PI * freq / sample_rate;
    let coeff = 2.0 * w.cos();
    let (mut s1, mut s2) = (0.0f64, 0.0f64);
    for v in x {
        let s0 = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    (s1 * s1 + s2 * s2 - coeff * s1 * s2).max(0.0)
}

/// Estimated amplitude (1.0 = full-scale sine) of the component at `freq` Hz in `samples`,
/// Hann-windowed Goertzel. Accurate for a tone whose frequency is known.
pub fn tone_amplitude(samples: &[f32], sample_rate: u32, freq: f32) -> f32 {
    if samples.is_empty() {
        return 0.0;
    }
    let x = hann(samples);
    let window_sum: f64 = if samples.len() < 2 {
        samples.len() as f64
    } else {
        (samples.len() - 1) as f64 / 2.0
    };
    let power = goertzel_power(&x, f64::from(sample_rate), f64::from(freq));
    (2.0 * power.sqrt() / window_sum) as f32
}

/// Of `candidates` (Hz), the one with the most energy in `samples`, or `None` if `samples` is
/// empty, `candidates` is empty, or the buffer is digital silence.
pub fn strongest_candidate(samples: &[f32], sample_rate: u32, candidates: &[f32]) -> Option<f32> {
    if samples.is_empty() {
        return None;
    }
    let x = hann(samples);
    let mut best: Option<(f32, f64)> = None;
    for &f in candidates {
        let p = goertzel_power(&x, f64::from(sample_rate), f64::from(f));
        if best.is_none_or(|(_, bp)| p > bp) {
            best = Some((f, p));
        }
    }
    best.filter(|(_, p)| *p > 0.0).map(|(f, _)| f)
}

/// The frequency (Hz) of the strongest component of `samples` between `min_hz` and `max_hz`,
/// or `None` for an empty or silent buffer.
///
/// A coarse Goertzel scan over the first 100 ms finds the peak to within 5 Hz, a fine scan over
/// the whole buffer refines it, and a parabolic fit between the best fine points gives a result
/// well under 1 Hz off for a clean tone of 0.2 s or more.
pub fn dominant_frequency(
    samples: &[f32],
    sample_rate: u32,
    min_hz: f32,
    max_hz: f32,
) -> Option<f32> {
    let rate = f64::from(sample_rate);
    let max_hz = f64::from(max_hz).min(rate / 2.0);
    let min_hz = f64::from(min_hz).max(0.0);
    if samples.len() < 16 || max_hz <= min_hz {
        return None;
    }
    // Coarse scan.
    let coarse = hann(&samples[..samples.len().min(COARSE_WINDOW)]);
    let coarse_bin = rate / coarse.len() as f64;
    let step = coarse_bin / 2.0;
    let mut best = (min_hz, 0.0f64);
    let mut f = min_hz;
    while f <= max_hz {
        let p = goertzel_power(&coarse, rate, f);
        if p > best.1 {
            best = (f, p);
        }
        f += step;
    }
    if best.1 <= 0.0 {
        return None;
    }
    // Fine scan on the whole buffer around the coarse peak.
    let full = if samples.len() > coarse.len() {
        hann(samples)
    } else {
        coarse
    };
    let fine_bin = rate / full.len() as f64;
    let fine_step = (fine_bin / 4.0).min(step / 4.0);
    let lo = (best.0 - 2.0 * coarse_bin).max(min_hz);
    let hi = (best.0 + 2.0 * coarse_bin).min(max_hz);
    let mut points = Vec::new();
    let mut f = lo;
    while f <= hi {
        points.push((f, goertzel_power(&full, rate, f)));
        f += fine_step;
    }
    let (i, &(peak_f, peak_p)) = points
        .iter()
        .enumerate()
        .max_by(|a, b| a.1 .1.total_cmp(&b.1 .1))?;
    if i == 0 || i + 1 == points.len() {
        return Some(peak_f as f32);
    }
    // Parabolic interpolation on the log power.
    let (a, b, c) = (
        points[i - 1].1.max(1e-300).ln(),
        peak_p.max(1e-300).ln(),
        points[i + 1].1.max(1e-300).ln(),
    );
    let denom = a - 2.0 * b + c;
    let offset = if denom.abs() > f64::EPSILON {
        0.5 * (a - c) / denom
    } else {
        0.0
    };
    Some((peak_f + offset.clamp(-1.0, 1.0) * fine_step) as f32)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(freq: f32, amplitude: f32, rate: u32, n: usize) -> Vec<f32> {
        (0..n)
            .map(|i| amplitude * (2.0 * std::f32::consts::PI * freq * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn finds_the_frequency_of_a_tone() {
        for (freq, n) in [
            (440.0, 48_000),
            (1000.0, 9_600),
            (2000.0, 4_800),
            (3137.5, 24_000),
        ] {
            let x = sine(freq, 0.3, 48_000, n);
            let got = dominant_frequency(&x, 48_000, 50.0, 8_000.0).expect("tone");
            assert!((got - freq).abs() < 1.0, "{freq} Hz measured as {got} Hz");
        }
    }

    #[test]
    fn picks_the_louder_of_two_tones_and_measures_amplitude() {
        let mut x = sine(440.0, 0.1, 48_000, 9_600);
        for (s, t) in x.iter_mut().zip(sine(1200.0, 0.4, 48_000, 9_600)) {
            *s += t;
        }
        let got = dominant_frequency(&x, 48_000, 50.0, 8_000.0).expect("tone");
        assert!((got - 1200.0).abs() < 1.0, "{got}");
        assert_eq!(
            strongest_candidate(&x, 48_000, &[440.0, 1200.0]),
            Some(1200.0)
        );
        assert!((tone_amplitude(&x, 48_000, 440.0) - 0.1).abs() < 0.005);
        assert!((tone_amplitude(&x, 48_000, 1200.0) - 0.4).abs() < 0.01);
    }

    #[test]
    fn silence_has_no_frequency() {
        assert_eq!(
            dominant_frequency(&[0.0; 4800], 48_000, 50.0, 8_000.0),
            None
        );
        assert_eq!(dominant_frequency(&[], 48_000, 50.0, 8_000.0), None);
        assert_eq!(strongest_candidate(&[0.0; 480], 48_000, &[440.0]), None);
    }
}
