"""Milvus v1 (/v1/vector): all ten endpoints, good input and bad input with Zilliz's v1 codes, and
the delete rules of the Zilliz delete document (id scalar/string/array, 100-id cap, filter wins)."""
import lib


def v1(s, path, body=None, method="POST", **kw):
    if method == "GET":
        return s.request("GET", "/v1/vector/" + path, **kw)[1]
    return s.request("POST", "/v1/vector/" + path, body if body is not None else {}, **kw)[1]


def count(s, name="c"):
    return v1(s, "query", {"collectionName": name, "filter": "id > 0", "outputFields": ["count(*)"], "limit": 0})["data"][0]["count(*)"]


def run(t):
    s = lib.Server()
    try:
        good(t, s)
        deletes(t, s)
        bad(t, s)
    finally:
        s.cleanup()


def good(t, s):
    t.eq("list empty", v1(s, "collections", method="GET"), {"code": 200, "data": []})
    r = v1(s, "collections/create", {"collectionName": "c", "dimension": 4, "metricType": "COSINE"})
    t.eq("create", r, {"code": 200, "data": {}})
    t.eq("list", v1(s, "collections", method="GET")["data"], ["c"])
    d = v1(s, "collections/describe?collectionName=c", method="GET")["data"]
    t.eq("describe fields", [(f["name"], f["type"], f["primaryKey"], f["autoId"]) for f in d["fields"]],
         [("id", "Int64", True, True), ("vector", "FloatVector(4)", False, False)])
    t.eq("describe index (and what searches use: v1 create builds AUTOINDEX)", d["indexes"],
         [{"fieldName": "vector", "indexName": "vector_idx", "metricType": "COSINE", "indexType": "AUTOINDEX", "indexState": "Finished"}])
    t.eq("describe load", d["load"], "LoadStateLoaded")
    r = v1(s, "insert", {"collectionName": "c", "data": [{"vector": [0.1, 0.2, 0.3, 0.4], "color": "red"},
                                                          {"vector": [0.4, 0.3, 0.2, 0.1], "color": "blue"},
                                                          {"vector": [1, 1, 1, 1], "color": "red"}]})
    t.eq("insert count", r["data"]["insertCount"], 3)
    ids = r["data"]["insertIds"]
    t.check("autoID ids are distinct, increasing and below 2^53 (exact in JavaScript)",
            len(set(ids)) == 3 and ids == sorted(ids) and all(isinstance(i, int) and 2 ** 40 < i < 2 ** 53 for i in ids), ids)
    r = v1(s, "insert", {"collectionName": "c", "data": {"vector": [0, 0, 0, 1], "color": "single"}})
    t.eq("insert one object", r["data"]["insertCount"], 1)
    single = r["data"]["insertIds"][0]
    st, js, text, _ = s.request("POST", "/v1/vector/get", {"collectionName": "c", "id": ids[0]}, headers={"Accept-Type-Allow-Int64": "false"})
    t.check("int64 as string with the header", '"id":"%d"' % ids[0] in text, text)
    r = v1(s, "get", {"collectionName": "c", "id": ids[:2], "outputFields": ["color"]})
    t.eq("get by id array", [(x["id"], x["color"]) for x in r["data"]], [(ids[0], "red"), (ids[1], "blue")])
    r = v1(s, "get?collectionName=c&id=%d%%2C%d&outputFields=*&dbName=default" % (ids[0], ids[2]), method="GET")
    t.eq("GET get (what SDK 2.3.x sends)", sorted(x["id"] for x in r["data"]), sorted([ids[0], ids[2]]))
    r = v1(s, "query", {"collectionName": "c", "filter": "color == \"red\"", "outputFields": ["color"], "limit": 10})
    t.eq("query", sorted(x["id"] for x in r["data"]), sorted([ids[0], ids[2]]))
    r = v1(s, "search", {"collectionName": "c", "vector": [0.1, 0.2, 0.3, 0.4], "limit": 2, "outputFields": ["color"]})
    t.eq("search top hit", (r["data"][0]["id"], r["data"][0]["color"]), (ids[0], "red"))
    t.check("search cosine distance of identical vector is 1", abs(r["data"][0]["distance"] - 1) < 1e-6, r)
    t.check("search descending for COSINE", r["data"][0]["distance"] >= r["data"][1]["distance"], r)
    r = v1(s, "search", {"collectionName": "c", "vector": [0.1, 0.2, 0.3, 0.4], "limit": 10, "filter": "color == \"blue\""})
    t.eq("search with filter; rows carry only id and distance", [sorted(x.keys()) for x in r["data"]], [["distance", "id"]])
    r = v1(s, "search", {"collectionName": "c", "vector": [0.1, 0.2, 0.3, 0.4], "limit": 10, "params": {"radius": 0.9, "range_filter": 1.0}})
    t.check("search radius/range_filter (0.9 < d <= 1)", r["data"] and all(0.9 < x["distance"] <= 1.0 + 1e-6 for x in r["data"]), r)
    r = v1(s, "upsert", {"collectionName": "c", "data": [{"id": single, "vector": [0, 0, 1, 0], "color": "up"}]})
    t.eq("upsert", r["data"]["upsertCount"], 1)
    t.eq("upsert replaced", v1(s, "get", {"collectionName": "c", "id": single, "outputFields": ["color"]})["data"][0]["color"], "up")
    t.eq("count", count(s), 4)
    # a v2-created collection with a VarChar key is reachable from v1 (row key is always "id")
    s.v2("collections/create", {"collectionName": "sc", "dimension": 2, "idType": "VarChar", "params": {"max_length": 16}, "primaryFieldName": "key"})
    s.v2("entities/insert", {"collectionName": "sc", "data": [{"key": "a", "vector": [1, 0]}, {"key": "b", "vector": [0, 1]}, {"key": "c", "vector": [1, 1]}]})
    r = v1(s, "collections/create", {"collectionName": "dz", "dimension": 2, "enableDynamicField": False})
    t.eq("create with the dynamic field off", r["code"], 200)
    r = v1(s, "search", {"collectionName": "sc", "vector": [1, 0], "limit": 1})
    t.eq("v1 search on VarChar pk uses the key 'id'", r["data"][0]["id"], "a")


def deletes(t, s):
    s.v2("collections/create", {"collectionName": "d", "dimension": 2, "autoID": False})
    s.v2("entities/insert", {"collectionName": "d", "data": [{"id": i, "vector": [i, 1], "tag": i % 3} for i in range(1, 301)]})
    t.eq("delete one int id", v1(s, "delete", {"collectionName": "d", "id": 1}), {"code": 200, "data": {}})
    t.eq("delete one string id", v1(s, "delete", {"collectionName": "d", "id": "2"})["code"], 200)
    t.eq("delete array of ints", v1(s, "delete", {"collectionName": "d", "id": [3, 4, 5]})["code"], 200)
    t.eq("delete array of strings", v1(s, "delete", {"collectionName": "d", "id": ["6", "7"]})["code"], 200)
    t.eq("delete 100 ids (the cap)", v1(s, "delete", {"collectionName": "d", "id": list(range(101, 201))})["code"], 200)
    t.eq("delete unknown ids is not an error", v1(s, "delete", {"collectionName": "d", "id": [99999]})["code"], 200)
    t.eq("delete empty array matches nothing", v1(s, "delete", {"collectionName": "d", "id": []})["code"], 200)
    t.eq("count after id deletes", count(s, "d"), 300 - 7 - 100)
    r = v1(s, "get", {"collectionName": "d", "id": [1, 2, 3, 6, 150, 8]})
    t.eq("deleted ids gone from get", [x["id"] for x in r["data"]], [8])
    r = v1(s, "search", {"collectionName": "d", "vector": [1, 1], "limit": 100})
    t.check("deleted ids gone from search", not ({1, 2, 3, 4, 5, 6, 7} | set(range(101, 201))) & {x["id"] for x in r["data"]}, r)
    t.eq("delete by filter", v1(s, "delete", {"collectionName": "d", "filter": "tag == 0 and id < 100"})["code"], 200)
    t.eq("filter delete applied", v1(s, "query", {"collectionName": "d", "filter": "tag == 0 and id < 100", "limit": 100})["data"], [])
    before = count(s, "d")
    t.eq("filter takes precedence over id", v1(s, "delete", {"collectionName": "d", "id": [8], "filter": "id in [10]"})["code"], 200)
    t.eq("... id 8 still there", [x["id"] for x in v1(s, "get", {"collectionName": "d", "id": [8, 10]})["data"]], [8])
    t.eq("... one row deleted", count(s, "d"), before - 1)


def bad(t, s):
    before = count(s, "d")
    cases = [
        ("101 ids", "delete", {"collectionName": "d", "id": list(range(201, 302))}, 90140, "100"),
        ("101 ids, all valid, none deleted", "delete", {"collectionName": "d", "id": [8] + list(range(202, 302))}, 90140, None),
        ("no id and no filter", "delete", {"collectionName": "d"}, 90124, "id"),
        ("id null", "delete", {"collectionName": "d", "id": None}, 90132, None),
        ("id float", "delete", {"collectionName": "d", "id": 1.5}, 90139, "Int64"),
        ("id bool in array (one bad id)", "delete", {"collectionName": "d", "id": [8, True]}, 90139, None),
        ("id object", "delete", {"collectionName": "d", "id": {"a": 1}}, 90139, None),
        ("id non-numeric string", "delete", {"collectionName": "d", "id": [8, "abc"]}, 90123, "abc"),
        ("id number for VarChar key", "delete", {"collectionName": "sc", "id": [5]}, 90139, "VarChar"),
        ("unknown collection", "delete", {"collectionName": "nope", "id": [1]}, 90001, "nope"),
        ("invalid collection name", "delete", {"collectionName": "a/b", "id": [1]}, 90011, None),
        ("collection name of 300 chars", "delete", {"collectionName": "a" * 300, "id": [1]}, 90011, "255"),
        ("malformed JSON", "delete", '{"collectionName": "d", "id": [1,', 80000, "json"),
        ("filter syntax error", "delete", {"collectionName": "d", "filter": "id in (1"}, 80000, "position"),
        ("always-true filter", "delete", {"collectionName": "d", "filter": "id > 0 or true"}, 80000, "always true"),
        ("unknown database", "delete", {"collectionName": "d", "dbName": "nodb", "id": [1]}, 800, "nodb"),
        ("insert: no data", "insert", {"collectionName": "c"}, 90118, None),
        ("insert: data not JSON rows", "insert", {"collectionName": "c", "data": 5}, 90119, None),
        ("insert: empty data", "insert", {"collectionName": "c", "data": []}, 90120, None),
        ("insert: empty row", "insert", {"collectionName": "c", "data": [{}]}, 90121, None),
        ("insert: pk given on autoID", "insert", {"collectionName": "c", "data": [{"id": 5, "vector": [1, 2, 3, 4]}]}, 90107, None),
        ("insert: wrong dimension", "insert", {"collectionName": "c", "data": [{"vector": [1, 2, 3]}]}, 90007, "dimension"),
        ("insert: no vector", "insert", {"collectionName": "c", "data": [{"color": "x"}]}, 90125, None),
        ("insert: NaN-like string in vector", "insert", {"collectionName": "c", "data": [{"vector": [1, 2, 3, "nan"]}]}, None, None),
        ("query: no filter", "query", {"collectionName": "c"}, 90110, None),
        ("query: limit 0 without count", "query", {"collectionName": "c", "filter": "id > 0", "limit": 0}, 90004, None),
        ("query: negative offset", "query", {"collectionName": "c", "filter": "id > 0", "offset": -1}, 90005, None),
        ("query: window too large", "query", {"collectionName": "c", "filter": "id > 0", "limit": 16384, "offset": 1}, 90126, None),
        ("query: unknown output field with dynamic off", "query", {"collectionName": "dz", "filter": "id > 0", "outputFields": ["nope"]}, 90002, "nope"),
        ("insert: unknown field with dynamic off", "insert", {"collectionName": "dz", "data": [{"vector": [1, 2], "nope": 1}]}, 90108, "nope"),
        ("search: no vector", "search", {"collectionName": "c"}, 90125, None),
        ("search: wrong dimension", "search", {"collectionName": "c", "vector": [1, 2]}, 90007, None),
        ("search: range_filter without radius", "search", {"collectionName": "c", "vector": [1, 2, 3, 4], "params": {"range_filter": 0.5}}, 80000, "radius"),
        ("create: no dimension", "collections/create", {"collectionName": "zz"}, 90122, None),
        ("create: dimension 0", "collections/create", {"collectionName": "zz", "dimension": 0}, 80000, None),
        ("create: exists", "collections/create", {"collectionName": "c", "dimension": 4}, 90106, None),
        ("create: bad name", "collections/create", {"collectionName": "1abc", "dimension": 4}, 90011, None),
        ("create: bad metric", "collections/create", {"collectionName": "zz", "dimension": 4, "metricType": "JACCARD"}, 80000, "metric"),
        ("drop: unknown", "collections/drop", {"collectionName": "zz"}, 90001, None),
    ]
    for name, path, body, code, frag in cases:
        js = s.request("POST", "/v1/vector/" + path, raw=body)[1] if isinstance(body, str) else v1(s, path, body)
        if code is None:
            t.check(name + ": refused", js and js.get("code") not in (200, None), js)
        else:
            t.code(name, js, code, frag)
    t.eq("bad deletes deleted nothing", count(s, "d"), before)
    t.eq("bad input created nothing", v1(s, "collections", method="GET")["data"], ["c", "d", "dz", "sc"])
    t.eq("dz still empty", count(s, "dz"), 0)
    r = v1(s, "collections/describe?collectionName=nope", method="GET")
    t.code("describe unknown", r, 90001)
    st, js, _, _ = s.request("PUT", "/v1/vector/delete", {})
    t.eq("wrong method is 404", st, 404)
