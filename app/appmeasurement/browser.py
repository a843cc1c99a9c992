"""The one boundary to JavaScript: the page's facts and its ways of sending a request.

Everything else in the package is plain Python that runs in CPython too; this module alone imports
`js` and `pyscript.ffi`, and it runs on the main thread (Image and document are not reachable from
a worker without cross-origin isolation).

    from appmeasurement.browser import BrowserEnvironment, BrowserTransport
    env, transport = BrowserEnvironment(), BrowserTransport()
    env.location_href()                                    # location.href
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


def _text(value):
    """A JS value as a str, "" when it is not a string (undefined, null, SVG objects...)."""
    return value if isinstance(value, str) else ""


def _prop(obj, name):
    # MicroPython's JsProxy raises AttributeError for an undefined property; Pyodide returns None.
    return getattr(obj, name, None)


def _attribute(element, name):
    return _text(element.getAttribute(name)) if _prop(element, "getAttribute") is not None else ""


_LABEL_SKIP = ("SCRIPT", "STYLE", "LINK", "CANVAS")


def _label(element):
    """ActivityMap's fallback link text: the first alt, title or IMG src in document order."""
    name = _text(_prop(element, "nodeName")).upper()
    if name in _LABEL_SKIP:
        return ""
    if _prop(element, "nodeType") == 1:
        for attr in ("alt", "title"):
            value = _attribute(element, attr)
            if value:
                return value
        if name == "IMG":
            src = _attribute(element, "src") or _text(_prop(element, "src"))
            if src:
                return src
    children = _prop(element, "childNodes")
    for i in range(children.length if children else 0):
        found = _label(children.item(i))
        if found:
            return found
    return ""


def _element_info(element):
    from .environment import ElementInfo

    parent = _prop(element, "parentElement")
    onclick = _prop(element, "onclick")
    return ElementInfo(
        tag_name=_text(_prop(element, "tagName")),
        node_name=_text(_prop(element, "nodeName")),
        type=_text(_prop(element, "type")),
        href=_text(_prop(element, "href")),
        protocol=_text(_prop(element, "protocol")),
        host=_text(_prop(element, "host")),
        onclick=str(js.String.new(onclick)) if onclick else "",
        value=_text(_prop(element, "value")),
        inner_text=_text(_prop(element, "innerText")),
        text_content=_text(_prop(element, "textContent")),
        src=_text(_prop(element, "src")),
        region_id=_attribute(element, "data-id") or _attribute(element, "id"),
        s_object_id=_attribute(element, "data-s-object-id") or _attribute(element, "s-object-id"),
        label=_label(element),
        parent=_element_info(parent) if parent else None,
        node=element,
    )


class BrowserEnvironment:
    """The page's facts, read from the DOM (the Environment contract in environment.py)."""

    def now_ms(self):
        return int(js.Date.now())

    def local_time(self):
        d = js.Date.new()
        return (
            int(d.getDate()),
            int(d.getMonth()),
            int(d.getFullYear()),
            int(d.getHours()),
            int(d.getMinutes()),
            int(d.getSeconds()),
            int(d.getDay()),
            int(d.getTimezoneOffset()),
        )

    def random(self):
        return float(js.Math.random())

    def location_href(self):
        return _text(js.location.href)

    def location_protocol(self):
        return _text(js.location.protocol)

    def location_host(self):
        return _text(js.location.host)

    def location_hostname(self):
        return _text(js.location.hostname)

    def location_pathname(self):
        return _text(js.location.pathname)

    def document_referrer(self):
        return _text(js.document.referrer)

    def get_cookies(self):
        return _text(js.document.cookie)

    def set_cookie(self, cookie_string):
        js.document.cookie = cookie_string

    def screen(self):
        screen, window = js.screen, js.window
        root = js.document.documentElement
        return {
            "width": int(screen.width),
            "height": int(screen.height),
            "color_depth": int(screen.pixelDepth or screen.colorDepth),
            "inner_width": int(window.innerWidth or root.offsetWidth),
            "inner_height": int(window.innerHeight or root.offsetHeight),
            "java_enabled": bool(js.navigator.javaEnabled()),
        }

    def element_info(self, obj):
        if obj is None or isinstance(obj, (bool, int, float, str, dict, list, tuple)):
            return None
        try:
            is_element = obj.nodeType == 1
        except Exception:  # a Python object or a JS value without nodeType
            return None
        return _element_info(obj) if is_element else None

    def has_send_beacon(self):
        return js.navigator.sendBeacon is not None and bool(js.navigator.sendBeacon)

    def navigate(self, url):
        js.document.location.href = url

    def log(self, message):
        js.console.log(str(message))

    def warn(self, message):
        js.console.warn(str(message))

    def error(self, message):
        js.console.error(str(message))
