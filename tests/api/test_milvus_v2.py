"""Milvus v2 (/v2/vectordb): every endpoint with good input, then bad input that must get the
documented error and change nothing, then the delete semantics."""
import lib

BIG = 449223424352133601  # above 2^53: must round-trip exactly


def rows(ids, dim=4):
    return [{"id": i, "vector": [float(i % 7), 1.0, 0.5, float(i % 3)][:dim], "color": "red" if i % 2 else "blue", "n": i}
            for i in ids]


def state(s, name):
    """What a client can observe of a collection: count(*), get_stats and the sorted ids."""
    cnt = s.v2("entities/query", {"collectionName": name, "outputFields": ["count(*)"]})
    stats = s.v2("collections/get_stats", {"collectionName": name})
    ids = s.v2("entities/query", {"collectionName": name, "filter": "", "outputFields": ["id"], "limit": 16384})
    return (cnt["data"][0]["count(*)"], stats["data"]["rowCount"], sorted(r["id"] for r in ids["data"]))


def run(t):
    s = lib.Server()
    try:
        collections(t, s)
        entities(t, s)
        bad_input(t, s)
        delete_semantics(t, s)
        purge(t, s)
        databases(t, s)
    finally:
        s.cleanup()


def collections(t, s):
    t.code("list on empty store", s.v2("collections/list"), 0)
    t.eq("list is [] not null", s.v2("collections/list")["data"], [])
    r = s.v2("collections/create", {"collectionName": "quick", "dimension": 4, "metricType": "COSINE"})
    t.code("quick create", r, 0)
    t.eq("has", s.v2("collections/has", {"collectionName": "quick"})["data"], {"has": True})
    t.eq("has (missing)", s.v2("collections/has", {"collectionName": "nope"})["data"], {"has": False})
    d = s.v2("collections/describe", {"collectionName": "quick"})["data"]
    t.eq("describe name", d["collectionName"], "quick")
    t.eq("describe fields", [(f["name"], f["type"], f["primaryKey"]) for f in d["fields"]],
         [("id", "Int64", True), ("vector", "FloatVector", False)])
    t.eq("describe dim param", d["fields"][1]["params"], [{"key": "dim", "value": "4"}])
    t.eq("describe metric", d["indexes"][0]["metricType"], "COSINE")
    t.eq("describe dynamic on by default", d["enableDynamicField"], True)
    t.eq("describe load", d["load"], "LoadStateLoaded")
    schema = {"autoID": False, "enableDynamicField": False, "fields": [
        {"fieldName": "pk", "dataType": "VarChar", "isPrimary": True, "elementTypeParams": {"max_length": 32}},
        {"fieldName": "emb", "dataType": "FloatVector", "elementTypeParams": {"dim": "3"}},
        {"fieldName": "age", "dataType": "Int32"},
        {"fieldName": "score", "dataType": "Double", "nullable": True},
        {"fieldName": "meta", "dataType": "JSON"},
        {"fieldName": "tags", "dataType": "Array", "elementDataType": "VarChar", "elementTypeParams": {"max_capacity": 4, "max_length": 8}}]}
    r = s.v2("collections/create", {"collectionName": "custom", "schema": schema,
                                    "indexParams": [{"fieldName": "emb", "indexName": "emb_idx", "metricType": "IP"}]})
    t.code("custom schema create", r, 0)
    d = s.v2("collections/describe", {"collectionName": "custom"})["data"]
    t.eq("custom fields", [(f["name"], f["type"]) for f in d["fields"]],
         [("pk", "VarChar"), ("emb", "FloatVector"), ("age", "Int32"), ("score", "Double"), ("meta", "JSON"), ("tags", "Array")])
    t.eq("custom dynamic off", d["enableDynamicField"], False)
    t.eq("custom index", (d["indexes"][0]["indexName"], d["indexes"][0]["metricType"]), ("emb_idx", "IP"))
    # Milvus: creating a collection again with the same schema succeeds, with another one it fails
    # with its plain error (65535); "quick" was created with COSINE, this asks for the default L2
    t.code("create existing collection with another schema", s.v2("collections/create", {"collectionName": "quick", "dimension": 4}), 65535,
           "create duplicate collection with different parameters, collection: quick")
    t.eq("list sorted", s.v2("collections/list")["data"], ["custom", "quick"])
    t.code("release", s.v2("collections/release", {"collectionName": "quick"}), 0)
    t.eq("load state after release", s.v2("collections/get_load_state", {"collectionName": "quick"})["data"]["loadState"], "LoadStateNotLoad")
    t.code("load", s.v2("collections/load", {"collectionName": "quick"}), 0)
    t.eq("load state after load", s.v2("collections/get_load_state", {"collectionName": "quick"})["data"],
         {"loadState": "LoadStateLoaded", "loadProgress": 100})
    t.code("load state of missing collection", s.v2("collections/get_load_state", {"collectionName": "nope"}), 100)
    t.code("rename", s.v2("collections/rename", {"collectionName": "quick", "newCollectionName": "quick2"}), 0)
    t.eq("renamed", s.v2("collections/has", {"collectionName": "quick2"})["data"]["has"], True)
    t.code("rename back", s.v2("collections/rename", {"collectionName": "quick2", "newCollectionName": "quick"}), 0)
    t.code("rename onto existing", s.v2("collections/rename", {"collectionName": "quick", "newCollectionName": "custom"}), 1100)
    s.v2("collections/create", {"collectionName": "tmp", "dimension": 2})
    t.code("drop", s.v2("collections/drop", {"collectionName": "tmp"}), 0)
    t.code("drop again succeeds, as Milvus (idempotent)", s.v2("collections/drop", {"collectionName": "tmp"}), 0)
    t.code("describe dropped", s.v2("collections/describe", {"collectionName": "tmp"}), 100, "collection not found")


def entities(t, s):
    s.v2("collections/create", {"collectionName": "e", "dimension": 4})
    r = s.v2("entities/insert", {"collectionName": "e", "data": rows(range(1, 11))})
    t.eq("insert count", r["data"]["insertCount"], 10)
    t.eq("insert ids", r["data"]["insertIds"], list(range(1, 11)))
    r = s.v2("entities/insert", {"collectionName": "e", "data": [{"id": BIG, "vector": [1, 2, 3, 4], "color": "big"}]})
    t.eq("int64 above 2^53 insert id exact", r["data"]["insertIds"], [BIG])
    r = s.v2("entities/get", {"collectionName": "e", "id": BIG})
    t.eq("int64 above 2^53 get exact", [x["id"] for x in r["data"]], [BIG])
    st, js, text, _ = s.request("POST", "/v2/vectordb/entities/get", {"collectionName": "e", "id": [BIG]},
                                headers={"Accept-Type-Allow-Int64": "false"})
    t.check("Accept-Type-Allow-Int64: false renders int64 as a string", '"id":"%d"' % BIG in text, text)
    r = s.v2("entities/get", {"collectionName": "e", "id": [1, 2, 999], "outputFields": ["color", "vector"]})
    t.eq("get skips unknown ids", [x["id"] for x in r["data"]], [1, 2])
    t.eq("get output fields", sorted(r["data"][0].keys()), ["color", "id", "vector"])
    t.eq("get vector values", r["data"][0]["vector"], [1.0, 1.0, 0.5, 1.0])
    r = s.v2("entities/query", {"collectionName": "e", "filter": "color == \"red\" and n > 4", "outputFields": ["n"]})
    t.eq("query by dynamic field", [x["n"] for x in r["data"]], [5, 7, 9])
    r = s.v2("entities/query", {"collectionName": "e", "filter": "id in [1,2,3,4,5]", "limit": 2, "offset": 1})
    t.eq("query limit/offset", [x["id"] for x in r["data"]], [2, 3])
    r = s.v2("entities/query", {"collectionName": "e", "filter": "color like \"r%\"", "outputFields": ["count(*)"]})
    t.eq("count(*) with filter", r["data"], [{"count(*)": 5}])
    r = s.v2("entities/upsert", {"collectionName": "e", "data": [{"id": 1, "vector": [9, 9, 9, 9], "color": "green"}]})
    t.eq("upsert count", r["data"]["upsertCount"], 1)
    r = s.v2("entities/get", {"collectionName": "e", "id": 1, "outputFields": ["color"]})
    t.eq("upsert replaced", r["data"], [{"id": 1, "color": "green"}])
    r = s.v2("entities/search", {"collectionName": "e", "data": [[9, 9, 9, 9]], "limit": 3, "outputFields": ["color"]})
    t.eq("search top hit", r["data"][0]["id"], 1)
    t.eq("search L2 distance of identical vector", r["data"][0]["distance"], 0)
    t.eq("search topks", r.get("topks"), [3])
    t.eq("search output fields", sorted(r["data"][0].keys()), ["color", "distance", "id"])
    r = s.v2("entities/search", {"collectionName": "e", "data": [[9, 9, 9, 9], [1, 1, 0.5, 1]], "limit": 2})
    t.eq("search nq=2 flat rows", (len(r["data"]), r["topks"]), (4, [2, 2]))
    r = s.v2("entities/search", {"collectionName": "e", "data": [[1, 1, 0.5, 1]], "limit": 5, "filter": "color == \"red\""})
    t.eq("search filter (id 1 was upserted to green)", sorted(x["id"] for x in r["data"]), [3, 5, 7, 9])
    r = s.v2("entities/search", {"collectionName": "e", "data": [[1, 1, 0.5, 1]], "limit": 100,
                                 "searchParams": {"params": {"radius": 2.0, "range_filter": 0.5}}})
    t.check("search radius/range_filter keeps 0.5 <= d < 2", r["data"] and all(0.5 <= x["distance"] < 2 for x in r["data"]), r)
    r = s.v2("entities/search", {"collectionName": "e", "data": [[1, 1, 0.5, 1]], "limit": 2, "offset": 1})
    r0 = s.v2("entities/search", {"collectionName": "e", "data": [[1, 1, 0.5, 1]], "limit": 3})
    t.eq("search offset", [x["id"] for x in r["data"]], [x["id"] for x in r0["data"]][1:])
    # custom collection: string pk, typed fields
    data = [{"pk": "a", "emb": [1, 0, 0], "age": 30, "meta": {"k": [1, 2]}, "tags": ["x", "y"]},
            {"pk": "b\"q", "emb": [0, 1, 0], "age": 40, "score": 1.5, "meta": {"k": [3]}, "tags": []}]
    t.code("insert typed rows", s.v2("entities/insert", {"collectionName": "custom", "data": data}), 0)
    r = s.v2("entities/query", {"collectionName": "custom", "filter": "json_contains(meta[\"k\"], 3)", "outputFields": ["*"]})
    t.eq("json_contains on JSON field", [x["pk"] for x in r["data"]], ["b\"q"])
    t.eq("nullable field comes back null", r["data"][0].get("score"), 1.5)
    r = s.v2("entities/query", {"collectionName": "custom", "filter": "array_contains(tags, \"y\")", "outputFields": ["score"]})
    t.eq("array_contains + null value", r["data"], [{"pk": "a", "score": None}])
    r = s.v2("entities/search", {"collectionName": "custom", "data": [[1, 0, 0]], "limit": 1, "annsField": "emb"})
    t.eq("IP search", (r["data"][0]["pk"], r["data"][0]["distance"]), ("a", 1))
    t.code("get_stats", s.v2("collections/get_stats", {"collectionName": "custom"}), 0)
    t.code("flush", s.v2("collections/flush", {"collectionName": "custom"}), 0)
    t.code("flush unknown collection", s.v2("collections/flush", {"collectionName": "nope"}), 100)


def bad_input(t, s):
    before = state(s, "e")
    cases = [
        # (name, path, body or raw string, expected code, message fragment)
        ("malformed JSON", "entities/insert", '{"collectionName": "e", "data": [', 1801, "json"),
        # an empty (or null) body reads as {} (what Python clients send on bodiless POSTs): the
        # missing member is what is wrong
        ("empty body", "entities/delete", "", 1802, "collectionName"),
        ("null body", "entities/delete", "null", 1802, "collectionName"),
        ("body is an array", "entities/delete", "[1,2]", 1801, "object"),
        ("missing collectionName", "entities/delete", {"filter": "id in [1]"}, 1802, "collectionName"),
        ("collectionName wrong type", "entities/delete", {"collectionName": 5, "filter": "id in [1]"}, 1801, "string"),
        ("missing filter on delete", "entities/delete", {"collectionName": "e"}, 1802, "filter"),
        ("unknown collection", "entities/delete", {"collectionName": "nope", "filter": "id in [1]"}, 100, "not found"),
        ("collection name with /", "entities/delete", {"collectionName": "a/b", "filter": "id in [1]"}, 100, None),
        ("filter syntax error", "entities/delete", {"collectionName": "e", "filter": "id in [1,"}, 1100, "position"),
        ("always-true delete refused", "entities/delete", {"collectionName": "e", "filter": "true"}, 1100, "always true"),
        ("filter on unknown op", "entities/query", {"collectionName": "e", "filter": "id ~~ 3"}, 1100, None),
        ("insert wrong dimension", "entities/insert", {"collectionName": "e", "data": [{"id": 500, "vector": [1, 2, 3]}]}, 1804, "dimension"),
        ("insert NaN", "entities/insert", {"collectionName": "e", "data": [{"id": 500, "vector": [1, 2, 3, "NaN"]}]}, 1804, None),
        ("insert Infinity literal", "entities/insert", '{"collectionName":"e","data":[{"id":500,"vector":[1,2,3,Infinity]}]}', None, None),
        ("insert id wrong type", "entities/insert", {"collectionName": "e", "data": [{"id": "abc", "vector": [1, 2, 3, 4]}]}, 1804, "Int64"),
        ("insert duplicate existing id", "entities/insert", {"collectionName": "e", "data": [{"id": 500, "vector": [1, 2, 3, 4]}, {"id": 2, "vector": [1, 2, 3, 4]}]}, 1804, "already exists"),
        ("insert empty data", "entities/insert", {"collectionName": "e", "data": []}, 1804, "empty"),
        ("insert data not array", "entities/insert", {"collectionName": "e", "data": 5}, 1801, "array"),
        ("insert over batch limit", "entities/insert", {"collectionName": "e", "data": rows(range(1000, 11001))}, 1804, "limit"),
        ("unknown field, dynamic off", "entities/insert", {"collectionName": "custom", "data": [{"pk": "z", "emb": [1, 0, 0], "age": 1, "meta": {}, "tags": [], "extra": 1}]}, 1804, "dynamic"),
        ("varchar too long", "entities/insert", {"collectionName": "custom", "data": [{"pk": "z" * 33, "emb": [1, 0, 0], "age": 1, "meta": {}, "tags": []}]}, 1804, None),
        ("int32 out of range", "entities/insert", {"collectionName": "custom", "data": [{"pk": "z", "emb": [1, 0, 0], "age": 2 ** 40, "meta": {}, "tags": []}]}, 1804, "range"),
        ("get without id", "entities/get", {"collectionName": "e"}, 1802, "id"),
        ("get id of wrong type", "entities/get", {"collectionName": "e", "id": [1.5]}, 1806, None),
        ("get id string for int pk", "entities/get", {"collectionName": "e", "id": ["x"]}, 1806, None),
        ("search without data", "entities/search", {"collectionName": "e"}, 1802, "data"),
        ("search wrong dim", "entities/search", {"collectionName": "e", "data": [[1, 2]]}, 1100, "dimension"),
        ("search limit 0", "entities/search", {"collectionName": "e", "data": [[1, 2, 3, 4]], "limit": 0}, 1100, "limit"),
        ("search limit too large", "entities/search", {"collectionName": "e", "data": [[1, 2, 3, 4]], "limit": 20000}, 1100, "limit"),
        ("search limit wrong type", "entities/search", {"collectionName": "e", "data": [[1, 2, 3, 4]], "limit": "5"}, 1801, "integer"),
        ("range_filter without radius", "entities/search", {"collectionName": "e", "data": [[1, 2, 3, 4]], "searchParams": {"params": {"range_filter": 1}}}, 1100, "radius"),
        ("metric mismatch", "entities/search", {"collectionName": "e", "data": [[1, 2, 3, 4]], "searchParams": {"metricType": "IP"}}, 1100, "metric"),
        ("unknown output field, dynamic off", "entities/query", {"collectionName": "custom", "filter": "age > 0", "outputFields": ["zzz"]}, 1100, "zzz"),
        ("query limit negative", "entities/query", {"collectionName": "e", "filter": "id > 0", "limit": -1}, 1100, "limit"),
        ("create: name too long", "collections/create", {"collectionName": "a" * 300, "dimension": 4}, 1100, "255"),
        ("create: name with /", "collections/create", {"collectionName": "a/b", "dimension": 4}, 1100, None),
        ("create: dimension 0", "collections/create", {"collectionName": "zz", "dimension": 0}, 1100, "dim"),
        ("create: dimension too large", "collections/create", {"collectionName": "zz", "dimension": 40000}, 1100, "dim"),
        ("create: bad metric", "collections/create", {"collectionName": "zz", "dimension": 4, "metricType": "HAMMING"}, 1100, "metric"),
        ("create: two primary keys", "collections/create", {"collectionName": "zz", "schema": {"fields": [
            {"fieldName": "a", "dataType": "Int64", "isPrimary": True}, {"fieldName": "b", "dataType": "Int64", "isPrimary": True},
            {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}]}}, 1100, "primary"),
        ("create: unknown type", "collections/create", {"collectionName": "zz", "schema": {"fields": [
            {"fieldName": "a", "dataType": "Int128", "isPrimary": True}]}}, 1100, "Int128"),
        ("unknown database", "entities/query", {"collectionName": "e", "dbName": "nodb", "filter": "id > 0"}, 800, "database not found"),
        ("rename missing target", "collections/rename", {"collectionName": "e"}, 1802, "newCollectionName"),
    ]
    for name, path, body, code, frag in cases:
        if isinstance(body, str):
            js = s.request("POST", "/v2/vectordb/" + path, raw=body)[1]
        else:
            js = s.v2(path, body)
        if code is None:
            t.check(name + ": refused", js and js.get("code") not in (0, None), js)
        else:
            t.code(name, js, code, frag)
    t.eq("bad input changed nothing", state(s, "e"), before)
    t.eq("no stray collection was created", s.v2("collections/list")["data"], ["custom", "e", "quick"])


def delete_semantics(t, s):
    s.v2("collections/create", {"collectionName": "d", "dimension": 4})
    s.v2("entities/insert", {"collectionName": "d", "data": rows(range(100))})
    r = s.v2("entities/delete", {"collectionName": "d", "filter": "id in [1, 2, 3, 5000]"})
    t.eq("deleteCount counts rows actually deleted", r["data"]["deleteCount"], 3)
    cnt, stats, ids = state(s, "d")
    t.eq("count(*) after delete", cnt, 97)
    t.eq("get_stats after delete", stats, 97)
    t.check("deleted ids gone from query", not {1, 2, 3} & set(ids), ids)
    t.eq("deleted ids gone from get", s.v2("entities/get", {"collectionName": "d", "id": [1, 2, 3]})["data"], [])
    r = s.v2("entities/search", {"collectionName": "d", "data": [rows([1])[0]["vector"]], "limit": 100})
    t.check("deleted ids gone from search", not {1, 2, 3} & {x["id"] for x in r["data"]}, r)
    r = s.v2("entities/delete", {"collectionName": "d", "filter": "color == \"red\" and n < 50"})
    t.eq("delete by non-pk filter", r["data"]["deleteCount"], 23)  # odd n in 0..49 minus 1, 3
    t.eq("count after filter delete", state(s, "d")[0], 74)
    r = s.v2("entities/delete", {"collectionName": "d", "filter": "id in [7000]"})
    t.eq("deleting ids that do not exist is not an error", (r["code"], r["data"]["deleteCount"]), (0, 0))
    s.v2("entities/upsert", {"collectionName": "d", "data": rows([1])})
    t.eq("upsert after delete re-creates", [x["id"] for x in s.v2("entities/get", {"collectionName": "d", "id": 1})["data"]], [1])
    # a second connection sees the delete as soon as the first got its answer
    s.v2("entities/delete", {"collectionName": "d", "filter": "id in [1]"})
    r = s.request("POST", "/v2/vectordb/entities/get", {"collectionName": "d", "id": 1})[1]
    t.eq("delete visible to the next request on another connection", r["data"], [])


def data_dir_contains(s, needle):
    import os
    found = False
    for name in os.listdir(s.data):
        path = os.path.join(s.data, name)
        if os.path.isfile(path):
            with open(path, "rb") as f:
                found = found or needle in f.read()
    return found


def purge(t, s):
    s.v2("collections/create", {"collectionName": "p", "dimension": 2})
    marker = "PURGE-ME-7f3a9c"
    s.v2("entities/insert", {"collectionName": "p", "data": [{"id": 1, "vector": [1, 2], "secret": marker},
                                                           {"id": 2, "vector": [3, 4], "secret": "keep-me-5b1e"}]})
    t.check("marker is on disk before the delete", data_dir_contains(s, marker.encode()), "")
    s.v2("entities/delete", {"collectionName": "p", "filter": "id in [1]"})
    t.code("compact", s.v2("collections/compact", {"collectionName": "p"}), 0)
    t.check("deleted bytes are gone from every file of the data dir", not data_dir_contains(s, marker.encode()), "")
    t.check("surviving row still on disk", data_dir_contains(s, b"keep-me-5b1e"), "")


def databases(t, s):
    t.eq("databases list", s.v2("databases/list")["data"], ["default"])
    t.code("create database", s.v2("databases/create", {"dbName": "db2"}), 0)
    t.code("create database again", s.v2("databases/create", {"dbName": "db2"}), 65535, "exists")
    t.code("create database bad name", s.v2("databases/create", {"dbName": "a-b"}), 802)
    t.code("collection in db2", s.v2("collections/create", {"collectionName": "x", "dimension": 2, "dbName": "db2"}), 0)
    t.eq("namespaced list", s.v2("collections/list", {"dbName": "db2"})["data"], ["x"])
    js = s.request("POST", "/v2/vectordb/collections/list", {}, headers={"DB-Name": "db2"})[1]
    t.eq("DB-Name header selects the database", js["data"], ["x"])
    t.code("drop non-empty database", s.v2("databases/drop", {"dbName": "db2"}), 1100, "drop them first")
    s.v2("collections/drop", {"collectionName": "x", "dbName": "db2"})
    t.code("drop database", s.v2("databases/drop", {"dbName": "db2"}), 0)
    t.code("list in dropped database", s.v2("collections/list", {"dbName": "db2"}), 800)
    t.code("drop default refused", s.v2("databases/drop", {"dbName": "default"}), 1100)
