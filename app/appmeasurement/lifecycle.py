"""The hit lifecycle: callbacks around each hit, one request at a time, and an outcome per hit.

`HitQueue` is what `s.t()` / `s.tl()` hand a built request to. It behaves like AppMeasurement.js
2.27.0 where that is observable (pre-track callbacks run synchronously once the URL is built;
requests go out one at a time per instance in call order; post-track callbacks run on the image's
onload and never on a failure; after a failure the next request waits 500 ms; a 5 s watchdog settles
a request that neither loads nor errors) and adds what AppMeasurement lacks: a `Hit` handle you can
await, a failure callback, a guard against tracking from inside a callback, duplicate-registration
protection and callbacks that may take fewer arguments than they are given.

    queue = HitQueue(FakeTransport(), console)
    queue.register("post", on_sent, ("extra",))          # on_sent(url, "extra") after onload
    hit = queue.track(lambda: ("http://c/b/ss/r/1/JS-2.27.0/s1?AQB=1&AQE=1", False))
    outcome = await hit                                   # Outcome(status="loaded", ...)
"""

import sys

# Outcome statuses: each hit resolves exactly once with one of these.
LOADED = "loaded"  # sent, and the image loaded (or the browser accepted the beacon)
FAILED = "failed"  # sent, and the request failed (onerror: HTTP error, network, refused beacon)
TIMEOUT = "timeout"  # sent, and neither loaded nor failed within the watchdog's 5 s
NOT_SENT = "not_sent"  # never sent: aborted, nothing to send, or refused by the loop guard

RETRY_DELAY_MS = 500  # AppMeasurement waits this long after a failure before the next request
WATCHDOG_MS = 5000  # AppMeasurement settles a request that has not answered after this long

_KINDS = {
    "pre": "registerPreTrackCallback",
    "post": "registerPostTrackCallback",
    "failure": "registerFailureTrackCallback",
}


class Outcome:
    """What happened to one hit. `ok` is True only for LOADED."""

    def __init__(self, status, url, transport, reason=None, elapsed_ms=None):
        self.status = status
        self.url = url
        self.transport = transport
        self.reason = reason
        self.elapsed_ms = elapsed_ms
        self.ok = status == LOADED

    def as_dict(self):
        return {
            "status": self.status,
            "ok": self.ok,
            "url": self.url,
            "transport": self.transport,
            "reason": self.reason,
            "elapsed_ms": self.elapsed_ms,
        }

    def __repr__(self):
        return "Outcome(status=%r, reason=%r, transport=%r, elapsed_ms=%r)" % (
            self.status,
            self.reason,
            self.transport,
            self.elapsed_ms,
        )


class Hit:
    """The handle `s.t()` / `s.tl()` return: awaitable, resolves exactly once with an `Outcome`.

    `await hit` works in CPython, Pyodide and MicroPython; `hit.add_done_callback(fn)` works without
    an event loop.
    """

    def __init__(self, url, transport):
        self.url = url
        self.transport = transport
        self.outcome = None
        self._event = None
        self._done_callbacks = []
        self._console = None
        # Set while in flight; cleared at settle so nothing of the request outlives it.
        self._token = None
        self._watchdog = None
        self._started_ms = None

    @property
    def done(self):
        return self.outcome is not None

    def add_done_callback(self, fn):
        """Run fn(outcome) once the hit settles (at once if it already has)."""
        if not callable(fn):
            raise TypeError("add_done_callback: fn must be callable, got %r" % (fn,))
        if self.outcome is not None:
            _run_isolated(self._console, "done callback", fn, (self.outcome,))
        else:
            self._done_callbacks.append(fn)

    def _settle(self, outcome, console):
        if self.outcome is not None:
            return
        self.outcome = outcome
        callbacks, self._done_callbacks = self._done_callbacks, []
        for fn in callbacks:
            _run_isolated(console, "done callback", fn, (outcome,))
        if self._event is not None:
            self._event.set()

    async def _wait(self):
        if self.outcome is None:
            if self._event is None:
                import asyncio

                self._event = asyncio.Event()
            await self._event.wait()
        return self.outcome

    def __await__(self):
        coro = self._wait()
        # MicroPython's coroutines are generators with no __await__; its `await` calls __iter__.
        return coro.__await__() if hasattr(coro, "__await__") else coro

    if sys.implementation.name == "micropython":
        __iter__ = __await__

    def __repr__(self):
        return "Hit(%r, outcome=%r)" % (self.url[:80], self.outcome)


class _Registration:
    def __init__(self, fn, args):
        self.fn = fn
        self.args = args
        self.arity = _max_positional(fn)  # None: unknown, learnt on the first call if need be
        self.name = getattr(fn, "__name__", None) or repr(fn)


class HitQueue:
    """One instance's callbacks and request queue. See the module docstring."""

    def __init__(self, transport, console):
        self._transport = transport
        self._console = console
        self._callbacks = {"pre": [], "post": [], "failure": []}
        self._pending = []  # hits built and waiting for their turn, in call order
        self._current = None  # the hit in flight
        self._retry_timer = None  # set during the 500 ms pause after a failure
        self._lrt = None
        self._in_user_code = 0  # >0 while a callback or the build's doPlugins runs

    # --- registration ------------------------------------------------------------------------
    def register(self, kind, fn, args=()):
        """Register fn for "pre", "post" or "failure". Returns False for a duplicate."""
        api = _KINDS[kind]
        if not callable(fn):
            raise TypeError("%s: fn must be callable, got %r (%s)" % (api, fn, type(fn).__name__))
        args = tuple(args)
        for existing in self._callbacks[kind]:
            if _same(existing.fn, fn) and _same(existing.args, args):
                self._console.warn(
                    "AppMeasurement: %s: %s is already registered with these arguments; "
                    "registered once" % (api, existing.name)
                )
                return False
        self._callbacks[kind].append(_Registration(fn, args))
        return True

    # --- tracking ----------------------------------------------------------------------------
    def track(self, build):
        """Build a request with build() -> (url, use_beacon) | None, then queue it. Returns a Hit."""
        if self._in_user_code:
            self._console.warn(
                "AppMeasurement: a tracking call (s.t/s.tl) made from inside a track callback or "
                "doPlugins was refused: it would loop forever. Nothing was sent."
            )
            return self._not_sent(None, "refused: tracking call from inside a callback")
        self._in_user_code += 1
        try:
            built = build()
        finally:
            self._in_user_code -= 1
        if built is None:
            return self._not_sent(None, "aborted: nothing to send")
        url, use_beacon = built
        hit = Hit(url, "beacon" if use_beacon else "image")
        hit._console = self._console
        self._run("pre", (url,))
        self._pending.append(hit)
        self._pump()
        return hit

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
    def _not_sent(self, url, reason):
        hit = Hit(url, None)
        hit._console = self._console
        hit._settle(Outcome(NOT_SENT, url, None, reason), self._console)
        return hit

    def _pump(self):
        if self._current is not None or self._retry_timer is not None or not self._pending:
            return
        hit = self._pending.pop(0)
        self._current = hit
        transport = self._transport
        hit._started_ms = transport.now_ms()
        if hit.transport == "beacon":
            if transport.send_beacon(hit.url):
                self._loaded(hit)
            else:
                self._failed(hit, FAILED, "the browser refused the beacon")
            return
        hit._token = transport.send_image(hit.url, lambda: self._loaded(hit), lambda: self._errored(hit))
        hit._watchdog = transport.set_timeout(lambda: self._watchdog_fired(hit), WATCHDOG_MS)

    def _watchdog_fired(self, hit):
        hit._watchdog = None
        if hit.outcome is not None:
            return
        if hit._token is not None and self._transport.image_complete(hit._token):
            self._loaded(hit)
        else:
            self._failed(hit, TIMEOUT, "no answer within %d ms" % WATCHDOG_MS)

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
        self._run("post", (hit.url,))
        hit._settle(Outcome(LOADED, hit.url, hit.transport, None, elapsed), self._console)
        self._pump()

    def _failed(self, hit, status, reason):
        if hit.outcome is not None:
            return
        elapsed = self._transport.now_ms() - hit._started_ms
        self._release(hit)
        self._run("failure", (hit.url, reason))
        hit._settle(Outcome(status, hit.url, hit.transport, reason, elapsed), self._console)
        self._retry_timer = self._transport.set_timeout(self._retry_due, RETRY_DELAY_MS)

    def _retry_due(self):
        self._retry_timer = None
        self._pump()

    def _run(self, kind, leading):
        api = _KINDS[kind]
        self._in_user_code += 1
        try:
            for reg in list(self._callbacks[kind]):
                _run_isolated(self._console, api + " callback " + reg.name, None, leading, reg)
        finally:
            self._in_user_code -= 1


# --- calling user code ---------------------------------------------------------------------------
def _same(a, b):
    try:
        return a is b or bool(a == b)
    except Exception:
        return False


def _max_positional(fn):
    """How many positional arguments fn takes, or None if it is unknown or unlimited (*args).

    CPython and Pyodide expose `__code__.co_argcount`; MicroPython does not, so there the count is
    learnt from the call itself (see _invoke).
    """
    skip = 0
    func = getattr(fn, "__func__", None)  # a bound method (it forwards __code__): `self` is bound
    if func is not None:
        code, skip = getattr(func, "__code__", None), 1
    else:
        code = getattr(fn, "__code__", None)
    if code is None and func is None:
        call = getattr(type(fn), "__call__", None)  # noqa: B004 (the method itself: its __code__)
        if call is not None:
            code, skip = getattr(call, "__code__", None), 1
    argcount = getattr(code, "co_argcount", None)
    if argcount is None or getattr(code, "co_flags", 0) & 0x04:  # 0x04: CO_VARARGS
        return None
    return max(0, argcount - skip)


def _is_arity_error(exc, given):
    # The interpreter's own message for a call with too many arguments, naming the count we passed:
    # a TypeError raised inside the callback almost never says exactly this, and then it is re-raised.
    # MicroPython counts a bound method's `self` in that number, hence given + 1 too.
    text = str(exc)
    if "positional argument" not in text:
        return False
    for count in (given, given + 1):
        if ("but %d were given" % count) in text or ("but %d was given" % count) in text:
            return True
    return False


def _invoke(reg, args):
    if reg.arity is not None:
        return reg.fn(*args[: reg.arity])
    try:
        result = reg.fn(*args)
    except TypeError as exc:
        if not args or not _is_arity_error(exc, len(args)):
            raise
        for count in range(len(args) - 1, -1, -1):
            try:
                result = reg.fn(*args[:count])
            except TypeError as inner:
                if count and _is_arity_error(inner, count):
                    continue
                raise
            reg.arity = count
            return result
        raise
    return result


def _run_isolated(console, what, fn, args, reg=None):
    """Call user code; an exception is reported with its traceback and goes no further."""
    try:
        if reg is not None:
            _invoke(reg, tuple(args) + reg.args)
        else:
            fn(*args)
    except Exception as exc:
        message = "AppMeasurement: %s raised %s\n%s" % (what, type(exc).__name__, format_exception(exc))
        if console is not None:
            console.error(message)
        else:
            print(message)


def format_exception(exc):
    """The traceback text of exc, on CPython/Pyodide and on MicroPython."""
    try:
        import traceback

        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    except ImportError:
        import io

        buf = io.StringIO()
        sys.print_exception(exc, buf)
        return buf.getvalue()
