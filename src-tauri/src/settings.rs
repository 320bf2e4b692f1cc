//! The settings file: JSON in the OS config directory, versioned, written atomically
//! (temporary file, fsync, rename). Secrets are never part of it: an account only records
//! *which kind* of secret it has and whether the user asked to remember it; the value lives in
//! the OS keyring (see [`crate::secrets`]).

use serde::{Deserialize, Serialize};
use softphone_engine::{AccountConfig, AccountId, Credential, Secret};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The current settings format. Older files are migrated on load.
pub const SETTINGS_VERSION: u32 = 1;

/// How many recent numbers are kept.
pub const MAX_RECENTS: usize = 10;

/// The colour scheme.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    /// Follow the system.
    #[default]
    System,
    /// Always light.
    Light,
    /// Always dark.
    Dark,
}

/// The log verbosity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogLevel {
    /// Errors only.
    Error,
    /// Errors and warnings.
    Warn,
    /// The normal level.
    #[default]
    Info,
    /// Debugging detail.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    /// The `tracing` filter directive for this level.
    pub fn directive(self) -> &'static str {
        match self {
            LogLevel::Error => "error",
            LogLevel::Warn => "warn",
            LogLevel::Info => "info",
            LogLevel::Debug => "debug",
            LogLevel::Trace => "trace",
        }
    }
}

/// Which kind of secret an account uses (the value is in the keyring).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretKind {
    /// A password.
    Password,
    /// A digest HA1.
    Ha1,
    /// A bearer token.
    BearerToken,
}

impl SecretKind {
    /// The kind of a credential.
    pub fn of(credential: &Credential) -> Self {
        match credential {
            Credential::Password(_) => SecretKind::Password,
            Credential::Ha1(_) => SecretKind::Ha1,
            Credential::BearerToken(_) => SecretKind::BearerToken,
        }
    }

    /// Rebuilds a credential of this kind around a value from the keyring.
    pub fn credential(self, secret: Secret) -> Credential {
        match self {
            SecretKind::Password => Credential::Password(secret),
            SecretKind::Ha1 => Credential::Ha1(secret),
            SecretKind::BearerToken => Credential::BearerToken(secret),
        }
    }
}

/// An account as stored: its settings and what is known about its secret.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct StoredAccount {
    /// Everything but the secret.
    pub config: AccountConfig,
    /// The kind of secret kept in the keyring, if any.
    #[serde(default)]
    pub secret_kind: Option<SecretKind>,
    /// The user asked to keep the secret in the keyring.
    #[serde(default = "yes")]
    pub remember: bool,
}

fn yes() -> bool {
    true
}

/// The user's preferences that the UI edits directly.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Preferences {
    /// The UI language (a tag from [`crate::i18n::LANGUAGES`]); the system's when unset.
    pub language: Option<String>,
    /// Colour scheme.
    pub theme: Theme,
    /// Start hidden in the tray.
    pub start_minimised: bool,
    /// Start when the user logs in.
    pub start_at_login: bool,
    /// Log verbosity.
    pub log_level: LogLevel,
}

impl Default for Preferences {
    fn default() -> Self {
        Self {
            language: None,
            theme: Theme::System,
            start_minimised: false,
            start_at_login: false,
            log_level: LogLevel::Info,
        }
    }
}

/// Everything the app remembers between runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// Format version ([`SETTINGS_VERSION`] when written by this build).
    pub version: u32,
    /// UI preferences.
    pub preferences: Preferences,
    /// Accounts, in the order the user added them.
    pub accounts: Vec<StoredAccount>,
    /// Chosen microphone (`None`: system default).
    pub microphone: Option<String>,
    /// Chosen speaker.
    pub speaker: Option<String>,
    /// Chosen ringer.
    pub ringer: Option<String>,
    /// Debug tracing on.
    pub debug: bool,
    /// Do-not-disturb on.
    pub do_not_disturb: bool,
    /// Recently dialled numbers, newest first.
    pub recents: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            version: SETTINGS_VERSION,
            preferences: Preferences::default(),
            accounts: Vec::new(),
            microphone: None,
            speaker: None,
            ringer: None,
            debug: false,
            do_not_disturb: false,
            recents: Vec::new(),
        }
    }
}

impl Settings {
    /// Adds or replaces an account, keeping its position.
    pub fn upsert_account(&mut self, account: StoredAccount) {
        match self
            .accounts
            .iter_mut()
            .find(|a| a.config.id == account.config.id)
        {
            Some(slot) => *slot = account,
            None => self.accounts.push(account),
        }
    }

    /// Forgets an account.
    pub fn remove_account(&mut self, id: &AccountId) {
        self.accounts.retain(|a| &a.config.id != id);
    }

    /// The stored account with this id.
    pub fn account(&self, id: &AccountId) -> Option<&StoredAccount> {
        self.accounts.iter().find(|a| &a.config.id == id)
    }

    /// Puts a number at the top of the recent list (deduplicated, bounded).
    pub fn remember_recent(&mut self, number: &str) {
        let number = number.trim();
        if number.is_empty() {
            return;
        }
        self.recents.retain(|n| n != number);
        self.recents.insert(0, number.to_string());
        self.recents.truncate(MAX_RECENTS);
    }
}

/// Why the settings could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file system refused.
    #[error("settings file {path}: {source}")]
    Io {
        /// Which file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The settings could not be serialised.
    #[error("settings could not be encoded: {0}")]
    Encode(#[from] serde_json::Error),
}

/// Reads and writes the settings file.
#[derive(Clone, Debug)]
pub struct SettingsStore {
    path: PathBuf,
}

impl SettingsStore {
    /// The file name inside the config directory.
    pub const FILE_NAME: &'static str = "settings.json";

    /// A store for `settings.json` in `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join(Self::FILE_NAME),
        }
    }

    /// The settings file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the settings. A missing file gives the defaults; an unreadable one is kept aside
    /// (`settings.json.broken`) so nothing the user entered is silently lost, and the defaults
    /// are used.
    pub fn load(&self) -> Settings {
        let text = match fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Settings::default(),
            Err(e) => {
                tracing::warn!(path = %self.path.display(), error = %e, "settings unreadable");
                return Settings::default();
            }
        };
        match parse(&text) {
            Ok(s) => s,
            Err(e) => {
                let aside = self.path.with_extension("json.broken");
                tracing::warn!(path = %self.path.display(), error = %e, aside = %aside.display(),
                    "settings file is not valid; keeping it aside and starting from defaults");
                let _ = fs::rename(&self.path, aside);
                Settings::default()
            }
        }
    }

    /// Writes the settings atomically: a temporary file in the same directory, flushed to disk,
    /// then renamed over the old file.
    pub fn save(&self, settings: &Settings) -> Result<(), SettingsError> {
        let io = |source| SettingsError::Io {
            path: self.path.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or_else(|| Path::new("."));
        fs::create_dir_all(dir).map_err(io)?;
        let mut settings = settings.clone();
        settings.version = SETTINGS_VERSION;
        let mut text = serde_json::to_string_pretty(&settings)?;
        text.push('\n');
        let tmp = self
            .path
            .with_extension(format!("json.tmp{}", std::process::id()));
        let write = || -> std::io::Result<()> {
            let mut file = fs::File::create(&tmp)?;
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                file.set_permissions(fs::Permissions::from_mode(0o600))?;
            }
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
            fs::rename(&tmp, &self.path)?;
            // Make the rename itself durable.
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
            Ok(())
        };
        write().map_err(|e| {
            let _ = fs::remove_file(&tmp);
            io(e)
        })
    }
}

/// Parses a settings file of any known version, migrating it to the current one.
pub fn parse(text: &str) -> Result<Settings, serde_json::Error> {
    let mut value: serde_json::Value = serde_json::from_str(text)?;
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version == 0 {
        // Version 0 (before versioning) kept preferences at the top level.
        if let Some(obj) = value.as_object_mut() {
            let mut prefs = serde_json::Map::new();
            for key in [
                "language",
                "theme",
                "start_minimised",
                "start_at_login",
                "log_level",
            ] {
                if let Some(v) = obj.remove(key) {
                    prefs.insert(key.to_string(), v);
                }
            }
            obj.insert("preferences".into(), serde_json::Value::Object(prefs));
        }
    }
    let mut settings: Settings = serde_json::from_value(value)?;
    settings.version = SETTINGS_VERSION;
    Ok(settings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("softphone-settings-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn round_trip_and_atomic_write() {
        let dir = temp_dir("round-trip");
        let store = SettingsStore::in_dir(&dir);
        assert_eq!(store.load(), Settings::default());
        let mut s = Settings::default();
        s.preferences.theme = Theme::Dark;
        s.upsert_account(StoredAccount {
            config: AccountConfig::new("work", "alice@example.com"),
            secret_kind: Some(SecretKind::Password),
            remember: true,
        });
        s.remember_recent("+4930123");
        store.save(&s).unwrap();
        assert_eq!(store.load(), s);
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, vec!["settings.json".to_string()]);
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn broken_file_is_kept_aside() {
        let dir = temp_dir("broken");
        let store = SettingsStore::in_dir(&dir);
        fs::write(store.path(), "{ not json").unwrap();
        assert_eq!(store.load(), Settings::default());
        assert!(dir.join("settings.json.broken").exists());
        let _ = fs::remove_dir_all(dir);
    }

    #[test]
    fn version_zero_is_migrated() {
        let s = parse(r#"{"theme":"dark","language":"de","recents":["1"]}"#).unwrap();
        assert_eq!(s.version, SETTINGS_VERSION);
        assert_eq!(s.preferences.theme, Theme::Dark);
        assert_eq!(s.preferences.language.as_deref(), Some("de"));
        assert_eq!(s.recents, vec!["1".to_string()]);
    }

    #[test]
    fn recents_are_deduplicated_and_bounded() {
        let mut s = Settings::default();
        for i in 0..15 {
            s.remember_recent(&format!("{i}"));
        }
        s.remember_recent("3");
        assert_eq!(s.recents.len(), MAX_RECENTS);
        assert_eq!(s.recents[0], "3");
        assert_eq!(s.recents.iter().filter(|n| *n == "3").count(), 1);
    }
}
