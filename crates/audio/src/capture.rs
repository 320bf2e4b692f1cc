//! Capture: a microphone as a [`FrameSource`] of 20 ms, 48 kHz mono frames.
//!
//! The device callback mixes the native channels down to mono, resamples to 48 kHz when the
//! device runs at another rate, and pushes into the capture ring; all its buffers are
//! allocated when the stream is opened. The engine pulls whole frames with
//! [`CaptureStream::read_frame`], which never blocks.
//!
//! On the PulseAudio host the device is read through ALSA's `pulse` PCM on a thread of the
//! stream (the private `alsa_pulse_capture` module explains why: cpal's native capture drops
//! audio whenever the server delivers more than one period at once); elsewhere, and when that
//! PCM is unavailable, through cpal.

use std::sync::Arc;
use std::time::Instant;

use cpal::traits::{DeviceTrait, StreamTrait};

use crate::devices::{AudioHost, Direction};
use crate::error::AudioError;
use crate::frame::{Frame, FrameSource, ReadOutcome, SAMPLE_RATE};
use crate::level::Level;
use crate::resample::{downmix_into, StreamResampler};
use crate::ring::{capture_ring, CaptureReader, CaptureWriter, RingStats};
use crate::stream::{
    choose_config, health, select, select_default, DeviceHealth, Fallback, FaultFlag, Selected,
    StreamInfo, StreamOptions, Watchdog, STALL_TIMEOUT,
};

/// Largest block of device frames converted in one go (larger callbacks are split).
pub(crate) const SCRATCH_FRAMES: usize = 4_096;

/// The state the capture callback owns.
pub(crate) struct CaptureCallback {
    writer: CaptureWriter,
    channels: usize,
    mono: Vec<f32>,
    resampler: Option<StreamResampler>,
}

impl CaptureCallback {
    /// Counts a device overrun (for backends that report them).
    #[cfg(target_os = "linux")]
    pub(crate) fn count_xrun(&self) {
        self.writer.counters().xrun();
    }

    /// Takes one device buffer (interleaved, the device's channel count).
    pub(crate) fn on_data<T: Copy>(&mut self, data: &[T])
    where
        f32: cpal::FromSample<T>,
    {
        self.writer.counters().callback();
        let block_len = self.channels * self.mono.len();
        for block in data.chunks(block_len) {
            let n = downmix_into(block, self.channels, &mut self.mono);
            let mono = &self.mono[..n];
            match &mut self.resampler {
                None => {
                    self.writer.push(mono);
                }
                Some(resampler) => {
                    let writer = &mut self.writer;
                    // Errors cannot happen with the sizes fixed at open; if one did, the
                    // block is lost and the engine sees a short read.
                    let _ = resampler.process(mono, |out| {
                        writer.push(out);
                    });
                }
            }
        }
    }
}

/// The stream behind a [`CaptureStream`].
enum Backend {
    Cpal(cpal::Stream),
    #[cfg(target_os = "linux")]
    Pulse(crate::alsa_pulse_pcm::PcmThread),
}

/// An open capture device. Dropping it stops the stream.
pub struct CaptureStream {
    backend: Backend,
    reader: CaptureReader,
    fault: Arc<FaultFlag>,
    watchdog: Watchdog,
    info: StreamInfo,
    muted: bool,
    level: Level,
}

impl std::fmt::Debug for CaptureStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CaptureStream")
            .field("info", &self.info)
            .field("muted", &self.muted)
            .finish()
    }
}

impl CaptureStream {
    /// Opens the input named `device` (id or name, see [`crate::DeviceInfo::matches`]), or the
    /// default input when `device` is `None`, empty, missing or fails to open; the reason for a
    /// fallback is logged and kept in [`StreamInfo::fallback`]. The stream is started.
    pub fn open(
        host: &AudioHost,
        device: Option<&str>,
        options: &StreamOptions,
    ) -> Result<Self, AudioError> {
        let selected = select(host, Direction::Input, device)?;
        let may_fall_back = selected.fallback.is_none() && !selected.info.is_default;
        let requested = selected.info.id.clone();
        match Self::open_selected(host, selected, options) {
            Err(error) if may_fall_back => {
                tracing::warn!(requested, %error, "input device failed to open, using the default");
                let mut default = select_default(host, Direction::Input)?;
                default.fallback = Some(Fallback::OpenFailed {
                    requested,
                    error: error.to_string(),
                });
                Self::open_selected(host, default, options)
            }
            other => other,
        }
    }

    fn open_selected(
        host: &AudioHost,
        selected: Selected,
        options: &StreamOptions,
    ) -> Result<Self, AudioError> {
        let Selected {
            info: device_info,
            device,
            fallback,
        } = selected;
        #[cfg(target_os = "linux")]
        if host.name() == "PulseAudio" {
            match Self::open_pulse(
                host,
                &device,
                device_info.clone(),
                fallback.clone(),
                options,
            ) {
                Ok(stream) => return Ok(stream),
                Err(error) => {
                    // No ALSA pulse plugin (libasound2-plugins) or no pulse PCM.
                    tracing::warn!(
                        %error,
                        "ALSA pulse PCM unavailable, native PulseAudio capture (drops bursts)"
                    );
                }
            }
        }
        let (mut config, format) = choose_config(&device, Direction::Input, options)?;
        let (stream, reader, fault) = match build(&device, config, format, options) {
            Ok(built) => built,
            Err(error) if config.buffer_size != cpal::BufferSize::Default => {
                tracing::debug!(%error, "fixed capture period refused, using the device default");
                config.buffer_size = cpal::BufferSize::Default;
                build(&device, config, format, options)?
            }
            Err(error) => return Err(error),
        };
        stream
            .play()
            .map_err(AudioError::backend("starting capture"))?;
        let info = StreamInfo {
            device: device_info,
            host: host.name(),
            native_rate: config.sample_rate,
            native_channels: config.channels,
            sample_format: format.to_string(),
            period_frames: stream.buffer_size().ok(),
            resampling: config.sample_rate != SAMPLE_RATE,
            fallback,
        };
        Ok(Self::started(Backend::Cpal(stream), reader, fault, info))
    }

    #[cfg(target_os = "linux")]
    fn open_pulse(
        host: &AudioHost,
        device: &cpal::Device,
        device_info: crate::devices::DeviceInfo,
        fallback: Option<Fallback>,
        options: &StreamOptions,
    ) -> Result<Self, AudioError> {
        // The source's native format, as the PulseAudio host reports it.
        let (config, _) = choose_config(device, Direction::Input, options)?;
        let period = options
            .period
            .unwrap_or(std::time::Duration::from_millis(10));
        let period_frames =
            ((f64::from(config.sample_rate) * period.as_secs_f64()).round() as u32).max(1);
        let fault = Arc::new(FaultFlag::default());
        let mut reader = None;
        let request = crate::alsa_pulse_pcm::PcmRequest {
            rate: config.sample_rate,
            channels: config.channels,
            period_frames,
            periods: options.capture_device_periods,
        };
        let (pulse, format) = crate::alsa_pulse_capture::open(
            &device_info.id,
            request,
            options.open_timeout,
            fault.clone(),
            |format| {
                let (callback, r) = new_callback(format.rate, format.channels, options)?;
                reader = Some(r);
                Ok(callback)
            },
        )?;
        let reader = reader.ok_or_else(|| AudioError::Pulse {
            context: "creating the capture stream",
            message: "no callback was built".into(),
        })?;
        tracing::debug!(
            period_frames = format.period_frames,
            buffer_frames = format.buffer_frames,
            "PulseAudio capture through the ALSA pulse PCM"
        );
        let info = StreamInfo {
            device: device_info,
            host: host.name(),
            native_rate: format.rate,
            native_channels: format.channels,
            sample_format: "f32".into(),
            period_frames: Some(format.period_frames),
            resampling: format.rate != SAMPLE_RATE,
            fallback,
        };
        Ok(Self::started(Backend::Pulse(pulse), reader, fault, info))
    }

    fn started(
        backend: Backend,
        reader: CaptureReader,
        fault: Arc<FaultFlag>,
        info: StreamInfo,
    ) -> Self {
        tracing::info!(
            device = %info.device.id,
            rate = info.native_rate,
            channels = info.native_channels,
            format = %info.sample_format,
            period_frames = ?info.period_frames,
            "capture opened"
        );
        Self {
            backend,
            reader,
            fault,
            watchdog: Watchdog::new(Instant::now(), STALL_TIMEOUT),
            info,
            muted: false,
            level: Level::SILENCE,
        }
    }

    /// What was opened.
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// Takes the next 20 ms if buffered ([`ReadOutcome::Pending`] otherwise). The level meter
    /// is updated from the frame before muting; a muted stream yields silent frames at the
    /// same pace.
    pub fn read_frame(&mut self, frame: &mut Frame) -> ReadOutcome {
        if !self.reader.read_frame(frame) {
            return ReadOutcome::Pending;
        }
        self.level = Level::measure(frame);
        if self.muted {
            frame.fill_silence();
        }
        ReadOutcome::Frame
    }

    /// Whole frames waiting to be read.
    pub fn buffered_frames(&self) -> usize {
        self.reader.buffered_frames()
    }

    /// Drops buffered audio so the next read is the freshest (e.g. when a call starts).
    pub fn discard_buffered(&mut self) {
        self.reader.discard();
    }

    /// Mutes or unmutes (the meter keeps showing the microphone's level).
    pub fn set_muted(&mut self, muted: bool) {
        self.muted = muted;
    }

    /// Whether muted.
    pub fn is_muted(&self) -> bool {
        self.muted
    }

    /// Peak and RMS of the last frame read.
    pub fn level(&self) -> Level {
        self.level
    }

    /// Counters (frames read, overruns, callbacks).
    pub fn stats(&self) -> RingStats {
        self.reader.stats()
    }

    /// Whether the device still works; call it on a timer (see [`crate::stream`]).
    pub fn health(&mut self) -> DeviceHealth {
        let callbacks = self.reader.callbacks();
        health(&self.fault, &mut self.watchdog, callbacks)
    }

    /// Pauses the device (it keeps its buffers); [`resume`](Self::resume) restarts it.
    pub fn pause(&mut self) -> Result<(), AudioError> {
        match &self.backend {
            Backend::Cpal(stream) => stream
                .pause()
                .map_err(AudioError::backend("pausing capture")),
            #[cfg(target_os = "linux")]
            Backend::Pulse(stream) => {
                stream.pause();
                Ok(())
            }
        }
    }

    /// Restarts a paused device.
    pub fn resume(&mut self) -> Result<(), AudioError> {
        self.watchdog = Watchdog::new(Instant::now(), STALL_TIMEOUT);
        match &self.backend {
            Backend::Cpal(stream) => stream
                .play()
                .map_err(AudioError::backend("resuming capture")),
            #[cfg(target_os = "linux")]
            Backend::Pulse(stream) => {
                stream.resume();
                Ok(())
            }
        }
    }
}

impl FrameSource for CaptureStream {
    fn read_frame(&mut self, frame: &mut Frame) -> Result<ReadOutcome, AudioError> {
        Ok(CaptureStream::read_frame(self, frame))
    }
}

/// The callback state and the engine's end of its ring, for a device at `rate` Hz with
/// `channels` channels.
fn new_callback(
    rate: u32,
    channels: u16,
    options: &StreamOptions,
) -> Result<(CaptureCallback, CaptureReader), AudioError> {
    let (writer, reader) = capture_ring(options.capture_ring_frames);
    let resampler = if rate == SAMPLE_RATE {
        None
    } else {
        Some(StreamResampler::new(
            rate,
            SAMPLE_RATE,
            (rate as usize / 100).max(1),
        )?)
    };
    let callback = CaptureCallback {
        writer,
        channels: usize::from(channels.max(1)),
        mono: vec![0.0; SCRATCH_FRAMES],
        resampler,
    };
    Ok((callback, reader))
}

fn build(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    format: cpal::SampleFormat,
    options: &StreamOptions,
) -> Result<(cpal::Stream, CaptureReader, Arc<FaultFlag>), AudioError> {
    let (mut callback, reader) = new_callback(config.sample_rate, config.channels, options)?;
    let fault = Arc::new(FaultFlag::default());
    let fault_cb = fault.clone();
    let on_error = move |error: cpal::Error| fault_cb.record(error.kind());
    let timeout = Some(options.open_timeout);
    macro_rules! build_as {
        ($t:ty) => {
            device.build_input_stream::<$t, _, _>(
                config,
                move |data: &[$t], _: &cpal::InputCallbackInfo| callback.on_data(data),
                on_error,
                timeout,
            )
        };
    }
    use cpal::SampleFormat as F;
    let stream = match format {
        F::I8 => build_as!(i8),
        F::I16 => build_as!(i16),
        F::I24 => build_as!(cpal::I24),
        F::I32 => build_as!(i32),
        F::U8 => build_as!(u8),
        F::U16 => build_as!(u16),
        F::F32 => build_as!(f32),
        F::F64 => build_as!(f64),
        other => return Err(AudioError::UnsupportedFormat(other.to_string())),
    }
    .map_err(AudioError::backend("opening capture"))?;
    Ok((stream, reader, fault))
}
