// The board dashboard: the summary figures as simple SVG charts, each with a text equivalent.
import { api, apiAll, apiPage, query } from './api.js';
import { registerFlags } from './entities.js';
import { h, svg } from './dom.js';
import { healthPanel } from './health.js';
import { overduePanel } from './incidents/statistics.js';

let uid = 0;
const pct = (n, d) => (d ? Math.round((100 * n) / d) : 0);

// A ring showing part of a whole, with the figure in the middle.
function ring(title, n, total, note) {
  const id = `ring-${++uid}`;
  const p = pct(n, total);
  const r = 40; const c = 2 * Math.PI * r;
  const text = total ? `${n} of ${total} (${p}%)` : 'no access locations recorded yet';
  const level = !total ? 'none' : p >= 90 ? 'good' : p >= 60 ? 'warn' : 'bad';
  return h('figure', { class: `ring ring--${level}` },
    svg('svg', { viewBox: '0 0 100 100', width: '120', height: '120', role: 'img', 'aria-labelledby': `${id}-t ${id}-d`, focusable: 'false' },
      svg('title', { id: `${id}-t` }, title),
      svg('desc', { id: `${id}-d` }, text),
      svg('circle', { class: 'ring__track', cx: 50, cy: 50, r, fill: 'none', 'stroke-width': 12 }),
      svg('circle', { class: 'ring__value', cx: 50, cy: 50, r, fill: 'none', 'stroke-width': 12,
        'stroke-dasharray': `${(c * p) / 100} ${c}`, transform: 'rotate(-90 50 50)', 'stroke-linecap': p > 0 && p < 100 ? 'round' : 'butt' }),
      svg('text', { x: 50, y: 50, 'text-anchor': 'middle', 'dominant-baseline': 'central', class: 'ring__pct', 'aria-hidden': 'true' }, total ? `${p}%` : '–')),
    h('figcaption', {}, h('strong', {}, title), h('span', { class: 'ring__text' }, text), note ? h('span', { class: 'ring__note' }, note) : null));
}

// Horizontal bars, one per category, largest first; the data is also given as a table for screen readers.
function bars(title, counts, noun) {
  const id = `bars-${++uid}`;
  const entries = Object.entries(counts || {}).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const fig = h('figure', { class: 'chart', 'aria-labelledby': `${id}-cap` }, h('figcaption', { id: `${id}-cap` }, title));
  if (!entries.length) { fig.append(h('p', { class: 'muted' }, `No ${noun} recorded yet.`)); return fig; }
  const max = Math.max(...entries.map((e) => e[1]));
  const rowH = 34; const labelW = 0; const width = 340;
  const height = entries.length * rowH;
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, class: 'bars', 'aria-hidden': 'true', focusable: 'false', preserveAspectRatio: 'xMinYMin meet' },
    entries.map(([label, n], i) => {
      const w = Math.max(2, ((width - labelW - 40) * n) / max);
      const y = i * rowH;
      return svg('g', {},
        svg('rect', { x: labelW, y: y + 17, width: w, height: 13, rx: 2, class: 'bars__bar' }),
        svg('text', { x: labelW, y: y + 13, class: 'bars__label' }, label),
        svg('text', { x: labelW + w + 6, y: y + 28.5, class: 'bars__value' }, String(n)));
    }));
  const table = h('table', {},
    h('caption', {}, title),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Category'), h('th', { scope: 'col' }, `Number of ${noun}`))),
    h('tbody', {}, entries.map(([label, n]) => h('tr', {}, h('th', { scope: 'row' }, label), h('td', {}, String(n))))));
  fig.append(chart, h('div', { class: 'visually-hidden' }, table));
  return fig;
}

function stat(n, label, sub) {
  return h('li', { class: 'stat' }, h('span', { class: 'stat__n' }, String(n)), h('span', { class: 'stat__label' }, label), sub ? h('span', { class: 'stat__sub' }, sub) : null);
}

export async function renderDashboard(main, params, ctx) {
  const title = h('h1', { tabindex: '-1', id: 'page-title' }, 'Dashboard');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'How the partnership’s e-safety infrastructure stands today. Figures only — no names.')));
  let s;
  let scoped = false;
  try {
    s = await api('GET', '/api/v1/summary');
  } catch (e) {
    if (e.status !== 403) throw e;
    // Agency roles may not see partnership-wide figures: work out the same figures for their own records.
    s = await agencySummary();
    scoped = true;
    main.querySelector('.intro').textContent = 'How your agency’s internet access stands today, from your own register.';
  }
  const overdue = await overduePanel(ctx);
  if (overdue) main.append(overdue);
  const unfinished = await unfinishedContactsPanel(ctx);
  if (unfinished) main.append(unfinished);
  const health = await healthPanel();
  if (health) main.append(health);
  const ag = s.agencies || {}; const al = s.access_locations || {};
  const sites = Object.values(s.sites_by_type || {}).reduce((a, b) => a + b, 0);
  main.append(h('ul', { class: 'stats', 'aria-label': 'Key figures' },
    scoped ? null : stat(ag.total ?? 0, ag.total === 1 ? 'agency' : 'agencies', ag.total ? `${ag.with_esafety_lead ?? 0} with an e-safety lead` : null),
    stat(sites, sites === 1 ? 'site' : 'sites'),
    stat(al.total ?? 0, al.total === 1 ? 'internet access location' : 'internet access locations')));

  const total = al.total || 0;
  main.append(h('section', { class: 'panel', 'aria-labelledby': 'h-infra' },
    h('h2', { id: 'h-infra' }, 'Internet access locations'),
    h('div', { class: 'rings' },
      ring('Accredited filtering', al.accredited_filtering || 0, total, 'the filtering provider is accredited / an IWF member'),
      ring('Monitoring in place', al.monitoring_in_place || 0, total),
      ring('Reviewed in the last year', al.reviewed_in_last_year || 0, total)),
    ctx.user.role !== 'board_member' ? h('p', {}, h('a', { href: '#/register?attention=1' }, 'See the locations that need attention')) : null));

  main.append(h('section', { class: 'panel', 'aria-labelledby': 'h-partners' },
    h('h2', { id: 'h-partners' }, scoped ? 'Sites and access' : 'Agencies and sites'),
    h('div', { class: 'charts' },
      scoped ? null : bars('Agencies by sector', s.agencies_by_sector, 'agencies'),
      scoped ? null : bars('Agencies by membership type', s.agencies_by_membership_type, 'agencies'),
      bars('Sites by type', s.sites_by_type, 'sites'),
      scoped ? bars('Access locations by type', s.access_by_type, 'access locations') : null)));
  if (ag.total && ag.with_esafety_lead !== undefined && ag.with_esafety_lead < ag.total) {
    main.append(h('p', { class: 'notice notice--warn' },
      `${ag.total - ag.with_esafety_lead} of ${ag.total} agencies have no e-safety lead (ESLO / champion) recorded.`));
  }
  return title;
}

// The partnership's unfinished set-up: local contacts of the help and contacts map that still
// say "set by your partnership" (shown beside every flowchart outcome and on /help).
async function unfinishedContactsPanel(ctx) {
  if (!['partnership_admin', 'partnership_lead'].includes(ctx.user.role)) return null;
  let r;
  try { r = await api('GET', '/api/v1/contacts/unfinished'); } catch { return null; }
  if (!r || !r.count) return null;
  const noun = r.count === 1 ? 'local contact still says' : 'local contacts still say';
  return h('section', { class: 'panel notice notice--warn', id: 'unfinished-contacts',
    'aria-labelledby': 'h-unfinished-contacts' },
    h('h2', { id: 'h-unfinished-contacts' }, `Unfinished set-up: ${r.count} ${noun} ‘set by your partnership’`),
    h('p', {}, 'Staff see these beside every response flowchart outcome. Fill in your local numbers and hours in '
      + 'the partnership’s contacts file (data/contacts/contacts.yaml), then check them on ',
      h('a', { href: '/help' }, 'Help and contacts'), '.'),
    h('details', {},
      h('summary', {}, `The ${r.count} ${r.count === 1 ? 'contact' : 'contacts'} to finish`),
      h('ul', {}, r.unfinished.map((u) => h('li', {},
        h('strong', {}, u.name), ` — ${u.kind_title}: ${u.fields} (line ${u.line})`)))));
}

async function agencySummary() {
  const [sites, locations] = await Promise.all([
    apiAll('/api/v1/sites'),
    apiAll('/api/v1/access-locations'),
  ]);
  const count = (list, key) => list.reduce((m, x) => { m[x[key]] = (m[x[key]] || 0) + 1; return m; }, {});
  return {
    sites_by_type: count(sites, 'site_type'),
    access_by_type: count(locations, 'access_type'),
    access_locations: {
      total: locations.length,
      accredited_filtering: locations.filter((l) => l.filtering_accredited === true).length,
      monitoring_in_place: locations.filter((l) => l.monitoring_in_place === true).length,
      reviewed_in_last_year: locations.filter((l) => l.last_reviewed && !registerFlags(l).some((f) => f.label === 'Review overdue')).length,
    },
  };
}
