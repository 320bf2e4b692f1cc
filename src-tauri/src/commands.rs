//! The IPC surface: one `#[tauri::command]` per engine [`Command`], plus the few the desktop
//! shell adds (connect, settings, locale, logs). Argument names are the engine's own
//! (`snake_case`), so the UI passes the same field names as in `ui/src/engine-types.ts`.
//!
//! Each command is granted by its own permission (`allow-<name>`, generated in `build.rs`,
//! granted in `capabilities/main.json`).

use crate::i18n::LocaleBundle;
use crate::settings::{LogLevel, Preferences};
use crate::state::{AppState, SettingsView, ShellEvent};
use softphone_engine::{
    AccountConfig, AccountId, CallId, Command, CommandError, CommandOutcome, Credential,
    CustomHeader, DeviceRole, ErrorCode, EventEnvelope, Snapshot,
};
use tauri::ipc::Channel;
use tauri::State;

type Outcome = Result<CommandOutcome, CommandError>;

/// Connects the UI: returns the snapshot and streams later events, in order, to `on_event`;
/// shell events (links, tray) go to `on_shell`.
#[tauri::command(rename_all = "snake_case")]
pub async fn connect(
    state: State<'_, AppState>,
    on_event: Channel<EventEnvelope>,
    on_shell: Channel<ShellEvent>,
) -> Result<Snapshot, CommandError> {
    state.connect(on_event, on_shell).await
}

/// The engine's whole state (after a gap in the event sequence).
#[tauri::command(rename_all = "snake_case")]
pub async fn snapshot(state: State<'_, AppState>) -> Result<Snapshot, CommandError> {
    state.engine.snapshot().await
}

/// [`Command::SetAccount`]; the secret goes to the keyring unless `remember` is false.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_account(
    state: State<'_, AppState>,
    account: AccountConfig,
    credential: Option<Credential>,
    remember: Option<bool>,
) -> Outcome {
    state
        .set_account(account, credential, remember.unwrap_or(true))
        .await
}

/// [`Command::RemoveAccount`]; also forgets the secret and the stored settings.
#[tauri::command(rename_all = "snake_case")]
pub async fn remove_account(state: State<'_, AppState>, account_id: AccountId) -> Outcome {
    state.remove_account(account_id).await
}

/// [`Command::StartAccount`] ("agentstart").
#[tauri::command(rename_all = "snake_case")]
pub async fn start_account(state: State<'_, AppState>, account_id: AccountId) -> Outcome {
    state.execute(Command::StartAccount { account_id }).await
}

/// [`Command::StopAccount`] ("agentstop").
#[tauri::command(rename_all = "snake_case")]
pub async fn stop_account(state: State<'_, AppState>, account_id: AccountId) -> Outcome {
    state.execute(Command::StopAccount { account_id }).await
}

/// [`Command::Register`].
#[tauri::command(rename_all = "snake_case")]
pub async fn register(state: State<'_, AppState>, account_id: AccountId) -> Outcome {
    state.execute(Command::Register { account_id }).await
}

/// [`Command::Unregister`].
#[tauri::command(rename_all = "snake_case")]
pub async fn unregister(
    state: State<'_, AppState>,
    account_id: AccountId,
    all: Option<bool>,
) -> Outcome {
    state
        .execute(Command::Unregister {
            account_id,
            all: all.unwrap_or(false),
        })
        .await
}

/// Whether a dial attempt belongs in the recent numbers: everything the engine understood as a
/// number (a malformed number is not remembered).
pub fn worth_remembering(result: &Outcome) -> bool {
    !matches!(result, Err(e) if matches!(e.code, ErrorCode::InvalidTarget | ErrorCode::InvalidArgument))
}

/// Dials and remembers the number; shared by the UI command and the tray.
pub async fn dial_and_remember(
    state: &AppState,
    account_id: Option<AccountId>,
    target: String,
    anonymous: bool,
    headers: Vec<CustomHeader>,
) -> Outcome {
    let result = state
        .execute(Command::Dial {
            account_id,
            target: target.clone(),
            anonymous,
            headers,
        })
        .await;
    if worth_remembering(&result) {
        if let Err(e) = state.update_settings(|s| s.remember_recent(&target)) {
            tracing::warn!(detail = %e.detail, "recent numbers not saved");
        }
    }
    result
}

/// [`Command::Dial`]. `echo` calls the echo-test line.
#[tauri::command(rename_all = "snake_case")]
pub async fn dial(
    state: State<'_, AppState>,
    account_id: Option<AccountId>,
    target: String,
    anonymous: Option<bool>,
    headers: Option<Vec<CustomHeader>>,
) -> Outcome {
    dial_and_remember(
        &state,
        account_id,
        target,
        anonymous.unwrap_or(false),
        headers.unwrap_or_default(),
    )
    .await
}

/// [`Command::Answer`].
#[tauri::command(rename_all = "snake_case")]
pub async fn answer(state: State<'_, AppState>, call_id: CallId) -> Outcome {
    state.execute(Command::Answer { call_id }).await
}

/// [`Command::Reject`] (486 by default, 603 to decline).
#[tauri::command(rename_all = "snake_case")]
pub async fn reject(state: State<'_, AppState>, call_id: CallId, code: Option<u16>) -> Outcome {
    if let Ok(mut t) = state.tracker.lock() {
        t.declined(&call_id);
    }
    state.execute(Command::Reject { call_id, code }).await
}

/// [`Command::Silence`].
#[tauri::command(rename_all = "snake_case")]
pub async fn silence(state: State<'_, AppState>, call_id: CallId) -> Outcome {
    state.execute(Command::Silence { call_id }).await
}

/// [`Command::Forward`].
#[tauri::command(rename_all = "snake_case")]
pub async fn forward(state: State<'_, AppState>, call_id: CallId, target: String) -> Outcome {
    state.execute(Command::Forward { call_id, target }).await
}

/// [`Command::Hangup`].
#[tauri::command(rename_all = "snake_case")]
pub async fn hangup(state: State<'_, AppState>, call_id: CallId) -> Outcome {
    state.execute(Command::Hangup { call_id }).await
}

/// [`Command::Hold`].
#[tauri::command(rename_all = "snake_case")]
pub async fn hold(state: State<'_, AppState>, call_id: CallId) -> Outcome {
    state.execute(Command::Hold { call_id }).await
}

/// [`Command::Resume`].
#[tauri::command(rename_all = "snake_case")]
pub async fn resume(state: State<'_, AppState>, call_id: CallId) -> Outcome {
    state.execute(Command::Resume { call_id }).await
}

/// [`Command::SetMute`].
#[tauri::command(rename_all = "snake_case")]
pub async fn set_mute(state: State<'_, AppState>, call_id: CallId, muted: bool) -> Outcome {
    state.execute(Command::SetMute { call_id, muted }).await
}

/// [`Command::SendDtmf`].
#[tauri::command(rename_all = "snake_case")]
pub async fn send_dtmf(state: State<'_, AppState>, call_id: CallId, digits: String) -> Outcome {
    state.execute(Command::SendDtmf { call_id, digits }).await
}

/// [`Command::Transfer`].
#[tauri::command(rename_all = "snake_case")]
pub async fn transfer(state: State<'_, AppState>, call_id: CallId, target: String) -> Outcome {
    state.execute(Command::Transfer { call_id, target }).await
}

/// [`Command::SelectDevice`]; the choice is remembered.
#[tauri::command(rename_all = "snake_case")]
pub async fn select_device(
    state: State<'_, AppState>,
    role: DeviceRole,
    device: Option<String>,
) -> Outcome {
    let outcome = state
        .execute(Command::SelectDevice {
            role,
            device: device.clone(),
        })
        .await?;
    state.update_settings(|s| match role {
        DeviceRole::Microphone => s.microphone = device,
        DeviceRole::Speaker => s.speaker = device,
        DeviceRole::Ringer => s.ringer = device,
    })?;
    Ok(outcome)
}

/// [`Command::SetDebug`] ("debugstart"/"debugstop"); also raises the log level.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_debug(state: State<'_, AppState>, enabled: bool) -> Outcome {
    let outcome = state.execute(Command::SetDebug { enabled }).await?;
    state.update_settings(|s| s.debug = enabled)?;
    state.apply_log_level();
    Ok(outcome)
}

/// [`Command::SetDoNotDisturb`]; remembered.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_do_not_disturb(state: State<'_, AppState>, enabled: bool) -> Outcome {
    let outcome = state.execute(Command::SetDoNotDisturb { enabled }).await?;
    state.update_settings(|s| s.do_not_disturb = enabled)?;
    Ok(outcome)
}

/// The settings screen's data (never a secret).
#[tauri::command(rename_all = "snake_case")]
pub async fn get_settings(state: State<'_, AppState>) -> Result<SettingsView, CommandError> {
    Ok(state.settings_view().await)
}

/// Saves the preferences and applies them (language, log level, start at login).
#[tauri::command(rename_all = "snake_case")]
pub async fn set_preferences(
    state: State<'_, AppState>,
    preferences: Preferences,
) -> Result<SettingsView, CommandError> {
    if let Some(lang) = &preferences.language {
        if crate::i18n::negotiate(lang).is_none() {
            return Err(CommandError::new(
                ErrorCode::InvalidArgument,
                format!("unknown language {lang:?}"),
            ));
        }
    }
    if let Some(dir) = &state.paths.autostart_dir {
        if crate::autostart::is_enabled(dir) != preferences.start_at_login {
            let exe = std::env::current_exe().unwrap_or_else(|_| "softphone".into());
            crate::autostart::set_enabled(dir, &exe, preferences.start_at_login).map_err(|e| {
                CommandError::new(ErrorCode::InvalidState, format!("autostart: {e}"))
            })?;
        }
    }
    state.set_language(preferences.language.as_deref());
    state.update_settings(|s| s.preferences = preferences)?;
    state.apply_log_level();
    state.tray_changed.notify_one();
    Ok(state.settings_view().await)
}

/// The translations for the UI (language in use, English fallback, shipped languages).
#[tauri::command(rename_all = "snake_case")]
pub fn get_locale(state: State<'_, AppState>) -> LocaleBundle {
    state.locale_bundle()
}

/// Changes the log level.
#[tauri::command(rename_all = "snake_case")]
pub async fn set_log_level(state: State<'_, AppState>, level: LogLevel) -> Outcome {
    state.update_settings(|s| s.preferences.log_level = level)?;
    state.apply_log_level();
    Ok(CommandOutcome::Done)
}

/// Opens the log folder in the file manager.
#[tauri::command(rename_all = "snake_case")]
pub fn open_log_folder(state: State<'_, AppState>) -> Outcome {
    let dir = &state.paths.log_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| CommandError::new(ErrorCode::InvalidState, format!("log folder: {e}")))?;
    if std::env::var_os("SOFTPHONE_NO_OPEN").is_some() {
        return Ok(CommandOutcome::Done);
    }
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(dir)
        .spawn()
        .map(|_| CommandOutcome::Done)
        .map_err(|e| CommandError::new(ErrorCode::Unsupported, format!("{opener}: {e}")))
}

/// Forgets the recent numbers.
#[tauri::command(rename_all = "snake_case")]
pub async fn clear_recents(state: State<'_, AppState>) -> Outcome {
    state.update_settings(|s| s.recents.clear())?;
    Ok(CommandOutcome::Done)
}

/// Registers every command on a builder (any runtime, so the tests can use `MockRuntime`).
pub fn with_commands<R: tauri::Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder.invoke_handler(tauri::generate_handler![
        connect,
        snapshot,
        set_account,
        remove_account,
        start_account,
        stop_account,
        register,
        unregister,
        dial,
        answer,
        reject,
        silence,
        forward,
        hangup,
        hold,
        resume,
        set_mute,
        send_dtmf,
        transfer,
        select_device,
        set_debug,
        set_do_not_disturb,
        get_settings,
        set_preferences,
        get_locale,
        set_log_level,
        open_log_folder,
        clear_recents,
    ])
}
