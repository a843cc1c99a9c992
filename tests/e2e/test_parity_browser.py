"""Byte-for-byte parity with AppMeasurement.js 2.27.0 in headless Chromium, on both interpreters.

All 120 recorded cases run once per interpreter in one page (tests/e2e/pages/vectors.py: a new
instance and an empty cookie jar per case); then each case is checked twice:
- the URLs the library built (its pre-track callback) against the recorded ones, with the
  reference's own normaliser (tests/fixtures/reference/check.py);
- every request bound for the collector against what the collector actually received.
"""

import json
import time
from pathlib import Path

import pytest

from tests.e2e.chromium import VIEWPORT
from tests.e2e.conftest import READY_JS
from tests.fixtures.reference.check import compare_case

VECTORS = Path(__file__).resolve().parents[1] / "fixtures" / "reference" / "vectors.json"
CASES = json.loads(VECTORS.read_text(encoding="utf-8"))
RUN_TIMEOUT_S = 600

# The browser percent-encodes these in a URL's query before sending (WHATWG special-query set).
_QUERY_ENCODE = set(b" \"<>'")


def as_sent_by_browser(url):
    """The URL as Chromium puts it on the wire: raw spaces, quotes and non-ASCII percent-encoded."""
    out = []
    for byte in url.encode("utf-8"):
        out.append("%%%02X" % byte if byte > 0x7E or byte < 0x21 or byte in _QUERY_ENCODE else chr(byte))
    return "".join(out)


def to_placeholders(url, host):
    """Write the live collector/page origin as the vectors' COLLECTOR / HARNESS placeholders."""
    for scheme in ("http://", "https://"):
        if url.startswith(scheme + host + "/"):
            url = scheme + "COLLECTOR" + url[len(scheme + host) :]
    return url.replace("http%3A%2F%2F" + host.replace(":", "%3A"), "http%3A%2F%2FHARNESS")


@pytest.fixture(scope="module", params=[pytest.param("mpy", marks=pytest.mark.mpy), "py"])
def browser_run(request, browser, collector):
    """Run every case in a fresh page of the given interpreter; what was built and what arrived."""
    interpreter = request.param
    before = collector.hits()
    since_id = before[-1]["id"] if before else 0
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    console = []
    page.on("console", lambda m: console.append("[%s] %s" % (m.type, m.text)))
    page.on("pageerror", lambda e: console.append("[pageerror] %s" % e))
    try:
        page.goto("%s/tests/e2e/pages/vectors.html?interpreter=%s" % (collector.url, interpreter))
        page.wait_for_function(READY_JS, timeout=60000)
        page.evaluate("text => amRunVectors(text)", VECTORS.read_text(encoding="utf-8"))
        deadline = time.monotonic() + RUN_TIMEOUT_S
        page.wait_for_function("JSON.parse(amVectorResults()).done", timeout=RUN_TIMEOUT_S * 1000)
        status = json.loads(page.evaluate("amVectorResults()"))
        assert time.monotonic() < deadline
    finally:
        context.close()
    assert status["error"] is None, "the vector run crashed:\n%s\n%s" % (status["error"], "\n".join(console))
    built = {case_id: urls for case_id, urls in status["results"]}
    received = [h for h in collector.hits() if h["id"] > since_id]
    return {"interpreter": interpreter, "built": built, "received": received, "host": collector.host}


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_built_urls_match_appmeasurement_js(browser_run, case):
    urls = [to_placeholders(u, browser_run["host"]) for u in browser_run["built"].get(case["id"], [])]
    diffs = compare_case(case, urls)
    assert not diffs, "%s under %s:\n%s" % (case["id"], browser_run["interpreter"], "\n".join(diffs))


def test_collector_received_exactly_the_requests_bound_for_it_in_order(browser_run):
    host = browser_run["host"]
    bound = [
        u
        for case in CASES
        for u in browser_run["built"].get(case["id"], [])
        if u.startswith("http://%s/" % host)
    ]
    arrived = ["http://%s%s?%s" % (host, h["path"], h["query"]) for h in browser_run["received"]]
    expected = [as_sent_by_browser(u) for u in bound]
    assert len(bound) > 100, "the run should have sent most hits to the collector, got %d" % len(bound)
    for i, (want, got) in enumerate(zip(expected, arrived)):
        assert want == got, "request %d: built\n  %s\nbut the collector received\n  %s" % (i, want, got)
    assert len(arrived) == len(expected), "built %d requests for the collector, it received %d" % (
        len(expected),
        len(arrived),
    )
