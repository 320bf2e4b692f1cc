//! Translations: the Fluent files under `locales/` are embedded in the binary, so the tray,
//! the notifications and the UI (which receives the source over IPC) use the same catalogue.
//!
//! Language choice: the user's setting when there is one, else the system locale, else English.
//! A message missing from a catalogue falls back to English (the parity tests keep that from
//! happening in a release).

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::Serialize;
use unic_langid::LanguageIdentifier;

/// One shipped language: its tag, its name in itself, and its Fluent source.
#[derive(Clone, Copy, Debug)]
pub struct Language {
    /// BCP 47 tag, also the folder name under `locales/`.
    pub tag: &'static str,
    /// The language's name in that language (shown in the language picker).
    pub native_name: &'static str,
    /// The `softphone.ftl` source.
    pub source: &'static str,
}

/// Every shipped language; English first (it is the fallback).
pub const LANGUAGES: &[Language] = &[
    Language {
        tag: "en",
        native_name: "English",
        source: include_str!("../../locales/en/softphone.ftl"),
    },
    Language {
        tag: "de",
        native_name: "Deutsch",
        source: include_str!("../../locales/de/softphone.ftl"),
    },
    Language {
        tag: "fr",
        native_name: "Français",
        source: include_str!("../../locales/fr/softphone.ftl"),
    },
    Language {
        tag: "es",
        native_name: "Español",
        source: include_str!("../../locales/es/softphone.ftl"),
    },
    Language {
        tag: "pt-BR",
        native_name: "Português (Brasil)",
        source: include_str!("../../locales/pt-BR/softphone.ftl"),
    },
    Language {
        tag: "ja",
        native_name: "日本語",
        source: include_str!("../../locales/ja/softphone.ftl"),
    },
];

/// The fallback language.
pub const FALLBACK: &str = "en";

/// Picks the shipped language that best fits a requested tag (`de-AT` → `de`, `pt` → `pt-BR`).
pub fn negotiate(requested: &str) -> Option<&'static str> {
    let requested = requested.trim().replace('_', "-");
    // POSIX locales look like `de_DE.UTF-8@euro`.
    let requested = requested
        .split(['.', '@'])
        .next()
        .unwrap_or_default()
        .to_string();
    if requested.is_empty() || requested == "C" || requested == "POSIX" {
        return None;
    }
    if let Some(exact) = LANGUAGES
        .iter()
        .find(|l| l.tag.eq_ignore_ascii_case(&requested))
    {
        return Some(exact.tag);
    }
    let primary = requested.split('-').next().unwrap_or_default();
    LANGUAGES
        .iter()
        .find(|l| {
            l.tag
                .split('-')
                .next()
                .is_some_and(|p| p.eq_ignore_ascii_case(primary))
        })
        .map(|l| l.tag)
}

/// The language to use: the setting, else the system's, else English.
pub fn choose_language(setting: Option<&str>) -> &'static str {
    setting
        .and_then(negotiate)
        .or_else(|| sys_locale::get_locales().find_map(|l| negotiate(&l)))
        .unwrap_or(FALLBACK)
}

fn language(tag: &str) -> &'static Language {
    LANGUAGES
        .iter()
        .find(|l| l.tag == tag)
        .unwrap_or(&LANGUAGES[0])
}

fn bundle(lang: &'static Language) -> FluentBundle<FluentResource> {
    let id: LanguageIdentifier = lang
        .tag
        .parse()
        .unwrap_or_else(|_| LanguageIdentifier::default());
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks would end up in tray labels and notifications as stray glyphs.
    bundle.set_use_isolating(false);
    let resource = match FluentResource::try_new(lang.source.to_string()) {
        Ok(r) => r,
        Err((r, errors)) => {
            tracing::warn!(lang = lang.tag, ?errors, "Fluent syntax errors");
            r
        }
    };
    if let Err(errors) = bundle.add_resource(resource) {
        tracing::warn!(lang = lang.tag, ?errors, "Fluent resource errors");
    }
    bundle
}

/// Formats messages in one language, falling back to English.
pub struct Localizer {
    language: &'static Language,
    bundle: FluentBundle<FluentResource>,
    fallback: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for Localizer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Localizer")
            .field("language", &self.language.tag)
            .finish()
    }
}

impl Localizer {
    /// A localizer for a shipped language tag (English when the tag is unknown).
    pub fn new(tag: &str) -> Self {
        let language = language(negotiate(tag).unwrap_or(FALLBACK));
        Self {
            language,
            bundle: bundle(language),
            fallback: bundle(&LANGUAGES[0]),
        }
    }

    /// The language in use.
    pub fn language(&self) -> &'static str {
        self.language.tag
    }

    /// The Fluent source of the language in use (sent to the UI).
    pub fn source(&self) -> &'static str {
        self.language.source
    }

    /// The message `id` with arguments; the id itself when no catalogue has it.
    pub fn tr_args(&self, id: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (k, v) in args {
            fluent_args.set(*k, v.clone());
        }
        for bundle in [&self.bundle, &self.fallback] {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = vec![];
                let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
                if !errors.is_empty() {
                    tracing::debug!(id, ?errors, "Fluent format errors");
                }
                return text.into_owned();
            }
        }
        id.to_string()
    }

    /// The message `id` without arguments.
    pub fn tr(&self, id: &str) -> String {
        self.tr_args(id, &[])
    }
}

/// What the UI needs to translate itself.
#[derive(Clone, Debug, Serialize)]
pub struct LocaleBundle {
    /// The language in use.
    pub language: String,
    /// Its Fluent source.
    pub source: String,
    /// English, the fallback for any message the language lacks.
    pub fallback: String,
    /// Every shipped language as `(tag, native name)`.
    pub available: Vec<(String, String)>,
}

impl LocaleBundle {
    /// The bundle for a localizer's language.
    pub fn for_localizer(l: &Localizer) -> Self {
        Self {
            language: l.language().to_string(),
            source: l.source().to_string(),
            fallback: LANGUAGES[0].source.to_string(),
            available: LANGUAGES
                .iter()
                .map(|l| (l.tag.to_string(), l.native_name.to_string()))
                .collect(),
        }
    }
}

/// The message ids defined by a Fluent source (messages only, not terms).
pub fn message_ids(source: &str) -> Vec<String> {
    let resource = match FluentResource::try_new(source.to_string()) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_string()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn every_locale_parses_and_has_every_key() {
        let english: BTreeSet<String> = message_ids(LANGUAGES[0].source).into_iter().collect();
        assert!(english.len() > 100, "the English catalogue looks truncated");
        for lang in LANGUAGES {
            assert!(
                FluentResource::try_new(lang.source.to_string()).is_ok(),
                "{} has Fluent syntax errors",
                lang.tag
            );
            let keys: BTreeSet<String> = message_ids(lang.source).into_iter().collect();
            let missing: Vec<_> = english.difference(&keys).collect();
            let extra: Vec<_> = keys.difference(&english).collect();
            assert!(missing.is_empty(), "{} misses {missing:?}", lang.tag);
            assert!(extra.is_empty(), "{} has unknown keys {extra:?}", lang.tag);
        }
    }

    #[test]
    fn libwebphone_labels_exist() {
        let english = message_ids(LANGUAGES[0].source);
        for key in [
            "agentstart",
            "agentstop",
            "debug",
            "debugstart",
            "debugstop",
            "username",
            "password",
            "realm",
            "registrar",
            "register",
            "unregister",
        ] {
            assert!(english.iter().any(|k| k == key), "missing {key}");
        }
    }

    #[test]
    fn every_error_code_is_translated() {
        use softphone_engine::ErrorCode::*;
        let english = message_ids(LANGUAGES[0].source);
        for code in [
            InvalidArgument,
            InvalidTarget,
            UnknownAccount,
            UnknownCall,
            NoAccount,
            InvalidState,
            KeyringUnavailable,
            DeviceUnavailable,
            Network,
            Unsupported,
            EngineStopped,
        ] {
            let name = serde_json::to_value(code).unwrap();
            let key = format!("error-{}", name.as_str().unwrap());
            assert!(english.contains(&key), "missing {key}");
        }
    }

    #[test]
    fn negotiation() {
        assert_eq!(negotiate("de-AT"), Some("de"));
        assert_eq!(negotiate("pt"), Some("pt-BR"));
        assert_eq!(negotiate("pt_PT.UTF-8"), Some("pt-BR"));
        assert_eq!(negotiate("PT-br"), Some("pt-BR"));
        assert_eq!(negotiate("ja-JP"), Some("ja"));
        assert_eq!(negotiate("C"), None);
        assert_eq!(negotiate("xx"), None);
        assert_eq!(choose_language(Some("fr")), "fr");
    }

    #[test]
    fn formatting_and_fallback() {
        let de = Localizer::new("de");
        assert_eq!(de.language(), "de");
        assert_eq!(de.tr("tray-quit"), "Beenden");
        let text = de.tr_args("notification-incoming-body", &[("caller", "Bob".into())]);
        assert!(text.contains("Bob"), "{text}");
        assert_eq!(de.tr("no-such-message"), "no-such-message");
        assert_eq!(Localizer::new("zz").language(), "en");
    }
}
