// api.js — every call the console makes goes through here, to annovec's public APIs only, with the
// credential the user signed in with (kept in sessionStorage: gone when the tab closes). Errors of
// every envelope (Milvus {code,message}, ModelArts {error_code,error_msg}, annovec's own) become an
// ApiError whose message says what the server said.

const KEY = 'annovec.credential';
let credential = sessionStorage.getItem(KEY) || '';

export class ApiError extends Error {
  constructor(message, code, status) { super(message); this.code = code; this.status = status; }
}

export function setCredential(c) {
  credential = c || '';
  if (credential) sessionStorage.setItem(KEY, credential); else sessionStorage.removeItem(KEY);
}
export const hasCredential = () => !!credential;

// An API key (avk_...) or user:password goes as Bearer; a token (avt_...) as X-Auth-Token, which
// only the ModelArts paths and annovec's own endpoints take.
export function isToken(c = credential) { return /^avt_/.test(c); }

function headers(extra = {}) {
  const hd = { ...extra };
  if (credential) {
    if (isToken()) hd['X-Auth-Token'] = credential;
    else hd['Authorization'] = 'Bearer ' + credential;
  }
  return hd;
}

function envelopeError(status, j, text) {
  if (j && typeof j === 'object') {
    if (j.error_code) return new ApiError(`${j.error_msg || 'error'} (${j.error_code})`, j.error_code, status);
    if (j.code !== undefined && j.code !== 0 && j.code !== 200 && j.code !== 'Success')
      return new ApiError(`${j.message || j.msg || 'error'} (code ${j.code})`, j.code, status);
    if (j.success === false && j.error_msg) return new ApiError(`${j.error_msg} (${j.error_code || 'failed'})`, j.error_code, status);
  }
  if (status >= 400) return new ApiError(`HTTP ${status}: ${text ? text.slice(0, 300) : 'no body'}`, status, status);
  return null;
}

export async function request(method, path, body, extraHeaders) {
  let res;
  try {
    res = await fetch(path, {
      method, headers: headers(body !== undefined ? { 'Content-Type': 'application/json', ...extraHeaders } : extraHeaders),
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError('cannot reach the server: ' + e.message, 'network', 0);
  }
  const text = await res.text();
  let j = null;
  if (text) { try { j = JSON.parse(text); } catch { j = null; } }
  const err = envelopeError(res.status, j, text);
  if (err) throw err;
  return j;
}

// Milvus v2: POST /v2/vectordb/<path>; Int64 values as strings so that no id loses digits.
export async function milvus(path, body = {}) {
  const j = await request('POST', '/v2/vectordb/' + path, body, { 'Accept-Type-Allow-Int64': 'false' });
  return j.data;
}

// ModelArts v2 under /v2/{project}/...
export const ma = (project, method, rest, body) => request(method, `/v2/${project}/${rest}`, body);

// annovec's own read-only endpoints.
export async function own(path) {
  const j = await request('GET', '/annovec/v1/' + path);
  return j.data;
}

export async function metricsText() {
  const res = await fetch('/metrics', { headers: headers() });
  const text = await res.text();
  if (!res.ok) { let j = null; try { j = JSON.parse(text); } catch { /* text */ } throw envelopeError(res.status, j, text); }
  return text;
}
