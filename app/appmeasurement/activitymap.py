"""ActivityMap and ClickMap: which link and region of the page a link call was about.

As AppMeasurement.js 2.27.0 with its ActivityMap module: element link calls with a name get
``a.activitymap.page/link/region/pageIDType`` context data, which leaves the ``c.`` block and is sent
as a second ``c.`` block after the ``pev3`` slot; ClickMap (``trackClickMap``/``trackInlineStats``)
adds ``pid/pidt/oid/oidt/ot``; click data stored in the ``s_sq`` cookie by an earlier call is carried
by the next hit of the same report suites.

    >>> clean("  Sign \\n up   now ")
    'Sign up now'
"""

import math

from .contextdata import ContextData, serialize
from .cookies import read_in_call as read_cookie
from .cookies import write as write_cookie
from .escaping import escape_lenient, unescape
from .jsvalues import JS_SPACE, js_string, js_truthy, to_number, utf16_slice

PREFIX = "a.activitymap."


def clean(value):
    """ActivityMap's text clean-up: trim, collapse whitespace runs, cut to 254 UTF-16 units."""
    if not isinstance(value, str):
        return None
    words = []
    word = []
    for ch in value:
        if ch in JS_SPACE:
            if word:
                words.append("".join(word))
                word = []
        else:
            word.append(ch)
    if word:
        words.append("".join(word))
    return utf16_slice(" ".join(words), 0, 254)


def _kebab(name):
    """A dataset key as its attribute suffix: "sObjectId" -> "s-object-id"."""
    out = []
    for ch in name:
        if "A" <= ch <= "Z":
            out.append("-" + ch.lower())
        else:
            out.append(ch)
    return "".join(out)


def parse_object_id(source):
    """The value an ``onclick`` source assigns to ``s_objectID``, when it is a string or number
    literal (AppMeasurement evaluates the expression; without eval only literals are read)."""
    start = source.find("s_objectID")
    if start < 0:
        return None
    i = start + 10
    while i < len(source) and source[i] in "= \t\r\n":
        i += 1
    end = i
    quote = None
    escaped = False
    while end < len(source) and (source[end] != ";" or quote):
        ch = source[end]
        if quote:
            if ch == quote and not escaped:
                quote = None
            else:
                escaped = (ch == "\\") and not escaped
        elif ch in "\"'":
            quote = ch
        end += 1
    expr = source[i:end].strip()
    if len(expr) >= 2 and expr[0] in "\"'" and expr[-1] == expr[0]:
        body = expr[1:-1]
        out = []
        k = 0
        while k < len(body):
            if body[k] == "\\" and k + 1 < len(body):
                k += 1
            out.append(body[k])
            k += 1
        return "".join(out)
    number = to_number(expr) if expr else None
    return number if isinstance(number, (int, float)) and expr[:1] in "0123456789-." else None


class ActivityMap:
    """``s.ActivityMap``: its options and the ``link``/``region`` functions, which a page may replace.

    ``link(element, linkName)`` and ``region(element)`` take the DOM element (``s.linkObject``);
    ``linkExclusions`` / ``regionExclusions`` (comma lists: a token found in the value excludes
    it), ``regionIDAttribute`` (default "id") and ``trackScrollReach`` (``a.activitymap.xy``).

        >>> from appmeasurement import AppMeasurement
        >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
        >>> s = AppMeasurement("r", StaticEnvironment(), FakeTransport())
        >>> s.ActivityMap.linkExclusions = "Secret,,Buy"
        >>> s.ActivityMap.link(None, " A  secret\\n"), s.ActivityMap.link(None, "Secret deal")
        ('A secret', None)
    """

    def __init__(self, s):
        self._s = s
        self._lists = {}  # exclusion list -> its tokens (AppMeasurement caches the split)
        self._passed = 0  # AppMeasurement's ``p``: the last value already went through the filter
        self.linkExclusions = None
        self.regionExclusions = None
        self.regionIDAttribute = None
        self.trackScrollReach = None
        self.link = self._link
        self.region = self._region

    def _filter(self, value, exclusions):
        # AppMeasurement's ``g``: the loop stops at the first empty token.
        if value and exclusions:
            key = js_string(exclusions)
            tokens = self._lists.get(key)
            if tokens is None:
                tokens = self._lists[key] = key.split(",")
            for token in tokens:
                if not token:
                    break
                if token in value:
                    return None
        self._passed = 1
        return value

    def _attribute(self, info, dataset_name, attr, use_onclick):
        # AppMeasurement's ``q``: dataset, data-<attr>, <attr>; then s_objectID.
        env = self._s._env
        found = (
            info.get_attribute("data-" + _kebab(dataset_name))
            or info.get_attribute("data-" + attr)
            or info.get_attribute(attr)
        )
        if not found and use_onclick and js_truthy(self._s.useForcedLinkTracking) and info.onclick:
            # With forced tracking the capture listener runs before the element's own onclick,
            # so an ``s_objectID = ...`` there has not run yet: read it from the source.
            value = parse_object_id(info.onclick)
            if value is not None:
                env.set_s_object_id(value)
        if found:
            return found
        return env.s_object_id() if use_onclick else None

    def _link(self, element, name=None):
        if js_truthy(name):
            return self._filter(clean(name), self.linkExclusions)
        info = self._s._env.element_info(element)
        if info is None:
            return None
        found = self._attribute(info, "sObjectId", "s-object-id", True)
        if js_truthy(found):
            return found
        text = self._filter(clean(info.inner_text or info.text_content or ""), self.linkExclusions)
        if not text:
            text = self._filter(clean(info.label or ""), None)
        if not text:
            tag = info.tag_name.upper() if isinstance(info.tag_name, str) else ""
            if tag == "INPUT" or (tag == "SUBMIT" and info.value):
                text = self._filter(clean(info.value), None)
            elif tag == "IMAGE" and info.src:
                text = self._filter(clean(info.src), None)
        return text

    def _region(self, element):
        attr = js_string(self.regionIDAttribute) if js_truthy(self.regionIDAttribute) else "id"
        info = self._s._env.element_info(element)
        while info is not None:
            info = info.parent
            if info is None:
                return None
            found = self._attribute(info, attr, attr, False)
            if found:
                return found
            if info.node_name == "BODY":
                return "BODY"
        return None

    def value(self, kind, element, name=None):
        """link or region through the (possibly replaced) function, cleaned and filtered (``r``)."""
        if kind == "link":
            found = self.link(element, name)
        else:
            found = self.region(element)
        if not js_truthy(found):
            return found
        if self._passed:
            self._passed = 0
            return found
        return self._filter(clean(found), self.linkExclusions if kind == "link" else self.regionExclusions)


def record(s, call):
    """ActivityMap's page/link/region context data (module ``_g``): for the link element of the
    call (``s.linkObject``) or ``linkName``, through ``s.ActivityMap``'s functions and options."""
    page = s.pageName if js_truthy(s.pageName) else s.pageURL
    if not js_truthy(page):
        return
    module = s.ActivityMap
    if not isinstance(module, ActivityMap):
        return
    element = s.linkObject
    link = module.value("link", element, s.linkName)
    if not js_truthy(link):
        return
    where = module.value("region", element)
    if not js_truthy(where):
        return
    data = s.contextData
    if not isinstance(data, ContextData):
        return
    data["a.activitymap.page"] = utf16_slice(js_string(page), 0, 255)
    data["a.activitymap.link"] = utf16_slice(js_string(link), 0, 128)
    data["a.activitymap.region"] = utf16_slice(js_string(where), 0, 127)
    if js_truthy(module.trackScrollReach):
        reach = 10 * int(math.floor(to_number(s._env.scroll_reach() or 0) / 10))
        if reach > 0:
            data["a.activitymap.xy"] = reach
    data["a.activitymap.pageIDType"] = 1 if js_truthy(s.pageName) else 0


def clickmap(s, call):
    """ClickMap's pid/pidt/oid/oidt/ot parameters of the link element (trackClickMap/trackInlineStats)."""
    if not (js_truthy(s.trackClickMap) or js_truthy(s.trackInlineStats)):
        return
    info, tag, oid = call.link_info, call.link_tag, call.link_oid
    extra = ""
    if info is not None:
        page = s.pageName
        page_type = 1
        if not js_truthy(page):
            page = s.pageURL
            page_type = 0
        index = ""
        object_id = s._env.s_object_id()
        if js_truthy(object_id) and oid is not None:
            oid, index = (js_string(object_id), 1), "&oi=1"  # AppMeasurement's sourceIndex slot
        if js_truthy(page) and oid is not None and oid[0] and tag:
            extra = (
                "&pid="
                + escape_lenient(utf16_slice(js_string(page), 0, 255))
                + ("&pidt=" + str(page_type) if page_type else "")
                + "&oid="
                + escape_lenient(utf16_slice(oid[0], 0, 100))
                + ("&oidt=" + str(oid[1]) if oid[1] else "")
                + "&ot="
                + tag
                + index
            )
    call.link_extra = extra


def _has_activitymap_keys(data):
    if isinstance(data, ContextData):
        for key in data.keys():
            if key and key.startswith(PREFIX):
                return True
    return False


def _session_read(env):
    # useLinkTrackSessionStorage: s_sq lives in sessionStorage; without it, there is nothing stored.
    try:
        return env.storage_get("session", "s_sq") if env.storage_available("session") else None
    except Exception:
        return None


def _session_write(env, text):
    try:
        if env.storage_available("session"):
            env.storage_set("session", "s_sq", text)
    except Exception:  # blocked or full: the click data is lost, as AppMeasurement loses it
        pass


def carry_clicks(s, call, send):
    """Move a.activitymap.* context data to the block after pev3 and carry or store ``s_sq`` click
    data (second half of AppMeasurement's ``fc``). ``send``: whether this call sends a hit."""
    session = js_truthy(s.useLinkTrackSessionStorage)
    stored = _session_read(s._env) if session else read_cookie(s, "s_sq")
    data = s.contextData
    if send and not stored and not _has_activitymap_keys(data):
        return  # the common page view: nothing to move, carry or store
    clicks = ContextData()
    if stored:
        for part in stored.split("&"):
            pieces = part.split("=")
            names = unescape(pieces[0]) or ""
            value = unescape(pieces[1]) if len(pieces) > 1 else None
            clicks[value if isinstance(value, str) else "undefined"] = js_string(names).split(",")
    accounts = js_string(s.account).split(",")
    moved = ContextData()
    if isinstance(data, ContextData):
        for key in data.keys():
            if key and key.startswith(PREFIX):
                moved[key] = data[key]
                data[key] = ""
    extra = serialize("c", moved.items()) + (call.link_extra or "")
    if send or extra:
        carry = bool(send) and not extra
        changed = False
        for value in clicks.keys():
            joiner = "" if value[:1] == "&" else "&"
            for account in accounts:
                if carry and ",".join(clicks[value]) == s.account:
                    extra += joiner + value
                    clicks[value] = []
                    changed = True
                suites = clicks[value]
                k = 0
                while k < len(suites):
                    if suites[k] == account:
                        if carry:
                            extra += "&u=" + escape_lenient(suites[k]) + joiner + value + "&u=0"
                        suites.pop(k)
                        changed = True
                    k += 1  # AppMeasurement skips the entry after a removed one
        if not send:
            changed = True
        if changed:
            text = ""
            budget = 2
            if not send and extra:
                text = escape_lenient(",".join(accounts)) + "=" + escape_lenient(extra)
                budget = 1
            for value in clicks.keys():
                if budget > 0 and clicks[value]:
                    text += (
                        ("&" if text else "")
                        + escape_lenient(",".join(clicks[value]))
                        + "="
                        + escape_lenient(value)
                    )
                    budget -= 1
            if session:
                _session_write(s._env, text)
            else:
                write_cookie(s, "s_sq", text)
    call.link_extra = extra
