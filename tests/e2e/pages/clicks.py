"""Automatic click tracking test page: one tracker listening to real clicks (tests/e2e/test_clicks.py).

    clSetup('{"vars": [["trackDownloadLinks", true]], "activitymap": [["linkExclusions", "Secret"]]}')
    clTrack()                        // s.t(): a page view, which carries the s_sq click data
    JSON.parse(clState())            // {"plugins": 1, "forced": 0, "queue": {...}, "useForcedLinkTracking": 1}

The element's onclick `am.tl(this, type, name)` is an explicit s.tl() call (counted once).
At pagehide the queue's state is kept in sessionStorage["clicks.pagehide"].
"""

import json

import js
from pyscript.ffi import create_proxy

from appmeasurement import AppMeasurement

state = {"s": None, "plugins": 0, "linkTypes": []}

OVERRIDES = {
    "link-upper": lambda element, name: ("  Custom:\n " + str(element.id).upper()) if element else None,
    "link-none": lambda element, name: None,
    "region-fixed": lambda element: "fixed region",
}


def _plugins(s):
    state["plugins"] += 1
    state["linkTypes"].append(s.linkType or "")


def setup(spec_json):
    spec = json.loads(spec_json)
    s = AppMeasurement(spec.get("rsid", "e2eclicks"))
    s.trackingServer = js.location.host
    s.ssl = False
    s.pageName = "Clicks"
    s.usePlugins = True
    s.doPlugins = _plugins
    for key, value in spec.get("vars", []):
        setattr(s, key, value)
    for key, value in spec.get("activitymap", []):
        setattr(s.ActivityMap, key, OVERRIDES.get(value, value) if key in ("link", "region") else value)
    state["s"] = s


def track(*_):
    state["s"].t()


def read_state(*_):
    s = state["s"]
    return json.dumps(
        {
            "plugins": state["plugins"],
            "linkTypes": state["linkTypes"],
            "forced": s.clickTracking.delayed,
            "queue": s._queue.stats(),
            "useForcedLinkTracking": s.useForcedLinkTracking,
        }
    )


def tl(element, link_type, name):
    state["s"].tl(element, link_type, name)


def pagehide(*_):
    if state["s"] is not None:
        js.sessionStorage.setItem("clicks.pagehide", json.dumps(state["s"]._queue.stats()))


am = js.Object.new()
am.tl = create_proxy(tl)
js.window.am = am
js.window.addEventListener("pagehide", create_proxy(pagehide))
for name, fn in (("clSetup", setup), ("clTrack", track), ("clState", read_state)):
    setattr(js.window, name, create_proxy(fn))
js.document.documentElement.dataset.ready = "1"


def info(selector):
    """The ElementInfo the tracker reads for an element (diagnostics)."""
    from appmeasurement.browser import BrowserEnvironment

    found = BrowserEnvironment().element_info(js.document.querySelector(selector))
    return json.dumps(
        {"tag": found.tag_name, "onclick": found.onclick, "href": found.href, "target": found.target}
    )


js.window.clInfo = create_proxy(info)
