"""Page facts a hit carries: the page URL and referrer, query parameters, and the technology fields.

As AppMeasurement.js 2.27.0 fills them: ``pageURL`` defaults to ``location.href``; the first hit of an
instance reads ``document.referrer`` (or ``adobe_mc_ref`` from the page URL), later hits only what the
page set; a referrer kept from an aborted call is sent with the next hit; long search-engine referrers
are reordered; the technology fields (``s c j v k bw bh``) are read once per instance.

    >>> shorten_referrer("https://ex.test/")
    'https://ex.test/'
    >>> query_param_of("https://shop.test/p?cid=spring&x=1#top", "cid")
    'spring'
"""

from .cookies import write as write_cookie
from .escaping import unescape
from .jsvalues import js_string, js_truthy, utf16_len, utf16_slice

UNDEFINED = object()  # getQueryParam's "parameter present without a value"

# Search engines whose long referrers get their search-term parameters moved to the front.
_SEARCH_PARAMS = (
    ("google", ",q,ie,start,search_key,word,kw,cd,"),
    ("yahoo.co", ",p,ei,"),
    ("baidu.", ",wd,word,"),
)


def query_param_of(url, name, separator=None, absent_check=False):
    """``s.Util.getQueryParam`` on an explicit URL: the unescaped value, "" when absent; with
    absent_check, UNDEFINED when the parameter is there without a value."""
    found = ""
    sep = separator or "&"
    if not name or not js_truthy(url):
        return found
    text = js_string(url)
    mark = text.find("?")
    if mark < 0:
        return found
    text = sep + text[mark + 1 :] + sep
    if absent_check and ((sep + name + sep) in text or (sep + name + "=" + sep) in text):
        return UNDEFINED
    mark = text.find("#")
    if mark >= 0:
        text = text[:mark] + sep
    mark = text.find(sep + name + "=")
    if mark < 0:
        return found
    text = text[mark + len(sep) + len(name) + 1 :]
    mark = text.find(sep)
    if mark >= 0:
        text = text[:mark]
    if text:
        found = unescape(text)
    return found


def query_param(s, name, url=None, separator=None, absent_check=False):
    """``s.Util.getQueryParam``: ``url`` defaults to pageURL, else the page's location."""
    if url is None:
        url = s.pageURL if js_truthy(s.pageURL) else s._env.location_href()
    return query_param_of(url, name, separator, absent_check)


def page_and_referrer(s):
    """Fill pageURL and referrer for this hit (AppMeasurement's order, first-hit rule included)."""
    state = s._state
    if not js_truthy(s.pageURL):
        s.pageURL = s._env.location_href()
    if not js_truthy(s.referrer) and not state.referrer_seen:
        from_url = query_param(s, "adobe_mc_ref", None, None, True)
        if from_url is UNDEFINED:
            s.referrer = ""
        elif js_truthy(from_url):
            s.referrer = from_url
        else:
            s.referrer = s._env.document_referrer()
    state.referrer_seen = True
    if not js_truthy(s.referrer) and js_truthy(state.held_referrer):
        s.referrer = state.held_referrer
    state.held_referrer = None
    s.referrer = shorten_referrer(s.referrer)


def technology(s):
    """The technology fields, read once per instance: screen, colour depth, JS version, Java,
    cookies (an ``s_cc`` test cookie), window size."""
    state = s._state
    if state.tech_done:
        return
    cookies = "Y" if write_cookie(s, "s_cc", "true", 0) else "N"
    screen = s._env.screen()
    s.resolution = js_string(screen.get("width")) + "x" + js_string(screen.get("height"))
    s.colorDepth = screen.get("color_depth")
    s.javascriptVersion = "1.6"
    s.javaEnabled = "Y" if screen.get("java_enabled") else "N"
    s.cookiesEnabled = cookies
    s.browserWidth = screen.get("inner_width")
    s.browserHeight = screen.get("inner_height")
    s.connectionType = ""
    s.homepage = ""
    state.tech_done = True


def shorten_referrer(referrer):
    """AppMeasurement's referrer rewrite: only search-engine referrers over 255 UTF-16 units change.

    Their search-term parameters move to the front of the query and the path is shortened so that
    host, path and the moved parameters fit in 253 units; the rest of the query is kept whole.
    """
    if not js_truthy(referrer) or not isinstance(referrer, str) or utf16_len(referrer) <= 255:
        return referrer
    qmark = referrer.find("?")
    if qmark <= 0:
        return referrer
    query = referrer[qmark + 1 :]
    base = referrer[:qmark]
    lower = base.lower()
    start = 0
    if lower.startswith("http://"):
        start = 7
    elif lower.startswith("https://"):
        start = 8
    slash = lower.find("/", start)
    if slash <= 0:
        return referrer
    host = lower[start:slash]
    path = base[slash:]
    origin = base[:slash]
    wanted = ""
    for needle, params in _SEARCH_PARAMS:
        if needle in host:
            wanted = params
            break
    if not wanted or not query:
        return referrer
    moved = ""
    others = ""
    parts = query.split("&")
    if len(parts) > 1:
        for part in parts:
            eq = part.find("=")
            if eq > 0 and ("," + part[:eq] + ",") in wanted:
                moved += ("&" if moved else "") + part
            else:
                others += ("&" if others else "") + part
        if moved and others:
            query = moved + "&" + others
        else:
            others = ""
    room = 253 - (utf16_len(query) - utf16_len(others)) - utf16_len(origin)
    return origin + (utf16_slice(path, 0, room) if room > 0 else "") + "?" + query
