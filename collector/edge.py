"""A local stand-in for Adobe's Edge Network, the server the Web SDK (alloy) talks to.

    app = create_app("/tmp/hits.sqlite3")          # wires routes() and an EdgeStore in as app.edge
    client = TestClient(app)
    r = client.post("/ee/v1/interact?configId=ds1&requestId=r1", content='{"events": [{"xdm": {}}]}')
    r.json()["handle"][0]["type"]                    # "identity:result"
    client.get("/api/edge").json()["requests"][0]["action"]   # "interact"

Routes: ``POST /ee[/{locationHint}]/v1/{interact,collect,privacy/set-consent,identity/acquire}`` and
``OPTIONS`` for them (CORS preflight). Each request is stored (in memory, newest last) with its parsed
body, the cookies it carried (the Cookie header and ``meta.state.entries``), the answer, and per event the
Analytics variables derived from ``data.__adobe.analytics`` and the XDM. ``GET /api/edge`` lists them
(``since_id``, ``configId`` filters), ``DELETE /api/edge`` forgets them.

The answers follow the real Edge's shape: ``interact`` and ``identity/acquire`` answer ``handle`` with
``identity:result`` (one ECID minted per visitor, i.e. per identity cookie), ``locationHint:result`` and
``state:store`` (the identity and cluster cookies the client writes as first-party cookies);
``privacy/set-consent`` adds the ``kndctr_<org>_consent`` cookie (``general=in|out``); ``collect``
answers 204. Problems answer ``application/problem+json``. The organisation (for cookie names) is
``DEFAULT_ORG_ID`` unless a datastream was registered with ``POST /api/edge/datastreams``
``{"configId": ..., "orgId": ...}``: the real Edge knows it from the datastream, not from the request.

Faults (``POST /api/faults``) apply as for ``/b/ss/`` (``status``, ``delay``, ``hang``, ``drop``), matched on
the ``configId`` in the ``rsid`` field.
CORS: credentialed requests need the exact ``Origin`` echoed and ``Access-Control-Allow-Credentials``.
"""

import base64
import json
import random
import threading

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from collector.store import utc_now

__all__ = [
    "ACTIONS",
    "DEFAULT_ORG_ID",
    "EdgeStore",
    "analytics_variables",
    "encode_identity_cookie",
    "routes",
]

DEFAULT_ORG_ID = "5BFE274A5F6980A50A495C08@AdobeOrg"
ACTIONS = ("interact", "collect", "privacy/set-consent", "identity/acquire")
REGION_ID = 9
LOCATION_HINT = "or2"
CLUSTER_MAX_AGE = 1800
IDENTITY_MAX_AGE = 34128000
CONSENT_MAX_AGE = 15552000
MAX_BODY = 64 * 1024
_EXPOSED = "Retry-After, x-adobe-edge, x-request-id"


def cookie_name(org_id: str, key: str) -> str:
    """alloy's ``getNamespacedCookieName``: ``kndctr_<org with the first @ as _>_<key>``."""
    return f"kndctr_{org_id.replace('@', '_', 1)}_{key}"


def _varint(number: int) -> bytes:
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def encode_identity_cookie(ecid: str) -> str:
    """The identity cookie: the Edge's ``Identity`` protobuf (field 1, the ECID), base64 with ``/+`` as ``_-``.

    alloy decodes it for ``getIdentity`` when no request is needed (``decodeKndctrProtobuf``).

    >>> encode_identity_cookie("1")
    'CgEx'
    """
    raw = ecid.encode("ascii")
    message = b"\x0a" + _varint(len(raw)) + raw
    return base64.b64encode(message).decode("ascii").replace("/", "_").replace("+", "-")


def decode_identity_cookie(value: str):
    """The ECID in an identity cookie written by ``encode_identity_cookie``, or None."""
    try:
        raw = base64.b64decode(value.replace("_", "/").replace("-", "+"))
    except ValueError:
        return None
    if len(raw) < 2 or raw[0] != 0x0A or raw[1] >= 0x80 or len(raw) < 2 + raw[1]:
        return None
    try:
        return raw[2 : 2 + raw[1]].decode("ascii")
    except UnicodeDecodeError:
        return None


def _mint_ecid() -> str:
    # An ECID is 38 decimal digits.
    return "".join(random.choice("0123456789") for _ in range(38))


# XDM paths that carry what an Analytics variable carries, for hits sent without the data object.
_XDM_VARIABLES = (
    ("pageName", ("web", "webPageDetails", "name")),
    ("pageURL", ("web", "webPageDetails", "URL")),
    ("referrer", ("web", "webReferrer", "URL")),
    ("linkName", ("web", "webInteraction", "name")),
    ("linkURL", ("web", "webInteraction", "URL")),
)
_LINK_TYPES = {"other": "o", "download": "d", "exit": "e"}


def _dig(data, path):
    for key in path:
        if not isinstance(data, dict):
            return None
        data = data.get(key)
    return data


def analytics_variables(event) -> dict:
    """The Analytics variables an Edge event carries: ``data.__adobe.analytics``, XDM filling the gaps.

    >>> analytics_variables({"data": {"__adobe": {"analytics": {"eVar1": "a"}}},
    ...                      "xdm": {"web": {"webPageDetails": {"name": "Home"}}}})
    {'eVar1': 'a', 'pageName': 'Home'}
    """
    if not isinstance(event, dict):
        return {}
    found = _dig(event, ("data", "__adobe", "analytics"))
    variables = dict(found) if isinstance(found, dict) else {}
    xdm = event.get("xdm")
    for name, path in _XDM_VARIABLES:
        value = _dig(xdm, path)
        if name not in variables and isinstance(value, str) and value:
            variables[name] = value
    link_type = _dig(xdm, ("web", "webInteraction", "type"))
    if "linkType" not in variables and link_type in _LINK_TYPES:
        variables["linkType"] = _LINK_TYPES[link_type]
    return variables


class EdgeStore:
    """The Edge requests received (in memory, in arrival order), the visitors and the datastreams; thread-safe."""

    def __init__(self) -> None:
        self._requests: list = []
        self._next_id = 1
        self._orgs: dict = {}
        self._lock = threading.Lock()

    def org_for(self, config_id: str) -> str:
        with self._lock:
            return self._orgs.get(config_id, DEFAULT_ORG_ID)

    def register(self, config_id: str, org_id: str) -> None:
        with self._lock:
            self._orgs[config_id] = org_id

    def add(self, record: dict) -> dict:
        with self._lock:
            record = {"id": self._next_id, "received_at": utc_now(), **record}
            self._next_id += 1
            self._requests.append(record)
            return record

    def requests(self, config_id=None, since_id=None) -> list:
        with self._lock:
            return [
                dict(r)
                for r in self._requests
                if (config_id is None or r["configId"] == config_id)
                and (since_id is None or r["id"] > since_id)
            ]

    def delete(self, config_id=None) -> int:
        with self._lock:
            kept = [r for r in self._requests if config_id is not None and r["configId"] != config_id]
            count = len(self._requests) - len(kept)
            self._requests = kept
            return count


def _cors(request: Request) -> dict:
    origin = request.headers.get("origin")
    headers = {"Cache-Control": "no-store", "Vary": "Origin", "Access-Control-Expose-Headers": _EXPOSED}
    if origin:
        headers["Access-Control-Allow-Origin"] = origin
        headers["Access-Control-Allow-Credentials"] = "true"
    return headers


def _problem(request: Request, status: int, title: str, detail: str, code: str = "0003") -> Response:
    body = {
        "type": f"https://ns.adobe.com/aep/errors/EXEG-{code}-{status}",
        "status": status,
        "title": title,
        "detail": detail,
    }
    return JSONResponse(
        body, status_code=status, headers=_cors(request), media_type="application/problem+json"
    )


def _split_path(path: str):
    """``(location hint or None, action)`` of ``/ee[/{hint}]/v1/{action}``, or None."""
    parts = path.strip("/").split("/")
    if len(parts) < 3 or parts[0] != "ee":
        return None
    hint = None
    if parts[1] != "v1":
        hint, parts = parts[1], parts[:1] + parts[2:]
    if len(parts) < 3 or parts[1] != "v1":
        return None
    action = "/".join(parts[2:])
    return (hint, action) if action in ACTIONS else None


def _request_cookies(request: Request, body) -> list:
    """``[name, value]`` pairs: ``meta.state.entries`` (third-party transfer) then the Cookie header."""
    pairs = []
    entries = _dig(body, ("meta", "state", "entries"))
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("key"), str):
                pairs.append([entry["key"], str(entry.get("value", ""))])
    for name, value in request.cookies.items():
        pairs.append([name, value])
    return pairs


def _handles(org_id: str, ecid: str, identity_value: str, consent) -> list:
    store = [
        {"key": cookie_name(org_id, "cluster"), "value": LOCATION_HINT, "maxAge": CLUSTER_MAX_AGE},
        {"key": cookie_name(org_id, "identity"), "value": identity_value, "maxAge": IDENTITY_MAX_AGE},
    ]
    if consent is not None:
        store.append(
            {"key": cookie_name(org_id, "consent"), "value": f"general={consent}", "maxAge": CONSENT_MAX_AGE}
        )
    return [
        {"payload": [{"id": ecid, "namespace": {"code": "ECID"}}], "type": "identity:result"},
        {
            "payload": [
                {"scope": "Target", "hint": "35", "ttlSeconds": CLUSTER_MAX_AGE},
                {"scope": "AAM", "hint": "9", "ttlSeconds": CLUSTER_MAX_AGE},
                {"scope": "EdgeNetwork", "hint": LOCATION_HINT, "ttlSeconds": CLUSTER_MAX_AGE},
            ],
            "type": "locationHint:result",
        },
        {"payload": store, "type": "state:store"},
    ]


def _consent_value(body):
    """``in``/``out`` from a set-consent body's Adobe 1.0/2.0 entry, or None."""
    for entry in _dig(body, ("consent",)) or []:
        if not isinstance(entry, dict):
            continue
        value = entry.get("value")
        if entry.get("standard") == "Adobe" and entry.get("version") == "1.0":
            general = _dig(value, ("general",))
            if general in ("in", "out"):
                return general
        if entry.get("standard") == "Adobe" and entry.get("version") == "2.0":
            collect = _dig(value, ("collect", "val"))
            if collect in ("y", "n"):
                return "in" if collect == "y" else "out"
    return None


async def _read_text(request: Request) -> str:
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise ValueError(f"the body is over the {MAX_BODY}-byte limit")
    return body.decode("utf-8")


async def edge(request: Request) -> Response:
    """One Edge request: validate, store, answer (or fail on purpose, as a fault says)."""
    if request.method == "OPTIONS":
        headers = _cors(request)
        headers["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        headers["Access-Control-Allow-Headers"] = request.headers.get(
            "access-control-request-headers", "content-type"
        )
        headers["Access-Control-Max-Age"] = "600"
        return Response(status_code=204, headers=headers)
    split = _split_path(request.url.path)
    if split is None:
        return _problem(request, 404, "Not Found", f"Unknown Edge path {request.url.path}", "0001")
    if request.method != "POST":
        return _problem(request, 405, "Method Not Allowed", f"Method {request.method} not allowed", "0001")
    hint, action = split
    config_id = request.query_params.get("configId", "")
    if not config_id:
        return _problem(request, 400, "Invalid request", "The configId query parameter is required.")
    try:
        text = await _read_text(request)
        body = json.loads(text) if text else {}
    except ValueError as exc:
        return _problem(request, 400, "Invalid request", f"The request body is not valid JSON: {exc}", "0002")
    if not isinstance(body, dict):
        return _problem(request, 400, "Invalid request", "The request body must be a JSON object.", "0002")

    from collector import app as app_module  # the fault helpers; app.py imports this module

    edge_store: EdgeStore = request.app.edge
    org_id = edge_store.org_for(config_id)
    cookies = _request_cookies(request, body)
    identity_name = cookie_name(org_id, "identity")
    identity_value = next((value for name, value in cookies if name == identity_name), None)
    ecid = decode_identity_cookie(identity_value) if identity_value else None
    if ecid is None:
        ecid = _mint_ecid()
        identity_value = encode_identity_cookie(ecid)
    consent = _consent_value(body) if action == "privacy/set-consent" else None

    fault = request.app.faults.take(config_id) or {"action": None}
    if fault["action"] in ("hang", "drop") and request.scope.get(app_module._TRANSPORT) is None:
        fault = {"action": "status", "status": 501}  # no connection to hold or drop outside uvicorn
    status = fault["status"] if fault["action"] == "status" else (204 if action == "collect" else 200)
    if fault["action"] in ("hang", "drop"):
        status = None
    events = body.get("events") if isinstance(body.get("events"), list) else []
    record = {
        "method": request.method,
        "path": request.url.path,
        "action": action,
        "locationHint": hint,
        "configId": config_id,
        "requestId": request.query_params.get("requestId", ""),
        "queryKeys": list(request.query_params.keys()),
        "status": status,
        "cookies": cookies,
        "body": body,
        "analytics": [analytics_variables(event) for event in events],
        "ecid": ecid,
    }
    if fault["action"] == "status":
        edge_store.add(record)
        response = _problem(request, status, "Collector fault", f"collector fault: status {status}", "0004")
        return response
    # delay, hang and drop as for /b/ss/ (collector/app.py): the request is stored first.
    if fault["action"] in ("hang", "drop"):
        edge_store.add(record)
        if fault["action"] == "hang" and await app_module._wait_for_end(request) != "stopped":
            return Response(status_code=204)  # the client is gone; nobody reads this
        return await app_module._drop(request)
    delay_s = fault["delay_ms"] / 1000 if fault["action"] == "delay" else None
    if delay_s is not None and await app_module._wait_for_end(request, delay_s) == "gone":
        edge_store.add(record)
        return Response(status_code=204)
    if action == "collect":
        edge_store.add(record)
        return Response(status_code=204, headers=_cors(request))
    answer = {"requestId": record["requestId"], "handle": _handles(org_id, ecid, identity_value, consent)}
    record["response"] = answer
    edge_store.add(record)
    headers = _cors(request)
    headers["x-adobe-edge"] = f"OR2;{REGION_ID}"
    return JSONResponse(answer, headers=headers)


def _json(data, status: int = 200) -> JSONResponse:
    return JSONResponse(data, status_code=status, headers={"Cache-Control": "no-store"})


async def api(request: Request) -> Response:
    """``GET /api/edge`` (``configId``, ``since_id``), ``DELETE /api/edge`` (``configId``)."""
    config_id = request.query_params.get("configId")
    since_id = request.query_params.get("since_id")
    if since_id is not None and not since_id.isdigit():
        return _json({"error": f"since_id: {since_id!r} is not a non-negative integer"}, 400)
    if request.method == "DELETE":
        return _json({"deleted": request.app.edge.delete(config_id)})
    return _json({"requests": request.app.edge.requests(config_id, int(since_id) if since_id else None)})


async def datastreams(request: Request) -> Response:
    """``POST /api/edge/datastreams`` ``{"configId": ..., "orgId": ...}``: the org whose cookies a datastream writes."""
    try:
        data = json.loads(await _read_text(request))
    except ValueError as exc:
        return _json({"error": f"body: not valid JSON ({exc})"}, 400)
    if not isinstance(data, dict) or not all(
        isinstance(data.get(k), str) and data.get(k) for k in ("configId", "orgId")
    ):
        return _json({"error": 'body: expected {"configId": "...", "orgId": "..."}'}, 400)
    request.app.edge.register(data["configId"], data["orgId"])
    return _json({"configId": data["configId"], "orgId": data["orgId"]})


def routes() -> list:
    """The Edge routes, to put before the collector's catch-all static route."""
    return [
        Route("/api/edge", api, methods=["GET", "DELETE"]),
        Route("/api/edge/datastreams", datastreams, methods=["POST"]),
        Route("/ee/{rest:path}", edge, methods=["GET", "POST", "PUT", "DELETE", "OPTIONS"]),
    ]
