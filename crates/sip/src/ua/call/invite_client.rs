//! Our INVITE: sending and retransmitting it, its responses, CANCEL (and the 200/CANCEL race),
//! digest challenges, 3xx redirects and 422 (Session Interval Too Small).

use super::build::name_addr;
use super::{
    strip_tag, Call, CallConfig, CallEvent, CallState, Dialog, SentInvite, MAX_REDIRECTS,
    NO_ANSWER_TIMEOUT,
};
use crate::digest::{self, Challenge, DigestInput};
use crate::headers::{HeaderName, MinSe};
use crate::message::Message;
use crate::ua::random::RandomSource;
use crate::ua::registration::AuthSecret;
use std::fmt::Write as _;
use std::time::Instant;

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
        call.visited.push(target.to_string());
        call.send_invite(now, target.to_string(), None);
        call
    }

    pub(super) fn send_invite(
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
        self.prack.reset();
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

    /// Ends an established call with a BYE, reporting `reason` as its end (the engine uses it
    /// when the session cannot run, e.g. an unusable SDP answer). Before the answer it is
    /// [`Call::hangup`].
    pub fn hangup_because(&mut self, now: Instant, reason: &str) {
        match self.state {
            CallState::Answered | CallState::Confirmed => self.send_bye(now, reason),
            _ => self.hangup(now),
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
        let t = self.start_transaction(now, inv.branch, s.into_bytes());
        self.cancel = Some(t);
    }

    /// Learns the dialog's remote side from a response that establishes it (a 2xx, or a
    /// provisional one with a To tag: the early dialog).
    fn learn_dialog(&mut self, response: &Message) {
        if let Some(tag) = response
            .to()
            .ok()
            .and_then(|t| t.0.tag().map(str::to_string))
        {
            self.dialog.remote_tag = Some(tag);
        }
        if let Some(target) = response.contacts().ok().and_then(|c| {
            c.first()
                .and_then(|c| c.address().map(|a| a.uri.to_string()))
        }) {
            self.dialog.remote_target = target;
        }
        if let Ok(rr) = response.record_routes() {
            if !rr.is_empty() {
                self.dialog.route_set = rr.into_iter().rev().map(|r| r.0.to_string()).collect();
            }
        }
        if super::lists(response, HeaderName::Allow, "UPDATE") {
            self.peer_allows_update = true;
        }
    }

    pub(super) fn on_invite_response(
        &mut self,
        now: Instant,
        response: &Message,
        status: u16,
        branch: &str,
    ) {
        let Some(inv) = self.invite.clone() else {
            return;
        };
        if inv.branch != branch {
            // A response to an older INVITE of this call (after auth or redirect).
            return;
        }
        match status {
            100..=199 => self.on_provisional(now, response, status),
            200..=299 => {
                if let Some(ack) = &self.ack_2xx {
                    // A retransmitted 2xx: the ACK got lost.
                    self.transmits.push(ack.clone());
                    return;
                }
                self.learn_dialog(response);
                if let Some(i) = &mut self.invite {
                    i.retransmit_at = None;
                    i.timeout_at = now + self.config.timers.t1 * 64;
                }
                let (_, ack) = self.in_dialog("ACK", inv.seq, "", None);
                self.transmits.push(ack.clone());
                self.ack_2xx = Some(ack);
                if self.cancel_wanted || self.state == CallState::Terminated {
                    // 200 after our CANCEL: the call exists now, so end it properly.
                    let was_over = self.state == CallState::Terminated;
                    self.set_state(CallState::Confirmed, "2xx after cancel");
                    self.cancel_deadline = None;
                    self.send_bye(now, "cancelled");
                    if was_over {
                        // Already reported; the BYE still goes out and is absorbed.
                        self.state = CallState::Terminated;
                    }
                    return;
                }
                self.set_state(CallState::Confirmed, "2xx");
                self.timer.on_2xx_to_our_request(now, response);
                let body = response.body();
                let sdp = if body.is_empty() {
                    // RFC 3262: the answer may have come in a reliable provisional response.
                    self.prack.early_answer.clone()
                } else {
                    Some(body.to_vec())
                };
                self.events.push(CallEvent::Answered { sdp });
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
                    422 => self.on_too_small(now, response, reason),
                    300..=399 => self.follow_redirect(now, response, status, reason),
                    _ => self.end(Some(status), reason, true),
                }
            }
        }
    }

    fn on_provisional(&mut self, now: Instant, response: &Message, status: u16) {
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
        if status == 100 {
            return;
        }
        let has_tag = response.to().ok().is_some_and(|t| t.0.tag().is_some());
        if has_tag {
            self.learn_dialog(response);
        }
        if !self.on_reliable_provisional(now, response) {
            // A retransmitted or out-of-order reliable provisional response: dropped.
            return;
        }
        let body = response.body();
        if body.is_empty() {
            self.events.push(CallEvent::Ringing { code: status });
        } else {
            self.events
                .push(CallEvent::EarlyMedia { sdp: body.to_vec() });
        }
    }

    /// 422 Session Interval Too Small: retry once more with the larger Min-SE.
    fn on_too_small(&mut self, now: Instant, response: &Message, reason: String) {
        let min = response.get::<MinSe>().ok().flatten().map(|m| m.delta);
        match min {
            Some(min) if self.timer.raise_min_se(min) => {
                self.dialog.local_seq += 1;
                let uri = self
                    .invite
                    .as_ref()
                    .map(|i| i.request_uri.clone())
                    .unwrap_or_default();
                self.set_state(CallState::Calling, "422: larger session interval");
                self.send_invite(now, uri, None);
            }
            _ => self.end(Some(422), reason, true),
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
        self.send_invite(now, uri, Some((name, credentials.to_string())));
    }

    /// Follows a 3xx: the contacts best `q` first, the first one not tried yet (no loops),
    /// at most [`MAX_REDIRECTS`] times. The same Call-ID, From tag and a higher CSeq
    /// (RFC 3261 §8.1.3.4).
    fn follow_redirect(&mut self, now: Instant, response: &Message, status: u16, reason: String) {
        let contacts = redirect_contacts(response);
        let next = contacts
            .iter()
            .find(|c| !self.visited.iter().any(|v| v.eq_ignore_ascii_case(c)))
            .cloned();
        match next {
            Some(target) if self.redirects < MAX_REDIRECTS => {
                self.redirects += 1;
                self.visited.push(target.clone());
                self.dialog.local_seq += 1;
                self.dialog.remote_party = format!("<{target}>");
                self.dialog.remote_target = target.clone();
                self.dialog.remote_tag = None;
                self.dialog.route_set = self.config.route.clone();
                self.events.push(CallEvent::Redirected {
                    target: target.clone(),
                    contacts,
                });
                self.set_state(CallState::Calling, "redirect");
                self.send_invite(now, target, None);
            }
            Some(_) => self.end(Some(status), "too many redirects", true),
            None if !contacts.is_empty() => self.end(Some(status), "redirect loop", true),
            None => self.end(Some(status), reason, true),
        }
    }

    pub(super) fn invite_client_timeout(&mut self, now: Instant) {
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
            if matches!(self.state, CallState::Calling | CallState::Proceeding)
                && !self.cancel_wanted
            {
                self.end(Some(408), "Request Timeout (no answer)", false);
            }
            // Afterwards nothing else waits on the INVITE.
            self.invite = None;
        }
        if self.cancel_deadline.is_some_and(|d| now >= d) {
            self.end(Some(408), "cancelled (no answer)", false);
        }
        if let Some(t) = &mut self.cancel {
            t.on_timeout(now);
            Self::drain(t, &mut self.transmits);
            if t.is_terminated() {
                self.cancel = None;
            }
        }
    }
}

/// The SIP URIs of a 3xx's Contact headers, highest `q` first (stable for equal `q`).
fn redirect_contacts(response: &Message) -> Vec<String> {
    let mut contacts: Vec<(u16, String)> = response
        .contacts()
        .unwrap_or_default()
        .iter()
        .filter_map(|c| {
            let uri = c.address()?.uri.to_string();
            let q = c.q().ok().flatten().unwrap_or(1000);
            Some((q, uri))
        })
        .filter(|(_, uri)| {
            let lower = uri.to_ascii_lowercase();
            lower.starts_with("sip:") || lower.starts_with("sips:") || lower.starts_with("tel:")
        })
        .collect();
    contacts.sort_by_key(|c| std::cmp::Reverse(c.0));
    contacts.into_iter().map(|(_, u)| u).collect()
}
