// Early-warning alerts: the list an e-safety officer (or the partnership) works
// through, newest first, and one alert with its evidence and its triage — into an
// incident, or closed as a false positive or dismissed with a reason.
import { api, apiPage, query } from './api.js';
import { h, announce, formatDateTime, showMore } from './dom.js';

export const ALERT_ROLES = ['agency_officer', 'partnership_lead', 'partnership_admin'];

const SEVERITY = {
  critical: { label: 'Critical', cls: 'severity--critical' },
  high: { label: 'High', cls: 'severity--high' },
  medium: { label: 'Medium', cls: 'severity--medium' },
  low: { label: 'Low', cls: 'severity--low' },
};
const RULES = {
  risky_search: 'Risky searches', repeated_blocks: 'Repeated blocks', block_rate_spike: 'Spike in blocks',
  proxy_avoidance: 'Filter avoidance',
};
const STATES = { new: 'New', incident: 'Incident created', false_positive: 'False positive', dismissed: 'Dismissed' };

function heading(text) { return h('h1', { tabindex: '-1', id: 'page-title' }, text); }

// Severity as text and colour (the text carries the meaning; the colour only helps).
function severityBadge(s) {
  const v = SEVERITY[s] || { label: s, cls: '' };
  return h('span', { class: ['severity', v.cls] }, h('span', { class: 'visually-hidden' }, 'Severity: '), v.label);
}

// The number of new alerts the signed-in person may see (the nav shows it); null when not allowed.
export async function newAlertCount(user) {
  if (!user || !ALERT_ROLES.includes(user.role)) return null;
  try {
    return (await api('GET', '/api/v1/alerts?state=new&limit=1000')).length;
  } catch {
    return null;
  }
}

// Whether live monitoring keeps up: shown to the partnership's managers only (the
// route refuses others, and then nothing is shown).
async function monitoringNotice() {
  let s;
  try {
    s = await api('GET', '/api/v1/monitoring/status');
  } catch {
    return null;
  }
  if (!s.running) {
    return h('div', { class: 'notice', id: 'monitoring-status', role: 'status' },
      h('p', {}, 'Live monitoring is not running on this server: alerts appear when the rules are run over the activity log (esafe monitor run).'));
  }
  const problems = [];
  if (s.dropped_batches > 0) problems.push(`${s.dropped_batches} batches (${s.dropped_events} events) were not checked because monitoring fell behind; run the rules over that period to catch up.`);
  if (s.terms_problem) problems.push(`A change to the term libraries was refused, and the terms before it are still in use: ${s.terms_problem}`);
  if (!s.terms_loaded) problems.push('No term library is loaded, so risky searches are not being checked.');
  if (s.rules_problem) problems.push(`A change to the rule settings was refused, and the settings before it are still in use: ${s.rules_problem}`);
  if (s.record_failures > 0) problems.push(`${s.record_failures} alerts could not be recorded; see the server log.`);
  if (s.mail_failures > 0) problems.push(`${s.mail_failures} alert e-mails were refused by the mail relay; they are retried.`);
  if (s.mail_undeliverable > 0) problems.push(`${s.mail_undeliverable} alerts have nobody to e-mail: name who receives alerts below.`);
  const summary = `Live monitoring is running: since the server started it has checked ${s.events.toLocaleString()} filtering decisions and raised ${s.alerts.toLocaleString()} alerts${s.mails ? ` (${s.mails} e-mails sent)` : ''}.`;
  return h('div', { class: ['notice', problems.length ? 'notice--warn' : 'notice--good'], id: 'monitoring-status', role: 'status' },
    h('p', {}, summary), problems.map((p) => h('p', {}, p)));
}

// Who is e-mailed alerts: an officer names their agency's designated lead and deputies;
// the partnership's managers see everyone and name the partnership's own recipients (for
// alerts no agency owns, and agencies that have named nobody). With nobody named, esafe
// writes to the leads recorded in the directory.
async function recipientsPanel(user) {
  let people;
  try {
    people = await api('GET', '/api/v1/alert-recipients');
  } catch {
    return null;
  }
  const manager = ['partnership_admin', 'partnership_lead'].includes(user.role);
  const panel = h('section', { class: 'panel', id: 'alert-recipients', 'aria-labelledby': 'h-recipients' },
    h('h2', { id: 'h-recipients' }, 'Who is e-mailed alerts'),
    h('p', { class: 'muted' }, manager
      ? 'Each agency’s own recipients first; the partnership’s for alerts no agency owns. Where nobody is named, the leads recorded in the directory are e-mailed.'
      : 'Your agency’s designated safeguarding lead and deputies. Where nobody is named, the leads recorded in the directory are e-mailed.'));
  const list = h('ul', { class: 'record-list' }, people.map((p) => {
    const remove = h('button', { type: 'button', class: 'button button--secondary button--small' }, `Remove ${p.name}`);
    remove.addEventListener('click', async () => {
      try {
        await api('DELETE', `/api/v1/alert-recipients/${p.id}`);
        announce(`${p.name} will no longer be e-mailed alerts.`, 'good');
        panel.replaceWith(await recipientsPanel(user));
      } catch (e) { announce(e.message, 'bad'); }
    });
    return h('li', {}, h('strong', {}, p.name), ` — ${p.email}`, p.agency_id == null ? ' (the partnership)' : manager ? ` (agency ${p.agency_id})` : '', ' ', remove);
  }));
  panel.append(people.length ? list : h('p', {}, 'Nobody is named yet.'));
  const name = h('input', { type: 'text', id: 'recipient-name', maxlength: 200, autocomplete: 'name' });
  const email = h('input', { type: 'email', id: 'recipient-email', maxlength: 200, autocomplete: 'email' });
  const err = h('p', { class: 'notice notice--error', role: 'alert', hidden: true });
  const form = h('form', { class: 'record-form', id: 'add-recipient', novalidate: true },
    h('h3', {}, manager ? 'Add a partnership recipient' : 'Add someone'), err,
    h('div', { class: 'field' }, h('label', { for: 'recipient-name' }, 'Name'), name),
    h('div', { class: 'field' }, h('label', { for: 'recipient-email' }, 'E-mail address'), email),
    h('button', { type: 'submit', class: 'button' }, 'Add'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    try {
      await api('POST', '/api/v1/alert-recipients', { name: name.value.trim(), email: email.value.trim() });
      announce(`${name.value.trim()} will be e-mailed alerts.`, 'good');
      panel.replaceWith(await recipientsPanel(user));
    } catch (ex) {
      err.textContent = ex.message;
      err.hidden = false;
      (ex.field === 'email' ? email : name).focus();
    }
  });
  panel.append(form);
  return panel;
}

export async function renderAlerts(main, params, ctx) {
  const title = heading('Alerts');
  const state = params.has('state') ? params.get('state') : 'new';
  const severity = params.get('severity') || '';
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Early warnings from the activity log: risky searches, repeated blocks, spikes and filter avoidance. Open one to see the evidence and decide. Every view is recorded in the audit trail.')));
  main.append(h('nav', { class: 'view-switch', 'aria-label': 'Alerts by state' },
    [['new', 'New'], ['incident', 'Incident created'], ['false_positive', 'False positive'], ['dismissed', 'Dismissed'], ['', 'All']].map(([v, label]) =>
      h('a', { href: `#/alerts?state=${v}${severity ? `&severity=${severity}` : ''}`, class: 'button button--secondary', 'aria-current': v === state ? 'page' : undefined }, label))));
  const select = h('select', { id: 'alert-severity', name: 'severity' },
    h('option', { value: '' }, 'Any severity'),
    Object.entries(SEVERITY).map(([k, v]) => h('option', { value: k, selected: k === severity }, v.label)));
  const form = h('form', { class: 'toolbar', id: 'alert-filter', novalidate: true },
    h('div', { class: 'field' }, h('label', { for: 'alert-severity' }, 'Severity'), select),
    h('button', { type: 'submit', class: 'button button--secondary' }, 'Show'));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/alerts?state=${state}${select.value ? `&severity=${select.value}` : ''}`;
  });
  main.append(form);
  const [first, notice, recipients] = await Promise.all([apiPage(`/api/v1/alerts${query({ state, severity })}`), monitoringNotice(),
    ctx && ctx.user ? recipientsPanel(ctx.user) : Promise.resolve(null)]);
  if (notice) form.before(notice);
  if (!first.rows.length) {
    main.append(h('p', { class: 'muted', id: 'alert-none' }, 'No alerts here.'));
    if (recipients) main.append(recipients);
    return title;
  }
  const body = h('tbody', {}, first.rows.map(alertRow));
  main.append(h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'alert-list' },
    h('caption', { class: 'visually-hidden' }, 'Alerts'),
    h('thead', {}, h('tr', {}, ['Alert', 'Severity', 'What happened', 'Where', 'When', 'State'].map((c) => h('th', { scope: 'col' }, c)))),
    body)));
  const more = showMore(first.next, 'Show more alerts', (rows) => body.append(...rows.map(alertRow)));
  if (more) main.append(more);
  if (recipients) main.append(recipients);
  return title;
}

function alertRow(a) {
  return h('tr', { class: a.severity === 'critical' ? 'row--notable' : undefined },
    h('th', { scope: 'row', 'data-label': 'Alert' }, h('a', { href: `#/alerts/${a.id}` }, `${RULES[a.rule] || a.rule} ${a.id}`)),
    h('td', { 'data-label': 'Severity' }, severityBadge(a.severity)),
    h('td', { 'data-label': 'What happened' }, a.summary),
    h('td', { 'data-label': 'Where' }, [a.agency_name || a.agency, a.site].filter(Boolean).join(' — ')),
    h('td', { 'data-label': 'When' }, formatDateTime(a.last_event_at)),
    h('td', { 'data-label': 'State' }, STATES[a.state] || a.state));
}

function fact(label, value) {
  if (value === undefined || value === null || value === '') return null;
  return [h('dt', {}, label), h('dd', {}, value)];
}

export async function renderAlert(main, id) {
  const a = await api('GET', `/api/v1/alerts/${encodeURIComponent(id)}`);
  const title = heading(`${RULES[a.rule] || a.rule} — alert ${a.id}`);
  main.append(h('a', { class: 'back-link', href: '#/alerts' }, 'All alerts'),
    h('div', { class: 'page-head' }, title, h('p', {}, severityBadge(a.severity), ' ', STATES[a.state] || a.state)));
  main.append(h('section', { class: 'panel', 'aria-labelledby': 'h-evidence', id: 'alert-evidence' },
    h('h2', { id: 'h-evidence' }, 'Evidence'),
    h('p', {}, a.summary),
    h('dl', { class: 'facts' },
      fact('Agency', a.agency_name || a.agency), fact('Site', a.site), fact('Device address', a.client), fact('User reference', a.user),
      fact('About', a.subject), fact('First event', formatDateTime(a.first_event_at)),
      fact('Last event', formatDateTime(a.last_event_at)), fact('Events', String(a.event_count))),
    a.detail && Object.keys(a.detail).length
      ? h('details', {}, h('summary', {}, 'Rule figures'), h('pre', { class: 'alert-detail' }, JSON.stringify(a.detail, null, 2)))
      : null,
    (a.events || []).length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'alert-events' },
        h('caption', {}, 'Events in the activity log'),
        h('thead', {}, h('tr', {}, ['Time', 'Device address', 'Position in log'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, a.events.map((e) => h('tr', {},
          h('td', { 'data-label': 'Time' }, formatDateTime(new Date(e.time_us / 1000).toISOString())),
          h('td', { 'data-label': 'Device address' }, e.client),
          h('td', { 'data-label': 'Position in log' }, String(e.position)))))))
      : null));
  if (a.state === 'incident' && a.incident_id) {
    main.append(h('p', {}, h('a', { href: `#/incidents/${a.incident_id}` }, `Incident ${a.incident_id}`), ' was created from this alert.'));
  } else if (a.state_reason) {
    main.append(h('p', {}, 'Reason: ', a.state_reason));
  }
  if (a.state === 'new') main.append(decisionPanel(a));
  if ((a.history || []).length) {
    main.append(h('section', { class: 'panel', 'aria-labelledby': 'h-history' }, h('h2', { id: 'h-history' }, 'History'),
      h('ol', { class: 'chronology' }, a.history.map((x) => h('li', {}, formatDateTime(x.at), ' — ', x.by || 'esafe', ': ',
        STATES[x.to] || x.to, x.reason ? ` (${x.reason})` : '')))));
  }
  return title;
}

function decisionPanel(a) {
  const err = h('div', { class: 'notice notice--error', role: 'alert', hidden: true, id: 'alert-error' });
  const reason = h('textarea', { id: 'alert-reason', name: 'reason', rows: 3, maxlength: 2000, 'aria-describedby': 'alert-reason-hint' });
  const busy = (on) => { for (const b of panel.querySelectorAll('button')) b.disabled = on; };
  const fail = (msg, focusReason) => { err.textContent = msg; err.hidden = false; if (focusReason) reason.focus(); };
  const create = h('button', { type: 'button', class: 'button', id: 'alert-incident' }, 'Create incident');
  create.addEventListener('click', async () => {
    busy(true);
    try {
      const out = await api('POST', `/api/v1/alerts/${a.id}/incident`);
      announce(`Incident ${out.incident_id} created from alert ${a.id}.`, 'good');
      location.hash = `#/incidents/${out.incident_id}`;
    } catch (e) { fail(e.message); } finally { busy(false); }
  });
  const close = (path, label) => {
    const b = h('button', { type: 'button', class: 'button button--secondary', id: `alert-${path}` }, label);
    b.addEventListener('click', async () => {
      if (reason.value.trim().length < 3) return fail('Give the reason (at least 3 characters).', true);
      busy(true);
      try {
        await api('POST', `/api/v1/alerts/${a.id}/${path}`, { reason: reason.value.trim() });
        announce(`Alert ${a.id}: ${label.toLowerCase()}.`, 'good');
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } catch (e) { fail(e.message, e.field === 'reason'); } finally { busy(false); }
    });
    return b;
  };
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'h-decide', id: 'alert-decide' },
    h('h2', { id: 'h-decide' }, 'Decide'),
    err,
    h('p', { class: 'button-row' }, create),
    h('div', { class: 'field' }, h('label', { for: 'alert-reason' }, 'Reason (needed for false positive or dismiss)'),
      h('p', { class: 'hint', id: 'alert-reason-hint' }, 'Say why no incident is needed; it is kept with the alert.'), reason),
    h('p', { class: 'button-row' }, close('false-positive', 'False positive'), close('dismissal', 'Dismiss')));
  return panel;
}
