"""The old SDK's DataAnnotationsApi and LabelApi (spec §10) against the server's v1 paths, with
--auth and AK/SK signing from a config file's "default" context: every method, the answers' fields,
errors as ApiException, and the two documented snippets run as they are written (import lines
changed to annovec.modelarts, ids replaced by ones made here)."""
import os
import subprocess
import sys
import tempfile
import unittest

import support
from annovec.modelarts import ApiException, Files, config
from annovec.modelarts.client import *        # noqa: F401,F403  LabelApi, DataAnnotationsApi, ApiException
from annovec.modelarts.client.api import *    # noqa: F401,F403

SNIPPET_DELETE_IMAGES = '''from annovec.modelarts import config
from annovec.modelarts.client.api import *
client = config.create_client(context="default")
dasApi = DataAnnotationsApi(client)
body = {"image_id": ["%(img1)s", "%(img2)s"]}
dasApi.delete_selected_images(project_id="%(project)s", data_annotation_id="%(dls)s", body=body)
'''

SNIPPET_DELETE_JOB = '''from annovec.modelarts import config
from annovec.modelarts.client import *
client = config.create_client(context="default")
labelapi = LabelApi(client)
labelapi.delete_label_job(project_id='%(project)s', job_id='%(job)s')
'''


class OldSdk(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pid, cls.ak, cls.sk = support.aksk("sdk_v1")
        cls.other_pid, cls.other_tok = support.token("sdk_v1_other")
        cls.dir = tempfile.mkdtemp(prefix="annovec-sdk-v1-")
        cls.cfg = os.path.join(cls.dir, "config")
        with open(cls.cfg, "w") as f:
            f.write("[default]\nendpoint = %s\nak = %s\nsk = %s\n" % (support.endpoint(), cls.ak, cls.sk))
        cls.client = config.create_client(context="default", config_file=cls.cfg)
        cls.das = DataAnnotationsApi(cls.client)
        cls.labels = LabelApi(cls.client)
        cls.files = Files(cls.client, cls.pid)

    def err(self, call, code, status=400):
        with self.assertRaises(ApiException) as cm:
            call()
        e = cm.exception
        self.assertEqual((e.status, e.error_code), (status, code), str(e))
        self.assertTrue(e.error_msg)
        return e

    def run_snippet(self, text, **ids):
        env = dict(support.clean_env(), ANNOVEC_CONFIG=self.cfg, PYTHONPATH=support.SDK)
        out = subprocess.run([sys.executable, "-c", text % ids], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)

    def new_job(self, name, n_images, jtype="Manual Image classify"):
        d = "/%s/in/" % name
        for i in range(n_images):
            self.files.upload("%simg%d.jpg" % (d, i), b"image %s %d" % (name.encode(), i))
        job = self.labels.create_label_job(project_id=self.pid, body={"name": name, "description": "d", "data_type": "OBS", "path": d, "type": jtype})
        return job

    def image_ids(self, dls, **q):
        return sorted(i.image_id for i in self.das.show_images_by_tag(project_id=self.pid, data_annotation_id=dls, per_page=100, **q).images)

    def test_snippet_delete_selected_images(self):
        job = self.new_job("snipimg", 3)
        ids = self.image_ids(job.dls_prj_id)
        self.assertEqual(len(ids), 3)
        self.run_snippet(SNIPPET_DELETE_IMAGES, img1=ids[0], img2=ids[1], project=self.pid, dls=job.dls_prj_id)
        self.assertEqual(self.image_ids(job.dls_prj_id), [ids[2]])

    def test_snippet_delete_label_job(self):
        job = self.new_job("snipjob", 1)
        names = [j.name for j in self.labels.query_label_jobs(project_id=self.pid, limit=100).jobs]
        self.assertIn("snipjob", names)
        self.run_snippet(SNIPPET_DELETE_JOB, project=self.pid, job=job.job_id)
        names = [j.name for j in self.labels.query_label_jobs(project_id=self.pid, limit=100).jobs]
        self.assertNotIn("snipjob", names)

    def test_every_method(self):
        job = self.new_job("every", 3)
        self.assertEqual(len(job.job_id), 36)
        dls = job.dls_prj_id
        self.assertTrue(str(dls).isdigit(), job)
        listed = [j for j in self.labels.query_label_jobs(project_id=self.pid, offset=0, limit=100, sort_by="create_time", order="desc",
                                                          search_content="every").jobs]
        self.assertEqual([(j.id, j.dls_prj_id, j.path, j.type) for j in listed], [(job.job_id, dls, "/every/in/", "Manual Image classify")])
        self.assertEqual(listed[0].progress_detail.total_count, 3)
        self.assertEqual(self.labels.mod_label_job(project_id=self.pid, job_id=job.job_id, body={"name": "every2", "description": "x"}).job_id, job.job_id)
        self.assertEqual([j.name for j in self.labels.query_label_jobs(project_id=self.pid, search_content="every").jobs], ["every2"])

        page = self.das.show_images_by_tag(project_id=self.pid, data_annotation_id=dls, tag_name="__none__", per_page=2, page=0)
        self.assertIs(page.is_success, True)
        self.assertEqual((page.total_count, len(page.images), page.data_path), (3, 2, "/every/in/"))
        ids = self.image_ids(dls)
        r = self.das.modify_image_info(project_id=self.pid, data_annotation_id=dls,
                                       body={"images": [{"image_id": ids[0], "tags": ["cat"]}, {"image_id": ids[1], "tags": ["cat", "dog"]}], "size": [4, 3]})
        self.assertIs(r.is_success, True)
        one = self.das.get_image_info_by_id(project_id=self.pid, data_annotation_id=dls, image_id=ids[0])
        self.assertEqual((one.tags, one.size), (["cat"], [4, 3]))
        many = self.das.get_image_info_by_ids(project_id=self.pid, data_annotation_id=dls, body={"image_id": [ids[0], ids[1]]})
        self.assertEqual(sorted(sorted(x.tags) for x in many.images_tags), [["cat"], ["cat", "dog"]])
        self.assertEqual(sorted(self.das.query_tag_list(project_id=self.pid, data_annotation_id=dls).tags), ["cat", "dog"])
        st = self.das.get_tag_statistics(project_id=self.pid, data_annotation_id=dls)
        self.assertEqual(sorted((x.tag, x["count"]) for x in st.tag_count), [("cat", 2), ("dog", 1)])
        self.assertEqual(self.image_ids(dls, tag_name="dog"), [ids[1]])
        self.assertEqual(self.image_ids(dls, tag_name="__none__"), [ids[2]])

        r = self.das.delete_selected_image(project_id=self.pid, data_annotation_id=dls, image_id=ids[2])
        self.assertNotIn("error_code", r)
        self.assertEqual(self.image_ids(dls), ids[:2])
        r = self.das.delete_selected_images(project_id=self.pid, data_annotation_id=dls, body={"image_id": [ids[0]]})
        self.assertEqual(r, {"is_success": True})          # error fields only on failure
        self.assertIs(r.is_success, True)

        self.files.upload("/every/in/late.jpg", b"late image")
        self.assertEqual(self.das.sync_obs(project_id=self.pid, data_annotation_id=dls).is_success, True)
        self.assertEqual(self.das.sync_obs_status(project_id=self.pid, data_annotation_id=dls).sync_status, 1)
        self.assertEqual(len(self.image_ids(dls)), 2)    # ids[1] and late.jpg (deleted ones do not come back)

        self.assertEqual(self.labels.save_validation(project_id=self.pid, job_id=job.job_id, body={"pass_rate": 0.9}).pass_rate, 0.9)
        self.assertEqual(self.labels.query_validation(project_id=self.pid, job_id=job.job_id).pass_rate, 0.9)

        r = self.labels.delete_label_job(project_id=self.pid, job_id=job.job_id)
        self.assertEqual(r, {"job_id": job.job_id})        # error fields only on failure
        self.assertEqual(r.job_id, job.job_id)

    def test_errors(self):
        job = self.new_job("errs", 1)
        dls = job.dls_prj_id
        img = self.image_ids(dls)[0]
        e = self.err(lambda: self.das.delete_selected_images(project_id=self.pid, data_annotation_id=dls, body={"image_id": [img, "0" * 32]}), "ModelArts.4420")
        self.assertIs(e.body.is_success, False)
        self.assertEqual(self.image_ids(dls), [img])       # all or nothing
        self.err(lambda: self.das.delete_selected_image(project_id=self.pid, data_annotation_id=dls, image_id="0" * 32), "ModelArts.4420")
        self.err(lambda: self.das.get_image_info_by_id(project_id=self.pid, data_annotation_id=dls, image_id="0" * 32), "ModelArts.4420")
        self.err(lambda: self.das.query_tag_list(project_id=self.pid, data_annotation_id="999999"), "ModelArts.4338")
        self.err(lambda: self.das.show_images_by_tag(project_id=self.pid, data_annotation_id=dls, per_page=1000), "ModelArts.0107")
        self.err(lambda: self.das.delete_selected_images(project_id=self.pid, data_annotation_id=dls, body={"image_id": "notalist"}), "ModelArts.0107")
        ghost = "00000000-0000-4000-8000-000000000000"
        e = self.err(lambda: self.labels.delete_label_job(project_id=self.pid, job_id=ghost), "ModelArts.4338")
        self.assertEqual(e.body.job_id, ghost)
        self.err(lambda: self.labels.mod_label_job(project_id=self.pid, job_id=ghost, body={"name": "x"}), "ModelArts.4338")
        self.err(lambda: self.labels.create_label_job(project_id=self.pid, body={"name": "nopath", "type": "Manual Image classify"}), "ModelArts.0107")
        self.err(lambda: self.labels.save_validation(project_id=self.pid, job_id=job.job_id, body={"pass_rate": 2}), "ModelArts.0107")
        # credentials
        bad = config.create_client(endpoint=support.endpoint(), ak=self.ak, sk="0" * 40, config_file=self.cfg)
        self.err(lambda: LabelApi(bad).query_label_jobs(project_id=self.pid), "ModelArts.0203", 401)
        other = config.create_client(endpoint=support.endpoint(), token=self.other_tok, config_file=self.cfg)
        self.err(lambda: LabelApi(other).delete_label_job(project_id=self.pid, job_id=job.job_id), "ModelArts.0210", 403)
        self.err(lambda: DataAnnotationsApi(other).delete_selected_images(project_id=self.pid, data_annotation_id=dls, body={"image_id": [img]}),
                 "ModelArts.0210", 403)
        self.assertEqual(self.image_ids(dls), [img])       # nothing deleted by the refused calls
        self.assertIn("errs", [j.name for j in self.labels.query_label_jobs(project_id=self.pid, limit=100).jobs])
