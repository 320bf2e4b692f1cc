//! The engine API seen from a front end: commands in, ordered events out, snapshot for reload.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use softphone_engine::*;

#[tokio::test]
async fn set_account_then_snapshot_and_events_agree() {
    let engine = Engine::start(EngineConfig::default());
    let mut events = engine.subscribe();
    let account = AccountConfig::new("work", "sip:alice@127.0.0.1");
    let out = engine
        .execute(Command::SetAccount {
            account: Box::new(account.clone()),
            credential: Some(Credential::Password(Secret::new("alicepw"))),
        })
        .await
        .unwrap();
    assert_eq!(out, CommandOutcome::Done);
    engine
        .execute(Command::SetDebug { enabled: true })
        .await
        .unwrap();

    let first = events.recv().await.unwrap();
    let second = events.recv().await.unwrap();
    assert_eq!((first.seq, second.seq), (1, 2));
    assert!(
        matches!(first.event, Event::AccountChanged { config: Some(ref c), .. } if **c == account)
    );
    assert_eq!(second.event, Event::DebugChanged { enabled: true });

    let snap = engine.snapshot().await.unwrap();
    assert_eq!(snap.seq, 2);
    assert_eq!(snap.accounts.len(), 1);
    assert!(snap.accounts[0].has_credential);
    assert!(snap.debug);
    // The secret never shows in anything the engine hands out.
    let json = serde_json::to_string(&snap).unwrap() + &serde_json::to_string(&first).unwrap();
    assert!(!json.contains("alicepw"), "{json}");
    engine.shutdown().await;
    assert_eq!(
        engine.snapshot().await.unwrap_err().code,
        ErrorCode::EngineStopped
    );
}

#[tokio::test]
async fn bad_commands_get_stable_codes() {
    let engine = Engine::start(EngineConfig::default());
    let err = |c| {
        let engine = engine.clone();
        async move { engine.execute(c).await.unwrap_err().code }
    };
    assert_eq!(
        err(Command::Dial {
            account_id: None,
            target: "12 ab".into(),
            anonymous: false,
            headers: vec![]
        })
        .await,
        ErrorCode::InvalidTarget
    );
    assert_eq!(
        err(Command::Dial {
            account_id: None,
            target: "+4930 1234".into(),
            anonymous: false,
            headers: vec![]
        })
        .await,
        ErrorCode::NoAccount
    );
    assert_eq!(
        err(Command::Hangup {
            call_id: CallId("call-9".into())
        })
        .await,
        ErrorCode::UnknownCall
    );
    assert_eq!(
        err(Command::RemoveAccount {
            account_id: AccountId("nope".into())
        })
        .await,
        ErrorCode::UnknownAccount
    );
    assert_eq!(
        err(Command::SetAccount {
            account: Box::new(AccountConfig::new("x", "bogus")),
            credential: None
        })
        .await,
        ErrorCode::InvalidArgument
    );
}

#[test]
fn commands_and_events_use_the_documented_json() {
    let c: Command =
        serde_json::from_str(r#"{"type":"dial","target":"sip:bob@127.0.0.1","anonymous":true}"#)
            .unwrap();
    assert_eq!(c.name(), "dial");
    assert!(matches!(c, Command::Dial { anonymous: true, ref headers, .. } if headers.is_empty()));
    let e = EventEnvelope {
        seq: 7,
        event: Event::DtmfReceived {
            call_id: CallId("call-1".into()),
            digit: "5".into(),
        },
    };
    assert_eq!(
        serde_json::to_value(&e).unwrap(),
        serde_json::json!({"seq":7,"type":"dtmf_received","call_id":"call-1","digit":"5"})
    );
    let cred: Credential = serde_json::from_str(r#"{"type":"password","value":"s3cret"}"#).unwrap();
    assert_eq!(format!("{cred:?}"), "Password(Secret(<redacted>))");
    let err = CommandError::new(ErrorCode::NoAccount, "x");
    assert_eq!(serde_json::to_value(&err).unwrap()["code"], "no_account");
}

/// The UI's TypeScript types are generated from the Rust API; this fails when they drift.
#[test]
fn typescript_bindings_are_current() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../ui/src/engine-types.ts");
    let generated = typescript_declarations();
    if std::env::var_os("UPDATE_BINDINGS").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "ui/src/engine-types.ts is stale: run `UPDATE_BINDINGS=1 cargo test -p softphone-engine typescript`"
    );
}
