"""One read of document.cookie per track call (cookies.call_jar), and never a stale one.

In Chromium a read of ``document.cookie`` costs about 0.1 ms; a hit used to read it two or three
times (s_fid, s_sq, the s_cc check). The call's jar is refreshed by every cookie this tracker writes,
and outside a call every read asks the page.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from appmeasurement import AppMeasurement  # noqa: E402
from appmeasurement.testing import FakeTransport, StaticEnvironment  # noqa: E402


def tracker(**variables):
    env = StaticEnvironment(location="http://www.shop.test/home")
    transport = FakeTransport()
    s = AppMeasurement("rsid", env, transport)
    s.trackingServer = "metrics.shop.test"
    for name, value in variables.items():
        setattr(s, name, value)
    return s, env, transport


@pytest.mark.parametrize(
    "variables",
    [
        {"pageName": "Home"},
        {"pageName": "Home", "visitorSampling": 100},
        {"pageName": "Home", "trackClickMap": True},
    ],
    ids=["page-view", "visitor-sampling", "clickmap"],
)
def test_a_hit_reads_the_cookie_jar_once(variables):
    s, env, transport = tracker(**variables)
    s.t()  # the first hit also writes s_fid and s_cc, and reads each back
    transport.load(transport.images[-1])
    before = env.cookie_reads
    s.t()
    reads = env.cookie_reads - before
    assert reads == 1, "expected one read of document.cookie for the second hit, got %d" % reads


def test_a_cookie_written_in_do_plugins_is_seen_by_the_same_hit():
    s, env, transport = tracker(pageName="Home")
    s.t()
    transport.load(transport.images[-1])
    # doPlugins stores ActivityMap click data through s.cookieWrite; the same call then carries it.
    s.usePlugins = True
    s.doPlugins = lambda s: s.cookieWrite("s_sq", "rsid=%26pid%3DHome%26oid%3DBuy")
    s.t()
    url = transport.images[-1].url
    assert "&pid=Home&oid=Buy" in url, "expected the click data written in doPlugins in the hit, got " + url


def test_outside_a_call_every_read_asks_the_page():
    s, env, transport = tracker(pageName="Home")
    s.t()
    env.set_cookie("late=1; path=/;")  # the page's own script, between hits
    assert s.cookieRead("late") == "1"
    env.set_cookie("late=2; path=/;")
    assert s.cookieRead("late") == "2"


def test_a_write_makes_the_next_read_ask_the_page():
    # The read-back of every write is a real read: a write invalidates the browser's cookie cache.
    s, env, transport = tracker(pageName="Home")
    s.t()
    transport.load(transport.images[-1])
    before = env.cookie_reads
    assert s.cookieWrite("plugin", "v1")
    assert env.cookie_reads == before + 1, "expected the write to be read back once"


MINUTE = 60_000


@pytest.mark.parametrize(
    "later_ms, page_deleted_it, rewritten",
    [
        (1_000, False, False),
        (MINUTE - 1_000, False, False),
        (MINUTE, False, True),
        (2 * MINUTE, False, True),
        (1_000, True, True),
    ],
    ids=[
        "a-second-later",
        "just-under-a-minute",
        "a-minute-later",
        "two-minutes-later",
        "deleted-by-the-page",
    ],
)
def test_s_fid_expiry_is_refreshed_at_most_once_a_minute(later_ms, page_deleted_it, rewritten):
    # AppMeasurement rewrites s_fid (two years) on every hit; each write makes the next read of
    # document.cookie a round trip to the network process, so the same value waits a minute.
    s, env, transport = tracker(pageName="Home")
    s.t()
    transport.load(transport.images[-1])
    fid = s.cookieRead("s_fid")
    writes = len(env.cookie_writes)
    env.clock_ms += later_ms
    if page_deleted_it:
        env.set_cookie("s_fid=; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT; domain=.shop.test;")
        writes += 1
    s.t()
    fid_writes = [c for c in env.cookie_writes[writes:] if c.startswith("s_fid=")]
    assert len(fid_writes) == (1 if rewritten else 0), "expected %s, got %r" % (
        "one s_fid write" if rewritten else "no s_fid write",
        fid_writes,
    )
    if not page_deleted_it:
        assert s.cookieRead("s_fid") == fid, "expected the same s_fid"
        assert ("&fid=" + fid) in transport.images[-1].url.replace("%2D", "-")


def test_a_plugin_cookie_with_an_earlier_expiry_is_written():
    s, env, transport = tracker(pageName="Home")
    far, near = env.clock_ms + 10 * MINUTE, env.clock_ms + 5 * MINUTE
    assert s.cookieWrite("plugin", "v", far)
    writes = len(env.cookie_writes)
    assert s.cookieWrite("plugin", "v", near)
    assert len(env.cookie_writes) == writes + 1, "expected the shorter expiry to be written"
    assert s.cookieWrite("plugin", "v", near + 1_000)
    assert len(env.cookie_writes) == writes + 1, "expected a second later to change nothing"
