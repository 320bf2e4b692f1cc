//! Connection management against the bed's Kamailio: DNS (RFC 3263) with failover, re-register
//! on a network change, recovery from a registrar restart (bed tier: run inside
//! `tests/bed/bed.sh run`, one test at a time: `--test-threads=1`, because they share the
//! process-wide network watcher and DNS override and one of them restarts Kamailio).
//!
//! DNS: the bed has no name server, so each DNS test runs a small one on 127.0.0.1 (hickory's
//! wire format) with NAPTR/SRV/A records for `bed.test`, and points the engine at it through
//! `SOFTPHONE_DNS_SERVER`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use hickory_proto::op::{Message, MessageType, OpCode, ResponseCode};
use hickory_proto::rr::rdata::{A, NAPTR, SRV};
use hickory_proto::rr::{Name, RData, Record, RecordType};
use softphone_engine::*;
use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, UdpSocket};
use tokio::sync::broadcast;

fn bed(var: &str) -> String {
    std::env::var(var)
        .unwrap_or_else(|_| panic!("{var} is not set: run inside tests/bed/bed.sh run"))
}

/// Names → records, and a log of the questions asked.
#[derive(Clone, Default)]
struct Zone {
    records: HashMap<(String, RecordType), Vec<RData>>,
    asked: Arc<Mutex<Vec<String>>>,
}

impl Zone {
    fn add(&mut self, name: &str, kind: RecordType, data: RData) {
        self.records
            .entry((name.to_ascii_lowercase(), kind))
            .or_default()
            .push(data);
    }

    fn knows(&self, name: &str) -> bool {
        self.records.keys().any(|(n, _)| n == name)
    }

    fn asked(&self) -> Vec<String> {
        self.asked.lock().unwrap().clone()
    }
}

fn name(s: &str) -> Name {
    Name::from_ascii(format!("{s}.")).unwrap()
}

fn srv(priority: u16, weight: u16, port: u16, target: &str) -> RData {
    RData::SRV(SRV::new(priority, weight, port, name(target)))
}

fn naptr(order: u16, service: &str, replacement: &str) -> RData {
    RData::NAPTR(NAPTR::new(
        order,
        10,
        b"S".to_vec().into_boxed_slice(),
        service.as_bytes().to_vec().into_boxed_slice(),
        Vec::new().into_boxed_slice(),
        name(replacement),
    ))
}

/// Serves the zone on a UDP port of 127.0.0.1 and points the engine at it.
async fn serve_dns(zone: Zone) {
    let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = socket.local_addr().unwrap();
    // Tests run one at a time (see the module docs); the engine reads this per resolution.
    std::env::set_var(dns::DNS_SERVER_ENV, addr.to_string());
    tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf).await else {
                return;
            };
            let Ok(query) = Message::from_vec(&buf[..n]) else {
                continue;
            };
            let mut response =
                Message::new(query.metadata.id, MessageType::Response, OpCode::Query);
            response.metadata.recursion_desired = query.metadata.recursion_desired;
            response.metadata.recursion_available = true;
            response.metadata.authoritative = true;
            for q in &query.queries {
                let qname = q
                    .name()
                    .to_ascii()
                    .trim_end_matches('.')
                    .to_ascii_lowercase();
                let kind = q.query_type();
                zone.asked.lock().unwrap().push(format!("{kind} {qname}"));
                response.add_query(q.clone());
                match zone.records.get(&(qname.clone(), kind)) {
                    Some(list) => {
                        for data in list {
                            response.add_answer(Record::from_rdata(
                                q.name().clone(),
                                60,
                                data.clone(),
                            ));
                        }
                    }
                    None if zone.knows(&qname) => {}
                    None => response.metadata.response_code = ResponseCode::NXDomain,
                }
            }
            let _ = socket.send_to(&response.to_vec().unwrap(), from).await;
        }
    });
}

fn account(id: &str, transport: Transport, server: &str) -> AccountConfig {
    let mut a = AccountConfig::new(id, format!("sip:{}@{}", bed("BED_USER"), bed("BED_DOMAIN")));
    a.transport = transport;
    a.server = Some(server.to_string());
    a.register_expires = 120;
    a
}

async fn start(engine: &Engine, config: AccountConfig) -> AccountId {
    let id = config.id.clone();
    engine
        .execute(Command::SetAccount {
            account: Box::new(config),
            credential: Some(Credential::Password(Secret::new(bed("BED_PASS")))),
        })
        .await
        .unwrap();
    engine
        .execute(Command::StartAccount {
            account_id: id.clone(),
        })
        .await
        .unwrap();
    id
}

/// What an account went through until `until` held (or the hang guard fired).
#[derive(Debug, Default)]
struct Seen {
    states: Vec<(AccountState, Option<Reason>)>,
    sent: Vec<(String, String)>,
}

async fn watch_until(
    events: &mut broadcast::Receiver<EventEnvelope>,
    id: &AccountId,
    guard: Duration,
    until: impl Fn(&Seen) -> bool,
) -> Seen {
    let mut seen = Seen::default();
    let deadline = tokio::time::Instant::now() + guard;
    while !until(&seen) {
        let env = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("{id}: condition not reached in {guard:?}; saw {seen:#?}"))
            .unwrap();
        match env.event {
            Event::AccountStateChanged {
                account_id,
                state,
                reason,
            } if &account_id == id => seen.states.push((state, reason)),
            Event::SipTrace {
                account_id: Some(account_id),
                direction: TraceDirection::Sent,
                remote,
                message,
            } if &account_id == id => seen.sent.push((remote, message)),
            _ => {}
        }
    }
    seen
}

fn last_is(state: AccountState) -> impl Fn(&Seen) -> bool {
    move |s| s.states.last().is_some_and(|(st, _)| *st == state)
}

async fn debug_engine() -> (Engine, broadcast::Receiver<EventEnvelope>) {
    let engine = Engine::start(EngineConfig {
        poll_devices: false,
        ..EngineConfig::default()
    });
    engine
        .execute(Command::SetDebug { enabled: true })
        .await
        .unwrap();
    let events = engine.subscribe();
    (engine, events)
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio); run with --test-threads=1"]
async fn naptr_and_srv_lead_to_kamailio_past_a_dead_first_target() {
    // The first SRV target accepts TCP and drops the connection at once: a dead server.
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    let dead_hits = Arc::new(Mutex::new(0u32));
    let hits = dead_hits.clone();
    tokio::spawn(async move {
        while let Ok((conn, _)) = dead.accept().await {
            *hits.lock().unwrap() += 1;
            drop(conn);
        }
    });
    let mut zone = Zone::default();
    zone.add(
        "bed.test",
        RecordType::NAPTR,
        naptr(20, "SIP+D2U", "_sip._udp.bed.test"),
    );
    zone.add(
        "bed.test",
        RecordType::NAPTR,
        naptr(10, "SIP+D2T", "_sip._tcp.bed.test"),
    );
    zone.add(
        "bed.test",
        RecordType::NAPTR,
        naptr(5, "E2U+sip", "elsewhere.bed.test"),
    );
    zone.add(
        "_sip._tcp.bed.test",
        RecordType::SRV,
        srv(10, 50, dead_port, "dead.bed.test"),
    );
    zone.add(
        "_sip._tcp.bed.test",
        RecordType::SRV,
        srv(20, 10, 5060, "kam.bed.test"),
    );
    zone.add(
        "_sip._udp.bed.test",
        RecordType::SRV,
        srv(10, 10, 5060, "kam.bed.test"),
    );
    zone.add(
        "dead.bed.test",
        RecordType::A,
        RData::A(A(Ipv4Addr::LOCALHOST)),
    );
    zone.add(
        "kam.bed.test",
        RecordType::A,
        RData::A(A(Ipv4Addr::LOCALHOST)),
    );
    serve_dns(zone.clone()).await;

    let (engine, mut events) = debug_engine().await;
    let id = start(&engine, account("dns", Transport::Auto, "bed.test")).await;
    let seen = watch_until(
        &mut events,
        &id,
        Duration::from_secs(30),
        last_is(AccountState::Registered),
    )
    .await;
    assert_eq!(
        *dead_hits.lock().unwrap(),
        1,
        "the first-priority target was tried once"
    );
    assert!(
        seen.states
            .iter()
            .any(|(s, r)| *s == AccountState::Failed && r.is_some()),
        "the dead target is reported: {seen:#?}"
    );
    let (remote, register) = seen
        .sent
        .iter()
        .rev()
        .find(|(_, m)| m.starts_with("REGISTER"))
        .expect("a REGISTER");
    assert_eq!(remote, "127.0.0.1:5060");
    assert!(
        register.contains("SIP/2.0/TCP"),
        "NAPTR chose TCP: {register}"
    );
    let asked = zone.asked();
    for q in [
        "NAPTR bed.test",
        "SRV _sip._tcp.bed.test",
        "A dead.bed.test",
        "A kam.bed.test",
    ] {
        assert!(asked.iter().any(|a| a == q), "{q} not asked: {asked:?}");
    }
    // failing over used the list already resolved: one NAPTR question in all
    assert_eq!(
        asked.iter().filter(|a| *a == "NAPTR bed.test").count(),
        1,
        "{asked:?}"
    );
    // the order of preference: NAPTR before SRV before A
    let pos = |q: &str| asked.iter().position(|a| a == q).unwrap();
    assert!(pos("NAPTR bed.test") < pos("SRV _sip._tcp.bed.test"));
    assert!(pos("SRV _sip._tcp.bed.test") < pos("A dead.bed.test"));
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio); run with --test-threads=1"]
async fn a_503_from_the_first_udp_target_fails_over_to_the_next() {
    // The first target answers every request with 503 Service Unavailable.
    let busy = UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let busy_port = busy.local_addr().unwrap().port();
    let busy_hits = Arc::new(Mutex::new(0u32));
    let hits = busy_hits.clone();
    tokio::spawn(async move {
        let mut buf = vec![0u8; 65_535];
        while let Ok((n, from)) = busy.recv_from(&mut buf).await {
            let text = String::from_utf8_lossy(&buf[..n]).to_string();
            if !text.starts_with("REGISTER") {
                continue;
            }
            *hits.lock().unwrap() += 1;
            let mut response = String::from("SIP/2.0 503 Service Unavailable\r\n");
            for line in text.lines() {
                let lower = line.to_ascii_lowercase();
                if ["via:", "from:", "to:", "call-id:", "cseq:"]
                    .iter()
                    .any(|h| lower.starts_with(h))
                {
                    response.push_str(line);
                    response.push_str("\r\n");
                }
            }
            response.push_str("Content-Length: 0\r\n\r\n");
            let _ = busy.send_to(response.as_bytes(), from).await;
        }
    });
    let mut zone = Zone::default();
    zone.add(
        "_sip._udp.bed.test",
        RecordType::SRV,
        srv(10, 10, busy_port, "busy.bed.test"),
    );
    zone.add(
        "_sip._udp.bed.test",
        RecordType::SRV,
        srv(20, 10, 5060, "kam.bed.test"),
    );
    zone.add(
        "busy.bed.test",
        RecordType::A,
        RData::A(A(Ipv4Addr::LOCALHOST)),
    );
    zone.add(
        "kam.bed.test",
        RecordType::A,
        RData::A(A(Ipv4Addr::LOCALHOST)),
    );
    serve_dns(zone.clone()).await;

    let (engine, mut events) = debug_engine().await;
    // An explicit transport: SRV for it only, no NAPTR.
    let id = start(&engine, account("dns503", Transport::Udp, "bed.test")).await;
    let seen = watch_until(
        &mut events,
        &id,
        Duration::from_secs(30),
        last_is(AccountState::Registered),
    )
    .await;
    assert_eq!(*busy_hits.lock().unwrap(), 1);
    assert!(
        seen.states
            .iter()
            .any(|(s, r)| *s == AccountState::Failed
                && r.as_ref().is_some_and(|r| r.code == Some(503))),
        "{seen:#?}"
    );
    assert!(!zone.asked().iter().any(|q| q.starts_with("NAPTR")));
    engine.shutdown().await;
}

fn ip(args: &[&str]) {
    let status = std::process::Command::new("ip")
        .args(args)
        .status()
        .unwrap();
    assert!(status.success(), "ip {args:?}");
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio); run with --test-threads=1"]
async fn a_new_interface_address_makes_the_account_register_again_at_once() {
    std::env::set_var(netwatch::NETWATCH_MS_ENV, "500");
    let (engine, mut events) = debug_engine().await;
    let id = start(&engine, account("net", Transport::Udp, &bed("BED_SIP_UDP"))).await;
    let first = watch_until(
        &mut events,
        &id,
        Duration::from_secs(15),
        last_is(AccountState::Registered),
    )
    .await;
    let first_via = first
        .sent
        .iter()
        .filter(|(_, m)| m.starts_with("REGISTER"))
        .count();
    assert!(first_via >= 1);
    // give the watcher a baseline, then change the addresses
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let t0 = Instant::now();
    ip(&["addr", "add", "127.0.0.2/8", "dev", "lo"]);
    let seen = watch_until(&mut events, &id, Duration::from_secs(20), |s| {
        s.states
            .iter()
            .any(|(st, _)| *st == AccountState::Connecting)
            && s.states
                .last()
                .is_some_and(|(st, _)| *st == AccountState::Registered)
    })
    .await;
    let took = t0.elapsed();
    ip(&["addr", "del", "127.0.0.2/8", "dev", "lo"]);
    let (_, reason) = seen
        .states
        .iter()
        .find(|(st, _)| *st == AccountState::Connecting)
        .unwrap();
    assert!(
        reason
            .as_ref()
            .is_some_and(|r| r.text.contains("network changed")),
        "{seen:#?}"
    );
    let registers: Vec<&String> = seen
        .sent
        .iter()
        .filter(|(_, m)| m.starts_with("REGISTER"))
        .map(|(_, m)| m)
        .collect();
    assert!(
        !registers.is_empty(),
        "a fresh REGISTER went out: {seen:#?}"
    );
    eprintln!("address added -> registered again: {took:?}");
    // the removal is a change too: settle before ending
    watch_until(&mut events, &id, Duration::from_secs(20), |s| {
        s.states
            .last()
            .is_some_and(|(st, _)| *st == AccountState::Registered)
    })
    .await;
    engine.shutdown().await;
}

fn bed_sh(sub: &str) {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/bed/bed.sh");
    let status = std::process::Command::new("bash")
        .arg(script)
        .arg(sub)
        .status()
        .unwrap();
    assert!(status.success(), "bed.sh {sub}");
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio); run with --test-threads=1 (restarts Kamailio)"]
async fn a_registrar_restart_is_recovered_within_the_backoff() {
    let (engine, mut events) = debug_engine().await;
    let mut ids = Vec::new();
    for (name, transport, server) in [
        ("restart-udp", Transport::Udp, bed("BED_SIP_UDP")),
        ("restart-tcp", Transport::Tcp, bed("BED_SIP_TCP")),
    ] {
        let mut config = account(name, transport, &server);
        // UDP has no connection to lose: the OPTIONS keepalive notices the dead server.
        config.keepalive_secs = 1;
        config.keepalive_timeout_secs = 2;
        config.reconnect_min_secs = 1;
        config.reconnect_max_secs = 4;
        ids.push(start(&engine, config).await);
        let id = ids.last().unwrap();
        watch_until(
            &mut events,
            id,
            Duration::from_secs(15),
            last_is(AccountState::Registered),
        )
        .await;
    }
    let mut per_account: HashMap<AccountId, broadcast::Receiver<EventEnvelope>> = ids
        .iter()
        .map(|id| (id.clone(), engine.subscribe()))
        .collect();
    bed_sh("kamailio-stop");
    let stopped = Instant::now();
    for id in &ids {
        let rx = per_account.get_mut(id).unwrap();
        let seen = watch_until(rx, id, Duration::from_secs(20), |s| {
            s.states.iter().any(|(st, _)| *st == AccountState::Failed)
        })
        .await;
        let (_, reason) = seen
            .states
            .iter()
            .find(|(st, _)| *st == AccountState::Failed)
            .unwrap();
        let reason = reason.as_ref().expect("a failure says why");
        eprintln!(
            "{id}: registrar gone -> {:?} after {:?}",
            reason.text,
            stopped.elapsed()
        );
        assert!(!reason.text.is_empty());
    }
    // While Kamailio is down the accounts keep trying (Connecting/Failed, never Registered).
    tokio::time::sleep(Duration::from_secs(3)).await;
    bed_sh("kamailio-start");
    let started = Instant::now();
    for id in &ids {
        let rx = per_account.get_mut(id).unwrap();
        let seen = watch_until(
            rx,
            id,
            Duration::from_secs(40),
            last_is(AccountState::Registered),
        )
        .await;
        assert!(
            seen.states
                .iter()
                .any(|(st, _)| *st == AccountState::Connecting),
            "{id}: reconnected: {seen:#?}"
        );
        eprintln!(
            "{id}: registrar back -> registered after {:?} (backoff max 4 s)",
            started.elapsed()
        );
    }
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio); run with --test-threads=1"]
async fn kamailio_answers_every_keepalive_so_flows_stay_up() {
    let (engine, mut events) = debug_engine().await;
    let mut ids = Vec::new();
    for (name, transport, server) in [
        ("ka-udp", Transport::Udp, bed("BED_SIP_UDP")),
        ("ka-tcp", Transport::Tcp, bed("BED_SIP_TCP")),
        ("ka-ws", Transport::Ws, bed("BED_SIP_WS")),
    ] {
        let mut config = account(name, transport, &server);
        config.keepalive_secs = 1;
        config.keepalive_timeout_secs = 2;
        ids.push(start(&engine, config).await);
        watch_until(
            &mut events,
            ids.last().unwrap(),
            Duration::from_secs(15),
            last_is(AccountState::Registered),
        )
        .await;
    }
    // five keepalive rounds on each: no account leaves Registered
    tokio::time::sleep(Duration::from_secs(5)).await;
    let mut changes = Vec::new();
    let mut options = 0;
    while let Ok(env) = events.try_recv() {
        match env.event {
            Event::AccountStateChanged {
                account_id, state, ..
            } => changes.push((account_id, state)),
            Event::SipTrace {
                direction: TraceDirection::Sent,
                message,
                ..
            } if message.starts_with("OPTIONS") => options += 1,
            _ => {}
        }
    }
    assert!(changes.is_empty(), "{changes:?}");
    assert!(options >= 3, "UDP sends OPTIONS keepalives: {options}");
    engine.shutdown().await;
}

#[tokio::test]
#[ignore = "needs the test bed (Kamailio); run with --test-threads=1"]
async fn when_every_target_failed_the_name_is_resolved_again_after_the_backoff() {
    let dead = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead_port = dead.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((conn, _)) = dead.accept().await {
            drop(conn);
        }
    });
    let mut zone = Zone::default();
    zone.add(
        "_sip._tcp.bed.test",
        RecordType::SRV,
        srv(10, 10, dead_port, "dead.bed.test"),
    );
    zone.add(
        "dead.bed.test",
        RecordType::A,
        RData::A(A(Ipv4Addr::LOCALHOST)),
    );
    serve_dns(zone.clone()).await;
    let (engine, mut events) = debug_engine().await;
    let mut config = account("redo", Transport::Tcp, "bed.test");
    config.reconnect_min_secs = 1;
    let id = start(&engine, config).await;
    // two failures: the list was used up once, then resolved and tried again
    let seen = watch_until(&mut events, &id, Duration::from_secs(20), |s| {
        s.states
            .iter()
            .filter(|(st, _)| *st == AccountState::Failed)
            .count()
            >= 3
    })
    .await;
    assert!(!seen
        .states
        .iter()
        .any(|(st, _)| *st == AccountState::Registered));
    let srv_questions = zone
        .asked()
        .iter()
        .filter(|q| *q == "SRV _sip._tcp.bed.test")
        .count();
    assert!(srv_questions >= 2, "{:?}", zone.asked());
    engine.shutdown().await;
}
