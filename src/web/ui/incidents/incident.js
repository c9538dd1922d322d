// One incident: required actions with due times and overdue ones flagged, people under
// pseudonymous references, referrals and escalation to another agency, the evidence register,
// the chronology, close and withdraw.
import { api, query, ApiError } from '../api.js';
import { h, append, announce, formatDate, formatDateTime } from '../dom.js';
import { acknowledgeButton } from './list.js';
import { WRITERS, STATUS_LABELS, vocabulary, labelOf, heading, sentence, riskBadge, errorBox, showError, field, select, miniForm, reload } from './shared.js';

export async function renderIncident(main, id, params, ctx) {
  if (!/^\d+$/.test(id)) throw new ApiError(404, { error: 'There is no incident at this address.' });
  const [inc, events, words] = await Promise.all([
    api('GET', `/api/v1/incidents/${id}`), api('GET', `/api/v1/incidents/${id}/chronology`), vocabulary()]);
  const writable = !inc.shared && inc.status === 'open' && WRITERS.includes(ctx.user.role);
  const title = heading(`Incident ${inc.id}: ${sentence(inc.category_label)}`);
  main.append(h('a', { class: 'back-link', href: '#/incidents' }, 'All incidents'), h('div', { class: 'page-head' }, title,
    h('p', { class: 'incident-meta' }, riskBadge(inc.risk_level, inc.risk_label), ' ',
      h('span', { class: `badge incident-status incident-status--${inc.status}` }, STATUS_LABELS[inc.status] || inc.status),
      inc.serious ? h('span', { class: 'badge badge--bad' }, 'Serious') : null,
      inc.shared ? h('span', { class: 'badge badge--warn' }, `Shared with your agency by ${inc.agency_name}`) : null)));

  if (inc.shared) main.append(sharedNotice(inc, ctx));
  if (inc.must_not && inc.must_not.length) {
    main.append(h('div', { class: 'notice notice--error must-not', role: 'note' }, h('h2', {}, 'Do not'), h('ul', {}, inc.must_not.map((m) => h('li', {}, m)))));
  }
  main.append(summaryPanel(inc, words));
  main.append(actionsPanel(inc, writable));
  // The member of staff who reported it records the referral they made themselves
  // (a call to 101, to social care); escalating to another agency stays with officers.
  const reporter = !inc.shared && inc.status === 'open' && ctx.user.role === 'agency_staff';
  main.append(referralsPanel(inc, writable, words, reporter));
  main.append(peoplePanel(inc, writable, words));
  if (!inc.shared) main.append(evidencePanel(inc, writable));
  if (!inc.shared && WRITERS.includes(ctx.user.role)) append(main, [seriousPanel(inc)]);
  main.append(chronologyPanel(events));
  if (!inc.shared && WRITERS.includes(ctx.user.role) && inc.status !== 'withdrawn') main.append(closePanel(inc));
  return title;
}

function sharedNotice(inc, ctx) {
  const mine = (inc.shares || []).find((s) => s.agency_id === ctx.user.agency_id);
  if (mine && mine.acknowledged_at) {
    return h('p', { class: 'notice notice--good' }, `Your agency acknowledged this incident on ${formatDateTime(mine.acknowledged_at)} (${mine.acknowledged_by}).`);
  }
  return h('div', { class: 'notice notice--warn', id: 'acknowledge-notice' },
    h('p', {}, `${inc.agency_name} has escalated this incident to your agency. You see the shared part: no names and no evidence files.`),
    acknowledgeButton(inc.id));
}

function summaryPanel(inc, words) {
  const row = (label, value) => (value ? [h('dt', {}, label), h('dd', {}, value)] : null);
  return h('section', { class: 'panel', 'aria-labelledby': 'h-summary' }, h('h2', { id: 'h-summary' }, 'What happened'),
    h('dl', { class: 'facts' },
      row('Agency', inc.agency_name + (inc.site_name ? ` — ${inc.site_name}` : '')),
      row('Reported', `${formatDateTime(inc.reported_at)}${inc.reported_by ? ` by ${inc.reported_by}` : ''}`),
      row('Happened', inc.occurred_at ? formatDateTime(inc.occurred_at) : null),
      row('Came to light', sentence(labelOf(words.how_identified, inc.how_identified))),
      row('Technology', [inc.technology, inc.service].filter(Boolean).join(' — ')),
      row('Device owned by', inc.device_owner ? labelOf(words.device_owners, inc.device_owner) : null),
      row('Flowchart', inc.flowchart_id ? `${inc.flowchart_id} (version ${inc.flowchart_version})` : null),
      row('Description', inc.description),
      row('Conclusion', inc.conclusion), row('Outcome', inc.outcome), row('Lessons learned', inc.lessons_learned),
      row('Withdrawn', inc.withdrawn_reason ? `${formatDateTime(inc.withdrawn_at)}: ${inc.withdrawn_reason}` : null)));
}

function actionsPanel(inc, writable) {
  const actions = inc.actions || [];
  const overdue = actions.filter((a) => a.overdue).length;
  const panel = h('section', { class: 'panel', id: 'required-actions', 'aria-labelledby': 'h-actions' },
    h('h2', { id: 'h-actions' }, 'Required actions'),
    overdue ? h('p', { class: 'notice notice--error', id: 'overdue-notice' }, `${overdue} action${overdue === 1 ? ' is' : 's are'} overdue.`) : null);
  if (!actions.length) panel.append(h('p', { class: 'muted' }, 'No actions yet.'));
  else {
    panel.append(h('table', { class: 'data actions-table' },
      h('thead', {}, h('tr', {}, ['What', 'Due', 'Status'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, actions.map((a) => h('tr', { class: a.overdue ? 'overdue' : undefined, dataset: { action: String(a.id) } },
        h('th', { scope: 'row', 'data-label': 'What' }, a.what,
          a.notify_label && !a.what.includes(a.notify_label) ? h('span', { class: 'cell-sub' }, `Tell: ${a.notify_label}`) : null,
          a.who ? h('span', { class: 'cell-sub' }, `Who: ${a.who}`) : null),
        h('td', { 'data-label': 'Due' }, a.due_at ? h('time', { datetime: a.due_at, class: 'due' }, formatDateTime(a.due_at)) : '—',
          a.overdue ? h('span', { class: 'badge badge--bad' }, 'Overdue') : null),
        h('td', { 'data-label': 'Status' }, actionStatus(inc, a, writable)))))));
  }
  if (writable) {
    panel.append(h('details', { class: 'add' }, h('summary', {}, 'Add an action'),
      miniForm({ id: 'add-action', title: 'Add an action', button: 'Add the action',
        fields: [field('action-what', 'What must be done', h('textarea', { id: 'action-what', name: 'what', rows: 2, maxlength: 2000 })),
          field('action-who', 'Who will do it', h('input', { type: 'text', id: 'action-who', name: 'who', maxlength: 200 })),
          field('action-due', 'Due by', h('input', { type: 'datetime-local', id: 'action-due', name: 'due_at', class: 'input--date' })),
          h('div', { class: 'field field--check' }, h('div', { class: 'check' }, h('input', { type: 'checkbox', id: 'action-required', name: 'required' }), h('label', { for: 'action-required' }, 'Must be done before the incident is closed')))],
        send: async (v) => {
          if (v.due_at) v.due_at = new Date(v.due_at).toISOString();
          await api('POST', `/api/v1/incidents/${inc.id}/actions`, v);
          announce('Action added.', 'good');
          reload();
        } })));
  }
  return panel;
}

function actionStatus(inc, a, writable) {
  if (a.done_at) return h('span', { class: 'badge badge--good' }, `Done ${formatDate(a.done_at)}`, a.done_by ? ` (${a.done_by})` : '');
  if (a.not_done_reason) return [h('span', { class: 'badge badge--warn' }, 'Will not be done'), h('span', { class: 'cell-sub' }, a.not_done_reason)];
  if (!writable) return h('span', {}, 'Open');
  const b = h('button', { type: 'button', class: 'button button--secondary button--small' }, 'Mark done');
  b.setAttribute('aria-label', `Mark done: ${a.what.slice(0, 80)}`);
  b.addEventListener('click', async () => {
    b.disabled = true;
    try {
      await api('POST', `/api/v1/incidents/${inc.id}/actions/${a.id}/complete`, {});
      announce('Action marked done.', 'good');
      reload();
    } catch (e) { announce(e.message, 'bad'); b.disabled = false; }
  });
  return b;
}

function referralsPanel(inc, writable, words, reporter = false) {
  const panel = h('section', { class: 'panel', id: 'referrals', 'aria-labelledby': 'h-referrals' },
    h('h2', { id: 'h-referrals' }, 'Referrals and escalation'));
  const refs = inc.referrals || [];
  if (!refs.length) panel.append(h('p', { class: 'muted' }, 'Nobody outside the agency has been told yet.'));
  else {
    panel.append(h('ul', { class: 'record-list' }, refs.map((r) => h('li', {},
      h('strong', {}, r.agency_name || sentence(r.target_label)), ` — ${formatDateTime(r.referred_at)}`,
      r.reference_number ? ` — reference ${r.reference_number}` : '', r.notes ? h('span', { class: 'cell-sub' }, r.notes) : null))));
  }
  const shares = inc.shares || [];
  if (shares.length) {
    panel.append(h('h3', {}, 'Shared with'), h('ul', { class: 'record-list', id: 'shares' }, shares.map((s) => h('li', { dataset: { agency: String(s.agency_id) } },
      h('strong', {}, s.agency_name), ` — shared ${formatDateTime(s.shared_at)} `,
      s.acknowledged_at ? h('span', { class: 'badge badge--good' }, `Acknowledged by ${s.acknowledged_by}`)
        : h('span', { class: 'badge badge--warn' }, 'Waiting for acknowledgement')))));
  }
  if (writable || reporter) {
    const agencySel = select('referral-agency', [], { empty: 'Choose the agency…' });
    agencySel.name = 'agency_id';
    const agencyField = field('referral-agency', 'Member agency', agencySel, 'The agency’s e-safety officers will see the incident (without names) and acknowledge it.');
    agencyField.hidden = true;
    const targets = words.referral_targets.filter((t) => writable || t.key !== 'member_agency');
    const target = select('referral-target', targets.map((t) => ({ key: t.key, label: sentence(t.label) })), { empty: 'Choose…', required: true });
    target.name = 'target';
    target.addEventListener('change', async () => {
      agencyField.hidden = target.value !== 'member_agency';
      if (!agencyField.hidden && agencySel.options.length <= 1) {
        try {
          const agencies = await api('GET', '/api/v1/incidents/referral-agencies');
          for (const a of agencies) if (a.id !== inc.agency_id) agencySel.append(h('option', { value: String(a.id) }, a.name));
        } catch (e) { announce(e.message, 'bad'); }
      }
    });
    panel.append(miniForm({ id: 'add-referral', title: writable ? 'Refer or escalate' : 'Record a referral you made', button: 'Record the referral',
      fields: [field('referral-target', 'Referred to', target), agencyField,
        field('referral-ref', 'Their reference number', h('input', { type: 'text', id: 'referral-ref', name: 'reference_number', maxlength: 100 })),
        field('referral-notes', 'Notes', h('textarea', { id: 'referral-notes', name: 'notes', rows: 2, maxlength: 2000 }))],
      send: async (v) => {
        if (v.target !== 'member_agency') delete v.agency_id;
        else if (v.agency_id) v.agency_id = Number(v.agency_id);
        await api('POST', `/api/v1/incidents/${inc.id}/referrals`, v);
        announce('Referral recorded.', 'good');
        reload();
      } }));
  }
  return panel;
}

function peoplePanel(inc, writable, words) {
  const panel = h('section', { class: 'panel', id: 'people', 'aria-labelledby': 'h-people' }, h('h2', { id: 'h-people' }, 'People involved'));
  const people = inc.people || [];
  if (!people.length) panel.append(h('p', { class: 'muted' }, 'No one recorded yet.'));
  else {
    panel.append(h('ul', { class: 'record-list' }, people.map((p) => h('li', {},
      h('strong', {}, p.reference), ` — ${labelOf(words.person_roles, p.role)}`, p.age != null ? `, aged ${p.age}` : '',
      p.name ? h('span', { class: 'cell-sub' }, `Name (seen only in this agency): ${p.name}`) : null,
      p.notes ? h('span', { class: 'cell-sub' }, p.notes) : null))));
  }
  if (writable) {
    const role = select('person-role', words.person_roles, { empty: 'Choose…', required: true });
    role.name = 'role';
    panel.append(h('details', { class: 'add' }, h('summary', {}, 'Add a person'),
      miniForm({ id: 'add-person', title: 'Add a person', button: 'Add the person',
        fields: [field('person-role', 'Role', role),
          field('person-reference', 'Reference', h('input', { type: 'text', id: 'person-reference', name: 'reference', maxlength: 60 }), 'A pseudonymous reference such as “Child A”.'),
          field('person-age', 'Age (children)', h('input', { type: 'number', id: 'person-age', name: 'age', min: 0, max: 120, class: 'input--short', inputmode: 'numeric' })),
          field('person-name', 'Name (optional)', h('input', { type: 'text', id: 'person-name', name: 'name', maxlength: 200 }), 'Only your agency sees it.')],
        send: async (v) => {
          if (v.age !== undefined) v.age = Number(v.age);
          await api('POST', `/api/v1/incidents/${inc.id}/people`, v);
          announce('Person added.', 'good');
          reload();
        } })));
  }
  return panel;
}

function evidencePanel(inc, writable) {
  const panel = h('section', { class: 'panel', id: 'evidence', 'aria-labelledby': 'h-evidence' }, h('h2', { id: 'h-evidence' }, 'Evidence register'));
  if (inc.illegal_material_instruction) panel.append(h('p', { class: 'notice notice--warn', id: 'illegal-instruction' }, inc.illegal_material_instruction));
  const items = inc.evidence || [];
  if (!items.length) panel.append(h('p', { class: 'muted' }, 'No evidence registered.'));
  for (const e of items) {
    const err = errorBox();
    const file = h('input', { type: 'file', id: `evidence-file-${e.id}` });
    const attach = h('button', { type: 'button', class: 'button button--secondary' }, 'Attach the file');
    attach.addEventListener('click', async () => {
      err.hidden = true;
      const f = file.files[0];
      if (!f) { showError(err, new Error('Choose a file first.')); return; }
      attach.disabled = true;
      try {
        await api('PUT', `/api/v1/incidents/${inc.id}/evidence/${e.id}/file${query({ file_name: f.name })}`, await f.arrayBuffer(), { contentType: 'application/octet-stream' });
        announce('File attached; its SHA-256 is recorded.', 'good');
        reload();
      } catch (ex) { showError(err, ex); attach.disabled = false; }
    });
    panel.append(h('article', { class: 'evidence-item', dataset: { evidence: String(e.id) } },
      h('h3', {}, e.what),
      h('dl', { class: 'facts' },
        h('dt', {}, 'Held'), h('dd', {}, e.held_where),
        h('dt', {}, 'Secured'), h('dd', {}, `${formatDateTime(e.secured_at)} by ${e.secured_by}`),
        e.sha256 ? [h('dt', {}, 'SHA-256'), h('dd', { class: 'hash' }, e.sha256)] : null,
        e.file_name ? [h('dt', {}, 'File'), h('dd', {}, `${e.file_name} (${e.file_size} bytes)`)] : null),
      h('h4', {}, 'Chain of custody'),
      h('ol', { class: 'custody' }, (e.custody || []).map((c) => h('li', {}, `${formatDateTime(c.at)}: ${c.from_holder ? `${c.from_holder} → ` : ''}${c.to_holder}${c.purpose ? ` (${c.purpose})` : ''}`))),
      writable && !e.file_name && !inc.illegal_material ? h('div', { class: 'attach' }, err, field(`evidence-file-${e.id}`, 'Attach a file', file), attach) : null));
  }
  if (writable) {
    const today = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    panel.append(h('details', { class: 'add' }, h('summary', {}, 'Register evidence'),
      miniForm({ id: 'add-evidence', title: 'Register evidence', button: 'Register the evidence',
        fields: [field('evidence-what', 'What it is', h('textarea', { id: 'evidence-what', name: 'what', rows: 2, maxlength: 2000 }), 'Describe it; never copy the material itself.'),
          field('evidence-where', 'Where it is held', h('input', { type: 'text', id: 'evidence-where', name: 'held_where', maxlength: 200 })),
          field('evidence-by', 'Who secured it', h('input', { type: 'text', id: 'evidence-by', name: 'secured_by', maxlength: 200 })),
          field('evidence-at', 'When', h('input', { type: 'datetime-local', id: 'evidence-at', name: 'secured_at', value: today, class: 'input--date' }))],
        send: async (v) => {
          if (v.secured_at) v.secured_at = new Date(v.secured_at).toISOString();
          await api('POST', `/api/v1/incidents/${inc.id}/evidence`, v);
          announce('Evidence registered.', 'good');
          reload();
        } })));
  }
  return panel;
}

// Section 5: a serious incident is reviewed with four questions; the review is listed for the sub-group.
const REVIEW_QUESTIONS = [
  ['why_happened', 'Why did the incident happen?'],
  ['prevention', 'Are there any measures which could have prevented it?'],
  ['response', 'What was the response? Was it effective? Could or should anything else have been done?'],
  ['lessons', 'What lessons have we learned? How will they be shared, and how will policy and practice change?'],
];

function seriousPanel(inc) {
  const panel = h('section', { class: 'panel', id: 'serious', 'aria-labelledby': 'h-serious' }, h('h2', { id: 'h-serious' }, 'Serious-incident review'));
  if (!inc.serious) {
    if (inc.status === 'withdrawn') return null;
    panel.append(h('p', { class: 'muted' }, 'Not marked serious.'),
      h('details', { class: 'add' }, h('summary', {}, 'Mark as a serious incident'),
        miniForm({ id: 'mark-serious', title: 'Mark as a serious incident', button: 'Mark serious and open the review',
          fields: [field('serious-reason', 'Why it is serious', h('textarea', { id: 'serious-reason', name: 'reason', rows: 2, maxlength: 2000 }))],
          send: async (v) => {
            await api('POST', `/api/v1/incidents/${inc.id}/serious`, v);
            announce('Marked serious; the review is open.', 'good');
            reload();
          } })));
    return panel;
  }
  const review = inc.review || {};
  panel.append(h('p', {}, review.complete ? h('span', { class: 'badge badge--good' }, 'Review complete') : h('span', { class: 'badge badge--warn' }, 'Review open'),
    review.reason ? ` — ${review.reason}` : ''));
  if (review.complete) {
    panel.append(h('dl', { class: 'facts' }, REVIEW_QUESTIONS.map(([k, q]) => [h('dt', {}, q), h('dd', {}, review[k] || '—')])));
    return panel;
  }
  panel.append(miniForm({ id: 'review-form', title: 'The four questions', button: 'Save the review',
    fields: [...REVIEW_QUESTIONS.map(([k, q]) => {
      const area = h('textarea', { id: `review-${k}`, name: k, rows: 3, maxlength: 10000 });
      area.value = review[k] || '';
      return field(`review-${k}`, q, area);
    }), h('div', { class: 'field field--check' }, h('div', { class: 'check' }, h('input', { type: 'checkbox', id: 'review-complete', name: 'complete' }), h('label', { for: 'review-complete' }, 'The review is complete')))],
    send: async (v) => {
      await api('PATCH', `/api/v1/incidents/${inc.id}/review`, v);
      announce('Review saved.', 'good');
      reload();
    } }));
  return panel;
}

function chronologyPanel(events) {
  return h('section', { class: 'panel', id: 'chronology', 'aria-labelledby': 'h-chronology' }, h('h2', { id: 'h-chronology' }, 'Chronology'),
    h('ol', { class: 'chronology' }, events.map((e) => h('li', { dataset: { kind: e.kind } },
      h('time', { datetime: e.at }, formatDateTime(e.at)), ' ', h('span', {}, sentence(e.summary)), e.by ? h('span', { class: 'muted' }, ` — ${e.by}`) : null))));
}

function closePanel(inc) {
  const panel = h('section', { class: 'panel', id: 'close', 'aria-labelledby': 'h-close' }, h('h2', { id: 'h-close' }, 'Close or withdraw'));
  if (inc.status === 'open') {
    const open = (inc.actions || []).filter((a) => a.required && a.open).length;
    panel.append(miniForm({ id: 'close-form', title: 'Close the incident', button: 'Close the incident',
      fields: [field('close-conclusion', 'Conclusion', h('textarea', { id: 'close-conclusion', name: 'conclusion', rows: 3, maxlength: 10000 })),
        field('close-outcome', 'Outcome', h('textarea', { id: 'close-outcome', name: 'outcome', rows: 2, maxlength: 10000 })),
        field('close-lessons', 'Lessons learned', h('textarea', { id: 'close-lessons', name: 'lessons_learned', rows: 2, maxlength: 10000 })),
        open ? field('close-reason', `Why ${open} required action${open === 1 ? '' : 's'} will not be done`,
          h('textarea', { id: 'close-reason', name: 'open_actions_reason', rows: 2, maxlength: 2000 }), 'Required actions are still open; the incident can be closed only with a reason.') : null],
      send: async (v) => {
        await api('POST', `/api/v1/incidents/${inc.id}/close`, v);
        announce('Incident closed.', 'good');
        reload();
      } }));
  }
  panel.append(miniForm({ id: 'withdraw-form', title: 'Withdraw (recorded in error)', button: 'Withdraw the incident', quiet: true,
    fields: [field('withdraw-reason', 'Reason', h('textarea', { id: 'withdraw-reason', name: 'reason', rows: 2, maxlength: 2000 }), 'The record and its history are kept.')],
    send: async (v) => {
      await api('POST', `/api/v1/incidents/${inc.id}/withdraw`, v);
      announce('Incident withdrawn.', 'good');
      reload();
    } }));
  return panel;
}
