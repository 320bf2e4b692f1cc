// The UI in headless Chromium with mocked IPC: realistic engine event sequences replayed
// through the same ordered channels the Tauri shell uses. Nothing leaves 127.0.0.1.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startServer, launchBrowser, openApp, screenshotDir } from './support/server.mjs';

let server;
let browser;
const shots = screenshotDir();

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await server?.close();
});

async function withApp(options, fn) {
  const { page, context, errors } = await openApp(browser, server.url, options);
  try {
    await fn(page);
    assert.deepEqual(errors.map(String), [], 'no uncaught page errors');
  } finally {
    await context.close();
  }
}

const mockCalls = (page, cmd) => page.evaluate((c) => window.mock.calls(c), cmd);
const text = (page, sel) => page.locator(sel).first().innerText();

const ACCOUNT_SETUP = () => {
  const config = { id: 'alice@example.com', address: 'alice@example.com', display_name: null, auth_user: null, realm: null,
    server: 'pbx.example.com', transport: 'auto', outbound_proxy: null, register: true, register_expires: 600,
    user_agent: null, tls_verify: true, tls_ca_file: null, srtp: 'optional', codecs: [], ice_servers: [],
    custom_headers: [], no_answer_timeout_secs: 60, auto_answer: false, reconnect_min_secs: 2, reconnect_max_secs: 30 };
  window.mock.snapshot.accounts = [{ config, state: 'registered', reason: null, has_credential: true }];
  window.mock.settings.accounts = [{ config, secret_kind: 'password', remember: true }];
  window.mock.settings.recents = ['+4930123456', 'echo'];
};

test('empty state: the echo line is offered, light and dark screenshots', async () => {
  for (const colorScheme of ['light', 'dark']) {
    await withApp({ colorScheme }, async (page) => {
      assert.equal(await text(page, '#empty-state .empty-title'), 'Test your audio: call the echo line');
      assert.match(await text(page, '#account-status'), /No account yet/);
      await page.screenshot({ path: join(shots, `ui-empty-${colorScheme}.png`) });
      await page.click('#echo-call');
      assert.deepEqual(await mockCalls(page, 'dial'), [{ target: 'echo', anonymous: false }]);
      // The call shows as the echo test line.
      await page.waitForSelector('.call-card');
      assert.equal(await text(page, '.call-card .call-name'), 'Echo test');
    });
  }
});

test('configure an account: three fields, the password leaves the UI, status follows the engine', async () => {
  await withApp({}, async (page) => {
    await page.click('#nav-settings');
    assert.equal(await page.isVisible('#account-form'), true, 'the form opens when there is no account');
    await page.click('#account-save');
    assert.equal(await page.getAttribute('#acc-address', 'aria-invalid'), 'true');
    assert.equal(await text(page, '#acc-address-error'), 'Required');
    await page.fill('#acc-address', 'alice@example.com');
    await page.fill('#acc-password', 'hunter2-secret');
    await page.fill('#acc-server', 'pbx.example.com');
    await page.click('#account-save');
    await page.waitForSelector('#account-form', { state: 'hidden' });
    const [call] = await mockCalls(page, 'set_account');
    assert.equal(call.account.address, 'alice@example.com');
    assert.equal(call.account.server, 'pbx.example.com');
    assert.equal(call.account.id, 'alice@example.com');
    assert.equal(call.account.register_expires, 600);
    assert.deepEqual(call.credential, { type: 'password', value: 'hunter2-secret' });
    assert.equal(call.remember, true);
    assert.equal(await page.inputValue('#acc-password'), '', 'the password is cleared at once');
    assert.equal(await page.evaluate(() => document.body.innerHTML.includes('hunter2-secret')), false);
    await page.click('#nav-phone');
    // A new account starts at once.
    await page.waitForSelector('#account-status [data-state="registered"]');
    assert.deepEqual((await mockCalls(page, 'start_account')).map((c) => c.account_id), ['alice@example.com']);
    await page.click('#account-status [data-action="agentstop"]');
    await page.waitForSelector('#account-status li[data-state="stopped"]');
    assert.match(await text(page, '#account-status'), /alice@example.com\s+Stopped/);
    await page.click('#account-status [data-action="agentstart"]');
    await page.waitForSelector('#account-status [data-state="registered"]');
    assert.match(await text(page, '#account-status'), /Registered/);
    await page.click('#account-status [data-action="unregister"]');
    await page.waitForSelector('#account-status li[data-state="connected"]');
    // A failure shows the reason.
    await page.evaluate(() => window.mock.emit({ type: 'account_state_changed', account_id: 'alice@example.com',
      state: 'failed', reason: { code: 408, text: 'Request Timeout' } }));
    await page.waitForSelector('#account-status li[data-state="failed"]');
    assert.match(await text(page, '#account-status'), /Failed \(408 Request Timeout\)/);
    // Refused credentials get their own message.
    await page.evaluate(() => window.mock.emit({ type: 'account_state_changed', account_id: 'alice@example.com',
      state: 'failed', reason: { code: 401, text: 'wrong user name or password' } }));
    await page.waitForFunction(() => document.getElementById('account-status').textContent.includes('Wrong user name or password (401)'));
    assert.equal(await text(page, '#account-status [data-action="agentstart"]'), 'Start');
    // Advanced options reach the engine too.
    await page.click('#nav-settings');
    await page.click('#account-settings-list [data-action="edit"]');
    assert.equal(await page.inputValue('#acc-address'), 'alice@example.com');
    assert.match(await text(page, '#acc-password-hint'), /keyring/);
    await page.click('#acc-advanced summary');
    await page.selectOption('#acc-transport', 'tls');
    await page.fill('#acc-realm', 'example.com');
    await page.fill('#acc-codecs', 'opus, PCMU');
    await page.fill('#acc-headers', 'X-Tenant: blue');
    await page.uncheck('#acc-tls-verify');
    assert.equal(await page.isVisible('#acc-tls-warning'), true);
    await page.screenshot({ path: join(shots, 'ui-account-form.png'), fullPage: true });
    await page.click('#account-save');
    await page.waitForSelector('#account-form', { state: 'hidden' });
    const edited = (await mockCalls(page, 'set_account'))[1];
    assert.equal(edited.account.transport, 'tls');
    assert.equal(edited.account.realm, 'example.com');
    assert.deepEqual(edited.account.codecs, ['opus', 'pcmu']);
    assert.deepEqual(edited.account.custom_headers, [{ name: 'X-Tenant', value: 'blue' }]);
    assert.equal(edited.account.tls_verify, false);
    assert.equal(edited.credential, null, 'an empty password keeps the stored one');
  });
});

test('no keyring: the user is told and can use the password for this session only', async () => {
  await withApp({ setup: () => { window.mock.settings.keyring = { available: true, detail: null }; } }, async (page) => {
    await page.evaluate(() => { window.mock.settings.keyring = { available: false, detail: 'org.freedesktop.secrets was not provided' }; });
    await page.click('#nav-settings');
    await page.fill('#acc-address', 'bob@example.com');
    await page.fill('#acc-password', 'pw');
    await page.click('#account-save');
    await page.waitForSelector('#keyring-dialog[open]');
    assert.match(await text(page, '#keyring-body'), /can't be stored safely/);
    assert.match(await text(page, '#keyring-detail'), /org.freedesktop.secrets/);
    await page.screenshot({ path: join(shots, 'ui-keyring-dialog.png') });
    await page.click('#keyring-session');
    await page.waitForSelector('#account-form', { state: 'hidden' });
    const calls = await mockCalls(page, 'set_account');
    assert.equal(calls.length, 2);
    assert.equal(calls[1].remember, false);
    assert.deepEqual(calls[1].credential, { type: 'password', value: 'pw' });
  });
});

test('dial: normalisation, paste, keyboard, redial, anonymous, then a whole call', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.fill('#dial-input', '+49 (30) 1234-5');
    assert.equal(await text(page, '#dial-preview'), 'Will dial +493012345');
    await page.fill('#dial-input', '');
    // Pasting cleans line breaks and bidi marks.
    await page.focus('#dial-input');
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.setData('text', '\u202a+49 30 999\u202c\r\n');
      document.getElementById('dial-input').dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    });
    assert.equal(await page.inputValue('#dial-input'), '+49 30 999');
    // The dial pad and the keyboard type too.
    await page.fill('#dial-input', '');
    await page.click('#keypad [data-digit="1"]');
    await page.click('#keypad [data-digit="0"]');
    await page.focus('#nav-phone');
    await page.keyboard.press('0');
    assert.equal(await page.inputValue('#dial-input'), '100');
    await page.check('#dial-anonymous');
    await page.press('#dial-input', 'Enter');
    const dial = (await mockCalls(page, 'dial'))[0];
    assert.deepEqual(dial, { target: '100', anonymous: true });
    await page.waitForSelector('.call-card[data-state="dialing"]');
    assert.equal(await text(page, '.call-card .call-name'), '100');
    assert.match(await text(page, '.call-card .call-state'), /Calling/);
    await page.evaluate(() => {
      window.mock.state('call-1', 'ringing', { code: 180, text: 'Ringing' });
      window.mock.state('call-1', 'active', { code: 200, text: 'OK' });
      window.mock.emit({ type: 'call_stats_updated', call_id: 'call-1', stats: { codec: 'opus', jitter_ms: 4.2, loss: 0.012, rtt_ms: 38, buffer_ms: 40, mos: 4.2 } });
      window.mock.emit({ type: 'audio_levels', call_id: 'call-1', input_dbfs: -27, output_dbfs: -42 });
    });
    await page.waitForSelector('.call-card[data-state="active"]');
    assert.match(await text(page, '.call-card .call-state'), /Connected\s+· 200 OK/);
    assert.match(await text(page, '.quality'), /opus/);
    assert.match(await text(page, '.quality'), /Good/);
    assert.match(await text(page, '.quality'), /1.2 %/);
    assert.equal(await page.getAttribute('.meter-track[aria-label="Microphone level"]', 'aria-valuenow'), '-27');
    assert.equal(await page.getAttribute('.meter-track[aria-label="Microphone level"]', 'aria-valuetext'), '-27 dBFS');
    assert.match(await text(page, '.call-timer'), /^0:0\d$/);
    // Mute, hold/resume, DTMF.
    await page.click('.call-card [data-action="mute"]');
    await page.waitForSelector('.call-card [data-action="mute"][aria-pressed="true"]');
    assert.deepEqual(await mockCalls(page, 'set_mute'), [{ call_id: 'call-1', muted: true }]);
    assert.match(await text(page, '.call-card .call-state'), /Microphone muted/);
    await page.click('.call-card [data-action="keypad"]');
    await page.click('.call-card .keypad [data-digit="1"]');
    await page.focus('.call-card [data-action="keypad"]');
    await page.keyboard.press('#');
    await page.waitForSelector('.dtmf-sent');
    assert.deepEqual(await mockCalls(page, 'send_dtmf'), [{ call_id: 'call-1', digits: '1' }, { call_id: 'call-1', digits: '#' }]);
    assert.equal(await text(page, '.dtmf-sent'), '1#');
    await page.evaluate(() => window.mock.emit({ type: 'dtmf_received', call_id: 'call-1', digit: '7' }));
    await page.waitForSelector('text=Received tone 7');
    await page.screenshot({ path: join(shots, 'ui-call-light.png') });
    await page.click('.call-card [data-action="hold"]');
    await page.waitForSelector('.call-card[data-state="held"]');
    assert.match(await text(page, '.call-card .call-state'), /On hold/);
    await page.click('.call-card [data-action="resume"]');
    await page.waitForSelector('.call-card[data-state="active"]');
    await page.evaluate(() => window.mock.emit({ type: 'call_flags_changed', call_id: 'call-1', local_hold: false, remote_hold: true, muted: true }));
    await page.waitForSelector('text=On hold by the other side');
    await page.click('.call-card [data-action="hangup"]');
    await page.waitForSelector('#last-ended');
    assert.match(await text(page, '#last-ended'), /Call ended/);
    assert.deepEqual(await mockCalls(page, 'hangup'), [{ call_id: 'call-1' }]);
    // Redial calls the last number.
    assert.equal(await page.getAttribute('#redial', 'aria-label'), 'Redial 100');
    await page.click('#redial');
    assert.equal((await mockCalls(page, 'dial'))[1].target, '100');
  });
});

test('incoming call: answered in the window', async () => {
  await withApp({ setup: ACCOUNT_SETUP, colorScheme: 'dark' }, async (page) => {
    await page.evaluate(() => window.mock.incoming('sip:bob@example.com', 'Bob Builder'));
    await page.waitForSelector('.incoming');
    assert.match(await text(page, '.incoming'), /Incoming call\s+Bob Builder\s+sip:bob@example.com\s+on alice@example.com/);
    await page.screenshot({ path: join(shots, 'ui-incoming-dark.png') });
    await page.click('.incoming [data-action="silence"]');
    assert.deepEqual(await mockCalls(page, 'silence'), [{ call_id: 'call-1' }]);
    await page.click('.incoming [data-action="answer"]');
    await page.waitForSelector('.call-card[data-state="active"]');
    assert.deepEqual(await mockCalls(page, 'answer'), [{ call_id: 'call-1' }]);
    await page.evaluate(() => window.mock.emit({ type: 'call_stats_updated', call_id: 'call-1', stats: { codec: 'pcmu', jitter_ms: 12, loss: 0.04, rtt_ms: null, buffer_ms: 60, mos: 3.4 } }));
    await page.waitForSelector('.quality[data-band="fair"]');
    await page.screenshot({ path: join(shots, 'ui-call-dark.png') });
    await page.evaluate(() => window.mock.state('call-1', 'ended', { code: null, text: 'remote hung up' }));
    await page.waitForSelector('#last-ended');
    assert.equal(await page.isVisible('#missed-banner'), false, 'an answered call is not missed');
  });
});

test('incoming call: declined, and a missed call is shown', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.evaluate(() => window.mock.incoming('sip:carol@example.com', null));
    await page.click('.incoming [data-action="decline"]');
    assert.deepEqual(await mockCalls(page, 'reject'), [{ call_id: 'call-1', code: 603 }]);
    await page.waitForSelector('.incoming', { state: 'detached' });
    assert.match(await text(page, '#last-ended'), /Call ended\s+carol@example.com\s+· 603 Decline/);
    assert.equal(await page.isVisible('#missed-banner'), false);
    await page.evaluate(() => {
      const id = window.mock.incoming('sip:dave@example.com', 'Dave');
      window.mock.state(id, 'ended', { code: 487, text: 'Request Terminated' });
    });
    await page.waitForSelector('#missed-banner');
    assert.match(await text(page, '#missed-banner'), /One missed call\s+Missed: Dave/);
    assert.equal(await text(page, '#missed-badge'), '1');
    await page.click('#nav-recents');
    assert.match(await text(page, '#missed-list'), /Dave/);
    // The session's call log has both, newest first, with their outcome.
    const outcomes = await page.$$eval('#call-log li[data-outcome]', (els) => els.map((e) => e.dataset.outcome));
    assert.deepEqual(outcomes, ['missed', 'declined']);
    assert.match(await text(page, '#call-log'), /Dave\s+Missed\s+487 Request Terminated/);
    assert.match(await text(page, '#call-log'), /carol@example.com\s+Declined\s+603 Decline/);
    assert.equal(await page.getAttribute('#call-log li[data-outcome="declined"] button', 'aria-label'), 'Call back carol@example.com');
    await page.click('#missed-list button');
    assert.equal((await mockCalls(page, 'dial'))[0].target, 'sip:dave@example.com');
  });
});

test('call waiting: a second call while talking is shown and answered after holding the first', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.evaluate(() => {
      const first = window.mock.incoming('sip:bob@example.com', 'Bob');
      window.mock.state(first, 'active');
    });
    await page.waitForSelector('.call-card[data-state="active"]');
    await page.evaluate(() => window.mock.incoming('sip:erin@example.com', 'Erin'));
    await page.waitForSelector('.incoming-waiting');
    assert.match(await text(page, '.incoming-waiting'), /Call waiting\s+Erin is calling while you are on a call/);
    await page.screenshot({ path: join(shots, 'ui-call-waiting.png') });
    await page.click('.incoming-waiting [data-action="hold-and-answer"]');
    await page.waitForSelector('.other-call[data-state="held"]');
    assert.deepEqual(await mockCalls(page, 'hold'), [{ call_id: 'call-1' }]);
    assert.deepEqual(await mockCalls(page, 'answer'), [{ call_id: 'call-2' }]);
    assert.equal(await text(page, '.call-card .call-name'), 'Erin');
    assert.match(await text(page, '.other-call'), /Bob\s+On hold/);
    // Levels and stats of the held call (its media keeps running) change nothing on screen:
    // the buttons stay the same elements, so a click in progress is not lost.
    await page.evaluate(() => {
      window.keep = [document.querySelector('.other-call [data-action="switch"]'), document.querySelector('.call-card [data-action="hangup"]')];
    });
    const replaced = () => page.evaluate(() => window.keep.map((el) => !el.isConnected));
    for (let n = 0; n < 5; n += 1) {
      await page.evaluate((i) => {
        window.mock.emit({ type: 'audio_levels', call_id: 'call-1', input_dbfs: -30 - i, output_dbfs: -20 });
        window.mock.emit({ type: 'call_stats_updated', call_id: 'call-1', stats: { codec: 'opus', jitter_ms: 2, loss: 0, rtt_ms: 10, buffer_ms: 40, mos: 4.3, packets_sent: 50 * i, packets_received: 50 * i } });
      }, n);
    }
    assert.deepEqual(await replaced(), [false, false], 'the held call\'s figures re-rendered the controls');
    // The focused call's figures update in place too.
    await page.evaluate(() => window.mock.emit({ type: 'audio_levels', call_id: 'call-2', input_dbfs: -12, output_dbfs: -18 }));
    await page.waitForFunction(() => document.querySelector('.call-card [data-meter="input"] [role="meter"]')?.getAttribute('aria-valuenow') === '-12');
    assert.deepEqual(await replaced(), [false, false]);
    // A real change (the held call's state) still renders.
    await page.click('.other-call [data-action="switch"]');
    await page.waitForFunction(() => document.querySelector('.call-card .call-name')?.textContent === 'Bob');
    assert.deepEqual((await mockCalls(page, 'resume')).at(-1), { call_id: 'call-1' });
    assert.deepEqual((await mockCalls(page, 'hold')).at(-1), { call_id: 'call-2' });
  });
});

test('hold and resume: the engine\'s held state, our hold and theirs', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.evaluate(() => { const id = window.mock.incoming('sip:bob@example.com', 'Bob'); window.mock.state(id, 'active', { code: 200, text: 'OK' }); });
    await page.waitForSelector('.call-card[data-state="active"]');
    const hold = '.call-card [data-action="hold"]';
    assert.equal(await page.getAttribute(hold, 'aria-pressed'), 'false');
    assert.equal(await text(page, hold), 'Hold');
    // What the engine sends for Hold: the flags, then the state (re-INVITE answered).
    await page.click(hold);
    await page.waitForSelector('.call-card[data-state="held"] [data-action="resume"][aria-pressed="true"]');
    assert.deepEqual(await mockCalls(page, 'hold'), [{ call_id: 'call-1' }]);
    assert.match(await text(page, '.call-card .call-state'), /On hold/);
    assert.equal(await page.isDisabled('.call-card [data-action="mute"]'), false, 'mute stays usable on hold');
    await page.focus('.call-card [data-action="resume"]');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.call-card[data-state="active"] [data-action="hold"][aria-pressed="false"]');
    assert.deepEqual(await mockCalls(page, 'resume'), [{ call_id: 'call-1' }]);
    // They hold us: a held state with remote_hold only; our button still offers Hold.
    await page.evaluate(() => {
      window.mock.emit({ type: 'call_flags_changed', call_id: 'call-1', local_hold: false, remote_hold: true, muted: false });
      window.mock.state('call-1', 'held', null);
    });
    await page.waitForSelector('.call-card[data-state="held"]');
    assert.match(await text(page, '.call-card .call-state'), /On hold by the other side/);
    assert.equal(await page.getAttribute('.call-card [data-action="hold"]', 'aria-pressed'), 'false', 'we can still hold');
    await page.evaluate(() => {
      window.mock.emit({ type: 'call_flags_changed', call_id: 'call-1', local_hold: false, remote_hold: false, muted: false });
      window.mock.state('call-1', 'active', null);
    });
    await page.waitForSelector('.call-card[data-state="active"]');
    assert.equal(await page.isVisible('text=On hold by the other side'), false);
    // Keyboard users keep their place: the focus follows Hold to Resume and back, and level and
    // quality updates do not replace the buttons (a click in progress is not lost).
    await page.focus(hold);
    const button = await page.$(hold);
    for (let i = 0; i < 10; i += 1) {
      await page.evaluate((n) => {
        window.mock.emit({ type: 'audio_levels', call_id: 'call-1', input_dbfs: -30 - n, output_dbfs: -20 });
        window.mock.emit({ type: 'call_stats_updated', call_id: 'call-1', stats: { codec: 'PCMU', jitter_ms: n, loss: 0, rtt_ms: 20, buffer_ms: 40, mos: 4.3 } });
      }, i);
    }
    await page.waitForFunction(() => document.querySelector('.meter[data-meter="input"] .meter-track')?.getAttribute('aria-valuenow') === '-39');
    assert.equal(await button.evaluate((b) => b.isConnected && document.activeElement === b), true, 'the focused Hold button survived the updates');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.call-card[data-state="held"]');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'resume', 'the focus moved to Resume');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.call-card[data-state="active"]');
    assert.equal(await page.evaluate(() => document.activeElement?.dataset.action), 'hold');
    // A failed hold is reported, and the call stays active.
    await page.evaluate(() => window.mock.failNext('hold', 'invalid_state', 're-INVITE refused: 488'));
    await page.click(hold);
    await page.waitForSelector('#errors .toast-error[data-code="invalid_state"]');
    assert.equal(await page.getAttribute('.call-card', 'data-state'), 'active');
  });
});

test('a re-render while a button is held down does not lose its click', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.evaluate(() => { const id = window.mock.incoming('sip:bob@example.com', 'Bob'); window.mock.state(id, 'active', null); });
    await page.waitForSelector('.call-card[data-state="active"]');
    const box = await page.locator('.call-card [data-action="hold"]').boundingBox();
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    // The engine reports a change that re-renders the card (muted from elsewhere, e.g. the tray)
    // between the press and the release.
    await page.evaluate(() => window.mock.emit({ type: 'call_flags_changed', call_id: 'call-1', local_hold: false, remote_hold: false, muted: true }));
    await page.waitForTimeout(150);
    // Held back while the button is pressed.
    assert.equal(await page.getAttribute('.call-card [data-action="mute"]', 'aria-pressed'), 'false');
    await page.mouse.up();
    await page.waitForFunction(() => window.mock.calls('hold').length === 1);
    await page.waitForSelector('.call-card[data-state="held"] [data-action="resume"]');
    // Without a pressed pointer, renders are immediate as before.
    await page.evaluate(() => window.mock.emit({ type: 'call_flags_changed', call_id: 'call-1', local_hold: true, remote_hold: false, muted: true }));
    await page.waitForSelector('.call-card [data-action="mute"][aria-pressed="true"]', { timeout: 500 });
  });
});

test('live audio levels and call quality follow the engine\'s events', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.evaluate(() => { const id = window.mock.incoming('sip:bob@example.com', 'Bob'); window.mock.state(id, 'active', { code: 200, text: 'OK' }); });
    await page.waitForSelector('.call-card[data-state="active"]');
    const mic = '.meter[data-meter="input"] .meter-track';
    const spk = '.meter[data-meter="output"] .meter-track';
    // Before any level event: silent meters, quality still being measured.
    assert.equal(await page.getAttribute(mic, 'aria-valuetext'), 'Silent');
    assert.match(await text(page, '.quality'), /Measuring/);
    const fill = (sel) => page.$eval(`${sel} .meter-bar`, (b) => Number(b.style.getPropertyValue('--level')));
    // A talk spurt and the far end's tone, several updates a second.
    const levels = [[-60, -18.2], [-21.5, -18.4], [-12, -18.1], [-35, -18.3]];
    for (const [input, output] of levels) {
      await page.evaluate(([i, o]) => window.mock.emit({ type: 'audio_levels', call_id: 'call-1', input_dbfs: i, output_dbfs: o }), [input, output]);
      await page.waitForFunction(([sel, v]) => document.querySelector(sel)?.getAttribute('aria-valuenow') === String(v), [mic, Math.round(input)]);
    }
    assert.equal(await page.getAttribute(mic, 'aria-valuetext'), '-35 dBFS');
    assert.equal(await page.getAttribute(spk, 'aria-valuenow'), '-18');
    assert.ok(Math.abs(await fill(mic) - 25 / 60) < 1e-6, 'the bar fills linearly in dB');
    // Digital silence (-inf arrives as a very low number) and clipping stay inside the meter.
    await page.evaluate(() => window.mock.emit({ type: 'audio_levels', call_id: 'call-1', input_dbfs: -144, output_dbfs: 0.4 }));
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-valuenow') === '-60', mic);
    assert.equal(await fill(mic), 0);
    assert.equal(await fill(spk), 1);
    assert.equal(await page.getAttribute(spk, 'aria-valuenow'), '0');
    // Muted: the microphone meter shows silence whatever the engine measures.
    await page.click('.call-card [data-action="mute"]');
    await page.waitForSelector('.call-card [data-action="mute"][aria-pressed="true"]');
    await page.evaluate(() => window.mock.emit({ type: 'audio_levels', call_id: 'call-1', input_dbfs: -10, output_dbfs: -20 }));
    await page.waitForFunction((sel) => document.querySelector(sel)?.getAttribute('aria-valuenow') === '-20', spk);
    assert.equal(await page.getAttribute(mic, 'aria-valuetext'), 'Silent');
    // Quality: a good start that degrades, once a second.
    const stats = [
      { codec: 'PCMU', jitter_ms: 2.1, loss: 0, rtt_ms: 12, buffer_ms: 40, mos: 4.3 },
      { codec: 'PCMU', jitter_ms: 18.4, loss: 0.03, rtt_ms: 80, buffer_ms: 80, mos: 3.6 },
      { codec: 'PCMU', jitter_ms: 45, loss: 0.12, rtt_ms: null, buffer_ms: 120, mos: 2.4 },
    ];
    for (const [i, band] of [[0, 'good'], [1, 'fair'], [2, 'poor']]) {
      await page.evaluate((st) => window.mock.emit({ type: 'call_stats_updated', call_id: 'call-1', stats: st }), stats[i]);
      await page.waitForSelector(`.quality[data-band="${band}"]`);
    }
    const q = await text(page, '.quality');
    assert.match(q, /Poor/);
    assert.match(q, /PCMU/);
    assert.match(q, /45\.0 ms/);
    assert.match(q, /12\.0 %/);
    assert.match(q, /–/, 'no RTT measured yet');
    assert.match(q, /2\.4/);
    // Levels for a call that ended (late events) change nothing and break nothing.
    await page.click('.call-card [data-action="hangup"]');
    await page.waitForSelector('#last-ended');
    await page.evaluate(() => window.mock.emit({ type: 'audio_levels', call_id: 'call-1', input_dbfs: -10, output_dbfs: -10 }));
    await page.evaluate(() => window.mock.emit({ type: 'call_stats_updated', call_id: 'call-1', stats: { codec: 'PCMU', jitter_ms: 1, loss: 0, rtt_ms: 1, buffer_ms: 40, mos: 4.4 } }));
    assert.equal(await page.$('.call-card'), null);
  });
});

test('incoming call: silenced, then forwarded elsewhere (not a missed call)', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.evaluate(() => window.mock.incoming('sip:frank@example.com', 'Frank'));
    await page.waitForSelector('.incoming');
    await page.click('.incoming [data-action="silence"]');
    assert.deepEqual(await mockCalls(page, 'silence'), [{ call_id: 'call-1' }]);
    assert.equal(await page.isVisible('.incoming'), true, 'silencing keeps the call ringing here');
    assert.equal(await page.getAttribute('.incoming [data-action="forward"]', 'aria-expanded'), 'false');
    await page.click('.incoming [data-action="forward"]');
    await page.waitForSelector('.forward-form');
    assert.equal(await page.getAttribute('.incoming [data-action="forward"]', 'aria-expanded'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'forward-call-1', 'focus moves to the target field');
    assert.equal(await text(page, '.forward-form label'), 'Forward to');
    // Typing survives re-renders caused by other events.
    await page.keyboard.type('+49 30 999');
    await page.evaluate(() => window.mock.emit({ type: 'debug_changed', enabled: false }));
    assert.equal(await page.inputValue('.forward-input'), '+49 30 999');
    await page.click('.forward-form [data-action="forward-submit"]');
    await page.waitForSelector('.incoming', { state: 'detached' });
    assert.deepEqual(await mockCalls(page, 'forward'), [{ call_id: 'call-1', target: '+49 30 999' }]);
    assert.equal(await page.isVisible('#missed-banner'), false, 'a forwarded call is not missed');
    await page.click('#nav-recents');
    assert.match(await text(page, '#call-log'), /Frank\s+Forwarded/);
    // A refused forward keeps the call ringing and shows the error.
    await page.click('#nav-phone');
    await page.evaluate(() => window.mock.incoming('sip:gina@example.com', 'Gina'));
    await page.click('.incoming [data-action="forward"]');
    await page.evaluate(() => window.mock.failNext('forward', 'invalid_target', 'not a number'));
    await page.fill('.forward-input', 'nonsense');
    await page.press('.forward-input', 'Enter');
    await page.waitForSelector('#errors .toast-error[data-code="invalid_target"]');
    assert.equal(await page.isVisible('.incoming'), true);
    // Then it is missed: the caller hangs up before anyone answers.
    await page.evaluate(() => window.mock.state('call-2', 'ended', { code: 487, text: 'Request Terminated' }));
    await page.waitForSelector('#missed-banner');
    assert.match(await text(page, '#missed-banner'), /One missed call/);
    assert.equal(await text(page, '#missed-badge'), '1');
  });
});

test('audio devices: hot-plug, choice, and a device that went away', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.click('#nav-settings');
    assert.match(await text(page, '#dev-microphone'), /System default \(Built-in Microphone\)/);
    await page.evaluate(() => {
      window.mock.snapshot.devices = [...window.mock.snapshot.devices, { name: 'USB Headset', is_input: true, is_default: false },
        { name: 'USB Headset Output', is_input: false, is_default: false }];
      window.mock.emit({ type: 'devices_changed', devices: window.mock.snapshot.devices });
    });
    await page.waitForSelector('#dev-microphone option[value="USB Headset"]', { state: 'attached' });
    assert.equal(await page.locator('#dev-speaker option[value="USB Headset"]').count(), 0, 'inputs are not offered as speakers');
    await page.selectOption('#dev-microphone', 'USB Headset');
    assert.deepEqual(await mockCalls(page, 'select_device'), [{ role: 'microphone', device: 'USB Headset' }]);
    await page.evaluate(() => {
      window.mock.snapshot.devices = window.mock.snapshot.devices.filter((d) => !d.name.startsWith('USB'));
      window.mock.emit({ type: 'devices_changed', devices: window.mock.snapshot.devices });
    });
    await page.waitForFunction(() => document.querySelector('#dev-microphone').selectedOptions[0]?.textContent === 'USB Headset (disconnected)');
    await page.selectOption('#dev-ringer', '');
    assert.deepEqual((await mockCalls(page, 'select_device')).at(-1), { role: 'ringer', device: null });
  });
});

test('start at login: the toggle writes through set_preferences, a refused write is shown and undone', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.click('#nav-settings');
    // Labelled for screen readers, from the locale.
    assert.equal(await page.getByLabel('Start at login').count(), 1);
    assert.equal(await page.getByLabel('Start minimised to the tray').count(), 1);
    assert.equal(await page.isChecked('#pref-start-at-login'), false);
    // The autostart entry cannot be written (e.g. a read-only ~/.config): the error shows and
    // the box is unchecked again, as the file is not there.
    await page.evaluate(() => window.mock.failNext('set_preferences', 'invalid_state', 'autostart: read-only file system'));
    await page.click('#pref-start-at-login');
    await page.waitForSelector('#errors .toast-error[data-code="invalid_state"]');
    await page.waitForFunction(() => !document.getElementById('pref-start-at-login').checked);
    // Keyboard: focus and Space toggles it, like any checkbox.
    await page.focus('#pref-start-at-login');
    await page.keyboard.press('Space');
    await page.waitForFunction(() => document.getElementById('pref-start-at-login').checked);
    let sent = (await mockCalls(page, 'set_preferences')).map((a) => a.preferences.start_at_login);
    assert.deepEqual(sent, [true, true]);
    // The backend's answer is what the box shows (the entry on disk is the truth).
    await page.evaluate(() => { window.mock.overrides.set_preferences = ({ preferences }) => {
      delete window.mock.overrides.set_preferences;
      window.mock.settings.preferences = { ...preferences, start_at_login: true };
      return structuredClone(window.mock.settings);
    }; });
    await page.click('#pref-start-at-login');
    await page.waitForFunction(() => document.getElementById('pref-start-at-login').checked);
    await page.click('#pref-start-at-login');
    await page.waitForFunction(() => !document.getElementById('pref-start-at-login').checked);
    sent = (await mockCalls(page, 'set_preferences')).map((a) => a.preferences.start_at_login);
    assert.deepEqual(sent, [true, true, false, false]);
    assert.equal(await page.evaluate(() => window.mock.settings.preferences.start_at_login), false);
  });
});

test('language switch applies at once; theme and start-up options are saved', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.click('#nav-settings');
    await page.selectOption('#pref-language', 'de');
    await page.waitForFunction(() => document.documentElement.lang === 'de');
    assert.equal(await text(page, '#nav-phone'), 'Telefon');
    assert.equal(await text(page, '#settings-heading'), 'Einstellungen');
    assert.equal((await mockCalls(page, 'set_preferences'))[0].preferences.language, 'de');
    await page.click('#nav-phone');
    assert.equal(await text(page, '#dial-call'), 'Anrufen');
    assert.equal(await page.getAttribute('#dial-input', 'placeholder'), 'Nummer, Name oder sip:nutzer@example.com');
    assert.match(await text(page, '#account-status'), /Registriert/);
    assert.equal(await page.getAttribute('#keypad [data-digit="*"]', 'aria-label'), 'Stern');
    await page.click('#nav-settings');
    await page.click('#pref-theme input[value="dark"]');
    await page.waitForFunction(() => document.documentElement.dataset.theme === 'dark');
    // (Japanese is asserted below but not photographed: the test machines have no CJK font.)
    await page.screenshot({ path: join(shots, 'ui-settings-de-dark.png'), fullPage: true });
    await page.selectOption('#pref-language', 'ja');
    await page.waitForFunction(() => document.documentElement.lang === 'ja');
    assert.equal(await text(page, '#nav-settings'), '設定');
    await page.check('#pref-start-minimised');
    await page.check('#pref-start-at-login');
    const last = (await mockCalls(page, 'set_preferences')).at(-1).preferences;
    assert.deepEqual(last, { language: 'ja', theme: 'dark', start_minimised: true, start_at_login: true, log_level: 'info' });
    await page.selectOption('#pref-language', '');
    await page.waitForFunction(() => document.documentElement.lang === 'en');
    assert.equal(await text(page, '#nav-settings'), 'Settings');
  });
});

const ERROR_CODES = {
  invalid_argument: "Some of these settings aren't valid.",
  invalid_target: "That number or address can't be dialled.",
  unknown_account: "That account doesn't exist any more.",
  unknown_call: 'That call has already ended.',
  no_account: 'Set up an account first — or call the echo line to test your audio.',
  invalid_state: "That isn't possible right now.",
  keyring_unavailable: "The system keyring isn't available.",
  device_unavailable: "The audio device couldn't be opened.",
  network: "The network or the server can't be reached.",
  unsupported: "This isn't available in this version yet.",
  engine_stopped: 'The phone engine has stopped. Please restart the app.',
  something_new: 'Something went wrong.',
};

test('every error code is shown translated, with its detail', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    for (const [code, message] of Object.entries(ERROR_CODES)) {
      await page.evaluate((c) => window.mock.failNext('dial', c, `detail for ${c}`), code);
      await page.fill('#dial-input', '123');
      await page.press('#dial-input', 'Enter');
      const toast = page.locator(`#errors .toast-error[data-code="${code}"]`).last();
      await toast.waitFor();
      assert.equal(await toast.locator('.error-message').innerText(), message, code);
      assert.equal(await toast.locator('.error-detail').innerText(), `Details: detail for ${code}`);
    }
    assert.ok((await page.locator('#errors .toast-error').count()) <= 3, 'old errors make room');
    // Errors follow the language too.
    await page.click('#nav-settings');
    await page.selectOption('#pref-language', 'fr');
    await page.waitForFunction(() => document.documentElement.lang === 'fr');
    await page.click('#nav-phone');
    await page.evaluate(() => window.mock.failNext('dial', 'unsupported', 'SIP calling is not available in this build yet'));
    await page.fill('#dial-input', '123');
    await page.press('#dial-input', 'Enter');
    await page.waitForSelector('#errors .toast-error[data-code="unsupported"] >> text=Ce n\'est pas encore disponible dans cette version.');
    // Garbage is refused by the engine with invalid_target.
    await page.fill('#dial-input', 'not a number?');
    assert.equal(await text(page, '#dial-preview'), 'Ceci ne ressemble pas à un numéro ni à une adresse SIP.');
    await page.press('#dial-input', 'Enter');
    await page.waitForSelector('#errors .toast-error[data-code="invalid_target"]');
  });
});

test('links ask before dialling; tray requests focus the dialer; tray failures are shown', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.evaluate(() => window.mock.shell({ type: 'dial_request', target: 'tel:+49 30 123', source: 'link' }));
    await page.waitForSelector('#link-dialog[open]');
    assert.match(await text(page, '#link-body'), /A link asks to call tel:\+49 30 123/);
    await page.click('#link-cancel');
    assert.deepEqual(await mockCalls(page, 'dial'), []);
    await page.evaluate(() => window.mock.shell({ type: 'dial_request', target: 'sip:bob@example.com', source: 'link' }));
    await page.waitForSelector('#link-dialog[open]');
    await page.click('#link-call');
    await page.waitForFunction(() => window.mock.calls('dial').length === 1);
    assert.equal((await mockCalls(page, 'dial'))[0].target, 'sip:bob@example.com');
    await page.click('#nav-settings');
    await page.evaluate(() => window.mock.shell({ type: 'focus_dialer' }));
    await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'dial-input');
    await page.evaluate(() => window.mock.shell({ type: 'command_failed', command: 'set_mute', error: { code: 'unknown_call', detail: 'no call call-9' } }));
    await page.waitForSelector('#errors .toast-error[data-code="unknown_call"]');
  });
});

test('debug: toggle, log level, SIP trace with filter, open the log folder', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.click('#debug-toggle');
    await page.waitForSelector('#debug-toggle[aria-pressed="true"]');
    assert.equal(await text(page, '#debug-toggle'), 'Stop debugging');
    assert.equal(await page.isVisible('#flag-debug'), true);
    await page.click('#nav-debug');
    assert.equal(await page.isChecked('#debug-enabled'), true);
    await page.evaluate(() => {
      window.mock.emit({ type: 'sip_trace', account_id: 'alice@example.com', direction: 'sent', remote: '127.0.0.1:5060',
        message: 'REGISTER sip:example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:5062\r\nAuthorization: Digest username="alice", response="<redacted>"\r\n\r\n' });
      window.mock.emit({ type: 'sip_trace', account_id: 'alice@example.com', direction: 'received', remote: '127.0.0.1:5060',
        message: 'SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5062\r\n\r\n' });
    });
    await page.waitForSelector('.trace-entry >> nth=1');
    assert.match(await text(page, '#trace-list'), /Sent to 127.0.0.1:5060\s+REGISTER sip:example.com SIP\/2.0/);
    assert.match(await text(page, '#trace-list'), /Received from 127.0.0.1:5060\s+SIP\/2.0 200 OK/);
    await page.click('.trace-entry summary >> nth=0');
    assert.match(await text(page, '.trace-message'), /Authorization: Digest/);
    await page.screenshot({ path: join(shots, 'ui-debug.png'), fullPage: true });
    await page.fill('#trace-filter', '200 OK');
    assert.equal(await page.locator('.trace-entry').count(), 1);
    await page.selectOption('#log-level', 'trace');
    assert.deepEqual(await mockCalls(page, 'set_log_level'), [{ level: 'trace' }]);
    await page.click('#open-logs');
    assert.equal((await mockCalls(page, 'open_log_folder')).length, 1);
    assert.match(await text(page, '#log-location'), /softphone\/logs/);
    await page.click('#trace-clear');
    assert.equal(await page.locator('.trace-entry').count(), 0);
    await page.uncheck('#debug-enabled');
    assert.deepEqual((await mockCalls(page, 'set_debug')).at(-1), { enabled: false });
  });
});

test('do not disturb and a reload after a gap in the event sequence', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.click('#dnd-toggle');
    await page.waitForSelector('#dnd-toggle[aria-pressed="true"]');
    assert.match(await text(page, '#banners'), /Do not disturb is on/);
    // Skip a sequence number: the UI reloads the snapshot instead of guessing.
    await page.evaluate(() => {
      window.mock.snapshot.accounts[0].state = 'failed';
      window.mock.snapshot.accounts[0].reason = { code: null, text: 'network unreachable' };
      window.mock.seq += 1;
      window.mock.snapshot.seq = window.mock.seq;
      window.mock.emit({ type: 'debug_changed', enabled: false });
    });
    await page.waitForSelector('#account-status li[data-state="failed"]');
    assert.match(await text(page, '#account-status'), /Failed \(network unreachable\)/);
    assert.ok((await mockCalls(page, 'snapshot')).length >= 1);
  });
});

test('keyboard and screen readers: names for every control, labels for every field', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.evaluate(() => window.mock.incoming('sip:bob@example.com', 'Bob'));
    for (const view of ['phone', 'settings', 'debug', 'recents']) {
      await page.click(`#nav-${view}`);
      const problems = await page.evaluate(() => {
        const out = [];
        for (const el of document.querySelectorAll('button, input, select, textarea, [role="meter"]')) {
          if (!el.offsetParent && el.type !== 'radio') continue;
          const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
            || (el.labels && el.labels.length) || (el.tagName === 'BUTTON' && el.textContent.trim());
          if (!labelled) out.push(el.outerHTML.slice(0, 120));
        }
        return out;
      });
      assert.deepEqual(problems, [], `${view}: unlabelled controls`);
    }
    // The skip link is the first stop and leads to the dialer.
    await page.click('#nav-settings');
    const first = await page.evaluate(() => document.querySelector('a[href], button, input, select, textarea').className);
    assert.equal(first, 'skip-link');
    await page.focus('.skip-link');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'dial-input');
    assert.equal(await page.isVisible('#view-phone'), true);
    // Tab reaches the incoming call's Answer button.
    let found = false;
    for (let i = 0; i < 60 && !found; i += 1) {
      await page.keyboard.press('Tab');
      found = await page.evaluate(() => document.activeElement?.dataset?.action === 'answer');
    }
    assert.ok(found, 'Answer is reachable by keyboard');
    await page.keyboard.press('Enter');
    await page.waitForSelector('.call-card[data-state="active"]');
  });
});

test('readable at 200 % zoom: one column, nothing cut off sideways', async () => {
  await withApp({ setup: ACCOUNT_SETUP, viewport: { width: 490, height: 380 } }, async (page) => {
    await page.evaluate(() => window.mock.incoming('sip:bob@example.com', 'Bob'));
    for (const view of ['phone', 'settings', 'debug', 'recents']) {
      await page.click(`#nav-${view}`);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${view} overflows by ${overflow}px`);
    }
    await page.click('#nav-phone');
    await page.screenshot({ path: join(shots, 'ui-zoom200.png'), fullPage: true });
  });
});

test('removing an account asks first, then forgets it everywhere', async () => {
  await withApp({ setup: ACCOUNT_SETUP }, async (page) => {
    await page.click('#nav-settings');
    await page.click('#account-settings-list [data-action="remove"]');
    await page.waitForSelector('#confirm-dialog[open]');
    assert.match(await text(page, '#confirm-body'), /Remove alice@example.com\? Its password is deleted from the keyring/);
    await page.click('#confirm-cancel');
    assert.deepEqual(await mockCalls(page, 'remove_account'), []);
    await page.click('#account-settings-list [data-action="remove"]');
    await page.click('#confirm-ok');
    await page.waitForSelector('#account-settings-list [data-account]', { state: 'detached' });
    assert.deepEqual(await mockCalls(page, 'remove_account'), [{ account_id: 'alice@example.com' }]);
    assert.match(await text(page, '#toasts'), /Account removed/);
    await page.click('#nav-phone');
    assert.match(await text(page, '#account-status'), /No account yet/);
  });
});
