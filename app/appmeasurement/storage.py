"""The storage stage: hits kept in localStorage / sessionStorage, and who may send them.

AppMeasurement.js 2.27.0 keeps failed requests (``s.trackOffline``) in ``localStorage`` and buffered
ones (``s.bufferRequests()``) in ``sessionStorage``, both under ``storageFilename + "-" +
visitorNamespace + account`` (``AppMeasurement.requests-undefinedmyrsid`` with no namespace) as a
JSON array of the exact request URLs. We read and write that same key and format, so hits stored by
either library are sent by the other, and add two keys of our own next to it:

``<key>.lease``  ``"<owner> <until_ms>"``: the one tab (queue) allowed to send the stored hits. A tab
                 takes a free or expired lease, waits ``LEASE_SETTLE_MS`` and reads it back before it
                 sends anything: localStorage has no lock across tabs (Chromium syncs renderer
                 processes asynchronously), so two tabs claiming at once both write, the last write
                 wins, and only the tab that reads back its own claim sends.
``<key>.sent``   the ids (cache busters) of the last ``SENT_KEPT`` stored hits the collector accepted:
                 a tab that rewrites the array from an older read cannot bring one of them back.

    >>> from appmeasurement.testing import StaticEnvironment
    >>> page = StaticEnvironment()
    >>> box = Storage(page, None)
    >>> key = storage_key("AppMeasurement.requests", None, "myrsid")
    >>> key
    'AppMeasurement.requests-undefinedmyrsid'
    >>> box.append("local", key, ["http://c/b/ss/myrsid/1/JS-2.27.0/s1?AQB=1&AQE=1"], 10)
    []
    >>> page.local[key]
    '["http://c/b/ss/myrsid/1/JS-2.27.0/s1?AQB=1&AQE=1"]'
    >>> box.confirm(key, "http://c/b/ss/myrsid/1/JS-2.27.0/s1?AQB=1&AQE=1"); key in page.local
    False
"""

from .jsvalues import js_string, js_truthy

LEASE_MS = 15000  # a lease not renewed for this long is free: its tab went away without saying so
LEASE_SETTLE_MS = 50  # wait this long after claiming a lease before trusting it (cross-process sync)
LEASE_POLL_MS = 1000  # a tab waiting for another tab's lease looks again this often
SENT_KEPT = 50  # how many confirmed stored hits the tombstone list remembers
DEFAULT_LIMIT = 10  # AppMeasurement's offlineLimit default


def storage_key(filename, namespace, account):
    """``storageFilename + "-" + visitorNamespace + account``, as JS concatenates them."""
    name = js_string(filename) if js_truthy(filename) else "AppMeasurement.requests"
    ns = "undefined" if namespace is None else js_string(namespace)
    return name + "-" + ns + js_string(account)


def _json():
    """The json module, imported when a hit is first stored or read back. Under MicroPython each
    ``import json`` looks for a json module on the page's file system before it takes the built-in
    one (~0.5 ms of the package's import), and most pages never store a hit."""
    module = _modules.get("json")
    if module is None:
        import json as module

        _modules["json"] = module
    return module


_modules = {}


def hit_id(url):
    """A hit's id: its cache-buster path segment (``s`` + digits), unique per hit."""
    path = url.split("?", 1)[0]
    return path.rsplit("/", 1)[-1]


class Options:
    """What the queue reads from the tracker before each request (``s.trackOffline`` ...)."""

    def __init__(self, offline=False, limit=DEFAULT_LIMIT, throttle_ms=0, key="AppMeasurement.requests-"):
        self.offline = offline
        self.limit = limit
        self.throttle_ms = throttle_ms
        self.key = key


def options(s):
    """The offline settings of tracker ``s``. ``offlineLimit`` is what AppMeasurement reads; the
    documented ``offlineHitLimit`` is accepted too (``offlineLimit`` wins when both are set)."""
    limit = s.offlineLimit if js_truthy(s.offlineLimit) else s.offlineHitLimit
    try:
        limit = int(limit) if js_truthy(limit) else 0
    except (TypeError, ValueError):
        limit = 0
    try:
        throttle = int(s.offlineThrottleDelay) if js_truthy(s.offlineThrottleDelay) else 0
    except (TypeError, ValueError):
        throttle = 0
    return Options(
        js_truthy(s.trackOffline),
        limit if limit > 0 else DEFAULT_LIMIT,
        throttle if throttle > 0 else 0,
        storage_key(s.storageFilename, s.visitorNamespace, s.account),
    )


class Storage:
    """The page's storage areas ("local", "session") as lists of URLs, leases and tombstones.

    Never raises: an unavailable or full storage makes ``usable`` False from then on, with one
    console warning, and tracking goes on in memory.
    """

    def __init__(self, page, console):
        self._page = page
        self._console = console
        self._broken = {}  # area -> True once a read or write failed
        self._ok = {}  # area -> True once it was found available (the probe writes, so it runs once)

    def usable(self, area, quiet=False):
        """Whether ``area`` can be used; the first time it cannot, one warning (unless quiet)."""
        if self._page is None or self._broken.get(area) or not hasattr(self._page, "storage_available"):
            return False
        if self._ok.get(area):
            return True
        try:
            ok = self._ok[area] = bool(self._page.storage_available(area))
        except Exception:
            ok = False
        if not ok and not quiet:
            self._fail(area, "is not available")
        return ok

    def _fail(self, area, what):
        if not self._broken.get(area):
            self._broken[area] = True
            if self._console is not None:
                self._console.warn(
                    "AppMeasurement: %sStorage %s: hits are kept in memory only on this page "
                    "(tracking goes on; this warning is shown once)" % (area, what)
                )

    def _get(self, area, key):
        try:
            return self._page.storage_get(area, key)
        except Exception:
            self._fail(area, "cannot be read")
            return None

    def _set(self, area, key, value):
        try:
            ok = self._page.storage_set(area, key, value)
        except Exception:
            ok = False
        if not ok:
            self._fail(area, "is full or refused a write")
        return bool(ok)

    def _remove(self, area, key):
        try:
            self._page.storage_remove(area, key)
        except Exception:
            self._fail(area, "refused a removal")

    # --- the URL arrays --------------------------------------------------------------------------
    def read(self, area, key):
        """The stored URLs, oldest first, without those already confirmed (never raises)."""
        text = self._get(area, key)
        if not text:
            return []
        try:
            urls = _json().loads(text)
        except ValueError:
            return []
        if not isinstance(urls, list):
            return []
        sent = self.sent(key) if area == "local" else []
        return [u for u in urls if isinstance(u, str) and hit_id(u) not in sent]

    def write(self, area, key, urls):
        if urls:
            return self._set(area, key, _json().dumps(urls))
        self._remove(area, key)
        return True

    def append(self, area, key, urls, limit=None):
        """Add urls after the stored ones; beyond ``limit`` the oldest go. Returns the URLs dropped,
        or None when the write failed (nothing is stored then)."""
        stored = self.read(area, key)
        for url in urls:
            if url not in stored:
                stored.append(url)
        dropped = []
        if limit is not None and len(stored) > limit:
            dropped = stored[: len(stored) - limit]
            stored = stored[len(stored) - limit :]
        return dropped if self.write(area, key, stored) else None

    def take_all(self, area, key):
        """Read and remove (sessionStorage's buffered hits)."""
        urls = self.read(area, key)
        if urls:
            self._remove(area, key)
        return urls

    def confirm(self, key, url):
        """The collector accepted stored ``url``: drop it from the array and remember its id."""
        sent = self.sent(key)
        ident = hit_id(url)
        if ident not in sent:
            sent.append(ident)
            self._set("local", key + ".sent", _json().dumps(sent[-SENT_KEPT:]))
        self.write("local", key, [u for u in self.read("local", key) if u != url])

    def unconfirm(self, key, url):
        """A hit taken as sent turned out to fail: forget its id and put it back at the head."""
        ident = hit_id(url)
        sent = [i for i in self.sent(key) if i != ident]
        self._set("local", key + ".sent", _json().dumps(sent))
        stored = [u for u in self.read("local", key) if u != url]
        self.write("local", key, [url] + stored)

    def sent(self, key):
        text = self._get("local", key + ".sent")
        try:
            ids = _json().loads(text) if text else []
        except ValueError:
            ids = []
        return [i for i in ids if isinstance(i, str)] if isinstance(ids, list) else []

    # --- the lease ---------------------------------------------------------------------------------
    def lease(self, key):
        """(owner, until_ms) of the current lease, or (None, 0)."""
        text = self._get("local", key + ".lease") or ""
        parts = text.split(" ")
        if len(parts) != 2:
            return None, 0
        try:
            return parts[0], int(parts[1])
        except ValueError:
            return None, 0

    def claim(self, key, owner, now_ms, hold_ms=LEASE_MS):
        """Take (or renew) the lease unless another owner holds a live one. True when written."""
        holder, until = self.lease(key)
        if holder is not None and holder != owner and until > now_ms:
            return False
        return self._set("local", key + ".lease", owner + " " + str(now_ms + hold_ms))

    def holds(self, key, owner, now_ms):
        holder, until = self.lease(key)
        return holder == owner and until > now_ms

    def release(self, key, owner):
        if self.lease(key)[0] == owner:
            self._remove("local", key + ".lease")
