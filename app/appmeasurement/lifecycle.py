"""The queue stage: one request at a time per instance, in call order, and an outcome for each.

`HitQueue` is what the track call hands a built request to. It behaves like AppMeasurement.js
2.27.0 where that is observable (pre-track callbacks run synchronously once the URL is built;
requests go out one at a time per instance in call order; post-track callbacks run on the image's
onload and never on a failure; after a failure the next request waits 500 ms; a 5 s watchdog settles
a request that neither loads nor errors) and adds what AppMeasurement lacks: a `Hit` you can await
(outcome.py), a failure callback and the guards of callbacks.py.

Reliability (AppMeasurement's behaviour where it is observable, better where it loses data):
- a request longer than ``GET_LIMIT`` characters goes as a form-urlencoded POST to the same path
  (AppMeasurement does so only with a visitor id set); one over ``BODY_LIMIT`` fails, never truncated;
- ``s.trackOffline``: a failed request and the hits behind it are kept in localStorage (storage.py)
  and retried with backoff (``BACKOFF_FIRST_MS`` doubling up to ``BACKOFF_CAP_MS``, at once on the
  ``online`` event) by the one tab holding the lease, oldest first, each removed once accepted;
- ``s.bufferRequests()``: hits wait in sessionStorage until the next unbuffered hit;
- when the page is hidden or left, ``flush()`` hands every queued hit to ``navigator.sendBeacon``
  (a keepalive fetch where the beacon is refused), once. The one request in flight is not sent
  again: the browser may already have delivered it (at most once). With trackOffline, a queue that
  is failing (its last request failed) keeps its hits in localStorage instead, the one in flight
  included, for the next page: a beacon's answer is invisible, so a beacon to a failing collector
  would lose them.

    >>> from appmeasurement.testing import FakeTransport
    >>> transport = FakeTransport()
    >>> queue = HitQueue(transport, None)
    >>> queue.register("post", lambda url, extra: print("sent", extra), ("x",))
    True
    >>> hit = queue.track(lambda: ("http://c/b/ss/r/1/JS-2.27.0/s1?AQB=1&AQE=1", False))
    >>> transport.load(transport.images[0])
    sent x
    >>> hit.outcome.status, queue.idle()
    ('loaded', True)
"""

from .callbacks import Callbacks
from .escaping import unescape
from .outcome import FAILED, LOADED, NOT_SENT, TIMEOUT, Hit, Outcome
from .storage import LEASE_MS, LEASE_POLL_MS, LEASE_SETTLE_MS, Options, Storage, hit_id

RETRY_DELAY_MS = 500  # AppMeasurement waits this long after a failure before the next request
WATCHDOG_MS = 5000  # AppMeasurement settles a request that has not answered after this long
BACKOFF_FIRST_MS = 1000  # trackOffline: the first retry of a failed stored hit; doubles each time
BACKOFF_CAP_MS = 30000  # ... up to this
GET_LIMIT = 2047  # longer requests go as a POST (what AppMeasurement and collection servers use)
BODY_LIMIT = 64 * 1024  # the largest POST body a collection server accepts (the collector: 64 KiB)


def post_parts(url):
    """(path, form body) of a long request: the URL before "?", the query after it without the
    postback ``callback=`` pair (as AppMeasurement does)."""
    path, _, query = url.partition("?")
    if "callback=" not in query:  # the common case: splitting a 2 KB query cost MicroPython 0.15 ms
        return path, query
    pairs = [p for p in query.split("&") if not p.startswith("callback=")]
    return path, "&".join(pairs)


def debug_message(url):
    """AppMeasurement's ``s.debugTracking`` console line for a request, one "\\n\\t" per parameter.

    >>> debug_message("http://c/b/ss/r/1/JS-2.27.0/s1?AQB=1&pageName=A%20b&AQE=1").split("\\n")[2:]
    ['\\tpageName=A b', '\\tAQE=1']
    """
    parts = ["AppMeasurement Debug: " + url]
    for part in url.split("&"):
        parts.append("\n\t" + unescape(part))
    return "".join(parts)


class HitQueue:
    """One instance's callbacks and request queue. See the module docstring."""

    def __init__(self, transport, console, page=None):
        self._transport = transport
        self._console = console
        self.callbacks = Callbacks(console)
        self._pending = []  # hits built and waiting for their turn, in call order
        self._current = None  # the hit in flight
        self._retry_timer = None  # set during a pause after a failure (or a throttle / lease wait)
        self._lrt = None
        self.debug = None  # () -> bool: log each request as it is dequeued (s.debugTracking)
        self._page = page
        self._storage = Storage(page, console)
        self._read_options = None
        self._waiting = {}  # url -> Hit handle of a hit kept in storage, settled when sent from here
        self._failures = 0  # consecutive failed requests (the backoff's exponent)
        self._forced = False  # s.forceOffline()
        self._buffering = False  # s.bufferRequests()
        self._owner = None  # this queue's lease name
        self._lease_ok = False  # the lease was read back after LEASE_SETTLE_MS
        self._poll_timer = None  # another tab holds the lease: look again later
        self._last_start = None
        if page is not None and hasattr(page, "on_page_event"):
            page.on_page_event(self._page_event)

    def configure(self, read_options):
        """read_options() -> storage.Options, read before each request (the tracker's variables)."""
        self._read_options = read_options

    # --- registration ------------------------------------------------------------------------
    def register(self, kind, fn, args=()):
        """Register fn for "pre", "post" or "failure". Returns False for a duplicate."""
        return self.callbacks.register(kind, fn, args)

    # --- tracking ----------------------------------------------------------------------------
    def track(self, build, hit=None):
        """Build a request with build() -> (url, use_beacon) | None, then queue it. Returns a Hit.

        ``hit``: a handle made earlier by ``pending_hit`` for a call that was deferred (readiness.py);
        it was accepted at call time, so the loop guard does not apply again.
        """
        callbacks = self.callbacks
        if hit is None and callbacks.in_user_code:
            return self._refused()
        callbacks.in_user_code += 1
        try:
            built = build()
        finally:
            callbacks.in_user_code -= 1
        if built is None:
            return self._not_sent(None, "aborted: nothing to send", hit)
        edge = None
        if isinstance(built, tuple):
            url, use_beacon = built
        else:  # an edgebridge.EdgeRequest: the hit goes through the Web SDK (s.useEdge)
            edge, url = built, built.url
        if hit is None:
            hit = Hit(url, None)
            hit._console = self._console
        hit.url = url
        if edge is not None:
            # edge_event: the sendEvent options, readable from the pre-track callback on (edgebridge.py)
            hit.transport, hit.edge_event, hit._edge = edge.transport, edge.options, edge
        else:
            hit.transport = "beacon" if use_beacon else "image"
        callbacks.run("pre", (url,))
        opts = self._opts()
        buffered = self._buffering and self._storage.usable("session")
        if buffered and self._storage.append("session", opts.key, [url]) is not None:
            self._waiting[url] = hit
            return hit
        self._unbuffer(opts)
        self._pending.append(hit)
        self._pump()
        return hit

    def pending_hit(self):
        """A Hit for a call whose request is built later (``track(build, hit)``); a settled not_sent
        one when the call comes from inside a callback (the loop guard)."""
        if self.callbacks.in_user_code:
            return self._refused()
        hit = Hit(None, None)
        hit._console = self._console
        return hit

    def settle_not_sent(self, hit, reason):
        """Settle a pending Hit that will never be sent."""
        self._not_sent(None, reason, hit)

    @property
    def transport(self):
        """The transport (also the timers) this queue sends with."""
        return self._transport

    def _refused(self):
        if self._console is not None:
            self._console.warn(
                "AppMeasurement: a tracking call (s.t/s.tl) made from inside a track callback or "
                "doPlugins was refused: it would loop forever. Nothing was sent."
            )
        return self._not_sent(None, "refused: tracking call from inside a callback")

    def take_lrt(self):
        """The ms the last successful request took, once (AppMeasurement's `lrt`)."""
        lrt, self._lrt = self._lrt, None
        return lrt

    def idle(self):
        """True when nothing is queued, in flight or waiting out a failure pause."""
        return self._current is None and not self._pending and self._retry_timer is None

    def stats(self):
        """Counts for leak checks: what the queue still holds."""
        return {
            "pending": len(self._pending),
            "in_flight": 0 if self._current is None else 1,
            "retry_timer": 0 if self._retry_timer is None else 1,
        }

    # --- offline controls (s.forceOffline, s.forceOnline, s.bufferRequests) --------------------
    def force_offline(self, offline):
        self._forced = bool(offline)
        self._pump()

    def buffer_requests(self, on):
        if on:
            if self._storage.usable("session"):
                self._buffering = True
            return
        if self._buffering:
            self._buffering = False
            self._unbuffer(self._opts())
            self._pump()

    # --- unload --------------------------------------------------------------------------------
    def _page_event(self, kind):
        if kind == "hide":
            self.flush()
        elif kind == "online" and self._failures and self._retry_timer is not None:
            self._transport.clear_timeout(self._retry_timer)
            self._retry_timer = None
            self._pump()

    def flush(self):
        """The page is hidden or going away: hand every queued hit to the browser now, once."""
        opts = self._opts()
        offline = self._offline(opts)
        healthy = self._failures == 0 and not self._forced
        pending, self._pending = self._pending, []
        if offline and not healthy and pending and self._store(opts, pending):
            pending = []
        for hit in pending:
            if getattr(hit, "_edge", None) is not None:
                self._send_edge_now(hit)
                continue
            if not self._send_now(hit) and not (offline and self._store(opts, [hit])):
                self._settle(hit, FAILED, "the browser refused the request at unload")
        if not offline:
            return
        key, storage = opts.key, self._storage
        current = self._current
        if healthy and current is not None and current._stored and not current._handed:
            # In flight while the collector answers: it most likely arrives, and sending it again
            # could duplicate it, so it counts as sent. While failing it stays stored (see above).
            storage.confirm(key, current.url)
            current._handed = True
        if healthy and self._owner is not None and storage.holds(key, self._owner, self._now()):
            for url in storage.read("local", key):
                hit = self._stored_hit(url)
                if not self._send_now(hit):
                    self._waiting[url] = hit
                    break
                storage.confirm(key, url)
        if self._owner is not None:
            storage.release(key, self._owner)
        self._lease_ok = False

    # --- internals ---------------------------------------------------------------------------
    def _opts(self):
        return self._read_options() if self._read_options is not None else Options()

    def _offline(self, opts):
        return opts.offline and self._storage.usable("local")

    def _now(self):
        return self._transport.now_ms()

    def _not_sent(self, url, reason, hit=None):
        if hit is None:
            hit = Hit(url, None)
            hit._console = self._console
        hit._settle(Outcome(NOT_SENT, url, None, reason, None, hit._note), self._console)
        return hit

    def _settle(self, hit, status, reason, elapsed=None):
        hit._settle(Outcome(status, hit.url, hit.transport, reason, elapsed, hit._note), self._console)

    def _unbuffer(self, opts):
        if not self._storage.usable("session", True):
            return
        for url in self._storage.take_all("session", opts.key):
            hit = self._waiting.pop(url, None)
            if hit is None:
                hit = Hit(url, "image")
                hit._console = self._console
            self._pending.append(hit)

    def _stored_hit(self, url):
        hit = self._waiting.pop(url, None)
        if hit is None:  # stored by an earlier page or another tab: nobody holds its handle
            hit = Hit(url, "image")
            hit._console = self._console
        hit._stored = True
        return hit

    def _store(self, opts, hits):
        """Append hits to localStorage (their handles wait in _waiting). False if it failed."""
        dropped = self._storage.append("local", opts.key, [h.url for h in hits], opts.limit)
        if dropped is None:
            return False
        for hit in hits:
            if hit.outcome is None:
                self._waiting[hit.url] = hit
        for url in dropped:
            if self._console is not None:
                self._console.warn(
                    "AppMeasurement: more than offlineLimit (%d) hits stored: the oldest was dropped: %s"
                    % (opts.limit, url[:120])
                )
            hit = self._waiting.pop(url, None)
            if hit is not None:
                self._settle(hit, FAILED, "dropped: more than offlineLimit hits stored")
        return True

    def _lease(self, opts):
        """ "ours", "wait" (a settle timer is set) or "other" (another tab sends the stored hits)."""
        if self._owner is None:
            rand = self._page.random() if self._page is not None else 0.5
            self._owner = "q%d%d" % (self._now() % 100000000, int(rand * 1e9))
        now, storage, key = self._now(), self._storage, opts.key
        if self._lease_ok and storage.holds(key, self._owner, now):
            storage.claim(key, self._owner, now)
            return "ours"
        self._lease_ok = False
        if storage.claim(key, self._owner, now):
            self._retry_timer = self._transport.set_timeout(self._lease_settled, LEASE_SETTLE_MS)
            return "wait"
        if self._poll_timer is None:
            self._poll_timer = self._transport.set_timeout(self._poll_due, LEASE_POLL_MS)
        return "other"

    def _lease_settled(self):
        self._retry_timer = None
        self._lease_ok = self._storage.holds(self._opts().key, self._owner, self._now())
        if not self._lease_ok and self._poll_timer is None:
            self._poll_timer = self._transport.set_timeout(self._poll_due, LEASE_POLL_MS)
        self._pump()

    def _poll_due(self):
        self._poll_timer = None
        opts = self._opts()
        if self._waiting:
            sent = self._storage.sent(opts.key)
            for url in list(self._waiting):
                if hit_id(url) in sent:
                    hit = self._waiting.pop(url)
                    self._settle(hit, LOADED, "sent by another tab of this site")
        if self._offline(opts) and self._storage.read("local", opts.key):
            self._pump()

    def _throttled(self, opts):
        if opts.throttle_ms <= 0 or self._last_start is None:
            return False
        wait = opts.throttle_ms - (self._now() - self._last_start)
        if wait <= 0:
            return False
        self._retry_timer = self._transport.set_timeout(self._retry_due, wait)
        return True

    def _pump(self):
        if self._current is not None or self._retry_timer is not None:
            return
        opts = self._opts()
        offline = self._offline(opts)
        if self._forced:
            if offline and self._pending and self._store(opts, self._pending):
                self._pending = []
            return
        if offline:
            stored = self._storage.read("local", opts.key)
            if stored:
                state = self._lease(opts)
                if state == "wait":
                    return
                if state == "ours":
                    # Hits made now go behind the stored ones, so the collector gets them in order.
                    if self._pending and self._store(opts, self._pending):
                        self._pending = []
                    if not self._throttled(opts):
                        self._start(self._stored_hit(self._storage.read("local", opts.key)[0]))
                    return
            elif self._owner is not None and self._lease_ok:
                self._storage.release(opts.key, self._owner)
                self._lease_ok = False
        if not self._pending or (offline and self._throttled(opts)):
            return
        self._start(self._pending.pop(0))

    def _start(self, hit):
        self._current = hit
        if self.debug is not None and self.debug() and self._console is not None:
            self._console.log(debug_message(hit.url))
        transport = self._transport
        hit._started_ms = self._last_start = transport.now_ms()
        if getattr(hit, "_edge", None) is not None:
            self._send_edge(hit)
            return
        if hit.transport == "beacon":
            # A long beacon carries its query as the body too: collection servers cut long URLs.
            sent = transport.send_beacon(*post_parts(hit.url)) if len(hit.url) > GET_LIMIT else None
            if sent or (sent is None and transport.send_beacon(hit.url)):
                self._loaded(hit)
            else:
                self._failed(hit, FAILED, "the browser refused the beacon")
            return
        if len(hit.url) > GET_LIMIT:
            path, body = post_parts(hit.url)
            if len(body) > BODY_LIMIT:
                self._too_long(hit, body)
                return
            hit.transport = "post"
            hit._token = transport.send_post(
                path, body, lambda: self._loaded(hit), lambda: self._errored(hit)
            )
        else:
            hit.transport = "image"
            hit._token = transport.send_image(hit.url, lambda: self._loaded(hit), lambda: self._errored(hit))
        hit._watchdog = transport.set_timeout(lambda: self._watchdog_fired(hit), WATCHDOG_MS)

    def _too_long(self, hit, body):
        reason = "not sent: the request is %d characters, over the %d-byte limit of a POST body" % (
            len(body),
            BODY_LIMIT,
        )
        if self._console is not None:
            self._console.warn("AppMeasurement: " + reason + " (nothing was truncated): " + hit.url[:120])
        self._failed(hit, FAILED, reason, False)

    def _send_now(self, hit):
        """Beacon (or keepalive fetch) at unload; True when the browser took it. Settles the hit."""
        url, body = hit.url, None
        if len(url) > GET_LIMIT:
            url, body = post_parts(url)
            if len(body) > BODY_LIMIT:
                self._too_long(hit, body)
                return True
        transport = self._transport
        if transport.send_beacon(url, body):
            hit.transport = "beacon"
        elif transport.send_keepalive(url, body):
            hit.transport = "keepalive"
        else:
            return False
        self.callbacks.run("post", (hit.url,))
        self._settle(hit, LOADED, "handed to the browser as the page was hidden")
        return True

    def _send_edge_now(self, hit):
        """At unload: a Web SDK event has no /b/ss/ URL to beacon, so the SDK sends it as an
        unloading event. It is no longer the queue's current request: it settles by itself (a page
        that is only hidden lives on and must see its outcome)."""
        edge = hit._edge
        edge.unload()
        hit.transport = edge.transport

        def sent():
            if hit.outcome is None:
                self.callbacks.run("post", (hit.url,))
                self._settle(hit, LOADED, "sent by the Web SDK as the page was hidden")

        def failed(reason):
            if hit.outcome is None:
                self.callbacks.run("failure", (hit.url, reason))
                self._settle(hit, FAILED, reason)

        def nothing_sent(reason):
            if hit.outcome is None:
                self._settle(hit, NOT_SENT, reason)

        edge.send(sent, failed, nothing_sent)

    def _send_edge(self, hit):
        # Settles through the same _loaded/_failed as an image, so the callbacks and the Hit behave alike.
        ms = hit._edge.watchdog_ms
        hit._watchdog = self._transport.set_timeout(lambda: self._watchdog_fired(hit), ms)
        hit._edge.send(
            lambda: self._loaded(hit),
            lambda reason: self._failed(hit, FAILED, reason),
            lambda reason: self._nothing_sent(hit, reason),
        )

    def _nothing_sent(self, hit, reason):
        if hit.outcome is not None:
            return
        self._release(hit)
        hit._settle(Outcome(NOT_SENT, hit.url, hit.transport, reason, None, hit._note), self._console)
        self._pump()

    def _watchdog_fired(self, hit):
        hit._watchdog = None
        if self._current is not hit:
            return
        if hit._token is not None and self._transport.image_complete(hit._token):
            self._loaded(hit)
        else:
            edge = getattr(hit, "_edge", None)
            ms = WATCHDOG_MS if edge is None else edge.watchdog_ms
            self._failed(hit, TIMEOUT, "no answer within %d ms" % ms)

    def _errored(self, hit):
        self._failed(hit, FAILED, "the request failed (HTTP error or network)")

    def _release(self, hit):
        if hit._watchdog is not None:
            self._transport.clear_timeout(hit._watchdog)
            hit._watchdog = None
        if hit._token is not None:
            self._transport.release(hit._token)
            hit._token = None
        if self._current is hit:
            self._current = None

    def _loaded(self, hit):
        if self._current is not hit:
            return
        elapsed = self._transport.now_ms() - hit._started_ms
        self._lrt = elapsed
        self._release(hit)
        self._failures = 0
        if hit._stored and not hit._handed:
            self._storage.confirm(self._opts().key, hit.url)
        self.callbacks.run("post", (hit.url,))
        self._settle(hit, LOADED, None, elapsed)
        self._pump()

    def _failed(self, hit, status, reason, retry=True):
        if self._current is not hit:
            return
        elapsed = self._transport.now_ms() - hit._started_ms
        self._release(hit)
        opts = self._opts()
        delay = RETRY_DELAY_MS
        if retry and self._offline(opts):
            if hit._handed:  # taken as sent at unload, but the page lived on and it failed
                self._storage.unconfirm(opts.key, hit.url)
                hit._handed = False
            elif not hit._stored and self._store(opts, [hit] + self._pending):
                self._pending = []
                hit._stored = True
            if hit._stored:
                self._waiting.pop(hit.url, None)
                self._failures += 1
                delay = min(BACKOFF_FIRST_MS * (2 ** min(self._failures - 1, 10)), BACKOFF_CAP_MS)
                reason += "; kept in localStorage and retried"
                if self._owner is not None:
                    self._storage.claim(opts.key, self._owner, self._now(), delay + LEASE_MS)
        if hit.outcome is None:
            self.callbacks.run("failure", (hit.url, reason))
            self._settle(hit, status, reason, elapsed)
        self._retry_timer = self._transport.set_timeout(self._retry_due, delay)

    def _retry_due(self):
        self._retry_timer = None
        self._pump()
