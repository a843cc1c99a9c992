"""Cookies and the ids kept in them: cookieRead/cookieWrite, the cookie domain, the ``s_fid`` fallback
visitor id and visitor sampling (``s_vsn_*``), as AppMeasurement.js 2.27.0 does them.

Each function takes the tracker ``s`` (its variables: cookieLifetime, writeSecureCookies,
cookieDomainPeriods, ...) and reads the page through ``s._env``.

    >>> from appmeasurement import AppMeasurement
    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> s = AppMeasurement("myrsid", StaticEnvironment(location="http://www.shop.test/"), FakeTransport())
    >>> write(s, "k", "a b", 1)
    True
    >>> read(s._env, "k"), s._env.cookie_writes[-1]
    ('a b', 'k=a%20b; path=/; expires=Wed, 22 Nov 2028 06:10:10 GMT; domain=.shop.test;')
    >>> fid = fallback_id(s); len(fid), fid == fallback_id(s)
    (33, True)
"""

import math

from .contextdata import ContextData
from .escaping import escape_lenient, unescape
from .jsdate import in_two_years_ms, utc_string
from .jsvalues import js_string, js_truthy, parse_int, to_number

_HEX_DIGITS = "0123456789ABCDEF"
UNKNOWN_DOMAIN = object()  # the cookie domain before it is worked out (None is a valid answer)


# s._state.jar: None outside a track call (every read asks the page); UNREAD at the start of one.
UNREAD = object()


def read(env, name, jar=None):
    """The unescaped value of cookie ``name`` ("" when missing): ``s.cookieRead``.

    ``jar``: the page's cookie string when the caller already has it (see ``call_jar``).
    """
    key = escape_lenient(name)
    key = js_string(key) if key else ""
    jar = " " + (js_string(env.get_cookies()) if jar is None else jar)
    start = jar.find(" " + key + "=")
    if start < 0:
        return ""
    end = jar.find(";", start)
    value = unescape(jar[start + 2 + len(key) : end if end >= 0 else len(jar)])
    return "" if value == "[[B]]" else value


def call_jar(s):
    """``document.cookie``, read once per track call and kept until this tracker writes a cookie.

    One hit reads the jar for s_fid, s_sq and the s_cc check; in Chromium each read of
    ``document.cookie`` costs 0.05-0.35 ms (more while requests are in flight), up to most of a
    Pyodide hit. Cookies this tracker writes
    (``s.cookieWrite`` from doPlugins included) refresh it; outside a call every read asks the page.
    """
    state = s._state
    jar = state.jar
    if jar is None or jar is UNREAD:
        text = js_string(s._env.get_cookies())
        if jar is UNREAD:
            state.jar = text
        return text
    return jar


def read_in_call(s, name):
    """``read`` through the call's jar (``call_jar``)."""
    return read(s._env, name, call_jar(s))


def write(s, name, value, expires=None, current=None):
    """``s.cookieWrite``: True when the cookie reads back.

    expires: None (session), 1 (two years, or cookieLifetime seconds) or an epoch time in ms.
    current: the cookie's value as the caller has just read it (saves reading it again).
    """
    env = s._env
    domain = cookie_domain(s)
    text = js_string(value) if value is not None else "null"
    lifetime = s.cookieLifetime
    life = js_string(lifetime).upper() if js_truthy(lifetime) else ""
    expires_ms = None
    if js_truthy(expires) and life != "SESSION" and life != "NONE":
        seconds = parse_int(life or 0) if text != "" else -60
        if seconds:
            expires_ms = env.now_ms() + 1000 * seconds
        elif expires is True or expires == 1:
            expires_ms = _in_two_years(s)
        elif isinstance(expires, (int, float)):
            expires_ms = expires
    if not name or life == "NONE":
        return False
    if expires_ms is not None and life == "SESSION":
        expires_ms = None
    attributes = ""
    if domain:
        attributes += " domain=" + domain + ";"
    if js_truthy(s.writeSecureCookies):
        attributes += " secure;"
    written = s._state.cookies_written
    last = written.get(name)
    if (
        text
        and last is not None
        and last[0] == text
        and last[1] == attributes
        and _refreshed(last[2], expires_ms)
        and (current if current is not None else read_in_call(s, name)) == text
    ):
        # This instance wrote this value with these attributes and it is still there; only the
        # expiry would move, by under REFRESH_MS. Skipped because a write makes the next read of
        # document.cookie a synchronous round trip to the browser's network process (0.1-2 ms
        # while hits are in flight) and s_fid would otherwise be rewritten on every hit.
        return True
    cookie = escape_lenient(name) + "=" + escape_lenient(text if text != "" else "[[B]]") + "; path=/;"
    if expires_ms is not None:
        cookie += " expires=" + utc_string(expires_ms) + ";"
    env.set_cookie(cookie + attributes)
    if s._state.jar is not None:
        s._state.jar = UNREAD  # the read-back below must see the page's jar as it is now
    stored = read_in_call(s, name) == text
    written[name] = (text, attributes, expires_ms) if stored else None
    return stored


# How far a rewrite of the same value may move the expiry before it is written (see ``write``).
REFRESH_MS = 60_000


def _refreshed(written_ms, expires_ms):
    """True when a cookie written to expire at ``written_ms`` needs no rewrite to expire at ``expires_ms``."""
    if written_ms is None or expires_ms is None:
        return written_ms is expires_ms
    return 0 <= expires_ms - written_ms < REFRESH_MS


def _in_two_years(s):
    # The expiry depends on the local time to the second: computed once per second, not per hit.
    env = s._env
    now = env.now_ms()
    second = now // 1000
    cached = s._state.two_years
    if cached is None or cached[0] != second:
        cached = (second, in_two_years_ms(env.local_time(), now) - now % 1000)
        s._state.two_years = cached
    return cached[1] + now % 1000


def cookie_domain(s):
    """The ``domain=`` of AppMeasurement's cookies: the last cookieDomainPeriods labels (at least 2)
    of the host; none for an IP address. Computed once per instance."""
    state = s._state
    if state.cookie_domain is not UNKNOWN_DOMAIN:
        return state.cookie_domain
    state.cookie_domain = None  # an IP address or a one-label host: no domain attribute
    host = js_string(s._env.location_hostname() or "")
    periods = s.fpCookieDomainPeriods
    if not js_truthy(periods):
        periods = s.cookieDomainPeriods
    numeric = True
    for ch in host:
        if not ("0" <= ch <= "9" or ch == "."):
            numeric = False
            break
    if host and not numeric:
        count = parse_int(periods) if js_truthy(periods) else 2
        count = count if count is not None and count > 2 else 2
        dot = host.rfind(".")
        if dot >= 0:
            while dot >= 0 and count > 1:
                dot = host.rfind(".", 0, max(dot - 1, 0) + 1)
                count -= 1
            state.cookie_domain = host[dot:] if dot > 0 else host
    return state.cookie_domain


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


def fallback_id(s):
    """The ``s_fid`` cookie's id (made and stored when missing), or 0 when it cannot be stored."""
    stored = fid = read_in_call(s, "s_fid")
    if not fid or "-" not in fid:
        fid = new_fid(s._env.random)
    if not write(s, "s_fid", fid, 1, stored):
        return 0
    return fid


def sampled(s):
    """Visitor sampling: False when this visitor is outside ``visitorSampling`` percent (kept in a
    ``s_vsn_<namespace or account>[_<group>]`` cookie)."""
    draw = int(math.floor(1e13 * s._env.random()))
    rate = s.visitorSampling
    group = s.visitorSamplingGroup
    owner = s.visitorNamespace if js_truthy(s.visitorNamespace) else s.account
    name = "s_vsn_" + js_string(owner) + ("_" + js_string(group) if js_truthy(group) else "")
    if js_truthy(rate):
        stored = read_in_call(s, name)  # AppMeasurement reads it on every hit; only sampling uses it
        rate = to_number(rate)
        if rate is None:
            return True
        rate *= 100
        number = parse_int(stored) if stored else None
        if not number:
            if not write(s, name, draw):
                return False
            number = draw
        if number % 10000 > rate:
            return False
    return True


def add_exclusion_code(s):
    """writeSecureCookies over http: AppMeasurement flags the hit with contextData excCodes [1]."""
    data = s.contextData
    if isinstance(data, ContextData):
        codes = data.get("excCodes")
        codes = list(codes) if isinstance(codes, (list, tuple)) else []
        codes.append(1)
        data["excCodes"] = codes
