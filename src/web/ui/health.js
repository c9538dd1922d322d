// The deployment's health on the partnership administrator's dashboard: the checks of
// esafe doctor (GET /api/v1/health/details), each with a status in words and a mark, not
// colour alone, and what to do about it. The route says who may see it: anyone else gets
// 403 and no panel.
import { api } from './api.js';
import { h } from './dom.js';

const MARKS = {
  ok: ['✓', 'OK'],
  'not configured': ['–', 'Not configured'],
  warning: ['!', 'Warning'],
  problem: ['✗', 'Problem'],
};

function statusMark(status) {
  const [mark, words] = MARKS[status] || MARKS.problem;
  return h('span', { class: `health__status health__status--${status.replace(' ', '-')}` },
    h('span', { 'aria-hidden': 'true' }, mark), ` ${words}`);
}

export async function healthPanel() {
  let r;
  try { r = await api('GET', '/api/v1/health/details'); } catch { return null; }
  const wrong = r.checks.filter((c) => c.status === 'problem' || c.status === 'warning');
  const summary = r.status === 'problem' ? `${wrong.length} to fix` : r.status === 'warning' ? `${wrong.length} to look at` : 'all well';
  return h('section', { class: 'panel health', id: 'health', 'aria-labelledby': 'h-health' },
    h('h2', { id: 'h-health' }, `Deployment health: ${summary}`),
    h('p', { class: 'muted' }, 'The checks of esafe doctor, run now on this server.'),
    h('table', { class: 'data health__table' },
      h('caption', { class: 'visually-hidden' }, 'Deployment checks'),
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Status'), h('th', { scope: 'col' }, 'Check'),
        h('th', { scope: 'col' }, 'Found'), h('th', { scope: 'col' }, 'What to do'))),
      h('tbody', {}, r.checks.map((c) => h('tr', { class: `health__row health__row--${c.status.replace(' ', '-')}` },
        h('td', { 'data-label': 'Status' }, statusMark(c.status)), h('th', { scope: 'row' }, c.name),
        h('td', { 'data-label': 'Found' }, c.detail), h('td', { 'data-label': 'What to do' }, c.advice || '—'))))));
}
