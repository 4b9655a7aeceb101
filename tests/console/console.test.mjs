// console.test.mjs — the web console in a real browser (Debian's Chromium via playwright-core).
// Starts build/annovec with --auth on a free port (an API key made with `annovec apikey create`),
// fills it through the public APIs, and drives the console as a person would: sign in, see a
// collection, delete selected rows and a filter's rows (after the dry-run count), open a dataset's
// images, tag one, delete two, label in a classification and a detection job. Every step checks the screen and, through the API, the server.
// Any browser console error or page error fails the step it happened in. Screenshots of each main
// screen go to $SHOTS and must not be blank. Prints one line per step, then "N passed, N failed".
import { chromium } from 'playwright-core';
import { spawn, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodePng, pngStats } from './png.mjs';

const BIN = process.env.AV_BIN, SHOTS = process.env.SHOTS;
fs.rmSync(SHOTS, { recursive: true, force: true });
fs.mkdirSync(SHOTS, { recursive: true });
let passed = 0, failed = 0;
const cleanups = [];

// ---- server ----------------------------------------------------------------------------------
async function startServer({ auth, before }) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'annovec-console-'));
  const made = before ? before(dir) : {};
  const args = ['serve', '--data', dir, '--listen', '127.0.0.1:0', ...(auth ? ['--auth'] : [])];
  const proc = spawn(BIN, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  const port = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('server did not start: ' + log)), 20000);
    proc.stderr.on('data', d => { log += d; const m = /listening on 127\.0\.0\.1:(\d+)/.exec(log); if (m) { clearTimeout(t); resolve(Number(m[1])); } });
    proc.on('exit', c => reject(new Error(`server exited ${c}: ${log}`)));
  });
  const srv = { dir, port, url: `http://127.0.0.1:${port}`, proc, ...made };
  cleanups.push(async () => { proc.kill('SIGTERM'); await new Promise(r => proc.exitCode !== null ? r() : proc.on('exit', r)); fs.rmSync(dir, { recursive: true, force: true }); });
  return srv;
}

function api(srv, key) {
  const hd = key ? { Authorization: 'Bearer ' + key } : {};
  const call = async (method, p, body, raw) => {
    const res = await fetch(srv.url + p, { method, headers: hd, body: raw !== undefined ? raw : body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return text ? JSON.parse(text) : { status: res.status };
  };
  const milvus = async (p, body) => {
    const j = await call('POST', '/v2/vectordb/' + p, body);
    if (j.code !== 0) throw new Error(`${p}: ${JSON.stringify(j)}`);
    return j.data;
  };
  return { call, milvus };
}

// ---- checks ----------------------------------------------------------------------------------
function assert(cond, msg) { if (!cond) throw new Error(msg); }
function eq(a, b, msg) { if (a !== b) throw new Error(`${msg}: got ${JSON.stringify(a)}, want ${JSON.stringify(b)}`); }

let browserErrors = [], currentPage = null;
async function step(name, fn) {
  browserErrors = [];
  try {
    await fn();
    if (browserErrors.length) throw new Error('browser console errors: ' + browserErrors.join(' | '));
    passed++; console.log(`ok   ${name}`);
  } catch (e) {
    failed++; console.log(`FAIL ${name}\n     ${String(e && e.stack || e).split('\n').slice(0, 4).join('\n     ')}`);
    if (browserErrors.length) console.log('     browser: ' + browserErrors.join(' | '));
    if (currentPage) await currentPage.screenshot({ path: path.join(SHOTS, `failed-${failed}.png`) }).catch(() => {});
  }
}

// The browser error that a step provoked on purpose, taken out of the list (fails when absent).
function expectBrowserError(re) {
  const i = browserErrors.findIndex(m => re.test(m));
  assert(i >= 0, `expected a browser error matching ${re}, got ${JSON.stringify(browserErrors)}`);
  browserErrors.splice(i, 1);
}

async function shot(page, name) {
  const file = path.join(SHOTS, name + '.png');
  await page.screenshot({ path: file, fullPage: false });
  const s = pngStats(fs.readFileSync(file));
  assert(s.colors >= 24 && s.top < 0.97, `${name}.png looks blank: ${s.colors} colours, top colour ${(s.top * 100).toFixed(1)}%`);
}

function watch(page) {
  page.on('console', m => { if (m.type() === 'error') browserErrors.push(m.text()); });
  page.on('pageerror', e => browserErrors.push('page error: ' + e.message));
  if (process.env.DEBUG_401) page.on('response', r => { if (r.status() === 401) console.log('401', r.url()); });
}

const rowsText = async page => (await page.locator('#row-count').textContent()).trim();

// ---- the run ---------------------------------------------------------------------------------
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
cleanups.push(() => browser.close());
try {
  const srv = await startServer({
    auth: true,
    before: dir => {
      const last = args => execFileSync(BIN, [...args, '--data', dir, '--project', 'team_a'], { encoding: 'utf8' }).trim().split('\n').pop();
      return { key: last(['apikey', 'create']), alice: last(['user', 'add', '--name', 'alice']), token: last(['token', 'create']),
               keyB: execFileSync(BIN, ['apikey', 'create', '--data', dir, '--project', 'team_b'], { encoding: 'utf8' }).trim().split('\n').pop() };
    },
  });
  const A = api(srv, srv.key);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  watch(page);
  currentPage = page;

  await step('the console is served from the binary with its CSP, types and ETag', async () => {
    const r = await fetch(srv.url + '/console/');
    eq(r.status, 200, 'GET /console/');
    assert(/^text\/html/.test(r.headers.get('content-type')), 'index.html content type ' + r.headers.get('content-type'));
    assert(/default-src 'self'/.test(r.headers.get('content-security-policy') || ''), 'CSP default-src self');
    const tag = r.headers.get('etag');
    assert(tag, 'an ETag');
    eq((await fetch(srv.url + '/console/', { headers: { 'If-None-Match': tag } })).status, 304, 'revalidation with the ETag');
    const js = await fetch(srv.url + '/console/app.js');
    assert(/^text\/javascript/.test(js.headers.get('content-type')), 'app.js content type');
    eq((await fetch(srv.url + '/console/nope.js')).status, 404, 'an unknown file');
    const redirect = await fetch(srv.url + '/console', { redirect: 'manual' });
    eq(redirect.headers.get('location'), '/console/', '/console redirects');
    // nothing loads from elsewhere: every URL the page fetches is this server's
    const foreign = [];
    page.on('request', q => { if (!q.url().startsWith(srv.url) && !q.url().startsWith('data:')) foreign.push(q.url()); });
    await page.goto(srv.url + '/console/');
    await page.waitForSelector('#signin');
    eq(foreign.length, 0, 'requests to other origins ' + foreign.join(' '));
  });

  await step('with --auth the projects and state endpoints show the caller\'s project only', async () => {
    await api(srv, srv.keyB).milvus('collections/create', { collectionName: 'secret', dimension: 2 });
    const get = async (p, key) => { const r = await fetch(srv.url + p, { headers: key ? { Authorization: 'Bearer ' + key } : {} }); return [r.status, await r.json()]; };
    const [s0, e0] = await get('/annovec/v1/projects');
    eq(s0, 401, 'no credential');
    eq(e0.code, 401, 'the envelope\'s code');
    const [, pa] = await get('/annovec/v1/projects', srv.key);
    eq(JSON.stringify(pa.data.projects.map(p => p.name)), '["team_a"]', 'team_a sees itself only');
    const [, pb] = await get('/annovec/v1/projects', srv.keyB);
    eq(JSON.stringify(pb.data.projects.map(p => [p.name, p.collections.map(c => c.name)])), '[["team_b",["secret"]]]', 'team_b sees its collection');
    const [, st] = await get('/annovec/v1/state', srv.key);
    eq(st.data.collections.length, 0, 'team_a\'s state lists no other project\'s collection');
    eq(st.data.recent_errors, null, 'the server-wide error log is not shown with --auth');
  });

  await step('a wrong credential is refused with the server\'s message', async () => {
    await page.fill('#credential', 'avk_000000000000_nope');
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('#signin-error .error');
    const msg = await page.textContent('#signin-error .error');
    assert(/credential|key|auth/i.test(msg), 'the message says why: ' + msg);
    expectBrowserError(/401/);
    await shot(page, 'signin');
  });

  await step('signing in with the API key shows the project', async () => {
    await A.milvus('collections/create', { collectionName: 'items', dimension: 8, metricType: 'L2' });
    const rows = [];
    for (let i = 1; i <= 120; i++) rows.push({ id: i, vector: Array.from({ length: 8 }, (_, k) => Math.sin(i * (k + 1))), color: i % 3 === 0 ? 'red' : 'blue', n: i });
    await A.milvus('entities/insert', { collectionName: 'items', data: rows });
    await page.fill('#credential', srv.key);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('section.project[data-project="team_a"]');
    assert((await page.textContent('section.project[data-project="team_a"]')).includes('items'), 'the project lists its collection');
    await shot(page, 'projects');
  });

  await step('the collection list shows the collection with its rows, schema and metric', async () => {
    await page.click('nav a[data-nav=collections]');
    const row = page.locator('tr[data-collection="items"]');
    await row.waitFor();
    eq((await row.locator('td.rows').textContent()).trim(), '120', 'row count');
    const text = await row.textContent();
    assert(text.includes('FloatVector(8)') && text.includes('L2') && text.includes('AUTOINDEX'), 'schema, index and metric: ' + text);
    await shot(page, 'collections');
  });

  await step('a collection\'s entities page by page', async () => {
    await page.click('tr[data-collection="items"] a');
    await page.waitForSelector('#entities tr[data-pk="1"]');
    eq(await rowsText(page), '120 rows', 'row count');
    eq(await page.locator('#entities tbody tr').count(), 50, 'rows on the first page');
    await page.click('#next-page');
    await page.waitForSelector('#entities tr[data-pk="51"]');
    eq((await page.textContent('#page-info')).trim(), '51–100 of 120', 'second page');
    await page.click('#prev-page');
    await page.waitForSelector('#entities tr[data-pk="1"]');
    assert((await page.textContent('#entities tr[data-pk="3"]')).includes('red'), 'dynamic field shown');
    await shot(page, 'collection');
  });

  await step('deleting selected rows: the count drops and the rows are gone', async () => {
    await page.check('#entities tr[data-pk="1"] .row-select');
    await page.check('#entities tr[data-pk="2"] .row-select');
    eq((await page.textContent('#delete-selected')).trim(), 'Delete 2 selected', 'the button counts the selection');
    await page.click('#delete-selected');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => document.querySelector('#row-count').textContent === '118 rows');
    await page.waitForSelector('#entities tr[data-pk="3"]');
    eq(await page.locator('#entities tr[data-pk="1"], #entities tr[data-pk="2"]').count(), 0, 'rows 1 and 2 in the table');
    eq((await A.milvus('entities/query', { collectionName: 'items', filter: 'id in [1, 2]' })).length, 0, 'rows 1 and 2 through the API');
    eq((await A.milvus('collections/get_stats', { collectionName: 'items' })).rowCount, 118, 'rowCount through the API');
  });

  await step('query by a filter expression', async () => {
    await page.fill('#query-filter', 'n > 100 and color == "red"');
    await page.press('#query-filter', 'Enter');
    await page.waitForFunction(() => /of 7 matching/.test(document.querySelector('#page-info').textContent));
    const ids = await page.locator('#entities tbody tr').evaluateAll(trs => trs.map(t => Number(t.dataset.pk)));
    eq(JSON.stringify(ids), JSON.stringify([102, 105, 108, 111, 114, 117, 120]), 'matching rows');
    await page.fill('#query-filter', 'n >> 3');
    await page.press('#query-filter', 'Enter');
    await page.waitForSelector('#coll-error .error');
    assert(/code \d+/.test(await page.textContent('#coll-error .error')), 'the API\'s error code is shown');
    await page.click('#query-form button[type=button]');
    await page.waitForFunction(() => /of 118$/.test(document.querySelector('#page-info').textContent.trim()));
  });

  await step('search by an entity\'s vector and by a pasted vector', async () => {
    await page.click('#entities tr[data-pk="10"] button:has-text("Similar")');
    await page.waitForSelector('#search-results tr[data-pk="10"]');
    const first = page.locator('#search-results tbody tr').first();
    eq(await first.getAttribute('data-pk'), '10', 'nearest is itself');
    eq((await first.locator('td').nth(1).textContent()).trim(), '0', 'distance 0');
    const v = Array.from({ length: 8 }, (_, k) => Math.sin(30 * (k + 1)));
    await page.fill('#search-vector', JSON.stringify(v));
    await page.fill('#search-limit', '5');
    await page.click('#search-form button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#search-results tbody tr') && document.querySelector('#search-results tbody tr').dataset.pk === '30');
    eq(await page.locator('#search-results tbody tr').count(), 5, 'top 5');
    await shot(page, 'search');
  });

  await step('delete by filter: the dry run counts first, deletes nothing, then the delete shows at once', async () => {
    const red = (await A.milvus('entities/query', { collectionName: 'items', filter: 'color == "red"', outputFields: ['count(*)'] }))[0]['count(*)'];
    eq(red, 40, 'red rows before');
    await page.fill('#delete-filter', 'color == "red"');
    await page.click('#delete-filter-count');
    await page.waitForFunction(() => document.querySelector('#dry-run').textContent !== '');
    eq(await page.textContent('#dry-run'), 'this deletes 40 rows', 'dry-run text');
    eq((await A.milvus('collections/get_stats', { collectionName: 'items' })).rowCount, 118, 'the dry run deleted nothing');
    eq((await page.textContent('#delete-filter-run')).trim(), 'Delete 40 rows', 'the delete button names the count');
    await page.click('#delete-filter-run');
    await page.waitForFunction(() => document.querySelector('#row-count').textContent === '78 rows');
    eq((await A.milvus('entities/query', { collectionName: 'items', filter: 'color == "red"', outputFields: ['count(*)'] }))[0]['count(*)'], 0, 'red rows after');
    // the search shown was run again: row 30 (red) is no longer its first hit
    await page.waitForFunction(() => { const r = document.querySelector('#search-results tbody tr'); return r && r.dataset.pk !== '30'; });
    const hits = await page.locator('#search-results tbody tr').evaluateAll(trs => trs.map(t => Number(t.dataset.pk)));
    assert(hits.every(id => id % 3 !== 0), 'no deleted row among the hits: ' + hits);
  });

  await step('delete all and drop, each after a typed confirmation', async () => {
    await A.milvus('collections/create', { collectionName: 'scratch', dimension: 2 });
    await A.milvus('entities/insert', { collectionName: 'scratch', data: [{ id: 7, vector: [1, 2] }, { id: 8, vector: [2, 1] }] });
    await page.goto(srv.url + '/console/#/collections/scratch');
    await page.waitForFunction(() => document.querySelector('#row-count') && document.querySelector('#row-count').textContent === '2 rows');
    await page.click('#delete-all');
    await page.waitForSelector('#dialog[open] .confirm-input');
    assert(await page.isDisabled('#dialog-ok'), 'confirm disabled until the name is typed');
    assert((await page.textContent('#dialog')).includes('This deletes 2 rows'), 'the dialog counts the rows');
    await page.fill('.confirm-input', 'scratch');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => document.querySelector('#row-count').textContent === '0 rows');
    eq((await A.milvus('collections/get_stats', { collectionName: 'scratch' })).rowCount, 0, 'rows after delete all');
    await page.click('#drop');
    await page.waitForSelector('#dialog[open] .confirm-input');
    await page.fill('.confirm-input', 'scratch');
    await page.click('#dialog-ok');
    await page.waitForSelector('tr[data-collection="items"]');
    eq(await page.locator('tr[data-collection="scratch"]').count(), 0, 'dropped collection listed');
    eq((await A.milvus('collections/has', { collectionName: 'scratch' })).has, false, 'has after drop');
  });

  await step('collections of another database', async () => {
    await A.milvus('databases/create', { dbName: 'archive' });
    await A.milvus('collections/create', { dbName: 'archive', collectionName: 'old', dimension: 2 });
    await A.milvus('entities/insert', { dbName: 'archive', collectionName: 'old', data: [{ id: 1, vector: [0, 1] }] });
    await page.click('#refresh-collections');
    await page.waitForSelector('#db-select option[value="archive"]', { state: 'attached' });
    await page.selectOption('#db-select', 'archive');
    await page.waitForSelector('tr[data-collection="old"]');
    eq(await page.locator('tr[data-collection="items"]').count(), 0, 'default\'s collection under archive');
    await page.click('tr[data-collection="old"] a');
    await page.waitForFunction(() => document.querySelector('#row-count') && document.querySelector('#row-count').textContent === '1 row');
    await page.click('.crumbs a');
    await page.selectOption('#db-select', 'default');
    await page.waitForSelector('tr[data-collection="items"]');
  });

  // ---- datasets ----
  const P = (await (await fetch(srv.url + '/annovec/v1/projects', { headers: { Authorization: 'Bearer ' + srv.key } })).json()).data.current_project;
  const put = (p, buf) => A.call('PUT', `/v2/${P}/files?path=${p}`, undefined, buf);
  const hue = i => { const a = (i * 47) % 360 / 60, c = 200, x = c * (1 - Math.abs(a % 2 - 1)); const t = [[c, x, 0], [x, c, 0], [0, c, x], [0, x, c], [x, 0, c], [c, 0, x]][Math.floor(a) % 6]; return t.map(v => Math.round(v + 40)); };
  const img = i => encodePng(24, 24, (x, y) => (x + y) % 8 < 4 ? hue(i) : [250, 250, 250]);
  let DS, OTHER;

  await step('a dataset\'s images as a grid of thumbnails, page by page', async () => {
    for (let i = 1; i <= 130; i++) await put(`/pics/in/img-${String(i).padStart(3, '0')}.png`, img(i));
    await put('/pics/shared/s.png', img(999));
    DS = (await A.call('POST', `/v2/${P}/datasets`, { dataset_name: 'pets', dataset_type: 0, data_sources: [{ data_type: 0, data_path: '/pics/in/' }], work_path: '/pics/out/' })).dataset_id;
    OTHER = (await A.call('POST', `/v2/${P}/datasets`, { dataset_name: 'others', dataset_type: 0, data_sources: [{ data_type: 0, data_path: '/pics/shared/' }], work_path: '/pics/out2/' })).dataset_id;
    const add = await A.call('POST', `/v2/${P}/datasets/${DS}/data-annotations/samples`, { samples: [{ name: 's.png', data_source: { data_path: '/pics/shared/s.png' } }] });
    assert(add.results && add.results[0].success !== false, 'shared sample added: ' + JSON.stringify(add));
    const lab = await A.call('PUT', `/v2/${P}/datasets/${DS}`, { add_labels: [{ name: 'cat', type: 0 }, { name: 'dog', type: 0 }] });
    assert(!lab.error_code, 'labels added: ' + JSON.stringify(lab));
    await page.click('nav a[data-nav=datasets]');
    await page.click('tr[data-dataset="pets"] a');
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 100);
    eq((await page.textContent('#grid-page')).trim(), 'page 1 of 2 · 131 images', 'pager');
    // thumbnails really load (signed sample URLs of annovec itself)
    await page.waitForFunction(() => [...document.querySelectorAll('#grid img')].slice(0, 12).every(i => i.complete && i.naturalWidth === 24));
    await shot(page, 'dataset');
    await page.click('#grid-next');
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 31);
    eq((await page.textContent('#grid-page')).trim(), 'page 2 of 2 · 131 images', 'second page');
    await page.click('#grid-prev');
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 100);
  });

  const sampleNamed = async name => {
    const r = await A.call('GET', `/v2/${P}/datasets/${DS}/data-annotations/samples?limit=10&search_conditions=${encodeURIComponent(JSON.stringify({ sample_name: name }))}`);
    return r.samples.find(s => s.sample_name === name);
  };

  await step('tagging images in the viewer with the keyboard', async () => {
    await page.click('#grid .thumb[data-name="img-005.png"] .open');
    await page.waitForSelector('#viewer[data-sample]');
    assert((await page.textContent('#viewer h2')) === 'img-005.png', 'viewer opened on the image');
    await page.keyboard.press('1');
    await page.waitForSelector('#viewer-labels .chip:has-text("cat")');
    eq(JSON.stringify((await sampleNamed('img-005.png')).labels.map(l => l.name)), '["cat"]', 'label through the API');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('#viewer h2').textContent === 'img-006.png');
    await page.keyboard.press('2');
    await page.waitForSelector('#viewer-labels .chip:has-text("dog")');
    await page.fill('#tag-input', 'fluffy');
    await page.press('#tag-input', 'Enter');
    await page.waitForSelector('#viewer-labels .chip:has-text("fluffy")');
    eq(JSON.stringify((await sampleNamed('img-006.png')).labels.map(l => l.name).sort()), '["dog","fluffy"]', 'labels of img-006');
    await shot(page, 'viewer');
    await page.click('#viewer-labels button[aria-label="Remove label fluffy"]');
    await page.waitForFunction(() => !document.querySelector('#viewer-labels').textContent.includes('fluffy'));
    eq(JSON.stringify((await sampleNamed('img-006.png')).labels.map(l => l.name)), '["dog"]', 'label removed');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('dialog').open);
    await page.waitForSelector('#grid .thumb[data-name="img-005.png"] .chip:has-text("cat")');
    await page.selectOption('#label-filter', 'label:cat');
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 1);
    await page.selectOption('#label-filter', '__NONE__');
    await page.waitForFunction(() => /129 images/.test(document.querySelector('#grid-page').textContent));
    await page.selectOption('#label-filter', '__ALL_SAMPLES__');
    await page.fill('#name-filter', 'img-01');
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 10);
    await page.fill('#name-filter', '');
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 100);
  });

  await step('deleting two images with delete_source: the shared file is kept, both leave the grid and the API', async () => {
    await page.fill('#name-filter', 's.png');
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 1);
    await page.check('#grid .thumb[data-name="s.png"] .sample-select');
    await page.fill('#name-filter', 'img-010');
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 1);
    await page.check('#grid .thumb[data-name="img-010.png"] .sample-select');
    eq((await page.textContent('#ds-selected')).trim(), '2 selected', 'selection across filters');
    await page.fill('#name-filter', '');
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 100);
    await page.click('#delete-samples');
    await page.check('#delete-source');
    await page.waitForSelector('#kept-list');
    assert((await page.textContent('#kept-list')).includes('/pics/shared/s.png'), 'the shared file is listed as kept');
    eq((await page.textContent('#erase-count')).trim(), '1 file will be erased.', 'erased count');
    await shot(page, 'delete-samples');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => /129 images/.test(document.querySelector('#grid-page').textContent));
    eq(await page.locator('#grid .thumb[data-name="img-010.png"], #grid .thumb[data-name="s.png"]').count(), 0, 'gone from the grid');
    eq((await page.textContent('#ds-count')).trim(), '129 images', 'the header count');
    for (const n of ['img-010.png', 's.png']) eq(await sampleNamed(n), undefined, n + ' through the v2 samples API');
    const files = await A.call('GET', `/v2/${P}/files?prefix=/pics/`);
    const paths = files.files.map(f => f.path);
    assert(!paths.includes('/pics/in/img-010.png'), 'the unshared source file is deleted');
    assert(paths.includes('/pics/shared/s.png'), 'the shared source file stays');
  });

  await step('versions: publish, list, delete', async () => {
    await page.click('#publish-form button[type=submit]');
    await page.waitForSelector('#versions tr[data-version="V001"]');
    const v = await A.call('GET', `/v2/${P}/datasets/${DS}/versions`);
    eq(v.total_number, 1, 'versions through the API');
    await page.click('#versions tr[data-version="V001"] button.danger');
    await page.click('#dialog-ok');
    await page.waitForFunction(() => !document.querySelector('#versions tr[data-version="V001"]'));
    eq((await A.call('GET', `/v2/${P}/datasets/${DS}/versions`)).total_number, 0, 'version deleted');
  });

  // ---- labeling jobs (ModelArts v1) ----
  await step('a classification job: progress, tag statistics, tagging an image with the keyboard', async () => {
    const made = await A.call('POST', `/v1/${P}/annotation-jobs`, { name: 'pets-job', dataset_id: DS, type: 'Manual Image classify' });
    assert(made.dls_prj_id, 'job created: ' + JSON.stringify(made));
    await page.click('nav a[data-nav=jobs]');
    await page.waitForSelector('tr[data-job="pets-job"]');
    assert((await page.textContent('tr[data-job="pets-job"]')).includes('2%'), 'progress in the list: ' + await page.textContent('tr[data-job="pets-job"]'));
    await page.click('tr[data-job="pets-job"] a');
    await page.waitForFunction(() => document.querySelectorAll('#job-grid .thumb').length === 60);
    eq((await page.textContent('#job-labeled')).trim(), '2 labeled', 'labeled');
    eq((await page.textContent('#job-unlabeled')).trim(), '127 unlabeled', 'unlabeled');
    assert((await page.textContent('#job-tag-stats [data-tag="cat"]')).includes('1'), 'tag statistics');
    await page.selectOption('#job-tag-filter', '__none__');
    await page.waitForFunction(() => /127 images/.test(document.querySelector('#job-page').textContent));
    const first = page.locator('#job-grid .thumb').first();
    const id = await first.getAttribute('data-image');
    await first.locator('.open').click();
    await page.waitForSelector(`#labeler[data-image="${id}"]`);
    await page.keyboard.press('2');
    await page.waitForSelector('#label-tags .chip:has-text("dog")');
    const tags = await A.call('GET', `/v1/${P}/data-annotations/${made.dls_prj_id}/images/${id}/tags`);
    assert(JSON.stringify(tags).includes('"dog"'), 'tag through the v1 API: ' + JSON.stringify(tags));
    await page.waitForFunction(() => document.querySelector('#job-labeled').textContent.trim() === '3 labeled');
    await shot(page, 'job-classify');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('dialog').open);
  });

  await step('a detection job: drawing a box on an image', async () => {
    await put('/pics/det/car.png', encodePng(64, 48, (x, y) => x > 16 && x < 48 && y > 12 && y < 36 ? [200, 40, 40] : [230, 230, 235]));
    const made = await A.call('POST', `/v1/${P}/annotation-jobs`, { name: 'boxes', data_type: 'OBS', path: '/pics/det/', type: 'Manual Object detection' });
    assert(made.dls_prj_id, 'job created: ' + JSON.stringify(made));
    await page.click('nav a[data-nav=jobs]');
    await page.click('tr[data-job="boxes"] a');
    await page.waitForSelector('#job-grid .thumb[data-name="car.png"]');
    await page.click('#job-grid .thumb[data-name="car.png"] .open');
    await page.waitForFunction(() => { const i = document.getElementById('label-image'); return i && i.complete && i.naturalWidth === 64; });
    await page.fill('#job-tag-input', 'car');
    await page.press('#job-tag-input', 'Enter');
    const box = await page.locator('#box-canvas').boundingBox();
    assert(box && box.width > 100, 'the canvas covers the image: ' + JSON.stringify(box));
    const px = (x, y) => [box.x + box.width * x / 64, box.y + box.height * y / 48];
    await page.mouse.move(...px(16, 12));
    await page.mouse.down();
    await page.mouse.move(...px(32, 24), { steps: 4 });
    await page.mouse.move(...px(48, 36), { steps: 4 });
    await page.mouse.up();
    await page.waitForSelector('#label-tags .chip:has-text("car")');
    const r = await A.call('GET', `/v1/${P}/data-annotations/${made.dls_prj_id}/images?per_page=10`);
    const t = r.images[0].tags[0];
    eq(t.tag, 'car', 'the box\'s tag');
    assert(Math.abs(t.pos[0] - 16) <= 1 && Math.abs(t.pos[1] - 12) <= 1 && Math.abs(t.pos[2] - 48) <= 1 && Math.abs(t.pos[3] - 36) <= 1, 'the box in image pixels: ' + JSON.stringify(t.pos));
    await shot(page, 'job-detect');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.getElementById('dialog').open);
  });

  await step('the server screen: version, data dir, collections, purge queue', async () => {
    await page.click('nav a[data-nav=server]');
    await page.waitForSelector('#state-version');
    eq((await page.textContent('#state-version .value')).trim(), '0.1.0', 'version');
    assert(/[KMG]iB/.test(await page.textContent('#state-size .value')), 'data dir size');
    assert((await page.textContent('tr[data-collection="items"]')).includes('78'), 'collection rows');
    await page.waitForSelector('#purge-last');
    await shot(page, 'server');
  });

  await step('usable in a narrow window', async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    await page.goto(srv.url + `/console/#/datasets/${P}/${DS}`);
    await page.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 100);
    const over = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert(over <= 0, `the page scrolls sideways by ${over}px`);
    await shot(page, 'narrow');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step('signing in with user:password and with a token (datasets only: Milvus takes no token)', async () => {
    await page.click('#signout');
    await page.waitForSelector('#signin');
    await page.fill('#credential', srv.alice);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('section.project[data-project="team_a"]');
    await page.click('#signout');
    await page.waitForSelector('#signin');
    await page.fill('#credential', srv.token);
    await page.click('#signin button[type=submit]');
    await page.waitForSelector('section.project[data-project="team_a"]');
    assert((await page.textContent('#who')).includes('(token)'), 'signed in with a token');
    await page.click('nav a[data-nav=datasets]');
    await page.waitForSelector('tr[data-dataset="pets"]');
    await page.click('nav a[data-nav=collections]');
    await page.waitForSelector('#main .error');
    assert(/credential|auth/i.test(await page.textContent('#main .error')), 'Milvus says why: ' + await page.textContent('#main .error'));
    expectBrowserError(/401/);
    await page.click('#signout');
    await page.waitForSelector('#signin');
  });

  await step('without --auth: no sign-in, every project with its collections and datasets, recent errors', async () => {
    const open = await startServer({ auth: false });
    const B = api(open);
    const other = 'ab'.repeat(16);
    await B.milvus('collections/create', { collectionName: 'loose', dimension: 3 });
    await B.call('PUT', `/v2/${other}/files?path=/o/in/a.png`, undefined, img(3));
    const made = await B.call('POST', `/v2/${other}/datasets`, { dataset_name: 'elsewhere', dataset_type: 0, data_sources: [{ data_type: 0, data_path: '/o/in/' }], work_path: '/o/out/' });
    assert(made.dataset_id, 'dataset in another project: ' + JSON.stringify(made));
    const bad = await B.call('POST', '/v2/vectordb/collections/describe', { collectionName: 'missing' });
    assert(bad.code !== 0, 'an error answer to log');
    const p2 = await context.newPage();
    watch(p2);
    currentPage = p2;
    await p2.goto(open.url + '/console/');
    await p2.waitForSelector('section.project[data-project="default"]');
    assert((await p2.textContent('section.project[data-project="default"]')).includes('loose'), 'default project lists its collection');
    assert((await p2.textContent(`section.project[data-project="${other}"]`)).includes('elsewhere'), 'the other project lists its dataset');
    eq(await p2.locator('#signin').count(), 0, 'no sign-in form');
    await p2.click(`section.project[data-project="${other}"] a:has-text("elsewhere")`);
    await p2.waitForFunction(() => document.querySelectorAll('#grid .thumb').length === 1);
    await p2.click('nav a[data-nav=server]');
    await p2.waitForSelector('#recent-errors table');
    assert((await p2.textContent('#recent-errors')).includes('/v2/vectordb/collections/describe'), 'the error answer is listed');
    await shot(p2, 'server-noauth');
    await p2.close();
    currentPage = page;
  });
} finally {
  for (const c of cleanups.reverse()) { try { await c(); } catch { /* best effort */ } }
}
console.log(`console: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
