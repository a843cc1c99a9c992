"""The hit lifecycle in CPython: queue order, callbacks, outcomes and guards, on a fake transport."""

import asyncio
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from appmeasurement.lifecycle import HitQueue  # noqa: E402
from appmeasurement.outcome import FAILED, LOADED, NOT_SENT, TIMEOUT  # noqa: E402
from appmeasurement.testing import FakeTransport  # noqa: E402


class Console:
    def __init__(self):
        self.warnings, self.errors, self.logs = [], [], []

    def warn(self, message):
        self.warnings.append(message)

    def error(self, message):
        self.errors.append(message)

    def log(self, message):
        self.logs.append(message)


@pytest.fixture
def rig():
    transport, console = FakeTransport(), Console()
    return transport, console, HitQueue(transport, console)


def url(n):
    return "http://c/b/ss/r/1/JS-2.27.0/s%d?AQB=1&n=%d&AQE=1" % (n, n)


def send(queue, n, beacon=False):
    return queue.track(lambda: (url(n), beacon))


def test_pre_track_runs_synchronously_with_the_built_url_before_sending(rig):
    transport, _, queue = rig
    seen = []
    queue.register("pre", lambda u, extra: seen.append((u, extra, len(transport.images))), ("x",))
    send(queue, 1)
    assert seen == [(url(1), "x", 0)], "pre-track must run before the image is created"
    assert [i.url for i in transport.images] == [url(1)]


def test_post_track_runs_on_onload_with_url_and_args_and_resolves_loaded(rig):
    transport, _, queue = rig
    seen = []
    queue.register("post", lambda u, a, b: seen.append((u, a, b)), ("a", 2))
    hit = send(queue, 1)
    assert seen == [] and not hit.done
    transport.load(transport.images[0], elapsed_ms=12)
    assert seen == [(url(1), "a", 2)]
    assert hit.outcome.status == LOADED and hit.outcome.ok and hit.outcome.elapsed_ms == 12
    assert queue.take_lrt() == 12 and queue.take_lrt() is None, "lrt is handed out once"


@pytest.mark.parametrize(
    "settle, status",
    [
        (lambda t: t.fail(t.images[0]), FAILED),
        (lambda t: t.advance(5000), TIMEOUT),
    ],
    ids=["onerror", "watchdog-timeout"],
)
def test_failed_hit_skips_post_track_and_runs_the_failure_path(rig, settle, status):
    transport, _, queue = rig
    post, failure = [], []
    queue.register("post", lambda u: post.append(u))
    queue.register("failure", lambda u, reason: failure.append((u, reason)))
    hit = send(queue, 1)
    settle(transport)
    assert post == [], "post-track must never run for a failed hit"
    assert failure and failure[0][0] == url(1)
    assert hit.outcome.status == status and not hit.outcome.ok and hit.outcome.reason
    assert queue.take_lrt() is None, "only a successful request sets lrt"


def test_watchdog_treats_a_complete_image_as_loaded(rig):
    transport, _, queue = rig
    hit = send(queue, 1)
    transport.images[0].complete = True
    transport.advance(5000)
    assert hit.outcome.status == LOADED


def test_requests_go_out_one_at_a_time_in_call_order(rig):
    transport, _, queue = rig
    hits = [send(queue, n) for n in range(1, 4)]
    assert [i.url for i in transport.images] == [url(1)], "only one request in flight"
    transport.load(transport.images[0])
    assert [i.url for i in transport.images] == [url(1), url(2)]
    transport.load(transport.images[1])
    transport.load(transport.images[2])
    assert [h.outcome.status for h in hits] == [LOADED] * 3


def test_next_request_waits_500_ms_after_a_failure(rig):
    transport, _, queue = rig
    send(queue, 1)
    send(queue, 2)
    transport.fail(transport.images[0])
    transport.advance(499)
    assert len(transport.images) == 1, "the next request must wait out the 500 ms pause"
    transport.advance(1)
    assert [i.url for i in transport.images] == [url(1), url(2)]


def test_burst_settles_in_call_order_and_post_callbacks_in_registration_order(rig):
    transport, _, queue = rig
    order = []
    queue.register("pre", lambda u: order.append(("pre", u)))
    queue.register("post", lambda u: order.append(("post-a", u)))
    queue.register("post", lambda u: order.append(("post-b", u)))
    settled = []
    hits = [send(queue, n) for n in range(200)]
    for h in hits:
        h.add_done_callback(lambda o: settled.append(o.url))
    while transport.pending():
        transport.load(transport.pending()[0])
    assert settled == [url(n) for n in range(200)]
    posts = [entry for entry in order if entry[0] != "pre"]
    assert posts == [(name, url(n)) for n in range(200) for name in ("post-a", "post-b")]
    for n in range(200):
        assert order.index(("pre", url(n))) < order.index(("post-a", url(n)))
    assert queue.idle() and queue.stats() == {"pending": 0, "in_flight": 0, "retry_timer": 0}
    assert all(i.released for i in transport.images) and transport.timer_count() == 0


def test_raising_callback_is_reported_and_isolated(rig):
    transport, console, queue = rig
    seen = []

    def broken(u):
        raise RuntimeError("boom")

    queue.register("post", broken)
    queue.register("post", lambda u: seen.append(u))
    hit = send(queue, 1)
    transport.load(transport.images[0])
    assert seen == [url(1)], "the other callbacks must still run"
    assert hit.outcome.status == LOADED
    assert len(console.errors) == 1 and "boom" in console.errors[0] and "Traceback" in console.errors[0]


def test_tracking_from_inside_a_callback_is_refused_not_sent(rig):
    transport, console, queue = rig
    inner = []
    queue.register("post", lambda u: inner.append(send(queue, 99)))
    queue.register("pre", lambda u: inner.append(send(queue, 98)))
    send(queue, 1)
    transport.load(transport.images[0])
    assert [i.url for i in transport.images] == [url(1)], "nothing from inside a callback is sent"
    assert [h.outcome.status for h in inner] == [NOT_SENT, NOT_SENT]
    assert len(console.warnings) == 2 and "loop" in console.warnings[0]


def test_tracking_from_inside_build_is_refused(rig):
    transport, _, queue = rig
    inner = []

    def build():
        inner.append(send(queue, 2))  # doPlugins calling s.t() must not recurse
        return url(1), False

    queue.track(build)
    assert [i.url for i in transport.images] == [url(1)]
    assert inner[0].outcome.status == NOT_SENT


def test_aborted_build_resolves_not_sent_and_sends_nothing(rig):
    transport, _, queue = rig
    hit = queue.track(lambda: None)
    assert hit.outcome.status == NOT_SENT and transport.images == []


@pytest.mark.parametrize(
    "args_first, args_second, registered",
    [((), (), 1), (("a",), ("a",), 1), (("a",), ("b",), 2)],
    ids=["same-fn-no-args", "same-fn-same-args", "same-fn-other-args"],
)
def test_duplicate_registration_registers_once_and_warns(rig, args_first, args_second, registered):
    transport, console, queue = rig
    calls = []

    def cb(u, *args):
        calls.append(args)

    queue.register("post", cb, args_first)
    queue.register("post", cb, args_second)
    send(queue, 1)
    transport.load(transport.images[0])
    assert len(calls) == registered
    assert len(console.warnings) == (1 if registered == 1 else 0)


class Recorder:
    def __init__(self):
        self.calls = []

    def method(self, u):
        self.calls.append(u)

    def __call__(self, u, extra):
        self.calls.append((u, extra))


@pytest.mark.parametrize(
    "make, expected",
    [
        (lambda rec: lambda: rec.calls.append("none"), ["none"]),
        (lambda rec: lambda u: rec.calls.append(u), [url(1)]),
        (lambda rec: lambda u, *a: rec.calls.append((u, a)), [(url(1), ("x",))]),
        (lambda rec: rec.method, [url(1)]),
        (lambda rec: rec, [(url(1), "x")]),
    ],
    ids=["no-params", "url-only", "varargs", "bound-method", "callable-instance"],
)
def test_callbacks_may_take_fewer_parameters_than_given(rig, make, expected):
    transport, console, queue = rig
    rec = Recorder()
    queue.register("post", make(rec), ("x",))
    send(queue, 1)
    transport.load(transport.images[0])
    assert rec.calls == expected and console.errors == []


def test_typeerror_inside_a_callback_is_not_hidden(rig):
    transport, console, queue = rig

    def cb(u):
        return len(5)  # a real bug inside the callback

    queue.register("post", cb)
    send(queue, 1)
    transport.load(transport.images[0])
    assert len(console.errors) == 1 and "TypeError" in console.errors[0]


@pytest.mark.parametrize("fn", [5, "name", None], ids=["int", "str", "none"])
def test_non_callable_is_refused_with_a_typeerror_naming_it(rig, fn):
    _, _, queue = rig
    with pytest.raises(TypeError, match="registerPostTrackCallback.*%r" % (fn,)):
        queue.register("post", fn)


@pytest.mark.parametrize(
    "beacon_accepts, status", [(True, LOADED), (False, FAILED)], ids=["accepted", "refused"]
)
def test_beacon_settles_when_the_browser_accepts_it(beacon_accepts, status):
    transport, console = FakeTransport(beacon_accepts=beacon_accepts), Console()
    queue = HitQueue(transport, console)
    post = []
    queue.register("post", lambda u: post.append(u))
    hit = send(queue, 1, beacon=True)
    assert transport.beacons == [url(1)] and transport.images == []
    assert hit.outcome.status == status and hit.outcome.transport == "beacon"
    assert post == ([url(1)] if beacon_accepts else [])


def test_hit_is_awaitable_and_resolves_once(rig):
    transport, _, queue = rig

    async def main():
        hit = send(queue, 1)
        asyncio.get_running_loop().call_soon(lambda: transport.load(transport.images[0]))
        first = await hit
        second = await hit
        return first, second

    first, second = asyncio.run(main())
    assert first is second and first.status == LOADED


def test_ten_thousand_hits_leave_nothing_behind(rig):
    transport, _, queue = rig
    queue.register("post", lambda u: None)
    for n in range(10_000):
        send(queue, n)
        transport.load(transport.images[-1])
    assert queue.stats() == {"pending": 0, "in_flight": 0, "retry_timer": 0}
    assert transport.timer_count() == 0 and not transport.pending()
