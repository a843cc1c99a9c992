"""The demo's pure modules in CPython: the hit inspector's decoding, plus the router and cart it uses.

``app/demo/inspector.py`` turns the request URL a track callback receives into what the inspector
panel shows. The same cases also run under MicroPython (Node + the PyScript MicroPython build) to
prove the module runs unchanged there::

    .venv/bin/python -m pytest tests/unit/test_inspector.py -q
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "app"))

from appmeasurement import variables  # noqa: E402
from demo import catalog, router  # noqa: E402
from demo.inspector import (  # noqa: E402
    LINK_LABELS,
    block_label,
    context_lines,
    context_value,
    decode_request,
    friendly_name,
    group_of,
    value_of,
)

BASE = "http://127.0.0.1:8000/b/ss/demorsid/1/JS-2.27.0/s12345678"


def req(query):
    return BASE + "?" + query


# --- friendly names ---------------------------------------------------------------------------------
NAMES = [
    ("c1", "prop1", "prop"),
    ("c75", "prop75", "prop"),
    ("c76", "c76", "other"),  # beyond AppMeasurement's props: unknown, shown as is
    ("c0", "prop0", "prop"),  # AppMeasurement sends prop0 (and hier0, list0) as c0 (h0, l0)
    ("c01", "c01", "other"),
    ("c", "colorDepth", "tech"),
    ("v1", "eVar1", "eVar"),
    ("v250", "eVar250", "eVar"),
    ("v0", "campaign", "page"),
    ("h3", "hier3", "hier"),
    ("h0", "hier0", "hier"),
    ("l2", "list2", "list"),
    ("l0", "list0", "list"),
    ("l4", "l4", "other"),
    ("ch", "channel", "page"),
    ("g", "pageURL", "page"),
    ("-g", "pageURLRest", "page"),
    ("r", "referrer", "page"),
    ("cc", "currencyCode", "page"),
    ("xact", "transactionID", "page"),
    ("pageName", "pageName", "page"),
    ("events", "events", "page"),
    ("products", "products", "page"),
    ("pe", "linkType", "link"),
    ("pev1", "linkURL", "link"),
    ("pev2", "linkName", "link"),
    ("s", "resolution", "tech"),
    ("bw", "browserWidth", "tech"),
    ("lrt", "last request time (ms)", "tech"),
    ("AQB", "AQB (request start)", "tech"),
    ("mystery", "mystery", "other"),
]


@pytest.mark.parametrize(("key", "name", "group"), NAMES, ids=[row[0] for row in NAMES])
def test_friendly_name_and_group(key, name, group):
    assert (friendly_name(key), group_of(key)) == (name, group)


def _expected_name(key):
    return LINK_LABELS.get(key) or variables.variable_for_key(key) or variables.extra_key_label(key)


SENDABLE = variables.sendable_keys()


@pytest.mark.parametrize("key", SENDABLE, ids=SENDABLE)
def test_every_key_appmeasurement_sends_shows_under_its_library_name(key):
    hit = decode_request(req("AQB=1&" + key + "=x&AQE=1"))
    row = hit["params"][1]
    assert (row["key"], row["value"]) == (key, "x")
    assert row["name"] == _expected_name(key), (
        f"{key}: expected {_expected_name(key)!r}, shown {row['name']!r}"
    )
    assert row["group"] != "other", f"{key} is an AppMeasurement key, shown in group 'other'"
    assert hit["errors"] == []


@pytest.mark.parametrize("name", [row[0] for row in variables.BLOCK_NAMES])
def test_every_block_is_labelled_by_the_library(name):
    assert block_label(name) == variables.block_label(name)


def test_groups_follow_the_library_lists():
    groups = {}
    for key in SENDABLE:
        groups.setdefault(group_of(key), []).append(key)
    assert sorted(groups) == ["eVar", "hier", "link", "list", "page", "prop", "tech"]
    assert groups["link"] == ["pe", "pev1", "pev2", "pev3"]
    assert (len(groups["prop"]), len(groups["eVar"]), len(groups["hier"]), len(groups["list"])) == (
        76,
        250,
        6,
        4,
    )
    assert {"AQB", "AQE", "t", "lrt", "s", "c", "mid", "vmt", "mcorgid"} <= set(groups["tech"])
    assert {"pageName", "g", "-g", "r", "v0", "events", "products", "cp", "tnt"} <= set(groups["page"])


# Percent-decoding is the library's (appmeasurement.parse.decode): its cases live in test_parse.py.


# --- the request line ---------------------------------------------------------------------------------
def test_request_line_parts():
    hit = decode_request(req("AQB=1&pageName=Home&AQE=1"))
    assert (hit["scheme"], hit["host"], hit["rsid"], hit["version"], hit["library"], hit["cache_buster"]) == (
        "http",
        "127.0.0.1:8000",
        "demorsid",
        "1",
        "JS-2.27.0",
        "s12345678",
    )
    assert hit["path"] == "/b/ss/demorsid/1/JS-2.27.0/s12345678"
    assert hit["errors"] == []


def test_multi_suite_rsid_is_unescaped():
    hit = decode_request("https://m.example.com/b/ss/one%2Ctwo/1/JS-2.27.0/s1?AQB=1&AQE=1")
    assert hit["rsid"] == "one,two"


def test_not_an_appmeasurement_path_is_reported_not_raised():
    hit = decode_request("http://h/other/path?x=1")
    assert hit["rsid"] is None
    assert hit["errors"] and "not an AppMeasurement path" in hit["errors"][0]
    assert value_of(hit, "x") == "1"


def test_url_without_query():
    hit = decode_request(BASE)
    assert hit["params"] == [] and hit["context"] == [] and hit["errors"] == []


# --- kinds and titles -------------------------------------------------------------------------------
KINDS = [
    ("page view", "AQB=1&pageName=Home&g=http%3A%2F%2Fh%2F&AQE=1", "page", "Page view", "Home"),
    (
        "page view without pageName",
        "AQB=1&g=http%3A%2F%2Fh%2Fx&pageType=errorPage&AQE=1",
        "page",
        "Page view",
        "http://h/x",
    ),
    ("custom link", "AQB=1&pe=lnk_o&pev2=Add%20to%20cart&AQE=1", "link_o", "Custom link", "Add to cart"),
    (
        "download link",
        "AQB=1&pe=lnk_d&pev1=http%3A%2F%2Fh%2Fc.pdf&pev2=Catalogue&AQE=1",
        "link_d",
        "Download link",
        "Catalogue",
    ),
    (
        "exit link by URL",
        "AQB=1&pe=lnk_e&pev1=https%3A%2F%2Fpyscript.net%2F&AQE=1",
        "link_e",
        "Exit link",
        "https://pyscript.net/",
    ),
    ("unknown link type", "AQB=1&pe=media&AQE=1", "other", "Link (media)", ""),
]


@pytest.mark.parametrize(
    ("query", "kind", "label", "title"), [k[1:] for k in KINDS], ids=[k[0] for k in KINDS]
)
def test_kind_and_title(query, kind, label, title):
    hit = decode_request(req(query))
    assert (hit["kind"], hit["kind_label"], hit["title"]) == (kind, label, title)


# --- top-level variables ------------------------------------------------------------------------------
def test_params_keep_wire_order_friendly_names_and_values():
    hit = decode_request(
        req(
            "AQB=1&ndh=1&pageName=Product%3A%20Mug&g=http%3A%2F%2Fh%2Fproduct%2F42&ch=catalog&events=prodView"
            "&products=%3BSKU42&v0=spring&c1=product&v1=product&c3=42&v3=42&h1=a%7Cb&l1=x%2Cy&AQE=1"
        )
    )
    assert [(p["key"], p["name"], p["value"]) for p in hit["params"]] == [
        ("AQB", "AQB (request start)", "1"),
        ("ndh", "ndh", "1"),
        ("pageName", "pageName", "Product: Mug"),
        ("g", "pageURL", "http://h/product/42"),
        ("ch", "channel", "catalog"),
        ("events", "events", "prodView"),
        ("products", "products", ";SKU42"),
        ("v0", "campaign", "spring"),
        ("c1", "prop1", "product"),
        ("v1", "eVar1", "product"),
        ("c3", "prop3", "42"),
        ("v3", "eVar3", "42"),
        ("h1", "hier1", "a|b"),
        ("l1", "list1", "x,y"),
        ("AQE", "AQE (request end)", "1"),
    ]
    assert [p["group"] for p in hit["params"] if p["group"] != "tech"] == [
        "page",
        "page",
        "page",
        "page",
        "page",
        "page",
        "prop",
        "eVar",
        "prop",
        "eVar",
        "hier",
        "list",
    ]


REPEATS = [
    ("same key twice", "AQB=1&c1=a&c1=b&AQE=1", "c1", ["a", "b"], [False, True]),
    ("three times", "AQB=1&events=x&events=y&events=z&AQE=1", "events", ["x", "y", "z"], [False, True, True]),
    ("empty value kept", "AQB=1&c2=&c2=v&AQE=1", "c2", ["", "v"], [False, True]),
]


@pytest.mark.parametrize(
    ("query", "key", "values", "flags"), [r[1:] for r in REPEATS], ids=[r[0] for r in REPEATS]
)
def test_repeated_keys_are_all_kept_and_flagged(query, key, values, flags):
    hit = decode_request(req(query))
    rows = [p for p in hit["params"] if p["key"] == key]
    assert [p["value"] for p in rows] == values
    assert [p["repeat"] for p in rows] == flags
    assert value_of(hit, key) == values[0]


def test_value_with_equals_sign_keeps_everything_after_the_first():
    hit = decode_request(req("AQB=1&c1=a%3Db=c&AQE=1"))
    assert value_of(hit, "c1") == "a=b=c"


# --- context data -------------------------------------------------------------------------------------
def tree(hit):
    """The context tree as (depth, name, flat key, value) rows."""
    return context_lines(hit["context"])


CONTEXT = [
    (
        "flat",
        "c.&section=home&app=demo&.c",
        [(0, "c", "c", None), (1, "section", "c.section", "home"), (1, "app", "c.app", "demo")],
        [["c.section", "home"], ["c.app", "demo"]],
    ),
    (
        "nested two levels",
        "c.&shop.&section=product&product.&id=42&category=kitchen&.product&.shop&.c",
        [
            (0, "c", "c", None),
            (1, "shop", "c.shop", None),
            (2, "section", "c.shop.section", "product"),
            (2, "product", "c.shop.product", None),
            (3, "id", "c.shop.product.id", "42"),
            (3, "category", "c.shop.product.category", "kitchen"),
        ],
        [["c.shop.section", "product"], ["c.shop.product.id", "42"], ["c.shop.product.category", "kitchen"]],
    ),
    (
        "sibling groups",
        "c.&a.&x=1&.a&b.&y=2&.b&z=3&.c",
        [
            (0, "c", "c", None),
            (1, "a", "c.a", None),
            (2, "x", "c.a.x", "1"),
            (1, "b", "c.b", None),
            (2, "y", "c.b.y", "2"),
            (1, "z", "c.z", "3"),
        ],
        [["c.a.x", "1"], ["c.b.y", "2"], ["c.z", "3"]],
    ),
    (
        "group reopened is merged",
        "c.&a.&x=1&.a&a.&y=2&.a&.c",
        [(0, "c", "c", None), (1, "a", "c.a", None), (2, "x", "c.a.x", "1"), (2, "y", "c.a.y", "2")],
        [["c.a.x", "1"], ["c.a.y", "2"]],
    ),
    (
        "repeated leaf kept twice",
        "c.&k=1&k=2&.c",
        [(0, "c", "c", None), (1, "k", "c.k", "1"), (1, "k", "c.k", "2")],
        [["c.k", "1"], ["c.k", "2"]],
    ),
    (
        "escaped leaf key and value",
        "c.&my%20key=%3Cb%3E%20%C3%A9&.c",
        [(0, "c", "c", None), (1, "my key", "c.my key", "<b> é")],
        [["c.my key", "<b> é"]],
    ),
    (
        "a group that also has its own value",
        "c.&a.&x=1&.a&a=own&.c",
        [(0, "c", "c", None), (1, "a", "c.a", "own"), (2, "x", "c.a.x", "1")],
        [["c.a.x", "1"], ["c.a", "own"]],
    ),
    (
        "other top-level block (customer IDs)",
        "cid.&crm.&id=77&as=1&.crm&.cid",
        [
            (0, "cid", "cid", None),
            (1, "crm", "cid.crm", None),
            (2, "id", "cid.crm.id", "77"),
            (2, "as", "cid.crm.as", "1"),
        ],
        [["cid.crm.id", "77"], ["cid.crm.as", "1"]],
    ),
]


@pytest.mark.parametrize(("blocks", "lines", "pairs"), [c[1:] for c in CONTEXT], ids=[c[0] for c in CONTEXT])
def test_context_tree(blocks, lines, pairs):
    hit = decode_request(req("AQB=1&pageName=P&" + blocks + "&c1=after&AQE=1"))
    assert tree(hit) == lines
    assert hit["context_pairs"] == pairs
    assert hit["errors"] == []
    # Context leaves are not top-level variables, and what follows the block still is.
    assert [p["key"] for p in hit["params"]] == ["AQB", "pageName", "c1", "AQE"]
    assert value_of(hit, "c1") == "after"


def test_context_value_lookup():
    hit = decode_request(req("AQB=1&c.&shop.&section=home&.shop&.c&AQE=1"))
    assert context_value(hit, "c.shop.section") == "home"
    assert context_value(hit, "c.shop.nothing") is None


MALFORMED = [
    ("unclosed block", "AQB=1&c.&a=1&AQE=1", "never closed"),
    ("stray close", "AQB=1&.c&AQE=1", "never opened"),
    ("wrong close", "AQB=1&c.&a.&x=1&.c&AQE=1", "does not close"),
    ("part without =", "AQB=1&junk&AQE=1", "has no '='"),
    ("empty part", "AQB=1&&AQE=1", "empty part"),
]


@pytest.mark.parametrize(("query", "problem"), [m[1:] for m in MALFORMED], ids=[m[0] for m in MALFORMED])
def test_malformed_queries_are_reported_not_raised(query, problem):
    hit = decode_request(req(query))
    assert any(problem in error for error in hit["errors"]), hit["errors"]
    assert value_of(hit, "AQB") == "1"


def test_wrong_close_recovers_at_the_named_block():
    hit = decode_request(req("AQB=1&c.&a.&x=1&.c&c1=top&AQE=1"))
    assert value_of(hit, "c1") == "top"  # ".c" closed both blocks; c1 is a top-level variable again


def test_xss_payload_is_data_not_markup():
    payload = "<img src=x onerror=alert(1)>"
    hit = decode_request(
        req(
            "AQB=1&pageName=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&c.&shop.&search.&term=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&.search&.shop&.c&AQE=1"
        )
    )
    assert value_of(hit, "pageName") == payload
    assert hit["title"] == payload
    assert context_value(hit, "c.shop.search.term") == payload


# --- the same decoding under MicroPython --------------------------------------------------------------
MICROPYTHON = ROOT / "node_modules/@micropython/micropython-webassembly-pyscript/micropython.mjs"

RUNNER = ROOT / "tests/unit/mpy_runner.mjs"

# mpy_runner.mjs puts app/appmeasurement on MicroPython's path (the inspector reads requests with
# appmeasurement.parse); the demo's pure modules and the URLs are copied in with --file.
MP_CODE = """
import json
from demo.inspector import decode_request
from demo import router
urls = json.loads(open("/data/urls.json").read())
print("RESULT " + json.dumps({"hits": [decode_request(u) for u in urls],
                              "routes": [router.match(p) for p in ("/", "/product/42", "/x/y")],
                              "query": router.parse_query("q=a+b%C3%A9&x=%3C")}))
"""


def _all_test_urls():
    queries = [k[1] for k in KINDS] + [r[1] for r in REPEATS] + [m[1] for m in MALFORMED]
    queries += ["AQB=1&pageName=P&" + c[1] + "&c1=after&AQE=1" for c in CONTEXT]
    urls = [req(q) for q in queries]
    urls.append(req("AQB=1&pageName=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&c2=%F0%9F%90%8D&c3=100%&AQE=1"))
    urls.append("http://h/other/path?x=1")
    urls.append(req("&".join(key + "=x" for key in SENDABLE)))  # every key AppMeasurement sends, named
    return urls


@pytest.mark.mpy
@pytest.mark.skipif(shutil.which("node") is None or not MICROPYTHON.exists(), reason="needs node and npm ci")
def test_micropython_decodes_exactly_like_cpython(tmp_path):
    urls = _all_test_urls()
    data = tmp_path / "urls.json"
    data.write_text(json.dumps(urls))
    command = ["node", str(RUNNER), "--file", "%s=/data/urls.json" % data]
    for name in ("__init__.py", "inspector.py", "router.py", "catalog.py"):
        command += ["--file", "%s=/lib/demo/%s" % (ROOT / "app/demo" / name, name)]
    result = subprocess.run(
        command + ["-c", MP_CODE], cwd=ROOT, capture_output=True, text=True, timeout=240, check=False
    )
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, "no RESULT line; stdout:\n%s\nstderr:\n%s" % (result.stdout[-2000:], result.stderr[-2000:])
    got = json.loads(lines[-1][len("RESULT ") :])
    # JSON round-trips both sides: tuples become lists, and dict key order does not matter.
    expected_hits = json.loads(json.dumps([decode_request(u) for u in urls]))
    for url, mine, theirs in zip(urls, expected_hits, got["hits"]):
        assert theirs == mine, f"MicroPython decodes {url} differently"
    assert got["routes"] == json.loads(json.dumps([router.match(p) for p in ("/", "/product/42", "/x/y")]))
    assert got["query"] == json.loads(json.dumps(router.parse_query("q=a+b%C3%A9&x=%3C")))


# --- router -------------------------------------------------------------------------------------------
ROUTES = [
    ("/", ("home", [])),
    ("", ("home", [])),
    ("/products", ("products", [])),
    ("/products/", ("products", [])),
    ("/product/42", ("product", [("id", "42")])),
    ("/product/caf%C3%A9", ("product", [("id", "café")])),
    ("/product", ("not_found", [])),
    ("/product/42/extra", ("not_found", [])),
    ("/cart", ("cart", [])),
    ("/checkout", ("checkout", [])),
    ("/thanks", ("thanks", [])),
    ("/search", ("search", [])),
    ("/nowhere", ("not_found", [])),
]


@pytest.mark.parametrize(("path", "expected"), ROUTES, ids=[r[0] or "(empty)" for r in ROUTES])
def test_route_matching(path, expected):
    assert router.match(path) == expected


URLS = [
    (
        "query parsed like a form",
        lambda: router.parse_query("?q=red+mug&x=%C3%A9&empty="),
        [("q", "red mug"), ("x", "é"), ("empty", "")],
    ),
    ("build escapes", lambda: router.build_url("/search", [("q", "a&b =é")]), "/search?q=a%26b%20%3D%C3%A9"),
    ("build drops empty", lambda: router.build_url("/p", [("a", ""), ("b", None)]), "/p"),
    (
        "sticky interpreter kept",
        lambda: router.with_sticky("/cart", "?interpreter=py"),
        "/cart?interpreter=py",
    ),
    (
        "sticky merged",
        lambda: router.with_sticky("/search?q=x", "?interpreter=py&cid=c1"),
        "/search?q=x&interpreter=py",
    ),
    ("nothing sticky", lambda: router.with_sticky("/cart", "?cid=c1"), "/cart"),
    ("quote round trip", lambda: router.unquote(router.quote("<img src=x> é&=")), "<img src=x> é&="),
]


@pytest.mark.parametrize(("build", "expected"), [u[1:] for u in URLS], ids=[u[0] for u in URLS])
def test_urls(build, expected):
    assert build() == expected


# --- cart and products strings -----------------------------------------------------------------------
def test_cart_products_strings():
    cart = catalog.Cart()
    assert cart.products() == "" and cart.count() == 0
    cart.add(42)
    cart.add(7, 2)
    cart.add(42)
    assert cart.products() == ";SKU42;2,;SKU7;2"
    assert cart.products(with_price=True) == ";SKU42;2;25.80,;SKU7;2;39.00"
    assert cart.count() == 4
    assert round(cart.total(), 2) == 64.80
    assert cart.remove(42) == 2 and cart.remove(42) == 0
    assert cart.products() == ";SKU7;2"


def test_cart_ignores_unknown_products_when_restored():
    assert catalog.Cart([(42, 1), (12345, 3), (7, 0)]).lines == [[42, 1]]


def test_product_lookup_and_list_string():
    assert catalog.find("42").sku == "SKU42"
    assert catalog.find("nope") is None and catalog.find(1) is None
    assert catalog.product_list_string(catalog.PRODUCTS[:2]) == ";SKU42,;SKU7"
