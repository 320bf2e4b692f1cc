//! Reliable provisional responses as UAC (RFC 3262): a provisional response with
//! `Require: 100rel` and `RSeq` is acknowledged with PRACK (its own non-INVITE client
//! transaction); retransmitted or out-of-order ones are dropped; SDP in a reliable one is the
//! answer to our offer.

use super::Call;
use crate::headers::{HeaderName, RSeq};
use crate::message::Message;
use crate::ua::transaction::ClientNonInvite;
use std::time::Instant;

#[derive(Debug, Default)]
pub(super) struct PrackState {
    /// The RSeq of the last reliable provisional response we acknowledged.
    last_rseq: Option<u32>,
    /// The SDP answer from a reliable provisional response (or the first early SDP).
    pub(super) early_answer: Option<Vec<u8>>,
    /// PRACK transactions in flight.
    pracks: Vec<ClientNonInvite>,
}

impl PrackState {
    /// A new INVITE (after a challenge or redirect) starts a new RSeq space.
    pub(super) fn reset(&mut self) {
        self.last_rseq = None;
        self.early_answer = None;
    }

    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        self.pracks
            .iter()
            .filter_map(ClientNonInvite::poll_timeout)
            .min()
    }
}

impl Call {
    /// Handles the reliability of a provisional response (status > 100). Returns `false`
    /// when it must not be processed (a retransmission, or out of order).
    pub(super) fn on_reliable_provisional(&mut self, now: Instant, response: &Message) -> bool {
        let reliable = super::lists(response, HeaderName::Require, "100rel");
        let rseq = response.get::<RSeq>().ok().flatten().map(|r| r.0);
        let body = response.body();
        let (true, Some(rseq)) = (reliable, rseq) else {
            if !body.is_empty() && self.prack.early_answer.is_none() {
                self.prack.early_answer = Some(body.to_vec());
            }
            return true;
        };
        if let Some(last) = self.prack.last_rseq {
            if rseq != last.wrapping_add(1) {
                tracing::debug!(rseq, last, "reliable provisional response dropped");
                return false;
            }
        }
        self.prack.last_rseq = Some(rseq);
        if !body.is_empty() {
            self.prack.early_answer = Some(body.to_vec());
        }
        let Ok(cseq) = response.cseq() else {
            return true;
        };
        self.dialog.local_seq += 1;
        let seq = self.dialog.local_seq;
        let rack = format!("RAck: {rseq} {} INVITE\r\n", cseq.seq);
        let (branch, bytes) = self.in_dialog("PRACK", seq, &rack, None);
        let t = self.start_transaction(now, branch, bytes);
        self.prack.pracks.push(t);
        true
    }

    pub(super) fn on_prack_response(&mut self, now: Instant, status: u16, branch: &str) {
        if let Some(t) = self.prack.pracks.iter_mut().find(|t| t.branch() == branch) {
            if t.on_response(now, status) && status >= 300 {
                tracing::info!(status, "PRACK refused");
            }
        }
    }

    pub(super) fn prack_timeout(&mut self, now: Instant) {
        for t in &mut self.prack.pracks {
            t.on_timeout(now);
            if Self::drain(t, &mut self.transmits) {
                tracing::info!("PRACK timed out");
            }
        }
        self.prack.pracks.retain(|t| !t.is_terminated());
    }
}
