"""The live hit inspector panel: one card per request, decoded from the URL the callbacks receive.

The life of a card follows the library's callbacks (see app/main.py for the registration):

    panel = Panel()
    panel.sending(url)                 # pre-track callback: the card appears, "sending…"
    panel.path_taken(url, "post")      # post-track callback ran (or "failure", with a reason)
    panel.settled(outcome)             # the Hit's done callback: status, transport, elapsed ms

Every value is written with textContent (dom.h / dom.set_text): a hit carrying
`<img src=x onerror=alert(1)>` shows those characters. Settled hits are also pushed, as plain JS
objects, onto `window.demoHits` (a test and console hook).
"""

import js

from demo import dom
from demo.inspector import (
    activitymap_clicks,
    activitymap_text,
    block_label,
    context_lines,
    decode_edge,
    decode_request,
    is_edge_url,
)

MAX_CARDS = 60  # older cards are dropped so a long session keeps a light DOM

STATUS_TEXT = {
    "sending": "sending…",
    "loaded": "loaded",
    "failed": "failed",
    "timeout": "timed out",
    "not_sent": "not sent",
}

PATH_TEXT = {
    "post": "post-track callback → clearVars()",
    "failure": "failure callback → clearVars()",
}


class HitRecord:
    def __init__(self, n, url):
        self.n = n
        self.url = url
        self.edge = is_edge_url(url)  # sent through the Web SDK (s.useEdge): decoded from the event
        self.decoded = decode_edge(url, None) if self.edge else decode_request(url)
        self.hit = None  # the Hit, once bound (Edge hits share one URL, so they are told apart by it)
        self.exchanges = []  # Edge requests and responses (demo.edgepage), once settled
        self.status = "sending"
        self.transport = None
        self.path = None  # "post" | "failure": which callback received the URL
        self.reason = None
        self.elapsed_ms = None
        self.time = _clock()
        self.element = None

    def as_plain(self):
        decoded = self.decoded
        return {
            "n": self.n,
            "url": self.url,
            "rsid": decoded["rsid"],
            "kind": decoded["kind"],
            "kindLabel": decoded["kind_label"],
            "title": decoded["title"],
            "status": self.status,
            "transport": self.transport,
            "callback": self.path,
            "reason": self.reason,
            "elapsedMs": self.elapsed_ms,
            "time": self.time,
            "params": [[p["key"], p["name"], p["value"]] for p in decoded["params"]],
            "context": decoded["context_pairs"],
            "errors": decoded["errors"],
            "edge": self.edge,
            "exchanges": self.exchanges,
        }


def _clock():
    now = js.Date.new()
    return "%02d:%02d:%02d" % (int(now.getHours()), int(now.getMinutes()), int(now.getSeconds()))


class Panel:
    def __init__(self):
        self.records = []  # oldest first
        self.counts = {"post": 0, "failure": 0, "clear": 0}
        self._n = 0
        self._list = dom.by_id("hits")
        self._empty = dom.by_id("hits-empty")
        self.take_exchanges = None  # () -> [exchange]: the Edge page's take() (app/main.py sets it)
        js.window.demoHits = js.Array.new()

    # --- callbacks -------------------------------------------------------------------------------
    def sending(self, url):
        self._n += 1
        record = HitRecord(self._n, url)
        self.records.append(record)
        record.element = dom.h("li", {"class": "hit", "data-testid": "hit"})
        self._list.insertBefore(record.element, self._list.firstChild)
        self._empty.hidden = True
        while len(self.records) > MAX_CARDS:
            old = self.records.pop(0)
            old.element.remove()
        self._render(record)
        return record

    def bind(self, hit):
        """Right after s.t()/s.tl(): tie the card the pre-track callback made to its Hit (and, for an
        Edge hit, show the event it carries)."""
        if hit.url is None:
            return
        for record in reversed(self.records):
            if record.url == hit.url and record.hit is None:
                record.hit = hit
                if record.edge:
                    record.decoded = decode_edge(hit.url, getattr(hit, "edge_event", None))
                    self._render(record)
                return

    def path_taken(self, url, path, reason=None):
        record = self.find(url, lambda r: r.path is None) or self.sending(url)
        record.path = path
        record.reason = reason
        self.count(path)
        self._render(record)

    def settled(self, outcome, hit=None):
        if outcome.url is None:  # never built: nothing was sent, so there is no card either
            return
        record = None
        if hit is not None:
            record = self.find(outcome.url, lambda r: r.hit is hit)
        record = (
            record or self.find(outcome.url, lambda r: r.status == "sending") or self.sending(outcome.url)
        )
        if record.edge and self.take_exchanges is not None:
            record.exchanges = self.take_exchanges()
        record.status = outcome.status
        record.transport = outcome.transport
        record.elapsed_ms = outcome.elapsed_ms
        if record.reason is None:
            record.reason = outcome.reason
        record.time = _clock()
        self._render(record)
        js.window.demoHits.push(dom.js_object(record.as_plain()))

    # --- state -----------------------------------------------------------------------------------
    def find(self, url, wanted=None):
        """The oldest card for ``url`` (that ``wanted(record)`` accepts): Edge hits all share their
        endpoint URL, and the queue settles them in call order."""
        for record in self.records:
            if record.url == url and (wanted is None or wanted(record)):
                return record
        return None

    def count(self, what):
        self.counts[what] += 1
        dom.set_text(dom.by_id("count-" + what), self.counts[what])

    def clear(self):
        for record in self.records:
            record.element.remove()
        self.records = []
        self._empty.hidden = False

    # --- rendering -------------------------------------------------------------------------------
    def _render(self, record):
        decoded = record.decoded
        element = record.element
        element.dataset.n = str(record.n)
        element.dataset.kind = decoded["kind"]
        element.dataset.status = record.status
        element.dataset.transport = record.transport or ""
        element.dataset.callback = record.path or ""
        element.dataset.url = record.url

        head = dom.h(
            "div",
            {"class": "hit-head"},
            dom.h("span", {"class": "hit-n"}, "#%d" % record.n),
            dom.h("span", {"class": "kind kind-" + decoded["kind"]}, decoded["kind_label"]),
            dom.h(
                "span", {"class": "hit-title", "data-testid": "hit-title"}, decoded["title"] or "(no name)"
            ),
            dom.h(
                "span",
                {"class": "status status-" + record.status, "data-testid": "hit-status"},
                STATUS_TEXT.get(record.status, record.status),
            ),
        )
        meta = []
        if record.transport:
            meta.append(record.transport)
        if record.elapsed_ms is not None:
            meta.append("%d ms" % record.elapsed_ms)
        meta.append(record.time)
        lines = [head, dom.h("div", {"class": "hit-meta"}, " · ".join(meta))]
        if record.path:
            text = PATH_TEXT[record.path]
            if record.path == "failure" and record.reason:
                text += " · " + record.reason
            lines.append(
                dom.h("div", {"class": "hit-path path-" + record.path, "data-testid": "hit-path"}, text)
            )

        variables = [p for p in decoded["params"] if p["group"] != "tech"]
        technical = [p for p in decoded["params"] if p["group"] == "tech"]
        lines.append(_vars_table(variables, "vars"))
        for click in activitymap_clicks(decoded):  # the link clicked (a page view: the click before it)
            lines.append(
                dom.h(
                    "div",
                    {"class": "activitymap", "data-testid": "activitymap"},
                    dom.h("strong", None, "ActivityMap: "),
                    activitymap_text(click),
                )
            )
        if decoded["context"]:
            lines.append(_context_tree(decoded["context"]))
        if decoded["errors"]:
            lines.append(
                dom.h("ul", {"class": "hit-errors"}, [dom.h("li", None, e) for e in decoded["errors"]])
            )
        lines.append(
            dom.h(
                "details",
                {"class": "tech"},
                dom.h(
                    "summary",
                    None,
                    "Request: %s · %s · %d technical params"
                    % (decoded["rsid"] or "?", decoded["library"] or "?", len(technical)),
                ),
                _vars_table(technical, "vars vars-tech"),
                dom.h("p", {"class": "raw-url"}, record.url),
            )
        )
        if record.edge:
            lines.append(_edge_exchanges(record))
        dom.replace(element, lines)


def _vars_table(params, css_class):
    rows = []
    for p in params:
        name_cell = dom.h("td", {"class": "var-name"}, p["name"])
        if p["repeat"]:
            dom.append(
                name_cell, " ", dom.h("span", {"class": "repeat", "title": "sent more than once"}, "repeat")
            )
        rows.append(
            dom.h(
                "tr",
                {"data-key": p["key"]},
                name_cell,
                dom.h("td", {"class": "var-key"}, dom.h("code", None, p["key"])),
                dom.h("td", {"class": "var-value"}, p["value"]),
            )
        )
    if not rows:
        rows.append(dom.h("tr", None, dom.h("td", {"class": "muted", "colspan": "3"}, "(none)")))
    return dom.h(
        "table",
        {"class": css_class},
        dom.h(
            "thead",
            None,
            dom.h(
                "tr",
                None,
                dom.h("th", None, "Variable"),
                dom.h("th", None, "Key"),
                dom.h("th", None, "Value"),
            ),
        ),
        dom.h("tbody", None, rows),
    )


def _context_tree(nodes):
    # context_lines flattens the tree depth-first; indentation by depth keeps the DOM flat and simple.
    items = []
    for depth, name, key, value in context_lines(nodes):
        is_block = value is None
        label = (name + ".") if is_block else name
        if depth == 0 and is_block:
            label = name + ".  (" + block_label(name) + ")"
        item = dom.h(
            "li",
            {
                "class": "node" + (" node-block" if is_block else ""),
                "data-key": key,
                "style": "--depth:%d" % depth,
            },
            dom.h("span", {"class": "node-name"}, label),
        )
        if not is_block:
            dom.append(item, dom.h("span", {"class": "node-value"}, value))
        dom.append(item, dom.h("code", {"class": "node-key"}, key))
        items.append(item)
    return dom.h(
        "div",
        {"class": "context", "data-testid": "context"},
        dom.h("div", {"class": "context-title"}, "Context data"),
        dom.h("ul", {"class": "tree"}, items),
    )


def _edge_exchanges(record):
    """The Edge requests of a hit as sent (body: xdm and data.__adobe.analytics) and their answers (handles)."""
    items = []
    for exchange in record.exchanges:
        how = "sendBeacon" if exchange["beacon"] else "fetch · HTTP %s" % exchange["status"]
        items.append(
            dom.h(
                "li",
                {"data-testid": "edge-exchange"},
                dom.h("p", {"class": "raw-url"}, "POST " + exchange["url"] + " (" + how + ")"),
                dom.h(
                    "pre", {"class": "edge-body", "data-testid": "edge-request"}, _pretty(exchange["body"])
                ),
                dom.h(
                    "pre",
                    {"class": "edge-body", "data-testid": "edge-response"},
                    _pretty(exchange["response"]),
                )
                if exchange["response"]
                else None,
            )
        )
    if not items:
        items.append(dom.h("li", {"class": "muted"}, "(the request shows here once the Edge answered)"))
    return dom.h(
        "details",
        {"class": "tech", "data-testid": "edge"},
        dom.h("summary", None, "Edge request and response (Web SDK)"),
        dom.h("ol", {"class": "edge-exchanges"}, items),
    )


def _pretty(text):
    from appmeasurement.jsonorder import dumps, loads

    try:
        return dumps(loads(text), 2)
    except ValueError:
        return text
