//! The crate's error type.

use crate::devices::Direction;

/// Everything that can go wrong in this crate.
///
/// Device trouble while a stream runs is not an error of any call: it is reported through
/// [`crate::DeviceHealth`] so the engine can reopen on the default device.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AudioError {
    /// The requested audio host (sound system) is not available on this machine.
    #[error("audio host {0} is not available")]
    HostUnavailable(String),
    /// No device of this direction exists (not even a default one).
    #[error("no {0} audio device is available")]
    NoDevice(Direction),
    /// The audio backend refused an operation (listing, querying, opening, starting).
    #[error("audio backend error while {context}: {source}")]
    Backend {
        /// What we were doing.
        context: &'static str,
        /// The backend's error.
        #[source]
        source: cpal::Error,
    },
    /// The PulseAudio server refused an operation (Linux playback path).
    #[error("PulseAudio error while {context}: {message}")]
    Pulse {
        /// What we were doing.
        context: &'static str,
        /// The client's or server's error.
        message: String,
    },
    /// The device offers only a sample format this crate does not convert.
    #[error("unsupported sample format {0}")]
    UnsupportedFormat(String),
    /// A resampler could not be built or run (invalid rates or sizes).
    #[error("resampler: {0}")]
    Resampler(String),
    /// A WAV file could not be read or written.
    #[error("WAV file {path}: {source}")]
    Wav {
        /// The file.
        path: String,
        /// The decoder's or encoder's error.
        #[source]
        source: hound::Error,
    },
    /// A WAV file has no usable audio (zero channels or rate).
    #[error("WAV file {path}: {reason}")]
    InvalidWav {
        /// The file.
        path: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// An invalid argument (for example a tone frequency above Nyquist).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
}

impl AudioError {
    pub(crate) fn backend(context: &'static str) -> impl FnOnce(cpal::Error) -> AudioError {
        move |source| AudioError::Backend { context, source }
    }
}
