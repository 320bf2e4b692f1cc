//! Keeping a flow to the server alive and noticing when it died (sans-IO: time in, actions
//! out).
//!
//! Every `interval` the account pings: `CRLF CRLF` on TCP/TLS (RFC 5626 §4.4.1; the server
//! answers `CRLF`), a WebSocket ping frame on WS/WSS, an OPTIONS request on UDP (any response
//! counts). No answer within `timeout` means the flow is dead: the account drops it and
//! registers again (on the next target when DNS gave several). OPTIONS over UDP is
//! retransmitted like a non-INVITE request (T1 = 500 ms, doubling) until the timeout.

use std::time::{Duration, Instant};

/// The first retransmission interval of an OPTIONS ping over UDP (RFC 3261 T1).
const T1: Duration = Duration::from_millis(500);

/// What to do now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeepAliveAction {
    /// Send a new ping (a new OPTIONS transaction on UDP).
    Ping,
    /// Send the last ping again (OPTIONS over UDP only).
    Retransmit,
    /// No answer in time: the flow is dead.
    Dead,
}

/// The keepalive timer of one flow.
#[derive(Clone, Debug)]
pub struct KeepAlive {
    interval: Duration,
    timeout: Duration,
    retransmit: bool,
    next_ping: Option<Instant>,
    deadline: Option<Instant>,
    next_retransmit: Option<Instant>,
    gap: Duration,
}

impl KeepAlive {
    /// A timer that pings every `interval` (never when zero), declares the flow dead after
    /// `timeout` without an answer, and retransmits (UDP) when `retransmit` is set.
    pub fn new(now: Instant, interval: Duration, timeout: Duration, retransmit: bool) -> Self {
        Self {
            interval,
            timeout: timeout.max(Duration::from_millis(100)),
            retransmit,
            next_ping: (!interval.is_zero()).then(|| now + interval),
            deadline: None,
            next_retransmit: None,
            gap: T1,
        }
    }

    /// Whether a ping is out and unanswered.
    pub fn is_waiting(&self) -> bool {
        self.deadline.is_some()
    }

    /// When [`KeepAlive::on_timeout`] wants to be called.
    pub fn poll_timeout(&self) -> Option<Instant> {
        [self.next_ping, self.deadline, self.next_retransmit]
            .into_iter()
            .flatten()
            .min()
    }

    /// Advances the clock; returns what to send or that the flow is dead.
    pub fn on_timeout(&mut self, now: Instant) -> Option<KeepAliveAction> {
        if let Some(deadline) = self.deadline {
            if now >= deadline {
                self.deadline = None;
                self.next_retransmit = None;
                self.next_ping = None;
                return Some(KeepAliveAction::Dead);
            }
            if let Some(at) = self.next_retransmit.filter(|at| now >= *at) {
                self.gap = (self.gap * 2).min(Duration::from_secs(4));
                let next = at + self.gap;
                self.next_retransmit = (next < deadline).then_some(next);
                return Some(KeepAliveAction::Retransmit);
            }
            return None;
        }
        if self.next_ping.is_some_and(|t| now >= t) {
            self.next_ping = None;
            self.deadline = Some(now + self.timeout);
            self.gap = T1;
            self.next_retransmit = self.retransmit.then(|| now + T1);
            return Some(KeepAliveAction::Ping);
        }
        None
    }

    /// The answer arrived: the flow is alive; the next ping is one interval away.
    pub fn on_pong(&mut self, now: Instant) {
        if self.deadline.take().is_some() {
            self.next_retransmit = None;
            self.next_ping = (!self.interval.is_zero()).then(|| now + self.interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(n: u64) -> Duration {
        Duration::from_secs(n)
    }

    #[test]
    fn pings_every_interval_while_answered() {
        let t0 = Instant::now();
        let mut k = KeepAlive::new(t0, s(30), s(10), false);
        assert_eq!(k.poll_timeout(), Some(t0 + s(30)));
        assert_eq!(k.on_timeout(t0 + s(29)), None);
        assert_eq!(k.on_timeout(t0 + s(30)), Some(KeepAliveAction::Ping));
        assert!(k.is_waiting());
        assert_eq!(k.poll_timeout(), Some(t0 + s(40)));
        k.on_pong(t0 + s(31));
        assert!(!k.is_waiting());
        assert_eq!(k.poll_timeout(), Some(t0 + s(61)));
        // a stray pong when none is awaited changes nothing
        k.on_pong(t0 + s(45));
        assert_eq!(k.poll_timeout(), Some(t0 + s(61)));
    }

    #[test]
    fn a_missing_pong_is_a_dead_flow() {
        let t0 = Instant::now();
        let mut k = KeepAlive::new(t0, s(30), s(10), false);
        assert_eq!(k.on_timeout(t0 + s(30)), Some(KeepAliveAction::Ping));
        assert_eq!(k.on_timeout(t0 + s(39)), None);
        assert_eq!(k.on_timeout(t0 + s(40)), Some(KeepAliveAction::Dead));
        assert_eq!(k.poll_timeout(), None);
    }

    #[test]
    fn udp_options_are_retransmitted_until_the_timeout() {
        let t0 = Instant::now();
        let mut k = KeepAlive::new(t0, s(30), s(10), true);
        assert_eq!(k.on_timeout(t0 + s(30)), Some(KeepAliveAction::Ping));
        let mut at = Vec::new();
        let mut now = t0 + s(30);
        while let Some(next) = k.poll_timeout() {
            now = next;
            match k.on_timeout(now) {
                Some(KeepAliveAction::Retransmit) => at.push(now - t0 - s(30)),
                Some(KeepAliveAction::Dead) => break,
                other => panic!("{other:?}"),
            }
        }
        let ms: Vec<u128> = at.iter().map(Duration::as_millis).collect();
        assert_eq!(ms, [500, 1500, 3500, 7500]);
        assert_eq!(now, t0 + s(40));
    }

    #[test]
    fn zero_interval_never_pings() {
        let t0 = Instant::now();
        let mut k = KeepAlive::new(t0, Duration::ZERO, s(10), true);
        assert_eq!(k.poll_timeout(), None);
        assert_eq!(k.on_timeout(t0 + s(1000)), None);
    }
}
