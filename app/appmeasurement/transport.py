"""How a built request leaves the page, as an interface the queue can drive anywhere.

The queue (`lifecycle.HitQueue`) never touches the browser: it asks a *transport* to send an image
or a beacon and a *timers* object for timeouts. `browser.py` implements both with `Image`,
`navigator.sendBeacon` and `setTimeout`; `testing.FakeTransport` implements both in memory with a
manual clock, so the whole lifecycle is unit-testable in CPython.

    >>> from appmeasurement.testing import FakeTransport
    >>> transport, seen = FakeTransport(), []
    >>> url = "http://c/b/ss/r/1/JS-2.27.0/s1?AQB=1&AQE=1"
    >>> token = transport.send_image(url, lambda: seen.append("load"), lambda: seen.append("error"))
    >>> transport.load(token)  # the test says the collector answered; a browser says it itself
    >>> transport.release(token); seen
    ['load']
"""


class Transport:
    """The interface (documentation only: the queue duck-types it).

    send_image(url, on_load, on_error) -> token
        Start an image request. Exactly one of on_load() / on_error() is called later, at most once,
        never synchronously from inside send_image.
    image_complete(token) -> bool
        Whether the image finished loading (the watchdog treats a complete image as loaded).
    release(token)
        The request is settled: drop its handlers and any JS proxies. Later events are ignored.
    send_beacon(url) -> bool
        navigator.sendBeacon(url) with an empty body: True when the browser queued it.
    set_timeout(fn, ms) -> token ; clear_timeout(token)
    now_ms() -> int
    """
