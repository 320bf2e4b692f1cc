//! Follows the engine's call events for the desktop side: which incoming calls ring (for the
//! notification), which were missed (for the badge and the missed-call notification), and the
//! current call's mute state (for the tray).

use softphone_engine::{CallId, CallState, Event, Party};
use std::collections::BTreeMap;

/// What the desktop should do after an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallNotice {
    /// Show the incoming-call notification (Answer / Decline).
    Ringing {
        /// The call.
        call_id: CallId,
        /// Who calls, as shown to the user.
        caller: String,
    },
    /// An incoming call stopped ringing (answered, declined, ended): close its notification.
    StopRinging {
        /// The call.
        call_id: CallId,
    },
    /// An incoming call stopped ringing without being answered here.
    Missed {
        /// The call.
        call_id: CallId,
        /// Who called.
        caller: String,
    },
    /// Something the tray shows changed (mute, calls).
    TrayChanged,
}

#[derive(Clone, Debug)]
struct Tracked {
    caller: Option<String>,
    answered: bool,
    declined: bool,
    muted: bool,
    state: CallState,
}

/// The call bookkeeping of the desktop shell.
#[derive(Clone, Debug, Default)]
pub struct CallTracker {
    calls: BTreeMap<CallId, Tracked>,
    missed: u32,
}

/// How a caller is shown: the display name when given, else the URI without `sip:`.
pub fn caller_label(remote: &Party) -> String {
    match &remote.display_name {
        Some(name) if !name.trim().is_empty() => name.trim().to_string(),
        _ => remote
            .uri
            .trim_start_matches("sips:")
            .trim_start_matches("sip:")
            .to_string(),
    }
}

impl CallTracker {
    /// Notes that the user declined a call here (so it does not count as missed).
    pub fn declined(&mut self, call_id: &CallId) {
        if let Some(c) = self.calls.get_mut(call_id) {
            c.declined = true;
        }
    }

    /// Missed calls since the last [`CallTracker::clear_missed`].
    pub fn missed(&self) -> u32 {
        self.missed
    }

    /// The user has seen the missed calls.
    pub fn clear_missed(&mut self) {
        self.missed = 0;
    }

    /// The mute state of the call in progress, `None` without one.
    pub fn current_mute(&self) -> Option<bool> {
        self.calls
            .values()
            .find(|c| matches!(c.state, CallState::Active | CallState::Held))
            .map(|c| c.muted)
    }

    /// The call in progress (active or held).
    pub fn current_call(&self) -> Option<CallId> {
        self.calls
            .iter()
            .find(|(_, c)| c.state == CallState::Active)
            .or_else(|| self.calls.iter().find(|(_, c)| c.state == CallState::Held))
            .map(|(id, _)| id.clone())
    }

    /// Feeds one engine event.
    pub fn on_event(&mut self, event: &Event) -> Vec<CallNotice> {
        match event {
            Event::IncomingCall {
                call_id, remote, ..
            } => {
                let caller = caller_label(remote);
                let entry = self.calls.entry(call_id.clone()).or_insert(Tracked {
                    caller: None,
                    answered: false,
                    declined: false,
                    muted: false,
                    state: CallState::Incoming,
                });
                entry.caller = Some(caller.clone());
                vec![CallNotice::Ringing {
                    call_id: call_id.clone(),
                    caller,
                }]
            }
            Event::CallStateChanged { call_id, state, .. } => {
                let entry = self.calls.entry(call_id.clone()).or_insert(Tracked {
                    caller: None,
                    answered: false,
                    declined: false,
                    muted: false,
                    state: *state,
                });
                let was_ringing = entry.state == CallState::Incoming && entry.caller.is_some();
                entry.state = *state;
                if matches!(state, CallState::Active | CallState::Held) {
                    entry.answered = true;
                }
                let mut notices = Vec::new();
                if was_ringing && *state != CallState::Incoming {
                    notices.push(CallNotice::StopRinging {
                        call_id: call_id.clone(),
                    });
                }
                if *state == CallState::Ended {
                    let gone = self.calls.remove(call_id);
                    if let Some(Tracked {
                        caller: Some(caller),
                        answered: false,
                        declined: false,
                        ..
                    }) = gone
                    {
                        self.missed += 1;
                        notices.push(CallNotice::Missed {
                            call_id: call_id.clone(),
                            caller,
                        });
                    }
                }
                notices.push(CallNotice::TrayChanged);
                notices
            }
            Event::CallFlagsChanged { call_id, muted, .. } => {
                if let Some(c) = self.calls.get_mut(call_id) {
                    c.muted = *muted;
                }
                vec![CallNotice::TrayChanged]
            }
            Event::AccountStateChanged { .. }
            | Event::AccountChanged { .. }
            | Event::DoNotDisturbChanged { .. } => vec![CallNotice::TrayChanged],
            _ => vec![],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use softphone_engine::AccountId;

    fn incoming(id: &str) -> Event {
        Event::IncomingCall {
            call_id: CallId(id.into()),
            account_id: AccountId("work".into()),
            remote: Party {
                uri: "sip:bob@example.com".into(),
                display_name: Some("Bob".into()),
            },
        }
    }

    fn state(id: &str, state: CallState) -> Event {
        Event::CallStateChanged {
            call_id: CallId(id.into()),
            account_id: None,
            state,
            reason: None,
        }
    }

    #[test]
    fn unanswered_incoming_is_missed() {
        let mut t = CallTracker::default();
        assert_eq!(
            t.on_event(&incoming("c1")),
            vec![CallNotice::Ringing {
                call_id: CallId("c1".into()),
                caller: "Bob".into()
            }]
        );
        t.on_event(&state("c1", CallState::Incoming));
        let out = t.on_event(&state("c1", CallState::Ended));
        assert_eq!(
            out[0],
            CallNotice::StopRinging {
                call_id: CallId("c1".into())
            }
        );
        assert!(matches!(&out[1], CallNotice::Missed { caller, .. } if caller == "Bob"));
        assert_eq!(t.missed(), 1);
        t.clear_missed();
        assert_eq!(t.missed(), 0);
    }

    #[test]
    fn answered_or_declined_is_not_missed() {
        let mut t = CallTracker::default();
        t.on_event(&incoming("c1"));
        let out = t.on_event(&state("c1", CallState::Active));
        assert!(out.contains(&CallNotice::StopRinging {
            call_id: CallId("c1".into())
        }));
        assert_eq!(t.current_call(), Some(CallId("c1".into())));
        assert_eq!(t.current_mute(), Some(false));
        t.on_event(&Event::CallFlagsChanged {
            call_id: CallId("c1".into()),
            local_hold: false,
            remote_hold: false,
            muted: true,
        });
        assert_eq!(t.current_mute(), Some(true));
        t.on_event(&state("c1", CallState::Ended));
        t.on_event(&incoming("c2"));
        t.declined(&CallId("c2".into()));
        t.on_event(&state("c2", CallState::Ended));
        assert_eq!(t.missed(), 0);
        assert_eq!(t.current_mute(), None);
    }

    #[test]
    fn caller_labels() {
        let p = Party {
            uri: "sip:+4930@example.com".into(),
            display_name: Some("  ".into()),
        };
        assert_eq!(caller_label(&p), "+4930@example.com");
    }
}
