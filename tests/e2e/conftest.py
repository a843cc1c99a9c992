"""Fixtures for the e2e tests: a real collector process, Debian's Chromium via Playwright, PyScript pages.

Fixtures
--------
``dist_built`` (session)
    ``scripts/build.py`` (npm run build) run once before the collector starts: MicroPython pages load the
    compiled modules from dist/mpy/ (mpy.toml), so every e2e run tests the sources as they are now.
``collector`` (session)
    ``python -m collector --port 0 --db <tmp>/hits.sqlite3 --root <repo>`` in a subprocess, started by
    ``collector.launcher.launch`` (a ``collector.launcher.Collector``). Attributes
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
``embed_site``
    The page, routed so that examples/embed/ (the one-tag loader's example site, ``EMBED_SITE``) asks
    its loader for the test's ``interpreter`` (the pages say ``data-interpreter="mpy"``), and with the
    site's download and outbound links kept from navigating (their onclick still tracks).
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

import json
import subprocess
import sys
from pathlib import Path

import pytest

from collector.launcher import describe_hit, launch
from tests.e2e.chromium import LAUNCH_ARGS, VIEWPORT, find_chromium

REPO_ROOT = Path(__file__).resolve().parents[2]
READY_JS = "document.documentElement.dataset.ready === '1'"
INTERPRETERS = ["mpy", "py"]


@pytest.fixture(scope="session")
def dist_built():
    # A fraction of a second when little changed (the build compiles only modules whose source changed).
    result = subprocess.run(
        [sys.executable, "scripts/build.py"], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300
    )
    if result.returncode != 0:
        pytest.fail(
            f"npm run build (scripts/build.py) failed:\n{result.stdout}{result.stderr}", pytrace=False
        )


@pytest.fixture(scope="session")
def collector(tmp_path_factory, dist_built):
    with launch(tmp_path_factory.mktemp("collector") / "hits.sqlite3", root=REPO_ROOT) as server:
        yield server


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


EMBED_SITE = "/examples/embed/"


@pytest.fixture
def embed_site(page, interpreter, collector):
    if interpreter == "py":

        def use_pyodide(route):
            body = route.fetch().text().replace('data-interpreter="mpy"', 'data-interpreter="py"')
            route.fulfill(body=body, headers={"content-type": "text/html; charset=utf-8"})

        page.route(f"{collector.url}{EMBED_SITE}*.html", use_pyodide)
        page.route(f"{collector.url}{EMBED_SITE}", use_pyodide)
    page.add_init_script(
        "addEventListener('click', e => { if (e.target.closest('#download, #outbound')) e.preventDefault(); });"
    )
    return page


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
                text = "\n".join(describe_hit(hit) for hit in hits) or "  (none)"
                report.sections.append(("collector hits", text))
            except Exception as exc:  # the collector may be the thing that broke
                report.sections.append(("collector hits", f"unavailable: {exc}"))
    return report
