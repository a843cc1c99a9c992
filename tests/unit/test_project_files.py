"""Project files that must agree with each other or with the disk: one version number, complete [files].

- The version lives in app/appmeasurement/__init__.py (``__version__``), pyproject.toml, package.json and
  package-lock.json (npm writes the project's version there twice); all must be the same, and
  CHANGELOG.md must have a section for it.
- pyscript.toml and mpy.toml list the package's modules in ``[files]``; PyScript ships nothing else to
  the browser, so a module missing there works in CPython and fails only in the page. Every
  ``app/appmeasurement`` and ``app/demo`` module must be listed in both: pyscript.toml lists the source
  (``/app/demo/x.py``, which must exist), mpy.toml the compiled module scripts/build.py writes
  (``/dist/mpy/demo/x.mpy``, whose source must exist; tests/unit/test_mpy_build.py checks the build
  writes exactly those). ``scripts/gen_configs.py`` rewrites the tables from the disk.
"""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

import appmeasurement

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("appmeasurement", "demo")
TOMLS = ("pyscript.toml", "mpy.toml")
# mpy.toml lists "/dist/mpy/<module>.mpy" = "./<module>.mpy" (compiled by scripts/build.py) where
# pyscript.toml lists "/app/<module>.py" = "./<module>.py".
COMPILED = {"mpy.toml"}
FIX = "run .venv/bin/python scripts/gen_configs.py"


def project_versions(root):
    """Every place the project's version is written, by where it was read."""
    pyproject = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    package = json.loads((root / "package.json").read_text(encoding="utf-8"))
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    return {
        "appmeasurement.__version__": appmeasurement.__version__,
        "pyproject.toml [project].version": pyproject["project"]["version"],
        "package.json version": package["version"],
        "package-lock.json version": lock["version"],
        'package-lock.json packages[""].version': lock["packages"][""]["version"],
    }


def test_the_version_is_the_same_everywhere():
    versions = project_versions(REPO)
    assert len(set(versions.values())) == 1, "expected one version, got:\n" + "\n".join(
        f"  {where}: {version}" for where, version in versions.items()
    )
    assert re.fullmatch(r"\d+\.\d+\.\d+", appmeasurement.__version__), appmeasurement.__version__


def test_the_changelog_has_a_section_for_the_version():
    changelog = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## \[([^\]]+)\]", changelog, flags=re.MULTILINE)
    assert appmeasurement.__version__ in headings, (
        f"expected a '## [{appmeasurement.__version__}]' section in CHANGELOG.md, found {headings}"
    )


def listed_file(toml_name, module):
    """``(URL, destination)`` of ``module`` (``demo/x.py``) in ``toml_name``'s [files]."""
    if toml_name in COMPILED:
        name = module.removesuffix(".py") + ".mpy"
        return "/dist/mpy/" + name, "./" + name
    return "/app/" + module, "./" + module


def source_of(key):
    """The repo path of the source behind a [files] key: itself, or a compiled module's .py."""
    if key.startswith("/dist/mpy/") and key.endswith(".mpy"):
        return "app/" + key.removeprefix("/dist/mpy/").removesuffix(".mpy") + ".py"
    return key.lstrip("/")


def files_drift(root, toml_name):
    """``(missing, extra, misplaced)`` for one toml's [files] against the package modules under ``root``."""
    listed = tomllib.loads((root / toml_name).read_text(encoding="utf-8")).get("files", {})
    expected = dict(
        listed_file(toml_name, path.relative_to(root / "app").as_posix())
        for package in PACKAGES
        for path in (root / "app" / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )
    missing = sorted(expected.keys() - listed.keys())
    # Keys are URL paths from the repo root (the collector serves it); a listed file that is not there
    # 404s. A compiled module is there once built, if its source is.
    extra = sorted(key for key in listed if not (root / source_of(key)).is_file())
    # A module must land where `import` finds it: next to the page's main script, under its package.
    misplaced = sorted(
        f"{key} -> {listed[key]}" for key in expected.keys() & listed.keys() if listed[key] != expected[key]
    )
    return missing, extra, misplaced


@pytest.mark.parametrize("toml_name", TOMLS)
def test_the_pyscript_configs_list_every_package_module(toml_name):
    missing, extra, misplaced = files_drift(REPO, toml_name)
    problems = [
        f"{label} in {toml_name} [files]: {', '.join(names)}"
        for label, names in (
            ("modules on disk but not listed", missing),
            ("listed but not on disk", extra),
            ("listed with the wrong destination", misplaced),
        )
        if names
    ]
    assert not problems, "\n".join(problems) + f"\n({FIX})"


def _gen_configs(root, *args):
    command = [sys.executable, str(REPO / "scripts" / "gen_configs.py"), "--root", str(root), *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def _copy_project(tmp_path):
    """The tomls and packages in ``tmp_path``, [files] regenerated: clean whatever the checkout's state."""
    for name in TOMLS:
        shutil.copy(REPO / name, tmp_path / name)
    for package in PACKAGES:
        shutil.copytree(
            REPO / "app" / package, tmp_path / "app" / package, ignore=shutil.ignore_patterns("*.pyc")
        )
    _gen_configs(tmp_path).check_returncode()
    return tmp_path


def _add_module(root):
    (root / "app" / "appmeasurement" / "stages").mkdir()
    (root / "app" / "appmeasurement" / "stages" / "newstage.py").write_text("X = 1\n")


def _remove_module(root):
    (root / "app" / "demo" / "router.py").unlink()


def _misplace_module(root):
    for name in TOMLS:
        path = root / name
        text = path.read_text(encoding="utf-8")
        for suffix in (".py", ".mpy"):
            text = text.replace(f'= "./appmeasurement/escaping{suffix}"', f'= "./escaping{suffix}"')
        path.write_text(text, encoding="utf-8")


def _drift_in(name, missing=(), extra=(), misplaced=()):
    """The drift files_drift reports in toml ``name``, from the modules (``demo/x.py``) concerned."""

    def keys(modules):
        return [listed_file(name, module)[0] for module in modules]

    wrong = [f"{key} -> ./{key.rsplit('/', 1)[1]}" for key in keys(misplaced)]
    return keys(missing), keys(extra), wrong


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_add_module, {"missing": ["appmeasurement/stages/newstage.py"]}),
        (_remove_module, {"extra": ["demo/router.py"]}),
        (_misplace_module, {"misplaced": ["appmeasurement/escaping.py"]}),
    ],
    ids=["new module not listed", "listed module deleted", "module listed with a wrong destination"],
)
def test_drift_is_named_and_gen_configs_repairs_it(tmp_path, change, expected):
    root = _copy_project(tmp_path)
    assert [files_drift(root, name) for name in TOMLS] == [([], [], [])] * 2, (
        "gen_configs.py should leave no drift in the copy"
    )
    change(root)
    for name in TOMLS:
        assert files_drift(root, name) == _drift_in(name, **expected), f"{name}: expected {expected}"
    check = _gen_configs(root, "--check")
    assert check.returncode == 1, (
        f"expected --check to fail on the drifted copy: {check.stdout}{check.stderr}"
    )
    _gen_configs(root).check_returncode()
    assert [files_drift(root, name) for name in TOMLS] == [([], [], [])] * 2, "gen_configs.py left drift"
    for name in TOMLS:
        interpreter = tomllib.loads((root / name).read_text(encoding="utf-8"))["interpreter"]
        assert interpreter == tomllib.loads((REPO / name).read_text(encoding="utf-8"))["interpreter"], name


@pytest.mark.parametrize(
    ("toml_name", "url", "destination"),
    [
        ("pyscript.toml", "/app/appmeasurement/tracker.py", "./appmeasurement/tracker.py"),
        ("pyscript.toml", "/app/demo/shop.py", "./demo/shop.py"),
        ("mpy.toml", "/dist/mpy/appmeasurement/tracker.mpy", "./appmeasurement/tracker.mpy"),
        ("mpy.toml", "/dist/mpy/demo/shop.mpy", "./demo/shop.mpy"),
    ],
    ids=[
        "pyodide library source",
        "pyodide demo source",
        "micropython library compiled",
        "micropython demo compiled",
    ],
)
def test_pyodide_loads_the_sources_and_micropython_the_compiled_modules(toml_name, url, destination):
    listed = tomllib.loads((REPO / toml_name).read_text(encoding="utf-8"))["files"]
    assert listed.get(url) == destination, (
        f"{toml_name}: expected {url!r} = {destination!r}, got {listed.get(url)!r}"
    )
    other = ".py" if toml_name in COMPILED else ".mpy"
    assert not [key for key in listed if key.endswith(other)], f"{toml_name} should list no {other} files"
