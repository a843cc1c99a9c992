"""The tracker under MicroPython 1.28 (PyScript's WebAssembly build) in Node: parity without a browser.

``mpy_runner.mjs`` loads app/appmeasurement into MicroPython's file system; the snippets below run
every recorded vector case there (real HitQueue, FakeTransport, StaticEnvironment) and print the URLs
as JSON, which CPython compares with the reference check.py.  A second snippet prints JS value
semantics (String(number), escape, ContextData order) computed by MicroPython for comparison with
CPython's.  Further snippets check contextData keys named like Object.prototype members, and
browser.py's clock (exact epoch ms, where MicroPython's FFI wraps large JS numbers to 32 bits).
"""

import datetime
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from appmeasurement.contextdata import ContextData, serialize
from appmeasurement.escaping import escape, unescape
from appmeasurement.jsvalues import js_string, utf16_len, utf16_slice
from tests.unit.test_contextdata import OBJECT_PROTOTYPE_CASES
from tests.unit.tracker_support import REFERENCE, check, load_cases

pytestmark = pytest.mark.mpy

ROOT = Path(__file__).resolve().parents[2]
RUNNER = ROOT / "tests" / "unit" / "mpy_runner.mjs"
MICROPYTHON = ROOT / "node_modules" / "@micropython" / "micropython-webassembly-pyscript" / "micropython.mjs"
NODE = shutil.which("node")

if NODE is None:
    pytest.skip(
        "node is not installed: cannot run MicroPython (WebAssembly) in Node", allow_module_level=True
    )
if not MICROPYTHON.exists():
    pytest.skip(
        "node_modules has no @micropython/micropython-webassembly-pyscript (run npm ci)",
        allow_module_level=True,
    )

VECTORS_SNIPPET = """
import json, sys
from appmeasurement import tracker
from appmeasurement.testing import StaticEnvironment
from appmeasurement.testing import FakeTransport
from vector_runner import parse_json, run_case, case_get

print("IMPLEMENTATION " + sys.implementation.name)
out = []
for case in parse_json(open("/data/vectors.json", "rb").read()):
    tracker._reset_registry()
    env = StaticEnvironment()
    transport = FakeTransport()
    s = tracker.s_gi(case_get(case, "rsid"), env, transport)

    def settle(queue=s._queue, transport=transport):
        for _ in range(100):
            if queue.idle():
                return
            for image in transport.pending():
                if image.url.startswith("http://COLLECTOR/"):
                    transport.load(image, 7)
                else:
                    transport.fail(image, 7)
            transport.advance(600)
        raise AssertionError("the queue did not settle")

    try:
        urls = run_case(s, case, env.make_anchor, settle)
    except Exception as exc:
        sys.print_exception(exc)
        urls = ["EXCEPTION " + repr(exc)]
    out.append([case_get(case, "id"), urls])
print("RESULT " + json.dumps(out))
"""

NUMBERS = [
    0.1,
    0.30000000000000004,
    1e21,
    1e-7,
    100.0,
    1.5,
    5e-324,
    1.7976931348623157e308,
    -2.5e-8,
    123456.789,
]
STRINGS = ["a b&c~(d)'é", "\u4e2d\U0001f389\u2028", "AZaz09-_.", " !\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~"]

SEMANTICS_SNIPPET = """
import json
from appmeasurement.jsvalues import js_string, utf16_len, utf16_slice
from appmeasurement.escaping import escape, unescape
from appmeasurement.contextdata import ContextData, serialize
numbers = %s
strings = %r
cd = ContextData([("b", "1"), ("10", "ten"), ("2", "two"), ("a.3", "z"), ("01", "x"), ("g.h.i", True)])
print("RESULT " + json.dumps({
    "numbers": [js_string(x) for x in numbers],
    "escaped": [escape(s) for s in strings],
    "roundtrip": [unescape(escape(s)) == s for s in strings],
    "utf16": [[utf16_len(s), escape(utf16_slice(s, 0, 3))] for s in strings],
    "context": serialize("c", cd.items()),
    "ints": [js_string(5), js_string(-3), js_string(True), js_string(12345678901234567890)],
}))
""" % (repr(NUMBERS), STRINGS)


def run_micropython(code, *files, real_init=False, browser=False):
    command = (
        [NODE, str(RUNNER)] + (["--real-init"] if real_init else []) + (["--browser"] if browser else [])
    )
    for local, remote in files:
        command += ["--file", "%s=%s" % (local, remote)]
    command += ["-c", code]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, timeout=240, check=False)
    stdout = done.stdout.decode("utf-8")
    stderr = done.stderr.decode("utf-8")
    assert done.returncode == 0, "MicroPython failed:\n" + stderr[-3000:] + stdout[-2000:]
    lines = [line for line in stdout.splitlines() if line.startswith("RESULT ")]
    assert lines, "no RESULT line; stdout:\n%s\nstderr:\n%s" % (stdout[-2000:], stderr[-2000:])
    return stdout, json.loads(lines[-1][len("RESULT ") :])


@pytest.fixture(scope="module")
def micropython_urls():
    stdout, result = run_micropython(
        VECTORS_SNIPPET,
        (ROOT / "tests" / "unit" / "vector_runner.py", "/lib/vector_runner.py"),
        (REFERENCE / "vectors.json", "/data/vectors.json"),
    )
    assert "IMPLEMENTATION micropython" in stdout
    return dict(result)


CASES = load_cases()


@pytest.mark.parametrize("plain", [plain for _, plain in CASES], ids=[plain["id"] for _, plain in CASES])
def test_vector_case_under_micropython(micropython_urls, plain):
    assert plain["id"] in micropython_urls
    assert check.compare_case(plain, micropython_urls[plain["id"]]) == []


def test_js_value_semantics_match_cpython():
    _, result = run_micropython(SEMANTICS_SNIPPET)
    cd = ContextData([("b", "1"), ("10", "ten"), ("2", "two"), ("a.3", "z"), ("01", "x"), ("g.h.i", True)])
    assert result == {
        "numbers": [js_string(x) for x in NUMBERS],
        "escaped": [escape(s) for s in STRINGS],
        "roundtrip": [unescape(escape(s)) == s for s in STRINGS],
        "utf16": [[utf16_len(s), escape(utf16_slice(s, 0, 3))] for s in STRINGS],
        "context": serialize("c", cd.items()),
        "ints": ["5", "-3", "true", "12345678901234567890"],
    }


def test_package_imports_without_pyscript_and_wires_the_browser_binding():
    # No PyScript in Node: browser.py falls back to MicroPython's own jsffi.create_proxy.
    code = (
        "import json\n"
        "import appmeasurement\n"
        "from appmeasurement import browser, tracker\n"
        "print('RESULT ' + json.dumps([tracker._defaults['env'] is browser.BrowserEnvironment,"
        " tracker._defaults['transport'] is browser.BrowserTransport]))\n"
    )
    browser_file = ("app/appmeasurement/browser.py", "/lib/appmeasurement/browser.py")
    _, result = run_micropython(code, browser_file, real_init=True)
    assert result == [True, True], "the package's __init__ must wire the browser binding in"


OBJECT_PROTOTYPE_SNIPPET = """
import json
from appmeasurement import tracker
from appmeasurement.contextdata import ContextData, serialize
from appmeasurement.testing import FakeTransport, StaticEnvironment
tracker._reset_registry()
s = tracker.s_gi("mpy", StaticEnvironment(), FakeTransport())
urls = []
s.registerPreTrackCallback(urls.append)
s.trackingServer = "COLLECTOR"
s.contextData = ContextData([("toString", "x"), ("k", "v")])
s.t()
s.t({"contextData": {"hasOwnProperty": "1", "__proto__": "2"}})
print("RESULT " + json.dumps({
    "blocks": [serialize("c", ContextData(pairs).items()) for pairs in %r],
    "hits": [url[url.find("&c."):url.find("&.c") + 3] if "&c." in url else "" for url in urls],
}))
"""


def test_object_prototype_names_are_skipped_under_micropython():
    # The recorded table from test_contextdata.py, then two hits through the real tracker.
    tables = [[list(pair) for pair in pairs] for pairs, _ in OBJECT_PROTOTYPE_CASES]
    _, result = run_micropython(OBJECT_PROTOTYPE_SNIPPET % (tables,))
    for (pairs, expected), block in zip(OBJECT_PROTOTYPE_CASES, result["blocks"]):
        assert block == expected, "contextData %r: expected %r, MicroPython sent %r" % (
            pairs,
            expected,
            block,
        )
    assert len(result["blocks"]) == len(OBJECT_PROTOTYPE_CASES)
    assert result["hits"] == ["&c.&k=v&.c", "&c.&__proto__=2&.c"], "the hits' c. blocks: %r" % result["hits"]


# --- large JS numbers through browser.py -----------------------------------------------------------
# MicroPython's FFI wraps a whole JS number of 2**31 or more to 32 bits (Date.now() 1796170126113
# arrives as 873796385); browser.py reads the clock as text once, then undoes the wrap (unwrap). Node has Date and Math, so the binding's
# clock runs here with MicroPython's own jsffi.

NOW_SNIPPET = """
import json, js
from appmeasurement import browser
before = js.Date.new().toISOString()
readings = [browser.BrowserTransport().now_ms(), browser.BrowserEnvironment().now_ms(), browser.epoch_ms()]
after = js.Date.new().toISOString()
print("RESULT " + json.dumps({"before": before, "readings": readings, "after": after}))
"""


def iso_ms(text):
    """Epoch ms of a JS toISOString() text, computed by CPython."""
    instant = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return (instant - datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)) // datetime.timedelta(
        milliseconds=1
    )


def test_now_ms_is_date_now_under_micropython():
    _, result = run_micropython(NOW_SNIPPET, browser=True)
    before, after = iso_ms(result["before"]), iso_ms(result["after"])
    for name, value in zip(
        ["BrowserTransport.now_ms", "BrowserEnvironment.now_ms", "epoch_ms"], result["readings"]
    ):
        assert before <= value <= after, "%s() gave %r; Date.now() read %d before it and %d after" % (
            name,
            value,
            before,
            after,
        )


def _int32(x):
    """JS ToInt32, which MicroPython's FFI applies to a large whole number."""
    x %= 2**32
    return x - 2**32 if x >= 2**31 else x


BASE = 1796170000000
UNWRAP_CASES = [
    ("just-after", BASE + 126113),
    ("a-day-before", BASE - 86_400_000),
    ("23-days-after", BASE + 2_000_000_000),
    ("23-days-before", BASE - 2_000_000_000),
    ("the-base", BASE),
]


def test_unwrap_undoes_the_32_bit_wrap_of_times_near_the_exact_reading():
    pairs = [[_int32(t), t] for _, t in UNWRAP_CASES]
    snippet = (
        "import json\nfrom appmeasurement import browser\n"
        "print('RESULT ' + json.dumps([browser.unwrap(raw, %d) for raw, _ in %r]))\n" % (BASE, pairs)
    )
    _, result = run_micropython(snippet, browser=True)
    for (name, expected), got in zip(UNWRAP_CASES, result):
        assert got == expected, "%s: expected %d, MicroPython unwrapped %d" % (name, expected, got)


DATES = [
    ("1970-01-01T00:00:00.000Z", 0),
    ("1970-01-25T20:31:23.647Z", 2**31 - 1),
    ("1970-01-25T20:31:23.648Z", 2**31),
    ("1970-02-19T17:02:47.296Z", 2**32),
    ("2026-12-02T02:15:16.012Z", iso_ms("2026-12-02T02:15:16.012Z")),
    ("1900-01-01T00:00:00.000Z", -2208988800000),
    ("+275760-09-13T00:00:00.000Z", 8640000000000000),
    ("-271821-04-20T00:00:00.000Z", -8640000000000000),
]

DATE_SNIPPET = """
import json, js
from appmeasurement import browser
print("RESULT " + json.dumps([browser.date_ms(js.Date.new(text)) for text in %r]))
"""


def test_date_ms_is_exact_across_the_32_bit_boundaries_under_micropython():
    texts = [text for text, _ in DATES]
    _, result = run_micropython(DATE_SNIPPET % (texts,), browser=True)
    for (text, expected), got in zip(DATES, result):
        assert got == expected, "new Date(%r).getTime() is %d; MicroPython read %r" % (text, expected, got)
    assert len(result) == len(DATES)
