// Browser test of the activity log page: the library's e-safety officer runs a report through
// the wizard (what: hosts containing "tiktok"; when: the default last week; who/where: blocked
// requests; format: XLSX), watches the progress bar reach 100 % and done, downloads the XLSX and
// reads it back (an .xlsx is a zip: unzip -p its worksheet) to check its rows against what the
// JSON API's search counts for the same query. A bad IP range is sent back to its step with the
// server's message. The server runs `esafe serve --demo --activity-log DIR`, which fills the
// empty log with a demonstration fortnight.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test activity.test.mjs
// Screenshots go to $BUILD_DIR/screenshots/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort, startServer, stopServer, apiClient, signedInPage } from './support.mjs';

const ESAFE_BIN = process.env.ESAFE_BIN;
const BUILD_DIR = process.env.BUILD_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = BUILD_DIR ? path.join(BUILD_DIR, 'screenshots') : null;

describe('esafe activity log page', { timeout: 180000 }, () => {
  let server; let tmp; let browser; let context; let page; let base; let password; let api;
  const problems = [];

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-activity-browser-'));
    server = startServer(ESAFE_BIN, tmp, await freePort(), ['--activity-log', path.join(tmp, 'activity')]);
    ({ url: base, password } = await server.ready);
    base = base.replace(/\/$/, '');
    api = await apiClient(base, 'library.eslo', password);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London', acceptDownloads: true });
    page = await signedInPage(context, base, 'library.eslo', password, problems);
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    await stopServer(server);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('the demonstration log was written and its summary is charted', async () => {
    assert.match(server.ready && (await server.ready).out, /wrote \d+ demonstration filtering decisions/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Activity log' }).click();
    await page.getByRole('heading', { name: 'Activity log', level: 1 }).waitFor();
    await page.locator('#blocked-chart .week-group').first().waitFor();
    const weeks = await page.locator('#blocked-chart .week-group').count();
    assert.ok(weeks >= 2, `a fortnight spans at least two ISO weeks, got ${weeks}`);
    const summary = await api('GET', '/api/v1/activity/summary');
    assert.equal(weeks, summary.weeks.length);
    assert.equal(await page.locator('#blocked-chart .week-group').first().getAttribute('data-blocked'), String(summary.weeks[0].blocked));
    await page.screenshot({ path: path.join(SHOTS, 'activity-desktop.png'), fullPage: true });
  });

  test('a bad IP range is sent back to its step with the server\'s reason', async () => {
    await page.getByLabel('Web site (host name)').fill('tiktok');
    await page.getByRole('radio', { name: 'Contains' }).first().check();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Step 2 of 4: When').waitFor();
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel('Computer addresses (IP range)').fill('10.20.1.7/16');
    await page.locator('#w-action').selectOption('block');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByText('Step 4 of 4: Format').waitFor();
    await page.getByRole('button', { name: 'Run report' }).click();
    await page.locator('#w-cidr-field.field--invalid').waitFor();
    assert.match(await page.locator('#wizard-error').innerText(), /cidr '10\.20\.1\.7\/16' is not an address or a network/);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'w-cidr');
    assert.equal(await page.locator('#wizard-position').innerText(), 'Step 3 of 4: Who and where');
  });

  test('a report runs to done and its XLSX holds what the search finds', async () => {
    await page.getByLabel('Computer addresses (IP range)').fill('');
    await page.getByRole('button', { name: 'Next' }).click();
    await page.getByLabel(/Spreadsheet \(XLSX\)/).check();
    await page.screenshot({ path: path.join(SHOTS, 'activity-wizard-format.png'), fullPage: false });
    await page.getByRole('button', { name: 'Run report' }).click();
    const bar = page.locator('progress#report-progress');
    await bar.waitFor();
    assert.equal(await page.getByLabel('Report progress').evaluate((el) => el.tagName), 'PROGRESS');
    await page.locator('#report-panel[data-state="done"]').waitFor({ timeout: 60000 });
    assert.equal(await bar.evaluate((el) => el.value), 100);
    assert.equal(await bar.evaluate((el) => el.max), 100);
    assert.match(await page.locator('#report-state').innerText(), /^Done: \d+ requests? found\.$/);
    await page.screenshot({ path: path.join(SHOTS, 'activity-report-done.png'), fullPage: false });

    const link = page.locator('#report-download');
    const href = await link.getAttribute('href');
    const id = /reports\/([0-9a-f]{32})\/download$/.exec(href)[1];
    const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
    const file = path.join(tmp, 'report.xlsx');
    await download.saveAs(file);
    assert.match(download.suggestedFilename(), /^activity-report\.xlsx$|^activity-\d{4}-\d{2}-\d{2}-[0-9a-f]{8}\.xlsx$/);
    assert.equal(fs.readFileSync(file).subarray(0, 2).toString(), 'PK');

    // libxlsxwriter's constant-memory mode writes strings inline in the worksheet.
    const sheet = execFileSync('unzip', ['-p', file, 'xl/worksheets/sheet1.xml'], { maxBuffer: 64 << 20 }).toString();
    const rows = [...sheet.matchAll(/<row [^>]*>(.*?)<\/row>/gs)].map((m) => [...m[1].matchAll(/<t[^>]*>([^<]*)<\/t>/g)].map((t) => t[1]));
    assert.deepEqual(rows[0].slice(0, 5), ['time', 'client', 'user', 'site', 'agency']);
    const data = rows.slice(1);

    // The same query through the API, with the time slot the report ran with.
    const job = await api('GET', `/api/v1/activity/reports/${id}`);
    assert.equal(job.state, 'done');
    const q = new URLSearchParams({ host: 'tiktok', host_match: 'substring', action: 'block', from: job.query.from, to: job.query.to, count_by: 'host' });
    const counted = await api('GET', `/api/v1/activity/search?${q}`);
    assert.ok(counted.total > 0, 'the demonstration log has blocked TikTok requests in the last week');
    assert.equal(data.length, counted.total);
    assert.equal(job.rows, counted.total);
    const hostCol = rows[0].indexOf('host');
    const actionCol = rows[0].indexOf('action');
    assert.ok(data.some((r) => r[hostCol] === 'www.tiktok.com'));
    assert.ok(data.every((r) => r[hostCol].includes('tiktok') && r[actionCol] === 'block'));
    // The officer's report holds only their own agency's events.
    const agencyCol = rows[0].indexOf('agency');
    const agencies = new Set(data.map((r) => r[agencyCol]));
    const me = await api('GET', '/api/v1/session');
    assert.deepEqual([...agencies], [String(me.user.agency_id)]);
  });

  test('quick search lists requests, and the page works on a phone', async () => {
    await page.getByLabel('Web site', { exact: true }).fill('bet365');
    await page.locator('#quick-search').getByRole('button', { name: 'Search' }).click();
    await page.locator('#search-count').waitFor();
    const shown = await page.locator('#search-table tbody tr').count();
    const api_rows = await api('GET', '/api/v1/activity/search?host=bet365&host_match=substring&limit=100');
    assert.equal(shown, api_rows.rows.length);

    await page.setViewportSize({ width: 390, height: 844 });
    await page.locator('#page-title').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'activity-phone.png'), fullPage: false });
    await page.locator('#report-wizard').screenshot({ path: path.join(SHOTS, 'activity-phone-wizard.png') });
    await page.locator('#search-table tbody tr').first().screenshot({ path: path.join(SHOTS, 'activity-phone-row.png') });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    const wide = await page.evaluate(() => [...document.querySelectorAll('body *')]
      .filter((el) => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
      .slice(0, 5).map((el) => `${el.tagName}#${el.id}.${el.className && el.className.baseVal === undefined ? el.className : ''}`));
    assert.ok(overflow <= 1, `the page scrolls sideways by ${overflow}px on a phone: ${wide.join(', ')}`);
    assert.deepEqual(problems, []);
  });
});
