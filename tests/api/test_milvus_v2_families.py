"""Milvus REST v2 as Milvus's own clients expect it (issue 13): empty and null bodies, idempotent
create/drop, Milvus's validation and its codes and words, aliases, properties. Every bad input is a
table row with the Milvus code AND a check that nothing changed."""
import json
import threading

import lib


def snapshot(s, db="default"):
    """What a client can observe of a database: its collections, each one's count and aliases."""
    names = s.v2("collections/list", {"dbName": db}).get("data")
    out = {"collections": names, "aliases": s.v2("aliases/list", {"dbName": db}).get("data")}
    for n in names or []:
        r = s.v2("entities/query", {"collectionName": n, "dbName": db, "outputFields": ["count(*)"]})
        out[n] = r["data"][0]["count(*)"] if r.get("code") == 0 else r
    return out


def raw(s, path, text, headers=None):
    return s.request("POST", path, raw=text, headers=headers)[1]


def table(t, s, title, cases, db="default"):
    """Each case: (name, path, body (dict or raw string), code, message fragment or None)."""
    before = snapshot(s, db)
    for name, path, body, code, frag in cases:
        js = raw(s, "/v2/vectordb/" + path, body) if isinstance(body, str) else s.v2(path, body)
        t.code("%s: %s" % (title, name), js, code, frag)
        t.eq("%s: %s changed nothing" % (title, name), snapshot(s, db), before)


def run(t):
    s = lib.Server()
    try:
        bodies(t, s)
        idempotence(t, s)
        validation(t, s)
        aliases(t, s)
        alias_writers(t, s)
        alias_limit(t, s)
        properties(t, s)
    finally:
        s.cleanup()
    restart(t)
    auth(t)


def bodies(t, s):
    """A body of null (json.dumps(None)) or nothing at all is an empty request in v1 and v2."""
    for text in ("null", "", " null ", "\n"):
        js = raw(s, "/v2/vectordb/collections/list", text)
        t.eq("v2 list with body %r" % text, (js.get("code"), js.get("data")), (0, []))
        js = raw(s, "/v2/vectordb/databases/list", text)
        t.eq("v2 databases/list with body %r" % text, (js.get("code"), js.get("data")), (0, ["default"]))
        js = raw(s, "/v2/vectordb/collections/has", text)
        t.code("v2 has with body %r: collectionName missing" % text, js, 1802, "collectionName")
        js = raw(s, "/v1/vector/collections/create", text)
        t.code("v1 create with body %r: collectionName missing" % text, js, 80000, "collectionName")
        t.check("v1 body %r: no JSON error" % text, "json" not in js.get("message", "").lower(), js)
    for text in ("null x", "nul", "[null]"):
        js = raw(s, "/v2/vectordb/collections/list", text)
        t.code("v2 body %r is malformed" % text, js, 1801)
        t.check("v2 body %r: message never says success" % text, "success" not in js.get("message", ""), js)
        js = raw(s, "/v1/vector/collections/create", text)
        t.code("v1 body %r is malformed" % text, js, 80000)
        t.check("v1 body %r: message never says success" % text, "success" not in js.get("message", ""), js)
    # other dialects keep their rules for a null body, and a refusal says what is wrong
    st, js, _, _ = s.request("POST", "/api/collection/create", raw="null")
    t.check("VikingDB create with a null body: refused without 'success'", st == 400 and "success" not in js.get("message", "x"), js)
    t.eq("v2 list after the body table", s.v2("collections/list")["data"], [])


def fields(*extra):
    return [{"fieldName": "id", "dataType": "Int64", "isPrimary": True},
            {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}] + list(extra)


def idempotence(t, s):
    """Milvus's create and drop are idempotent: the same request twice is two successes."""
    quick = {"collectionName": "idem", "dimension": 2, "metricType": "IP"}
    t.code("create", s.v2("collections/create", quick), 0)
    s.v2("entities/insert", {"collectionName": "idem", "data": [{"id": 1, "v": [1, 2], "vector": [1, 2]}]})
    t.code("create again, same request: success", s.v2("collections/create", quick), 0)
    t.eq("create again kept the rows", s.v2("entities/query", {"collectionName": "idem", "outputFields": ["count(*)"]})["data"], [{"count(*)": 1}])
    custom = {"collectionName": "idem2", "schema": {"fields": fields({"fieldName": "n", "dataType": "Int32", "defaultValue": 7})}}
    t.code("custom create", s.v2("collections/create", custom), 0)
    t.code("custom create again: success", s.v2("collections/create", custom), 0)
    table(t, s, "create again with another schema", [
        ("other dimension", "collections/create", dict(quick, dimension=3), 65535, "create duplicate collection with different parameters, collection: idem"),
        ("other metric", "collections/create", dict(quick, metricType="L2"), 65535, "different parameters"),
        ("dynamic off", "collections/create", dict(quick, params={"enableDynamicField": False}), 65535, "different parameters"),
        ("other default value", "collections/create", {"collectionName": "idem2", "schema": {"fields": fields({"fieldName": "n", "dataType": "Int32", "defaultValue": 8})}}, 65535, "different parameters"),
        ("one field more", "collections/create", {"collectionName": "idem2", "schema": {"fields": fields({"fieldName": "n", "dataType": "Int32", "defaultValue": 7}, {"fieldName": "m", "dataType": "Bool"})}}, 65535, "different parameters"),
    ])
    t.code("drop", s.v2("collections/drop", {"collectionName": "idem2"}), 0)
    t.code("drop a missing collection: success", s.v2("collections/drop", {"collectionName": "idem2"}), 0)
    t.code("drop a never-created collection: success", s.v2("collections/drop", {"collectionName": "never"}), 0)
    t.code("drop in a missing database: 800", s.v2("collections/drop", {"collectionName": "x", "dbName": "nodb"}), 800, "database not found, database: nodb")
    t.code("create database", s.v2("databases/create", {"dbName": "d1"}), 0)
    t.code("drop database", s.v2("databases/drop", {"dbName": "d1"}), 0)
    t.code("drop a missing database: success", s.v2("databases/drop", {"dbName": "d1"}), 0)
    t.eq("databases after", s.v2("databases/list")["data"], ["default"])
    # the missing-collection message as Milvus words it: clients match on it
    for path, body in (("collections/describe", {}), ("entities/query", {"filter": "id > 0"}), ("entities/insert", {"data": [{"id": 1, "vector": [1, 2]}]}),
                       ("entities/search", {"data": [[1, 2]]}), ("collections/get_stats", {}), ("collections/load", {})):
        js = s.v2(path, dict(body, collectionName="nope"))
        t.eq("%s of a missing collection: Milvus's code and words" % path, (js.get("code"), js.get("message")),
             (100, "collection not found[database=default][collection=nope]"))
    s.v2("databases/create", {"dbName": "d2"})
    js = s.v2("collections/describe", {"collectionName": "nope", "dbName": "d2"})
    t.eq("missing collection in another database", (js.get("code"), js.get("message")), (100, "collection not found[database=d2][collection=nope]"))
    s.v2("databases/drop", {"dbName": "d2"})


def validation(t, s):
    """Refused as Milvus refuses, with its code; nothing is created."""
    def create(extra_fields=(), schema=None, **kw):
        body = {"collectionName": "bad", "schema": schema or {"fields": fields(*extra_fields)}}
        body.update(kw)
        return body
    table(t, s, "create", [
        ("dataType VARCHAR (wrong case)", "collections/create", create([{"fieldName": "s", "dataType": "VARCHAR", "elementTypeParams": {"max_length": 8}}]),
         1100, "data type VARCHAR is invalid(case sensitive)"),
        ("dataType int64 (wrong case)", "collections/create", create(schema={"fields": [{"fieldName": "id", "dataType": "int64", "isPrimary": True},
                                                                                         {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}]}),
         1100, "invalid parameter, data type int64 is invalid(case sensitive)."),
        ("dataType floatvector (wrong case)", "collections/create", create(schema={"fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": True},
                                                                                               {"fieldName": "v", "dataType": "floatvector", "elementTypeParams": {"dim": 2}}]}),
         1100, "case sensitive"),
        ("a Milvus type annovec lacks", "collections/create", create([{"fieldName": "b", "dataType": "BinaryVector", "elementTypeParams": {"dim": 8}}]), 1100, "not supported"),
        ("enableDynamicField: 1", "collections/create", create(schema={"enableDynamicField": 1, "fields": fields()}), 1801, "enableDynamicField"),
        ("enableDynamicField: \"yes\"", "collections/create", create(schema={"enableDynamicField": "yes", "fields": fields()}), 1801, "boolean"),
        ("quick enableDynamicField: 1", "collections/create", {"collectionName": "bad", "dimension": 2, "params": {"enableDynamicField": 1}}, 1801, "enableDynamicField"),
        ("quick autoID: 1", "collections/create", {"collectionName": "bad", "dimension": 2, "autoID": 1}, 1801, "autoID"),
        ("isPrimary: \"true\"", "collections/create", create(schema={"fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": "true"},
                                                                               {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}]}), 1801, "isPrimary"),
        ("nullable: 0", "collections/create", create([{"fieldName": "n", "dataType": "Int32", "nullable": 0}]), 1801, "nullable"),
        ("defaultValue on the primary key", "collections/create", create(schema={"fields": [{"fieldName": "id", "dataType": "Int64", "isPrimary": True, "defaultValue": 1},
                                                                                            {"fieldName": "v", "dataType": "FloatVector", "elementTypeParams": {"dim": 2}}]}),
         1100, "primary field not support default_value"),
        ("defaultValue on a JSON field", "collections/create", create([{"fieldName": "j", "dataType": "JSON", "defaultValue": {"key": 1}}]), 1100, "convert defaultValue fail"),
        ("defaultValue on an Array field", "collections/create", create([{"fieldName": "a", "dataType": "Array", "elementDataType": "Int64", "defaultValue": [1, 2],
                                                                          "elementTypeParams": {"max_capacity": 4}}]), 1100, "convert defaultValue fail"),
        ("nullable partition key", "collections/create", create([{"fieldName": "p", "dataType": "Int64", "isPartitionKey": True, "nullable": True}]),
         1100, "partition key field not support nullable"),
    ])
    t.eq("nothing named bad", s.v2("collections/has", {"collectionName": "bad"})["data"], {"has": False})
    s.v2("collections/create", {"collectionName": "f", "schema": {"fields": fields({"fieldName": "ok", "dataType": "Bool"}, {"fieldName": "n", "dataType": "Int64"})}})
    s.v2("entities/insert", {"collectionName": "f", "data": [{"id": i, "v": [i, 1], "ok": i % 2 == 0, "n": i} for i in range(6)]})
    table(t, s, "filter", [
        ("a list is not a condition", "entities/query", {"collectionName": "f", "filter": "[1, 2]"}, 1100, "not a boolean expression"),
        ("a number", "entities/query", {"collectionName": "f", "filter": "1"}, 1100, "not a boolean expression"),
        ("a string", "entities/query", {"collectionName": "f", "filter": "\"abc\""}, 1100, "not a boolean expression"),
        ("an Int64 field", "entities/query", {"collectionName": "f", "filter": "n"}, 1100, "not a boolean expression"),
        ("arithmetic", "entities/query", {"collectionName": "f", "filter": "n + 1"}, 1100, "not a boolean expression"),
        ("delete with a list", "entities/delete", {"collectionName": "f", "filter": "[1, 2]"}, 1100, "not a boolean expression"),
        ("search with a number", "entities/search", {"collectionName": "f", "data": [[1, 1]], "filter": "2"}, 1100, "not a boolean expression"),
        ("count(*) with a list", "entities/query", {"collectionName": "f", "filter": "[1]", "outputFields": ["count(*)"]}, 1100, "not a boolean expression"),
        ("delete with a blank filter", "entities/delete", {"collectionName": "f", "filter": " "}, 1100, None),
    ])
    for f in ("", " ", "\t\n "):
        r = s.v2("entities/query", {"collectionName": "f", "filter": f, "outputFields": ["count(*)"]})
        t.eq("count(*) with filter %r" % f, (r.get("code"), r.get("data")), (0, [{"count(*)": 6}]))
        r = s.v2("entities/search", {"collectionName": "f", "filter": f, "data": [[1, 1]], "limit": 10})
        t.eq("search with filter %r" % f, (r.get("code"), len(r.get("data") or [])), (0, 6))
    r = s.v2("entities/query", {"collectionName": "f", "filter": "ok", "outputFields": ["id"]})
    t.eq("a Bool field is a condition", [x["id"] for x in r.get("data", [])], [0, 2, 4])
    r = s.v2("entities/query", {"collectionName": "f", "filter": "true", "outputFields": ["count(*)"]})
    t.eq("true is a condition", r.get("data"), [{"count(*)": 6}])


def aliases(t, s):
    """aliases/{create,list,describe,alter,drop}; every collection endpoint takes an alias."""
    for n in ("ca", "cb"):
        s.v2("collections/create", {"collectionName": n, "dimension": 2})
    s.v2("entities/insert", {"collectionName": "ca", "data": [{"id": 1, "vector": [1, 0]}]})
    s.v2("entities/insert", {"collectionName": "cb", "data": [{"id": 2, "vector": [0, 1]}, {"id": 3, "vector": [1, 1]}]})
    t.eq("list empty", s.v2("aliases/list")["data"], [])
    t.code("create", s.v2("aliases/create", {"collectionName": "ca", "aliasName": "al"}), 0)
    t.code("create the same again: success", s.v2("aliases/create", {"collectionName": "ca", "aliasName": "al"}), 0)
    t.code("second alias", s.v2("aliases/create", {"collectionName": "ca", "aliasName": "al2"}), 0)
    t.eq("list", s.v2("aliases/list")["data"], ["al", "al2"])
    t.eq("describe", s.v2("aliases/describe", {"aliasName": "al"}), {"code": 0, "data": {"dbName": "default", "collectionName": "ca", "aliasName": "al"}})
    t.eq("describe collection lists its aliases", s.v2("collections/describe", {"collectionName": "ca"})["data"]["aliases"], ["al", "al2"])
    t.eq("describe through the alias names the collection", s.v2("collections/describe", {"collectionName": "al"})["data"]["collectionName"], "ca")
    # every endpoint that takes a collection name takes the alias
    t.eq("has", s.v2("collections/has", {"collectionName": "al"})["data"], {"has": True})
    t.eq("get_stats", s.v2("collections/get_stats", {"collectionName": "al"})["data"], {"rowCount": 1})
    t.code("insert", s.v2("entities/insert", {"collectionName": "al", "data": [{"id": 4, "vector": [0.5, 0.5]}]}), 0)
    t.code("upsert", s.v2("entities/upsert", {"collectionName": "al", "data": [{"id": 5, "vector": [0.5, 0.5]}]}), 0)
    t.eq("get", [r["id"] for r in s.v2("entities/get", {"collectionName": "al", "id": [1, 4, 5]})["data"]], [1, 4, 5])
    t.eq("query", s.v2("entities/query", {"collectionName": "al", "outputFields": ["count(*)"]})["data"], [{"count(*)": 3}])
    t.eq("search", s.v2("entities/search", {"collectionName": "al", "data": [[1, 0]], "limit": 1})["data"][0]["id"], 1)
    t.eq("delete", s.v2("entities/delete", {"collectionName": "al", "filter": "id in [5]"})["data"], {"deleteCount": 1})
    t.eq("the rows went to the collection", s.v2("entities/query", {"collectionName": "ca", "outputFields": ["count(*)"]})["data"], [{"count(*)": 2}])
    t.code("load", s.v2("collections/load", {"collectionName": "al"}), 0)
    t.eq("load state", s.v2("collections/get_load_state", {"collectionName": "al"})["data"]["loadState"], "LoadStateLoaded")
    t.code("flush", s.v2("collections/flush", {"collectionName": "al"}), 0)
    t.eq("v1 query through the alias", s.post("/v1/vector/query", {"collectionName": "al", "filter": "id > 0", "outputFields": ["count(*)"], "limit": 0})[1]["data"],
         [{"count(*)": 2}])
    t.code("alter", s.v2("aliases/alter", {"collectionName": "cb", "aliasName": "al"}), 0)
    t.eq("describe after alter", s.v2("aliases/describe", {"aliasName": "al"})["data"]["collectionName"], "cb")
    t.eq("reads follow the alter", s.v2("entities/query", {"collectionName": "al", "outputFields": ["count(*)"]})["data"], [{"count(*)": 2}])
    t.eq("get follows the alter", [r["id"] for r in s.v2("entities/get", {"collectionName": "al", "id": [1, 2, 3]})["data"]], [2, 3])
    t.eq("aliases of each collection", (s.v2("collections/describe", {"collectionName": "ca"})["data"]["aliases"],
                                         s.v2("collections/describe", {"collectionName": "cb"})["data"]["aliases"]), (["al2"], ["al"]))
    js = s.v2("collections/drop", {"collectionName": "cb"})
    t.eq("drop a collection that has aliases: Milvus's error", (js.get("code"), js.get("message")),
         (65535, "unable to drop the collection [cb] because it has associated aliases [al], please remove all aliases before dropping the collection"))
    t.eq("... and it is still there", s.v2("collections/has", {"collectionName": "cb"})["data"], {"has": True})
    table(t, s, "aliases", [
        ("malformed JSON", "aliases/create", '{"collectionName": "ca", "aliasName": ', 1801, "json"),
        ("body is an array", "aliases/create", '["ca"]', 1801, "object"),
        ("create without aliasName", "aliases/create", {"collectionName": "ca"}, 1802, "aliasName"),
        ("create without collectionName", "aliases/create", {"aliasName": "x1"}, 1802, "collectionName"),
        ("create, aliasName a number", "aliases/create", {"collectionName": "ca", "aliasName": 5}, 1801, "aliasName"),
        ("create, aliasName empty", "aliases/create", {"collectionName": "ca", "aliasName": ""}, 1802, "aliasName"),
        ("create, bad alias name", "aliases/create", {"collectionName": "ca", "aliasName": "a-b"}, 1100, "alias name"),
        ("create, alias name too long", "aliases/create", {"collectionName": "ca", "aliasName": "a" * 300}, 1100, "255"),
        ("create, unknown collection", "aliases/create", {"collectionName": "nope", "aliasName": "x1"}, 100, "collection not found[database=default][collection=nope]"),
        ("create, collection named by an alias", "aliases/create", {"collectionName": "al", "aliasName": "x1"}, 100, "collection not found"),
        ("create, alias is a collection's name", "aliases/create", {"collectionName": "ca", "aliasName": "cb"}, 1601, "alias and collection name conflict[database=default][alias=cb]"),
        ("create, alias names another collection", "aliases/create", {"collectionName": "ca", "aliasName": "al"}, 1602,
         "al is alias to another collection: cb: alias already exist[database=default][alias=al]"),
        ("create, unknown database", "aliases/create", {"collectionName": "ca", "aliasName": "x1", "dbName": "nodb"}, 800, "database not found, database: nodb"),
        ("alter, unknown alias", "aliases/alter", {"collectionName": "ca", "aliasName": "x1"}, 1600, "alias not found[database=default][alias=x1]"),
        ("alter, unknown collection", "aliases/alter", {"collectionName": "nope", "aliasName": "al"}, 100, "collection not found"),
        ("alter, alias is a collection's name", "aliases/alter", {"collectionName": "ca", "aliasName": "cb"}, 1601, "conflict"),
        ("alter without aliasName", "aliases/alter", {"collectionName": "ca"}, 1802, "aliasName"),
        ("describe, unknown alias", "aliases/describe", {"aliasName": "x1"}, 1600, "alias not found[database=default][alias=x1]"),
        ("describe without aliasName", "aliases/describe", {}, 1802, "aliasName"),
        ("describe, a collection's name", "aliases/describe", {"aliasName": "ca"}, 1600, "alias not found"),
        ("drop without aliasName", "aliases/drop", {}, 1802, "aliasName"),
        ("drop, aliasName wrong type", "aliases/drop", {"aliasName": ["al"]}, 1801, "aliasName"),
        ("list, unknown database", "aliases/list", {"dbName": "nodb"}, 800, "database not found"),
        ("drop a collection through its alias", "collections/drop", {"collectionName": "al2"}, 65535, "cannot drop the collection via alias = al2"),
        ("create a collection named like an alias", "collections/create", {"collectionName": "al", "dimension": 2}, 65535,
         "collection name [al] conflicts with an existing alias, please choose a unique name"),
        ("rename onto an alias", "collections/rename", {"collectionName": "ca", "newCollectionName": "al"}, 1601, "alias and collection name conflict[database=default][alias=al]"),
        ("rename through an alias", "collections/rename", {"collectionName": "al2", "newCollectionName": "zz"}, 65535, "unsupported use an alias to rename collection, alias:al2"),
    ])
    t.code("drop an unknown alias: success", s.v2("aliases/drop", {"aliasName": "x1"}), 0)
    t.code("drop", s.v2("aliases/drop", {"aliasName": "al"}), 0)
    t.code("drop again: success", s.v2("aliases/drop", {"aliasName": "al"}), 0)
    js = s.v2("entities/query", {"collectionName": "al", "outputFields": ["count(*)"]})
    t.eq("a dropped alias is an unknown collection", (js.get("code"), js.get("message")), (100, "collection not found[database=default][collection=al]"))
    t.eq("list after drop", s.v2("aliases/list")["data"], ["al2"])
    t.code("drop the collection once its aliases are gone", s.v2("collections/drop", {"collectionName": "cb"}), 0)
    # aliases live in a database
    s.v2("databases/create", {"dbName": "adb"})
    s.v2("collections/create", {"collectionName": "ca", "dimension": 2, "dbName": "adb"})
    t.code("same alias name in another database", s.v2("aliases/create", {"collectionName": "ca", "aliasName": "al2", "dbName": "adb"}), 0)
    t.eq("lists are per database", (s.v2("aliases/list")["data"], s.v2("aliases/list", {"dbName": "adb"})["data"]), (["al2"], ["al2"]))
    t.code("an alias cannot name a collection of another database", s.v2("aliases/create", {"collectionName": "cb", "aliasName": "z", "dbName": "adb"}), 100)
    s.v2("aliases/drop", {"aliasName": "al2", "dbName": "adb"})
    s.v2("collections/drop", {"collectionName": "ca", "dbName": "adb"})
    s.v2("databases/drop", {"dbName": "adb"})


def alias_writers(t, s):
    """Writers through an alias while another thread alters and drops it: every insert lands in
    exactly one collection or is refused as 'collection not found'; nothing is lost or doubled."""
    for n in ("wa", "wb"):
        s.v2("collections/create", {"collectionName": n, "dimension": 2})
    s.v2("aliases/create", {"collectionName": "wa", "aliasName": "w"})
    ok, refused, other = [], [], []
    lock = threading.Lock()
    stop = threading.Event()

    def writer(k):
        for i in range(60):
            pk = k * 1000 + i
            js = s.v2("entities/insert", {"collectionName": "w", "data": [{"id": pk, "vector": [1, 0]}]})
            with lock:
                if js.get("code") == 0:
                    ok.append(pk)
                elif js.get("code") == 100:
                    refused.append(pk)
                else:
                    other.append(js)

    def switcher():
        n = 0
        while not stop.is_set():
            target = "wb" if n % 2 == 0 else "wa"
            if n % 5 == 4:
                s.v2("aliases/drop", {"aliasName": "w"})
                s.v2("aliases/create", {"collectionName": target, "aliasName": "w"})
            else:
                s.v2("aliases/alter", {"collectionName": target, "aliasName": "w"})
            n += 1

    ws = [threading.Thread(target=writer, args=(k,)) for k in range(4)]
    sw = threading.Thread(target=switcher)
    sw.start()
    for w in ws:
        w.start()
    for w in ws:
        w.join()
    stop.set()
    sw.join()
    t.eq("every insert answered 0 or 100", other, [])
    got = []
    for n in ("wa", "wb"):
        got += [r["id"] for r in s.v2("entities/query", {"collectionName": n, "filter": "", "outputFields": ["id"], "limit": 16384})["data"]]
    t.eq("each acknowledged insert is in exactly one collection", sorted(got), sorted(ok))
    t.check("the writers and the switcher overlapped", len(ok) > 0, (len(ok), len(refused)))


def restart(t):
    """Aliases are durable: they survive a restart."""
    s = lib.Server()
    try:
        s.v2("collections/create", {"collectionName": "r1", "dimension": 2})
        s.v2("collections/create", {"collectionName": "r2", "dimension": 2})
        s.v2("aliases/create", {"collectionName": "r1", "aliasName": "ra"})
        s.v2("aliases/create", {"collectionName": "r1", "aliasName": "rb"})
        s.v2("aliases/alter", {"collectionName": "r2", "aliasName": "rb"})
        s.v2("aliases/create", {"collectionName": "r2", "aliasName": "rc"})
        s.v2("aliases/drop", {"aliasName": "rc"})
        s.v2("entities/insert", {"collectionName": "rb", "data": [{"id": 7, "vector": [1, 0]}]})
        s.v2("collections/alter_properties", {"collectionName": "r1", "properties": {"mmap.enabled": "true"}})
        s.v2("collections/create", {"collectionName": "r3", "dimension": 2, "params": {"shardsNum": 3}})
        s.v2("databases/create", {"dbName": "rdb", "properties": {"k": "v"}})
        t.eq("server stops cleanly", s.stop(), 0)
        s.start()
        t.eq("aliases after restart", s.v2("aliases/list")["data"], ["ra", "rb"])
        t.eq("targets after restart", [s.v2("aliases/describe", {"aliasName": a})["data"]["collectionName"] for a in ("ra", "rb")], ["r1", "r2"])
        t.eq("reads through an alias after restart", [r["id"] for r in s.v2("entities/get", {"collectionName": "rb", "id": [7]})["data"]], [7])
        t.code("drop with aliases still refused after restart", s.v2("collections/drop", {"collectionName": "r1"}), 65535, "associated aliases [ra]")
        t.eq("collection properties after restart", props_of(s, "r1"), {"mmap.enabled": "true"})
        t.eq("shardsNum after restart", s.v2("collections/describe", {"collectionName": "r3"})["data"]["shardsNum"], 3)
        t.eq("database properties after restart", s.v2("databases/describe", {"dbName": "rdb"})["data"]["properties"], [{"key": "k", "value": "v"}])
        s.v2("collections/rename", {"collectionName": "r1", "newCollectionName": "r1b"})
        t.eq("properties follow a rename", props_of(s, "r1b"), {"mmap.enabled": "true"})
        s.kill9()
        s.start()
        t.eq("aliases after kill -9", s.v2("aliases/list")["data"], ["ra", "rb"])
        t.eq("properties after kill -9", props_of(s, "r1b"), {"mmap.enabled": "true"})
    finally:
        s.cleanup()


def auth(t):
    """With --auth, another project's credentials see none of this project's aliases."""
    s = lib.Server(args=["--auth"])
    try:
        import subprocess
        keys = []
        for p in ("pa", "pb"):
            out = subprocess.run([lib.BIN, "apikey", "create", "--data", s.data, "--project", p], capture_output=True, text=True, timeout=60).stdout
            keys.append(out.strip().splitlines()[-1])
        ha, hb = ({"Authorization": "Bearer " + k} for k in keys)
        s.v2("collections/create", {"collectionName": "pc", "dimension": 2}, headers=ha)
        t.code("create alias as project a", s.v2("aliases/create", {"collectionName": "pc", "aliasName": "pal"}, headers=ha), 0)
        before = s.v2("aliases/list", headers=ha)["data"]
        t.eq("project b sees no aliases", s.v2("aliases/list", headers=hb)["data"], [])
        t.code("project b: describe", s.v2("aliases/describe", {"aliasName": "pal"}, headers=hb), 1600)
        t.code("project b: alter", s.v2("aliases/alter", {"collectionName": "pc", "aliasName": "pal"}, headers=hb), 100)
        t.code("project b: read through the alias", s.v2("entities/query", {"collectionName": "pal", "outputFields": ["count(*)"]}, headers=hb), 100)
        t.code("project b: drop (nothing of its own to drop)", s.v2("aliases/drop", {"aliasName": "pal"}, headers=hb), 0)
        st, js, _, _ = s.request("POST", "/v2/vectordb/aliases/list", {})
        t.eq("no credentials: 401 1800", (st, js.get("code")), (401, 1800))
        t.eq("project a's aliases unchanged", s.v2("aliases/list", headers=ha)["data"], before)
        t.eq("... and still its target", s.v2("aliases/describe", {"aliasName": "pal"}, headers=ha)["data"]["collectionName"], "pc")
        auth_properties(t, s, ha, hb)
    finally:
        s.cleanup()


def props_of(s, name, db="default"):
    d = s.v2("collections/describe", {"collectionName": name, "dbName": db}).get("data") or {}
    return {p["key"]: p["value"] for p in d.get("properties", [])}


def wait_for(cond, seconds=15.0):
    """Polls cond() until it is true or the deadline passes (a deadline, not a sleep)."""
    import time
    end = time.monotonic() + seconds
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.05)


def properties(t, s):
    """collections/{alter_properties,drop_properties,refresh_load,get_compaction_state} and
    databases/{alter,drop_properties,describe}: properties kept, described, and the TTL applied."""
    s.v2("collections/create", {"collectionName": "pp", "dimension": 2, "params": {"shardsNum": 4}})
    t.eq("shardsNum kept and described", s.v2("collections/describe", {"collectionName": "pp"})["data"]["shardsNum"], 4)
    t.eq("no properties at first", props_of(s, "pp"), {})
    t.code("alter_properties", s.v2("collections/alter_properties", {"collectionName": "pp", "properties": {"mmap.enabled": True, "collection.ttl.seconds": 3600, "x.ratio": 0.1}}), 0)
    t.code("a uint64 value is kept exactly", s.v2("collections/alter_properties", {"collectionName": "pp", "properties": {"x.big": 18446744073709551615}}), 0)
    t.eq("... as its text", props_of(s, "pp").get("x.big"), "18446744073709551615")
    s.v2("collections/drop_properties", {"collectionName": "pp", "propertyKeys": ["x.big"]})
    t.eq("describe shows them as Milvus does (strings)", s.v2("collections/describe", {"collectionName": "pp"})["data"]["properties"],
         [{"key": "collection.ttl.seconds", "value": "3600"}, {"key": "mmap.enabled", "value": "true"}, {"key": "x.ratio", "value": "0.1"}])
    s.v2("aliases/create", {"collectionName": "pp", "aliasName": "ppa"})
    t.code("alter_properties through an alias", s.v2("collections/alter_properties", {"collectionName": "ppa", "properties": {"mmap.enabled": "false"}}), 0)
    t.eq("... changed the collection", props_of(s, "pp")["mmap.enabled"], "false")
    t.code("drop_properties", s.v2("collections/drop_properties", {"collectionName": "pp", "propertyKeys": ["mmap.enabled", "not.there"]}), 0)
    t.eq("after drop_properties", props_of(s, "pp"), {"collection.ttl.seconds": "3600", "x.ratio": "0.1"})
    t.eq("shardsNum is not a property", s.v2("collections/describe", {"collectionName": "pp"})["data"]["shardsNum"], 4)
    before = props_of(s, "pp")
    cases = [
        ("malformed JSON", "collections/alter_properties", '{"collectionName": "pp", "properties": {', 1801, "json"),
        ("properties missing", "collections/alter_properties", {"collectionName": "pp"}, 1802, "properties"),
        ("properties not an object", "collections/alter_properties", {"collectionName": "pp", "properties": ["a"]}, 1801, "properties"),
        ("a value that is an object", "collections/alter_properties", {"collectionName": "pp", "properties": {"a": {"b": 1}}}, 1100, "value"),
        ("a null value", "collections/alter_properties", {"collectionName": "pp", "properties": {"a": None}}, 1100, "value"),
        ("TTL not a number", "collections/alter_properties", {"collectionName": "pp", "properties": {"collection.ttl.seconds": "abc"}}, 1100, "TTL"),
        ("TTL negative", "collections/alter_properties", {"collectionName": "pp", "properties": {"collection.ttl.seconds": -1}}, 1100, "TTL"),
        ("TTL fractional", "collections/alter_properties", {"collectionName": "pp", "properties": {"collection.ttl.seconds": 1.5}}, 1100, "TTL"),
        ("TTL too large", "collections/alter_properties", {"collectionName": "pp", "properties": {"collection.ttl.seconds": 10 ** 15}}, 1100, "TTL"),
        ("a reserved key", "collections/alter_properties", {"collectionName": "pp", "properties": {"annovec.shardsNum": "9"}}, 1100, "reserved"),
        ("too many properties", "collections/alter_properties", {"collectionName": "pp", "properties": {"k%d" % i: "v" for i in range(65)}}, 1100, "limit"),
        ("a value too long", "collections/alter_properties", {"collectionName": "pp", "properties": {"k": "v" * 5000}}, 1100, None),
        ("unknown collection", "collections/alter_properties", {"collectionName": "nope", "properties": {"a": "b"}}, 100, "collection not found[database=default][collection=nope]"),
        ("no collectionName", "collections/alter_properties", {"properties": {"a": "b"}}, 1802, "collectionName"),
        ("propertyKeys missing", "collections/drop_properties", {"collectionName": "pp"}, 1802, "propertyKeys"),
        ("propertyKeys not an array", "collections/drop_properties", {"collectionName": "pp", "propertyKeys": "x.ratio"}, 1801, "propertyKeys"),
        ("propertyKeys of numbers", "collections/drop_properties", {"collectionName": "pp", "propertyKeys": [1]}, 1801, "propertyKeys"),
        ("dropping a reserved key", "collections/drop_properties", {"collectionName": "pp", "propertyKeys": ["annovec.shardsNum"]}, 1100, "reserved"),
        ("drop on an unknown collection", "collections/drop_properties", {"collectionName": "nope", "propertyKeys": ["x.ratio"]}, 100, "collection not found"),
        ("create: shardsNum 17", "collections/create", {"collectionName": "bad", "dimension": 2, "params": {"shardsNum": 17}}, 1100, "shards"),
        ("create: shardsNum not a number", "collections/create", {"collectionName": "bad", "dimension": 2, "params": {"shardsNum": "many"}}, 1100, "shards"),
        ("create: ttlSeconds not a number", "collections/create", {"collectionName": "bad", "dimension": 2, "params": {"ttlSeconds": "soon"}}, 1100, "TTL"),
        ("refresh_load of an unknown collection", "collections/refresh_load", {"collectionName": "nope"}, 100, "collection not found"),
        ("get_compaction_state without jobID", "collections/get_compaction_state", {}, 1802, "jobID"),
        ("get_compaction_state, jobID a string", "collections/get_compaction_state", {"jobID": "x"}, 1801, "jobID"),
        ("get_compaction_state, compactionID a string", "collections/get_compaction_state", {"compactionID": "x"}, 1801, "compactionID"),
    ]
    for name, path, body, code, frag in cases:
        js = raw(s, "/v2/vectordb/" + path, body) if isinstance(body, str) else s.v2(path, body)
        t.code("properties: " + name, js, code, frag)
        t.eq("properties: %s changed nothing" % name, props_of(s, "pp"), before)
    t.eq("no collection bad", s.v2("collections/has", {"collectionName": "bad"})["data"], {"has": False})
    t.code("refresh_load", s.v2("collections/refresh_load", {"collectionName": "ppa"}), 0)
    c = s.v2("collections/compact", {"collectionName": "pp"})["data"]["compactionID"]
    t.eq("get_compaction_state", s.v2("collections/get_compaction_state", {"jobID": c})["data"],
         {"compactionID": c, "state": "Completed", "executingPlanNumber": 0, "timeoutPlanNumber": 0, "completedPlanNumber": 0})
    t.eq("get_compaction_state by compactionID (what the Node SDK sends)", s.v2("collections/get_compaction_state", {"collectionName": "pp", "compactionID": c})["data"]["state"], "Completed")
    s.v2("aliases/drop", {"aliasName": "ppa"})

    # the TTL property drives annovec's row expiry (Milvus's collection TTL)
    s.v2("collections/create", {"collectionName": "ttl", "dimension": 2, "params": {"ttlSeconds": 1}})
    s.v2("collections/create", {"collectionName": "nottl", "dimension": 2})
    t.eq("ttlSeconds becomes collection.ttl.seconds", props_of(s, "ttl"), {"collection.ttl.seconds": "1"})
    s.v2("entities/insert", {"collectionName": "ttl", "data": [{"id": 1, "vector": [1, 0]}]})
    s.post("/v1/vector/insert", {"collectionName": "ttl", "data": [{"id": 2, "vector": [0, 1]}]})
    s.v2("entities/insert", {"collectionName": "nottl", "data": [{"id": 1, "vector": [1, 0]}]})
    count = lambda n: s.v2("entities/query", {"collectionName": n, "outputFields": ["count(*)"]})["data"][0]["count(*)"]
    t.eq("rows visible before they expire", count("ttl"), 2)
    t.check("rows written through v1 and v2 expire after the collection's TTL", wait_for(lambda: count("ttl") == 0), count("ttl"))
    t.eq("a collection without TTL keeps its rows", count("nottl"), 1)
    t.code("drop the TTL", s.v2("collections/drop_properties", {"collectionName": "ttl", "propertyKeys": ["collection.ttl.seconds"]}), 0)
    s.v2("entities/insert", {"collectionName": "ttl", "data": [{"id": 3, "vector": [1, 0]}]})
    t.code("set a TTL on the other", s.v2("collections/alter_properties", {"collectionName": "nottl", "properties": {"collection.ttl.seconds": "1"}}), 0)
    s.v2("entities/insert", {"collectionName": "nottl", "data": [{"id": 2, "vector": [1, 0]}]})
    t.check("a row written after alter_properties expires", wait_for(lambda: count("nottl") == 1), count("nottl"))
    t.eq("a row written after drop_properties does not", count("ttl"), 1)

    # databases
    t.code("create a database with properties", s.v2("databases/create", {"dbName": "pdb", "properties": {"database.max.collections": 10}}), 0)
    d = s.v2("databases/describe", {"dbName": "pdb"})["data"]
    t.eq("describe: properties", d["properties"], [{"key": "database.max.collections", "value": "10"}])
    t.check("describe: dbID", isinstance(d.get("dbID"), int) and d["dbID"] > 0, d)
    t.code("databases/alter", s.v2("databases/alter", {"dbName": "pdb", "properties": {"database.force.deny.writing": False}}), 0)
    t.code("databases/alter_properties", s.v2("databases/alter_properties", {"dbName": "pdb", "properties": {"x": "y"}}), 0)
    t.eq("after alter", s.v2("databases/describe", {"dbName": "pdb"})["data"]["properties"],
         [{"key": "database.force.deny.writing", "value": "false"}, {"key": "database.max.collections", "value": "10"}, {"key": "x", "value": "y"}])
    t.code("databases/drop_properties", s.v2("databases/drop_properties", {"dbName": "pdb", "propertyKeys": ["x", "database.max.collections"]}), 0)
    t.eq("after drop_properties", s.v2("databases/describe", {"dbName": "pdb"})["data"]["properties"], [{"key": "database.force.deny.writing", "value": "false"}])
    t.eq("dbID is stable", s.v2("databases/describe", {"dbName": "pdb"})["data"]["dbID"], d["dbID"])
    dd = s.v2("databases/describe", {"dbName": "default"})["data"]
    t.eq("default database", (dd["dbName"], dd["properties"], isinstance(dd["dbID"], int)), ("default", [], True))
    dbefore = s.v2("databases/describe", {"dbName": "pdb"})["data"]
    for name, path, body, code, frag in [
        ("alter without properties", "databases/alter", {"dbName": "pdb"}, 1802, "properties"),
        ("alter without dbName", "databases/alter", {"properties": {"a": "b"}}, 1802, "dbName"),
        ("alter an unknown database", "databases/alter", {"dbName": "nodb", "properties": {"a": "b"}}, 800, "database not found"),
        ("alter, properties a string", "databases/alter", {"dbName": "pdb", "properties": "a=b"}, 1801, "properties"),
        ("drop_properties of an unknown database", "databases/drop_properties", {"dbName": "nodb", "propertyKeys": ["a"]}, 800, "database not found"),
        ("drop_properties without keys", "databases/drop_properties", {"dbName": "pdb"}, 1802, "propertyKeys"),
        ("describe an unknown database", "databases/describe", {"dbName": "nodb"}, 800, "database not found, database: nodb"),
        ("create with a bad property", "databases/create", {"dbName": "pdb2", "properties": {"a": [1]}}, 1100, "value"),
    ]:
        t.code("databases: " + name, s.v2(path, body), code, frag)
        t.eq("databases: %s changed nothing" % name, s.v2("databases/describe", {"dbName": "pdb"})["data"], dbefore)
    t.eq("no database pdb2", "pdb2" in s.v2("databases/list")["data"], False)
    s.v2("databases/drop", {"dbName": "pdb"})
    s.v2("databases/create", {"dbName": "pdb"})
    t.eq("a re-created database starts without properties", s.v2("databases/describe", {"dbName": "pdb"})["data"]["properties"], [])
    s.v2("databases/drop", {"dbName": "pdb"})


def alias_limit(t, s):
    """At most 1,024 aliases per database (AV_ALIASES_MAX): the next is refused and nothing changes."""
    s.v2("databases/create", {"dbName": "lim"})
    s.v2("collections/create", {"collectionName": "lc", "dimension": 2, "dbName": "lim"})
    codes = set()
    for i in range(1024):
        codes.add(s.v2("aliases/create", {"collectionName": "lc", "aliasName": "a%d" % i, "dbName": "lim"}).get("code"))
    t.eq("1,024 aliases in one database", (codes, len(s.v2("aliases/list", {"dbName": "lim"})["data"])), ({0}, 1024))
    t.code("the 1,025th is refused", s.v2("aliases/create", {"collectionName": "lc", "aliasName": "over", "dbName": "lim"}), 1100, "limit")
    t.eq("... and not created", "over" in s.v2("aliases/list", {"dbName": "lim"})["data"], False)
    t.code("the same alias again is still fine at the limit", s.v2("aliases/create", {"collectionName": "lc", "aliasName": "a7", "dbName": "lim"}), 0)
    t.code("another database is not limited by this one", s.v2("aliases/create", {"collectionName": "ca", "aliasName": "over"}), 0)
    s.v2("aliases/drop", {"aliasName": "over"})
    for i in range(1024):
        s.v2("aliases/drop", {"aliasName": "a%d" % i, "dbName": "lim"})
    t.code("drop the collection once its aliases are gone", s.v2("collections/drop", {"collectionName": "lc", "dbName": "lim"}), 0)
    s.v2("databases/drop", {"dbName": "lim"})


def auth_properties(t, s, ha, hb):
    """Another project's credentials can neither read nor change this project's properties."""
    t.code("project a sets a property", s.v2("collections/alter_properties", {"collectionName": "pc", "properties": {"k": "a"}}, headers=ha), 0)
    s.v2("databases/create", {"dbName": "pdb", "properties": {"k": "a"}}, headers=ha)
    for name, path, body, code in [
        ("alter_properties", "collections/alter_properties", {"collectionName": "pc", "properties": {"k": "b"}}, 100),
        ("drop_properties", "collections/drop_properties", {"collectionName": "pc", "propertyKeys": ["k"]}, 100),
        ("describe", "collections/describe", {"collectionName": "pc"}, 100),
        ("databases/alter", "databases/alter", {"dbName": "pdb", "properties": {"k": "b"}}, 800),
        ("databases/drop_properties", "databases/drop_properties", {"dbName": "pdb", "propertyKeys": ["k"]}, 800),
        ("databases/describe", "databases/describe", {"dbName": "pdb"}, 800),
    ]:
        t.code("project b: " + name, s.v2(path, body, headers=hb), code)
    d = s.v2("collections/describe", {"collectionName": "pc"}, headers=ha)["data"]
    t.eq("project a's collection properties unchanged", d["properties"], [{"key": "k", "value": "a"}])
    t.eq("project a's database properties unchanged", s.v2("databases/describe", {"dbName": "pdb"}, headers=ha)["data"]["properties"], [{"key": "k", "value": "a"}])
