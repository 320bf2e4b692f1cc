// A dependency-free W3C WebDriver client (Node's fetch) for tauri-driver + WebKitWebDriver.
import { inflateSync } from 'node:zlib';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export class Session {
  constructor(base, id) {
    this.base = base;
    this.id = id;
  }

  static async start(base, application, args = []) {
    const body = { capabilities: { alwaysMatch: { browserName: 'wry', 'tauri:options': { application, args } } } };
    const res = await request(base, 'POST', '/session', body);
    return new Session(base, res.sessionId ?? res.value?.sessionId);
  }

  cmd(method, path, body) {
    return request(this.base, method, `/session/${this.id}${path}`, body);
  }

  async title() { return (await this.cmd('GET', '/title')).value; }

  async find(css) {
    return stale(async () => {
      const res = await this.cmd('POST', '/element', { using: 'css selector', value: css });
      return res.value[ELEMENT];
    });
  }

  async findAll(css) {
    const res = await this.cmd('POST', '/elements', { using: 'css selector', value: css });
    return res.value.map((e) => e[ELEMENT]);
  }

  /**
   * Clicks like a user. When something lies on top (a toast that fades after 4 s), scrolls the
   * element to the middle and tries again for a while; a click that stays blocked fails.
   * An element replaced by a re-render is looked up again.
   */
  async click(css) {
    for (let attempt = 0; ; attempt += 1) {
      try {
        await this.cmd('POST', `/element/${await this.find(css)}/click`, {});
        return;
      } catch (e) {
        // Stale: the element was re-rendered between finding and clicking it; find it again.
        if (!/element click intercepted|stale element/.test(String(e)) || attempt >= 30) throw e;
        await this.exec('document.querySelector(arguments[0])?.scrollIntoView({ block: "center" });', [css]);
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  }

  async type(css, text) {
    await stale(async () => {
      const el = await this.find(css);
      await this.cmd('POST', `/element/${el}/clear`, {});
      await this.cmd('POST', `/element/${el}/value`, { text });
    });
  }

  async text(css) { return stale(async () => (await this.cmd('GET', `/element/${await this.find(css)}/text`)).value); }

  async exec(script, args = []) { return (await this.cmd('POST', '/execute/sync', { script, args })).value; }

  /** Polls until `script` returns a truthy value (bounded so a hang becomes a failure). */
  async until(script, args = [], what = script, seconds = 30) {
    for (let i = 0; i < seconds * 10; i += 1) {
      const v = await this.exec(script, args);
      if (v) return v;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for: ${what}`);
  }

  /** Waits until the page has painted twice (a screenshot then shows the current DOM). */
  async painted() {
    await this.cmd('POST', '/execute/async', {
      script: 'const done = arguments[arguments.length - 1]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));',
      args: [],
    });
  }

  async screenshot() { return Buffer.from((await this.cmd('GET', '/screenshot')).value, 'base64'); }

  async end() { await this.cmd('DELETE', ''); }
}

/**
 * Runs `fn` again when the element it used was replaced by a re-render in between (the UI
 * re-renders on engine events); bounded, so a real failure still fails.
 */
async function stale(fn) {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fn();
    } catch (e) {
      if (!/stale element/.test(String(e)) || attempt >= 20) throw e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

async function request(base, method, path, body) {
  const res = await fetch(base + path, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok || (json.value && json.value.error)) {
    throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json.value ?? json)}`);
  }
  return json;
}

/** Decodes an 8-bit RGB/RGBA PNG: { width, height, channels, pixels }. */
export function decodePng(buf) {
  if (buf.readUInt32BE(0) !== 0x89504e47) throw new Error('not a PNG');
  let pos = 8;
  let width = 0;
  let height = 0;
  let depth = 0;
  let type = 0;
  const idat = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const kind = buf.toString('ascii', pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (kind === 'IHDR') {
      width = data.readUInt32BE(0); height = data.readUInt32BE(4); depth = data[8]; type = data[9];
    } else if (kind === 'IDAT') idat.push(data);
    else if (kind === 'IEND') break;
    pos += 12 + len;
  }
  if (depth !== 8 || (type !== 2 && type !== 6)) throw new Error(`unsupported PNG (depth ${depth}, type ${type})`);
  const channels = type === 6 ? 4 : 3;
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const pixels = Buffer.alloc(stride * height);
  for (let y = 0; y < height; y += 1) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x += 1) {
      const a = x >= channels ? pixels[y * stride + x - channels] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + x] : 0;
      const c = x >= channels && y > 0 ? pixels[(y - 1) * stride + x - channels] : 0;
      let v = line[x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a); const pb = Math.abs(p - b); const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      pixels[y * stride + x] = v & 0xff;
    }
  }
  return { width, height, channels, pixels };
}

/** How varied an image is: distinct colours (sampled) and the share of pixels unlike the corner. */
export function imageStats(png) {
  const { width, height, channels, pixels } = decodePng(png);
  const colours = new Set();
  const at = (i) => (pixels[i] << 16) | (pixels[i + 1] << 8) | pixels[i + 2];
  const background = at(0);
  let different = 0;
  let total = 0;
  for (let y = 0; y < height; y += 2) {
    for (let x = 0; x < width; x += 2) {
      const c = at((y * width + x) * channels);
      colours.add(c);
      total += 1;
      if (c !== background) different += 1;
    }
  }
  return { width, height, colours: colours.size, nonBackground: different / total };
}
