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
