"""The hit lifecycle in headless Chromium: real Image beacons to the real collector, real callbacks.

Each test drives tests/e2e/pages/harness.html (see its harness.py) on both interpreters and checks
what the collector stored against what the page's callbacks saw.
"""

import json

import pytest

HARNESS = "/tests/e2e/pages/harness.html"
RSID = "e2elife"


@pytest.fixture
def harness(page, open_pyscript_page, interpreter):
    open_pyscript_page(page, HARNESS, interpreter=interpreter)
    return Harness(page)


class Harness:
    def __init__(self, page):
        self.page = page

    def setup(self, **spec):
        spec.setdefault("rsid", RSID)
        self.page.evaluate("spec => amSetup(spec)", json.dumps(spec))

    def track(self, call, *args, label=None):
        payload = {"call": call, "args": list(args), "label": label}
        self.page.evaluate("c => amTrack(c)", json.dumps(payload))

    def events(self, kind=None):
        events = json.loads(self.page.evaluate("amEvents()"))
        return [e for e in events if kind is None or e["type"] == kind]

    def wait_for_outcomes(self, n, timeout_ms=20000):
        self.page.wait_for_function(
            "n => JSON.parse(amEvents()).filter(e => e.type === 'outcome').length >= n",
            arg=n,
            timeout=timeout_ms,
        )
        return self.events("outcome")

    def stats(self):
        return json.loads(self.page.evaluate("amStats()"))


def received_url(collector, hit):
    return "http://%s%s?%s" % (collector.host, hit["path"], hit["query"])


def test_post_track_runs_on_onload_with_the_url_the_collector_received(collector, harness):
    harness.setup(register=["pre", "post", "failure"], post_args=["extra", 2], vars=[["pageName", "Home"]])
    harness.track("t", label="home")
    [outcome] = harness.wait_for_outcomes(1)
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    assert outcome["status"] == "loaded" and outcome["ok"], outcome
    [pre], [post] = harness.events("pre"), harness.events("post")
    assert post["url"] == pre["url"] == outcome["url"] == received_url(collector, hit)
    assert post["args"] == ["extra", 2]
    assert harness.events("failure") == []
    kinds = [e["type"] for e in harness.events()]
    assert kinds == ["pre", "post", "outcome"], "pre, then post on onload, then the awaited outcome"


@pytest.mark.parametrize(
    "fault, status, stored_status",
    [
        ({"action": "status", "status": 404}, "failed", 404),
        ({"action": "status", "status": 500}, "failed", 500),
        ({"action": "drop"}, "failed", None),
        ({"action": "hang"}, "timeout", None),
    ],
    ids=["404", "500", "dropped-connection", "hanging-request-watchdog"],
)
def test_failed_hit_skips_post_track_and_takes_the_failure_path(
    collector, harness, fault, status, stored_status
):
    collector.add_fault(rsid=RSID, **fault)
    harness.setup(register=["pre", "post", "failure"], vars=[["pageName", "Home"]])
    harness.track("t", label="doomed")
    [outcome] = harness.wait_for_outcomes(1, timeout_ms=15000)
    assert outcome["status"] == status, outcome
    assert harness.events("post") == [], "post-track must not run for a failed hit"
    [failure] = harness.events("failure")
    assert failure["url"] == outcome["url"] and failure["reason"]
    # Chromium's network stack retries a GET whose connection closed without an answer, so a dropped
    # request can arrive more than once: always the same URL (same cache buster), one hit for the page.
    hits = collector.wait_for_hits(1, rsid=RSID)
    assert {received_url(collector, h) for h in hits} == {outcome["url"]}
    assert {h["status"] for h in hits} == {stored_status}, "the collector answered %r" % stored_status


def test_burst_of_200_hits_settles_in_call_order(collector, harness):
    harness.setup(register=["pre", "post"])
    harness.page.evaluate(
        """() => { for (let i = 0; i < 200; i++) {
            amSet(JSON.stringify([["pageName", "p" + i]]));
            amTrack(JSON.stringify({call: "t", label: "h" + i}));
        } }"""
    )
    outcomes = harness.wait_for_outcomes(200, timeout_ms=120000)
    assert [o["label"] for o in outcomes] == ["h%d" % i for i in range(200)]
    assert all(o["status"] == "loaded" for o in outcomes)
    hits = collector.wait_for_hits(200, rsid=RSID)
    names = [dict(h["pairs"])["pageName"] for h in hits]
    assert names == ["p%d" % i for i in range(200)], "the collector received them in call order"
    posts = [e["url"] for e in harness.events("post")]
    assert posts == [o["url"] for o in outcomes]
    stats = harness.stats()
    assert stats == {
        "proxies": 2,
        "images": 0,
        "timers": 0,
        "pending": 0,
        "in_flight": 0,
        "retry_timer": 0,
    }, "after 200 hits the binding should hold only its two shared proxies, got %r" % stats


def test_raising_callback_does_not_stop_the_others_or_the_hit(collector, harness):
    harness.setup(register=["raising-post", "post"])
    harness.track("t", label="one")
    [outcome] = harness.wait_for_outcomes(1)
    assert outcome["status"] == "loaded"
    assert len(harness.events("post")) == 1, "the callback after the raising one still ran"
    assert any("deliberate failure" in line for line in harness.page.console_log), harness.page.console_log
    collector.wait_for_hits(1, rsid=RSID)


@pytest.mark.parametrize("where", ["loop-post", "loop-pre"], ids=["from-post-track", "from-pre-track"])
def test_tracking_call_inside_a_callback_is_refused_and_does_not_loop(collector, harness, where):
    harness.setup(register=[where], vars=[["pageName", "Home"]])
    harness.track("t", label="outer")
    harness.wait_for_outcomes(1)
    harness.track("t", label="second")
    outcomes = harness.wait_for_outcomes(2)
    assert [o["status"] for o in outcomes] == ["loaded", "loaded"]
    loops = harness.events("loop")
    assert [e["status"] for e in loops] == ["not_sent", "not_sent"], loops
    hits = collector.wait_for_hits(2, rsid=RSID)
    assert len(collector.hits(rsid=RSID)) == 2 == len(hits), "exactly the two outer hits arrive"
    assert any("would loop forever" in line for line in harness.page.console_log)


def test_exit_link_is_sent_with_send_beacon_as_an_empty_body_post(collector, harness):
    harness.setup(register=["post"], vars=[["pageName", "Home"]])
    harness.track("tl", True, "e", "Partner site", label="exit")
    [outcome] = harness.wait_for_outcomes(1)
    assert outcome["transport"] == "beacon" and outcome["status"] == "loaded"
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    assert (hit["method"], hit["transport"]) == ("POST", "beacon")
    assert ("pe", "lnk_e") in [tuple(p) for p in hit["pairs"]]
    assert len(harness.events("post")) == 1, "post-track runs once the browser accepted the beacon"


def test_post_track_lambda_without_parameters_clears_vars_for_the_next_view(collector, harness):
    harness.setup(
        register=["clear-post"], vars=[["pageName", "Home"], ["eVar1", "home-only"], ["prop1", "p"]]
    )
    harness.track("t", label="home")
    harness.wait_for_outcomes(1)
    harness.track("t", label="next")
    harness.wait_for_outcomes(2)
    first, second = (dict(h["pairs"]) for h in collector.wait_for_hits(2, rsid=RSID))
    assert first["v1"] == "home-only" and first["c1"] == "p"
    assert "v1" not in second and "c1" not in second, "clearVars ran after the first hit: %r" % second
    assert second["pageName"] == "Home", "clearVars keeps pageName"
