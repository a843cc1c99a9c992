"""Benchmark: 10,000 real image beacons per interpreter, and what they leave behind.

Starts the collector on a free port, opens the test harness page (tests/e2e/pages/harness.html) in
headless Chromium under MicroPython and under Pyodide, and sends hits in batches to the real
collector with a post-track callback registered. After a warm-up and after every batch it prints
the binding's shared proxies and what it still holds (in-flight images, pending timers, queued hits),
the Python heap after a full collection and the JS heap after a forced JS collection; at the end, throughput and the growth per 1,000 hits, with the
MicroPython/Pyodide ratios. A leak shows up as growth that keeps rising with the hit count.

    .venv/bin/python benchmarks/bench_hits.py            # 10,000 hits per interpreter
    .venv/bin/python benchmarks/bench_hits.py --hits 2000 --interpreters mpy
"""

import argparse
import json
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.launcher import launch  # noqa: E402
from tests.e2e.chromium import launch_options  # noqa: E402

BATCH = 500


def measure(page):
    # A full JS collection first, so growth that is merely not yet collected does not count as a leak.
    page.evaluate("() => window.gc && window.gc()")
    stats = json.loads(page.evaluate("amStats()"))
    stats.update(json.loads(page.evaluate("amMemory()")))
    stats["js_heap_bytes"] = page.evaluate("performance.memory ? performance.memory.usedJSHeapSize : null")
    return stats


def send(page, n, first):
    page.evaluate(
        """([n, first]) => { for (let i = 0; i < n; i++) {
            amSet(JSON.stringify([["pageName", "p" + (first + i)]]));
            amTrack(JSON.stringify({call: "t"}));
        } }""",
        [n, first],
    )
    page.wait_for_function(
        "target => (JSON.parse(amCounts()).outcome || 0) >= target", arg=first + n, timeout=600_000
    )


def run(browser, url, interpreter, hits):
    context = browser.new_context()
    page = context.new_page()
    page.goto("%s/tests/e2e/pages/harness.html?interpreter=%s" % (url, interpreter))
    page.wait_for_function("document.documentElement.dataset.ready === '1'", timeout=60_000)
    spec = {"rsid": "bench" + interpreter, "register": ["post"], "record": False}
    page.evaluate("s => amSetup(s)", json.dumps(spec))
    send(page, BATCH, 0)  # warm-up: first-use allocations are not a leak
    baseline = measure(page)
    print("  %-8s %s" % ("warm-up", baseline))
    sent, rows = BATCH, []
    start = time.monotonic()
    while sent < BATCH + hits:
        send(page, BATCH, sent)
        sent += BATCH
        row = measure(page)
        rows.append(row)
        if (sent - BATCH) % 2500 == 0:
            print("  %-8d %s" % (sent - BATCH, row))
    elapsed = time.monotonic() - start
    counts = json.loads(page.evaluate("amCounts()"))
    context.close()
    last = rows[-1]
    heap_key = "python_heap_bytes" if "python_heap_bytes" in last else "python_objects"
    return {
        "hits_per_s": hits / elapsed,
        "ms_per_hit": elapsed * 1000 / hits,
        "proxies": last["proxies"],
        "held": last["images"] + last["timers"] + last["pending"] + last["in_flight"],
        "heap_key": heap_key,
        "py_growth_per_1k": (last[heap_key] - baseline[heap_key]) * 1000 / hits,
        "js_growth_per_1k": (last["js_heap_bytes"] - baseline["js_heap_bytes"]) * 1000 / hits
        if last["js_heap_bytes"] is not None
        else None,
        "post_callbacks": counts.get("post", 0),
        "outcomes": counts.get("outcome", 0),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hits", type=int, default=10_000)
    parser.add_argument("--interpreters", default="mpy,py")
    args = parser.parse_args()
    hits = max(BATCH, args.hits // BATCH * BATCH)
    with launch(root=ROOT) as collector, sync_playwright() as p:  # a throw-away database
        options = launch_options()
        options["args"] = options["args"] + ["--enable-precise-memory-info", "--js-flags=--expose-gc"]
        browser = p.chromium.launch(**options)
        results = {}
        for interpreter in args.interpreters.split(","):
            print("%s: %d hits after a %d-hit warm-up" % (interpreter, hits, BATCH))
            results[interpreter] = run(browser, collector.url, interpreter, hits)
        browser.close()
    print()
    print(
        "%-5s %9s %9s %8s %6s %22s %18s"
        % ("", "hits/s", "ms/hit", "proxies", "held", "py heap growth/1k", "JS heap growth/1k")
    )
    for name, r in results.items():
        print(
            "%-5s %9.1f %9.2f %8d %6d %16.0f %-5s %15.0f B"
            % (
                name,
                r["hits_per_s"],
                r["ms_per_hit"],
                r["proxies"],
                r["held"],
                r["py_growth_per_1k"],
                "B" if r["heap_key"] == "python_heap_bytes" else "objs",
                r["js_growth_per_1k"] or 0,
            )
        )
        assert r["post_callbacks"] == r["outcomes"] == hits + BATCH, r
    if "mpy" in results and "py" in results:
        print(
            "throughput ratio MicroPython/Pyodide: %.2fx"
            % (results["mpy"]["hits_per_s"] / results["py"]["hits_per_s"])
        )


if __name__ == "__main__":
    main()
