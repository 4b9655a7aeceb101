"""Huawei SDK-HMAC-SHA256 request signing (the AK/SK scheme of Huawei Cloud APIs, which annovec's
ModelArts dialect verifies with the pairs made by `annovec key create`):

  CanonicalRequest = Method \\n CanonicalURI \\n CanonicalQuery \\n CanonicalHeaders \\n SignedHeaders \\n hex(sha256(body))
  StringToSign     = "SDK-HMAC-SHA256" \\n X-Sdk-Date \\n hex(sha256(CanonicalRequest))
  Signature        = hex(HMAC-SHA256(SK, StringToSign))        (no key derivation)
  Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<a;b;c>, Signature=<hex>

CanonicalURI: every path segment percent-encoded (RFC 3986 unreserved characters kept) and a
trailing "/" added; CanonicalQuery: pairs sorted by name then value, both encoded the same way,
"name=value" joined by "&"; CanonicalHeaders: "lowercase-name:value\\n" per signed header, sorted.
"""
import datetime
import hashlib
import hmac
import urllib.parse

ALGORITHM = "SDK-HMAC-SHA256"
_SAFE = "-_.~"


def encode(s):
    """RFC 3986 encoding: A-Z a-z 0-9 - _ . ~ kept, everything else %XX (upper case) of its UTF-8 bytes."""
    return urllib.parse.quote(s, safe=_SAFE)


def canonical_uri(path):
    uri = urllib.parse.quote(path, safe="/" + _SAFE)
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(pairs):
    """pairs: (name, value) strings, not encoded."""
    items = sorted(((str(k), str(v)) for k, v in pairs), key=lambda kv: (kv[0].encode(), kv[1].encode()))
    return "&".join("%s=%s" % (encode(k), encode(v)) for k, v in items)


def sdk_date(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ")


def canonical_request(method, path, pairs, headers, signed, body):
    lower = {k.lower(): str(v) for k, v in headers.items()}
    return "\n".join([method.upper(), canonical_uri(path), canonical_query(pairs),
                      "".join("%s:%s\n" % (n, lower[n].strip()) for n in signed), ";".join(signed),
                      hashlib.sha256(body or b"").hexdigest()])


def sign(ak, sk, method, path, pairs, headers, body, now=None):
    """Adds X-Sdk-Date and Authorization to headers (a dict that must already hold Host and, when
    there is a body, Content-Type) and returns it. path is the decoded path ("/v2/p/datasets"),
    pairs the decoded query pairs, body the exact bytes sent."""
    headers["X-Sdk-Date"] = sdk_date(now)
    signed = sorted(k.lower() for k in headers if k.lower() != "authorization")
    creq = canonical_request(method, path, pairs, headers, signed, body)
    to_sign = "%s\n%s\n%s" % (ALGORITHM, headers["X-Sdk-Date"], hashlib.sha256(creq.encode()).hexdigest())
    sig = hmac.new(sk.encode(), to_sign.encode(), hashlib.sha256).hexdigest()
    headers["Authorization"] = "%s Access=%s, SignedHeaders=%s, Signature=%s" % (ALGORITHM, ak, ";".join(signed), sig)
    return headers
