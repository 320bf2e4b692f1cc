//! The echo-test line: a call that needs no account. It runs the full media pipeline of a real
//! call — capture → Opus → RTP over a loopback UDP socket (127.0.0.1, sent to itself) → jitter
//! buffer → decode → playout — with the same media thread as SIP calls, so a new user hears
//! that both devices and the audio path work.

use crate::api::{CallId, Event};
use crate::media_path::{self, AudioRoute, MediaHandle, MediaReport};
use softphone_media::negotiation::{Codec, NegotiatedSession};
use softphone_media::sdp::Direction;
use std::net::{Ipv4Addr, UdpSocket};
use tokio::sync::mpsc;

/// What the echo thread tells the engine.
#[derive(Debug)]
pub(crate) enum EchoReport {
    /// Both devices opened; audio flows.
    Started {
        call_id: CallId,
        /// What was opened, for the log (device names, fallbacks).
        detail: String,
    },
    /// Statistics and audio levels, as for calls.
    Event(Event),
    /// The echo ended (hung up, or a device failed).
    Ended { call_id: CallId, reason: String },
}

/// The engine's handle on a running echo call.
#[derive(Debug)]
pub(crate) struct EchoCall {
    media: Option<MediaHandle>,
    reports: mpsc::Sender<EchoReport>,
    call_id: CallId,
}

impl EchoCall {
    /// Ends the echo call; its final statistics are reported.
    pub(crate) fn hang_up(mut self) {
        if let Some(stats) = self.media.take().and_then(MediaHandle::stop) {
            let _ = self
                .reports
                .try_send(EchoReport::Event(Event::CallStatsUpdated {
                    call_id: self.call_id.clone(),
                    stats,
                }));
        }
    }

    /// Silences the microphone side.
    pub(crate) fn set_muted(&self, muted: bool) {
        if let Some(m) = &self.media {
            m.set_muted(muted);
        }
    }
}

/// The negotiated session of a stream that comes back to its own socket: Opus 20 ms, no SRTP.
fn loopback_session(socket: &UdpSocket) -> std::io::Result<NegotiatedSession> {
    let here = socket.local_addr()?;
    let pt = Codec::Opus.default_payload_type();
    Ok(NegotiatedSession {
        remote_rtp: here,
        remote_rtcp: here,
        rtcp_mux: true,
        codec: Codec::Opus,
        send_payload_type: pt,
        receive_payload_type: pt,
        clock_rate: Codec::Opus.clock_rate(),
        remote_fmtp: Some("useinbandfec=1".into()),
        send_dtmf_payload_type: None,
        receive_dtmf_payload_type: None,
        dtmf_clock_rate: Codec::Opus.clock_rate(),
        ptime: 20,
        direction: Direction::SendRecv,
        remote_hold: false,
        crypto: None,
    })
}

/// Starts the echo line for `call_id` on the chosen devices (`None`: system default).
pub(crate) fn start(
    call_id: CallId,
    microphone: Option<String>,
    speaker: Option<String>,
    reports: mpsc::Sender<EchoReport>,
) -> EchoCall {
    let mut call = EchoCall {
        media: None,
        reports: reports.clone(),
        call_id: call_id.clone(),
    };
    let session = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
        .and_then(|s| loopback_session(&s).map(|session| (s, session)));
    let (socket, session) = match session {
        Ok(x) => x,
        Err(e) => {
            let _ = reports.try_send(EchoReport::Ended {
                call_id,
                reason: format!("cannot open the loopback RTP socket: {e}"),
            });
            return call;
        }
    };
    let route = AudioRoute {
        microphone,
        speaker,
        wav_in: None,
        wav_out: None,
        // The echo line lets the user hear their microphone as it is.
        noise_suppression: false,
    };
    let report: media_path::ReportFn = Box::new(move |report| match report {
        MediaReport::Running { detail } => {
            let _ = reports.blocking_send(EchoReport::Started {
                call_id: call_id.clone(),
                detail,
            });
        }
        MediaReport::Event(event) => {
            let _ = reports.try_send(EchoReport::Event(event));
        }
        // The echo line is classic RTP: it makes no WebRTC SDP.
        MediaReport::LocalSdp { .. } => {}
        MediaReport::Ended(ended) => {
            let _ = reports.blocking_send(EchoReport::Ended {
                call_id: ended.call_id,
                reason: ended.reason,
            });
        }
    });
    let ssrc = std::process::id().rotate_left(16) ^ 0x5eed_ec40;
    call.media = Some(media_path::start(
        call.call_id.clone(),
        socket,
        session,
        ssrc,
        route,
        report,
    ));
    call
}
