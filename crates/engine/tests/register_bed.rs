//! Registration through the engine API against the bed's Kamailio, over every transport
//! (bed tier: run inside `tests/bed/bed.sh run`).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use softphone_engine::*;
use std::time::Duration;
use tokio::sync::broadcast;

fn bed(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run inside tests/bed/bed.sh run"))
}

fn account(id: &str, user: &str, transport: Transport, server: String) -> AccountConfig {
    let mut a = AccountConfig::new(id, format!("sip:{user}@{}", bed("BED_DOMAIN")));
    a.transport = transport;
    a.server = Some(server);
    a.tls_ca_file = Some(bed("BED_TLS_CA"));
    a.register_expires = 120;
    a
}

/// Waits for the account to reach a settled state, returning it with its reason.
async fn settle(
    events: &mut broadcast::Receiver<EventEnvelope>,
    id: &AccountId,
) -> (AccountState, Option<Reason>, Vec<AccountState>) {
    let mut seen = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let env = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("no settled state for {id} in 15 s; saw {seen:?}"))
            .unwrap();
        if let Event::AccountStateChanged {
            account_id,
            state,
            reason,
        } = env.event
        {
            if &account_id == id {
                seen.push(state);
                if matches!(state, AccountState::Registered | AccountState::Failed) {
                    return (state, reason, seen);
                }
            }
        }
    }
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio)"]
async fn registers_over_every_transport_and_unregisters_cleanly() {
    let engine = Engine::start(EngineConfig::default());
    let mut events = engine.subscribe();
    let user = bed("BED_USER");
    let password = bed("BED_PASS");
    let cases = [
        ("udp", Transport::Udp, bed("BED_SIP_UDP")),
        ("tcp", Transport::Tcp, bed("BED_SIP_TCP")),
        ("tls", Transport::Tls, bed("BED_SIP_TLS")),
        ("ws", Transport::Ws, bed("BED_SIP_WS")),
        ("wss", Transport::Wss, bed("BED_SIP_WSS")),
    ];
    for (id, transport, server) in cases {
        let config = account(id, &user, transport, server);
        let account_id = config.id.clone();
        engine
            .execute(Command::SetAccount {
                account: Box::new(config),
                credential: Some(Credential::Password(Secret::new(password.clone()))),
            })
            .await
            .unwrap();
        engine
            .execute(Command::StartAccount {
                account_id: account_id.clone(),
            })
            .await
            .unwrap();
        let (state, reason, seen) = settle(&mut events, &account_id).await;
        assert_eq!(
            state,
            AccountState::Registered,
            "{id}: {reason:?} after {seen:?}"
        );
        assert_eq!(
            seen,
            vec![
                AccountState::Connecting,
                AccountState::Connected,
                AccountState::Registering,
                AccountState::Registered
            ],
            "{id}"
        );
    }
    // Stopping unregisters (answered by Kamailio) and ends every task.
    for id in ["udp", "tcp", "tls", "ws", "wss"] {
        engine
            .execute(Command::StopAccount {
                account_id: AccountId(id.into()),
            })
            .await
            .unwrap();
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let snap = engine.snapshot().await.unwrap();
        if snap
            .accounts
            .iter()
            .all(|a| a.state == AccountState::Stopped)
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "accounts did not stop: {:?}",
            snap.accounts
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio)"]
async fn a_wrong_password_is_a_clear_final_failure_not_a_loop() {
    let engine = Engine::start(EngineConfig::default());
    engine
        .execute(Command::SetDebug { enabled: true })
        .await
        .unwrap();
    let mut events = engine.subscribe();
    let config = account("bad", &bed("BED_USER"), Transport::Udp, bed("BED_SIP_UDP"));
    engine
        .execute(Command::SetAccount {
            account: Box::new(config),
            credential: Some(Credential::Password(Secret::new("not-the-password"))),
        })
        .await
        .unwrap();
    engine
        .execute(Command::StartAccount {
            account_id: AccountId("bad".into()),
        })
        .await
        .unwrap();
    let (state, reason, _) = settle(&mut events, &AccountId("bad".into())).await;
    assert_eq!(state, AccountState::Failed);
    let reason = reason.unwrap();
    assert_eq!(reason.code, Some(401));
    assert!(
        reason.text.contains("wrong user name or password"),
        "{reason:?}"
    );
    // No further REGISTER goes out: a final failure waits for the user.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut registers = 0;
    let mut traces = String::new();
    while let Ok(env) = events.try_recv() {
        if let Event::SipTrace {
            direction: TraceDirection::Sent,
            message,
            ..
        } = &env.event
        {
            registers += usize::from(message.starts_with("REGISTER"));
            traces.push_str(message);
        }
    }
    assert_eq!(registers, 0, "no retry after a final failure");
    assert!(!traces.contains("not-the-password"));
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio)"]
async fn traces_redact_credentials() {
    let engine = Engine::start(EngineConfig::default());
    engine
        .execute(Command::SetDebug { enabled: true })
        .await
        .unwrap();
    let mut events = engine.subscribe();
    let password = bed("BED_PASS");
    let config = account(
        "traced",
        &bed("BED_USER2"),
        Transport::Tcp,
        bed("BED_SIP_TCP"),
    );
    engine
        .execute(Command::SetAccount {
            account: Box::new(config),
            credential: Some(Credential::Password(Secret::new(bed("BED_PASS2")))),
        })
        .await
        .unwrap();
    engine
        .execute(Command::StartAccount {
            account_id: AccountId("traced".into()),
        })
        .await
        .unwrap();
    let mut saw_redacted = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let env = tokio::time::timeout_at(deadline, events.recv())
            .await
            .expect("registered in time")
            .unwrap();
        match env.event {
            Event::SipTrace { message, .. } => {
                assert!(!message.contains(&password) && !message.contains(&bed("BED_PASS2")));
                assert!(
                    !message.contains("response=\""),
                    "digest response leaked: {message}"
                );
                saw_redacted |= message.contains("Authorization: Digest <redacted>");
            }
            Event::AccountStateChanged {
                state: AccountState::Registered,
                ..
            } => break,
            Event::AccountStateChanged {
                state: AccountState::Failed,
                reason,
                ..
            } => panic!("{reason:?}"),
            _ => {}
        }
    }
    assert!(saw_redacted);
    engine.shutdown().await;
}
