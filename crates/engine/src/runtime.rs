//! The engine task: owns the state, applies commands in order, and publishes events.
//!
//! Front ends hold an [`Engine`] handle (cheap to clone). Commands are carried out one at a
//! time by a single task, so events come out in one total order with gap-free sequence numbers.

use crate::api::*;
use crate::state::{validate_account, State};
use crate::target::{parse_dial_target, DialTarget};
use std::collections::HashMap;
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
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            user_agent: format!("softphone/{}", env!("CARGO_PKG_VERSION")),
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
        let task = EngineTask {
            config,
            state: State::default(),
            credentials: HashMap::new(),
            events: events.clone(),
            started: Instant::now(),
        };
        tokio::spawn(task.run(rx).instrument(tracing::info_span!("engine")));
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

struct EngineTask {
    config: EngineConfig,
    state: State,
    /// Secrets handed in by the front end; never serialised, never logged.
    credentials: HashMap<AccountId, Credential>,
    events: broadcast::Sender<EventEnvelope>,
    started: Instant,
}

impl EngineTask {
    async fn run(mut self, mut rx: mpsc::Receiver<Request>) {
        tracing::info!(user_agent = %self.config.user_agent, "engine started");
        while let Some(request) = rx.recv().await {
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
                    self.shutdown();
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

    fn shutdown(&mut self) {
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
                self.state.set_account(*account, has);
                Ok(CommandOutcome::Done)
            }
            Command::RemoveAccount { account_id } => {
                self.state.remove_account(&account_id)?;
                self.credentials.remove(&account_id);
                Ok(CommandOutcome::Done)
            }
            Command::StartAccount { account_id }
            | Command::StopAccount { account_id }
            | Command::Register { account_id }
            | Command::Unregister { account_id, .. } => {
                self.state.account(&account_id)?;
                Err(Self::unsupported("SIP registration"))
            }
            Command::Dial {
                account_id, target, ..
            } => match parse_dial_target(&target)? {
                DialTarget::Echo => Err(Self::unsupported("the echo-test line")),
                _ => {
                    self.state.account_for_dial(account_id.as_ref())?;
                    Err(Self::unsupported("SIP calling"))
                }
            },
            Command::Answer { call_id }
            | Command::Reject { call_id, .. }
            | Command::Silence { call_id }
            | Command::Forward { call_id, .. }
            | Command::Hold { call_id }
            | Command::Resume { call_id }
            | Command::SendDtmf { call_id, .. }
            | Command::Transfer { call_id, .. } => {
                self.state.call(&call_id)?;
                Err(Self::unsupported("this call action"))
            }
            Command::Hangup { call_id } => {
                self.state.call(&call_id)?;
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
                Ok(CommandOutcome::Done)
            }
            Command::SelectDevice { role, device } => {
                self.state.select_device(role, device);
                Ok(CommandOutcome::Done)
            }
            Command::SetDebug { enabled } => {
                self.state.set_debug(enabled);
                Ok(CommandOutcome::Done)
            }
            Command::SetDoNotDisturb { enabled } => {
                self.state.set_do_not_disturb(enabled);
                Ok(CommandOutcome::Done)
            }
        }
    }
}
