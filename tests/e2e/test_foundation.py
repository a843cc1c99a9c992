"""Foundation e2e checks: pages load offline, and an Image beacon reaches the collector and settles.

Uses tests/e2e/pages/beacon.html: a PyScript page that, once ready, exposes ``window.fireBeacon(url)``
(fires an Image beacon through the library's browser binding) and records each outcome in
``window.beaconOutcomes`` as ``{url, outcome: "load" | "error"}``. Each browser test runs under both
interpreters (``[mpy]`` and ``[py]``)::

    .venv/bin/python -m pytest tests/e2e/test_foundation.py -k "not mpy"
"""

import httpx

BEACON_PAGE = "/tests/e2e/pages/beacon.html"


def beacon_url(collector, rsid):
    return f"{collector.url}/b/ss/{rsid}/1/JS-2.27.0/s123?AQB=1&ndh=1&pf=1&pageName=x&AQE=1"


def fire_and_wait_for_outcome(page, url, timeout_ms=20_000):
    """Fire a beacon from the page and return the outcomes it recorded for ``url`` once there is one."""
    page.evaluate("url => window.fireBeacon(url)", url)
    page.wait_for_function(
        "url => (window.beaconOutcomes || []).some(entry => entry.url === url)", arg=url, timeout=timeout_ms
    )
    return page.evaluate(
        "url => window.beaconOutcomes.filter(entry => entry.url === url).map(entry => entry.outcome)", url
    )


def is_local(url, collector):
    # data: and blob: URLs never leave the browser; everything else must go to our collector.
    return url.startswith((collector.url + "/", "data:", "blob:"))


def test_collector_fixture_round_trip(collector):
    """The collector fixture and contract, without a browser: store a hit, then inject a fault."""
    assert collector.hits() == []
    response = httpx.get(beacon_url(collector, "smoke"))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/gif")
    [hit] = collector.wait_for_hits(1, rsid="smoke")
    assert hit["rsid"] == "smoke"
    assert ["pageName", "x"] in hit["pairs"]

    collector.add_fault(rsid="smoke", action="status", status=404)
    assert httpx.get(beacon_url(collector, "smoke")).status_code == 404
    assert collector.wait_for_hits(1, rsid="smoke", since_id=hit["id"])[0]["status"] == 404


def test_page_loads_offline(collector, page, requests_log, open_pyscript_page, interpreter):
    open_pyscript_page(page, BEACON_PAGE, interpreter=interpreter)
    assert requests_log, "no request recorded at all: the request listener is not attached"
    escaped = [url for url in requests_log if not is_local(url, collector)]
    assert escaped == [], f"requests left {collector.host}: {escaped}"


def test_image_beacon_reaches_collector_and_loads(collector, page, open_pyscript_page, interpreter):
    open_pyscript_page(page, BEACON_PAGE, interpreter=interpreter)
    url = beacon_url(collector, "e2ersid")

    outcomes = fire_and_wait_for_outcome(page, url)

    [hit] = collector.wait_for_hits(1, rsid="e2ersid")
    assert hit["method"] == "GET"
    assert hit["transport"] == "image"
    assert hit["status"] == 200
    assert hit["pairs"] == [["AQB", "1"], ["ndh", "1"], ["pf", "1"], ["pageName", "x"], ["AQE", "1"]]
    assert outcomes == ["load"]


def test_image_beacon_error_status_settles_as_error(collector, page, open_pyscript_page, interpreter):
    collector.add_fault(rsid="e2efail", action="status", status=404)
    open_pyscript_page(page, BEACON_PAGE, interpreter=interpreter)
    url = beacon_url(collector, "e2efail")

    outcomes = fire_and_wait_for_outcome(page, url)

    [hit] = collector.wait_for_hits(1, rsid="e2efail")
    assert hit["status"] == 404
    assert outcomes == ["error"]
