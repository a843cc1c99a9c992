"""Test harness page: drives the real library in the real page for the e2e tests.

Playwright calls the functions below through `window` with JSON strings; objects whose key order
matters arrive as lists of [key, value] pairs (MicroPython's dicts are not ordered). Everything the
library does is recorded in `events`, which the tests read back with `amEvents()`.

    amSetup('{"rsid": "e2e", "register": ["pre", "post", "failure"], "post_args": ["a", 2]}')
    amTrack('{"call": "t", "label": "first"}')
    JSON.parse(amEvents())   // [{"type": "pre", ...}, {"type": "post", ...}, {"type": "outcome", ...}]
"""

import asyncio
import json

import js
from pyscript.ffi import create_proxy

from appmeasurement import AppMeasurement, browser
from appmeasurement.contextdata import ContextData

events = []
counts = {}
handles = {}  # label -> the Hit s.t()/s.tl() returned
state = {"s": None, "record": True}


def _record(kind, **fields):
    counts[kind] = counts.get(kind, 0) + 1
    if state["record"]:  # benchmarks count only, so the harness itself does not grow
        fields["type"] = kind
        events.append(fields)


def _register(s, names, post_args):
    for name in names:
        if name == "pre":
            s.registerPreTrackCallback(lambda url: _record("pre", url=url))
        elif name == "post":
            s.registerPostTrackCallback(
                lambda url, *args: _record("post", url=url, args=list(args)), *post_args
            )
        elif name == "post-no-params":
            s.registerPostTrackCallback(lambda: _record("post-no-params"))
        elif name == "failure":
            s.registerFailureTrackCallback(lambda url, reason: _record("failure", url=url, reason=reason))
        elif name == "raising-post":
            s.registerPostTrackCallback(_raising)
        elif name == "loop-post":
            s.registerPostTrackCallback(lambda url: _record("loop", status=s.t().outcome.status))
        elif name == "loop-pre":
            s.registerPreTrackCallback(
                lambda url: _record("loop", status=s.tl(True, "o", "x").outcome.status)
            )
        elif name == "clear-post":
            s.registerPostTrackCallback(lambda: s.clearVars())
        else:
            raise ValueError("unknown registration %r" % name)


def _raising(url):
    raise RuntimeError("deliberate failure in a post-track callback")


def setup(spec_json):
    spec = json.loads(spec_json)
    s = AppMeasurement(spec["rsid"])
    s.trackingServer = spec.get("trackingServer") or js.location.host
    s.ssl = False
    for key, value in spec.get("vars", []):
        setattr(s, key, value)
    _register(s, spec.get("register", []), spec.get("post_args", []))
    if spec.get("visitor") is not None:
        _visitor(s, spec["visitor"])
    state["s"] = s
    state["record"] = spec.get("record", True)
    events.clear()
    counts.clear()


def _visitor(s, spec):
    """s.visitor = Visitor.getInstance(org, options) from the page's VisitorAPI.js (identity.html)."""
    options = js.JSON.parse(json.dumps(spec.get("options", {})))
    s.visitor = js.Visitor.getInstance(spec["org"], options)
    for alias, entry in spec.get("customer_ids", []):  # pairs: one call each keeps their order
        ids = js.Object.new()
        js.Reflect.set(ids, alias, js.JSON.parse(json.dumps(entry)))
        s.visitor.setCustomerIDs(ids)


def _element(spec):
    anchor = js.document.createElement("a")
    anchor.setAttribute("href", spec["href"])
    js.document.body.appendChild(anchor)
    return anchor


def track(call_json):
    call = json.loads(call_json)
    s = state["s"]
    args = call.get("args", [])
    label = call.get("label")
    if call["call"] == "t":
        hit = s.t(*args)
    else:
        if args and isinstance(args[0], dict) and "href" in args[0]:
            args = [_element(args[0])] + list(args[1:])
        hit = s.tl(*args)
    hit.add_done_callback(lambda outcome: _record("outcome", label=label, **outcome.as_dict()))
    handles[label] = hit
    return label


def wait_hit(spec_json):
    """Start `await hit.wait(timeout_s)` for a tracked label; records a "waited" event."""
    spec = json.loads(spec_json)
    hit, label = handles[spec["label"]], spec["label"]

    async def waiter():
        try:
            outcome = await hit.wait(spec["timeout_s"])
        except asyncio.TimeoutError:
            _record("waited", label=label, status="timeout", done=hit.done)
        else:
            _record("waited", label=label, status=outcome.status, done=hit.done)

    start = getattr(asyncio, "ensure_future", None) or asyncio.create_task
    start(waiter())


def offline_control(name, *_):
    """s.forceOffline() / s.forceOnline() / s.bufferRequests() / s.bufferRequests(False)."""
    s = state["s"]
    if name == "bufferOff":
        s.bufferRequests(False)
    else:
        getattr(s, name)()


def set_vars(pairs_json):
    s = state["s"]
    for key, value in json.loads(pairs_json):
        setattr(s, key, value)


def set_context(pairs_json):
    """s.contextData from [key, value] pairs, in their order (a JSON object loses it under MicroPython)."""
    state["s"].contextData = ContextData([(key, value) for key, value in json.loads(pairs_json)])


def clock(*_):
    """The binding's clocks as text: a large number returned to JS would cross the FFI again."""
    return json.dumps(
        {
            "transport": str(browser.BrowserTransport().now_ms()),
            "environment": str(browser.BrowserEnvironment().now_ms()),
        }
    )


def read_events(*_):
    return json.dumps(events)


def stats(*_):
    s = state["s"]
    result = browser.stats()
    if s is not None:
        result.update(s._queue.stats())
    return json.dumps(result)


def read_counts(*_):
    return json.dumps(counts)


def memory(*_):
    """Python heap after a full collection: bytes in use (MicroPython) or live objects (Pyodide)."""
    import gc

    gc.collect()
    if hasattr(gc, "mem_alloc"):
        return json.dumps({"python_heap_bytes": gc.mem_alloc()})
    return json.dumps({"python_objects": len(gc.get_objects())})


for name, fn in (
    ("amSetup", setup),
    ("amTrack", track),
    ("amWait", wait_hit),
    ("amOffline", offline_control),
    ("amSet", set_vars),
    ("amSetContext", set_context),
    ("amClock", clock),
    ("amEvents", read_events),
    ("amStats", stats),
    ("amCounts", read_counts),
    ("amMemory", memory),
):
    setattr(js.window, name, create_proxy(fn))
js.document.documentElement.dataset.ready = "1"
