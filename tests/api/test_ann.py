"""The HNSW index through Milvus REST: collections created as Milvus creates them (quick setup, v1
create, indexParams without indexType: AUTOINDEX; indexType HNSW) search a graph once they hold
1,024 rows or more. Recall@10 against a brute-force answer computed here, per-search ef
(searchParams.params.ef, v1 params.ef) with its bounds, deletes never returned and searches still
full after them, and the same answers after a restart (the graph's snapshot)."""
import random

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
        deletes(t, s, base, alive, queries)
        restart(t, s, queries)
        v1_and_index_types(t, s, base)
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


def restart(t, s, queries):
    before = [search(s, "ann", q, {"ef": 10}) for q in queries]
    t.eq("clean stop", s.stop(), 0)
    s.start()
    after = [search(s, "ann", q, {"ef": 10}) for q in queries]
    t.check("same answers after a restart (ef 10, so a different graph would show)", before == after)


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
