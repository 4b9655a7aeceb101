"""ModelArts v2 data management (/v2/{project_id}/datasets...): datasets, samples, labels and versions
end to end; the delete-samples document's own example; a source file shared by two datasets and a
version that survives delete_source until its last reference goes (and is then erased from disk);
unknown ids mixed with good ones; a text dataset; every bad input getting its ModelArts.NNNN code with
nothing changed; X-Auth-Token and SDK-HMAC-SHA256 auth with cross-project 403."""
import base64
import hashlib
import json
import os
import re
import sqlite3
import subprocess
import time
import urllib.parse

import lib

PID = "0123456789abcdef0123456789abcdef"


def ma(s, method, path, body=None, raw=None, headers=None, project=PID):
    st, js, text, _ = s.request(method, "/v2/%s%s" % (project, path), body, raw=raw, headers=headers)
    return st, js


def err(t, name, resp, status, code):
    st, js = resp
    t.check(name, st == status and isinstance(js, dict) and js.get("error_code") == code and js.get("error_msg"),
            "got %r %r, want %d %s" % (st, js, status, code))


def upload(s, path, data, project=PID):
    return s.request("PUT", "/v2/%s/files?path=%s" % (project, urllib.parse.quote(path)), raw=data,
                     headers={"Content-Type": "application/octet-stream"})[:2]


def fetch(s, path, project=PID):
    st, js, text, _ = s.request("GET", "/v2/%s/files?path=%s" % (project, urllib.parse.quote(path)))
    return st, text


def fetch_raw(s, path):
    return s.request("GET", path)[:2]


def fetch_bytes(s, path, project=PID):
    conn = lib.http.client.HTTPConnection("127.0.0.1", s.port, timeout=60)
    conn.request("GET", "/v2/%s/files?path=%s" % (project, urllib.parse.quote(path)))
    data = conn.getresponse().read()
    conn.close()
    return data


def get_url(s, url):
    """GET a pre-signed URL as a client without credentials would."""
    u = urllib.parse.urlsplit(url)
    st, js, text, _ = s.request("GET", u.path + "?" + u.query)
    return st, text


def create_ds(s, name, data_path, dtype=0, labels=None, project=PID):
    body = {"dataset_name": name, "dataset_type": dtype, "data_sources": [{"data_type": 0, "data_path": data_path}],
            "work_path": "/bkt/output/", "work_path_type": 0}
    if labels:
        body["labels"] = labels
    st, js = ma(s, "POST", "/datasets", body, project=project)
    return st, js, (js or {}).get("dataset_id")


def samples(s, ds, query=""):
    return ma(s, "GET", "/datasets/%s/data-annotations/samples?limit=100%s" % (ds, query))[1]


def stats(s, ds):
    return ma(s, "GET", "/datasets/%s/data-annotations/stats" % ds)[1]["sample_stats"]


def b64(data):
    return base64.b64encode(data).decode()


def object_files(s):
    root = os.path.join(s.data, "objects")
    return sorted(f for d in os.listdir(root) if d != "tmp" for f in os.listdir(os.path.join(root, d)))


def run_datasets(t, s):
    st, js, ds = create_ds(s, "dataset-457f", "/bkt/animals/", labels=[{"name": "Rabbits", "type": 0, "property": {"@modelarts:color": "#3399ff"}}])
    t.check("D1 create answers 201 with a 19-char dataset_id", st == 201 and len(ds or "") == 19, (st, js))
    err(t, "D1 duplicate name -> 4351", ma(s, "POST", "/datasets", {"dataset_name": "dataset-457f", "data_sources": [{"data_path": "/bkt/x/"}],
                                                                   "work_path": "/bkt/o/"}), 400, "ModelArts.4351")
    bad = [
        ("malformed JSON", None, '{"dataset_name": '),
        ("a list body", None, "[1]"),
        ("missing data_sources", {"dataset_name": "n1", "work_path": "/bkt/o/"}, None),
        ("dataset_name of wrong type", {"dataset_name": 5, "data_sources": [{"data_path": "/bkt/x/"}], "work_path": "/bkt/o/"}, None),
        ("dataset_name with spaces", {"dataset_name": "a b", "data_sources": [{"data_path": "/bkt/x/"}], "work_path": "/bkt/o/"}, None),
        ("name over 100 characters", {"dataset_name": "n" * 101, "data_sources": [{"data_path": "/bkt/x/"}], "work_path": "/bkt/o/"}, None),
        ("two data sources", {"dataset_name": "n2", "data_sources": [{"data_path": "/bkt/x/"}, {"data_path": "/bkt/y/"}], "work_path": "/bkt/o/"}, None),
        ("unknown dataset_type", {"dataset_name": "n3", "dataset_type": 7, "data_sources": [{"data_path": "/bkt/x/"}], "work_path": "/bkt/o/"}, None),
    ]
    for name, body, raw in bad:
        err(t, "D1 %s -> 400 ModelArts.0107" % name, ma(s, "POST", "/datasets", body, raw=raw), 400, "ModelArts.0107")
    err(t, "D1 work_path inside the input path -> 4205",
        ma(s, "POST", "/datasets", {"dataset_name": "n4", "data_sources": [{"data_path": "/bkt/x/"}], "work_path": "/bkt/x/out/"}), 400, "ModelArts.4205")
    err(t, "D1 data_path escaping with '..' -> 4205",
        ma(s, "POST", "/datasets", {"dataset_name": "n5", "data_sources": [{"data_path": "/bkt/../etc/"}], "work_path": "/bkt/o/"}), 400, "ModelArts.4205")
    st, js = ma(s, "GET", "/datasets?limit=100")
    t.check("bad creates changed nothing (one dataset)", js["total_number"] == 1 and js["datasets"][0]["dataset_name"] == "dataset-457f", js)
    d = js["datasets"][0]
    t.check("D2 dataset object fields", d["status"] == 1 and d["data_sources"][0]["data_path"] == "/bkt/animals/" and
            d["inner_work_path"] == "/bkt/output/dataset-457f-%s/" % ds and d["labels"][0]["name"] == "Rabbits" and
            isinstance(d["create_time"], int) and d["create_time"] > 1600000000000, d)
    err(t, "D2 limit=0 -> 0107", ma(s, "GET", "/datasets?limit=0"), 400, "ModelArts.0107")
    err(t, "D2 sort_by unknown -> 0107", ma(s, "GET", "/datasets?sort_by=size"), 400, "ModelArts.0107")
    st, js = ma(s, "PUT", "/datasets/" + ds, {"description": "animals", "add_labels": [{"name": "Cats", "type": 0}]})
    t.check("D4 update answers the dataset_id", st == 200 and js == {"dataset_id": ds}, (st, js))
    d = ma(s, "GET", "/datasets/" + ds)[1]
    t.check("D3 shows the update", d["description"] == "animals" and [l["name"] for l in d["labels"]] == ["Rabbits", "Cats"], d)
    err(t, "D4 add an existing label -> 4411 and nothing changes", ma(s, "PUT", "/datasets/" + ds, {"description": "zzz", "add_labels": [{"name": "Cats"}]}),
        400, "ModelArts.4411")
    t.eq("failed D4 left the description", ma(s, "GET", "/datasets/" + ds)[1]["description"], "animals")
    err(t, "D4 description of the wrong type -> 0107", ma(s, "PUT", "/datasets/" + ds, {"description": 3}), 400, "ModelArts.0107")
    err(t, "D3 unknown dataset -> 400 ModelArts.4352", ma(s, "GET", "/datasets/AAAAAAAAAAAAAAAAAAA"), 400, "ModelArts.4352")
    err(t, "D6 unknown dataset -> 4352", ma(s, "GET", "/datasets/AAAAAAAAAAAAAAAAAAA/data-annotations/stats"), 400, "ModelArts.4352")
    return ds


def run_samples(t, s, ds):
    png = b"\x89PNG\r\n\x1a\n" + os.urandom(64)
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples" % ds, {"samples": [
        {"name": "2.jpg", "data": b64(png), "labels": [{"name": "Rabbits", "type": 0}]},
        {"name": "3.jpg", "data": b64(b"three")}]})
    t.check("S1 add answers per-sample results with the stored name and new sample id",
            st == 200 and js["success"] is True and js["results"][0]["name"] == "/bkt/animals/2.jpg" and len(js["results"][0]["info"]) == 32, js)
    sid = js["results"][0]["info"]
    err(t, "S1 over 12,582,912 bytes -> ModelArts.4656",
        ma(s, "POST", "/datasets/%s/data-annotations/samples" % ds, {"samples": [{"name": "big.jpg", "data": b64(b"x" * 12582913)}]}),
        400, "ModelArts.4656")
    bad = [
        ("malformed JSON", None, '{"samples": ['),
        ("samples not a list", {"samples": "a"}, None),
        ("empty samples", {"samples": []}, None),
        ("more than 1000 samples", {"samples": [{"name": "%d.jpg" % i, "data": "eA=="} for i in range(1001)]}, None),
        ("data that is not base64", {"samples": [{"name": "ok.jpg", "data": "eA=="}, {"name": "b.jpg", "data": "***"}]}, None),
        ("data without a name", {"samples": [{"data": "eA=="}]}, None),
        ("both data and data_source", {"samples": [{"name": "c.jpg", "data": "eA==", "data_source": {"data_path": "/bkt/a"}}]}, None),
        ("labels not a list", {"samples": [{"name": "d.jpg", "data": "eA==", "labels": "cat"}]}, None),
        ("final_annotation not a boolean", {"samples": [{"name": "e.jpg", "data": "eA=="}], "final_annotation": "no"}, None),
    ]
    for name, body, raw in bad:
        err(t, "S1 %s -> 0107" % name, ma(s, "POST", "/datasets/%s/data-annotations/samples" % ds, body, raw=raw), 400, "ModelArts.0107")
    t.eq("rejected adds changed nothing", stats(s, ds)["total"], 2)
    err(t, "S1 into an unknown dataset -> 4352", ma(s, "POST", "/datasets/AAAAAAAAAAAAAAAAAAA/data-annotations/samples",
                                                    {"samples": [{"name": "x.jpg", "data": "eA=="}]}), 400, "ModelArts.4352")
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples" % ds, {"samples": [
        {"data_source": {"data_type": 0, "data_path": "/bkt/none/x.jpg"}}, {"name": "2.jpg", "data": b64(png)}, {"name": "4.jpg", "data": b64(b"four")}]})
    t.check("S1 per-sample failures: unknown file 4345, same file again 4422, the good one added",
            js["success"] is False and js["results"][0]["error_code"] == "ModelArts.4345" and js["results"][1]["error_code"] == "ModelArts.4422"
            and js["results"][2]["success"] is True, js)
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples" % ds, {"samples": [{"name": "2.jpg", "data": b64(b"other bytes")}]})
    t.check("S1 other bytes at a path in use -> 4421, the file is untouched",
            js["results"][0]["error_code"] == "ModelArts.4421" and fetch_bytes(s, "/bkt/animals/2.jpg") == png, js)
    st, js = ma(s, "GET", "/datasets/%s/data-annotations/samples/%s" % (ds, sid))
    t.check("S3 details: labels, status, name, dir, size", st == 200 and js["sample_id"] == sid and js["sample_status"] == "MANUAL_ANNOTATION"
            and js["labels"][0]["name"] == "Rabbits" and js["sample_name"] == "2.jpg" and js["sample_dir"] == "/bkt/animals/"
            and js["sample_size"] == len(png), js)
    u = urllib.parse.urlsplit(js["source"])
    st2, _, raw, hdrs = s.request("GET", u.path + "?" + u.query)
    t.check("S3 source is a signed URL served by annovec with the sample's bytes", st2 == 200 and hdrs.get("content-type") == "image/jpeg"
            and len(raw.encode("utf-8", "surrogateescape")) > 0, (st2, hdrs))
    q = dict(urllib.parse.parse_qsl(u.query))
    q["Signature"] = ("0" if q["Signature"][0] != "0" else "1") + q["Signature"][1:]
    err(t, "a tampered signed URL -> 401", s.request("GET", u.path + "?" + urllib.parse.urlencode(q))[:2], 401, "ModelArts.0203")
    q["Signature"] = dict(urllib.parse.parse_qsl(u.query))["Signature"]
    q["path"] = "/bkt/animals/3.jpg"
    err(t, "a signed URL moved to another path -> 401", s.request("GET", u.path + "?" + urllib.parse.urlencode(q))[:2], 401, "ModelArts.0203")
    err(t, "S3 unknown sample -> 4420", ma(s, "GET", "/datasets/%s/data-annotations/samples/%s" % (ds, "f" * 32)), 400, "ModelArts.4420")

    js = samples(s, ds, "&sample_state=__NONE__")
    t.check("S2 sample_state=__NONE__ lists the unlabeled", js["sample_count"] == 2 and all(x["sample_status"] == "UN_ANNOTATION" for x in js["samples"]), js)
    js = samples(s, ds, "&sample_state=__ALL__")
    t.check("S2 sample_state=__ALL__ lists the labeled", js["sample_count"] == 1 and js["samples"][0]["sample_id"] == sid, js)
    js = samples(s, ds, "&label_name=Rabbits")
    t.eq("S2 label_name", [x["sample_id"] for x in js["samples"]], [sid])
    js = ma(s, "GET", "/datasets/%s/data-annotations/samples?offset=1&limit=1" % ds)[1]
    t.check("S2 offset/limit page through, sample_count is the total", js["sample_count"] == 3 and len(js["samples"]) == 1, js)
    cond = urllib.parse.quote(json.dumps([{"label_list": {"op": "OR", "labels": [{"name": "Rabbits"}]}}]))
    t.eq("S2 search_conditions label_list", [x["sample_id"] for x in samples(s, ds, "&search_conditions=" + cond)["samples"]], [sid])
    cond = urllib.parse.quote(json.dumps({"sample_name": "4.jpg"}))
    t.eq("S2 search_conditions sample_name", [x["sample_name"] for x in samples(s, ds, "&search_conditions=" + cond)["samples"]], ["4.jpg"])
    for name, query in [("limit=101", "?limit=101"), ("limit=abc", "?limit=abc"), ("unknown sample_state", "?sample_state=__X__"),
                        ("search_conditions not JSON", "?search_conditions=%7B"), ("unsupported search condition", "?search_conditions=" +
                                                                                    urllib.parse.quote('{"score":"0.5"}'))]:
        err(t, "S2 %s -> 0107" % name, ma(s, "GET", "/datasets/%s/data-annotations/samples%s" % (ds, query)), 400, "ModelArts.0107")

    others = [x["sample_id"] for x in samples(s, ds, "&sample_state=__NONE__")["samples"]]
    st, js = ma(s, "PUT", "/datasets/%s/data-annotations/samples" % ds, {"samples": [{"sample_id": others[0], "labels": [{"name": "Cats"}]}]})
    t.check("S4 update labels -> success, sample labeled", js == {"success": True} and
            ma(s, "GET", "/datasets/%s/data-annotations/samples/%s" % (ds, others[0]))[1]["labels"][0]["name"] == "Cats", js)
    err(t, "S4 with an unknown sample id -> 4420", ma(s, "PUT", "/datasets/%s/data-annotations/samples" % ds, {"samples": [
        {"sample_id": others[1], "labels": [{"name": "Cats"}]}, {"sample_id": "e" * 32, "labels": []}]}), 400, "ModelArts.4420")
    t.eq("failed S4 changed nothing (the good id is still unlabeled)",
         ma(s, "GET", "/datasets/%s/data-annotations/samples/%s" % (ds, others[1]))[1]["labels"], [])
    err(t, "S4 samples not a list -> 0107", ma(s, "PUT", "/datasets/%s/data-annotations/samples" % ds, {"samples": {}}), 400, "ModelArts.0107")
    st, js = ma(s, "PUT", "/datasets/%s/data-annotations/samples" % ds, {"samples": [{"sample_id": others[0]}]})
    t.eq("S4 without labels clears them", ma(s, "GET", "/datasets/%s/data-annotations/samples/%s" % (ds, others[0]))[1]["sample_status"], "UN_ANNOTATION")
    return sid


def run_delete_doc_example(t, s):
    """The delete-samples document's request and response: the same body shape with delete_source
    false answers exactly {"success":true}; its two sample ids, unknown here, each get 4420."""
    st, js, ds = create_ds(s, "doc-example", "/bkt/doc/")
    for i, name in enumerate(["a.jpg", "b.jpg"]):
        upload(s, "/bkt/doc/" + name, b"doc%d" % i)
    _, _, ds = create_ds(s, "doc-example-2", "/bkt/doc/")
    real = [x["sample_id"] for x in samples(s, ds)["samples"]]
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, {"delete_source": False, "samples": real})
    t.check("delete-samples example: 200 {\"success\":true}", st == 200 and js == {"success": True} and len(real) == 2, (st, js, real))
    t.check("both samples are gone from the list; delete_source false kept the files",
            samples(s, ds)["sample_count"] == 0 and fetch(s, "/bkt/doc/a.jpg") == (200, "doc0"))
    ids = ["9cb9bc9b34bf53b6ec9a84998b1711bf", "9ea63ef78d8c9037c9bcb12b477821bf"]
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, {"delete_source": False, "samples": ids})
    t.check("the document's ids are unknown here: per-id 4420 'Sample not found. [id]'",
            st == 200 and js["success"] is False and [r["error_code"] for r in js["results"]] == ["ModelArts.4420"] * 2
            and js["results"][0]["error_msg"] == "Sample not found. [%s]" % ids[0], js)


def run_partial_and_bad_deletes(t, s, ds):
    before = samples(s, ds)["samples"]
    good = before[0]["sample_id"]
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, {"samples": ["a" * 32, good, "b" * 32]})
    t.check("unknown ids mixed with a good one: results in request order, the good one deleted",
            st == 200 and js["success"] is False and [r["success"] for r in js["results"]] == [False, True, False]
            and js["results"][0]["error_code"] == "ModelArts.4420" and js["results"][0]["error_msg"] == "Sample not found. [%s]" % ("a" * 32), js)
    t.check("the deleted sample is gone at once from list, details and stats",
            good not in [x["sample_id"] for x in samples(s, ds)["samples"]]
            and ma(s, "GET", "/datasets/%s/data-annotations/samples/%s" % (ds, good))[1]["error_code"] == "ModelArts.4420"
            and stats(s, ds)["total"] == len(before) - 1 and stats(s, ds)["deleted"] == 1, stats(s, ds))
    d = ma(s, "GET", "/datasets/" + ds)[1]
    t.check("D3 counts: total without the deleted one, deleted_sample_count 1", d["total_sample_count"] == len(before) - 1 and d["deleted_sample_count"] == 1, d)
    remaining = [x["sample_id"] for x in samples(s, ds)["samples"]]
    bad = [
        ("malformed JSON", None, '{"samples": ["a"'),
        ("samples not a list", {"samples": "abc"}, None),
        ("an id that is not a string", {"samples": [remaining[0], 5]}, None),
        ("delete_source not a boolean", {"samples": [remaining[0]], "delete_source": "yes"}, None),
        ("more than 1000 ids", {"samples": [remaining[0]] + ["c" * 32] * 1000}, None),
    ]
    for name, body, raw in bad:
        err(t, "S5 %s -> 0107" % name, ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, body, raw=raw), 400, "ModelArts.0107")
    t.eq("rejected deletes changed nothing", sorted(x["sample_id"] for x in samples(s, ds)["samples"]), sorted(remaining))
    err(t, "S5 on an unknown dataset -> 4352", ma(s, "POST", "/datasets/AAAAAAAAAAAAAAAAAAA/data-annotations/samples/delete", {"samples": []}),
        400, "ModelArts.4352")
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, {})
    t.check("S5 with neither field deletes nothing", st == 200 and js == {"success": True} and len(samples(s, ds)["samples"]) == len(remaining), js)


def run_shared_file(t, s):
    """A file in two datasets and a version: delete_source from one dataset never breaks the others."""
    upload(s, "/bkt/shared/cat.png", b"shared-cat-bytes")
    _, _, a = create_ds(s, "share-a", "/bkt/shared/")
    _, _, b = create_ds(s, "share-b", "/bkt/other/")
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples" % b, {"samples": [{"data_source": {"data_type": 0, "data_path": "/bkt/shared/cat.png"}}]})
    sb = js["results"][0]["info"]
    st, js = ma(s, "POST", "/datasets/%s/versions" % b, {"version_name": "V001", "version_format": "Default"})
    t.check("V1 publish -> 201 version_id", st == 201 and len(js["version_id"]) == 19, (st, js))
    vid = js["version_id"]
    sa = samples(s, a)["samples"][0]["sample_id"]
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % a, {"delete_source": True, "samples": [sa]})
    t.check("delete_source from dataset A: success, and the result says the source was kept and why",
            js["success"] is True and "kept" in js["results"][0]["info"] and "1 other sample" in js["results"][0]["info"], js)
    t.eq("the file is still served to dataset B", fetch(s, "/bkt/shared/cat.png"), (200, "shared-cat-bytes"))
    src = ma(s, "GET", "/datasets/%s/data-annotations/samples/%s" % (b, sb))[1]["source"]
    t.eq("dataset B's sample source URL still works", get_url(s, src), (200, "shared-cat-bytes"))
    v = ma(s, "GET", "/datasets/%s/versions/%s" % (b, vid))[1]
    st, manifest = fetch(s, v["manifest_path"])
    lines = [json.loads(x) for x in manifest.splitlines()]
    t.check("V3 details and a manifest with one line per sample (source path and labels)",
            v["total_sample_count"] == 1 and v["version_name"] == "V001" and st == 200 and lines[0]["source"] == "obs://bkt/shared/cat.png"
            and lines[0]["id"] == sb, (v, manifest))
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % b, {"delete_source": True, "samples": [sb]})
    t.check("delete_source from dataset B: kept for the version", "1 version" in js["results"][0]["info"], js)
    t.eq("the file stays downloadable for the version", fetch(s, "/bkt/shared/cat.png"), (200, "shared-cat-bytes"))
    vs = ma(s, "GET", "/datasets/%s/data-annotations/samples?version_id=%s" % (b, vid))[1]
    t.check("the version still lists the deleted sample", vs["sample_count"] == 1 and vs["samples"][0]["sample_id"] == sb, vs)
    n_before = len(object_files(s))
    st, js = ma(s, "DELETE", "/datasets/%s/versions/%s" % (b, vid))
    t.eq("V4 delete -> 204", st, 204)
    err(t, "the last reference gone, the source asked to be deleted is deleted", (fetch(s, "/bkt/shared/cat.png")[0],
        json.loads(fetch(s, "/bkt/shared/cat.png")[1])), 400, "ModelArts.4345")
    err(t, "V3 of the deleted version -> 4353", ma(s, "GET", "/datasets/%s/versions/%s" % (b, vid)), 400, "ModelArts.4353")
    sha = hashlib.sha256(b"shared-cat-bytes").hexdigest()
    ok, deadline = False, time.monotonic() + 15
    while not ok and time.monotonic() < deadline:   # the purge thread erases within ~2 s: poll the disk
        ok = sha not in object_files(s)
        s.request("GET", "/v2/%s/datasets?limit=1" % PID)
    t.check("the erased source and manifest leave the objects directory", ok and len(object_files(s)) < n_before, object_files(s))


def run_text(t, s):
    upload(s, "/bkt/text/reviews.txt", "great phone\tpositive\nbad battery\tnegative,hardware\n\nok I guess\n".encode())
    st, js, ds = create_ds(s, "reviews", "/bkt/text/", dtype=100)
    got = samples(s, ds)["samples"]
    t.check("text dataset: one sample per non-empty line with its labels", len(got) == 3 and got[0]["source"] == "content://great phone"
            and [l["name"] for l in got[1]["labels"]] == ["negative", "hardware"] and got[2]["labels"] == [] and got[0]["sample_type"] == 1, got)
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples" % ds, {"samples": [{"name": "more.txt", "data": b64(b"fine\tpositive\n")}]})
    t.check("S1 of a .txt file into a text dataset adds its lines", js["success"] and js["results"][0]["info"] == "1 samples" and
            samples(s, ds)["sample_count"] == 4, js)
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, {"delete_source": True, "samples": [got[0]["sample_id"]]})
    t.check("delete_source on a text sample deletes the sample, not the text file", js == {"success": True} and
            fetch(s, "/bkt/text/reviews.txt")[0] == 200 and samples(s, ds)["sample_count"] == 3, js)


def run_labels(t, s):
    upload(s, "/bkt/lab/1.jpg", b"one")
    upload(s, "/bkt/lab/2.jpg", b"two")
    upload(s, "/bkt/lab/3.jpg", b"three")
    _, _, ds = create_ds(s, "labels", "/bkt/lab/")
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/labels" % ds, {"labels": [{"name": "Cat", "type": 0, "property": {"@modelarts:color": "#3399ff"}},
                                                                                   {"name": "Dog", "type": 0}]})
    t.eq("L2 create labels", js, {"success": True})
    err(t, "L2 duplicate -> 4411", ma(s, "POST", "/datasets/%s/data-annotations/labels" % ds, {"labels": [{"name": "Bird"}, {"name": "Cat"}]}), 400, "ModelArts.4411")
    st, js = ma(s, "GET", "/datasets/%s/data-annotations/labels" % ds)
    t.check("L1 list (the failed batch added nothing)", js["total_number"] == 2 and js["labels"][0] == {"name": "Cat", "type": 0, "property": {"@modelarts:color": "#3399ff"}}, js)
    err(t, "L2 labels not a list -> 0107", ma(s, "POST", "/datasets/%s/data-annotations/labels" % ds, {"labels": {"name": "x"}}), 400, "ModelArts.0107")
    err(t, "L2 a label without a name -> 0107", ma(s, "POST", "/datasets/%s/data-annotations/labels" % ds, {"labels": [{"type": 0}]}), 400, "ModelArts.0107")
    st, js = ma(s, "PUT", "/datasets/%s/data-annotations/labels" % ds, {"labels": [{"name": "Dog", "property": {"@modelarts:color": "#000000"}}]})
    t.eq("L3 update labels", js, {"success": True})
    err(t, "L3 unknown label -> 4410", ma(s, "PUT", "/datasets/%s/data-annotations/labels" % ds, {"labels": [{"name": "Nope"}]}), 400, "ModelArts.4410")
    st, js = ma(s, "PUT", "/datasets/%s/data-annotations/labels/Cat" % ds, {"property": {"@modelarts:shortcut": "c"}})
    t.check("L5 update one label", js == {"success": True} and
            ma(s, "GET", "/datasets/%s/data-annotations/labels" % ds)[1]["labels"][0]["property"] == {"@modelarts:shortcut": "c"}, js)
    ids = {x["sample_name"]: x["sample_id"] for x in samples(s, ds)["samples"]}
    ma(s, "PUT", "/datasets/%s/data-annotations/samples" % ds, {"samples": [
        {"sample_id": ids["1.jpg"], "labels": [{"name": "Cat"}]}, {"sample_id": ids["2.jpg"], "labels": [{"name": "Cat"}, {"name": "Dog"}]},
        {"sample_id": ids["3.jpg"], "labels": [{"name": "Dog"}]}]})
    err(t, "L4 bad delete_policy -> 0107", ma(s, "POST", "/datasets/%s/data-annotations/labels/delete?delete_policy=3" % ds, {"labels": [{"name": "Cat"}]}),
        400, "ModelArts.0107")
    err(t, "L4 unknown label -> 4410, nothing deleted", ma(s, "POST", "/datasets/%s/data-annotations/labels/delete?delete_policy=1" % ds,
                                                          {"labels": [{"name": "Cat"}, {"name": "Nope"}]}), 400, "ModelArts.4410")
    t.eq("the failed L4 kept every sample", samples(s, ds)["sample_count"], 3)
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/labels/delete?delete_policy=1" % ds, {"labels": [{"name": "Cat"}]})
    left = {x["sample_name"]: [l["name"] for l in x["labels"]] for x in samples(s, ds)["samples"]}
    t.check("L4 policy 1: samples with only Cat deleted (source kept), Cat removed from the others",
            js == {"success": True} and left == {"2.jpg": ["Dog"], "3.jpg": ["Dog"]} and fetch(s, "/bkt/lab/1.jpg")[0] == 200, (js, left))
    st, js, _, _ = s.request("DELETE", "/v2/%s/datasets/%s/data-annotations/labels/Dog?delete_source=true" % (PID, ds))
    t.check("L6 delete label with delete_source=true -> 204; its samples and their sources go",
            st == 204 and samples(s, ds)["sample_count"] == 0 and fetch(s, "/bkt/lab/2.jpg")[0] == 400 and fetch(s, "/bkt/lab/3.jpg")[0] == 400, st)
    err(t, "L6 unknown label -> 4410", ma(s, "DELETE", "/datasets/%s/data-annotations/labels/Dog" % ds), 400, "ModelArts.4410")
    err(t, "L1 unknown dataset -> 4352", ma(s, "GET", "/datasets/AAAAAAAAAAAAAAAAAAA/data-annotations/labels"), 400, "ModelArts.4352")


def run_versions(t, s):
    upload(s, "/bkt/ver/1.jpg", b"v1")
    _, _, ds = create_ds(s, "versions", "/bkt/ver/")
    st, js = ma(s, "POST", "/datasets/%s/versions" % ds, {})
    v1 = js["version_id"]
    err(t, "V1 bad version_name -> 0107", ma(s, "POST", "/datasets/%s/versions" % ds, {"version_name": "bad name"}), 400, "ModelArts.0107")
    err(t, "V1 existing version_name -> 4371", ma(s, "POST", "/datasets/%s/versions" % ds, {"version_name": "V001"}), 400, "ModelArts.4371")
    err(t, "V1 version_format unknown -> 0107", ma(s, "POST", "/datasets/%s/versions" % ds, {"version_format": "XML"}), 400, "ModelArts.0107")
    sid = samples(s, ds)["samples"][0]["sample_id"]
    ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, {"samples": [sid]})
    st, js = ma(s, "POST", "/datasets/%s/versions" % ds, {"description": "after delete"})
    v2 = js["version_id"]
    st, js = ma(s, "GET", "/datasets/%s/versions" % ds)
    by = {v["version_id"]: v for v in js["versions"]}
    t.check("V2 lists both, newest current; counts against the previous version",
            js["total_number"] == 2 and by[v2]["is_current"] and not by[v1]["is_current"] and by[v1]["total_sample_count"] == 1
            and by[v2]["total_sample_count"] == 0 and by[v2]["deleted_sample_count"] == 1 and by[v2]["version_name"] == "V002", js)
    t.eq("the earlier version still lists its frozen sample", samples(s, ds, "&version_id=" + v1)["sample_count"], 1)
    t.eq("a version's samples take the same filters", [samples(s, ds, "&version_id=%s&%s" % (v1, q))["sample_count"] for q in
                                                         ("sample_state=__NONE__", "sample_state=__ALL__", "sample_type=0")], [1, 0, 1])
    err(t, "S2 with an unknown version_id -> 4353", ma(s, "GET", "/datasets/%s/data-annotations/samples?version_id=nope" % ds), 400, "ModelArts.4353")
    err(t, "V4 unknown version -> 4353", ma(s, "DELETE", "/datasets/%s/versions/AAAAAAAAAAAAAAAAAAA" % ds), 400, "ModelArts.4353")
    t.eq("D3 current version", ma(s, "GET", "/datasets/" + ds)[1]["current_version_name"], "V002")
    st, _ = ma(s, "DELETE", "/datasets/%s" % ds)
    t.eq("D5 delete -> 204", st, 204)
    err(t, "D3 after delete -> 4352", ma(s, "GET", "/datasets/" + ds), 400, "ModelArts.4352")
    t.eq("D5 does not delete source data", fetch(s, "/bkt/ver/1.jpg"), (200, "v1"))
    err(t, "D5 again -> 4352", ma(s, "DELETE", "/datasets/" + ds), 400, "ModelArts.4352")


def run_files(t, s):
    err(t, "files PUT with '..' -> 4205", upload(s, "/bkt/../../etc/passwd", b"x"), 400, "ModelArts.4205")
    err(t, "files PUT without a bucket dir -> 4205", upload(s, "nobucket", b"x"), 400, "ModelArts.4205")
    err(t, "files GET unknown -> 4345", (fetch(s, "/bkt/none.jpg")[0], json.loads(fetch(s, "/bkt/none.jpg")[1])), 400, "ModelArts.4345")
    err(t, "files PUT over 12,582,912 bytes -> 4656", upload(s, "/bkt/big.bin", b"x" * 12582913), 400, "ModelArts.4656")
    t.check("files are project-scoped", upload(s, "/bkt/p/a.txt", b"mine")[0] == 200 and fetch(s, "/bkt/p/a.txt", project="f" * 32)[0] == 400)


def list_files(s, query, project=PID):
    return ma(s, "GET", "/files?" + query, project=project)


def delete_file(s, path, query="", project=PID):
    return ma(s, "DELETE", "/files?path=%s%s" % (urllib.parse.quote(path), query), project=project)


def wait_erased(s, data):
    """Polls the objects directory (bounded deadline) until the object of these bytes is gone."""
    sha = hashlib.sha256(data).hexdigest()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:   # the purge thread erases within ~2 s of the commit
        if sha not in object_files(s):
            return True
        s.request("GET", "/v2/%s/datasets?limit=1" % PID)
    return False


def run_file_lifecycle(t, s):
    """List files under a prefix, delete one (refused while a sample or version uses it, unless
    when_unused=true), and the deleted bytes leave objects/."""
    for name, data in (("a.jpg", b"life-a"), ("b.jpg", b"life-b"), ("sub/c.jpg", b"life-c")):
        upload(s, "/life/in/" + name, data)
    upload(s, "/life/other.jpg", b"life-other")
    st, js = list_files(s, "prefix=/life/in/")
    t.check("list under a prefix: every file below it, in path order, with size and references",
            st == 200 and [f["path"] for f in js["files"]] == ["/life/in/a.jpg", "/life/in/b.jpg", "/life/in/sub/c.jpg"]
            and js["files"][0]["size"] == 6 and js["files"][0]["in_use"] is False and js["is_truncated"] is False, (st, js))
    st, js = list_files(s, "prefix=/life/&limit=2")
    t.check("limit cuts the list and next_marker continues it", st == 200 and len(js["files"]) == 2 and js["is_truncated"] is True
            and js["next_marker"] == "/life/in/b.jpg", js)
    st, js2 = list_files(s, "prefix=/life/&limit=2&marker=" + urllib.parse.quote(js["next_marker"]))
    t.eq("the next page", [f["path"] for f in js2["files"]], ["/life/in/sub/c.jpg", "/life/other.jpg"])
    t.eq("a prefix with no files -> empty list", list_files(s, "prefix=/nothing/here/")[1], {"files": [], "is_truncated": False})

    st, js = delete_file(s, "/life/other.jpg")
    t.check("delete an unused file -> 204, empty body", st == 204 and js is None, (st, js))
    err(t, "the deleted file is not found", (fetch(s, "/life/other.jpg")[0], json.loads(fetch(s, "/life/other.jpg")[1])), 400, "ModelArts.4345")
    t.check("the deleted file is gone from the list", "/life/other.jpg" not in [f["path"] for f in list_files(s, "prefix=/life/")[1]["files"]])
    t.check("its bytes leave objects/ (the purge zero-fills and unlinks)", wait_erased(s, b"life-other"), object_files(s))
    err(t, "delete it again -> 4345", delete_file(s, "/life/other.jpg"), 400, "ModelArts.4345")

    _, _, ds = create_ds(s, "life", "/life/in/")
    st, js = ma(s, "POST", "/datasets/%s/versions" % ds, {"version_name": "V001"})
    vid = js["version_id"]
    before = list_files(s, "prefix=/life/in/")[1]
    t.check("the list counts sample and version references", before["files"][0]["sample_refs"] == 1
            and before["files"][0]["version_refs"] == 1 and before["files"][0]["in_use"] is True, before)
    err(t, "delete a file a sample and a version use -> 400 ModelArts.4827", delete_file(s, "/life/in/a.jpg"), 400, "ModelArts.4827")
    st, js = delete_file(s, "/life/in/a.jpg")
    t.check("the refusal says who uses it", "1 sample(s) and 1 version(s)" in js["error_msg"], js)
    t.eq("refused: nothing changed (file served, list and samples as before)",
         (fetch(s, "/life/in/a.jpg"), list_files(s, "prefix=/life/in/")[1], samples(s, ds)["sample_count"]), ((200, "life-a"), before, 3))
    err(t, "when_unused=maybe -> 0107", delete_file(s, "/life/in/a.jpg", "&when_unused=maybe"), 400, "ModelArts.0107")

    st, js = delete_file(s, "/life/in/a.jpg", "&when_unused=true")
    t.check("when_unused=true on a used file -> 202, marked to go with its last reference",
            st == 202 and js["doomed"] is True and js["sample_refs"] == 1 and js["version_refs"] == 1, (st, js))
    t.eq("still served while used", fetch(s, "/life/in/a.jpg"), (200, "life-a"))
    t.check("the list shows it doomed", list_files(s, "prefix=/life/in/a")[1]["files"][0]["doomed"] is True)
    sid = [x["sample_id"] for x in samples(s, ds)["samples"] if x["sample_name"] == "a.jpg"][0]
    st, js = ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, {"samples": [sid]})
    t.eq("the sample goes (without delete_source): the version still holds the file", fetch(s, "/life/in/a.jpg"), (200, "life-a"))
    st, _ = ma(s, "DELETE", "/datasets/%s/versions/%s" % (ds, vid))
    t.eq("the last reference (the version) goes -> 204", st, 204)
    err(t, "then the doomed file is deleted", (fetch(s, "/life/in/a.jpg")[0], json.loads(fetch(s, "/life/in/a.jpg")[1])), 400, "ModelArts.4345")
    t.check("and its bytes leave objects/", wait_erased(s, b"life-a"), object_files(s))
    t.eq("the other files stay", fetch(s, "/life/in/b.jpg"), (200, "life-b"))

    err(t, "DELETE without path -> 4205", ma(s, "DELETE", "/files"), 400, "ModelArts.4205")
    err(t, "DELETE a path with '..' -> 4205", delete_file(s, "/life/in/../in/b.jpg"), 400, "ModelArts.4205")
    err(t, "DELETE a path with a NUL -> refused by the transport (0107)", ma(s, "DELETE", "/files?path=/life/in/b%00.jpg"), 400, "ModelArts.0107")
    err(t, "DELETE an unknown path -> 4345", delete_file(s, "/life/in/none.jpg"), 400, "ModelArts.4345")
    err(t, "DELETE in another project -> 4345, nothing deleted", delete_file(s, "/life/in/b.jpg", project="e" * 32), 400, "ModelArts.4345")
    err(t, "list with a prefix without '/' -> 4205", list_files(s, "prefix=life"), 400, "ModelArts.4205")
    err(t, "list with a NUL in the prefix -> refused by the transport (0107)", list_files(s, "prefix=/life/%00"), 400, "ModelArts.0107")
    err(t, "list with limit 0 -> 0107", list_files(s, "prefix=/life/&limit=0"), 400, "ModelArts.0107")
    t.eq("nothing of that changed the files", fetch(s, "/life/in/b.jpg"), (200, "life-b"))


def run_projects(t, s):
    """Without --auth: project ids are 32 lowercase hex, and reads never create a project."""
    fresh = "abcdef0123456789abcdef0123456789"
    t.eq("GET datasets of an unknown project -> empty", ma(s, "GET", "/datasets", project=fresh),
         (200, {"total_number": 0, "datasets": []}))
    err(t, "GET a dataset of an unknown project -> 4352", ma(s, "GET", "/datasets/AAAAAAAAAAAAAAAAAAA", project=fresh), 400, "ModelArts.4352")
    err(t, "GET a file of an unknown project -> 4345", (fetch(s, "/b/x.jpg", project=fresh)[0], json.loads(fetch(s, "/b/x.jpg", project=fresh)[1])),
        400, "ModelArts.4345")
    t.eq("list files of an unknown project -> empty", list_files(s, "prefix=/", project=fresh)[1], {"files": [], "is_truncated": False})
    err(t, "DELETE a file of an unknown project -> 4345", delete_file(s, "/b/x.jpg", project=fresh), 400, "ModelArts.4345")
    err(t, "DELETE a dataset of an unknown project -> 4352", ma(s, "DELETE", "/datasets/AAAAAAAAAAAAAAAAAAA", project=fresh), 400, "ModelArts.4352")
    for bad in ("team_a", "0123456789ABCDEF0123456789ABCDEF", "0123456789abcdef", "0123456789abcdef0123456789abcdeg"):
        err(t, "project id %r -> 0107" % bad, ma(s, "GET", "/datasets", project=bad), 400, "ModelArts.0107")
    err(t, "a write with a non-hex project id -> 0107", ma(s, "POST", "/datasets", {"dataset_name": "x"}, project="team_a"), 400, "ModelArts.0107")
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(s.data, "annovec.db"), uri=True)   # a WAL reader beside the server
    ids = {r[0] for r in db.execute("SELECT id FROM project")}
    names = {r[0] for r in db.execute("SELECT name FROM project")}
    db.close()
    t.check("none of those reads and deletes created a project", fresh not in ids and "team_a" not in names and PID in ids, ids)
    upload(s, "/b/x.jpg", b"x", project=fresh)
    t.eq("a write creates it", fetch(s, "/b/x.jpg", project=fresh), (200, "x"))


def run_manifest_slashes(t, s):
    upload(s, "/slash/in/a.jpg", b"slash")
    _, _, ds = create_ds(s, "slashes", "/slash/in/")
    st, js = ma(s, "POST", "/datasets/%s/versions" % ds, {})
    v = ma(s, "GET", "/datasets/%s/versions/%s" % (ds, js["version_id"]))[1]
    st, manifest = fetch(s, v["manifest_path"])
    t.check("the manifest writes '/' unescaped (not \\/)", st == 200 and '"obs://slash/in/a.jpg"' in manifest and "\\/" not in manifest, manifest)


def token(s, project):
    """`annovec token create`: returns (project id, token) from its output."""
    out = subprocess.run([lib.BIN, "token", "create", "--data", s.data, "--project", project], capture_output=True, text=True, timeout=60).stdout
    return re.search(r"\(id ([0-9a-f]{32})\)", out).group(1), out.strip().splitlines()[-1]


def run_auth(t):
    s = lib.Server(args=["--auth"])
    try:
        a, tok = token(s, "alpha")
        b, other = token(s, "beta")
        keys = s.create_key("alpha")
        t.check("token create prints the token on the last line", tok.startswith("avt_"), tok)
        body = {"dataset_name": "secure", "data_sources": [{"data_path": "/bkt/in/"}], "work_path": "/bkt/out/"}
        err(t, "no credentials -> 401 ModelArts.0201", ma(s, "GET", "/datasets", project=a), 401, "ModelArts.0201")
        err(t, "a wrong token -> 401 ModelArts.0203", ma(s, "GET", "/datasets", headers={"X-Auth-Token": tok[:-1] + ("1" if tok[-1] == "0" else "0")}, project=a), 401, "ModelArts.0203")
        err(t, "no credentials on a file -> 401", fetch_raw(s, "/v2/%s/files?path=/bkt/in/x.jpg" % a), 401, "ModelArts.0201")
        st, js = ma(s, "POST", "/datasets", body, headers={"X-Auth-Token": tok}, project=a)
        t.check("X-Auth-Token creates a dataset in its project", st == 201, (st, js))
        err(t, "a token used on another project's path -> 403 ModelArts.0210",
            ma(s, "GET", "/datasets", headers={"X-Auth-Token": other}, project=a), 403, "ModelArts.0210")
        err(t, "a cross-project delete -> 403 and nothing deleted",
            ma(s, "DELETE", "/datasets/" + js["dataset_id"], headers={"X-Auth-Token": other}, project=a), 403, "ModelArts.0210")
        st, js = ma(s, "GET", "/datasets", headers={"X-Auth-Token": other}, project=b)
        t.check("the other project sees none of it", st == 200 and js["total_number"] == 0, js)
        s.request("PUT", "/v2/%s/files?path=/bkt/keep/f.jpg" % a, raw=b"keep", headers={"X-Auth-Token": tok})
        err(t, "DELETE a file without credentials -> 401", s.request("DELETE", "/v2/%s/files?path=/bkt/keep/f.jpg" % a)[:2], 401, "ModelArts.0201")
        err(t, "DELETE a file with another project's token -> 403", s.request("DELETE", "/v2/%s/files?path=/bkt/keep/f.jpg" % a,
            headers={"X-Auth-Token": other})[:2], 403, "ModelArts.0210")
        err(t, "list files without credentials -> 401", s.request("GET", "/v2/%s/files?prefix=/" % a)[:2], 401, "ModelArts.0201")
        st, js, _, _ = s.request("GET", "/v2/%s/files?prefix=/bkt/keep/" % a, headers={"X-Auth-Token": tok})
        t.check("refused deletes deleted nothing", st == 200 and [f["path"] for f in js["files"]] == ["/bkt/keep/f.jpg"], (st, js))
        path = "/v2/%s/datasets" % a
        hdrs = lib.huawei_sign(keys[0], keys[1], "GET", path, "limit=5", b"", "127.0.0.1:%d" % s.port)
        st, js, _, _ = s.request("GET", path + "?limit=5", headers=hdrs)
        t.check("an SDK-HMAC-SHA256 signed request sees the dataset", st == 200 and js["total_number"] == 1, (st, js))
        hdrs = lib.huawei_sign(keys[0], keys[1][:-1] + "x", "GET", path, "limit=5", b"", "127.0.0.1:%d" % s.port)
        err(t, "a wrong AK/SK signature -> 401", s.request("GET", path + "?limit=5", headers=hdrs)[:2], 401, "ModelArts.0203")
        hdrs = lib.huawei_sign(keys[0], keys[1], "GET", "/v2/%s/datasets" % b, "", b"", "127.0.0.1:%d" % s.port)
        err(t, "a signed request for another project -> 403 ModelArts.0210", s.request("GET", "/v2/%s/datasets" % b, headers=hdrs)[:2],
            403, "ModelArts.0210")
    finally:
        s.cleanup()


def run(t):
    s = lib.Server()
    try:
        ds = run_datasets(t, s)
        run_samples(t, s, ds)
        run_delete_doc_example(t, s)
        run_partial_and_bad_deletes(t, s, ds)
        run_shared_file(t, s)
        run_text(t, s)
        run_labels(t, s)
        run_versions(t, s)
        run_files(t, s)
        run_file_lifecycle(t, s)
        run_manifest_slashes(t, s)
        run_projects(t, s)
    finally:
        s.cleanup()
    run_auth(t)
