"""Identity and readiness under MicroPython 1.28 in Node: the deferred-hit scenario gives the same
requests as CPython, and browser.py's wrapper of a JavaScript Visitor answers through the FFI."""

import json

import pytest

from tests.unit.test_micropython import run_micropython

pytestmark = pytest.mark.mpy

# The same code runs in CPython (exec) and MicroPython: hits deferred while the visitor values and
# consent are pending, then released in call order, one after the bounded wait.
SCENARIO = """
import json
from appmeasurement import tracker
from appmeasurement.testing import FakeOptIn, FakeTransport, FakeVisitor, StaticEnvironment

tracker._reset_registry()
opt_in = FakeOptIn()
env, transport = StaticEnvironment(opt_in=opt_in), FakeTransport()
s = tracker.AppMeasurement("r", env, transport)
s.trackingServer = "c.test"
visitor = FakeVisitor(aid="AID456")
visitor.setCustomerIDs([("crm_id", {"id": "u 1", "authState": 1})])
s.visitor = visitor
hits = []
for name in ("one", "two", "three"):
    s.pageName = name
    s.eVar1 = name + "-v"
    hits.append(s.t() if name != "two" else s.tl(True, "o", "Link", {"prop1": "once"}))
transport.advance(300)
opt_in.approve("aa", "ecid", "target")
transport.advance(100)
visitor.answer()
for _ in range(3):
    for image in transport.pending():
        transport.load(image)
s.pageName = "late"
late = s.t()
transport.advance(5000)
for image in transport.pending():
    transport.load(image)
urls = [image.url for image in transport.images]
print("RESULT " + json.dumps({"urls": urls, "status": [h.outcome.status for h in hits + [late]],
                              "note": late.outcome.note is not None, "calls": visitor.value_calls}))
"""


def _cpython_result():
    lines = []
    scope = {"print": lines.append}
    exec(SCENARIO, scope)
    return json.loads(lines[-1][len("RESULT ") :])


def test_deferred_hits_give_the_same_requests_under_micropython_and_cpython():
    _stdout, mpy = run_micropython(SCENARIO)
    cpy = _cpython_result()
    assert mpy == cpy, "MicroPython:\n%s\nCPython:\n%s" % (
        json.dumps(mpy, indent=1),
        json.dumps(cpy, indent=1),
    )
    assert cpy["status"] == ["loaded"] * 4 and cpy["note"] and cpy["calls"] == 2
    first, second = cpy["urls"][0], cpy["urls"][1]
    assert "&cid.&crm_id.&id=u%201&as=1&.crm_id&.cid&sdid=SDID-1&mid=MID123&aid=AID456&" in first
    assert "pageName=one" in first and "&v1=one-v" in first and "mcorgid=ORG%40AdobeOrg" in first
    assert "pageName=two" in second and "&c1=once" in second and "&pe=lnk_o&pev2=Link" in second
    assert "&fid=" not in first and "&fid=" not in cpy["urls"][3], "the late hit still has the old ids"


# browser.py's JsVisitor in Node: a JS Visitor that answers asynchronously, as VisitorAPI.js does.
JS_VISITOR = """
import js, json
from appmeasurement import browser, tracker
from appmeasurement.testing import FakeTransport, StaticEnvironment

js.eval('''globalThis.V = {marketingCloudOrgID: "ORG@AdobeOrg", calls: 0, isAllowed() { return true },
  getVisitorValues(cb) { this.calls++; setTimeout(() => cb({MCMID: "M1", MCAAMLH: 9, MCAAMB: "b+1"}), 5) },
  getSupplementalDataID(c, f) { return "SD-" + c + "-" + f },
  getCustomerIDs() { return {"crm.id": {id: "u 1", authState: 1}, x: {id: "z"}} }}''')

class Env(StaticEnvironment):
    def wrap_visitor(self, obj):
        return browser.BrowserEnvironment().wrap_visitor(obj)

tracker._reset_registry()
s = tracker.AppMeasurement("r", Env(), FakeTransport())
s.trackingServer = "c.test"
s.visitor = js.V
urls = []
def sent(url):
    urls.append(url)
    if len(urls) == 2:
        print("RESULT " + json.dumps({"urls": urls, "calls": int(js.V.calls), "proxies": browser.stats()["proxies"]}))
s.registerPreTrackCallback(sent)
s.pageName = "first"
s.t()
s.pageName = "second"
s.t()
"""


def test_a_javascript_visitor_answers_through_one_proxy_under_micropython():
    _stdout, result = run_micropython(JS_VISITOR, browser=True)
    first, second = result["urls"]
    assert "&cid.&crm.&id.&id=u%201&as=1&.id&.crm&x.&id=z&.x&.cid&sdid=SD-AppMeasurement%3A0-true" in first, (
        first
    )
    assert "&mid=M1&aamlh=9&" in first and "&aamb=b%2B1&" in first and "mcorgid=ORG%40AdobeOrg" in first
    assert "pageName=first" in first and "pageName=second" in second
    assert result["calls"] == 1, "one getVisitorValues for the two calls made while it was pending"
    assert result["proxies"] == 1, "the visitor callback is one proxy (no image or timer proxies here)"
