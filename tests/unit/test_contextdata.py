"""ContextData (JS key order) and the c. block serialiser: properties plus recorded edge cases."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appmeasurement.contextdata import OBJECT_PROTOTYPE_NAMES, ContextData, array_index, serialize
from appmeasurement.parse import parse
from tests.unit.tracker_support import Rig

SEGMENTS = ["a", "b", "site", "x y", "\u00e9", "1", "2", "10", "01", "t"]
keys = st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4).map(".".join)
values = st.one_of(st.text(min_size=1), st.just(True), st.integers(1, 10**6))
items = st.lists(st.tuples(keys, values), max_size=12)


def parse_block(query):
    """Read '&c.&...&.c' back (appmeasurement.parse) as ordered nodes: ('leaf', name, value) /
    ('group', name, [...]), rebuilt from the leaves' dotted paths in wire order."""
    hit = parse(query[1:])
    assert hit["errors"] == [] and [node["name"] for node in hit["context"]] == ["c"], query
    root = []
    for flat, value in hit["context_pairs"]:
        segments = flat.split(".")[1:]
        level = root
        for segment in segments[:-1]:
            for node in level:
                if node[0] == "group" and node[1] == segment:
                    level = node[2]
                    break
            else:
                group = ("group", segment, [])
                level.append(group)
                level = group[2]
        level.append(("leaf", segments[-1], value))
    return root


def model_tree(data):
    """What the block should say: groups at their first key, leaves in key order, values as text."""
    root = []
    for key, value in data.items():
        level = root
        segments = key.split(".")
        for segment in segments[:-1]:
            for node in level:
                if node[0] == "group" and node[1] == segment:
                    level = node[2]
                    break
            else:
                group = ("group", segment, [])
                level.append(group)
                level = group[2]
        text = "true" if value is True else str(value)
        level.append(("leaf", segments[-1], text))
    return root


@given(items)
def test_serialise_then_parse_gives_the_same_tree(pairs):
    data = ContextData(pairs)
    block = serialize("c", data.items())
    if not data:
        assert block == ""
    else:
        assert parse_block(block) == model_tree(data)


@given(items)
def test_integer_like_keys_come_first_in_ascending_order(pairs):
    data = ContextData(pairs)
    order = list(data)
    indexed = [k for k in order if array_index(k) >= 0]
    assert order[: len(indexed)] == indexed
    assert [int(k) for k in indexed] == sorted(int(k) for k in indexed)
    named_in_insertion_order = []
    for key, _ in pairs:
        if array_index(key) < 0 and key not in named_in_insertion_order:
            named_in_insertion_order.append(key)
    assert order[len(indexed) :] == named_in_insertion_order


@pytest.mark.parametrize(
    ("pairs", "expected"),
    [
        ([("b", "1"), ("a", "2"), ("c", "3")], "&c.&b=1&a=2&c=3&.c"),
        ([("app.x", "1"), ("app.y", "2")], "&c.&app.&x=1&y=2&.app&.c"),
        ([("a.b.c.d", "1"), ("a.b.e", "2"), ("a.f", "3")], "&c.&a.&b.&c.&d=1&.c&e=2&.b&f=3&.a&.c"),
        ([("g.a", "1"), ("x", "2"), ("g.b", "3")], "&c.&g.&a=1&b=3&.g&x=2&.c"),
        ([("g.a", ""), ("x", "1"), ("g.b", "2")], "&c.&x=1&g.&b=2&.g&.c"),
        ([("zero", 0), ("e", ""), ("f", False), ("n", None), ("keep", "k")], "&c.&keep=k&.c"),
        ([("t", True), ("one", 1), ("num", 2.5)], "&c.&t=true&one=1&num=2.5&.c"),
        (
            [("b", "1"), ("10", "ten"), ("2", "two"), ("a.3", "z"), ("01", "x")],
            "&c.&2=two&10=ten&b=1&a.&3=z&.a&01=x&.c",
        ),
        ([("a..b", "1")], "&c.&a.&.b=1&.a&.c"),
        ([(".x", "1"), ("y", "2")], "&c.&.x=1&y=2&.c"),
        ([("x.", "1")], "&c.&x.&.x&.c"),
        ([("a", "1"), ("a.b", "2")], "&c.&a=1&a.&b=2&.a&.c"),
        ([("my group.\u00e9", "v w")], "&c.&my group.&%C3%A9=v%20w&.my group&.c"),
        ([("v", "a b&c+d~e'(f)")], "&c.&v=a%20b%26c%2Bd%7Ee%27%28f%29&.c"),
        ([], ""),
    ],
    ids=[
        "flat-insertion-order",
        "one-group",
        "deep",
        "group-gathers-later-keys",
        "falsy-first-key-does-not-open",
        "falsy-values-dropped",
        "true-and-numbers",
        "integer-like-keys-first",
        "double-dot-leaf",
        "leading-dot-leaf",
        "trailing-dot-empty-group",
        "leaf-and-group-same-name",
        "group-name-raw",
        "value-escaping",
        "empty",
    ],
)
def test_serialize_table(pairs, expected):
    assert serialize("c", ContextData(pairs).items()) == expected


@pytest.mark.parametrize(
    ("allowed", "expected"),
    [
        (",contextData.a.b,contextData.x,", "&c.&a.&b=1&.a&x=3&.c"),
        (",contextData,", ""),
        (",contextData.y,", "&c.&y=4&.c"),
    ],
    ids=["listed-keys", "bare-contextData-allows-none", "one-key"],
)
def test_serialize_link_filter(allowed, expected):
    data = ContextData([("a.b", "1"), ("a.c", "2"), ("x", "3"), ("y", "4")])
    assert serialize("c", data.items(), allowed, "contextData.") == expected


@pytest.mark.parametrize(
    ("key", "index"),
    [
        ("0", 0),
        ("2", 2),
        ("10", 10),
        ("4294967294", 4294967294),
        ("4294967295", -1),
        ("01", -1),
        ("-1", -1),
        ("1.5", -1),
        ("", -1),
        ("\u0661", -1),
    ],
    ids=[
        "zero",
        "two",
        "ten",
        "max-index",
        "beyond-max",
        "leading-zero",
        "negative",
        "decimal",
        "empty",
        "arabic-digit",
    ],
)
def test_array_index(key, index):
    assert array_index(key) == index


def test_mapping_behaviour_and_order_after_delete():
    data = ContextData({"b": 1, "a": 2})
    data["3"] = "x"
    assert list(data) == ["3", "b", "a"] and len(data) == 3 and "a" in data
    del data["b"]
    data["b"] = 5
    assert data.items() == [("3", "x"), ("a", 2), ("b", 5)]
    assert data.get("zz") is None and data.pop("a") == 2 and data.pop("zz", 7) == 7
    assert data == {"3": "x", "b": 5}
    assert data.copy() == data and data.copy() is not data
    data.update([("c", 1)], d=2)
    assert list(data) == ["3", "b", "c", "d"]
    with pytest.raises(KeyError):
        data["missing"]


@pytest.mark.parametrize("key", [5, None, ("a",), b"k"], ids=["int", "None", "tuple", "bytes"])
def test_non_string_keys_are_refused_with_the_key_named(key):
    data = ContextData()
    with pytest.raises(
        TypeError,
        match="contextData key must be a string, got " + repr(key).replace("(", r"\(").replace(")", r"\)"),
    ):
        data[key] = "v"
    with pytest.raises(TypeError, match="contextData key must be a string"):
        ContextData({key: "v"})


@pytest.mark.parametrize(
    "value", [None, "a=b", 5, [("a", 1)]], ids=["None", "string", "int", "list-of-pairs"]
)
def test_from_value_refuses_non_mappings(value):
    with pytest.raises(TypeError, match="contextData must be a mapping"):
        ContextData.from_value(value)


# AppMeasurement.js skips a key when `Object.prototype[key]` is truthy (recorded in Chromium): the
# whole key is tested, so only top-level names are skipped; "__proto__" reads as null and is sent.
OBJECT_PROTOTYPE_CASES = [
    ([("constructor", "x")], ""),
    ([("toString", "x"), ("k", "v")], "&c.&k=v&.c"),
    ([("hasOwnProperty", "1"), ("__proto__", "2")], "&c.&__proto__=2&.c"),
    ([("__proto__", "p")], "&c.&__proto__=p&.c"),
    ([("valueOf", "a"), ("toString.x", "b")], "&c.&toString.&x=b&.toString&.c"),
    ([("a.valueOf", "1"), ("a.constructor", "2")], "&c.&a.&valueOf=1&constructor=2&.a&.c"),
    ([("toString", "skipped"), ("toString.leaf", "kept")], "&c.&toString.&leaf=kept&.toString&.c"),
    (
        [("ToString", "1"), ("tostring", "2"), ("constructors", "3")],
        "&c.&ToString=1&tostring=2&constructors=3&.c",
    ),
] + [([(name, "v"), ("k", "1")], "&c.&k=1&.c") for name in OBJECT_PROTOTYPE_NAMES]
OBJECT_PROTOTYPE_IDS = [
    "constructor-alone-no-block",
    "toString-skipped-others-kept",
    "hasOwnProperty-skipped-__proto__-kept",
    "__proto__-kept",
    "group-named-toString-kept",
    "leaves-named-like-members-kept",
    "skipped-key-does-not-hide-its-group",
    "near-names-kept",
] + ["skips-" + name for name in OBJECT_PROTOTYPE_NAMES]


@pytest.mark.parametrize(("pairs", "expected"), OBJECT_PROTOTYPE_CASES, ids=OBJECT_PROTOTYPE_IDS)
def test_keys_named_like_object_prototype_members(pairs, expected):
    block = serialize("c", ContextData(pairs).items())
    assert block == expected, "contextData %r: expected %r, got %r" % (pairs, expected, block)


def test_object_prototype_names_are_skipped_under_a_link_filter_too():
    data = ContextData([("valueOf", "1"), ("x", "2")])
    allowed = ",contextData.valueOf,contextData.x,"
    assert serialize("c", data.items(), allowed, "contextData.") == "&c.&x=2&.c"


def _assigned(s):
    s.contextData = ContextData([("toString", "x"), ("k", "v")])
    return s.t()


def _set_item(s):
    s.contextData["constructor"] = "x"
    return s.t()


def _overrides(s):
    return s.t({"contextData": {"hasOwnProperty": "1", "__proto__": "2"}})


def _link(s):
    s.linkTrackVars = "contextData.valueOf,contextData.x"
    s.contextData = ContextData([("valueOf", "1"), ("x", "2")])
    return s.tl(True, "o", "Link")


@pytest.mark.parametrize(
    ("send", "block"),
    [
        (_assigned, "&c.&k=v&.c"),
        (_set_item, ""),
        (_overrides, "&c.&__proto__=2&.c"),
        (_link, "&c.&x=2&.c"),
    ],
    ids=["assigned-toString-skipped", "setitem-constructor-no-block", "overrides-keep-__proto__", "link-hit"],
)
def test_tracker_leaves_object_prototype_names_out_of_the_hit(send, block):
    rig = Rig("testrsid")
    urls = rig.record()
    send(rig.s)
    rig.settle()
    [url] = urls
    found = url[url.index("&c.") : url.index("&.c") + 3] if "&c." in url else ""
    assert found == block, "expected the c. block %r, the hit carried %r (%s)" % (block, found, url)
