"""The AppMeasurement bridge: an instance's hits sent through the Web SDK (``websdk``) instead of ``/b/ss/``.

    alloy = createInstance()
    alloy("configure", {"datastreamId": "ds1", "orgId": "ABC@AdobeOrg"})
    s.useEdge(alloy)          # from now on s.t() / s.tl() send an Edge event; s.useEdge(None) undoes it

A track call runs every step of track.py as before (overrides, plugins, link resolution, page facts,
identity, technology fields); where the ``/b/ss/`` URL would be written, ``event(s)`` writes the
``sendEvent`` options instead, and the queue (lifecycle.py) sends them one at a time with the same
callbacks and the same awaitable ``Hit``:

- ``data.__adobe.analytics``: the variables the hit would carry, under their AppMeasurement names
  (Adobe's "data object" for Analytics: pageName, eVarN, propN, events, products, contextData as an
  object, ...), in AppMeasurement's send order. A link hit carries ``linkType`` (``o``/``d``/``e``),
  ``linkName`` and ``linkURL`` where ``pe``/``pev2``/``pev1`` would be, unescaped. ``linkTrackVars`` /
  ``linkTrackEvents`` are applied here, through the query stage's filters (``query.each_var``,
  ``query.link_filters``, ``query.filter_events``). Not sent: ``fid`` (the Edge identifies the visitor
  by its ECID), ``pageURLRest`` (no 255-character cut on the Edge), ``pev3``; ``events2`` joins
  ``events`` as on the wire. The report suite is the datastream's: ``s.account`` is not sent.
- ``xdm``: ``eventType`` ``web.webpagedetails.pageViews`` (with ``web.webPageDetails.pageViews``) or
  ``web.webinteraction.linkClicks`` (with ``web.webInteraction`` name/URL/type); alloy adds its
  automatic fields.
- ``documentUnloading: true`` for exit links and ``s.useBeacon`` (alloy then uses ``sendBeacon``).

Callbacks: the pre-track, post-track and failure callbacks receive the Edge endpoint the event is
addressed to, ``https://{edgeDomain}/{edgeBasePath}/v1/{interact|collect}?configId={datastreamId}``
(``endpoint(alloy, unloading)``), as "url"; the exact request (location hint, ``requestId``, the
third-party identity domain on a first visit) is the Web SDK's choice when it sends. The event itself
is on the ``Hit`` (``hit.edge_event``) from the pre-track callback on. Post-track runs when ``sendEvent``
resolved (the Edge answered 2xx, or the beacon was queued); failure when it rejected (its message is
the reason) or gave no answer within ``WATCHDOG_MS``; a ``sendEvent`` that resolved ``{}`` (consent
out, or ``onBeforeEventSend`` returned False) sent nothing: the ``Hit`` settles ``not_sent`` and neither
callback runs.

    >>> from appmeasurement import AppMeasurement
    >>> from appmeasurement.jsonorder import dumps
    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> s = AppMeasurement("r", StaticEnvironment(), FakeTransport())
    >>> s.pageName, s.eVar1, s.contextData["a.b"] = "Home", "x", "1"
    >>> s.pe, s.linkType, s.linkName = "lnk_o", "o", "Buy"
    >>> s.linkTrackVars = "eVar1"
    >>> dumps(event(s)["data"])
    '{"__adobe":{"analytics":{"charSet":"UTF-8","pageName":"Home","eVar1":"x","linkType":"o","linkName":"Buy"}}}'
"""

from . import query
from .contextdata import OBJECT_PROTOTYPE_NAMES, ContextData, is_mapping
from .jsonorder import Obj
from .jsvalues import js_string, js_truthy

# alloy retries 429/502/503/504 up to 3 times (1-4 s apart): the image watchdog's 5 s would cut that short.
WATCHDOG_MS = 15000
PAGE_VIEW = "web.webpagedetails.pageViews"
LINK_CLICK = "web.webinteraction.linkClicks"
_LINK_TYPES = {"o": "other", "d": "download", "e": "exit"}
_LINK_FIELDS = ("pe", "pev1", "pev2")
_NOT_SENT = ("fid", "pageURLRest", "pev3", "events2")


class EdgeRequest:
    """A built Edge hit: the ``sendEvent`` options and the endpoint shown to the callbacks."""

    def __init__(self, alloy, options):
        self.alloy = alloy
        self.options = options
        self.unloading = options.get("documentUnloading") is True
        self.url = endpoint(alloy, self.unloading)
        self.transport = "edge-beacon" if self.unloading else "edge"
        self.command = None  # the websdk.Command once sent
        self.watchdog_ms = WATCHDOG_MS

    def unload(self):
        """The page is going away before this event left: send it as the Web SDK does for
        ``documentUnloading`` (a beacon to ``collect`` once an identity exists)."""
        if not self.unloading:
            self.options["documentUnloading"] = True
            self.unloading = True
            self.url = endpoint(self.alloy, True)
            self.transport = "edge-beacon"

    def send(self, on_sent, on_failed, on_nothing_sent):
        """Run ``sendEvent``; exactly one of the three is called once it settles."""
        self.command = self.alloy("sendEvent", self.options)

        def settled(command):
            if command.error is not None:
                on_failed(str(command.error))
            elif not command.result:
                on_nothing_sent("the Web SDK sent nothing (consent out, or onBeforeEventSend returned False)")
            else:
                on_sent()

        self.command.add_done_callback(settled)


def attach(s, alloy):
    """``s.useEdge(alloy)``: send ``s``'s hits through the Web SDK instance ``alloy`` (None: /b/ss/ again)."""
    if alloy is not None and not callable(alloy):
        raise TypeError(
            "useEdge: expected a Web SDK instance (websdk.createInstance()) or None, got %r" % (alloy,)
        )
    s._state.edge = alloy


def endpoint(alloy, unloading=False):
    """The Edge URL an event of ``alloy`` is addressed to (what the callbacks receive as "url")."""
    config = getattr(alloy, "_config", None) or {}
    return "https://%s/%s/v1/%s?configId=%s" % (
        config.get("edgeDomain", "edge.adobedc.net"),
        config.get("edgeBasePath", "ee"),
        "collect" if unloading else "interact",
        config.get("datastreamId", ""),
    )


def request(s, alloy):
    """The hit as an ``EdgeRequest`` (track.py calls this instead of writing the ``/b/ss/`` URL)."""
    return EdgeRequest(alloy, event(s))


def event(s):
    """The ``sendEvent`` options for the variables ``s`` holds now (after track.py's steps)."""
    link_type = js_string(s.pe)[4:] if js_truthy(s.pe) else ""
    analytics = analytics_data(s, link_type)
    if link_type:
        interaction = Obj([("name", analytics.get("linkName", "")), ("URL", analytics.get("linkURL", ""))])
        interaction["type"] = _LINK_TYPES.get(link_type, "other")
        interaction["linkClicks"] = Obj([("value", 1)])
        xdm = Obj([("eventType", LINK_CLICK), ("web", Obj([("webInteraction", interaction)]))])
    else:
        views = Obj([("pageViews", Obj([("value", 1)]))])
        xdm = Obj([("eventType", PAGE_VIEW), ("web", Obj([("webPageDetails", views)]))])
    options = Obj([("xdm", xdm), ("data", Obj([("__adobe", Obj([("analytics", analytics)]))]))])
    if link_type == "e" or js_truthy(s.useBeacon):
        options["documentUnloading"] = True
    return options


def analytics_data(s, link_type=""):
    """``data.__adobe.analytics``: the hit's variables by AppMeasurement name, link filters applied."""
    allowed, allowed_events = None, None
    if js_truthy(s.pe) or js_truthy(s.linkType):
        allowed, allowed_events = query.link_filters(s.linkTrackVars, s.linkTrackEvents)
    extra_events = js_string(s.events2) if js_truthy(s.events2) else ""
    out = Obj()
    for name, value in query.each_var(s):
        if name in _LINK_FIELDS:
            # pe/pev1/pev2 carry escaped text; the data object takes the variables themselves.
            if name == "pe" and link_type:
                out["linkType"] = link_type
                for field in ("linkURL", "linkName"):
                    if js_truthy(getattr(s, field)):
                        out[field] = js_string(getattr(s, field))
            continue
        if name == "events2" and not js_truthy(s.events):
            name, value = "events", ""  # events2 stands in for events, as on the wire
        elif name in _NOT_SENT:
            continue
        if name == "contextData":
            data = _context(value, allowed)
            if len(data):
                out["contextData"] = data
            continue
        if is_mapping(value):
            continue  # clientHints, retrieveLightData: the Edge takes no such block
        if name == "events":
            value = js_string(value)
            if extra_events:
                value += ("," if value else "") + extra_events
            if allowed_events is not None:
                value = query.filter_events(value, allowed_events)
            if not value:
                continue
        out[name] = js_string(value)
    return out


def _context(value, allowed):
    # The same rule as the query's context-data block: a key passes a link filter when
    # ",contextData.<key>," is listed (contextdata.serialize).
    data = Obj()
    for key, item in ContextData.from_value(value).items():
        if key in OBJECT_PROTOTYPE_NAMES or not js_truthy(item):
            continue
        if allowed is not None and ("," + "contextData." + key + ",") not in allowed:
            continue
        data[key] = js_string(item)
    return data
