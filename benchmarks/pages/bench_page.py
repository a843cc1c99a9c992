"""The benchmark page's Python: times the real library in the real page for benchmarks/bench.py.

Loaded by benchmarks/pages/bench.html through app/load-pyscript.mjs (``?interpreter=mpy|py``), so it
runs the same package files, configs and interpreters as the demo. It marks the page's timeline
(``am-python-start``, ``am-ready``, ``am-first-hit-issued``, ``am-first-hit-settled``) and exposes
functions that bench.py calls through ``window``:

    benchSetup('{"set": "basic", "instances": 50}')  // 50 idle trackers with the same variables
    await benchBatch("t", 50)                        // '{"ms": 61.2, "n": 50, "ok": 50, "url": "..."}'
    benchVars("heavy")                               // the variable set, for the JS baseline
    await benchSoak(10000)                           // 10,000 settled hits on one tracker
    benchStats()                                     // proxies, in-flight images, timers, queue
"""

import json

import js

js.performance.mark("am-python-start")
_started = js.performance.now()
from appmeasurement import AppMeasurement, browser  # noqa: E402

IMPORT_MS = js.performance.now() - _started

try:
    from pyscript.ffi import create_proxy
except ImportError:
    from pyodide.ffi import create_proxy

# Lists of pairs, not dicts: MicroPython's dicts are unordered and the order is the wire order.
_BASIC = [
    ["pageName", "Home"],
    ["eVar1", "logged-in"],
    ["prop1", "home"],
    ["events", "event1"],
]
_BASIC_CONTEXT = [["section.sub", "news"], ["user", "u1"]]
_HEAVY = [["pageName", "Product: Blue running shoe (size 42)"], ["events", "prodView,event3,event7"]]
_HEAVY.append(["products", ";SKU-1001;1;89.90,;SKU-2002;2;19.98;event3=1,;SKU-3003;1;5.00"])
for _i in range(1, 21):
    _HEAVY.append(["prop%d" % _i, "prop value %d / section" % _i])
    _HEAVY.append(["eVar%d" % _i, "evar value %d: campaign & more" % _i])
_HEAVY_CONTEXT = [
    ["page.section", "catalog"],
    ["page.type", "product"],
    ["user.status", "member"],
    ["user.tier", "gold"],
    ["cart.size", "3"],
    ["cart.value", "114.88"],
    ["search.term", "running shoe"],
    ["search.results", "42"],
    ["campaign", "spring-sale"],
    ["ab.test", "variant-b"],
]
SETS = {"basic": (_BASIC, _BASIC_CONTEXT), "heavy": (_HEAVY, _HEAVY_CONTEXT)}
LINK_NAME = "Bench link"

state = {"trackers": [], "set": "basic", "soak": None}


def _tracker(rsid, set_name):
    pairs, context = SETS[set_name]
    s = AppMeasurement(rsid)
    s.trackingServer = js.location.host
    s.ssl = js.location.protocol == "https:"
    for key, value in pairs:
        setattr(s, key, value)
    for key, value in context:
        s.contextData[key] = value
    return s


def bench_vars(set_name):
    """The variable set in the JS baseline's shape (see baseline.js)."""
    pairs, context = SETS[set_name]
    out = {"contextData": context, "indexed": []}
    for key, value in pairs:
        if key.startswith("eVar") or key.startswith("prop"):
            out["indexed"].append([key, value])
        else:
            out[key] = value
    # The wire interleaves by index: c1 v1 c2 v2 ...
    out["indexed"].sort(key=lambda kv: (int(kv[0][4:]), 0 if kv[0].startswith("prop") else 1))
    return json.dumps(out)


def bench_setup(spec_json):
    spec = json.loads(spec_json)
    state["set"] = spec["set"]
    state["trackers"] = [
        _tracker(spec.get("rsid", "benchhit"), spec["set"]) for _ in range(spec["instances"])
    ]


def bench_batch(kind, k):
    """Time k tracking calls on k idle trackers, back to back; resolve benchResolve once all settle.

    Each tracker is idle, so its call builds the URL and issues the image request before it returns:
    the timed span is "call -> request issued" for every one of the k calls.
    """
    trackers = state["trackers"][: int(k)]
    now = js.performance.now
    hits = []
    if kind == "t":
        start = now()
        for s in trackers:
            hits.append(s.t())
        elapsed = now() - start
    else:
        start = now()
        for s in trackers:
            hits.append(s.tl(True, "o", LINK_NAME))
        elapsed = now() - start
    result = {"ms": elapsed, "n": len(hits), "ok": 0, "url": hits[-1].url if hits else ""}
    left = [len(hits)]

    def settled(outcome):
        result["ok"] += 1 if outcome.ok else 0
        left[0] -= 1
        if left[0] == 0:
            js.window.benchResolve(json.dumps(result))

    for hit in hits:
        hit.add_done_callback(settled)


def bench_soak(n):
    """n hits on one tracker, queued back to back as a page would; resolve benchResolve when all settle."""
    s = state["soak"]
    if s is None:
        s = state["soak"] = _tracker("benchsoak", "basic")
    n = int(n)
    result = {"n": n, "ok": 0}
    left = [n]

    def settled(outcome):
        result["ok"] += 1 if outcome.ok else 0
        left[0] -= 1
        if left[0] == 0:
            js.window.benchResolve(json.dumps(result))

    for i in range(n):
        s.pageName = "soak %d" % i
        s.t().add_done_callback(settled)


def bench_stats(*_):
    """Proxies and what the binding and the soak tracker's queue still hold, plus the Python heap."""
    import gc

    gc.collect()
    result = browser.stats()
    if state["soak"] is not None:
        result.update(state["soak"]._queue.stats())
    if hasattr(gc, "mem_alloc"):  # MicroPython: its GC heap lives inside the WebAssembly memory
        result["python_heap_bytes"] = gc.mem_alloc()
        result["python_heap_total_bytes"] = gc.mem_alloc() + gc.mem_free()
    else:
        result["python_objects"] = len(gc.get_objects())
    return json.dumps(result)  # bench.py adds the WebAssembly memory (benchmarks/pages/wasm_memory.js)


def _first_hit():
    """The start-up measure: one s.t() as soon as the tracker exists, marked when issued and settled."""
    s = _tracker("benchstart", "basic")
    s.registerPreTrackCallback(lambda url: js.performance.mark("am-first-hit-issued"))
    js.performance.mark("am-ready")
    s.t().add_done_callback(_settled)


def _settled(outcome):
    js.performance.mark("am-first-hit-settled")
    js.window.dispatchEvent(js.Event.new("am-bench-settled"))  # hits.js starts a detached run on it


# The tracker's start first: what the harness sets up after it (its window functions) is not its cost.
_first_hit()
for _name, _fn in (
    ("benchSetup", bench_setup),
    ("benchBatchStart", bench_batch),
    ("benchVars", bench_vars),
    ("benchSoakStart", bench_soak),
    ("benchStats", bench_stats),
):
    setattr(js.window, _name, create_proxy(_fn))
js.window.benchImportMs = IMPORT_MS
js.document.documentElement.dataset.ready = "1"
