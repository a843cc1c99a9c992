"""A small WHATWG-style URL resolver: what a browser makes of ``<a href=...>`` on a given page.

The tracker reads ``href`` from real elements in the page, already resolved by the browser; this
module exists for ``testing.StaticEnvironment``, whose fake anchors must resolve the same way
(relative paths, dot segments, percent-encoding of spaces and non-ASCII, default ports).

    >>> resolve_url("docs/a b.pdf?v=2", "http://HARNESS/dir/page.html")
    'http://HARNESS/dir/docs/a%20b.pdf?v=2'
    >>> split_url("https://Shop.test:443/x?q#f")
    ('https:', 'shop.test', '/x', '?q', '#f')
"""

SPECIAL_PORTS = {"http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21"}
_PATH_ENCODE = ' "#<>?`{}'
_QUERY_ENCODE = " \"#<>'"
_FRAGMENT_ENCODE = ' "<>`'


def _percent_encode(text, specials):
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or code == 0x7F or ch in specials:
            out.append("%%%02X" % code)
        elif code > 0x7F:
            for byte in ch.encode("utf-8"):
                out.append("%%%02X" % byte)
        else:
            out.append(ch)
    return "".join(out)


def _remove_dot_segments(path):
    segments = path.split("/")
    out = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        low = seg.lower()
        if low in (".", "%2e"):
            if last:
                out.append("")
            continue
        if low in ("..", ".%2e", "%2e.", "%2e%2e"):
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
            continue
        out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def _cut(text, mark):
    """``text`` split before the first ``mark``, which starts the tail: ("a", "#b") for "a#b"."""
    at = text.find(mark)
    return (text, "") if at < 0 else (text[:at], text[at:])


def split_url(url, canonical=False):
    """(protocol, host, path, query, fragment) of an absolute special URL; query/fragment keep marks.

    canonical: the URL is already what a browser shows (location.href), so its host is kept as is.
    """
    colon = url.find(":")
    protocol = url[: colon + 1].lower()
    rest = url[colon + 1 :]
    while rest.startswith("/") or rest.startswith("\\"):
        rest = rest[1:]
    end = len(rest)
    for mark in "/?#\\":
        i = rest.find(mark)
        if 0 <= i < end:
            end = i
    authority = rest[:end]
    tail = rest[end:]
    at = authority.rfind("@")
    if at >= 0:
        authority = authority[at + 1 :]
    host = authority if canonical else authority.lower()
    if ":" in host:
        name, port = host.rsplit(":", 1)
        if port == SPECIAL_PORTS.get(protocol) or port == "":
            host = name
    tail, fragment = _cut(tail, "#")
    tail, query = _cut(tail, "?")
    return protocol, host, tail.replace("\\", "/") or "/", query, fragment


def resolve_url(href, base):
    """The ``href`` property a browser gives an ``<a href=...>`` on page ``base`` (http(s) only)."""
    href = href.strip(" \t\n\r\f")
    href = href.replace("\t", "").replace("\n", "").replace("\r", "")
    b_protocol, b_host, b_path, b_query, _b_fragment = split_url(base, True)
    colon = href.find(":")
    scheme_ok = colon > 0
    if scheme_ok:
        for i, ch in enumerate(href[:colon]):
            if not (ch.isalpha() or (i > 0 and (ch.isdigit() or ch in "+-."))):
                scheme_ok = False
                break
    if scheme_ok:
        scheme = href[: colon + 1].lower()
        if scheme not in SPECIAL_PORTS:
            return href  # mailto:, javascript:, data: ... are returned as written
        protocol, host, path, query, fragment = split_url(href)
    elif href.startswith("//") or href.startswith("\\\\"):
        protocol, host, path, query, fragment = split_url(b_protocol + href)
    else:
        protocol, host = b_protocol, b_host
        href, fragment = _cut(href, "#")
        href, query = _cut(href, "?")
        href = href.replace("\\", "/")
        if href.startswith("/"):
            path = href
        elif href == "":
            path = b_path
            if not query:  # "" or "#x" keeps the page's own query
                query = b_query
        else:
            path = b_path[: b_path.rfind("/") + 1] + href
    path = _percent_encode(_remove_dot_segments(path), _PATH_ENCODE)
    if query:
        query = "?" + _percent_encode(query[1:], _QUERY_ENCODE)
    if fragment:
        fragment = "#" + _percent_encode(fragment[1:], _FRAGMENT_ENCODE)
    return protocol + "//" + host + path + query + fragment
