// Browser test of the incident log: the library's e-safety officer records an incident through the
// flowchart walk (one plain question a screen), sees the required actions with their due times on the
// incident page, and escalates it to Riverside Primary School; the school's officer signs in on a phone,
// finds it under 'Shared with my agency' and acknowledges it; the library then sees the acknowledgement.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test incidents.test.mjs
// Screenshots (laptop and phone widths) go to $BUILD_DIR/screenshots/.
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
const LAPTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };

describe('esafe incident log', { timeout: 240000 }, () => {
  let server; let tmp; let browser; let base; let password;
  const problems = [];
  const DESCRIPTION = `At the Central Library a girl of 12 said a man she met in a game asks for webcam pictures ${stamp}`;
  let incidentId = null;

  async function signedInPage(username, viewport) {
    const context = await browser.newContext({ viewport, locale: 'en-GB', timezoneId: 'Europe/London', isMobile: viewport.width < 500, hasTouch: viewport.width < 500 });
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

  // How far the page scrolls sideways (0 when it fits the screen).
  const sideways = (page) => page.evaluate(() => Math.max(0, document.documentElement.scrollWidth - window.innerWidth));
  const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-incidents-browser-'));
    server = startServer(ESAFE_BIN, tmp, await freePort());
    let out;
    ({ url: base, password, out } = await server.ready);
    base = base.replace(/\/$/, '');
    // `make run` tells people which demo accounts there are.
    assert.match(out, /riverside\.eslo/);
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

  test('records an incident through the flowchart walk and sees the required actions with due times', async () => {
    const page = await signedInPage('library.eslo', LAPTOP);
    // One click from the dashboard (and every other page): the header link.
    await page.getByRole('link', { name: 'Report an incident' }).first().click();
    await page.getByRole('heading', { name: 'Report an incident', level: 1 }).waitFor();
    // Keyboard only for the first choice: the radio group and the Continue button.
    await page.getByLabel('A child tells you about abuse or grooming').focus();
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: /Is the child in danger right now/, level: 1 }).waitFor();
    assert.match(await page.locator('.walk__progress').innerText(), /question 1/);
    await shot(page, 'incident-walk-question-laptop');
    // Refused without an answer, with the reason shown.
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').filter({ hasText: 'Choose an answer' }).waitFor();
    await page.getByLabel('No, or I do not know').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'What has the child told you?', level: 1 }).waitFor();
    // Back returns to the previous question with its answer kept.
    await page.getByRole('button', { name: 'Back' }).click();
    await page.getByRole('heading', { name: /Is the child in danger right now/, level: 1 }).waitFor();
    assert.equal(await page.getByLabel('No, or I do not know').isChecked(), true);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'What has the child told you?', level: 1 }).waitFor();
    await page.getByLabel(/An adult or older person they met online/).check();
    await page.getByRole('button', { name: 'Continue' }).click();

    // The outcome: risk, what not to do, what to do by when, who to tell in order; then the form.
    await page.getByRole('heading', { name: 'Record the incident', level: 1 }).waitFor();
    const outcome = page.locator('#outcome');
    assert.match(await outcome.locator('.risk').innerText(), /significant risk/i);
    assert.ok(await outcome.locator('.must-not li').count() > 0, 'the outcome says what must not be done');
    assert.match(await outcome.locator('.outcome__actions').innerText(), /at once|within \d+ hours?/);
    assert.match(await outcome.locator('.outcome__tell').innerText(), /CEOP/);
    assert.equal(await page.locator('#inc-category').inputValue(), 'grooming');  // pre-filled from the flowchart
    await shot(page, 'incident-walk-outcome-laptop');
    await page.getByRole('button', { name: 'Record the incident' }).click();
    await page.getByRole('alert').filter({ hasText: 'Say how it came to light' }).waitFor();
    await page.getByLabel('How it came to light').selectOption('child_disclosure');
    await page.getByLabel('What happened').fill(DESCRIPTION);
    await page.getByLabel('Technology involved').fill('online game chat and webcam');
    await page.getByRole('button', { name: 'Record the incident' }).click();

    // The incident page: required actions with due times; those due at once are already overdue.
    await page.getByRole('heading', { name: /^Incident \d+: Grooming$/, level: 1 }).waitFor();
    incidentId = Number(/#\/incidents\/(\d+)/.exec(page.url())[1]);
    assert.ok(incidentId > 0);
    const rows = page.locator('#required-actions tbody tr');
    assert.ok(await rows.count() >= 3, 'the outcome\'s actions were stored');
    const dues = await page.locator('#required-actions tbody time.due').evaluateAll((els) => els.map((e) => e.getAttribute('datetime')));
    assert.ok(dues.length >= 3 && dues.every((d) => /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(d)), `due times: ${dues}`);
    assert.match(await page.locator('#required-actions').innerText(), /Tell CEOP/);
    // Actions due at once get the first hour (the phone call to social care may be under
    // way) before they are flagged overdue: reading the page again flags none yet.
    await page.waitForTimeout(1100);
    await page.reload();
    await page.getByRole('heading', { name: /^Incident \d+: Grooming$/, level: 1 }).waitFor();
    assert.equal(await page.locator('#required-actions tr.overdue').count(), 0, 'nothing is overdue in the first hour');
    assert.match(await page.locator('#required-actions').innerText(), /children.s social care/i);
    assert.match(await page.locator('.must-not').first().innerText(), /Do not/);
    assert.match(await page.locator('#summary, .facts').first().innerText(), new RegExp(stamp));
    await shot(page, 'incident-page-laptop');

    // Escalate to the child's school: pick another member agency.
    await page.getByLabel('Referred to').selectOption('member_agency');
    await page.getByLabel('Member agency').selectOption({ label: 'Riverside Primary School' });
    await page.getByLabel('Notes').fill('The girl attends Riverside Primary; the school\'s DSL needs to know today.');
    await page.getByRole('button', { name: 'Record the referral' }).click();
    await page.locator('#shares li', { hasText: 'Riverside Primary School' }).locator('.badge', { hasText: 'Waiting for acknowledgement' }).waitFor();
    // The dashboard does not yet list it among overdue actions (it is minutes old).
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    assert.equal(await page.locator('#overdue-actions').getByRole('link', { name: `Incident ${incidentId}` }).count(), 0);
    await page.context().close();
  });

  test('the other agency\'s officer acknowledges it, on a phone', async () => {
    assert.ok(incidentId, 'the first test recorded the incident');
    const page = await signedInPage('riverside.eslo', PHONE);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents', exact: true }).click();
    await page.getByRole('heading', { name: 'Incidents', level: 1 }).waitFor();
    const row = page.locator('#shared-with-me tr', { hasText: `Incident ${incidentId}` });
    assert.match(await row.innerText(), /County Library Service/);
    assert.equal(await sideways(page), 0, 'the shared list scrolls sideways on a phone');
    await shot(page, 'incident-shared-phone');
    // The shared part: no names, no evidence; the acknowledgement is offered there too.
    await row.getByRole('link', { name: `Incident ${incidentId}` }).click();
    await page.getByRole('heading', { name: /^Incident \d+: Grooming$/, level: 1 }).waitFor();
    await page.locator('#acknowledge-notice').waitFor();
    assert.equal(await page.locator('#evidence').count(), 0);
    assert.equal(await sideways(page), 0, 'the incident page scrolls sideways on a phone');
    await shot(page, 'incident-page-phone');
    await page.getByRole('button', { name: `Acknowledge incident ${incidentId}` }).click();
    await page.locator('.notice--good', { hasText: 'Your agency acknowledged this incident' }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incidents', exact: true }).click();
    await page.locator('#shared-with-me tr', { hasText: `Incident ${incidentId}` }).locator('.badge--good', { hasText: 'Acknowledged' }).waitFor();
    await page.context().close();
  });

  test('the recording agency sees the acknowledgement in the chronology', async () => {
    const page = await signedInPage('library.eslo', LAPTOP);
    await page.goto(`${base}/#/incidents/${incidentId}`);
    await page.locator('#shares li', { hasText: 'Riverside Primary School' }).locator('.badge--good', { hasText: 'Acknowledged by Amira Shah' }).waitFor();
    assert.match(await page.locator('#chronology').innerText(), /acknowledged by Riverside Primary School/i);
    // Marking it serious opens the Section 5 review, and the statistics page lists it for the sub-group.
    await page.locator('#serious summary').click();
    await page.getByLabel('Why it is serious').fill('An adult sought webcam images of a 12-year-old through a game.');
    await page.getByRole('button', { name: 'Mark serious and open the review' }).click();
    await page.locator('#serious .badge', { hasText: 'Review open' }).waitFor();
    await page.getByLabel('Why did the incident happen?').waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incident statistics' }).click();
    await page.locator('#serious-list').getByRole('link', { name: `Incident ${incidentId}` }).waitFor();
    await page.context().close();
  });

  test('the partnership publishes flowcharts; an invalid file is refused with its line and the old version stays', async () => {
    const page = await signedInPage('admin', LAPTOP);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Flowcharts' }).click();
    await page.getByRole('heading', { name: 'Response flowcharts', level: 1 }).waitFor();
    const row = page.locator('#flowchart-list tr', { hasText: 'suspicious-email' });
    assert.equal((await row.locator('td').first().innerText()).trim(), '2');
    const broken = 'id: suspicious-email\ntitle: Broken\nversion: 3\nnodes:\n  - id: start\n    question: Where next?\n    answers:\n      - {value: a, text: A, next: nowhere}\n';
    await page.getByLabel('Flowchart file (YAML)').setInputFiles({ name: 'suspicious-email.yaml', mimeType: 'application/yaml', buffer: Buffer.from(broken) });
    await page.getByRole('button', { name: 'Publish' }).click();
    const problems = page.locator('#publish-flowchart .problems');
    await problems.waitFor();
    assert.match(await problems.innerText(), /suspicious-email\.yaml:\d+: /);
    await shot(page, 'flowchart-publish-refused-laptop');
    await page.reload();
    await page.getByRole('heading', { name: 'Response flowcharts', level: 1 }).waitFor();
    assert.equal((await page.locator('#flowchart-list tr', { hasText: 'suspicious-email' }).locator('td').first().innerText()).trim(), '2');
    await page.context().close();
  });

  // Issue 16: an e-mail that may carry child abuse images. The outcome puts the IWF and police
  // first (never "your ICT support", who would be handed the material), keeps every prohibition
  // in the "Do not" box, and the incident page offers no upload control, only Chart 3's words.
  test('possibly illegal material: the right contacts first, and no upload control on the incident', async () => {
    const page = await signedInPage('library.eslo', LAPTOP);
    await page.getByRole('link', { name: 'Report an incident' }).first().click();
    await page.getByLabel('Suspicious or abusive e-mail').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'What does the e-mail contain?', level: 1 }).waitFor();
    await page.getByLabel(/I am not sure - it may contain pictures/).check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Record the incident', level: 1 }).waitFor();
    await page.locator('#outcome-illegal').waitFor();
    assert.match(await page.locator('#outcome-contacts h3').first().innerText(), /Illegal content/);
    assert.doesNotMatch(await page.locator('#outcome-contacts').textContent(), /ICT support/);
    assert.match(await page.locator('#outcome .must-not').innerText(), /copy and paste/);
    assert.doesNotMatch(await page.locator('#outcome .outcome__actions').innerText(), /do not/i);
    await shot(page, 'incident-illegal-outcome-laptop');
    await page.getByLabel('How it came to light').selectOption('staff_report');
    await page.getByLabel('What happened').fill('An e-mail to the enquiries address whose attachment is named like pictures of children. Not opened.');
    await page.getByRole('button', { name: 'Record the incident' }).click();
    await page.getByRole('heading', { name: /^Incident \d+: /, level: 1 }).waitFor();
    await page.locator('#evidence summary', { hasText: 'Register evidence' }).click();
    await page.getByLabel('What it is').fill('The e-mail, unopened, in the enquiries mailbox');
    await page.getByLabel('Where it is held').fill('A folder of its own in the enquiries mailbox');
    await page.getByLabel('Who secured it').fill('The e-safety officer');
    await page.getByRole('button', { name: 'Register the evidence' }).click();
    await page.locator('#evidence .evidence-item').first().waitFor();
    assert.match(await page.locator('#illegal-instruction').innerText(), /Chart 3/);
    assert.equal(await page.locator('#evidence input[type=file]').count(), 0, 'no upload control for possibly illegal material');
    await shot(page, 'incident-illegal-evidence-laptop');
    await page.context().close();
  });

  test('the walk reads well on a phone and the statistics draw the trend', async () => {
    const page = await signedInPage('library.eslo', PHONE);
    await page.getByRole('link', { name: 'Report an incident' }).first().click();
    await page.getByLabel('A child tells you about abuse or grooming').check();
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: /Is the child in danger right now/, level: 1 }).waitFor();
    assert.equal(await sideways(page), 0, 'the walk scrolls sideways on a phone');
    await shot(page, 'incident-walk-question-phone');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Incident statistics' }).click();
    await page.getByRole('heading', { name: 'Incident statistics', level: 1 }).waitFor();
    assert.ok(await page.locator('#trend svg .trend__period').count() >= 1);
    await shot(page, 'incident-statistics-phone');
    await page.context().close();
    assert.deepEqual(problems, []);
  });
});
