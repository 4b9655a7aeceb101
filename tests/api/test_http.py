"""test_http.py — the HTTP layer's defences and operations (issue 9): credentials checked before a
body is kept, --max-body enforced while headers or bytes arrive, connection limits and timeouts,
HTTP-level errors in the envelope of the path's dialect (never HTML), bounded JSON parsing, the
request log (escaping, request ids, fields, --log-format json), /healthz, /readyz and /metrics.
Memory is the server's VmRSS read from /proc. Nothing waits by sleeping: every wait polls a
condition with a deadline."""
import http.client
import json
import os
import re
import shutil
import socket
import threading
import time

import lib

MiB = 1 << 20


def rss(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def raw(port, data, src=None, timeout=10):
    """Sends raw bytes, returns (status, headers dict, body text) of the first response."""
    s = socket.socket()
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    try:
        s.sendall(data)
    except OSError:
        pass
    buf = b""
    try:
        while True:
            head, sep, rest = buf.partition(b"\r\n\r\n")
            if sep:
                m = re.search(rb"(?i)content-length:\s*(\d+)", head)
                if m and len(rest) >= int(m.group(1)):
                    break
            d = s.recv(65536)
            if not d:
                break
            buf += d
    except OSError:
        pass
    s.close()
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    try:
        status = int(lines[0].split()[1])
    except (IndexError, ValueError):
        status = 0
    hdrs = {}
    for l in lines[1:]:
        k, _, v = l.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    return status, hdrs, body.decode("utf-8", "replace")


def until(cond, deadline_s):
    """Polls cond() until it is true or the deadline passes; returns its last value."""
    end = time.monotonic() + deadline_s
    while True:
        v = cond()
        if v or time.monotonic() > end:
            return v
        time.sleep(0.02)


def jsonish(text):
    try:
        return json.loads(text)
    except ValueError:
        return None


# ---- 1. credentials before the body; --max-body on headers and on streamed bytes --------------------
def flood(port, declared, sent, results, i):
    """Declares a body of `declared` bytes and sends `sent` of them without credentials."""
    s = socket.socket()
    s.settimeout(20)
    s.connect(("127.0.0.1", port))
    status = 0
    try:
        s.sendall(b"POST /v2/vectordb/collections/list HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % declared)
        chunk = b"0" * MiB
        for _ in range(sent // MiB):
            s.sendall(chunk)
    except OSError:
        pass
    try:
        d = s.recv(4096)
        m = re.match(rb"HTTP/1.1 (\d+)", d)
        status = int(m.group(1)) if m else 0
    except OSError:
        pass
    s.close()
    results[i] = status


def test_auth_before_body(t):
    s = lib.Server(args=["--auth"])
    try:
        pid = s.proc.pid
        s.request("GET", "/healthz")
        before = rss(pid)
        results = [None] * 4
        threads = [threading.Thread(target=flood, args=(s.port, 60 * MiB, 59 * MiB, results, i)) for i in range(4)]
        for th in threads:
            th.start()
        peak = before
        while any(th.is_alive() for th in threads):
            peak = max(peak, rss(pid))
            time.sleep(0.01)
        for th in threads:
            th.join()
        peak = max(peak, rss(pid))
        grew = peak - before
        print("   auth-before-body: 4 x (60 MiB declared, 59 MiB sent) unauthenticated: RSS %.1f -> %.1f MiB (+%.1f MiB)"
              % (before / MiB, peak / MiB, grew / MiB), flush=True)
        t.check("4 unauthenticated 59 MiB bodies grow RSS by < 8 MiB", grew < 8 * MiB, "+%.1f MiB" % (grew / MiB))
        t.eq("each is answered 401 without its body", results, [401] * 4)
        st, js, _, _ = s.request("POST", "/v2/vectordb/collections/list", {})
        t.check("the server still answers (401 JSON)", st == 401 and js and js.get("code") == 1800, (st, js))
    finally:
        s.cleanup()


def signed_flood(port, size, barrier, results, i):
    """A body of `size` bytes under a forged Volcengine signature: all but its last byte, then (once
    every client got there) the last byte."""
    s = socket.socket()
    s.settimeout(20)
    s.connect(("127.0.0.1", port))
    status = 0
    try:
        s.sendall(b"POST /api/vikingdb/data/upsert HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nX-Date: 20260101T000000Z\r\n"
                  b"Authorization: HMAC-SHA256 Credential=AKAVforged/20260101/cn-beijing/vikingdb/request, "
                  b"SignedHeaders=host;x-date, Signature=%s\r\n\r\n" % (size, b"0" * 64))
        s.sendall(b"1" * (size - 1))
    except OSError:
        pass
    try:
        barrier.wait(timeout=20)
    except threading.BrokenBarrierError:
        pass
    try:
        s.sendall(b"1")
    except OSError:
        pass
    try:
        d = s.recv(4096)
        m = re.match(rb"HTTP/1.1 (\d+)", d)
        status = int(m.group(1)) if m else 0
    except OSError:
        pass
    s.close()
    results[i] = status


def declared_flood(port, declared, sent, results, i):
    """A forged Volcengine signature over a declared body hash (X-Content-Sha256), then `sent` of the
    `declared` body bytes."""
    s = socket.socket()
    s.settimeout(20)
    s.connect(("127.0.0.1", port))
    status = 0
    try:
        s.sendall(b"POST /api/vikingdb/data/upsert HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\nX-Date: %s\r\n"
                  b"X-Content-Sha256: %s\r\nAuthorization: HMAC-SHA256 Credential=AKAVforged/%s/cn-beijing/vikingdb/request, "
                  b"SignedHeaders=host;x-content-sha256;x-date, Signature=%s\r\n\r\n"
                  % (declared, time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()).encode(), b"ab" * 32,
                     time.strftime("%Y%m%d", time.gmtime()).encode(), b"0" * 64))
        chunk = b"1" * MiB
        for _ in range(sent // MiB):
            s.sendall(chunk)
    except OSError:
        pass
    try:
        d = s.recv(4096)
        m = re.match(rb"HTTP/1.1 (\d+)", d)
        status = int(m.group(1)) if m else 0
    except OSError:
        pass
    s.close()
    results[i] = status


def test_signed_declared_hash(t):
    """A signed request that declares its body's SHA-256 has its signature checked over that hash
    before any body byte is kept; the body received is then compared with it."""
    s = lib.Server(args=["--auth"])
    try:
        ak, sk = s.create_key()
        pid = s.proc.pid
        s.request("GET", "/healthz")
        before = rss(pid)
        results = [None] * 4
        threads = [threading.Thread(target=declared_flood, args=(s.port, 60 * MiB, 59 * MiB, results, i)) for i in range(4)]
        for th in threads:
            th.start()
        peak = before
        while any(th.is_alive() for th in threads):
            peak = max(peak, rss(pid))
            time.sleep(0.01)
        for th in threads:
            th.join()
        grew = max(peak, rss(pid)) - before
        print("   declared body hash: 4 x (60 MiB declared, 59 MiB sent) under forged signatures: RSS +%.1f MiB, answers %s"
              % (grew / MiB, results), flush=True)
        t.check("forged signatures over a declared hash: 4 x 59 MiB grow RSS by < 8 MiB", grew < 8 * MiB, "+%.1f MiB" % (grew / MiB))
        t.eq("... each is answered 401 at its head, never 429 (no budget used)", results, [401] * 4)

        s.signed("POST", "/api/collection/create", {"collection_name": "h", "primary_key": "id", "fields": [
            {"field_name": "id", "field_type": "int64"}, {"field_name": "v", "field_type": "vector", "dim": 4}]}, service="air")
        path = "/api/vikingdb/data/upsert"
        good = json.dumps({"collection_name": "h", "data": [{"id": 1, "v": [1, 0, 0, 0]}]}).encode()
        other = json.dumps({"collection_name": "h", "data": [{"id": 2, "v": [0, 1, 0, 0]}]}).encode()
        hdrs = lib.volc_sign(ak, sk, "POST", path, good, host="127.0.0.1:%d" % s.port)
        st, js, _, _ = s.request("POST", path, raw=other, headers=hdrs)
        t.check("a valid signature over a declared hash, another body sent: 401 naming X-Content-Sha256",
                st == 401 and js and "X-Content-Sha256" in js.get("message", ""), (st, js))
        st, js, _, _ = s.request("POST", path, raw=good, headers=hdrs)
        t.check("... the declared body itself is accepted", st == 200 and js and js.get("code") == "Success", (st, js))
        st, js, _, _ = s.signed("POST", "/api/vikingdb/data/fetch_in_collection", {"collection_name": "h", "ids": [1, 2]})
        t.eq("... and only it was written", (js or {}).get("result", {}).get("ids_not_exist"), [2])

        b = "ab" * 16   # the Huawei scheme: X-Sdk-Content-Sha256 (ModelArts)
        mpath = "/v2/%s/datasets" % b
        body = json.dumps({"dataset_name": "d1", "dataset_type": 0}).encode()
        hdrs = lib.huawei_sign(ak, sk, "POST", mpath, "", body, "127.0.0.1:%d" % s.port, content_sha256=True)
        st, js, _, _ = s.request("POST", mpath, raw=body.replace(b"d1", b"d2"), headers=hdrs)
        t.check("SDK-HMAC-SHA256 with X-Sdk-Content-Sha256 and another body: 401 naming it",
                st == 401 and js and "X-Sdk-Content-Sha256" in js.get("error_msg", ""), (st, js))
    finally:
        s.cleanup()


def test_signed_budget(t):
    """Signatures cover the body, so they are checked once it is in: all such bodies together are held
    to 2 x --max-body, beyond which a request is answered 429 at once."""
    s = lib.Server(args=["--auth", "--max-body", str(8 * MiB)])
    try:
        pid = s.proc.pid
        s.request("GET", "/healthz")
        before = rss(pid)
        n = 8
        results = [None] * n
        barrier = threading.Barrier(n + 1)
        threads = [threading.Thread(target=signed_flood, args=(s.port, 7 * MiB, barrier, results, i)) for i in range(n)]
        for th in threads:
            th.start()
        try:
            barrier.wait(timeout=30)
        except threading.BrokenBarrierError:
            pass
        peak = rss(pid)
        for th in threads:
            th.join()
        grew = peak - before
        print("   signed-body budget: %d x 7 MiB bodies under forged signatures, --max-body 8 MiB: RSS +%.1f MiB, answers %s"
              % (n, grew / MiB, sorted(results)), flush=True)
        t.check("forged signatures: bodies held together stay under 2 x --max-body (+ slack)", grew < 24 * MiB, "+%.1f MiB" % (grew / MiB))
        t.check("... the others are answered 429, the held ones 401 once their signature is checked",
                results.count(429) >= n - 2 and set(results) <= {401, 429}, results)
        st, js, _, _ = s.request("POST", "/api/vikingdb/data/upsert", {"collection_name": "c", "data": []})
        t.check("the budget is given back (an unsigned request gets 401, not 429)", st == 401, (st, js))
    finally:
        s.cleanup()


def test_max_body(t):
    s = lib.Server(args=["--max-body", "65536"])
    try:
        pid = s.proc.pid
        before = rss(pid)
        st, h, body = raw(s.port, b"POST /v2/vectordb/collections/list HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n" + b"0" * 4096)
        js = jsonish(body)
        t.check("Content-Length over --max-body: 413 at once in the Milvus v2 envelope", st == 413 and js and js.get("code") == 1801, (st, body))
        st, h, body = raw(s.port, b"POST /v2/0123456789abcdef0123456789abcdef/datasets HTTP/1.1\r\nHost: x\r\nContent-Length: 104857600\r\n\r\n")
        js = jsonish(body)
        t.check("... in the ModelArts envelope on a ModelArts path", st == 413 and js and js.get("error_code") == "ModelArts.4104", (st, body))
        # chunked: no Content-Length, the bytes themselves go over the limit (80 KiB > 64 KiB)
        chunk = b"4000\r\n" + b"1" * 0x4000 + b"\r\n"
        st, h, body = raw(s.port, b"POST /api/vikingdb/data/upsert HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk * 5 + b"0\r\n\r\n")
        js = jsonish(body)
        t.check("chunked body over --max-body: 413 in the VikingDB V2 envelope", st == 413 and js and js.get("code") == "InvalidParameter", (st, body))
        # a chunked body that goes on far past the limit: the server closes the connection
        sock = socket.socket()
        sock.settimeout(10)
        sock.connect(("127.0.0.1", s.port))
        sock.sendall(b"POST /api/vikingdb/data/upsert HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
        closed = False
        try:
            for _ in range(64 * 16):   # up to 16 MiB, 256 x the limit
                sock.sendall(chunk)
        except OSError:
            closed = True
        sock.close()
        t.check("a chunked body streaming far past --max-body is cut off", closed, "")
        t.check("the streamed bytes were not kept", rss(pid) - before < 8 * MiB, (rss(pid) - before) / MiB)
    finally:
        s.cleanup()


# ---- 2. connection limits and timeouts --------------------------------------------------------------
def idle_conns(port, n):
    socks = []
    for _ in range(n):
        c = socket.socket()
        c.setblocking(True)
        c.settimeout(5)
        try:
            c.connect(("127.0.0.1", port))
            c.sendall(b"P")
        except OSError:
            pass
        socks.append(c)
    return socks


def normal_request(port, src):
    try:
        st, _, body = raw(port, b"POST /v2/vectordb/collections/list HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}", src=src, timeout=5)
        return st == 200 and jsonish(body) == {"code": 0, "data": []}
    except OSError:
        return False


def test_connection_limits(t):
    # defaults: 1,005 idle one-byte connections from one address do not starve another client
    s = lib.Server()
    socks = []
    try:
        socks = idle_conns(s.port, 1005)
        t.check("defaults: a request from 127.0.0.2 is answered while 127.0.0.1 holds 1,005 idle connections",
                until(lambda: normal_request(s.port, "127.0.0.2"), 10), "")
    finally:
        for c in socks:
            c.close()
        s.cleanup()
    # small limits: per-address cap and the idle timeout
    s = lib.Server(args=["--max-connections-per-ip", "50", "--conn-timeout", "1", "--max-connections", "200"])
    socks = []
    try:
        socks = idle_conns(s.port, 1005)
        t.check("--max-connections-per-ip 50: another address is served at once", until(lambda: normal_request(s.port, "127.0.0.2"), 10), "")

        def closed_by_server():
            c = socks[0]
            c.settimeout(0.05)
            try:
                return c.recv(1) == b""
            except socket.timeout:
                return False
            except OSError:
                return True
        t.check("--conn-timeout 1: an idle connection is closed by the server", until(closed_by_server, 15), "")
        t.check("... and 127.0.0.1 is served again once its idle connections timed out", until(lambda: normal_request(s.port, "127.0.0.1"), 15), "")
    finally:
        for c in socks:
            c.close()
        s.cleanup()


# ---- 3. HTTP-level errors in the dialect's envelope ---------------------------------------------------
P = "0123456789abcdef0123456789abcdef"


def milvus(code):
    return lambda js: js.get("code") == code and isinstance(js.get("message"), str)


def viking_v2(code):
    return lambda js: js.get("code") == code and "request_id" in js and "result" in js and js["result"] is None


def viking_v1(js):
    return js.get("code") == 1000003 and js.get("message", "").startswith("invalid request") and "request_id" in js


def modelarts(js):
    return str(js.get("error_code", "")).startswith("ModelArts.") and isinstance(js.get("error_msg"), str)


def req(line, *headers, body=b""):
    return (line + "\r\n" + "".join(h + "\r\n" for h in headers) + "\r\n").encode() + body


ERROR_ROWS = [
    # name, raw request, HTTP status, envelope check
    ("unknown Milvus v2 path", req("GET /v2/vectordb/nope HTTP/1.1", "Host: x"), 404, milvus(404)),
    ("unknown Milvus v1 path", req("GET /v1/vector/nope HTTP/1.1", "Host: x"), 404, milvus(404)),
    ("unknown VikingDB V2 path", req("POST /api/vikingdb/data/nope HTTP/1.1", "Host: x"), 404, viking_v2("NotFound")),
    ("unknown VikingDB V1 path", req("POST /api/collection/nope HTTP/1.1", "Host: x"), 404, viking_v1),
    ("unknown ModelArts path", req("GET /v2/%s/nope HTTP/1.1" % P, "Host: x"), 404, modelarts),
    ("wrong method on VikingDB V2", req("PUT /api/vikingdb/data/upsert HTTP/1.1", "Host: x"), 405, viking_v2("InvalidParameter")),
    ("wrong method on ModelArts", req("POST /v2/%s/datasets/abc/data-annotations/stats HTTP/1.1" % P, "Host: x"), 405, modelarts),
    ("wrong method on Milvus (gin: 404)", req("GET /v2/vectordb/collections/list HTTP/1.1", "Host: x"), 404, milvus(404)),
    ("two different Content-Length", req("POST /v2/vectordb/collections/list HTTP/1.1", "Host: x", "Content-Length: 2", "Content-Length: 3", body=b"{}x"), 400, milvus(1100)),
    ("Content-Length and Transfer-Encoding", req("POST /api/vikingdb/data/upsert HTTP/1.1", "Host: x", "Content-Length: 5", "Transfer-Encoding: chunked", body=b"0\r\n\r\n"), 400, viking_v2("InvalidParameter")),
    ("HTTP/1.1 without Host", req("POST /api/vikingdb/data/upsert HTTP/1.1", "Content-Length: 2", body=b"{}"), 400, viking_v2("InvalidParameter")),
    ("%00 in the path", req("POST /v2/vectordb/collections/list%00/x HTTP/1.1", "Host: x", "Content-Length: 2", body=b"{}"), 400, milvus(1100)),
    ("%00 in the query", req("GET /v2/%s/datasets?x=a%%00b HTTP/1.1" % P, "Host: x"), 400, modelarts),
    ("HTTP/1.2", req("GET /v1/vector/collections HTTP/1.2", "Host: x"), 505, milvus(80000)),
    ("request target over 8 KiB", req("GET /api/collection/" + "a" * 20000 + " HTTP/1.1", "Host: x"), 414, viking_v1),
    ("headers over 16 KiB", req("GET /v2/%s/datasets HTTP/1.1" % P, "Host: x", "X-Big: " + "b" * 30000), 431, modelarts),
    ("unknown path outside every dialect", req("GET /nowhere HTTP/1.1", "Host: x"), 404, milvus(404)),
]


def test_error_envelopes(t):
    s = lib.Server()
    try:
        for i, (name, data, want, check) in enumerate(ERROR_ROWS):
            st, h, body = raw(s.port, data)
            js = jsonish(body)
            ok = st == want and js is not None and check(js) and "<html" not in body.lower() \
                and h.get("content-type", "").startswith("application/json") and h.get("x-request-id")
            t.check("row %d: %s -> %d in its dialect's JSON envelope" % (i, name, want), ok, (st, h.get("content-type"), body[:300]))
        st, js, _, _ = s.request("POST", "/v2/vectordb/collections/list", {})
        t.check("normal requests still work", st == 200 and js == {"code": 0, "data": []}, js)
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        seen = []
        for path in ("/api/vikingdb/data/nope", "/healthz", "/v2/vectordb/nope", "/healthz"):
            conn.request("GET", path)
            r = conn.getresponse()
            r.read()
            seen.append((r.status, (r.getheader("Connection") or "").lower()))
        conn.close()
        t.eq("an error on a bodiless request keeps the connection alive", seen, [(404, ""), (200, ""), (404, ""), (200, "")])
    finally:
        s.cleanup()


# ---- 4. bounded JSON ------------------------------------------------------------------------------------
def test_json_bounds(t):
    s = lib.Server()
    try:
        s.v2("collections/create", {"collectionName": "c", "dimension": 2})
        pid = s.proc.pid
        before = rss(pid)
        body = '{"collectionName":"c","data":[' + ",".join(["0"] * (10 * MiB)) + "]}"
        st, js, _, _ = s.request("POST", "/v2/vectordb/entities/insert", raw=body)
        grew = rss(pid) - before
        print("   bounded JSON: a %.1f MB body of tiny integers: RSS +%.1f MiB" % (len(body) / 1e6, grew / MiB), flush=True)
        t.check("20 MB of [0,0,...] is refused with the dialect's error", js and js.get("code") not in (0, None) and "MiB" in js.get("message", ""), js)
        t.check("... without raising RSS by hundreds of MB (< 64 MiB)", grew < 64 * MiB, "+%.1f MiB" % (grew / MiB))
        for text in ('{"collectionName":"c","data":[{"id":1,"vector":[1e999,0]}]}',
                     '{"collectionName":"c","data":[{"id":1,"vector":[NaN,0]}]}',
                     '{"collectionName":"c","data":[{"id":1,"vector":[-Infinity,0]}]}'):
            js = s.request("POST", "/v2/vectordb/entities/insert", raw=text)[1]
            t.check("non-finite number refused: %s" % text[40:60], js and js.get("code") not in (0, None) and "finite" in js.get("message", ""), js)
        js = s.v2("entities/query", {"collectionName": "c", "filter": "id >= 0", "outputFields": ["id"]})
        t.check("nothing was inserted", js and js.get("data") == [], js)
        js = s.request("POST", "/api/vikingdb/data/upsert", raw='{"collection_name":"c","data":[{"id":1,"vector":[1e400,1]}]}')[1]
        t.check("VikingDB V2 refuses 1e400 in its envelope", js and js.get("code") == "InvalidParameter" and "finite" in js.get("message", ""), js)
        deep = '{"collectionName":' + "[" * 100 + "]" * 100 + "}"
        js = s.request("POST", "/v2/vectordb/collections/has", raw=deep)[1]
        t.check("nesting is bounded", js and js.get("code") == 1801 and "nesting" in js.get("message", ""), js)
    finally:
        s.cleanup()


# ---- 5. the request log ---------------------------------------------------------------------------------
RFC3339 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$")


def test_request_log(t):
    s = lib.Server(args=["--log-format", "json"])
    try:
        st, js, text, h = s.request("POST", "/v2/vectordb/collections/list", {}, headers={"X-Request-Id": "abc-123.x"})
        t.eq("a sane X-Request-Id is sent back", h.get("x-request-id"), "abc-123.x")
        st, js, text, h = s.request("POST", "/v2/vectordb/collections/list", {}, headers={"X-Request-Id": "bad id \x01" + "z" * 80})
        t.check("an insane one is replaced by a generated id", re.fullmatch(r"[0-9a-f]{32}", h.get("x-request-id", "")), h)
        st, js, text, h = s.request("POST", "/v2/vectordb/collections/describe", {"collectionName": "nope"}, headers={"X-Request-Id": "rid-milvus"})
        t.check("Milvus answers HTTP 200 with a non-zero code", st == 200 and js and js.get("code") not in (0, None), js)
        milvus_code = str(js.get("code"))
        st, js, text, h = s.request("POST", "/api/vikingdb/data/fetch_in_collection", {"collection_name": "nope", "ids": [1]}, headers={"X-Request-Id": "vk-rid-1"})
        t.check("VikingDB's envelope carries the same request id as X-Request-Id", js and js.get("request_id") == "vk-rid-1" and h.get("x-request-id") == "vk-rid-1", (js, h))
        raw(s.port, req("GET /v2/vectordb/x%0a2026-01-01T00:00:00Z%20127.0.0.1%20forged%20GET%20/%20200%0d%1b[31m HTTP/1.1", "Host: x", "X-Request-Id: rid-forge"))
    finally:
        s.stop()
    lines = [l for l in s.log if l.startswith("{")]
    objs = [jsonish(l) for l in lines]
    t.check("--log-format json: every request line is one JSON object", lines and all(o is not None for o in objs), lines[:3])
    by_rid = {o.get("request_id"): o for o in objs if o}
    o = by_rid.get("rid-milvus") or {}
    t.check("log line fields: RFC 3339 time, client, id, method, path, status, code, ms, bytes",
            RFC3339.match(o.get("time", "")) and o.get("client") == "127.0.0.1" and o.get("method") == "POST"
            and o.get("path") == "/v2/vectordb/collections/describe" and o.get("status") == 200
            and isinstance(o.get("ms"), float) and o.get("bytes_in") == len(json.dumps({"collectionName": "nope"}))
            and o.get("bytes_out") > 0, o)
    t.eq("the Milvus code of an HTTP 200 answer is logged", o.get("code"), milvus_code)
    f = by_rid.get("rid-forge") or {}
    t.check("a %0a path stays in its own line (escaped)", "\n" in f.get("path", "") and "\x1b" in f.get("path", ""), f)
    t.check("no forged line", not any("forged" in l and not l.startswith("{") for l in s.log), s.log[-5:])
    s.cleanup()

    s = lib.Server()
    try:
        raw(s.port, req("GET /v2/vectordb/x%0aforged%20line%0d HTTP/1.1", "Host: x", "X-Request-Id: rid-text"))
        s.request("POST", "/v2/vectordb/collections/list", {}, headers={"X-Request-Id": "rid-t2"})
    finally:
        s.stop()
    line = [l for l in s.log if "rid-text" in l]
    t.check("text log: control characters are escaped as \\xNN", len(line) == 1 and "x\\x0aforged\\x20line\\x0d" in line[0], line)
    t.check("text log: no line starts with the forged text", not any(l.startswith("forged") for l in s.log), s.log[-4:])
    ok = [l for l in s.log if "rid-t2" in l]
    t.check("text log line: time client id method path status code ms bytes",
            len(ok) == 1 and re.match(r"^\S+Z 127\.0\.0\.1 rid-t2 POST /v2/vectordb/collections/list 200 code=0 [\d.]+ms in=2 out=\d+$", ok[0].strip()), ok)
    s.cleanup()


# ---- 6. /healthz, /readyz, /metrics -------------------------------------------------------------------------
SAMPLE = re.compile(r'^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? [-+]?(\d+(\.\d*)?([eE][-+]?\d+)?|\+Inf|-Inf|NaN)$')
META = re.compile(r"^# (HELP [a-zA-Z_:][a-zA-Z0-9_:]* .*|TYPE [a-zA-Z_:][a-zA-Z0-9_:]* (counter|gauge|histogram|summary|untyped))$")


def parse_metrics(text):
    """{sample name with labels: value}; None when a line is neither a sample nor # HELP/# TYPE."""
    out = {}
    for line in text.splitlines():
        if META.match(line):
            continue
        if not SAMPLE.match(line):
            return None, line
        k, _, v = line.rpartition(" ")
        out[k] = float(v)
    return out, None


def counter(m, route, status="200", code="0", dialect="milvus_v2"):
    return m.get('annovec_http_requests_total{dialect="%s",route="%s",status="%s",code="%s"}' % (dialect, route, status, code), 0)


def test_ops(t):
    s = lib.Server()
    try:
        st, js, _, _ = s.request("GET", "/healthz")
        t.check("/healthz: 200 alive", st == 200 and js == {"status": "alive"}, (st, js))
        st, js, _, _ = s.request("GET", "/readyz")
        t.check("/readyz: 200 ready", st == 200 and js == {"status": "ready"}, (st, js))
        st, _, text, h = s.request("GET", "/metrics")
        m, bad = parse_metrics(text)
        t.check("/metrics is the Prometheus text format (every line a sample or # HELP/# TYPE)", st == 200 and m is not None, bad)
        t.check("/metrics content type", h.get("content-type", "").startswith("text/plain; version=0.0.4"), h)
        for name in ("annovec_resident_memory_bytes", "annovec_wal_bytes", "annovec_collections", "annovec_entities",
                     "annovec_delete_commits_total", "annovec_purge_pending", "annovec_purge_rows_waiting",
                     "annovec_purge_bytes_waiting", "annovec_last_purge_timestamp_seconds"):
            t.check("/metrics has %s" % name, m and name in m, sorted(m or {})[:50])
        n0 = counter(m or {}, "/v2/vectordb/collections/list")
        for _ in range(3):
            s.request("POST", "/v2/vectordb/collections/list", {})
        s.v2("collections/create", {"collectionName": "m", "dimension": 2})
        s.v2("entities/insert", {"collectionName": "m", "data": [{"id": i, "vector": [0.1, 0.2]} for i in range(5)]})
        s.v2("entities/delete", {"collectionName": "m", "filter": "id in [1]"})
        s.v2("collections/describe", {"collectionName": "nope"})
        m2, bad = parse_metrics(s.request("GET", "/metrics")[2])
        t.check("/metrics still parses after requests", m2 is not None, bad)
        m2 = m2 or {}
        t.eq("the route's counter moved by 3", counter(m2, "/v2/vectordb/collections/list") - n0, 3)
        nope = [v for k, v in m2.items() if 'route="/v2/vectordb/collections/describe"' in k and 'code="0"' not in k and "_total" in k]
        t.check("a Milvus error answered with HTTP 200 is counted by its code", nope == [1], nope)
        hist = [k for k in m2 if k.startswith('annovec_http_request_duration_seconds_bucket{dialect="milvus_v2",le="+Inf"')]
        t.check("the latency histogram counts milvus_v2 requests", hist and m2[hist[0]] >= 7, hist)
        t.eq("entities gauge", m2.get("annovec_entities"), 4.0)
        t.eq("collections gauge", m2.get("annovec_collections"), 1.0)
        t.check("delete commits counted", m2.get("annovec_delete_commits_total", 0) >= 1, m2.get("annovec_delete_commits_total"))
    finally:
        rc = s.stop()
        t.check("the server stops cleanly (status 0; no leak under ASan)", rc == 0, "".join(s.log[-20:]))
        s.cleanup()
    # readiness follows the store: a data dir moved away under the server
    s = lib.Server()
    moved = s.data + "-moved"
    try:
        s.v2("collections/create", {"collectionName": "r", "dimension": 2})
        os.rename(s.data, moved)
        s.v2("entities/insert", {"collectionName": "r", "data": [{"id": 1, "vector": [0.1, 0.2]}]})
        st, js, _, _ = s.request("GET", "/readyz")
        t.check("/readyz: 503 with the reason once the data dir moved", st == 503 and js and js.get("status") == "not ready" and js.get("reason"), (st, js))
        t.eq("/healthz stays 200", s.request("GET", "/healthz")[0], 200)
    finally:
        s.stop()
        shutil.rmtree(moved, ignore_errors=True)
        s.cleanup()


def run(t):
    """Each part runs even when an earlier one could not start its server (e.g. an older binary)."""
    import traceback
    for part in (test_auth_before_body, test_signed_declared_hash, test_signed_budget, test_max_body, test_connection_limits, test_error_envelopes,
                 test_json_bounds, test_request_log, test_ops):
        try:
            part(t)
        except Exception:
            t.check("%s ran to the end" % part.__name__, False, traceback.format_exc()[-300:])
