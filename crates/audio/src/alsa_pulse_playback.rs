//! Linux: playback on a PulseAudio sink through ALSA's `pulse` PCM (libasound2-plugins).
//!
//! cpal 0.18.2's native PulseAudio playback does not keep a stream running on PulseAudio 16.1
//! (measured on the test bed's null sink):
//! - with `BufferSize::Fixed`, cpal asks for `maxlength == tlength == 2 periods` and
//!   `minreq == 1 period` with `adjust_latency`; the server sets the sink latency to
//!   `tlength − 2·minreq = 0`, clamps it to the sink minimum, cannot grow `tlength` past
//!   `maxlength` ("Failed to increase tlength") and never requests data again, whatever the
//!   period (5 to 40 ms tried);
//! - with sane attributes through the same `pulseaudio` 0.3.2 client, the stream starts late
//!   and underflows every few tens of milliseconds;
//! - with the default attributes it buffers two seconds.
//!
//! So on the PulseAudio host, playback opens the ALSA PCM `pulse:DEVICE=<sink>` (libpulse
//! underneath) with a 10 ms period and a buffer of [`crate::StreamOptions::playback_device_periods`]
//! periods (4 by default). A small thread owned by the stream
//! runs the same [`PlaybackCallback`] as every other host and writes each period with a
//! non-blocking `writei`, waiting on the PCM (at most 50 ms at a time) when it is full: the
//! only waiting is on the device clock, the callback itself never blocks, locks or
//! allocates. Capture keeps using cpal's PulseAudio host, which works.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use alsa::pcm::{Access, Format, HwParams, PCM};
use alsa::{Direction as AlsaDirection, ValueOr};

use crate::error::AudioError;
use crate::playback::PlaybackCallback;
use crate::stream::FaultFlag;

/// What to ask the PCM for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PcmRequest {
    pub(crate) rate: u32,
    pub(crate) channels: u16,
    pub(crate) period_frames: u32,
    pub(crate) periods: u32,
}

/// What the PCM was configured with.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PcmFormat {
    pub(crate) rate: u32,
    pub(crate) channels: u16,
    pub(crate) period_frames: u32,
    pub(crate) buffer_frames: u32,
}

/// A running playback thread; stopped and joined on drop (within one wait, 50 ms).
pub(crate) struct AlsaPulsePlayback {
    stop: Arc<AtomicBool>,
    paused: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for AlsaPulsePlayback {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn alsa_error(context: &'static str) -> impl FnOnce(alsa::Error) -> AudioError {
    move |e| AudioError::Pulse {
        context,
        message: e.to_string(),
    }
}

fn configure(pcm: &PCM, request: PcmRequest) -> Result<PcmFormat, AudioError> {
    let PcmRequest {
        rate,
        channels,
        period_frames: period,
        periods,
    } = request;
    let hw = HwParams::any(pcm).map_err(alsa_error("querying the PCM"))?;
    hw.set_access(Access::RWInterleaved)
        .map_err(alsa_error("setting interleaved access"))?;
    hw.set_format(Format::FloatLE)
        .map_err(alsa_error("setting float samples"))?;
    hw.set_channels(u32::from(channels))
        .map_err(alsa_error("setting the channels"))?;
    hw.set_rate(rate, ValueOr::Nearest)
        .map_err(alsa_error("setting the rate"))?;
    let period = hw
        .set_period_size_near(alsa::pcm::Frames::from(period), ValueOr::Nearest)
        .map_err(alsa_error("setting the period"))?;
    let buffer = hw
        .set_buffer_size_near(alsa::pcm::Frames::from(periods.max(2)) * period)
        .map_err(alsa_error("setting the buffer"))?;
    pcm.hw_params(&hw)
        .map_err(alsa_error("applying the hardware parameters"))?;
    let rate = hw.get_rate().map_err(alsa_error("reading the rate"))?;
    let sw = pcm
        .sw_params_current()
        .map_err(alsa_error("querying the software parameters"))?;
    sw.set_start_threshold(period)
        .map_err(alsa_error("setting the start threshold"))?;
    sw.set_avail_min(period)
        .map_err(alsa_error("setting avail_min"))?;
    pcm.sw_params(&sw)
        .map_err(alsa_error("applying the software parameters"))?;
    Ok(PcmFormat {
        rate,
        channels,
        period_frames: u32::try_from(period).unwrap_or(u32::MAX),
        buffer_frames: u32::try_from(buffer).unwrap_or(u32::MAX),
    })
}

impl AlsaPulsePlayback {
    /// Opens `pulse:DEVICE=<sink>` as `request` says, builds the callback for the format obtained, and starts the thread.
    pub(crate) fn open(
        sink: &str,
        request: PcmRequest,
        timeout: Duration,
        fault: Arc<FaultFlag>,
        make_callback: impl FnOnce(PcmFormat) -> Result<PlaybackCallback, AudioError>,
    ) -> Result<(Self, PcmFormat), AudioError> {
        let pcm_name = format!("pulse:DEVICE={sink}");
        let stop = Arc::new(AtomicBool::new(false));
        let paused = Arc::new(AtomicBool::new(false));
        let (opened_tx, opened_rx) = mpsc::channel::<Result<PcmFormat, AudioError>>();
        let (callback_tx, callback_rx) = mpsc::channel::<PlaybackCallback>();
        let thread_stop = stop.clone();
        let thread_paused = paused.clone();
        let thread = std::thread::Builder::new()
            .name(format!("audio-out-{sink}"))
            .spawn(move || {
                // The PCM is opened, used and closed on this thread only.
                let pcm = match PCM::new(&pcm_name, AlsaDirection::Playback, true) {
                    Ok(pcm) => pcm,
                    Err(e) => {
                        let _ = opened_tx.send(Err(alsa_error("opening the PCM")(e)));
                        return;
                    }
                };
                let format = match configure(&pcm, request) {
                    Ok(format) => format,
                    Err(e) => {
                        let _ = opened_tx.send(Err(e));
                        return;
                    }
                };
                if opened_tx.send(Ok(format)).is_err() {
                    return;
                }
                let Ok(callback) = callback_rx.recv() else {
                    return;
                };
                run(&pcm, format, callback, &thread_stop, &thread_paused, &fault);
            })
            .map_err(|e| AudioError::Pulse {
                context: "starting the playback thread",
                message: e.to_string(),
            })?;
        let format = match opened_rx.recv_timeout(timeout) {
            Ok(Ok(format)) => format,
            Ok(Err(error)) => {
                // The thread has ended (it reports open errors and returns).
                let _ = thread.join();
                return Err(error);
            }
            Err(_) => {
                // A hung server: leave the thread behind (it stops on its own if the open
                // ever returns, because the callback channel is closed), as cpal does.
                stop.store(true, Ordering::Relaxed);
                return Err(AudioError::Pulse {
                    context: "opening the PCM",
                    message: "timed out".into(),
                });
            }
        };
        let playback = Self {
            stop,
            paused,
            thread: Some(thread),
        };
        let callback = match make_callback(format) {
            Ok(callback) => callback,
            Err(error) => {
                // Close the channel first so the thread's `recv` fails and the join in
                // `Drop` (of `playback`, right after) returns.
                drop(callback_tx);
                return Err(error);
            }
        };
        callback_tx.send(callback).map_err(|_| AudioError::Pulse {
            context: "starting playback",
            message: "the playback thread ended".into(),
        })?;
        Ok((playback, format))
    }

    /// Stops feeding the device (it plays silence after its buffer runs out).
    pub(crate) fn pause(&self) {
        self.paused.store(true, Ordering::Relaxed);
    }

    /// Feeds the device again.
    pub(crate) fn resume(&self) {
        self.paused.store(false, Ordering::Relaxed);
    }
}

fn would_block(e: &alsa::Error) -> bool {
    std::io::Error::from_raw_os_error(e.errno()).kind() == std::io::ErrorKind::WouldBlock
}

/// The playback loop: one callback per period, written as the device makes room.
fn run(
    pcm: &PCM,
    format: PcmFormat,
    mut callback: PlaybackCallback,
    stop: &AtomicBool,
    paused: &AtomicBool,
    fault: &FaultFlag,
) {
    let Ok(io) = pcm.io_f32() else {
        fault.record(cpal::ErrorKind::BackendError);
        return;
    };
    let channels = usize::from(format.channels.max(1));
    let mut buffer = vec![0.0f32; format.period_frames as usize * channels];
    while !stop.load(Ordering::Relaxed) {
        if paused.load(Ordering::Relaxed) {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        callback.on_data(&mut buffer);
        let mut written = 0;
        while written < buffer.len() && !stop.load(Ordering::Relaxed) {
            match io.writei(&buffer[written..]) {
                Ok(frames) => written += frames * channels,
                Err(e) if would_block(&e) => {
                    if let Err(e) = pcm.wait(Some(50)) {
                        if pcm.try_recover(e, true).is_err() {
                            fault.record(cpal::ErrorKind::DeviceNotAvailable);
                            return;
                        }
                    }
                }
                Err(e) => {
                    // An underrun (EPIPE) or suspend is recovered; anything else means the
                    // sink or the server is gone.
                    if pcm.try_recover(e, true).is_err() {
                        fault.record(cpal::ErrorKind::DeviceNotAvailable);
                        return;
                    }
                }
            }
        }
    }
    let _ = pcm.drop();
}
