"""Page facts the tracker needs, behind a duck-typed ``Environment``; ``StaticEnvironment`` for tests.

The tracker never touches ``js``: it asks an environment object.  ``browser.BrowserEnvironment``
implements it over the DOM; ``StaticEnvironment`` is a deterministic in-memory page for CPython and
MicroPython tests (fixed clock, seeded random, a cookie jar, fake elements).

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
``log(msg) / warn(msg) / error(msg)``
    JS: ``console.log`` / ``console.warn`` / ``console.error``.

    >>> env = StaticEnvironment(location="http://HARNESS/page.html")
    >>> env.make_anchor("docs/a b.pdf?v=2").href
    'http://HARNESS/docs/a%20b.pdf?v=2'
"""

import math


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
    s_object_id   JS ``el.getAttribute("data-s-object-id") || el.getAttribute("s-object-id") || ""``.
    label         ActivityMap's fallback link text: walk ``el`` and its descendants in document order,
                  skipping SCRIPT, STYLE, LINK and CANVAS subtrees; at the first element that has an
                  ``alt`` attribute, else a ``title`` attribute, else is an IMG with a ``src``, take
                  that alt / title / src.  "" when none.
    parent        ElementInfo of ``el.parentElement`` (None above <html>); may be built eagerly.
    node          the original object (the DOM element) for ``s.linkObject`` after the call.
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

    def __repr__(self):
        return "<ElementInfo %s href=%r>" % (self.tag_name, self.href)


class FakeElement(ElementInfo):
    """A test stand-in for a DOM element; it is its own ElementInfo."""


# --- a small WHATWG-style URL resolver, enough for <a href> in tests -----------------------------

_SPECIAL_PORTS = {"http:": "80", "https:": "443", "ws:": "80", "wss:": "443", "ftp:": "21"}
_PATH_ENCODE = ' "#<>?`{}'
_QUERY_ENCODE = " \"#<>'"
_FRAGMENT_ENCODE = ' "<>`'


def _percent_encode(text, specials):
    out = []
    for ch in text:
        code = ord(ch)
        if code < 0x20 or code == 0x7F or ch in specials:
            out.append("%%%02X" % code)
        elif code > 0x7F:
            for byte in ch.encode("utf-8"):
                out.append("%%%02X" % byte)
        else:
            out.append(ch)
    return "".join(out)


def _remove_dot_segments(path):
    segments = path.split("/")
    out = []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        low = seg.lower()
        if low in (".", "%2e"):
            if last:
                out.append("")
            continue
        if low in ("..", ".%2e", "%2e.", "%2e%2e"):
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
            continue
        out.append(seg)
    result = "/".join(out)
    return result if result.startswith("/") else "/" + result


def _cut(text, mark):
    """``text`` split before the first ``mark``, which starts the tail: ("a", "#b") for "a#b"."""
    at = text.find(mark)
    return (text, "") if at < 0 else (text[:at], text[at:])


def _split_url(url, canonical=False):
    """(protocol, host, path, query, fragment) of an absolute special URL; query/fragment keep marks.

    canonical: the URL is already what a browser shows (location.href), so its host is kept as is.
    """
    colon = url.find(":")
    protocol = url[: colon + 1].lower()
    rest = url[colon + 1 :]
    while rest.startswith("/") or rest.startswith("\\"):
        rest = rest[1:]
    end = len(rest)
    for mark in "/?#\\":
        i = rest.find(mark)
        if 0 <= i < end:
            end = i
    authority = rest[:end]
    tail = rest[end:]
    at = authority.rfind("@")
    if at >= 0:
        authority = authority[at + 1 :]
    host = authority if canonical else authority.lower()
    if ":" in host:
        name, port = host.rsplit(":", 1)
        if port == _SPECIAL_PORTS.get(protocol) or port == "":
            host = name
    tail, fragment = _cut(tail, "#")
    tail, query = _cut(tail, "?")
    return protocol, host, tail.replace("\\", "/") or "/", query, fragment


def resolve_url(href, base):
    """The ``href`` property a browser gives an ``<a href=...>`` on page ``base`` (http(s) only)."""
    href = href.strip(" \t\n\r\f")
    href = href.replace("\t", "").replace("\n", "").replace("\r", "")
    b_protocol, b_host, b_path, b_query, _b_fragment = _split_url(base, True)
    colon = href.find(":")
    scheme_ok = colon > 0
    if scheme_ok:
        for i, ch in enumerate(href[:colon]):
            if not (ch.isalpha() or (i > 0 and (ch.isdigit() or ch in "+-."))):
                scheme_ok = False
                break
    if scheme_ok:
        scheme = href[: colon + 1].lower()
        if scheme not in _SPECIAL_PORTS:
            return href  # mailto:, javascript:, data: ... are returned as written
        protocol, host, path, query, fragment = _split_url(href)
    elif href.startswith("//") or href.startswith("\\\\"):
        protocol, host, path, query, fragment = _split_url(b_protocol + href)
    else:
        protocol, host = b_protocol, b_host
        href, fragment = _cut(href, "#")
        href, query = _cut(href, "?")
        href = href.replace("\\", "/")
        if href.startswith("/"):
            path = href
        elif href == "":
            path = b_path
            if not query:  # "" or "#x" keeps the page's own query
                query = b_query
        else:
            path = b_path[: b_path.rfind("/") + 1] + href
    path = _percent_encode(_remove_dot_segments(path), _PATH_ENCODE)
    if query:
        query = "?" + _percent_encode(query[1:], _QUERY_ENCODE)
    if fragment:
        fragment = "#" + _percent_encode(fragment[1:], _FRAGMENT_ENCODE)
    return protocol + "//" + host + path + query + fragment


# --- the deterministic environment ---------------------------------------------------------------


def _civil_from_days(days):
    """(year, month 1-12, day) for days since 1970-01-01 (proleptic Gregorian)."""
    z = days + 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y), m, d


def local_fields(now_ms, tz_offset_minutes=0):
    """``local_time()`` tuple for an epoch-ms instant and a fixed JS timezone offset."""
    local_ms = now_ms - tz_offset_minutes * 60000
    days = local_ms // 86400000
    ms_of_day = local_ms - days * 86400000
    year, month, day = _civil_from_days(days)
    seconds_of_day = ms_of_day // 1000
    weekday = (days + 4) % 7  # 1970-01-01 was a Thursday
    return (
        day,
        month - 1,
        year,
        seconds_of_day // 3600,
        (seconds_of_day // 60) % 60,
        seconds_of_day % 60,
        weekday,
        tz_offset_minutes,
    )


class StaticEnvironment:
    """A fixed page for tests: attributes are settable and every method is deterministic.

    Defaults match the recorded vectors: ``http://HARNESS/page.html``, no referrer, screen
    1280x720x24, window 1280x720, UTC, cookies on, sendBeacon available.
    """

    def __init__(
        self,
        location="http://HARNESS/page.html",
        referrer="",
        now_ms=1795327810000,
        tz_offset=0,
        seed=1,
        screen=None,
        cookies_enabled=True,
        send_beacon=True,
    ):
        self.location = location
        self.referrer = referrer
        self.clock_ms = now_ms
        self.tz_offset = tz_offset
        self.cookies_enabled = cookies_enabled
        self.send_beacon = send_beacon
        self.screen_info = screen or {
            "width": 1280,
            "height": 720,
            "color_depth": 24,
            "inner_width": 1280,
            "inner_height": 720,
            "java_enabled": False,
        }
        self._seed = (seed * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        self._cookie_names = []
        self._cookie_values = {}
        self.cookie_writes = []
        self.navigations = []
        self.messages = []
        self.html = FakeElement(tag_name="HTML")
        self.body = FakeElement(tag_name="BODY", parent=self.html)

    # time and randomness
    def now_ms(self):
        return self.clock_ms

    def local_time(self):
        return local_fields(self.clock_ms, self.tz_offset)

    def random(self):
        # 64-bit LCG; the top 53 bits make the float (same sequence in CPython and MicroPython).
        self._seed = (self._seed * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return (self._seed >> 11) / 9007199254740992.0

    # location
    def _parts(self):
        return _split_url(self.location, True)

    def location_href(self):
        return self.location

    def location_protocol(self):
        return self._parts()[0]

    def location_host(self):
        return self._parts()[1]

    def location_hostname(self):
        host = self._parts()[1]
        return host.rsplit(":", 1)[0] if ":" in host else host

    def location_pathname(self):
        return self._parts()[2]

    def document_referrer(self):
        return self.referrer

    # cookies
    def get_cookies(self):
        return "; ".join([name + "=" + self._cookie_values[name] for name in self._cookie_names])

    def set_cookie(self, cookie_string):
        self.cookie_writes.append(cookie_string)
        if not self.cookies_enabled:
            return
        pieces = cookie_string.split(";")
        first = pieces[0]
        eq = first.find("=")
        if eq < 0:
            return
        name = first[:eq].strip()
        value = first[eq + 1 :].strip()
        expired = False
        for attr in pieces[1:]:
            attr = attr.strip()
            if attr.lower().startswith("expires="):
                expired = _parse_utc_string(attr[8:]) <= self.clock_ms
        if expired:
            if name in self._cookie_values:
                del self._cookie_values[name]
                self._cookie_names.remove(name)
            return
        if name not in self._cookie_values:
            self._cookie_names.append(name)
        self._cookie_values[name] = value

    # screen, elements, misc
    def screen(self):
        return dict(self.screen_info)

    def element_info(self, obj):
        return obj if isinstance(obj, ElementInfo) else None

    def has_send_beacon(self):
        return self.send_beacon

    def navigate(self, url):
        self.navigations.append(url)

    def log(self, msg):
        self.messages.append(("log", msg))

    def warn(self, msg):
        self.messages.append(("warn", msg))

    def error(self, msg):
        self.messages.append(("error", msg))

    def make_anchor(self, href, parent=None, **attrs):
        """A new ``<a href=...>`` appended to ``parent`` (default: body), href resolved like a browser."""
        resolved = resolve_url(href, self.location)
        protocol, host = "", ""
        colon = resolved.find(":")
        if colon > 0 and resolved[: colon + 1].lower() in _SPECIAL_PORTS:
            protocol, host = _split_url(resolved)[:2]
        elif colon > 0:
            protocol = resolved[: colon + 1].lower()
        return FakeElement(
            tag_name="A", href=resolved, protocol=protocol, host=host, parent=parent or self.body, **attrs
        )


_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat")


def utc_string(ms):
    """JS ``new Date(ms).toUTCString()``: "Sun, 22 Nov 2026 06:10:10 GMT"."""
    day, month0, year, hours, minutes, seconds, weekday, _ = local_fields(int(math.floor(ms)), 0)
    return "%s, %02d %s %d %02d:%02d:%02d GMT" % (
        _DAYS[weekday],
        day,
        _MONTHS[month0],
        year,
        hours,
        minutes,
        seconds,
    )


def days_from_civil(year, month, day):
    """Days since 1970-01-01 for a proleptic Gregorian date (month 1-12; overflowing days roll on)."""
    y = year - (1 if month <= 2 else 0)
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = month - 3 if month > 2 else month + 9
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _parse_utc_string(text):
    """Epoch ms of a "Sun, 22 Nov 2026 06:10:10 GMT" string (0 when unreadable)."""
    parts = text.replace(",", " ").split()
    try:
        day = int(parts[1])
        month = _MONTHS.index(parts[2]) + 1
        year = int(parts[3])
        hms = [int(p) for p in parts[4].split(":")]
    except (ValueError, IndexError):
        return 0
    return (days_from_civil(year, month, day) * 86400 + hms[0] * 3600 + hms[1] * 60 + hms[2]) * 1000


def describe(value):
    """Short ``repr (type)`` text for error messages."""
    text = repr(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return "%s (%s)" % (text, type(value).__name__)
