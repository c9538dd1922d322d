// Reporting an incident through a response flowchart: one plain question a screen, then the
// outcome — what to do, by when, who to tell, what not to do — and the record form pre-filled.
import { api, apiAll, ApiError } from '../api.js';
import { h, append, announce } from '../dom.js';
import { vocabulary, heading, sentence, withinText, riskBadge, errorBox, showError, field, select, reload } from './shared.js';

// One walk at a time, kept while the person moves between its screens.
let walkState = null;

export async function renderReport(main, params, ctx) {
  const [charts, words] = await Promise.all([api('GET', '/api/v1/flowcharts'), vocabulary()]);
  const chosen = params.get('flowchart');
  if (!chosen) {
    walkState = null;
    return chooseFlowchart(main, charts);
  }
  if (chosen === 'none') return recordForm(main, ctx, words, null, null);
  const chart = charts.find((c) => c.id === chosen);
  if (!chart) throw new ApiError(404, { error: 'There is no flowchart with that name.' });
  if (!walkState || walkState.flowchart !== chosen) walkState = { flowchart: chosen, title: chart.title, answers: {}, remembered: {} };
  const walk = await api('POST', `/api/v1/flowcharts/${encodeURIComponent(chosen)}/walk`, { answers: walkState.answers });
  walkState.walk = walk;
  if (walk.outcome) return recordForm(main, ctx, words, chart, walk);
  return question(main, chart, walk);
}

function chooseFlowchart(main, charts) {
  const title = heading('Report an incident');
  const err = errorBox();
  const options = [...charts.map((c) => ({ value: c.id, text: c.title })), { value: 'none', text: 'None of these fits: record the incident without a flowchart' }];
  const form = h('form', { class: 'panel walk', id: 'walk-choose', novalidate: true },
    err,
    h('fieldset', { class: 'walk__question' },
      h('legend', {}, 'What is the incident about?'),
      h('p', { class: 'hint' }, 'Choose the closest. You will be asked a few plain questions and told what to do next, step by step.'),
      h('div', { class: 'walk__answers' }, options.map((o, i) => h('div', { class: 'walk__answer' },
        h('input', { type: 'radio', name: 'flowchart', id: `chart-${i}`, value: o.value }),
        h('label', { for: `chart-${i}` }, o.text))))),
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button' }, 'Continue')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const picked = form.querySelector('input[name="flowchart"]:checked');
    if (!picked) { showError(err, new Error('Choose what the incident is about.')); form.querySelector('input').focus(); return; }
    location.hash = `#/report?flowchart=${encodeURIComponent(picked.value)}`;
  });
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'If a child is in immediate danger, call the police on 999 now, then come back to record it.')), form);
  return title;
}

function question(main, chart, walk) {
  const step = walk.path.length + 1;
  const q = walk.next;
  const title = h('h1', { tabindex: '-1', id: 'page-title', class: 'walk__title' }, q.question);
  const err = errorBox();
  const form = h('form', { class: 'panel walk', id: 'walk-question', novalidate: true, dataset: { node: q.node } },
    err,
    h('fieldset', { class: 'walk__question', 'aria-describedby': q.help ? 'walk-help' : undefined },
      h('legend', { class: 'visually-hidden' }, q.question),
      q.help ? h('p', { class: 'hint', id: 'walk-help' }, q.help) : null,
      h('div', { class: 'walk__answers' }, q.answers.map((a, i) => h('div', { class: 'walk__answer' },
        h('input', { type: 'radio', name: 'answer', id: `answer-${i}`, value: a.value, checked: (walkState.answers[q.node] ?? walkState.remembered[q.node]) === a.value }),
        h('label', { for: `answer-${i}` }, a.text))))),
    h('div', { class: 'button-row' },
      h('button', { type: 'submit', class: 'button' }, 'Continue'),
      h('button', { type: 'button', class: 'button button--secondary', id: 'walk-back' }, 'Back')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const picked = form.querySelector('input[name="answer"]:checked');
    if (!picked) { showError(err, new Error('Choose an answer to carry on.')); form.querySelector('input').focus(); return; }
    walkState.answers[q.node] = picked.value;
    walkState.remembered[q.node] = picked.value;
    reload();
  });
  form.querySelector('#walk-back').addEventListener('click', () => back(walk));
  append(main, [h('p', { class: 'walk__progress' }, `${chart.title} — question ${step}`), title, form, answeredSoFar(walk)]);
  return title;
}

// Steps back one question (or to the choice of flowchart); the answer given there stays selected.
function back(walk) {
  const last = walk.path[walk.path.length - 1];
  if (!last) { walkState = null; location.hash = '#/report'; return; }
  delete walkState.answers[last.node];
  reload();
}

function answeredSoFar(walk) {
  if (!walk.path.length) return null;
  return h('section', { class: 'walk__path', 'aria-labelledby': 'h-path' }, h('h2', { id: 'h-path' }, 'Your answers so far'),
    h('dl', {}, walk.path.map((s) => [h('dt', {}, s.question), h('dd', {}, s.answer_text)])));
}

// What the outcome says must be done: shown after the walk, and on the incident page from the stored actions.
function outcomePanel(outcome) {
  return h('section', { class: 'panel outcome', id: 'outcome', 'aria-labelledby': 'h-outcome' },
    h('h2', { id: 'h-outcome' }, 'What to do now'),
    h('p', {}, riskBadge(outcome.risk, outcome.risk_label)),
    h('p', { class: 'outcome__summary' }, outcome.summary),
    outcome.illegal_material ? h('p', { class: 'notice notice--warn', id: 'outcome-illegal', role: 'note' },
      'This may involve illegal material. Nothing is uploaded to esafe: describe the evidence and where it is held, and leave the material itself to the IWF or the police.') : null,
    outcome.must_not.length ? h('div', { class: 'notice notice--error must-not', role: 'note' },
      h('h3', {}, 'Do not'), h('ul', {}, outcome.must_not.map((m) => h('li', {}, m)))) : null,
    h('h3', {}, 'Do these'),
    h('ol', { class: 'outcome__actions' }, outcome.actions.map((a) => h('li', {}, a.do, ' ', h('strong', { class: 'due' }, `— ${withinText(a.within)}`)))),
    outcome.tell.length ? [h('h3', {}, 'Tell, in this order'),
      h('ol', { class: 'outcome__tell' }, outcome.tell.map((t) => h('li', {}, h('strong', {}, sentence(t.label)), ` — ${withinText(t.within)}`,
        t.why ? h('span', { class: 'cell-sub' }, t.why) : null)))] : null);
}

// Who to contact for this outcome, here and nationally (the partnership's help and
// contacts map; the whole map is on the public /help page).
function contactsPanel(kinds) {
  if (!kinds.length) return null;
  const contact = (c) => h('li', { class: 'contact' },
    h('strong', {}, c.name), ` (${c.scope})`, h('br'), c.role,
    c.phone ? [h('br'), 'Phone: ', h('span', { class: 'contact__phone' }, c.phone)] : null,
    h('br'), `Hours: ${c.hours}`,
    c.out_of_hours ? [h('br'), `At any other time: ${c.out_of_hours}`] : null,
    c.web ? [h('br'), h('a', { href: c.web, rel: 'noopener noreferrer' }, c.web)] : null);
  return h('section', { class: 'panel contacts', id: 'outcome-contacts', 'aria-labelledby': 'h-outcome-contacts' },
    h('h2', { id: 'h-outcome-contacts' }, 'Who to contact'),
    // The first kind is the one that fits this outcome (the server orders them); the rest fold
    // away so that the recording form is not pushed far down the page.
    kinds.slice(0, 1).map((k) => [h('h3', {}, k.title), h('ul', { class: 'contacts' }, k.contacts.map(contact))]),
    kinds.slice(1).map((k) => h('details', { class: 'contacts__more' }, h('summary', {}, k.title),
      h('ul', { class: 'contacts' }, k.contacts.map(contact)))),
    h('p', {}, h('a', { href: '/help' }, 'Help and contacts for every kind of concern')));
}

async function recordForm(main, ctx, words, chart, walk) {
  const title = heading(walk ? 'Record the incident' : 'Report an incident');
  main.append(h('p', { class: 'walk__progress' }, chart ? `${chart.title} — answered` : 'Without a flowchart'), title);
  if (walk) {
    append(main, [h('p', { class: 'intro' }, 'The answers below lead to what must be done. Record the incident now: the required actions are added to it with their due times.'),
      outcomePanel(walk.outcome), contactsPanel(walk.contacts || []), answeredSoFar(walk),
      h('p', {}, h('button', { type: 'button', class: 'button button--secondary', id: 'walk-back' }, 'Change the last answer'))]);
    main.querySelector('#walk-back').addEventListener('click', () => back(walk));
  }
  const partnership = ['partnership_admin', 'partnership_lead'].includes(ctx.user.role);
  const [agencies, sites] = await Promise.all([
    partnership ? apiAll('/api/v1/agencies') : Promise.resolve([]),
    apiAll('/api/v1/sites').catch(() => []),
  ]);
  const chartCategory = chart ? (await api('GET', `/api/v1/flowcharts/${encodeURIComponent(chart.id)}`)).category : null;
  const now = new Date(Date.now() - new Date().getTimezoneOffset() * 60000).toISOString().slice(0, 16);
  const err = errorBox();
  const fields = [
    partnership ? field('inc-agency_id', 'Agency', select('inc-agency_id', agencies.map((a) => ({ key: a.id, label: a.name })), { empty: 'Choose an agency…', required: true })) : null,
    field('inc-category', 'Category', select('inc-category', words.categories, { value: chartCategory, empty: 'Choose…', required: true })),
    field('inc-how_identified', 'How it came to light', select('inc-how_identified', words.how_identified, { empty: 'Choose…', required: true })),
    // Without a flowchart the reporter grades it (Annex D's three levels); a significant
    // risk brings the designated lead and children's social care as required actions.
    walk ? null : field('inc-risk_level', 'How serious is it?', select('inc-risk_level', words.risk_levels, { empty: 'Choose…', required: true }),
      'If a child may be at significant risk, choose the last: the designated lead and children’s social care are then told at once.'),
    field('inc-occurred_at', 'When it happened', h('input', { type: 'datetime-local', id: 'inc-occurred_at', max: now, class: 'input--date' }), 'Leave empty if you do not know.'),
    field('inc-description', 'What happened', h('textarea', { id: 'inc-description', rows: 5, required: true, maxlength: 10000, 'aria-describedby': 'inc-description-hint' }),
      'In plain words: what was seen or said, by whom, and what has been done so far. Use references such as “Child A” rather than names.'),
    sites.length ? field('inc-site_id', 'Site', select('inc-site_id', sites.map((s) => ({ key: s.id, label: partnership ? `${s.name} (${s.agency_name})` : s.name })), { empty: '(not at one of our sites)' })) : null,
    field('inc-technology', 'Technology involved', h('input', { type: 'text', id: 'inc-technology', maxlength: 200 }), 'For example web, e-mail, mobile phone, webcam, games console.'),
    field('inc-service', 'Site or service involved', h('input', { type: 'text', id: 'inc-service', maxlength: 200 })),
    field('inc-device_owner', 'Who owns the device', select('inc-device_owner', words.device_owners, { empty: '(not known)' })),
  ];
  const form = h('form', { class: 'record-form', id: 'incident-form', novalidate: true, 'aria-labelledby': 'h-record' },
    h('h2', { id: 'h-record' }, 'The incident'), err, fields,
    h('div', { class: 'button-row' }, h('button', { type: 'submit', class: 'button', id: 'incident-save' }, 'Record the incident')));
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const value = (name) => { const el = form.querySelector(`#inc-${name}`); return el ? el.value.trim() : ''; };
    const body = { how_identified: value('how_identified'), category: value('category'), description: value('description') };
    for (const name of ['technology', 'service', 'device_owner', 'risk_level']) if (value(name)) body[name] = value(name);
    if (value('agency_id')) body.agency_id = Number(value('agency_id'));
    if (value('site_id')) body.site_id = Number(value('site_id'));
    if (value('occurred_at')) body.occurred_at = new Date(value('occurred_at')).toISOString();
    if (walk) { body.flowchart_id = chart.id; body.answers = walkState.answers; }
    for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
    const missing = [['category', 'Choose the category'], ['how_identified', 'Say how it came to light'], ...(walk ? [] : [['risk_level', 'Say how serious it is']]), ['description', 'Say what happened']]
      .find(([k]) => !body[k]) || (partnership && !body.agency_id ? ['agency_id', 'Choose the agency'] : null);
    if (missing) {
      showError(err, new Error(`${missing[1]}.`));
      const el = form.querySelector(`#inc-${missing[0]}`);
      el.setAttribute('aria-invalid', 'true');
      el.focus();
      return;
    }
    const save = form.querySelector('#incident-save');
    save.disabled = true;
    try {
      const inc = await api('POST', '/api/v1/incidents', body);
      walkState = null;
      announce(`Incident ${inc.id} recorded.`, 'good');
      location.hash = `#/incidents/${inc.id}`;
    } catch (ex) {
      showError(err, ex);
      const bad = ex.field && form.querySelector(`#inc-${CSS.escape(ex.field)}`);
      if (bad) { bad.setAttribute('aria-invalid', 'true'); bad.focus(); }
    } finally {
      save.disabled = false;
    }
  });
  main.append(form);
  return title;
}
