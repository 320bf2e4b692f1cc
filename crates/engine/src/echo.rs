//! The echo-test line: a call that needs no account. The microphone comes back on the speaker
//! a fifth of a second later, so a new user hears that both devices work.
//!
//! The audio streams live on a dedicated thread (audio device handles are not `Send` on every
//! platform); the engine talks to it through a stop flag and reports.

use crate::api::CallId;
use softphone_audio::{
    AudioHost, CaptureStream, DeviceHealth, EchoLoop, PlaybackStream, StreamOptions,
};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// How far behind the microphone the speaker plays.
pub const ECHO_DELAY: Duration = Duration::from_millis(200);

/// What the echo thread tells the engine.
#[derive(Debug)]
pub(crate) enum EchoReport {
    /// Both devices opened; audio flows.
    Started {
        call_id: CallId,
        /// What was opened, for the log (device names, fallbacks).
        detail: String,
    },
    /// The echo ended (hung up, or a device failed).
    Ended { call_id: CallId, reason: String },
}

/// The engine's handle on a running echo call.
#[derive(Debug)]
pub(crate) struct EchoCall {
    stop: Arc<AtomicBool>,
    muted: Arc<AtomicBool>,
}

impl EchoCall {
    /// Ends the echo call; the thread reports [`EchoReport::Ended`].
    pub(crate) fn hang_up(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    /// Silences the microphone side.
    pub(crate) fn set_muted(&self, muted: bool) {
        self.muted.store(muted, Ordering::Relaxed);
    }
}

/// Starts the echo thread for `call_id` on the chosen devices (`None`: system default).
pub(crate) fn start(
    call_id: CallId,
    microphone: Option<String>,
    speaker: Option<String>,
    reports: mpsc::Sender<EchoReport>,
) -> EchoCall {
    let stop = Arc::new(AtomicBool::new(false));
    let muted = Arc::new(AtomicBool::new(false));
    let call = EchoCall {
        stop: stop.clone(),
        muted: muted.clone(),
    };
    let spawned = std::thread::Builder::new()
        .name(format!("echo-{call_id}"))
        .spawn({
            let call_id = call_id.clone();
            let reports = reports.clone();
            move || {
                let reason = run(
                    &call_id,
                    microphone.as_deref(),
                    speaker.as_deref(),
                    &stop,
                    &muted,
                    &reports,
                );
                let _ = reports.blocking_send(EchoReport::Ended { call_id, reason });
            }
        });
    if let Err(e) = spawned {
        let _ = reports.try_send(EchoReport::Ended {
            call_id,
            reason: format!("cannot start the audio thread: {e}"),
        });
    }
    call
}

fn run(
    call_id: &CallId,
    microphone: Option<&str>,
    speaker: Option<&str>,
    stop: &AtomicBool,
    muted: &AtomicBool,
    reports: &mpsc::Sender<EchoReport>,
) -> String {
    let host = AudioHost::new();
    let options = StreamOptions::default();
    let mic = match CaptureStream::open(&host, microphone, &options) {
        Ok(m) => m,
        Err(e) => return format!("microphone unavailable: {e}"),
    };
    let spk = match PlaybackStream::open(&host, speaker, &options) {
        Ok(s) => s,
        Err(e) => return format!("speaker unavailable: {e}"),
    };
    let describe = |what: &str, info: &softphone_audio::StreamInfo| {
        let fallback = info
            .fallback
            .as_ref()
            .map(|f| format!(" ({f})"))
            .unwrap_or_default();
        format!("{what} {}{fallback}", info.device.name)
    };
    let detail = format!(
        "{}, {}",
        describe("microphone", mic.info()),
        describe("speaker", spk.info())
    );
    let _ = reports.blocking_send(EchoReport::Started {
        call_id: call_id.clone(),
        detail,
    });
    // The microphone opened first: drop its backlog so it does not arrive as one burst.
    let mut mic = mic;
    mic.discard_buffered();
    let mut echo = EchoLoop::new(mic, spk, ECHO_DELAY);
    let mut ticks = 0u32;
    while !stop.load(Ordering::Relaxed) {
        echo.source_mut().set_muted(muted.load(Ordering::Relaxed));
        if let Err(e) = echo.pump() {
            return format!("audio failed: {e}");
        }
        ticks = ticks.wrapping_add(1);
        if ticks % 10 == 0 {
            for (what, health) in [
                ("microphone", echo.source_mut().health()),
                ("speaker", echo.sink_mut().health()),
            ] {
                if let DeviceHealth::Lost(reason) = health {
                    return format!("{what} lost: {reason:?}");
                }
            }
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    "hung up".into()
}
