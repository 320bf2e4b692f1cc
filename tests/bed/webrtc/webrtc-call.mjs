// Playwright-driven JsSIP (WebRTC) <-> SIP interop checks for the bed, one browser for all.
//   node webrtc-call.mjs SCENARIO...      (bed.sh exports this path as $BED_WEBRTC_DRIVER)
// SCENARIO = ws-baresip | wss-baresip | jssip-jssip          (the self-test's)
//          | call:USER:PASS:TARGET[:wss]                     (JsSIP calls TARGET, DTMF 5, hangs up)
//          | answer:USER:PASS[:SECS[:wss]]                   (JsSIP answers one call; prints READY USER
//                                                             once registered)
// Prints "PASS webrtc <scenario>" / "FAIL webrtc <scenario>" per scenario; exit 0 iff all pass.
// Env (exported by `bed.sh run`): BED_WEB (page server), BED_SIP_WS, BED_SIP_WSS,
// BED_TLS_SPKI (base64 SHA-256 of the WSS server key: the only cert error Chromium ignores).
// Run it only inside the bed's loopback-only netns: Chromium can then reach nothing but 127.0.0.1.
import { createRequire } from 'module';
import { fileURLToPath } from 'url';
import path from 'path';
import net from 'net';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = process.env.BED_NODE_ROOT || path.resolve(here, '../../..');
const require = createRequire(path.join(repoRoot, 'package.json'));
const { chromium } = require('playwright-core');

const web = process.env.BED_WEB || 'http://127.0.0.1:8088';
const pageUrl = `${web}/index.html`;
const wsUrl = process.env.BED_SIP_WS || 'ws://127.0.0.1:8080';
const wssUrl = process.env.BED_SIP_WSS || 'wss://127.0.0.1:8443';
const scenarios = process.argv.slice(2);
const args = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--disable-default-apps', '--disable-extensions', '--no-default-browser-check', '--disable-breakpad',
  '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream', '--disable-features=WebRtcHideLocalIpsWithMdns'];
args.push('--autoplay-policy=no-user-gesture-required');
// BED_FAKE_AUDIO_WAV: the browser's microphone plays this file (looped) instead of the beep
if (process.env.BED_FAKE_AUDIO_WAV) args.push(`--use-file-for-fake-audio-capture=${process.env.BED_FAKE_AUDIO_WAV}`);
if (process.env.BED_TLS_SPKI) args.push(`--ignore-certificate-errors-spki-list=${process.env.BED_TLS_SPKI}`);

// Chromium's crashpad writes under $HOME/.config even with a temporary profile: keep it in the run dir
const chromeHome = path.join(process.env.BED_RUN || '/tmp', 'chromium-home');
const t0 = Date.now();
const ms = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const sleep = (n) => new Promise((r) => setTimeout(r, n));
const withTimeout = (p, n, what) => Promise.race([p,
  new Promise((_, rej) => setTimeout(() => rej(new Error(`timeout: ${what}`)), n))]);

const browser = await chromium.launch({ executablePath: process.env.BED_CHROMIUM || '/usr/bin/chromium',
  args, headless: true, env: { ...process.env, HOME: chromeHome, XDG_CONFIG_HOME: `${chromeHome}/.config`,
    XDG_CACHE_HOME: `${chromeHome}/.cache` } });
console.log(ms(), 'browser', browser.version());

async function phone(ctx, ws, user, pw) {
  const p = await ctx.newPage();
  p.on('console', (m) => console.log(ms(), `[${user}]`, m.text()));
  await p.goto(pageUrl);
  console.log(ms(), user, await p.evaluate(([u, pw, w]) => window.phone.start(w, u, pw), [user, pw, ws]));
  return p;
}

// events of a baresip far end (ctrl_tcp: netstring-framed JSON), e.g. CALL_DTMF_START
function baresipEvents(port) {
  const events = [];
  let buf = Buffer.alloc(0);
  const sock = net.connect(port, '127.0.0.1');
  sock.on('error', (e) => console.log(ms(), 'ctrl', port, e.message));
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    for (;;) {
      const c = buf.indexOf(58); // ':'
      if (c < 0) break;
      const n = parseInt(buf.subarray(0, c).toString(), 10);
      if (buf.length < c + 1 + n + 1) break;
      const m = JSON.parse(buf.subarray(c + 1, c + 1 + n).toString());
      buf = buf.subarray(c + 2 + n);
      if (m.event) events.push(`${m.type}${m.param ? `:${m.param}` : ''}`);
    }
  });
  return { events, close: () => sock.destroy() };
}

// the median strongest frequency of what the page received, over the samples with sound
function toneOf(samples) {
  const f = samples.filter((x) => x && x.db > -70).map((x) => x.hz).sort((x, y) => x - y);
  return f.length ? f[Math.floor(f.length / 2)] : 0;
}

async function call(ctx, ws, user, pw, target, callee, farPort, headers) {
  const far = farPort ? baresipEvents(farPort) : null;
  const a = await phone(ctx, ws, user, pw);
  const b = callee ? await phone(ctx, ws, callee[0], callee[1]) : null;
  await a.evaluate(([t, h]) => window.phone.call(t, h), [target, headers || []]);
  for (let i = 0; i < 150; i++) {
    const ev = await a.evaluate(() => window.phone.events);
    if (ev.includes('confirmed') || ev.some((e) => e.startsWith('failed'))) break;
    await sleep(100);
  }
  console.log(ms(), 'caller events', JSON.stringify(await a.evaluate(() => window.phone.events)));
  const tones = [];
  for (let i = 0; i < 10; i++) { tones.push(await a.evaluate(() => window.phone.remoteTone())); await sleep(250); }
  console.log('TONE', toneOf(tones));
  await a.evaluate(() => window.phone.dtmf('5'));
  await sleep(700);
  const st = await a.evaluate(() => window.phone.stats());
  console.log(ms(), 'caller stats', JSON.stringify(st));
  // media both ways, and audio energy in what was received and played out
  const good = (x) => !!x && x.packetsReceived > 50 && x.packetsSent > 50 && x.totalAudioEnergy > 0;
  let ok = good(st);
  if (b) {
    const sb = await b.evaluate(() => window.phone.stats());
    console.log(ms(), 'callee stats', JSON.stringify(sb));
    ok = ok && good(sb);
  }
  if (far) {
    // RFC 4733 from the browser, through rtpengine, decoded by baresip
    console.log(ms(), 'baresip events', JSON.stringify(far.events));
    if (!far.events.includes('CALL_DTMF_START:5')) { console.log(ms(), 'no DTMF 5 at baresip'); ok = false; }
    far.close();
  }
  await a.evaluate(() => window.phone.hangup());
  await sleep(500);
  const ev = await a.evaluate(() => window.phone.events);
  console.log(ms(), 'caller events', JSON.stringify(ev));
  ok = ok && ev.some((e) => e.startsWith('ended'));
  for (const p of [a, b]) if (p) await p.evaluate(() => window.phone.stop()).catch(() => {});
  await sleep(300);
  return ok;
}

// Generic peer for the softphone's own tests: register, auto-answer one call, hold it until the
// other side hangs up (or SECS pass), pass if audio flowed both ways.
async function answer(ctx, ws, user, pw, secs) {
  const a = await phone(ctx, ws, user, pw);
  console.log('READY', user); // the caller may dial now
  let st = null;
  let ev = [];
  const tones = [];
  for (let i = 0; i < secs * 4; i++) {
    ev = await a.evaluate(() => window.phone.events);
    if (ev.some((e) => e.startsWith('ended') || e.startsWith('failed'))) break;
    if (ev.includes('confirmed')) {
      st = (await a.evaluate(() => window.phone.stats())) || st;
      tones.push(await a.evaluate(() => window.phone.remoteTone()));
    }
    await sleep(250);
  }
  // what the browser heard of the caller: the strongest frequency (the caller checks it)
  console.log('TONE', toneOf(tones.slice(4)));
  console.log(ms(), 'answer events', JSON.stringify(ev), 'stats', JSON.stringify(st));
  await a.evaluate(() => window.phone.stop()).catch(() => {});
  return ev.includes('confirmed') && !!st && st.packetsReceived > 50 && st.packetsSent > 50 && st.totalAudioEnergy > 0;
}

const bobPort = Number(process.env.BED_BOB_CTL_PORT || 4444);
const plan = {
  'ws-baresip': (ctx) => call(ctx, wsUrl, '1002', 'secret1002', 'sip:bob@127.0.0.1', null, bobPort),
  'wss-baresip': (ctx) => call(ctx, wssUrl, '1003', 'secret1003', 'sip:bob@127.0.0.1', null, bobPort),
  'jssip-jssip': (ctx) => call(ctx, wsUrl, '1004', 'secret1004', 'sip:1000@127.0.0.1', ['1000', 'secret1000']),
};
// call:USER:PASS:TARGET[:wss][:direct]  JsSIP USER calls TARGET (e.g. sip:softphone@127.0.0.1),
//                                   ~3 s, hangs up; direct: Kamailio does not anchor the media
// answer:USER:PASS[:SECS[:wss]]     JsSIP USER answers one incoming call within SECS (default 30)
function generic(name) {
  const [kind, user, pw, ...rest] = name.split(':');
  if (kind === 'call' && rest.length) {
    // trailing flags: wss (over WSS), direct (ask the bed's Kamailio not to anchor media)
    const flags = [];
    while (['wss', 'direct'].includes(rest[rest.length - 1])) flags.push(rest.pop());
    const secure = flags.includes('wss');
    const headers = flags.includes('direct') ? ['X-Bed-Direct-Media: yes'] : [];
    const target = rest.join(':');
    return { run: (ctx) => call(ctx, secure ? wssUrl : wsUrl, user, pw, target, null, null, headers), limit: 40 };
  }
  if (kind === 'answer') {
    const secs = Number(rest[0] || 30);
    return { run: (ctx) => answer(ctx, rest[1] === 'wss' ? wssUrl : wsUrl, user, pw, secs), limit: secs + 15 };
  }
  return null;
}

let failed = 0;
for (const name of scenarios) {
  let ok = false;
  const ctx = await browser.newContext();
  try {
    const g = plan[name] ? { run: plan[name], limit: 40 } : generic(name);
    if (!g) throw new Error(`unknown scenario ${name}`);
    ok = await withTimeout(g.run(ctx), g.limit * 1000, name);
  } catch (e) { console.log(ms(), 'ERROR', name, e.message); }
  await ctx.close().catch(() => {});
  console.log(`${ok ? 'PASS' : 'FAIL'} webrtc ${name}`);
  if (!ok) failed++;
}
await browser.close();
process.exit(failed ? 1 : 0);
