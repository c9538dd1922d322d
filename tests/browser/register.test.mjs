// Browser test of the esafe UI: signs in through the form, adds an agency, a site and an internet access
// location through the UI, and checks they appear on the Internet access register. Also checks that a
// missing required field and a value the server rejects are reported next to the right field, that the
// page has no script errors or Content-Security-Policy violations, and that the dashboard fits a phone.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test register.test.mjs
// Screenshots go to $BUILD_DIR/screenshots/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort, startServer } from './support.mjs';

const ESAFE_BIN = process.env.ESAFE_BIN;
const BUILD_DIR = process.env.BUILD_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = BUILD_DIR ? path.join(BUILD_DIR, 'screenshots') : null;

const stamp = Date.now().toString(36);
const AGENCY = `Harbour Youth Trust ${stamp}`;
const SITE = `Harbour Drop-in Centre ${stamp}`;
const LOCATION = `Drop-in laptops ${stamp}`;

async function noHorizontalOverflow(page, what) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth,
  }));
  assert.ok(scroll <= client, `${what} is wider than the screen: ${scroll}px content in a ${client}px window`);
}

describe('esafe browser UI', { timeout: 180000 }, () => {
  let server;
  let tmp;
  let browser;
  let page;
  let base;
  let password;
  const problems = [];  // script errors and CSP violations seen anywhere during the run

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    assert.ok(fs.existsSync(ESAFE_BIN), `no esafe binary at ${ESAFE_BIN}`);
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-browser-'));
    // The shipped profiles file, so the site's filtering profile can be set.
    const profiles = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../data/filter/profiles.yaml');
    server = startServer(ESAFE_BIN, tmp, await freePort(), ['--profiles', profiles]);
    ({ url: base, password } = await server.ready);
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`);
    });
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    if (server && server.child.exitCode === null) {
      server.child.kill('SIGTERM');
      await new Promise((r) => { server.child.once('exit', r); setTimeout(r, 5000); });
      if (server.child.exitCode === null) server.child.kill('SIGKILL');
    }
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('signs in through the form', async () => {
    await page.goto(base);
    await page.getByRole('heading', { name: 'Sign in to esafe' }).waitFor();
    // A wrong password is refused with a message, and the form stays.
    await page.getByLabel('Username').fill('admin');
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await assert.doesNotReject(page.locator('#signin-error').getByText('not right').waitFor());
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    const header = await page.locator('header').innerText();
    assert.match(header, /admin/);
    assert.match(header, /Sign out/);
    const nav = await page.getByRole('navigation', { name: 'Main' }).innerText();
    for (const item of ['Dashboard', 'Agencies', 'Sites', 'Internet access register', 'People', 'Audit trail']) {
      assert.ok(nav.includes(item), `navigation lacks ${item}: ${nav}`);
    }
  });

  test('reports a missing required field next to that field', async () => {
    await page.goto(`${base}#/agencies`);
    await page.getByRole('button', { name: 'Add agency' }).click();
    await page.getByRole('heading', { name: 'Add an agency' }).waitFor();
    await page.getByLabel('Sector').selectOption('youth service');
    await page.getByLabel('Membership type').selectOption('other member');
    await page.getByRole('button', { name: 'Add agency' }).click();
    const nameField = page.locator('[data-field="name"]');
    const error = nameField.locator('.field-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.innerText(), /Name is required/);
    // Only the empty field is marked, the input says so to screen readers, and it has the focus.
    assert.equal(await page.locator('.field-error:visible').count(), 1);
    const input = page.getByLabel(/^Name/);
    assert.equal(await input.getAttribute('aria-invalid'), 'true');
    assert.ok((await input.getAttribute('aria-describedby')).includes(await error.getAttribute('id')));
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), await input.getAttribute('id'));
    // Nothing was sent: still on the form.
    assert.match(page.url(), /#\/agencies\/new$/);
  });

  test('adds an agency through the UI', async () => {
    await page.getByLabel(/^Name/).fill(AGENCY);
    await page.getByLabel('Phone').fill('01632 960123');
    await page.getByLabel('Email').fill('eslo@harbour.example');
    await page.getByRole('button', { name: 'Add agency' }).click();
    await page.getByRole('heading', { name: 'Agencies', level: 1 }).waitFor();
    await page.locator('#status').getByText(`Added the agency “${AGENCY}”`).waitFor();
    const row = page.locator('tbody tr', { has: page.getByRole('link', { name: AGENCY, exact: true }) });
    await row.waitFor();
    assert.match(await row.innerText(), /youth service/);
  });

  test('adds a site for that agency, showing the server\'s error next to the field', async () => {
    await page.goto(`${base}#/sites`);
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { name: 'Add a site' }).waitFor();
    await page.getByLabel('Agency').selectOption({ label: AGENCY });
    await page.getByLabel(/^Name/).fill(SITE);
    await page.getByLabel(/^Type of site/).selectOption('youth club or group');
    await page.getByLabel('Postcode').fill('ZZ1 1ZZ');
    // The server checks IP ranges; its message must appear beside the IP ranges field.
    await page.getByLabel('IP ranges').fill('10.99.0.0/24\n10.99.1.0/33');
    await page.getByRole('button', { name: 'Add site' }).click();
    const ipError = page.locator('[data-field="ip_ranges"] .field-error');
    await ipError.waitFor({ state: 'visible' });
    assert.match(await ipError.innerText(), /10\.99\.1\.0\/33/);
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'f-ip_ranges');
    await page.getByLabel('IP ranges').fill('10.99.0.0/24, 10.99.1.0/24');
    await page.getByRole('button', { name: 'Add site' }).click();
    await page.getByRole('heading', { name: 'Sites', level: 1 }).waitFor();
    const row = page.locator('tbody tr', { has: page.getByRole('link', { name: SITE, exact: true }) });
    await row.waitFor();
    const text = await row.innerText();
    assert.ok(text.includes(AGENCY), `the site row does not name its agency: ${text}`);
    assert.ok(text.includes('10.99.0.0/24, 10.99.1.0/24'), `the site row lacks its IP ranges: ${text}`);
  });

  test('sets the site\'s filtering profile from its page, with the error beside the field', async () => {
    await page.goto(`${base}#/sites`);
    await page.getByRole('link', { name: SITE, exact: true }).click();
    await page.getByRole('heading', { name: `Edit site: ${SITE}` }).waitFor();
    const panel = page.getByRole('region', { name: 'Filtering profile' });
    await panel.waitFor();
    assert.match(await panel.locator('#site-profile-current').innerText(), /No profile is set/);
    const select = panel.getByLabel('Profile', { exact: true });
    // Saving without choosing: the server's message appears beside the select, which gets focus.
    await panel.getByRole('button', { name: 'Save profile' }).click();
    const error = panel.locator('.field-error');
    await error.waitFor({ state: 'visible' });
    assert.match(await error.innerText(), /secondary/);
    assert.equal(await select.getAttribute('aria-invalid'), 'true');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'site-profile-select');
    // By keyboard: choose a profile and save.
    await select.focus();
    await select.selectOption('secondary');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('#status').getByText('this site is now filtered with the profile “secondary”').waitFor();
    assert.equal(await error.isVisible(), false);
    assert.match(await panel.locator('#site-profile-current').innerText(), /Current profile: secondary/);
    // Read back after a reload.
    await page.reload();
    await page.getByRole('heading', { name: `Edit site: ${SITE}` }).waitFor();
    const again = page.getByRole('region', { name: 'Filtering profile' }).getByLabel('Profile', { exact: true });
    await again.waitFor();
    assert.equal(await again.inputValue(), 'secondary');
  });

  test('adds an access location at that site', async () => {
    await page.goto(`${base}#/register`);
    await page.getByRole('button', { name: 'Add access location' }).click();
    await page.getByRole('heading', { name: 'Add an access location' }).waitFor();
    await page.getByLabel('Site').selectOption({ label: SITE });
    await page.getByLabel(/^Name/).fill(LOCATION);
    await page.getByLabel(/^Type of access/).selectOption('laptops');
    await page.getByLabel('Number of devices').fill('12');
    await page.getByRole('group', { name: 'Age groups' }).getByLabel('11-16').check();
    await page.getByRole('group', { name: 'Age groups' }).getByLabel('16-18').check();
    await page.getByLabel(/^Equipment owned by/).selectOption('agency');
    await page.getByLabel('Connection provider').fill('Harbour Broadband');
    await page.getByLabel('Filtering provider', { exact: true }).fill('Harbour Filter Ltd');
    // Not accredited, monitored, last reviewed two years ago: the register must flag it.
    await page.getByLabel('Monitoring in place').check();
    const twoYearsAgo = new Date(Date.now() - 2 * 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);
    await page.getByLabel('Last reviewed').fill(twoYearsAgo);
    await page.getByRole('button', { name: 'Add access location' }).click();
    await page.getByRole('heading', { name: 'Internet access register', level: 1 }).waitFor();
    await page.locator('#status').getByText(`Added the access location “${LOCATION}”`).waitFor();
  });

  test('the Internet access register lists the new location with its agency and site', async () => {
    await page.goto(`${base}#/register`);
    const h1 = page.getByRole('heading', { level: 1 });
    assert.equal((await h1.innerText()).trim(), 'Internet access register');
    const row = page.locator('tbody tr', { has: page.getByRole('link', { name: LOCATION, exact: true }) });
    await row.waitFor();
    const text = await row.innerText();
    assert.ok(text.includes(AGENCY), `the register row lacks the agency name: ${text}`);
    assert.ok(text.includes(SITE), `the register row lacks the site name: ${text}`);
    assert.match(text, /laptops/);
    assert.match(text, /\b12\b/);
    assert.match(text, /11-16, 16-18/);
    assert.match(text, /Harbour Filter Ltd/);
    assert.match(text, /Not accredited/);
    assert.match(text, /Review overdue/);
    assert.doesNotMatch(text, /No monitoring/);
    await page.screenshot({ path: path.join(SHOTS, 'register.png'), fullPage: true });

    // Searching by name narrows the table to it.
    await page.getByLabel('Search by name').fill(stamp);
    await page.locator('#result-count').getByText('1 access location match').waitFor();
    assert.equal(await page.locator('tbody tr').count(), 1);
  });

  test('the dashboard draws the figures, on a desktop and on a phone', async () => {
    await page.goto(`${base}#/`);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    const rings = page.locator('figure.ring svg[role="img"]');
    assert.equal(await rings.count(), 3);
    const label = await rings.first().evaluate((svg) => svg.querySelector('desc').textContent);
    assert.match(label, /\d+ of \d+ \(\d+%\)/);
    assert.ok(await page.locator('figure.chart').count() >= 2, 'the dashboard lacks its bar charts');
    // The administrator's deployment health panel: each check with its status in words.
    const health = page.getByRole('region', { name: /Deployment health/ });
    await health.waitFor();
    const database = health.getByRole('row', { name: /OK database reachable/ });
    assert.equal(await database.count(), 1, 'the panel lacks the database check');
    const demo = health.locator('tr', { has: page.getByRole('rowheader', { name: 'demo accounts', exact: true }) });
    assert.match(await demo.locator('td').first().textContent(), /Warning/);
    assert.match(await demo.textContent(), /--demo/);
    // The text equivalent of the sector chart gives the same figures as the API, including the new agency.
    const summary = await page.evaluate(() => fetch('/api/v1/summary', { credentials: 'same-origin' }).then((r) => r.json()));
    const shown = await page.locator('figure.chart', { hasText: 'Agencies by sector' }).locator('tbody tr').evaluateAll(
      (trs) => Object.fromEntries(trs.map((tr) => [tr.cells[0].textContent, Number(tr.cells[1].textContent)])));
    assert.deepEqual(shown, summary.agencies_by_sector);
    assert.ok(shown['youth service'] >= 1);
    await noHorizontalOverflow(page, 'the dashboard at 1280px');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-desktop.png'), fullPage: true });

    await page.setViewportSize({ width: 375, height: 812 });
    await page.waitForTimeout(200);
    await noHorizontalOverflow(page, 'the dashboard at 375px');
    await page.screenshot({ path: path.join(SHOTS, 'dashboard-mobile.png'), fullPage: true });

    await page.goto(`${base}#/register`);
    await page.locator('tbody tr', { has: page.getByRole('link', { name: LOCATION, exact: true }) }).waitFor();
    await noHorizontalOverflow(page, 'the register at 375px');
    await page.screenshot({ path: path.join(SHOTS, 'register-mobile.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  test('the audit trail records the new agency', async () => {
    await page.goto(`${base}#/audit`);
    await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
    await page.getByLabel('Record type').selectOption('agency');
    await page.getByLabel('Action').selectOption('create');
    const rows = page.locator('tbody tr');
    await rows.first().waitFor();
    const text = await page.locator('table').innerText();
    assert.match(text, /create/);
    assert.match(text, /agency #\d+/);
    assert.match(text, /admin/);
  });

  test('deletes a record only after confirmation', async () => {
    await page.goto(`${base}#/register`);
    await page.getByRole('link', { name: LOCATION, exact: true }).click();
    await page.getByRole('heading', { name: `Edit access location: ${LOCATION}` }).waitFor();
    // Cancelling the confirmation keeps the record.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Are you sure?' });
    await dialog.waitFor();
    assert.match(await dialog.innerText(), new RegExp(LOCATION));
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.match(page.url(), /#\/register\/\d+$/);
    // Confirming deletes it.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete access location' }).click();
    await page.getByRole('heading', { name: 'Internet access register', level: 1 }).waitFor();
    await page.locator('#status').getByText(`Deleted the access location “${LOCATION}”`).waitFor();
    await page.locator('tbody tr').first().waitFor();
    assert.equal(await page.getByRole('link', { name: LOCATION, exact: true }).count(), 0);
  });

  test('no script errors or Content-Security-Policy violations', () => {
    assert.deepEqual(problems, []);
  });
});
