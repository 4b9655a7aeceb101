"""SDK-HMAC-SHA256: the spec's test vector (specs/modelarts.md §9), and the server's verdict on
what the signer produces is in test_auth."""
import datetime
import hashlib
import unittest

import support  # noqa: F401  (puts the SDK on sys.path)
from annovec.modelarts import signer

VECTOR_HEADERS = {"Content-Type": "application/json", "Host": "service.region.example.com"}
NOW = datetime.datetime(2019, 11, 15, 3, 36, 55, tzinfo=datetime.timezone.utc)
PATH = "/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs"
QUERY = [("marker", "13551d6b-755d-4757-b956-536f674975c0"), ("limit", "2")]


class SignerVector(unittest.TestCase):
    def test_canonical_request_of_the_spec_vector(self):
        h = dict(VECTOR_HEADERS, **{"X-Sdk-Date": "20191115T033655Z"})
        creq = signer.canonical_request("GET", PATH, QUERY, h, ["content-type", "host", "x-sdk-date"], b"")
        self.assertEqual(creq, "GET\n/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/\nlimit=2&marker=13551d6b-755d-4757-b956-536f674975c0\n"
                               "content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n\n"
                               "content-type;host;x-sdk-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        self.assertEqual(hashlib.sha256(creq.encode()).hexdigest(), "b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a")

    def test_signature_and_header_of_the_spec_vector(self):
        h = signer.sign("QTWAOYTTINDUT2QVKYUC", "MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc", "GET", PATH, QUERY, dict(VECTOR_HEADERS), b"", now=NOW)
        self.assertEqual(h["X-Sdk-Date"], "20191115T033655Z")
        self.assertEqual(h["Authorization"], "SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, "
                                             "Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe")

    def test_encoding_of_paths_and_queries(self):
        self.assertEqual(signer.canonical_uri("/a b/c+d/é"), "/a%20b/c%2Bd/%C3%A9/")
        self.assertEqual(signer.canonical_uri("/x/"), "/x/")
        self.assertEqual(signer.canonical_query([("b", "2"), ("a", "x y"), ("a", "1"), ("e", "")]), "a=1&a=x%20y&b=2&e=")

    def test_the_body_is_signed(self):
        a = signer.sign("AK", "SK", "POST", "/p", [], dict(VECTOR_HEADERS), b'{"a":1}', now=NOW)["Authorization"]
        b = signer.sign("AK", "SK", "POST", "/p", [], dict(VECTOR_HEADERS), b'{"a":2}', now=NOW)["Authorization"]
        self.assertNotEqual(a, b)
