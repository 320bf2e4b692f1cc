//! Changing a confirmed session: our re-INVITE or UPDATE (with its answer surfaced as
//! [`CallEvent::OfferAnswered`]), their re-INVITE or UPDATE (surfaced as
//! [`CallEvent::RemoteOffer`], answered by the engine through [`Call::answer_offer`]), and
//! glare: an offer that crosses ours is refused with 491, and ours refused with 491 is sent
//! again after a random 2.1–4 s if we own the Call-ID (we placed the call), 0–2 s otherwise
//! (RFC 3261 §14.1). Session refreshes (RFC 4028) go through the same path without events.

use super::build::{self, Body};
use super::{Call, CallEvent, CallState};
use crate::headers::{HeaderName, MinSe};
use crate::message::Message;
use crate::ua::transaction::ClientNonInvite;
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Which request carries a session change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModifyKind {
    /// re-INVITE (three-way, may carry or ask for an offer).
    Invite,
    /// UPDATE (RFC 3311).
    Update,
}

impl ModifyKind {
    fn method(self) -> &'static str {
        match self {
            Self::Invite => "INVITE",
            Self::Update => "UPDATE",
        }
    }
}

/// Our re-INVITE or UPDATE in flight.
#[derive(Debug)]
struct Outgoing {
    kind: ModifyKind,
    sdp: Option<Vec<u8>>,
    refresh: bool,
    branch: String,
    seq: u32,
    bytes: Vec<u8>,
    interval: Duration,
    retransmit_at: Option<Instant>,
    timeout_at: Option<Instant>,
    tx: Option<ClientNonInvite>,
}

/// Ours again, after a 491 or a 422.
#[derive(Debug)]
struct Retry {
    at: Instant,
    kind: ModifyKind,
    sdp: Option<Vec<u8>>,
    refresh: bool,
}

/// Their offer, waiting for the engine's answer.
#[derive(Debug)]
struct Incoming {
    request: Message,
    kind: ModifyKind,
    branch: String,
}

/// The ACK we sent for a final response to our re-INVITE, for its retransmissions.
#[derive(Debug)]
struct Acked {
    branch: String,
    ack: Vec<u8>,
    until: Instant,
}

#[derive(Debug, Default)]
pub(super) struct ModifyState {
    out: Option<Outgoing>,
    retry: Option<Retry>,
    incoming: Option<Incoming>,
    acked: Option<Acked>,
    /// The branch of the last re-INVITE they sent (to spot its retransmissions).
    their_reinvite: Option<String>,
}

impl ModifyState {
    pub(super) fn clear(&mut self) {
        self.out = None;
        self.retry = None;
        self.incoming = None;
    }

    /// A change of ours is in flight or due.
    pub(super) fn is_busy(&self) -> bool {
        self.out.is_some() || self.retry.is_some()
    }

    pub(super) fn is_pending_update(&self, branch: &str) -> bool {
        self.incoming
            .as_ref()
            .is_some_and(|i| i.kind == ModifyKind::Update && i.branch == branch)
    }

    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        let out = self.out.as_ref().and_then(|o| {
            [
                o.retransmit_at,
                o.timeout_at,
                o.tx.as_ref().and_then(ClientNonInvite::poll_timeout),
            ]
            .into_iter()
            .flatten()
            .min()
        });
        [
            out,
            self.retry.as_ref().map(|r| r.at),
            self.acked.as_ref().map(|a| a.until),
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

fn branch_of(m: &Message) -> String {
    m.top_via()
        .ok()
        .and_then(|v| v.branch().map(str::to_string))
        .unwrap_or_default()
}

impl Call {
    /// Sends a re-INVITE with `sdp` as the new offer (hold: `sendonly`, resume: `sendrecv`);
    /// `None` asks the peer for an offer. `false` when the dialog is not confirmed or
    /// another change is under way.
    pub fn reinvite(&mut self, now: Instant, sdp: Option<Vec<u8>>) -> bool {
        self.modify_session(now, ModifyKind::Invite, sdp)
    }

    /// Sends an UPDATE with `sdp` as the new offer (`None`: a bare session refresh).
    pub fn update(&mut self, now: Instant, sdp: Option<Vec<u8>>) -> bool {
        self.modify_session(now, ModifyKind::Update, sdp)
    }

    /// Starts a session change by `kind`; the answer comes as [`CallEvent::OfferAnswered`]
    /// or [`CallEvent::OfferRefused`].
    pub fn modify_session(&mut self, now: Instant, kind: ModifyKind, sdp: Option<Vec<u8>>) -> bool {
        if self.state != CallState::Confirmed
            || self.modify.out.is_some()
            || self.modify.retry.is_some()
            || self.modify.incoming.is_some()
        {
            return false;
        }
        self.start_modify(now, kind, sdp, false);
        true
    }

    /// Whether the peer's Allow listed UPDATE.
    pub fn peer_allows_update(&self) -> bool {
        self.peer_allows_update
    }

    pub(super) fn start_modify(
        &mut self,
        now: Instant,
        kind: ModifyKind,
        sdp: Option<Vec<u8>>,
        refresh: bool,
    ) {
        self.dialog.local_seq += 1;
        let seq = self.dialog.local_seq;
        let extra = self.timer.refresh_headers();
        let body: Body<'_> = build::sdp(sdp.as_deref());
        let (branch, bytes) = self.in_dialog(kind.method(), seq, &extra, body);
        let t = self.config.timers;
        let mut out = Outgoing {
            kind,
            sdp,
            refresh,
            branch: branch.clone(),
            seq,
            bytes: bytes.clone(),
            interval: t.t1,
            retransmit_at: None,
            timeout_at: None,
            tx: None,
        };
        match kind {
            ModifyKind::Invite => {
                out.retransmit_at = (!self.config.reliable).then(|| now + t.t1);
                out.timeout_at = Some(now + t.t1 * 64);
                self.transmits.push(bytes);
            }
            ModifyKind::Update => {
                out.tx = Some(self.start_transaction(now, branch, bytes));
            }
        }
        tracing::debug!(call_id = %self.dialog.call_id, ?kind, refresh, "session change sent");
        self.modify.out = Some(out);
    }

    /// The ACK for a non-2xx final response to our re-INVITE: hop by hop, on the
    /// re-INVITE's branch (RFC 3261 §17.1.1.3).
    fn ack_reinvite_failure(&self, out: &Outgoing, response: &Message) -> Vec<u8> {
        let d = &self.dialog;
        let mut s = String::with_capacity(500);
        let _ = write!(
            s,
            "ACK {} SIP/2.0\r\nVia: SIP/2.0/{} {};branch={};rport\r\nMax-Forwards: 70\r\n",
            d.remote_target, self.config.via_transport, self.config.via_sent_by, out.branch
        );
        Self::push_routes(&mut s, &d.route_set);
        let from = if self.outgoing {
            format!("{};tag={}", d.local_party, d.local_tag)
        } else {
            d.local_party.clone()
        };
        let to = response
            .value(HeaderName::To)
            .map_or_else(|| d.remote_party.clone(), str::to_string);
        let _ = write!(
            s,
            "From: {from}\r\nTo: {to}\r\nCall-ID: {}\r\nCSeq: {} ACK\r\nContent-Length: 0\r\n\r\n",
            d.call_id, out.seq
        );
        s.into_bytes()
    }

    /// A response to a re-INVITE of ours. Returns `false` when it is not one (it is then for
    /// the initial INVITE).
    pub(super) fn on_reinvite_response(
        &mut self,
        now: Instant,
        response: &Message,
        status: u16,
        branch: &str,
    ) -> bool {
        if let Some(a) = &self.modify.acked {
            if a.branch == branch {
                // A retransmitted final response: the ACK got lost.
                self.transmits.push(a.ack.clone());
                return true;
            }
        }
        let ours = self
            .modify
            .out
            .as_ref()
            .is_some_and(|o| o.kind == ModifyKind::Invite && o.branch == branch);
        if !ours {
            return false;
        }
        if status < 200 {
            if let Some(o) = &mut self.modify.out {
                o.retransmit_at = None;
                o.timeout_at = Some(now + self.config.timers.t1 * 64);
            }
            return true;
        }
        let Some(out) = self.modify.out.take() else {
            return true;
        };
        let ack = if status < 300 {
            self.in_dialog("ACK", out.seq, "", None).1
        } else {
            self.ack_reinvite_failure(&out, response)
        };
        self.transmits.push(ack.clone());
        self.modify.acked = Some(Acked {
            branch: out.branch.clone(),
            ack,
            until: now + self.config.timers.t1 * 64,
        });
        self.modify_finished(now, out, response, status);
        true
    }

    pub(super) fn on_update_response(
        &mut self,
        now: Instant,
        response: &Message,
        status: u16,
        branch: &str,
    ) {
        let Some(out) = &mut self.modify.out else {
            return;
        };
        let Some(tx) = out.tx.as_mut().filter(|t| t.branch() == branch) else {
            return;
        };
        if !tx.on_response(now, status) || status < 200 {
            return;
        }
        if let Some(out) = self.modify.out.take() {
            self.modify_finished(now, out, response, status);
        }
    }

    fn modify_finished(&mut self, now: Instant, out: Outgoing, response: &Message, status: u16) {
        if (200..300).contains(&status) {
            if let Some(target) = response.contacts().ok().and_then(|c| {
                c.first()
                    .and_then(|c| c.address().map(|a| a.uri.to_string()))
            }) {
                self.dialog.remote_target = target;
            }
            if out.sdp.is_some() {
                self.local_sdp = out.sdp.clone();
            }
            self.timer.on_2xx_to_our_request(now, response);
            if !out.refresh {
                let body = response.body();
                self.events.push(CallEvent::OfferAnswered {
                    sdp: (!body.is_empty()).then(|| body.to_vec()),
                });
            }
            return;
        }
        let reason = response.reason().unwrap_or_default().to_string();
        let min_se = response.get::<MinSe>().ok().flatten().map(|m| m.delta);
        self.modify_failed(now, out, Some(status), reason, min_se);
    }

    fn modify_failed(
        &mut self,
        now: Instant,
        out: Outgoing,
        status: Option<u16>,
        reason: String,
        min_se: Option<u32>,
    ) {
        let retry = |at| Retry {
            at,
            kind: out.kind,
            sdp: out.sdp.clone(),
            refresh: out.refresh,
        };
        match status {
            Some(491) => {
                // Glare (RFC 3261 §14.1): the Call-ID owner waits 2.1–4 s, the other 0–2 s.
                let ms = if self.outgoing {
                    2100 + 10 * (self.rng.next_u64() % 191)
                } else {
                    10 * (self.rng.next_u64() % 201)
                };
                tracing::debug!(ms, "491: session change retried later");
                self.modify.retry = Some(retry(now + Duration::from_millis(ms)));
            }
            Some(422) if min_se.is_some_and(|m| self.timer.raise_min_se(m)) => {
                self.modify.retry = Some(retry(now));
            }
            Some(501 | 405) if out.kind == ModifyKind::Update && out.refresh => {
                // The peer does not take UPDATE after all: refresh by re-INVITE.
                self.peer_allows_update = false;
                self.modify.retry = Some(Retry {
                    at: now,
                    kind: ModifyKind::Invite,
                    sdp: self.local_sdp.clone(),
                    refresh: true,
                });
            }
            _ => {
                let code_text = status.map_or_else(|| "no answer".to_string(), |c| c.to_string());
                tracing::info!(status = %code_text, %reason, refresh = out.refresh, "session change failed");
                if !out.refresh {
                    self.events.push(CallEvent::OfferRefused {
                        code: status,
                        reason: reason.clone(),
                    });
                }
                // RFC 3261 §12.2.1.2: 481 and 408 (or no answer) end the dialog.
                if matches!(status, None | Some(408 | 481)) {
                    self.send_bye(now, "dialog gone");
                }
            }
        }
    }

    /// Answers the offer of their re-INVITE or UPDATE (reported as
    /// [`CallEvent::RemoteOffer`]) with `sdp`. `false` when no offer waits.
    pub fn answer_offer(&mut self, now: Instant, sdp: Vec<u8>) -> bool {
        let Some(inc) = self.modify.incoming.take() else {
            return false;
        };
        let headers = self.timer.on_request_answered(now, &inc.request, false);
        self.local_sdp = Some(sdp.clone());
        match inc.kind {
            ModifyKind::Invite => {
                let r = self.in_dialog_response(&inc.request, 200, "OK", Some(&sdp), &headers);
                self.start_final(now, r, true);
            }
            ModifyKind::Update => {
                self.reply_with(&inc.request, 200, "OK", Some(&sdp), &headers);
            }
        }
        true
    }

    /// Refuses the offer of their re-INVITE or UPDATE (488 Not Acceptable Here, say); the
    /// previous session stays in force.
    pub fn refuse_offer(&mut self, now: Instant, code: u16, reason: &str) -> bool {
        let Some(inc) = self.modify.incoming.take() else {
            return false;
        };
        let code = if (300..=699).contains(&code) {
            code
        } else {
            488
        };
        match inc.kind {
            ModifyKind::Invite => {
                let r = self.in_dialog_response(&inc.request, code, reason, None, &[]);
                self.start_final(now, r, false);
            }
            ModifyKind::Update => self.reply(&inc.request, code, reason, None),
        }
        true
    }

    /// Whether their offer waits for [`Call::answer_offer`].
    pub fn has_remote_offer(&self) -> bool {
        self.modify.incoming.is_some()
    }

    fn learn_target(&mut self, request: &Message) {
        if let Some(target) = request.contacts().ok().and_then(|c| {
            c.first()
                .and_then(|c| c.address().map(|a| a.uri.to_string()))
        }) {
            self.dialog.remote_target = target;
        }
        if super::lists(request, HeaderName::Allow, "UPDATE") {
            self.peer_allows_update = true;
        }
    }

    /// Their re-INVITE (any INVITE in the dialog other than the initial one).
    pub(super) fn on_reinvite_request(&mut self, now: Instant, request: &Message) {
        let branch = branch_of(request);
        if self.modify.their_reinvite.as_deref() == Some(branch.as_str()) {
            // A retransmission: repeat our final response if we gave one.
            if let Some(f) = &self.sent_final {
                self.transmits.push(f.bytes.clone());
            }
            return;
        }
        match self.state {
            CallState::Confirmed => {}
            CallState::Terminating | CallState::Terminated => {
                let r = self.in_dialog_response(
                    request,
                    481,
                    "Call/Transaction Does Not Exist",
                    None,
                    &[],
                );
                self.transmits.push(r);
                return;
            }
            _ => {
                let r = self.in_dialog_response(request, 491, "Request Pending", None, &[]);
                self.transmits.push(r);
                return;
            }
        }
        self.modify.their_reinvite = Some(branch.clone());
        if self.modify.out.is_some() || self.modify.incoming.is_some() {
            // Glare: an offer of ours is outstanding (RFC 3261 §14.2).
            let r = self.in_dialog_response(request, 491, "Request Pending", None, &[]);
            self.start_final(now, r, false);
            return;
        }
        self.learn_target(request);
        let offer = request.body();
        if offer.is_empty() {
            // They ask for an offer: ours is the current SDP; the answer comes in the ACK.
            let headers = self.timer.on_request_answered(now, request, false);
            let body = self.local_sdp.clone();
            let r = self.in_dialog_response(request, 200, "OK", body.as_deref(), &headers);
            self.start_final(now, r, true);
            return;
        }
        self.modify.incoming = Some(Incoming {
            request: request.clone(),
            kind: ModifyKind::Invite,
            branch,
        });
        self.events.push(CallEvent::RemoteOffer {
            sdp: offer.to_vec(),
        });
    }

    /// Their UPDATE: a bare one refreshes the session; one with SDP is a new offer.
    pub(super) fn on_update_request(&mut self, now: Instant, request: &Message) {
        if matches!(self.state, CallState::Terminating | CallState::Terminated) {
            self.reply(request, 481, "Call/Transaction Does Not Exist", None);
            return;
        }
        let offer = request.body();
        if offer.is_empty() {
            self.learn_target(request);
            let headers = if self.state == CallState::Confirmed {
                self.timer.on_request_answered(now, request, false)
            } else {
                Vec::new()
            };
            self.reply_with(request, 200, "OK", None, &headers);
            return;
        }
        if self.state != CallState::Confirmed
            || self.modify.out.is_some()
            || self.modify.incoming.is_some()
        {
            self.reply(request, 491, "Request Pending", None);
            return;
        }
        self.learn_target(request);
        self.modify.incoming = Some(Incoming {
            request: request.clone(),
            kind: ModifyKind::Update,
            branch: branch_of(request),
        });
        self.events.push(CallEvent::RemoteOffer {
            sdp: offer.to_vec(),
        });
    }

    pub(super) fn modify_timeout(&mut self, now: Instant) {
        if self.modify.acked.as_ref().is_some_and(|a| now >= a.until) {
            self.modify.acked = None;
        }
        let mut failed = false;
        if let Some(o) = &mut self.modify.out {
            if o.retransmit_at.is_some_and(|at| now >= at) {
                o.interval *= 2;
                o.retransmit_at = Some(now + o.interval);
                self.transmits.push(o.bytes.clone());
            }
            if o.timeout_at.is_some_and(|at| now >= at) {
                failed = true;
            }
            if let Some(tx) = &mut o.tx {
                tx.on_timeout(now);
                failed |= Self::drain(tx, &mut self.transmits);
            }
        }
        if failed {
            if let Some(out) = self.modify.out.take() {
                self.modify_failed(now, out, None, "no answer".into(), None);
            }
        }
        let due = self.modify.retry.as_ref().is_some_and(|r| now >= r.at);
        if due && self.state == CallState::Confirmed {
            if self.modify.incoming.is_some() || self.sent_final.is_some() {
                // Their change is still being completed: try a little later.
                if let Some(r) = &mut self.modify.retry {
                    r.at = now + Duration::from_millis(100);
                }
            } else if let Some(r) = self.modify.retry.take() {
                self.start_modify(now, r.kind, r.sdp, r.refresh);
            }
        } else if due {
            self.modify.retry = None;
        }
    }
}
