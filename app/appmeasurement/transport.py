"""How a built request leaves the page, as an interface the queue can drive anywhere.

The queue (`lifecycle.HitQueue`) never touches the browser: it asks a *transport* to send an image,
a POST or a beacon and a *timers* object for timeouts. `browser.py` implements both with `Image`,
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
    send_post(url, body, on_load, on_error) -> token
        A long hit (over lifecycle.GET_LIMIT characters): POST ``body`` (form-urlencoded) to ``url``
        (the path, no query), with credentials. on_load() on a 200, on_error() otherwise; the same
        rules as send_image (the browser: XMLHttpRequest, as AppMeasurement does).
    send_beacon(url, body=None) -> bool
        navigator.sendBeacon(url[, body]): True when the browser queued it (False, never an
        exception, when it refuses, e.g. over its size quota).
    send_keepalive(url, body=None) -> bool
        fetch(url, {keepalive: true}) (a POST when there is a body), the unload path's fallback
        when a beacon is refused; its answer is not read. True when the browser took it.
    set_timeout(fn, ms) -> token ; clear_timeout(token)
    now_ms() -> int
    """
