// app.js — the console's entry: sign-in, the navigation and a hash router to the screens.
// Screens are modules exporting render(main, ctx, ...route parts); ctx holds what every screen
// needs (the projects the credential sees, whether the server runs with --auth).
import { h, fill, showError, spinner, fmt } from './ui.js';
import { own, setCredential, hasCredential, isToken, ApiError } from './api.js';
import * as collections from './collections.js';
import * as datasets from './datasets.js';
import * as server from './server.js';
import * as jobs from './jobs.js';

const main = document.getElementById('main');
const ctx = { auth: false, projects: [], currentProject: '', refresh: loadProjects };
const screens = { collections, datasets, jobs, server };

async function loadProjects() {
  const d = await own('projects');
  ctx.auth = d.auth;
  ctx.projects = d.projects;
  ctx.currentProject = d.current_project;
  return d;
}

function signIn(message) {
  document.getElementById('nav').hidden = true;
  document.getElementById('signout').hidden = true;
  document.getElementById('who').textContent = '';
  const input = h('input', { type: 'password', id: 'credential', autocomplete: 'current-password', required: true,
    placeholder: 'avk_…, user:password or avt_…', 'aria-label': 'Credential' });
  const box = h('div', { id: 'signin-error' }, message ? h('div', { class: 'error', role: 'alert' }, message) : null);
  const form = h('form', { class: 'card signin', id: 'signin' },
    h('h1', {}, 'Sign in'),
    h('p', { class: 'muted' }, 'This server runs with --auth. Sign in with an API key (annovec apikey create), ',
      'user:password (annovec user add) or a token (annovec token create). The console calls the public APIs with it, ',
      'so it can do exactly what the credential can.'),
    h('label', {}, 'Credential', input), box,
    h('button', { class: 'primary', type: 'submit' }, 'Sign in'));
  form.addEventListener('submit', async e => {
    e.preventDefault();
    setCredential(input.value.trim());
    try { await loadProjects(); start(); }
    catch (err) { setCredential(''); showError(err, box); input.focus(); }
  });
  main.replaceChildren(form);
  input.focus();
}

function who() {
  const p = ctx.projects.find(x => x.id === ctx.currentProject);
  const name = p ? p.name : ctx.currentProject;
  document.getElementById('who').textContent = ctx.auth ? `project ${name}${isToken() ? ' (token)' : ''}` : 'no --auth: every project';
  document.getElementById('signout').hidden = !ctx.auth;
  document.getElementById('nav').hidden = false;
}

function home() {
  const list = ctx.projects.map(p => h('section', { class: 'card project', dataset: { project: p.name } },
    h('h2', {}, p.name, ' ', h('code', { class: 'muted small' }, p.id), p.id === ctx.currentProject ? h('span', { class: 'badge' }, 'Milvus / VikingDB project') : null),
    h('div', { class: 'cols' },
      h('div', {}, h('h3', {}, 'Collections'),
        p.collections.length ? h('ul', {}, p.collections.map(c => h('li', {},
          p.id === ctx.currentProject && c.db === 'default' ? h('a', { href: '#/collections/' + encodeURIComponent(c.name) }, c.name) : c.name,
          h('span', { class: 'muted' }, ` ${fmt(c.rows)} rows · dim ${c.dim} · ${c.metric}${c.db !== 'default' ? ' · db ' + c.db : ''}`)))) : h('p', { class: 'muted' }, 'none')),
      h('div', {}, h('h3', {}, 'Datasets'),
        p.datasets.length ? h('ul', {}, p.datasets.map(d => h('li', {},
          h('a', { href: `#/datasets/${p.id}/${d.id}` }, d.name),
          h('span', { class: 'muted' }, ` ${fmt(d.samples)} samples, ${fmt(d.annotated)} labeled`)))) : h('p', { class: 'muted' }, 'none')))));
  fill(main, h('h1', {}, ctx.auth ? 'Your project' : 'Projects'),
    ctx.auth ? null : h('p', { class: 'muted' }, 'Without --auth the Milvus and VikingDB APIs work in the project "default"; datasets of every project are reachable by their id.'),
    list);
}

async function route() {
  const parts = location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent);
  const name = parts[0] || 'home';
  for (const a of document.querySelectorAll('[data-nav]')) a.classList.toggle('active', a.dataset.nav === name);
  main.replaceChildren(spinner());
  try {
    if (name === 'home') { await loadProjects(); home(); return; }
    const s = screens[name];
    if (!s) { main.replaceChildren(h('p', { class: 'error' }, 'No such screen: ' + name)); return; }
    await s.render(main, ctx, ...parts.slice(1));
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) {
      // Signed out only when annovec itself no longer takes the credential (expired, revoked); a
      // token is refused by the Milvus API alone, which takes Bearer credentials.
      const still = await loadProjects().then(() => true, () => false);
      if (!still) { setCredential(''); signIn(err.message); return; }
      if (isToken()) err.message += ' — a token signs in to the ModelArts APIs (datasets, jobs) only; sign in with an API key or user:password for collections';
    }
    showError(err, main);
  }
}

let started = false;
function start() {
  who();
  if (!started) { started = true; window.addEventListener('hashchange', route); }
  route();
}

// replaceState, not location.hash: a hashchange would route, and the route would ask the API
// without a credential.
document.getElementById('signout').addEventListener('click', () => { setCredential(''); history.replaceState(null, '', '#/'); signIn(); });

(async () => {
  try {
    const cfg = await (await fetch('config.json')).json();
    if (cfg.auth && !hasCredential()) { signIn(''); return; }
    await loadProjects(); start();
  }
  catch (err) {
    if (err instanceof ApiError && err.status === 401) signIn(hasCredential() ? err.message : '');
    else showError(err, main);
  }
})();
