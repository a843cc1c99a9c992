"""Automatic click tracking (clicks.py) and ActivityMap's options (activitymap.py) in CPython.

A StaticEnvironment page with fake elements; ``env.click(element)`` runs the body listeners the
tracker registered (capture phase first), as a browser would; FakeTransport's clock drives the
10 s same-target guard and the forced-tracking timeout.
"""

import pytest

from appmeasurement import AppMeasurement, tracker
from appmeasurement.activitymap import parse_object_id
from appmeasurement.escaping import unescape
from appmeasurement.testing import FakeElement, FakeTransport, StaticEnvironment

TECH = "&s=1280x720&c=24&j=1.6&v=N&k=Y&bw=1280&bh=720&AQE=1"


class Page:
    """A shop page: <nav id=nav> with links, <main id=main> with a button, one tracker."""

    def __init__(self, webkit=True, **variables):
        tracker._reset_registry()
        self.env = env = StaticEnvironment(location="http://shop.test/page.html", webkit=webkit)
        self.transport = FakeTransport()
        self.plugins = []
        self.s = s = AppMeasurement("rs", env, self.transport)
        s.trackingServer = "c.test"
        s.pageName = "Home"
        s.usePlugins = True
        s.doPlugins = lambda s: self.plugins.append(s.linkType)
        for name, value in variables.items():
            setattr(s, name, value)
        self.nav = FakeElement(tag_name="NAV", region_id="nav", parent=env.body)
        self.main = FakeElement(tag_name="MAIN", region_id="main", parent=env.body)
        self.promo = FakeElement(tag_name="DIV", attributes={"data-lpos": "promo-box"}, parent=self.main)

    def link(self, href, text="Report  PDF", parent=None, **attrs):
        return self.env.make_anchor(href, parent=parent or self.nav, inner_text=text, **attrs)

    def button(self, text="Buy   now", **attrs):
        return FakeElement(tag_name="BUTTON", type="submit", inner_text=text, parent=self.main, **attrs)

    def settle(self):
        """The collector answers every request sent so far, and those queued behind them."""
        while self.transport.pending():
            self.transport.load(self.transport.pending()[0])

    def urls(self):
        return [image.url for image in self.transport.images] + list(self.transport.beacons)

    def tail(self, url):
        """The query from after pageURL (g=) to the end."""
        return url[url.index("page.html") + len("page.html") :]


def block(link, region, page="Home", extra=""):
    return "&c.&a.&activitymap.&page=%s&link=%s&region=%s%s&pageIDType=1&.activitymap&.a&.c" % (
        page,
        link,
        region,
        extra,
    )


PDF = "&pe=lnk_d&pev1=http%3A%2F%2Fshop.test%2Ffiles%2Fr.pdf"


# --- what a click sends -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "variables, make, expected",
    [
        (
            {"trackDownloadLinks": True},
            lambda p: p.link("/files/r.pdf?x=1"),
            PDF + block("Report%20PDF", "nav") + TECH,
        ),
        (
            {"trackDownloadLinks": True, "linkLeaveQueryString": True},
            lambda p: p.link("/files/r.pdf?x=1"),
            PDF + "%3Fx%3D1" + block("Report%20PDF", "nav") + TECH,
        ),
        ({}, lambda p: p.link("/files/r.pdf"), None),
        (
            {"trackExternalLinks": True},
            lambda p: p.link("http://other.test/a?b=1", "Other"),
            "&pe=lnk_e&pev1=http%3A%2F%2Fother.test%2Fa" + block("Other", "nav") + TECH,
        ),
        ({"trackExternalLinks": True}, lambda p: p.link("http://shop.test/next", "Next"), None),
        (
            {"trackExternalLinks": True, "linkExternalFilters": "partner.test"},
            lambda p: p.link("http://other.test/a", "Other"),
            None,
        ),
        (
            {"trackDownloadLinks": True},
            lambda p: FakeElement(
                tag_name="SPAN", inner_text="inner", parent=p.link("/files/r.pdf", "Report")
            ),
            PDF + block("Report", "nav") + TECH,
        ),
        ({"trackDownloadLinks": True}, lambda p: p.button(), None),
    ],
    ids=[
        "download-link-url-cut-at-query",
        "linkLeaveQueryString-keeps-it",
        "no-download-tracking-nothing",
        "exit-link-by-beacon",
        "internal-link-nothing",
        "external-filters-alone-decide",
        "click-inside-a-link-walks-up",
        "button-nothing",
    ],
)
def test_a_click_sends_a_link_hit_only_for_a_derived_type(variables, make, expected):
    page = Page(**variables)
    page.env.click(make(page))
    urls = page.urls()
    if expected is None:
        assert urls == [], "nothing is sent without a link type"
    else:
        [url] = urls
        assert page.tail(url) == expected
    assert len(page.plugins) == 1, "doPlugins runs on every click"


def test_a_click_that_sends_nothing_stores_its_activitymap_data_for_the_next_hit():
    page = Page()
    page.env.click(page.button())
    account, fragment = page.s.cookieRead("s_sq").split("=", 1)
    assert (account, unescape(fragment)) == ("rs", block("Buy%20now", "main"))
    page.s.t()
    [url] = page.urls()
    assert page.tail(url) == block("Buy%20now", "main") + TECH
    assert "s_sq=%5B%5BB%5D%5D" in page.env.get_cookies(), "the carried click is consumed"


def test_use_link_track_session_storage_keeps_s_sq_in_session_storage():
    page = Page(useLinkTrackSessionStorage=True)
    page.env.click(page.button())
    assert "s_sq" not in page.env.get_cookies()
    stored = page.env.session["s_sq"]
    assert unescape(stored.split("=", 1)[1]) == block("Buy%20now", "main"), stored
    page.s.t()
    assert page.tail(page.urls()[0]) == block("Buy%20now", "main") + TECH
    assert page.env.session["s_sq"] == ""


def test_an_abort_in_do_plugins_cancels_the_hit_and_the_activitymap_record():
    page = Page(trackDownloadLinks=True)
    page.s.doPlugins = lambda s: setattr(s, "abort", True)
    page.env.click(page.link("/files/r.pdf"))
    assert page.urls() == [] and "s_sq" not in page.env.get_cookies()


def test_an_onclick_calling_tl_is_not_counted_by_the_listener():
    page = Page(trackDownloadLinks=True)
    page.env.click(page.link("/files/r.pdf", onclick="function onclick(event) {\ns.tl(this,'d','R')\n}"))
    assert page.urls() == [] and page.plugins == [None]


# --- the same target within 10 s ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "wait_ms, other_first, expected_hits",
    [(0, False, 1), (9999, False, 1), (10000, False, 2), (0, True, 3)],
    ids=["at-once-ignored", "just-under-10s-ignored", "after-10s-counted", "another-target-in-between"],
)
def test_a_second_click_on_the_same_target_within_10_s_does_nothing(wait_ms, other_first, expected_hits):
    page = Page(trackDownloadLinks=True, useForcedLinkTracking=0)
    link, other = page.link("/files/r.pdf"), page.link("/files/o.pdf", "Other")
    start = page.transport.clock_ms
    page.env.click(link)
    page.settle()
    page.transport.advance(max(0, start + wait_ms - page.transport.clock_ms))
    if other_first:
        page.env.click(other)
        page.settle()
    page.env.click(link)
    page.settle()
    assert len(page.urls()) == expected_hits
    assert len(page.plugins) == expected_hits, "an ignored click runs nothing, not even doPlugins"


# --- listeners -----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "webkit, forced_before_click, removed, forced_after",
    [(True, None, [False], 1), (True, False, [True], 0), (False, None, [], 0)],
    ids=["webkit-forced-keeps-capture", "webkit-forced-off-keeps-bubble", "other-browsers-bubble-only"],
)
def test_the_first_click_decides_which_listener_stays(webkit, forced_before_click, removed, forced_after):
    page = Page(webkit=webkit)
    assert page.s.useForcedLinkTracking == (1 if webkit else None)
    if forced_before_click is not None:
        page.s.useForcedLinkTracking = forced_before_click
    page.s.trackDownloadLinks = True
    page.env.click(page.link("/files/r.pdf"))
    listener = page.env.click_listener
    assert listener.removed == removed
    assert page.s.useForcedLinkTracking == forced_after
    assert len(page.urls()) == 1, "the click is tracked once, by whichever listener stays"


@pytest.mark.parametrize(
    "options", [{"replay_of": "self"}, {"overlay": True}], ids=["own-replayed-clone", "clickmap-overlay-open"]
)
def test_clicks_the_listener_must_ignore(options):
    page = Page(trackDownloadLinks=True)
    if options.get("replay_of") == "self":
        options = {"replay_of": page.s._state.index}
    page.env.click(page.link("/files/r.pdf"), **options)
    assert page.urls() == [] and page.plugins == []


# --- forced link tracking ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "variables, attrs, window_name, forced",
    [
        ({"trackDownloadLinks": True}, {}, "", True),
        ({"trackDownloadLinks": True}, {"target": "_self"}, "", True),
        ({"trackDownloadLinks": True}, {"target": "_top"}, "", True),
        ({"trackDownloadLinks": True}, {"target": "main-window"}, "main-window", True),
        ({"trackDownloadLinks": True}, {"target": "_blank"}, "", False),
        ({"trackDownloadLinks": True}, {"target": "other-window"}, "main-window", False),
        ({"trackExternalLinks": True}, {}, "", False),
        ({"trackDownloadLinks": True, "useForcedLinkTracking": 0}, {}, "", False),
    ],
    ids=[
        "same-window",
        "_self",
        "_top",
        "named-this-window",
        "_blank-never-delayed",
        "other-named-window",
        "exit-link-beacon-queues-nothing",
        "forced-tracking-off",
    ],
)
def test_forced_tracking_stops_only_a_click_that_queued_a_request_and_leaves_this_window(
    variables, attrs, window_name, forced
):
    page = Page(**variables)
    href = "http://other.test/x" if variables.get("trackExternalLinks") else "/files/r.pdf"
    event = page.env.click(page.link(href, **attrs), window_name=window_name)
    assert len(page.urls()) == 1
    assert event.default_prevented is forced and event.propagation_stopped is forced
    assert len(event.replays) == (1 if forced else 0)


@pytest.mark.parametrize(
    "timeout, answer, replay_at_ms",
    [(None, "load", 7), (None, "error", 7), (None, None, 250), (1000, None, 1000), (40, "load", 40)],
    ids=[
        "after-the-hit-loaded",
        "after-the-hit-failed",
        "hanging-collector-250ms-default",
        "custom-timeout",
        "timeout-before-a-slow-answer",
    ],
)
def test_the_stopped_click_goes_on_once_when_the_hit_settles_or_the_timeout_passes(
    timeout, answer, replay_at_ms
):
    page = Page(trackDownloadLinks=True, forcedLinkTrackingTimeout=timeout)
    start = page.transport.clock_ms
    event = page.env.click(page.link("/files/r.pdf"))
    [replay] = event.replays
    [image] = page.transport.images
    if answer is not None and replay_at_ms == 7:
        (page.transport.load if answer == "load" else page.transport.fail)(image, elapsed_ms=7)
    else:
        page.transport.advance(replay_at_ms - 1)
        assert replay.dispatched == 0, "not before the timeout"
        page.transport.advance(1)
    assert replay.dispatched == 1
    assert page.transport.clock_ms - start == replay_at_ms
    assert page.s.bodyClickTarget is None
    if answer == "load" and not image.released:
        page.transport.load(image, elapsed_ms=500)  # the slow answer arrives after the page went on
    page.transport.advance(6000)  # and the watchdog
    assert replay.dispatched == 1 and len(page.urls()) == 1, "not re-sent, not dispatched twice"


def test_tl_done_action_runs_at_the_latest_after_forced_link_tracking_timeout():
    page = Page()
    calls = []
    page.s.tl(True, "o", "n", None, lambda: calls.append(page.transport.clock_ms))
    start = page.transport.clock_ms
    page.transport.advance(250)
    assert calls == [start + 250] and page.s.forcedLinkTrackingTimeout == 250
    page.transport.load(page.transport.images[0])
    assert len(calls) == 1, "the late answer does not run it again"


# --- ActivityMap options --------------------------------------------------------------------------------
def _objid(p, source):
    return p.link("#promo", "Banner text", parent=p.promo, onclick=source)


@pytest.mark.parametrize(
    "setup, make, expected",
    [
        (lambda p: None, lambda p: p.link("#top", "  Jump\n to   top "), block("Jump%20to%20top", "nav")),
        (
            lambda p: setattr(p.s.ActivityMap, "linkExclusions", "Plan,Jump"),
            lambda p: p.link("#top", "Jump to top"),
            None,
        ),
        (
            lambda p: setattr(p.s.ActivityMap, "linkExclusions", "Plan,,Jump"),
            lambda p: p.link("#top", "Jump to top"),
            block("Jump%20to%20top", "nav"),
        ),
        (
            lambda p: setattr(p.s.ActivityMap, "regionExclusions", "av"),
            lambda p: p.link("#top", "Jump"),
            None,
        ),
        (
            lambda p: setattr(p.s.ActivityMap, "regionIDAttribute", "lpos"),
            lambda p: p.link("#top", "Jump", parent=p.promo),
            block("Jump", "promo-box"),
        ),
        (lambda p: None, lambda p: p.link("#top", "Jump", parent=p.promo), block("Jump", "main")),
        (
            lambda p: None,
            lambda p: p.link("#top", "Text", attributes={"data-s-object-id": "Named"}),
            block("Named", "nav"),
        ),
        (
            lambda p: None,
            lambda p: _objid(p, "function onclick(event) {\ns_objectID='Promo \\'A\\'';\n}"),
            block("Promo%20%27A%27", "main"),
        ),
        (
            lambda p: setattr(p.s, "useForcedLinkTracking", 0),
            lambda p: _objid(p, "function onclick(event) {\ns_objectID='Promo';\n}"),
            block("Banner%20text", "main"),
        ),
        (
            lambda p: setattr(p.env, "window_s_objectID_next", "Global"),
            lambda p: p.link("#top", "Jump"),
            block("Global", "nav"),
        ),
        (
            lambda p: setattr(
                p.s.ActivityMap, "link", lambda el, name: el and "  Custom:\n " + el.inner_text
            ),
            lambda p: p.link("#top", "jump"),
            block("Custom%3A%20jump", "nav"),
        ),
        (
            lambda p: (
                setattr(p.s.ActivityMap, "link", lambda el, name: "Custom secret"),
                setattr(p.s.ActivityMap, "linkExclusions", "secret"),
            ),
            lambda p: p.link("#top", "jump"),
            None,
        ),
        (
            lambda p: setattr(p.s.ActivityMap, "link", lambda el, name: 0),
            lambda p: p.link("#top", "jump"),
            None,
        ),
        (
            lambda p: setattr(p.s.ActivityMap, "region", lambda el: " fixed\tregion "),
            lambda p: p.link("#top", "jump"),
            block("jump", "fixed%20region"),
        ),
        (
            lambda p: (
                setattr(p.s.ActivityMap, "trackScrollReach", True),
                setattr(p.env, "max_scroll", 1437),
            ),
            lambda p: p.link("#top", "jump"),
            block("jump", "nav", extra="&xy=1430"),
        ),
        (
            lambda p: setattr(p.s.ActivityMap, "trackScrollReach", True),
            lambda p: p.link("#top", "jump"),
            block("jump", "nav"),
        ),
    ],
    ids=[
        "text-cleaned",
        "link-exclusion-substring",
        "exclusions-stop-at-first-empty-token",
        "region-exclusion",
        "region-id-attribute",
        "nearest-id-region",
        "data-s-object-id",
        "s_objectID-in-onclick-source",
        "onclick-source-only-with-forced-tracking",
        "window-s_objectID",
        "link-override-cleaned",
        "override-result-filtered",
        "falsy-override-no-data",
        "region-override-cleaned",
        "scroll-reach-rounded-down",
        "no-scroll-no-xy",
    ],
)
def test_activitymap_options(setup, make, expected):
    page = Page()
    setup(page)
    element = make(page)
    if getattr(page.env, "window_s_objectID_next", None):
        page.env.window_s_object_id = page.env.window_s_objectID_next  # an onclick ran before the click
    page.env.click(element)
    page.s.t()
    [url] = page.urls()
    assert page.tail(url) == (expected or "") + TECH


def test_s_objectid_is_reset_after_every_call_and_names_the_clickmap_object():
    page = Page(trackClickMap=True, trackDownloadLinks=True, useForcedLinkTracking=0)
    page.env.window_s_object_id = "Hero"
    page.env.click(page.link("/files/r.pdf"))
    [url] = page.urls()
    assert page.tail(url) == PDF + block("Hero", "nav") + "&pid=Home&pidt=1&oid=Hero&oidt=1&ot=A&oi=1" + TECH
    assert page.env.window_s_object_id == 0


@pytest.mark.parametrize(
    "source, value",
    [
        ("s_objectID='Buy 1';", "Buy 1"),
        ('function onclick(event) {\ns_objectID = "A;B";\n}', "A;B"),
        ("s_objectID='it\\'s'; go()", "it's"),
        ("s_objectID=42;", 42),
        ("s_objectID=name;", None),
        ("go()", None),
    ],
    ids=[
        "single-quotes",
        "semicolon-inside-quotes",
        "escaped-quote",
        "number",
        "expression-not-evaluated",
        "absent",
    ],
)
def test_s_objectid_read_from_an_onclick_source(source, value):
    assert parse_object_id(source) == value


MPY_SNIPPET = """
import json
from appmeasurement.tracker import AppMeasurement
from appmeasurement.testing import FakeElement, FakeTransport, StaticEnvironment
env, transport = StaticEnvironment(location="http://shop.test/page.html", webkit=True), FakeTransport()
s = AppMeasurement("rs", env, transport)
s.trackingServer, s.pageName, s.trackDownloadLinks = "c.test", "Home", True
s.ActivityMap.linkExclusions = "Secret,,x"
nav = FakeElement(tag_name="NAV", region_id="nav", parent=env.body)
pdf = env.make_anchor("/files/r.pdf?x=1", parent=nav, inner_text="Report  PDF")
event = env.click(pdf)
transport.advance(250)
onclick = "function onclick(event) {\\ns_objectID='Promo';\\n}"
env.click(env.make_anchor("#p", parent=nav, inner_text="Banner", onclick=onclick))
transport.load(transport.images[0])
s.t()
print("RESULT " + json.dumps({"urls": [i.url for i in transport.images],
    "replayed": event.replays[0].dispatched, "stopped": event.default_prevented}))
"""


def test_clicks_and_activitymap_run_the_same_under_micropython():
    from tests.unit.test_micropython import run_micropython

    _, result = run_micropython(MPY_SNIPPET)
    urls = result["urls"]
    assert result["replayed"] == 1 and result["stopped"] is True
    assert len(urls) == 2
    assert urls[0].split("page.html", 1)[1] == PDF + block("Report%20PDF", "nav") + TECH
    assert urls[1].split("page.html", 1)[1] == block("Promo", "nav") + TECH.replace("&AQE", "&lrt=257&AQE")


def test_the_demo_inspector_lists_each_activitymap_record_in_order():
    from demo.inspector import activitymap_clicks, activitymap_text, decode_request

    url = (
        "http://h/b/ss/r/1/JS-2.27.0/s1?AQB=1&pe=lnk_d&pev1=x"
        + block("Report%20PDF", "nav", extra="&xy=1430")
        + block("Buy%20now", "main")
        + "&AQE=1"
    )
    clicks = activitymap_clicks(decode_request(url))
    assert [activitymap_text(c) for c in clicks] == [
        "“Report PDF” in region “nav” · scrolled to 1430 px",
        "“Buy now” in region “main”",
    ]
