"""Automatic click tracking and forced link tracking, as AppMeasurement.js 2.27.0's body listener.

Every tracker listens to clicks on ``document.body`` (the environment's ``listen_clicks``; in a
browser a capture and a bubble listener where the user agent contains ``WebKit``, which turns
``s.useForcedLinkTracking`` on, else the bubble listener only). A click runs ``s.t()`` with
``s.clickObject`` set to the event target: links.py finds the clickable element and derives a
download (``d``) or exit (``e``) type, which sends a link hit; any other click sends nothing and only
stores its ActivityMap data in ``s_sq`` (activitymap.py). A second click on the same target within
10 s does nothing at all.

Forced link tracking: when the click queued a request, forced tracking is on and the element is an
``A``/``AREA`` whose href can be followed in this window, the click is stopped and a clone of it is
dispatched on the same target once the hit settles, so the page leaves after the hit. Unlike
AppMeasurement (which waits up to its 5 s watchdog for a hanging collector), the clone is dispatched
at the latest ``forcedLinkTrackingTimeout`` (default 250 ms) after the click.

``s.clickTracking`` is the tracker's ClickTracking; ``s.clickTracking.on_hit = fn`` (this library's
extension) receives the awaitable ``Hit`` of every click that sent one.

The event contract (``browser._ClickEvent``; ``testing.FakeClickEvent``):
``target`` the raw event target; ``window_name`` (``window.name``); ``dispatchable`` (the target has
``dispatchEvent``); ``overlay_open()`` (ClickMap's overlay ``#cppXYctnr`` is open); ``is_replay(i)``
(the event is instance ``i``'s clone, ``s_fe_<i>``); ``same_target(node)``; ``stop()``
(stopPropagation, stopImmediatePropagation, preventDefault); ``replay(i)`` -> an object whose
``dispatch()`` dispatches the clone on the target.

    >>> from appmeasurement import AppMeasurement
    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> env, transport = StaticEnvironment(webkit=True), FakeTransport()
    >>> s = AppMeasurement("r", env, transport)
    >>> s.trackingServer, s.trackDownloadLinks, s.useForcedLinkTracking = "c.test", True, 1
    >>> event = env.click(env.make_anchor("/files/a.pdf"))
    >>> transport.images[0].url.split("&")[7:9], event.default_prevented
    (['pe=lnk_d', 'pev1=http%3A%2F%2FHARNESS%2Ffiles%2Fa.pdf'], True)
    >>> transport.load(transport.images[0]); event.replays[0].dispatched  # the page may now leave
    1
"""

from .jsvalues import js_string, js_truthy, to_number

SAME_TARGET_MS = 10000  # a second click on the same target within this long is ignored
FORCED_TIMEOUT_MS = 250  # forcedLinkTrackingTimeout's default
_SAME_WINDOW = ("_self", "_top", "_parent")
_NOT_FOLLOWABLE = ("#", "about:", "opera:", "javascript:")


def install(s):
    """Start listening to the page's clicks for tracker ``s`` (called by its constructor)."""
    tracking = ClickTracking(s)
    listen = getattr(s._env, "listen_clicks", None)
    if listen is not None:
        listen(tracking)
    return tracking


def followable(href):
    """Whether a link's href leads somewhere when followed (AppMeasurement's ``ab``)."""
    lower = js_string(href).lower()
    for prefix in _NOT_FOLLOWABLE:
        if lower.startswith(prefix):
            return False
    return bool(lower)


class ClickTracking:
    """One tracker's click listener state (AppMeasurement's ``u``, ``O``, ``L`` and ``ia``)."""

    def __init__(self, s):
        self.s = s
        self.listener = None
        self.both = False  # both listeners registered, the first click has not decided yet (``Ta``)
        self.previous = None  # the last click's target, for 10 s (``O``)
        self._previous_timer = None
        self._replay = None  # the stopped click's clone (``L``)
        self._replay_timer = None
        self.delayed = 0  # forced clicks so far (for tests and the demo)
        self.on_hit = None  # fn(hit): this library's extension, the Hit of each click that sent one

    def _timers(self):
        return self.s._queue.transport

    # --- listener --------------------------------------------------------------------------------
    def attached(self, listener):
        """The body listeners are registered; with both of them forced tracking is on."""
        self.listener = listener
        if listener.webkit:
            self.both = True
            self.s.useForcedLinkTracking = 1

    def click(self, event):
        """One click, handled synchronously during its dispatch."""
        s = self.s
        index = s._state.index
        if event.overlay_open() or event.is_replay(index):
            return
        if self.both:
            # The first click decides which listener stays: the capture one while forced
            # tracking is on (it runs before the page's own handlers can navigate), else the
            # bubble one, which then handles this same click.
            if js_truthy(s.useForcedLinkTracking):
                self.listener.remove(False)
            else:
                self.listener.remove(True)
                self.both = False
                s.useForcedLinkTracking = 0
                return
        else:
            s.useForcedLinkTracking = 0
        target = event.target
        s.clickObject = target
        try:
            if (
                not js_truthy(target)
                or (self.previous is not None and event.same_target(self.previous))
                or s._env.element_info(target) is None
            ):
                s.clickObject = 0
                return
            self._remember(target)
            before = self._queued()
            hit = s.t()
            if before < self._queued() and js_truthy(s.useForcedLinkTracking):
                self._force(event, hit)
            if self.on_hit is not None and hit.transport is not None:
                self.on_hit(hit)
        except Exception as exc:  # never break the page's click
            s.clickObject = 0
            s._env.warn("AppMeasurement: automatic click tracking failed: %r" % (exc,))

    def _queued(self):
        stats = self.s._queue.stats()
        return stats["pending"] + stats["in_flight"]

    def _remember(self, target):
        timers = self._timers()
        self.previous = target
        if self._previous_timer is not None:
            timers.clear_timeout(self._previous_timer)
        self._previous_timer = timers.set_timeout(lambda: self._forget(target), SAME_TARGET_MS)

    def _forget(self, target):
        self._previous_timer = None
        if self.previous is target:
            self.previous = None

    # --- forced link tracking ----------------------------------------------------------------
    def _force(self, event, hit):
        s = self.s
        info = s._env.element_info(event.target)
        while info is not None and info.node_name != "BODY" and info.tag_name.upper() not in ("A", "AREA"):
            info = info.parent
        if info is None or info.tag_name.upper() not in ("A", "AREA"):
            return
        href = info.href
        where = info.target
        if not (followable(href) and event.dispatchable):
            return
        if where and where not in _SAME_WINDOW and not (event.window_name and where == event.window_name):
            return  # a new window: the page stays, nothing to wait for
        replay = event.replay(s._state.index)
        event.stop()
        s.bodyClickTarget = event.target
        self._replay = replay
        self.delayed += 1
        # Better than AppMeasurement: the page never waits longer than forcedLinkTrackingTimeout
        # for the hit (AppMeasurement waits for a request to settle, up to its 5 s watchdog).
        timeout = to_number(s.forcedLinkTrackingTimeout) if js_truthy(s.forcedLinkTrackingTimeout) else None
        if not timeout or timeout < 0:
            timeout = FORCED_TIMEOUT_MS
        self._replay_timer = self._timers().set_timeout(self.settled, timeout)
        hit.add_done_callback(lambda _outcome: self.settled())

    def settled(self, *_):
        """The click's hit settled or the timeout passed: let the click go on (``ia``), once."""
        if self._replay_timer is not None:
            self._timers().clear_timeout(self._replay_timer)
            self._replay_timer = None
        replay, self._replay = self._replay, None
        target = self.s.bodyClickTarget
        if replay is None:
            return
        self.s.bodyClickTarget = None
        if target is not None:
            replay.dispatch()
