// What the incident pages share: role lists, vocabulary, labels and the small form helpers.
import { api } from '../api.js';
import { h } from '../dom.js';

export const WRITERS = ['partnership_admin', 'partnership_lead', 'agency_officer'];
const RISK_CLASS = { little_or_no_danger: 'good', encourage_safe_behaviour: 'warn', significant_risk: 'bad' };
export const STATUS_LABELS = { open: 'Open', closed: 'Closed', withdrawn: 'Withdrawn' };
// The Annex D levels in a word or three, for lists; the incident page gives the whole label.
const RISK_SHORT = { little_or_no_danger: 'Little or no danger', encourage_safe_behaviour: 'Encourage safe behaviour', significant_risk: 'Significant risk' };

export function canReport(user) { return Boolean(user) && !['board_member', 'auditor'].includes(user.role); }

let vocabularyPromise = null;
export function vocabulary() {
  if (!vocabularyPromise) vocabularyPromise = api('GET', '/api/v1/incident-vocabulary').catch((e) => { vocabularyPromise = null; throw e; });
  return vocabularyPromise;
}
export const labelOf = (list, key) => ((list || []).find((t) => t.key === key) || {}).label || key;

export function heading(text) { return h('h1', { tabindex: '-1', id: 'page-title' }, text); }
export function sentence(s) { s = String(s || ''); return s.charAt(0).toUpperCase() + s.slice(1); }

// "immediately", "30m", "12h", "3d" as words.
export function withinText(within) {
  if (!within || within === 'immediately') return 'at once';
  const m = /^(\d+)([mhd])$/.exec(within);
  if (!m) return `within ${within}`;
  const n = Number(m[1]);
  const unit = { m: 'minute', h: 'hour', d: 'day' }[m[2]];
  return `within ${n} ${unit}${n === 1 ? '' : 's'}`;
}

export function riskBadge(key, label) {
  if (!key) return h('span', { class: 'badge risk risk--none' }, 'Risk not yet assessed');
  return h('span', { class: `risk risk--${RISK_CLASS[key] || 'none'}`, dataset: { risk: key } }, sentence(label || RISK_SHORT[key] || key));
}

export function errorBox() { return h('div', { class: 'notice notice--error', role: 'alert', tabindex: '-1', hidden: true }); }
export function showError(box, e) {
  box.textContent = sentence(e.message || String(e));
  box.hidden = false;
  box.focus();
}

export function field(id, label, control, hint) {
  return h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, control);
}
export function select(id, options, { value, empty, required } = {}) {
  const el = h('select', { id, name: id, required, 'aria-required': required ? 'true' : undefined },
    empty !== undefined ? h('option', { value: '' }, empty) : null,
    options.map((o) => h('option', { value: String(o.key), selected: String(o.key) === String(value ?? '') }, o.label)));
  return el;
}

// A small form with one submit button that calls `send(values)`; values are the named controls' values.
export function miniForm({ id, title, fields, button, send, quiet }) {
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

export function reload() { window.dispatchEvent(new HashChangeEvent('hashchange')); }
