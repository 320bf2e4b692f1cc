//! Account passwords in the OS keyring (the Secret Service on Linux), shared with the desktop
//! app: the same entry (service [`SERVICE`], user = the account id) is read by both, so an
//! account file whose `id` matches an app account uses the password the app stored, and
//! `softphone-cli password set FILE` stores one the app will find.
//!
//! `SOFTPHONE_KEYRING` picks the store as in the app: `system` (default), `mock` (in memory,
//! tests), `none` (no keyring; only the environment variables are used).

use keyring_core::{CredentialStore, Error as KeyringError};
use std::sync::Arc;
use std::time::Duration;

/// The keyring service name; the desktop app's (`src-tauri/src/secrets.rs`).
pub const SERVICE: &str = "org.softphone.desktop";

/// How long one keyring operation may take (a locked keyring can wait for a prompt nobody
/// answers).
const KEYRING_TIMEOUT: Duration = Duration::from_secs(10);

fn store() -> Result<Arc<CredentialStore>, String> {
    match std::env::var("SOFTPHONE_KEYRING").as_deref() {
        Ok("none") => Err("disabled by SOFTPHONE_KEYRING=none".into()),
        Ok("mock") => match keyring_core::mock::Store::new() {
            Ok(s) => Ok(s),
            Err(e) => Err(e.to_string()),
        },
        _ => system(),
    }
}

#[cfg(target_os = "linux")]
fn system() -> Result<Arc<CredentialStore>, String> {
    match zbus_secret_service_keyring_store::Store::new() {
        Ok(s) => Ok(s),
        Err(e) => Err(format!("Secret Service: {e}")),
    }
}

#[cfg(not(target_os = "linux"))]
fn system() -> Result<Arc<CredentialStore>, String> {
    Err("no keyring store is wired up for this platform yet".into())
}

/// Runs a keyring operation on its own thread, bounded by [`KEYRING_TIMEOUT`].
fn bounded<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, String> + Send + 'static,
) -> Result<T, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name("keyring".into())
        .spawn(move || {
            let _ = tx.send(f());
        })
        .map_err(|e| format!("keyring thread: {e}"))?;
    rx.recv_timeout(KEYRING_TIMEOUT)
        .map_err(|_| "the keyring did not answer in time (locked?)".to_string())?
}

/// The password stored for an account; `Ok(None)` when there is no entry.
pub fn load(account_id: &str) -> Result<Option<String>, String> {
    let id = account_id.to_string();
    bounded(move || {
        let entry = store()?
            .build(SERVICE, &id, None)
            .map_err(|e| format!("keyring: {e}"))?;
        match entry.get_password() {
            Ok(p) => Ok(Some(p)),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(format!("keyring: {e}")),
        }
    })
}

/// Stores (or replaces) an account's password.
pub fn save(account_id: &str, password: String) -> Result<(), String> {
    let id = account_id.to_string();
    bounded(move || {
        store()?
            .build(SERVICE, &id, None)
            .map_err(|e| format!("keyring: {e}"))?
            .set_password(&password)
            .map_err(|e| format!("keyring: {e}"))
    })
}

/// `softphone-cli password set FILE`: reads the password from standard input (the first line,
/// without its line end) and stores it for the file's account.
pub fn set_from_stdin(path: &std::path::Path) -> Result<String, String> {
    let config = crate::account::load(path)?;
    let mut line = String::new();
    std::io::stdin()
        .read_line(&mut line)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err("empty password on standard input".into());
    }
    save(&config.id.0, password)?;
    Ok(config.id.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_service_is_the_apps() {
        // src-tauri/src/secrets.rs: the app and the CLI must find the same entry.
        let app = include_str!("../../../src-tauri/src/secrets.rs");
        assert!(app.contains(&format!("pub const SERVICE: &str = \"{SERVICE}\";")));
    }

    #[test]
    fn no_keyring_is_a_clear_error() {
        // (only the keyring code reads the variable)
        std::env::set_var("SOFTPHONE_KEYRING", "none");
        let err = load("x").unwrap_err();
        assert!(err.contains("SOFTPHONE_KEYRING"), "{err}");
        std::env::remove_var("SOFTPHONE_KEYRING");
    }
}
