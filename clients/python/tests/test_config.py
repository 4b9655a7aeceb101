"""create_client: arguments, then the environment, then the named context of the config file."""
import os
import tempfile
import unittest

import support
from annovec.modelarts import ConfigError, config

FILE = """[default]
endpoint = http://10.0.0.1:1
project_id = p_default
ak = AK_FILE
sk = SK_FILE

[team_b]
endpoint = https://annovec.example.com
token = avt_file_token
project_id = p_b
"""


class Resolution(unittest.TestCase):
    def setUp(self):
        fd, self.path = tempfile.mkstemp(prefix="annovec-config-")
        os.write(fd, FILE.encode())
        os.close(fd)
        self.env = {"ANNOVEC_CONFIG": self.path}

    def tearDown(self):
        os.unlink(self.path)

    def resolve(self, env=None, **kw):
        return config.resolve(environ=dict(self.env, **(env or {})), **kw)

    def test_default_context_of_the_file(self):
        c = self.resolve(context="default")
        self.assertEqual((c.endpoint, c.project_id, c.ak, c.sk, c.token), ("http://10.0.0.1:1", "p_default", "AK_FILE", "SK_FILE", None))
        self.assertEqual(c.auth, "aksk")
        self.assertEqual(self.resolve().ak, "AK_FILE")   # no context: "default"

    def test_a_named_context(self):
        c = self.resolve(context="team_b")
        self.assertEqual((c.endpoint, c.project_id, c.token, c.ak), ("https://annovec.example.com", "p_b", "avt_file_token", None))
        self.assertEqual(c.auth, "token")
        self.assertEqual(self.resolve(env={"ANNOVEC_CONTEXT": "team_b"}).token, "avt_file_token")

    def test_environment_over_file(self):
        c = self.resolve(context="team_b", env={"ANNOVEC_ENDPOINT": "http://env:2", "ANNOVEC_AK": "AK_ENV", "ANNOVEC_SK": "SK_ENV"})
        self.assertEqual((c.endpoint, c.ak, c.sk, c.token, c.project_id), ("http://env:2", "AK_ENV", "SK_ENV", None, "p_b"))
        self.assertEqual(c.sources["credentials"], "environment")
        c = self.resolve(env={"ANNOVEC_TOKEN": "avt_env", "ANNOVEC_PROJECT_ID": "p_env"})
        self.assertEqual((c.token, c.ak, c.project_id, c.endpoint), ("avt_env", None, "p_env", "http://10.0.0.1:1"))

    def test_arguments_over_environment(self):
        c = self.resolve(env={"ANNOVEC_ENDPOINT": "http://env:2", "ANNOVEC_TOKEN": "avt_env"},
                         endpoint="http://arg:3", ak="AK_ARG", sk="SK_ARG", project_id="p_arg")
        self.assertEqual((c.endpoint, c.ak, c.sk, c.token, c.project_id), ("http://arg:3", "AK_ARG", "SK_ARG", None, "p_arg"))
        self.assertEqual(c.sources["credentials"], "argument")

    def test_nothing_configured(self):
        c = config.resolve(environ={"ANNOVEC_CONFIG": self.path + ".absent"})
        self.assertEqual((c.endpoint, c.auth, c.project_id), ("http://127.0.0.1:19530", None, None))

    def test_home_config_file_is_the_default_path(self):
        home = tempfile.mkdtemp()
        os.mkdir(os.path.join(home, ".annovec"))
        with open(os.path.join(home, ".annovec", "config"), "w") as f:
            f.write("[default]\nendpoint = http://home:4\ntoken = avt_home\n")
        old = os.environ.get("HOME")
        os.environ["HOME"] = home
        try:
            c = config.resolve(environ={})
        finally:
            os.environ["HOME"] = old
        self.assertEqual((c.endpoint, c.token), ("http://home:4", "avt_home"))

    def test_bad_configurations_raise_config_error(self):
        with self.assertRaisesRegex(ConfigError, "no context 'nope'.*default, team_b"):
            self.resolve(context="nope")
        with self.assertRaisesRegex(ConfigError, "does not exist"):
            config.resolve(context="team_b", environ={"ANNOVEC_CONFIG": self.path + ".absent"})
        with self.assertRaisesRegex(ConfigError, "needs its SK"):
            self.resolve(ak="AK_ONLY")
        with self.assertRaisesRegex(ConfigError, "needs its SK"):
            self.resolve(env={"ANNOVEC_AK": "AK_ONLY"})
        with self.assertRaisesRegex(ConfigError, "not both"):
            self.resolve(token="t", ak="a", sk="s")
        with self.assertRaisesRegex(ConfigError, "http://"):
            self.resolve(endpoint="127.0.0.1:19530")
        with open(self.path, "a") as f:
            f.write("[typo]\nendpiont = http://x\n")
        with self.assertRaisesRegex(ConfigError, "unknown setting.*endpiont"):
            self.resolve(context="typo")
        with open(self.path, "a") as f:
            f.write("garbage line without a section header\n[")
        with self.assertRaisesRegex(ConfigError, "not valid"):
            self.resolve()

    def test_create_client_returns_a_client_with_that_config(self):
        client = config.create_client(endpoint="http://127.0.0.1:9", token="avt_x", project_id="p")
        self.assertEqual((client.configuration.endpoint, client.configuration.token, client.project_id), ("http://127.0.0.1:9", "avt_x", "p"))
        self.assertEqual(client.host_header, "127.0.0.1:9")
