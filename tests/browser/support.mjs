// What every browser test needs: a free loopback port, `esafe serve --demo` started on it with a
// throw-away SQLite database, and a signed-in JSON API client for setting records up.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// Starts `esafe serve --demo` in `dir` and resolves `ready` with {url, password, out} once it has
// printed its address and the demo password. `extraArgs` go after the standard ones.
export function startServer(bin, dir, port, extraArgs = []) {
  const child = spawn(bin, ['serve', '--db', `sqlite:${path.join(dir, 'esafe.db')}`, '--listen', `127.0.0.1:${port}`,
    '--demo', ...extraArgs], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`esafe did not start within 30 s.\nstdout:\n${out}\nstderr:\n${err}`)), 30000);
    const check = () => {
      const url = /(https?:\/\/\S+)/.exec(out);
      const pw = /sign in as admin with password (\S+)/.exec(out);
      if (url && pw) { clearTimeout(timer); resolve({ url: url[1], password: pw[1], out }); }
    };
    child.stdout.on('data', (d) => { out += d; check(); });
    child.stderr.on('data', (d) => { err += d; });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`esafe exited early (code ${code}, signal ${signal}).\nstdout:\n${out}\nstderr:\n${err}`));
    });
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
  });
  return { child, ready };
}

// A JSON API client signed in as `username`; every call must succeed or the test fails with the
// method, path, status and body.
export async function apiClient(base, username, password) {
  const res = await fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ username, password }) });
  assert.equal(res.status, 200);
  const cookie = res.headers.get('set-cookie').split(';')[0];
  const { csrf_token: csrf } = await res.json();
  return async (method, p, body) => {
    const r = await fetch(`${base}${p}`, { method, headers: { 'Content-Type': 'application/json', Cookie: cookie, 'X-CSRF-Token': csrf },
      body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await r.text();
    assert.ok(r.ok, `${method} ${p}: ${r.status} ${text}`);
    return text ? JSON.parse(text) : null;
  };
}

// Stops a server from startServer: SIGTERM, then SIGKILL if it has not exited within 5 s.
export async function stopServer(server) {
  if (!server || server.child.exitCode !== null) return;
  server.child.kill('SIGTERM');
  await new Promise((r) => { server.child.once('exit', r); setTimeout(r, 5000); });
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
}

// Opens a page in `context`, records script errors and CSP refusals in `problems` (each test
// asserts it stays empty), and signs in through the login form as `username`.
export async function signedInPage(context, base, username, password, problems) {
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
