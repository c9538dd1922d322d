// Browser test of the acceptable-use and retention pages: the demo's overdue AUP review shows as a
// reminder; recording a paper acceptance takes a person off the 'not yet accepted' list and moves the
// staff bar of the SVG coverage chart; an admin confirms a due record's deletion on the retention page
// and the decision is recorded. Screenshots at desktop and phone widths.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test aup.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort, startServer, stopServer, apiClient, signedInPage } from './support.mjs';

const ESAFE_BIN = process.env.ESAFE_BIN;
const BUILD_DIR = process.env.BUILD_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = BUILD_DIR ? path.join(BUILD_DIR, 'screenshots') : null;

describe('esafe acceptable use and retention pages', { timeout: 180000 }, () => {
  let server; let tmp; let browser; let context; let page; let base; let password; let api;
  const problems = [];
  let oldRequest;

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-aup-browser-'));
    server = startServer(ESAFE_BIN, tmp, await freePort());
    ({ url: base, password } = await server.ready);
    base = base.replace(/\/$/, '');
    api = await apiClient(base, 'admin', password);
    // A disclosure request received in 2020: past the two-year default, so due for review.
    oldRequest = await api('POST', '/api/v1/disclosures', {
      agency_id: 3, requesting_body: 'County Police', investigating_officer: 'DC Lee', authorising_officer: 'Supt Grant',
      notice_reference: 'RIPA/2020/007', requested_data: 'Subscriber details', received_on: '2020-03-02', deadline: '2020-03-16',
    });
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

  const staffBar = () => page.locator('#aup-chart .aup-row[data-group="staff"]').evaluate((el) => ({ ...el.dataset }));

  test('a paper acceptance takes the person off the not-accepted list and moves the coverage bar', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Acceptable use' }).click();
    await page.getByRole('heading', { name: 'Acceptable use', level: 1 }).waitFor();
    // The demo's pupils' AUP at Riverside is past its review date.
    assert.match(await page.locator('#aup-reminders').innerText(), /Our rules for using computers/);
    const before = await staffBar();
    await page.getByRole('link', { name: 'Staff and governors\u2019 AUP' }).or(page.getByRole('link', { name: "Staff and governors' AUP" })).click();
    await page.locator('#aup-not-accepted').waitFor();
    assert.match(await page.locator('#aup-not-accepted').innerText(), /Tom Fletcher/);
    await page.screenshot({ path: path.join(SHOTS, 'aup-before.png'), fullPage: true });

    await page.getByLabel('Person').selectOption({ label: 'Tom Fletcher' });
    await page.getByRole('button', { name: 'Record acceptance' }).click();
    await page.locator('#aup-not-accepted', { hasText: 'Everyone on the register has accepted it.' }).waitFor();
    const after = await staffBar();
    assert.equal(Number(after.accepted), Number(before.accepted) + 1, JSON.stringify({ before, after }));
    assert.equal(Number(after.notAccepted), Number(before.notAccepted) - 1);
    assert.match(await page.locator('#aup-acceptances').innerText(), /Tom Fletcher .*on paper \(recorded by admin\)/);
    await page.screenshot({ path: path.join(SHOTS, 'aup-after.png'), fullPage: true });

    // A date in the future is refused beside the field.
    await page.getByLabel('Date signed').fill('2099-01-01');
    await page.getByRole('button', { name: 'Record acceptance' }).click();
    await page.locator('#aup-paper .field-error', { hasText: /future/ }).waitFor();
  });

  test('an admin confirms the deletion of a due record and it is recorded', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Retention' }).click();
    await page.getByRole('heading', { name: 'Retention of records', level: 1 }).waitFor();
    const row = page.locator(`#retention-due tr[data-type="disclosure_request"][data-id="${oldRequest.id}"]`);
    await row.waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'retention-before.png'), fullPage: true });
    // Without a reason nothing happens.
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.locator('.field-error').waitFor();
    await row.getByLabel('Reason').fill('Two years after receipt; no proceedings');
    await row.getByRole('button', { name: 'Delete' }).click();
    await page.locator(`#retention-due tr[data-id="${oldRequest.id}"]`).waitFor({ state: 'detached' });
    const actions = await api('GET', '/api/v1/retention/actions');
    assert.equal(actions.at(-1).record_id, oldRequest.id);
    assert.equal(actions.at(-1).note, 'Two years after receipt; no proceedings');
    await page.screenshot({ path: path.join(SHOTS, 'retention-after.png'), fullPage: true });
  });

  test('the pages read on a phone', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: 'en-GB' });
    const p = await phone.newPage();
    p.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
    await p.goto(base);
    await p.getByLabel('Username').fill('library.eslo');
    await p.getByLabel('Password').fill(password);
    await p.getByRole('button', { name: 'Sign in' }).click();
    await p.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await p.goto(`${base}/#/aup`);
    await p.getByRole('heading', { name: 'Acceptable use', level: 1 }).waitFor();
    const policy = (await api('GET', '/api/v1/aup/policies')).find((x) => x.agency_id === 3 && x.user_group === 'staff');
    await p.goto(`${base}/#/aup?policy=${policy.id}`);
    await p.locator('#aup-versions').waitFor();
    // Nothing wider than the screen.
    const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `page is ${overflow}px wider than the phone`);
    await p.screenshot({ path: path.join(SHOTS, 'aup-phone.png'), fullPage: true });
    await phone.close();
    assert.deepEqual(problems, []);
  });
});
