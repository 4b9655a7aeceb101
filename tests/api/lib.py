"""
lib.py — end-to-end test support: start the real annovec server on a free port with its own data
dir, send HTTP requests (stdlib only), and count checks. Readiness is the server's own
"listening on" line, never a sleep.
"""
import datetime
import hashlib
import hmac
import http.client
import json
import urllib.parse
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("AV_BIN") or os.path.join(ROOT, os.environ.get("BUILD", "build"), "annovec")
SANITIZED = os.environ.get("AV_SANITIZED") == "1"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Server:
    """A running `annovec serve`. stop() sends SIGTERM and returns the exit status."""

    def __init__(self, data=None, args=(), port=None):
        self.own_data = data is None
        self.data = data or tempfile.mkdtemp(prefix="avtest-")
        self.port = port or free_port()
        self.args = list(args)
        self.lines = queue.Queue()
        self.log = []
        self.start()

    def start(self):
        cmd = [BIN, "serve", "--data", self.data, "--listen", "127.0.0.1:%d" % self.port,
               "--threads", "4"] + self.args
        self.proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
        self.lines = queue.Queue()   # a fresh queue per process, so a restart never reads the old one's end
        threading.Thread(target=self._pump, args=(self.proc, self.lines), daemon=True).start()
        while True:
            try:
                line = self.lines.get(timeout=30)
            except queue.Empty:
                raise RuntimeError("server did not start: " + "".join(self.log))
            if line is None:
                raise RuntimeError("server exited: " + "".join(self.log))
            if "listening on" in line:
                return

    def _pump(self, proc, lines):
        for line in proc.stderr:
            self.log.append(line)
            lines.put(line)
        lines.put(None)

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        rc = self.proc.wait(timeout=60)
        return rc

    def kill9(self):
        self.proc.kill()
        self.proc.wait(timeout=30)

    def cleanup(self):
        if self.proc.poll() is None:
            self.stop()
        if self.own_data:
            shutil.rmtree(self.data, ignore_errors=True)

    def request(self, method, path, body=None, headers=None, raw=None):
        """Returns (status, parsed JSON or None, raw text, response headers)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        if isinstance(data, str):
            data = data.encode()
        conn.request(method, path, body=data, headers=h)
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        conn.close()
        try:
            js = json.loads(text) if text else None
        except ValueError:
            js = None
        return resp.status, js, text, hdrs

    def signed(self, method, path, body=None, raw=None, ak=None, sk=None, **kw):
        """A request signed with Volcengine Signature V4 (keys from self.keys unless given)."""
        data = raw if raw is not None else json.dumps(body if body is not None else {})
        data = data.encode() if isinstance(data, str) else data
        ak, sk = ak or self.keys[0], sk or self.keys[1]
        headers = volc_sign(ak, sk, method, path, data, host="127.0.0.1:%d" % self.port, **kw)
        return self.request(method, path, raw=data, headers=headers)

    def create_key(self, project="default"):
        """Makes an AK/SK pair with `annovec key create` and keeps it for signed()."""
        out = subprocess.run([BIN, "key", "create", "--data", self.data, "--project", project],
                             capture_output=True, text=True, timeout=60).stdout
        self.keys = out.strip().splitlines()[-1].split()
        return self.keys

    def post(self, path, body=None, **kw):
        return self.request("POST", path, body, **kw)

    def v2(self, path, body=None, **kw):
        """POST /v2/vectordb/<path>, returns the JSON body."""
        return self.request("POST", "/v2/vectordb/" + path, body if body is not None else {}, **kw)[1]


def volc_sign(ak, sk, method, path, body, service="vikingdb", region="cn-beijing", now=None, host=None):
    """Headers for a request signed with Volcengine Signature V4 the way the Python/Go SDKs sign
    (content-type, host, x-content-sha256, x-date), written from specs/vikingdb.md section 1."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    x_date = now.strftime("%Y%m%dT%H%M%SZ")
    body_hash = hashlib.sha256(body).hexdigest()
    headers = {"Content-Type": "application/json", "X-Date": x_date, "X-Content-Sha256": body_hash}
    signed = {"content-type": headers["Content-Type"], "x-content-sha256": body_hash, "x-date": x_date}
    if host:
        signed["host"] = host
    names = sorted(signed)
    canonical = "\n".join([method, path, "", "".join("%s:%s\n" % (n, signed[n]) for n in names), ";".join(names), body_hash])
    scope = "%s/%s/%s/request" % (x_date[:8], region, service)
    to_sign = "\n".join(["HMAC-SHA256", x_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = sk.encode()
    for part in (x_date[:8], region, service, "request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    sig = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = "HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (ak, scope, ";".join(names), sig)
    return headers


def huawei_sign(ak, sk, method, path, query, body, host, now=None, content_sha256=False):
    """Headers for a request signed with Huawei SDK-HMAC-SHA256 (specs/modelarts.md section 9): the
    canonical URI ends in '/', the query is sorted, no key derivation. content_sha256: also send (and
    sign) X-Sdk-Content-Sha256, the body's hash."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    sdk_date = now.strftime("%Y%m%dT%H%M%SZ")
    headers = {"Content-Type": "application/json", "X-Sdk-Date": sdk_date, "Host": host}
    if content_sha256:
        headers["X-Sdk-Content-Sha256"] = hashlib.sha256(body).hexdigest()
    signed = {k.lower(): v for k, v in headers.items()}
    names = sorted(signed)
    uri = urllib.parse.quote(path, safe="/-_.~")
    uri = uri if uri.endswith("/") else uri + "/"
    q = "&".join("%s=%s" % (urllib.parse.quote(k, safe="-_.~"), urllib.parse.quote(v, safe="-_.~"))
                 for k, v in sorted(urllib.parse.parse_qsl(query, keep_blank_values=True)))
    canonical = "\n".join([method, uri, q, "".join("%s:%s\n" % (n, signed[n]) for n in names), ";".join(names),
                           hashlib.sha256(body).hexdigest()])
    to_sign = "\n".join(["SDK-HMAC-SHA256", sdk_date, hashlib.sha256(canonical.encode()).hexdigest()])
    sig = hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = "SDK-HMAC-SHA256 Access=%s, SignedHeaders=%s, Signature=%s" % (ak, ";".join(names), sig)
    return headers


class T:
    """Counts checks; prints a line per failure and the closing summary."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.section = ""

    def check(self, name, cond, detail=""):
        if cond:
            self.passed += 1
        else:
            self.failed += 1
            print("FAIL [%s] %s %s" % (self.section, name, str(detail)[:400]), flush=True)
        return cond

    def eq(self, name, got, want):
        return self.check(name, got == want, "got %r, want %r" % (got, want))

    def code(self, name, resp, want, contains=None):
        """Checks a JSON envelope's code (and optionally that its message contains a text)."""
        got = resp.get("code") if isinstance(resp, dict) else None
        ok = got == want
        if ok and contains is not None:
            ok = contains.lower() in str(resp.get("message", "")).lower()
        return self.check(name, ok, "got %r, want code %r%s" % (resp, want, " containing %r" % contains if contains else ""))

    def summary(self):
        print("%d passed, %d failed" % (self.passed, self.failed), flush=True)
        return 1 if self.failed else 0
