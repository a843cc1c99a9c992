"""No lost hits (issue #11, points 1, 2, 3, 5) in CPython: long hits as POST, offline storage with
its lease, buffering, the unload flush and waiting with a timeout, on a fake page, storage and clock."""

import asyncio
import json

import pytest

from appmeasurement import tracker
from appmeasurement.lifecycle import BACKOFF_CAP_MS, BODY_LIMIT, GET_LIMIT, post_parts
from appmeasurement.outcome import FAILED, LOADED
from appmeasurement.storage import LEASE_MS, LEASE_SETTLE_MS, options
from appmeasurement.testing import FakeTransport, StaticEnvironment
from appmeasurement.tracker import AppMeasurement

RSID = "myrsid"
KEY = "AppMeasurement.requests-undefinedmyrsid"


_SEEDS = [0]


class Tab:
    """One page of the site: a tracker on its own transport; `local` is shared between tabs."""

    def __init__(self, local=None, session=None, offline=True, **variables):
        tracker._reset_registry()
        _SEEDS[0] += 1  # each page its own Math.random(), as in a browser
        self.env = StaticEnvironment(local=local, seed=_SEEDS[0])
        if session is not None:
            self.env.session = session
        self.transport = FakeTransport()
        self.s = AppMeasurement(RSID, self.env, self.transport)
        self.s.trackingServer = "c.test"
        self.s.trackOffline = offline
        for name, value in variables.items():
            setattr(self.s, name, value)
        self.post = []
        self.s.registerPostTrackCallback(lambda url: self.post.append(url))

    def view(self, name, **overrides):
        self.s.pageName = name
        return self.s.t(overrides or None)

    def stored(self):
        return json.loads(self.env.local.get(KEY, "[]"))

    def names(self, urls):
        return [page_name(u) for u in urls]

    def warnings(self):
        return [m for kind, m in self.env.messages if kind == "warn"]


def page_name(url):
    for pair in url.split("?", 1)[1].split("&"):
        if pair.startswith("pageName="):
            return pair[9:]
    return None


def settle_lease(tab):
    tab.transport.advance(LEASE_SETTLE_MS)


# --- point 3: long hits --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "length, method",
    [(100, "image"), (GET_LIMIT - 400, "image"), (3000, "post"), (60000, "post")],
    ids=["short", "just-under-the-limit", "3000-chars", "60000-chars"],
)
def test_request_over_2047_characters_goes_as_a_post_to_the_same_path(length, method):
    tab = Tab(offline=False)
    hit = tab.s.t({"prop1": "x" * length})
    [request] = tab.transport.images
    assert hit.transport == method
    if method == "post":
        path, body = post_parts(hit.url)
        assert (request.url, request.body) == (path, body), "POST to the path, the query as the body"
        assert body == hit.url.split("?", 1)[1], "the whole query, nothing cut"
    else:
        assert request.body is None and request.url == hit.url
    tab.transport.load(request)
    assert hit.outcome.status == LOADED and tab.post == [hit.url], "post-track runs on the 200"


def test_long_exit_link_beacon_carries_its_query_as_the_body():
    tab = Tab(offline=False)
    hit = tab.s.tl(True, "e", "Partner", {"prop1": "z" * 3000})
    path, body = post_parts(hit.url)
    assert tab.transport.beacons == [path + "#" + body] and hit.outcome.status == LOADED


def test_post_body_drops_the_postback_callback_pair_as_appmeasurement_does():
    url = "http://c/b/ss/r/10/JS-2.27.0/s1?AQB=1&ndh=1&pf=1&callback=s_c_il[0].doPostbacks&et=1&t=x&AQE=1"
    assert post_parts(url) == ("http://c/b/ss/r/10/JS-2.27.0/s1", "AQB=1&ndh=1&pf=1&et=1&t=x&AQE=1")


def test_request_over_64_kib_fails_with_a_warning_and_is_never_truncated():
    tab = Tab(offline=True)
    hit = tab.s.t({"prop1": "x" * (BODY_LIMIT + 10)})
    assert tab.transport.images == [] and tab.transport.beacons == [], "nothing sent, not even cut short"
    assert hit.outcome.status == FAILED and "over the 65536-byte limit" in hit.outcome.reason
    assert any("nothing was truncated" in w for w in tab.warnings()), tab.warnings()
    assert tab.stored() == [], "a hit that can never be sent is not stored for retry"


# --- point 2: trackOffline -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "offline, timestamp, expected",
    [(True, None, "1795327810"), (False, None, None), (True, 12345, "12345")],
    ids=["trackOffline-adds-ts", "online-no-ts", "explicit-timestamp-kept"],
)
def test_track_offline_adds_ts_in_the_second_position_and_resets_it(offline, timestamp, expected):
    tab = Tab(offline=offline)
    tab.s.timestamp = timestamp
    for call in (lambda: tab.view("Home"), lambda: tab.s.tl(True, "o", "Signup")):
        url = call().url
        pairs = url.split("?", 1)[1].split("&")
        ts = [p[3:] for p in pairs if p.startswith("ts=")]
        assert ts == ([expected] if expected else []), url
        if expected:
            assert pairs[4].startswith("ts="), "ts comes right after t=: %r" % pairs[:6]
        assert tab.s.timestamp is None, "timestamp is transient: reset after the call"
        tab.transport.load(tab.transport.images[-1])
        tab.s.timestamp = timestamp


def test_storage_key_is_appmeasurements_with_the_literal_undefined_namespace():
    tab = Tab()
    assert options(tab.s).key == KEY
    tab.s.visitorNamespace = "ns"
    tab.s.storageFilename = "my.requests"
    assert options(tab.s).key == "my.requests-nsmyrsid"


@pytest.mark.parametrize(
    "variables, limit",
    [
        ({}, 10),
        ({"offlineLimit": 3}, 3),
        ({"offlineHitLimit": 4}, 4),
        ({"offlineLimit": 2, "offlineHitLimit": 5}, 2),
    ],
    ids=["default-10", "offlineLimit", "documented-offlineHitLimit", "offlineLimit-wins"],
)
def test_offline_limit_and_its_documented_alias(variables, limit):
    assert options(Tab(**variables).s).limit == limit


def test_failed_hit_and_those_behind_it_are_stored_in_order_and_retried_with_capped_backoff():
    tab = Tab()
    hits = [tab.view("p%d" % i) for i in range(3)]
    tab.transport.fail(tab.transport.images[0])
    assert hits[0].outcome.status == FAILED and "kept in localStorage" in hits[0].outcome.reason
    assert tab.stored() == [h.url for h in hits], "the exact URLs, oldest first"
    waits, previous = [], tab.transport.clock_ms
    for _ in range(8):  # the collector keeps failing: each retry waits longer, up to the cap
        before = len(tab.transport.images)
        while len(tab.transport.images) == before:
            tab.transport.advance(10)
        waits.append(tab.transport.clock_ms - previous)
        tab.transport.fail(tab.transport.images[-1], elapsed_ms=0)
        previous = tab.transport.clock_ms
    assert waits[1:4] == [2000, 4000, 8000] and max(waits) <= BACKOFF_CAP_MS + LEASE_SETTLE_MS, waits
    assert {i.url for i in tab.transport.images[1:]} == {hits[0].url}, "the head is retried, nothing skipped"
    tab.transport.advance(BACKOFF_CAP_MS)  # the collector is back
    for _ in range(3):
        tab.transport.load(tab.transport.pending()[0])
    assert tab.names(tab.post) == ["p0", "p1", "p2"], "each once, in order"
    assert [h.outcome.status for h in hits] == [FAILED, LOADED, LOADED]
    assert KEY not in tab.env.local, "the key is removed once everything went out"


def test_online_event_retries_at_once_instead_of_waiting_out_the_backoff():
    tab = Tab()
    tab.view("p0")
    tab.transport.fail(tab.transport.images[0])
    tab.env.fire("online")
    settle_lease(tab)
    assert len(tab.transport.images) == 2, "the online event sends the stored hit again now"


def test_next_page_sends_stored_hits_first_oldest_first_then_its_own():
    first = Tab()
    for i in range(3):
        first.view("old%d" % i)
    first.transport.fail(first.transport.images[0])
    stored = first.stored()
    second = Tab(local=first.env.local)  # the reload: same localStorage, new page
    own = second.view("new")
    assert second.transport.images == [], "waits for its lease to settle"
    settle_lease(second)
    for _ in range(4):
        second.transport.load(second.transport.pending()[0])
    assert second.names(second.post) == ["old0", "old1", "old2", "new"]
    assert second.post[:3] == stored and own.outcome.status == LOADED
    assert KEY not in second.env.local


def test_two_tabs_never_both_send_a_stored_hit():
    first = Tab()
    for i in range(3):
        first.view("old%d" % i)
    first.transport.fail(first.transport.images[0])
    local = first.env.local
    a, b = Tab(local=local), Tab(local=local)
    a.view("a")
    b.view("b")  # both wanted the lease: the first one holds it
    for tab in (a, b):
        settle_lease(tab)
    for _ in range(6):
        for tab in (a, b):
            for request in tab.transport.pending():
                tab.transport.load(request)
            tab.transport.advance(1000)
    sent = a.names(a.post) + b.names(b.post)
    assert sorted(sent) == ["a", "b", "old0", "old1", "old2"], "every hit once: %r / %r" % (a.post, b.post)
    assert a.names(a.post)[:3] == ["old0", "old1", "old2"], "the lease holder sends them in order"


def test_a_tab_whose_lease_expired_gives_way_to_another():
    first = Tab()
    first.view("old")
    first.transport.fail(first.transport.images[0])  # holds the lease, then its page dies silently
    other = Tab(local=first.env.local)
    other.view("x")
    other.transport.advance(LEASE_MS + 2000)
    for _ in range(3):
        for request in other.transport.pending():
            other.transport.load(request)
        other.transport.advance(1000)
    assert sorted(other.names(other.post)) == ["old", "x"], "the stored hit and its own, once each"


def test_the_limit_applies_to_what_is_stored_only():
    online = Tab(offlineLimit=2)
    hits = [online.view("p%d" % i) for i in range(5)]
    for _ in range(5):
        online.transport.load(online.transport.pending()[0])
    assert [h.outcome.status for h in hits] == [LOADED] * 5, "nothing dropped while the collector answers"
    offline = Tab(offlineLimit=2)
    hits = [offline.view("p%d" % i) for i in range(5)]
    offline.transport.fail(offline.transport.images[0])
    assert offline.names(offline.stored()) == ["p3", "p4"], "the oldest beyond the limit are dropped"
    assert [h.outcome.status for h in hits[1:3]] == [FAILED, FAILED]
    assert any("offlineLimit" in w for w in offline.warnings())


def test_offline_throttle_delay_spaces_request_starts():
    tab = Tab(offlineThrottleDelay=300)
    tab.view("a")
    tab.view("b")
    tab.transport.load(tab.transport.images[0], elapsed_ms=10)
    assert len(tab.transport.images) == 1, "b waits out the throttle"
    tab.transport.advance(290)
    assert len(tab.transport.images) == 2


def test_force_offline_keeps_hits_in_storage_until_force_online():
    tab = Tab()
    tab.s.forceOffline()
    tab.view("a")
    tab.view("b")
    assert tab.transport.images == [] and tab.names(tab.stored()) == ["a", "b"]
    tab.s.forceOnline()
    settle_lease(tab)
    for _ in range(2):
        tab.transport.load(tab.transport.pending()[0])
    assert tab.names(tab.post) == ["a", "b"] and KEY not in tab.env.local


def test_buffered_hits_wait_in_session_storage_and_go_first_on_the_next_page_of_the_tab():
    tab = Tab(offline=False)
    tab.s.bufferRequests()
    tab.view("b1")
    tab.view("b2")
    assert tab.transport.images == [] and json.loads(tab.env.session[KEY])[0].find("pageName=b1") > 0
    nxt = Tab(offline=False, session=tab.env.session)
    nxt.view("now")
    for _ in range(3):
        nxt.transport.load(nxt.transport.pending()[0])
    assert nxt.names(nxt.post) == ["b1", "b2", "now"] and KEY not in nxt.env.session


def test_buffer_requests_false_sends_the_buffered_hits_in_order():
    tab = Tab(offline=False)
    tab.s.bufferRequests(True)
    held = [tab.view("b1"), tab.view("b2")]
    tab.s.bufferRequests(False)
    for _ in range(2):
        tab.transport.load(tab.transport.pending()[0])
    assert tab.names(tab.post) == ["b1", "b2"] and [h.outcome.status for h in held] == [LOADED, LOADED]


@pytest.mark.parametrize("breakage", ["unavailable", "full"], ids=["storage-unavailable", "storage-full"])
def test_without_usable_storage_tracking_goes_on_with_one_warning(breakage):
    tab = Tab()
    if breakage == "unavailable":
        tab.env.storage_ok = {"local": False, "session": False}
    else:
        tab.env.storage_quota = 10
    for i in range(3):
        tab.view("p%d" % i)
        tab.transport.fail(tab.transport.pending()[0])
        tab.transport.advance(1000)
    tab.view("last")
    tab.transport.advance(1000)
    tab.transport.load(tab.transport.pending()[0])
    assert tab.names(tab.post) == ["last"], "hits still go out"
    warnings = [w for w in tab.warnings() if "localStorage" in w]
    assert len(warnings) == 1, warnings


# --- point 1: unload ---------------------------------------------------------------------------------


@pytest.mark.parametrize("offline", [False, True], ids=["plain", "trackOffline"])
def test_unload_hands_queued_hits_to_send_beacon_once_and_leaves_the_one_in_flight(offline):
    tab = Tab(offline=offline)
    hits = [tab.view("p%d" % i) for i in range(3)]
    tab.env.fire("hide")
    tab.env.fire("hide")  # pagehide after visibilitychange: nothing twice
    assert tab.names(tab.transport.beacons) == ["p1", "p2"], "the queued ones, once, in order"
    assert len(tab.transport.images) == 1, "the one in flight is not sent again"
    assert [h.outcome.status for h in hits[1:]] == [LOADED, LOADED]
    assert hits[1].outcome.transport == "beacon" and tab.names(tab.post) == ["p1", "p2"]


def test_refused_beacon_falls_back_to_a_keepalive_fetch_and_long_hits_carry_a_body():
    tab = Tab(offline=False)
    tab.transport.beacon_accepts = False
    tab.view("first")
    long_hit = tab.s.t({"prop1": "y" * 3000})
    tab.env.fire("hide")
    [sent] = tab.transport.keepalives
    path, body = post_parts(long_hit.url)
    assert sent == path + "#" + body and long_hit.outcome.transport == "keepalive"


def test_unload_while_failing_keeps_the_hits_stored_for_the_next_page():
    tab = Tab()
    tab.view("p0")
    tab.transport.fail(tab.transport.images[0])
    tab.view("p1")
    tab.env.fire("hide")
    assert tab.transport.beacons == [], "a beacon's answer is invisible: a failing collector would lose it"
    assert tab.names(tab.stored()) == ["p0", "p1"]
    assert "%s.lease" % KEY not in tab.env.local, "the lease is let go for the next page"


def test_unload_while_a_stored_hit_is_retried_keeps_it_stored_and_lets_the_next_page_send_it():
    tab = Tab()
    tab.view("p0")
    tab.transport.fail(tab.transport.images[0])
    tab.transport.advance(1000 + LEASE_SETTLE_MS)
    assert len(tab.transport.pending()) == 1, "the retry is in flight"
    tab.env.fire("hide")
    assert tab.transport.beacons == [] and tab.names(tab.stored()) == ["p0"], "still stored"
    nxt = Tab(local=tab.env.local)
    nxt.view("p1")
    settle_lease(nxt)
    for _ in range(2):
        nxt.transport.load(nxt.transport.pending()[0])
    assert nxt.names(nxt.post) == ["p0", "p1"]


def test_unload_after_recovery_sends_the_stored_backlog_by_beacon_each_once():
    first = Tab()
    for i in range(3):
        first.view("old%d" % i)
    first.transport.fail(first.transport.images[0])
    second = Tab(local=first.env.local)
    second.view("new")
    settle_lease(second)
    second.transport.load(second.transport.pending()[0])  # old0 accepted: healthy again
    second.env.fire("hide")  # old1 in flight: taken as sent; old2 and new by beacon
    assert second.names(second.transport.beacons) == ["old2", "new"]
    assert second.stored() == [], "nothing left to send twice"
    third = Tab(local=first.env.local)
    third.view("later")
    for request in third.transport.pending():
        third.transport.load(request)
    assert third.names(third.post) == ["later"], "no stored hit comes back"


# --- point 5: waiting with a timeout ------------------------------------------------------------------


def test_wait_returns_the_outcome_within_the_time_limit():
    tab = Tab(offline=False)

    async def main():
        hit = tab.view("a")
        asyncio.get_running_loop().call_later(0.01, lambda: tab.transport.load(tab.transport.images[0]))
        return await hit.wait(5)

    assert asyncio.run(main()).status == LOADED


def test_wait_raises_timeout_error_and_the_hit_still_settles_later():
    tab = Tab(offline=False)

    async def main():
        hit = tab.view("a")
        with pytest.raises(asyncio.TimeoutError):
            await hit.wait(0.01)
        tab.transport.load(tab.transport.images[0])
        return hit, await hit.wait(1)

    hit, outcome = asyncio.run(main())
    assert outcome.status == LOADED and hit._events == [], "no waiter left behind"
