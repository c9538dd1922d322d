// Browser test of the Accounts page: the administrator disables an agency officer's account,
// the row says so and the officer's open session ends at once. Screenshots at laptop and
// phone widths.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test accounts.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort, startServer, stopServer, signedInPage } from './support.mjs';

const ESAFE_BIN = process.env.ESAFE_BIN;
const BUILD_DIR = process.env.BUILD_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = BUILD_DIR ? path.join(BUILD_DIR, 'screenshots') : null;

describe('esafe accounts page', { timeout: 120000 }, () => {
  let server; let tmp; let browser; let context; let page; let base; let password;
  const problems = [];

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-accounts-browser-'));
    server = startServer(ESAFE_BIN, tmp, await freePort());
    ({ url: base, password } = await server.ready);
    base = base.replace(/\/$/, '');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    page = await signedInPage(context, base, 'admin', password, problems);
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    await stopServer(server);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the administrator disables an account and its session ends', async () => {
    // The officer is signed in elsewhere.
    const signIn = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ username: 'library.eslo', password }) });
    assert.equal(signIn.status, 200);
    const cookie = signIn.headers.get('set-cookie').split(';')[0];

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    const row = page.locator('tr[data-username="library.eslo"]');
    assert.match(await row.innerText(), /Enabled/);
    await row.getByRole('button', { name: 'Disable library.eslo' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Disable' }).click();
    await row.getByRole('button', { name: 'Enable library.eslo' }).waitFor();
    assert.match(await row.innerText(), /Disabled/);
    const after = await fetch(`${base}/api/v1/session`, { headers: { Cookie: cookie } });
    assert.equal(after.status, 401);
    await page.screenshot({ path: path.join(SHOTS, 'accounts.png'), fullPage: true });

    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB' });
    const p = await signedInPage(phone, base, 'admin', password, problems);
    await p.goto(`${base}/#/accounts`);
    await p.getByRole('heading', { name: 'Accounts', level: 1 }).waitFor();
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
    await p.screenshot({ path: path.join(SHOTS, 'accounts-phone.png'), fullPage: true });
    await phone.close();
    assert.deepEqual(problems, []);
  });
});
