// The real app under Xvfb, driven over WebDriver (tauri-driver + WebKitWebDriver).
// Run through tests/e2e/run.sh, which sets WD_URL, APP and a private config dir.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdirSync, existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { Session, imageStats } from './webdriver.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const { WD_URL, APP, SOFTPHONE_CONFIG_DIR, SOFTPHONE_LOG_FILE } = process.env;
const SHOTS = process.env.UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs', 'screenshots')
  : mkdtempSync(join(tmpdir(), 'softphone-e2e-shots-'));
mkdirSync(SHOTS, { recursive: true });
const PASSWORD = 'e2e-pass-never-stored';

let s;

before(async () => {
  assert.ok(WD_URL && APP, 'run through tests/e2e/run.sh');
  s = await Session.start(WD_URL, APP);
  await s.until("return document.body && document.body.dataset.ready === 'true'", [], 'the UI to boot');
});

after(async () => {
  await s?.end().catch(() => {});
});

async function shot(name) {
  await s.painted();
  const png = await s.screenshot();
  writeFileSync(join(SHOTS, name), png);
  return imageStats(png);
}

test('the window opens on the main screen and is not blank', async () => {
  assert.equal(await s.title(), 'Softphone');
  assert.equal(await s.text('#empty-state .empty-title'), 'Test your audio: call the echo line');
  assert.match(await s.text('#account-status'), /No account yet/);
  const stats = await shot('app-main.png');
  assert.ok(stats.width >= 360 && stats.height >= 400, `screenshot ${stats.width}x${stats.height}`);
  assert.ok(stats.colours > 20, `only ${stats.colours} colours: blank window?`);
  assert.ok(stats.nonBackground > 0.05, `only ${stats.nonBackground} of the pixels differ from the background`);
});

test('the settings screen accepts an account (no keyring here: used for the session only)', async () => {
  await s.click('#nav-settings');
  await s.until("return !document.getElementById('account-form').hidden", [], 'the account form');
  await s.type('#acc-address', 'alice@127.0.0.1');
  await s.type('#acc-password', PASSWORD);
  await s.type('#acc-server', '127.0.0.1:5060');
  // The app knows there is no keyring: it says so, and "remember" is off and disabled.
  assert.equal(await s.text('#keyring-note'), 'No system keyring: passwords are used for the session only.');
  assert.equal(await s.exec("return document.getElementById('acc-remember').checked"), false);
  await s.click('#account-save');
  await s.until("return document.getElementById('account-form').hidden", [], 'the form to close');
  await s.until("return !!document.querySelector('#account-settings-list [data-account]')", [], 'the account in the list');
  assert.match(await s.text('#account-settings-list'), /alice@127\.0\.0\.1/);
  assert.equal(await s.exec("return document.getElementById('acc-password').value"), '');
  await shot('app-settings.png');
  await s.click('#nav-phone');
  assert.match(await s.text('#account-status'), /alice@127\.0\.0\.1/);
  // Saved without the password; the password is in no file and no log.
  const settings = readFileSync(join(SOFTPHONE_CONFIG_DIR, 'settings.json'), 'utf8');
  assert.match(settings, /"address": "alice@127\.0\.0\.1"/);
  assert.match(settings, /"remember": false/);
  assert.ok(!settings.includes(PASSWORD), 'password in the settings file');
  if (existsSync(SOFTPHONE_LOG_FILE)) {
    assert.ok(!readFileSync(SOFTPHONE_LOG_FILE, 'utf8').includes(PASSWORD), 'password in the log');
  }
});

test('dialling garbage shows the translated error', async () => {
  await s.click('#nav-phone');
  await s.type('#dial-input', 'not a number?');
  assert.equal(await s.text('#dial-preview'), "This doesn't look like a number or SIP address.");
  await s.click('#dial-call');
  await s.until("return !!document.querySelector('#errors .toast-error[data-code=\"invalid_target\"]')", [], 'the error');
  assert.equal(await s.text('#errors .toast-error[data-code="invalid_target"] .error-message'),
    "That number or address can't be dialled.");
  await shot('app-error.png');
});

test('the log shows a clean start (tray built, engine up) and no secret', async () => {
  const log = readFileSync(SOFTPHONE_LOG_FILE, 'utf8');
  assert.match(log, /softphone starting/);
  assert.match(log, /engine started/);
  assert.doesNotMatch(log, /tray update failed|the app could not start/);
  assert.ok(!log.includes(PASSWORD));
});

test('a tel: link opened while the app runs goes to the running instance, which asks first', async () => {
  // What the desktop does for a link: start the app with it. The single-instance plugin hands
  // the arguments to the running app and the new process exits.
  const second = spawnSync(APP, ['tel:+49%2030%20123'], { env: process.env, timeout: 60000, encoding: 'utf8' });
  assert.equal(second.status, 0, `second instance: ${second.stderr}`);
  await s.until("return document.getElementById('link-dialog').open", [], 'the link dialog');
  assert.equal(await s.text('#link-body'), 'A link asks to call tel:+49 30 123.');
  await s.click('#link-cancel');
  await s.until("return !document.getElementById('link-dialog').open", [], 'the dialog to close');
});

test('switching the language re-labels the window at once', async () => {
  await s.click('#nav-settings');
  await s.exec("const l = document.getElementById('pref-language'); l.value = 'de'; l.dispatchEvent(new Event('change'));");
  await s.until("return document.documentElement.lang === 'de'", [], 'German');
  assert.equal(await s.text('#nav-phone'), 'Telefon');
  await s.exec("const l = document.getElementById('pref-language'); l.value = 'en'; l.dispatchEvent(new Event('change'));");
  await s.until("return document.documentElement.lang === 'en'", [], 'English again');
});

/** The X window of the app: its pid (from _NET_WM_PID) and whether it is on screen. */
function appWindow() {
  const info = spawnSync('xwininfo', ['-name', 'Softphone'], { encoding: 'utf8', timeout: 10000 });
  if (info.status !== 0) return { exists: false, viewable: false, pid: null };
  const prop = spawnSync('xprop', ['-name', 'Softphone', '_NET_WM_PID'], { encoding: 'utf8', timeout: 10000 });
  const pid = Number((prop.stdout.match(/= (\d+)/) ?? [])[1]) || null;
  return { exists: true, viewable: /Map State: IsViewable/.test(info.stdout), pid };
}

/** Processes below `pid` (children, grandchildren...) named `comm` (as /proc shows them). */
function descendantsNamed(pid, comm) {
  const procs = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      procs.push({ pid: Number(p), name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
        ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) });
    } catch {
      // Gone.
    }
  }
  const below = new Set([pid]);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of procs) if (below.has(p.ppid) && !below.has(p.pid)) { below.add(p.pid); grew = true; }
  }
  return procs.filter((p) => p.pid !== pid && below.has(p.pid) && p.name === comm).map((p) => p.pid);
}

async function waitFor(pred, what) {
  for (let i = 0; i < 200; i += 1) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('closing the window keeps the phone in the tray without its web view; starting it again shows it', async () => {
  const before = appWindow();
  assert.ok(before.viewable && before.pid, `the window is on screen with a pid: ${JSON.stringify(before)}`);
  assert.ok(descendantsNamed(before.pid, 'WebKitWebProces').length > 0, 'a web process runs for the window');
  // What the window manager's close button does: WM_DELETE_WINDOW (not WebDriver's "close
  // window", which ends the session and the app with it).
  const close = spawnSync('python3', ['-c', `import sys; sys.path.insert(0, ${JSON.stringify(join(ROOT, 'tests', 'bench'))})
from app_startup import X
x = X(); w, _ = x.app_window('Softphone'); x.close(w) if w else sys.exit('no window')`], { encoding: 'utf8', timeout: 20000 });
  assert.equal(close.status, 0, close.stderr);
  await waitFor(() => !appWindow().viewable, 'the window to go');
  assert.doesNotThrow(() => process.kill(before.pid, 0), 'the app still runs (in the tray)');
  await waitFor(() => descendantsNamed(before.pid, 'WebKitWebProces').length === 0, 'the web process to end');
  // Starting the app again (the desktop launcher) hands over to the running one, which shows
  // a new window.
  const second = spawnSync(APP, [], { env: process.env, timeout: 60000, encoding: 'utf8' });
  assert.equal(second.status, 0, `second instance: ${second.stderr}`);
  await waitFor(() => appWindow().viewable, 'the window to come back');
  assert.equal(appWindow().pid, before.pid, 'the same app shows it');
  assert.doesNotMatch(readFileSync(SOFTPHONE_LOG_FILE, 'utf8'), /the main window could not be created/);
});
