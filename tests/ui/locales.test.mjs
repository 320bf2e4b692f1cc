// Every language has exactly the English keys; every key the UI and the engine's error codes
// need exists. (The Rust side checks the same catalogues in `i18n::tests`.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { FluentResource, FluentBundle } from '../../ui/vendor/fluent-bundle/index.js';
import { ROOT } from './support/server.mjs';

const LOCALES = join(ROOT, 'locales');
const languages = readdirSync(LOCALES).sort();
const source = (lang) => readFileSync(join(LOCALES, lang, 'softphone.ftl'), 'utf8');
const ids = (text) => new Set(new FluentResource(text).body.map((m) => m.id).filter((id) => !id.startsWith('-')));

test('the six shipped languages are there', () => {
  assert.deepEqual(languages, ['de', 'en', 'es', 'fr', 'ja', 'pt-BR']);
});

test('every locale has exactly the English keys and parses cleanly', () => {
  const english = ids(source('en'));
  assert.ok(english.size > 100);
  for (const lang of languages) {
    const bundle = new FluentBundle(lang);
    const errors = bundle.addResource(new FluentResource(source(lang)));
    assert.deepEqual(errors, [], `${lang} has errors`);
    const keys = ids(source(lang));
    const missing = [...english].filter((k) => !keys.has(k));
    const extra = [...keys].filter((k) => !english.has(k));
    assert.deepEqual(missing, [], `${lang} misses keys`);
    assert.deepEqual(extra, [], `${lang} has unknown keys`);
  }
});

test('translations are real: most values differ from English', () => {
  const en = new FluentBundle('en');
  en.addResource(new FluentResource(source('en')));
  for (const lang of languages.filter((l) => l !== 'en')) {
    const b = new FluentBundle(lang);
    b.addResource(new FluentResource(source(lang)));
    let same = 0;
    let total = 0;
    for (const id of ids(source('en'))) {
      const a = en.getMessage(id);
      const m = b.getMessage(id);
      if (!a.value || !m.value) continue;
      total += 1;
      const args = { count: 2, account: 'a', caller: 'c', target: 't', number: 'n', reason: 'r', detail: 'd', path: 'p', remote: 'r', name: 'n', state: 's', digit: '1', code: 1, text: 't', value: 1 };
      if (en.formatPattern(a.value, args, []) === b.formatPattern(m.value, args, [])) same += 1;
    }
    assert.ok(same / total < 0.25, `${lang}: ${same}/${total} values identical to English`);
  }
});

test('libwebphone labels and every engine error code have messages', () => {
  const english = ids(source('en'));
  for (const key of ['agentstart', 'agentstop', 'debug', 'debugstart', 'debugstop', 'username', 'password',
    'realm', 'registrar', 'register', 'unregister']) {
    assert.ok(english.has(key), key);
  }
  const types = readFileSync(join(ROOT, 'ui', 'src', 'engine-types.ts'), 'utf8');
  const union = types.match(/export type ErrorCode = ([^;]+);/)[1];
  const codes = [...union.matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  assert.ok(codes.length >= 11);
  for (const code of codes) assert.ok(english.has(`error-${code}`), `error-${code}`);
  const states = [...types.match(/export type AccountState = ([^;]+);/)[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  for (const s of states) assert.ok(english.has(`account-state-${s}`), s);
  const calls = [...types.match(/export type CallState = ([^;]+);/)[1].matchAll(/"([a-z_]+)"/g)].map((m) => m[1]);
  for (const s of calls) assert.ok(english.has(`call-state-${s}`), s);
});

test('every l10n id used by the UI exists', () => {
  const english = ids(source('en'));
  const html = readFileSync(join(ROOT, 'ui', 'index.html'), 'utf8');
  const js = readFileSync(join(ROOT, 'ui', 'js', 'main.js'), 'utf8');
  const used = new Set([...html.matchAll(/data-l10n-id="([^"]+)"/g)].map((m) => m[1]));
  // Literal ids passed to t()/setL10n()/button()/l10n: [...] in the code.
  const patterns = [/\bt\('([a-z][a-z0-9_-]+)'/g, /setL10n\([^,()]+(?:\([^)]*\))?,\s*'([a-z][a-z0-9_-]+)'/g,
    /\bbutton\('([a-z][a-z0-9_-]+)'/g, /\btoast\('([a-z][a-z0-9_-]+)'/g, /l10n: \['([a-z][a-z0-9_-]+)'/g,
    /\? '([a-z][a-z0-9_-]+)' : '([a-z][a-z0-9_-]+)'/g];
  for (const re of patterns) {
    for (const m of js.matchAll(re)) for (const id of m.slice(1)) if (id && id.includes('-') || english.has(id)) used.add(id);
  }
  const missing = [...used].filter((id) => !english.has(id));
  assert.deepEqual(missing, []);
  assert.ok(used.size > 80, `only ${used.size} ids found`);
});
