"""The command line: credential lifecycle (create, list, revoke, user passwd) against a running
server, which refuses a revoked credential on the very next request while the others still work;
lists that never print a secret; auth errors that name the credential kind; --help on every command
and verb with the defaults; the data dir each command used and no ./data created by accident;
--listen HOST:0 and the start-up report. Every wait polls a line with a deadline, never a sleep."""
import os
import queue
import re
import shutil
import subprocess
import tempfile
import threading
import time

import lib


BIN = os.path.abspath(lib.BIN)   # run from other directories too (run-all passes a relative AV_BIN)


def cli(*args, cwd=None):
    p = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=60, cwd=cwd)
    return p.returncode, p.stdout, p.stderr


def last_line(out):
    lines = out.strip().splitlines()
    return lines[-1] if lines else ""


def project_id(out):
    m = re.search(r"\(id ([0-9a-f]{32})\)", out)
    return m.group(1) if m else ""


def bearer(s, cred):
    """Status of a Milvus v2 request with Authorization: Bearer <cred>."""
    return s.request("POST", "/v2/vectordb/collections/list", {}, headers={"Authorization": "Bearer " + cred})[:2]


def ma_token(s, token, pid):
    return s.request("GET", "/v2/%s/datasets" % pid, headers={"X-Auth-Token": token})[:2]


def signs(resp):
    """A signed VikingDB V2 request got past authentication (a dialect answer other than 401)."""
    st, js = resp
    return st == 404 and isinstance(js, dict) and js.get("code") == "NotFound.VikingdbCollection"


def viking(s, ak, sk):
    return s.signed("POST", "/api/vikingdb/data/fetch_in_collection", {"collection_name": "nope", "ids": [1]}, ak=ak, sk=sk)[:2]


def lifecycle(t):
    s = lib.Server(args=["--auth"])
    try:
        d = s.data
        made = {}
        for kind in ("apikey", "key", "token"):
            for i in (1, 2):
                rc, out, err = cli(kind, "create", "--data", d, "--project", "p%d" % i)
                t.check("%s create %d" % (kind, i), rc == 0 and last_line(out), out + err)
                made.setdefault(kind, []).append((last_line(out), project_id(out)))
        for i in (1, 2):
            rc, out, err = cli("user", "create", "--data", d, "--project", "p%d" % i, "--name", "u%d" % i, "--password", "first-pw-%d" % i)
            t.check("user create %d" % i, rc == 0 and last_line(out) == "u%d:first-pw-%d" % (i, i), out + err)
        rc, out, err = cli("user", "add", "--data", d, "--project", "p1", "--name", "u3")
        t.check("user add is an alias of user create", rc == 0 and last_line(out).startswith("u3:"), out + err)
        made["user"] = [("u1:first-pw-1", ""), ("u2:first-pw-2", "")]
        keys = [k for k, _ in made["apikey"]]
        aksk = [k.split() for k, _ in made["key"]]
        toks = made["token"]

        # every credential works before any revoke (and the password cache is primed)
        t.eq("api key 1 works", bearer(s, keys[0])[0], 200)
        t.eq("user u1 works", bearer(s, "u1:first-pw-1")[0], 200)
        t.eq("user u1 works again (from the cache)", bearer(s, "u1:first-pw-1")[0], 200)
        t.check("AK/SK 1 signs", signs(viking(s, *aksk[0])), viking(s, *aksk[0]))
        t.eq("token 1 works", ma_token(s, *toks[0])[0], 200)

        # list: ids, kind, project, created time; no secret anywhere in the output
        secrets = [k.split("_")[-1] for k in keys] + [sk for _, sk in aksk] + [tk.split("_")[-1] for tk, _ in toks] + ["first-pw-1", "first-pw-2"]
        for kind, ids in (("apikey", [k[:16] for k in keys]), ("key", [ak for ak, _ in aksk]),
                          ("token", [tk[:16] for tk, _ in toks]), ("user", ["u1", "u2", "u3"])):
            rc, out, err = cli(kind, "list", "--data", d)
            t.check("%s list lists every one" % kind, rc == 0 and all(i in out for i in ids), out + err)
            t.check("%s list shows kind, project and created time" % kind,
                    re.search(r"^%s\s+\S+\s+p1\s+[0-9a-f]{32}\s+\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ" % kind, out, re.M) is not None, out)
            t.check("%s list prints no secret" % kind, not any(x in out + err for x in secrets), out + err)
            rc, out, err = cli(kind, "list", "--data", d, "--project", "p2")
            t.check("%s list --project p2 shows only p2's" % kind, rc == 0 and ids[1] in out and ids[0] not in out, out + err)
        rc, out, _ = cli("token", "list", "--data", d)
        t.check("token list shows the expiry", "EXPIRES" in out, out)

        # revoke one of each kind: refused on the very next request, the others still work
        rc, out, err = cli("apikey", "revoke", keys[0][:16], "--data", d)
        t.check("apikey revoke", rc == 0, out + err)
        st, js = bearer(s, keys[0])
        t.check("revoked API key refused at once (401 1800)", st == 401 and js and js.get("code") == 1800, (st, js))
        t.eq("the other API key still works", bearer(s, keys[1])[0], 200)

        rc, out, err = cli("user", "revoke", "u2", "--data", d)
        t.check("user revoke", rc == 0, out + err)
        t.eq("revoked user refused at once", bearer(s, "u2:first-pw-2")[0], 401)
        t.eq("user u1 still works", bearer(s, "u1:first-pw-1")[0], 200)
        rc, out, err = cli("user", "remove", "u3", "--data", d)
        t.check("user remove is an alias of user revoke", rc == 0, out + err)

        rc, out, err = cli("user", "passwd", "u1", "--data", d, "--password", "second-pw-1")
        t.check("user passwd prints user:password", rc == 0 and last_line(out) == "u1:second-pw-1", out + err)
        t.eq("old password refused at once (it was cached)", bearer(s, "u1:first-pw-1")[0], 401)
        t.eq("new password works", bearer(s, "u1:second-pw-1")[0], 200)

        rc, out, err = cli("key", "revoke", aksk[0][0], "--data", d)
        t.check("key revoke", rc == 0, out + err)
        st, js = viking(s, *aksk[0])
        t.check("revoked AK/SK refused at once (401 Unauthorized)", st == 401 and js and js.get("code") == "Unauthorized", (st, js))
        t.check("the other AK/SK still signs", signs(viking(s, *aksk[1])), viking(s, *aksk[1]))

        rc, out, err = cli("token", "revoke", toks[0][0], "--data", d)   # the whole token names it too
        t.check("token revoke (by the whole token)", rc == 0, out + err)
        st, js = ma_token(s, *toks[0])
        t.check("revoked token refused at once (401 ModelArts.0203)", st == 401 and js and js.get("error_code") == "ModelArts.0203", (st, js))
        t.eq("the other token still works", ma_token(s, *toks[1])[0], 200)

        rc, out, _ = cli("apikey", "list", "--data", d)
        t.check("a revoked key is gone from the list", keys[0][:16] not in out and keys[1][:16] in out, out)
        rc, _, err = cli("apikey", "revoke", keys[0][:16], "--data", d)
        t.check("revoking it again fails with exit 1", rc == 1 and "no apikey" in err, err)
        rc, _, err = cli("token", "revoke", "not-an-id", "--data", d)
        t.check("a malformed id fails", rc == 1 and "not a token id" in err, err)

        # the error names the credential kind that was wrong
        bad_tok = toks[1][0][:-1] + ("1" if toks[1][0][-1] == "0" else "0")
        st, js = ma_token(s, bad_tok, toks[1][1])
        msg = (js or {}).get("error_msg", "")
        t.check("a wrong X-Auth-Token says token, not API key", st == 401 and "token" in msg.lower() and "api key" not in msg.lower(), (st, js))
        st, js = bearer(s, "u1:wrong-password")
        t.check("a wrong user:password says user", st == 401 and "user" in (js or {}).get("message", ""), (st, js))
        st, js = bearer(s, "avk_000000000000_" + "0" * 40)
        t.check("a wrong API key says API key", st == 401 and "API key" in (js or {}).get("message", ""), (st, js))
        for path, code in (("/api/vikingdb/data/fetch_in_collection", "Unauthorized"), ("/api/collection/info", 1000001)):
            st, js, _, _ = s.request("POST", path, {"collection_name": "x"})
            m = (js or {}).get("message", "")
            t.check("VikingDB 401 on %s keeps its code and names AK/SK signing" % path,
                    st == 401 and js.get("code") == code and "AK/SK" in m and "HMAC-SHA256" in m, (st, js))
    finally:
        s.cleanup()


def helps(t):
    rc, out, _ = cli("help")
    n = os.sysconf("SC_NPROCESSORS_ONLN")
    t.check("help gives the --threads default the server uses (2 x cores)", rc == 0 and "--threads %d " % (2 * n) in out, out)
    for verb in ("create", "list", "revoke"):
        for kind in ("apikey", "user", "key", "token"):
            t.check("help lists %s %s" % (kind, verb), "annovec %s %s" % (kind, verb) in out, out)
    rc, out, _ = cli("serve", "--help")
    t.check("serve --help lists every option with its default", rc == 0 and all(o in out for o in (
        "--data", "--listen", "--threads", "--auth", "--log-level", "--max-body")) and "default %d" % (2 * n) in out
        and "127.0.0.1:19530" in out, out)
    rc, out, _ = cli("serve", "-h")
    t.check("serve -h is the same help", rc == 0 and "--max-body" in out, out)
    cases = {("apikey", "create"): ["--project", "--data"], ("apikey", "list"): ["--project", "--data"],
             ("apikey", "revoke"): ["ID", "--data"], ("user", "create"): ["--project", "--name", "--password", "--data"],
             ("user", "passwd"): ["USER", "--password"], ("user", "revoke"): ["USER"], ("key", "create"): ["--project"],
             ("key", "revoke"): ["AK"], ("token", "create"): ["--ttl", "86400", "--project"], ("token", "list"): ["--project"],
             ("token", "revoke"): ["ID"]}
    for (kind, verb), opts in cases.items():
        for flag in ("--help", "-h"):
            rc, out, err = cli(kind, verb, flag)
            t.check("%s %s %s lists %s" % (kind, verb, flag, opts), rc == 0 and all(o in out for o in opts) and "default" in out, out + err)
    rc, out, _ = cli("help", "token", "revoke")
    t.check("help KIND VERB is KIND VERB --help", rc == 0 and "usage: annovec token revoke" in out and "avt_<id>" in out, out)
    rc, out, _ = cli("help", "serve")
    t.check("help serve is serve --help", rc == 0 and "--max-body" in out and "usage: annovec serve" in out, out)
    for kind in ("apikey", "user", "key", "token"):
        rc, out, _ = cli(kind, "--help")
        t.check("%s --help lists its verbs" % kind, rc == 0 and "create" in out and "list" in out and "revoke" in out, out)


def data_dirs(t):
    cwd = tempfile.mkdtemp(prefix="avtest-cwd-")
    try:
        for args in (["apikey", "list"], ["apikey", "create", "--project", "x"], ["user", "passwd", "bob"], ["token", "revoke", "avt_000000000000"]):
            rc, out, err = cli(*args, cwd=cwd)
            t.check("%s without --data refuses when ./data holds no store" % " ".join(args), rc == 1 and "--data" in err, err)
        t.check("... and creates no ./data", not os.path.exists(os.path.join(cwd, "data")), os.listdir(cwd))
        d = os.path.join(cwd, "explicit")
        rc, out, err = cli("apikey", "list", "--data", d)
        t.check("list on an explicit dir without a store refuses", rc == 1 and not os.path.exists(d), err)
        rc, out, err = cli("apikey", "create", "--data", d, "--project", "x")
        t.check("create with an explicit --data makes the store and says which dir", rc == 0 and "data dir %s" % os.path.realpath(d) in err, err)
        rc, out, err = cli("apikey", "list", cwd=d + "/..")   # ./data still absent: refused
        t.check("the default ./data is not the explicit dir", rc == 1, err)
        os.rename(d, os.path.join(cwd, "data"))
        rc, out, err = cli("apikey", "list", cwd=cwd)
        t.check("without --data, an existing ./data store is used and named", rc == 0 and "data dir %s" % os.path.realpath(os.path.join(cwd, "data")) in err, err)
    finally:
        shutil.rmtree(cwd, ignore_errors=True)


def port_zero(t):
    data = tempfile.mkdtemp(prefix="avtest-port0-")
    p = subprocess.Popen([BIN, "serve", "--data", data, "--listen", "127.0.0.1:0", "--threads", "2"],
                         stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    lines, q = [], queue.Queue()

    def pump():
        for line in p.stderr:
            q.put(line)
        q.put(None)
    threading.Thread(target=pump, daemon=True).start()
    port = None
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            try:
                line = q.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                break
            if line is None:
                break
            lines.append(line)
            m = re.match(r"^listening on 127\.0\.0\.1:(\d+)$", line.strip())
            if m:
                port = int(m.group(1))
                break
        text = "".join(lines)
        t.check("--listen 127.0.0.1:0 logs the actual port", port is not None and port > 0, text)
        t.check("start-up names the version", "annovec 0." in text or re.search(r"annovec \S+ starting", text), text)
        t.check("start-up names the data dir and auth mode", os.path.realpath(data) in text and "auth off" in text, text)
        t.check("start-up says what was loaded and how long it took", re.search(r"loaded \d+ collections \(\d+ rows\) and \d+ datasets in [\d.]+ s", text), text)
        if port:
            srv = lib.Server.__new__(lib.Server)
            srv.port = port
            st, js, _, _ = srv.request("POST", "/v2/vectordb/collections/list", {})
            t.check("the server answers on that port", st == 200 and js.get("code") == 0, (st, js))
    finally:
        p.terminate()
        t.eq("it stops with status 0", p.wait(timeout=60), 0)
        shutil.rmtree(data, ignore_errors=True)


def run(t):
    helps(t)
    data_dirs(t)
    lifecycle(t)
    port_zero(t)
