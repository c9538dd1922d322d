// The directory pages: a searchable list for each kind of record, and the add / edit form.
import { api, apiAll, apiPage, query, schema, ApiError } from './api.js';
import { h, clear, announce, confirmDialog, formatDate } from './dom.js';
import { buildForm } from './forms.js';
import { exportButton, jobPanel, runImport } from './jobs.js';
import { registerFlags } from './entities.js';

const PAGE = 500;

export function canWrite(user, cfg) {
  if (cfg && cfg.route === 'agencies') return ['partnership_admin', 'partnership_lead'].includes(user.role);
  return ['partnership_admin', 'partnership_lead', 'agency_officer'].includes(user.role);
}

function heading(text) { return h('h1', { tabindex: '-1', id: 'page-title' }, text); }

function errorNotice(e) {
  return h('div', { class: 'notice notice--error', role: 'alert' }, h('p', {}, e.message || String(e)));
}

async function loadAgencies() {
  try { return await apiAll('/api/v1/agencies'); } catch (e) {
    if (e instanceof ApiError && e.status === 403) return [];
    throw e;
  }
}

function cell(col, row) {
  const v = row[col.key];
  if (col.yesno) {
    if (v === true) return h('span', { class: 'yes' }, 'Yes');
    if (v === false) return h('span', { class: 'badge badge--bad' }, col.key === 'monitoring_in_place' ? 'No monitoring' : 'Not accredited');
    return h('span', { class: 'badge badge--warn' }, 'Not known');
  }
  if (col.reviewFlag) {
    const flag = registerFlags(row).find((f) => f.label === 'Review overdue' || f.label === 'Never reviewed');
    return [v ? h('time', { datetime: v, class: 'date' }, formatDate(v)) : null,
      flag ? h('span', { class: `badge badge--${flag.level}` }, flag.label) : null];
  }
  if (v === null || v === undefined || (Array.isArray(v) && !v.length)) return h('span', { class: 'muted', 'aria-label': 'none' }, '—');
  if (col.sub) return [h('span', { class: 'cell-main' }, String(v)), row[col.sub] ? h('span', { class: 'cell-sub' }, String(row[col.sub])) : null];
  if (col.list) return Array.isArray(v) ? v.join(', ') : String(v);
  if (col.date) return h('time', { datetime: v }, formatDate(v));
  return String(v);
}

function renderTable(cfg, rows, canOpen) {
  const nameCol = cfg.columns[0];
  const table = h('table', { class: ['data', cfg.flags && 'data--register'] },
    h('caption', { class: 'visually-hidden' }, `${cfg.title}${canOpen ? '; select a name to open the record' : ''}`),
    h('thead', {}, h('tr', {}, cfg.columns.map((c) => h('th', { scope: 'col', class: c.numeric ? 'num' : undefined }, c.label)))),
    h('tbody', {}, rows.map((row) => {
      const href = `#/${cfg.route}/${row.id}`;
      const tr = h('tr', { class: canOpen ? 'clickable' : undefined, dataset: { id: String(row.id) } },
        cfg.columns.map((c) => {
          const content = c === nameCol
            ? (canOpen ? h('a', { href, class: 'row-link' }, row[c.key] || `(unnamed ${cfg.singular})`) : row[c.key])
            : h('div', { class: 'cell' }, cell(c, row));
          const tag = c === nameCol ? 'th' : 'td';
          return h(tag, { 'data-label': c.label, scope: c === nameCol ? 'row' : undefined, class: c.numeric ? 'num' : undefined }, content);
        }));
      if (canOpen) tr.addEventListener('click', (e) => {
        if (e.target.closest('a, button, input, select, label')) return;
        if (window.getSelection && String(window.getSelection())) return;  // let people copy text
        location.hash = href;
      });
      return tr;
    })));
  return table;
}

function importPanel(cfg, onImported) {
  const fileId = `import-${cfg.route}`;
  const result = h('div', { class: 'import-result' });
  const progress = jobPanel(fileId, 'Import progress');
  const input = h('input', { type: 'file', id: fileId, accept: '.csv,text/csv', 'aria-describedby': `${fileId}-hint` });
  const button = h('button', { type: 'submit', class: 'button button--secondary' }, 'Import');
  const form = h('form', { class: 'import-form', novalidate: true },
    h('div', { class: 'field' },
      h('label', { for: fileId }, 'CSV file'),
      h('p', { class: 'hint', id: `${fileId}-hint` },
        `Use the same columns as “Export CSV” gives you. If any line has a problem nothing is imported, and the problems are listed here by line.`),
      input),
    button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(result);
    const file = input.files && input.files[0];
    if (!file) {
      result.append(h('p', { class: 'notice notice--error', role: 'alert' }, 'Choose a CSV file first.'));
      input.focus();
      return;
    }
    button.disabled = true;
    try {
      const text = await file.text();
      const report = await runImport(progress, `${cfg.api}/import`, text);
      const n = report && typeof report.imported === 'number' ? report.imported : 0;
      const msg = `Imported ${n} ${n === 1 ? cfg.singular : cfg.plural} from ${file.name}.`;
      result.append(h('p', { class: 'notice notice--good' }, msg));
      announce(msg, 'good');
      input.value = '';
      onImported();
    } catch (err) {
      const box = h('div', { class: 'notice notice--error', role: 'alert', tabindex: '-1' },
        h('p', {}, h('strong', {}, err.errors && err.errors.length
          ? `Nothing was imported: ${err.errors.length} ${err.errors.length === 1 ? 'line has a problem' : 'lines have problems'}. Correct the file and import it again.`
          : `Nothing was imported: ${err.message}`)));
      if (err.errors && err.errors.length) {
        box.append(h('ul', { class: 'import-errors' }, err.errors.map((line) => {
          const m = /^line (\d+):\s*(.*)$/.exec(line);
          return h('li', {}, m ? [h('strong', {}, `Line ${m[1]}`), `: ${m[2]}`] : line);
        })));
      }
      result.append(box);
      box.focus();
    } finally {
      button.disabled = false;
    }
  });
  return h('details', { class: 'import' },
    h('summary', {}, 'Import CSV'),
    h('div', { class: 'import__body' }, form, progress.panel, result));
}

export async function renderList(main, cfg, params, ctx) {
  const title = heading(cfg.title);
  main.append(h('div', { class: 'page-head' }, title, h('p', { class: 'intro' }, cfg.intro)));
  const [inputSchema, agencies] = await Promise.all([schema(cfg.schema), cfg.agencyFilter ? loadAgencies() : []]);
  const typeEnum = (inputSchema.properties[cfg.typeField] || {}).enum || [];

  const state = { q: params.get('q') || '', type: params.get('type') || '', agency_id: params.get('agency_id') || '', attention: params.get('attention') === '1' };
  const qInput = h('input', { type: 'search', id: 'filter-q', value: state.q, autocomplete: 'off' });
  const typeSelect = h('select', { id: 'filter-type' }, h('option', { value: '' }, 'All'), typeEnum.map((t) => h('option', { value: t }, t)));
  typeSelect.value = state.type;
  const filters = h('form', { class: 'filters', role: 'search', 'aria-label': `Filter ${cfg.plural}` },
    h('div', { class: 'field' }, h('label', { for: 'filter-q' }, 'Search by name'), qInput),
    h('div', { class: 'field' }, h('label', { for: 'filter-type' }, cfg.typeLabel), typeSelect));
  let agencySelect = null;
  if (cfg.agencyFilter && agencies.length > 1) {
    agencySelect = h('select', { id: 'filter-agency' }, h('option', { value: '' }, 'All agencies'),
      agencies.map((a) => h('option', { value: String(a.id) }, a.name)));
    agencySelect.value = state.agency_id;
    filters.append(h('div', { class: 'field' }, h('label', { for: 'filter-agency' }, 'Agency'), agencySelect));
  }
  let attention = null;
  if (cfg.flags) {
    attention = h('input', { type: 'checkbox', id: 'filter-attention', checked: state.attention });
    filters.append(h('div', { class: 'field field--check' }, h('div', { class: 'check' }, attention,
      h('label', { for: 'filter-attention' }, 'Only those needing attention'))));
  }
  filters.addEventListener('submit', (e) => { e.preventDefault(); refresh(); });

  const actions = h('div', { class: 'actions' });
  if (canWrite(ctx.user, cfg)) {
    actions.append(h('button', { type: 'button', class: 'button', id: 'add-record', onclick: () => { location.hash = `#/${cfg.route}/new`; } },
      `Add ${cfg.singular}`));
  }
  actions.append(exportButton({ id: `export-${cfg.route}`, label: 'Export CSV', path: `${cfg.api}/export.csv` }));
  main.append(h('div', { class: 'toolbar' }, filters, actions));
  if (canWrite(ctx.user, cfg)) main.append(importPanel(cfg, () => refresh()));

  const overview = h('div', { class: 'overview' });
  const count = h('p', { class: 'result-count', id: 'result-count' });
  const tableWrap = h('div', { class: 'table-wrap', role: 'region', 'aria-labelledby': 'result-count', tabindex: '0' });
  const more = h('div', { class: 'more' });
  main.append(overview, count, tableWrap, more);

  let rows = [];
  let nextPage = null;  // the Link rel="next" of the last page shown
  let seq = 0;
  async function refresh({ append = false } = {}) {
    state.q = qInput.value.trim();
    state.type = typeSelect.value;
    state.agency_id = agencySelect ? agencySelect.value : '';
    state.attention = attention ? attention.checked : false;
    const hashQuery = query({ q: state.q, type: state.type, agency_id: state.agency_id, attention: state.attention ? '1' : '' });
    history.replaceState(null, '', `#/${cfg.route}${hashQuery}`);
    const mine = ++seq;
    tableWrap.setAttribute('aria-busy', 'true');
    try {
      const page = await apiPage(append && nextPage ? nextPage : `${cfg.api}${query({ q: state.q, type: state.type, agency_id: state.agency_id, limit: PAGE })}`);
      if (mine !== seq) return;
      rows = append ? rows.concat(page.rows) : page.rows;
      nextPage = page.next;
      draw(Boolean(nextPage));
    } catch (e) {
      if (mine !== seq) return;
      clear(tableWrap).append(errorNotice(e));
    } finally {
      tableWrap.removeAttribute('aria-busy');
    }
  }

  function draw(hasMore) {
    let shown = rows;
    clear(overview);
    if (cfg.flags) {
      const needing = rows.filter((r) => registerFlags(r).length);
      const bad = rows.filter((r) => registerFlags(r).some((f) => f.level === 'bad'));
      overview.append(h('ul', { class: 'tally' },
        h('li', {}, h('span', { class: 'tally__n' }, String(rows.length)), ` ${rows.length === 1 ? 'location' : 'locations'}`),
        h('li', { class: needing.length ? 'tally--warn' : 'tally--good' }, h('span', { class: 'tally__n' }, String(needing.length)), ' need attention'),
        h('li', { class: bad.length ? 'tally--bad' : 'tally--good' }, h('span', { class: 'tally__n' }, String(bad.length)), ' without accredited filtering or monitoring')));
      if (state.attention) shown = needing;
    }
    const filtered = state.q || state.type || state.agency_id || state.attention;
    count.textContent = shown.length === 0
      ? (filtered ? `No ${cfg.plural} match these filters.` : `There are no ${cfg.plural} yet.`)
      : `${shown.length} ${shown.length === 1 ? cfg.singular : cfg.plural}${filtered ? ' match these filters' : ''}`;
    clear(tableWrap);
    if (shown.length) tableWrap.append(renderTable(cfg, shown, ctx.user.role !== 'board_member'));
    clear(more);
    if (hasMore) more.append(h('button', { type: 'button', class: 'button button--secondary', onclick: () => refresh({ append: true }) }, `Show more ${cfg.plural}`));
  }

  let timer = null;
  qInput.addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(refresh, 250); });
  for (const el of [typeSelect, agencySelect, attention]) if (el) el.addEventListener('change', () => refresh());
  await refresh();
  return title;
}

export async function renderEdit(main, cfg, id, params, ctx) {
  const isNew = id === 'new';
  const back = h('a', { href: `#/${cfg.route}`, class: 'back-link' }, `Back to ${cfg.title}`);
  const inputSchema = await schema(cfg.schema);
  const props = inputSchema.properties || {};
  const [agencies, sites, record] = await Promise.all([
    'agency_id' in props ? loadAgencies() : [],
    'site_id' in props ? apiAll('/api/v1/sites') : [],
    isNew ? null : api('GET', `${cfg.api}/${encodeURIComponent(id)}`),
  ]);
  const initial = record || {};
  if (isNew) {
    for (const [k, v] of params) if (k in props) initial[k] = props[k].type === 'integer' ? Number(v) : v;
  }
  // An agency's own e-safety officer may change its details, though only the partnership adds agencies.
  const writable = canWrite(ctx.user, cfg) || (cfg.route === 'agencies' && !isNew &&
    ctx.user.role === 'agency_officer' && Number(id) === ctx.user.agency_id);
  const title = heading(isNew ? `Add ${cfg.singular === 'agency' || cfg.singular === 'access location' ? 'an' : 'a'} ${cfg.singular}`
    : `${writable ? 'Edit' : ''} ${cfg.singular}: ${initial[cfg.nameKey] || id}`.trim().replace(/^./, (c) => c.toUpperCase()));
  main.append(back, title);
  if (record && record.agency_name && cfg.route !== 'agencies') {
    main.append(h('p', { class: 'intro' }, `${record.agency_name}${record.site_name ? ` — ${record.site_name}` : ''}`));
  }

  const f = buildForm({ schema: inputSchema, order: cfg.order, record: initial, refs: { agencies, sites } });
  const fieldset = h('fieldset', { class: 'form-fields', disabled: !writable }, h('legend', { class: 'visually-hidden' }, `${cfg.singular} details`), f.fieldsEl);
  const save = h('button', { type: 'submit', class: 'button', id: 'save-record' }, isNew ? `Add ${cfg.singular}` : 'Save changes');
  const buttons = h('div', { class: 'button-row' });
  if (writable) buttons.append(save);
  buttons.append(h('a', { href: `#/${cfg.route}`, class: 'button button--secondary' }, writable ? 'Cancel' : 'Back'));
  if (!isNew && writable) {
    buttons.append(h('button', { type: 'button', class: 'button button--danger', id: 'delete-record', onclick: async () => {
      const name = initial[cfg.nameKey] || `this ${cfg.singular}`;
      const extra = cfg.route === 'agencies' ? ' Its sites, access locations and people may have to be removed first.' : cfg.route === 'sites' ? ' Its access locations may have to be removed first.' : '';
      if (!(await confirmDialog(`Delete the ${cfg.singular} “${name}”? This cannot be undone.${extra}`, `Delete ${cfg.singular}`))) return;
      try {
        await api('DELETE', `${cfg.api}/${encodeURIComponent(id)}`);
        announce(`Deleted the ${cfg.singular} “${name}”.`, 'good');
        location.hash = `#/${cfg.route}`;
      } catch (e) {
        f.showErrors([{ field: e.field, message: e.message }]);
      }
    } }, 'Delete'));
  }
  const form = h('form', { class: 'record-form', novalidate: true, 'aria-labelledby': 'page-title' }, f.summary, writable ? f.note : null, fieldset, buttons);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const { body, errors } = f.collect({ forUpdate: !isNew });
    if (errors.length) { f.showErrors(errors); return; }
    f.clearErrors();
    save.disabled = true;
    try {
      const saved = isNew ? await api('POST', cfg.api, body) : await api('PATCH', `${cfg.api}/${encodeURIComponent(id)}`, body);
      const name = (saved && saved[cfg.nameKey]) || body[cfg.nameKey] || '';
      announce(`${isNew ? 'Added' : 'Saved'} the ${cfg.singular} “${name}”.`, 'good');
      location.hash = `#/${cfg.route}`;
    } catch (err) {
      if (err.status === 401) return;
      f.showErrors([{ field: err.field, message: err.message }]);
    } finally {
      save.disabled = false;
    }
  });
  main.append(form);
  if (cfg.route === 'sites' && !isNew) {
    const panel = await siteProfilePanel(id);
    if (panel) main.append(panel);
  }
  return title;
}

// The site's filtering profile, below the site form: who may change it (can_edit) and which
// names are offered come from the server. Nothing is shown to those who may not read it.
async function siteProfilePanel(id) {
  const path = `/api/v1/sites/${encodeURIComponent(id)}/filtering-profile`;
  let current, names;
  try {
    [current, names] = await Promise.all([api('GET', path), api('GET', '/api/v1/filtering-profiles')]);
  } catch (e) {
    if (e instanceof ApiError && (e.status === 403 || e.status === 404)) return null;
    return h('section', { class: 'panel', id: 'site-profile' }, h('h2', {}, 'Filtering profile'), errorNotice(e));
  }
  const panelTitle = h('h2', { id: 'site-profile-title' }, 'Filtering profile');
  const panel = h('section', { class: 'panel', id: 'site-profile', 'aria-labelledby': 'site-profile-title' }, panelTitle,
    h('p', { class: 'intro' }, 'The filtering profile this site’s computers and devices are filtered with. Enforcement points use a change once they reload.'));
  const describe = (p) => p.profile
    ? `Current profile: ${p.profile} (set ${formatDate(p.updated_at)}).`
    : 'No profile is set: the profiles file’s default profile applies.';
  const status = h('p', { id: 'site-profile-current' }, describe(current));
  panel.append(status);
  const profiles = (names && names.profiles) || [];
  if (!current.can_edit) return panel;
  if (!profiles.length) {
    panel.append(h('p', { class: 'notice notice--warn' },
      'No filtering profiles file is loaded on this server (esafe serve --profiles FILE), so the profile cannot be changed here.'));
    return panel;
  }

  const selectId = 'site-profile-select';
  const errorEl = h('p', { class: 'field-error', id: `${selectId}-error`, hidden: true });
  const choices = profiles.slice();
  if (current.profile && !choices.includes(current.profile)) choices.unshift(current.profile);
  const select = h('select', { id: selectId, name: 'profile' },
    current.profile ? null : h('option', { value: '' }, 'Choose a profile'),
    choices.map((n) => h('option', { value: n }, profiles.includes(n) ? n : `${n} (not in the profiles file)`)));
  select.value = current.profile || '';
  const fieldEl = h('div', { class: 'field' }, h('label', { for: selectId }, 'Profile'), errorEl, select);
  const notice = h('div', { class: 'site-profile-notice' });
  const save = h('button', { type: 'submit', class: 'button', id: 'save-site-profile' }, 'Save profile');
  const form = h('form', { class: 'record-form', novalidate: true, 'aria-labelledby': 'site-profile-title' },
    fieldEl, h('div', { class: 'button-row' }, save), notice);
  const clearError = () => {
    errorEl.hidden = true;
    errorEl.textContent = '';
    fieldEl.classList.remove('field--invalid');
    select.removeAttribute('aria-invalid');
    select.removeAttribute('aria-describedby');
    clear(notice);
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearError();
    save.disabled = true;
    try {
      const saved = await api('PUT', path, { profile: select.value });
      status.textContent = describe(saved);
      announce(`Saved: this site is now filtered with the profile “${saved.profile}”.`, 'good');
    } catch (err) {
      if (err.status === 401) return;
      if (err.field === 'profile') {
        errorEl.textContent = err.message;
        errorEl.hidden = false;
        fieldEl.classList.add('field--invalid');
        select.setAttribute('aria-invalid', 'true');
        select.setAttribute('aria-describedby', errorEl.id);
        select.focus();
      } else {
        notice.append(errorNotice(err));
      }
      announce(err.message, 'bad');
    } finally {
      save.disabled = false;
    }
  });
  panel.append(form);
  return panel;
}
