"""The one boundary to JavaScript: the page's facts and its ways of sending a request.

Everything else in the package is plain Python that runs in CPython too; this module alone imports
`js` and `pyscript.ffi`, and it runs on the main thread (Image and document are not reachable from
a worker without cross-origin isolation).

    from appmeasurement.browser import BrowserEnvironment, BrowserTransport
    env, transport = BrowserEnvironment(), BrowserTransport()
    token = transport.send_image(url, on_load, on_error)   # a real `new Image()` beacon

Every JS proxy made for a request is destroyed when the request settles (`release`) and every timer
proxy when its timer fires or is cleared: `live_proxies()` counts what is still alive, so leaks show.
"""

import js
from pyscript.ffi import create_proxy

_live = {"proxies": 0}


def live_proxies():
    """How many proxies this module created that are not released yet."""
    return _live["proxies"]


def _proxy(fn):
    _live["proxies"] += 1
    return create_proxy(fn)


def _destroy(proxy):
    if proxy is None:
        return
    _live["proxies"] -= 1
    # Pyodide proxies must be destroyed by hand; MicroPython's have no destroy() and are collected.
    destroy = getattr(proxy, "destroy", None)
    if destroy is not None:
        destroy()


class _Image:
    """One image request: the element and the two handler proxies, released together."""

    def __init__(self, url, on_load, on_error):
        self.element = js.Image.new()
        self.element.alt = ""
        self.load_proxy = _proxy(lambda *_: on_load())
        self.error_proxy = _proxy(lambda *_: on_error())
        self.element.onload = self.load_proxy
        self.element.onerror = self.error_proxy
        self.element.onabort = self.error_proxy
        self.element.src = url


class BrowserTransport:
    """Image beacons, sendBeacon and setTimeout, with every proxy accounted for."""

    def send_image(self, url, on_load, on_error):
        return _Image(url, on_load, on_error)

    def image_complete(self, token):
        element = token.element
        # `complete` is also true for a broken image; naturalWidth tells a loaded GIF apart.
        return bool(element is not None and element.complete and element.naturalWidth)

    def release(self, token):
        element = token.element
        if element is not None:
            element.onload = None
            element.onerror = None
            element.onabort = None
        _destroy(token.load_proxy)
        _destroy(token.error_proxy)
        token.element = token.load_proxy = token.error_proxy = None

    def send_beacon(self, url):
        return bool(js.navigator.sendBeacon(url))

    def now_ms(self):
        return int(js.Date.now())

    def set_timeout(self, fn, ms):
        timer = _Timer(fn)
        timer.id = js.setTimeout(timer.proxy, int(ms))
        return timer

    def clear_timeout(self, timer):
        if timer.proxy is not None:
            js.clearTimeout(timer.id)
            _destroy(timer.proxy)
            timer.proxy = None


class _Timer:
    def __init__(self, fn):
        self.fn = fn
        self.id = None
        self.proxy = _proxy(self._fire)

    def _fire(self, *_):
        proxy, self.proxy = self.proxy, None
        fn, self.fn = self.fn, None
        try:
            if fn is not None:
                fn()
        finally:
            _destroy(proxy)


class BrowserConsole:
    """console.log / warn / error."""

    def log(self, message):
        js.console.log(str(message))

    def warn(self, message):
        js.console.warn(str(message))

    def error(self, message):
        js.console.error(str(message))
