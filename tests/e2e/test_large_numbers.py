"""Large JS numbers in the page: the clock the library reads is Date.now() on both interpreters.

MicroPython's FFI wraps a whole JS number of 2**31 or more to 32 bits, which once put the s_fid
cookie's expiry in 1970 (so it was never stored and hits carried no fid). browser.py reads the clock
as text; these tests drive tests/e2e/pages/harness.html against the real collector.
"""

import json
import time

from tests.e2e.test_lifecycle import HARNESS, Harness

RSID = "e2enumbers"
THIRTY_DAYS_S = 2592000
EXPIRY_SLACK_S = 120  # the cookie's expiry is computed in the page a moment after this test reads its clock


def _harness(page, open_pyscript_page, interpreter):
    open_pyscript_page(page, HARNESS, interpreter=interpreter)
    return Harness(page)


def test_now_ms_is_date_now(page, open_pyscript_page, interpreter):
    _harness(page, open_pyscript_page, interpreter)
    before, clock, after = page.evaluate("() => [Date.now(), JSON.parse(amClock()), Date.now()]")
    for name in ("transport", "environment"):
        value = int(clock[name])
        assert before <= value <= after, "%s now_ms() gave %d; Date.now() read %d before and %d after" % (
            name,
            value,
            before,
            after,
        )


def test_thirty_day_cookie_lifetime_stores_s_fid_and_the_hit_carries_it(
    collector, page, open_pyscript_page, interpreter
):
    harness = _harness(page, open_pyscript_page, interpreter)
    harness.setup(rsid=RSID, vars=[["pageName", "Home"], ["cookieLifetime", str(THIRTY_DAYS_S)]])
    sent_at = time.time()
    harness.track("t", label="home")
    [outcome] = harness.wait_for_outcomes(1)
    assert outcome["status"] == "loaded", outcome
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert "s_fid" in cookies, "s_fid was not stored (an expiry in the past?); cookies: %s" % json.dumps(
        sorted(cookies)
    )
    fid = cookies["s_fid"]
    expected = sent_at + THIRTY_DAYS_S
    assert abs(fid["expires"] - expected) <= EXPIRY_SLACK_S, "s_fid expires at %r, expected about %r" % (
        fid["expires"],
        expected,
    )
    sent = dict(hit["pairs"]).get("fid")
    assert sent == fid["value"], "the hit carried fid=%r, the cookie holds %r" % (sent, fid["value"])
