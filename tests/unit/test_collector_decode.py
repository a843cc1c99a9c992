"""collector.decode: AppMeasurement query strings -> ordered pairs and the context-data tree."""

import pytest

from collector.decode import QueryError, decode_hit, decode_query

DECODED = [
    ("AQB=1&pageName=Home&AQE=1", [["AQB", "1"], ["pageName", "Home"], ["AQE", "1"]], {}),
    ("b=2&a=1&c=3", [["b", "2"], ["a", "1"], ["c", "3"]], {}),
    ("v0=first&v0=second", [["v0", "first"], ["v0", "second"]], {}),
    ("pageName=Hello%20World", [["pageName", "Hello World"]], {}),
    ("pageName=a+b", [["pageName", "a+b"]], {}),
    ("pageName=a%2Bb", [["pageName", "a+b"]], {}),
    ("pageName=caf%C3%A9%20%E2%82%AC%20%F0%9F%98%80", [["pageName", "café € 😀"]], {}),
    ("k=a%3Db%26c", [["k", "a=b&c"]], {}),
    ("k=a=b", [["k", "a=b"]], {}),
    ("k=", [["k", ""]], {}),
    ("c.&k=v&.c", [["c.k", "v"]], {"c": {"k": "v"}}),
    (
        "c.&k=v&g.&x=y&.g&.c",
        [["c.k", "v"], ["c.g.x", "y"]],
        {"c": {"k": "v", "g": {"x": "y"}}},
    ),
    ("c.&a.&b.&d=1&.b&.a&.c", [["c.a.b.d", "1"]], {"c": {"a": {"b": {"d": "1"}}}}),
    ("x.&.x", [], {"x": {}}),
    ("c.&x.&.x&.c", [], {"c": {"x": {}}}),
    (
        "c.&a=1&.c&activitymap.&page=p&.activitymap",
        [["c.a", "1"], ["activitymap.page", "p"]],
        {"c": {"a": "1"}, "activitymap": {"page": "p"}},
    ),
    ("c.&a=1&.c&c.&b=2&.c", [["c.a", "1"], ["c.b", "2"]], {"c": {"a": "1", "b": "2"}}),
    ("c.&k=1&k=2&.c", [["c.k", "1"], ["c.k", "2"]], {"c": {"k": "2"}}),
    ("c.&a=1&a.&b=2&.a&.c", [["c.a", "1"], ["c.a.b", "2"]], {"c": {"a": {"": "1", "b": "2"}}}),
    ("c.&a.&b=2&.a&a=1&.c", [["c.a.b", "2"], ["c.a", "1"]], {"c": {"a": {"b": "2", "": "1"}}}),
    ("c.&my%20key=v%20w&.c", [["c.my key", "v w"]], {"c": {"my key": "v w"}}),
]


@pytest.mark.parametrize(
    ("raw", "pairs", "context"),
    DECODED,
    ids=[
        "plain pairs",
        "wire order kept",
        "repeated key kept twice",
        "%20 is a space",
        "plus stays a plus",
        "%2B is a plus",
        "utf-8 multibyte",
        "encoded = and & in a value",
        "value split on the first =",
        "empty value",
        "context block",
        "nested context block",
        "deeply nested blocks",
        "empty group",
        "empty group inside a block",
        "two sibling blocks",
        "reopened block merges",
        "repeated leaf: pairs keep both, tree keeps the last",
        "value and group with the same name",
        "group then value with the same name",
        "escaped keys",
    ],
)
def test_decode_query_gives_pairs_in_order_and_the_context_tree(raw, pairs, context):
    assert decode_query(raw) == (pairs, context)


MALFORMED = [
    ("k=%zz", "invalid percent-escape '%zz'"),
    ("k=%2", "invalid percent-escape '%2'"),
    ("k=100%", "invalid percent-escape '%'"),
    ("%zz=v", "invalid percent-escape"),
    ("k=%E9", "not UTF-8"),
    ("k=%ED%A0%80", "not UTF-8"),
    ("c.&k=v", "'c.' is never closed"),
    (".c&k=v", "never opened"),
    ("c.&k=v&.d", "'.d' does not close the open block 'c.'"),
    ("c.&g.&x=y&.c&.g", "'.c' does not close the open block 'g.'"),
    (".&k=v", "empty name"),
    ("=v", "empty key"),
    ("a=1&&b=2", "empty part"),
    ("a=1&&", "empty part"),
    ("a=1&flag", "'flag' has no '='"),
]


@pytest.mark.parametrize(
    ("raw", "message"),
    MALFORMED,
    ids=[
        "bad hex digits",
        "truncated escape",
        "lone percent",
        "bad escape in a key",
        "lone %E9 is not utf-8",
        "encoded surrogate is not utf-8",
        "unclosed block",
        "close without open",
        "mismatched close",
        "crossed blocks",
        "block with no name",
        "empty key",
        "empty part between &&",
        "trailing &",
        "part without = that is no block",
    ],
)
def test_decode_query_rejects_malformed_queries(raw, message):
    with pytest.raises(QueryError) as caught:
        decode_query(raw)
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "empty query"),
        ("pageName=x&AQE=1", "does not start with AQB=1"),
        ("AQB=1&pageName=x", "does not end with AQE=1"),
        ("pageName=x&AQB=1&AQE=1", "does not start with AQB=1"),
        ("AQB=1&c.&AQE=1&.c", "does not end with AQE=1"),
        ("AQB=2&AQE=1", "does not start with AQB=1"),
    ],
    ids=["empty", "no AQB", "no AQE", "AQB not first", "AQE inside a block", "AQB not 1"],
)
def test_decode_hit_requires_the_appmeasurement_frame(raw, message):
    with pytest.raises(QueryError) as caught:
        decode_hit(raw)
    assert message in str(caught.value)


def test_decode_hit_accepts_a_framed_hit():
    assert decode_hit("AQB=1&c.&a=1&.c&AQE=1") == (
        [["AQB", "1"], ["c.a", "1"], ["AQE", "1"]],
        {"c": {"a": "1"}},
    )
