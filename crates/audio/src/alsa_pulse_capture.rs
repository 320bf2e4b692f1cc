//! Linux: capture from a PulseAudio source through ALSA's `pulse` PCM (libasound2-plugins).
//!
//! cpal 0.18.2's native PulseAudio capture asks the server for a record stream with
//! `maxlength == fragsize == one period` (10 ms). Whenever the server hands over more than
//! that at once, the excess is dropped on the server side: a scheduling hiccup, or the monitor
//! of a null sink that renders ahead in large blocks. Measured on the test bed, capturing
//! `mic.monitor` while `paplay` feeds the `mic` sink at its default latency (a 2 s buffer),
//! cpal delivered about half of real time (2.4 s of audio in 5 s), with audible dropouts.
//!
//! So on the PulseAudio host, capture opens `pulse:DEVICE=<source>` with a 10 ms period
//! (the server's fragment size, so audio arrives every 10 ms) and a device buffer of
//! [`crate::StreamOptions::capture_device_periods`] periods (50 = 500 ms by default). The
//! large buffer adds no latency, because the thread reads every period as soon as it is
//! available; it only absorbs bursts and short stalls of the capture thread. A small thread
//! owned by the stream ([`PcmThread`]) reads with a non-blocking `readi`, waits on the PCM
//! when nothing is available, and runs the same [`CaptureCallback`] as every other host
//! (downmix, resample, push into the ring: no allocation, no lock). Overruns are recovered and
//! counted ([`crate::RingStats::xruns`]); a PCM that cannot be recovered (source or server
//! gone) is reported lost through the stream's fault flag, a stalled one by the watchdog.
//! (What absorbs the bursts is mostly the plugin's large server-side `maxlength`: a 40 ms
//! device buffer passed the bed's burst test too; the 500 ms buffer is margin for a starved
//! capture thread.)
//!
//! Known difference from cpal, seen on the bed: on the monitor of an idle null sink the first
//! data arrives only when the sink next renders (when something starts playing into it, or at
//! the end of its current block, up to 2 s), where cpal's stream got silence at once. A
//! hardware source is not affected.

use std::sync::Arc;
use std::time::Duration;

use alsa::pcm::PCM;
use alsa::Direction as AlsaDirection;

use crate::alsa_pulse_pcm::{
    recover, would_block, PcmFormat, PcmRequest, PcmThread, RunFlags, WAIT_MS,
};
use crate::capture::CaptureCallback;
use crate::error::AudioError;
use crate::stream::FaultFlag;

/// Opens `pulse:DEVICE=<source>` as `request` says, builds the callback for the format
/// obtained, and starts the capture thread.
pub(crate) fn open(
    source: &str,
    request: PcmRequest,
    timeout: Duration,
    fault: Arc<FaultFlag>,
    make_callback: impl FnOnce(PcmFormat) -> Result<CaptureCallback, AudioError>,
) -> Result<(PcmThread, PcmFormat), AudioError> {
    PcmThread::open(
        source,
        AlsaDirection::Capture,
        request,
        timeout,
        fault,
        make_callback,
        run,
    )
}

/// The capture loop: read whatever is available (up to a period), hand it to the callback,
/// wait on the device clock when nothing is. While paused the PCM is stopped (its buffer
/// dropped) and prepared again on resume.
fn run(
    pcm: &PCM,
    format: PcmFormat,
    mut callback: CaptureCallback,
    flags: &RunFlags,
    fault: &FaultFlag,
) {
    let Ok(io) = pcm.io_f32() else {
        fault.record(cpal::ErrorKind::BackendError);
        return;
    };
    let channels = usize::from(format.channels.max(1));
    let mut buffer = vec![0.0f32; format.period_frames as usize * channels];
    // Prepared by `hw_params`: start it now (a read would too, start threshold 1).
    if let Err(e) = pcm.start() {
        if !recover(pcm, e, fault, || callback.count_xrun()) {
            return;
        }
    }
    let mut prepared = true;
    while !flags.stopped() {
        if flags.paused() {
            if prepared {
                let _ = pcm.drop();
                prepared = false;
            }
            std::thread::sleep(Duration::from_millis(10));
            continue;
        }
        if !prepared {
            if let Err(e) = pcm.prepare() {
                if !recover(pcm, e, fault, || callback.count_xrun()) {
                    return;
                }
            }
            prepared = true;
        }
        match io.readi(&mut buffer) {
            Ok(frames) if frames > 0 => callback.on_data(&buffer[..frames * channels]),
            Ok(_) => {
                if let Err(e) = pcm.wait(Some(WAIT_MS)) {
                    if !recover(pcm, e, fault, || callback.count_xrun()) {
                        return;
                    }
                }
            }
            Err(e) if would_block(&e) => {
                if let Err(e) = pcm.wait(Some(WAIT_MS)) {
                    if !recover(pcm, e, fault, || callback.count_xrun()) {
                        return;
                    }
                }
            }
            Err(e) => {
                // An overrun (EPIPE) or suspend is recovered; anything else means the source
                // or the server is gone.
                if !recover(pcm, e, fault, || callback.count_xrun()) {
                    return;
                }
            }
        }
    }
    let _ = pcm.drop();
}
