// esafe browser UI: signs in, draws the shell and routes #/… addresses to pages.
import { api, setCsrfToken, whenSignedOut, ApiError } from './api.js';
import { h, clear, announce } from './dom.js';
import { ENTITIES } from './entities.js';
import { renderList, renderEdit } from './directory.js';
import { renderDashboard } from './dashboard.js';
import { renderAudit } from './audit.js';
import { renderPlan, renderTraining, renderDisclosures } from './plan.js';
import { renderAup, renderRetention } from './aup.js';
import { renderReport } from './incidents/report.js';
import { renderIncidents } from './incidents/list.js';
import { renderIncident } from './incidents/incident.js';
import { renderStatistics } from './incidents/statistics.js';
import { renderFlowcharts } from './incidents/flowcharts.js';
import { canReport } from './incidents/shared.js';
import { renderReviews } from './filtering.js';
import { renderAuditRounds, renderRiskAssessments } from './standards.js';
import { renderAlerts, renderAlert, newAlertCount, ALERT_ROLES } from './alerts.js';
import { renderActivity, ACTIVITY_ROLES } from './activity.js';
import { renderSurveys } from './surveys.js';
import { renderAccounts, renderYourAccount } from './accounts.js';

const ROLE_LABELS = {
  partnership_admin: 'Partnership administrator', partnership_lead: 'Partnership e-safety lead',
  agency_officer: 'Agency e-safety officer', agency_staff: 'Agency staff', board_member: 'Board member', auditor: 'Auditor',
};

const NAV = [
  { route: '', label: 'Dashboard' },
  { route: 'agencies', label: 'Agencies' },
  { route: 'sites', label: 'Sites', hide: ['board_member'] },
  { route: 'register', label: 'Internet access register', hide: ['board_member'] },
  { route: 'people', label: 'People', hide: ['board_member'] },
  { route: 'alerts', label: 'Alerts', only: ALERT_ROLES },
  { route: 'incidents', label: 'Incidents', hide: ['board_member', 'auditor'] },
  { route: 'statistics', label: 'Incident statistics' },
  { route: 'flowcharts', label: 'Flowcharts', only: ['partnership_admin', 'partnership_lead'] },
  { route: 'plan', label: 'Action plan' },
  { route: 'training', label: 'Training', hide: ['board_member'] },
  { route: 'aup', label: 'Acceptable use' },
  { route: 'audit-rounds', label: 'Annual audit', hide: ['agency_staff'] },
  { route: 'risk-assessments', label: 'Risk assessments', hide: ['board_member'] },
  { route: 'disclosures', label: 'Disclosure requests', only: ['partnership_admin', 'agency_officer'] },
  { route: 'reviews', label: 'Filter reviews', hide: ['board_member'] },
  { route: 'activity', label: 'Activity log', only: ACTIVITY_ROLES },
  { route: 'surveys', label: 'Young people\'s surveys' },
  { route: 'audit', label: 'Audit trail', only: ['partnership_admin', 'auditor'] },
  { route: 'retention', label: 'Retention', only: ['partnership_admin'] },
  { route: 'accounts', label: 'Accounts', only: ['partnership_admin'] },
  { route: 'account', label: 'Your account' },
];

let user = null;
const main = () => document.getElementById('main');

// A session that must first change a reset password or set up two-step sign-in can
// use only the Your account page (the server refuses everything else).
const mustSetUp = () => Boolean(user && user.setup && user.setup !== 'none');

function allowed(item) {
  if (!user) return false;
  if (mustSetUp()) return item.route === 'account';
  if (item.only && !item.only.includes(user.role)) return false;
  if (item.hide && item.hide.includes(user.role)) return false;
  return true;
}

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, qs = ''] = raw.split('?');
  return { parts: path.split('/').filter(Boolean).map(decodeURIComponent), params: new URLSearchParams(qs) };
}

function drawShell() {
  const signedIn = Boolean(user);
  document.getElementById('who').hidden = !signedIn;
  document.getElementById('site-nav').hidden = !signedIn;
  // 'Report an incident' is one click from every page for everyone who records incidents.
  document.getElementById('report-link').hidden = !canReport(user);
  const list = clear(document.getElementById('nav-list'));
  if (!signedIn) return;
  document.getElementById('who-name').textContent = user.display_name || user.username;
  const roleLabel = ROLE_LABELS[user.role] || user.role;
  const roleEl = document.getElementById('who-role');
  roleEl.textContent = roleLabel;
  // Say the role once: some accounts are named after it.
  roleEl.hidden = (user.display_name || '').toLowerCase() === roleLabel.toLowerCase();
  if (roleEl.hidden) document.getElementById('who-name').textContent = `${user.display_name} (${user.username})`;
  for (const item of NAV.filter(allowed)) {
    list.append(h('li', {}, h('a', { href: `#/${item.route}`, dataset: { route: item.route } }, item.label)));
  }
  showAlertCount();
}

// 'Alerts (3 new)' in the navigation: fetched after the shell is drawn and again
// whenever the alerts pages are shown (a decision changes it).
async function showAlertCount() {
  const link = document.querySelector('#nav-list a[data-route="alerts"]');
  if (!link) return;
  const n = await newAlertCount(user);
  if (n === null || !link.isConnected) return;
  const old = link.querySelector('.nav-count');
  if (old) old.remove();
  if (n > 0) link.append(' ', h('span', { class: 'nav-count', id: 'alert-count' }, String(n), h('span', { class: 'visually-hidden' }, ' new')));
}

function markCurrent(route) {
  for (const a of document.querySelectorAll('#nav-list a')) {
    if (a.dataset.route === route) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
}

let renderSeq = 0;
async function route() {
  const mine = ++renderSeq;
  const { parts, params } = parseHash();
  const m = main();
  if (!user) { renderSignIn(); return; }
  let section = parts[0] || '';
  if (mustSetUp() && section !== 'account') {
    history.replaceState(null, '', '#/account');
    section = 'account';
  }
  markCurrent(section);
  const item = NAV.find((n) => n.route === section);
  clear(m);
  m.append(h('p', { class: 'loading' }, 'Loading…'));
  const page = h('div', { class: 'page' });
  let focus = null;
  let title = 'esafe';
  try {
    if (item && !allowed(item)) {
      throw new ApiError(403, { error: 'Your role cannot see this page.' });
    } else if (section === '') {
      focus = await renderDashboard(page, params, { user });
      title = 'Dashboard';
    } else if (section === 'reviews') {
      focus = await renderReviews(page, params, { user });
      title = 'Filtering review requests';
    } else if (section === 'activity') {
      focus = await renderActivity(page, params, { user });
      title = 'Activity log';
    } else if (section === 'audit') {
      focus = await renderAudit(page, params, { user });
      title = 'Audit trail';
    } else if (section === 'report') {
      focus = await renderReport(page, params, { user });
      title = 'Report an incident';
    } else if (section === 'alerts' && parts.length === 1) {
      focus = await renderAlerts(page, params, { user });
      title = 'Alerts';
      showAlertCount();
    } else if (section === 'alerts' && parts.length === 2) {
      focus = await renderAlert(page, parts[1], params, { user });
      title = `Alert ${parts[1]}`;
      showAlertCount();
    } else if (section === 'incidents' && parts.length === 1) {
      focus = await renderIncidents(page, params, { user });
      title = 'Incidents';
    } else if (section === 'incidents' && parts.length === 2) {
      focus = await renderIncident(page, parts[1], params, { user });
      title = `Incident ${parts[1]}`;
    } else if (section === 'statistics') {
      focus = await renderStatistics(page, params, { user });
      title = 'Incident statistics';
    } else if (section === 'flowcharts') {
      focus = await renderFlowcharts(page, params, { user });
      title = 'Response flowcharts';
    } else if (section === 'plan') {
      focus = await renderPlan(page, params, { user });
      title = 'Action plan';
    } else if (section === 'audit-rounds') {
      focus = await renderAuditRounds(page, parts, params, { user });
      title = 'Annual e-safety audit';
    } else if (section === 'risk-assessments') {
      focus = await renderRiskAssessments(page, parts, params, { user });
      title = 'Infrastructure risk assessments';
    } else if (section === 'training') {
      focus = await renderTraining(page, params, { user });
      title = 'Training register';
    } else if (section === 'surveys') {
      focus = await renderSurveys(page, parts, params, { user });
      title = 'Young people\'s surveys';
    } else if (section === 'aup') {
      focus = await renderAup(page, params, { user });
      title = 'Acceptable use';
    } else if (section === 'retention') {
      focus = await renderRetention(page, params, { user });
      title = 'Retention of records';
    } else if (section === 'accounts') {
      focus = await renderAccounts(page, params, { user });
      title = 'Accounts';
    } else if (section === 'account') {
      focus = await renderYourAccount(page, params, { user, onDone: refreshSession });
      title = 'Your account';
    } else if (section === 'disclosures') {
      focus = await renderDisclosures(page, params, { user });
      title = 'Disclosure requests';
    } else if (ENTITIES[section] && parts.length === 1) {
      focus = await renderList(page, ENTITIES[section], params, { user });
      title = ENTITIES[section].title;
    } else if (ENTITIES[section] && parts.length === 2) {
      focus = await renderEdit(page, ENTITIES[section], parts[1], params, { user });
      title = `${parts[1] === 'new' ? 'Add' : 'Edit'} ${ENTITIES[section].singular} — ${ENTITIES[section].title}`;
    } else {
      page.append(h('h1', { tabindex: '-1' }, 'Page not found'), h('p', {}, 'There is no page at this address. ', h('a', { href: '#/' }, 'Go to the dashboard'), '.'));
      focus = page.querySelector('h1');
      title = 'Page not found';
    }
  } catch (e) {
    if (mine !== renderSeq) return;
    if (e instanceof ApiError && e.status === 401) return;  // the sign-in page is already showing
    clear(page).append(h('h1', { tabindex: '-1' }, e.status === 404 ? 'Not found' : e.status === 403 ? 'Not available to you' : 'Something went wrong'),
      h('div', { class: 'notice notice--error', role: 'alert' }, h('p', {}, e.message || String(e))),
      h('p', {}, h('a', { href: '#/' }, 'Go to the dashboard')));
    focus = page.querySelector('h1');
    title = 'Problem';
  }
  if (mine !== renderSeq) return;
  clear(m).append(page);
  document.title = `${title} — esafe`;
  if (focus && !firstRender) focus.focus({ preventScroll: false });
  else if (!firstRender) m.focus();
  firstRender = false;
}
let firstRender = true;

function renderSignIn(message) {
  ++renderSeq;
  user = null;
  drawShell();
  document.title = 'Sign in — esafe';
  const err = h('div', { class: 'notice notice--error', role: 'alert', id: 'signin-error', hidden: !message }, message || '');
  const username = h('input', { id: 'signin-username', name: 'username', type: 'text', autocomplete: 'username', required: true, autocapitalize: 'off', spellcheck: 'false', maxlength: 64 });
  const password = h('input', { id: 'signin-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true, maxlength: 256 });
  const code = h('input', { id: 'signin-totp', name: 'totp', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: 6, pattern: '[0-9]{6}' });
  const codeField = h('div', { class: 'field', hidden: true }, h('label', { for: 'signin-totp' }, 'Code from your authenticator app'), code);
  const button = h('button', { type: 'submit', class: 'button button--wide', id: 'signin-submit' }, 'Sign in');
  const form = h('form', { class: 'signin', novalidate: true, 'aria-labelledby': 'signin-title' },
    h('h1', { id: 'signin-title', tabindex: '-1' }, 'Sign in to esafe'),
    h('p', { class: 'intro' }, 'The e-safety register and records of the safeguarding partnership.'),
    err,
    h('div', { class: 'field' }, h('label', { for: 'signin-username' }, 'Username'), username),
    h('div', { class: 'field' }, h('label', { for: 'signin-password' }, 'Password'), password),
    codeField,
    button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const fail = (msg, field) => {
      err.textContent = msg; err.hidden = false;
      (field === 'password' ? password : field === 'username' || !username.value ? username : password).focus();
    };
    if (!username.value.trim()) return fail('Enter your username.', 'username');
    if (!password.value) return fail('Enter your password.', 'password');
    button.disabled = true;
    try {
      const body = { username: username.value.trim(), password: password.value };
      if (!codeField.hidden && code.value.trim()) body.totp = code.value.replace(/\s/g, '');
      const s = await api('POST', '/api/v1/session', body, { quiet401: true });
      signedIn(s);
      announce(`Signed in as ${user.display_name || user.username}.`, 'good');
      firstRender = false;
      route();
    } catch (ex) {
      if (ex.status === 401 && ex.field === 'totp') {
        // The password was right; the account signs in with a code as well.
        const asked = codeField.hidden || !code.value;
        codeField.hidden = false;
        code.value = '';
        err.textContent = asked ? 'Enter the 6-digit code from your authenticator app.' : ex.message;
        err.hidden = false;
        code.focus();
        return;
      }
      password.value = '';
      fail(ex.status === 401 ? 'The username or password is not right. Check them and try again.' : ex.message);
    } finally {
      button.disabled = false;
    }
  });
  clear(main()).append(h('div', { class: 'page page--narrow' }, form));
  username.focus();
}

// After the password is changed or two-step sign-in set up: what the session may do now.
async function refreshSession() {
  signedIn(await api('GET', '/api/v1/session'));
  if (!mustSetUp()) history.replaceState(null, '', '#/');
  route();
}

function signedIn(s) {
  user = s.user;
  setCsrfToken(s.csrf_token);
  drawShell();
}

async function signOut() {
  try { await api('DELETE', '/api/v1/session', undefined, { quiet401: true }); } catch { /* signed out anyway */ }
  setCsrfToken(null);
  user = null;
  history.replaceState(null, '', '#/');
  renderSignIn();
  announce('You have signed out.');
}

whenSignedOut(() => { if (user) { user = null; renderSignIn('Your session has ended. Sign in again to carry on.'); } });

document.addEventListener('DOMContentLoaded', async () => {
  document.getElementById('sign-out').addEventListener('click', signOut);
  document.getElementById('skip-link').addEventListener('click', (e) => {
    e.preventDefault();
    const target = main().querySelector('h1') || main();
    target.setAttribute('tabindex', '-1');
    target.focus();
  });
  window.addEventListener('hashchange', () => { if (location.hash === '' || location.hash.startsWith('#/')) route(); });
  try {
    signedIn(await api('GET', '/api/v1/session', undefined, { quiet401: true }));
    route();
  } catch (e) {
    renderSignIn(e.status === 401 ? undefined : e.message);
  }
});
