"""The AppMeasurement class: variables as attributes, ``t``/``tl``/``clearVars``, ``s_gi``.

It follows AppMeasurement.js 2.27.0's track logic step by step (overrides, fallback visitor id,
link resolution, doPlugins, page URL and referrer, ActivityMap, link parameters, technology fields,
query, transient reset, override restore) and hands the finished request to the lifecycle queue.
Page facts come from an environment object (see ``environment.py``); nothing here imports ``js``.

    s = s_gi("myrsid")                     # the registered instance for these report suites
    s.trackingServer = "metrics.example.com"
    s.pageName = "Home"; s.eVar1 = "x"
    s.contextData["section.sub"] = "news"
    hit = s.t()                            # a lifecycle.Hit, awaitable
    s.tl(True, "o", "Signup click", {"eVar2": "v"})
    s.clearVars()

Variables are plain attributes.  Any attribute can be set and read (unset ones read as None);
only AppMeasurement's own variables are ever sent.
"""

import math

from . import request
from .contextdata import ContextData, is_mapping, serialize
from .environment import StaticEnvironment, describe, utc_string
from .escaping import escape, unescape
from .jsvalues import js_string, js_truthy, utf16_len, utf16_slice, utf16_sort_key
from .variables import BLOCKS, CLEARED, CONFIG, TRACKED, TRANSIENT, VERSION, is_known

_registry = []  # every instance, in creation order (window.s_c_il in the JS)
_counter = [0]  # next s_c_il slot; each instance also takes one for its ActivityMap module
_defaults = {"env": None, "transport": None}

_UNDEFINED = object()  # getQueryParam's "parameter present without a value"
_DOWNLOAD_TYPES = "exe,zip,wav,mp3,mov,mpg,avi,wmv,pdf,doc,docx,xls,xlsx,ppt,pptx"
_ACTIVITYMAP_PREFIX = "a.activitymap."
_SKIPPED_TAGS = ("SCRIPT", "STYLE", "LINK", "CANVAS")
# ActivityMap's whitespace (JS \s plus U+180E): trimmed at both ends, runs collapsed to one space.
_AM_SPACE = (
    "\t\n\x0b\x0c\r \xa0\u1680\u180e\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)


def set_defaults(env_factory=None, transport_factory=None):
    """Choose what ``AppMeasurement(rsid)`` uses when no env/transport is passed (the package's
    ``__init__`` sets the browser ones)."""
    _defaults["env"] = env_factory
    _defaults["transport"] = transport_factory


def _reset_registry():
    """Forget every instance (tests only)."""
    del _registry[:]


def _check_rsid(value, what):
    if not isinstance(value, str):
        raise TypeError("%s must be a non-empty string of report suite ids, got %s" % (what, describe(value)))
    if not value:
        raise ValueError(
            "%s must be a non-empty string of report suite ids, got %s" % (what, describe(value))
        )


def _parse_int(value):
    """JS ``parseInt(value)`` (base 10, or 16 with 0x); None for NaN."""
    text = js_string(value)
    i = 0
    n = len(text)
    while i < n and text[i] in _AM_SPACE:
        i += 1
    sign = 1
    if i < n and text[i] in "+-":
        sign = -1 if text[i] == "-" else 1
        i += 1
    base, digits = 10, "0123456789"
    if text[i : i + 2] in ("0x", "0X"):
        base, digits = 16, "0123456789abcdef"
        i += 2
    result = None
    while i < n and text[i].lower() in digits:
        result = (result or 0) * base + digits.index(text[i].lower())
        i += 1
    return None if result is None else sign * result


def _to_number(value):
    """JS ``Number(value)`` for the values a sampling rate can have; None for NaN."""
    if value is True:
        return 1
    if value is False or value is None:
        return 0
    if isinstance(value, (int, float)):
        return value
    text = js_string(value).strip()
    if not text:
        return 0
    try:
        return float(text)
    except ValueError:
        return None


def _loose_nonzero(value):
    """JS ``value != 0`` (usePostbacks): null/undefined are "not 0" there."""
    if value is None:
        return True
    number = _to_number(value)
    return number is None or number != 0


def _am_clean(value):
    """ActivityMap's text clean-up: trim, collapse whitespace runs, cut to 254 UTF-16 units."""
    if not isinstance(value, str):
        return None
    words = []
    word = []
    for ch in value:
        if ch in _AM_SPACE:
            if word:
                words.append("".join(word))
                word = []
        else:
            word.append(ch)
    if word:
        words.append("".join(word))
    return utf16_slice(" ".join(words), 0, 254)


def _str_field(value):
    return value if isinstance(value, str) else ""


class _Util:
    """``s.Util``: urlEncode/urlDecode, cookieRead/cookieWrite and getQueryParam."""

    def __init__(self, owner):
        self._owner = owner

    def urlEncode(self, value):
        return escape(value)

    def urlDecode(self, value):
        return unescape(value)

    def cookieRead(self, name):
        return self._owner.cookieRead(name)

    def cookieWrite(self, name, value, expires=None):
        return self._owner.cookieWrite(name, value, expires)

    def getQueryParam(self, name, url=None, separator=None):
        """A query parameter of ``url`` (default: pageURL or location), unescaped; "" when absent."""
        value = self._owner._query_param(name, url, separator, False)
        return None if value is _UNDEFINED else value


class AppMeasurement:
    """One tracker (``s`` in AppMeasurement's docs); see the module docstring."""

    def __init__(self, account, env=None, transport=None, *, queue=None):
        _check_rsid(account, "account")
        if env is None:
            env = _defaults["env"]() if _defaults["env"] is not None else StaticEnvironment()
        if queue is None:
            from .lifecycle import HitQueue

            if transport is None:
                if _defaults["transport"] is not None:
                    transport = _defaults["transport"]()
                else:
                    from .transport import FakeTransport

                    transport = FakeTransport()
            queue = HitQueue(transport, env)
        setp = object.__setattr__
        setp(self, "_env", env)
        setp(self, "_queue", queue)
        setp(self, "_in", _counter[0])
        _counter[0] += 2
        setp(self, "_tech_done", False)
        setp(self, "_referrer_seen", False)  # the first hit reads document.referrer, later ones do not
        setp(self, "_held_referrer", None)  # a referrer kept from an aborted call
        setp(self, "_cookie_domain", None)
        setp(self, "_link_info", None)
        setp(self, "_link_extra", None)  # ActivityMap (and ClickMap) parameters after pev3
        setp(self, "_link_call", 1)
        setp(self, "Util", _Util(self))
        self.version = VERSION
        self.ssl = "https" in js_string(env.location_protocol()).lower()
        self.charSet = "UTF-8"
        self.contextData = ContextData()
        self.writeSecureCookies = False
        self.collectHighEntropyUserAgentHints = False
        self.offlineThrottleDelay = 0
        self.storageFilename = "AppMeasurement.requests"
        self.linkDownloadFileTypes = _DOWNLOAD_TYPES
        self.usePostbacks = 0
        self.tagContainerMarker = ""
        self.setAccount(account)
        _registry.append(self)

    # --- attributes --------------------------------------------------------------------------
    def __getattr__(self, name):
        # Only reached for attributes never set: AppMeasurement variables read as undefined.
        if name.startswith("_"):
            raise AttributeError(name)
        return None

    def __setattr__(self, name, value):
        if name == "contextData":
            value = ContextData.from_value(value, "contextData")
        object.__setattr__(self, name, value)

    def _set_var(self, name, value):
        # Overrides may blank contextData ({"!contextData": 1}); only a mapping is converted.
        if name in BLOCKS and is_mapping(value):
            value = ContextData.from_value(value, name)
        object.__setattr__(self, name, value)

    # --- account -----------------------------------------------------------------------------
    def setAccount(self, account):
        """Set the report suite(s); ``allAccounts`` keeps every suite this instance has served."""
        _check_rsid(account, "account")
        self.account = account
        parts = account.split(",")
        if js_truthy(self.allAccounts) and isinstance(self.allAccounts, list):
            merged = sorted(self.allAccounts + parts, key=utf16_sort_key)
            unique = []
            for i, item in enumerate(merged):
                if i == 0 or merged[i - 1] != item:
                    unique.append(item)
            self.allAccounts = unique
        else:
            self.allAccounts = parts

    sa = setAccount

    # --- public API --------------------------------------------------------------------------
    def t(self, overrides=None, set_vars=None):
        """Send a page view (or a link hit when linkType is set); returns the lifecycle Hit.

        ``overrides`` changes variables for this hit only ("!eVar1": 1 blanks eVar1); ``set_vars``
        sets them permanently (contextData given there is merged into the current one).
        """
        overrides = self._check_variables(overrides, "overrides")
        set_vars = self._check_variables(set_vars, "set_vars")
        if set_vars is not None:
            self._apply(set_vars, True)
        return self._queue.track(lambda: self._build(overrides))

    track = t

    def tl(self, linkObject=None, linkType=None, linkName=None, overrides=None, doneAction=None):
        """Send a link hit: linkType "o" (custom), "d" (download) or "e" (exit).

        doneAction runs once the hit has settled: a callable is called, "navigate" follows
        linkObject's href.
        """
        if linkType is not None and not isinstance(linkType, str):
            raise TypeError("linkType must be a string ('o', 'd' or 'e') or None, got " + describe(linkType))
        overrides = self._check_variables(overrides, "overrides")
        self.linkObject = linkObject
        self.linkType = linkType
        self.linkName = linkName
        if js_truthy(doneAction):
            self.bodyClickTarget = linkObject
            self.bodyClickFunction = doneAction
        handle = self._queue.track(lambda: self._build(overrides))
        if js_truthy(doneAction) and hasattr(handle, "add_done_callback"):
            handle.add_done_callback(lambda _outcome: self._done_action())
        return handle

    trackLink = tl

    def clearVars(self):
        """Unset props, eVars, hiers, lists, channel, events, products, purchaseID, transactionID,
        state, zip and campaign (pageName, pageURL, contextData ... are kept)."""
        for name in CLEARED:
            object.__setattr__(self, name, None)

    def registerPreTrackCallback(self, fn, *args):
        """fn(url, *args) once the request URL is built, before it is sent."""
        self._queue.register("pre", fn, args)

    def registerPostTrackCallback(self, fn, *args):
        """fn(url, *args) after the request succeeded."""
        self._queue.register("post", fn, args)

    def registerFailureTrackCallback(self, fn, *args):
        """fn(url, reason, *args) after the request failed."""
        self._queue.register("failure", fn, args)

    def escape(self, value):
        return escape(value)

    def unescape(self, value):
        return unescape(value)

    def log(self, message):
        self._env.log(message)

    def cookieRead(self, name):
        """The unescaped value of cookie ``name`` ("" when missing)."""
        key = escape(name)
        key = js_string(key) if key else ""
        jar = " " + js_string(self._env.get_cookies())
        start = jar.find(" " + key + "=")
        if start < 0:
            return ""
        end = jar.find(";", start)
        value = unescape(jar[start + 2 + len(key) : end if end >= 0 else len(jar)])
        return "" if value == "[[B]]" else value

    def cookieWrite(self, name, value, expires=None):
        """Write a cookie; True when it reads back.  expires: None (session), 1 (two years, or
        cookieLifetime seconds) or an epoch time in ms."""
        domain = self._domain()
        text = js_string(value) if value is not None else "null"
        lifetime = self.cookieLifetime
        life = js_string(lifetime).upper() if js_truthy(lifetime) else ""
        expires_ms = None
        if js_truthy(expires) and life != "SESSION" and life != "NONE":
            seconds = _parse_int(life or 0) if text != "" else -60
            if seconds:
                expires_ms = self._env.now_ms() + 1000 * seconds
            elif expires is True or expires == 1:
                expires_ms = self._in_two_years()
            elif isinstance(expires, (int, float)):
                expires_ms = expires
        if not name or life == "NONE":
            return False
        cookie = escape(name) + "=" + escape(text if text != "" else "[[B]]") + "; path=/;"
        if expires_ms is not None and life != "SESSION":
            cookie += " expires=" + utc_string(expires_ms) + ";"
        if domain:
            cookie += " domain=" + domain + ";"
        if js_truthy(self.writeSecureCookies):
            cookie += " secure;"
        self._env.set_cookie(cookie)
        return self.cookieRead(name) == text

    c_r = cookieRead
    c_w = cookieWrite

    # --- validation --------------------------------------------------------------------------
    def _check_variables(self, values, what):
        """A plain dict copy of an overrides/set_vars mapping (contextData converted), or None."""
        if values is None:
            return None
        if not is_mapping(values):
            raise TypeError(
                "%s must be a mapping of variable names to values, got %s" % (what, describe(values))
            )
        checked = {}
        for key in values.keys():
            if not isinstance(key, str):
                raise TypeError("%s keys must be variable names (strings), got %s" % (what, describe(key)))
            value = values[key]
            if key in BLOCKS and is_mapping(value):
                value = ContextData.from_value(value, what + "['" + key + "']")
            name = key[1:] if key.startswith("!") else key
            if not is_known(name):
                self._env.warn(
                    "AppMeasurement: %s: %r is not an AppMeasurement variable; it has no effect" % (what, key)
                )
            checked[key] = value
        return checked

    # --- the track call ----------------------------------------------------------------------
    def _apply(self, values, merge):
        """Set variables from a mapping; returns what is needed to undo it (AppMeasurement's U)."""
        backup = {}
        for names in (TRACKED, CONFIG):
            for name in names:
                new = values.get(name)
                if not js_truthy(new) and not js_truthy(values.get("!" + name)):
                    continue
                current = getattr(self, name)
                mergeable = merge and name in ("contextData", "retrieveLightData") and js_truthy(new)
                if mergeable and js_truthy(current) and is_mapping(current) and is_mapping(new):
                    new = ContextData(new)
                    for key in current.keys():
                        if not js_truthy(new.get(key)):
                            new[key] = current[key]
                if not js_truthy(current):
                    backup["!" + name] = 1
                backup[name] = current
                self._set_var(name, new)
        return backup

    def _build(self, overrides):
        """AppMeasurement's track logic: returns (url, use_beacon) or None when nothing is sent."""
        env = self._env
        now = env.now_ms()
        buster = request.cache_buster(now, env.random())
        query = request.timestamp_param(env.local_time())
        backup = self._apply(overrides, False) if overrides is not None else None
        try:
            return self._build_request(buster, query)
        finally:
            # Even when building raised (bad input), the next call must start clean: transient
            # variables reset and this hit's overrides undone, as after any other call.
            if js_truthy(self.referrer):
                object.__setattr__(self, "_held_referrer", self.referrer)
            self._reset_transient()
            if backup is not None:
                self._apply(backup, False)

    def _build_request(self, buster, query):
        result = None
        if self._sampled() and not js_truthy(self.visitorOptedOut):
            if not (js_truthy(self.marketingCloudVisitorID) or js_truthy(self.analyticsVisitorID)):
                self.fid = self._fallback_id()
            self._resolve_link()
            if js_truthy(self.usePlugins) and js_truthy(self.doPlugins):
                self._run_plugins()
            if js_truthy(self.account):
                if not js_truthy(self.abort):
                    self._page_and_referrer()
                    self._activitymap()
                if self._link_parameters() and not js_truthy(self.abort):
                    self._technology()
                    if js_truthy(self.writeSecureCookies) and not js_truthy(self.ssl):
                        self._add_exclusion_code()
                    query += self._query()
                    url = self._url(buster, query)
                    result = (url, self._use_beacon(url))
                    self.referrer = ""
                    data = self.contextData
                    if isinstance(data, ContextData) and js_truthy(data.get("excCodes")):
                        data["excCodes"] = 0
        return result

    def _run_plugins(self):
        # doPlugins is user code like a callback: a bug in it is reported, and the hit still goes out
        # with what was set (AppMeasurement.js would throw out of s.t() and lose the hit).
        try:
            self.doPlugins(self)
        except Exception as exc:
            from .lifecycle import format_exception

            self._env.error(
                "AppMeasurement: doPlugins raised %s\n%s" % (type(exc).__name__, format_exception(exc))
            )

    def _query(self):
        is_link = js_truthy(self.pe) or js_truthy(self.linkType)
        allowed, allowed_events = None, None
        if is_link:
            allowed, allowed_events = request.link_filters(self.linkTrackVars, self.linkTrackEvents)
        return request.build_query(
            self._get,
            allowed,
            allowed_events,
            self.ssl,
            self._link_extra or "",
            self._queue.take_lrt(),
        )

    def _get(self, name):
        return getattr(self, name)

    def _postbacks(self):
        return _loose_nonzero(self.usePostbacks)

    def _url(self, buster, query):
        host = request.tracking_host(
            self.trackingServer,
            self.trackingServerSecure,
            self.ssl,
            self.dc,
            self.visitorNamespace,
            self.account,
        )
        postbacks = self._postbacks()
        base = request.base_url(
            host,
            self.ssl,
            self.account,
            self.mobile,
            postbacks,
            self.version,
            None,
            self.tagContainerMarker,
        )
        return request.compose_url(base, buster, query, self._in if postbacks else None)

    def _use_beacon(self, url):
        if not self._env.has_send_beacon():
            return False
        wanted = url.find("pe=lnk_e") > 0 or js_truthy(self.useBeacon)
        return wanted and utf16_len(url) < 64000

    def _reset_transient(self):
        for name in TRANSIENT:
            object.__setattr__(self, name, None)
        object.__setattr__(self, "_link_extra", None)
        object.__setattr__(self, "_link_info", None)

    def _add_exclusion_code(self):
        data = self.contextData
        if isinstance(data, ContextData):
            codes = data.get("excCodes")
            codes = list(codes) if isinstance(codes, (list, tuple)) else []
            codes.append(1)
            data["excCodes"] = codes

    # --- visitor sampling and the fallback id --------------------------------------------------
    def _sampled(self):
        draw = int(math.floor(1e13 * self._env.random()))
        rate = self.visitorSampling
        group = self.visitorSamplingGroup
        owner = self.visitorNamespace if js_truthy(self.visitorNamespace) else self.account
        name = "s_vsn_" + js_string(owner) + ("_" + js_string(group) if js_truthy(group) else "")
        stored = self.cookieRead(name)
        if js_truthy(rate):
            rate = _to_number(rate)
            if rate is None:
                return True
            rate *= 100
            number = _parse_int(stored) if stored else None
            if not number:
                if not self.cookieWrite(name, draw):
                    return False
                number = draw
            if number % 10000 > rate:
                return False
        return True

    def _fallback_id(self):
        fid = self.cookieRead("s_fid")
        if not fid or "-" not in fid:
            fid = request.new_fid(self._env.random)
        if not self.cookieWrite("s_fid", fid, 1):
            return 0
        return fid

    def _domain(self):
        if self._cookie_domain is not None:
            return self._cookie_domain
        host = js_string(self._env.location_hostname() or "")
        periods = self.fpCookieDomainPeriods
        if not js_truthy(periods):
            periods = self.cookieDomainPeriods
        numeric = True
        for ch in host:
            if not ("0" <= ch <= "9" or ch == "."):
                numeric = False
                break
        if host and not numeric:
            count = _parse_int(periods) if js_truthy(periods) else 2
            count = count if count is not None and count > 2 else 2
            dot = host.rfind(".")
            if dot >= 0:
                while dot >= 0 and count > 1:
                    dot = host.rfind(".", 0, max(dot - 1, 0) + 1)
                    count -= 1
                object.__setattr__(self, "_cookie_domain", host[dot:] if dot > 0 else host)
        return self._cookie_domain

    def _in_two_years(self):
        from .environment import days_from_civil

        day, month0, year, hours, minutes, seconds, _weekday, offset = self._env.local_time()
        days = days_from_civil(year + 2, month0 + 1, day)
        millis = self._env.now_ms() % 1000
        local = ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        return (local + offset * 60) * 1000 + millis

    # --- links ---------------------------------------------------------------------------------
    @staticmethod
    def _tag_type(info):
        tag = info.tag_name.upper() if isinstance(info.tag_name, str) else ""
        if tag == "SHAPE":
            tag = ""
        if tag in ("INPUT", "BUTTON") and info.type and isinstance(info.type, str):
            tag = info.type.upper()
        return tag

    def _object_id(self, info):
        """(id, type) naming a clickable element, or None (AppMeasurement's N)."""
        tag = self._tag_type(info)
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
            text = self._element_url(info)
        if not text:
            return None
        return utf16_slice(text, 0, 100), kind

    def _element_url(self, info):
        """The element's href, made absolute against the page when it is not (AppMeasurement's Ua)."""
        env = self._env
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

    def _resolve_link(self):
        """Find the link element, URL and type of this call (AppMeasurement's kc)."""
        obj = self.linkObject
        link_type = self.linkType
        link_url = self.linkURL
        call = 1
        if not js_truthy(obj):
            call = 0
            obj = self.clickObject
        info = None
        tag = ""
        oid = None
        if js_truthy(obj):
            info = self._env.element_info(obj)
            if info is not None:
                tag = self._tag_type(info)
                oid = self._object_id(info)
                while info is not None and oid is None and tag != "BODY":
                    info = info.parent
                    if info is not None:
                        tag = self._tag_type(info)
                        oid = self._object_id(info)
            if oid is None or tag == "BODY":
                info = None
            if info is not None and not js_truthy(self.linkObject):
                handler = _str_field(info.onclick)
                if ".tl(" in handler or ".trackLink(" in handler:
                    info = None
        else:
            call = 1
        object.__setattr__(self, "_link_call", call)
        if not js_truthy(link_url) and info is not None:
            link_url = self._element_url(info)
        if js_truthy(link_url) and not js_truthy(self.linkLeaveQueryString):
            link_url = js_string(link_url)
            cut = link_url.find("?")
            if cut >= 0:
                link_url = link_url[:cut]
        if not js_truthy(link_type) and js_truthy(link_url):
            link_type = self._auto_link_type(js_string(link_url))
        object.__setattr__(self, "_link_info", info)
        self.linkObject = info.node if info is not None else None
        self.linkURL = link_url
        self.linkType = link_type
        if js_truthy(self.trackClickMap) or js_truthy(self.trackInlineStats):
            self._clickmap(info, tag, oid)

    def _auto_link_type(self, url):
        found = None
        if js_truthy(self.trackDownloadLinks) and js_truthy(self.linkDownloadFileTypes):
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
            for ext in js_string(self.linkDownloadFileTypes).lower().split(","):
                if ext and lower.endswith("." + ext):
                    found = "d"
        if js_truthy(self.trackExternalLinks) and not found:
            lower = url.lower()
            if not (
                lower.startswith("#")
                or lower.startswith("about:")
                or lower.startswith("opera:")
                or lower.startswith("javascript:")
            ):
                if not js_truthy(self.linkInternalFilters):
                    self.linkInternalFilters = self._env.location_hostname()
                filters = None
                external = False
                if js_truthy(self.linkExternalFilters):
                    filters = js_string(self.linkExternalFilters).lower().split(",")
                    external = True
                elif js_truthy(self.linkInternalFilters):
                    filters = js_string(self.linkInternalFilters).lower().split(",")
                if filters:
                    matched = False
                    for item in filters:
                        if item in lower:
                            matched = True
                    if matched == external:
                        found = "e"
        return found

    def _clickmap(self, info, tag, oid):
        extra = ""
        if info is not None:
            page = self.pageName
            page_type = 1
            if not js_truthy(page):
                page = self.pageURL
                page_type = 0
            if js_truthy(page) and oid is not None and tag:
                extra = (
                    "&pid="
                    + escape(utf16_slice(js_string(page), 0, 255))
                    + ("&pidt=" + str(page_type) if page_type else "")
                    + "&oid="
                    + escape(utf16_slice(oid[0], 0, 100))
                    + ("&oidt=" + str(oid[1]) if oid[1] else "")
                    + "&ot="
                    + tag
                )
        object.__setattr__(self, "_link_extra", extra)

    def _link_parameters(self):
        """pe/pev1/pev2 for link hits and the ActivityMap parameters; False when nothing is sent."""
        send = self._link_call
        link_type = self.linkType
        link_url = self.linkURL
        link_name = self.linkName
        if js_truthy(link_type) and (js_truthy(link_url) or js_truthy(link_name)):
            kind = js_string(link_type).lower()
            if kind != "d" and kind != "e":
                kind = "o"
            self.pe = "lnk_" + kind
            if js_truthy(self.decodeLinkParameters):
                self.pev1 = escape(unescape(link_url) if js_truthy(link_url) else "")
                self.pev2 = escape(unescape(link_name) if js_truthy(link_name) else "")
            else:
                self.pev1 = escape(link_url) if js_truthy(link_url) else ""
                self.pev2 = escape(link_name) if js_truthy(link_name) else ""
            send = 1
        if js_truthy(self.abort):
            send = 0
        self._activitymap_block(send)
        return bool(send)

    def _activitymap_block(self, send):
        """Move a.activitymap.* context data to the block after pev3; carry s_sq click data."""
        clicks = ContextData()
        stored = None if js_truthy(self.useLinkTrackSessionStorage) else self.cookieRead("s_sq")
        if stored:
            for part in stored.split("&"):
                pieces = part.split("=")
                names = unescape(pieces[0]) or ""
                value = unescape(pieces[1]) if len(pieces) > 1 else None
                clicks[value if isinstance(value, str) else "undefined"] = js_string(names).split(",")
        accounts = js_string(self.account).split(",")
        moved = ContextData()
        data = self.contextData
        if isinstance(data, ContextData):
            for key in data.keys():
                if key and key.startswith(_ACTIVITYMAP_PREFIX):
                    moved[key] = data[key]
                    data[key] = ""
        extra = serialize("c", moved.items()) + (self._link_extra or "")
        if send or extra:
            carry = bool(send) and not extra
            changed = False
            for value in clicks.keys():
                joiner = "" if value[:1] == "&" else "&"
                for account in accounts:
                    if carry and ",".join(clicks[value]) == self.account:
                        extra += joiner + value
                        clicks[value] = []
                        changed = True
                    suites = clicks[value]
                    k = 0
                    while k < len(suites):
                        if suites[k] == account:
                            if carry:
                                extra += "&u=" + escape(suites[k]) + joiner + value + "&u=0"
                            suites.pop(k)
                            changed = True
                        k += 1  # AppMeasurement skips the entry after a removed one
            if not send:
                changed = True
            if changed:
                text = ""
                budget = 2
                if not send and extra:
                    text = escape(",".join(accounts)) + "=" + escape(extra)
                    budget = 1
                for value in clicks.keys():
                    if budget > 0 and clicks[value]:
                        text += ("&" if text else "") + escape(",".join(clicks[value])) + "=" + escape(value)
                        budget -= 1
                if not js_truthy(self.useLinkTrackSessionStorage):
                    self.cookieWrite("s_sq", text)
        object.__setattr__(self, "_link_extra", extra)

    # --- page URL, referrer, ActivityMap, technology ------------------------------------------
    def _query_param(self, name, url, separator, absent_check):
        found = ""
        if url is None:
            url = self.pageURL if js_truthy(self.pageURL) else self._env.location_href()
        sep = separator or "&"
        if not name or not js_truthy(url):
            return found
        text = js_string(url)
        mark = text.find("?")
        if mark < 0:
            return found
        text = sep + text[mark + 1 :] + sep
        if absent_check and ((sep + name + sep) in text or (sep + name + "=" + sep) in text):
            return _UNDEFINED
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

    def _page_and_referrer(self):
        if not js_truthy(self.pageURL):
            self.pageURL = self._env.location_href()
        if not js_truthy(self.referrer) and not self._referrer_seen:
            from_url = self._query_param("adobe_mc_ref", None, None, True)
            if from_url is _UNDEFINED:
                self.referrer = ""
            elif js_truthy(from_url):
                self.referrer = from_url
            else:
                self.referrer = self._env.document_referrer()
        object.__setattr__(self, "_referrer_seen", True)
        if not js_truthy(self.referrer) and js_truthy(self._held_referrer):
            self.referrer = self._held_referrer
        object.__setattr__(self, "_held_referrer", None)
        self.referrer = request.shorten_referrer(self.referrer)

    def _link_text(self, info, name):
        """ActivityMap's link name: linkName, else what the element shows."""
        if js_truthy(name):
            return _am_clean(name)
        if info is None:
            return None
        if info.s_object_id:
            return _am_clean(info.s_object_id)
        text = _am_clean(info.inner_text or info.text_content or "")
        if not text:
            text = _am_clean(info.label or "")
        if not text:
            tag = info.tag_name.upper() if isinstance(info.tag_name, str) else ""
            if tag == "INPUT" or (tag == "SUBMIT" and info.value):
                text = _am_clean(info.value)
            elif tag == "IMAGE" and info.src:
                text = _am_clean(info.src)
        return text

    @staticmethod
    def _region(info):
        while info is not None:
            info = info.parent
            if info is None:
                return None
            if info.region_id:
                return info.region_id
            if info.node_name == "BODY":
                return "BODY"
        return None

    def _activitymap(self):
        """ActivityMap's page/link/region context data for element link calls with a name."""
        page = self.pageName if js_truthy(self.pageName) else self.pageURL
        if not js_truthy(page):
            return
        info = self._link_info
        link = _am_clean(self._link_text(info, self.linkName))
        if not link:
            return
        region = _am_clean(self._region(info))
        if not region:
            return
        data = self.contextData
        if not isinstance(data, ContextData):
            return
        data["a.activitymap.page"] = utf16_slice(js_string(page), 0, 255)
        data["a.activitymap.link"] = utf16_slice(link, 0, 128)
        data["a.activitymap.region"] = utf16_slice(region, 0, 127)
        data["a.activitymap.pageIDType"] = 1 if js_truthy(self.pageName) else 0

    def _technology(self):
        if self._tech_done:
            return
        cookies = "Y" if self.cookieWrite("s_cc", "true", 0) else "N"
        screen = self._env.screen()
        self.resolution = js_string(screen.get("width")) + "x" + js_string(screen.get("height"))
        self.colorDepth = screen.get("color_depth")
        self.javascriptVersion = "1.6"
        self.javaEnabled = "Y" if screen.get("java_enabled") else "N"
        self.cookiesEnabled = cookies
        self.browserWidth = screen.get("inner_width")
        self.browserHeight = screen.get("inner_height")
        self.connectionType = ""
        self.homepage = ""
        object.__setattr__(self, "_tech_done", True)

    def _done_action(self):
        """Run tl()'s doneAction once the hit settled: call it, or follow the link element."""
        action = self.bodyClickFunction
        target = self.bodyClickTarget
        self.bodyClickTarget = None
        self.bodyClickFunction = None
        if callable(action):
            action()
        elif js_truthy(action) and target is not None:
            info = self._env.element_info(target)
            if info is not None and info.href:
                self._env.navigate(info.href)


def s_gi(rsid, env=None, transport=None):
    """The instance already serving any of these report suites (switched to ``rsid``), else a new one."""
    _check_rsid(rsid, "rsid")
    wanted = rsid.split(",")
    for instance in _registry:
        account = instance.account
        if not js_truthy(account):
            continue
        if account == rsid:
            instance.setAccount(rsid)
            return instance
        served = instance.allAccounts if js_truthy(instance.allAccounts) else js_string(account).split(",")
        for suite in wanted:
            if suite in served:
                instance.setAccount(rsid)
                return instance
    return AppMeasurement(rsid, env, transport)


AppMeasurement.getInstance = staticmethod(s_gi)
