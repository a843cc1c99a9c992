"""Fixtures for the e2e tests: a real collector process, Debian's Chromium via Playwright, PyScript pages.

Fixtures
--------
``collector`` (session)
    ``python -m collector --port 0 --db <tmp>/hits.sqlite3 --root <repo>`` in a subprocess. Attributes
    ``url`` (``http://127.0.0.1:43817``, no trailing slash) and ``host`` (``127.0.0.1:43817``); methods
    ``hits(rsid=None, since_id=None)``, ``wait_for_hits(n, rsid=None, timeout=20, predicate=None,
    since_id=None)``, ``clear(rsid=None)``, ``add_fault(**spec) -> id``, ``faults()``, ``clear_faults()``,
    and ``get/post/delete(path, ...)`` returning an ``httpx.Response`` for anything else.
    Hits and faults are cleared before every e2e test (autouse ``_fresh_collector``).
``interpreter``
    Parametrized ``["mpy", "py"]``: a test that takes it runs once under PyScript's MicroPython and once
    under Pyodide. Pages read ``?interpreter=mpy|py``; ``open_pyscript_page(..., interpreter=...)`` adds
    it. ``mpy`` runs carry the ``mpy`` marker, so ``-m "not mpy"`` / ``-k "not mpy"`` skips them.
``page``
    pytest-playwright's page, plus ``page.console_log``: console messages and page errors as strings.
    A failing test gets them (and the collector's recent output) appended to its report.
``requests_log``
    A list that fills with the URL of every request the page's browser context makes.
``open_pyscript_page``
    ``open_pyscript_page(page, path, ready_js=READY_JS, *, ready_selector=None, interpreter=None,
    timeout_ms=60000) -> page``: go to ``collector.url + path`` and wait until the page says it is ready.
    The convention: once its Python has run, the page sets ``document.documentElement.dataset.ready = "1"``;
    pass another JS expression as ``ready_js``, or a CSS selector to wait for as ``ready_selector``. A PyScript error
    banner (``.py-error``) or an HTTP error for the page fails at once, with the console log.

Chromium: the one tests/e2e/chromium.py finds (``$CHROMIUM_PATH``, /usr/bin/chromium, ...), launched
headless with flags that keep it off the network; every host but 127.0.0.1/localhost fails to resolve.

Example::

    def test_beacon_arrives(collector, page, open_pyscript_page, interpreter):
        open_pyscript_page(page, "/tests/e2e/pages/beacon.html", interpreter=interpreter)
        page.evaluate("url => fireBeacon(url)", f"{collector.url}/b/ss/rsid/1/JS-2.27.0/s1?AQB=1&AQE=1")
        [hit] = collector.wait_for_hits(1, rsid="rsid")
        assert hit["status"] == 200
"""

import collections
import json
import os
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.e2e.chromium import LAUNCH_ARGS, VIEWPORT, find_chromium

REPO_ROOT = Path(__file__).resolve().parents[2]
STARTUP_TIMEOUT_S = 30
READY_JS = "document.documentElement.dataset.ready === '1'"
INTERPRETERS = ["mpy", "py"]
_URL_LINE = re.compile(r"Collector serving (http://([^/\s]+))/?")


class Collector:
    """A running collector subprocess and a small client for its JSON API."""

    def __init__(self, process, url, output):
        self.process = process
        self.url = url.rstrip("/")
        self.host = self.url.split("://", 1)[1]
        self._output = output  # deque of the process's recent output lines, filled by a reader thread
        self._http = httpx.Client(base_url=self.url, timeout=10)

    # -- raw HTTP -------------------------------------------------------------------------------------
    def get(self, path, **kwargs):
        return self._http.get(path, **kwargs)

    def post(self, path, **kwargs):
        return self._http.post(path, **kwargs)

    def delete(self, path, **kwargs):
        return self._http.delete(path, **kwargs)

    def _json(self, response):
        if response.status_code >= 400:
            raise AssertionError(
                f"collector {response.request.method} {response.request.url} -> {response.status_code}: "
                f"{response.text[:500]}"
            )
        return response.json()

    # -- hits -----------------------------------------------------------------------------------------
    def hits(self, rsid=None, since_id=None):
        """Stored hits, oldest first; only those with ``id > since_id`` when it is given."""
        params = {"rsid": rsid} if rsid is not None else None
        hits = self._json(self.get("/api/hits", params=params))["hits"]
        if since_id is not None:
            hits = [hit for hit in hits if hit["id"] > since_id]
        return hits

    def clear(self, rsid=None):
        params = {"rsid": rsid} if rsid is not None else None
        self._json(self.delete("/api/hits", params=params))

    def wait_for_hits(self, n, rsid=None, timeout=20, predicate=None, since_id=None):
        """Poll /api/hits until at least ``n`` matching hits are stored; return the matching hits.

        Fails after ``timeout`` seconds with what did arrive, so a missing hit is easy to diagnose.
        """
        deadline = time.monotonic() + timeout
        while True:
            hits = self.hits(rsid=rsid, since_id=since_id)
            matching = [hit for hit in hits if predicate is None or predicate(hit)]
            if len(matching) >= n:
                return matching
            if time.monotonic() >= deadline:
                everything = self.hits(since_id=since_id)
                raise AssertionError(
                    f"waited {timeout}s for {n} hit(s) (rsid={rsid!r}, predicate={'yes' if predicate else 'no'}); "
                    f"{len(matching)} matched. All {len(everything)} stored hit(s):\n"
                    + ("\n".join(_describe_hit(hit) for hit in everything) or "  (none)")
                )
            time.sleep(0.075)  # poll interval, bounded by the deadline above

    # -- faults ---------------------------------------------------------------------------------------
    def add_fault(self, **spec):
        """``add_fault(rsid="r", action="status", status=404, times=None)`` -> fault id."""
        return self._json(self.post("/api/faults", json=spec)).get("id")

    def faults(self):
        return self._json(self.get("/api/faults"))

    def clear_faults(self):
        self._json(self.delete("/api/faults"))

    # -- diagnostics ----------------------------------------------------------------------------------
    def recent_output(self, lines=40):
        return "\n".join(list(self._output)[-lines:])

    def close(self):
        self._http.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def _describe_hit(hit):
    query = hit.get("query") or ""
    if len(query) > 160:
        query = query[:160] + "..."
    return (
        f"  #{hit.get('id')} {hit.get('method')} {hit.get('transport')} rsid={hit.get('rsid')} "
        f"status={hit.get('status')} {hit.get('path')}?{query}"
    )


def start_collector(db_path, root=REPO_ROOT, timeout=STARTUP_TIMEOUT_S):
    """Start ``python -m collector`` on a free port and return a ``Collector`` once it is listening."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")  # the URL line must not sit in a pipe buffer
    process = subprocess.Popen(
        [sys.executable, "-m", "collector", "--port", "0", "--db", str(db_path), "--root", str(root)],
        cwd=str(REPO_ROOT),  # where the collector package is, whatever folder it serves
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    output = collections.deque(maxlen=500)
    urls = queue.Queue()

    def pump():
        # Drain the pipe for the whole session: a full pipe would block the server's logging.
        for line in process.stdout:
            output.append(line.rstrip("\n"))
            match = _URL_LINE.search(line)
            if match:
                urls.put(match.group(1))
        urls.put(None)  # process exited

    threading.Thread(target=pump, name="collector-output", daemon=True).start()
    try:
        url = urls.get(timeout=timeout)
    except queue.Empty:
        url = None
    if url is None:
        try:  # it may have just closed its output and not been reaped yet
            exited = process.wait(timeout=1)
        except subprocess.TimeoutExpired:
            exited = None
            process.kill()
            process.wait(timeout=5)
        why = f"exited with code {exited}" if exited is not None else f"printed no URL within {timeout}s"
        raise RuntimeError(
            f"collector {why} (expected 'Collector serving http://...'). Its output:\n" + "\n".join(output)
        )
    return Collector(process, url, output)


@pytest.fixture(scope="session")
def collector(tmp_path_factory):
    server = start_collector(tmp_path_factory.mktemp("collector") / "hits.sqlite3")
    yield server
    server.close()


@pytest.fixture(autouse=True)
def _fresh_collector(collector):
    # Each test starts from an empty store and no faults, whatever the previous test left behind.
    collector.clear()
    collector.clear_faults()


# -- browser ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    # Extends pytest-playwright's own (which honours --headed and --slowmo).
    return {
        "headless": True,
        **browser_type_launch_args,
        "executable_path": find_chromium(),
        "args": list(LAUNCH_ARGS),
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": dict(VIEWPORT)}


@pytest.fixture(params=INTERPRETERS)
def interpreter(request):
    return request.param


def watch_console(page):
    """Give ``page`` a ``console_log`` list of its console messages and page errors (idempotent)."""
    if getattr(page, "console_log", None) is None:
        log = []
        page.console_log = log
        page.on("console", lambda message: log.append(f"[console.{message.type}] {message.text}"))
        page.on("pageerror", lambda error: log.append(f"[pageerror] {error}"))
    return page


@pytest.fixture
def page(page):
    return watch_console(page)


@pytest.fixture
def requests_log(page):
    """URLs of every request the page's context makes, in order (workers' requests included)."""
    urls = []
    page.context.on("request", lambda request: urls.append(request.url))
    return urls


@pytest.fixture
def open_pyscript_page(collector):
    def open_page(page, path, ready_js=READY_JS, *, ready_selector=None, interpreter=None, timeout_ms=60_000):
        watch_console(page)
        if ready_selector is not None:
            ready_js = f"document.querySelector({json.dumps(ready_selector)}) !== null"
        url = collector.url + path
        if interpreter is not None:
            url += ("&" if "?" in url else "?") + "interpreter=" + interpreter
        response = page.goto(url)
        if response is not None and response.status >= 400:
            raise AssertionError(f"GET {url} -> HTTP {response.status}")
        # Stop early on PyScript's error banner rather than waiting out the whole timeout.
        failed = "document.querySelector('.py-error') !== null"
        try:
            page.wait_for_function(f"({ready_js}) || ({failed})", timeout=timeout_ms)
        except Exception as exc:
            raise AssertionError(
                f"{url} was not ready ({ready_js}) within {timeout_ms} ms: {exc}\n" + _console_text(page)
            ) from None
        errors = page.evaluate("[...document.querySelectorAll('.py-error')].map(e => e.textContent)")
        if errors and not page.evaluate(ready_js):
            raise AssertionError(f"{url}: PyScript error:\n" + "\n".join(errors) + "\n" + _console_text(page))
        return page

    return open_page


def _console_text(page):
    log = getattr(page, "console_log", None) or []
    return "browser console:\n" + ("\n".join(log[-100:]) if log else "  (empty)")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    # On failure, show what the browser and the collector said: most e2e failures are explained there.
    if report.failed:
        funcargs = getattr(item, "funcargs", {})
        page = funcargs.get("page")
        if page is not None and getattr(page, "console_log", None):
            report.sections.append(("browser console", "\n".join(page.console_log[-200:])))
        server = funcargs.get("collector")
        if server is not None:
            report.sections.append(("collector output (recent)", server.recent_output()))
            try:
                hits = server.hits()
                text = "\n".join(_describe_hit(hit) for hit in hits) or "  (none)"
                report.sections.append(("collector hits", text))
            except Exception as exc:  # the collector may be the thing that broke
                report.sections.append(("collector hits", f"unavailable: {exc}"))
    return report
