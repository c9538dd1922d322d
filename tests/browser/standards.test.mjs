// Browser test of the annual audit: the library's e-safety officer fills in and submits this year's return
// (a validation error naming the question on the way, an evidence note, a gap accepted into the action plan);
// then the partnership lead sees it arrive and opens the board report. Screenshots of the report, of its radar
// chart and of the return form (laptop and phone widths) and the PDF the server prints go to
// $BUILD_DIR/screenshots/ for people to look at.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test standards.test.mjs
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
const LIBRARY = 'County Library Service';

describe('esafe annual audit and board report', { timeout: 240000 }, () => {
  let server; let tmp; let browser; let base; let password;
  const problems = [];

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-standards-browser-'));
    server = startServer(ESAFE_BIN, tmp, await freePort());
    ({ url: base, password } = await server.ready);
    base = base.replace(/\/$/, '');
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
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

  async function signedInPage(username, viewport = { width: 1280, height: 900 }) {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/London', acceptDownloads: true });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`); });
    await page.goto(base);
    await page.getByLabel('Username').fill(username);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    return page;
  }

  const question = (page, id) => page.locator(`[data-question="${id}"]`);

  test('an agency officer fills in and submits the return', async () => {
    const page = await signedInPage('library.eslo');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Annual audit' }).click();
    await page.getByRole('heading', { name: 'Annual e-safety audit', level: 1 }).waitFor();
    // A reminder: this year's return is not in yet.
    const reminder = page.locator('.reminder').first();
    assert.match(await reminder.innerText(), /Your return is due/);
    await reminder.getByRole('link', { name: 'Fill in your return' }).click();
    await page.getByRole('heading', { name: new RegExp(`Annual e-safety return: ${LIBRARY}`), level: 1 }).waitFor();
    assert.match(await page.locator('#return-status').innerText(), /Not started/);

    // Submitting with nothing answered lists every unanswered question by name.
    await page.getByRole('button', { name: 'Submit return' }).click();
    const summary = page.locator('#return-errors');
    await summary.waitFor();
    assert.match(await summary.innerText(), /Does the agency have an acceptable-use policy/);
    assert.match(await summary.innerText(), /How far have e-safety policies developed/);

    // Answer everything: an AUP gap, every other yes/no yes, a level for each aspect.
    const yesNo = await page.locator('.question--yes_no').evaluateAll((els) => els.map((e) => e.dataset.question));
    for (const id of yesNo) await question(page, id).getByLabel(id === 'aup_in_place' ? 'No' : 'Yes', { exact: true }).check();
    const levels = await page.locator('.question--level').evaluateAll((els) => els.map((e) => e.dataset.question));
    assert.ok(levels.length >= 5, `aspects: ${levels}`);
    for (const [i, id] of levels.entries()) await question(page, id).locator('label').filter({ hasText: `Level ${2 + (i % 3)}` }).click();
    await question(page, 'aup_reviewed').locator('input').fill('2026-09-01');
    await question(page, 'staff_trained_share').locator('input').fill('72');
    await question(page, 'logs_kept_days').locator('input').fill('90');
    await question(page, 'incidents_reported').locator('input').fill('6');
    await question(page, 'filtering_provider_kind').locator('select').selectOption('regional broadband consortium');
    await question(page, 'aup_in_place').getByText('Add an evidence note').click();
    await page.locator('#note-aup_in_place').fill('Draft AUP for public PCs goes to the library board in January.');

    // A share over 100 is refused by the server, naming the question.
    await question(page, 'aup_signed_share').locator('input').fill('150');
    await page.getByRole('button', { name: 'Save draft' }).click();
    const error = question(page, 'aup_signed_share').locator('.field-error');
    await error.waitFor();
    assert.match(await error.innerText(), /number from 0 to 100/i);
    assert.match(await summary.innerText(), /What share of users have signed the current acceptable-use policy/);
    await page.screenshot({ path: path.join(SHOTS, 'audit-return-error.png'), fullPage: false });
    await page.setViewportSize({ width: 390, height: 844 });
    await question(page, 'policy_level').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(SHOTS, 'audit-return-phone.png') });
    await page.setViewportSize({ width: 1280, height: 900 });

    await question(page, 'aup_signed_share').locator('input').fill('85');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.locator('#status', { hasText: 'Draft saved' }).waitFor();
    assert.equal(await summary.isHidden(), true);

    // The AUP gap is a suggested action the agency accepts into the action plan.
    const gap = page.locator('.gap[data-question="aup_in_place"]');
    await gap.waitFor();
    await gap.getByRole('button', { name: 'Add to the action plan' }).click();
    await gap.getByText('In the action plan').waitFor();

    await page.getByRole('button', { name: 'Submit return' }).click();
    await page.locator('#submitted-notice').waitFor();
    assert.match(await page.locator('#return-status').innerText(), /Submitted/);
    assert.equal(await question(page, 'aup_in_place').getByLabel('No', { exact: true }).isChecked(), true);
    assert.equal(await page.getByRole('button', { name: 'Submit return' }).count(), 0, 'a submitted return has no submit button');
    await page.screenshot({ path: path.join(SHOTS, 'audit-return-submitted.png'), fullPage: true });

    // The accepted action is on the plan, led by the library.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Action plan' }).click();
    await page.locator('tr', { hasText: 'Write or adopt an acceptable-use policy for each user group' }).first().waitFor();
    await page.context().close();
  });

  test('the partnership lead sees the return arrive and the board report', async () => {
    const page = await signedInPage('lead');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Annual audit' }).click();
    const year = new Date().getFullYear();
    await page.getByRole('link', { name: `Annual e-safety return ${year}` }).click();
    const row = page.locator('#round-returns tr', { hasText: LIBRARY });
    await row.waitFor();
    assert.match(await row.innerText(), /Submitted/);
    // The demo's youth service has only a draft in: received is one short of expected.
    const received = Number(await page.locator('#stat-received .stat__n').innerText());
    const expected = Number(await page.locator('#stat-expected .stat__n').innerText());
    assert.equal(received, expected - 1);
    await page.screenshot({ path: path.join(SHOTS, 'audit-round.png'), fullPage: true });

    await page.getByRole('link', { name: 'Board report', exact: true }).click();
    await page.getByRole('heading', { name: new RegExp(`E-safety board report: Annual e-safety return ${year}`), level: 1 }).waitFor();
    assert.equal(await page.locator('#figure-received').innerText(), String(received));
    for (const id of ['coverage-chart', 'trend-chart', 'radar-chart']) assert.equal(await page.locator(`#${id}`).count(), 1, id);
    assert.equal(await page.locator('#coverage-chart .bar-fill').count(), 5);
    assert.equal(await page.locator('#trend-chart .series').count(), 5);
    // Show the library on the radar against the partnership average.
    const libraryId = await page.locator('#agency_id option', { hasText: LIBRARY }).getAttribute('value');
    await page.locator('#agency_id').selectOption(libraryId);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.locator('#radar-chart .radar-agency').waitFor();
    assert.match(await page.locator('#table-levels').innerText(), new RegExp(LIBRARY));
    // The AUP measure counts the library's "no".
    assert.match(await page.locator('#table-measures').innerText(), /An acceptable-use policy/);
    // The incident section states the small-count rule (the demo records no incidents, so its table is empty).
    assert.match(await page.locator('#incidents').innerText(), /fewer than 5/);
    await page.screenshot({ path: path.join(SHOTS, 'board-report.png'), fullPage: true });
    await page.locator('figure.radar').screenshot({ path: path.join(SHOTS, 'radar.png') });

    // Every table exports as CSV and XLSX.
    const csv = await page.request.get(`${base}/api/v1/audit-rounds/${await roundId(page)}/report.csv?table=measures`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /^Measure,Agencies with it,Of returns received,Share/);
    const xlsx = await page.request.get(`${base}/api/v1/audit-rounds/${await roundId(page)}/report.xlsx`);
    assert.equal(xlsx.status(), 200);
    assert.equal((await xlsx.body()).subarray(0, 2).toString(), 'PK');

    // The same report on a phone.
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
      storageState: await page.context().storageState() });
    const small = await phone.newPage();
    await small.goto(page.url());
    await small.locator('#radar-chart').waitFor();
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 1, `the report is wider than a phone by ${overflow}px`);
    await small.screenshot({ path: path.join(SHOTS, 'board-report-phone.png'), fullPage: true });
    await small.screenshot({ path: path.join(SHOTS, 'board-report-phone-top.png') });
    await small.locator('#levels').screenshot({ path: path.join(SHOTS, 'board-report-phone-levels.png') });
    await phone.close();

    // The lead sends a submitted return back for correction with a comment; it is no longer counted.
    await page.goto(`${base}/#/audit-rounds/${await roundFromReport(page)}`);
    const riverside = page.locator('#round-returns tr', { hasText: 'Riverside Primary School' });
    await riverside.locator('summary', { hasText: 'Return for correction' }).click();
    await riverside.getByLabel('What must Riverside Primary School correct?').fill('Please add the date the AUP was last reviewed.');
    await riverside.getByRole('button', { name: 'Return for correction' }).click();
    await page.locator('#round-returns tr', { hasText: 'Riverside Primary School' }).getByText('Returned for correction').waitFor();
    assert.equal(Number(await page.locator('#stat-received .stat__n').innerText()), received - 1);
    await page.context().close();
    assert.deepEqual(problems, []);
  });

  test('the board report renders to PDF on the server', async (t) => {
    if (!fs.existsSync('/usr/bin/chromium') && !process.env.ESAFE_CHROMIUM) {
      t.skip('Chromium is not installed, so the server cannot print the report to PDF');
      return;
    }
    const page = await signedInPage('lead');
    const rounds = await (await page.request.get(`${base}/api/v1/audit-rounds`)).json();
    const res = await page.request.get(`${base}/api/v1/audit-rounds/${rounds[0].id}/report.pdf`, { timeout: 90000 });
    assert.equal(res.status(), 200, await res.text().catch(() => ''));
    assert.equal(res.headers()['content-type'], 'application/pdf');
    const pdf = await res.body();
    assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
    assert.ok(pdf.length > 10000, `a PDF of ${pdf.length} bytes is too small to hold the report`);
    fs.writeFileSync(path.join(SHOTS, 'board-report.pdf'), pdf);
    await page.context().close();
  });
});

async function roundFromReport(page) {
  return roundId(page);
}

async function roundId(page) {
  return /audit-rounds\/(\d+)\/report/.exec(page.url())[1];
}
