"""Benchmark: what each interpreter costs a page before the tracker can send its first hit.

Loads the test harness page (tests/e2e/pages/harness.html) in headless Chromium, each load in a
fresh browser context (an empty cache, like a first visit), under MicroPython and under Pyodide,
and prints the time until Python has run (the page's ready marker) and the bytes the page fetched
(the sum of every resource's decoded body size), with the median of several runs and the ratios.

    .venv/bin/python benchmarks/bench_startup.py            # 5 loads per interpreter
    .venv/bin/python benchmarks/bench_startup.py --runs 3
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from collector.launcher import launch  # noqa: E402
from tests.e2e.chromium import launch_options  # noqa: E402

BYTES_JS = """() => performance.getEntriesByType("resource")
    .concat(performance.getEntriesByType("navigation"))
    .reduce((total, entry) => total + (entry.decodedBodySize || 0), 0)"""


def load_once(browser, url, interpreter):
    context = browser.new_context()
    page = context.new_page()
    start = time.monotonic()
    page.goto("%s/tests/e2e/pages/harness.html?interpreter=%s" % (url, interpreter))
    page.wait_for_function("document.documentElement.dataset.ready === '1'", timeout=120_000)
    ready_s = time.monotonic() - start
    loaded = page.evaluate(BYTES_JS)
    context.close()
    return ready_s, loaded


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    results = {}
    with launch(root=ROOT) as collector, sync_playwright() as p:  # a throw-away database
        browser = p.chromium.launch(**launch_options())
        for interpreter in ("mpy", "py"):
            runs = [load_once(browser, collector.url, interpreter) for _ in range(args.runs)]
            results[interpreter] = (
                statistics.median(r[0] for r in runs),
                statistics.median(r[1] for r in runs),
            )
        browser.close()
    print("%-5s %16s %16s   (median of %d fresh loads)" % ("", "ready after (s)", "loaded (MB)", args.runs))
    for name, (ready, loaded) in results.items():
        print("%-5s %16.2f %16.2f" % (name, ready, loaded / 1e6))
    (mpy_ready, mpy_bytes), (py_ready, py_bytes) = results["mpy"], results["py"]
    print(
        "Pyodide/MicroPython: %.1fx the time, %.1fx the bytes" % (py_ready / mpy_ready, py_bytes / mpy_bytes)
    )


if __name__ == "__main__":
    main()
