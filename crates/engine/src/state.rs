//! The engine's bookkeeping, free of I/O: accounts, calls, devices and flags, and the events
//! that every change produces. The runtime applies commands here and publishes the events.

use crate::api::*;
use crate::target::{parse_dial_target, DialTarget};
use std::collections::BTreeMap;

/// State shared by all front ends.
#[derive(Debug, Default)]
pub(crate) struct State {
    seq: u64,
    accounts: BTreeMap<AccountId, AccountView>,
    calls: BTreeMap<CallId, CallView>,
    devices: Vec<AudioDevice>,
    microphone: Option<String>,
    speaker: Option<String>,
    ringer: Option<String>,
    debug: bool,
    do_not_disturb: bool,
    /// Events produced since the last drain, already numbered.
    pending: Vec<EventEnvelope>,
}

#[allow(dead_code, reason = "the SIP and device drivers use the rest")]
impl State {
    pub(crate) fn emit(&mut self, event: Event) {
        self.seq += 1;
        self.pending.push(EventEnvelope {
            seq: self.seq,
            event,
        });
    }

    pub(crate) fn drain_events(&mut self) -> Vec<EventEnvelope> {
        std::mem::take(&mut self.pending)
    }

    pub(crate) fn snapshot(&self) -> Snapshot {
        Snapshot {
            seq: self.seq,
            accounts: self.accounts.values().cloned().collect(),
            calls: self.calls.values().cloned().collect(),
            devices: self.devices.clone(),
            microphone: self.microphone.clone(),
            speaker: self.speaker.clone(),
            ringer: self.ringer.clone(),
            debug: self.debug,
            do_not_disturb: self.do_not_disturb,
        }
    }

    pub(crate) fn account(&self, id: &AccountId) -> Result<&AccountView, CommandError> {
        self.accounts
            .get(id)
            .ok_or_else(|| CommandError::new(ErrorCode::UnknownAccount, format!("no account {id}")))
    }

    pub(crate) fn call(&self, id: &CallId) -> Result<&CallView, CommandError> {
        self.calls
            .get(id)
            .ok_or_else(|| CommandError::new(ErrorCode::UnknownCall, format!("no call {id}")))
    }

    pub(crate) fn set_account(&mut self, config: AccountConfig, has_credential: bool) {
        let id = config.id.clone();
        let entry = self
            .accounts
            .entry(id.clone())
            .or_insert_with(|| AccountView {
                config: config.clone(),
                state: AccountState::Stopped,
                reason: None,
                has_credential,
            });
        entry.config = config.clone();
        entry.has_credential |= has_credential;
        self.emit(Event::AccountChanged {
            account_id: id,
            config: Some(Box::new(config)),
        });
    }

    pub(crate) fn remove_account(&mut self, id: &AccountId) -> Result<(), CommandError> {
        self.account(id)?;
        self.accounts.remove(id);
        self.emit(Event::AccountChanged {
            account_id: id.clone(),
            config: None,
        });
        Ok(())
    }

    pub(crate) fn set_account_state(
        &mut self,
        id: &AccountId,
        state: AccountState,
        reason: Option<Reason>,
    ) {
        let Some(view) = self.accounts.get_mut(id) else {
            return;
        };
        if view.state == state && view.reason == reason {
            return;
        }
        tracing::info!(account = %id, old = ?view.state, new = ?state, reason = ?reason, "account state");
        view.state = state;
        view.reason = reason.clone();
        self.emit(Event::AccountStateChanged {
            account_id: id.clone(),
            state,
            reason,
        });
    }

    pub(crate) fn new_call(
        &mut self,
        call_id: CallId,
        account_id: Option<AccountId>,
        direction: Direction,
        remote: Party,
        state: CallState,
    ) -> CallId {
        self.calls.insert(
            call_id.clone(),
            CallView {
                call_id: call_id.clone(),
                account_id: account_id.clone(),
                direction,
                remote: remote.clone(),
                state,
                reason: None,
                local_hold: false,
                remote_hold: false,
                muted: false,
                answered_at_ms: None,
            },
        );
        if direction == Direction::Incoming {
            if let Some(account_id) = account_id.clone() {
                self.emit(Event::IncomingCall {
                    call_id: call_id.clone(),
                    account_id,
                    remote,
                });
            }
        }
        self.emit(Event::CallStateChanged {
            call_id: call_id.clone(),
            account_id,
            state,
            reason: None,
        });
        call_id
    }

    pub(crate) fn set_call_state(
        &mut self,
        id: &CallId,
        state: CallState,
        reason: Option<Reason>,
        now_ms: u64,
    ) {
        let Some(call) = self.calls.get_mut(id) else {
            return;
        };
        if call.state == state {
            return;
        }
        tracing::info!(call = %id, old = ?call.state, new = ?state, reason = ?reason, "call state");
        call.state = state;
        call.reason = reason.clone();
        if state == CallState::Active && call.answered_at_ms.is_none() {
            call.answered_at_ms = Some(now_ms);
        }
        let account_id = call.account_id.clone();
        if state == CallState::Ended {
            self.calls.remove(id);
        }
        self.emit(Event::CallStateChanged {
            call_id: id.clone(),
            account_id,
            state,
            reason,
        });
    }

    pub(crate) fn set_call_flags(
        &mut self,
        id: &CallId,
        local_hold: Option<bool>,
        remote_hold: Option<bool>,
        muted: Option<bool>,
    ) -> Result<(), CommandError> {
        let call = self
            .calls
            .get_mut(id)
            .ok_or_else(|| CommandError::new(ErrorCode::UnknownCall, format!("no call {id}")))?;
        let before = (call.local_hold, call.remote_hold, call.muted);
        call.local_hold = local_hold.unwrap_or(call.local_hold);
        call.remote_hold = remote_hold.unwrap_or(call.remote_hold);
        call.muted = muted.unwrap_or(call.muted);
        let after = (call.local_hold, call.remote_hold, call.muted);
        if before != after {
            self.emit(Event::CallFlagsChanged {
                call_id: id.clone(),
                local_hold: after.0,
                remote_hold: after.1,
                muted: after.2,
            });
        }
        Ok(())
    }

    pub(crate) fn set_devices(&mut self, devices: Vec<AudioDevice>) {
        if self.devices != devices {
            self.devices = devices.clone();
            self.emit(Event::DevicesChanged { devices });
        }
    }

    pub(crate) fn select_device(&mut self, role: DeviceRole, device: Option<String>) {
        let slot = match role {
            DeviceRole::Microphone => &mut self.microphone,
            DeviceRole::Speaker => &mut self.speaker,
            DeviceRole::Ringer => &mut self.ringer,
        };
        if *slot != device {
            *slot = device;
            let devices = self.devices.clone();
            self.emit(Event::DevicesChanged { devices });
        }
    }

    pub(crate) fn set_debug(&mut self, enabled: bool) {
        if self.debug != enabled {
            self.debug = enabled;
            self.emit(Event::DebugChanged { enabled });
        }
    }

    pub(crate) fn debug(&self) -> bool {
        self.debug
    }

    pub(crate) fn set_do_not_disturb(&mut self, enabled: bool) {
        if self.do_not_disturb != enabled {
            self.do_not_disturb = enabled;
            self.emit(Event::DoNotDisturbChanged { enabled });
        }
    }

    /// Picks the account a call goes out on: the one asked for, or the first ready one.
    pub(crate) fn account_for_dial(
        &self,
        asked: Option<&AccountId>,
    ) -> Result<&AccountView, CommandError> {
        if let Some(id) = asked {
            return self.account(id);
        }
        self.accounts
            .values()
            .find(|a| matches!(a.state, AccountState::Ready | AccountState::Registered))
            .or_else(|| self.accounts.values().next())
            .ok_or_else(|| {
                CommandError::new(
                    ErrorCode::NoAccount,
                    "no account is set up; dial \"echo\" to test your audio",
                )
            })
    }
}

/// Checks an account's settings before they are accepted.
pub(crate) fn validate_account(config: &AccountConfig) -> Result<(), CommandError> {
    let bad = |detail: &str| Err(CommandError::new(ErrorCode::InvalidArgument, detail));
    if config.id.0.trim().is_empty() {
        return bad("account id is empty");
    }
    match parse_dial_target(&config.address) {
        Ok(DialTarget::Uri(uri)) if uri.contains('@') => {}
        _ => return bad("address must look like user@domain or sip:user@domain"),
    }
    if config.register_expires != 0 && config.register_expires < 60 {
        return bad("registration expiry must be at least 60 seconds");
    }
    if config.reconnect_min_secs == 0 || config.reconnect_max_secs < config.reconnect_min_secs {
        return bad("reconnection delays must satisfy 0 < minimum <= maximum");
    }
    for h in &config.custom_headers {
        let name_ok = !h.name.is_empty()
            && h.name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.!%*_+`'~".contains(&b));
        if !name_ok || h.value.contains(['\r', '\n']) {
            return bad("custom header names must be tokens and values a single line");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_numbered_without_gaps() {
        let mut s = State::default();
        s.set_account(AccountConfig::new("a", "sip:alice@example.com"), true);
        s.set_debug(true);
        s.set_debug(true); // no change, no event
        s.set_do_not_disturb(true);
        let seqs: Vec<u64> = s.drain_events().iter().map(|e| e.seq).collect();
        assert_eq!(seqs, vec![1, 2, 3]);
        assert_eq!(s.snapshot().seq, 3);
        assert!(s.snapshot().accounts[0].has_credential);
    }

    #[test]
    fn calls_live_until_ended() {
        let mut s = State::default();
        let remote = Party {
            uri: "sip:bob@x".into(),
            display_name: None,
        };
        let id = s.new_call(
            CallId("call-1".into()),
            None,
            Direction::Outgoing,
            remote,
            CallState::Dialing,
        );
        s.set_call_state(&id, CallState::Active, None, 1234);
        assert_eq!(s.snapshot().calls[0].answered_at_ms, Some(1234));
        s.set_call_flags(&id, Some(true), None, Some(true)).unwrap();
        s.set_call_state(&id, CallState::Ended, Some(Reason::local("hangup")), 2000);
        assert!(s.snapshot().calls.is_empty());
        assert_eq!(s.call(&id).unwrap_err().code, ErrorCode::UnknownCall);
        let kinds: Vec<_> = s.drain_events().into_iter().map(|e| e.event).collect();
        assert!(matches!(
            kinds[2],
            Event::CallFlagsChanged {
                local_hold: true,
                muted: true,
                ..
            }
        ));
    }

    #[test]
    fn account_validation() {
        let mut c = AccountConfig::new("a", "alice@example.com");
        assert!(validate_account(&c).is_ok());
        c.address = "not an address".into();
        assert_eq!(
            validate_account(&c).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        c.address = "sip:alice@example.com".into();
        c.custom_headers.push(CustomHeader {
            name: "X-Evil".into(),
            value: "a\r\nVia: injected".into(),
        });
        assert!(validate_account(&c).is_err());
    }

    #[test]
    fn dialling_without_accounts_says_so() {
        let s = State::default();
        assert_eq!(
            s.account_for_dial(None).unwrap_err().code,
            ErrorCode::NoAccount
        );
    }
}
