// vikingdb_sdk.js — the real @volcengine/openapi 1.36.2 VikingdbService (VikingDB V1, requests signed
// with Volcengine Signature V4, service "air") against a server started with --auth and an AK/SK pair
// made by `annovec key create`. Checks each result, that a deleted key is absent from the very next
// search, and that a request signed with a wrong secret is refused and changes nothing.
'use strict';
const { execFileSync } = require('node:child_process');
const path = require('node:path');

module.exports = async function vikingdbTests(t) {
  const { vikingdb } = require(path.join(t.DEPS, 'volcengine-openapi'));
  const s = await t.startServer(['--auth']);
  try {
    const out = execFileSync(t.BIN, ['key', 'create', '--data', s.data, '--project', 'viking'], { encoding: 'utf8' });
    const [ak, sk] = out.trim().split('\n').pop().split(' ');
    const svc = new vikingdb.VikingdbService({ ak, sk, region: 'cn-beijing' });
    for (const sub of [svc.collection, svc.index, svc.data, svc.search]) sub.region2Url['cn-beijing'] = s.endpoint;
    const coll = 'viking_c1';
    await svc.collection.CreateCollection({ CollectionName: coll, Description: 'sdk test', Fields: [
      { FieldName: 'Id', FieldType: vikingdb.FieldType.Int64, IsPrimary: true },
      { FieldName: 'Name', FieldType: vikingdb.FieldType.String, DefaultValue: '' },
      { FieldName: 'Price', FieldType: vikingdb.FieldType.Float32, DefaultValue: 0 },
      { FieldName: 'Vec', FieldType: vikingdb.FieldType.DenseVector, Dim: 4 } ] });
    let r = await svc.collection.GetCollectionInfo({ CollectionName: coll });
    t.eq('viking collection info fields', r.CollectionInfo.Fields.map((f) => [f.FieldName, f.FieldType]),
         [['Id', 'int64'], ['Name', 'string'], ['Price', 'float32'], ['Vec', 'vector']]);
    t.eq('viking collection info primary key', r.CollectionInfo.Fields[0].IsPrimary, true);
    await svc.index.CreateIndex({ CollectionName: coll, IndexName: 'i1', ShardConfig: { ShardPolicy: vikingdb.index.ShardPolicy.Auto },
      ScalarIndexes: ['Name', 'Price'], VectorIndex: { IndexType: vikingdb.index.IndexType.Hnsw, Distance: vikingdb.index.Distance.Ip,
      Quant: vikingdb.index.Quant.Float } });
    r = await svc.index.GetIndexInfo({ CollectionName: coll, IndexName: 'i1' });
    t.eq('viking index info', [r.IndexInfo.Status, r.IndexInfo.VectorIndex.Distance, r.IndexInfo.ScalarIndex.map((x) => x.FieldName)], ['READY', 'ip', ['Name', 'Price']]);
    const rows = [];
    for (let i = 1; i <= 12; i++) rows.push({ Id: i, Name: 'n' + i, Price: i * 1.5, Vec: [i, 1, 0, 0] });
    await svc.data.UpsertData({ CollectionName: coll, Fields: rows });
    r = await svc.collection.GetCollectionInfo({ CollectionName: coll });
    t.eq('viking data_number after upsert', r.CollectionInfo.Stat.DataNumber, 12);
    r = await svc.data.FetchCollectionData({ CollectionName: coll, PrimaryKeys: [3, 99] });
    t.eq('viking fetch (unknown keys omitted)', r.Data, [{ Id: 3, Name: 'n3', Price: 4.5, Vec: [3, 1, 0, 0] }]);
    r = await svc.search.SearchByVector({ CollectionName: coll, IndexName: 'i1', DenseVectors: [[1, 0, 0, 0]], Limit: 3 });
    t.eq('viking search by vector (ip: largest first)', r.Data[0].map((x) => [x.Id, x.Score]), [[12, 12], [11, 11], [10, 10]]);
    t.eq('viking search returns scalar fields', r.Data[0][0].Fields, { Name: 'n12', Price: 18 });
    r = await svc.search.SearchByVector({ CollectionName: coll, IndexName: 'i1', DenseVectors: [[1, 0, 0, 0]], Limit: 5,
      Filter: { Operation: 'range', FieldName: 'Price', LessThen: 6 } });
    t.eq('viking search with a range filter', r.Data[0].map((x) => x.Id), [3, 2, 1]);
    r = await svc.search.SearchByPrimaryKeys({ CollectionName: coll, IndexName: 'i1', PrimaryKeys: [2], Limit: 2 });
    t.eq('viking search by primary key', r.Data[0].map((x) => x.Id), [12, 11]);

    r = await svc.search.SearchAgg({ CollectionName: coll, IndexName: 'i1', Agg: { op: 'count' },
      Search: { filter: { op: 'range', field: 'Price', gte: 15 } } });
    t.eq('viking SearchAgg count with a filter', r.Data, { agg_op: 'count', group_by_field: '__NONE__', agg_result: { __TOTAL__: 3 } });
    await svc.data.DeleteData({ CollectionName: coll, PrimaryKeys: [12, 11] });
    r = await svc.search.SearchByVector({ CollectionName: coll, IndexName: 'i1', DenseVectors: [[1, 0, 0, 0]], Limit: 3 });
    t.eq('viking deleted keys are absent from the very next search', r.Data[0].map((x) => x.Id), [10, 9, 8]);
    r = await svc.data.FetchCollectionData({ CollectionName: coll, PrimaryKeys: [12, 10] });
    t.eq('viking deleted keys are absent from fetch', r.Data.map((x) => x.Id), [10]);
    r = await svc.search.SearchAgg({ CollectionName: coll, IndexName: 'i1', Agg: { op: 'count' } });
    t.eq('viking deleted keys are absent from the next count', r.Data.agg_result, { __TOTAL__: 10 });

    const bad = new vikingdb.VikingdbService({ ak, sk: '0'.repeat(40), region: 'cn-beijing' });
    bad.data.region2Url['cn-beijing'] = s.endpoint;
    let err = null;
    try { await bad.data.DeleteData({ CollectionName: coll, PrimaryKeys: [1] }); } catch (e) { err = e; }
    t.eq('viking wrong secret refused with 1000001', err && err.Code, 1000001);
    r = await svc.data.FetchCollectionData({ CollectionName: coll, PrimaryKeys: [1] });
    t.eq('viking refused delete changed nothing', r.Data.length, 1);
    err = null;
    try { await svc.data.DeleteData({ CollectionName: coll, PrimaryKeys: Array.from({ length: 101 }, (_, i) => i) }); } catch (e) { err = e; }
    t.eq('viking 101 keys refused with 1000003', err && err.Code, 1000003);
    r = await svc.collection.GetCollectionInfo({ CollectionName: coll });
    t.eq('viking over-limit delete changed nothing', r.CollectionInfo.Stat.DataNumber, 10);

    const task = new vikingdb.VikingdbService({ ak, sk, region: 'cn-beijing' }).task;
    task.region2Url['cn-beijing'] = s.endpoint;
    r = await task.CreateTask({ TaskType: 'filter_delete', TaskParams: { collection_name: coll,
      filter: { op: 'range', field: 'Price', lt: 4 }, need_confirm: true } });
    const tid = r.Data.task_id;
    r = await task.GetTaskInfo({ TaskId: tid });
    t.eq('viking filter_delete task waits with its count', [r.Data.process_info.task_status, r.Data.process_info.process_info.total_filter_count], ['confirm', 2]);
    await task.UpdateTask({ TaskType: tid, TaskStatus: 'confirmed' });   // the SDK names the id TaskType here
    r = await svc.data.FetchCollectionData({ CollectionName: coll, PrimaryKeys: [1, 2, 3] });
    t.eq('viking confirmed filter_delete removed the rows at once', r.Data.map((x) => x.Id), [3]);
    await svc.data.DeleteData({ CollectionName: coll, DeleteAll: true });
    r = await svc.search.SearchByVector({ CollectionName: coll, IndexName: 'i1', DenseVectors: [[1, 0, 0, 0]], Limit: 3 });
    t.eq('viking del_all: the next search is empty', r.Data, [[]]);
    await svc.index.DropIndex({ CollectionName: coll, IndexName: 'i1' });
    await svc.collection.DropCollection({ CollectionName: coll });
    err = null;
    try { await svc.collection.GetCollectionInfo({ CollectionName: coll }); } catch (e) { err = e; }
    t.eq('viking dropped collection: 1000005', err && err.Code, 1000005);
  } catch (e) {
    t.check('vikingdb client suite ran to the end', false, String(e && (e.stack || e.Message) || e) + (e && e.Code ? ' code ' + e.Code + ' ' + e.Message : ''));
  } finally {
    t.eq('vikingdb server stops with status 0', await t.stopServer(s), 0);
  }
};
