"""The script-tag loader (dist/appmeasurement.js) on a plain static site, on both interpreters.

The site is examples/embed/: plain HTML with AppMeasurement-style JavaScript and the documented loader
tag (``data-interpreter="mpy"``). For the Pyodide runs the browser gets the same pages with
``data-interpreter="py"`` (a Playwright route rewrites the tag, nothing else: the ``embed_site``
fixture of tests/e2e/conftest.py). The build runs first (``npm run build``, i.e. scripts/build.py,
before the collector starts), so the test uses the artifacts a user would.

    .venv/bin/python -m pytest tests/e2e/test_embed.py -k "not mpy"
"""

from tests.e2e.conftest import EMBED_SITE

RSID = "embeddemo"
LIVE = "document.documentElement.dataset.appmeasurement === 'live'"


def variables(hit):
    return dict(hit["pairs"])


def wait_live(page):
    page.wait_for_function(LIVE, timeout=60_000)


def shown_hits(page, n):
    """The URLs the page's JavaScript post-track callback listed, once there are ``n``."""
    page.wait_for_function("n => document.querySelectorAll('#hits li').length >= n", arg=n, timeout=20_000)
    return page.evaluate(
        "[...document.querySelectorAll('#hits li')].map(li => [li.dataset.url, li.dataset.site])"
    )


def test_example_site_tracks_pages_links_and_a_form(collector, embed_site, interpreter):
    page = embed_site
    page.goto(collector.url + EMBED_SITE)
    wait_live(page)
    [home] = collector.wait_for_hits(1, rsid=RSID)
    got = variables(home)
    expected = {"pageName": "Home", "ch": "home", "c1": "home", "v1": "guest", "v10": "embed example"}
    assert {k: got.get(k) for k in expected} == expected, f"home page view: expected {expected}, got {got}"
    [[url, site_arg]] = shown_hits(page, 1)
    received = f"{collector.url}{home['path']}?{home['query']}"
    assert (url, site_arg) == (received, "trail-co"), (
        f"the JS post-track callback saw {url!r} with {site_arg!r}; the collector got {received!r}"
    )

    page.click("#signup")
    page.click("#deals")
    signup, deals = collector.wait_for_hits(3, rsid=RSID)[1:]
    for hit, name, evar4 in ((signup, "Signup", None), (deals, "Deals", "deals")):
        got = variables(hit)
        assert (got.get("pe"), got.get("pev2"), got.get("v4")) == ("lnk_o", name, evar4), f"{name}: got {got}"

    outcome = page.evaluate("s.tl(true, 'o', 'Awaited')")
    assert (outcome["status"], outcome["ok"], outcome["transport"]) == ("loaded", True, "image"), (
        f"s.tl() resolves with the hit's outcome; got {outcome}"
    )
    assert "pev2=Awaited" in outcome["url"], outcome

    page.click("text=Trail shoe")
    wait_live(page)
    product = collector.wait_for_hits(5, rsid=RSID)[4]
    got = variables(product)
    assert (got.get("pageName"), got.get("events"), got.get("products")) == (
        "Product: Trail shoe",
        "prodView",
        ";TS-42;;",
    ), got
    assert "&c.&product.&category=shoes&colour=moss&.product&.c&" in product["query"], product["query"]
    page.click("#download")
    page.click("#outbound")
    download, outbound = collector.wait_for_hits(7, rsid=RSID)[5:]
    assert (variables(download)["pe"], variables(download)["pev1"]) == (
        "lnk_d",
        collector.url + EMBED_SITE + "files/size-guide.pdf",
    ), variables(download)
    assert (variables(outbound)["pe"], variables(outbound)["pev2"], outbound["transport"]) == (
        "lnk_e",
        "Partner reviews",
        "beacon",
    ), (variables(outbound), outbound["transport"])

    page.click("text=Contact")
    wait_live(page)
    page.select_option("select[name=topic]", "returns")
    page.click("button[type=submit]")
    wait_live(page)
    hits = collector.wait_for_hits(9, rsid=RSID)
    thanks = variables(hits[8])
    assert (thanks.get("pageName"), thanks.get("events"), thanks.get("v3")) == (
        "Contact: thank you",
        "event2",
        "returns",
    ), thanks
    assert [h["status"] for h in hits] == [200] * 9


# Runs as soon as the home page's HTML is parsed (its own s.t() has just been queued), long before the
# interpreter is ready: two tracked clicks with variables set in between, and a listener that tracks
# once more while the loader replays the queue.
EARLY_CLICKS = """
addEventListener("DOMContentLoaded", () => {
  const early = { state: AppMeasurementEmbed.state, ms: performance.now() };
  s.eVar2 = "early-1";
  document.getElementById("signup").click();
  s.eVar2 = "early-2";
  s.prop3 = "set early";
  s.contextData["early.flag"] = "yes";
  document.getElementById("deals").click();
  addEventListener("appmeasurement:replay", () => {
    early.replayState = AppMeasurementEmbed.state;
    s.eVar2 = "during-replay";
    s.tl(true, "o", "During replay");
  }, { once: true });
  window.early = early;
});
"""


def test_clicks_before_python_is_ready_arrive_in_order_with_their_variables(
    collector, embed_site, interpreter
):
    page = embed_site
    page.add_init_script(EARLY_CLICKS)
    page.goto(collector.url + EMBED_SITE)
    wait_live(page)
    early = page.evaluate("window.early")
    assert (early["state"], early["replayState"]) == ("queue", "replay"), (
        f"the clicks must happen before the interpreter is ready and the third during the replay; got {early}"
    )
    page.evaluate("s.eVar7 = 'set-in-js-when-live'")
    after = page.evaluate("s.tl(true, 'o', 'After live')")
    assert after["status"] == "loaded", after
    hits = collector.wait_for_hits(5, rsid=RSID)
    seen = [{k: variables(hit).get(k) for k in ("pageName", "pev2", "v2", "v4", "c3", "v7")} for hit in hits]
    expected = [
        {"pageName": "Home", "pev2": None, "v2": None, "v4": None, "c3": None, "v7": None},
        {"pageName": "Home", "pev2": "Signup", "v2": "early-1", "v4": None, "c3": None, "v7": None},
        {"pageName": "Home", "pev2": "Deals", "v2": "early-2", "v4": "deals", "c3": "set early", "v7": None},
        {
            "pageName": "Home",
            "pev2": "During replay",
            "v2": "during-replay",
            "v4": "deals",
            "c3": "set early",
            "v7": None,
        },
        {
            "pageName": "Home",
            "pev2": "After live",
            "v2": "during-replay",
            "v4": "deals",
            "c3": "set early",
            "v7": "set-in-js-when-live",
        },
    ]
    assert seen == expected, f"hits in arrival order:\n{seen}\nexpected:\n{expected}"
    assert "c.&early.&flag=yes&.early&.c" not in hits[1]["query"], (
        "contextData set after a click leaked into it"
    )
    assert "c.&early.&flag=yes&.early&.c" in hits[2]["query"], hits[2]["query"]
    # One instance: the JS s reads what Python holds (the hand-over and Python's own defaults).
    assert page.evaluate("[s.eVar2, s.version, s.contextData['early.flag']]") == [
        "during-replay",
        "2.27.0",
        "yes",
    ]
    shown = [url for url, _site in shown_hits(page, 5)]
    assert shown == [f"{collector.url}{h['path']}?{h['query']}" for h in hits], (
        "post-track callbacks out of order"
    )


def test_a_pyscript_app_with_the_built_package_replays_what_the_html_queued(
    collector, page, open_pyscript_page, interpreter
):
    # embed_app.html installs dist/'s archive (MicroPython) or wheel (Pyodide) with its own toml.
    open_pyscript_page(page, "/tests/e2e/pages/embed_app.html", interpreter=interpreter)
    hits = collector.wait_for_hits(3, rsid="embedapp")
    seen = [(variables(h).get("pageName"), variables(h).get("pev2"), variables(h).get("v9")) for h in hits]
    assert seen == [
        ("App home", None, "set in python"),
        ("App home", "Queued link", "set in python"),
        ("App: after attach", None, "set in python"),
    ], f"hits in arrival order: {seen}"
    assert page.evaluate("s.eVar9") == "set in python", "the JS s reads the Python tracker's variables"
    assert "/app/appmeasurement/" not in page.evaluate("window.packagedFrom"), "imported the repo's copy"
