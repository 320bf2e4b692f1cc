//! What capture and playback streams share: options, the description of what was opened,
//! device selection with fallback to the default, and device-lost detection.
//!
//! # Buffers and latency
//!
//! A stream asks the device for a callback period of [`StreamOptions::period`] (10 ms by
//! default, `BufferSize::Fixed`); if the backend refuses, it takes the backend's default and
//! [`StreamInfo::period_frames`] says what it got. Measured on the PulseAudio test bed (null
//! sinks at 48 kHz; a 44.1 kHz sink gives 441-frame periods):
//!
//! | path | device period | device buffer |
//! |---|---|---|
//! | capture (ALSA `pulse` PCM, see `alsa_pulse_capture`) | 480 frames = 10 ms fragments | 50 periods = 500 ms, read as each period arrives (absorbs bursts, adds no latency) |
//! | playback (ALSA `pulse` PCM, see `alsa_pulse_playback`) | 480 frames = 10 ms | 4 periods = 40 ms |
//!
//! (cpal's native PulseAudio capture, used only without the ALSA `pulse` plugin, has a single
//! 10 ms fragment server-side and loses whatever the server delivers beyond it at once.)
//!
//! On top of the device buffers come the rings: capture holds up to
//! [`StreamOptions::capture_ring_frames`] (default 10 = 200 ms, normally less than one frame
//! because the engine drains it every tick); playback starts once
//! [`StreamOptions::playback_prefill_frames`] frames are queued (default 1 = 20 ms, again after
//! an underrun) and holds at most [`StreamOptions::playback_ring_frames`] (default 6 =
//! 120 ms). On the PulseAudio host the playback thread waits for the engine instead of writing
//! silence while the device still holds two periods, so the 40 ms device buffer, not the
//! ring, absorbs a late engine; and the playback ring trims a backlog that crept up (after an
//! underrun or a burst) back to the prefill level (see [`crate::ring`]). So mouth-to-engine is
//! about 10–30 ms and engine-to-ear about 40–60 ms with the defaults (ring 0–20 + device 40);
//! the bed measures write_frame → read_frame through a null sink and its monitor at about
//! 60 ms (was 70–90 ms with a 40 ms prefill). With a device at another rate the resampler adds
//! its 10 ms chunking plus about 1.3 ms of filter delay.
//!
//! # Device lost
//!
//! The stream's error callback only stores a code in an atomic; a watchdog on the engine side
//! notices when callbacks stop for [`STALL_TIMEOUT`] ([`STARTUP_STALL_TIMEOUT`] while the stream
//! starts). [`DeviceHealth`] combines both; the engine polls it on its timer (every 100 to
//! 200 ms) and reopens on the default device when it says `Lost`, which keeps the gap under a
//! second. PulseAudio 14+ moves the playback streams of a removed sink to the default sink by
//! itself, so a playback stream there usually keeps `Running` (the hot-plug poller still
//! reports the removal); a capture stream from a removed source stalls and is reported lost.

use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use cpal::traits::DeviceTrait;
use cpal::{BufferSize, SupportedBufferSize};

use crate::devices::{AudioHost, DeviceInfo, Direction};
use crate::error::AudioError;

/// How long a running stream may go without a device callback before it is reported lost.
pub const STALL_TIMEOUT: Duration = Duration::from_millis(500);

/// The same, for a stream that has not yet had [`STARTUP_CALLBACKS`] callbacks: a sound server
/// may take a few hundred milliseconds to start a new stream (PulseAudio on a loaded machine
/// was measured at 650 ms), which must not read as a lost device.
pub const STARTUP_STALL_TIMEOUT: Duration = Duration::from_secs(2);

/// Callbacks after which a stream counts as started.
pub const STARTUP_CALLBACKS: u64 = 10;

/// Tunables for opening a stream. [`Default`] gives the values documented in the module doc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamOptions {
    /// The device callback period to ask for; `None` takes the backend's default.
    pub period: Option<Duration>,
    /// Capture ring size, in 20 ms frames.
    pub capture_ring_frames: usize,
    /// Playback ring size, in 20 ms frames.
    pub playback_ring_frames: usize,
    /// Frames the playback ring must hold before the device starts (or restarts after an
    /// underrun) taking audio from it (1 by default; the one-way latency bench measured
    /// ~20 ms less than with 2).
    pub playback_prefill_frames: usize,
    /// How long to wait for the backend to create a stream.
    pub open_timeout: Duration,
    /// Device buffer for playback on the PulseAudio host, in periods (at least 2). Three
    /// (30 ms) glitched on the loaded 2-core test machine; four is the default.
    pub playback_device_periods: u32,
    /// Device buffer for capture on the PulseAudio host, in periods (at least 2). It adds no
    /// latency (each period is read as soon as it is available); it absorbs bursts from the
    /// server and stalls of the capture thread. 50 (500 ms) by default.
    pub capture_device_periods: u32,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            period: Some(Duration::from_millis(10)),
            capture_ring_frames: 10,
            playback_ring_frames: 6,
            playback_prefill_frames: 1,
            open_timeout: Duration::from_secs(2),
            playback_device_periods: 4,
            capture_device_periods: 50,
        }
    }
}

/// Why a stream was opened on another device than the one asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fallback {
    /// No device of that direction matched the requested name.
    NotFound {
        /// The name or id that was asked for.
        requested: String,
    },
    /// The requested device exists but could not be opened.
    OpenFailed {
        /// The name or id that was asked for.
        requested: String,
        /// The backend's error.
        error: String,
    },
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fallback::NotFound { requested } => write!(f, "device {requested:?} not found"),
            Fallback::OpenFailed { requested, error } => {
                write!(f, "device {requested:?} failed to open: {error}")
            }
        }
    }
}

/// What was actually opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamInfo {
    /// The device.
    pub device: DeviceInfo,
    /// The host's name (`"PulseAudio"`, `"ALSA"`, …).
    pub host: &'static str,
    /// The device-side sample rate (converted to/from 48 kHz when different).
    pub native_rate: u32,
    /// The device-side channel count (mixed down to / copied from mono).
    pub native_channels: u16,
    /// The device-side sample format, e.g. `"i16"` or `"f32"`.
    pub sample_format: String,
    /// Frames per device callback as reported by the backend, if it says.
    pub period_frames: Option<u32>,
    /// Whether the stream resamples.
    pub resampling: bool,
    /// Set when the requested device was not used.
    pub fallback: Option<Fallback>,
}

impl StreamInfo {
    /// The device callback period, if known.
    pub fn period(&self) -> Option<Duration> {
        self.period_frames.map(|frames| {
            Duration::from_secs_f64(f64::from(frames) / f64::from(self.native_rate.max(1)))
        })
    }
}

/// Why a stream stopped working.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LostReason {
    /// The backend says the device is gone (unplugged, sink unloaded).
    DeviceUnavailable,
    /// The backend invalidated the stream (server restart, reconfiguration).
    StreamInvalidated,
    /// The sound server went away.
    HostUnavailable,
    /// Another backend error.
    BackendError,
    /// No device callback for this long.
    Stalled(Duration),
}

/// The state of a running stream, for the engine's periodic check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeviceHealth {
    /// Callbacks are arriving and no error was reported.
    Running,
    /// The stream is dead; reopen (on the default device if this one is gone).
    Lost(LostReason),
}

/// The error flag written by the stream's error callback (no allocation, no lock).
#[derive(Debug, Default)]
pub(crate) struct FaultFlag(AtomicU8);

impl FaultFlag {
    pub(crate) fn record(&self, kind: cpal::ErrorKind) {
        use cpal::ErrorKind as K;
        let code = match kind {
            // Not fatal: glitches, reroutes and scheduling.
            K::Xrun | K::DeviceChanged | K::RealtimeDenied => return,
            K::DeviceNotAvailable => 1,
            K::StreamInvalidated => 2,
            K::HostUnavailable => 3,
            _ => 4,
        };
        // Keep the first fault.
        let _ = self
            .0
            .compare_exchange(0, code, Ordering::Relaxed, Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Option<LostReason> {
        match self.0.load(Ordering::Relaxed) {
            0 => None,
            1 => Some(LostReason::DeviceUnavailable),
            2 => Some(LostReason::StreamInvalidated),
            3 => Some(LostReason::HostUnavailable),
            _ => Some(LostReason::BackendError),
        }
    }
}

/// Engine-side stall detection from the callback counter.
#[derive(Debug)]
pub(crate) struct Watchdog {
    last_count: u64,
    last_progress: Instant,
    timeout: Duration,
}

impl Watchdog {
    pub(crate) fn new(now: Instant, timeout: Duration) -> Self {
        Self {
            last_count: 0,
            last_progress: now,
            timeout,
        }
    }

    /// `Some(idle time)` when the counter has not moved for the timeout (the startup timeout
    /// until the stream has started).
    pub(crate) fn check(&mut self, count: u64, now: Instant) -> Option<Duration> {
        if count != self.last_count {
            self.last_count = count;
            self.last_progress = now;
            return None;
        }
        let idle = now.saturating_duration_since(self.last_progress);
        let timeout = if count < STARTUP_CALLBACKS {
            self.timeout.max(STARTUP_STALL_TIMEOUT)
        } else {
            self.timeout
        };
        (idle >= timeout).then_some(idle)
    }
}

pub(crate) fn health(fault: &FaultFlag, watchdog: &mut Watchdog, callbacks: u64) -> DeviceHealth {
    if let Some(reason) = fault.get() {
        return DeviceHealth::Lost(reason);
    }
    match watchdog.check(callbacks, Instant::now()) {
        Some(idle) => DeviceHealth::Lost(LostReason::Stalled(idle)),
        None => DeviceHealth::Running,
    }
}

/// A device chosen for opening.
pub(crate) struct Selected {
    pub(crate) info: DeviceInfo,
    pub(crate) device: cpal::Device,
    pub(crate) fallback: Option<Fallback>,
}

/// The default device of `direction` (or, if the host names none, the first one).
pub(crate) fn select_default(
    host: &AudioHost,
    direction: Direction,
) -> Result<Selected, AudioError> {
    if let (Some(device), Some(info)) = (
        host.default_cpal_device(direction),
        host.default_device(direction),
    ) {
        return Ok(Selected {
            info,
            device,
            fallback: None,
        });
    }
    host.cpal_devices()?
        .into_iter()
        .find(|(info, _)| info.direction == direction)
        .map(|(info, device)| Selected {
            info,
            device,
            fallback: None,
        })
        .ok_or(AudioError::NoDevice(direction))
}

/// The device named `wanted` (id or name), or the default with a logged reason.
pub(crate) fn select(
    host: &AudioHost,
    direction: Direction,
    wanted: Option<&str>,
) -> Result<Selected, AudioError> {
    let Some(wanted) = wanted.filter(|w| !w.is_empty()) else {
        return select_default(host, direction);
    };
    let devices = host.cpal_devices()?;
    let found = devices
        .iter()
        .find(|(info, _)| info.direction == direction && info.id == wanted)
        .or_else(|| {
            devices
                .iter()
                .find(|(info, _)| info.direction == direction && info.matches(wanted))
        });
    if let Some((info, device)) = found {
        return Ok(Selected {
            info: info.clone(),
            device: device.clone(),
            fallback: None,
        });
    }
    let mut selected = select_default(host, direction)?;
    tracing::warn!(
        %direction,
        requested = wanted,
        using = %selected.info.id,
        "audio device not found, falling back to the default"
    );
    selected.fallback = Some(Fallback::NotFound {
        requested: wanted.to_owned(),
    });
    Ok(selected)
}

/// The configuration to open `device` with: its native rate, channels and format, and a fixed
/// period when the device accepts it.
pub(crate) fn choose_config(
    device: &cpal::Device,
    direction: Direction,
    options: &StreamOptions,
) -> Result<(cpal::StreamConfig, cpal::SampleFormat), AudioError> {
    let supported = match direction {
        Direction::Input => device
            .default_input_config()
            .map_err(AudioError::backend("querying the input format"))?,
        Direction::Output => device
            .default_output_config()
            .map_err(AudioError::backend("querying the output format"))?,
    };
    let rate = supported.sample_rate();
    let period = options
        .period
        .map(|p| ((f64::from(rate) * p.as_secs_f64()).round() as u32).max(1));
    let buffer_size = match (period, supported.buffer_size()) {
        (Some(period), SupportedBufferSize::Range { min, max })
            if (*min..=*max).contains(&period) =>
        {
            BufferSize::Fixed(period)
        }
        _ => BufferSize::Default,
    };
    Ok((
        cpal::StreamConfig {
            channels: supported.channels(),
            sample_rate: rate,
            buffer_size,
        },
        supported.sample_format(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watchdog_reports_a_stall_only_after_the_timeout() {
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let mut w = Watchdog::new(t0, STALL_TIMEOUT);
        // Starting: two seconds of grace.
        assert_eq!(w.check(0, ms(100)), None);
        assert_eq!(w.check(3, ms(200)), None);
        assert_eq!(w.check(3, ms(1_000)), None);
        assert_eq!(w.check(3, ms(2_200)), Some(Duration::from_millis(2_000)));
        // Running: half a second.
        assert_eq!(w.check(20, ms(2_300)), None);
        assert_eq!(w.check(20, ms(2_700)), None);
        assert_eq!(w.check(20, ms(2_800)), Some(Duration::from_millis(500)));
        assert_eq!(w.check(21, ms(2_900)), None);
    }

    #[test]
    fn fault_flag_keeps_the_first_fatal_error() {
        let f = FaultFlag::default();
        f.record(cpal::ErrorKind::Xrun);
        assert_eq!(f.get(), None);
        f.record(cpal::ErrorKind::DeviceNotAvailable);
        f.record(cpal::ErrorKind::Other);
        assert_eq!(f.get(), Some(LostReason::DeviceUnavailable));
    }

    #[test]
    fn period_from_frames() {
        let info = StreamInfo {
            device: DeviceInfo {
                id: "x".into(),
                name: "x".into(),
                direction: Direction::Output,
                is_default: true,
            },
            host: "test",
            native_rate: 48_000,
            native_channels: 2,
            sample_format: "f32".into(),
            period_frames: Some(480),
            resampling: false,
            fallback: None,
        };
        assert_eq!(info.period(), Some(Duration::from_millis(10)));
    }
}
