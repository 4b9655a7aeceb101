"""The Dataset helper's team labeling calls (W1-W6) against the real --auth server, signed with AK/SK."""
import unittest

import support
from annovec.modelarts import ApiException, Dataset, config


class WorkforceTasks(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.pid, ak, sk = support.aksk("sdk_workforce")
        cls.c = config.create_client(endpoint=support.endpoint(), ak=ak, sk=sk, project_id=cls.pid, config_file="/nonexistent")

    def err(self, call, code, status=400):
        with self.assertRaises(ApiException) as cm:
            call()
        self.assertEqual((cm.exception.status, cm.exception.error_code), (status, code), str(cm.exception))

    def test_lifecycle(self):
        ds = Dataset.create(self.c, "teams", data_path="/teams/in/", work_path="/teams/out/")
        sid = ds.add_samples([{"name": "a.jpg", "data": b"a"}]).results[0].info
        cfg = Dataset.workforces(("teamA", ["a@example.com", ("b@example.com", 1)]), agency="acme")
        self.assertEqual(cfg, {"agency": "acme", "workforces": [{"workforce_id": "teamA", "workers": [
            {"email": "a@example.com"}, {"email": "b@example.com", "role": 1}]}]})
        tid = ds.create_workforce_task("label_me", cfg, repetition=2, auto_sync_dataset=False).task_id
        t = ds.get_workforce_task(tid)
        self.assertEqual((t.task_name, t.status, t.repetition, t.auto_sync_dataset), ("label_me", 6, 2, False))
        self.assertEqual(t.workforce_stats, {"workforce_count": 1, "labeler_count": 1, "reviewer_count": 1})
        self.assertEqual(t.sample_stats.total_sample_count, 1)
        self.assertEqual(ds.start_workforce_task(tid), {})
        self.assertEqual(ds.get_workforce_task(tid).status, 1)
        self.assertEqual(ds.update_workforce_task(tid, task_name="renamed", workforces_config=Dataset.workforces(("t2", ["z@example.com"]))), {})
        listed = ds.list_workforce_tasks(limit=10)
        self.assertEqual((listed.count, [x.task_name for x in listed.tasks]), (1, ["renamed"]))
        self.assertEqual(listed.tasks[0].workforces_config.workforces[0].workers, [{"email": "z@example.com", "role": 0}])
        self.assertEqual("label_stats" in ds.get_workforce_task(tid, label_stats=True, sample_stats=False), True)
        self.assertEqual(ds.delete_workforce_task(tid), {})
        self.assertEqual([s.sample_id for s in ds.list_samples().samples], [sid])   # the samples stay
        self.err(lambda: ds.get_workforce_task(tid), "ModelArts.4619")
        self.err(lambda: ds.delete_workforce_task(tid), "ModelArts.4619")
        self.err(lambda: ds.create_workforce_task("bad name", cfg), "ModelArts.0107")
        self.err(lambda: ds.create_workforce_task("no_workers", {"workforces": []}), "ModelArts.0107")
        self.err(lambda: Dataset(self.c, "AAAAAAAAAAAAAAAAAAA").list_workforce_tasks(), "ModelArts.4352")
        self.assertEqual(ds.list_workforce_tasks().count, 0)
        ds.delete()
