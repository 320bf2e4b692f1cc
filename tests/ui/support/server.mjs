// Test support: a static server on 127.0.0.1 (port 0) for ui/, node_modules/, locales/ and the
// in-page mock engine; and a headless Debian Chromium through playwright-core.
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { join, normalize, extname, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const MOUNTS = [
  ['/node_modules/', join(ROOT, 'node_modules')],
  ['/locales/', join(ROOT, 'locales')],
  ['/test-support/', join(ROOT, 'tests', 'ui', 'support')],
  ['/', join(ROOT, 'ui')],
];
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ftl': 'text/plain; charset=utf-8',
  '.json': 'application/json',
};

/** Starts the server; resolves to { url, close }. */
export async function startServer() {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const [prefix, dir] = MOUNTS.find(([p]) => path.startsWith(p));
    const rel = normalize(path.slice(prefix.length) || 'index.html');
    if (rel.startsWith('..')) { res.writeHead(403).end(); return; }
    try {
      const body = await readFile(join(dir, rel));
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

/** Debian's Chromium, headless, with nothing that calls out. */
export function launchBrowser() {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/**
 * Opens the UI with the mock engine installed and booted. `setup` runs in the page before the
 * UI boots (to seed the mock's state). Every request that is not for the local server fails.
 */
export async function openApp(browser, base, { colorScheme = 'light', viewport = { width: 1100, height: 760 }, setup } = {}) {
  const context = await browser.newContext({ colorScheme, viewport, locale: 'en-US', reducedMotion: 'reduce' });
  await context.route((url) => !url.href.startsWith(base), (route) => route.abort());
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e));
  await page.goto(`${base}/index.html?noauto`);
  await page.addScriptTag({ type: 'module', url: '/test-support/mock-engine.js' });
  await page.waitForFunction(() => window.mock && window.mock.ready);
  if (setup) await page.evaluate(setup);
  await page.evaluate(() => window.softphoneBoot());
  await page.waitForSelector('body[data-ready="true"]');
  return { page, context, errors };
}

/** Where screenshots go: docs/screenshots with UPDATE_SCREENSHOTS=1, else a temp dir. */
export function screenshotDir() {
  if (process.env.UPDATE_SCREENSHOTS === '1') {
    const dir = join(ROOT, 'docs', 'screenshots');
    mkdirSync(dir, { recursive: true });
    return dir;
  }
  return mkdtempSync(join(tmpdir(), 'softphone-ui-shots-'));
}

export function saveJson(path, value) {
  writeFileSync(path, JSON.stringify(value, null, 2));
}
