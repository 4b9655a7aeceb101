"""Milvus input limits (issue 9): bounded recursion in the filter parser and evaluator, checked
arithmetic on client numbers, exact int64 literals, UTF-8 validation, the answer budget, the delete
guard and its dry run. Each case answers the documented error and changes nothing; the server
stays up (every case is followed by a request that must still be answered)."""
import lib


def rows(ids):
    return [{"id": i, "vector": [float(i % 7), 1.0, 0.5, float(i % 3)], "color": "red" if i % 2 else "blue", "n": i}
            for i in ids]


def alive(t, s, name):
    js = s.v2("collections/has", {"collectionName": "lim"})
    t.check(name + ": the server still answers", js and js.get("code") == 0, js)


def count(s, name="lim"):
    return s.v2("entities/query", {"collectionName": name, "outputFields": ["count(*)"]})["data"][0]["count(*)"]


def run(t):
    s = lib.Server()
    try:
        t.code("create", s.v2("collections/create", {"collectionName": "lim", "dimension": 4}), 0)
        t.code("insert", s.v2("entities/insert", {"collectionName": "lim", "data": rows(range(1, 51))}), 0)
        recursion(t, s)
        numbers(t, s)
        int64_edges(t, s)
        utf8(t, s)
        budget(t, s)
        dry_run(t, s)
    finally:
        s.cleanup()


def recursion(t, s):
    # ~65 KB: 10,901 conditions joined by && (under the 65,536-byte filter limit)
    chain = "id>0&&" * 10900 + "id>0"
    js = s.v2("entities/query", {"collectionName": "lim", "filter": chain, "outputFields": ["id"], "limit": 5})
    t.check("a flat && chain of 10,901 conditions is answered", js and js.get("code") == 0 and len(js["data"]) == 5, str(js)[:200])
    alive(t, s, "&& chain")
    js = s.v2("entities/query", {"collectionName": "lim", "filter": "id<0||" * 10900 + "id==7", "outputFields": ["id"]})
    t.check("a flat || chain of 10,901 conditions is answered", js and js.get("code") == 0 and [r["id"] for r in js["data"]] == [7], str(js)[:200])
    js = s.v2("entities/delete", {"collectionName": "lim", "filter": "id<0&&" * 10900 + "id==-1"})
    t.check("a delete with a 10,901-condition chain deletes nothing", js and js.get("code") == 0 and js["data"]["deleteCount"] == 0, str(js)[:200])
    js = s.v2("entities/query", {"collectionName": "lim", "filter": "id" + "+1" * 10900 + ">0", "outputFields": ["id"]})
    t.code("an arithmetic chain of 10,900 operators is refused", js, 1100, "arithmetic")
    alive(t, s, "arithmetic chain")
    js = s.v2("entities/query", {"collectionName": "lim", "filter": "id" + "*1" * 10900 + ">0", "outputFields": ["id"]})
    t.code("a * chain of 10,900 operators is refused", js, 1100, "arithmetic")
    js = s.v2("entities/query", {"collectionName": "lim", "filter": "id" + "+1" * 200 + ">200", "outputFields": ["id"], "limit": 1})
    t.check("an arithmetic chain of 200 operators works", js and js.get("code") == 0 and [r["id"] for r in js["data"]] == [1], js)
    nested = "id > 0"
    for i in range(20):
        nested = "(%s && (id != %d))" % (nested, 1000 + i)
    js = s.v2("entities/query", {"collectionName": "lim", "filter": nested, "outputFields": ["id"], "limit": 2})
    t.check("a 20-deep nested expression works", js and js.get("code") == 0 and [r["id"] for r in js["data"]] == [1, 2], js)
    js = s.v2("entities/query", {"collectionName": "lim", "filter": "(" * 100 + "id>0" + ")" * 100})
    t.code("100 nested parentheses are refused", js, 1100, "nested")
    js = s.v2("entities/search", {"collectionName": "lim", "data": [[1, 1, 1, 1]], "limit": 3, "filter": chain})
    t.check("a search with the 10,901-condition chain is answered", js and js.get("code") == 0 and len(js["data"]) == 3, str(js)[:200])
    js = s.request("POST", "/v1/vector/query", {"collectionName": "lim", "filter": chain, "limit": 3})[1]
    t.check("v1 query with the chain is answered", js and js.get("code") == 200 and len(js["data"]) == 3, str(js)[:200])
    t.eq("nothing was deleted", count(s), 50)


I64MAX = 2 ** 63 - 1


def numbers(t, s):
    """Client numbers are checked without overflow: limit + offset never wraps past the cap."""
    for name, body in [("v2 query limit 2^63-1 offset 1", {"limit": I64MAX, "offset": 1}),
                       ("v2 query limit 1 offset 2^63-1", {"limit": 1, "offset": I64MAX}),
                       ("v2 query limit 16384 offset 2^63-1", {"limit": 16384, "offset": I64MAX})]:
        body.update({"collectionName": "lim", "filter": "id > 0", "outputFields": ["id"]})
        t.code(name + " is refused", s.v2("entities/query", body), 1100, "limit")
    js = s.v2("entities/search", {"collectionName": "lim", "data": [[1, 1, 1, 1]], "limit": I64MAX, "offset": 1})
    t.code("v2 search limit 2^63-1 offset 1 is refused", js, 1100, "limit")
    js = s.v2("entities/search", {"collectionName": "lim", "data": [[1, 1, 1, 1]], "limit": 1, "offset": I64MAX})
    t.code("v2 search offset 2^63-1 is refused", js, 1100, "limit")
    js = s.request("POST", "/v1/vector/query", {"collectionName": "lim", "filter": "id > 0", "limit": 10, "offset": I64MAX})[1]
    t.code("v1 query offset 2^63-1 is refused (90126)", js, 90126, "16384")
    js = s.request("POST", "/v1/vector/search", {"collectionName": "lim", "vector": [1, 1, 1, 1], "limit": 10, "offset": I64MAX})[1]
    t.code("v1 search offset 2^63-1 is refused (90126)", js, 90126, "16384")
    js = s.v2("entities/search", {"collectionName": "lim", "data": [[1, 1, 1, 1]] * 1025, "limit": 1})
    t.code("v2 search of 1,025 vectors is refused", js, 1100, "1024")
    js = s.v2("entities/search", {"collectionName": "lim", "data": [[1, 1, 1, 1]] * 5, "limit": 16384})
    t.code("v2 search nq 5 x limit 16384 is over the 65,536 rows of one answer", js, 1100, "65536")
    js = s.v2("entities/search", {"collectionName": "lim", "data": [[1, 1, 1, 1]] * 64, "limit": 1024})
    t.check("v2 search nq 64 x limit 1024 (65,536 hits) is answered", js and js.get("code") == 0 and len(js["topks"]) == 64, str(js)[:200])
    alive(t, s, "numbers")


def raw(s, path, text):
    """POST raw bytes; returns (parsed JSON or None, the raw answer bytes decoded strictly or None)."""
    import http.client
    import json
    conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
    conn.request("POST", path, body=text if isinstance(text, bytes) else text.encode(), headers={"Content-Type": "application/json"})
    body = conn.getresponse().read()
    conn.close()
    try:
        txt = body.decode("utf-8")
    except UnicodeDecodeError:
        return None, None
    try:
        return json.loads(txt), txt
    except ValueError:
        return None, txt


def int64_edges(t, s):
    """Int64 literals outside [-2^63, 2^63-1] are refused, never clamped; -2^63 itself works."""
    before = count(s)
    js, _ = raw(s, "/v2/vectordb/entities/insert", '{"collectionName":"lim","data":[{"id":-9223372036854775809,"vector":[1,2,3,4]}]}')
    t.check("insert id -2^63-1 is refused", js and js.get("code") not in (0, None) and "range" in js.get("message", ""), js)
    js, _ = raw(s, "/v2/vectordb/entities/insert", '{"collectionName":"lim","data":[{"id":9223372036854775808,"vector":[1,2,3,4]}]}')
    t.check("insert id 2^63 is refused", js and js.get("code") not in (0, None), js)
    js, _ = raw(s, "/v2/vectordb/entities/insert", '{"collectionName":"lim","data":[{"id":1,"n":-99999999999999999999999,"vector":[1,2,3,4]}]}')
    t.check("a dynamic value -1e23 written as an integer is refused", js and js.get("code") not in (0, None) and "range" in js.get("message", ""), js)
    t.eq("nothing was written", count(s), before)
    js, _ = raw(s, "/v2/vectordb/entities/insert", '{"collectionName":"lim","data":[{"id":-9223372036854775808,"vector":[1,2,3,4]},{"id":9223372036854775807,"vector":[1,2,3,4]}]}')
    t.check("insert ids -2^63 and 2^63-1", js and js.get("code") == 0, js)
    js = s.v2("entities/query", {"collectionName": "lim", "filter": "id == -9223372036854775808", "outputFields": ["id"]})
    t.check("filter id == -9223372036854775808", js and js.get("code") == 0 and [r["id"] for r in js["data"]] == [-2 ** 63], js)
    js = s.v2("entities/query", {"collectionName": "lim", "filter": "id in [-9223372036854775808, 9223372036854775807]", "outputFields": ["id"]})
    t.check("filter id in [-2^63, 2^63-1]", js and js.get("code") == 0 and [r["id"] for r in js["data"]] == [-2 ** 63, 2 ** 63 - 1], js)
    js = s.v2("entities/query", {"collectionName": "lim", "filter": "id < -9223372036854775807", "outputFields": ["id"]})
    t.check("filter id < -(2^63-1)", js and js.get("code") == 0 and [r["id"] for r in js["data"]] == [-2 ** 63], js)
    for bad in ["id == 9223372036854775808", "id == -9223372036854775809", "id == --9223372036854775808", "id in [9223372036854775808]"]:
        js = s.v2("entities/query", {"collectionName": "lim", "filter": bad, "outputFields": ["id"]})
        t.code("filter %s is refused" % bad, js, 1100, "range")
    js = s.v2("entities/delete", {"collectionName": "lim", "filter": "id in [-9223372036854775808, 9223372036854775807]"})
    t.check("delete them by filter", js and js.get("code") == 0 and js["data"]["deleteCount"] == 2, js)
    t.eq("back to the rows before", count(s), before)


def utf8(t, s):
    """Invalid UTF-8 is refused wherever a string is accepted; answers are always valid UTF-8."""
    before = count(s)
    cases = [
        ("a field value", b'{"collectionName":"lim","data":[{"id":900,"vector":[1,2,3,4],"color":"r\xffd"}]}'),
        ("a truncated sequence", b'{"collectionName":"lim","data":[{"id":900,"vector":[1,2,3,4],"color":"\xe2\x82"}]}'),
        ("an overlong encoding", b'{"collectionName":"lim","data":[{"id":900,"vector":[1,2,3,4],"color":"\xc0\xaf"}]}'),
        ("a UTF-16 surrogate", b'{"collectionName":"lim","data":[{"id":900,"vector":[1,2,3,4],"color":"\xed\xa0\x80"}]}'),
        ("a dynamic key", b'{"collectionName":"lim","data":[{"id":900,"vector":[1,2,3,4],"k\xfe":1}]}'),
    ]
    for name, body in cases:
        js, txt = raw(s, "/v2/vectordb/entities/insert", body.replace(b"\\x", b"\\x").decode("unicode_escape").encode("latin-1"))
        t.check("insert with invalid UTF-8 in %s is refused" % name, js and js.get("code") not in (0, None) and "UTF-8" in js.get("message", ""), txt)
    js, txt = raw(s, "/v2/vectordb/entities/query", b'{"collectionName":"lim","filter":"color == \"\xff\""}'.decode("unicode_escape").encode("latin-1"))
    t.check("a filter with invalid UTF-8 is refused", js and js.get("code") not in (0, None), txt)
    js, txt = raw(s, "/v2/vectordb/entities/insert", '{"collectionName":"lim","data":[{"id":900,"vector":[1,2,3,4],"color":"café 猫 😀"}]}')
    t.check("valid multi-byte UTF-8 is stored", js and js.get("code") == 0, txt)
    js, txt = raw(s, "/v2/vectordb/entities/query", '{"collectionName":"lim","filter":"id >= 0","outputFields":["*"],"limit":100}')
    t.check("every later query answers valid JSON", js and js.get("code") == 0, str(txt)[:200])
    t.eq("the multi-byte value reads back", [r.get("color") for r in js["data"] if r["id"] == 900] if js else None, ["café 猫 😀"])
    # an error text quoting a long client name is cut at a character boundary
    js, txt = raw(s, "/v2/vectordb/entities/query", '{"collectionName":"lim","filter":"' + "é" * 400 + ' == 1"}')
    t.check("an error quoting 400 two-byte characters is valid UTF-8", txt is not None and js is not None and js.get("code") not in (0, None), txt)
    js, txt = raw(s, "/v2/vectordb/entities/query", '{"collectionName":"' + "猫" * 300 + '","filter":"id > 0"}')
    t.check("an error quoting a 900-byte collection name is valid UTF-8", txt is not None and js is not None and js.get("code") not in (0, None), txt)
    js, txt = raw(s, "/v2/vectordb/entities/query", '{"collectionName":"lim","filter":"' + "a" * 39 + "éé ~ 1" + '"}')
    t.check("an error quoting a token cut at 40 bytes is valid UTF-8", txt is not None and js is not None and js.get("code") == 1100, txt)
    st, js, text, _ = s.request("GET", "/v1/vector/get?collectionName=lim&id=%FF")
    t.check("a query-string value with invalid UTF-8 is refused", js is not None and js.get("code") not in (0, 200), text)
    s.v2("entities/delete", {"collectionName": "lim", "filter": "id in [900]"})
    t.eq("only the valid row was written (and deleted again)", count(s), before)


def budget(t, s):
    """One answer is at most 8 MiB of rows (estimated JSON bytes): bigger ones are refused with the
    limit error and the client pages instead; overflowing distances are clamped, never null."""
    t.code("create big", s.v2("collections/create", {"collectionName": "big", "dimension": 4}), 0)
    text = "x" * 5000
    for b in range(4):
        js = s.v2("entities/insert", {"collectionName": "big", "data": [{"id": b * 500 + i, "vector": [1, 2, 3, float(i)], "s": text} for i in range(500)]})
        t.code("insert 500 rows of 5 KB", js, 0)
    js = s.v2("entities/query", {"collectionName": "big", "filter": "id >= 0", "outputFields": ["s"], "limit": 2000})
    t.code("a 10 MB query answer is refused", js, 1100, "8388608")
    js = s.v2("entities/query", {"collectionName": "big", "filter": "id >= 0", "outputFields": ["s"], "limit": 1000})
    t.check("a 5 MB query answer is served", js and js.get("code") == 0 and len(js["data"]) == 1000, str(js)[:200])
    js = s.v2("entities/search", {"collectionName": "big", "data": [[1, 2, 3, 4]] * 10, "limit": 1000, "outputFields": ["s"]})
    t.code("a 50 MB search answer is refused", js, 1100, "8388608")
    js = s.v2("entities/get", {"collectionName": "big", "id": list(range(2000)), "outputFields": ["s"]})
    t.code("a 10 MB get answer is refused", js, 1100, "8388608")
    js = s.request("POST", "/v1/vector/query", {"collectionName": "big", "filter": "id >= 0", "outputFields": ["s"], "limit": 2000})[1]
    t.check("v1: a 10 MB query answer is refused", js and js.get("code") not in (0, 200) and "8388608" in js.get("message", ""), str(js)[:200])
    js = s.v2("entities/search", {"collectionName": "big", "data": [[1, 2, 3, 4]] * 64, "limit": 1000, "outputFields": ["id"]})
    t.check("nq 64 x limit 1000 of small rows (64,000 hits) is served", js and js.get("code") == 0 and sum(js["topks"]) == 64000, str(js)[:200])
    # distances that overflow float32 are clamped to the largest float32
    t.code("create huge", s.v2("collections/create", {"collectionName": "huge", "dimension": 4, "metricType": "IP"}), 0)
    t.code("insert a huge vector", s.v2("entities/insert", {"collectionName": "huge", "data": [{"id": 1, "vector": [3e38, 3e38, 3e38, 3e38]}, {"id": 2, "vector": [-3e38, 3e38, -3e38, 3e38]}]}), 0)
    js = s.v2("entities/search", {"collectionName": "huge", "data": [[3e38, 3e38, 3e38, 3e38]], "limit": 2})
    t.check("an infinite IP score is clamped, not null", js and js.get("code") == 0 and all(isinstance(r["distance"], (int, float)) for r in js["data"]), js)
    t.check("clamped to +-3.4028235e38", js and js.get("code") == 0 and max(abs(r["distance"]) for r in js["data"]) <= 3.4028236e38, js)
    js = s.v2("collections/drop", {"collectionName": "big"})


def dry_run(t, s):
    """The delete guard refuses only filters that are true whatever the row (constant-folded); a
    filter that happens to match every row is a delete like any other, so annovecDryRun answers
    how many rows a filter delete would remove and deletes nothing."""
    before = count(s)
    js = s.v2("entities/delete", {"collectionName": "lim", "filter": "id != -1", "annovecDryRun": True})
    t.check("dry run of id != -1 counts every row", js and js.get("code") == 0 and js["data"] == {"deleteCount": 0, "matchCount": before, "dryRun": True}, js)
    js = s.v2("entities/delete", {"collectionName": "lim", "filter": "id in [1, 2, 999]", "annovecDryRun": True})
    t.check("dry run of id in [1, 2, 999] counts 2", js and js.get("code") == 0 and js["data"]["matchCount"] == 2, js)
    js = s.v2("entities/delete", {"collectionName": "lim", "filter": "true", "annovecDryRun": True})
    t.code("dry run of an always-true filter is refused like the delete", js, 1100, "always true")
    js = s.v2("entities/delete", {"collectionName": "lim", "filter": "id > 0 or 1 == 1", "annovecDryRun": True})
    t.code("dry run of a constant-true or is refused like the delete", js, 1100, "always true")
    js = s.v2("entities/delete", {"collectionName": "lim", "filter": "id > 0", "annovecDryRun": "yes"})
    t.code("annovecDryRun that is not a boolean is refused", js, 1801, "annovecDryRun")
    js = s.request("POST", "/v1/vector/delete", {"collectionName": "lim", "filter": "id >= 10", "annovecDryRun": True})[1]
    t.check("v1 dry run counts and deletes nothing", js and js.get("code") == 200 and js["data"] == {"deleteCount": 0, "matchCount": before - 9, "dryRun": True}, js)
    js = s.v2("entities/delete", {"collectionName": "lim", "filter": "id in [1]", "annovecDryRun": False})
    t.check("annovecDryRun false deletes", js and js.get("code") == 0 and js["data"] == {"deleteCount": 1}, js)
    t.eq("only the non-dry delete removed a row", count(s), before - 1)
