// server.js — the server's state: version, data dir size, each collection's rows and vector bytes,
// the purge queue (bytes deleted and not yet erased, the last purge), requests by dialect and
// status, and the request log's recent errors. From GET /annovec/v1/state and GET /metrics.
import { h, fill, fmt, bytes, when, table } from './ui.js';
import { own, metricsText } from './api.js';

// The samples of one metric family: [{labels:{...}, value}] (Prometheus text format 0.0.4).
export function samples(text, name) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || (line[name.length] !== '{' && line[name.length] !== ' ')) continue;
    const m = /^[^{ ]+(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels = {};
    for (const [, k, v] of (m[1] || '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[k] = v;
    out.push({ labels, value: Number(m[2]) });
  }
  return out;
}

export async function render(main, ctx) {
  const [s, text] = await Promise.all([own('state'), metricsText()]);
  const one = n => (samples(text, n)[0] || {}).value;
  const byDialect = new Map();
  for (const x of samples(text, 'annovec_http_requests_total')) {
    const k = x.labels.dialect || '-', cls = String(x.labels.status || '').charAt(0) + 'xx';
    const e = byDialect.get(k) || {}; e[cls] = (e[cls] || 0) + x.value; byDialect.set(k, e);
  }
  const stat = (label, value, id) => h('div', { class: 'stat', id }, h('div', { class: 'label' }, label), h('div', { class: 'value' }, value));
  const p = s.purge;
  fill(main, h('h1', {}, 'Server'),
    h('div', { class: 'stats' },
      stat('version', s.version, 'state-version'),
      stat('auth', s.auth ? 'on (--auth)' : 'off (loopback)', 'state-auth'),
      stat('data dir', bytes(s.data_dir_bytes), 'state-size'),
      stat('free space', bytes(one('annovec_data_dir_free_bytes')), 'state-free'),
      stat('WAL', bytes(one('annovec_wal_bytes')), 'state-wal'),
      stat('memory (RSS)', bytes(one('annovec_resident_memory_bytes')), 'state-rss'),
      stat('store', one('annovec_store_ready') === 1 ? 'ready' : 'NOT READY', 'state-ready')),
    h('section', { class: 'card', id: 'purge' }, h('h2', {}, 'Purge queue'),
      h('div', { class: 'stats' },
        stat('waiting to be erased', bytes(p.bytes_waiting), 'purge-bytes'),
        stat('rows', fmt(p.rows_waiting), 'purge-rows'), stat('files', fmt(p.files_waiting), 'purge-files'),
        stat('pending', p.pending ? 'yes' : 'no', 'purge-pending'), stat('last purge', when(p.last_purge_ms), 'purge-last'),
        stat('delete commits since start', fmt(p.delete_commits), 'purge-commits'))),
    h('section', { class: 'card' }, h('h2', {}, 'Collections'),
      s.collections.length ? table(['Project', 'Database', 'Collection', 'Rows', 'Dim', 'Vector bytes'], s.collections.map(c => h('tr', { dataset: { collection: c.name } },
        h('td', {}, c.project), h('td', {}, c.db), h('td', {}, c.name), h('td', { class: 'num' }, fmt(c.rows)), h('td', { class: 'num' }, c.dim),
        h('td', { class: 'num' }, bytes(c.vector_bytes))))) : h('p', { class: 'empty' }, 'No collections.')),
    h('section', { class: 'card' }, h('h2', {}, 'Requests since start'),
      table(['Dialect', '2xx', '3xx', '4xx', '5xx'], [...byDialect].sort().map(([d, e]) => h('tr', {}, h('td', {}, d),
        ['2xx', '3xx', '4xx', '5xx'].map(c => h('td', { class: 'num' }, fmt(e[c] || 0))))))),
    h('section', { class: 'card', id: 'recent-errors' }, h('h2', {}, 'Recent errors'),
      s.recent_errors === null ? h('p', { class: 'muted' }, 'The request log is server-wide: shown only on a server without --auth.') :
        s.recent_errors.length ? table(['Time', 'Request', 'Status', 'Code'], s.recent_errors.map(e => h('tr', {},
          h('td', {}, when(e.time_ms)), h('td', {}, h('code', {}, `${e.method} ${e.path}`)), h('td', { class: 'num' }, e.status), h('td', {}, e.code)))) :
          h('p', { class: 'empty' }, 'None since start.')));
}
