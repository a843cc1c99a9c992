"""Byte-for-byte parity with AppMeasurement.js 2.27.0: every recorded vector case, in CPython.

Each case runs on a fresh page like the recording (StaticEnvironment: http://HARNESS/page.html, no
referrer, 1280x720, UTC, fresh cookie jar) with trackingServer "COLLECTOR".  Requests to
http://COLLECTOR/ load after a few ms, every other host fails, so ``lrt`` appears exactly where the
recording has it.  URLs come from a pre-track callback and are compared with the reference check.py.
"""

import pytest

from tests.unit.tracker_support import check, load_cases, rig_for
from tests.unit.vector_runner import case_get

CASES = load_cases()


@pytest.mark.parametrize(("ordered", "plain"), CASES, ids=[plain["id"] for _, plain in CASES])
def test_vector_case(ordered, plain):
    urls = rig_for(ordered).run(ordered)
    assert check.compare_case(plain, urls) == []


def test_all_120_cases_are_loaded_with_js_number_semantics():
    assert len(CASES) == 120
    by_id = {plain["id"]: ordered for ordered, plain in CASES}
    first_set = case_get(case_get(by_id["esc-number-big-int"], "steps")[0], "set")
    assert isinstance(case_get(first_set, "eVar1"), float), "integers beyond 2**53 are JS doubles"
    context = case_get(case_get(case_get(by_id["ctx-integer-keys-first"], "steps")[0], "set"), "contextData")
    assert [key for key, _ in context] == ["b", "10", "2", "a.3", "01"], "the reader keeps the JSON order"
