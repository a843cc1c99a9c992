"""The script-tag loader (dist/appmeasurement.js) on a plain static site, on both interpreters.

The site is examples/embed/: plain HTML with AppMeasurement-style JavaScript and the documented loader
tag (``data-interpreter="mpy"``). For the Pyodide runs the browser gets the same pages with
``data-interpreter="py"`` (a Playwright route rewrites the tag, nothing else). The build runs first
(``npm run build``, i.e. scripts/build.py), so the test uses the artifacts a user would.

    .venv/bin/python -m pytest tests/e2e/test_embed.py -k "not mpy"
"""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = "/examples/embed/"
RSID = "embeddemo"
LIVE = "document.documentElement.dataset.appmeasurement === 'live'"


@pytest.fixture(scope="module", autouse=True)
def built():
    result = subprocess.run(
        [sys.executable, "scripts/build.py"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, f"the build failed:\n{result.stdout}\n{result.stderr}"


@pytest.fixture
def site(page, interpreter, collector):
    """The example site, served by the collector, with the loader asking for ``interpreter``."""
    if interpreter == "py":

        def use_pyodide(route):
            body = route.fetch().text().replace('data-interpreter="mpy"', 'data-interpreter="py"')
            route.fulfill(body=body, headers={"content-type": "text/html; charset=utf-8"})

        page.route(f"{collector.url}{SITE}*.html", use_pyodide)
        page.route(f"{collector.url}{SITE}", use_pyodide)
    # Keep the download and the outbound link on the page: their onclick tracks, nothing navigates.
    page.add_init_script(
        "addEventListener('click', e => { if (e.target.closest('#download, #outbound')) e.preventDefault(); });"
    )
    return page


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


def test_example_site_tracks_pages_links_and_a_form(collector, site, interpreter):
    page = site
    page.goto(collector.url + SITE)
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
        collector.url + SITE + "files/size-guide.pdf",
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
