// The incident log pages: reporting an incident through a response flowchart (one plain question a
// screen, then the outcome — what to do, by when, who to tell, what not to do — and the record form
// pre-filled), the incident page (required actions with due times and overdue ones flagged, people under
// pseudonymous references, referrals and escalation to another agency, evidence register, chronology,
// close and withdraw), the list with what is shared with my agency, and the statistics with the
// quarter-on-quarter trend drawn as SVG.
import { api, apiAll, apiPage, query, ApiError } from './api.js';
import { h, svg, append, clear, announce, formatDate, formatDateTime, showMore } from './dom.js';
import { exportButton } from './jobs.js';

const WRITERS = ['partnership_admin', 'partnership_lead', 'agency_officer'];
const RISK_CLASS = { little_or_no_danger: 'good', encourage_safe_behaviour: 'warn', significant_risk: 'bad' };
const STATUS_LABELS = { open: 'Open', closed: 'Closed', withdrawn: 'Withdrawn' };
// The Annex D levels in a word or three, for lists; the incident page gives the whole label.
const RISK_SHORT = { little_or_no_danger: 'Little or no danger', encourage_safe_behaviour: 'Encourage safe behaviour', significant_risk: 'Significant risk' };

export function canReport(user) { return Boolean(user) && !['board_member', 'auditor'].includes(user.role); }

let vocabularyPromise = null;
function vocabulary() {
  if (!vocabularyPromise) vocabularyPromise = api('GET', '/api/v1/incident-vocabulary').catch((e) => { vocabularyPromise = null; throw e; });
  return vocabularyPromise;
}
const labelOf = (list, key) => ((list || []).find((t) => t.key === key) || {}).label || key;

function heading(text) { return h('h1', { tabindex: '-1', id: 'page-title' }, text); }
function sentence(s) { s = String(s || ''); return s.charAt(0).toUpperCase() + s.slice(1); }

// "immediately", "30m", "12h", "3d" as words.
export function withinText(within) {
  if (!within || within === 'immediately') return 'at once';
  const m = /^(\d+)([mhd])$/.exec(within);
  if (!m) return `within ${within}`;
  const n = Number(m[1]);
  const unit = { m: 'minute', h: 'hour', d: 'day' }[m[2]];
  return `within ${n} ${unit}${n === 1 ? '' : 's'}`;
}

function riskBadge(key, label) {
  if (!key) return h('span', { class: 'badge risk risk--none' }, 'Risk not yet assessed');
  return h('span', { class: `risk risk--${RISK_CLASS[key] || 'none'}`, dataset: { risk: key } }, sentence(label || RISK_SHORT[key] || key));
}

function errorBox() { return h('div', { class: 'notice notice--error', role: 'alert', tabindex: '-1', hidden: true }); }
function showError(box, e) {
  box.textContent = sentence(e.message || String(e));
  box.hidden = false;
  box.focus();
}

function field(id, label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, control);
}
function select(id, options, { value, empty, required } = {}) {
  const el = h('select', { id, name: id, required, 'aria-required': required ? 'true' : undefined },
    empty !== undefined ? h('option', { value: '' }, empty) : null,
    options.map((o) => h('option', { value: String(o.key), selected: String(o.key) === String(value ?? '') }, o.label)));
  return el;
}

// A small form with one submit button that calls `send(values)`; values are the named controls' values.
function miniForm({ id, title, fields, button, send, quiet }) {
  const err = errorBox();
  const form = h('form', { class: ['mini-form', quiet ? 'mini-form--quiet' : null], id, novalidate: true, 'aria-labelledby': `${id}-title` },
    h('h3', { id: `${id}-title` }, title), err, fields, h('button', { type: 'submit', class: 'button' }, button));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const values = {};
    for (const el of form.querySelectorAll('input[name], select[name], textarea[name]')) {
      if (el.type === 'file') continue;
      const v = el.type === 'checkbox' ? el.checked : el.value.trim();
      if (v !== '' && v !== false) values[el.name] = v;
    }
    const submit = form.querySelector('button[type="submit"]');
    submit.disabled = true;
    try {
      await send(values, form);
    } catch (ex) {
      showError(err, ex);
      const bad = ex.field && form.querySelector(`[name="${CSS.escape(ex.field)}"]`);
      if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function reload() { window.dispatchEvent(new HashChangeEvent('hashchange')); }

// ---------------------------------------------------------------- reporting (the flowchart walk)

// One walk at a time, kept while the person moves between its screens.
let walkState = null;

export async function renderReport(main, params, ctx) {
  const [charts, words] = await Promise.all([api('GET', '/api/v1/flowcharts'), vocabulary()]);
  const chosen = params.get('flowchart');
  if (!chosen) {
    walkState = null;
    return chooseFlowchart(main, charts);
  }
  if (chosen === 'none') return recordForm(main, ctx, words, null, null);
  const chart = charts.find((c) => c.id === chosen);
  if (!chart) throw new ApiError(404, { error: 'There is no flowchart with that name.' });
  if (!walkState || walkState.flowchart !== chosen) walkState = { flowchart: chosen, title: chart.title, answers: {}, remembered: {} };
  const walk = await api('POST', `/api/v1/flowcharts/${encodeURIComponent(chosen)}/walk`, { answers: walkState.answers });
  walkState.walk = walk;
  if (walk.outcome) return recordForm(main, ctx, words, chart, walk);
  return question(main, chart, walk);
}

function chooseFlowchart(main, charts) {
  const title = heading('Report an incident');
  const err = errorBox();
  const options = [...charts.map((c) => ({ value: c.id, text: c.title })), { value: 'none', text: 'None of these fits: record the incident without a flowchart' }];
  const form = h('form', { class: 'panel walk', id: 'walk-choose', novalidate: true },
    err,
    h('fieldset', { class: 'walk__question' },
      h('legend', {}, 'What is the incident about?'),
      h('p', { class: 'hint' }, 'Choose the closest. You will be asked a few plain questions and told what to do next, step by step.'),
      h('div', { class: 'walk__answers' }, options.map((o, i) => h('div', { class: 'walk__answer' },
        h('input', { type: 'radio', name: 'flowchart', id: `chart-${i}`, value: o.value }),
        h('label', { for: `chart-${i}` }, o.text))))),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button' }, 'Continue')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const picked = form.querySelector('input[name="flowchart"]:checked');
    if (!picked) { showError(err, new Error('Choose what the incident is about.')); form.querySelector('input').focus(); return; }
    location.hash = `#/report?flowchart=${encodeURIComponent(picked.value)}`;
  });
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'If a child is in immediate danger, call the police on 999 now, then come back to record it.')), form);
  return title;
}

function question(main, chart, walk) {
  const step = walk.path.length + 1;
  const q = walk.next;
  const title = h('h1', { tabindex: '-1', id: 'page-title', class: 'walk__title' }, q.question);
  const err = errorBox();
  const form = h('form', { class: 'panel walk', id: 'walk-question', novalidate: true, dataset: { node: q.node } },
    err,
    h('fieldset', { class: 'walk__question', 'aria-describedby': q.help ? 'walk-help' : undefined },
      h('legend', { class: 'visually-hidden' }, q.question),
      q.help ? h('p', { class: 'hint', id: 'walk-help' }, q.help) : null,
      h('div', { class: 'walk__answers' }, q.answers.map((a, i) => h('div', { class: 'walk__answer' },
        h('input', { type: 'radio', name: 'answer', id: `answer-${i}`, value: a.value, checked: (walkState.answers[q.node] ?? walkState.remembered[q.node]) === a.value }),
        h('label', { for: `answer-${i}` }, a.text))))),
    h('div', { class: 'button-row' },
      h('button', { type: 'submit', class: 'button' }, 'Continue'),
      h('button', { type: 'button', class: 'button button--secondary', id: 'walk-back' }, 'Back')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const picked = form.querySelector('input[name="answer"]:checked');
    if (!picked) { showError(err, new Error('Choose an answer to carry on.')); form.querySelector('input').focus(); return; }
    walkState.answers[q.node] = picked.value;
    walkState.remembered[q.node] = picked.value;
    reload();
  });
  form.querySelector('#walk-back').addEventListener('click', () => back(walk));
  append(main, [h('p', { class: 'walk__progress' }, `${chart.title} — question ${step}`), title, form, answeredSoFar(walk)]);
  return title;
}

// Steps back one question (or to the choice of flowchart); the answer given there stays selected.
function back(walk) {
  const last = walk.path[walk.path.length - 1];
  if (!last) { walkState = null; location.hash = '#/report'; return; }
  delete walkState.answers[last.node];
  reload();
}

function answeredSoFar(walk) {
  if (!walk.path.length) return null;
  return h('section', { class: 'walk__path', 'aria-labelledby': 'h-path' }, h('h2', { id: 'h-path' }, 'Your answers so far'),
    h('dl', {}, walk.path.map((s) => [h('dt', {}, s.question), h('dd', {}, s.answer_text)])));
}

// What the outcome says must be done: shown after the walk, and on the incident page from the stored actions.
function outcomePanel(outcome) {
  return h('section', { class: 'panel outcome', id: 'outcome', 'aria-labelledby': 'h-outcome' },
    h('h2', { id: 'h-outcome' }, 'What to do now'),
    h('p', {}, riskBadge(outcome.risk, outcome.risk_label)),
    h('p', { class: 'outcome__summary' }, outcome.summary),
    outcome.illegal_material ? h('p', { class: 'notice notice--warn', id: 'outcome-illegal', role: 'note' },
      'This may involve illegal material. Nothing is uploaded to esafe: describe the evidence and where it is held, and leave the material itself to the IWF or the police.') : null,
    outcome.must_not.length ? h('div', { class: 'notice notice--error must-not', role: 'note' },
      h('h3', {}, 'Do not'), h('ul', {}, outcome.must_not.map((m) => h('li', {}, m)))) : null,
    h('h3', {}, 'Do these'),
    h('ol', { class: 'outcome__actions' }, outcome.actions.map((a) => h('li', {}, a.do, ' ', h('strong', { class: 'due' }, `— ${withinText(a.within)}`)))),
    outcome.tell.length ? [h('h3', {}, 'Tell, in this order'),
      h('ol', { class: 'outcome__tell' }, outcome.tell.map((t) => h('li', {}, h('strong', {}, sentence(t.label)), ` — ${withinText(t.within)}`,
        t.why ? h('span', { class: 'cell-sub' }, t.why) : null)))] : null);
}

// Who to contact for this outcome, here and nationally (the partnership's help and
// contacts map; the whole map is on the public /help page).
function contactsPanel(kinds) {
  if (!kinds.length) return null;
  const contact = (c) => h('li', { class: 'contact' },
    h('strong', {}, c.name), ` (${c.scope})`, h('br'), c.role,
    c.phone ? [h('br'), 'Phone: ', h('span', { class: 'contact__phone' }, c.phone)] : null,
    h('br'), `Hours: ${c.hours}`,
    c.out_of_hours ? [h('br'), `At any other time: ${c.out_of_hours}`] : null,
    c.web ? [h('br'), h('a', { href: c.web, rel: 'noopener noreferrer' }, c.web)] : null);
  return h('section', { class: 'panel contacts', id: 'outcome-contacts', 'aria-labelledby': 'h-outcome-contacts' },
    h('h2', { id: 'h-outcome-contacts' }, 'Who to contact'),
    // The first kind is the one that fits this outcome (the server orders them); the rest fold
    // away so that the recording form is not pushed far down the page.
    kinds.slice(0, 1).map((k) => [h('h3', {}, k.title), h('ul', { class: 'contacts' }, k.contacts.map(contact))]),
    kinds.slice(1).map((k) => h('details', { class: 'contacts__more' }, h('summary', {}, k.title),
      h('ul', { class: 'contacts' }, k.contacts.map(contact)))),
    h('p', {}, h('a', { href: '/help' }, 'Help and contacts for every kind of concern')));
}

async function recordForm(main, ctx, words, chart, walk) {
  const title = heading(walk ? 'Record the incident' : 'Report an incident');
  main.append(h('p', { class: 'walk__progress' }, chart ? `${chart.title} — answered` : 'Without a flowchart'), title);
  if (walk) {
    append(main, [h('p', { class: 'intro' }, 'The answers below lead to what must be done. Record the incident now: the required actions are added to it with their due times.'),
      outcomePanel(walk.outcome), contactsPanel(walk.contacts || []), answeredSoFar(walk),
      h('p', {}, h('button', { type: 'button', class: 'button button--secondary', id: 'walk-back' }, 'Change the last answer'))]);
    main.querySelector('#walk-back').addEventListener('click', () => back(walk));
  }
  const partnership = ['partnership_admin', 'partnership_lead'].includes(ctx.user.role);
  const [agencies, sites] = await Promise.all([
    partnership ? apiAll('/api/v1/agencies') : Promise.resolve([]),
    apiAll('/api/v1/sites').catch(() => []),
  ]);
  const chartCategory = chart ? (await api('GET', `/api/v1/flowcharts/${encodeURIComponent(chart.id)}`)).category : null;
  const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const err = errorBox();
  const fields = [
    partnership ? field('inc-agency_id', 'Agency', select('inc-agency_id', agencies.map((a) => ({ key: a.id, label: a.name })), { empty: 'Choose an agency…', required: true })) : null,
    field('inc-category', 'Category', select('inc-category', words.categories, { value: chartCategory, empty: 'Choose…', required: true })),
    field('inc-how_identified', 'How it came to light', select('inc-how_identified', words.how_identified, { empty: 'Choose…', required: true })),
    // Without a flowchart the reporter grades it (Annex D's three levels); a significant
    // risk brings the designated lead and children's social care as required actions.
    walk ? null : field('inc-risk_level', 'How serious is it?', select('inc-risk_level', words.risk_levels, { empty: 'Choose…', required: true }),
      'If a child may be at significant risk, choose the last: the designated lead and children’s social care are then told at once.'),
    field('inc-occurred_at', 'When it happened', h('input', { type: 'datetime-local', id: 'inc-occurred_at', max: now, class: 'input--date' }), 'Leave empty if you do not know.'),
    field('inc-description', 'What happened', h('textarea', { id: 'inc-description', rows: 5, required: true, maxlength: 10000, 'aria-describedby': 'inc-description-hint' }),
      'In plain words: what was seen or said, by whom, and what has been done so far. Use references such as “Child A” rather than names.'),
    sites.length ? field('inc-site_id', 'Site', select('inc-site_id', sites.map((s) => ({ key: s.id, label: partnership ? `${s.name} (${s.agency_name})` : s.name })), { empty: '(not at one of our sites)' })) : null,
    field('inc-technology', 'Technology involved', h('input', { type: 'text', id: 'inc-technology', maxlength: 200 }), 'For example web, e-mail, mobile phone, webcam, games console.'),
    field('inc-service', 'Site or service involved', h('input', { type: 'text', id: 'inc-service', maxlength: 200 })),
    field('inc-device_owner', 'Who owns the device', select('inc-device_owner', words.device_owners, { empty: '(not known)' })),
  ];
  const form = h('form', { class: 'record-form', id: 'incident-form', novalidate: true, 'aria-labelledby': 'h-record' },
    h('h2', { id: 'h-record' }, 'The incident'), err, fields,
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button', id: 'incident-save' }, 'Record the incident')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = (name) => { const el = form.querySelector(`#inc-${name}`); return el ? el.value.trim() : ''; };
    const body = { how_identified: value('how_identified'), category: value('category'), description: value('description') };
    for (const name of ['technology', 'service', 'device_owner', 'risk_level']) if (value(name)) body[name] = value(name);
    if (value('agency_id')) body.agency_id = Number(value('agency_id'));
    if (value('site_id')) body.site_id = Number(value('site_id'));
    if (value('occurred_at')) body.occurred_at = new Date(value('occurred_at')).toISOString();
    if (walk) { body.flowchart_id = chart.id; body.answers = walkState.answers; }
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const missing = [['category', 'Choose the category'], ['how_identified', 'Say how it came to light'], ...(walk ? [] : [['risk_level', 'Say how serious it is']]), ['description', 'Say what happened']]
      .find(([k]) => !body[k]) || (partnership && !body.agency_id ? ['agency_id', 'Choose the agency'] : null);
    if (missing) {
      showError(err, new Error(`${missing[1]}.`));
      const el = form.querySelector(`#inc-${missing[0]}`);
      el.setAttribute('aria-invalid', 'true');
      el.focus();
      return;
    }
    const save = form.querySelector('#incident-save');
    save.disabled = true;
    try {
      const inc = await api('POST', '/api/v1/incidents', body);
      walkState = null;
      announce(`Incident ${inc.id} recorded.`, 'good');
      location.hash = `#/incidents/${inc.id}`;
    } catch (ex) {
      showError(err, ex);
      const bad = ex.field && form.querySelector(`#inc-${CSS.escape(ex.field)}`);
      if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
    } finally {
      save.disabled = false;
    }
  });
  main.append(form);
  return title;
}

// ---------------------------------------------------------------- list and shared with my agency

export async function renderIncidents(main, params, ctx) {
  const title = heading('Incidents');
  const status = params.get('status') || '';
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Your agency’s incident log, and incidents other agencies have escalated to yours. Every view is recorded in the audit trail.')),
  h('p', { class: 'actions' }, h('a', { class: 'button', href: '#/report' }, 'Report an incident'),
    h('a', { class: 'button button--secondary', href: '#/statistics' }, 'Statistics')));
  const officer = ctx.user.role === 'agency_officer';
  const [first, shared] = await Promise.all([
    apiPage(`/api/v1/incidents${query({ status })}`),
    officer ? api('GET', '/api/v1/incidents/shared') : Promise.resolve(null),
  ]);
  if (shared) main.append(sharedPanel(shared));
  main.append(h('nav', { class: 'view-switch', 'aria-label': 'Incidents by status' },
    [['', 'All'], ['open', 'Open'], ['closed', 'Closed'], ['withdrawn', 'Withdrawn']].map(([v, label]) =>
      h('a', { href: `#/incidents${v ? `?status=${v}` : ''}`, class: 'button button--secondary', 'aria-current': v === status ? 'page' : undefined }, label))));
  const own = first.rows.filter((i) => !i.shared);
  if (!own.length && !first.next) { main.append(h('p', { class: 'muted' }, 'No incidents recorded yet.')); return title; }
  const body = h('tbody', {}, own.map(incidentRow));
  main.append(h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'incident-list' },
    h('caption', { class: 'visually-hidden' }, 'Incidents'),
    h('thead', {}, h('tr', {}, ['Incident', 'Category', 'Agency', 'Reported', 'Risk', 'Status', 'Actions'].map((c) => h('th', { scope: 'col' }, c)))),
    body)));
  const more = showMore(first.next, 'Show more incidents', (rows) => body.append(...rows.filter((i) => !i.shared).map(incidentRow)));
  if (more) main.append(more);
  return title;
}

function incidentRow(i) {
  return h('tr', {},
    h('th', { scope: 'row', 'data-label': 'Incident' }, h('a', { href: `#/incidents/${i.id}` }, `Incident ${i.id}`)),
    h('td', { 'data-label': 'Category' }, sentence(i.category_label)),
    h('td', { 'data-label': 'Agency' }, i.agency_name),
    h('td', { 'data-label': 'Reported' }, formatDateTime(i.reported_at)),
    h('td', { 'data-label': 'Risk' }, riskBadge(i.risk_level)),
    h('td', { 'data-label': 'Status' }, STATUS_LABELS[i.status] || i.status, i.serious ? h('span', { class: 'badge badge--bad' }, 'Serious') : null),
    h('td', { 'data-label': 'Actions' }, i.overdue_actions ? h('span', { class: 'badge badge--bad' }, `${i.overdue_actions} overdue`) : null,
      i.open_actions ? h('span', { class: 'cell-sub' }, `${i.open_actions} open`) : null));
}

function sharedPanel(shared) {
  return h('section', { class: 'panel', id: 'shared-with-me', 'aria-labelledby': 'h-shared' },
    h('h2', { id: 'h-shared' }, 'Shared with my agency'),
    !shared.length ? h('p', { class: 'muted' }, 'No incident has been escalated to your agency.')
      : h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['Incident', 'From', 'Category', 'Risk', 'Shared', 'Acknowledged'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, shared.map((s) => h('tr', { dataset: { incident: String(s.incident_id) } },
          h('th', { scope: 'row', 'data-label': 'Incident' }, h('a', { href: `#/incidents/${s.incident_id}` }, `Incident ${s.incident_id}`)),
          h('td', { 'data-label': 'From' }, s.from_agency),
          h('td', { 'data-label': 'Category' }, sentence(s.category_label)),
          h('td', { 'data-label': 'Risk' }, riskBadge(s.risk_level)),
          h('td', { 'data-label': 'Shared' }, formatDateTime(s.shared_at), h('span', { class: 'cell-sub' }, `by ${s.shared_by}`)),
          h('td', { 'data-label': 'Acknowledged' }, s.acknowledged
            ? h('span', { class: 'badge badge--good' }, `Acknowledged ${formatDate(s.acknowledged_at)}`)
            : acknowledgeButton(s.incident_id)))))));
}

function acknowledgeButton(id) {
  const b = h('button', { type: 'button', class: 'button', dataset: { acknowledge: String(id) } }, 'Acknowledge', h('span', { class: 'visually-hidden' }, ` incident ${id}`));
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await api('POST', `/api/v1/incidents/${id}/acknowledge`);
      announce(`Incident ${id} acknowledged.`, 'good');
      reload();
    } catch (e) { announce(e.message, 'bad'); b.disabled = false; }
  });
  return b;
}

// ---------------------------------------------------------------- one incident

export async function renderIncident(main, id, params, ctx) {
  if (!/^\d+$/.test(id)) throw new ApiError(404, { error: 'There is no incident at this address.' });
  const [inc, events, words] = await Promise.all([
    api('GET', `/api/v1/incidents/${id}`), api('GET', `/api/v1/incidents/${id}/chronology`), vocabulary()]);
  const writable = !inc.shared && inc.status === 'open' && WRITERS.includes(ctx.user.role);
  const title = heading(`Incident ${inc.id}: ${sentence(inc.category_label)}`);
  main.append(h('a', { class: 'back-link', href: '#/incidents' }, 'All incidents'), h('div', { class: 'page-head' }, title,
    h('p', { class: 'incident-meta' }, riskBadge(inc.risk_level, inc.risk_label), ' ',
      h('span', { class: `badge incident-status incident-status--${inc.status}` }, STATUS_LABELS[inc.status] || inc.status),
      inc.serious ? h('span', { class: 'badge badge--bad' }, 'Serious') : null,
      inc.shared ? h('span', { class: 'badge badge--warn' }, `Shared with your agency by ${inc.agency_name}`) : null)));

  if (inc.shared) main.append(sharedNotice(inc, ctx));
  if (inc.must_not && inc.must_not.length) {
    main.append(h('div', { class: 'notice notice--error must-not', role: 'note' }, h('h2', {}, 'Do not'), h('ul', {}, inc.must_not.map((m) => h('li', {}, m)))));
  }
  main.append(summaryPanel(inc, words));
  main.append(actionsPanel(inc, writable));
  // The member of staff who reported it records the referral they made themselves
  // (a call to 101, to social care); escalating to another agency stays with officers.
  const reporter = !inc.shared && inc.status === 'open' && ctx.user.role === 'agency_staff';
  main.append(referralsPanel(inc, writable, words, reporter));
  main.append(peoplePanel(inc, writable, words));
  if (!inc.shared) main.append(evidencePanel(inc, writable));
  if (!inc.shared && WRITERS.includes(ctx.user.role)) append(main, [seriousPanel(inc)]);
  main.append(chronologyPanel(events));
  if (!inc.shared && WRITERS.includes(ctx.user.role) && inc.status !== 'withdrawn') main.append(closePanel(inc));
  return title;
}

function sharedNotice(inc, ctx) {
  const mine = (inc.shares || []).find((s) => s.agency_id === ctx.user.agency_id);
  if (mine && mine.acknowledged_at) {
    return h('p', { class: 'notice notice--good' }, `Your agency acknowledged this incident on ${formatDateTime(mine.acknowledged_at)} (${mine.acknowledged_by}).`);
  }
  return h('div', { class: 'notice notice--warn', id: 'acknowledge-notice' },
    h('p', {}, `${inc.agency_name} has escalated this incident to your agency. You see the shared part: no names and no evidence files.`),
    acknowledgeButton(inc.id));
}

function summaryPanel(inc, words) {
  const row = (label, value) => (value ? [h('dt', {}, label), h('dd', {}, value)] : null);
  return h('section', { class: 'panel', 'aria-labelledby': 'h-summary' }, h('h2', { id: 'h-summary' }, 'What happened'),
    h('dl', { class: 'facts' },
      row('Agency', inc.agency_name + (inc.site_name ? ` — ${inc.site_name}` : '')),
      row('Reported', `${formatDateTime(inc.reported_at)}${inc.reported_by ? ` by ${inc.reported_by}` : ''}`),
      row('Happened', inc.occurred_at ? formatDateTime(inc.occurred_at) : null),
      row('Came to light', sentence(labelOf(words.how_identified, inc.how_identified))),
      row('Technology', [inc.technology, inc.service].filter(Boolean).join(' — ')),
      row('Device owned by', inc.device_owner ? labelOf(words.device_owners, inc.device_owner) : null),
      row('Flowchart', inc.flowchart_id ? `${inc.flowchart_id} (version ${inc.flowchart_version})` : null),
      row('Description', inc.description),
      row('Conclusion', inc.conclusion), row('Outcome', inc.outcome), row('Lessons learned', inc.lessons_learned),
      row('Withdrawn', inc.withdrawn_reason ? `${formatDateTime(inc.withdrawn_at)}: ${inc.withdrawn_reason}` : null)));
}

function actionsPanel(inc, writable) {
  const actions = inc.actions || [];
  const overdue = actions.filter((a) => a.overdue).length;
  const panel = h('section', { class: 'panel', id: 'required-actions', 'aria-labelledby': 'h-actions' },
    h('h2', { id: 'h-actions' }, 'Required actions'),
    overdue ? h('p', { class: 'notice notice--error', id: 'overdue-notice' }, `${overdue} action${overdue === 1 ? ' is' : 's are'} overdue.`) : null);
  if (!actions.length) panel.append(h('p', { class: 'muted' }, 'No actions yet.'));
  else {
    panel.append(h('table', { class: 'data actions-table' },
      h('thead', {}, h('tr', {}, ['What', 'Due', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, actions.map((a) => h('tr', { class: a.overdue ? 'overdue' : undefined, dataset: { action: String(a.id) } },
        h('th', { scope: 'row', 'data-label': 'What' }, a.what,
          a.notify_label && !a.what.includes(a.notify_label) ? h('span', { class: 'cell-sub' }, `Tell: ${a.notify_label}`) : null,
          a.who ? h('span', { class: 'cell-sub' }, `Who: ${a.who}`) : null),
        h('td', { 'data-label': 'Due' }, a.due_at ? h('time', { datetime: a.due_at, class: 'due' }, formatDateTime(a.due_at)) : '—',
          a.overdue ? h('span', { class: 'badge badge--bad' }, 'Overdue') : null),
        h('td', { 'data-label': 'Status' }, actionStatus(inc, a, writable)))))));
  }
  if (writable) {
    panel.append(h('details', { class: 'add' }, h('summary', {}, 'Add an action'),
      miniForm({ id: 'add-action', title: 'Add an action', button: 'Add the action',
        fields: [field('action-what', 'What must be done', h('textarea', { id: 'action-what', name: 'what', rows: 2, maxlength: 2000 })),
          field('action-who', 'Who will do it', h('input', { type: 'text', id: 'action-who', name: 'who', maxlength: 200 })),
          field('action-due', 'Due by', h('input', { type: 'datetime-local', id: 'action-due', name: 'due_at', class: 'input--date' })),
          h('div', { class: 'field field--check' }, h('div', { class: 'check' }, h('input', { type: 'checkbox', id: 'action-required', name: 'required' }), h('label', { for: 'action-required' }, 'Must be done before the incident is closed')))],
        send: async (v) => {
          if (v.due_at) v.due_at = new Date(v.due_at).toISOString();
          await api('POST', `/api/v1/incidents/${inc.id}/actions`, v);
          announce('Action added.', 'good');
          reload();
        } })));
  }
  return panel;
}

function actionStatus(inc, a, writable) {
  if (a.done_at) return h('span', { class: 'badge badge--good' }, `Done ${formatDate(a.done_at)}`, a.done_by ? ` (${a.done_by})` : '');
  if (a.not_done_reason) return [h('span', { class: 'badge badge--warn' }, 'Will not be done'), h('span', { class: 'cell-sub' }, a.not_done_reason)];
  if (!writable) return h('span', {}, 'Open');
  const b = h('button', { type: 'button', class: 'button button--secondary button--small' }, 'Mark done');
  b.setAttribute('aria-label', `Mark done: ${a.what.slice(0, 80)}`);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await api('POST', `/api/v1/incidents/${inc.id}/actions/${a.id}/complete`, {});
      announce('Action marked done.', 'good');
      reload();
    } catch (e) { announce(e.message, 'bad'); b.disabled = false; }
  });
  return b;
}

function referralsPanel(inc, writable, words, reporter = false) {
  const panel = h('section', { class: 'panel', id: 'referrals', 'aria-labelledby': 'h-referrals' },
    h('h2', { id: 'h-referrals' }, 'Referrals and escalation'));
  const refs = inc.referrals || [];
  if (!refs.length) panel.append(h('p', { class: 'muted' }, 'Nobody outside the agency has been told yet.'));
  else {
    panel.append(h('ul', { class: 'record-list' }, refs.map((r) => h('li', {},
      h('strong', {}, r.agency_name || sentence(r.target_label)), ` — ${formatDateTime(r.referred_at)}`,
      r.reference_number ? ` — reference ${r.reference_number}` : '', r.notes ? h('span', { class: 'cell-sub' }, r.notes) : null))));
  }
  const shares = inc.shares || [];
  if (shares.length) {
    panel.append(h('h3', {}, 'Shared with'), h('ul', { class: 'record-list', id: 'shares' }, shares.map((s) => h('li', { dataset: { agency: String(s.agency_id) } },
      h('strong', {}, s.agency_name), ` — shared ${formatDateTime(s.shared_at)} `,
      s.acknowledged_at ? h('span', { class: 'badge badge--good' }, `Acknowledged by ${s.acknowledged_by}`)
        : h('span', { class: 'badge badge--warn' }, 'Waiting for acknowledgement')))));
  }
  if (writable || reporter) {
    const agencySel = select('referral-agency', [], { empty: 'Choose the agency…' });
    agencySel.name = 'agency_id';
    const agencyField = field('referral-agency', 'Member agency', agencySel, 'The agency’s e-safety officers will see the incident (without names) and acknowledge it.');
    agencyField.hidden = true;
    const targets = words.referral_targets.filter((t) => writable || t.key !== 'member_agency');
    const target = select('referral-target', targets.map((t) => ({ key: t.key, label: sentence(t.label) })), { empty: 'Choose…', required: true });
    target.name = 'target';
    target.addEventListener('change', async () => {
      agencyField.hidden = target.value !== 'member_agency';
      if (!agencyField.hidden && agencySel.options.length <= 1) {
        try {
          const agencies = await api('GET', '/api/v1/incidents/referral-agencies');
          for (const a of agencies) if (a.id !== inc.agency_id) agencySel.append(h('option', { value: String(a.id) }, a.name));
        } catch (e) { announce(e.message, 'bad'); }
      }
    });
    panel.append(miniForm({ id: 'add-referral', title: writable ? 'Refer or escalate' : 'Record a referral you made', button: 'Record the referral',
      fields: [field('referral-target', 'Referred to', target), agencyField,
        field('referral-ref', 'Their reference number', h('input', { type: 'text', id: 'referral-ref', name: 'reference_number', maxlength: 100 })),
        field('referral-notes', 'Notes', h('textarea', { id: 'referral-notes', name: 'notes', rows: 2, maxlength: 2000 }))],
      send: async (v) => {
        if (v.target !== 'member_agency') delete v.agency_id;
        else if (v.agency_id) v.agency_id = Number(v.agency_id);
        await api('POST', `/api/v1/incidents/${inc.id}/referrals`, v);
        announce('Referral recorded.', 'good');
        reload();
      } }));
  }
  return panel;
}

function peoplePanel(inc, writable, words) {
  const panel = h('section', { class: 'panel', id: 'people', 'aria-labelledby': 'h-people' }, h('h2', { id: 'h-people' }, 'People involved'));
  const people = inc.people || [];
  if (!people.length) panel.append(h('p', { class: 'muted' }, 'No one recorded yet.'));
  else {
    panel.append(h('ul', { class: 'record-list' }, people.map((p) => h('li', {},
      h('strong', {}, p.reference), ` — ${labelOf(words.person_roles, p.role)}`, p.age != null ? `, aged ${p.age}` : '',
      p.name ? h('span', { class: 'cell-sub' }, `Name (seen only in this agency): ${p.name}`) : null,
      p.notes ? h('span', { class: 'cell-sub' }, p.notes) : null))));
  }
  if (writable) {
    const role = select('person-role', words.person_roles, { empty: 'Choose…', required: true });
    role.name = 'role';
    panel.append(h('details', { class: 'add' }, h('summary', {}, 'Add a person'),
      miniForm({ id: 'add-person', title: 'Add a person', button: 'Add the person',
        fields: [field('person-role', 'Role', role),
          field('person-reference', 'Reference', h('input', { type: 'text', id: 'person-reference', name: 'reference', maxlength: 60 }), 'A pseudonymous reference such as “Child A”.'),
          field('person-age', 'Age (children)', h('input', { type: 'number', id: 'person-age', name: 'age', min: 0, max: 120, class: 'input--short', inputmode: 'numeric' })),
          field('person-name', 'Name (optional)', h('input', { type: 'text', id: 'person-name', name: 'name', maxlength: 200 }), 'Only your agency sees it.')],
        send: async (v) => {
          if (v.age !== undefined) v.age = Number(v.age);
          await api('POST', `/api/v1/incidents/${inc.id}/people`, v);
          announce('Person added.', 'good');
          reload();
        } })));
  }
  return panel;
}

function evidencePanel(inc, writable) {
  const panel = h('section', { class: 'panel', id: 'evidence', 'aria-labelledby': 'h-evidence' }, h('h2', { id: 'h-evidence' }, 'Evidence register'));
  if (inc.illegal_material_instruction) panel.append(h('p', { class: 'notice notice--warn', id: 'illegal-instruction' }, inc.illegal_material_instruction));
  const items = inc.evidence || [];
  if (!items.length) panel.append(h('p', { class: 'muted' }, 'No evidence registered.'));
  for (const e of items) {
    const err = errorBox();
    const file = h('input', { type: 'file', id: `evidence-file-${e.id}` });
    const attach = h('button', { type: 'button', class: 'button button--secondary' }, 'Attach the file');
    attach.addEventListener('click', async () => {
      err.hidden = true;
      const f = file.files[0];
      if (!f) { showError(err, new Error('Choose a file first.')); return; }
      attach.disabled = true;
      try {
        await api('PUT', `/api/v1/incidents/${inc.id}/evidence/${e.id}/file${query({ file_name: f.name })}`, await f.arrayBuffer(), { contentType: 'application/octet-stream' });
        announce('File attached; its SHA-256 is recorded.', 'good');
        reload();
      } catch (ex) { showError(err, ex); attach.disabled = false; }
    });
    panel.append(h('article', { class: 'evidence-item', dataset: { evidence: String(e.id) } },
      h('h3', {}, e.what),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Held'), h('dd', {}, e.held_where),
        h('dt', {}, 'Secured'), h('dd', {}, `${formatDateTime(e.secured_at)} by ${e.secured_by}`),
        e.sha256 ? [h('dt', {}, 'SHA-256'), h('dd', { class: 'hash' }, e.sha256)] : null,
        e.file_name ? [h('dt', {}, 'File'), h('dd', {}, `${e.file_name} (${e.file_size} bytes)`)] : null),
      h('h4', {}, 'Chain of custody'),
      h('ol', { class: 'custody' }, (e.custody || []).map((c) => h('li', {}, `${formatDateTime(c.at)}: ${c.from_holder ? `${c.from_holder} → ` : ''}${c.to_holder}${c.purpose ? ` (${c.purpose})` : ''}`))),
      writable && !e.file_name && !inc.illegal_material ? h('div', { class: 'attach' }, err, field(`evidence-file-${e.id}`, 'Attach a file', file), attach) : null));
  }
  if (writable) {
    const today = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    panel.append(h('details', { class: 'add' }, h('summary', {}, 'Register evidence'),
      miniForm({ id: 'add-evidence', title: 'Register evidence', button: 'Register the evidence',
        fields: [field('evidence-what', 'What it is', h('textarea', { id: 'evidence-what', name: 'what', rows: 2, maxlength: 2000 }), 'Describe it; never copy the material itself.'),
          field('evidence-where', 'Where it is held', h('input', { type: 'text', id: 'evidence-where', name: 'held_where', maxlength: 200 })),
          field('evidence-by', 'Who secured it', h('input', { type: 'text', id: 'evidence-by', name: 'secured_by', maxlength: 200 })),
          field('evidence-at', 'When', h('input', { type: 'datetime-local', id: 'evidence-at', name: 'secured_at', value: today, class: 'input--date' }))],
        send: async (v) => {
          if (v.secured_at) v.secured_at = new Date(v.secured_at).toISOString();
          await api('POST', `/api/v1/incidents/${inc.id}/evidence`, v);
          announce('Evidence registered.', 'good');
          reload();
        } })));
  }
  return panel;
}

// Section 5: a serious incident is reviewed with four questions; the review is listed for the sub-group.
const REVIEW_QUESTIONS = [
  ['why_happened', 'Why did the incident happen?'],
  ['prevention', 'Are there any measures which could have prevented it?'],
  ['response', 'What was the response? Was it effective? Could or should anything else have been done?'],
  ['lessons', 'What lessons have we learned? How will they be shared, and how will policy and practice change?'],
];

function seriousPanel(inc) {
  const panel = h('section', { class: 'panel', id: 'serious', 'aria-labelledby': 'h-serious' }, h('h2', { id: 'h-serious' }, 'Serious-incident review'));
  if (!inc.serious) {
    if (inc.status === 'withdrawn') return null;
    panel.append(h('p', { class: 'muted' }, 'Not marked serious.'),
      h('details', { class: 'add' }, h('summary', {}, 'Mark as a serious incident'),
        miniForm({ id: 'mark-serious', title: 'Mark as a serious incident', button: 'Mark serious and open the review',
          fields: [field('serious-reason', 'Why it is serious', h('textarea', { id: 'serious-reason', name: 'reason', rows: 2, maxlength: 2000 }))],
          send: async (v) => {
            await api('POST', `/api/v1/incidents/${inc.id}/serious`, v);
            announce('Marked serious; the review is open.', 'good');
            reload();
          } })));
    return panel;
  }
  const review = inc.review || {};
  panel.append(h('p', {}, review.complete ? h('span', { class: 'badge badge--good' }, 'Review complete') : h('span', { class: 'badge badge--warn' }, 'Review open'),
    review.reason ? ` — ${review.reason}` : ''));
  if (review.complete) {
    panel.append(h('dl', { class: 'facts' }, REVIEW_QUESTIONS.map(([k, q]) => [h('dt', {}, q), h('dd', {}, review[k] || '—')])));
    return panel;
  }
  panel.append(miniForm({ id: 'review-form', title: 'The four questions', button: 'Save the review',
    fields: [...REVIEW_QUESTIONS.map(([k, q]) => {
      const area = h('textarea', { id: `review-${k}`, name: k, rows: 3, maxlength: 10000 });
      area.value = review[k] || '';
      return field(`review-${k}`, q, area);
    }), h('div', { class: 'field field--check' }, h('div', { class: 'check' }, h('input', { type: 'checkbox', id: 'review-complete', name: 'complete' }), h('label', { for: 'review-complete' }, 'The review is complete')))],
    send: async (v) => {
      await api('PATCH', `/api/v1/incidents/${inc.id}/review`, v);
      announce('Review saved.', 'good');
      reload();
    } }));
  return panel;
}

function chronologyPanel(events) {
  return h('section', { class: 'panel', id: 'chronology', 'aria-labelledby': 'h-chronology' }, h('h2', { id: 'h-chronology' }, 'Chronology'),
    h('ol', { class: 'chronology' }, events.map((e) => h('li', { dataset: { kind: e.kind } },
      h('time', { datetime: e.at }, formatDateTime(e.at)), ' ', h('span', {}, sentence(e.summary)), e.by ? h('span', { class: 'muted' }, ` — ${e.by}`) : null))));
}

function closePanel(inc) {
  const panel = h('section', { class: 'panel', id: 'close', 'aria-labelledby': 'h-close' }, h('h2', { id: 'h-close' }, 'Close or withdraw'));
  if (inc.status === 'open') {
    const open = (inc.actions || []).filter((a) => a.required && a.open).length;
    panel.append(miniForm({ id: 'close-form', title: 'Close the incident', button: 'Close the incident',
      fields: [field('close-conclusion', 'Conclusion', h('textarea', { id: 'close-conclusion', name: 'conclusion', rows: 3, maxlength: 10000 })),
        field('close-outcome', 'Outcome', h('textarea', { id: 'close-outcome', name: 'outcome', rows: 2, maxlength: 10000 })),
        field('close-lessons', 'Lessons learned', h('textarea', { id: 'close-lessons', name: 'lessons_learned', rows: 2, maxlength: 10000 })),
        open ? field('close-reason', `Why ${open} required action${open === 1 ? '' : 's'} will not be done`,
          h('textarea', { id: 'close-reason', name: 'open_actions_reason', rows: 2, maxlength: 2000 }), 'Required actions are still open; the incident can be closed only with a reason.') : null],
      send: async (v) => {
        await api('POST', `/api/v1/incidents/${inc.id}/close`, v);
        announce('Incident closed.', 'good');
        reload();
      } }));
  }
  panel.append(miniForm({ id: 'withdraw-form', title: 'Withdraw (recorded in error)', button: 'Withdraw the incident', quiet: true,
    fields: [field('withdraw-reason', 'Reason', h('textarea', { id: 'withdraw-reason', name: 'reason', rows: 2, maxlength: 2000 }), 'The record and its history are kept.')],
    send: async (v) => {
      await api('POST', `/api/v1/incidents/${inc.id}/withdraw`, v);
      announce('Incident withdrawn.', 'good');
      reload();
    } }));
  return panel;
}

// ---------------------------------------------------------------- overdue actions on the dashboard

// The dashboard panel of required actions past their due time; nothing for roles that do not see them.
export async function overduePanel(ctx) {
  if (!['agency_officer', 'partnership_admin', 'partnership_lead'].includes(ctx.user.role)) return null;
  let rows;
  try { rows = await api('GET', '/api/v1/incidents/overdue'); } catch { return null; }
  const words = await vocabulary();
  return h('section', { class: 'panel', id: 'overdue-actions', 'aria-labelledby': 'h-overdue' },
    h('h2', { id: 'h-overdue' }, 'Overdue incident actions'),
    !rows.length ? h('p', { class: 'muted' }, 'No required action is overdue.')
      : h('table', { class: 'data' },
        h('thead', {}, h('tr', {}, ['Incident', 'Action', 'Was due'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, rows.slice(0, 50).map((r) => h('tr', { class: 'overdue' },
          h('th', { scope: 'row', 'data-label': 'Incident' }, h('a', { href: `#/incidents/${r.incident_id}` }, `Incident ${r.incident_id}`),
            h('span', { class: 'cell-sub' }, `${r.agency_name} — ${labelOf(words.categories, r.category)}`)),
          h('td', { 'data-label': 'Action' }, r.what),
          h('td', { 'data-label': 'Was due' }, formatDateTime(r.due_at), h('span', { class: 'badge badge--bad' }, 'Overdue')))))));
}

// ---------------------------------------------------------------- statistics

const DIMENSION_TITLES = {
  total: 'All incidents', category: 'By category', agency: 'By agency', sector: 'By sector',
  how_identified: 'By how they came to light', risk_level: 'By risk level', escalation_target: 'By whom they were escalated to',
};

// The number of incidents each period, as bars with the change from the period before; suppressed periods
// are drawn as an outline labelled "fewer than 5".
export function trendChart(periods, rows) {
  const byPeriod = Object.fromEntries(rows.map((r) => [r.period, r]));
  const values = periods.map((p) => byPeriod[p] || { count: 0, display: '0' });
  const max = Math.max(5, ...values.map((v) => (v.count == null ? 4 : v.count)));
  const barW = 48; const gap = 24; const top = 24; const plotH = 160; const width = Math.max(320, periods.length * (barW + gap) + gap);
  const height = top + plotH + 44;
  const desc = periods.map((p, i) => `${p}: ${values[i].display}`).join('; ');
  return h('figure', { class: 'panel trend', id: 'trend', 'aria-labelledby': 'trend-cap' },
    h('figcaption', { id: 'trend-cap' }, h('strong', {}, 'Incidents per period'), periods.length ? ` — ${periods[0]} to ${periods[periods.length - 1]}` : ''),
    !periods.length ? h('p', { class: 'muted' }, 'No incidents in this range.')
      : svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'trend__chart', role: 'img', 'aria-labelledby': 'trend-title trend-desc', focusable: 'false' },
        svg('title', { id: 'trend-title' }, 'Incidents per period'), svg('desc', { id: 'trend-desc' }, desc),
        svg('line', { x1: 0, y1: top + plotH, x2: width, y2: top + plotH, class: 'trend__axis' }),
        values.map((v, i) => {
          const x = gap + i * (barW + gap);
          const n = v.count == null ? 4 : v.count;
          const barH = (plotH * n) / max;
          const prev = i > 0 ? values[i - 1] : null;
          const change = prev && v.count != null && prev.count != null ? v.count - prev.count : null;
          return svg('g', { class: 'trend__period', dataset: { period: periods[i], count: v.count == null ? '' : String(v.count) } },
            svg('rect', { x, y: top + plotH - barH, width: barW, height: Math.max(1, barH), class: v.count == null ? 'trend__bar trend__bar--suppressed' : 'trend__bar' }),
            svg('text', { x: x + barW / 2, y: top + plotH - barH - 6, 'text-anchor': 'middle', class: 'trend__value' }, v.count == null ? '<5' : String(v.count)),
            svg('text', { x: x + barW / 2, y: top + plotH + 18, 'text-anchor': 'middle', class: 'trend__label' }, periods[i]),
            change != null ? svg('text', { x: x + barW / 2, y: top + plotH + 36, 'text-anchor': 'middle', class: `trend__change trend__change--${change > 0 ? 'up' : change < 0 ? 'down' : 'same'}` },
              change > 0 ? `▲ ${change}` : change < 0 ? `▼ ${-change}` : '＝') : null);
        })));
}

export async function renderStatistics(main, params, ctx) {
  const title = heading('Incident statistics');
  const per = params.get('per') === 'year' ? 'year' : 'quarter';
  const from = params.get('from') || ''; const to = params.get('to') || '';
  const q = query({ per, from, to });
  const stats = await api('GET', `/api/v1/incidents/statistics${q}`);
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, stats.scope === 'partnership'
      ? 'The type and number of incidents across the partnership’s agencies. Counts only; a count from 1 to 4 is shown as “fewer than 5” so that no child can be identified.'
      : 'Your agency’s incidents, counted exactly. Withdrawn incidents are left out.')));
  const form = h('form', { class: 'toolbar', id: 'stats-filter', novalidate: true },
    h('div', { class: 'filters' },
      field('stats-from', 'Reported from', h('input', { type: 'date', id: 'stats-from', value: from, class: 'input--date' })),
      field('stats-to', 'Reported before', h('input', { type: 'date', id: 'stats-to', value: to, class: 'input--date' })),
      field('stats-per', 'Periods', select('stats-per', [{ key: 'quarter', label: 'Quarters' }, { key: 'year', label: 'Years' }], { value: per }))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Show'),
      exportButton({ id: 'export-statistics-csv', label: 'Export CSV', path: `/api/v1/incidents/statistics/export.csv${q}` }),
      exportButton({ id: 'export-statistics-xlsx', label: 'Export XLSX', path: `/api/v1/incidents/statistics/export.xlsx${q}` })));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/statistics${query({ per: form.querySelector('#stats-per').value, from: form.querySelector('#stats-from').value, to: form.querySelector('#stats-to').value })}`;
  });
  main.append(form);
  const table = (dimension) => stats.tables.find((t) => t.dimension === dimension) || { rows: [] };
  main.append(trendChart(stats.periods, table('total').rows));
  if (WRITERS.includes(ctx.user.role)) main.append(await seriousList());
  for (const t of stats.tables) {
    if (t.dimension === 'total' || !t.rows.length) continue;
    const keys = [...new Map(t.rows.map((r) => [r.key, r.label])).entries()];
    const cell = (period, key) => (t.rows.find((r) => r.period === period && r.key === key) || { display: '0' }).display;
    main.append(h('section', { class: 'panel', 'aria-labelledby': `h-${t.dimension}` },
      h('h2', { id: `h-${t.dimension}` }, DIMENSION_TITLES[t.dimension] || t.dimension),
      h('div', { class: 'table-wrap table-wrap--wide' }, h('table', { class: 'data data--stats', dataset: { dimension: t.dimension } },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, sentence(t.dimension.replace(/_/g, ' '))), stats.periods.map((p) => h('th', { scope: 'col', class: 'num' }, p)))),
        h('tbody', {}, keys.map(([key, label]) => h('tr', {}, h('th', { scope: 'row' }, sentence(label)),
          stats.periods.map((p) => h('td', { class: 'num', 'data-label': p }, cell(p, key))))))))));
  }
  void clear;
  return title;
}

// The serious incidents with their review status: the sub-group's standing agenda item.
async function seriousList() {
  const list = await api('GET', '/api/v1/incidents/serious');
  return h('section', { class: 'panel', id: 'serious-list', 'aria-labelledby': 'h-serious-list' },
    h('h2', { id: 'h-serious-list' }, 'Serious incidents'),
    !list.length ? h('p', { class: 'muted' }, 'No incident is marked serious.')
      : h('ul', { class: 'record-list' }, list.map((r) => h('li', {},
        h('a', { href: `#/incidents/${r.incident_id}` }, `Incident ${r.incident_id}`), ` — ${r.agency_name} — ${sentence(r.category_label)} — `,
        r.review_complete ? h('span', { class: 'badge badge--good' }, 'Review complete') : h('span', { class: 'badge badge--warn' }, 'Review open')))),
    h('p', {}, exportButton({ id: 'export-serious', label: 'Export for the sub-group (CSV)', path: '/api/v1/incidents/serious/export.csv' })));
}

// ---------------------------------------------------------------- flowcharts (partnership)

// The flowcharts in force, each readable in full, and publishing a new version from a YAML file. A file
// that does not validate is refused with every FILE:LINE: reason, and the version in force stays.
export async function renderFlowcharts(main, params, ctx) {
  const title = heading('Response flowcharts');
  const charts = await api('GET', '/api/v1/flowcharts');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'The flowcharts staff are walked through when they report an incident. Each is a YAML file that safeguarding staff own; a new version applies to incidents recorded from then on.')),
  h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'flowchart-list' },
    h('thead', {}, h('tr', {}, ['Flowchart', 'Version', 'Published'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, charts.map((c) => h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Flowchart' }, c.title, h('span', { class: 'cell-sub' }, c.id)),
      h('td', { 'data-label': 'Version' }, String(c.version)),
      h('td', { 'data-label': 'Published' }, formatDateTime(c.published_at), c.published_by ? h('span', { class: 'cell-sub' }, c.published_by) : null)))))));
  if (!['partnership_admin', 'partnership_lead'].includes(ctx.user.role)) return title;
  const problems = h('pre', { class: 'notice notice--error problems', role: 'alert', tabindex: '-1', hidden: true });
  const file = h('input', { type: 'file', id: 'flowchart-file', accept: '.yaml,.yml,application/yaml,text/yaml' });
  const button = h('button', { type: 'submit', class: 'button' }, 'Publish');
  const form = h('form', { class: 'panel mini-form', id: 'publish-flowchart', novalidate: true, 'aria-labelledby': 'h-publish' },
    h('h2', { id: 'h-publish' }, 'Publish a new version'), problems,
    field('flowchart-file', 'Flowchart file (YAML)', file, 'Raise its version number. It is checked first: every path must end in an outcome, with no dangling or unreachable questions and only known people to tell.'),
    button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    problems.hidden = true;
    const f = file.files[0];
    if (!f) { problems.textContent = 'Choose the flowchart file first.'; problems.hidden = false; problems.focus(); return; }
    button.disabled = true;
    try {
      const done = await api('POST', `/api/v1/flowcharts${query({ file_name: f.name })}`, await f.text(), { contentType: 'application/yaml' });
      announce(`Published ${done.id} version ${done.version}.`, 'good');
      reload();
    } catch (ex) {
      problems.textContent = sentence(ex.message);
      problems.hidden = false;
      problems.focus();
    } finally {
      button.disabled = false;
    }
  });
  main.append(form);
  return title;
}
