//! The tray. Linux trays deliver no click events, so everything goes through the menu: a status
//! line per account, "Dial…", recent numbers (one click calls), mute, do-not-disturb,
//! show/hide and quit.
//!
//! The menu is first built as plain data ([`tray_model`], unit-tested, no GTK needed); the
//! Wry-only [`apply`] turns that model into a real menu.

use crate::i18n::Localizer;
use softphone_engine::{AccountState, Reason};

/// Menu item ids, also parsed back by [`TrayAction::from_id`].
pub mod ids {
    /// Prefix of account status lines.
    pub const STATUS: &str = "status";
    /// "Dial…".
    pub const DIAL: &str = "dial";
    /// The recent numbers submenu.
    pub const RECENTS: &str = "recents";
    /// Prefix of a recent number (`recent:<index>`).
    pub const RECENT_PREFIX: &str = "recent:";
    /// Mute toggle.
    pub const MUTE: &str = "mute";
    /// Do-not-disturb toggle.
    pub const DND: &str = "dnd";
    /// Show or hide the window.
    pub const WINDOW: &str = "window";
    /// Quit.
    pub const QUIT: &str = "quit";
}

/// One entry of the tray menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrayItem {
    /// A line that can be clicked (or not, when disabled).
    Action {
        /// Menu id.
        id: String,
        /// Translated label.
        label: String,
        /// Clickable.
        enabled: bool,
    },
    /// An on/off entry.
    Check {
        /// Menu id.
        id: String,
        /// Translated label.
        label: String,
        /// On.
        checked: bool,
        /// Clickable.
        enabled: bool,
    },
    /// A submenu.
    Submenu {
        /// Menu id.
        id: String,
        /// Translated label.
        label: String,
        /// Its entries.
        items: Vec<TrayItem>,
    },
    /// A separator line.
    Separator,
}

/// What the tray shows, gathered from the engine and the settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrayInput {
    /// Each account's address, state and reason.
    pub accounts: Vec<(String, AccountState, Option<Reason>)>,
    /// Recent numbers, newest first.
    pub recents: Vec<String>,
    /// The current call's mute state; `None` when there is no call (mute is then disabled).
    pub muted: Option<bool>,
    /// Do-not-disturb on.
    pub do_not_disturb: bool,
    /// The main window is visible.
    pub window_visible: bool,
    /// Missed calls not yet seen.
    pub missed_calls: u32,
}

/// The overall state, which picks the tray icon.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrayHealth {
    /// No account, or all stopped.
    Off,
    /// At least one account can call.
    Ok,
    /// Connecting or registering.
    Busy,
    /// Something failed and nothing is ready.
    Failed,
}

/// The overall state of the accounts.
pub fn health(input: &TrayInput) -> TrayHealth {
    let states: Vec<AccountState> = input.accounts.iter().map(|a| a.1).collect();
    if states
        .iter()
        .any(|s| matches!(s, AccountState::Ready | AccountState::Registered))
    {
        TrayHealth::Ok
    } else if states.contains(&AccountState::Failed) {
        TrayHealth::Failed
    } else if states.iter().any(|s| {
        matches!(
            s,
            AccountState::Connecting
                | AccountState::Connected
                | AccountState::Registering
                | AccountState::Unregistering
        )
    }) {
        TrayHealth::Busy
    } else {
        TrayHealth::Off
    }
}

/// The translation id of an account state.
pub fn state_key(state: AccountState) -> &'static str {
    match state {
        AccountState::Stopped => "account-state-stopped",
        AccountState::Connecting => "account-state-connecting",
        AccountState::Connected => "account-state-connected",
        AccountState::Registering => "account-state-registering",
        AccountState::Registered => "account-state-registered",
        AccountState::Ready => "account-state-ready",
        AccountState::Unregistering => "account-state-unregistering",
        AccountState::Failed => "account-state-failed",
    }
}

/// One account's status line, for example `alice@example.com: Failed (403 Forbidden)`.
pub fn status_line(
    l10n: &Localizer,
    address: &str,
    state: AccountState,
    reason: Option<&Reason>,
) -> String {
    let mut state_text = l10n.tr(state_key(state));
    if state == AccountState::Failed {
        if let Some(r) = reason {
            let why = match r.code {
                Some(code) => format!("{code} {}", r.text),
                None => r.text.clone(),
            };
            state_text = l10n.tr_args("account-state-failed-reason", &[("reason", why.into())]);
        }
    }
    l10n.tr_args(
        "tray-status",
        &[("account", address.into()), ("state", state_text.into())],
    )
}

/// Builds the menu model.
pub fn tray_model(input: &TrayInput, l10n: &Localizer) -> Vec<TrayItem> {
    let mut items = Vec::new();
    if input.accounts.is_empty() {
        items.push(TrayItem::Action {
            id: format!("{}:none", ids::STATUS),
            label: l10n.tr("tray-status-none"),
            enabled: false,
        });
    }
    for (i, (address, state, reason)) in input.accounts.iter().enumerate() {
        items.push(TrayItem::Action {
            id: format!("{}:{i}", ids::STATUS),
            label: status_line(l10n, address, *state, reason.as_ref()),
            enabled: false,
        });
    }
    if input.missed_calls > 0 {
        items.push(TrayItem::Action {
            id: format!("{}:missed", ids::STATUS),
            label: l10n.tr_args(
                "missed-calls",
                &[("count", f64::from(input.missed_calls).into())],
            ),
            enabled: false,
        });
    }
    items.push(TrayItem::Separator);
    items.push(TrayItem::Action {
        id: ids::DIAL.into(),
        label: l10n.tr("tray-dial"),
        enabled: true,
    });
    let recents: Vec<TrayItem> = if input.recents.is_empty() {
        vec![TrayItem::Action {
            id: format!("{}none", ids::RECENT_PREFIX),
            label: l10n.tr("tray-recent-empty"),
            enabled: false,
        }]
    } else {
        input
            .recents
            .iter()
            .enumerate()
            .map(|(i, n)| TrayItem::Action {
                id: format!("{}{i}", ids::RECENT_PREFIX),
                label: n.clone(),
                enabled: true,
            })
            .collect()
    };
    items.push(TrayItem::Submenu {
        id: ids::RECENTS.into(),
        label: l10n.tr("tray-recent"),
        items: recents,
    });
    items.push(TrayItem::Separator);
    items.push(TrayItem::Check {
        id: ids::MUTE.into(),
        label: l10n.tr("tray-mute"),
        checked: input.muted.unwrap_or(false),
        enabled: input.muted.is_some(),
    });
    items.push(TrayItem::Check {
        id: ids::DND.into(),
        label: l10n.tr("tray-dnd"),
        checked: input.do_not_disturb,
        enabled: true,
    });
    items.push(TrayItem::Separator);
    items.push(TrayItem::Action {
        id: ids::WINDOW.into(),
        label: l10n.tr(if input.window_visible {
            "tray-hide"
        } else {
            "tray-show"
        }),
        enabled: true,
    });
    items.push(TrayItem::Action {
        id: ids::QUIT.into(),
        label: l10n.tr("tray-quit"),
        enabled: true,
    });
    items
}

/// What a click on a tray menu entry asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TrayAction {
    /// Show the window with the dialer focused.
    Dial,
    /// Call the recent number at this index.
    CallRecent(usize),
    /// Toggle mute on the current call.
    ToggleMute,
    /// Toggle do-not-disturb.
    ToggleDoNotDisturb,
    /// Show or hide the window.
    ToggleWindow,
    /// Quit the app.
    Quit,
}

impl TrayAction {
    /// The action for a menu id (`None` for status lines and unknown ids).
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            ids::DIAL => Some(Self::Dial),
            ids::MUTE => Some(Self::ToggleMute),
            ids::DND => Some(Self::ToggleDoNotDisturb),
            ids::WINDOW => Some(Self::ToggleWindow),
            ids::QUIT => Some(Self::Quit),
            _ => id
                .strip_prefix(ids::RECENT_PREFIX)
                .and_then(|i| i.parse().ok())
                .map(Self::CallRecent),
        }
    }
}

/// Turns the model into a real menu and sets it, with the icon for the health, on the tray.
pub fn apply<R: tauri::Runtime>(
    app: &tauri::AppHandle<R>,
    model: &[TrayItem],
    health: TrayHealth,
    tooltip: &str,
) -> tauri::Result<()> {
    use tauri::menu::{CheckMenuItem, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return Ok(());
    };
    fn build<R: tauri::Runtime>(
        app: &tauri::AppHandle<R>,
        item: &TrayItem,
    ) -> tauri::Result<Box<dyn IsMenuItem<R>>> {
        Ok(match item {
            TrayItem::Action { id, label, enabled } => Box::new(MenuItem::with_id(
                app,
                id.as_str(),
                label,
                *enabled,
                None::<&str>,
            )?),
            TrayItem::Check {
                id,
                label,
                checked,
                enabled,
            } => Box::new(CheckMenuItem::with_id(
                app,
                id.as_str(),
                label,
                *enabled,
                *checked,
                None::<&str>,
            )?),
            TrayItem::Submenu { id, label, items } => {
                let children = items
                    .iter()
                    .map(|i| build(app, i))
                    .collect::<tauri::Result<Vec<_>>>()?;
                let refs: Vec<&dyn IsMenuItem<R>> = children.iter().map(|b| b.as_ref()).collect();
                Box::new(Submenu::with_id_and_items(
                    app,
                    id.as_str(),
                    label,
                    true,
                    &refs,
                )?)
            }
            TrayItem::Separator => Box::new(PredefinedMenuItem::separator(app)?),
        })
    }
    let items = model
        .iter()
        .map(|i| build(app, i))
        .collect::<tauri::Result<Vec<_>>>()?;
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|b| b.as_ref()).collect();
    let menu = Menu::with_items(app, &refs)?;
    tray.set_menu(Some(menu))?;
    tray.set_icon(Some(icon(health)?))?;
    tray.set_tooltip(Some(tooltip))?;
    Ok(())
}

/// The tray's id.
pub const TRAY_ID: &str = "main";

/// The tray icon for a health.
pub fn icon(health: TrayHealth) -> tauri::Result<tauri::image::Image<'static>> {
    let bytes: &'static [u8] = match health {
        TrayHealth::Ok => include_bytes!("../../icons/tray-ok.png"),
        TrayHealth::Busy => include_bytes!("../../icons/tray-warn.png"),
        TrayHealth::Failed => include_bytes!("../../icons/tray-err.png"),
        TrayHealth::Off => include_bytes!("../../icons/tray-off.png"),
    };
    tauri::image::Image::from_bytes(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(items: &[TrayItem]) -> Vec<String> {
        items
            .iter()
            .map(|i| match i {
                TrayItem::Action { label, .. }
                | TrayItem::Check { label, .. }
                | TrayItem::Submenu { label, .. } => label.clone(),
                TrayItem::Separator => "--".into(),
            })
            .collect()
    }

    #[test]
    fn empty_phone() {
        let l = Localizer::new("en");
        let model = tray_model(&TrayInput::default(), &l);
        assert_eq!(
            labels(&model),
            vec![
                "No account",
                "--",
                "Dial…",
                "Recent numbers",
                "--",
                "Mute",
                "Do not disturb",
                "--",
                "Show window",
                "Quit"
            ]
        );
        // Mute is disabled without a call.
        assert!(model.contains(&TrayItem::Check {
            id: "mute".into(),
            label: "Mute".into(),
            checked: false,
            enabled: false
        }));
        assert_eq!(health(&TrayInput::default()), TrayHealth::Off);
    }

    #[test]
    fn accounts_recents_and_flags() {
        let l = Localizer::new("en");
        let input = TrayInput {
            accounts: vec![
                ("alice@example.com".into(), AccountState::Registered, None),
                (
                    "bob@example.com".into(),
                    AccountState::Failed,
                    Some(Reason::sip(403, "Forbidden")),
                ),
            ],
            recents: vec!["+4930123".into(), "echo".into()],
            muted: Some(true),
            do_not_disturb: true,
            window_visible: true,
            missed_calls: 2,
        };
        let model = tray_model(&input, &l);
        let text = labels(&model);
        assert_eq!(text[0], "alice@example.com: Registered");
        assert_eq!(text[1], "bob@example.com: Failed (403 Forbidden)");
        assert_eq!(text[2], "2 missed calls");
        assert!(text.contains(&"Hide window".to_string()));
        let recents = model
            .iter()
            .find_map(|i| match i {
                TrayItem::Submenu { items, .. } => Some(items.clone()),
                _ => None,
            })
            .unwrap();
        assert_eq!(
            recents[1],
            TrayItem::Action {
                id: "recent:1".into(),
                label: "echo".into(),
                enabled: true
            }
        );
        assert_eq!(health(&input), TrayHealth::Ok);
        assert!(model.contains(&TrayItem::Check {
            id: "dnd".into(),
            label: "Do not disturb".into(),
            checked: true,
            enabled: true
        }));
    }

    #[test]
    fn labels_follow_the_language() {
        let l = Localizer::new("de");
        let text = labels(&tray_model(&TrayInput::default(), &l));
        assert!(text.contains(&"Beenden".to_string()), "{text:?}");
        let l = Localizer::new("ja");
        let text = labels(&tray_model(&TrayInput::default(), &l));
        assert!(text.contains(&"終了".to_string()), "{text:?}");
    }

    #[test]
    fn ids_parse_back_to_actions() {
        assert_eq!(TrayAction::from_id("dial"), Some(TrayAction::Dial));
        assert_eq!(
            TrayAction::from_id("recent:3"),
            Some(TrayAction::CallRecent(3))
        );
        assert_eq!(TrayAction::from_id("recent:none"), None);
        assert_eq!(TrayAction::from_id("status:0"), None);
        assert_eq!(TrayAction::from_id("quit"), Some(TrayAction::Quit));
        assert_eq!(TrayAction::from_id("mute"), Some(TrayAction::ToggleMute));
        assert_eq!(
            TrayAction::from_id("dnd"),
            Some(TrayAction::ToggleDoNotDisturb)
        );
        assert_eq!(
            TrayAction::from_id("window"),
            Some(TrayAction::ToggleWindow)
        );
    }

    #[test]
    fn health_priorities() {
        let mk = |s: &[AccountState]| TrayInput {
            accounts: s.iter().map(|s| ("a@b".to_string(), *s, None)).collect(),
            ..TrayInput::default()
        };
        assert_eq!(
            health(&mk(&[AccountState::Failed, AccountState::Ready])),
            TrayHealth::Ok
        );
        assert_eq!(
            health(&mk(&[AccountState::Failed, AccountState::Connecting])),
            TrayHealth::Failed
        );
        assert_eq!(health(&mk(&[AccountState::Registering])), TrayHealth::Busy);
        assert_eq!(health(&mk(&[AccountState::Stopped])), TrayHealth::Off);
    }
}
