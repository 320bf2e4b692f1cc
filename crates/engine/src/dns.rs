//! Locating SIP servers (RFC 3263): NAPTR → SRV (RFC 2782 priority and weight) → A/AAAA.
//!
//! The procedure is written against the [`DnsLookup`] trait so it can be tested with records
//! from a table; [`order_naptr`] and [`order_srv`] are pure functions. [`SystemDns`] is the real
//! resolver (hickory): it reads the system configuration (`/etc/resolv.conf`), or uses the name
//! server in the `SOFTPHONE_DNS_SERVER` environment variable (`ip` or `ip:port`, for tests and
//! for networks whose DNS the system does not know).
//!
//! What is resolved depends on the server setting:
//! - an IP literal: no DNS at all;
//! - a host with a port, or a WebSocket URL: A/AAAA only;
//! - a host with an explicit transport: SRV for that transport, then A/AAAA at the default port;
//! - a bare host: NAPTR (SIP+D2U, SIP+D2T, SIPS+D2T), then SRV (`_sips._tcp`, `_sip._tcp`,
//!   `_sip._udp` when there is no NAPTR), then A/AAAA at port 5060 over UDP.

use crate::server::ServerAddress;
use crate::transport::LinkKind;
use softphone_sip::ua::RandomSource;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;

/// The environment variable naming a DNS server to use instead of the system's.
pub const DNS_SERVER_ENV: &str = "SOFTPHONE_DNS_SERVER";

/// A boxed future, so [`DnsLookup`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A NAPTR record (RFC 3403), the fields SIP uses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NaptrRecord {
    /// Order (lower first).
    pub order: u16,
    /// Preference within an order (lower first).
    pub preference: u16,
    /// Flags; SIP uses `s` (the replacement is an SRV name).
    pub flags: String,
    /// Service, for example `SIP+D2T`.
    pub services: String,
    /// The SRV name to look up.
    pub replacement: String,
}

/// An SRV record (RFC 2782).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SrvRecord {
    /// Priority (lower first).
    pub priority: u16,
    /// Relative weight within a priority.
    pub weight: u16,
    /// Port.
    pub port: u16,
    /// Host name (`.` means "no such service here").
    pub target: String,
}

/// One place to try, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// Link kind.
    pub kind: LinkKind,
    /// Address and port.
    pub addr: SocketAddr,
}

/// Asks DNS. Errors and empty answers are both "nothing here" to the procedure, except for
/// the final A/AAAA step, whose error is reported.
pub trait DnsLookup: Send + Sync {
    /// NAPTR records of a domain.
    fn naptr<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<NaptrRecord>, String>>;
    /// SRV records of a name such as `_sip._udp.example.com`.
    fn srv<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<SrvRecord>, String>>;
    /// A and AAAA records of a host.
    fn ips<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<IpAddr>, String>>;
}

/// The link kind of a NAPTR service field, if SIP and supported.
pub fn naptr_kind(services: &str) -> Option<LinkKind> {
    match services.to_ascii_uppercase().as_str() {
        "SIP+D2U" => Some(LinkKind::Udp),
        "SIP+D2T" => Some(LinkKind::Tcp),
        "SIPS+D2T" => Some(LinkKind::Tls),
        _ => None,
    }
}

/// The SRV name for a kind (`None` for WebSocket, which has no SRV convention).
pub fn srv_name(kind: LinkKind, domain: &str) -> Option<String> {
    let prefix = match kind {
        LinkKind::Udp => "_sip._udp",
        LinkKind::Tcp => "_sip._tcp",
        LinkKind::Tls => "_sips._tcp",
        LinkKind::Ws | LinkKind::Wss => return None,
    };
    Some(format!("{prefix}.{}", domain.trim_end_matches('.')))
}

/// Orders NAPTR records (RFC 3403 order, then preference), keeping those with flag `s` and a
/// supported SIP service; returns (kind, SRV name) pairs without duplicates.
pub fn order_naptr(records: &[NaptrRecord]) -> Vec<(LinkKind, String)> {
    let mut usable: Vec<&NaptrRecord> = records
        .iter()
        .filter(|r| r.flags.eq_ignore_ascii_case("s") && naptr_kind(&r.services).is_some())
        .collect();
    usable.sort_by_key(|r| (r.order, r.preference));
    let mut out: Vec<(LinkKind, String)> = Vec::new();
    for r in usable {
        if let Some(kind) = naptr_kind(&r.services) {
            let name = r.replacement.trim_end_matches('.').to_string();
            if !name.is_empty() && !out.iter().any(|(k, n)| *k == kind && *n == name) {
                out.push((kind, name));
            }
        }
    }
    out
}

/// Orders SRV records per RFC 2782: ascending priority; within a priority, a weighted random
/// order (a record with weight w is picked first with probability w / total; zero weights
/// have a small chance, placed first in the running sum as the RFC says). A lone `.` target
/// means the service is not offered: nothing is returned.
pub fn order_srv(records: &[SrvRecord], rng: &mut dyn RandomSource) -> Vec<SrvRecord> {
    if records.len() == 1
        && records
            .iter()
            .all(|r| r.target.trim_end_matches('.').is_empty())
    {
        return Vec::new();
    }
    let mut priorities: Vec<u16> = records.iter().map(|r| r.priority).collect();
    priorities.sort_unstable();
    priorities.dedup();
    let mut out = Vec::with_capacity(records.len());
    for priority in priorities {
        // Zero weights first, then the rest, in the order given.
        let mut group: Vec<&SrvRecord> = records
            .iter()
            .filter(|r| r.priority == priority && r.weight == 0)
            .chain(
                records
                    .iter()
                    .filter(|r| r.priority == priority && r.weight != 0),
            )
            .collect();
        while !group.is_empty() {
            let total: u64 = group.iter().map(|r| u64::from(r.weight)).sum();
            let pick = rng.next_u64() % (total + 1);
            let mut running = 0u64;
            let mut chosen = group.len() - 1;
            for (i, r) in group.iter().enumerate() {
                running += u64::from(r.weight);
                if running >= pick {
                    chosen = i;
                    break;
                }
            }
            out.push(group.remove(chosen).clone());
        }
    }
    out.retain(|r| !r.target.trim_end_matches('.').is_empty());
    out
}

async fn addresses(
    lookup: &dyn DnsLookup,
    host: &str,
    port: u16,
    kind: LinkKind,
    out: &mut Vec<Target>,
    last_error: &mut Option<String>,
) {
    match lookup.ips(host).await {
        Ok(ips) => {
            for ip in ips {
                let target = Target {
                    kind,
                    addr: SocketAddr::new(ip, port),
                };
                if !out.contains(&target) {
                    out.push(target);
                }
            }
        }
        Err(e) => *last_error = Some(e),
    }
}

/// Works out the ordered list of targets for a server (RFC 3263 §4).
pub async fn resolve_targets(
    server: &ServerAddress,
    lookup: &dyn DnsLookup,
    rng: &mut dyn RandomSource,
) -> Result<Vec<Target>, String> {
    if let Ok(ip) = server.host.parse::<IpAddr>() {
        return Ok(vec![Target {
            kind: server.kind,
            addr: SocketAddr::new(ip, server.port),
        }]);
    }
    let host = server.host.as_str();
    let mut out = Vec::new();
    let mut last_error = None;
    let ws = matches!(server.kind, LinkKind::Ws | LinkKind::Wss);
    if server.port_explicit || ws {
        addresses(
            lookup,
            host,
            server.port,
            server.kind,
            &mut out,
            &mut last_error,
        )
        .await;
    } else {
        // (kind, SRV name) candidates
        let candidates: Vec<(LinkKind, String)> = if server.kind_explicit {
            srv_name(server.kind, host)
                .map(|n| vec![(server.kind, n)])
                .unwrap_or_default()
        } else {
            let naptr = lookup.naptr(host).await.unwrap_or_else(|e| {
                tracing::debug!(%host, error = %e, "NAPTR lookup failed");
                Vec::new()
            });
            let ordered = order_naptr(&naptr);
            if ordered.is_empty() {
                [LinkKind::Tls, LinkKind::Tcp, LinkKind::Udp]
                    .into_iter()
                    .filter_map(|k| srv_name(k, host).map(|n| (k, n)))
                    .collect()
            } else {
                ordered
            }
        };
        for (kind, name) in candidates {
            let records = lookup.srv(&name).await.unwrap_or_else(|e| {
                tracing::debug!(%name, error = %e, "SRV lookup failed");
                Vec::new()
            });
            for srv in order_srv(&records, rng) {
                let target = srv.target.trim_end_matches('.').to_string();
                addresses(lookup, &target, srv.port, kind, &mut out, &mut last_error).await;
            }
        }
        if out.is_empty() {
            // No NAPTR/SRV: the host itself, at the transport's default port.
            addresses(
                lookup,
                host,
                server.port,
                server.kind,
                &mut out,
                &mut last_error,
            )
            .await;
        }
    }
    if out.is_empty() {
        return Err(last_error.unwrap_or_else(|| format!("{host} has no address")));
    }
    tracing::debug!(%host, targets = ?out, "resolved");
    Ok(out)
}

/// The real resolver: hickory with the system configuration or the `SOFTPHONE_DNS_SERVER`
/// override. A/AAAA without the override go through the system's own resolver
/// (`getaddrinfo`: `/etc/hosts`, mDNS and the like work as in every other program).
pub struct SystemDns {
    /// The override name server, if any.
    server: Option<SocketAddr>,
    /// Built on the first NAPTR/SRV (or overridden A/AAAA) question: an IP literal or a
    /// host with a port never pays for reading the system configuration.
    resolver: std::sync::OnceLock<Option<hickory_resolver::TokioResolver>>,
}

impl SystemDns {
    /// A resolver that reads the configuration when first asked (make one per resolution
    /// to follow network changes).
    pub fn new() -> Self {
        let server = std::env::var(DNS_SERVER_ENV).ok().and_then(|v| {
            let v = v.trim();
            v.parse::<SocketAddr>()
                .ok()
                .or_else(|| v.parse::<IpAddr>().ok().map(|ip| SocketAddr::new(ip, 53)))
                .or_else(|| {
                    tracing::warn!(value = %v, "{DNS_SERVER_ENV} is not an address; ignored");
                    None
                })
        });
        Self {
            server,
            resolver: std::sync::OnceLock::new(),
        }
    }

    fn build(server: Option<SocketAddr>) -> Option<hickory_resolver::TokioResolver> {
        use hickory_resolver::config::{
            ConnectionConfig, NameServerConfig, ResolverConfig, ResolverOpts,
        };
        use hickory_resolver::net::runtime::TokioRuntimeProvider;
        let mut opts = ResolverOpts::default();
        opts.timeout = std::time::Duration::from_secs(2);
        opts.attempts = 2;
        let builder = match server {
            Some(addr) => {
                let mut udp = ConnectionConfig::udp();
                udp.port = addr.port();
                let mut tcp = ConnectionConfig::tcp();
                tcp.port = addr.port();
                let mut config = ResolverConfig::default();
                config
                    .name_servers
                    .push(NameServerConfig::new(addr.ip(), true, vec![udp, tcp]));
                Some(hickory_resolver::TokioResolver::builder_with_config(
                    config,
                    TokioRuntimeProvider::default(),
                ))
            }
            None => match hickory_resolver::TokioResolver::builder_tokio() {
                Ok(b) => Some(b),
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the system DNS configuration");
                    None
                }
            },
        };
        builder.and_then(|mut b| {
            *b.options_mut() = opts;
            b.build()
                .map_err(|e| tracing::warn!(error = %e, "cannot build the DNS resolver"))
                .ok()
        })
    }

    async fn records(
        &self,
        name: &str,
        kind: hickory_resolver::proto::rr::RecordType,
    ) -> Result<Vec<hickory_resolver::proto::rr::RData>, String> {
        let resolver = self
            .resolver
            .get_or_init(|| Self::build(self.server))
            .as_ref()
            .ok_or("no DNS resolver")?;
        let fqdn = format!("{}.", name.trim_end_matches('.'));
        match resolver.lookup(fqdn.as_str(), kind).await {
            Ok(lookup) => Ok(lookup.answers().iter().map(|r| r.data.clone()).collect()),
            Err(e) => Err(format!("{kind} {name}: {e}")),
        }
    }
}

impl Default for SystemDns {
    fn default() -> Self {
        Self::new()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

impl DnsLookup for SystemDns {
    fn naptr<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<NaptrRecord>, String>> {
        Box::pin(async move {
            use hickory_resolver::proto::rr::{RData, RecordType};
            Ok(self
                .records(name, RecordType::NAPTR)
                .await?
                .into_iter()
                .filter_map(|d| match d {
                    RData::NAPTR(n) => Some(NaptrRecord {
                        order: n.order,
                        preference: n.preference,
                        flags: text(&n.flags),
                        services: text(&n.services),
                        replacement: n.replacement.to_string(),
                    }),
                    _ => None,
                })
                .collect())
        })
    }

    fn srv<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<SrvRecord>, String>> {
        Box::pin(async move {
            use hickory_resolver::proto::rr::{RData, RecordType};
            Ok(self
                .records(name, RecordType::SRV)
                .await?
                .into_iter()
                .filter_map(|d| match d {
                    RData::SRV(s) => Some(SrvRecord {
                        priority: s.priority,
                        weight: s.weight,
                        port: s.port,
                        target: s.target.to_string(),
                    }),
                    _ => None,
                })
                .collect())
        })
    }

    fn ips<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<IpAddr>, String>> {
        Box::pin(async move {
            if self.server.is_none() {
                let addrs = tokio::net::lookup_host((host, 0))
                    .await
                    .map_err(|e| format!("cannot resolve {host}: {e}"))?;
                let mut ips: Vec<IpAddr> = Vec::new();
                for a in addrs {
                    if !ips.contains(&a.ip()) {
                        ips.push(a.ip());
                    }
                }
                return Ok(ips);
            }
            use hickory_resolver::proto::rr::{RData, RecordType};
            let mut ips = Vec::new();
            let mut errors = Vec::new();
            for kind in [RecordType::A, RecordType::AAAA] {
                match self.records(host, kind).await {
                    Ok(data) => ips.extend(data.into_iter().filter_map(|d| match d {
                        RData::A(a) => Some(IpAddr::V4(a.0)),
                        RData::AAAA(a) => Some(IpAddr::V6(a.0)),
                        _ => None,
                    })),
                    Err(e) => errors.push(e),
                }
            }
            if ips.is_empty() {
                return Err(format!("cannot resolve {host}: {}", errors.join("; ")));
            }
            Ok(ips)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// A counter "random" source: deterministic.
    struct Seq(u64);
    impl RandomSource for Seq {
        fn next_u64(&mut self) -> u64 {
            self.0 = self
                .0
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            self.0 >> 11
        }
    }

    #[derive(Default)]
    struct Table {
        naptr: HashMap<String, Vec<NaptrRecord>>,
        srv: HashMap<String, Vec<SrvRecord>>,
        ips: HashMap<String, Vec<IpAddr>>,
        asked: std::sync::Mutex<Vec<String>>,
    }

    impl DnsLookup for Table {
        fn naptr<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<NaptrRecord>, String>> {
            self.asked.lock().unwrap().push(format!("NAPTR {name}"));
            let r = self.naptr.get(name).cloned().unwrap_or_default();
            Box::pin(async move { Ok(r) })
        }
        fn srv<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<Vec<SrvRecord>, String>> {
            self.asked.lock().unwrap().push(format!("SRV {name}"));
            let r = self.srv.get(name).cloned().unwrap_or_default();
            Box::pin(async move { Ok(r) })
        }
        fn ips<'a>(&'a self, host: &'a str) -> BoxFuture<'a, Result<Vec<IpAddr>, String>> {
            self.asked.lock().unwrap().push(format!("A {host}"));
            let r = self
                .ips
                .get(host)
                .cloned()
                .ok_or_else(|| format!("NXDOMAIN {host}"));
            Box::pin(async move { r })
        }
    }

    fn naptr(order: u16, pref: u16, service: &str, repl: &str) -> NaptrRecord {
        NaptrRecord {
            order,
            preference: pref,
            flags: "S".into(),
            services: service.into(),
            replacement: format!("{repl}."),
        }
    }

    fn srv(priority: u16, weight: u16, port: u16, target: &str) -> SrvRecord {
        SrvRecord {
            priority,
            weight,
            port,
            target: format!("{target}."),
        }
    }

    fn server(host: &str, kind: LinkKind, port: Option<u16>, kind_explicit: bool) -> ServerAddress {
        ServerAddress {
            kind,
            host: host.into(),
            port: port.unwrap_or(if kind == LinkKind::Tls { 5061 } else { 5060 }),
            ws_path: "/".into(),
            port_explicit: port.is_some(),
            kind_explicit,
        }
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn table() -> Table {
        let mut t = Table::default();
        t.naptr.insert(
            "example.com".into(),
            vec![
                naptr(20, 10, "SIP+D2U", "_sip._udp.example.com"),
                naptr(10, 20, "SIP+D2T", "_sip._tcp.example.com"),
                naptr(10, 10, "SIPS+D2T", "_sips._tcp.example.com"),
                naptr(5, 10, "E2U+sip", "ignored.example.com"),
            ],
        );
        t.srv.insert(
            "_sips._tcp.example.com".into(),
            vec![srv(10, 0, 5061, "tls.example.com")],
        );
        t.srv.insert(
            "_sip._tcp.example.com".into(),
            vec![
                srv(20, 10, 5060, "b.example.com"),
                srv(10, 10, 5070, "a.example.com"),
            ],
        );
        t.srv.insert(
            "_sip._udp.example.com".into(),
            vec![srv(10, 10, 5060, "a.example.com")],
        );
        t.ips
            .insert("tls.example.com".into(), vec![ip("192.0.2.1")]);
        t.ips.insert(
            "a.example.com".into(),
            vec![ip("192.0.2.2"), ip("2001:db8::2")],
        );
        t.ips.insert("b.example.com".into(), vec![ip("192.0.2.3")]);
        t.ips.insert("plain.example".into(), vec![ip("192.0.2.9")]);
        t
    }

    fn targets(list: &[Target]) -> Vec<String> {
        list.iter()
            .map(|t| format!("{} {}", t.kind.via_token(), t.addr))
            .collect()
    }

    #[tokio::test]
    async fn naptr_then_srv_then_addresses_in_order() {
        let t = table();
        let got = resolve_targets(
            &server("example.com", LinkKind::Udp, None, false),
            &t,
            &mut Seq(1),
        )
        .await
        .unwrap();
        assert_eq!(
            targets(&got),
            [
                "TLS 192.0.2.1:5061",
                "TCP 192.0.2.2:5070",
                "TCP [2001:db8::2]:5070",
                "TCP 192.0.2.3:5060",
                "UDP 192.0.2.2:5060",
                "UDP [2001:db8::2]:5060",
            ]
        );
    }

    #[tokio::test]
    async fn explicit_transport_uses_its_srv_only_and_explicit_port_skips_srv() {
        let t = table();
        let got = resolve_targets(
            &server("example.com", LinkKind::Tcp, None, true),
            &t,
            &mut Seq(1),
        )
        .await
        .unwrap();
        assert_eq!(got.len(), 3);
        assert!(got.iter().all(|x| x.kind == LinkKind::Tcp));
        assert!(!t
            .asked
            .lock()
            .unwrap()
            .iter()
            .any(|q| q.starts_with("NAPTR")));

        let t = table();
        let got = resolve_targets(
            &server("a.example.com", LinkKind::Udp, Some(5080), false),
            &t,
            &mut Seq(1),
        )
        .await
        .unwrap();
        assert_eq!(
            targets(&got),
            ["UDP 192.0.2.2:5080", "UDP [2001:db8::2]:5080"]
        );
        assert_eq!(*t.asked.lock().unwrap(), ["A a.example.com"]);
    }

    #[tokio::test]
    async fn ip_literal_asks_nothing_and_no_records_fall_back_to_the_host() {
        let t = table();
        let got = resolve_targets(&server("::1", LinkKind::Tcp, None, true), &t, &mut Seq(1))
            .await
            .unwrap();
        assert_eq!(targets(&got), ["TCP [::1]:5060"]);
        assert!(t.asked.lock().unwrap().is_empty());

        let got = resolve_targets(
            &server("plain.example", LinkKind::Udp, None, false),
            &t,
            &mut Seq(1),
        )
        .await
        .unwrap();
        assert_eq!(targets(&got), ["UDP 192.0.2.9:5060"]);
        // no NAPTR: SRV for each transport, then the host
        assert_eq!(
            *t.asked.lock().unwrap(),
            [
                "NAPTR plain.example",
                "SRV _sips._tcp.plain.example",
                "SRV _sip._tcp.plain.example",
                "SRV _sip._udp.plain.example",
                "A plain.example"
            ]
        );
        let err = resolve_targets(
            &server("nowhere.example", LinkKind::Udp, Some(5060), false),
            &t,
            &mut Seq(1),
        )
        .await
        .unwrap_err();
        assert!(err.contains("NXDOMAIN"), "{err}");
    }

    #[test]
    fn naptr_order_and_filtering() {
        let got = order_naptr(&table().naptr["example.com"]);
        assert_eq!(
            got,
            [
                (LinkKind::Tls, "_sips._tcp.example.com".to_string()),
                (LinkKind::Tcp, "_sip._tcp.example.com".to_string()),
                (LinkKind::Udp, "_sip._udp.example.com".to_string()),
            ]
        );
        let mut odd = naptr(1, 1, "SIP+D2T", "x");
        odd.flags = "A".into();
        assert!(order_naptr(&[odd]).is_empty());
    }

    #[test]
    fn srv_weights_are_honoured_statistically_and_priority_strictly() {
        let records = [
            srv(10, 80, 1, "heavy"),
            srv(10, 20, 2, "light"),
            srv(5, 0, 3, "first"),
            srv(30, 0, 4, "last"),
        ];
        let mut rng = Seq(42);
        let mut heavy_first = 0;
        let n = 10_000;
        for _ in 0..n {
            let o = order_srv(&records, &mut rng);
            let ports: Vec<u16> = o.iter().map(|r| r.port).collect();
            assert_eq!(ports.len(), 4);
            assert_eq!((ports[0], ports[3]), (3, 4));
            if ports[1] == 1 {
                heavy_first += 1;
            }
        }
        // 80 / 101 of the picks (the zero-weight slot counts one in the running sum)
        let share = f64::from(heavy_first) / f64::from(n);
        assert!((0.74..0.84).contains(&share), "{share}");
        // the same seed gives the same order
        assert_eq!(
            order_srv(&records, &mut Seq(7)),
            order_srv(&records, &mut Seq(7))
        );
        // "." alone: the service is not offered
        assert!(order_srv(&[srv(0, 0, 0, "")], &mut Seq(1)).is_empty());
    }
}
