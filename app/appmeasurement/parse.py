"""The one lenient reader of AppMeasurement requests: URL, query string or POST body -> parts and tree.

A hit is ``key=value`` parts joined by ``&``, each side percent-encoded as UTF-8 by ``s.escape``
(``+`` is never a space: AppMeasurement writes ``%20``).  Nested blocks such as context data are
written as a part ``c.`` that opens block ``c``, the block's parts, and a part ``.c`` that closes
it (``contextdata.serialize``); a leaf is named by its full dotted path (``c.shop.section``).

``parse`` accepts a whole request URL (``http://host/b/ss/rsid/1/JS-2.27.0/s123?AQB=1&...``), a
bare query string or a form-urlencoded POST body (long hits), and never raises for what it is
given: every problem (a malformed escape, text that is not UTF-8, an unbalanced block, an empty
part...) is listed in ``errors`` and reading goes on, so an inspector can show whatever was sent.
Strict readers (the collector) refuse a request whose ``errors`` is not empty.

Everything ordered is a list (MicroPython dicts do not keep insertion order):

    >>> hit = parse("http://h/b/ss/rs%2C2/1/JS-2.27.0/s42?AQB=1&c1=a%20b&c.&shop.&s=x&.shop&.c&AQE=1")
    >>> hit["rsid"], hit["cache_buster"], hit["errors"]
    ('rs,2', 's42', [])
    >>> hit["pairs"]
    [['AQB', '1'], ['c1', 'a b'], ['c.shop.s', 'x'], ['AQE', '1']]
    >>> hit["params"]
    [['AQB', '1'], ['c1', 'a b'], ['AQE', '1']]
    >>> [(n["key"], n["value"]) for n in hit["context"][0]["children"][0]["children"]]
    [('c.shop.s', 'x')]
    >>> parse("k=100%&c.&a=1")["errors"]
    ["invalid percent-escape '%' in '100%'", "context-data block 'c.' is never closed"]
    >>> decode("a+b%20%C3%A9")
    'a+b é'
"""

from .escaping import _hex_value, decode_uri_component

__all__ = ["decode", "parse", "parse_query", "split_url"]


def decode(text, errors=None):
    """Percent-decode ``text`` as strict UTF-8 (``+`` stays ``+``).

    Text that does not decode comes back unchanged, and the reason is appended to ``errors`` (a
    list) when one is given.
    """
    try:
        return decode_uri_component(text)
    except ValueError:
        pass
    if errors is not None:
        errors.append(_decode_problem(text))
    return text


def _decode_problem(text):
    # decodeURIComponent stops at the first problem; name a malformed escape if there is one, as it
    # is the likelier mistake, else the bytes are not UTF-8.
    i = text.find("%")
    while i >= 0:
        if _hex_value(text, i + 1) < 0:
            return "invalid percent-escape %r in %r" % (text[i : i + 3], text)
        i = text.find("%", i + 3)
    return "%r is not UTF-8 once percent-decoded" % (text,)


def split_url(url):
    """``(scheme, host, path segments, query)`` of a request URL; the fragment is dropped."""
    query = ""
    mark = url.find("?")
    if mark >= 0:
        url, query = url[:mark], url[mark + 1 :]
    hash_mark = query.find("#")
    if hash_mark >= 0:
        query = query[:hash_mark]
    scheme = ""
    sep = url.find("://")
    if sep >= 0:
        scheme, url = url[:sep], url[sep + 3 :]
        slash = url.find("/")
        host, path = (url, "") if slash < 0 else (url[:slash], url[slash:])
    else:
        host, path = "", url
    segments = [part for part in path.split("/") if part]
    return scheme, host, segments, query


def _is_url(text):
    # A query or body has "=" or "&" before any "?" (values escape "?"); a URL starts with a path
    # or a scheme.
    mark = text.find("?")
    head = text if mark < 0 else text[:mark]
    if "=" in head or "&" in head:
        return False
    return head.startswith("/") or "://" in head


def parse(text):
    """Read one request: a URL, or a query string / POST body (a leading "?" is dropped).

    The result: ``url`` (True when ``text`` was a URL), ``scheme``, ``host``, ``path``, ``rsid``,
    ``version``, ``library``, ``cache_buster`` (None without a URL path), ``query`` (the raw
    query), ``pairs`` (every key=value in wire order, repeats kept, block leaves under their dotted
    path), ``params`` (the top-level pairs only), ``context`` (the block tree, see ``_node``),
    ``context_pairs`` (its leaves, flat) and ``errors``.
    """
    if not _is_url(text):
        return parse_query(text[1:] if text.startswith("?") else text)
    scheme, host, segments, query = split_url(text)
    hit = parse_query(query)
    errors = hit["errors"]
    hit["url"] = True
    hit["scheme"], hit["host"] = scheme, host
    hit["path"] = "/" + "/".join(segments)
    if len(segments) >= 6 and segments[0] == "b" and segments[1] == "ss":
        hit["rsid"] = decode(segments[2], errors)
        hit["version"] = segments[3]
        hit["library"] = segments[4]
        hit["cache_buster"] = segments[5]
    else:
        # First in the list: it says why the rest may look odd.
        errors.insert(
            0, "not an AppMeasurement path (/b/ss/<rsid>/<version>/<library>/s<n>): %s" % hit["path"]
        )
    return hit


def parse_query(query):
    """Read a bare query string or POST body as it is (never as a URL); same result as ``parse``."""
    errors = []
    hit = {
        "url": False,
        "scheme": "",
        "host": "",
        "path": None,
        "rsid": None,
        "version": None,
        "library": None,
        "cache_buster": None,
        "query": query,
        "pairs": [],
        "params": [],
        "context": [],
        "context_pairs": [],
        "errors": errors,
    }
    _read_query(hit, query, errors)
    return hit


def _read_query(hit, query, errors):
    stack = []  # open block nodes, innermost last
    for part in query.split("&") if query else []:
        eq = part.find("=")
        if eq < 0:
            if part.endswith("."):
                name = decode(part[:-1], errors)
                if name:
                    _open_block(hit, stack, name)
                else:
                    errors.append("context-data block with an empty name ('.')")
            elif part.startswith("."):
                _close_block(stack, decode(part[1:], errors), part, errors)
            elif part:
                errors.append("part %r has no '=' and is not a context-data block" % part)
            else:
                errors.append("empty part (an empty key between two '&')")
            continue
        key = decode(part[:eq], errors)
        value = decode(part[eq + 1 :], errors)
        if not key:
            errors.append("part %r has an empty key" % part)
        if stack:
            key = _add_leaf(hit, stack, key, value)
        else:
            hit["params"].append([key, value])
        hit["pairs"].append([key, value])
    if stack:
        errors.append("context-data block %r is never closed" % (stack[-1]["name"] + "."))


def _node(name, key, value, block):
    """One tree node: ``name``, ``key`` (full dotted path), ``value`` (a leaf's text, or None for a
    block without a value of its own), ``children`` (a block's nodes, in order), ``repeat`` (a leaf
    whose name came earlier in the same block) and ``block`` (it was opened with "name.").

    A name can be both: Adobe's mobile SDKs send "a=1" and "a.&b=2&.a"; they share one node.
    """
    return {"name": name, "key": key, "value": value, "children": [], "repeat": False, "block": block}


def _find(nodes, name):
    for node in nodes:
        if node["name"] == name:
            return node
    return None


def _open_block(hit, stack, name):
    siblings = stack[-1]["children"] if stack else hit["context"]
    node = _find(siblings, name)  # a block opened twice is one block
    if node is None:
        key = (stack[-1]["key"] + "." + name) if stack else name
        node = _node(name, key, None, True)
        siblings.append(node)
    node["block"] = True
    stack.append(node)


def _close_block(stack, name, part, errors):
    if not stack:
        errors.append("%r closes a context-data block that was never opened" % part)
        return
    if stack[-1]["name"] != name:
        errors.append("%r does not close the open block %r" % (part, stack[-1]["name"] + "."))
        # Close up to the named block if it is open at all, so one typo does not swallow the rest.
        for i in range(len(stack) - 1, -1, -1):
            if stack[i]["name"] == name:
                del stack[i:]
                return
        return
    stack.pop()


def _add_leaf(hit, stack, name, value):
    parent = stack[-1]
    flat = parent["key"] + "." + name
    existing = _find(parent["children"], name)
    if existing is not None and existing["value"] is None:
        existing["value"] = value  # a block that also has its own value
    else:
        node = _node(name, flat, value, False)
        node["repeat"] = existing is not None
        parent["children"].append(node)
    hit["context_pairs"].append([flat, value])
    return flat
