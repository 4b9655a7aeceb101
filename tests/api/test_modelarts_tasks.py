"""ModelArts v2 team labeling tasks (W1-W6, specs/modelarts.md §2 and §5) end to end: the spec's own
create example, list, details with the stats flags, start, update, delete (204; the samples stay),
workers by e-mail and role, sample statistics that follow the dataset; every bad input (malformed
JSON, wrong types, missing fields, out-of-range values, unknown ids) gets its ModelArts code with
nothing changed; tasks survive a restart and go with their dataset; with --auth another project's
credentials get 403 and change nothing."""
import base64
import re
import subprocess

import lib

PID = "0123456789abcdef0123456789abcdef"
SPEC_EXAMPLE = {"task_name": "task-eb17", "synchronize_data": False,
                "workforces_config": {"workforces": [{"workforce_id": "feSUo5NUIUnQAQNNTiS", "workers": [{"email": "xxx@xxx.com"}]}]},
                "auto_sync_dataset": False}


def ma(s, method, path, body=None, raw=None, headers=None, project=PID):
    st, js, text, _ = s.request(method, "/v2/%s%s" % (project, path), body, raw=raw, headers=headers)
    return st, js, text


def err(t, name, resp, status, code):
    st, js, _ = resp
    return t.check(name, st == status and isinstance(js, dict) and js.get("error_code") == code and bool(js.get("error_msg")),
                   "got %r %r, want %d %s" % (st, js, status, code))


def dataset(s, name, project=PID, headers=None):
    st, js, _ = ma(s, "POST", "/datasets", {"dataset_name": name, "data_sources": [{"data_type": 0, "data_path": "/%s/in/" % name}],
                                           "work_path": "/%s/out/" % name}, headers=headers, project=project)
    assert st == 201, (st, js)
    return js["dataset_id"]


def tasks(s, ds, project=PID, headers=None):
    """The task list as the server has it now (for 'nothing changed' checks)."""
    st, js, _ = ma(s, "GET", "/datasets/%s/workforce-tasks" % ds, headers=headers, project=project)
    assert st == 200, (st, js)
    for task in js["tasks"]:
        task.pop("sample_stats", None)
    return js


def team(*workers, wid="feSUo5NUIUnQAQNNTiS"):
    return {"workforces": [{"workforce_id": wid, "workers": list(workers)}]}


def run_crud(t, s):
    ds = dataset(s, "teamds")
    st, js, _ = ma(s, "POST", "/datasets/%s/data-annotations/samples" % ds, {"samples": [
        {"name": "a.jpg", "data": base64.b64encode(b"a").decode(), "labels": [{"name": "cat"}]},
        {"name": "b.jpg", "data": base64.b64encode(b"b").decode()},
        {"name": "c.jpg", "data": base64.b64encode(b"c").decode()}]})
    assert st == 200 and js["success"], js
    sids = [r["info"] for r in js["results"]]
    st, js, _ = ma(s, "POST", "/datasets/%s/workforce-tasks" % ds, SPEC_EXAMPLE)
    t.check("W1 the spec's example answers 200 with a 19-char task_id", st == 200 and list(js) == ["task_id"] and
            re.match(r"^[A-Za-z0-9]{19}$", js["task_id"]), (st, js))
    tid = js["task_id"]
    st, js, _ = ma(s, "GET", "/datasets/%s/workforce-tasks" % ds)
    t.check("W2 lists it: count and tasks", st == 200 and js["count"] == 1 and [x["task_id"] for x in js["tasks"]] == [tid], js)
    task = js["tasks"][0]
    t.check("W2 task fields", task["dataset_id"] == ds and task["task_name"] == "task-eb17" and task["status"] == 6 and
            task["repetition"] == 1 and task["synchronize_data"] is False and task["auto_sync_dataset"] is False and
            task["workforces_config"] == {"workforces": [{"workforce_id": "feSUo5NUIUnQAQNNTiS", "workers": [{"email": "xxx@xxx.com", "role": 0}]}]} and
            isinstance(task["create_time"], int) and task["create_time"] > 1600000000000 and task["version_id"] is None, task)
    t.eq("W2 workforce_stats", task["workforce_stats"], {"workforce_count": 1, "labeler_count": 1, "reviewer_count": 0})
    t.eq("W2 sample_stats follow the dataset", task["sample_stats"],
         {"total_sample_count": 3, "unannotated_sample_count": 2, "unreviewed_sample_count": 1, "uncheck_sample_count": 0,
          "sampled_sample_count": 0, "rejected_sample_count": 0, "accepted_sample_count": 0, "auto_annotation_sample_count": 0,
          "deleted_sample_count": 0})

    # a second task with every W1 field, reviewers and the defaults
    body = {"task_name": "full_task", "description": "all fields", "repetition": 2, "synchronize_auto_labeling_data": True,
            "data_sync_type": 3, "sample_conditions": "label_list=cat",
            "workforces_config": {"agency": "acme", "workforces": [
                {"workforce_id": "teamA", "workers": [{"email": "a1@example.com", "role": 0}, {"email": "a2@example.com", "role": 1}]},
                {"workforce_id": "teamB", "workers": [{"email": "b1@example.com", "role": 1}, {"email": "b2@example.com", "role": 2}]}]}}
    st, js, _ = ma(s, "POST", "/datasets/%s/workforce-tasks" % ds, body)
    t.check("W1 with every field", st == 200 and "task_id" in js, (st, js))
    tid2 = js["task_id"]
    st, d, _ = ma(s, "GET", "/datasets/%s/workforce-tasks/%s" % (ds, tid2))
    t.check("W3 details echo the fields", st == 200 and d["task_name"] == "full_task" and d["description"] == "all fields" and
            d["repetition"] == 2 and d["synchronize_auto_labeling_data"] is True and d["data_sync_type"] == 3 and
            d["sample_conditions"] == "label_list=cat" and d["auto_sync_dataset"] is True and d["synchronize_data"] is False and
            d["workforces_config"]["agency"] == "acme" and [w["workforce_id"] for w in d["workforces_config"]["workforces"]] == ["teamA", "teamB"], d)
    t.eq("W3 workforce_stats count labelers and reviewers", d["workforce_stats"], {"workforce_count": 2, "labeler_count": 1, "reviewer_count": 2})
    t.check("W3 without label_stats by default", "label_stats" not in d and "sample_stats" in d, d)
    st, d, _ = ma(s, "GET", "/datasets/%s/workforce-tasks/%s?label_stats=true&sample_stats=false&workforce_stats=false" % (ds, tid2))
    t.check("W3 flags: label_stats on, the others off", st == 200 and "sample_stats" not in d and "workforce_stats" not in d and
            [(l["name"], l["sample_count"]) for l in d["label_stats"]] == [("cat", 1)], d)
    st, js, _ = ma(s, "GET", "/datasets/%s/workforce-tasks?offset=1&limit=1" % ds)
    t.check("W2 offset/limit page the list, count stays", st == 200 and js["count"] == 2 and [x["task_id"] for x in js["tasks"]] == [tid2], js)

    # W4 start
    st, js, _ = ma(s, "POST", "/datasets/%s/workforce-tasks/%s" % (ds, tid), {"workforces_config": team({"email": "new@example.com", "role": 1})})
    t.check("W4 start answers 200", st == 200 and js == {}, (st, js))
    d = ma(s, "GET", "/datasets/%s/workforce-tasks/%s" % (ds, tid))[1]
    t.check("W4 the task runs (status 1) with the new workers", d["status"] == 1 and
            d["workforces_config"]["workforces"][0]["workers"] == [{"email": "new@example.com", "role": 1}], d)
    st, js, _ = ma(s, "POST", "/datasets/%s/workforce-tasks/%s" % (ds, tid2), raw="")
    t.check("W4 start without a body keeps the workers", st == 200 and ma(s, "GET", "/datasets/%s/workforce-tasks/%s" % (ds, tid2))[1]["status"] == 1, (st, js))

    # W5 update
    st, js, _ = ma(s, "PUT", "/datasets/%s/workforce-tasks/%s" % (ds, tid), {"task_name": "renamed", "description": "new text",
                                                                          "workforces_config": team({"email": "x@example.com"}, {"email": "y@example.com", "role": 1}, wid="w2")})
    t.check("W5 update answers 200", st == 200 and js == {}, (st, js))
    d = ma(s, "GET", "/datasets/%s/workforce-tasks/%s" % (ds, tid))[1]
    t.check("W5 shows the update", d["task_name"] == "renamed" and d["description"] == "new text" and d["status"] == 1 and
            d["workforces_config"]["workforces"] == [{"workforce_id": "w2", "workers": [{"email": "x@example.com", "role": 0}, {"email": "y@example.com", "role": 1}]}] and
            d["update_time"] >= d["create_time"] and d["auto_sync_dataset"] is False, d)

    # sample statistics follow sample deletes
    ma(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, {"samples": [sids[1]]})
    d = ma(s, "GET", "/datasets/%s/workforce-tasks/%s" % (ds, tid))[1]
    t.check("sample_stats after a sample delete", d["sample_stats"]["total_sample_count"] == 2 and d["sample_stats"]["deleted_sample_count"] == 1 and
            d["sample_stats"]["unannotated_sample_count"] == 1, d["sample_stats"])

    # W6 delete: 204, the samples stay
    before = ma(s, "GET", "/datasets/%s/data-annotations/samples?limit=100" % ds)[1]
    st, js, text = ma(s, "DELETE", "/datasets/%s/workforce-tasks/%s" % (ds, tid))
    t.check("W6 delete answers 204", st == 204 and text == "", (st, text))
    err(t, "W3 of the deleted task -> 4619", ma(s, "GET", "/datasets/%s/workforce-tasks/%s" % (ds, tid)), 400, "ModelArts.4619")
    err(t, "W6 again -> 4619", ma(s, "DELETE", "/datasets/%s/workforce-tasks/%s" % (ds, tid)), 400, "ModelArts.4619")
    after = ma(s, "GET", "/datasets/%s/data-annotations/samples?limit=100" % ds)[1]
    t.check("deleting a task deleted no sample", [x["sample_id"] for x in after["samples"]] == [x["sample_id"] for x in before["samples"]] and
            after["sample_count"] == 2, (before, after))
    t.eq("the other task is left", [x["task_id"] for x in tasks(s, ds)["tasks"]], [tid2])
    st, js, _ = ma(s, "POST", "/datasets/%s/workforce-tasks" % ds, dict(SPEC_EXAMPLE, task_name="full_task"))
    err(t, "W1 a name already used in the dataset -> 0107", (st, js, None), 400, "ModelArts.0107")
    t.check("the duplicate-name message says so", "already exists" in (js or {}).get("error_msg", ""), js)
    st, js, _ = ma(s, "POST", "/datasets/%s/workforce-tasks" % ds, dict(SPEC_EXAMPLE, task_name="renamed"))
    t.check("the deleted task's name is free again", st == 200, (st, js))
    return ds, tid2


def run_bad_input(t, s, ds, tid):
    base = "/datasets/%s/workforce-tasks" % ds
    snapshot = tasks(s, ds)
    w = {"workforces": [{"workforce_id": "w", "workers": [{"email": "a@b.co"}]}]}
    bad = [
        ("malformed JSON", None, '{"task_name": '),
        ("a list body", None, "[1]"),
        ("an empty body", None, ""),
        ("missing task_name", {"workforces_config": w}, None),
        ("missing workforces_config", {"task_name": "n1"}, None),
        ("task_name of wrong type", {"task_name": 5, "workforces_config": w}, None),
        ("task_name with spaces", {"task_name": "a b", "workforces_config": w}, None),
        ("task_name over 64 characters", {"task_name": "n" * 65, "workforces_config": w}, None),
        ("repetition 0", {"task_name": "n2", "repetition": 0, "workforces_config": w}, None),
        ("repetition as a string", {"task_name": "n2", "repetition": "2", "workforces_config": w}, None),
        ("synchronize_data not a boolean", {"task_name": "n3", "synchronize_data": "no", "workforces_config": w}, None),
        ("auto_sync_dataset not a boolean", {"task_name": "n3", "auto_sync_dataset": 1, "workforces_config": w}, None),
        ("data_sync_type 4", {"task_name": "n4", "data_sync_type": 4, "workforces_config": w}, None),
        ("sample_conditions a number", {"task_name": "n4", "sample_conditions": 1, "workforces_config": w}, None),
        ("workforces_config a list", {"task_name": "n5", "workforces_config": [w]}, None),
        ("no workforces", {"task_name": "n5", "workforces_config": {}}, None),
        ("empty workforces", {"task_name": "n5", "workforces_config": {"workforces": []}}, None),
        ("a workforce without id", {"task_name": "n6", "workforces_config": {"workforces": [{"workers": [{"email": "a@b.co"}]}]}}, None),
        ("a workforce without workers", {"task_name": "n6", "workforces_config": {"workforces": [{"workforce_id": "w"}]}}, None),
        ("empty workers", {"task_name": "n6", "workforces_config": {"workforces": [{"workforce_id": "w", "workers": []}]}}, None),
        ("a worker without email", {"task_name": "n7", "workforces_config": {"workforces": [{"workforce_id": "w", "workers": [{"role": 0}]}]}}, None),
        ("a worker that is a string", {"task_name": "n7", "workforces_config": {"workforces": [{"workforce_id": "w", "workers": ["a@b.co"]}]}}, None),
        ("an email without @", {"task_name": "n7", "workforces_config": {"workforces": [{"workforce_id": "w", "workers": [{"email": "nobody"}]}]}}, None),
        ("role 4", {"task_name": "n8", "workforces_config": {"workforces": [{"workforce_id": "w", "workers": [{"email": "a@b.co", "role": 4}]}]}}, None),
        ("role as a string", {"task_name": "n8", "workforces_config": {"workforces": [{"workforce_id": "w", "workers": [{"email": "a@b.co", "role": "0"}]}]}}, None),
        ("the same worker twice", {"task_name": "n9", "workforces_config": {"workforces": [{"workforce_id": "w", "workers": [{"email": "a@b.co"}, {"email": "A@b.co"}]}]}}, None),
        ("the same workforce twice", {"task_name": "n9", "workforces_config": {"workforces": [
            {"workforce_id": "w", "workers": [{"email": "a@b.co"}]}, {"workforce_id": "w", "workers": [{"email": "c@b.co"}]}]}}, None),
        ("description over 256 bytes", {"task_name": "n10", "description": "d" * 257, "workforces_config": w}, None),
    ]
    for name, body, raw in bad:
        err(t, "W1 %s -> 0107" % name, ma(s, "POST", base, body, raw=raw), 400, "ModelArts.0107")
    t.eq("bad creates changed nothing", tasks(s, ds), snapshot)
    err(t, "W1 on an unknown dataset -> 4352", ma(s, "POST", "/datasets/AAAAAAAAAAAAAAAAAAA/workforce-tasks", SPEC_EXAMPLE), 400, "ModelArts.4352")
    err(t, "W2 of an unknown dataset -> 4352", ma(s, "GET", "/datasets/AAAAAAAAAAAAAAAAAAA/workforce-tasks"), 400, "ModelArts.4352")
    err(t, "W2 limit 0 -> 0107", ma(s, "GET", base + "?limit=0"), 400, "ModelArts.0107")
    err(t, "W2 limit 1001 -> 0107", ma(s, "GET", base + "?limit=1001"), 400, "ModelArts.0107")
    err(t, "W2 offset -1 -> 0107", ma(s, "GET", base + "?offset=-1"), 400, "ModelArts.0107")
    err(t, "W3 label_stats=maybe -> 0107", ma(s, "GET", "%s/%s?label_stats=maybe" % (base, tid)), 400, "ModelArts.0107")
    ghost = "BBBBBBBBBBBBBBBBBBB"
    err(t, "W3 unknown task -> 4619", ma(s, "GET", "%s/%s" % (base, ghost)), 400, "ModelArts.4619")
    err(t, "W4 unknown task -> 4619", ma(s, "POST", "%s/%s" % (base, ghost), {}), 400, "ModelArts.4619")
    err(t, "W5 unknown task -> 4619", ma(s, "PUT", "%s/%s" % (base, ghost), {"task_name": "x"}), 400, "ModelArts.4619")
    err(t, "W6 unknown task -> 4619", ma(s, "DELETE", "%s/%s" % (base, ghost)), 400, "ModelArts.4619")
    err(t, "W3 a task of another dataset -> 4619", ma(s, "GET", "/datasets/%s/workforce-tasks/%s" % (dataset(s, "otherds"), tid)), 400, "ModelArts.4619")
    err(t, "W6 unknown dataset -> 4352", ma(s, "DELETE", "/datasets/AAAAAAAAAAAAAAAAAAA/workforce-tasks/%s" % tid), 400, "ModelArts.4352")
    for name, body, raw in [("malformed JSON", None, "{"), ("workforces_config a string", {"workforces_config": "x"}, None),
                            ("a worker without email", {"workforces_config": {"workforces": [{"workforce_id": "w", "workers": [{}]}]}}, None)]:
        err(t, "W4 %s -> 0107" % name, ma(s, "POST", "%s/%s" % (base, tid), body, raw=raw), 400, "ModelArts.0107")
    for name, body, raw in [("malformed JSON", None, "{"), ("an empty object", {}, None), ("task_name of wrong type", {"task_name": []}, None),
                            ("description of wrong type", {"description": 1}, None), ("repetition -1", {"repetition": -1}, None),
                            ("an invalid name", {"task_name": "bad name"}, None),
                            ("empty workforces", {"task_name": "ok_name", "workforces_config": {"workforces": []}}, None)]:
        err(t, "W5 %s -> 0107" % name, ma(s, "PUT", "%s/%s" % (base, tid), body, raw=raw), 400, "ModelArts.0107")
    t.eq("bad starts and updates changed nothing", tasks(s, ds), snapshot)


def run_restart_and_dataset_delete(t):
    s = lib.Server()
    try:
        ds = dataset(s, "persist")
        tid = ma(s, "POST", "/datasets/%s/workforce-tasks" % ds, SPEC_EXAMPLE)[1]["task_id"]
        s.stop()
        s.start()
        st, d, _ = ma(s, "GET", "/datasets/%s/workforce-tasks/%s" % (ds, tid))
        t.check("a task survives a restart", st == 200 and d["task_name"] == "task-eb17", (st, d))
        st, _, _ = ma(s, "DELETE", "/datasets/" + ds)
        t.check("D5 deletes the dataset with its task", st == 204, st)
        err(t, "the task went with its dataset", ma(s, "GET", "/datasets/%s/workforce-tasks/%s" % (ds, tid)), 400, "ModelArts.4352")
    finally:
        s.cleanup()


def token(s, project):
    out = subprocess.run([lib.BIN, "token", "create", "--data", s.data, "--project", project], capture_output=True, text=True, timeout=60).stdout
    return re.search(r"\(id ([0-9a-f]{32})\)", out).group(1), out.strip().splitlines()[-1]


def run_auth(t):
    s = lib.Server(args=["--auth"])
    try:
        a, tok = token(s, "alpha")
        b, other = token(s, "beta")
        mine, theirs = {"X-Auth-Token": tok}, {"X-Auth-Token": other}
        ds = dataset(s, "authds", project=a, headers=mine)
        st, js, _ = ma(s, "POST", "/datasets/%s/workforce-tasks" % ds, SPEC_EXAMPLE, headers=mine, project=a)
        t.check("with --auth the owner creates a task", st == 200, (st, js))
        tid = js["task_id"]
        snapshot = tasks(s, ds, project=a, headers=mine)
        path = "/datasets/%s/workforce-tasks" % ds
        err(t, "no credentials -> 401 0201", ma(s, "GET", path, project=a), 401, "ModelArts.0201")
        for name, method, p, body in [("W1", "POST", path, dict(SPEC_EXAMPLE, task_name="intruder")), ("W2", "GET", path, None),
                                      ("W3", "GET", path + "/" + tid, None), ("W4", "POST", path + "/" + tid, {}),
                                      ("W5", "PUT", path + "/" + tid, {"task_name": "hijacked"}), ("W6", "DELETE", path + "/" + tid, None)]:
            err(t, "%s with another project's token -> 403 0210" % name, ma(s, method, p, body, headers=theirs, project=a), 403, "ModelArts.0210")
        err(t, "the other project's own path does not see the dataset -> 4352",
            ma(s, "GET", path + "/" + tid, headers=theirs, project=b), 400, "ModelArts.4352")
        err(t, "nor can it delete the task through its own path -> 4352",
            ma(s, "DELETE", path + "/" + tid, headers=theirs, project=b), 400, "ModelArts.4352")
        t.eq("refused requests changed nothing", tasks(s, ds, project=a, headers=mine), snapshot)
    finally:
        s.cleanup()


def run(t):
    s = lib.Server()
    try:
        ds, tid = run_crud(t, s)
        run_bad_input(t, s, ds, tid)
    finally:
        s.cleanup()
    run_restart_and_dataset_delete(t)
    run_auth(t)
