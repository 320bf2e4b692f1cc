//! Level meter: peak and RMS in dBFS.
//!
//! Convention used across the crate: `dBFS = 20·log10(x)` where `x` is the peak absolute sample
//! or the RMS value, full scale being 1.0. A full-scale sine therefore reads 0 dBFS peak and
//! −3.01 dBFS RMS (no AES17 +3 dB correction). Silence reads [`SILENCE_DBFS`].

/// The floor reported for digital silence (and anything quieter).
pub const SILENCE_DBFS: f32 = -120.0;

/// Converts a linear amplitude (1.0 = full scale) to dBFS, floored at [`SILENCE_DBFS`].
pub fn amplitude_to_dbfs(amplitude: f32) -> f32 {
    if amplitude.is_nan() || amplitude <= 0.0 {
        return SILENCE_DBFS;
    }
    (20.0 * amplitude.log10()).max(SILENCE_DBFS)
}

/// Converts dBFS to a linear amplitude (1.0 = full scale).
pub fn dbfs_to_amplitude(dbfs: f32) -> f32 {
    10f32.powf(dbfs / 20.0)
}

/// RMS level of `samples` in dBFS (see the module doc for the convention).
pub fn rms_dbfs(samples: &[f32]) -> f32 {
    if samples.is_empty() {
        return SILENCE_DBFS;
    }
    let sum: f64 = samples.iter().map(|s| f64::from(*s) * f64::from(*s)).sum();
    amplitude_to_dbfs((sum / samples.len() as f64).sqrt() as f32)
}

/// Peak level of `samples` in dBFS.
pub fn peak_dbfs(samples: &[f32]) -> f32 {
    amplitude_to_dbfs(samples.iter().fold(0.0f32, |m, s| m.max(s.abs())))
}

/// The level of one frame (or any buffer): peak and RMS in dBFS.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Level {
    /// Highest absolute sample, dBFS.
    pub peak_dbfs: f32,
    /// Root mean square, dBFS.
    pub rms_dbfs: f32,
}

impl Level {
    /// The level of silence.
    pub const SILENCE: Level = Level {
        peak_dbfs: SILENCE_DBFS,
        rms_dbfs: SILENCE_DBFS,
    };

    /// Measures `samples`.
    pub fn measure(samples: &[f32]) -> Level {
        Level {
            peak_dbfs: peak_dbfs(samples),
            rms_dbfs: rms_dbfs(samples),
        }
    }
}

impl Default for Level {
    fn default() -> Self {
        Level::SILENCE
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_scale_sine_reads_zero_peak_minus_three_rms() {
        let sine: Vec<f32> = (0..48_000)
            .map(|i| (2.0 * std::f32::consts::PI * 1000.0 * i as f32 / 48_000.0).sin())
            .collect();
        let level = Level::measure(&sine);
        assert!(level.peak_dbfs.abs() < 0.01, "{level:?}");
        assert!((level.rms_dbfs + 3.0103).abs() < 0.01, "{level:?}");
    }

    #[test]
    fn silence_is_floored() {
        assert_eq!(Level::measure(&[0.0; 960]), Level::SILENCE);
        assert_eq!(rms_dbfs(&[]), SILENCE_DBFS);
        assert!((dbfs_to_amplitude(-6.0206) - 0.5).abs() < 1e-4);
    }
}
