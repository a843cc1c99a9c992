"""Pure request building: the query string, host and path, timestamp, cache buster, referrer.

Nothing here touches the page or the instance: ``build_query`` reads variables through a ``get``
callable, so the same code serves the tracker and the tests.  The order of the query follows
``variables.TRACKED``; see ``variables.WIRE_KEYS`` for the key of each variable.

    >>> values = {"pageName": "Home", "eVar1": "a b", "charSet": "UTF-8"}
    >>> build_query(values.get)
    '&ce=UTF-8&pageName=Home&v1=a%20b'
    >>> tracking_host(None, None, False, None, None, "my-rsid,other")
    'myrsid.112.2o7.net'
"""

import math

from .contextdata import ContextData, is_mapping, serialize
from .escaping import escape
from .jsvalues import js_string, js_truthy, utf16_len, utf16_slice
from .variables import ALWAYS_SENT, BLOCKS, PRE_ESCAPED, TRACKED, VERSION, wire_key

_ALWAYS_SENT_TEXT = ",".join(ALWAYS_SENT)
_HEX_DIGITS = "0123456789ABCDEF"

# Search engines whose long referrers get their search-term parameters moved to the front.
_SEARCH_PARAMS = (
    ("google", ",q,ie,start,search_key,word,kw,cd,"),
    ("yahoo.co", ",p,ei,"),
    ("baidu.", ",wd,word,"),
)


def link_filters(link_track_vars, link_track_events):
    """The (vars, events) filter texts AppMeasurement uses on a link hit.

    vars: None (no filtering) or ",listed,...,always-sent...," (plus ",events," when events are
    filtered); events: None or ",listed,".
    """
    allowed = None
    events = None
    if js_truthy(link_track_vars):
        allowed = "," + js_string(link_track_vars) + "," + _ALWAYS_SENT_TEXT + ","
    if js_truthy(link_track_events):
        events = "," + js_string(link_track_events) + ","
        if allowed is not None:
            allowed += ",events,"
    return allowed, events


def filter_events(events, allowed_events):
    """Keep the comma-separated events whose name (before "=" or ":") is listed."""
    kept = []
    for entry in events.split(","):
        name = entry
        cut = name.find("=")
        if cut >= 0:
            name = name[:cut]
        cut = name.find(":")
        if cut >= 0:
            name = name[:cut]
        if ("," + name + ",") in allowed_events:
            kept.append(entry)
    return ",".join(kept)


def _as_items(value):
    return ContextData.from_value(value).items() if is_mapping(value) else []


def build_query(get, allowed=None, allowed_events=None, ssl=False, after_pev3="", lrt=None):
    """The ``&key=value`` part of a hit (without ``t=``, ``AQB`` and ``AQE``).

    get(name) returns a variable's value (None when unset).  ``allowed``/``allowed_events`` come from
    ``link_filters`` (None on page views).  ``after_pev3`` is inserted right after the pev3 slot
    (the ActivityMap block).  ``lrt`` is appended last when truthy.
    """
    out = []
    extra_events = get("events2")
    extra_events = js_string(extra_events) if js_truthy(extra_events) else ""
    page_url_rest = None
    for name in TRACKED:
        if name == "pageURLRest" and page_url_rest is not None:
            value = page_url_rest
        else:
            value = get(name)
        if not js_truthy(value) and name == "events" and extra_events:
            value, extra_events = extra_events, ""
        if js_truthy(value) and (allowed is None or ("," + name + ",") in allowed):
            key = wire_key(name)
            if name in BLOCKS:
                if name != "retrieveLightData" or js_truthy(get("retrieveLightProfiles")):
                    out.append(serialize(BLOCKS[name], _as_items(value), allowed, name + "."))
                value = ""
            elif name == "pageURL":
                if isinstance(value, str) and utf16_len(value) > 255:
                    page_url_rest = utf16_slice(value, 255)
                    value = utf16_slice(value, 0, 255)
            elif name == "visitorMigrationServer":
                if js_truthy(ssl) and js_truthy(get("visitorMigrationServerSecure")):
                    value = ""
            elif name == "visitorMigrationServerSecure":
                if not js_truthy(ssl) and js_truthy(get("visitorMigrationServer")):
                    value = ""
            elif name == "events":
                value = js_string(value)
                if extra_events:
                    value += ("," if value else "") + extra_events
                if allowed_events is not None:
                    value = filter_events(value, allowed_events)
            elif name == "events2":
                value = ""
            elif name == "lightStoreForSeconds" or name == "lightIncrementBy":
                if not js_truthy(get("lightProfileID")):
                    value = ""
            elif key is not None and key[0] == "h" and name.startswith("hier"):
                value = utf16_slice(js_string(value), 0, 255)
            if js_truthy(value):
                out.append("&" + key + "=" + (js_string(value) if name in PRE_ESCAPED else escape(value)))
        if name == "pev3" and after_pev3:
            out.append(after_pev3)
    if js_truthy(lrt):
        out.append("&lrt=" + js_string(lrt))
    return "".join(out)


def timestamp_param(local_time):
    """``t=`` value: "day/month0/year hours:minutes:seconds weekday tzOffset", unpadded, escaped."""
    day, month0, year, hours, minutes, seconds, weekday, offset = local_time
    if year < 1900:
        year += 1900
    parts = (day, "/", month0, "/", year, " ", hours, ":", minutes, ":", seconds, " ", weekday, " ", offset)
    return "t=" + escape("".join([p if isinstance(p, str) else js_string(p) for p in parts]))


def cache_buster(now_ms, rand):
    """The last path segment: "s" + 3-hour slot mod 10 + floor(1e13 * Math.random())."""
    slot = int(math.floor(now_ms / 10800000.0)) % 10
    return "s" + str(slot) + str(int(math.floor(1e13 * rand)))


def default_host_prefix(visitor_namespace, account):
    """visitorNamespace, or the first report suite with everything but ASCII letters/digits removed."""
    if js_truthy(visitor_namespace):
        return js_string(visitor_namespace)
    first = js_string(account).split(",")[0]
    kept = []
    for ch in first:
        if ("0" <= ch <= "9") or ("a" <= ch <= "z") or ("A" <= ch <= "Z"):
            kept.append(ch)
    return "".join(kept)


def tracking_host(tracking_server, tracking_server_secure, ssl, dc, visitor_namespace, account):
    """Collection host: trackingServer (its secure variant over https) or <ns>.<dc>.2o7.net."""
    if js_truthy(tracking_server):
        if js_truthy(tracking_server_secure) and js_truthy(ssl):
            return js_string(tracking_server_secure)
        return js_string(tracking_server)
    region = js_string(dc).lower() if js_truthy(dc) else "d1"
    if region == "d1":
        region = "112"
    elif region == "d2":
        region = "122"
    return default_host_prefix(visitor_namespace, account) + "." + region + ".2o7.net"


def base_url(
    host, ssl, account, mobile=False, postbacks=False, version=VERSION, tag_container=None, marker=""
):
    """``http(s)://host/b/ss/{rsid}/{1|5.1|10}/JS-{version}`` (without the cache buster)."""
    return (
        "http"
        + ("s" if js_truthy(ssl) else "")
        + "://"
        + host
        + "/b/ss/"
        + js_string(account)
        + "/"
        + ("5." if js_truthy(mobile) else "")
        + ("10" if postbacks else "1")
        + "/JS-"
        + js_string(version)
        + ("T" if js_truthy(tag_container) else "")
        + ("-" + js_string(marker) if js_truthy(marker) else "")
    )


def compose_url(base, buster, query, postback_index=None):
    """base/buster?AQB=1&ndh=1&pf=1&[callback...&]query&AQE=1 (query starts with "t=")."""
    callback = ""
    if postback_index is not None:
        callback = "callback=s_c_il[" + str(postback_index) + "].doPostbacks&et=1&"
    return base + "/" + buster + "?AQB=1&ndh=1&pf=1&" + callback + query + "&AQE=1"


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


def new_fid(rand):
    """A fresh fallback visitor id "XXXXXXXXXXXXXXXX-XXXXXXXXXXXXXXXX" (first digits 0-7 / 0-3)."""
    high = []
    low = []
    high_range, low_range = 8, 4
    for _ in range(16):
        high.append(_HEX_DIGITS[int(math.floor(rand() * high_range))])
        low.append(_HEX_DIGITS[int(math.floor(rand() * low_range))])
        high_range = low_range = 16
    return "".join(high) + "-" + "".join(low)
