"""The conform probe: a WSGI application that reports what a server handed it.

`conform` tests a Python WSGI server for PEP 3333 / HTTP/1.1 conformance by hosting this
application in the server under test and talking to it over HTTP. Every path outside
`/__conform__/` answers with a JSON "echo document" describing the environ, how
`wsgi.input` behaved and which process and thread served the request; paths under
`/__conform__/<scenario>` make the application misbehave or behave in one precise way so
that the server's reaction can be observed. PROTOCOL.md (next to this file in the conform
source tree) is the contract; PROTOCOL_VERSION below must match it.

Standard library only; Python 3.8 or newer.

Run it under the server under test, for example:

    gunicorn probe:app
    uwsgi --http :8000 --wsgi-file probe.py

or, for a quick look, under wsgiref.simple_server on 127.0.0.1:

    python3 probe.py --port 8000

Environment: CONFORM_PROBE_STATE names the directory where the `close` scenario leaves
its markers (default: <tempdir>/conform-probe-state). It must be shared by all worker
processes of the server.

The echo never carries a value the server copied from the process environment (as
wsgiref and other CGI-style servers do): such keys are echoed with "inherited": true and
no value, because reports built from the echo get published and environments hold secrets.
"""

PROTOCOL_VERSION = 3

import argparse
import base64
import hashlib
import io
import json
import os
import platform
import re
import sys
import tempfile
import threading
import time
from urllib.parse import parse_qsl, unquote

PREFIX = "/__conform__/"

# Caps keep one request from exhausting the host, whatever the client asks for.
MAX_BODY = 16 * 1024 * 1024
MAX_B64 = 65536
MAX_CALLS = 1000
MAX_CHUNKS = 1000
MAX_SIZE = 1024 * 1024
MAX_DELAY_MS = 60000
MAX_REPR = 200

# How long the auto mode waits for a read() of a chunked body the server did not announce
# (read_bounded): far longer than a decoded body takes, and below the 2 s conform waits for
# an answer, so a read that blocks is reported rather than timed out.
READ_WAIT = 1.0

# Room reserved for an exception text whose length is unknown when Content-Length must
# already be sent (see fixed_length_body).
EXCEPTION_ROOM = 256

TOKEN_RE = re.compile(r"[A-Za-z0-9_-]{1,64}")
DECIMAL_RE = re.compile(r"[0-9]+")
READ_MODE_RE = re.compile(r"(auto|readn|readlines|readline|read|iter|none)(?::([0-9]+))?")

# Reason phrases are fixed here rather than taken from http.HTTPStatus, whose phrases
# changed between Python versions (413, 422 in 3.13); they match Go's http.StatusText so
# the probe and the Go reference server send the same status lines.
REASONS = {
    100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
    200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information",
    204: "No Content", 205: "Reset Content", 206: "Partial Content", 207: "Multi-Status",
    208: "Already Reported", 226: "IM Used",
    300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    304: "Not Modified", 305: "Use Proxy", 307: "Temporary Redirect",
    308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 406: "Not Acceptable",
    407: "Proxy Authentication Required", 408: "Request Timeout", 409: "Conflict",
    410: "Gone", 411: "Length Required", 412: "Precondition Failed",
    413: "Request Entity Too Large", 414: "Request URI Too Long",
    415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable",
    417: "Expectation Failed", 418: "I'm a teapot", 421: "Misdirected Request",
    422: "Unprocessable Entity", 423: "Locked", 424: "Failed Dependency",
    425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required",
    429: "Too Many Requests", 431: "Request Header Fields Too Large",
    451: "Unavailable For Legal Reasons",
    500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
    505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
    507: "Insufficient Storage", 508: "Loop Detected", 510: "Not Extended",
    511: "Network Authentication Required",
}
UNKNOWN_REASON = "Unknown"

JSON_TYPE = ("Content-Type", "application/json")
TEXT_TYPE = ("Content-Type", "text/plain")


class BadRequest(Exception):
    """A request parameter the probe cannot honour; answered with 400 and one line."""


# ---------------------------------------------------------------------------------------
# Small helpers


def exc_text(exc):
    """The "TypeName: message" form, even for an exception whose str() itself fails."""
    try:
        message = str(exc)
    except Exception:
        message = "<unprintable>"
    return "%s: %s" % (type(exc).__name__, message)


def b64(data):
    return base64.b64encode(bytes(data)).decode("ascii")


def dumps(doc):
    return json.dumps(doc, ensure_ascii=True, sort_keys=True).encode("ascii")


def as_text(value):
    """A server may (wrongly) hand bytes or None for a CGI variable; routing still needs a str."""
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return ""


def state_dir():
    # Read per request so the directory follows the environment the server was started in.
    configured = os.environ.get("CONFORM_PROBE_STATE")
    if configured:
        return configured
    return os.path.join(tempfile.gettempdir(), "conform-probe-state")


def block(index, size):
    """One stream block: b"<i>:" padded with dots to size, ending in a newline."""
    head = b"%d:" % index
    return head + b"." * (size - len(head) - 1) + b"\n"


def status_line(code):
    return "%d %s" % (code, REASONS.get(code, UNKNOWN_REASON))


def text_answer(start_response, status, text):
    # latin-1 with replacement: a scenario name from PATH_INFO may hold any character.
    body = text.encode("latin-1", "replace")
    start_response(status, [TEXT_TYPE, ("Content-Length", str(len(body)))])
    return [body]


# ---------------------------------------------------------------------------------------
# environ introspection

# Variables the server sets from the request or its own configuration; a value equal to the
# process environment's is then a coincidence (or, under CGI, the request itself), never a
# copy to hide. HTTP_PROXY is not among them: it is the one HTTP_ name that is also a
# common OS variable, often holding proxy credentials.
SERVER_SET_KEYS = frozenset((
    "REQUEST_METHOD", "SCRIPT_NAME", "PATH_INFO", "QUERY_STRING", "CONTENT_TYPE",
    "CONTENT_LENGTH", "SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "SERVER_SOFTWARE",
    "GATEWAY_INTERFACE", "REMOTE_ADDR", "REMOTE_HOST", "REMOTE_PORT", "REMOTE_IDENT",
    "REMOTE_USER", "AUTH_TYPE", "PATH_TRANSLATED", "REQUEST_URI", "RAW_URI", "HTTPS",
    "REQUEST_SCHEME", "SERVER_ADDR",
))
SERVER_SET_PREFIXES = ("HTTP_", "wsgi.")

# The environment as it was when the server imported the probe: a server may have copied
# it before anything changed os.environ.
ENVIRON_AT_IMPORT = dict(os.environ)


def inherited(key, value):
    """Whether environ[key] is the probe process's own environment variable of that name,
    with the same value: a copy of os.environ, whose value must not be echoed."""
    if key in SERVER_SET_KEYS or (key.startswith(SERVER_SET_PREFIXES) and key != "HTTP_PROXY"):
        return False
    try:
        if isinstance(value, str):
            text = str.__str__(value)
            return text in (os.environ.get(key), ENVIRON_AT_IMPORT.get(key))
        if isinstance(value, bytes):
            environb = getattr(os, "environb", None)
            return environb is not None and environb.get(os.fsencode(key)) == bytes(value)
    except (UnicodeError, ValueError):
        # A key the OS cannot encode cannot be one of its environment variables.
        pass
    return False


def describe_inherited(value):
    """The entry of an inherited value: its type, never its text."""
    entry = {"type": type(value).__name__, "native": type(value) is str, "latin1": False,
             "inherited": True}
    if isinstance(value, str):
        try:
            str.__str__(value).encode("latin-1")
            entry["latin1"] = True
        except UnicodeEncodeError:
            pass
    return entry


def safe_repr(value, opaque):
    """repr(value) cut to MAX_REPR; opaque values get object.__repr__ so none of their own
    methods run (wsgi.input must only see the calls its read mode asks for)."""
    try:
        text = object.__repr__(value) if opaque else repr(value)
    except Exception as exc:
        text = "<repr failed: %s>" % exc_text(exc)
    return text[:MAX_REPR]


def describe_value(key, value):
    entry = {"type": type(value).__name__, "native": type(value) is str, "latin1": False}
    if isinstance(value, str):
        text = str.__str__(value)
        entry["value"] = text
        try:
            raw = text.encode("latin-1")
        except UnicodeEncodeError:
            return entry
        entry["latin1"] = True
        entry["b64"] = b64(raw)
        return entry
    entry["value"] = safe_repr(value, opaque=(key == "wsgi.input"))
    if isinstance(value, bytes):
        entry["b64"] = b64(value)
    return entry


def describe_environ(environ):
    described = {}
    for key, value in list(environ.items()):
        if type(key) is not str:
            continue
        try:
            if inherited(key, value):
                described[key] = describe_inherited(value)
            else:
                described[key] = describe_value(key, value)
        except Exception as exc:
            # One odd value must not cost the whole echo.
            described[key] = {
                "type": type(value).__name__,
                "native": False,
                "latin1": False,
                "value": "<introspection failed: %s>" % exc_text(exc),
            }
    return described


def has_methods(obj, names):
    found = {}
    for name in names:
        try:
            found[name] = obj is not None and callable(getattr(obj, name, None))
        except Exception:
            found[name] = False
    return found


# ---------------------------------------------------------------------------------------
# Reading wsgi.input


def content_length(environ):
    """CONTENT_LENGTH as an int when it is a non-empty decimal, else None."""
    value = environ.get("CONTENT_LENGTH")
    if isinstance(value, str) and DECIMAL_RE.fullmatch(value):
        return int(value)
    return None


def final_coding_chunked(environ):
    """Whether the request's Transfer-Encoding ends in chunked: a body the server must decode."""
    value = environ.get("HTTP_TRANSFER_ENCODING")
    if not isinstance(value, str):
        return False
    codings = [c.strip(" \t").lower() for c in value.split(",")]
    codings = [c for c in codings if c]
    return bool(codings) and codings[-1] == "chunked"


def is_true(value):
    try:
        return bool(value)
    except Exception:
        return False


class InputReader:
    """Calls wsgi.input as asked and keeps the evidence: calls, size, hash, first bytes."""

    def __init__(self, stream):
        self.stream = stream
        self.calls = []
        self.length = 0
        self.sha = hashlib.sha256()
        self.head = bytearray()
        self.capped = False
        self.blocked = False

    def record(self, op, arg, got):
        if len(self.calls) < MAX_CALLS:
            self.calls.append({"op": op, "arg": arg, "got": got})

    def note(self, op, arg, data):
        """Record one result; a non-bytes result is recorded (got -1) and then stops reading."""
        is_bytes = isinstance(data, (bytes, bytearray))
        self.record(op, arg, len(data) if is_bytes else -1)
        if not is_bytes:
            raise TypeError("wsgi.input.%s returned %s, not bytes" % (op, type(data).__name__))

    def add(self, data):
        self.length += len(data)
        self.sha.update(data)
        if len(self.head) < MAX_B64:
            self.head += data[: MAX_B64 - len(self.head)]

    def call(self, op, arg=None, add=True):
        method = getattr(self.stream, op)
        data = method() if arg is None else method(arg)
        self.note(op, arg, data)
        if add:
            self.add(data)
        return data

    def read_auto(self, environ):
        declared = content_length(environ)
        if declared is not None:
            target = min(declared, MAX_BODY)
            while self.length < target:
                if not self.call("read", target - self.length):
                    break
            self.capped = declared > MAX_BODY and self.length >= MAX_BODY
        elif is_true(environ.get("wsgi.input_terminated")):
            self.call("read")
        elif final_coding_chunked(environ):
            self.read_bounded()

    def read_bounded(self):
        """read() on a thread, waited for READ_WAIT seconds.

        A server may decode a chunked body without saying so (no CONTENT_LENGTH, no
        wsgi.input_terminated); what it decoded is only seen by reading. A server that hands
        the application the raw connection instead would block that read until the client
        closes, so it runs on a thread the probe stops waiting for: then `blocked` is set and
        the call, which never returned, is not in `calls`.
        """
        outcome = {}

        def run():
            try:
                outcome["data"] = self.stream.read()
            except Exception as exc:  # re-raised below, in the application's thread
                outcome["error"] = exc

        worker = threading.Thread(target=run, name="conform-probe-read", daemon=True)
        worker.start()
        worker.join(READ_WAIT)
        if worker.is_alive():
            self.blocked = True
            return
        if "error" in outcome:
            raise outcome["error"]
        data = outcome.get("data")
        self.note("read", None, data)
        self.add(data)

    def read_sized(self, environ, size):
        # Never ask past CONTENT_LENGTH: on a server that does not simulate EOF there, such
        # a read would wait for bytes the client never sends.
        declared = content_length(environ)
        limit = MAX_BODY if declared is None else min(declared, MAX_BODY)
        while self.length < limit:
            if not self.call("read", min(size, limit - self.length)):
                break
        self.capped = self.length >= MAX_BODY and (declared is None or declared > MAX_BODY)

    def read_lines(self, environ, size):
        # Like read_sized, a careful app stops at CONTENT_LENGTH rather than asking for the
        # line after it, which a server without EOF simulation would block on.
        declared = content_length(environ)
        limit = MAX_BODY if declared is None else min(declared, MAX_BODY)
        while self.length < limit:
            ask = size if size is None or declared is None else min(size, limit - self.length)
            if not self.call("readline", ask):
                return
        self.capped = self.length >= MAX_BODY

    def read_all_lines(self):
        lines = list(self.stream.readlines())
        # One call, one entry: its "got" counts the bytes of all the lines it returned.
        self.note("readlines", None, b"".join(lines))
        # The length of each line too: the right bytes split at the wrong places are not lines.
        self.calls[-1]["lines"] = [len(line) for line in lines[:MAX_CALLS]]
        for line in lines:
            self.add(line)

    def iterate(self):
        for line in self.stream:
            self.note("iter", None, line)
            self.add(line)
            if self.length >= MAX_BODY:
                self.capped = True
                return


def parse_read_mode(text):
    """("mode", N or None) from the `read` parameter; BadRequest when malformed."""
    match = READ_MODE_RE.fullmatch(text)
    if match is None:
        raise BadRequest("bad parameter read=%s: want auto, read, readn:N, readline, "
                         "readline:N, readlines, iter or none" % ascii(text))
    mode, digits = match.group(1), match.group(2)
    if (digits is None and mode == "readn") or (digits is not None
                                                and mode not in ("readn", "readline")):
        raise BadRequest("bad parameter read=%s: readn needs :N, readline may take it, "
                         "other modes take none" % ascii(text))
    if digits is None:
        return mode, None
    size = int(digits)
    if not 1 <= size <= MAX_BODY:
        raise BadRequest("bad parameter read=%s: N must be from 1 to %d" % (ascii(text), MAX_BODY))
    return mode, size


def read_input(environ, spec, mode, size, want_eof):
    reader = InputReader(environ.get("wsgi.input"))
    error = ""
    after_eof = None
    try:
        if mode == "auto":
            reader.read_auto(environ)
        elif mode == "read":
            reader.call("read")
        elif mode == "readn":
            reader.read_sized(environ, size)
        elif mode == "readline":
            reader.read_lines(environ, size)
        elif mode == "readlines":
            reader.read_all_lines()
        elif mode == "iter":
            reader.iterate()
        # An unfinished, capped or blocked body leaves no end to probe, so eof is skipped then.
        if want_eof and mode != "none" and not reader.capped and not reader.blocked:
            after_eof = len(reader.call("read", 1, add=False))
    except Exception as exc:
        error = exc_text(exc)
    return {
        "mode": spec,
        "length": reader.length,
        "sha256": reader.sha.hexdigest(),
        "b64": b64(reader.head),
        "truncated": reader.capped or reader.length > MAX_B64,
        "error": error,
        "blocked": reader.blocked,
        "calls": reader.calls,
        "after_eof": after_eof,
    }


# ---------------------------------------------------------------------------------------
# The request and its echo document


class Request:
    def __init__(self, environ):
        self.t_start = time.time()
        self.environ = environ
        self.path = as_text(environ.get("PATH_INFO"))
        self.query = as_text(environ.get("QUERY_STRING"))
        self.params = {}
        for name, value in parse_qsl(self.query, keep_blank_values=True, encoding="latin-1"):
            self.params.setdefault(name, value)
        if self.path.startswith(PREFIX):
            self.scenario = self.path[len(PREFIX):].split("/", 1)[0]
        else:
            self.scenario = "echo"
        self.input_doc = None
        # How the server called the hosted object (Application.__call__); None when the
        # dispatch function was called directly.
        self.call = None

    # Parameters ------------------------------------------------------------------------

    def text(self, name, default=None):
        value = self.params.get(name, default)
        if value is None:
            raise BadRequest("missing parameter %s" % name)
        return value

    def raw_text(self, name):
        """A parameter decoded by percent-decoding alone, so a literal "+" stays "+"."""
        for part in self.query.split("&"):
            key, _, value = part.partition("=")
            if unquote(key, encoding="latin-1") == name:
                return unquote(value, encoding="latin-1")
        raise BadRequest("missing parameter %s" % name)

    def integer(self, name, low, high, default=None):
        value = self.text(name, None if default is None else str(default))
        if not DECIMAL_RE.fullmatch(value) or not low <= int(value) <= high:
            raise BadRequest("bad parameter %s=%s: want an integer from %d to %d"
                             % (name, ascii(value), low, high))
        return int(value)

    def token(self):
        value = self.text("token")
        if not TOKEN_RE.fullmatch(value):
            raise BadRequest("bad parameter token=%s: want 1 to 64 of A-Z a-z 0-9 _ -"
                             % ascii(value))
        return value

    # Body and document -----------------------------------------------------------------

    def prepare_input(self):
        """Validate `read`/`eof` and read wsgi.input, before any start_response."""
        spec = self.text("read", "auto")
        mode, size = parse_read_mode(spec)
        eof = self.text("eof", "0")
        if eof not in ("0", "1"):
            raise BadRequest("bad parameter eof=%s: want 0 or 1" % ascii(eof))
        self.input_doc = read_input(self.environ, spec, mode, size, eof == "1")

    def document(self, result):
        environ = self.environ
        doc = {
            "probe": "conform-probe",
            "version": PROTOCOL_VERSION,
            "python": platform.python_version(),
            "id": as_text(environ.get("HTTP_X_CONFORM_ID")),
            "scenario": self.scenario,
            "pid": os.getpid(),
            "thread": threading.get_ident(),
            "t_start": self.t_start,
            "environ": describe_environ(environ),
            "input": self.input_doc,
            "input_methods": has_methods(environ.get("wsgi.input"),
                                         ("read", "readline", "readlines", "__iter__")),
            "errors_methods": has_methods(environ.get("wsgi.errors"),
                                          ("write", "writelines", "flush")),
            "result": result,
        }
        if self.call is not None:
            doc["invocation"] = self.call
        # Taken last, so t_end - t_start covers all the work the probe did before answering.
        doc["t_end"] = time.time()
        return doc


def json_answer(start_response, doc, status="200 OK"):
    body = dumps(doc)
    start_response(status, [JSON_TYPE, ("Content-Length", str(len(body)))])
    return [body]


def with_result(doc, result):
    doc = dict(doc)
    doc["result"] = result
    return doc


def json_prefix(text, room):
    """The longest prefix of text whose JSON string escape (ensure_ascii) fits in room bytes."""
    used = 0
    for index, char in enumerate(text):
        used += len(json.dumps(char)) - 2
        if used > room:
            return text[:index]
    return text


def fixed_length_body(doc, result, length):
    """The body for result, padded with trailing spaces (still valid JSON) to exactly length.

    Used where Content-Length goes out before the outcome that fills "result" is known:
    length was computed from a worst case, and an exception text that does not fit in it
    is cut."""
    body = dumps(with_result(doc, result))
    if len(body) > length and result.get("exception"):
        without = dumps(with_result(doc, dict(result, exception="")))
        cut = json_prefix(result["exception"], length - len(without))
        body = dumps(with_result(doc, dict(result, exception=cut)))
    return body + b" " * (length - len(body))


# ---------------------------------------------------------------------------------------
# Scenarios that answer with the echo document


def scenario_echo(req, start_response):
    return json_answer(start_response, req.document({}))


def scenario_start_response_twice(req, start_response):
    doc = req.document({})
    worst = {"second_call": "returned", "exception": "x" * EXCEPTION_ROOM}
    length = len(dumps(with_result(doc, worst)))

    def headers(call):
        return [JSON_TYPE, ("Content-Length", str(length)), ("X-Conform-Call", call)]

    start_response("200 OK", headers("first"))
    try:
        start_response("299 Second", headers("second"))
    except Exception as exc:
        result = {"second_call": "raised", "exception": exc_text(exc)}
    else:
        result = {"second_call": "returned", "exception": ""}
    return [fixed_length_body(doc, result, length)]


def scenario_exc_info_before_headers(req, start_response):
    doc = req.document({})
    length = max(len(dumps(with_result(doc, {"exc_info_call": outcome})))
                 for outcome in ("raised", "returned"))

    def headers(call):
        return [JSON_TYPE, ("Content-Length", str(length)), ("X-Conform-Call", call)]

    start_response("200 OK", headers("first"))
    try:
        raise ValueError("conform probe: deliberate error before headers were sent")
    except ValueError:
        try:
            start_response("500 Internal Server Error", headers("second"), sys.exc_info())
        except Exception:
            # Nothing was sent yet, so PEP 3333 says this call must not raise; the probe
            # reports it instead of propagating so the check can see it happened.
            outcome = "raised"
        else:
            outcome = "returned"
    return [fixed_length_body(doc, {"exc_info_call": outcome}, length)]


def scenario_header(req, start_response, name, value):
    """Shared by header-value and hop-by-hop: offer one header, report the server's verdict."""
    body = dumps(req.document({"start_response": "returned"}))
    headers = [JSON_TYPE, ("Content-Length", str(len(body))), (name, value)]
    try:
        start_response("200 OK", headers)
    except Exception as exc:
        body = dumps(req.document({"start_response": "raised", "exception": exc_text(exc)}))
        # exc_info lets a server that already stored the first headers replace them.
        start_response("500 Internal Server Error",
                       [JSON_TYPE, ("Content-Length", str(len(body)))], sys.exc_info())
    return [body]


def scenario_header_value(req, start_response):
    return scenario_header(req, start_response, "X-Conform-Value", req.raw_text("value"))


def scenario_hop_by_hop(req, start_response):
    name = req.raw_text("name")
    if not name:
        raise BadRequest("bad parameter name: must not be empty")
    return scenario_header(req, start_response, name, req.raw_text("value"))


def scenario_sleep(req, start_response):
    ms = req.integer("ms", 0, MAX_DELAY_MS)
    time.sleep(ms / 1000.0)
    return json_answer(start_response, req.document({"slept_ms": ms}))


def scenario_close_status(req, start_response):
    marker = os.path.join(state_dir(), req.token() + ".closed")
    try:
        closed_at = os.stat(marker).st_mtime
    except OSError:
        closed_at = None
    return json_answer(start_response,
                       req.document({"closed": closed_at is not None, "closed_at": closed_at}))


def scenario_errors(req, start_response):
    stream = req.environ.get("wsgi.errors")

    def attempt(action):
        try:
            action()
        except Exception as exc:
            return exc_text(exc)
        return "ok"

    result = {
        "write": attempt(lambda: stream.write("conform probe: wsgi.errors test \u00e9\u2603\n")),
        "writelines": attempt(lambda: stream.writelines([
            "conform probe: wsgi.errors writelines 1\n",
            "conform probe: wsgi.errors writelines 2\n",
        ])),
        "flush": attempt(lambda: stream.flush()),
    }
    return json_answer(start_response, req.document(result))


# ---------------------------------------------------------------------------------------
# Scenarios that shape the response itself


def scenario_exc_info_after_headers(req, start_response):
    start_response("200 OK", [TEXT_TYPE])

    def body():
        yield b"first\n"
        original = ValueError("conform-original")
        try:
            raise original
        except ValueError:
            try:
                # Headers are out by now, so PEP 3333 requires this call to re-raise.
                start_response("500 Internal Server Error", [TEXT_TYPE], sys.exc_info())
            except Exception as exc:
                outcome = b"raised %s same=%s\n" % (type(exc).__name__.encode("ascii", "replace"),
                                                    str(exc is original).encode("ascii"))
            else:
                outcome = b"returned\n"
        yield outcome

    return body()


def scenario_empty_then_error(req, start_response):
    start_response("200 OK", [TEXT_TYPE])

    def body():
        yield b""
        raise RuntimeError("conform probe: deliberate error after empty body")

    return body()


def scenario_lazy_start(req, start_response):
    # A generator function: nothing in it runs, start_response included, until the server
    # asks for the first block.
    start_response("200 OK", [TEXT_TYPE])
    yield b"lazy-start\n"


def scenario_no_start_response(req, start_response):
    return [b"no start_response was called\n"]


def scenario_write_then_iterable(req, start_response):
    write = start_response("200 OK", [TEXT_TYPE])
    write(b"write-part;")
    return [b"iterable-part"]


def scenario_stream(req, start_response):
    chunks = req.integer("chunks", 0, MAX_CHUNKS, default=3)
    delay_ms = req.integer("delay_ms", 0, MAX_DELAY_MS, default=300)
    size = req.integer("size", 1, MAX_SIZE, default=16)
    if chunks and size < len(b"%d:\n" % (chunks - 1)):
        raise BadRequest("bad parameter size=%d: too small for the block prefix of %d chunks"
                         % (size, chunks))
    start_response("200 OK", [TEXT_TYPE])

    def body():
        for index in range(chunks):
            if index:
                time.sleep(delay_ms / 1000.0)
            yield block(index, size)

    return body()


def scenario_content_length(req, start_response):
    declared = req.integer("declared", 0, MAX_SIZE)
    actual = req.integer("actual", 0, MAX_SIZE)
    start_response("200 OK", [TEXT_TYPE, ("Content-Length", str(declared))])
    blocks = [b"x" * actual]
    if actual > declared:
        # A server that stops at the declared length never sends these.
        blocks.append(b"y" * 8)
    return blocks


class ClosingIterable:
    """The response iterable of the `close` scenario: close() leaves a marker file so a
    later request can tell whether, and when, the server called it."""

    def __init__(self, marker, mode):
        self.marker = marker
        self.mode = mode
        self.index = 0

    def __iter__(self):
        return self

    def __next__(self):
        if self.mode == "error":
            raise RuntimeError("conform probe: deliberate error from the close iterable")
        if self.mode == "list":
            if self.index:
                raise StopIteration
            self.index = 1
            return b"close-probe\n"
        if self.index >= 200:
            raise StopIteration
        if self.index:
            time.sleep(0.02)
        self.index += 1
        return block(self.index - 1, 1024)

    def close(self):
        os.makedirs(os.path.dirname(self.marker), exist_ok=True)
        with open(self.marker, "w") as handle:
            handle.write("%r\n" % time.time())


def scenario_close(req, start_response):
    token = req.token()
    mode = req.text("mode", "list")
    if mode not in ("list", "error", "slow"):
        raise BadRequest("bad parameter mode=%s: want list, error or slow" % ascii(mode))
    start_response("200 OK", [TEXT_TYPE])
    return ClosingIterable(os.path.join(state_dir(), token + ".closed"), mode)


def scenario_status(req, start_response):
    code = req.integer("code", 100, 999)
    try:
        body = req.text("body", "").encode("latin-1")
    except UnicodeEncodeError:
        raise BadRequest("bad parameter body: not latin-1")
    start_response(status_line(code), [TEXT_TYPE])
    return [body]


def scenario_no_content_length(req, start_response):
    chunks = req.integer("chunks", 0, MAX_CHUNKS, default=2)
    start_response("200 OK", [TEXT_TYPE])

    def body():
        for index in range(chunks):
            yield b"block-%d\n" % index

    return body()


def scenario_file_wrapper(req, start_response):
    size = req.integer("size", 0, MAX_SIZE, default=4096)
    pattern = bytes(range(256))
    data = (pattern * (size // 256 + 1))[:size]
    wrapper = req.environ.get("wsgi.file_wrapper")
    used = "used" if wrapper is not None else "absent"
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(size)),
                              ("X-Conform-File-Wrapper", used)])
    if wrapper is None:
        return [data]
    handle = tempfile.TemporaryFile()
    handle.write(data)
    handle.seek(0)
    return wrapper(handle, 8192)


# Scenarios answering with the echo document read wsgi.input (per `read`) before answering.
JSON_SCENARIOS = {
    "echo": scenario_echo,
    "start-response-twice": scenario_start_response_twice,
    "exc-info-before-headers": scenario_exc_info_before_headers,
    "header-value": scenario_header_value,
    "hop-by-hop": scenario_hop_by_hop,
    "sleep": scenario_sleep,
    "close-status": scenario_close_status,
    "errors": scenario_errors,
}

OTHER_SCENARIOS = {
    "exc-info-after-headers": scenario_exc_info_after_headers,
    "empty-then-error": scenario_empty_then_error,
    "lazy-start": scenario_lazy_start,
    "no-start-response": scenario_no_start_response,
    "write-then-iterable": scenario_write_then_iterable,
    "stream": scenario_stream,
    "content-length": scenario_content_length,
    "close": scenario_close,
    "status": scenario_status,
    "no-content-length": scenario_no_content_length,
    "file-wrapper": scenario_file_wrapper,
}


# ---------------------------------------------------------------------------------------
# Scenarios of the trace's open sentences (spec/open_sentences*.go): environ type, errors
# raised by the application, headers a server must refuse, wsgi.file_wrapper positions.


def scenario_environ_type(req, start_response):
    environ = req.environ
    try:
        # PEP 3333: "the application is allowed to modify the dictionary in any way it desires".
        environ["x.conform_probe"] = 1
        del environ["x.conform_probe"]
        mutable = "ok"
    except Exception as exc:
        mutable = exc_text(exc)
    kind = type(environ)
    return json_answer(start_response, req.document({
        "type": "%s.%s" % (kind.__module__, kind.__qualname__),
        "is_dict": kind is dict,
        "mutable": mutable,
    }))


def scenario_header_not_latin1(req, start_response):
    # U+2603 has no latin-1 encoding: PEP 3333 "Unicode Issues" calls supplying it a fatal
    # error, so the server must refuse it rather than send some encoding of it.
    return scenario_header(req, start_response, "X-Conform-Value", "snow\u2603")


def scenario_app_error(req, start_response):
    at = req.text("at", "call")
    if at not in ("call", "block"):
        raise BadRequest("bad parameter at=%s: want call or block" % ascii(at))
    if at == "call":
        raise RuntimeError("conform probe: deliberate error before start_response")
    start_response("200 OK", [("Content-Type", "application/octet-stream")])

    def body():
        yield b"first-block\n"
        raise RuntimeError("conform probe: deliberate error after the first block")

    return body()


def scenario_self_chunked(req, start_response):
    try:
        # "Chunked", so the app's own line can be told from one a server writes.
        start_response("200 OK", [TEXT_TYPE, ("Transfer-Encoding", "Chunked")])
    except Exception as exc:
        text = ("start_response raised %s\n" % exc_text(exc)).encode("latin-1", "replace")
        start_response("500 Internal Server Error",
                       [TEXT_TYPE, ("Content-Length", str(len(text)))], sys.exc_info())
        return [text]
    # The body chunked by the application itself: it decodes to b"hello".
    return [b"5\r\nhello\r\n", b"0\r\n\r\n"]


def file_bytes(size):
    pattern = bytes(range(256))
    return (pattern * (size // 256 + 1))[:size]


def scenario_file_wrapper_at(req, start_response):
    size = req.integer("size", 0, MAX_SIZE, default=4096)
    offset = req.integer("offset", 0, size, default=0)
    length = None
    if req.text("length", ""):
        length = req.integer("length", 0, size - offset)
    data = file_bytes(size)
    wrapper = req.environ.get("wsgi.file_wrapper")
    headers = [("Content-Type", "application/octet-stream"),
               ("X-Conform-File-Wrapper", "used" if wrapper is not None else "absent")]
    if length is not None:
        headers.append(("Content-Length", str(length)))
    start_response("200 OK", headers)
    if wrapper is None:
        return [data[offset:size if length is None else offset + length]]
    handle = tempfile.TemporaryFile()
    handle.write(data)
    # PEP 3333: transmission begins "at the current position within the file".
    handle.seek(offset)
    return wrapper(handle, 8192)


UNRETURNED_FILE = b"wrapped-file-the-app-did-not-return\n"


def scenario_file_wrapper_unreturned(req, start_response):
    wrapper = req.environ.get("wsgi.file_wrapper")
    handle = tempfile.TemporaryFile()
    handle.write(UNRETURNED_FILE)
    handle.seek(0)
    if wrapper is not None:
        # Made and dropped: not closed, so a server holding on to it could still send it.
        wrapper(handle, 8192)
    start_response("200 OK", [TEXT_TYPE, ("Content-Length", "6"),
                              ("X-Conform-File-Wrapper",
                               "used" if wrapper is not None else "absent")])
    return [b"other\n"]


JSON_SCENARIOS.update({
    "environ-type": scenario_environ_type,
    "header-not-latin1": scenario_header_not_latin1,
})

OTHER_SCENARIOS.update({
    "app-error": scenario_app_error,
    "self-chunked": scenario_self_chunked,
    "file-wrapper-at": scenario_file_wrapper_at,
    "file-wrapper-unreturned": scenario_file_wrapper_unreturned,
})


class ProbeFile:
    """A file-like object with read() and close() only (no fileno): no sendfile can take it,
    so a wsgi.file_wrapper must fall back to read(); its close() leaves the close marker."""

    def __init__(self, data, marker):
        self.stream = io.BytesIO(data)
        self.marker = marker

    def read(self, size=-1):
        return self.stream.read(size)

    def close(self):
        os.makedirs(os.path.dirname(self.marker), exist_ok=True)
        with open(self.marker, "w") as handle:
            handle.write("%r\n" % time.time())


def scenario_file_wrapper_filelike(req, start_response):
    token = req.token()
    size = req.integer("size", 0, MAX_SIZE, default=4096)
    data = file_bytes(size)
    wrapper = req.environ.get("wsgi.file_wrapper")
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(size)),
                              ("X-Conform-File-Wrapper",
                               "used" if wrapper is not None else "absent")])
    if wrapper is None:
        return [data]
    return wrapper(ProbeFile(data, os.path.join(state_dir(), token + ".closed")), 8192)


OTHER_SCENARIOS["file-wrapper-filelike"] = scenario_file_wrapper_filelike


def scenario_start_response_after_error(req, start_response):
    """start_response with a header value that is an int, not a str (a server that checks
    refuses it by raising), then, if it raised, start_response("200 OK", valid headers)
    without exc_info: PEP 3333 makes that second call a fatal error too."""
    doc = req.document({})
    worst = {"first_call": "returned", "second_call": "returned", "exception": "x" * EXCEPTION_ROOM}
    length = len(dumps(with_result(doc, worst)))

    def headers(*extra):
        return [JSON_TYPE, ("Content-Length", str(length))] + list(extra)

    result = {"first_call": "returned", "second_call": "", "exception": ""}
    try:
        start_response("200 OK", headers(("X-Conform-Value", 1)))
    except Exception:
        result["first_call"] = "raised"
        try:
            start_response("200 OK", headers(("X-Conform-Call", "second")))
        except Exception as exc:
            result["second_call"] = "raised"
            result["exception"] = exc_text(exc)
            try:
                # exc_info lets the report out as a 500 whatever was stored before.
                start_response("500 Internal Server Error", headers(), sys.exc_info())
            except Exception:
                pass
        else:
            result["second_call"] = "returned"
    return [fixed_length_body(doc, result, length)]


JSON_SCENARIOS["start-response-after-error"] = scenario_start_response_after_error


# ---------------------------------------------------------------------------------------
# Scenarios of the environ and response variants (spec/pep3333_response_variants.go): the
# status string exactly as a test asks for it.


def scenario_raw_status(req, start_response):
    # Percent-decoding alone (latin-1), so CR, LF, NUL and bytes above 0x7F reach
    # start_response as the one code point each a server must handle.
    status = req.raw_text("status")
    body = dumps(req.document({"start_response": "returned"}))
    try:
        start_response(status, [JSON_TYPE, ("Content-Length", str(len(body)))])
    except Exception as exc:
        body = dumps(req.document({"start_response": "raised", "exception": exc_text(exc)}))
        # exc_info lets a server that already stored the first status replace it.
        start_response("500 Internal Server Error",
                       [JSON_TYPE, ("Content-Length", str(len(body)))], sys.exc_info())
    return [body]


JSON_SCENARIOS.update({
    "raw-status": scenario_raw_status,
})


# ---------------------------------------------------------------------------------------
# Scenarios of the HTTP features a server may add (spec/http_features.go): a response the
# application composes field by field, so a check sees what the server added, removed or
# answered in its place (cache validation, byte ranges, 304 metadata).

FIELD_NAME_RE = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")


def scenario_fields(req, start_response):
    code = req.integer("code", 100, 999)
    try:
        body = req.text("body", "").encode("latin-1")
    except UnicodeEncodeError:
        raise BadRequest("bad parameter body: not latin-1")
    headers = []
    # Every h, in order: parse_qsl keeps repeated names, Request.params only the first.
    for key, item in parse_qsl(req.query, keep_blank_values=True, encoding="latin-1"):
        if key != "h":
            continue
        name, colon, value = item.partition(":")
        value = value.strip(" \t")
        if not colon or not FIELD_NAME_RE.fullmatch(name) or re.search("[\r\n\0]", value):
            raise BadRequest("bad parameter h=%s: want Name:Value" % ascii(item))
        headers.append((name, value))
    start_response(status_line(code), headers)
    return [body]


OTHER_SCENARIOS["fields"] = scenario_fields


# ---------------------------------------------------------------------------------------
# Scenarios of how a server treats the application object and its iterable
# (spec/pep3333_application_object.go).

# The probe's own methods read their state through object.__getattribute__, so only the
# server's lookups reach the record.
ATTRIBUTES_BODY = b"attributes-probe\n"


class AttributeRecorder:
    """The response iterable of `iterable-attributes`: every attribute looked up on it by
    name (getattr, hasattr, isinstance's __class__) is appended to <state>/<token>.attributes,
    and close() leaves the close marker. Iteration itself goes through type slots and is not
    recorded."""

    def __init__(self, log, marker):
        self._log = log
        self._marker = marker
        self._done = False

    def __getattribute__(self, name):
        try:
            with open(object.__getattribute__(self, "_log"), "a") as handle:
                handle.write(name + "\n")
        except (OSError, UnicodeError):
            pass
        return object.__getattribute__(self, name)

    def __iter__(self):
        return self

    def __next__(self):
        if object.__getattribute__(self, "_done"):
            raise StopIteration
        object.__setattr__(self, "_done", True)
        return ATTRIBUTES_BODY

    def close(self):
        with open(object.__getattribute__(self, "_marker"), "w") as handle:
            handle.write("%r\n" % time.time())


def scenario_iterable_attributes(req, start_response):
    token = req.token()
    os.makedirs(state_dir(), exist_ok=True)
    log = os.path.join(state_dir(), token + ".attributes")
    with open(log, "w"):
        pass
    start_response("200 OK", [TEXT_TYPE, ("Content-Length", str(len(ATTRIBUTES_BODY)))])
    return AttributeRecorder(log, os.path.join(state_dir(), token + ".closed"))


def scenario_attributes_status(req, start_response):
    token = req.token()
    names = []
    try:
        with open(os.path.join(state_dir(), token + ".attributes")) as handle:
            names = [line.rstrip("\n") for line in handle][:MAX_CALLS]
        recorded = True
    except OSError:
        recorded = False
    closed = os.path.exists(os.path.join(state_dir(), token + ".closed"))
    return json_answer(start_response, req.document(
        {"recorded": recorded, "attributes": names, "closed": closed}))


class Sentinel:
    """Referenced only by the frame that raises: while it lives, someone holds that frame's
    traceback."""


def raise_holding(refs):
    sentinel = Sentinel()
    refs.append(__import__("weakref").ref(sentinel))
    raise ValueError("conform probe: deliberate error for exc_info")


HOLDER_NAMES = 4
HOLDER_LEN = 40


def exc_info_holders(sentinel):
    """Type names of what keeps the traceback of the sentinel's frame alive, other than the
    traceback chain, the exception and the exc_info tuple themselves."""
    import gc
    import types
    chain = [o for o in gc.get_referrers(sentinel)
             if isinstance(o, types.FrameType) and o.f_code is raise_holding.__code__]
    seen = set(id(o) for o in chain)
    holders = []
    while chain and len(seen) < 64:
        obj = chain.pop()
        for ref in gc.get_referrers(obj):
            if id(ref) in seen or ref is chain:
                continue
            seen.add(id(ref))
            if isinstance(ref, (types.TracebackType, BaseException)) or (
                    isinstance(ref, tuple) and len(ref) == 3):
                chain.append(ref)
            elif not isinstance(ref, types.FrameType) or ref.f_code.co_filename != __file__:
                name = type(ref).__name__
                if isinstance(ref, types.FrameType):
                    name = "frame %s" % ref.f_code.co_name
                elif isinstance(ref, dict):
                    # An instance's attributes: name the instance's type.
                    owners = [o for o in gc.get_referrers(ref)
                              if getattr(o, "__dict__", None) is ref]
                    if owners:
                        name = "%s.__dict__" % type(owners[0]).__name__
                holders.append(name[:HOLDER_LEN])
    return sorted(set(holders))[:HOLDER_NAMES]


def scenario_exc_info_released(req, start_response):
    import gc
    doc = req.document({})
    worst = {"exc_info_call": "returned", "sentinel": "alive",
             "holders": ["x" * HOLDER_LEN] * HOLDER_NAMES}
    length = len(dumps(with_result(doc, worst)))
    headers = [JSON_TYPE, ("Content-Length", str(length))]
    # No collection between start_response and the look: a cycle through the traceback
    # would otherwise be broken by the collector, hiding the reference PEP 3333 warns of.
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        refs = []
        try:
            raise_holding(refs)
        except ValueError:
            try:
                start_response("500 Internal Server Error", headers, sys.exc_info())
                outcome = "returned"
            except Exception:
                outcome = "raised"
        if outcome == "raised":
            try:
                raise RuntimeError("conform probe: start_response raised")
            except RuntimeError:
                try:
                    start_response("500 Internal Server Error", headers, sys.exc_info())
                except Exception:
                    # A server that raised may still have stored the headers (uWSGI does);
                    # the report is returned whatever this call did.
                    pass
        sentinel = refs[0]()
        result = {"exc_info_call": outcome, "sentinel": "dead" if sentinel is None else "alive",
                  "holders": [] if sentinel is None else exc_info_holders(sentinel)}
        sentinel = None
    finally:
        if was_enabled:
            gc.enable()
    return [fixed_length_body(doc, result, length)]


def scenario_write_stream(req, start_response):
    chunks = req.integer("chunks", 0, MAX_CHUNKS, default=3)
    delay_ms = req.integer("delay_ms", 0, MAX_DELAY_MS, default=300)
    size = req.integer("size", 1, MAX_SIZE, default=16)
    if chunks and size < len(b"%d:\n" % (chunks - 1)):
        raise BadRequest("bad parameter size=%d: too small for the block prefix of %d chunks"
                         % (size, chunks))
    write = start_response("200 OK", [TEXT_TYPE])
    for index in range(chunks):
        if index:
            time.sleep(delay_ms / 1000.0)
        write(block(index, size))
    return []


BYPASS_MARK = b"generator-first\n"


def scenario_file_wrapper_bypassed(req, start_response):
    size = req.integer("size", 0, MAX_SIZE, default=4096)
    data = file_bytes(size)
    wrapper = req.environ.get("wsgi.file_wrapper")
    handle = tempfile.TemporaryFile()
    handle.write(data)
    handle.seek(0)
    # Made, kept alive (so it cannot close the file), and not returned.
    wrapped = wrapper(handle, 8192) if wrapper is not None else None
    start_response("200 OK", [("Content-Type", "application/octet-stream"),
                              ("Content-Length", str(len(BYPASS_MARK) + size)),
                              ("X-Conform-File-Wrapper",
                               "used" if wrapper is not None else "absent")])

    def body(kept):
        try:
            yield BYPASS_MARK
            yield handle.read()
        finally:
            handle.close()

    return body(wrapped)


JSON_SCENARIOS.update({
    # The echo, on a path of its own: its "invocation" record is what the check reads.
    "application-object": scenario_echo,
    "attributes-status": scenario_attributes_status,
    "exc-info-released": scenario_exc_info_released,
})

OTHER_SCENARIOS.update({
    "iterable-attributes": scenario_iterable_attributes,
    "write-stream": scenario_write_stream,
    "file-wrapper-bypassed": scenario_file_wrapper_bypassed,
})


def dispatch(environ, start_response, call=None):
    """Routes a request to its scenario; call is what Application saw of the server's call."""
    req = Request(environ)
    req.call = call
    if req.scenario in JSON_SCENARIOS:
        handler = JSON_SCENARIOS[req.scenario]
    elif req.scenario in OTHER_SCENARIOS:
        handler = OTHER_SCENARIOS[req.scenario]
    else:
        return text_answer(start_response, "404 Not Found",
                           "unknown conform scenario: %s\n" % req.scenario)
    try:
        # Every handler validates its parameters before its first start_response, so a
        # BadRequest always arrives while a 400 can still be sent.
        if req.scenario in JSON_SCENARIOS:
            req.prepare_input()
        return handler(req, start_response)
    except BadRequest as exc:
        return text_answer(start_response, "400 Bad Request", "%s\n" % exc)


class Application:
    """The object servers host as probe:app: an instance with __call__, not a function (PEP
    3333: a server "must not have any dependency on what kind of callable was provided to
    it"), taking any arguments, so the echo can tell positional from keyword ones."""

    def __call__(self, *args, **kwargs):
        call = {"positional": len(args), "keywords": sorted(str(k) for k in kwargs)}
        # Whatever the spelling, the first two values are environ and start_response.
        values = list(args) + [kwargs[k] for k in ("environ", "start_response") if k in kwargs]
        values += [v for k, v in kwargs.items() if k not in ("environ", "start_response")]
        if len(values) < 2:
            raise TypeError("conform probe: called with %d arguments, want environ and "
                            "start_response" % len(values))
        return dispatch(values[0], values[1], call)


app = Application()
application = app


# ---------------------------------------------------------------------------------------
# Standalone runner


def main(argv=None):
    from wsgiref.simple_server import WSGIRequestHandler, make_server

    class LoggingHandler(WSGIRequestHandler):
        # Access lines belong in the server log (stderr), whoever captures stdout.
        def log_message(self, format, *args):
            sys.stderr.write("%s - - [%s] %s\n" % (self.address_string(),
                                                   self.log_date_time_string(),
                                                   format % args))
            sys.stderr.flush()

    parser = argparse.ArgumentParser(
        description="Serve the conform probe under wsgiref.simple_server.")
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to bind (default 8000)")
    args = parser.parse_args(argv)
    with make_server(args.host, args.port, app, handler_class=LoggingHandler) as httpd:
        sys.stderr.write("conform probe (protocol %d) serving on http://%s:%d/\n"
                         % (PROTOCOL_VERSION, args.host, httpd.server_port))
        sys.stderr.flush()
        try:
            httpd.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
