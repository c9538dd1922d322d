// The response flowcharts in force (partnership).
import { api, query } from '../api.js';
import { h, announce, formatDateTime } from '../dom.js';
import { heading, sentence, field, reload } from './shared.js';

// The flowcharts in force, each readable in full, and publishing a new version from a YAML file. A file
// that does not validate is refused with every FILE:LINE: reason, and the version in force stays.
export async function renderFlowcharts(main, params, ctx) {
  const title = heading('Response flowcharts');
  const charts = await api('GET', '/api/v1/flowcharts');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'The flowcharts staff are walked through when they report an incident. Each is a YAML file that safeguarding staff own; a new version applies to incidents recorded from then on.')),
  h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'flowchart-list' },
    h('thead', {}, h('tr', {}, ['Flowchart', 'Version', 'Published'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, charts.map((c) => h('tr', {},
      h('th', { scope: 'row', 'data-label': 'Flowchart' }, c.title, h('span', { class: 'cell-sub' }, c.id)),
      h('td', { 'data-label': 'Version' }, String(c.version)),
      h('td', { 'data-label': 'Published' }, formatDateTime(c.published_at), c.published_by ? h('span', { class: 'cell-sub' }, c.published_by) : null)))))));
  if (!['partnership_admin', 'partnership_lead'].includes(ctx.user.role)) return title;
  const problems = h('pre', { class: 'notice notice--error problems', role: 'alert', tabindex: '-1', hidden: true });
  const file = h('input', { type: 'file', id: 'flowchart-file', accept: '.yaml,.yml,application/yaml,text/yaml' });
  const button = h('button', { type: 'submit', class: 'button' }, 'Publish');
  const form = h('form', { class: 'panel mini-form', id: 'publish-flowchart', novalidate: true, 'aria-labelledby': 'h-publish' },
    h('h2', { id: 'h-publish' }, 'Publish a new version'), problems,
    field('flowchart-file', 'Flowchart file (YAML)', file, 'Raise its version number. It is checked first: every path must end in an outcome, with no dangling or unreachable questions and only known people to tell.'),
    button);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    problems.hidden = true;
    const f = file.files[0];
    if (!f) { problems.textContent = 'Choose the flowchart file first.'; problems.hidden = false; problems.focus(); return; }
    button.disabled = true;
    try {
      const done = await api('POST', `/api/v1/flowcharts${query({ file_name: f.name })}`, await f.text(), { contentType: 'application/yaml' });
      announce(`Published ${done.id} version ${done.version}.`, 'good');
      reload();
    } catch (ex) {
      problems.textContent = sentence(ex.message);
      problems.hidden = false;
      problems.focus();
    } finally {
      button.disabled = false;
    }
  });
  main.append(form);
  return title;
}
