// Renders icons/softphone.svg (and the tray variants) to PNG with Debian's Chromium.
// Run from the repository root: node icons/render.mjs
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';

const svg = readFileSync(new URL('./softphone.svg', import.meta.url), 'utf8');
const dots = { ok: '#2fb36d', warn: '#e5a50a', err: '#e01b24', off: '#8a8a8a' };
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium', headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
const page = await browser.newPage();
async function render(markup, size, out) {
  await page.setViewportSize({ width: size, height: size });
  await page.setContent(`<html><body style="margin:0;background:transparent">${markup
    .replace('width="512" height="512"', `width="${size}" height="${size}"`)}</body></html>`);
  await page.screenshot({ path: out, omitBackground: true, clip: { x: 0, y: 0, width: size, height: size } });
}
for (const s of [32, 64, 128, 256, 512]) await render(svg, s, `icons/${s}x${s}.png`);
await render(svg, 256, 'icons/128x128@2x.png');
await render(svg, 512, 'icons/icon.png');
for (const [name, colour] of Object.entries(dots)) {
  const withDot = svg.replace('</svg>',
    `<circle cx="400" cy="400" r="100" fill="${colour}" stroke="#ffffff" stroke-width="24"/></svg>`);
  await render(withDot, 64, `icons/tray-${name}.png`);
}
await browser.close();
