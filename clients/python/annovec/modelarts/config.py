"""Configuration of a client: where the server is and which credentials to send.

    from annovec.modelarts import config
    client = config.create_client(context="default")

Every setting comes from the first of:
  1. the arguments of create_client (endpoint=, token= or ak= + sk=, project_id=);
  2. the environment: ANNOVEC_ENDPOINT, ANNOVEC_TOKEN or ANNOVEC_AK + ANNOVEC_SK, ANNOVEC_PROJECT_ID;
  3. the context (a section) of the config file: the one named by context= (else ANNOVEC_CONTEXT,
     else "default") in the file config_file= (else ANNOVEC_CONFIG, else ~/.annovec/config).
Credentials are taken as a whole from one place (a token, or an AK and an SK), never mixed.
The file is INI:

    [default]
    endpoint = http://127.0.0.1:19530
    project_id = 3794b0c4b33f8ca4ffc2df451700986e
    ak = AKAV1234206C2A0E59BFFE110D77
    sk = b9a6e925f140c55e846a47eeab6991ebbf61bf69

    [team_b]
    endpoint = https://annovec.example.com
    token = avt_b3e379f3144a_7a062dcc29da88edce183f9bf2f800881a8d3746

Without any endpoint the client talks to http://127.0.0.1:19530, without credentials it sends none
(a server without --auth). Naming a context that the file does not have raises ConfigError (the
"default" context may be absent).
"""
import configparser
import os

from .exceptions import ConfigError

DEFAULT_ENDPOINT = "http://127.0.0.1:19530"
DEFAULT_CONTEXT = "default"
KEYS = ("endpoint", "project_id", "token", "ak", "sk", "security_token", "timeout", "verify_ssl")


def default_config_file():
    return os.environ.get("ANNOVEC_CONFIG") or os.path.join(os.path.expanduser("~"), ".annovec", "config")


class Config:
    """The resolved settings of one client (see the module's doc for where each comes from)."""

    def __init__(self, endpoint=DEFAULT_ENDPOINT, project_id=None, token=None, ak=None, sk=None,
                 security_token=None, timeout=60.0, verify_ssl=True, context=None, sources=None):
        self.endpoint = endpoint.rstrip("/")
        self.project_id = project_id
        self.token = token
        self.ak = ak
        self.sk = sk
        self.security_token = security_token
        self.timeout = float(timeout)
        self.verify_ssl = verify_ssl
        self.context = context
        self.sources = sources or {}   # setting -> "argument" | "environment" | "<file> [context]" | "default"

    @property
    def auth(self):
        """"token", "aksk" or None."""
        return "token" if self.token else "aksk" if self.ak else None

    def __repr__(self):
        return "Config(endpoint=%r, project_id=%r, auth=%r, context=%r)" % (self.endpoint, self.project_id, self.auth, self.context)


def read_context(path, context, required):
    """The settings of one section of the INI file at path ({} when the file or, for the default
    context, the section is absent)."""
    if not os.path.exists(path):
        if required:
            raise ConfigError("context %r requested but the config file %s does not exist" % (context, path))
        return {}
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with open(path, encoding="utf-8") as f:
            parser.read_file(f)
    except (configparser.Error, UnicodeDecodeError) as e:
        raise ConfigError("config file %s is not valid: %s" % (path, e)) from None
    if not parser.has_section(context):
        if required:
            raise ConfigError("config file %s has no context %r (it has: %s)" % (path, context, ", ".join(parser.sections()) or "none"))
        return {}
    section = dict(parser.items(context))
    unknown = sorted(set(section) - set(KEYS))
    if unknown:
        raise ConfigError("config file %s, context %r: unknown setting(s) %s (known: %s)" % (path, context, ", ".join(unknown), ", ".join(KEYS)))
    return section


def _creds(d):
    """(token, ak, sk) from a mapping with token/ak/sk keys, or None when it has none."""
    token, ak, sk = d.get("token"), d.get("ak"), d.get("sk")
    if token and (ak or sk):
        raise ConfigError("give either a token or an AK/SK pair, not both")
    if bool(ak) != bool(sk):
        raise ConfigError("an AK needs its SK (and an SK its AK)")
    return (token, None, None) if token else (None, ak, sk) if ak else None


def resolve(context=None, endpoint=None, token=None, ak=None, sk=None, project_id=None, config_file=None,
            security_token=None, timeout=None, verify_ssl=None, environ=None):
    env = os.environ if environ is None else environ
    context = context or env.get("ANNOVEC_CONTEXT") or DEFAULT_CONTEXT
    path = config_file or env.get("ANNOVEC_CONFIG") or os.path.join(os.path.expanduser("~"), ".annovec", "config")
    filed = read_context(path, context, required=context != DEFAULT_CONTEXT)
    where = "%s [%s]" % (path, context)
    sources = {}

    def pick(name, arg, env_name):
        if arg is not None:
            sources[name] = "argument"
            return arg
        if env_name and env.get(env_name):
            sources[name] = "environment"
            return env[env_name]
        if filed.get(name):
            sources[name] = where
            return filed[name]
        return None

    ep = pick("endpoint", endpoint, "ANNOVEC_ENDPOINT")
    if ep is None:
        ep, sources["endpoint"] = DEFAULT_ENDPOINT, "default"
    if not (ep.startswith("http://") or ep.startswith("https://")):
        raise ConfigError("endpoint %r must start with http:// or https://" % ep)
    pid = pick("project_id", project_id, "ANNOVEC_PROJECT_ID")
    creds, src = None, None
    for candidate, label in (({"token": token, "ak": ak, "sk": sk}, "argument"),
                             ({"token": env.get("ANNOVEC_TOKEN"), "ak": env.get("ANNOVEC_AK"), "sk": env.get("ANNOVEC_SK")}, "environment"),
                             (filed, where)):
        creds = _creds(candidate)
        if creds:
            src = label
            break
    tok, a, s = creds or (None, None, None)
    if src:
        sources["credentials"] = src
    st = pick("security_token", security_token, "ANNOVEC_SECURITY_TOKEN")
    to = pick("timeout", timeout, None)
    vs = pick("verify_ssl", verify_ssl, None)
    if isinstance(vs, str):
        vs = vs.strip().lower() not in ("0", "false", "no", "off")
    try:
        to = float(to) if to is not None else 60.0
    except ValueError:
        raise ConfigError("timeout %r is not a number" % to) from None
    return Config(endpoint=ep, project_id=pid, token=tok, ak=a, sk=s, security_token=st, timeout=to,
                  verify_ssl=True if vs is None else vs, context=context, sources=sources)


def create_client(context=None, endpoint=None, token=None, ak=None, sk=None, project_id=None, config_file=None,
                  security_token=None, timeout=None, verify_ssl=None):
    """A client for DataAnnotationsApi, LabelApi and Dataset; see the module's doc for the lookup order."""
    from .client.api_client import ApiClient
    return ApiClient(resolve(context=context, endpoint=endpoint, token=token, ak=ak, sk=sk, project_id=project_id,
                             config_file=config_file, security_token=security_token, timeout=timeout, verify_ssl=verify_ssl))
