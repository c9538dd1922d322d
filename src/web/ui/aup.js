// Acceptable-use policies (each agency's AUP per user group: versions, acceptances, coverage drawn as SVG,
// review reminders) and, for partnership administrators, the retention of records: the schedule, the daily
// due list to confirm or defer, legal holds, and the subject-access export.
import { api, query } from './api.js';
import { h, svg, announce, formatDate, formatDateTime } from './dom.js';

export const GROUP_LABELS = {
  staff: 'Staff', pupils_under_11: 'Pupils under 11', pupils_11_to_16: 'Pupils 11 to 16', pupils_over_16: 'Pupils over 16',
  parents: 'Parents and carers', visitors: 'Visitors', public: 'The public',
};
const STATE_LABELS = { draft: 'Draft', current: 'Current', retired: 'Retired' };
const MANAGERS = ['partnership_admin', 'partnership_lead', 'agency_officer'];

function heading(text) { return h('h1', { tabindex: '-1', id: 'page-title' }, text); }
function refresh() { window.dispatchEvent(new HashChangeEvent('hashchange')); }
function today() { return new Date().toISOString().slice(0, 10); }

// Runs `work` on submit; shows the error beside the field the server names.
function onSubmit(form, work) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    for (const el of form.querySelectorAll('.field-error')) el.remove();
    for (const el of form.querySelectorAll('.field--invalid')) el.classList.remove('field--invalid');
    const button = form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    try {
      await work();
    } catch (ex) {
      const input = ex.field ? form.querySelector(`[name="${ex.field}"]`) : null;
      const field = input ? input.closest('.field') : null;
      if (field) {
        field.classList.add('field--invalid');
        field.insertBefore(h('p', { class: 'field-error', id: `${input.id}-error` }, ex.message), input);
        input.setAttribute('aria-describedby', `${input.id}-error`);
        input.focus();
      }
      announce(ex.message, 'bad');
      if (button) button.disabled = false;
    }
  });
}

function field(id, label, input, hint) {
  input.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), hint ? h('p', { class: 'hint', id: `${id}-hint` }, hint) : null, input);
}

// One bar per user group: accepted (green) against not accepted (red). Groups with no register show
// only the number accepted.
export function coverageChart(byGroup) {
  const groups = Object.keys(GROUP_LABELS).filter((g) => byGroup[g]);
  const width = 600; const rowH = 46; const barW = 520;
  const desc = groups.map((g) => {
    const c = byGroup[g];
    return c.not_accepted === null ? `${GROUP_LABELS[g]}: ${c.accepted} accepted (no register)`
      : `${GROUP_LABELS[g]}: ${c.accepted} accepted, ${c.not_accepted} not accepted`;
  }).join('; ');
  const chart = svg('svg', { viewBox: `0 0 ${width} ${Math.max(groups.length, 1) * rowH}`, class: 'aup-chart', role: 'img',
    'aria-labelledby': 'aup-chart-title aup-chart-desc', focusable: 'false', id: 'aup-chart' },
  svg('title', { id: 'aup-chart-title' }, 'Acceptance of the current version, by user group'),
  svg('desc', { id: 'aup-chart-desc' }, desc || 'No policies yet'),
  groups.map((g, i) => {
    const c = byGroup[g];
    const y = i * rowH;
    const total = c.not_accepted === null ? c.accepted : c.accepted + c.not_accepted;
    const wOk = total ? (barW * c.accepted) / total : 0;
    const label = c.not_accepted === null ? `${GROUP_LABELS[g]}: ${c.accepted} accepted (no register kept)`
      : `${GROUP_LABELS[g]}: ${c.accepted} of ${total} accepted`;
    return svg('g', { class: 'aup-row', dataset: { group: g, accepted: String(c.accepted), notAccepted: String(c.not_accepted ?? '') } },
      svg('text', { x: 0, y: y + 13, class: 'rag-label' }, label),
      total ? svg('rect', { x: 0, y: y + 18, width: wOk, height: 20, class: 'rag-fill rag-fill--green' }) : null,
      c.not_accepted ? svg('rect', { x: wOk, y: y + 18, width: barW - wOk, height: 20, class: 'rag-fill rag-fill--red' }) : null,
      total ? null : svg('rect', { x: 0, y: y + 18, width: barW, height: 20, class: 'rag-fill rag-fill--none' }));
  }));
  return h('figure', { class: 'panel rag-figure', id: 'aup-coverage' },
    h('figcaption', {}, h('strong', {}, 'Coverage'), ' — who has accepted the current version'), chart,
    h('ul', { class: 'rag-legend' }, h('li', {}, h('span', { class: 'rag rag--green' }, 'Accepted')),
      h('li', {}, h('span', { class: 'rag rag--red' }, 'Not accepted'))));
}

export function remindersNotice(reminders) {
  if (!reminders.length) return null;
  return h('div', { class: 'notice notice--warn', id: 'aup-reminders', role: 'status' },
    h('p', {}, h('strong', {}, `${reminders.length} acceptable-use ${reminders.length === 1 ? 'policy is' : 'policies are'} past the review date`)),
    h('ul', {}, reminders.map((r) => h('li', {}, h('a', { href: `#/aup?policy=${r.policy_id}` }, `${r.agency_name}: ${r.title}`),
      ` (version ${r.number}) — review was due ${formatDate(r.review_on)}`))));
}

export async function renderAup(main, params, ctx) {
  const title = heading('Acceptable use');
  const role = ctx.user.role;
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Each agency’s acceptable-use policy for each group of users, its versions and review dates, and who has accepted the version in force — on paper or online.')));
  if (role === 'board_member') {
    const coverage = await api('GET', '/api/v1/aup/coverage');
    main.append(coverageChart(coverage.by_group));
    return title;
  }
  const canCover = role !== 'agency_staff';
  const [policies, reminders, coverage] = await Promise.all([
    api('GET', '/api/v1/aup/policies'), api('GET', '/api/v1/aup/reminders'),
    canCover ? api('GET', '/api/v1/aup/coverage') : Promise.resolve(null),
  ]);
  const notice = remindersNotice(reminders);
  if (notice) main.append(notice);
  if (coverage) main.append(coverageChart(coverage.by_group));

  // Staff: the policies in force for them, and a button to accept.
  const toAccept = policies.filter((p) => p.user_group === 'staff' && p.current_version && !p.accepted_by_me);
  if (['agency_staff', 'agency_officer'].includes(role) && toAccept.length) {
    for (const p of toAccept) {
      const v = p.current_version;
      const button = h('button', { type: 'button', class: 'button', id: `accept-${v.id}` }, `I accept version ${v.number}`);
      button.addEventListener('click', async () => {
        button.disabled = true;
        try {
          await api('POST', `/api/v1/aup/versions/${v.id}/accept`);
          announce(`Your acceptance of “${p.title}” is recorded.`, 'good');
          refresh();
        } catch (ex) { announce(ex.message, 'bad'); button.disabled = false; }
      });
      main.append(h('section', { class: 'panel aup-accept', 'aria-labelledby': `accept-h-${v.id}` },
        h('h2', { id: `accept-h-${v.id}` }, `Please read and accept: ${p.title}`),
        v.body ? h('blockquote', { class: 'aup-text' }, v.body) : null,
        v.document_ref ? h('p', {}, 'Document: ', v.document_ref) : null,
        h('p', { class: 'muted' }, `Version ${v.number}, in force from ${formatDate(v.effective_on)}.`), button));
    }
  }

  if (!policies.length) main.append(h('p', { class: 'muted' }, 'No acceptable-use policies are recorded yet.'));
  const coverageById = new Map((coverage ? coverage.policies : []).map((c) => [c.policy_id, c]));
  const selected = Number(params.get('policy')) || null;
  main.append(h('section', { class: 'panel' }, h('h2', {}, 'Policies'),
    h('table', { class: 'data', id: 'aup-policies' },
      h('thead', {}, h('tr', {}, ['Policy', 'Agency', 'Group', 'Version in force', 'Review', 'Not accepted'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, policies.map((p) => {
        const c = coverageById.get(p.id);
        const v = p.current_version;
        return h('tr', { dataset: { policy: String(p.id) }, class: p.id === selected ? 'selected' : undefined },
          h('th', { scope: 'row', 'data-label': 'Policy' }, h('a', { href: `#/aup?policy=${p.id}` }, p.title)),
          h('td', { 'data-label': 'Agency' }, p.agency_name),
          h('td', { 'data-label': 'Group' }, GROUP_LABELS[p.user_group] || p.user_group),
          h('td', { 'data-label': 'Version in force' }, v ? `${v.number} (from ${formatDate(v.effective_on)})` : h('span', { class: 'badge badge--warn' }, 'None')),
          h('td', { 'data-label': 'Review' }, v ? formatDate(v.review_on) : '—', p.review_overdue ? [' ', h('span', { class: 'badge badge--bad' }, 'Overdue')] : null),
          h('td', { 'data-label': 'Not accepted', class: 'aup-missing' }, !c ? '—' : c.not_accepted === null ? `${c.accepted} accepted` : String(c.not_accepted)));
      })))));

  if (MANAGERS.includes(role)) main.append(newPolicyForm(ctx));
  if (selected) await renderPolicy(main, selected, coverageById.get(selected), ctx);
  return title;
}

function newPolicyForm(ctx) {
  const group = h('select', { name: 'user_group' }, Object.entries(GROUP_LABELS).map(([k, v]) => h('option', { value: k }, v)));
  const name = h('input', { name: 'title', type: 'text', maxlength: 200, required: true });
  const agency = h('input', { name: 'agency_id', type: 'number', min: 1, inputmode: 'numeric' });
  const form = h('form', { class: 'panel', novalidate: true, 'aria-labelledby': 'h-new-aup', id: 'aup-new' },
    h('h2', { id: 'h-new-aup' }, 'Add a policy'),
    field('aup-new-group', 'User group', group),
    field('aup-new-title', 'Title', name),
    ctx.user.agency_id ? null : field('aup-new-agency', 'Agency id', agency, 'The agency whose policy it is.'),
    h('button', { type: 'submit', class: 'button' }, 'Add policy'));
  onSubmit(form, async () => {
    const body = { user_group: group.value, title: name.value };
    if (!ctx.user.agency_id && agency.value) body.agency_id = Number(agency.value);
    const p = await api('POST', '/api/v1/aup/policies', body);
    announce('Policy added; add its first version.', 'good');
    location.hash = `#/aup?policy=${p.id}`;
  });
  return form;
}

async function renderPolicy(main, id, coverage, ctx) {
  const p = await api('GET', `/api/v1/aup/policies/${id}`);
  const section = h('section', { class: 'panel', id: 'aup-policy', 'aria-labelledby': 'h-aup-policy' },
    h('h2', { id: 'h-aup-policy' }, `${p.title} — ${p.agency_name} (${GROUP_LABELS[p.user_group] || p.user_group})`));
  if (coverage && coverage.people_not_accepted) {
    section.append(h('h3', {}, 'Not yet accepted the current version'),
      coverage.people_not_accepted.length
        ? h('ul', { id: 'aup-not-accepted' }, coverage.people_not_accepted.map((x) => h('li', { dataset: { person: String(x.person_id) } }, x.full_name)))
        : h('p', { class: 'muted', id: 'aup-not-accepted' }, 'Everyone on the register has accepted it.'));
  }
  section.append(h('h3', {}, 'Versions'),
    h('table', { class: 'data', id: 'aup-versions' },
      h('thead', {}, h('tr', {}, ['Version', 'State', 'In force from', 'Review', 'Acceptances', ''].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, p.versions.map((v) => h('tr', { dataset: { version: String(v.id), state: v.state } },
        h('th', { scope: 'row', 'data-label': 'Version' }, String(v.number), v.document_ref ? h('span', { class: 'cell-sub' }, v.document_ref) : null),
        h('td', { 'data-label': 'State' }, h('span', { class: `badge badge--${v.state === 'current' ? 'good' : v.state === 'draft' ? 'warn' : 'bad'}` }, STATE_LABELS[v.state])),
        h('td', { 'data-label': 'In force from' }, formatDate(v.effective_on)),
        h('td', { 'data-label': 'Review' }, formatDate(v.review_on)),
        h('td', { 'data-label': 'Acceptances' }, v.acceptances ? String(v.acceptances.length) : '—'),
        h('td', { 'data-label': 'Change' }, p.can_manage ? versionButtons(v) : null))))));
  const current = p.versions.find((v) => v.state === 'current');
  if (current && current.acceptances && current.acceptances.length) {
    section.append(h('h3', {}, `Acceptances of version ${current.number}`),
      h('ul', { id: 'aup-acceptances' }, current.acceptances.map((a) => h('li', {},
        `${a.person_name || a.subject_reference || a.username} — ${formatDate(a.accepted_on)}, ${a.method === 'paper' ? `on paper (recorded by ${a.recorded_by})` : 'online'}`))));
  }
  main.append(section);
  if (p.can_manage) {
    if (current) main.append(await paperForm(p, current));
    main.append(versionForm(p));
  }
  void ctx;
}

function versionButtons(v) {
  const act = (verb, label, cls) => {
    const b = h('button', { type: 'button', class: `button ${cls}`, id: `${verb}-${v.id}` }, label);
    b.addEventListener('click', async () => {
      b.disabled = true;
      try {
        await api('POST', `/api/v1/aup/versions/${v.id}/${verb}`);
        announce(verb === 'publish' ? `Version ${v.number} is now in force.` : `Version ${v.number} retired.`, 'good');
        refresh();
      } catch (ex) { announce(ex.message, 'bad'); b.disabled = false; }
    });
    return b;
  };
  if (v.state === 'draft') return act('publish', `Publish version ${v.number}`, '');
  if (v.state === 'current') return act('retire', `Retire version ${v.number}`, 'button--secondary');
  return null;
}

async function paperForm(p, current) {
  const staff = p.user_group === 'staff';
  let subject;
  if (staff) {
    const people = await api('GET', `/api/v1/people${query({ agency_id: p.agency_id })}`).catch(() => []);
    const rows = Array.isArray(people) ? people : (people.items || []);
    subject = h('select', { name: 'person_id' }, rows.map((x) => h('option', { value: x.id }, x.full_name)));
  } else {
    subject = h('input', { name: 'subject_reference', type: 'text', maxlength: 100, autocomplete: 'off' });
  }
  const date = h('input', { name: 'accepted_on', type: 'date', value: today(), max: today(), min: current.effective_on });
  const form = h('form', { class: 'panel', novalidate: true, id: 'aup-paper', 'aria-labelledby': 'h-aup-paper' },
    h('h2', { id: 'h-aup-paper' }, `Record a paper acceptance of version ${current.number}`),
    field('aup-paper-subject', staff ? 'Person' : 'Reference', subject, staff ? null : 'A pseudonymous reference, e.g. a class and number — not a child’s name.'),
    field('aup-paper-date', 'Date signed', date),
    h('button', { type: 'submit', class: 'button', id: 'aup-paper-submit' }, 'Record acceptance'));
  onSubmit(form, async () => {
    const body = { accepted_on: date.value };
    if (staff) body.person_id = Number(subject.value); else body.subject_reference = subject.value;
    await api('POST', `/api/v1/aup/versions/${current.id}/acceptances`, body);
    announce('Acceptance recorded.', 'good');
    refresh();
  });
  return form;
}

function versionForm(p) {
  const body = h('textarea', { name: 'body', rows: 4, maxlength: 20000 });
  const doc = h('input', { name: 'document_ref', type: 'text', maxlength: 500 });
  const from = h('input', { name: 'effective_on', type: 'date', required: true });
  const review = h('input', { name: 'review_on', type: 'date', required: true });
  const form = h('form', { class: 'panel', novalidate: true, id: 'aup-version', 'aria-labelledby': 'h-aup-version' },
    h('h2', { id: 'h-aup-version' }, 'Add a new version (draft)'),
    field('aup-v-body', 'Text of the policy', body),
    field('aup-v-doc', 'Or where the document is kept', doc),
    field('aup-v-from', 'In force from', from),
    field('aup-v-review', 'Review by', review),
    h('button', { type: 'submit', class: 'button' }, 'Add draft'));
  onSubmit(form, async () => {
    await api('POST', `/api/v1/aup/policies/${p.id}/versions`,
      { body: body.value || undefined, document_ref: doc.value || undefined, effective_on: from.value, review_on: review.value });
    announce('Draft added; publish it to put it in force.', 'good');
    refresh();
  });
  return form;
}

// ---- Retention (partnership administrators) ----

const TYPE_LABELS = {
  incident: 'Incident', training_attendance: 'Training attendance', disclosure_request: 'Disclosure request',
  aup_acceptance: 'AUP acceptance', audit_returns: 'Audit returns (one round)',
};

export async function renderRetention(main, params, ctx) {
  const title = heading('Retention of records');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Records whose retention period has run out, for you to confirm one by one: delete (incidents are anonymised) or keep for longer, saying why. Records under a legal hold are never listed as due. The list is worked out again every day.')));
  const [due, schedule, holds, runs] = await Promise.all([
    api('GET', '/api/v1/retention/due'), api('GET', '/api/v1/retention/schedule'),
    api('GET', '/api/v1/retention/holds'), api('GET', '/api/v1/retention/runs'),
  ]);
  if (runs.length) main.append(h('p', { class: 'muted', id: 'retention-last-run' }, `Last daily run ${formatDateTime(runs[0].ran_at)}: ${runs[0].due} due, ${runs[0].held} held.`));

  const dueSection = h('section', { class: 'panel', 'aria-labelledby': 'h-due' }, h('h2', { id: 'h-due' }, `Due for review (${due.due.length})`));
  if (!due.due.length) dueSection.append(h('p', { class: 'muted' }, 'Nothing is due today.'));
  else {
    dueSection.append(h('table', { class: 'data', id: 'retention-due' },
      h('thead', {}, h('tr', {}, ['Record', 'What', 'Due since', 'Decision'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, due.due.map((d) => h('tr', { dataset: { type: d.record_type, id: String(d.record_id) } },
        h('th', { scope: 'row', 'data-label': 'Record' }, `${TYPE_LABELS[d.record_type] || d.record_type} ${d.record_id}`),
        h('td', { 'data-label': 'What' }, d.summary || '—'),
        h('td', { 'data-label': 'Due since' }, formatDate(d.due_on)),
        h('td', { 'data-label': 'Decision' }, decisionForm(d)))))));
  }
  main.append(dueSection);

  main.append(h('section', { class: 'panel', 'aria-labelledby': 'h-holds' }, h('h2', { id: 'h-holds' }, 'Legal holds'),
    holds.filter((x) => !x.released_at).length
      ? h('ul', { id: 'retention-holds' }, holds.filter((x) => !x.released_at).map((x) => h('li', {},
        `${TYPE_LABELS[x.record_type] || x.record_type} ${x.record_id}: ${x.reason} (placed by ${x.placed_by}, ${formatDate(x.placed_at)}) `,
        releaseButton(x))))
      : h('p', { class: 'muted' }, 'No record is held.'),
    holdForm()));

  main.append(h('section', { class: 'panel', 'aria-labelledby': 'h-schedule' }, h('h2', { id: 'h-schedule' }, 'Schedule'),
    h('table', { class: 'data', id: 'retention-schedule' },
      h('thead', {}, h('tr', {}, ['Record type', 'Kept for (months)', 'Counted from', 'Basis'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, schedule.map((s) => h('tr', {},
        h('th', { scope: 'row', 'data-label': 'Record type' }, TYPE_LABELS[s.record_type] || s.record_type),
        h('td', { 'data-label': 'Months' }, periodInput(s)),
        h('td', { 'data-label': 'Counted from' }, s.trigger_field),
        h('td', { 'data-label': 'Basis' }, s.basis)))))));

  main.append(subjectAccessForm());
  void params; void ctx;
  return title;
}

function decisionForm(d) {
  const key = `${d.record_type}-${d.record_id}`;
  const note = h('input', { name: 'note', type: 'text', maxlength: 2000, required: true });
  const months = h('input', { name: 'months', type: 'number', min: 1, max: 120, value: 12, inputmode: 'numeric' });
  const form = h('form', { class: 'retention-decision', novalidate: true },
    field(`note-${key}`, 'Reason', note),
    field(`months-${key}`, 'Keep for (months, if kept)', months),
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'button button--danger', value: 'delete', id: `delete-${key}` }, d.record_type === 'incident' ? 'Anonymise' : 'Delete'),
      h('button', { type: 'submit', class: 'button button--secondary', value: 'extend', id: `extend-${key}` }, 'Keep longer')));
  let action = 'delete';
  for (const b of form.querySelectorAll('button')) b.addEventListener('click', () => { action = b.value; });
  onSubmit(form, async () => {
    const body = { record_type: d.record_type, record_id: d.record_id, action, note: note.value };
    if (action === 'extend') body.months = Number(months.value);
    await api('POST', '/api/v1/retention/confirm', body);
    announce(action === 'extend' ? 'Kept; the decision is recorded.' : 'Done; the decision is recorded.', 'good');
    refresh();
  });
  return form;
}

function releaseButton(hold) {
  const b = h('button', { type: 'button', class: 'button button--secondary', id: `release-${hold.id}` }, 'Lift hold');
  b.addEventListener('click', async () => {
    // eslint-disable-next-line no-alert
    const reason = window.prompt('Why is the hold lifted?');
    if (!reason) return;
    try {
      await api('POST', `/api/v1/retention/holds/${hold.id}/release`, { reason });
      announce('Hold lifted.', 'good');
      refresh();
    } catch (ex) { announce(ex.message, 'bad'); }
  });
  return b;
}

function holdForm() {
  const type = h('select', { name: 'record_type' }, Object.entries(TYPE_LABELS).map(([k, v]) => h('option', { value: k }, v)));
  const id = h('input', { name: 'record_id', type: 'number', min: 1, inputmode: 'numeric', required: true });
  const reason = h('input', { name: 'reason', type: 'text', maxlength: 2000, required: true });
  const form = h('form', { class: 'inline-form', novalidate: true, id: 'retention-hold' },
    h('h3', {}, 'Place a hold'),
    field('hold-type', 'Record type', type), field('hold-id', 'Record id', id), field('hold-reason', 'Reason', reason),
    h('button', { type: 'submit', class: 'button' }, 'Place hold'));
  onSubmit(form, async () => {
    await api('POST', '/api/v1/retention/holds', { record_type: type.value, record_id: Number(id.value), reason: reason.value });
    announce('Hold placed.', 'good');
    refresh();
  });
  return form;
}

function periodInput(s) {
  const input = h('input', { type: 'number', min: 1, max: 1200, value: s.months, inputmode: 'numeric', id: `months-${s.record_type}`,
    'aria-label': `Months to keep ${TYPE_LABELS[s.record_type] || s.record_type} records`, class: 'months-input' });
  input.addEventListener('change', async () => {
    try {
      await api('PUT', '/api/v1/retention/schedule', { record_type: s.record_type, months: Number(input.value) });
      announce('Retention period saved.', 'good');
    } catch (ex) { announce(ex.message, 'bad'); input.value = s.months; }
  });
  return input;
}

function subjectAccessForm() {
  const kind = h('select', { name: 'kind' }, h('option', { value: 'person_id' }, 'Person (directory id)'),
    h('option', { value: 'user_id' }, 'Account (id)'), h('option', { value: 'reference' }, 'Pseudonymous reference'));
  const value = h('input', { name: 'person_id', type: 'text', required: true, autocomplete: 'off' });
  kind.addEventListener('change', () => { value.name = kind.value; });
  const form = h('form', { class: 'panel', novalidate: true, id: 'subject-access', 'aria-labelledby': 'h-sar' },
    h('h2', { id: 'h-sar' }, 'Subject-access export'),
    h('p', {}, 'Gathers everything held about one person into one file, for you to review before anything is released. The export is recorded in the audit trail.'),
    field('sar-kind', 'Find by', kind), field('sar-value', 'Id or reference', value),
    h('button', { type: 'submit', class: 'button', id: 'sar-submit' }, 'Download export'));
  onSubmit(form, async () => {
    const doc = await api('GET', `/api/v1/subject-access${query({ [kind.value]: value.value })}`);
    const blob = new Blob([JSON.stringify(doc, null, 2)], { type: 'application/json' });
    const a = h('a', { href: URL.createObjectURL(blob), download: `subject-access-${today()}.json` });
    document.body.append(a);
    a.click();
    a.remove();
    announce(`Export ready: ${doc.incidents.length} incident(s), ${doc.training_attendance.length} training record(s), ${doc.aup_acceptances.length} AUP acceptance(s).`, 'good');
    const btn = form.querySelector('button[type=submit]');
    btn.disabled = false;
  });
  return form;
}
