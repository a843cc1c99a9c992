"""contextData keys named like Object.prototype members, in the page against the real collector.

AppMeasurement.js 2.27.0 skips a top-level key when `Object.prototype[key]` is truthy (recorded in
Chromium); `__proto__`, group names and nested leaves are sent. Drives tests/e2e/pages/harness.html
on both interpreters and reads the c. block the collector received.
"""

import json

import pytest

from tests.e2e.test_lifecycle import HARNESS, Harness

RSID = "e2ectxnames"


def _block(query):
    start = query.find("&c.")
    return query[start : query.index("&.c", start) + 3] if start >= 0 else ""


@pytest.mark.parametrize(
    ("pairs", "overrides", "expected"),
    [
        ([["constructor", "x"]], None, ""),
        ([["toString", "x"], ["k", "v"]], None, "&c.&k=v&.c"),
        ([], {"contextData": {"hasOwnProperty": "1", "__proto__": "2"}}, "&c.&__proto__=2&.c"),
        (
            [["valueOf", "1"], ["toString.x", "2"], ["a.valueOf", "3"]],
            None,
            "&c.&toString.&x=2&.toString&a.&valueOf=3&.a&.c",
        ),
    ],
    ids=[
        "constructor-alone-no-block",
        "toString-skipped",
        "overrides-keep-__proto__",
        "group-and-leaf-names-kept",
    ],
)
def test_object_prototype_names_are_left_out_of_the_hit(
    collector, page, open_pyscript_page, interpreter, pairs, overrides, expected
):
    open_pyscript_page(page, HARNESS, interpreter=interpreter)
    harness = Harness(page)
    harness.setup(rsid=RSID, vars=[["pageName", "Home"]])
    page.evaluate("pairs => amSetContext(pairs)", json.dumps(pairs))
    args = [overrides] if overrides else []
    harness.track("t", *args, label="hit")
    [outcome] = harness.wait_for_outcomes(1)
    assert outcome["status"] == "loaded", outcome
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    block = _block(hit["query"])
    assert block == expected, "expected the c. block %r, the collector received %r" % (expected, block)
