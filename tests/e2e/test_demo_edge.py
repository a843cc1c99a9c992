"""The demo's "Send hits with" switch end to end, under MicroPython and Pyodide: the same tracker sends its
hits through the Web SDK to the collector's Edge stand-in (s.useEdge), the inspector shows the Edge
requests and answers, and switching back sends /b/ss/ hits again. No request routing: the demo's Web SDK
page sends to its own origin (app/demo/edgepage.py), as it does under ``npm start``.
"""

import json
import time

from playwright.sync_api import expect

RSID = "demorsid"
DATASTREAM = "pyshop-demo"
UI_TIMEOUT_MS = 20_000


def edge_events(collector, count, timeout_s=20):
    """Poll GET /api/edge until ``count`` Analytics events of the demo's datastream are stored."""
    deadline = time.monotonic() + timeout_s
    while True:
        stored = collector.get("/api/edge", params={"configId": DATASTREAM}).json()["requests"]
        events = [(r["action"], r["status"], a) for r in stored for a in r["analytics"]]
        if len(events) >= count or time.monotonic() > deadline:
            assert len(events) == count, f"expected {count} Edge events, arrived: {json.dumps(events)[:2000]}"
            return events
        time.sleep(0.05)


def demo_hits(page):
    return json.loads(page.evaluate("JSON.stringify(window.demoHits)"))


def test_switch_to_the_edge_and_back(collector, page, open_pyscript_page, interpreter):
    collector.delete("/api/edge")
    open_pyscript_page(page, "/", interpreter=interpreter)
    [landing] = collector.wait_for_hits(1, rsid=RSID)
    assert landing["status"] == 200, f"the landing page view should go to /b/ss/, arrived {landing}"

    page.locator("#transport-edge").check()
    expect(page.locator("html")).to_have_attribute("data-transport", "edge")
    page.locator('.mainnav a[data-route="products"]').click()
    expect(page.locator("#view h1").first).to_have_text("Products", timeout=UI_TIMEOUT_MS)
    page.locator('.mainnav a[data-route="cart"]').click()
    page.locator('a[data-exit="PyScript website"]').click()

    events = edge_events(collector, 3)
    shown = [
        (action, status, a.get("pageName"), a.get("linkType"), a.get("linkName"), a.get("linkURL"))
        for action, status, a in events
    ]
    expected = [
        ("interact", 200, "Products", None, None, None),
        ("interact", 200, "Cart", None, None, None),
        # Tracked automatically by the click listener: an exit link hit has no link name (no pev2).
        ("collect", 204, "Cart", "e", None, "https://pyscript.net/"),
    ]
    assert shown == expected, f"Edge events: expected {expected}, arrived {shown}"
    engine = "micropython" if interpreter == "mpy" else "pyodide"
    for _action, _status, analytics in events[:2]:
        assert analytics.get("contextData", {}).get("shop.interpreter") == engine, (
            f"expected contextData shop.interpreter={engine!r} in every page view, arrived {analytics}"
        )
        assert analytics.get("server") == "pyshop.demo" and analytics.get("currencyCode") == "EUR", analytics
    link = events[2][2]
    # linkTrackVars "None": only what AppMeasurement always sends (currencyCode is one of them).
    leaked = [name for name in ("contextData", "server", "channel", "prop1", "eVar1") if name in link]
    assert not leaked and link.get("currencyCode") == "EUR", (
        f"the link event should not carry {leaked}: {link}"
    )
    assert collector.hits(rsid=RSID) == [landing], "no /b/ss/ hit while the Edge is selected"

    # The inspector: three Edge cards, settled through the post-track callback, with request and answer.
    cards = page.locator('#hits [data-testid="hit"][data-transport^="edge"]')
    expect(cards).to_have_count(3, timeout=UI_TIMEOUT_MS)
    for i in range(3):
        expect(cards.nth(i)).to_have_attribute("data-status", "loaded", timeout=UI_TIMEOUT_MS)
        expect(cards.nth(i)).to_have_attribute("data-callback", "post")
    edge_hits = [h for h in demo_hits(page) if h["edge"]]
    # The automatic exit hit has no link name: the inspector titles it with its link URL.
    assert [h["title"] for h in edge_hits] == ["Products", "Cart", "https://pyscript.net/"], edge_hits
    assert [h["transport"] for h in edge_hits] == ["edge", "edge", "edge-beacon"], edge_hits
    products = edge_hits[0]
    [exchange] = products["exchanges"]
    body = json.loads(exchange["body"])
    assert body["events"][0]["data"]["__adobe"]["analytics"]["pageName"] == "Products", body
    assert body["events"][0]["xdm"]["eventType"] == "web.webpagedetails.pageViews", body
    handles = [h["type"] for h in json.loads(exchange["response"])["handle"]]
    assert handles == ["identity:result", "locationHint:result", "state:store"], handles
    assert ["pageName", "pageName", "Products"] in products["params"], products["params"]
    newest = cards.first  # the exit link's card: newest first
    newest.locator('[data-testid="edge"] summary').click()
    expect(newest.locator('[data-testid="edge-request"]')).to_contain_text('"linkType": "e"')

    # Back to AppMeasurement: the next view is a /b/ss/ hit again.
    page.locator("#transport-aa").check()
    expect(page.locator("html")).to_have_attribute("data-transport", "aa")
    page.locator('.mainnav a[data-route="home"]').click()
    hits = collector.wait_for_hits(2, rsid=RSID)
    pairs = dict(hits[-1]["pairs"])
    assert pairs.get("pageName") == "Home" and hits[-1]["status"] == 200, (
        f"expected a /b/ss/ Home view: {hits[-1]}"
    )
    assert len(edge_events(collector, 3)) == 3, "no Edge event after switching back"
