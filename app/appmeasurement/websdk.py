"""The Adobe Web SDK ("alloy" 2.33.1) in Python: commands that resolve once the Edge Network answered.

    from appmeasurement.websdk import createInstance
    alloy = createInstance(name="alloy")                # in the page: the browser binding
    await alloy("configure", {"datastreamId": "ds1", "orgId": "ABC@AdobeOrg"})
    result = await alloy("sendEvent", {"xdm": {"eventType": "web.webpagedetails.pageViews"}})

Every call returns a ``Command`` at once: ``await`` it for the result (always a dict) or the
``AlloyError`` alloy would reject with (same texts, ``[alloy]`` prefix included);
``add_done_callback(fn)`` runs ``fn(command)`` once it settles. Outside a browser give the instance a
page (``testing.FakeEdgePage``): the page reads the document (URL, referrer, screen, cookies, clock)
and sends (``await page.post(url, body) -> (status, headers, text)``, ``page.beacon(url, body) -> bool``).

    >>> import asyncio
    >>> from appmeasurement.testing import FakeEdgePage
    >>> page = FakeEdgePage()
    >>> alloy = createInstance(page=page)
    >>> async def main():
    ...     await alloy("configure", {"datastreamId": "ds1", "orgId": "ABC@AdobeOrg"})
    ...     return await alloy("sendEvent", {"xdm": {"eventType": "page"}})
    >>> asyncio.run(main())
    {'propositions': [], 'decisions': []}
    >>> page.requests[0][0].split("?")[0]
    'https://adobedc.demdex.net/ee/v1/interact'

What the wire carries (checked against the real alloy 2.33.1 in Chromium, see tests/e2e/test_websdk.py):
``POST https://{edgeDomain}/{edgeBasePath}[/{locationHint}]/v1/{interact|collect}?configId=&requestId=``,
the body ``{"events": [{"xdm", "query"?, "data"?}], "query": {"identity": {"fetch": [...]}},
"meta": {"queueTimeMillis", "state": {"domain", "cookiesEnabled", "entries"?}}}``; the first request
of a visitor (no identity cookie) goes to ``adobedc.demdex.net`` when third-party cookies are enabled,
and until an identity cookie exists only one request is in flight. The ``state:store`` handles of an
answer become first-party cookies; ``documentUnloading`` events go by ``sendBeacon`` to ``collect``
once the identity cookie exists. 429/502/503/504 are retried up to 3 times (``Retry-After`` honoured).

Deviations (documented): personalization rendering, Audiences, Media and the other components' commands
are accepted by name and rejected with "not supported"; their options are accepted and ignored; cookies
are written host-only (alloy writes them on the apex domain); a command after a configure that failed
would reject where alloy leaves it pending forever (only an asynchronous configure failure does that,
and this client has none); a consent that did not change is still sent. Under MicroPython a plain dict's key order is arbitrary: pass
``jsonorder.Obj`` where the key order of your XDM on the wire matters.
"""

import sys

from . import jsonorder
from .jsdate import civil_from_days, utc_string
from .jsonorder import Obj

VERSION = "2.33.1"
ID_THIRD_PARTY = "adobedc.demdex.net"
CONFIG_DOC = "https://adobe.ly/3sHh553"
COMMAND_DOC = "https://adobe.ly/3sHgQHb"
SEND_EVENT_DOC = "https://adobe.ly/3GQ3Q7t"
RETRYABLE = (429, 502, 503, 504)
MAX_RETRIES = 3
AMCV_MAX_AGE_S = 390 * 86400
# The commands alloy 2.33.1's standard build lists (in its order) when asked for an unknown one.
AVAILABLE_COMMANDS = (
    "configure, setDebug, sendConversationEvent, setConsent, createEventMergeId, getMediaAnalyticsTracker, "
    "applyPropositions, sendPushSubscription, evaluateRulesets, subscribeRulesetItems, createMediaSession, "
    "sendMediaEvent, sendEvent, applyResponse, getIdentity, appendIdentityToUrl, getLibraryInfo"
)
PERSONALIZATION_SCHEMAS = [
    "https://ns.adobe.com/personalization/default-content-item",
    "https://ns.adobe.com/personalization/html-content-item",
    "https://ns.adobe.com/personalization/json-content-item",
    "https://ns.adobe.com/personalization/redirect-item",
    "https://ns.adobe.com/personalization/ruleset-item",
    "https://ns.adobe.com/personalization/message/in-app",
    "https://ns.adobe.com/personalization/message/content-card",
    "https://ns.adobe.com/personalization/dom-action",
]
DEFAULT_CONTEXT = ["web", "device", "environment", "placeContext"]


class AlloyError(Exception):
    """A rejected command; ``str(error)`` is alloy's message."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message


class Command:
    """What ``alloy(name, options)`` returns: awaitable on both interpreters; settles exactly once."""

    def __init__(self, name):
        self.name = name
        self.result = None
        self.error = None
        self.done = False
        self._event = None
        self._callbacks = []

    def add_done_callback(self, fn):
        if self.done:
            fn(self)
        else:
            self._callbacks.append(fn)

    def _settle(self, result=None, error=None):
        if self.done:
            return
        self.result, self.error, self.done = result, error, True
        callbacks, self._callbacks = self._callbacks, []
        for fn in callbacks:
            fn(self)
        if self._event is not None:
            self._event.set()

    async def _wait(self):
        if not self.done:
            if self._event is None:
                import asyncio

                self._event = asyncio.Event()
            await self._event.wait()
        if self.error is not None:
            raise self.error
        return self.result

    def __await__(self):
        coro = self._wait()
        return coro.__await__() if hasattr(coro, "__await__") else coro

    if sys.implementation.name == "micropython":
        __iter__ = __await__


# -- validation (alloy's texts) -------------------------------------------------------------------------


def _json(value):
    if callable(value):
        return "undefined"
    try:
        return jsonorder.dumps(value)
    except TypeError:
        return '"%s"' % (value,)


def _expected(path, what, value):
    return "'%s': Expected %s, but got %s." % (path, what, _json(value))


def _is_bool(value):
    return value is True or value is False


def _is_str(value):
    return isinstance(value, str)


def _is_domain(value):
    if not isinstance(value, str) or not value:
        return False
    return all(ch.isalpha() and ord(ch) < 128 or ch.isdigit() or ch in ".-" for ch in value)


def _check(errors, options, name, test, what):
    if name in options and options[name] is not None and not test(options[name]):
        errors.append(_expected(name, what, options[name]))


_CONFIG_FIELDS = (
    "datastreamId",
    "edgeConfigId",
    "orgId",
    "edgeDomain",
    "edgeBasePath",
    "debugEnabled",
    "onBeforeEventSend",
    "defaultConsent",
    "thirdPartyCookiesEnabled",
    "idMigrationEnabled",
    "targetMigrationEnabled",
    "context",
    "edgeConfigOverrides",
    "clickCollectionEnabled",
    "clickCollection",
    "onBeforeLinkClickSend",
    "downloadLinkQualifier",
    "prehidingStyle",
    "personalizationStorageEnabled",
    "autoCollectPropositionInteractions",
    "autoTrackPropositionInteractions",
    "streamingMedia",
    "advertising",
    "conversation",
    "pushNotifications",
    "personalization",
)


_ORG_IDS = []  # every orgId a configure validated in this window: alloy wants one instance per org


def validate_configure(options, org_ids=None):
    """The configuration (a dict with defaults filled in), or AlloyError with alloy's text.

    ``org_ids`` lists the orgIds earlier configure calls saw (alloy records one even when the rest of
    the options failed, so a second instance, or a retried configure, for the same org is refused).

    >>> try:
    ...     validate_configure({"datastreamId": "ds1", "orgId": "O@AdobeOrg", "foo": 1, "bar": 2})
    ... except AlloyError as error:
    ...     print(error.message.replace(chr(9), "<TAB>"))
    [alloy] Resolve these configuration problems:
    <TAB> - 'foo': Unknown field.
    <TAB> - 'bar': Unknown field.
    For configuration documentation see: https://adobe.ly/3sHh553
    """
    if options is None:
        options = {}
    if not jsonorder.is_object(options):
        raise AlloyError(
            "[alloy] Resolve these configuration problems:\n\t - Error: Expected an object, but got %s.\n"
            "For configuration documentation see: %s" % (_json(options), CONFIG_DOC)
        )
    options = dict(jsonorder.items(options))
    # alloy's core options throw one combined error (printed with an "Error: " prefix); the components'
    # options (consent, identity) and unknown fields add one line each.
    core = []
    if "datastreamId" not in options and "edgeConfigId" in options:
        options["datastreamId"] = options["edgeConfigId"]
    for name in ("datastreamId", "orgId"):
        value = options.get(name)
        if value is None or value == "":
            core.append("'%s' is a required option" % name)
        elif not _is_str(value):
            core.append(_expected(name, "a string", value))
        elif name == "orgId" and org_ids is not None:
            if value in org_ids:
                core.append(_expected(name, "a unique value across instances", value))
            else:
                org_ids.append(value)
    _check(core, options, "edgeDomain", _is_domain, "a valid domain")
    _check(core, options, "edgeBasePath", _is_str, "a string")
    _check(core, options, "debugEnabled", _is_bool, "true or false")
    _check(core, options, "onBeforeEventSend", callable, "a function")
    # The core options fail first, on their own; the components' options and unknown fields after.
    lines = ["Error: " + "\n".join(core)] if core else []
    consent = options.get("defaultConsent")
    if not core and consent is not None and consent not in ("in", "out", "pending"):
        lines.append(_expected("defaultConsent", 'one of these values: ["in","out","pending"]', consent))
    for name in ("thirdPartyCookiesEnabled", "idMigrationEnabled", "targetMigrationEnabled"):
        if core:
            break
        _check(lines, options, name, _is_bool, "true or false")
    for key in options if not core else ():
        if key not in _CONFIG_FIELDS:
            lines.append("'%s': Unknown field." % key)
    if lines:
        text = "\n".join(lines).split("\n")
        raise AlloyError(
            "[alloy] Resolve these configuration problems:\n\t - %s\nFor configuration documentation see: %s"
            % ("\n\t - ".join(text), CONFIG_DOC)
        )
    config = {
        "edgeDomain": "edge.adobedc.net",
        "edgeBasePath": "ee",
        "debugEnabled": False,
        "defaultConsent": "in",
        "thirdPartyCookiesEnabled": True,
        "idMigrationEnabled": True,
        "context": list(DEFAULT_CONTEXT),
        "onBeforeEventSend": None,
    }
    for key, value in options.items():
        if value is not None:
            config[key] = value
    return config


def _command_error(name, lines, doc=COMMAND_DOC):
    return AlloyError(
        "[alloy] Invalid %s command options:\n\t - Error: %s For command documentation see: %s"
        % (name, "\n".join(lines), doc)
    )


def validate_send_event(options):
    """AlloyError (alloy's text) for bad sendEvent options; unknown keys are accepted, as alloy does."""
    if not jsonorder.is_object(options):
        raise _command_error(
            "sendEvent", [_expected("", "an object", options).replace("'': ", "")], SEND_EVENT_DOC
        )
    errors = []
    for name, test, what in (
        ("type", _is_str, "a string"),
        ("xdm", jsonorder.is_object, "an object"),
        ("data", jsonorder.is_object, "an object"),
        ("documentUnloading", _is_bool, "true or false"),
        ("renderDecisions", _is_bool, "true or false"),
        ("decisionScopes", lambda v: isinstance(v, list), "an array"),
        ("personalization", jsonorder.is_object, "an object"),
        ("datasetId", _is_str, "a string"),
        ("mergeId", _is_str, "a string"),
        ("edgeConfigOverrides", jsonorder.is_object, "an object"),
    ):
        if name in options:
            _check(errors, dict(jsonorder.items(options)), name, test, what)
    if errors:
        raise _command_error("sendEvent", errors, SEND_EVENT_DOC)


def validate_set_consent(options):
    if not jsonorder.is_object(options) or options.get("consent") is None:
        raise _command_error("setConsent", ["'consent' is a required option"])
    if not isinstance(options.get("consent"), list):
        raise _command_error("setConsent", [_expected("consent", "an array", options.get("consent"))])


def validate_set_debug(options):
    options = options if jsonorder.is_object(options) else {}
    errors = []
    if options.get("enabled") is None:
        errors.append("'enabled' is a required option")
    elif not _is_bool(options.get("enabled")):
        errors.append(_expected("enabled", "true or false", options.get("enabled")))
    for key in options.keys():
        if key != "enabled":
            errors.append("'%s': Unknown field." % key)
    if errors:
        raise _command_error("setDebug", errors)


# -- cookies (js-cookie's encoding, as alloy's cookieJar) ----------------------------------------------

_HEX = "0123456789ABCDEF"
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.!~*'()"


def _encode_uri_component(text, keep=""):
    out = []
    for ch in text:
        if ch in _UNRESERVED or ch in keep:
            out.append(ch)
        else:
            for byte in ch.encode("utf-8"):
                out.append("%" + _HEX[byte >> 4] + _HEX[byte & 15])
    return "".join(out)


def _decode_percent(text):
    if "%" not in text:
        return text
    raw = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "%" and i + 2 < len(text) + 0 and _is_hex(text[i + 1 : i + 3]):
            raw.append(int(text[i + 1 : i + 3], 16))
            i += 3
        else:
            raw.extend(ch.encode("utf-8"))
            i += 1
    try:
        return bytes(raw).decode("utf-8")
    except UnicodeError:
        return text


def _is_hex(pair):
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def cookie_value_encode(value):
    """js-cookie's value encoding: ``encodeURIComponent`` with ``#$&+/:<=>?@[]^`{|}`` kept."""
    return _encode_uri_component(value, "#$&+/:<=>?@[]^`{|}")


def cookie_name_encode(name):
    """js-cookie's name encoding: ``encodeURIComponent`` with ``#$&+^`|`` kept (``@`` -> ``%40``)."""
    return _encode_uri_component(name, "#$&+^`|")


def read_cookies(cookie_string):
    """``document.cookie`` as ``[name, value]`` pairs in document order, both percent-decoded."""
    pairs = []
    for part in cookie_string.split("; ") if cookie_string else []:
        name, sep, value = part.partition("=")
        if value.startswith('"') and value.endswith('"') and len(value) > 1:
            value = value[1:-1]
        pairs.append([_decode_percent(name), _decode_percent(value)])
    return pairs


def cookie_name(org_id, key):
    """``kndctr_<org with its @ as _>_<key>``: the Edge's namespaced cookies."""
    at = org_id.find("@")
    sanitized = org_id if at < 0 else org_id[:at] + "_" + org_id[at + 1 :]
    return "kndctr_%s_%s" % (sanitized, key)


_B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def ecid_from_identity_cookie(value):
    """The ECID in a ``kndctr_<org>_identity`` cookie (base64 ``Identity`` protobuf, field 1), or None."""
    text = _decode_percent(value).replace("_", "/").replace("-", "+").rstrip("=")
    bits = 0
    nbits = 0
    raw = bytearray()
    for ch in text:
        index = _B64.find(ch)
        if index < 0:
            return None
        bits = (bits << 6) | index
        nbits += 6
        if nbits >= 8:
            nbits -= 8
            raw.append((bits >> nbits) & 0xFF)
    pos = 0
    while pos < len(raw):
        tag = raw[pos]
        pos += 1
        length = 0
        shift = 0
        while pos < len(raw):
            byte = raw[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        if tag == 0x0A:
            try:
                return bytes(raw[pos : pos + length]).decode("utf-8")
            except UnicodeError:
                return None
        if tag & 7 != 2:
            return None  # only length-delimited fields come before the ECID in practice
        pos += length
    return None


# -- time -----------------------------------------------------------------------------------------------


def iso_utc(ms):
    """``new Date(ms).toISOString()``.

    >>> iso_utc(1796170126113)
    '2026-12-02T00:08:46.113Z'
    """
    days = ms // 86400000
    rest = ms - days * 86400000
    year, month, day = civil_from_days(days)
    seconds = rest // 1000
    return "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ" % (
        year,
        month,
        day,
        seconds // 3600,
        (seconds // 60) % 60,
        seconds % 60,
        rest % 1000,
    )


def iso_local(ms, offset_minutes):
    """alloy's ``placeContext.localTime``: local ISO time with ``+hh:mm`` (JS offset sign inverted).

    >>> iso_local(0, -90)
    '1970-01-01T01:30:00.000+01:30'
    """
    text = iso_utc(ms - offset_minutes * 60000)[:-1]
    east = -offset_minutes
    sign = "+" if east >= 0 else "-"
    east = abs(east)
    return "%s%s%02d:%02d" % (text, sign, east // 60, east % 60)


def _uuid(random):
    digits = []
    for i in range(32):
        value = int(random() * 16)
        if i == 12:
            value = 4
        elif i == 16:
            value = 8 + (value & 3)
        digits.append("0123456789abcdef"[value])
    text = "".join(digits)
    return "%s-%s-%s-%s-%s" % (text[:8], text[8:12], text[12:16], text[16:20], text[20:])


def deep_assign(target, source):
    """Merge ``source`` into the ``Obj`` ``target`` as alloy's ``deepAssign``: objects merge, the rest replaces."""
    for key, value in jsonorder.items(source):
        current = target.get(key)
        if jsonorder.is_object(value) and isinstance(current, Obj):
            deep_assign(current, value)
        else:
            target[key] = jsonorder.copy(value)
    return target


# -- the instance ---------------------------------------------------------------------------------------


class Instance:
    """One ``createInstance()``: call it as ``alloy(command, options)``."""

    def __init__(self, name, page):
        self.name = name
        self._page = page
        self._config = None
        self._debug = False
        self._consent = None
        self._consent_waiters = []
        self._identity_gate = None  # a Command-like latch while an identity-less request is in flight
        self._events_sent = 0
        self._region_id = None

    def __call__(self, command, options=None):
        handle = Command(command)
        try:
            run = self._executor(command, options)
        except AlloyError as error:
            handle._settle(error=error)
            return handle
        import asyncio

        async def go():
            try:
                result = await run()
                handle._settle(result=result if isinstance(result, dict) else {})
            except AlloyError as error:
                handle._settle(error=error)
            except Exception as error:  # noqa: BLE001 - a page or callback failure becomes a rejection
                handle._settle(error=AlloyError("[alloy] %s" % (error,)))

        asyncio.create_task(go())
        return handle

    # Synchronous checks happen at call time, in call order, as in alloy's executeCommand.
    def _executor(self, command, options):
        if command == "configure":
            if self._config is not None:
                raise AlloyError(
                    "[alloy] The library has already been configured and may only be configured once."
                )
            # A configure that fails validation leaves the library unconfigured (alloy assigns its
            # configure promise only after the options passed), so configure may be called again.
            self._config = validate_configure(options, getattr(self._page, "org_ids", _ORG_IDS))
            self._debug = bool(self._config["debugEnabled"])
            self._init_consent()

            async def configured():
                return {}

            return configured
        if self._config is None:
            raise AlloyError(
                "[alloy] The library must be configured first. Please do so by executing the configure command."
            )
        options = {} if options is None else options
        if command == "setDebug":
            validate_set_debug(options)
            self._debug = options["enabled"]

            async def debug():
                return {}

            return debug
        handler = {
            "sendEvent": self._send_event,
            "setConsent": self._set_consent,
            "getIdentity": self._get_identity,
            "getLibraryInfo": self._library_info,
        }.get(command)
        if handler is None:
            names = ", " + AVAILABLE_COMMANDS + ","
            if (", " + str(command) + ",") in names:
                raise AlloyError("[alloy] The %s command is not supported by this Python Web SDK." % command)
            raise AlloyError(
                "[alloy] The %s command does not exist. List of available commands: %s."
                % (command, AVAILABLE_COMMANDS)
            )
        if command == "sendEvent":
            validate_send_event(options)
        elif command == "setConsent":
            validate_set_consent(options)

        async def run():
            return await handler(options)

        return run

    # -- consent ---------------------------------------------------------------------------------------
    def _org(self):
        return self._config["orgId"]

    def _cookie(self, name):
        for key, value in read_cookies(self._page.get_cookies()):
            if key == name:
                return value
        return None

    def _init_consent(self):
        stored = self._cookie(cookie_name(self._org(), "consent"))
        if stored:
            for part in stored.split(";"):
                key, _, value = part.partition("=")
                if key == "general" and value in ("in", "out"):
                    self._consent = value
                    return
        self._consent = self._config["defaultConsent"]

    def _set_consent_state(self, state):
        self._consent = state
        if state != "pending":
            waiters, self._consent_waiters = self._consent_waiters, []
            for waiter in waiters:
                waiter.set()

    async def _await_consent(self):
        while self._consent == "pending":
            import asyncio

            event = asyncio.Event()
            self._consent_waiters.append(event)
            await event.wait()
        return self._consent == "in"

    # -- requests --------------------------------------------------------------------------------------
    def _identity_exists(self):
        return self._cookie(cookie_name(self._org(), "identity")) is not None

    def _state(self, include_entries=True):
        state = Obj([("domain", self._page.location_hostname()), ("cookiesEnabled", True)])
        prefix = cookie_name(self._org(), "")
        entries = [
            Obj([("key", k), ("value", v)])
            for k, v in read_cookies(self._page.get_cookies())
            if k.startswith(prefix)
        ]
        if entries and include_entries:
            state["entries"] = entries
        return state

    def _fetch_query(self):
        fetch = ["ECID"]
        if self._config["thirdPartyCookiesEnabled"]:
            fetch.append("CORE")
        return Obj([("identity", Obj([("fetch", fetch)]))])

    async def _send(self, action, payload, created_ms, component, command, beacon=False):
        """Send one request (waiting for the identity, retrying); the parsed answer (``Obj``) or None."""
        established = self._identity_exists()
        gate = None
        if not established:
            while self._identity_gate is not None:
                await self._identity_gate.wait()
                established = self._identity_exists()
                if established:
                    break
            if not established:
                import asyncio

                gate = self._identity_gate = asyncio.Event()
        try:
            if beacon and not established:
                action = "interact"  # alloy: no beacon to collect before an identity exists
                beacon = False
            use_third_party = not established and self._config["thirdPartyCookiesEnabled"]
            domain = ID_THIRD_PARTY if use_third_party else self._config["edgeDomain"]
            hint = self._cookie(cookie_name(self._org(), "cluster"))
            base = self._config["edgeBasePath"] + ("/" + hint if hint else "")
            request_id = _uuid(self._page.random)
            url = "https://%s/%s/v1/%s?configId=%s&requestId=%s" % (
                domain,
                base,
                action,
                self._config["datastreamId"],
                request_id,
            )
            meta = payload.get("meta")
            if meta is None:
                meta = payload["meta"] = Obj()
            if created_ms is not None:
                meta["queueTimeMillis"] = max(0, self._page.now_ms() - created_ms)
            state = self._state()
            if "state" in meta:
                del meta["state"]
            meta["state"] = state
            body = jsonorder.dumps(payload)
            if beacon and self._page.beacon(url, body):
                return None
            retries = 0
            while True:
                status, headers, text = await self._page.post(url, body)
                if status in RETRYABLE and retries < MAX_RETRIES:
                    delay = self._retry_delay(headers.get("retry-after"), retries)
                    retries += 1
                    await self._page.sleep_ms(delay)
                    continue
                break
            parsed = None
            if text:
                try:
                    parsed = jsonorder.loads(text)
                except ValueError:
                    parsed = None
            if (
                status < 200
                or status >= 300
                or (parsed is None and status != 204)
                or (
                    parsed is not None
                    and not isinstance(parsed.get("handle") if isinstance(parsed, Obj) else None, list)
                )
            ):
                shown = jsonorder.dumps(parsed, 2) if parsed is not None else text
                suffix = ("response body:\n" + shown) if shown else "no response body."
                raise AlloyError(
                    "[alloy] [%s] An error occurred while executing the %s command.\n"
                    "Caused by: The server responded with a status code %d and %s"
                    % (component, command, status, suffix)
                )
            if parsed is not None:
                self._apply_response(parsed, headers.get("x-adobe-edge"))
            return parsed
        finally:
            if gate is not None:
                self._identity_gate = None
                gate.set()

    def _retry_delay(self, retry_after, retries):
        if retry_after:
            try:
                return int(retry_after.strip()) * 1000
            except ValueError:
                pass
        target = 1000 + retries * 1000
        return int(round(target * 0.7 + self._page.random() * target * 0.6))

    def _write_cookie(self, name, value, max_age_s):
        parts = [cookie_name_encode(name) + "=" + cookie_value_encode(str(value))]
        if max_age_s is not None:
            parts.append("expires=" + utc_string(self._page.now_ms() + int(max_age_s) * 1000))
        parts.append("path=/")
        self._page.set_cookie("; ".join(parts))

    def _apply_response(self, parsed, edge_header):
        ecid = None
        for handle in parsed.get("handle") or []:
            kind = handle.get("type") if isinstance(handle, Obj) else None
            for item in handle.get("payload") or [] if isinstance(handle, Obj) else []:
                if not isinstance(item, Obj):
                    continue
                if kind == "state:store" and isinstance(item.get("key"), str):
                    self._write_cookie(item["key"], item.get("value", ""), item.get("maxAge"))
                elif kind == "identity:result" and jsonorder.to_plain(item.get("namespace")) == {
                    "code": "ECID"
                }:
                    ecid = item.get("id")
        # x-adobe-edge: "OR2;9" -> regionId 9 (alloy's extractEdgeInfo)
        region = (edge_header or "").split(";")
        if len(region) > 1 and region[1].strip().isdigit():
            self._region_id = int(region[1].strip())
        if ecid and self._config["idMigrationEnabled"]:
            amcv = "AMCV_" + self._org()
            if self._cookie(amcv) is None:
                self._write_cookie(amcv, "MCMID|" + ecid, AMCV_MAX_AGE_S)

    # -- commands --------------------------------------------------------------------------------------
    def _auto_xdm(self, now_ms):
        page = self._page
        screen = page.screen()
        offset, zone = page.timezone()
        context = self._config["context"]
        xdm = Obj()
        if "web" in context:
            xdm["web"] = Obj(
                [
                    ("webPageDetails", Obj([("URL", page.location_href())])),
                    ("webReferrer", Obj([("URL", page.document_referrer())])),
                ]
            )
        if "device" in context:
            xdm["device"] = Obj(
                [
                    ("screenHeight", screen["height"]),
                    ("screenWidth", screen["width"]),
                    ("screenOrientation", page.orientation()),
                ]
            )
        if "environment" in context:
            details = Obj(
                [("viewportWidth", screen["inner_width"]), ("viewportHeight", screen["inner_height"])]
            )
            xdm["environment"] = Obj([("type", "browser"), ("browserDetails", details)])
        if "placeContext" in context:
            xdm["placeContext"] = Obj(
                [
                    ("localTimezoneOffset", offset),
                    ("localTime", iso_local(now_ms, offset)),
                    ("ianaTimezone", zone),
                ]
            )
        xdm["timestamp"] = iso_utc(now_ms)
        xdm["implementationDetails"] = Obj(
            [
                ("name", "https://ns.adobe.com/experience/alloy"),
                ("version", VERSION),
                ("environment", "browser"),
            ]
        )
        return xdm

    async def _send_event(self, options):
        created = self._page.now_ms()
        if not await self._await_consent():
            return {}
        now = self._page.now_ms()
        first = self._events_sent == 0
        xdm = self._auto_xdm(now)
        if options.get("xdm"):
            deep_assign(xdm, options["xdm"])
        if options.get("type"):
            xdm["eventType"] = options["type"]
        if options.get("mergeId"):
            xdm["eventMergeId"] = options["mergeId"]
        data = jsonorder.copy(options["data"]) if options.get("data") else None
        content = Obj([("xdm", xdm)])
        if data is not None:
            content["data"] = data
        callback = self._config.get("onBeforeEventSend")
        if callback is not None:
            try:
                keep = callback(content)
            except Exception as error:  # noqa: BLE001 - alloy rejects with the callback's message
                raise AlloyError(
                    "[alloy] [DataCollector] An error occurred while executing the sendEvent command.\n"
                    "Caused by: %s" % (error,)
                ) from None
            if keep is False:
                return {}
        self._events_sent += 1
        event = Obj([("xdm", content.get("xdm"))])
        if first:
            href = self._page.location_href()
            surface = "web://" + href.split("://", 1)[-1].split("?")[0].split("#")[0]
            personalization = Obj(
                [
                    ("schemas", list(PERSONALIZATION_SCHEMAS)),
                    ("decisionScopes", ["__view__"]),
                    ("surfaces", [surface]),
                ]
            )
            event["query"] = Obj([("personalization", personalization)])
        if content.get("data") is not None:
            event["data"] = content.get("data")
        payload = Obj([("events", [event]), ("query", self._fetch_query()), ("meta", Obj())])
        overrides = options.get("edgeConfigOverrides") or self._config.get("edgeConfigOverrides")
        if overrides:
            payload["meta"]["configOverrides"] = jsonorder.copy(overrides)
        unloading = options.get("documentUnloading") is True
        await self._send(
            "collect" if unloading else "interact", payload, created, "DataCollector", "sendEvent", unloading
        )
        result = {"propositions": []}
        if first:
            result["decisions"] = []
        return result

    async def _set_consent(self, options):
        payload = Obj(
            [
                ("consent", jsonorder.copy(options["consent"])),
                ("query", self._fetch_query()),
                ("meta", Obj()),
            ]
        )
        identity_map = options.get("identityMap")
        if identity_map:
            payload["identityMap"] = jsonorder.copy(identity_map)
        await self._send("privacy/set-consent", payload, None, "Consent", "setConsent")
        stored = self._cookie(cookie_name(self._org(), "consent")) or ""
        state = None
        for part in stored.split(";"):
            key, _, value = part.partition("=")
            if key == "general" and value in ("in", "out"):
                state = value
        if state is None:
            for entry in options["consent"]:
                general = (entry.get("value") or {}).get("general") if jsonorder.is_object(entry) else None
                if general in ("in", "out"):
                    state = general
        if state is not None:
            self._set_consent_state(state)
        return {}

    async def _get_identity(self, options):
        if not await self._await_consent():
            return {}
        identity = self._cookie(cookie_name(self._org(), "identity"))
        if identity is None:
            payload = Obj([("query", self._fetch_query()), ("meta", Obj())])
            await self._send("identity/acquire", payload, None, "Identity", "getIdentity")
            identity = self._cookie(cookie_name(self._org(), "identity"))
        ecid = ecid_from_identity_cookie(identity) if identity else None
        result = {"identity": {"ECID": ecid}}
        if self._region_id is not None:
            result["edge"] = {"regionId": self._region_id}
        return result

    async def _library_info(self, options):
        configs = dict(self._config)
        if configs.get("onBeforeEventSend") is not None:
            configs["onBeforeEventSend"] = "function"
        else:
            configs["onBeforeEventSend"] = "() => {}"
        commands = sorted(c.strip() for c in AVAILABLE_COMMANDS.split(","))
        return {"libraryInfo": {"version": VERSION, "configs": configs, "commands": commands}}


def createInstance(name="alloy", page=None):  # noqa: N802 - the Web SDK's own name
    """A new Web SDK instance; ``page`` defaults to the browser binding (``browser.EdgePage``)."""
    if page is None:
        from .browser import EdgePage

        page = EdgePage()
    return Instance(name, page)


create_instance = createInstance
