// ui.js — DOM helpers shared by the screens: element builder, number and byte formatting, toasts,
// a confirmation dialog. No innerHTML with data: every text goes through textContent.

export function h(tag, attrs = {}, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') e.className = v;
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'value') e.value = v;
    else if (k === 'checked') e.checked = !!v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const k of kids.flat(Infinity)) {
    if (k === null || k === undefined || k === false) continue;
    e.append(k instanceof Node ? k : document.createTextNode(String(k)));
  }
  return e;
}

export const fmt = n => Number(n).toLocaleString('en-US');

export function bytes(n) {
  n = Number(n);
  if (!(n >= 0)) return '—';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(n)) + ' ' + u[i];
}

export const when = ms => ms ? new Date(Number(ms)).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : 'never';

export function toast(msg, kind = 'ok') {
  const t = h('div', { class: 'toast ' + kind, role: kind === 'error' ? 'alert' : 'status' }, msg);
  document.getElementById('toasts').append(t);
  setTimeout(() => t.remove(), kind === 'error' ? 9000 : 4000);
}

// Shows err (an ApiError or any Error) where the user looks: a toast and, when given, a box.
export function showError(err, box) {
  const msg = err && err.message ? err.message : String(err);
  if (box) box.replaceChildren(h('div', { class: 'error', role: 'alert' }, msg));
  else toast(msg, 'error');
}

// A modal confirmation. requireText: the user must type it (e.g. a collection name) to confirm.
// Resolves true when confirmed.
export function confirmDialog({ title, body, confirmText = 'Confirm', danger = true, requireText }) {
  const d = document.getElementById('dialog');
  return new Promise(resolve => {
    const input = requireText ? h('input', { type: 'text', class: 'confirm-input', 'aria-label': 'Type ' + requireText + ' to confirm', autocomplete: 'off' }) : null;
    const ok = h('button', { class: danger ? 'danger' : 'primary', type: 'submit', id: 'dialog-ok', disabled: !!requireText }, confirmText);
    const cancel = h('button', { type: 'button', id: 'dialog-cancel' }, 'Cancel');
    if (input) input.addEventListener('input', () => { ok.disabled = input.value !== requireText; });
    const form = h('form', { method: 'dialog', class: 'dialog-body' },
      h('h2', {}, title), h('div', {}, body),
      input ? h('p', {}, 'Type ', h('code', {}, requireText), ' to confirm:') : null, input,
      h('div', { class: 'row end' }, cancel, ok));
    const done = v => { d.close(); d.replaceChildren(); resolve(v); };
    form.addEventListener('submit', e => { e.preventDefault(); done(true); });
    cancel.addEventListener('click', () => done(false));
    d.onclose = () => { d.replaceChildren(); resolve(false); };
    d.onkeydown = null;
    d.replaceChildren(form);
    d.showModal();
    (input || ok).focus();
  });
}

export function table(headers, rows, { cls = 'grid-table' } = {}) {
  return h('table', { class: cls },
    h('thead', {}, h('tr', {}, headers.map(x => h('th', {}, x)))),
    h('tbody', {}, rows));
}

export function spinner() { return h('p', { class: 'muted loading' }, 'Loading…'); }

// Replaces el's children with kids (nested lists flattened; null, undefined and false left out).
export function fill(el, ...kids) {
  el.replaceChildren(...kids.flat(Infinity).filter(k => k !== null && k !== undefined && k !== false)
    .map(k => k instanceof Node ? k : document.createTextNode(String(k))));
  return el;
}
