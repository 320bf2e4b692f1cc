//! The calls of one account: SIP INVITE sessions (`softphone_sip::ua::Call`) joined to their
//! media (offer/answer from `softphone_media`, audio on a media thread).

use crate::api::{
    AccountConfig, CallId, CallState as ApiCallState, Event, Party, Reason, SrtpMode,
};
use crate::media_path::webrtc::{Role, WebRtcSetup};
use crate::media_path::{self, AudioRoute, MediaEnded, MediaHandle, MediaReport};
use crate::sdp_text;
use softphone_media::negotiation::{
    Codec, LocalMediaConfig, NegotiatedSession, OfferAnswer, SdesKey, SrtpPolicy,
};
use softphone_media::sdp::{CryptoSuite, Direction, SessionDescription};
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
    /// Hold changed (ours by re-INVITE, theirs by their offer's direction).
    Flags {
        call_id: CallId,
        local_hold: bool,
        remote_hold: bool,
    },
    /// A DTMF digit arrived by SIP INFO.
    Dtmf {
        call_id: CallId,
        digit: char,
    },
    /// From a call's media: statistics, audio levels, received DTMF.
    Media(Event),
}

/// How a call's media is negotiated.
enum CallMedia {
    /// Classic SIP: RTP/AVP or SDES-SRTP, offer/answer by `softphone_media`.
    Classic(Box<OfferAnswer>),
    /// WebRTC (ICE, DTLS-SRTP): the media thread's WebRTC session makes the SDP.
    WebRtc(WebRtcSdp),
}

/// The SDP of a WebRTC call as the engine keeps it: for answering re-offers (hold) with the
/// same transport, and for offering hold ourselves.
#[derive(Debug, Default)]
struct WebRtcSdp {
    /// Our latest SDP, once the media thread made it.
    local: Option<String>,
    /// The peer's latest SDP.
    remote: Option<String>,
    /// The hold state our pending re-offer asks for.
    pending_hold: Option<bool>,
    /// The user answered before our SDP was ready: answer as soon as it is.
    answer_wanted: bool,
    /// Our DTLS role once settled (`active` when we answered; the opposite of the peer's
    /// answer when we offered): what our answers to re-offers say in `a=setup`.
    dtls_role: Option<&'static str>,
}

/// A WebRTC call waiting for its offer: the INVITE goes once the media thread has gathered
/// candidates and made the SDP.
struct PendingDial {
    id: CallId,
    config: CallConfig,
    target: String,
    rng: Box<dyn RandomSource>,
    media: MediaHandle,
    devices: AudioRoute,
    ssrc: u32,
}

/// One call and its media.
struct ActiveCall {
    id: CallId,
    sip: Call,
    media: CallMedia,
    socket: Option<UdpSocket>,
    /// For an incoming call: the answer to send and the session it starts.
    answer: Option<(Vec<u8>, NegotiatedSession)>,
    /// For an incoming call without SDP (late offer): our offer for the 200; the session
    /// starts with the answer in the ACK.
    late_offer: Option<Vec<u8>>,
    /// For an outgoing call: the session once the answer came.
    running: Option<MediaHandle>,
    /// An outgoing call's media thread, opening the devices while the call is set up.
    prepared: Option<MediaHandle>,
    ssrc: u32,
    devices: AudioRoute,
    ended_reported: bool,
    /// We hold the call (our re-offer was answered).
    local_hold: bool,
    /// They hold the call (their offer is sendonly or inactive).
    remote_hold: bool,
    /// The user's own mute.
    user_muted: bool,
}

/// All calls of an account.
pub(crate) struct Calls {
    calls: Vec<ActiveCall>,
    /// WebRTC calls whose offer is being made.
    pending: Vec<PendingDial>,
    media_ended: mpsc::Sender<MediaEnded>,
    updates: Vec<CallUpdate>,
    policy: MediaPolicy,
}

/// The account's media settings every call starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct MediaPolicy {
    srtp: SrtpMode,
    codecs: Vec<Codec>,
    /// Outgoing calls offer WebRTC media (the account reaches its server over WebSocket).
    webrtc_offers: bool,
    /// STUN/TURN servers (URL, user) for WebRTC media.
    ice_servers: Vec<(String, String)>,
    /// WebRTC: relay candidates only.
    relay_only: bool,
    /// Noise suppression on the microphone.
    noise_suppression: bool,
}

impl MediaPolicy {
    /// From the account's settings: its SRTP mode and codec preference (unknown names are
    /// skipped; none left means Opus, PCMU, PCMA).
    pub(crate) fn of(config: &AccountConfig) -> Self {
        let mut codecs: Vec<Codec> = config
            .codecs
            .iter()
            .filter_map(|name| match name.to_ascii_lowercase().as_str() {
                "opus" => Some(Codec::Opus),
                "pcmu" => Some(Codec::Pcmu),
                "pcma" => Some(Codec::Pcma),
                other => {
                    tracing::info!(codec = other, "unknown codec in the account; skipped");
                    None
                }
            })
            .collect();
        codecs.dedup();
        if codecs.is_empty() {
            codecs = vec![Codec::Opus, Codec::Pcmu, Codec::Pcma];
        }
        let webrtc_offers = crate::server::server_address(config).is_ok_and(|a| {
            matches!(
                a.kind,
                crate::transport::LinkKind::Ws | crate::transport::LinkKind::Wss
            )
        });
        Self {
            srtp: config.srtp,
            codecs,
            webrtc_offers,
            ice_servers: config
                .ice_servers
                .iter()
                .map(|s| (s.url.clone(), s.username.clone().unwrap_or_default()))
                .collect(),
            relay_only: config.ice_relay_only,
            noise_suppression: config.noise_suppression,
        }
    }

    /// The route with the account's microphone processing.
    fn route(&self, mut route: AudioRoute) -> AudioRoute {
        route.noise_suppression = self.noise_suppression;
        route
    }

    /// The WebRTC session settings of a call.
    fn webrtc(&self, ip: IpAddr, role: Role) -> WebRtcSetup {
        use softphone_webrtc::AudioCodec as W;
        let mut codecs: Vec<W> = self
            .codecs
            .iter()
            .map(|c| match c {
                Codec::Opus => W::Opus,
                Codec::Pcmu => W::Pcmu,
                Codec::Pcma => W::Pcma,
            })
            .collect();
        codecs.push(W::TelephoneEvent);
        let config = softphone_webrtc::WebRtcConfig {
            ice_servers: self
                .ice_servers
                .iter()
                .map(|(url, user)| softphone_webrtc::IceServer {
                    urls: vec![url.clone()],
                    username: user.clone(),
                    credential: String::new(),
                })
                .collect(),
            relay_only: self.relay_only,
            codecs,
            ..softphone_webrtc::WebRtcConfig::default()
        };
        WebRtcSetup { ip, config, role }
    }
}

/// Whether an SDP offer asks for WebRTC media (DTLS-SRTP with ICE) rather than classic RTP:
/// a secure profile (`UDP/TLS/RTP/SAVPF` from browsers, `RTP/SAVPF` from rtpengine) with a
/// DTLS fingerprint and ICE credentials.
fn is_webrtc_offer(sdp: &[u8]) -> bool {
    let text = String::from_utf8_lossy(sdp);
    text.contains("RTP/SAVP") && text.contains("a=fingerprint:") && text.contains("a=ice-ufrag:")
}

/// Our media offer/answer settings for one call: a fresh RTP port, codecs in preference
/// order (the account's, by default Opus, PCMU, PCMA; telephone-event), and SDES keys per the account's SRTP mode
/// (`mandatory`: RTP/SAVP; `optional`: RTP/AVP with crypto lines).
fn local_media(
    ip: IpAddr,
    policy: &MediaPolicy,
    rng: &mut dyn RandomSource,
) -> Result<(UdpSocket, LocalMediaConfig), String> {
    let socket = UdpSocket::bind((ip, 0)).map_err(|e| format!("cannot open an RTP port: {e}"))?;
    let port = socket
        .local_addr()
        .map_err(|e| format!("RTP port: {e}"))?
        .port();
    let mut config = LocalMediaConfig::new(ip, port, rng.next_u64() >> 12);
    config.codecs = policy.codecs.clone();
    config.srtp = match policy.srtp {
        SrtpMode::Off => SrtpPolicy::Off,
        SrtpMode::Optional => SrtpPolicy::Optional,
        SrtpMode::Mandatory => SrtpPolicy::Mandatory,
    };
    if config.srtp != SrtpPolicy::Off {
        let mut key = || {
            let mut k = [0u8; 30];
            for chunk in k.chunks_mut(8) {
                let r = rng.next_u64().to_le_bytes();
                chunk.copy_from_slice(&r[..chunk.len()]);
            }
            k
        };
        config.sdes_keys = vec![
            SdesKey {
                suite: CryptoSuite::AesCm128HmacSha1_80,
                key_and_salt: key(),
            },
            SdesKey {
                suite: CryptoSuite::AesCm128HmacSha1_32,
                key_and_salt: key(),
            },
        ];
    }
    Ok((socket, config))
}

/// How a call's media thread reports: events never block it (dropped when the account task
/// lags), its end always arrives.
fn reporter(tx: mpsc::Sender<MediaReport>) -> media_path::ReportFn {
    Box::new(move |report| match report {
        MediaReport::Event(_) => {
            let _ = tx.try_send(report);
        }
        MediaReport::Running { detail } => tracing::info!(%detail, "call media running"),
        MediaReport::Ended(_) | MediaReport::LocalSdp { .. } => {
            let _ = tx.blocking_send(report);
        }
    })
}

/// Stops a call's media, queueing its final statistics (before the call's end is reported).
fn stop_media(call: &mut ActiveCall, updates: &mut Vec<CallUpdate>) {
    // Not joined: it may still be opening the devices; it closes them and ends by itself.
    drop(call.prepared.take());
    if let Some(m) = call.running.take() {
        if let Some(stats) = m.stop() {
            updates.push(CallUpdate::Media(Event::CallStatsUpdated {
                call_id: call.id.clone(),
                stats,
            }));
        }
    }
}

/// How long each DTMF digit sent by SIP INFO lasts.
const DTMF_INFO_MS: u32 = 160;

/// Sends silence while the user mutes or the call is held (either side): the media path has
/// no way to stop sending RTP, so mute stands in for it.
fn apply_mute(call: &ActiveCall) {
    if let Some(m) = &call.running {
        m.set_muted(call.user_muted || call.local_hold || call.remote_hold);
    }
}

/// Reports a hold change: flags, then the state (`held` while either side holds).
fn hold_changed(call: &ActiveCall, updates: &mut Vec<CallUpdate>) {
    apply_mute(call);
    updates.push(CallUpdate::Flags {
        call_id: call.id.clone(),
        local_hold: call.local_hold,
        remote_hold: call.remote_hold,
    });
    let held = call.local_hold || call.remote_hold;
    updates.push(CallUpdate::State {
        call_id: call.id.clone(),
        state: if held {
            ApiCallState::Held
        } else {
            ApiCallState::Active
        },
        reason: None,
    });
}

/// Answers an incoming WebRTC call with our SDP and lets its media start.
fn answer_webrtc(call: &mut ActiveCall, now: Instant, sdp: String) -> bool {
    if !call.sip.answer(now, sdp.into_bytes()) {
        return false;
    }
    if let CallMedia::WebRtc(w) = &mut call.media {
        w.dtls_role = Some("active");
    }
    call.running = call
        .prepared
        .take()
        .map(|m| m.begin_webrtc(None, call.ssrc, Some(call.devices.clone())));
    true
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
    pub(crate) fn new(media_ended: mpsc::Sender<MediaEnded>, policy: MediaPolicy) -> Self {
        Self {
            calls: Vec::new(),
            pending: Vec::new(),
            media_ended,
            updates: Vec::new(),
            policy,
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
        let devices = self.policy.route(devices);
        if self.policy.webrtc_offers {
            // The INVITE goes once the media thread has made the offer (on_local_sdp).
            let ssrc = u32::try_from(rng.next_u64() >> 32).unwrap_or(1);
            let media = media_path::webrtc::prepare(
                id.clone(),
                Some(devices.clone()),
                reporter(self.media_ended.clone()),
                self.policy.webrtc(ip, Role::Offer),
            );
            self.pending.push(PendingDial {
                id,
                config,
                target: target.to_string(),
                rng,
                media,
                devices,
                ssrc,
            });
            return;
        }
        let (socket, local) = match local_media(ip, &self.policy, rng.as_mut()) {
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
        // The devices open while the call is set up, so its first words are not clipped.
        let prepared = media_path::prepare(
            id.clone(),
            devices.clone(),
            reporter(self.media_ended.clone()),
        );
        self.calls.push(ActiveCall {
            id,
            sip,
            media: CallMedia::Classic(Box::new(media)),
            socket: Some(socket),
            answer: None,
            late_offer: None,
            running: None,
            prepared: Some(prepared),
            ssrc,
            devices,
            ended_reported: false,
            local_hold: false,
            remote_hold: false,
            user_muted: false,
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
        // No SDP (late offer, RFC 3264 §4): our offer goes in the 200, the answer in the ACK.
        let late = invite.body().iter().all(u8::is_ascii_whitespace);
        let offer = match SessionDescription::parse(invite.body()) {
            Ok(o) => Some(o),
            Err(_) if late => None,
            Err(e) => {
                tracing::info!(error = %e, "unparsable SDP offer");
                return refuse(488, "Not Acceptable Here");
            }
        };
        if offer.is_some() && is_webrtc_offer(invite.body()) {
            return self.incoming_webrtc(now, id, config, invite, ip, rng);
        }
        let Ok((socket, local)) = local_media(ip, &self.policy, rng.as_mut()) else {
            return refuse(500, "Server Internal Error");
        };
        let mut media = OfferAnswer::new(local);
        let (answer, late_offer) = match offer {
            Some(offer) => match media.process_offer(&offer) {
                Ok((answer, session)) => (Some((answer.to_bytes(), session)), None),
                Err(e) => {
                    tracing::info!(error = %e, "incoming offer refused");
                    return refuse(488, "Not Acceptable Here");
                }
            },
            None => match media.create_offer() {
                Ok(our) => (None, Some(our.to_bytes())),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot make an offer for a call without SDP");
                    return refuse(500, "Server Internal Error");
                }
            },
        };
        let ssrc = u32::try_from(rng.next_u64() >> 32).unwrap_or(1);
        let Ok(mut sip) = Call::incoming(now, config, invite, rng) else {
            return refuse(400, "Bad Request");
        };
        // A call refused at once (422: session interval too small) only sends its answer.
        let refused = sip.state() == CallState::Terminated;
        if !refused {
            sip.ringing();
            self.updates.push(CallUpdate::Incoming {
                call_id: id.clone(),
                remote: party_of(invite),
            });
        }
        self.calls.push(ActiveCall {
            id,
            sip,
            media: CallMedia::Classic(Box::new(media)),
            socket: Some(socket),
            answer,
            late_offer,
            running: None,
            prepared: None,
            ssrc,
            devices: AudioRoute::default(),
            ended_reported: refused,
            local_hold: false,
            remote_hold: false,
            user_muted: false,
        });
        None
    }

    /// A new incoming call with a WebRTC offer: it rings at once; the media thread makes our
    /// answer meanwhile (see [`Self::on_local_sdp`]).
    fn incoming_webrtc(
        &mut self,
        now: Instant,
        id: CallId,
        config: CallConfig,
        invite: &Message,
        ip: IpAddr,
        mut rng: Box<dyn RandomSource>,
    ) -> Option<Vec<u8>> {
        let offer = String::from_utf8_lossy(invite.body()).into_owned();
        let ssrc = u32::try_from(rng.next_u64() >> 32).unwrap_or(1);
        let Ok(mut sip) = Call::incoming(now, config, invite, rng) else {
            return Some(Message::response_to(invite, 400, "Bad Request").to_bytes());
        };
        let refused = sip.state() == CallState::Terminated;
        let mut prepared = None;
        if !refused {
            sip.ringing();
            self.updates.push(CallUpdate::Incoming {
                call_id: id.clone(),
                remote: party_of(invite),
            });
            prepared = Some(media_path::webrtc::prepare(
                id.clone(),
                None,
                reporter(self.media_ended.clone()),
                self.policy.webrtc(ip, Role::Answer(offer.clone())),
            ));
        }
        self.calls.push(ActiveCall {
            id,
            sip,
            media: CallMedia::WebRtc(WebRtcSdp {
                remote: Some(offer),
                ..WebRtcSdp::default()
            }),
            socket: None,
            answer: None,
            late_offer: None,
            running: None,
            prepared,
            ssrc,
            devices: AudioRoute::default(),
            ended_reported: refused,
            local_hold: false,
            remote_hold: false,
            user_muted: false,
        });
        None
    }

    /// A WebRTC media thread made our SDP: a waiting call's INVITE goes out, or an incoming
    /// call gets its answer (sent at once if the user already answered).
    fn on_local_sdp(&mut self, now: Instant, id: &CallId, sdp: String) {
        if let Some(i) = self.pending.iter().position(|p| &p.id == id) {
            let p = self.pending.remove(i);
            let sip = Call::outgoing(
                now,
                p.config,
                &p.target,
                Some(sdp.clone().into_bytes()),
                p.rng,
            );
            self.calls.push(ActiveCall {
                id: p.id,
                sip,
                media: CallMedia::WebRtc(WebRtcSdp {
                    local: Some(sdp),
                    ..WebRtcSdp::default()
                }),
                socket: None,
                answer: None,
                late_offer: None,
                running: None,
                prepared: Some(p.media),
                ssrc: p.ssrc,
                devices: p.devices,
                ended_reported: false,
                local_hold: false,
                remote_hold: false,
                user_muted: false,
            });
            return;
        }
        let Some(call) = self.find(id) else {
            return;
        };
        let CallMedia::WebRtc(w) = &mut call.media else {
            return;
        };
        w.local = Some(sdp.clone());
        if std::mem::take(&mut w.answer_wanted) {
            answer_webrtc(call, now, sdp);
        }
    }

    fn find(&mut self, id: &CallId) -> Option<&mut ActiveCall> {
        self.calls.iter_mut().find(|c| &c.id == id)
    }

    /// Opens a ringing classic call's devices ahead of the answer. (A WebRTC call's media
    /// thread already runs while it rings; it opens the devices at the answer.)
    pub(crate) fn prepare_media(&mut self, id: &CallId, devices: AudioRoute) {
        let ended = self.media_ended.clone();
        let devices = self.policy.route(devices);
        let Some(call) = self.find(id) else {
            return;
        };
        if matches!(call.media, CallMedia::Classic(_)) && call.prepared.is_none() {
            call.devices = devices.clone();
            call.prepared = Some(media_path::prepare(
                call.id.clone(),
                devices,
                reporter(ended),
            ));
        }
    }

    pub(crate) fn answer(&mut self, now: Instant, id: &CallId, devices: AudioRoute) -> bool {
        let ended = self.media_ended.clone();
        let devices = self.policy.route(devices);
        let Some(call) = self.find(id) else {
            return false;
        };
        if let CallMedia::WebRtc(w) = &mut call.media {
            call.devices = devices;
            return match w.local.clone() {
                Some(sdp) => answer_webrtc(call, now, sdp),
                None => {
                    // Still gathering: answered as soon as our SDP is ready.
                    w.answer_wanted = true;
                    true
                }
            };
        }
        if let Some(offer) = call.late_offer.take() {
            // Media starts once the ACK brings the answer.
            call.devices = devices;
            return call.sip.answer(now, offer);
        }
        let Some((body, session)) = call.answer.take() else {
            return false;
        };
        if !call.sip.answer(now, body) {
            return false;
        }
        // Devices opened while it rang serve, unless another choice was made since.
        let prepared = call.prepared.take().filter(|_| call.devices == devices);
        call.devices = devices;
        if let Some(socket) = call.socket.take() {
            call.running = Some(match prepared {
                Some(prepared) => prepared.begin(socket, session, call.ssrc),
                None => media_path::start(
                    call.id.clone(),
                    socket,
                    session,
                    call.ssrc,
                    call.devices.clone(),
                    reporter(ended),
                ),
            });
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
        if let Some(i) = self.pending.iter().position(|p| &p.id == id) {
            let p = self.pending.remove(i);
            drop(p.media);
            self.state(id, ApiCallState::Ended, Some(Reason::local("hung up")));
            return true;
        }
        let Some(call) = self.find(id) else {
            return false;
        };
        call.sip.hangup(now);
        let mut updates = Vec::new();
        stop_media(call, &mut updates);
        self.updates.extend(updates);
        true
    }

    /// Ends every call (the account is stopping).
    pub(crate) fn hangup_all(&mut self, now: Instant) {
        for p in std::mem::take(&mut self.pending) {
            drop(p.media);
            self.updates.push(CallUpdate::State {
                call_id: p.id,
                state: ApiCallState::Ended,
                reason: Some(Reason::local("hung up")),
            });
        }
        for call in &mut self.calls {
            call.sip.hangup(now);
            stop_media(call, &mut self.updates);
        }
    }

    /// Whether any call still has something in flight (a BYE waiting for its answer…).
    pub(crate) fn is_idle(&self) -> bool {
        self.calls
            .iter()
            .all(|c| c.sip.state() == CallState::Terminated)
    }

    /// Sends DTMF digits on an active call: as RFC 4733 telephone-events when the session
    /// negotiated them, else one SIP INFO (`application/dtmf-relay`) per digit. `false` when
    /// the call has no media yet.
    pub(crate) fn send_dtmf(&mut self, id: &CallId, digits: &str) -> bool {
        let Some(call) = self.find(id) else {
            return false;
        };
        let Some(m) = call.running.as_ref() else {
            return false;
        };
        let telephone_event = match &call.media {
            CallMedia::Classic(media) => media
                .current()
                .is_some_and(|s| s.send_dtmf_payload_type.is_some()),
            CallMedia::WebRtc(w) => w
                .remote
                .as_deref()
                .is_some_and(|sdp| sdp.contains("telephone-event/")),
        };
        if telephone_event {
            m.send_dtmf(digits);
            return true;
        }
        let now = Instant::now();
        digits
            .chars()
            .all(|d| call.sip.send_dtmf_info(now, d, DTMF_INFO_MS))
    }

    pub(crate) fn set_muted(&mut self, id: &CallId, muted: bool) {
        if let Some(call) = self.find(id) {
            call.user_muted = muted;
            apply_mute(call);
        }
    }

    /// Holds (`sendonly`, or `inactive` when they hold us too) or resumes (`sendrecv`) a
    /// connected call by re-INVITE. The outcome arrives as flags and state once answered.
    pub(crate) fn hold(&mut self, now: Instant, id: &CallId, hold: bool) -> Result<(), String> {
        let call = self.find(id).ok_or("no such call")?;
        if call.sip.state() != CallState::Confirmed {
            return Err("the call is not connected".into());
        }
        let remote_hold = call.remote_hold;
        let media = match &mut call.media {
            CallMedia::Classic(media) => media,
            CallMedia::WebRtc(w) => {
                if call.local_hold == hold && w.pending_hold.is_none() {
                    return Ok(());
                }
                let base = w.local.as_deref().ok_or("the call has no media yet")?;
                let direction = match (hold, remote_hold) {
                    (true, false) => Direction::SendOnly,
                    (true, true) => Direction::Inactive,
                    (false, false) => Direction::SendRecv,
                    (false, true) => Direction::RecvOnly,
                };
                // Offers always say actpass (RFC 5763 §5); the DTLS roles stay as they are.
                let offer = sdp_text::rewrite(base, direction, "actpass");
                if !call.sip.reinvite(now, Some(offer.clone().into_bytes())) {
                    return Err("another session change is under way".into());
                }
                w.local = Some(offer);
                w.pending_hold = Some(hold);
                return Ok(());
            }
        };
        if call.local_hold == hold && !media.has_pending_offer() {
            return Ok(());
        }
        let offer = if hold { media.hold() } else { media.resume() }.map_err(|e| e.to_string())?;
        if call.sip.reinvite(now, Some(offer.to_bytes())) {
            return Ok(());
        }
        // Another change is under way: put the negotiation back as it was.
        let _ = if hold { media.resume() } else { media.hold() };
        media.cancel_offer();
        Err("another session change is under way".into())
    }

    /// Forwards a ringing incoming call (302 with `target` as Contact).
    pub(crate) fn forward(&mut self, now: Instant, id: &CallId, target: &str) -> bool {
        self.find(id)
            .is_some_and(|call| call.sip.forward(now, target))
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

    /// A report from a media thread: an event to publish, or its end.
    pub(crate) fn on_media_ended(&mut self, now: Instant, report: MediaReport) {
        let ended = match report {
            MediaReport::Event(event) => {
                self.updates.push(CallUpdate::Media(event));
                return;
            }
            MediaReport::Ended(ended) => ended,
            MediaReport::Running { .. } => return,
            MediaReport::LocalSdp { call_id, sdp } => {
                self.on_local_sdp(now, &call_id, sdp);
                return;
            }
        };
        if let Some(i) = self.pending.iter().position(|p| p.id == ended.call_id) {
            // The offer could not be made: the call ends before its INVITE.
            let p = self.pending.remove(i);
            tracing::warn!(reason = %ended.reason, "no WebRTC offer; call not placed");
            self.state(
                &p.id,
                ApiCallState::Ended,
                Some(Reason::local(ended.reason)),
            );
            return;
        }
        if let Some(call) = self.find(&ended.call_id) {
            let had_media = call.running.take().is_some() | call.prepared.take().is_some();
            if had_media && call.sip.state() != CallState::Terminated {
                tracing::warn!(reason = %ended.reason, "media ended; hanging up");
                // Still ringing here: refuse (our answer could not be made).
                if !call.sip.reject(now, 488, "Not Acceptable Here", None) {
                    call.sip.hangup_because(now, &ended.reason);
                }
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
                        if let CallMedia::WebRtc(w) = &mut call.media {
                            if call.sip.is_outgoing() {
                                let answer = sdp.and_then(|b| String::from_utf8(b).ok());
                                let Some(answer) = answer else {
                                    tracing::warn!("no SDP answer to our WebRTC offer; hanging up");
                                    call.sip.hangup_because(Instant::now(), "no SDP answer");
                                    while let Some(bytes) = call.sip.poll_transmit() {
                                        transmits.push(bytes);
                                    }
                                    continue;
                                };
                                // Our offer said actpass: our role is the other of theirs.
                                w.dtls_role = Some(match sdp_text::setup(&answer) {
                                    Some("passive") => "active",
                                    _ => "passive",
                                });
                                w.remote = Some(answer.clone());
                                call.running = call
                                    .prepared
                                    .take()
                                    .map(|m| m.begin_webrtc(Some(answer), call.ssrc, None));
                            }
                            updates.push(CallUpdate::State {
                                call_id: id,
                                state: ApiCallState::Active,
                                reason: None,
                            });
                            continue;
                        }
                        // Our offer went out (in our INVITE, or in our 200 to an INVITE
                        // without SDP): this is the answer, and media starts now.
                        if call.sip.is_outgoing() || call.sip.is_late_offer() {
                            let session = sdp
                                .as_deref()
                                .and_then(|b| SessionDescription::parse(b).ok())
                                .and_then(|answer| match &mut call.media {
                                    CallMedia::Classic(media) => media.process_answer(&answer).ok(),
                                    CallMedia::WebRtc(_) => None,
                                });
                            match (session, call.socket.take()) {
                                (Some(session), Some(socket)) => {
                                    call.running = Some(match call.prepared.take() {
                                        Some(prepared) => {
                                            prepared.begin(socket, session, call.ssrc)
                                        }
                                        None => media_path::start(
                                            id.clone(),
                                            socket,
                                            session,
                                            call.ssrc,
                                            call.devices.clone(),
                                            reporter(ended_tx.clone()),
                                        ),
                                    });
                                }
                                _ => {
                                    tracing::warn!("unusable SDP answer; hanging up");
                                    let why = if call.sip.is_outgoing() {
                                        "unusable SDP answer"
                                    } else {
                                        "unusable SDP answer in the ACK"
                                    };
                                    call.sip.hangup_because(Instant::now(), why);
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
                    CallEvent::Redirected { target, .. } => {
                        tracing::info!(%target, "call redirected");
                    }
                    CallEvent::RemoteOffer { sdp } => {
                        let now = Instant::now();
                        if let CallMedia::WebRtc(w) = &mut call.media {
                            let offer = String::from_utf8_lossy(&sdp).into_owned();
                            let previous = w.remote.as_deref().and_then(sdp_text::ice_ufrag);
                            let restart = sdp_text::ice_ufrag(&offer) != previous;
                            match w.local.as_deref() {
                                Some(local) if !restart => {
                                    let theirs = sdp_text::direction(&offer);
                                    let ours = sdp_text::answer_direction(theirs, call.local_hold);
                                    let role = w.dtls_role.unwrap_or("active");
                                    let answer = sdp_text::rewrite(local, ours, role);
                                    call.sip.answer_offer(now, answer.clone().into_bytes());
                                    w.local = Some(answer);
                                    w.remote = Some(offer);
                                    call.remote_hold =
                                        matches!(theirs, Direction::SendOnly | Direction::Inactive);
                                    hold_changed(call, &mut updates);
                                }
                                _ => {
                                    tracing::info!(restart, "WebRTC re-offer refused (ICE restart is not supported yet)");
                                    call.sip.refuse_offer(now, 488, "Not Acceptable Here");
                                }
                            }
                            while let Some(bytes) = call.sip.poll_transmit() {
                                transmits.push(bytes);
                            }
                            continue;
                        }
                        let CallMedia::Classic(media) = &mut call.media else {
                            continue;
                        };
                        let outcome = SessionDescription::parse(&sdp)
                            .map_err(|e| e.to_string())
                            .and_then(|offer| {
                                media.process_offer(&offer).map_err(|e| e.to_string())
                            });
                        match outcome {
                            Ok((answer, session)) => {
                                call.sip.answer_offer(now, answer.to_bytes());
                                call.remote_hold = session.remote_hold;
                                hold_changed(call, &mut updates);
                            }
                            Err(e) => {
                                tracing::info!(error = %e, "new offer refused");
                                call.sip.refuse_offer(now, 488, "Not Acceptable Here");
                            }
                        }
                        while let Some(bytes) = call.sip.poll_transmit() {
                            transmits.push(bytes);
                        }
                    }
                    CallEvent::OfferAnswered { sdp } => {
                        if let CallMedia::WebRtc(w) = &mut call.media {
                            if let Some(hold) = w.pending_hold.take() {
                                call.local_hold = hold;
                            }
                            if let Some(answer) = sdp.and_then(|b| String::from_utf8(b).ok()) {
                                match sdp_text::direction(&answer) {
                                    Direction::SendOnly => call.remote_hold = true,
                                    Direction::SendRecv => call.remote_hold = false,
                                    _ => {}
                                }
                                w.remote = Some(answer);
                            }
                            hold_changed(call, &mut updates);
                            continue;
                        }
                        let CallMedia::Classic(media) = &mut call.media else {
                            continue;
                        };
                        let session = sdp
                            .as_deref()
                            .and_then(|b| SessionDescription::parse(b).ok())
                            .and_then(|answer| media.process_answer(&answer).ok());
                        match session {
                            Some(session) => {
                                call.local_hold = media.is_local_hold();
                                call.remote_hold = session.remote_hold;
                                hold_changed(call, &mut updates);
                            }
                            None => {
                                media.cancel_offer();
                                tracing::warn!(
                                    "unusable answer to our new offer; session unchanged"
                                );
                            }
                        }
                    }
                    CallEvent::OfferRefused { code, reason } => {
                        match &mut call.media {
                            CallMedia::Classic(media) => media.cancel_offer(),
                            CallMedia::WebRtc(w) => w.pending_hold = None,
                        }
                        tracing::info!(?code, %reason, "session change refused");
                    }
                    CallEvent::Dtmf { digit, .. } => {
                        updates.push(CallUpdate::Dtmf { call_id: id, digit });
                    }
                    CallEvent::Info { content_type, .. } => {
                        tracing::debug!(%content_type, "INFO received");
                    }
                    CallEvent::Ended { code, reason, .. } => {
                        stop_media(call, &mut updates);
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
