// jobs.js — labeling jobs through the ModelArts v1 API (/v1/{project}/annotation-jobs and
// /v1/{project}/data-annotations/{job}/...): the jobs with their progress; one job's progress
// (labeled / unlabeled), tag statistics and images; labeling an image: tags toggled with the number
// keys for a classification job, boxes drawn with the mouse for a detection job (then a tag per
// box), ← → for the previous / next image, Esc to close.
import { h, fill, fmt, toast, showError, table, spinner, when } from './ui.js';
import { request } from './api.js';

const PER_PAGE = 60;
const v1 = (project, method, rest, body) => request(method, `/v1/${project}/${rest}`, body);
const isDetect = job => /detection/i.test(job.type);

export async function render(main, ctx, project, num) {
  if (project && num) return detail(main, ctx, project, num);
  const sections = await Promise.all(ctx.projects.map(async p => {
    const r = await v1(p.id, 'GET', 'annotation-jobs?limit=100');
    return h('section', { class: 'card' }, h('h2', {}, p.name),
      r.jobs.length ? table(['Job', 'Type', 'Progress', 'Labeled', 'Unlabeled', 'Created'], r.jobs.map(j => h('tr', { dataset: { job: j.name } },
        h('td', {}, h('a', { href: `#/jobs/${p.id}/${j.dls_prj_id}` }, j.name)), h('td', {}, j.type),
        h('td', {}, progress(j.progress_detail.has_tag_count, j.progress_detail.total_count)),
        h('td', { class: 'num' }, fmt(j.progress_detail.has_tag_count)), h('td', { class: 'num' }, fmt(j.progress_detail.not_tag_count)),
        h('td', {}, when(j.create_time))))) : h('p', { class: 'empty' }, 'No labeling jobs. Create one with POST /v1/{project_id}/annotation-jobs.'));
  }));
  fill(main, h('h1', {}, 'Labeling jobs'), sections);
}

function progress(done, total) {
  const pct = total ? Math.round(100 * done / total) : 0;
  const bar = h('span', { class: 'bar-fill' });
  bar.style.width = pct + '%';
  return h('span', { class: 'progress', title: `${done} of ${total}` }, h('span', { class: 'bar' }, bar), ` ${pct}%`);
}

async function detail(main, ctx, project, num) {
  const jobs = await v1(project, 'GET', 'annotation-jobs?limit=100');
  const job = jobs.jobs.find(j => String(j.dls_prj_id) === String(num));
  if (!job) throw new Error(`no labeling job ${num} in this project`);
  const base = `data-annotations/${num}`;
  const st = { page: 0, tag: '', images: [], total: 0, tags: [], viewer: -1 };
  const head = h('div', { id: 'job-head' }), grid = h('div', { id: 'job-grid', class: 'thumbs' }), pager = h('div', { class: 'pager' });
  const errBox = h('div', { id: 'job-error' }), tagSel = h('select', { id: 'job-tag-filter', 'aria-label': 'Show' });
  tagSel.addEventListener('change', () => { st.tag = tagSel.value; st.page = 0; load(); });
  fill(main, h('p', { class: 'crumbs' }, h('a', { href: '#/jobs' }, 'Labeling jobs'), ' / ', job.name), head, errBox,
    h('section', { class: 'card' }, h('div', { class: 'row' }, tagSel), grid, pager));

  async function loadHead() {
    const [stats, tags] = await Promise.all([v1(project, 'GET', base + '/tags/stats'), v1(project, 'GET', base + '/tags')]);
    st.tags = tags.tags;
    const has = (stats.tags_stat.find(s => s.has_tag) || {}).count || 0, not = (stats.tags_stat.find(s => !s.has_tag) || {}).count || 0;
    fill(head, h('h1', {}, job.name, ' ', h('span', { class: 'count' }, job.type)),
      h('div', { class: 'meta', id: 'job-progress' }, progress(has, has + not),
        h('span', { id: 'job-labeled' }, `${fmt(has)} labeled`), h('span', { id: 'job-unlabeled' }, `${fmt(not)} unlabeled`)),
      h('div', { class: 'chips', id: 'job-tag-stats' }, stats.tag_count.map((t, i) => h('span', { class: 'chip', dataset: { tag: t.tag } },
        i < 9 ? h('kbd', {}, String(i + 1)) : null, ` ${t.tag} `, h('b', {}, fmt(t.count))))));
    const keep = st.tag;
    fill(tagSel, h('option', { value: '' }, 'All images'), h('option', { value: '__none__' }, 'Unlabeled'),
      st.tags.map(t => h('option', { value: t }, 'Tag: ' + t)));
    tagSel.value = keep;
  }

  async function load() {
    try {
      const q = new URLSearchParams({ page: st.page, per_page: PER_PAGE });
      if (st.tag) q.set('tag_name', st.tag);
      const r = await v1(project, 'GET', `${base}/images?${q}`);
      st.images = r.images;
      st.total = r.total_count;
      fill(grid, r.images.length ? r.images.map((im, i) => h('figure', { class: 'thumb', dataset: { image: im.image_id, name: im.name } },
        h('button', { class: 'open', type: 'button', title: 'Label ' + im.name, onclick: () => open(i) },
          h('img', { src: im.url, alt: im.name, loading: 'lazy', width: 150, height: 150 })),
        h('figcaption', {}, h('span', { class: 'name' }, im.name)),
        h('div', { class: 'chips' }, im.tags.map(t => h('span', { class: 'chip small' }, typeof t === 'string' ? t : `□ ${t.tag}`))))) :
        h('p', { class: 'empty' }, 'No images.'));
      const pages = Math.max(1, Math.ceil(st.total / PER_PAGE));
      fill(pager, h('button', { disabled: st.page === 0, onclick: () => { st.page--; load(); } }, '← Previous'),
        h('span', { id: 'job-page' }, `page ${st.page + 1} of ${pages} · ${fmt(st.total)} images`),
        h('button', { disabled: st.page + 1 >= pages, onclick: () => { st.page++; load(); } }, 'Next →'));
    } catch (err) { showError(err, errBox); }
  }

  const dlg = document.getElementById('dialog');
  function open(i) {
    st.viewer = i;
    const im = st.images[i];
    const tags = im.tags.map(t => typeof t === 'string' ? { tag: t } : { tag: t.tag, pos: t.pos.slice() });
    let current = isDetect(job) ? st.tags[0] || '' : '';
    const err = h('div', { id: 'label-error' });
    const img = h('img', { src: im.url, alt: im.name, class: 'label-image', id: 'label-image', draggable: 'false' });
    const canvas = h('canvas', { id: 'box-canvas', class: 'boxes' });
    const stage = h('div', { class: 'stage' }, img, isDetect(job) ? canvas : null);
    const list = h('div', { class: 'chips', id: 'label-tags' });
    const newTag = h('input', { type: 'text', id: 'job-tag-input', placeholder: 'tag name…', 'aria-label': 'Tag name', value: current, autocomplete: 'off' });
    const curBox = h('span', { id: 'current-tag', class: 'badge' });
    const keys = h('div', { class: 'chips' });

    function paintTags() {
      fill(list, tags.length ? tags.map((t, k) => h('span', { class: 'chip' }, t.pos ? `□ ${t.tag} [${t.pos.map(v => Math.round(v)).join(', ')}]` : t.tag,
        h('button', { type: 'button', class: 'x', 'aria-label': 'Remove ' + t.tag, onclick: () => { tags.splice(k, 1); save(); } }, '×'))) :
        h('span', { class: 'muted' }, 'no tags'));
      curBox.textContent = isDetect(job) ? `new boxes: ${current || '(type a tag)'}` : '';
      curBox.hidden = !isDetect(job);
      fill(keys, st.tags.slice(0, 9).map((t, k) => h('button', { type: 'button', class: 'chip toggle' + ((isDetect(job) ? current === t : tags.some(x => x.tag === t)) ? ' on' : ''),
        dataset: { key: String(k + 1) }, onclick: () => key(t) }, h('kbd', {}, String(k + 1)), ' ' + t)));
      draw();
    }
    function key(t) {
      if (isDetect(job)) { current = t; newTag.value = t; paintTags(); return; }
      newTag.value = '';
      const k = tags.findIndex(x => x.tag === t);
      k >= 0 ? tags.splice(k, 1) : tags.push({ tag: t });
      save();
    }
    async function save() {
      try {
        const body = { images: [{ image_id: im.image_id, tags: tags.map(t => t.pos ? { tag: t.tag, pos: t.pos } : t.tag) }] };
        if (isDetect(job) && img.naturalWidth) body.size = [img.naturalWidth, img.naturalHeight];
        await v1(project, 'PUT', base + '/images', body);
        im.tags = body.images[0].tags;
        err.replaceChildren();
        paintTags();
        await loadHead();
      } catch (e) { showError(e, err); }
    }

    // boxes: drawn in image pixels, shown scaled to the displayed image
    let drag = null;
    // the image fills its box (no object-fit), so each axis scales on its own
    const scale = () => img.naturalWidth ? [img.clientWidth / img.naturalWidth, img.clientHeight / img.naturalHeight] : [1, 1];
    function draw() {
      if (!isDetect(job)) return;
      canvas.width = img.clientWidth; canvas.height = img.clientHeight;
      canvas.style.left = img.offsetLeft + 'px'; canvas.style.top = img.offsetTop + 'px';
      const c = canvas.getContext('2d'), [sx, sy] = scale();
      c.clearRect(0, 0, canvas.width, canvas.height);
      c.lineWidth = 2; c.font = '12px sans-serif';
      for (const t of tags.filter(x => x.pos).concat(drag ? [{ tag: current, pos: drag }] : [])) {
        const [x1, y1, x2, y2] = t.pos.map((v, k) => v * (k % 2 ? sy : sx));
        c.strokeStyle = '#ff2d55'; c.strokeRect(x1, y1, x2 - x1, y2 - y1);
        c.fillStyle = '#ff2d55'; c.fillText(t.tag, x1 + 3, y1 + 13);
      }
    }
    const at = e => { const r = canvas.getBoundingClientRect(), [sx, sy] = scale(); return [Math.max(0, Math.min(img.naturalWidth, (e.clientX - r.left) / sx)), Math.max(0, Math.min(img.naturalHeight, (e.clientY - r.top) / sy))]; };
    canvas.addEventListener('pointerdown', e => { if (!current) { showError(new Error('type or pick a tag for the box first'), err); return; } const [x, y] = at(e); drag = [x, y, x, y]; canvas.setPointerCapture(e.pointerId); });
    canvas.addEventListener('pointermove', e => { if (!drag) return; const [x, y] = at(e); drag[2] = x; drag[3] = y; draw(); });
    canvas.addEventListener('pointerup', () => {
      if (!drag) return;
      const [a, b, c, d] = drag; drag = null;
      const pos = [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)].map(v => Math.round(v));
      if (pos[2] - pos[0] < 2 || pos[3] - pos[1] < 2) { draw(); return; }
      tags.push({ tag: current, pos });
      save();
    });
    img.addEventListener('load', draw);

    const form = h('form', { class: 'row', id: 'job-tag-form' }, newTag, h('button', { type: 'submit', class: 'primary' }, isDetect(job) ? 'Use for new boxes' : 'Add tag'));
    form.addEventListener('submit', e => { e.preventDefault(); const v = newTag.value.trim(); if (!v) return; if (!st.tags.includes(v)) st.tags.push(v); key(v); });
    fill(dlg, h('div', { class: 'viewer', id: 'labeler', dataset: { image: im.image_id } },
      h('div', { class: 'row' }, h('h2', {}, im.name), h('span', { class: 'muted' }, `${st.page * PER_PAGE + i + 1} of ${fmt(st.total)}`),
        h('button', { type: 'button', onclick: () => dlg.close() }, 'Close')),
      stage, curBox, list, form, keys,
      h('p', { class: 'muted small' }, isDetect(job) ? 'drag on the image to draw a box · 1–9 pick the tag for new boxes · ← → previous / next · Esc close' :
        '1–9 toggle a tag · ← → previous / next · Esc close'), err));
    paintTags();
    if (!dlg.open) dlg.showModal();
    dlg.onkeydown = e => {
      if (e.target === newTag) return;
      if (e.key === 'ArrowRight' && st.viewer + 1 < st.images.length) { e.preventDefault(); open(st.viewer + 1); }
      else if (e.key === 'ArrowLeft' && st.viewer > 0) { e.preventDefault(); open(st.viewer - 1); }
      else if (/^[1-9]$/.test(e.key) && st.tags[Number(e.key) - 1]) { e.preventDefault(); key(st.tags[Number(e.key) - 1]); }
    };
    dlg.onclose = () => { dlg.onkeydown = null; st.viewer = -1; load(); };
    dlg.focus();
  }

  grid.replaceChildren(spinner());
  await loadHead();
  await load();
}
