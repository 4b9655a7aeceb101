"""The HNSW index through Milvus REST: collections created as Milvus creates them (quick setup, v1
create, indexParams without indexType: AUTOINDEX; indexType HNSW) search a graph once they hold
1,024 rows or more. Recall@10 against a brute-force answer computed here, per-search ef
(searchParams.params.ef, v1 params.ef) with its bounds, deletes never returned and searches still
full after them, and the same answers after a restart (the graph's snapshot)."""
import random
import time

import lib

DIM = 8
N = 3000


def vectors(seed, n):
    rnd = random.Random(seed)
    centres = [[rnd.uniform(-10, 10) for _ in range(DIM)] for _ in range(10)]
    return [[c + rnd.gauss(0, 1.5) for c in centres[i % 10]] for i in range(n)]


def exact(base, alive, q, k=10):
    d = sorted((sum((a - b) ** 2 for a, b in zip(v, q)), i) for i, v in enumerate(base) if alive[i])
    return [i for _, i in d[:k]]


def search(s, name, q, params=None, limit=10):
    body = {"collectionName": name, "data": [q], "limit": limit, "outputFields": ["id"]}
    if params is not None:
        body["searchParams"] = {"params": params}
    return s.v2("entities/search", body)


def recall(s, name, base, alive, queries, params=None):
    found = total = short = 0
    for q in queries:
        r = search(s, name, q, params)
        got = [h["id"] for h in r.get("data", [])]
        want = exact(base, alive, q)
        short += len(got) < len(want)
        found += len(set(got) & set(want))
        total += len(want)
    return found / total, short


def run(t):
    s = lib.Server()
    try:
        base = vectors(1, N)
        queries = [[x + 0.3 for x in v] for v in vectors(2, 30)]
        t.code("quick create", s.v2("collections/create", {"collectionName": "ann", "dimension": DIM}), 0)
        for at in range(0, N, 500):
            rows = [{"id": i, "vector": base[i]} for i in range(at, at + 500)]
            t.code("insert %d" % at, s.v2("entities/insert", {"collectionName": "ann", "data": rows}), 0)
        alive = [True] * N
        r, short = recall(s, "ann", base, alive, queries)
        t.check("recall@10 >= 0.95 (default ef): %.3f" % r, r >= 0.95)
        t.eq("every search full", short, 0)
        r, _ = recall(s, "ann", base, alive, queries, {"ef": 200})
        t.check("recall@10 >= 0.98 with ef 200: %.3f" % r, r >= 0.98)
        bad_params(t, s, queries[0])
        restart(t, s, queries)
        deletes(t, s, base, alive, queries)
        restart_after_deletes(t, s, base, alive, queries)
        v1_and_index_types(t, s, base)
        vikingdb_index(t, s, base, queries)
    finally:
        s.cleanup()


def bad_params(t, s, q):
    before = search(s, "ann", q)
    for bad in ({"ef": 0}, {"ef": 32769}, {"ef": "64"}, {"ef": 1.5}):
        r = search(s, "ann", q, bad)
        t.check("ef %r refused" % (bad["ef"],), r.get("code") not in (0, None) and "ef" in r.get("message", ""), r)
    t.eq("nothing changed by the refused searches", search(s, "ann", q), before)
    t.code("ef 16384 accepted", search(s, "ann", q, {"ef": 16384}), 0)


def deletes(t, s, base, alive, queries):
    gone = [i for i in range(N) if i % 2 == 0]
    for at in range(0, len(gone), 100):
        ids = gone[at:at + 100]
        r = s.v2("entities/delete", {"collectionName": "ann", "filter": "id in %s" % ids})
        t.code("delete %d" % at, r, 0)
    for i in gone:
        alive[i] = False
    returned_deleted = 0
    for q in queries:
        got = [h["id"] for h in search(s, "ann", q).get("data", [])]
        returned_deleted += sum(1 for i in got if not alive[i])
    t.eq("no deleted id returned", returned_deleted, 0)
    r, short = recall(s, "ann", base, alive, queries)
    t.check("recall@10 >= 0.95 after deleting half: %.3f" % r, r >= 0.95)
    t.eq("every search full after deleting half", short, 0)
    # a filter leaving few rows still gets `limit` hits (the exact fallback)
    r = s.v2("entities/search", {"collectionName": "ann", "data": [queries[0]], "limit": 10,
                                 "filter": "id < 40", "outputFields": ["id"]})
    few = [a and i < 40 for i, a in enumerate(alive)]
    t.eq("selective filter: the exact 10 best of the 20 matching live rows",
         [h["id"] for h in r["data"]], exact(base, few, queries[0]))


def settled(s, name, deadline_s=120):
    """Waits (polling describe) until the collection's index has no background work left."""
    end = time.monotonic() + deadline_s
    while index_state(s, name)[2] != "Finished" and time.monotonic() < end:
        time.sleep(0.05)
    return index_state(s, name)[2] == "Finished"


def restart(t, s, queries):
    before = [search(s, "ann", q, {"ef": 10}) for q in queries]
    t.eq("clean stop", s.stop(), 0)
    s.start()
    after = [search(s, "ann", q, {"ef": 10}) for q in queries]
    t.check("same answers after a restart (ef 10, so a different graph would show)", before == after)


def restart_after_deletes(t, s, base, alive, queries):
    """Deletes that did not reach a repair leave tombstones, which a snapshot never holds (nor any
    edge to one): the graph loaded may walk otherwise, but it returns no deleted row and keeps its
    recall."""
    t.check("the repair after the deletes ends (describe: indexState Finished)", settled(s, "ann"))
    t.eq("clean stop after the deletes", s.stop(), 0)
    s.start()
    got = [h["id"] for q in queries for h in search(s, "ann", q).get("data", [])]
    t.eq("after a restart: no deleted id returned", [i for i in got if not alive[i]], [])
    r, short = recall(s, "ann", base, alive, queries)
    t.check("after a restart: recall@10 >= 0.95: %.3f" % r, r >= 0.95)
    t.eq("after a restart: every search full", short, 0)


def v1_and_index_types(t, s, base):
    t.code("v1 create", s.post("/v1/vector/collections/create", {"collectionName": "v1ann", "dimension": DIM})[1], 200)
    rows = [{"vector": v} for v in base[:1500]]
    t.code("v1 insert", s.post("/v1/vector/insert", {"collectionName": "v1ann", "data": rows})[1], 200)
    r = s.post("/v1/vector/search", {"collectionName": "v1ann", "vector": base[7], "limit": 3, "params": {"ef": 0}})[1]
    t.check("v1 params.ef 0 refused", r.get("code") not in (0, 200), r)
    r = s.post("/v1/vector/search", {"collectionName": "v1ann", "vector": base[7], "limit": 3, "params": {"ef": 64}})[1]
    t.code("v1 search with ef", r, 200)
    t.eq("v1 nearest is the row itself", r["data"][0]["distance"], 0.0)
    schema = {"fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": True},
                         {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": str(DIM)}}]}
    for name, idx in (("flat", {"indexType": "FLAT"}), ("hnsw", {"indexType": "HNSW"})):
        body = {"collectionName": name, "schema": schema, "indexParams": [dict({"fieldName": "v", "metricType": "L2"}, **idx)]}
        t.code("create %s" % name, s.v2("collections/create", body), 0)
        s.v2("entities/insert", {"collectionName": name, "data": [{"id": i, "v": base[i]} for i in range(1200)]})
        r = s.v2("entities/search", {"collectionName": name, "data": [base[5]], "limit": 1, "annsField": "v",
                                     "searchParams": {"params": {"ef": 32}}})
        t.eq("%s finds the row itself" % name, [h["id"] for h in r["data"]], [5])


def vk(s, path, body):
    return s.request("POST", path, body)[:2]


def index_state(s, name):
    r = s.v2("collections/describe", {"collectionName": name})
    return tuple(r.get("data", {}).get("indexes", [{}])[0].get(k) for k in ("indexType", "metricType", "indexState"))


def vikingdb_index(t, s, base, queries):
    """VikingDB: a collection searches exactly until /api/index/create names a graph (hnsw, ivf,
    diskann: annovec's HNSW; flat: exact) with its distance; the graph is built from the rows already
    there while searches answer exactly; hnsw_sef is the search's ef; Milvus's describe tells."""
    st, js = vk(s, "/api/collection/create", {"collection_name": "vk", "primary_key": "id", "fields": [
        {"field_name": "id", "field_type": "int64"}, {"field_name": "v", "field_type": "vector", "dim": DIM}]})
    t.check("VikingDB collection create", st == 200 and js["code"] == 0, js)
    for at in range(0, N, 100):
        st, js = vk(s, "/api/collection/upsert_data", {"collection_name": "vk", "fields": [{"id": i, "v": base[i]} for i in range(at, at + 100)]})
        if js["code"] != 0:
            t.check("upsert %d" % at, False, js)
    t.eq("before any index: exact", index_state(s, "vk")[0], "FLAT")
    for bad in (0, 40000, "200", 1.5):
        st, js = vk(s, "/api/index/create", {"collection_name": "vk", "index_name": "i",
                                             "vector_index": {"index_type": "hnsw", "distance": "l2", "hnsw_sef": bad}})
        t.check("hnsw_sef %r refused (1000003)" % (bad,), st == 400 and js["code"] == 1000003 and "hnsw_sef" in js["message"], js)
    st, js = vk(s, "/api/index/info", {"collection_name": "vk", "index_name": "i"})
    t.check("... and no index was made", js["code"] == 1000008, js)
    t.eq("... nor the collection changed", index_state(s, "vk")[0], "FLAT")
    st, js = vk(s, "/api/index/create", {"collection_name": "vk", "index_name": "i",
                                         "vector_index": {"index_type": "hnsw", "distance": "l2", "hnsw_sef": 200}})
    t.check("index/create hnsw l2 with hnsw_sef 200", st == 200 and js["code"] == 0, js)
    kind, metric, state = index_state(s, "vk")
    t.eq("Milvus describe: the collection now searches an HNSW graph for L2", (kind, metric), ("HNSW", "L2"))
    t.check("... built or being built", state in ("InProgress", "Finished"), state)
    alive = [True] * N
    found = total = 0
    for q in queries:   # exact while the build runs, the graph once it is done: recall holds either way
        st, js = vk(s, "/api/index/search", {"collection_name": "vk", "index_name": "i", "search": {
            "order_by_vector": {"vectors": [q]}, "limit": 10}})
        got = [h["id"] for h in js["data"][0]]
        want = exact(base, alive, q)
        found += len(set(got) & set(want))
        total += len(want)
    t.check("VikingDB search recall@10 >= 0.95: %.3f" % (found / total), found / total >= 0.95)
    st, js = vk(s, "/api/index/create", {"collection_name": "vk", "index_name": "f",
                                         "vector_index": {"index_type": "flat", "distance": "ip"}})
    t.eq("a flat index made last: exact, for IP", index_state(s, "vk")[:2], ("FLAT", "IP"))
