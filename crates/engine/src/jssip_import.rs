//! Importing an account from a JsSIP-style configuration object, the JSON that WebRTC SIP
//! services hand to browser SDKs: `uri`, `sockets` (WebSocket URLs, optionally with weights),
//! `password` / `ha1` / `authorization_jwt`, `authorization_user`, `realm`, `display_name`,
//! `register`, `register_expires`, `session_timers`, `no_answer_timeout`,
//! `connection_recovery_min_interval` / `_max_interval`, `user_agent`, `extraHeaders`, and the
//! `pcConfig` of RTCPeerConnection (`iceServers`, `iceTransportPolicy: "relay"`).
//!
//! Secrets come back apart from the settings ([`Imported::credential`]): the caller puts them
//! in the OS keyring, never in the settings file.

use crate::api::{AccountConfig, Credential, CustomHeader, IceServer, Secret, Transport};
use serde_json::Value;

/// What an import yields.
#[derive(Debug)]
pub struct Imported {
    /// The account settings (no secret in them).
    pub account: AccountConfig,
    /// The password, HA1 or token, when the object had one.
    pub credential: Option<Credential>,
    /// What was in the object but is not used, for the user to see (no secret values).
    pub ignored: Vec<String>,
}

/// The WebSocket URL and weight of one `sockets` entry: a string, or an object with `url` or
/// `socket` (JsSIP's `{socket, weight}`).
fn socket_entry(v: &Value) -> Option<(String, i64)> {
    match v {
        Value::String(url) => Some((url.clone(), 0)),
        Value::Object(o) => {
            let url = o
                .get("url")
                .or_else(|| o.get("socket"))
                .or_else(|| o.get("via_transport"))
                .and_then(Value::as_str)?;
            let weight = o.get("weight").and_then(Value::as_i64).unwrap_or(0);
            Some((url.to_string(), weight))
        }
        _ => None,
    }
}

fn text(o: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    o.get(key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn seconds(o: &serde_json::Map<String, Value>, key: &str) -> Option<u32> {
    o.get(key)
        .and_then(Value::as_f64)
        .filter(|v| v.is_finite() && *v >= 0.0 && *v <= f64::from(u32::MAX))
        .map(|v| v.round() as u32)
}

/// Builds an account `id` from a JsSIP configuration object (JSON text).
///
/// # Errors
/// The text is not a JSON object, has no usable `uri`, or no WebSocket URL in `sockets`.
pub fn import_jssip(id: &str, json: &str) -> Result<Imported, String> {
    let value: Value = serde_json::from_str(json).map_err(|e| format!("not JSON: {e}"))?;
    let o = value
        .as_object()
        .ok_or("a JsSIP configuration is a JSON object")?;
    let uri = text(o, "uri").ok_or("no \"uri\" (sip:user@domain)")?;
    if !uri.to_ascii_lowercase().starts_with("sip:") && !uri.contains('@') {
        return Err(format!("\"uri\" is not a SIP address: {uri}"));
    }
    let mut sockets: Vec<(String, i64)> = match o.get("sockets") {
        Some(Value::Array(a)) => a.iter().filter_map(socket_entry).collect(),
        Some(v) => socket_entry(v).into_iter().collect(),
        None => Vec::new(),
    };
    sockets.retain(|(url, _)| {
        let l = url.to_ascii_lowercase();
        l.starts_with("ws://") || l.starts_with("wss://")
    });
    // JsSIP tries the highest weight first.
    sockets.sort_by_key(|s| std::cmp::Reverse(s.1));
    let (server, _) = sockets
        .first()
        .cloned()
        .ok_or("no WebSocket URL (ws:// or wss://) in \"sockets\"")?;
    let mut ignored: Vec<String> = sockets
        .iter()
        .skip(1)
        .map(|(url, w)| format!("further WebSocket server {url} (weight {w})"))
        .collect();

    let mut account = AccountConfig::new(id, uri);
    account.transport = if server.to_ascii_lowercase().starts_with("wss://") {
        Transport::Wss
    } else {
        Transport::Ws
    };
    account.server = Some(server);
    account.display_name = text(o, "display_name");
    account.auth_user = text(o, "authorization_user");
    account.realm = text(o, "realm");
    account.user_agent = text(o, "user_agent");
    if let Some(register) = o.get("register").and_then(Value::as_bool) {
        account.register = register;
    }
    if let Some(expires) = seconds(o, "register_expires") {
        account.register_expires = expires.max(60);
    }
    if let Some(secs) = seconds(o, "no_answer_timeout") {
        account.no_answer_timeout_secs = secs;
    }
    if let Some(min) = seconds(o, "connection_recovery_min_interval") {
        account.reconnect_min_secs = min.max(1);
    }
    if let Some(max) = seconds(o, "connection_recovery_max_interval") {
        account.reconnect_max_secs = max.max(account.reconnect_min_secs);
    }
    if o.get("session_timers").and_then(Value::as_bool) == Some(false) {
        // 0, not `None`: an absent value means the default in settings files.
        account.session_expires_secs = Some(0);
    }
    if let Some(Value::Array(headers)) = o.get("extraHeaders").or_else(|| o.get("extra_headers")) {
        for h in headers.iter().filter_map(Value::as_str) {
            match h.split_once(':') {
                Some((name, value)) if !name.trim().is_empty() => {
                    account.custom_headers.push(CustomHeader {
                        name: name.trim().to_string(),
                        value: value.trim().to_string(),
                    });
                }
                _ => ignored.push(format!("malformed extra header {h:?}")),
            }
        }
    }
    if let Some(pc) = o.get("pcConfig").and_then(Value::as_object) {
        if pc.get("iceTransportPolicy").and_then(Value::as_str) == Some("relay") {
            account.ice_relay_only = true;
        }
        for server in pc
            .get("iceServers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
        {
            let urls: Vec<String> = match server.get("urls").or_else(|| server.get("url")) {
                Some(Value::String(u)) => vec![u.clone()],
                Some(Value::Array(a)) => a
                    .iter()
                    .filter_map(Value::as_str)
                    .map(str::to_string)
                    .collect(),
                _ => Vec::new(),
            };
            if server.get("credential").is_some() {
                ignored.push(
                    "a TURN credential (the settings keep no TURN secret yet; not imported)".into(),
                );
            }
            for url in urls {
                account.ice_servers.push(IceServer {
                    url,
                    username: text(server, "username"),
                });
            }
        }
    }
    let credential = if let Some(token) = text(o, "authorization_jwt") {
        Some(Credential::BearerToken(Secret::new(token)))
    } else if let Some(ha1) = text(o, "ha1") {
        Some(Credential::Ha1(Secret::new(ha1)))
    } else {
        text(o, "password").map(|p| Credential::Password(Secret::new(p)))
    };
    for key in o.keys() {
        const KNOWN: &[&str] = &[
            "uri",
            "sockets",
            "password",
            "ha1",
            "authorization_jwt",
            "authorization_user",
            "realm",
            "display_name",
            "register",
            "register_expires",
            "session_timers",
            "session_timers_refresh_method",
            "no_answer_timeout",
            "connection_recovery_min_interval",
            "connection_recovery_max_interval",
            "user_agent",
            "extraHeaders",
            "extra_headers",
            "pcConfig",
        ];
        if !KNOWN.contains(&key.as_str()) {
            ignored.push(format!("unknown option {key:?}"));
        }
    }
    Ok(Imported {
        account,
        credential,
        ignored,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_typical_service_configuration_is_imported() {
        let json = r#"{
            "uri": "sip:alice@example.com",
            "sockets": [{"socket": "wss://edge2.example.com:7443/ws", "weight": 10},
                        "wss://edge1.example.com/ws",
                        {"url": "wss://edge3.example.com", "weight": 20}],
            "password": "s3cret", "authorization_user": "alice-auth", "realm": "example.com",
            "display_name": "Alice", "register_expires": 300, "session_timers": false,
            "no_answer_timeout": 45, "connection_recovery_min_interval": 3,
            "connection_recovery_max_interval": 60, "extraHeaders": ["X-Tenant: blue", "broken"],
            "pcConfig": {"iceTransportPolicy": "relay", "iceServers": [
                {"urls": ["stun:stun.example.com:3478"]},
                {"urls": "turn:turn.example.com:3478?transport=udp", "username": "u", "credential": "c"}]},
            "trace_sip": true
        }"#;
        let i = import_jssip("svc", json).unwrap();
        let a = &i.account;
        assert_eq!(a.address, "sip:alice@example.com");
        assert_eq!(a.transport, Transport::Wss);
        assert_eq!(a.server.as_deref(), Some("wss://edge3.example.com"));
        assert_eq!(a.auth_user.as_deref(), Some("alice-auth"));
        assert_eq!(a.realm.as_deref(), Some("example.com"));
        assert_eq!(a.display_name.as_deref(), Some("Alice"));
        assert_eq!(a.register_expires, 300);
        assert_eq!(a.session_expires_secs, Some(0));
        assert_eq!(a.no_answer_timeout_secs, 45);
        assert_eq!((a.reconnect_min_secs, a.reconnect_max_secs), (3, 60));
        assert_eq!(a.custom_headers.len(), 1);
        assert!(a.ice_relay_only);
        assert_eq!(a.ice_servers.len(), 2);
        assert_eq!(a.ice_servers[1].username.as_deref(), Some("u"));
        assert!(matches!(i.credential, Some(Credential::Password(_))));
        // Secrets never land in the settings.
        let saved = serde_json::to_string(&i.account).unwrap();
        assert!(
            !saved.contains("s3cret") && !saved.contains("\"c\""),
            "{saved}"
        );
        let ignored = i.ignored.join("\n");
        assert!(
            ignored.contains("edge2") && ignored.contains("edge1"),
            "{ignored}"
        );
        assert!(
            ignored.contains("trace_sip") && ignored.contains("broken"),
            "{ignored}"
        );
        assert!(ignored.contains("TURN credential"), "{ignored}");
    }

    #[test]
    fn tokens_and_ha1_win_over_passwords() {
        let base = r#""uri": "sip:a@b", "sockets": "ws://b:8080", "password": "p""#;
        let jwt = import_jssip("x", &format!("{{{base}, \"authorization_jwt\": \"t\"}}")).unwrap();
        assert!(matches!(jwt.credential, Some(Credential::BearerToken(_))));
        assert_eq!(jwt.account.transport, Transport::Ws);
        let ha1 = import_jssip("x", &format!("{{{base}, \"ha1\": \"abc\"}}")).unwrap();
        assert!(matches!(ha1.credential, Some(Credential::Ha1(_))));
    }

    #[test]
    fn unusable_objects_are_refused_with_a_reason() {
        for (json, why) in [
            ("[]", "object"),
            ("{", "JSON"),
            (r#"{"sockets": "wss://x"}"#, "uri"),
            (r#"{"uri": "sip:a@b"}"#, "WebSocket"),
            (
                r#"{"uri": "sip:a@b", "sockets": ["udp://x", 5]}"#,
                "WebSocket",
            ),
            (
                r#"{"uri": "nonsense", "sockets": "wss://x"}"#,
                "SIP address",
            ),
        ] {
            let e = import_jssip("x", json).unwrap_err();
            assert!(e.contains(why), "{json}: {e}");
        }
        // Hostile numbers are clamped or ignored, never a panic.
        let i = import_jssip(
            "x",
            r#"{"uri": "sip:a@b", "sockets": "wss://x", "register_expires": -5,
                "no_answer_timeout": 1e300, "connection_recovery_min_interval": 0}"#,
        )
        .unwrap();
        assert_eq!(i.account.reconnect_min_secs, 1);
    }
}
