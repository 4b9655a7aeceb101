// collections.js — vector collections through the Milvus v2 REST API: the list (rows, schema, index,
// metric), and one collection's screen: browse page by page, query by filter, search by a pasted
// vector or an entity's vector, delete selected rows, delete by filter after a dry-run count
// (annovecDryRun), delete all and drop, each behind a confirmation. After every delete the table,
// the counts and the last search are read again, so they show the result at once.
import { h, fill, fmt, toast, showError, confirmDialog, table, spinner } from './ui.js';
import { milvus } from './api.js';

const PAGE = 50;
let db = 'default';   // the database chosen on the list screen (Milvus's dbName)
const MAX_WINDOW = 16384;   // limit + offset of one query (docs/API.md)

export async function render(main, ctx, name) {
  if (name) return detail(main, ctx, name);
  await ctx.refresh();   // the index type each collection was made with (Milvus's describe leaves it out)
  const mine = (ctx.projects.find(p => p.id === ctx.currentProject) || { collections: [] }).collections.filter(c => c.db === db);
  const dbs = await milvus('databases/list', {});
  if (!dbs.includes(db)) db = 'default';
  const names = await milvus('collections/list', { dbName: db });
  const rows = await Promise.all(names.map(async n => {
    const [d, s] = await Promise.all([milvus('collections/describe', { collectionName: n, dbName: db }), milvus('collections/get_stats', { collectionName: n, dbName: db })]);
    return { name: n, d, rows: s.rowCount };
  }));
  const body = rows.map(r => {
    const idx = (r.d.indexes || [])[0] || {};
    return h('tr', { dataset: { collection: r.name } },
      h('td', {}, h('a', { href: '#/collections/' + encodeURIComponent(r.name) }, r.name)),
      h('td', { class: 'num rows' }, fmt(r.rows)),
      h('td', {}, r.d.fields.map(f => h('span', { class: 'field' }, f.name, h('small', {}, ' ' + typeLabel(f))))),
      h('td', {}, idx.indexType || (mine.find(c => c.name === r.name) || {}).index || '—'),
      h('td', {}, idx.metricType || '—'));
  });
  const dbSel = h('select', { id: 'db-select', 'aria-label': 'Database' }, dbs.map(x => h('option', { value: x }, x)));
  dbSel.value = db;
  dbSel.addEventListener('change', () => { db = dbSel.value; render(main, ctx); });
  main.replaceChildren(
    h('h1', {}, 'Collections'),
    h('p', { class: 'row muted' }, 'Database ', dbSel, ` of the project ${projectName(ctx)}.`,
      h('button', { id: 'refresh-collections', type: 'button', onclick: () => render(main, ctx) }, 'Refresh')),
    rows.length ? table(['Name', 'Rows', 'Schema', 'Index', 'Metric'], body, { cls: 'grid-table' }) : h('p', { class: 'empty' }, 'No collections yet. Create one with POST /v2/vectordb/collections/create.'));
}

function projectName(ctx) {
  const p = ctx.projects.find(x => x.id === ctx.currentProject);
  return p ? p.name : ctx.currentProject;
}

function typeLabel(f) {
  const p = Object.fromEntries((f.params || []).map(x => [x.key, x.value]));
  let t = f.type;
  if (p.dim) t += `(${p.dim})`;
  if (p.max_length) t += `(${p.max_length})`;
  if (f.primaryKey) t += ' pk' + (f.autoId ? ' auto' : '');
  return t;
}

// A literal of the primary key for a filter: Int64 ids unquoted, strings as JSON strings.
const lit = (pkType, v) => pkType === 'Int64' ? String(v) : JSON.stringify(String(v));

async function detail(main, ctx, name) {
  const d = await milvus('collections/describe', { collectionName: name, dbName: db });
  const pk = d.fields.find(f => f.primaryKey);
  const vec = d.fields.find(f => f.type === 'FloatVector');
  const idx = (d.indexes || [])[0] || {};
  const own = ((ctx.projects.find(p => p.id === ctx.currentProject) || { collections: [] }).collections.find(c => c.db === db && c.name === name)) || {};
  const st = { offset: 0, filter: '', selected: new Set(), search: null, total: 0 };

  const count = h('span', { id: 'row-count', class: 'count' }, '…');
  const tableBox = h('div', { id: 'entities' });
  const pager = h('div', { class: 'pager' });
  const searchBox = h('div', { id: 'search-results' });
  const errBox = h('div', { id: 'coll-error' });
  const selInfo = h('span', { id: 'selected-count', class: 'muted' }, '');
  const delSel = h('button', { id: 'delete-selected', class: 'danger', disabled: true, onclick: deleteSelected }, 'Delete selected');

  const filterInput = h('input', { id: 'query-filter', type: 'text', placeholder: 'filter, e.g. color == "red" and id > 10', 'aria-label': 'Query filter' });
  const queryForm = h('form', { class: 'row', id: 'query-form' }, filterInput,
    h('button', { type: 'submit', class: 'primary' }, 'Query'),
    h('button', { type: 'button', onclick: () => { filterInput.value = ''; st.filter = ''; st.offset = 0; load(); } }, 'Clear'));
  queryForm.addEventListener('submit', e => { e.preventDefault(); st.filter = filterInput.value.trim(); st.offset = 0; load(); });

  const vecInput = h('textarea', { id: 'search-vector', rows: 2, placeholder: `a vector of ${dimOf(vec)} numbers, e.g. [0.1, 0.2, …]`, 'aria-label': 'Search vector' });
  const limitInput = h('input', { id: 'search-limit', type: 'number', min: 1, max: 1000, value: 10, 'aria-label': 'Search limit' });
  const searchForm = h('form', { class: 'row wrap', id: 'search-form' }, vecInput,
    h('label', { class: 'inline' }, 'top ', limitInput),
    h('button', { type: 'submit', class: 'primary' }, 'Search'));
  searchForm.addEventListener('submit', e => {
    e.preventDefault();
    let v;
    try { v = JSON.parse(vecInput.value.trim().startsWith('[') ? vecInput.value : `[${vecInput.value}]`); }
    catch { showError(new Error('the vector is not a JSON list of numbers'), searchBox); return; }
    st.search = { vector: v, limit: Number(limitInput.value) || 10, from: 'pasted vector' };
    runSearch();
  });

  const delFilter = h('input', { id: 'delete-filter', type: 'text', placeholder: 'filter of the rows to delete', 'aria-label': 'Delete filter' });
  const dryOut = h('span', { id: 'dry-run', class: 'dry' });
  const delFilterBtn = h('button', { id: 'delete-filter-run', class: 'danger', disabled: true }, 'Delete');
  let dryFor = null;
  delFilter.addEventListener('input', () => { dryFor = null; delFilterBtn.disabled = true; delFilterBtn.textContent = 'Delete'; dryOut.textContent = ''; });
  const delForm = h('form', { class: 'row wrap', id: 'delete-form' }, delFilter,
    h('button', { type: 'submit', id: 'delete-filter-count' }, 'Count (dry run)'), dryOut, delFilterBtn);
  delForm.addEventListener('submit', async e => {
    e.preventDefault();
    const f = delFilter.value.trim();
    try {
      const r = await milvus('entities/delete', { collectionName: name, dbName: db, filter: f, annovecDryRun: true });
      dryFor = f;
      dryOut.textContent = `this deletes ${fmt(r.matchCount)} row${r.matchCount === 1 ? '' : 's'}`;
      delFilterBtn.disabled = r.matchCount === 0;
      delFilterBtn.textContent = `Delete ${fmt(r.matchCount)} row${r.matchCount === 1 ? '' : 's'}`;
    } catch (err) { dryOut.textContent = ''; showError(err, errBox); }
  });
  delFilterBtn.addEventListener('click', async () => {
    if (dryFor === null) return;
    try {
      const r = await milvus('entities/delete', { collectionName: name, dbName: db, filter: dryFor });
      toast(`deleted ${fmt(r.deleteCount)} row${r.deleteCount === 1 ? '' : 's'}`);
      dryFor = null; delFilter.value = ''; dryOut.textContent = ''; delFilterBtn.disabled = true; delFilterBtn.textContent = 'Delete';
      await afterDelete();
    } catch (err) { showError(err, errBox); }
  });

  const dangerZone = h('div', { class: 'row wrap' },
    h('button', { id: 'delete-all', class: 'danger', onclick: deleteAll }, 'Delete all rows…'),
    h('button', { id: 'drop', class: 'danger', onclick: drop }, 'Drop collection…'));

  main.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/collections' }, 'Collections'), ' / ', db === 'default' ? '' : db + ' / ', name),
    h('h1', {}, name, ' ', count),
    h('div', { class: 'meta' },
      h('span', {}, 'metric ', h('b', {}, idx.metricType || '—')), h('span', {}, 'index ', h('b', {}, idx.indexType || own.index || '—')),
      h('span', {}, 'dynamic fields ', h('b', {}, d.enableDynamicField ? 'on' : 'off'))),
    h('details', { class: 'schema' }, h('summary', {}, 'Schema'),
      table(['Field', 'Type', 'Nullable', 'Description'], d.fields.map(f => h('tr', {}, h('td', {}, f.name), h('td', {}, typeLabel(f)), h('td', {}, f.nullable ? 'yes' : 'no'), h('td', {}, f.description || ''))))),
    errBox,
    h('section', { class: 'card' }, h('h2', {}, 'Entities'), queryForm,
      h('div', { class: 'row' }, delSel, selInfo), tableBox, pager),
    h('section', { class: 'card' }, h('h2', {}, 'Search'), searchForm, searchBox),
    h('section', { class: 'card' }, h('h2', {}, 'Delete by filter'), delForm),
    h('section', { class: 'card danger-zone' }, h('h2', {}, 'Danger zone'), dangerZone));

  function cell(v) {
    if (Array.isArray(v) && v.length && typeof v[0] === 'number' && v.length > 6)
      return h('span', { class: 'vec', title: JSON.stringify(v) }, `[${v.slice(0, 3).map(x => +x.toFixed(4)).join(', ')}, … ] (${v.length})`);
    if (v !== null && typeof v === 'object') return h('code', {}, JSON.stringify(v));
    return v === null || v === undefined ? h('span', { class: 'muted' }, 'null') : String(v);
  }

  function columns(rows, extra = []) {
    const keys = [pk.name];
    for (const f of d.fields) if (!f.primaryKey && f.type !== 'FloatVector') keys.push(f.name);
    for (const r of rows) for (const k of Object.keys(r)) if (!keys.includes(k) && k !== vec.name && !extra.includes(k)) keys.push(k);
    return [...keys, vec.name];
  }

  function entityTable(rows, { selectable, extra = [] }) {
    const cols = columns(rows, extra);
    const all = selectable ? h('input', { type: 'checkbox', id: 'select-page', 'aria-label': 'Select this page',
      checked: rows.length > 0 && rows.every(r => st.selected.has(String(r[pk.name]))),
      onchange: e => { for (const r of rows) e.target.checked ? st.selected.add(String(r[pk.name])) : st.selected.delete(String(r[pk.name])); load(); } }) : null;
    const head = [selectable ? all : '', ...extra, ...cols, ''];
    const body = rows.map(r => {
      const id = String(r[pk.name]);
      return h('tr', { dataset: { pk: id } },
        h('td', {}, selectable ? h('input', { type: 'checkbox', class: 'row-select', 'aria-label': 'Select ' + id, checked: st.selected.has(id),
          onchange: e => { e.target.checked ? st.selected.add(id) : st.selected.delete(id); selection(); } }) : ''),
        extra.map(k => h('td', { class: 'num' }, String(r[k]))),
        cols.map(k => h('td', {}, cell(r[k]))),
        h('td', {}, h('button', { class: 'small', title: 'Search with this entity\'s vector', onclick: () => searchByEntity(id) }, 'Similar')));
    });
    return table(head, body);
  }

  function selection() {
    const n = st.selected.size;
    selInfo.textContent = n ? `${fmt(n)} selected` : '';
    delSel.disabled = n === 0;
    delSel.textContent = n ? `Delete ${fmt(n)} selected` : 'Delete selected';
  }

  async function load() {
    errBox.replaceChildren();
    tableBox.replaceChildren(spinner());
    try {
      const [stats, cnt] = await Promise.all([
        milvus('collections/get_stats', { collectionName: name, dbName: db }),
        st.filter ? milvus('entities/query', { collectionName: name, dbName: db, filter: st.filter, outputFields: ['count(*)'] }) : null]);
      st.total = cnt ? Number(cnt[0]['count(*)']) : stats.rowCount;
      count.textContent = `${fmt(stats.rowCount)} row${stats.rowCount === 1 ? '' : 's'}`;
      count.dataset.rows = stats.rowCount;
      if (st.offset >= st.total && st.offset > 0) st.offset = Math.max(0, Math.floor((st.total - 1) / PAGE) * PAGE);
      const rows = await milvus('entities/query', { collectionName: name, dbName: db, filter: st.filter, outputFields: ['*'], limit: PAGE, offset: st.offset });
      tableBox.replaceChildren(rows.length ? entityTable(rows, { selectable: true }) : h('p', { class: 'empty' }, st.filter ? 'No row matches.' : 'No rows.'));
      const last = Math.min(st.offset + rows.length, st.total);
      fill(pager, 
        h('button', { id: 'prev-page', disabled: st.offset === 0, onclick: () => { st.offset = Math.max(0, st.offset - PAGE); load(); } }, '← Previous'),
        h('span', { id: 'page-info' }, st.total ? `${fmt(st.offset + 1)}–${fmt(last)} of ${fmt(st.total)}${st.filter ? ' matching' : ''}` : ''),
        h('button', { id: 'next-page', disabled: last >= st.total || st.offset + PAGE >= MAX_WINDOW, onclick: () => { st.offset += PAGE; load(); } }, 'Next →'),
        st.offset + PAGE >= MAX_WINDOW ? h('span', { class: 'muted' }, ' (a query reaches 16,384 rows at most: narrow it with a filter)') : null);
      selection();
    } catch (err) { tableBox.replaceChildren(); showError(err, errBox); }
  }

  async function runSearch() {
    if (!st.search) return;
    searchBox.replaceChildren(spinner());
    try {
      const r = await milvus('entities/search', { collectionName: name, dbName: db, data: [st.search.vector], limit: st.search.limit, outputFields: ['*'] });
      searchBox.replaceChildren(h('p', { class: 'muted' }, `${r.length} nearest to the ${st.search.from} (${idx.metricType || 'L2'})`),
        r.length ? entityTable(r, { selectable: false, extra: ['distance'] }) : h('p', { class: 'empty' }, 'No hits.'));
    } catch (err) { showError(err, searchBox); }
  }

  async function searchByEntity(id) {
    try {
      const r = await milvus('entities/query', { collectionName: name, dbName: db, filter: `${pk.name} == ${lit(pk.type, id)}`, outputFields: [vec.name], limit: 1 });
      if (!r.length) throw new Error(`entity ${id} no longer exists`);
      vecInput.value = JSON.stringify(r[0][vec.name]);
      st.search = { vector: r[0][vec.name], limit: Number(limitInput.value) || 10, from: `vector of entity ${id}` };
      await runSearch();
      searchBox.scrollIntoView({ block: 'nearest' });
    } catch (err) { showError(err, searchBox); }
  }

  async function afterDelete() {
    await load();
    await runSearch();
    ctx.refresh().catch(() => {});
  }

  async function deleteSelected() {
    const ids = [...st.selected];
    if (!await confirmDialog({ title: `Delete ${fmt(ids.length)} row${ids.length === 1 ? '' : 's'}?`,
      body: h('p', {}, `The rows ${ids.slice(0, 10).join(', ')}${ids.length > 10 ? ', …' : ''} are gone from every read and search when this returns.`),
      confirmText: `Delete ${fmt(ids.length)}` })) return;
    try {
      let deleted = 0;
      for (let i = 0; i < ids.length; i += 1000) {
        const part = ids.slice(i, i + 1000);
        const r = await milvus('entities/delete', { collectionName: name, dbName: db, filter: `${pk.name} in [${part.map(v => lit(pk.type, v)).join(', ')}]` });
        deleted += r.deleteCount;
      }
      st.selected.clear();
      toast(`deleted ${fmt(deleted)} row${deleted === 1 ? '' : 's'}`);
      await afterDelete();
    } catch (err) { showError(err, errBox); }
  }

  async function deleteAll() {
    const filter = `${pk.name} is not null`;
    try {
      const r = await milvus('entities/delete', { collectionName: name, dbName: db, filter, annovecDryRun: true });
      if (!await confirmDialog({ title: `Delete all ${fmt(r.matchCount)} rows of ${name}?`,
        body: h('p', {}, `This deletes ${fmt(r.matchCount)} rows; the collection and its schema stay.`),
        confirmText: `Delete ${fmt(r.matchCount)} rows`, requireText: name })) return;
      const done = await milvus('entities/delete', { collectionName: name, dbName: db, filter });
      toast(`deleted ${fmt(done.deleteCount)} rows`);
      st.selected.clear();
      await afterDelete();
    } catch (err) { showError(err, errBox); }
  }

  async function drop() {
    if (!await confirmDialog({ title: `Drop ${name}?`, body: h('p', {}, `The collection, its ${fmt(st.total)} rows and its index are erased.`),
      confirmText: 'Drop', requireText: name })) return;
    try {
      await milvus('collections/drop', { collectionName: name, dbName: db });
      toast(`dropped ${name}`);
      await ctx.refresh().catch(() => {});
      location.hash = '#/collections';
    } catch (err) { showError(err, errBox); }
  }

  await load();
}

const dimOf = vec => ((vec.params || []).find(p => p.key === 'dim') || {}).value || '?';
