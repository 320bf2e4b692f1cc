//! The app's shared state: the engine handle, the settings, the keyring, the translations, and
//! the UI's two channels (engine events, shell events).

use crate::calls::CallTracker;
use crate::i18n::{self, LocaleBundle, Localizer};
use crate::logging::LevelSetter;
use crate::secrets::{self, SecretStore};
use crate::settings::{Preferences, SecretKind, Settings, SettingsStore, StoredAccount};
use serde::Serialize;
use softphone_engine::{
    AccountConfig, AccountId, Command, CommandError, CommandOutcome, DeviceRole, Engine, ErrorCode,
    EventEnvelope,
};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use tauri::ipc::Channel;
use tokio::sync::{broadcast, Notify};

/// Where the app keeps its files.
#[derive(Clone, Debug)]
pub struct Paths {
    /// The config directory (`settings.json`).
    pub config_dir: PathBuf,
    /// The log directory.
    pub log_dir: PathBuf,
    /// The log file.
    pub log_file: PathBuf,
    /// The XDG autostart directory.
    pub autostart_dir: Option<PathBuf>,
}

impl Paths {
    /// The directories: `SOFTPHONE_CONFIG_DIR` keeps everything (settings, logs, autostart
    /// entry) inside one private folder, for tests; otherwise the OS's own places.
    pub fn from_env() -> Self {
        if let Some(dir) = std::env::var_os("SOFTPHONE_CONFIG_DIR").map(PathBuf::from) {
            return Self::in_dir(&dir);
        }
        let project = directories::ProjectDirs::from("org", "softphone", "softphone");
        let config_dir = project
            .as_ref()
            .map(|p| p.config_dir().to_path_buf())
            .unwrap_or_else(|| PathBuf::from(".softphone"));
        let log_dir = project
            .as_ref()
            .map(|p| p.data_local_dir().join("logs"))
            .unwrap_or_else(|| config_dir.join("logs"));
        Self {
            log_file: crate::logging::log_file(&log_dir),
            config_dir,
            log_dir,
            autostart_dir: crate::autostart::autostart_dir(None),
        }
    }

    /// Everything inside `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        let log_dir = dir.join("logs");
        Self {
            log_file: crate::logging::log_file(&log_dir),
            config_dir: dir.to_path_buf(),
            log_dir,
            autostart_dir: crate::autostart::autostart_dir(Some(dir)),
        }
    }
}

/// Where a dial request came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DialSource {
    /// A `sip:`/`tel:`/`callto:` link.
    Link,
    /// The tray's "Dial…".
    Tray,
}

/// Facts from the desktop shell (not the engine) for the UI.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ShellEvent {
    /// A link asks to call `target`; the UI confirms with the user first.
    DialRequest {
        /// The dial string.
        target: String,
        /// Where it came from.
        source: DialSource,
    },
    /// Show the dialer with the number field focused.
    FocusDialer,
    /// A command started outside the UI (tray, notification) failed.
    CommandFailed {
        /// The command's name.
        command: String,
        /// Why.
        error: CommandError,
    },
    /// Settings changed outside the UI (recents from the tray, language); reload them.
    SettingsChanged,
}

/// An account as the settings screen shows it.
#[derive(Clone, Debug, Serialize)]
pub struct AccountSummary {
    /// Its settings.
    pub config: AccountConfig,
    /// The kind of secret it has, if any.
    pub secret_kind: Option<SecretKind>,
    /// The secret is kept in the keyring.
    pub remember: bool,
}

/// The keyring's availability.
#[derive(Clone, Debug, Serialize)]
pub struct KeyringStatus {
    /// Secrets can be stored.
    pub available: bool,
    /// Why not, when not.
    pub detail: Option<String>,
}

/// Everything the settings screen needs.
#[derive(Clone, Debug, Serialize)]
pub struct SettingsView {
    /// UI preferences.
    pub preferences: Preferences,
    /// Accounts (no secrets).
    pub accounts: Vec<AccountSummary>,
    /// Recent numbers, newest first.
    pub recents: Vec<String>,
    /// Keyring availability.
    pub keyring: KeyringStatus,
    /// The log folder.
    pub log_dir: String,
    /// The settings file.
    pub settings_file: String,
}

#[derive(Default)]
struct ShellOutlet {
    channel: Option<Channel<ShellEvent>>,
    pending: Vec<ShellEvent>,
}

/// The state every command reaches through `tauri::State<AppState>`.
pub struct AppState {
    /// The engine.
    pub engine: Engine,
    /// The keyring.
    pub secrets: SecretStore,
    /// Where files go.
    pub paths: Paths,
    /// Woken when something the tray shows changed outside the engine's events.
    pub tray_changed: Notify,
    /// Call bookkeeping for notifications and the tray.
    pub tracker: Mutex<CallTracker>,
    store: SettingsStore,
    settings: Mutex<Settings>,
    l10n: RwLock<Arc<Localizer>>,
    forwarder: Mutex<Option<tauri::async_runtime::JoinHandle<()>>>,
    shell: Mutex<ShellOutlet>,
    set_level: Option<LevelSetter>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks leaves plain data behind; keep going.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn storage_error(e: impl std::fmt::Display) -> CommandError {
    // There is no storage code in the engine's vocabulary; the detail says what failed.
    CommandError::new(ErrorCode::InvalidState, format!("settings: {e}"))
}

impl AppState {
    /// The state for an engine, reading the settings from `paths.config_dir`.
    pub fn new(
        engine: Engine,
        paths: Paths,
        secrets: SecretStore,
        set_level: Option<LevelSetter>,
    ) -> Self {
        let store = SettingsStore::in_dir(&paths.config_dir);
        let settings = store.load();
        let language = i18n::choose_language(settings.preferences.language.as_deref());
        Self {
            engine,
            secrets,
            paths,
            tray_changed: Notify::new(),
            tracker: Mutex::new(CallTracker::default()),
            store,
            settings: Mutex::new(settings),
            l10n: RwLock::new(Arc::new(Localizer::new(language))),
            forwarder: Mutex::new(None),
            shell: Mutex::new(ShellOutlet::default()),
            set_level,
        }
    }

    /// The current translations.
    pub fn l10n(&self) -> Arc<Localizer> {
        self.l10n.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A copy of the settings.
    pub fn settings(&self) -> Settings {
        lock(&self.settings).clone()
    }

    /// Changes the settings and writes them to disk.
    pub fn update_settings(&self, f: impl FnOnce(&mut Settings)) -> Result<(), CommandError> {
        let mut guard = lock(&self.settings);
        let mut next = guard.clone();
        f(&mut next);
        if next == *guard {
            return Ok(());
        }
        self.store.save(&next).map_err(storage_error)?;
        *guard = next;
        drop(guard);
        self.tray_changed.notify_one();
        Ok(())
    }

    /// Carries out an engine command.
    pub async fn execute(&self, command: Command) -> Result<CommandOutcome, CommandError> {
        self.engine.execute(command).await
    }

    /// Applies the log level (debug mode raises it to at least `debug`).
    pub fn apply_log_level(&self) {
        if let Some(set) = &self.set_level {
            let s = self.settings();
            let mut level = s.preferences.log_level;
            if s.debug && level < crate::settings::LogLevel::Debug {
                level = crate::settings::LogLevel::Debug;
            }
            set(level);
        }
    }

    /// Switches the UI language (`None`: the system's).
    pub fn set_language(&self, language: Option<&str>) {
        let tag = i18n::choose_language(language);
        let mut guard = self.l10n.write().unwrap_or_else(|e| e.into_inner());
        if guard.language() != tag {
            *guard = Arc::new(Localizer::new(tag));
        }
    }

    /// The UI's translations.
    pub fn locale_bundle(&self) -> LocaleBundle {
        LocaleBundle::for_localizer(&self.l10n())
    }

    /// Whether the keyring can store secrets now.
    pub async fn keyring_status(&self) -> KeyringStatus {
        let secrets = self.secrets.clone();
        match secrets::blocking(move || secrets.probe()).await {
            Ok(()) => KeyringStatus {
                available: true,
                detail: None,
            },
            Err(e) => KeyringStatus {
                available: false,
                detail: Some(e.detail),
            },
        }
    }

    /// The settings screen's view.
    pub async fn settings_view(&self) -> SettingsView {
        let keyring = self.keyring_status().await;
        let s = self.settings();
        let mut preferences = s.preferences.clone();
        // The autostart entry on disk is the truth: the desktop's own settings may remove it.
        if let Some(dir) = &self.paths.autostart_dir {
            preferences.start_at_login = crate::autostart::is_enabled(dir);
        }
        SettingsView {
            preferences,
            accounts: s
                .accounts
                .iter()
                .map(|a| AccountSummary {
                    config: a.config.clone(),
                    secret_kind: a.secret_kind,
                    remember: a.remember,
                })
                .collect(),
            recents: s.recents.clone(),
            keyring,
            log_dir: self.paths.log_dir.display().to_string(),
            settings_file: self.store.path().display().to_string(),
        }
    }

    /// Connects the UI: events after the returned snapshot go to `on_event` in order; shell
    /// events (including any that came before the UI was ready) go to `on_shell`. A second
    /// call (a reload) replaces the first.
    pub async fn connect(
        &self,
        on_event: Channel<EventEnvelope>,
        on_shell: Channel<ShellEvent>,
    ) -> Result<softphone_engine::Snapshot, CommandError> {
        // Subscribe first, then snapshot: nothing falls between the two.
        let rx = self.engine.subscribe();
        let snapshot = self.engine.snapshot().await?;
        let task = tauri::async_runtime::spawn(forward_events(rx, snapshot.seq, on_event));
        if let Some(old) = lock(&self.forwarder).replace(task) {
            old.abort();
        }
        let pending = {
            let mut outlet = lock(&self.shell);
            outlet.channel = Some(on_shell.clone());
            std::mem::take(&mut outlet.pending)
        };
        for event in pending {
            let _ = on_shell.send(event);
        }
        Ok(snapshot)
    }

    /// The UI went away (its window was closed to the tray): stop forwarding events to it and
    /// keep shell events until a new window connects.
    pub fn disconnect(&self) {
        if let Some(old) = lock(&self.forwarder).take() {
            old.abort();
        }
        lock(&self.shell).channel = None;
    }

    /// Sends a shell event to the UI, or keeps it until the UI connects.
    pub fn send_shell(&self, event: ShellEvent) {
        let mut outlet = lock(&self.shell);
        match &outlet.channel {
            Some(channel) if channel.send(event.clone()).is_ok() => {}
            _ => outlet.pending.push(event),
        }
    }

    /// Loads the stored accounts into the engine, each with its keyring secret, and restores
    /// devices, debug and do-not-disturb. Failures are logged; the app starts regardless.
    pub async fn restore(&self) {
        let settings = self.settings();
        for stored in &settings.accounts {
            let credential = match (stored.remember, stored.secret_kind) {
                (true, Some(kind)) => {
                    let secrets = self.secrets.clone();
                    let id = stored.config.id.clone();
                    match secrets::blocking(move || secrets.load(&id)).await {
                        Ok(secret) => secret.map(|s| kind.credential(s)),
                        Err(e) => {
                            tracing::warn!(account = %stored.config.id, error = %e.detail,
                                "the account's secret could not be read from the keyring");
                            None
                        }
                    }
                }
                _ => None,
            };
            let id = stored.config.id.clone();
            let register = stored.config.register;
            if let Err(e) = self
                .execute(Command::SetAccount {
                    account: stored.config.clone().into(),
                    credential,
                })
                .await
            {
                tracing::warn!(account = %id, code = ?e.code, detail = %e.detail, "stored account refused");
                continue;
            }
            if register {
                if let Err(e) = self
                    .execute(Command::StartAccount {
                        account_id: id.clone(),
                    })
                    .await
                {
                    tracing::info!(account = %id, code = ?e.code, detail = %e.detail, "account not started");
                }
            }
        }
        for (role, device) in [
            (DeviceRole::Microphone, &settings.microphone),
            (DeviceRole::Speaker, &settings.speaker),
            (DeviceRole::Ringer, &settings.ringer),
        ] {
            if device.is_some() {
                let _ = self
                    .execute(Command::SelectDevice {
                        role,
                        device: device.clone(),
                    })
                    .await;
            }
        }
        if settings.debug {
            let _ = self.execute(Command::SetDebug { enabled: true }).await;
        }
        if settings.do_not_disturb {
            let _ = self
                .execute(Command::SetDoNotDisturb { enabled: true })
                .await;
        }
        self.apply_log_level();
    }

    /// Stores an account: the engine first (it validates), then the keyring, then the file.
    pub async fn set_account(
        &self,
        account: AccountConfig,
        credential: Option<softphone_engine::Credential>,
        remember: bool,
    ) -> Result<CommandOutcome, CommandError> {
        if remember && credential.is_some() {
            let secrets = self.secrets.clone();
            secrets::blocking(move || secrets.probe()).await?;
        }
        let kind = credential.as_ref().map(SecretKind::of);
        let secret = credential.as_ref().map(|c| match c {
            softphone_engine::Credential::Password(s)
            | softphone_engine::Credential::Ha1(s)
            | softphone_engine::Credential::BearerToken(s) => s.clone(),
        });
        let outcome = self
            .execute(Command::SetAccount {
                account: account.clone().into(),
                credential,
            })
            .await?;
        let id = account.id.clone();
        let previous = self.settings().account(&id).cloned();
        let secret_kind = match (&secret, remember) {
            (Some(secret), true) => {
                let secrets = self.secrets.clone();
                let (id, secret) = (id.clone(), secret.clone());
                secrets::blocking(move || secrets.save(&id, &secret)).await?;
                kind
            }
            (Some(_), false) => {
                // Use it this session only; drop any older stored secret.
                let secrets = self.secrets.clone();
                let id = id.clone();
                let _ = secrets::blocking(move || secrets.delete(&id)).await;
                kind
            }
            (None, _) => previous.as_ref().and_then(|p| p.secret_kind),
        };
        let remember = if secret.is_some() {
            remember
        } else {
            previous.as_ref().map(|p| p.remember).unwrap_or(remember)
        };
        self.update_settings(|s| {
            s.upsert_account(StoredAccount {
                config: account,
                secret_kind,
                remember,
            })
        })?;
        Ok(outcome)
    }

    /// Removes an account from the engine, the keyring and the file.
    pub async fn remove_account(&self, id: AccountId) -> Result<CommandOutcome, CommandError> {
        let outcome = self
            .execute(Command::RemoveAccount {
                account_id: id.clone(),
            })
            .await;
        // Forget it everywhere even when the engine no longer knew it.
        let known = self.settings().account(&id).is_some();
        if let Err(e) = &outcome {
            if !(e.code == ErrorCode::UnknownAccount && known) {
                return outcome;
            }
        }
        let secrets = self.secrets.clone();
        let key = id.clone();
        if let Err(e) = secrets::blocking(move || secrets.delete(&key)).await {
            tracing::info!(account = %id, detail = %e.detail, "no keyring secret removed");
        }
        self.update_settings(|s| s.remove_account(&id))?;
        Ok(CommandOutcome::Done)
    }
}

async fn forward_events(
    mut rx: broadcast::Receiver<EventEnvelope>,
    after: u64,
    channel: Channel<EventEnvelope>,
) {
    loop {
        match rx.recv().await {
            Ok(envelope) if envelope.seq > after => {
                if channel.send(envelope).is_err() {
                    break;
                }
            }
            Ok(_) => {}
            // The UI sees the gap in `seq` and reloads the snapshot.
            Err(broadcast::error::RecvError::Lagged(n)) => {
                tracing::warn!(skipped = n, "UI fell behind the event stream");
            }
            Err(broadcast::error::RecvError::Closed) => break,
        }
    }
}
