//! Linux: what the playback and capture threads on ALSA's `pulse` PCM (libasound2-plugins)
//! share: configuring the PCM, and the thread that opens, runs and closes it.
//!
//! The PCM `pulse:DEVICE=<sink or source>` is libpulse underneath, with buffer attributes
//! derived from the ALSA period and buffer sizes (fragment / minimum request = one period,
//! target length = the buffer, a large maximum length). It is opened non-blocking and used
//! from one thread owned by the stream ([`PcmThread`]); the stream's callback runs on that
//! thread and never blocks, locks or allocates: the only waiting is `snd_pcm_wait` on the
//! device clock, at most [`WAIT_MS`] at a time so that a stop request is seen promptly.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};
use std::thread::JoinHandle;
use std::time::Duration;

use alsa::pcm::{Access, Format, HwParams, PCM};
use alsa::{Direction as AlsaDirection, ValueOr};

use crate::error::AudioError;
use crate::stream::FaultFlag;

/// Longest single wait on the PCM, in milliseconds (bounds how long a stop takes).
pub(crate) const WAIT_MS: u32 = 50;

/// What to ask the PCM for.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PcmRequest {
    pub(crate) rate: u32,
    pub(crate) channels: u16,
    pub(crate) period_frames: u32,
    /// Device buffer, in periods (at least 2).
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

/// Flags the owning stream sets and the PCM thread reads.
#[derive(Debug, Default)]
pub(crate) struct RunFlags {
    stop: AtomicBool,
    paused: AtomicBool,
}

impl RunFlags {
    /// Whether the thread must end.
    pub(crate) fn stopped(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Whether the stream is paused.
    pub(crate) fn paused(&self) -> bool {
        self.paused.load(Ordering::Relaxed)
    }
}

/// The loop a [`PcmThread`] runs once the PCM is configured and the callback built.
pub(crate) type RunLoop<C> = fn(&PCM, PcmFormat, C, &RunFlags, &FaultFlag);

/// A running PCM thread; stopped and joined on drop (within one wait, [`WAIT_MS`]).
pub(crate) struct PcmThread {
    flags: Arc<RunFlags>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for PcmThread {
    fn drop(&mut self) {
        self.flags.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

pub(crate) fn alsa_error(context: &'static str) -> impl FnOnce(alsa::Error) -> AudioError {
    move |e| AudioError::Pulse {
        context,
        message: e.to_string(),
    }
}

/// Whether `e` is `EAGAIN` (nothing to read / no room to write yet).
pub(crate) fn would_block(e: &alsa::Error) -> bool {
    std::io::Error::from_raw_os_error(e.errno()).kind() == std::io::ErrorKind::WouldBlock
}

/// Whether `e` is an xrun (`EPIPE`: the device buffer over- or underflowed).
pub(crate) fn is_xrun(e: &alsa::Error) -> bool {
    std::io::Error::from_raw_os_error(e.errno()).kind() == std::io::ErrorKind::BrokenPipe
}

fn configure(
    pcm: &PCM,
    request: PcmRequest,
    direction: AlsaDirection,
) -> Result<PcmFormat, AudioError> {
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
    // Playback starts once a period is written; capture on the first read.
    let start = match direction {
        AlsaDirection::Playback => period,
        AlsaDirection::Capture => 1,
    };
    sw.set_start_threshold(start)
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

impl PcmThread {
    /// Opens `pulse:DEVICE=<device>` in `direction` as `request` says (on a new thread, which
    /// then owns the PCM), builds the callback for the format obtained with `make_callback`,
    /// and runs `run` with it on that thread.
    pub(crate) fn open<C: Send + 'static>(
        device: &str,
        direction: AlsaDirection,
        request: PcmRequest,
        timeout: Duration,
        fault: Arc<FaultFlag>,
        make_callback: impl FnOnce(PcmFormat) -> Result<C, AudioError>,
        run: RunLoop<C>,
    ) -> Result<(Self, PcmFormat), AudioError> {
        let pcm_name = format!("pulse:DEVICE={device}");
        let flags = Arc::new(RunFlags::default());
        let (opened_tx, opened_rx) = mpsc::channel::<Result<PcmFormat, AudioError>>();
        let (callback_tx, callback_rx) = mpsc::channel::<C>();
        let thread_flags = flags.clone();
        let prefix = match direction {
            AlsaDirection::Playback => "audio-out",
            AlsaDirection::Capture => "audio-in",
        };
        let thread = std::thread::Builder::new()
            .name(format!("{prefix}-{device}"))
            .spawn(move || {
                // The PCM is opened, used and closed on this thread only.
                let pcm = match PCM::new(&pcm_name, direction, true) {
                    Ok(pcm) => pcm,
                    Err(e) => {
                        let _ = opened_tx.send(Err(alsa_error("opening the PCM")(e)));
                        return;
                    }
                };
                let format = match configure(&pcm, request, direction) {
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
                run(&pcm, format, callback, &thread_flags, &fault);
            })
            .map_err(|e| AudioError::Pulse {
                context: "starting the audio thread",
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
                flags.stop.store(true, Ordering::Relaxed);
                return Err(AudioError::Pulse {
                    context: "opening the PCM",
                    message: "timed out".into(),
                });
            }
        };
        let running = Self {
            flags,
            thread: Some(thread),
        };
        let callback = match make_callback(format) {
            Ok(callback) => callback,
            Err(error) => {
                // Close the channel first so the thread's `recv` fails and the join in
                // `Drop` (of `running`, right after) returns.
                drop(callback_tx);
                return Err(error);
            }
        };
        callback_tx.send(callback).map_err(|_| AudioError::Pulse {
            context: "starting the stream",
            message: "the audio thread ended".into(),
        })?;
        Ok((running, format))
    }

    /// Pauses the stream (what that means is up to the run loop).
    pub(crate) fn pause(&self) {
        self.flags.paused.store(true, Ordering::Relaxed);
    }

    /// Resumes the stream.
    pub(crate) fn resume(&self) {
        self.flags.paused.store(false, Ordering::Relaxed);
    }
}

/// Recovers from `e` (an xrun or a suspend, counted with `xrun`); `false` when the PCM cannot
/// be recovered, i.e. the device or the server is gone (recorded in `fault`).
pub(crate) fn recover(pcm: &PCM, e: alsa::Error, fault: &FaultFlag, xrun: impl FnOnce()) -> bool {
    if is_xrun(&e) {
        xrun();
    }
    if pcm.try_recover(e, true).is_err() {
        fault.record(cpal::ErrorKind::DeviceNotAvailable);
        return false;
    }
    true
}
