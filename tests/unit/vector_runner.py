"""Run a recorded AppMeasurement vector case against an instance, the way the JS recorder did.

Pure Python that runs unchanged in CPython, Pyodide and MicroPython, so the same steps drive the
tracker in unit tests, under MicroPython in Node and in the browser.  JSON objects must keep their
order (MicroPython dicts do not), so cases are read with ``parse_json``, which returns objects as
``JSObject`` lists of ``[key, value]`` pairs and numbers with JS semantics (integers beyond 2**53
become doubles).  Plain dicts are accepted too where order does not matter or is kept (CPython).

    cases = parse_json(open("vectors.json").read())
    s = s_gi(case_get(case, "rsid"), env, transport)
    urls = run_case(s, case, make_link=env.make_anchor, after_call=settle)

``make_link(href)`` must return a new ``<a>`` element with that href attribute appended to the
body (``StaticEnvironment.make_anchor`` in tests, a real element in the browser).  ``after_call()``
runs after every call and must return only when the instance has nothing queued or in flight.
"""

from appmeasurement.contextdata import ContextData

PREAMBLE_PAGE_URL = "https://www.example.test/page"


class JSObject(list):
    """A JSON object as an ordered list of [key, value] pairs."""


def case_get(obj, key, default=None):
    """obj[key] for a JSObject (pairs) or a dict."""
    if isinstance(obj, dict):
        return obj.get(key, default)
    for pair in obj:
        if pair[0] == key:
            return pair[1]
    return default


def pairs(obj):
    """The (key, value) pairs of a JSObject or dict, in order."""
    if isinstance(obj, dict):
        return [(k, obj[k]) for k in obj]
    return [(pair[0], pair[1]) for pair in obj]


def is_object(value):
    return isinstance(value, (JSObject, dict))


# --- an order-keeping JSON reader with JS number semantics -----------------------------------------

_ESCAPES = {34: '"', 92: "\\", 47: "/", 98: "\b", 102: "\f", 110: "\n", 114: "\r", 116: "\t"}
_NUMBER_BYTES = b"+-0123456789.eE"


class _Reader:
    # Works on UTF-8 bytes: indexing a non-ASCII str is O(n) in MicroPython, bytes are O(1).
    def __init__(self, data):
        self.data = data
        self.pos = 0

    def error(self, what):
        raise ValueError("parse_json: %s at byte %d" % (what, self.pos))

    def skip(self):
        data, n = self.data, len(self.data)
        while self.pos < n and data[self.pos] in (32, 9, 10, 13):
            self.pos += 1

    def peek(self):
        if self.pos >= len(self.data):
            self.error("unexpected end")
        return self.data[self.pos]

    def value(self):
        self.skip()
        ch = self.peek()
        if ch == 123:  # {
            return self.obj()
        if ch == 91:  # [
            return self.array()
        if ch == 34:  # "
            return self.string()
        for word, result in ((b"true", True), (b"false", False), (b"null", None)):
            if self.data[self.pos : self.pos + len(word)] == word:
                self.pos += len(word)
                return result
        return self.number()

    def obj(self):
        self.pos += 1
        result = JSObject()
        self.skip()
        if self.peek() == 125:  # }
            self.pos += 1
            return result
        while True:
            self.skip()
            if self.peek() != 34:
                self.error("expected a key")
            key = self.string()
            self.skip()
            if self.peek() != 58:  # :
                self.error("expected ':'")
            self.pos += 1
            value = self.value()
            for pair in result:
                if pair[0] == key:  # a repeated key keeps its first position, last value (JS)
                    pair[1] = value
                    break
            else:
                result.append([key, value])
            self.skip()
            ch = self.peek()
            self.pos += 1
            if ch == 125:
                return result
            if ch != 44:  # ,
                self.error("expected ',' or '}'")

    def array(self):
        self.pos += 1
        result = []
        self.skip()
        if self.peek() == 93:  # ]
            self.pos += 1
            return result
        while True:
            result.append(self.value())
            self.skip()
            ch = self.peek()
            self.pos += 1
            if ch == 93:
                return result
            if ch != 44:
                self.error("expected ',' or ']'")

    def string(self):
        data = self.data
        self.pos += 1
        out = []
        while True:
            quote = data.find(b'"', self.pos)
            backslash = data.find(b"\\", self.pos)
            if quote < 0:
                self.error("unterminated string")
            if backslash < 0 or quote < backslash:
                out.append(data[self.pos : quote].decode("utf-8"))
                self.pos = quote + 1
                return "".join(out)
            out.append(data[self.pos : backslash].decode("utf-8"))
            self.pos = backslash
            esc = data[self.pos + 1]
            if esc == 117:  # u
                code = int(data[self.pos + 2 : self.pos + 6].decode(), 16)
                self.pos += 6
                if 0xD800 <= code < 0xDC00 and data[self.pos : self.pos + 2] == b"\\u":
                    low = int(data[self.pos + 2 : self.pos + 6].decode(), 16)
                    if 0xDC00 <= low < 0xE000:
                        code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                        self.pos += 6
                out.append(chr(code))
            else:
                if esc not in _ESCAPES:
                    self.error("bad escape")
                out.append(_ESCAPES[esc])
                self.pos += 2

    def number(self):
        data = self.data
        start = self.pos
        n = len(data)
        while self.pos < n and data[self.pos] in _NUMBER_BYTES:
            self.pos += 1
        literal = data[start : self.pos].decode()
        if not literal:
            self.error("unexpected character")
        if "." in literal or "e" in literal or "E" in literal:
            return float(literal)
        value = int(literal)
        # A JS number is a double: integers beyond 2**53 lose precision exactly as JSON.parse does.
        if value > 9007199254740992 or value < -9007199254740992:
            return float(literal)
        return value


def parse_json(text):
    """JSON text (str or UTF-8 bytes) -> Python data; objects become ordered ``JSObject`` pair lists."""
    data = text.encode("utf-8") if isinstance(text, str) else bytes(text)
    reader = _Reader(data)
    result = reader.value()
    reader.skip()
    if reader.pos != len(data):
        reader.error("trailing data")
    return result


# --- applying a case ---------------------------------------------------------------------------------


def to_value(value):
    """A JSON value as the variable value JS would hold: objects become ordered ContextData."""
    if is_object(value):
        return ContextData([(k, to_value(v)) for k, v in pairs(value)])
    if isinstance(value, list):
        return [to_value(v) for v in value]
    return value


def to_overrides(value):
    """An overrides / setVars argument: a dict of variable -> value (None stays None)."""
    if value is None:
        return None
    result = {}
    for key, item in pairs(value):
        result[key] = to_value(item)
    return result


def apply_preamble(s, tracking_server="COLLECTOR", on_url=None):
    """What the recorder did before every case's steps."""
    s.trackingServer = tracking_server
    s.ssl = False
    s.pageURL = PREAMBLE_PAGE_URL
    if on_url is not None:
        s.registerPreTrackCallback(on_url)


def apply_step(s, step, make_link):
    """Apply one step; returns (call name, Hit or None), or None for a "set" step."""
    values = case_get(step, "set")
    if values is not None:
        for key, value in pairs(values):
            setattr(s, key, to_value(value))
    call = case_get(step, "call")
    if call is None:
        return None
    args = case_get(step, "args", []) or []
    if call == "t":
        converted = [to_overrides(args[0])] if args else []
        if len(args) > 1:
            converted.append(to_overrides(args[1]))
        hit = s.t(*converted)
    elif call == "tl":
        converted = list(args)
        if converted:
            first = converted[0]
            if is_object(first):
                converted[0] = make_link(case_get(first, "href"))
        if len(converted) > 3:
            converted[3] = to_overrides(converted[3])
        hit = s.tl(*converted)
    elif call == "clearVars":
        s.clearVars()
        hit = None
    else:
        raise ValueError("unknown call %r" % (call,))
    return call, hit


def run_case(s, case, make_link, after_call=None, tracking_server="COLLECTOR"):
    """Run a case synchronously; returns every URL the pre-track callback saw, in order."""
    urls = []
    apply_preamble(s, tracking_server, urls.append)
    for step in case_get(case, "steps"):
        if apply_step(s, step, make_link) is not None and after_call is not None:
            after_call()
    return urls


async def run_case_async(s, case, make_link, tracking_server="COLLECTOR"):
    """Like run_case, awaiting each call's Hit (browser: requests really finish, in call order)."""
    urls = []
    apply_preamble(s, tracking_server, urls.append)
    for step in case_get(case, "steps"):
        applied = apply_step(s, step, make_link)
        if applied is not None and applied[1] is not None:
            await applied[1]
    return urls
