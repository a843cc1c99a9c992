"""query remembers the send order of a set of names (query._PLANS) and which of an instance's
attributes are tracked variables (query._HELD). A remembered plan must give exactly the query a
first build gives, whatever was built before it.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from appmeasurement import AppMeasurement, query  # noqa: E402
from appmeasurement.testing import FakeTransport, StaticEnvironment  # noqa: E402

LONG_URL = "http://www.shop.test/" + "p" * 300


def fresh_build(values, *args):
    saved = dict(query._PLANS), dict(query._HELD)
    query._PLANS.clear()
    query._HELD.clear()
    try:
        return query.build(values, *args)
    finally:
        query._PLANS.clear()
        query._PLANS.update(saved[0])
        query._HELD.update(saved[1])


@pytest.mark.parametrize(
    "before, values",
    [
        ({"eVar1": "a", "prop1": "b"}, {"prop1": "b2", "eVar1": "a2"}),
        ({"eVar1": "a"}, {"eVar1": "a", "eVar2": "c"}),
        ({"events": "e1", "events2": "e2"}, {"events2": "e2"}),
        ({"events2": "e2"}, {"events": "e1", "events2": "e2"}),
        ({"pageURL": "http://www.shop.test/"}, {"pageURL": LONG_URL}),
        ({"pageURL": LONG_URL}, {"pageURL": "http://www.shop.test/"}),
        ({"eVar1": "a", "pev3": "x"}, {"eVar1": "a", "pev3": "x", "prop1": "after pev3"}),
    ],
    ids=[
        "same-names-other-order",
        "one-more-name",
        "events2-alone-after-both",
        "both-after-events2-alone",
        "long-page-url-after-short",
        "short-page-url-after-long",
        "name-after-pev3",
    ],
)
def test_a_remembered_plan_builds_what_a_first_build_builds(before, values):
    expected = fresh_build(values, None, None, False, "&activitymap=block")
    query.build(before, None, None, False, "&activitymap=block")
    got = query.build(values, None, None, False, "&activitymap=block")
    assert got == expected, "expected %r, got %r" % (expected, got)


def test_an_attribute_set_after_a_hit_is_sent_by_the_next_one():
    s = AppMeasurement("rsid", StaticEnvironment(), FakeTransport())
    s.trackingServer = "c.test"
    s.pageName = "Home"
    assert "eVar7" not in query.sendable(s)
    s.eVar7 = "later"
    assert query.sendable(s).get("eVar7") == "later", "expected eVar7 among the sendable variables"
    s.eVar7 = ""
    assert "eVar7" not in query.sendable(s), "expected an emptied eVar7 not to be sent"
