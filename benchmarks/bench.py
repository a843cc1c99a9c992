"""`npm run bench`: what the tracker costs the page it measures, and how fast the collector takes hits.

One run, one table, one JSON file (benchmarks/results/latest.json). Headless Chromium (the one
tests/e2e/chromium.py finds) loads benchmarks/pages/bench.html from a real collector, under
MicroPython and under Pyodide, through the repo's app/load-pyscript.mjs and mpy.toml/pyscript.toml.

Sections (``--sections hits,startup,memory,collector``, all by default):

hits
    Per-hit cost of ``s.t()`` and ``s.tl(True, "o", name)`` with two variable sets: *basic*
    (pageName, eVar1, prop1, events, two contextData keys) and *heavy* (20 props + 20 eVars,
    products, events, 10 contextData keys), from the call to the request being issued. Next to it,
    in the same page and the same run, the JS baseline (benchmarks/pages/baseline.js): a
    hand-written function that builds the same URL with encodeURIComponent and sets
    ``new Image().src``. Its URL is checked against the library's (same keys, same values but the
    clock-dependent ones) and the table says if they differ.

    How a call is timed: requests of one tracker go out one at a time (lifecycle.HitQueue), so a
    second ``s.t()`` made while the first is in flight only queues its URL; timing back-to-back calls
    on one tracker would time "build and queue", not "build and issue". So each batch times k calls
    on k idle trackers with the same variables (each already warmed up by earlier batches), back to
    back, with ``performance.now()`` read once before and once after the loop, inside the page's
    Python: every timed call builds its URL and issues its image request before it returns, through
    the library's public API only. Then, untimed, the batch waits until every hit has settled. The
    baseline is timed the same way in JS. One clock read per batch also sidesteps the 100 us
    granularity of ``performance.now()`` in a page that is not cross-origin isolated. Library and
    baseline batches alternate, so drift hits both alike. Reported: the median of the per-batch
    means, and p10/p90 across batches.

    The protocol is benchmarks/pages/hits.js, run twice. First in a Chromium with no DevTools
    client attached, as a visitor's browser runs (``bench.html?auto=...``: the page runs it once
    ready and posts each row to the collector); these are the figures. Then through Playwright,
    reported beside them: a DevTools session records every request with the JS stack that made it,
    which in the calling task about doubled ``XMLHttpRequest.send()`` (0.26 -> 0.44 ms from JS,
    0.32 -> 0.65 ms from Pyodide, whose stack is deep) and so the heavy page's POST.

startup
    Navigation -> Python running -> tracker ready -> first hit issued -> first hit settled, read
    from the page's own performance marks (so no Playwright round trip is counted); cold (a fresh
    browser context: empty HTTP cache) and warm (the same context, loaded again). Requests and bytes
    fetched before the tracker was ready (Resource Timing: transferSize is what crossed the wire,
    encodedBodySize the bodies as sent, decodedBodySize after decompression), and the time
    ``from appmeasurement import ...`` takes inside the interpreter.

memory
    JS heap (CDP Runtime.getHeapUsage after HeapProfiler.collectGarbage), the WebAssembly memory
    (the memories the interpreter's module exports, kept by benchmarks/pages/wasm_memory.js: PyScript
    does not expose MicroPython's module) and the Python heap (MicroPython: gc.mem_alloc(), its GC
    heap inside that memory; Pyodide: the objects gc tracks), before and after N settled hits on one
    tracker (queued back to back, as a page would), and the proxies and pending entries left once
    they settle.

collector
    A bounded asyncio client on loopback with C keep-alive connections sends N real hit GETs to a
    fresh collector; hits/s, median and p99 time to answer one hit, and a check (through /api/hits)
    that every hit was stored. Then the target rate (2,000 hits/s) offered evenly over the same
    connections for a few seconds (the answer time at that load: saturated, every answer waits for
    the ones queued ahead of it), and one hit at a time on one connection.

    .venv/bin/python benchmarks/bench.py              # the full run (about 8 minutes here)
    .venv/bin/python benchmarks/bench.py --quick      # a smoke run (about a minute)
    .venv/bin/python benchmarks/bench.py --sections collector --collector-hits 20000
"""

import argparse
import asyncio
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.chromium import LAUNCH_ARGS, VIEWPORT, find_chromium, launch_options  # noqa: E402

PAGE = "/benchmarks/pages/bench.html"
RESULTS = ROOT / "benchmarks" / "results" / "latest.json"
INTERPRETERS = ("mpy", "py")
NAMES = {"mpy": "MicroPython", "py": "Pyodide"}
SETS = ("basic", "heavy")
KINDS = ("t", "tl")
LINK_NAME = "Bench link"
# Query keys whose values depend on the clock or the previous request, not on the variables.
VOLATILE_KEYS = {"t", "lrt"}

FULL = {
    "batch": 50,  # calls per timed batch
    "batches": 20,  # timed batches per (interpreter, set, kind): 1,000 calls
    "warmup": 4,  # untimed batches first
    "cold": 9,  # cold loads per interpreter and page (bench.html, bare.html)
    "warm": 9,  # warm loads per interpreter and page
    "soak": 10_000,  # settled hits for the memory section
    "collector_hits": 20_000,
    "collector_concurrency": 16,
    "collector_paced_s": 5,  # seconds at TARGET_RATE
    "rtt_loads": 5,  # loads per interpreter, with and without preload hints, over RTT_MS (cold, then warm)
}
QUICK = {
    "batch": 25,
    "batches": 6,
    "warmup": 2,
    "cold": 2,
    "warm": 2,
    "soak": 1_000,
    "collector_hits": 3_000,
    "collector_concurrency": 16,
    "collector_paced_s": 2,
    "rtt_loads": 1,
}
TARGET_RATE = 2000  # hits/s: issue #10's collector target


# --- helpers ---------------------------------------------------------------------------------------
def percentile(values, q):
    """The q-th percentile (0..100) with linear interpolation; None for no values."""
    values = sorted(values)
    if not values:
        return None
    pos = (len(values) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(values) - 1)
    return values[low] + (values[high] - values[low]) * (pos - low)


def summary(values):
    return {
        "median": statistics.median(values),
        "p10": percentile(values, 10),
        "p90": percentile(values, 90),
        "n": len(values),
    }


def start_collector(db_path):
    """A collector process on a free port (collector/launcher.py)."""
    from collector.launcher import launch

    return launch(db_path)


def query_pairs(url):
    query = url.split("?", 1)[1] if "?" in url else ""
    return [tuple(part.split("=", 1)) if "=" in part else (part, None) for part in query.split("&")]


def url_difference(library_url, baseline_url):
    """'' when both URLs carry the same keys in the same order with the same stable values."""
    lib, base = query_pairs(library_url), query_pairs(baseline_url)
    if [k for k, _ in lib] != [k for k, _ in base]:
        return "keys differ: library %s / baseline %s" % ([k for k, _ in lib], [k for k, _ in base])
    for (key, a), (_, b) in zip(lib, base):
        if key not in VOLATILE_KEYS and unquote(a or "") != unquote(b or ""):
            return "%s differs: library %r / baseline %r" % (key, a, b)
    return ""


def machine():
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model or platform.processor(),
        "platform": platform.platform(),
        "python": platform.python_version(),
    }


# --- the page --------------------------------------------------------------------------------------
READY = "document.documentElement.dataset.ready === '1' || document.querySelector('.py-error') !== null"
SETTLED = "performance.getEntriesByName('am-first-hit-settled').length > 0"

TIMELINE_JS = """() => {
    const mark = (name) => { const m = performance.getEntriesByName(name)[0]; return m ? m.startTime : null; };
    const ready = mark("am-ready");
    const before = performance.getEntriesByType("resource").filter((e) => e.responseEnd <= ready);
    const nav = performance.getEntriesByType("navigation")[0];
    const all = nav ? [nav, ...before] : before;
    const sum = (key) => all.reduce((total, e) => total + (e[key] || 0), 0);
    return {
        python_start_ms: mark("am-python-start"),
        ready_ms: ready,
        first_hit_issued_ms: mark("am-first-hit-issued"),
        first_hit_settled_ms: mark("am-first-hit-settled"),
        import_ms: window.benchImportMs,
        requests: all.length,
        transfer_bytes: sum("transferSize"),
        encoded_bytes: sum("encodedBodySize"),
        decoded_bytes: sum("decodedBodySize"),
        errors: [...document.querySelectorAll(".py-error")].map((e) => e.textContent),
    };
}"""

MARK_JS = "(name) => performance.getEntriesByName(name)[0].startTime"

BARE_PAGE = "/benchmarks/pages/bare.html"
RESULT_RSID = "benchresult"  # the report suite a detached page posts its rows under (hits.js)

SOAK_JS = """async (n) => JSON.parse(await new Promise((resolve) => {
    window.benchResolve = resolve;
    benchSoakStart(n);
}))"""


def open_page(context, url, interpreter, path=PAGE):
    page = context.new_page()
    page.goto("%s%s?interpreter=%s" % (url, path, interpreter))
    page.wait_for_function(READY, timeout=120_000)
    page.wait_for_function(SETTLED, timeout=30_000)
    timeline = page.evaluate(TIMELINE_JS)
    if timeline["errors"]:
        raise RuntimeError(
            "the benchmark page failed under %s:\n%s" % (interpreter, "\n".join(timeline["errors"]))
        )
    return page, timeline


# --- hits ------------------------------------------------------------------------------------------
def _hits_spec(counts):
    return {
        "sets": list(SETS),
        "kinds": list(KINDS),
        "batch": counts["batch"],
        "batches": counts["batches"],
        "warmup": counts["warmup"],
        "link_name": LINK_NAME,
    }


def _hits_row(raw, batch):
    """One (set, call) row of benchmarks/pages/hits.js's benchHits (``batch`` calls a batch), summarised."""
    lib_s, base_s, am_s = summary(raw["library"]), summary(raw["baseline"]), summary(raw["as_sent"])
    return {
        "library_ms": lib_s,
        "baseline_ms": base_s,
        "ratio": lib_s["median"] / base_s["median"] if base_s["median"] else None,
        # The same URL sent as AppMeasurement.js sends it: a POST over 2,047 characters.
        "baseline_as_sent_ms": am_s,
        "ratio_as_sent": lib_s["median"] / am_s["median"] if am_s["median"] else None,
        "calls": len(raw["library"]) * batch,
        "failed_hits": raw["failed"],
        "url_chars": len(raw["library_url"]),
        "baseline_url_difference": url_difference(raw["library_url"], raw["baseline_url"]),
    }


def _print_row(interpreter, key, row, how):
    set_name, kind = key.split("/")
    difference = row["baseline_url_difference"]
    print(
        "  %-4s %-6s %-3s %-9s library %.3f ms, baseline %.3f ms, as sent %.3f ms%s"
        % (
            interpreter,
            set_name,
            kind,
            how,
            row["library_ms"]["median"],
            row["baseline_ms"]["median"],
            row["baseline_as_sent_ms"]["median"],
            "" if not difference else "  (URL: %s)" % difference,
        ),
        flush=True,
    )


def bench_hits(browser, url, interpreter, counts):
    """The per-hit protocol with Playwright attached to the page (its DevTools session records every
    request with the JS stack that made it)."""
    context = browser.new_context(viewport=dict(VIEWPORT))
    page, _ = open_page(context, url, interpreter)
    raw = page.evaluate("spec => benchHits(spec)", _hits_spec(counts))
    context.close()
    results = {}
    for key, row in raw.items():
        results[key] = _hits_row(row, counts["batch"])
        _print_row(interpreter, key, results[key], "devtools")
    return results


def _report(hit):
    return json.loads(dict(hit["pairs"])["c1"])


def bench_hits_detached(collector, interpreter, counts, timeout_s=900, path=PAGE):
    """The per-hit protocol in a Chromium with no DevTools client: launched on bench.html?auto=...,
    the page runs benchHits itself and posts each row to the collector as it is done (hits.js). A page
    that fails first posts its error instead, which is raised here (``path``: another page, for tests)."""
    spec = _hits_spec(counts)
    last = "%s/%s" % (spec["sets"][-1], spec["kinds"][-1])
    collector.clear(rsid=RESULT_RSID)
    # Short: the page's URL is a variable of every hit (g=), and over 255 characters it costs more.
    auto = "%d,%d,%d" % (spec["batch"], spec["batches"], spec["warmup"])
    page = "%s%s?interpreter=%s&auto=%s" % (collector.url, path, interpreter, auto)
    size = "--window-size=%d,%d" % (VIEWPORT["width"], VIEWPORT["height"])
    # Chromium's helpers may still write to the profile for a moment after it exits.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as profile:
        command = [find_chromium(), "--headless", *LAUNCH_ARGS, size, "--user-data-dir=" + profile, page]
        browser = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            # Rows arrive in order: done at the last one, or at the first error.
            collector.wait_for_hits(
                1,
                rsid=RESULT_RSID,
                timeout=timeout_s,
                predicate=lambda hit: "error" in _report(hit) or _report(hit).get("key") == last,
            )
        finally:
            browser.terminate()
            try:
                browser.wait(timeout=10)
            except subprocess.TimeoutExpired:
                browser.kill()
                browser.wait()
    reports = [_report(hit) for hit in collector.hits(rsid=RESULT_RSID)]
    errors = [report["error"] for report in reports if "error" in report]
    if errors:
        raise RuntimeError("the benchmark page failed under %s:\n%s" % (interpreter, "\n".join(errors)))
    results = {}
    for report in reports:
        results[report["key"]] = _hits_row(report["row"], counts["batch"])
        _print_row(interpreter, report["key"], results[report["key"]], "detached")
    return results


# --- start-up --------------------------------------------------------------------------------------
def bench_startup(browser, url, interpreter, counts):
    """The benchmark page's start-up, cold and warm, next to the bare page's (bare.html: the same
    interpreter and PyScript core, no tracker): ``tracker_adds_ms`` is the difference of the medians.
    The two pages' loads alternate, so a slower stretch of the machine weighs on both alike."""
    pages = (BARE_PAGE, PAGE)
    loads = {(path, which): [] for path in pages for which in ("cold", "warm")}
    for _ in range(counts["cold"]):
        for path in pages:
            context = browser.new_context(viewport=dict(VIEWPORT))
            page, timeline = open_page(context, url, interpreter, path)
            loads[path, "cold"].append(timeline)
            page.close()
            context.close()
    # Warm: one context per page whose cache its first load filled; each later load is measured.
    contexts = {}
    for path in pages:
        contexts[path] = browser.new_context(viewport=dict(VIEWPORT))
        open_page(contexts[path], url, interpreter, path)[0].close()
    for _ in range(counts["warm"]):
        for path in pages:
            page, timeline = open_page(contexts[path], url, interpreter, path)
            loads[path, "warm"].append(timeline)
            page.close()
    for context in contexts.values():
        context.close()
    out = {"rtt": _ready_over_rtt(browser, url, interpreter, counts["rtt_loads"])}
    for which in ("cold", "warm"):
        out[which] = figures = _startup_summary(loads[PAGE, which])
        bare = loads[BARE_PAGE, which]
        figures["bare_ready_ms"] = statistics.median(load["ready_ms"] for load in bare)
        figures["tracker_adds_ms"] = figures["ready_ms"] - figures["bare_ready_ms"]
        figures["bare_requests"] = statistics.median(load["requests"] for load in bare)
    return out


RTT_MS = 40  # an emulated round trip for the preload-hint comparison (loopback has none to save)


def _ready_over_rtt(browser, url, interpreter, n):
    """bench.html's ready time with and without app/load-pyscript.mjs's preload hints (``?preload=none``),
    cold and warm, each load over an emulated ``RTT_MS`` round trip (DevTools network emulation)."""
    ready = {(hints, which): [] for hints in ("hints", "none") for which in ("cold", "warm")}
    for _ in range(n):
        for hints in ("hints", "none"):
            context = browser.new_context(viewport=dict(VIEWPORT))
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            conditions = {"offline": False, "downloadThroughput": -1, "uploadThroughput": -1}
            address = "%s%s?interpreter=%s&preload=%s" % (url, PAGE, interpreter, hints)
            for which in ("cold", "warm"):  # the warm load reuses the cold one's cache
                cdp.send("Network.emulateNetworkConditions", dict(conditions, latency=RTT_MS))
                page.goto(address)
                page.wait_for_function(READY, timeout=120_000)
                ready[hints, which].append(page.evaluate(MARK_JS, "am-ready"))
                cdp.send("Network.emulateNetworkConditions", dict(conditions, latency=0))
                page.wait_for_function(SETTLED, timeout=30_000)
            context.close()
    return {
        "rtt_ms": RTT_MS,
        "loads": n,
        **{"%s_%s_ms" % (which, hints): statistics.median(v) for (hints, which), v in ready.items()},
    }


def _startup_summary(loads):
    out = {}
    for key in ("python_start_ms", "ready_ms", "first_hit_issued_ms", "first_hit_settled_ms", "import_ms"):
        out[key] = statistics.median(load[key] for load in loads)
    out["tracker_after_python_ms"] = statistics.median(
        load["ready_ms"] - load["python_start_ms"] for load in loads
    )
    out["first_hit_after_ready_ms"] = statistics.median(
        load["first_hit_issued_ms"] - load["ready_ms"] for load in loads
    )
    for key in ("requests", "transfer_bytes", "encoded_bytes", "decoded_bytes"):
        out[key] = statistics.median(load[key] for load in loads)
    out["loads"] = len(loads)
    return out


# --- memory ----------------------------------------------------------------------------------------
def _memory(page, cdp, interpreter):
    cdp.send("HeapProfiler.collectGarbage")
    usage = cdp.send("Runtime.getHeapUsage")
    stats = json.loads(page.evaluate("benchStats()"))
    stats["js_heap_used_bytes"] = usage["usedSize"]
    stats["js_heap_total_bytes"] = usage["totalSize"]
    stats["array_buffers_bytes"] = usage.get("backingStorageSize")
    stats["wasm_memory_bytes"] = page.evaluate("benchWasmMemoryBytes()")  # benchmarks/pages/wasm_memory.js
    return stats


def bench_memory(browser, url, interpreter, counts):
    context = browser.new_context(viewport=dict(VIEWPORT))
    page, _ = open_page(context, url, interpreter)
    cdp = context.new_cdp_session(page)
    warmup = max(100, counts["soak"] // 20)
    page.evaluate(SOAK_JS, warmup)  # first-use allocations are not growth
    before = _memory(page, cdp, interpreter)
    chunk, sent, ok, start = 1000, 0, 0, time.monotonic()
    while sent < counts["soak"]:
        n = min(chunk, counts["soak"] - sent)
        ok += page.evaluate(SOAK_JS, n)["ok"]
        sent += n
    elapsed = time.monotonic() - start
    after = _memory(page, cdp, interpreter)
    cdp.detach()
    context.close()
    return {"hits": sent, "ok": ok, "settled_hits_per_s": sent / elapsed, "before": before, "after": after}


# --- collector -------------------------------------------------------------------------------------
def _hit_path(rsid, i):
    query = (
        "AQB=1&ndh=1&pf=1&t=22%2F9%2F2026%2012%3A0%3A0%201%20-120&ce=UTF-8"
        "&pageName=" + quote("Load %d" % i) + "&g=http%3A%2F%2F127.0.0.1%2F"
        "&c.&section.&sub=news&.section&user=u1&.c&events=event1&c1=home&v1=logged-in"
        "&s=1280x720&c=24&j=1.6&v=N&k=Y&bw=1280&bh=720&AQE=1"
    )
    return "/b/ss/%s/1/JS-2.27.0/s%d?%s" % (rsid, 10**12 + i, query)


async def _get_hit(reader, writer, host, port, path):
    """One hit GET on an open keep-alive connection: (ms to the whole answer, HTTP status)."""
    request = "GET %s HTTP/1.1\r\nHost: %s:%d\r\nAccept: image/*\r\n\r\n" % (path, host, port)
    started = time.perf_counter()
    writer.write(request.encode())
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    if length:
        await reader.readexactly(length)
    return (time.perf_counter() - started) * 1000, int(head.split(b" ", 2)[1])


async def _load_worker(host, port, paths, latencies, statuses, deadline):
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while paths and time.monotonic() < deadline:
            ms, status = await _get_hit(reader, writer, host, port, paths.pop())
            latencies.append(ms)
            statuses[status] = statuses.get(status, 0) + 1
    finally:
        writer.close()


async def _paced_worker(host, port, paths, latencies, first_at, interval_s):
    """One connection sending its share of a fixed offered rate: request k at first_at + k*interval."""
    reader, writer = await asyncio.open_connection(host, port)
    loop = asyncio.get_running_loop()
    try:
        for k, path in enumerate(paths):
            wait = first_at + k * interval_s - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)  # pacing the offered load, not waiting for a result
            latencies.append((await _get_hit(reader, writer, host, port, path))[0])
    finally:
        writer.close()


async def _paced(url, rsid, rate, seconds, concurrency):
    """``rate`` hits/s offered for ``seconds`` over ``concurrency`` connections (evenly interleaved)."""
    parts = urlsplit(url)
    total = int(rate * seconds)
    paths = [_hit_path(rsid, i) for i in range(total)]
    latencies = []
    loop = asyncio.get_running_loop()
    start = loop.time() + 0.05
    interval = concurrency / rate
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _paced_worker(
                parts.hostname, parts.port, paths[w::concurrency], latencies, start + w / rate, interval
            )
            for w in range(concurrency)
        )
    )
    return time.perf_counter() - started, latencies


async def _load(url, rsid, hits, concurrency, timeout_s):
    parts = urlsplit(url)
    paths = [_hit_path(rsid, i) for i in range(hits)]
    latencies, statuses = [], {}
    deadline = time.monotonic() + timeout_s  # bounded in count and in time
    started = time.perf_counter()
    await asyncio.gather(
        *(
            _load_worker(parts.hostname, parts.port, paths, latencies, statuses, deadline)
            for _ in range(concurrency)
        )
    )
    return time.perf_counter() - started, latencies, statuses


def bench_collector(counts):
    import httpx

    rsid = "benchload"
    with tempfile.TemporaryDirectory() as tmp:
        collector = start_collector(Path(tmp) / "load.sqlite3")
        try:
            # A short warm-up (imports, first connections), then cleared so the count is exact.
            asyncio.run(_load(collector.url, rsid, 200, 4, 30))
            httpx.delete(collector.url + "/api/hits", timeout=30).raise_for_status()
            elapsed, latencies, statuses = asyncio.run(
                _load(collector.url, rsid, counts["collector_hits"], counts["collector_concurrency"], 120)
            )
            stored = len(
                httpx.get(collector.url + "/api/hits", params={"rsid": rsid}, timeout=60).json()["hits"]
            )
            # The target load (2,000 hits/s) offered evenly over the same connections: the answer time
            # at that rate, where the run above measures it with every connection always waiting.
            paced_s, paced = asyncio.run(
                _paced(
                    collector.url,
                    rsid + "2",
                    TARGET_RATE,
                    counts["collector_paced_s"],
                    counts["collector_concurrency"],
                )
            )
            # One connection, one hit at a time: the time to answer a hit when nothing queues ahead of it.
            _, alone, _ = asyncio.run(
                _load(collector.url, rsid + "1", max(500, counts["collector_hits"] // 10), 1, 60)
            )
        finally:
            collector.close()
    return {
        "hits": len(latencies),
        "concurrency": counts["collector_concurrency"],
        "hits_per_s": len(latencies) / elapsed,
        "median_ms": statistics.median(latencies),
        "p99_ms": percentile(latencies, 99),
        "statuses": {str(k): v for k, v in statuses.items()},
        "stored": stored,
        "paced_rate": TARGET_RATE,
        "paced_hits": len(paced),
        "paced_hits_per_s": len(paced) / paced_s,
        "paced_median_ms": statistics.median(paced),
        "paced_p99_ms": percentile(paced, 99),
        "alone_hits": len(alone),
        "alone_median_ms": statistics.median(alone),
        "alone_p99_ms": percentile(alone, 99),
    }


# --- the table -------------------------------------------------------------------------------------
def _mb(value):
    return "%.2f MB" % (value / 1e6) if value is not None else "n/a"


def _hits_table(hits):
    lines = [
        "%-12s %-8s %-6s %24s %27s %7s %10s %6s  %s"
        % ("interpreter", "set", "call", "library", "JS baseline", "ratio", "as sent", "ratio", "URL check")
    ]
    for interpreter, rows in hits.items():
        for key, row in rows.items():
            set_name, kind = key.split("/")
            lib, base = row["library_ms"], row["baseline_ms"]
            sent = row.get("baseline_as_sent_ms") or {"median": 0}
            lines.append(
                "%-12s %-8s %-6s %24s %27s %6.0fx %10.4f %5.1fx  %s"
                % (
                    NAMES[interpreter],
                    set_name,
                    "s.%s()" % kind,
                    "%.3f [%.3f-%.3f]" % (lib["median"], lib["p10"], lib["p90"]),
                    "%.4f [%.4f-%.4f]" % (base["median"], base["p10"], base["p90"]),
                    row["ratio"] or 0,
                    sent["median"],
                    row.get("ratio_as_sent") or 0,
                    "same" if not row["baseline_url_difference"] else "DIFFERS",
                )
            )
    return lines


def render(results):
    lines = []
    m = results["machine"]
    lines.append(
        "Machine: %d CPUs, %s; %s; %s; %s"
        % (m["cpus"], m["cpu_model"], m.get("chromium", "?"), m["platform"], results["mode"])
    )
    for key, title in (
        ("hits", "Per-hit cost, call -> request issued, no DevTools client attached"),
        (
            "hits_devtools",
            "The same under Playwright (its DevTools session records each request and its JS stack)",
        ),
    ):
        if results.get(key):
            lines.append("")
            lines.append(title + " (ms per call: median [p10-p90] of batch means)")
            lines.extend(_hits_table(results[key]))
    if results.get("hits") or results.get("hits_devtools"):
        lines.append(
            "  JS baseline: the same URL built by hand and sent with new Image().src (the issue's baseline);"
        )
        lines.append(
            "  as sent: sent as AppMeasurement.js sends it, a POST (XMLHttpRequest) over 2,047 characters"
        )
    startup = results.get("startup")
    if startup:
        lines.append("")
        lines.append("Start-up (ms from navigation, median; bytes and requests before the tracker is ready)")
        lines.append(
            "%-12s %-5s %8s %8s %8s %8s %8s %8s %8s %8s %5s %11s %11s %11s"
            % (
                "interpreter",
                "load",
                "bare",
                "python",
                "import",
                "ready",
                "in page",
                "adds",
                "1st hit",
                "settled",
                "reqs",
                "on wire",
                "bodies",
                "decoded",
            )
        )
        for interpreter, loads in startup.items():
            for which in ("cold", "warm"):
                s = loads[which]
                lines.append(
                    "%-12s %-5s %8.0f %8.0f %8.1f %8.0f %8.1f %8.1f %8.1f %8.1f %5d %11s %11s %11s"
                    % (
                        NAMES[interpreter],
                        which,
                        s.get("bare_ready_ms", 0),
                        s["python_start_ms"],
                        s["import_ms"],
                        s["ready_ms"],
                        s["tracker_after_python_ms"],
                        s.get("tracker_adds_ms", 0),
                        s["first_hit_after_ready_ms"],
                        s["first_hit_settled_ms"],
                        s["requests"],
                        _mb(s["transfer_bytes"]),
                        _mb(s["encoded_bytes"]),
                        _mb(s["decoded_bytes"]),
                    )
                )
        lines.append(
            "  bare: the same interpreter and PyScript core ready without the tracker (bare.html); python: the"
        )
        lines.append(
            "  page's Python starts; import: `from appmeasurement import ...` inside it; in page: ready -"
        )
        lines.append(
            "  python, the import and the first tracker; adds: ready - bare, the two pages' medians (the"
        )
        lines.append(
            "  pages' own start moves by tens of ms from load to load); 1st hit: ready -> first request"
        )
        lines.append("  issued; settled: its onload")
        rtt = [(i, loads["rtt"]) for i, loads in startup.items() if loads.get("rtt")]
        if rtt:
            lines.append("")
            lines.append(
                "Ready over a %d ms round trip (emulated), with and without the preload hints (ms, median)"
                % rtt[0][1]["rtt_ms"]
            )
            lines.append("%-12s %-5s %8s %8s %8s" % ("interpreter", "load", "hints", "none", "saved"))
            for interpreter, r in rtt:
                for which in ("cold", "warm"):
                    hinted, plain = r["%s_hints_ms" % which], r["%s_none_ms" % which]
                    lines.append(
                        "%-12s %-5s %8.0f %8.0f %8.0f"
                        % (NAMES[interpreter], which, hinted, plain, plain - hinted)
                    )
            lines.append(
                "  hints: app/load-pyscript.mjs's <link rel=preload/modulepreload> for the config, the"
            )
            lines.append("  interpreter, its wasm, the bundle and the page's script; none: ?preload=none")
    memory = results.get("memory")
    if memory:
        lines.append("")
        lines.append("Memory before / after settled hits on one tracker (after a full GC)")
        lines.append(
            "%-12s %7s %9s %23s %23s %23s %s"
            % ("interpreter", "hits", "hits/s", "JS heap used", "wasm memory", "Python heap", "left after")
        )
        for interpreter, r in memory.items():
            b, a = r["before"], r["after"]
            heap_key = "python_heap_bytes" if "python_heap_bytes" in a else "python_objects"
            heap = (
                "%s -> %s" % (_mb(b[heap_key]), _mb(a[heap_key]))
                if heap_key == "python_heap_bytes"
                else "%d -> %d objs" % (b[heap_key], a[heap_key])
            )
            lines.append(
                "%-12s %7d %9.0f %23s %23s %23s %s"
                % (
                    NAMES[interpreter],
                    r["hits"],
                    r["settled_hits_per_s"],
                    "%s -> %s" % (_mb(b["js_heap_used_bytes"]), _mb(a["js_heap_used_bytes"])),
                    "%s -> %s" % (_mb(b["wasm_memory_bytes"]), _mb(a["wasm_memory_bytes"])),
                    heap,
                    "proxies %d, images %d, timers %d, pending %d, in flight %d"
                    % (a["proxies"], a["images"], a["timers"], a["pending"], a["in_flight"]),
                )
            )
    collector = results.get("collector")
    if collector:
        lines.append("")
        lines.append(
            "Collector: %d hits from %d loopback connections: %.0f hits/s, median %.2f ms, p99 %.2f ms, "
            "stored %d/%d, statuses %s"
            % (
                collector["hits"],
                collector["concurrency"],
                collector["hits_per_s"],
                collector["median_ms"],
                collector["p99_ms"],
                collector["stored"],
                collector["hits"],
                collector["statuses"],
            )
        )
        if "paced_hits" in collector:
            lines.append(
                "Collector at %d hits/s offered over %d connections (%d hits, %.0f hits/s answered): "
                "median %.2f ms, p99 %.2f ms"
                % (
                    collector["paced_rate"],
                    collector["concurrency"],
                    collector["paced_hits"],
                    collector["paced_hits_per_s"],
                    collector["paced_median_ms"],
                    collector["paced_p99_ms"],
                )
            )
        lines.append(
            "Collector, one connection, one hit at a time (%d hits): median %.2f ms, p99 %.2f ms"
            % (collector["alone_hits"], collector["alone_median_ms"], collector["alone_p99_ms"])
        )
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run with small counts (about a minute)")
    parser.add_argument("--sections", default="hits,startup,memory,collector")
    parser.add_argument("--interpreters", default=",".join(INTERPRETERS))
    parser.add_argument(
        "--json", type=Path, default=RESULTS, help="where to write the results (default %(default)s)"
    )
    for key, value in FULL.items():
        parser.add_argument(
            "--" + key.replace("_", "-"), type=int, help="default %d (--quick: %d)" % (value, QUICK[key])
        )
    args = parser.parse_args(argv)
    counts = dict(QUICK if args.quick else FULL)
    for key in FULL:
        if getattr(args, key) is not None:
            counts[key] = getattr(args, key)
    sections = [s for s in args.sections.split(",") if s]
    interpreters = [i for i in args.interpreters.split(",") if i]
    results = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "mode": "quick" if args.quick else "full",
        "counts": counts,
        "machine": machine(),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip(),
    }
    started = time.monotonic()
    browser_sections = [s for s in sections if s in ("hits", "startup", "memory")]
    if browser_sections:
        from playwright.sync_api import sync_playwright

        # MicroPython pages load the compiled modules in dist/mpy/ (mpy.toml): measure the sources as they are.
        build = [sys.executable, str(ROOT / "scripts" / "build.py")]
        if subprocess.run(build, cwd=ROOT, stdout=subprocess.DEVNULL).returncode != 0:
            return 1  # scripts/build.py said why on stderr

        with tempfile.TemporaryDirectory() as tmp:
            collector = start_collector(Path(tmp) / "bench.sqlite3")
            try:
                if "hits" in sections:  # first, alone: no other browser running
                    results["hits"] = {}
                    for interpreter in interpreters:
                        print("hits: %s (no DevTools client attached)" % NAMES[interpreter], flush=True)
                        results["hits"][interpreter] = bench_hits_detached(collector, interpreter, counts)
                with sync_playwright() as p:
                    browser = p.chromium.launch(**launch_options())
                    results["machine"]["chromium"] = "Chromium " + browser.version
                    for section in browser_sections:
                        # Under Playwright, the per-hit protocol again: what a DevTools session costs.
                        key = "hits_devtools" if section == "hits" else section
                        results[key] = {}
                        for interpreter in interpreters:
                            print("%s: %s" % (key, NAMES[interpreter]), flush=True)
                            run = {"hits": bench_hits, "startup": bench_startup, "memory": bench_memory}[
                                section
                            ]
                            results[key][interpreter] = run(browser, collector.url, interpreter, counts)
                    browser.close()
            finally:
                collector.close()
    if "collector" in sections:
        print("collector", flush=True)
        results["collector"] = bench_collector(counts)
    results["seconds"] = round(time.monotonic() - started, 1)
    table = render(results)
    print()
    print(table)
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({**results, "table": table}, indent=2) + "\n")
    print(
        "\nwritten %s (%.0f s)"
        % (args.json.relative_to(ROOT) if args.json.is_relative_to(ROOT) else args.json, results["seconds"])
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
