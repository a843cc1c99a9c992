"""PyShop, the demo of AppMeasurement for PyScript: a single-page shop tracked with Adobe Analytics.

index.html loads this file under MicroPython (default) or Pyodide (`?interpreter=py`). It shows the
documented single-page-app pattern in full:

    s = s_gi("demorsid")
    s.registerPostTrackCallback(after_hit)          # after_hit(url): s.clearVars() once a hit loaded
    s.registerFailureTrackCallback(after_failure)   # after_failure(url, reason): clearVars() too
    ... each view sets pageName, channel, props, eVars, events, products, contextData, then s.t()

The views and the router live in app/demo/ (shop.py, views.py, router.py); the hit inspector panel
(demo/panel.py) decodes the URL the callbacks receive (demo/inspector.py).

The inspector's "Send hits with" switch moves the same tracker between AppMeasurement's /b/ss/ requests
and the Web SDK (``s.useEdge(alloy)``): the same variables then travel as ``data.__adobe.analytics`` in
a sendEvent to the Edge, which the local collector also plays (demo/edgepage.py).
"""

import asyncio
import json

import js

from appmeasurement import s_gi
from appmeasurement.websdk import createInstance
from demo import dom
from demo.edgepage import LocalEdgePage
from demo.panel import Panel
from demo.shop import Shop, toast

RSID = "demorsid"
DATASTREAM = "pyshop-demo"  # the Web SDK's datastream (configId) at the collector's Edge stand-in
ORG_ID = "5BFE274A5F6980A50A495C08@AdobeOrg"  # the org the stand-in names its cookies after
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


# --- the Web SDK, for the "Send hits with" switch --------------------------------------------------
edge_page = LocalEdgePage()
panel.take_exchanges = edge_page.take
alloy = createInstance(page=edge_page)
# thirdPartyCookiesEnabled: the demo has no third-party identity domain to ask (the collector is both).
alloy("configure", {"datastreamId": DATASTREAM, "orgId": ORG_ID, "thirdPartyCookiesEnabled": False})


def on_transport_change(event):
    edge = bool(dom.by_id("transport-edge").checked)
    s.useEdge(alloy if edge else None)
    js.document.documentElement.dataset.transport = "edge" if edge else "aa"
    toast(
        "Hits now go through the Web SDK to the Edge (data.__adobe.analytics)."
        if edge
        else "Hits now go to AppMeasurement's /b/ss/ endpoint.",
    )


for _radio in ("transport-aa", "transport-edge"):
    dom.listen(dom.by_id(_radio), "change", on_transport_change)
js.document.documentElement.dataset.transport = "aa"

s.registerPreTrackCallback(before_hit)
s.registerPostTrackCallback(after_hit)
s.registerFailureTrackCallback(after_failure)


# --- "Simulate collector outage": a fault on the collector's API ------------------------------------
outage_toggle = dom.by_id("outage-toggle")


async def set_outage(on):
    outage_toggle.disabled = True
    try:
        if on:
            for target in (RSID, DATASTREAM):  # /b/ss/ hits match the rsid, Edge requests the configId
                fault = {"rsid": target, "action": "status", "status": 500}
                options = dom.js_object(
                    {
                        "method": "POST",
                        "headers": {"Content-Type": "application/json"},
                        "body": json.dumps(fault),
                    }
                )
                response = await js.fetch("/api/faults", options)
                if not response.ok:
                    break
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
for _radio in ("transport-aa", "transport-edge"):
    dom.by_id(_radio).disabled = False
js.document.documentElement.dataset.ready = "1"
