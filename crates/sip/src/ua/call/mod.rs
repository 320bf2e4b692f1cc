//! INVITE sessions (RFC 3261 §12–§17, RFC 6026): one call, outgoing or incoming, with its
//! dialog, the INVITE transaction's retransmissions and timers, CANCEL (including the
//! 200-after-CANCEL race), BYE in both directions, digest challenges, 3xx redirects, session
//! modification (re-INVITE and UPDATE, with 491 glare), session timers (RFC 4028), reliable
//! provisional responses (RFC 3262, as UAC) and INFO.
//!
//! ```text
//!  outgoing:  Calling --1xx--> Proceeding --2xx/ACK--> Confirmed --BYE--> Terminated
//!                \--3xx (follow Contact) / 401,407 / 422 (retry) --> Calling
//!                 \--other final: ACK, Terminated        cancel(): CANCEL once a 1xx came
//!  incoming:  Incoming --ringing()--> Incoming --answer()--> Answered --ACK--> Confirmed
//!                \--reject() / CANCEL (487) / no answer (480) --> Terminated
//!             INVITE without SDP (late offer): answer() sends our offer, the ACK brings
//!             the answer (Answered); an ACK without SDP --> BYE
//!  confirmed: reinvite()/update() --> answer: OfferAnswered, refusal: OfferRefused,
//!             491: retried after a random delay (RFC 3261 §14.1)
//!             their re-INVITE/UPDATE with SDP --> RemoteOffer --answer_offer()/refuse_offer()
//! ```
//!
//! Like every machine in this module it never reads a clock: timers are `Instant`s the caller
//! passes back through [`Call::on_timeout`].
//!
//! The code is split by concern: [`build`](self) (message construction), `invite_client`
//! (our INVITE, CANCEL, challenges, redirects, 422), `invite_server` (their INVITE, ringing,
//! answer, reject), `modify` (re-INVITE/UPDATE both ways and glare), `session_timer`,
//! `prack` and `requests` (BYE, INFO, OPTIONS and duplicate absorption).

mod build;
mod invite_client;
mod invite_server;
mod modify;
mod prack;
mod requests;
mod session_timer;

use super::random::RandomSource;
use super::registration::AuthSecret;
use super::transaction::{ClientNonInvite, TimerConfig, TransactionOutput};
use crate::message::Message;
use crate::method::Method;
use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use modify::ModifyKind;
pub use requests::{parse_dtmf_info, DtmfInfo};
use session_timer::SessionTimer;

/// Settings of the account placing or receiving the call.
#[derive(Clone, Debug)]
pub struct CallConfig {
    /// Our address of record, `sip:user@domain`.
    pub local_uri: String,
    /// Our display name.
    pub display_name: Option<String>,
    /// Hide our identity (`Privacy: id`, anonymous From).
    pub anonymous: bool,
    /// Our Contact URI.
    pub contact: String,
    /// Via transport token.
    pub via_transport: String,
    /// Via sent-by.
    pub via_sent_by: String,
    /// Reliable transport (no retransmissions).
    pub reliable: bool,
    /// Preloaded route set (outbound proxy), each `<sip:…;lr>`.
    pub route: Vec<String>,
    /// User-Agent header.
    pub user_agent: String,
    /// The account's secret, for 401/407.
    pub secret: Option<AuthSecret>,
    /// Authentication user name (the AOR's user when `None`).
    pub auth_user: Option<String>,
    /// Extra headers for the INVITE.
    pub custom_headers: Vec<(String, String)>,
    /// Transaction timers.
    pub timers: TimerConfig,
    /// Session timer (RFC 4028) interval we ask for, in seconds; `None` turns timers off
    /// (we still honour a peer that insists with `Require: timer`).
    pub session_expires: Option<u32>,
    /// The smallest session interval we accept (`Min-SE`, at least 90 s).
    pub min_se: u32,
    /// How long an incoming call may ring here before it is refused with 480.
    pub no_answer_timeout: Duration,
}

impl CallConfig {
    /// Default session interval (RFC 4028 recommends 1800 s).
    pub const DEFAULT_SESSION_EXPIRES: u32 = 1800;
    /// Default and smallest `Min-SE`.
    pub const DEFAULT_MIN_SE: u32 = 90;
    /// Default ringing time for incoming calls.
    pub const DEFAULT_NO_ANSWER: Duration = Duration::from_secs(60);
}

/// Where a call stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallState {
    /// Our INVITE is out, nothing heard.
    Calling,
    /// A provisional response arrived.
    Proceeding,
    /// An incoming call waits for the user.
    Incoming,
    /// We answered (2xx sent), waiting for the ACK.
    Answered,
    /// The dialog is confirmed: media may flow.
    Confirmed,
    /// BYE sent, waiting for its answer.
    Terminating,
    /// Over.
    Terminated,
}

/// What a call reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallEvent {
    /// The far end is ringing (180) or sent another provisional response.
    Ringing {
        /// The status (180, 181, 182, 183).
        code: u16,
    },
    /// Early media: a provisional response carried SDP (in a reliable one it is the answer).
    EarlyMedia {
        /// The SDP answer.
        sdp: Vec<u8>,
    },
    /// Answered: the dialog is confirmed.
    Answered {
        /// The SDP in the 2xx (or the reliable provisional before it, when the 2xx had none)
        /// for an outgoing call; the ACK's (when the INVITE had none) for an incoming one.
        sdp: Option<Vec<u8>>,
    },
    /// A redirect (3xx) is being followed.
    Redirected {
        /// The new target (the best untried contact).
        target: String,
        /// Every contact of the 3xx, best `q` first.
        contacts: Vec<String>,
    },
    /// The far end sent a new offer in a re-INVITE or UPDATE (hold, resume, codec change).
    /// Answer it with [`Call::answer_offer`] or refuse it with [`Call::refuse_offer`].
    RemoteOffer {
        /// The SDP offer.
        sdp: Vec<u8>,
    },
    /// Our re-INVITE or UPDATE was answered.
    OfferAnswered {
        /// The SDP answer (`None` when the 2xx had no body).
        sdp: Option<Vec<u8>>,
    },
    /// Our re-INVITE or UPDATE failed; the previous session stays in force.
    OfferRefused {
        /// The SIP status, when one came.
        code: Option<u16>,
        /// Reason phrase or local cause.
        reason: String,
    },
    /// An INFO request arrived that is not DTMF.
    Info {
        /// Its Content-Type.
        content_type: String,
        /// Its body.
        body: Vec<u8>,
    },
    /// A DTMF digit arrived by INFO (`application/dtmf-relay` or `application/dtmf`).
    Dtmf {
        /// The digit: `0`–`9`, `*`, `#`, `A`–`D`.
        digit: char,
        /// Its duration in milliseconds, when given.
        duration_ms: Option<u32>,
    },
    /// The call ended.
    Ended {
        /// The SIP status that ended it, when one did.
        code: Option<u16>,
        /// Reason phrase or local cause.
        reason: String,
        /// The far end ended it (BYE, CANCEL, or a final error response).
        by_remote: bool,
    },
}

/// How long an outgoing call may ring without a final answer.
pub const NO_ANSWER_TIMEOUT: Duration = Duration::from_secs(180);

/// At most this many redirects are followed for one call.
const MAX_REDIRECTS: u32 = 5;

/// Our side of the dialog.
#[derive(Clone, Debug)]
struct Dialog {
    call_id: String,
    local_tag: String,
    remote_tag: Option<String>,
    local_seq: u32,
    /// The From/To values for in-dialog requests: (our name-addr, their name-addr).
    local_party: String,
    remote_party: String,
    remote_target: String,
    route_set: Vec<String>,
}

/// The last INVITE we sent, for retransmission, ACK and CANCEL.
#[derive(Clone, Debug)]
struct SentInvite {
    branch: String,
    seq: u32,
    request_uri: String,
    bytes: Vec<u8>,
    interval: Duration,
    retransmit_at: Option<Instant>,
    timeout_at: Instant,
    provisional: bool,
    final_ack: Option<Vec<u8>>,
}

/// A final response we sent to an INVITE (initial or re-INVITE), resent until the ACK.
#[derive(Clone, Debug)]
struct SentFinal {
    bytes: Vec<u8>,
    interval: Duration,
    retransmit_at: Option<Instant>,
    give_up_at: Instant,
    success: bool,
}

/// One INVITE session.
pub struct Call {
    config: CallConfig,
    rng: Box<dyn RandomSource>,
    state: CallState,
    outgoing: bool,
    dialog: Dialog,
    /// The last SDP we sent (offer or answer).
    local_sdp: Option<Vec<u8>>,
    invite: Option<SentInvite>,
    ack_2xx: Option<Vec<u8>>,
    /// The incoming INVITE (for responses).
    incoming_invite: Option<Message>,
    sent_final: Option<SentFinal>,
    last_provisional: Option<Vec<u8>>,
    /// An incoming call is refused with 480 at this time unless answered.
    no_answer_at: Option<Instant>,
    cancel_wanted: bool,
    cancel: Option<ClientNonInvite>,
    bye: Option<ClientNonInvite>,
    /// Why our BYE went out (reported when it is answered).
    bye_reason: String,
    redirects: u32,
    /// Targets already tried (loop detection for redirects).
    visited: Vec<String>,
    answered_nonces: Vec<String>,
    auth_rounds: u32,
    /// When the call gives up waiting for a final answer after CANCEL.
    cancel_deadline: Option<Instant>,
    /// Reliable provisional responses (RFC 3262).
    prack: prack::PrackState,
    /// Session modification (re-INVITE / UPDATE) in both directions.
    modify: modify::ModifyState,
    /// Session timer (RFC 4028).
    timer: SessionTimer,
    /// The peer listed UPDATE in Allow.
    peer_allows_update: bool,
    /// Outgoing INFO requests, one transaction at a time so they stay in order.
    info_queue: VecDeque<(String, Vec<u8>)>,
    info: Option<ClientNonInvite>,
    /// Responses to non-INVITE requests we answered, by (branch, method), to repeat on
    /// retransmissions instead of acting twice.
    answered: VecDeque<(String, Method, Vec<u8>)>,
    transmits: Vec<Vec<u8>>,
    events: Vec<CallEvent>,
}

impl std::fmt::Debug for Call {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Call")
            .field("call_id", &self.dialog.call_id)
            .field("state", &self.state)
            .field("outgoing", &self.outgoing)
            .finish_non_exhaustive()
    }
}

impl Call {
    fn with(
        config: CallConfig,
        rng: Box<dyn RandomSource>,
        outgoing: bool,
        dialog: Dialog,
        state: CallState,
    ) -> Self {
        let timer = SessionTimer::new(&config);
        Self {
            config,
            rng,
            state,
            outgoing,
            dialog,
            local_sdp: None,
            invite: None,
            ack_2xx: None,
            incoming_invite: None,
            sent_final: None,
            last_provisional: None,
            no_answer_at: None,
            cancel_wanted: false,
            cancel: None,
            bye: None,
            bye_reason: "hung up".into(),
            redirects: 0,
            visited: Vec::new(),
            answered_nonces: Vec::new(),
            auth_rounds: 0,
            cancel_deadline: None,
            prack: prack::PrackState::default(),
            modify: modify::ModifyState::default(),
            timer,
            peer_allows_update: false,
            info_queue: VecDeque::new(),
            info: None,
            answered: VecDeque::new(),
            transmits: Vec::new(),
            events: Vec::new(),
        }
    }

    /// The dialog's Call-ID (the engine routes messages by it).
    pub fn call_id(&self) -> &str {
        &self.dialog.call_id
    }

    /// The current state.
    pub fn state(&self) -> CallState {
        self.state
    }

    /// Whether we placed the call.
    pub fn is_outgoing(&self) -> bool {
        self.outgoing
    }

    /// The SDP offer of an incoming INVITE, if it had one (a body of only white space is
    /// none).
    pub fn remote_offer(&self) -> Option<&[u8]> {
        self.incoming_invite
            .as_ref()
            .map(Message::body)
            .filter(|b| !b.iter().all(u8::is_ascii_whitespace))
    }

    /// Whether this is an incoming call whose INVITE carried no SDP (late offer): our offer
    /// goes in the 200 ([`Call::answer`]) and the caller's answer comes in the ACK, reported
    /// as [`CallEvent::Answered`].
    pub fn is_late_offer(&self) -> bool {
        !self.outgoing && self.incoming_invite.is_some() && self.remote_offer().is_none()
    }

    /// The negotiated session interval and whether we are the refresher, when a session
    /// timer runs.
    pub fn session_timer(&self) -> Option<(Duration, bool)> {
        self.timer.active()
    }

    fn set_state(&mut self, new: CallState, reason: &str) {
        if self.state != new {
            tracing::debug!(call_id = %self.dialog.call_id, old = ?self.state, new = ?new, reason, "call");
            self.state = new;
        }
    }

    fn end(&mut self, code: Option<u16>, reason: impl Into<String>, by_remote: bool) {
        if self.state == CallState::Terminated {
            return;
        }
        let reason = reason.into();
        self.set_state(CallState::Terminated, &reason);
        if let Some(inv) = &mut self.invite {
            inv.retransmit_at = None;
        }
        if self.sent_final.as_ref().is_some_and(|f| f.success) {
            self.sent_final = None;
        }
        self.cancel_deadline = None;
        self.no_answer_at = None;
        self.timer.stop();
        self.modify.clear();
        self.info_queue.clear();
        self.events.push(CallEvent::Ended {
            code,
            reason,
            by_remote,
        });
    }

    fn drain(tr: &mut ClientNonInvite, transmits: &mut Vec<Vec<u8>>) -> bool {
        let mut timed_out = false;
        while let Some(out) = tr.poll_output() {
            match out {
                TransactionOutput::Transmit(b) => transmits.push(b),
                TransactionOutput::TimedOut => timed_out = true,
            }
        }
        timed_out
    }

    fn start_transaction(
        &mut self,
        now: Instant,
        branch: String,
        bytes: Vec<u8>,
    ) -> ClientNonInvite {
        let mut t =
            ClientNonInvite::start(now, branch, bytes, self.config.reliable, self.config.timers);
        Self::drain(&mut t, &mut self.transmits);
        t
    }

    // ------------------------------------------------------------------ input

    /// Whether a message belongs to this call (same Call-ID).
    pub fn matches(&self, message: &Message) -> bool {
        message.call_id().is_ok_and(|c| c.0 == self.dialog.call_id)
    }

    /// Handles a message of this call. Returns `false` if it was not for this call.
    pub fn on_message(&mut self, now: Instant, message: &Message) -> bool {
        if !self.matches(message) {
            return false;
        }
        if message.is_request() {
            self.on_request(now, message);
        } else {
            self.on_response(now, message);
        }
        true
    }

    fn on_response(&mut self, now: Instant, response: &Message) {
        let (Some(status), Ok(cseq), Ok(via)) =
            (response.status(), response.cseq(), response.top_via())
        else {
            return;
        };
        let branch = via.branch().unwrap_or_default().to_string();
        match cseq.method {
            Method::Invite if self.on_reinvite_response(now, response, status, &branch) => {}
            Method::Invite => self.on_invite_response(now, response, status, &branch),
            Method::Update => {
                self.on_update_response(now, response, status, &branch);
            }
            Method::Prack => self.on_prack_response(now, status, &branch),
            Method::Cancel => {
                if let Some(t) = &mut self.cancel {
                    t.on_response(now, status);
                }
            }
            Method::Bye => {
                let mine = self.bye.as_ref().is_some_and(|t| t.branch() == branch);
                if mine && status >= 200 {
                    if let Some(t) = &mut self.bye {
                        t.on_response(now, status);
                    }
                    let reason = self.bye_reason.clone();
                    self.end(Some(status), reason, false);
                }
            }
            Method::Info => self.on_info_response(now, status, &branch),
            _ => {}
        }
    }

    fn on_request(&mut self, now: Instant, request: &Message) {
        let Some(method) = request.method().cloned() else {
            return;
        };
        if self.absorb_retransmission(request, &method) {
            return;
        }
        match method {
            Method::Ack => self.on_ack(now, request),
            Method::Invite => self.on_invite_request(now, request),
            Method::Update => self.on_update_request(now, request),
            Method::Bye => {
                self.reply(request, 200, "OK", None);
                self.end(None, "remote hung up", true);
            }
            Method::Cancel => self.on_cancel_request(now, request),
            Method::Info => self.on_info_request(request),
            Method::Options => self.reply(request, 200, "OK", None),
            Method::Prack => self.reply(request, 481, "Call/Transaction Does Not Exist", None),
            _ => self.reply(request, 501, "Not Implemented", None),
        }
    }

    /// The transport failed: the call ends.
    pub fn on_transport_error(&mut self, reason: &str) {
        self.end(Some(503), format!("transport error: {reason}"), false);
    }

    /// Fires whatever timers are due.
    pub fn on_timeout(&mut self, now: Instant) {
        self.invite_client_timeout(now);
        self.invite_server_timeout(now);
        self.modify_timeout(now);
        self.session_timer_timeout(now);
        self.requests_timeout(now);
        self.prack_timeout(now);
    }

    /// When [`Call::on_timeout`] should run next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        let invite = self.invite.as_ref().map(|i| {
            i.retransmit_at
                .map_or(i.timeout_at, |r| r.min(i.timeout_at))
        });
        let fin = self.sent_final.as_ref().map(|f| {
            f.retransmit_at
                .map_or(f.give_up_at, |r| r.min(f.give_up_at))
        });
        let live = self.state != CallState::Terminated;
        let nested = [&self.cancel, &self.bye, &self.info]
            .into_iter()
            .flatten()
            .filter_map(ClientNonInvite::poll_timeout)
            .min();
        [
            invite,
            fin,
            nested,
            self.cancel_deadline,
            self.no_answer_at,
            self.prack.poll_timeout(),
            self.modify.poll_timeout(),
            if live {
                self.timer.poll_timeout()
            } else {
                None
            },
        ]
        .into_iter()
        .flatten()
        .min()
    }

    /// Whether the call is over and nothing is left to resend or absorb.
    pub fn is_finished(&self) -> bool {
        self.state == CallState::Terminated && self.poll_timeout().is_none()
    }

    /// The next message to send.
    pub fn poll_transmit(&mut self) -> Option<Vec<u8>> {
        (!self.transmits.is_empty()).then(|| self.transmits.remove(0))
    }

    /// The next event.
    pub fn poll_event(&mut self) -> Option<CallEvent> {
        (!self.events.is_empty()).then(|| self.events.remove(0))
    }
}

/// `<uri>;tag=x` → `<uri>` (for To in CANCEL/ACK where the tag comes from elsewhere).
fn strip_tag(party: &str) -> String {
    match party.find(";tag=") {
        Some(i) => party[..i].to_string(),
        None => party.to_string(),
    }
}

/// Whether a header holding a comma-separated token list (Supported, Require, Allow) names
/// `tag`.
fn lists(message: &Message, name: crate::headers::HeaderName, tag: &str) -> bool {
    message
        .values(name)
        .flat_map(|v| v.split(','))
        .any(|t| t.trim().eq_ignore_ascii_case(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(strip_tag("<sip:a@b>;tag=1"), "<sip:a@b>");
        assert_eq!(
            build::name_addr(Some("A \"x\""), "sip:a@b"),
            "\"A x\" <sip:a@b>"
        );
    }
}
