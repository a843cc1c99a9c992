"""How a built request leaves the page, as an interface the queue can drive anywhere.

The queue (`lifecycle.HitQueue`) never touches the browser: it asks a *transport* to send an image
or a beacon and a *timers* object for timeouts. `browser.py` implements both with `Image`,
`navigator.sendBeacon` and `setTimeout`; `FakeTransport` implements both in memory with a manual
clock, so the whole lifecycle is unit-testable in CPython.

    transport = FakeTransport()
    token = transport.send_image("http://c/b/ss/r/1/JS-2.27.0/s1?AQB=1&AQE=1", on_load, on_error)
    transport.load(token)          # the collector answered with the GIF: on_load() runs
    transport.advance(5000)        # fire every timer due in the next 5 s
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


class _FakeImage:
    def __init__(self, url, on_load, on_error):
        self.url = url
        self.on_load = on_load
        self.on_error = on_error
        self.complete = False
        self.released = False


class FakeTransport:
    """An in-memory transport and clock for tests: nothing happens until the test says so."""

    def __init__(self, beacon_accepts=True):
        self.clock_ms = 1_700_000_000_000
        self.images = []  # every _FakeImage sent, in order
        self.beacons = []  # every beacon URL, in order
        self.beacon_accepts = beacon_accepts
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

    def send_beacon(self, url):
        self.beacons.append(url)
        return self.beacon_accepts

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
