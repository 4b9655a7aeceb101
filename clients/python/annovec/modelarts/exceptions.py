"""The one exception type of the SDK for HTTP and API errors."""


class ApiException(Exception):
    """Raised for every failed call: an HTTP status other than 2xx, an answer that is not JSON, or a
    connection that failed. Carries:
      status      the HTTP status (0 when no answer arrived: connection refused, timeout),
      error_code  the server's code, e.g. "ModelArts.4352" (None when the answer had none),
      error_msg   the server's message (or what went wrong),
      body        the parsed answer (an Answer) or the raw text, when there was one."""

    def __init__(self, status=0, error_code=None, error_msg=None, body=None, method=None, url=None):
        self.status = status
        self.error_code = error_code
        self.error_msg = error_msg
        self.body = body
        self.method = method
        self.url = url
        super().__init__(str(self))

    def __str__(self):
        where = " (%s %s)" % (self.method, self.url) if self.method else ""
        return "HTTP %s %s: %s%s" % (self.status, self.error_code or "-", self.error_msg or "", where)

    # the old ModelArts SDK (swagger) exception spelled these reason/code too
    @property
    def reason(self):
        return self.error_msg

    @property
    def code(self):
        return self.error_code


class ConfigError(ValueError):
    """create_client could not resolve its configuration (an unknown context, a malformed file)."""
