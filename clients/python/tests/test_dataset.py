"""The v2 Dataset helper against the real server: create (importing what is under data_path),
import_files, add/list/get/update/delete samples with delete_source, labels, versions, stats,
Files, and the errors (unknown ids, bad input) as ApiException with their codes."""
import unittest

import support
from annovec.modelarts import ApiException, Dataset, Files, config

GIF = bytes.fromhex("47494638396101000100800000ffffff00000021f90401000000002c00000000010001000002024401003b")


class DatasetHelper(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pid, cls.tok = support.token("sdk_dataset")
        cls.c = config.create_client(endpoint=support.endpoint(), token=cls.tok, project_id=cls.pid, config_file="/nonexistent")
        cls.files = Files(cls.c)

    def err(self, call, code, status=400):
        with self.assertRaises(ApiException) as cm:
            call()
        self.assertEqual((cm.exception.status, cm.exception.error_code), (status, code), str(cm.exception))
        return cm.exception

    def test_lifecycle(self):
        self.assertEqual(self.files.upload("/life/in/cat.gif", GIF), {"path": "/life/in/cat.gif", "size": len(GIF)})
        ds = Dataset.create(self.c, "life", data_path="/life/in/", work_path="/life/out/", labels=[{"name": "cat", "type": 0}])
        self.assertEqual(ds.created.dataset_id, ds.dataset_id)
        info = ds.info()
        self.assertEqual((info.dataset_name, info.status, info.labels[0].name), ("life", 1, "cat"))
        self.assertEqual(ds.stats().sample_stats.total, 1)                     # cat.gif imported at create

        r = ds.import_files({"dog.gif": b"dog bytes", "cow.gif": b"cow bytes"}, labels=[{"name": "cat"}])
        self.assertTrue(r.success, r)
        self.assertEqual([x.name for x in r.results], ["/life/in/dog.gif", "/life/in/cow.gif"])
        dog, cow = r.results[0].info, r.results[1].info
        self.assertEqual(self.files.download("/life/in/dog.gif"), b"dog bytes")

        r = ds.add_samples([{"name": "raw.gif", "data": b"\x00\x01raw"}, {"name": "b64.gif", "data": "aGVsbG8="}])
        raw = r.results[0].info
        self.assertEqual(self.files.download("/life/in/raw.gif"), b"\x00\x01raw")
        self.assertEqual(self.files.download("/life/in/b64.gif"), b"hello")
        listed = ds.list_samples(limit=100)
        self.assertEqual(listed.sample_count, 5)
        self.assertEqual(ds.list_samples(sample_state="__ALL__").sample_count, 2)   # the two imported with a label
        self.assertEqual(ds.get_sample(dog).labels[0].name, "cat")
        self.assertEqual(ds.update_samples([{"sample_id": raw, "labels": [{"name": "cat"}]}]).success, True)
        self.assertEqual(ds.list_samples(label_name="cat").sample_count, 3)

        v = ds.create_version(version_name="first")
        self.assertEqual(ds.get_version(v.version_id).version_name, "first")
        self.assertEqual([x.version_id for x in ds.list_versions().versions], [v.version_id])

        # dog's file is in the version: delete_source keeps it until the version goes
        r = ds.delete_samples([dog], delete_source=True)
        self.assertTrue(r.success, r)
        self.assertIn("/life/in/dog.gif", [f.path for f in self.files.list("/life/in/").files])
        self.assertEqual(ds.stats().sample_stats.total, 4)
        # cow deleted without its source: the file stays
        self.assertEqual(ds.delete_samples([cow]), {"success": True})
        self.assertIn("/life/in/cow.gif", [f.path for f in self.files.list("/life/in/").files])
        self.assertEqual(ds.delete_version(v.version_id), {})
        self.assertNotIn("/life/in/dog.gif", [f.path for f in self.files.list("/life/in/").files])
        self.err(lambda: ds.get_version(v.version_id), "ModelArts.4353")

        # a source used by nothing else goes at once
        ds.delete_samples([raw], delete_source=True)
        self.err(lambda: self.files.download("/life/in/raw.gif"), "ModelArts.4345")

        ds.create_labels([{"name": "dog", "type": 0}])
        self.assertEqual(sorted(l.name for l in ds.list_labels().labels), ["cat", "dog"])
        self.assertEqual(ds.delete_labels(["dog"]).success, True)
        self.assertEqual([l.name for l in ds.list_labels().labels], ["cat"])
        self.assertEqual(ds.delete(), {})
        self.err(ds.info, "ModelArts.4352")
        self.assertEqual(self.files.delete("/life/in/cow.gif"), {})

    def test_partial_delete_answers_per_id_results(self):
        ds = Dataset.create(self.c, "partial", data_path="/part/in/", work_path="/part/out/")
        sid = ds.add_samples([{"name": "a.gif", "data": GIF}]).results[0].info
        r = ds.delete_samples(["0" * 32, sid])
        self.assertIs(r.success, False)
        self.assertEqual(r.error_code, "ModelArts.4420")
        self.assertEqual([x.success for x in r.results], [False, True])
        self.assertEqual(r.results[0].error_code, "ModelArts.4420")
        self.assertEqual(ds.list_samples().sample_count, 0)
        ds.delete()

    def test_unknown_ids(self):
        ghost = Dataset(self.c, "AAAAAAAAAAAAAAAAAAA")
        self.err(ghost.info, "ModelArts.4352")
        self.err(ghost.stats, "ModelArts.4352")
        self.err(lambda: ghost.delete_samples(["0" * 32]), "ModelArts.4352")
        ds = Dataset.create(self.c, "unknowns", data_path="/unk/in/", work_path="/unk/out/")
        self.err(lambda: ds.get_sample("f" * 32), "ModelArts.4420")
        self.err(lambda: ds.get_version("BBBBBBBBBBBBBBBBBBB"), "ModelArts.4353")
        self.err(lambda: ds.update_samples([{"sample_id": "e" * 32, "labels": []}]), "ModelArts.4420")
        self.err(lambda: ds.delete_label("nolabel"), "ModelArts.4410")
        ds.delete()

    def test_bad_input(self):
        e = self.err(lambda: Dataset.create(self.c, "has space", data_path="/b/in/", work_path="/b/out/"), "ModelArts.0107")
        self.assertIn("dataset name", e.error_msg)
        self.err(lambda: Dataset.create(self.c, "inside", data_path="/b/in/", work_path="/b/in/out/"), "ModelArts.4205")
        self.err(lambda: Dataset.list(self.c, limit=0), "ModelArts.0107")
        ds = Dataset.create(self.c, "badinput", data_path="/bad/in/", work_path="/bad/out/")
        self.err(lambda: ds.add_samples([{"name": "x.gif"}]), "ModelArts.0107")
        self.err(lambda: ds.add_samples([{"name": "big.gif", "data": b"x" * 12582913}]), "ModelArts.4656")
        self.err(lambda: ds.delete_labels(["x"], delete_policy=7), "ModelArts.0107")
        self.assertEqual(ds.list_samples().sample_count, 0)
        self.err(lambda: Dataset.create(self.c, "badinput", data_path="/bad/in/", work_path="/bad/out/"), "ModelArts.4351")
        self.assertEqual(Dataset.list(self.c, search_content="badinput").total_number, 1)
        ds.delete()
        with self.assertRaises(ValueError):
            Dataset(self.c, "")
