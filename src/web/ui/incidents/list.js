// The incident list, and what other agencies share with mine.
import { api, apiPage, query } from '../api.js';
import { h, announce, formatDate, formatDateTime, showMore } from '../dom.js';
import { STATUS_LABELS, heading, sentence, riskBadge, reload } from './shared.js';

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

export function acknowledgeButton(id) {
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
