"""ApiClient: one HTTP call to the server — URL building, JSON bodies, X-Auth-Token or
SDK-HMAC-SHA256 signing, answers as Answer objects, every failure as ApiException."""
import http.client
import json
import ssl
import urllib.parse

from .. import signer
from ..answer import wrap
from ..exceptions import ApiException, ConfigError


def _qvalue(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (dict, list)):
        return json.dumps(v, separators=(",", ":"), ensure_ascii=False)
    return str(v)


def query_pairs(query):
    """(name, value) strings from a dict (None values left out; lists repeat the name) or pairs."""
    if not query:
        return []
    items = query.items() if isinstance(query, dict) else query
    out = []
    for k, v in items:
        if v is None:
            continue
        if isinstance(v, (list, tuple)) and k != "search_conditions":
            out.extend((k, _qvalue(x)) for x in v)
        else:
            out.append((k, _qvalue(v)))
    return out


def segment(value):
    """A path parameter, checked and kept as text (it is percent-encoded on the wire)."""
    if value is None or value == "":
        raise ValueError("a path parameter is missing (None or empty)")
    return str(value)


class ApiClient:
    """What config.create_client returns; DataAnnotationsApi, LabelApi and Dataset call through it."""

    def __init__(self, configuration):
        self.configuration = configuration
        u = urllib.parse.urlsplit(configuration.endpoint)
        self.scheme = u.scheme
        self.host = u.hostname or "127.0.0.1"
        self.port = u.port or (443 if u.scheme == "https" else 80)
        self.prefix = u.path.rstrip("/")
        default_port = (u.scheme == "https" and self.port == 443) or (u.scheme == "http" and self.port == 80)
        self.host_header = (("[%s]" % self.host) if ":" in self.host else self.host) + ("" if default_port else ":%d" % self.port)

    @property
    def project_id(self):
        return self.configuration.project_id

    def require_project(self, project_id=None):
        pid = project_id or self.configuration.project_id
        if not pid:
            raise ConfigError("no project_id: pass project_id=, set ANNOVEC_PROJECT_ID or project_id in the config file")
        return pid

    def _connection(self):
        if self.scheme == "https":
            ctx = ssl.create_default_context()
            if not self.configuration.verify_ssl:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.configuration.timeout, context=ctx)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.configuration.timeout)

    def call(self, method, path, query=None, body=None, raw=None, content_type="application/json", want_bytes=False, headers=None):
        """Sends one request. path is the decoded path after the endpoint ("/v2/<p>/datasets"),
        query a dict or pairs, body a JSON value (or raw the exact bytes). Returns the answer as an
        Answer ({} for an empty body), or bytes with want_bytes; raises ApiException otherwise."""
        full = self.prefix + path
        pairs = query_pairs(query)
        if raw is None and body is not None:
            raw = json.dumps(body, ensure_ascii=False).encode("utf-8")
        data = raw if raw is not None else b""
        h = {"Host": self.host_header}
        if raw is not None:
            h["Content-Type"] = content_type
        cfg = self.configuration
        if cfg.token:
            h["X-Auth-Token"] = cfg.token
        if cfg.security_token:
            h["X-Security-Token"] = cfg.security_token
        if cfg.ak:
            signer.sign(cfg.ak, cfg.sk, method, full, pairs, h, data)
        h["Accept"] = "application/json"
        h.update(headers or {})
        url = urllib.parse.quote(full, safe="/-_.~")
        if pairs:
            url += "?" + "&".join("%s=%s" % (signer.encode(k), signer.encode(v)) for k, v in pairs)
        conn = self._connection()
        try:
            conn.request(method, url, body=data if raw is not None else None, headers=h)
            resp = conn.getresponse()
            payload = resp.read()
            status = resp.status
            ctype = resp.getheader("Content-Type", "") or ""
        except (OSError, http.client.HTTPException) as e:
            raise ApiException(0, None, "no answer from %s: %s" % (cfg.endpoint, e), None, method, url) from None
        finally:
            conn.close()
        if 200 <= status < 300 and want_bytes:
            return payload
        text = payload.decode("utf-8", "replace")
        parsed = None
        if text.strip():
            try:
                parsed = json.loads(text)
            except ValueError:
                if 200 <= status < 300:
                    raise ApiException(status, None, "the answer is not JSON (%s): %.200s" % (ctype or "no Content-Type", text), text, method, url) from None
        if not 200 <= status < 300:
            code = msg = None
            if isinstance(parsed, dict):
                code = parsed.get("error_code") or parsed.get("code")
                msg = parsed.get("error_msg") or parsed.get("message")
            raise ApiException(status, None if code is None else str(code), msg or text.strip() or "HTTP %d" % status,
                               wrap(parsed) if parsed is not None else text, method, url)
        return wrap(parsed if parsed is not None else {})

    def __repr__(self):
        return "ApiClient(%r)" % (self.configuration,)
