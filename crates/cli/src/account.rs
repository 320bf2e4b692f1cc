//! Reading an account file.

use softphone_engine::{AccountConfig, AccountId, Credential, Secret};
use std::path::Path;

/// The account file: the app's account settings, with an optional `id` (default `cli`).
#[derive(Debug, serde::Deserialize)]
struct AccountFile {
    #[serde(default)]
    id: Option<String>,
    #[serde(flatten)]
    rest: toml::Table,
}

/// Loads an account from a TOML file.
pub fn load(path: &Path) -> Result<AccountConfig, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read account file {}: {e}", path.display()))?;
    parse(&text).map_err(|e| format!("account file {}: {e}", path.display()))
}

fn parse(text: &str) -> Result<AccountConfig, String> {
    let file: AccountFile = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
    if file.rest.contains_key("password") {
        return Err(
            "passwords do not belong in account files; use `softphone-cli password set FILE` \
             (the OS keyring) or SOFTPHONE_PASSWORD"
                .into(),
        );
    }
    let mut table = file.rest;
    table.insert(
        "id".into(),
        toml::Value::String(file.id.unwrap_or_else(|| "cli".into())),
    );
    let config: AccountConfig = toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| e.message().to_string())?;
    Ok(config)
}

/// The account's credential: `SOFTPHONE_TOKEN`, `SOFTPHONE_HA1` or `SOFTPHONE_PASSWORD` when
/// set (an explicit override, and no keyring round trip: a D-Bus Secret Service lookup costs a
/// few hundred milliseconds); otherwise the password the OS keyring holds for the account id
/// (the desktop app's entry, see [`crate::keyring`]).
pub fn credential(account: &AccountId) -> Option<Credential> {
    if let Ok(token) = std::env::var("SOFTPHONE_TOKEN") {
        return Some(Credential::BearerToken(Secret::new(token)));
    }
    if let Ok(ha1) = std::env::var("SOFTPHONE_HA1") {
        return Some(Credential::Ha1(Secret::new(ha1)));
    }
    if let Ok(password) = std::env::var("SOFTPHONE_PASSWORD") {
        return Some(Credential::Password(Secret::new(password)));
    }
    match crate::keyring::load(&account.0) {
        Ok(Some(password)) => {
            tracing::info!(account = %account.0, "password from the keyring");
            Some(Credential::Password(Secret::new(password)))
        }
        Ok(None) => {
            tracing::info!(account = %account.0, "no password in the keyring and no SOFTPHONE_PASSWORD");
            None
        }
        Err(e) => {
            tracing::warn!(error = %e, "keyring unavailable and no SOFTPHONE_PASSWORD");
            None
        }
    }
}

/// The id of a loaded account.
pub fn id(config: &AccountConfig) -> AccountId {
    config.id.clone()
}

#[cfg(test)]
mod tests {
    use super::*;
    use softphone_engine::Transport;

    #[test]
    fn a_minimal_file_gets_defaults() {
        let c = parse("address = \"sip:alice@127.0.0.1\"\ntransport = \"tcp\"\n").unwrap();
        assert_eq!(c.id.0, "cli");
        assert_eq!(c.transport, Transport::Tcp);
        assert_eq!(c.register_expires, 600);
        assert!(c.tls_verify);
    }

    #[test]
    fn bad_files_say_why() {
        assert!(!parse("address = ").unwrap_err().is_empty());
        assert!(parse("transport = \"carrier-pigeon\"\naddress=\"a@b\"")
            .unwrap_err()
            .contains("carrier-pigeon"));
        assert!(parse("address=\"a@b\"\npassword=\"x\"")
            .unwrap_err()
            .contains("SOFTPHONE_PASSWORD"));
    }
}
