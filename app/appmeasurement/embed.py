"""The Python side of the script-tag loader (dist/appmeasurement.js): one tracker for the page's JS ``s``.

The loader defines ``s_gi`` / ``AppMeasurement`` in JavaScript at once and queues what the page does
before Python is ready: each ``s.t()`` / ``s.tl()`` with a snapshot of the variables ``s`` held at
that moment, and the callback registrations. ``attach()`` (run by the loader, or by a PyScript app's
own code) connects to that queue, replays it in order, each hit with its own snapshot swapped in for
that call only, then hands over the variables the JS ``s`` holds; from then on the JS ``s`` forwards
every read, write and call here, so both sides see one instance.

Everything crosses the boundary as JSON text (``Embed.handle`` takes one operation and answers one):
no proxy is made per hit, large numbers stay exact under MicroPython, and ordered data (contextData,
the snapshot) travels as lists of pairs, never as a dict. The JS bridge object is read through
``browser.embed_bridge()``; this module itself never imports ``js``, so it runs anywhere:

    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> from appmeasurement import AppMeasurement
    >>> class Bridge:                       # what the loader's window.AppMeasurementEmbed does
    ...     def __init__(self, ops): self.ops, self.el, self.settled = list(ops), None, []
    ...     def next(self): return self.ops.pop(0) if self.ops else ""
    ...     def settle(self, hit_id, text): self.settled.append((hit_id, json.loads(text)["status"]))
    >>> s = AppMeasurement("r", StaticEnvironment(), FakeTransport())
    >>> bridge = Bridge(['{"op": "gi", "rsid": "r"}',
    ...                  '{"op": "t", "id": 1, "args": [null], "vars": [["pageName", "Home"]]}',
    ...                  '{"op": "handover", "vars": [["pageName", "Next"]]}'])
    >>> embed = Embed(bridge, s); embed.replay()
    >>> "pageName=Home" in s._queue._current.url, s.pageName
    (True, 'Next')
    >>> s._queue._transport.load(s._queue._transport.images[0]); bridge.settled
    [(1, 'loaded')]
"""

import json

from .contextdata import ContextData
from .tracker import AppMeasurement, s_gi
from .variables import BLOCKS

_UNSET = object()
_CALLS = (
    "clearVars",
    "setAccount",
    "sa",
    "cookieRead",
    "cookieWrite",
    "c_r",
    "c_w",
    "escape",
    "unescape",
    "log",
)
_KINDS = ("pre", "post", "failure")
_REGISTER = {
    "pre": "registerPreTrackCallback",
    "post": "registerPostTrackCallback",
    "failure": "registerFailureTrackCallback",
}


class JsCallback:
    """A callback the page registered in JavaScript: called with the URL (and the failure reason),
    it asks the loader to call the JS function, which appends the arguments it was registered with."""

    def __init__(self, bridge, callback_id):
        self.bridge = bridge
        self.callback_id = callback_id

    def __call__(self, *args):
        self.bridge.callback(self.callback_id, json.dumps([_plain(a) for a in args]))

    def __repr__(self):
        return "JavaScript callback #%s" % self.callback_id


def _plain(value):
    """A Python value as JSON-able data; contextData as {"__pairs__": [[key, value], ...]}."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, ContextData):
        return {"__pairs__": [[k, _plain(v)] for k, v in value.items()]}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return None  # a function, a DOM element, s.Util...: nothing JavaScript can use as data


def _settable(name):
    # A JS value must not shadow a method (s.t) or reach the tracker's internals (s._queue).
    return (
        isinstance(name, str)
        and name
        and name[0] != "_"
        and not callable(getattr(AppMeasurement, name, None))
    )


class Embed:
    """One page's bridge: the JS bridge object and the tracker its ``s`` is.

    ``bridge`` is the loader's ``window.AppMeasurementEmbed`` (``next()``, ``el``, ``settle(id, text)``,
    ``callback(id, text)``); ``tracker`` is the instance to serve (default: ``s_gi`` of the rsid the
    page's JavaScript asked for).
    """

    def __init__(self, bridge, tracker=None):
        self.bridge = bridge
        self.fixed = tracker is not None
        self.s = tracker
        self.element = None

    # --- the replay --------------------------------------------------------------------------
    def replay(self):
        """Run the queued operations in order until the loader hands over (it then forwards live)."""
        while True:
            text = self.bridge.next()
            if not text:
                return
            self.element = getattr(self.bridge, "el", None)
            op = json.loads(text)
            self.handle_op(op)
            if op.get("op") == "handover":
                return

    # --- one operation -----------------------------------------------------------------------
    def handle(self, text, element=None):
        """Handle one JSON operation from the JS ``s``; returns the JSON answer (``{"error": ...}``
        when it raised: the loader throws it as a JS Error)."""
        self.element = element
        try:
            return json.dumps(_plain(self.handle_op(json.loads(text))))
        except Exception as exc:
            return json.dumps({"error": "%s: %s" % (type(exc).__name__, exc)})

    def handle_op(self, op):
        kind = op.get("op")
        if kind == "gi":
            if not self.fixed:
                self.s = s_gi(op["rsid"])
            return None
        if kind in ("t", "tl"):
            return self._track(op)
        s = self.s
        if s is None:
            raise RuntimeError("no tracker yet: call s_gi(rsid) first")
        if kind == "handover":
            for name, value in op.get("vars") or []:
                if _settable(name):
                    setattr(s, name, self._value(name, value))
            return None
        if kind == "register":
            return getattr(s, _REGISTER[op["kind"]])(JsCallback(self.bridge, op["id"]))
        if kind == "get":
            return getattr(s, op["name"]) if _settable(op["name"]) else None
        if kind == "set":
            if _settable(op["name"]):
                setattr(s, op["name"], self._value(op["name"], op.get("value")))
            return None
        if kind == "keys":
            return [k for k in s.__dict__.keys() if _settable(k) and s.__dict__[k] is not None]
        if kind == "cd":
            return self._context_data(s, op)
        if kind == "call" and op.get("name") in _CALLS:
            return getattr(s, op["name"])(*[self._value("", a) for a in op.get("args") or []])
        raise ValueError("unknown operation %r" % (kind,))

    # --- internals ---------------------------------------------------------------------------
    def _value(self, name, value):
        if isinstance(value, dict):
            if "__element__" in value:
                return self.element
            pairs = [(k, self._value(k, v)) for k, v in value.get("__pairs__") or []]
            if name in BLOCKS:
                return ContextData(pairs)
            result = {}
            for k, v in pairs:
                result[k] = v
            return result
        if isinstance(value, list):
            return [self._value("", v) for v in value]
        return value

    def _context_data(self, s, op):
        data = s.contextData
        action, key = op.get("do"), op.get("key")
        if action == "keys":
            return list(data.keys())
        if action == "get":
            return data.get(key)
        if action == "set":
            data[key] = self._value("", op.get("value"))
        elif action == "del":
            data.pop(key, None)
        return None

    def _track(self, op):
        hit_id = op.get("id")
        try:
            if self.s is None:
                raise RuntimeError("no tracker yet: call s_gi(rsid) first")
            args = [
                self._value("overrides" if i == 3 or op["op"] == "t" else "", a)
                for i, a in enumerate(op["args"])
            ]
            backup = self._swap(op.get("vars"))
            try:
                hit = self.s.t(*args) if op["op"] == "t" else self.s.tl(*args)
            finally:
                self._restore(backup)
        except Exception as exc:
            self._settle(
                hit_id,
                {
                    "status": "not_sent",
                    "ok": False,
                    "url": None,
                    "transport": None,
                    "reason": "error: %s: %s" % (type(exc).__name__, exc),
                    "elapsed_ms": None,
                },
            )
            return None
        hit.add_done_callback(lambda outcome: self._settle(hit_id, outcome.as_dict()))
        return None

    def _settle(self, hit_id, outcome):
        self.bridge.settle(hit_id, json.dumps(outcome))

    def _swap(self, pairs):
        """Set a queued call's snapshot on the tracker; returns what ``_restore`` puts back."""
        if pairs is None:
            return []
        backup = []
        own = self.s.__dict__
        for name, value in pairs:
            if _settable(name):
                backup.append((name, own.get(name, _UNSET)))
                setattr(self.s, name, self._value(name, value))
        return backup

    def _restore(self, backup):
        for name, value in reversed(backup):
            object.__setattr__(self.s, name, None if value is _UNSET else value)


def attach(tracker=None):
    """Connect the page's JS ``s`` (the loader's queue) to Python: replay what it queued, then serve it.

    ``tracker``: the instance the JS ``s`` is (default: ``s_gi`` of the rsid the JS asked for).
    Returns the ``Embed``, or None when the page has no loader. Call it once, on the main thread.
    """
    from . import browser

    bridge = browser.embed_bridge()
    if bridge is None:
        return None
    embed = Embed(bridge, tracker)
    bridge.connect(browser.shared_proxy(embed.handle))
    embed.replay()
    bridge.ready()
    return embed
