// The filtering review page: requests to unblock (from the block page) or block (from staff), their status,
// and — for an agency's e-safety officer or a partnership manager — approving or declining them with a reason.
// An approval becomes a new override version that the enforcement points pick up; the versions are listed too.
import { api, query, ApiError } from './api.js';
import { h, announce, formatDateTime } from './dom.js';

const STATUS = {
  pending: ['badge badge--warn', 'Waiting for a decision'],
  approved: ['badge badge--good', 'Approved'],
  declined: ['badge badge--bad', 'Declined'],
};

function decides(user) { return ['partnership_admin', 'partnership_lead', 'agency_officer'].includes(user.role); }

function statusBadge(status) {
  const [cls, label] = STATUS[status] || ['badge', status];
  return h('span', { class: cls, dataset: { status } }, label);
}

function fact(term, value) {
  if (value === null || value === undefined || value === '') return null;
  return [h('dt', {}, term), h('dd', {}, value)];
}

// The decision form of one pending request: a reason the requester sees, the scope of an unblock, approve or decline.
function decisionForm(request, user, onDone) {
  const n = request.id;
  const reason = h('textarea', { id: `reason-${n}`, name: 'reason', maxlength: 1000, required: true, rows: 2 });
  const scope = h('select', { id: `scope-${n}`, name: 'scope' },
    h('option', { value: 'url' }, 'This address and the pages below it'),
    h('option', { value: 'domain' }, `The whole site (${new URL(request.url).hostname} and its subdomains)`));
  const needsAgency = request.agency_id === null;
  const agency = needsAgency ? h('input', { id: `agency-${n}`, name: 'agency_id', type: 'number', min: 1, class: 'input--short', required: true }) : null;
  const error = h('div', { class: 'notice notice--error', role: 'alert', hidden: true });
  const approve = h('button', { type: 'submit', class: 'button', value: 'approve', dataset: { action: 'approve' } }, request.kind === 'block' ? 'Approve: block it' : 'Approve: unblock it');
  const decline = h('button', { type: 'submit', class: 'button button--secondary', value: 'decline', dataset: { action: 'decline' } }, 'Decline');
  const form = h('form', { class: 'review-decision', novalidate: true, 'aria-label': `Decide the request for ${request.url}` },
    error,
    h('div', { class: 'field' }, h('label', { for: `reason-${n}` }, 'Reason (the requester sees it)'), reason),
    h('div', { class: 'field' }, h('label', { for: `scope-${n}` }, request.kind === 'block' ? 'Block' : 'Unblock'), scope),
    needsAgency ? h('div', { class: 'field' }, h('label', { for: `agency-${n}` }, 'Agency id whose filtering changes'),
      h('p', { class: 'hint' }, 'No site\u2019s address range held the computer that asked.'), agency) : null,
    h('div', { class: 'button-row' }, approve, decline));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const action = (e.submitter && e.submitter.dataset.action) || 'approve';
    error.hidden = true;
    if (!reason.value.trim()) {
      error.textContent = 'Give a reason: the person who asked will read it.';
      error.hidden = false;
      reason.focus();
      return;
    }
    const body = { reason: reason.value.trim() };
    if (action === 'approve') {
      body.scope = scope.value;
      if (needsAgency) body.agency_id = Number(agency.value);
    }
    for (const b of form.querySelectorAll('button')) b.disabled = true;
    try {
      const done = await api('POST', `/api/v1/filter/review-requests/${n}/${action === 'approve' ? 'approval' : 'decline'}`, body);
      announce(action === 'approve'
        ? `Approved: override version ${done.override_version} ${request.kind === 'block' ? 'blocks' : 'allows'} ${done.entry || request.url}. Filters pick it up within seconds.`
        : 'Declined. The person who asked can see your reason.', 'good');
      onDone();
    } catch (ex) {
      error.textContent = ex.message;
      error.hidden = false;
      for (const b of form.querySelectorAll('button')) b.disabled = false;
      (ex.field === 'reason' ? reason : ex.field === 'agency_id' && agency ? agency : reason).focus();
    }
  });
  return form;
}

function requestCard(request, user, onDone) {
  return h('article', { class: 'panel review', dataset: { id: String(request.id), url: request.url, status: request.status } },
    h('h2', {}, h('span', { class: 'review__kind' }, request.kind === 'block' ? 'Block ' : 'Unblock '), h('code', { class: 'review__url' }, request.url)),
    h('p', {}, statusBadge(request.status), ` asked ${formatDateTime(request.created_at)}`,
      request.requested_by ? ` by ${request.requested_by}` : ' from the block page'),
    h('dl', { class: 'facts' },
      fact('Where', [request.site, request.agency].filter(Boolean).join(', ') || (request.client_ip ? `An address in no site\u2019s range (${request.client_ip})` : null)),
      fact('Blocked as', request.category ? `${request.category} (${request.reason || 'category'}), profile ${request.profile || 'unknown'}` : null),
      fact('Policy version', request.list_version),
      fact('Their note', request.note ? h('span', { class: 'review__note' }, request.note) : null),
      fact('Contact', request.contact),
      fact('Decided', request.decided_at ? `${formatDateTime(request.decided_at)} by ${request.decided_by}` : null),
      fact('Reason given', request.decision_reason),
      fact('Override version', request.override_version ? String(request.override_version) : null)),
    request.status === 'pending' && decides(user) ? decisionForm(request, user, onDone) : null);
}

function askForm(user, onDone) {
  const kind = h('select', { id: 'ask-kind', name: 'kind' }, h('option', { value: 'block' }, 'Block an address'), h('option', { value: 'unblock' }, 'Unblock an address'));
  const url = h('input', { id: 'ask-url', name: 'url', type: 'text', maxlength: 2048, required: true, spellcheck: 'false', autocapitalize: 'off' });
  const note = h('textarea', { id: 'ask-note', name: 'note', maxlength: 1000, rows: 2 });
  const error = h('div', { class: 'notice notice--error', role: 'alert', hidden: true });
  const form = h('form', { class: 'panel', id: 'ask-form', novalidate: true, 'aria-labelledby': 'ask-title' },
    h('h2', { id: 'ask-title' }, 'Ask for a change to your filtering'), error,
    h('div', { class: 'field' }, h('label', { for: 'ask-kind' }, 'What should change'), kind),
    h('div', { class: 'field' }, h('label', { for: 'ask-url' }, 'Address'), h('p', { class: 'hint' }, 'For example https://www.example.org/page'), url),
    h('div', { class: 'field' }, h('label', { for: 'ask-note' }, 'Why (optional)'), note),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button' }, 'Send the request')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.hidden = true;
    try {
      await api('POST', '/api/v1/filter/review-requests', { kind: kind.value, url: url.value.trim(), note: note.value.trim() || undefined });
      announce('Request sent to your e-safety officer.', 'good');
      onDone();
    } catch (ex) {
      error.textContent = ex.message;
      error.hidden = false;
      url.focus();
    }
  });
  return form;
}

export async function renderReviews(main, params, ctx) {
  const title = h('h1', { tabindex: '-1', id: 'page-title' }, 'Filtering review requests');
  const status = params.has('status') ? params.get('status') : (decides(ctx.user) ? 'pending' : '');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, decides(ctx.user)
      ? 'Requests to unblock an address (from the block page) or to block one (from staff). Approving one adds an override for the agency as a new, audited version; addresses on the illegal-content list can never be unblocked.'
      : 'Your requests to change what is filtered, and what your e-safety officer decided.')));
  main.append(h('nav', { class: 'view-switch', 'aria-label': 'Request status' },
    [['pending', 'Waiting'], ['approved', 'Approved'], ['declined', 'Declined'], ['', 'All']].map(([v, label]) =>
      h('a', { href: `#/reviews${v ? `?status=${v}` : '?status='}`, class: 'button button--secondary', 'aria-current': v === status ? 'page' : undefined }, label))));
  const reload = () => { window.dispatchEvent(new HashChangeEvent('hashchange')); };
  const list = await api('GET', `/api/v1/filter/review-requests${query({ status })}`);
  const section = h('section', { id: 'review-list', 'aria-label': 'Requests' });
  if (!list.length) section.append(h('p', { class: 'muted', id: 'review-empty' }, status === 'pending' ? 'No request is waiting.' : 'No requests.'));
  for (const r of list) section.append(requestCard(r, ctx.user, reload));
  main.append(section);
  if (ctx.user.agency_id || decides(ctx.user)) main.append(askForm(ctx.user, reload));
  if (decides(ctx.user)) {
    try {
      const versions = await api('GET', '/api/v1/filter/override-versions');
      if (versions.length) {
        main.append(h('section', { class: 'panel', id: 'override-versions' }, h('h2', {}, 'Override versions'),
          h('div', { class: 'table-wrap' }, h('table', { class: 'data' },
            h('thead', {}, h('tr', {}, ['Version', 'Agency', 'Change', 'Why', 'By', 'When'].map((c) => h('th', { scope: 'col' }, c)))),
            h('tbody', {}, versions.map((v) => h('tr', {}, h('td', { class: 'num' }, String(v.version)), h('td', {}, v.agency),
              h('td', {}, h('code', {}, v.change)), h('td', {}, v.reason), h('td', {}, v.created_by), h('td', {}, formatDateTime(v.created_at)))))))));
      }
    } catch (e) {
      if (!(e instanceof ApiError)) throw e;
    }
  }
  return title;
}
