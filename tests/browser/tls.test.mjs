// Browser test of serve over HTTPS: with a certificate made here, sign-in works, the session
// cookie is Secure, and the plain-HTTP --http-redirect port sends the browser to HTTPS.
//
// Run: ESAFE_BIN=/path/to/esafe BUILD_DIR=/path/to/build node --test tls.test.mjs
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { freePort, startServer, stopServer, signedInPage } from './support.mjs';

const ESAFE_BIN = process.env.ESAFE_BIN;
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';

describe('esafe over HTTPS', { timeout: 60000 }, () => {
  let server; let tmp; let browser; let context; let base; let password; let redirectPort;
  const problems = [];

  before(async () => {
    assert.ok(ESAFE_BIN, 'set ESAFE_BIN to the esafe binary');
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'esafe-tls-browser-'));
    const cert = path.join(tmp, 'cert.pem');
    const key = path.join(tmp, 'key.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', cert],
    { stdio: 'ignore' });
    redirectPort = await freePort();
    server = startServer(ESAFE_BIN, tmp, await freePort(),
      ['--tls-cert', cert, '--tls-key', key, '--http-redirect', `127.0.0.1:${redirectPort}`]);
    ({ url: base, password } = await server.ready);
    base = base.replace(/\/$/, '');
    assert.match(base, /^https:\/\//);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
    context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-GB' });
  });

  after(async () => {
    if (browser) await browser.close().catch(() => {});
    await stopServer(server);
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  test('sign-in over HTTPS sets a Secure cookie; plain HTTP redirects to HTTPS', async () => {
    const page = await signedInPage(context, base, 'admin', password, problems);
    const session = (await context.cookies(base)).find((c) => c.name === 'esafe_session');
    assert.ok(session, 'no session cookie after sign-in');
    assert.equal(session.secure, true);
    assert.equal(session.httpOnly, true);

    const response = await page.goto(`http://127.0.0.1:${redirectPort}/`);
    assert.equal(page.url(), `${base}/`);
    assert.equal(response.request().redirectedFrom()?.url(), `http://127.0.0.1:${redirectPort}/`);
    assert.equal((await response.request().redirectedFrom().response()).status(), 308);
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    assert.deepEqual(problems, []);
  });
});
