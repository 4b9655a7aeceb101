"""Answer: a dict whose keys can also be read as attributes, nested (lists of dicts too)."""


class Answer(dict):
    """A JSON object as a dict that also allows attribute access: r["is_success"] and r.is_success.
    A missing attribute raises AttributeError (a missing key KeyError), never returns None quietly."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError("answer has no field %r (fields: %s)" % (name, ", ".join(sorted(self)) or "none")) from None

    def __setattr__(self, name, value):
        self[name] = value

    def __delattr__(self, name):
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self):
        return list(self.keys()) + dir(dict)

    def to_dict(self):
        """A plain-dict copy (the old SDK's model objects had to_dict())."""
        return plain(self)


def wrap(value):
    """Turns every dict inside a parsed JSON value into an Answer."""
    if isinstance(value, dict):
        return Answer((k, wrap(v)) for k, v in value.items())
    if isinstance(value, list):
        return [wrap(v) for v in value]
    return value


def plain(value):
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
