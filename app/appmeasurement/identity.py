"""Identity and consent: what a hit takes from ``s.visitor`` (Adobe's ID service) and ``adobe.optIn``.

AppMeasurement.js 2.27.0 calls only these on the object in ``s.visitor`` (the JavaScript Visitor that
VisitorAPI.js makes, wrapped by ``browser.py``, or any Python object with the same methods):

``isAllowed()``                       falsy: the visitor is ignored (no ids, sdid, cid or mcorgid)
``getVisitorValues(callback)``        ``callback(values)``: MCMID, MCOPTOUT, MCAID, MCAAMLH, MCAAMB
``getSupplementalDataID(consumer, consume)``  the ``sdid`` of one hit
``getCustomerIDs()``                  ``{alias: {"id": ..., "authState": ...}}``: the ``cid.`` block
``marketingCloudOrgID``               a property: ``mcorgid`` when ``s.marketingCloudOrgID`` is unset

and, when the page has ``window.adobe.optIn`` (the environment's ``opt_in()``), ``Categories``
(``ANALYTICS``, ``AAM``, ``TARGET``, ``ECID``), ``isApproved(category)`` and
``fetchPermissions(callback, shouldAutoSubscribe)``. Mappings and objects both work for the values,
``Categories`` and the customer-id entries; ``getCustomerIDs()`` may return a list of (alias, entry)
pairs to fix the order under MicroPython (plain dicts are unordered there).

    >>> class Visitor:
    ...     marketingCloudOrgID = "ORG@AdobeOrg"
    ...     def isAllowed(self): return True
    ...     def getCustomerIDs(self): return [("crm_id", {"id": "u 1", "authState": 1})]
    >>> customer_ids(Visitor())
    '&cid.&crm_id.&id=u%201&as=1&.crm_id&.cid'
"""

from .contextdata import OBJECT_PROTOTYPE_NAMES, ContextData, is_mapping, serialize
from .jsvalues import js_string, js_truthy

# getVisitorValues' answer: the tracker variable each key sets (AppMeasurement's Yb).
VALUE_KEYS = (
    ("marketingCloudVisitorID", "MCMID"),
    ("visitorOptedOut", "MCOPTOUT"),
    ("analyticsVisitorID", "MCAID"),
    ("audienceManagerLocationHint", "MCAAMLH"),
    ("audienceManagerBlob", "MCAAMB"),
)

SSF_KEY = "cm.ssf"  # contextData flag AppMeasurement adds while Audience Manager is not approved


def field(obj, name):
    """``obj[name]`` for a mapping, ``obj.name`` otherwise; None when missing."""
    if obj is None:
        return None
    if is_mapping(obj):
        try:
            return obj[name]
        except KeyError:
            return None
    return getattr(obj, name, None)


class State:
    """What the identity stage remembers per tracker (``s._state.identity``)."""

    def __init__(self):
        self.visitor_raw = None  # the object last found in s.visitor
        self.visitor = None  # ... as the environment wrapped it
        self.ssf_added = False  # this stage set contextData["cm.ssf"]


def state(s):
    st = s._state.identity
    if st is None:
        st = s._state.identity = State()
    return st


def _wrapped(s, raw):
    # The environment turns a JavaScript Visitor into this interface (browser.py); Python objects
    # pass through. One wrapper per tracker and visitor object, so a JS callback proxy is made once.
    st = state(s)
    if st.visitor_raw is not raw:
        wrap = getattr(s._env, "wrap_visitor", None)
        st.visitor_raw = raw
        st.visitor = wrap(raw) if wrap is not None else raw
    return st.visitor


def visitor(s):
    """The usable ``s.visitor`` (AppMeasurement's X): None when unset or ``isAllowed()`` is falsy."""
    raw = s.visitor
    if not js_truthy(raw):
        return None
    v = _wrapped(s, raw)
    allowed = getattr(v, "isAllowed", None)
    if allowed is None or not js_truthy(allowed()):
        return None
    return v


def opt_in(s):
    """The page's ``adobe.optIn`` (a Python view of it), or None."""
    get = getattr(s._env, "opt_in", None)
    return get() if get is not None else None


def category(o, name):
    """``o.Categories[name]`` ("aa", "aam", ...) of an optIn object."""
    value = field(field(o, "Categories"), name)
    return value if value is not None else name


def approved(s, name):
    """AppMeasurement's Y: False only when there is an optIn and category ``name`` is not approved."""
    o = opt_in(s)
    return o is None or js_truthy(o.isApproved(category(o, name)))


def apply_values(s, values):
    """Set the tracker variables from a getVisitorValues answer (mapping or object)."""
    for name, key in VALUE_KEYS:
        setattr(s, name, field(values, key))


def supplemental_id(s, v):
    """Per hit: ``s.supplementalDataID`` from the visitor unless set, when TARGET is approved."""
    if v is None or js_truthy(s.supplementalDataID) or not approved(s, "TARGET"):
        return
    get = getattr(v, "getSupplementalDataID", None)
    if get is not None:
        consumer = "AppMeasurement:" + str(s._state.index)
        s.supplementalDataID = get(consumer, not js_truthy(s.expectSupplementalData))


def audience_flag(s):
    """``contextData["cm.ssf"] = 1`` while AAM is not approved; removed again once it is (which
    AppMeasurement never does) when this stage set it."""
    data = s.contextData
    st = state(s)
    if not approved(s, "AAM"):
        if not isinstance(data, ContextData):
            data = ContextData()
            s.contextData = data
        data[SSF_KEY] = 1
        st.ssf_added = True
    elif st.ssf_added:
        st.ssf_added = False
        if isinstance(data, ContextData) and data.get(SSF_KEY) == 1:
            del data[SSF_KEY]


def _pairs(ids):
    if ids is None:
        return []
    if isinstance(ids, (list, tuple)):
        return ids
    if is_mapping(ids):
        return [(k, ids[k]) for k in ids.keys()]
    return []


def customer_ids(v):
    """The ``&cid.`` block from ``v.getCustomerIDs()`` ("" without a visitor or ids): each alias
    gives ``alias.id`` and ``alias.as`` (authState), serialised like contextData."""
    get = getattr(v, "getCustomerIDs", None) if v is not None else None
    if get is None:
        return ""
    data = None
    for alias, entry in _pairs(get()):
        alias = js_string(alias)
        # typeof entry == "object" in AppMeasurement: strings and numbers are skipped.
        if alias in OBJECT_PROTOTYPE_NAMES or entry is None or isinstance(entry, (str, int, float, bool)):
            continue
        if data is None:
            data = ContextData()
        value = field(entry, "id")
        if js_truthy(value):
            data[alias + ".id"] = value
        value = field(entry, "authState")
        if js_truthy(value):
            data[alias + ".as"] = value
    return serialize("cid", data.items()) if data is not None else ""


def add_org_id(s, v, values):
    """``mcorgid``: the visitor's ``marketingCloudOrgID`` when ``s.marketingCloudOrgID`` is not set
    and ECID is approved (``values`` is query.sendable's mapping)."""
    if "marketingCloudOrgID" in values or v is None or not approved(s, "ECID"):
        return
    org = field(v, "marketingCloudOrgID")
    if js_truthy(org):
        values["marketingCloudOrgID"] = org
