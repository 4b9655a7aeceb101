"""ModelArts v1 (the old ModelArts Python SDK, specs/modelarts.md section 10): annotation jobs
(create over a path or an existing dataset, list, update, delete, validation, OBS sync) and the
images of a job (list by tag, modify tags and boxes, tags of one or several images, tag list and
statistics, delete one, batch delete). Every bad input gets its documented ModelArts.NNNN code and
changes nothing (a snapshot of the project before and after); images and samples are one state seen
through v1 and v2; the reference rule for source files; another project's credentials with --auth."""
import json
import re
import subprocess
import urllib.parse

import lib

PID = "0123456789abcdef0123456789abcdef"
PID2 = "fedcba9876543210fedcba9876543210"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")


def call(s, method, path, body=None, raw=None, headers=None, project=PID):
    st, js, _, _ = s.request(method, path.replace("{p}", project), body, raw=raw, headers=headers)
    return st, js


def v1(s, method, path, body=None, raw=None, headers=None, project=PID):
    return call(s, method, "/v1/{p}" + path, body, raw, headers, project)


def v2(s, method, path, body=None, raw=None, headers=None, project=PID):
    return call(s, method, "/v2/{p}" + path, body, raw, headers, project)


def err(t, name, resp, code, status=400, extra=None):
    st, js = resp
    ok = st == status and isinstance(js, dict) and js.get("error_code") == code and bool(js.get("error_msg"))
    for k, v in (extra or {}).items():
        ok = ok and js.get(k) == v
    t.check(name, ok, "got %r %r, want %d %s %r" % (st, js, status, code, extra or ""))
    return js or {}


def upload(s, path, data, project=PID):
    return call(s, "PUT", "/v2/{p}/files?path=" + urllib.parse.quote(path), raw=data,
                headers={"Content-Type": "application/octet-stream"}, project=project)


def files(s, prefix="/", project=PID):
    js = call(s, "GET", "/v2/{p}/files?prefix=" + urllib.parse.quote(prefix), project=project)[1]
    return [f["path"] for f in js["files"]]


def create_job(s, name, path=None, jtype="Manual Image classify", dataset_id=None, project=PID):
    body = {"name": name, "type": jtype}
    if path:
        body.update(data_type="OBS", path=path)
    if dataset_id:
        body["dataset_id"] = dataset_id
    st, js = v1(s, "POST", "/annotation-jobs", body, project=project)
    return st, js


def jobs(s, query="limit=100", project=PID):
    return v1(s, "GET", "/annotation-jobs?" + query, project=project)[1]


def job_of(s, job_id, project=PID):
    for j in jobs(s, project=project)["jobs"]:
        if j["id"] == job_id:
            return j
    return None


def images(s, num, query="per_page=100", project=PID):
    return v1(s, "GET", "/data-annotations/%s/images?%s" % (num, query), project=project)[1]


def image_ids(s, num, project=PID):
    out, page = {}, 0
    while True:
        js = images(s, num, "per_page=100&page=%d" % page, project=project)
        for im in js["images"]:
            out[im["name"]] = im["image_id"]
        page += 1
        if page * 100 >= js["total_count"]:
            return out


def snapshot(s, project=PID):
    """Everything a request could change in a project: jobs (with progress and validation), their images
    and tags and statistics, sync status, datasets, samples and labels (v2), and the files."""
    snap = {"jobs": jobs(s, project=project), "files": files(s, project=project),
            "datasets": v2(s, "GET", "/datasets?limit=100", project=project)[1]}
    for d in snap["datasets"]["datasets"]:
        d.pop("update_time", None)
        ds = d["dataset_id"]
        snap["samples " + ds] = v2(s, "GET", "/datasets/%s/data-annotations/samples?limit=100" % ds, project=project)[1]
        for smp in snap["samples " + ds]["samples"]:
            smp.pop("source", None)
            smp.pop("preview", None)
    for j in snap["jobs"]["jobs"]:
        j.pop("update_time", None)
        n = j["dls_prj_id"]
        imgs = images(s, n, project=project)
        for im in imgs["images"]:
            im.pop("url", None)
        snap["images " + n] = imgs
        snap["stats " + n] = v1(s, "GET", "/data-annotations/%s/tags/stats" % n, project=project)[1]
        snap["sync " + n] = v1(s, "GET", "/data-annotations/%s/obs/sync-status" % n, project=project)[1]
        snap["validation " + n] = v1(s, "GET", "/annotation-jobs/%s/validation" % j["id"], project=project)[1]
    return snap


def unchanged(t, name, s, before, project=PID):
    after = snapshot(s, project)
    diff = [k for k in set(before) | set(after) if before.get(k) != after.get(k)]
    t.check(name + ": nothing changed", not diff, "changed: %r" % [(k, before.get(k), after.get(k)) for k in diff[:2]])


# ---- jobs ----------------------------------------------------------------------------------------

def run_jobs(t, s):
    for i in range(4):
        upload(s, "/bkt/cls/%d.jpg" % i, b"cls-image-%d" % i)
    st, js = create_job(s, "animals", "/bkt/cls/")
    t.check("create over a path -> job_id (UUID) and dls_prj_id (a number as a string)",
            st == 200 and UUID.match(js.get("job_id", "")) and re.match(r"^[1-9][0-9]*$", js.get("dls_prj_id", "")), (st, js))
    job, num = js["job_id"], js["dls_prj_id"]
    j = jobs(s)
    t.check("list: one job with its fields", j["job_total_count"] == 1 and j["jobs"][0]["id"] == job and
            j["jobs"][0]["name"] == "animals" and j["jobs"][0]["type"] == "Manual Image classify" and
            j["jobs"][0]["path"] == "/bkt/cls/" and j["jobs"][0]["dls_prj_id"] == num and
            isinstance(j["jobs"][0]["create_time"], int) and j["jobs"][0]["create_time"] > 1600000000000, j)
    t.eq("progress_detail counts the imported images", j["jobs"][0]["progress_detail"],
         {"total_count": 4, "has_tag_count": 0, "not_tag_count": 4})
    ds = j["jobs"][0]["dataset_id"]
    d = v2(s, "GET", "/datasets/" + ds)[1]
    t.check("the backing dataset is a v2 dataset over the path with the same images",
            d["dataset_type"] == 0 and d["data_sources"][0]["data_path"] == "/bkt/cls/" and d["total_sample_count"] == 4, d)

    before = snapshot(s)
    good = {"name": "x", "data_type": "OBS", "path": "/bkt/cls/", "type": "Manual Image classify"}
    bad = [
        ("malformed JSON", None, '{"name": ', "ModelArts.0107"),
        ("a list body", None, "[1]", "ModelArts.0107"),
        ("an empty body", None, "", "ModelArts.0107"),
        ("missing name", {k: v for k, v in good.items() if k != "name"}, None, "ModelArts.0107"),
        ("name of wrong type", dict(good, name=5), None, "ModelArts.0107"),
        ("empty name", dict(good, name=""), None, "ModelArts.0107"),
        ("name over 100 bytes", dict(good, name="n" * 101), None, "ModelArts.0107"),
        ("description over 256 bytes", dict(good, description="d" * 257), None, "ModelArts.0107"),
        ("missing type", {k: v for k, v in good.items() if k != "type"}, None, "ModelArts.0107"),
        ("unknown type", dict(good, type="Manual Text classify"), None, "ModelArts.0107"),
        ("type of wrong type", dict(good, type=0), None, "ModelArts.0107"),
        ("data_type filter job", dict(good, data_type="filter job"), None, "ModelArts.0107"),
        ("data_type of wrong type", dict(good, data_type=0), None, "ModelArts.0107"),
        ("neither path nor dataset_id", {"name": "x", "data_type": "OBS", "type": "Manual Image classify"}, None, "ModelArts.0107"),
        ("no data_type and no dataset_id", {"name": "x", "path": "/bkt/cls/", "type": "Manual Image classify"}, None, "ModelArts.0107"),
        ("both path and dataset_id", dict(good, dataset_id=ds), None, "ModelArts.0107"),
        ("path of wrong type", dict(good, path=["/bkt/cls/"]), None, "ModelArts.0107"),
        ("a path with '..'", dict(good, path="/bkt/../etc/"), None, "ModelArts.4205"),
        ("a path that is not a directory", dict(good, path="/bkt/cls/0.jpg"), None, "ModelArts.4205"),
        ("an unknown dataset_id", {"name": "x", "dataset_id": "NoSuchDataset000000", "type": "Manual Image classify"}, None, "ModelArts.4352"),
        ("a dataset that already has a job", {"name": "x", "dataset_id": ds, "type": "Manual Image classify"}, None, "ModelArts.0107"),
        ("a dataset of another type", {"name": "x", "dataset_id": ds, "type": "Manual Object detection"}, None, "ModelArts.0107"),
    ]
    for name, body, raw, code in bad:
        err(t, "create: %s -> %s" % (name, code), v1(s, "POST", "/annotation-jobs", body, raw=raw), code)
    unchanged(t, "refused creates", s, before)

    st, js = v2(s, "POST", "/datasets", {"dataset_name": "cars", "dataset_type": 1, "data_sources": [{"data_type": 0, "data_path": "/bkt/cars/"}],
                                         "work_path": "/bkt/out/"})
    cars = js["dataset_id"]
    st, js = create_job(s, "cars-job", jtype="Manual Object detection", dataset_id=cars)
    t.check("create over an existing detection dataset (no data_type needed)", st == 200 and UUID.match(js["job_id"]), (st, js))
    cars_job, cars_num = js["job_id"], js["dls_prj_id"]
    t.check("job numbers differ", cars_num != num)
    upload(s, "/bkt/b/z.jpg", b"zz")
    st, js = create_job(s, "zeta", "/bkt/b/")
    zeta = js["job_id"]

    j = jobs(s, "sort_by=name&order=asc")
    t.eq("sort_by=name&order=asc", [x["name"] for x in j["jobs"]], ["animals", "cars-job", "zeta"])
    j = jobs(s)
    t.eq("default order: newest first", [x["name"] for x in j["jobs"]], ["zeta", "cars-job", "animals"])
    j = jobs(s, "sort_by=create_time&order=asc&offset=1&limit=1")
    t.check("offset and limit page the list; job_total_count counts all", j["job_total_count"] == 3 and [x["name"] for x in j["jobs"]] == ["cars-job"], j)
    j = jobs(s, "search_content=ar")
    t.check("search_content matches names containing it", j["job_total_count"] == 1 and j["jobs"][0]["id"] == cars_job, j)
    t.eq("a detection job's type", job_of(s, cars_job)["type"], "Manual Object detection")
    for q in ("limit=0", "limit=101", "offset=-1", "sort_by=size", "order=up", "limit=x"):
        err(t, "list %s -> 0107" % q, v1(s, "GET", "/annotation-jobs?" + q), "ModelArts.0107")

    before = snapshot(s)
    for name, body, raw in (("malformed JSON", None, "{"), ("missing name", {"description": "d"}, None), ("name of wrong type", {"name": 1}, None),
                            ("description of wrong type", {"name": "n", "description": 5}, None), ("empty name", {"name": ""}, None)):
        err(t, "update: %s -> 0107" % name, v1(s, "PUT", "/annotation-jobs/" + zeta, body, raw=raw), "ModelArts.0107")
    err(t, "update an unknown job -> 4338", v1(s, "PUT", "/annotation-jobs/00000000-0000-4000-8000-000000000000", {"name": "n"}), "ModelArts.4338")
    unchanged(t, "refused updates", s, before)
    st, js = v1(s, "PUT", "/annotation-jobs/" + zeta, {"name": "omega", "description": "renamed"})
    t.check("update -> {job_id}", st == 200 and js == {"job_id": zeta}, (st, js))
    z = job_of(s, zeta)
    t.check("the list shows the new name and description", z["name"] == "omega" and z["description"] == "renamed", z)
    st, js = v1(s, "PUT", "/annotation-jobs/" + zeta, {"name": "omega2"})
    t.check("update without description keeps it", job_of(s, zeta)["description"] == "renamed" and job_of(s, zeta)["name"] == "omega2")

    st, js = v1(s, "GET", "/annotation-jobs/%s/validation" % job)
    t.check("validation before any save: pass_rate null", st == 200 and js["job_id"] == job and js["pass_rate"] is None, js)
    before = snapshot(s)
    for name, body, raw in (("malformed JSON", None, "{"), ("missing pass_rate", {}, None), ("pass_rate a string", {"pass_rate": "0.9"}, None),
                            ("pass_rate over 1", {"pass_rate": 1.5}, None), ("pass_rate negative", {"pass_rate": -0.1}, None)):
        err(t, "save validation: %s -> 0107" % name, v1(s, "POST", "/annotation-jobs/%s/validation" % job, body, raw=raw), "ModelArts.0107")
    err(t, "save validation of an unknown job -> 4338",
        v1(s, "POST", "/annotation-jobs/00000000-0000-4000-8000-000000000000/validation", {"pass_rate": 0.5}), "ModelArts.4338")
    err(t, "get validation of an unknown job -> 4338", v1(s, "GET", "/annotation-jobs/nope/validation"), "ModelArts.4338")
    unchanged(t, "refused validations", s, before)
    st, js = v1(s, "POST", "/annotation-jobs/%s/validation" % job, {"pass_rate": 0.85})
    t.check("save validation -> the pass rate", st == 200 and js["pass_rate"] == 0.85, js)
    t.eq("get validation reads it back", v1(s, "GET", "/annotation-jobs/%s/validation" % job)[1]["pass_rate"], 0.85)
    return job, num, ds


def run_sync(t, s, job, num):
    t.eq("sync-status before any sync: 0", v1(s, "GET", "/data-annotations/%s/obs/sync-status" % num)[1]["sync_status"], 0)
    upload(s, "/bkt/cls/new.jpg", b"cls-new")
    upload(s, "/bkt/cls/sub/deep.jpg", b"cls-deep")
    upload(s, "/bkt/elsewhere/no.jpg", b"not-under-the-path")
    before = snapshot(s)
    for bad in ("abc", "0", "-1", "1x", "99999999999999999999"):
        err(t, "sync of malformed id %r -> 0107" % bad, v1(s, "POST", "/data-annotations/%s/obs/sync" % bad), "ModelArts.0107")
    err(t, "sync of an unknown job -> 4338", v1(s, "POST", "/data-annotations/987654/obs/sync"), "ModelArts.4338")
    err(t, "sync-status of an unknown job -> 4338", v1(s, "GET", "/data-annotations/987654/obs/sync-status"), "ModelArts.4338")
    unchanged(t, "refused syncs", s, before)
    st, js = v1(s, "POST", "/data-annotations/%s/obs/sync" % num)
    t.check("sync brings in the files added under the path (recursively), only those", st == 200 and js["sync_status"] == 1 and
            js["added_count"] == 2 and js["removed_count"] == 0, (st, js))
    names = sorted(im["name"] for im in images(s, num)["images"])
    t.eq("the job's images after sync", names, ["0.jpg", "1.jpg", "2.jpg", "3.jpg", "deep.jpg", "new.jpg"])
    t.eq("sync-status after a sync: 1", v1(s, "GET", "/data-annotations/%s/obs/sync-status" % num)[1]["sync_status"], 1)
    st, js = v1(s, "POST", "/data-annotations/%s/obs/sync" % num)
    t.check("a second sync finds nothing to do", js["added_count"] == 0 and js["removed_count"] == 0, js)
    st, _ = call(s, "DELETE", "/v2/{p}/files?path=/bkt/cls/new.jpg&when_unused=true")
    t.eq("a file in use deleted with when_unused -> 202 (marked)", st, 202)
    st, js = v1(s, "POST", "/data-annotations/%s/obs/sync" % num)
    t.check("sync removes the image of a file removed from the path", js["added_count"] == 0 and js["removed_count"] == 1, js)
    t.check("... and the file itself goes", "/bkt/cls/new.jpg" not in files(s) and "new.jpg" not in image_ids(s, num))
    t.eq("progress counts follow", job_of(s, job)["progress_detail"]["total_count"], 5)


def run_job_delete(t, s):
    """Deleting a job: the job, its annotation state and the dataset made for it go in one
    transaction; source files follow the reference rule; a job over an existing dataset leaves it."""
    for n in ("keep", "solo", "ver"):
        upload(s, "/bkt/del/%s.jpg" % n, b"del-" + n.encode())
    st, js = create_job(s, "doomed", "/bkt/del/")
    job, num = js["job_id"], js["dls_prj_id"]
    ds = job_of(s, job)["dataset_id"]
    st, js = v2(s, "POST", "/datasets", {"dataset_name": "other", "data_sources": [{"data_type": 0, "data_path": "/bkt/other/"}], "work_path": "/bkt/out/"})
    other = js["dataset_id"]
    v2(s, "POST", "/datasets/%s/data-annotations/samples" % other, {"samples": [{"data_source": {"data_type": 0, "data_path": "/bkt/del/keep.jpg"}}]})
    ids = image_ids(s, num)
    v1(s, "PUT", "/data-annotations/%s/images" % num, {"images": [{"image_id": ids["solo.jpg"], "tags": ["cat"]}]})
    st, js = v2(s, "POST", "/datasets/%s/versions" % ds, {"version_name": "V001"})
    t.eq("a version of the job's dataset", st, 201)
    v1(s, "POST", "/annotation-jobs/%s/validation" % job, {"pass_rate": 0.5})

    before = snapshot(s)
    js = err(t, "delete an unknown job -> 4338 with its job_id", v1(s, "DELETE", "/annotation-jobs/00000000-0000-4000-8000-000000000000"),
             "ModelArts.4338", extra={"job_id": "00000000-0000-4000-8000-000000000000"})
    err(t, "delete a job id that is not a UUID -> 4338", v1(s, "DELETE", "/annotation-jobs/x%20y"), "ModelArts.4338")
    unchanged(t, "refused job deletes", s, before)

    st, js = v1(s, "DELETE", "/annotation-jobs/" + job)
    t.check("delete -> 200 {job_id} and no error fields", st == 200 and js == {"job_id": job}, (st, js))
    t.check("the job is gone from the list", job_of(s, job) is None)
    err(t, "its images are gone (-> 4338)", v1(s, "GET", "/data-annotations/%s/images" % num), "ModelArts.4338")
    err(t, "the dataset made for it is gone (v2 -> 4352)", v2(s, "GET", "/datasets/" + ds), "ModelArts.4352")
    left = files(s, "/bkt/del/")
    t.eq("a file another dataset uses stays; the others (one held only by the job's own version) go", left, ["/bkt/del/keep.jpg"])
    t.eq("the other dataset still has its sample", v2(s, "GET", "/datasets/" + other)[1]["total_sample_count"], 1)
    err(t, "delete it again -> 4338", v1(s, "DELETE", "/annotation-jobs/" + job), "ModelArts.4338", extra={"job_id": job})

    st, js = v2(s, "POST", "/datasets", {"dataset_name": "mine", "data_sources": [{"data_type": 0, "data_path": "/bkt/del/"}], "work_path": "/bkt/out/"})
    mine = js["dataset_id"]
    st, js = create_job(s, "borrowed", dataset_id=mine)
    st, js = v1(s, "DELETE", "/annotation-jobs/" + js["job_id"])
    t.eq("delete a job over an existing dataset", st, 200)
    d = v2(s, "GET", "/datasets/" + mine)[1]
    t.check("... leaves the dataset, its samples and files", d.get("total_sample_count") == 1 and files(s, "/bkt/del/") == ["/bkt/del/keep.jpg"], d)
    st, js = create_job(s, "again", dataset_id=mine)
    again = js["job_id"]
    st, _ = v2(s, "DELETE", "/datasets/" + mine)
    t.check("deleting the dataset through v2 deletes its job", st == 204 and job_of(s, again) is None)


def run_auth(t):
    s = lib.Server(args=["--auth"])
    try:
        def token(project):
            out = subprocess.run([lib.BIN, "token", "create", "--data", s.data, "--project", project], capture_output=True, text=True,
                                 timeout=60).stdout
            return re.search(r"\(id ([0-9a-f]{32})\)", out).group(1), out.strip().splitlines()[-1]
        a, tok = token("alpha")
        b, other = token("beta")
        me, them = {"X-Auth-Token": tok}, {"X-Auth-Token": other}
        call(s, "PUT", "/v2/{p}/files?path=/bkt/a/1.jpg", raw=b"a1", headers=dict(me, **{"Content-Type": "application/octet-stream"}), project=a)
        call(s, "PUT", "/v2/{p}/files?path=/bkt/a/2.jpg", raw=b"a2", headers=dict(me, **{"Content-Type": "application/octet-stream"}), project=a)
        st, js = v1(s, "POST", "/annotation-jobs", {"name": "secure", "data_type": "OBS", "path": "/bkt/a/", "type": "Manual Image classify"},
                    headers=me, project=a)
        t.check("a token creates a job in its project", st == 200, (st, js))
        job, num = js["job_id"], js["dls_prj_id"]
        ids = [im["image_id"] for im in v1(s, "GET", "/data-annotations/%s/images" % num, headers=me, project=a)[1]["images"]]

        def state():
            return (v1(s, "GET", "/annotation-jobs", headers=me, project=a)[1],
                    v1(s, "GET", "/data-annotations/%s/tags/stats" % num, headers=me, project=a)[1],
                    sorted(i["image_id"] for i in v1(s, "GET", "/data-annotations/%s/images" % num, headers=me, project=a)[1]["images"]))
        before = state()
        err(t, "no credentials -> 401 ModelArts.0201", v1(s, "GET", "/annotation-jobs", project=a), "ModelArts.0201", 401)
        cases = [
            ("list jobs", "GET", "/annotation-jobs", None),
            ("create a job", "POST", "/annotation-jobs", {"name": "x", "data_type": "OBS", "path": "/bkt/a/", "type": "Manual Image classify"}),
            ("update the job", "PUT", "/annotation-jobs/" + job, {"name": "stolen"}),
            ("delete the job", "DELETE", "/annotation-jobs/" + job, None),
            ("save validation", "POST", "/annotation-jobs/%s/validation" % job, {"pass_rate": 0.1}),
            ("list images", "GET", "/data-annotations/%s/images" % num, None),
            ("modify images", "PUT", "/data-annotations/%s/images" % num, {"images": [{"image_id": ids[0], "tags": ["x"]}]}),
            ("delete an image", "DELETE", "/data-annotations/%s/images/%s" % (num, ids[0]), None),
            ("batch delete images", "POST", "/data-annotations/%s/images/delete" % num, {"image_id": ids}),
            ("show tags", "POST", "/data-annotations/%s/tags/show" % num, {"image_id": ids}),
            ("sync", "POST", "/data-annotations/%s/obs/sync" % num, None),
        ]
        for name, method, path, body in cases:
            err(t, "another project's token: %s -> 403 ModelArts.0210" % name, v1(s, method, path, body, headers=them, project=a),
                "ModelArts.0210", 403)
            err(t, "no credentials: %s -> 401" % name, v1(s, method, path, body, project=a), "ModelArts.0201", 401)
        t.eq("refused cross-project calls changed nothing", state(), before)
        js = v1(s, "GET", "/annotation-jobs", headers=them, project=b)[1]
        t.check("the other project sees no job", js["job_total_count"] == 0, js)
        err(t, "the other project cannot reach the job by number on its own path -> 4338",
            v1(s, "POST", "/data-annotations/%s/images/delete" % num, {"image_id": ids}, headers=them, project=b), "ModelArts.4338")
        t.eq("... and nothing changed", state(), before)
        st, js = v1(s, "POST", "/data-annotations/%s/images/delete" % num, {"image_id": ids[:1]}, headers=me, project=a)
        t.check("the owner deletes an image", st == 200 and js == {"is_success": True}, (st, js))
    finally:
        s.cleanup()


def run(t):
    s = lib.Server()
    try:
        job, num, ds = run_jobs(t, s)
        run_sync(t, s, job, num)
        run_job_delete(t, s)
    finally:
        s.cleanup()
    run_auth(t)
