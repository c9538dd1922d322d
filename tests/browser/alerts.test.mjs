// Browser test of early-warning alerts: twelve blocked requests for adult sites from one library
// computer and a risky search from another go into a real activity log (`esafe log ingest --stdin`);
// `esafe monitor run` evaluates the rules over it and records a repeated-blocks alert and a critical
// risky-search alert for the County Library Service (a rerun records none). The library's
// e-safety officer sees 'Alerts' with a count of new ones, opens the alert, sees the evidence, is told a
// reason is needed to dismiss, then creates an incident from it and lands on the pre-filled incident.
// Riverside's officer does not see it; a board member has no 'Alerts' entry.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test alerts.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { freePort, startServer, stopServer, signedInPage as signIn } from './support.mjs';

const ESAFE_BIN = process.env.ESAFE_BIN;
const BUILD_DIR = process.env.BUILD_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = BUILD_DIR ? path.join(BUILD_DIR, 'screenshots') : null;
const TERMS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../data/monitoring/terms');
const LAPTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

function run(args, input) {
  const r = spawnSync(ESAFE_BIN, args, { input, encoding: 'utf8' });
  assert.equal(r.status, 0, `esafe ${args.join(' ')}: ${r.status}\n${r.stdout}\n${r.stderr}`);
  return r.stdout;
}

describe('esafe early-warning alerts', { timeout: 180000 }, () => {
  let server; let tmp; let browser; let base; let password;
  const problems = [];

  async function signedInPage(username, viewport) {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/London', isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
    return signIn(context, base, username, password, problems);
  }
  const sideways = (page) => page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
  const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-alerts-browser-'));
    server = startServer(ESAFE_BIN, tmp, await freePort());
    ({ url: base, password } = await server.ready);
    base = base.replace(/\/$/, '');
    // Twelve blocked requests for adult sites from one library computer within two minutes.
    const start = Date.parse('2026-11-20T15:00:00Z');
    const lines = [];
    for (let i = 0; i < 12; i++) {
      lines.push(JSON.stringify({ time: new Date(start + i * 10000).toISOString(), client: '10.20.1.50', user: '', site: 'Central Library',
        agency: 'County Library Service', profile: 'public', url: `http://adult${i}.example/`, host: `adult${i}.example`,
        category: 'adult', list: 'bl', list_version: '2026-11-01', action: 'block' }));
    }
    const log = path.join(tmp, 'activity');
    run(['log', 'ingest', log, '--stdin'], `${lines.join('\n')}\n`);
    // And, from another library computer, a risky search (a critical alert).
    const search = JSON.stringify({ time: new Date(start + 3600000).toISOString(), client: '10.20.1.51', user: '', site: 'Central Library',
      agency: 'County Library Service', profile: 'public', url: 'https://www.google.com/search?q=pipe+bomb', action: 'allow' });
    run(['log', 'ingest', log, '--stdin'], `${search}\n`);
    const out = run(['monitor', 'run', '--db', `sqlite:${path.join(tmp, 'esafe.db')}`, '--log', log, '--terms', TERMS]);
    assert.match(out, /recorded 2 alerts/);
    // A second run over the same log raises nothing new.
    assert.match(run(['monitor', 'run', '--db', `sqlite:${path.join(tmp, 'esafe.db')}`, '--log', log, '--terms', TERMS]), /recorded 0 alerts \(2 already recorded\)/);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    await stopServer(server);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the library officer sees the alert, needs a reason to dismiss, and creates an incident from it', async () => {
    const page = await signedInPage('library.eslo', LAPTOP);
    const nav = page.locator('#site-nav').getByRole('link', { name: /Alerts/ });
    await assert.doesNotReject(nav.locator('#alert-count').waitFor());
    assert.equal((await nav.locator('#alert-count').innerText()).replace(/\s+/g, ' ').trim(), '2 new');
    await nav.click();
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    // Newest first: the risky search, then the repeated blocks.
    const searchRow = page.locator('#alert-list tbody tr').first();
    assert.match(await searchRow.innerText(), /Critical/);
    const row = page.locator('#alert-list tbody tr').nth(1);
    assert.match(await row.innerText(), /Medium/);
    assert.match(await row.innerText(), /County Library Service/);
    await shot(page, 'alerts-list');
    await row.getByRole('link').click();
    await page.locator('#alert-evidence').waitFor();
    assert.match(await page.locator('#alert-evidence').innerText(), /10\.20\.1\.50/);
    // Dismiss without a reason: told, and the reason box has focus.
    await page.getByRole('button', { name: 'Dismiss' }).click();
    await page.locator('#alert-error').getByText(/reason/).waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'alert-reason');
    await shot(page, 'alert-page');
    // Keyboard: focus 'Create incident' and press Enter.
    await page.getByRole('button', { name: 'Create incident' }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/incidents\/\d+$/);
    await page.getByRole('heading', { level: 1 }).waitFor();
    const incidentText = await page.locator('main').innerText();
    assert.match(incidentText, /deliberate access to inappropriate material|inappropriate/i);
    assert.match(incidentText, /Raised by esafe monitoring, alert #/);
    // The other alert is a false positive, with a reason.
    await page.goto(`${base}/#/alerts`);
    await page.getByRole('heading', { name: 'Alerts', level: 1 }).waitFor();
    await page.locator('#alert-list tbody tr').first().getByRole('link').click();
    await page.locator('#alert-evidence').waitFor();
    await page.locator('#alert-reason').fill('a member of staff researching a news story for a display');
    await page.getByRole('button', { name: 'False positive' }).click();
    await page.locator('main').getByText(/False positive/).first().waitFor();
    await page.goto(`${base}/#/alerts?state=false_positive`);
    await page.locator('#alert-list tbody tr').first().waitFor();
    assert.match(await page.locator('#alert-list').innerText(), /Critical/);
    await shot(page, 'alerts-false-positive');
    // The officer names who is e-mailed the library's alerts (issue 17: set in the UI).
    await page.getByLabel('Name').fill('Library designated lead');
    await page.getByLabel('E-mail address').fill('dsl@library.example');
    await page.locator('#add-recipient').getByRole('button', { name: 'Add' }).click();
    await page.locator('#alert-recipients li', { hasText: 'dsl@library.example' }).waitFor();
    await page.getByRole('button', { name: 'Remove Library designated lead' }).waitFor();
    await shot(page, 'alerts-recipients');
    assert.deepEqual(problems, []);
  });

  test('another agency sees no alert; a board member has no Alerts page; a phone shows the list', async () => {
    const river = await signedInPage('riverside.eslo', PHONE);
    await river.goto(`${base}/#/alerts?state=`);
    await river.locator('#alert-none').waitFor();
    assert.equal(await sideways(river), 0);
    const board = await signedInPage('board', LAPTOP);
    assert.equal(await board.locator('#site-nav').getByRole('link', { name: /Alerts/ }).count(), 0);
    // The partnership's lead is told whether live monitoring runs (here it does not: the
    // alerts came from `esafe monitor run`); an agency's officer is not shown it.
    const lead = await signedInPage('lead', LAPTOP);
    await lead.goto(`${base}/#/alerts?state=`);
    await lead.locator('#monitoring-status').waitFor();
    assert.match(await lead.locator('#monitoring-status').innerText(), /not running/);
    assert.equal(await river.locator('#monitoring-status').count(), 0);
    const phone = await signedInPage('library.eslo', PHONE);
    await phone.goto(`${base}/#/alerts?state=incident`);
    await phone.locator('#alert-list').waitFor();
    assert.equal(await sideways(phone), 0);
    await shot(phone, 'alerts-phone');
    // The public block page and the help page carry the contacts: readable on a phone too.
    const pub = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    const blocked = await pub.newPage();
    await blocked.goto(`${base}/blocked?url=${encodeURIComponent('http://adult1.example/')}`);
    await blocked.waitForLoadState('load');
    assert.equal(await sideways(blocked), 0);
    await shot(blocked, 'blocked-phone');
    await blocked.goto(`${base}/help`);
    await blocked.waitForLoadState('load');
    assert.equal(await sideways(blocked), 0);
    await shot(blocked, 'help-contacts-phone');
    assert.deepEqual(problems, []);
  });
});
