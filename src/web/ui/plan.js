// The plan pages: the strategy action plan with the board's RAG+blue summary drawn as SVG, the training
// register (each person's status, recording attendance) and the register of disclosure requests.
import { api, apiPage, query } from './api.js';
import { h, svg, clear, announce, formatDate, showMore } from './dom.js';
import { remindersNotice } from './aup.js';

export const STATUS_LABELS = {
  not_achieved: 'Not achieved', in_progress: 'In progress', completed: 'Completed',
  achieved_evolving: 'Achieved, continuously evolving',
};
const STATUSES = Object.keys(STATUS_LABELS);
const COLOURS = { not_achieved: 'red', in_progress: 'gold', completed: 'green', achieved_evolving: 'blue' };
const TRAINING_LABELS = { up_to_date: 'Up to date', refresher_due: 'Refresher due', never_trained: 'Never trained' };

function heading(text) { return h('h1', { tabindex: '-1', id: 'page-title' }, text); }
function managesPlan(user) { return ['partnership_admin', 'partnership_lead'].includes(user.role); }
function statusBadge(status) {
  return h('span', { class: `rag rag--${COLOURS[status] || 'none'}`, dataset: { status } }, STATUS_LABELS[status] || status);
}

// One stacked bar per row (the whole plan, then each strand): the share of actions in each colour.
export function ragChart(summary) {
  const rows = [{ label: 'Whole plan', total: summary.total, by_status: summary.by_status, overdue: summary.overdue },
    ...summary.by_strand.map((s) => ({ label: s.strand, total: s.total, by_status: s.by_status, overdue: s.overdue }))];
  const width = 600; const rowH = 46; const barX = 0; const barW = 520;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${rows.length * rowH}`, class: 'rag-chart', role: 'img',
    'aria-labelledby': 'rag-title rag-desc', focusable: 'false', id: 'rag-chart' },
  svg('title', { id: 'rag-title' }, 'Action plan status (RAG + blue)'),
  svg('desc', { id: 'rag-desc' }, rows.map((r) => `${r.label}: ${STATUSES.map((s) => `${r.by_status[s]} ${STATUS_LABELS[s].toLowerCase()}`).join(', ')}`).join('; ')),
  rows.map((r, i) => {
    const y = i * rowH;
    let x = barX;
    const parts = STATUSES.map((s) => {
      const n = r.by_status[s] || 0;
      const w = r.total ? (barW * n) / r.total : 0;
      const rect = n ? svg('rect', { x, y: y + 18, width: w, height: 20, class: `rag-fill rag-fill--${COLOURS[s]}`, dataset: { status: s, count: String(n) } }) : null;
      const label = n && w > 18 ? svg('text', { x: x + w / 2, y: y + 32, 'text-anchor': 'middle', class: `rag-count rag-count--${COLOURS[s]}` }, String(n)) : null;
      x += w;
      return [rect, label];
    });
    return svg('g', { class: 'rag-row', dataset: { label: r.label } },
      svg('text', { x: 0, y: y + 13, class: 'rag-label' }, `${r.label} (${r.total}${r.overdue ? `, ${r.overdue} overdue` : ''})`),
      r.total ? parts : svg('rect', { x: 0, y: y + 18, width: barW, height: 20, class: 'rag-fill rag-fill--none' }));
  }));
  const legend = h('ul', { class: 'rag-legend' }, STATUSES.map((s) => h('li', {}, statusBadge(s), ` ${summary.by_status[s]}`)));
  return h('figure', { class: 'panel rag-figure', id: 'rag-summary', dataset: Object.fromEntries(STATUSES.map((s) => [s, String(summary.by_status[s])])) },
    h('figcaption', {}, h('strong', {}, 'Board summary'), ` — ${summary.total} actions, ${summary.overdue} overdue`), chart, legend);
}

export async function renderPlan(main, params, ctx) {
  const title = heading('Strategy and action plan');
  const view = params.get('view') || 'strand';
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Objectives and actions by strand, with status on the Telford scale: not achieved (red), in progress (gold), completed (green), achieved but continuously evolving (blue).')));
  const [summary, actions, reminders] = await Promise.all([
    api('GET', '/api/v1/plan/summary'),
    api('GET', `/api/v1/plan/actions${query({ overdue: view === 'overdue' ? 1 : undefined })}`),
    // AUP reviews that are overdue belong on the plan too; the board does not see policies.
    ctx.user.role === 'board_member' ? Promise.resolve([]) : api('GET', '/api/v1/aup/reminders').catch(() => []),
  ]);
  const notice = remindersNotice(reminders);
  if (notice) main.append(notice);
  main.append(ragChart(summary));
  main.append(h('nav', { class: 'view-switch', 'aria-label': 'Plan views' },
    [['strand', 'By strand'], ['lead', 'By lead'], ['overdue', 'Overdue']].map(([v, label]) =>
      h('a', { href: `#/plan?view=${v}`, class: 'button button--secondary', 'aria-current': v === view ? 'page' : undefined }, label)),
    h('a', { href: '/api/v1/plan/actions/export.csv', class: 'button button--secondary', download: 'action-plan.csv' }, 'Export CSV')));
  const groups = new Map();
  for (const a of actions) {
    const key = view === 'lead' ? (a.lead_agency || a.lead_display || 'No lead named') : a.strand;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(a);
  }
  if (!actions.length) main.append(h('p', { class: 'muted' }, view === 'overdue' ? 'No action is overdue.' : 'No actions yet.'));
  const canManage = managesPlan(ctx.user);
  for (const [group, list] of groups) {
    main.append(h('section', { class: 'panel' }, h('h2', {}, group),
      h('table', { class: 'data plan-table' },
        h('thead', {}, h('tr', {}, ['Action', 'Objective', 'Lead', 'Timescale', 'Success measure', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, list.map((a) => actionRow(a, canManage || (ctx.user.role === 'agency_officer' && ctx.user.agency_id === a.lead_agency_id)))))));
  }
  return title;
}

function actionRow(a, canChange) {
  const due = a.due_date ? h('time', { datetime: a.due_date }, formatDate(a.due_date)) : null;
  let statusCell = statusBadge(a.status);
  if (canChange) {
    const id = `status-${a.id}`;
    const select = h('select', { id, class: 'status-select', 'aria-label': `Status of ${a.title}` },
      STATUSES.map((s) => h('option', { value: s, selected: s === a.status }, STATUS_LABELS[s])));
    select.addEventListener('change', async () => {
      select.disabled = true;
      try {
        await api('POST', `/api/v1/plan/actions/${a.id}/progress`, { status: select.value, note: `Status set to ${STATUS_LABELS[select.value].toLowerCase()}` });
        announce(`${a.title}: ${STATUS_LABELS[select.value]}.`, 'good');
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } catch (e) {
        announce(e.message, 'bad');
        select.value = a.status;
        select.disabled = false;
      }
    });
    statusCell = [statusBadge(a.status), h('label', { class: 'visually-hidden', for: id }, `Status of ${a.title}`), select];
  }
  return h('tr', { dataset: { id: String(a.id) }, class: a.overdue ? 'overdue' : undefined },
    h('th', { scope: 'row', 'data-label': 'Action' }, a.title, a.method ? h('span', { class: 'cell-sub' }, a.method) : null),
    h('td', { 'data-label': 'Objective' }, a.objective),
    h('td', { 'data-label': 'Lead' }, a.lead_display || '—'),
    h('td', { 'data-label': 'Timescale' }, a.timescale || '', due ? h('span', { class: 'cell-sub' }, 'due ', due) : null,
      a.overdue ? h('span', { class: 'badge badge--bad' }, 'Overdue') : null),
    h('td', { 'data-label': 'Success measure' }, a.success_measure || ''),
    h('td', { 'data-label': 'Status' }, statusCell));
}

function personOption(p) {
  return h('option', { value: p.person_id }, `${p.full_name} — ${p.agency_name}`);
}

function personRow(p) {
  return h('tr', { dataset: { person: String(p.person_id) } },
    h('th', { scope: 'row', 'data-label': 'Name' }, p.full_name),
    h('td', { 'data-label': 'Agency' }, p.agency_name),
    h('td', { 'data-label': 'Audience' }, p.audience),
    h('td', { 'data-label': 'Status', class: 'training-status' }, h('span', { class: `badge badge--${p.status === 'up_to_date' ? 'good' : p.status === 'refresher_due' ? 'warn' : 'bad'}` }, TRAINING_LABELS[p.status])),
    h('td', { 'data-label': 'Last trained' }, p.last_trained ? formatDate(p.last_trained) : '—'),
    h('td', { 'data-label': 'Refresher due' }, p.refresher_due_on ? formatDate(p.refresher_due_on) : '—'));
}

export async function renderTraining(main, params, ctx) {
  const title = heading('Training register');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Who has had e-safety training, from the needs matrix and the sessions they attended. A person’s audience comes from their e-safety role unless it is set.')));
  const [firstPeople, sessions, coverage] = await Promise.all([
    apiPage('/api/v1/training/people'), api('GET', '/api/v1/training/sessions'), api('GET', '/api/v1/training/coverage'),
  ]);
  const people = firstPeople.rows;
  const t = coverage.total;
  main.append(h('ul', { class: 'stats', 'aria-label': 'Training figures' },
    ['up_to_date', 'refresher_due', 'never_trained'].map((s) => h('li', { class: 'stat', dataset: { status: s } },
      h('span', { class: 'stat__n' }, String(t[s])), h('span', { class: 'stat__label' }, TRAINING_LABELS[s])))));
  const canRecord = ['partnership_admin', 'partnership_lead', 'agency_officer'].includes(ctx.user.role);
  let personSel = null;
  if (canRecord && sessions.length) {
    const sessionSel = h('select', { id: 'attend-session' }, sessions.map((s) => h('option', { value: s.id }, `${s.course} — ${formatDate(s.held_on)}${s.agency_name ? ` (${s.agency_name})` : ''}`)));
    personSel = h('select', { id: 'attend-person' }, people.map(personOption));
    const form = h('form', { class: 'panel attend-form', novalidate: true, 'aria-labelledby': 'h-attend' },
      h('h2', { id: 'h-attend' }, 'Record attendance'),
      h('div', { class: 'field' }, h('label', { for: 'attend-session' }, 'Session'), sessionSel),
      h('div', { class: 'field' }, h('label', { for: 'attend-person' }, 'Person'), personSel),
      h('button', { type: 'submit', class: 'button', id: 'attend-submit' }, 'Record attendance'));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        await api('POST', `/api/v1/training/sessions/${sessionSel.value}/attendance`, { person_id: Number(personSel.value) });
        announce('Attendance recorded.', 'good');
        window.dispatchEvent(new HashChangeEvent('hashchange'));
      } catch (ex) { announce(ex.message, 'bad'); }
    });
    main.append(form);
  } else if (canRecord) {
    main.append(h('p', { class: 'notice' }, 'No training sessions are recorded yet.'));
  }
  const peopleBody = h('tbody', {}, people.map(personRow));
  main.append(h('section', { class: 'panel' }, h('h2', {}, 'People'),
    h('table', { class: 'data', id: 'training-people' },
      h('thead', {}, h('tr', {}, ['Name', 'Agency', 'Audience', 'Status', 'Last trained', 'Refresher due'].map((c) => h('th', { scope: 'col' }, c)))),
      peopleBody),
    showMore(firstPeople.next, 'Show more people', (rows) => {
      peopleBody.append(...rows.map(personRow));
      if (personSel) personSel.append(...rows.map(personOption));
    })));
  main.append(h('section', { class: 'panel' }, h('h2', {}, 'Coverage by audience'),
    h('table', { class: 'data' },
      h('thead', {}, h('tr', {}, ['Audience', 'Up to date', 'Refresher due', 'Never trained'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, coverage.by_audience.map((a) => h('tr', {}, h('th', { scope: 'row' }, a.audience),
        h('td', {}, String(a.up_to_date)), h('td', {}, String(a.refresher_due)), h('td', {}, String(a.never_trained))))))));
  return title;
}

export async function renderDisclosures(main, params, ctx) {
  const title = heading('Disclosure requests');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Requests for communications data that you handle. Only the named handlers and partnership administrators can see a request; every view is recorded in the audit trail.')));
  const list = await api('GET', '/api/v1/disclosures');
  if (!list.length) { main.append(h('p', { class: 'muted' }, 'There are no requests for you to handle.')); return title; }
  const stage = { awaiting_validation: 'Awaiting validation', validated: 'Validated', responded: 'Responded' };
  main.append(h('table', { class: 'data' },
    h('thead', {}, h('tr', {}, ['Notice', 'Requesting body', 'Asked for', 'Deadline', 'Stage'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, list.map((d) => h('tr', {},
      h('th', { scope: 'row' }, d.notice_reference), h('td', {}, d.requesting_body), h('td', {}, d.requested_data),
      h('td', {}, formatDate(d.deadline)), h('td', {}, stage[d.stage] || d.stage))))));
  void ctx; void clear;
  return title;
}
