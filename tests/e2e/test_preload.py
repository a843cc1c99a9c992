"""Preload hints: the loaders start what PyScript will fetch, and PyScript uses those responses.

PyScript fetches its config, then the interpreter, its wasm, the ``[files]`` and the page's script, each
after the last. app/load-pyscript.mjs (the demo, the test and benchmark pages) and the script-tag loader
(dist/appmeasurement.js) add ``<link rel=preload|modulepreload>`` for them first. A hint whose request
does not match the later fetch (mode, credentials) is worse than none: the file is downloaded twice. So
each test checks, after the page's Python ran, that every hinted URL was requested exactly once, by the
hint. ``benchmarks/bench.py`` measures what the hints save over a 40 ms round trip.

    .venv/bin/python -m pytest tests/e2e/test_preload.py -k "not mpy"
"""

from tests.e2e.conftest import EMBED_SITE

MPY = "/node_modules/@micropython/micropython-webassembly-pyscript/"
PYODIDE = "/node_modules/pyodide/"
INTERPRETER_FILES = {
    "mpy": [MPY + "micropython.mjs", MPY + "micropython.wasm"],
    "py": [
        PYODIDE + "pyodide.mjs",
        PYODIDE + "pyodide.asm.mjs",
        PYODIDE + "pyodide.asm.wasm",
        PYODIDE + "python_stdlib.zip",
        PYODIDE + "pyodide-lock.json",
    ],
}
BUNDLE = {"mpy": "/dist/appmeasurement-0.2.0-bundle.mpy", "py": "/dist/appmeasurement-0.2.0-bundle.py"}
BENCH_CONFIG = {"mpy": "/benchmarks/pages/bench_mpy.toml", "py": "/benchmarks/pages/bench_py.toml"}

# Per URL path (no query): the <link> hints in the document, and every request of the resource timeline.
REQUESTS_JS = """() => {
    const path = (url) => new URL(url, location.href).pathname;
    const hints = [...document.querySelectorAll("link[rel=preload], link[rel=modulepreload]")].map((link) => [
        path(link.href), link.rel, link.getAttribute("as"), link.crossOrigin,
    ]);
    const requests = performance.getEntriesByType("resource").map((e) => [path(e.name), e.initiatorType]);
    return {hints, requests};
}"""


def check_each_hint_used_once(page, expected):
    """Every path in ``expected`` is hinted, fetched once, and by its hint (not again by PyScript)."""
    seen = page.evaluate(REQUESTS_JS)
    hinted = {path: (rel, as_, cors) for path, rel, as_, cors in seen["hints"]}
    missing = [path for path in expected if path not in hinted]
    assert not missing, f"expected preload hints for {missing}; the page has {sorted(hinted)}"
    for path, (rel, as_, cors) in hinted.items():
        if rel == "preload":
            assert (as_, cors) == ("fetch", "anonymous"), f"{path}: as={as_!r} crossorigin={cors!r}"
    for path in expected:
        # A module preload is reported as a script's request; a fetch preload as the link's.
        by = "script" if hinted[path][0] == "modulepreload" else "link"
        requests = [initiator for name, initiator in seen["requests"] if name == path]
        assert requests == [by], f"{path}: expected one request, by its hint ({by}); the page made {requests}"


def test_the_page_loader_preloads_what_pyscript_fetches_and_each_file_arrives_once(
    page, open_pyscript_page, interpreter
):
    open_pyscript_page(page, "/benchmarks/pages/bench.html", interpreter=interpreter)
    expected = INTERPRETER_FILES[interpreter] + [
        BENCH_CONFIG[interpreter],
        "/benchmarks/pages/bench_page.py",
        BUNDLE[interpreter],
    ]
    check_each_hint_used_once(page, expected)


def test_preload_none_turns_the_hints_off_and_the_page_still_starts(page, open_pyscript_page, interpreter):
    open_pyscript_page(page, "/benchmarks/pages/bench.html?preload=none", interpreter=interpreter)
    seen = page.evaluate(REQUESTS_JS)
    assert seen["hints"] == [], f"expected no hints with ?preload=none, found {seen['hints']}"
    fetched = [name for name, _initiator in seen["requests"]]
    assert BUNDLE[interpreter] in fetched, f"expected {BUNDLE[interpreter]} among {fetched}"


def test_the_script_tag_loader_preloads_the_interpreter_and_the_bundle(embed_site, collector, interpreter):
    page = embed_site
    page.goto(collector.url + EMBED_SITE)
    page.wait_for_function("document.documentElement.dataset.appmeasurement === 'live'", timeout=60_000)
    check_each_hint_used_once(page, INTERPRETER_FILES[interpreter] + [BUNDLE[interpreter]])
