// Start minimised (what the autostart entry does at login): the real app under Xvfb, started
// directly (no WebDriver: there is no window to drive). It must come up in the tray with no
// window and no web process, and show its window when started again from the launcher.
// Run through tests/e2e/run.sh, which sets APP and a private config dir and log file.
import { test, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

const { APP, SOFTPHONE_CONFIG_DIR, SOFTPHONE_LOG_FILE } = process.env;
let app = null;

function appWindow() {
  const info = spawnSync('xwininfo', ['-name', 'Softphone'], { encoding: 'utf8', timeout: 10000 });
  if (info.status !== 0) return { exists: false, viewable: false, pid: null };
  const prop = spawnSync('xprop', ['-name', 'Softphone', '_NET_WM_PID'], { encoding: 'utf8', timeout: 10000 });
  const pid = Number((prop.stdout.match(/= (\d+)/) ?? [])[1]) || null;
  return { exists: true, viewable: /Map State: IsViewable/.test(info.stdout), pid };
}

/** Processes below `pid` named `comm` (as /proc shows them). */
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
  for (let i = 0; i < 300; i += 1) {
    if (pred()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const log = () => (existsSync(SOFTPHONE_LOG_FILE) ? readFileSync(SOFTPHONE_LOG_FILE, 'utf8') : '');

/** Starts the app in the background; resolves once its log says it is up in the tray. */
async function startMinimised(args) {
  const mark = log().length;
  app = spawn(APP, args, { env: process.env, stdio: 'ignore' });
  const exited = new Promise((r) => app.once('exit', (code) => r(code)));
  app.exited = exited;
  await waitFor(() => log().slice(mark).includes('started minimised to the tray') || app.exitCode !== null,
    'the app to start in the tray');
  assert.equal(app.exitCode, null, `the app exited: ${log().slice(mark)}`);
  return app.pid;
}

async function stopApp() {
  if (!app || app.exitCode !== null) return;
  app.kill('SIGTERM');
  const code = await Promise.race([app.exited, new Promise((r) => setTimeout(() => r('timeout'), 15000))]);
  if (code === 'timeout') app.kill('SIGKILL');
  await waitFor(() => !appWindow().exists, 'the window to go with the app');
}

afterEach(stopApp);

async function assertInTrayOnly(pid) {
  // Give a wrongly shown window time to appear: it would be mapped within this.
  for (let i = 0; i < 10; i += 1) {
    assert.equal(appWindow().viewable, false, 'no window on screen');
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.deepEqual(descendantsNamed(pid, 'WebKitWebProces'), [], 'no web process (no web view at all)');
  assert.doesNotThrow(() => process.kill(pid, 0), 'the app runs');
}

test('--minimised (the autostart entry) starts in the tray without a window; the launcher then shows it', async () => {
  assert.ok(APP && SOFTPHONE_CONFIG_DIR && SOFTPHONE_LOG_FILE, 'run through tests/e2e/run.sh');
  const pid = await startMinimised(['--minimised']);
  await assertInTrayOnly(pid);
  // Starting the app again hands over to the running one, which shows its window now.
  const second = spawnSync(APP, [], { env: process.env, timeout: 60000, encoding: 'utf8' });
  assert.equal(second.status, 0, `second instance: ${second.stderr}`);
  await waitFor(() => appWindow().viewable, 'the window to be shown');
  assert.equal(appWindow().pid, pid, 'the running app shows it');
  await waitFor(() => descendantsNamed(pid, 'WebKitWebProces').length > 0, 'a web process for the window');
  // Started normally (not under WebDriver), the app turns WebKit's GPU compositing off, and its
  // web process inherits that (src-tauri/src/webkit_env.rs).
  for (const web of descendantsNamed(pid, 'WebKitWebProces')) {
    const environ = readFileSync(`/proc/${web}/environ`, 'utf8').split('\0');
    assert.ok(environ.includes('WEBKIT_DISABLE_COMPOSITING_MODE=1'), 'the web process runs without GPU compositing');
  }
});

test('the "start minimised" setting does the same without the flag', async () => {
  const file = join(SOFTPHONE_CONFIG_DIR, 'settings.json');
  const settings = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : { version: 1 };
  settings.preferences = { ...(settings.preferences ?? {}), language: null, theme: 'system',
    start_minimised: true, start_at_login: false, log_level: 'info' };
  writeFileSync(file, JSON.stringify(settings));
  try {
    const pid = await startMinimised([]);
    await assertInTrayOnly(pid);
  } finally {
    settings.preferences.start_minimised = false;
    writeFileSync(file, JSON.stringify(settings));
  }
});
