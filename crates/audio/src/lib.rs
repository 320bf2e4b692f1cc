//! Audio devices for the softphone.
//!
//! Owns: capture and playback through `cpal`, the device list and hot-plug by polling,
//! resampling, the lock-free rings that carry 20 ms frames to and from the engine, and WAV/null
//! devices for tests and scripts.
//!
//! Must never depend on: the `sip` or `media` crates, tokio, or any network code. The audio
//! callback threads never block, lock or allocate.
//!
//! # The frame
//!
//! Everything speaks [`Frame`]: 20 ms of 48 kHz mono `f32` ([`FRAME_SAMPLES`] = 960 samples,
//! full scale ±1.0). Sources implement [`FrameSource`] (`read_frame`), sinks [`FrameSink`]
//! (`write_frame`); both are non-blocking. Devices, WAV files, tones, silence and the null sink
//! are interchangeable, so the engine and its tests are wired the same way.
//!
//! # How the engine uses it
//!
//! ```no_run
//! use std::time::Duration;
//! use softphone_audio::{
//!     AudioHost, CaptureStream, DeviceHealth, DevicePoller, EchoLoop, Frame, FrameSink,
//!     PlaybackStream, ReadOutcome, StreamOptions,
//! };
//!
//! # fn main() -> Result<(), softphone_audio::AudioError> {
//! let host = AudioHost::new();
//! let mut poller = DevicePoller::new(host.devices()?);
//! let options = StreamOptions::default();
//! // By id or name from the settings; None, unknown or broken names fall back to the default.
//! let mut mic = CaptureStream::open(&host, Some("USB Headset"), &options)?;
//! let mut speaker = PlaybackStream::open(&host, None, &options)?;
//! if let Some(reason) = &mic.info().fallback {
//!     eprintln!("microphone: {reason}");
//! }
//!
//! // Every 20 ms tick (a tokio interval in the engine):
//! let mut frame = Frame::silence();
//! while mic.read_frame(&mut frame) == ReadOutcome::Frame {
//!     // encode and send; the decoder's output goes to speaker.write_frame(&decoded)
//! }
//! // Every 100-200 ms: reopen on the default if a device died.
//! if let DeviceHealth::Lost(reason) = mic.health() {
//!     eprintln!("microphone lost ({reason:?}), reopening the default");
//!     mic = CaptureStream::open(&host, None, &options)?;
//! }
//! // Every 1-2 s (blocking: spawn_blocking): hot-plug.
//! let changes = poller.poll(&host)?;
//! if !changes.is_empty() { /* publish Event::DevicesChanged */ }
//!
//! // The echo-test line: the microphone back on the speaker 200 ms later; pump every tick.
//! let mut echo = EchoLoop::new(mic, speaker, Duration::from_millis(200));
//! echo.pump()?;
//! # Ok(())
//! # }
//! ```
//!
//! Buffer sizes and latency are described in [`stream`].
//!
//! # Platforms
//!
//! cpal picks the host: PulseAudio (also PipeWire through pipewire-pulse) on Linux when a server
//! is reachable, ALSA otherwise; CoreAudio on macOS; WASAPI on Windows. Device listing and
//! streams use cpal everywhere except on the PulseAudio host, where both directions go through
//! ALSA's `pulse` PCM (package `libasound2-plugins`) with a 10 ms period: cpal 0.18.2's native
//! PulseAudio playback stalls after its first buffer with low-latency settings, and its capture
//! drops whatever the server delivers beyond one period at once (details in the private
//! `alsa_pulse_playback` and `alsa_pulse_capture` modules). Without that plugin both fall
//! back to cpal's native streams (playback with the server's default, high-latency buffer) and
//! log a warning.
//!
//! # Tests
//!
//! Unit tests run anywhere. `tests/pulse_devices.rs` is the bed tier (`#[ignore]`): it needs
//! the test bed's PulseAudio null sinks, e.g. `tests/bed/bed.sh run -- cargo test --offline -p
//! softphone-audio --test pulse_devices -- --ignored --test-threads=1`, or
//! `crates/audio/tests/with-pulse.sh cargo test ...` for a private server.

#[cfg(target_os = "linux")]
mod alsa_pulse_capture;
#[cfg(target_os = "linux")]
mod alsa_pulse_pcm;
#[cfg(target_os = "linux")]
mod alsa_pulse_playback;
pub mod analysis;
pub mod capture;
pub mod devices;
pub mod echo;
pub mod error;
pub mod frame;
pub mod hotplug;
pub mod level;
pub mod null;
pub mod playback;
pub mod resample;
pub mod ring;
pub mod stream;
pub mod tone;
pub mod wav;

#[cfg(test)]
pub(crate) mod test_support;

pub use capture::CaptureStream;
pub use devices::{AudioHost, DeviceInfo, Direction};
pub use echo::{EchoLoop, EchoStats};
pub use error::AudioError;
pub use frame::{
    Frame, FrameSink, FrameSource, ReadOutcome, WriteOutcome, FRAME_DURATION, FRAME_SAMPLES,
    SAMPLE_RATE,
};
pub use hotplug::{diff_devices, DeviceChanges, DevicePoller};
pub use level::Level;
pub use null::{NullSink, SilenceSource};
pub use playback::PlaybackStream;
pub use ring::RingStats;
pub use stream::{DeviceHealth, Fallback, LostReason, StreamInfo, StreamOptions};
pub use tone::{Cadence, PhoneTone, ToneSource};
pub use wav::{WavSink, WavSource};

#[cfg(test)]
mod send_checks {
    fn assert_send<T: Send>() {}

    #[test]
    fn handles_can_move_to_the_engine_thread() {
        assert_send::<super::CaptureStream>();
        assert_send::<super::PlaybackStream>();
        assert_send::<super::AudioHost>();
        assert_send::<super::WavSink>();
    }
}
