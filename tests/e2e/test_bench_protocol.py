"""`npm run bench`'s per-hit protocol runs end to end, both ways bench.py runs it (no timing asserted).

Detached: Chromium launched with no DevTools client on bench.html?auto=..., the page runs
benchmarks/pages/hits.js itself and posts each row to the collector. Attached: the same protocol
through Playwright. Either way every (set, call) row arrives, every library hit was accepted, and
the library's URL matches the JS baseline's (the check bench.py's table reports).
"""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("bench", ROOT / "benchmarks" / "bench.py")
bench = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench)

TINY = {"batch": 2, "batches": 1, "warmup": 1}  # a warm-up: a tracker sends lrt= from its 2nd hit
ROWS = ["%s/%s" % (s, k) for s in bench.SETS for k in bench.KINDS]


def _assert_rows(results):
    assert sorted(results) == sorted(ROWS), f"expected a row for each of {ROWS}, got {sorted(results)}"
    for key, row in results.items():
        calls = TINY["batches"] * TINY["batch"]
        assert row["calls"] == calls, f"{key}: expected {calls} timed calls (one batch), got {row['calls']}"
        assert row["failed_hits"] == 0, f"{key}: {row['failed_hits']} library hit(s) failed"
        assert row["baseline_url_difference"] == "", f"{key}: {row['baseline_url_difference']}"
        assert row["library_ms"]["median"] > 0, f"{key}: no time measured"


@pytest.mark.parametrize("interpreter", ["mpy", "py"])
def test_a_detached_page_reports_every_row_through_the_collector(collector, interpreter):
    results = bench.bench_hits_detached(collector, interpreter, TINY, timeout_s=120)
    _assert_rows(results)
    heavy = [hit for hit in collector.hits(rsid="benchhit") if hit["transport"] != "image"]
    assert heavy, "expected the heavy page's hits to arrive as POSTs"


@pytest.mark.parametrize("interpreter", ["mpy", "py"])
def test_the_same_protocol_runs_under_playwright(collector, browser, interpreter):
    _assert_rows(bench.bench_hits(browser, collector.url, interpreter, TINY))


@pytest.mark.parametrize("interpreter", ["mpy", "py"])
def test_a_detached_page_whose_python_fails_reports_the_error_instead_of_timing_out(collector, interpreter):
    # The timeout is far beyond the page's start: only the page's own report can end the wait in time.
    with pytest.raises(RuntimeError) as failure:
        bench.bench_hits_detached(
            collector, interpreter, TINY, timeout_s=60, path="/tests/e2e/pages/bench_broken.html"
        )
    assert "the page failed before its first hit" in str(failure.value), (
        f"expected the Python error, got {failure.value}"
    )
