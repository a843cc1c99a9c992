"""The AppMeasurement bridge (appmeasurement/edgebridge.py) in CPython: s.useEdge(alloy) sends each hit as a
Web SDK sendEvent with the Analytics data object, through the same queue, callbacks and Hit outcomes.

The Web SDK runs for real (appmeasurement.websdk) against FakeEdgePage, which answers as the collector's
Edge stand-in does; the tracker reads a StaticEnvironment.
"""

import asyncio
import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from appmeasurement import AppMeasurement  # noqa: E402
from appmeasurement.outcome import FAILED, LOADED, NOT_SENT  # noqa: E402
from appmeasurement.testing import FakeEdgePage, FakeTransport, StaticEnvironment  # noqa: E402
from appmeasurement.websdk import createInstance  # noqa: E402

CONFIG = {"datastreamId": "ds1", "orgId": "ABC@AdobeOrg"}
ENDPOINT = "https://edge.adobedc.net/ee/v1/interact?configId=ds1"
# What AppMeasurement always sends, page view or link: the technology fields and the page.
TECH = {
    "resolution": "1280x720",
    "colorDepth": "24",
    "javascriptVersion": "1.6",
    "javaEnabled": "N",
    "cookiesEnabled": "Y",
    "browserWidth": "1280",
    "browserHeight": "720",
}
HEAD = {"charSet": "UTF-8", "pageName": "Home", "pageURL": "http://HARNESS/page.html"}


class Rig:
    """A tracker bridged to a configured Web SDK instance, recording its callbacks in order."""

    def __init__(self, config=CONFIG):
        self.page = FakeEdgePage()
        self.alloy = createInstance(page=self.page)
        self.alloy("configure", config)
        self.transport = FakeTransport()
        self.s = AppMeasurement("r", StaticEnvironment(), self.transport)
        self.s.useEdge(self.alloy)
        self.seen = []
        self.s.registerPreTrackCallback(lambda url: self.seen.append(("pre", url)))
        self.s.registerPostTrackCallback(lambda url: self.seen.append(("post", url)))
        self.s.registerFailureTrackCallback(lambda url, reason: self.seen.append(("failure", url, reason)))

    def sent(self):
        """[(path without query, event)] of every Edge request and beacon, in order."""
        out = []
        for url, body in self.page.requests + self.page.beacons:
            for event in json.loads(body).get("events", []):
                out.append((url.split("?")[0], event))
        return out


def set_page(s):
    s.pageName = "Home"
    s.eVar1 = "x"
    s.prop2 = "p"
    s.events = "event1,event2=3"
    s.products = ";sku;1"
    s.contextData["a.b"] = "1"
    s.contextData["c"] = "2"


def page_view(rig):
    set_page(rig.s)
    return rig.s.t()


def link_unfiltered(rig):
    set_page(rig.s)
    return rig.s.tl(True, "o", "Buy")


def link_filtered(rig):
    set_page(rig.s)
    rig.s.linkTrackVars = "eVar1,events,contextData.c"
    rig.s.linkTrackEvents = "event2"
    return rig.s.tl(True, "d", "Manual", {"linkURL": "http://x.test/m.pdf"})


PAGE_VARS = {
    **HEAD,
    "contextData": {"a.b": "1", "c": "2"},
    "events": "event1,event2=3",
    "products": ";sku;1",
    "eVar1": "x",
    "prop2": "p",
}
PAGE_DATA = {**PAGE_VARS, **TECH}


@pytest.mark.parametrize(
    ("call", "analytics", "xdm_web"),
    [
        (
            page_view,
            PAGE_DATA,
            {"webPageDetails": {"URL": "http://127.0.0.1/page.html", "pageViews": {"value": 1}}},
        ),
        (
            link_unfiltered,
            {**PAGE_VARS, "linkType": "o", "linkName": "Buy", **TECH},
            {"name": "Buy", "URL": "", "type": "other", "linkClicks": {"value": 1}},
        ),
        (
            link_filtered,
            {
                **HEAD,
                "contextData": {"c": "2"},
                "events": "event2=3",
                "eVar1": "x",
                "linkType": "d",
                "linkURL": "http://x.test/m.pdf",
                "linkName": "Manual",
                **TECH,
            },
            {"name": "Manual", "URL": "http://x.test/m.pdf", "type": "download", "linkClicks": {"value": 1}},
        ),
    ],
    ids=[
        "page-view-sends-every-set-variable",
        "link-without-linkTrackVars-sends-all",
        "link-filters-vars-events-context",
    ],
)
def test_hit_becomes_send_event_with_the_analytics_data_object(call, analytics, xdm_web):
    async def main():
        rig = Rig()
        outcome = await call(rig)
        return rig, outcome

    rig, outcome = asyncio.run(main())
    sent = rig.sent()
    assert len(sent) == 1, "expected one Edge event, got %r" % (sent,)
    event = sent[0][1]
    got = event["data"]["__adobe"]["analytics"]
    assert got == analytics, "data.__adobe.analytics: expected %r, got %r" % (analytics, got)
    assert list(got) == list(analytics), "expected AppMeasurement's send order %r, got %r" % (
        list(analytics),
        list(got),
    )
    web = event["xdm"]["web"]
    got_web = web["webPageDetails"] if "webPageDetails" in xdm_web else web.get("webInteraction")
    expected_web = xdm_web.get("webPageDetails", xdm_web)
    assert got_web == expected_web, "xdm.web: expected %r, got %r" % (expected_web, got_web)
    assert outcome.status == LOADED and outcome.transport == "edge", (
        "expected a loaded edge hit, got %r" % outcome
    )
    assert rig.seen == [("pre", ENDPOINT), ("post", ENDPOINT)], "callbacks: got %r" % (rig.seen,)


def test_exit_link_goes_by_beacon_to_collect_once_the_identity_exists():
    async def main():
        rig = Rig()
        rig.s.pageName = "Home"
        await rig.s.t()
        outcome = await rig.s.tl(True, "e", "Out", {"linkURL": "https://elsewhere.test/"})
        return rig, outcome

    rig, outcome = asyncio.run(main())
    paths = [path for path, _event in rig.sent()]
    assert paths == [
        "https://adobedc.demdex.net/ee/v1/interact",
        "https://edge.adobedc.net/ee/or2/v1/collect",
    ], paths
    assert outcome.status == LOADED and outcome.transport == "edge-beacon", outcome
    collect = ENDPOINT.replace("interact", "collect")
    assert rig.seen[-2:] == [("pre", collect), ("post", collect)], rig.seen


@pytest.mark.parametrize(
    ("config", "responses", "status", "callbacks", "reason_part"),
    [
        (
            CONFIG,
            [(400, {}, '{"status": 400, "title": "Invalid request"}')],
            FAILED,
            ["pre", "failure"],
            "status code 400",
        ),
        ({**CONFIG, "defaultConsent": "out"}, [], NOT_SENT, ["pre"], "consent out"),
        ({**CONFIG, "onBeforeEventSend": lambda content: False}, [], NOT_SENT, ["pre"], "onBeforeEventSend"),
    ],
    ids=[
        "edge-400-takes-the-failure-path",
        "consent-out-settles-not-sent",
        "onBeforeEventSend-false-not-sent",
    ],
)
def test_outcomes_follow_what_the_web_sdk_did(config, responses, status, callbacks, reason_part):
    async def main():
        rig = Rig(config)
        rig.page.responses = list(responses)
        rig.s.pageName = "Home"
        return rig, await rig.s.t()

    rig, outcome = asyncio.run(main())
    assert outcome.status == status, "expected %s, got %r" % (status, outcome)
    assert reason_part in (outcome.reason or ""), "expected the reason to name %r, got %r" % (
        reason_part,
        outcome.reason,
    )
    assert [entry[0] for entry in rig.seen] == callbacks, "callbacks: expected %r, got %r" % (
        callbacks,
        rig.seen,
    )
    assert rig.s._queue.stats()["in_flight"] == 0, "nothing should stay in flight after the hit settled"


def test_failure_pause_then_next_hit_goes_out():
    async def main():
        rig = Rig()
        rig.page.responses = [(400, {}, '{"status": 400}')]
        rig.s.pageName = "A"
        first = rig.s.t()
        rig.s.pageName = "B"
        second = rig.s.t()
        await first
        rig.transport.advance(500)  # AppMeasurement's pause after a failure
        return rig, first.outcome, await second

    rig, first, second = asyncio.run(main())
    assert (first.status, second.status) == (FAILED, LOADED), (first, second)
    names = [event["data"]["__adobe"]["analytics"]["pageName"] for _path, event in rig.sent()]
    assert names == ["A", "B"], "expected both hits in call order, got %r" % names


def test_use_edge_none_returns_to_b_ss_and_a_non_instance_is_refused():
    async def main():
        rig = Rig()
        rig.s.useEdge(None)
        rig.s.trackingServer, rig.s.pageName = "c.test", "Home"
        return rig, rig.s.t()

    rig, hit = asyncio.run(main())
    assert "/b/ss/r/" in hit.url and hit.transport == "image", hit
    assert rig.page.requests == [], "nothing should go to the Edge after useEdge(None)"
    with pytest.raises(TypeError, match="useEdge"):
        rig.s.useEdge("alloy")


def test_pre_track_callback_sees_the_event_on_the_hit():
    async def main():
        rig = Rig()
        rig.s.pageName = "Home"
        hit = rig.s.t()
        return hit.edge_event, await hit

    event, _outcome = asyncio.run(main())
    assert event["data"]["__adobe"]["analytics"]["pageName"] == "Home", event


def test_events_queued_when_the_page_is_hidden_go_as_unloading_events_and_settle():
    # visibilitychange to hidden is also a tab switch: the page lives on and must see every outcome.
    async def main():
        rig = Rig()
        set_page(rig.s)
        first = rig.s.t()  # in flight: the queue sends one request at a time
        rig.s.pageName = "Second"
        second = rig.s.t()  # queued behind it
        assert not second.done, "the second event waits for the first"
        rig.s._env.fire("hide")
        # wait(): without an outcome the test fails in 5 s instead of hanging
        return rig, await first.wait(5), await second.wait(5)

    rig, first, second = asyncio.run(main())
    assert (first.status, second.status) == (LOADED, LOADED), f"expected both loaded, got {first}, {second}"
    assert second.transport == "edge-beacon", f"the queued event goes as an unloading event, got {second}"
    names = [event["data"]["__adobe"]["analytics"]["pageName"] for _, event in rig.sent()]
    assert sorted(names) == ["Home", "Second"], f"each event sent once, sent {names}"
    posts = [entry for entry in rig.seen if entry[0] == "post"]
    assert len(posts) == 2, f"a post-track callback per event, saw {rig.seen}"
