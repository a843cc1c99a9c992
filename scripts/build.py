"""Build the embeddable artifacts into dist/ (standard library only, byte-for-byte reproducible).

    .venv/bin/python scripts/build.py            # or: npm run build
    dist/appmeasurement.js                          the script-tag loader (app/loader/appmeasurement.js,
                                                    its version and default package URL filled in)
    dist/appmeasurement_pyscript-<v>-py3-none-any.whl   the package as a pure-Python wheel (Pyodide pages)
    dist/appmeasurement-<v>.zip                     the package's modules, for PyScript's [files] ("./*")

The version is ``appmeasurement.__version__`` (tests/unit/test_project_files.py keeps it equal to
package.json and pyproject.toml). Every module of app/appmeasurement is shipped, testing.py included:
it holds the in-memory doubles (StaticEnvironment, FakeTransport) a user's own tests need, and nothing
shipped imports it.
"""

import argparse
import base64
import hashlib
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "app" / "appmeasurement"
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
    lines = [re.sub(r"\s+// .*$", "", line.strip()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line and not line.startswith("//")) + "\n"


def build(dist):
    dist = Path(dist)
    dist.mkdir(parents=True, exist_ok=True)
    v = version()
    (dist / "appmeasurement.js").write_text(loader_text(v), encoding="utf-8")
    _write_zip(dist / wheel_name(v), wheel_entries(v))
    _write_zip(dist / archive_name(v), modules())
    return [dist / "appmeasurement.js", dist / wheel_name(v), dist / archive_name(v)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=str(ROOT / "dist"), help="output folder (default: dist/)")
    args = parser.parse_args(argv)
    for path in build(args.dist):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
