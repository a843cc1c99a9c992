"""npm run build (scripts/build.py): the wheel installs and works in CPython, the [files] archive holds
exactly the package, and the loader stays small (the compiled .mpy files: tests/unit/test_mpy_build.py).

The wheel is installed offline (``pip install --no-index``) into a fresh virtual environment, and
``import appmeasurement`` there builds a request with the pure core, far from the checkout.
"""

import base64
import gzip
import hashlib
import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "app" / "appmeasurement"
_spec = importlib.util.spec_from_file_location("build_script", ROOT / "scripts" / "build.py")
build_script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(build_script)

# The loader is one <script> on every page of a site: a few KB on the wire.
LOADER_MAX_BYTES = 10_500  # 10,000 until the preload hints (+0.7 KB)
LOADER_MAX_GZIP_BYTES = 4_000


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dist")
    build_script.build(folder)
    return folder


def package_files():
    return sorted("appmeasurement/" + p.name for p in PACKAGE.glob("*.py"))


def wheel_path(dist):
    from appmeasurement import __version__

    return dist / f"appmeasurement_pyscript-{__version__}-py3-none-any.whl"


def test_the_archive_holds_exactly_the_package_modules(dist):
    from appmeasurement import __version__

    with zipfile.ZipFile(dist / f"appmeasurement-{__version__}.zip") as archive:
        names = archive.namelist()
        contents = {name: archive.read(name) for name in names}
    assert sorted(names) == package_files(), f"archive {names} vs package {package_files()}"
    changed = [n for n in names if contents[n] != (ROOT / "app" / n).read_bytes()]
    assert changed == [], f"archive members differ from the sources: {changed}"


def test_the_wheel_record_lists_every_file_with_its_sha256(dist):
    with zipfile.ZipFile(wheel_path(dist)) as wheel:
        names = wheel.namelist()
        record_name = next(n for n in names if n.endswith(".dist-info/RECORD"))
        rows = [line.split(",") for line in wheel.read(record_name).decode().splitlines()]
        wrong = []
        for name, digest, size in rows:
            if name == record_name:
                assert (digest, size) == ("", ""), "RECORD lists itself without a hash"
                continue
            data = wheel.read(name)
            expected = (
                "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            )
            if (digest, size) != (expected, str(len(data))):
                wrong.append(name)
        wheel_meta = wheel.read(record_name.replace("RECORD", "WHEEL")).decode()
    assert sorted(row[0] for row in rows) == sorted(names), "RECORD must list every file of the wheel"
    assert wrong == [], f"RECORD hashes or sizes do not match: {wrong}"
    assert [n for n in names if n.startswith("appmeasurement/")] == package_files()
    assert "Tag: py3-none-any" in wheel_meta and "Root-Is-Purelib: true" in wheel_meta, wheel_meta


def test_the_build_is_reproducible(dist, tmp_path):
    build_script.build(tmp_path)
    files = sorted(p.relative_to(dist) for p in dist.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    different = [str(p) for p in files if (dist / p).read_bytes() != (tmp_path / p).read_bytes()]
    assert different == [], f"two builds of the same sources differ: {different}"


def test_the_loader_is_a_few_kilobytes_and_names_this_version(dist):
    from appmeasurement import __version__

    data = (dist / "appmeasurement.js").read_bytes()
    gzipped = len(gzip.compress(data, 9))
    assert len(data) <= LOADER_MAX_BYTES and gzipped <= LOADER_MAX_GZIP_BYTES, (
        f"loader: {len(data)} bytes ({gzipped} gzipped); budget {LOADER_MAX_BYTES} ({LOADER_MAX_GZIP_BYTES})"
    )
    text = data.decode()
    assert f"/dist/appmeasurement-{__version__}-bundle.py" in text and "__VERSION__" not in text
    assert f"/dist/appmeasurement-{__version__}-bundle.mpy" in text and "_BUNDLE__" not in text


CPYTHON_SCRIPT = """
import appmeasurement, sys
from appmeasurement import AppMeasurement
from appmeasurement.testing import FakeTransport, StaticEnvironment
transport = FakeTransport()
s = AppMeasurement("myrsid", StaticEnvironment(), transport)
s.trackingServer = "metrics.example.com"
s.pageName = "Home"
s.contextData["a.b"] = "c"
s.t()
print(appmeasurement.__file__)
print(appmeasurement.__version__)
print(transport.images[0].url)
"""


def test_the_wheel_installs_offline_in_a_fresh_venv_and_builds_a_request(dist, tmp_path):
    from appmeasurement import __version__

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=180)
    python = venv / "bin" / "python"
    install = subprocess.run(
        [
            str(python),
            "-m",
            "pip",
            "install",
            "--no-index",
            "--disable-pip-version-check",
            str(wheel_path(dist)),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert install.returncode == 0, f"pip install failed:\n{install.stdout}\n{install.stderr}"
    run = subprocess.run([str(python), "-c", CPYTHON_SCRIPT], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    where, version, url = run.stdout.splitlines()
    assert "site-packages" in where, f"imported from {where}, not from the installed wheel"
    assert version == __version__
    assert url.startswith("http://metrics.example.com/b/ss/myrsid/1/JS-2.27.0/s"), url
    assert "&pageName=Home&" in url and "&c.&a.&b=c&.a&.c&" in url, url


def test_the_e2e_app_configs_name_this_versions_artifacts():
    from appmeasurement import __version__

    for kind, artifact in (("mpy", f"appmeasurement-{__version__}-mpy.zip"), ("py", wheel_path(Path()).name)):
        text = (ROOT / "tests" / "e2e" / "pages" / f"embed_app_{kind}.toml").read_text()
        assert f'"/dist/{artifact}" = "./*"' in text, f"embed_app_{kind}.toml must unpack /dist/{artifact}"
