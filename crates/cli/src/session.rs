//! Driving the engine for one CLI run.

use crate::account;
use crate::args::{Action, Args};
use softphone_engine::*;
use std::io::Write;
use std::time::Duration;
use tokio::io::AsyncBufReadExt;
use tokio::sync::broadcast;

/// Why a run failed, with the process exit code for each kind.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The command line or the account file is wrong.
    #[error("{0}")]
    Usage(String),
    /// The engine refused a command.
    #[error("{} refused: {} ({:?})", .0, .1.detail, .1.code)]
    Refused(&'static str, CommandError),
    /// Registration or the call failed; the reason came from the network or the far end.
    #[error("{0}")]
    Failed(String),
    /// Nothing happened in time.
    #[error("timed out after {0} s")]
    Timeout(f64),
}

impl CliError {
    /// The process exit code: 2 usage, 3 refused, 4 failed, 5 timeout.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Usage(_) => 2,
            CliError::Refused(..) => 3,
            CliError::Failed(_) => 4,
            CliError::Timeout(_) => 5,
        }
    }
}

/// Sets up logging to standard error.
pub fn init_logging(args: &Args) -> Result<(), String> {
    let filter = tracing_subscriber::EnvFilter::try_new(&args.log)
        .map_err(|e| format!("bad --log filter {:?}: {e}", args.log))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init()
        .map_err(|e| e.to_string())
}

fn print_event(event: &EventEnvelope) {
    let mut out = std::io::stdout().lock();
    if let Ok(line) = serde_json::to_string(event) {
        // A closed stdout (the reader went away) is not worth dying for.
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
    }
}

async fn exec(engine: &Engine, command: Command) -> Result<CommandOutcome, CliError> {
    let name = command.name();
    engine
        .execute(command)
        .await
        .map_err(|e| CliError::Refused(name, e))
}

/// Waits for the first event for which `done` says `Some`, printing every event.
async fn wait_for<T>(
    events: &mut broadcast::Receiver<EventEnvelope>,
    timeout: f64,
    mut done: impl FnMut(&Event) -> Option<Result<T, CliError>>,
) -> Result<T, CliError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs_f64(timeout.max(0.0));
    loop {
        let next = tokio::time::timeout_at(deadline, events.recv()).await;
        match next {
            Err(_) => return Err(CliError::Timeout(timeout)),
            Ok(Err(broadcast::error::RecvError::Lagged(n))) => {
                tracing::warn!(missed = n, "event stream lagged");
            }
            Ok(Err(broadcast::error::RecvError::Closed)) => {
                return Err(CliError::Failed("engine stopped".into()))
            }
            Ok(Ok(envelope)) => {
                print_event(&envelope);
                if let Some(result) = done(&envelope.event) {
                    return result;
                }
            }
        }
    }
}

fn registration_outcome(event: &Event) -> Option<Result<(), CliError>> {
    match event {
        Event::AccountStateChanged {
            state: AccountState::Registered | AccountState::Ready,
            ..
        } => Some(Ok(())),
        Event::AccountStateChanged {
            state: AccountState::Failed,
            reason,
            ..
        } => Some(Err(CliError::Failed(format!(
            "registration failed: {}",
            describe(reason.as_ref())
        )))),
        _ => None,
    }
}

fn describe(reason: Option<&Reason>) -> String {
    match reason {
        Some(Reason {
            code: Some(code),
            text,
        }) => format!("{code} {text}"),
        Some(Reason { code: None, text }) => text.clone(),
        None => "no reason given".into(),
    }
}

/// Runs the action the arguments ask for.
pub async fn run(args: Args) -> Result<(), CliError> {
    for path in [&args.wav_in, &args.wav_out].into_iter().flatten() {
        if path.as_os_str().is_empty() {
            return Err(CliError::Usage("empty WAV path".into()));
        }
    }
    if let Some(path) = &args.wav_in {
        if !path.is_file() {
            return Err(CliError::Usage(format!(
                "no such WAV file: {}",
                path.display()
            )));
        }
    }
    let engine = Engine::start(EngineConfig {
        wav_in: args.wav_in.clone(),
        wav_out: args.wav_out.clone(),
        // Scripts that use files for both directions never touch the devices.
        poll_devices: args.wav_in.is_none() || args.wav_out.is_none(),
        ..EngineConfig::default()
    });
    let mut events = engine.subscribe();
    let account_id = match &args.account {
        Some(path) => {
            let mut config = account::load(path).map_err(CliError::Usage)?;
            config.auto_answer |= args.auto_answer;
            let id = account::id(&config);
            exec(
                &engine,
                Command::SetAccount {
                    account: Box::new(config),
                    credential: account::credential(&id),
                },
            )
            .await?;
            Some(id)
        }
        None => None,
    };
    let needs_account =
        !matches!(&args.action, Action::Call { target, .. } if target.eq_ignore_ascii_case("echo"));
    if needs_account && account_id.is_none() {
        return Err(CliError::Usage(
            "this action needs --account FILE (only `call echo` works without one)".into(),
        ));
    }
    if let (Some(id), true) = (&account_id, needs_account) {
        exec(
            &engine,
            Command::StartAccount {
                account_id: id.clone(),
            },
        )
        .await?;
        wait_for(&mut events, args.timeout, registration_outcome).await?;
    }
    let timeout = args.timeout;
    let result = match args.action {
        Action::Register => Ok(()),
        Action::Call {
            target,
            duration,
            dtmf,
        } => {
            let plan = CallPlan {
                target,
                duration,
                dtmf,
                timeout,
            };
            call(&engine, &mut events, account_id.clone(), plan).await
        }
        Action::Listen => listen(&engine, &mut events).await,
        Action::Run => run_stdin(&engine, &mut events, account_id.clone()).await,
        Action::Password { .. } | Action::ImportJssip { .. } => Err(CliError::Usage(
            "`password` and `import-jssip` are handled before the engine starts".into(),
        )),
    };
    if let Some(id) = account_id {
        let _ = engine
            .execute(Command::StopAccount { account_id: id })
            .await;
    }
    engine.shutdown().await;
    while let Ok(envelope) = events.try_recv() {
        print_event(&envelope);
    }
    result
}

/// What `call` should do.
struct CallPlan {
    target: String,
    duration: f64,
    dtmf: Option<String>,
    timeout: f64,
}

async fn call(
    engine: &Engine,
    events: &mut broadcast::Receiver<EventEnvelope>,
    account_id: Option<AccountId>,
    plan: CallPlan,
) -> Result<(), CliError> {
    let CallPlan {
        target,
        duration,
        dtmf,
        timeout,
    } = plan;
    let outcome = exec(
        engine,
        Command::Dial {
            account_id,
            target,
            anonymous: false,
            headers: Vec::new(),
        },
    )
    .await?;
    let CommandOutcome::CallStarted { call_id } = outcome else {
        return Err(CliError::Failed("the engine started no call".into()));
    };
    let id = call_id.clone();
    wait_for(events, timeout, |e| match e {
        Event::CallStateChanged {
            call_id,
            state: CallState::Active,
            ..
        } if *call_id == id => Some(Ok(())),
        Event::CallStateChanged {
            call_id,
            state: CallState::Ended,
            reason,
            ..
        } if *call_id == id => Some(Err(CliError::Failed(format!(
            "call failed: {}",
            describe(reason.as_ref())
        )))),
        _ => None,
    })
    .await?;
    if let Some(digits) = dtmf {
        exec(
            engine,
            Command::SendDtmf {
                call_id: call_id.clone(),
                digits,
            },
        )
        .await?;
    }
    // Stay in the call, printing events, unless the far end hangs up first.
    let ended_early = wait_for(events, duration, |e| match e {
        Event::CallStateChanged {
            call_id,
            state: CallState::Ended,
            ..
        } if *call_id == id => Some(Ok(())),
        _ => None,
    })
    .await;
    if ended_early.is_err() {
        exec(engine, Command::Hangup { call_id }).await?;
        // Wait for the far end to confirm the BYE, so scripts see how the call ended.
        let _ = wait_for(events, 5.0, |e| match e {
            Event::CallStateChanged {
                call_id,
                state: CallState::Ended,
                ..
            } if *call_id == id => Some(Ok(())),
            _ => None,
        })
        .await;
    }
    Ok(())
}

async fn listen(
    engine: &Engine,
    events: &mut broadcast::Receiver<EventEnvelope>,
) -> Result<(), CliError> {
    let _ = engine;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => return Ok(()),
            next = events.recv() => match next {
                Ok(envelope) => print_event(&envelope),
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        }
    }
}

/// Parses one line of the `run` protocol into a command. `last_call` fills in a missing CALL.
pub fn parse_line(line: &str, last_call: Option<&CallId>) -> Result<Option<Command>, String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&verb, rest)) = words.split_first() else {
        return Ok(None);
    };
    let call = |i: usize| -> Result<CallId, String> {
        rest.get(i)
            .map(|s| CallId((*s).to_string()))
            .or_else(|| last_call.cloned())
            .ok_or_else(|| format!("{verb}: no call"))
    };
    let arg = |i: usize| -> Result<String, String> {
        rest.get(i)
            .map(|s| (*s).to_string())
            .ok_or_else(|| format!("{verb}: missing argument"))
    };
    let command = match verb {
        "call" | "dial" => Command::Dial {
            account_id: None,
            target: rest.join(" "),
            anonymous: false,
            headers: Vec::new(),
        },
        "answer" => Command::Answer { call_id: call(0)? },
        "reject" => Command::Reject {
            call_id: call(0)?,
            code: match rest.get(1) {
                Some(c) => Some(c.parse().map_err(|_| format!("reject: bad code {c:?}"))?),
                None => None,
            },
        },
        "hangup" => Command::Hangup { call_id: call(0)? },
        "silence" => Command::Silence { call_id: call(0)? },
        "forward" => Command::Forward {
            target: arg(0)?,
            call_id: call(1)?,
        },
        "hold" => Command::Hold { call_id: call(0)? },
        "resume" => Command::Resume { call_id: call(0)? },
        "mute" | "unmute" => Command::SetMute {
            call_id: call(0)?,
            muted: verb == "mute",
        },
        "dtmf" => Command::SendDtmf {
            digits: arg(0)?,
            call_id: call(1)?,
        },
        "transfer" => Command::Transfer {
            target: arg(0)?,
            call_id: call(1)?,
        },
        _ => return Err(format!("unknown command {verb:?}")),
    };
    Ok(Some(command))
}

async fn run_stdin(
    engine: &Engine,
    events: &mut broadcast::Receiver<EventEnvelope>,
    account_id: Option<AccountId>,
) -> Result<(), CliError> {
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    let mut last_call: Option<CallId> = None;
    loop {
        tokio::select! {
            line = lines.next_line() => {
                let line = match line {
                    Ok(Some(line)) => line,
                    Ok(None) => return Ok(()),
                    Err(e) => return Err(CliError::Failed(format!("reading stdin: {e}"))),
                };
                match line.trim() {
                    "quit" | "exit" => return Ok(()),
                    "snapshot" => {
                        let snap = engine.snapshot().await.map_err(|e| CliError::Refused("snapshot", e))?;
                        if let Ok(json) = serde_json::to_string(&snap) {
                            println!("{{\"snapshot\":{json}}}");
                        }
                        continue;
                    }
                    _ => {}
                }
                match parse_line(&line, last_call.as_ref()) {
                    Ok(None) => {}
                    Ok(Some(mut command)) => {
                        if let Command::Dial { account_id: a, .. } = &mut command {
                            a.clone_from(&account_id);
                        }
                        match engine.execute(command).await {
                            Ok(CommandOutcome::CallStarted { call_id }) => last_call = Some(call_id),
                            Ok(CommandOutcome::Done) => {}
                            Err(e) => println!("{}", serde_json::json!({"error": e})),
                        }
                    }
                    Err(e) => println!("{}", serde_json::json!({"error": {"code": "invalid_argument", "detail": e}})),
                }
            }
            next = events.recv() => match next {
                Ok(envelope) => {
                    if let Event::IncomingCall { call_id, .. } = &envelope.event {
                        last_call = Some(call_id.clone());
                    }
                    print_event(&envelope);
                }
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return Ok(()),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stdin_protocol() {
        let ringing = CallId("call-3".into());
        assert_eq!(
            parse_line("forward sip:dave@example.com", Some(&ringing)).unwrap(),
            Some(Command::Forward {
                call_id: ringing.clone(),
                target: "sip:dave@example.com".into()
            })
        );
        assert_eq!(
            parse_line("silence", Some(&ringing)).unwrap(),
            Some(Command::Silence { call_id: ringing })
        );
        let last = CallId("call-2".into());
        assert_eq!(
            parse_line("hangup", Some(&last)).unwrap(),
            Some(Command::Hangup {
                call_id: last.clone()
            })
        );
        assert_eq!(
            parse_line("dtmf 12# call-7", Some(&last)).unwrap(),
            Some(Command::SendDtmf {
                call_id: CallId("call-7".into()),
                digits: "12#".into()
            })
        );
        assert_eq!(parse_line("   ", None).unwrap(), None);
        assert!(parse_line("answer", None).unwrap_err().contains("no call"));
        assert!(parse_line("reject call-1 abc", None).is_err());
        assert!(parse_line("frobnicate", None).is_err());
    }
}
