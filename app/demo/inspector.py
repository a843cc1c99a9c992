"""Decode an AppMeasurement request URL into what the demo's hit inspector shows.

Reading the request is the library's job (``appmeasurement.parse``, the same reader the collector
uses) and so is naming its keys (``appmeasurement.variables``: every key AppMeasurement can send
shows under its variable name, c0 as prop0, vmt as visitorMigrationKey); this module adds the
presentation: a group per row, repeats flagged, the kind of hit and its title.  Pure Python, so
the very same code runs in CPython (unit tests), Pyodide and MicroPython.  Everything ordered is
a list: MicroPython dicts do not keep insertion order.

    hit = decode_request("http://h/b/ss/demorsid/1/JS-2.27.0/s1?AQB=1&pageName=Home&c1=x"
                         "&c.&shop.&section=home&.shop&.c&AQE=1")
    hit["kind"]                        # "page"  (hit["kind_label"] == "Page view")
    hit["params"][1]                   # {"key": "pageName", "name": "pageName", "value": "Home", ...}
    hit["params"][2]["name"]           # "prop1"
    hit["context"][0]["children"][0]["children"][0]   # {"name": "section", "key": "c.shop.section", ...}
    value_of(hit, "c1")                # "x"

Decoding never raises for a malformed query: the inspector must show whatever was sent, so problems
(an unclosed context block, a bad escape) are listed in ``hit["errors"]`` instead.
"""

from appmeasurement.parse import parse
from appmeasurement.variables import (
    ALWAYS_SENT,
    PRE_ESCAPED,
    extra_key_label,
    indexed_key,
    variable_for_key,
    wire_key,
)
from appmeasurement.variables import block_label as variables_block_label

# Where the inspector shows a row: "page" and "link" rows are the analytics variables a developer
# sets, "prop"/"eVar"/"hier"/"list" the numbered ones, "tech" rows what AppMeasurement adds on its
# own (browser facts, ids, request framing; a collapsed section) and "other" keys it never sends.
# The groups come from the library's lists: the head and tail of its wire-key table (ALWAYS_SENT,
# never filtered by linkTrackVars) are tech, the rows between them page variables, PRE_ESCAPED the
# link fields; these few head/tail rows are page facts a developer sets or reads:
PAGE_IN_HEAD = ("pageName", "pageURL", "pageURLRest", "referrer", "currencyCode", "customerPerspective")

# The link fields are named after the variables a developer sets; AppMeasurement derives pe, pev1
# and pev2 from linkType, linkURL and linkName.
LINK_LABELS = {"pe": "linkType", "pev1": "linkURL", "pev2": "linkName"}

_NUMBERED = ("prop", "eVar", "hier", "list")
_ALWAYS_SENT = {}  # a dict: membership is looked up for every key of every hit
for _name in ALWAYS_SENT:
    _ALWAYS_SENT[_name] = True

# pe values -> (kind, label)
LINK_KINDS = {
    "lnk_o": ("link_o", "Custom link"),
    "lnk_d": ("link_d", "Download link"),
    "lnk_e": ("link_e", "Exit link"),
}


def _describe(key):
    """(friendly name, group) for a wire key; None when the key is not an AppMeasurement one."""
    name = variable_for_key(key)
    if name is None:
        label = extra_key_label(key)
        return None if label is None else (label, "tech")
    if name in PRE_ESCAPED:
        return (LINK_LABELS.get(key, name), "link")
    if name in PAGE_IN_HEAD:
        return (name, "page")
    if name in _ALWAYS_SENT:
        return (name, "tech")
    if indexed_key(name) is not None:
        for prefix in _NUMBERED:
            if name.startswith(prefix):
                return (name, prefix)
    return (name, "page")


def friendly_name(key):
    """The AppMeasurement variable name for a wire key: c1 -> prop1, v0 -> campaign, g -> pageURL.

    Unknown keys are returned unchanged (the inspector still shows them).
    """
    described = _describe(key)
    return key if described is None else described[0]


def group_of(key):
    """Where the inspector shows a key: "page", "prop", "eVar", "hier", "list", "link", "tech" or "other"."""
    described = _describe(key)
    return "other" if described is None else described[1]


def decode_request(url):
    """Decode one AppMeasurement request URL. See the module docstring for the shape."""
    request = parse(url)
    hit = {
        "url": url,
        "scheme": request["scheme"],
        "host": request["host"],
        "path": request["path"],
        "rsid": request["rsid"],
        "version": request["version"],
        "library": request["library"],
        "cache_buster": request["cache_buster"],
        "kind": "page",
        "kind_label": "Page view",
        "title": "",
        "params": [],  # top-level variables, wire order, repeats kept
        "context": request["context"],  # blocks as a tree of nodes (appmeasurement.parse._node)
        "context_pairs": request["context_pairs"],  # its leaves flat: [["c.shop.section", "home"], ...]
        "errors": request["errors"],
    }
    seen = {}  # keys met so far at the top level, to flag repeats
    for key, value in request["params"]:
        name, group = _describe(key) or (key, "other")
        hit["params"].append(
            {"key": key, "name": name, "group": group, "value": value, "repeat": key in seen}
        )
        seen[key] = True

    pe = value_of(hit, "pe")
    if pe is not None:
        kind = LINK_KINDS.get(pe)
        hit["kind"], hit["kind_label"] = kind if kind else ("other", "Link (" + pe + ")")
        hit["title"] = value_of(hit, "pev2") or value_of(hit, "pev1") or ""
    else:
        hit["title"] = value_of(hit, "pageName") or value_of(hit, "g") or ""
    return hit


def value_of(hit, key):
    """The first value sent for a top-level wire key, or None."""
    for param in hit["params"]:
        if param["key"] == key:
            return param["value"]
    return None


def context_value(hit, flat_key):
    """The first value of a context-data leaf by its flat key ("c.shop.section"), or None."""
    for key, value in hit["context_pairs"]:
        if key == flat_key:
            return value
    return None


def context_lines(nodes, depth=0):
    """The context tree as (depth, name, flat key, value-or-None) rows, in order, for rendering."""
    rows = []
    for node in nodes:
        rows.append((depth, node["name"], node["key"], node["value"]))
        rows.extend(context_lines(node["children"], depth + 1))
    return rows


ACTIVITYMAP = "c.a.activitymap."


def activitymap_clicks(hit):
    """The ActivityMap records a hit carries, in order: a link hit's own first, then clicks carried
    from the s_sq cookie. Each is {"page", "link", "region", ["xy"], "pageIDType"} as sent.

        activitymap_clicks(decode_request(url))   # [{"page": "Home", "link": "Report PDF", ...}]
    """
    clicks = []
    current = None
    for key, value in hit["context_pairs"]:
        if not key.startswith(ACTIVITYMAP):
            continue
        field = key[len(ACTIVITYMAP) :]
        if current is None or field == "page" or field in current:
            current = {}
            clicks.append(current)
        current[field] = value
    return clicks


def activitymap_text(click):
    """One ActivityMap record as the inspector shows it."""
    text = "“%s” in region “%s”" % (click.get("link", "?"), click.get("region", "?"))
    if "xy" in click:
        text += " · scrolled to %s px" % click["xy"]
    return text


def block_label(name):
    """What a top-level block holds: "c" -> "contextData" (unknown blocks keep their name)."""
    return variables_block_label(name) or name


# --- Web SDK (Edge) hits: s.useEdge(alloy) ----------------------------------------------------------
EDGE_LINK_KINDS = {
    "o": ("link_o", "Custom link"),
    "d": ("link_d", "Download link"),
    "e": ("link_e", "Exit link"),
}


def is_edge_url(url):
    """True for the Edge endpoint the bridge hands the callbacks (``.../v1/interact`` or ``/collect``)."""
    return isinstance(url, str) and ("/v1/interact?" in url or "/v1/collect?" in url)


def decode_edge(url, event):
    """What the inspector shows for an Edge hit, in the shape of ``decode_request``.

    ``event``: the sendEvent options (``hit.edge_event``: ``xdm`` and ``data.__adobe.analytics``), or None
    while unknown. ``params`` lists the data object's variables (key = its name there); the link fields
    show in the "link" group.

    >>> from appmeasurement.jsonorder import loads
    >>> event = loads('{"data": {"__adobe": {"analytics": {"pageName": "Home", "eVar1": "x",'
    ...               ' "contextData": {"a": "1"}}}}, "xdm": {}}')
    >>> hit = decode_edge("https://edge.adobedc.net/ee/v1/interact?configId=ds1", event)
    >>> hit["rsid"], hit["kind"], hit["title"], [p["name"] for p in hit["params"]], hit["context_pairs"]
    ('ds1', 'page', 'Home', ['pageName', 'eVar1'], [['a', '1']])
    """
    config = url.split("configId=", 1)[-1].split("&")[0] if "configId=" in url else ""
    hit = {
        "url": url,
        "rsid": config,
        "library": "Web SDK (Edge)",
        "kind": "page",
        "kind_label": "Page view",
        "title": "",
        "params": [],
        "context": [],
        "context_pairs": [],
        "errors": [],
    }
    analytics = None
    if event is not None:
        analytics = event.get("data").get("__adobe").get("analytics") if event.get("data") else None
    if analytics is None:
        return hit
    for name, value in analytics.items():
        if name == "contextData":
            for key, item in value.items():
                hit["context_pairs"].append([key, item])
                hit["context"].append({"name": key, "key": key, "value": item, "children": []})
            continue
        group = "link" if name in ("linkType", "linkName", "linkURL") else group_of(wire_key(name) or name)
        hit["params"].append({"key": name, "name": name, "group": group, "value": value, "repeat": False})
    link_type = analytics.get("linkType")
    if link_type:
        hit["kind"], hit["kind_label"] = EDGE_LINK_KINDS.get(link_type, ("other", "Link (" + link_type + ")"))
        hit["title"] = analytics.get("linkName") or analytics.get("linkURL") or ""
    else:
        hit["title"] = analytics.get("pageName") or analytics.get("pageURL") or ""
    return hit
