// Translations in the UI: the Fluent sources come from the Rust side over IPC (`get_locale`),
// formatted with @fluent/bundle (vendored ESM, ui/vendor/fluent-bundle, Apache-2.0).
// Markup carries `data-l10n-id` (text), `data-l10n-args` (JSON) and `data-l10n-attrs`
// (a comma-separated list of attributes that take the message's attributes of the same name,
// or `aria-label`/`placeholder`/`title` taking the message value).

import { FluentBundle, FluentResource } from '../vendor/fluent-bundle/index.js';

let bundles = [];
let language = 'en';

function makeBundle(lang, source) {
  const bundle = new FluentBundle(lang, { useIsolating: false });
  const errors = bundle.addResource(new FluentResource(source));
  if (errors.length) console.warn(`Fluent errors in ${lang}`, errors);
  return bundle;
}

/** Loads a locale bundle as returned by the `get_locale` command. */
export function loadLocale(locale) {
  language = locale.language;
  bundles = [makeBundle(locale.language, locale.source)];
  if (locale.language !== 'en') bundles.push(makeBundle('en', locale.fallback));
  document.documentElement.lang = locale.language;
  document.title = t('app-title');
}

/** The language in use. */
export function currentLanguage() {
  return language;
}

/** Formats a message; the id itself when no bundle has it. */
export function t(id, args) {
  for (const bundle of bundles) {
    const message = bundle.getMessage(id);
    if (message && message.value) {
      const errors = [];
      const text = bundle.formatPattern(message.value, args, errors);
      return text;
    }
  }
  return id;
}

/** True when the catalogue has the message. */
export function has(id) {
  return bundles.some((b) => b.hasMessage(id));
}

/** Sets an element's translation (and re-renders it). */
export function setL10n(el, id, args) {
  el.dataset.l10nId = id;
  if (args) el.dataset.l10nArgs = JSON.stringify(args);
  else delete el.dataset.l10nArgs;
  translateElement(el);
  return el;
}

function translateElement(el) {
  const id = el.dataset.l10nId;
  if (!id) return;
  let args;
  try {
    args = el.dataset.l10nArgs ? JSON.parse(el.dataset.l10nArgs) : undefined;
  } catch {
    args = undefined;
  }
  const text = t(id, args);
  const attrs = (el.dataset.l10nAttrs || '').split(',').map((s) => s.trim()).filter(Boolean);
  if (attrs.length) {
    for (const a of attrs) el.setAttribute(a, text);
  } else {
    el.textContent = text;
  }
}

/** Translates every marked element under `root`. */
export function translateTree(root = document) {
  for (const el of root.querySelectorAll('[data-l10n-id]')) translateElement(el);
}

/** The translated message for a command error (`error-<code>`). */
export function errorMessage(error) {
  const code = error && typeof error === 'object' ? error.code : null;
  const id = code ? `error-${code}` : 'error-unknown';
  return has(id) ? t(id) : t('error-unknown');
}
