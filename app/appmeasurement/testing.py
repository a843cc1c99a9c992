"""Test doubles: an in-memory page, fake DOM elements and a manual-clock transport. For tests only.

Nothing in the shipped path imports this module: in a browser the package wires
``browser.BrowserEnvironment`` and ``browser.BrowserTransport`` in; elsewhere a tracker must be given
an environment and a transport explicitly, and these are the ones the tests (CPython and MicroPython
in Node) pass.

    >>> from appmeasurement import AppMeasurement
    >>> env, transport = StaticEnvironment(), FakeTransport()
    >>> s = AppMeasurement("myrsid", env, transport)
    >>> s.trackingServer = "collector.test"
    >>> hit = s.t()
    >>> transport.images[0].url.startswith("http://collector.test/b/ss/myrsid/1/JS-2.27.0/s")
    True
    >>> transport.load(transport.images[0])  # the collector answered with its GIF
    >>> hit.outcome.status
    'loaded'
    >>> env.make_anchor("docs/a b.pdf?v=2").href
    'http://HARNESS/docs/a%20b.pdf?v=2'
"""

from .environment import ElementInfo
from .jsdate import local_fields, parse_utc_string
from .urls import SPECIAL_PORTS, resolve_url, split_url


class FakeElement(ElementInfo):
    """A test stand-in for a DOM element; it is its own ElementInfo."""


class StaticEnvironment:
    """A fixed page for tests: attributes are settable and every method is deterministic.

    Defaults match the recorded vectors: ``http://HARNESS/page.html``, no referrer, screen
    1280x720x24, window 1280x720, UTC, cookies on, sendBeacon available.
    """

    def __init__(
        self,
        location="http://HARNESS/page.html",
        referrer="",
        now_ms=1795327810000,
        tz_offset=0,
        seed=1,
        screen=None,
        cookies_enabled=True,
        send_beacon=True,
        opt_in=None,
        local=None,
        webkit=False,
    ):
        self.location = location
        # Storage areas as plain dicts; pass one `local` dict to two environments for two tabs.
        self.local = {} if local is None else local
        self.session = {}
        self.storage_ok = {"local": True, "session": True}  # False: unavailable
        self.storage_quota = None  # a number: writes of longer values fail (a full storage)
        self.page_listeners = []
        self.referrer = referrer
        self.clock_ms = now_ms
        self.tz_offset = tz_offset
        self.cookies_enabled = cookies_enabled
        self.send_beacon = send_beacon
        self.adobe_opt_in = opt_in  # what opt_in() returns: window.adobe.optIn
        self.screen_info = screen or {
            "width": 1280,
            "height": 720,
            "color_depth": 24,
            "inner_width": 1280,
            "inner_height": 720,
            "java_enabled": False,
        }
        self._seed = (seed * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        self._cookie_names = []
        self._cookie_values = {}
        self.cookie_writes = []
        self.cookie_reads = 0  # how often the tracker read document.cookie
        self.navigations = []
        self.messages = []
        self.html = FakeElement(tag_name="HTML")
        self.body = FakeElement(tag_name="BODY", parent=self.html)
        self.webkit = webkit  # what listen_clicks reports: both listeners (forced tracking) or one
        self.window_s_object_id = 0  # window.s_objectID
        self.max_scroll = 0
        self.click_listener = None  # the FakeClickListener once a tracker listens

    # time and randomness
    def now_ms(self):
        return self.clock_ms

    def local_time(self):
        return local_fields(self.clock_ms, self.tz_offset)

    def random(self):
        # 64-bit LCG; the top 53 bits make the float (same sequence in CPython and MicroPython).
        self._seed = (self._seed * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return (self._seed >> 11) / 9007199254740992.0

    # location
    def _parts(self):
        return split_url(self.location, True)

    def location_href(self):
        return self.location

    def location_protocol(self):
        return self._parts()[0]

    def location_host(self):
        return self._parts()[1]

    def location_hostname(self):
        host = self._parts()[1]
        return host.rsplit(":", 1)[0] if ":" in host else host

    def location_pathname(self):
        return self._parts()[2]

    def document_referrer(self):
        return self.referrer

    # cookies
    def get_cookies(self):
        self.cookie_reads += 1
        return "; ".join([name + "=" + self._cookie_values[name] for name in self._cookie_names])

    def set_cookie(self, cookie_string):
        self.cookie_writes.append(cookie_string)
        if not self.cookies_enabled:
            return
        pieces = cookie_string.split(";")
        first = pieces[0]
        eq = first.find("=")
        if eq < 0:
            return
        name = first[:eq].strip()
        value = first[eq + 1 :].strip()
        expired = False
        for attr in pieces[1:]:
            attr = attr.strip()
            if attr.lower().startswith("expires="):
                expired = parse_utc_string(attr[8:]) <= self.clock_ms
        if expired:
            if name in self._cookie_values:
                del self._cookie_values[name]
                self._cookie_names.remove(name)
            return
        if name not in self._cookie_values:
            self._cookie_names.append(name)
        self._cookie_values[name] = value

    # screen, elements, misc
    def screen(self):
        return dict(self.screen_info)

    def element_info(self, obj):
        return obj if isinstance(obj, ElementInfo) else None

    def has_send_beacon(self):
        return self.send_beacon

    def navigate(self, url):
        self.navigations.append(url)

    def log(self, msg):
        self.messages.append(("log", msg))

    def warn(self, msg):
        self.messages.append(("warn", msg))

    def error(self, msg):
        self.messages.append(("error", msg))

    def opt_in(self):
        return self.adobe_opt_in

    def wrap_visitor(self, obj):
        return obj

    # storage and page lifecycle
    def _area(self, area):
        if not self.storage_ok.get(area):
            raise RuntimeError("SecurityError: %sStorage is not available" % area)
        return self.local if area == "local" else self.session

    def storage_available(self, area):
        return bool(self.storage_ok.get(area))

    def storage_get(self, area, key):
        return self._area(area).get(key)

    def storage_set(self, area, key, value):
        store = self._area(area)
        if self.storage_quota is not None and len(value) > self.storage_quota:
            return False
        store[key] = value
        return True

    def storage_remove(self, area, key):
        self._area(area).pop(key, None)

    def on_page_event(self, fn):
        self.page_listeners.append(fn)

    def fire(self, kind):
        """The page says `kind` ("hide": pagehide or hidden, "online"): run the listeners."""
        for fn in list(self.page_listeners):
            fn(kind)

    def s_object_id(self):
        return self.window_s_object_id

    def set_s_object_id(self, value):
        self.window_s_object_id = value

    def scroll_reach(self):
        return self.max_scroll

    def listen_clicks(self, handler):
        self.click_listener = FakeClickListener(handler, self.webkit)
        handler.attached(self.click_listener)

    def click(self, target, **options):
        """A user's click on ``target``: the listeners still registered run, capture phase first
        (as the browser's body listeners would). Returns the FakeClickEvent."""
        event = FakeClickEvent(target, **options)
        listener = self.click_listener
        for capture in (True, False):
            if listener is not None and capture in listener.phases and not event.propagation_stopped:
                listener.handler.click(event)
        return event

    def make_anchor(self, href, parent=None, **attrs):
        """A new ``<a href=...>`` appended to ``parent`` (default: body), href resolved like a browser."""
        resolved = resolve_url(href, self.location)
        protocol, host = "", ""
        colon = resolved.find(":")
        if colon > 0 and resolved[: colon + 1].lower() in SPECIAL_PORTS:
            protocol, host = split_url(resolved)[:2]
        elif colon > 0:
            protocol = resolved[: colon + 1].lower()
        return FakeElement(
            tag_name="A", href=resolved, protocol=protocol, host=host, parent=parent or self.body, **attrs
        )


class FakeClickListener:
    """The body's click listeners as ``listen_clicks`` registers them: ``phases`` holds True
    (capture) and/or False (bubble) while registered; ``removed`` the removals in order."""

    def __init__(self, handler, webkit):
        self.handler = handler
        self.webkit = webkit
        self.phases = [True, False] if webkit else [False]
        self.removed = []

    def remove(self, capture):
        self.removed.append(capture)
        if capture in self.phases:
            self.phases.remove(capture)


class FakeReplay:
    """The clone a forced click dispatches once its hit settled; ``dispatched`` counts."""

    def __init__(self, event):
        self.event = event
        self.dispatched = 0

    def dispatch(self):
        self.dispatched += 1


class FakeClickEvent:
    """A click event as clicks.py reads it (see the event contract there)."""

    def __init__(self, target, replay_of=None, overlay=False, window_name="", dispatchable=True):
        self.target = target
        self.replay_of = replay_of  # the instance index of an s_fe_<index> clone, else None
        self.overlay = overlay
        self.window_name = window_name
        self.dispatchable = dispatchable
        self.propagation_stopped = False
        self.default_prevented = False
        self.replays = []

    def overlay_open(self):
        return self.overlay

    def is_replay(self, index):
        return self.replay_of == index

    def same_target(self, node):
        return node is self.target

    def stop(self):
        self.propagation_stopped = True
        self.default_prevented = True

    def replay(self, index):
        replay = FakeReplay(self)
        self.replays.append(replay)
        return replay


class _FakeImage:
    def __init__(self, url, on_load, on_error, body=None):
        self.url = url
        self.body = body  # the form body of a POST (send_post), None for an image
        self.on_load = on_load
        self.on_error = on_error
        self.complete = False
        self.released = False


class FakeTransport:
    """An in-memory transport and clock for tests: nothing happens until the test says so."""

    def __init__(self, beacon_accepts=True):
        self.clock_ms = 1_700_000_000_000
        self.images = []  # every _FakeImage sent, in order
        self.beacons = []  # every beacon URL, in order (URL + "#" + body for a beacon with a body)
        self.keepalives = []  # every keepalive fetch, the same way
        self.beacon_accepts = beacon_accepts
        self.keepalive_accepts = True
        self._timers = []  # [due_ms, seq, fn, token]
        self._seq = 0

    # --- Transport -------------------------------------------------------------------------
    def send_image(self, url, on_load, on_error):
        image = _FakeImage(url, on_load, on_error)
        self.images.append(image)
        return image

    def image_complete(self, token):
        return token.complete

    def release(self, token):
        token.released = True

    def send_post(self, url, body, on_load, on_error):
        image = _FakeImage(url, on_load, on_error, body)
        self.images.append(image)
        return image

    def send_beacon(self, url, body=None):
        self.beacons.append(url if body is None else url + "#" + body)
        return self.beacon_accepts

    def send_keepalive(self, url, body=None):
        self.keepalives.append(url if body is None else url + "#" + body)
        return self.keepalive_accepts

    # --- Timers ----------------------------------------------------------------------------
    def now_ms(self):
        return self.clock_ms

    def set_timeout(self, fn, ms):
        self._seq += 1
        token = self._seq
        self._timers.append([self.clock_ms + max(0, int(ms)), self._seq, fn, token])
        return token

    def clear_timeout(self, token):
        self._timers = [t for t in self._timers if t[3] != token]

    # --- Test controls ---------------------------------------------------------------------
    def pending(self):
        """Images sent and neither loaded, failed nor released."""
        return [i for i in self.images if not i.released]

    def load(self, image, elapsed_ms=7):
        """The image arrived (a 200 GIF): mark it complete, move the clock, fire onload."""
        self.clock_ms += elapsed_ms
        image.complete = True
        if not image.released:
            image.on_load()

    def fail(self, image, elapsed_ms=7):
        """The image failed (404, 500, dropped connection): fire onerror."""
        self.clock_ms += elapsed_ms
        if not image.released:
            image.on_error()

    def advance(self, ms):
        """Move the clock by ms, firing due timers in order (timers they set fire too if due)."""
        end = self.clock_ms + ms
        while True:
            due = [t for t in self._timers if t[0] <= end]
            if not due:
                break
            due.sort(key=lambda t: (t[0], t[1]))
            first = due[0]
            self._timers.remove(first)
            self.clock_ms = max(self.clock_ms, first[0])
            first[2]()
        self.clock_ms = end

    def timer_count(self):
        return len(self._timers)


class FakeVisitor:
    """A Python ``s.visitor`` with the ID service's interface (identity.py); answers when told.

    ``answer()`` calls back the pending getVisitorValues callbacks (``immediate=True``: at once).
    """

    def __init__(self, org_id="ORG@AdobeOrg", mid="MID123", aid=None, allowed=True, immediate=False):
        self.marketingCloudOrgID = org_id
        self.values = {"MCMID": mid, "MCAID": aid, "MCOPTOUT": None, "MCAAMLH": None, "MCAAMB": None}
        self.allowed = allowed
        self.immediate = immediate
        self.customer_ids = []  # [(alias, {"id": ..., "authState": ...})]
        self.sdid_calls = []  # (consumer, consume) per getSupplementalDataID call
        self.value_calls = 0
        self._waiting = []

    def isAllowed(self):
        return self.allowed

    def getVisitorValues(self, callback):
        self.value_calls += 1
        if self.immediate:
            callback(dict(self.values))
        else:
            self._waiting.append(callback)

    def answer(self):
        waiting, self._waiting = self._waiting, []
        for callback in waiting:
            callback(dict(self.values))

    def getSupplementalDataID(self, consumer, consume):
        self.sdid_calls.append((consumer, consume))
        return "SDID-%d" % len(self.sdid_calls)

    def getCustomerIDs(self):
        return list(self.customer_ids)

    def setCustomerIDs(self, pairs):
        self.customer_ids = list(pairs)


class FakeOptIn:
    """A Python ``adobe.optIn``: categories approved by the test; permissions fetched when told."""

    Categories = {"ANALYTICS": "aa", "AAM": "aam", "TARGET": "target", "ECID": "ecid"}

    def __init__(self, approved=(), fetched=False):
        self.approved = list(approved)  # category values ("aa", ...)
        self.fetched = fetched
        self.fetch_calls = []
        self._subscribers = []

    def fetchPermissions(self, callback, should_auto_subscribe=False):
        self.fetch_calls.append(should_auto_subscribe)
        if self.fetched:
            callback()
        else:
            self._subscribers.append(callback)

    def isApproved(self, category):
        return category in self.approved

    def approve(self, *categories):
        for category in categories:
            if category not in self.approved:
                self.approved.append(category)
        self.complete()

    def deny(self, *categories):
        self.approved = [c for c in self.approved if c not in categories]
        self.complete()

    def complete(self):
        """Permissions are known: call the fetchPermissions callbacks."""
        self.fetched = True
        for callback in list(self._subscribers):
            callback()


class FakeEdgePage(StaticEnvironment):
    """The Web SDK's page (``websdk``) in memory: a cookie jar, a clock, and a scripted Edge.

    ``requests`` lists ``(url, body)`` sent by fetch, ``beacons`` those sent by sendBeacon, ``sleeps``
    the retry delays waited (the clock moves on, nothing sleeps). ``responses`` is a list of
    ``(status, headers, body_text)`` served first in first out; when it is empty the fake answers as the
    collector's Edge does (an ECID, a cluster hint, the identity cookie; 204 for ``collect``).
    """

    ORG_ECID = "12345678901234567890123456789012345678"

    def __init__(self, location="http://127.0.0.1/page.html", **kwargs):
        super().__init__(location=location, **kwargs)
        self.requests = []
        self.beacons = []
        self.sleeps = []
        self.responses = []
        self.zone = "UTC"
        self.beacon_accepts = True
        self.org_ids = []  # the window's registry of configured orgIds (one instance per org)

    def timezone(self):
        return self.tz_offset, self.zone

    def orientation(self):
        screen = self.screen()
        return "landscape" if screen["width"] >= screen["height"] else "portrait"

    def beacon(self, url, body):
        self.beacons.append((url, body))
        return self.beacon_accepts

    async def sleep_ms(self, ms):
        self.sleeps.append(ms)
        self.clock_ms += ms

    async def post(self, url, body):
        self.requests.append((url, body))
        self.clock_ms += 3
        if self.responses:
            return self.responses.pop(0)
        if "/v1/collect" in url:
            return 204, {}, ""
        return 200, {"x-adobe-edge": "OR2;9"}, self.edge_answer(url, body)

    def edge_answer(self, url, body):
        from .jsonorder import dumps, loads
        from .websdk import cookie_name

        org = "ABC@AdobeOrg"
        identity = "CiYxMjM0NTY3ODkwMTIzNDU2Nzg5MDEyMzQ1Njc4OTAxMjM0NTY3OA=="  # the protobuf of ORG_ECID
        store = [
            {"key": cookie_name(org, "cluster"), "value": "or2", "maxAge": 1800},
            {"key": cookie_name(org, "identity"), "value": identity, "maxAge": 34128000},
        ]
        consent = loads(body).get("consent") or []
        for entry in consent:
            general = entry.get("value").get("general")
            if general:
                store.append(
                    {"key": cookie_name(org, "consent"), "value": "general=" + general, "maxAge": 15552000}
                )
        request_id = url.split("requestId=")[1]
        handles = [
            {"type": "identity:result", "payload": [{"id": self.ORG_ECID, "namespace": {"code": "ECID"}}]},
            {"type": "state:store", "payload": store},
        ]
        return dumps({"requestId": request_id, "handle": handles})
