"""VikingDB ranking and aggregation on the wire (the engine's av_query_ordered and av_count_groups
behind V1 order_by_scalar, V2 search/scalar and search/random, V1 search/agg and V2 agg): the default
order (descending), ties by primary key with ascending the exact reverse, offset and limit, float
scores, each row's score with its own fields, V2's counts, random draws, groups in order of their
first row with the count threshold and a filter, and refused or missing fields."""
import lib

P2 = "/api/vikingdb/data/"

# pk: (n, p, city); upserted in reverse pk order so that storage order is not pk order
DATA = {"a": (2, 0.5, "sh"), "b": (1, 1.25, "bj"), "c": (2, 2, "sh"), "d": (3, -1, "gz"), "e": (2, 0.75, "bj"), "f": (0, 3, "sh")}
BY_N_DESC = [("d", 3), ("a", 2), ("c", 2), ("e", 2), ("b", 1), ("f", 0)]


def v1(s, path, body):
    return s.request("POST", path, body)[:2]


def v2(s, path, body):
    return s.request("POST", P2 + path, body)[:2]


def scalar_v1(s, obs, **kw):
    search = {"order_by_scalar": obs, "limit": 10}
    search.update(kw)
    return v1(s, "/api/index/search", {"collection_name": "r", "index_name": "i", "search": search})


def ranked(js, key):
    return [(x[key], x["score"]) for x in js]


def run(t):
    s = lib.Server()
    try:
        st, js = v1(s, "/api/collection/create", {"collection_name": "r", "primary_key": "pk", "fields": [
            {"field_name": "pk", "field_type": "string"}, {"field_name": "n", "field_type": "int64", "default_val": 0},
            {"field_name": "p", "field_type": "float32", "default_val": 0}, {"field_name": "city", "field_type": "string", "default_val": ""},
            {"field_name": "v", "field_type": "vector", "dim": 4}]})
        t.check("create", st == 200 and js["code"] == 0, js)
        v1(s, "/api/index/create", {"collection_name": "r", "index_name": "i", "vector_index": {"index_type": "flat", "distance": "ip"}})
        rows = [{"pk": k, "n": n, "p": p, "city": c, "v": [1, 0, 0, 0]} for k, (n, p, c) in sorted(DATA.items(), reverse=True)]
        st, js = v1(s, "/api/collection/upsert_data", {"collection_name": "r", "fields": rows})
        t.check("upsert", st == 200 and js["code"] == 0, js)
        order_by_scalar(t, s)
        search_scalar(t, s)
        search_random(t, s)
        agg(t, s)
    finally:
        s.cleanup()


def order_by_scalar(t, s):
    st, js = scalar_v1(s, {"field_name": "n"})
    t.eq("V1 order_by_scalar is descending by default, ties by primary key", ranked(js["data"][0], "pk"), BY_N_DESC)
    st, js = scalar_v1(s, {"field_name": "n", "order": "desc"})
    t.eq("V1 order_by_scalar desc", ranked(js["data"][0], "pk"), BY_N_DESC)
    st, js = scalar_v1(s, {"field_name": "n", "order": "asc"})
    t.eq("V1 order_by_scalar asc is the exact reverse", ranked(js["data"][0], "pk"), BY_N_DESC[::-1])
    st, js = scalar_v1(s, {"field_name": "n", "order": "asc"}, offset=2, limit=2)
    t.eq("V1 order_by_scalar offset and limit", ranked(js["data"][0], "pk"), [("e", 2), ("c", 2)])
    st, js = scalar_v1(s, {"field_name": "n"}, offset=5)
    t.eq("V1 order_by_scalar offset to the last row", ranked(js["data"][0], "pk"), [("f", 0)])
    st, js = scalar_v1(s, {"field_name": "n"}, offset=6)
    t.eq("V1 order_by_scalar offset past the end", js["data"], [[]])
    st, js = scalar_v1(s, {"field_name": "p"}, output_fields=["city", "n"])
    t.eq("V1 order_by_scalar by a float32 field, each row with its own fields",
         [(x["pk"], x["score"], x["fields"]) for x in js["data"][0]],
         [(k, DATA[k][1], {"city": DATA[k][2], "n": DATA[k][0]}) for k in ["f", "c", "b", "e", "a", "d"]])
    st, js = scalar_v1(s, {"field_name": "n"}, filter={"op": "must", "field": "city", "conds": ["sh"]})
    t.eq("V1 order_by_scalar with a filter", ranked(js["data"][0], "pk"), [("a", 2), ("c", 2), ("f", 0)])
    for name, obs in [("without field_name", {"order": "asc"}), ("on an unknown field", {"field_name": "zz"}),
                      ("on a string field", {"field_name": "city"}), ("on the primary key", {"field_name": "pk"}),
                      ("with order up", {"field_name": "n", "order": "up"}), ("not an object", "n")]:
        st, js = scalar_v1(s, obs)
        t.check("V1 order_by_scalar %s is 1000003" % name, st == 400 and js["code"] == 1000003 and "data" not in js, (st, js))


def search_scalar(t, s):
    st, js = v2(s, "search/scalar", {"collection_name": "r", "index_name": "i", "field": "n"})
    res = js["result"]
    t.eq("V2 search/scalar is descending by default, ties by id", ranked(res["data"], "id"), BY_N_DESC)
    t.eq("V2 search/scalar counts without a filter", (res["total_return_count"], res["filter_matched_count"]), (6, 0))
    st, js = v2(s, "search/scalar", {"collection_name": "r", "index_name": "i", "field": "n", "order": "asc", "offset": 1, "limit": 3})
    t.eq("V2 search/scalar asc with offset and limit", ranked(js["result"]["data"], "id"), BY_N_DESC[::-1][1:4])
    st, js = v2(s, "search/scalar", {"collection_name": "r", "index_name": "i", "field": "n", "order": "desc", "limit": 2,
                                     "filter": {"op": "must", "field": "city", "conds": ["sh"]}, "output_fields": ["city"]})
    res = js["result"]
    t.eq("V2 search/scalar with a filter", [(x["id"], x["score"], x["fields"]) for x in res["data"]],
         [("a", 2, {"city": "sh"}), ("c", 2, {"city": "sh"})])
    t.eq("V2 search/scalar counts with a filter: the rows ranked", (res["total_return_count"], res["filter_matched_count"]), (2, 3))
    st, js = v2(s, "search/scalar", {"collection_name": "r", "index_name": "i", "order": "asc"})
    t.check("V2 search/scalar without a field is MissingParameter", st == 400 and js["code"] == "MissingParameter" and js["result"] is None, (st, js))
    for name, field in [("an unknown field", "zz"), ("a string field", "city"), ("the primary key", "pk")]:
        st, js = v2(s, "search/scalar", {"collection_name": "r", "index_name": "i", "field": field})
        t.check("V2 search/scalar on %s is InvalidParameter" % name,
                st == 400 and js["code"] == "InvalidParameter" and field in js["message"] and js["result"] is None, (st, js))


def search_random(t, s):
    st, js = v2(s, "search/random", {"collection_name": "r", "index_name": "i", "limit": 10})
    res = js["result"]
    t.eq("V2 search/random draws every row once, score 1", sorted(ranked(res["data"], "id")), [(k, 1) for k in sorted(DATA)])
    t.eq("V2 search/random counts without a filter", (res["total_return_count"], res["filter_matched_count"]), (6, 0))
    st, js = v2(s, "search/random", {"collection_name": "r", "index_name": "i", "limit": 1, "output_fields": ["n"],
                                     "filter": {"op": "must", "field": "city", "conds": ["bj"]}})
    res = js["result"]
    got = [(x["id"], x["fields"]["n"]) for x in res["data"]]
    t.check("V2 search/random with a filter and limit draws one matching row with its own fields",
            len(got) == 1 and got[0] in [("b", 1), ("e", 2)], got)
    t.eq("V2 search/random counts with a filter", (res["total_return_count"], res["filter_matched_count"]), (1, 2))


def agg(t, s):
    def groups(body):
        body = dict(body, collection_name="r", op="count")
        return list(v2(s, "agg", body)[1]["result"]["agg"].items())
    t.eq("V2 agg groups in order of their first row by primary key", groups({"field": "city"}), [("sh", 3), ("bj", 2), ("gz", 1)])
    t.eq("V2 agg by an integer field", groups({"field": "n"}), [("2", 3), ("1", 1), ("3", 1), ("0", 1)])
    t.eq("V2 agg with cond gt", groups({"field": "city", "cond": {"gt": 1}}), [("sh", 3), ("bj", 2)])
    t.eq("V2 agg with cond gt above every count", groups({"field": "city", "cond": {"gt": 3}}), [])
    t.eq("V2 agg with a filter", groups({"field": "city", "filter": {"op": "range", "field": "n", "gte": 2}}), [("sh", 2), ("gz", 1), ("bj", 1)])
    t.eq("V2 agg total with a filter", groups({"filter": {"op": "range", "field": "n", "gte": 2}}), [("__TOTAL__", 4)])
    st, js = v1(s, "/api/index/search/agg", {"collection_name": "r", "index_name": "i", "agg": {"op": "count", "field": "city", "cond": {"gt": 1}}})
    t.eq("V1 search/agg groups in first-row order with cond", list(js["data"]["agg_result"].items()), [("sh", 3), ("bj", 2)])
    for name, body, code in [("an unknown field", {"op": "count", "field": "zz"}, 1000003), ("the vector", {"op": "count", "field": "v"}, 1000003),
                             ("a bad cond", {"op": "count", "cond": {"gt": "x"}}, 1000003), ("op sum", {"op": "sum"}, 1000003)]:
        st, js = v1(s, "/api/index/search/agg", {"collection_name": "r", "index_name": "i", "agg": body})
        t.check("V1 search/agg with %s is %d" % (name, code), st == 400 and js["code"] == code, (st, js))
    st, js = v1(s, "/api/index/search/agg", {"collection_name": "r", "index_name": "i", "agg": {"op": "count", "field": "city"},
                                             "search": {"filter": {"op": "near"}}})
    t.check("V1 search/agg with a bad filter is 1000019", st == 400 and js["code"] == 1000019, (st, js))
    st, js = v2(s, "agg", {"collection_name": "r", "op": "count", "field": "pk"})
    t.check("V2 agg by the primary key is InvalidParameter", st == 400 and js["code"] == "InvalidParameter" and "pk" in js["message"], (st, js))
