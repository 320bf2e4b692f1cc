//! The call's audio input and output: devices (with fallback to the default when one is
//! lost) or WAV files for scripts and tests.

use super::AudioRoute;
use softphone_audio::wav::{WavSink, WavSource};
use softphone_audio::{
    AudioHost, CaptureStream, DeviceHealth, Frame, FrameSink, FrameSource, PlaybackStream,
    ReadOutcome, StreamOptions, FRAME_DURATION,
};
use std::time::Instant;

/// The call's audio input.
pub(super) enum Input {
    Device(Box<CaptureStream>),
    /// A file, pulled at the real-time rate.
    Wav {
        source: Box<WavSource>,
        next: Instant,
    },
}

/// The call's audio output.
pub(super) enum Output {
    Device(Box<PlaybackStream>),
    Wav(Box<WavSink>),
}

impl Input {
    pub(super) fn open(
        host: &mut Option<AudioHost>,
        route: &AudioRoute,
        options: &StreamOptions,
    ) -> Result<Self, String> {
        if let Some(path) = &route.wav_in {
            let source = WavSource::open(path, false)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            return Ok(Input::Wav {
                source: Box::new(source),
                next: Instant::now(),
            });
        }
        let host = host.get_or_insert_with(AudioHost::new);
        let mut mic = CaptureStream::open(host, route.microphone.as_deref(), options)
            .map_err(|e| format!("microphone unavailable: {e}"))?;
        mic.discard_buffered();
        Ok(Input::Device(Box::new(mic)))
    }

    /// Starts from now: drops what a microphone captured so far, restarts a file's clock.
    pub(super) fn restart(&mut self) {
        match self {
            Input::Device(mic) => mic.discard_buffered(),
            Input::Wav { next, .. } => *next = Instant::now(),
        }
    }

    /// The next 20 ms of input, if one is due; silence when muted.
    pub(super) fn next(&mut self, frame: &mut Frame, muted: bool) -> bool {
        match self {
            Input::Device(mic) => {
                mic.set_muted(muted);
                CaptureStream::read_frame(mic, frame) == ReadOutcome::Frame
            }
            Input::Wav { source, next } => {
                let now = Instant::now();
                if now < *next {
                    return false;
                }
                *next += FRAME_DURATION;
                match source.read_frame(frame) {
                    Ok(ReadOutcome::Frame) => {}
                    _ => frame.fill_silence(),
                }
                if muted {
                    frame.fill_silence();
                }
                true
            }
        }
    }
}

impl Output {
    pub(super) fn open(
        host: &mut Option<AudioHost>,
        route: &AudioRoute,
        options: &StreamOptions,
    ) -> Result<Self, String> {
        if let Some(path) = &route.wav_out {
            let sink = WavSink::create(path)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            return Ok(Output::Wav(Box::new(sink)));
        }
        let host = host.get_or_insert_with(AudioHost::new);
        let spk = PlaybackStream::open(host, route.speaker.as_deref(), options)
            .map_err(|e| format!("speaker unavailable: {e}"))?;
        Ok(Output::Device(Box::new(spk)))
    }

    pub(super) fn write(&mut self, frame: &Frame) {
        match self {
            Output::Device(spk) => {
                let _ = spk.write_frame(frame);
            }
            Output::Wav(sink) => {
                let _ = FrameSink::write_frame(sink.as_mut(), frame);
            }
        }
    }

    pub(super) fn finish(self) {
        if let Output::Wav(sink) = self {
            tracing::debug!(
                frames = sink.frames_written(),
                "finishing the WAV recording"
            );
            if let Err(e) = sink.finalize() {
                tracing::warn!(error = %e, "cannot finish the WAV recording");
            }
        }
    }
}

/// The device rings' counters (callbacks, overruns, underruns), for the end-of-call log.
pub(super) fn ring_stats(mic: &Input, spk: &Output) -> String {
    let input = match mic {
        Input::Device(m) => format!("{:?}", m.stats()),
        Input::Wav { .. } => "file".into(),
    };
    let output = match spk {
        Output::Device(s) => format!("{:?}", s.stats()),
        Output::Wav(_) => "file".into(),
    };
    format!("microphone {input}, speaker {output}")
}

/// The opened input and output of a call.
pub(super) struct Devices {
    /// The sound-server connection, when a device (not a file) is used.
    pub(super) host: Option<AudioHost>,
    /// Stream options the devices were opened with (for reopening).
    pub(super) options: StreamOptions,
    /// Microphone or WAV input.
    pub(super) mic: Input,
    /// Speaker or WAV output.
    pub(super) spk: Output,
    /// Clean the microphone of noise before sending.
    pub(super) noise_suppression: bool,
}

impl Devices {
    /// Opens the route's input and output. Connecting to the sound server takes time: only
    /// when a device is used at all.
    pub(super) fn open(route: &AudioRoute) -> Result<Self, String> {
        let mut host: Option<AudioHost> = None;
        let options = StreamOptions::default();
        let mic = Input::open(&mut host, route, &options)?;
        let spk = Output::open(&mut host, route, &options)?;
        Ok(Self {
            host,
            options,
            mic,
            spk,
            noise_suppression: route.noise_suppression,
        })
    }
}

/// Reopens the system default in place of a device that disappeared.
pub(super) fn replace_lost(
    mic: &mut Input,
    spk: &mut Output,
    host: Option<&AudioHost>,
    options: &StreamOptions,
) -> Result<(), String> {
    let Some(host) = host else { return Ok(()) };
    if let Input::Device(m) = mic {
        if let DeviceHealth::Lost(reason) = m.health() {
            tracing::warn!(?reason, "microphone lost; reopening the default");
            let fallback = CaptureStream::open(host, None, options)
                .map_err(|e| format!("microphone lost: {e}"))?;
            **m = fallback;
        }
    }
    if let Output::Device(o) = spk {
        if let DeviceHealth::Lost(reason) = o.health() {
            tracing::warn!(?reason, "speaker lost; reopening the default");
            let fallback = PlaybackStream::open(host, None, options)
                .map_err(|e| format!("speaker lost: {e}"))?;
            **o = fallback;
        }
    }
    Ok(())
}

fn describe_stream(what: &str, info: &softphone_audio::StreamInfo) -> String {
    let fallback = info
        .fallback
        .as_ref()
        .map(|f| format!(" ({f})"))
        .unwrap_or_default();
    format!("{what} {}{fallback}", info.device.name)
}

/// What was opened, for the log: device names and fallbacks, or the WAV files.
pub(super) fn describe(mic: &Input, spk: &Output) -> String {
    let input = match mic {
        Input::Device(m) => describe_stream("microphone", m.info()),
        Input::Wav { .. } => "microphone: WAV file".into(),
    };
    let output = match spk {
        Output::Device(s) => describe_stream("speaker", s.info()),
        Output::Wav(_) => "speaker: WAV file".into(),
    };
    format!("{input}, {output}")
}
