"""query.build remembers each variable's last "&key=value" segment (query._SEGMENTS): a value sent
again (the same str object) is neither escaped nor joined again. The cache must never send a stale
or another tracker's value, and a lone surrogate is still reported on every hit.
"""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "app"))

from appmeasurement import query  # noqa: E402

SURROGATE = "a\ud800b"


@pytest.mark.parametrize(
    "first, second, expected",
    [
        ("x y", None, "&v1=x%20y"),  # the same object again
        ("x y", "".join(["x", " y"]), "&v1=x%20y"),  # an equal, different object
        ("x y", "z", "&v1=z"),  # another value
        ("ünï", "ünï!", "&v1=%C3%BCn%C3%AF%21"),
    ],
    ids=["same-object", "equal-object", "new-value", "new-unicode-value"],
)
def test_a_segment_is_reused_only_for_the_value_it_was_made_from(first, second, expected):
    query.build({"eVar1": first})
    value = first if second is None else second
    got = query.build({"eVar1": value})
    assert got == expected, "expected %r, got %r" % (expected, got)


def test_two_trackers_sending_different_values_each_send_their_own():
    a, b = "from a", "from b"
    sent = [query.build({"prop1": v}) for v in (a, b, a, b)]
    assert sent == ["&c1=from%20a", "&c1=from%20b"] * 2, sent


def test_a_lone_surrogate_is_reported_on_every_hit():
    warnings = []
    for _ in range(3):
        got = query.build({"pageName": SURROGATE}, warn=warnings.append)
        assert got == "&pageName=a%EF%BF%BDb", got
    assert len(warnings) == 3, "expected one warning per hit, got %r" % (warnings,)
