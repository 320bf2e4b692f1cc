//! The audio of a SIP call: microphone → 8 kHz → G.711 → RTP → network, and network → RTP →
//! jitter buffer → G.711 (with concealment) → 48 kHz → speaker.
//!
//! One dedicated thread per call owns the audio devices (their handles are not `Send` on every
//! platform) and a non-blocking UDP socket, and runs a 10 ms loop: the media itself is the
//! sans-IO `softphone-media` crate, the devices are `softphone-audio`.

use crate::api::CallId;
use softphone_audio::resample::StreamResampler;
use softphone_audio::wav::{WavSink, WavSource};
use softphone_audio::{
    AudioHost, CaptureStream, DeviceHealth, Frame, FrameSink, FrameSource, PlaybackStream,
    ReadOutcome, StreamOptions, FRAME_DURATION, FRAME_SAMPLES,
};
use softphone_media::dtmf::{DtmfSender, DtmfSenderConfig};
use softphone_media::g711::G711Plc;
use softphone_media::jitter::{JitterBuffer, JitterBufferConfig, Playout};
use softphone_media::negotiation::NegotiatedSession;
use softphone_media::rtp::RtpPacket;
use softphone_media::session::{RtpSession, RtpSessionConfig};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// Where a call's audio comes from and goes to: devices by name (`None`: the system default),
/// or WAV files for scripts and tests.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AudioRoute {
    /// Microphone name.
    pub microphone: Option<String>,
    /// Speaker name.
    pub speaker: Option<String>,
    /// Play this file into calls instead of the microphone.
    pub wav_in: Option<PathBuf>,
    /// Record received audio to this file instead of the speaker.
    pub wav_out: Option<PathBuf>,
}

/// The call's audio input.
enum Input {
    Device(Box<CaptureStream>),
    /// A file, pulled at the real-time rate.
    Wav {
        source: Box<WavSource>,
        next: Instant,
    },
}

/// The call's audio output.
enum Output {
    Device(Box<PlaybackStream>),
    Wav(Box<WavSink>),
}

impl Input {
    fn open(
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

    /// The next 20 ms of input, if one is due; silence when muted.
    fn next(&mut self, frame: &mut Frame, muted: bool) -> bool {
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
    fn open(
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

    fn write(&mut self, frame: &Frame) {
        match self {
            Output::Device(spk) => {
                let _ = spk.write_frame(frame);
            }
            Output::Wav(sink) => {
                let _ = FrameSink::write_frame(sink.as_mut(), frame);
            }
        }
    }

    fn finish(self) {
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

/// What a media thread reports when it stops.
#[derive(Debug)]
pub(crate) struct MediaEnded {
    pub(crate) call_id: CallId,
    pub(crate) reason: String,
}

/// The engine's handle on a call's media thread.
#[derive(Debug)]
pub(crate) struct MediaHandle {
    stop: Arc<AtomicBool>,
    muted: Arc<AtomicBool>,
    dtmf: std::sync::mpsc::Sender<char>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl MediaHandle {
    /// Stops the media and waits for the thread (one loop turn, about 10 ms), so recordings
    /// are complete on disk when the call is reported ended.
    pub(crate) fn stop(mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    pub(crate) fn set_muted(&self, muted: bool) {
        self.muted.store(muted, Ordering::Relaxed);
    }

    /// Queues DTMF digits to send as RFC 4733 telephone-events (100 ms tone, 70 ms gap).
    pub(crate) fn send_dtmf(&self, digits: &str) {
        for d in digits.chars() {
            let _ = self.dtmf.send(d);
        }
    }
}

impl Drop for MediaHandle {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// Starts the media of a call on `socket` (already bound: its port is in our SDP).
pub(crate) fn start(
    call_id: CallId,
    socket: UdpSocket,
    session: NegotiatedSession,
    ssrc: u32,
    route: AudioRoute,
    ended: mpsc::Sender<MediaEnded>,
) -> MediaHandle {
    let stop = Arc::new(AtomicBool::new(false));
    let muted = Arc::new(AtomicBool::new(false));
    let (dtmf_tx, dtmf_rx) = std::sync::mpsc::channel();
    let mut handle = MediaHandle {
        stop: stop.clone(),
        muted: muted.clone(),
        dtmf: dtmf_tx,
        thread: None,
    };
    let name = format!("media-{call_id}");
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let reason = match run(&socket, &session, ssrc, &route, &stop, &muted, &dtmf_rx) {
            Ok(()) => "hung up".to_string(),
            Err(e) => e,
        };
        tracing::info!(call = %call_id, %reason, "media stopped");
        let _ = ended.blocking_send(MediaEnded { call_id, reason });
    });
    match spawned {
        Ok(t) => handle.thread = Some(t),
        Err(e) => tracing::error!(error = %e, "cannot start the media thread"),
    }
    handle
}

fn run(
    socket: &UdpSocket,
    session: &NegotiatedSession,
    ssrc: u32,
    route: &AudioRoute,
    stop: &AtomicBool,
    muted: &AtomicBool,
    dtmf: &std::sync::mpsc::Receiver<char>,
) -> Result<(), String> {
    let law = session
        .codec
        .g711_law()
        .ok_or_else(|| format!("codec {:?} is not supported yet", session.codec))?;
    socket
        .set_nonblocking(true)
        .map_err(|e| format!("media socket: {e}"))?;
    // Connecting to the sound server takes time: only when a device is used at all.
    let mut host: Option<AudioHost> = None;
    let options = StreamOptions::default();
    let mut mic = Input::open(&mut host, route, &options)?;
    let mut spk = Output::open(&mut host, route, &options)?;
    let rate = session.clock_rate;
    let samples_per_packet = (rate * session.ptime / 1000) as usize;
    let mut down = StreamResampler::new(48_000, rate, FRAME_SAMPLES).map_err(|e| e.to_string())?;
    let mut up =
        StreamResampler::new(rate, 48_000, samples_per_packet).map_err(|e| e.to_string())?;
    let start = Instant::now();
    let now_ms = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut rtp = RtpSession::new(RtpSessionConfig {
        ssrc,
        initial_sequence: (ssrc >> 16) as u16,
        initial_timestamp: ssrc.rotate_left(7),
        clock_rate: rate,
        cname: format!("softphone-{ssrc:08x}"),
        ntp_offset_ms: 0,
    });
    let mut jitter = JitterBuffer::new(JitterBufferConfig::new(rate, session.ptime));
    let mut plc = G711Plc::new();
    let mut frame = Frame::silence();
    let mut pcm8k: Vec<f32> = Vec::with_capacity(samples_per_packet * 2);
    let mut pcm_i16: Vec<i16> = Vec::with_capacity(samples_per_packet);
    let mut payload: Vec<u8> = Vec::with_capacity(samples_per_packet);
    let mut decoded: Vec<i16> = Vec::with_capacity(samples_per_packet);
    let mut decoded_f32: Vec<f32> = Vec::with_capacity(samples_per_packet);
    let mut out48: Vec<f32> = Vec::with_capacity(FRAME_SAMPLES * 2);
    let mut buf = vec![0u8; 2048];
    let mut media_time: u32 = 0;
    let mut first = true;
    let mut dtmf_sender = session.send_dtmf_payload_type.map(|pt| {
        let mut config = DtmfSenderConfig::new(rate);
        config.packet_ms = session.ptime;
        (pt, DtmfSender::new(config))
    });
    let mut next_playout = now_ms() + u64::from(session.ptime);
    let mut ticks = 0u32;
    while !stop.load(Ordering::Relaxed) {
        // Microphone → network.
        while mic.next(&mut frame, muted.load(Ordering::Relaxed)) {
            down.process(&frame.samples, |block| pcm8k.extend_from_slice(block))
                .map_err(|e| e.to_string())?;
            while pcm8k.len() >= samples_per_packet {
                pcm_i16.clear();
                pcm_i16.extend(
                    pcm8k
                        .drain(..samples_per_packet)
                        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16),
                );
                // DTMF replaces the audio packet while a tone is being sent (RFC 4733 §2.5).
                while let Ok(digit) = dtmf.try_recv() {
                    match dtmf_sender.as_mut() {
                        Some((_, sender)) => {
                            if !sender.queue_digit(digit) {
                                tracing::info!(?digit, "not a DTMF digit; ignored");
                            }
                        }
                        None => {
                            tracing::info!("the far end accepts no telephone-event; DTMF not sent")
                        }
                    }
                }
                let event = dtmf_sender
                    .as_mut()
                    .and_then(|(pt, sender)| sender.poll(media_time).map(|p| (*pt, p)));
                let packet = match event {
                    Some((pt, p)) => {
                        rtp.build_packet(now_ms(), pt, p.marker, p.media_time, &p.payload)
                    }
                    None => {
                        payload.clear();
                        law.encode(&pcm_i16, &mut payload);
                        rtp.build_packet(
                            now_ms(),
                            session.send_payload_type,
                            first,
                            media_time,
                            &payload,
                        )
                    }
                };
                first = false;
                media_time = media_time.wrapping_add(samples_per_packet as u32);
                if let Err(e) = socket.send_to(&packet, session.remote_rtp) {
                    tracing::debug!(error = %e, "RTP send failed");
                }
            }
        }
        // Network → jitter buffer. Anything that is not RTP of our payload type is dropped.
        loop {
            match socket.recv_from(&mut buf) {
                Ok((n, _from)) => {
                    let Some(data) = buf.get(..n) else { continue };
                    let Ok(packet) = RtpPacket::parse(data) else {
                        continue;
                    };
                    if packet.header.payload_type != session.receive_payload_type {
                        continue;
                    }
                    let now = now_ms();
                    rtp.receive_rtp(now, &packet.header, packet.payload.len());
                    jitter.insert(
                        packet.header.sequence_number,
                        packet.header.timestamp,
                        now,
                        packet.payload,
                    );
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => {
                    tracing::debug!(error = %e, "RTP receive failed");
                    break;
                }
            }
        }
        // Jitter buffer → speaker, one packet time at a time.
        while now_ms() >= next_playout {
            next_playout += u64::from(session.ptime);
            decoded.clear();
            match jitter.pull(now_ms()) {
                Playout::Frame { payload, .. } => {
                    law.decode(&payload, &mut decoded);
                    plc.good_frame(&mut decoded);
                }
                Playout::Conceal { .. } => {
                    decoded.resize(samples_per_packet, 0);
                    plc.conceal(&mut decoded);
                }
                Playout::Empty => decoded.resize(samples_per_packet, 0),
            }
            decoded_f32.clear();
            decoded_f32.extend(decoded.iter().map(|&s| f32::from(s) / 32768.0));
            up.process(&decoded_f32, |block| out48.extend_from_slice(block))
                .map_err(|e| e.to_string())?;
            while out48.len() >= FRAME_SAMPLES {
                let f = Frame::from_slice(&out48[..FRAME_SAMPLES]);
                out48.drain(..FRAME_SAMPLES);
                spk.write(&f);
            }
        }
        ticks = ticks.wrapping_add(1);
        if ticks % 20 == 0 {
            if let (Input::Device(m), Some(host)) = (&mut mic, &host) {
                if let DeviceHealth::Lost(reason) = m.health() {
                    tracing::warn!(?reason, "microphone lost; reopening the default");
                    let fallback = CaptureStream::open(host, None, &options)
                        .map_err(|e| format!("microphone lost: {e}"))?;
                    **m = fallback;
                }
            }
            if let (Output::Device(o), Some(host)) = (&mut spk, &host) {
                if let DeviceHealth::Lost(reason) = o.health() {
                    tracing::warn!(?reason, "speaker lost; reopening the default");
                    let fallback = PlaybackStream::open(host, None, &options)
                        .map_err(|e| format!("speaker lost: {e}"))?;
                    **o = fallback;
                }
            }
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    spk.finish();
    Ok(())
}
