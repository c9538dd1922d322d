// The overdue actions on the dashboard, and the statistics with the quarter-on-quarter trend
// drawn as SVG.
import { api, query } from '../api.js';
import { h, svg, clear, formatDateTime } from '../dom.js';
import { exportButton } from '../jobs.js';
import { WRITERS, vocabulary, labelOf, heading, sentence, field, select } from './shared.js';

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
