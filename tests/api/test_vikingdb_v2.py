"""VikingDB V2 data plane (/api/vikingdb/data/*): every endpoint, called with requests signed with
Volcengine Signature V4 against a server started with --auth, resource_id addressing, empty strings
as absent, deletes visible at once to fetch, search and agg, and bad input that gets the string error
code with its HTTP status and changes nothing."""
import base64
import json
import struct

import lib

P = "/api/vikingdb/data/"


def v2(s, path, body, raw=None):
    st, js, _, _ = s.signed("POST", P + path, body, raw=raw)
    return st, js


def v1(s, path, body):
    return s.signed("POST", path, body, service="air")[:2]


def run(t):
    s = lib.Server(args=["--auth"])
    s.create_key()
    try:
        st, js, _, _ = s.request("GET", "/api/vikingdb/Ping")
        t.check("Ping (no credentials needed)", st == 200 and js["code"] == "Success", js)
        v1(s, "/api/collection/create", {"collection_name": "g", "primary_key": "id", "fields": [
            {"field_name": "id", "field_type": "int64"}, {"field_name": "city", "field_type": "string", "default_val": ""},
            {"field_name": "price", "field_type": "float32", "default_val": 0}, {"field_name": "v", "field_type": "vector", "dim": 4}]})
        v1(s, "/api/index/create", {"collection_name": "g", "index_name": "ix", "vector_index": {"index_type": "hnsw", "distance": "ip"}})
        rows = [{"id": i, "city": ["sh", "bj", "gz"][i % 3], "price": float(i), "v": [i, 1, 0, 0]} for i in range(1, 31)]
        st, js = v2(s, "upsert", {"collection_name": "g", "resource_id": "", "data": rows})
        t.check("upsert (empty resource_id is absent)", st == 200 and js["code"] == "Success" and js["result"] is None, js)
        rid = v1(s, "/api/collection/info", {"collection_name": "g"})[1]["data"]["resource_id"]
        st, js = v2(s, "fetch_in_collection", {"resource_id": rid, "collection_name": "", "ids": [2, 99]})
        t.eq("fetch_in_collection by resource_id", js["result"], {"fetch": [{"id": 2, "fields": {"city": "gz", "price": 2}}], "ids_not_exist": [99]})
        st, js = v2(s, "fetch_in_index", {"collection_name": "g", "index_name": "ix", "ids": [3], "output_fields": ["city"]})
        t.eq("fetch_in_index with dense_vector", js["result"]["fetch"], [{"id": 3, "fields": {"city": "sh"}, "dense_vector": [3, 1, 0, 0], "dense_dim": 4}])
        st, js = v2(s, "search/vector", {"collection_name": "g", "index_name": "ix", "dense_vector": [1, 0, 0, 0], "limit": 3,
                                         "filter": {"op": "must", "field": "city", "conds": ["bj"]}, "output_fields": ["city"]})
        t.eq("search/vector with filter", [(x["id"], x["score"], x["fields"]["city"]) for x in js["result"]["data"]], [(28, 28, "bj"), (25, 25, "bj"), (22, 22, "bj")])
        t.eq("search/vector counts", (js["result"]["total_return_count"], js["result"]["filter_matched_count"]), (3, 10))
        st, js = v2(s, "search/id", {"collection_name": "g", "index_name": "ix", "id": 5, "limit": 2, "output_fields": []})
        t.eq("search/id (output_fields [] gives no fields)", [(x["id"], x["fields"]) for x in js["result"]["data"]], [(30, {}), (29, {})])
        st, js = v2(s, "search/scalar", {"collection_name": "g", "index_name": "ix", "field": "price", "order": "asc", "limit": 3, "offset": 1})
        t.eq("search/scalar asc with offset", [(x["id"], x["score"]) for x in js["result"]["data"]], [(2, 2), (3, 3), (4, 4)])
        st, js = v2(s, "search/random", {"collection_name": "g", "index_name": "ix", "limit": 5, "filter": {"op": "range", "field": "price", "lt": 10}})
        ids = [x["id"] for x in js["result"]["data"]]
        t.check("search/random draws distinct matching rows", len(ids) == 5 and len(set(ids)) == 5 and all(i < 10 for i in ids), ids)
        b32 = base64.b64encode(struct.pack("<4f", 7.5, 1, 0, 0)).decode()
        b64 = base64.b64encode(struct.pack("<4d", 0.25, 1, 0, 0)).decode()
        st, js = v2(s, "upsert", {"collection_name": "g", "data": [{"id": 40, "v": b32}, {"id": 41, "v": b64}]})
        t.check("upsert with base64 float32 and float64 vectors", st == 200 and js["code"] == "Success", js)
        st, js = v2(s, "fetch_in_index", {"collection_name": "g", "index_name": "ix", "ids": [40, 41], "output_fields": []})
        t.eq("base64 vectors decoded", [x["dense_vector"] for x in js["result"]["fetch"]], [[7.5, 1, 0, 0], [0.25, 1, 0, 0]])
        st, js = v2(s, "search/vector", {"collection_name": "g", "index_name": "ix", "dense_vector": b32, "limit": 1, "output_fields": []})
        t.eq("search with a base64 dense_vector", js["result"]["data"][0]["id"], 30)
        st, js = v2(s, "upsert", {"collection_name": "g", "data": [{"id": 42, "v": base64.b64encode(b"abc").decode()}]})
        t.check("a base64 vector of the wrong length is refused", st == 400 and "base64" in js["message"], js)
        v2(s, "delete", {"collection_name": "g", "ids": [40, 41]})
        st, js = v2(s, "agg", {"collection_name": "g", "op": "count"})
        t.eq("agg count", js["result"], {"op": "count", "field": "__NONE__", "agg": {"__TOTAL__": 30}})
        st, js = v2(s, "agg", {"collection_name": "g", "op": "count", "field": "city", "cond": {"gt": 9}})
        t.eq("agg group by with cond", js["result"]["agg"], {"sh": 10, "bj": 10, "gz": 10})
        st, js = v2(s, "delete", {"collection_name": "g", "ids": [28, 25]})
        t.check("delete", st == 200 and js["code"] == "Success" and js["result"] is None, js)
        st, js = v2(s, "search/vector", {"collection_name": "g", "index_name": "ix", "dense_vector": [1, 0, 0, 0], "limit": 2,
                                         "filter": {"op": "must", "field": "city", "conds": ["bj"]}})
        t.eq("deleted ids gone from the very next search", [x["id"] for x in js["result"]["data"]], [22, 19])
        st, js = v2(s, "agg", {"collection_name": "g", "op": "count", "field": "city"})
        t.eq("deleted ids gone from agg at once", js["result"]["agg"]["bj"], 8)
        st, js = v2(s, "fetch_in_collection", {"collection_name": "g", "ids": [28]})
        t.eq("deleted ids reported as not existing", js["result"], {"fetch": [], "ids_not_exist": [28]})
        st, js = v2(s, "update", {"collection_name": "g", "data": [{"id": 3, "city": "sz"}]})
        t.check("update", st == 200 and js["code"] == "Success", js)
        st, js = v2(s, "fetch_in_index", {"collection_name": "g", "index_name": "ix", "ids": [3]})
        t.eq("update replaced one field, kept the others and the vector",
             (js["result"]["fetch"][0]["fields"], js["result"]["fetch"][0]["dense_vector"]), ({"city": "sz", "price": 3}, [3, 1, 0, 0]))
        st, js = v2(s, "update", {"collection_name": "g", "data": [{"id": 4, "city": "x"}, {"id": 28, "city": "y"}]})
        t.check("update of a missing id fails the batch", st == 400 and js["code"] == "InvalidParameter" and "not found" in js["message"], js)
        st, js = v2(s, "fetch_in_collection", {"collection_name": "g", "ids": [4]})
        t.eq("... and changed nothing", js["result"]["fetch"][0]["fields"]["city"], "bj")
        st, js = v2(s, "update", {"collection_name": "g", "data": [{"id": 4, "price": "cheap"}]})
        t.check("update with a wrong type is refused", st == 400 and js["code"] == "InvalidParameter", js)
        before = v2(s, "agg", {"collection_name": "g", "op": "count"})[1]["result"]
        cases = [
            ("malformed JSON", "delete", '{"collection_name":"g","ids":[1', 400, "InvalidParameter"),
            ("no collection", "delete", {"ids": [1]}, 400, "MissingParameter"),
            ("unknown collection", "delete", {"collection_name": "nope", "ids": [1]}, 404, "NotFound.VikingdbCollection"),
            ("unknown resource_id", "delete", {"resource_id": "99999", "ids": [1]}, 404, "NotFound.VikingdbCollection"),
            ("no ids", "delete", {"collection_name": "g"}, 400, "MissingParameter"),
            ("101 ids", "delete", {"collection_name": "g", "ids": list(range(101))}, 400, "InvalidParameter"),
            ("an id of the wrong type", "delete", {"collection_name": "g", "ids": [1, "x"]}, 400, "InvalidParameter"),
            ("ids and del_all", "delete", {"collection_name": "g", "ids": [1], "del_all": True}, 400, "InvalidParameter"),
            ("upsert unknown field", "upsert", {"collection_name": "g", "data": [{"id": 1, "v": [1, 1, 1, 1], "zz": 1}]}, 400, "InvalidParameter"),
            ("upsert wrong dimension", "upsert", {"collection_name": "g", "data": [{"id": 1, "v": [1, 1]}]}, 400, "InvalidParameter"),
            ("upsert 101 rows", "upsert", {"collection_name": "g", "data": [{"id": i, "v": [1, 1, 1, 1]} for i in range(101)]}, 400, "InvalidParameter"),
            ("search without index_name", "search/vector", {"collection_name": "g", "dense_vector": [1, 0, 0, 0]}, 400, "MissingParameter"),
            ("search unknown index", "search/vector", {"collection_name": "g", "index_name": "no", "dense_vector": [1, 0, 0, 0]}, 404, "NotFound.VikingdbIndex"),
            ("search without dense_vector", "search/vector", {"collection_name": "g", "index_name": "ix"}, 400, "MissingParameter"),
            ("search bad filter", "search/vector", {"collection_name": "g", "index_name": "ix", "dense_vector": [1, 0, 0, 0], "filter": {"op": "must", "field": "price", "conds": ["x"]}}, 400, "InvalidParameter"),
            ("search unknown output field", "search/vector", {"collection_name": "g", "index_name": "ix", "dense_vector": [1, 0, 0, 0], "output_fields": ["nope"]}, 400, "InvalidParameter"),
            ("search limit too large", "search/vector", {"collection_name": "g", "index_name": "ix", "dense_vector": [1, 0, 0, 0], "limit": 6000}, 400, "InvalidParameter"),
            ("search/id unknown id", "search/id", {"collection_name": "g", "index_name": "ix", "id": 28}, 400, "InvalidParameter"),
            ("search/scalar on a string field", "search/scalar", {"collection_name": "g", "index_name": "ix", "field": "city"}, 400, "InvalidParameter"),
            ("agg unknown op", "agg", {"collection_name": "g", "op": "sum"}, 400, "InvalidParameter"),
            ("upsert negative ttl", "upsert", {"collection_name": "g", "data": [{"id": 1, "v": [1, 1, 1, 1]}], "ttl": -5}, 400, "InvalidParameter"),
            ("update with a ttl", "update", {"collection_name": "g", "data": [{"id": 1, "city": "x"}], "ttl": 5}, 400, "InvalidParameter"),
        ]
        for name, path, body, status, code in cases:
            st, js = v2(s, path, None, raw=body) if isinstance(body, str) else v2(s, path, body)
            t.check(name, st == status and js and js.get("code") == code and js.get("message") and js.get("result") is None, (st, js))
        t.eq("bad input changed nothing", v2(s, "agg", {"collection_name": "g", "op": "count"})[1]["result"], before)
        st, js = v2(s, "delete", {"collection_name": "g", "del_all": True})
        t.check("del_all", st == 200 and js["code"] == "Success", js)
        st, js = v2(s, "agg", {"collection_name": "g", "op": "count"})
        t.eq("del_all: count is 0 at once", js["result"]["agg"]["__TOTAL__"], 0)
        auth_failures(t, s)
    finally:
        s.cleanup()


def auth_failures(t, s):
    """Unsigned, wrongly signed, stale and tampered requests: 401 Unauthorized, nothing changes."""
    import datetime
    v2(s, "upsert", {"collection_name": "g", "data": [{"id": 500, "v": [1, 1, 1, 1]}]})
    body = {"collection_name": "g", "ids": [500]}
    st, js, _, _ = s.request("POST", P + "delete", body)
    t.check("unsigned request is 401 Unauthorized", st == 401 and js["code"] == "Unauthorized", (st, js))
    st, js, _, _ = s.signed("POST", P + "delete", body, sk="0" * 40)
    t.check("wrong secret is 401", st == 401 and js["code"] == "Unauthorized", (st, js))
    st, js, _, _ = s.signed("POST", P + "delete", body, ak="AKAV000000000000000000000000")
    t.check("unknown access key is 401", st == 401 and js["code"] == "Unauthorized", (st, js))
    old = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=20)
    st, js, _, _ = s.signed("POST", P + "delete", body, now=old)
    t.check("X-Date 20 minutes old is 401", st == 401 and "X-Date" in js["message"], (st, js))
    st, js, _, _ = s.signed("POST", P + "delete", body, service="iam")
    t.check("a signature for another service is 401", st == 401, (st, js))
    data = json.dumps(body).encode()
    headers = lib.volc_sign(s.keys[0], s.keys[1], "POST", P + "delete", data, host="127.0.0.1:%d" % s.port)
    st, js, _, _ = s.request("POST", P + "delete", raw=json.dumps({"collection_name": "g", "ids": [1, 2, 500]}), headers=headers)
    t.check("a body that does not match X-Content-Sha256 is 401", st == 401 and "X-Content-Sha256" in js["message"], (st, js))
    st, js = v2(s, "fetch_in_collection", {"collection_name": "g", "ids": [500]})
    t.eq("refused requests deleted nothing", [x["id"] for x in js["result"]["fetch"]], [500])
    st, js = v2(s, "delete", body)
    t.check("the same delete, signed, succeeds", st == 200 and js["code"] == "Success", js)
