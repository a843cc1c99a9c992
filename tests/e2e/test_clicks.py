"""Automatic link tracking, ActivityMap and forced link tracking with real mouse clicks.

Each test opens tests/e2e/pages/clicks.html (see clicks.py) on both interpreters, makes one tracker
with the options under test and clicks with Playwright's mouse; the collector says what was sent.
Chromium's user agent contains "WebKit", so forced link tracking is on by default: a download
click that queues an image is stopped and its untrusted clone reaches the window once the hit
settled (or forcedLinkTrackingTimeout passed). Links marked `data-stay` are kept from navigating by
the page's own window listener, which also logs what reaches it (`clickLog`).
"""

import json
from urllib.parse import quote

import pytest

PAGE = "/tests/e2e/pages/clicks.html"
RSID = "e2eclicks"


def activitymap(link, region, xy=None):
    """The ActivityMap block as AppMeasurement sends it after pev3 (page "Clicks")."""
    return "&c.&a.&activitymap.&page=Clicks&link=%s&region=%s%s&pageIDType=1&.activitymap&.a&.c&" % (
        quote(link),
        quote(region),
        "&xy=%d" % xy if xy else "",
    )


class ClicksPage:
    def __init__(self, page, open_page, interpreter):
        self.page = page
        self.open_page = open_page
        self.interpreter = interpreter

    def open(self, query="", **spec):
        self.open_page(self.page, PAGE + query, interpreter=self.interpreter)
        self.page.evaluate("spec => clSetup(spec)", json.dumps(spec))
        return self

    def click(self, element_id):
        self.page.click("#" + element_id)

    def track(self):
        self.page.evaluate("clTrack()")

    def state(self):
        return json.loads(self.page.evaluate("clState()"))

    def window_log(self):
        return self.page.evaluate("clickLog")

    def wait_for_window_click(self, element_id, trusted):
        self.page.wait_for_function(
            "([id, trusted]) => clickLog.some(e => e.id === id && e.trusted === trusted)",
            arg=[element_id, trusted],
        )


@pytest.fixture
def clicks(page, open_pyscript_page, interpreter):
    return ClicksPage(page, open_pyscript_page, interpreter)


def link_hits(collector, kind=None):
    hits = collector.hits(rsid=RSID)
    return [
        h for h in hits if "&pe=lnk_" in "&" + h["query"] and (kind is None or "pe=lnk_" + kind in h["query"])
    ]


def page_views(collector):
    return [h for h in collector.hits(rsid=RSID) if "pe=lnk_" not in h["query"]]


@pytest.mark.parametrize(
    "element, variables, kind, url, link, transport, forced",
    [
        ("pdf", [["trackDownloadLinks", True]], "d", "/files/report.pdf", "Report PDF", "image", True),
        (
            "exit",
            [["trackExternalLinks", True]],
            "e",
            "http://elsewhere.test/page",
            "Elsewhere",
            "beacon",
            False,
        ),
    ],
    ids=["download-link-by-image-and-forced", "exit-link-by-beacon-not-delayed"],
)
def test_download_and_exit_clicks_send_a_link_hit_with_their_activitymap_block(
    collector, clicks, element, variables, kind, url, link, transport, forced
):
    clicks.open(vars=variables)
    clicks.click(element)
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    absolute = collector.url + url if url.startswith("/") else url
    expected = "&pe=lnk_%s&pev1=%s%s" % (kind, quote(absolute, safe=""), activitymap(link, "nav"))
    assert expected in "&" + hit["query"], f"expected {expected!r} in the hit, got {hit['query']!r}"
    assert "pev2=" not in hit["query"], "an automatic link hit has no link name"
    assert hit["transport"] == transport
    # Forced: the trusted click was stopped, its clone reaches the window after the hit settled.
    clicks.wait_for_window_click(element, trusted=not forced)
    seen = [(e["id"], e["trusted"]) for e in clicks.window_log()]
    assert seen == [(element, not forced)], f"window saw {seen}"
    state = clicks.state()
    assert state["forced"] == (1 if forced else 0) and state["useForcedLinkTracking"] == 1, state
    assert state["linkTypes"] == [kind], "doPlugins ran once, with the derived linkType"


@pytest.mark.parametrize("storage", ["cookie", "sessionStorage"])
def test_internal_clicks_are_stored_in_s_sq_and_carried_by_the_next_page_view(
    collector, clicks, page, storage
):
    variables = [["useLinkTrackSessionStorage", True]] if storage == "sessionStorage" else []
    clicks.open(vars=variables)
    clicks.click("buy")  # a submit button: clickable, no URL, so nothing is sent
    clicks.wait_for_window_click("buy", trusted=True)
    assert collector.hits(rsid=RSID) == [], "clicks that derive no link type send nothing"
    clicks.track()  # the next hit on this page carries the stored click
    [view] = collector.wait_for_hits(1, rsid=RSID)
    assert activitymap("Buy now", "shop") in view["query"], view["query"]
    clicks.click("next")  # an internal link: nothing queued, so the browser follows it at once
    page.wait_for_url("**/clicks.html?step=2*")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    stored = page.evaluate("sessionStorage.getItem('s_sq')")
    if storage == "cookie":
        assert "s_sq" in cookies and stored is None, (cookies, stored)
    else:
        assert "s_sq" not in cookies and stored, (cookies, stored)
    clicks.open("?step=2", vars=variables)
    clicks.track()
    [_, view] = collector.wait_for_hits(2, rsid=RSID)
    carried = activitymap("Next page", "main")
    assert carried in view["query"], f"expected {carried!r} in the page view, got {view['query']!r}"
    assert view["query"].count("activitymap.&") == 1, "a newer click of the same account replaces the older"
    assert "&pe=" not in view["query"], "a page view"


@pytest.mark.parametrize(
    "element, variables, options, expected",
    [
        ("secret", [["trackDownloadLinks", True]], [["linkExclusions", "Plan,Secret"]], None),
        ("pdf", [["trackDownloadLinks", True]], [["regionExclusions", ",nav"]], ("Report PDF", "nav")),
        ("pdf", [["trackDownloadLinks", True]], [["regionExclusions", "na"]], None),
        ("pdf", [["trackDownloadLinks", True]], [["link", "link-upper"]], ("Custom: PDF", "nav")),
        ("pdf", [["trackDownloadLinks", True]], [["region", "region-fixed"]], ("Report PDF", "fixed region")),
        ("pdf", [["trackDownloadLinks", True]], [["link", "link-none"]], None),
        ("named", [], [["regionIDAttribute", "lpos"]], ("Named link", "promo-box")),
        ("objid", [], [], ("Promo banner", "main")),
        ("hash", [], [], ("Jump to top", "main")),
    ],
    ids=[
        "link-exclusion-drops-the-block",
        "exclusion-list-stops-at-first-empty-token",
        "region-exclusion-is-a-substring-match",
        "link-override-cleaned",
        "region-override",
        "falsy-link-override-no-block",
        "region-id-attribute",
        "s_objectID-from-onclick-source",
        "hash-link-text",
    ],
)
def test_activitymap_options_and_overrides(collector, clicks, element, variables, options, expected):
    clicks.open(vars=variables, activitymap=options)
    clicks.click(element)
    if element in ("named", "objid", "hash"):  # internal: stored in s_sq, carried by the page view
        clicks.wait_for_window_click(element, trusted=True)
        clicks.track()
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    if expected is None:
        assert "activitymap" not in hit["query"], hit["query"]
        assert "pe=lnk_d" in hit["query"], "the hit itself is still sent"
    else:
        block = activitymap(*expected)
        assert block in hit["query"], f"expected {block!r}, got {hit['query']!r}"


def test_a_second_click_on_the_same_element_within_10_s_does_nothing(collector, clicks):
    clicks.open(vars=[["trackDownloadLinks", True]])
    clicks.click("pdf")
    clicks.wait_for_window_click("pdf", trusted=False)  # the first hit settled, its clone went on
    clicks.click("pdf")
    clicks.wait_for_window_click("pdf", trusted=True)  # not stopped: the tracker ignored it
    clicks.track()
    hits = collector.wait_for_hits(2, rsid=RSID)
    kinds = ["lnk_d" if "pe=lnk_d" in h["query"] else "view" for h in hits]
    assert kinds == ["lnk_d", "view"], f"one download hit, then the page view; got {kinds}"
    assert clicks.state()["plugins"] == 2, "doPlugins did not run for the ignored click"


def test_an_onclick_calling_tl_is_not_counted_twice(collector, clicks):
    clicks.open(vars=[["trackDownloadLinks", True]])
    clicks.click("manual")
    clicks.wait_for_window_click("manual", trusted=True)
    clicks.track()
    hits = collector.wait_for_hits(2, rsid=RSID)
    downloads = [h for h in hits if "pe=lnk_d" in h["query"]]
    assert len(downloads) == 1, [h["query"] for h in hits]
    assert "pev2=Manual%20PDF" in downloads[0]["query"], "the onclick's own s.tl() hit"


def test_scroll_reach_is_sent_with_track_scroll_reach(collector, clicks, page):
    clicks.open(vars=[["trackDownloadLinks", True]], activitymap=[["trackScrollReach", True]])
    page.mouse.move(200, 200)
    page.mouse.wheel(0, 437)
    page.wait_for_function("pageMaxScroll >= innerHeight + 400")
    reach = page.evaluate("pageMaxScroll")
    clicks.click("pdf")
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    block = activitymap("Report PDF", "nav", xy=10 * (reach // 10))
    assert block in hit["query"], f"expected {block!r}, got {hit['query']!r}"


@pytest.mark.parametrize(
    "fault, timeout, left_in_flight",
    [
        ({"action": "hang"}, None, 1),
        ({"action": "delay", "delay_ms": 3000}, None, 1),
        ({"action": "delay", "delay_ms": 3000}, 10000, 0),
    ],
    ids=["hanging-collector", "slow-collector-3s", "appmeasurement-like-wait-for-the-answer"],
)
def test_a_forced_link_navigates_after_the_timeout_without_losing_or_repeating_its_hit(
    collector, clicks, page, fault, timeout, left_in_flight, record_property
):
    variables = [["trackDownloadLinks", True], ["linkDownloadFileTypes", "html"]]
    if timeout is not None:
        variables.append(["forcedLinkTrackingTimeout", timeout])
    clicks.open(vars=variables)
    collector.add_fault(rsid=RSID, times=1, **fault)
    clicks.click("leave")
    page.wait_for_url("**/clicks.html?step=landed*", timeout=20000)
    page.wait_for_function("document.documentElement.dataset.ready === '1'", timeout=60000)
    waited = page.evaluate("sessionStorage.getItem('clicks.leftAfterMs')")
    record_property("click_to_pagehide_ms", waited)
    print(f"\n{clicks.interpreter} {fault} timeout={timeout}: the page left {waited} ms after the click")
    left_with = json.loads(page.evaluate("sessionStorage.getItem('clicks.pagehide')"))
    assert left_with["in_flight"] == left_in_flight, f"requests in flight when the page left: {left_with}"
    page.evaluate("spec => clSetup(spec)", "{}")
    clicks.track()
    hits = collector.wait_for_hits(2, rsid=RSID)
    kinds = ["lnk_d" if "pe=lnk_d" in h["query"] else "view" for h in hits]
    assert kinds == ["lnk_d", "view"], f"the download hit once, then the next page's view: {kinds}"


def test_a_target_blank_link_is_never_delayed(collector, clicks):
    clicks.open(vars=[["trackDownloadLinks", True]])
    collector.add_fault(rsid=RSID, action="hang", times=1)
    clicks.click("blank")
    [hit] = collector.wait_for_hits(1, rsid=RSID)
    assert "pe=lnk_d" in hit["query"]
    clicks.wait_for_window_click("blank", trusted=True)
    [entry] = clicks.window_log()
    assert entry["prevented"] is False, "the tracker let the new-window click through untouched"
    assert clicks.state()["forced"] == 0
