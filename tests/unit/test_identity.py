"""s.visitor (the Experience Cloud ID service), adobe.optIn and the readiness queue, in CPython.

The visitor and optIn are the Python stand-ins of appmeasurement.testing (FakeVisitor, FakeOptIn),
with the documented interface of identity.py; the transport's manual clock drives the 100 ms poll
and the visitorWaitTimeout.
"""

import pytest

from appmeasurement import tracker
from appmeasurement.testing import FakeOptIn, FakeTransport, FakeVisitor, StaticEnvironment

TECH = "&s=1280x720&c=24&j=1.6&v=N&k=Y&bw=1280&bh=720"
CID = "&cid.&crm_id.&id=u%201&as=1&.crm_id&.cid"
IDS = "&mid=MID123&aid=AID456&aamlh=9"
HEAD = "&ce=UTF-8&pageName=V%20page&g=http%3A%2F%2FHARNESS%2Fpage.html"
ORG = "&mcorgid=ORG%40AdobeOrg"


class Page:
    def __init__(self, visitor=None, opt_in=None):
        tracker._reset_registry()
        self.env = StaticEnvironment(opt_in=opt_in)
        self.transport = FakeTransport()
        self.s = s = tracker.AppMeasurement("r", self.env, self.transport)
        s.trackingServer = "c.test"
        s.visitor = visitor

    def query(self, n=-1):
        """The n-th request's query, ``t=`` replaced by T."""
        query = self.transport.images[n].url.split("?", 1)[1]
        parts = ["t=T" if p.startswith("t=") else p for p in query.split("&")]
        return "&".join(parts)

    def settle(self):
        for image in self.transport.pending():
            self.transport.load(image)


def full_visitor(**kw):
    v = FakeVisitor(aid="AID456", **kw)
    v.values["MCAAMLH"] = 9
    v.values["MCAAMB"] = "j8Od+x"
    v.setCustomerIDs([("crm_id", {"id": "u 1", "authState": 1})])
    return v


def frame(middle):
    return "AQB=1&ndh=1&pf=1&t=T" + middle + "&AQE=1"


WIRE_CASES = [
    (
        "page-view",
        {},
        lambda s: s.t(),
        CID + "&sdid=SDID-1" + IDS + HEAD + "&aamb=j8Od%2Bx&v1=e1" + TECH + ORG,
    ),
    (
        "link-hit-without-linkTrackVars",
        {},
        lambda s: s.tl(True, "o", "L"),
        CID + "&sdid=SDID-1" + IDS + HEAD + "&aamb=j8Od%2Bx&v1=e1&pe=lnk_o&pev2=L" + TECH + ORG,
    ),
    (
        "link-hit-with-linkTrackVars-drops-aamb",
        {"linkTrackVars": "prop1"},
        lambda s: s.tl(True, "o", "L"),
        CID + "&sdid=SDID-1" + IDS + HEAD + "&pe=lnk_o&pev2=L" + TECH + ORG,
    ),
    (
        "own-org-id-wins",
        {"marketingCloudOrgID": "MINE@AdobeOrg"},
        lambda s: s.t(),
        CID + "&sdid=SDID-1" + IDS + HEAD + "&aamb=j8Od%2Bx&v1=e1" + TECH + "&mcorgid=MINE%40AdobeOrg",
    ),
    (
        "own-sdid-wins-and-is-sent-once",
        {"supplementalDataID": "OWN"},
        lambda s: s.t(),
        CID + "&sdid=OWN" + IDS + HEAD + "&aamb=j8Od%2Bx&v1=e1" + TECH + ORG,
    ),
]


@pytest.mark.parametrize("name, variables, call, middle", WIRE_CASES, ids=[c[0] for c in WIRE_CASES])
def test_visitor_ids_sdid_cid_and_mcorgid_are_sent_in_appmeasurement_order(name, variables, call, middle):
    page = Page(full_visitor(immediate=True))
    s = page.s
    s.pageName, s.eVar1 = "V page", "e1"
    for key, value in variables.items():
        setattr(s, key, value)
    call(s)
    assert page.query() == frame(middle), "expected %s\ngot      %s" % (frame(middle), page.query())
    assert s.supplementalDataID is None, "sdid is reset after every call"


def test_a_visitor_that_is_not_allowed_is_ignored_and_fid_is_sent():
    visitor = full_visitor(immediate=True, allowed=False)
    page = Page(visitor)
    page.s.pageName = "V page"
    hit = page.s.t()
    query = page.query()
    assert hit.url is not None and "&fid=" in query, query
    for key in ("cid.", "sdid=", "mid=", "aid=", "mcorgid="):
        assert key not in query, "%s sent for a visitor whose isAllowed() is false: %s" % (key, query)
    assert visitor.value_calls == 0 and visitor.sdid_calls == []


def test_fid_is_sent_only_while_neither_mid_nor_aid_is_set():
    visitor = FakeVisitor(mid=None, aid=None, immediate=True)
    page = Page(visitor)
    page.s.t()
    assert "&fid=" in page.query()
    visitor.values["MCAID"] = "AID456"
    page.settle()
    page.s.t()
    assert "&fid=" not in page.query() and "&aid=AID456" in page.query()


def test_expect_supplemental_data_asks_for_an_sdid_that_is_not_consumed():
    visitor = FakeVisitor(immediate=True)
    page = Page(visitor)
    page.s.t()
    page.settle()
    page.s.expectSupplementalData = True
    page.s.t()
    index = page.s._state.index
    assert visitor.sdid_calls == [("AppMeasurement:%d" % index, True), ("AppMeasurement:%d" % index, False)]


def test_customer_ids_nest_dotted_aliases_and_drop_falsy_values():
    visitor = FakeVisitor(immediate=True)
    visitor.setCustomerIDs(
        [("a.b", {"id": "x", "authState": 0}), ("plain", {"id": "", "authState": 2}), ("bad", "text")]
    )
    page = Page(visitor)
    page.s.t()
    assert "&t=T&cid.&a.&b.&id=x&.b&.a&plain.&as=2&.plain&.cid&sdid=" in page.query(), page.query()


# --- deferred hits ------------------------------------------------------------------------------
def test_hits_wait_for_the_visitor_values_and_go_in_order_with_their_call_time_variables():
    visitor = FakeVisitor()
    page = Page(visitor)
    s = page.s
    s.pageName, s.eVar1 = "first", "one"
    first = s.t({"prop1": "override"})
    s.pageName, s.eVar1 = "second", None
    second = s.tl(True, "o", "Link")
    assert s.linkType is None and s.linkName is None, "transient variables are reset at call time"
    s.eVar2 = "set later"
    third = s.t()
    assert page.transport.images == [] and not first.done and not second.done
    assert repr(first) == "Hit('', outcome=None)", "a pending hit has no URL yet"
    assert visitor.value_calls == 1, "one getVisitorValues while the answer is pending"
    page.env.clock_ms += 60000  # t= is computed when the hit is built
    visitor.answer()
    page.settle()
    page.settle()
    page.settle()
    queries = [page.query(i) for i in range(3)]
    assert [q.split("pageName=")[1].split("&")[0] for q in queries] == ["first", "second", "second"]
    assert "&v1=one" in queries[0] and "&c1=override" in queries[0]
    assert "&v2=" not in queries[0] and "&v2=" not in queries[1], "eVar2 was set after those calls"
    assert "&v2=set%20later" in queries[2]
    assert "&pe=lnk_o&pev2=Link" in queries[1] and "pe=" not in queries[0] + queries[2]
    assert all("&mid=MID123" in q for q in queries)
    assert "t=22%2F10%2F2026%206%3A11%3A10" in page.transport.images[0].url
    assert [h.outcome.status for h in (first, second, third)] == ["loaded"] * 3
    assert s.prop1 is None and s.eVar2 == "set later", "overrides undone, later variables kept"


def test_an_opted_out_visitor_sends_nothing():
    visitor = FakeVisitor()
    visitor.values["MCOPTOUT"] = True
    page = Page(visitor)
    hit = page.s.t()
    visitor.answer()
    assert hit.outcome.status == "not_sent" and page.transport.images == []


def test_consent_holds_hits_until_analytics_is_approved_then_the_poll_releases_them_in_order():
    opt_in = FakeOptIn()
    visitor = FakeVisitor(immediate=True)
    page = Page(visitor, opt_in)
    s = page.s
    hits = []
    for name in ("a", "b"):
        s.pageName = name
        hits.append(s.t())
    page.transport.advance(1000)
    assert page.transport.images == [] and opt_in.fetch_calls == [True]
    assert visitor.value_calls == 0, "no visitor values before consent"
    assert not s.isReadyToTrack()
    opt_in.approve("aa")
    assert page.transport.images == [], "approval is noticed by the 100 ms poll"
    page.transport.advance(100)
    page.settle()
    page.settle()
    assert [page.query(i).split("pageName=")[1][:1] for i in range(2)] == ["a", "b"]
    assert [h.outcome.status for h in hits] == ["loaded", "loaded"]
    assert page.transport.timer_count() == 0, "the poll stops once the queue is empty"


@pytest.mark.parametrize(
    "approved, present, absent",
    [
        (("aa",), ["&c.&cm.&ssf=1&.cm&.c"], ["sdid=", "mcorgid="]),
        (("aa", "aam"), [], ["cm.", "sdid=", "mcorgid="]),
        (("aa", "target"), ["&sdid=SDID-1", "cm.&ssf=1"], ["mcorgid="]),
        (("aa", "ecid", "aam", "target"), ["&sdid=SDID-1", ORG], ["cm."]),
    ],
    ids=["analytics-only", "aam-approved", "target-approved", "everything-approved"],
)
def test_consent_categories_gate_the_aam_flag_sdid_and_mcorgid(approved, present, absent):
    page = Page(FakeVisitor(immediate=True), FakeOptIn(approved, fetched=True))
    page.s.t()
    page.transport.advance(100)
    query = page.query()
    for text in present:
        assert text in query, "expected %r in %s" % (text, query)
    for text in absent:
        assert text not in query, "expected no %r in %s" % (text, query)


def test_the_aam_flag_is_removed_once_aam_is_approved():
    opt_in = FakeOptIn(["aa"], fetched=True)
    page = Page(None, opt_in)
    page.s.t()  # deferred: its snapshot gets the flag
    page.transport.advance(100)
    assert "cm.&ssf=1" in page.query()
    page.settle()
    page.s.t()  # sent at once: the flag stays on s.contextData, as AppMeasurement leaves it
    assert "cm.&ssf=1" in page.query() and page.s.contextData.get("cm.ssf") == 1
    page.settle()
    opt_in.approve("aam")
    page.s.contextData["own"] = "x"
    page.s.t()
    assert "&c.&own=x&.c" in page.query(), page.query()
    assert "cm.ssf" not in page.s.contextData


def test_the_bounded_wait_sends_deferred_hits_with_fid_and_says_so():
    visitor = FakeVisitor()
    page = Page(visitor)
    hit = page.s.t()
    page.transport.advance(4999)
    assert page.transport.images == []
    page.transport.advance(1)
    page.settle()
    assert "&fid=" in page.query() and "mid=" not in page.query()
    assert hit.outcome.status == "loaded" and "visitorWaitTimeout" in hit.outcome.note
    visitor.answer()  # a late answer still serves the next hit
    later = page.s.t()
    visitor.answer()
    page.settle()
    assert "&mid=MID123" in page.query() and later.outcome.note is None


def test_visitor_wait_timeout_zero_waits_forever_like_appmeasurement():
    page = Page(FakeVisitor())
    page.s.visitorWaitTimeout = 0
    hit = page.s.t()
    page.transport.advance(120000)
    assert page.transport.images == [] and not hit.done
    page.s.visitor.answer()
    assert len(page.transport.images) == 1


def test_callback_when_ready_runs_after_the_deferred_hits_on_the_poll():
    visitor = FakeVisitor()
    page = Page(visitor)
    seen = []
    page.s.t()
    page.s.callbackWhenReadyToTrack(
        page.s, lambda a, b: seen.append((a, b, len(page.transport.images))), [1, 2]
    )
    visitor.answer()
    assert seen == [(1, 2, 1)]
    page.s.callbackWhenReadyToTrack(None, seen.append, ["later"])
    assert seen[-1] != "later", "AppMeasurement runs it on the next poll, not at once"
    page.transport.advance(100)
    assert seen[-1] == "later"


def test_a_tracking_call_from_a_callback_is_refused_before_readiness():
    visitor = FakeVisitor()
    page = Page(visitor)
    statuses = []
    page.s.registerPostTrackCallback(lambda url: statuses.append(page.s.t().outcome.status))
    page.s.t()
    visitor.answer()
    page.settle()
    assert statuses == ["not_sent"] and len(page.transport.images) == 1


# --- introspection --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "setup, filter, expected",
    [
        ({}, None, [("pageName", "P"), ("eVar1", "a"), ("prop2", "b"), ("eVar3", "c")]),
        ({}, "eVar3,pageName", [("pageName", "P"), ("eVar3", "c")]),
        ({"linkType": "o", "linkTrackVars": "eVar3"}, None, [("pageName", "P"), ("eVar3", "c")]),
        ({"linkType": "o"}, "prop2", [("prop2", "b")]),
    ],
    ids=["page-view", "filter", "link-with-linkTrackVars", "link-without-linkTrackVars-and-filter"],
)
def test_foreach_var_lists_what_the_next_hit_would_send(setup, filter, expected):
    page = Page()
    s = page.s
    s.charSet = None
    s.pageName, s.eVar1, s.prop2, s.eVar3 = "P", "a", "b", "c"
    for key, value in setup.items():
        setattr(s, key, value)
    seen = []
    s.foreachVar(lambda name, value: seen.append((name, value)), filter)
    # An empty contextData is an object, truthy in JavaScript: AppMeasurement lists it too.
    assert [p for p in seen if p[0] != "contextData"] == expected
    assert ("contextData" in [p[0] for p in seen]) == (filter is None)


def test_debug_tracking_logs_each_request_when_it_is_dequeued():
    page = Page()
    page.s.debugTracking = True
    page.s.pageName = "A b"
    page.s.t()
    page.s.t()
    logs = [m for kind, m in page.env.messages if kind == "log"]
    assert len(logs) == 1, "the second request waits for the first"
    lines = logs[0].split("\n\t")
    assert lines[0] == "AppMeasurement Debug: " + page.transport.images[0].url
    assert "pageName=A b" in lines and lines[-1] == "AQE=1"
    page.settle()
    assert len([m for kind, m in page.env.messages if kind == "log"]) == 2
    assert page.s.version == "2.27.0"
