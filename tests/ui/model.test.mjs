// The UI's model and dial-string rules, without a browser.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as store from '../../ui/js/store.js';
import { normaliseDial, cleanPaste } from '../../ui/js/dial.js';

const snapshot = {
  seq: 3, accounts: [{ config: { id: 'a', address: 'alice@example.com' }, state: 'registered', reason: null, has_credential: true }],
  calls: [], devices: [], microphone: null, speaker: null, ringer: null, debug: false, do_not_disturb: false,
};

test('events apply in order; a gap asks for a reload; old events are ignored', () => {
  let m = store.applySnapshot(store.emptyModel(), snapshot, 0);
  assert.equal(m.seq, 3);
  assert.equal(store.applyEvent(m, { seq: 3, type: 'debug_changed', enabled: true }), m);
  assert.equal(store.applyEvent(m, { seq: 5, type: 'debug_changed', enabled: true }), null);
  m = store.applyEvent(m, { seq: 4, type: 'debug_changed', enabled: true });
  assert.equal(m.debug, true);
  m = store.applyEvent(m, { seq: 5, type: 'something_new' });
  assert.equal(m.seq, 5);
});

test('an incoming call that ends unanswered is missed; declined or answered is not', () => {
  let m = store.applySnapshot(store.emptyModel(), { ...snapshot, seq: 0 }, 0);
  const remote = { uri: 'sip:bob@example.com', display_name: 'Bob' };
  m = store.applyEvent(m, { seq: 1, type: 'incoming_call', call_id: 'c1', account_id: 'a', remote }, 0);
  m = store.applyEvent(m, { seq: 2, type: 'call_state_changed', call_id: 'c1', account_id: 'a', state: 'incoming', reason: null }, 0);
  assert.equal(store.ringingCalls(m).length, 1);
  m = store.applyEvent(m, { seq: 3, type: 'call_state_changed', call_id: 'c1', account_id: 'a', state: 'ended', reason: { code: 487, text: 'Request Terminated' } }, 0);
  assert.deepEqual(m.missed.map((x) => x.caller), ['Bob']);
  m = store.applyEvent(m, { seq: 4, type: 'incoming_call', call_id: 'c2', account_id: 'a', remote }, 0);
  m = store.markCall(m, 'c2', { declined: true });
  m = store.applyEvent(m, { seq: 5, type: 'call_state_changed', call_id: 'c2', account_id: 'a', state: 'ended', reason: null }, 0);
  m = store.applyEvent(m, { seq: 6, type: 'incoming_call', call_id: 'c3', account_id: 'a', remote }, 0);
  m = store.applyEvent(m, { seq: 7, type: 'call_state_changed', call_id: 'c3', account_id: 'a', state: 'active', reason: null }, 1000);
  assert.equal(store.focusedCall(m).startedAt, 1000);
  m = store.applyEvent(m, { seq: 8, type: 'call_state_changed', call_id: 'c3', account_id: 'a', state: 'ended', reason: null }, 0);
  assert.equal(m.missed.length, 1);
  assert.equal(m.lastEnded.call_id, 'c3');
  // The session's call log, newest first.
  assert.deepEqual(m.history.map((e) => [e.call_id, e.outcome]), [['c3', 'incoming'], ['c2', 'declined'], ['c1', 'missed']]);
  assert.equal(m.history[2].reason.code, 487);
});

test('flags, stats, DTMF, trace and devices', () => {
  let m = store.applySnapshot(store.emptyModel(), { ...snapshot, seq: 0 }, 0);
  m = store.applyEvent(m, { seq: 1, type: 'call_state_changed', call_id: 'c1', account_id: 'a', state: 'active', reason: null }, 5);
  m = store.applyEvent(m, { seq: 2, type: 'call_flags_changed', call_id: 'c1', local_hold: true, remote_hold: false, muted: true });
  m = store.applyEvent(m, { seq: 3, type: 'dtmf_received', call_id: 'c1', digit: '5' });
  m = store.applyEvent(m, { seq: 4, type: 'call_stats_updated', call_id: 'c1', stats: { codec: 'opus', jitter_ms: 3, loss: 0.01, rtt_ms: 40, buffer_ms: 40, mos: 4.3 } });
  m = store.applyEvent(m, { seq: 5, type: 'sip_trace', account_id: 'a', direction: 'sent', remote: '127.0.0.1:5060', message: 'INVITE sip:x SIP/2.0' });
  m = store.applyEvent(m, { seq: 6, type: 'devices_changed', devices: [{ name: 'USB', is_input: true, is_default: false }] });
  const c = m.calls.get('c1');
  assert.equal(c.muted, true);
  assert.equal(c.local_hold, true);
  assert.equal(c.dtmfReceived, '5');
  assert.equal(c.stats.codec, 'opus');
  assert.equal(m.trace.length, 1);
  assert.equal(m.devices[0].name, 'USB');
  assert.equal(store.qualityBand(4.3), 'good');
  assert.equal(store.qualityBand(3.5), 'fair');
  assert.equal(store.qualityBand(2), 'poor');
  assert.equal(store.formatDuration(65), '1:05');
  assert.equal(store.formatDuration(3725), '1:02:05');
});

test('dial strings are normalised like the engine does', () => {
  assert.deepEqual(normaliseDial(' +49 (30) 123-45 67 '), { kind: 'number', value: '+4930123 4567'.replace(' ', '') });
  assert.deepEqual(normaliseDial('tel:+1-201-555-0123;phone-context=x'), { kind: 'number', value: '+12015550123' });
  assert.deepEqual(normaliseDial('<sip:bob@example.com;transport=tcp>'), { kind: 'uri', value: 'sip:bob@example.com;transport=tcp' });
  assert.deepEqual(normaliseDial('bob@127.0.0.1'), { kind: 'uri', value: 'sip:bob@127.0.0.1' });
  assert.deepEqual(normaliseDial('callto://+4930 1'), { kind: 'number', value: '+49301' });
  assert.deepEqual(normaliseDial('Echo'), { kind: 'echo', value: 'echo' });
  assert.deepEqual(normaliseDial('alice'), { kind: 'number', value: 'alice' });
  for (const bad of ['+', '12 34 x y', 'sip:', '@host', 'sip:a b@c']) assert.equal(normaliseDial(bad).kind, 'invalid', bad);
  assert.equal(normaliseDial('   ').kind, 'empty');
  assert.equal(cleanPaste('\u202a+49 30 1234\u202c\r\n'), '+49 30 1234');
});
