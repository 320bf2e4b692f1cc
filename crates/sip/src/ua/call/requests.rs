//! Non-INVITE requests in the dialog: BYE (both ways), INFO (DTMF both ways), and absorbing
//! retransmitted requests we already answered.

use super::{Call, CallEvent, CallState};
use crate::headers::HeaderName;
use crate::message::Message;
use crate::method::Method;
use std::time::Instant;

/// How many answered non-INVITE requests are remembered for retransmissions.
const ANSWERED_KEPT: usize = 16;

/// A DTMF digit carried by INFO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DtmfInfo {
    /// `0`–`9`, `*`, `#`, `A`–`D`.
    pub digit: char,
    /// Duration in milliseconds, when given.
    pub duration_ms: Option<u32>,
}

fn dtmf_digit(s: &str) -> Option<char> {
    let s = s.trim();
    let mut chars = s.chars();
    let c = chars.next()?;
    if chars.next().is_none() {
        let c = c.to_ascii_uppercase();
        return (c.is_ascii_digit() || "*#ABCD".contains(c)).then_some(c);
    }
    // Event codes (RFC 4733 numbering) some devices send: 10 = *, 11 = #, 12–15 = A–D.
    match s.parse::<u8>().ok()? {
        10 => Some('*'),
        11 => Some('#'),
        n @ 12..=15 => Some(char::from(b'A' + n - 12)),
        _ => None,
    }
}

/// Reads a DTMF INFO body: `application/dtmf-relay` (`Signal=5` and `Duration=160` lines)
/// or `application/dtmf` (the digit alone). `None` for other types or an unreadable body.
pub fn parse_dtmf_info(content_type: &str, body: &[u8]) -> Option<DtmfInfo> {
    let ct = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let text = std::str::from_utf8(body).ok()?;
    match ct.as_str() {
        "application/dtmf-relay" => {
            let mut digit = None;
            let mut duration_ms = None;
            for line in text.lines() {
                let Some((k, v)) = line.split_once('=') else {
                    continue;
                };
                match k.trim().to_ascii_lowercase().as_str() {
                    "signal" => digit = dtmf_digit(v),
                    "duration" => duration_ms = v.trim().parse().ok(),
                    _ => {}
                }
            }
            Some(DtmfInfo {
                digit: digit?,
                duration_ms,
            })
        }
        "application/dtmf" => Some(DtmfInfo {
            digit: dtmf_digit(text)?,
            duration_ms: None,
        }),
        _ => None,
    }
}

impl Call {
    pub(super) fn send_bye(&mut self, now: Instant, why: &str) {
        self.dialog.local_seq += 1;
        let seq = self.dialog.local_seq;
        let (branch, bytes) = self.in_dialog("BYE", seq, "", None);
        let t = self.start_transaction(now, branch, bytes);
        self.bye = Some(t);
        self.bye_reason = why.to_string();
        if self.sent_final.as_ref().is_some_and(|f| f.success) {
            self.sent_final = None;
        }
        self.timer.stop();
        self.modify.clear();
        self.set_state(CallState::Terminating, why);
    }

    /// Sends an INFO in the confirmed dialog (DTMF by `application/dtmf-relay`, for
    /// example). INFO requests go one at a time, in order. `false` when the call is not
    /// confirmed.
    pub fn send_info(&mut self, now: Instant, content_type: &str, body: Vec<u8>) -> bool {
        if self.state != CallState::Confirmed {
            return false;
        }
        self.info_queue.push_back((content_type.to_string(), body));
        self.next_info(now);
        true
    }

    /// Sends one DTMF digit by INFO (`application/dtmf-relay`).
    pub fn send_dtmf_info(&mut self, now: Instant, digit: char, duration_ms: u32) -> bool {
        let body = format!("Signal={digit}\r\nDuration={duration_ms}\r\n");
        self.send_info(now, "application/dtmf-relay", body.into_bytes())
    }

    fn next_info(&mut self, now: Instant) {
        if self.info.is_some() || self.state != CallState::Confirmed {
            return;
        }
        let Some((ct, body)) = self.info_queue.pop_front() else {
            return;
        };
        self.dialog.local_seq += 1;
        let seq = self.dialog.local_seq;
        let (branch, bytes) = self.in_dialog("INFO", seq, "", Some((&ct, &body)));
        let t = self.start_transaction(now, branch, bytes);
        self.info = Some(t);
    }

    pub(super) fn on_info_response(&mut self, now: Instant, status: u16, branch: &str) {
        let Some(t) = &mut self.info else {
            return;
        };
        if t.branch() != branch || !t.on_response(now, status) || status < 200 {
            return;
        }
        if matches!(status, 408 | 481) {
            self.send_bye(now, "dialog gone (INFO)");
            return;
        }
        if status >= 300 {
            tracing::info!(status, "INFO refused");
        }
        self.info = None;
        self.next_info(now);
    }

    pub(super) fn on_info_request(&mut self, request: &Message) {
        self.reply(request, 200, "OK", None);
        let content_type = request
            .value(HeaderName::ContentType)
            .unwrap_or_default()
            .to_string();
        let body = request.body();
        match parse_dtmf_info(&content_type, body) {
            Some(d) => self.events.push(CallEvent::Dtmf {
                digit: d.digit,
                duration_ms: d.duration_ms,
            }),
            None => self.events.push(CallEvent::Info {
                content_type,
                body: body.to_vec(),
            }),
        }
    }

    pub(super) fn remember_answer(&mut self, request: &Message, response: &[u8]) {
        let Some(method) = request.method().cloned() else {
            return;
        };
        if matches!(method, Method::Invite | Method::Ack) {
            return;
        }
        let Some(branch) = request
            .top_via()
            .ok()
            .and_then(|v| v.branch().map(str::to_string))
        else {
            return;
        };
        if self.answered.len() >= ANSWERED_KEPT {
            self.answered.pop_front();
        }
        self.answered.push_back((branch, method, response.to_vec()));
    }

    /// A non-INVITE request we already answered: repeat the answer, do not act again.
    pub(super) fn absorb_retransmission(&mut self, request: &Message, method: &Method) -> bool {
        if matches!(method, Method::Invite | Method::Ack) {
            return false;
        }
        let Some(branch) = request
            .top_via()
            .ok()
            .and_then(|v| v.branch().map(str::to_string))
        else {
            return false;
        };
        let found = self
            .answered
            .iter()
            .find(|(b, m, _)| *b == branch && m == method)
            .map(|(_, _, r)| r.clone());
        match found {
            Some(r) => {
                self.transmits.push(r);
                true
            }
            // An UPDATE still waiting for the engine's answer: nothing to repeat yet.
            None => self.modify.is_pending_update(&branch),
        }
    }

    pub(super) fn requests_timeout(&mut self, now: Instant) {
        let mut bye_timed_out = false;
        if let Some(t) = &mut self.bye {
            t.on_timeout(now);
            bye_timed_out = Self::drain(t, &mut self.transmits);
            if t.is_terminated() {
                self.bye = None;
            }
        }
        if bye_timed_out && self.state == CallState::Terminating {
            let reason = format!("{} (no answer to BYE)", self.bye_reason);
            self.end(Some(408), reason, false);
        }
        let mut info_timed_out = false;
        if let Some(t) = &mut self.info {
            t.on_timeout(now);
            info_timed_out = Self::drain(t, &mut self.transmits);
            if t.is_terminated() {
                self.info = None;
            }
        }
        if info_timed_out && self.state == CallState::Confirmed {
            self.send_bye(now, "dialog gone (INFO timed out)");
        } else if self.info.is_none() {
            self.next_info(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dtmf_bodies() {
        assert_eq!(
            parse_dtmf_info("application/dtmf-relay", b"Signal=5\r\nDuration=160\r\n"),
            Some(DtmfInfo {
                digit: '5',
                duration_ms: Some(160)
            })
        );
        assert_eq!(
            parse_dtmf_info("Application/DTMF-Relay", b"signal= #\nduration=100"),
            Some(DtmfInfo {
                digit: '#',
                duration_ms: Some(100)
            })
        );
        assert_eq!(
            parse_dtmf_info("application/dtmf", b"11"),
            Some(DtmfInfo {
                digit: '#',
                duration_ms: None
            })
        );
        assert_eq!(parse_dtmf_info("application/dtmf", b"x"), None);
        assert_eq!(parse_dtmf_info("text/plain", b"5"), None);
        assert_eq!(
            parse_dtmf_info("application/dtmf-relay", b"Duration=1"),
            None
        );
    }
}
