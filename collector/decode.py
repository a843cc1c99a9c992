"""Decode an AppMeasurement query string into ordered pairs and a context-data tree.

AppMeasurement writes ``key=value`` parts joined by ``&``, percent-encoded as UTF-8, and never uses
``+`` for a space. Context data is nested in blocks: a part ``c.`` opens block ``c``, a part ``.c``
closes it, and the leaves inside are named by their full dotted path::

    >>> decode_query("AQB=1&c.&k=v&g.&x=y&.g&.c&AQE=1")
    ([['AQB', '1'], ['c.k', 'v'], ['c.g.x', 'y'], ['AQE', '1']], {'c': {'k': 'v', 'g': {'x': 'y'}}})

Anything malformed raises ``QueryError`` (the collector answers 400 and stores nothing).
"""

import re
from urllib.parse import unquote_to_bytes

__all__ = ["QueryError", "decode_hit", "decode_query"]

# "%" not followed by two hex digits: unquote() would pass it through silently, we refuse it.
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")

# Adobe's mobile SDKs send both "a=1" and "a.&b=2&.a"; the tree keeps a's own value under this key.
OWN_VALUE = ""


class QueryError(ValueError):
    """The query is not a well-formed AppMeasurement hit; the message says why."""


def unescape(text: str) -> str:
    """Percent-decode ``text`` as UTF-8, strictly: ``%20`` is a space, ``+`` stays ``+``."""
    bad = _BAD_ESCAPE.search(text)
    if bad:
        raise QueryError(f"invalid percent-escape {text[bad.start() : bad.start() + 3]!r} in {text!r}")
    try:
        return unquote_to_bytes(text).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryError(f"{text!r} is not UTF-8 once percent-decoded ({exc.reason})") from None


def _group(tree: dict, path: list) -> dict:
    node = tree
    for name in path:
        child = node.get(name)
        if not isinstance(child, dict):
            child = {} if child is None else {OWN_VALUE: child}
            node[name] = child
        node = child
    return node


def decode_query(raw: str) -> tuple[list, dict]:
    """Return ``(pairs, context)``: pairs in wire order (repeats kept), context as a nested dict."""
    pairs: list = []
    context: dict = {}
    blocks: list = []
    for part in raw.split("&"):
        key, has_value, value = part.partition("=")
        if not has_value:
            if part.endswith("."):
                name = unescape(part[:-1])
                if not name:
                    raise QueryError("context-data block with an empty name ('.')")
                blocks.append(name)
                _group(context, blocks)
            elif part.startswith("."):
                name = unescape(part[1:])
                if not blocks:
                    raise QueryError(f"{part!r} closes a context-data block that was never opened")
                if name != blocks[-1]:
                    raise QueryError(f"{part!r} does not close the open block {blocks[-1] + '.'!r}")
                blocks.pop()
            elif not part:
                raise QueryError("empty part (an empty key between two '&')")
            else:
                raise QueryError(f"part {part!r} has no '=' and is not a context-data block")
            continue
        key = unescape(key)
        if not key:
            raise QueryError(f"part {part!r} has an empty key")
        value = unescape(value)
        if blocks:
            node = _group(context, blocks)
            if isinstance(node.get(key), dict):
                node[key][OWN_VALUE] = value
            else:
                node[key] = value
            key = ".".join(blocks) + "." + key
        pairs.append([key, value])
    if blocks:
        raise QueryError(f"context-data block {blocks[-1] + '.'!r} is never closed")
    return pairs, context


def decode_hit(raw: str) -> tuple[list, dict]:
    """Like ``decode_query`` but also requires the AppMeasurement frame ``AQB=1 ... AQE=1``."""
    if not raw:
        raise QueryError("empty query: a hit starts with AQB=1 and ends with AQE=1")
    pairs, context = decode_query(raw)
    if raw.split("&", 1)[0] != "AQB=1":
        raise QueryError("the hit does not start with AQB=1")
    if raw.rsplit("&", 1)[-1] != "AQE=1":
        raise QueryError("the hit does not end with AQE=1")
    return pairs, context
