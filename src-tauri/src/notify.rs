//! Desktop notifications: an incoming call with Answer and Decline, and missed calls.
//! On Linux the freedesktop notification server carries the action buttons (notify-rust);
//! elsewhere the notification plugin shows the text and the window has the buttons.

use crate::calls::CallNotice;
use crate::i18n::Localizer;
use crate::state::AppState;
use softphone_engine::{CallId, Command};
use tauri::Manager;

/// A button pressed on the incoming-call notification.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationAction {
    /// Answer the call.
    Answer,
    /// Decline it (603).
    Decline,
}

impl NotificationAction {
    /// The action for a notification-server action key.
    pub fn from_key(key: &str) -> Option<Self> {
        match key {
            "answer" => Some(Self::Answer),
            "decline" => Some(Self::Decline),
            _ => None,
        }
    }
}

/// Carries out a notification button.
pub async fn on_action<R: tauri::Runtime>(
    app: tauri::AppHandle<R>,
    call_id: CallId,
    action: NotificationAction,
) {
    let Some(state) = app.try_state::<AppState>() else {
        return;
    };
    let (name, command) = match action {
        NotificationAction::Answer => {
            crate::show_main(&app);
            ("answer", Command::Answer { call_id })
        }
        NotificationAction::Decline => {
            state
                .tracker
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .declined(&call_id);
            (
                "reject",
                Command::Reject {
                    call_id,
                    code: Some(603),
                },
            )
        }
    };
    if let Err(error) = state.execute(command).await {
        state.send_shell(crate::ShellEvent::CommandFailed {
            command: name.into(),
            error,
        });
    }
}

/// Shows the notification for a call notice (failures are logged: no notification server is
/// not an error).
pub fn show<R: tauri::Runtime>(app: &tauri::AppHandle<R>, l10n: &Localizer, notice: CallNotice) {
    match notice {
        CallNotice::Ringing { call_id, caller } => {
            let title = l10n.tr("notification-incoming-title");
            let body = l10n.tr_args("notification-incoming-body", &[("caller", caller.into())]);
            let answer = l10n.tr("notification-answer");
            let decline = l10n.tr("notification-decline");
            incoming(app, call_id, title, body, answer, decline);
        }
        CallNotice::Missed { caller, .. } => {
            let title = l10n.tr("notification-missed-title");
            let body = l10n.tr_args("notification-missed-body", &[("caller", caller.into())]);
            plain(app, title, body);
        }
        CallNotice::StopRinging { call_id } => close_incoming(&call_id),
        CallNotice::TrayChanged => {}
    }
}

/// Incoming-call notifications still on screen, by call.
#[cfg(target_os = "linux")]
static RINGING: std::sync::LazyLock<
    std::sync::Mutex<std::collections::HashMap<CallId, notify_rust::NotificationHandle>>,
> = std::sync::LazyLock::new(Default::default);

/// Closes a call's incoming-call notification (its buttons would act on a call that no longer
/// rings).
fn close_incoming(call_id: &CallId) {
    #[cfg(target_os = "linux")]
    {
        let handle = RINGING
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(call_id);
        if let Some(handle) = handle {
            std::thread::spawn(move || handle.close());
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = call_id;
}

#[cfg(target_os = "linux")]
fn incoming<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    call_id: CallId,
    title: String,
    body: String,
    answer: String,
    decline: String,
) {
    let app = app.clone();
    std::thread::spawn(move || {
        let shown = notify_rust::Notification::new()
            .appname("Softphone")
            .summary(&title)
            .body(&body)
            .icon("call-start")
            .action("answer", &answer)
            .action("decline", &decline)
            .hint(notify_rust::Hint::Category("call.incoming".into()))
            .urgency(notify_rust::Urgency::Critical)
            .timeout(notify_rust::Timeout::Never)
            .show();
        match shown {
            Ok(handle) => {
                let id = handle.id();
                RINGING
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(call_id.clone(), handle);
                // Returns on a button or when the notification closes (see `close_incoming`).
                let _ = notify_rust::handle_action(id, |response| {
                    if let notify_rust::ActionResponse::Custom(key) = response {
                        if let Some(action) = NotificationAction::from_key(key) {
                            tauri::async_runtime::spawn(on_action(
                                app.clone(),
                                call_id.clone(),
                                action,
                            ));
                        }
                    }
                });
                RINGING
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&call_id);
            }
            Err(e) => tracing::info!(error = %e, "no incoming-call notification"),
        }
    });
}

#[cfg(not(target_os = "linux"))]
fn incoming<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    _call_id: CallId,
    title: String,
    body: String,
    _answer: String,
    _decline: String,
) {
    plain(app, title, body);
}

fn plain<R: tauri::Runtime>(app: &tauri::AppHandle<R>, title: String, body: String) {
    #[cfg(target_os = "linux")]
    {
        let _ = app;
        std::thread::spawn(move || {
            if let Err(e) = notify_rust::Notification::new()
                .appname("Softphone")
                .summary(&title)
                .body(&body)
                .icon("call-missed")
                .show()
            {
                tracing::info!(error = %e, "no notification");
            }
        });
    }
    #[cfg(not(target_os = "linux"))]
    {
        use tauri_plugin_notification::NotificationExt;
        if let Err(e) = app.notification().builder().title(title).body(body).show() {
            tracing::info!(error = %e, "no notification");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_keys() {
        assert_eq!(
            NotificationAction::from_key("answer"),
            Some(NotificationAction::Answer)
        );
        assert_eq!(
            NotificationAction::from_key("decline"),
            Some(NotificationAction::Decline)
        );
        assert_eq!(NotificationAction::from_key("__closed"), None);
    }
}
