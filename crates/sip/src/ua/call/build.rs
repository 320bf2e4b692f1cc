//! Building the call's messages: the INVITE, in-dialog requests, and responses.

use super::{strip_tag, Call};
use crate::headers::HeaderName;
use crate::message::Message;
use crate::method::Method;
use std::fmt::Write as _;

/// The methods we accept inside a dialog.
pub(super) const ALLOW: &str = "INVITE,ACK,CANCEL,BYE,OPTIONS,INFO,UPDATE,PRACK";

pub(super) fn name_addr(display: Option<&str>, uri: &str) -> String {
    match display {
        Some(d) if !d.is_empty() => {
            format!("\"{}\" <{uri}>", d.replace(['"', '\\', '\r', '\n'], ""))
        }
        _ => format!("<{uri}>"),
    }
}

/// A message body and its type.
pub(super) type Body<'a> = Option<(&'a str, &'a [u8])>;

/// An SDP body, when there is one.
pub(super) fn sdp(body: Option<&[u8]>) -> Body<'_> {
    body.filter(|b| !b.is_empty())
        .map(|b| ("application/sdp", b))
}

impl Call {
    pub(super) fn via(&mut self) -> (String, String) {
        let branch = format!("z9hG4bK{}", self.rng.token(20));
        let via = format!(
            "Via: SIP/2.0/{} {};branch={branch};rport\r\n",
            self.config.via_transport, self.config.via_sent_by
        );
        (branch, via)
    }

    pub(super) fn push_routes(s: &mut String, routes: &[String]) {
        for r in routes {
            let _ = write!(s, "Route: {r}\r\n");
        }
    }

    pub(super) fn common_tail(&self, s: &mut String, body: Body<'_>) {
        let _ = write!(s, "User-Agent: {}\r\n", self.config.user_agent);
        match body {
            Some((ct, b)) if !b.is_empty() => {
                let _ = write!(
                    s,
                    "Content-Type: {ct}\r\nContent-Length: {}\r\n\r\n",
                    b.len()
                );
            }
            _ => s.push_str("Content-Length: 0\r\n\r\n"),
        }
    }

    pub(super) fn finish(head: String, body: Body<'_>) -> Vec<u8> {
        let mut bytes = head.into_bytes();
        if let Some((_, b)) = body {
            bytes.extend_from_slice(b);
        }
        bytes
    }

    pub(super) fn build_invite(
        &mut self,
        branch_via: &(String, String),
        request_uri: &str,
        auth: Option<(HeaderName, String)>,
    ) -> Vec<u8> {
        let d = &self.dialog;
        let mut s = String::with_capacity(1000);
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
        let _ = write!(s, "Allow: {ALLOW}\r\nSupported: 100rel,timer,replaces\r\n");
        s.push_str(&self.timer.invite_headers());
        for (n, v) in &self.config.custom_headers {
            let _ = write!(s, "{n}: {v}\r\n");
        }
        if let Some((h, v)) = auth {
            let _ = write!(s, "{}: {v}\r\n", h.as_str());
        }
        let body = self.local_sdp.clone();
        self.common_tail(&mut s, sdp(body.as_deref()));
        Self::finish(s, sdp(body.as_deref()))
    }

    /// An in-dialog request (ACK for 2xx, BYE, re-INVITE, UPDATE, PRACK, INFO) with a new
    /// branch; `extra` is zero or more complete header lines.
    pub(super) fn in_dialog(
        &mut self,
        method: &str,
        seq: u32,
        extra: &str,
        body: Body<'_>,
    ) -> (String, Vec<u8>) {
        let (branch, via) = self.via();
        let d = &self.dialog;
        let mut s = String::with_capacity(700);
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
        if matches!(method, "ACK" | "INVITE" | "UPDATE") {
            let _ = write!(s, "Contact: <{}>\r\n", self.config.contact);
        }
        if matches!(method, "INVITE" | "UPDATE") {
            let _ = write!(s, "Allow: {ALLOW}\r\nSupported: timer\r\n");
        }
        s.push_str(extra);
        self.common_tail(&mut s, body);
        (branch, Self::finish(s, body))
    }

    /// A response to the incoming initial INVITE.
    pub(super) fn response(
        &self,
        code: u16,
        reason: &str,
        body: Option<&[u8]>,
        contact: bool,
        extra: &[(HeaderName, String)],
    ) -> Vec<u8> {
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
            r.push_header(HeaderName::Allow, ALLOW);
        }
        for (n, v) in extra {
            r.push_header(*n, v);
        }
        r.push_header(HeaderName::UserAgent, &self.config.user_agent);
        if let Some(b) = body.filter(|b| !b.is_empty()) {
            r.set_body(Some("application/sdp"), b.to_vec());
        }
        r.to_bytes()
    }

    /// A response to a request within the dialog (BYE, INFO, CANCEL, re-INVITE, UPDATE…).
    pub(super) fn in_dialog_response(
        &self,
        request: &Message,
        code: u16,
        reason: &str,
        body: Option<&[u8]>,
        extra: &[(HeaderName, String)],
    ) -> Vec<u8> {
        let mut r = Message::response_to(request, code, reason);
        if let Ok(mut to) = request.to() {
            if to.0.tag().is_none() {
                to.0.set_tag(&self.dialog.local_tag);
                r.set_typed(&to);
            }
        }
        if matches!(request.method(), Some(Method::Invite | Method::Update)) && code < 300 {
            r.push_header(HeaderName::Contact, &format!("<{}>", self.config.contact));
            r.push_header(HeaderName::Allow, ALLOW);
        }
        for (n, v) in extra {
            r.push_header(*n, v);
        }
        if let Some(b) = body.filter(|b| !b.is_empty()) {
            r.set_body(Some("application/sdp"), b.to_vec());
        }
        r.to_bytes()
    }

    /// Answers a non-INVITE request within the dialog and remembers the answer for
    /// retransmissions of the request.
    pub(super) fn reply(
        &mut self,
        request: &Message,
        code: u16,
        reason: &str,
        body: Option<&[u8]>,
    ) {
        self.reply_with(request, code, reason, body, &[]);
    }

    pub(super) fn reply_with(
        &mut self,
        request: &Message,
        code: u16,
        reason: &str,
        body: Option<&[u8]>,
        extra: &[(HeaderName, String)],
    ) {
        let bytes = self.in_dialog_response(request, code, reason, body, extra);
        self.remember_answer(request, &bytes);
        self.transmits.push(bytes);
    }
}
