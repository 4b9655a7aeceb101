// sdk.test.js — the real @zilliz/milvus2-sdk-node HttpClient against a started annovec:
// 3.0.6 speaks REST v2, 2.3.5 speaks v1. Each step checks the exact result the SDK hands back,
// including that a deleted id is absent from the very next get, query, count(*) and search.
// Then vikingdb_sdk.js drives @volcengine/openapi (VikingDB V1) the same way.
// Ends with "N passed, N failed"; exits non-zero on any failure.
'use strict';
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const BIN = process.env.AV_BIN || path.join(ROOT, process.env.BUILD || 'build', 'annovec');
const DEPS = path.join(__dirname, '.deps', 'node_modules');
const BIG = '449223424352133601'; // above 2^53: must come back exactly

let passed = 0, failed = 0;
function check(name, cond, detail) {
  if (cond) passed++;
  else { failed++; console.log(`FAIL ${name} ${detail === undefined ? '' : JSON.stringify(detail).slice(0, 400)}`); }
}
function eq(name, got, want) {
  check(name, JSON.stringify(got) === JSON.stringify(want), { got, want });
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

// Starts the server; resolves once it printed "listening on" (no sleeps).
async function startServer(extra = []) {
  const port = await freePort();
  const data = fs.mkdtempSync(path.join(os.tmpdir(), 'avsdk-'));
  const proc = spawn(BIN, ['serve', '--data', data, '--listen', `127.0.0.1:${port}`, '--log-level', 'quiet', ...extra],
                     { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  await new Promise((resolve, reject) => {
    proc.stderr.on('data', (b) => { log += b; if (log.includes('listening on')) resolve(); });
    proc.on('exit', (c) => reject(new Error(`server exited ${c}: ${log}`)));
  });
  return { port, data, proc, endpoint: `http://127.0.0.1:${port}` };
}

async function stopServer(s) {
  const done = new Promise((resolve) => s.proc.on('exit', (code) => resolve(code)));
  s.proc.kill('SIGTERM');
  const code = await done;
  fs.rmSync(s.data, { recursive: true, force: true });
  return code;
}

const vec = (i) => [i % 5, 1, (i % 3) / 2, 0.25];

async function v2Tests(endpoint) {
  const { HttpClient } = require(path.join(DEPS, 'milvus306'));
  const c = new HttpClient({ endpoint });                       // sends Accept-Type-Allow-Int64: false
  const c64 = new HttpClient({ endpoint, acceptInt64: true });
  const name = 'sdk_v2';
  let r = await c.createCollection({ collectionName: name, dimension: 4, metricType: 'L2', idType: 'Int64', autoID: false });
  eq('v2 createCollection', r, { code: 0, data: {} });
  r = await c.hasCollection({ collectionName: name });
  eq('v2 hasCollection', r.data, { has: true });
  r = await c.listCollections({});
  eq('v2 listCollections', r.data, [name]);
  r = await c.describeCollection({ collectionName: name });
  eq('v2 describeCollection fields', r.data.fields.map((f) => [f.name, f.type, f.primaryKey]), [['id', 'Int64', true], ['vector', 'FloatVector', false]]);
  eq('v2 describeCollection metric', r.data.indexes[0].metricType, 'L2');

  const rows = [];
  for (let i = 1; i <= 20; i++) rows.push({ id: i, vector: vec(i), color: i % 2 ? 'red' : 'blue', n: i });
  r = await c.insert({ collectionName: name, data: rows });
  eq('v2 insert count', r.data.insertCount, 20);
  eq('v2 insert ids as strings (Accept-Type-Allow-Int64: false)', r.data.insertIds.slice(0, 3), ['1', '2', '3']);
  // a JSON number above 2^53 cannot be written from JS without losing it, so send the big id as a string
  r = await c.insert({ collectionName: name, data: [{ id: BIG, vector: [9, 9, 9, 9], color: 'big' }] });
  eq('v2 insert id above 2^53', r.data.insertIds, [BIG]);
  r = await c.get({ collectionName: name, id: [BIG], outputFields: ['color'] });
  eq('v2 get id above 2^53 exact', r.data, [{ id: BIG, color: 'big' }]);
  r = await c.get({ collectionName: name, id: [1, 2], outputFields: ['color', 'n'] });
  eq('v2 get', r.data, [{ id: '1', color: 'red', n: 1 }, { id: '2', color: 'blue', n: 2 }]);
  r = await c64.get({ collectionName: name, id: [3], outputFields: ['vector'] });
  eq('v2 get with acceptInt64 and vector', r.data, [{ id: 3, vector: vec(3) }]);
  r = await c.query({ collectionName: name, filter: 'color == "red" and n < 8', outputFields: ['n'] });
  eq('v2 query', r.data.map((x) => x.n), [1, 3, 5, 7]);
  r = await c.query({ collectionName: name, filter: '', outputFields: ['count(*)'] });
  eq('v2 count(*)', r.data, [{ 'count(*)': 21 }]);
  r = await c.search({ collectionName: name, data: [vec(7)], limit: 3, outputFields: ['n'] });
  eq('v2 search top hit', [r.data[0].id, r.data[0].distance], ['7', 0]);
  check('v2 search ascending L2', r.data[0].distance <= r.data[1].distance && r.data[1].distance <= r.data[2].distance, r.data);
  r = await c.search({ collectionName: name, data: [vec(1), vec(9)], limit: 2 });
  check('v2 search nq=2 split by topks', Array.isArray(r.data[0]) && r.data.length === 2 && r.data[1].length === 2, r);
  r = await c.getCollectionStatistics({ collectionName: name });
  eq('v2 get_stats', r.data.rowCount, 21);

  r = await c.delete({ collectionName: name, filter: 'id in [2, 7, 12, 999]' });
  eq('v2 delete deleteCount (rows actually deleted)', r.data, { deleteCount: 3 });
  r = await c.get({ collectionName: name, id: [2, 7, 12] });
  eq('v2 deleted ids gone from the next get', r.data, []);
  r = await c.query({ collectionName: name, filter: 'id in [2, 7, 12]' });
  eq('v2 deleted ids gone from the next query', r.data, []);
  r = await c.query({ collectionName: name, filter: '', outputFields: ['count(*)'] });
  eq('v2 count(*) after delete', r.data, [{ 'count(*)': 18 }]);
  r = await c.search({ collectionName: name, data: [vec(7)], limit: 5 });
  check('v2 deleted ids gone from the next search', r.data.every((x) => !['2', '7', '12'].includes(x.id)) && r.data.length === 5, r.data);
  r = await c.getCollectionStatistics({ collectionName: name });
  eq('v2 get_stats after delete', r.data.rowCount, 18);
  r = await c.upsert({ collectionName: name, data: [{ id: 7, vector: vec(7), color: 'back' }] });
  eq('v2 upsert after delete', r.data.upsertCount, 1);
  r = await c.get({ collectionName: name, id: 7, outputFields: ['color'] });
  eq('v2 upsert re-created the entity', r.data, [{ id: '7', color: 'back' }]);
  r = await c.delete({ collectionName: name, filter: 'true' });
  check('v2 always-true delete refused', r.code === 1100, r);
  r = await c.query({ collectionName: name, filter: '', outputFields: ['count(*)'] });
  eq('v2 refused delete changed nothing', r.data, [{ 'count(*)': 19 }]);

  // aliases: every call that names a collection takes an alias
  r = await c.createAlias({ collectionName: name, aliasName: 'sdk_alias' });
  eq('v2 createAlias', r, { code: 0, data: {} });
  r = await c.listAliases({});
  eq('v2 listAliases', r.data, ['sdk_alias']);
  r = await c.describeAlias({ aliasName: 'sdk_alias' });
  eq('v2 describeAlias', r.data, { dbName: 'default', collectionName: name, aliasName: 'sdk_alias' });
  r = await c.get({ collectionName: 'sdk_alias', id: [7], outputFields: ['color'] });
  eq('v2 get through the alias', r.data, [{ id: '7', color: 'back' }]);
  r = await c.insert({ collectionName: 'sdk_alias', data: [{ id: 100, vector: vec(100), color: 'via-alias' }] });
  eq('v2 insert through the alias', r.data.insertIds, ['100']);
  r = await c.search({ collectionName: 'sdk_alias', data: [vec(100)], limit: 1, outputFields: ['color'] });
  eq('v2 search through the alias', r.data[0].color, 'via-alias');
  r = await c.describeCollection({ collectionName: name });
  eq('v2 describeCollection lists the alias', r.data.aliases, ['sdk_alias']);
  r = await c.dropCollection({ collectionName: name });
  eq('v2 dropCollection refused while an alias names it', [r.code, r.message],
     [65535, `unable to drop the collection [${name}] because it has associated aliases [sdk_alias], please remove all aliases before dropping the collection`]);
  await c.createCollection({ collectionName: 'sdk_v2b', dimension: 4 });
  r = await c.alterAlias({ collectionName: 'sdk_v2b', aliasName: 'sdk_alias' });
  eq('v2 alterAlias', r.code, 0);
  r = await c.query({ collectionName: 'sdk_alias', filter: '', outputFields: ['count(*)'] });
  eq('v2 reads follow alterAlias', r.data, [{ 'count(*)': 0 }]);
  r = await c.describeAlias({ aliasName: 'nope' });
  eq('v2 describeAlias of a missing alias', [r.code, r.message], [1600, 'alias not found[database=default][alias=nope]']);
  // properties
  r = await c.alterCollectionProperties({ collectionName: 'sdk_alias', properties: { 'collection.ttl.seconds': 3600, 'mmap.enabled': true } });
  eq('v2 alterCollectionProperties through the alias', r.code, 0);
  r = await c.describeCollection({ collectionName: 'sdk_v2b' });
  eq('v2 describeCollection shows the properties', r.data.properties,
     [{ key: 'collection.ttl.seconds', value: '3600' }, { key: 'mmap.enabled', value: 'true' }]);
  r = await c.dropCollectionProperties({ collectionName: 'sdk_v2b', propertyKeys: ['mmap.enabled'] });
  eq('v2 dropCollectionProperties', r.code, 0);
  r = await c.describeCollection({ collectionName: 'sdk_v2b' });
  eq('v2 describeCollection after dropCollectionProperties', r.data.properties, [{ key: 'collection.ttl.seconds', value: '3600' }]);
  r = await c.refreshLoad({ collectionName: 'sdk_v2b' });
  eq('v2 refreshLoad', r.code, 0);
  r = await c.compactCollection({ collectionName: 'sdk_v2b' });
  const job = r.data.compactionID;
  r = await c.getCompactionState({ collectionName: 'sdk_v2b', compactionID: job });
  eq('v2 getCompactionState (the SDK sends compactionID)', [r.code, r.data.state, r.data.compactionID], [0, 'Completed', job]);
  r = await c.createDatabase({ dbName: 'sdk_db' });
  eq('v2 createDatabase', r.code, 0);
  r = await c.alterDatabaseProperties({ dbName: 'sdk_db', properties: { 'database.max.collections': 5 } });
  eq('v2 alterDatabaseProperties', r.code, 0);
  r = await c.describeDatabase({ dbName: 'sdk_db' });
  eq('v2 describeDatabase', [r.data.dbName, r.data.properties, typeof r.data.dbID], ['sdk_db', [{ key: 'database.max.collections', value: '5' }], 'number']);
  r = await c.dropDatabaseProperties({ dbName: 'sdk_db', propertyKeys: ['database.max.collections'] });
  eq('v2 dropDatabaseProperties', r.code, 0);
  r = await c.describeDatabase({ dbName: 'sdk_db' });
  eq('v2 describeDatabase after dropDatabaseProperties', r.data.properties, []);
  r = await c.dropDatabase({ dbName: 'sdk_db' });
  eq('v2 dropDatabase', r.code, 0);
  r = await c.dropAlias({ aliasName: 'sdk_alias' });
  eq('v2 dropAlias', r.code, 0);
  r = await c.listAliases({});
  eq('v2 listAliases after drop', r.data, []);
  r = await c.dropCollection({ collectionName: 'sdk_v2b' });
  eq('v2 dropCollection of the second collection', r.code, 0);

  r = await c.dropCollection({ collectionName: name });
  eq('v2 dropCollection', r.code, 0);
  r = await c.search({ collectionName: name, data: [vec(1)], limit: 1 });
  check('v2 search on a dropped collection: code 100', r.code === 100, r);
  r = await c.hasCollection({ collectionName: name });
  eq('v2 hasCollection after drop', r.data, { has: false });
}

async function v1Tests(endpoint) {
  const { HttpClient } = require(path.join(DEPS, 'milvus235'));
  const c = new HttpClient({ endpoint, version: 'v1' });
  const name = 'sdk_v1';
  let r = await c.createCollection({ collectionName: name, dimension: 4, metricType: 'COSINE' });
  eq('v1 createCollection', r, { code: 200, data: {} });
  r = await c.listCollections({});
  eq('v1 listCollections', r.data, [name]);
  r = await c.describeCollection({ collectionName: name });
  eq('v1 describeCollection', r.data.fields.map((f) => [f.name, f.type, f.autoId]), [['id', 'Int64', true], ['vector', 'FloatVector(4)', false]]);
  const data = [];
  for (let i = 1; i <= 10; i++) data.push({ vector: vec(i), color: i % 2 ? 'red' : 'blue', n: i });
  r = await c.insert({ collectionName: name, data });
  eq('v1 insert count', r.data.insertCount, 10);
  const ids = r.data.insertIds;
  check('v1 autoID ids are distinct JS-safe integers', new Set(ids).size === 10 && ids.every(Number.isSafeInteger), ids);
  r = await c.query({ collectionName: name, filter: 'n >= 1', outputFields: ['n'], limit: 100 });
  eq('v1 query returns every row', r.data.length, 10);
  const byN = {};
  for (const row of r.data) byN[row.n] = row.id;
  eq('v1 query ids are the inserted ids', Object.values(byN).sort(), ids.slice().sort());
  r = await c.get({ collectionName: name, id: [byN[1], byN[2]], outputFields: ['color', 'n'] });
  check('v1 get (GET with a query string in SDK 2.3.5)', r.code === 200 && r.data.length === 2 && r.data.map((x) => x.n).sort().join() === '1,2', r);
  r = await c.search({ collectionName: name, vector: vec(3), limit: 3, outputFields: ['n'] });
  check('v1 search top hit has cosine 1', r.code === 200 && Math.abs(r.data[0].distance - 1) < 1e-6 && [3, 8].includes(r.data[0].n), r);
  const victims = r.data.slice(0, 2).map((x) => x.n);
  r = await c.delete({ collectionName: name, id: victims.map((n) => byN[n]) });
  eq('v1 delete by id array', r, { code: 200, data: {} });
  r = await c.query({ collectionName: name, filter: `n in [${victims.join(',')}]`, outputFields: ['n'] });
  eq('v1 deleted rows gone from the next query', r.data, []);
  r = await c.search({ collectionName: name, vector: vec(3), limit: 10, outputFields: ['n'] });
  check('v1 deleted rows gone from the next search', r.data.length === 8 && r.data.every((x) => !victims.includes(x.n)), r.data);
  r = await c.query({ collectionName: name, filter: 'n > 0', outputFields: ['count(*)'], limit: 0 });
  eq('v1 count(*) after delete', r.data, [{ 'count(*)': 8 }]);
  const many = []; for (let i = 0; i < 101; i++) many.push(i);
  r = await c.delete({ collectionName: name, id: many });
  eq('v1 delete of 101 ids refused with 90140', r.code, 90140);
  r = await c.upsert({ collectionName: name, data: [{ vector: vec(1), color: 'via-upsert', n: 99 }] });
  eq('v1 upsert() (posts to /insert in SDK 2.3.5)', r.data.insertCount, 1);
  r = await c.dropCollection({ collectionName: name });
  eq('v1 dropCollection', r, { code: 200, data: {} });
  r = await c.listCollections({});
  eq('v1 list after drop', r.data, []);
}

(async () => {
  let s;
  try {
    s = await startServer();
    await v2Tests(s.endpoint);
    await v1Tests(s.endpoint);
  } catch (e) {
    check('client suite ran to the end', false, String(e && e.stack || e));
  }
  if (s) eq('server stops with status 0 on SIGTERM', await stopServer(s), 0);
  await require('./vikingdb_sdk.js')({ check, eq, startServer, stopServer, BIN, DEPS });
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
