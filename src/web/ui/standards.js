// The annual e-safety audit: the partnership lead opens rounds and follows the returns coming in; each agency's
// e-safety officer fills in its return (drafts, evidence notes, submit); gaps become suggested actions the agency
// can accept into the action plan. The board report itself is a server page laid out for print (report.html).
import { api } from './api.js';
import { h, clear, announce, formatDate, formatDateTime } from './dom.js';
import { sentence } from './forms.js';
import { exportButton } from './jobs.js';

const STATUS_LABELS = { not_started: 'Not started', draft: 'Draft', submitted: 'Submitted', returned: 'Returned for correction' };
const STATUS_BADGE = { not_started: 'bad', draft: 'warn', submitted: 'good', returned: 'warn' };

function heading(text) { return h('h1', { tabindex: '-1', id: 'page-title' }, text); }
function managesAudit(user) { return ['partnership_admin', 'partnership_lead'].includes(user.role); }
function seesReport(user) { return ['partnership_admin', 'partnership_lead', 'board_member', 'auditor'].includes(user.role); }
function statusBadge(status, overdue) {
  return [h('span', { class: `badge badge--${STATUS_BADGE[status] || 'warn'}`, dataset: { status } }, STATUS_LABELS[status] || status),
    overdue ? h('span', { class: 'badge badge--bad badge--overdue' }, 'Overdue') : null];
}
function reportHref(roundId) { return `/api/v1/audit-rounds/${roundId}/report.html`; }
const today = () => new Date().toISOString().slice(0, 10);

// #/audit-rounds, #/audit-rounds/{id}, #/audit-rounds/{id}/returns/{agency_id}
export async function renderAuditRounds(main, parts, params, ctx) {
  if (parts.length === 1) return renderRoundList(main, ctx);
  const roundId = Number(parts[1]);
  if (!Number.isInteger(roundId) || roundId < 1) throw Object.assign(new Error('There is no audit round at this address.'), { status: 404 });
  if (parts.length === 2) return renderRound(main, roundId, ctx);
  const agencyId = Number(parts[3]);
  if (parts[2] !== 'returns' || !Number.isInteger(agencyId) || agencyId < 1) throw Object.assign(new Error('There is no return at this address.'), { status: 404 });
  return renderReturn(main, roundId, agencyId, ctx);
}

async function renderRoundList(main, ctx) {
  const title = heading('Annual e-safety audit');
  const user = ctx.user;
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Every member agency sends the partnership an annual return on the agreed monitoring dataset. The board report is computed from the returns.')));
  const rounds = await api('GET', '/api/v1/audit-rounds');

  // An agency officer sees their own return in each round, with a reminder for any not yet submitted.
  const mine = new Map();
  if (!seesReport(user) && user.agency_id) {
    const statuses = await Promise.all(rounds.map((r) => api('GET', `/api/v1/audit-rounds/${r.id}/status`).catch(() => null)));
    rounds.forEach((r, i) => { const s = statuses[i]; if (s && s.returns.length) mine.set(r.id, s.returns[0]); });
    for (const r of rounds) {
      const ret = mine.get(r.id);
      if (!ret || ret.status === 'submitted') continue;
      main.append(h('div', { class: `notice ${ret.overdue ? 'notice--error' : 'notice--warn'} reminder`, role: 'status' },
        h('p', {}, h('strong', {}, ret.overdue ? 'Your return is overdue. ' : 'Your return is due. '),
          `${r.title}: the deadline ${ret.overdue ? 'was' : 'is'} ${formatDate(r.deadline)}. `,
          h('a', { href: `#/audit-rounds/${r.id}/returns/${ret.agency_id}` }, ret.status === 'returned' ? 'Correct your return' : 'Fill in your return'))));
    }
  }

  if (managesAudit(user)) main.append(await openRoundForm());

  if (!rounds.length) { main.append(h('p', { class: 'muted' }, 'No audit round has been opened yet.')); return title; }
  const cols = ['Round', 'Year', 'Deadline', 'Template', seesReport(user) ? 'Board report' : 'Your return'];
  main.append(h('section', { class: 'panel' }, h('h2', {}, 'Rounds'),
    h('table', { class: 'data', id: 'rounds' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, rounds.map((r) => {
        const ret = mine.get(r.id);
        const last = seesReport(user)
          ? h('a', { href: reportHref(r.id), class: 'report-link' }, 'Board report')
          : ret ? [statusBadge(ret.status, ret.overdue), ' ', h('a', { href: `#/audit-rounds/${r.id}/returns/${ret.agency_id}` }, ret.status === 'submitted' ? 'View' : 'Fill in')] : '—';
        return h('tr', { dataset: { round: String(r.id) } },
          h('th', { scope: 'row', 'data-label': 'Round' }, managesAudit(user) ? h('a', { href: `#/audit-rounds/${r.id}` }, r.title) : r.title),
          h('td', { 'data-label': 'Year' }, String(r.year)),
          h('td', { 'data-label': 'Deadline' }, h('time', { datetime: r.deadline }, formatDate(r.deadline)), r.deadline < today() ? h('span', { class: 'cell-sub' }, 'closed') : null),
          h('td', { 'data-label': 'Template' }, `${r.template_key} v${r.template_version}`),
          h('td', { 'data-label': cols[4] }, last));
      })))));
  return title;
}

async function openRoundForm() {
  const templates = await api('GET', '/api/v1/audit-templates');
  const year = new Date().getFullYear();
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true }, h('h2', {}, 'There is a problem'), h('ul'));
  const fields = {
    title: h('input', { id: 'round-title', type: 'text', maxlength: 200, required: true, value: `Annual e-safety return ${year}` }),
    year: h('input', { id: 'round-year', type: 'number', min: 2000, max: 2100, step: 1, class: 'input--short', required: true, value: String(year) }),
    template_id: h('select', { id: 'round-template_id', required: true }, templates.map((t) => h('option', { value: String(t.template_id) }, `${t.title} (version ${t.version})`))),
    deadline: h('input', { id: 'round-deadline', type: 'date', class: 'input--date', required: true }),
  };
  if (templates.length) fields.template_id.value = String(templates[templates.length - 1].template_id);
  const labels = { title: 'Title', year: 'Year', template_id: 'Audit template', deadline: 'Deadline for returns' };
  const field = (name) => h('div', { class: 'field', 'data-field': name }, h('label', { for: `round-${name}` }, labels[name]),
    h('p', { class: 'field-error', id: `round-${name}-error`, hidden: true }), fields[name]);
  const form = h('form', { class: 'panel open-round', novalidate: true, 'aria-labelledby': 'h-open-round' },
    h('h2', { id: 'h-open-round' }, 'Open a round'),
    h('p', { class: 'hint' }, 'A return is then expected from every member agency, on the chosen version of the template.'),
    summary, h('div', { class: 'open-round__fields' }, field('title'), field('year'), field('template_id'), field('deadline')),
    h('button', { type: 'submit', class: 'button', id: 'open-round' }, 'Open the round'));
  const show = (errors) => {
    const ul = clear(summary.querySelector('ul'));
    for (const el of form.querySelectorAll('.field')) { el.classList.remove('field--invalid'); el.querySelector('.field-error').hidden = true; }
    for (const e of errors) {
      const el = e.field && form.querySelector(`.field[data-field="${e.field}"]`);
      if (el) { el.classList.add('field--invalid'); const p = el.querySelector('.field-error'); p.textContent = sentence(e.message); p.hidden = false; }
      ul.append(h('li', {}, el ? h('a', { href: `#round-${e.field}`, onclick: (ev) => { ev.preventDefault(); fields[e.field].focus(); } }, `${labels[e.field]}: ${e.message}`) : sentence(e.message)));
    }
    summary.hidden = !errors.length;
    if (errors.length) summary.focus();
  };
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const errors = [];
    if (!fields.title.value.trim()) errors.push({ field: 'title', message: 'give the round a title' });
    if (!/^\d{4}$/.test(fields.year.value)) errors.push({ field: 'year', message: 'enter the year, for example 2026' });
    if (!fields.deadline.value) errors.push({ field: 'deadline', message: 'choose the deadline for returns' });
    if (errors.length) { show(errors); return; }
    try {
      const r = await api('POST', '/api/v1/audit-rounds', { title: fields.title.value.trim(), year: Number(fields.year.value),
        template_id: Number(fields.template_id.value), deadline: fields.deadline.value });
      announce(`${r.title} is open: ${r.expected_returns} returns expected.`, 'good');
      location.hash = `#/audit-rounds/${r.id}`;
    } catch (ex) { show([{ field: ex.field, message: ex.message }]); }
  });
  return form;
}

async function renderRound(main, roundId, ctx) {
  const status = await api('GET', `/api/v1/audit-rounds/${roundId}/status`);
  const title = heading(status.title);
  const overdue = status.returns.filter((r) => r.overdue);
  main.append(h('a', { href: '#/audit-rounds', class: 'back-link' }, 'All audit rounds'),
    h('div', { class: 'page-head' }, title, h('p', { class: 'intro' }, `Returns are due by ${formatDate(status.deadline)}.`)));
  main.append(h('ul', { class: 'stats', 'aria-label': 'Returns' },
    h('li', { class: 'stat', id: 'stat-received' }, h('span', { class: 'stat__n' }, String(status.received)), h('span', { class: 'stat__label' }, 'returns received')),
    h('li', { class: 'stat', id: 'stat-expected' }, h('span', { class: 'stat__n' }, String(status.expected)), h('span', { class: 'stat__label' }, 'returns expected')),
    h('li', { class: 'stat', id: 'stat-overdue' }, h('span', { class: 'stat__n' }, String(overdue.length)), h('span', { class: 'stat__label' }, 'overdue'))));
  if (overdue.length) {
    main.append(h('div', { class: 'notice notice--error', id: 'overdue-list' }, h('p', {}, h('strong', {}, 'Overdue: '), overdue.map((r) => r.agency_name).join(', '), '.')));
  }
  if (seesReport(ctx.user)) {
    main.append(h('div', { class: 'actions' },
      h('a', { href: reportHref(roundId), class: 'button', id: 'board-report-link' }, 'Board report'),
      exportButton({ id: 'board-report-pdf', label: 'Board report as PDF', path: `/api/v1/audit-rounds/${roundId}/report.pdf` }),
      h('a', { href: `/api/v1/audit-rounds/${roundId}/report.xlsx`, class: 'button button--secondary', download: true }, 'All tables as XLSX')));
  }
  const cols = ['Agency', 'Status', 'Submitted', 'Action'];
  main.append(h('section', { class: 'panel' }, h('h2', {}, 'Returns'),
    h('table', { class: 'data', id: 'round-returns' },
      h('thead', {}, h('tr', {}, cols.map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, status.returns.map((r) => h('tr', { dataset: { agency: String(r.agency_id) } },
        h('th', { scope: 'row', 'data-label': 'Agency' }, h('a', { href: `#/audit-rounds/${roundId}/returns/${r.agency_id}` }, r.agency_name)),
        h('td', { 'data-label': 'Status' }, statusBadge(r.status, r.overdue)),
        h('td', { 'data-label': 'Submitted' }, r.submitted_at ? formatDateTime(r.submitted_at) : '—'),
        h('td', { 'data-label': 'Action' }, managesAudit(ctx.user) && r.status === 'submitted'
          ? returnForCorrection(roundId, r.agency_id, r.agency_name, () => window.dispatchEvent(new HashChangeEvent('hashchange')))
          : r.status === 'submitted' ? '' : h('span', { class: 'muted' }, 'awaiting return'))))))));
  return title;
}

// A closed <details> holding the comment box, so a long list of returns stays short.
function returnForCorrection(roundId, agencyId, agencyName, done) {
  const id = `return-comment-${agencyId}`;
  const comment = h('textarea', { id, rows: 3, maxlength: 2000 });
  const err = h('p', { class: 'field-error', hidden: true, id: `${id}-error` });
  const form = h('form', { class: 'return-form', novalidate: true },
    h('label', { for: id }, `What must ${agencyName} correct?`), err, comment,
    h('button', { type: 'submit', class: 'button button--danger' }, 'Return for correction'));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    err.hidden = true;
    if (!comment.value.trim()) { err.textContent = 'Say what needs correcting.'; err.hidden = false; comment.focus(); return; }
    try {
      await api('POST', `/api/v1/audit-rounds/${roundId}/returns/${agencyId}/return`, { comment: comment.value.trim() });
      announce(`${agencyName}'s return has been sent back for correction.`, 'good');
      done();
    } catch (ex) { err.textContent = sentence(ex.message); err.hidden = false; comment.focus(); }
  });
  return h('details', { class: 'return-details' }, h('summary', {}, 'Return for correction'), form);
}

// ---- The return form ----

function questionControl(q, answer, disabled) {
  const id = `q-${q.id}`;
  const err = h('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  let control; let wrapper;
  const radios = (options) => h('div', { class: q.type === 'level' ? 'levels' : 'check-group' }, options.map(([value, label, statement], i) => {
    const rid = `${id}-${i}`;
    return h('div', { class: q.type === 'level' ? 'level' : 'check' },
      h('input', { type: 'radio', id: rid, name: id, value: String(value), checked: answer != null && String(answer) === String(value), disabled }),
      h('label', { for: rid }, statement ? [h('strong', {}, label), h('span', { class: 'level__text' }, statement)] : label));
  }));
  if (q.type === 'yes_no' || q.type === 'level') {
    const options = q.type === 'yes_no' ? [['yes', 'Yes'], ['no', 'No']] : q.levels.map((text, i) => [i + 1, `Level ${i + 1}`, text]);
    control = radios(options);
    wrapper = h('fieldset', { class: `field field--group question question--${q.type}`, id, 'data-question': q.id, 'aria-describedby': `${id}-error` },
      h('legend', {}, q.text), err, control);
  } else {
    if (q.type === 'number') {
      control = h('input', { id: `${id}-input`, type: 'number', min: q.min, max: q.max, step: 'any', inputmode: 'decimal', class: 'input--short', disabled });
    } else if (q.type === 'date') {
      control = h('input', { id: `${id}-input`, type: 'date', class: 'input--date', disabled });
    } else if (q.type === 'choice') {
      control = h('select', { id: `${id}-input`, disabled }, h('option', { value: '' }, 'Choose…'), q.choices.map((c) => h('option', { value: c }, c)));
    } else {
      control = h('textarea', { id: `${id}-input`, rows: 3, maxlength: 4000, disabled });
    }
    if (answer != null) control.value = String(answer);
    control.setAttribute('aria-describedby', `${id}-error`);
    const hint = q.type === 'number' ? h('p', { class: 'hint' }, `A number from ${q.min} to ${q.max}.`) : null;
    wrapper = h('div', { class: `field question question--${q.type}`, id, 'data-question': q.id },
      h('label', { for: `${id}-input` }, q.text), hint, err, control);
  }
  return { q, wrapper, err, control };
}

function readAnswer({ q, wrapper, control }) {
  if (q.type === 'yes_no' || q.type === 'level') {
    const checked = wrapper.querySelector('input:checked');
    if (!checked) return { value: null };
    return { value: q.type === 'level' ? Number(checked.value) : checked.value };
  }
  const raw = control.value.trim();
  if (raw === '') return { value: null };
  if (q.type === 'number') {
    const n = Number(raw);
    if (!Number.isFinite(n)) return { error: `${q.text}: enter a number` };
    return { value: n };
  }
  return { value: raw };
}

async function renderReturn(main, roundId, agencyId, ctx) {
  const ret = await api('GET', `/api/v1/audit-rounds/${roundId}/returns/${agencyId}`);
  const user = ctx.user;
  const canWrite = managesAudit(user) || (user.role === 'agency_officer' && user.agency_id === agencyId);
  const editable = canWrite && ret.status !== 'submitted';
  const title = heading(`${ret.template.title}: ${ret.agency_name}`);
  main.append(h('a', { href: managesAudit(user) ? `#/audit-rounds/${roundId}` : '#/audit-rounds', class: 'back-link' }, managesAudit(user) ? 'All returns in this round' : 'Annual e-safety audit'),
    h('div', { class: 'page-head' }, title,
      h('p', { class: 'intro' }, `Due by ${formatDate(ret.deadline)}. Answer for the agency as a whole; add a note of the evidence you hold where it helps. You can save a draft and come back.`),
      h('p', { class: 'return-status', id: 'return-status' }, 'Status: ', statusBadge(ret.status, ret.status !== 'submitted' && ret.deadline < today()),
        ret.submitted_at ? ` submitted ${formatDateTime(ret.submitted_at)}` : '')));
  if (ret.status === 'returned' && ret.returned_comment) {
    main.append(h('div', { class: 'notice notice--warn', id: 'returned-comment' }, h('p', {}, h('strong', {}, 'Returned for correction: '), ret.returned_comment)));
  }
  if (ret.status === 'submitted') {
    main.append(h('div', { class: 'notice notice--good', id: 'submitted-notice' }, h('p', {}, 'This return has been submitted to the partnership. It can only change if the partnership returns it for correction.')));
    if (managesAudit(user)) main.append(h('div', { class: 'panel' }, returnForCorrection(roundId, agencyId, ret.agency_name, () => window.dispatchEvent(new HashChangeEvent('hashchange')))));
  }

  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true, id: 'return-errors' }, h('h2', {}, 'There is a problem'), h('ul'));
  const controls = new Map();
  const notes = new Map();
  const sections = ret.template.sections.map((s) => h('section', { class: 'panel return-section', 'aria-labelledby': `s-${s.id}` },
    h('h2', { id: `s-${s.id}` }, s.title),
    s.questions.map((q) => {
      const c = questionControl(q, ret.answers[q.id], !editable);
      controls.set(q.id, c);
      const existing = ret.evidence_notes[q.id] || '';
      const note = h('textarea', { id: `note-${q.id}`, rows: 2, maxlength: 2000, disabled: !editable });
      note.value = existing;
      notes.set(q.id, { el: note, before: existing });
      c.wrapper.append(h('details', { class: 'evidence', open: Boolean(existing) },
        h('summary', {}, existing ? 'Evidence note' : 'Add an evidence note'),
        h('label', { for: `note-${q.id}`, class: 'visually-hidden' }, `Evidence note for: ${q.text}`), note));
      return c.wrapper;
    })));

  const save = h('button', { type: 'button', class: 'button button--secondary', id: 'save-draft' }, 'Save draft');
  const submit = h('button', { type: 'submit', class: 'button', id: 'submit-return' }, 'Submit return');
  const form = h('form', { class: 'return-form-page', novalidate: true, 'aria-labelledby': 'page-title' }, summary, sections,
    editable ? h('div', { class: 'button-row return-buttons' }, submit, save) : null);
  main.append(form);
  const gaps = h('div', { id: 'suggested-actions' });
  main.append(gaps);

  function showErrors(errors) {
    const ul = clear(summary.querySelector('ul'));
    for (const c of controls.values()) { c.err.hidden = true; c.wrapper.classList.remove('field--invalid'); }
    let first = null;
    for (const e of errors) {
      const c = e.field && controls.get(e.field);
      if (c) {
        c.err.textContent = sentence(e.message.replace(`${c.q.text}: `, ''));
        c.err.hidden = false;
        c.wrapper.classList.add('field--invalid');
        first = first || c;
      }
      // The server names the question at the start of its message ("Question?: why"); say it as "Question — why".
      const why = c ? e.message.replace(`${c.q.text}: `, '') : e.message;
      const text = c ? `${c.q.text} — ${why}` : sentence(e.message);
      ul.append(h('li', {}, c ? h('a', { href: `#q-${e.field}`, onclick: (ev) => { ev.preventDefault(); focusQuestion(c); } }, text) : text));
    }
    summary.hidden = !errors.length;
    if (errors.length) summary.focus();
  }
  function focusQuestion(c) {
    const target = c.wrapper.querySelector('input, select, textarea');
    c.wrapper.scrollIntoView({ block: 'center' });
    if (target) target.focus();
  }
  function collect() {
    const answers = {}; const errors = [];
    for (const [id, c] of controls) {
      const a = readAnswer(c);
      if (a.error) errors.push({ field: id, message: a.error });
      else if (a.value !== null || ret.answers[id] != null) answers[id] = a.value;
    }
    const evidence = {};
    for (const [id, n] of notes) { const v = n.el.value.trim(); if (v || n.before) evidence[id] = v; }
    return { answers, evidence, errors };
  }
  async function saveDraft() {
    const { answers, evidence, errors } = collect();
    if (errors.length) { showErrors(errors); return null; }
    try {
      const saved = await api('PATCH', `/api/v1/audit-rounds/${roundId}/returns/${agencyId}`, { answers, evidence_notes: evidence });
      ret.answers = saved.answers;
      for (const [id, n] of notes) n.before = saved.evidence_notes[id] || '';
      showErrors([]);
      return saved;
    } catch (ex) { showErrors([{ field: ex.field, message: ex.message }]); return null; }
  }
  save.addEventListener('click', async () => {
    save.disabled = true;
    try { if (await saveDraft()) { announce('Draft saved. You can come back to it before the deadline.', 'good'); await drawGaps(); } } finally { save.disabled = false; }
  });
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    // Every yes/no and level question must be answered; say which are not, all at once.
    const missing = [...controls.values()].filter((c) => (c.q.type === 'yes_no' || c.q.type === 'level') && readAnswer(c).value === null);
    if (missing.length) { showErrors(missing.map((c) => ({ field: c.q.id, message: `${c.q.text}: answer this question before submitting` }))); return; }
    submit.disabled = true;
    try {
      if (!(await saveDraft())) return;
      await api('POST', `/api/v1/audit-rounds/${roundId}/returns/${agencyId}/submit`);
      announce('Your return has been submitted to the partnership. Thank you.', 'good');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (ex) { showErrors([{ field: ex.field, message: ex.message }]); } finally { submit.disabled = false; }
  });

  async function drawGaps() {
    let list;
    try { list = await api('GET', `/api/v1/audit-rounds/${roundId}/returns/${agencyId}/suggested-actions`); } catch { return; }
    clear(gaps);
    if (!list.length) return;
    gaps.append(h('section', { class: 'panel gaps', 'aria-labelledby': 'h-gaps' },
      h('h2', { id: 'h-gaps' }, 'Suggested actions'),
      h('p', { class: 'hint' }, 'Your answers show these gaps. Accept an action to add it to the strategy action plan, led by your agency.'),
      h('ul', { class: 'gap-list' }, list.map((g) => {
        const accepted = g.plan_action_id != null;
        const button = h('button', { type: 'button', class: 'button button--secondary', dataset: { question: g.question_id } }, 'Add to the action plan');
        button.addEventListener('click', async () => {
          button.disabled = true;
          try {
            await api('POST', `/api/v1/audit-rounds/${roundId}/returns/${agencyId}/suggested-actions/accept`, { question_id: g.question_id });
            announce('Added to the action plan.', 'good');
            await drawGaps();
          } catch (ex) { announce(ex.message, 'bad'); button.disabled = false; }
        });
        return h('li', { class: 'gap', dataset: { question: g.question_id } },
          h('p', { class: 'gap__action' }, g.suggested_action),
          h('p', { class: 'gap__why' }, `${g.section}: “${g.question}” — answered ${g.answer}.`),
          accepted ? h('p', { class: 'gap__done' }, h('span', { class: 'badge badge--good' }, 'In the action plan'), ' ', h('a', { href: '#/plan?view=lead' }, 'See the plan'))
            : canWrite ? button : null);
      }))));
  }
  await drawGaps();
  return title;
}

// ---- Infrastructure risk assessment per site (seeds 004 Section 3: the HSE five steps) ----

const RISK_LEVELS = { low: 'Low', medium: 'Medium', high: 'High' };

// #/risk-assessments and #/risk-assessments/{site_id}
export async function renderRiskAssessments(main, parts, params, ctx) {
  if (parts.length === 1) return renderRiskList(main);
  const siteId = Number(parts[1]);
  if (!Number.isInteger(siteId) || siteId < 1) throw Object.assign(new Error('There is no site at this address.'), { status: 404 });
  return renderRiskForm(main, siteId, ctx);
}

async function renderRiskList(main) {
  const title = heading('Infrastructure risk assessments');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Each site’s assessment of the infrastructure risks to children, in the Health and Safety Executive’s five steps, with the date it is next reviewed.')));
  const list = await api('GET', '/api/v1/risk-assessments');
  if (!list.length) { main.append(h('p', { class: 'muted' }, 'No sites are recorded yet.')); return title; }
  main.append(h('table', { class: 'data', id: 'risk-sites' },
    h('thead', {}, h('tr', {}, ['Site', 'Agency', 'Assessment', 'Review by'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, list.map((s) => h('tr', { dataset: { site: String(s.site_id) } },
      h('th', { scope: 'row', 'data-label': 'Site' }, h('a', { href: `#/risk-assessments/${s.site_id}` }, s.site_name)),
      h('td', { 'data-label': 'Agency' }, s.agency_name),
      h('td', { 'data-label': 'Assessment' }, s.never_assessed ? h('span', { class: 'badge badge--bad' }, 'Never assessed') : `Version ${s.version}`),
      h('td', { 'data-label': 'Review by' }, s.review_date ? formatDate(s.review_date) : '—',
        s.review_overdue ? h('span', { class: 'badge badge--bad badge--overdue' }, 'Review overdue') : null))))));
  return title;
}

async function renderRiskForm(main, siteId, ctx) {
  const ra = await api('GET', `/api/v1/sites/${siteId}/risk-assessment`);
  const cur = ra.current || {};
  const editable = ra.can_edit;
  const title = heading(`Risk assessment: ${ra.site_name}`);
  main.append(h('a', { href: '#/risk-assessments', class: 'back-link' }, 'All risk assessments'),
    h('div', { class: 'page-head' }, title, h('p', { class: 'intro' }, `${ra.agency_name}. `,
      ra.current ? `Version ${cur.version}, recorded ${formatDateTime(cur.assessed_at)} by ${cur.assessed_by}.` : 'Not yet assessed.',
      ra.review_overdue ? h('span', { class: 'badge badge--bad badge--overdue' }, 'Review overdue') : null)));
  void ctx;
  const summary = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true }, h('h2', {}, 'There is a problem'), h('ul'));
  const area = (id, value, rows = 3, max = 4000) => { const t = h('textarea', { id, rows, maxlength: max, disabled: !editable }); t.value = value || ''; return t; };
  const field = (name, label, control, hint) => h('div', { class: 'field', 'data-field': name },
    h('label', { for: control.id }, label), hint ? h('p', { class: 'hint' }, hint) : null, h('p', { class: 'field-error', hidden: true }), control);

  const kq = new Map(ra.key_questions.map((q) => [q.id, area(`kq-${q.id}`, (cur.key_questions || {})[q.id])]));
  const hazards = area('ra-hazards', (cur.hazards || []).join('\n'), 4, 30000);
  const harmed = area('ra-who', cur.who_might_be_harmed);
  const risksBox = h('div', { class: 'repeat', id: 'ra-risks' });
  const actionsBox = h('div', { class: 'repeat', id: 'ra-actions' });
  const reviewNotes = area('ra-review-notes', cur.review_notes);
  const reviewDate = h('input', { id: 'ra-review-date', type: 'date', class: 'input--date', disabled: !editable, value: cur.review_date || '' });

  function riskRow(r = {}) {
    const i = risksBox.children.length;
    const level = h('select', { id: `risk-${i}-level`, disabled: !editable }, h('option', { value: '' }, 'Choose…'), Object.entries(RISK_LEVELS).map(([v, l]) => h('option', { value: v }, l)));
    level.value = r.level || '';
    const hazard = h('input', { id: `risk-${i}-hazard`, type: 'text', maxlength: 500, disabled: !editable, value: r.hazard || '' });
    return h('fieldset', { class: 'repeat__item risk-row', dataset: { index: String(i) } }, h('legend', {}, `Risk ${i + 1}`),
      field(`risks[${i}].hazard`, 'Hazard', hazard),
      field(`risks[${i}].level`, 'Level of risk', level),
      field(`risks[${i}].precautions_in_place`, 'Precautions already in place', area(`risk-${i}-in-place`, r.precautions_in_place, 2)),
      field(`risks[${i}].further_precautions`, 'Further precautions needed', area(`risk-${i}-further`, r.further_precautions, 2)));
  }
  function actionRow(a = {}) {
    const i = actionsBox.children.length;
    const done = h('input', { id: `action-${i}-done`, type: 'checkbox', checked: Boolean(a.done), disabled: !editable });
    return h('fieldset', { class: 'repeat__item action-row', dataset: { index: String(i) } }, h('legend', {}, `Action ${i + 1}`),
      field(`actions[${i}].action`, 'What will be done', h('input', { id: `action-${i}-action`, type: 'text', maxlength: 1000, disabled: !editable, value: a.action || '' })),
      field(`actions[${i}].owner`, 'Who', h('input', { id: `action-${i}-owner`, type: 'text', maxlength: 200, disabled: !editable, value: a.owner || '' })),
      field(`actions[${i}].due_date`, 'By when', h('input', { id: `action-${i}-due`, type: 'date', class: 'input--date', disabled: !editable, value: a.due_date || '' })),
      h('div', { class: 'check' }, done, h('label', { for: done.id }, 'Done')));
  }
  for (const r of cur.risks || []) risksBox.append(riskRow(r));
  for (const a of cur.actions || []) actionsBox.append(actionRow(a));
  if (!risksBox.children.length) risksBox.append(riskRow());
  if (!actionsBox.children.length) actionsBox.append(actionRow());
  const addButton = (label, box, make) => editable ? h('button', { type: 'button', class: 'button button--secondary', onclick: () => { const row = make(); box.append(row); row.querySelector('input, select, textarea').focus(); } }, label) : null;

  const step = (n, body) => h('fieldset', { class: 'panel risk-step', id: `step-${n}` }, h('legend', {}, h('h2', {}, ra.steps[n - 1])), body);
  const form = h('form', { class: 'risk-form', novalidate: true, 'aria-labelledby': 'page-title' }, summary,
    step(1, [h('p', { class: 'hint' }, 'Answer the key questions, then list the hazards they reveal.'),
      ra.key_questions.map((q) => field(`key_questions.${q.id}`, q.text, kq.get(q.id))),
      field('hazards', 'Hazards', hazards, 'One hazard a line.')]),
    step(2, field('who_might_be_harmed', 'Who might be harmed, and how?', harmed)),
    step(3, [risksBox, addButton('Add a risk', risksBox, () => riskRow())]),
    step(4, [h('p', { class: 'hint' }, 'Record what will be done about each risk, by whom and by when.'), actionsBox, addButton('Add an action', actionsBox, () => actionRow())]),
    step(5, [field('review_notes', 'Review notes', reviewNotes), field('review_date', 'Review by', reviewDate, 'Technologies and children’s habits change: review at least once a year.')]),
    editable ? h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button', id: 'save-risk-assessment' }, 'Save assessment')) : null);
  main.append(form);

  function showErrors(errors) {
    const ul = clear(summary.querySelector('ul'));
    for (const el of form.querySelectorAll('.field')) { el.classList.remove('field--invalid'); el.querySelector('.field-error').hidden = true; }
    let first = null;
    for (const e of errors) {
      const el = e.field ? form.querySelector(`.field[data-field="${CSS.escape(e.field)}"]`) : null;
      if (el) { el.classList.add('field--invalid'); const p = el.querySelector('.field-error'); p.textContent = sentence(e.message); p.hidden = false; first = first || el; }
      ul.append(h('li', {}, sentence(e.message)));
    }
    summary.hidden = !errors.length;
    if (first) first.querySelector('input, select, textarea').focus(); else if (errors.length) summary.focus();
  }
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = {
      key_questions: Object.fromEntries([...kq].map(([id, el]) => [id, el.value.trim()]).filter(([, v]) => v)),
      hazards: hazards.value.split('\n').map((x) => x.trim()).filter(Boolean),
      who_might_be_harmed: harmed.value.trim(),
      risks: [...risksBox.children].map((row) => ({
        hazard: row.querySelector('[id$="-hazard"]').value.trim(), level: row.querySelector('select').value,
        precautions_in_place: row.querySelector('[id$="-in-place"]').value.trim(), further_precautions: row.querySelector('[id$="-further"]').value.trim(),
      })).filter((r) => r.hazard || r.level || r.precautions_in_place || r.further_precautions),
      actions: [...actionsBox.children].map((row) => ({
        action: row.querySelector('[id$="-action"]').value.trim(), owner: row.querySelector('[id$="-owner"]').value.trim(),
        due_date: row.querySelector('[id$="-due"]').value || null, done: row.querySelector('[id$="-done"]').checked,
      })).filter((a) => a.action || a.owner || a.due_date),
      review_notes: reviewNotes.value.trim(),
      review_date: reviewDate.value,
    };
    try {
      await api('PUT', `/api/v1/sites/${siteId}/risk-assessment`, body);
      announce('Risk assessment saved.', 'good');
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    } catch (ex) { showErrors([{ field: ex.field, message: ex.message }]); }
  });
  return title;
}
