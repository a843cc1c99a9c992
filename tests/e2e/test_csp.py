"""The collector serves every page with a strict Content-Security-Policy, and nothing on it is refused.

Each page gets a ``securitypolicyviolation`` listener before any of its scripts run; the test then loads
the page under both interpreters, sends hits (the demo: a page view, a product list, a product detail,
a custom link; the harness: a page view) and checks the header and that no violation was reported.
"""

import json

import pytest
from playwright.sync_api import expect

from collector.csp import POLICY
from tests.e2e.test_demo import open_shop

LISTEN = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", event => window.__cspViolations.push(
    event.effectiveDirective + " refused " + event.blockedURI + " (" + event.sourceFile + ":" + event.lineNumber + ")"));
"""


def violations(page):
    reported = page.evaluate("window.__cspViolations")
    console = [line for line in page.console_log if "Content Security Policy" in line]
    return reported + console


@pytest.fixture
def csp_page(page):
    page.add_init_script(LISTEN)
    responses = {}
    page.on("response", lambda response: responses.setdefault(response.url.split("?")[0], response))
    page.csp_responses = responses
    return page


def test_demo_runs_under_the_policy_with_no_violation(collector, csp_page, open_pyscript_page, interpreter):
    shop = open_shop(csp_page, collector, open_pyscript_page, interpreter)
    document = csp_page.csp_responses[collector.url + "/"]
    assert document.headers.get("content-security-policy") == POLICY, "the demo's CSP header: %r" % (
        document.headers.get("content-security-policy"),
    )
    shop.next_hit("home page view", {"pageName": "Home"})
    shop.nav("products")
    shop.next_hit("products list page view", {"pageName": "Products"})
    shop.click('.product-card[data-product="42"] a.card-link')
    shop.next_hit("product detail page view", {"pageName": "Product: Python mug"})
    expect(csp_page.locator(".tile").first).to_be_visible()
    tile = csp_page.locator(".tile").first.evaluate("e => e.style.getPropertyValue('--tile')")
    assert tile.startswith("#"), "the tile colour is set through the CSSOM, got %r" % tile
    assert violations(csp_page) == [], "CSP violations on the demo:\n" + "\n".join(violations(csp_page))


def test_harness_page_runs_under_the_policy_with_no_violation(
    collector, csp_page, open_pyscript_page, interpreter
):
    open_pyscript_page(csp_page, "/tests/e2e/pages/harness.html", interpreter=interpreter)
    document = csp_page.csp_responses[collector.url + "/tests/e2e/pages/harness.html"]
    assert document.headers.get("content-security-policy") == POLICY
    csp_page.evaluate("spec => amSetup(spec)", json.dumps({"rsid": "e2ecsp", "vars": [["pageName", "CSP"]]}))
    csp_page.evaluate("c => amTrack(c)", json.dumps({"call": "t", "args": [], "label": "csp"}))
    [hit] = collector.wait_for_hits(1, rsid="e2ecsp")
    assert hit["status"] == 200
    assert violations(csp_page) == [], "CSP violations on the harness:\n" + "\n".join(violations(csp_page))
