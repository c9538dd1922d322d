// Builds an edit form from an OpenAPI input schema: one labelled control per property, chosen from its
// type, enum, format and maxLength; collects the values back into a JSON body; shows errors by field.
import { h, humanise } from './dom.js';

const LABELS = {
  agency_id: 'Agency', site_id: 'Site', name: 'Name', sector: 'Sector', membership_type: 'Membership type',
  address: 'Address', phone: 'Phone', email: 'Email', notes: 'Notes', site_type: 'Type of site',
  postcode: 'Postcode', ip_ranges: 'IP ranges', access_type: 'Type of access', device_count: 'Number of devices',
  age_groups: 'Age groups', equipment_owner: 'Equipment owned by', connection_provider: 'Connection provider',
  filtering_provider: 'Filtering provider', filtering_accredited: 'Filtering provider is accredited',
  monitoring_in_place: 'Monitoring in place', last_reviewed: 'Last reviewed', full_name: 'Full name',
  job_title: 'Job title', esafety_role: 'E-safety role', subgroup_role: 'Sub-group role',
  display_name: 'Display name', username: 'Username', password: 'Password', role: 'Role',
};

const EXTRA_HINTS = {
  ip_ranges: 'One range per line, or separate them with commas — for example 10.20.1.0/24.',
  last_reviewed: 'When the filtering and monitoring here were last checked.',
};

export function labelFor(name) { return LABELS[name] || humanise(name); }

// Server messages start in lower case ("name is required"); shown on their own they read as sentences.
export function sentence(s) { s = String(s || ''); return s.charAt(0).toUpperCase() + s.slice(1); }

function capitalise(s) { return s ? s.charAt(0).toUpperCase() + s.slice(1) : s; }

function describe(name, prop) {
  const parts = [];
  if (prop.description && !(prop.type === 'integer' && (name === 'agency_id' || name === 'site_id'))) {
    parts.push(capitalise(prop.description.replace(/\.$/, '')) + '.');
  }
  if (EXTRA_HINTS[name]) parts.push(EXTRA_HINTS[name]);
  return parts.join(' ');
}

function isLongText(name, prop) {
  return prop.type === 'string' && !prop.enum && !prop.format && (prop.maxLength || 0) > 200;
}

// options: { schema, order, record, refs: {agencies, sites}, idPrefix }
export function buildForm({ schema, order = [], record = {}, refs = {}, idPrefix = 'f' }) {
  const props = schema.properties || {};
  const required = new Set(schema.required || []);
  const names = [...order.filter((n) => n in props), ...Object.keys(props).filter((n) => !order.includes(n))];
  const fields = new Map();

  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true },
    h('h2', {}, 'There is a problem'), h('ul'));

  const body = [];
  for (const name of names) {
    const prop = props[name];
    if (prop.readOnly) continue;
    const id = `${idPrefix}-${name}`;
    const hintText = describe(name, prop);
    const hintId = hintText ? `${id}-hint` : null;
    const errId = `${id}-error`;
    // agency_id may be left out only by someone who belongs to one agency (the server fills it in);
    // anyone choosing among several agencies must choose.
    const isReq = required.has(name) || (name === 'agency_id' && (refs.agencies || []).length > 1);
    const describedBy = [hintId].filter(Boolean).join(' ') || undefined;
    const value = record[name];
    const labelText = labelFor(name);
    const reqMark = isReq ? h('span', { class: 'req' }, h('span', { 'aria-hidden': 'true' }, ' *'), h('span', { class: 'visually-hidden' }, ' (required)')) : null;
    const hint = hintText ? h('p', { class: 'hint', id: hintId }, hintText) : null;
    const err = h('p', { class: 'field-error', id: errId, hidden: true });
    let control; let focusTarget; let wrapper; let kind;

    if (prop.type === 'array' && prop.items && prop.items.enum) {
      kind = 'enum-array';
      const chosen = new Set(Array.isArray(value) ? value : []);
      const boxes = prop.items.enum.map((opt, i) => {
        const cid = `${id}-${i}`;
        return h('div', { class: 'check' },
          h('input', { type: 'checkbox', id: cid, name, value: opt, checked: chosen.has(opt) }),
          h('label', { for: cid }, opt));
      });
      wrapper = h('fieldset', { class: 'field field--group', id, 'data-field': name, 'aria-describedby': describedBy },
        h('legend', {}, labelText, reqMark), hint, err, h('div', { class: 'check-group' }, boxes));
      control = wrapper;
      focusTarget = () => wrapper.querySelector('input');
    } else if (prop.type === 'boolean') {
      kind = 'boolean';
      control = h('input', { type: 'checkbox', id, name, checked: value === true, 'aria-describedby': describedBy });
      wrapper = h('div', { class: 'field field--check', 'data-field': name },
        h('div', { class: 'check' }, control, h('label', { for: id }, labelText)), hint, err);
      focusTarget = () => control;
    } else {
      const common = { id, name, 'aria-describedby': describedBy, required: isReq, 'aria-required': isReq ? 'true' : undefined };
      if (prop.type === 'integer' && name === 'agency_id') {
        kind = 'integer';
        control = h('select', common, h('option', { value: '' }, 'Choose an agency…'),
          (refs.agencies || []).map((a) => h('option', { value: String(a.id) }, a.name)));
        if ((refs.agencies || []).length === 1 && value == null) control.value = String(refs.agencies[0].id);
      } else if (prop.type === 'integer' && name === 'site_id') {
        kind = 'integer';
        const groups = new Map();
        for (const s of refs.sites || []) {
          const g = s.agency_name || 'Other';
          if (!groups.has(g)) groups.set(g, []);
          groups.get(g).push(s);
        }
        control = h('select', common, h('option', { value: '' }, 'Choose a site…'),
          [...groups].map(([g, list]) => h('optgroup', { label: g }, list.map((s) => h('option', { value: String(s.id) }, s.name)))));
      } else if (prop.enum) {
        kind = 'string';
        control = h('select', common, h('option', { value: '' }, isReq ? 'Choose…' : '(not set)'),
          prop.enum.map((opt) => h('option', { value: opt }, opt)));
      } else if (prop.type === 'array') {
        kind = 'string-array';
        control = h('textarea', { ...common, rows: 3, spellcheck: 'false', autocapitalize: 'off' });
        control.value = Array.isArray(value) ? value.join('\n') : '';
      } else if (prop.type === 'integer' || prop.type === 'number') {
        kind = 'integer';
        control = h('input', { ...common, type: 'number', inputmode: 'numeric', min: prop.minimum, max: prop.maximum, step: prop.type === 'integer' ? 1 : 'any', class: 'input--short' });
      } else if (prop.format === 'date') {
        kind = 'string';
        control = h('input', { ...common, type: 'date', class: 'input--date' });
      } else if (isLongText(name, prop)) {
        kind = 'string';
        control = h('textarea', { ...common, rows: name === 'notes' ? 4 : 3, maxlength: prop.maxLength });
      } else {
        kind = 'string';
        const type = prop.format === 'email' ? 'email' : name === 'phone' ? 'tel' : name === 'password' ? 'password' : 'text';
        const auto = { email: 'email', phone: 'tel', postcode: 'postal-code', full_name: 'name' }[name];
        control = h('input', { ...common, type, maxlength: prop.maxLength, autocomplete: auto || 'off',
          class: (prop.maxLength || 200) <= 40 ? 'input--short' : undefined });
      }
      if (kind !== 'string-array' && value !== undefined && value !== null) control.value = String(value);
      wrapper = h('div', { class: 'field', 'data-field': name },
        h('label', { for: id }, labelText, reqMark), hint, err, control);
      focusTarget = () => control;
    }
    fields.set(name, { name, prop, kind, control, wrapper, err, errId, hintId, focusTarget, required: isReq, label: labelText });
    body.push(wrapper);
  }

  function clearErrors() {
    summary.hidden = true;
    summary.querySelector('ul').replaceChildren();
    for (const f of fields.values()) {
      f.err.hidden = true;
      f.err.textContent = '';
      f.wrapper.classList.remove('field--invalid');
      const target = f.kind === 'enum-array' ? f.wrapper : f.control;
      target.removeAttribute('aria-invalid');
      target.setAttribute('aria-describedby', [f.hintId].filter(Boolean).join(' '));
      if (!f.hintId) target.removeAttribute('aria-describedby');
    }
  }

  // errors: [{field, message}]; shows each next to its field (or in the summary) and focuses the first.
  function showErrors(errors) {
    clearErrors();
    let first = null;
    const ul = summary.querySelector('ul');
    for (const e of errors) {
      const f = e.field ? fields.get(e.field) : null;
      if (f) {
        f.err.textContent = sentence(e.message);
        f.err.hidden = false;
        f.wrapper.classList.add('field--invalid');
        const target = f.kind === 'enum-array' ? f.wrapper : f.control;
        target.setAttribute('aria-invalid', 'true');
        target.setAttribute('aria-describedby', [f.errId, f.hintId].filter(Boolean).join(' '));
        if (!first) first = f;
      }
      ul.append(h('li', {}, f ? `${f.label}: ${e.message}` : sentence(e.message)));
    }
    summary.hidden = false;
    if (first) first.focusTarget().focus();
    else summary.focus();
  }

  // Returns {body, errors}; for a change (PATCH) empty optional fields are sent as null so they are cleared.
  function collect({ forUpdate = false } = {}) {
    const out = {};
    const errors = [];
    for (const f of fields.values()) {
      let v;
      if (f.kind === 'boolean') v = f.control.checked;
      else if (f.kind === 'enum-array') v = [...f.wrapper.querySelectorAll('input:checked')].map((c) => c.value);
      else if (f.kind === 'string-array') v = f.control.value.split(/[\s,;]+/).map((x) => x.trim()).filter(Boolean);
      else if (f.kind === 'integer') {
        const raw = f.control.value.trim();
        if (raw === '') v = null;
        else if (!/^-?\d+$/.test(raw)) { errors.push({ field: f.name, message: 'enter a whole number' }); continue; }
        else v = Number(raw);
      } else {
        v = f.control.value.trim();
        if (v === '') v = null;
      }
      const empty = v === null || (Array.isArray(v) && v.length === 0);
      if (empty && f.required) {
        errors.push({ field: f.name, message: `${f.label} is required` });
        continue;
      }
      if (empty) {
        if (forUpdate) out[f.name] = f.prop.type === 'array' && !f.prop.nullable ? [] : (f.prop.nullable ? null : undefined);
        if (out[f.name] === undefined) delete out[f.name];
        continue;
      }
      out[f.name] = v;
    }
    return { body: out, errors };
  }

  const note = [...fields.values()].some((f) => f.required)
    ? h('p', { class: 'form-note' }, 'Fields marked ', h('span', { class: 'req', 'aria-hidden': 'true' }, '*'), ' are required.')
    : null;

  return { summary, note, fieldsEl: body, fields, collect, showErrors, clearErrors };
}
