//! The engine task: owns the state, applies commands in order, and publishes events.
//!
//! Front ends hold an [`Engine`] handle (cheap to clone). Commands are carried out one at a
//! time by a single task, so events come out in one total order with gap-free sequence numbers.

use crate::account::{self, AccountCommand, AccountHandle, AccountReport};
use crate::account_calls::CallUpdate;
use crate::api::*;
use crate::echo::{self, EchoCall, EchoReport};
use crate::media_path::AudioRoute;
use crate::state::{validate_account, State};
use crate::target::{parse_dial_target, DialTarget};
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::{broadcast, mpsc, oneshot};
use tracing::Instrument;

/// How many events a slow subscriber may fall behind before it must reload the snapshot.
const EVENT_BACKLOG: usize = 1024;

/// Settings the engine starts with.
#[derive(Clone, Debug)]
pub struct EngineConfig {
    /// The User-Agent header for accounts that do not set their own.
    pub user_agent: String,
    /// List the audio devices now and every few seconds (hot-plug). Off for headless runs
    /// that never touch devices.
    pub poll_devices: bool,
    /// Play this WAV file into every call instead of the microphone (scripts, tests).
    pub wav_in: Option<std::path::PathBuf>,
    /// Record what every call receives to this WAV file instead of the speaker.
    pub wav_out: Option<std::path::PathBuf>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            user_agent: format!("softphone/{}", env!("CARGO_PKG_VERSION")),
            poll_devices: true,
            wav_in: None,
            wav_out: None,
        }
    }
}

enum Request {
    Command(
        Box<Command>,
        oneshot::Sender<Result<CommandOutcome, CommandError>>,
    ),
    Snapshot(oneshot::Sender<Snapshot>),
    Shutdown(oneshot::Sender<()>),
}

/// A handle to a running engine. Clone it freely; the engine stops when
/// [`Engine::shutdown`] is called or the last handle is dropped.
#[derive(Clone, Debug)]
pub struct Engine {
    requests: mpsc::Sender<Request>,
    events: broadcast::Sender<EventEnvelope>,
}

fn stopped() -> CommandError {
    CommandError::new(ErrorCode::EngineStopped, "the engine has stopped")
}

impl Engine {
    /// Starts the engine on the current tokio runtime.
    pub fn start(config: EngineConfig) -> Self {
        let (requests, rx) = mpsc::channel(64);
        let (events, _) = broadcast::channel(EVENT_BACKLOG);
        let (reports, reports_rx) = mpsc::channel(256);
        let (echo_reports, echo_rx) = mpsc::channel(16);
        let (devices_tx, devices_rx) = mpsc::channel(4);
        if config.poll_devices {
            tokio::spawn(poll_devices(devices_tx));
        }
        let task = EngineTask {
            call_counter: Arc::new(AtomicU64::new(0)),
            config,
            echo_calls: HashMap::new(),
            echo_reports,
            accounts: HashMap::new(),
            reports,
            generation: 0,
            state: State::default(),
            credentials: HashMap::new(),
            events: events.clone(),
            started: Instant::now(),
        };
        tokio::spawn(
            task.run(rx, reports_rx, echo_rx, devices_rx)
                .instrument(tracing::info_span!("engine")),
        );
        Self { requests, events }
    }

    /// Carries out one command.
    pub async fn execute(&self, command: Command) -> Result<CommandOutcome, CommandError> {
        let (tx, rx) = oneshot::channel();
        self.requests
            .send(Request::Command(Box::new(command), tx))
            .await
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())?
    }

    /// The whole state. Subscribe first, then take the snapshot, then apply events whose
    /// `seq` is greater than the snapshot's.
    pub async fn snapshot(&self) -> Result<Snapshot, CommandError> {
        let (tx, rx) = oneshot::channel();
        self.requests
            .send(Request::Snapshot(tx))
            .await
            .map_err(|_| stopped())?;
        rx.await.map_err(|_| stopped())
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<EventEnvelope> {
        self.events.subscribe()
    }

    /// Ends every call, unregisters every account and stops the engine.
    pub async fn shutdown(&self) {
        let (tx, rx) = oneshot::channel();
        if self.requests.send(Request::Shutdown(tx)).await.is_ok() {
            let _ = rx.await;
        }
    }
}

/// How often the device list is polled for hot-plug changes.
const DEVICE_POLL: std::time::Duration = std::time::Duration::from_secs(3);

/// Lists the audio devices now and then every [`DEVICE_POLL`], on a blocking thread.
async fn poll_devices(tx: mpsc::Sender<Vec<AudioDevice>>) {
    let mut host: Option<softphone_audio::AudioHost> = None;
    loop {
        let listed = tokio::task::spawn_blocking(move || {
            let host = host.unwrap_or_default();
            let listed = host.devices();
            (host, listed)
        })
        .await;
        let Ok((h, listed)) = listed else { return };
        host = Some(h);
        match listed {
            Ok(devices) => {
                let devices = devices
                    .into_iter()
                    .map(|d| AudioDevice {
                        is_input: d.direction == softphone_audio::Direction::Input,
                        is_default: d.is_default,
                        name: d.name,
                    })
                    .collect();
                if tx.send(devices).await.is_err() {
                    return;
                }
            }
            Err(e) => tracing::debug!(error = %e, "cannot list audio devices"),
        }
        tokio::time::sleep(DEVICE_POLL).await;
    }
}

struct EngineTask {
    /// Numbers calls across the engine and its accounts (`call-N`).
    call_counter: Arc<AtomicU64>,
    config: EngineConfig,
    /// Running echo-test calls.
    echo_calls: HashMap<CallId, EchoCall>,
    /// Where echo threads report; cloned into each.
    echo_reports: mpsc::Sender<EchoReport>,
    /// Running account tasks.
    accounts: HashMap<AccountId, AccountHandle>,
    /// Where account tasks report; cloned into each.
    reports: mpsc::Sender<AccountReport>,
    /// Tells a restarted account's reports from its predecessor's.
    generation: u64,
    state: State,
    /// Secrets handed in by the front end; never serialised, never logged.
    credentials: HashMap<AccountId, Credential>,
    events: broadcast::Sender<EventEnvelope>,
    started: Instant,
}

impl EngineTask {
    async fn run(
        mut self,
        mut rx: mpsc::Receiver<Request>,
        mut reports: mpsc::Receiver<AccountReport>,
        mut echo_reports: mpsc::Receiver<EchoReport>,
        mut devices: mpsc::Receiver<Vec<AudioDevice>>,
    ) {
        tracing::info!(user_agent = %self.config.user_agent, "engine started");
        loop {
            let request = tokio::select! {
                request = rx.recv() => match request {
                    Some(r) => r,
                    None => break,
                },
                Some(report) = reports.recv() => {
                    self.on_report(report);
                    self.publish();
                    continue;
                }
                Some(report) = echo_reports.recv() => {
                    self.on_echo_report(report);
                    self.publish();
                    continue;
                }
                Some(list) = devices.recv() => {
                    self.state.set_devices(list);
                    self.publish();
                    continue;
                }
            };
            match request {
                Request::Command(command, reply) => {
                    let name = command.name();
                    let result = self.apply(*command);
                    if let Err(e) = &result {
                        tracing::info!(command = name, code = ?e.code, detail = %e.detail, "command refused");
                    }
                    self.publish();
                    let _ = reply.send(result);
                }
                Request::Snapshot(reply) => {
                    let _ = reply.send(self.state.snapshot());
                }
                Request::Shutdown(reply) => {
                    self.shutdown(&mut reports).await;
                    self.publish();
                    let _ = reply.send(());
                    break;
                }
            }
        }
        tracing::info!("engine stopped");
    }

    fn publish(&mut self) {
        for event in self.state.drain_events() {
            // No subscriber is not an error: the snapshot still has the state.
            let _ = self.events.send(event);
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.started.elapsed().as_millis()).unwrap_or(u64::MAX)
    }

    fn on_report(&mut self, report: AccountReport) {
        let current =
            |id: &AccountId, generation: u64, accounts: &HashMap<AccountId, AccountHandle>| {
                accounts.get(id).is_some_and(|h| h.generation == generation)
            };
        match report {
            AccountReport::State {
                generation,
                account_id,
                state,
                reason,
            } => {
                if current(&account_id, generation, &self.accounts) {
                    self.state.set_account_state(&account_id, state, reason);
                }
            }
            AccountReport::Expiring {
                generation,
                account_id,
                seconds_left,
            } => {
                if current(&account_id, generation, &self.accounts) {
                    self.state.emit(Event::RegistrationExpiring {
                        account_id,
                        expires_in_secs: seconds_left,
                    });
                }
            }
            AccountReport::Trace {
                account_id,
                direction,
                remote,
                message,
            } => {
                if self.state.debug() {
                    self.state.emit(Event::SipTrace {
                        account_id: Some(account_id),
                        direction,
                        remote,
                        message,
                    });
                }
            }
            AccountReport::Call {
                generation,
                account_id,
                update,
            } => {
                if current(&account_id, generation, &self.accounts) {
                    self.on_call_update(account_id, update);
                }
            }
            AccountReport::Stopped {
                generation,
                account_id,
            } => {
                if current(&account_id, generation, &self.accounts) {
                    self.accounts.remove(&account_id);
                    self.state
                        .set_account_state(&account_id, AccountState::Stopped, None);
                }
            }
        }
    }

    fn on_echo_report(&mut self, report: EchoReport) {
        let now = self.now_ms();
        match report {
            EchoReport::Started { call_id, detail } => {
                tracing::info!(call = %call_id, %detail, "echo test running");
                self.state
                    .set_call_state(&call_id, CallState::Active, None, now);
            }
            EchoReport::Event(event) => self.state.emit(event),
            EchoReport::Ended { call_id, reason } => {
                self.echo_calls.remove(&call_id);
                self.state.set_call_state(
                    &call_id,
                    CallState::Ended,
                    Some(Reason::local(reason)),
                    now,
                );
            }
        }
    }

    fn next_call_id(&self) -> CallId {
        CallId(format!(
            "call-{}",
            self.call_counter.fetch_add(1, Ordering::Relaxed) + 1
        ))
    }

    fn devices(&self) -> AudioRoute {
        let snap = self.state.snapshot();
        AudioRoute {
            microphone: snap.microphone,
            speaker: snap.speaker,
            wav_in: self.config.wav_in.clone(),
            wav_out: self.config.wav_out.clone(),
            // The account's setting applies per call (account_calls).
            noise_suppression: false,
        }
    }

    fn on_call_update(&mut self, account_id: AccountId, update: CallUpdate) {
        let now = self.now_ms();
        match update {
            CallUpdate::State {
                call_id,
                state,
                reason,
            } => {
                self.state.set_call_state(&call_id, state, reason, now);
            }
            CallUpdate::Media(event) => self.state.emit(event),
            CallUpdate::Flags {
                call_id,
                local_hold,
                remote_hold,
            } => {
                let _ =
                    self.state
                        .set_call_flags(&call_id, Some(local_hold), Some(remote_hold), None);
            }
            CallUpdate::Dtmf { call_id, digit } => self.state.emit(Event::DtmfReceived {
                call_id,
                digit: digit.to_string(),
            }),
            CallUpdate::Incoming { call_id, remote } => {
                self.state.new_call(
                    call_id.clone(),
                    Some(account_id.clone()),
                    Direction::Incoming,
                    remote,
                    CallState::Incoming,
                );
                let auto_answer = self
                    .state
                    .account(&account_id)
                    .is_ok_and(|a| a.config.auto_answer);
                let command = if self.state.snapshot().do_not_disturb {
                    Some(AccountCommand::Reject { call_id, code: 486 })
                } else if auto_answer {
                    Some(AccountCommand::Answer {
                        call_id,
                        devices: self.devices(),
                    })
                } else {
                    // Open the devices while it rings, so the first words after answering
                    // are heard (opening takes 0.6–1.6 s with PulseAudio).
                    Some(AccountCommand::PrepareMedia {
                        call_id,
                        devices: self.devices(),
                    })
                };
                if let (Some(command), Some(handle)) = (command, self.accounts.get(&account_id)) {
                    let _ = handle.commands.try_send(command);
                }
            }
        }
    }

    /// Sends a command to the account that owns a call.
    fn tell_call_owner(
        &mut self,
        call_id: &CallId,
        command: AccountCommand,
    ) -> Result<(), CommandError> {
        let account_id = self
            .state
            .call(call_id)?
            .account_id
            .clone()
            .ok_or_else(|| {
                CommandError::new(ErrorCode::Unsupported, "the echo line has no such action")
            })?;
        self.tell_account(&account_id, command)
    }

    fn start_account(&mut self, id: &AccountId) -> Result<(), CommandError> {
        let config = self.state.account(id)?.config.clone();
        if self.accounts.contains_key(id) {
            return Ok(());
        }
        self.generation += 1;
        let handle = account::spawn(
            self.generation,
            config,
            self.credentials.get(id).cloned(),
            self.config.user_agent.clone(),
            self.state.debug(),
            self.reports.clone(),
            self.call_counter.clone(),
        );
        self.accounts.insert(id.clone(), handle);
        Ok(())
    }

    fn stop_account(&mut self, id: &AccountId) {
        if let Some(handle) = self.accounts.get(id) {
            if handle.commands.try_send(AccountCommand::Stop).is_err() {
                if let Some(handle) = self.accounts.remove(id) {
                    handle.task.abort();
                }
                self.state
                    .set_account_state(id, AccountState::Stopped, None);
            }
        }
    }

    fn tell_account(
        &mut self,
        id: &AccountId,
        command: AccountCommand,
    ) -> Result<(), CommandError> {
        self.state.account(id)?;
        let handle = self.accounts.get(id).ok_or_else(|| {
            CommandError::new(
                ErrorCode::InvalidState,
                format!("account {id} is not started"),
            )
        })?;
        handle.commands.try_send(command).map_err(|_| {
            CommandError::new(ErrorCode::InvalidState, format!("account {id} is busy"))
        })
    }

    async fn shutdown(&mut self, reports: &mut mpsc::Receiver<AccountReport>) {
        // Unregister every account, waiting a bounded time for the registrar's answers.
        let ids: Vec<AccountId> = self.accounts.keys().cloned().collect();
        for id in &ids {
            self.stop_account(id);
        }
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(3);
        while !self.accounts.is_empty() {
            match tokio::time::timeout_at(deadline, reports.recv()).await {
                Ok(Some(report)) => self.on_report(report),
                _ => break,
            }
        }
        for (id, handle) in self.accounts.drain() {
            handle.task.abort();
            tracing::warn!(account = %id, "account did not stop in time");
        }
        let now = self.now_ms();
        let calls: Vec<CallId> = self
            .state
            .snapshot()
            .calls
            .into_iter()
            .map(|c| c.call_id)
            .collect();
        for id in calls {
            self.state
                .set_call_state(&id, CallState::Ended, Some(Reason::local("shutdown")), now);
        }
    }

    fn unsupported(what: &str) -> CommandError {
        CommandError::new(
            ErrorCode::Unsupported,
            format!("{what} is not available in this build yet"),
        )
    }

    /// Holds or resumes a connected call; the account reports the outcome as flags.
    fn hold(&mut self, call_id: &CallId, hold: bool) -> Result<CommandOutcome, CommandError> {
        if !matches!(
            self.state.call(call_id)?.state,
            CallState::Active | CallState::Held
        ) {
            return Err(CommandError::new(
                ErrorCode::InvalidState,
                "the call is not connected",
            ));
        }
        self.tell_call_owner(
            call_id,
            AccountCommand::Hold {
                call_id: call_id.clone(),
                hold,
            },
        )?;
        Ok(CommandOutcome::Done)
    }

    fn apply(&mut self, command: Command) -> Result<CommandOutcome, CommandError> {
        let now = self.now_ms();
        match command {
            Command::SetAccount {
                account,
                credential,
            } => {
                validate_account(&account)?;
                let has = credential.is_some() || self.credentials.contains_key(&account.id);
                if let Some(c) = credential {
                    self.credentials.insert(account.id.clone(), c);
                }
                let id = account.id.clone();
                self.state.set_account(*account, has);
                if self.accounts.contains_key(&id) {
                    // New settings take effect at once: restart the account's connection.
                    self.stop_account(&id);
                    self.accounts.remove(&id);
                    self.start_account(&id)?;
                }
                Ok(CommandOutcome::Done)
            }
            Command::RemoveAccount { account_id } => {
                self.stop_account(&account_id);
                self.accounts.remove(&account_id);
                self.state.remove_account(&account_id)?;
                self.credentials.remove(&account_id);
                Ok(CommandOutcome::Done)
            }
            Command::StartAccount { account_id } => {
                self.start_account(&account_id)?;
                Ok(CommandOutcome::Done)
            }
            Command::StopAccount { account_id } => {
                self.state.account(&account_id)?;
                self.stop_account(&account_id);
                Ok(CommandOutcome::Done)
            }
            Command::Register { account_id } => {
                if self.accounts.contains_key(&account_id) {
                    self.tell_account(&account_id, AccountCommand::Register)?;
                } else {
                    self.start_account(&account_id)?;
                }
                Ok(CommandOutcome::Done)
            }
            Command::Unregister { account_id, all } => {
                self.tell_account(&account_id, AccountCommand::Unregister { all })?;
                Ok(CommandOutcome::Done)
            }
            Command::Dial {
                account_id,
                target,
                anonymous,
                headers,
            } => match parse_dial_target(&target)? {
                DialTarget::Echo => {
                    let remote = Party {
                        uri: crate::target::ECHO_TARGET.into(),
                        display_name: Some("Echo test".into()),
                    };
                    let call_id = self.next_call_id();
                    self.state.new_call(
                        call_id.clone(),
                        None,
                        Direction::Outgoing,
                        remote,
                        CallState::Dialing,
                    );
                    let snap = self.state.snapshot();
                    let call = echo::start(
                        call_id.clone(),
                        snap.microphone,
                        snap.speaker,
                        self.echo_reports.clone(),
                    );
                    self.echo_calls.insert(call_id.clone(), call);
                    Ok(CommandOutcome::CallStarted { call_id })
                }
                other => {
                    let account = self.state.account_for_dial(account_id.as_ref())?.clone();
                    let domain = crate::server::aor_domain(&account.config.address)
                        .unwrap_or_else(|| "invalid".into());
                    let uri = other.to_uri(&domain).ok_or_else(|| {
                        CommandError::new(ErrorCode::InvalidTarget, "nothing to dial")
                    })?;
                    let id = account.config.id.clone();
                    if !self.accounts.contains_key(&id) {
                        return Err(CommandError::new(
                            ErrorCode::InvalidState,
                            format!("account {id} is not started"),
                        ));
                    }
                    let call_id = self.next_call_id();
                    self.tell_account(
                        &id,
                        AccountCommand::Dial {
                            call_id: call_id.clone(),
                            target: uri.clone(),
                            anonymous,
                            headers: headers.into_iter().map(|h| (h.name, h.value)).collect(),
                            devices: self.devices(),
                        },
                    )?;
                    let remote = Party {
                        uri,
                        display_name: None,
                    };
                    self.state.new_call(
                        call_id.clone(),
                        Some(id),
                        Direction::Outgoing,
                        remote,
                        CallState::Dialing,
                    );
                    Ok(CommandOutcome::CallStarted { call_id })
                }
            },
            Command::Answer { call_id } => {
                if self.state.call(&call_id)?.state != CallState::Incoming {
                    return Err(CommandError::new(
                        ErrorCode::InvalidState,
                        "the call is not ringing",
                    ));
                }
                let devices = self.devices();
                self.tell_call_owner(
                    &call_id,
                    AccountCommand::Answer {
                        call_id: call_id.clone(),
                        devices,
                    },
                )?;
                Ok(CommandOutcome::Done)
            }
            Command::Reject { call_id, code } => {
                if self.state.call(&call_id)?.state != CallState::Incoming {
                    return Err(CommandError::new(
                        ErrorCode::InvalidState,
                        "the call is not ringing",
                    ));
                }
                let code = code.filter(|c| (400..=699).contains(c)).unwrap_or(486);
                self.tell_call_owner(
                    &call_id,
                    AccountCommand::Reject {
                        call_id: call_id.clone(),
                        code,
                    },
                )?;
                Ok(CommandOutcome::Done)
            }
            Command::SendDtmf { call_id, digits } => {
                let digits = digits.trim().to_ascii_uppercase();
                if digits.is_empty()
                    || !digits
                        .chars()
                        .all(|c| c.is_ascii_digit() || "*#ABCD".contains(c))
                {
                    return Err(CommandError::new(
                        ErrorCode::InvalidArgument,
                        "DTMF digits are 0-9, *, # and A-D",
                    ));
                }
                if self.state.call(&call_id)?.state != CallState::Active {
                    return Err(CommandError::new(
                        ErrorCode::InvalidState,
                        "the call is not active",
                    ));
                }
                self.tell_call_owner(
                    &call_id,
                    AccountCommand::SendDtmf {
                        call_id: call_id.clone(),
                        digits,
                    },
                )?;
                Ok(CommandOutcome::Done)
            }
            Command::Silence { call_id } => {
                if self.state.call(&call_id)?.state != CallState::Incoming {
                    return Err(CommandError::new(
                        ErrorCode::InvalidState,
                        "the call is not ringing",
                    ));
                }
                // Ringing stops on this device only: nothing is sent, so the caller keeps
                // hearing ringback until they give up or the no-answer timeout refuses it.
                Ok(CommandOutcome::Done)
            }
            Command::Forward { call_id, target } => {
                let call = self.state.call(&call_id)?;
                if call.state != CallState::Incoming {
                    return Err(CommandError::new(
                        ErrorCode::InvalidState,
                        "the call is not ringing",
                    ));
                }
                let domain = call
                    .account_id
                    .as_ref()
                    .and_then(|a| self.state.account(a).ok())
                    .and_then(|a| crate::server::aor_domain(&a.config.address))
                    .unwrap_or_else(|| "invalid".into());
                let uri = parse_dial_target(&target)?.to_uri(&domain).ok_or_else(|| {
                    CommandError::new(ErrorCode::InvalidTarget, "nowhere to forward to")
                })?;
                self.tell_call_owner(
                    &call_id,
                    AccountCommand::Forward {
                        call_id: call_id.clone(),
                        target: uri,
                    },
                )?;
                Ok(CommandOutcome::Done)
            }
            Command::Hold { call_id } => self.hold(&call_id, true),
            Command::Resume { call_id } => self.hold(&call_id, false),
            Command::Transfer { call_id, .. } => {
                self.state.call(&call_id)?;
                Err(Self::unsupported("this call action"))
            }
            Command::Hangup { call_id } => {
                self.state.call(&call_id)?;
                if let Some(echo) = self.echo_calls.remove(&call_id) {
                    echo.hang_up();
                } else if self.state.call(&call_id)?.account_id.is_some() {
                    // The account ends the SIP call and reports how it ended.
                    self.tell_call_owner(
                        &call_id,
                        AccountCommand::Hangup {
                            call_id: call_id.clone(),
                        },
                    )?;
                    return Ok(CommandOutcome::Done);
                }
                self.state.set_call_state(
                    &call_id,
                    CallState::Ended,
                    Some(Reason::local("hung up")),
                    now,
                );
                Ok(CommandOutcome::Done)
            }
            Command::SetMute { call_id, muted } => {
                self.state
                    .set_call_flags(&call_id, None, None, Some(muted))?;
                if let Some(echo) = self.echo_calls.get(&call_id) {
                    echo.set_muted(muted);
                } else {
                    let _ = self.tell_call_owner(
                        &call_id,
                        AccountCommand::SetMute {
                            call_id: call_id.clone(),
                            muted,
                        },
                    );
                }
                Ok(CommandOutcome::Done)
            }
            Command::SelectDevice { role, device } => {
                self.state.select_device(role, device);
                Ok(CommandOutcome::Done)
            }
            Command::SetDebug { enabled } => {
                self.state.set_debug(enabled);
                for handle in self.accounts.values() {
                    let _ = handle.commands.try_send(AccountCommand::SetDebug(enabled));
                }
                Ok(CommandOutcome::Done)
            }
            Command::SetDoNotDisturb { enabled } => {
                self.state.set_do_not_disturb(enabled);
                Ok(CommandOutcome::Done)
            }
        }
    }
}
