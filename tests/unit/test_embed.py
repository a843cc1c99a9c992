"""appmeasurement.embed in CPython: the replay of the loader's queue, against an in-memory bridge.

The bridge stands for the loader's ``window.AppMeasurementEmbed`` (app/loader/appmeasurement.js): it
hands out queued operations as JSON text and records what Python settles and calls back. The real
loader is driven in the browser by tests/e2e/test_embed.py.
"""

import json

import pytest

from appmeasurement import AppMeasurement
from appmeasurement.embed import Embed
from appmeasurement.testing import FakeTransport, StaticEnvironment


class Bridge:
    def __init__(self, ops):
        self.ops = [json.dumps(op) for op in ops]
        self.el = None
        self.settled = []
        self.called = []

    def next(self):
        return self.ops.pop(0) if self.ops else ""

    def settle(self, hit_id, text):
        self.settled.append((hit_id, json.loads(text)))

    def callback(self, callback_id, text):
        self.called.append((callback_id, json.loads(text)))


@pytest.fixture
def tracker():
    return AppMeasurement("r", StaticEnvironment(), FakeTransport())


def pairs(**values):
    return [[k, v] for k, v in values.items()]


def sent(tracker):
    transport = tracker._queue._transport
    urls = []
    while tracker._queue._current is not None:
        image = transport.images[len(urls)]
        urls.append(image.url)
        transport.load(image)
    return urls


def test_each_queued_hit_carries_its_own_snapshot_and_the_hand_over_sets_the_last(tracker):
    bridge = Bridge(
        [
            {"op": "register", "kind": "post", "id": 100},
            {"op": "t", "id": 1, "args": [None], "vars": pairs(pageName="Home", eVar1="a")},
            {
                "op": "tl",
                "id": 2,
                "args": [True, "o", "Signup", None],
                "vars": pairs(pageName="Home", eVar2="b"),
            },
            {"op": "t", "id": 3, "args": [{"__pairs__": [["eVar5", "once"]]}], "vars": pairs(pageName="Two")},
            {"op": "handover", "vars": pairs(pageName="Last", eVar1="kept")},
        ]
    )
    Embed(bridge, tracker).replay()
    urls = sent(tracker)
    checks = [
        ("pageName=Home&", "v1=a", "v2=b"),
        ("pev2=Signup", "v2=b", "v1=a"),
        ("pageName=Two&", "v5=once", "v1=a"),
    ]
    for url, (present, also, absent) in zip(urls, checks):
        assert present in url and also in url and absent not in url, url
    assert [hit_id for hit_id, _ in bridge.settled] == [1, 2, 3]
    assert [outcome["status"] for _, outcome in bridge.settled] == ["loaded"] * 3
    assert [(cid, args[0]) for cid, args in bridge.called] == [(100, url) for url in urls]
    assert (tracker.pageName, tracker.eVar1, tracker.eVar2) == ("Last", "kept", None)


def test_context_data_keeps_its_order_and_live_reads_see_python(tracker):
    embed = Embed(Bridge([]), tracker)
    cd = {"__pairs__": [["z.first", "1"], ["a.second", "2"]]}
    assert embed.handle(json.dumps({"op": "set", "name": "contextData", "value": cd})) == "null"
    assert json.loads(embed.handle(json.dumps({"op": "cd", "do": "keys"}))) == ["z.first", "a.second"]
    tracker.eVar3 = "from python"
    assert json.loads(embed.handle(json.dumps({"op": "get", "name": "eVar3"}))) == "from python"
    assert "eVar3" in json.loads(embed.handle(json.dumps({"op": "keys"})))


@pytest.mark.parametrize(
    "op",
    [{"op": "set", "name": "t", "value": 1}, {"op": "set", "name": "_queue", "value": 1}],
    ids=["a method name", "an internal name"],
)
def test_js_values_never_replace_methods_or_internals(tracker, op):
    Embed(Bridge([]), tracker).handle(json.dumps(op))
    assert callable(tracker.t) and tracker._queue is not None


def test_a_bad_queued_call_settles_as_not_sent_and_the_replay_goes_on(tracker):
    bridge = Bridge(
        [
            {"op": "t", "id": 1, "args": [["not", "a", "mapping"]], "vars": []},
            {"op": "t", "id": 2, "args": [None], "vars": pairs(pageName="After")},
            {"op": "handover", "vars": []},
        ]
    )
    Embed(bridge, tracker).replay()
    assert "pageName=After&" in sent(tracker)[0]
    (first_id, first), (second_id, second) = bridge.settled
    assert (first_id, first["status"], second_id, second["status"]) == (1, "not_sent", 2, "loaded")
    assert "overrides must be a mapping" in first["reason"], first
