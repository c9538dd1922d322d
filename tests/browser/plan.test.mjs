// Browser test of the plan pages: changes an action's status on the action plan and sees the board's
// RAG+blue summary (drawn as SVG) change; records a training attendance and sees the person move from
// 'Never trained' to 'Up to date'. The records the pages act on are set up through the JSON API first.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test plan.test.mjs
// Screenshots go to $BUILD_DIR/screenshots/.
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
const stamp = Date.now().toString(36);

describe('esafe plan pages', { timeout: 180000 }, () => {
  let server; let tmp; let browser; let page; let base; let password; let api;
  const problems = [];
  const ACTION = `Filter the youth club laptops ${stamp}`;

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-plan-browser-'));
    server = startServer(ESAFE_BIN, tmp, await freePort());
    ({ url: base, password } = await server.ready);
    base = base.replace(/\/$/, '');
    api = await apiClient(base, 'admin', password);
    const strands = await api('GET', '/api/v1/plan/strands');
    const objective = await api('POST', '/api/v1/plan/objectives', { strand_id: strands[3].id, title: `Accredited filtering everywhere ${stamp}` });
    await api('POST', '/api/v1/plan/actions', { objective_id: objective.id, title: ACTION, lead: 'Dan Murphy', timescale: 'By summer', due_date: '2099-07-31' });
    const course = await api('POST', '/api/v1/training/courses', { title: `Thinkuknow ${stamp}`, provider: 'CEOP Thinkuknow', audiences: ['those who work with children'], refresher_months: 36 });
    await api('POST', '/api/v1/training/sessions', { course_id: course.id, held_on: new Date().toISOString().slice(0, 10), venue: 'Eastfield Youth Club' });
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    page = await signedInPage(context, base, 'admin', password, problems);
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    await stopServer(server);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  const counts = () => page.locator('#rag-summary').evaluate((el) => ({ ...el.dataset }));

  test('changing an action\'s status changes the RAG summary', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Action plan' }).click();
    await page.getByRole('heading', { name: 'Strategy and action plan', level: 1 }).waitFor();
    await page.locator('#rag-chart').waitFor();
    const before = await counts();
    const row = page.locator('tr', { hasText: ACTION });
    assert.match(await row.locator('.rag').innerText(), /Not achieved/);
    await page.screenshot({ path: path.join(SHOTS, 'plan-before.png'), fullPage: true });
    await row.getByLabel(`Status of ${ACTION}`).selectOption('achieved_evolving');
    await page.locator('tr', { hasText: ACTION }).locator('.rag--blue').waitFor();
    const after = await counts();
    assert.equal(Number(after.not_achieved), Number(before.not_achieved) - 1, JSON.stringify({ before, after }));
    assert.equal(Number(after.achieved_evolving), Number(before.achieved_evolving) + 1);
    // The SVG's whole-plan bar has a blue segment with the new count.
    const blue = page.locator('#rag-chart .rag-row').first().locator('rect[data-status="achieved_evolving"]');
    assert.equal(await blue.getAttribute('data-count'), after.achieved_evolving);
    await page.screenshot({ path: path.join(SHOTS, 'plan-after.png'), fullPage: true });
    // The history records the change.
    const action = (await api('GET', '/api/v1/plan/actions')).find((a) => a.title === ACTION);
    const full = await api('GET', `/api/v1/plan/actions/${action.id}`);
    assert.equal(full.updates.at(-1).status, 'achieved_evolving');
  });

  test('recording attendance moves a person from never trained to up to date', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Training' }).click();
    await page.getByRole('heading', { name: 'Training register', level: 1 }).waitFor();
    const row = page.locator('#training-people tr', { hasText: 'Dan Murphy' });
    assert.equal((await row.locator('.training-status').innerText()).trim(), 'Never trained');
    await page.screenshot({ path: path.join(SHOTS, 'training-before.png'), fullPage: true });
    await page.getByLabel('Session').selectOption({ label: await page.locator('#attend-session option', { hasText: `Thinkuknow ${stamp}` }).innerText() });
    await page.getByLabel('Person').selectOption({ label: await page.locator('#attend-person option', { hasText: 'Dan Murphy' }).innerText() });
    await page.getByRole('button', { name: 'Record attendance' }).click();
    await page.locator('#training-people tr', { hasText: 'Dan Murphy' }).locator('.training-status', { hasText: 'Up to date' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'training-after.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });
});
