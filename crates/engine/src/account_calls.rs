//! The calls of one account: SIP INVITE sessions (`softphone_sip::ua::Call`) joined to their
//! media (offer/answer from `softphone_media`, audio on a media thread).

use crate::api::{CallId, CallState as ApiCallState, Party, Reason};
use crate::media_path::{self, AudioRoute, MediaEnded, MediaHandle};
use softphone_media::negotiation::{Codec, LocalMediaConfig, NegotiatedSession, OfferAnswer};
use softphone_media::sdp::SessionDescription;
use softphone_sip::ua::{Call, CallConfig, CallEvent, CallState, RandomSource};
use softphone_sip::Message;
use std::net::{IpAddr, UdpSocket};
use std::time::Instant;
use tokio::sync::mpsc;

/// A change the engine must hear about.
#[derive(Debug)]
pub(crate) enum CallUpdate {
    State {
        call_id: CallId,
        state: ApiCallState,
        reason: Option<Reason>,
    },
    Incoming {
        call_id: CallId,
        remote: Party,
    },
}

/// One call and its media.
struct ActiveCall {
    id: CallId,
    sip: Call,
    media: OfferAnswer,
    socket: Option<UdpSocket>,
    /// For an incoming call: the answer to send and the session it starts.
    answer: Option<(Vec<u8>, NegotiatedSession)>,
    /// For an outgoing call: the session once the answer came.
    running: Option<MediaHandle>,
    ssrc: u32,
    devices: AudioRoute,
    ended_reported: bool,
}

/// All calls of an account.
pub(crate) struct Calls {
    calls: Vec<ActiveCall>,
    media_ended: mpsc::Sender<MediaEnded>,
    updates: Vec<CallUpdate>,
}

fn local_media(ip: IpAddr, session_id: u64) -> Result<(UdpSocket, LocalMediaConfig), String> {
    let socket = UdpSocket::bind((ip, 0)).map_err(|e| format!("cannot open an RTP port: {e}"))?;
    let port = socket
        .local_addr()
        .map_err(|e| format!("RTP port: {e}"))?
        .port();
    let mut config = LocalMediaConfig::new(ip, port, session_id);
    // G.711 is what the media path encodes today; Opus joins when its codec lands.
    config.codecs = vec![Codec::Pcmu, Codec::Pcma];
    Ok((socket, config))
}

fn party_of(invite: &Message) -> Party {
    match invite.from() {
        Ok(from) => Party {
            uri: from.0.uri.to_string(),
            display_name: from.0.display_name.clone(),
        },
        Err(_) => Party {
            uri: "sip:unknown@invalid".into(),
            display_name: None,
        },
    }
}

impl Calls {
    pub(crate) fn new(media_ended: mpsc::Sender<MediaEnded>) -> Self {
        Self {
            calls: Vec::new(),
            media_ended,
            updates: Vec::new(),
        }
    }

    fn state(&mut self, call_id: &CallId, state: ApiCallState, reason: Option<Reason>) {
        self.updates.push(CallUpdate::State {
            call_id: call_id.clone(),
            state,
            reason,
        });
    }

    /// Places a call; `ip` is the address our media listens on.
    #[allow(
        clippy::too_many_arguments,
        reason = "one place that joins signalling and media"
    )]
    pub(crate) fn dial(
        &mut self,
        now: Instant,
        id: CallId,
        config: CallConfig,
        target: &str,
        ip: IpAddr,
        mut rng: Box<dyn RandomSource>,
        devices: AudioRoute,
    ) {
        let (socket, local) = match local_media(ip, rng.next_u64() >> 12) {
            Ok(x) => x,
            Err(e) => {
                self.state(&id, ApiCallState::Ended, Some(Reason::local(e)));
                return;
            }
        };
        let mut media = OfferAnswer::new(local);
        let offer = match media.create_offer() {
            Ok(o) => o.to_bytes(),
            Err(e) => {
                self.state(&id, ApiCallState::Ended, Some(Reason::local(e.to_string())));
                return;
            }
        };
        let ssrc = u32::try_from(rng.next_u64() >> 32).unwrap_or(1);
        let sip = Call::outgoing(now, config, target, Some(offer), rng);
        self.calls.push(ActiveCall {
            id,
            sip,
            media,
            socket: Some(socket),
            answer: None,
            running: None,
            ssrc,
            devices,
            ended_reported: false,
        });
    }

    /// Takes a new incoming INVITE. Returns the response to send when it is refused at once.
    pub(crate) fn incoming(
        &mut self,
        now: Instant,
        id: CallId,
        config: CallConfig,
        invite: &Message,
        ip: IpAddr,
        mut rng: Box<dyn RandomSource>,
    ) -> Option<Vec<u8>> {
        let refuse =
            |code: u16, reason: &str| Some(Message::response_to(invite, code, reason).to_bytes());
        let offer = match SessionDescription::parse(invite.body()) {
            Ok(o) => o,
            // An INVITE without an offer (the answer would go in the ACK) is not supported yet.
            Err(_) => return refuse(488, "Not Acceptable Here"),
        };
        let Ok((socket, local)) = local_media(ip, rng.next_u64() >> 12) else {
            return refuse(500, "Server Internal Error");
        };
        let mut media = OfferAnswer::new(local);
        let (answer, session) = match media.process_offer(&offer) {
            Ok(x) => x,
            Err(e) => {
                tracing::info!(error = %e, "incoming offer refused");
                return refuse(488, "Not Acceptable Here");
            }
        };
        let ssrc = u32::try_from(rng.next_u64() >> 32).unwrap_or(1);
        let Ok(mut sip) = Call::incoming(now, config, invite, rng) else {
            return refuse(400, "Bad Request");
        };
        sip.ringing();
        let remote = party_of(invite);
        self.updates.push(CallUpdate::Incoming {
            call_id: id.clone(),
            remote,
        });
        self.calls.push(ActiveCall {
            id,
            sip,
            media,
            socket: Some(socket),
            answer: Some((answer.to_bytes(), session)),
            running: None,
            ssrc,
            devices: AudioRoute::default(),
            ended_reported: false,
        });
        None
    }

    fn find(&mut self, id: &CallId) -> Option<&mut ActiveCall> {
        self.calls.iter_mut().find(|c| &c.id == id)
    }

    pub(crate) fn answer(&mut self, now: Instant, id: &CallId, devices: AudioRoute) -> bool {
        let ended = self.media_ended.clone();
        let Some(call) = self.find(id) else {
            return false;
        };
        let Some((body, session)) = call.answer.take() else {
            return false;
        };
        if !call.sip.answer(now, body) {
            return false;
        }
        call.devices = devices;
        if let Some(socket) = call.socket.take() {
            call.running = Some(media_path::start(
                call.id.clone(),
                socket,
                session,
                call.ssrc,
                call.devices.clone(),
                ended,
            ));
        }
        true
    }

    pub(crate) fn reject(&mut self, now: Instant, id: &CallId, code: u16) -> bool {
        let Some(call) = self.find(id) else {
            return false;
        };
        let reason = match code {
            486 => "Busy Here",
            603 => "Decline",
            480 => "Temporarily Unavailable",
            _ => "Rejected",
        };
        call.sip.reject(now, code, reason, None)
    }

    pub(crate) fn hangup(&mut self, now: Instant, id: &CallId) -> bool {
        let Some(call) = self.find(id) else {
            return false;
        };
        call.sip.hangup(now);
        if let Some(m) = call.running.take() {
            m.stop();
        }
        true
    }

    /// Ends every call (the account is stopping).
    pub(crate) fn hangup_all(&mut self, now: Instant) {
        for call in &mut self.calls {
            call.sip.hangup(now);
            if let Some(m) = call.running.take() {
                m.stop();
            }
        }
    }

    /// Whether any call still has something in flight (a BYE waiting for its answer…).
    pub(crate) fn is_idle(&self) -> bool {
        self.calls
            .iter()
            .all(|c| c.sip.state() == CallState::Terminated)
    }

    /// Sends DTMF digits on an active call; `false` when it has no media yet.
    pub(crate) fn send_dtmf(&mut self, id: &CallId, digits: &str) -> bool {
        match self.find(id).and_then(|c| c.running.as_ref()) {
            Some(m) => {
                m.send_dtmf(digits);
                true
            }
            None => false,
        }
    }

    pub(crate) fn set_muted(&mut self, id: &CallId, muted: bool) {
        if let Some(m) = self.find(id).and_then(|c| c.running.as_ref()) {
            m.set_muted(muted);
        }
    }

    /// Offers a message to the calls; `false` when none took it.
    pub(crate) fn on_message(&mut self, now: Instant, message: &Message) -> bool {
        let Some(call) = self.calls.iter_mut().find(|c| c.sip.matches(message)) else {
            return false;
        };
        call.sip.on_message(now, message);
        true
    }

    /// Whether an INVITE belongs to no call yet (a new incoming call).
    pub(crate) fn is_new(&self, message: &Message) -> bool {
        !self.calls.iter().any(|c| c.sip.matches(message))
    }

    pub(crate) fn on_media_ended(&mut self, now: Instant, ended: MediaEnded) {
        if let Some(call) = self.find(&ended.call_id) {
            if call.running.take().is_some() && call.sip.state() != CallState::Terminated {
                tracing::warn!(reason = %ended.reason, "media ended; hanging up");
                call.sip.hangup(now);
            }
        }
    }

    pub(crate) fn on_transport_error(&mut self, why: &str) {
        for call in &mut self.calls {
            call.sip.on_transport_error(why);
        }
    }

    pub(crate) fn on_timeout(&mut self, now: Instant) {
        for call in &mut self.calls {
            if call.sip.poll_timeout().is_some_and(|t| t <= now) {
                call.sip.on_timeout(now);
            }
        }
    }

    pub(crate) fn poll_timeout(&self) -> Option<Instant> {
        self.calls.iter().filter_map(|c| c.sip.poll_timeout()).min()
    }

    /// Collects what to send and what to report; drops finished calls.
    pub(crate) fn drain(&mut self, transmits: &mut Vec<Vec<u8>>) -> Vec<CallUpdate> {
        let ended_tx = self.media_ended.clone();
        let mut updates = std::mem::take(&mut self.updates);
        for call in &mut self.calls {
            while let Some(bytes) = call.sip.poll_transmit() {
                transmits.push(bytes);
            }
            while let Some(event) = call.sip.poll_event() {
                let id = call.id.clone();
                match event {
                    CallEvent::Ringing { .. } => updates.push(CallUpdate::State {
                        call_id: id,
                        state: ApiCallState::Ringing,
                        reason: None,
                    }),
                    CallEvent::EarlyMedia { .. } => updates.push(CallUpdate::State {
                        call_id: id,
                        state: ApiCallState::EarlyMedia,
                        reason: None,
                    }),
                    CallEvent::Answered { sdp } => {
                        if call.sip.is_outgoing() {
                            let session = sdp
                                .as_deref()
                                .and_then(|b| SessionDescription::parse(b).ok())
                                .and_then(|answer| call.media.process_answer(&answer).ok());
                            match (session, call.socket.take()) {
                                (Some(session), Some(socket)) => {
                                    call.running = Some(media_path::start(
                                        id.clone(),
                                        socket,
                                        session,
                                        call.ssrc,
                                        call.devices.clone(),
                                        ended_tx.clone(),
                                    ));
                                }
                                _ => {
                                    tracing::warn!("unusable SDP answer; hanging up");
                                    call.sip.hangup(Instant::now());
                                    while let Some(bytes) = call.sip.poll_transmit() {
                                        transmits.push(bytes);
                                    }
                                    continue;
                                }
                            }
                        }
                        updates.push(CallUpdate::State {
                            call_id: id,
                            state: ApiCallState::Active,
                            reason: None,
                        });
                    }
                    CallEvent::Redirected { target, .. } => tracing::info!(%target, "call redirected"),
                    CallEvent::RemoteOffer { .. }
                    | CallEvent::Info { .. }
                    | CallEvent::OfferAnswered { .. }
                    | CallEvent::OfferRefused { .. }
                    | CallEvent::Dtmf { .. } => {}
                    CallEvent::Ended { code, reason, .. } => {
                        if let Some(m) = call.running.take() {
                            m.stop();
                        }
                        if !call.ended_reported {
                            call.ended_reported = true;
                            let reason = match code {
                                Some(c) => Reason::sip(c, reason),
                                None => Reason::local(reason),
                            };
                            updates.push(CallUpdate::State {
                                call_id: id,
                                state: ApiCallState::Ended,
                                reason: Some(reason),
                            });
                        }
                    }
                }
            }
        }
        self.calls.retain(|c| !c.sip.is_finished());
        updates
    }
}
