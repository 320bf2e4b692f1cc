//! WebKitGTK settings that can only be given through the environment, before GTK and the web
//! processes start (the web processes inherit it).
//!
//! The window is a form-like UI: WebKit's GPU compositing buys nothing for it, and on machines
//! without a GPU (VMs, Xvfb) it runs on Mesa's llvmpipe, which costs about 85 MiB of PSS in the
//! web process (bench: 316 → 229 MiB for the whole tree with the window open). So compositing
//! is off unless the user sets `WEBKIT_DISABLE_COMPOSITING_MODE` themselves, or
//! `SOFTPHONE_GPU=1` to keep WebKit's default.
//!
//! Under WebDriver (`TAURI_WEBVIEW_AUTOMATION=true`, set by tauri-driver) WebKit's default is
//! kept: without compositing WebKitWebDriver's synthesized clicks take 0.6–1.8 s instead of
//! 0.1 s, which made the end-to-end call scenarios flaky. The e2e test of a minimised start
//! (no WebDriver) checks that the web process of a normally started app gets the setting.

use std::ffi::OsString;

/// The variables to set, given a lookup of the current environment.
pub fn overrides(lookup: impl Fn(&str) -> Option<OsString>) -> Vec<(&'static str, &'static str)> {
    if lookup("SOFTPHONE_GPU").is_some_and(|v| v == "1")
        || lookup("TAURI_WEBVIEW_AUTOMATION").is_some_and(|v| v == "true")
    {
        return Vec::new();
    }
    let mut out = Vec::new();
    if lookup("WEBKIT_DISABLE_COMPOSITING_MODE").is_none() {
        out.push(("WEBKIT_DISABLE_COMPOSITING_MODE", "1"));
    }
    out
}

/// Applies [`overrides`] to the process environment. Call first thing in `main`, before any
/// thread starts.
pub fn apply() {
    #[cfg(target_os = "linux")]
    for (key, value) in overrides(|k| std::env::var_os(k)) {
        std::env::set_var(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn with(vars: &[(&str, &str)]) -> Vec<(&'static str, &'static str)> {
        let env: HashMap<String, OsString> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), OsString::from(v)))
            .collect();
        overrides(|k| env.get(k).cloned())
    }

    #[test]
    fn compositing_is_off_unless_the_user_decides() {
        assert_eq!(with(&[]), vec![("WEBKIT_DISABLE_COMPOSITING_MODE", "1")]);
        assert!(with(&[("WEBKIT_DISABLE_COMPOSITING_MODE", "0")]).is_empty());
        assert!(with(&[("SOFTPHONE_GPU", "1")]).is_empty());
        assert_eq!(with(&[("SOFTPHONE_GPU", "0")]).len(), 1);
        assert!(with(&[("TAURI_WEBVIEW_AUTOMATION", "true")]).is_empty());
    }
}
