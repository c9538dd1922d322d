// Browser test of the young people's surveys: the partnership lead reads the current indicator
// values (API); a child on a phone-sized viewport, with no account, opens the setting's link,
// taps through the survey and sends it; a second submission from that phone is refused; the
// lead then sees the indicators move only in whole groups of answers, in the API and on the chart page.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test surveys.test.mjs
// Screenshots go to $BUILD_DIR/screenshots/.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort, startServer, apiClient } from './support.mjs';

const ESAFE_BIN = process.env.ESAFE_BIN;
const BUILD_DIR = process.env.BUILD_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SHOTS = BUILD_DIR ? path.join(BUILD_DIR, 'screenshots') : null;

describe('esafe young people\'s surveys', { timeout: 180000 }, () => {
  let server; let tmp; let browser; let base; let password; let lead;
  let survey; let code; let before8to11;
  const problems = [];

  const point = (indicators, id, year) => {
    const series = indicators.indicators.find((i) => i.id === id && i.age_band === '8-11');
    assert.ok(series, `indicator ${id} for 8-11`);
    return series.points.find((p) => p.year === year);
  };

  const watch = (page) => {
    page.setDefaultTimeout(15000);
    page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`); });
  };

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-surveys-browser-'));
    server = startServer(ESAFE_BIN, tmp, await freePort());
    ({ url: base, password } = await server.ready);
    base = base.replace(/\/$/, '');
    lead = await apiClient(base, 'lead', password);
    // The demo's open 8-11 survey and Riverside Primary School's code.
    const surveys = await lead('GET', '/api/v1/surveys');
    const open = surveys.find((s) => s.status === 'open' && s.age_band === '8-11');
    assert.ok(open, JSON.stringify(surveys));
    survey = await lead('GET', `/api/v1/surveys/${open.id}`);
    const riverside = survey.settings.find((s) => s.agency === 'Riverside Primary School');
    assert.ok(riverside, JSON.stringify(survey.settings));
    code = riverside.code;
    before8to11 = await lead('GET', '/api/v1/surveys/indicators');
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

  test('a child completes the survey on a phone without signing in; a second go is refused', async () => {
    const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2, locale: 'en-GB' });
    const page = await phone.newPage();
    watch(page);
    await page.goto(`${base}/s/${code}`);
    await page.getByRole('heading', { name: 'Being safe online', level: 1 }).waitFor();
    assert.match(await page.locator('.survey__setting').innerText(), /Riverside Primary School/);
    // Big enough to tap: the start button is at least 48 CSS pixels high.
    const startBox = await page.getByRole('button', { name: 'Start' }).boundingBox();
    assert.ok(startBox.height >= 48, `start button ${startBox.height}px high`);
    await page.getByRole('button', { name: 'Start' }).tap();

    const next = () => page.locator('#survey-next').tap();
    const progress = () => page.locator('#survey-progress').innerText();
    // 1. Where do you go online? — a required question refuses an empty answer, in plain words.
    await page.getByRole('heading', { name: 'Where do you go online?' }).waitFor();
    assert.equal(await progress(), 'Question 1 of 9');
    await next();
    await page.getByText('Please tap at least one answer.').waitFor();
    await page.getByRole('checkbox', { name: 'At home' }).tap();
    await page.getByRole('checkbox', { name: 'At school' }).tap();
    await page.screenshot({ path: path.join(SHOTS, 'survey-phone-question.png') });
    await next();
    // 2. Devices
    await page.getByRole('heading', { name: 'What do you use to go online?' }).waitFor();
    await page.getByRole('checkbox', { name: 'A tablet' }).tap();
    await next();
    // 3. In the bedroom: the internet
    await page.getByRole('heading', { name: 'What can you use in your bedroom?' }).waitFor();
    await page.getByRole('checkbox', { name: 'The internet (Wi-Fi or mobile data)' }).tap();
    await next();
    // 4. Apps
    await page.getByRole('heading', { name: 'Which of these apps do you use?' }).waitFor();
    await page.getByRole('checkbox', { name: 'Video apps, like YouTube' }).tap();
    // "None of these" clears the others.
    await page.getByRole('checkbox', { name: 'None of these' }).tap();
    assert.equal(await page.getByRole('checkbox', { name: 'Video apps, like YouTube' }).isChecked(), false);
    await page.getByRole('checkbox', { name: 'Video apps, like YouTube' }).tap();
    assert.equal(await page.getByRole('checkbox', { name: 'None of these' }).isChecked(), false);
    await next();
    // 5. Upset: no
    await page.getByRole('heading', { name: 'Has something online upset you or made you worried?' }).waitFor();
    await page.getByRole('radio', { name: 'No' }).tap();
    await next();
    // 6. What was it? — optional, skipped
    await page.getByRole('heading', { name: 'What was it?' }).waitFor();
    await next();
    // 7. Who would you tell: a teacher
    await page.getByRole('heading', { name: 'If something online upset you, who would you tell first?' }).waitFor();
    await page.getByRole('radio', { name: 'A teacher' }).tap();
    await next();
    // 8. How safe: 4 of 5
    await page.getByRole('heading', { name: 'How safe do you feel when you are online?' }).waitFor();
    await page.locator('label[for="q-feel_safe-4"]').tap();
    await next();
    // 9. Anything else — optional; the last screen sends.
    await page.getByRole('heading', { name: 'Is there anything else you want to tell us?' }).waitFor();
    assert.equal(await progress(), 'Question 9 of 9');
    await page.getByRole('button', { name: 'Send my answers' }).tap();
    await page.getByRole('heading', { name: 'Thank you!' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'survey-phone-thanks.png') });

    // The same phone again: the page says it is done, and the server refuses a direct post.
    await page.goto(`${base}/s/${code}`);
    await page.getByRole('heading', { name: 'Already done' }).waitFor();
    const again = await page.evaluate(async (c) => {
      const s = await (await fetch(`/api/v1/public/surveys/${c}`)).json();
      const r = await fetch(`/api/v1/public/surveys/${c}/responses`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ form_token: s.form_token, answers: { who_tell: 'teacher' } }) });
      return { status: r.status, body: await r.json() };
    }, code);
    assert.equal(again.status, 409, JSON.stringify(again));
    assert.match(again.body.error, /already sent your answers/);
    await phone.close();
    assert.deepEqual(problems, []);
  });

  test('the partnership lead sees the indicators change', async () => {
    const after = await lead('GET', '/api/v1/surveys/indicators');
    const year = survey.year;
    // Results move only in whole groups of a setting's answers, so one child's answer is
    // counted with the rest of its group, never alone (issue 19, finding 5; the exact
    // differencing is tested in tests/surveys/survey_routes_test.cc).
    const results = await lead('GET', `/api/v1/surveys/${survey.id}/results`);
    const riverside = results.cells.find((c) => c.agency === 'Riverside Primary School');
    assert.ok(riverside.received - riverside.respondents < results.step, JSON.stringify(riverside));
    for (const id of ['would_tell_adult', 'bedroom_internet']) {
      const was = point(before8to11, id, year);
      const now = point(after, id, year);
      assert.ok([0, results.step].includes(now.respondents - was.respondents), `${id}: ${JSON.stringify({ was, now })}`);
      assert.equal(now.percent, Math.round((1000 * now.count) / now.respondents) / 10, id);
    }

    const desk = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    const page = await desk.newPage();
    watch(page);
    await page.goto(base);
    await page.getByLabel('Username').fill('lead');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Young people\'s surveys' }).click();
    await page.getByRole('heading', { name: 'Young people\'s surveys', level: 1 }).waitFor();
    const now = point(after, 'would_tell_adult', year);
    const cell = page.locator(`table.survey-indicators[data-band="8-11"] tr[data-indicator="would_tell_adult"] td[data-year="${year}"]`);
    assert.equal(await cell.getAttribute('data-count'), String(now.count));
    assert.equal(await cell.getAttribute('data-respondents'), String(now.respondents));
    const bar = page.locator(`svg.survey-chart[data-band="8-11"] rect[data-indicator="would_tell_adult"][data-year="${year}"]`);
    assert.equal(await bar.getAttribute('data-percent'), String(now.percent));
    // Last year's bar is there too: the chart is year on year.
    assert.equal(await page.locator(`svg.survey-chart[data-band="8-11"] rect[data-indicator="would_tell_adult"][data-year="${year - 1}"]`).count(), 1);
    await page.locator('#survey-indicators').screenshot({ path: path.join(SHOTS, 'survey-indicators-chart.png') });

    // The survey's own page: codes per setting and the results table.
    await page.getByRole('link', { name: 'Being safe online' }).first().click();
    await page.locator('#survey-settings').waitFor();
    assert.match(await page.locator('#survey-settings').innerText(), new RegExp(code));
    await page.locator('#survey-results').waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'survey-lead-results.png'), fullPage: true });
    await desk.close();
    assert.deepEqual(problems, []);
  });
});
