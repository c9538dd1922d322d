// Browser test of the review flow of issue 4, end to end through the real enforcement point: Chromium browses
// through a real Squid (Debian's squid 5) on loopback that asks `esafe icap` about every request. From a
// pupil-profile address a listed adult URL gets the block page; the pupil follows its 'request a review' link to
// the web app's public /blocked page and submits the form; the library's e-safety officer signs in, sees the
// request in the review list and approves it; the approval writes override version 1, `esafe icap --db`
// notices it within a poll interval, and the same URL then passes through Squid. The requester's status page
// shows the approval.
//
// The client address that Squid and the web app see is 127.0.0.1 (Chromium cannot choose its source address):
// the profiles file maps 127.0.0.1/32 to the pupil profile of the County Library Service, and a directory site
// of that agency holds 127.0.0.1/32 so that the web app files the request under the same agency.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test filter-review.test.mjs
// Screenshots go to $BUILD_DIR/screenshots/. Skipped when squid is not installed.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort, apiClient } from './support.mjs';

const ESAFE_BIN = process.env.ESAFE_BIN;
const BUILD_DIR = process.env.BUILD_DIR;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SQUID = '/usr/sbin/squid';
const SHOTS = BUILD_DIR ? path.join(BUILD_DIR, 'screenshots') : null;

function canConnect(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

// A child process in its own process group (Squid starts helpers), its output kept for failure messages.
function start(bin, args, dir, name) {
  const child = spawn(bin, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const log = { out: '', err: '' };
  child.stdout.on('data', (d) => { log.out += d; });
  child.stderr.on('data', (d) => { log.err += d; });
  return { child, log, name };
}

async function waitForPort(port, proc, seconds) {
  for (let i = 0; i < seconds * 10; i += 1) {
    if (await canConnect(port)) return;
    if (proc.child.exitCode !== null) break;
    await new Promise((r) => { setTimeout(r, 100); });
  }
  throw new Error(`${proc.name} did not start.\nstdout:\n${proc.log.out}\nstderr:\n${proc.log.err}`);
}

async function stop(proc) {
  if (!proc || proc.child.exitCode !== null) return;
  try { process.kill(-proc.child.pid, 'SIGTERM'); } catch { /* gone */ }
  await new Promise((r) => { proc.child.once('exit', r); setTimeout(r, 5000); });
  if (proc.child.exitCode === null) { try { process.kill(-proc.child.pid, 'SIGKILL'); } catch { /* gone */ } }
}

function write(file, text, mode = 0o644) {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o777 });
  fs.writeFileSync(file, text);
  fs.chmodSync(file, mode);
}

const haveSquid = fs.existsSync(SQUID);

describe('esafe filter review: block page -> request -> officer approves -> URL passes', { timeout: 240000, skip: !haveSquid && 'squid is not installed' }, () => {
  let tmp; let serve; let icap; let squid; let origin; let browser;
  let base; let password; let adminApi; let blockedUrl; let squidPort;
  const problems = [];

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    assert.ok(BUILD_DIR, 'set BUILD_DIR to where screenshots should go');
    fs.mkdirSync(SHOTS, { recursive: true });
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-review-browser-'));
    fs.chmodSync(tmp, 0o777);  // Squid's helpers and logs run as the proxy user

    // The origin: answers every request with "origin: <Host>".
    origin = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.end(`origin: ${req.headers.host}\n`);
    });
    await new Promise((r) => { origin.listen(0, '127.0.0.1', r); });
    blockedUrl = `http://adult.test:${origin.address().port}/pics/page`;

    // The web app, with the demo partnership; the County Library Service gets a site holding 127.0.0.1.
    const webPort = await freePort();
    const dbUrl = `sqlite:${path.join(tmp, 'esafe.db')}`;
    write(path.join(tmp, 'lists/adult/domains'), 'adult.test\n');
    write(path.join(tmp, 'iwf.hashes'), `${crypto.createHash('sha256').update('mandatory.test/hidden').digest('hex')}\n`);
    write(path.join(tmp, 'profiles.yaml'), 'version: "browser-1"\ndefault_profile: pupil\nmandatory:\n'
      + '  - {category: iwf, file: iwf.hashes, format: hashes}\nprofiles:\n  - name: pupil\n    block: [adult]\n'
      + '  - name: staff\n');
    serve = start(ESAFE_BIN, ['serve', '--db', dbUrl, '--listen', `127.0.0.1:${webPort}`, '--demo',
      '--profiles', path.join(tmp, 'profiles.yaml')], tmp, 'esafe serve');
    await waitForPort(webPort, serve, 30);
    for (let i = 0; i < 50 && !/password (\S+)/.test(serve.log.out); i += 1) await new Promise((r) => { setTimeout(r, 100); });
    password = /sign in as admin with password (\S+)/.exec(serve.log.out)[1];
    base = `http://127.0.0.1:${webPort}`;
    adminApi = await apiClient(base, 'admin', password);
    const library = (await adminApi('GET', '/api/v1/agencies')).find((a) => a.name === 'County Library Service');
    await adminApi('POST', '/api/v1/sites', { agency_id: library.id, name: 'Library test bench', site_type: 'library', ip_ranges: ['127.0.0.1/32'] });
    fs.appendFileSync(path.join(tmp, 'profiles.yaml'),
      `clients:\n  - {cidr: 127.0.0.1/32, profile: pupil, site: Library test bench, agency: ${library.id}}\n`);

    // esafe icap on the same database, polling its override version every second.
    const icapPort = await freePort();
    icap = start(ESAFE_BIN, ['icap', '--listen', `127.0.0.1:${icapPort}`, '--profiles', path.join(tmp, 'profiles.yaml'),
      '--lists', path.join(tmp, 'lists'), '--db', dbUrl, '--poll-overrides', '1', '--review-url', `${base}/blocked`,
      '--decision-log', path.join(tmp, 'decisions.jsonl')], tmp, 'esafe icap');
    await waitForPort(icapPort, icap, 20);

    // Squid asks esafe icap about every request; its hosts file sends adult.test to the origin.
    squidPort = await freePort();
    write(path.join(tmp, 'hosts'), '127.0.0.1 adult.test\n');
    write(path.join(tmp, 'squid.conf'), [
      `http_port 127.0.0.1:${squidPort}`, `pid_filename ${tmp}/squid.pid`, `cache_log ${tmp}/cache.log`,
      `access_log ${tmp}/access.log`, `coredump_dir ${tmp}`, `hosts_file ${tmp}/hosts`, 'dns_nameservers 127.0.0.1',
      'cache deny all', 'cache_mem 8 MB', 'shutdown_lifetime 1 seconds', 'netdb_filename none',
      'acl clients src 127.0.0.0/8', 'icap_enable on', 'icap_preview_enable on', 'adaptation_send_client_ip on',
      `icap_service esafe_req reqmod_precache icap://127.0.0.1:${icapPort}/reqmod bypass=off`,
      'adaptation_access esafe_req allow all', 'http_access allow clients', 'http_access deny all',
      ...(process.getuid() === 0 ? ['cache_effective_user proxy'] : []), ''].join('\n'));
    squid = start(SQUID, ['-N', '-f', path.join(tmp, 'squid.conf')], tmp, 'squid');
    await waitForPort(squidPort, squid, 30);

    // Chromium goes through Squid for adult.test; loopback (the web app) is never proxied.
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
        '--disable-component-update', '--disable-sync', `--proxy-server=http://127.0.0.1:${squidPort}`] });
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    await stop(squid);
    await stop(icap);
    await stop(serve);
    if (origin) origin.close();
    if (tmp && !process.env.ESAFE_KEEP_TEMP) fs.rmSync(tmp, { recursive: true, force: true });
  });

  async function newPage() {
    const context = await browser.newContext({ viewport: { width: 1100, height: 900 }, locale: 'en-GB', timezoneId: 'Europe/London' });
    const page = await context.newPage();
    page.setDefaultTimeout(15000);
    page.on('pageerror', (e) => problems.push(`script error: ${e.message}`));
    page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy|Refused to/i.test(m.text())) problems.push(`CSP: ${m.text()}`); });
    return page;
  }

  let reference; let statusUrl;

  test('the pupil gets the block page and asks for a review from it', async () => {
    const page = await newPage();
    const blocked = await page.goto(blockedUrl);
    assert.equal(blocked.status(), 403, await page.content());
    await page.getByRole('heading', { name: 'This page has been blocked' }).waitFor();
    assert.match(await page.locator('body').innerText(), /listed in the category "adult", which is blocked for the "pupil" filtering profile/);
    await page.screenshot({ path: path.join(SHOTS, 'filter-block-page.png'), fullPage: true });

    await page.getByRole('link', { name: 'request a review' }).click();
    await page.locator('#review-form').waitFor();
    assert.ok(page.url().startsWith(`${base}/blocked?url=`), page.url());
    assert.equal(await page.locator('#blocked-url').innerText(), blockedUrl);
    await page.getByLabel('Why should it be unblocked? (optional)').fill('Art history homework on classical sculpture');
    await page.getByLabel('How can we tell you the answer? (optional)').fill('Sam, Year 9');
    await page.screenshot({ path: path.join(SHOTS, 'filter-review-form.png'), fullPage: true });
    await page.getByRole('button', { name: 'Ask for a review' }).click();
    await page.locator('#review-reference').waitFor();
    assert.ok(page.url().startsWith(`${base}/blocked/status?reference=`), page.url());
    reference = (await page.locator('#review-reference').innerText()).trim();
    assert.match(reference, /^[A-Za-z0-9_-]{16}$/);
    assert.equal(await page.locator('#review-status').getAttribute('data-status'), 'pending');
    statusUrl = page.url();
    await page.screenshot({ path: path.join(SHOTS, 'filter-review-status-pending.png'), fullPage: true });
    await page.context().close();
  });

  test('the library e-safety officer approves it and the URL then passes through Squid', async () => {
    const page = await newPage();
    await page.goto(base);
    await page.getByLabel('Username').fill('library.eslo');
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Filter reviews' }).click();
    await page.getByRole('heading', { name: 'Filtering review requests', level: 1 }).waitFor();
    const card = page.locator('article.review', { hasText: '/pics/page' });
    await card.waitFor();
    const text = await card.innerText();
    assert.match(text, /Library test bench, County Library Service/);
    assert.match(text, /Art history homework on classical sculpture/);
    assert.match(text, /adult \(category\), profile pupil/);
    await page.screenshot({ path: path.join(SHOTS, 'filter-officer-review-list.png'), fullPage: true });

    await card.getByLabel('Reason (the requester sees it)').fill('Needed for the Year 9 art project');
    await card.getByRole('button', { name: 'Approve: unblock it' }).click();
    await page.locator('#status', { hasText: 'override version 1' }).waitFor();
    await page.getByRole('link', { name: 'Approved' }).click();
    await page.locator('article.review[data-status="approved"]', { hasText: '/pics/page' }).waitFor();
    await page.screenshot({ path: path.join(SHOTS, 'filter-officer-approved.png'), fullPage: true });

    // The approval is audited with who, when and why.
    const audit = await adminApi('GET', '/api/v1/audit-events?entity=filter_override_version');
    assert.equal(audit.length, 1);
    assert.equal(audit[0].username, 'library.eslo');
    assert.match(audit[0].summary, /allow adult\.test\/pics\/page \(Needed for the Year 9 art project\)/);

    // esafe icap picks the new override version up without a restart; then the URL passes.
    const pupil = await newPage();
    let passed = null;
    for (let i = 0; i < 30 && !passed; i += 1) {
      const r = await pupil.goto(blockedUrl);
      if (r.status() === 200) passed = await pupil.locator('body').innerText();
      else await new Promise((res) => { setTimeout(res, 500); });
    }
    assert.ok(passed, `still blocked after the approval; icap said:\n${icap.log.err}`);
    assert.match(passed, /origin: adult\.test/);
    assert.match(icap.log.err, /reloaded browser-1\/[0-9a-f]{12}\/lists-[0-9a-f]{16}\/overrides-1/);
    // Only the approved path opened: the rest of the site stays blocked.
    const other = await pupil.goto(blockedUrl.replace('/pics/page', '/other'));
    assert.equal(other.status(), 403);

    // The requester sees the answer on their status page.
    await pupil.goto(statusUrl);
    assert.equal(await pupil.locator('#review-status').getAttribute('data-status'), 'approved');
    assert.equal(await pupil.locator('#review-decision-reason').innerText(), 'Needed for the Year 9 art project');
    await pupil.screenshot({ path: path.join(SHOTS, 'filter-review-status-approved.png'), fullPage: true });

    const decisions = fs.readFileSync(path.join(tmp, 'decisions.jsonl'), 'utf8');
    assert.match(decisions, /"reason":"override"/);
    assert.deepEqual(problems, []);
  });
});
