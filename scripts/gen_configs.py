"""Rewrite the ``[files]`` tables of pyscript.toml and mpy.toml from the package modules on disk.

PyScript copies into the browser's file system only what a config's ``[files]`` lists, so every module of
``app/appmeasurement`` and ``app/demo`` (sub-packages included) must be listed in both tomls, and nothing
else of theirs. pyscript.toml (Pyodide) lists the sources, ``"/app/demo/x.py" = "./demo/x.py"``;
mpy.toml (MicroPython) lists the modules scripts/build.py compiles, ``"/dist/mpy/demo/x.mpy" =
"./demo/x.mpy"``, which MicroPython imports without compiling them in the page. Everything outside
``[files]`` (the ``interpreter`` line, comments) is kept as it is, and so are ``[files]`` entries for
other paths. tests/unit/test_project_files.py fails when the tomls drift.

    .venv/bin/python scripts/gen_configs.py            # rewrite both tomls where they differ
    .venv/bin/python scripts/gen_configs.py --check    # change nothing; exit 1 naming what would change
"""

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOMLS = ("pyscript.toml", "mpy.toml")
# The tomls that list compiled modules (scripts/build.py writes them to dist/mpy/, keeping the paths).
COMPILED = ("mpy.toml",)
MPY_URL = "/dist/mpy/"
MPY_COMMENT = "# Compiled by scripts/build.py (npm run build; npm start and the tests run it) from app/."
# (folder under app/, comment written above its entries)
PACKAGES = (
    ("appmeasurement", None),
    ("demo", "# The demo (index.html + app/main.py): its modules under app/demo/."),
)


def package_modules(root, package):
    """``["appmeasurement/__init__.py", ...]``: the package's .py files relative to app/, sorted."""
    app = root / "app"
    return sorted(
        path.relative_to(app).as_posix()
        for path in (app / package).rglob("*.py")
        if "__pycache__" not in path.parts
    )


def entry(module, compiled=False):
    # The key is the URL PyScript fetches (the collector serves the repo root); the value is where the
    # file lands next to the page's main script, so `import appmeasurement` finds it.
    if compiled:
        name = module.removesuffix(".py") + ".mpy"
        return f'"{MPY_URL}{name}" = "./{name}"'
    return f'"/app/{module}" = "./{module}"'


def files_table(root, kept=(), compiled=False):
    lines = ["[files]"]
    if compiled:
        lines.append(MPY_COMMENT)
    for package, comment in PACKAGES:
        if comment:
            lines.append(comment)
        lines.extend(entry(module, compiled) for module in package_modules(root, package))
    lines.extend(kept)
    return lines


def _is_package_entry(line):
    return any(
        line.startswith(f'"{prefix}{package}/')
        for package, _comment in PACKAGES
        for prefix in ("/app/", MPY_URL)
    )


def rewrite(text, root, compiled=False):
    """``text`` (a toml) with its ``[files]`` table regenerated; other tables and lines untouched."""
    lines = text.splitlines()
    try:
        start = lines.index("[files]")
    except ValueError:
        start = len(lines)
        lines += ["", "[files]"]
    end = start + 1
    while end < len(lines) and not lines[end].startswith("["):
        end += 1
    body = lines[start + 1 : end]
    trailing = []
    while body and not body[-1].strip():  # blank lines before the next table stay where they are
        trailing.insert(0, body.pop())
    comments = {comment for _package, comment in PACKAGES if comment} | {MPY_COMMENT}
    kept = [line for line in body if line.strip() and not _is_package_entry(line) and line not in comments]
    return "\n".join(lines[:start] + files_table(root, kept, compiled) + trailing + lines[end:]) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a toml would change")
    parser.add_argument("--root", type=Path, default=ROOT, help="the checkout (default: this one)")
    args = parser.parse_args(argv)
    stale = []
    for name in TOMLS:
        path = args.root / name
        old = path.read_text(encoding="utf-8")
        new = rewrite(old, args.root, compiled=name in COMPILED)
        if new == old:
            continue
        stale.append(name)
        if not args.check:
            path.write_text(new, encoding="utf-8")
            print(f"rewrote [files] in {name}")
    if args.check and stale:
        print(f"[files] out of date in {', '.join(stale)}: run .venv/bin/python scripts/gen_configs.py")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
