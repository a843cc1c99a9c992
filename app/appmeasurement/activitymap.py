"""ActivityMap and ClickMap: which link and region of the page a link call was about.

As AppMeasurement.js 2.27.0 with its ActivityMap module: element link calls with a name get
``a.activitymap.page/link/region/pageIDType`` context data, which leaves the ``c.`` block and is sent
as a second ``c.`` block after the ``pev3`` slot; ClickMap (``trackClickMap``/``trackInlineStats``)
adds ``pid/pidt/oid/oidt/ot``; click data stored in the ``s_sq`` cookie by an earlier call is carried
by the next hit of the same report suites.

    >>> clean("  Sign \\n up   now ")
    'Sign up now'
"""

from .contextdata import ContextData, serialize
from .cookies import read as read_cookie
from .cookies import write as write_cookie
from .escaping import escape_lenient, unescape
from .jsvalues import JS_SPACE, js_string, js_truthy, utf16_slice

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


def link_text(info, name):
    """ActivityMap's link name: linkName, else what the element shows."""
    if js_truthy(name):
        return clean(name)
    if info is None:
        return None
    if info.s_object_id:
        return clean(info.s_object_id)
    text = clean(info.inner_text or info.text_content or "")
    if not text:
        text = clean(info.label or "")
    if not text:
        tag = info.tag_name.upper() if isinstance(info.tag_name, str) else ""
        if tag == "INPUT" or (tag == "SUBMIT" and info.value):
            text = clean(info.value)
        elif tag == "IMAGE" and info.src:
            text = clean(info.src)
    return text


def region(info):
    """The region of a link: the id of its nearest ancestor that has one, else "BODY"."""
    while info is not None:
        info = info.parent
        if info is None:
            return None
        if info.region_id:
            return info.region_id
        if info.node_name == "BODY":
            return "BODY"
    return None


def record(s, call):
    """ActivityMap's page/link/region context data for element link calls with a name (module ``_g``)."""
    page = s.pageName if js_truthy(s.pageName) else s.pageURL
    if not js_truthy(page):
        return
    info = call.link_info
    link = clean(link_text(info, s.linkName))
    if not link:
        return
    where = clean(region(info))
    if not where:
        return
    data = s.contextData
    if not isinstance(data, ContextData):
        return
    data["a.activitymap.page"] = utf16_slice(js_string(page), 0, 255)
    data["a.activitymap.link"] = utf16_slice(link, 0, 128)
    data["a.activitymap.region"] = utf16_slice(where, 0, 127)
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
        if js_truthy(page) and oid is not None and tag:
            extra = (
                "&pid="
                + escape_lenient(utf16_slice(js_string(page), 0, 255))
                + ("&pidt=" + str(page_type) if page_type else "")
                + "&oid="
                + escape_lenient(utf16_slice(oid[0], 0, 100))
                + ("&oidt=" + str(oid[1]) if oid[1] else "")
                + "&ot="
                + tag
            )
    call.link_extra = extra


def _has_activitymap_keys(data):
    if isinstance(data, ContextData):
        for key in data.keys():
            if key and key.startswith(PREFIX):
                return True
    return False


def carry_clicks(s, call, send):
    """Move a.activitymap.* context data to the block after pev3 and carry or store ``s_sq`` click
    data (second half of AppMeasurement's ``fc``). ``send``: whether this call sends a hit."""
    stored = None if js_truthy(s.useLinkTrackSessionStorage) else read_cookie(s._env, "s_sq")
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
            if not js_truthy(s.useLinkTrackSessionStorage):
                write_cookie(s, "s_sq", text)
    call.link_extra = extra
