// What a typed or pasted dial string will become: the same rules as the engine's
// `parse_dial_target` (crates/engine/src/target.rs), used for the preview and for cleaning
// pasted text. The engine stays the judge: the UI never refuses to send what the user typed.

const SEPARATORS = /[\s\-.()/\u00a0]/g;

/** Cleans pasted text: trims, drops line breaks and invisible marks, unwraps <…>. */
export function cleanPaste(text) {
  return String(text ?? '')
    .replace(/[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]/g, '')
    .replace(/[\r\n\t]+/g, ' ')
    .trim()
    .replace(/^<(.*)>$/, '$1')
    .trim();
}

function number(raw) {
  const trimmed = raw.trim();
  let out = '';
  for (let i = 0; i < trimmed.length; i += 1) {
    const c = trimmed[i];
    if (/[0-9*#]/.test(c)) out += c;
    else if (c === '+' && i === 0) out += c;
    else if (SEPARATORS.test(c)) { SEPARATORS.lastIndex = 0; }
    else return null;
    SEPARATORS.lastIndex = 0;
  }
  return out && out !== '+' ? out : null;
}

/**
 * Normalises a dial string: `{ kind: 'echo' | 'number' | 'uri', value }`, or `{ kind: 'invalid' }`,
 * or `{ kind: 'empty' }`.
 */
export function normaliseDial(input) {
  const t = cleanPaste(input);
  if (!t) return { kind: 'empty' };
  if (t.length > 512 || /[\u0000-\u001f\u007f]/.test(t)) return { kind: 'invalid' };
  if (t.toLowerCase() === 'echo') return { kind: 'echo', value: 'echo' };
  const lower = t.toLowerCase();
  if (lower.startsWith('tel:')) {
    const n = number(t.slice(4).split(';')[0]);
    return n ? { kind: 'number', value: n } : { kind: 'invalid' };
  }
  if (lower.startsWith('callto:')) return normaliseDial(t.slice(7).replace(/^\/\//, ''));
  for (const scheme of ['sip:', 'sips:']) {
    if (lower.startsWith(scheme)) {
      const rest = t.slice(scheme.length);
      if (!rest || /\s/.test(rest)) return { kind: 'invalid' };
      return { kind: 'uri', value: scheme + rest };
    }
  }
  if (t.includes('@')) {
    if (/\s/.test(t) || t.startsWith('@') || t.endsWith('@')) return { kind: 'invalid' };
    return { kind: 'uri', value: `sip:${t}` };
  }
  const n = number(t);
  if (n) return { kind: 'number', value: n };
  if (/^[A-Za-z0-9\-_.!~]+$/.test(t)) return { kind: 'number', value: t };
  return { kind: 'invalid' };
}

/** Keys of the dial pad with their DTMF digit and translation id. */
export const KEYPAD = [
  ['1', 'key-1'], ['2', 'key-2'], ['3', 'key-3'],
  ['4', 'key-4'], ['5', 'key-5'], ['6', 'key-6'],
  ['7', 'key-7'], ['8', 'key-8'], ['9', 'key-9'],
  ['*', 'key-star'], ['0', 'key-0'], ['#', 'key-hash'],
];

/** Letters under each key, shown small (not translated: they are the ITU E.161 letters). */
export const KEY_LETTERS = {
  1: '', 2: 'ABC', 3: 'DEF', 4: 'GHI', 5: 'JKL', 6: 'MNO', 7: 'PQRS', 8: 'TUV', 9: 'WXYZ', 0: '+', '*': '', '#': '',
};
