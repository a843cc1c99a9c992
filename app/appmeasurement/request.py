"""Request building: the URL around a query (host, path, cache buster, ``t=``) and how it is sent.

Pure functions of their arguments; ``hit_url`` and ``use_beacon`` read the instance's variables.

    >>> tracking_host(None, None, False, None, None, "my-rsid,other")
    'myrsid.112.2o7.net'
    >>> base_url("metrics.example.com", True, "myrsid")
    'https://metrics.example.com/b/ss/myrsid/1/JS-2.27.0'
    >>> timestamp_param((22, 10, 2026, 6, 10, 10, 0, 0))
    't=22%2F10%2F2026%206%3A10%3A10%200%200'
    >>> compose_url("http://h/b/ss/r/1/JS-2.27.0", "s1", "t=x&pageName=Home")
    'http://h/b/ss/r/1/JS-2.27.0/s1?AQB=1&ndh=1&pf=1&t=x&pageName=Home&AQE=1'
"""

import math

from .escaping import escape
from .jsvalues import js_string, js_truthy, loose_nonzero, utf16_len
from .memo import remember
from .variables import VERSION

BEACON_LIMIT = 64000  # AppMeasurement sends a beacon only below this many UTF-16 units


_LAST_T = [None, None]  # the last (local_time, t=...) pair: hits of the same second share it


def timestamp_param(local_time):
    """``t=`` value: "day/month0/year hours:minutes:seconds weekday tzOffset", unpadded, escaped."""
    if _LAST_T[0] == local_time:
        return _LAST_T[1]
    day, month0, year, hours, minutes, seconds, weekday, offset = local_time
    if year < 1900:
        year += 1900
    parts = (day, "/", month0, "/", year, " ", hours, ":", minutes, ":", seconds, " ", weekday, " ", offset)
    param = "t=" + escape("".join([p if isinstance(p, str) else js_string(p) for p in parts]))
    _LAST_T[0], _LAST_T[1] = local_time, param
    return param


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


_BASES = {}  # the variables base_url depends on -> (host path, postbacks); they rarely change
_BASES_SIZE = 64


def hit_url(s, buster, query):
    """The whole request URL of a hit of ``s`` (query starts with "t=")."""
    fields = (
        s.trackingServer,
        s.trackingServerSecure,
        s.ssl,
        s.dc,
        s.visitorNamespace,
        s.account,
        s.mobile,
        s.usePostbacks,
        s.version,
        s.tagContainerMarker,
    )
    try:
        known = _BASES.get(fields)
        hashable = True
    except TypeError:  # an unhashable value (a list, a dict): worked out every time
        known, hashable = None, False
    if known is None:
        server, secure, ssl, dc, namespace, account, mobile, use_postbacks, version, marker = fields
        host = tracking_host(server, secure, ssl, dc, namespace, account)
        postbacks = loose_nonzero(use_postbacks)
        known = (base_url(host, ssl, account, mobile, postbacks, version, None, marker), postbacks)
        if hashable:
            remember(_BASES, fields, known, _BASES_SIZE)
    base, postbacks = known
    return compose_url(base, buster, query, s._state.index if postbacks else None)


def use_beacon(s, url):
    """Whether ``url`` goes by navigator.sendBeacon: exit links and s.useBeacon, when short enough."""
    if not s._env.has_send_beacon():
        return False
    wanted = url.find("pe=lnk_e") > 0 or js_truthy(s.useBeacon)
    return wanted and utf16_len(url) < BEACON_LIMIT
