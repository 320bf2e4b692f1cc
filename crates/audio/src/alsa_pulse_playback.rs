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
//! periods (4 by default). A small thread owned by the stream ([`PcmThread`]) runs the same
//! [`PlaybackCallback`] as every other host and writes each period with a non-blocking
//! `writei`, waiting on the PCM (at most 50 ms at a time) when it is full: the only waiting is
//! on the device clock, the callback itself never blocks, locks or allocates. When the ring
//! is short of a period while the device still holds two, the thread waits for the engine
//! (2 ms at a time) instead of writing silence, so the device buffer absorbs a late engine
//! without a gap or added latency. Underruns are
//! recovered and counted ([`crate::RingStats::xruns`]). Capture takes the same route, for
//! another reason (see `alsa_pulse_capture`).

use std::sync::Arc;
use std::time::Duration;

use alsa::pcm::PCM;
use alsa::Direction as AlsaDirection;

use crate::alsa_pulse_pcm::{
    recover, would_block, PcmFormat, PcmRequest, PcmThread, RunFlags, WAIT_MS,
};
use crate::error::AudioError;
use crate::playback::PlaybackCallback;
use crate::stream::FaultFlag;

/// Opens `pulse:DEVICE=<sink>` as `request` says, builds the callback for the format obtained,
/// and starts the playback thread.
pub(crate) fn open(
    sink: &str,
    request: PcmRequest,
    timeout: Duration,
    fault: Arc<FaultFlag>,
    make_callback: impl FnOnce(PcmFormat) -> Result<PlaybackCallback, AudioError>,
) -> Result<(PcmThread, PcmFormat), AudioError> {
    PcmThread::open(
        sink,
        AlsaDirection::Playback,
        request,
        timeout,
        fault,
        make_callback,
        run,
    )
}

/// How long to wait for the engine before looking at the ring again.
const ENGINE_WAIT: Duration = Duration::from_millis(2);

/// Frames written to the device and not yet played (0 when the PCM cannot say, e.g. after an
/// xrun, so that the caller writes).
fn queued_frames(pcm: &PCM, format: PcmFormat) -> usize {
    match pcm.avail_update() {
        Ok(avail) => usize::try_from(i64::from(format.buffer_frames) - avail).unwrap_or(0),
        Err(_) => 0,
    }
}

/// The playback loop: one callback per period, written as the device makes room. While
/// paused the device is not fed (it plays silence after its buffer runs out).
fn run(
    pcm: &PCM,
    format: PcmFormat,
    mut callback: PlaybackCallback,
    flags: &RunFlags,
    fault: &FaultFlag,
) {
    let Ok(io) = pcm.io_f32() else {
        fault.record(cpal::ErrorKind::BackendError);
        return;
    };
    let channels = usize::from(format.channels.max(1));
    let period_frames = format.period_frames as usize;
    let mut buffer = vec![0.0f32; period_frames * channels];
    while !flags.stopped() {
        if flags.paused() {
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        // The engine is late: wait for it rather than play silence while the device still
        // holds two periods. Silence written now would stay in the stream as added latency
        // (the ring then trims it, with a jump) and as an audible gap.
        if !callback.has_audio_for(period_frames) && queued_frames(pcm, format) >= 2 * period_frames
        {
            std::thread::sleep(ENGINE_WAIT);
            continue;
        }
        callback.on_data(&mut buffer);
        let mut written = 0;
        while written < buffer.len() && !flags.stopped() {
            match io.writei(&buffer[written..]) {
                Ok(frames) => written += frames * channels,
                Err(e) if would_block(&e) => {
                    if let Err(e) = pcm.wait(Some(WAIT_MS)) {
                        if !recover(pcm, e, fault, || callback.count_xrun()) {
                            return;
                        }
                    }
                }
                Err(e) => {
                    // An underrun (EPIPE) or suspend is recovered; anything else means the
                    // sink or the server is gone.
                    if !recover(pcm, e, fault, || callback.count_xrun()) {
                        return;
                    }
                }
            }
        }
    }
    let _ = pcm.drop();
}
