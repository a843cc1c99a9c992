"""History-API routing for the demo, the pure half: match a path to a view, parse and build URLs.

No `js` here (the pushState/popstate glue lives in app/main.py), so the rules are unit-testable in
CPython and run unchanged under MicroPython.

    match("/product/42")                  # ("product", [("id", "42")])
    match("/nowhere")                     # ("not_found", [])
    parse_query("q=red+mug&x=%C3%A9")     # [("q", "red mug"), ("x", "é")]
    build_url("/search", [("q", "a&b")])  # "/search?q=a%26b"
"""

# (pattern, view name). A segment "<name>" captures one path segment as a parameter.
ROUTES = [
    ("/", "home"),
    ("/products", "products"),
    ("/product/<id>", "product"),
    ("/cart", "cart"),
    ("/checkout", "checkout"),
    ("/thanks", "thanks"),
    ("/search", "search"),
]

# Query parameters that survive in-app navigation: the interpreter choice must outlive a reload.
STICKY_PARAMS = ("interpreter",)

_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"
_HEX = "0123456789abcdefABCDEF"


def _segments(path):
    return [part for part in path.split("/") if part]


def match(path):
    """(view name, [(param, value), ...]) for a path; ("not_found", []) when nothing matches."""
    wanted = _segments(path)
    for pattern, name in ROUTES:
        parts = _segments(pattern)
        if len(parts) != len(wanted):
            continue
        params = []
        for part, value in zip(parts, wanted):
            if part.startswith("<") and part.endswith(">"):
                params.append((part[1:-1], unquote(value)))
            elif part != value:
                params = None
                break
        if params is not None:
            return name, params
    return "not_found", []


def param(params, name, default=None):
    """The first value for `name` in a [(name, value), ...] list."""
    for key, value in params:
        if key == name:
            return value
    return default


def quote(text):
    """encodeURIComponent: UTF-8 percent-encoding of everything but the unreserved characters."""
    out = []
    for ch in str(text):
        if ch in _UNRESERVED:
            out.append(ch)
        else:
            for byte in ch.encode("utf-8"):
                out.append("%%%02X" % byte)
    return "".join(out)


def unquote(text, plus_is_space=False):
    """Percent-decode (UTF-8); malformed escapes are kept as they are."""
    if plus_is_space:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and i + 2 < len(text) and text[i + 1] in _HEX and text[i + 2] in _HEX:
            out.append(int(text[i + 1 : i + 3], 16))
            i += 3
        else:
            out.extend(ch.encode("utf-8"))
            i += 1
    try:
        return bytes(out).decode("utf-8")
    except Exception:  # not UTF-8: keep the text as typed
        return text


def parse_query(query):
    """Parse a query string (with or without "?") the way a form submission encodes it."""
    if query.startswith("?"):
        query = query[1:]
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        key, _, value = part.partition("=")
        pairs.append((unquote(key, True), unquote(value, True)))
    return pairs


def build_url(path, params=()):
    """path + "?" + the non-empty params, percent-encoded."""
    parts = [quote(key) + "=" + quote(value) for key, value in params if value is not None and value != ""]
    return path + ("?" + "&".join(parts) if parts else "")


def with_sticky(url, current_query):
    """Carry the sticky params of the current URL (e.g. ?interpreter=py) over to an in-app url."""
    current = parse_query(current_query)
    path, _, query = url.partition("?")
    params = parse_query(query)
    for name in STICKY_PARAMS:
        value = param(current, name)
        if value and param(params, name) is None:
            params.append((name, value))
    return build_url(path, params)
