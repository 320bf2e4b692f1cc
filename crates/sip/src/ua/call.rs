//! INVITE sessions (RFC 3261 §12–§17, RFC 6026): one call, outgoing or incoming, with its
//! dialog, the INVITE transaction's retransmissions and timers, CANCEL (including the
//! 200-after-CANCEL race), BYE in both directions, digest challenges and 3xx redirects.
//!
//! ```text
//!  outgoing:  Calling --1xx--> Proceeding --2xx/ACK--> Confirmed --BYE--> Terminated
//!                \--3xx (follow Contact) / 401,407 (answer once per nonce) --> Calling
//!                 \--other final: ACK, Terminated        cancel(): CANCEL once a 1xx came
//!  incoming:  Incoming --ringing()--> Incoming --answer()--> Answered --ACK--> Confirmed
//!                \--reject() / CANCEL (487) --> Terminated   (2xx resent T1..T2 until ACK)
//! ```
//!
//! Like every machine in this module it never reads a clock: timers are `Instant`s the caller
//! passes back through [`Call::on_timeout`].

use super::random::RandomSource;
use super::registration::AuthSecret;
use super::transaction::{ClientNonInvite, TimerConfig, TransactionOutput};
use crate::digest::{self, Challenge, DigestInput};
use crate::headers::HeaderName;
use crate::message::Message;
use crate::method::Method;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

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
    /// Early media: a provisional response carried SDP.
    EarlyMedia {
        /// The SDP answer.
        sdp: Vec<u8>,
    },
    /// Answered: the dialog is confirmed.
    Answered {
        /// The SDP in the 2xx (outgoing) or the ACK (incoming, when the INVITE had none).
        sdp: Option<Vec<u8>>,
    },
    /// A redirect (3xx) is being followed.
    Redirected {
        /// The new target.
        target: String,
    },
    /// The far end sent a new offer in a re-INVITE (hold, resume, codec change); it was
    /// answered with our current SDP.
    RemoteOffer {
        /// The SDP offer.
        sdp: Vec<u8>,
    },
    /// An INFO request arrived (DTMF by `application/dtmf-relay`, for example).
    Info {
        /// Its Content-Type.
        content_type: String,
        /// Its body.
        body: Vec<u8>,
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
const MAX_REDIRECTS: u32 = 3;

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

/// A response we sent to an incoming INVITE, resent until the ACK.
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
    local_sdp: Option<Vec<u8>>,
    invite: Option<SentInvite>,
    ack_2xx: Option<Vec<u8>>,
    /// The incoming INVITE (for responses) and its top Via branch.
    incoming_invite: Option<Message>,
    sent_final: Option<SentFinal>,
    last_provisional: Option<Vec<u8>>,
    cancel_wanted: bool,
    cancel: Option<ClientNonInvite>,
    bye: Option<ClientNonInvite>,
    redirects: u32,
    answered_nonces: Vec<String>,
    auth_rounds: u32,
    /// When the call gives up waiting for a final answer after CANCEL.
    cancel_deadline: Option<Instant>,
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

fn name_addr(display: Option<&str>, uri: &str) -> String {
    match display {
        Some(d) if !d.is_empty() => {
            format!("\"{}\" <{uri}>", d.replace(['"', '\\', '\r', '\n'], ""))
        }
        _ => format!("<{uri}>"),
    }
}

impl Call {
    /// Starts an outgoing call: the INVITE (with `sdp` as the offer) is queued at once.
    pub fn outgoing(
        now: Instant,
        config: CallConfig,
        target: &str,
        sdp: Option<Vec<u8>>,
        mut rng: Box<dyn RandomSource>,
    ) -> Self {
        let local_party = if config.anonymous {
            "\"Anonymous\" <sip:anonymous@anonymous.invalid>".to_string()
        } else {
            name_addr(config.display_name.as_deref(), &config.local_uri)
        };
        let dialog = Dialog {
            call_id: rng.token(24),
            local_tag: rng.token(10),
            remote_tag: None,
            local_seq: u32::try_from(rng.next_u64() % 10_000).unwrap_or(1) + 1,
            local_party,
            remote_party: format!("<{target}>"),
            remote_target: target.to_string(),
            route_set: config.route.clone(),
        };
        let mut call = Self::with(config, rng, true, dialog, CallState::Calling);
        call.local_sdp = sdp;
        call.send_invite(now, target.to_string());
        call
    }

    /// Accepts an incoming INVITE as a new call (the caller checked it with
    /// [`crate::validate_request`]). A `100 Trying` is queued at once.
    pub fn incoming(
        now: Instant,
        config: CallConfig,
        invite: &Message,
        mut rng: Box<dyn RandomSource>,
    ) -> Result<Self, crate::SipError> {
        let from = invite.from()?;
        let to = invite.to()?;
        let cseq = invite.cseq()?;
        let remote_target = invite
            .contacts()?
            .first()
            .and_then(|c| c.address().map(|a| a.uri.to_string()))
            .ok_or(crate::SipError::MissingHeader("Contact"))?;
        let route_set = invite
            .record_routes()?
            .into_iter()
            .map(|r| r.0.to_string())
            .collect();
        let mut local = to.0.clone();
        let local_tag = rng.token(10);
        local.set_tag(&local_tag);
        let dialog = Dialog {
            call_id: invite.call_id()?.0,
            local_tag,
            remote_tag: from.0.tag().map(str::to_string),
            local_seq: u32::try_from(rng.next_u64() % 10_000).unwrap_or(1) + 1,
            local_party: local.to_string(),
            remote_party: from.0.to_string(),
            remote_target,
            route_set,
        };
        let _ = cseq;
        let mut call = Self::with(config, rng, false, dialog, CallState::Incoming);
        call.incoming_invite = Some(invite.clone());
        let trying = call.response(100, "Trying", None, false);
        call.transmits.push(trying);
        let _ = now;
        Ok(call)
    }

    fn with(
        config: CallConfig,
        rng: Box<dyn RandomSource>,
        outgoing: bool,
        dialog: Dialog,
        state: CallState,
    ) -> Self {
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
            cancel_wanted: false,
            cancel: None,
            bye: None,
            redirects: 0,
            answered_nonces: Vec::new(),
            auth_rounds: 0,
            cancel_deadline: None,
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

    /// The SDP offer of an incoming INVITE, if it had one.
    pub fn remote_offer(&self) -> Option<&[u8]> {
        self.incoming_invite
            .as_ref()
            .map(Message::body)
            .filter(|b| !b.is_empty())
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
        self.sent_final = None;
        self.cancel_deadline = None;
        self.events.push(CallEvent::Ended {
            code,
            reason,
            by_remote,
        });
    }

    // ------------------------------------------------------------------ building

    fn via(&mut self) -> (String, String) {
        let branch = format!("z9hG4bK{}", self.rng.token(20));
        let via = format!(
            "Via: SIP/2.0/{} {};branch={branch};rport\r\n",
            self.config.via_transport, self.config.via_sent_by
        );
        (branch, via)
    }

    fn push_routes(s: &mut String, routes: &[String]) {
        for r in routes {
            let _ = write!(s, "Route: {r}\r\n");
        }
    }

    fn common_tail(&self, s: &mut String, body: Option<&[u8]>) {
        let _ = write!(s, "User-Agent: {}\r\n", self.config.user_agent);
        match body {
            Some(b) if !b.is_empty() => {
                let _ = write!(
                    s,
                    "Content-Type: application/sdp\r\nContent-Length: {}\r\n\r\n",
                    b.len()
                );
            }
            _ => s.push_str("Content-Length: 0\r\n\r\n"),
        }
    }

    fn finish(mut head: String, body: Option<&[u8]>) -> Vec<u8> {
        let mut bytes = std::mem::take(&mut head).into_bytes();
        if let Some(b) = body {
            bytes.extend_from_slice(b);
        }
        bytes
    }

    fn build_invite(
        &mut self,
        branch_via: &(String, String),
        request_uri: &str,
        auth: Option<(HeaderName, String)>,
    ) -> Vec<u8> {
        let d = &self.dialog;
        let mut s = String::with_capacity(900);
        let _ = write!(
            s,
            "INVITE {request_uri} SIP/2.0\r\n{}Max-Forwards: 70\r\n",
            branch_via.1
        );
        Self::push_routes(&mut s, &d.route_set);
        let _ = write!(
            s,
            "From: {};tag={}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {} INVITE\r\nContact: <{}>\r\n",
            d.local_party, d.local_tag, d.remote_party, d.call_id, d.local_seq, self.config.contact
        );
        if self.config.anonymous {
            s.push_str("Privacy: id\r\n");
        }
        s.push_str("Allow: INVITE,ACK,CANCEL,BYE,OPTIONS,INFO,UPDATE,REFER,NOTIFY,MESSAGE\r\nSupported: replaces,timer\r\n");
        for (n, v) in &self.config.custom_headers {
            let _ = write!(s, "{n}: {v}\r\n");
        }
        if let Some((h, v)) = auth {
            let _ = write!(s, "{}: {v}\r\n", h.as_str());
        }
        let body = self.local_sdp.clone();
        self.common_tail(&mut s, body.as_deref());
        Self::finish(s, body.as_deref())
    }

    fn send_invite(&mut self, now: Instant, request_uri: String) {
        self.send_invite_with(now, request_uri, None);
    }

    fn send_invite_with(
        &mut self,
        now: Instant,
        request_uri: String,
        auth: Option<(HeaderName, String)>,
    ) {
        let bv = self.via();
        let bytes = self.build_invite(&bv, &request_uri, auth);
        let t = self.config.timers;
        self.invite = Some(SentInvite {
            branch: bv.0,
            seq: self.dialog.local_seq,
            request_uri,
            bytes: bytes.clone(),
            interval: t.t1,
            retransmit_at: (!self.config.reliable).then(|| now + t.t1),
            timeout_at: now + t.t1 * 64,
            provisional: false,
            final_ack: None,
        });
        self.transmits.push(bytes);
    }

    /// The ACK for a non-2xx final response: same branch, same Request-URI and Route as the
    /// INVITE, To from the response (RFC 3261 §17.1.1.3).
    fn ack_for_failure(&self, invite: &SentInvite, response: &Message) -> Vec<u8> {
        let d = &self.dialog;
        let mut s = String::with_capacity(400);
        let _ = write!(
            s,
            "ACK {} SIP/2.0\r\nVia: SIP/2.0/{} {};branch={};rport\r\nMax-Forwards: 70\r\n",
            invite.request_uri, self.config.via_transport, self.config.via_sent_by, invite.branch
        );
        Self::push_routes(&mut s, &self.config.route);
        let to = response
            .value(HeaderName::To)
            .map_or_else(|| d.remote_party.clone(), str::to_string);
        let _ = write!(
            s,
            "From: {};tag={}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: {} ACK\r\nContent-Length: 0\r\n\r\n",
            d.local_party, d.local_tag, d.call_id, invite.seq
        );
        s.into_bytes()
    }

    /// An in-dialog request (ACK for 2xx, BYE, …) with a new branch.
    fn in_dialog(&mut self, method: &str, seq: u32, body: Option<&[u8]>) -> (String, Vec<u8>) {
        let (branch, via) = self.via();
        let d = &self.dialog;
        let mut s = String::with_capacity(500);
        // Loose routing (RFC 3261 §12.2.1.1): the remote target is the Request-URI.
        let _ = write!(
            s,
            "{method} {} SIP/2.0\r\n{via}Max-Forwards: 70\r\n",
            d.remote_target
        );
        Self::push_routes(&mut s, &d.route_set);
        let remote_tag = d
            .remote_tag
            .as_ref()
            .map(|t| format!(";tag={t}"))
            .unwrap_or_default();
        let (from, to) = if self.outgoing {
            (
                format!("{};tag={}", d.local_party, d.local_tag),
                format!("{}{remote_tag}", strip_tag(&d.remote_party)),
            )
        } else {
            (d.local_party.clone(), d.remote_party.clone())
        };
        let _ = write!(
            s,
            "From: {from}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: {seq} {method}\r\n",
            d.call_id
        );
        if method == "ACK" || method == "INVITE" {
            let _ = write!(s, "Contact: <{}>\r\n", self.config.contact);
        }
        self.common_tail(&mut s, body);
        (branch, Self::finish(s, body))
    }

    fn response(&self, code: u16, reason: &str, body: Option<&[u8]>, contact: bool) -> Vec<u8> {
        let Some(invite) = &self.incoming_invite else {
            return Vec::new();
        };
        let mut r = Message::response_to(invite, code, reason);
        if code > 100 {
            if let Ok(mut to) = invite.to() {
                to.0.set_tag(&self.dialog.local_tag);
                r.set_typed(&to);
            }
            if let Ok(rr) = invite.record_routes() {
                for route in rr {
                    r.push_typed(&route);
                }
            }
        }
        if contact {
            r.push_header(HeaderName::Contact, &format!("<{}>", self.config.contact));
        }
        r.push_header(HeaderName::UserAgent, &self.config.user_agent);
        match body {
            Some(b) if !b.is_empty() => r.set_body(Some("application/sdp"), b.to_vec()),
            _ => {}
        }
        r.to_bytes()
    }

    // ------------------------------------------------------------------ user actions

    /// Sends `180 Ringing` for an incoming call.
    pub fn ringing(&mut self) {
        if self.state == CallState::Incoming {
            let r = self.response(180, "Ringing", None, true);
            self.last_provisional = Some(r.clone());
            self.transmits.push(r);
        }
    }

    /// Answers an incoming call with `sdp`; the 200 is resent until the ACK arrives.
    pub fn answer(&mut self, now: Instant, sdp: Vec<u8>) -> bool {
        if self.state != CallState::Incoming {
            return false;
        }
        self.local_sdp = Some(sdp.clone());
        let r = self.response(200, "OK", Some(&sdp), true);
        self.start_final(now, r, true);
        self.set_state(CallState::Answered, "answered");
        true
    }

    /// Rejects an incoming call (486 Busy Here, 603 Decline, 302 with `contact` for forward…).
    pub fn reject(&mut self, now: Instant, code: u16, reason: &str, contact: Option<&str>) -> bool {
        if self.state != CallState::Incoming || !(300..=699).contains(&code) {
            return false;
        }
        let mut r = self.response(code, reason, None, false);
        if let Some(c) = contact {
            // 3xx: the new target goes in Contact.
            if let Ok(mut m) = Message::parse(&r) {
                m.push_header(HeaderName::Contact, &format!("<{c}>"));
                r = m.to_bytes();
            }
        }
        self.start_final(now, r, false);
        self.end(Some(code), reason.to_string(), false);
        true
    }

    fn start_final(&mut self, now: Instant, bytes: Vec<u8>, success: bool) {
        let t = self.config.timers;
        self.transmits.push(bytes.clone());
        // 2xx are resent by the core on every transport; other finals only on unreliable ones.
        let resend = success || !self.config.reliable;
        self.sent_final = Some(SentFinal {
            bytes,
            interval: t.t1,
            retransmit_at: resend.then(|| now + t.t1),
            give_up_at: now + t.t1 * 64,
            success,
        });
    }

    /// Ends the call: CANCEL before the answer, BYE after it, reject (603) when ringing here.
    pub fn hangup(&mut self, now: Instant) {
        match self.state {
            CallState::Calling | CallState::Proceeding => self.cancel(now),
            CallState::Incoming => {
                self.reject(now, 603, "Decline", None);
            }
            CallState::Answered | CallState::Confirmed => self.send_bye(now, "hung up"),
            CallState::Terminating | CallState::Terminated => {}
        }
    }

    fn cancel(&mut self, now: Instant) {
        self.cancel_wanted = true;
        self.cancel_deadline = Some(now + self.config.timers.t1 * 64);
        let provisional = self.invite.as_ref().is_some_and(|i| i.provisional);
        if provisional {
            self.send_cancel(now);
        }
        // Otherwise the CANCEL goes out when the first provisional response arrives
        // (RFC 3261 §9.1); the deadline ends the call if none ever comes.
    }

    fn send_cancel(&mut self, now: Instant) {
        let Some(inv) = self.invite.clone() else {
            return;
        };
        if self.cancel.is_some() {
            return;
        }
        let d = &self.dialog;
        let mut s = String::with_capacity(400);
        let _ = write!(
            s,
            "CANCEL {} SIP/2.0\r\nVia: SIP/2.0/{} {};branch={};rport\r\nMax-Forwards: 70\r\n",
            inv.request_uri, self.config.via_transport, self.config.via_sent_by, inv.branch
        );
        Self::push_routes(&mut s, &self.config.route);
        let _ = write!(
            s,
            "From: {};tag={}\r\nTo: {}\r\nCall-ID: {}\r\nCSeq: {} CANCEL\r\nContent-Length: 0\r\n\r\n",
            d.local_party, d.local_tag, strip_tag(&d.remote_party), d.call_id, inv.seq
        );
        let mut t = ClientNonInvite::start(
            now,
            inv.branch,
            s.into_bytes(),
            self.config.reliable,
            self.config.timers,
        );
        while let Some(TransactionOutput::Transmit(b)) = t.poll_output() {
            self.transmits.push(b);
        }
        self.cancel = Some(t);
    }

    fn send_bye(&mut self, now: Instant, why: &str) {
        self.dialog.local_seq += 1;
        let seq = self.dialog.local_seq;
        let (branch, bytes) = self.in_dialog("BYE", seq, None);
        let mut t =
            ClientNonInvite::start(now, branch, bytes, self.config.reliable, self.config.timers);
        while let Some(TransactionOutput::Transmit(b)) = t.poll_output() {
            self.transmits.push(b);
        }
        self.bye = Some(t);
        self.sent_final = None;
        self.set_state(CallState::Terminating, why);
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
            Method::Invite => self.on_invite_response(now, response, status, &branch),
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
                    self.end(Some(status), "hung up", false);
                }
            }
            _ => {}
        }
    }

    fn on_invite_response(&mut self, now: Instant, response: &Message, status: u16, branch: &str) {
        let Some(inv) = self.invite.clone() else {
            return;
        };
        if inv.branch != branch {
            // A 2xx for an older INVITE of this call (after auth or redirect) still needs an ACK.
            return;
        }
        let to_tag = response
            .to()
            .ok()
            .and_then(|t| t.0.tag().map(str::to_string));
        match status {
            100..=199 => {
                if let Some(i) = &mut self.invite {
                    i.provisional = true;
                    i.retransmit_at = None;
                    // Timer B only runs in Calling; while the far end rings we wait up to
                    // three minutes (like a proxy's timer C) for a final answer.
                    i.timeout_at = now + NO_ANSWER_TIMEOUT;
                }
                if self.state == CallState::Calling {
                    self.set_state(CallState::Proceeding, "provisional");
                }
                if self.cancel_wanted {
                    self.send_cancel(now);
                    return;
                }
                if status > 100 {
                    if to_tag.is_some() {
                        self.dialog.remote_tag = to_tag;
                    }
                    let body = response.body();
                    if !body.is_empty() {
                        self.events
                            .push(CallEvent::EarlyMedia { sdp: body.to_vec() });
                    } else {
                        self.events.push(CallEvent::Ringing { code: status });
                    }
                }
            }
            200..=299 => {
                if let Some(ack) = &self.ack_2xx {
                    // A retransmitted 2xx: the ACK got lost.
                    self.transmits.push(ack.clone());
                    return;
                }
                self.dialog.remote_tag = to_tag;
                if let Some(target) = response.contacts().ok().and_then(|c| {
                    c.first()
                        .and_then(|c| c.address().map(|a| a.uri.to_string()))
                }) {
                    self.dialog.remote_target = target;
                }
                if let Ok(rr) = response.record_routes() {
                    self.dialog.route_set = rr.into_iter().rev().map(|r| r.0.to_string()).collect();
                }
                if let Some(i) = &mut self.invite {
                    i.retransmit_at = None;
                    i.timeout_at = now + self.config.timers.t1 * 64;
                }
                let (_, ack) = self.in_dialog("ACK", inv.seq, None);
                self.transmits.push(ack.clone());
                self.ack_2xx = Some(ack);
                if self.cancel_wanted || self.state == CallState::Terminated {
                    // 200 after our CANCEL: the call exists now, so end it properly.
                    self.set_state(CallState::Confirmed, "2xx after cancel");
                    self.send_bye(now, "cancelled (answered anyway)");
                    return;
                }
                self.set_state(CallState::Confirmed, "2xx");
                let body = response.body();
                self.events.push(CallEvent::Answered {
                    sdp: (!body.is_empty()).then(|| body.to_vec()),
                });
            }
            _ => {
                if let Some(ack) = &inv.final_ack {
                    self.transmits.push(ack.clone());
                    return;
                }
                let ack = self.ack_for_failure(&inv, response);
                self.transmits.push(ack.clone());
                if let Some(i) = &mut self.invite {
                    i.final_ack = Some(ack);
                    i.retransmit_at = None;
                }
                let reason = response.reason().unwrap_or_default().to_string();
                if self.cancel_wanted {
                    self.end(Some(status), "cancelled", false);
                    return;
                }
                match status {
                    401 | 407 => self.on_challenge(now, response, status, reason),
                    300..=399 => self.follow_redirect(now, response, status, reason),
                    _ => self.end(Some(status), reason, true),
                }
            }
        }
    }

    fn on_challenge(&mut self, now: Instant, response: &Message, status: u16, reason: String) {
        let header = if status == 407 {
            HeaderName::ProxyAuthenticate
        } else {
            HeaderName::WwwAuthenticate
        };
        let Some(challenge) = response
            .values(header)
            .filter_map(|v| Challenge::parse(v).ok())
            .find(Challenge::is_digest)
        else {
            self.end(Some(status), reason, true);
            return;
        };
        let nonce = challenge.nonce().unwrap_or_default().to_string();
        let repeated = self.answered_nonces.contains(&nonce) && !challenge.stale();
        if repeated || self.auth_rounds >= 3 {
            self.end(Some(status), "wrong user name or password", true);
            return;
        }
        let user = self.config.auth_user.clone().unwrap_or_else(|| {
            self.config
                .local_uri
                .split_once(':')
                .map_or("", |(_, r)| r)
                .split('@')
                .next()
                .unwrap_or_default()
                .to_string()
        });
        let uri = self
            .invite
            .as_ref()
            .map(|i| i.request_uri.clone())
            .unwrap_or_default();
        let cnonce = self.rng.token(16);
        let secret = match &self.config.secret {
            Some(AuthSecret::Password(p)) => digest::Secret::Password(p),
            Some(AuthSecret::Ha1(h)) => digest::Secret::Ha1(h),
            _ => {
                self.end(
                    Some(status),
                    "authentication required but no password is set",
                    true,
                );
                return;
            }
        };
        let input = DigestInput {
            username: &user,
            secret,
            method: "INVITE",
            uri: &uri,
            body: self.local_sdp.as_deref().unwrap_or_default(),
            cnonce: &cnonce,
            nc: 1,
        };
        let Ok(credentials) = digest::respond(&challenge, &input) else {
            self.end(Some(status), "cannot answer the server's challenge", true);
            return;
        };
        self.answered_nonces.push(nonce);
        self.auth_rounds += 1;
        let name = if status == 407 {
            HeaderName::ProxyAuthorization
        } else {
            HeaderName::Authorization
        };
        self.dialog.local_seq += 1;
        self.set_state(CallState::Calling, "challenge answered");
        self.send_invite_with(now, uri, Some((name, credentials.to_string())));
    }

    fn follow_redirect(&mut self, now: Instant, response: &Message, status: u16, reason: String) {
        let target = response.contacts().ok().and_then(|c| {
            c.first()
                .and_then(|c| c.address().map(|a| a.uri.to_string()))
        });
        match target {
            Some(target) if self.redirects < MAX_REDIRECTS => {
                self.redirects += 1;
                self.dialog.local_seq += 1;
                self.dialog.remote_party = format!("<{target}>");
                self.dialog.remote_target = target.clone();
                self.events.push(CallEvent::Redirected {
                    target: target.clone(),
                });
                self.set_state(CallState::Calling, "redirect");
                self.send_invite(now, target);
            }
            _ => self.end(Some(status), reason, true),
        }
    }

    fn on_request(&mut self, now: Instant, request: &Message) {
        let Some(method) = request.method().cloned() else {
            return;
        };
        match method {
            Method::Ack => {
                if self.state == CallState::Answered {
                    self.sent_final = None;
                    self.set_state(CallState::Confirmed, "ACK");
                    let body = request.body();
                    self.events.push(CallEvent::Answered {
                        sdp: (!body.is_empty()).then(|| body.to_vec()),
                    });
                } else if self.sent_final.as_ref().is_some_and(|f| !f.success) {
                    // ACK for our failure response: stop resending it.
                    self.sent_final = None;
                }
            }
            Method::Invite => {
                let same = self.incoming_invite.as_ref().is_some_and(|i| {
                    i.top_via()
                        .ok()
                        .and_then(|v| v.branch().map(str::to_string))
                        == request
                            .top_via()
                            .ok()
                            .and_then(|v| v.branch().map(str::to_string))
                });
                if same {
                    // A retransmitted INVITE: repeat our last response.
                    let last = self
                        .sent_final
                        .as_ref()
                        .map(|f| f.bytes.clone())
                        .or_else(|| self.last_provisional.clone());
                    if let Some(b) = last {
                        self.transmits.push(b);
                    }
                } else if matches!(self.state, CallState::Confirmed) {
                    self.answer_reinvite(request);
                } else {
                    self.reply(request, 491, "Request Pending", None);
                }
            }
            Method::Bye => {
                self.reply(request, 200, "OK", None);
                self.end(None, "remote hung up", true);
            }
            Method::Cancel => {
                if self.state == CallState::Incoming {
                    self.reply(request, 200, "OK", None);
                    let r = self.response(487, "Request Terminated", None, false);
                    self.start_final(now, r, false);
                    self.end(Some(487), "caller cancelled", true);
                } else {
                    self.reply(request, 481, "Call/Transaction Does Not Exist", None);
                }
            }
            Method::Info => {
                self.reply(request, 200, "OK", None);
                let content_type = request
                    .value(HeaderName::ContentType)
                    .unwrap_or_default()
                    .to_string();
                self.events.push(CallEvent::Info {
                    content_type,
                    body: request.body().to_vec(),
                });
            }
            Method::Options => self.reply(request, 200, "OK", None),
            _ => self.reply(request, 501, "Not Implemented", None),
        }
    }

    fn answer_reinvite(&mut self, request: &Message) {
        let offer = request.body().to_vec();
        let body = self.local_sdp.clone();
        self.reply(request, 200, "OK", body.as_deref());
        if !offer.is_empty() {
            self.events.push(CallEvent::RemoteOffer { sdp: offer });
        }
    }

    /// Answers a request within the dialog (BYE, INFO, CANCEL, re-INVITE…).
    fn reply(&mut self, request: &Message, code: u16, reason: &str, body: Option<&[u8]>) {
        let mut r = Message::response_to(request, code, reason);
        if let Ok(mut to) = request.to() {
            if to.0.tag().is_none() {
                to.0.set_tag(&self.dialog.local_tag);
                r.set_typed(&to);
            }
        }
        if request.method() == Some(&Method::Invite) {
            r.push_header(HeaderName::Contact, &format!("<{}>", self.config.contact));
        }
        if let Some(b) = body {
            r.set_body(Some("application/sdp"), b.to_vec());
        }
        self.transmits.push(r.to_bytes());
    }

    /// The transport failed: the call ends.
    pub fn on_transport_error(&mut self, reason: &str) {
        self.end(Some(503), format!("transport error: {reason}"), false);
    }

    /// Fires whatever timers are due.
    pub fn on_timeout(&mut self, now: Instant) {
        let t = self.config.timers;
        // INVITE retransmission (timer A) and timeout (timer B).
        if let Some(inv) = &mut self.invite {
            if inv.retransmit_at.is_some_and(|at| now >= at) {
                inv.interval *= 2;
                inv.retransmit_at = Some(now + inv.interval);
                self.transmits.push(inv.bytes.clone());
            }
        }
        let invite_timed_out = self.invite.as_ref().is_some_and(|i| now >= i.timeout_at);
        if invite_timed_out {
            match self.state {
                CallState::Calling | CallState::Proceeding if !self.cancel_wanted => {
                    if let Some(i) = &mut self.invite {
                        i.retransmit_at = None;
                    }
                    self.end(Some(408), "Request Timeout (no answer)", false);
                }
                _ => {}
            }
            // Afterwards nothing else waits on the INVITE.
            self.invite = None;
        }
        // Our final response to an incoming INVITE: resend until ACK (timers G/H; 2xx per RFC 6026).
        let mut no_ack = None;
        if let Some(f) = &mut self.sent_final {
            if now >= f.give_up_at {
                no_ack = Some(f.success);
            } else if f.retransmit_at.is_some_and(|at| now >= at) {
                f.interval = (f.interval * 2).min(t.t2);
                f.retransmit_at = Some(now + f.interval);
                self.transmits.push(f.bytes.clone());
            }
        }
        if let Some(success) = no_ack {
            self.sent_final = None;
            if success && self.state == CallState::Answered {
                self.send_bye(now, "no ACK");
            }
        }
        for tr in [&mut self.cancel, &mut self.bye].into_iter().flatten() {
            tr.on_timeout(now);
        }
        let mut bye_timed_out = false;
        for tr in [&mut self.cancel, &mut self.bye].into_iter().flatten() {
            while let Some(out) = tr.poll_output() {
                match out {
                    TransactionOutput::Transmit(b) => self.transmits.push(b),
                    TransactionOutput::TimedOut => bye_timed_out = true,
                }
            }
        }
        if bye_timed_out && self.state == CallState::Terminating {
            self.end(Some(408), "hung up (no answer to BYE)", false);
        }
        if self.cancel_deadline.is_some_and(|d| now >= d) {
            self.end(Some(408), "cancelled (no answer)", false);
        }
        if self
            .cancel
            .as_ref()
            .is_some_and(ClientNonInvite::is_terminated)
        {
            self.cancel = None;
        }
        if self
            .bye
            .as_ref()
            .is_some_and(ClientNonInvite::is_terminated)
        {
            self.bye = None;
        }
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
        let cancel = self.cancel.as_ref().and_then(ClientNonInvite::poll_timeout);
        let bye = self.bye.as_ref().and_then(ClientNonInvite::poll_timeout);
        [invite, fin, cancel, bye, self.cancel_deadline]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn helpers() {
        assert_eq!(strip_tag("<sip:a@b>;tag=1"), "<sip:a@b>");
        assert_eq!(name_addr(Some("A \"x\""), "sip:a@b"), "\"A x\" <sip:a@b>");
    }
}
