"""VikingDB V1 (/api/collection/*, /api/index/*): GET with a JSON body and query-string parameters,
a collection shared with the Milvus dialect, and bad input that gets the V1 code and changes nothing.
Signed requests are covered by the real SDK (tests/clients/vikingdb_sdk.js); here auth is off."""
import lib


def vk(s, path, body=None, method="POST", raw=None):
    st, js, _, _ = s.request(method, path, body if body is not None else {}, raw=raw)
    return st, js


def run(t):
    s = lib.Server()
    try:
        st, js = vk(s, "/api/viking_db/data/ping", method="GET")
        t.check("ping answers 200 with code 0", st == 200 and js["code"] == 0 and js["msg"] == "success", js)
        st, js = vk(s, "/api/collection/create", {"collection_name": "vc", "primary_key": "pk", "fields": [
            {"field_name": "pk", "field_type": "string"}, {"field_name": "tags", "field_type": "list<string>", "default_val": []},
            {"field_name": "n", "field_type": "int64", "default_val": 0}, {"field_name": "v", "field_type": "vector", "dim": 4},
            {"field_name": "t", "field_type": "text", "default_val": ""}]})
        t.check("create with a string key", st == 200 and js["code"] == 0, js)
        st, js = vk(s, "/api/collection/info", {"collection_name": "vc"}, method="GET")
        t.check("GET with a JSON body", st == 200 and js["data"]["primary_key"] == "pk" and js["data"]["fields"][4]["field_type"] == "text", js)
        st, js = s.request("GET", "/api/collection/info?collection_name=vc")[:2]
        t.check("GET with query-string parameters", st == 200 and js["data"]["collection_name"] == "vc", js)
        vk(s, "/api/index/create", {"collection_name": "vc", "index_name": "i", "vector_index": {"index_type": "flat", "distance": "l2"}})
        st, js = vk(s, "/api/index/update", {"collection_name": "vc", "index_name": "i", "description": "upd", "scalar_index": ["n"]})
        t.check("index update", st == 200 and js["code"] == 0, js)
        st, js = vk(s, "/api/index/info", {"collection_name": "vc", "index_name": "i"})
        t.eq("index update kept the vector index", (js["data"]["description"], [f["field_name"] for f in js["data"]["scalar_index"]], js["data"]["vector_index"]["distance"]), ("upd", ["n"], "l2"))
        st, js = vk(s, "/api/index/update", {"collection_name": "vc", "index_name": "i", "vector_index": {"distance": "ip"}})
        t.check("index update of vector_index refused", st == 400 and js["code"] == 1000003, js)
        st, js = vk(s, "/api/index/update", {"collection_name": "vc", "index_name": "nope"})
        t.check("index update of an unknown index", st == 400 and js["code"] == 1000008, js)
        rows = [{"pk": "k%d" % i, "tags": ["a"] if i % 2 else ["b"], "n": i, "v": [i, 0, 0, 0]} for i in range(10)]
        st, js = vk(s, "/api/collection/upsert_data", {"collection_name": "vc", "fields": rows})
        t.check("upsert", st == 200 and js["code"] == 0, js)
        st, js = vk(s, "/api/index/search", {"collection_name": "vc", "index_name": "i", "search": {
            "order_by_vector": {"vectors": [[2.2, 0, 0, 0]]}, "limit": 2, "output_fields": ["n"],
            "filter": {"op": "must", "field": "tags", "conds": ["b"]}}})
        t.eq("search: l2 index, list filter, output_fields", [(x["pk"], x["fields"]) for x in js["data"][0]], [("k2", {"n": 2}), ("k4", {"n": 4})])
        st, js = vk(s, "/api/index/search/agg", {"collection_name": "vc", "index_name": "i", "agg": {"op": "count", "field": "tags"}})
        t.check("search/agg refuses grouping by a list field", st == 400 and js["code"] == 1000003, js)
        st, js = vk(s, "/api/index/search/agg", {"collection_name": "vc", "index_name": "i", "agg": {"op": "count"},
                                                 "search": {"filter": {"op": "range", "field": "n", "gte": 5}}})
        t.eq("search/agg count with a filter", js["data"], {"agg_op": "count", "group_by_field": "__NONE__", "agg_result": {"__TOTAL__": 5}})
        st, js = vk(s, "/api/index/search", {"collection_name": "vc", "index_name": "i", "agg": {"op": "count", "field": "n", "cond": {"gt": 0}}})
        t.eq("agg through /api/index/search (what the Node SDK sends)", len(js["data"]["agg_result"]), 10)
        st, js = s.request("GET", "/api/collection/fetch_data?collection_name=vc&primary_keys=k1,k2,zz")[:2]
        t.eq("GET with a list in the query string", sorted(r["pk"] for r in js["data"]), ["k1", "k2"])
        st, js = vk(s, "/api/index/search", {"collection_name": "vc", "index_name": "i", "search": {
            "order_by_scalar": {"field_name": "n", "order": "asc"}, "limit": 3, "offset": 1, "output_fields": ["n"],
            "filter": {"op": "must", "field": "tags", "conds": ["a"]}}})
        t.eq("order_by_scalar asc with filter and offset", [(x["pk"], x["score"]) for x in js["data"][0]], [("k3", 3), ("k5", 5), ("k7", 7)])
        st, js = vk(s, "/api/index/search", {"collection_name": "vc", "index_name": "i", "search": {"order_by_scalar": {"field_name": "tags"}}})
        t.check("order_by_scalar on a list field is refused", st == 400 and js["code"] == 1000003, js)
        # the same collection through Milvus v2
        js2 = s.v2("entities/query", {"collectionName": "vc", "filter": "n >= 8", "outputFields": ["n"]})
        t.eq("the collection is visible to the Milvus dialect", [r["pk"] for r in js2["data"]], ["k8", "k9"])
        st, js = vk(s, "/api/collection/update_data", {"collection_name": "vc", "fields": [{"pk": "k8", "n": 80}]})
        t.check("update_data", st == 200 and js["code"] == 0, js)
        st, js = vk(s, "/api/collection/update_data", {"collection_name": "vc", "fields": [{"pk": "nope", "n": 1}]})
        t.check("update_data of a missing key: 1000011", st == 400 and js["code"] == 1000011, js)
        js2 = s.v2("entities/query", {"collectionName": "vc", "filter": "n >= 8", "outputFields": ["n"]})
        t.eq("update_data visible through Milvus", [(r["pk"], r["n"]) for r in js2["data"]], [("k8", 80), ("k9", 9)])
        before = js2
        cases = [
            ("malformed JSON", "/api/collection/del_data", '{"collection_name":', 400, 1000003),
            ("missing collection_name", "/api/collection/del_data", {"primary_keys": ["k1"]}, 400, 1000003),
            ("unknown collection", "/api/collection/del_data", {"collection_name": "nope", "primary_keys": ["k1"]}, 400, 1000005),
            ("no primary_keys", "/api/collection/del_data", {"collection_name": "vc"}, 400, 1000003),
            ("101 primary keys", "/api/collection/del_data", {"collection_name": "vc", "primary_keys": ["k%d" % i for i in range(101)]}, 400, 1000003),
            ("key of the wrong type", "/api/collection/del_data", {"collection_name": "vc", "primary_keys": ["k1", 5]}, 400, 1000017),
            ("del_all and keys together", "/api/collection/del_data", {"collection_name": "vc", "primary_keys": ["k1"], "del_all": True}, 400, 1000003),
            ("del_all not a boolean", "/api/collection/del_data", {"collection_name": "vc", "del_all": "yes"}, 400, 1000003),
            ("upsert wrong dimension", "/api/collection/upsert_data", {"collection_name": "vc", "fields": [{"pk": "z", "v": [1, 2]}]}, 400, 1000003),
            ("upsert unknown field", "/api/collection/upsert_data", {"collection_name": "vc", "fields": [{"pk": "z", "v": [1, 2, 3, 4], "x": 1}]}, 400, 1000003),
            ("upsert 101 rows", "/api/collection/upsert_data", {"collection_name": "vc", "fields": [{"pk": "z%d" % i, "v": [1, 2, 3, 4]} for i in range(101)]}, 400, 1000003),
            ("upsert with a negative ttl", "/api/collection/upsert_data", {"collection_name": "vc", "fields": [{"pk": "z", "v": [1, 2, 3, 4]}], "ttl": -1}, 400, 1000003),
            ("upsert with a ttl that is not an integer", "/api/collection/upsert_data", {"collection_name": "vc", "fields": [{"pk": "z", "v": [1, 2, 3, 4]}], "ttl": "60"}, 400, 1000003),
            ("update_data with a ttl", "/api/collection/update_data", {"collection_name": "vc", "fields": [{"pk": "k1", "n": 1}], "ttl": 5}, 400, 1000003),
            ("search unknown index", "/api/index/search", {"collection_name": "vc", "index_name": "nope", "search": {"order_by_vector": {"vectors": [[1, 0, 0, 0]]}}}, 400, 1000008),
            ("search bad filter", "/api/index/search", {"collection_name": "vc", "index_name": "i", "search": {"order_by_vector": {"vectors": [[1, 0, 0, 0]]}, "filter": {"op": "near"}}}, 400, 1000019),
            ("search wrong dimension", "/api/index/search", {"collection_name": "vc", "index_name": "i", "search": {"order_by_vector": {"vectors": [[1, 0]]}}}, 400, 1000016),
            ("search 11 vectors", "/api/index/search", {"collection_name": "vc", "index_name": "i", "search": {"order_by_vector": {"vectors": [[1, 0, 0, 0]] * 11}}}, 400, 1000016),
            ("search limit 0", "/api/index/search", {"collection_name": "vc", "index_name": "i", "search": {"order_by_vector": {"vectors": [[1, 0, 0, 0]]}, "limit": 0}}, 400, 1000003),
            ("search by unknown key", "/api/index/search", {"collection_name": "vc", "index_name": "i", "search": {"order_by_vector": {"primary_keys": ["zz"]}}}, 400, 1000017),
            ("create existing collection", "/api/collection/create", {"collection_name": "vc", "primary_key": "pk", "fields": [{"field_name": "pk", "field_type": "string"}, {"field_name": "v", "field_type": "vector", "dim": 4}]}, 400, 1000004),
            ("create: dim not a multiple of 4", "/api/collection/create", {"collection_name": "x1", "primary_key": "pk", "fields": [{"field_name": "pk", "field_type": "int64"}, {"field_name": "v", "field_type": "vector", "dim": 6}]}, 400, 1000003),
            ("create: unknown type", "/api/collection/create", {"collection_name": "x1", "primary_key": "pk", "fields": [{"field_name": "pk", "field_type": "uuid"}]}, 400, 1000003),
            ("create: key not a field", "/api/collection/create", {"collection_name": "x1", "primary_key": "id", "fields": [{"field_name": "v", "field_type": "vector", "dim": 4}]}, 400, 1000003),
            ("index: bad distance", "/api/index/create", {"collection_name": "vc", "index_name": "j", "vector_index": {"index_type": "hnsw", "distance": "hamming"}}, 400, 1000003),
            ("index exists", "/api/index/create", {"collection_name": "vc", "index_name": "i"}, 400, 1000007),
        ]
        for name, path, body, status, code in cases:
            st, js = vk(s, path, raw=body) if isinstance(body, str) else vk(s, path, body)
            t.check(name, st == status and js and js.get("code") == code and js.get("message"), (st, js))
        t.eq("bad input changed nothing", s.v2("entities/query", {"collectionName": "vc", "filter": "n >= 8", "outputFields": ["n"]}), before)
        st, js = vk(s, "/api/collection/list")
        t.eq("no stray collection", [c["collection_name"] for c in js["data"]], ["vc"])
        st, js = vk(s, "/api/collection/upsert_data", {"collection_name": "vc", "fields": [{"pk": "ttl1", "v": [9, 9, 9, 9]}], "ttl": 3600})
        t.check("upsert with a ttl", st == 200 and js["code"] == 0, js)
        st, js = vk(s, "/api/collection/fetch_data", {"collection_name": "vc", "primary_keys": ["ttl1"]})
        t.eq("a row with a ttl is visible until it expires", [r["pk"] for r in js["data"]], ["ttl1"])
        vk(s, "/api/collection/del_data", {"collection_name": "vc", "primary_keys": ["ttl1"]})
        collection_update(t, s)
        tasks(t, s)
        st, js = vk(s, "/api/collection/del_data", {"collection_name": "vc", "primary_keys": "k9"})
        t.check("delete one key given as a scalar", st == 200 and js["code"] == 0, js)
        st, js = vk(s, "/api/collection/fetch_data", {"collection_name": "vc", "primary_keys": ["k9", "k8"]})
        t.eq("deleted key gone from fetch at once", [r["pk"] for r in js["data"]], ["k8"])
    finally:
        s.cleanup()
    s = lib.Server(args=["--auth"])
    try:
        st, js = vk(s, "/api/collection/list")
        t.check("auth on: unsigned request is 401 with 1000001", st == 401 and js["code"] == 1000001, (st, js))
        st, js = s.request("POST", "/api/collection/list", {}, headers={"Authorization": "HMAC-SHA256 Credential=AKX/20240101/cn-beijing/air/request, SignedHeaders=x-date, Signature=00"})[:2]
        t.check("auth on: bad signature is 401 with 1000001", st == 401 and js["code"] == 1000001, (st, js))
    finally:
        s.cleanup()


def tasks(t, s):
    """filter_delete tasks: confirm first (count and sample, nothing deleted), then confirmed (deleted at once)."""
    vk(s, "/api/collection/upsert_data", {"collection_name": "vc", "fields": [{"pk": "t%d" % i, "n": 100 + i, "v": [1, 1, 1, 1]} for i in range(6)]})
    st, js = vk(s, "/api/task/create", {"task_type": "filter_delete", "task_params": {"collection_name": "vc",
                "filter": {"op": "range", "field": "n", "gte": 100, "lt": 104}}})
    t.check("task create", st == 200 and js["code"] == 0 and js["data"]["task_id"], js)
    tid = js["data"]["task_id"]
    st, js = vk(s, "/api/task/info", {"task_id": tid})
    info = js["data"]["process_info"]
    t.eq("task waits for confirmation with the count", (info["task_status"], info["process_info"]["total_filter_count"], len(info["process_info"]["sampled_data"])), ("confirm", 4, 4))
    st, js = vk(s, "/api/collection/fetch_data", {"collection_name": "vc", "primary_keys": ["t0", "t3"]})
    t.eq("nothing deleted before confirmation", len(js["data"]), 2)
    st, js = vk(s, "/api/task/update", {"task_id": tid, "task_status": "confirmed"})
    t.check("task confirmed", st == 200 and js["code"] == 0, js)
    st, js = vk(s, "/api/collection/fetch_data", {"collection_name": "vc", "primary_keys": ["t0", "t3", "t4"]})
    t.eq("confirmed task deleted the matching rows at once", [r["pk"] for r in js["data"]], ["t4"])
    st, js = vk(s, "/api/task/info", {"task_id": tid})
    t.eq("task done with its delete count", (js["data"]["process_info"]["task_status"], js["data"]["process_info"]["process_info"]["total_delete_count"]), ("done", 4))
    st, js = vk(s, "/api/task/create", {"task_type": "filter_delete", "task_params": {"collection_name": "vc", "need_confirm": False,
                "filter_conds": [{"op": "must", "field": "pk", "conds": ["t4", "t5"]}]}})
    t.check("task without confirmation runs at once", st == 200 and js["code"] == 0, js)
    st, js = vk(s, "/api/collection/fetch_data", {"collection_name": "vc", "primary_keys": ["t4", "t5"]})
    t.eq("... and its rows are gone", js["data"], [])
    st, js = vk(s, "/api/task/list")
    t.eq("task list", len(js["data"]), 2)
    bad = [
        ("unknown task type", {"task_type": "data_import", "task_params": {"collection_name": "vc"}}, 1000003),
        ("no task_params", {"task_type": "filter_delete"}, 1000003),
        ("unknown collection", {"task_type": "filter_delete", "task_params": {"collection_name": "nope", "filter": {"op": "must", "field": "n", "conds": [1]}}}, 1000005),
        ("bad filter", {"task_type": "filter_delete", "task_params": {"collection_name": "vc", "filter": {"op": "near"}}}, 1000019),
        ("no filter", {"task_type": "filter_delete", "task_params": {"collection_name": "vc"}}, 1000019),
        ("need_confirm not a boolean", {"task_type": "filter_delete", "task_params": {"collection_name": "vc", "need_confirm": "no", "filter": {"op": "must", "field": "n", "conds": [1]}}}, 1000003),
    ]
    before = vk(s, "/api/collection/info", {"collection_name": "vc"})[1]["data"]["stat"]["data_number"]
    for name, body, code in bad:
        st, js = vk(s, "/api/task/create", body)
        t.check("task create: " + name, st == 400 and js["code"] == code, js)
    st, js = vk(s, "/api/task/update", {"task_id": tid, "task_status": "confirmed"})
    t.check("a done task cannot be confirmed again", st == 400 and js["code"] == 1000003, js)
    st, js = vk(s, "/api/task/info", {"task_id": "nope"})
    t.check("unknown task", st == 400 and js["code"] == 1000003, js)
    t.eq("bad tasks deleted nothing", vk(s, "/api/collection/info", {"collection_name": "vc"})[1]["data"]["stat"]["data_number"], before)
    st, js = vk(s, "/api/task/drop", {"task_id": tid})
    t.check("task drop", st == 200 and js["code"] == 0, js)
    st, js = vk(s, "/api/task/drop", {"task_id": tid})
    t.check("task drop again", st == 400, js)


def collection_update(t, s):
    st, js = vk(s, "/api/collection/update", {"collection_name": "vc", "description": "now described", "fields": [
        {"field_name": "n", "field_type": "int64"}, {"field_name": "score", "field_type": "float32", "default_val": 1.5},
        {"field_name": "note", "field_type": "string"}]})
    t.check("collection update adds fields", st == 200 and js["code"] == 0, js)
    st, js = vk(s, "/api/collection/info", {"collection_name": "vc"})
    t.eq("info shows the new fields and description", (js["data"]["description"], [f["field_name"] for f in js["data"]["fields"]][-2:]), ("now described", ["score", "note"]))
    st, js = vk(s, "/api/collection/fetch_data", {"collection_name": "vc", "primary_keys": ["k1"]})
    t.eq("rows stored before read the defaults", (js["data"][0]["score"], js["data"][0]["note"]), (1.5, "default"))
    st, js = vk(s, "/api/index/search", {"collection_name": "vc", "index_name": "i", "search": {"order_by_vector": {"vectors": [[1, 0, 0, 0]]},
                                         "filter": {"op": "range", "field": "score", "gte": 1}, "limit": 3, "output_fields": ["score"]}})
    t.eq("the new field filters and returns", [x["fields"]["score"] for x in js["data"][0]], [1.5, 1.5, 1.5])
    bad = [
        ("changing a field's type", {"collection_name": "vc", "fields": [{"field_name": "n", "field_type": "string"}]}, 1000003),
        ("adding a vector", {"collection_name": "vc", "fields": [{"field_name": "v2", "field_type": "vector", "dim": 4}]}, 1000003),
        ("unknown collection", {"collection_name": "nope", "fields": []}, 1000005),
        ("aliases", {"collection_name": "vc", "collection_aliases": ["a"]}, 1000003),
    ]
    for name, body, code in bad:
        st, js = vk(s, "/api/collection/update", body)
        t.check("collection update refuses " + name, st == 400 and js["code"] == code, js)
    st, js = vk(s, "/api/collection/info", {"collection_name": "vc"})
    t.eq("refused updates changed nothing", [f["field_name"] for f in js["data"]["fields"]][-2:], ["score", "note"])
