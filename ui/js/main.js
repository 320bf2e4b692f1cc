// The softphone UI: renders the engine's model (snapshot + ordered events) and sends one IPC
// command per user action. Every visible string comes from the Fluent catalogue (locales/).

import { invoke, channel } from './ipc.js';
import { loadLocale, t, translateTree, setL10n, errorMessage } from './i18n.js';
import * as store from './store.js';
import { normaliseDial, cleanPaste, KEYPAD, KEY_LETTERS } from './dial.js';

const $ = (id) => document.getElementById(id);

/** Builds an element: h('button', { class, l10n: [id, args], attrs, on, text }, ...children). */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.className = v;
    else if (k === 'text') el.textContent = v;
    else if (k === 'l10n') setL10n(el, v[0], v[1]);
    else if (k === 'on') for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'attrs') for (const [a, av] of Object.entries(v)) { if (av !== null && av !== undefined && av !== false) el.setAttribute(a, String(av)); }
    else el[k] = v;
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** Builds a button with a translated label. */
function button(id, cls, onClick, args, extra = {}) {
  return h('button', { type: 'button', class: cls, l10n: [id, args], on: { click: onClick }, ...extra });
}

const app = {
  model: store.emptyModel(),
  settings: null,
  locale: null,
  view: 'phone',
  editing: null,
  formOpen: false,
  keypadOpen: new Set(),
  forwardOpen: new Set(),
  forwardDrafts: new Map(),
  outgoingTargets: new Map(),
  pendingAccount: null,
  renderQueued: false,
  /** When a pointer button went down (0: none is down). */
  pointerDownAt: 0,
};

// ---------------------------------------------------------------------------------------------
// Messages

function toast(id, args) {
  const box = $('toasts');
  const el = h('div', { class: 'toast', l10n: [id, args] });
  box.append(el);
  while (box.children.length > 3) box.firstElementChild.remove();
  setTimeout(() => el.remove(), 4000);
}

/** Shows a command error, translated by its code, with the engine's detail below. */
function showError(error) {
  const box = $('errors');
  const code = error && error.code ? error.code : 'unknown';
  const el = h('div', { class: 'toast toast-error', dataset: { code } },
    h('div', { class: 'toast-text' },
      h('strong', { class: 'error-message', text: errorMessage(error) }),
      error && error.detail ? h('small', { class: 'error-detail', l10n: ['error-detail', { detail: error.detail }] }) : null),
    button('error-dismiss', 'btn btn-small', () => el.remove()));
  el.dataset.l10nError = code;
  box.append(el);
  while (box.children.length > 3) box.firstElementChild.remove();
}

function retranslateErrors() {
  for (const el of $('errors').querySelectorAll('.toast-error')) {
    el.querySelector('.error-message').textContent = errorMessage({ code: el.dataset.code });
  }
}

async function run(cmd, args) {
  try {
    return await invoke(cmd, args);
  } catch (e) {
    showError(e);
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------
// Engine connection

function scheduleRender() {
  if (app.renderQueued) return;
  app.renderQueued = true;
  queueMicrotask(flushRender);
}

// A render replaces the controls. One between the press and the release of a button loses the
// click (the release lands on the new button, so no click fires): while a pointer is pressed,
// renders wait for its release (at most a second). The release and its click are one task,
// the deferred render a later one.
const RENDER_HOLD_MS = 1000;

function flushRender() {
  if (app.pointerDownAt && performance.now() - app.pointerDownAt < RENDER_HOLD_MS) {
    setTimeout(flushRender, 30);
    return;
  }
  app.renderQueued = false;
  renderAll();
}

document.addEventListener('pointerdown', () => { app.pointerDownAt = performance.now(); }, true);
for (const type of ['pointerup', 'pointercancel']) {
  document.addEventListener(type, () => { app.pointerDownAt = 0; }, true);
}

async function reloadSnapshot() {
  try {
    const snapshot = await invoke('snapshot');
    app.model = store.applySnapshot(app.model, snapshot);
  } catch (e) {
    showError(e);
  }
  scheduleRender();
}

function onEngineEvent(env) {
  const next = store.applyEvent(app.model, env);
  if (next === null) {
    reloadSnapshot();
    return;
  }
  app.model = next;
  if (env.type === 'call_state_changed' && env.state === 'ended') {
    app.keypadOpen.delete(env.call_id);
    app.forwardOpen.delete(env.call_id);
    app.forwardDrafts.delete(env.call_id);
  }
  if (env.type === 'account_changed' || env.type === 'do_not_disturb_changed') refreshSettings();
  // Levels arrive several times a second and stats every second: update the meters and the
  // quality figures in place, so buttons under the pointer or with keyboard focus stay put.
  if ((env.type === 'audio_levels' || env.type === 'call_stats_updated') && updateLiveFigures(env.call_id)) return;
  scheduleRender();
}

/**
 * Replaces only the meters and quality block of a shown call; false when a full render is
 * needed. Only the focused call's card shows figures: for any other call (held in the list
 * during call waiting) nothing on screen changes, so nothing is rendered; a full render per
 * level event would replace the buttons under the pointer several times a second.
 */
function updateLiveFigures(callId) {
  const call = app.model.calls.get(callId);
  if (!call || app.renderQueued) return false;
  if (store.focusedCall(app.model)?.call_id !== callId) return true;
  const card = document.querySelector(`#calls-area .call-card[data-call="${CSS.escape(callId)}"]`);
  if (!card) return false;
  const meters = card.querySelector('.meters');
  const quality = card.querySelector('.quality');
  if (!meters || !quality) return false;
  meters.replaceWith(metersBlock(call));
  quality.replaceWith(qualityBlock(call));
  return true;
}

function onShellEvent(ev) {
  switch (ev.type) {
    case 'dial_request':
      confirmLink(ev.target);
      break;
    case 'focus_dialer':
      showView('phone');
      $('dial-input').focus();
      break;
    case 'command_failed':
      showError(ev.error);
      break;
    case 'settings_changed':
      refreshSettings();
      break;
    default:
      break;
  }
}

async function connect() {
  const onEvent = channel(onEngineEvent);
  const onShell = channel(onShellEvent);
  const snapshot = await invoke('connect', { on_event: onEvent, on_shell: onShell });
  app.model = store.applySnapshot(app.model, snapshot);
}

async function refreshSettings() {
  try {
    app.settings = await invoke('get_settings');
  } catch (e) {
    showError(e);
    return;
  }
  scheduleRender();
}

// ---------------------------------------------------------------------------------------------
// Views

function showView(view) {
  app.view = view;
  for (const btn of document.querySelectorAll('.nav-btn')) {
    if (btn.dataset.view === view) btn.setAttribute('aria-current', 'page');
    else btn.removeAttribute('aria-current');
  }
  for (const v of ['phone', 'recents', 'settings', 'debug']) $(`view-${v}`).hidden = v !== view;
  document.body.dataset.view = view;
  if (view === 'settings' && app.settings && app.settings.accounts.length === 0 && !app.formOpen) {
    openAccountForm(null);
  }
  renderAll();
}

function accountStateText(account) {
  if (account.state === 'failed' && account.reason) {
    const r = account.reason;
    // The server refused the credentials: say so in the user's language, with the status.
    if ([401, 403, 407].includes(r.code)) return t('account-state-auth-failed', { code: r.code });
    const reason = r.code ? `${r.code} ${r.text}` : r.text;
    return t('account-state-failed-reason', { reason });
  }
  return t(`account-state-${account.state}`);
}

function renderStatus() {
  const list = $('account-status');
  list.replaceChildren();
  const accounts = [...app.model.accounts.values()];
  if (accounts.length === 0) {
    list.append(h('li', { class: 'account-row empty' },
      h('span', { class: 'dot', dataset: { state: 'none' }, attrs: { 'aria-hidden': 'true' } }),
      h('span', { class: 'grow', l10n: ['status-none'] }),
      button('status-add-account', 'btn btn-small', () => { showView('settings'); openAccountForm(null); })));
  }
  for (const a of accounts) {
    const id = a.config.id;
    const running = !['stopped', 'failed'].includes(a.state);
    const registered = ['registered', 'ready'].includes(a.state);
    list.append(h('li', { class: 'account-row', dataset: { account: id, state: a.state } },
      h('span', { class: 'dot', dataset: { state: a.state }, attrs: { 'aria-hidden': 'true' } }),
      h('div', { class: 'grow account-text' },
        h('strong', { class: 'account-address', text: a.config.display_name || a.config.address }),
        h('span', { class: 'account-state', text: accountStateText(a) })),
      h('div', { class: 'row-actions', attrs: { role: 'group', 'aria-label': t('status-actions', { account: a.config.address }) } },
        button(running ? 'agentstop' : 'agentstart', 'btn btn-small', () =>
          run(running ? 'stop_account' : 'start_account', { account_id: id }), null,
          { dataset: { action: running ? 'agentstop' : 'agentstart' } }),
        button(registered ? 'unregister' : 'register', 'btn btn-small', () =>
          run(registered ? 'unregister' : 'register', { account_id: id }), null,
          { dataset: { action: registered ? 'unregister' : 'register' } }))));
  }
  const dnd = $('dnd-toggle');
  dnd.setAttribute('aria-pressed', String(app.model.dnd));
  const dbg = $('debug-toggle');
  setL10n(dbg, app.model.debug ? 'debugstop' : 'debugstart');
  dbg.setAttribute('aria-pressed', String(app.model.debug));
  $('flag-dnd').hidden = !app.model.dnd;
  $('flag-debug').hidden = !app.model.debug;
}

function renderBanners() {
  const box = $('banners');
  box.replaceChildren();
  if (app.model.dnd) box.append(h('p', { class: 'banner banner-info', l10n: ['dnd-on'] }));
  const missed = app.model.missed.length;
  if (missed > 0 && app.view === 'phone') {
    box.append(h('div', { class: 'banner banner-missed', id: 'missed-banner' },
      h('span', { l10n: ['missed-calls', { count: missed }] }),
      h('span', { class: 'muted', l10n: ['missed-from', { caller: app.model.missed[0].caller }] }),
      button('missed-dismiss', 'btn btn-small', clearMissed)));
  }
  const badge = $('missed-badge');
  badge.hidden = missed === 0;
  badge.textContent = String(missed);
  if (missed) badge.setAttribute('aria-label', t('missed-calls', { count: missed }));
}

function clearMissed() {
  app.model = { ...app.model, missed: [] };
  scheduleRender();
}

function renderDialer() {
  const from = $('dial-from');
  const current = from.value;
  from.replaceChildren(h('option', { value: '', l10n: ['dialer-from-auto'] }));
  for (const a of app.model.accounts.values()) {
    from.append(h('option', { value: a.config.id, text: a.config.address }));
  }
  from.value = [...from.options].some((o) => o.value === current) ? current : '';
  $('dial-from-wrap').hidden = app.model.accounts.size < 2;
  const recents = app.settings ? app.settings.recents : [];
  const redial = $('redial');
  redial.disabled = recents.length === 0;
  if (recents.length) {
    redial.setAttribute('aria-label', t('dialer-redial-target', { target: recents[0] }));
    redial.title = recents[0];
  } else {
    redial.removeAttribute('aria-label');
    redial.removeAttribute('title');
  }
  updatePreview();
}

function updatePreview() {
  const input = $('dial-input');
  const preview = $('dial-preview');
  const n = normaliseDial(input.value);
  preview.classList.toggle('warn', n.kind === 'invalid');
  if (n.kind === 'empty') preview.textContent = '';
  else if (n.kind === 'invalid') setL10n(preview, 'dialer-invalid');
  else if (n.value !== input.value.trim()) setL10n(preview, 'dialer-normalised', { target: n.value });
  else preview.textContent = '';
  if (preview.textContent === '') delete preview.dataset.l10nId;
}

function recentItem(number, extraClass = '') {
  return h('li', { class: `recent ${extraClass}` },
    h('span', { class: 'recent-number', text: number }),
    h('button', { type: 'button', class: 'icon-btn call-icon',
      dataset: { l10nAttrs: 'aria-label,title', number }, on: { click: () => dial(number) } },
    phoneIcon()));
}

function phoneIcon() {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const p = document.createElementNS('http://www.w3.org/2000/svg', 'path');
  p.setAttribute('d', 'M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2c.3-.3.7-.4 1-.2 1.1.4 2.3.6 3.6.6.6 0 1 .4 1 1V20c0 .6-.4 1-1 1C10.6 21 3 13.4 3 4c0-.6.4-1 1-1h3.5c.6 0 1 .4 1 1 0 1.3.2 2.5.6 3.6.1.3 0 .7-.2 1z');
  svg.append(p);
  return svg;
}

function fixRecentLabels(root) {
  // aria-label/title via data-l10n-attrs, set after the dataset exists.
  for (const b of root.querySelectorAll('button[data-number]')) {
    setL10n(b, 'recent-call', { number: b.dataset.number });
  }
}

function historyItem(entry) {
  const typed = app.outgoingTargets.get(entry.call_id);
  const number = entry.remote ? entry.remote.uri : typed;
  const name = entry.remote ? store.partyLabel(entry.remote) : (typed || t('call-echo-name'));
  const detail = entry.seconds !== null ? store.formatDuration(entry.seconds)
    : (entry.reason ? reasonText(entry.reason) : '');
  return h('li', { class: `recent log-${entry.outcome}`, dataset: { outcome: entry.outcome } },
    h('span', { class: 'grow' },
      h('span', { class: 'recent-number', text: name }), ' ',
      h('span', { class: `pill log-pill-${entry.outcome}`, l10n: [`call-log-${entry.outcome}`] }), ' ',
      detail ? h('span', { class: 'muted small', text: detail }) : null),
    number ? h('button', { type: 'button', class: 'icon-btn call-icon', dataset: { l10nAttrs: 'aria-label,title' },
      l10n: ['call-log-call-back', { name }], on: { click: () => dial(number) } }, phoneIcon()) : null);
}

function renderRecents() {
  const recents = app.settings ? app.settings.recents : [];
  const quick = $('recent-quick');
  quick.replaceChildren(...(recents.length ? recents.slice(0, 5).map((n) => recentItem(n))
    : [h('li', { class: 'muted', l10n: ['recent-empty'] })]));
  fixRecentLabels(quick);
  const list = $('recent-list');
  list.replaceChildren(...(recents.length ? recents.map((n) => recentItem(n))
    : [h('li', { class: 'muted', l10n: ['recent-empty'] })]));
  fixRecentLabels(list);
  $('recent-clear').disabled = recents.length === 0;
  const log = $('call-log');
  log.replaceChildren(...(app.model.history.length ? app.model.history.map(historyItem)
    : [h('li', { class: 'muted', l10n: ['call-log-empty'] })]));
  const missed = app.model.missed;
  $('missed-card').hidden = missed.length === 0;
  setL10n($('missed-heading'), 'missed-calls', { count: missed.length });
  const ml = $('missed-list');
  ml.replaceChildren(...missed.map((m) => {
    const number = m.remote ? m.remote.uri : m.caller;
    const li = recentItem(number, 'missed');
    li.querySelector('.recent-number').textContent = m.caller;
    return li;
  }));
  fixRecentLabels(ml);
}

// ---------------------------------------------------------------------------------------------
// Calls

function callName(call) {
  if (call.remote && call.remote.uri && call.remote.uri.toLowerCase() === 'echo') return t('call-echo-name');
  if (!call.remote) {
    const typed = app.outgoingTargets.get(call.call_id);
    if (typed && typed.toLowerCase() === 'echo') return t('call-echo-name');
    if (call.account_id === null && !typed) return t('call-echo-name');
    return typed || t('call-unknown-caller');
  }
  return store.partyLabel(call.remote) || t('call-unknown-caller');
}

function callUri(call) {
  if (!call.remote) return '';
  const uri = call.remote.uri || '';
  return call.remote.display_name ? uri : '';
}

function reasonText(reason) {
  if (!reason) return '';
  return reason.code ? t('call-reason-sip', { code: reason.code, text: reason.text }) : reason.text;
}

function accountLabel(accountId) {
  const a = accountId ? app.model.accounts.get(accountId) : null;
  return a ? a.config.address : null;
}

async function answer(call) {
  app.model = store.markCall(app.model, call.call_id, { answeredHere: true });
  const ok = await run('answer', { call_id: call.call_id });
  if (ok === undefined) app.model = store.markCall(app.model, call.call_id, { answeredHere: false });
  scheduleRender();
}

async function holdAndAnswer(call) {
  for (const live of store.liveCalls(app.model)) {
    if (live.state === 'active') await run('hold', { call_id: live.call_id });
  }
  await answer(call);
}

async function decline(call) {
  app.model = store.markCall(app.model, call.call_id, { declined: true });
  await run('reject', { call_id: call.call_id, code: 603 });
  scheduleRender();
}

async function switchTo(call) {
  for (const live of store.liveCalls(app.model)) {
    if (live.call_id !== call.call_id && live.state === 'active') await run('hold', { call_id: live.call_id });
  }
  await run('resume', { call_id: call.call_id });
}

async function sendDtmf(call, digit) {
  const ok = await run('send_dtmf', { call_id: call.call_id, digits: digit });
  if (ok !== undefined) {
    const current = app.model.calls.get(call.call_id);
    if (current) app.model = store.markCall(app.model, call.call_id, { dtmfSent: (current.dtmfSent + digit).slice(-32) });
    scheduleRender();
  }
}

function incomingCard(call, waiting) {
  const caller = callName(call);
  const account = accountLabel(call.account_id);
  if (waiting) {
    return h('div', { class: 'incoming incoming-waiting', attrs: { role: 'alert' }, dataset: { call: call.call_id } },
      h('div', { class: 'grow' },
        h('strong', { l10n: ['call-waiting'] }),
        h('p', { l10n: ['call-waiting-body', { caller }] })),
      h('div', { class: 'row-actions' },
        button('call-hold-and-answer', 'btn btn-call', () => holdAndAnswer(call), null, { dataset: { action: 'hold-and-answer' } }),
        button('call-reject', 'btn btn-danger', () => decline(call), null, { dataset: { action: 'decline' } })));
  }
  return h('div', { class: 'incoming', attrs: { role: 'alert' }, dataset: { call: call.call_id } },
    h('div', { class: 'ring', attrs: { 'aria-hidden': 'true' } }, phoneIcon()),
    h('p', { class: 'incoming-label', l10n: ['incoming-title'] }),
    h('p', { class: 'incoming-caller', text: caller }),
    callUri(call) ? h('p', { class: 'muted', text: callUri(call) }) : null,
    account ? h('p', { class: 'muted', l10n: ['incoming-on-account', { account }] }) : null,
    h('div', { class: 'incoming-actions' },
      button('call-reject', 'btn btn-danger btn-round', () => decline(call), null, { dataset: { action: 'decline' } }),
      button('call-silence', 'btn btn-secondary', () => run('silence', { call_id: call.call_id }), null, { dataset: { action: 'silence' } }),
      button('call-forward', 'btn btn-secondary', () => toggleForward(call), null,
        { dataset: { action: 'forward' }, attrs: { 'aria-expanded': String(app.forwardOpen.has(call.call_id)) } }),
      button('call-answer', 'btn btn-call btn-round', () => answer(call), null, { dataset: { action: 'answer' } })),
    app.forwardOpen.has(call.call_id) ? forwardForm(call) : null);
}

function toggleForward(call) {
  if (app.forwardOpen.has(call.call_id)) app.forwardOpen.delete(call.call_id);
  else app.forwardOpen.add(call.call_id);
  renderCalls();
  if (app.forwardOpen.has(call.call_id)) document.getElementById(`forward-${call.call_id}`)?.focus();
}

/** The inline "forward to" form of a ringing call (302 to the number typed). */
function forwardForm(call) {
  const id = `forward-${call.call_id}`;
  const input = h('input', { id, type: 'text', class: 'forward-input', spellcheck: false, autocomplete: 'off',
    attrs: { inputmode: 'tel' } });
  // The form is rebuilt on every render: keep what was typed.
  input.value = app.forwardDrafts.get(call.call_id) ?? '';
  input.addEventListener('input', () => app.forwardDrafts.set(call.call_id, input.value));
  return h('form', { class: 'forward-form', dataset: { call: call.call_id },
    on: { submit: (e) => { e.preventDefault(); forward(call, input.value); } } },
  h('label', { attrs: { for: id }, l10n: ['call-forward-target'] }),
  input,
  h('button', { type: 'submit', class: 'btn btn-primary btn-small', l10n: ['call-forward-submit'], dataset: { action: 'forward-submit' } }));
}

async function forward(call, typed) {
  const target = cleanPaste(typed);
  if (!target) return;
  app.model = store.markCall(app.model, call.call_id, { forwarded: true });
  const ok = await run('forward', { call_id: call.call_id, target });
  if (ok === undefined) app.model = store.markCall(app.model, call.call_id, { forwarded: false });
  else { app.forwardOpen.delete(call.call_id); app.forwardDrafts.delete(call.call_id); }
  scheduleRender();
}

function meter(labelId, dbfs, role) {
  const level = store.meterFill(dbfs);
  const known = typeof dbfs === 'number' && !Number.isNaN(dbfs);
  const bar = h('div', { class: 'meter-bar' });
  bar.style.setProperty('--level', String(level));
  return h('div', { class: 'meter', dataset: { meter: role } },
    h('span', { class: 'meter-label', l10n: [labelId] }),
    h('div', { class: 'meter-track', attrs: { role: 'meter', 'aria-valuemin': store.METER_FLOOR_DBFS, 'aria-valuemax': 0,
      'aria-valuenow': Math.round(known ? Math.max(store.METER_FLOOR_DBFS, Math.min(0, dbfs)) : store.METER_FLOOR_DBFS),
      'aria-valuetext': known ? t('call-level-dbfs', { value: Math.round(dbfs) }) : t('call-level-silent'),
      'aria-label': t(labelId) } }, bar));
}

function metersBlock(call) {
  return h('div', { class: 'meters' }, meter('call-mic-level', call.muted ? null : call.levels?.input_dbfs, 'input'),
    meter('call-speaker-level', call.levels?.output_dbfs, 'output'));
}

function qualityBlock(call) {
  const s = call.stats;
  if (!s) {
    return h('div', { class: 'quality' }, h('span', { class: 'quality-head', l10n: ['call-quality'] }), ' ',
      h('span', { class: 'muted', l10n: ['call-quality-waiting'] }));
  }
  const band = store.qualityBand(s.mos);
  const row = (id, value) => h('div', { class: 'q' }, h('dt', { l10n: [id] }), h('dd', { text: value }));
  return h('div', { class: 'quality', dataset: { band } },
    h('span', { class: 'quality-head' }, h('span', { l10n: ['call-quality'] }), ' ',
      h('span', { class: `quality-badge band-${band}`, l10n: [`call-quality-${band}`] })),
    h('dl', { class: 'quality-grid' },
      row('quality-codec', s.codec),
      row('quality-jitter', t('quality-ms', { value: s.jitter_ms.toFixed(1) })),
      row('quality-loss', t('quality-percent', { value: (s.loss * 100).toFixed(1) })),
      row('quality-rtt', s.rtt_ms === null || s.rtt_ms === undefined ? '–' : t('quality-ms', { value: Math.round(s.rtt_ms) })),
      row('quality-mos', s.mos.toFixed(1))));
}

function callCard(call) {
  // Held by them only: our button still offers Hold.
  const held = call.local_hold || (call.state === 'held' && !call.remote_hold);
  const talking = call.state === 'active' || call.state === 'held';
  const keypadOpen = app.keypadOpen.has(call.call_id);
  const card = h('article', { class: 'call-card', dataset: { call: call.call_id, state: call.state },
    attrs: { 'aria-label': callName(call) } },
    h('div', { class: 'call-head' },
      h('div', { class: 'avatar', attrs: { 'aria-hidden': 'true' }, text: (callName(call)[0] || '?').toUpperCase() }),
      h('div', { class: 'grow' },
        h('p', { class: 'call-name', text: callName(call) }),
        callUri(call) ? h('p', { class: 'muted small', text: callUri(call) }) : null,
        h('p', { class: 'call-state', attrs: { 'aria-live': 'polite' } },
          h('span', { l10n: [`call-state-${call.state}`] }),
          call.reason ? h('span', { class: 'muted', text: ` · ${reasonText(call.reason)}` }) : null,
          call.remote_hold ? h('span', { class: 'pill', l10n: ['call-held-remote'] }) : null,
          call.muted ? h('span', { class: 'pill pill-warn', l10n: ['call-muted'] }) : null,
          accountLabel(call.account_id) ? h('span', { class: 'muted small', l10n: ['call-on-account', { account: accountLabel(call.account_id) }] }) : null)),
      h('time', { class: 'call-timer', attrs: { 'aria-label': t('call-timer') }, dataset: { started: call.startedAt ?? '' },
        text: call.startedAt ? store.formatDuration((Date.now() - call.startedAt) / 1000) : '' })),
    talking ? metersBlock(call) : null,
    talking ? qualityBlock(call) : null,
    h('div', { class: 'call-controls' },
      button(call.muted ? 'call-unmute' : 'call-mute', 'btn ctl', () => run('set_mute', { call_id: call.call_id, muted: !call.muted }),
        null, { attrs: { 'aria-pressed': String(call.muted) }, dataset: { action: 'mute' }, disabled: !talking }),
      button(held ? 'call-resume' : 'call-hold', 'btn ctl', () => run(held ? 'resume' : 'hold', { call_id: call.call_id }),
        null, { attrs: { 'aria-pressed': String(held) }, dataset: { action: held ? 'resume' : 'hold' }, disabled: !talking }),
      button(keypadOpen ? 'call-keypad-hide' : 'call-keypad', 'btn ctl', () => {
        if (keypadOpen) app.keypadOpen.delete(call.call_id); else app.keypadOpen.add(call.call_id);
        scheduleRender();
      }, null, { attrs: { 'aria-expanded': String(keypadOpen) }, dataset: { action: 'keypad' }, disabled: !talking }),
      button('call-hangup', 'btn btn-danger ctl', () => run('hangup', { call_id: call.call_id }), null, { dataset: { action: 'hangup' } })));
  if (keypadOpen && talking) {
    const pad = h('div', { class: 'keypad keypad-small', attrs: { role: 'group', 'aria-label': t('call-keypad') } });
    for (const [digit, labelId] of KEYPAD) {
      pad.append(h('button', { type: 'button', class: 'key', dataset: { digit, l10nAttrs: 'aria-label' }, l10n: [labelId],
        on: { click: () => sendDtmf(call, digit) } }, h('span', { class: 'key-digit', text: digit })));
    }
    card.append(pad);
  }
  if (call.dtmfSent || call.dtmfReceived) {
    card.append(h('p', { class: 'dtmf-line' },
      call.dtmfSent ? h('span', {}, h('span', { l10n: ['call-dtmf-label'] }), ': ', h('code', { class: 'dtmf-sent', text: call.dtmfSent })) : null,
      call.dtmfReceived ? h('span', { class: 'muted', l10n: ['call-dtmf-received', { digit: call.dtmfReceived.slice(-1) }] }) : null));
  }
  return card;
}

function otherCallRow(call) {
  return h('li', { class: 'other-call', dataset: { call: call.call_id, state: call.state } },
    h('span', { class: 'grow' }, h('strong', { text: callName(call) }), ' ',
      h('span', { class: 'muted', l10n: [`call-state-${call.state}`] })),
    button('call-switch', 'btn btn-small', () => switchTo(call), null, { dataset: { action: 'switch' } }),
    button('call-hangup', 'btn btn-small btn-danger', () => run('hangup', { call_id: call.call_id }), null, { dataset: { action: 'hangup' } }));
}

/** Which call control has the keyboard focus (to give it back after a re-render). */
function focusedControl() {
  const el = document.activeElement;
  if (!el || !$('calls-panel').contains(el)) return null;
  const holder = el.closest('[data-call]');
  return { call: holder?.dataset.call, action: el.dataset.action, digit: el.dataset.digit, id: el.id };
}

function restoreFocus(f) {
  if (!f || $('calls-panel').contains(document.activeElement)) return;
  let el = f.id ? document.getElementById(f.id) : null;
  if (!el && f.call) {
    const holder = document.querySelector(`#calls-panel [data-call="${CSS.escape(f.call)}"]`);
    // A toggle changes its action when pressed (hold ↔ resume): the focus follows it.
    const toggled = { hold: 'resume', resume: 'hold' }[f.action];
    if (holder && f.action) {
      el = holder.querySelector(`[data-action="${CSS.escape(f.action)}"]`)
        ?? (toggled ? holder.querySelector(`[data-action="${toggled}"]`) : null);
    }
    else if (holder && f.digit) el = holder.querySelector(`[data-digit="${CSS.escape(f.digit)}"]`);
  }
  el?.focus();
}

function renderCalls() {
  const focus = focusedControl();
  renderCallsNow();
  restoreFocus(focus);
}

function renderCallsNow() {
  const ringing = store.ringingCalls(app.model);
  const live = store.liveCalls(app.model);
  const focused = store.focusedCall(app.model);
  const incoming = $('incoming-area');
  incoming.replaceChildren(...ringing.map((c) => incomingCard(c, live.length > 0)));
  const area = $('calls-area');
  area.replaceChildren();
  if (focused) area.append(callCard(focused));
  const others = live.filter((c) => c !== focused);
  if (others.length) area.append(h('ul', { class: 'other-calls' }, ...others.map(otherCallRow)));
  if (!focused && !ringing.length && app.model.lastEnded) {
    const e = app.model.lastEnded;
    const name = e.remote ? store.partyLabel(e.remote) : (app.outgoingTargets.get(e.call_id) || '');
    area.append(h('div', { class: 'ended', id: 'last-ended' },
      h('span', { l10n: ['call-state-ended'] }),
      name ? h('strong', { text: ` ${name}` }) : null,
      e.reason ? h('span', { class: 'muted', text: ` · ${reasonText(e.reason)}` }) : null,
      button('close', 'btn btn-small', () => { app.model = { ...app.model, lastEnded: null }; scheduleRender(); })));
  }
  const busy = Boolean(focused || ringing.length);
  $('empty-state').hidden = busy;
  $('calls-panel').classList.toggle('has-calls', busy);
}

function tick() {
  for (const el of document.querySelectorAll('.call-timer[data-started]')) {
    const started = Number(el.dataset.started);
    if (started) el.textContent = store.formatDuration((Date.now() - started) / 1000);
  }
}

// ---------------------------------------------------------------------------------------------
// Dialling

async function dial(target) {
  const input = $('dial-input');
  const value = cleanPaste(target ?? input.value);
  if (!value) {
    input.focus();
    return;
  }
  const args = { target: value, anonymous: $('dial-anonymous').checked };
  const from = $('dial-from').value;
  if (from) args.account_id = from;
  showView('phone');
  try {
    const outcome = await invoke('dial', args);
    if (outcome && outcome.type === 'call_started') {
      app.outgoingTargets.set(outcome.call_id, value);
      const call = app.model.calls.get(outcome.call_id);
      if (call && !call.remote) {
        app.model = store.markCall(app.model, outcome.call_id,
          { remote: { uri: value, display_name: null } });
      }
    }
    if (target === undefined) input.value = '';
  } catch (e) {
    showError(e);
  }
  updatePreview();
  refreshSettings();
}

function confirmLink(target) {
  showView('phone');
  const dialog = $('link-dialog');
  setL10n($('link-body'), 'link-confirm-body', { target });
  dialog.dataset.target = target;
  if (!dialog.open) dialog.showModal();
  $('link-call').focus();
}

function buildKeypad() {
  const pad = $('keypad');
  pad.replaceChildren();
  for (const [digit, labelId] of KEYPAD) {
    const b = h('button', { type: 'button', class: 'key', dataset: { digit, l10nAttrs: 'aria-label' },
      on: { click: () => typeDigit(digit) } },
    h('span', { class: 'key-digit', text: digit }),
    h('span', { class: 'key-letters', attrs: { 'aria-hidden': 'true' }, text: KEY_LETTERS[digit] || '\u00a0' }));
    setL10n(b, labelId);
    pad.append(b);
  }
}

function typeDigit(digit) {
  const input = $('dial-input');
  input.value += digit;
  updatePreview();
}

function onGlobalKey(e) {
  if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey) return;
  const tag = (e.target && e.target.tagName) || '';
  if (['INPUT', 'TEXTAREA', 'SELECT'].includes(tag) || document.querySelector('dialog[open]')) return;
  if (app.view !== 'phone') return;
  if (/^[0-9*#+]$/.test(e.key)) {
    const call = store.focusedCall(app.model);
    if (call && app.keypadOpen.has(call.call_id) && e.key !== '+') {
      sendDtmf(call, e.key);
    } else {
      typeDigit(e.key);
      $('dial-input').focus();
    }
    e.preventDefault();
  } else if (e.key === 'Backspace') {
    const input = $('dial-input');
    input.value = input.value.slice(0, -1);
    updatePreview();
    e.preventDefault();
  }
}

// ---------------------------------------------------------------------------------------------
// Settings: accounts

const FIELDS = {
  address: 'acc-address', password: 'acc-password', server: 'acc-server', id: 'acc-id',
  display_name: 'acc-display-name', auth_user: 'acc-auth-user', realm: 'acc-realm',
  outbound_proxy: 'acc-outbound-proxy', user_agent: 'acc-user-agent', tls_ca_file: 'acc-tls-ca',
};

function renderAccountSettings() {
  const list = $('account-settings-list');
  const accounts = app.settings ? app.settings.accounts : [];
  list.replaceChildren(...accounts.map((a) => {
    const live = app.model.accounts.get(a.config.id);
    return h('li', { class: 'account-row', dataset: { account: a.config.id } },
      h('span', { class: 'dot', dataset: { state: live ? live.state : 'stopped' }, attrs: { 'aria-hidden': 'true' } }),
      h('div', { class: 'grow account-text' },
        h('strong', { text: a.config.address }),
        h('span', { class: 'muted small', text: live ? accountStateText(live) : '' })),
      h('div', { class: 'row-actions' },
        button('settings-account-edit-short', 'btn btn-small', () => openAccountForm(a), null,
          { dataset: { action: 'edit' }, attrs: { 'aria-label': t('settings-account-edit', { account: a.config.address }) } }),
        button('settings-account-remove', 'btn btn-small btn-danger', () => removeAccount(a), null,
          { dataset: { action: 'remove' }, attrs: { 'aria-label': t('settings-account-remove-named', { account: a.config.address }) } })));
  }));
  $('account-form').hidden = !app.formOpen;
  const keyring = app.settings ? app.settings.keyring : { available: true };
  $('keyring-note').hidden = keyring.available;
  const remember = $('acc-remember');
  if (!keyring.available) remember.checked = false;
  remember.disabled = !keyring.available;
}

function openAccountForm(stored) {
  app.formOpen = true;
  app.editing = stored ? stored.config.id : null;
  const c = stored ? stored.config : null;
  const form = $('account-form');
  form.reset();
  for (const el of form.querySelectorAll('.error')) el.hidden = true;
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  setL10n($('account-form-title'), c ? 'settings-account-edit' : 'settings-account-new', c ? { account: c.address } : undefined);
  setL10n($('account-save'), c ? 'save' : 'settings-account-add');
  const set = (id, v) => { $(id).value = v ?? ''; };
  set('acc-address', c?.address);
  set('acc-server', c?.server);
  set('acc-id', c?.config?.id ?? c?.id);
  $('acc-id').disabled = Boolean(c);
  set('acc-display-name', c?.display_name);
  set('acc-auth-user', c?.auth_user);
  set('acc-realm', c?.realm);
  set('acc-outbound-proxy', c?.outbound_proxy);
  set('acc-user-agent', c?.user_agent);
  set('acc-tls-ca', c?.tls_ca_file);
  $('acc-transport').value = c?.transport ?? 'auto';
  $('acc-srtp').value = c?.srtp ?? 'optional';
  $('acc-credential-type').value = stored?.secret_kind ?? 'password';
  set('acc-expires', c?.register_expires ?? 600);
  set('acc-no-answer', c?.no_answer_timeout_secs ?? 60);
  set('acc-reconnect-min', c?.reconnect_min_secs ?? 2);
  set('acc-reconnect-max', c?.reconnect_max_secs ?? 30);
  set('acc-codecs', (c?.codecs ?? []).join(', '));
  set('acc-ice', (c?.ice_servers ?? []).map((s) => (s.username ? `${s.url} ${s.username}` : s.url)).join('\n'));
  set('acc-headers', (c?.custom_headers ?? []).map((x) => `${x.name}: ${x.value}`).join('\n'));
  $('acc-register').checked = c ? c.register : true;
  $('acc-tls-verify').checked = c ? c.tls_verify : true;
  $('acc-auto-answer').checked = c ? c.auto_answer : false;
  $('acc-tls-warning').hidden = $('acc-tls-verify').checked;
  const keyringOk = !app.settings || app.settings.keyring.available;
  $('acc-remember').checked = keyringOk && (stored ? stored.remember : true);
  const hint = $('acc-password-hint');
  if (stored && stored.secret_kind) setL10n(hint, stored.remember ? 'password-stored' : 'password-session');
  else { hint.textContent = ''; delete hint.dataset.l10nId; }
  $('acc-advanced').open = false;
  renderAccountSettings();
  $('acc-address').focus();
}

function closeAccountForm() {
  app.formOpen = false;
  app.editing = null;
  $('acc-password').value = '';
  renderAccountSettings();
}

function fieldError(id, messageId) {
  const input = $(id);
  const err = $(`${id}-error`);
  input.setAttribute('aria-invalid', 'true');
  if (err) { setL10n(err, messageId); err.hidden = false; }
}

function intField(id, errors) {
  const raw = $(id).value.trim();
  const n = Number(raw);
  if (raw === '' || !Number.isInteger(n) || n < 0) { errors.push(id); $(id).setAttribute('aria-invalid', 'true'); return 0; }
  $(id).removeAttribute('aria-invalid');
  return n;
}

/** Reads the form into an AccountConfig (no secret) plus the credential, or null if invalid. */
function readAccountForm() {
  const errors = [];
  const v = (id) => $(id).value.trim();
  const opt = (id) => (v(id) === '' ? null : v(id));
  const address = v('acc-address');
  $('acc-address-error').hidden = true;
  $('acc-address').removeAttribute('aria-invalid');
  if (!address) { fieldError('acc-address', 'field-required'); errors.push('acc-address'); }
  const id = app.editing ?? (v('acc-id') || address.replace(/^sips?:/i, ''));
  const config = {
    id,
    address,
    display_name: opt('acc-display-name'),
    auth_user: opt('acc-auth-user'),
    realm: opt('acc-realm'),
    server: opt('acc-server'),
    transport: $('acc-transport').value,
    outbound_proxy: opt('acc-outbound-proxy'),
    register: $('acc-register').checked,
    register_expires: intField('acc-expires', errors),
    user_agent: opt('acc-user-agent'),
    tls_verify: $('acc-tls-verify').checked,
    tls_ca_file: opt('acc-tls-ca'),
    srtp: $('acc-srtp').value,
    codecs: v('acc-codecs').split(',').map((s) => s.trim().toLowerCase()).filter(Boolean),
    ice_servers: v('acc-ice').split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      const [url, username] = l.split(/\s+/, 2);
      return { url, username: username ?? null };
    }),
    custom_headers: v('acc-headers').split('\n').map((l) => l.trim()).filter(Boolean).map((l) => {
      const i = l.indexOf(':');
      return i < 0 ? { name: l, value: '' } : { name: l.slice(0, i).trim(), value: l.slice(i + 1).trim() };
    }),
    no_answer_timeout_secs: intField('acc-no-answer', errors),
    auto_answer: $('acc-auto-answer').checked,
    reconnect_min_secs: intField('acc-reconnect-min', errors),
    reconnect_max_secs: intField('acc-reconnect-max', errors),
  };
  if (errors.some((e) => e !== 'acc-address')) $('acc-advanced').open = true;
  if (errors.length) { $(errors[0]).focus(); return null; }
  const password = $('acc-password').value;
  const credential = password ? { type: $('acc-credential-type').value, value: password } : null;
  return { config, credential };
}

async function saveAccount(remember) {
  const read = app.pendingAccount ?? readAccountForm();
  if (!read) return;
  try {
    await invoke('set_account', { account: read.config, credential: read.credential, remember });
  } catch (e) {
    if (e.code === 'keyring_unavailable' && remember && read.credential) {
      app.pendingAccount = read;
      $('keyring-detail').textContent = e.detail ? t('keyring-unavailable-detail', { detail: e.detail }) : '';
      $('keyring-dialog').showModal();
      return;
    }
    app.pendingAccount = null;
    showError(e);
    return;
  }
  app.pendingAccount = null;
  // The secret leaves the UI as soon as it is handed over.
  $('acc-password').value = '';
  toast('settings-account-saved');
  const added = app.editing === null;
  closeAccountForm();
  await refreshSettings();
  // A new account that registers starts at once (an edited one restarts in the engine).
  if (added && read.config.register) await run('start_account', { account_id: read.config.id });
}

function removeAccount(stored) {
  const dialog = $('confirm-dialog');
  setL10n($('confirm-body'), 'settings-account-remove-confirm', { account: stored.config.address });
  dialog.dataset.account = stored.config.id;
  dialog.showModal();
}

// ---------------------------------------------------------------------------------------------
// Settings: devices and preferences

function deviceOptions(select, role, devices, chosen) {
  const input = role === 'microphone';
  const list = devices.filter((d) => d.is_input === input);
  const def = list.find((d) => d.is_default);
  select.replaceChildren(h('option', { value: '', l10n: def ? ['device-default-named', { name: def.name }] : ['device-default'] }));
  for (const d of list) select.append(h('option', { value: d.name, text: d.name }));
  if (chosen && !list.some((d) => d.name === chosen)) {
    select.append(h('option', { value: chosen, l10n: ['device-missing', { name: chosen }] }));
  }
  select.value = chosen ?? '';
}

function renderDevices() {
  const m = app.model;
  deviceOptions($('dev-microphone'), 'microphone', m.devices, m.microphone);
  deviceOptions($('dev-speaker'), 'speaker', m.devices, m.speaker);
  deviceOptions($('dev-ringer'), 'ringer', m.devices, m.ringer);
  $('devices-none').hidden = m.devices.length > 0;
}

function renderPreferences() {
  if (!app.settings || !app.locale) return;
  const p = app.settings.preferences;
  const lang = $('pref-language');
  lang.replaceChildren(h('option', { value: '', l10n: ['settings-language-system'] }),
    ...app.locale.available.map(([tag, name]) => h('option', { value: tag, text: name, attrs: { lang: tag } })));
  lang.value = p.language ?? '';
  for (const r of document.querySelectorAll('input[name="theme"]')) r.checked = r.value === p.theme;
  $('pref-start-minimised').checked = p.start_minimised;
  $('pref-start-at-login').checked = p.start_at_login;
  $('log-level').value = p.log_level;
  setL10n($('settings-file'), 'settings-file-location', { path: app.settings.settings_file });
  setL10n($('log-location'), 'debug-log-location', { path: app.settings.log_dir });
}

function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

async function savePreferences(patch) {
  const before = app.settings.preferences;
  const preferences = { ...before, ...patch };
  applyTheme(preferences.theme);
  try {
    app.settings = await invoke('set_preferences', { preferences });
  } catch (e) {
    showError(e);
    applyTheme(before.theme);
    renderPreferences();
    return;
  }
  if (before.language !== preferences.language) await reloadLocale();
  renderAll();
}

async function reloadLocale() {
  app.locale = await invoke('get_locale');
  loadLocale(app.locale);
  translateTree();
  retranslateErrors();
  buildKeypad();
}

// ---------------------------------------------------------------------------------------------
// Debug

function renderDebug() {
  $('debug-enabled').checked = app.model.debug;
  const filter = $('trace-filter').value.trim().toLowerCase();
  const entries = app.model.trace.filter((e) => !filter || e.message.toLowerCase().includes(filter)
    || e.remote.toLowerCase().includes(filter));
  $('trace-empty').hidden = app.model.trace.length > 0;
  const list = $('trace-list');
  list.replaceChildren(...entries.map((e) => {
    const first = e.message.split(/\r?\n/, 1)[0];
    return h('li', { class: `trace-entry trace-${e.direction}` },
      h('details', {},
        h('summary', {},
          h('span', { class: 'trace-dir', l10n: [e.direction === 'sent' ? 'debug-trace-sent' : 'debug-trace-received', { remote: e.remote }] }),
          h('code', { class: 'trace-first', text: first })),
        h('pre', { class: 'trace-message', text: e.message })));
  }));
}

// ---------------------------------------------------------------------------------------------
// Rendering and wiring

function renderAll() {
  renderStatus();
  renderBanners();
  renderDialer();
  renderCalls();
  renderRecents();
  renderAccountSettings();
  renderDevices();
  renderPreferences();
  renderDebug();
}

function wire() {
  for (const btn of document.querySelectorAll('.nav-btn')) {
    btn.addEventListener('click', () => showView(btn.dataset.view));
  }
  const input = $('dial-input');
  input.addEventListener('input', updatePreview);
  input.addEventListener('paste', (e) => {
    const text = e.clipboardData && e.clipboardData.getData('text');
    if (text === undefined || text === null) return;
    e.preventDefault();
    const clean = cleanPaste(text);
    const start = input.selectionStart ?? input.value.length;
    const end = input.selectionEnd ?? input.value.length;
    input.value = input.value.slice(0, start) + clean + input.value.slice(end);
    updatePreview();
  });
  $('dial-form').addEventListener('submit', (e) => { e.preventDefault(); dial(); });
  $('dial-backspace').addEventListener('click', () => { input.value = input.value.slice(0, -1); updatePreview(); input.focus(); });
  $('dial-paste').addEventListener('click', async () => {
    try {
      const text = await navigator.clipboard.readText();
      input.value = cleanPaste(text);
      updatePreview();
    } catch {
      // No clipboard access: the field still takes Ctrl+V.
    }
    input.focus();
  });
  $('redial').addEventListener('click', () => {
    const last = app.settings && app.settings.recents[0];
    if (last) dial(last);
  });
  $('echo-call').addEventListener('click', () => dial('echo'));
  $('dnd-toggle').addEventListener('click', () => run('set_do_not_disturb', { enabled: !app.model.dnd }));
  $('debug-toggle').addEventListener('click', () => run('set_debug', { enabled: !app.model.debug }));
  $('debug-enabled').addEventListener('change', (e) => run('set_debug', { enabled: e.target.checked }));
  $('log-level').addEventListener('change', (e) => run('set_log_level', { level: e.target.value }).then(refreshSettings));
  $('open-logs').addEventListener('click', () => run('open_log_folder'));
  $('trace-filter').addEventListener('input', renderDebug);
  $('trace-clear').addEventListener('click', () => { app.model = { ...app.model, trace: [] }; renderDebug(); });
  $('recent-clear').addEventListener('click', () => run('clear_recents').then(refreshSettings));
  $('missed-clear').addEventListener('click', clearMissed);
  $('account-new').addEventListener('click', () => openAccountForm(null));
  $('account-cancel').addEventListener('click', closeAccountForm);
  $('account-form').addEventListener('submit', (e) => { e.preventDefault(); app.pendingAccount = null; saveAccount($('acc-remember').checked); });
  $('acc-tls-verify').addEventListener('change', (e) => { $('acc-tls-warning').hidden = e.target.checked; });
  $('acc-password-show').addEventListener('click', (e) => {
    const pw = $('acc-password');
    const show = pw.type === 'password';
    pw.type = show ? 'text' : 'password';
    e.currentTarget.setAttribute('aria-pressed', String(show));
  });
  for (const sel of ['dev-microphone', 'dev-speaker', 'dev-ringer']) {
    $(sel).addEventListener('change', async (e) => {
      const role = e.target.dataset.role;
      const device = e.target.value || null;
      // DevicesChanged does not carry the selection: keep it here once the engine accepted it.
      if (await run('select_device', { role, device }) !== undefined) app.model = { ...app.model, [role]: device };
      renderDevices();
    });
  }
  $('pref-language').addEventListener('change', (e) => savePreferences({ language: e.target.value || null }));
  for (const r of document.querySelectorAll('input[name="theme"]')) {
    r.addEventListener('change', () => savePreferences({ theme: r.value }));
  }
  $('pref-start-minimised').addEventListener('change', (e) => savePreferences({ start_minimised: e.target.checked }));
  $('pref-start-at-login').addEventListener('change', (e) => savePreferences({ start_at_login: e.target.checked }));
  $('link-dialog').addEventListener('close', () => {
    const d = $('link-dialog');
    if (d.returnValue === 'call' && d.dataset.target) dial(d.dataset.target);
    delete d.dataset.target;
  });
  $('keyring-dialog').addEventListener('close', () => {
    if ($('keyring-dialog').returnValue === 'session') saveAccount(false);
    else app.pendingAccount = null;
  });
  $('confirm-dialog').addEventListener('close', async () => {
    const d = $('confirm-dialog');
    if (d.returnValue === 'ok' && d.dataset.account) {
      const ok = await run('remove_account', { account_id: d.dataset.account });
      if (ok !== undefined) {
        toast('settings-account-removed');
        if (app.editing === d.dataset.account) closeAccountForm();
        await refreshSettings();
      }
    }
    delete d.dataset.account;
  });
  document.querySelector('.skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    showView('phone');
    $('dial-input').focus();
  });
  document.addEventListener('keydown', onGlobalKey);
  window.addEventListener('focus', () => {
    if (app.model.missed.length && app.view === 'recents') clearMissed();
  });
}

/** Starts the UI: translations, settings, engine connection, first render. */
export async function boot() {
  wire();
  app.locale = await invoke('get_locale');
  loadLocale(app.locale);
  translateTree();
  buildKeypad();
  app.settings = await invoke('get_settings');
  applyTheme(app.settings.preferences.theme);
  await connect();
  renderAll();
  showView('phone');
  $('app').removeAttribute('aria-busy');
  document.body.dataset.ready = 'true';
  setInterval(tick, 1000);
}

if (new URLSearchParams(window.location.search).has('noauto')) {
  // The UI tests install mocked IPC first, then call this.
  window.softphoneBoot = boot;
} else {
  boot().catch((e) => {
    console.error(e);
    showError(e && e.code ? e : { code: 'engine_stopped', detail: String(e) });
  });
}
