"""Decode an AppMeasurement request URL into what the demo's hit inspector shows.

Pure Python with no imports, so the very same code runs in CPython (unit tests), Pyodide and
MicroPython. Everything ordered is a list: MicroPython dicts do not keep insertion order.

    hit = decode_request("http://h/b/ss/demorsid/1/JS-2.27.0/s1?AQB=1&pageName=Home&c1=x"
                         "&c.&shop.&section=home&.shop&.c&AQE=1")
    hit["kind"]                        # "page"  (hit["kind_label"] == "Page view")
    hit["params"][1]                   # {"key": "pageName", "name": "pageName", "value": "Home", ...}
    hit["params"][2]["name"]           # "prop1"
    hit["context"][0]["children"][0]   # {"name": "section", "key": "c.shop.section", "value": "home", ...}
    value_of(hit, "c1")                # "x"

Decoding never raises for a malformed query: the inspector must show whatever was sent, so problems
(an unclosed context block, a bad escape) are listed in ``hit["errors"]`` instead.
"""

# Wire key -> (AppMeasurement variable name, group). Groups decide where the inspector shows a row:
# "page" and "link" rows are the analytics variables a developer sets, "tech" rows are what
# AppMeasurement adds on its own (browser facts, request framing) and sit in a collapsed section.
# props (cN), eVars (vN), hierarchies (hN) and lists (lN) are recognised by pattern, see friendly_name.
KEYS = {
    "pageName": ("pageName", "page"),
    "g": ("pageURL", "page"),
    "-g": ("pageURLRest", "page"),  # the part of a pageURL beyond 255 characters
    "r": ("referrer", "page"),
    "ch": ("channel", "page"),
    "server": ("server", "page"),
    "pageType": ("pageType", "page"),
    "events": ("events", "page"),
    "products": ("products", "page"),
    "purchaseID": ("purchaseID", "page"),
    "xact": ("transactionID", "page"),
    "state": ("state", "page"),
    "zip": ("zip", "page"),
    "cc": ("currencyCode", "page"),
    "v0": ("campaign", "page"),
    "pe": ("linkType", "link"),  # lnk_o custom, lnk_d download, lnk_e exit
    "pev1": ("linkURL", "link"),
    "pev2": ("linkName", "link"),
    "pev3": ("pev3 (media/video)", "link"),
    "AQB": ("AQB (request start)", "tech"),
    "AQE": ("AQE (request end)", "tech"),
    "ndh": ("ndh", "tech"),
    "pf": ("pf", "tech"),
    "t": ("local time", "tech"),
    "ts": ("timestamp", "tech"),
    "fid": ("fallback visitor ID", "tech"),
    "vid": ("visitorID", "tech"),
    "mid": ("marketingCloudVisitorID", "tech"),
    "aid": ("analyticsVisitorID", "tech"),
    "aamlh": ("audienceManagerLocationHint", "tech"),
    "aamb": ("audienceManagerBlob", "tech"),
    "as": ("authState", "tech"),
    "sdid": ("supplementalDataID", "tech"),
    "D": ("dynamicVariablePrefix", "tech"),
    "ce": ("charSet", "tech"),
    "ns": ("visitorNamespace", "tech"),
    "cdp": ("cookieDomainPeriods", "tech"),
    "cl": ("cookieLifetime", "tech"),
    "vvp": ("variableProvider", "tech"),
    "vmt": ("visitorMigrationKey", "tech"),
    "vmf": ("visitorMigrationServer", "tech"),
    "lat": ("latitude", "tech"),
    "lon": ("longitude", "tech"),
    "s": ("resolution", "tech"),
    "c": ("colorDepth", "tech"),
    "j": ("javascriptVersion", "tech"),
    "v": ("javaEnabled", "tech"),
    "k": ("cookiesEnabled", "tech"),
    "bw": ("browserWidth", "tech"),
    "bh": ("browserHeight", "tech"),
    "ct": ("connectionType", "tech"),
    "hp": ("homepage", "tech"),
    "lrt": ("last request time (ms)", "tech"),
    "pid": ("ClickMap page ID", "tech"),
    "pidt": ("ClickMap page ID type", "tech"),
    "oid": ("ClickMap object ID", "tech"),
    "oidt": ("ClickMap object ID type", "tech"),
    "ot": ("ClickMap object tag", "tech"),
    "oi": ("ClickMap object index", "tech"),
    "mtp": ("lightProfileID", "tech"),
    "mtss": ("lightStoreForSeconds", "tech"),
    "mti": ("lightIncrementBy", "tech"),
    "mtsr": ("retrieveLightProfiles", "tech"),
    "mtsd": ("deleteLightProfiles", "tech"),
}

# Numbered variables: wire prefix -> (variable prefix, highest number AppMeasurement sends).
NUMBERED = (("c", "prop", 75), ("v", "eVar", 250), ("h", "hier", 5), ("l", "list", 3))

# Context-data style blocks: top-level block name -> what it holds.
BLOCKS = {"c": "contextData", "cid": "customer IDs", "d": "Audience Manager", "mts": "light profile data"}

# pe values -> (kind, label)
LINK_KINDS = {
    "lnk_o": ("link_o", "Custom link"),
    "lnk_d": ("link_d", "Download link"),
    "lnk_e": ("link_e", "Exit link"),
}

_HEX = "0123456789abcdefABCDEF"
_DIGITS = "0123456789"


def _describe(key):
    """(friendly name, group) for a wire key; None when the key is not an AppMeasurement one."""
    known = KEYS.get(key)
    return known if known is not None else _numbered(key)


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


def _numbered(key):
    # Returns (variable name, variable prefix) for c1..c75, v1..v250, h1..h5, l1..l3, else None.
    for wire, name, highest in NUMBERED:
        digits = key[len(wire) :]
        if key.startswith(wire) and _all_digits(digits) and digits[0] != "0" and int(digits) <= highest:
            return (name + digits, name)
    return None


def _all_digits(text):
    return bool(text) and all(ch in _DIGITS for ch in text)


def unescape(text, errors=None):
    """Percent-decode text as UTF-8 (AppMeasurement's escape is encodeURIComponent; "+" stays "+").

    A malformed escape is kept as it is and, if `errors` is a list, reported there.
    """
    if "%" not in text:
        return text
    out = bytearray()
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and i + 2 < n and text[i + 1] in _HEX and text[i + 2] in _HEX:
            out.append(int(text[i + 1 : i + 3], 16))
            i += 3
            continue
        if ch == "%" and errors is not None:
            errors.append("invalid percent-escape %r in %r" % (text[i : i + 3], text))
        out.extend(ch.encode("utf-8"))
        i += 1
    try:
        return bytes(out).decode("utf-8")
    except Exception:  # UnicodeError: not UTF-8 once decoded; show what was sent
        if errors is not None:
            errors.append("%r is not UTF-8 once percent-decoded" % (text,))
        return text


def split_url(url):
    """Split a request URL into (scheme, host, path segments, query string)."""
    query = ""
    mark = url.find("?")
    if mark >= 0:
        url, query = url[:mark], url[mark + 1 :]
    hash_mark = query.find("#")
    if hash_mark >= 0:
        query = query[:hash_mark]
    scheme = ""
    sep = url.find("://")
    if sep >= 0:
        scheme, url = url[:sep], url[sep + 3 :]
        slash = url.find("/")
        host, path = (url, "") if slash < 0 else (url[:slash], url[slash:])
    else:
        host, path = "", url
    segments = [part for part in path.split("/") if part]
    return scheme, host, segments, query


def decode_request(url):
    """Decode one AppMeasurement request URL. See the module docstring for the shape."""
    errors = []
    scheme, host, segments, query = split_url(url)
    hit = {
        "url": url,
        "scheme": scheme,
        "host": host,
        "path": "/" + "/".join(segments),
        "rsid": None,
        "version": None,
        "library": None,
        "cache_buster": None,
        "kind": "page",
        "kind_label": "Page view",
        "title": "",
        "params": [],  # top-level variables, wire order, repeats kept
        "context": [],  # context-data style blocks as a tree of nodes (see _node)
        "context_pairs": [],  # the same leaves flattened: [["c.shop.section", "home"], ...]
        "errors": errors,
    }
    if len(segments) >= 6 and segments[0] == "b" and segments[1] == "ss":
        hit["rsid"] = unescape(segments[2])
        hit["version"] = segments[3]
        hit["library"] = segments[4]
        hit["cache_buster"] = segments[5]
    else:
        errors.append("not an AppMeasurement path (/b/ss/<rsid>/<version>/<library>/s<n>): %s" % hit["path"])

    seen = []  # keys met so far at the top level, to flag repeats
    stack = []  # open block nodes, innermost last
    for part in query.split("&") if query else []:
        eq = part.find("=")
        if eq < 0:
            if len(part) > 1 and part.endswith("."):
                _open_block(hit, stack, unescape(part[:-1], errors))
            elif len(part) > 1 and part.startswith("."):
                _close_block(stack, unescape(part[1:], errors), part, errors)
            elif part:
                errors.append("part %r has no '=' and is not a context-data block" % part)
            else:
                errors.append("empty part (two '&' in a row)")
            continue
        key = unescape(part[:eq], errors)
        value = unescape(part[eq + 1 :], errors)
        if stack:
            _add_leaf(hit, stack, key, value)
        else:
            hit["params"].append(
                {
                    "key": key,
                    "name": friendly_name(key),
                    "group": group_of(key),
                    "value": value,
                    "repeat": key in seen,
                }
            )
            seen.append(key)
    if stack:
        errors.append("context-data block %r is never closed" % (stack[-1]["key"] + "."))

    pe = value_of(hit, "pe")
    if pe is not None:
        kind = LINK_KINDS.get(pe)
        hit["kind"], hit["kind_label"] = kind if kind else ("other", "Link (" + pe + ")")
        hit["title"] = value_of(hit, "pev2") or value_of(hit, "pev1") or ""
    else:
        hit["title"] = value_of(hit, "pageName") or value_of(hit, "g") or ""
    return hit


def _node(name, key, value):
    # One tree node: a block (value None, children) or a leaf (value str); a name can be both.
    return {"name": name, "key": key, "value": value, "children": [], "repeat": False}


def _find(nodes, name):
    for node in nodes:
        if node["name"] == name:
            return node
    return None


def _open_block(hit, stack, name):
    siblings = stack[-1]["children"] if stack else hit["context"]
    node = _find(siblings, name)  # a block opened twice is merged, as the collector's tree does
    if node is None:
        key = (stack[-1]["key"] + "." + name) if stack else name
        node = _node(name, key, None)
        siblings.append(node)
    stack.append(node)


def _close_block(stack, name, part, errors):
    if not stack:
        errors.append("%r closes a block that was never opened" % part)
        return
    if stack[-1]["name"] != name:
        errors.append("%r does not close the open block %r" % (part, stack[-1]["key"] + "."))
        # Close up to the named block if it is open at all, so one typo does not swallow the rest.
        for i in range(len(stack) - 1, -1, -1):
            if stack[i]["name"] == name:
                del stack[i:]
                return
        return
    stack.pop()


def _add_leaf(hit, stack, name, value):
    parent = stack[-1]
    flat = parent["key"] + "." + name
    existing = _find(parent["children"], name)
    if existing is not None and existing["value"] is None:
        existing["value"] = value  # a block that also has its own value
    else:
        node = _node(name, flat, value)
        node["repeat"] = existing is not None
        parent["children"].append(node)
    hit["context_pairs"].append([flat, value])


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
    """What a top-level block holds: "c" -> "contextData"."""
    return BLOCKS.get(name, name)
