"""Hostile values in the real page (issue #11, point 4), on both interpreters, to the real collector.

The spec goes to the harness as JSON written by Python's json.dumps, which escapes every character
outside ASCII: the emoji arrives as ``\\ud83c\\udf89``. Pyodide's json joins the pair; MicroPython's
gives the two surrogate code points. Either way the collector must store the emoji, a lone surrogate
arrives as U+FFFD with one console warning naming its variable, and markup is stored as text.
"""

import json

RSID = "e2ehostile"
HARNESS = "/tests/e2e/pages/harness.html"
XSS = "<img src=x onerror=alert(1)>"


def test_surrogates_and_markup_arrive_as_js_would_send_them(collector, page, open_pyscript_page, interpreter):
    open_pyscript_page(page, HARNESS, interpreter=interpreter)
    spec = {
        "rsid": RSID,
        "vars": [["pageName", "party \U0001f389"], ["eVar1", "a\ud800b"], ["prop1", XSS]],
    }
    text = json.dumps(spec)
    assert "\\ud83c\\udf89" in text, "the page receives the emoji as a \\u surrogate pair"
    page.evaluate("spec => amSetup(spec)", text)
    page.evaluate("c => amTrack(c)", json.dumps({"call": "t", "args": [], "label": "hostile"}))
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    pairs = dict((key, value) for key, value in hit["pairs"])
    assert pairs.get("pageName") == "party \U0001f389", "pageName: expected the emoji, stored %r" % (
        pairs.get("pageName"),
    )
    assert "pageName=party%20%F0%9F%8E%89&" in hit["query"], hit["query"]
    assert pairs.get("v1") == "a\ufffdb", "eVar1: expected U+FFFD for the lone surrogate, stored %r" % (
        pairs.get("v1"),
    )
    assert pairs.get("c1") == XSS, "prop1: expected the markup as text, stored %r" % (pairs.get("c1"),)
    warnings = [line for line in page.console_log if "lone UTF-16 surrogate" in line]
    assert len(warnings) == 1 and "eVar1" in warnings[0], (
        "one console warning naming eVar1, got %r" % warnings
    )
    assert not [line for line in page.console_log if line.startswith("[pageerror]")], page.console_log
