// The IPC client: Tauri's global API (`withGlobalTauri`), so no bundler is needed. Under the
// UI tests the same globals come from @tauri-apps/api with mockIPC.

function core() {
  const c = window.__TAURI__ && window.__TAURI__.core;
  if (!c) throw new Error('Tauri IPC is not available');
  return c;
}

/** Normalises whatever a failed invoke rejected with into `{ code, detail }`. */
export function asCommandError(e) {
  if (e && typeof e === 'object' && typeof e.code === 'string') {
    return { code: e.code, detail: String(e.detail ?? '') };
  }
  return { code: 'unknown', detail: String(e && e.message ? e.message : e) };
}

/** Calls a command; rejects with `{ code, detail }`. */
export async function invoke(cmd, args = {}) {
  try {
    return await core().invoke(cmd, args);
  } catch (e) {
    throw asCommandError(e);
  }
}

/** A channel whose messages go to `onmessage`, in order. */
export function channel(onmessage) {
  const ch = new (core().Channel)();
  ch.onmessage = onmessage;
  return ch;
}
