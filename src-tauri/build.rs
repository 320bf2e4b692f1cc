//! Generates the Tauri context and one permission (`allow-<command>`) per app command.

/// Every `#[tauri::command]` of the app; `capabilities/main.json` grants each one by name.
const COMMANDS: &[&str] = &[
    "connect",
    "snapshot",
    "set_account",
    "remove_account",
    "start_account",
    "stop_account",
    "register",
    "unregister",
    "dial",
    "answer",
    "reject",
    "silence",
    "forward",
    "hangup",
    "hold",
    "resume",
    "set_mute",
    "send_dtmf",
    "transfer",
    "select_device",
    "set_debug",
    "set_do_not_disturb",
    "get_settings",
    "set_preferences",
    "get_locale",
    "set_log_level",
    "open_log_folder",
    "clear_recents",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("failed to run the Tauri build script");
}
