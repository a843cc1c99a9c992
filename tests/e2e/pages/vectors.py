"""Test page: runs the recorded AppMeasurement.js 2.27.0 vector cases through the real library.

The test hands the vectors' JSON text to `amRunVectors(text)`; every case runs in order with a new
instance and an empty cookie jar (the recorder used a fresh browser context per case), waiting after
each call until its hit settled (hits settle in call order). `amVectorResults()` returns
`{"done": bool, "error": str|None, "results": [[case_id, [pre-track URL, ...]], ...]}`.

The page first renames itself to /page.html (history.replaceState), so `location.href` and relative
links resolve as they did on the recorder's page; the step runner is the one the CPython tests use
(tests/unit/vector_runner.py), fetched from the server.
"""

import asyncio
import json

import js
from pyscript import fetch
from pyscript.ffi import create_proxy

from appmeasurement import AppMeasurement

status = {"done": False, "error": None, "results": []}


def _clear_cookies():
    for part in js.document.cookie.split(";"):
        name = part.split("=", 1)[0].strip()
        if name:
            js.document.cookie = name + "=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/"


def _make_link(href):
    anchor = js.document.createElement("a")
    anchor.setAttribute("href", href)
    js.document.body.appendChild(anchor)
    return anchor


async def _run(text):
    source = await (await fetch("/tests/unit/vector_runner.py")).text()
    with open("vector_runner.py", "w") as f:
        f.write(source)
    import vector_runner

    for case in vector_runner.parse_json(text):
        _clear_cookies()
        s = AppMeasurement(vector_runner.case_get(case, "rsid"))
        urls = await vector_runner.run_case_async(s, case, _make_link, tracking_server=js.location.host)
        status["results"].append([vector_runner.case_get(case, "id"), urls])


async def _guarded(text):
    try:
        await _run(text)
    except Exception as exc:
        from appmeasurement.callbacks import format_exception

        status["error"] = format_exception(exc)
    status["done"] = True


def run_vectors(text):
    js.history.replaceState(None, "", "/page.html")
    asyncio.create_task(_guarded(text))


def results(*_):
    return json.dumps(status)


js.window.amRunVectors = create_proxy(run_vectors)
js.window.amVectorResults = create_proxy(results)
js.document.documentElement.dataset.ready = "1"
