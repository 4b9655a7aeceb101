#!/usr/bin/env python3
"""crash_modelarts.py — kill -9 in the middle of large ModelArts batch deletes (500 ids,
delete_source=true), restart, and check: every acknowledged batch is gone with its source files; no
batch is half-applied (its samples and files are all there or all gone); samples never sent are
intact with their files; the stats agree with the list. Then the same for v1 image deletes through
an annotation job (POST /v1/.../data-annotations/{id}/images/delete, 500 ids, all or nothing): the
job's image list, its progress, its tag statistics and the v2 samples of its dataset all agree.

One sender thread streams the batches; the main thread waits on a condition variable until a chosen
number of batches has been acknowledged, then SIGKILLs the server while the next batch is in flight.
"""
import base64
import http.client
import json
import os
import shutil
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

PID = "0123456789abcdef0123456789abcdef"
N = 6000
BATCH = 500


def call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, "/v2/%s%s" % (PID, path), body=json.dumps(body) if body is not None else None)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    return resp.status, (json.loads(raw) if raw and raw[:1] == b"{" else raw)


def all_samples(port, ds):
    names, offset = {}, 0
    while True:
        st, js = call(port, "GET", "/datasets/%s/data-annotations/samples?limit=100&offset=%d" % (ds, offset))
        for s in js["samples"]:
            names[s["sample_id"]] = s["sample_name"]
        offset += 100
        if offset >= js["sample_count"]:
            return names, js["sample_count"]


def file_exists(port, name, folder="/crash/in/"):
    st, _ = call(port, "GET", "/files?path=" + urllib.parse.quote(folder + name))
    return st == 200


def v2_delete(ds):
    return ("/v2/%s/datasets/%s/data-annotations/samples/delete" % (PID, ds), lambda b: {"delete_source": True, "samples": b},
            lambda js: js.get("success") is True)


def v1_delete(num):
    return ("/v1/%s/data-annotations/%s/images/delete" % (PID, num), lambda b: {"image_id": b}, lambda js: js == {"is_success": True})


class Stream:
    def __init__(self, port, ds, batches, how=None):
        self.port, self.ds, self.batches = port, ds, batches
        self.path, self.body, self.acked_by = how or v2_delete(ds)
        self.acked, self.sent = [], []
        self.cv = threading.Condition()
        self.stop = False

    def sender(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        for b in self.batches:
            with self.cv:
                if self.stop:
                    return
                self.sent.append(b)
            try:
                conn.request("POST", self.path, body=json.dumps(self.body(b)))
                ok = self.acked_by(json.loads(conn.getresponse().read()))
            except (OSError, http.client.HTTPException, ValueError):
                return
            with self.cv:
                if ok:
                    self.acked.append(b)
                self.cv.notify_all()


def v1_call(port, method, path, body=None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request(method, "/v1/%s%s" % (PID, path), body=json.dumps(body) if body is not None else None)
    resp = conn.getresponse()
    raw = resp.read()
    conn.close()
    return resp.status, json.loads(raw)


def all_images(port, num):
    names, page = {}, 0
    while True:
        st, js = v1_call(port, "GET", "/data-annotations/%s/images?per_page=100&page=%d" % (num, page))
        for im in js["images"]:
            names[im["image_id"]] = im["name"]
        page += 1
        if page * 100 >= js["total_count"]:
            return names


V1_N = 3000


def crash_v1(t):
    """kill -9 during v1 batch image deletes of an annotation job."""
    t.section = "crash_modelarts v1"
    srv = lib.Server()
    data = srv.data
    try:
        st, js = call(srv.port, "POST", "/datasets", {"dataset_name": "crashv1", "data_sources": [{"data_path": "/crashv1/in/"}],
                                                        "work_path": "/crashv1/out/"})
        ds = js["dataset_id"]
        for i in range(0, V1_N, 500):
            call(srv.port, "POST", "/datasets/%s/data-annotations/samples" % ds, {"samples": [
                {"name": "%05d.png" % j, "data": base64.b64encode(b"image-%05d" % j).decode(), "labels": [{"name": "t%d" % (j % 3)}]}
                for j in range(i, i + 500)]})
        st, js = v1_call(srv.port, "POST", "/annotation-jobs", {"name": "crash", "dataset_id": ds, "type": "Manual Image classify"})
        num = js["dls_prj_id"]
        names = all_images(srv.port, num)
        t.eq("set-up: every image in the job", len(names), V1_N)
        ids = sorted(names)
        batches = [ids[i:i + BATCH] for i in range(0, V1_N, BATCH)]
        gone, pos = set(), 0
        for round_no, kill_after in enumerate((1, 2)):
            todo = batches[pos:pos + 3]
            pos += 3
            s = Stream(srv.port, ds, todo, v1_delete(num))
            th = threading.Thread(target=s.sender)
            th.start()
            with s.cv:
                s.cv.wait_for(lambda: len(s.acked) >= kill_after or len(s.sent) == len(todo), timeout=300)
                s.stop = True
                acked = list(s.acked)
            srv.kill9()
            th.join()
            sent = list(s.sent)
            srv = lib.Server(data=data)
            alive = set(all_images(srv.port, num))
            for b in acked:
                gone |= set(b)
            t.check("round %d: acknowledged image deletes are gone after kill -9" % round_no, not (alive & gone))
            half = [b for b in sent if 0 < len(set(b) & alive) < len(b)]
            t.check("round %d: no batch is half-applied" % round_no, not half, [len(set(b) & alive) for b in half])
            for b in sent:
                if not (set(b) & alive):
                    gone |= set(b)
            t.eq("round %d: the job lists exactly the images not deleted" % round_no, alive, set(ids) - gone)
            samples, count = all_samples(srv.port, ds)
            t.eq("round %d: the v2 samples are the same images" % round_no, set(samples), alive)
            st, js = v1_call(srv.port, "GET", "/annotation-jobs?limit=100")
            t.eq("round %d: job progress agrees" % round_no, js["jobs"][0]["progress_detail"]["total_count"], len(alive))
            st, js = v1_call(srv.port, "GET", "/data-annotations/%s/tags/stats" % num)
            t.eq("round %d: tag statistics agree" % round_no, sum(x["count"] for x in js["tag_count"]), len(alive))
            probe = sent[-2:]
            files_ok = all(file_exists(srv.port, names[i], "/crashv1/in/") == (i in alive) for b in probe for i in b[:50])
            t.check("round %d: image files went with their images, and only with them" % round_no, files_ok)
            t.check("round %d: batches were acknowledged before the kill" % round_no, len(acked) >= min(kill_after, len(todo)), len(acked))
    finally:
        srv.cleanup()
        shutil.rmtree(data, ignore_errors=True)


def main():
    t = lib.T()
    t.section = "crash_modelarts"
    srv = lib.Server()
    data = srv.data
    try:
        st, js = call(srv.port, "POST", "/datasets", {"dataset_name": "crash", "data_sources": [{"data_path": "/crash/in/"}],
                                                        "work_path": "/crash/out/"})
        ds = js["dataset_id"]
        for i in range(0, N, 500):
            call(srv.port, "POST", "/datasets/%s/data-annotations/samples" % ds, {"samples": [
                {"name": "%05d.png" % j, "data": base64.b64encode(b"sample-%05d" % j).decode()} for j in range(i, i + 500)]})
        names, count = all_samples(srv.port, ds)
        t.eq("set-up: every sample added", count, N)
        ids = sorted(names)
        batches = [ids[i:i + BATCH] for i in range(0, N, BATCH)]
        gone, pos = set(), 0
        for round_no, kill_after in enumerate((1, 2, 3)):
            todo = batches[pos:pos + 4]
            pos += 4
            s = Stream(srv.port, ds, todo)
            th = threading.Thread(target=s.sender)
            th.start()
            with s.cv:
                s.cv.wait_for(lambda: len(s.acked) >= kill_after or len(s.sent) == len(todo), timeout=300)
                s.stop = True
                acked = list(s.acked)
            srv.kill9()
            th.join()
            sent = list(s.sent)
            srv = lib.Server(data=data)
            alive, count = all_samples(srv.port, ds)
            for b in acked:
                gone |= set(b)
            t.check("round %d: acknowledged batches are gone after kill -9" % round_no, not (set(alive) & gone))
            half = [b for b in sent if 0 < len(set(b) & set(alive)) < len(b)]
            t.check("round %d: no batch is half-applied" % round_no, not half, [len(set(b) & set(alive)) for b in half])
            for b in sent:
                if not (set(b) & set(alive)):
                    gone |= set(b)
            t.eq("round %d: the list holds exactly the samples not deleted" % round_no, set(alive), set(ids) - gone)
            st, js = call(srv.port, "GET", "/datasets/%s/data-annotations/stats" % ds)
            t.eq("round %d: stats total agrees" % round_no, js["sample_stats"]["total"], len(alive))
            probe = sent[-2:]
            files_ok = all(file_exists(srv.port, names[i]) == (i in alive) for b in probe for i in b[:50])
            t.check("round %d: source files went with their samples, and only with them" % round_no, files_ok)
            t.check("round %d: batches were acknowledged before the kill" % round_no, len(acked) >= min(kill_after, len(todo)), len(acked))
    finally:
        srv.cleanup()
        shutil.rmtree(data, ignore_errors=True)
    crash_v1(t)
    return t.summary()


if __name__ == "__main__":
    sys.exit(main())
