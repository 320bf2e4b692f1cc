//! Where an account's server is: parsing the server setting into a transport, host, port and
//! WebSocket path, and resolving the host.

use crate::api::{AccountConfig, CommandError, ErrorCode, Transport};
use crate::transport::LinkKind;

/// A server address taken apart.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServerAddress {
    /// Link kind.
    pub kind: LinkKind,
    /// Host name or IP literal (IPv6 without brackets).
    pub host: String,
    /// Port (the transport's default when the setting had none).
    pub port: u16,
    /// WebSocket resource path (`/` when none).
    pub ws_path: String,
    /// Whether the setting named the port (then DNS asks A/AAAA only, RFC 3263 §4.2).
    pub port_explicit: bool,
    /// Whether the transport was chosen (account transport, `transport=` parameter, `sips:`
    /// or a WebSocket URL); otherwise NAPTR picks it.
    pub kind_explicit: bool,
}

fn bad(detail: impl Into<String>) -> CommandError {
    CommandError::new(ErrorCode::InvalidArgument, detail)
}

fn default_port(kind: LinkKind) -> u16 {
    match kind {
        LinkKind::Udp | LinkKind::Tcp => 5060,
        LinkKind::Tls => 5061,
        LinkKind::Ws => 80,
        LinkKind::Wss => 443,
    }
}

/// The domain of an address of record (`sip:alice@example.com` → `example.com`).
pub fn aor_domain(address: &str) -> Option<String> {
    let rest = address.split_once(':').map_or(address, |(scheme, rest)| {
        if scheme.eq_ignore_ascii_case("sip") || scheme.eq_ignore_ascii_case("sips") {
            rest
        } else {
            address
        }
    });
    let host = rest.rsplit_once('@')?.1;
    let host = host.split([';', '?', '>']).next()?;
    (!host.is_empty()).then(|| host.to_string())
}

/// Splits `host[:port]` / `[v6]:port`.
fn split_host_port(s: &str) -> Result<(String, Option<u16>), CommandError> {
    if let Some(rest) = s.strip_prefix('[') {
        let (host, after) = rest
            .split_once(']')
            .ok_or_else(|| bad("unclosed [ in server"))?;
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p.parse().map_err(|_| bad(format!("bad port {p:?}")))?),
            None if after.is_empty() => None,
            None => return Err(bad("junk after ] in server")),
        };
        return Ok((host.to_string(), port));
    }
    match s.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => Ok((
            h.to_string(),
            Some(p.parse().map_err(|_| bad(format!("bad port {p:?}")))?),
        )),
        _ => Ok((s.to_string(), None)),
    }
}

/// Works out where to connect for an account.
pub fn server_address(account: &AccountConfig) -> Result<ServerAddress, CommandError> {
    let setting = account
        .server
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .or_else(|| aor_domain(&account.address))
        .ok_or_else(|| bad("no server and no domain in the address"))?;
    let lower = setting.to_ascii_lowercase();
    let mut kind_explicit = account.transport != Transport::Auto;
    let mut kind = match account.transport {
        Transport::Udp | Transport::Auto => LinkKind::Udp,
        Transport::Tcp => LinkKind::Tcp,
        Transport::Tls => LinkKind::Tls,
        Transport::Ws => LinkKind::Ws,
        Transport::Wss => LinkKind::Wss,
    };
    let mut ws_path = "/".to_string();
    let hostport = if let Some(rest) = lower
        .strip_prefix("wss://")
        .map(|_| (LinkKind::Wss, &setting[6..]))
        .or_else(|| {
            lower
                .strip_prefix("ws://")
                .map(|_| (LinkKind::Ws, &setting[5..]))
        }) {
        kind = rest.0;
        kind_explicit = true;
        let (hp, path) = rest.1.split_once('/').unwrap_or((rest.1, ""));
        ws_path = format!("/{path}");
        hp.to_string()
    } else if lower.starts_with("sip:") || lower.starts_with("sips:") {
        let secure = lower.starts_with("sips:");
        let rest = &setting[if secure { 5 } else { 4 }..];
        let rest = rest.trim_start_matches('/');
        let (hp, params) = rest.split_once(';').unwrap_or((rest, ""));
        let hp = hp.rsplit_once('@').map_or(hp, |(_, h)| h);
        for p in params.split(';') {
            if let Some(t) = p.to_ascii_lowercase().strip_prefix("transport=") {
                kind = match t {
                    "udp" => LinkKind::Udp,
                    "tcp" => LinkKind::Tcp,
                    "tls" => LinkKind::Tls,
                    "ws" => LinkKind::Ws,
                    "wss" => LinkKind::Wss,
                    other => return Err(bad(format!("unknown transport {other:?}"))),
                };
                kind_explicit = true;
            }
        }
        if secure && matches!(kind, LinkKind::Tcp | LinkKind::Udp) {
            kind = LinkKind::Tls;
            kind_explicit = true;
        }
        hp.to_string()
    } else {
        setting.clone()
    };
    let (host, port) = split_host_port(&hostport)?;
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(bad(format!("bad server host {host:?}")));
    }
    Ok(ServerAddress {
        port: port.unwrap_or_else(|| default_port(kind)),
        port_explicit: port.is_some(),
        kind_explicit,
        kind,
        host,
        ws_path,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(server: Option<&str>, transport: Transport) -> AccountConfig {
        let mut a = AccountConfig::new("a", "sip:alice@example.com");
        a.server = server.map(str::to_string);
        a.transport = transport;
        a
    }

    #[test]
    fn server_settings_in_every_form() {
        let s = server_address(&acct(None, Transport::Auto)).unwrap();
        assert_eq!(
            (s.kind, s.host.as_str(), s.port),
            (LinkKind::Udp, "example.com", 5060)
        );
        let s = server_address(&acct(Some("127.0.0.1:5070"), Transport::Tcp)).unwrap();
        assert_eq!(
            (s.kind, s.host.as_str(), s.port),
            (LinkKind::Tcp, "127.0.0.1", 5070)
        );
        let s = server_address(&acct(
            Some("sip:pbx.example;transport=tls"),
            Transport::Auto,
        ))
        .unwrap();
        assert_eq!((s.kind, s.port), (LinkKind::Tls, 5061));
        let s = server_address(&acct(Some("wss://edge.example:8443/ws"), Transport::Auto)).unwrap();
        assert_eq!(
            (s.kind, s.port, s.ws_path.as_str()),
            (LinkKind::Wss, 8443, "/ws")
        );
        let s = server_address(&acct(Some("[::1]:5060"), Transport::Udp)).unwrap();
        assert_eq!(s.host, "::1");
        let s = server_address(&acct(Some("ws://127.0.0.1:8080"), Transport::Udp)).unwrap();
        assert_eq!((s.kind, s.ws_path.as_str()), (LinkKind::Ws, "/"));
        // what DNS may choose (RFC 3263): bare host → NAPTR; port → A only; transport → SRV
        let s = server_address(&acct(Some("example.com"), Transport::Auto)).unwrap();
        assert_eq!((s.port_explicit, s.kind_explicit), (false, false));
        let s = server_address(&acct(Some("example.com:5070"), Transport::Auto)).unwrap();
        assert_eq!((s.port_explicit, s.kind_explicit), (true, false));
        let s = server_address(&acct(Some("example.com"), Transport::Tcp)).unwrap();
        assert_eq!((s.port_explicit, s.kind_explicit), (false, true));
        let s = server_address(&acct(Some("sips:example.com"), Transport::Auto)).unwrap();
        assert_eq!(
            (s.kind, s.port, s.kind_explicit),
            (LinkKind::Tls, 5061, true)
        );
    }

    #[test]
    fn bad_servers_are_refused() {
        for bad in ["host:notaport", "[::1", "sip:x;transport=pigeon", "a b"] {
            assert!(
                server_address(&acct(Some(bad), Transport::Udp)).is_err(),
                "{bad}"
            );
        }
        assert_eq!(
            aor_domain("sip:alice@example.com;x=y").as_deref(),
            Some("example.com")
        );
        assert_eq!(aor_domain("alice"), None);
    }
}
