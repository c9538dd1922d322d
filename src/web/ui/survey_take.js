// The public survey page (/s/{code}): no account, one question a screen, big tap targets,
// plain words. It reads the survey from /api/v1/public/surveys/{code} and posts the answers
// back with the page's form token. After sending, the device keeps a marker (the server's
// cookie, the same for every device, and localStorage) so it does not send twice; nothing
// about the child is stored.
import { h, clear } from './dom.js';

const root = () => document.getElementById('survey');
const doneKey = (surveyId) => `esafe-survey-done-${surveyId}`;

function say(message) {
  const status = document.getElementById('survey-status');
  status.textContent = '';
  setTimeout(() => { status.textContent = message; }, 30);
}

function screen(...children) {
  const main = clear(root());
  main.append(...children);
  const heading = main.querySelector('h1');
  if (heading) { heading.setAttribute('tabindex', '-1'); heading.focus(); }
  window.scrollTo(0, 0);
}

function codeFromAddress() {
  const m = /^\/s\/([a-z0-9]{6,32})\/?$/.exec(location.pathname);
  return m ? m[1] : null;
}

async function call(method, path, body) {
  let res;
  try {
    res = await fetch(path, { method, credentials: 'same-origin', headers: body ? { 'Content-Type': 'application/json', Accept: 'application/json' } : { Accept: 'application/json' }, body: body ? JSON.stringify(body) : undefined });
  } catch {
    return { status: 0, data: { error: 'We cannot reach the survey just now. Check the internet connection and try again.' } };
  }
  let data = null;
  try { data = await res.json(); } catch { data = {}; }
  return { status: res.status, data };
}

function askForCode(message) {
  document.title = 'Start a survey';
  const input = h('input', { id: 'survey-code', name: 'code', type: 'text', autocomplete: 'off', autocapitalize: 'none', spellcheck: 'false', inputmode: 'text', maxlength: 32, required: true });
  const error = h('p', { class: 'survey__error', role: 'alert', hidden: !message }, message || '');
  const form = h('form', { class: 'survey__card', novalidate: true },
    h('h1', {}, 'Start a survey'),
    h('p', {}, 'Type the code your teacher or youth worker gave you.'),
    error,
    h('label', { for: 'survey-code', class: 'survey__label' }, 'Survey code'), input,
    h('div', { class: 'survey__actions' }, h('button', { type: 'submit', class: 'survey__button' }, 'Start')));
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const code = input.value.trim().toLowerCase().replace(/[\s-]/g, '');
    if (!/^[a-z0-9]{6,32}$/.test(code)) { error.textContent = 'That code does not look right. Check it and try again.'; error.hidden = false; input.focus(); return; }
    location.href = `/s/${code}`;
  });
  screen(form);
}

function message(title, text, extra) {
  document.title = title;
  screen(h('section', { class: 'survey__card' }, h('h1', {}, title), h('p', { class: 'survey__big' }, text), extra || null));
}

// ---- one screen per question ----

function choiceInput(q, answers, type) {
  const current = answers[q.id];
  const name = `q-${q.id}`;
  const inputs = [];
  const list = h('div', { class: 'survey__choices' }, q.options.map((o, i) => {
    const id = `${name}-${i}`;
    const checked = type === 'checkbox' ? Array.isArray(current) && current.includes(o.value) : current === o.value;
    const input = h('input', { type, id, name, value: o.value, checked, dataset: { exclusive: o.exclusive ? '1' : '' } });
    inputs.push(input);
    return h('label', { for: id, class: 'survey__choice' }, input, h('span', {}, o.label));
  }));
  if (type === 'checkbox') {
    // "None of these" clears the others, and choosing another clears it.
    list.addEventListener('change', (e) => {
      const t = e.target;
      if (!t.checked) return;
      for (const other of inputs) {
        if (other !== t && (t.dataset.exclusive === '1' || other.dataset.exclusive === '1')) other.checked = false;
      }
    });
  }
  return { el: list, read: () => (type === 'checkbox' ? inputs.filter((i) => i.checked).map((i) => i.value) : (inputs.find((i) => i.checked) || {}).value) };
}

function scaleInput(q, answers) {
  const name = `q-${q.id}`;
  const inputs = [];
  const row = h('div', { class: 'survey__scale' });
  for (let v = q.min; v <= q.max; v += 1) {
    const id = `${name}-${v}`;
    const words = v === q.min ? ` (${q.min_label})` : v === q.max ? ` (${q.max_label})` : '';
    const input = h('input', { type: 'radio', id, name, value: String(v), checked: answers[q.id] === v });
    inputs.push(input);
    row.append(h('label', { for: id, class: 'survey__choice survey__choice--scale' }, input,
      h('span', {}, String(v), words ? h('span', { class: 'visually-hidden' }, words) : null)));
  }
  const ends = h('div', { class: 'survey__scale-ends', 'aria-hidden': 'true' }, h('span', {}, `${q.min} = ${q.min_label}`), h('span', {}, `${q.max} = ${q.max_label}`));
  return { el: h('div', {}, ends, row), read: () => { const c = inputs.find((i) => i.checked); return c ? Number(c.value) : undefined; } };
}

function textInput(q, answers) {
  const id = `q-${q.id}`;
  const count = h('p', { class: 'survey__hint', id: `${id}-count`, 'aria-live': 'polite' });
  const area = h('textarea', { id, name: id, rows: 4, maxlength: q.max_length, 'aria-describedby': `${id}-count` });
  area.value = answers[q.id] || '';
  const update = () => { count.textContent = `${q.max_length - area.value.length} letters left`; };
  area.addEventListener('input', update);
  update();
  return { el: h('div', {}, h('label', { for: id, class: 'visually-hidden' }, q.text), area, count), read: () => area.value.trim() || undefined };
}

function inputFor(q, answers) {
  if (q.type === 'single_choice' || q.type === 'yes_no') return choiceInput(q, answers, 'radio');
  if (q.type === 'multiple_choice') return choiceInput(q, answers, 'checkbox');
  if (q.type === 'scale') return scaleInput(q, answers);
  return textInput(q, answers);
}

function isEmpty(v) { return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0); }

function run(code, survey) {
  const answers = {};
  const questions = survey.questions;
  let token = survey.form_token;

  const showQuestion = (index, problem) => {
    const q = questions[index];
    const input = inputFor(q, answers);
    const error = h('p', { class: 'survey__error', role: 'alert', id: 'question-error', hidden: !problem }, problem || '');
    const last = index === questions.length - 1;
    const back = h('button', { type: 'button', class: 'survey__button survey__button--secondary', id: 'survey-back' }, 'Back');
    const next = h('button', { type: 'submit', class: 'survey__button', id: 'survey-next' }, last ? 'Send my answers' : 'Next');
    const form = h('form', { class: 'survey__card', novalidate: true, 'aria-describedby': 'question-error' },
      h('p', { class: 'survey__progress-text', id: 'survey-progress' }, `Question ${index + 1} of ${questions.length}`),
      h('progress', { max: String(questions.length), value: String(index + 1), 'aria-labelledby': 'survey-progress' }),
      h('fieldset', {},
        h('legend', {}, h('h1', {}, q.text)),
        q.help ? h('p', { class: 'survey__hint' }, q.help) : null,
        !q.required && !q.help ? h('p', { class: 'survey__hint' }, 'You can skip this.') : null,
        error,
        input.el),
      h('div', { class: 'survey__actions' }, index > 0 ? back : null, next));
    back.addEventListener('click', () => { const v = input.read(); if (isEmpty(v)) delete answers[q.id]; else answers[q.id] = v; showQuestion(index - 1); });
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const v = input.read();
      if (isEmpty(v)) {
        delete answers[q.id];
        if (q.required) {
          error.textContent = q.type === 'multiple_choice' ? 'Please tap at least one answer.' : 'Please choose an answer.';
          error.hidden = false;
          form.querySelector('input, textarea').focus();
          return;
        }
      } else {
        answers[q.id] = v;
      }
      if (last) send(); else showQuestion(index + 1);
    });
    document.title = `Question ${index + 1} of ${questions.length} — ${survey.title}`;
    screen(form);
  };

  const send = async (retried = false) => {
    screen(h('section', { class: 'survey__card' }, h('h1', {}, 'Sending your answers…')));
    const { status, data } = await call('POST', `/api/v1/public/surveys/${code}/responses`, { form_token: token, answers });
    if (status === 201) {
      try { localStorage.setItem(doneKey(survey.survey_id), '1'); } catch { /* private mode: the cookie still works */ }
      message('Thank you!', data.thanks || 'Thank you for your answers.', h('p', { class: 'survey__hint' }, 'You can close this page now.'));
      say('Your answers have been sent. Thank you!');
      return;
    }
    if (status === 400 && data.field === 'form_token' && !retried) {
      const again = await call('GET', `/api/v1/public/surveys/${code}`);
      if (again.status === 200) { token = again.data.form_token; send(true); return; }
    }
    if (status === 409 && /already/.test(data.error || '')) {
      try { localStorage.setItem(doneKey(survey.survey_id), '1'); } catch { /* as above */ }
      message('Already done', data.error);
      return;
    }
    const at = questions.findIndex((q) => q.id === data.field);
    if (status === 400 && at >= 0) { showQuestion(at, data.error); return; }
    message('Your answers were not sent', data.error || 'Something went wrong. Please try again in a moment.',
      h('div', { class: 'survey__actions' }, h('button', { type: 'button', class: 'survey__button', onclick: () => send() }, 'Try again')));
  };

  const welcome = h('section', { class: 'survey__card' },
    h('h1', {}, survey.title),
    h('p', { class: 'survey__setting' }, survey.setting),
    (survey.intro || '').split(/(?<=[.!?])\s+/).filter(Boolean).map((s) => h('p', { class: 'survey__big' }, s)),
    h('p', { class: 'survey__hint' }, `There are ${questions.length} questions.`),
    h('div', { class: 'survey__actions' }, h('button', { type: 'button', class: 'survey__button', id: 'survey-start', onclick: () => showQuestion(0) }, 'Start')));
  document.title = survey.title;
  screen(welcome);
}

async function start() {
  const code = codeFromAddress();
  if (!code) { askForCode(); return; }
  const { status, data } = await call('GET', `/api/v1/public/surveys/${code}`);
  if (status === 404) { askForCode(data.error); return; }
  if (status !== 200) { message('Sorry', data.error || 'The survey cannot be shown just now. Please try again later.'); return; }
  let doneHere = data.already_done;
  try { doneHere = doneHere || localStorage.getItem(doneKey(data.survey_id)) === '1'; } catch { /* no storage: rely on the cookie */ }
  if (doneHere) { message('Already done', 'You have already sent your answers from this device. Thank you!'); return; }
  run(code, data);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
