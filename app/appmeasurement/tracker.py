"""The ``AppMeasurement`` front: variables as attributes and the public methods, nothing else.

The work of a track call happens in its stages (track.py lists them in order); this class keeps the
variables, validates arguments at call time, and hands each call to the queue (lifecycle.py).
Page facts come from an environment object (environment.py); nothing here imports ``js``.

    s = s_gi("myrsid")                     # the registered instance for these report suites
    s.trackingServer = "metrics.example.com"
    s.pageName = "Home"; s.eVar1 = "x"
    s.contextData["section.sub"] = "news"
    hit = s.t()                            # an outcome.Hit, awaitable
    s.tl(True, "o", "Signup click", {"eVar2": "v"})
    s.clearVars()

Variables are plain attributes.  Any attribute can be set and read (unset ones read as None);
only AppMeasurement's own variables are ever sent.

    >>> from appmeasurement.testing import FakeTransport, StaticEnvironment
    >>> s = AppMeasurement("myrsid", StaticEnvironment(), FakeTransport())
    >>> s.eVar1, s.version, s.Util.urlEncode("a b")
    (None, '2.27.0', 'a%20b')
"""

from . import activitymap, clicks, cookies, storage
from .checks import check_link_type, check_rsid
from .contextdata import ContextData
from .escaping import escape, unescape
from .jsvalues import js_string, js_truthy, utf16_sort_key
from .lifecycle import HitQueue
from .variables import VERSION, is_cleared

# The stages of a track call (readiness -> track -> plugins, query, request ...) and the link and
# override helpers are imported by the first call that needs them, not with the package: the page's
# Python is ready sooner (MicroPython's import: 27 modules -> 18), and the first hit pays a few ms.
DEFAULT_WAIT_MS = 5000  # s.visitorWaitTimeout's default: how long readiness.py waits for visitor ids

_registry = []  # every instance, in creation order (window.s_c_il in the JS)
_counter = [0]  # next s_c_il slot; each instance also takes one for its ActivityMap module
_defaults = {"env": None, "transport": None}

_DOWNLOAD_TYPES = "exe,zip,wav,mp3,mov,mpg,avi,wmv,pdf,doc,docx,xls,xlsx,ppt,pptx"

_NO_BROWSER = (
    "AppMeasurement(%r): no browser here (the `js` module is missing), so there is no page to read "
    "and no way to send a hit. Pass both explicitly: AppMeasurement(rsid, env, transport), e.g. "
    "in tests `from appmeasurement.testing import StaticEnvironment, FakeTransport`."
)


def set_defaults(env_factory=None, transport_factory=None):
    """Choose what ``AppMeasurement(rsid)`` uses when no env/transport is passed (the package's
    ``__init__`` sets the browser ones)."""
    _defaults["env"] = env_factory
    _defaults["transport"] = transport_factory


def _reset_registry():
    """Forget every instance (tests only)."""
    del _registry[:]


class _State:
    """What an instance remembers between calls, besides its variables."""

    def __init__(self, index):
        self.index = index  # s._in: this instance's slot in window.s_c_il
        self.tech_done = False  # technology fields read (once per instance)
        self.referrer_seen = False  # the first hit reads document.referrer, later ones do not
        self.held_referrer = None  # a referrer kept from an aborted call
        self.cookie_domain = cookies.UNKNOWN_DOMAIN  # worked out once, on the first cookie written
        self.cookies_written = {}  # name -> (value, attributes, expiry ms) last written and read back
        self.jar = None  # document.cookie as read in the current track call (cookies.call_jar)
        self.two_years = None  # (epoch second, expiry ms) of the default two-year cookie lifetime
        self.identity = None  # identity.State, made on first use
        self.readiness = None  # readiness.State, made on first use
        self.edge = None  # the Web SDK instance hits go through (s.useEdge), None for /b/ss/


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
        from . import pagefacts

        value = pagefacts.query_param(self._owner, name, url, separator, False)
        return None if value is pagefacts.UNDEFINED else value


class AppMeasurement:
    """One tracker (``s`` in AppMeasurement's docs); see the module docstring."""

    def __init__(self, account, env=None, transport=None, *, queue=None):
        check_rsid(account, "account")
        if env is None:
            if _defaults["env"] is None:
                raise RuntimeError(_NO_BROWSER % account)
            env = _defaults["env"]()
        if queue is None:
            if transport is None:
                if _defaults["transport"] is None:
                    raise RuntimeError(_NO_BROWSER % account)
                transport = _defaults["transport"]()
            queue = HitQueue(transport, env, env)
        setp = object.__setattr__
        setp(self, "_env", env)
        setp(self, "_queue", queue)
        if hasattr(queue, "configure"):
            queue.configure(lambda: storage.options(self))
        setp(self, "_state", _State(_counter[0]))
        _counter[0] += 2
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
        self.visitorWaitTimeout = DEFAULT_WAIT_MS
        queue.debug = lambda: js_truthy(self.debugTracking)
        self.setAccount(account)
        self.ActivityMap = activitymap.ActivityMap(self)
        _registry.append(self)
        setp(self, "clickTracking", clicks.install(self))

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

    # --- account -----------------------------------------------------------------------------
    def setAccount(self, account):
        """Set the report suite(s); ``allAccounts`` keeps every suite this instance has served."""
        check_rsid(account, "account")
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

    # --- tracking ----------------------------------------------------------------------------
    def t(self, overrides=None, set_vars=None):
        """Send a page view (or a link hit when linkType is set); returns the hit's ``Hit``.

        ``overrides`` changes variables for this hit only ("!eVar1": 1 blanks eVar1); ``set_vars``
        sets them permanently (contextData given there is merged into the current one).
        """
        overrides = self._check(overrides, "overrides")
        set_vars = self._check(set_vars, "set_vars")
        if set_vars is not None:
            from .overrides import apply

            apply(self, set_vars, True)
        from . import readiness

        return readiness.track_call(self, overrides)

    track = t

    def tl(self, linkObject=None, linkType=None, linkName=None, overrides=None, doneAction=None):
        """Send a link hit: linkType "o" (custom), "d" (download) or "e" (exit).

        doneAction runs once the hit has settled: a callable is called, "navigate" follows
        linkObject's href.
        """
        check_link_type(linkType)
        overrides = self._check(overrides, "overrides")
        self.linkObject = linkObject
        self.linkType = linkType
        self.linkName = linkName
        if js_truthy(doneAction):
            self.bodyClickTarget = linkObject
            self.bodyClickFunction = doneAction
        from . import readiness

        handle = readiness.track_call(self, overrides)
        if js_truthy(doneAction):
            from . import links

            handle.add_done_callback(lambda _outcome: links.done_action(self))
            links.arm_done_timeout(self)
        return handle

    trackLink = tl

    def clearVars(self):
        """Unset props, eVars, hiers, lists, channel, events, products, purchaseID, transactionID,
        state, zip and campaign (pageName, pageURL, contextData ... are kept)."""
        for name in list(self.__dict__):
            if is_cleared(name):
                object.__setattr__(self, name, None)

    def useEdge(self, alloy):
        """Send the hits through the Web SDK instance ``alloy`` (``websdk.createInstance()``, configured)
        as Analytics data-object events instead of /b/ss/ requests; None switches back (edgebridge.py)."""
        from . import edgebridge  # imported when used (start-up: see track.py)

        edgebridge.attach(self, alloy)

    # --- readiness and introspection (readiness.py) -------------------------------------------
    def isReadyToTrack(self):
        """True when consent (adobe.optIn) and the visitor values (s.visitor) allow a hit now."""
        from . import readiness

        return readiness.ready(self)

    def callbackWhenReadyToTrack(self, obj, fn, args=None):
        """Run ``fn(*args)`` once ready, after the hits deferred before it. ``obj`` (JavaScript's
        ``this``) is accepted for AppMeasurement's signature; Python methods are already bound."""
        if not callable(fn):
            raise TypeError("callbackWhenReadyToTrack: fn must be callable, got %r" % (fn,))
        from . import readiness

        readiness.callback_when_ready(self, fn, args)

    def foreachVar(self, fn, filter=None):
        """Call ``fn(name, value)`` for each variable the next hit would send, in wire order,
        honouring linkTrackVars/linkTrackEvents on a link hit; ``filter``: "name,name" to keep."""
        from . import query

        for name, value in query.each_var(self, filter):
            fn(name, value)

    # --- offline ------------------------------------------------------------------------------
    def forceOffline(self):
        """Send nothing until forceOnline(); with trackOffline, queued hits wait in localStorage."""
        self._queue.force_offline(True)

    def forceOnline(self):
        self._queue.force_offline(False)

    def bufferRequests(self, on=True):
        """bufferRequests(): keep hits in sessionStorage until the next unbuffered hit (on this page or
        the next in the tab); bufferRequests(False): send them now and stop buffering."""
        self._queue.buffer_requests(on is None or js_truthy(on))

    # --- callbacks ---------------------------------------------------------------------------
    def registerPreTrackCallback(self, fn, *args):
        """fn(url, *args) once the request URL is built, before it is sent."""
        self._queue.register("pre", fn, args)

    def registerPostTrackCallback(self, fn, *args):
        """fn(url, *args) after the request succeeded."""
        self._queue.register("post", fn, args)

    def registerFailureTrackCallback(self, fn, *args):
        """fn(url, reason, *args) after the request failed."""
        self._queue.register("failure", fn, args)

    # --- utilities ---------------------------------------------------------------------------
    def escape(self, value):
        return escape(value)

    def unescape(self, value):
        return unescape(value)

    def log(self, message):
        self._env.log(message)

    def cookieRead(self, name):
        """The unescaped value of cookie ``name`` ("" when missing)."""
        return cookies.read(self._env, name)

    def cookieWrite(self, name, value, expires=None):
        """Write a cookie; True when it reads back.  expires: None (session), 1 (two years, or
        cookieLifetime seconds) or an epoch time in ms."""
        return cookies.write(self, name, value, expires)

    c_r = cookieRead
    c_w = cookieWrite

    def _check(self, values, what):
        if values is None:
            return None
        from .overrides import check

        return check(values, what, self._env)


def s_gi(rsid, env=None, transport=None):
    """The instance already serving any of these report suites (switched to ``rsid``), else a new one."""
    check_rsid(rsid, "rsid")
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
