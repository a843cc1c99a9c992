"""The queue stage: one request at a time per instance, in call order, and an outcome for each.

`HitQueue` is what the track call hands a built request to. It behaves like AppMeasurement.js
2.27.0 where that is observable (pre-track callbacks run synchronously once the URL is built;
requests go out one at a time per instance in call order; post-track callbacks run on the image's
onload and never on a failure; after a failure the next request waits 500 ms; a 5 s watchdog settles
a request that neither loads nor errors) and adds what AppMeasurement lacks: a `Hit` you can await
(outcome.py), a failure callback and the guards of callbacks.py.

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

RETRY_DELAY_MS = 500  # AppMeasurement waits this long after a failure before the next request
WATCHDOG_MS = 5000  # AppMeasurement settles a request that has not answered after this long


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

    def __init__(self, transport, console):
        self._transport = transport
        self._console = console
        self.callbacks = Callbacks(console)
        self._pending = []  # hits built and waiting for their turn, in call order
        self._current = None  # the hit in flight
        self._retry_timer = None  # set during the 500 ms pause after a failure
        self._lrt = None
        self.debug = None  # () -> bool: log each request as it is dequeued (s.debugTracking)

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

    # --- internals ---------------------------------------------------------------------------
    def _not_sent(self, url, reason, hit=None):
        if hit is None:
            hit = Hit(url, None)
            hit._console = self._console
        hit._settle(Outcome(NOT_SENT, url, None, reason, None, hit._note), self._console)
        return hit

    def _pump(self):
        if self._current is not None or self._retry_timer is not None or not self._pending:
            return
        hit = self._pending.pop(0)
        self._current = hit
        if self.debug is not None and self.debug() and self._console is not None:
            self._console.log(debug_message(hit.url))
        transport = self._transport
        hit._started_ms = transport.now_ms()
        if getattr(hit, "_edge", None) is not None:
            self._send_edge(hit)
            return
        if hit.transport == "beacon":
            if transport.send_beacon(hit.url):
                self._loaded(hit)
            else:
                self._failed(hit, FAILED, "the browser refused the beacon")
            return
        hit._token = transport.send_image(hit.url, lambda: self._loaded(hit), lambda: self._errored(hit))
        hit._watchdog = transport.set_timeout(lambda: self._watchdog_fired(hit), WATCHDOG_MS)

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
        if hit.outcome is not None:
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
        if hit.outcome is not None:
            return
        elapsed = self._transport.now_ms() - hit._started_ms
        self._lrt = elapsed
        self._release(hit)
        self.callbacks.run("post", (hit.url,))
        hit._settle(Outcome(LOADED, hit.url, hit.transport, None, elapsed, hit._note), self._console)
        self._pump()

    def _failed(self, hit, status, reason):
        if hit.outcome is not None:
            return
        elapsed = self._transport.now_ms() - hit._started_ms
        self._release(hit)
        self.callbacks.run("failure", (hit.url, reason))
        hit._settle(Outcome(status, hit.url, hit.transport, reason, elapsed, hit._note), self._console)
        self._retry_timer = self._transport.set_timeout(self._retry_due, RETRY_DELAY_MS)

    def _retry_due(self):
        self._retry_timer = None
        self._pump()
