// datasets.js — datasets and labeling through the ModelArts v2 API: the datasets of the projects
// the credential sees; one dataset's images as a grid of thumbnails (annovec's own signed sample
// URLs) with their labels, filtered by label, unlabeled or name, 100 to a page with the next page
// fetched ahead; an image viewer to add and remove classification tags (keys: ← → previous / next,
// 1–9 toggle the n-th label, Esc closes); selecting many and deleting them, where delete_source
// first shows which files stay because another sample or a version still uses them; versions
// (publish, list, delete).
import { h, fill, fmt, toast, showError, confirmDialog, table, spinner, when } from './ui.js';
import { ma } from './api.js';

const PAGE = 100;   // S2's largest limit
// Image samples carry signed http URLs of this server; text samples content://<line>.
const isUrl = u => /^https?:\/\//.test(u || '');
const textOf = s => (s.source || s.preview || '').replace(/^content:\/\//, '') || s.sample_name;

export async function render(main, ctx, project, id) {
  if (project && id) return detail(main, ctx, project, id);
  const projects = ctx.projects.filter(p => !project || p.id === project);
  const sections = await Promise.all(projects.map(async p => {
    const r = await ma(p.id, 'GET', 'datasets?limit=100');
    return h('section', { class: 'card' }, h('h2', {}, p.name, ' ', h('code', { class: 'muted small' }, p.id)),
      r.datasets.length ? table(['Name', 'Type', 'Samples', 'Labeled', 'Versions', 'Created'], r.datasets.map(d => h('tr', { dataset: { dataset: d.dataset_name } },
        h('td', {}, h('a', { href: `#/datasets/${p.id}/${d.dataset_id}` }, d.dataset_name)),
        h('td', {}, typeName(d.dataset_type)),
        h('td', { class: 'num' }, fmt(d.total_sample_count)), h('td', { class: 'num' }, fmt(d.annotated_sample_count)),
        h('td', { class: 'num' }, fmt(d.dataset_version_count)), h('td', {}, when(d.create_time))))) :
        h('p', { class: 'empty' }, 'No datasets. Create one with POST /v2/{project_id}/datasets.'));
  }));
  fill(main, h('h1', {}, 'Datasets'), sections);
}

const typeName = t => ({ 0: 'image classification', 1: 'object detection', 3: 'image segmentation', 100: 'text classification', 101: 'named entity', 102: 'text triplet' })[t] || 'type ' + t;

async function detail(main, ctx, project, id) {
  const st = { offset: 0, filter: '__ALL_SAMPLES__', name: '', selected: new Map(), samples: [], total: 0, ahead: null, viewer: -1 };
  const ds = await ma(project, 'GET', `datasets/${id}`);
  let labels = [];
  const head = h('div', { id: 'ds-head' });
  const grid = h('div', { id: 'grid', class: 'thumbs', role: 'list' });
  const pager = h('div', { class: 'pager', id: 'grid-pager' });
  const errBox = h('div', { id: 'ds-error' });
  const filterSel = h('select', { id: 'label-filter', 'aria-label': 'Show' });
  const nameInput = h('input', { id: 'name-filter', type: 'search', placeholder: 'name contains…', 'aria-label': 'Name contains' });
  const selInfo = h('span', { id: 'ds-selected', class: 'muted' });
  const delBtn = h('button', { id: 'delete-samples', class: 'danger', disabled: true, onclick: deleteSelected }, 'Delete selected');
  const versions = h('div', { id: 'versions' });
  filterSel.addEventListener('change', () => { st.filter = filterSel.value; st.offset = 0; load(); });
  let nameTimer = 0;
  nameInput.addEventListener('input', () => { clearTimeout(nameTimer); nameTimer = setTimeout(() => { st.name = nameInput.value.trim(); st.offset = 0; load(); }, 250); });

  fill(main,
    h('p', { class: 'crumbs' }, h('a', { href: '#/datasets' }, 'Datasets'), ' / ', ds.dataset_name),
    head, errBox,
    h('section', { class: 'card' },
      h('div', { class: 'row wrap toolbar' }, filterSel, nameInput,
        h('button', { id: 'select-page-samples', onclick: selectPage }, 'Select page'),
        h('button', { id: 'clear-selection', onclick: () => { st.selected.clear(); paint(); } }, 'Clear selection'),
        delBtn, selInfo),
      h('p', { class: 'muted small' }, 'Click an image to open it; there ← → move and 1–9 toggle a label. Shift-click a checkbox to select a range.'),
      grid, pager),
    h('section', { class: 'card' }, h('h2', {}, 'Versions'), versions));

  async function loadHead() {
    const stats = await ma(project, 'GET', `datasets/${id}/data-annotations/stats`);
    labels = (stats.label_stats || []).map(l => ({ name: l.name, count: l.count ?? l.sample_count ?? 0 }));
    const s = stats.sample_stats;
    fill(head, h('h1', {}, ds.dataset_name, ' ', h('span', { class: 'count', id: 'ds-count' }, `${fmt(s.total)} images`)),
      h('div', { class: 'meta' }, h('span', {}, typeName(ds.dataset_type)),
        h('span', { id: 'ds-labeled' }, `${fmt(s.total - s.un_annotation)} labeled`), h('span', {}, `${fmt(s.un_annotation)} unlabeled`),
        h('span', {}, 'input ', h('code', {}, (ds.data_sources[0] || {}).data_path || ''))),
      h('div', { class: 'chips', id: 'label-stats' }, labels.map((l, i) => h('span', { class: 'chip' }, i < 9 ? h('kbd', {}, String(i + 1)) : null, ` ${l.name} `, h('b', {}, fmt(l.count))))));
    const keep = st.filter;
    fill(filterSel, h('option', { value: '__ALL_SAMPLES__' }, 'All images'), h('option', { value: '__ALL__' }, 'Labeled'),
      h('option', { value: '__NONE__' }, 'Unlabeled'), labels.map(l => h('option', { value: 'label:' + l.name }, 'Label: ' + l.name)));
    filterSel.value = [...filterSel.options].some(o => o.value === keep) ? keep : '__ALL_SAMPLES__';
  }

  function query(offset) {
    const q = new URLSearchParams({ offset, limit: PAGE });
    if (st.filter === '__ALL__' || st.filter === '__NONE__') q.set('sample_state', st.filter);
    else if (st.filter.startsWith('label:')) q.set('label_name', st.filter.slice(6));
    if (st.name) q.set('search_conditions', JSON.stringify({ sample_name: st.name }));
    return `datasets/${id}/data-annotations/samples?${q}`;
  }

  // The next page is fetched (and its thumbnails decoded) while this one is looked at.
  function prefetch() {
    const next = st.offset + PAGE;
    if (next >= st.total) { st.ahead = null; return; }
    const key = query(next);
    st.ahead = { key, p: ma(project, 'GET', key).then(r => { for (const s of r.samples.slice(0, 40)) if (isUrl(s.preview)) { const im = new Image(); im.src = s.preview; } return r; }) };
    st.ahead.p.catch(() => {});
  }

  async function load() {
    errBox.replaceChildren();
    try {
      const key = query(st.offset);
      const r = st.ahead && st.ahead.key === key ? await st.ahead.p : await ma(project, 'GET', key);
      st.samples = r.samples;
      st.total = r.sample_count;
      if (!r.samples.length && st.offset > 0 && st.total > 0) { st.offset = Math.floor((st.total - 1) / PAGE) * PAGE; return load(); }
      paint();
      prefetch();
    } catch (err) { showError(err, errBox); }
  }

  let lastClicked = -1;
  function paint() {
    fill(grid, st.samples.length ? st.samples.map((s, i) => {
      const box = h('input', { type: 'checkbox', class: 'sample-select', 'aria-label': 'Select ' + s.sample_name, checked: st.selected.has(s.sample_id) });
      box.addEventListener('click', e => {
        const on = box.checked;
        const from = e.shiftKey && lastClicked >= 0 ? Math.min(lastClicked, i) : i, to = e.shiftKey && lastClicked >= 0 ? Math.max(lastClicked, i) : i;
        for (let k = from; k <= to; k++) on ? st.selected.set(st.samples[k].sample_id, st.samples[k]) : st.selected.delete(st.samples[k].sample_id);
        lastClicked = i;
        paint();
      });
      return h('figure', { class: 'thumb' + (st.selected.has(s.sample_id) ? ' selected' : ''), role: 'listitem', dataset: { sample: s.sample_id, name: s.sample_name } },
        h('button', { class: 'open', type: 'button', title: 'Open ' + s.sample_name, onclick: () => openViewer(i) },
          isUrl(s.preview) ? h('img', { src: s.preview, alt: s.sample_name, loading: 'lazy', decoding: 'async', width: 150, height: 150 }) :
            h('span', { class: 'text-sample' }, textOf(s))),
        h('figcaption', {}, box, h('span', { class: 'name' }, s.sample_name)),
        h('div', { class: 'chips' }, (s.labels || []).map(l => h('span', { class: 'chip small' }, l.name))));
    }) : h('p', { class: 'empty' }, 'No images match.'));
    const pages = Math.max(1, Math.ceil(st.total / PAGE)), page = Math.floor(st.offset / PAGE) + 1;
    fill(pager,
      h('button', { id: 'grid-prev', disabled: st.offset === 0, onclick: () => { st.offset -= PAGE; load(); } }, '← Previous'),
      h('span', { id: 'grid-page' }, `page ${fmt(page)} of ${fmt(pages)} · ${fmt(st.total)} image${st.total === 1 ? '' : 's'}`),
      h('button', { id: 'grid-next', disabled: st.offset + PAGE >= st.total, onclick: () => { st.offset += PAGE; load(); } }, 'Next →'));
    selInfo.textContent = st.selected.size ? `${fmt(st.selected.size)} selected` : '';
    delBtn.disabled = !st.selected.size;
    delBtn.textContent = st.selected.size ? `Delete ${fmt(st.selected.size)} selected…` : 'Delete selected';
  }

  function selectPage() { for (const s of st.samples) st.selected.set(s.sample_id, s); paint(); }

  // ---- viewer --------------------------------------------------------------------------------
  const dlg = document.getElementById('dialog');
  async function openViewer(i) {
    st.viewer = i;
    const s = st.samples[i];
    const tagInput = h('input', { type: 'text', id: 'tag-input', list: 'tag-names', placeholder: 'add a label…', 'aria-label': 'Add a label', autocomplete: 'off' });
    const tagForm = h('form', { class: 'row', id: 'tag-form' }, tagInput, h('button', { type: 'submit', class: 'primary' }, 'Add'));
    tagForm.addEventListener('submit', e => { e.preventDefault(); const v = tagInput.value.trim(); if (v) setLabels(s, [...names(s), v].filter((x, k, a) => a.indexOf(x) === k)); });
    const err = h('div', { id: 'viewer-error' });
    fill(dlg, h('div', { class: 'viewer', id: 'viewer', dataset: { sample: s.sample_id } },
      h('div', { class: 'row' }, h('h2', {}, s.sample_name), h('span', { class: 'muted' }, `${fmt(st.offset + i + 1)} of ${fmt(st.total)}`),
        h('button', { type: 'button', class: 'close', id: 'viewer-close', onclick: () => dlg.close() }, 'Close')),
      isUrl(s.source) ? h('img', { src: s.source, alt: s.sample_name, class: 'big' }) : h('p', { class: 'text-sample big' }, textOf(s)),
      h('div', { class: 'chips', id: 'viewer-labels' }, names(s).length ? names(s).map(n => h('span', { class: 'chip' }, n,
        h('button', { type: 'button', class: 'x', 'aria-label': 'Remove label ' + n, onclick: () => setLabels(s, names(s).filter(x => x !== n)) }, '×'))) : h('span', { class: 'muted' }, 'no labels')),
      tagForm, h('datalist', { id: 'tag-names' }, labels.map(l => h('option', { value: l.name }))),
      h('div', { class: 'chips' }, labels.slice(0, 9).map((l, k) => h('button', { type: 'button', class: 'chip toggle' + (names(s).includes(l.name) ? ' on' : ''), dataset: { key: String(k + 1) },
        onclick: () => toggle(s, l.name) }, h('kbd', {}, String(k + 1)), ' ' + l.name))),
      h('p', { class: 'muted small' }, '← → previous / next image · 1–9 toggle a label · Esc close'),
      err));
    if (!dlg.open) dlg.showModal();
    dlg.onkeydown = onKey;
    dlg.onclose = () => { dlg.onkeydown = null; st.viewer = -1; dlg.replaceChildren(); };
    dlg.focus();
  }

  const names = s => (s.labels || []).map(l => l.name);
  const toggle = (s, n) => setLabels(s, names(s).includes(n) ? names(s).filter(x => x !== n) : [...names(s), n]);

  async function onKey(e) {
    if (e.target && e.target.id === 'tag-input') return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const d = e.key === 'ArrowRight' ? 1 : -1, i = st.viewer + d;
      if (i >= 0 && i < st.samples.length) return openViewer(i);
      if (d > 0 && st.offset + PAGE < st.total) { st.offset += PAGE; await load(); return openViewer(0); }
      if (d < 0 && st.offset > 0) { st.offset -= PAGE; await load(); return openViewer(st.samples.length - 1); }
    } else if (/^[1-9]$/.test(e.key)) {
      const l = labels[Number(e.key) - 1];
      if (l && st.viewer >= 0) { e.preventDefault(); toggle(st.samples[st.viewer], l.name); }
    }
  }

  async function setLabels(s, list) {
    const i = st.viewer;
    try {
      const body = { samples: [{ sample_id: s.sample_id, labels: list.map(name => ({ name, type: 0 })) }] };
      await ma(project, 'PUT', `datasets/${id}/data-annotations/samples`, body);
      const fresh = await ma(project, 'GET', `datasets/${id}/data-annotations/samples/${s.sample_id}`);
      Object.assign(s, { labels: fresh.labels });
      await loadHead();
      paint();
      if (i >= 0) openViewer(i);
    } catch (err) { showError(err, document.getElementById('viewer-error')); }
  }

  // ---- delete --------------------------------------------------------------------------------
  // Which of the selected samples' files a delete_source delete would keep: those that another
  // sample (of any dataset) or a version still uses (the files API's reference counts).
  async function keptFiles(samples) {
    const byPath = new Map();
    for (const s of samples) { const p = s.sample_dir + s.sample_name; byPath.set(p, (byPath.get(p) || 0) + 1); }
    const out = [];
    await Promise.all([...byPath].map(async ([p, mine]) => {
      const r = await ma(project, 'GET', `files?prefix=${encodeURIComponent(p)}&limit=1`);
      const f = (r.files || []).find(x => x.path === p);
      if (f && (f.sample_refs > mine || f.version_refs > 0)) out.push({ path: p, samples: f.sample_refs - mine, versions: f.version_refs });
    }));
    return { kept: out.sort((a, b) => a.path < b.path ? -1 : 1), files: byPath.size };
  }

  async function deleteSelected() {
    const samples = [...st.selected.values()];
    const src = h('input', { type: 'checkbox', id: 'delete-source' });
    const keptBox = h('div', { id: 'kept-files', class: 'muted' }, 'The source files stay in the file store.');
    src.addEventListener('change', async () => {
      if (!src.checked) { fill(keptBox, 'The source files stay in the file store.'); return; }
      fill(keptBox, 'Checking which files other samples or versions use…');
      try {
        const k = await keptFiles(samples);
        fill(keptBox, h('p', { id: 'erase-count' }, `${fmt(k.files - k.kept.length)} file${k.files - k.kept.length === 1 ? '' : 's'} will be erased.`),
          k.kept.length ? [h('p', {}, `${fmt(k.kept.length)} file${k.kept.length === 1 ? '' : 's'} will be kept, still used elsewhere:`),
            h('ul', { id: 'kept-list' }, k.kept.map(f => h('li', {}, h('code', {}, f.path), ` — ${f.samples} other sample(s), ${f.versions} version(s)`)))] : null);
      } catch (err) { showError(err, keptBox); }
    });
    const ok = await confirmDialog({ title: `Delete ${fmt(samples.length)} image${samples.length === 1 ? '' : 's'}?`,
      body: h('div', {}, h('p', {}, `${samples.slice(0, 8).map(s => s.sample_name).join(', ')}${samples.length > 8 ? ', …' : ''} leave the dataset at once.`),
        h('label', { class: 'inline' }, src, ' also delete the source files (delete_source)'), keptBox),
      confirmText: `Delete ${fmt(samples.length)}` });
    if (!ok) return;
    try {
      const r = await ma(project, 'POST', `datasets/${id}/data-annotations/samples/delete`,
        { samples: samples.map(s => s.sample_id), delete_source: src.checked });
      const kept = (r.results || []).filter(x => x.info).length;
      toast(`deleted ${fmt(samples.length)} image${samples.length === 1 ? '' : 's'}${kept ? `; ${kept} source file(s) kept (still used)` : ''}`);
      st.selected.clear();
      st.ahead = null;
      await loadHead();
      await load();
      ctx.refresh().catch(() => {});
    } catch (err) {
      showError(err, errBox);
      st.ahead = null;
      await load();
    }
  }

  // ---- versions ------------------------------------------------------------------------------
  async function loadVersions() {
    try {
      const r = await ma(project, 'GET', `datasets/${id}/versions`);
      const nameIn = h('input', { type: 'text', id: 'version-name', placeholder: 'name (default V00n)', 'aria-label': 'Version name' });
      const form = h('form', { class: 'row', id: 'publish-form' }, nameIn, h('button', { type: 'submit', class: 'primary' }, 'Publish version'));
      form.addEventListener('submit', async e => {
        e.preventDefault();
        try {
          const body = nameIn.value.trim() ? { version_name: nameIn.value.trim() } : {};
          const v = await ma(project, 'POST', `datasets/${id}/versions`, body);
          toast('published ' + (body.version_name || 'a new version'));
          loadVersions();
        } catch (err) { showError(err, versions); }
      });
      fill(versions, form, r.versions.length ? table(['Version', 'Samples', 'Labeled', 'Created', ''], r.versions.map(v => h('tr', { dataset: { version: v.version_name } },
        h('td', {}, v.version_name, v.version_id === ds.current_version_id ? h('span', { class: 'badge' }, 'current') : null),
        h('td', { class: 'num' }, fmt(v.total_sample_count ?? 0)), h('td', { class: 'num' }, fmt(v.annotated_sample_count ?? 0)),
        h('td', {}, when(v.create_time)),
        h('td', {}, h('button', { class: 'danger small', onclick: async () => {
          if (!await confirmDialog({ title: `Delete version ${v.version_name}?`, body: h('p', {}, 'Its frozen samples go; files only this version used are erased.'), confirmText: 'Delete version' })) return;
          try { await ma(project, 'DELETE', `datasets/${id}/versions/${v.version_id}`); toast('deleted ' + v.version_name); loadVersions(); }
          catch (err) { showError(err, versions); }
        } }, 'Delete'))))) : h('p', { class: 'empty' }, 'No versions yet.'));
    } catch (err) { showError(err, versions); }
  }

  grid.replaceChildren(spinner());
  await loadHead();
  await load();
  await loadVersions();
}
