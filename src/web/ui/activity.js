// The activity log page: a chart of blocked requests by week, a report wizard (what, when,
// who/where, format) that runs an export in the background with a progress bar and then
// offers the file, and a quick search for a handful of rows. Every search is audited by
// the server; an agency officer's searches are held to their own agency there too.
import { api, query, ApiError } from './api.js';
import { h, svg, clear, announce, formatDateTime } from './dom.js';
import { jobPanel } from './jobs.js';

export const ACTIVITY_ROLES = ['partnership_admin', 'partnership_lead', 'auditor', 'agency_officer'];

const MATCHES = [['exact', 'Is exactly'], ['prefix', 'Starts with'], ['substring', 'Contains']];
const ACTIONS = [['', 'Any decision'], ['block', 'Blocked'], ['allow', 'Allowed'], ['warn', 'Warned'], ['override', 'Overridden']];
const FORMATS = [['xlsx', 'Spreadsheet (XLSX)', 'Opens in Excel or LibreOffice; one row per request.'],
  ['csv', 'CSV', 'Plain comma-separated text for other tools.'],
  ['jsonl', 'JSON lines', 'One JSON object per line, for scripts.']];
const STEPS = ['What', 'When', 'Who and where', 'Format'];
// Which step each query field is asked on, so that a refusal from the server goes back to it.
const FIELD_STEP = { host: 0, host_match: 0, url: 0, url_match: 0, from: 1, to: 1, cidr: 2, user: 2, site: 2, agency: 2, category: 2, action: 2, format: 3 };

function heading(text) { return h('h1', { tabindex: '-1', id: 'page-title' }, text); }
const partnershipWide = (user) => user.role !== 'agency_officer' && !(user.role === 'auditor' && user.agency_id);

// <input type="datetime-local"> works in local time; the API wants RFC 3339.
function toApiTime(local) {
  if (!local) return '';
  const d = new Date(local);
  return Number.isNaN(d.getTime()) ? local : d.toISOString();
}
function toLocalInput(date) {
  const pad = (n) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

function textField(id, label, hint, attrs = {}) {
  return h('div', { class: 'field', id: `${id}-field` },
    h('label', { for: id }, label),
    hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null,
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
    h('input', { id, name: id, type: 'text', autocomplete: 'off', spellcheck: 'false', 'aria-describedby': hint ? `${id}-hint` : undefined, ...attrs }));
}

function selectField(id, label, options, attrs = {}) {
  return h('div', { class: 'field', id: `${id}-field` },
    h('label', { for: id }, label),
    h('p', { class: 'field-error', id: `${id}-error`, hidden: true }),
    h('select', { id, name: id, ...attrs }, options.map(([v, l]) => h('option', { value: v }, l))));
}

function matchRadios(name, legend, checked) {
  return h('fieldset', { class: 'field field--group', id: `${name}-field` },
    h('legend', {}, legend),
    h('div', { class: 'check-group' }, MATCHES.map(([v, l]) => h('div', { class: 'check' },
      h('input', { type: 'radio', id: `${name}-${v}`, name, value: v, checked: v === checked }),
      h('label', { for: `${name}-${v}` }, l)))));
}

// ---- The summary chart ----

// One group of bars per ISO week: the week's top blocked categories, as horizontal bars.
export function blockedChart(summary) {
  const weeks = summary.weeks || [];
  const max = Math.max(1, ...weeks.flatMap((w) => w.categories.map((c) => c.count)));
  const rowH = 22; const headH = 26; const gap = 12; const labelW = 150; const barW = 360; const width = labelW + barW + 60;
  let y = 0;
  const groups = weeks.map((w) => {
    const top = y;
    const g = svg('g', { class: 'week-group', dataset: { week: w.week, blocked: String(w.blocked) } },
      svg('text', { x: 0, y: top + 17, class: 'week-label' }, `${w.week} — ${w.blocked} blocked`),
      w.categories.map((c, i) => {
        const cy = top + headH + i * rowH;
        const wpx = Math.max(2, (barW * c.count) / max);
        return svg('g', { class: 'cat-bar', dataset: { category: c.name || 'uncategorised', count: String(c.count) } },
          svg('text', { x: labelW - 8, y: cy + 15, 'text-anchor': 'end', class: 'bars__label' }, c.name ? c.name.replace(/_/g, ' ') : 'uncategorised'),
          svg('rect', { x: labelW, y: cy + 3, width: wpx, height: rowH - 6, class: 'bars__bar' }),
          svg('text', { x: labelW + wpx + 6, y: cy + 15, class: 'bars__value' }, String(c.count)));
      }));
    y += headH + w.categories.length * rowH + gap;
    return g;
  });
  const desc = weeks.map((w) => `${w.week}: ${w.blocked} blocked; ${w.categories.map((c) => `${c.name || 'uncategorised'} ${c.count}`).join(', ')}`).join('. ');
  return h('figure', { class: 'panel chart activity-chart', id: 'blocked-summary' },
    h('figcaption', {}, 'Top blocked categories by week', h('span', { class: 'chart-sub' }, `${summary.blocked} blocked requests since ${formatDateTime(summary.from)}`)),
    weeks.length
      ? svg('svg', { viewBox: `0 0 ${width} ${Math.max(y, 1)}`, class: 'activity-bars', role: 'img', 'aria-labelledby': 'blocked-title blocked-desc', focusable: 'false', id: 'blocked-chart' },
        svg('title', { id: 'blocked-title' }, 'Top blocked categories by ISO week'),
        svg('desc', { id: 'blocked-desc' }, desc), groups)
      : h('p', { class: 'muted' }, 'No blocked requests in this period.'),
    sitesTable(summary.sites || []));
}

function sitesTable(sites) {
  if (!sites.length) return null;
  return h('details', { class: 'activity-sites' }, h('summary', {}, 'Blocked requests by site'),
    h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
      h('thead', {}, h('tr', {}, ['Site', 'Blocked', 'Top categories', 'Top hosts'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, sites.map((s) => h('tr', {},
        h('th', { scope: 'row' }, s.site || '(no site)'),
        h('td', { class: 'num' }, String(s.blocked)),
        h('td', {}, s.categories.map((c) => `${c.name || 'uncategorised'} (${c.count})`).join(', ')),
        h('td', { class: 'wrap-anywhere' }, s.hosts.map((c) => `${c.name} (${c.count})`).join(', '))))))));
}

// ---- The report wizard ----

function wizard(ctx, agencies) {
  let step = 0;
  const siteList = h('datalist', { id: 'activity-sites' });
  const stepEls = [
    h('fieldset', { class: 'wizard-step', dataset: { step: '0' } },
      h('legend', {}, 'What were they looking at?'),
      h('p', { class: 'hint' }, 'Leave both empty to include every request in the time slot.'),
      textField('w-host', 'Web site (host name)', 'For example www.tiktok.com, or just tiktok with “Contains”.', { inputmode: 'url' }),
      matchRadios('w-host_match', 'Match the host name', 'exact'),
      textField('w-url', 'Address (URL)', 'For example https://www.youtube.com/watch', { inputmode: 'url' }),
      matchRadios('w-url_match', 'Match the address', 'prefix')),
    h('fieldset', { class: 'wizard-step', dataset: { step: '1' } },
      h('legend', {}, 'When?'),
      h('p', { class: 'hint' }, 'The time slot, in your local time. From is included, to is not.'),
      h('div', { class: 'field', id: 'w-from-field' }, h('label', { for: 'w-from' }, 'From'),
        h('p', { class: 'field-error', id: 'w-from-error', hidden: true }),
        h('input', { id: 'w-from', name: 'from', type: 'datetime-local', class: 'input--date' })),
      h('div', { class: 'field', id: 'w-to-field' }, h('label', { for: 'w-to' }, 'To'),
        h('p', { class: 'field-error', id: 'w-to-error', hidden: true }),
        h('input', { id: 'w-to', name: 'to', type: 'datetime-local', class: 'input--date' }))),
    h('fieldset', { class: 'wizard-step', dataset: { step: '2' } },
      h('legend', {}, 'Who and where?'),
      h('p', { class: 'hint' }, 'All optional: narrow the report to some computers, a user, a site or a decision.'),
      textField('w-cidr', 'Computer addresses (IP range)', 'An address or a network, e.g. 10.20.1.0/24; separate several with commas.', { inputmode: 'url' }),
      textField('w-user', 'User reference', 'The pseudonymous reference the filter logged, e.g. u-317.'),
      textField('w-site', 'Site', null, { list: 'activity-sites' }), siteList,
      partnershipWide(ctx.user)
        ? selectField('w-agency', 'Agency', [['', 'Every agency'], ...agencies.map((a) => [String(a.id), a.name])])
        : h('p', { class: 'hint', id: 'w-agency-note' }, 'Your reports include only your own agency’s activity.'),
      textField('w-category', 'Category', 'A filtering category, e.g. gambling or social_networks.'),
      selectField('w-action', 'Decision', ACTIONS)),
    h('fieldset', { class: 'wizard-step', dataset: { step: '3' } },
      h('legend', {}, 'Which format?'),
      h('div', { class: 'field field--group', id: 'w-format-field' },
        h('p', { class: 'field-error', id: 'w-format-error', hidden: true }),
        FORMATS.map(([v, l, hint]) => h('div', { class: 'check check--described' },
          h('input', { type: 'radio', id: `w-format-${v}`, name: 'w-format', value: v, checked: v === 'xlsx', 'aria-describedby': `w-format-${v}-hint` }),
          h('label', { for: `w-format-${v}` }, l, h('span', { class: 'hint', id: `w-format-${v}-hint` }, ` — ${hint}`))))),
      h('div', { class: 'wizard-review', id: 'wizard-review', 'aria-live': 'polite' })),
  ];
  const position = h('p', { class: 'walk__progress', id: 'wizard-position', 'aria-live': 'polite' });
  const back = h('button', { type: 'button', class: 'button button--secondary', id: 'wizard-back' }, 'Back');
  const next = h('button', { type: 'button', class: 'button', id: 'wizard-next' }, 'Next');
  const run = h('button', { type: 'submit', class: 'button', id: 'wizard-run' }, 'Run report');
  const errorBox = h('div', { class: 'notice notice--error', role: 'alert', id: 'wizard-error', hidden: true });
  const progress = jobPanel('report', 'Report progress');
  const { state, result, panel: progressPanel } = progress;
  const form = h('form', { class: 'panel wizard', id: 'report-wizard', novalidate: true, 'aria-labelledby': 'wizard-title' },
    h('h2', { id: 'wizard-title' }, 'Make a report'),
    h('ol', { class: 'wizard-steps', 'aria-label': 'Steps' }, STEPS.map((s, i) => h('li', { dataset: { step: String(i) } }, s))),
    position, errorBox, stepEls, h('div', { class: 'button-row' }, back, next, run), progressPanel);

  const $ = (id) => form.querySelector(`#${id}`);
  const now = new Date();
  $('w-to').value = toLocalInput(now);
  $('w-from').value = toLocalInput(new Date(now.getTime() - 7 * 86400000));

  function values() {
    const radio = (name) => (form.querySelector(`input[name="${name}"]:checked`) || {}).value;
    const v = {
      host: $('w-host').value.trim(), host_match: radio('w-host_match'),
      url: $('w-url').value.trim(), url_match: radio('w-url_match'),
      from: toApiTime($('w-from').value), to: toApiTime($('w-to').value),
      cidr: $('w-cidr').value.trim(), user: $('w-user').value.trim(), site: $('w-site').value.trim(),
      agency: $('w-agency') ? $('w-agency').value : '', category: $('w-category').value.trim(), action: $('w-action').value,
      format: radio('w-format'),
    };
    if (!v.host) delete v.host_match;
    if (!v.url) delete v.url_match;
    return Object.fromEntries(Object.entries(v).filter(([, x]) => x));
  }

  function review() {
    const v = values();
    const agencyName = v.agency ? (agencies.find((a) => String(a.id) === v.agency) || {}).name : null;
    const rows = [
      ['Web site', v.host ? `${MATCHES.find(([m]) => m === v.host_match)[1].toLowerCase()} ${v.host}` : 'any'],
      ['Address', v.url ? `${MATCHES.find(([m]) => m === v.url_match)[1].toLowerCase()} ${v.url}` : 'any'],
      ['From', v.from ? formatDateTime(v.from) : 'the start of the log'], ['To', v.to ? formatDateTime(v.to) : 'now'],
      ['Addresses', v.cidr || 'any'], ['User', v.user || 'any'], ['Site', v.site || 'any'],
      ['Agency', agencyName || (partnershipWide(ctx.user) ? 'every agency' : 'your agency')],
      ['Category', v.category || 'any'], ['Decision', (ACTIONS.find(([a]) => a === (v.action || '')) || [])[1]],
    ];
    clear($('wizard-review')).append(h('h3', {}, 'Your report'), h('dl', { class: 'facts' }, rows.map(([k, x]) => [h('dt', {}, k), h('dd', {}, x)])));
  }

  function show(n, focus = true) {
    step = n;
    stepEls.forEach((el, i) => { el.hidden = i !== n; });
    form.querySelectorAll('.wizard-steps li').forEach((li, i) => {
      if (i === n) li.setAttribute('aria-current', 'step'); else li.removeAttribute('aria-current');
      li.classList.toggle('done', i < n);
    });
    position.textContent = `Step ${n + 1} of ${STEPS.length}: ${STEPS[n]}`;
    back.hidden = n === 0;
    next.hidden = n === STEPS.length - 1;
    run.hidden = n !== STEPS.length - 1;
    if (n === STEPS.length - 1) review();
    if (focus) {
      const first = stepEls[n].querySelector('input, select');
      if (first) first.focus();
    }
  }

  function clearErrors() {
    errorBox.hidden = true;
    form.querySelectorAll('.field--invalid').forEach((f) => f.classList.remove('field--invalid'));
    form.querySelectorAll('.field-error').forEach((e) => { e.hidden = true; e.textContent = ''; });
  }

  function showError(message, field) {
    const fieldEl = field && $(`w-${field}-field`);
    if (field && FIELD_STEP[field] !== undefined) show(FIELD_STEP[field], false);
    errorBox.textContent = message;
    errorBox.hidden = false;
    if (fieldEl) {
      fieldEl.classList.add('field--invalid');
      const err = $(`w-${field}-error`);
      if (err) { err.textContent = message; err.hidden = false; }
      const input = fieldEl.querySelector('input, select');
      if (input) { input.focus(); return; }
    }
    errorBox.setAttribute('tabindex', '-1');
    errorBox.focus();
  }

  // Checks what can be checked here before moving on; the server checks everything again.
  function checkStep(n) {
    if (n === 1) {
      const from = $('w-from').value; const to = $('w-to').value;
      if (from && to && new Date(from) >= new Date(to)) { showError('From must be before To.', 'to'); return false; }
    }
    return true;
  }

  back.addEventListener('click', () => { clearErrors(); show(Math.max(0, step - 1)); });
  next.addEventListener('click', () => {
    clearErrors();
    if (checkStep(step)) show(Math.min(STEPS.length - 1, step + 1));
  });
  // Enter in a text box moves to the next step instead of running the report early.
  form.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && e.target.tagName === 'INPUT' && step < STEPS.length - 1) { e.preventDefault(); next.click(); }
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    if (progress.busy()) return;
    run.disabled = true;
    progress.begin('Starting the report…');
    let job;
    try {
      job = await api('POST', '/api/v1/activity/reports', values());
    } catch (ex) {
      progressPanel.hidden = true;
      run.disabled = false;
      showError(ex.message, ex.field);
      return;
    }
    state.textContent = 'Searching the log…';
    let j;
    try {
      j = await progress.follow(job, { waiting: 'Waiting for other reports to finish…' });
    } catch (ex) {
      run.disabled = false;
      state.textContent = `Cannot follow the report: ${ex.message}`;
      return;
    }
    run.disabled = false;
    const rows = (j.result && j.result.rows) || 0;
    const format = job.format;
    if (j.state === 'done') {
      state.textContent = `Done: ${rows} ${rows === 1 ? 'request' : 'requests'} found.`;
      const name = `activity-report.${format}`;
      result.append(h('a', { href: `/api/v1/activity/reports/${encodeURIComponent(j.id)}/download`, class: 'button', id: 'report-download', download: name },
        `Download the report (${format.toUpperCase()}, ${rows} rows)`));
      announce('Your report is ready to download.', 'good');
    } else {
      state.textContent = `The report failed: ${j.error || j.state}`;
      announce('The report failed.', 'bad');
    }
    progress.end(j);
    if (j.state === 'done') result.querySelector('a').focus();
  });

  show(0, false);
  return { form, siteList };
}

// ---- Quick search ----

function quickSearch(ctx) {
  const results = h('div', { id: 'search-results', 'aria-live': 'polite' });
  const form = h('form', { class: 'toolbar quick-search', id: 'quick-search', role: 'search', 'aria-label': 'Quick search of the activity log' },
    h('div', { class: 'filters' },
      h('div', { class: 'field' }, h('label', { for: 'q-host' }, 'Web site'), h('input', { id: 'q-host', type: 'search', autocomplete: 'off', spellcheck: 'false' })),
      h('div', { class: 'field' }, h('label', { for: 'q-host_match' }, 'Match'),
        h('select', { id: 'q-host_match' }, MATCHES.map(([v, l]) => h('option', { value: v, selected: v === 'substring' }, l)))),
      h('div', { class: 'field' }, h('label', { for: 'q-cidr' }, 'IP range'), h('input', { id: 'q-cidr', type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: '10.20.1.0/24' })),
      h('div', { class: 'field' }, h('label', { for: 'q-action' }, 'Decision'),
        h('select', { id: 'q-action' }, ACTIONS.map(([v, l]) => h('option', { value: v }, l))))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button' }, 'Search')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const q = { host: form.querySelector('#q-host').value.trim(), cidr: form.querySelector('#q-cidr').value.trim(),
      action: form.querySelector('#q-action').value, limit: 100 };
    if (q.host) q.host_match = form.querySelector('#q-host_match').value;
    clear(results).append(h('p', { class: 'loading' }, 'Searching…'));
    try {
      const r = await api('GET', `/api/v1/activity/search${query(q)}`);
      clear(results).append(
        h('p', { class: 'result-count', id: 'search-count' }, r.rows.length
          ? `${r.truncated ? `The first ${r.rows.length}` : r.rows.length} matching ${r.rows.length === 1 ? 'request' : 'requests'}${r.truncated ? ' — make a report for all of them' : ''}.`
          : 'No request matches.'),
        r.rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data data--activity', id: 'search-table' },
          h('caption', { class: 'visually-hidden' }, 'Matching requests, oldest first'),
          h('thead', {}, h('tr', {}, ['Time', 'Address', 'User', 'Site', 'Host', 'Category', 'Decision'].map((c) => h('th', { scope: 'col' }, c)))),
          h('tbody', {}, r.rows.map((row) => h('tr', {},
            h('td', { 'data-label': 'Time' }, h('time', { datetime: row.time }, formatDateTime(row.time))),
            h('td', { 'data-label': 'Address' }, row.client),
            h('td', { 'data-label': 'User' }, row.user || '—'),
            h('td', { 'data-label': 'Site' }, row.agency_name ? `${row.site || '—'} (${row.agency_name})` : row.site || '—'),
            h('th', { scope: 'row', 'data-label': 'Host', class: 'wrap-anywhere', title: row.url }, row.host),
            h('td', { 'data-label': 'Category' }, row.category ? row.category.replace(/_/g, ' ') : '—'),
            h('td', { 'data-label': 'Decision' }, h('span', { class: `badge ${row.action === 'block' ? 'badge--bad' : 'badge--good'}` }, row.action)))))))
          : null);
    } catch (ex) {
      const msg = ex.status === 409 ? `${ex.message}. Use “Make a report” above.` : ex.message;
      clear(results).append(h('div', { class: 'notice notice--error', role: 'alert' }, h('p', {}, msg)));
    }
  });
  return h('section', { class: 'panel', 'aria-labelledby': 'search-title' },
    h('h2', { id: 'search-title' }, 'Quick search'),
    h('p', { class: 'hint' }, 'Up to 100 requests from the log, for a quick look. Every search is recorded in the audit trail.'),
    form, results);
}

export async function renderActivity(main, params, ctx) {
  const title = heading('Activity log');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Every filtering decision, kept tamper-evident for the retention period. Search it by web site, time slot and computer address, and make reports for incidents and disclosure requests. Every search and download is recorded in the audit trail.')));
  let summary;
  try {
    summary = await api('GET', '/api/v1/activity/summary');
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) {
      main.append(h('div', { class: 'notice notice--warn', role: 'status' }, h('p', {}, e.message)));
      return title;
    }
    throw e;
  }
  const agencies = partnershipWide(ctx.user) ? await api('GET', '/api/v1/agencies').catch(() => []) : [];
  const { form, siteList } = wizard(ctx, agencies);
  const sites = [...new Set((summary.sites || []).map((s) => s.site).filter(Boolean))].sort();
  siteList.append(...sites.map((s) => h('option', { value: s })));
  main.append(form, blockedChart(summary), quickSearch(ctx));
  return title;
}
