"""appmeasurement.parse (the one request reader) and the wire vocabulary in appmeasurement.variables.

The parser is lenient: whatever it is given comes back as pairs, a block tree and a list of errors,
never as an exception. The same inputs also run under MicroPython in Node and must read the same.
"""

import doctest
import json
import shutil
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from appmeasurement import parse as parse_module
from appmeasurement import variables
from appmeasurement.contextdata import ContextData, serialize
from appmeasurement.escaping import escape
from appmeasurement.jsvalues import js_string
from appmeasurement.parse import decode, parse, parse_query

ROOT = Path(__file__).resolve().parents[2]
MICROPYTHON = ROOT / "node_modules" / "@micropython" / "micropython-webassembly-pyscript" / "micropython.mjs"


@pytest.mark.parametrize("module", [parse_module, variables], ids=["parse", "variables"])
def test_module_docstring_examples_hold(module):
    result = doctest.testmod(module)
    assert result.failed == 0 and result.attempted > 0, f"{module.__name__}: {result}"


# --- percent-decoding -------------------------------------------------------------------------------
DECODES = [
    ("plain", "Home", "Home", []),
    ("space", "a%20b", "a b", []),
    ("plus stays plus", "a+b", "a+b", []),  # AppMeasurement escapes "+" as %2B and never sends "+"
    ("utf-8", "%C3%A9t%C3%A9", "été", []),
    ("emoji", "%F0%9F%90%8D", "\U0001f40d", []),
    ("lowercase hex", "%3cb%3e", "<b>", []),
    ("html stays text", "%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", "<img src=x onerror=alert(1)>", []),
    ("bad escape kept", "100%", "100%", ["invalid percent-escape '%' in '100%'"]),
    ("bad hex kept", "%zz", "%zz", ["invalid percent-escape '%zz'"]),
    ("truncated escape kept", "a%2", "a%2", ["invalid percent-escape '%2'"]),
    ("bad escape after a good one", "%C3%A9%zz", "%C3%A9%zz", ["invalid percent-escape '%zz'"]),
    ("not utf-8 kept", "%FF", "%FF", ["'%FF' is not UTF-8"]),
    ("lone lead byte", "%E9", "%E9", ["not UTF-8"]),
    ("encoded surrogate", "%ED%A0%80", "%ED%A0%80", ["not UTF-8"]),
    ("overlong form", "%C0%AF", "%C0%AF", ["not UTF-8"]),
]


@pytest.mark.parametrize(
    ("raw", "expected", "problems"), [r[1:] for r in DECODES], ids=[r[0] for r in DECODES]
)
def test_decode_is_strict_utf8_and_keeps_what_it_cannot_decode(raw, expected, problems):
    errors = []
    assert decode(raw, errors) == expected
    assert len(errors) == len(problems), f"expected problems {problems}, got {errors}"
    for error, problem in zip(errors, problems):
        assert problem in error, f"expected {problem!r} in {error!r}"


# --- what the input is --------------------------------------------------------------------------------
QUERY = "AQB=1&pageName=Home&c.&a=1&.c&AQE=1"
PAIRS = [["AQB", "1"], ["pageName", "Home"], ["c.a", "1"], ["AQE", "1"]]
INPUTS = [
    ("full URL", "https://m.example.com/b/ss/rs1/1/JS-2.27.0/s123?" + QUERY, "rs1", "s123"),
    ("URL with fragment", "http://h/b/ss/rs1/1/JS-2.27.0/s9?" + QUERY + "#frag", "rs1", "s9"),
    ("path-only URL", "/b/ss/rs1/1/JS-2.27.0/s5?" + QUERY, "rs1", "s5"),
    ("bare query", QUERY, None, None),
    ("query with leading ?", "?" + QUERY, None, None),
    ("POST body", QUERY, None, None),  # AppMeasurement's POST body is the query itself
]


@pytest.mark.parametrize(("text", "rsid", "buster"), [i[1:] for i in INPUTS], ids=[i[0] for i in INPUTS])
def test_url_query_and_body_read_the_same_pairs(text, rsid, buster):
    hit = parse(text)
    assert hit["pairs"] == PAIRS and hit["errors"] == []
    assert (hit["rsid"], hit["cache_buster"]) == (rsid, buster)
    assert hit["url"] == (rsid is not None)


def test_url_parts():
    hit = parse("http://127.0.0.1:8000/b/ss/one%2Ctwo/1/JS-2.27.0/s12345678?AQB=1&AQE=1")
    assert (hit["scheme"], hit["host"], hit["path"]) == (
        "http",
        "127.0.0.1:8000",
        "/b/ss/one%2Ctwo/1/JS-2.27.0/s12345678",
    )
    assert (hit["rsid"], hit["version"], hit["library"], hit["query"]) == (
        "one,two",
        "1",
        "JS-2.27.0",
        "AQB=1&AQE=1",
    )


def test_other_url_path_is_reported_first_and_the_query_still_read():
    hit = parse("http://h/other/path?x=1&junk")
    assert hit["errors"][0].startswith("not an AppMeasurement path"), hit["errors"]
    assert "has no '='" in hit["errors"][1]
    assert hit["pairs"] == [["x", "1"]]


def test_parse_query_never_takes_its_input_for_a_url():
    hit = parse_query("/b/ss/x/1/JS/s1")
    assert hit["url"] is False and hit["rsid"] is None
    assert hit["errors"] == ["part '/b/ss/x/1/JS/s1' has no '=' and is not a context-data block"]


def test_empty_inputs_have_no_parts_and_no_errors():
    for text in ("", "?", "http://h/b/ss/r/1/JS-2.27.0/s1"):
        hit = parse(text)
        assert (hit["pairs"], hit["context"], hit["errors"]) == ([], [], []), text


# --- the block tree -------------------------------------------------------------------------------------
def rows(nodes, depth=0):
    out = []
    for node in nodes:
        out.append((depth, node["name"], node["key"], node["value"], node["block"], node["repeat"]))
        out.extend(rows(node["children"], depth + 1))
    return out


TREES = [
    (
        "nested",
        "c.&shop.&section=home&.shop&app=demo&.c",
        [
            (0, "c", "c", None, True, False),
            (1, "shop", "c.shop", None, True, False),
            (2, "section", "c.shop.section", "home", False, False),
            (1, "app", "c.app", "demo", False, False),
        ],
    ),
    (
        "reopened block is one block",
        "c.&a=1&.c&c.&b=2&.c",
        [
            (0, "c", "c", None, True, False),
            (1, "a", "c.a", "1", False, False),
            (1, "b", "c.b", "2", False, False),
        ],
    ),
    (
        "repeated leaf kept and flagged",
        "c.&k=1&k=2&.c",
        [
            (0, "c", "c", None, True, False),
            (1, "k", "c.k", "1", False, False),
            (1, "k", "c.k", "2", False, True),
        ],
    ),
    (
        "leaf then block of the same name share a node",
        "c.&a=1&a.&b=2&.a&.c",
        [
            (0, "c", "c", None, True, False),
            (1, "a", "c.a", "1", True, False),
            (2, "b", "c.a.b", "2", False, False),
        ],
    ),
    (
        "block then leaf of the same name share a node",
        "c.&a.&b=2&.a&a=1&.c",
        [
            (0, "c", "c", None, True, False),
            (1, "a", "c.a", "1", True, False),
            (2, "b", "c.a.b", "2", False, False),
        ],
    ),
    ("empty block", "x.&.x", [(0, "x", "x", None, True, False)]),
    (
        "ActivityMap inside c",
        "c.&a.&activitymap.&page=Home&link=Buy&.activitymap&.a&.c",
        [
            (0, "c", "c", None, True, False),
            (1, "a", "c.a", None, True, False),
            (2, "activitymap", "c.a.activitymap", None, True, False),
            (3, "page", "c.a.activitymap.page", "Home", False, False),
            (3, "link", "c.a.activitymap.link", "Buy", False, False),
        ],
    ),
    (
        "escaped names",
        "c.&my%20key=v%20w&.c",
        [(0, "c", "c", None, True, False), (1, "my key", "c.my key", "v w", False, False)],
    ),
]


@pytest.mark.parametrize(("query", "expected"), [t[1:] for t in TREES], ids=[t[0] for t in TREES])
def test_block_tree(query, expected):
    hit = parse("AQB=1&" + query + "&c1=after&AQE=1")
    assert rows(hit["context"]) == expected
    assert hit["errors"] == []
    assert hit["params"] == [["AQB", "1"], ["c1", "after"], ["AQE", "1"]], (
        "what follows a block is top level again"
    )
    assert hit["context_pairs"] == [pair for pair in hit["pairs"] if pair not in hit["params"]]


# --- malformed input: reported, never raised -----------------------------------------------------------
MALFORMED = [
    (
        "unclosed block",
        "AQB=1&c.&a=1",
        ["context-data block 'c.' is never closed"],
        [["AQB", "1"], ["c.a", "1"]],
    ),
    ("stray close", ".c&k=v", ["'.c' closes a context-data block that was never opened"], [["k", "v"]]),
    (
        "mismatched close recovers at the named block",
        "c.&g.&x=1&.c&k=v",
        ["'.c' does not close the open block 'g.'"],
        [["c.g.x", "1"], ["k", "v"]],
    ),
    (
        "close of a block not open is skipped",
        "c.&.d&k=v&.c",
        ["'.d' does not close the open block 'c.'"],
        [["c.k", "v"]],
    ),
    ("block with no name", ".&k=v", ["context-data block with an empty name ('.')"], [["k", "v"]]),
    ("empty key kept", "=v&k=w", ["part '=v' has an empty key"], [["", "v"], ["k", "w"]]),
    ("empty part", "a=1&&b=2", ["empty part"], [["a", "1"], ["b", "2"]]),
    ("trailing &", "a=1&", ["empty part"], [["a", "1"]]),
    ("part without =", "a=1&flag", ["part 'flag' has no '='"], [["a", "1"]]),
    ("bad escape in key and value", "%zz=100%", ["'%zz'", "'%'"], [["%zz", "100%"]]),
    ("not utf-8 value", "k=%E9", ["'%E9' is not UTF-8"], [["k", "%E9"]]),
    ("bad escape in a block name", "c.&%zz.&x=1&.%zz&.c", ["'%zz'", "'%zz'"], [["c.%zz.x", "1"]]),
]


@pytest.mark.parametrize(
    ("query", "problems", "pairs"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED]
)
def test_malformed_input_is_reported_and_read_on(query, problems, pairs):
    hit = parse(query)
    assert hit["pairs"] == pairs
    assert len(hit["errors"]) == len(problems), f"expected {problems}, got {hit['errors']}"
    for error, problem in zip(hit["errors"], problems):
        assert problem in error, f"expected {problem!r} in {error!r}"


# --- properties: what the tracker writes reads back ---------------------------------------------------
# Group names go on the wire unescaped (as AppMeasurement writes them), so they are drawn from what
# survives that: no "&", "=", "%" or "."; leaf names and values are escaped and may be anything.
NO_SURROGATES = st.characters(blacklist_categories=("Cs",))
group_names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="&=%."), min_size=1, max_size=6
)
leaf_names = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="."), min_size=1, max_size=6
)
context_keys = st.tuples(st.lists(group_names, max_size=3), leaf_names).map(lambda t: ".".join(t[0] + [t[1]]))
context_values = st.one_of(
    st.text(NO_SURROGATES), st.just(True), st.integers(-(10**6), 10**6), st.floats(allow_nan=False)
)
context_items = st.lists(st.tuples(context_keys, context_values), max_size=12)


def model_tree(data):
    """What the parser should read: one node per name and level (value and/or children), in first-seen
    order; falsy values are never sent, True is "true", numbers are JS String()."""
    root = []
    for key, value in data.items():
        if not value and value is not True:
            continue
        level = root
        segments = key.split(".")
        for i, segment in enumerate(segments):
            node = None
            for candidate in level:
                if candidate[0] == segment:
                    node = candidate
            if node is None:
                node = [segment, None, []]
                level.append(node)
            if i == len(segments) - 1:
                node[1] = "true" if value is True else js_string(value)
            level = node[2]
    return root


def read_tree(nodes):
    return [[node["name"], node["value"], read_tree(node["children"])] for node in nodes]


@given(context_items)
def test_serialised_context_data_parses_back_to_the_same_tree(items):
    data = ContextData(items)
    block = serialize("c", data.items())
    hit = parse("AQB=1" + block + "&AQE=1")
    assert hit["errors"] == [], block
    expected = model_tree(data)
    assert read_tree(hit["context"]) == ([["c", None, expected]] if expected else []), block


@given(st.text(NO_SURROGATES), st.text(NO_SURROGATES, min_size=1))
def test_escaped_value_and_key_read_back(value, key):
    hit = parse("AQB=1&" + escape(key) + "=" + escape(value) + "&AQE=1")
    assert hit["errors"] == []
    assert hit["pairs"] == [["AQB", "1"], [key, value], ["AQE", "1"]]


# --- the wire vocabulary --------------------------------------------------------------------------------
VARIABLES = [
    ("c0", "prop0"),
    ("c1", "prop1"),
    ("c75", "prop75"),
    ("v0", "campaign"),  # eVar0 shares v0; AppMeasurement lists campaign first
    ("v1", "eVar1"),
    ("v250", "eVar250"),
    ("h0", "hier0"),
    ("h5", "hier5"),
    ("l0", "list0"),
    ("l3", "list3"),
    ("g", "pageURL"),
    ("-g", "pageURLRest"),
    ("vmt", "visitorMigrationKey"),
    ("vmf", "visitorMigrationServer"),
    ("c", "colorDepth"),
    ("v", "javaEnabled"),
    ("cp", "customerPerspective"),
    ("mcorgid", "marketingCloudOrgID"),
    ("ms_a", "ms_a"),
    ("tnt", "tnt"),
    ("fpCookieDomainPeriods", "fpCookieDomainPeriods"),
    ("pe", "pe"),
    ("c76", None),
    ("v251", None),
    ("h6", None),
    ("l4", None),
    ("c01", None),
    ("h", None),  # clientHints is a block, never a key=value
    ("mts", None),  # retrieveLightData: a block too
    ("events2", None),  # merged into events, never sent itself
    ("contextData.cm.ssf", None),
    ("AQB", None),
    ("mystery", None),
]


@pytest.mark.parametrize(("key", "name"), VARIABLES, ids=[v[0] for v in VARIABLES])
def test_variable_for_key(key, name):
    assert variables.variable_for_key(key) == name


def _sent_variables():
    """Every variable sent as key=value, with the key it is sent under."""
    out = []
    for name in variables.tracked():
        key = variables.wire_key(name)
        if name in variables.BLOCKS or name in ("events2", "vmk") or name.startswith("contextData."):
            continue
        out.append((name, key))
    return out


SENT = _sent_variables()
SHARED_KEY = {"eVar0": "campaign", "visitorMigrationServerSecure": "visitorMigrationServer"}


@pytest.mark.parametrize(("name", "key"), SENT, ids=[s[0] for s in SENT])
def test_every_sent_variable_is_found_from_its_key(name, key):
    assert variables.variable_for_key(key) == SHARED_KEY.get(name, name), f"{key} should read as {name}"


def test_sendable_keys_cover_every_variable_and_extra_key_once():
    keys = variables.sendable_keys()
    assert len(keys) == len(set(keys)), "a key listed twice"
    assert {key for _name, key in SENT} | {key for key, _label in variables.EXTRA_KEYS} == set(keys)
    for key in keys:
        named = variables.variable_for_key(key) is not None
        labelled = variables.extra_key_label(key) is not None
        assert named != labelled, f"{key} must be either a variable or an extra key"


def test_extra_keys_and_blocks_are_labelled():
    assert variables.extra_key_label("lrt") == "last request time (ms)"
    for key in (
        "AQB",
        "AQE",
        "ndh",
        "pf",
        "t",
        "lrt",
        "callback",
        "et",
        "pid",
        "pidt",
        "oid",
        "oidt",
        "ot",
        "oi",
        "u",
    ):
        assert variables.extra_key_label(key), key
    for name, label in (
        ("c", "contextData"),
        ("cid", "customer IDs"),
        ("h", "clientHints"),
        ("mts", "retrieveLightData"),
    ):
        assert variables.block_label(name) == label
    for name in ("d", "a", "activitymap"):
        assert variables.block_label(name), name
    assert variables.block_label("zz") is None


# --- the same reading under MicroPython ---------------------------------------------------------------
def _micropython_inputs():
    texts = (
        [i[1] for i in INPUTS]
        + ["AQB=1&" + t[1] + "&c1=after&AQE=1" for t in TREES]
        + [m[1] for m in MALFORMED]
    )
    texts += ["http://h/other/path?x=1&junk", "", "k=%F0%9F%90%8D&%C3%A9=%3Cb%3E"]
    return texts


@pytest.mark.mpy
@pytest.mark.skipif(shutil.which("node") is None or not MICROPYTHON.exists(), reason="needs node and npm ci")
def test_micropython_reads_exactly_like_cpython(tmp_path):
    from tests.unit.test_micropython import run_micropython

    texts = _micropython_inputs()
    data = tmp_path / "texts.json"
    data.write_text(json.dumps(texts))
    code = (
        "import json\n"
        "from appmeasurement.parse import parse\n"
        "from appmeasurement import variables\n"
        "texts = json.loads(open('/data/texts.json').read())\n"
        "keys = variables.sendable_keys()\n"
        "print('RESULT ' + json.dumps({'hits': [parse(t) for t in texts],"
        " 'names': [[k, variables.variable_for_key(k), variables.extra_key_label(k)] for k in keys]}))\n"
    )
    _, result = run_micropython(code, (data, "/data/texts.json"))
    expected = json.loads(json.dumps([parse(t) for t in texts]))
    for text, mine, theirs in zip(texts, expected, result["hits"]):
        assert theirs == mine, f"MicroPython reads {text!r} differently"
    keys = variables.sendable_keys()
    assert result["names"] == [[k, variables.variable_for_key(k), variables.extra_key_label(k)] for k in keys]
