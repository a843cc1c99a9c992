"""The surrogate rule under MicroPython 1.28 in Node (issue #11, point 4).

MicroPython's json does not combine ``\\u`` escapes: ``json.loads('"\\\\ud83c\\\\udf89"')`` is a str of two
surrogate code points where JS has one emoji. The tracker sends such a pair as the one character and
each lone surrogate as U+FFFD with one warning naming the variable, as it does in CPython.
"""

import pytest

from tests.unit.test_micropython import run_micropython

pytestmark = pytest.mark.mpy

SNIPPET = r"""
import json, sys
from appmeasurement import tracker
from appmeasurement.testing import FakeTransport, StaticEnvironment
tracker._reset_registry()
env = StaticEnvironment()
s = tracker.s_gi("mpy", env, FakeTransport())
urls = []
s.registerPreTrackCallback(urls.append)
s.trackingServer = "COLLECTOR"
texts = [json.loads(t) for t in %r]
out = []
for text in texts:
    del env.messages[:]
    s.pageName = text
    hit = s.t()
    url = urls[-1]
    start = url.find("&pageName=") + len("&pageName=")
    out.append({
        "units": len(text),
        "wire": url[start:url.find("&", start)],
        "warnings": [m for kind, m in env.messages if kind == "warn"],
        "returned": hit is not None,
    })
print("IMPLEMENTATION " + sys.implementation.name)
print("RESULT " + json.dumps(out))
"""

CASES = [
    ("json-pair", '"party \\ud83c\\udf89"', 8, "party%20%F0%9F%8E%89", 0),
    ("lone-high", '"a\\ud800b"', 3, "a%EF%BF%BDb", 1),
    ("lone-low", '"a\\udc00b"', 3, "a%EF%BF%BDb", 1),
    ("trailing-high", '"end\\ud83c"', 4, "end%EF%BF%BD", 1),
    ("pair-then-lone", '"\\ud83c\\udf89\\ud83c"', 3, "%F0%9F%8E%89%EF%BF%BD", 1),
]


@pytest.fixture(scope="module")
def results():
    stdout, result = run_micropython(SNIPPET % ([case[1] for case in CASES],))
    assert "IMPLEMENTATION micropython" in stdout
    return dict(zip([case[0] for case in CASES], result))


@pytest.mark.parametrize(
    ("case_id", "units", "wire", "warnings"),
    [(case[0],) + case[2:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_surrogates_from_json_are_sent_as_js_would_under_micropython(results, case_id, units, wire, warnings):
    got = results[case_id]
    assert got["returned"], "s.t() returned a Hit"
    assert got["units"] == units, "MicroPython's json gave %d code points, expected %d" % (
        got["units"],
        units,
    )
    assert got["wire"] == wire, "expected pageName=%s on the wire, MicroPython sent %s" % (wire, got["wire"])
    assert len(got["warnings"]) == warnings, "expected %d warning(s), got %r" % (warnings, got["warnings"])
    assert all("pageName" in message for message in got["warnings"]), got["warnings"]
