"""The page facts the tracker reads, as a duck-typed contract: ``Environment`` and ``ElementInfo``.

The tracker never touches ``js``: it asks an environment object.  ``browser.BrowserEnvironment``
implements it over the DOM; ``testing.StaticEnvironment`` is a deterministic in-memory page for
CPython and MicroPython tests (fixed clock, seeded random, a cookie jar, fake elements).

Environment contract (every method is required; "JS:" names what the browser binding reads):

``now_ms() -> int``
    JS: ``Date.now()``.
``local_time() -> (day, month0, year, hours, minutes, seconds, weekday, tz_offset_minutes)``
    JS: ``d = new Date()`` then ``d.getDate(), d.getMonth(), d.getFullYear(), d.getHours(),
    d.getMinutes(), d.getSeconds(), d.getDay(), d.getTimezoneOffset()`` (all ints; month0 is
    0-based; the offset is minutes *behind* UTC, so UTC+2 gives -120).
``random() -> float``
    JS: ``Math.random()``, in [0, 1).
``location_href() / location_protocol() / location_host() / location_hostname() / location_pathname()``
    JS: ``location.href``, ``.protocol`` (with the colon, "https:"), ``.host`` (with a non-default
    port), ``.hostname``, ``.pathname``.  Strings, "" when missing.
``document_referrer() -> str``
    JS: ``document.referrer``.
``get_cookies() -> str``
    JS: ``document.cookie`` (the "a=1; b=2" string).
``set_cookie(cookie_string) -> None``
    JS: ``document.cookie = cookie_string`` (e.g. "s_fid=ABC; path=/; expires=...; domain=...;").
``screen() -> dict``
    keys ``width``, ``height`` (JS: ``screen.width/height``), ``color_depth`` (JS:
    ``screen.pixelDepth || screen.colorDepth``), ``inner_width``, ``inner_height`` (JS:
    ``innerWidth || document.documentElement.offsetWidth``, same for height), ``java_enabled``
    (JS: ``navigator.javaEnabled()``, a bool).
``element_info(obj) -> ElementInfo | None``
    The DOM facts of ``obj`` when it is a DOM element (JS: ``obj.nodeType === 1``), else None
    (``True``, strings, ``None`` ...).  See ``ElementInfo``.
``has_send_beacon() -> bool``
    JS: ``typeof navigator.sendBeacon === "function"``.
``navigate(url) -> None``
    JS: ``document.location = url`` (the ``doneAction`` of ``s.tl()`` on a link that is followed).
``storage_available(area) -> bool``
    ``area`` is "local" or "session". JS: a ``setItem`` / ``removeItem`` probe of
    ``localStorage`` / ``sessionStorage`` that does not throw (reading the property itself throws
    where storage is blocked).
``storage_get(area, key) -> str | None`` / ``storage_set(area, key, value) -> bool`` / ``storage_remove(area, key)``
    JS: ``getItem`` / ``setItem`` (False when it throws: QuotaExceededError) / ``removeItem``.
``on_page_event(fn) -> None``
    Call ``fn("hide")`` on ``pagehide`` and on ``visibilitychange`` to hidden, ``fn("online")`` on
    ``online``. The browser binding registers its listeners once, with one long-lived proxy.
``log(msg) / warn(msg) / error(msg)``
    JS: ``console.log`` / ``console.warn`` / ``console.error``.
``opt_in() -> object | None``
    JS: ``window.adobe && window.adobe.optIn``, as an object with ``Categories`` (``ANALYTICS``,
    ``AAM``, ``TARGET``, ``ECID`` -> the category names), ``isApproved(category) -> bool`` and
    ``fetchPermissions(callback, should_auto_subscribe)`` (see identity.py); None when absent.
``wrap_visitor(obj) -> object``
    ``s.visitor`` as identity.py calls it: a JavaScript Visitor (VisitorAPI.js) wrapped so that its
    ``isAllowed()``, ``getVisitorValues(cb)`` (``cb`` gets a mapping), ``getSupplementalDataID(...)``,
    ``getCustomerIDs()`` (a list of (alias, {"id", "authState"}) pairs) and ``marketingCloudOrgID``
    answer in Python values; any other object is returned as it is.
``s_object_id() / set_s_object_id(value)``
    JS: ``window.s_objectID`` (ActivityMap's and ClickMap's link name; reset to 0 after every call).
``scroll_reach() -> int``
    The largest ``pageYOffset + innerHeight`` seen on the window's scroll events (0 before any).
``listen_clicks(handler) -> None``
    Automatic click tracking (clicks.py): once ``document.body`` exists (retried every 30 ms), add
    a capture-phase ``click`` listener when the user agent contains ``WebKit`` and
    ``document.createEvent`` exists, then a bubble-phase one; call ``handler.attached(listener)``
    (``listener.webkit``: both were added; ``listener.remove(capture)``), then
    ``handler.click(event)`` synchronously for every click (the event contract is in clicks.py).

    >>> info = ElementInfo(tag_name="A", href="http://shop.test/a.pdf")
    >>> info.node_name, info.node is info
    ('A', True)
"""


class ElementInfo:
    """What AppMeasurement reads from a DOM element (all strings are "" when absent).

    tag_name      JS ``el.tagName`` ("A", "INPUT", ...).
    node_name     JS ``el.nodeName`` ("BODY" marks the top for the ActivityMap region).
    type          JS ``el.type`` when it is a string (input/button type), else "".
    href          JS ``el.href`` when it is a string: the absolute URL as the browser resolved it.
    protocol      JS ``el.protocol`` when a string ("https:"), else "".
    host          JS ``el.host`` when a string ("ex.test:8080"), else "".
    onclick       JS ``el.onclick ? String(el.onclick) : ""`` (the handler's source text).
    value         JS ``el.value`` when a string.
    inner_text    JS ``el.innerText`` when a string.
    text_content  JS ``el.textContent`` when a string.
    src           JS ``el.src`` when a string.
    region_id     JS ``el.getAttribute("data-id") || el.getAttribute("id") || ""`` (ActivityMap region).
    target        JS ``el.target`` when a string (a link's browsing context: "", "_blank", ...).
    s_object_id   JS ``el.getAttribute("data-s-object-id") || el.getAttribute("s-object-id") || ""``.
    label         ActivityMap's fallback link text: walk ``el`` and its descendants in document order,
                  skipping SCRIPT, STYLE, LINK and CANVAS subtrees; at the first element that has an
                  ``alt`` attribute, else a ``title`` attribute, else is an IMG with a ``src``, take
                  that alt / title / src.  "" when none.
    parent        ElementInfo of ``el.parentElement`` (None above <html>); may be built eagerly.
    node          the original object (the DOM element) for ``s.linkObject`` after the call.
    attributes    {name: value} of the element's attributes, for ``get_attribute`` (test doubles;
                  the browser binding reads ``el.getAttribute`` instead).
    """

    def __init__(
        self,
        tag_name="",
        node_name=None,
        type="",
        href="",
        protocol="",
        host="",
        onclick="",
        value="",
        inner_text="",
        text_content="",
        src="",
        region_id="",
        s_object_id="",
        label="",
        parent=None,
        node=None,
        target="",
        attributes=None,
    ):
        self.tag_name = tag_name
        self.node_name = tag_name.upper() if node_name is None else node_name
        self.type = type
        self.href = href
        self.protocol = protocol
        self.host = host
        self.onclick = onclick
        self.value = value
        self.inner_text = inner_text
        self.text_content = text_content
        self.src = src
        self.region_id = region_id
        self.s_object_id = s_object_id
        self.label = label
        self.parent = parent
        self.node = self if node is None else node
        self.target = target
        self.attributes = attributes or {}

    def get_attribute(self, name):
        """JS ``el.getAttribute(name)`` as a str ("" when absent)."""
        value = self.attributes.get(name)
        if value is None and name == "id":
            value = self.region_id
        if value is None and name in ("data-s-object-id", "s-object-id"):
            value = self.s_object_id
        return value if isinstance(value, str) else ""

    def __repr__(self):
        return "<ElementInfo %s href=%r>" % (self.tag_name, self.href)
