#!/usr/bin/env python3
"""crash_test.py — kill -9 in the middle of a stream of batch deletes, restart, and check that every
acknowledged delete is gone, that no batch is half-applied, and that ids never sent are intact.

Two sender threads stream batches of 50 ids (one through v2 `filter: id in [...]`, one through v1
`id: [...]`). The main thread waits until a chosen number of batches has been acknowledged (a
condition variable, not a sleep), then SIGKILLs the server while requests are in flight. Repeated
for several kill points on the same data dir.
"""
import http.client
import json
import os
import random
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import lib  # noqa: E402

N = 6000
BATCH = 50


def post(port, path, body):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    conn.request("POST", path, body=json.dumps(body))
    js = json.loads(conn.getresponse().read())
    conn.close()
    return js


class Stream:
    def __init__(self, port, batches):
        self.port = port
        self.batches = batches          # list of (kind, ids)
        self.acked = []                 # batches answered with success
        self.sent = []                  # batches whose request was started
        self.cv = threading.Condition()
        self.stop = False

    def sender(self, kind):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        for b in self.batches:
            if b[0] != kind:
                continue
            with self.cv:
                if self.stop:
                    return
                self.sent.append(b)
            try:
                if kind == "v2":
                    body = {"collectionName": "crash", "filter": "id in [%s]" % ",".join(map(str, b[1]))}
                    conn.request("POST", "/v2/vectordb/entities/delete", body=json.dumps(body))
                    ok = json.loads(conn.getresponse().read()).get("code") == 0
                else:
                    conn.request("POST", "/v1/vector/delete", body=json.dumps({"collectionName": "crash", "id": b[1]}))
                    ok = json.loads(conn.getresponse().read()).get("code") == 200
            except (OSError, http.client.HTTPException, ValueError):
                return
            with self.cv:
                if ok:
                    self.acked.append(b)
                self.cv.notify_all()


def live_ids(port):
    js = post(port, "/v2/vectordb/entities/query",
              {"collectionName": "crash", "filter": "id >= 0", "outputFields": ["id"], "limit": 16384})
    return {r["id"] for r in js["data"]}


def main():
    t = lib.T()
    t.section = "crash"
    data = None
    rnd = random.Random(11)
    ids = list(range(N))
    rnd.shuffle(ids)
    batches = [("v2" if i % 2 == 0 else "v1", ids[i * BATCH:(i + 1) * BATCH]) for i in range(N // BATCH)]
    gone = set()
    pos = 0
    srv = lib.Server()
    data = srv.data
    try:
        post(srv.port, "/v2/vectordb/collections/create", {"collectionName": "crash", "dimension": 8})
        for i in range(0, N, 1000):
            post(srv.port, "/v2/vectordb/entities/insert", {"collectionName": "crash",
                 "data": [{"id": j, "vector": [float(j % 13)] * 8} for j in range(i, i + 1000)]})
        for round_no, kill_after in enumerate((5, 17, 33)):
            todo = batches[pos:pos + 40]
            pos += 40
            st = Stream(srv.port, todo)
            threads = [threading.Thread(target=st.sender, args=(k,)) for k in ("v1", "v2")]
            for th in threads:
                th.start()
            with st.cv:
                st.cv.wait_for(lambda: len(st.acked) >= kill_after or len(st.sent) == len(todo), timeout=120)
                st.stop = True
                acked = list(st.acked)
            srv.kill9()
            for th in threads:
                th.join()
            sent = list(st.sent)
            srv = lib.Server(data=data)
            alive = live_ids(srv.port)
            for b in acked:
                gone |= set(b[1])
            t.check("round %d: every acknowledged delete is gone after kill -9" % round_no,
                    not (alive & gone), sorted(alive & gone)[:10])
            half = [b for b in sent if 0 < len(set(b[1]) & alive) < len(b[1])]
            t.check("round %d: no batch is half-applied" % round_no, not half, half[:2])
            for b in sent:
                if not (set(b[1]) & alive):
                    gone |= set(b[1])   # an in-flight batch that committed before the kill
            never_sent = set(range(N)) - gone - {i for b in sent for i in b[1]}
            t.check("round %d: ids never deleted are intact" % round_no, never_sent <= alive, len(never_sent - alive))
            t.eq("round %d: count(*) matches the surviving ids" % round_no,
                 post(srv.port, "/v2/vectordb/entities/query", {"collectionName": "crash", "outputFields": ["count(*)"]})["data"][0]["count(*)"],
                 len(alive))
            t.check("round %d: acknowledged batches observed" % round_no, len(acked) >= min(kill_after, len(todo)), len(acked))
    finally:
        srv.cleanup()
        import shutil
        shutil.rmtree(data, ignore_errors=True)
    return t.summary()


if __name__ == "__main__":
    sys.exit(main())
