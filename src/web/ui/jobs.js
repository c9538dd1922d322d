// Long work as a background job on the server (Prefer: respond-async → 202 and the job): start
// it, follow its progress in an accessible <progress> with a live status line, then show the
// result or the download. The one helper for the activity reports, the imports, the exports
// and the board report PDF.
import { api } from './api.js';
import { h, clear, announce } from './dom.js';

// Starts `method path` as a job; resolves with the job (its id, state, progress).
export function startJob(method, path, body, options = {}) {
  return api(method, path, body, { ...options, headers: { ...(options.headers || {}), Prefer: 'respond-async' } });
}

const sentence = (s) => (s ? s[0].toUpperCase() + s.slice(1) : s);

// A progress panel with ids `${prefix}-panel`, `-progress` (labelled `label`), `-state` and
// `-result`. follow(job) polls the job until it ends and resolves with it; end(job) marks the
// panel with the final state once the caller has said what happened.
export function jobPanel(prefix, label) {
  const bar = h('progress', { id: `${prefix}-progress`, max: '100', value: '0' });
  const state = h('p', { id: `${prefix}-state`, 'aria-live': 'polite' });
  const result = h('div', { id: `${prefix}-result` });
  const panel = h('div', { class: 'report-progress', id: `${prefix}-panel`, hidden: true },
    h('label', { for: bar.id, id: `${prefix}-progress-label` }, label), bar, state, result);
  let timer = null;
  const setBar = (pct) => {
    bar.value = pct;
    bar.textContent = `${pct}%`;
  };
  return {
    panel, bar, state, result,
    busy: () => timer !== null,
    begin(text) {
      panel.hidden = false;
      delete panel.dataset.state;
      setBar(0);
      clear(result);
      state.textContent = text;
    },
    follow(job, { waiting = 'Waiting for other work to finish…' } = {}) {
      return new Promise((resolve, reject) => {
        const poll = async () => {
          try {
            const j = await api('GET', `/api/v1/jobs/${encodeURIComponent(job.id)}`);
            if (j.state !== 'queued' && j.state !== 'running') {
              timer = null;
              resolve(j);
              return;
            }
            const p = j.progress || {};
            const pct = p.total ? Math.min(100, Math.round((100 * p.done) / p.total)) : 0;
            setBar(pct);
            panel.dataset.state = j.state;
            state.textContent = j.state === 'queued' ? waiting
              : `${sentence(p.phrase || 'working')}${p.total && p.done ? `: ${pct}% done.` : '…'}`;
            timer = setTimeout(poll, 400);
          } catch (ex) {
            timer = null;
            reject(ex);
          }
        };
        timer = setTimeout(poll, 150);
      });
    },
    end(j) {
      if (j.state === 'done') setBar(100);
      panel.dataset.state = j.state;
    },
  };
}

// A button that runs a file export (`path`, a GET route with a job form) as a job and then
// offers its download: for exports too large to wait for in one request.
export function exportButton({ id, label, path }) {
  const ui = jobPanel(id, `${label}: progress`);
  const button = h('button', { type: 'button', class: 'button button--secondary', id }, label);
  button.addEventListener('click', async () => {
    if (ui.busy()) return;
    button.disabled = true;
    ui.begin('Starting…');
    try {
      const j = await ui.follow(await startJob('GET', typeof path === 'function' ? path() : path));
      if (j.state === 'done' && j.download) {
        ui.state.textContent = 'Ready to download.';
        const link = h('a', { href: j.download, class: 'button', id: `${id}-download`, download: j.file_name || '' },
          `Download ${j.file_name || 'the file'}`);
        ui.result.append(link);
        announce(`${label}: ready to download.`, 'good');
        link.focus();
      } else {
        ui.state.textContent = `It failed: ${j.error || j.state}`;
        announce(`${label} failed.`, 'bad');
      }
      ui.end(j);
    } catch (ex) {
      ui.state.textContent = `It failed: ${ex.message}`;
    } finally {
      button.disabled = false;
    }
  });
  return h('span', { class: 'export-job' }, button, ui.panel);
}

// Runs a CSV import (`path`, a POST route with a job form) as a job followed in `ui`; resolves
// with the import's report ({imported}) when done; rejects with the reason and, when lines are
// wrong, `errors` by line (nothing was imported).
export async function runImport(ui, path, text) {
  ui.begin('Sending the file…');
  const j = await ui.follow(await startJob('POST', path, text, { contentType: 'text/csv' }), { waiting: 'Waiting for other imports to finish…' });
  ui.end(j);
  if (j.state === 'done') {
    ui.state.textContent = 'Done.';
    return j.result || {};
  }
  ui.state.textContent = 'Nothing was imported.';
  const err = new Error(j.error || `the import was ${j.state}`);
  err.errors = (j.result && Array.isArray(j.result.errors)) ? j.result.errors : [];
  throw err;
}
