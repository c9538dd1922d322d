// Accounts (partnership administrators): list, add, disable/enable, reset password or
// two-step sign-in, unlock, see and end sessions. "Your account" (everyone): change your
// password, set up two-step sign-in, see and end your own sessions.
import { api } from './api.js';
import { h, clear, announce, confirmDialog, formatDateTime } from './dom.js';

const ROLES = [['partnership_admin', 'Partnership administrator'], ['partnership_lead', 'Partnership e-safety lead'],
  ['agency_officer', 'Agency e-safety officer'], ['agency_staff', 'Agency staff'], ['board_member', 'Board member'],
  ['auditor', 'Auditor']];
const ROLE_LABEL = Object.fromEntries(ROLES);
const AGENCY_ROLES = ['agency_officer', 'agency_staff'];

function field(id, label, input, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, input);
}

function errorBox() {
  return h('div', { class: 'notice notice--error', role: 'alert', hidden: true });
}

function showError(box, e) {
  box.textContent = e.message || String(e);
  box.hidden = false;
}

// The sessions of an account as a table with an End button on each; `path` lists them,
// `endPath(id)` ends one.
async function drawSessions(wrap, path, endPath, onChange) {
  const sessions = await api('GET', path);
  clear(wrap);
  if (!sessions.length) { wrap.append(h('p', {}, 'No live sessions.')); return; }
  wrap.append(h('table', { class: 'data data--sessions' },
    h('caption', { class: 'visually-hidden' }, 'Live sessions, most recently used first'),
    h('thead', {}, h('tr', {}, ['Signed in', 'Last seen', 'From IP', 'Browser', ''].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, sessions.map((s) => h('tr', {},
      h('td', { 'data-label': 'Signed in' }, formatDateTime(s.created_at)),
      h('td', { 'data-label': 'Last seen' }, formatDateTime(s.last_seen)),
      h('td', { 'data-label': 'From IP' }, s.ip || '—'),
      h('td', { 'data-label': 'Browser', class: 'user-agent' }, s.user_agent || '—'),
      h('td', { 'data-label': '' }, s.current ? h('span', { class: 'tag' }, 'This session')
        : h('button', { type: 'button', class: 'button button--secondary button--small',
          onclick: async () => {
            try {
              await api('DELETE', endPath(s.id));
              announce('Session ended.', 'good');
              await onChange();
            } catch (e) { announce(e.message, 'error'); }
          } }, 'End', h('span', { class: 'visually-hidden' }, ` the session signed in ${formatDateTime(s.created_at)}`))))))));
}

export async function renderAccounts(main, params, { user }) {
  const title = h('h1', { tabindex: '-1', id: 'page-title' }, 'Accounts');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Who can sign in to esafe. Disabling an account ends its sessions at once; every change is in the audit trail.')));
  const agencies = await api('GET', '/api/v1/agencies').catch(() => []);
  const agencyName = Object.fromEntries(agencies.map((a) => [a.id, a.name]));

  // Add an account
  const err = errorBox();
  const inputs = {
    username: h('input', { id: 'acc-username', type: 'text', required: true, maxlength: 64, autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' }),
    display_name: h('input', { id: 'acc-display-name', type: 'text', required: true, maxlength: 120 }),
    role: h('select', { id: 'acc-role' }, ROLES.map(([v, l]) => h('option', { value: v }, l))),
    agency_id: h('select', { id: 'acc-agency' }, h('option', { value: '' }, '— none —'), agencies.map((a) => h('option', { value: a.id }, a.name))),
    password: h('input', { id: 'acc-password', type: 'password', required: true, minlength: 10, maxlength: 256, autocomplete: 'new-password', 'aria-describedby': 'acc-password-hint' }),
  };
  inputs.role.value = 'agency_staff';
  const add = h('form', { class: 'record-form', novalidate: true, 'aria-label': 'Add an account' }, err,
    field('acc-username', 'Username', inputs.username),
    field('acc-display-name', 'Name', inputs.display_name),
    field('acc-role', 'Role', inputs.role),
    field('acc-agency', 'Agency (agency roles only)', inputs.agency_id),
    field('acc-password', 'First password', inputs.password, 'At least 10 characters. Give it to them in person.'),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button' }, 'Add the account')));
  add.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    const body = { username: inputs.username.value.trim(), display_name: inputs.display_name.value.trim(),
      role: inputs.role.value, password: inputs.password.value };
    if (AGENCY_ROLES.includes(body.role) && inputs.agency_id.value) body.agency_id = Number(inputs.agency_id.value);
    try {
      await api('POST', '/api/v1/accounts', body);
      announce(`Account ${body.username} added.`, 'good');
      add.reset();
      await refresh();
    } catch (ex) {
      showError(err, ex);
      (inputs[ex.field] || inputs.username).focus();
    }
  });
  const details = h('details', { class: 'add' }, h('summary', {}, 'Add an account'), add);

  const notice = h('div', { id: 'accounts-notice', 'aria-live': 'polite' });
  const wrap = h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'accounts-count', tabindex: '0' });
  const count = h('p', { class: 'result-count', id: 'accounts-count' });
  const sessionsPanel = h('section', { class: 'panel', id: 'account-sessions', hidden: true, 'aria-labelledby': 'account-sessions-title' });
  main.append(details, notice, count, wrap, sessionsPanel);

  async function act(label, method, path, done) {
    try {
      const r = await api(method, path);
      clear(notice);
      if (done) done(r); else announce(label, 'good');
      await refresh();
    } catch (e) {
      clear(notice).append(h('div', { class: 'notice notice--error', role: 'alert' }, e.message));
    }
  }

  async function showSessions(a) {
    sessionsPanel.hidden = false;
    const heading = h('h2', { id: 'account-sessions-title', tabindex: '-1' }, `Sessions of ${a.display_name}`);
    const list = h('div', {});
    const endAll = h('button', { type: 'button', class: 'button button--danger button--small', onclick: () => act(
      `Every session of ${a.username} ended.`, 'DELETE', `/api/v1/accounts/${a.id}/sessions`).then(() => load()) }, 'End all their sessions');
    const load = () => drawSessions(list, `/api/v1/accounts/${a.id}/sessions`, (sid) => `/api/v1/accounts/${a.id}/sessions/${encodeURIComponent(sid)}`, load);
    clear(sessionsPanel).append(heading, list, h('div', { class: 'actions' }, endAll));
    await load();
    heading.focus();
  }

  function actions(a) {
    const b = (label, onclick, cls = 'button--secondary', extra = '') => h('button', { type: 'button', class: `button ${cls} button--small`, onclick },
      label, h('span', { class: 'visually-hidden' }, ` ${a.username}${extra}`));
    return h('div', { class: 'actions actions--row' },
      // Nobody disables themselves (the server refuses it too).
      a.id === user.id ? null : a.disabled
        ? b('Enable', () => act(`${a.username} enabled.`, 'POST', `/api/v1/accounts/${a.id}/enable`))
        : b('Disable', async () => {
          if (await confirmDialog(`Disable ${a.display_name} (${a.username})? They are signed out everywhere at once and cannot sign in until enabled again.`, 'Disable')) {
            await act(`${a.username} disabled; their sessions have ended.`, 'POST', `/api/v1/accounts/${a.id}/disable`);
          }
        }, 'button--danger'),
      b('Reset password', async () => {
        if (!await confirmDialog(`Give ${a.username} a temporary password? Their sessions end, and they must choose a new password when they sign in.`, 'Reset password')) return;
        await act('', 'POST', `/api/v1/accounts/${a.id}/password-reset`, (r) => {
          clear(notice).append(h('div', { class: 'notice notice--warn', role: 'alert', id: 'temporary-password' },
            h('p', {}, `Temporary password for ${a.username}: `, h('code', { class: 'secret' }, r.temporary_password)),
            h('p', {}, 'It is shown only now. Give it to them in person or by phone; they must change it when they sign in.')));
        });
      }),
      a.totp_enabled ? b('Reset two-step', async () => {
        if (await confirmDialog(`Switch off two-step sign-in for ${a.username} (a lost phone)? Their sessions end; they set it up again at their next sign-in.`, 'Reset two-step')) {
          await act(`Two-step sign-in reset for ${a.username}.`, 'POST', `/api/v1/accounts/${a.id}/totp-reset`);
        }
      }) : null,
      a.failed_sign_ins > 0 ? b('Unlock', () => act(`${a.username} unlocked.`, 'POST', `/api/v1/accounts/${a.id}/unlock`)) : null,
      b('Sessions', () => showSessions(a)));
  }

  function status(a) {
    if (a.disabled) return h('span', { class: 'tag tag--bad' }, 'Disabled');
    if (a.demo_suspended) return h('span', { class: 'tag tag--bad' }, 'Demo, off');
    return h('span', { class: 'tag tag--good' }, a.demo ? 'Enabled (demo)' : 'Enabled');
  }

  async function refresh() {
    const accounts = await api('GET', '/api/v1/accounts');
    count.textContent = `${accounts.length} accounts`;
    clear(wrap).append(h('table', { class: 'data data--accounts' },
      h('caption', { class: 'visually-hidden' }, 'Accounts'),
      h('thead', {}, h('tr', {}, ['Name', 'Role', 'Agency', 'Status', 'Two-step', 'Last sign-in', 'Failed sign-ins', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, accounts.map((a) => h('tr', { class: a.disabled ? 'row--notable' : undefined, dataset: { username: a.username } },
        h('th', { scope: 'row' }, a.display_name, h('br'), h('span', { class: 'muted' }, a.username)),
        h('td', { 'data-label': 'Role' }, ROLE_LABEL[a.role] || a.role),
        h('td', { 'data-label': 'Agency' }, a.agency_id != null ? (agencyName[a.agency_id] || `#${a.agency_id}`) : '—'),
        h('td', { 'data-label': 'Status' }, status(a), a.must_change_password ? [' ', h('span', { class: 'tag' }, 'Must change password')] : null),
        h('td', { 'data-label': 'Two-step' }, a.totp_enabled ? 'On' : 'Off'),
        h('td', { 'data-label': 'Last sign-in' }, a.last_login_at ? formatDateTime(a.last_login_at) : 'Never'),
        h('td', { 'data-label': 'Failed sign-ins' }, String(a.failed_sign_ins)),
        h('td', { 'data-label': 'Actions' }, actions(a)))))));
  }
  await refresh();
  return title;
}

// `setup`: what the session must do first ('change_password', 'enrol_totp' or 'none');
// `onDone` is called once it has, to refresh the session.
export async function renderYourAccount(main, params, { user, onDone }) {
  const title = h('h1', { tabindex: '-1', id: 'page-title' }, 'Your account');
  main.append(h('div', { class: 'page-head' }, title, h('p', { class: 'intro' }, `Signed in as ${user.username}.`)));
  if (user.setup === 'change_password') {
    main.append(h('div', { class: 'notice notice--warn', role: 'alert', id: 'setup-notice' },
      'Your password was reset by an administrator. Choose a new password to carry on.'));
  } else if (user.setup === 'enrol_totp') {
    main.append(h('div', { class: 'notice notice--warn', role: 'alert', id: 'setup-notice' },
      'Your role needs two-step sign-in: set it up below to carry on. You need an authenticator app on your phone.'));
  }

  // Change password
  const pwErr = errorBox();
  const current = h('input', { id: 'pw-current', type: 'password', required: true, maxlength: 256, autocomplete: 'current-password' });
  const next = h('input', { id: 'pw-new', type: 'password', required: true, minlength: 10, maxlength: 256, autocomplete: 'new-password', 'aria-describedby': 'pw-new-hint' });
  const again = h('input', { id: 'pw-again', type: 'password', required: true, maxlength: 256, autocomplete: 'new-password' });
  const pwForm = h('form', { class: 'record-form', novalidate: true, 'aria-labelledby': 'pw-title' },
    h('h2', { id: 'pw-title' }, 'Change your password'), pwErr,
    field('pw-current', user.setup === 'change_password' ? 'Temporary password' : 'Current password', current),
    field('pw-new', 'New password', next, 'At least 10 characters. Your other sessions end.'),
    field('pw-again', 'New password again', again),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button' }, 'Change password')));
  pwForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    pwErr.hidden = true;
    if (next.value !== again.value) { showError(pwErr, { message: 'The two new passwords differ.' }); again.focus(); return; }
    try {
      await api('POST', '/api/v1/account/password', { current_password: current.value, password: next.value });
      pwForm.reset();
      announce('Your password has been changed.', 'good');
      if (onDone) await onDone();
    } catch (ex) {
      showError(pwErr, ex);
      (ex.field === 'current_password' ? current : next).focus();
    }
  });
  main.append(pwForm);
  if (user.setup === 'change_password') return current;

  // Two-step sign-in
  const totpErr = errorBox();
  const totpBody = h('div', {});
  const totp = h('section', { class: 'record-form', 'aria-labelledby': 'totp-title' },
    h('h2', { id: 'totp-title' }, 'Two-step sign-in'), totpErr,
    h('p', { id: 'totp-state' }, user.totp_enabled ? 'On: you sign in with your password and a code from your authenticator app.'
      : 'Off: you sign in with your password only.'),
    totpBody);
  const start = h('button', { type: 'button', class: 'button', id: 'totp-start' }, user.totp_enabled ? 'Move to a new phone or app' : 'Set up two-step sign-in');
  totpBody.append(start);
  start.addEventListener('click', async () => {
    totpErr.hidden = true;
    try {
      const e = await api('POST', '/api/v1/account/totp/enrol');
      const code = h('input', { id: 'totp-code', type: 'text', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}', maxlength: 6, required: true });
      const confirm = h('form', { novalidate: true, 'aria-label': 'Confirm two-step sign-in' },
        h('ol', { class: 'steps' },
          h('li', {}, 'In your authenticator app, add an account with this key (time-based, 6 digits): ',
            h('code', { class: 'secret', id: 'totp-secret' }, e.secret.replace(/(.{4})/g, '$1 ').trim())),
          h('li', {}, 'Or, if the app takes a link: ', h('code', { class: 'secret', id: 'totp-uri' }, e.otpauth_uri)),
          h('li', {}, 'Type the 6-digit code the app shows.')),
        field('totp-code', 'Code from the app', code),
        h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button' }, 'Switch on two-step sign-in')));
      confirm.addEventListener('submit', async (ev) => {
        ev.preventDefault();
        totpErr.hidden = true;
        try {
          await api('POST', '/api/v1/account/totp/confirm', { code: code.value.replace(/\s/g, '') });
          announce('Two-step sign-in is on.', 'good');
          if (onDone) await onDone();
        } catch (ex) { showError(totpErr, ex); code.focus(); }
      });
      clear(totpBody).append(confirm);
      code.focus();
    } catch (ex) { showError(totpErr, ex); }
  });
  main.append(totp);
  if (user.setup === 'enrol_totp') return start;

  // Your sessions
  const list = h('div', {});
  const load = () => drawSessions(list, '/api/v1/account/sessions', (sid) => `/api/v1/account/sessions/${encodeURIComponent(sid)}`, load);
  main.append(h('section', { class: 'record-form', 'aria-labelledby': 'own-sessions-title' },
    h('h2', { id: 'own-sessions-title' }, 'Where you are signed in'), list));
  await load();
  return title;
}
