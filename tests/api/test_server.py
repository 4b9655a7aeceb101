"""HTTP-level behaviour shared by every dialect: 404s, CORS, body limit, keep-alive, the loopback
guard, auth with API keys and users, SIGTERM, request log."""
import http.client
import json
import os
import subprocess

import lib


def cli(*args):
    p = subprocess.run([lib.BIN] + list(args), capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def run(t):
    s = lib.Server(args=["--max-body", "4096"])
    try:
        st, js, _, h = s.request("GET", "/no/such/path")
        t.eq("unknown path is 404", st, 404)
        t.check("404 body is JSON with code 404", js and js.get("code") == 404, js)
        st, js, _, _ = s.request("GET", "/v2/vectordb/collections/list")
        t.eq("wrong method is 404", st, 404)
        st, _, text, h = s.request("OPTIONS", "/v2/vectordb/collections/list")
        t.eq("OPTIONS is 204", st, 204)
        t.eq("OPTIONS allows any origin", h.get("access-control-allow-origin"), "*")
        st, js, _, h = s.request("POST", "/v2/vectordb/collections/list", {})
        t.eq("CORS header on normal responses", h.get("access-control-allow-origin"), "*")
        t.eq("content type is JSON", (h.get("content-type") or "").split(";")[0], "application/json")
        st, js, _, _ = s.request("POST", "/v2/vectordb/collections/list", raw="{}", headers={"Content-Type": "text/plain;charset=UTF-8"})
        t.check("body parsed as JSON whatever the Content-Type", js and js.get("code") == 0, js)

        # body over --max-body: dialect error, nothing created
        big = json.dumps({"collectionName": "toolarge", "dimension": 4, "description": "x" * 5000})
        st, js, _, _ = s.request("POST", "/v2/vectordb/collections/create", raw=big)
        t.eq("oversized body is 413", st, 413)
        t.check("oversized body has a Milvus envelope", js and js.get("code") == 1801 and "limit" in js.get("message", ""), js)
        t.eq("oversized body created nothing", s.v2("collections/has", {"collectionName": "toolarge"})["data"]["has"], False)
        st, js, _, _ = s.request("POST", "/v1/vector/collections/create", raw=big)
        t.check("oversized body on v1 has the v1 envelope", st == 413 and js and js.get("code") == 80000, js)

        # keep-alive: several requests on one connection
        conn = http.client.HTTPConnection("127.0.0.1", s.port, timeout=10)
        ok = 0
        for _ in range(5):
            conn.request("POST", "/v2/vectordb/collections/list", body="{}")
            r = conn.getresponse()
            r.read()
            ok += r.status == 200 and (r.getheader("Connection") or "").lower() != "close"
        conn.close()
        t.eq("keep-alive serves 5 requests on one connection", ok, 5)

        # nesting depth
        deep = '{"collectionName":' + "[" * 200 + "]" * 200 + "}"
        js = s.request("POST", "/v2/vectordb/collections/has", raw=deep)[1]
        t.code("JSON nested 200 deep is refused", js, 1801)
    finally:
        rc = s.stop()
        t.eq("SIGTERM stops with status 0", rc, 0)
        t.check("request log has method, path, status and ms", any("POST /v2/vectordb/collections/list 200" in l and "ms" in l for l in s.log), "".join(s.log[-5:]))
        s.cleanup()

    # loopback guard
    rc, _, err = cli("serve", "--data", "/tmp/avtest-nonloop", "--listen", "0.0.0.0:%d" % lib.free_port())
    t.check("non-loopback --listen without --auth is refused", rc != 0 and "--auth" in err, err)
    rc, _, err = cli("serve", "--bogus")
    t.check("unknown option is a usage error", rc == 2 and "unknown option" in err, err)
    rc, out, _ = cli("version")
    t.check("version prints the version", rc == 0 and out.startswith("annovec "), out)

    # auth: API keys and users
    s = lib.Server(args=["--auth"])
    try:
        rc, out, err = cli("apikey", "create", "--data", s.data, "--project", "alpha")
        key = out.strip().splitlines()[-1] if out.strip() else ""
        t.check("apikey create prints the key on the last line while a server runs", rc == 0 and key.startswith("avk_"), out + err)
        rc, out, err = cli("user", "add", "--data", s.data, "--project", "beta", "--name", "bob", "--password", "s3cret:pass")
        tok = out.strip().splitlines()[-1] if out.strip() else ""
        t.check("user add prints user:password on the last line", rc == 0 and tok == "bob:s3cret:pass", out + err)
        rc, out, err = cli("key", "create", "--data", s.data, "--project", "alpha")
        last = out.strip().splitlines()[-1].split() if out.strip() else []
        t.check("key create prints 'AK SK' on the last line", rc == 0 and len(last) == 2 and last[0].startswith("AKAV") and len(last[1]) == 40, out + err)
        rc, out, err = cli("key", "create", "--data", s.data)
        t.check("key create without --project is a usage error", rc == 2 and "--project" in err, err)
        st, js, _, _ = s.request("POST", "/v2/vectordb/collections/list", {})
        t.check("no credentials: 401 code 1800", st == 401 and js and js.get("code") == 1800, (st, js))
        st, js, _, _ = s.request("POST", "/v2/vectordb/collections/list", {}, headers={"Authorization": "Bearer avk_000000000000_" + "0" * 40})
        t.check("unknown key: 401 code 1800", st == 401 and js and js.get("code") == 1800, (st, js))
        st, js, _, _ = s.request("GET", "/v1/vector/collections", headers={"Authorization": "Bearer wrong"})
        t.check("v1 bad token: 401 code 80002", st == 401 and js and js.get("code") == 80002, (st, js))
        st, js, _, _ = s.request("GET", "/v1/vector/collections")
        t.check("v1 no token: 401 code 80001", st == 401 and js and js.get("code") == 80001, (st, js))
        A = {"Authorization": "Bearer " + key}
        B = {"Authorization": "Bearer " + tok}
        st, js, _, _ = s.request("POST", "/v2/vectordb/collections/create", {"collectionName": "mine", "dimension": 2}, headers=A)
        t.check("API key can create", st == 200 and js.get("code") == 0, js)
        st, js, _, _ = s.request("POST", "/v2/vectordb/collections/create", {"collectionName": "nope", "dimension": 2}, headers={"Authorization": "Bearer " + key[:-1] + "x"})
        t.eq("wrong secret refused", st, 401)
        st, js, _, _ = s.request("POST", "/v2/vectordb/collections/has", {"collectionName": "nope"}, headers=A)
        t.eq("refused request changed nothing", js["data"]["has"], False)
        js = s.request("POST", "/v2/vectordb/collections/list", {}, headers=B)[1]
        t.check("projects are isolated: bob does not see alpha's collection", js and js.get("data") == [], js)
        js = s.request("POST", "/v2/vectordb/collections/list", {}, headers=A)[1]
        t.eq("alpha sees its collection", js.get("data"), ["mine"])
        t.check("secret is not stored in clear", not any(key.split("_")[-1].encode() in open(os.path.join(s.data, f), "rb").read()
                                                         for f in os.listdir(s.data) if os.path.isfile(os.path.join(s.data, f))), "")
    finally:
        s.cleanup()
