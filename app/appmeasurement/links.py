"""Link hits: which element a call is about, its URL and type, and the ``pe``/``pev1``/``pev2`` fields.

As AppMeasurement.js 2.27.0: the link object (or the clicked object) is walked up to the first
clickable element (``A``/``AREA`` with an href, an element with ``onclick``, a submit input, an
image input); its href is made absolute and cut at ``?`` unless ``linkLeaveQueryString``; without a
type, ``trackDownloadLinks`` / ``trackExternalLinks`` classify the URL (``d`` by file extension,
``e`` by the internal/external filters).

    >>> from appmeasurement import AppMeasurement
    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> s = AppMeasurement("r", StaticEnvironment(location="http://shop.test/"), FakeTransport())
    >>> s.trackDownloadLinks = s.trackExternalLinks = True
    >>> auto_link_type(s, "http://shop.test/files/a.PDF?x=1"), auto_link_type(s, "http://other.test/")
    ('d', 'e')
    >>> s.linkInternalFilters  # written back from location.hostname, as AppMeasurement does
    'shop.test'
"""

from .escaping import escape_lenient, unescape
from .jsvalues import js_string, js_truthy, to_number, utf16_slice


def _str_field(value):
    return value if isinstance(value, str) else ""


def tag_type(info):
    """The element's tag as AppMeasurement names it (an input/button's type instead of its tag)."""
    tag = info.tag_name.upper() if isinstance(info.tag_name, str) else ""
    if tag == "SHAPE":
        tag = ""
    if tag in ("INPUT", "BUTTON") and info.type and isinstance(info.type, str):
        tag = info.type.upper()
    return tag


def object_id(s, info):
    """(id, type) naming a clickable element, or None (AppMeasurement's ``N``)."""
    tag = tag_type(info)
    if not tag:
        return None
    text = ""
    kind = 0
    protocol = _str_field(info.protocol)
    onclick = _str_field(info.onclick)
    if (
        not info.href
        or (tag != "A" and tag != "AREA")
        or (onclick and protocol and "javascript" in protocol.lower())
    ):
        if onclick:
            text = onclick.replace("\r", "").replace("\n", "").replace("\t", "").replace(" ", "")
            kind = 2
        elif tag in ("INPUT", "SUBMIT"):
            text = info.value or info.inner_text or info.text_content or ""
            kind = 3
        elif tag == "IMAGE" and info.src:
            text = info.src
    else:
        text = element_url(s._env, info)
    if not text:
        return None
    return utf16_slice(text, 0, 100), kind


def element_url(env, info):
    """The element's href, made absolute against the page when it is not (AppMeasurement's ``Ua``)."""
    href = _str_field(info.href)
    colon = href.find(":")
    query = href.find("?")
    slash = href.find("/")
    if href and (colon < 0 or (query >= 0 and colon > query) or (slash >= 0 and colon > slash)):
        protocol = _str_field(info.protocol)
        if len(protocol) <= 1:
            protocol = js_string(env.location_protocol() or "")
        pathname = js_string(env.location_pathname() or "")
        cut = pathname.rfind("/")
        host = _str_field(info.host) or js_string(env.location_host() or "")
        href = (
            (protocol + "//" if protocol else "")
            + host
            + ("" if href[:1] == "/" else pathname[: max(cut, 0)] + "/")
            + href
        )
    return href


def resolve(s, call):
    """Find this call's link element, URL and type (AppMeasurement's ``kc``); ClickMap is recorded
    here too. Sets s.linkObject/linkURL/linkType and call.link_info/link_call/link_tag/link_oid."""
    obj = s.linkObject
    link_type = s.linkType
    link_url = s.linkURL
    call.link_call = 1
    if not js_truthy(obj):
        call.link_call = 0
        obj = s.clickObject
    info = None
    tag = ""
    oid = None
    if js_truthy(obj):
        info = s._env.element_info(obj)
        if info is not None:
            tag = tag_type(info)
            oid = object_id(s, info)
            while info is not None and oid is None and tag != "BODY":
                info = info.parent
                if info is not None:
                    tag = tag_type(info)
                    oid = object_id(s, info)
        if oid is None or tag == "BODY":
            info = None
        if info is not None and not js_truthy(s.linkObject):
            handler = _str_field(info.onclick)
            if ".tl(" in handler or ".trackLink(" in handler:
                info = None
    else:
        call.link_call = 1
    if not js_truthy(link_url) and info is not None:
        link_url = element_url(s._env, info)
    if js_truthy(link_url) and not js_truthy(s.linkLeaveQueryString):
        link_url = js_string(link_url)
        cut = link_url.find("?")
        if cut >= 0:
            link_url = link_url[:cut]
    if not js_truthy(link_type) and js_truthy(link_url):
        link_type = auto_link_type(s, js_string(link_url))
    call.link_info = info
    call.link_tag = tag
    call.link_oid = oid
    s.linkObject = info.node if info is not None else None
    s.linkURL = link_url
    s.linkType = link_type


def auto_link_type(s, url):
    """ "d" (download by extension), "e" (exit by the link filters) or None for a link URL."""
    found = None
    if js_truthy(s.trackDownloadLinks) and js_truthy(s.linkDownloadFileTypes):
        lower = url.lower()
        cut = lower.find("?")
        frag = lower.find("#")
        if cut >= 0:
            if 0 <= frag < cut:
                cut = frag
        else:
            cut = frag
        if cut >= 0:
            lower = lower[:cut]
        for ext in js_string(s.linkDownloadFileTypes).lower().split(","):
            if ext and lower.endswith("." + ext):
                found = "d"
    if js_truthy(s.trackExternalLinks) and not found:
        lower = url.lower()
        if not (
            lower.startswith("#")
            or lower.startswith("about:")
            or lower.startswith("opera:")
            or lower.startswith("javascript:")
        ):
            if not js_truthy(s.linkInternalFilters):
                s.linkInternalFilters = s._env.location_hostname()
            filters = None
            external = False
            if js_truthy(s.linkExternalFilters):
                filters = js_string(s.linkExternalFilters).lower().split(",")
                external = True
            elif js_truthy(s.linkInternalFilters):
                filters = js_string(s.linkInternalFilters).lower().split(",")
            if filters:
                matched = False
                for item in filters:
                    if item in lower:
                        matched = True
                if matched == external:
                    found = "e"
    return found


def link_parameters(s, call):
    """pe/pev1/pev2 for a link hit; returns whether the call sends (a link with a type and a URL or
    name, or any page view: call.link_call), False when aborted (first half of AppMeasurement's ``fc``)."""
    send = call.link_call
    link_type = s.linkType
    link_url = s.linkURL
    link_name = s.linkName
    if js_truthy(link_type) and (js_truthy(link_url) or js_truthy(link_name)):
        kind = js_string(link_type).lower()
        if kind != "d" and kind != "e":
            kind = "o"
        s.pe = "lnk_" + kind
        warn = s._env.warn
        if js_truthy(s.decodeLinkParameters):
            s.pev1 = escape_lenient(unescape(link_url) if js_truthy(link_url) else "", "linkURL", warn)
            s.pev2 = escape_lenient(unescape(link_name) if js_truthy(link_name) else "", "linkName", warn)
        else:
            s.pev1 = escape_lenient(link_url, "linkURL", warn) if js_truthy(link_url) else ""
            s.pev2 = escape_lenient(link_name, "linkName", warn) if js_truthy(link_name) else ""
        send = 1
    if js_truthy(s.abort):
        send = 0
    return bool(send)


def done_action(s):
    """Run tl()'s doneAction once the hit settled: call it, or follow the link element."""
    action = s.bodyClickFunction
    target = s.bodyClickTarget
    s.bodyClickTarget = None
    s.bodyClickFunction = None
    if callable(action):
        action()
    elif js_truthy(action) and target is not None:
        info = s._env.element_info(target)
        if info is not None and info.href:
            s._env.navigate(info.href)


def arm_done_timeout(s):
    """tl()'s doneAction runs at the latest forcedLinkTrackingTimeout (default 250 ms) after the
    call, as AppMeasurement arms it when the request is sent."""
    timeout = to_number(s.forcedLinkTrackingTimeout) if js_truthy(s.forcedLinkTrackingTimeout) else None
    if not timeout or timeout < 0:
        s.forcedLinkTrackingTimeout = timeout = 250
    s._queue.transport.set_timeout(lambda: done_action(s), timeout)
