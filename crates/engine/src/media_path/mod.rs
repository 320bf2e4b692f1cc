//! The audio of a SIP call: microphone → codec (Opus, or 8 kHz G.711) → RTP → SRTP → network,
//! and network → SRTP → RTP → jitter buffer → codec (with concealment/FEC) → 48 kHz → speaker;
//! RTCP reports, call statistics, audio levels and received DTMF as events.
//!
//! One dedicated thread per call owns the audio devices (their handles are not `Send` on every
//! platform) and a non-blocking UDP socket, and runs a 5 ms loop: the media itself is the
//! sans-IO `softphone-media` crate, the devices are `softphone-audio`. The echo-test line runs
//! this same loop on a loopback socket.

mod devices;
mod stats;
#[cfg(test)]
mod tests;
mod transport;
pub(crate) mod webrtc;

use crate::api::{CallId, CallStats, Event};
use softphone_audio::resample::StreamResampler;
use softphone_audio::{Frame, FRAME_SAMPLES};
use softphone_media::codec::new_codec;
use softphone_media::dtmf::{DtmfReceiver, DtmfSender, DtmfSenderConfig};
use softphone_media::jitter::{JitterBuffer, JitterBufferConfig, Playout};
use softphone_media::negotiation::NegotiatedSession;
use softphone_media::processing::{CaptureProcessor, NoiseSuppressor};
use softphone_media::rtcp::parse_compound;
use softphone_media::rtp::RtpPacket;
use softphone_media::session::{ReceiveOutcome, RtpSession, RtpSessionConfig};
use stats::{call_stats, LevelMeter, StatsInput};
use std::net::UdpSocket;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use transport::{MediaTransport, Received, RtpTransport};

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
    /// Suppress background noise in the microphone (the account's setting).
    pub noise_suppression: bool,
}

/// What a media thread reports when it stops.
#[derive(Debug)]
pub(crate) struct MediaStopped {
    pub(crate) call_id: CallId,
    pub(crate) reason: String,
}

/// The message type of the media report channel (named for its first use).
pub(crate) type MediaEnded = MediaReport;

/// What a media thread tells the engine.
#[derive(Debug)]
pub(crate) enum MediaReport {
    /// The devices are open and media flows (what was opened, for the log).
    Running { detail: String },
    /// An event to publish: statistics, levels, received DTMF.
    Event(Event),
    /// The media stopped on its own (a device failed…).
    Ended(MediaStopped),
    /// A WebRTC call's SDP (offer or answer, every candidate in it) is ready to send.
    LocalSdp {
        /// Which call.
        call_id: CallId,
        /// The SDP.
        sdp: String,
    },
}

/// Where a media thread sends its reports (never blocks the media loop for events).
pub(crate) type ReportFn = Box<dyn Fn(MediaReport) + Send>;

/// The engine's handle on a call's media thread.
pub(crate) struct MediaHandle {
    stop: Arc<AtomicBool>,
    muted: Arc<AtomicBool>,
    dtmf: std::sync::mpsc::Sender<char>,
    /// Until media begins: where the go goes.
    go: Option<std::sync::mpsc::Sender<Go>>,
    thread: Option<std::thread::JoinHandle<Option<CallStats>>>,
}

impl std::fmt::Debug for MediaHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MediaHandle").finish_non_exhaustive()
    }
}

impl MediaHandle {
    /// Stops the media and waits for the thread (one loop turn, about 5 ms), so recordings
    /// are complete on disk when the call is reported ended. Returns the call's final
    /// statistics (the summary), when media ran.
    pub(crate) fn stop(mut self) -> Option<CallStats> {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.take().and_then(|t| t.join().ok().flatten())
    }

    /// Hands a prepared media thread its socket and session: RTP flows from now on.
    pub(crate) fn begin(
        mut self,
        socket: UdpSocket,
        session: NegotiatedSession,
        ssrc: u32,
    ) -> Self {
        if let Some(go) = self.go.take() {
            let _ = go.send(Go::Rtp {
                socket,
                session,
                ssrc,
            });
        }
        self
    }

    /// Lets a prepared WebRTC media thread start: with the peer's answer when we offered,
    /// without when we answered their offer; `route` when the devices are chosen only now.
    pub(crate) fn begin_webrtc(
        mut self,
        remote_answer: Option<String>,
        ssrc: u32,
        route: Option<AudioRoute>,
    ) -> Self {
        if let Some(go) = self.go.take() {
            let _ = go.send(Go::WebRtc {
                remote_answer,
                ssrc,
                route,
            });
        }
        self
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
    report: ReportFn,
) -> MediaHandle {
    prepare(call_id, route, report).begin(socket, session, ssrc)
}

/// What starts a prepared media thread.
enum Go {
    /// Classic RTP: the socket our SDP advertised and the negotiated session.
    Rtp {
        socket: UdpSocket,
        session: NegotiatedSession,
        ssrc: u32,
    },
    /// WebRTC: the thread has its own transport; the peer's answer when we offered; the
    /// devices when they were not known when the thread started (incoming calls).
    WebRtc {
        remote_answer: Option<String>,
        ssrc: u32,
        route: Option<AudioRoute>,
    },
}

/// What a media thread shares with its handle.
struct Shared {
    stop: Arc<AtomicBool>,
    muted: Arc<AtomicBool>,
    dtmf: std::sync::mpsc::Receiver<char>,
    go: std::sync::mpsc::Receiver<Go>,
}

/// A handle (without its thread yet) and what the thread keeps.
fn new_handle() -> (MediaHandle, Shared) {
    let stop = Arc::new(AtomicBool::new(false));
    let muted = Arc::new(AtomicBool::new(false));
    let (dtmf_tx, dtmf_rx) = std::sync::mpsc::channel();
    let (go_tx, go_rx) = std::sync::mpsc::channel::<Go>();
    let handle = MediaHandle {
        stop: stop.clone(),
        muted: muted.clone(),
        dtmf: dtmf_tx,
        go: Some(go_tx),
        thread: None,
    };
    let shared = Shared {
        stop,
        muted,
        dtmf: dtmf_rx,
        go: go_rx,
    };
    (handle, shared)
}

/// The end of a media thread: the summary goes to the join when the engine stopped it, else
/// it is published with the reason the media ended on its own.
fn finish(
    call_id: &CallId,
    shared: &Shared,
    result: Result<(), String>,
    mut summary: Option<CallStats>,
    report: &ReportFn,
) -> Option<CallStats> {
    let stopped = shared.stop.load(Ordering::Relaxed);
    let reason = match result {
        Ok(()) => "hung up".to_string(),
        Err(e) => e,
    };
    tracing::info!(%reason, ?summary, "media stopped");
    if stopped {
        // The engine asked: it takes the summary from the join.
        return summary;
    }
    if let Some(stats) = summary.take() {
        report(MediaReport::Event(Event::CallStatsUpdated {
            call_id: call_id.clone(),
            stats,
        }));
    }
    report(MediaReport::Ended(MediaStopped {
        call_id: call_id.clone(),
        reason,
    }));
    None
}

/// Starts a call's media thread and opens its devices now (that takes 0.6–1.6 s with
/// PulseAudio), so audio flows from the first packet once [`MediaHandle::begin`] hands it the
/// negotiated session. Dropping or stopping the handle before that closes the devices.
pub(crate) fn prepare(call_id: CallId, route: AudioRoute, report: ReportFn) -> MediaHandle {
    let (mut handle, shared) = new_handle();
    let name = format!("media-{call_id}");
    let spawned = std::thread::Builder::new().name(name).spawn(move || {
        let span = tracing::info_span!("media", call = %call_id);
        let _entered = span.enter();
        let opened = devices::Devices::open(&route);
        // Wait for the answer (or the end of the call).
        let go = loop {
            if shared.stop.load(Ordering::Relaxed) {
                return None;
            }
            match shared.go.recv_timeout(Duration::from_millis(20)) {
                Ok(go) => break go,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
            }
        };
        tracing::debug!(devices_ok = opened.is_ok(), "media go");
        let controls = Controls {
            stop: &shared.stop,
            muted: &shared.muted,
            dtmf: &shared.dtmf,
        };
        let mut summary = None;
        let result = match go {
            Go::Rtp {
                socket,
                session,
                ssrc,
            } => opened.and_then(|devices| {
                let mut transport = RtpTransport::new(socket, &session)?;
                run(
                    &call_id,
                    &mut transport,
                    &session,
                    ssrc,
                    devices,
                    &controls,
                    &report,
                    &mut summary,
                )
            }),
            Go::WebRtc { .. } => Err("a WebRTC go was handed to a classic call".into()),
        };
        finish(&call_id, &shared, result, summary, &report)
    });
    match spawned {
        Ok(t) => handle.thread = Some(t),
        Err(e) => tracing::error!(error = %e, "cannot start the media thread"),
    }
    handle
}

/// What the engine controls while media runs.
struct Controls<'a> {
    stop: &'a AtomicBool,
    muted: &'a AtomicBool,
    dtmf: &'a std::sync::mpsc::Receiver<char>,
}

/// Milliseconds since 1900 (NTP era) at the moment this is called, for RTCP sender reports.
fn ntp_now_ms() -> u64 {
    const UNIX_TO_NTP_MS: u64 = 2_208_988_800_000;
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0))
        + UNIX_TO_NTP_MS
}

/// How long a latched remote SSRC must be silent before another one may take over.
const SSRC_SWITCH_MS: u64 = 1000;
/// Statistics events, and audio-level events, at these intervals.
const STATS_EVERY_MS: u64 = 1000;
const LEVELS_EVERY_MS: u64 = 100;

#[allow(
    clippy::too_many_arguments,
    clippy::too_many_lines,
    reason = "the media loop: one place that joins devices, codec, RTP and reports"
)]
fn run(
    call_id: &CallId,
    transport: &mut dyn MediaTransport,
    session: &NegotiatedSession,
    ssrc: u32,
    devices: devices::Devices,
    controls: &Controls<'_>,
    report: &ReportFn,
    summary: &mut Option<CallStats>,
) -> Result<(), String> {
    let mut codec = new_codec(session.codec, session.ptime).map_err(|e| e.to_string())?;
    let encrypted = transport.is_secure();
    let devices::Devices {
        host,
        options,
        mut mic,
        mut spk,
        noise_suppression: devices_noise_suppression,
    } = devices;
    // The devices may have been open for a while (prepared while the call was set up).
    mic.restart();
    report(MediaReport::Running {
        detail: devices::describe(&mic, &spk),
    });
    // What queued up while the devices opened is too late to play (and may have overflowed
    // the socket buffer): start from live packets.
    let stale = transport.discard_backlog();
    if stale > 0 {
        tracing::debug!(
            stale,
            "packets that arrived while the devices opened discarded"
        );
    }
    let rtp_rate = session.clock_rate;
    let pcm_rate = codec.sample_rate();
    let ptime = session.ptime.max(10);
    let samples_per_packet = (pcm_rate * ptime / 1000) as usize;
    let ticks_per_packet = rtp_rate * ptime / 1000;
    let mut down = (pcm_rate != 48_000)
        .then(|| StreamResampler::new(48_000, pcm_rate, FRAME_SAMPLES))
        .transpose()
        .map_err(|e| e.to_string())?;
    let mut up = (pcm_rate != 48_000)
        .then(|| StreamResampler::new(pcm_rate, 48_000, samples_per_packet))
        .transpose()
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let now_ms = || u64::try_from(start.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut rtp = RtpSession::new(RtpSessionConfig {
        ssrc,
        // RFC 3711 §3.3.1: below 2^15, so no SRTP rollover early in the call.
        initial_sequence: ((ssrc >> 16) & 0x7fff) as u16,
        initial_timestamp: ssrc.rotate_left(7),
        clock_rate: rtp_rate,
        cname: format!("softphone-{ssrc:08x}"),
        ntp_offset_ms: ntp_now_ms(),
    });
    tracing::info!(
        codec = session.codec.encoding_name(),
        ptime,
        encrypted,
        rtcp_mux = session.rtcp_mux,
        remote = %session.remote_rtp,
        "media running"
    );
    let mut jitter = JitterBuffer::new(JitterBufferConfig::new(rtp_rate, ptime));
    let mut frame = Frame::silence();
    let mut processor: Option<Box<dyn CaptureProcessor>> = devices_noise_suppression
        .then(|| Box::new(NoiseSuppressor::new()) as Box<dyn CaptureProcessor>);
    if let Some(p) = &processor {
        tracing::info!(processor = p.name(), "microphone processing on");
    }
    let mut pcm: Vec<f32> = Vec::with_capacity(samples_per_packet * 2);
    let mut pcm_i16: Vec<i16> = Vec::with_capacity(samples_per_packet);
    let mut payload: Vec<u8> = Vec::with_capacity(1500);
    let mut decoded: Vec<i16> = Vec::with_capacity(samples_per_packet * 3);
    let mut decoded_f32: Vec<f32> = Vec::with_capacity(samples_per_packet * 3);
    let mut out48: Vec<f32> = Vec::with_capacity(FRAME_SAMPLES * 4);
    let mut media_time: u32 = 0;
    let mut marker = true;
    let mut dtmf_sender = session.send_dtmf_payload_type.map(|pt| {
        let mut config = DtmfSenderConfig::new(session.dtmf_clock_rate);
        config.packet_ms = ptime;
        (pt, DtmfSender::new(config))
    });
    let mut dtmf_receiver = DtmfReceiver::new(session.dtmf_clock_rate);
    let mut latched: Option<(u32, u64)> = None;
    let mut foreign: u64 = 0;
    let mut input_level = LevelMeter::default();
    let mut output_level = LevelMeter::default();
    let mut next_playout = now_ms() + u64::from(ptime);
    let mut next_stats = now_ms() + STATS_EVERY_MS;
    let mut next_levels = now_ms() + LEVELS_EVERY_MS;
    let mut ticks = 0u32;
    let mut sr_sent = false;
    let event = |e: Event| report(MediaReport::Event(e));
    let figures =
        |rtp: &RtpSession, jitter: &JitterBuffer, t: &dyn MediaTransport, foreign, last| {
            call_stats(&StatsInput {
                codec: session.codec,
                session: &rtp.stats(),
                jitter: &jitter.stats(),
                transport: t.counters(),
                foreign,
                encrypted,
                summary: last,
            })
        };
    while !controls.stop.load(Ordering::Relaxed) {
        // The transport's own protocol (ICE, DTLS) first: a failure ends the call.
        let states = transport.service()?;
        webrtc::report_states(call_id, report, &states);
        // Microphone → network.
        while mic.next(&mut frame, controls.muted.load(Ordering::Relaxed)) {
            if let Some(p) = processor.as_mut() {
                p.process(&mut frame.samples[..]);
            }
            input_level.add(&frame.samples);
            match down.as_mut() {
                Some(down) => down
                    .process(&frame.samples, |block| pcm.extend_from_slice(block))
                    .map_err(|e| e.to_string())?,
                None => pcm.extend_from_slice(&frame.samples),
            }
            while pcm.len() >= samples_per_packet {
                pcm_i16.clear();
                pcm_i16.extend(
                    pcm.drain(..samples_per_packet)
                        .map(|s| (s.clamp(-1.0, 1.0) * 32767.0) as i16),
                );
                // DTMF replaces the audio packet while a tone is being sent (RFC 4733 §2.5).
                while let Ok(digit) = controls.dtmf.try_recv() {
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
                let dtmf = dtmf_sender
                    .as_mut()
                    .and_then(|(pt, sender)| sender.poll(media_time).map(|p| (*pt, p)));
                let packet = match dtmf {
                    Some((pt, p)) => {
                        Some(rtp.build_packet(now_ms(), pt, p.marker, p.media_time, &p.payload))
                    }
                    None => {
                        payload.clear();
                        match codec.encode(&pcm_i16, &mut payload) {
                            Err(e) => {
                                tracing::debug!(error = %e, "frame not encoded");
                                None
                            }
                            Ok(()) if codec.is_dtx(&payload) => {
                                // Silence: nothing sent; the next talkspurt is marked.
                                marker = true;
                                None
                            }
                            Ok(()) => {
                                let p = rtp.build_packet(
                                    now_ms(),
                                    session.send_payload_type,
                                    marker,
                                    media_time,
                                    &payload,
                                );
                                marker = false;
                                Some(p)
                            }
                        }
                    }
                };
                media_time = media_time.wrapping_add(ticks_per_packet);
                if let Some(packet) = packet {
                    transport.send_rtp(&packet);
                }
            }
        }
        // Network → jitter buffer. RTCP updates the statistics; anything else is counted.
        while let Some(received) = transport.receive() {
            let now = now_ms();
            let data = match received {
                Received::Rtcp(data) => {
                    match parse_compound(&data) {
                        Ok(packets) => rtp.receive_rtcp(now, &packets),
                        Err(_) => foreign += 1,
                    }
                    continue;
                }
                Received::Rtp(data) => data,
            };
            let Ok(packet) = RtpPacket::parse(&data) else {
                foreign += 1;
                continue;
            };
            let header = &packet.header;
            let pt = header.payload_type;
            let is_dtmf = session.receive_dtmf_payload_type == Some(pt);
            if pt != session.receive_payload_type && !is_dtmf {
                foreign += 1;
                continue;
            }
            // Latch on one source; another may take over only after a second of silence.
            if let Some((current, last)) = latched {
                if current != header.ssrc && now.saturating_sub(last) < SSRC_SWITCH_MS {
                    foreign += 1;
                    continue;
                }
            }
            latched = Some((header.ssrc, now));
            match rtp.receive_rtp(now, header, packet.payload.len()) {
                ReceiveOutcome::NewSource { previous: Some(_) } => jitter.reset(),
                ReceiveOutcome::SequenceJump | ReceiveOutcome::Duplicate => continue,
                _ => {}
            }
            if is_dtmf {
                for digit in dtmf_receiver.receive(header.timestamp, packet.payload) {
                    tracing::info!(digit = %digit.digit, "DTMF received");
                    event(Event::DtmfReceived {
                        call_id: call_id.clone(),
                        digit: digit.digit.to_string(),
                    });
                }
                continue;
            }
            if let Some(digit) = dtmf_receiver.receive_audio(header.timestamp) {
                tracing::info!(digit = %digit.digit, "DTMF received (end lost)");
                event(Event::DtmfReceived {
                    call_id: call_id.clone(),
                    digit: digit.digit.to_string(),
                });
            }
            jitter.insert(
                header.sequence_number,
                header.timestamp,
                now,
                packet.payload,
            );
        }
        // Jitter buffer → speaker, one packet time at a time.
        while now_ms() >= next_playout {
            next_playout += u64::from(ptime);
            decoded.clear();
            match jitter.pull(now_ms()) {
                Playout::Frame { payload, .. } => {
                    if let Err(e) = codec.decode(&payload, &mut decoded) {
                        tracing::debug!(error = %e, "undecodable frame concealed");
                        decoded.clear();
                        codec.conceal(samples_per_packet, None, &mut decoded);
                    }
                }
                Playout::Conceal { .. } => {
                    codec.conceal(samples_per_packet, jitter.peek_next(), &mut decoded);
                }
                Playout::Empty => decoded.resize(samples_per_packet, 0),
            }
            decoded_f32.clear();
            decoded_f32.extend(decoded.iter().map(|&s| f32::from(s) / 32768.0));
            match up.as_mut() {
                Some(up) => up
                    .process(&decoded_f32, |block| out48.extend_from_slice(block))
                    .map_err(|e| e.to_string())?,
                None => out48.extend_from_slice(&decoded_f32),
            }
            while out48.len() >= FRAME_SAMPLES {
                let f = Frame::from_slice(&out48[..FRAME_SAMPLES]);
                out48.drain(..FRAME_SAMPLES);
                output_level.add(&f.samples);
                spk.write(&f);
            }
        }
        let now = now_ms();
        // RTCP: the first report after a second, then every interval; loss feeds the encoder.
        // Our first sender report goes as soon as we send (a microphone that starts late
        // would otherwise leave the peer without an SR, so no RTT, for a whole interval).
        let first_sr = !sr_sent && rtp.stats().packets_sent > 0;
        if now >= 1000 && (rtp.report_due(now) || first_sr) {
            sr_sent |= rtp.stats().packets_sent > 0;
            let compound = rtp.build_report(now);
            transport.send_rtcp(&compound);
            codec.set_expected_loss(stats::loss_percent(&rtp.stats()));
        }
        if now >= next_levels {
            next_levels = now + LEVELS_EVERY_MS;
            event(Event::AudioLevels {
                call_id: call_id.clone(),
                input_dbfs: input_level.take_dbfs(),
                output_dbfs: output_level.take_dbfs(),
            });
        }
        if now >= next_stats {
            next_stats = now + STATS_EVERY_MS;
            *summary = Some(figures(&rtp, &jitter, &*transport, foreign, true));
            event(Event::CallStatsUpdated {
                call_id: call_id.clone(),
                stats: figures(&rtp, &jitter, &*transport, foreign, false),
            });
        }
        ticks = ticks.wrapping_add(1);
        if ticks % 40 == 0 {
            devices::replace_lost(&mut mic, &mut spk, host.as_ref(), &options)?;
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let now = now_ms();
    tracing::debug!(jitter = ?jitter.stats(), "jitter buffer at the end of the call");
    tracing::debug!(
        rings = devices::ring_stats(&mic, &spk),
        "device rings at the end of the call"
    );
    transport.send_rtcp(&rtp.build_bye(now));
    *summary = Some(figures(&rtp, &jitter, &*transport, foreign, true));
    spk.finish();
    Ok(())
}
