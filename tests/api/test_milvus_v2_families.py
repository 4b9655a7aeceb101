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
    finally:
        s.cleanup()


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

