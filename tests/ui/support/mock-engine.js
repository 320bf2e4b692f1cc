// An in-page stand-in for the Rust side, behind Tauri's own mockIPC: it answers each command
// the way the shell and engine do (same argument names, same result and error shapes), keeps
// the settings view, and lets a test push engine events (`mock.emit`) and shell events
// (`mock.shell`) through the same ordered channels the app uses.

import { mockIPC } from '/node_modules/@tauri-apps/api/mocks.js';
import * as core from '/node_modules/@tauri-apps/api/core.js';

const LANGS = [['en', 'English'], ['de', 'Deutsch'], ['fr', 'Français'], ['es', 'Español'],
  ['pt-BR', 'Português (Brasil)'], ['ja', '日本語']];
const sources = {};
await Promise.all(LANGS.map(async ([tag]) => {
  sources[tag] = await (await fetch(`/locales/${tag}/softphone.ftl`)).text();
}));

function fail(code, detail) {
  // What a rejected invoke carries: the serialised CommandError.
  throw { code, detail };
}

const mock = {
  ready: false,
  seq: 0,
  nextCall: 0,
  log: [],
  channels: { event: null, shell: null },
  indexes: new Map(),
  overrides: {},
  language: 'en',
  snapshot: {
    seq: 0, accounts: [], calls: [], devices: [
      { name: 'Built-in Microphone', is_input: true, is_default: true },
      { name: 'Built-in Speakers', is_input: false, is_default: true },
    ],
    microphone: null, speaker: null, ringer: null, debug: false, do_not_disturb: false,
  },
  settings: {
    preferences: { language: null, theme: 'system', start_minimised: false, start_at_login: false, log_level: 'info' },
    accounts: [], recents: [], keyring: { available: true, detail: null },
    log_dir: '/home/user/.local/share/softphone/logs', settings_file: '/home/user/.config/softphone/settings.json',
  },

  send(ch, message) {
    if (!ch) throw new Error('the UI has not connected');
    const index = this.indexes.get(ch.id) ?? 0;
    this.indexes.set(ch.id, index + 1);
    window.__TAURI_INTERNALS__.runCallback(ch.id, { index, message });
  },
  /** Publishes an engine event with the next sequence number. */
  emit(event) {
    this.seq += 1;
    this.snapshot.seq = this.seq;
    this.send(this.channels.event, { seq: this.seq, ...event });
    return this.seq;
  },
  /** Sends a shell event (link, tray). */
  shell(event) {
    this.send(this.channels.shell, event);
  },
  /** Makes a command fail with a code. */
  failNext(cmd, code, detail = 'test') {
    this.overrides[cmd] = () => { delete this.overrides[cmd]; fail(code, detail); };
  },
  calls(cmd) {
    return this.log.filter(([c]) => c === cmd).map(([, a]) => a);
  },
  incoming(uri, displayName, accountId = 'alice@example.com') {
    this.nextCall += 1;
    const callId = `call-${this.nextCall}`;
    this.emit({ type: 'incoming_call', call_id: callId, account_id: accountId, remote: { uri, display_name: displayName } });
    this.emit({ type: 'call_state_changed', call_id: callId, account_id: accountId, state: 'incoming', reason: null });
    return callId;
  },
  state(callId, state, reason = null) {
    this.emit({ type: 'call_state_changed', call_id: callId, account_id: null, state, reason });
  },
};

function locale() {
  return { language: mock.language, source: sources[mock.language], fallback: sources.en, available: LANGS };
}

function accountIdOk(id) {
  if (!mock.snapshot.accounts.some((a) => a.config.id === id)) fail('unknown_account', `no account ${id}`);
}

const handlers = {
  get_locale: () => locale(),
  get_settings: () => structuredClone(mock.settings),
  connect: (args) => {
    mock.channels.event = args.on_event;
    mock.channels.shell = args.on_shell;
    return structuredClone(mock.snapshot);
  },
  snapshot: () => structuredClone(mock.snapshot),
  set_account: ({ account, credential, remember }) => {
    if (!account.address.includes('@')) fail('invalid_argument', 'address must look like user@domain or sip:user@domain');
    if (credential && remember !== false && !mock.settings.keyring.available) {
      fail('keyring_unavailable', mock.settings.keyring.detail ?? 'no Secret Service');
    }
    const existing = mock.settings.accounts.find((a) => a.config.id === account.id);
    const stored = { config: account, secret_kind: credential ? credential.type : existing?.secret_kind ?? null,
      remember: credential ? remember !== false : existing?.remember ?? true };
    mock.settings.accounts = [...mock.settings.accounts.filter((a) => a.config.id !== account.id), stored];
    const view = { config: account, state: 'stopped', reason: null, has_credential: Boolean(credential) };
    mock.snapshot.accounts = [...mock.snapshot.accounts.filter((a) => a.config.id !== account.id), view];
    mock.emit({ type: 'account_changed', account_id: account.id, config: account });
    return { type: 'done' };
  },
  remove_account: ({ account_id }) => {
    accountIdOk(account_id);
    mock.settings.accounts = mock.settings.accounts.filter((a) => a.config.id !== account_id);
    mock.snapshot.accounts = mock.snapshot.accounts.filter((a) => a.config.id !== account_id);
    mock.emit({ type: 'account_changed', account_id, config: null });
    return { type: 'done' };
  },
  start_account: ({ account_id }) => {
    accountIdOk(account_id);
    mock.emit({ type: 'account_state_changed', account_id, state: 'connecting', reason: null });
    mock.emit({ type: 'account_state_changed', account_id, state: 'registering', reason: null });
    mock.emit({ type: 'account_state_changed', account_id, state: 'registered', reason: null });
    return { type: 'done' };
  },
  stop_account: ({ account_id }) => {
    accountIdOk(account_id);
    mock.emit({ type: 'account_state_changed', account_id, state: 'stopped', reason: null });
    return { type: 'done' };
  },
  register: ({ account_id }) => {
    accountIdOk(account_id);
    mock.emit({ type: 'account_state_changed', account_id, state: 'registered', reason: null });
    return { type: 'done' };
  },
  unregister: ({ account_id }) => {
    accountIdOk(account_id);
    mock.emit({ type: 'account_state_changed', account_id, state: 'connected', reason: null });
    return { type: 'done' };
  },
  dial: ({ target, account_id }) => {
    const t = String(target).trim();
    if (!t || /[^\w@:+*#.\-()/ ;=<>]/.test(t) || /^[\d\s]*[a-z]+\s+[a-z]/i.test(t)) fail('invalid_target', 'unexpected character in number');
    const isEcho = t.toLowerCase() === 'echo';
    if (!isEcho && mock.snapshot.accounts.length === 0) fail('no_account', 'no account is set up; dial "echo" to test your audio');
    mock.settings.recents = [t, ...mock.settings.recents.filter((n) => n !== t)].slice(0, 10);
    mock.nextCall += 1;
    const callId = `call-${mock.nextCall}`;
    mock.emit({ type: 'call_state_changed', call_id: callId, account_id: isEcho ? null : (account_id ?? mock.snapshot.accounts[0].config.id), state: 'dialing', reason: null });
    return { type: 'call_started', call_id: callId };
  },
  answer: ({ call_id }) => { mock.state(call_id, 'active'); return { type: 'done' }; },
  reject: ({ call_id, code }) => {
    mock.state(call_id, 'ended', { code: code ?? 486, text: code === 603 ? 'Decline' : 'Busy Here' });
    return { type: 'done' };
  },
  silence: () => ({ type: 'done' }),
  forward: ({ call_id, target }) => {
    if (!String(target ?? '').trim()) fail('invalid_target', 'empty target');
    mock.state(call_id, 'ended', { code: 302, text: 'Moved Temporarily' });
    return { type: 'done' };
  },
  hangup: ({ call_id }) => { mock.state(call_id, 'ended', { code: null, text: 'hung up' }); return { type: 'done' }; },
  hold: ({ call_id }) => {
    mock.emit({ type: 'call_flags_changed', call_id, local_hold: true, remote_hold: false, muted: false });
    mock.state(call_id, 'held');
    return { type: 'done' };
  },
  resume: ({ call_id }) => {
    mock.emit({ type: 'call_flags_changed', call_id, local_hold: false, remote_hold: false, muted: false });
    mock.state(call_id, 'active');
    return { type: 'done' };
  },
  set_mute: ({ call_id, muted }) => {
    mock.emit({ type: 'call_flags_changed', call_id, local_hold: false, remote_hold: false, muted });
    return { type: 'done' };
  },
  send_dtmf: () => ({ type: 'done' }),
  transfer: () => ({ type: 'done' }),
  select_device: ({ role, device }) => {
    mock.snapshot[role] = device;
    mock.emit({ type: 'devices_changed', devices: mock.snapshot.devices });
    return { type: 'done' };
  },
  set_debug: ({ enabled }) => {
    mock.snapshot.debug = enabled;
    mock.emit({ type: 'debug_changed', enabled });
    return { type: 'done' };
  },
  set_do_not_disturb: ({ enabled }) => {
    mock.snapshot.do_not_disturb = enabled;
    mock.emit({ type: 'do_not_disturb_changed', enabled });
    return { type: 'done' };
  },
  set_preferences: ({ preferences }) => {
    if (preferences.language && !LANGS.some(([t]) => t === preferences.language)) fail('invalid_argument', 'unknown language');
    mock.settings.preferences = preferences;
    mock.language = preferences.language ?? 'en';
    return structuredClone(mock.settings);
  },
  set_log_level: ({ level }) => { mock.settings.preferences.log_level = level; return { type: 'done' }; },
  open_log_folder: () => ({ type: 'done' }),
  clear_recents: () => { mock.settings.recents = []; return { type: 'done' }; },
};

mockIPC((cmd, args) => {
  // Channels are objects here; record plain data only.
  const recorded = {};
  for (const [k, v] of Object.entries(args ?? {})) recorded[k] = v instanceof core.Channel ? `channel:${v.id}` : v;
  mock.log.push([cmd, recorded]);
  const handler = mock.overrides[cmd] ?? handlers[cmd];
  if (!handler) throw new Error(`unknown command ${cmd}`);
  return handler(args ?? {});
});

window.__TAURI__ = { core };
window.mock = mock;
mock.ready = true;
