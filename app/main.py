"""PyShop, the demo of AppMeasurement for PyScript: a single-page shop tracked with Adobe Analytics.

index.html loads this file under MicroPython (default) or Pyodide (`?interpreter=py`). It shows the
documented single-page-app pattern in full:

    s = s_gi("demorsid")
    s.registerPostTrackCallback(after_hit)          # after_hit(url): s.clearVars() once a hit loaded
    s.registerFailureTrackCallback(after_failure)   # after_failure(url, reason): clearVars() too
    ... each view sets pageName, channel, props, eVars, events, products, contextData, then s.t()

The views and the router live in app/demo/ (shop.py, views.py, router.py); the hit inspector panel
(demo/panel.py) decodes the URL the callbacks receive (demo/inspector.py).
"""

import asyncio
import json

import js

from appmeasurement import s_gi
from demo import dom
from demo.panel import Panel
from demo.shop import Shop, toast

RSID = "demorsid"
INTERPRETER = "py" if js.document.documentElement.dataset.interpreter == "py" else "mpy"

panel = Panel()

# --- the tracker -----------------------------------------------------------------------------------
s = s_gi(RSID)
s.trackingServer = js.location.host  # the collector serves this page and collects the hits
s.ssl = False  # the demo is served over http
s.server = "pyshop.demo"
s.currencyCode = "EUR"
# Automatic link tracking: a click on a download or exit link sends its link hit by itself (with its
# ActivityMap link and region); any other click stores its ActivityMap data for the next hit.
s.trackDownloadLinks = True
s.trackExternalLinks = True
s.linkTrackVars = "None"  # link hits carry only what AppMeasurement always sends
s.linkTrackEvents = "None"


# --- the single-page-app pattern: clear the variables after every hit ------------------------------
def before_hit(request_url):
    """Pre-track callback: the request is built; show it in the inspector as "sending"."""
    panel.sending(request_url)


def after_hit(request_url):
    """Post-track callback (the image loaded): clear props, eVars, events, products, ... so the next
    view starts clean. pageName, pageURL, contextData and the like are kept; each view resets those."""
    s.clearVars()
    panel.count("clear")
    panel.path_taken(request_url, "post")


def after_failure(request_url, reason):
    """Failure callback: the post-track callback does not run for a failed hit, so clear here too;
    otherwise the failed view's variables would leak into the next one."""
    s.clearVars()
    panel.count("clear")
    panel.path_taken(request_url, "failure", reason)
    toast("A hit failed (%s). The failure callback cleared the variables." % reason, "error")


s.registerPreTrackCallback(before_hit)
s.registerPostTrackCallback(after_hit)
s.registerFailureTrackCallback(after_failure)


# --- "Simulate collector outage": a fault on the collector's API ------------------------------------
outage_toggle = dom.by_id("outage-toggle")


async def set_outage(on):
    outage_toggle.disabled = True
    try:
        if on:
            fault = {"rsid": RSID, "action": "status", "status": 500}
            options = dom.js_object(
                {"method": "POST", "headers": {"Content-Type": "application/json"}, "body": json.dumps(fault)}
            )
            response = await js.fetch("/api/faults", options)
        else:
            response = await js.fetch("/api/faults", dom.js_object({"method": "DELETE"}))
        if not response.ok:
            raise RuntimeError("HTTP %s" % response.status)
        dom.set_text(dom.by_id("outage-state"), "(on · HTTP 500)" if on else "(off)")
        js.document.documentElement.dataset.outage = "on" if on else "off"
        toast(
            "Collector outage simulated: the next hits fail and take the failure path."
            if on
            else "Collector back: hits load and take the post-track path.",
            "error" if on else "info",
        )
    except Exception as exc:
        outage_toggle.checked = not on
        toast("Could not reach the collector's fault API: %s" % exc, "error")
    finally:
        outage_toggle.disabled = False


_outage_task = [None]  # a running task must stay referenced; the toggle is disabled until it ends


def on_outage_change(event):
    _outage_task[0] = asyncio.create_task(set_outage(bool(outage_toggle.checked)))


dom.listen(outage_toggle, "change", on_outage_change)

# --- start -----------------------------------------------------------------------------------------
shop = Shop(s, panel, INTERPRETER)
shop.start()  # renders the current URL (deep links included) and sends its page view

dom.set_text(
    dom.by_id("footer-interpreter"), "PyScript with " + ("Pyodide" if INTERPRETER == "py" else "MicroPython")
)
outage_toggle.disabled = False
dom.by_id("clear-hits").disabled = False
js.document.documentElement.dataset.ready = "1"
