"""No lost hits, in headless Chromium against the real collector and its faults (issue #11: 1, 2, 3, 5).

Each test drives tests/e2e/pages/harness.html on both interpreters. "Arrives once" is checked after a
later signal (a marker hit from the next page, the stored queue gone from localStorage), never after
a sleep; hits the collector answered with a fault status are the failed attempts, not arrivals.
"""

import json

import pytest

from tests.e2e.conftest import READY_JS
from tests.e2e.test_lifecycle import HARNESS, Harness

RSID = "e2erel"
KEY = "AppMeasurement.requests-undefined" + RSID


def open_harness(page, open_pyscript_page, interpreter):
    open_pyscript_page(page, HARNESS, interpreter=interpreter)
    return Harness(page)


def setup(harness, *variables, register=("pre", "post", "failure")):
    harness.setup(rsid=RSID, register=list(register), vars=[list(v) for v in variables])


def view(harness, name, label=None):
    harness.page.evaluate("n => amSet(JSON.stringify([['pageName', n]]))", name)
    harness.track("t", label=label or name)


def arrived(collector, status=200):
    """pageName (or link name) of every hit the collector accepted, in arrival order."""
    names = []
    for hit in collector.hits(rsid=RSID):
        if hit["status"] == status:
            pairs = dict(hit["pairs"])
            names.append(pairs.get("pev2") or pairs.get("pageName"))
    return names


def stored(page):
    return json.loads(page.evaluate("k => localStorage.getItem(k) || '[]'", KEY))


def leave_and_mark(collector, page, before_leaving="() => {}"):
    """Run ``before_leaving`` and navigate away in the same JS task (as a click on a link would),
    then let the next page send a "marker" view and wait until the collector has it."""
    with page.expect_navigation():
        page.evaluate(
            "() => { (%s)(); location.href = location.href.split('&')[0] + '&next=1'; }" % before_leaving
        )
    page.wait_for_function(READY_JS + " && location.href.includes('next=1')", timeout=60000)
    harness = Harness(page)
    setup(harness)
    view(harness, "marker")
    collector.wait_for_hits(1, rsid=RSID, predicate=lambda h: dict(h["pairs"]).get("pageName") == "marker")
    return harness


@pytest.fixture
def harness(page, open_pyscript_page, interpreter):
    return open_harness(page, open_pyscript_page, interpreter)


# --- 1. unload -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [None, {"action": "delay", "delay_ms": 3000, "times": 1}],
    ids=["fast-collector", "slow-collector"],
)
def test_link_hit_fired_right_before_navigating_away_arrives_exactly_once(
    collector, page, open_pyscript_page, interpreter, harness, fault
):
    if fault:
        collector.add_fault(rsid=RSID, **fault)
    setup(harness, ("pageName", "Home"))
    link = """() => amTrack(JSON.stringify({call: "tl", args: [true, "o", "Buy button"], label: "link"}))"""
    leave_and_mark(collector, page, link)
    names = arrived(collector) + arrived(collector, None)
    assert names.count("Buy button") == 1, "the link hit once, got %r" % names


def test_three_page_views_queued_behind_a_slow_collector_arrive_once_each_after_leaving(
    collector, page, open_pyscript_page, interpreter, harness
):
    collector.add_fault(rsid=RSID, action="delay", delay_ms=4000, times=1)
    setup(harness)
    for name in ("v0", "v1", "v2"):
        view(harness, name)
    assert harness.events("outcome") == [], "v0 is held by the collector, v1 and v2 wait behind it"
    leave_and_mark(collector, page)
    hits = collector.hits(rsid=RSID)
    names = [dict(h["pairs"]).get("pageName") for h in hits]
    assert sorted(n for n in names if n != "marker") == ["v0", "v1", "v2"], names
    transports = {dict(h["pairs"])["pageName"]: h["transport"] for h in hits}
    assert (transports["v1"], transports["v2"]) == ("beacon", "beacon"), transports


# --- 2. offline storage --------------------------------------------------------------------------------


def _fail_three(collector, harness):
    collector.add_fault(rsid=RSID, action="status", status=500)
    setup(harness, ("trackOffline", True))
    for name in ("h0", "h1", "h2"):
        view(harness, name)
    [first] = harness.wait_for_outcomes(1)
    assert first["status"] == "failed" and "kept in localStorage" in first["reason"], first
    harness.page.wait_for_function("k => (JSON.parse(localStorage.getItem(k) || '[]')).length === 3", arg=KEY)
    assert [u.split("pageName=")[1].split("&")[0] for u in stored(harness.page)] == ["h0", "h1", "h2"]


def test_offline_hits_survive_a_reload_and_arrive_once_in_order_when_the_collector_is_back(
    collector, page, open_pyscript_page, interpreter, harness
):
    _fail_three(collector, harness)
    collector.clear_faults()
    harness = open_harness(page, open_pyscript_page, interpreter)  # the reload
    setup(harness, ("trackOffline", True))
    view(harness, "after")
    page.wait_for_function("k => localStorage.getItem(k) === null", arg=KEY, timeout=20000)
    collector.wait_for_hits(4, rsid=RSID, predicate=lambda h: h["status"] == 200)
    assert arrived(collector) == ["h0", "h1", "h2", "after"], "each once, stored ones first, in order"
    ts = [dict(h["pairs"]).get("ts") for h in collector.hits(rsid=RSID) if h["status"] == 200]
    assert all(t and t.isdigit() for t in ts), "trackOffline dates every hit with ts: %r" % ts


def test_two_tabs_of_the_site_never_both_send_a_stored_hit(
    collector, page, open_pyscript_page, interpreter, harness
):
    _fail_three(collector, harness)
    collector.clear_faults()
    other = page.context.new_page()
    tabs = [open_harness(p, open_pyscript_page, interpreter) for p in (page, other)]  # a reload, a new tab
    for tab in tabs:
        setup(tab, ("trackOffline", True))
    for tab, name in zip(tabs, ("tab-a", "tab-b")):  # both want the stored hits at the same moment
        view(tab, name)
    page.wait_for_function("k => localStorage.getItem(k) === null", arg=KEY, timeout=30000)
    for tab in tabs:
        tab.wait_for_outcomes(1, timeout_ms=30000)
    collector.wait_for_hits(5, rsid=RSID, predicate=lambda h: h["status"] == 200)
    names = arrived(collector)
    assert sorted(names) == ["h0", "h1", "h2", "tab-a", "tab-b"], "every hit once: %r" % names
    stored_order = [n for n in names if n.startswith("h")]
    assert stored_order == ["h0", "h1", "h2"], "the stored ones in order: %r" % names
    senders = [tab for tab in tabs if any("pageName=h0" in e["url"] for e in tab.events("post"))]
    assert len(senders) == 1, "one tab (the lease holder) sent the stored hits"
    other.close()


# --- 3. long hits --------------------------------------------------------------------------------------


@pytest.mark.parametrize("length", [3000, 40000], ids=["3000-chars", "40000-chars"])
def test_long_hit_arrives_whole_as_a_post_and_post_track_runs(collector, harness, length):
    value = "x" * length
    setup(harness, ("pageName", "Long"), ("prop1", value))
    harness.track("t", label="long")
    [outcome] = harness.wait_for_outcomes(1)
    assert (outcome["status"], outcome["transport"]) == ("loaded", "post"), outcome
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    assert (hit["method"], hit["transport"], hit["status"]) == ("POST", "post", 200)
    assert dict(hit["pairs"])["c1"] == value, "the collector stored the whole value"
    [post] = harness.events("post")
    assert post["url"] == outcome["url"] and len(post["url"]) > 2047


def test_long_exit_link_beacon_arrives_whole_with_its_query_as_the_body(collector, harness):
    value = "y" * 5000
    setup(harness, ("pageName", "Home"))
    harness.track("tl", True, "e", "Partner site", {"prop1": value}, label="exit")
    [outcome] = harness.wait_for_outcomes(1)
    assert (outcome["status"], outcome["transport"]) == ("loaded", "beacon"), outcome
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    assert (hit["method"], hit["transport"]) == ("POST", "post"), "a beacon with a form body"
    assert dict(hit["pairs"])["c1"] == value


def test_hit_over_64_kib_fails_with_a_warning_and_nothing_is_sent(collector, page, harness):
    setup(harness, ("pageName", "Huge"))
    harness.track("t", {"prop1": "x" * 70000}, label="huge")
    harness.track("t", label="next")
    first, second = harness.wait_for_outcomes(2)
    assert first["status"] == "failed" and "over the 65536-byte limit" in first["reason"], first
    assert second["status"] == "loaded"
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    assert len(hit["query"]) < 70000, "only the next hit arrived, the huge one was not cut short"
    assert any("nothing was truncated" in line for line in page.console_log), page.console_log


# --- 5. waiting with a timeout -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault, timeout_s, status",
    [
        (None, 10, "loaded"),
        ({"action": "delay", "delay_ms": 3000, "times": 1}, 0.2, "timeout"),
    ],
    ids=["answers-in-time", "times-out"],
)
def test_wait_with_a_timeout_on_both_interpreters(collector, harness, fault, timeout_s, status):
    if fault:
        collector.add_fault(rsid=RSID, **fault)
    setup(harness, ("pageName", "Wait"))
    harness.track("t", label="w")
    harness.page.evaluate("s => amWait(s)", json.dumps({"label": "w", "timeout_s": timeout_s}))
    harness.page.wait_for_function("() => JSON.parse(amEvents()).some(e => e.type === 'waited')")
    [waited] = harness.events("waited")
    assert waited["status"] == status, waited
    if status == "timeout":
        assert waited["done"] is False, "the time ran out before the hit settled"
        [outcome] = harness.wait_for_outcomes(1)
        assert outcome["status"] == "loaded", "the hit itself went on and settled"
