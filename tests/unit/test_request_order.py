"""The query follows AppMeasurement's fixed variable order (variables.tracked() / the wire-key table)."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from appmeasurement.query import build as build_query
from appmeasurement.variables import (
    ALWAYS_SENT,
    BLOCKS,
    TRANSIENT,
    indexed_key,
    is_cleared,
    position,
    tracked,
    wire_key,
)
from tests.unit.tracker_support import Rig, query_keys

# Variables with a rule of their own (blocks, merged or conditional ones) are covered elsewhere.
_SPECIAL = set(BLOCKS) | {
    "events2",
    "lightStoreForSeconds",
    "lightIncrementBy",
    "visitorMigrationServer",
    "visitorMigrationServerSecure",
    "pageURLRest",
    "contextData.cm.ssf",
    "contextData.opt.dmp",
    "contextData.opt.sell",
}
TRACKED = tracked()
PLAIN = [name for name in TRACKED if name not in _SPECIAL]
# Set by the tracker itself on every hit, so not "any subset" at the tracker level.
_AUTOMATIC = {"fid", "charSet", "pageURL", "resolution", "colorDepth", "javascriptVersion", "javaEnabled"}
_AUTOMATIC |= {"cookiesEnabled", "browserWidth", "browserHeight", "connectionType", "homepage"}
_LINK = {"pe", "pev1", "pev2", "pev3", "linkType"}
SETTABLE = [name for name in PLAIN if name not in _AUTOMATIC and name not in _LINK and name not in TRANSIENT]


@settings(max_examples=200)
@given(st.lists(st.sampled_from(PLAIN), unique=True, max_size=40))
def test_query_keys_follow_the_table_order_for_any_subset(chosen):
    values = dict.fromkeys(chosen, "x")
    keys = [part.split("=")[0] for part in build_query(values).split("&")[1:]]
    assert keys == [wire_key(name) for name in TRACKED if name in values]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(SETTABLE), unique=True, max_size=25))
def test_tracker_hits_follow_the_table_order(chosen):
    rig = Rig("testrsid")
    urls = rig.record()
    for name in chosen:
        setattr(rig.s, name, "v")
    rig.s.t()
    rig.settle()
    automatic = set(_AUTOMATIC)
    if {"marketingCloudVisitorID", "analyticsVisitorID"} & set(chosen):
        automatic.discard("fid")  # AppMeasurement makes no fallback id when a visitor id is set
    expected_names = [name for name in TRACKED if name in chosen or name in automatic]
    expected = ["t"] + [
        wire_key(name) for name in expected_names if name not in ("connectionType", "homepage")
    ]
    assert query_keys(urls[0]) == expected


def test_grouped_by_index_and_campaign_clash():
    values = {
        "prop1": "a",
        "eVar1": "b",
        "hier1": "c",
        "list1": "d",
        "prop2": "e",
        "eVar0": "f",
        "campaign": "g",
    }
    query = build_query(values)
    assert query == "&v0=g&v0=f&c1=a&v1=b&h1=c&l1=d&c2=e"


def test_page_url_split_and_rest_sent_after_bh():
    # 15 + 236 + 2 emoji = 255 UTF-16 units in g; the third emoji goes to -g after bh.
    url = "https://x.test/" + "a" * 236 + "\U0001f389" * 3
    query = build_query({"pageURL": url, "browserHeight": 720})
    assert query.startswith("&g=https%3A%2F%2Fx.test%2F" + "a" * 236 + "%F0%9F%8E%89" * 2 + "&bh=720")
    assert query.endswith("&bh=720&-g=%F0%9F%8E%89")


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("prop0", "c0"),
        ("prop75", "c75"),
        ("prop76", None),
        ("eVar250", "v250"),
        ("eVar251", None),
        ("hier5", "h5"),
        ("hier6", None),
        ("list3", "l3"),
        ("list4", None),
        ("eVar01", None),
        ("evar1", None),
        ("Prop1", None),
        ("pageURL", "g"),
        ("referrer", "r"),
        ("visitorID", "vid"),
        ("transactionID", "xact"),
        ("campaign", "v0"),
        ("resolution", "s"),
        ("pageURLRest", "-g"),
        ("foo", None),
    ],
    ids=lambda v: str(v),
)
def test_wire_key_table(name, key):
    assert wire_key(name) == key


def test_lists_are_consistent():
    assert len(TRACKED) == len(set(TRACKED))
    assert set(ALWAYS_SENT) <= set(TRACKED)
    assert all(is_cleared(name) for name in TRACKED if indexed_key(name))
    assert [position(name) for name in TRACKED] == list(range(len(TRACKED)))
    assert [position(name) for name in ("eVar01", "prop76", "hier6", "list4", "foo", "eVar", "prop-1")] == [
        -1
    ] * 7
    assert TRACKED.index("tnt") < TRACKED.index("prop0") < TRACKED.index("eVar250") < TRACKED.index("pe")
    assert sum(1 for n in TRACKED if n.startswith("prop")) == 76
    assert sum(1 for n in TRACKED if n.startswith("eVar")) == 251
