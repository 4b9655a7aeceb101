#!/usr/bin/env python3
"""crash_modelarts.py — kill -9 in the middle of large ModelArts batch deletes (500 ids,
delete_source=true), restart, and check: every acknowledged batch is gone with its source files; no
batch is half-applied (its samples and files are all there or all gone); samples never sent are
intact with their files; the stats agree with the list.

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


def file_exists(port, name):
    st, _ = call(port, "GET", "/files?path=" + urllib.parse.quote("/crash/in/" + name))
    return st == 200


class Stream:
    def __init__(self, port, ds, batches):
        self.port, self.ds, self.batches = port, ds, batches
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
                conn.request("POST", "/v2/%s/datasets/%s/data-annotations/samples/delete" % (PID, self.ds),
                             body=json.dumps({"delete_source": True, "samples": b}))
                ok = json.loads(conn.getresponse().read()).get("success") is True
            except (OSError, http.client.HTTPException, ValueError):
                return
            with self.cv:
                if ok:
                    self.acked.append(b)
                self.cv.notify_all()


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
    return t.summary()


if __name__ == "__main__":
    sys.exit(main())
