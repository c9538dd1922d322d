// The audit trail: who read or changed what, newest first, with filters by record type and action.
import { api, query } from './api.js';
import { h, clear, formatDateTime } from './dom.js';

const ENTITIES = [['', 'All records'], ['agency', 'Agencies'], ['site', 'Sites'], ['access_location', 'Access locations'],
  ['person', 'People'], ['account', 'Accounts']];
const ACTIONS = ['create', 'update', 'delete', 'read', 'list', 'import', 'export', 'login', 'login_failed', 'logout',
  'login_unlocked', 'disable', 'enable', 'password_reset', 'password_change', 'totp_enrol', 'totp_on', 'totp_reset', 'session_revoke'];
const ACTION_LABELS = { login: 'sign in', login_failed: 'failed sign-in', logout: 'sign out', login_unlocked: 'unlock',
  password_reset: 'password reset', password_change: 'password change', totp_enrol: 'two-step set-up begun',
  totp_on: 'two-step on', totp_reset: 'two-step reset', session_revoke: 'session ended' };
const PAGE = 100;

export async function renderAudit(main, params) {
  const title = h('h1', { tabindex: '-1', id: 'page-title' }, 'Audit trail');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Every time someone signs in, reads, changes, imports or exports records. Newest first.')));
  const entity = h('select', { id: 'audit-entity' }, ENTITIES.map(([v, l]) => h('option', { value: v }, l)));
  const action = h('select', { id: 'audit-action' }, h('option', { value: '' }, 'All actions'),
    ACTIONS.map((a) => h('option', { value: a }, ACTION_LABELS[a] || a)));
  entity.value = params.get('entity') || '';
  action.value = params.get('action') || '';
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': 'Filter the audit trail' },
    h('div', { class: 'field' }, h('label', { for: 'audit-entity' }, 'Record type'), entity),
    h('div', { class: 'field' }, h('label', { for: 'audit-action' }, 'Action'), action));
  filters.addEventListener('submit', (e) => { e.preventDefault(); refresh(); });
  const count = h('p', { class: 'result-count', id: 'result-count' });
  const wrap = h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'result-count', tabindex: '0' });
  const more = h('div', { class: 'more' });
  main.append(h('div', { class: 'toolbar' }, filters), count, wrap, more);

  let events = [];
  let seq = 0;
  async function refresh({ older = false } = {}) {
    history.replaceState(null, '', `#/audit${query({ entity: entity.value, action: action.value })}`);
    const mine = ++seq;
    try {
      const before = older && events.length ? events[events.length - 1].id : undefined;
      const page = await api('GET', `/api/v1/audit-events${query({ entity: entity.value, action: action.value, limit: PAGE, before_id: before })}`);
      if (mine !== seq) return;
      events = older ? events.concat(page) : page;
      draw(page.length === PAGE);
    } catch (e) {
      clear(wrap).append(h('div', { class: 'notice notice--error', role: 'alert' }, e.message));
    }
  }
  function draw(hasMore) {
    count.textContent = events.length ? `${events.length}${hasMore ? '+' : ''} events` : 'No events match these filters.';
    clear(wrap);
    if (events.length) {
      const cols = ['When', 'Who', 'Role', 'Action', 'Record', 'Summary', 'From IP'];
      wrap.append(h('table', { class: 'data data--audit' },
        h('caption', { class: 'visually-hidden' }, 'Audit events, newest first'),
        h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
        h('tbody', {}, events.map((e) => h('tr', { class: e.action === 'login_failed' || e.action === 'delete' ? 'row--notable' : undefined },
          h('td', { 'data-label': 'When' }, h('time', { datetime: e.at }, formatDateTime(e.at))),
          h('td', { 'data-label': 'Who' }, e.username || '—'),
          h('td', { 'data-label': 'Role' }, e.role ? e.role.replace(/_/g, ' ') : '—'),
          h('td', { 'data-label': 'Action' }, h('span', { class: `action action--${e.action}` }, ACTION_LABELS[e.action] || e.action)),
          h('td', { 'data-label': 'Record' }, `${(e.entity || '').replace(/_/g, ' ')}${e.entity_id != null ? ` #${e.entity_id}` : ''}`),
          h('td', { 'data-label': 'Summary' }, e.summary || ''),
          h('td', { 'data-label': 'From IP' }, e.ip || '—'))))));
    }
    clear(more);
    if (hasMore) more.append(h('button', { type: 'button', class: 'button button--secondary', onclick: () => refresh({ older: true }) }, 'Show older events'));
  }
  entity.addEventListener('change', () => refresh());
  action.addEventListener('change', () => refresh());
  await refresh();
  return title;
}
