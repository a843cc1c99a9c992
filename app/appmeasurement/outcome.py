"""What happened to one hit: the ``Outcome`` it resolves with and the awaitable ``Hit`` handle.

``s.t()`` / ``s.tl()`` return a ``Hit`` at once; it settles exactly once, after the hit's callbacks,
with an ``Outcome`` (loaded, failed, timeout or not_sent).

    >>> hit = Hit("http://c/b/ss/r/1/JS-2.27.0/s1?AQB=1&AQE=1", "image")
    >>> seen = []
    >>> hit.add_done_callback(seen.append)
    >>> hit._settle(Outcome(LOADED, hit.url, "image", None, 12), None)
    >>> seen[0].ok, seen[0].elapsed_ms, hit.done
    (True, 12, True)
"""

import sys

from .callbacks import run_isolated

# Outcome statuses: each hit resolves exactly once with one of these.
LOADED = "loaded"  # sent, and the image loaded (or the browser accepted the beacon)
FAILED = "failed"  # sent, and the request failed (onerror: HTTP error, network, refused beacon)
TIMEOUT = "timeout"  # sent, and neither loaded nor failed within the watchdog's 5 s
NOT_SENT = "not_sent"  # never sent: aborted, nothing to send, or refused by the loop guard


class Outcome:
    """What happened to one hit. `ok` is True only for LOADED."""

    def __init__(self, status, url, transport, reason=None, elapsed_ms=None, note=None):
        self.status = status
        self.url = url
        self.transport = transport
        self.reason = reason
        self.elapsed_ms = elapsed_ms
        self.ok = status == LOADED
        # Something worth knowing about a hit whatever its status, e.g. that it was sent without
        # waiting any longer for the visitor ids (readiness.py); None otherwise.
        self.note = note

    def as_dict(self):
        return {
            "status": self.status,
            "ok": self.ok,
            "url": self.url,
            "transport": self.transport,
            "reason": self.reason,
            "elapsed_ms": self.elapsed_ms,
            "note": self.note,
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
        self._note = None  # becomes Outcome.note
        self._stored = False  # its URL is in localStorage (storage.py) while it waits or is in flight
        self._handed = False  # taken as sent at unload while in flight
        self._events = []  # one asyncio.Event per wait() in progress

    @property
    def done(self):
        return self.outcome is not None

    def add_done_callback(self, fn):
        """Run fn(outcome) once the hit settles (at once if it already has)."""
        if not callable(fn):
            raise TypeError("add_done_callback: fn must be callable, got %r" % (fn,))
        if self.outcome is not None:
            run_isolated(self._console, "done callback", fn, (self.outcome,))
        else:
            self._done_callbacks.append(fn)

    def _settle(self, outcome, console):
        if self.outcome is not None:
            return
        self.outcome = outcome
        callbacks, self._done_callbacks = self._done_callbacks, []
        for fn in callbacks:
            run_isolated(console, "done callback", fn, (outcome,))
        if self._event is not None:
            self._event.set()
        for event in self._events:
            event.set()

    async def _wait(self):
        if self.outcome is None:
            if self._event is None:
                import asyncio

                self._event = asyncio.Event()
            await self._event.wait()
        return self.outcome

    async def wait(self, timeout_s=None):
        """The outcome, waiting at most ``timeout_s`` seconds (None: as long as it takes).

        Raises ``asyncio.TimeoutError`` when the time is up (the builtin TimeoutError in CPython and
        Pyodide); the hit itself goes on and may still settle later. Works where
        ``asyncio.wait_for(hit, t)`` does not: MicroPython's wait_for takes coroutines only.
        """
        if self.outcome is not None:
            return self.outcome
        import asyncio

        if timeout_s is None:
            return await self._wait()
        event = asyncio.Event()
        self._events.append(event)
        timer = asyncio.create_task(_set_after(event, timeout_s))
        try:
            await event.wait()
        finally:
            timer.cancel()
            if event in self._events:
                self._events.remove(event)
        if self.outcome is None:
            raise asyncio.TimeoutError("the hit had no outcome within %s s" % (timeout_s,))
        return self.outcome

    def __await__(self):
        coro = self._wait()
        # MicroPython's coroutines are generators with no __await__; its `await` calls __iter__.
        return coro.__await__() if hasattr(coro, "__await__") else coro

    if sys.implementation.name == "micropython":
        __iter__ = __await__

    def __repr__(self):
        # url is None until a deferred hit is built, and for a hit that was never built.
        return "Hit(%r, outcome=%r)" % ((self.url or "")[:80], self.outcome)


async def _set_after(event, seconds):
    import asyncio

    await asyncio.sleep(seconds)
    event.set()
