"""The one boundary to JavaScript: the page's facts and its ways of sending a request.

Everything else in the package is plain Python that runs in CPython too; this module alone imports
`js` and `pyscript.ffi` (or, without PyScript, Pyodide's or MicroPython's own `create_proxy`). It
runs on the main thread: Image and document are not reachable from a worker without cross-origin
isolation.

    from appmeasurement.browser import BrowserEnvironment, BrowserTransport
    env, transport = BrowserEnvironment(), BrowserTransport()
    env.location_href()                                    # location.href
    token = transport.send_image(url, on_load, on_error)   # a real `new Image()` beacon

No JS proxy is made per request: two shared proxies dispatch every image event and every timer, and
`stats()` counts the in-flight images and pending timers still held, so a leak would show. Automatic
click tracking adds one proxy per tracker (its body `click` listener, both phases) and one for all
(the window's `scroll` listener); clicks are handled synchronously inside the event's dispatch.

`s.visitor` may be the JavaScript Visitor of Adobe's VisitorAPI.js and the page may have
`window.adobe.optIn`: `JsVisitor` and `JsOptIn` give them to the identity stage (identity.py) as
Python values, with one long-lived proxy per visitor for its getVisitorValues callback.

Large numbers: MicroPython 1.28's FFI turns a JS number that is a whole number into a 32-bit int, so
`js.Date.now()` (1796170126113) arrives as 873796385 and 2**53 as 0, and a Python int of 2**31 or
more reaches JS wrapped the same way; Pyodide is exact. Every number crossing here is small (screen
sizes, offsets, local date fields, `Math.random()`, timer ids and delays) except the clock, which
`epoch_ms()` reads as text:

    epoch_ms()                                             # == Date.now(), on both interpreters
    date_ms(js.Date.new("2030-01-01T00:00:00Z"))           # 1893456000000 (getTime())
"""

import math
import sys

import js

from .jsdate import local_fields

try:
    from pyscript.ffi import create_proxy, to_js
except ImportError:  # the same interpreters without PyScript (a plain Pyodide page, MicroPython in Node)
    try:
        from pyodide.ffi import create_proxy, to_js
    except ImportError:
        from jsffi import create_proxy, to_js

if sys.implementation.name == "micropython":
    from jsffi import JsProxy  # asking for pyodide first cost MicroPython a file-system search
else:
    from pyodide.ffi import JsProxy

from .environment import ElementInfo

_same_value = getattr(js.Object, "is")  # JS identity: two proxies of one element compare equal here

# What a hit reaches on every call, looked up once: each step of ``js.a.b`` is a crossing of its own
# (measured in Chromium: ``js.Math.random()`` 6 us, the kept ``Math.random`` 0.7 us under Pyodide;
# 6.7 and 3.8 us under MicroPython). None of them needs its ``this``, and none is replaced by a page.
# Node (the MicroPython unit tests) has no document, window, XMLHttpRequest or Image.
_document = getattr(js, "document", None)
_window = getattr(js, "window", None)
_global = js.globalThis
_Date = js.Date
_date_now = js.Date.now
_random = js.Math.random
_reflect_get = js.Reflect.get
_set_timeout = js.setTimeout
_clear_timeout = js.clearTimeout
_performance_now = js.performance.now  # monotonic, unlike Date.now(): what timers are set by
_JsXMLHttpRequest = getattr(js, "XMLHttpRequest", None)
_JsImage = getattr(js, "Image", None)

# Two proxies serve every request of every instance: one for all image events, one for all timers.
# Each image carries its key in `dataset`, and one JS timer, set for the earliest pending timer, fires
# all that are due (_timer_fired), so nothing per hit crosses the FFI as a new proxy. That matters
# under MicroPython, where a proxy is reclaimed only when a JS FinalizationRegistry notices it
# (lazily); measured, per-hit proxies grew its heap by ~800 KB per 1,000 hits, while shared ones do
# not grow at all.
_images = {}  # key -> _Image, while the request is in flight
_timers = {}  # key -> (due at, performance.now() ms; callable), while the timer is pending
_armed = {"at": None, "id": None}  # when the one JS timer fires, and its id
_shared = {
    "image": None,
    "timer": None,
    "next": 0,
    "identity_proxies": 0,
    "xhr": None,
    "page": None,
    "noop": None,
}
_storages = {}  # "local"/"session" -> the Storage object, once read
_page_listeners = []  # fn(kind) for "hide" (pagehide, visibilitychange to hidden) and "online"


# Only MicroPython's FFI wraps large whole numbers; Pyodide reads the clock in one crossing.
_WRAPS_NUMBERS = sys.implementation.name == "micropython"


def date_ms(date):
    """A JS Date's ``getTime()`` as an exact int on both interpreters (see the module docstring).

    Under MicroPython a Number *object* crosses the FFI as a proxy, not as a number, so its digits are
    formatted on the JS side; no eval, so a strict CSP is fine. Measured in Node, that takes ~10-30 us,
    a few times the wrapped `js.Date.now()` and less than building the time from seven `getUTC*()`
    calls. Pyodide's numbers arrive exact: there it is one `getTime()` (in the page, a Pyodide hit
    spent ~0.05 ms of its 0.6 ms in the MicroPython way).
    """
    if _WRAPS_NUMBERS:
        return int(js.Number.new(date).toString())
    return int(date.getTime())


# MicroPython: one exact reading (as text), and Date.now()'s 32-bit wrap is undone against it.
_clock = {"base": None, "perf": 0}  # "perf": the last performance.now() reading (_perf_now)
_zone = {"minute": None, "offset": 0, "second": None, "fields": None}  # BrowserEnvironment.local_time
_WRAP = 1 << 32
_REREAD = 1 << 30  # ms (12 days) away from the exact reading: read the clock exactly again


def unwrap(raw, base):
    """The ms time whose 32-bit wrap (JS ToInt32, what MicroPython's FFI gives for a large whole
    number) is ``raw``, nearest to the exact time ``base`` (within 24 days either way).

    >>> base = 1796170000000
    >>> unwrap(873796385, base), unwrap(787270272, base), unwrap(-1421297024, base)
    (1796170126113, 1796083600000, 1798170000000)
    """
    delta = (raw - base) % _WRAP  # Python's % is never negative, also on MicroPython
    if delta >= _WRAP // 2:
        delta -= _WRAP
    return base + delta


def epoch_ms():
    """``Date.now()`` as an exact int on both interpreters.

    Under MicroPython the exact reading costs three crossings and two JS objects (``date_ms``), and
    the tracker reads the clock four or five times per hit: it is done once, and later readings take
    the one-crossing ``Date.now()`` and undo its wrap against it (``unwrap``).
    """
    if not _WRAPS_NUMBERS:
        return int(_date_now())
    base = _clock["base"]
    if base is not None:
        now = unwrap(int(_date_now()), base)
        if -_REREAD < now - base < _REREAD:
            return now
    base = _clock["base"] = date_ms(_Date.new())
    return base


def stats():
    """What the binding holds: the proxies (the two shared ones, plus one per wrapped JS visitor that
    was asked for values and one per tracker that fetched adobe.optIn permissions), and in-flight
    images and pending timers."""
    proxies = (_shared["image"] is not None) + (_shared["timer"] is not None) + _shared["identity_proxies"]
    return {"proxies": proxies, "images": len(_images), "timers": len(_timers)}


def _next_key():
    _shared["next"] += 1
    return str(_shared["next"])


def _image_event(event):
    target = event.target
    if _prop(target, "dataset") is None:  # an XMLHttpRequest (a long hit sent as a POST)
        image = _images.get(str(target.amHit))
        if image is None or event.type != "loadend":
            return
        if int(target.status) == 200:
            image.on_load()
        else:
            image.on_error()
        return
    image = _images.get(str(target.dataset.amHit))
    if image is None:  # already settled and released: a late event is ignored
        return
    if event.type == "load":
        image.on_load()
    else:
        image.on_error()


def _perf_now():
    """``performance.now()``. Under MicroPython a whole number of 2**31 ms or more (a page open for
    25 days) arrives wrapped to 32 bits, and is unwrapped against the previous reading."""
    now = _performance_now()
    if _WRAPS_NUMBERS and type(now) is int:
        now = unwrap(now, _clock["perf"])
        _clock["perf"] = now
    elif _WRAPS_NUMBERS:
        _clock["perf"] = int(now)
    return now


def _arm(at):
    """Set the one JS timer for ``at`` (performance.now() ms), replacing the one set before."""
    if _armed["id"] is not None:
        _clear_timeout(_armed["id"])
    _armed["at"] = at
    _armed["id"] = _set_timeout(_timer_proxy(), max(0, int(math.ceil(at - _perf_now()))))


def _timer_fired(*_):
    _armed["at"] = _armed["id"] = None
    now = _perf_now()
    # Due ones in the order they were set for (then made), as JS would fire separate timers.
    due = sorted((at, int(key), key) for key, (at, _fn) in _timers.items() if at <= now)
    for _at, _n, key in due:
        entry = _timers.pop(key, None)  # an earlier one may have cleared it
        if entry is not None:
            try:
                entry[1]()
            except Exception as exc:  # one failing callback does not hold back the others
                _report_error("a timer callback raised", exc)
    if _timers:
        _arm(min(at for at, _fn in _timers.values()))


def _report_error(what, exc):
    try:
        js.console.error("AppMeasurement: %s: %s: %s" % (what, type(exc).__name__, exc))
    except Exception:
        pass


def _image_proxy():
    if _shared["image"] is None:
        _shared["image"] = create_proxy(_image_event)
    return _shared["image"]


def _timer_proxy():
    if _shared["timer"] is None:
        _shared["timer"] = create_proxy(_timer_fired)
    return _shared["timer"]


def _page_event(event):
    kind = str(event.type)
    if kind == "visibilitychange":
        if str(js.document.visibilityState) != "hidden":
            return
        kind = "hide"
    elif kind == "pagehide":
        kind = "hide"
    for fn in list(_page_listeners):
        fn(kind)


def _listen_to_page():
    """One listener per event for every instance, registered once, with one long-lived proxy."""
    if _shared["page"] is None:
        proxy = _shared["page"] = create_proxy(_page_event)
        js.window.addEventListener("pagehide", proxy)
        js.document.addEventListener("visibilitychange", proxy)
        js.window.addEventListener("online", proxy)


def _noop(*_):
    return None


def _options(**fields):
    """A plain JS object (fetch options): Pyodide's to_js would make a Map of a dict."""
    try:
        return to_js(fields, dict_converter=js.Object.fromEntries)
    except TypeError:  # MicroPython's to_js has no dict_converter and makes an Object already
        return to_js(fields)


class _Request:
    """A long hit's POST: an XMLHttpRequest keyed like an image (its key in a JS property)."""

    def __init__(self, url, body, on_load, on_error):
        self.key = _next_key()
        self.on_load = on_load
        self.on_error = on_error
        self.element = None
        xhr = self.xhr = _JsXMLHttpRequest.new()
        xhr.open("POST", url, True)
        xhr.withCredentials = True
        xhr.setRequestHeader("Content-Type", "application/x-www-form-urlencoded")
        xhr.amHit = self.key
        xhr.onloadend = _image_proxy()
        _images[self.key] = self
        xhr.send(body)


class _Image:
    """One image request: the element and what to call when it settles."""

    def __init__(self, url, on_load, on_error):
        self.key = _next_key()
        self.on_load = on_load
        self.on_error = on_error
        self.element = element = _JsImage.new()
        element.alt = ""
        element.dataset.amHit = self.key
        handler = _image_proxy()
        element.onload = handler
        element.onerror = handler
        element.onabort = handler
        _images[self.key] = self
        element.src = url


class BrowserTransport:
    """Image beacons, sendBeacon and setTimeout (the Transport contract in transport.py)."""

    def send_image(self, url, on_load, on_error):
        return _Image(url, on_load, on_error)

    def send_post(self, url, body, on_load, on_error):
        return _Request(url, body, on_load, on_error)

    def image_complete(self, token):
        element = token.element
        # `complete` is also true for a broken image; naturalWidth tells a loaded GIF apart.
        return bool(element is not None and element.complete and element.naturalWidth)

    def release(self, token):
        _images.pop(token.key, None)
        xhr = getattr(token, "xhr", None)
        if xhr is not None:
            xhr.onloadend = None
            token.xhr = None
        element = token.element
        if element is not None:
            element.onload = None
            element.onerror = None
            element.onabort = None
        token.element = token.on_load = token.on_error = None

    def send_beacon(self, url, body=None):
        try:
            return bool(js.navigator.sendBeacon(url) if body is None else js.navigator.sendBeacon(url, body))
        except Exception:  # a beacon over the browser's size quota can throw instead of returning false
            return False

    def send_keepalive(self, url, body=None):
        """fetch(url, {keepalive: true}): outlives the page like a beacon; its answer is not read."""
        try:
            if body is None:
                options = _options(method="GET", keepalive=True, credentials="include", mode="no-cors")
            else:
                options = _options(
                    method="POST",
                    body=body,
                    keepalive=True,
                    credentials="include",
                    mode="no-cors",
                    headers=_options(**{"Content-Type": "application/x-www-form-urlencoded"}),
                )
            if _shared["noop"] is None:
                _shared["noop"] = create_proxy(_noop)
            js.fetch(url, options).catch(_shared["noop"])
            return True
        except Exception:
            return False

    def now_ms(self):
        return epoch_ms()

    def set_timeout(self, fn, ms):
        # One JS timer serves them all (_arm, _timer_fired): setting one crosses to JS only when it
        # is due before every other, clearing one never does. Per hit that was a setTimeout and a
        # clearTimeout for the watchdog; now it is one performance.now().
        key = _next_key()
        at = _perf_now() + int(ms)
        _timers[key] = (at, fn)
        if _armed["at"] is None or at < _armed["at"]:
            _arm(at)
        return key

    def clear_timeout(self, token):
        # The JS timer stays set: when it fires with nothing due it only sets itself for the next.
        _timers.pop(token, None)


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


_LAZY = object()  # a _DomInfo field not read from the DOM yet


def _lazy(field, compute):
    """A property read from the DOM by ``compute(info)`` when first used, then kept in ``field``."""

    def read(self):
        value = getattr(self, field)
        if value is _LAZY:
            value = compute(self)
            setattr(self, field, value)
        return value

    def write(self, value):
        setattr(self, field, value)

    return property(read, write)


def _parent_info(info):
    element = _prop(info.node, "parentElement")
    return _element_info(element) if element else None


class _DomInfo(ElementInfo):
    """The ElementInfo of a DOM element. Its costly fields are read when first used, not when it is
    made: a click builds the info of every ancestor, and for BODY or HTML ``innerText`` and
    ``textContent`` are the whole page's text (``innerText`` forces a layout), the label walks the
    whole subtree, and ``parent`` would build the chain up to HTML at once."""

    parent = _lazy("_parent", _parent_info)
    label = _lazy("_label", lambda info: _label(info.node))
    inner_text = _lazy("_inner_text", lambda info: _text(_prop(info.node, "innerText")))
    text_content = _lazy("_text_content", lambda info: _text(_prop(info.node, "textContent")))

    def get_attribute(self, name):
        return _attribute(self.node, name)


def _element_info(element):
    onclick = _prop(element, "onclick")
    return _DomInfo(
        tag_name=_text(_prop(element, "tagName")),
        node_name=_text(_prop(element, "nodeName")),
        type=_text(_prop(element, "type")),
        href=_text(_prop(element, "href")),
        protocol=_text(_prop(element, "protocol")),
        host=_text(_prop(element, "host")),
        # String(el.onclick) computed JS-side: MicroPython hands a JS function passed back to JS
        # (js.String(f)) as a wrapper calling into Python, whose source is not the handler's.
        onclick=_text(onclick.toString()) if onclick else "",
        value=_text(_prop(element, "value")),
        inner_text=_LAZY,
        text_content=_LAZY,
        src=_text(_prop(element, "src")),
        region_id=_attribute(element, "data-id") or _attribute(element, "id"),
        s_object_id=_attribute(element, "data-s-object-id") or _attribute(element, "s-object-id"),
        label=_LAZY,
        parent=_LAZY,
        node=element,
        target=_text(_prop(element, "target")),
    )


# --- automatic click tracking (clicks.py): one listener proxy per tracker, one for scrolling -----
_scroll = {"max": 0, "proxy": None}


def _on_scroll(*_):
    window = js.window
    reach = int(float(window.pageYOffset or 0) + float(window.innerHeight or 0))
    if reach > _scroll["max"]:
        _scroll["max"] = reach


class _Replay:
    """A stopped click's clone, dispatched on its target once the hit settled."""

    def __init__(self, target, event):
        self.target = target
        self.event = event

    def dispatch(self):
        target, event = self.target, self.event
        self.target = self.event = None
        if target is not None:
            target.dispatchEvent(event)


class _ClickEvent:
    """A DOM click event as clicks.py reads it (the event contract in its docstring)."""

    def __init__(self, event):
        self.raw = event
        self.target = _prop(event, "srcElement") or _prop(event, "target")
        self.window_name = _text(js.window.name)
        self.dispatchable = self.target is not None and _prop(self.target, "dispatchEvent") is not None

    def overlay_open(self):
        return bool(js.document.getElementById("cppXYctnr"))

    def is_replay(self, index):
        return bool(_prop(self.raw, "s_fe_" + str(index)))

    def same_target(self, node):
        return bool(_same_value(self.target, node))

    def stop(self):
        event = self.raw
        event.stopPropagation()
        if _prop(event, "stopImmediatePropagation") is not None:
            event.stopImmediatePropagation()
        event.preventDefault()

    def replay(self, index):
        ev = self.raw
        clone = js.document.createEvent("MouseEvents")
        clone.initMouseEvent(
            "click",
            ev.bubbles,
            ev.cancelable,
            ev.view,
            ev.detail,
            ev.screenX,
            ev.screenY,
            ev.clientX,
            ev.clientY,
            ev.ctrlKey,
            ev.altKey,
            ev.shiftKey,
            ev.metaKey,
            ev.button,
            ev.relatedTarget,
        )
        setattr(clone, "s_fe_" + str(index), 1)
        clone.s_fe = 1
        return _Replay(ev.target, clone)


class _ClickListener:
    """The body's click listeners of one tracker: one long-lived proxy for both phases."""

    def __init__(self, handler):
        self.handler = handler
        self.body = None
        self.webkit = False
        self.proxy = create_proxy(self._on_click)
        self._attach()

    def _attach(self, *_):
        body = js.document.body
        if not body:  # a tracker made in <head>: AppMeasurement retries every 30 ms
            BrowserTransport().set_timeout(self._attach, 30)
            return
        self.body = body
        user_agent = _text(js.navigator.userAgent)
        self.webkit = "WebKit" in user_agent and _prop(js.document, "createEvent") is not None
        if self.webkit:
            body.addEventListener("click", self.proxy, True)
        body.addEventListener("click", self.proxy, False)
        self.handler.attached(self)

    def remove(self, capture):
        self.body.removeEventListener("click", self.proxy, bool(capture))

    def _on_click(self, event):
        self.handler.click(_ClickEvent(event))


class BrowserEnvironment:
    """The page's facts, read from the DOM (the Environment contract in environment.py)."""

    def __init__(self):
        self._beacon = None

    def now_ms(self):
        return epoch_ms()

    def local_time(self):
        # The exact time and the offset instead of eight getters: the local fields are what JS
        # derives from the same two numbers. They show whole seconds, so they are worked out once a
        # second; the offset moves only when daylight saving starts or ends, or the system's zone
        # changes, and zones change on whole minutes of UTC: it is read once a minute (a JS Date
        # and a call, ~0.01 ms a hit under Pyodide).
        now = epoch_ms()
        second = now // 1000
        if second == _zone["second"]:
            return _zone["fields"]
        minute = second // 60
        if minute != _zone["minute"]:
            _zone["offset"] = int(_Date.new().getTimezoneOffset())
            _zone["minute"] = minute
        fields = local_fields(now, _zone["offset"])
        _zone["second"], _zone["fields"] = second, fields
        return fields

    def random(self):
        return float(_random())

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
        return _text(_document.cookie)

    def set_cookie(self, cookie_string):
        _document.cookie = cookie_string

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
        # Asked on every hit; a page does not gain or lose sendBeacon while it runs.
        if self._beacon is None:
            beacon = _prop(js.navigator, "sendBeacon")
            self._beacon = beacon is not None and bool(beacon)
        return self._beacon

    def navigate(self, url):
        js.document.location.href = url

    def _area(self, area):
        # Kept once read (a page has one Storage object per area); where reading it throws
        # (sandboxed frames, storage blocked) it is read, and throws, every time.
        store = _storages.get(area)
        if store is None:
            store = _storages[area] = _window.localStorage if area == "local" else _window.sessionStorage
        return store

    def storage_available(self, area):
        try:  # reading the property throws where storage is blocked (sandboxed frames, cookies off)
            store = self._area(area)
            probe = "AppMeasurement.probe"
            store.setItem(probe, "1")
            store.removeItem(probe)
            return True
        except Exception:
            return False

    def storage_get(self, area, key):
        value = self._area(area).getItem(key)
        return value if isinstance(value, str) else None

    def storage_set(self, area, key, value):
        try:
            self._area(area).setItem(key, value)
            return True
        except Exception:  # QuotaExceededError
            return False

    def storage_remove(self, area, key):
        self._area(area).removeItem(key)

    def on_page_event(self, fn):
        _listen_to_page()
        _page_listeners.append(fn)

    def s_object_id(self):
        value = _prop(js.window, "s_objectID")
        return value if isinstance(value, (str, int, float)) else 0

    def set_s_object_id(self, value):
        _window.s_objectID = value

    def scroll_reach(self):
        return _scroll["max"]

    def listen_clicks(self, handler):
        if _scroll["proxy"] is None:
            _scroll["proxy"] = create_proxy(_on_scroll)
            js.window.addEventListener("scroll", _scroll["proxy"])
        _ClickListener(handler)

    def log(self, message):
        js.console.log(str(message))

    def warn(self, message):
        js.console.warn(str(message))

    def error(self, message):
        js.console.error(str(message))

    def opt_in(self):
        adobe = _reflect_get(_global, "adobe")
        if not isinstance(adobe, JsProxy) or not adobe:
            return None
        opt_in = _reflect_get(adobe, "optIn")
        if not isinstance(opt_in, JsProxy) or not opt_in:
            return None
        # Asked several times per hit: keep the wrapper while the page keeps the same object.
        cached = _shared.get("opt_in")
        if cached is None or not _same(cached._js, opt_in):
            cached = _shared["opt_in"] = JsOptIn(opt_in)
        return cached

    def wrap_visitor(self, obj):
        return JsVisitor(obj) if isinstance(obj, JsProxy) else obj


# --- s.visitor and adobe.optIn ---------------------------------------------------------------------
def _plain(value):
    """A JS value as a Python str/bool/int/float, None for undefined/null; objects as String(value)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    # MicroPython gives undefined as an `undefined` object that is truthy and not a JsProxy; Pyodide
    # may give null as a falsy `jsnull` proxy.
    if not isinstance(value, JsProxy) or not value:
        return None
    return str(js.String(value))


def _same(a, b):
    """JS ``Object.is(a, b)`` (``is`` is a Python keyword)."""
    return bool(getattr(js.Object, "is")(a, b))


def _get(obj, name):
    # Reflect.get reads any key (dotted customer-id aliases too) and gives undefined when missing.
    return _plain(js.Reflect.get(obj, name))


class JsVisitor:
    """A JavaScript Visitor (VisitorAPI.js's ``Visitor.getInstance(...)``) as identity.py calls it.

    Only the methods the JS object has are present (AppMeasurement tests each before calling it).
    The getVisitorValues callback crosses the FFI as one proxy per wrapper, made on first use and
    kept: the identity stage makes one wrapper per tracker and visitor, so nothing is made per hit.
    """

    def __init__(self, visitor):
        self._js = visitor
        self._proxy = None
        self._callback = None
        for name, method in (
            ("isAllowed", self._is_allowed),
            ("getVisitorValues", self._get_visitor_values),
            ("getSupplementalDataID", self._get_supplemental_data_id),
            ("getCustomerIDs", self._get_customer_ids),
        ):
            if _plain(js.Reflect.get(visitor, name)) is not None:  # a function reads as its source
                setattr(self, name, method)

    def _is_allowed(self):
        return bool(_plain(self._js.isAllowed()))

    def _answered(self, values=None, *_):
        callback = self._callback
        if callback is None:
            return
        plain = {}
        if isinstance(values, JsProxy) and values:
            for key in ("MCMID", "MCOPTOUT", "MCAID", "MCAAMLH", "MCAAMB"):
                plain[key] = _get(values, key)
        callback(plain)

    def _get_visitor_values(self, callback):
        self._callback = callback
        if self._proxy is None:
            self._proxy = create_proxy(self._answered)
            _shared["identity_proxies"] += 1
        self._js.getVisitorValues(self._proxy)

    def _get_supplemental_data_id(self, consumer, consume):
        return _plain(self._js.getSupplementalDataID(consumer, bool(consume)))

    def _get_customer_ids(self):
        ids = self._js.getCustomerIDs()
        pairs = []
        if not isinstance(ids, JsProxy) or not ids:
            return pairs
        keys = js.Object.keys(ids)
        for i in range(int(keys.length)):
            alias = str(keys[i])
            entry = js.Reflect.get(ids, alias)
            if isinstance(entry, JsProxy) and entry:
                pairs.append((alias, {"id": _get(entry, "id"), "authState": _get(entry, "authState")}))
            else:
                pairs.append((alias, _plain(entry)))
        return pairs

    @property
    def marketingCloudOrgID(self):
        return _get(self._js, "marketingCloudOrgID")


class JsOptIn:
    """``window.adobe.optIn`` as identity.py and readiness.py call it."""

    _NAMES = ("ANALYTICS", "AAM", "TARGET", "ECID")

    def __init__(self, opt_in):
        self._js = opt_in
        categories = js.Reflect.get(opt_in, "Categories")
        self.Categories = {}
        for name in self._NAMES:
            value = _get(categories, name) if isinstance(categories, JsProxy) and categories else None
            self.Categories[name] = value if value is not None else name

    def isApproved(self, category):
        return bool(_plain(self._js.isApproved(category)))

    def fetchPermissions(self, callback, should_auto_subscribe=False):
        # One proxy per call: readiness.py calls this once per tracker, and with auto-subscribe the
        # optIn keeps calling it on every change, so it must live as long as the page.
        _shared["identity_proxies"] += 1
        self._js.fetchPermissions(create_proxy(lambda *_: callback()), bool(should_auto_subscribe))


# -- the Web SDK's page (websdk.py) ------------------------------------------------------------------------
_FETCH_OPTIONS = (
    '{"method": "POST", "cache": "no-cache", "credentials": "include", '
    '"headers": {"Content-Type": "text/plain; charset=UTF-8"}, "referrerPolicy": "no-referrer-when-downgrade"}'
)


class EdgePage(BrowserEnvironment):
    """What the Web SDK reads and how it sends: ``fetch`` POSTs with credentials (as alloy's
    ``sendFetchRequest``), ``sendBeacon`` with a text/plain Blob, the time zone and the orientation.
    JS objects are built with ``JSON.parse`` so no Python dict crosses the FFI as a proxy."""

    def timezone(self):
        zone = js.Intl.DateTimeFormat.new().resolvedOptions().timeZone
        return int(js.Date.new().getTimezoneOffset()), _text(zone)

    def orientation(self):
        orientation = _prop(js.screen, "orientation")
        kind = _text(_prop(orientation, "type")) if orientation is not None else ""
        if kind:
            return kind.split("-")[0]
        return "landscape" if int(js.window.innerWidth) >= int(js.window.innerHeight) else "portrait"

    def beacon(self, url, body):
        import json  # only here: at the package's import it costs MicroPython a file-system search

        blob = js.Blob.new(
            js.JSON.parse(json.dumps([body])), js.JSON.parse('{"type": "text/plain; charset=UTF-8"}')
        )
        return bool(js.navigator.sendBeacon(url, blob))

    async def post(self, url, body):
        options = js.JSON.parse(_FETCH_OPTIONS)
        options.body = body
        response = await js.fetch(url, options)
        text = await response.text()
        headers = {}
        for name in ("retry-after", "x-adobe-edge"):
            value = response.headers.get(name)
            if isinstance(value, str):
                headers[name] = value
        return int(response.status), headers, _text(text)

    async def sleep_ms(self, ms):
        import asyncio

        await asyncio.sleep(ms / 1000)


# --- the script-tag loader (embed.py is its Python side) -----------------------------------------
def embed_bridge():
    """The loader's ``window.AppMeasurementEmbed`` (dist/appmeasurement.js), or None without it."""
    return _prop(js.window, "AppMeasurementEmbed")


def shared_proxy(fn):
    """A JS function calling ``fn``, made once per page (embed.py's dispatcher), never per hit."""
    return create_proxy(fn)
