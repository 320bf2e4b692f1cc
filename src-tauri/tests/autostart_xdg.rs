//! Start at login through the IPC command, with the real XDG lookup: no private config dir,
//! `XDG_CONFIG_HOME` (and `HOME`) pointing at a temporary folder. One test per binary: it
//! changes the process environment.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a panic is a failed test"
)]

use serde_json::{json, Value};
use softphone_app::secrets::SecretStore;
use softphone_app::{autostart, with_commands, AppState, Paths};
use softphone_engine::{Engine, EngineConfig};
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, mock_context, noop_assets};
use tauri::webview::InvokeRequest;

fn invoke(
    window: &tauri::WebviewWindow<tauri::test::MockRuntime>,
    cmd: &str,
    body: Value,
) -> Value {
    let request = InvokeRequest {
        cmd: cmd.into(),
        callback: CallbackFn(0),
        error: CallbackFn(1),
        url: "tauri://localhost".parse().unwrap(),
        body: InvokeBody::Json(body),
        headers: Default::default(),
        invoke_key: tauri::test::INVOKE_KEY.to_string(),
    };
    match get_ipc_response(window, request) {
        Ok(v) => v.deserialize::<Value>().unwrap(),
        Err(e) => panic!("{cmd} failed: {e}"),
    }
}

fn preferences(start_at_login: bool) -> Value {
    json!({"preferences": {"language": null, "theme": "system", "start_minimised": false,
                           "start_at_login": start_at_login, "log_level": "info"}})
}

#[test]
fn toggling_start_at_login_writes_and_removes_the_xdg_autostart_entry() {
    let home = std::env::temp_dir().join(format!("softphone-xdg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&home);
    let config_home = home.join("config");
    std::fs::create_dir_all(&config_home).unwrap();
    std::env::remove_var("SOFTPHONE_CONFIG_DIR");
    std::env::set_var("HOME", &home);
    std::env::set_var("XDG_CONFIG_HOME", &config_home);
    std::env::set_var("XDG_DATA_HOME", home.join("data"));

    let paths = Paths::from_env();
    let entry = config_home.join("autostart").join(autostart::FILE_NAME);
    assert_eq!(paths.autostart_dir.as_deref(), entry.parent());
    assert!(paths.config_dir.starts_with(&config_home), "{paths:?}");

    let engine = tauri::async_runtime::block_on(async { Engine::start(EngineConfig::default()) });
    let secrets = SecretStore::with_store(keyring_core::mock::Store::new().unwrap());
    let state = AppState::new(engine, paths, secrets, None);
    let app = with_commands(mock_builder())
        .manage(state)
        .build(mock_context(noop_assets()))
        .unwrap();
    let window = tauri::WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    assert_eq!(
        invoke(&window, "get_settings", json!({}))["preferences"]["start_at_login"],
        json!(false)
    );
    let view = invoke(&window, "set_preferences", preferences(true));
    assert_eq!(view["preferences"]["start_at_login"], json!(true));
    let text = std::fs::read_to_string(&entry).expect("the autostart entry is written");
    let exe = std::env::current_exe().unwrap();
    assert!(
        text.contains(&format!("\nExec=\"{}\" --minimised\n", exe.display())),
        "the entry starts this executable minimised: {text}"
    );
    assert!(text.starts_with("[Desktop Entry]\n"), "{text}");
    assert!(
        !entry.with_extension("desktop.tmp").exists(),
        "no temporary file left"
    );

    // The desktop's own settings remove the entry: the settings screen follows the file.
    std::fs::remove_file(&entry).unwrap();
    assert_eq!(
        invoke(&window, "get_settings", json!({}))["preferences"]["start_at_login"],
        json!(false)
    );
    invoke(&window, "set_preferences", preferences(true));
    assert!(entry.exists(), "switched on again");

    let view = invoke(&window, "set_preferences", preferences(false));
    assert_eq!(view["preferences"]["start_at_login"], json!(false));
    assert!(!entry.exists(), "the autostart entry is removed");
    // Nothing else of the app went outside the temporary home.
    drop(window);
    drop(app);
    let _ = std::fs::remove_dir_all(&home);
}
