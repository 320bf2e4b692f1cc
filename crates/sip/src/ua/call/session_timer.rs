//! Session timers (RFC 4028): the interval and refresher negotiated in the INVITE's 2xx (and
//! renewed by every re-INVITE/UPDATE 2xx), refreshes at half the interval by the refresher
//! (UPDATE when the peer allows it, else re-INVITE), and a BYE when the session expires
//! unrefreshed (at expiry minus min(32 s, interval/3)).

use super::{Call, CallConfig, CallState, ModifyKind};
use crate::headers::{HeaderName, MinSe, SessionExpires};
use crate::message::Message;
use std::time::{Duration, Instant};

/// RFC 4028's floor for Min-SE.
const FLOOR: u32 = 90;
/// How many 422s in a row are followed.
const MAX_422: u32 = 2;

#[derive(Debug, Clone)]
pub(super) struct SessionTimer {
    /// The interval we ask for; `None` when timers are off.
    wanted: Option<u32>,
    /// Our Min-SE (raised by 422).
    min_se: u32,
    /// The negotiated interval, while a timer runs.
    interval: Option<u32>,
    we_refresh: bool,
    refresh_at: Option<Instant>,
    expire_at: Option<Instant>,
    raised: u32,
}

fn supports_timer(m: &Message) -> bool {
    super::lists(m, HeaderName::Supported, "timer") || super::lists(m, HeaderName::Require, "timer")
}

impl SessionTimer {
    pub(super) fn new(config: &CallConfig) -> Self {
        let min_se = config.min_se.max(FLOOR);
        Self {
            wanted: config.session_expires.map(|s| s.max(min_se)),
            min_se,
            interval: None,
            we_refresh: false,
            refresh_at: None,
            expire_at: None,
            raised: 0,
        }
    }

    fn start(&mut self, now: Instant, interval: u32, we_refresh: bool) {
        let interval = interval.max(FLOOR);
        self.interval = Some(interval);
        self.we_refresh = we_refresh;
        let secs = |s: u32| Duration::from_secs(u64::from(s));
        self.refresh_at = we_refresh.then(|| now + secs(interval / 2));
        self.expire_at = Some(now + secs(interval - (interval / 3).min(32)));
    }

    pub(super) fn stop(&mut self) {
        self.interval = None;
        self.refresh_at = None;
        self.expire_at = None;
    }

    pub(super) fn active(&self) -> Option<(Duration, bool)> {
        self.interval
            .map(|i| (Duration::from_secs(u64::from(i)), self.we_refresh))
    }

    pub(super) fn poll_timeout(&self) -> Option<Instant> {
        [self.refresh_at, self.expire_at]
            .into_iter()
            .flatten()
            .min()
    }

    /// Headers for our initial INVITE.
    pub(super) fn invite_headers(&self) -> String {
        match self.wanted {
            Some(se) => format!("Session-Expires: {se}\r\nMin-SE: {}\r\n", self.min_se),
            None => String::new(),
        }
    }

    /// Headers for a re-INVITE or UPDATE we send while a timer runs (we are its UAC).
    pub(super) fn refresh_headers(&self) -> String {
        match self.interval {
            Some(i) => format!(
                "Session-Expires: {i};refresher={}\r\nMin-SE: {}\r\n",
                if self.we_refresh { "uac" } else { "uas" },
                self.min_se
            ),
            None => String::new(),
        }
    }

    /// A 422 asked for at least `min` seconds: `true` when the request should be retried.
    pub(super) fn raise_min_se(&mut self, min: u32) -> bool {
        if self.raised >= MAX_422 || min <= self.wanted.unwrap_or(0) || min > 86_400 {
            return false;
        }
        self.raised += 1;
        self.min_se = self.min_se.max(min);
        self.wanted = Some(min);
        true
    }

    /// The 2xx to a request we sent (the INVITE, a re-INVITE or an UPDATE): `refresher=uac`
    /// (or none: a proxy added the header for a UAS without timer support) makes us the
    /// refresher.
    pub(super) fn on_2xx_to_our_request(&mut self, now: Instant, response: &Message) {
        match response.get::<SessionExpires>().ok().flatten() {
            Some(se) => {
                let we = !se
                    .refresher()
                    .is_some_and(|r| r.eq_ignore_ascii_case("uas"));
                self.start(now, se.delta, we);
            }
            // A refresh the peer answered without the header: keep refreshing if we did.
            None => match self.interval {
                Some(i) if self.we_refresh => self.start(now, i, true),
                _ => self.stop(),
            },
        }
    }

    /// An INVITE whose Session-Expires is below our Min-SE: the Min-SE to answer 422 with.
    pub(super) fn too_small(&self, invite: &Message) -> Option<u32> {
        let se = invite.get::<SessionExpires>().ok().flatten()?;
        (se.delta < self.min_se).then_some(self.min_se)
    }

    /// Negotiates the timer for a request we answer with 2xx (the initial INVITE, a
    /// re-INVITE or an UPDATE); returns the headers for the response.
    pub(super) fn on_request_answered(
        &mut self,
        now: Instant,
        request: &Message,
        initial: bool,
    ) -> Vec<(HeaderName, String)> {
        let supports = supports_timer(request);
        let their_min = request
            .get::<MinSe>()
            .ok()
            .flatten()
            .map_or(FLOOR, |m| m.delta);
        let asked = request.get::<SessionExpires>().ok().flatten();
        let (interval, refresher) = match &asked {
            Some(se) => {
                let mut i = se.delta;
                if let Some(w) = self.wanted {
                    i = i.min(w.max(their_min));
                }
                let r = se
                    .refresher()
                    .map(str::to_ascii_lowercase)
                    .unwrap_or_else(|| if supports { "uac" } else { "uas" }.into());
                (i.max(their_min).max(FLOOR), r)
            }
            None if initial => match self.wanted {
                Some(w) => (
                    w.max(their_min),
                    if supports { "uac" } else { "uas" }.to_string(),
                ),
                None => return Vec::new(),
            },
            // A re-INVITE/UPDATE without the header: the running timer is refreshed as is.
            None => match self.interval {
                Some(i) => (i, if self.we_refresh { "uas" } else { "uac" }.to_string()),
                None => return Vec::new(),
            },
        };
        let refresher = if refresher == "uas" { "uas" } else { "uac" };
        self.start(now, interval, refresher == "uas");
        let mut headers = vec![(
            HeaderName::SessionExpires,
            format!("{interval};refresher={refresher}"),
        )];
        if supports {
            headers.push((HeaderName::Require, "timer".into()));
        }
        headers
    }
}

impl Call {
    pub(super) fn session_timer_timeout(&mut self, now: Instant) {
        if self.state != CallState::Confirmed {
            return;
        }
        if self.timer.expire_at.is_some_and(|t| now >= t) {
            self.timer.stop();
            tracing::info!(call_id = %self.dialog.call_id, "session expired without refresh");
            self.send_bye(now, "session expired");
            return;
        }
        if self.timer.refresh_at.is_some_and(|t| now >= t) {
            self.timer.refresh_at = None;
            if self.modify.is_busy() {
                // A re-INVITE or UPDATE is in flight or due: its 2xx refreshes the session.
                return;
            }
            if self.peer_allows_update {
                self.start_modify(now, ModifyKind::Update, None, true);
            } else {
                let sdp = self.local_sdp.clone();
                self.start_modify(now, ModifyKind::Invite, sdp, true);
            }
        }
    }
}
