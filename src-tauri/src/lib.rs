//! The softphone desktop shell: a thin Tauri v2 layer over the engine.
//!
//! - [`commands`]: one `#[tauri::command]` per engine command, plus connect/settings/locale;
//! - [`state`]: the engine handle, settings, keyring, translations and the UI's channels;
//! - [`settings`], [`secrets`]: the settings file (no secrets) and the OS keyring;
//! - [`i18n`]: the embedded Fluent catalogues;
//! - [`tray`], [`calls`], [`notify`], [`links`], [`autostart`]: the desktop integration.
//!
//! Environment: `SOFTPHONE_CONFIG_DIR` keeps settings, logs and the autostart entry in one
//! private folder (tests); `SOFTPHONE_LOG_FILE` names the log file; `SOFTPHONE_KEYRING`
//! (`system`, `mock`, `none`) picks the keyring.

pub mod autostart;
pub mod calls;
pub mod commands;
pub mod i18n;
pub mod links;
pub mod logging;
pub mod notify;
pub mod secrets;
pub mod settings;
pub mod state;
pub mod tray;
pub mod webkit_env;

pub use commands::with_commands;
pub use state::{AppState, Paths, ShellEvent};

use softphone_engine::{Command, Engine, EngineConfig};
use state::DialSource;
use tauri::{Manager, RunEvent, WindowEvent};
use tray::{TrayAction, TrayInput};

/// The main window's label.
pub const MAIN_WINDOW: &str = "main";

/// Shows the main window, creating it again when it was closed to the tray.
pub(crate) fn show_main<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    let window = match app.get_webview_window(MAIN_WINDOW) {
        Some(w) => Some(w),
        None => create_main(app),
    };
    if let Some(w) = window {
        let _ = w.unminimize();
        let _ = w.show();
        let _ = w.set_focus();
    }
    if let Some(state) = app.try_state::<AppState>() {
        state.tray_changed.notify_one();
    }
}

/// Builds the main window from `tauri.conf.json` (hidden; the caller shows it). The UI in it
/// reconnects and loads the engine's snapshot, as after a reload.
fn create_main<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> Option<tauri::WebviewWindow<R>> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN_WINDOW)?
        .clone();
    match tauri::WebviewWindowBuilder::from_config(app, &config).and_then(|b| b.build()) {
        Ok(w) => Some(w),
        Err(e) => {
            tracing::warn!(error = %e, "the main window could not be created");
            None
        }
    }
}

/// Whether the main window is on screen (false when it was closed to the tray).
fn main_visible<R: tauri::Runtime>(app: &tauri::AppHandle<R>) -> bool {
    app.get_webview_window(MAIN_WINDOW)
        .and_then(|w| w.is_visible().ok())
        .unwrap_or(false)
}

fn toggle_main<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    match app.get_webview_window(MAIN_WINDOW) {
        // As closing it: the window goes, the phone stays in the tray.
        Some(w) if w.is_visible().unwrap_or(false) => {
            let _ = w.destroy();
        }
        _ => show_main(app),
    }
}

/// A call link arrived (first start or a second instance): show the window, ask the UI to
/// confirm.
fn handle_link<R: tauri::Runtime>(app: &tauri::AppHandle<R>, target: String) {
    tracing::info!("call link received");
    show_main(app);
    if let Some(state) = app.try_state::<AppState>() {
        state.send_shell(ShellEvent::DialRequest {
            target,
            source: DialSource::Link,
        });
    }
}

/// Rebuilds the tray menu from the current state.
async fn refresh_tray<R: tauri::Runtime>(app: &tauri::AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let Ok(snapshot) = state.engine.snapshot().await else {
        return;
    };
    let settings = state.settings();
    let (muted, missed) = {
        let t = state.tracker.lock().unwrap_or_else(|e| e.into_inner());
        (t.current_mute(), t.missed())
    };
    let input = TrayInput {
        accounts: snapshot
            .accounts
            .iter()
            .map(|a| (a.config.address.clone(), a.state, a.reason.clone()))
            .collect(),
        recents: settings.recents.clone(),
        muted,
        do_not_disturb: snapshot.do_not_disturb,
        window_visible: main_visible(app),
        missed_calls: missed,
    };
    let l10n = state.l10n();
    let model = tray::tray_model(&input, &l10n);
    let tooltip = l10n.tr("app-title");
    let health = tray::health(&input);
    let app2 = app.clone();
    // Menus are GTK objects: build them on the main thread.
    let _ = app.run_on_main_thread(move || {
        if let Err(e) = tray::apply(&app2, &model, health, &tooltip) {
            tracing::warn!(error = %e, "tray update failed");
        }
    });
}

/// Carries out a tray menu action (public so the tests can drive it without GTK).
pub async fn on_tray_action<R: tauri::Runtime>(app: tauri::AppHandle<R>, action: TrayAction) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    match action {
        TrayAction::Dial => {
            show_main(&app);
            state.send_shell(ShellEvent::FocusDialer);
        }
        TrayAction::CallRecent(i) => {
            let Some(number) = state.settings().recents.get(i).cloned() else {
                return;
            };
            show_main(&app);
            let result = commands::dial_and_remember(&state, None, number, false, Vec::new()).await;
            if let Err(error) = result {
                state.send_shell(ShellEvent::CommandFailed {
                    command: "dial".into(),
                    error,
                });
            }
            state.send_shell(ShellEvent::SettingsChanged);
        }
        TrayAction::ToggleMute => {
            let current = {
                let t = state.tracker.lock().unwrap_or_else(|e| e.into_inner());
                t.current_call().zip(t.current_mute())
            };
            if let Some((call_id, muted)) = current {
                if let Err(error) = state
                    .execute(Command::SetMute {
                        call_id,
                        muted: !muted,
                    })
                    .await
                {
                    state.send_shell(ShellEvent::CommandFailed {
                        command: "set_mute".into(),
                        error,
                    });
                }
            }
        }
        TrayAction::ToggleDoNotDisturb => {
            let enabled = !state.settings().do_not_disturb;
            match state.execute(Command::SetDoNotDisturb { enabled }).await {
                Ok(_) => {
                    let _ = state.update_settings(|s| s.do_not_disturb = enabled);
                }
                Err(error) => state.send_shell(ShellEvent::CommandFailed {
                    command: "set_do_not_disturb".into(),
                    error,
                }),
            }
        }
        TrayAction::ToggleWindow => toggle_main(&app),
        TrayAction::Quit => {
            state.engine.shutdown().await;
            app.exit(0);
        }
    }
    state.tray_changed.notify_one();
}

/// Watches engine events for notifications and keeps the tray current.
async fn desktop_loop<R: tauri::Runtime>(app: tauri::AppHandle<R>) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let mut events = state.engine.subscribe();
    refresh_tray(&app).await;
    loop {
        tokio::select! {
            received = events.recv() => {
                let envelope = match received {
                    Ok(e) => e,
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(_) => break,
                };
                let notices = state
                    .tracker
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .on_event(&envelope.event);
                let mut refresh = false;
                for notice in notices {
                    match notice {
                        calls::CallNotice::TrayChanged => refresh = true,
                        other => notify::show(&app, &state.l10n(), other),
                    }
                }
                if refresh {
                    refresh_tray(&app).await;
                }
            }
            _ = state.tray_changed.notified() => refresh_tray(&app).await,
        }
    }
}

/// Builds and runs the app.
pub fn run() {
    webkit_env::apply();
    let paths = Paths::from_env();
    let start_minimised_flag = autostart::minimised_requested(std::env::args());
    let first_link = links::dial_target_from_args(std::env::args());
    let set_level = logging::init(&paths.log_file, settings::LogLevel::Info);
    tracing::info!(version = env!("CARGO_PKG_VERSION"), config = %paths.config_dir.display(), "softphone starting");

    let builder = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, argv, _cwd| {
            match links::dial_target_from_args(&argv) {
                Some(target) => handle_link(app, target),
                None => show_main(app),
            }
        }))
        .plugin(tauri_plugin_deep_link::init())
        .plugin(tauri_plugin_notification::init());
    let app = with_commands(builder)
        .setup(move |app| {
            let engine =
                tauri::async_runtime::block_on(async { Engine::start(EngineConfig::default()) });
            let state = AppState::new(
                engine,
                paths.clone(),
                secrets::SecretStore::from_env(),
                Some(set_level.clone()),
            );
            let start_minimised =
                start_minimised_flag || state.settings().preferences.start_minimised;
            tauri::async_runtime::block_on(state.restore());
            app.manage(state);

            let handle = app.handle().clone();
            let tray_icon = tray::icon(tray::TrayHealth::Off)?;
            let _tray = tauri::tray::TrayIconBuilder::with_id(tray::TRAY_ID)
                .icon(tray_icon)
                .tooltip("Softphone")
                .show_menu_on_left_click(true)
                .on_menu_event(|app, event| {
                    if let Some(action) = TrayAction::from_id(event.id().as_ref()) {
                        let app = app.clone();
                        tauri::async_runtime::spawn(on_tray_action(app, action));
                    }
                })
                .build(app)?;
            tauri::async_runtime::spawn(desktop_loop(handle.clone()));

            if let Some(target) = first_link.clone() {
                handle_link(&handle, target);
            } else if !start_minimised {
                show_main(&handle);
            } else if let Some(w) = handle.get_webview_window(MAIN_WINDOW) {
                // Minimised to the tray: no web view until the window is shown.
                let _ = w.destroy();
                tracing::info!("started minimised to the tray");
            }
            Ok(())
        })
        .on_window_event(|window, event| {
            if window.label() != MAIN_WINDOW {
                return;
            }
            let state = window.app_handle().try_state::<AppState>();
            match event {
                // Closing the window keeps the phone running in the tray. The window and its
                // web view are freed (about 140 MB of WebKit processes) and made again when
                // shown; RunEvent::ExitRequested keeps the app alive without windows.
                WindowEvent::CloseRequested { .. } => {
                    tracing::info!("window closed to the tray");
                }
                WindowEvent::Destroyed => {
                    if let Some(state) = state {
                        state.disconnect();
                        state.tray_changed.notify_one();
                    }
                }
                // The window shows the missed calls: once it has focus they count as seen for
                // the tray.
                WindowEvent::Focused(true) => {
                    if let Some(state) = state {
                        let mut tracker = state.tracker.lock().unwrap_or_else(|e| e.into_inner());
                        if tracker.missed() > 0 {
                            tracker.clear_missed();
                            drop(tracker);
                            state.tray_changed.notify_one();
                        }
                    }
                }
                _ => {}
            }
        })
        .build(tauri::generate_context!());
    let app = match app {
        Ok(app) => app,
        Err(e) => {
            tracing::error!(error = %e, "the app could not start");
            eprintln!("softphone: {e}");
            std::process::exit(1);
        }
    };
    app.run(|app, event| {
        // The last window closed: the phone stays in the tray. Quit (app.exit) passes a code.
        if let RunEvent::ExitRequested {
            code: None, api, ..
        } = &event
        {
            api.prevent_exit();
            return;
        }
        if let RunEvent::Exit = event {
            if let Some(state) = app.try_state::<AppState>() {
                tauri::async_runtime::block_on(state.engine.shutdown());
            }
            tracing::info!("softphone stopped");
        }
    });
}
