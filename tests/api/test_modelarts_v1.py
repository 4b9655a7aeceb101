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


# ---- images ----------------------------------------------------------------------------------------

def modify(s, num, body, raw=None, project=PID):
    return v1(s, "PUT", "/data-annotations/%s/images" % num, body, raw=raw, project=project)


def run_images(t, s):
    for i in range(5):
        upload(s, "/bkt/img/%d.jpg" % i, b"img-%d" % i)
    st, js = create_job(s, "pets", "/bkt/img/")
    job, num = js["job_id"], js["dls_prj_id"]
    ds = job_of(s, job)["dataset_id"]
    js = images(s, num)
    t.check("show_images_by_tag: the documented fields and every image", js["is_success"] is True and js["project_id"] == num and
            js["project_name"] == "pets" and js["data_path"] == "/bkt/img/" and js["versions"] == [] and js["total_count"] == 5 and
            len(js["images"]) == 5, js)
    im = js["images"][0]
    t.check("an image: image_id (32 hex), name, tags, url", re.match(r"^[0-9a-f]{32}$", im["image_id"]) and im["name"] == "0.jpg" and
            im["tags"] == [] and im["path"] == "/bkt/img/0.jpg" and "Signature=" in im["url"], im)
    ids = image_ids(s, num)
    smp = {x["sample_id"] for x in v2(s, "GET", "/datasets/%s/data-annotations/samples?limit=100" % ds)[1]["samples"]}
    t.eq("image ids ARE the backing dataset's sample ids", set(ids.values()), smp)
    pages = [images(s, num, "per_page=2&page=%d" % p)["images"] for p in range(3)]
    t.check("per_page and page (from 0) page through every image once", [len(p) for p in pages] == [2, 2, 1] and
            sorted(i["name"] for p in pages for i in p) == ["%d.jpg" % i for i in range(5)], pages)
    t.eq("a page past the end is empty", images(s, num, "per_page=2&page=3")["images"], [])
    for q in ("per_page=0", "per_page=101", "page=-1", "per_page=x"):
        err(t, "show_images_by_tag %s -> 0107" % q, v1(s, "GET", "/data-annotations/%s/images?%s" % (num, q)), "ModelArts.0107")
    err(t, "show_images_by_tag of an unknown job -> 4338", v1(s, "GET", "/data-annotations/424242/images"), "ModelArts.4338")
    err(t, "show_images_by_tag of a malformed id -> 0107", v1(s, "GET", "/data-annotations/x1/images"), "ModelArts.0107")

    st, js = modify(s, num, {"images": [{"image_id": ids["0.jpg"], "tags": ["cat"]}, {"image_id": ids["1.jpg"], "tags": ["cat"]},
                                        {"image_id": ids["2.jpg"], "tags": ["dog", "cat"]}]})
    t.check("modify_image_info -> is_success", st == 200 and js == {"is_success": True}, (st, js))
    t.eq("tag_name=cat", sorted(i["name"] for i in images(s, num, "tag_name=cat")["images"]), ["0.jpg", "1.jpg", "2.jpg"])
    t.eq("tag_name=dog", [(i["name"], i["tags"]) for i in images(s, num, "tag_name=dog")["images"]], [("2.jpg", ["dog", "cat"])])
    t.eq("tag_name=__none__: the untagged ones", sorted(i["name"] for i in images(s, num, "tag_name=__none__")["images"]), ["3.jpg", "4.jpg"])
    t.eq("tag_name of no image", images(s, num, "tag_name=bird")["total_count"], 0)
    t.eq("the tag list", v1(s, "GET", "/data-annotations/%s/tags" % num)[1], {"tags": ["cat", "dog"]})
    t.eq("tag statistics", v1(s, "GET", "/data-annotations/%s/tags/stats" % num)[1],
         {"tag_count": [{"tag": "cat", "count": 3}, {"tag": "dog", "count": 1}],
          "tags_stat": [{"has_tag": True, "count": 3}, {"has_tag": False, "count": 2}]})
    t.eq("job progress follows", job_of(s, job)["progress_detail"], {"total_count": 5, "has_tag_count": 3, "not_tag_count": 2})
    smp = v2(s, "GET", "/datasets/%s/data-annotations/samples/%s" % (ds, ids["2.jpg"]))[1]
    t.eq("tags ARE the sample's labels (v2)", [l["name"] for l in smp["labels"]], ["dog", "cat"])
    v2(s, "PUT", "/datasets/%s/data-annotations/samples" % ds, {"samples": [{"sample_id": ids["3.jpg"], "labels": [{"name": "bird"}]}]})
    t.eq("a label set through v2 is a tag in v1", v1(s, "GET", "/data-annotations/%s/images/%s/tags" % (num, ids["3.jpg"]))[1],
         {"image_id": ids["3.jpg"], "tags": ["bird"], "size": None})

    before = snapshot(s)
    good = ids["4.jpg"]
    bad = [
        ("malformed JSON", None, '{"images": [', "ModelArts.0107"),
        ("a list body", None, "[]", "ModelArts.0107"),
        ("missing images", {"size": [1, 1]}, None, "ModelArts.0107"),
        ("images not a list", {"images": {"image_id": good}}, None, "ModelArts.0107"),
        ("no images", {"images": []}, None, "ModelArts.0107"),
        ("an image without image_id", {"images": [{"tags": ["x"]}]}, None, "ModelArts.0107"),
        ("image_id of wrong type", {"images": [{"image_id": 5, "tags": ["x"]}]}, None, "ModelArts.0107"),
        ("tags missing", {"images": [{"image_id": good}]}, None, "ModelArts.0107"),
        ("tags not a list", {"images": [{"image_id": good, "tags": "x"}]}, None, "ModelArts.0107"),
        ("a tag that is a number", {"images": [{"image_id": good, "tags": [5]}]}, None, "ModelArts.0107"),
        ("an empty tag", {"images": [{"image_id": good, "tags": [""]}]}, None, "ModelArts.0107"),
        ("a box in a classification job", {"images": [{"image_id": good, "tags": [{"tag": "x", "pos": [0, 0, 1, 1]}]}]}, None, "ModelArts.0107"),
        ("size of one number", {"images": [{"image_id": good, "tags": ["x"]}], "size": [5]}, None, "ModelArts.0107"),
        ("size zero", {"images": [{"image_id": good, "tags": ["x"]}], "size": [0, 5]}, None, "ModelArts.0107"),
        ("size not a list", {"images": [{"image_id": good, "tags": ["x"]}], "size": "5x5"}, None, "ModelArts.0107"),
        ("an unknown image after a good one", {"images": [{"image_id": good, "tags": ["x"]}, {"image_id": "f" * 32, "tags": ["x"]}]}, None, "ModelArts.4420"),
        ("1,001 images", {"images": [{"image_id": good, "tags": ["x"]}] * 1001}, None, "ModelArts.0107"),
    ]
    for name, body, raw, code in bad:
        js = err(t, "modify_image_info: %s -> %s" % (name, code), modify(s, num, body, raw=raw), code)
    t.check("the unknown image is named", "f" * 32 in err(t, "modify names the unknown id", modify(s, num, bad[-2][1]), "ModelArts.4420")["error_msg"])
    err(t, "modify_image_info of an unknown job -> 4338", modify(s, "424242", {"images": [{"image_id": good, "tags": ["x"]}]}), "ModelArts.4338")
    unchanged(t, "refused modifies", s, before)

    st, js = modify(s, num, {"images": [{"image_id": ids["1.jpg"], "tags": []}], "size": [28, 28]})
    t.check("an empty tag list untags an image, and size is kept", st == 200 and
            v1(s, "GET", "/data-annotations/%s/images/%s/tags" % (num, ids["1.jpg"]))[1] == {"image_id": ids["1.jpg"], "tags": [], "size": [28, 28]})
    t.eq("... it is untagged again", sorted(i["name"] for i in images(s, num, "tag_name=__none__")["images"]), ["1.jpg", "4.jpg"])

    err(t, "tags of an unknown image -> 4420", v1(s, "GET", "/data-annotations/%s/images/%s/tags" % (num, "e" * 32)), "ModelArts.4420")
    err(t, "tags of an image of an unknown job -> 4338", v1(s, "GET", "/data-annotations/424242/images/%s/tags" % ids["0.jpg"]), "ModelArts.4338")
    st, js = v1(s, "POST", "/data-annotations/%s/tags/show" % num, {"image_id": [ids["2.jpg"], ids["0.jpg"]]})
    t.eq("tags of several images, in the order asked", js, {"images_tags": [{"image_id": ids["2.jpg"], "tags": ["dog", "cat"], "size": None},
                                                                           {"image_id": ids["0.jpg"], "tags": ["cat"], "size": None}]})
    for name, body, raw, code in (("malformed JSON", None, "{", "ModelArts.0107"), ("image_id missing", {}, None, "ModelArts.0107"),
                                  ("image_id not a list", {"image_id": ids["0.jpg"]}, None, "ModelArts.0107"),
                                  ("a malformed id", {"image_id": ["xyz"]}, None, "ModelArts.0107"),
                                  ("an unknown id", {"image_id": [ids["0.jpg"], "d" * 32]}, None, "ModelArts.4420"),
                                  ("1,001 ids", {"image_id": [ids["0.jpg"]] * 1001}, None, "ModelArts.0107")):
        err(t, "tags/show: %s -> %s" % (name, code), v1(s, "POST", "/data-annotations/%s/tags/show" % num, body, raw=raw), code)
    return job, num, ds


def run_detection(t, s):
    upload(s, "/bkt/det/a.jpg", b"det-a")
    upload(s, "/bkt/det/b.jpg", b"det-b")
    st, js = create_job(s, "boxes", "/bkt/det/", jtype="Manual Object detection")
    job, num = js["job_id"], js["dls_prj_id"]
    ds = job_of(s, job)["dataset_id"]
    ids = image_ids(s, num)
    tags = [{"tag": "car", "pos": [1, 2, 30, 40]}, {"tag": "car", "pos": [50.5, 60, 70, 80.25]}, {"tag": "person", "pos": [0, 0, 5, 9]}]
    st, js = modify(s, num, {"images": [{"image_id": ids["a.jpg"], "tags": tags}], "size": [100, 90]})
    t.check("modify_image_info with boxes -> is_success", st == 200 and js == {"is_success": True}, (st, js))
    t.eq("one image's tags: its boxes and size", v1(s, "GET", "/data-annotations/%s/images/%s/tags" % (num, ids["a.jpg"]))[1],
         {"image_id": ids["a.jpg"], "tags": tags, "size": [100, 90]})
    smp = v2(s, "GET", "/datasets/%s/data-annotations/samples/%s" % (ds, ids["a.jpg"]))[1]
    l0 = smp["labels"][0]
    t.check("a box IS a v2 bndbox label (type 1, @modelarts:feature) and size the sample's @modelarts:size",
            l0["name"] == "car" and l0["type"] == 1 and l0["property"]["@modelarts:shape"] == "bndbox" and
            l0["property"]["@modelarts:feature"] == [[1, 2], [30, 40]] and smp["metadata"]["@modelarts:size"] == [100, 90], smp)
    t.eq("tag statistics count images per tag", v1(s, "GET", "/data-annotations/%s/tags/stats" % num)[1]["tag_count"],
         [{"tag": "car", "count": 1}, {"tag": "person", "count": 1}])
    before = snapshot(s)
    for name, tg in (("a plain tag name", ["car"]), ("pos of three numbers", [{"tag": "car", "pos": [1, 2, 3]}]),
                     ("pos with x1 > x2", [{"tag": "car", "pos": [9, 2, 3, 4]}]), ("a negative pos", [{"tag": "car", "pos": [-1, 2, 3, 4]}]),
                     ("pos of strings", [{"tag": "car", "pos": ["1", "2", "3", "4"]}]), ("a box without tag", [{"pos": [1, 2, 3, 4]}])):
        err(t, "detection modify: %s -> 0107" % name, modify(s, num, {"images": [{"image_id": ids["b.jpg"], "tags": tg}]}), "ModelArts.0107")
    unchanged(t, "refused detection modifies", s, before)


def delete_batch(s, num, ids, project=PID):
    return v1(s, "POST", "/data-annotations/%s/images/delete" % num, {"image_id": ids}, project=project)


def run_image_deletes(t, s, job, num, ds):
    ids = image_ids(s, num)
    st, js = v1(s, "DELETE", "/data-annotations/%s/images/%s" % (num, ids["4.jpg"]))
    t.check("delete one image -> is_success, no error fields", st == 200 and js == {"is_success": True}, (st, js))
    t.check("it vanished from the listing, the v2 samples and its file went",
            "4.jpg" not in image_ids(s, num) and "/bkt/img/4.jpg" not in files(s) and
            ids["4.jpg"] not in [x["sample_id"] for x in v2(s, "GET", "/datasets/%s/data-annotations/samples?limit=100" % ds)[1]["samples"]])
    before = snapshot(s)
    js = err(t, "delete one unknown image -> is_success false, 4420", v1(s, "DELETE", "/data-annotations/%s/images/%s" % (num, ids["4.jpg"])),
             "ModelArts.4420", extra={"is_success": False})
    t.check("... naming it", ids["4.jpg"] in js.get("error_msg", ""), js)
    err(t, "delete one image of an unknown job -> 4338", v1(s, "DELETE", "/data-annotations/424242/images/%s" % ids["0.jpg"]), "ModelArts.4338")
    unchanged(t, "refused single deletes", s, before)

    keep = ids["0.jpg"]
    bad = [
        ("malformed JSON", None, '{"image_id": [', "ModelArts.0107", None),
        ("a list body", None, '["%s"]' % keep, "ModelArts.0107", None),
        ("image_id missing", {}, None, "ModelArts.0107", None),
        ("image_id not a list", {"image_id": keep}, None, "ModelArts.0107", None),
        ("an empty list", {"image_id": []}, None, "ModelArts.0107", None),
        ("an id of wrong type", {"image_id": [keep, 7]}, None, "ModelArts.0107", "[1]"),
        ("a malformed id", {"image_id": [keep, "not-an-id"]}, None, "ModelArts.0107", "not-an-id"),
        ("an upper-case id", {"image_id": [keep.upper()]}, None, "ModelArts.0107", keep.upper()),
        ("an unknown id after a good one", {"image_id": [keep, "c" * 32]}, None, "ModelArts.4420", "c" * 32),
        ("an id listed twice", {"image_id": [keep, ids["1.jpg"], keep]}, None, "ModelArts.0107", keep),
        ("1,001 ids", {"image_id": [keep] * 1001}, None, "ModelArts.0107", "1001"),
    ]
    for name, body, raw, code, named in bad:
        js = err(t, "batch delete: %s -> %s, is_success false" % (name, code),
                 v1(s, "POST", "/data-annotations/%s/images/delete" % num, body, raw=raw), code, extra={"is_success": False})
        if named:
            t.check("batch delete: %s names %s" % (name, named), named in js.get("error_msg", ""), js)
    err(t, "batch delete in an unknown job -> 4338", delete_batch(s, "424242", [keep]), "ModelArts.4338", extra={"is_success": False})
    unchanged(t, "refused batch deletes (all or nothing)", s, before)

    # the reference rule: a file another dataset or a version uses stays
    st, js = v2(s, "POST", "/datasets", {"dataset_name": "friend", "data_sources": [{"data_type": 0, "data_path": "/bkt/friend/"}], "work_path": "/bkt/out/"})
    v2(s, "POST", "/datasets/%s/data-annotations/samples" % js["dataset_id"], {"samples": [{"data_source": {"data_type": 0, "data_path": "/bkt/img/0.jpg"}}]})
    st, js = delete_batch(s, num, [ids["0.jpg"], ids["1.jpg"]])
    t.check("batch delete -> exactly {is_success: true}", st == 200 and js == {"is_success": True}, (st, js))
    left = image_ids(s, num)
    t.eq("the deleted images vanished from the listing", sorted(left), ["2.jpg", "3.jpg"])
    t.eq("... from the tag statistics", v1(s, "GET", "/data-annotations/%s/tags/stats" % num)[1],
         {"tag_count": [{"tag": "cat", "count": 1}, {"tag": "dog", "count": 1}, {"tag": "bird", "count": 1}],
          "tags_stat": [{"has_tag": True, "count": 2}, {"has_tag": False, "count": 0}]})
    t.eq("... from the job's progress", job_of(s, job)["progress_detail"], {"total_count": 2, "has_tag_count": 2, "not_tag_count": 0})
    smp = v2(s, "GET", "/datasets/%s/data-annotations/samples?limit=100" % ds)[1]
    t.eq("... and from the backing dataset's samples (v2)", sorted(x["sample_name"] for x in smp["samples"]), ["2.jpg", "3.jpg"])
    t.check("the file another dataset uses stays; the other goes", "/bkt/img/0.jpg" in files(s) and "/bkt/img/1.jpg" not in files(s), files(s))
    st, js = v2(s, "POST", "/datasets/%s/versions" % ds, {"version_name": "V1"})
    t.eq("a version of the job's dataset", st, 201)
    t.eq("show_images_by_tag lists the versions", [v["version_name"] for v in images(s, num)["versions"]], ["V1"])
    st, js = delete_batch(s, num, [ids["2.jpg"]])
    t.check("an image a version holds is deleted, its file stays for the version", js == {"is_success": True} and
            "/bkt/img/2.jpg" in files(s) and "2.jpg" not in image_ids(s, num), (js, files(s)))


def run_same_state(t, s):
    """Deleting images through a job (v1) and samples through v2 (delete_source=true) on the same data
    give the same state: the same images, samples, labels, statistics and files."""
    states = []
    for project, how in ((PID, "v1"), (PID2, "v2")):
        for i in range(6):
            upload(s, "/bkt/eq/%d.jpg" % i, b"eq-%d" % i, project=project)
        upload(s, "/bkt/shared/s.jpg", b"shared", project=project)
        st, js = create_job(s, "same", "/bkt/eq/", project=project)
        num = js["dls_prj_id"]
        ds = job_of(s, js["job_id"], project=project)["dataset_id"]
        st, js = v2(s, "POST", "/datasets", {"dataset_name": "keeper", "data_sources": [{"data_type": 0, "data_path": "/bkt/keep/"}],
                                             "work_path": "/bkt/out/"}, project=project)
        v2(s, "POST", "/datasets/%s/data-annotations/samples" % js["dataset_id"],
           {"samples": [{"data_source": {"data_type": 0, "data_path": "/bkt/eq/1.jpg"}}]}, project=project)
        ids = image_ids(s, num, project=project)
        modify(s, num, {"images": [{"image_id": ids["%d.jpg" % i], "tags": ["t%d" % (i % 2)]} for i in range(4)]}, project=project)
        gone = [ids[n] for n in ("0.jpg", "1.jpg", "3.jpg")]
        if how == "v1":
            st, js = delete_batch(s, num, gone, project=project)
            ok = js == {"is_success": True}
        else:
            st, js = v2(s, "POST", "/datasets/%s/data-annotations/samples/delete" % ds, {"delete_source": True, "samples": gone}, project=project)
            ok = js.get("success") is True
        t.check("%s delete succeeded" % how, ok, js)
        state = {
            "images": sorted((im["name"], json.dumps(im["tags"])) for im in images(s, num, project=project)["images"]),
            "samples": sorted((x["sample_name"], json.dumps([l["name"] for l in x["labels"]]))
                              for x in v2(s, "GET", "/datasets/%s/data-annotations/samples?limit=100" % ds, project=project)[1]["samples"]),
            "tag stats": v1(s, "GET", "/data-annotations/%s/tags/stats" % num, project=project)[1],
            "progress": job_of(s, job_of_num(s, num, project), project)["progress_detail"],
            "v2 stats": v2(s, "GET", "/datasets/%s/data-annotations/stats" % ds, project=project)[1]["sample_stats"],
            "files": files(s, "/bkt/eq/", project=project) + files(s, "/bkt/shared/", project=project),
        }
        states.append(state)
    for k in states[0]:
        t.eq("v1 image delete and v2 sample delete: the same %s" % k, states[0][k], states[1][k])
    t.eq("the expected state", states[0]["images"], [("2.jpg", '["t0"]'), ("4.jpg", "[]"), ("5.jpg", "[]")])
    t.check("the file another dataset uses stayed in both", "/bkt/eq/1.jpg" in states[0]["files"] and "/bkt/eq/0.jpg" not in states[0]["files"])


def job_of_num(s, num, project=PID):
    for j in jobs(s, project=project)["jobs"]:
        if j["dls_prj_id"] == num:
            return j["id"]
    return None


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
        job, num, ds = run_images(t, s)
        run_detection(t, s)
        run_image_deletes(t, s, job, num, ds)
        run_same_state(t, s)
    finally:
        s.cleanup()
    run_auth(t)
