"""The query builder: the ``&key=value`` part of a hit, from the variables that are set.

``sendable(s)`` takes the tracked variables the instance holds with a truthy value (only those: the
cost of a hit grows with what the page set, not with the ~400 variables AppMeasurement knows);
``build`` writes them in AppMeasurement's order (``variables.position``) under their wire keys
(``variables.WIRE_KEYS``), with AppMeasurement's special cases: context-data blocks, ``pageURL`` cut
into ``g`` and ``-g``, ``events2`` merged into ``events``, hierarchies cut to 255, the link filters.

    >>> build({"pageName": "Home", "eVar1": "a b", "charSet": "UTF-8"})
    '&ce=UTF-8&pageName=Home&v1=a%20b'
    >>> allowed, events = link_filters("eVar1,events", "event2")
    >>> build({"eVar1": "x", "eVar2": "y", "events": "event1,event2=3", "pe": "lnk_o"}, allowed, events)
    '&events=event2%3D3&v1=x&pe=lnk_o'
"""

from .contextdata import ContextData, is_mapping, serialize
from .escaping import escape_lenient, remembered
from .jsvalues import js_string, js_truthy, utf16_len, utf16_slice
from .memo import remember
from .variables import ALWAYS_SENT, BLOCKS, PRE_ESCAPED, position, wire_key

_ALWAYS_SENT_TEXT = ",".join(ALWAYS_SENT)

# Send position and "&key=" of each variable name met so far (-1: not a tracked variable). Filled
# on demand: the names a page uses, not all 420 (building those cost MicroPython ~8 ms at import).
ORDER = {}
PREFIX = {}


def _position(name):
    """Send position of ``name`` (-1: not a tracked variable), learned on first use with its "&key="."""
    at = ORDER.get(name)
    if at is None:
        at = ORDER[name] = position(name)
        if at >= 0:
            PREFIX[name] = "&" + wire_key(name) + "="
    return at


_PEV3 = position("pev3")
# name -> (value, "&key=escaped value") last written for it: a page sends the same values hit after
# hit, and the same str object needs neither escaping nor joining again (about a tenth of a heavy
# page's hit under MicroPython). Only values the escape memo holds are kept: their text is clean.
_SEGMENTS = {}
_SEGMENTS_SIZE = 512
_HIERS = ("hier0", "hier1", "hier2", "hier3", "hier4", "hier5")
# Variables with a rule of their own in build(); every other one is "&key=" + escape(value).
_SPECIAL = {}
for _name in (
    (
        "pageURL pageURLRest events events2 visitorMigrationServer visitorMigrationServerSecure "
        "lightStoreForSeconds lightIncrementBy"
    ).split()
    + list(BLOCKS)
    + list(PRE_ESCAPED)
    + list(_HIERS)
):
    _SPECIAL[_name] = True


# The send order of a set of names: tuple(values) -> [(position, name, has a rule of its own)].
# A page sends the same names hit after hit; sorting and classifying them again was about a third
# of the query of a heavy page under MicroPython. A MicroPython dict keeps no insertion order, but
# the same names set in the same way list in the same order; another order is only another entry.
_PLANS = {}
_PLANS_SIZE = 64


def _plan(key):
    plan = _PLANS.get(key)
    if plan is None:
        plan = []
        for name in key:
            at = _position(name)
            if at >= 0:
                plan.append((at, name, name in _SPECIAL))
        plan.sort()
        remember(_PLANS, key, plan, _PLANS_SIZE)
    return plan


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


def sendable(s):
    """{name: value} of the tracked variables ``s`` holds with a truthy value."""
    held = s.__dict__
    key = tuple(held)
    names = _HELD.get(key)
    if names is None:
        names = remember(_HELD, key, [name for name in key if _position(name) >= 0], _PLANS_SIZE)
    values = {}
    for name in names:
        value = held[name]
        # A str is truthy in JS exactly when it is in Python; most values are str: no call for them.
        if value if type(value) is str else js_truthy(value):
            values[name] = value
    return values


# The tracked names among an instance's attributes: tuple(s.__dict__) -> [name]. After its first
# hit an instance keeps the same attributes (a reset sets None), so this is looked up, not redone.
_HELD = {}


def _as_items(value):
    return ContextData.from_value(value).items() if is_mapping(value) else []


def build(values, allowed=None, allowed_events=None, ssl=False, after_pev3="", lrt=None, warn=None):
    """The ``&key=value`` part of a hit (without ``t=``, ``AQB`` and ``AQE``).

    ``values``: {variable: truthy value} (see ``sendable``). ``allowed``/``allowed_events`` come from
    ``link_filters`` (None on page views). ``after_pev3`` is inserted right after the pev3 slot (the
    ActivityMap block); ``lrt`` is appended last when truthy. A lone surrogate in a value is sent
    as U+FFFD and ``warn(message)`` (the console's warn) names the variable (``escape_lenient``).
    """
    extra_events = values.get("events2")
    extra_events = js_string(extra_events) if extra_events is not None else ""
    page_url_rest = None
    page_url = values.get("pageURL")
    if isinstance(page_url, str) and utf16_len(page_url) > 255:
        page_url_rest = utf16_slice(page_url, 255)
    key = tuple(values)
    if extra_events and "events" not in values:
        key += ("events",)  # events2 stands in for events
    if page_url_rest is not None and "pageURLRest" not in values:
        key += ("pageURLRest",)
    plan = _plan(key)
    out = []
    pending_pev3 = bool(after_pev3)
    for at, name, special in plan:
        if pending_pev3 and at > _PEV3:
            out.append(after_pev3)
            pending_pev3 = False
        if allowed is not None and ("," + name + ",") not in allowed:
            continue
        if not special:
            value = values[name]
            segment = _SEGMENTS.get(name)
            if segment is not None and segment[0] is value:
                out.append(segment[1])
                continue
            segment = PREFIX[name] + escape_lenient(value, name, warn)  # truthy values: gives text
            if type(value) is str and remembered(value):
                remember(_SEGMENTS, name, (value, segment), _SEGMENTS_SIZE)
            out.append(segment)
            continue
        if name == "pageURLRest" and page_url_rest is not None:
            value = page_url_rest
        elif name == "events" and "events" not in values:
            value, extra_events = extra_events, ""
        else:
            value = values[name]
        if name in BLOCKS:
            if name != "retrieveLightData" or "retrieveLightProfiles" in values:
                out.append(serialize(BLOCKS[name], _as_items(value), allowed, name + ".", warn))
            continue
        if name == "pageURL":
            if page_url_rest is not None:
                value = utf16_slice(value, 0, 255)
        elif name == "visitorMigrationServer":
            if js_truthy(ssl) and "visitorMigrationServerSecure" in values:
                continue
        elif name == "visitorMigrationServerSecure":
            if not js_truthy(ssl) and "visitorMigrationServer" in values:
                continue
        elif name == "events":
            value = js_string(value)
            if extra_events:
                value += ("," if value else "") + extra_events
            if allowed_events is not None:
                value = filter_events(value, allowed_events)
        elif name == "events2":
            continue
        elif name == "lightStoreForSeconds" or name == "lightIncrementBy":
            if "lightProfileID" not in values:
                continue
        elif name in _HIERS:
            value = utf16_slice(js_string(value), 0, 255)
        if js_truthy(value):
            out.append(
                PREFIX[name]
                + (js_string(value) if name in PRE_ESCAPED else escape_lenient(value, name, warn))
            )
        if name == "pev3" and pending_pev3:
            out.append(after_pev3)
            pending_pev3 = False
    if pending_pev3:
        out.append(after_pev3)
    if js_truthy(lrt):
        out.append("&lrt=" + js_string(lrt))
    return "".join(out)


def each_var(s, only=None):
    """[(name, value)] of ``s.foreachVar``: the set variables in send order, through the link
    filters when ``pe`` or ``linkType`` is set, and through ``only`` ("name,name") when given."""
    allowed = None
    if js_truthy(s.pe) or js_truthy(s.linkType):
        allowed = link_filters(s.linkTrackVars, s.linkTrackEvents)[0]
    only = "," + js_string(only) + "," if js_truthy(only) else None
    values = sendable(s)
    out = []
    for _at, name, _special in _plan(tuple(values)):
        key = "," + name + ","
        if (allowed is None or key in allowed) and (only is None or key in only):
            out.append((name, values[name]))
    return out
