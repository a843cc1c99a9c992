"""Decode an AppMeasurement query string into ordered pairs and a context-data tree, strictly.

AppMeasurement writes ``key=value`` parts joined by ``&``, percent-encoded as UTF-8, and never uses
``+`` for a space. Context data is nested in blocks: a part ``c.`` opens block ``c``, a part ``.c``
closes it, and the leaves inside are named by their full dotted path::

    >>> decode_query("AQB=1&c.&k=v&g.&x=y&.g&.c&AQE=1")
    ([['AQB', '1'], ['c.k', 'v'], ['c.g.x', 'y'], ['AQE', '1']], {'c': {'k': 'v', 'g': {'x': 'y'}}})

Reading is the library's own lenient parser (``appmeasurement.parse``, shared with the demo's
inspector and the tests); this module adds the strictness: anything it reports raises
``QueryError`` (the collector answers 400 and stores nothing), and the tree is a plain nested dict.
"""

from appmeasurement.parse import parse_query

__all__ = ["OWN_VALUE", "QueryError", "decode_hit", "decode_query"]

# Adobe's mobile SDKs send both "a=1" and "a.&b=2&.a"; the tree keeps a's own value under this key.
OWN_VALUE = ""


class QueryError(ValueError):
    """The query is not a well-formed AppMeasurement hit; the message says why."""


def _tree(nodes: list) -> dict:
    """The parser's node list as nested dicts; a repeated leaf keeps its last value."""
    tree: dict = {}
    for node in nodes:
        name, value = node["name"], node["value"]
        existing = tree.get(name)
        if node["block"]:
            group = existing if isinstance(existing, dict) else {}
            if existing is not None and not isinstance(existing, dict):
                group[OWN_VALUE] = existing
            group.update(_tree(node["children"]))
            if value is not None:
                group[OWN_VALUE] = value
            tree[name] = group
        elif isinstance(existing, dict):
            existing[OWN_VALUE] = value
        else:
            tree[name] = value
    return tree


def decode_query(raw: str) -> tuple[list, dict]:
    """Return ``(pairs, context)``: pairs in wire order (repeats kept), context as a nested dict."""
    if not raw:
        raise QueryError("empty part (an empty key between two '&')")
    hit = parse_query(raw)
    if hit["errors"]:
        raise QueryError(hit["errors"][0])
    return hit["pairs"], _tree(hit["context"])


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
