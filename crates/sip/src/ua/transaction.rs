//! Client transactions (RFC 3261 §17.1).
//!
//! Non-INVITE client transaction, RFC 3261 Figure 6:
//!
//! ```text
//!                     |Request from TU / send request; Timer F; Timer E (unreliable)
//!                     V
//!   Timer E      +-----------+
//!   send request |  Trying   |-------------+ Timer F or transport error: inform TU
//!   +------------|           |             |
//!   |            +-----------+             |
//!   |  1xx: inform TU |  200-699: inform TU|
//!   |                 V                    |
//!   |  Timer E   +-----------+             |
//!   |  send req  | Proceeding|-------------+
//!   |            +-----------+             |
//!   |  200-699: inform TU |                |
//!   |                     V                |
//!   |            +-----------+ Timer K     |
//!   |            | Completed |-------------+--> Terminated
//!   |            +-----------+
//! ```
//!
//! Timer E starts at T1 and doubles up to T2 (it stays at T2 in Proceeding); timer F is 64·T1;
//! timer K is T4 on unreliable transports and zero on reliable ones.

use std::time::{Duration, Instant};

/// The RFC 3261 timer values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TimerConfig {
    /// Round-trip estimate (500 ms).
    pub t1: Duration,
    /// Longest retransmission interval for non-INVITE requests (4 s).
    pub t2: Duration,
    /// How long a message may stay in the network (5 s).
    pub t4: Duration,
}

impl Default for TimerConfig {
    fn default() -> Self {
        Self {
            t1: Duration::from_millis(500),
            t2: Duration::from_secs(4),
            t4: Duration::from_secs(5),
        }
    }
}

/// The states of a non-INVITE client transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NonInviteState {
    /// Request sent, nothing heard.
    Trying,
    /// A provisional response arrived.
    Proceeding,
    /// A final response arrived; absorbing retransmissions until timer K.
    Completed,
    /// Over.
    Terminated,
}

/// What a transaction asks its owner to do.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TransactionOutput {
    /// Send these bytes (the request, or its retransmission).
    Transmit(Vec<u8>),
    /// Timer F fired before a final response: the request timed out (408 for the TU).
    TimedOut,
}

/// A non-INVITE client transaction.
#[derive(Debug)]
pub struct ClientNonInvite {
    branch: String,
    request: Vec<u8>,
    reliable: bool,
    timers: TimerConfig,
    state: NonInviteState,
    interval: Duration,
    timer_e: Option<Instant>,
    timer_f: Option<Instant>,
    timer_k: Option<Instant>,
    pending: Vec<TransactionOutput>,
}

impl ClientNonInvite {
    /// Starts the transaction: the request is queued for sending at once.
    pub fn start(
        now: Instant,
        branch: String,
        request: Vec<u8>,
        reliable: bool,
        timers: TimerConfig,
    ) -> Self {
        let timer_e = (!reliable).then(|| now + timers.t1);
        Self {
            branch,
            pending: vec![TransactionOutput::Transmit(request.clone())],
            request,
            reliable,
            timers,
            state: NonInviteState::Trying,
            interval: timers.t1,
            timer_e,
            timer_f: Some(now + timers.t1 * 64),
            timer_k: None,
        }
    }

    /// The Via branch that identifies this transaction.
    pub fn branch(&self) -> &str {
        &self.branch
    }

    /// The current state.
    pub fn state(&self) -> NonInviteState {
        self.state
    }

    fn set_state(&mut self, new: NonInviteState, reason: &str) {
        tracing::trace!(branch = %self.branch, old = ?self.state, new = ?new, reason, "transaction");
        self.state = new;
    }

    /// A response with this transaction's branch arrived. Returns `true` when the TU should
    /// see it (the first final response and every provisional one before it); retransmitted
    /// finals are absorbed.
    pub fn on_response(&mut self, now: Instant, status: u16) -> bool {
        match (self.state, status) {
            (NonInviteState::Trying | NonInviteState::Proceeding, 100..=199) => {
                self.set_state(NonInviteState::Proceeding, "provisional");
                true
            }
            (NonInviteState::Trying | NonInviteState::Proceeding, _) => {
                self.timer_e = None;
                self.timer_f = None;
                self.timer_k = Some(if self.reliable {
                    now
                } else {
                    now + self.timers.t4
                });
                self.set_state(NonInviteState::Completed, "final response");
                true
            }
            _ => false,
        }
    }

    /// The transport failed: the transaction ends (the TU treats it like a 503).
    pub fn on_transport_error(&mut self) {
        self.timer_e = None;
        self.timer_f = None;
        self.timer_k = None;
        self.set_state(NonInviteState::Terminated, "transport error");
    }

    /// Fires whatever timers are due at `now`.
    pub fn on_timeout(&mut self, now: Instant) {
        if self.timer_f.is_some_and(|t| now >= t) {
            self.timer_e = None;
            self.timer_f = None;
            self.set_state(NonInviteState::Terminated, "timer F");
            self.pending.push(TransactionOutput::TimedOut);
            return;
        }
        if self.timer_e.is_some_and(|t| now >= t) {
            self.pending
                .push(TransactionOutput::Transmit(self.request.clone()));
            self.interval = if self.state == NonInviteState::Proceeding {
                self.timers.t2
            } else {
                (self.interval * 2).min(self.timers.t2)
            };
            self.timer_e = Some(now + self.interval);
        }
        if self.timer_k.is_some_and(|t| now >= t) {
            self.timer_k = None;
            self.set_state(NonInviteState::Terminated, "timer K");
        }
    }

    /// The next output, if any.
    pub fn poll_output(&mut self) -> Option<TransactionOutput> {
        if self.pending.is_empty() {
            None
        } else {
            Some(self.pending.remove(0))
        }
    }

    /// When [`ClientNonInvite::on_timeout`] should be called next.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.timer_e, self.timer_f, self.timer_k]
            .into_iter()
            .flatten()
            .min()
    }

    /// Whether the transaction is over and can be dropped.
    pub fn is_terminated(&self) -> bool {
        self.state == NonInviteState::Terminated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn drain(t: &mut ClientNonInvite) -> Vec<TransactionOutput> {
        std::iter::from_fn(|| t.poll_output()).collect()
    }

    #[test]
    fn unreliable_retransmits_with_doubling_up_to_t2_then_times_out() {
        let t0 = Instant::now();
        let mut t = ClientNonInvite::start(
            t0,
            "z9hG4bK1".into(),
            b"REQ".to_vec(),
            false,
            TimerConfig::default(),
        );
        assert_eq!(drain(&mut t).len(), 1);
        let mut sends = vec![];
        let mut now = t0;
        while !t.is_terminated() {
            now = t.poll_timeout().unwrap();
            t.on_timeout(now);
            for o in drain(&mut t) {
                match o {
                    TransactionOutput::Transmit(_) => sends.push((now - t0).as_millis()),
                    TransactionOutput::TimedOut => assert_eq!((now - t0).as_secs(), 32),
                }
            }
        }
        assert_eq!(&sends[..6], &[500, 1500, 3500, 7500, 11500, 15500]);
        assert_eq!(sends.len(), 10, "{sends:?}");
        assert_eq!((now - t0).as_secs(), 32);
    }

    #[test]
    fn final_response_completes_and_absorbs_retransmissions() {
        let t0 = Instant::now();
        let mut t = ClientNonInvite::start(
            t0,
            "b".into(),
            b"REQ".to_vec(),
            false,
            TimerConfig::default(),
        );
        drain(&mut t);
        assert!(t.on_response(t0, 100));
        assert_eq!(t.state(), NonInviteState::Proceeding);
        assert!(t.on_response(t0, 401));
        assert!(!t.on_response(t0, 401), "retransmitted final is absorbed");
        assert_eq!(t.state(), NonInviteState::Completed);
        assert_eq!(t.poll_timeout(), Some(t0 + Duration::from_secs(5)));
        t.on_timeout(t0 + Duration::from_secs(5));
        assert!(t.is_terminated());
        assert!(drain(&mut t).is_empty());
    }

    #[test]
    fn reliable_sends_once_and_completes_at_once() {
        let t0 = Instant::now();
        let mut t = ClientNonInvite::start(
            t0,
            "b".into(),
            b"REQ".to_vec(),
            true,
            TimerConfig::default(),
        );
        assert_eq!(drain(&mut t).len(), 1);
        assert_eq!(t.poll_timeout(), Some(t0 + Duration::from_secs(32)));
        assert!(t.on_response(t0, 200));
        t.on_timeout(t0);
        assert!(t.is_terminated());
    }
}
