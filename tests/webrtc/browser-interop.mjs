// Real-browser interop for crates/webrtc: headless Debian Chromium <-> the Rust session driver
// (crates/webrtc/examples/browser_peer.rs) on 127.0.0.1, SDP over the driver's stdin/stdout
// (no SIP). Proves ICE + DTLS-SRTP come up and Opus audio flows both ways.
//   node browser-interop.mjs SCENARIO...
// SCENARIO = browser-offers | rust-offers | rust-offers-turn (host + relay candidates) |
//            rust-offers-relay (TURN relay-only on the Rust side); the TURN ones need BED_TURN,
//            BED_TURN_USER, BED_TURN_PASS (the bed's coturn)
// Env: WEBRTC_PEER_BIN (the built driver), BED_RUN (scratch dir), BED_CHROMIUM.
// Prints "PASS webrtc-browser <scenario>" / "FAIL ..." per scenario, "TIMING <json>" lines, and
// "# pass N" / "# fail M" at the end; exit 0 iff all pass.
import { createRequire } from 'module';
import { fileURLToPath } from 'url';
import { spawn } from 'child_process';
import http from 'http';
import path from 'path';
import readline from 'readline';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const require = createRequire(path.join(repoRoot, 'package.json'));
const { chromium } = require('playwright-core');

const peerBin = process.env.WEBRTC_PEER_BIN;
if (!peerBin) { console.error('WEBRTC_PEER_BIN is not set'); process.exit(2); }
const scenarios = process.argv.slice(2).length ? process.argv.slice(2) : ['browser-offers', 'rust-offers'];
const secs = Number(process.env.WEBRTC_SECS || 4);

// an empty page on 127.0.0.1 (a secure context for getUserMedia)
const server = http.createServer((_, res) => { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<!doctype html><title>webrtc</title>'); });
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const pageUrl = `http://127.0.0.1:${server.address().port}/`;

const chromeHome = path.join(process.env.BED_RUN || '/tmp', 'chromium-home-webrtc');
const browser = await chromium.launch({
  executablePath: process.env.BED_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-extensions', '--no-default-browser-check', '--disable-breakpad',
    '--allow-loopback-in-peer-connection', '--use-fake-ui-for-media-stream',
    '--use-fake-device-for-media-stream', '--disable-features=WebRtcHideLocalIpsWithMdns',
    '--autoplay-policy=no-user-gesture-required'],
  env: { ...process.env, HOME: chromeHome, XDG_CONFIG_HOME: `${chromeHome}/.config`, XDG_CACHE_HOME: `${chromeHome}/.cache` },
});
console.log('browser', browser.version());

function startPeer(args) {
  const child = spawn(peerBin, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  const waiters = [];
  readline.createInterface({ input: child.stdout }).on('line', (l) => {
    let v;
    try { v = JSON.parse(l); } catch { console.log('[peer]', l); return; }
    if (v.event) console.log('[peer]', (v.ms ?? v.gathering_ms).toFixed(1), 'ms', v.event);
    lines.push(v);
    for (const w of [...waiters]) if (w.pred(v)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(v); }
  });
  const exited = new Promise((r) => child.on('exit', (code) => r(code)));
  return {
    child, lines, exited,
    send: (v) => child.stdin.write(`${JSON.stringify(v)}\n`),
    wait: (pred, ms, what) => new Promise((resolve, reject) => {
      const hit = lines.find(pred);
      if (hit) return resolve(hit);
      waiters.push({ pred, resolve });
      setTimeout(() => reject(new Error(`timeout: ${what}`)), ms);
    }),
  };
}

// in the page: a peer connection with the fake microphone, complete (non-trickle) SDP
const pageSetup = async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const pc = new RTCPeerConnection({ iceServers: [] });
  window.pc = pc;
  window.states = [];
  pc.onconnectionstatechange = () => window.states.push(pc.connectionState);
  pc.ontrack = (e) => { const a = new Audio(); a.srcObject = e.streams[0] || new MediaStream([e.track]); a.play().catch(() => {}); };
  for (const t of stream.getAudioTracks()) pc.addTrack(t, stream);
  window.gathered = () => new Promise((r) => {
    if (pc.iceGatheringState === 'complete') return r();
    pc.addEventListener('icegatheringstatechange', () => pc.iceGatheringState === 'complete' && r());
  });
};
const pageStats = async () => {
  const r = { states: window.states, connectionState: window.pc.connectionState };
  (await window.pc.getStats()).forEach((s) => {
    if (s.type === 'inbound-rtp' && s.kind === 'audio') r.inbound = { packetsReceived: s.packetsReceived, bytesReceived: s.bytesReceived, totalAudioEnergy: s.totalAudioEnergy, packetsLost: s.packetsLost, codecId: s.codecId };
    if (s.type === 'outbound-rtp' && s.kind === 'audio') r.outbound = { packetsSent: s.packetsSent, bytesSent: s.bytesSent };
    if (s.type === 'transport') r.transport = { dtlsState: s.dtlsState, srtpCipher: s.srtpCipher, dtlsCipher: s.dtlsCipher, iceRole: s.iceRole };
    if (s.type === 'codec') (r.codecs ||= []).push(`${s.payloadType} ${s.mimeType}/${s.clockRate}`);
  });
  // the candidate types of the selected pair (relay-only must show a relay remote candidate)
  const all = new Map();
  (await window.pc.getStats()).forEach((s) => all.set(s.id, s));
  const tr = [...all.values()].find((s) => s.type === 'transport');
  const pair = tr && all.get(tr.selectedCandidatePairId);
  if (pair) r.selectedPair = { local: all.get(pair.localCandidateId)?.candidateType, remote: all.get(pair.remoteCandidateId)?.candidateType };
  return r;
};

async function run(name) {
  const ctx = await browser.newContext({ permissions: ['microphone'] });
  const page = await ctx.newPage();
  page.on('console', (m) => console.log('[page]', m.text()));
  let peer;
  try {
    await page.goto(pageUrl);
    await page.evaluate(pageSetup);
    const extra = [];
    if (name === 'rust-offers-relay' || name === 'rust-offers-turn') {
      if (!process.env.BED_TURN) throw new Error('BED_TURN not set (coturn not running)');
      extra.push('--turn', `${process.env.BED_TURN}?transport=udp`, '--turn-user', process.env.BED_TURN_USER,
        '--turn-pass', process.env.BED_TURN_PASS);
      if (name === 'rust-offers-relay') extra.push('--relay-only');
    }
    let rustSdp = '';
    if (name === 'browser-offers') {
      peer = startPeer(['answer', '--secs', String(secs), ...extra]);
      const offer = await page.evaluate(async () => {
        await window.pc.setLocalDescription(await window.pc.createOffer());
        await window.gathered();
        return window.pc.localDescription.sdp;
      });
      peer.send({ offer });
      const { answer } = await peer.wait((v) => v.answer, 10000, 'answer from the Rust peer');
      console.log('[peer] answer:', answer.split(/\r?\n/).filter((l) => /^(m=|a=rtpmap|a=setup|a=candidate|c=)/.test(l)).join(' | '));
      await page.evaluate((sdp) => window.pc.setRemoteDescription({ type: 'answer', sdp }), answer);
    } else {
      peer = startPeer(['offer', '--secs', String(secs), ...extra]);
      const { offer } = await peer.wait((v) => v.offer, 10000, 'offer from the Rust peer');
      rustSdp = offer;
      console.log('[peer] offer:', offer.split(/\r?\n/).filter((l) => /^(m=|a=rtpmap|a=setup|a=candidate|c=)/.test(l)).join(' | '));
      const answer = await page.evaluate(async (sdp) => {
        await window.pc.setRemoteDescription({ type: 'offer', sdp });
        await window.pc.setLocalDescription(await window.pc.createAnswer());
        await window.gathered();
        return window.pc.localDescription.sdp;
      }, offer);
      peer.send({ answer });
    }
    // sample the browser's stats while the call runs: the Rust side closes DTLS at the end
    let st = null;
    let dtlsSeen = false;
    const done = peer.wait((v) => v.result, (secs + 30) * 1000, 'result from the Rust peer');
    let finished = false;
    done.then(() => { finished = true; }, () => { finished = true; });
    while (!finished) {
      const cur = await page.evaluate(pageStats);
      if (cur.transport?.dtlsState === 'connected') { dtlsSeen = true; st = cur; }
      await new Promise((r) => setTimeout(r, 250));
    }
    const { result } = await done;
    // after the Rust side's close_notify the browser must see DTLS closed
    let closed = null;
    for (let i = 0; i < 20 && closed !== 'closed'; i++) {
      closed = (await page.evaluate(pageStats)).transport?.dtlsState;
      if (closed !== 'closed') await new Promise((r) => setTimeout(r, 100));
    }
    st ||= await page.evaluate(pageStats);
    console.log('[browser] DTLS after the Rust side closed:', closed);
    console.log('[peer] result', JSON.stringify(result));
    console.log('[browser] stats', JSON.stringify(st));
    const at = (ev) => peer.lines.find((v) => v.event === ev)?.ms;
    console.log(`TIMING ${JSON.stringify({ scenario: name, ice_connected_ms: at('Ice(Connected)'), dtls_connected_ms: at('DtlsConnected') })}`);
    const problems = [];
    if (!result.connected) problems.push(`Rust side not connected (${result.failed})`);
    if (!(result.rtp_in > 25)) problems.push(`Rust side received ${result.rtp_in} RTP packets`);
    if (!(result.rms > 50)) problems.push(`Rust side decoded no audio energy (rms ${result.rms})`);
    if (result.decode_errors > 0) problems.push(`${result.decode_errors} Opus decode errors`);
    if (!(st.inbound?.packetsReceived > 25)) problems.push(`browser received ${st.inbound?.packetsReceived} packets`);
    if (!(st.inbound?.bytesReceived > 0)) problems.push('browser received no bytes');
    if (!(st.inbound?.totalAudioEnergy > 0)) problems.push('browser heard no audio energy');
    const types = [...rustSdp.matchAll(/ typ (\w+)/g)].map((m) => m[1]);
    if (name === 'rust-offers-relay' && types.join() !== 'relay') problems.push(`relay-only offer has candidates ${types}`);
    if (name === 'rust-offers-turn' && !(types.includes('host') && types.includes('relay'))) problems.push(`offer with TURN has candidates ${types}`);
    if (name.endsWith('-relay') && st.selectedPair?.remote !== 'relay') problems.push(`relay-only, but the browser's selected pair is ${JSON.stringify(st.selectedPair)}`);
    if (!dtlsSeen) problems.push(`browser DTLS never connected (${st.transport?.dtlsState})`);
    if (closed !== 'closed') problems.push(`browser DTLS ${closed} after the Rust side closed`);
    if (problems.length) throw new Error(problems.join('; '));
    console.log(`PASS webrtc-browser ${name}`);
    return true;
  } catch (e) {
    console.log(`FAIL webrtc-browser ${name}: ${e.message}`);
    return false;
  } finally {
    if (peer) { peer.child.stdin.end(); setTimeout(() => peer.child.kill(), 2000).unref(); }
    await ctx.close();
  }
}

let pass = 0, fail = 0;
for (const s of scenarios) (await run(s)) ? pass++ : fail++;
await browser.close();
server.close();
console.log(`# pass ${pass}`);
console.log(`# fail ${fail}`);
process.exit(fail ? 1 : 0);
