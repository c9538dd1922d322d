// Talks to the esafe JSON API. Every call sends the session cookie; every change sends the CSRF token.

let csrfToken = null;
let onSignedOut = () => {};

export function setCsrfToken(token) { csrfToken = token; }
export function whenSignedOut(fn) { onSignedOut = fn; }

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.error) || `the server answered ${status}`);
    this.status = status;
    this.field = (body && body.field) || null;
    this.errors = (body && Array.isArray(body.errors)) ? body.errors : [];
  }
}

export async function api(method, path, body, options = {}) {
  return (await request(method, path, body, options)).data;
}

// The URL of a response's Link rel="next" (the next page of a list), or null on the last page.
function nextLink(res) {
  const link = res.headers.get('Link') || '';
  const m = /<([^>]+)>\s*;\s*rel="next"/.exec(link);
  return m ? m[1] : null;
}

// One page of a list route: { rows, next } where next is the URL of the next page (null on the last).
export async function apiPage(path) {
  const { data, res } = await request('GET', path);
  return { rows: data || [], next: nextLink(res) };
}

// Every row of a list route, following Link rel="next" page by page: for pickers that need the whole list.
export async function apiAll(path) {
  const sep = path.includes('?') ? '&' : '?';
  let next = `${path}${sep}limit=1000`;
  const rows = [];
  while (next) {
    const page = await apiPage(next);
    rows.push(...page.rows);
    next = page.next;
  }
  return rows;
}

async function request(method, path, body, { contentType = 'application/json', quiet401 = false, headers: extra = {} } = {}) {
  const headers = { Accept: 'application/json', ...extra };
  const init = { method, headers, credentials: 'same-origin' };
  if (method !== 'GET' && method !== 'HEAD' && csrfToken) headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) {
    headers['Content-Type'] = contentType;
    init.body = contentType === 'application/json' ? JSON.stringify(body) : body;
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, { error: 'cannot reach the esafe server; check your connection and try again' });
  }
  if (res.status === 204) return { data: null, res };
  let data = null;
  const text = await res.text();
  if (text) {
    try { data = JSON.parse(text); } catch { data = { error: text.slice(0, 200) }; }
  }
  if (!res.ok) {
    if (res.status === 401 && !quiet401) onSignedOut();
    throw new ApiError(res.status, data);
  }
  return { data, res };
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, v);
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

let openapiPromise = null;
// The OpenAPI document, fetched once; the forms are generated from its schemas.
export function openapi() {
  if (!openapiPromise) {
    openapiPromise = api('GET', '/api/v1/openapi.json').catch((e) => { openapiPromise = null; throw e; });
  }
  return openapiPromise;
}

export async function schema(name) {
  const doc = await openapi();
  const s = doc.components && doc.components.schemas && doc.components.schemas[name];
  if (!s) throw new Error(`the server does not describe ${name}`);
  return s;
}
