//! Playback: a speaker as a [`FrameSink`] of 20 ms, 48 kHz mono frames.
//!
//! The engine queues whole frames with [`PlaybackStream::write_frame`] (never blocks; a full
//! ring drops the frame and counts an overrun). The device callback takes samples from the
//! ring, resamples them to the device rate when needed, copies mono to every channel and
//! applies mute; it plays silence until the prefill is queued and after an underrun.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

use cpal::traits::{DeviceTrait, StreamTrait};

use crate::capture::SCRATCH_FRAMES;
use crate::devices::{AudioHost, Direction};
use crate::error::AudioError;
use crate::frame::{Frame, FrameSink, WriteOutcome, SAMPLE_RATE};
use crate::level::Level;
use crate::resample::{SampleFifo, StreamResampler};
use crate::ring::{playback_ring, PlaybackReader, PlaybackWriter, RingStats};
use crate::stream::{
    choose_config, health, select, select_default, DeviceHealth, Fallback, FaultFlag, Selected,
    StreamInfo, StreamOptions, Watchdog, STALL_TIMEOUT,
};

/// The state the playback callback owns.
pub(crate) struct PlaybackCallback {
    reader: PlaybackReader,
    channels: usize,
    muted: Arc<AtomicBool>,
    mono: Vec<f32>,
    resampler: Option<Resampling>,
}

/// Buffers for the resampling path: a 48 kHz chunk in, native-rate samples out.
struct Resampling {
    resampler: StreamResampler,
    chunk: Vec<f32>,
    pending: SampleFifo,
}

impl PlaybackCallback {
    /// Whether one device buffer of `frames` frames can be filled from the ring without any
    /// silence (for backends that can wait instead of playing silence).
    #[cfg(target_os = "linux")]
    pub(crate) fn has_audio_for(&self, frames: usize) -> bool {
        let samples = match &self.resampler {
            None => frames,
            // What is already resampled, plus one 48 kHz chunk per chunk's worth of output.
            Some(r) => {
                let pending = r.pending.len();
                if pending >= frames {
                    return true;
                }
                let chunk = r.chunk.len();
                let per_chunk = r.resampler.max_output_per_chunk().saturating_sub(1).max(1);
                (frames - pending).div_ceil(per_chunk) * chunk
            }
        };
        self.reader.can_take(samples)
    }

    /// Counts a device underrun (for backends that report them).
    #[cfg(target_os = "linux")]
    pub(crate) fn count_xrun(&self) {
        self.reader.counters().xrun();
    }

    /// Fills one device buffer (interleaved, the device's channel count).
    pub(crate) fn on_data<T: cpal::Sample + cpal::FromSample<f32>>(&mut self, out: &mut [T]) {
        self.reader.counters().callback();
        let muted = self.muted.load(Ordering::Relaxed);
        let channels = self.channels;
        let block_len = channels * self.mono.len();
        for block in out.chunks_mut(block_len) {
            let frames = block.len() / channels;
            let mono = &mut self.mono[..frames];
            match &mut self.resampler {
                None => {
                    self.reader.fill(mono);
                }
                Some(r) => {
                    for sample in mono.iter_mut() {
                        *sample = match r.pending.pop() {
                            Some(v) => v,
                            None if self.reader.pull_exact(&mut r.chunk) => {
                                let pending = &mut r.pending;
                                let _ = r.resampler.process(&r.chunk, |o| {
                                    pending.push(o);
                                });
                                r.pending.pop().unwrap_or(0.0)
                            }
                            None => 0.0,
                        };
                    }
                }
            }
            for (frame, v) in block.chunks_exact_mut(channels).zip(mono.iter()) {
                let v = if muted { 0.0 } else { *v };
                frame.fill(T::from_sample(v));
            }
        }
    }
}

/// The stream behind a [`PlaybackStream`].
enum Backend {
    Cpal(cpal::Stream),
    #[cfg(target_os = "linux")]
    Pulse(crate::alsa_pulse_pcm::PcmThread),
}

/// An open playback device. Dropping it stops the stream.
pub struct PlaybackStream {
    backend: Backend,
    writer: PlaybackWriter,
    muted: Arc<AtomicBool>,
    fault: Arc<FaultFlag>,
    watchdog: Watchdog,
    info: StreamInfo,
    level: Level,
}

impl std::fmt::Debug for PlaybackStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PlaybackStream")
            .field("info", &self.info)
            .field("muted", &self.is_muted())
            .finish()
    }
}

impl PlaybackStream {
    /// Opens the output named `device` (id or name, see [`crate::DeviceInfo::matches`]), or the
    /// default output when `device` is `None`, empty, missing or fails to open; the reason for
    /// a fallback is logged and kept in [`StreamInfo::fallback`]. The stream is started and
    /// plays silence until frames are written.
    pub fn open(
        host: &AudioHost,
        device: Option<&str>,
        options: &StreamOptions,
    ) -> Result<Self, AudioError> {
        let selected = select(host, Direction::Output, device)?;
        let may_fall_back = selected.fallback.is_none() && !selected.info.is_default;
        let requested = selected.info.id.clone();
        match Self::open_selected(host, selected, options) {
            Err(error) if may_fall_back => {
                tracing::warn!(requested, %error, "output device failed to open, using the default");
                let mut default = select_default(host, Direction::Output)?;
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
        let muted = Arc::new(AtomicBool::new(false));
        #[cfg_attr(not(target_os = "linux"), allow(unused_mut))]
        let mut options = options.clone();
        #[cfg(target_os = "linux")]
        if host.name() == "PulseAudio" {
            match Self::open_pulse(
                host,
                &device,
                device_info.clone(),
                fallback.clone(),
                &options,
                muted.clone(),
            ) {
                Ok(stream) => return Ok(stream),
                Err(error) => {
                    // No ALSA pulse plugin (libasound2-plugins) or no pulse PCM: cpal's native
                    // playback works only with the server's default buffer (about 2 s).
                    tracing::warn!(
                        %error,
                        "ALSA pulse PCM unavailable, native PulseAudio playback (high latency)"
                    );
                    options.period = None;
                }
            }
        }
        let options = &options;
        let (mut config, format) = choose_config(&device, Direction::Output, options)?;
        let (stream, writer, fault) = match build(&device, config, format, options, &muted) {
            Ok(built) => built,
            Err(error) if config.buffer_size != cpal::BufferSize::Default => {
                tracing::debug!(%error, "fixed playback period refused, using the device default");
                config.buffer_size = cpal::BufferSize::Default;
                build(&device, config, format, options, &muted)?
            }
            Err(error) => return Err(error),
        };
        stream
            .play()
            .map_err(AudioError::backend("starting playback"))?;
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
        Ok(Self::started(
            Backend::Cpal(stream),
            writer,
            muted,
            fault,
            info,
        ))
    }

    #[cfg(target_os = "linux")]
    fn open_pulse(
        host: &AudioHost,
        device: &cpal::Device,
        device_info: crate::devices::DeviceInfo,
        fallback: Option<Fallback>,
        options: &StreamOptions,
        muted: Arc<AtomicBool>,
    ) -> Result<Self, AudioError> {
        // The sink's native format, as the PulseAudio host reports it.
        let (config, _) = choose_config(device, Direction::Output, options)?;
        let period = options
            .period
            .unwrap_or(std::time::Duration::from_millis(10));
        let period_frames =
            ((f64::from(config.sample_rate) * period.as_secs_f64()).round() as u32).max(1);
        let fault = Arc::new(FaultFlag::default());
        let mut writer = None;
        let request = crate::alsa_pulse_pcm::PcmRequest {
            rate: config.sample_rate,
            channels: config.channels,
            period_frames,
            periods: options.playback_device_periods,
        };
        let (pulse, format) = crate::alsa_pulse_playback::open(
            &device_info.id,
            request,
            options.open_timeout,
            fault.clone(),
            |format| {
                let (callback, w) = new_callback(format.rate, format.channels, options, &muted)?;
                writer = Some(w);
                Ok(callback)
            },
        )?;
        let writer = writer.ok_or_else(|| AudioError::Pulse {
            context: "creating the playback stream",
            message: "no callback was built".into(),
        })?;
        tracing::debug!(
            period_frames = format.period_frames,
            buffer_frames = format.buffer_frames,
            "PulseAudio playback through the ALSA pulse PCM"
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
        Ok(Self::started(
            Backend::Pulse(pulse),
            writer,
            muted,
            fault,
            info,
        ))
    }

    fn started(
        backend: Backend,
        writer: PlaybackWriter,
        muted: Arc<AtomicBool>,
        fault: Arc<FaultFlag>,
        info: StreamInfo,
    ) -> Self {
        tracing::info!(
            device = %info.device.id,
            rate = info.native_rate,
            channels = info.native_channels,
            format = %info.sample_format,
            period_frames = ?info.period_frames,
            "playback opened"
        );
        Self {
            backend,
            writer,
            muted,
            fault,
            watchdog: Watchdog::new(Instant::now(), STALL_TIMEOUT),
            info,
            level: Level::SILENCE,
        }
    }

    /// What was opened.
    pub fn info(&self) -> &StreamInfo {
        &self.info
    }

    /// Queues the next 20 ms; [`WriteOutcome::Dropped`] (an overrun) when the ring is full.
    /// The level meter shows the frame written, muted or not.
    pub fn write_frame(&mut self, frame: &Frame) -> WriteOutcome {
        self.level = Level::measure(frame);
        self.writer.write_frame(frame)
    }

    /// Whole frames queued and not yet played.
    pub fn buffered_frames(&self) -> usize {
        self.writer.buffered_frames()
    }

    /// Room left in the ring, in whole frames.
    pub fn free_frames(&self) -> usize {
        self.writer.free_frames()
    }

    /// Mutes or unmutes; takes effect at the next device callback, including for audio already
    /// queued.
    pub fn set_muted(&mut self, muted: bool) {
        self.muted.store(muted, Ordering::Relaxed);
    }

    /// Whether muted.
    pub fn is_muted(&self) -> bool {
        self.muted.load(Ordering::Relaxed)
    }

    /// Peak and RMS of the last frame written.
    pub fn level(&self) -> Level {
        self.level
    }

    /// Counters (frames accepted, overruns, underruns, callbacks).
    pub fn stats(&self) -> RingStats {
        self.writer.stats()
    }

    /// Whether the device still works; call it on a timer (see [`crate::stream`]).
    pub fn health(&mut self) -> DeviceHealth {
        let callbacks = self.writer.callbacks();
        health(&self.fault, &mut self.watchdog, callbacks)
    }

    /// Pauses the device; [`resume`](Self::resume) restarts it.
    pub fn pause(&mut self) -> Result<(), AudioError> {
        match &self.backend {
            Backend::Cpal(stream) => stream
                .pause()
                .map_err(AudioError::backend("pausing playback")),
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
                .map_err(AudioError::backend("resuming playback")),
            #[cfg(target_os = "linux")]
            Backend::Pulse(stream) => {
                stream.resume();
                Ok(())
            }
        }
    }
}

impl FrameSink for PlaybackStream {
    fn write_frame(&mut self, frame: &Frame) -> Result<WriteOutcome, AudioError> {
        Ok(PlaybackStream::write_frame(self, frame))
    }
}

/// The callback state and the engine's end of its ring, for a device at `rate` Hz with
/// `channels` channels.
fn new_callback(
    rate: u32,
    channels: u16,
    options: &StreamOptions,
    muted: &Arc<AtomicBool>,
) -> Result<(PlaybackCallback, PlaybackWriter), AudioError> {
    let (writer, reader) = playback_ring(
        options.playback_ring_frames,
        options.playback_prefill_frames,
    );
    let resampler = if rate == SAMPLE_RATE {
        None
    } else {
        // 10 ms of 48 kHz per run.
        let resampler = StreamResampler::new(SAMPLE_RATE, rate, SAMPLE_RATE as usize / 100)?;
        Some(Resampling {
            chunk: vec![0.0; resampler.input_chunk()],
            pending: SampleFifo::with_capacity(2 * resampler.max_output_per_chunk()),
            resampler,
        })
    };
    let callback = PlaybackCallback {
        reader,
        channels: usize::from(channels.max(1)),
        muted: muted.clone(),
        mono: vec![0.0; SCRATCH_FRAMES],
        resampler,
    };
    Ok((callback, writer))
}

fn build(
    device: &cpal::Device,
    config: cpal::StreamConfig,
    format: cpal::SampleFormat,
    options: &StreamOptions,
    muted: &Arc<AtomicBool>,
) -> Result<(cpal::Stream, PlaybackWriter, Arc<FaultFlag>), AudioError> {
    let (mut callback, writer) = new_callback(config.sample_rate, config.channels, options, muted)?;
    let fault = Arc::new(FaultFlag::default());
    let fault_cb = fault.clone();
    let on_error = move |error: cpal::Error| fault_cb.record(error.kind());
    let timeout = Some(options.open_timeout);
    macro_rules! build_as {
        ($t:ty) => {
            device.build_output_stream::<$t, _, _>(
                config,
                move |data: &mut [$t], _: &cpal::OutputCallbackInfo| callback.on_data(data),
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
    .map_err(AudioError::backend("opening playback"))?;
    Ok((stream, writer, fault))
}
