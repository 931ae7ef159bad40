"""Calls probe.app in-process with hand-made environs and start_response behaviours that a
real server rarely shows, for probe_test.go.

    python3 drive.py PROBE_DIR REQUEST_TARGET START_RESPONSE ENVIRON

START_RESPONSE:
  strict   like wsgiref: a second call without exc_info raises; with exc_info it re-raises
           only once a non-empty block went out
  lenient  every call returns and replaces status and headers
  loud     every call after the first raises a RuntimeError with a long non-ASCII message
ENVIRON:
  plain    a minimal PEP 3333 environ
  odd      plain plus values that are hard to introspect, and a wsgi.input that records
           every method called on it
  inherited plain plus copies of the process environment (set here before the probe is
           imported, one changed after), as a server copying os.environ hands them

Prints one JSON object: the start_response calls (and how many came before the first
block was asked for), the status and headers in force at the end, the body (base64) and, for "odd", the wsgi.input methods the probe called.
"""

import base64
import io
import json
import os
import sys


class SpyInput:
    """A wsgi.input that records every one of its methods the application called."""

    def __init__(self, data):
        self.stream = io.BytesIO(data)
        self.called = []

    def read(self, size=-1):
        self.called.append("read")
        return self.stream.read(size)

    def readline(self, size=-1):
        self.called.append("readline")
        return self.stream.readline(size)

    def readlines(self, hint=-1):
        self.called.append("readlines")
        return self.stream.readlines(hint)

    def __iter__(self):
        self.called.append("__iter__")
        return iter(self.stream)

    def __repr__(self):
        self.called.append("__repr__")
        return "SpyInput()"

    def __str__(self):
        self.called.append("__str__")
        return "SpyInput()"

    def __bool__(self):
        self.called.append("__bool__")
        return True

    def __len__(self):
        self.called.append("__len__")
        return 5


class BadRepr:
    def __repr__(self):
        raise ValueError("no repr for you")


class LoudStr(str):
    def __str__(self):
        return "overridden"


# The process environment of the "inherited" environ; every value holding "drive-secret"
# must stay out of the echo.
INHERITED = {
    "CONFORM_DRIVE_SECRET": "drive-secret-1",
    "CONFORM_DRIVE_CHANGED": "drive-secret-2",
    "CONFORM_DRIVE_REPLACED": "os-value",
    "CONFORM_DRIVE_BYTES": "drive-secret-3",
    "CONFORM_DRIVE_NOT_LATIN1": "drive-secret-4 \u2603",
    "CONFORM_DRIVE_SUBCLASS": "drive-secret-5",
    "HTTP_PROXY": "http://user:drive-secret-6@proxy.invalid:3128",
    "HTTP_X_SAME": "request-value",
    "SERVER_SOFTWARE": "same-software",
}


def set_inherited():
    os.environ.update(INHERITED)


def environ_for(target, kind):
    path, _, query = target.partition("?")
    environ = {
        "REQUEST_METHOD": "POST",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "CONTENT_LENGTH": "5",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_X_CONFORM_ID": "drive",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b"hello"),
        "wsgi.errors": io.StringIO(),
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
    }
    if kind == "odd":
        environ.update({
            "wsgi.input": SpyInput(b"hello"),
            "conform.bad_repr": BadRepr(),
            "conform.bytes": b"caf\xc3\xa9",
            "conform.not_latin1": "snow \u2603",
            "conform.subclass": LoudStr("plain text"),
            "conform.long": list(range(1000)),
            42: "a key that is not a str",
        })
    if kind == "inherited":
        environ.update(INHERITED)
        environ.update({
            "CONFORM_DRIVE_REPLACED": "server-value",
            "CONFORM_DRIVE_BYTES": INHERITED["CONFORM_DRIVE_BYTES"].encode("ascii"),
            "CONFORM_DRIVE_SUBCLASS": LoudStr(INHERITED["CONFORM_DRIVE_SUBCLASS"]),
        })
        # Changed after the server copied it: the copy is still the process's own value.
        os.environ["CONFORM_DRIVE_CHANGED"] = "later"
    return environ


class StartResponse:
    def __init__(self, kind):
        self.kind = kind
        self.calls = []
        self.status = None
        self.headers = None
        self.sent = False

    def __call__(self, status, headers, exc_info=None):
        call = {"status": status, "headers": [list(h) for h in headers],
                "exc_info": exc_info is not None, "outcome": "returned"}
        self.calls.append(call)
        try:
            self.check(exc_info)
        except BaseException as exc:
            call["outcome"] = "raised %s" % type(exc).__name__
            raise
        self.status, self.headers = status, headers
        return self.write

    def check(self, exc_info):
        if self.kind == "loud" and len(self.calls) > 1:
            raise RuntimeError("\u00e9\u2603\"\\\n" * 400)
        if self.kind == "strict":
            if exc_info is not None:
                if self.sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            elif self.status is not None:
                raise AssertionError("Headers already set!")

    def write(self, data):
        self.sent = self.sent or bool(data)
        return None


def main():
    probe_dir, target, sr_kind, env_kind = sys.argv[1:5]
    sys.path.insert(0, probe_dir)
    if env_kind == "inherited":
        set_inherited()
    import probe

    environ = environ_for(target, env_kind)
    start_response = StartResponse(sr_kind)
    body = b""
    result = probe.app(environ, start_response)
    calls_before_iteration = len(start_response.calls)
    try:
        for data in result:
            start_response.write(data)
            body += data
    finally:
        if hasattr(result, "close"):
            result.close()
    out = {
        "calls": start_response.calls,
        "calls_before_iteration": calls_before_iteration,
        "status": start_response.status,
        "headers": [list(h) for h in start_response.headers or []],
        "body_b64": base64.b64encode(body).decode("ascii"),
    }
    spy = environ["wsgi.input"]
    if isinstance(spy, SpyInput):
        out["input_called"] = spy.called
    print(json.dumps(out))


if __name__ == "__main__":
    main()
