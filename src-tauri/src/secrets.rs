//! Account secrets in the OS keyring (keyring-core; the Secret Service on Linux).
//!
//! One entry per account: service [`SERVICE`], user = the account id, value = the secret.
//! The settings file only records the secret's kind. When no keyring is reachable the app says
//! so and offers to use the secret for this session only ("don't remember").
//!
//! The store is injected, so unit tests use keyring-core's mock store and the bed tier runs the
//! same code against a real gnome-keyring.

use keyring_core::{CredentialStore, Error as KeyringError};
use softphone_engine::{AccountId, CommandError, ErrorCode, Secret};
use std::sync::Arc;
use std::time::Duration;

/// The keyring service name of every entry this app writes.
pub const SERVICE: &str = "org.softphone.desktop";

/// How long one keyring operation may take before the keyring counts as unavailable (a locked
/// keyring can wait for a prompt that nobody answers).
pub const KEYRING_TIMEOUT: Duration = Duration::from_secs(10);

/// Access to the secrets of all accounts.
#[derive(Clone)]
pub struct SecretStore {
    store: Option<Arc<CredentialStore>>,
    why_unavailable: String,
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretStore")
            .field("available", &self.store.is_some())
            .finish()
    }
}

fn unavailable(detail: impl Into<String>) -> CommandError {
    CommandError::new(ErrorCode::KeyringUnavailable, detail)
}

fn map_error(e: KeyringError) -> CommandError {
    // The error text names the store's failure, never the secret.
    unavailable(format!("keyring: {e}"))
}

impl SecretStore {
    /// A store backed by `store`.
    pub fn with_store(store: Arc<CredentialStore>) -> Self {
        Self {
            store: Some(store),
            why_unavailable: String::new(),
        }
    }

    /// A store that refuses everything (no keyring on this system, or disabled for tests).
    pub fn unavailable(reason: impl Into<String>) -> Self {
        Self {
            store: None,
            why_unavailable: reason.into(),
        }
    }

    /// The platform's keyring, chosen by `SOFTPHONE_KEYRING` (`system`, the default; `mock`, an
    /// in-memory store for tests; `none`, no keyring at all).
    pub fn from_env() -> Self {
        match std::env::var("SOFTPHONE_KEYRING").as_deref() {
            Ok("none") => Self::unavailable("disabled by SOFTPHONE_KEYRING=none"),
            Ok("mock") => match keyring_core::mock::Store::new() {
                Ok(s) => Self::with_store(s),
                Err(e) => Self::unavailable(e.to_string()),
            },
            _ => Self::system(),
        }
    }

    /// The platform's keyring.
    pub fn system() -> Self {
        #[cfg(target_os = "linux")]
        {
            match zbus_secret_service_keyring_store::Store::new() {
                Ok(s) => Self::with_store(s),
                Err(e) => Self::unavailable(format!("Secret Service: {e}")),
            }
        }
        #[cfg(not(target_os = "linux"))]
        {
            Self::unavailable("no keyring store is wired up for this platform yet")
        }
    }

    fn entry(&self, account: &AccountId) -> Result<keyring_core::Entry, CommandError> {
        let store = self
            .store
            .as_ref()
            .ok_or_else(|| unavailable(self.why_unavailable.clone()))?;
        store.build(SERVICE, &account.0, None).map_err(map_error)
    }

    /// Whether the keyring answers: reading an entry that need not exist must not fail for
    /// any reason but "no entry".
    pub fn probe(&self) -> Result<(), CommandError> {
        let entry = self.entry(&AccountId("softphone-probe".into()))?;
        match entry.get_password() {
            Ok(_) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Stores (or replaces) an account's secret.
    pub fn save(&self, account: &AccountId, secret: &Secret) -> Result<(), CommandError> {
        self.entry(account)?
            .set_password(secret.expose())
            .map_err(map_error)
    }

    /// The account's secret, `None` when none is stored.
    pub fn load(&self, account: &AccountId) -> Result<Option<Secret>, CommandError> {
        match self.entry(account)?.get_password() {
            Ok(p) => Ok(Some(Secret::new(p))),
            Err(KeyringError::NoEntry) => Ok(None),
            Err(e) => Err(map_error(e)),
        }
    }

    /// Deletes the account's secret; deleting a missing one is not an error.
    pub fn delete(&self, account: &AccountId) -> Result<(), CommandError> {
        match self.entry(account)?.delete_credential() {
            Ok(()) | Err(KeyringError::NoEntry) => Ok(()),
            Err(e) => Err(map_error(e)),
        }
    }
}

/// Runs a keyring operation off the async threads, bounded by [`KEYRING_TIMEOUT`].
pub async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, CommandError> + Send + 'static,
) -> Result<T, CommandError> {
    let task = tauri::async_runtime::spawn_blocking(f);
    match tokio::time::timeout(KEYRING_TIMEOUT, task).await {
        Ok(Ok(result)) => result,
        Ok(Err(e)) => Err(unavailable(format!("keyring task failed: {e}"))),
        Err(_) => Err(unavailable("the keyring did not answer in time (locked?)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mock() -> SecretStore {
        SecretStore::with_store(keyring_core::mock::Store::new().unwrap())
    }

    #[test]
    fn save_load_delete_with_the_mock_store() {
        let s = mock();
        let id = AccountId("work".into());
        s.probe().unwrap();
        assert_eq!(s.load(&id).unwrap(), None);
        s.save(&id, &Secret::new("hunter2")).unwrap();
        assert_eq!(s.load(&id).unwrap().unwrap().expose(), "hunter2");
        s.save(&id, &Secret::new("correct horse")).unwrap();
        assert_eq!(s.load(&id).unwrap().unwrap().expose(), "correct horse");
        s.delete(&id).unwrap();
        assert_eq!(s.load(&id).unwrap(), None);
        s.delete(&id).unwrap();
    }

    #[test]
    fn store_failures_become_keyring_unavailable() {
        let s = mock();
        let id = AccountId("work".into());
        let entry = s.entry(&id).unwrap();
        let cred: &keyring_core::mock::Cred = entry.as_any().downcast_ref().unwrap();
        cred.set_error(KeyringError::NoStorageAccess(Box::new(
            std::io::Error::other("locked"),
        )));
        let err = s.save(&id, &Secret::new("x")).unwrap_err();
        assert_eq!(err.code, ErrorCode::KeyringUnavailable);
        assert!(!err.detail.contains('x') || !err.detail.contains("\"x\""));
    }

    #[test]
    fn no_keyring_says_so() {
        let s = SecretStore::unavailable("no D-Bus session");
        let err = s.probe().unwrap_err();
        assert_eq!(err.code, ErrorCode::KeyringUnavailable);
        assert!(err.detail.contains("D-Bus"));
    }

    /// The bed tier: a real Secret Service (gnome-keyring) on the session bus.
    #[test]
    #[ignore = "needs the test bed (D-Bus + gnome-keyring)"]
    fn real_secret_service_round_trip() {
        let s = SecretStore::system();
        s.probe().expect("the Secret Service answers");
        let id = AccountId(format!("bed-test-{}", std::process::id()));
        s.save(&id, &Secret::new("bed-secret")).unwrap();
        assert_eq!(s.load(&id).unwrap().unwrap().expose(), "bed-secret");
        s.delete(&id).unwrap();
        assert_eq!(s.load(&id).unwrap(), None);
    }
}
