// The UI's model of the engine: a snapshot plus the events applied on top of it, in `seq`
// order. Pure functions only (no DOM), so node can test them directly.

/** @typedef {import('../src/engine-types.ts').Snapshot} Snapshot */
/** @typedef {import('../src/engine-types.ts').EventEnvelope} EventEnvelope */

export const TRACE_LIMIT = 500;

/** Calls kept in the session's call log. */
export const HISTORY_LIMIT = 100;

/** A fresh, empty model. */
export function emptyModel() {
  return {
    seq: 0,
    accounts: new Map(),
    calls: new Map(),
    devices: [],
    microphone: null,
    speaker: null,
    ringer: null,
    debug: false,
    dnd: false,
    trace: [],
    missed: [],
    lastEnded: null,
    history: [],
    expiring: new Map(),
  };
}

function callFromView(view, now, previous) {
  return {
    call_id: view.call_id,
    account_id: view.account_id ?? null,
    direction: view.direction,
    remote: view.remote,
    state: view.state,
    reason: view.reason ?? null,
    local_hold: !!view.local_hold,
    remote_hold: !!view.remote_hold,
    muted: !!view.muted,
    // The engine's answered_at_ms counts from the engine's start, which the UI does not know:
    // a reloaded active call is timed from the reload.
    startedAt: previous?.startedAt ?? (view.state === 'active' || view.state === 'held' ? now : null),
    stats: previous?.stats ?? null,
    levels: previous?.levels ?? null,
    dtmfSent: previous?.dtmfSent ?? '',
    dtmfReceived: previous?.dtmfReceived ?? '',
    declined: previous?.declined ?? false,
    forwarded: previous?.forwarded ?? false,
    answeredHere: previous?.answeredHere ?? false,
  };
}

/** Replaces the model's engine state with a snapshot (UI-only bits such as the trace stay). */
export function applySnapshot(model, snapshot, now = Date.now()) {
  const next = { ...model, seq: snapshot.seq };
  next.accounts = new Map(snapshot.accounts.map((a) => [a.config.id, { ...a }]));
  next.calls = new Map(
    snapshot.calls.map((c) => [c.call_id, callFromView(c, now, model.calls.get(c.call_id))]),
  );
  next.devices = snapshot.devices;
  next.microphone = snapshot.microphone ?? null;
  next.speaker = snapshot.speaker ?? null;
  next.ringer = snapshot.ringer ?? null;
  next.debug = snapshot.debug;
  next.dnd = snapshot.do_not_disturb;
  return next;
}

/** Who a party is, for people: the display name, else the URI without its scheme. */
export function partyLabel(remote) {
  if (!remote) return '';
  if (remote.display_name && remote.display_name.trim()) return remote.display_name.trim();
  return String(remote.uri || '').replace(/^sips?:/i, '');
}

/**
 * Applies one event. Returns the new model, or `null` when the event does not follow the
 * model's `seq` (a gap: reload the snapshot). Events already applied are ignored.
 */
export function applyEvent(model, env, now = Date.now()) {
  if (env.seq <= model.seq) return model;
  if (env.seq !== model.seq + 1) return null;
  const m = { ...model, seq: env.seq };
  switch (env.type) {
    case 'account_changed': {
      m.accounts = new Map(m.accounts);
      if (env.config) {
        const old = m.accounts.get(env.account_id);
        m.accounts.set(env.account_id, {
          config: env.config,
          state: old?.state ?? 'stopped',
          reason: old?.reason ?? null,
          has_credential: old?.has_credential ?? false,
        });
      } else {
        m.accounts.delete(env.account_id);
      }
      break;
    }
    case 'account_state_changed': {
      const old = m.accounts.get(env.account_id);
      if (old) {
        m.accounts = new Map(m.accounts);
        m.accounts.set(env.account_id, { ...old, state: env.state, reason: env.reason ?? null });
      }
      break;
    }
    case 'registration_expiring': {
      m.expiring = new Map(m.expiring);
      m.expiring.set(env.account_id, env.expires_in_secs);
      break;
    }
    case 'incoming_call': {
      m.calls = new Map(m.calls);
      const old = m.calls.get(env.call_id);
      m.calls.set(env.call_id, {
        ...callFromView(
          { call_id: env.call_id, account_id: env.account_id, direction: 'incoming',
            remote: env.remote, state: 'incoming' }, now, old),
      });
      break;
    }
    case 'call_state_changed': {
      m.calls = new Map(m.calls);
      const old = m.calls.get(env.call_id);
      if (env.state === 'ended') {
        m.calls.delete(env.call_id);
        const call = old ?? { call_id: env.call_id, direction: 'outgoing', remote: null };
        m.lastEnded = { call_id: env.call_id, remote: call.remote, reason: env.reason ?? null,
          direction: call.direction };
        const wasAnswered = old && (old.startedAt !== null || old.answeredHere);
        if (old && old.direction === 'incoming' && !wasAnswered && !old.declined && !old.forwarded) {
          m.missed = [{ call_id: env.call_id, caller: partyLabel(old.remote), remote: old.remote },
            ...m.missed].slice(0, 50);
        }
        if (old) {
          let outcome;
          if (old.startedAt !== null) outcome = old.direction;
          else if (old.direction === 'incoming') {
            if (old.forwarded) outcome = 'forwarded';
            else outcome = old.declined ? 'declined' : 'missed';
          }
          else outcome = 'not_answered';
          m.history = [{ call_id: env.call_id, direction: old.direction, remote: old.remote,
            account_id: old.account_id, outcome, reason: env.reason ?? null,
            seconds: old.startedAt !== null ? Math.max(0, Math.round((now - old.startedAt) / 1000)) : null },
          ...m.history].slice(0, HISTORY_LIMIT);
        }
        break;
      }
      const call = old ?? callFromView({ call_id: env.call_id, account_id: env.account_id,
        direction: 'outgoing', remote: null, state: env.state }, now, undefined);
      const startedAt = call.startedAt ?? ((env.state === 'active' || env.state === 'held') ? now : null);
      m.calls.set(env.call_id, { ...call, state: env.state, reason: env.reason ?? null, startedAt });
      if (!old) m.lastEnded = null;
      break;
    }
    case 'call_flags_changed': {
      const old = m.calls.get(env.call_id);
      if (old) {
        m.calls = new Map(m.calls);
        m.calls.set(env.call_id, { ...old, local_hold: env.local_hold,
          remote_hold: env.remote_hold, muted: env.muted });
      }
      break;
    }
    case 'dtmf_received': {
      const old = m.calls.get(env.call_id);
      if (old) {
        m.calls = new Map(m.calls);
        m.calls.set(env.call_id, { ...old, dtmfReceived: (old.dtmfReceived + env.digit).slice(-32) });
      }
      break;
    }
    case 'call_stats_updated': {
      const old = m.calls.get(env.call_id);
      if (old) {
        m.calls = new Map(m.calls);
        m.calls.set(env.call_id, { ...old, stats: env.stats });
      }
      break;
    }
    // Microphone and speaker levels of a call, in dBFS (a few per second).
    case 'audio_levels': {
      const old = m.calls.get(env.call_id);
      if (old) {
        m.calls = new Map(m.calls);
        m.calls.set(env.call_id, { ...old, levels: { input_dbfs: env.input_dbfs, output_dbfs: env.output_dbfs } });
      }
      break;
    }
    case 'devices_changed':
      m.devices = env.devices;
      break;
    case 'sip_trace':
      m.trace = [...m.trace, { seq: env.seq, account_id: env.account_id ?? null,
        direction: env.direction, remote: env.remote, message: env.message }].slice(-TRACE_LIMIT);
      break;
    case 'debug_changed':
      m.debug = env.enabled;
      break;
    case 'do_not_disturb_changed':
      m.dnd = env.enabled;
      break;
    default:
      // An event this UI does not know yet: the sequence still advances.
      break;
  }
  return m;
}

/** Marks a call as handled here (answered or declined) so its end is not a missed call. */
export function markCall(model, callId, patch) {
  const old = model.calls.get(callId);
  if (!old) return model;
  const calls = new Map(model.calls);
  calls.set(callId, { ...old, ...patch });
  return { ...model, calls };
}

/** Calls still ringing here. */
export function ringingCalls(model) {
  return [...model.calls.values()].filter((c) => c.state === 'incoming');
}

/** Calls in progress (not ringing here), most recent first. */
export function liveCalls(model) {
  return [...model.calls.values()].filter((c) => c.state !== 'incoming').reverse();
}

/** The call the user is talking on: the active one, else the newest live one. */
export function focusedCall(model) {
  const live = liveCalls(model);
  return live.find((c) => c.state === 'active') ?? live[0] ?? null;
}

/** Formats a duration in seconds as m:ss or h:mm:ss. */
export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.floor(totalSeconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = String(s % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`;
}

/** The floor of the level meters: quieter than this shows as silence. */
export const METER_FLOOR_DBFS = -60;

/** A level in dBFS as a meter fill, 0–1 (linear in dB from METER_FLOOR_DBFS to 0 dBFS). */
export function meterFill(dbfs) {
  if (typeof dbfs !== 'number' || Number.isNaN(dbfs)) return 0;
  return Math.max(0, Math.min(1, (dbfs - METER_FLOOR_DBFS) / -METER_FLOOR_DBFS));
}

/** A coarse quality verdict from MOS (ITU-T G.107 bands). */
export function qualityBand(mos) {
  if (mos >= 4.0) return 'good';
  if (mos >= 3.1) return 'fair';
  return 'poor';
}
