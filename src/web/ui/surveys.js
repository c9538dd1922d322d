// Young people's surveys: the indicators year on year (an SVG chart with a table as its text
// alternative), the list of surveys, and one survey's dates, settings with their codes and
// links, and results per setting and age band. Small numbers arrive suppressed from the server.
import { api, apiAll, query, ApiError } from './api.js';
import { h, svg, clear, announce, formatDate } from './dom.js';

const YEAR_COLOURS = ['#9db7d5', '#1d5fbf', '#0b3a75', '#6a8caf'];

function heading(text) { return h('h1', { tabindex: '-1', id: 'page-title' }, text); }
function manages(user) { return ['partnership_admin', 'partnership_lead'].includes(user.role); }
function errorNotice(e) { return h('div', { class: 'notice notice--error', role: 'alert' }, h('p', { class: 'survey-error-text' }, e.message || String(e))); }
const STATUS_LABELS = { draft: 'Draft', open: 'Open', closed: 'Closed' };

// One grouped bar chart per age band: a group per indicator, a bar per year, 0-100 %.
function indicatorChart(band, series) {
  const years = [...new Set(series.flatMap((s) => s.points.map((p) => p.year)))].sort();
  const width = 640; const left = 40; const top = 16; const plotH = 200; const bottom = 24;
  const groupW = (width - left) / Math.max(series.length, 1);
  const barW = Math.min(36, (groupW - 24) / Math.max(years.length, 1));
  const y = (pct) => top + plotH - (plotH * pct) / 100;
  const titleId = `ind-title-${band}`; const descId = `ind-desc-${band}`;
  const describe = series.map((s) => `${s.title}: ${s.points.map((p) => `${p.year} ${p.suppressed ? 'too few answers to show' : `${p.percent}%`}`).join(', ')}`).join('; ');
  const chart = svg('svg', { viewBox: `0 0 ${width} ${top + plotH + bottom}`, class: 'survey-chart', role: 'img', 'aria-labelledby': `${titleId} ${descId}`, focusable: 'false', dataset: { band } },
    svg('title', { id: titleId }, `Survey indicators for ages ${band}, year on year`),
    svg('desc', { id: descId }, describe),
    [0, 25, 50, 75, 100].map((pct) => svg('g', {},
      svg('line', { x1: left, x2: width, y1: y(pct), y2: y(pct), class: 'survey-chart__grid' }),
      svg('text', { x: left - 6, y: y(pct) + 4, 'text-anchor': 'end', class: 'survey-chart__axis' }, `${pct}%`))),
    series.map((s, gi) => {
      const gx = left + gi * groupW + (groupW - barW * years.length) / 2;
      return svg('g', { class: 'survey-chart__group', dataset: { indicator: s.id } },
        years.map((year, yi) => {
          const p = s.points.find((pt) => pt.year === year);
          const x = gx + yi * barW;
          if (!p || p.suppressed || p.percent === null) {
            return svg('text', { x: x + barW / 2, y: y(0) - 4, 'text-anchor': 'middle', class: 'survey-chart__axis' }, '–');
          }
          return svg('g', {},
            svg('rect', { x: x + 2, y: y(p.percent), width: barW - 4, height: (plotH * p.percent) / 100, fill: YEAR_COLOURS[yi % YEAR_COLOURS.length], class: 'survey-chart__bar', dataset: { indicator: s.id, year: String(year), percent: String(p.percent) } }),
            svg('text', { x: x + barW / 2, y: y(p.percent) - 4, 'text-anchor': 'middle', class: 'survey-chart__value' }, `${Math.round(p.percent)}`));
        }),
        svg('text', { x: left + gi * groupW + groupW / 2, y: top + plotH + 18, 'text-anchor': 'middle', class: 'survey-chart__label' }, shortName(s)));
    }));
  const legend = h('ul', { class: 'survey-legend' }, years.map((year, i) => h('li', {}, h('span', { class: `survey-legend__swatch survey-legend__swatch--${i % YEAR_COLOURS.length}` }), ` ${year}/${String(year + 1).slice(2)}`)));
  return h('figure', { class: 'panel survey-figure', id: `indicators-${band}` }, h('figcaption', {}, h('h3', {}, `Ages ${band}`)), chart, legend,
    indicatorTable(band, series, years));
}

function shortName(s) {
  return { bedroom_internet: 'Internet in bedroom', would_tell_adult: 'Would tell an adult', upset_online: 'Upset online', feel_safe_online: 'Feel safe online' }[s.id] || s.id.replace(/_/g, ' ');
}

// The chart's text alternative and the figures themselves.
function indicatorTable(band, series, years) {
  return h('div', { class: 'table-wrap' }, h('table', { class: 'data survey-indicators', dataset: { band } },
    h('caption', { class: 'visually-hidden' }, `Indicators for ages ${band} by survey year`),
    h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Indicator'), years.map((y) => h('th', { scope: 'col', class: 'num' }, `${y}/${String(y + 1).slice(2)}`)))),
    h('tbody', {}, series.map((s) => h('tr', { dataset: { indicator: s.id } }, h('th', { scope: 'row' }, s.title),
      years.map((y) => {
        const p = s.points.find((pt) => pt.year === y);
        const label = `${y}/${String(y + 1).slice(2)}`;
        if (!p) return h('td', { class: 'num', 'data-label': label }, '—');
        if (p.suppressed) return h('td', { class: 'num', 'data-label': label, dataset: { year: String(y) } }, `fewer than ${s.threshold} answers`);
        return h('td', { class: 'num', 'data-label': label, dataset: { year: String(y), percent: String(p.percent), count: String(p.count), respondents: String(p.respondents) } },
          `${p.percent}% (${p.count} of ${p.respondents})`);
      }))))));
}

async function renderIndicators(main) {
  const data = await api('GET', '/api/v1/surveys/indicators');
  const section = h('section', { class: 'panel', id: 'survey-indicators', 'aria-labelledby': 'indicators-title' },
    h('h2', { id: 'indicators-title' }, 'Indicators year on year'),
    h('p', { class: 'muted' }, `What children and young people told the surveys, over ${data.scope}. A year with too few answers is not shown, so no child can be picked out.`));
  const bands = new Map();
  for (const ind of data.indicators) {
    if (!bands.has(ind.age_band)) bands.set(ind.age_band, []);
    bands.get(ind.age_band).push(ind);
  }
  if (!bands.size) section.append(h('p', {}, 'No survey has indicators yet.'));
  for (const [band, series] of bands) section.append(indicatorChart(band, series));
  section.append(h('div', { class: 'button-row' },
    h('a', { class: 'button button--secondary', href: '/api/v1/surveys/indicators/export.csv', download: 'survey-indicators.csv' }, 'Export CSV'),
    h('a', { class: 'button button--secondary', href: '/api/v1/surveys/indicators/export.xlsx', download: 'survey-indicators.xlsx' }, 'Export XLSX')));
  main.append(section);
}

function addSurveyPanel(main) {
  const result = h('div', { id: 'add-survey-result' });
  const shippedSelect = h('select', { id: 'shipped-survey' });
  const file = h('input', { id: 'survey-file', type: 'file', accept: '.yaml,.yml,text/yaml' });
  const fromShipped = h('form', { class: 'inline-form' },
    h('div', { class: 'field' }, h('label', { for: 'shipped-survey' }, 'Start from a shipped survey'), shippedSelect),
    h('button', { type: 'submit', class: 'button' }, 'Add this survey'));
  const fromFile = h('form', { class: 'inline-form' },
    h('div', { class: 'field' }, h('label', { for: 'survey-file' }, 'Or upload a survey written in YAML'), file),
    h('button', { type: 'submit', class: 'button button--secondary' }, 'Upload'));
  const created = (s) => { announce(`Survey '${s.title}' added as a draft.`, 'good'); location.hash = `#/surveys/${s.id}`; };
  fromShipped.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(result);
    try { created(await api('POST', '/api/v1/surveys', { shipped: shippedSelect.value })); } catch (ex) { result.append(errorNotice(ex)); }
  });
  fromFile.addEventListener('submit', async (e) => {
    e.preventDefault();
    clear(result);
    const f = file.files[0];
    if (!f) { result.append(errorNotice(new Error('Choose a YAML file first.'))); file.focus(); return; }
    try { created(await api('POST', '/api/v1/surveys', { definition: await f.text(), file_name: f.name })); } catch (ex) { result.append(errorNotice(ex)); }
  });
  api('GET', '/api/v1/surveys/shipped').then((list) => {
    for (const s of list) shippedSelect.append(h('option', { value: s.key }, `${s.title} (ages ${s.age_band})`));
  }).catch((ex) => result.append(errorNotice(ex)));
  main.append(h('section', { class: 'panel', 'aria-labelledby': 'add-survey-title' }, h('h2', { id: 'add-survey-title' }, 'Add a survey'),
    h('p', { class: 'muted' }, 'A new survey starts as a draft. Give each school or youth setting its code, then open it for a period.'),
    fromShipped, fromFile, result));
}

export async function renderSurveys(main, parts, params, ctx) {
  if (parts.length === 2) return renderSurvey(main, parts[1], ctx);
  const title = heading('Young people\'s surveys');
  main.append(h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, 'Anonymous surveys of children and young people about their online lives: where they go online, what they use, what has upset them and whom they would tell.')));
  await renderIndicators(main);
  if (ctx.user.role === 'board_member') return title;
  const surveys = await api('GET', '/api/v1/surveys');
  main.append(h('section', { class: 'panel', 'aria-labelledby': 'survey-list-title' }, h('h2', { id: 'survey-list-title' }, 'Surveys'),
    surveys.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'survey-list' },
      h('thead', {}, h('tr', {}, ['Survey', 'Ages', 'Year', 'Status', 'Open', 'Answers'].map((c) => h('th', { scope: 'col' }, c)))),
      h('tbody', {}, surveys.map((s) => h('tr', {},
        h('th', { scope: 'row' }, h('a', { href: `#/surveys/${s.id}` }, s.title)),
        h('td', { 'data-label': 'Ages' }, s.age_band),
        h('td', { 'data-label': 'Year' }, `${s.year}/${String(s.year + 1).slice(2)}`),
        h('td', { 'data-label': 'Status' }, STATUS_LABELS[s.status] || s.status),
        h('td', { 'data-label': 'Open' }, `${formatDate(s.opens_on)} to ${formatDate(s.closes_on)}`),
        h('td', { 'data-label': 'Answers', class: 'num' }, String(s.responses))))))) : h('p', {}, 'No surveys yet.')));
  if (manages(ctx.user)) addSurveyPanel(main);
  return title;
}

function datesForm(survey, reload) {
  const opens = h('input', { id: 'survey-opens', type: 'date', value: survey.opens_on, required: true });
  const closes = h('input', { id: 'survey-closes', type: 'date', value: survey.closes_on, required: true });
  const problem = h('div', {});
  const change = async (body, done) => {
    clear(problem);
    try { await api('PATCH', `/api/v1/surveys/${survey.id}`, { opens_on: opens.value, closes_on: closes.value, ...body }); announce(done, 'good'); reload(); } catch (e) { problem.append(errorNotice(e)); }
  };
  return h('form', { class: 'inline-form', id: 'survey-dates', onsubmit: (e) => { e.preventDefault(); change({}, 'Dates saved.'); } },
    problem,
    h('div', { class: 'field' }, h('label', { for: 'survey-opens' }, 'Opens on'), opens),
    h('div', { class: 'field' }, h('label', { for: 'survey-closes' }, 'Closes on'), closes),
    h('div', { class: 'button-row' },
      h('button', { type: 'submit', class: 'button button--secondary' }, 'Save dates'),
      survey.status !== 'open' ? h('button', { type: 'button', class: 'button', id: 'open-survey', onclick: () => change({ status: 'open' }, 'The survey is open.') }, 'Open the survey') : null,
      survey.status === 'open' ? h('button', { type: 'button', class: 'button button--danger', id: 'close-survey', onclick: () => change({ status: 'closed' }, 'The survey is closed.') }, 'Close the survey') : null));
}

async function settingsPanel(survey, ctx, reload) {
  const origin = location.origin;
  const table = survey.settings.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'data', id: 'survey-settings' },
    h('thead', {}, h('tr', {}, ['Setting', 'Agency', 'Code', 'Link', 'Answers'].map((c) => h('th', { scope: 'col' }, c)))),
    h('tbody', {}, survey.settings.map((s) => h('tr', { dataset: { setting: String(s.id) } },
      h('th', { scope: 'row' }, s.label),
      h('td', { 'data-label': 'Agency' }, s.agency),
      h('td', { 'data-label': 'Code' }, h('code', { class: 'survey-code' }, s.code)),
      h('td', { 'data-label': 'Link' }, h('a', { href: s.link, target: '_blank', rel: 'noopener' }, `${origin}${s.link}`)),
      h('td', { 'data-label': 'Answers', class: 'num' }, String(s.responses))))))) : h('p', {}, 'No setting has a code yet.');
  const panel = h('section', { class: 'panel', 'aria-labelledby': 'settings-title' }, h('h2', { id: 'settings-title' }, 'Settings, codes and links'),
    h('p', { class: 'muted' }, `Children open the link, or go to ${origin}/s and type the code. They do not sign in.`), table);
  const canAdd = manages(ctx.user) || ctx.user.role === 'agency_officer';
  if (canAdd && survey.status !== 'closed') {
    let agencies = [];
    try { agencies = await apiAll('/api/v1/agencies'); } catch (e) { if (!(e instanceof ApiError)) throw e; }
    if (ctx.user.role === 'agency_officer') agencies = agencies.filter((a) => a.id === ctx.user.agency_id);
    const select = h('select', { id: 'setting-agency' }, agencies.map((a) => h('option', { value: String(a.id) }, a.name)));
    const problem = h('div', {});
    panel.append(h('form', { class: 'inline-form', id: 'add-setting', onsubmit: async (e) => {
      e.preventDefault();
      clear(problem);
      try { await api('POST', `/api/v1/surveys/${survey.id}/settings`, { agency_id: Number(select.value) }); announce('Code made.', 'good'); reload(); } catch (ex) { problem.append(errorNotice(ex)); }
    } }, problem, h('div', { class: 'field' }, h('label', { for: 'setting-agency' }, 'Give a code to'), select),
    h('button', { type: 'submit', class: 'button' }, 'Make a code')));
  }
  return panel;
}

function answerLabel(q, value) {
  if (q.options) { const o = q.options.find((op) => op.value === value); if (o) return o.label; }
  if (q.type === 'scale') {
    if (Number(value) === q.min) return `${value} (${q.min_label})`;
    if (Number(value) === q.max) return `${value} (${q.max_label})`;
  }
  return value;
}

function resultsPanel(results) {
  const panel = h('section', { class: 'panel', id: 'survey-results', 'aria-labelledby': 'results-title' },
    h('h2', { id: 'results-title' }, 'Results'),
    h('p', { class: 'muted' }, `Over ${results.scope}. A setting with fewer than ${results.threshold} answers is not broken down, and written answers are shown only where at least ${results.threshold} answered.`));
  const rows = [...results.cells.map((c) => ({ name: `${c.setting} (ages ${c.age_band})`, cell: c })), { name: 'All settings shown', cell: results.total }];
  const waiting = results.total.received - results.total.respondents;
  panel.append(h('p', {}, h('strong', {}, `${results.total.respondents} answers`), ` counted.`,
    waiting > 0 ? ` ${waiting} more will be counted as each setting's answers reach the next group of ${results.step}: results move in groups, so that nobody can work out one child's answers.` : ''));
  for (const q of results.questions) {
    if (q.type === 'free_text') {
      const texts = results.total.suppressed ? [] : (results.total.free_text[q.id] || []);
      panel.append(h('h3', {}, q.text), texts.length ? h('ul', { class: 'survey-free-text' }, texts.map((t) => h('li', {}, t)))
        : h('p', { class: 'muted' }, results.total.suppressed ? `Not shown: fewer than ${results.threshold} answers.` : 'Nobody wrote anything.'));
      continue;
    }
    // Columns in the question's own order (the server's counts are keyed, not ordered).
    const values = q.options ? q.options.map((o) => o.value)
      : Array.from({ length: q.max - q.min + 1 }, (_, i) => String(q.min + i));
    panel.append(h('h3', {}, q.text), h('div', { class: 'table-wrap' }, h('table', { class: 'data survey-results-table', dataset: { question: q.id } },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Setting'), h('th', { scope: 'col', class: 'num' }, 'Answered'), values.map((v) => h('th', { scope: 'col', class: 'num' }, answerLabel(q, v))))),
      h('tbody', {}, rows.map(({ name, cell }) => h('tr', {}, h('th', { scope: 'row' }, name),
        cell.suppressed ? h('td', { colspan: String(values.length + 1), 'data-label': 'Answers' }, cell.received === 0 ? 'No answers yet' : `Fewer than ${results.threshold} answers: not shown`)
          : [h('td', { class: 'num', 'data-label': 'Answered' }, String(cell.answers[q.id].answered)),
            values.map((v) => h('td', { class: 'num', 'data-label': answerLabel(q, v) }, String(cell.answers[q.id].counts[v] ?? 0)))]))))));
  }
  panel.append(h('div', { class: 'button-row' },
    h('a', { class: 'button button--secondary', href: `/api/v1/surveys/${results.survey.id}/results/export.csv`, download: `survey-${results.survey.id}-results.csv` }, 'Export CSV'),
    h('a', { class: 'button button--secondary', href: `/api/v1/surveys/${results.survey.id}/results/export.xlsx`, download: `survey-${results.survey.id}-results.xlsx` }, 'Export XLSX')));
  return panel;
}

async function renderSurvey(main, id, ctx) {
  const survey = await api('GET', `/api/v1/surveys/${encodeURIComponent(id)}`);
  const reload = () => { const page = main; clear(page); renderSurvey(page, id, ctx).catch((e) => page.append(errorNotice(e))); };
  const title = heading(`${survey.title} (ages ${survey.age_band}, ${survey.year}/${String(survey.year + 1).slice(2)})`);
  main.append(h('p', {}, h('a', { href: '#/surveys' }, '← All surveys')), h('div', { class: 'page-head' }, title,
    h('p', { class: 'intro' }, h('strong', { id: 'survey-status-text' }, STATUS_LABELS[survey.status] || survey.status),
      ` — open ${formatDate(survey.opens_on)} to ${formatDate(survey.closes_on)}. `, survey.open_now ? 'Children can answer now.' : 'Children cannot answer now.')));
  if (manages(ctx.user)) main.append(h('section', { class: 'panel', 'aria-labelledby': 'dates-title' }, h('h2', { id: 'dates-title' }, 'When children can answer'), datesForm(survey, reload)));
  if (ctx.user.role !== 'board_member') main.append(await settingsPanel(survey, ctx, reload));
  if (!['board_member', 'agency_staff'].includes(ctx.user.role)) main.append(resultsPanel(await api('GET', `/api/v1/surveys/${survey.id}/results`)));
  main.append(h('details', { class: 'panel' }, h('summary', {}, `The ${survey.questions.length} questions`),
    h('ol', {}, survey.questions.map((q) => h('li', {}, q.text, q.options ? h('span', { class: 'muted' }, ` — ${q.options.map((o) => o.label).join('; ')}`) : null)))));
  return title;
}
