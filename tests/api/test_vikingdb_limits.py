"""VikingDB input limits (issue 9): bounded recursion in the filter DSL, checked numbers, UTF-8,
the answer budget and the type defaults of fields without default_val. Each refusal is the
documented code and changes nothing; the server stays up."""
import lib


def vk(s, path, body=None):
    st, js, _, _ = s.request("POST", path, body if body is not None else {})
    return st, js


def alive(t, s, name):
    st, js = vk(s, "/api/collection/info", {"collection_name": "vl"})
    t.check(name + ": the server still answers", st == 200 and js and js.get("code") == 0, js)


def run(t):
    s = lib.Server()
    try:
        st, js = vk(s, "/api/collection/create", {"collection_name": "vl", "primary_key": "pk", "fields": [
            {"field_name": "pk", "field_type": "int64"}, {"field_name": "n", "field_type": "int64", "default_val": 0},
            {"field_name": "v", "field_type": "vector", "dim": 4}]})
        t.check("create", st == 200 and js["code"] == 0, js)
        vk(s, "/api/index/create", {"collection_name": "vl", "index_name": "i", "vector_index": {"index_type": "flat", "distance": "l2"}})
        st, js = vk(s, "/api/collection/upsert_data", {"collection_name": "vl", "fields": [{"pk": i, "n": i, "v": [i, 0, 0, 0]} for i in range(1, 31)]})
        t.check("upsert", st == 200 and js["code"] == 0, js)
        recursion(t, s)
        numbers(t, s)
        budget(t, s)
        defaults(t, s)
    finally:
        s.cleanup()


def recursion(t, s):
    conds = [{"op": "range", "field": "n", "gt": 0}] * 20000
    st, js = vk(s, "/api/index/search", {"collection_name": "vl", "index_name": "i", "search": {
        "order_by_vector": {"vectors": [[1, 0, 0, 0]]}, "limit": 3, "filter": {"op": "and", "conds": conds}}})
    t.check("an and of 20,000 conditions is answered", st == 200 and js and js["code"] == 0 and len(js["data"][0]) == 3, str(js)[:200])
    alive(t, s, "and of 20,000")
    st, js = vk(s, "/api/index/search", {"collection_name": "vl", "index_name": "i", "search": {
        "order_by_vector": {"vectors": [[1, 0, 0, 0]]}, "limit": 3,
        "filter": {"op": "or", "conds": [{"op": "must", "field": "n", "conds": [-1]}] * 20000 + [{"op": "must", "field": "n", "conds": [5]}]}}})
    t.check("an or of 20,001 conditions is answered", st == 200 and js and js["code"] == 0 and [x["pk"] for x in js["data"][0]] == [5], str(js)[:200])
    st, js = s.request("POST", "/api/vikingdb/data/search/vector", {"collection_name": "vl", "index_name": "i", "dense_vector": [1, 0, 0, 0],
                                                                    "limit": 2, "filter": {"op": "and", "conds": conds}})[:2]
    t.check("V2 search with the and of 20,000 is answered", st == 200 and js and js["code"] == "Success", str(js)[:200])
    f = {"op": "range", "field": "n", "gt": 0}
    for _ in range(20):
        f = {"op": "and", "conds": [f, {"op": "range", "field": "n", "lt": 100}]}
    st, js = vk(s, "/api/index/search", {"collection_name": "vl", "index_name": "i", "search": {
        "order_by_vector": {"vectors": [[1, 0, 0, 0]]}, "limit": 2, "filter": f}})
    t.check("a 20-deep nested filter works", st == 200 and js["code"] == 0 and [x["pk"] for x in js["data"][0]] == [1, 2], js)
    alive(t, s, "after the filters")


I64MAX = 2 ** 63 - 1


def numbers(t, s):
    """limit + offset is checked without overflow (offset 2^63-1 used to wrap below the cap)."""
    st, js = vk(s, "/api/index/search", {"collection_name": "vl", "index_name": "i", "search": {
        "order_by_vector": {"vectors": [[1, 0, 0, 0]]}, "limit": 10, "offset": I64MAX}})
    t.check("V1 search offset 2^63-1 is refused (1000003)", st == 400 and js["code"] == 1000003, js)
    st, js = vk(s, "/api/index/search", {"collection_name": "vl", "index_name": "i", "search": {
        "order_by_scalar": {"field_name": "n"}, "limit": 10, "offset": I64MAX}})
    t.check("V1 order_by_scalar offset 2^63-1 is refused (1000003)", st == 400 and js["code"] == 1000003, js)
    for path, extra in [("search/vector", {"dense_vector": [1, 0, 0, 0]}), ("search/scalar", {"field": "n"}), ("search/random", {})]:
        body = {"collection_name": "vl", "index_name": "i", "limit": 10, "offset": I64MAX}
        body.update(extra)
        st, js = s.request("POST", "/api/vikingdb/data/" + path, body)[:2]
        t.check("V2 %s offset 2^63-1 is refused (InvalidParameter)" % path, st == 400 and js["code"] == "InvalidParameter", js)
    st, js = vk(s, "/api/index/search", {"collection_name": "vl", "index_name": "i", "search": {
        "order_by_vector": {"vectors": [[1, 0, 0, 0]] * 11}, "limit": 10}})
    t.check("V1 search with 11 vectors is refused", st == 400 and js["code"] != 0, js)
    alive(t, s, "numbers")


def budget(t, s):
    """One answer is at most 8 MiB of rows; bigger ones are refused (1000003 / InvalidParameter)."""
    st, js = vk(s, "/api/collection/create", {"collection_name": "vb", "primary_key": "pk", "fields": [
        {"field_name": "pk", "field_type": "int64"}, {"field_name": "s", "field_type": "text", "default_val": ""},
        {"field_name": "v", "field_type": "vector", "dim": 4}]})
    t.check("create vb", st == 200 and js["code"] == 0, js)
    vk(s, "/api/index/create", {"collection_name": "vb", "index_name": "i", "vector_index": {"index_type": "flat", "distance": "l2"}})
    text = "x" * 20000
    for b in range(6):
        st, js = vk(s, "/api/collection/upsert_data", {"collection_name": "vb", "fields": [{"pk": b * 100 + i + 1, "s": text, "v": [i, 0, 0, 0]} for i in range(100)]})
        t.check("upsert 100 rows of 20 KB", st == 200 and js["code"] == 0, str(js)[:200])
    st, js = vk(s, "/api/index/search", {"collection_name": "vb", "index_name": "i", "search": {
        "order_by_vector": {"vectors": [[1, 0, 0, 0]]}, "limit": 600}})
    t.check("V1: a 12 MB search answer is refused", st == 400 and js["code"] == 1000003 and "8388608" in js["message"], str(js)[:200])
    st, js = vk(s, "/api/index/search", {"collection_name": "vb", "index_name": "i", "search": {
        "order_by_vector": {"vectors": [[1, 0, 0, 0]]}, "limit": 300}})
    t.check("V1: a 6 MB search answer is served", st == 200 and js["code"] == 0 and len(js["data"][0]) == 300, str(js)[:200])
    st, js = s.request("POST", "/api/vikingdb/data/search/vector", {"collection_name": "vb", "index_name": "i", "dense_vector": [1, 0, 0, 0], "limit": 600})[:2]
    t.check("V2: a 12 MB search answer is refused", st == 400 and js["code"] == "InvalidParameter" and "8388608" in js["message"], str(js)[:200])
    st, js = s.request("POST", "/api/vikingdb/data/fetch_in_collection", {"collection_name": "vb", "ids": list(range(1, 101))})[:2]
    t.check("V2: fetch of 100 rows of 20 KB is served", st == 200 and js["code"] == "Success", str(js)[:200])
    vk(s, "/api/collection/drop", {"collection_name": "vb"})


DEFAULTS = {"i": 0, "f": 0, "s": "default", "b": False, "ls": ["default"], "li": [0]}


def defaults(t, s):
    """A field without default_val takes VikingDB's type default when a row leaves it out: int64 0,
    float32 0, string "default", bool false, list<string> ["default"], list<int64> [0]."""
    st, js = vk(s, "/api/collection/create", {"collection_name": "vd", "primary_key": "pk", "fields": [
        {"field_name": "pk", "field_type": "int64"}, {"field_name": "i", "field_type": "int64"},
        {"field_name": "f", "field_type": "float32"}, {"field_name": "s", "field_type": "string"},
        {"field_name": "b", "field_type": "bool"}, {"field_name": "ls", "field_type": "list<string>"},
        {"field_name": "li", "field_type": "list<int64>"}, {"field_name": "t", "field_type": "text"},
        {"field_name": "own", "field_type": "string", "default_val": "mine"},
        {"field_name": "v", "field_type": "vector", "dim": 4}]})
    t.check("create vd with fields without default_val", st == 200 and js["code"] == 0, js)
    st, js = vk(s, "/api/collection/upsert_data", {"collection_name": "vd", "fields": [{"pk": 1, "v": [1, 0, 0, 0], "t": "x"}]})
    t.check("a V1 row leaving them out is accepted", st == 200 and js["code"] == 0, js)
    st, js = vk(s, "/api/collection/fetch_data", {"collection_name": "vd", "primary_keys": [1]})
    got = js["data"][0] if st == 200 and js.get("data") else {}
    t.eq("the row reads the type defaults", {k: got.get(k) for k in DEFAULTS}, DEFAULTS)
    t.eq("an explicit default_val still wins", got.get("own"), "mine")
    st, js = s.request("POST", "/api/vikingdb/data/upsert", {"collection_name": "vd", "data": [{"pk": 2, "v": [0, 1, 0, 0], "t": "y"}]})[:2]
    t.check("a V2 row leaving them out is accepted", st == 200 and js["code"] == "Success", js)
    st, js = vk(s, "/api/index/create", {"collection_name": "vd", "index_name": "i", "vector_index": {"index_type": "flat", "distance": "l2"}})
    st, js = vk(s, "/api/index/search", {"collection_name": "vd", "index_name": "i", "search": {
        "order_by_vector": {"vectors": [[1, 0, 0, 0]]}, "limit": 5, "filter": {"op": "must", "field": "s", "conds": ["default"]}}})
    t.check("the defaults filter like stored values", st == 200 and js["code"] == 0 and sorted(x["pk"] for x in js["data"][0]) == [1, 2], js)
    st, js = vk(s, "/api/collection/info", {"collection_name": "vd"})
    f = {x["field_name"]: x for x in js["data"]["fields"]}
    t.check("info shows the implicit default_val", f["s"].get("default_val") == "default" and f["li"].get("default_val") == [0], f)
    vk(s, "/api/collection/drop", {"collection_name": "vd"})
