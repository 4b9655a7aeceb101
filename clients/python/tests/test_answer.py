"""Answers: dicts with attribute access, nested."""
import json
import unittest

import support  # noqa: F401
from annovec.modelarts.answer import Answer, wrap
from annovec.modelarts import ApiException


class Answers(unittest.TestCase):
    def test_keys_and_attributes_nested(self):
        r = wrap({"is_success": True, "a": {"b": [{"c": 1}, 2]}})
        self.assertIsInstance(r, dict)
        self.assertIs(r["is_success"], True)
        self.assertIs(r.is_success, True)
        self.assertEqual(r.a.b[0].c, 1)
        self.assertEqual(r["a"]["b"][1], 2)
        self.assertEqual(json.loads(json.dumps(r)), {"is_success": True, "a": {"b": [{"c": 1}, 2]}})
        self.assertEqual(type(r.to_dict()["a"]), dict)

    def test_a_missing_field_raises(self):
        r = Answer(x=1)
        with self.assertRaises(AttributeError):
            r.y
        with self.assertRaises(KeyError):
            r["y"]

    def test_the_exception_carries_its_fields(self):
        e = ApiException(400, "ModelArts.4352", "Dataset does not exist")
        self.assertEqual((e.status, e.error_code, e.error_msg), (400, "ModelArts.4352", "Dataset does not exist"))
        self.assertIn("ModelArts.4352", str(e))
