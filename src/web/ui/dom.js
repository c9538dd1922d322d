// Small helpers for building elements without innerHTML (so no markup injection from data).
import { apiPage } from './api.js';

export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

// The same for SVG elements (charts).
export function svg(tag, attrs = {}, ...children) {
  return build(document.createElementNS('http://www.w3.org/2000/svg', tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') el.setAttribute('class', Array.isArray(v) ? v.filter(Boolean).join(' ') : v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' && 'value' in el) el.value = v;
    else if (['checked', 'selected', 'disabled', 'hidden', 'multiple', 'required'].includes(k)) {
      el.setAttribute(k, '');
      if (k in el) el[k] = true;
    } else el.setAttribute(k, v === true ? '' : String(v));
  }
  return append(el, children);
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let statusTimer = null;
// Announces a message in the aria-live region and shows it at the top of the page.
export function announce(message, kind = 'info') {
  const status = document.getElementById('status');
  clearTimeout(statusTimer);
  status.className = `status status--${kind}`;
  status.textContent = '';
  // A fresh text node after a tick makes screen readers announce repeated messages too.
  setTimeout(() => {
    status.textContent = message;
    status.classList.add('status--shown');
  }, 30);
  statusTimer = setTimeout(() => { status.classList.remove('status--shown'); status.textContent = ''; }, 8000);
}

export function confirmDialog(text, yesLabel = 'Delete') {
  const dlg = document.getElementById('confirm-dialog');
  document.getElementById('confirm-text').textContent = text;
  document.getElementById('confirm-yes').textContent = yesLabel;
  return new Promise((resolve) => {
    const done = () => { dlg.removeEventListener('close', done); resolve(dlg.returnValue === 'yes'); };
    dlg.returnValue = '';
    dlg.addEventListener('close', done);
    dlg.showModal();
    document.getElementById('confirm-no').focus();
  });
}

export function humanise(name) {
  const s = String(name).replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function formatDate(iso) {
  if (!iso) return '';
  const d = new Date(/^\d{4}-\d{2}-\d{2}$/.test(iso) ? `${iso}T00:00:00` : iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric' });
}

export function formatDateTime(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toLocaleString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
}

// A "Show more" button under a paged list (a native button, so keyboard users reach it):
// fetches the page at `next` (the Link rel="next" URL of the last page shown), hands its
// rows to onRows and moves on, and goes away after the last page. null when there is no next page.
export function showMore(next, label, onRows) {
  if (!next) return null;
  let url = next;
  const wrap = h('div', { class: 'more' });
  const button = h('button', { type: 'button', class: 'button button--secondary' }, label);
  button.addEventListener('click', async () => {
    button.disabled = true;
    try {
      const page = await apiPage(url);
      onRows(page.rows);
      url = page.next;
      if (!url) wrap.remove();
    } catch (e) {
      wrap.append(h('p', { class: 'notice notice--error', role: 'alert' }, e.message));
    } finally {
      button.disabled = false;
    }
  });
  wrap.append(button);
  return wrap;
}
