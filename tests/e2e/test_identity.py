"""s.visitor and adobe.optIn in headless Chromium, on both interpreters, against the real collector.

tests/e2e/pages/identity.html is the harness page (harness.py) with the JavaScript stand-ins of
VisitorAPI.js and adobe.optIn (visitorapi-standin.js); `s.visitor` is the JS object
`Visitor.getInstance(org, options)` returns, used through the FFI.
"""

import json

import pytest

from tests.e2e.test_lifecycle import Harness

PAGE = "/tests/e2e/pages/identity.html"
RSID = "e2eident"
ORG = "ORG@AdobeOrg"
IDS = {"MCMID": "MID123", "MCAID": "AID456", "MCAAMLH": "9", "MCAAMB": "j8Od+x"}
CUSTOMER_IDS = [["crm_id", {"id": "u 1", "authState": 1}]]
HEAD = "&cid.&crm_id.&id=u%201&as=1&.crm_id&.cid&sdid=SDID-1&mid=MID123&aid=AID456&aamlh=9&ce=UTF-8"


@pytest.fixture
def harness(page, open_pyscript_page, interpreter):
    open_pyscript_page(page, PAGE, interpreter=interpreter)
    return Harness(page)


def visitor(**options):
    options.setdefault("ids", IDS)
    return {"org": ORG, "options": options, "customer_ids": CUSTOMER_IDS}


def setup(harness, visitor_spec, *variables):
    harness.setup(rsid=RSID, register=["pre"], visitor=visitor_spec, vars=[list(v) for v in variables])


def standin(harness, expression):
    return harness.page.evaluate(expression)


def wait_js(harness, expression, what):
    try:
        harness.page.wait_for_function(expression, timeout=20000)
    except Exception:
        raise AssertionError(
            "waited for %s (%s)\n%s" % (what, expression, "\n".join(harness.page.console_log))
        ) from None


def pairs(hit):
    return dict(hit["pairs"])


WIRE = [
    ("page-view", [], ("t",), ["&aamb=j8Od%2Bx&v1=e1&"], ["pe="]),
    ("link-hit", [], ("tl", True, "o", "L"), ["&aamb=j8Od%2Bx&v1=e1&pe=lnk_o&pev2=L&"], []),
    (
        "link-hit-with-linkTrackVars",
        [("linkTrackVars", "prop1")],
        ("tl", True, "o", "L"),
        ["&pe=lnk_o"],
        ["aamb=", "v1="],
    ),
]


@pytest.mark.parametrize("name, extra, call, present, absent", WIRE, ids=[w[0] for w in WIRE])
def test_ids_sdid_cid_and_mcorgid_go_in_their_places(collector, harness, name, extra, call, present, absent):
    setup(harness, visitor(), ("pageName", "V page"), ("eVar1", "e1"), ("debugTracking", True), *extra)
    harness.track(*call, label=name)
    [outcome] = harness.wait_for_outcomes(1)
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    query = hit["query"]
    assert outcome["status"] == "loaded" and outcome["url"].endswith(query), outcome
    parts = query.split("&")
    assert parts[:3] == ["AQB=1", "ndh=1", "pf=1"] and parts[3].startswith("t="), query
    assert "&" + "&".join(parts[4:15]) == HEAD, "expected the cid. block then the ids after t=\n%s" % query
    assert query.endswith("&mcorgid=ORG%40AdobeOrg&AQE=1"), "mcorgid is the last variable: %s" % query
    assert "&pageName=V%20page&g=" in query and "fid=" not in query, query
    for text in present:
        assert text in query, "expected %r in %s" % (text, query)
    for text in absent:
        assert text not in query, "expected no %r in %s" % (text, query)
    debug = [line for line in harness.page.console_log if "AppMeasurement Debug: " in line]
    assert len(debug) == 1 and ("AppMeasurement Debug: " + outcome["url"]) in debug[0], debug
    assert "\n\tpageName=V page\n\t" in debug[0] and "\n\tmcorgid=ORG@AdobeOrg\n\tAQE=1" in debug[0], debug


def test_hits_made_while_the_ids_are_pending_go_in_order_with_their_call_time_variables(collector, harness):
    setup(harness, visitor(hold=True))
    harness.page.evaluate(
        """() => {
            amSet(JSON.stringify([["pageName", "first"], ["eVar1", "one"]]));
            amTrack(JSON.stringify({call: "t", label: "first", args: [{prop1: "override"}]}));
            amSet(JSON.stringify([["pageName", "second"], ["eVar1", "two"]]));
            amTrack(JSON.stringify({call: "tl", label: "second", args: [true, "o", "Link"]}));
            amSet(JSON.stringify([["pageName", "third"], ["eVar1", ""], ["eVar2", "later"]]));
            amTrack(JSON.stringify({call: "t", label: "third"}));
        }"""
    )
    assert standin(harness, "visitorStandin.calls.getVisitorValues") == 1, "one request while pending"
    assert harness.events() == [], "nothing is built or sent before the ids arrive"
    assert standin(harness, "visitorStandin.release()") == 1
    outcomes = harness.wait_for_outcomes(3)
    assert [(o["label"], o["status"]) for o in outcomes] == [
        (n, "loaded") for n in ("first", "second", "third")
    ]
    hits = [pairs(h) for h in collector.wait_for_hits(3, rsid=RSID)]
    assert [h["pageName"] for h in hits] == ["first", "second", "third"], "sent in call order"
    assert [h.get("v1") for h in hits] == ["one", "two", None] and hits[0]["c1"] == "override"
    assert "c1" not in hits[1] and [h.get("v2") for h in hits] == [None, None, "later"]
    assert hits[1]["pe"] == "lnk_o" and "pe" not in hits[0] and "pe" not in hits[2]
    assert all(h["mid"] == "MID123" for h in hits)
    assert [e["url"] for e in harness.events("pre")] == [o["url"] for o in outcomes]
    stats = json.loads(harness.page.evaluate("amStats()"))
    assert stats["proxies"] == 3, "two shared proxies and one for the visitor's callback: %r" % stats


def test_an_opted_out_visitor_sends_nothing(collector, harness):
    setup(harness, visitor(optOut=True), ("pageName", "Home"))
    harness.track("t", label="home")
    [outcome] = harness.wait_for_outcomes(1)
    assert outcome["status"] == "not_sent" and outcome["url"] is None, outcome
    assert collector.hits(rsid=RSID) == [], "an opted-out visitor sends no hit"


def test_consent_holds_hits_and_approval_releases_them_in_order(collector, harness):
    standin(harness, "installOptInStandin({approved: []})")
    setup(harness, visitor())
    harness.page.evaluate(
        """() => { for (const name of ["a", "b"]) {
            amSet(JSON.stringify([["pageName", name]]));
            amTrack(JSON.stringify({call: "t", label: name}));
        } }"""
    )
    wait_js(harness, "visitorStandin.calls.fetchPermissions >= 1", "the permissions request")
    assert standin(harness, "visitorStandin.calls.getVisitorValues") == 0, "no ids are asked before consent"
    standin(harness, "adobe.optIn.deny('aam')")  # decided, analytics not approved: still held
    assert harness.events() == [] and not standin(harness, "adobe.optIn.isApproved('aa')")
    standin(harness, "adobe.optIn.approve('aa')")
    outcomes = harness.wait_for_outcomes(2)
    assert [(o["label"], o["status"]) for o in outcomes] == [("a", "loaded"), ("b", "loaded")]
    first, second = collector.wait_for_hits(2, rsid=RSID)
    assert [pairs(first)["pageName"], pairs(second)["pageName"]] == ["a", "b"]
    for hit in (first, second):
        assert "&c.&cm.&ssf=1&.cm&.c" in hit["query"], "AAM not approved: the cm.ssf flag"
        assert "sdid=" not in hit["query"] and "mcorgid=" not in hit["query"], "TARGET/ECID not approved"
        assert "mid=MID123" in hit["query"]
    standin(harness, "adobe.optIn.approve('aam', 'target', 'ecid')")
    harness.track("t", label="c")
    harness.wait_for_outcomes(3)
    third = collector.wait_for_hits(3, rsid=RSID)[2]["query"]
    assert "cm." not in third, "the flag is removed once AAM is approved: %s" % third
    assert "&sdid=SDID-1&" in third and "&mcorgid=ORG%40AdobeOrg&lrt=" in third, third


def test_hits_go_without_ids_after_the_bounded_wait_and_say_so(collector, harness):
    setup(harness, visitor(hold=True), ("pageName", "Waited"), ("visitorWaitTimeout", 1000))
    harness.track("t", label="waited")
    [outcome] = harness.wait_for_outcomes(1)
    assert outcome["status"] == "loaded" and "visitorWaitTimeout" in (outcome["note"] or ""), outcome
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    values = pairs(hit)
    assert "fid" in values and "mid" not in values and "aid" not in values, hit["query"]
    assert "&cid.&crm_id." in hit["query"], "customer ids do not need the wait"
