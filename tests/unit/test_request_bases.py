"""request.hit_url remembers the URL base for the variables it depends on (request._BASES): a change
to any of them between two hits must show in the next hit's URL, and an unhashable value still works.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from appmeasurement import AppMeasurement  # noqa: E402
from appmeasurement.testing import FakeTransport, StaticEnvironment  # noqa: E402


def url_after(changes):
    transport = FakeTransport()
    s = AppMeasurement("rsid", StaticEnvironment(), transport)
    s.trackingServer, s.pageName = "metrics.shop.test", "Home"
    s.t()
    transport.load(transport.images[-1])
    for name, value in changes.items():
        setattr(s, name, value)
    s.t()
    return transport.images[-1].url.split("?")[0].rsplit("/", 1)[0]


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({}, "http://metrics.shop.test/b/ss/rsid/1/JS-2.27.0"),
        ({"trackingServer": "other.test"}, "http://other.test/b/ss/rsid/1/JS-2.27.0"),
        ({"ssl": True, "trackingServerSecure": "s.test"}, "https://s.test/b/ss/rsid/1/JS-2.27.0"),
        ({"account": "second"}, "http://metrics.shop.test/b/ss/second/1/JS-2.27.0"),
        ({"mobile": True}, "http://metrics.shop.test/b/ss/rsid/5.1/JS-2.27.0"),
        ({"tagContainerMarker": "D1"}, "http://metrics.shop.test/b/ss/rsid/1/JS-2.27.0-D1"),
        ({"trackingServer": None, "visitorNamespace": "ns"}, "http://ns.112.2o7.net/b/ss/rsid/1/JS-2.27.0"),
        ({"tagContainerMarker": ["D", "2"]}, None),
    ],
    ids=["unchanged", "server", "ssl", "account", "mobile", "marker", "namespace", "unhashable"],
)
def test_the_next_hit_uses_the_changed_variables(changes, expected):
    got = url_after(changes)
    if expected is None:  # whatever AppMeasurement makes of a list: the same as without the cache
        assert got.startswith("http://metrics.shop.test/b/ss/rsid/1/JS-2.27.0"), got
    else:
        assert got == expected, "expected %s, got %s" % (expected, got)
