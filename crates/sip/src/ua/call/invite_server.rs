//! Their INVITE: ringing, answer, reject (and forward by 3xx), CANCEL, the no-answer timeout,
//! and resending our final response until the ACK.
//!
//! Late offer (RFC 3261 §13.2.1, RFC 3264 §4): an INVITE without SDP is answered with our
//! offer in the 200, and the caller's answer comes in the ACK, surfaced as
//! [`CallEvent::Answered`]. An ACK without one ends the call with a BYE.

use super::{Call, CallConfig, CallEvent, CallState, Dialog, SentFinal};
use crate::headers::HeaderName;
use crate::message::Message;
use crate::ua::random::RandomSource;
use std::time::Instant;

impl Call {
    /// Accepts an incoming INVITE as a new call (the caller checked it with
    /// [`crate::validate_request`]). A `100 Trying` is queued at once. When the INVITE asks
    /// for a session interval below our `Min-SE`, the call is refused with 422 at once and
    /// comes back already [`CallState::Terminated`].
    pub fn incoming(
        now: Instant,
        config: CallConfig,
        invite: &Message,
        mut rng: Box<dyn RandomSource>,
    ) -> Result<Self, crate::SipError> {
        let from = invite.from()?;
        let to = invite.to()?;
        invite.cseq()?;
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
        let no_answer = config.no_answer_timeout;
        let mut call = Self::with(config, rng, false, dialog, CallState::Incoming);
        call.incoming_invite = Some(invite.clone());
        call.peer_allows_update = super::lists(invite, HeaderName::Allow, "UPDATE");
        let trying = call.response(100, "Trying", None, false, &[]);
        call.transmits.push(trying);
        if let Some(min_se) = call.timer.too_small(invite) {
            let r = call.response(
                422,
                "Session Interval Too Small",
                None,
                false,
                &[(HeaderName::MinSe, min_se.to_string())],
            );
            call.start_final(now, r, false);
            call.end(Some(422), "Session Interval Too Small", false);
            return Ok(call);
        }
        call.no_answer_at = Some(now + no_answer);
        Ok(call)
    }

    /// Sends `180 Ringing` for an incoming call. Not when the caller requires reliable
    /// provisional responses (`Require: 100rel`): we do not send those, and RFC 3262 forbids
    /// an unreliable one then, so the caller hears only its own ringback.
    pub fn ringing(&mut self) {
        let requires_100rel = self
            .incoming_invite
            .as_ref()
            .is_some_and(|i| super::lists(i, HeaderName::Require, "100rel"));
        if self.state == CallState::Incoming && !requires_100rel {
            let r = self.response(180, "Ringing", None, true, &[]);
            self.last_provisional = Some(r.clone());
            self.transmits.push(r);
        }
    }

    /// Answers an incoming call with `sdp`; the 200 is resent until the ACK arrives. When the
    /// INVITE had no offer ([`Call::is_late_offer`]), `sdp` is our offer and the answer
    /// arrives with the ACK.
    pub fn answer(&mut self, now: Instant, sdp: Vec<u8>) -> bool {
        if self.state != CallState::Incoming {
            return false;
        }
        let Some(invite) = self.incoming_invite.clone() else {
            return false;
        };
        self.local_sdp = Some(sdp.clone());
        let extra = self.timer.on_request_answered(now, &invite, true);
        let r = self.response(200, "OK", Some(&sdp), true, &extra);
        self.start_final(now, r, true);
        self.no_answer_at = None;
        self.set_state(CallState::Answered, "answered");
        true
    }

    /// Rejects an incoming call (486 Busy Here, 603 Decline, 302 with `contact` for forward…).
    pub fn reject(&mut self, now: Instant, code: u16, reason: &str, contact: Option<&str>) -> bool {
        if self.state != CallState::Incoming || !(300..=699).contains(&code) {
            return false;
        }
        let extra: Vec<(HeaderName, String)> = contact
            .map(|c| (HeaderName::Contact, format!("<{c}>")))
            .into_iter()
            .collect();
        let r = self.response(code, reason, None, false, &extra);
        self.start_final(now, r, false);
        self.end(Some(code), reason.to_string(), false);
        true
    }

    /// Forwards an incoming call to `target` (302 Moved Temporarily with a Contact).
    pub fn forward(&mut self, now: Instant, target: &str) -> bool {
        self.reject(now, 302, "Moved Temporarily", Some(target))
    }

    pub(super) fn start_final(&mut self, now: Instant, bytes: Vec<u8>, success: bool) {
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

    pub(super) fn on_ack(&mut self, now: Instant, request: &Message) {
        if self.state == CallState::Answered {
            self.sent_final = None;
            self.set_state(CallState::Confirmed, "ACK");
            let body = request.body();
            if body.iter().all(u8::is_ascii_whitespace) && self.is_late_offer() {
                // RFC 3264 §4: our offer in the 2xx must be answered in the ACK.
                tracing::info!(call_id = %self.dialog.call_id, "late offer: the ACK has no SDP answer");
                self.send_bye(now, "no SDP answer in the ACK");
                return;
            }
            self.events.push(CallEvent::Answered {
                sdp: (!body.is_empty()).then(|| body.to_vec()),
            });
        } else if let Some(f) = &self.sent_final {
            // ACK for our final response (a failure, or a re-INVITE's 2xx): stop resending
            // (a late copy of an older ACK has another CSeq).
            let seq = |m: &Message| m.cseq().ok().map(|c| c.seq);
            let answered = Message::parse(&f.bytes).ok().and_then(|m| seq(&m));
            if answered.is_none() || answered == seq(request) {
                self.sent_final = None;
            }
        }
    }

    pub(super) fn on_invite_request(&mut self, now: Instant, request: &Message) {
        let branch_of = |m: &Message| {
            m.top_via()
                .ok()
                .and_then(|v| v.branch().map(str::to_string))
        };
        let same = self
            .incoming_invite
            .as_ref()
            .is_some_and(|i| branch_of(i) == branch_of(request));
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
        } else {
            self.on_reinvite_request(now, request);
        }
    }

    pub(super) fn on_cancel_request(&mut self, now: Instant, request: &Message) {
        if self.state == CallState::Incoming {
            self.reply(request, 200, "OK", None);
            let r = self.response(487, "Request Terminated", None, false, &[]);
            self.start_final(now, r, false);
            self.end(Some(487), "caller cancelled", true);
        } else {
            self.reply(request, 481, "Call/Transaction Does Not Exist", None);
        }
    }

    pub(super) fn invite_server_timeout(&mut self, now: Instant) {
        let t = self.config.timers;
        if self.no_answer_at.is_some_and(|at| now >= at) {
            self.no_answer_at = None;
            if self.state == CallState::Incoming {
                let r = self.response(480, "Temporarily Unavailable", None, false, &[]);
                self.start_final(now, r, false);
                self.end(Some(480), "no answer", false);
            }
        }
        // Our final response: resend until ACK (timers G/H; 2xx per RFC 6026).
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
    }
}
