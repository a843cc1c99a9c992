"""AppMeasurement's variable lists and the wire-key table.

``WIRE_KEYS`` is the single table of what each variable is called on the wire *and* of the order
in which variables appear in the query string (AppMeasurement walks its variable list in this
order).  Props, eVars, hiers and lists are interleaved by index (``c1 v1 h1 l1 c2 v2 ...``) at the
``INDEXED`` row, between ``tnt`` and ``pe``; ``indexed_key`` maps them.  The other lists say which variables
``linkTrackVars`` can never filter out, which ones ``clearVars`` clears, which are reset after
every call and which configuration variables ``s.t(overrides)`` may also replace.

The other direction, for whoever reads hits (the collector, the demo's inspector, the tests):
``variable_for_key`` names the variable behind any key AppMeasurement sends, ``EXTRA_KEYS`` lists
the keys that are no variable (request framing, ClickMap, postbacks) and ``BLOCK_NAMES`` the
nested blocks (``c.`` ... ``.c``).  ``appmeasurement.parse`` reads a request with them.

    >>> wire_key("eVar12"), wire_key("pageURL"), wire_key("foo")
    ('v12', 'g', None)
    >>> [variable_for_key(k) for k in ("c0", "v0", "v250", "h0", "l0", "g", "-g", "vmt", "c")]
    ['prop0', 'campaign', 'eVar250', 'hier0', 'list0', 'pageURL', 'pageURLRest', 'visitorMigrationKey', 'colorDepth']
    >>> variable_for_key("c76"), variable_for_key("c01"), variable_for_key("AQB"), extra_key_label("AQB")
    (None, None, None, 'AQB (request start)')
    >>> block_label("c"), block_label("cid")
    ('contextData', 'customer IDs')
    >>> position("pageName") < position("prop1") < position("eVar1") < position("pe")
    True
"""

VERSION = "2.27.0"

INDEXED = "<prop/eVar/hier/list N>"  # the table row where the indexed families are sent

# The wire-key table: (variable, wire key), in send order.  Keys equal to the name are sent as is.
WIRE_KEYS = (
    ("supplementalDataID", "sdid"),  # Experience Cloud supplemental data id (sent once)
    ("timestamp", "ts"),  # manual hit time in seconds (timestamp-enabled suites; sent once)
    ("dynamicVariablePrefix", "D"),  # prefix marking "D=v1" style dynamic values
    ("visitorID", "vid"),  # custom visitor id
    ("marketingCloudVisitorID", "mid"),  # ECID (Visitor API)
    ("analyticsVisitorID", "aid"),  # legacy analytics visitor id (Visitor API)
    ("audienceManagerLocationHint", "aamlh"),  # Audience Manager location hint
    ("authState", "as"),  # customer-id auth state
    ("fid", "fid"),  # fallback visitor id, kept in the s_fid cookie
    ("vmk", "vmt"),  # visitor migration key (old name)
    ("visitorMigrationKey", "vmt"),  # visitor migration key
    ("visitorMigrationServer", "vmf"),  # migration server (blank over https when a secure one is set)
    ("visitorMigrationServerSecure", "vmf"),  # secure migration server (blank over http ...)
    ("charSet", "ce"),  # declared character set (values are always UTF-8 encoded)
    ("visitorNamespace", "ns"),  # visitor namespace, also names the default 2o7.net host
    ("cookieDomainPeriods", "cdp"),  # periods in the cookie domain
    ("fpCookieDomainPeriods", "fpCookieDomainPeriods"),  # first-party variant, sent under its name
    ("cookieLifetime", "cl"),  # cookie lifetime ("SESSION", "NONE" or seconds)
    ("pageName", "pageName"),  # page name
    ("pageURL", "g"),  # page URL: first 255 UTF-16 units (the rest goes to -g)
    ("customerPerspective", "cp"),  # e.g. "mobileapp"
    ("referrer", "r"),  # referrer (search-engine referrers over 255 units are reordered)
    ("contextData", "c"),  # context data: a "c." ... ".c" block, not a key=value pair
    ("contextData.cm.ssf", "contextData.cm.ssf"),  # listed so linkTrackVars never filters it
    ("contextData.opt.dmp", "contextData.opt.dmp"),  # (idem)
    ("contextData.opt.sell", "contextData.opt.sell"),  # (idem)
    ("clientHints", "h"),  # user-agent client hints: an "h." ... ".h" block
    ("currencyCode", "cc"),  # currency code
    ("lightProfileID", "mtp"),  # trackLight profile
    ("lightStoreForSeconds", "mtss"),  # trackLight storage (only with lightProfileID)
    ("lightIncrementBy", "mti"),  # trackLight increment (only with lightProfileID)
    ("retrieveLightProfiles", "mtsr"),  # light profiles to retrieve
    ("deleteLightProfiles", "mtsd"),  # light profiles to delete
    ("retrieveLightData", "mts"),  # an "mts." block (only with retrieveLightProfiles)
    # -- page variables: linkTrackVars can filter everything from here to the indexed block --
    ("purchaseID", "purchaseID"),  # purchase id (de-duplicates orders)
    ("variableProvider", "vvp"),  # variable provider
    ("channel", "ch"),  # site section
    ("server", "server"),  # server name
    ("pageType", "pageType"),  # "errorPage" for 404 pages
    ("transactionID", "xact"),  # transaction id (data sources)
    ("campaign", "v0"),  # tracking code; also v0, like eVar0
    ("state", "state"),  # visitor state
    ("zip", "zip"),  # visitor zip code
    ("events", "events"),  # success events (events2 appended; linkTrackEvents filters)
    ("events2", "events2"),  # extra events merged into events, never sent itself
    ("products", "products"),  # products string
    ("audienceManagerBlob", "aamb"),  # Audience Manager blob
    ("tnt", "tnt"),  # Target (A4T) data
    (INDEXED, None),  # prop0 v0 h0 l0, prop1 ...: c<N>, v<N>, h<N>, l<N> grouped by index (indexed_key)
    # -- link and technology fields: always sent, like the head --
    ("pe", "pe"),  # link hit type: lnk_o, lnk_d or lnk_e
    ("pev1", "pev1"),  # link URL (already escaped)
    ("pev2", "pev2"),  # link name (already escaped)
    ("pev3", "pev3"),  # media data (already escaped); the ActivityMap block follows it
    ("latitude", "lat"),  # latitude
    ("longitude", "lon"),  # longitude
    ("resolution", "s"),  # screen WxH
    ("colorDepth", "c"),  # screen colour depth
    ("javascriptVersion", "j"),  # JavaScript version ("1.6" in every current browser)
    ("javaEnabled", "v"),  # Java enabled: Y/N
    ("cookiesEnabled", "k"),  # cookies enabled (s_cc cookie test): Y/N
    ("browserWidth", "bw"),  # window inner width
    ("browserHeight", "bh"),  # window inner height
    ("connectionType", "ct"),  # IE connection type (never set elsewhere)
    ("homepage", "hp"),  # IE homepage test (never set elsewhere)
    ("pageURLRest", "-g"),  # pageURL beyond 255 UTF-16 units
    ("marketingCloudOrgID", "mcorgid"),  # Experience Cloud org id
    ("ms_a", "ms_a"),  # media analytics flag
)

PROP_COUNT = 76  # prop0 .. prop75
EVAR_COUNT = 251  # eVar0 .. eVar250
HIER_COUNT = 6  # hier0 .. hier5
LIST_COUNT = 4  # list0 .. list3

# Indexed families: variable prefix -> wire prefix.
_INDEXED = (
    ("prop", "c", PROP_COUNT),
    ("eVar", "v", EVAR_COUNT),
    ("hier", "h", HIER_COUNT),
    ("list", "l", LIST_COUNT),
)


def _index(digits, count):
    # Canonical decimals only ("eVar01" is no variable), below the family's count.
    if not digits or (digits[0] == "0" and len(digits) > 1):
        return -1
    for ch in digits:
        if ch < "0" or ch > "9":  # ASCII only: CPython's isdigit() and int() take "１" too
            return -1
    i = int(digits)
    return i if i < count else -1


def indexed_key(name):
    """Wire key of prop/eVar/hier/list N ("c5", "v12", "h1", "l3"), else None ("eVar01", "prop76").

    Worked out from the name rather than looked up: a table of all 337 indexed names cost MicroPython
    about 10 ms to build at import, a quarter of the package's start-up.
    """
    for prefix, key, count in _INDEXED:
        if name.startswith(prefix) and _index(name[len(prefix) :], count) >= 0:
            return key + name[len(prefix) :]
    return None


def _indexed_name(key):
    # "v12" -> "eVar12", the reverse of indexed_key
    for prefix, letter, count in _INDEXED:
        if key.startswith(letter) and _index(key[1:], count) >= 0:
            return prefix + key[1:]
    return None


_KEYS = dict(WIRE_KEYS)  # one call, not a loop: the module is part of every page's start
_NAMES = [row[0] for row in WIRE_KEYS]
_PAGE_START = _NAMES.index("purchaseID")
_INDEXED_AT = _NAMES.index(INDEXED)
_INDEXED_COUNT = PROP_COUNT + EVAR_COUNT + HIER_COUNT + LIST_COUNT
_POSITION = {}  # the named rows' send positions, the indexed block counted in
for _i, _name in enumerate(_NAMES):
    if _i != _INDEXED_AT:
        _POSITION[_name] = _i if _i < _INDEXED_AT else _i - 1 + _INDEXED_COUNT


def position(name):
    """Where variable ``name`` goes in the query string (its index in ``tracked()``), else -1.

    The indexed block interleaves by index (``prop1 eVar1 hier1 list1 prop2 ...``), each family
    stopping at its count, so a position is arithmetic: the names of all lower indexes, then the
    families before this one that still have this index.

        >>> [tracked()[position(n)] for n in ("pageName", "eVar7", "list3", "pe")]
        ['pageName', 'eVar7', 'list3', 'pe']
    """
    at = _POSITION.get(name)
    if at is not None:
        return at
    for f, (prefix, _key, count) in enumerate(_INDEXED):
        if name.startswith(prefix):
            i = _index(name[len(prefix) :], count)
            if i < 0:
                return -1
            at = _INDEXED_AT
            for g, (_p, _k, other) in enumerate(_INDEXED):
                at += min(i, other) + (1 if g < f and i < other else 0)
            return at
    return -1


_TRACKED = []


def tracked():
    """Every variable AppMeasurement sends, in send order (a.i in the JS), made on first use."""
    if not _TRACKED:
        names = []
        for i in range(EVAR_COUNT):
            for prefix, _key, count in _INDEXED:
                if i < count:
                    names.append(prefix + str(i))
        _TRACKED.extend(_NAMES[:_INDEXED_AT] + names + _NAMES[_INDEXED_AT + 1 :])
    return _TRACKED


# Never filtered out by linkTrackVars (a.F in the JS): the head and the tail of the table.
ALWAYS_SENT = tuple(_NAMES[:_PAGE_START] + _NAMES[_INDEXED_AT + 1 :])

# Configuration variables that s.t(overrides) may also replace (a.Na in the JS).
CONFIG = (
    "account allAccounts debugTracking visitor visitorOptedOut trackOffline offlineLimit "
    "offlineThrottleDelay storageFilename usePlugins doPlugins configURL visitorSampling "
    "visitorSamplingGroup linkObject clickObject linkURL linkName linkType trackDownloadLinks "
    "trackExternalLinks trackClickMap trackInlineStats linkLeaveQueryString linkTrackVars "
    "linkTrackEvents linkDownloadFileTypes linkExternalFilters linkInternalFilters "
    "useForcedLinkTracking forcedLinkTrackingTimeout writeSecureCookies decodeLinkParameters "
    "useLinkTrackSessionStorage collectHighEntropyUserAgentHints trackingServer "
    "trackingServerSecure ssl abort mobile dc lightTrackVars maxDelay expectSupplementalData "
    "useBeacon usePostbacks registerPreTrackCallback registerPostTrackCallback bodyClickTarget "
    "bodyClickFunction bufferRequests AudienceManagement"
).split()

# Reset after every s.t()/s.tl() call, sent or not (a.Ja in the JS).
TRANSIENT = (
    "abort supplementalDataID timestamp pageURLRest linkObject clickObject linkURL linkName "
    "linkType pe pev1 pev2 pev3 lightProfileID useBeacon referrer"
).split()

# Cleared by clearVars() besides every prop/eVar/hier/list.
_CLEARED_NAMED = dict.fromkeys(
    "channel events products purchaseID transactionID state zip campaign".split(), True
)


def is_cleared(name):
    """True for what clearVars() unsets: every prop/eVar/hier/list, channel, events, products,
    purchaseID, transactionID, state, zip and campaign."""
    return name in _CLEARED_NAMED or indexed_key(name) is not None


# Variables sent as a nested block rather than key=value: variable -> block name.
BLOCKS = {"contextData": "c", "clientHints": "h", "retrieveLightData": "mts"}

# Sent without escaping: they are escaped when the link call fills them.
PRE_ESCAPED = ("pe", "pev1", "pev2", "pev3")

_KNOWN = dict.fromkeys(_NAMES + CONFIG, True)  # the named variables; indexed_key knows the others
del _KNOWN[INDEXED]


def wire_key(name):
    """The query key for variable ``name``, or None when AppMeasurement never sends it."""
    key = _KEYS.get(name)
    if key is not None:
        return key
    return indexed_key(name)


def is_known(name):
    """True for the variables s.t(overrides) can set (tracked or configuration)."""
    return name in _KNOWN or indexed_key(name) is not None


# -- the other direction: wire key -> variable, and the keys that are no variable ------------------

# Wire keys AppMeasurement sends that are not variables: request framing and extras, in the order
# they appear in a hit.  (key, label): the label is what a hit inspector shows for the key.
EXTRA_KEYS = (
    ("AQB", "AQB (request start)"),  # first part of every hit: AQB=1
    ("ndh", "ndh"),  # always ndh=1, right after AQB
    ("pf", "pf"),  # always pf=1, right after ndh
    ("callback", "callback (postback)"),  # usePostbacks: callback=s_c_il[N].doPostbacks
    ("et", "et (postback)"),  # usePostbacks: et=1 after callback
    ("t", "local time"),  # "day/month0/year h:m:s weekday tzOffset", first after the framing
    ("u", "u (ClickMap suite)"),  # s_sq carry: u=<suite> before a stored click, u=0 after it
    ("pid", "ClickMap page ID"),  # pageName (or pageURL) of the clicked page
    ("pidt", "ClickMap page ID type"),  # 1 when pid is a pageName
    ("oid", "ClickMap object ID"),  # the clicked link's URL or id
    ("oidt", "ClickMap object ID type"),  # how oid was found
    ("ot", "ClickMap object tag"),  # the clicked element's tag name
    ("oi", "ClickMap object index"),  # legacy ClickMap: index of the clicked object
    ("lrt", "last request time (ms)"),  # how long the previous hit took, last before AQE
    ("AQE", "AQE (request end)"),  # last part of every hit: AQE=1
)

# Block names: a part "name." opens a nested block and ".name" closes it (see contextdata.serialize).
# (name, label); "a" and "activitymap" are the ActivityMap groups inside a "c." block.
BLOCK_NAMES = (
    ("c", "contextData"),  # s.contextData (top level; as a key=value, c is colorDepth)
    ("cid", "customer IDs"),  # Visitor API customer ids: cid.&<type>.&id=...&as=...&.<type>&.cid
    ("h", "clientHints"),  # user-agent client hints (collectHighEntropyUserAgentHints)
    ("mts", "retrieveLightData"),  # light profile data (only with retrieveLightProfiles)
    ("d", "Audience Manager"),  # Audience Manager module data (d.&...&.d)
    ("a", "ActivityMap"),  # c.&a.&activitymap.&page=...&.activitymap&.a&.c after pev3
    ("activitymap", "ActivityMap"),  # inside a.: page, link, region, pageIDType
)

# Rows of WIRE_KEYS never sent under their key: blocks, an old alias, and names listed only so
# linkTrackVars never filters them.  vmk is the old name of visitorMigrationKey (both send vmt).
_NOT_A_KEY = ["vmk", "events2", INDEXED] + [name for name in BLOCKS]

_READER = {}  # the tables of whoever reads hits (parse.py, the collector), made on first use: no tracker needs them


def _reader(table):
    if not _READER:
        variables = {}
        for name, key in WIRE_KEYS:
            if key is None or name in _NOT_A_KEY or name.startswith("contextData."):
                continue
            if key not in variables:  # the first row wins: vmf is visitorMigrationServer, v0 is campaign
                variables[key] = name
        extra = {key: label for key, label in EXTRA_KEYS}
        blocks = {key: label for key, label in BLOCK_NAMES}
        # One update: a collector thread that reads them meanwhile sees all three or none.
        _READER.update({"variables": variables, "extra": extra, "blocks": blocks})
    return _READER[table]


def variable_for_key(key):
    """The AppMeasurement variable sent under wire key ``key``, or None (see the module docstring).

    ``v0`` is ``campaign``: eVar0 is sent under the same key, and AppMeasurement's table lists
    campaign first.  Indexed keys are canonical decimals only (``c01`` is no key).
    """
    name = _reader("variables").get(key)
    if name is not None:
        return name
    return _indexed_name(key)


def extra_key_label(key):
    """The label of a wire key that is not a variable (``EXTRA_KEYS``), or None."""
    return _reader("extra").get(key)


def block_label(name):
    """What block ``name`` holds ("c" -> "contextData"), or None for an unknown block."""
    return _reader("blocks").get(name)


def sendable_keys():
    """Every key=value wire key AppMeasurement can send: the variables' keys, then EXTRA_KEYS."""
    keys = []
    seen = {}
    for name in tracked():
        if name in _NOT_A_KEY or name.startswith("contextData."):
            continue
        key = wire_key(name)
        if key is not None and key not in seen:
            seen[key] = True
            keys.append(key)
    return keys + [row[0] for row in EXTRA_KEYS]
